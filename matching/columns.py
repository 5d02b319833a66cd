"""Column names of the engine's inputs and outputs: the one place they are spelled.

Inputs are pandas DataFrames (one row per entity; list-valued columns hold tuples):

**Candidates** (one row per person; the schema has no field for any protected personal
attribute, see DESIGN.md §4 "Constraints, not characteristics": the engine cannot receive them)

===========================  ==========================================================
``candidate_id``             external id (str), unique
``commune_insee``            INSEE code of the commune of residence (str)
``licences``                 tuple of licence/certificate codes (see :mod:`matching.licences`)
``skills``                   tuple of ROME skill codes (int, code OGR), may be empty
``has_vehicle``              bool
``travel_mode``              one of ``TRAVEL_MODES`` (``voiture``, ``transport_commun``…)
``max_distance_km``          float, NaN when the person gave a time instead
``max_travel_minutes``       float, NaN when the person gave a distance instead
``readiness_stage``          ``diagnostic`` | ``en_parcours`` | ``pret_emploi``
``readiness_assessed_on``    date of the coach's assessment (datetime64[D])
``available_from``           first day the person can start (datetime64[D])
``max_weekly_hours``         float, hours per week the person accepts
``accepts_nights``           bool
``accepts_weekends``         bool
``accepts_early_starts``     bool
``is_eligible``              bool, eligible for the clause (computed by the service)
``is_active``                bool
``is_in_clause_job``         bool, already working on a clause contract
===========================  ==========================================================

**Candidate jobs** (long table, one row per target job of a person)

===========================  ==========================================================
``candidate_id``             as above
``code_ogr``                 appellation code (Int64, may be missing: then the fiche only)
``code_rome``                fiche code (str)
``experience_years``         float >= 0
===========================  ==========================================================

**Offers** (one row per offer)

===========================  ==========================================================
``offer_id``                 external id (str), unique
``code_ogr``                 appellation (Int64, may be missing)
``code_rome``                fiche (str; normalised from the title upstream when absent)
``commune_insee``            work-site commune
``required_licences``        tuple of licence/certificate codes
``required_skills``          tuple of ROME skill codes (int)
``experience_years_required`` float >= 0
``needs_qualification``      bool, the job asks for a qualification (a diploma, a trade
                             learnt); with no experience required either, it is open to
                             people whose target jobs are unrelated to it
``weekly_hours``             float
``has_nights``               bool
``has_weekends``             bool
``has_early_starts``         bool
``start_date``               datetime64[D]
``end_date``                 datetime64[D], NaT for an open-ended contract
``contract_type``            one of ``CONTRACT_TYPES`` (``CDI``, ``CDD``, ``INTERIM``…)
``open_positions``           int >= 1
``lot_ref``                  clause lot reference (str, may be empty)
===========================  ==========================================================
"""

from __future__ import annotations

from typing import Final

# candidates
CANDIDATE_ID: Final = "candidate_id"
COMMUNE_INSEE: Final = "commune_insee"
LICENCES: Final = "licences"
SKILLS: Final = "skills"
HAS_VEHICLE: Final = "has_vehicle"
TRAVEL_MODE: Final = "travel_mode"
MAX_DISTANCE_KM: Final = "max_distance_km"
MAX_TRAVEL_MINUTES: Final = "max_travel_minutes"
READINESS_STAGE: Final = "readiness_stage"
READINESS_ASSESSED_ON: Final = "readiness_assessed_on"
AVAILABLE_FROM: Final = "available_from"
MAX_WEEKLY_HOURS: Final = "max_weekly_hours"
ACCEPTS_NIGHTS: Final = "accepts_nights"
ACCEPTS_WEEKENDS: Final = "accepts_weekends"
ACCEPTS_EARLY_STARTS: Final = "accepts_early_starts"
IS_ELIGIBLE: Final = "is_eligible"
IS_ACTIVE: Final = "is_active"
IS_IN_CLAUSE_JOB: Final = "is_in_clause_job"

# candidate jobs
CODE_OGR: Final = "code_ogr"
CODE_ROME: Final = "code_rome"
EXPERIENCE_YEARS: Final = "experience_years"

# offers
OFFER_ID: Final = "offer_id"
REQUIRED_LICENCES: Final = "required_licences"
REQUIRED_SKILLS: Final = "required_skills"
EXPERIENCE_YEARS_REQUIRED: Final = "experience_years_required"
NEEDS_QUALIFICATION: Final = "needs_qualification"
WEEKLY_HOURS: Final = "weekly_hours"
HAS_NIGHTS: Final = "has_nights"
HAS_WEEKENDS: Final = "has_weekends"
HAS_EARLY_STARTS: Final = "has_early_starts"
START_DATE: Final = "start_date"
END_DATE: Final = "end_date"
CONTRACT_TYPE: Final = "contract_type"
OPEN_POSITIONS: Final = "open_positions"
LOT_REF: Final = "lot_ref"

TRAVEL_MODES: Final = ("voiture", "deux_roues", "transport_commun", "velo", "marche")
READINESS_STAGES: Final = ("diagnostic", "en_parcours", "pret_emploi")
CONTRACT_TYPES: Final = ("CDI", "CDD", "INTERIM", "CDDI", "PRO", "APPRENTISSAGE", "AUTRE")

CANDIDATE_COLUMNS: Final = (
    CANDIDATE_ID,
    COMMUNE_INSEE,
    LICENCES,
    SKILLS,
    HAS_VEHICLE,
    TRAVEL_MODE,
    MAX_DISTANCE_KM,
    MAX_TRAVEL_MINUTES,
    READINESS_STAGE,
    READINESS_ASSESSED_ON,
    AVAILABLE_FROM,
    MAX_WEEKLY_HOURS,
    ACCEPTS_NIGHTS,
    ACCEPTS_WEEKENDS,
    ACCEPTS_EARLY_STARTS,
    IS_ELIGIBLE,
    IS_ACTIVE,
    IS_IN_CLAUSE_JOB,
)
CANDIDATE_JOB_COLUMNS: Final = (CANDIDATE_ID, CODE_OGR, CODE_ROME, EXPERIENCE_YEARS)
OFFER_COLUMNS: Final = (
    OFFER_ID,
    CODE_OGR,
    CODE_ROME,
    COMMUNE_INSEE,
    REQUIRED_LICENCES,
    REQUIRED_SKILLS,
    EXPERIENCE_YEARS_REQUIRED,
    NEEDS_QUALIFICATION,
    WEEKLY_HOURS,
    HAS_NIGHTS,
    HAS_WEEKENDS,
    HAS_EARLY_STARTS,
    START_DATE,
    END_DATE,
    CONTRACT_TYPE,
    OPEN_POSITIONS,
    LOT_REF,
)

# outputs
SCORE: Final = "score"
RANK: Final = "rank"
EXPLANATION: Final = "explanation"
BEYOND_RANGE: Final = "beyond_range"
"""A ranked pair whose job lies beyond the declared travel range, within the tolerance."""
REASON: Final = "reason"
COMPONENT_SKILLS: Final = "skills"
COMPONENT_MOBILITY: Final = "mobility"
COMPONENT_READINESS: Final = "readiness"
COMPONENTS: Final = (COMPONENT_SKILLS, COMPONENT_MOBILITY, COMPONENT_READINESS)
