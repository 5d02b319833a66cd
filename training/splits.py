"""Train / test splits of a history by offer: no offer has rows on both sides.

* ``group``: :class:`~sklearn.model_selection.GroupShuffleSplit` over offer ids (seeded).
* ``time``: offers ordered by the date their outcome was settled (the latest ``decided_on`` of
  their rows); the last ``test_size`` share of offers is the test set, as when a model trained
  on the past is judged on what came after. Offers settled on the cut-off day all go to test.
"""

from __future__ import annotations

from typing import Final, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
from sklearn.model_selection import GroupShuffleSplit

from matching import columns as col
from training.history import DECIDED_ON

__all__ = ["SPLIT_KINDS", "SplitKind", "split_offers"]

SplitKind = Literal["group", "time"]
SPLIT_KINDS: Final = ("group", "time")


def split_offers(
    history: pd.DataFrame,
    *,
    kind: SplitKind = "group",
    test_size: float = 0.2,
    random_state: int | None = 0,
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    """Row positions of the training and test sets, int (n_train,), (n_test,).

    ``ValueError`` for an unknown ``kind``, a ``test_size`` outside (0, 1), or a history with
    fewer than 2 offers.
    """
    if not 0.0 < test_size < 1.0:
        raise ValueError(f"test_size must be in (0, 1), got {test_size}")
    groups = history[col.OFFER_ID].astype("str").to_numpy()
    n_offers = len(set(groups))
    if n_offers < 2:
        raise ValueError(f"a split needs at least 2 offers, the history has {n_offers}")
    if kind == "group":
        splitter = GroupShuffleSplit(n_splits=1, test_size=test_size, random_state=random_state)
        train, test = next(splitter.split(np.zeros((len(groups), 1)), groups=groups))
        return np.sort(train).astype(np.intp), np.sort(test).astype(np.intp)
    if kind == "time":
        settled = (
            history.groupby(col.OFFER_ID, sort=False)[DECIDED_ON].max().sort_values(kind="stable")
        )
        n_test = max(1, min(n_offers - 1, round(test_size * n_offers)))
        cutoff = settled.iloc[n_offers - n_test]
        if (settled < cutoff).sum() == 0:
            raise ValueError("every offer was settled on the same day: no time split possible")
        is_test = history[DECIDED_ON].groupby(history[col.OFFER_ID]).transform("max") >= cutoff
        mask = is_test.to_numpy(dtype=bool)
        return np.flatnonzero(~mask).astype(np.intp), np.flatnonzero(mask).astype(np.intp)
    raise ValueError(f"split kind must be one of {SPLIT_KINDS}, got {kind!r}")
