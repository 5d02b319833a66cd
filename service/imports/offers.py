"""Offer files → validated offer records (no database here).

Two formats:

* **CSV** as Orne emploi or a facilitator exports it, ``;`` or ``,`` separated, UTF-8 (with or
  without BOM) or Windows-1252, dates ``JJ/MM/AAAA`` or ISO. Accepted columns (header case,
  accents and spaces do not matter; aliases in :data:`OFFER_COLUMNS`):

  ======================  =========================================================  ==========
  column                  content                                                    required
  ======================  =========================================================  ==========
  ``référence``           the offer's reference on the platform (the upsert key)     yes
  ``intitulé``            the job title as published                                 yes
  ``code ROME``           fiche code (``F1703``); when absent, read from the title   no
  ``code OGR``            appellation code                                           no
  ``commune``             INSEE code or name (``Alençon``, ``Alençon (61)``)         one of the
  ``code postal``         postal code (with ``commune`` it disambiguates a name)     two
  ``type de contrat``     CDI, CDD, intérim/MIS, CDDI, contrat pro, apprentissage     no
  ``durée hebdomadaire``  hours per week (``35``, ``24,5``, ``35h``)                  no (35)
  ``date de début``       ``JJ/MM/AAAA`` or ``AAAA-MM-JJ``                            yes
  ``durée``               ``6 mois``, ``12 semaines``, ``30 jours`` or a number of months  no
  ``date de fin``         instead of ``durée``                                        no
  ``nombre de postes``    1 by default                                                no
  ``entreprise``          company name                                                no
  ``SIRET``               14 digits, checked                                          no
  ``référence du marché`` the public contract                                         no
  ``lot``                 the lot reference within the contract                       no
  ``permis requis``       ``B``, ``C, CACES R489 cat 3``…                             no
  ``compétences``         ROME skill codes separated by ``|``                         no
  ``expérience requise``  years                                                       no (0)
  ``travail de nuit``, ``travail le week-end``, ``horaires décalés``  oui / non       no
  ======================  =========================================================  ==========

* **JSON** in the France Travail "Offres d'emploi v2" format: a list of offers or
  ``{"resultats": [...]}``. Read: ``id``, ``intitule``, ``romeCode``, ``appellationlibelle``,
  ``lieuTravail.commune`` (else ``codePostal``, else ``libelle``), ``typeContrat``,
  ``typeContratLibelle`` (duration), ``dureeTravailLibelle`` (hours), ``contexteTravail.horaires``
  (nights, weekends), ``permis``, ``competences`` (required ones, ``exigence`` = ``E``),
  ``nombrePostes``, ``experienceExige`` / ``experienceLibelle``, ``entreprise.nom``,
  ``dateCreation`` (taken as the start date: France Travail offers start as soon as possible).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from matching.licences import parse_licence, parse_licences
from matching.referentials import CommuneIndex, CommuneMatch, RomeReferential
from matching.text import fold
from service.imports.reading import (
    CsvTable,
    ImportLimits,
    ImportRejected,
    RowCollector,
    RowError,
    decode,
    map_columns,
    parse_bool,
    parse_date,
    parse_float,
    parse_int,
    read_csv_table,
    read_json,
)

__all__ = [
    "OFFER_COLUMNS",
    "OfferParseResult",
    "OfferRecord",
    "TitleGuess",
    "is_valid_siret",
    "parse_contract_type",
    "parse_offers",
]


@dataclass(frozen=True)
class TitleGuess:
    """What the title normaliser proposes for a title."""

    code_rome: str | None
    code_ogr: int | None
    score: float


TitleNormaliser = Callable[[Sequence[str]], Sequence[TitleGuess]]


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
    has_nights: bool
    has_weekends: bool
    has_early_starts: bool
    line: int


@dataclass(frozen=True)
class OfferParseResult:
    records: list[OfferRecord]
    errors: list[RowError]
    warnings: list[str] = field(default_factory=list)
    format: str = "csv"

    @property
    def ok(self) -> bool:
        return not self.errors


# Normalised header → field; the first alias of each field is the documented one.
OFFER_COLUMNS: Mapping[str, tuple[str, ...]] = {
    "external_id": (
        "reference",
        "reference_offre",
        "reference_de_l_offre",
        "ref",
        "id",
        "identifiant",
        "numero_offre",
        "n_offre",
    ),
    "intitule": ("intitule", "intitule_du_poste", "intitule_offre", "titre", "poste"),
    "code_rome": ("code_rome", "rome", "code_rome_4"),
    "code_ogr": ("code_ogr", "code_appellation", "ogr"),
    "commune": (
        "commune",
        "code_insee",
        "code_commune",
        "ville",
        "lieu",
        "lieu_de_travail",
        "commune_du_chantier",
        "lieu_de_travail_commune",
    ),
    "code_postal": ("code_postal", "cp"),
    "contract_type": ("type_de_contrat", "type_contrat", "contrat", "nature_du_contrat"),
    "weekly_hours": (
        "duree_hebdomadaire",
        "heures_hebdomadaires",
        "heures_par_semaine",
        "duree_hebdo",
        "temps_de_travail",
        "heures",
    ),
    "start_date": ("date_de_debut", "date_debut", "debut", "date_de_demarrage"),
    "duration": ("duree", "duree_du_contrat", "duree_contrat", "duree_de_la_mission"),
    "end_date": ("date_de_fin", "date_fin", "fin"),
    "open_positions": ("nombre_de_postes", "nb_postes", "postes", "nombre_postes"),
    "company_name": ("entreprise", "raison_sociale", "employeur", "nom_entreprise"),
    "siret": ("siret", "n_siret", "numero_siret"),
    "contract_ref": ("reference_du_marche", "reference_marche", "marche", "ref_marche"),
    "lot_ref": ("lot", "reference_du_lot", "reference_lot", "numero_de_lot", "ref_lot"),
    "licences": (
        "permis_requis",
        "permis",
        "habilitations",
        "permis_et_habilitations",
        "certificats",
        "permis_caces",
    ),
    "skills": ("competences", "codes_competences", "competences_requises"),
    "experience": ("experience_requise", "experience", "annees_d_experience"),
    "nights": ("travail_de_nuit", "nuit", "nuits"),
    "weekends": ("travail_le_week_end", "week_end", "weekend", "week_ends"),
    "early": ("horaires_decales", "debut_matinal", "travail_tot", "horaires_matinaux"),
}
_REQUIRED = ("external_id", "intitule", "start_date")


def is_valid_siret(siret: str) -> bool:
    """14 digits passing the Luhn check; La Poste's establishments may use a digit sum instead."""
    if not re.fullmatch(r"\d{14}", siret):
        return False
    total = 0
    for i, char in enumerate(reversed(siret)):
        digit = int(char)
        if i % 2 == 1:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    if total % 10 == 0:
        return True
    return siret.startswith(_LA_POSTE_SIREN) and sum(int(c) for c in siret) % 5 == 0


