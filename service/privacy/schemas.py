"""API bodies of a person's rights: erasure or anonymisation, « ne pas proposer »."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from service.kit.schemas import InputModel, ReadModel

__all__ = ["DoNotProposeRead", "DoNotProposeWrite", "ErasureCreate", "ErasureRead"]


ErasureReason = Literal["request", "objection", "inactivity", "end_of_follow_up"]


class ErasureCreate(InputModel):
    mode: Literal["auto", "erase", "anonymise"] = Field(
        "auto",
        description="auto : effacer si rien ne doit être conservé, sinon anonymiser",
    )
    reason: ErasureReason = Field(
        description="request (demande de la personne), objection, inactivity, end_of_follow_up"
    )


class ErasureRead(ReadModel):
    candidate_id: int
    action: Literal["anonymised", "erased"]
    pseudonym: str | None
    counts: dict[str, int]


class DoNotProposeWrite(InputModel):
    do_not_propose: bool


class DoNotProposeRead(ReadModel):
    candidate_id: int
    do_not_propose: bool
