"""One definition per field of a person and of an offer: kind, bounds, default, French wording.

Every door a value comes through reads these definitions: the API schemas
(:mod:`service.people.schemas`, :mod:`service.offers.schemas`), the file imports
(:mod:`service.imports`), the web forms, the engine frames the service builds
(:mod:`service.scoring.frames`), the engine's own validation (:mod:`matching.schema`), the demo
data and the training history files. A value refused at one door is refused at every door, with
the same French sentence.

Only what the engine reads is here (see :mod:`matching.columns`); a person's identity and the
reporting-only attributes are declared by the service, with the same :class:`FieldSpec`.

The travel range is one rule over two fields (:func:`travel_range`): a person gives a distance,
a time, or both; when they give neither, the range is :data:`DEFAULT_RANGE_KM`. A declared range
is approximate: :class:`TravelTolerance` says how far beyond it a job is still ranked (with a
mobility penalty and a visible flag) before the pair is excluded.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Final, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from matching import columns as col
from matching.text import fold

__all__ = [
    "CANDIDATE_FIELDS",
    "CANDIDATE_JOB_FIELDS",
    "CONTRACT_LABELS",
    "DEFAULT_RANGE_KM",
    "MAX_WEEKLY_HOURS_DEFAULT",
    "OFFER_FIELDS",
    "STAGE_LABELS",
    "TRAVEL_MODE_LABELS",
    "TRAVEL_TOLERANCE_KM",
    "TRAVEL_TOLERANCE_SHARE",
    "FieldSpec",
    "Kind",
    "TravelTolerance",
    "default_travel_mode",
    "frame_from_rows",
    "number_fr",
    "travel_range",
]

Kind = Literal["str", "int", "Int64", "float", "bool", "date", "str_tuple", "int_tuple"]
"""How a field is held in an engine frame (and in the demo and history files)."""

_DTYPES: Final[dict[str, Any]] = {
    "str": "str",
    "int": np.int64,
    "Int64": "Int64",
    "float": np.float64,
    "bool": bool,
    "date": "datetime64[s]",
    "str_tuple": object,
    "int_tuple": object,
}


def number_fr(value: float) -> str:
    """``24.5`` → ``24,5``; ``35.0`` → ``35``."""
    return f"{value:g}".replace(".", ",")


Bound = float | Callable[[date], float]
"""A fixed bound, or one computed from the day the value is checked (e.g. "at most this year")."""


@dataclass(frozen=True, eq=False)
class FieldSpec:
    """One field: how it is held, which values it accepts, and how a person reads about it.

    ``minimum`` / ``maximum`` bound a number (``exclusive_minimum``: the minimum itself is
    refused); ``choices`` maps each accepted code to its French label; ``default`` is the value
    taken when a door receives nothing (``None``: the field stays empty, allowed only when
    ``nullable``); ``error_code`` names the refusal in an import's row errors.
    """

    name: str
    kind: Kind
    label: str
    unit: str = ""
    minimum: Bound | None = None
    maximum: Bound | None = None
    exclusive_minimum: bool = False
    integer: bool = False
    choices: Mapping[str, str] | None = None
    what: str = ""
    """For a choice, what a value is, in French: "un mode de déplacement"."""
    default: Any = None
    nullable: bool = False
    not_in_future: bool = False
    error_code: str = ""
    help: str = ""
    aliases: Mapping[str, str] = field(default_factory=dict)
    """Other spellings a file may use for a choice (folded text → code)."""
    max_length: int | None = None
    """For a text field: the longest text accepted."""
    normalise: Callable[[str], str] | None = None
    """For a text field: the stored form of what was typed ("06.12.34.56.78" →
    "06 12 34 56 78"), or ``ValueError`` with the French sentence refusing it."""

    @property
    def dtype(self) -> Any:
        """The pandas dtype of the field's engine-frame column."""
        return _DTYPES[self.kind]

    def bounds(self, today: date | None = None) -> tuple[float | None, float | None]:
        """The numeric bounds on ``today`` (fixed bounds do not need it)."""

        def at(bound: Bound | None) -> float | None:
            if bound is None or isinstance(bound, int | float):
                return bound
            if today is None:
                raise ValueError(f"{self.name}: this bound depends on the day")
            return bound(today)

        return at(self.minimum), at(self.maximum)

    def range_text(self, today: date | None = None) -> str:
        """The accepted values in French: "plus de 0 et au plus 300 km"."""
        lo, hi = self.bounds(today)
        unit = f" {self.unit}" if self.unit else ""
        if lo is not None and hi is not None:
            if self.exclusive_minimum:
                return f"plus de {number_fr(lo)} et au plus {number_fr(hi)}{unit}"
            return f"entre {number_fr(lo)} et {number_fr(hi)}{unit}"
        if lo is not None:
            return f"{'plus de' if self.exclusive_minimum else 'au moins'} {number_fr(lo)}{unit}"
        if hi is not None:
            return f"au plus {number_fr(hi)}{unit}"
        return ""

    def problem(self, value: Any, *, today: date | None = None) -> str | None:
        """The French sentence refusing ``value``, or ``None`` when it is accepted.

        ``None`` is accepted only for a nullable field. Numbers are checked against the bounds,
        choices against the codes, dates (with ``today``) against the future.
        """
        label = self.label[:1].upper() + self.label[1:]
        if value is None:
            return None if self.nullable else f"{label} manquant(e)."
        if self.choices is not None:
            if isinstance(value, str) and value in self.choices:
                return None
            known = ", ".join(self.choices.values())
            return f"« {value} » n'est pas {self.what or 'une valeur connue'} ({known})."
        if self.kind in ("float", "int", "Int64"):
            if isinstance(value, bool) or not isinstance(value, int | float):
                return f"{label} : « {value} » n'est pas un nombre."
            lo, hi = self.bounds(today)
            bad = not math.isfinite(value)
            bad |= self.integer and value != int(value)
            if lo is not None:
                bad |= value <= lo if self.exclusive_minimum else value < lo
            if hi is not None:
                bad |= value > hi
            if bad:
                unit = f" {self.unit}" if self.unit else ""
                shown = number_fr(value) if math.isfinite(value) else str(value)
                return f"{label} : {shown}{unit} n'est pas possible ({self.range_text(today)})."
            return None
        if self.kind == "str" and isinstance(value, str):
            if self.max_length is not None and len(value) > self.max_length:
                return f"{label} : {len(value)} caractères, au plus {self.max_length}."
            if self.normalise is not None:
                try:
                    self.normalise(value)
                except ValueError as exc:
                    return str(exc)
            return None
        future = self.not_in_future and today is not None and isinstance(value, date)
        if self.kind == "date" and future and value > today:
            return f"{label} ({value:%d/%m/%Y}) est dans le futur."
        return None

    def choice_of(self, text: str) -> str:
        """The code a person or a file means by ``text``: a code, a label or a usual spelling
        ("Transports en commun", "bus", "transport_commun"); ``ValueError`` (French) if none."""
        if self.choices is None:
            raise TypeError(f"{self.name} is not a choice")
        key = fold(text)
        for code, label in self.choices.items():
            if key in (fold(code), fold(label)):
                return code
        hit = self.aliases.get(key)
        if hit is not None:
            return hit
        message = self.problem(text)
        raise ValueError(message or f"« {text} »")

    @classmethod
    def flag(cls, name: str, label: str, default: bool = False) -> FieldSpec:
        """A yes/no field."""
        return cls(name=name, kind="bool", label=label, default=default)

    @classmethod
    def number(
        cls, name: str, label: str, unit: str, bounds: tuple[Bound, Bound], code: str, **more: Any
    ) -> FieldSpec:
        """A bounded number, refused in imports under ``code``."""
        kind = more.pop("kind", "float")
        low, high = bounds
        return cls(
            name=name,
            kind=kind,
            label=label,
            unit=unit,
            minimum=low,
            maximum=high,
            error_code=code,
            **more,
        )

    @classmethod
    def choice(
        cls, name: str, label: str, choices: Mapping[str, str], what: str, **more: Any
    ) -> FieldSpec:
        """One code among ``choices`` (code → French label)."""
        return cls(name=name, kind="str", label=label, choices=choices, what=what, **more)

    @classmethod
    def text(
        cls,
        name: str,
        label: str,
        max_length: int,
        normalise: Callable[[str], str],
        code: str,
        **more: Any,
    ) -> FieldSpec:
        """A text of at most ``max_length`` characters, stored as ``normalise`` writes it;
        empty allowed; refused in imports under ``code``."""
        return cls(
            name=name,
            kind="str",
            label=label,
            nullable=True,
            max_length=max_length,
            normalise=normalise,
            error_code=code,
            **more,
        )

    def check(self, value: Any, *, today: date | None = None) -> Any:
        """``value`` when accepted, else ``ValueError`` with the French sentence."""
        message = self.problem(value, today=today)
        if message is not None:
            raise ValueError(message)
        return value

    def clean(self, value: Any, *, today: date | None = None) -> Any:
        """:meth:`check`, then the stored form of a text field (:attr:`normalise`)."""
        value = self.check(value, today=today)
        if self.normalise is not None and isinstance(value, str):
            return self.normalise(value)
        return value


