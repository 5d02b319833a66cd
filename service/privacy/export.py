"""The right of access (GDPR art. 15): everything the service holds on one person, gathered
across every domain into sections (:mod:`service.privacy.documents` renders them).

Sections: identity and contact, profile (what the engine reads), target jobs, reporting-only
data, proposals and each of their moves, placements and their monthly hours, the pairs shown
about the person (exposures: shortlists, digests, best offers, with the rank and score shown)
and the batch lists that held them (with the explanation), and the audit entries about them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

from sqlalchemy.orm import Session

from matching.fields import CANDIDATE_FIELDS, CANDIDATE_JOB_FIELDS
from service.accounts.audit import audit
from service.db import utcnow
from service.errors import NotFound
from service.models.accounts import User
from service.models.people import IDENTITY_FIELDS, REPORTING_FIELDS, Candidate
from service.models.scoring import EXPOSURE_CHANNELS
from service.people.repository import CandidateRepository, PrivacyRepository, ReportingRepository
from service.people.service import visible_candidate
from service.privacy.repository import AccessRepository
from service.referentials.service import Referentials
from service.workflow.states import DELIVERY_MODE_LABELS, OUTCOME_LABELS, STATE_LABELS

__all__ = ["YES_NO", "Column", "PersonExport", "Section", "build_person_export"]


CHANNEL_LABELS: Final[dict[str, str]] = {
    "shortlist": "liste de candidats d'une offre",
    "digest": "nouveautés du coach",
    "offers_for": "meilleures offres de la personne",
    "batch": "liste du traitement par lot",
}
assert set(EXPOSURE_CHANNELS) <= set(CHANNEL_LABELS)


ACTION_LABELS: Final[dict[str, str]] = {
    "read": "consultation",
    "list": "consultation d'une liste",
    "create": "création",
    "update": "modification",
    "delete": "suppression",
    "transition": "changement d'état",
    "read_offers_for": "consultation des meilleures offres",
    "why_not": "« Pourquoi pas ? »",
    "export": "droit d'accès : export",
    "anonymise": "anonymisation",
    "erase": "effacement",
    "do_not_propose": "marquée « ne pas proposer »",
    "may_propose": "« ne pas proposer » levé",
}


YES_NO: Final = {True: "oui", False: "non"}


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    labels: Mapping[Any, str] | None = None


@dataclass
class Section:
    """One sheet of the workbook, one key of the JSON."""

    key: str
    title: str
    columns: list[Column]
    rows: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class PersonExport:
    person_id: int
    generated_at: datetime
    generated_by: str
    sections: list[Section]


def _cols(*items: tuple[str, str] | tuple[str, str, Mapping[Any, str]]) -> list[Column]:
    return [Column(*item) for item in items]


def _spec_column(name: str, specs: Mapping[str, Any]) -> Column:
    spec = specs[name]
    labels: dict[Any, str] | None = None
    if spec.choices:
        labels = dict(spec.choices)
    elif spec.kind == "bool":
        labels = dict(YES_NO)
    return Column(name, spec.label.capitalize(), labels)


def build_person_export(
    session: Session, refs: Referentials, user: User | None, person_id: int
) -> PersonExport:
    """Everything held on a person the caller may see (a coach: their caseload only); audited."""
    if user is None:
        person = CandidateRepository(session).get_by_id(person_id)
        if person is None:
            raise NotFound(f"personne {person_id} introuvable")
    else:
        person = visible_candidate(session, user, person_id)
    export = _gather(session, refs, person)
    export.generated_by = user.role if user is not None else "system"
    audit(session, user, "export", "candidate", person.id)
    return export


def _gather(session: Session, refs: Referentials, person: Candidate) -> PersonExport:
    privacy = PrivacyRepository(session)
    access = AccessRepository(session)
    proposals = privacy.proposals(person.id)
    events = privacy.proposal_events([p.id for p in proposals])
    placements = privacy.placements(person.id)
    hours = privacy.placement_hours([p.id for p in placements])
    exposures = privacy.exposures(person.id)
    matches = privacy.matches(person.id)
    entries = privacy.audit_entries(person.id, [p.id for p in proposals])
    reporting = ReportingRepository(session).get(person.id)
    offers = access.offers(
        [p.offer_id for p in proposals]
        + [e.offer_id for e in exposures]
        + [m.offer_id for m in matches]
    )
    lots = access.lots(p.lot_id for p in placements)
    users = access.users(
        [person.coach_id]
        + [p.proposed_by for p in proposals]
        + [e.by for e in events]
        + [e.shown_to for e in exposures]
        + [a.user_id for a in entries]
    )

    def username(uid: int | None) -> str:
        return users[uid][0] if uid is not None and uid in users else ""

    def offer(oid: int) -> str:
        ext, title = offers.get(oid, ("", ""))
        return f"{title} ({ext})" if ext else str(oid)

    commune = refs.commune(person.commune_insee)
    identity = Section(
        "identity",
        "Identité",
        _cols(
            ("follow_up_id", "Identifiant de suivi"),
            *((n, IDENTITY_FIELDS[n].label.capitalize()) for n in IDENTITY_FIELDS),
            ("coach", "Coach qui suit la personne"),
            ("created_at", "Enregistrée le"),
            ("do_not_propose", "Ne pas proposer", YES_NO),
            ("anonymised_at", "Anonymisée le"),
        ),
        [
            {
                "follow_up_id": person.external_id,
                **{n: getattr(person, n) for n in IDENTITY_FIELDS},
                "coach": username(person.coach_id),
                "created_at": person.created_at,
                "do_not_propose": person.do_not_propose,
                "anonymised_at": person.anonymised_at,
            }
        ],
    )
    profile_names = [n for n in CANDIDATE_FIELDS if n not in ("candidate_id", "licences", "skills")]
    skill_labels = refs.skill_labels(person.skills or [])
    profile = Section(
        "profile",
        "Profil",
        [
            *(_spec_column(n, CANDIDATE_FIELDS) for n in profile_names),
            Column("commune_name", "Nom de la commune"),
            Column("licences", "Permis et habilitations"),
            Column("skills", "Compétences déclarées"),
        ],
        [
            {
                **{n: getattr(person, n) for n in profile_names},
                "commune_name": commune.nom if commune is not None else "",
                "licences": [lic.code for lic in person.licences],
                "skills": [
                    f"{skill_labels.get(int(c), 'compétence')} ({c})" for c in person.skills or []
                ],
            }
        ],
    )
    jobs = Section(
        "jobs",
        "Métiers visés",
        [
            _spec_column("code_ogr", CANDIDATE_JOB_FIELDS),
            _spec_column("code_rome", CANDIDATE_JOB_FIELDS),
            Column("label", "Métier"),
            _spec_column("experience_years", CANDIDATE_JOB_FIELDS),
        ],
        [
            {
                "code_ogr": j.code_ogr,
                "code_rome": j.code_rome,
                "label": refs.job_label(j.code_ogr, j.code_rome),
                "experience_years": j.experience_years,
            }
            for j in person.jobs
        ],
    )
    reporting_section = Section(
        "reporting",
        "Données statistiques",
        [_spec_column(n, REPORTING_FIELDS) for n in REPORTING_FIELDS],
        [{n: getattr(reporting, n) for n in REPORTING_FIELDS}] if reporting is not None else [],
    )
    proposal_section = Section(
        "proposals",
        "Propositions",
        _cols(
            ("id", "N°"),
            ("offer", "Offre"),
            ("state", "État", STATE_LABELS),
            ("state_reason", "Motif"),
            ("state_reason_text", "Motif précisé"),
            ("comment", "Commentaire du coach"),
            ("proposed_by", "Proposée par"),
            ("created_at", "Proposée le"),
            ("state_changed_at", "État depuis le"),
            ("is_manual", "Proposée hors classement", YES_NO),
            ("score", "Score affiché"),
            ("rank", "Rang"),
            ("explanation", "Explication du classement"),
            ("model_version", "Version du classement"),
        ),
        [
            {
                "id": p.id,
                "offer": offer(p.offer_id),
                "state": p.state,
                "state_reason": p.state_reason,
                "state_reason_text": p.state_reason_text,
                "comment": p.comment,
                "proposed_by": username(p.proposed_by),
                "created_at": p.created_at,
                "state_changed_at": p.state_changed_at,
                "is_manual": p.is_manual,
                "score": p.score,
                "rank": p.rank,
                "explanation": p.explanation,
                "model_version": p.model_version,
            }
            for p in proposals
        ],
    )
    event_section = Section(
        "proposal_events",
        "Étapes des propositions",
        _cols(
            ("proposal_id", "Proposition n°"),
            ("at", "Le"),
            ("from_state", "De", STATE_LABELS),
            ("to_state", "À", STATE_LABELS),
            ("reason", "Motif"),
            ("reason_text", "Motif précisé"),
            ("comment", "Commentaire"),
            ("by", "Par"),
        ),
        [
            {
                "proposal_id": e.proposal_id,
                "at": e.at,
                "from_state": e.from_state,
                "to_state": e.to_state,
                "reason": e.reason,
                "reason_text": e.reason_text,
                "comment": e.comment,
                "by": username(e.by),
            }
            for e in events
        ],
    )
    placement_section = Section(
        "placements",
        "Mises en emploi",
        _cols(
            ("id", "N°"),
            ("lot", "Lot"),
            ("delivery_mode", "Mode de réalisation", DELIVERY_MODE_LABELS),
            ("intermediary", "Intermédiaire"),
            ("contract_type", "Contrat"),
            ("start_date", "Début"),
            ("end_date", "Fin"),
            ("outcome_at_end", "Situation à la sortie", OUTCOME_LABELS),
            ("outcome_6_months", "Situation à 6 mois", OUTCOME_LABELS),
        ),
        [
            {
                "id": p.id,
                "lot": " — ".join(lots.get(p.lot_id, (str(p.lot_id), ""))).strip(" —"),
                "delivery_mode": p.delivery_mode,
                "intermediary": p.intermediary,
                "contract_type": p.contract_type,
                "start_date": p.start_date,
                "end_date": p.end_date,
                "outcome_at_end": p.outcome_at_end,
                "outcome_6_months": p.outcome_6_months,
            }
            for p in placements
        ],
    )
    hours_section = Section(
        "hours",
        "Heures travaillées",
        _cols(("placement_id", "Mise en emploi n°"), ("month", "Mois"), ("hours", "Heures")),
        [{"placement_id": h.placement_id, "month": h.month, "hours": h.hours} for h in hours],
    )
    shown = Section(
        "exposures",
        "Classements affichés",
        _cols(
            ("shown_at", "Affiché le"),
            ("channel", "Où", CHANNEL_LABELS),
            ("offer", "Offre"),
            ("rank", "Rang"),
            ("score", "Score"),
            ("model_version", "Version du classement"),
            ("shown_to", "Affiché à"),
            ("explanation", "Explication affichée"),
        ),
        [
            {
                "shown_at": e.shown_at,
                "channel": e.channel,
                "offer": offer(e.offer_id),
                "rank": e.rank,
                "score": e.score,
                "model_version": e.model_version,
                "shown_to": username(e.shown_to),
                "explanation": e.explanation or "",
            }
            for e in exposures
        ],
    )
    batch = Section(
        "batch_lists",
        "Listes du traitement par lot",
        _cols(
            ("run_id", "Traitement n°"),
            ("offer", "Offre"),
            ("rank", "Rang"),
            ("score", "Score"),
            ("explanation", "Explication"),
            ("model_version", "Version du classement"),
        ),
        [
            {
                "run_id": m.run_id,
                "offer": offer(m.offer_id),
                "rank": m.rank,
                "score": m.score,
                "explanation": m.explanation,
                "model_version": m.model_version,
            }
            for m in matches
        ],
    )
    audit_section = Section(
        "audit",
        "Journal des accès",
        _cols(
            ("at", "Le"),
            ("user", "Utilisateur"),
            ("role", "Rôle"),
            ("action", "Action", ACTION_LABELS),
            ("entity_type", "Sur"),
            ("entity_id", "N°"),
            ("detail", "Détail"),
        ),
        [
            {
                "at": a.at,
                "user": username(a.user_id),
                "role": a.role,
                "action": a.action,
                "entity_type": a.entity_type,
                "entity_id": a.entity_id,
                "detail": a.detail,
            }
            for a in entries
        ],
    )
    return PersonExport(
        person.id,
        utcnow(),
        "",
        [
            identity,
            profile,
            jobs,
            reporting_section,
            proposal_section,
            event_section,
            placement_section,
            hours_section,
            shown,
            batch,
            audit_section,
        ],
    )
