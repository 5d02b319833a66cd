"""The service scores with the activated model, falls back to the transparent weights when
there is none, and says which one scored."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pytest
from factories import Actor, make_candidate, make_offer, make_user
from sqlalchemy.orm import Session

from fixtures import REFERENTIALS_DIR
from matching.referentials import load_communes
from matching.scoring import WeightedScorer
from service.config import Settings
from service.referentials.service import load_referentials
from service.scoring import shortlists
from service.scoring.state import ScoringState, active_scorer
from training.history import write_history
from training.pipeline import train_from_history
from training.registry import activate, active_version, save_artifact
from training.synthetic_history import generate_history

REFS = load_referentials(REFERENTIALS_DIR)


@pytest.fixture(scope="module")
def trained_models_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A models folder holding one small trained (not yet active) model."""
    folder = tmp_path_factory.mktemp("models")
    world = generate_history(
        n_rows=3000,
        rome=REFS.rome,
        communes=REFS.communes,
        communes_frame=load_communes(REFERENTIALS_DIR / "communes.csv.gz"),
        rng=np.random.default_rng(3),
        n_candidates=2500,
    )
    path = write_history(world.history, folder / "history.csv", pool=world.pool)
    result = train_from_history(path, rome=REFS.rome, communes=REFS.communes)
    save_artifact(result.artifact, folder)
    return folder


def test_without_a_model_the_settings_weights_score(tmp_path: Path) -> None:
    settings = Settings(
        models_dir=tmp_path, weight_skills=0.6, weight_mobility=0.2, weight_readiness=0.2
    )
    scorer = active_scorer(settings)
    assert isinstance(scorer, WeightedScorer)
    assert scorer.weights["skills"] == 0.6 and scorer.version == "0.6-0.2-0.2"
    with pytest.raises(ValueError, match="sum to 1"):
        Settings(models_dir=tmp_path, weight_skills=0.9)


def test_activating_a_model_switches_the_service_and_is_recorded(
    session: Session, coach: Actor, trained_models_dir: Path, tmp_path: Path
) -> None:
    models = tmp_path / "models"
    settings = Settings(models_dir=models)
    scoring = ScoringState(
        rome=REFS.rome,
        communes=REFS.communes,
        scorer_provider=lambda: active_scorer(settings),
        scorer_key=lambda: active_version(models),
        max_age_s=0,
    )
    try:
        make_candidate(session, coach=coach)
        offer = make_offer(session)
        facilitator = make_user(session, role="facilitator").user
        scoring.build(session)

        def version() -> str:
            return shortlists.shortlist_for_offer(
                session,
                scoring,
                REFS,
                facilitator,
                offer.id,
                k=5,
                scope="all",
                today=date(2026, 11, 25),
            ).model_version

        assert version() == "weighted-v0.5-0.25-0.25"
        artifact = next(trained_models_dir.glob("m-*.joblib"))
        # forced: this small model is not measured against these settings' weights
        activated = activate(
            models, str(artifact), current_label="weighted-v0.5-0.25-0.25", force=True, reason="t"
        )
        body = shortlists.shortlist_for_offer(
            session,
            scoring,
            REFS,
            facilitator,
            offer.id,
            k=5,
            scope="all",
            today=date(2026, 11, 25),
        )
        assert body.model_version == activated and activated.startswith("m-")
        assert body.items and all(0 <= i.score <= 1 for i in body.items)
        assert scoring.n_full_builds == 1  # the scorer changed, the state was not rebuilt
    finally:
        scoring.close()
