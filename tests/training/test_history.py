"""History schema (read/write/validation, French errors), the synthetic world, and the pool
table: features of each offer's whole eligible pool computed by the engine's own code."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from matching import columns as col
from matching.features import FEATURES as ENGINE_FEATURES
from matching.referentials import CommuneIndex, RomeReferential
from training.features import ALL_FEATURES, PoolTable, pool_table, snapshot_states
from training.history import (
    HISTORY_COLUMNS,
    POOL_COLUMNS,
    REPORTING_COLUMNS,
    SCHEMA_VERSION,
    pool_path,
    read_history,
    read_pool,
    validate_history,
    write_history,
)
from training.synthetic_history import SyntheticHistory, generate_history


def test_generated_history_follows_the_schema_and_the_collection(
    small_world: SyntheticHistory,
) -> None:
    h, pool = small_world.history, small_world.pool
    assert tuple(h.columns) == HISTORY_COLUMNS and tuple(pool.columns) == POOL_COLUMNS
    assert (h["schema_version"] == SCHEMA_VERSION).all()
    hires = h.groupby(col.OFFER_ID)["hired"].sum()
    positions = h.groupby(col.OFFER_ID)[col.OPEN_POSITIONS].first()
    assert (hires <= positions).all()
    assert 0.4 <= hires.sum() / positions.sum() <= 1.0  # about one hire per position
    assert (h["validated"] >= h["hired"]).all() and (h["proposed"] >= h["validated"]).all()
    # an earlier ranking chose who was shown; coaches proposed among them, and a few others
    assert h["shown"].mean() > 0.9 and set(h["shown_via"]) >= {"shortlist", "batch", ""}
    assert (h.loc[h["shown"], "shown_rank"] >= 1).all()
    manual = h["proposed"] & ~h["shown"]
    assert manual.sum() > 0 and h.loc[~h["shown"], "proposed"].all()
    assert h.loc[h["shown"], "proposed"].mean() < 0.5
    # every person of the history is in the pool snapshot of their round
    assert set(h[col.CANDIDATE_ID]) <= set(pool[col.CANDIDATE_ID])
    assert pool["pool_on"].nunique() == h["scored_on"].nunique() >= 2


def test_same_seed_same_world(
    rome: RomeReferential, communes: CommuneIndex, communes_frame: pd.DataFrame
) -> None:
    def make(seed: int) -> SyntheticHistory:
        return generate_history(
            n_rows=300,
            rome=rome,
            communes=communes,
            communes_frame=communes_frame,
            rng=np.random.default_rng(seed),
            n_candidates=600,
        )

    a, b, c = make(5), make(5), make(6)
    pd.testing.assert_frame_equal(a.history, b.history)
    pd.testing.assert_frame_equal(a.pool, b.pool)
    assert not a.history[["candidate_id", "hired"]].equals(c.history[["candidate_id", "hired"]])


def test_write_then_read_gives_the_same_frames(
    small_world: SyntheticHistory, tmp_path: Path
) -> None:
    path = write_history(small_world.history, tmp_path / "h.csv", pool=small_world.pool)
    assert pool_path(path).name == "h.pool.csv"
    back = read_history(path)
    pd.testing.assert_frame_equal(back, small_world.history, check_dtype=False)
    assert (back.dtypes == small_world.history.dtypes).all()
    pd.testing.assert_frame_equal(read_pool(path), small_world.pool, check_dtype=False)
    # a second round trip is byte-identical
    again = write_history(back, tmp_path / "h2.csv", pool=read_pool(path))
    assert again.read_bytes() == path.read_bytes()
    assert pool_path(again).read_bytes() == pool_path(path).read_bytes()


def _raw(small_history: pd.DataFrame, tmp_path: Path) -> pd.DataFrame:
    path = write_history(small_history.iloc[:50], tmp_path / "h.csv")
    return pd.read_csv(path, dtype=str, keep_default_na=False)


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("has_vehicle", "maybe", "« has_vehicle », ligne 2 : true ou false attendu"),
        ("readiness_stage", "ready", "« readiness_stage ».*valeur inconnue « ready »"),
        ("weekly_hours", "35h", "« weekly_hours ».*pas un nombre"),
        ("start_date", "12/03/2025", "« start_date ».*pas une date AAAA-MM-JJ"),
        ("open_positions", "0", "« open_positions ».*au moins 1 poste"),
        ("outcome", "promoted", "« outcome ».*valeur inconnue"),
        ("sex", "X", "« sex ».*valeur inconnue"),
        ("job_experience_years", "abc", "« job_experience_years ».*nombres"),
        ("shown_via", "poster", "« shown_via ».*valeur inconnue"),
    ],
)
def test_bad_values_are_named_with_their_line_in_french(
    small_history: pd.DataFrame, tmp_path: Path, column: str, value: str, message: str
) -> None:
    raw = _raw(small_history, tmp_path)
    raw.loc[0, column] = value
    raw.to_csv(tmp_path / "bad.csv", index=False)
    with pytest.raises(ValueError, match=message):
        read_history(tmp_path / "bad.csv")


def test_missing_columns_and_other_versions_are_refused_in_french(
    small_history: pd.DataFrame, tmp_path: Path
) -> None:
    raw = _raw(small_history, tmp_path)
    raw.drop(columns=["hired", "sex"]).to_csv(tmp_path / "bad.csv", index=False)
    with pytest.raises(ValueError, match="colonnes manquantes hired, sex"):
        read_history(tmp_path / "bad.csv")
    raw.drop(columns=["schema_version"]).to_csv(tmp_path / "v1.csv", index=False)
    with pytest.raises(ValueError, match=r"ancien format.*history export"):
        read_history(tmp_path / "v1.csv")
    raw.assign(schema_version="3").to_csv(tmp_path / "v3.csv", index=False)
    with pytest.raises(ValueError, match="format 3, ce logiciel lit le format 2"):
        read_history(tmp_path / "v3.csv")
    with pytest.raises(ValueError, match="historique introuvable"):
        read_history(tmp_path / "nowhere.csv")
    with pytest.raises(ValueError, match=r"vivier introuvable : v3\.pool\.csv"):
        read_pool(tmp_path / "v3.csv")


def test_funnel_exposure_and_offer_consistency_are_checked(small_history: pd.DataFrame) -> None:
    big_offers = small_history.groupby(col.OFFER_ID).size().sort_values().index[-2:]
    h = small_history[small_history[col.OFFER_ID].isin(big_offers)].reset_index(drop=True)
    row = 0
    bad = h.copy()
    bad.loc[row, ["hired", "validated", "outcome"]] = [True, False, "emploi_durable"]
    with pytest.raises(ValueError, match="embauche sans proposition validée"):
        validate_history(bad)
    bad = h.copy()
    bad.loc[row, ["hours", "hired", "outcome"]] = [35.0, False, ""]
    with pytest.raises(ValueError, match="heures travaillées sans embauche"):
        validate_history(bad)
    bad = h.copy()
    bad.loc[row, ["shown", "shown_via"]] = [False, ""]
    with pytest.raises(ValueError, match="shown_rank"):
        validate_history(bad)
    bad = h.copy()
    same_offer = bad.index[bad[col.OFFER_ID] == bad.loc[row, col.OFFER_ID]]
    bad.loc[same_offer[-1], col.WEEKLY_HOURS] = 12.0
    with pytest.raises(ValueError, match=r"weekly_hours.*diffère de la première ligne"):
        validate_history(bad)
    with pytest.raises(ValueError, match="deux fois pour une offre"):
        validate_history(pd.concat([h, h.iloc[:1]]))


def test_pool_features_are_the_engine_ranking_components(
    small_world: SyntheticHistory, rome: RomeReferential, communes: CommuneIndex
) -> None:
    """The pool table's pairs are exactly the engine's rankable pairs, with its components."""
    first = small_world.history[
        small_world.history["scored_on"] == small_world.history["scored_on"].min()
    ]
    offers = first[col.OFFER_ID].unique()[:5]
    table = pool_table(
        small_world.history, small_world.pool, rome=rome, communes=communes, offer_ids=offers
    )
    (snap,) = snapshot_states(
        small_world.history[small_world.history[col.OFFER_ID].isin(offers)],
        small_world.pool,
        rome=rome,
        communes=communes,
    )
    as_of = first["scored_on"].iloc[0]
    ranked = snap.state.ranked_frame(
        snap.state.top_k_per_offer(as_of=as_of, k=len(snap.state.pool))
    )
    assert len(ranked) == len(table)  # the whole eligible pool of each offer, no more
    mine = table.X.assign(offer_id=table.offer_id, candidate_id=table.candidate_id)
    both = ranked.merge(mine, on=[col.OFFER_ID, col.CANDIDATE_ID], suffixes=("", "_pool"))
    assert len(both) == len(table)
    for c in col.COMPONENTS:
        np.testing.assert_array_equal(both[c].to_numpy(), both[f"{c}_pool"].to_numpy())
    # every hire of these offers is in the pool, or counted as missed
    in_pool = int(table.hired.sum())
    missed = int((table.missed_hires["reason"] != "").sum())
    assert in_pool + missed == int(table.hires_per_offer.sum())


def test_unlogged_pairs_are_sampled_and_weighted_up(small_pool_table: PoolTable) -> None:
    t = small_pool_table
    per_offer = pd.DataFrame({"o": t.offer_id, "logged": t.logged, "w": t.weight, "hired": t.hired})
    unlogged = per_offer[~per_offer["logged"]].groupby("o")
    assert unlogged.size().max() <= 100 and (per_offer.loc[per_offer["logged"], "w"] == 1).all()
    assert (unlogged["w"].first() >= 1).all()
    assert t.hired[~t.logged].sum() == 0  # nobody is hired without being shown or proposed
    assert tuple(t.X.columns) == ALL_FEATURES


# Words no feature name may hold (its ``_``-separated words): protected attributes, which
# exist only for statistics and bias audits and which the engine never reads.
PROTECTED_WORDS = (
    "sex",
    "gender",
    "age",
    "birth",
    "nationality",
    "origin",
    "health",
    "disability",
    "handicap",
    "family",
    "children",
    "marital",
)


def test_no_feature_reads_a_protected_attribute(
    small_world: SyntheticHistory,
    small_pool_table: PoolTable,
    rome: RomeReferential,
    communes: CommuneIndex,
) -> None:
    for name in ENGINE_FEATURES:
        assert not set(name.split("_")) & set(PROTECTED_WORDS), name
    assert not set(REPORTING_COLUMNS) & set(small_pool_table.X.columns)
    flip = {"F": "M", "M": "F", "": ""}
    flipped = SyntheticHistory(
        history=small_world.history.assign(sex=small_world.history["sex"].map(flip)),
        pool=small_world.pool.assign(
            sex=small_world.pool["sex"].map(flip),
            age_band=small_world.pool["age_band"].map({"<30": "55+", "55+": "<30"}).fillna("30-54"),
        ),
    )
    again = pool_table(
        flipped.history,
        flipped.pool,
        rome=rome,
        communes=communes,
        unlogged_per_offer=100,
        rng=np.random.default_rng(0),
    )
    pd.testing.assert_frame_equal(again.X, small_pool_table.X)
    assert not again.reporting["sex"].equals(small_pool_table.reporting["sex"])
