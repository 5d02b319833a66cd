"""E-mail against a real SMTP server on localhost: what arrives, to whom, when; queued in the
transaction of its cause, retried, recorded; nobody else's people, no secret anywhere."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from typing import Any

import pytest
from factories import Actor, audit_entries, make_candidate, make_offer, make_user
from fastapi.testclient import TestClient
from importing import do_batch, nested_sessions, refs
from pydantic import SecretStr
from smtp_server import Inbox, free_port, smtp_server
from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from service.models.notifications import NotificationPreference, OutboxEmail
from service.models.people import Candidate
from service.models.scoring import DigestMark
from service.models.workflow import Proposal
from service.notifications.mailer import SmtpConfig, deliver_due, forget_old_contents
from service.notifications.schemas import PreferencesUpdate
from service.notifications.service import (
    Schedule,
    is_due,
    queue_due,
    queue_inactivity_notice,
    update_preferences,
)

BASE = "https://clausematch.orne.example"
PASSWORD = "mot-de-passe-smtp-7f3a9c"


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    with smtp_server() as server:
        yield server


def config(port: int, **overrides: Any) -> SmtpConfig:
    fields: dict[str, Any] = {
        "host": "127.0.0.1",
        "port": port,
        "security": "none",
        "user": None,
        "password": None,
        "timeout_s": 5.0,
        "sender": "clausematch <clausematch@orne.example>",
        "base_url": BASE,
        "max_attempts": 3,
        "retry_base_s": 60.0,
    }
    fields.update(overrides)
    return SmtpConfig(**fields)


def wants_mail(session: Session, actor: Actor, address: str, **prefs: Any) -> None:
    update_preferences(session, actor.user, PreferencesUpdate(email=address, **prefs))


def notice(session: Session, coach: Actor) -> bool:
    """Queue the inactivity notice of one new person of ``coach``'s caseload."""
    person = make_candidate(session, coach=coach)
    return queue_inactivity_notice(
        session,
        coach_id=coach.id,
        people=[(person.id, person.external_id)],
        anonymise_on=date(2027, 1, 15),
        inactive_months=12,
    )


def _text(msg: EmailMessage) -> str:
    part = msg.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


def _html(msg: EmailMessage) -> str:
    part = msg.get_body(preferencelist=("html",))
    assert part is not None
    return str(part.get_content())


def _proposal(session: Session, coach: Actor) -> Proposal:
    person = make_candidate(session, coach=coach)
    offer = make_offer(session, intitule="Maçon <VRD> H/F")
    proposal = Proposal(
        candidate_id=person.id,
        offer_id=offer.id,
        proposed_by=coach.id,
        state="proposed",
        state_changed_at=datetime.now(UTC),
    )
    session.add(proposal)
    session.flush()
    return proposal


def _move(client: TestClient, actor: Actor, proposal: Proposal, to: str, **extra: Any) -> Any:
    """Move a proposal through the API, on the version it has now."""
    url = f"/proposals/{proposal.id}"
    version = client.get(url, headers=actor.headers).json()["version"]
    body = {"to": to, "version": version, **extra}
    r = client.post(f"{url}/transitions", json=body, headers=actor.headers)
    assert r.status_code == 200, r.json()
    return r.json()


def test_preferences_through_the_api(client: TestClient, session: Session, coach: Actor) -> None:
    assert client.get("/me/notifications", headers=coach.headers).json()["email"] is None
    r = client.put("/me/notifications", json={"email": "pas une adresse"}, headers=coach.headers)
    assert r.status_code == 422 and "adresse e-mail invalide" in r.text
    r = client.put(
        "/me/notifications",
        json={"email": "camille.martin@orne.example", "digest": "weekly"},
        headers=coach.headers,
    )
    assert r.status_code == 200 and r.json()["digest"] == "weekly"
    got = client.get("/me/notifications", headers=coach.headers).json()
    assert got["email"] == "camille.martin@orne.example" and got["proposal_updates"] is True
    [entry] = audit_entries(session, entity_type="notification_preferences")
    assert "email" in entry.detail["fields"]  # type: ignore[index]
    assert "camille" not in str(entry.detail)


