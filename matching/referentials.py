"""Loaders and lookups for the ROME 4.0 and commune referentials.

Loaders take a path or a file object (given by the caller: the engine opens no file on its own)
and return typed tables whose row position is a dense integer id (``0 .. n-1``). Lookups map the
codes and names people type to those ids.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from matching.text import fold_place_name

__all__ = [
    "CommuneIndex",
    "CommuneMatch",
    "RomeReferential",
    "load_appellations",
    "load_commune_index",
    "load_communes",
    "load_fiches",
    "load_former_communes",
    "load_mobility",
    "load_postal_localities",
    "load_rome",
    "load_skill_links",
    "load_skills",
]

Source = str | Path | IO[str] | IO[bytes]
IdArray = npt.NDArray[np.int32]

_INSEE_RE = re.compile(r"^(\d[\dAB]\d{3})$")
_POSTAL_RE = re.compile(r"^\d{5}$")
_DEPT_SUFFIX = re.compile(r"^(?P<name>.*?)\s*\(\s*(?P<dept>\d[\dAB]|97\d)\s*\)\s*$")
_POSTAL_PREFIX = re.compile(r"^(?P<cp>\d{5})\s+(?P<name>.+)$")


def _read_csv(src: Source, columns: Iterable[str]) -> pd.DataFrame:
    frame = pd.read_csv(src, dtype=str, keep_default_na=False, compression="infer")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"referential file lacks columns {missing}")
    return frame


# --------------------------------------------------------------------------- ROME


def load_fiches(src: Source) -> pd.DataFrame:
    """Load ROME 4.0 fiches.

    Returns
    -------
    DataFrame, one row per fiche sorted by code, row position = fiche id, columns
    ``code_rome``, ``libelle_rome``, ``code_rome_parent``, ``parent_id`` (int32),
    ``libelle_rome_v3``, ``code_domaine`` (3 characters, e.g. ``F17``), ``libelle_domaine``,
    ``code_grand_domaine``, ``libelle_grand_domaine``, ``is_reference`` (bool).
    """
    raw = _read_csv(
        src,
        [
            "code_rome",
            "libelle_rome",
            "code_rome_parent",
            "code_domaine_professionnel",
            "libelle_domaine_professionnel",
            "code_grand_domaine",
            "libelle_grand_domaine",
        ],
    )
    raw = raw.sort_values("code_rome", ignore_index=True)
    if raw["code_rome"].duplicated().any():
        raise ValueError("duplicated ROME codes in the fiche file")
    ids = pd.Series(np.arange(len(raw), dtype=np.int32), index=raw["code_rome"])
    parent = raw["code_rome_parent"].map(ids)
    if parent.isna().any():
        bad = raw.loc[parent.isna(), "code_rome"].tolist()[:5]
        raise ValueError(f"fiches whose parent fiche does not exist: {bad}")
    return pd.DataFrame(
        {
            "code_rome": raw["code_rome"],
            "libelle_rome": raw["libelle_rome"],
            "code_rome_parent": raw["code_rome_parent"],
            "parent_id": parent.to_numpy(dtype=np.int32),
            "libelle_rome_v3": raw.get("libelle_rome_v3", pd.Series("", index=raw.index)),
            "code_domaine": raw["code_domaine_professionnel"],
            "libelle_domaine": raw["libelle_domaine_professionnel"],
            "code_grand_domaine": raw["code_grand_domaine"],
            "libelle_grand_domaine": raw["libelle_grand_domaine"],
            "is_reference": (raw["code_rome"] == raw["code_rome_parent"]).to_numpy(),
        }
    )


def _fiche_ids(fiches: pd.DataFrame) -> pd.Series:
    return pd.Series(np.arange(len(fiches), dtype=np.int32), index=fiches["code_rome"].to_numpy())


def load_appellations(src: Source, fiches: pd.DataFrame) -> pd.DataFrame:
    """Load ROME appellations (job titles, code OGR).

    Returns
    -------
    DataFrame sorted by code OGR, row position = appellation id, columns ``code_ogr`` (int64),
    ``libelle``, ``libelle_court``, ``code_rome``, ``fiche_id`` (int32), ``is_main`` (the fiche's
    principal title), ``is_rare`` (``peu_usite``).
    """
    raw = _read_csv(src, ["code_ogr", "libelle", "code_rome"])
    fiche_id = raw["code_rome"].map(_fiche_ids(fiches))
    if fiche_id.isna().any():
        bad = raw.loc[fiche_id.isna(), "code_ogr"].tolist()[:5]
        raise ValueError(f"appellations whose fiche does not exist: {bad}")
    out = pd.DataFrame(
        {
            "code_ogr": raw["code_ogr"].astype(np.int64),
            "libelle": raw["libelle"],
            "libelle_court": raw.get("libelle_court", raw["libelle"]),
            "code_rome": raw["code_rome"],
            "fiche_id": fiche_id.to_numpy(dtype=np.int32),
            "is_main": (raw.get("classification", pd.Series("", index=raw.index)) == "PRINCIPALE"),
            "is_rare": (raw.get("peu_usite", pd.Series("", index=raw.index)) == "O"),
        }
    )
    out = out.sort_values("code_ogr", ignore_index=True)
    if out["code_ogr"].duplicated().any():
        raise ValueError("duplicated OGR codes in the appellation file")
    return out


def load_mobility(src: Source, fiches: pd.DataFrame) -> pd.DataFrame:
    """Load the close-fiche links (*mobilités*).

    Returns
    -------
    DataFrame with ``source_id``, ``target_id`` (int32 fiche ids) and ``rank`` (int16, 1 = listed
    first), links to unknown fiches dropped.
    """
    raw = _read_csv(src, ["code_rome", "code_rome_cible", "numero_ordre"])
    ids = _fiche_ids(fiches)
    out = pd.DataFrame(
        {
            "source_id": raw["code_rome"].map(ids),
            "target_id": raw["code_rome_cible"].map(ids),
            "rank": pd.to_numeric(raw["numero_ordre"], errors="coerce"),
        }
    ).dropna()
    return out.astype({"source_id": np.int32, "target_id": np.int32, "rank": np.int16}).reset_index(
        drop=True
    )


def load_skills(src: Source) -> pd.DataFrame:
    """Load ROME skill items (savoir-faire, savoir-être, savoir).

    Returns
    -------
    DataFrame sorted by code, row position = skill id: ``code_ogr`` (int64), ``type_item``,
    ``libelle``.
    """
    raw = _read_csv(src, ["code_ogr", "type_item", "libelle"])
    out = raw[["code_ogr", "type_item", "libelle"]].copy()
    out["code_ogr"] = out["code_ogr"].astype(np.int64)
    return out.sort_values("code_ogr", ignore_index=True)


def load_skill_links(src: Source, fiches: pd.DataFrame, skills: pd.DataFrame) -> pd.DataFrame:
    """Load fiche → skill links.

    Returns
    -------
    DataFrame with ``fiche_id``, ``skill_id`` (int32) and ``is_core`` (``coeur_metier`` is
    *Principale*).
    """
    raw = _read_csv(src, ["code_rome", "code_ogr", "coeur_metier"])
    skill_ids = pd.Series(
        np.arange(len(skills), dtype=np.int32), index=skills["code_ogr"].to_numpy()
    )
    out = pd.DataFrame(
        {
            "fiche_id": raw["code_rome"].map(_fiche_ids(fiches)),
            "skill_id": raw["code_ogr"].astype(np.int64).map(skill_ids),
            "is_core": raw["coeur_metier"] == "Principale",
        }
    ).dropna()
    return out.astype({"fiche_id": np.int32, "skill_id": np.int32}).reset_index(drop=True)


@dataclass(frozen=True)
class RomeReferential:
    """The ROME 4.0 tables with lookups by code."""

    fiches: pd.DataFrame
    appellations: pd.DataFrame
    mobility: pd.DataFrame
    skills: pd.DataFrame | None = None
    skill_links: pd.DataFrame | None = None
    _fiche_by_code: dict[str, int] = field(init=False, repr=False, compare=False)
    _app_by_ogr: dict[int, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(
            self, "_fiche_by_code", {c: i for i, c in enumerate(self.fiches["code_rome"])}
        )
        object.__setattr__(
            self, "_app_by_ogr", {int(c): i for i, c in enumerate(self.appellations["code_ogr"])}
        )

    # -- codes -> ids
    def fiche_id(self, code_rome: str) -> int:
        """Dense id of a fiche; ``KeyError`` for an unknown code."""
        try:
            return self._fiche_by_code[code_rome.strip().upper()]
        except KeyError:
            raise KeyError(f"unknown ROME code: {code_rome!r}") from None

    def appellation_id(self, code_ogr: int | str) -> int:
        """Dense id of an appellation; ``KeyError`` for an unknown OGR code."""
        try:
            return self._app_by_ogr[int(code_ogr)]
        except (KeyError, ValueError):
            raise KeyError(f"unknown appellation (code OGR): {code_ogr!r}") from None

    def has_fiche(self, code_rome: str) -> bool:
        return code_rome.strip().upper() in self._fiche_by_code

    def has_appellation(self, code_ogr: int | str) -> bool:
        try:
            return int(code_ogr) in self._app_by_ogr
        except ValueError:
            return False

    # -- lookups
    def appellation(self, code_ogr: int | str) -> dict[str, object]:
        """Labels, fiche, reference fiche and domain of an appellation."""
        row = self.appellations.iloc[self.appellation_id(code_ogr)]
        fiche = self.fiches.iloc[int(row["fiche_id"])]
        return {
            "code_ogr": int(row["code_ogr"]),
            "libelle": row["libelle"],
            "libelle_court": row["libelle_court"],
            "code_rome": fiche["code_rome"],
            "libelle_rome": fiche["libelle_rome"],
            "code_rome_parent": fiche["code_rome_parent"],
            "code_domaine": fiche["code_domaine"],
            "libelle_domaine": fiche["libelle_domaine"],
            "code_grand_domaine": fiche["code_grand_domaine"],
            "libelle_grand_domaine": fiche["libelle_grand_domaine"],
        }

    def fiche(self, code_rome: str) -> dict[str, object]:
        """Label, reference fiche, domain and grand domain of a fiche."""
        row = self.fiches.iloc[self.fiche_id(code_rome)]
        return {str(k): (v.item() if isinstance(v, np.generic) else v) for k, v in row.items()}

    def close_fiches(self, code_rome: str) -> list[str]:
        """Codes of the close fiches (*mobilités*) of a fiche, in the referential's order."""
        fid = self.fiche_id(code_rome)
        links = self.mobility[self.mobility["source_id"] == fid].sort_values("rank", kind="stable")
        codes = self.fiches["code_rome"].to_numpy()
        return [str(codes[t]) for t in links["target_id"]]

    def parent_ids(self) -> IdArray:
        """Reference-fiche id of every fiche, shape (n_fiches,), int32."""
        return self.fiches["parent_id"].to_numpy(dtype=np.int32)


