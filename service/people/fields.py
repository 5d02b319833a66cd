"""The reporting-only attributes of a person, declared once (see :mod:`matching.fields`).

FSE+ statistics and bias audits only: the engine never reads them (they are not in
:data:`matching.fields.CANDIDATE_FIELDS`, and live in their own table). The API, the candidate
file import and the reporting pages read these definitions, so a value refused at one door is
refused at every door with the same sentence.
"""

from __future__ import annotations

from typing import Final

from matching.fields import FieldSpec

__all__ = [
    "BIRTH_YEAR",
    "DISABILITY",
    "EDUCATION_LEVEL",
    "LABOUR_STATUS",
    "REPORTING_FIELDS",
    "RSA_BENEFICIARY",
    "SEX",
]

SEX: Final = FieldSpec.choice(
    "sex",
    "sexe",
    {"F": "femme", "M": "homme"},
    "F ou H",
    nullable=True,
    error_code="bad_sex",
    aliases={"f": "F", "femme": "F", "h": "M", "homme": "M", "m": "M"},
)
BIRTH_YEAR: Final = FieldSpec.number(
    "birth_year",
    "année de naissance",
    "",
    (lambda today: today.year - 80, lambda today: today.year - 15),
    "bad_birth_year",
    kind="int",
    integer=True,
    nullable=True,
    help="entre 80 et 15 ans avant l'année en cours",
)
EDUCATION_LEVEL: Final = FieldSpec.choice(
    "education_level",
    "niveau de formation",
    {
        "ISCED_0_2": "CITE 0 à 2 (jusqu'au premier cycle du secondaire)",
        "ISCED_3_4": "CITE 3 ou 4 (second cycle du secondaire, post-secondaire)",
        "ISCED_5_8": "CITE 5 à 8 (supérieur)",
    },
    "un niveau CITE",
    nullable=True,
    error_code="bad_education",
    aliases={
        "cite 0 2": "ISCED_0_2",
        "cite 3 4": "ISCED_3_4",
        "cite 5 8": "ISCED_5_8",
        "0 2": "ISCED_0_2",
        "3 4": "ISCED_3_4",
        "5 8": "ISCED_5_8",
    },
)
LABOUR_STATUS: Final = FieldSpec.choice(
    "labour_status",
    "situation sur le marché du travail",
    {
        "unemployed": "demandeur d'emploi",
        "long_term_unemployed": "demandeur d'emploi de longue durée",
        "inactive": "inactif",
        "employed": "en emploi",
    },
    "une situation connue",
    nullable=True,
    error_code="bad_labour_status",
    aliases={
        "demandeur d emploi": "unemployed",
        "chomeur": "unemployed",
        "demandeur d emploi de longue duree": "long_term_unemployed",
        "chomeur de longue duree": "long_term_unemployed",
        "longue duree": "long_term_unemployed",
        "inactif": "inactive",
        "inactive": "inactive",
    },
)
DISABILITY: Final = FieldSpec(
    name="disability_recognised",
    kind="bool",
    label="reconnaissance de travailleur handicapé (RQTH)",
    nullable=True,
    error_code="bad_disability",
)
RSA_BENEFICIARY: Final = FieldSpec(
    name="rsa_beneficiary", kind="bool", label="bénéficiaire du RSA", default=True
)

REPORTING_FIELDS: Final[dict[str, FieldSpec]] = {
    f.name: f
    for f in (SEX, BIRTH_YEAR, EDUCATION_LEVEL, LABOUR_STATUS, DISABILITY, RSA_BENEFICIARY)
}
