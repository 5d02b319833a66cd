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
a time, or both; when they give neither, the range is :data:`DEFAULT_RANGE_KM`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Final, Literal

import numpy as np
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
    "FieldSpec",
    "Kind",
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
"""A fixed bound, or one that depends on the day (a birth year)."""


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

    def check(self, value: Any, *, today: date | None = None) -> Any:
        """``value`` when accepted, else ``ValueError`` with the French sentence."""
        message = self.problem(value, today=today)
        if message is not None:
            raise ValueError(message)
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

_FIELDS: Final[tuple[FieldSpec, ...]] = (
    # ---------------------------------------------------------------- a person
    FieldSpec(name=col.CANDIDATE_ID, kind="str", label="identifiant"),
    FieldSpec(name=col.COMMUNE_INSEE, kind="str", label="commune"),
    FieldSpec(name=col.LICENCES, kind="str_tuple", label="permis et habilitations", default=()),
    FieldSpec(name=col.SKILLS, kind="int_tuple", label="compétences", default=()),
    FieldSpec(name=col.HAS_VEHICLE, kind="bool", label="véhicule", default=False),
    FieldSpec(
        name=col.TRAVEL_MODE,
        kind="str",
        label="mode de déplacement",
        choices=TRAVEL_MODE_LABELS,
        what="un mode de déplacement",
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
    FieldSpec(
        name=col.MAX_DISTANCE_KM,
        kind="float",
        label="distance maximale",
        unit="km",
        minimum=0.0,
        maximum=300.0,
        exclusive_minimum=True,
        nullable=True,
        error_code="bad_max_km",
        help=f"par la route ; sans distance ni temps : {number_fr(DEFAULT_RANGE_KM)} km",
    ),
    FieldSpec(
        name=col.MAX_TRAVEL_MINUTES,
        kind="float",
        label="temps de trajet maximal",
        unit="min",
        minimum=0.0,
        maximum=240.0,
        exclusive_minimum=True,
        nullable=True,
        error_code="bad_max_minutes",
        help="aller simple",
    ),
    FieldSpec(
        name=col.READINESS_STAGE,
        kind="str",
        label="étape du parcours",
        choices=STAGE_LABELS,
        what="une étape connue",
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
    FieldSpec(
        name=col.MAX_WEEKLY_HOURS,
        kind="float",
        label="heures par semaine au plus",
        unit="h",
        minimum=1.0,
        maximum=48.0,
        default=MAX_WEEKLY_HOURS_DEFAULT,
        error_code="bad_max_hours",
    ),
    FieldSpec(
        name=col.ACCEPTS_NIGHTS, kind="bool", label="accepte le travail de nuit", default=False
    ),
    FieldSpec(name=col.ACCEPTS_WEEKENDS, kind="bool", label="accepte le week-end", default=False),
    FieldSpec(
        name=col.ACCEPTS_EARLY_STARTS,
        kind="bool",
        label="accepte les horaires décalés",
        default=False,
    ),
    FieldSpec(name=col.IS_ELIGIBLE, kind="bool", label="éligible à la clause", default=True),
    FieldSpec(name=col.IS_ACTIVE, kind="bool", label="suivi actif", default=True),
    FieldSpec(
        name=col.IS_IN_CLAUSE_JOB,
        kind="bool",
        label="déjà en poste sur une clause",
        default=False,
    ),
)
CANDIDATE_FIELDS: Final[dict[str, FieldSpec]] = {f.name: f for f in _FIELDS}
"""Every column of the engine's ``candidates`` frame, in :data:`matching.columns` order."""
assert tuple(CANDIDATE_FIELDS) == col.CANDIDATE_COLUMNS

CANDIDATE_JOB_FIELDS: Final[dict[str, FieldSpec]] = {
    f.name: f
    for f in (
        FieldSpec(name=col.CANDIDATE_ID, kind="str", label="identifiant"),
        FieldSpec(name=col.CODE_OGR, kind="Int64", label="appellation ROME", nullable=True),
        FieldSpec(name=col.CODE_ROME, kind="str", label="fiche ROME"),
        FieldSpec(
            name=col.EXPERIENCE_YEARS,
            kind="float",
            label="expérience",
            unit="ans",
            minimum=0.0,
            maximum=50.0,
            default=0.0,
            error_code="bad_experience",
        ),
    )
}
assert tuple(CANDIDATE_JOB_FIELDS) == col.CANDIDATE_JOB_COLUMNS

OFFER_FIELDS: Final[dict[str, FieldSpec]] = {
    f.name: f
    for f in (
        FieldSpec(name=col.OFFER_ID, kind="str", label="référence"),
        FieldSpec(name=col.CODE_OGR, kind="Int64", label="appellation ROME", nullable=True),
        FieldSpec(name=col.CODE_ROME, kind="str", label="fiche ROME"),
        FieldSpec(name=col.COMMUNE_INSEE, kind="str", label="commune"),
        FieldSpec(
            name=col.REQUIRED_LICENCES,
            kind="str_tuple",
            label="permis et habilitations demandés",
            default=(),
        ),
        FieldSpec(name=col.REQUIRED_SKILLS, kind="int_tuple", label="compétences", default=()),
        FieldSpec(
            name=col.EXPERIENCE_YEARS_REQUIRED,
            kind="float",
            label="expérience requise",
            unit="ans",
            minimum=0.0,
            maximum=40.0,
            default=0.0,
            error_code="bad_experience",
        ),
        FieldSpec(
            name=col.WEEKLY_HOURS,
            kind="float",
            label="durée hebdomadaire",
            unit="h",
            minimum=1.0,
            maximum=48.0,
            default=35.0,
            error_code="bad_weekly_hours",
        ),
        FieldSpec(name=col.HAS_NIGHTS, kind="bool", label="travail de nuit", default=False),
        FieldSpec(name=col.HAS_WEEKENDS, kind="bool", label="travail le week-end", default=False),
        FieldSpec(name=col.HAS_EARLY_STARTS, kind="bool", label="horaires décalés", default=False),
        FieldSpec(
            name=col.START_DATE, kind="date", label="date de début", error_code="bad_start_date"
        ),
        FieldSpec(name=col.END_DATE, kind="date", label="date de fin", nullable=True),
        FieldSpec(
            name=col.CONTRACT_TYPE,
            kind="str",
            label="type de contrat",
            choices=CONTRACT_LABELS,
            what="un type de contrat connu",
            error_code="bad_contract_type",
        ),
        FieldSpec(
            name=col.OPEN_POSITIONS,
            kind="int",
            label="nombre de postes",
            minimum=1,
            maximum=500,
            integer=True,
            default=1,
            error_code="bad_open_positions",
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