_LA_POSTE_SIREN = "356000000"


_CONTRACTS = {
    "cdi": "CDI",
    "cdd": "CDD",
    "mis": "INTERIM",
    "interim": "INTERIM",
    "travail temporaire": "INTERIM",
    "mission d interim": "INTERIM",
    "sai": "CDD",
    "saisonnier": "CDD",
    "cddi": "CDDI",
    "pro": "PRO",
    "contrat pro": "PRO",
    "contrat de professionnalisation": "PRO",
    "professionnalisation": "PRO",
    "apprentissage": "APPRENTISSAGE",
    "contrat d apprentissage": "APPRENTISSAGE",
    "lib": "AUTRE",
    "fra": "AUTRE",
    "autre": "AUTRE",
}


def parse_contract_type(value: str) -> str:
    """``CDI``, ``CDD``, ``Intérim``/``MIS``, ``CDDI``… → a code of ``CONTRACT_TYPES``."""
    v = fold(value)
    if not v:
        return "AUTRE"
    if v in _CONTRACTS:
        return _CONTRACTS[v]
    head = v.split(" ")[0]
    if head in _CONTRACTS:
        return _CONTRACTS[head]
    raise ValueError(
        f"« {value} » n'est pas un type de contrat connu (CDI, CDD, intérim, CDDI, contrat pro, "
        "apprentissage)"
    )


_DURATION = re.compile(r"^(\d+(?:[.,]\d+)?)\s*(mois|semaines?|sem|jours?|j|ans?)?$")


def _add_months(start: date, months: int) -> date:
    y, m = divmod(start.month - 1 + months, 12)
    year, month = start.year + y, m + 1
    day = min(
        start.day,
        [
            31,
            29 if year % 4 == 0 and (year % 100 or year % 400 == 0) else 28,
            31,
            30,
            31,
            30,
            31,
            31,
            30,
            31,
            30,
            31,
        ][month - 1],
    )
    return date(year, month, day)