def load_rome(directory: str | Path, *, with_skills: bool = True) -> RomeReferential:
    """Load the whole ROME referential from a folder laid out like ``fixtures/referentials``."""
    d = Path(directory)
    fiches = load_fiches(d / "rome_fiches.csv")
    skills = skill_links = None
    if with_skills:
        skills = load_skills(d / "rome_competences.csv.gz")
        skill_links = load_skill_links(d / "rome_fiche_competences.csv.gz", fiches, skills)
    return RomeReferential(
        fiches=fiches,
        appellations=load_appellations(d / "rome_appellations.csv.gz", fiches),
        mobility=load_mobility(d / "rome_mobilites.csv", fiches),
        skills=skills,
        skill_links=skill_links,
    )


# --------------------------------------------------------------------------- communes


def load_communes(src: Source) -> pd.DataFrame:
    """Load the current communes (COG).

    Returns
    -------
    DataFrame sorted by INSEE code, row position = commune id: ``code_insee``, ``nom``,
    ``departement``, ``epci_code``, ``epci_nom``, ``codes_postaux`` (tuple of str),
    ``population`` (int64), ``latitude``, ``longitude`` (float64, NaN where unknown),
    ``anciens_codes`` (tuple of str), ``code_bassin_emploi`` (str, may be empty).
    """
    raw = _read_csv(
        src, ["code_insee", "nom", "departement", "codes_postaux", "latitude", "longitude"]
    )
    raw = raw.sort_values("code_insee", ignore_index=True)
    if raw["code_insee"].duplicated().any():
        raise ValueError("duplicated INSEE codes in the commune file")

    def split(col: str) -> pd.Series:
        values = raw[col] if col in raw.columns else pd.Series("", index=raw.index)
        return values.map(lambda s: tuple(p for p in s.split("|") if p))

    def text(col: str) -> pd.Series:
        return raw[col] if col in raw.columns else pd.Series("", index=raw.index)

    return pd.DataFrame(
        {
            "code_insee": raw["code_insee"],
            "nom": raw["nom"],
            "departement": raw["departement"],
            "epci_code": text("epci_code"),
            "epci_nom": text("epci_nom"),
            "codes_postaux": split("codes_postaux"),
            "population": pd.to_numeric(text("population"), errors="coerce")
            .fillna(0)
            .astype(np.int64),
            "latitude": pd.to_numeric(raw["latitude"], errors="coerce").astype(np.float64),
            "longitude": pd.to_numeric(raw["longitude"], errors="coerce").astype(np.float64),
            "anciens_codes": split("anciens_codes"),
            "code_bassin_emploi": text("code_bassin_emploi"),
        }
    )


