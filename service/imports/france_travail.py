"""France Travail "Offres d'emploi v2" JSON → offer records.

Codes are read through :mod:`service.imports.france_travail_codes`. An offer is refused only for
what the engine cannot do without (no id, title, commune, start date or ROME job; hours or
positions out of bounds); a code it does not know is kept as "autre" or the field's default, with
a warning that names the offer and the code.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any, Final

from matching import columns as col
from matching.fields import OFFER_FIELDS
from matching.licences import parse_licence
from matching.referentials import CommuneIndex, RomeReferential
from matching.text import fold
from service.imports.common import (
    check_rome_codes,
    end_from_duration,
    known_skill_codes,
    parse_qualification,
    resolve_commune_field,
)
from service.imports.france_travail_codes import (
    CONTRACT_TYPES,
    DEPLACEMENTS,
    EXPERIENCE,
    QUALIFICATIONS,
    WORK_TIME,
    licence_of,
    nature_of,
    schedule_flags,
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
# "35H/semaine", "Temps partiel - 24H30/semaine", "151H67/mois".
_FT_HOURS = re.compile(r"(\d{1,3})\s*h\s*(\d{2})?(\s*/\s*mois)?", re.IGNORECASE)
_WEEKS_PER_MONTH = 52 / 12


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


# Where an offer's stored texts come from in the API's format (named in row errors).
_FT_COLUMNS: Final = {"external_id": "id", "intitule": "intitule"}


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
    warnings: list[str] = []
    drafts = [_read_ft_offer(o, i + 1, communes, rome, warnings) for i, o in enumerate(offers)]
    errors: list[RowError] = []
    identities: dict[int, tuple[str, str]] = {}
    records = finish_offers(
        drafts,
        errors=errors,
        identities=identities,
        normalise_titles=normalise_titles,
        min_title_score=min_title_score,
        source="france_travail",
        columns=_FT_COLUMNS,
    )
    errors.sort(key=lambda e: (e.line or 0, e.column or ""))
    return OfferParseResult(records, errors, warnings, "france_travail", identities)


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


class _Offer:
    """One API offer being read: its errors (refusals) and warnings (kept, said)."""

    def __init__(self, position: int, ext: str, warnings: list[str]) -> None:
        self.row = RowCollector(position, [])
        self.name = f"Offre {ext}" if ext else f"Offre n° {position}"
        self._warnings = warnings

    def warn(self, message: str) -> None:
        self._warnings.append(f"{self.name} : {message}")


def _contract(offer: dict[str, Any], it: _Offer) -> str:
    """The engine's contract type: ``typeContrat``, refined by ``natureContrat``."""
    code = _text(offer.get("typeContrat")).upper()
    known = CONTRACT_TYPES.get(code)
    contract = "AUTRE"
    if known is not None:
        contract = known.contract_type
    elif code:
        it.warn(f"type de contrat « {code} » inconnu, retenu comme « autre contrat ».")
    nature_text = _text(offer.get("natureContrat"))
    nature = nature_of(nature_text) if nature_text else None
    if nature_text and nature is None:
        it.warn(f"nature de contrat « {nature_text} » inconnue : le type de contrat décide.")
    # An IAE offer is a CDDI when it is a fixed-term contract; an ETTI mission stays an
    # interim mission.
    if (
        nature is not None
        and nature.contract_type is not None
        and (nature.contract_type != "CDDI" or contract in ("CDD", "CDDI"))
    ):
        contract = nature.contract_type
    return contract


def _weekly_hours(offer: dict[str, Any], it: _Offer) -> float:
    text = _text(offer.get("dureeTravailLibelle"))
    m = _FT_HOURS.search(text)
    if m:
        if m.group(3):  # monthly hours are written with hundredths: 151H67 = 151.67 h
            return (int(m.group(1)) + int(m.group(2) or 0) / 100) / _WEEKS_PER_MONTH
        return int(m.group(1)) + int(m.group(2) or 0) / 60
    converted = _text(offer.get("dureeTravailLibelleConverti"))
    work_time = WORK_TIME.get(fold(converted))
    if work_time is not None:
        if work_time[1] != _O[col.WEEKLY_HOURS].default:
            it.warn(f"{work_time[0]} sans durée hebdomadaire : {work_time[1]:g} h retenues.")
        return work_time[1]
    default = float(_O[col.WEEKLY_HOURS].default)
    if converted:
        it.warn(f"durée du travail « {converted} » inconnue : {default:g} h retenues.")
    return default