def end_from_duration(start: date, text: str) -> date | None:
    """End date (inclusive) of a contract of ``text`` duration starting on ``start``."""
    v = fold(text)
    if not v or v in {"cdi", "indeterminee", "duree indeterminee"}:
        return None
    m = _DURATION.match(v)
    if not m:
        raise ValueError(
            f"« {text} » n'est pas une durée (par exemple « 6 mois », « 12 semaines »)"
        )
    n = float(m.group(1).replace(",", "."))
    unit = m.group(2) or "mois"
    if n <= 0:
        raise ValueError(f"la durée « {text} » doit être positive")
    if unit.startswith("mois"):
        return _add_months(start, round(n)) - timedelta(days=1)
    if unit.startswith(("sem",)):
        return start + timedelta(days=round(7 * n) - 1)
    if unit.startswith("an"):
        return _add_months(start, round(12 * n)) - timedelta(days=1)
    return start + timedelta(days=round(n) - 1)


def with_original_columns(errors: list[RowError], table: CsvTable) -> list[RowError]:
    """Name columns in errors as the file's header spells them, sorted by line."""
    display = dict(zip(table.headers, table.original_headers, strict=True))
    out = [
        RowError(e.line, display.get(e.column, e.column) if e.column else None, e.code, e.message)
        for e in errors
    ]
    return sorted(out, key=lambda e: (e.line or 0, e.column or ""))


def resolve_commune_field(
    row: RowCollector,
    communes: CommuneIndex,
    commune: str,
    postal: str,
    column: str,
    *,
    home_departement: str = "61",
) -> str | None:
    """Resolve a commune given as INSEE code, name and/or postal code; errors go to ``row``.

    A name found in several départements is taken in ``home_departement`` when exactly one
    match lies there (``Flers`` is Flers in the Orne); otherwise the row is refused with the
    candidates listed.
    """
    if not commune and not postal:
        row.fail(column, "missing_commune", "Commune du lieu de travail manquante.")
        return None
    if commune:
        hits = _resolve(communes, commune)
        if postal and len(hits) != 1:
            in_cp = {m.commune_id for m in communes.by_postal(postal)}
            hits = [h for h in hits if h.commune_id in in_cp] or hits
        if not hits and postal:
            hits = _resolve(communes, f"{postal} {commune}")
    else:
        hits = communes.by_postal(postal)
    if not hits:
        row.fail(column, "unknown_commune", f"Commune inconnue : « {commune or postal} ».")
        return None
    if len(hits) > 1 and hits[0].code_insee == commune.strip():
        # The column holds an INSEE code (documented): one that is also some postal code
        # (61230) is that commune, not an ambiguity.
        hits = hits[:1]
    if len(hits) > 1:
        local = [h for h in hits if h.departement == home_departement]
        if len(local) == 1:
            hits = local
    if len(hits) > 1:
        choices = ", ".join(f"{h.nom} ({h.code_insee})" for h in hits[:6])
        row.fail(
            column,
            "ambiguous_commune",
            f"Commune ambiguë « {commune or postal} » : {choices}. Indiquez le code INSEE ou "
            "le code postal.",
        )
        return None
    return hits[0].code_insee


# Per referential object (identity checked): building these per row cost seconds on 10,000 rows.
_SKILLS: dict[int, tuple[RomeReferential, frozenset[int]]] = {}
_RESOLVED: dict[tuple[int, str], tuple[CommuneIndex, list[CommuneMatch]]] = {}


def known_skill_codes(rome: RomeReferential) -> frozenset[int]:
    """The ROME skill codes of ``rome`` (empty when it has no skills), computed once."""
    hit = _SKILLS.get(id(rome))
    if hit is not None and hit[0] is rome:
        return hit[1]
    codes = frozenset() if rome.skills is None else frozenset(rome.skills["code_ogr"].tolist())
    _SKILLS[id(rome)] = (rome, codes)
    return codes


def _resolve(communes: CommuneIndex, value: str) -> list[CommuneMatch]:
    """``communes.resolve(value)``, remembered: a file names the same communes again and again."""
    key = (id(communes), value)
    hit = _RESOLVED.get(key)
    if hit is not None and hit[0] is communes:
        return list(hit[1])
    found = list(communes.resolve(value))
    if len(_RESOLVED) > 100_000:
        _RESOLVED.clear()
    _RESOLVED[key] = (communes, found)
    return list(found)


def _parse_skills(
    row: RowCollector, text: str, rome: RomeReferential, column: str
) -> tuple[int, ...]:
    if not text:
        return ()
    known = known_skill_codes(rome)
    out: list[int] = []
    for part in re.split(r"[|,;\s]+", text.strip()):
        if not part:
            continue
        if not part.isdigit() or (known and int(part) not in known):
            row.fail(column, "unknown_skill", f"Code de compétence ROME inconnu : « {part} ».")
            continue
        out.append(int(part))
    return tuple(dict.fromkeys(out))


