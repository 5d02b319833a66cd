"""Import files → records: every kind of bad file is refused with a clear, located reason."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import pytest

from fixtures import REFERENTIALS_DIR
from matching.referentials import CommuneIndex, RomeReferential
from matching.text import fold
from service.imports.candidates import CandidateParseResult, parse_candidates
from service.imports.common import end_from_duration, parse_contract_type
from service.imports.offer_records import OfferParseResult
from service.imports.offers import parse_offers
from service.imports.reading import ImportLimits, ImportRejected
from service.procurement.siret import is_valid_siret
from service.referentials.titles import TitleGuess

SAMPLE_JSON = REFERENTIALS_DIR.parent / "samples" / "france_travail_offers_sample.json"

_KEYWORDS = {
    "macon": ("F1703", 11_000.0),
    "cariste": ("N1101", None),
    "agent d entretien": ("K2204", None),
}


def fake_titles(titles: Sequence[str]) -> list[TitleGuess]:
    """A stand-in normaliser: keyword → fiche (the real index is tested on its own)."""
    out = []
    for t in titles:
        hit = next((v for k, v in _KEYWORDS.items() if k in fold(t)), None)
        out.append(TitleGuess(hit[0], None, 0.9) if hit else TitleGuess(None, None, 0.0))
    return out


def offers(
    text: str | bytes,
    rome: RomeReferential,
    communes: CommuneIndex,
    *,
    filename: str = "offres.csv",
    encoding: str = "utf-8",
    limits: ImportLimits | None = None,
) -> OfferParseResult:
    data = text if isinstance(text, bytes) else text.encode(encoding)
    return parse_offers(
        data,
        filename=filename,
        communes=communes,
        rome=rome,
        normalise_titles=fake_titles,
        limits=limits,
    )


HEADER = "Référence;Intitulé;Code ROME;Commune;Type de contrat;Durée hebdomadaire;Date de début;Durée;Nombre de postes;SIRET;Permis requis\n"
GOOD = "OE-1;Maçon H/F;;Alençon;CDD;35;02/03/2027;6 mois;2;73282932000074;B\n"


def test_good_csv_with_semicolons_in_cp1252(rome: RomeReferential, communes: CommuneIndex) -> None:
    res = offers(HEADER + GOOD, rome, communes, encoding="cp1252")
    assert res.ok, res.errors
    (rec,) = res.records
    assert rec.code_rome == "F1703" and rec.rome_from_title
    assert rec.commune_insee == "61001"
    assert rec.start_date == date(2027, 3, 2) and rec.end_date == date(2027, 9, 1)
    assert rec.required_licences == ("PERMIS_B",)
    assert rec.open_positions == 2


def test_comma_separated_utf8_bom_iso_dates(rome: RomeReferential, communes: CommuneIndex) -> None:
    text = (
        "reference,intitule,code_rome,commune,code_postal,date_debut,date_fin\n"
        "X,Plaquiste,F1604,Flers,61100,2027-01-04,2027-03-31\n"
        "Y,Plaquiste,F1604,,61100,2027-01-04,2027-03-31\n"
    )
    res = offers("\ufeff" + text, rome, communes)
    assert res.records[0].commune_insee == "61169"
    assert res.records[0].end_date == date(2027, 3, 31)
    # 61100 serves a dozen communes around Flers: a postal code alone is not enough.
    assert [(e.line, e.code) for e in res.errors] == [(3, "ambiguous_commune")]


def test_every_bad_row_is_listed_with_line_and_column(
    rome: RomeReferential, communes: CommuneIndex
) -> None:
    bad = (
        HEADER
        + GOOD
        + "OE-2;Truc bizarre;;Atlantide;CDX;abc;31/02/2027;;0;123;licorne\n"
        + "OE-3;Maçon;Z9999;Alençon;CDD;35;10/03/2027;;1;;\n"
        + "OE-1;Maçon;;Alençon;CDD;35;10/03/2027;;1;;\n"
        + "OE-4;Maçon;;Alençon;CDD;35;10/03/2027;;1\n"
    )
    res = offers(bad, rome, communes)
    assert len(res.records) == 1
    by_line: dict[int | None, set[str]] = {}
    for e in res.errors:
        by_line.setdefault(e.line, set()).add(e.code)
    assert by_line[3] >= {
        "unknown_commune",
        "bad_contract_type",
        "bad_weekly_hours",
        "bad_start_date",
        "bad_open_positions",
        "bad_siret",
        "unknown_licence",
    }
    assert by_line[4] == {"unknown_rome"}
    assert by_line[5] == {"duplicate_id"}
    assert by_line[6] == {"wrong_field_count"}
    cols = {e.column for e in res.errors if e.line == 3}
    assert "Commune" in cols and "SIRET" in cols  # named as the file spells them
    assert all(e.message[0].isupper() or e.message[0] == "«" for e in res.errors)


def test_dates_in_the_wrong_order(rome: RomeReferential, communes: CommuneIndex) -> None:
    text = "reference;intitule;commune;date_debut;date_fin\nA;Maçon;61001;10/03/2027;01/03/2027\n"
    res = offers(text, rome, communes)
    assert [e.code for e in res.errors] == ["dates_out_of_order"]
    assert "précède" in res.errors[0].message


def test_unrecognised_title_asks_for_a_code(rome: RomeReferential, communes: CommuneIndex) -> None:
    text = "reference;intitule;commune;date_debut\nA;Poste polyvalent;61001;10/03/2027\n"
    res = offers(text, rome, communes)
    assert [e.code for e in res.errors] == ["unrecognised_title"]


def test_ambiguous_commune_prefers_the_orne_else_lists_candidates(
    rome: RomeReferential, communes: CommuneIndex
) -> None:
    text = "reference;intitule;commune;date_debut\nA;Maçon;Flers;10/03/2027\nB;Maçon;Saint-Cyr;10/03/2027\n"
    res = offers(text, rome, communes)
    assert res.records[0].commune_insee == "61169"
    assert [e.code for e in res.errors] == ["ambiguous_commune"]
    assert "87141" in res.errors[0].message


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "empty_file"),
        (b"   \n  ", "empty_file"),
        ("Référence;Intitulé;Commune;Date de début\n".encode(), "header_only"),
        (b"PK\x03\x04\x00\x00binary", "binary_file"),
        (b"reference;intitule\nA;Macon\n", "missing_columns"),
        (b"reference;reference;intitule;commune;date_debut\nA;A;B;C;D\n", "duplicate_columns"),
    ],
)
def test_files_refused_as_a_whole(
    data: bytes, code: str, rome: RomeReferential, communes: CommuneIndex
) -> None:
    with pytest.raises(ImportRejected) as info:
        offers(data, rome, communes)
    assert info.value.errors[0].code == code


def test_missing_columns_lists_what_was_found(
    rome: RomeReferential, communes: CommuneIndex
) -> None:
    with pytest.raises(ImportRejected) as info:
        offers("ref;titre;ville\nA;Maçon;Alençon\n", rome, communes)
    msg = info.value.errors[0].message
    assert "date_de_debut" in msg and "Colonnes trouvées : ref, titre, ville" in msg


def test_extra_columns_are_reported_not_fatal(
    rome: RomeReferential, communes: CommuneIndex
) -> None:
    text = "reference;intitule;commune;date_debut;description\nA;Maçon;61001;10/03/2027;texte\n"
    res = offers(text, rome, communes)
    assert res.ok and res.warnings == ["Colonnes ignorées : description."]


def test_limits(rome: RomeReferential, communes: CommuneIndex) -> None:
    small = ImportLimits(max_bytes=200, max_rows=2, max_field_chars=50)
    with pytest.raises(ImportRejected) as info:
        offers(HEADER + GOOD * 10, rome, communes, limits=small)
    assert info.value.errors[0].code == "file_too_large"
    rows = "".join(f"A{i};Maçon;;61001;CDD;35;01/03/2027;;1;;\n" for i in range(3))
    with pytest.raises(ImportRejected) as info:
        offers(HEADER + rows, rome, communes, limits=ImportLimits(max_rows=2))
    assert info.value.errors[0].code == "too_many_rows"


def test_a_10_megabyte_line(rome: RomeReferential, communes: CommuneIndex) -> None:
    huge = "x" * 10_000_000
    text = HEADER + GOOD + f"OE-9;{huge};;61001;CDD;35;01/03/2027;;1;;\n"
    res = offers(text, rome, communes, limits=ImportLimits(max_bytes=50_000_000))
    assert [e.code for e in res.errors] == ["field_too_long"]
    assert res.errors[0].line == 3


def test_undecodable_bytes_fall_back_to_windows_1252(
    rome: RomeReferential, communes: CommuneIndex
) -> None:
    # 0x81 is undefined in Windows-1252 and invalid UTF-8.
    with pytest.raises(ImportRejected) as info:
        offers(b"reference;intitule\n\x81;x\n", rome, communes)
    assert info.value.errors[0].code == "bad_encoding"


def test_france_travail_sample(rome: RomeReferential, communes: CommuneIndex) -> None:
    res = offers(SAMPLE_JSON.read_bytes(), rome, communes, filename="offres.json")
    assert res.ok, res.errors
    assert len(res.records) == 20
    first = res.records[0]
    assert first.external_id == "200GRGP" and first.code_rome == "D1208"
    assert first.commune_insee == "14556" and first.weekly_hours == 26
    assert first.has_weekends
    bus = next(r for r in res.records if r.code_rome == "N4103")
    assert bus.required_licences == ("PERMIS_D",)
    night = next(r for r in res.records if r.external_id == "200GZBT")
    assert night.has_nights and night.contract_type == "INTERIM"


def test_france_travail_wrapped_and_broken(rome: RomeReferential, communes: CommuneIndex) -> None:
    wrapped = b'{"resultats": [{"id": "1", "intitule": "Macon", "romeCode": "F1703", "lieuTravail": {"commune": "61001"}, "dateCreation": "2026-11-01T10:00:00Z"}]}'
    res = offers(wrapped, rome, communes, filename="x.json")
    assert res.ok and res.records[0].code_rome == "F1703"
    with pytest.raises(ImportRejected) as info:
        offers(b'[{"id": 1,,}]', rome, communes, filename="x.json")
    assert info.value.errors[0].code == "bad_json"
    with pytest.raises(ImportRejected) as info:
        offers(b'{"offres": []}', rome, communes, filename="x.json")
    assert info.value.errors[0].code == "bad_json_shape"
    res = offers(b'[{"id": "2", "intitule": "Macon"}]', rome, communes, filename="x.json")
    assert {e.code for e in res.errors} == {"missing_commune", "bad_start_date"}


def test_values() -> None:
    assert is_valid_siret("73282932000074")
    assert not is_valid_siret("73282932000075")
    assert parse_contract_type("Intérim") == "INTERIM"
    assert parse_contract_type("MIS") == "INTERIM"
    assert parse_contract_type("Contrat de professionnalisation") == "PRO"
    assert end_from_duration(date(2027, 1, 31), "1 mois") == date(2027, 2, 27)
    assert end_from_duration(date(2027, 1, 4), "2 semaines") == date(2027, 1, 17)
    assert end_from_duration(date(2027, 1, 4), "CDI") is None
    with pytest.raises(ValueError, match="durée"):
        end_from_duration(date(2027, 1, 4), "longtemps")


# --------------------------------------------------------------------------- candidates

CAND_HEADER = "Identifiant;Coach;Commune;Métiers;Permis;Véhicule;Distance max km;Étape;Date d'évaluation;Disponible le;Sexe;Année de naissance\n"


def candidates(text: str, rome: RomeReferential, communes: CommuneIndex) -> CandidateParseResult:
    return parse_candidates(
        text.encode("cp1252"),
        communes=communes,
        rome=rome,
        normalise_titles=fake_titles,
        known_coaches=["coach-alencon", "coach-flers"],
        today=date(2026, 11, 25),
    )


def test_good_candidates(rome: RomeReferential, communes: CommuneIndex) -> None:
    text = CAND_HEADER + (
        "P-001;coach-alencon;Alençon;F1703:4|Agent d'entretien:1;B, CACES 3;oui;25;prêt à l'emploi;01/10/2026;;F;1980\n"
        "P-002;coach-flers;61100 Flers;16361;;non;;diagnostic;2026-06-01;15/01/2027;;\n"
    )
    res = candidates(text, rome, communes)
    assert res.ok, res.errors
    a, b = res.records
    assert [j.code_rome for j in a.jobs] == ["F1703", "K2204"]
    assert a.jobs[0].experience_years == 4
    assert a.licences == ("PERMIS_B", "CACES_R489_3")
    assert a.travel_mode == "voiture" and a.max_distance_km == 25
    assert a.readiness_stage == "pret_emploi"
    assert a.available_from == date(2026, 11, 25)
    assert a.reporting.sex == "F" and a.reporting.birth_year == 1980
    assert b.jobs[0].code_ogr == 16361 and b.travel_mode == "transport_commun"
    assert b.reporting.sex is None


def test_bad_candidates(rome: RomeReferential, communes: CommuneIndex) -> None:
    text = CAND_HEADER + (
        "P-1;coach-inconnu;Atlantide;Z9999|Poste mystère;licorne;peut-être;-5;bientôt;01/12/2027;;X;1850\n"
        "P-2;coach-flers;61001;F1703;;;;diagnostic;;;;\n"
    )
    res = candidates(text, rome, communes)
    assert res.records == []
    line2 = {e.code for e in res.errors if e.line == 2}
    assert line2 >= {
        "unknown_coach",
        "unknown_commune",
        "unknown_rome",
        "unrecognised_job",
        "unknown_licence",
        "bad_vehicle",
        "bad_max_km",
        "bad_stage",
        "future_assessment",
        "bad_sex",
        "bad_birth_year",
    }
    assert {e.code for e in res.errors if e.line == 3} == {"missing_assessed_on"}


def _vague(titles: Sequence[str]) -> list[TitleGuess]:
    """A stand-in normaliser that finds every title vague, with two guesses."""
    guesses = (("D1106", "Vendeur / Vendeuse en épicerie", 0.32), ("D1212", "Vendeur", 0.29))
    return [TitleGuess("D1106", None, 0.9, is_vague=True, alternatives=guesses) for _ in titles]


def test_a_vague_job_of_a_candidate_is_to_be_specified(
    rome: RomeReferential, communes: CommuneIndex
) -> None:
    text = CAND_HEADER + "P-1;coach-flers;61001;Vendeur:2;;;;diagnostic;01/10/2026;;;\n"
    res = parse_candidates(
        text.encode("cp1252"),
        communes=communes,
        rome=rome,
        normalise_titles=_vague,
        known_coaches=["coach-flers"],
        today=date(2026, 11, 25),
    )
    assert res.records == []
    assert [e.code for e in res.errors] == ["vague_job"]
    assert "« Vendeur » à préciser" in res.errors[0].message
    assert "code ROME de ce métier (pistes : D1106" in res.errors[0].message


def test_a_vague_title_is_to_be_specified(rome: RomeReferential, communes: CommuneIndex) -> None:

    text = "reference;intitule;commune;date_debut\nA;Vendeur H/F;61001;10/03/2027\n"
    res = parse_offers(
        text.encode(),
        filename="offres.csv",
        communes=communes,
        rome=rome,
        normalise_titles=_vague,
        limits=ImportLimits(),
    )
    assert res.records == []
    assert [e.code for e in res.errors] == ["vague_title"]
    assert res.errors[0].message == (
        "Intitulé « Vendeur H/F » à préciser : il ne nomme pas de métier précis. Indiquez le code "
        "ROME de l'offre (pistes : D1106 Vendeur / Vendeuse en épicerie, D1212 Vendeur)."
    )
