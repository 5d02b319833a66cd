"""Referential integrity and lookups on the shipped files."""

from __future__ import annotations

import gzip
import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from fixtures import REFERENTIALS_DIR, referential_path
from matching.referentials import (
    CommuneIndex,
    RomeReferential,
    load_appellations,
    load_communes,
    load_fiches,
)

ROOT = Path(__file__).resolve().parents[2]
# Spelled in pieces so that this file does not match itself.
_SHARED_MARKERS = (".." + "/shared", "shared" + "/data")


# --------------------------------------------------------------------------- ROME integrity


def test_rome_sizes(rome: RomeReferential) -> None:
    assert len(rome.fiches) == 1584
    assert int(rome.fiches["is_reference"].sum()) == 532
    assert len(rome.appellations) == 13120
    assert rome.skills is not None and rome.skill_links is not None
    assert len(rome.skill_links) > 80_000


def test_every_appellation_has_an_existing_fiche(rome: RomeReferential) -> None:
    codes = set(rome.fiches["code_rome"])
    assert set(rome.appellations["code_rome"]) <= codes
    fid = rome.appellations["fiche_id"].to_numpy()
    assert (
        rome.fiches["code_rome"].to_numpy()[fid] == rome.appellations["code_rome"].to_numpy()
    ).all()


def test_every_fiche_has_a_reference_parent(rome: RomeReferential) -> None:
    parents = rome.parent_ids()
    assert rome.fiches["is_reference"].to_numpy()[parents].all()


def test_ids_are_dense(rome: RomeReferential, communes: CommuneIndex) -> None:
    assert (rome.fiches.index == np.arange(len(rome.fiches))).all()
    assert (communes.communes.index == np.arange(len(communes.communes))).all()
    assert rome.fiches["parent_id"].dtype == np.int32


def test_fiche_and_appellation_lookups(rome: RomeReferential) -> None:
    f = rome.fiche("F1703")
    assert f["libelle_rome"] == "Maçon / Maçonne"
    assert f["code_domaine"] == "F17"
    assert f["libelle_rome_v3"] == "Maçonnerie"
    k = rome.fiche("k2205")
    assert k["code_rome_parent"] == "K2204"
    app = rome.appellation(11573)
    assert app["code_rome"] == "D1102"
    assert app["code_grand_domaine"] == "D"
    with pytest.raises(KeyError, match="unknown ROME code"):
        rome.fiche("Z9999")
    with pytest.raises(KeyError, match="unknown appellation"):
        rome.appellation("abc")


def test_close_fiches_of_macon(rome: RomeReferential) -> None:
    close = rome.close_fiches("F1703")
    assert len(close) == 10
    assert {"F1608", "F1701", "F1613", "A1203"} <= set(close)


def test_skill_links_have_core_flags(rome: RomeReferential) -> None:
    assert rome.skill_links is not None
    f = rome.fiche_id("F1703")
    links = rome.skill_links[rome.skill_links["fiche_id"] == f]
    assert len(links) > 10
    assert links["is_core"].any()


def test_loader_accepts_a_file_object_and_rejects_a_broken_file() -> None:
    data = referential_path("rome_fiches.csv").read_bytes()
    fiches = load_fiches(io.BytesIO(data))
    assert len(fiches) == 1584
    apps = gzip.decompress(referential_path("rome_appellations.csv.gz").read_bytes())
    assert len(load_appellations(io.StringIO(apps.decode("utf-8")), fiches)) == 13120
    with pytest.raises(ValueError, match="lacks columns"):
        load_fiches(io.StringIO("code_rome,libelle_rome\nF1703,Maçon\n"))
    broken = "code_ogr,libelle,code_rome\n1,Truc,Z9999\n"
    with pytest.raises(ValueError, match="fiche does not exist"):
        load_appellations(io.StringIO(broken), fiches)


# --------------------------------------------------------------------------- communes


def test_alencon(communes: CommuneIndex) -> None:
    hit = communes.by_insee("61001")
    assert hit is not None and hit.nom == "Alençon"
    lat, lon = communes.coordinates([hit.commune_id])[0]
    assert lat == pytest.approx(48.43, abs=0.01)
    assert lon == pytest.approx(0.09, abs=0.01)


def test_orne_has_381_communes(communes: CommuneIndex) -> None:
    assert int((communes.communes["departement"] == "61").sum()) == 381