def test_a_proposal_move_is_queued_with_it_then_the_coach_receives_it(
    client: TestClient,
    session: Session,
    connection: Connection,
    coach: Actor,
    other_coach: Actor,
    facilitator: Actor,
    smtp: tuple[Inbox, int],
) -> None:
    inbox, port = smtp
    wants_mail(session, coach, "coach-a@orne.example")
    wants_mail(session, other_coach, "coach-b@orne.example")
    proposal = _proposal(session, coach)
    person = session.get(Candidate, proposal.candidate_id)
    assert person is not None
    _move(client, facilitator, proposal, "validated")
    # Queued in the transaction of the move; nothing has been sent: the request did not wait.
    [queued] = session.scalars(select(OutboxEmail)).all()
    assert queued.status == "queued" and queued.kind == "proposal_update"
    assert inbox.messages == []

    result = deliver_due(nested_sessions(connection), config(port))
    assert result.sent == 1
    [msg] = inbox.messages
    assert msg["To"] == "coach-a@orne.example"
    assert msg["Subject"] == "clausematch — proposition validée : Maçon <VRD> H/F"
    assert msg["Auto-Submitted"] == "auto-generated"
    text, html = _text(msg), _html(msg)
    assert "a été validée par le facilitateur" in text and person.external_id in text
    assert f"{BASE}/propositions/{proposal.id}" in text
    assert f'href="{BASE}/propositions/{proposal.id}"' in html
    assert "Maçon &lt;VRD&gt; H/F" in html  # titles from outside are escaped
    assert f"{BASE}/mes-notifications" in text
    session.refresh(queued)
    assert queued.status == "sent" and queued.attempts == 1 and queued.sent_at is not None

    _move(client, facilitator, proposal, "refused", reason="mobility", reason_text="Trop loin")
    deliver_due(nested_sessions(connection), config(port))
    refused = inbox.messages[-1]
    assert "Motif : Mobilité insuffisante pour ce poste" in _text(refused)
    assert "précision sur la page" in _text(refused) and "Trop loin" not in _text(refused)
    assert inbox.to("coach-b@orne.example") == []  # not their person


def test_hired_and_not_notified_moves(
    client: TestClient,
    session: Session,
    connection: Connection,
    coach: Actor,
    facilitator: Actor,
    smtp: tuple[Inbox, int],
) -> None:
    inbox, port = smtp
    wants_mail(session, coach, "coach-a@orne.example")
    proposal = _proposal(session, coach)
    for to in ("validated", "presented", "hired"):
        _move(client, facilitator, proposal, to)
    deliver_due(nested_sessions(connection), config(port))
    subjects = [m["Subject"] for m in inbox.messages]
    assert subjects == [
        "clausematch — proposition validée : Maçon <VRD> H/F",
        "clausematch — proposition embauche : Maçon <VRD> H/F",
    ]
    # The coach turned the updates off: nothing more is queued.
    wants_mail(session, coach, "coach-a@orne.example", proposal_updates=False)
    second = _proposal(session, coach)
    _move(client, facilitator, second, "validated")
    assert session.scalars(select(OutboxEmail)).all()[-1].user_id == coach.id
    assert len(session.scalars(select(OutboxEmail)).all()) == 2


def test_the_digest_by_mail_shows_only_the_coach_s_people_when_due(
    session: Session,
    connection: Connection,
    coach: Actor,
    other_coach: Actor,
    smtp: tuple[Inbox, int],
) -> None:
    inbox, port = smtp
    mine = [make_candidate(session, coach=coach) for _ in range(2)]
    theirs = make_candidate(session, coach=other_coach)
    offers = [make_offer(session, open_positions=2) for _ in range(2)]
    assert do_batch(session).status == "completed"
    wants_mail(session, coach, "coach-a@orne.example", digest="daily")
    wants_mail(session, other_coach, "coach-b@orne.example", digest="weekly")
    schedule = Schedule(hour=7, weekly_day=0)
    # Tuesday 25 November 2026, 09:00 in Paris.
    tuesday = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)
    assert queue_due(session, refs=refs(), schedule=schedule, now=tuesday) == {
        "digests": 2,
        "reminders": 0,
    }
    deliver_due(nested_sessions(connection), config(port))
    [mail_a] = inbox.to("coach-a@orne.example")
    text = _text(mail_a)
    assert mail_a["Subject"] == "clausematch — 4 nouvelle(s) proposition(s) pour votre suivi"
    for person in mine:
        assert person.external_id in text and f"{BASE}/personnes/{person.id}" in text
    assert theirs.external_id not in text and theirs.external_id not in _html(mail_a)
    for offer in offers:
        assert f"{BASE}/offres/{offer.id}" in text
    [mail_b] = inbox.to("coach-b@orne.example")
    assert theirs.external_id in _text(mail_b)
    assert all(p.external_id not in _text(mail_b) for p in mine)
    # The web page's mark has not moved: the coach still sees these matches there.
    assert session.get(DigestMark, coach.id) is None
    actions = [e.action for e in audit_entries(session, entity_type="user", entity_id=coach.id)]
    assert actions == ["digest_mail"]

    # Later the same day: not due. The next day: due, but nothing new, so no e-mail.
    assert (
        queue_due(session, refs=refs(), schedule=schedule, now=tuesday + timedelta(hours=3))[
            "digests"
        ]
        == 0
    )
    assert (
        queue_due(session, refs=refs(), schedule=schedule, now=tuesday + timedelta(days=1))[
            "digests"
        ]
        == 0
    )
    prefs = session.get(NotificationPreference, coach.id)
    assert prefs is not None and prefs.last_digest_at == tuesday + timedelta(days=1)


