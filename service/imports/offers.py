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
  ``qualification``       ``oui`` / ``non`` (``sans qualification``), or a France     no (oui)
                          Travail level (``Employé non qualifié``, ``Ouvrier
                          qualifié (P1,P2)``…): with no experience required
                          either, a job open to people without a related trade
  ``travail de nuit``, ``travail le week-end``, ``horaires décalés``  oui / non       no
  ======================  =========================================================  ==========

* **JSON** in the France Travail "Offres d'emploi v2" format: a list of offers or
  ``{"resultats": [...]}``. Read: ``id``, ``intitule``, ``romeCode``, ``appellationlibelle``,
  ``lieuTravail.commune`` (else ``codePostal``, else ``libelle``), ``typeContrat``,
  ``typeContratLibelle`` (duration), ``dureeTravailLibelle`` (hours), ``contexteTravail.horaires``
  (nights, weekends), ``permis``, ``competences`` (required ones, ``exigence`` = ``E``),
  ``nombrePostes``, ``experienceExige`` / ``experienceLibelle``, ``qualificationCode``,
  ``entreprise.nom``,
  ``dateCreation`` (taken as the start date: France Travail offers start as soon as possible).
"""

from __future__ import annotations

from collections.abc import Mapping

from matching import columns as col
from matching.fields import OFFER_FIELDS
from matching.licences import parse_licences
from matching.referentials import CommuneIndex, RomeReferential
from service.imports.common import (
    check_rome_codes,
    end_from_duration,
    parse_contract_type,
    parse_qualification,
    parse_skills,
    resolve_commune_field,
    with_original_columns,
)
from service.imports.france_travail import parse_france_travail
from service.imports.offer_records import OfferDraft, OfferParseResult, finish_offers
from service.imports.reading import (
    ImportLimits,
    RowCollector,
    checked,
    decode,
    map_columns,
    parse_bool,
    parse_date,
    parse_float,
    parse_int,
    read_csv_table,
    read_json,
)
from service.procurement.siret import is_valid_siret
from service.referentials.titles import TitleNormaliser

__all__ = [
    "MIN_TITLE_SCORE",
    "OFFER_COLUMNS",
    "OfferParseResult",
    "is_valid_siret",
    "parse_contract_type",
    "parse_offers",
]


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
    "qualification": (
        "qualification",
        "qualification_exigee",
        "qualification_requise",
        "niveau_de_qualification",
    ),
    "nights": ("travail_de_nuit", "nuit", "nuits"),
    "weekends": ("travail_le_week_end", "week_end", "weekend", "week_ends"),
    "early": ("horaires_decales", "debut_matinal", "travail_tot", "horaires_matinaux"),
}
_O = OFFER_FIELDS
_REQUIRED = ("external_id", "intitule", "start_date")
# Below this, a title read without a ROME code is refused (the file must give the code).
MIN_TITLE_SCORE = 0.3


def parse_offers(
    data: bytes,
    *,
    filename: str,
    communes: CommuneIndex,
    rome: RomeReferential,
    normalise_titles: TitleNormaliser,
    limits: ImportLimits | None = None,
    min_title_score: float = MIN_TITLE_SCORE,
) -> OfferParseResult:
    """Read and validate a whole offer file (CSV, or France Travail JSON).

    Raises :class:`ImportRejected` when the file cannot be read at all; otherwise returns every
    valid record and every row error (a caller applies the records only when there is none).
    """
    lim = limits or ImportLimits()
    text = decode(data, limits=lim)
    stripped = text.lstrip()
    if filename.lower().endswith(".json") or stripped.startswith(("[", "{")):
        return parse_france_travail(
            read_json(text, limits=lim),
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
    drafts: list[OfferDraft] = []
    for values, line in zip(table.rows, table.lines, strict=True):
        drafts.append(_read_csv_row(values, line, cols, communes, rome))
    errors = list(table.errors)
    identities: dict[int, tuple[str, str]] = {}
    records = finish_offers(
        drafts,
        errors=errors,
        identities=identities,
        normalise_titles=normalise_titles,
        min_title_score=min_title_score,
        source="csv",
        columns=cols,
    )
    return OfferParseResult(
        records, with_original_columns(errors, table), warnings, "csv", identities
    )


def _read_csv_row(
    values: dict[str, str],
    line: int,
    cols: dict[str, str],
    communes: CommuneIndex,
    rome: RomeReferential,
) -> OfferDraft:
    row = RowCollector(line, [], values, cols)
    get, typed = row.get, row.typed

    ext = get("external_id")
    if not ext:
        row.fail(cols["external_id"], "missing_id", "Référence de l'offre manquante.")
    title = get("intitule")
    if not title:
        row.fail(cols["intitule"], "missing_title", "Intitulé manquant.")
    code_rome, code_ogr = check_rome_codes(row, rome, get("code_rome"), get("code_ogr"))
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
    hours = typed("weekly_hours", parse_float, _O[col.WEEKLY_HOURS].default)
    checked(row, "weekly_hours", _O[col.WEEKLY_HOURS], hours)
    positions = typed("open_positions", parse_int, _O[col.OPEN_POSITIONS].default)
    checked(row, "open_positions", _O[col.OPEN_POSITIONS], positions)
    experience = typed("experience", parse_float, _O[col.EXPERIENCE_YEARS_REQUIRED].default)
    checked(row, "experience", _O[col.EXPERIENCE_YEARS_REQUIRED], experience)
    needs_qualification = typed(
        "qualification", parse_qualification, _O[col.NEEDS_QUALIFICATION].default
    )
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
    skills = parse_skills(row, get("skills"), rome, cols.get("skills", "competences"))
    flags = {f: typed(f, parse_bool, False) for f in ("nights", "weekends", "early")}
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
            "needs_qualification": needs_qualification,
            "has_nights": flags["nights"],
            "has_weekends": flags["weekends"],
            "has_early_starts": flags["early"],
        },
        line,
        row.errors,
    )


# --------------------------------------------------------------------------- France Travail
