"""Settings: the one place the service reads its environment (prefix ``CLAUSEMATCH_``)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from fixtures import REFERENTIALS_DIR

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


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (tests override the dependency instead of the environment)."""
    return Settings()
