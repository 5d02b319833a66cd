"""Statistical confidentiality of count tables: primary and secondary suppression.

A count table (rows × columns of non-negative integers) comes with the additive relations a
reader knows hold between its cells (a row's total is the sum of its sex columns; the
participants are split by labour-market status, by education level). Masking only the small
cells is not enough: a hidden cell can be recomputed from the others, and a zero next to a
small group tells something about every person of that group. So, in order:

1. **primary**: a count of 1 to ``limit - 1`` people is hidden (shown ``<5``);
2. **zeros of a hidden group**: a zero whose group is hidden — its row's total, or the
   population its column counts (for instance "0 women under 18" when the number of women is
   hidden) — is hidden too (shown ``<5``: it is a count of 0 to 4);
3. **secondary (complementary) cells**: while some hidden cell is still determined by the
   relations and the shown cells (tested exactly: the unit vector of that cell lies in the row
   space of the relations restricted to the hidden cells), the smallest shown cell of one of
   the relations that determine it is hidden as well (shown ``masqué``).

What remains known of a hidden cell is an interval (from the relations and non-negativity),
never its value. Tables of different filters or periods are not compared with each other: a
reader who subtracts two reports of nested periods may still learn a difference.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
import pandas as pd

__all__ = ["SECONDARY_CELL", "Relation", "suppress", "undetermined"]


SECONDARY_CELL: Final = "masqué"


Cell = tuple[Hashable, str]
"""(row label of the frame's index, column name)."""


@dataclass(frozen=True)
class Relation:
    """``whole`` = the sum of ``parts`` (cells of the same table)."""

    whole: Cell
    parts: tuple[Cell, ...]


def _matrix(
    cells: Sequence[Cell], relations: Sequence[Relation]
) -> tuple[np.ndarray, dict[Cell, int]]:
    index = {cell: i for i, cell in enumerate(cells)}
    a = np.zeros((len(relations), len(cells)), dtype=float)
    for r, rel in enumerate(relations):
        a[r, index[rel.whole]] += 1.0
        for part in rel.parts:
            a[r, index[part]] -= 1.0
    return a, index


def _determined(a_hidden: np.ndarray) -> list[int]:
    """Columns of ``a_hidden`` (hidden cells) whose value the relations fix."""
    if a_hidden.size == 0:
        return []
    rank = np.linalg.matrix_rank(a_hidden)
    out = []
    for j in range(a_hidden.shape[1]):
        unit = np.zeros((1, a_hidden.shape[1]))
        unit[0, j] = 1.0
        if np.linalg.matrix_rank(np.vstack([a_hidden, unit])) == rank:
            out.append(j)
    return out


def undetermined(
    table: pd.DataFrame, hidden: set[Cell], relations: Sequence[Relation]
) -> list[Cell]:
    """The hidden cells whose value follows from the shown cells and the relations (to be
    empty once :func:`suppress` is done)."""
    cells = sorted({c for rel in relations for c in (rel.whole, *rel.parts)}, key=repr)
    a, index = _matrix(cells, relations)
    hidden_cols = [index[c] for c in cells if c in hidden]
    found = _determined(a[:, hidden_cols])
    return [cells[hidden_cols[j]] for j in found]


def suppress(
    table: pd.DataFrame,
    *,
    columns: Sequence[str],
    relations: Sequence[Relation],
    groups: Mapping[Cell, Sequence[Cell]],
    limit: int,
    small_label: str,
) -> tuple[pd.DataFrame, set[Cell]]:
    """``table`` with its confidential cells replaced by labels, and the set of hidden cells.

    Parameters
    ----------
    table : counts (int) in ``columns``; other columns (labels) are left as they are.
    relations : the additive relations a reader knows.
    groups : for a cell, the cells that count the group it describes (its row total, the
        population of its column); a zero is hidden when one of them is.
    limit : counts from 1 to ``limit - 1`` are hidden (primary).
    small_label : what a primary or zero cell shows (``"<5"``).
    """
    value = {(r, c): int(table.loc[r, c]) for r in table.index for c in columns}
    primary = {cell for cell, n in value.items() if 0 < n < limit}
    small = set(primary)
    changed = True
    while changed:  # a hidden zero may itself be the group of another zero
        changed = False
        for cell, n in value.items():
            if n == 0 and cell not in small and any(g in small for g in groups.get(cell, ())):
                small.add(cell)
                changed = True
    hidden = set(small)
    cells = sorted({c for rel in relations for c in (rel.whole, *rel.parts)}, key=repr)
    a, index = _matrix(cells, relations)
    while True:
        hidden_cols = [index[c] for c in cells if c in hidden]
        determined = [cells[hidden_cols[j]] for j in _determined(a[:, hidden_cols])]
        if not determined:
            break
        target = determined[0]
        touching = [rel for rel in relations if target in (rel.whole, *rel.parts)]
        candidates = [
            cell for rel in touching for cell in (*rel.parts, rel.whole) if cell not in hidden
        ] or [cell for cell in cells if cell not in hidden]
        if not candidates:  # everything is hidden already
            break
        # The smallest shown cell hides the least; parts before the whole on a tie.
        hidden.add(min(candidates, key=lambda cell: value[cell]))
    out = table.copy()
    for col in columns:
        out[col] = out[col].astype(object)
    for r, c in hidden:
        out.loc[r, c] = small_label if (r, c) in small else SECONDARY_CELL
    return out, hidden
