"""Seeded, documented synthetic data: a pool of candidates and the clause offers they may fill.

Everything here is invented. The generator exists so that the engine, the service and the
benchmarks have realistic inputs before any real data is imported, and so that every run with
the same seed gives the same tables. It is pure: communes, the ROME referential, sizes, the
random generator and the reference date all come in as arguments, and only :func:`write_demo` /
:func:`read_demo` touch files, in the directory they are given.

Assumptions (also in ``fixtures/demo/README.md``; figures are deliberate round numbers, chosen to
look like an Orne RSA coaching caseload and the clause offers of its public buyers, not measured):

Candidates
    * Placed in the requested départements' communes with probability proportional to the
      commune's population.
    * 1, 2 or 3 target jobs (probabilities 0.50 / 0.35 / 0.15). The first is drawn from
      :data:`TRADES` with the candidate weights (building and cleaning weigh most); each further
      job stays in the same trade sector with probability 0.7. Within a fiche the appellation is
      drawn among the fiche's common appellations (``is_rare`` false; supervisory, engineering,
      military titles left out), the fiche's principal appellation weighing 6 times the others;
      10 % of jobs carry the fiche only (``code_ogr`` missing).
    * Experience per job: none for 35 %; otherwise exponential with mean 3 years, rounded to
      0.5 year, capped at 25.
    * Driving licence B: 60 %. Vehicle: 70 % of B holders and 7 % of the others (mopeds, licence-
      free cars), about 45 % overall. Other licences and certificates are rare and follow the
      first target job (cariste → CACES R489 cat. 3 for 55 %, HGV driver → permis C for 75 % and
      FIMO for 60 %, catering → HACCP for 30 %, care → SST for 20 %, ...): see
      ``_CANDIDATE_LICENCE_P``.
    * Travel: with a vehicle and licence B, ``voiture`` (90 %, 20 to 40 km; 15 % of them give
      20 to 45 minutes instead) or ``deux_roues``; a vehicle without B means ``deux_roues``
      (10 to 25 km); without a vehicle, ``transport_commun`` 60 % (30, 45 or 60 minutes),
      ``velo`` 22 % (5 to 12 km), ``marche`` 18 % (1 to 4 km).
    * Readiness: ``diagnostic`` 30 %, ``en_parcours`` 45 %, ``pret_emploi`` 25 %, assessed 0 to
      548 days (18 months) before ``as_of``. Available from: ``pret_emploi`` 60 days before to 14
      days after ``as_of``; ``en_parcours`` 0 to 90 days after; ``diagnostic`` 30 to 180 days after.
    * Weekly hours accepted: 35 h for 72 %, 39 h for 10 %, 20 to 28 h for 18 %. Accepts nights
      20 %, weekends 40 %, early starts 55 %.
    * Eligible 95 %, active 97 %, already in a clause job 5 %.
    * Declared skills for 40 %: 2 to 5 ROME skill codes (code OGR) linked to the first target
      fiche, core skills (*cœur de métier*) three times as likely.

Clause structure and offers
    * Contracts (*marchés*) are sited on a commune drawn by population among the 25 most populated
      communes of each requested département (85 %) or any of its communes (15 %), so most sites
      are Alençon, Flers, Argentan, L'Aigle, La Ferté-Macé, Domfront en Poiraie, Sées,
      Mortagne-au-Perche, Vimoutiers, Bellême... The buyer is drawn among those whose territory
      holds the site (Département de l'Orne, Orne Habitat, CU d'Alençon, Ville de Flers, ...;
      outside the Orne a generic département buyer and social landlord).
    * 60 % of contracts are works (1 to 4 lots in building, public works and green spaces), 40 %
      services (1 or 2 lots in cleaning, green spaces, catering, logistics, care or industry).
      A lot has a main fiche, commits 70 to 2,100 insertion hours (works, multiples of 35) or 350
      to 3,500 (services) and is awarded to a company with a well-formed, Luhn-valid, fake SIRET.
    * Offers are spread over the lots (each lot gets at least one when there are enough offers);
      70 % are in the lot's main fiche, the rest in another fiche of the same sector. Titles are
      built from the appellation label (masculine and feminine forms, *H/F*, contract, town,
      capitals, usual abbreviations) or from a street title (``Chauffeur PL``, ``Manœuvre BTP``...).
    * Required licences follow the job (``_OFFER_LICENCES``). 35 h for 80 % (39 h 8 %, 24 to 28 h
      12 %; part time twice as frequent in cleaning and care). Nights and weekends are rare except
      in care, cleaning, catering and logistics. Start 7 to 90 days after ``as_of``. Contracts:
      CDD 42 %, INTERIM 25 %, CDDI 15 %, CDI 10 % (no end date), PRO 8 %; 3 to 12 months.
      Open positions: 1 (70 %), 2 (20 %), 3 (10 %). Experience required: none for 60 %.

Dates are ``datetime64[s]`` columns at midnight (pandas' nearest unit to ``datetime64[D]``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import date
from pathlib import Path
from typing import Any, Final, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from matching import columns as col
from matching.licences import LICENCE_CODES
from matching.referentials import RomeReferential

__all__ = [
    "DEMO_TABLES",
    "TRADES",
    "DemoData",
    "Trade",
    "generate_pool",
    "luhn_is_valid",
    "read_demo",
    "write_demo",
]

TITLE: Final = "intitule"

# --------------------------------------------------------------------------- trades


@dataclass(frozen=True)
class Trade:
    """A ROME fiche clause contracts hire for, its sector and its sampling weights."""

    code_rome: str
    sector: str
    candidate_weight: float
    offer_weight: float


# ROME 4.0 F11xx/F12xx are design and site-management fiches (architects, conducteurs de
# travaux): public-works insertion jobs are F1702 (voiries), F1705 (canalisations) and F1302
# (engins), so those stand for "TP".
TRADES: Final[tuple[Trade, ...]] = (
    Trade("F1703", "gros_oeuvre", 6.0, 10.0),  # maçon
    Trade("F1704", "gros_oeuvre", 9.0, 10.0),  # manœuvre bâtiment
    Trade("F1701", "gros_oeuvre", 2.0, 3.0),  # coffreur
    Trade("F1702", "travaux_publics", 3.0, 6.0),  # ouvrier en voiries / VRD
    Trade("F1705", "travaux_publics", 1.5, 3.0),  # canalisateur
    Trade("F1302", "travaux_publics", 1.0, 2.0),  # conducteur d'engins
    Trade("F1606", "second_oeuvre", 5.0, 6.0),  # peintre
    Trade("F1604", "second_oeuvre", 3.0, 4.0),  # plaquiste
    Trade("F1603", "second_oeuvre", 1.5, 2.0),  # plombier
    Trade("F1602", "second_oeuvre", 2.0, 2.0),  # électricien
    Trade("F1619", "second_oeuvre", 1.0, 2.0),  # couvreur
    Trade("I1203", "second_oeuvre", 3.0, 3.0),  # agent d'entretien du bâtiment
    Trade("A1203", "espaces_verts", 7.0, 9.0),
    Trade("K2204", "proprete", 4.0, 5.0),  # nettoyage industriel
    Trade("K2205", "proprete", 10.0, 9.0),  # propreté de locaux
    Trade("K2303", "proprete", 1.5, 2.0),  # ripeur
    Trade("G1602", "restauration", 3.0, 2.5),  # commis de cuisine
    Trade("G1603", "restauration", 3.0, 1.0),  # équipier polyvalent
    Trade("G1605", "restauration", 2.0, 1.5),  # plongeur
    Trade("N1103", "logistique", 4.0, 2.5),  # préparateur de commandes
    Trade("N1105", "logistique", 5.0, 2.5),  # manutentionnaire
    Trade("N1101", "logistique", 3.0, 2.0),  # cariste
    Trade("N4101", "logistique", 1.5, 1.5),  # conducteur PL
    Trade("J1301", "services_personne", 4.0, 2.0),  # ASH
    Trade("K1302", "services_personne", 3.0, 1.5),  # assistant de vie
    Trade("K1304", "services_personne", 5.0, 1.5),  # aide à domicile
    Trade("H3302", "industrie", 4.0, 1.0),  # agent de conditionnement
    Trade("H2909", "industrie", 1.5, 0.5),  # assembleur monteur
    Trade("H2913", "industrie", 1.0, 0.5),  # soudeur
)

_WORKS_SECTORS: Final = ("gros_oeuvre", "second_oeuvre", "travaux_publics", "espaces_verts")
_SERVICE_SECTORS: Final = (
    "proprete",
    "espaces_verts",
    "restauration",
    "logistique",
    "services_personne",
    "industrie",
)

# Words that mark an appellation as not an insertion-level job.
_EXCLUDED_TITLE_WORDS: Final = (
    "Chef",
    "Cheffe",
    "Responsable",
    "Ingénieur",
    "Entrepreneur",
    "Artisan",
    "Technicien",
    "armée",
    "militaire",
    "génie",
    "nucléaire",
    "déminage",
    "pyrotechnique",
    "principal",
    "Gouvernant",
    "Majordome",
)

# Probability that a candidate holds a licence, by first target fiche (default row: "*").
_CANDIDATE_LICENCE_P: Final[dict[str, dict[str, float]]] = {
    "*": {
        "SST": 0.06,
        "CACES_R489_1B": 0.03,
        "CACES_R489_3": 0.03,
        "HACCP": 0.02,
        "AIPR": 0.02,
        "HAB_ELEC_B0": 0.02,
        "CACES_R482_A": 0.01,
        "PERMIS_C": 0.01,
        "FIMO": 0.005,
        "CERTIPHYTO": 0.005,
    },
    "N1101": {"CACES_R489_3": 0.55, "CACES_R489_1B": 0.35, "CACES_R489_5": 0.25},
    "N1103": {"CACES_R489_1B": 0.25, "CACES_R489_3": 0.15},
    "N1105": {"CACES_R489_1B": 0.25, "CACES_R489_3": 0.15},
    "N4101": {"PERMIS_C": 0.75, "PERMIS_CE": 0.2, "FIMO": 0.6, "FCO": 0.3},
    "F1302": {"CACES_R482_B1": 0.5, "CACES_R482_A": 0.4, "CACES_R482_C1": 0.3, "AIPR": 0.4},
    "F1702": {"AIPR": 0.3, "CACES_R482_A": 0.1},
    "F1705": {"AIPR": 0.3, "CACES_R482_A": 0.1},
    "F1703": {"SST": 0.1, "CACES_R482_A": 0.05, "AIPR": 0.05},
    "F1704": {"SST": 0.1, "CACES_R482_A": 0.05, "AIPR": 0.05},
    "F1701": {"SST": 0.1, "CACES_R482_A": 0.05},
    "F1602": {"HAB_ELEC_B1V": 0.4, "HAB_ELEC_BR": 0.15},
    "A1203": {"CERTIPHYTO": 0.15, "CACES_R482_A": 0.05},
    "G1602": {"HACCP": 0.3},
    "G1603": {"HACCP": 0.3},
    "G1605": {"HACCP": 0.3},
    "J1301": {"SST": 0.2},
    "K1302": {"SST": 0.2},
    "K1304": {"SST": 0.2},
    "H3302": {"CACES_R489_1B": 0.1},
}

# Licences an offer requires, by fiche: (alternatives, probability) — one of the alternatives is
# required with that probability, picked uniformly.
_OFFER_LICENCES: Final[dict[str, tuple[tuple[tuple[str, ...], float], ...]]] = {
    "N4101": ((("PERMIS_C", "PERMIS_C", "PERMIS_CE"), 1.0), (("FIMO",), 0.5)),
    "N1101": ((("CACES_R489_3", "CACES_R489_3", "CACES_R489_3", "CACES_R489_5"), 0.9),),
    "N1103": ((("CACES_R489_1B",), 0.3),),
    "N1105": ((("CACES_R489_1B",), 0.15),),
    "F1302": ((("CACES_R482_B1", "CACES_R482_A", "CACES_R482_C1"), 0.9), (("AIPR",), 0.5)),
    "F1702": ((("AIPR",), 0.4),),
    "F1705": ((("AIPR",), 0.5),),
    "F1602": ((("HAB_ELEC_B1V",), 0.6),),
    "A1203": ((("PERMIS_B",), 0.3), (("CERTIPHYTO",), 0.1)),
    "K1302": ((("PERMIS_B",), 0.7),),
    "K1304": ((("PERMIS_B",), 0.7),),
    "G1602": ((("HACCP",), 0.2),),
    "G1603": ((("HACCP",), 0.2),),
    "*": ((("PERMIS_B",), 0.1), (("SST",), 0.03)),
}

# Schedules by sector: P(nights), P(weekends), P(early starts), P(part time).
_SCHEDULE_P: Final[dict[str, tuple[float, float, float, float]]] = {
    "gros_oeuvre": (0.01, 0.02, 0.35, 0.03),
    "second_oeuvre": (0.01, 0.02, 0.3, 0.05),
    "travaux_publics": (0.03, 0.03, 0.35, 0.03),
    "espaces_verts": (0.0, 0.05, 0.3, 0.1),
    "proprete": (0.15, 0.2, 0.5, 0.3),
    "restauration": (0.03, 0.4, 0.3, 0.2),
    "logistique": (0.1, 0.1, 0.3, 0.1),
    "services_personne": (0.25, 0.5, 0.3, 0.3),
    "industrie": (0.1, 0.05, 0.3, 0.05),
}

# Usual street titles, used for 40 % of offers whose fiche has some.
_STREET_TITLES: Final[dict[str, tuple[str, ...]]] = {
    "F1703": ("Maçon H/F", "Maçon VRD H/F", "Maçon(ne) qualifié(e)", "MACON N2"),
    "F1704": ("Manœuvre BTP", "Manoeuvre H/F", "Aide-maçon (H/F)", "Manœuvre gros œuvre"),
    "F1701": ("Coffreur bancheur H/F", "Ferrailleur (F/H)"),
    "F1702": ("Ouvrier VRD H/F", "Manœuvre TP / VRD", "Ouvrier(e) TP enrobés"),
    "F1705": ("Canalisateur H/F", "Aide canalisateur"),
    "F1302": ("Conducteur d'engins H/F", "Chauffeur pelle CACES R482"),
    "F1606": ("Peintre en bâtiment H/F", "Peintre (F/H)", "Aide peintre"),
    "F1604": ("Plaquiste H/F", "Plaquiste - Jointeur"),
    "I1203": ("Agent d'entretien du bâtiment", "Agent(e) polyvalent(e) maintenance bâtiment"),
    "A1203": (
        "Agent(e) d'entretien espaces verts",
        "Ouvrier paysagiste H/F",
        "Jardinier espaces verts",
    ),
    "K2204": ("Agent de nettoyage H/F", "Agent(e) de propreté industrielle"),
    "K2205": ("Agent d'entretien H/F", "Agent(e) de propreté", "Agent de nettoyage (F/H)"),
    "K2303": ("Ripeur H/F", "Équipier de collecte"),
    "G1602": ("Commis de cuisine H/F", "Aide de cuisine (F/H)"),
    "G1605": ("Plongeur H/F", "Plongeur / Plongeuse"),
    "N1103": ("Préparateur de commandes H/F", "Préparateur(trice) de commandes"),
    "N1105": ("Manutentionnaire H/F", "Agent de manutention"),
    "N1101": ("Cariste CACES 3 H/F", "Cariste (F/H)"),
    "N4101": ("Chauffeur PL (F/H)", "Conducteur PL H/F", "Chauffeur poids lourd"),
    "J1301": ("ASH H/F", "Agent(e) de service hospitalier", "Agent de service (ASH)"),
    "K1302": ("Auxiliaire de vie H/F", "Assistant(e) de vie"),
    "K1304": ("Aide à domicile H/F", "Aide ménagère à domicile"),
    "H3302": ("Agent de conditionnement H/F", "Opérateur de conditionnement (F/H)"),
}

_LOT_TRADE_LABELS: Final[dict[str, str]] = {
    "F1703": "Gros œuvre - maçonnerie",
    "F1704": "Gros œuvre - démolition",
    "F1701": "Gros œuvre - béton armé",
    "F1702": "VRD - voirie",
    "F1705": "VRD - réseaux",
    "F1302": "Terrassement",
    "F1606": "Peinture - revêtements",
    "F1604": "Plâtrerie - cloisons",
    "F1603": "Plomberie - sanitaires",
    "F1602": "Électricité courants forts",
    "F1619": "Couverture - zinguerie",
    "I1203": "Maintenance des bâtiments",
    "A1203": "Espaces verts",
    "K2204": "Nettoyage industriel",
    "K2205": "Nettoyage des locaux",
    "K2303": "Collecte des déchets",
    "G1602": "Restauration collective",
    "G1603": "Restauration",
    "G1605": "Restauration collective",
    "N1103": "Logistique",
    "N1105": "Manutention - déménagement",
    "N1101": "Logistique - entreposage",
    "N4101": "Transport",
    "J1301": "Bio-nettoyage",
    "K1302": "Aide à la personne",
    "K1304": "Aide à domicile",
    "H3302": "Conditionnement",
    "H2909": "Fabrication - assemblage",
    "H2913": "Métallerie - soudure",
}

_CONTRACT_OBJECTS: Final[dict[str, tuple[str, ...]]] = {
    "works": (
        "Construction d'un groupe scolaire",
        "Réhabilitation de 24 logements",
        "Rénovation énergétique du collège",
        "Construction de la gendarmerie",
        "Extension de la maison médicale",
        "Aménagement de la traverse de bourg",
        "Réfection de la RD",
        "Renouvellement des réseaux d'eau potable",
        "Construction d'un gymnase",
        "Réhabilitation de la résidence",
    ),
    "proprete": ("Nettoyage des locaux administratifs", "Collecte des déchets ménagers"),
    "espaces_verts": ("Entretien des espaces verts", "Fauchage et débroussaillage"),
    "restauration": ("Restauration scolaire des collèges", "Portage de repas"),
    "logistique": ("Transport et logistique des archives", "Déménagement des services"),
    "services_personne": ("Prestations de bio-nettoyage", "Accompagnement à domicile"),
    "industrie": ("Fabrication de mobilier urbain", "Conditionnement de produits"),
}

_COMPANY_STEMS: Final[dict[str, tuple[str, ...]]] = {
    "gros_oeuvre": ("Maçonnerie", "Bâtiment", "Constructions"),
    "second_oeuvre": ("Peinture", "Plâtrerie", "Électricité", "Plomberie", "Couverture"),
    "travaux_publics": ("Travaux Publics", "TP", "Terrassement"),
    "espaces_verts": ("Paysages", "Jardins", "Espaces Verts"),
    "proprete": ("Propreté", "Nettoyage", "Net Services"),
    "restauration": ("Restauration", "Cuisines"),
    "logistique": ("Transports", "Logistique"),
    "services_personne": ("Services à domicile", "Aide et Services"),
    "industrie": ("Industries", "Mécanique", "Métallerie"),
}
_COMPANY_PLACES: Final = (
    "du Bocage",
    "Percheronne",
    "de l'Orne",
    "Normande",
    "d'Argentan",
    "du Houlme",
    "Augeronne",
    "des Collines",
    "Alençonnaise",
    "Flérienne",
    "Aiglonne",
    "du Perche",
    "Sagienne",
    "du Passais",
    "de la Suisse Normande",
)
_LEGAL_FORMS: Final = ("SARL", "SAS", "SAS", "EURL", "SA")

# Orne buyers: (name, kind, seat INSEE, territory, weight). Territory: "dept:61", "epci:<seat>"
# (the seat's EPCI) or "commune:<seat>".
_ORNE_BUYERS: Final = (
    ("Département de l'Orne", "departement", "61001", "dept:61", 4.0),
    ("Orne Habitat", "bailleur_social", "61001", "dept:61", 3.0),
    ("CU d'Alençon", "epci", "61001", "epci:61001", 2.0),
    ("Ville d'Alençon", "commune", "61001", "commune:61001", 1.0),
    ("Ville de Flers", "commune", "61169", "commune:61169", 2.0),
    ("Flers Agglo", "epci", "61169", "epci:61169", 1.5),
    ("Ville d'Argentan", "commune", "61006", "commune:61006", 1.0),
    ("Argentan Intercom", "epci", "61006", "epci:61006", 1.0),
    ("Ville de L'Aigle", "commune", "61214", "commune:61214", 1.0),
    ("Centre hospitalier intercommunal Alençon-Mamers", "hopital", "61001", "commune:61001", 0.5),
)

_CONTRACT_TYPE_P: Final = {"CDD": 0.42, "INTERIM": 0.25, "CDDI": 0.15, "CDI": 0.10, "PRO": 0.08}

# --------------------------------------------------------------------------- tables

ColumnKind = Literal["str", "int", "Int64", "float", "bool", "date", "str_tuple", "int_tuple"]

_CANDIDATE_KINDS: Final[dict[str, ColumnKind]] = {
    col.CANDIDATE_ID: "str",
    col.COMMUNE_INSEE: "str",
    col.LICENCES: "str_tuple",
    col.SKILLS: "int_tuple",
    col.HAS_VEHICLE: "bool",
    col.TRAVEL_MODE: "str",
    col.MAX_DISTANCE_KM: "float",
    col.MAX_TRAVEL_MINUTES: "float",
    col.READINESS_STAGE: "str",
    col.READINESS_ASSESSED_ON: "date",
    col.AVAILABLE_FROM: "date",
    col.MAX_WEEKLY_HOURS: "float",
    col.ACCEPTS_NIGHTS: "bool",
    col.ACCEPTS_WEEKENDS: "bool",
    col.ACCEPTS_EARLY_STARTS: "bool",
    col.IS_ELIGIBLE: "bool",
    col.IS_ACTIVE: "bool",
    col.IS_IN_CLAUSE_JOB: "bool",
}
_CANDIDATE_JOB_KINDS: Final[dict[str, ColumnKind]] = {
    col.CANDIDATE_ID: "str",
    col.CODE_OGR: "Int64",
    col.CODE_ROME: "str",
    col.EXPERIENCE_YEARS: "float",
}
_OFFER_KINDS: Final[dict[str, ColumnKind]] = {
    col.OFFER_ID: "str",
    col.CODE_OGR: "Int64",
    col.CODE_ROME: "str",
    col.COMMUNE_INSEE: "str",
    col.REQUIRED_LICENCES: "str_tuple",
    col.REQUIRED_SKILLS: "int_tuple",
    col.EXPERIENCE_YEARS_REQUIRED: "float",
    col.WEEKLY_HOURS: "float",
    col.HAS_NIGHTS: "bool",
    col.HAS_WEEKENDS: "bool",
    col.HAS_EARLY_STARTS: "bool",
    col.START_DATE: "date",
    col.END_DATE: "date",
    col.CONTRACT_TYPE: "str",
    col.OPEN_POSITIONS: "int",
    col.LOT_REF: "str",
    TITLE: "str",
}
_BUYER_KINDS: Final[dict[str, ColumnKind]] = {
    "buyer_id": "str",
    "name": "str",
    "kind": "str",
    "commune_insee": "str",
    "territory": "str",
}
_CONTRACT_KINDS: Final[dict[str, ColumnKind]] = {
    "contract_id": "str",
    "buyer_id": "str",
    "title": "str",
    "nature": "str",
    "commune_insee": "str",
    "notified_on": "date",
    "start_date": "date",
    "end_date": "date",
}
_LOT_KINDS: Final[dict[str, ColumnKind]] = {
    "lot_ref": "str",
    "contract_id": "str",
    "lot_number": "int",
    "trade": "str",
    "code_rome": "str",
    "insertion_hours": "float",
    "siret": "str",
    "start_date": "date",
    "end_date": "date",
}
_COMPANY_KINDS: Final[dict[str, ColumnKind]] = {
    "siret": "str",
    "siren": "str",
    "name": "str",
    "legal_form": "str",
    "commune_insee": "str",
    "sector": "str",
}

DEMO_TABLES: Final[dict[str, dict[str, ColumnKind]]] = {
    "candidates": _CANDIDATE_KINDS,
    "candidate_jobs": _CANDIDATE_JOB_KINDS,
    "offers": _OFFER_KINDS,
    "buyers": _BUYER_KINDS,
    "contracts": _CONTRACT_KINDS,
    "lots": _LOT_KINDS,
    "companies": _COMPANY_KINDS,
}
"""Tables of a demo set (file ``<name>.csv``) and the kind of each column."""


@dataclass(frozen=True, eq=False)
class DemoData:
    """A synthetic pool: the engine's three inputs plus the clause structure behind the offers.

    ``candidates``, ``candidate_jobs`` and ``offers`` follow :mod:`matching.columns` (offers carry
    one extra column, ``intitule``, the published title). ``buyers`` → ``contracts`` → ``lots``
    (``lot_ref`` = offers' ``lot_ref``, ``siret`` = awarded company) → ``companies``.
    """

    candidates: pd.DataFrame
    candidate_jobs: pd.DataFrame
    offers: pd.DataFrame
    buyers: pd.DataFrame
    contracts: pd.DataFrame
    lots: pd.DataFrame
    companies: pd.DataFrame

    def equals(self, other: DemoData) -> bool:
        """Same tables, same columns, same dtypes, same values."""
        return all(
            getattr(self, f.name).equals(getattr(other, f.name))
            and (getattr(self, f.name).dtypes == getattr(other, f.name).dtypes).all()
            for f in fields(self)
        )


# --------------------------------------------------------------------------- helpers

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


def _typed(frame: pd.DataFrame, kinds: dict[str, ColumnKind]) -> pd.DataFrame:
    """Cast a frame to the dtypes of its kinds, columns in that order."""
    out: dict[str, Any] = {}
    for name, kind in kinds.items():
        s = frame[name]
        if kind == "str":
            out[name] = s.astype("str")
        elif kind == "int":
            out[name] = s.astype(np.int64)
        elif kind == "Int64":
            out[name] = s.astype("Int64")
        elif kind == "float":
            out[name] = s.astype(np.float64)
        elif kind == "bool":
            out[name] = s.astype(bool)
        elif kind == "date":
            out[name] = s.astype("datetime64[s]")
        else:
            out[name] = s.astype(object)
    return pd.DataFrame(out, index=pd.RangeIndex(len(frame)))


def _days(as_of: date, offsets: npt.ArrayLike) -> npt.NDArray[np.datetime64]:
    base = np.datetime64(as_of, "D")
    return (base + np.asarray(offsets, dtype=np.int64).astype("timedelta64[D]")).astype(
        "datetime64[s]"
    )


def _prefixed_ids(prefix: str, n: int, width: int) -> pd.Series:
    numbers = pd.Series(np.arange(1, n + 1), dtype=np.int64).astype("str").str.zfill(width)
    return prefix + numbers


def _rows_to_tuples(matrix: BoolArray, labels: Sequence[str]) -> list[tuple[str, ...]]:
    """Row i → tuple of the labels whose column is true, built once per distinct row pattern."""
    if matrix.shape[0] == 0:
        return []
    patterns, inverse = np.unique(matrix, axis=0, return_inverse=True)
    as_tuples = [tuple(labels[int(j)] for j in np.flatnonzero(p)) for p in patterns]
    return [as_tuples[i] for i in np.asarray(inverse).ravel()]


def _pick(rng: np.random.Generator, options: Sequence[str]) -> str:
    return options[int(rng.integers(len(options)))]


def luhn_is_valid(number: str) -> bool:
    """Luhn checksum of a digit string (SIREN and SIRET numbers satisfy it)."""
    if not number.isdigit():
        return False
    total = 0
    for i, ch in enumerate(reversed(number)):
        d = int(ch) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def _luhn_complete(payload: str) -> str:
    """``payload`` plus the digit that makes the whole Luhn-valid."""
    for d in "0123456789":
        if luhn_is_valid(payload + d):
            return payload + d
    raise AssertionError("unreachable: one digit always completes a Luhn number")


def _fake_siret(rng: np.random.Generator) -> str:
    # SIREN: 9 digits, Luhn; SIRET: SIREN + NIC (5 digits), Luhn over the 14 digits.
    first = str(int(rng.integers(3, 9)))
    siren = _luhn_complete(first + "".join(str(d) for d in rng.integers(0, 10, size=7)))
    return _luhn_complete(siren + f"{int(rng.integers(1, 100)):04d}")


# --------------------------------------------------------------------------- appellations


@dataclass(frozen=True)
class _Catalogue:
    """Trade fiches with their usable appellations, as arrays indexed by trade position."""

    codes: tuple[str, ...]
    sectors: tuple[str, ...]
    app_codes: tuple[IntArray, ...]
    app_labels: tuple[tuple[str, ...], ...]
    app_p: tuple[FloatArray, ...]
    skill_codes: tuple[IntArray, ...]
    skill_p: tuple[FloatArray, ...]


def _catalogue(rome: RomeReferential) -> _Catalogue:
    apps = rome.appellations
    excluded = "|".join(_EXCLUDED_TITLE_WORDS)
    codes, sectors, app_codes, app_labels, app_p, skill_codes, skill_p = (
        [],
        [],
        [],
        [],
        [],
        [],
        [],
    )
    for trade in TRADES:
        if not rome.has_fiche(trade.code_rome):
            raise ValueError(f"the ROME referential lacks fiche {trade.code_rome}")
        rows = apps[apps["code_rome"] == trade.code_rome]
        usable = rows[~rows["is_rare"] & ~rows["libelle"].str.contains(excluded, regex=True)]
        if usable.empty:
            usable = rows
        weights = np.where(usable["is_main"].to_numpy(), 6.0, 1.0)
        codes.append(trade.code_rome)
        sectors.append(trade.sector)
        app_codes.append(usable["code_ogr"].to_numpy(dtype=np.int64))
        app_labels.append(tuple(usable["libelle"]))
        app_p.append(weights / weights.sum())
        if rome.skills is not None and rome.skill_links is not None:
            links = rome.skill_links[rome.skill_links["fiche_id"] == rome.fiche_id(trade.code_rome)]
            sk = rome.skills["code_ogr"].to_numpy(dtype=np.int64)[links["skill_id"].to_numpy()]
            w = np.where(links["is_core"].to_numpy(), 3.0, 1.0)
            skill_codes.append(sk)
            skill_p.append(w / w.sum() if len(w) else w)
        else:
            skill_codes.append(np.zeros(0, dtype=np.int64))
            skill_p.append(np.zeros(0))
    return _Catalogue(
        tuple(codes),
        tuple(sectors),
        tuple(app_codes),
        tuple(app_labels),
        tuple(app_p),
        tuple(skill_codes),
        tuple(skill_p),
    )


def _draw_appellations(
    cat: _Catalogue, trade_idx: IntArray, rng: np.random.Generator
) -> tuple[IntArray, IntArray]:
    """Appellation (code OGR) and position in the trade's list for each row's trade."""
    ogr = np.zeros(len(trade_idx), dtype=np.int64)
    pos = np.zeros(len(trade_idx), dtype=np.int64)
    for t in range(len(cat.codes)):
        rows = np.flatnonzero(trade_idx == t)
        if len(rows):
            pos[rows] = rng.choice(len(cat.app_codes[t]), size=len(rows), p=cat.app_p[t])
            ogr[rows] = cat.app_codes[t][pos[rows]]
    return ogr, pos


def _trade_probabilities(*, for_offers: bool) -> FloatArray:
    w = np.array(
        [t.offer_weight if for_offers else t.candidate_weight for t in TRADES], dtype=np.float64
    )
    return np.asarray(w / w.sum(), dtype=np.float64)


# --------------------------------------------------------------------------- candidates


def _generate_candidates(
    communes: pd.DataFrame,
    cat: _Catalogue,
    n: int,
    rng: np.random.Generator,
    as_of: date,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    ids = _prefixed_ids("CAND-", n, 6)
    pop = communes["population"].to_numpy(dtype=np.float64)
    home = communes["code_insee"].to_numpy()[rng.choice(len(communes), size=n, p=pop / pop.sum())]

    # target jobs
    n_jobs = rng.choice(np.array([1, 2, 3]), size=n, p=[0.50, 0.35, 0.15])
    owner = np.repeat(np.arange(n), n_jobs)
    first_of_owner = np.concatenate([[0], np.cumsum(n_jobs)[:-1]]) if n else np.zeros(0, np.int64)
    is_first = np.zeros(len(owner), dtype=bool)
    is_first[first_of_owner] = True
    p_trade = _trade_probabilities(for_offers=False)
    trade = rng.choice(len(TRADES), size=len(owner), p=p_trade)
    first_trade = trade[first_of_owner]
    # further jobs: same sector as the first with probability 0.7
    sectors = np.array(cat.sectors)
    same_sector = ~is_first & (rng.random(len(owner)) < 0.7)
    for fam in np.unique(sectors):
        members = np.flatnonzero(sectors == fam)
        rows = np.flatnonzero(same_sector & (sectors[first_trade[owner]] == fam))
        if len(rows):
            p = p_trade[members] / p_trade[members].sum()
            trade[rows] = members[rng.choice(len(members), size=len(rows), p=p)]
    ogr, _ = _draw_appellations(cat, trade, rng)
    experience = np.where(
        rng.random(len(owner)) < 0.35,
        0.0,
        np.minimum(np.round(rng.exponential(3.0, size=len(owner)) * 2) / 2, 25.0),
    )
    jobs = pd.DataFrame(
        {
            col.CANDIDATE_ID: ids.to_numpy()[owner],
            col.CODE_OGR: pd.array(ogr, dtype="Int64"),
            col.CODE_ROME: np.array(cat.codes)[trade],
            col.EXPERIENCE_YEARS: experience,
        }
    )
    jobs.loc[rng.random(len(jobs)) < 0.10, col.CODE_OGR] = pd.NA
    jobs = jobs.drop_duplicates([col.CANDIDATE_ID, col.CODE_ROME, col.CODE_OGR], ignore_index=True)

    # licences: matrix of draws against per-first-fiche probabilities
    lic_index = {c: j for j, c in enumerate(LICENCE_CODES)}
    p_lic = np.zeros((len(TRADES), len(LICENCE_CODES)))
    for code, p in _CANDIDATE_LICENCE_P["*"].items():
        p_lic[:, lic_index[code]] = p
    for t, code_rome in enumerate(cat.codes):
        for code, p in _CANDIDATE_LICENCE_P.get(code_rome, {}).items():
            p_lic[t, lic_index[code]] = p
    held = rng.random((n, len(LICENCE_CODES))) < p_lic[first_trade]
    heavy = held[:, lic_index["PERMIS_C"]] | held[:, lic_index["PERMIS_CE"]]
    held[:, lic_index["PERMIS_C"]] |= held[:, lic_index["PERMIS_CE"]]
    has_b = (rng.random(n) < 0.60) | heavy
    held[:, lic_index["PERMIS_B"]] = has_b
    licences = _rows_to_tuples(held, LICENCE_CODES)

    # travel
    has_vehicle = np.where(has_b, rng.random(n) < 0.70, rng.random(n) < 0.07)
    u = rng.random(n)
    mode = np.where(
        has_vehicle,
        np.where(has_b & (u < 0.9), "voiture", "deux_roues"),
        np.where(u < 0.60, "transport_commun", np.where(u < 0.82, "velo", "marche")),
    )
    gives_minutes = (mode == "transport_commun") | ((mode == "voiture") & (rng.random(n) < 0.15))
    km = np.select(
        [mode == "voiture", mode == "deux_roues", mode == "velo", mode == "marche"],
        [
            rng.choice(np.array([20.0, 25.0, 30.0, 35.0, 40.0]), size=n),
            rng.choice(np.array([10.0, 15.0, 20.0, 25.0]), size=n),
            rng.choice(np.array([5.0, 8.0, 10.0, 12.0]), size=n),
            rng.choice(np.array([1.0, 2.0, 3.0, 4.0]), size=n),
        ],
        default=np.nan,
    )
    minutes = np.where(
        mode == "transport_commun",
        rng.choice(np.array([30.0, 45.0, 60.0]), size=n),
        rng.choice(np.array([20.0, 30.0, 45.0]), size=n),
    )
    max_km = np.where(gives_minutes, np.nan, km)
    max_minutes = np.where(gives_minutes, minutes, np.nan)

    # readiness
    stage_idx = rng.choice(3, size=n, p=[0.30, 0.45, 0.25])
    stage = np.array(col.READINESS_STAGES)[stage_idx]
    assessed = _days(as_of, -rng.integers(0, 549, size=n))
    avail_offset = np.select(
        [stage_idx == 0, stage_idx == 1],
        [rng.integers(30, 181, size=n), rng.integers(0, 91, size=n)],
        default=rng.integers(-60, 15, size=n),
    )
    u_hours = rng.random(n)
    hours = np.select(
        [u_hours < 0.72, u_hours < 0.82],
        [np.full(n, 35.0), np.full(n, 39.0)],
        default=rng.choice(np.array([20.0, 24.0, 25.0, 26.0, 28.0]), size=n),
    )

    # skills for 40 %: 2 to 5 codes linked to the first target fiche, deduplicated
    with_skills = np.flatnonzero(rng.random(n) < 0.40)
    k = rng.integers(2, 6, size=len(with_skills))
    skill_owner = np.repeat(with_skills, k)
    skill_trade = first_trade[skill_owner]
    skill_code = np.zeros(len(skill_owner), dtype=np.int64)
    for t in range(len(TRADES)):
        rows = np.flatnonzero(skill_trade == t)
        if len(rows) and len(cat.skill_codes[t]):
            skill_code[rows] = rng.choice(cat.skill_codes[t], size=len(rows), p=cat.skill_p[t])
    skills: list[tuple[int, ...]] = [() for _ in range(n)]
    if len(skill_owner):
        long = pd.DataFrame({"owner": skill_owner, "code": skill_code})
        long = long[long["code"] > 0].drop_duplicates().sort_values(["owner", "code"])
        owners = long["owner"].to_numpy()
        bounds = np.flatnonzero(np.diff(owners)) + 1
        starts = np.concatenate([[0], bounds]).astype(np.int64)
        for owner_id, codes in zip(
            owners[starts], np.split(long["code"].to_numpy(), bounds), strict=True
        ):
            skills[int(owner_id)] = tuple(int(x) for x in codes)

    candidates = pd.DataFrame(
        {
            col.CANDIDATE_ID: ids,
            col.COMMUNE_INSEE: home,
            col.LICENCES: pd.Series(licences, dtype=object),
            col.SKILLS: pd.Series(skills, dtype=object),
            col.HAS_VEHICLE: has_vehicle,
            col.TRAVEL_MODE: mode,
            col.MAX_DISTANCE_KM: max_km,
            col.MAX_TRAVEL_MINUTES: max_minutes,
            col.READINESS_STAGE: stage,
            col.READINESS_ASSESSED_ON: assessed,
            col.AVAILABLE_FROM: _days(as_of, avail_offset),
            col.MAX_WEEKLY_HOURS: hours,
            col.ACCEPTS_NIGHTS: rng.random(n) < 0.20,
            col.ACCEPTS_WEEKENDS: rng.random(n) < 0.40,
            col.ACCEPTS_EARLY_STARTS: rng.random(n) < 0.55,
            col.IS_ELIGIBLE: rng.random(n) < 0.95,
            col.IS_ACTIVE: rng.random(n) < 0.97,
            col.IS_IN_CLAUSE_JOB: rng.random(n) < 0.05,
        }
    )
    return _typed(candidates, _CANDIDATE_KINDS), _typed(jobs, _CANDIDATE_JOB_KINDS)


# --------------------------------------------------------------------------- titles


def _title_forms(label: str) -> tuple[str, str, str]:
    """Split a ROME label ``"Ouvrier / Ouvrière d'entretien"`` into masculine, feminine, rest."""
    if " / " not in label:
        return label, label, ""
    left, right = label.split(" / ", 1)
    n_words = len(left.split())
    words = right.split()
    return left, " ".join(words[:n_words]), " ".join(words[n_words:])


def _contracted(masc: str, fem: str) -> str:
    """``Agent(e)``, ``Ouvrier(ère)``: one-word masculine/feminine pairs, as offers write them."""
    if masc == fem or " " in masc:
        return masc
    p = 0
    while p < min(len(masc), len(fem)) and masc[p] == fem[p]:
        p += 1
    # only short endings read naturally in brackets: Agent(e), Ouvrier(ère), Conducteur(rice)
    return f"{masc}({fem[p:]})" if p >= 3 and len(fem) - p <= 4 else f"{masc}/{fem}"


_TITLE_NOISE: Final = (
    (" des espaces verts", " espaces verts"),
    (" Voiries et Réseaux Divers -VRD-", " VRD"),
    (" -VRD-", " VRD"),
    ("Manœuvre", "Manoeuvre"),
    (" poids lourd", " PL"),
    (" du bâtiment", " bâtiment"),
)


def _offer_title(
    rng: np.random.Generator,
    *,
    label: str,
    code_rome: str,
    town: str,
    contract_type: str,
    months: int,
) -> str:
    street = _STREET_TITLES.get(code_rome, ())
    if street and rng.random() < 0.4:
        title = _pick(rng, street)
    else:
        masc, fem, rest = _title_forms(label)
        style = rng.random()
        if style < 0.45:
            head = masc
        elif style < 0.75:
            head = _contracted(masc, fem)
        else:
            head = f"{masc} / {fem}" if masc != fem else masc
        title = f"{head} {rest}".strip()
        for before, after in _TITLE_NOISE:
            if before in title and rng.random() < 0.6:
                title = title.replace(before, after)
        marker = rng.random()
        if marker < 0.45:
            title += " H/F"
        elif marker < 0.65:
            title += " (H/F)"
        elif marker < 0.75:
            title += " (F/H)"
    extra = rng.random()
    if extra < 0.2 and contract_type in ("CDD", "INTERIM"):
        title += f" - {'CDD' if contract_type == 'CDD' else 'Intérim'} {months} mois"
    elif extra < 0.35:
        title += f" - {town}"
    elif extra < 0.42:
        title += f" - {contract_type}"
    elif extra < 0.47:
        title += " - clause d'insertion"
    if rng.random() < 0.08:
        title = title.upper()
    return title


# --------------------------------------------------------------------------- clause structure


def _buyers(
    communes: pd.DataFrame, departements: Sequence[str]
) -> tuple[pd.DataFrame, list[set[str]]]:
    """The buyers of the chosen départements and, for each, the INSEE codes of its territory."""
    by_code = communes.set_index("code_insee")
    rows: list[tuple[str, str, str, str, float]] = []
    if "61" in departements:
        rows.extend(b for b in _ORNE_BUYERS if b[2] in by_code.index)
    for dept in departements:
        if dept == "61":
            continue
        local = communes[communes["departement"] == dept]
        seat = str(local["code_insee"].iloc[int(np.argmax(local["population"].to_numpy()))])
        rows.append((f"Conseil départemental ({dept})", "departement", seat, f"dept:{dept}", 4.0))
        rows.append(
            (f"Office public de l'habitat ({dept})", "bailleur_social", seat, f"dept:{dept}", 3.0)
        )
    territories: list[set[str]] = []
    for _, _, seat, territory, _ in rows:
        kind, value = territory.split(":")
        if kind == "dept":
            members = communes["departement"] == value
        elif kind == "epci":
            members = communes["epci_code"] == by_code.loc[seat, "epci_code"]
        else:
            members = communes["code_insee"] == value
        territories.append(set(communes.loc[members, "code_insee"]))
    frame = pd.DataFrame(
        {
            "buyer_id": [f"ACH{i + 1:03d}" for i in range(len(rows))],
            "name": [r[0] for r in rows],
            "kind": [r[1] for r in rows],
            "commune_insee": [r[2] for r in rows],
            "territory": [r[3] for r in rows],
            "weight": [r[4] for r in rows],
        }
    )
    return frame, territories


def _generate_clauses(
    communes: pd.DataFrame,
    cat: _Catalogue,
    n_offers: int,
    departements: Sequence[str],
    rng: np.random.Generator,
    as_of: date,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    buyers, territories = _buyers(communes, departements)
    top = communes.sort_values("population", ascending=False).groupby("departement").head(25)
    names = dict(zip(communes["code_insee"], communes["nom"], strict=True))
    dept_of = dict(zip(communes["code_insee"], communes["departement"], strict=True))

    def draw_site(frame: pd.DataFrame) -> str:
        pop = frame["population"].to_numpy(dtype=np.float64)
        return str(frame["code_insee"].iloc[int(rng.choice(len(frame), p=pop / pop.sum()))])

    sectors = np.array(cat.sectors)
    p_offer = _trade_probabilities(for_offers=True)

    def draw_trade(sector_pool: Sequence[str]) -> int:
        mask = np.isin(sectors, list(sector_pool))
        p = np.where(mask, p_offer, 0.0)
        return int(rng.choice(len(p), p=p / p.sum()))

    contracts: list[dict[str, object]] = []
    lots: list[dict[str, object]] = []
    companies: list[dict[str, object]] = []
    company_by_sector: dict[str, list[int]] = {}
    lot_trade: list[int] = []
    n_contracts = math.ceil(n_offers / 4)
    for c in range(n_contracts):
        site = draw_site(top if rng.random() < 0.85 else communes)
        eligible = [i for i, t in enumerate(territories) if site in t]
        w = buyers["weight"].to_numpy()[eligible]
        buyer = eligible[int(rng.choice(len(eligible), p=w / w.sum()))]
        is_works = rng.random() < 0.6
        notified = as_of - pd.Timedelta(days=int(rng.integers(30, 401)))
        contract_id = f"{notified.year}-{c + 1:03d}"
        if is_works:
            n_lots = int(rng.integers(1, 5))
            trades = [draw_trade(_WORKS_SECTORS) for _ in range(n_lots)]
            title = _pick(rng, _CONTRACT_OBJECTS["works"])
        else:
            n_lots = int(rng.integers(1, 3))
            first = draw_trade(_SERVICE_SECTORS)
            trades = [first] + [draw_trade((cat.sectors[first],)) for _ in range(n_lots - 1)]
            title = _pick(rng, _CONTRACT_OBJECTS[cat.sectors[first]])
        contracts.append(
            {
                "contract_id": contract_id,
                "buyer_id": buyers["buyer_id"].iloc[buyer],
                "title": f"{title} - {names[site]}",
                "nature": "travaux" if is_works else "services",
                "commune_insee": site,
                "notified_on": pd.Timestamp(notified),
            }
        )
        for j, t in enumerate(trades):
            sector = cat.sectors[t]
            known = company_by_sector.setdefault(sector, [])
            if known and rng.random() < 0.35:
                company = known[int(rng.integers(len(known)))]
            else:
                company = len(companies)
                known.append(company)
                siret = _fake_siret(rng)
                same_dept = top[top["departement"] == dept_of[site]]
                form = _pick(rng, _LEGAL_FORMS)
                stem = _pick(rng, _COMPANY_STEMS[sector])
                companies.append(
                    {
                        "siret": siret,
                        "siren": siret[:9],
                        "name": f"{form} {stem} {_pick(rng, _COMPANY_PLACES)}",
                        "legal_form": form,
                        "commune_insee": site if rng.random() < 0.5 else draw_site(same_dept),
                        "sector": sector,
                    }
                )
            start = notified + pd.Timedelta(days=int(rng.integers(30, 91)))
            hours = (
                35.0 * float(rng.integers(2, 61))
                if is_works
                else float(np.round(rng.uniform(350, 3500), -1))
            )
            lots.append(
                {
                    "lot_ref": f"{contract_id}-LOT{j + 1:02d}",
                    "contract_id": contract_id,
                    "lot_number": j + 1,
                    "trade": _LOT_TRADE_LABELS[cat.codes[t]],
                    "code_rome": cat.codes[t],
                    "insertion_hours": hours,
                    "siret": companies[company]["siret"],
                    "start_date": start,
                    "end_date": start + pd.Timedelta(days=int(30.4 * int(rng.integers(6, 37)))),
                }
            )
            lot_trade.append(t)
        # the contract runs from its first lot's start to its last lot's end
        own = [lot for lot in lots if lot["contract_id"] == contract_id]
        contracts[-1]["start_date"] = min(pd.Timestamp(str(lot["start_date"])) for lot in own)
        contracts[-1]["end_date"] = max(pd.Timestamp(str(lot["end_date"])) for lot in own)

    # offers: one per lot first (when there are enough), the rest in proportion to lot hours
    n_lots_total = len(lots)
    order = rng.permutation(n_lots_total)
    first_pass = order[: min(n_offers, n_lots_total)]
    if n_offers > n_lots_total and n_lots_total:
        lot_hours = np.array([float(str(lot["insertion_hours"])) for lot in lots])
        rest = rng.choice(n_lots_total, size=n_offers - n_lots_total, p=lot_hours / lot_hours.sum())
        offer_lot = np.concatenate([first_pass, rest])
    else:
        offer_lot = first_pass
    offer_lot = np.sort(offer_lot)

    ct_codes = list(_CONTRACT_TYPE_P)
    ct_p = np.array(list(_CONTRACT_TYPE_P.values()))
    contract_site = {str(c["contract_id"]): str(c["commune_insee"]) for c in contracts}
    offers: list[dict[str, object]] = []
    for i, lot_i in enumerate(offer_lot):
        lot = lots[int(lot_i)]
        t = lot_trade[int(lot_i)]
        if rng.random() >= 0.7:
            t = draw_trade((cat.sectors[t],))
        sector = cat.sectors[t]
        code_rome = cat.codes[t]
        a = int(rng.choice(len(cat.app_codes[t]), p=cat.app_p[t]))
        site = contract_site[str(lot["contract_id"])]
        contract_type = ct_codes[int(rng.choice(len(ct_codes), p=ct_p))]
        months = 12 if contract_type == "PRO" else int(rng.choice([3, 4, 6, 6, 9, 12]))
        start = as_of + pd.Timedelta(days=int(rng.integers(7, 91)))
        end = pd.NaT if contract_type == "CDI" else start + pd.Timedelta(days=int(30.4 * months))
        nights_p, weekends_p, early_p, part_p = _SCHEDULE_P[sector]
        u = rng.random()
        if u < part_p:
            weekly = float(rng.choice([24.0, 26.0, 28.0]))
        elif u < part_p + 0.08:
            weekly = 39.0
        else:
            weekly = 35.0
        required: list[str] = []
        for alternatives, p in _OFFER_LICENCES.get(code_rome, ()) + _OFFER_LICENCES["*"]:
            if rng.random() < p:
                pick = _pick(rng, alternatives)
                if pick not in required:
                    required.append(pick)
        skills: tuple[int, ...] = ()
        if len(cat.skill_codes[t]) and rng.random() < 0.3:
            k = min(int(rng.integers(1, 4)), len(cat.skill_codes[t]))
            drawn = rng.choice(cat.skill_codes[t], size=k, replace=False, p=cat.skill_p[t])
            skills = tuple(sorted(int(x) for x in drawn))
        offers.append(
            {
                col.OFFER_ID: f"OE{as_of.year}-{i + 1:05d}",
                col.CODE_OGR: int(cat.app_codes[t][a]),
                col.CODE_ROME: code_rome,
                col.COMMUNE_INSEE: site,
                col.REQUIRED_LICENCES: tuple(sorted(required)),
                col.REQUIRED_SKILLS: skills,
                col.EXPERIENCE_YEARS_REQUIRED: float(
                    rng.choice([0.0, 1.0, 2.0, 3.0], p=[0.6, 0.25, 0.1, 0.05])
                ),
                col.WEEKLY_HOURS: weekly,
                col.HAS_NIGHTS: bool(rng.random() < nights_p),
                col.HAS_WEEKENDS: bool(rng.random() < weekends_p),
                col.HAS_EARLY_STARTS: bool(rng.random() < early_p),
                col.START_DATE: pd.Timestamp(start),
                col.END_DATE: end,
                col.CONTRACT_TYPE: contract_type,
                col.OPEN_POSITIONS: int(rng.choice([1, 2, 3], p=[0.7, 0.2, 0.1])),
                col.LOT_REF: lot["lot_ref"],
                TITLE: _offer_title(
                    rng,
                    label=cat.app_labels[t][a],
                    code_rome=code_rome,
                    town=names[site],
                    contract_type=contract_type,
                    months=months,
                ),
            }
        )

    def frame(rows: list[dict[str, object]], kinds: dict[str, ColumnKind]) -> pd.DataFrame:
        data = pd.DataFrame(rows, columns=list(kinds)) if rows else _empty(kinds)
        return _typed(data, kinds)

    return (
        frame(offers, _OFFER_KINDS),
        _typed(buyers, _BUYER_KINDS),
        frame(contracts, _CONTRACT_KINDS),
        frame(lots, _LOT_KINDS),
        frame(companies, _COMPANY_KINDS),
    )


def _empty(kinds: dict[str, ColumnKind]) -> pd.DataFrame:
    return pd.DataFrame({name: pd.Series([], dtype=object) for name in kinds})


# --------------------------------------------------------------------------- public API


def generate_pool(
    *,
    communes: pd.DataFrame,
    rome: RomeReferential,
    n_candidates: int,
    n_offers: int,
    departements: Sequence[str] = ("61",),
    rng: np.random.Generator,
    as_of: date,
) -> DemoData:
    """Generate a synthetic pool of candidates and clause offers (see the module docstring).

    Parameters
    ----------
    communes
        Current communes as returned by :func:`matching.referentials.load_communes` (at least
        ``code_insee``, ``nom``, ``departement``, ``epci_code``, ``population``).
    rome
        The ROME referential (appellations and, when loaded, skills).
    n_candidates, n_offers
        Sizes (>= 0).
    departements
        Codes of the départements candidates live in and offers are sited in.
    rng
        The only source of randomness: the same generator state gives the same tables.
    as_of
        Reference date: assessments lie before it, offers start after it.

    Returns
    -------
    DemoData
        ``candidates`` (n_candidates rows), ``candidate_jobs`` (1 to 3 rows per candidate),
        ``offers`` (n_offers rows) with the ``buyers``, ``contracts``, ``lots`` and ``companies``
        behind them. Raises ``ValueError`` for negative sizes or départements without populated
        communes.
    """
    if n_candidates < 0 or n_offers < 0:
        raise ValueError("n_candidates and n_offers must be >= 0")
    wanted = tuple(dict.fromkeys(str(d) for d in departements))
    if not wanted:
        raise ValueError("at least one département is needed")
    local = communes[communes["departement"].isin(wanted) & (communes["population"] > 0)]
    missing = sorted(set(wanted) - set(local["departement"]))
    if missing:
        raise ValueError(f"no populated commune in départements {missing}")
    local = local.reset_index(drop=True)
    cat = _catalogue(rome)
    candidates, jobs = _generate_candidates(local, cat, n_candidates, rng, as_of)
    offers, buyers, contracts, lots, companies = _generate_clauses(
        local, cat, n_offers, wanted, rng, as_of
    )
    return DemoData(candidates, jobs, offers, buyers, contracts, lots, companies)


def _serialise(frame: pd.DataFrame, kinds: dict[str, ColumnKind]) -> pd.DataFrame:
    out = {}
    for name, kind in kinds.items():
        s = frame[name]
        if kind in ("str_tuple", "int_tuple"):
            out[name] = s.map(lambda t: "|".join(str(x) for x in t))
        elif kind == "date":
            out[name] = s.dt.strftime("%Y-%m-%d").fillna("")
        elif kind == "bool":
            out[name] = s.map({True: "true", False: "false"})
        elif kind == "Int64":
            out[name] = s.astype("str").replace("<NA>", "")
        else:
            out[name] = s
    return pd.DataFrame(out)


def _deserialise(raw: pd.DataFrame, kinds: dict[str, ColumnKind], table: str) -> pd.DataFrame:
    missing = [c for c in kinds if c not in raw.columns]
    if missing:
        raise ValueError(f"{table}.csv lacks columns {missing}")
    out = {}
    for name, kind in kinds.items():
        s = raw[name]
        if kind == "str_tuple":
            out[name] = s.map(lambda v: tuple(p for p in v.split("|") if p)).astype(object)
        elif kind == "int_tuple":
            out[name] = s.map(lambda v: tuple(int(p) for p in v.split("|") if p)).astype(object)
        elif kind == "date":
            out[name] = pd.to_datetime(s.replace("", None), format="%Y-%m-%d")
        elif kind == "bool":
            out[name] = s.map({"true": True, "false": False, "True": True, "False": False})
        elif kind == "Int64":
            out[name] = pd.to_numeric(s.replace("", None)).astype("Int64")
        elif kind in ("int", "float"):
            out[name] = pd.to_numeric(s.replace("", None))
        else:
            out[name] = s
    return _typed(pd.DataFrame(out), kinds)


def write_demo(data: DemoData, directory: str | Path) -> list[Path]:
    """Write each table of ``data`` to ``<directory>/<table>.csv`` (UTF-8, ``,``).

    Tuples are ``|``-joined, dates ISO (``YYYY-MM-DD``, empty for NaT), booleans
    ``true``/``false``, missing numbers empty. Returns the paths written.
    """
    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    paths = []
    for table, kinds in DEMO_TABLES.items():
        path = d / f"{table}.csv"
        _serialise(getattr(data, table), kinds).to_csv(path, index=False, lineterminator="\n")
        paths.append(path)
    return paths


def read_demo(directory: str | Path) -> DemoData:
    """Read a demo set written by :func:`write_demo` back, with the generator's dtypes."""
    d = Path(directory)
    tables = {}
    for table, kinds in DEMO_TABLES.items():
        raw = pd.read_csv(d / f"{table}.csv", dtype=str, keep_default_na=False)
        tables[table] = _deserialise(raw, kinds, table)
    return DemoData(**tables)
