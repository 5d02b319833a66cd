"""Learning from noisy recorded codes, and titles that name no trade (*à préciser*)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from matching.titles import TitleIndex
from matching.titles.labels import family_max, label_support, remap_moved_codes
from matching.titles.vague import VagueRule

# --------------------------------------------------------------------------- recorded codes


def _appellations() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "libelle": [
                "Administrateur / Administratrice de systèmes",
                "Administrateur / Administratrice de bases de données",
                "Serveur / Serveuse en restauration",
            ],
            "libelle_court": ["Administrateur(trice) de systèmes", "DBA", "Serveur(se)"],
            "code_rome": ["M1801", "M1894", "G1803"],
            "code_rome_parent": ["M1801", "M1801", "G1803"],
        }
    )


def test_codes_moved_between_versions_follow_their_appellation() -> None:
    codes = pd.Series(["M1801", "M1801", "G1803", "M1801", "M1801"], index=[10, 11, 12, 13, 14])
    recorded = pd.Series(
        [
            "Administrateur / Administratrice de bases de données",  # moved to the child M1894
            " ADMINISTRATEUR(TRICE) DE SYSTÈMES",  # already there (short label, any case)
            "Administrateur / Administratrice de bases de données",  # other family: kept
            "",  # nothing recorded
            "Jardinier",  # unknown label
        ],
        index=codes.index,
    )
    out = remap_moved_codes(codes, recorded, _appellations())
    assert out.tolist() == ["M1894", "M1801", "G1803", "M1801", "M1801"]
    assert out.index.tolist() == codes.index.tolist()


def test_family_max_and_label_support() -> None:
    # Classes 0 and 1 form one family, class 2 another.
    family = np.array([0, 0, 1])
    lexical = np.array(
        [
            [0.2, 0.9, 0.1],  # recorded 0: its sibling 1 matches best -> full support
            [0.1, 0.1, 0.8],  # recorded 0: only the other family matches -> weak support
            [0.0, 0.0, 0.0],  # no lexical link anywhere: nothing contradicts the record
        ],
        dtype=np.float32,
    )
    np.testing.assert_allclose(family_max(lexical, family), [[0.9, 0.1], [0.1, 0.8], [0.0, 0.0]])
    support = label_support(lexical, np.array([0, 0, 2]), family)
    assert support.tolist() == pytest.approx([1.0, 0.125, 1.0])


def _tables() -> tuple[pd.DataFrame, pd.DataFrame]:
    fiches = pd.DataFrame(
        {
            "code_rome": ["G1803", "M1801", "M1894"],
            "libelle_rome": [
                "Serveur / Serveuse en restauration",
                "Administrateur / Administratrice de systèmes",
                "Administrateur / Administratrice de bases de données",
            ],
            "code_rome_parent": ["G1803", "M1801", "M1801"],
        }
    )
    appellations = pd.DataFrame(
        {
            "code_ogr": [1, 2, 3],
            "libelle": fiches["libelle_rome"],
            "code_rome": fiches["code_rome"],
        }
    )
    return appellations, fiches


def test_index_learns_corrected_codes() -> None:
    appellations, fiches = _tables()
    examples = pd.DataFrame(
        {
            # "Serveur" filed as a systems administrator: the referential gives it no support.
            "intitule": ["Serveur brasserie", "Serveur brasserie midi", "DBA Oracle", "DBA SQL"],
            "code_rome": ["M1801", "M1801", "M1801", "M1801"],
            "appellation": [
                "Administrateur / Administratrice de systèmes",
                "Administrateur / Administratrice de systèmes",
                "Administrateur / Administratrice de bases de données",
                "Administrateur / Administratrice de bases de données",
            ],
        }
    )
    cleaned = TitleIndex.build(appellations, fiches, examples)
    raw = TitleIndex.build(appellations, fiches, examples, clean_labels=False)
    assert cleaned.n_examples_dropped == 2
    assert raw.n_examples_dropped == 0
    assert cleaned.match(["Serveur restauration brasserie"], k=1)["code_rome"].iloc[0] == "G1803"
    assert raw.match(["Serveur restauration brasserie"], k=1)["code_rome"].iloc[0] == "M1801"
    # "DBA" is no word of any label: only the (moved) recorded codes teach it.
    assert cleaned.match(["DBA Postgres"], k=1)["code_rome"].iloc[0] == "M1894"
    assert raw.match(["DBA Postgres"], k=1)["code_rome"].iloc[0] == "M1801"


# --------------------------------------------------------------------------- vague titles


def _rule(min_domains: int = 3) -> VagueRule:
    labels = [
        "vendeur en epicerie",
        "vendeur en informatique",
        "vendeur automobile",
        "chef equipe vendeur automobile",
        "macon",
        "aide macon",
    ]
    return VagueRule.build(
        labels, ["D11", "D12", "D14", "D14", "F17", "F17"], min_domains=min_domains
    )


def test_vague_titles_name_no_trade() -> None:
    rule = _rule()
    titles = ["vendeur", "vendeur en epicerie", "macon", "", "xyzzy", "vendeur xyzzy", "automobile"]
    n_domains, is_exact, n_words = rule.domain_spread(titles)
    assert n_domains.tolist() == [3, 1, 1, 0, 0, 0, 1]
    assert is_exact.tolist() == [False, True, True, False, False, False, False]
    assert n_words.tolist() == [1, 2, 1, 0, 1, 2, 1]
    # "vendeur": three domains, no label says just that; an empty title names nothing;
    # an unknown word is left to the score.
    assert rule.is_vague(titles).tolist() == [True, False, False, True, False, False, False]
    assert not _rule(min_domains=4).is_vague(["vendeur"])[0]


def test_vague_rule_exact_label_is_not_vague_and_bad_input() -> None:
    rule = VagueRule.build(
        ["vendeur", "vendeur a", "vendeur b", "vendeur c"], ["D1", "D2", "D3", "D4"]
    )
    assert not rule.is_vague(["vendeur"])[0]
    with pytest.raises(ValueError, match="one domain per label"):
        VagueRule.build(["vendeur"], [])
    with pytest.raises(ValueError, match="min_domains"):
        VagueRule.build(["vendeur"], ["D1"], min_domains=1)


def test_shipped_index_flags_vague_titles() -> None:
    from fixtures import REFERENTIALS_DIR
    from matching.referentials import load_appellations, load_fiches

    fiches = load_fiches(REFERENTIALS_DIR / "rome_fiches.csv")
    appellations = load_appellations(REFERENTIALS_DIR / "rome_appellations.csv.gz", fiches)
    index = TitleIndex.build(appellations, fiches)
    titles = ["Vendeur (H/F)", "Chef d'équipe", "CDD 35h", "Maçon H/F", "Vendeuse en boulangerie"]
    out = index.match(titles, k=3)
    flags = out.groupby("title_index")["is_vague"].first().tolist()
    assert flags == [True, True, True, False, False]
    # A vague title still gets its best guesses, as alternatives.
    assert (out[out["title_index"] == 0]["code_rome"] != "").sum() == 3