def test_when_daily_and_weekly_messages_are_due() -> None:
    schedule = Schedule(hour=7, weekly_day=0)
    monday_6h = datetime(2026, 11, 23, 5, 0, tzinfo=UTC)  # 06:00 in Paris
    monday_8h = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)
    sunday = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
    assert is_due(None, monday_6h, "daily", schedule)
    assert not is_due(monday_6h - timedelta(hours=10), monday_6h, "daily", schedule)
    assert is_due(monday_6h, monday_8h, "daily", schedule)
    assert not is_due(sunday, monday_6h, "weekly", schedule)
    assert is_due(sunday, monday_8h, "weekly", schedule)
    assert not is_due(monday_8h, monday_8h + timedelta(days=6), "weekly", schedule)
    assert not is_due(None, monday_8h, "off", schedule)


def test_the_facilitator_is_reminded_of_waiting_proposals(
    session: Session,
    connection: Connection,
    coach: Actor,
    facilitator: Actor,
    smtp: tuple[Inbox, int],
) -> None:
    inbox, port = smtp
    wants_mail(session, facilitator, "facil@orne.example")
    now = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)
    assert queue_due(session, refs=refs(), schedule=Schedule(), now=now)["reminders"] == 0
    session.get(NotificationPreference, facilitator.id).last_reminder_at = None  # type: ignore[union-attr]
    proposals = [_proposal(session, coach) for _ in range(3)]
    assert queue_due(session, refs=refs(), schedule=Schedule(), now=now)["reminders"] == 1
    deliver_due(nested_sessions(connection), config(port))
    [msg] = inbox.messages
    assert msg["Subject"] == "clausematch — 3 proposition(s) à valider"
    text = _text(msg)
    assert f"{BASE}/facilitateur/validation" in text
    # Offers and counts only: no person is named.
    for p in proposals:
        person = session.get(Candidate, p.candidate_id)
        assert person is not None and person.external_id not in text + _html(msg)


def test_the_inactivity_notice_for_the_retention_run(
    session: Session, connection: Connection, coach: Actor, smtp: tuple[Inbox, int]
) -> None:
    inbox, port = smtp
    people = [make_candidate(session, coach=coach) for _ in range(2)]
    pairs = [(p.id, p.external_id) for p in people]
    assert not queue_inactivity_notice(
        session, coach_id=coach.id, people=pairs, anonymise_on=date(2027, 1, 15), inactive_months=12
    )  # no address yet
    wants_mail(session, coach, "coach-a@orne.example")
    args: dict[str, Any] = {
        "coach_id": coach.id,
        "people": pairs,
        "anonymise_on": date(2027, 1, 15),
        "inactive_months": 12,
    }
    assert queue_inactivity_notice(session, **args)
    assert not queue_inactivity_notice(session, **args)  # once per coach, date and people
    deliver_due(nested_sessions(connection), config(port))
    [msg] = inbox.messages
    assert msg["Subject"] == "clausematch — 2 personne(s) de votre suivi bientôt anonymisée(s)"
    text = _text(msg)
    assert "le 15/01/2027" in text and "depuis 12 mois" in text
    for p in people:
        assert f"{p.external_id} : {BASE}/personnes/{p.id}" in text


