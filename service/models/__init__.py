"""SQLAlchemy models of the service: one module per domain, all registered here for Alembic.

The engine's inputs (:mod:`matching.columns`) map onto ``candidates`` (+ ``candidate_jobs``,
``candidate_licences``) and ``offers`` (+ ``offer_licences``). Attributes kept for statistics
only (FSE+ reporting, bias audits) live in ``candidate_reporting``, which the engine loader
never reads.

Licences are child tables (one row per code) rather than a JSON list: the codes are a closed
vocabulary, both backends can then answer "who holds a CACES R482" or "which offers require a
permis C" with plain SQL and an index, and removing a code is an ordinary DELETE. Skills (ROME
skill codes) are only consumed by the engine as a set, never queried one by one, so they stay a
JSON list of integers.

Importing this package registers every table on ``service.db.Base.metadata`` (what Alembic's
``env.py`` and the test fixtures need); code imports each model from its domain's module.
"""

from __future__ import annotations

from service.models.accounts import (
    ROLES,
    AuditCheckpoint,
    AuditEntry,
    LoginThrottle,
    User,
    WebSession,
)
from service.models.imports import FeedOffer, FeedRun, RefusedOffer

# Registers the text rule checked at every flush (lengths and control characters).
from service.models.limits import check_texts_before_flush
from service.models.notifications import NotificationPreference, OutboxEmail
from service.models.offers import OFFER_SOURCES, OFFER_STATUSES, Offer, OfferLicence
from service.models.outreach import (
    EVENT_KINDS,
    SPEAKER_KINDS,
    TENDER_STATUSES,
    CompanyContact,
    OutreachAttendance,
    OutreachEvent,
    OutreachTestimony,
    TenderAnswer,
)
from service.models.people import (
    EDUCATION_LEVELS,
    LABOUR_STATUSES,
    SEXES,
    Candidate,
    CandidateJob,
    CandidateLicence,
    CandidateReporting,
)
from service.models.procurement import CONTRACT_NATURES, Buyer, Company, Contract, Lot
from service.models.retention import NOTICE_STATUSES, RetentionNotice, RetentionRun
from service.models.scoring import (
    EXPOSURE_CHANNELS,
    DigestMark,
    Exposure,
    Match,
    MatchRun,
    MatchRunOffer,
)
from service.models.workflow import (
    DELIVERY_MODES,
    INTERMEDIARIES,
    OUTCOMES,
    PROPOSAL_STATES,
    Placement,
    PlacementHours,
    Proposal,
    ProposalEvent,
)

__all__ = [
    "CONTRACT_NATURES",
    "DELIVERY_MODES",
    "EDUCATION_LEVELS",
    "EVENT_KINDS",
    "EXPOSURE_CHANNELS",
    "INTERMEDIARIES",
    "LABOUR_STATUSES",
    "NOTICE_STATUSES",
    "OFFER_SOURCES",
    "OFFER_STATUSES",
    "OUTCOMES",
    "PROPOSAL_STATES",
    "ROLES",
    "SEXES",
    "SPEAKER_KINDS",
    "TENDER_STATUSES",
    "AuditCheckpoint",
    "AuditEntry",
    "Buyer",
    "Candidate",
    "CandidateJob",
    "CandidateLicence",
    "CandidateReporting",
    "Company",
    "CompanyContact",
    "Contract",
    "DigestMark",
    "Exposure",
    "FeedOffer",
    "FeedRun",
    "LoginThrottle",
    "Lot",
    "Match",
    "MatchRun",
    "MatchRunOffer",
    "NotificationPreference",
    "Offer",
    "OfferLicence",
    "OutboxEmail",
    "OutreachAttendance",
    "OutreachEvent",
    "OutreachTestimony",
    "Placement",
    "PlacementHours",
    "Proposal",
    "ProposalEvent",
    "RefusedOffer",
    "RetentionNotice",
    "RetentionRun",
    "TenderAnswer",
    "User",
    "WebSession",
    "check_texts_before_flush",
]
