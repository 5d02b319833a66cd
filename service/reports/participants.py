"""FSE+ participants by Annex I category and sex, small cells masked."""

from __future__ import annotations

from datetime import date
from typing import Final

import pandas as pd
from sqlalchemy.orm import Session

from service.referentials.service import Referentials
from service.reports.common import SMALL_CELL, SMALL_CELL_LIMIT, Report, ReportFilter
from service.reports.fse import _ended_in, _placements
from service.reports.suppression import SECONDARY_CELL, Cell, Relation, suppress
from service.workflow.states import (
    IN_EMPLOYMENT,
)


def participants_report(
    session: Session,
    refs: Referentials,
    where: ReportFilter,
    *,
    today: date,
    mask_small_cells: bool = True,
) -> Report:
    """Participants by FSE+ category and sex; counts of 1 to 4, and the cells that would let
    one compute them, hidden (:func:`mask_participants`; the unmasked counts are for checks
    only, never an API output)."""
    as_of = where.date_to or today
    placements = _placements(session, refs, where)
    if not placements.empty and where.date_from is not None:
        entering = placements[placements["start_date"] >= where.date_from]
    else:
        entering = placements
    # One row per person: their first placement of the period gives the entry.
    people = (
        entering.sort_values(["candidate_id", "start_date"]).drop_duplicates("candidate_id")
        if not entering.empty
        else entering
    )
    leavers = _ended_in(placements, where, as_of) if not placements.empty else placements

    def count_by_sex(frame: pd.DataFrame, mask: pd.Series | None) -> dict[str, int | str]:
        part = frame if mask is None else frame[mask.astype(bool)]
        sex = part["sex"] if not part.empty else pd.Series(dtype=object)
        total = int(part["candidate_id"].nunique()) if not part.empty else 0
        women = int(part.loc[sex == "F", "candidate_id"].nunique()) if not part.empty else 0
        men = int(part.loc[sex == "M", "candidate_id"].nunique()) if not part.empty else 0
        return {
            "total": total,
            "femmes": women,
            "hommes": men,
            "sexe_non_renseigne": total - women - men,
        }

    p = people
    age = (
        pd.Series(
            [
                (s.year - int(b)) if b is not None and b == b else None
                for s, b in zip(p["start_date"], p["birth_year"], strict=True)
            ],
            index=p.index,
            dtype="float64",
        )
        if not p.empty
        else pd.Series(dtype="float64")
    )
    status = p["labour_status"] if not p.empty else pd.Series(dtype=object)
    level = p["education_level"] if not p.empty else pd.Series(dtype=object)
    disabled = p["disability_recognised"] if not p.empty else pd.Series(dtype=object)
    lines: list[tuple[str, str, pd.DataFrame, pd.Series | None]] = [
        ("EECO01", "Nombre total de participants", p, None),
        (
            "EECO02",
            "Chômeurs, y compris de longue durée",
            p,
            status.isin(["unemployed", "long_term_unemployed"]),
        ),
        ("EECO03", "Chômeurs de longue durée", p, status == "long_term_unemployed"),
        ("EECO04", "Inactifs", p, status == "inactive"),
        ("EECO05", "Personnes exerçant un emploi, y compris indépendants", p, status == "employed"),
        ("", "Situation sur le marché du travail non renseignée", p, status.isna()),
        ("EECO06", "Moins de 18 ans", p, age < 18),
        ("EECO07", "18 à 29 ans", p, (age >= 18) & (age <= 29)),
        ("EECO08", "55 ans et plus", p, age >= 55),
        ("", "Âge non renseigné", p, age.isna()),
        ("EECO09", "Niveau CITE 0 à 2", p, level == "ISCED_0_2"),
        ("EECO10", "Niveau CITE 3 à 4", p, level == "ISCED_3_4"),
        ("EECO11", "Niveau CITE 5 à 8", p, level == "ISCED_5_8"),
        ("", "Niveau d'études non renseigné", p, level.isna()),
        ("EECO12", "Participants handicapés", p, disabled.fillna(False).astype(bool)),
    ]
    out = leavers
    lines += [
        (
            "EECR04",
            "Participants exerçant un emploi, y compris indépendants, à la sortie",
            out,
            out["outcome_at_end"].isin(IN_EMPLOYMENT) if not out.empty else None,
        ),
        (
            "EECR05",
            "Participants exerçant un emploi, y compris indépendants, six mois après la sortie",
            out,
            out["outcome_6_months"].isin(IN_EMPLOYMENT) if not out.empty else None,
        ),
    ]
    rows = []
    for i, (code, label, frame, mask) in enumerate(lines):
        rows.append(
            {
                "rubrique": _SECTIONS[i],
                "code": code,
                "indicateur": label,
                **count_by_sex(frame, mask),
            }
        )
    table = pd.DataFrame(rows)
    if mask_small_cells:
        table, _ = mask_participants(table)
    return Report(
        name="participants",
        title="Participants FSE+ (règlement (UE) 2021/1057, annexe I), par sexe",
        tables={"participants": table},
        notes=[
            "Participants : personnes dont un placement commence dans la période ; sortants "
            "(EECR04, EECR05) : personnes dont un placement se termine dans la période.",
            "Âge à l'entrée calculé sur l'année de naissance seule.",
            f"« {SMALL_CELL} » : effectif de 0 à 4 personnes, masqué (secret statistique) ; "
            "un 0 n'est masqué que s'il décrirait un groupe lui-même masqué.",
            f"« {SECONDARY_CELL} » : effectif masqué pour qu'aucun effectif « {SMALL_CELL} » "
            "ne puisse être recalculé à partir des totaux (secret secondaire).",
            "En emploi : emploi durable ou de transition.",
        ],
    )


