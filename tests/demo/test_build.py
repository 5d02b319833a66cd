"""The demo-set writer: caseload, reporting table, and the shipped files match the command."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from fixtures import DEMO_DIR, REFERENTIALS_DIR
from fixtures.demo import read_demo
from fixtures.demo.build import assign_coaches, generate_reporting, main
from matching import columns as col
from matching.referentials import load_communes

SHIPPED_FILES = (
    "candidates.csv",
    "candidate_jobs.csv",
    "offers.csv",
    "buyers.csv",
    "contracts.csv",
    "lots.csv",
    "companies.csv",
    "caseload.csv",
    "reporting.csv",
    "identity.csv",
    "manifest.json",
)


@pytest.fixture(scope="module")
def communes() -> pd.DataFrame:
    return load_communes(REFERENTIALS_DIR / "communes.csv.gz")


def test_coach_is_the_nearest_town(communes: pd.DataFrame) -> None:
    candidates = pd.DataFrame(
        {
            col.CANDIDATE_ID: ["a", "b", "c", "d"],
            # Alençon, Flers, Argentan, Domfront en Poiraie (west: Flers is nearest)
            col.COMMUNE_INSEE: ["61001", "61169", "61006", "61145"],
        }
    )
    caseload = assign_coaches(candidates, communes)
    assert caseload["coach"].tolist() == [
        "coach-alencon",
        "coach-flers",
        "coach-argentan",
        "coach-flers",
    ]
    assert caseload[col.CANDIDATE_ID].tolist() == ["a", "b", "c", "d"]


def test_unknown_commune_is_refused(communes: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="00000"):
        assign_coaches(
            pd.DataFrame({col.CANDIDATE_ID: ["a"], col.COMMUNE_INSEE: ["00000"]}), communes
        )


def test_reporting_shares_and_ranges() -> None:
    ids = [f"p{i}" for i in range(20_000)]
    rep = generate_reporting(ids, rng=np.random.default_rng(5), as_of=date(2026, 11, 16))
    assert rep[col.CANDIDATE_ID].tolist() == ids
    assert (rep["sex"] == "F").mean() == pytest.approx(0.55, abs=0.02)
    age = 2026 - rep["birth_year"]
    assert age.between(18, 64).all()
    assert (age >= 25).mean() == pytest.approx(0.98, abs=0.01)
    assert set(rep["education_level"]) == {"ISCED_0_2", "ISCED_3_4", "ISCED_5_8"}
    assert set(rep["labour_status"]) == {"unemployed", "long_term_unemployed", "inactive"}
    assert rep["disability_recognised"].mean() == pytest.approx(0.08, abs=0.01)
    assert rep["rsa_beneficiary"].all()


def test_shipped_demo_set_is_what_the_documented_command_writes(tmp_path: Path) -> None:
    manifest = json.loads((DEMO_DIR / "manifest.json").read_text("utf-8"))
    assert (
        main(
            ["--out", str(tmp_path), "--seed", str(manifest["seed"]), "--as-of", manifest["as_of"]]
        )
        == 0
    )
    for name in SHIPPED_FILES:
        if name == "manifest.json":
            continue  # its command line names the output folder
        assert (tmp_path / name).read_bytes() == (DEMO_DIR / name).read_bytes(), name


def test_shipped_demo_set_is_consistent() -> None:
    data = read_demo(DEMO_DIR)
    assert len(data.candidates) == 2000 and len(data.offers) == 150
    caseload = pd.read_csv(DEMO_DIR / "caseload.csv", dtype=str)
    reporting = pd.read_csv(DEMO_DIR / "reporting.csv", dtype=str, keep_default_na=False)
    ids = data.candidates[col.CANDIDATE_ID].tolist()
    assert caseload[col.CANDIDATE_ID].tolist() == ids
    assert reporting[col.CANDIDATE_ID].tolist() == ids
    assert set(caseload["coach"]) == {"coach-alencon", "coach-flers", "coach-argentan"}
    assert set(reporting["rsa_beneficiary"]) == {"true"}
    # the engine's tables hold none of the reporting fields
    engine_columns = set(data.candidates.columns) | set(data.candidate_jobs.columns)
    assert not engine_columns & (set(reporting.columns) - {col.CANDIDATE_ID})


def test_bad_input_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--out", str(tmp_path), "--seed", "1", "--departements", "99"]) == 1
    assert "99" in capsys.readouterr().err