TRAVEL_MODE_LABELS: Final[dict[str, str]] = {
    "voiture": "voiture",
    "deux_roues": "deux-roues",
    "transport_commun": "transports en commun",
    "velo": "vélo",
    "marche": "à pied",
}
STAGE_LABELS: Final[dict[str, str]] = {
    "diagnostic": "diagnostic",
    "en_parcours": "en parcours",
    "pret_emploi": "prêt à l'emploi",
}
CONTRACT_LABELS: Final[dict[str, str]] = {
    "CDI": "CDI",
    "CDD": "CDD",
    "INTERIM": "intérim",
    "CDDI": "CDDI (insertion)",
    "PRO": "contrat de professionnalisation",
    "APPRENTISSAGE": "apprentissage",
    "AUTRE": "autre contrat",
}
assert tuple(TRAVEL_MODE_LABELS) == col.TRAVEL_MODES
assert tuple(STAGE_LABELS) == col.READINESS_STAGES
assert tuple(CONTRACT_LABELS) == col.CONTRACT_TYPES

DEFAULT_RANGE_KM: Final = 30.0
"""The travel range of a person who declared neither a distance nor a time."""

MAX_WEEKLY_HOURS_DEFAULT: Final = 35.0

TRAVEL_TOLERANCE_KM: Final = 5.0
"""Road kilometres beyond the declared range a job is still ranked (at least; see the share)."""
TRAVEL_TOLERANCE_SHARE: Final = 0.2
"""Share of the declared range a job may lie beyond it and still be ranked (when it is more
than :data:`TRAVEL_TOLERANCE_KM`)."""