def _check_rome(
    row: RowCollector, rome: RomeReferential, code_rome: str, code_ogr: str
) -> tuple[str | None, int | None]:
    fiche: str | None = None
    ogr: int | None = None
    if code_rome:
        if rome.has_fiche(code_rome):
            fiche = code_rome.strip().upper()
        else:
            row.fail("code_rome", "unknown_rome", f"Code ROME inconnu : « {code_rome} ».")
    if code_ogr:
        if rome.has_appellation(code_ogr):
            info = rome.appellation(code_ogr)
            ogr = int(code_ogr)
            if fiche is not None and info["code_rome"] != fiche:
                row.fail(
                    "code_ogr",
                    "inconsistent_rome",
                    f"L'appellation {code_ogr} relève de la fiche {info['code_rome']}, "
                    f"pas de {fiche}.",
                )
            fiche = fiche or str(info["code_rome"])
        else:
            row.fail(
                "code_ogr", "unknown_ogr", f"Code d'appellation ROME inconnu : « {code_ogr} »."
            )
    return fiche, ogr


def parse_offers(
    data: bytes,
    *,
    filename: str,
    communes: CommuneIndex,
    rome: RomeReferential,
    normalise_titles: TitleNormaliser,
    limits: ImportLimits | None = None,
    min_title_score: float = 0.3,
) -> OfferParseResult:
    """Read and validate a whole offer file (CSV, or France Travail JSON).

    Raises :class:`ImportRejected` when the file cannot be read at all; otherwise returns every
    valid record and every row error (a caller applies the records only when there is none).
    """
    lim = limits or ImportLimits()
    text = decode(data, limits=lim)
    stripped = text.lstrip()
    if filename.lower().endswith(".json") or stripped.startswith(("[", "{")):
        return _parse_france_travail(
            read_json(text),
            communes=communes,
            rome=rome,
            normalise_titles=normalise_titles,
            limits=lim,
            min_title_score=min_title_score,
        )
    return _parse_csv(
        text,
        communes=communes,
        rome=rome,
        normalise_titles=normalise_titles,
        limits=lim,
        min_title_score=min_title_score,
    )


@dataclass
class _Draft:
    """An offer row read, before its title is normalised."""

    values: dict[str, Any]
    line: int
    errors: list[RowError]