def load_former_communes(src: Source) -> pd.DataFrame:
    """Load former communes (*communes déléguées / associées*).

    Returns
    -------
    DataFrame: ``code_insee`` (former code), ``nom``, ``code_insee_actuel`` (the commune it
    belongs to now).
    """
    raw = _read_csv(src, ["code_insee", "nom", "code_insee_commune_rattachement"])
    return pd.DataFrame(
        {
            "code_insee": raw["code_insee"],
            "nom": raw["nom"],
            "code_insee_actuel": raw["code_insee_commune_rattachement"],
        }
    )


def load_postal_localities(src: Source) -> pd.DataFrame:
    """Load La Poste rows: ``code_insee``, ``code_postal``, ``localite`` (``ligne_5``, or empty)."""
    raw = _read_csv(src, ["code_insee", "code_postal"])
    return pd.DataFrame(
        {
            "code_insee": raw["code_insee"],
            "code_postal": raw["code_postal"],
            "localite": raw.get("ligne_5", pd.Series("", index=raw.index)),
        }
    )


MatchKind = Literal["insee", "former_code", "postal_code", "name", "former_name", "locality"]


@dataclass(frozen=True)
class CommuneMatch:
    """One commune a query resolved to, and how."""

    commune_id: int
    code_insee: str
    nom: str
    departement: str
    matched_by: MatchKind