# The section of each line above, as the FSE+ reporting groups the common indicators.
_SECTIONS: Final = (
    "Total",
    *(["Situation sur le marché du travail"] * 5),
    *(["Âge à l'entrée"] * 4),
    *(["Niveau d'études"] * 4),
    "Handicap",
    "Résultats",
    "Résultats",
)


SEX_COLUMNS = ("femmes", "hommes", "sexe_non_renseigne")
COUNT_COLUMNS = ("total", *SEX_COLUMNS)
# Lines that split the participants (EECO01) with nothing left over.
_PARTITIONS: tuple[tuple[str, ...], ...] = (
    ("EECO02", "EECO04", "EECO05", "Situation sur le marché du travail non renseignée"),
    ("EECO09", "EECO10", "EECO11", "Niveau d'études non renseigné"),
)
_LEAVER_CODES = ("EECR04", "EECR05")


def participant_relations(table: pd.DataFrame) -> tuple[list[Relation], dict[Cell, list[Cell]]]:
    """What a reader knows of the participants table: each line's total is the sum of its sex
    columns; labour-market status and education level split the participants; and the group
    each cell describes (its line's total; for the participants' lines, the participants of
    its column)."""
    key = {
        (row["code"] or row["indicateur"]): i
        for i, row in zip(table.index, table.to_dict("records"), strict=True)
    }
    everyone = key["EECO01"]
    relations = [Relation((i, "total"), tuple((i, c) for c in SEX_COLUMNS)) for i in table.index]
    for line in _PARTITIONS:
        for c in COUNT_COLUMNS:
            relations.append(Relation((everyone, c), tuple((key[k], c) for k in line)))
    leavers = {key[k] for k in _LEAVER_CODES}
    groups: dict[Cell, list[Cell]] = {}
    for i in table.index:
        for c in COUNT_COLUMNS:
            group = [] if c == "total" else [(i, "total")]
            if i not in leavers and i != everyone:
                group.append((everyone, c))
            groups[(i, c)] = group
    return relations, groups


def mask_participants(table: pd.DataFrame) -> tuple[pd.DataFrame, set[Cell]]:
    """The participants table with primary and secondary suppression
    (:mod:`service.reports.suppression`), and the hidden cells."""
    relations, groups = participant_relations(table)
    return suppress(
        table,
        columns=COUNT_COLUMNS,
        relations=relations,
        groups=groups,
        limit=SMALL_CELL_LIMIT,
        small_label=SMALL_CELL,
    )