def _finish(
    drafts: list[_Draft],
    *,
    errors: list[RowError],
    normalise_titles: TitleNormaliser,
    min_title_score: float,
    source: str,
) -> list[OfferRecord]:
    need = [d for d in drafts if not d.errors and d.values["code_rome"] is None]
    guesses = normalise_titles([d.values["intitule"] for d in need]) if need else []
    for draft, guess in zip(need, guesses, strict=True):
        if guess.code_rome is None or guess.score < min_title_score:
            draft.errors.append(
                RowError(
                    draft.line,
                    "intitule",
                    "unrecognised_title",
                    f"Métier non reconnu dans l'intitulé « {draft.values['intitule']} » : "
                    "ajoutez le code ROME de l'offre.",
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
            continue
        records.append(OfferRecord(source=source, line=draft.line, **draft.values))
    return records


def _parse_csv(
    text: str,
    *,
    communes: CommuneIndex,
    rome: RomeReferential,
    normalise_titles: TitleNormaliser,
    limits: ImportLimits,
    min_title_score: float,
) -> OfferParseResult:
    table = read_csv_table(text, limits=limits)
    cols, warnings = map_columns(
        table, OFFER_COLUMNS, required=_REQUIRED, one_of=[("commune", "code_postal")]
    )
    drafts: list[_Draft] = []
    for values, line in zip(table.rows, table.lines, strict=True):
        drafts.append(_read_csv_row(values, line, cols, communes, rome))
    errors = list(table.errors)
    records = _finish(
        drafts,
        errors=errors,
        normalise_titles=normalise_titles,
        min_title_score=min_title_score,
        source="csv",
    )
    return OfferParseResult(records, with_original_columns(errors, table), warnings, "csv")


def _read_csv_row(
    values: dict[str, str],
    line: int,
    cols: dict[str, str],
    communes: CommuneIndex,
    rome: RomeReferential,
) -> _Draft:
    row = RowCollector(line, [], values, cols)
    get, typed = row.get, row.typed

    ext = get("external_id")
    if not ext:
        row.fail(cols["external_id"], "missing_id", "Référence de l'offre manquante.")
    title = get("intitule")
    if not title:
        row.fail(cols["intitule"], "missing_title", "Intitulé manquant.")
    code_rome, code_ogr = _check_rome(row, rome, get("code_rome"), get("code_ogr"))
    commune = resolve_commune_field(
        row, communes, get("commune"), get("code_postal"), cols.get("commune", "code_postal")
    )
    start = typed("start_date", parse_date, None)
    if start is None and get("start_date") == "":
        row.fail(cols["start_date"], "missing_start_date", "Date de début manquante.")
    end = typed("end_date", parse_date, None)
    if end is None and start is not None and get("duration"):
        try:
            end = end_from_duration(start, get("duration"))
        except ValueError as exc:
            row.fail(cols["duration"], "bad_duration", f"{str(exc)[0].upper()}{str(exc)[1:]}.")
    if start is not None and end is not None and end < start:
        row.fail(
            cols.get("end_date", cols.get("duration")),
            "dates_out_of_order",
            f"La date de fin ({end:%d/%m/%Y}) précède la date de début ({start:%d/%m/%Y}).",
        )
    hours = typed("weekly_hours", parse_float, 35.0)
    if not 1 <= hours <= 48:
        row.fail(
            cols.get("weekly_hours"),
            "bad_weekly_hours",
            f"Durée hebdomadaire impossible : {hours:g} h (entre 1 et 48 h).",
        )
    positions = typed("open_positions", parse_int, 1)
    if not 1 <= positions <= 500:
        row.fail(
            cols.get("open_positions"),
            "bad_open_positions",
            f"Nombre de postes impossible : {positions}.",
        )
    experience = typed("experience", parse_float, 0.0)
    if experience < 0 or experience > 40:
        row.fail(cols.get("experience"), "bad_experience", "Expérience requise impossible.")
    contract = typed("contract_type", parse_contract_type, "AUTRE")
    siret = get("siret").replace(" ", "") or None
    if siret is not None and not is_valid_siret(siret):
        row.fail(cols["siret"], "bad_siret", f"SIRET invalide : « {get('siret')} ».")
    licences: tuple[str, ...] = ()
    if get("licences"):
        licences, unknown = parse_licences(get("licences"))
        if unknown:
            row.fail(
                cols["licences"],
                "unknown_licence",
                f"Permis ou habilitation non reconnu : {', '.join(unknown)}.",
            )
    skills = _parse_skills(row, get("skills"), rome, cols.get("skills", "competences"))
    flags = {f: typed(f, parse_bool, False) for f in ("nights", "weekends", "early")}
    return _Draft(
        {
            "external_id": ext,
            "intitule": title,
            "code_rome": code_rome,
            "code_ogr": code_ogr,
            "rome_from_title": False,
            "title_score": None,
            "commune_insee": commune,
            "contract_type": contract,
            "weekly_hours": hours,
            "start_date": start,
            "end_date": end,
            "open_positions": positions,
            "company_name": get("company_name") or None,
            "siret": siret,
            "contract_ref": get("contract_ref") or None,
            "lot_ref": get("lot_ref") or None,
            "required_licences": licences,
            "required_skills": skills,
            "experience_years_required": experience,
            "has_nights": flags["nights"],
            "has_weekends": flags["weekends"],
            "has_early_starts": flags["early"],
        },
        line,
        row.errors,
    )


# --------------------------------------------------------------------------- France Travail

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


def _parse_france_travail(
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
    records = _finish(
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
) -> _Draft:
    row = RowCollector(position, [])
    if not isinstance(offer, dict):
        row.fail(None, "bad_offer", f"L'offre n° {position} n'est pas un objet JSON.")
        return _Draft({"external_id": ""}, position, row.errors)
    ext = str(offer.get("id") or "").strip()
    if not ext:
        row.fail("id", "missing_id", "Identifiant (id) de l'offre manquant.")
    title = _text(offer.get("intitule"))
    if not title:
        row.fail("intitule", "missing_title", "Intitulé manquant.")
    code_rome, code_ogr = _check_rome(row, rome, _text(offer.get("romeCode")), "")
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
    hours = 35.0
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
    positions = offer.get("nombrePostes") or 1
    if not isinstance(positions, int) or positions < 1:
        row.fail(
            "nombrePostes", "bad_open_positions", f"Nombre de postes invalide : {positions!r}."
        )
        positions = 1
    company: dict[str, Any] = (
        offer["entreprise"] if isinstance(offer.get("entreprise"), dict) else {}
    )
    return _Draft(
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
