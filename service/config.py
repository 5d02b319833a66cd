"""Settings: the one place the service reads its environment (prefix ``CLAUSEMATCH_``)."""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

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
    # The clause article's French template (Jinja text; placeholders in service/README_DESK.md).
    clause_template_path: Path = (
        REFERENTIALS_DIR.parent / "clauses" / "article_clause_insertion.txt"
    )
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
    # Login throttling (service/web/auth.py): web_login_max_failures failed logins in a row from
    # one address lock that (account, address) pair for web_login_lock_minutes; an address
    # with web_login_address_max_failures failures (any names) within a day is locked as long;
    # an account with web_login_account_slowdown_after failures (any addresses) is slowed
    # down, never locked: one check per 2, 4, 8... seconds, at most
    # web_login_account_max_delay_s, except from an address its owner has signed in from.
    web_login_address_max_failures: int = Field(default=20, ge=1)
    web_login_account_slowdown_after: int = Field(default=10, ge=1)
    web_login_account_max_delay_s: float = Field(default=60.0, ge=0.0, le=3600.0)
    # Addresses (or networks, CIDR) of reverse proxies whose X-Forwarded-For is believed; from
    # any other peer the header is ignored (comma-separated: 127.0.0.1,10.0.0.0/8).
    trusted_proxies: Annotated[list[str], NoDecode] = []
    # API tokens expire api_token_days after they are issued (POST /me/token renews one); a
    # one-time setup code (first password and token) lasts account_setup_hours.
    api_token_days: float = Field(default=90.0, gt=0.0, le=3650.0)
    account_setup_hours: float = Field(default=72.0, gt=0.0, le=24.0 * 30)
    # Files of people uploaded for a web import wait for their confirmation in uploads_dir
    # (created 0700, files 0600), removed on confirm, cancel, logout and after
    # uploads_max_age_minutes.
    uploads_dir: Path = Path("uploads")
    uploads_max_age_minutes: float = Field(default=60.0, gt=0.0)
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

    # France Travail "Offres d'emploi v2" feed (`clausematch feed france-travail`). The client id
    # and secret come from francetravail.io; the secret is never logged nor shown. Lists are
    # comma-separated (CLAUSEMATCH_FT_DEPARTEMENTS=61,14,50). Each run asks for the offers
    # created since the previous completed run (less ft_overlap_minutes), ft_initial_days the
    # first time, with the same departements, ROME codes and keywords.
    ft_client_id: str | None = None
    ft_client_secret: SecretStr | None = None
    ft_token_url: str = (
        "https://entreprise.francetravail.fr/connexion/oauth2/access_token?realm=%2Fpartenaire"
    )
    ft_api_url: str = "https://api.francetravail.io/partenaire/offresdemploi/v2"
    ft_scope: str = "api_offresdemploiv2 o2dsoffre"
    ft_departements: Annotated[list[str], NoDecode] = ["61"]
    ft_rome_codes: Annotated[list[str], NoDecode] = []
    ft_keywords: Annotated[list[str], NoDecode] = []
    ft_initial_days: int = Field(default=31, ge=1, le=365)
    ft_overlap_minutes: int = Field(default=60, ge=0)
    # The API pages by 150 and answers at most 3,150 results per query: beyond, a query is split
    # by creation date. Requests retried at most ft_max_retries times (429: after its
    # Retry-After, capped; 5xx and network errors: ft_retry_base_s, doubled each time); a run
    # stops after ft_max_run_seconds.
    ft_page_size: int = Field(default=150, ge=1, le=150)
    ft_max_results: int = Field(default=3150, ge=1, le=3150)
    ft_max_retries: int = Field(default=5, ge=0, le=20)
    ft_retry_base_s: float = Field(default=2.0, ge=0.0)
    ft_max_retry_after_s: float = Field(default=120.0, ge=0.0)
    ft_timeout_s: float = Field(default=30.0, gt=0.0)
    ft_max_run_seconds: float = Field(default=900.0, gt=0.0)
    ft_feed_interval_minutes: float = Field(default=60.0, gt=0.0)
    # Tests only: seconds a feed run waits between its writes and its commit (to kill it then).
    ft_pause_before_commit_s: float = Field(default=0.0, ge=0.0)

    # E-mail (`clausematch mail run` sends the outbox). No smtp_host: e-mails are queued for the
    # users who gave an address, and wait. smtp_security: starttls (port 587), ssl (465) or none
    # (a relay on the local network). Links in e-mails start with public_url.
    smtp_host: str | None = None
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_security: Literal["starttls", "ssl", "none"] = "starttls"
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    smtp_timeout_s: float = Field(default=30.0, gt=0.0)
    mail_from: str = "clausematch <clausematch@localhost>"
    public_url: str = "http://127.0.0.1:8000"
    # A message is tried at most mail_max_attempts times, mail_retry_base_s apart, doubled each
    # time; the body of a sent message is emptied after mail_keep_days.
    mail_max_attempts: int = Field(default=6, ge=1, le=50)
    mail_retry_base_s: float = Field(default=60.0, ge=0.0)
    mail_keep_days: int = Field(default=30, ge=1)
    # Digests and reminders are due from mail_hour (Europe/Paris) each day, or on
    # mail_weekly_day (0 = Monday) for a weekly choice; `mail run` looks every
    # mail_interval_s seconds.
    mail_hour: int = Field(default=7, ge=0, le=23)
    mail_weekly_day: int = Field(default=0, ge=0, le=6)
    mail_interval_s: float = Field(default=60.0, gt=0.0)
    # At most this many offers in one digest e-mail (the page shows the rest).
    mail_digest_max_offers: int = Field(default=20, ge=1)

    # Personal data (issue 18). Retention periods, applied by `clausematch retention run`
    # (defaults justified in the README, "Personal data"): a person with no activity for
    # retention_inactive_months is anonymised (their coach told retention_notice_days before);
    # ended web sessions, failed logins, audit entries, files of the drop folder (drop_dir:
    # its done/ and rejected/), batch lists and shown pairs, finished e-mails are purged past
    # their period.
    retention_inactive_months: int = Field(default=12, ge=1, le=120)
    retention_notice_days: int = Field(default=30, ge=1, le=365)
    retention_web_sessions_days: int = Field(default=30, ge=1, le=3650)
    retention_login_failures_days: int = Field(default=30, ge=1, le=3650)
    retention_audit_months: int = Field(default=12, ge=1, le=240)
    retention_drop_files_days: int = Field(default=30, ge=1, le=3650)
    retention_batch_lists_months: int = Field(default=12, ge=1, le=240)
    retention_notifications_days: int = Field(default=90, ge=1, le=3650)
    # FSE+ (Regulation (EU) 2021/1060, art. 82): the anonymised records behind the indicators
    # stay auditable this many years after the year of the operation's last payment.
    retention_fse_years: int = Field(default=5, ge=1, le=30)
    drop_dir: Path | None = None
    # Who is responsible for the processing, and how a person reaches them (the information
    # notice and the record of processing print these).
    privacy_controller: str = Field(
        default="Département de l'Orne (Conseil départemental), Hôtel du Département, Alençon",
        min_length=3,
        max_length=300,
    )
    privacy_dpo_contact: str = Field(
        default=(
            "Délégué à la protection des données du Département de l'Orne, par courrier à "
            "l'Hôtel du Département, Alençon"
        ),
        min_length=3,
        max_length=300,
    )

    @field_validator("trusted_proxies", mode="after")
    @classmethod
    def _networks(cls, value: list[str]) -> list[str]:
        for item in value:
            try:
                ipaddress.ip_network(item, strict=False)
            except ValueError as exc:
                raise ValueError(
                    f"CLAUSEMATCH_TRUSTED_PROXIES : adresse ou réseau invalide : {item!r}"
                ) from exc
        return value

    @field_validator(
        "ft_departements", "ft_rome_codes", "ft_keywords", "trusted_proxies", mode="before"
    )
    @classmethod
    def _comma_list(cls, value: object) -> object:
        if isinstance(value, str):
            return [v.strip() for v in value.split(",") if v.strip()]
        return value

    @field_validator("public_url")
    @classmethod
    def _no_trailing_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @model_validator(mode="after")
    def _notice_before_anonymisation(self) -> Settings:
        # The notice must fall after the inactivity began, or every person would be told at once
        # that they are anonymised tomorrow.
        if self.retention_notice_days >= self.retention_inactive_months * 28:
            raise ValueError(
                "CLAUSEMATCH_RETENTION_NOTICE_DAYS must be shorter than "
                "CLAUSEMATCH_RETENTION_INACTIVE_MONTHS (in days)"
            )
        return self

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
