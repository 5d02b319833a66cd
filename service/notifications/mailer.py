"""Sending the outbox over SMTP (standard library ``smtplib`` and ``email``).

A pass (:func:`deliver_due`) claims the messages that are due in one short transaction (marked
``sending`` with a lease, so that two senders never send the same message; a sender that dies
leaves its messages to the next pass once the lease has run out), renders them, sends them with
no transaction open, then records each outcome in its own short transaction: ``sent``; queued
again after ``retry_base_s`` doubled at each attempt (server unreachable, 4xx); or ``failed``
(5xx, or after ``max_attempts``). A message whose user was deactivated is ``cancelled``.
Delivery is at least once: a sender killed between sending and recording sends that message
again.

Logs name message ids and kinds, never an address, a subject or a body; errors are recorded as
the SMTP code and the exception's class, never the server's text (it may quote the login) nor the
password.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from pydantic import SecretStr
from sqlalchemy.orm import Session, sessionmaker

from service.config import Settings
from service.db import utcnow
from service.notifications.messages import render
from service.notifications.repository import NotificationRepository

__all__ = ["Delivery", "SmtpConfig", "deliver_due", "forget_old_contents", "smtp_config"]

log = logging.getLogger("clausematch.mail")

_LEASE = timedelta(minutes=10)


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    security: str
    user: str | None
    password: SecretStr | None
    timeout_s: float
    sender: str
    base_url: str
    max_attempts: int = 6
    retry_base_s: float = 60.0


def smtp_config(settings: Settings) -> SmtpConfig | None:
    """The SMTP settings; ``None`` when no server is configured."""
    if not settings.smtp_host:
        return None
    return SmtpConfig(
        host=settings.smtp_host,
        port=settings.smtp_port,
        security=settings.smtp_security,
        user=settings.smtp_user,
        password=settings.smtp_password,
        timeout_s=settings.smtp_timeout_s,
        sender=settings.mail_from,
        base_url=settings.public_url,
        max_attempts=settings.mail_max_attempts,
        retry_base_s=settings.mail_retry_base_s,
    )


@dataclass
class Delivery:
    """What a pass did."""

    sent: int = 0
    retried: int = 0
    failed: int = 0
    cancelled: int = 0

    @property
    def message(self) -> str:
        return (
            f"E-mails : {self.sent} envoyé(s), {self.retried} à réessayer, {self.failed} en "
            f"échec, {self.cancelled} annulé(s)."
        )


@dataclass(frozen=True)
class _Outgoing:
    id: int
    kind: str
    to: str
    subject: str
    text: str
    html: str


def _connect(smtp: SmtpConfig) -> smtplib.SMTP:
    context = ssl.create_default_context()
    conn: smtplib.SMTP
    if smtp.security == "ssl":
        conn = smtplib.SMTP_SSL(smtp.host, smtp.port, timeout=smtp.timeout_s, context=context)
    else:
        conn = smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout_s)
    try:
        if smtp.security == "starttls":
            conn.starttls(context=context)
        if smtp.user:
            password = smtp.password.get_secret_value() if smtp.password is not None else ""
            conn.login(smtp.user, password)
    except (smtplib.SMTPException, OSError):
        conn.close()
        raise
    return conn


def _message(out: _Outgoing, smtp: SmtpConfig) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = smtp.sender
    msg["To"] = out.to
    msg["Subject"] = out.subject
    msg["Date"] = format_datetime(utcnow())
    msg["Message-ID"] = make_msgid(idstring=f"mail{out.id}", domain="clausematch")
    msg["Auto-Submitted"] = "auto-generated"
    msg["Content-Language"] = "fr"
    msg.set_content(out.text)
    msg.add_alternative(out.html, subtype="html")
    return msg


def _describe(exc: Exception) -> tuple[str, bool]:
    """The error as recorded (code and class only), and whether trying again cannot help."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = sorted({code for code, _ in exc.recipients.values()})
        return f"destinataire refusé (SMTP {', '.join(map(str, codes))})", True
    if isinstance(exc, smtplib.SMTPResponseException):
        permanent = 500 <= exc.smtp_code < 600 and not isinstance(
            exc, smtplib.SMTPAuthenticationError
        )
        return f"SMTP {exc.smtp_code} ({type(exc).__name__})", permanent
    return f"serveur injoignable ({type(exc).__name__})", False


def _claim(
    sessions: sessionmaker[Session], smtp: SmtpConfig, now: datetime, limit: int
) -> tuple[list[_Outgoing], int]:
    """Claim the due messages and render them; cancel those of deactivated users."""
    with sessions() as session, session.begin():
        repo = NotificationRepository(session)
        rows = repo.claim_due(now=now, lease_until=now + _LEASE, limit=limit)
        out: list[_Outgoing] = []
        cancelled = 0
        for row in rows:
            user = repo.user(row.user_id) if row.user_id is not None else None
            if row.user_id is not None and (user is None or not user.is_active):
                row.status, row.lease_until = "cancelled", None
                cancelled += 1
                continue
            if not row.body_text:
                row.body_text, row.body_html = render(row.kind, row.context, base_url=smtp.base_url)
            out.append(
                _Outgoing(
                    row.id, row.kind, row.to_address, row.subject, row.body_text, row.body_html
                )
            )
        return out, cancelled


def _record(
    sessions: sessionmaker[Session],
    smtp: SmtpConfig,
    mail_id: int,
    error: Exception | None,
    now: datetime,
) -> str:
    with sessions() as session, session.begin():
        row = NotificationRepository(session).get(mail_id)
        assert row is not None
        row.attempts += 1
        row.lease_until = None
        if error is None:
            row.status, row.sent_at, row.last_error = "sent", now, None
            return "sent"
        row.last_error, permanent = _describe(error)
        if permanent or row.attempts >= smtp.max_attempts:
            row.status = "failed"
            return "failed"
        row.status = "queued"
        row.next_attempt_at = now + timedelta(seconds=smtp.retry_base_s * 2 ** (row.attempts - 1))
        return "retried"


def deliver_due(
    sessions: sessionmaker[Session],
    smtp: SmtpConfig,
    *,
    now: Callable[[], datetime] = utcnow,
    limit: int = 200,
) -> Delivery:
    """One pass over the outbox (see the module's docstring)."""
    outgoing, cancelled = _claim(sessions, smtp, now(), limit)
    result = Delivery(cancelled=cancelled)
    conn: smtplib.SMTP | None = None
    try:
        for out in outgoing:
            error: Exception | None = None
            try:
                if conn is None:
                    conn = _connect(smtp)
                conn.send_message(_message(out, smtp))
            except (smtplib.SMTPException, OSError) as exc:
                error = exc
                if not isinstance(exc, smtplib.SMTPRecipientsRefused):
                    # The connection may be unusable: the next message opens a new one.
                    _close(conn)
                    conn = None
            outcome = _record(sessions, smtp, out.id, error, now())
            setattr(result, outcome, getattr(result, outcome) + 1)
            log.info("mail %d (%s): %s", out.id, out.kind, outcome)
    finally:
        _close(conn)
    return result


def _close(conn: smtplib.SMTP | None) -> None:
    if conn is None:
        return
    try:
        conn.quit()
    except (smtplib.SMTPException, OSError):
        conn.close()


def forget_old_contents(session: Session, *, keep_days: int, now: datetime | None = None) -> int:
    """Empty the subject, context and bodies of messages done for more than ``keep_days``."""
    before = (now or utcnow()) - timedelta(days=keep_days)
    return NotificationRepository(session).forget_old_contents(before)
