"""France Travail "Offres d'emploi v2" JSON → offer records."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from matching import columns as col
from matching.fields import OFFER_FIELDS
from matching.licences import parse_licence
from matching.referentials import CommuneIndex, RomeReferential
from matching.text import fold
from service.imports.common import (
    check_rome_codes,
    end_from_duration,
    parse_contract_type,
    parse_qualification,
    resolve_commune_field,
)
from service.imports.offer_records import OfferDraft, OfferParseResult, finish_offers
from service.imports.reading import (
    ImportLimits,
    ImportRejected,
    RowCollector,
    RowError,
    parse_date,
)
from service.referentials.titles import TitleNormaliser

_O = OFFER_FIELDS
_FT_HOURS = re.compile(r"(\d{1,2})\s*h\s*(\d{2})?", re.IGNORECASE)


_FT_DURATION = re.compile(r"(\d+)\s*(mois|jour|semaine|an)", re.IGNORECASE)


_FT_EXPERIENCE = re.compile(r"(\d+)\s*(an|mois)", re.IGNORECASE)


def _ft_offers(payload: Any) -> list[Any]:
    if isinstance(payload, dict) and isinstance(payload.get("resultats"), list):
        return list(payload["resultats"])
    if isinstance(payload, list):
        return payload
    raise ImportRejected(
        [
            RowError(
                None,
                None,
                "bad_json_shape",
                'Le JSON doit être une liste d\'offres ou un objet {"resultats": [...]} '
                "(format Offres d'emploi v2 de France Travail).",
            )
        ]
    )


def parse_france_travail(
    payload: Any,
    *,
    communes: CommuneIndex,
    rome: RomeReferential,
    normalise_titles: TitleNormaliser,
    limits: ImportLimits,
    min_title_score: float,
) -> OfferParseResult:
    offers = _ft_offers(payload)
    if not offers:
        raise ImportRejected(
            [RowError(None, None, "empty_file", "Le fichier ne contient aucune offre.")]
        )
    if len(offers) > limits.max_rows:
        raise ImportRejected(
            [
                RowError(
                    None,
                    None,
                    "too_many_rows",
                    f"Trop d'offres : la limite est de {limits.max_rows} par fichier.",
                )
            ]
        )
    drafts = [_read_ft_offer(o, i + 1, communes, rome) for i, o in enumerate(offers)]
    errors: list[RowError] = []
    records = finish_offers(
        drafts,
        errors=errors,
        normalise_titles=normalise_titles,
        min_title_score=min_title_score,
        source="france_travail",
    )
    errors.sort(key=lambda e: (e.line or 0, e.column or ""))
    return OfferParseResult(records, errors, [], "france_travail")


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _read_ft_offer(
    offer: Any, position: int, communes: CommuneIndex, rome: RomeReferential
) -> OfferDraft:
    row = RowCollector(position, [])
    if not isinstance(offer, dict):
        row.fail(None, "bad_offer", f"L'offre n° {position} n'est pas un objet JSON.")
        return OfferDraft({"external_id": ""}, position, row.errors)
    ext = str(offer.get("id") or "").strip()
    if not ext:
        row.fail("id", "missing_id", "Identifiant (id) de l'offre manquant.")
    title = _text(offer.get("intitule"))
    if not title:
        row.fail("intitule", "missing_title", "Intitulé manquant.")
    code_rome, code_ogr = check_rome_codes(row, rome, _text(offer.get("romeCode")), "")
    if code_rome is not None and _text(offer.get("appellationlibelle")):
        code_ogr = _appellation_by_label(rome, code_rome, _text(offer.get("appellationlibelle")))
    lieu: dict[str, Any] = (
        offer["lieuTravail"] if isinstance(offer.get("lieuTravail"), dict) else {}
    )
    commune_code = _text(lieu.get("commune"))
    postal = _text(lieu.get("codePostal"))
    label = _text(lieu.get("libelle"))
    if not commune_code and label:
        # "14 - ST ANDRE SUR ORNE" → "ST ANDRE SUR ORNE (14)"
        m = re.match(r"^(\d[\dAB])\s*-\s*(.+)$", label)
        commune_code = f"{m.group(2)} ({m.group(1)})" if m else label
    commune = resolve_commune_field(row, communes, commune_code, postal, "lieuTravail.commune")
    start: date | None = None
    try:
        start = parse_date(_text(offer.get("dateCreation")))
    except ValueError:
        row.fail(
            "dateCreation", "bad_start_date", "Date de création de l'offre manquante ou invalide."
        )
    contract = "AUTRE"
    try:
        contract = parse_contract_type(_text(offer.get("typeContrat")))
    except ValueError as exc:
        row.fail("typeContrat", "bad_contract_type", f"{str(exc)[0].upper()}{str(exc)[1:]}.")
    end: date | None = None
    m = _FT_DURATION.search(_text(offer.get("typeContratLibelle")))
    if m and start is not None and contract != "CDI":
        end = end_from_duration(start, f"{m.group(1)} {m.group(2).lower()}")
    hours = _O[col.WEEKLY_HOURS].default
    m = _FT_HOURS.search(_text(offer.get("dureeTravailLibelle")))
    if m:
        hours = int(m.group(1)) + int(m.group(2) or 0) / 60
    horaires = " ".join(
        str(h) for h in (offer.get("contexteTravail") or {}).get("horaires", []) or []
    )
    schedule = fold(horaires + " " + _text(offer.get("dureeTravailLibelle")))
    licences: list[str] = []
    for permis in offer.get("permis") or []:
        lab = _text(permis.get("libelle")) if isinstance(permis, dict) else _text(permis)
        if isinstance(permis, dict) and permis.get("exigence") == "S":
            continue  # wished for, not required
        code = parse_licence(lab)
        if code is None:
            row.fail("permis", "unknown_licence", f"Permis non reconnu : « {lab} ».")
        elif code not in licences:
            licences.append(code)
    known = set() if rome.skills is None else set(rome.skills["code_ogr"].tolist())
    skills = tuple(
        int(c["code"])
        for c in offer.get("competences") or []
        if isinstance(c, dict)
        and c.get("exigence") == "E"
        and str(c.get("code", "")).isdigit()
        and int(c["code"]) in known
    )
    experience = 0.0
    if offer.get("experienceExige") == "E":
        m = _FT_EXPERIENCE.search(_text(offer.get("experienceLibelle")))
        experience = 1.0
        if m:
            experience = int(m.group(1)) / (12 if m.group(2).lower().startswith("mois") else 1)
    positions = offer.get("nombrePostes") or _O[col.OPEN_POSITIONS].default
    if not isinstance(positions, int) or isinstance(positions, bool):
        row.fail(
            "nombrePostes", "bad_open_positions", f"Nombre de postes invalide : {positions!r}."
        )
        positions = _O[col.OPEN_POSITIONS].default
    for source, spec, value in (
        ("nombrePostes", _O[col.OPEN_POSITIONS], positions),
        ("dureeTravailLibelle", _O[col.WEEKLY_HOURS], hours),
        ("experienceLibelle", _O[col.EXPERIENCE_YEARS_REQUIRED], experience),
    ):
        if (problem := spec.problem(value)) is not None:
            row.fail(source, spec.error_code, problem)
    company: dict[str, Any] = (
        offer["entreprise"] if isinstance(offer.get("entreprise"), dict) else {}
    )
    return OfferDraft(
        {
            "external_id": ext,
            "intitule": title,
            "code_rome": code_rome,
            "code_ogr": code_ogr,
            "rome_from_title": False,
            "title_score": None,
            "commune_insee": commune,
            "contract_type": contract,
            "weekly_hours": float(hours),
            "start_date": start,
            "end_date": end,
            "open_positions": positions,
            "company_name": _text(company.get("nom")) or None,
            "siret": None,
            "contract_ref": None,
            "lot_ref": None,
            "required_licences": tuple(licences),
            "required_skills": tuple(dict.fromkeys(skills)),
            "experience_years_required": float(experience),
            "needs_qualification": _needs_qualification(offer),
            "has_nights": "nuit" in schedule,
            "has_weekends": any(w in schedule for w in ("samedi", "dimanche", "week end")),
            "has_early_starts": any(w in schedule for w in ("decale", "matin", "tot")),
        },
        position,
        row.errors,
    )


def _appellation_by_label(rome: RomeReferential, code_rome: str, label: str) -> int | None:
    apps = rome.appellations
    fid = rome.fiche_id(code_rome)
    same = apps[apps["fiche_id"] == fid]
    wanted = fold(label)
    for code, long, short in zip(
        same["code_ogr"], same["libelle"], same["libelle_court"], strict=True
    ):
        if fold(long) == wanted or fold(short) == wanted:
            return int(code)
    return None


def _needs_qualification(offer: dict[str, Any]) -> bool:
    """``qualificationCode`` (else ``qualificationLibelle``) read as at the CSV door; an offer
    that gives neither asks for a qualification (the declared default)."""
    for key in ("qualificationCode", "qualificationLibelle"):
        text = _text(offer.get(key))
        if text:
            try:
                return parse_qualification(text)
            except ValueError:
                continue
    default: bool = _O[col.NEEDS_QUALIFICATION].default
    return default