@dataclass(frozen=True)
class CommuneIndex:
    """Look up current communes by INSEE code, postal code or name.

    Former codes and names (merged communes) resolve to the current commune. Names are folded:
    case, accents, "St"/"Saint", hyphens, apostrophes and spaces do not matter.
    """

    communes: pd.DataFrame
    by_code: Mapping[str, tuple[int, MatchKind]]
    by_postal_code: Mapping[str, tuple[int, ...]]
    by_name: Mapping[str, tuple[tuple[int, MatchKind], ...]]

    @classmethod
    def build(
        cls,
        communes: pd.DataFrame,
        former: pd.DataFrame | None = None,
        postal: pd.DataFrame | None = None,
    ) -> CommuneIndex:
        by_code: dict[str, tuple[int, MatchKind]] = {}
        by_postal: defaultdict[str, list[int]] = defaultdict(list)
        by_name: defaultdict[str, list[tuple[int, MatchKind]]] = defaultdict(list)
        codes = communes["code_insee"].to_numpy()
        for cid, (code, name, cps, olds) in enumerate(
            zip(
                codes,
                communes["nom"],
                communes["codes_postaux"],
                communes["anciens_codes"],
                strict=True,
            )
        ):
            by_code[code] = (cid, "insee")
            for cp in cps:
                by_postal[cp].append(cid)
            by_name[fold_place_name(name)].append((cid, "name"))
            for old in olds:
                by_code.setdefault(old, (cid, "former_code"))
        current = {c: i for i, c in enumerate(codes)}
        if former is not None:
            for code, name, now in zip(
                former["code_insee"], former["nom"], former["code_insee_actuel"], strict=True
            ):
                now_id = current.get(now)
                if now_id is None:
                    continue
                by_code.setdefault(code, (now_id, "former_code"))
                key = fold_place_name(name)
                if all(c != now_id for c, _ in by_name[key]):
                    by_name[key].append((now_id, "former_name"))
        if postal is not None:
            # La Poste 2023 rows: postal codes of former communes, and named localities (ligne 5).
            for code, cp, loc in zip(
                postal["code_insee"], postal["code_postal"], postal["localite"], strict=True
            ):
                hit = by_code.get(code)
                if hit is None:
                    continue
                cid = hit[0]
                if cid not in by_postal[cp]:
                    by_postal[cp].append(cid)
                if loc:
                    key = fold_place_name(loc)
                    if all(c != cid for c, _ in by_name[key]):
                        by_name[key].append((cid, "locality"))
        return cls(
            communes=communes,
            by_code=by_code,
            by_postal_code={k: tuple(v) for k, v in by_postal.items()},
            by_name={k: tuple(v) for k, v in by_name.items()},
        )

    def _match(self, cid: int, kind: MatchKind) -> CommuneMatch:
        row = self.communes.iloc[cid]
        return CommuneMatch(cid, row["code_insee"], row["nom"], row["departement"], kind)

    def by_insee(self, code: str) -> CommuneMatch | None:
        """The current commune of an INSEE code (current or former), or ``None``."""
        hit = self.by_code.get(code.strip().upper())
        return None if hit is None else self._match(*hit)

    def by_postal(self, postal_code: str) -> list[CommuneMatch]:
        """Every current commune served by a postal code (often several)."""
        return [
            self._match(c, "postal_code") for c in self.by_postal_code.get(postal_code.strip(), ())
        ]

    def by_commune_name(self, name: str, *, departement: str | None = None) -> list[CommuneMatch]:
        """Communes whose current or former name folds to the same text (all if ambiguous)."""
        hits = self.by_name.get(fold_place_name(name), ())
        out = [self._match(c, k) for c, k in hits]
        if departement is not None:
            out = [m for m in out if m.departement == departement]
        # Current names first, then former communes, then La Poste localities.
        order = {"name": 0, "former_name": 1, "locality": 2}
        return sorted(out, key=lambda m: order.get(m.matched_by, 3))

    def resolve(self, query: str) -> list[CommuneMatch]:
        """Resolve what a person or a file gives as a place.

        Accepts an INSEE code (``61001``), a postal code (``61000``), a name (``Alençon``,
        ``ST GERMAIN DU CORBEIS``), a name with its département (``Alençon (61)``) or a postal code
        and name (``61000 Alençon``). Returns every candidate (empty when nothing matches); a
        5-digit string that is both an INSEE code and a postal code returns the INSEE commune first.
        """
        q = query.strip()
        if not q:
            return []
        m = _POSTAL_PREFIX.match(q)
        if m:
            by_cp = {c.commune_id for c in self.by_postal(m["cp"])}
            named = [c for c in self.by_commune_name(m["name"]) if c.commune_id in by_cp]
            return named or self.by_postal(m["cp"])
        m = _DEPT_SUFFIX.match(q)
        if m:
            return self.by_commune_name(m["name"], departement=m["dept"])
        if _POSTAL_RE.match(q) or _INSEE_RE.match(q.upper()):
            out: list[CommuneMatch] = []
            hit = self.by_insee(q)
            if hit is not None:
                out.append(hit)
            out.extend(
                c for c in self.by_postal(q) if all(c.commune_id != o.commune_id for o in out)
            )
            return out
        return self.by_commune_name(q)

    def coordinates(self, ids: npt.ArrayLike) -> npt.NDArray[np.float64]:
        """Latitude and longitude (degrees) of communes, shape (n, 2), NaN where unknown."""
        idx = np.asarray(ids, dtype=np.int64)
        return self.communes[["latitude", "longitude"]].to_numpy(dtype=np.float64)[idx]

    def ids_of(self, codes: Iterable[str]) -> IdArray:
        """Dense ids of INSEE codes (current or former); ``KeyError`` names the unknown codes."""
        out = []
        unknown = []
        for code in codes:
            hit = self.by_code.get(code)
            if hit is None:
                unknown.append(code)
                out.append(-1)
            else:
                out.append(hit[0])
        if unknown:
            raise KeyError(f"unknown INSEE codes: {unknown[:10]}")
        return np.asarray(out, dtype=np.int32)


def load_commune_index(directory: str | Path) -> CommuneIndex:
    """Load the communes, former communes and La Poste localities from a referential folder."""
    d = Path(directory)
    communes = load_communes(d / "communes.csv.gz")
    former = load_former_communes(d / "communes_deleguees.csv")
    postal = load_postal_localities(d / "codes_postaux_laposte.csv.gz")
    return CommuneIndex.build(communes, former, postal)
