"""The NAF rév. 2 referential (INSEE): 732 sub-classes with their division and section, for
companies' sectors (``fixtures/referentials/naf_rev2.csv``, see its SOURCES.md)."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from fixtures import REFERENTIALS_DIR
from matching.text import fold

__all__ = ["NAF_PATH", "NafEntry", "NafReferential", "load_naf"]

NAF_PATH = REFERENTIALS_DIR / "naf_rev2.csv"

_CODE = re.compile(r"^(\d{2})\.?(\d{2})([A-Z])$")


@dataclass(frozen=True)
class NafEntry:
    code: str
    label: str
    division: str
    division_label: str
    section: str
    section_label: str


@dataclass(frozen=True)
class NafReferential:
    entries: dict[str, NafEntry]
    sections: dict[str, str]

    def clean(self, text: str) -> str:
        """``4399c``, ``43.99C`` → ``43.99C``; ``ValueError`` (French) for a code not in NAF."""
        raw = text.strip().upper().replace(" ", "")
        m = _CODE.match(raw)
        code = f"{m[1]}.{m[2]}{m[3]}" if m else raw
        if code not in self.entries:
            raise ValueError(
                f"code NAF « {text.strip()} » inconnu : donnez une sous-classe de la NAF rév. 2 "
                "(par exemple 43.99C, le code APE de l'entreprise)"
            )
        return code

    def search(self, query: str, limit: int = 20) -> list[NafEntry]:
        """Sub-classes whose code or label holds every word of ``query``."""
        words = fold(query).split()
        out = []
        for entry in self.entries.values():
            hay = f"{entry.code} {fold(entry.label)} {fold(entry.division_label)}"
            if all(w in hay for w in words):
                out.append(entry)
                if len(out) >= limit:
                    break
        return out


@lru_cache(maxsize=2)
def load_naf(path: Path = NAF_PATH) -> NafReferential:
    with path.open(encoding="utf-8", newline="") as f:
        entries = {row["code"]: NafEntry(**row) for row in csv.DictReader(f)}
    sections = {e.section: e.section_label for e in entries.values()}
    return NafReferential(entries, dict(sorted(sections.items())))
