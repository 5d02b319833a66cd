"""Why a (candidate, offer) pair is never ranked: :class:`Exclusion`, one bit per reason.

A pair excluded for several reasons keeps them all (``uint16`` per pair); a pair is rankable when
its flags are 0. The checks themselves are in :mod:`matching.constraints`; the bits that hold
whatever the offer (:data:`STATIC_EXCLUSIONS`) and the schedules a person refuses are set once,
when the frames are prepared (:mod:`matching.schema`).

=====================  =================================================================
``NOT_ELIGIBLE``       the person is not (or no longer) eligible for the clause
``INACTIVE``           the person's follow-up is not active
``IN_CLAUSE_JOB``      the person already works on a clause contract
``MISSING_LICENCE``    a licence or certificate the offer requires is not held (after closure)
``TOO_FAR``            road distance beyond the person's range (km, or minutes converted)
                       plus the travel tolerance
``HOURS``              weekly hours over the person's maximum
``NIGHTS``             night work, refused by the person
``WEEKENDS``           weekend work, refused by the person
``EARLY_STARTS``       early starts, refused by the person
``NOT_AVAILABLE``      the person is available only after the contract ends
``UNRELATED_JOB``      no target job related to the offer's, and the job needs a
                       qualification or experience (found with the skills component, by
                       :func:`matching.components.is_job_open`, not by the constraints)
=====================  =================================================================

A pair may also *bend* a declared constraint without being excluded (:class:`Tolerated`): a
job beyond the declared travel range but within the tolerance is ranked, with a mobility
penalty, and flagged so the coach sees it.
"""

from __future__ import annotations

from enum import IntFlag
from typing import Final

__all__ = ["STATIC_EXCLUSIONS", "Exclusion", "Tolerated"]


class Exclusion(IntFlag):
    """Why a (candidate, offer) pair is excluded; several bits may be set."""

    NOT_ELIGIBLE = 1 << 0
    INACTIVE = 1 << 1
    IN_CLAUSE_JOB = 1 << 2
    MISSING_LICENCE = 1 << 3
    TOO_FAR = 1 << 4
    HOURS = 1 << 5
    NIGHTS = 1 << 6
    WEEKENDS = 1 << 7
    EARLY_STARTS = 1 << 8
    NOT_AVAILABLE = 1 << 9
    UNRELATED_JOB = 1 << 10


STATIC_EXCLUSIONS: Final = Exclusion.NOT_ELIGIBLE | Exclusion.INACTIVE | Exclusion.IN_CLAUSE_JOB
"""Exclusions that depend on the person only (such people are never indexed for ranking)."""


class Tolerated(IntFlag):
    """A declared constraint the pair bends while staying rankable (shown as a flag)."""

    BEYOND_RANGE = 1 << 0
