"""Referentials the service validates against, loaded once per process (app start-up)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import numpy.typing as npt

from matching.referentials import (
    CommuneIndex,
    CommuneMatch,
    RomeReferential,
    load_commune_index,
    load_rome,
)
from matching.text import fold, fold_place_name

__all__ = ["AppellationHit", "Referentials", "load_referentials"]


ORNE = "61"


@dataclass(frozen=True)
class AppellationHit:
    code_ogr: int
    libelle: str
    code_rome: str


@dataclass(frozen=True)
class Referentials:
    """Communes and ROME, plus the folded labels the autocomplete searches."""

    communes: CommuneIndex
    rome: RomeReferential
    commune_names: npt.NDArray[np.str_]
    appellation_labels: npt.NDArray[np.str_]
    skill_codes: frozenset[int]

    @classmethod
    def build(cls, communes: CommuneIndex, rome: RomeReferential) -> Referentials:
        names = np.array([fold_place_name(n) for n in communes.communes["nom"]], dtype=np.str_)
        labels = np.array([fold(n) for n in rome.appellations["libelle"]], dtype=np.str_)
        skills = (
            frozenset(int(c) for c in rome.skills["code_ogr"])
            if rome.skills is not None
            else frozenset()
        )
        return cls(communes, rome, names, labels, skills)

    def commune(self, value: str) -> CommuneMatch | None:
        """The current commune of an INSEE code (current or former) or of an unambiguous name."""
        hit = self.communes.by_insee(value)
        if hit is not None:
            return hit
        matches = self.communes.resolve(value)
        distinct = {m.commune_id for m in matches}
        return matches[0] if len(distinct) == 1 else None

    def commune_candidates(self, value: str) -> list[CommuneMatch]:
        return self.communes.resolve(value)

    def search_communes(self, query: str, *, limit: int) -> list[CommuneMatch]:
        """Autocomplete: exact resolutions first, then names starting with the query.

        Prefix hits are ordered Orne first, then by population.
        """
        out = list(self.communes.resolve(query))
        seen = {m.commune_id for m in out}
        key = fold_place_name(query)
        if key and len(out) < limit:
            ids = np.flatnonzero(np.char.startswith(self.commune_names, key))
            frame = self.communes.communes
            ids = ids[[i not in seen for i in ids]] if ids.size else ids
            if ids.size:
                dept = frame["departement"].to_numpy()[ids]
                pop = frame["population"].to_numpy()[ids]
                order = np.lexsort((-pop, dept != ORNE))
                for cid in ids[order][: limit - len(out)]:
                    row = frame.iloc[int(cid)]
                    out.append(
                        CommuneMatch(
                            int(cid), row["code_insee"], row["nom"], row["departement"], "name"
                        )
                    )
        return out[:limit]

    def search_appellations(self, query: str, *, limit: int) -> list[AppellationHit]:
        """Appellations whose folded label contains every word of the query."""
        words = fold(query).split()
        if not words:
            return []
        mask = np.ones(len(self.appellation_labels), dtype=bool)
        for word in words:
            mask &= np.char.find(self.appellation_labels, word) >= 0
        frame = self.rome.appellations
        ids = np.flatnonzero(mask)[:limit]
        codes = frame["code_ogr"].to_numpy()[ids]
        labels = frame["libelle"].to_numpy()[ids]
        fiches = frame["code_rome"].to_numpy()[ids]
        return [
            AppellationHit(int(c), str(lab), str(f))
            for c, lab, f in zip(codes, labels, fiches, strict=True)
        ]

    def job_label(self, code_ogr: int | None, code_rome: str) -> str:
        """ "Maçon / Maçonne (F1703)": the appellation's label, else the fiche's."""
        if code_ogr is not None and self.rome.has_appellation(str(code_ogr)):
            label = str(self.rome.appellation(str(code_ogr))["libelle"])
        elif self.rome.has_fiche(code_rome):
            label = str(self.rome.fiches["libelle_rome"].iat[self.rome.fiche_id(code_rome)])
        else:
            label = "métier"
        return f"{label} ({code_rome})"

    def fiche_skills(self, code_rome: str) -> list[tuple[int, str, bool]]:
        """The ROME skills of a fiche: (code OGR, label, core skill), core skills first."""
        rome = self.rome
        if rome.skills is None or rome.skill_links is None or not rome.has_fiche(code_rome):
            return []
        links = rome.skill_links[rome.skill_links["fiche_id"] == rome.fiche_id(code_rome)]
        rows = rome.skills.iloc[links["skill_id"].to_numpy()]
        out = [
            (int(c), str(label), bool(core))
            for c, label, core in zip(
                rows["code_ogr"], rows["libelle"], links["is_core"], strict=True
            )
        ]
        return sorted(out, key=lambda x: (not x[2], x[1]))

    def skill_labels(self, codes: Sequence[int]) -> dict[int, str]:
        """Code OGR → label of ROME skills."""
        if self.rome.skills is None or not codes:
            return {}
        frame = self.rome.skills
        rows = frame[frame["code_ogr"].isin([int(c) for c in codes])]
        return {int(c): str(lab) for c, lab in zip(rows["code_ogr"], rows["libelle"], strict=True)}


@lru_cache(maxsize=4)
def load_referentials(directory: Path) -> Referentials:
    """Load and index the referentials of a folder (cached: the files never change at run time)."""
    return Referentials.build(load_commune_index(directory), load_rome(directory))
