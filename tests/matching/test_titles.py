"""Offer titles → ROME: the normaliser, the index on tiny hand-built tables, and hard real cases."""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
import pytest

from fixtures import REFERENTIALS_DIR
from matching.titles import MATCH_COLUMNS, TitleIndex, clean_title, label_acronyms, load_title_index
from matching.titles import lexicon as lexicon_module
from matching.titles.lexicon import load_title_lexicon

# --------------------------------------------------------------------------- clean_title


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("MACON H/F", "macon"),
        ("Maçon / Maçonne - CDD 6 mois - Alençon", "macon"),
        ("Agent(e) d'entretien espaces verts (F/H)", "agent entretien espace vert"),
        ("Chauffeur PL SPL", "chauffeur poids lourd super poids lourd"),
        ("Cariste CACES R489 cat 3 URGENT", "cariste caces chariot elevateur"),
        ("ASH de nuit 35h", "agent de service hospitalier"),
        ("Ouvr VRD", "ouvrier voirie reseaux divers"),
        ("Plaquiste secteur Flers", "plaquiste"),
        ("Électricien H-F", "electricien"),
        ("Intervenant(e) social(e) PARIS (75) (H/F)", "intervenant social"),
        ("Coach Sportif / Coach Sportive (H/F)", "coach sportif"),
        ("Chargé.e de mission", "charge de mission"),
        ("Ingénieur-e études", "ingenieur etude"),
        ("Chef / Cheffe de secteur travaux publics", "chef de secteur travaux public"),
        ("Vendeur(se) temps partiel - Intérim", "vendeur"),
        ("Agent / Agente de service hospitalier (ASH)", "agent de service hospitalier"),
        ("Administrateur(trice) / Ingénieur(e) réseau", "administrateur ingenieur reseau"),
        ("Vendeur·se", "vendeur"),
        ("Educateur/trice spécialisé(e)", "educateur specialise"),
        ("Chauffeur livreur VL permis B", "chauffeur livreur vehicule leger"),
        ("Maçon N3P2", "macon"),
        ("Aide à domicile - secteur Mortagne-au-Perche", "aide domicile"),
        ("Conductrice de bus", "conducteur de bus"),
        ("Infirmière / Aide-soignante", "infirmier aide soignant"),
        ("Conseillère en insertion professionnelle", "conseiller en insertion professionnel"),
        ("", ""),
        ("   ", ""),
        ("(H/F)", ""),
        ("CDD 6 mois 35h", ""),
    ],
)
def test_clean_title(title: str, expected: str) -> None:
    assert clean_title(title) == expected


def test_clean_title_keeps_place_names_that_are_job_words() -> None:
    # Mâcon (the town) folds to "macon", which is the mason's title: it must stay.
    assert clean_title("Maçon Mâcon") == "macon macon"


def test_word_lists_are_package_data() -> None:
    lexicon = load_title_lexicon()
    assert lexicon is load_title_lexicon()  # read once
    assert lexicon.abbreviations["pl"] == "poids lourd" and lexicon.abbreviations["cqp"] == ""
    assert lexicon.noise_phrases[:2] == ("poste a pourvoir", "a pourvoir")  # file order kept
    assert {"cdd", "urgent"} <= lexicon.noise_tokens and "poids" in lexicon.invariable
    assert "secteur" in lexicon.place_markers and "de" in lexicon.stopwords
    assert {"alencon", "flers", "pays d auge"} <= lexicon.places and "macon" not in lexicon.places
    assert not any(w.startswith("#") for w in lexicon.places)  # the header is a comment


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("stopwords.txt", "# comment\n\nde\nDé\n", "stopwords.txt, line 4: 'Dé' is not folded"),
        ("abbreviations.txt", "pl = poids lourd\npl = pl\n", "line 2: 'pl' is given twice"),
        ("abbreviations.txt", "pl poids lourd\n", "line 1: expected 'abbreviation = expansion'"),
        ("abbreviations.txt", "pl = Poids-lourd\n", "line 1: 'Poids-lourd' is not folded"),
    ],
)
def test_word_lists_are_checked(
    monkeypatch: pytest.MonkeyPatch, name: str, text: str, message: str
) -> None:
    real = lexicon_module._read
    monkeypatch.setattr(lexicon_module, "_read", lambda n: text if n == name else real(n))
    load_title_lexicon.cache_clear()
    try:
        with pytest.raises(ValueError, match=re.escape(message)):
            load_title_lexicon()
    finally:
        monkeypatch.undo()
        load_title_lexicon.cache_clear()


