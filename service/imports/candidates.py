"""Candidate files (the Département's export of coached beneficiaries) → validated records.

CSV, ``;`` or ``,`` separated, UTF-8 (with or without BOM) or Windows-1252. One row per person,
identified by the follow-up id of the Département's software (the upsert key). Names and contact
details are stored for the person's own coach and the facilitator only; the file must carry no
address and no free text about the person. Accepted columns (case, accents and spaces do not
matter):

- ``identifiant`` (required): the follow-up id in the Département's software, the upsert key;
- ``coach`` (required): the coach's user name in clausematch (``coach-alencon``);
- ``prénom``, ``nom``, ``téléphone`` (French or ``+``international), ``e-mail``: the person's
  identity, each checked by its declared rule (:data:`service.models.people.IDENTITY_FIELDS`);
  an empty cell keeps what is stored;
- ``commune`` and/or ``code postal`` (one required): INSEE code or name of the commune of
  residence; the postal code disambiguates a name;
- ``métiers`` (required): target jobs separated by ``|``, each a ROME code (``F1703``), an OGR
  code or a job title, ``:N`` giving years of experience (``F1703:4|Agent d'entretien:1``);
- ``permis``: ``B``, ``B, CACES R489 cat 3, SST``…;
- ``véhicule``: oui / non (non);
- ``mode de déplacement``: voiture, deux-roues, transports en commun, vélo, à pied (voiture
  with a vehicle, else transports en commun);
- ``distance max km`` or ``temps de trajet max min``: the accepted range (30 km when neither);
- ``étape`` (required): diagnostic, en parcours, prêt à l'emploi;
- ``date d'évaluation`` (required): date of the coach's assessment, not in the future;
- ``disponible le``: first day the person can start (today);
- ``heures max semaine``: hours per week accepted (35);
- ``accepte nuit``, ``accepte week-end``, ``accepte horaires décalés``: oui / non (non);
- ``compétences``: ROME skill codes separated by ``|``;
- ``bénéficiaire RSA``: oui / non (oui), the clause's eligibility;
- ``en emploi clause``: oui / non (non), already working on a clause contract;
- ``actif``: oui / non (oui).

Reporting-only columns (FSE+ statistics; stored apart, never read by the engine): ``sexe``
(F/H), ``année de naissance``, ``niveau de formation`` (CITE 0-2 / 3-4 / 5-8),
``situation`` (demandeur d'emploi, demandeur d'emploi de longue durée, inactif),
``RQTH`` (oui / non).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Final

from matching import columns as col
from matching.fields import (
    CANDIDATE_FIELDS,
    CANDIDATE_JOB_FIELDS,
    default_travel_mode,
    travel_range,
)
from matching.licences import parse_licences
from matching.referentials import CommuneIndex, RomeReferential
from service.imports.common import (
    StoredText,
    known_skill_codes,
    resolve_commune_field,
    stored_text_errors,
    with_original_columns,
)
from service.imports.reading import (
    ImportLimits,
    ParseResult,
    RowCollector,
    checked,
    cleaned,
    decode,
    map_columns,
    parse_bool,
    parse_date,
    parse_float,
    parse_int,
    read_csv_table,
)
from service.models.people import (
    BIRTH_YEAR,
    EDUCATION_LEVEL,
    IDENTITY_FIELDS,
    LABOUR_STATUS,
    RSA_BENEFICIARY,
    SEX,
    Candidate,
)
from service.referentials.titles import TitleNormaliser, unsure_title_message

__all__ = [
    "CANDIDATE_COLUMNS",
    "CandidateParseResult",
    "CandidateRecord",
    "JobRecord",
    "ReportingRecord",
    "parse_candidates",
]


@dataclass(frozen=True)
class JobRecord:
    code_rome: str
    code_ogr: int | None
    experience_years: float


@dataclass(frozen=True)
class ReportingRecord:
    """FSE+ reporting-only attributes; ``None`` when the file does not give them."""

    sex: str | None
    birth_year: int | None
    education_level: str | None
    labour_status: str | None
    disability_recognised: bool | None


@dataclass(frozen=True)
class CandidateRecord:
    external_id: str
    coach: str
    identity: dict[str, str | None]
    """First and last name, phone, e-mail as stored (``None``: the file leaves it empty)."""
    commune_insee: str
    jobs: tuple[JobRecord, ...]
    licences: tuple[str, ...]
    skills: tuple[int, ...]
    has_vehicle: bool
    travel_mode: str
    max_distance_km: float | None
    max_travel_minutes: float | None
    readiness_stage: str
    readiness_assessed_on: date
    available_from: date
    max_weekly_hours: float
    accepts_nights: bool
    accepts_weekends: bool
    accepts_early_starts: bool
    rsa_beneficiary: bool
    is_in_clause_job: bool
    is_active: bool
    reporting: ReportingRecord
    line: int


CandidateParseResult = ParseResult[CandidateRecord]


CANDIDATE_COLUMNS: Mapping[str, tuple[str, ...]] = {
    "external_id": ("identifiant", "id", "id_externe", "identifiant_externe", "reference"),
    "coach": ("coach", "coach_emploi", "referent", "conseiller"),
    "first_name": ("prenom", "prenom_usuel"),
    "last_name": ("nom", "nom_de_famille", "nom_usuel", "nom_d_usage"),
    "phone": ("telephone", "tel", "telephone_portable", "portable", "mobile"),
    "email": ("e_mail", "email", "courriel", "adresse_e_mail", "mail"),
    "commune": ("commune", "code_insee", "commune_de_residence", "ville"),
    "code_postal": ("code_postal", "cp"),
    "jobs": ("metiers", "metiers_cibles", "metiers_vises", "emplois_cibles", "metier"),
    "licences": ("permis", "permis_et_habilitations", "habilitations", "certificats"),
    "vehicle": ("vehicule", "a_un_vehicule", "vehicule_personnel"),
    "travel_mode": ("mode_de_deplacement", "mode_deplacement", "deplacement", "mobilite"),
    "max_km": ("distance_max_km", "distance_max", "rayon_km", "distance_maximale_km"),
    "max_minutes": (
        "temps_de_trajet_max_min",
        "temps_trajet_max_min",
        "temps_de_trajet_max",
        "duree_trajet_max_min",
    ),
    "stage": ("etape", "stade", "etape_du_parcours", "preparation"),
    "assessed_on": ("date_d_evaluation", "date_evaluation", "evalue_le", "date_du_diagnostic"),
    "available_from": (
        "disponible_le",
        "disponibilite",
        "date_de_disponibilite",
        "disponible_a_partir_du",
    ),
    "max_hours": (
        "heures_max_semaine",
        "heures_max",
        "heures_hebdomadaires_max",
        "duree_hebdo_max",
    ),
    "nights": ("accepte_nuit", "accepte_le_travail_de_nuit", "nuit"),
    "weekends": ("accepte_week_end", "accepte_le_week_end", "week_end"),
    "early": ("accepte_horaires_decales", "horaires_decales"),
    "skills": ("competences", "codes_competences"),
    "rsa": ("beneficiaire_rsa", "rsa"),
    "in_clause_job": ("en_emploi_clause", "deja_en_emploi_clause", "en_poste_clause"),
    "active": ("actif", "active", "suivi_actif"),
    "sex": ("sexe",),
    "birth_year": ("annee_de_naissance", "annee_naissance"),
    "education": ("niveau_de_formation", "niveau_formation", "niveau_cite"),
    "labour_status": ("situation", "situation_sur_le_marche_du_travail"),
    "disability": ("rqth", "travailleur_handicape"),
}
_REQUIRED = ("external_id", "coach", "jobs", "stage", "assessed_on")


# The texts of a row that are stored, checked against their columns; the follow-up id is a key
# of the Département's software, refused (never rewritten) when a spreadsheet would run it.
CANDIDATE_TEXTS: Final = {
    "external_id": StoredText(Candidate.external_id, "Identifiant", is_key=True),
    **{
        name: StoredText(getattr(Candidate, name), spec.label)
        for name, spec in IDENTITY_FIELDS.items()
    },
}

_P = CANDIDATE_FIELDS
_EXPERIENCE = CANDIDATE_JOB_FIELDS[col.EXPERIENCE_YEARS]
_JOB_EXPERIENCE = re.compile(r"^(?P<job>.+?)\s*:\s*(?P<years>\d+(?:[.,]\d+)?)\s*(?:ans?)?$")


def parse_candidates(
    data: bytes,
    *,
    communes: CommuneIndex,
    rome: RomeReferential,
    normalise_titles: TitleNormaliser,
    known_coaches: Sequence[str],
    today: date,
    limits: ImportLimits | None = None,
    min_title_score: float = 0.3,
) -> CandidateParseResult:
    """Read and validate a whole candidate file; see the module docstring for the columns.

    ``known_coaches`` are the user names of active coaches; ``today`` is the default
    availability date and the upper bound of assessment dates.
    """
    lim = limits or ImportLimits()
    table = read_csv_table(decode(data, limits=lim), limits=lim)
    cols, warnings = map_columns(
        table, CANDIDATE_COLUMNS, required=_REQUIRED, one_of=[("commune", "code_postal")]
    )
    coaches = set(known_coaches)

    # Job titles given as text are normalised in one batch.
    raw_jobs: list[list[tuple[str, float | None, str | None]]] = []
    titles: list[str] = []
    for values in table.rows:
        entries = []
        for part in (p.strip() for p in values.get(cols["jobs"], "").split("|")):
            if not part:
                continue
            m = _JOB_EXPERIENCE.match(part)
            job, years_text = (m["job"].strip(), m["years"]) if m else (part, None)
            try:
                years = float(years_text.replace(",", ".")) if years_text else 0.0
            except ValueError:
                years = None
            entries.append((job, years, years_text))
            if not (re.fullmatch(r"[A-Za-z]\d{4}", job) or job.isdigit()):
                titles.append(job)
        raw_jobs.append(entries)
    guesses = dict(zip(titles, normalise_titles(titles), strict=True)) if titles else {}

    records: list[CandidateRecord] = []
    errors = list(table.errors)
    seen: dict[str, int] = {}
    for values, line, entries in zip(table.rows, table.lines, raw_jobs, strict=True):
        row = RowCollector(line, [], values, cols)
        rec = _read_row(
            row,
            values,
            cols,
            entries,
            guesses,
            communes=communes,
            rome=rome,
            coaches=coaches,
            today=today,
            min_title_score=min_title_score,
        )
        if rec is not None and rec.external_id in seen:
            row.fail(
                cols["external_id"],
                "duplicate_id",
                f"Identifiant « {rec.external_id} » déjà présent ligne {seen[rec.external_id]}.",
            )
        if row.errors or rec is None:
            errors.extend(row.errors)
            continue
        seen[rec.external_id] = line
        records.append(rec)
    return CandidateParseResult(records, with_original_columns(errors, table), warnings)


def _read_row(
    row: RowCollector,
    values: dict[str, str],
    cols: dict[str, str],
    entries: list[tuple[str, float | None, str | None]],
    guesses: Mapping[str, Any],
    *,
    communes: CommuneIndex,
    rome: RomeReferential,
    coaches: set[str],
    today: date,
    min_title_score: float,
) -> CandidateRecord | None:
    get, typed = row.get, row.typed

    ext = get("external_id")
    if not ext:
        row.fail(cols["external_id"], "missing_id", "Identifiant manquant.")
    coach = get("coach")
    if not coach:
        row.fail(cols["coach"], "missing_coach", "Coach manquant.")
    elif coach not in coaches:
        row.fail(cols["coach"], "unknown_coach", f"Coach inconnu : « {coach} ».")
    identity = {name: cleaned(row, name, spec) for name, spec in IDENTITY_FIELDS.items()}
    row.errors.extend(
        stored_text_errors(row.line, {"external_id": ext, **identity}, CANDIDATE_TEXTS, cols)
    )
    commune = resolve_commune_field(
        row, communes, get("commune"), get("code_postal"), cols.get("commune", "code_postal")
    )
    jobs: list[JobRecord] = []
    if not entries:
        row.fail(cols["jobs"], "missing_jobs", "Aucun métier visé.")
    for job, years, years_text in entries:
        if years is None:
            row.fail(
                cols["jobs"], _EXPERIENCE.error_code, f"Expérience illisible : « {years_text} »."
            )
            continue
        if (problem := _EXPERIENCE.problem(years)) is not None:
            row.fail(cols["jobs"], _EXPERIENCE.error_code, problem)
            continue
        if re.fullmatch(r"[A-Za-z]\d{4}", job):
            if not rome.has_fiche(job):
                row.fail(cols["jobs"], "unknown_rome", f"Code ROME inconnu : « {job} ».")
                continue
            jobs.append(JobRecord(job.upper(), None, years))
        elif job.isdigit():
            if not rome.has_appellation(job):
                row.fail(
                    cols["jobs"], "unknown_ogr", f"Code d'appellation ROME inconnu : « {job} »."
                )
                continue
            jobs.append(JobRecord(str(rome.appellation(job)["code_rome"]), int(job), years))
        else:
            guess = guesses[job]
            if not guess.is_sure(min_title_score) or guess.code_rome is None:
                row.fail(
                    cols["jobs"],
                    "vague_job" if guess.is_vague else "unrecognised_job",
                    unsure_title_message(job, guess, what="de ce métier"),
                )
                continue
            jobs.append(JobRecord(guess.code_rome, guess.code_ogr, years))
    licences: tuple[str, ...] = ()
    if get("licences"):
        licences, unknown = parse_licences(get("licences"))
        if unknown:
            row.fail(
                cols["licences"],
                "unknown_licence",
                f"Permis ou habilitation non reconnu : {', '.join(unknown)}.",
            )
    has_vehicle = typed("vehicle", parse_bool, _P[col.HAS_VEHICLE].default)
    mode = typed("travel_mode", _P[col.TRAVEL_MODE].choice_of, default_travel_mode(has_vehicle))
    max_km, max_min = travel_range(
        checked(row, "max_km", _P[col.MAX_DISTANCE_KM], typed("max_km", parse_float, None)),
        checked(
            row, "max_minutes", _P[col.MAX_TRAVEL_MINUTES], typed("max_minutes", parse_float, None)
        ),
    )
    stage = typed("stage", _P[col.READINESS_STAGE].choice_of, None)
    if stage is None and not get("stage"):
        row.fail(cols["stage"], "missing_stage", "Étape du parcours manquante.")
    assessed = typed("assessed_on", parse_date, None)
    if assessed is None and not get("assessed_on"):
        row.fail(cols["assessed_on"], "missing_assessed_on", "Date d'évaluation manquante.")
    checked(row, "assessed_on", _P[col.READINESS_ASSESSED_ON], assessed, today=today)
    available = typed("available_from", parse_date, today)
    hours_spec = _P[col.MAX_WEEKLY_HOURS]
    hours = checked(
        row, "max_hours", hours_spec, typed("max_hours", parse_float, hours_spec.default)
    )
    skills: list[int] = []
    known = known_skill_codes(rome)
    for part in re.split(r"[|,;\s]+", get("skills")):
        if not part:
            continue
        if not part.isdigit() or int(part) not in known:
            row.fail(
                cols["skills"], "unknown_skill", f"Code de compétence ROME inconnu : « {part} »."
            )
        else:
            skills.append(int(part))
    reporting = ReportingRecord(
        sex=typed("sex", SEX.choice_of, None),
        birth_year=checked(
            row, "birth_year", BIRTH_YEAR, typed("birth_year", parse_int, None), today=today
        ),
        education_level=typed("education", EDUCATION_LEVEL.choice_of, None),
        labour_status=typed("labour_status", LABOUR_STATUS.choice_of, None),
        disability_recognised=typed("disability", parse_bool, None),
    )
    flags = {
        f: typed(f, parse_bool, spec.default)
        for f, spec in (
            ("nights", _P[col.ACCEPTS_NIGHTS]),
            ("weekends", _P[col.ACCEPTS_WEEKENDS]),
            ("early", _P[col.ACCEPTS_EARLY_STARTS]),
            ("rsa", RSA_BENEFICIARY),
            ("in_clause_job", _P[col.IS_IN_CLAUSE_JOB]),
            ("active", _P[col.IS_ACTIVE]),
        )
    }
    if row.errors or commune is None or stage is None or assessed is None:
        return None
    return CandidateRecord(
        external_id=ext,
        coach=coach,
        identity=identity,
        commune_insee=commune,
        jobs=tuple(jobs),
        licences=licences,
        skills=tuple(dict.fromkeys(skills)),
        has_vehicle=has_vehicle,
        travel_mode=mode,
        max_distance_km=max_km,
        max_travel_minutes=max_min,
        readiness_stage=stage,
        readiness_assessed_on=assessed,
        available_from=available,
        max_weekly_hours=hours,
        accepts_nights=flags["nights"],
        accepts_weekends=flags["weekends"],
        accepts_early_starts=flags["early"],
        rsa_beneficiary=flags["rsa"],
        is_in_clause_job=flags["in_clause_job"],
        is_active=flags["active"],
        reporting=reporting,
        line=row.line,
    )
