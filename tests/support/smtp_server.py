"""A real SMTP server on 127.0.0.1 for tests (aiosmtpd): it accepts every message and keeps it.

Use the `smtp_server` fixture; `smtp_server.messages` holds what arrived, parsed, and
`smtp_server.settings(...)` gives Settings pointing at it. `smtp_server_with_login` demands
AUTH with USER / PASSWORD (without TLS: it is loopback).
"""

from __future__ import annotations

import socket
import threading
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from app.config import Settings

USER, PASSWORD = "mailer", "s3cret-pass"


@dataclass
class Received:
    """One message as the server got it."""

    mail_from: str
    recipients: list[str]
    message: EmailMessage


@dataclass
class _Collector:
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server, session, envelope) -> str:
        # Stored as a local mailbox would: line ends back to "\n" after the SMTP transfer.
        content = envelope.original_content.replace(b"\r\n", b"\n")
        parsed = message_from_bytes(content, policy=policy.default)
        with self.lock:
            self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), parsed))
        return "250 Message accepted"


def _accept_known_login(server, session, envelope, mechanism, auth_data) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and (
        auth_data.login.decode(),
        auth_data.password.decode(),
    ) == (USER, PASSWORD)
    return AuthResult(success=ok, handled=False)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class SmtpServer:
    """aiosmtpd in a thread on a free loopback port."""

    def __init__(self, *, require_login: bool = False) -> None:
        self._collector = _Collector()
        self.port = free_port()
        extra = {}
        if require_login:
            extra = {
                "authenticator": _accept_known_login,
                "auth_required": True,
                "auth_require_tls": False,
            }
        self._controller = Controller(
            self._collector, hostname="127.0.0.1", port=self.port, **extra
        )

    @property
    def messages(self) -> list[Received]:
        with self._collector.lock:
            return list(self._collector.received)

    def settings(self, **overrides) -> Settings:
        values = {
            "smtp_host": "127.0.0.1",
            "smtp_port": self.port,
            "smtp_from": "AcademicHub <radar@academichub.test>",
            **overrides,
        }
        return Settings(_env_file=None, **values)

    def start(self) -> SmtpServer:
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()


@pytest.fixture
def smtp_server():
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture
def smtp_server_with_login():
    server = SmtpServer(require_login=True).start()
    yield server
    server.stop()