@dataclass(frozen=True)
class TravelTolerance:
    """How far beyond a person's declared travel range a job is still ranked.

    A declared range is approximate: people take a job a few kilometres further when it fits
    (10.6 km for 10 declared). Up to ``limit_km = range_km + max(km, share × range_km)`` the
    pair is ranked with a mobility penalty and a French flag; beyond, it is excluded (too far).
    ``TravelTolerance(0, 0)`` makes the declared range a hard limit. Only the travel range
    bends: licences, certificates and eligibility are legal requirements, and hours, schedules
    and availability stay as the person declared them (see ``matching/README_ENGINE.md``).
    """

    km: float = TRAVEL_TOLERANCE_KM
    share: float = TRAVEL_TOLERANCE_SHARE

    def __post_init__(self) -> None:
        if not (math.isfinite(self.km) and 0.0 <= self.km <= 100.0):
            raise ValueError(f"travel tolerance km must be in [0, 100], got {self.km}")
        if not (math.isfinite(self.share) and 0.0 <= self.share <= 2.0):
            raise ValueError(f"travel tolerance share must be in [0, 2], got {self.share}")

    def limit_km(self, range_km: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
        """The furthest road distance still ranked, float32 (n,), for ranges float32 (n,)."""
        extra = np.maximum(np.float32(self.km), np.float32(self.share) * range_km)
        out: npt.NDArray[np.float32] = (range_km + extra).astype(np.float32, copy=False)
        return out


# Fields that more than one table carries, declared once.
_PERSON_ID: Final = FieldSpec(name=col.CANDIDATE_ID, kind="str", label="identifiant")
_COMMUNE: Final = FieldSpec(name=col.COMMUNE_INSEE, kind="str", label="commune")
_APPELLATION: Final = FieldSpec(
    name=col.CODE_OGR, kind="Int64", label="appellation ROME", nullable=True
)
_FICHE: Final = FieldSpec(name=col.CODE_ROME, kind="str", label="fiche ROME")

_FIELDS: Final[tuple[FieldSpec, ...]] = (
    # ---------------------------------------------------------------- a person
    _PERSON_ID,
    _COMMUNE,
    FieldSpec(name=col.LICENCES, kind="str_tuple", label="permis et habilitations", default=()),
    FieldSpec(name=col.SKILLS, kind="int_tuple", label="compétences", default=()),
    FieldSpec.flag(col.HAS_VEHICLE, "véhicule"),
    FieldSpec.choice(
        col.TRAVEL_MODE,
        "mode de déplacement",
        TRAVEL_MODE_LABELS,
        "un mode de déplacement",
        error_code="bad_travel_mode",
        aliases={
            "vehicule": "voiture",
            "auto": "voiture",
            "2 roues": "deux_roues",
            "scooter": "deux_roues",
            "moto": "deux_roues",
            "transport en commun": "transport_commun",
            "transports en commun": "transport_commun",
            "bus": "transport_commun",
            "train": "transport_commun",
            "pied": "marche",
            "marche": "marche",
        },
    ),
    FieldSpec.number(
        col.MAX_DISTANCE_KM,
        "distance maximale",
        "km",
        (0.0, 300.0),
        "bad_max_km",
        exclusive_minimum=True,
        nullable=True,
        help=f"par la route ; sans distance ni temps : {number_fr(DEFAULT_RANGE_KM)} km",
    ),
    FieldSpec.number(
        col.MAX_TRAVEL_MINUTES,
        "temps de trajet maximal",
        "min",
        (0.0, 240.0),
        "bad_max_minutes",
        exclusive_minimum=True,
        nullable=True,
        help="aller simple",
    ),
    FieldSpec.choice(
        col.READINESS_STAGE,
        "étape du parcours",
        STAGE_LABELS,
        "une étape connue",
        error_code="bad_stage",
        aliases={"parcours": "en_parcours", "pret emploi": "pret_emploi", "pret": "pret_emploi"},
    ),
    FieldSpec(
        name=col.READINESS_ASSESSED_ON,
        kind="date",
        label="date d'évaluation",
        not_in_future=True,
        error_code="future_assessment",
    ),
    FieldSpec(name=col.AVAILABLE_FROM, kind="date", label="disponible à partir du"),
    FieldSpec.number(
        col.MAX_WEEKLY_HOURS,
        "heures par semaine au plus",
        "h",
        (1.0, 48.0),
        "bad_max_hours",
        default=MAX_WEEKLY_HOURS_DEFAULT,
    ),
    FieldSpec.flag(col.ACCEPTS_NIGHTS, "accepte le travail de nuit"),
    FieldSpec.flag(col.ACCEPTS_WEEKENDS, "accepte le week-end"),
    FieldSpec.flag(col.ACCEPTS_EARLY_STARTS, "accepte les horaires décalés"),
    FieldSpec.flag(col.IS_ELIGIBLE, "éligible à la clause", True),
    FieldSpec.flag(col.IS_ACTIVE, "suivi actif", True),
    FieldSpec.flag(col.IS_IN_CLAUSE_JOB, "déjà en poste sur une clause"),
)
CANDIDATE_FIELDS: Final[dict[str, FieldSpec]] = {f.name: f for f in _FIELDS}
"""Every column of the engine's ``candidates`` frame, in :data:`matching.columns` order."""
assert tuple(CANDIDATE_FIELDS) == col.CANDIDATE_COLUMNS

CANDIDATE_JOB_FIELDS: Final[dict[str, FieldSpec]] = {
    f.name: f
    for f in (
        _PERSON_ID,
        _APPELLATION,
        _FICHE,
        FieldSpec.number(
            col.EXPERIENCE_YEARS, "expérience", "ans", (0.0, 50.0), "bad_experience", default=0.0
        ),
    )
}
assert tuple(CANDIDATE_JOB_FIELDS) == col.CANDIDATE_JOB_COLUMNS

OFFER_FIELDS: Final[dict[str, FieldSpec]] = {
    f.name: f
    for f in (
        FieldSpec(name=col.OFFER_ID, kind="str", label="référence"),
        _APPELLATION,
        _FICHE,
        _COMMUNE,
        FieldSpec(
            name=col.REQUIRED_LICENCES,
            kind="str_tuple",
            label="permis et habilitations demandés",
            default=(),
        ),
        FieldSpec(name=col.REQUIRED_SKILLS, kind="int_tuple", label="compétences", default=()),
        FieldSpec.number(
            col.EXPERIENCE_YEARS_REQUIRED,
            "expérience requise",
            "ans",
            (0.0, 40.0),
            "bad_experience",
            default=0.0,
        ),
        FieldSpec.flag(col.NEEDS_QUALIFICATION, "qualification exigée", True),
        FieldSpec.number(
            col.WEEKLY_HOURS,
            "durée hebdomadaire",
            "h",
            (1.0, 48.0),
            "bad_weekly_hours",
            default=35.0,
        ),
        FieldSpec.flag(col.HAS_NIGHTS, "travail de nuit"),
        FieldSpec.flag(col.HAS_WEEKENDS, "travail le week-end"),
        FieldSpec.flag(col.HAS_EARLY_STARTS, "horaires décalés"),
        FieldSpec(
            name=col.START_DATE, kind="date", label="date de début", error_code="bad_start_date"
        ),
        FieldSpec(name=col.END_DATE, kind="date", label="date de fin", nullable=True),
        FieldSpec.choice(
            col.CONTRACT_TYPE,
            "type de contrat",
            CONTRACT_LABELS,
            "un type de contrat connu",
            error_code="bad_contract_type",
        ),
        FieldSpec.number(
            col.OPEN_POSITIONS,
            "nombre de postes",
            "",
            (1, 500),
            "bad_open_positions",
            kind="int",
            integer=True,
            default=1,
        ),
        FieldSpec(name=col.LOT_REF, kind="str", label="lot", default=""),
    )
}
"""Every column of the engine's ``offers`` frame, in :data:`matching.columns` order."""
assert tuple(OFFER_FIELDS) == col.OFFER_COLUMNS


def travel_range(km: float | None, minutes: float | None) -> tuple[float | None, float | None]:
    """A person's declared range as stored: what they gave, or the default distance when they
    gave neither a distance nor a time (NaN counts as not given)."""

    def given(v: float | None) -> bool:
        return v is not None and not (isinstance(v, float) and math.isnan(v))

    if not given(km) and not given(minutes):
        return DEFAULT_RANGE_KM, None
    return (km if given(km) else None), (minutes if given(minutes) else None)


def default_travel_mode(has_vehicle: bool) -> str:
    """The means of travel of a person who did not say: their car, else public transport."""
    return "voiture" if has_vehicle else "transport_commun"


def frame_from_rows(
    specs: Mapping[str, FieldSpec], values: Mapping[str, list[Any]], *, n: int
) -> pd.DataFrame:
    """An engine frame from one Python list per field, each cast to its field's dtype.

    ``None`` becomes NaN (numbers), ``<NA>`` (``Int64``) or ``NaT`` (dates); lists and sets
    become tuples.
    """
    out = {name: _series(spec, values[name], n) for name, spec in specs.items()}
    return pd.DataFrame(out, columns=list(specs), index=pd.RangeIndex(n))


def _series(spec: FieldSpec, column: list[Any], n: int) -> pd.Series:
    if len(column) != n:
        raise ValueError(f"column {spec.name!r}: {len(column)} values for {n} rows")
    if spec.kind == "date":
        days = np.array(
            [np.datetime64("NaT") if v is None else np.datetime64(v, "D") for v in column],
            dtype="datetime64[D]",
        )
        return pd.Series(days.astype("datetime64[s]"))
    if spec.kind in ("str_tuple", "int_tuple"):
        cast = str if spec.kind == "str_tuple" else int
        return pd.Series([tuple(cast(x) for x in (v or ())) for v in column], dtype=object)
    if spec.kind == "float":
        return pd.Series([np.nan if v is None else v for v in column], dtype=np.float64)
    if spec.kind == "bool":
        return pd.Series([bool(v) for v in column], dtype=bool)
    series: pd.Series = pd.Series(column, dtype=spec.dtype)
    return series
