"""A real SMTP server (aiosmtpd) in the test process that keeps what it receives. Failures are chosen per
recipient address."""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller


@dataclass
class Mail:
    to: list[str]
    message: EmailMessage
    at: float


@dataclass
class SmtpSink:
    mails: list[Mail] = field(default_factory=list)
    # address -> list of replies for successive attempts ("ok", "drop", "550 ...", "451 ..."); the last repeats.
    script: dict[str, list[str]] = field(default_factory=dict)
    attempts: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def to(self, address: str) -> list[Mail]:
        with self.lock:
            return [m for m in self.mails if address in m.to]

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:  # noqa: N802
        with self.lock:
            attempt = self.attempts.get(address, 0)
            self.attempts[address] = attempt + 1
            plan = self.script.get(address, ["ok"])
            reply = plan[min(attempt, len(plan) - 1)]
        if reply == "drop":  # the connection dies mid-conversation
            server.transport.abort()
            return "421 4.4.2 connection dropped"
        if reply != "ok":
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        with self.lock:
            self.mails.append(Mail(to=list(envelope.rcpt_tos), message=parsed, at=time.time()))  # type: ignore[arg-type]
        return "250 Message accepted"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start(**controller_options: Any) -> tuple[Controller, SmtpSink]:
    sink = SmtpSink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port(), **controller_options)
    controller.start()
    return controller, sink


def password_authenticator(user: str, password: str) -> Any:
    """An aiosmtpd authenticator that accepts exactly one user and password."""
    from aiosmtpd.smtp import AuthResult, LoginPassword

    def check(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
        ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
            user.encode(),
            password.encode(),
        )
        return AuthResult(success=ok, handled=False)

    return check
