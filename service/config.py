"""Settings: the one place the service reads its environment (prefix ``CLAUSEMATCH_``)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from fixtures import REFERENTIALS_DIR
from matching.fields import TRAVEL_TOLERANCE_KM, TRAVEL_TOLERANCE_SHARE

__all__ = ["Settings", "get_settings"]


class Settings(BaseSettings):
    """Service settings, read from ``CLAUSEMATCH_*`` variables (and ``.env`` in development)."""

    model_config = SettingsConfigDict(
        env_prefix="CLAUSEMATCH_", env_file=".env", extra="ignore", frozen=True
    )

    database_url: str = "sqlite:///./clausematch.db"
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    page_size_default: int = Field(default=50, ge=1)
    page_size_max: int = Field(default=200, ge=1)
    referentials_dir: Path = REFERENTIALS_DIR
    log_level: str = "INFO"
    sql_echo: bool = False
    proposal_stale_days: int = Field(default=14, ge=1, description="proposition sans mouvement")
    report_risk_tolerance: float = Field(default=0.15, ge=0.0, le=1.0)
    labour_shares_path: Path = REFERENTIALS_DIR / "labour_shares.csv"
    insertion_hourly_cost_eur: float = Field(default=30.0, gt=0.0)
    # Imports (offers and candidates files): refused whole beyond these sizes.
    import_max_bytes: int = Field(default=20 * 1024 * 1024, ge=1)
    import_max_rows: int = Field(default=50_000, ge=1)
    # Batch matching: an offer's list holds slots_per_position × open positions people, and one
    # person is put on at most batch_max_lists lists per run.
    slots_per_position: int = Field(default=3, ge=1)
    batch_max_lists: int = Field(default=3, ge=1)
    # Tests only: seconds the batch waits between scoring and writing (to kill it in between).
    batch_pause_before_write_s: float = Field(default=0.0, ge=0.0)
    # Web pages: a session ends after web_session_hours, or after web_session_idle_minutes
    # without a request; web_login_max_failures failed logins in a row lock the user name for
    # web_login_lock_minutes. Secure cookies always when true (and whenever the request is HTTPS).
    web_session_hours: float = Field(default=10.0, gt=0)
    web_session_idle_minutes: float = Field(default=60.0, gt=0)
    web_login_max_failures: int = Field(default=5, ge=1)
    web_login_lock_minutes: float = Field(default=15.0, gt=0)
    web_cookie_secure: bool = False
    # Scoring. Trained models live in models_dir (``clausematch train`` / ``models activate``);
    # without an active one the transparent weights below are used (they must sum to 1).
    models_dir: Path = Path("models")
    weight_skills: float = Field(default=0.5, ge=0.0, le=1.0)
    weight_mobility: float = Field(default=0.25, ge=0.0, le=1.0)
    weight_readiness: float = Field(default=0.25, ge=0.0, le=1.0)
    # A declared travel range is approximate: a job up to the larger of travel_tolerance_km and
    # travel_tolerance_share × the range beyond it is still ranked, with a mobility penalty and a
    # French flag; further away it is excluded. 0 and 0 make the declared range a hard limit.
    travel_tolerance_km: float = Field(default=TRAVEL_TOLERANCE_KM, ge=0.0, le=100.0)
    travel_tolerance_share: float = Field(default=TRAVEL_TOLERANCE_SHARE, ge=0.0, le=2.0)
    # The in-memory engine state checks the database for other processes' writes at most this
    # often (this process's own writes are seen at once).
    scoring_sync_seconds: float = Field(default=1.0, ge=0.0)
    # Ranked shortlists kept per engine state (offer, k, day): the engine's answer depends on
    # nothing else, and any change to candidates, offers or the model makes a new state, which
    # empties the cache. 0 turns the cache off.
    scoring_cache_size: int = Field(default=1024, ge=0)
    # Threads that run the plain ``def`` endpoints of one worker (the rest wait their turn on
    # the event loop). Python runs one thread at a time: more threads than requests that can
    # progress only add switching between them.
    threads: int = Field(default=2, ge=1, le=256)
    # Processes of `clausematch serve` (one per core is a good start; each keeps its own engine
    # state, about 0.3 GB for 100,000 people).
    workers: int = Field(default=1, ge=1, le=64)

    @model_validator(mode="after")
    def _weights_sum_to_one(self) -> Settings:
        total = self.weight_skills + self.weight_mobility + self.weight_readiness
        if abs(total - 1.0) > 1e-6:
            raise ValueError(
                f"CLAUSEMATCH_WEIGHT_SKILLS, _MOBILITY and _READINESS must sum to 1 (got {total:g})"
            )
        return self


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (tests override the dependency instead of the environment)."""
    return Settings()