def test_temporary_failures_are_retried_permanent_ones_recorded(
    session: Session,
    connection: Connection,
    coach: Actor,
    other_coach: Actor,
    smtp: tuple[Inbox, int],
) -> None:
    inbox, port = smtp
    wants_mail(session, coach, "coach-a@orne.example")
    wants_mail(session, other_coach, "inconnu@orne.example")
    inbox.refuse.add("inconnu@orne.example")
    inbox.fail_next.append("451 4.3.0 Réessayez plus tard")
    notice(session, coach)
    notice(session, other_coach)
    now = datetime.now(UTC)
    first = deliver_due(nested_sessions(connection), config(port), now=lambda: now)
    assert (first.sent, first.retried, first.failed) == (0, 1, 1)
    mails = {m.user_id: m for m in session.scalars(select(OutboxEmail))}
    retry, refused = mails[coach.id], mails[other_coach.id]
    session.refresh(retry)
    session.refresh(refused)
    assert retry.status == "queued" and retry.last_error == "SMTP 451 (SMTPDataError)"
    assert retry.next_attempt_at == now + timedelta(seconds=60)
    assert refused.status == "failed" and refused.last_error == "destinataire refusé (SMTP 550)"
    # Not yet due: nothing is tried. Once due, it leaves.
    assert deliver_due(nested_sessions(connection), config(port), now=lambda: now).sent == 0
    later = now + timedelta(seconds=61)
    assert deliver_due(nested_sessions(connection), config(port), now=lambda: later).sent == 1
    session.refresh(retry)
    assert retry.status == "sent" and retry.attempts == 2


def test_an_unreachable_server_is_tried_a_few_times_then_given_up(
    session: Session, connection: Connection, coach: Actor
) -> None:
    wants_mail(session, coach, "coach-a@orne.example")
    notice(session, coach)
    closed = config(free_port(), max_attempts=3)
    now = datetime.now(UTC)
    outcomes = []
    for i in range(4):
        at = now + timedelta(hours=i)
        r = deliver_due(nested_sessions(connection), closed, now=lambda at=at: at)  # type: ignore[misc]
        outcomes.append((r.retried, r.failed))
    assert outcomes == [(1, 0), (1, 0), (0, 1), (0, 0)]
    mail = session.scalars(select(OutboxEmail)).one()
    session.refresh(mail)
    assert mail.status == "failed" and mail.attempts == 3
    assert mail.last_error == "serveur injoignable (ConnectionRefusedError)"


def test_a_deactivated_user_gets_nothing(
    session: Session, connection: Connection, smtp: tuple[Inbox, int]
) -> None:
    inbox, port = smtp
    leaving = make_user(session, role="coach", username="coach-leaving")
    wants_mail(session, leaving, "leaving@orne.example")
    notice(session, leaving)
    leaving.user.is_active = False
    session.flush()
    assert deliver_due(nested_sessions(connection), config(port)).cancelled == 1
    assert inbox.messages == []


def test_old_contents_are_forgotten(
    session: Session, connection: Connection, coach: Actor, smtp: tuple[Inbox, int]
) -> None:
    _, port = smtp
    wants_mail(session, coach, "coach-a@orne.example")
    notice(session, coach)
    deliver_due(nested_sessions(connection), config(port))
    mail = session.scalars(select(OutboxEmail)).one()
    assert forget_old_contents(session, keep_days=30) == 0
    assert forget_old_contents(session, keep_days=30, now=datetime.now(UTC) + timedelta(days=31))
    session.refresh(mail)
    assert (mail.body_text, mail.body_html, mail.subject, mail.context) == ("", "", "", {})
    assert mail.status == "sent"


def test_the_smtp_password_appears_nowhere(
    session: Session, connection: Connection, coach: Actor, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    wants_mail(session, coach, "coach-a@orne.example")
    with smtp_server(password=PASSWORD) as (inbox, port):
        wrong = config(port, user="clausematch", password=SecretStr("pas-le-bon-" + PASSWORD))
        right = config(port, user="clausematch", password=SecretStr(PASSWORD))
        notice(session, coach)
        now = datetime.now(UTC)
        failed = deliver_due(nested_sessions(connection), wrong, now=lambda: now)
        assert failed.retried == 1 and inbox.messages == []
        later = now + timedelta(minutes=2)
        sent = deliver_due(nested_sessions(connection), right, now=lambda: later)
        assert sent.sent == 1 and inbox.logins == ["clausematch", "clausematch"]
    mail = session.scalars(select(OutboxEmail)).one()
    session.refresh(mail)
    # What the service logs (the test server's own log, "mail.log", shows the whole dialogue).
    logged = "\n".join(r.getMessage() for r in caplog.records if r.name != "mail.log")
    assert "mail 1 (inactivity_notice)" in logged or "inactivity_notice): sent" in logged
    texts = [
        logged,
        failed.message,
        sent.message,
        repr(right),
        str(mail.last_error),
        mail.body_text,
        mail.body_html,
        inbox.messages[0].as_string(),
    ]
    for text in texts:
        assert PASSWORD not in text
    assert "coach-a@orne.example" not in logged  # logs name message ids, not addresses
