"""Helpers of the import, batch, digest and drop-folder tests."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import Connection, func, select
from sqlalchemy.orm import Session, sessionmaker

from fixtures import REFERENTIALS_DIR
from matching.text import fold
from service.imports.offer_import import import_offers
from service.imports.reading import ImportLimits
from service.imports.schemas import ImportRead
from service.imports.service import import_candidates
from service.models.accounts import AuditEntry
from service.models.imports import RefusedOffer
from service.models.offers import Offer, OfferLicence
from service.models.people import Candidate, CandidateJob, CandidateLicence, CandidateReporting
from service.models.procurement import Company
from service.models.scoring import DigestMark, Match, MatchRun, MatchRunOffer
from service.referentials.service import Referentials, load_referentials
from service.referentials.titles import TitleGuess, TitleNormaliser
from service.scoring.batch import BatchParameters, run_batch
from service.scoring.schemas import BatchRead
from service.scoring.state import ScoringState

TODAY = date(2026, 11, 25)

_KEYWORDS = {
    "macon": ("F1703", 16250),
    "cariste": ("N1101", None),
    "agent d entretien": ("K2204", None),
    "plaquiste": ("F1604", None),
}


def fake_titles(titles: Sequence[str]) -> list[TitleGuess]:
    """Keyword → fiche: a fast stand-in for the title index (tested on its own)."""
    out = []
    for t in titles:
        hit = next((v for k, v in _KEYWORDS.items() if k in fold(t)), None)
        out.append(TitleGuess(hit[0], hit[1], 0.9) if hit else TitleGuess(None, None, 0.0))
    return out


def refs() -> Referentials:
    return load_referentials(REFERENTIALS_DIR)


OFFER_HEADER = (
    "Référence;Intitulé;Code ROME;Commune;Type de contrat;Durée hebdomadaire;Date de début;"
    "Durée;Nombre de postes;SIRET;Entreprise;Permis requis;Lot\n"
)


def offer_line(
    ref: str = "OE-1",
    title: str = "Maçon H/F",
    *,
    rome: str = "",
    commune: str = "Alençon",
    contract: str = "CDD",
    hours: str = "35",
    start: str = "02/03/2027",
    duration: str = "6 mois",
    positions: str = "1",
    siret: str = "",
    company: str = "",
    licences: str = "B",
    lot: str = "",
) -> str:
    return (
        ";".join(
            (
                ref,
                title,
                rome,
                commune,
                contract,
                hours,
                start,
                duration,
                positions,
                siret,
                company,
                licences,
                lot,
            )
        )
        + "\n"
    )


CANDIDATE_HEADER = (
    "Identifiant;Coach;Commune;Métiers;Permis;Véhicule;Distance max km;Étape;"
    "Date d'évaluation;Disponible le;Sexe;Année de naissance\n"
)


def candidate_line(
    ext: str = "P-001",
    coach: str = "coach-a",
    *,
    commune: str = "Alençon",
    jobs: str = "F1703:4",
    licences: str = "B",
    vehicle: str = "oui",
    km: str = "30",
    stage: str = "prêt à l'emploi",
    assessed: str = "01/10/2026",
    available: str = "",
    sex: str = "F",
    birth: str = "1980",
) -> str:
    return (
        ";".join(
            (
                ext,
                coach,
                commune,
                jobs,
                licences,
                vehicle,
                km,
                stage,
                assessed,
                available,
                sex,
                birth,
            )
        )
        + "\n"
    )


def do_import_offers(
    session: Session,
    text: str | bytes,
    *,
    filename: str = "offres.csv",
    dry_run: bool = False,
    limits: ImportLimits | None = None,
    accept_valid: bool = False,
    normalise_titles: TitleNormaliser = fake_titles,
) -> ImportRead:
    data = text if isinstance(text, bytes) else text.encode("utf-8")
    return import_offers(
        session,
        data,
        filename=filename,
        refs=refs(),
        normalise_titles=normalise_titles,
        limits=limits or ImportLimits(),
        user=None,
        dry_run=dry_run,
        accept_valid=accept_valid,
    )


def do_import_candidates(
    session: Session,
    text: str | bytes,
    *,
    dry_run: bool = False,
    full: bool = False,
    limits: ImportLimits | None = None,
) -> ImportRead:
    data = text if isinstance(text, bytes) else text.encode("utf-8")
    return import_candidates(
        session,
        data,
        refs=refs(),
        normalise_titles=fake_titles,
        limits=limits or ImportLimits(),
        user=None,
        today=TODAY,
        dry_run=dry_run,
        full=full,
    )


def do_batch(session: Session, *, max_lists: int = 3, slots: int = 3) -> BatchRead:
    r = refs()
    scoring = ScoringState(rome=r.rome, communes=r.communes)
    try:
        return run_batch(
            session,
            scoring,
            user=None,
            params=BatchParameters(as_of=TODAY, slots_per_position=slots, max_lists=max_lists),
        )
    finally:
        scoring.close()


_TABLES: tuple[Any, ...] = (
    Offer,
    OfferLicence,
    Company,
    Candidate,
    CandidateJob,
    CandidateLicence,
    CandidateReporting,
    AuditEntry,
    MatchRun,
    Match,
    MatchRunOffer,
    DigestMark,
    RefusedOffer,
)


def snapshot(session: Session) -> dict[str, Any]:
    """Row counts of every table an import or a batch writes, plus the versions of rows."""
    out: dict[str, Any] = {
        m.__tablename__: session.scalar(select(func.count()).select_from(m)) for m in _TABLES
    }
    for m in (Offer, Candidate, Company):
        out[f"{m.__tablename__}.versions"] = session.scalar(
            select(func.coalesce(func.sum(m.version), 0))
        )
    return out


def nested_sessions(connection: Connection) -> sessionmaker[Session]:
    """Sessions whose commit only releases a savepoint of the test's transaction."""
    return sessionmaker(
        bind=connection,
        join_transaction_mode="create_savepoint",
        expire_on_commit=False,
        autoflush=False,
    )