def test_all_france_is_there(communes: CommuneIndex) -> None:
    assert len(communes.communes) == 34_969
    paris = communes.resolve("Paris")
    assert paris and paris[0].code_insee == "75056"
    assert np.isfinite(communes.communes["latitude"]).sum() >= 34_950


def test_lookup_by_postal_code_returns_every_commune(communes: CommuneIndex) -> None:
    names = {m.nom for m in communes.by_postal("61000")}
    assert {"Alençon", "Saint-Germain-du-Corbéis"} <= names


@pytest.mark.parametrize(
    "query",
    [
        "Saint-Germain-du-Corbéis",
        "ST GERMAIN DU CORBEIS",
        "st-germain du corbeis",
        "Saint Germain du Corbeis",
        "saint-germain-du-corbéis (61)",
        "61000 St Germain du Corbéis",
    ],
)
def test_name_folding(communes: CommuneIndex, query: str) -> None:
    hits = communes.resolve(query)
    assert [h.code_insee for h in hits] == ["61397"]


def test_ambiguous_name_returns_all_candidates(communes: CommuneIndex) -> None:
    hits = communes.resolve("Saint-Cyr")
    assert len(hits) >= 3
    assert len({h.departement for h in hits}) == len(hits)
    only_87 = communes.resolve("Saint-Cyr (87)")
    assert [h.code_insee for h in only_87] == ["87141"]


def test_former_commune_resolves_to_current(communes: CommuneIndex) -> None:
    # Airan (14005) merged into Valambray; Saint-Germain-de-Clairefeuille merged in the Orne.
    by_code = communes.by_insee("14011")
    assert by_code is not None and by_code.matched_by == "former_code"
    airan = communes.resolve("Airan")
    assert airan and airan[0].nom == "Valambray"
    # Every former code listed on a current commune resolves to it.
    frame = communes.communes
    sample = frame[frame["anciens_codes"].map(len) > 0].head(50)
    for code, olds in zip(sample["code_insee"], sample["anciens_codes"], strict=True):
        for old in olds:
            hit = communes.by_insee(old)
            assert hit is not None and hit.code_insee == code


def test_former_orne_communes(communes: CommuneIndex) -> None:
    deleg = pd.read_csv(referential_path("communes_deleguees.csv"), dtype=str)
    orne = deleg[deleg["code_insee"].str.startswith("61")]
    assert len(orne) > 50
    for code, now in zip(orne["code_insee"], orne["code_insee_commune_rattachement"], strict=True):
        hit = communes.by_insee(code)
        assert hit is not None and hit.code_insee == now


def test_unknown_place(communes: CommuneIndex) -> None:
    assert communes.resolve("Atlantide") == []
    assert communes.resolve("") == []
    assert communes.resolve("99999") == []
    with pytest.raises(KeyError, match="unknown INSEE"):
        communes.ids_of(["61001", "00000"])


def test_bassins_cover_the_orne(communes: CommuneIndex) -> None:
    orne = communes.communes[communes.communes["departement"] == "61"]
    assert (orne["code_bassin_emploi"] != "").all()
    assert set(orne["code_bassin_emploi"]) == {"2825", "2826", "2827", "2828"}
    bassins = pd.read_csv(referential_path("bassins_emploi.csv"), dtype=str)
    assert set(orne["code_bassin_emploi"]) <= set(bassins["code_bassin_emploi"])


def test_communes_loader_on_a_small_file() -> None:
    text = (
        "code_insee,nom,departement,codes_postaux,latitude,longitude,population,anciens_codes\n"
        "61001,Alençon,61,61000,48.43,0.09,25490,\n"
        "61002,Almenêches,61,61570,48.70,0.13,638,61999|61998\n"
    )
    frame = load_communes(io.StringIO(text))
    index = CommuneIndex.build(frame)
    assert index.resolve("61998")[0].nom == "Almenêches"
    assert frame["codes_postaux"].iloc[0] == ("61000",)


def test_nothing_reads_the_shared_folder() -> None:
    offenders = []
    for folder in ("matching", "service", "training", "tests"):
        for path in (ROOT / folder).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            if any(marker in text for marker in _SHARED_MARKERS):
                offenders.append(str(path.relative_to(ROOT)))
    assert offenders == [], offenders
    assert REFERENTIALS_DIR.is_dir()