def _licences(offer: dict[str, Any], it: _Offer) -> list[str]:
    licences: list[str] = []
    for permis in offer.get("permis") or []:
        lab = _text(permis.get("libelle")) if isinstance(permis, dict) else _text(permis)
        if not lab or (isinstance(permis, dict) and permis.get("exigence") == "S"):
            continue  # wished for, not required
        known = licence_of(lab)
        code = known.code if known is not None else parse_licence(lab)
        if known is None and code is None:
            it.warn(f"permis « {lab} » inconnu : non vérifié par le classement.")
            continue
        if known is not None and known.unchecked:
            it.warn(f"{known.label} demandé : {known.unchecked} (à vérifier).")
        if code is not None and code not in licences:
            licences.append(code)
    return licences


def _experience_years(offer: dict[str, Any], it: _Offer) -> float:
    code = _text(offer.get("experienceExige")).upper()
    if code and code not in EXPERIENCE:
        it.warn(f"code d'expérience « {code} » inconnu : aucune expérience exigée retenue.")
    if code != "E":
        return 0.0
    text = _text(offer.get("experienceLibelle"))
    m = _FT_EXPERIENCE.search(text)
    if m is None:
        it.warn(f"expérience exigée « {text} » illisible : 1 an retenu.")
        return 1.0
    return int(m.group(1)) / (12 if m.group(2).lower().startswith("mois") else 1)


def _check_labels(offer: dict[str, Any], it: _Offer) -> None:
    """Codes the engine does not read: known ones pass, unknown ones are said."""
    for field, table, what in (
        ("qualificationCode", QUALIFICATIONS, "qualification"),
        ("deplacementCode", DEPLACEMENTS, "déplacements"),
    ):
        value = offer.get(field)
        code = str(value).strip() if isinstance(value, str | int) else ""
        if code and code not in table:
            it.warn(f"code de {what} « {code} » inconnu (sans effet sur le classement).")


def _read_ft_offer(
    offer: Any,
    position: int,
    communes: CommuneIndex,
    rome: RomeReferential,
    warnings: list[str],
) -> OfferDraft:
    if not isinstance(offer, dict):
        it = _Offer(position, "", warnings)
        it.row.fail(None, "bad_offer", f"L'offre n° {position} n'est pas un objet JSON.")
        return OfferDraft({"external_id": ""}, position, it.row.errors)
    ext = str(offer.get("id") or "").strip()
    it = _Offer(position, ext, warnings)
    row = it.row
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
    contract = _contract(offer, it)
    end: date | None = None
    m = _FT_DURATION.search(_text(offer.get("typeContratLibelle")))
    if m and start is not None and contract != "CDI":
        end = end_from_duration(start, f"{m.group(1)} {m.group(2).lower()}")
    hours = _weekly_hours(offer, it)
    context = offer.get("contexteTravail")
    horaires = context.get("horaires") if isinstance(context, dict) else None
    schedule = " ".join(str(h) for h in horaires or [] if isinstance(h, str))
    nights, weekends, early = schedule_flags(
        schedule + " " + _text(offer.get("dureeTravailLibelle"))
    )
    licences = _licences(offer, it)
    known = known_skill_codes(rome)
    skills = tuple(
        int(c["code"])
        for c in offer.get("competences") or []
        if isinstance(c, dict)
        and c.get("exigence") == "E"
        and str(c.get("code", "")).isdigit()
        and int(c["code"]) in known
    )
    experience = _experience_years(offer, it)
    _check_labels(offer, it)
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
            "weekly_hours": round(float(hours), 2),
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
            "has_nights": nights,
            "has_weekends": weekends,
            "has_early_starts": early,
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
