"""Offer records, as every offer reader (Orne emploi CSV, France Travail JSON) gives them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Final

from service.imports.common import StoredText, stored_text_errors
from service.imports.reading import (
    ParseResult,
    RowError,
)
from service.models.limits import column_length, fit_text
from service.models.offers import Offer
from service.models.procurement import Company, Contract, Lot
from service.referentials.titles import TitleNormaliser, unsure_title_message

__all__ = ["OFFER_TEXTS", "OfferParseResult", "OfferRecord"]


# The texts of an offer row that are stored, checked against their columns before anything else.
# The company's name is not among them: it is not the offer's, so a name too long for its column
# is cut (and cleaned of control characters) rather than the offer refused.
OFFER_TEXTS: Final = {
    "external_id": StoredText(Offer.external_id, "Référence de l'offre", is_key=True),
    "intitule": StoredText(Offer.intitule, "Intitulé", is_key=True),
    "contract_ref": StoredText(Contract.reference, "Référence du marché", is_key=True),
    "lot_ref": StoredText(Lot.reference, "Lot", is_key=True),
}


@dataclass(frozen=True)
class OfferRecord:
    """One validated offer, ready to be upserted by ``external_id``."""

    external_id: str
    source: str
    intitule: str
    code_rome: str
    code_ogr: int | None
    rome_from_title: bool
    title_score: float | None
    commune_insee: str
    contract_type: str
    weekly_hours: float
    start_date: date
    end_date: date | None
    open_positions: int
    company_name: str | None
    siret: str | None
    contract_ref: str | None
    lot_ref: str | None
    required_licences: tuple[str, ...]
    required_skills: tuple[int, ...]
    experience_years_required: float
    needs_qualification: bool
    has_nights: bool
    has_weekends: bool
    has_early_starts: bool
    line: int


OfferParseResult = ParseResult[OfferRecord]


@dataclass
class OfferDraft:
    """An offer row read, before its title is normalised."""

    values: dict[str, Any]
    line: int
    errors: list[RowError]


def finish_offers(
    drafts: list[OfferDraft],
    *,
    errors: list[RowError],
    identities: dict[int, tuple[str, str]],
    normalise_titles: TitleNormaliser,
    min_title_score: float,
    source: str,
    columns: Mapping[str, str],
) -> list[OfferRecord]:
    """Records of the drafts without error (their titles normalised when they name no code);
    ``columns`` names each field's column in the file, for the errors."""
    company_limit = column_length(Company.name)
    for draft in drafts:
        draft.errors.extend(stored_text_errors(draft.line, draft.values, OFFER_TEXTS, columns))
        if isinstance(draft.values.get("company_name"), str):
            draft.values["company_name"] = fit_text(draft.values["company_name"], company_limit)
    need = [d for d in drafts if not d.errors and d.values["code_rome"] is None]
    guesses = normalise_titles([d.values["intitule"] for d in need]) if need else []
    for draft, guess in zip(need, guesses, strict=True):
        if not guess.is_sure(min_title_score):
            draft.errors.append(
                RowError(
                    draft.line,
                    "intitule",
                    "vague_title" if guess.is_vague else "unrecognised_title",
                    unsure_title_message(draft.values["intitule"], guess),
                )
            )
            continue
        draft.values.update(
            code_rome=guess.code_rome,
            code_ogr=guess.code_ogr,
            rome_from_title=True,
            title_score=round(float(guess.score), 3),
        )
    seen: dict[str, int] = {}
    records: list[OfferRecord] = []
    for draft in drafts:
        ext = draft.values["external_id"]
        if ext and ext in seen and not draft.errors:
            draft.errors.append(
                RowError(
                    draft.line,
                    "reference",
                    "duplicate_id",
                    f"Référence « {ext} » déjà présente ligne {seen[ext]}.",
                )
            )
        if ext:
            seen.setdefault(ext, draft.line)
        if draft.errors:
            errors.extend(draft.errors)
            identities[draft.line] = (ext or "", str(draft.values.get("intitule") or ""))
            continue
        records.append(OfferRecord(source=source, line=draft.line, **draft.values))
    return records