def test_clean_title_tolerates_non_strings() -> None:
    assert clean_title(None) == ""
    assert clean_title(float("nan")) == ""


# --------------------------------------------------------------------------- tiny index


def _tiny_tables() -> tuple[pd.DataFrame, pd.DataFrame]:
    fiches = pd.DataFrame(
        {
            "code_rome": ["A0001", "B0001", "B0002", "C0001"],
            "libelle_rome": ["Maçon / Maçonne", "Cariste", "Magasinier cariste", "Boulanger"],
            "code_rome_parent": ["A0001", "B0001", "B0001", "C0001"],
        }
    )
    appellations = pd.DataFrame(
        {
            "code_ogr": [1, 2, 3, 4, 5],
            "libelle": [
                "Maçon / Maçonne",
                "Maçon VRD",
                "Cariste",
                "Magasinier / Magasinière cariste",
                "Boulanger / Boulangère",
            ],
            "code_rome": ["A0001", "A0001", "B0001", "B0002", "C0001"],
            "is_main": [True, False, True, True, True],
        }
    )
    return appellations, fiches


def test_tiny_index_obvious_answers() -> None:
    appellations, fiches = _tiny_tables()
    index = TitleIndex.build(appellations, fiches)
    out = index.match(["MAÇON H/F", "magasinier cariste", "Boulangère"], k=2)
    assert list(out.columns) == list(MATCH_COLUMNS)
    best = out[out["rank"] == 1].set_index("title_index")
    assert best.loc[0, "code_ogr"] == 1
    assert best.loc[0, "code_rome_parent"] == "A0001"
    assert best.loc[0, "score"] == pytest.approx(1.0)
    # The closest appellation inside the reference fiche B0001 is the child fiche's title.
    assert best.loc[1, "code_ogr"] == 4
    assert best.loc[1, "code_rome"] == "B0002"
    assert best.loc[1, "code_rome_parent"] == "B0001"
    assert best.loc[2, "code_rome_parent"] == "C0001"
    # Next ranks are other fiches (the sibling B0001 may follow its child B0002).
    assert out.groupby("title_index")["code_rome"].nunique().eq(2).all()
    assert not out["is_vague"].any()


def test_tiny_index_at_reference_level_groups_child_fiches() -> None:
    appellations, fiches = _tiny_tables()
    index = TitleIndex.build(appellations, fiches, level="reference")
    out = index.match(["magasinier cariste"], k=3)
    # One class for B0001 and its child B0002: the child's title, filed under the reference.
    assert out["code_rome_parent"].tolist() == ["B0001", "A0001", "C0001"][: len(out)]
    assert out["code_rome"].iloc[0] == "B0002"
    with pytest.raises(ValueError, match="level must be"):
        TitleIndex.build(appellations, fiches, level="domaine")


def test_tiny_index_learns_from_examples() -> None:
    appellations, fiches = _tiny_tables()
    examples = pd.DataFrame(
        {
            "intitule": ["Fournil de nuit", "Ouvrier fournil", "Fournil polyvalent"],
            "code_rome": ["C0001", "C0001", "C0001"],
        }
    )
    without = TitleIndex.build(appellations, fiches)
    with_examples = TitleIndex.build(appellations, fiches, examples)
    before = without.match(["Ouvrier de fournil"], k=3).set_index("code_rome_parent")
    best = with_examples.match(["Ouvrier de fournil"], k=1)
    assert best["code_rome_parent"].iloc[0] == "C0001"
    assert best["code_ogr"].iloc[0] == 5  # the fiche's appellation, found through examples
    assert best["score"].iloc[0] > before.loc["C0001", "score"]


