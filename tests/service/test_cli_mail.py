"""``clausematch mail run | test | outbox`` on a real database and a real local SMTP server."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from alembic import command
from factories import make_candidate, make_offer, make_user
from importing import do_batch
from smtp_server import Inbox, smtp_server

from service.cli import main
from service.config import get_settings
from service.db import alembic_config, make_engine, make_sessionmaker
from service.notifications.schemas import PreferencesUpdate
from service.notifications.service import queue_inactivity_notice, update_preferences


@pytest.fixture
def mail_db(
    empty_database_url: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[str, Inbox]]:
    command.upgrade(alembic_config(empty_database_url), "head")
    with smtp_server() as (inbox, port):
        for key, value in {
            "CLAUSEMATCH_DATABASE_URL": empty_database_url,
            "CLAUSEMATCH_SMTP_HOST": "127.0.0.1",
            "CLAUSEMATCH_SMTP_PORT": str(port),
            "CLAUSEMATCH_SMTP_SECURITY": "none",
            "CLAUSEMATCH_MAIL_FROM": "clausematch <clausematch@orne.example>",
            "CLAUSEMATCH_PUBLIC_URL": "https://clausematch.orne.example/",
        }.items():
            monkeypatch.setenv(key, value)
        get_settings.cache_clear()
        yield empty_database_url, inbox
    get_settings.cache_clear()


def test_mail_run_test_and_outbox(
    mail_db: tuple[str, Inbox], capsys: pytest.CaptureFixture[str]
) -> None:
    url, inbox = mail_db
    engine = make_engine(url)
    try:
        with make_sessionmaker(engine)() as session:
            coach = make_user(session, role="coach", username="coach-mail")
            people = [make_candidate(session, coach=coach) for _ in range(2)]
            make_offer(session)
            assert do_batch(session).status == "completed"
            update_preferences(
                session, coach.user, PreferencesUpdate(email="coach-mail@orne.example")
            )
            queue_inactivity_notice(
                session,
                coach_id=coach.id,
                people=[(p.id, p.external_id) for p in people],
                anonymise_on=date(2027, 1, 15),
                inactive_months=12,
            )
            session.commit()
    finally:
        engine.dispose()

    assert main(["mail", "run", "--once"]) == 0
    out = capsys.readouterr().out
    assert "1 résumé(s) et 0 rappel(s) préparé(s)" in out and "2 envoyé(s)" in out
    subjects = sorted(str(m["Subject"]) for m in inbox.messages)
    assert subjects == [
        "clausematch — 2 nouvelle(s) proposition(s) pour votre suivi",
        "clausematch — 2 personne(s) de votre suivi bientôt anonymisée(s)",
    ]
    body = inbox.messages[0].get_body(preferencelist=("plain",))
    assert body is not None and "https://clausematch.orne.example/" in str(body.get_content())

    assert main(["mail", "run", "--once"]) == 0  # nothing more is due today
    assert "0 envoyé(s)" in capsys.readouterr().out

    assert main(["mail", "test", "essai@orne.example"]) == 0
    assert inbox.to("essai@orne.example")[0]["Subject"] == "clausematch — message d'essai"
    assert main(["mail", "test", "pas une adresse"]) == 1

    assert main(["mail", "outbox", "--status", "sent"]) == 0
    listed = capsys.readouterr().out
    assert "3 message(s) « sent »" in listed and "inactivity_notice : sent" in listed
    assert "@orne.example" not in listed  # no address in the listing


def test_mail_run_needs_a_server(
    empty_database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CLAUSEMATCH_DATABASE_URL", empty_database_url)
    monkeypatch.delenv("CLAUSEMATCH_SMTP_HOST", raising=False)
    get_settings.cache_clear()
    try:
        assert main(["mail", "run", "--once"]) == 1
        assert "CLAUSEMATCH_SMTP_HOST" in capsys.readouterr().err
    finally:
        get_settings.cache_clear()
