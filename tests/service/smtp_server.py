"""A real SMTP server for the e-mail tests (aiosmtpd, on 127.0.0.1): it keeps what arrives,
refuses the recipients it is told to, answers a temporary failure to the next messages when
asked, and checks a login when it is given one."""

from __future__ import annotations

import base64
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult


@dataclass
class Inbox:
    messages: list[EmailMessage] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)
    fail_next: list[str] = field(default_factory=list)
    logins: list[str] = field(default_factory=list)
    password: str | None = None

    async def handle_RCPT(  # noqa: N802 (aiosmtpd's hook names)
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if address in self.refuse:
            return "550 5.1.1 Destinataire inconnu"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(  # noqa: N802
        self, server: Any, session: Any, envelope: Any
    ) -> str:
        if self.fail_next:
            return self.fail_next.pop(0)
        msg = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(msg, EmailMessage)
        self.messages.append(msg)
        return "250 Message accepted"

    async def handle_AUTH(  # noqa: N802
        self, server: Any, session: Any, envelope: Any, args: list[str]
    ) -> str:
        # AUTH PLAIN with its initial response, as smtplib sends it (the library's own AUTH
        # path sets a deprecated attribute on success, which these tests turn into an error).
        if len(args) != 2 or args[0].upper() != "PLAIN":
            return "504 5.5.4 Unrecognized authentication type"
        _, login, password = base64.b64decode(args[1]).split(b"\0")
        self.logins.append(login.decode())
        if password.decode() != self.password:
            return "535 5.7.8 Authentication credentials invalid"
        session.authenticated = True
        return "235 2.7.0 Authentication successful"

    def authenticate(self, *args: Any) -> AuthResult:
        """Never called (handle_AUTH answers first); aiosmtpd wants one to offer AUTH."""
        return AuthResult(success=False, handled=False)

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextmanager
def smtp_server(*, password: str | None = None) -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox(password=password)
    options: dict[str, Any] = {}
    if password is not None:
        # A login over plain SMTP, on localhost only: the tests check what the client sends.
        options = {
            "authenticator": inbox.authenticate,
            "auth_require_tls": False,
            "auth_required": False,
        }
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port, **options)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()