def test_many_examples_are_subsampled_reproducibly(monkeypatch: pytest.MonkeyPatch) -> None:
    import matching.titles.index as index

    monkeypatch.setattr(index, "_MAX_EXAMPLES", 3)
    appellations, fiches = _tiny_tables()
    examples = pd.DataFrame(
        {
            "intitule": [f"fournil {w}" for w in ("four", "pain", "levain", "croissant", "pate")],
            "code_rome": ["C0001"] * 5,
        }
    )
    a = TitleIndex.build(appellations, fiches, examples, random_state=1)
    b = TitleIndex.build(appellations, fiches, examples, random_state=1)
    assert a.example_matrix.shape[0] == 3
    pd.testing.assert_frame_equal(a.match(["fournil"]), b.match(["fournil"]))


def test_build_rejects_bad_input() -> None:
    appellations, fiches = _tiny_tables()
    with pytest.raises(ValueError, match="lacks columns"):
        TitleIndex.build(appellations.drop(columns=["libelle"]), fiches)
    with pytest.raises(ValueError, match="unknown fiches"):
        TitleIndex.build(
            appellations, fiches, pd.DataFrame({"intitule": ["x"], "code_rome": ["Z9999"]})
        )
    index = TitleIndex.build(appellations, fiches)
    with pytest.raises(ValueError, match="k must be"):
        index.match(["maçon"], k=0)


def test_k_larger_than_the_number_of_fiches() -> None:
    appellations, fiches = _tiny_tables()
    out = TitleIndex.build(appellations, fiches).match(["maçon"], k=10)
    assert len(out) == 4  # four fiches
    out = TitleIndex.build(appellations, fiches, level="reference").match(["maçon"], k=10)
    assert len(out) == 3  # three reference fiches


# --------------------------------------------------------------------------- shipped index


@pytest.fixture(scope="module")
def index() -> TitleIndex:
    return load_title_index(REFERENTIALS_DIR)


HARD_CASES = [
    ("MACON H/F", "F1703"),
    ("Maçon / Maçonne - CDD 6 mois - Alençon", "F1703"),
    ("Agent(e) d'entretien espaces verts (F/H)", "A1203"),
    ("Chauffeur PL SPL", "N4101"),
    ("Cariste CACES R489 cat 3 URGENT", "N1101"),
    ("ASH de nuit 35h", "J1301"),
    ("Ouvr VRD", "F1702"),
    ("Plaquiste secteur Flers", "F1604"),
    ("macon", "F1703"),
    ("électrcien", "F1602"),
    ("Electricien bâtiment H/F", "F1602"),
    ("PLOMBIER CHAUFFAGISTE (H/F) PARIS (75)", "F1603"),
    ("Aide-soignant(e) EHPAD Argentan", "J1501"),
    ("Serveur / Serveuse", "G1803"),
    ("Manœuvre TP - Intérim", "F1704"),
    ("Préparateur de commandes - temps partiel", "N1103"),
    ("Peintre en bâtiment URGENT", "F1606"),
    ("Vendeuse en boulangerie", "D1106"),
    ("Conductrice de bus", "N4103"),
    ("Infirmière de nuit", "J1506"),
    ("Educateur/trice spécialisé(e)", "K1207"),
]


@pytest.mark.parametrize(("title", "parent"), HARD_CASES)
def test_hard_titles_land_on_their_reference_fiche(
    index: TitleIndex, title: str, parent: str
) -> None:
    best = index.match([title], k=3).iloc[0]
    assert best["code_rome_parent"] == parent, best.to_dict()
    assert 0.0 < best["score"] <= 1.0
    assert not pd.isna(best["code_ogr"])
    assert best["appellation"]


def test_scores_in_unit_interval_and_ranks_consistent(index: TitleIndex) -> None:
    titles = [t for t, _ in HARD_CASES] + ["", "xyzzy", "Responsable comptable"]
    out = index.match(titles, k=3)
    assert out["score"].between(0.0, 1.0).all()
    for _, group in out.groupby("title_index"):
        assert group["rank"].tolist() == list(range(1, len(group) + 1))
        assert (np.diff(group["score"].to_numpy()) <= 1e-9).all()
        codes = group.loc[group["code_rome"] != "", "code_rome"]
        assert codes.is_unique
        assert (group["is_vague"] == group["is_vague"].iloc[0]).all()


def test_batch_equals_one_by_one(index: TitleIndex) -> None:
    titles = [t for t, _ in HARD_CASES]
    batch = index.match(titles, k=3)
    singles = pd.concat(
        [index.match([t], k=3).assign(title_index=i) for i, t in enumerate(titles)],
        ignore_index=True,
    )
    pd.testing.assert_frame_equal(batch, singles, check_exact=False, atol=1e-6)


def test_large_batch_spans_blocks(index: TitleIndex) -> None:
    titles = ["Maçon", "Cariste", ""] * 400  # more than one block of 512
    out = index.match(titles, k=1)
    assert len(out) == len(titles)
    assert out["title_index"].tolist() == list(range(len(titles)))
    assert (out["code_rome_parent"].iloc[0::3] == "F1703").all()
    assert (out["score"].iloc[2::3] == 0.0).all()


@pytest.mark.parametrize(
    "title", ["", "   ", "(H/F)", "CDD 6 mois", None, math.nan, "xyzzy", "lorem ipsum dolor", "???"]
)
def test_empty_titles_get_no_code(index: TitleIndex, title: object) -> None:
    out = index.match([title, "Maçon"], k=3)  # type: ignore[list-item]
    empty = out[out["title_index"] == 0]
    assert len(empty) == 1
    row = empty.iloc[0]
    assert row["score"] == 0.0
    assert row["code_rome"] == "" and row["code_rome_parent"] == ""
    assert pd.isna(row["code_ogr"])
    assert out[out["title_index"] == 1]["code_rome_parent"].iloc[0] == "F1703"


def test_no_titles(index: TitleIndex) -> None:
    out = index.match([], k=3)
    assert out.empty
    assert list(out.columns) == list(MATCH_COLUMNS)


def test_search_autocomplete(index: TitleIndex) -> None:
    hits = index.search("maç", k=5)
    assert 0 < len(hits) <= 5
    assert hits["appellation"].iloc[0].lower().startswith("maçon")
    assert hits["score"].between(0.0, 1.0).all()
    assert hits["score"].is_monotonic_decreasing

    cariste = index.search("cariste", k=5)
    assert cariste["appellation"].iloc[0] == "Cariste"
    assert cariste["code_rome"].iloc[0] == "N1101"

    assert index.search("carriste", k=5)["appellation"].iloc[0] == "Cariste"  # typo
    assert index.search("chauffeur pl", k=5)["code_rome_parent"].iloc[0] == "N4101"
    assert index.search("xq", k=5).empty

    assert index.search("", k=5).empty
    assert index.search("maçon", k=0).empty


def test_build_is_deterministic() -> None:
    a = load_title_index(REFERENTIALS_DIR, with_examples=False)
    b = load_title_index(REFERENTIALS_DIR, with_examples=False)
    titles = ["MACON H/F", "Chauffeur PL SPL", "agent d'accueil"]
    pd.testing.assert_frame_equal(a.match(titles), b.match(titles))


def test_acronyms_the_referential_spells_out_are_expanded() -> None:
    acronyms = label_acronyms(
        [
            "Responsable de la sécurité des systèmes d'information (RSSI)",
            "Chef de chantier (VRD)",  # not the initials of the label: not an acronym of it
            "Agent de sécurité - ADS",
            "Aide de service - ADS",  # one acronym, two fiches: ambiguous, left alone
        ],
        ["M1844", "F1202", "K2503", "G1603"],
    )
    assert acronyms == {"rssi": "responsable de la securite des systeme information"}


def test_a_title_made_of_a_referential_acronym_matches_its_job(index: TitleIndex) -> None:
    best = index.match(["AESH H/F", "Aesh collège Flers"], k=1)
    assert best["code_rome"].tolist() == ["K2113", "K2113"]
    assert (best["score"] >= 0.7).all()
