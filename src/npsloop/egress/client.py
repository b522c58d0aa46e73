"""The one outbound HTTP client. Each call has an overall deadline (connection to last byte), reads the answer
as a stream and stops at a byte cap (a 150 MB answer is never held), and takes one of a bounded number of
slots for this process: calls beyond them fail at once (a survey tool's read-back answers 503, and the tool
retries) or wait their turn (a background sender), instead of tying up the threads that serve the API."""

from __future__ import annotations

import json
import ssl
import threading
import time
from concurrent import futures
from dataclasses import dataclass
from typing import Any

import httpcore
import httpx

from npsloop.egress.connect import GuardedBackend
from npsloop.egress.policy import SETTING, EgressError, Policy, Refused
from npsloop.settings import Settings

USER_AGENT = "npsloop/1"


class Busy(EgressError):
    """Every outbound slot of this process is in use."""


class TooSlow(EgressError):
    """The call's deadline passed before the answer was complete."""


class Unreachable(EgressError):
    """No connection, or the far side broke the HTTP exchange."""


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes
    complete: bool  # False: the answer went on past the byte cap and was cut there

    def json(self) -> Any:
        return json.loads(self.body)

    def text(self, limit: int) -> str:
        return self.body[:limit].decode("utf-8", "replace")


class Egress:
    def __init__(
        self,
        policy: Policy,
        *,
        deadline_seconds: float,
        max_bytes: int,
        concurrency: int,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self.policy = policy
        self.deadline_seconds = deadline_seconds
        self.max_bytes = max_bytes
        self.slots = threading.BoundedSemaphore(concurrency)
        self.resolving = futures.ThreadPoolExecutor(concurrency, thread_name_prefix="egress-dns")
        self.ssl_context = ssl_context or httpx.create_ssl_context()

    @classmethod
    def from_settings(cls, settings: Settings) -> Egress:
        return cls(
            Policy.parse(settings.egress_allow),
            deadline_seconds=settings.egress_deadline_seconds,
            max_bytes=settings.egress_max_bytes,
            concurrency=settings.egress_concurrency,
        )

    def request(
        self,
        method: str,
        url: str,
        *,
        headers: dict[str, str],
        content: bytes | None = None,
        max_bytes: int | None = None,
        wait: bool = False,
    ) -> Reply:
        """`wait`: queue for a slot (up to the deadline) rather than fail with Busy at once."""
        if not self.slots.acquire(blocking=wait, timeout=self.deadline_seconds if wait else None):
            raise Busy("all of npsloop's outbound connections are in use; try again shortly")
        try:
            return self._call(method, url, headers, content, min(max_bytes or self.max_bytes, self.max_bytes))
        finally:
            self.slots.release()

    def _call(self, method: str, url: str, headers: dict[str, str], content: bytes | None, cap: int) -> Reply:
        try:
            parsed = httpx.URL(url)
        except httpx.InvalidURL as error:
            raise Refused(f"not a URL ({error})") from None
        host = parsed.host
        if parsed.scheme != "https" and not (parsed.scheme == "http" and self.policy.host_allowed(host)):
            raise Refused(f"{host or url[:40]}: only https (plain http only to hosts allowed in {SETTING})")
        deadline = time.monotonic() + self.deadline_seconds
        target = httpcore.URL(scheme=parsed.raw_scheme, host=parsed.raw_host, port=parsed.port, target=parsed.raw_path)
        sent = httpx.Headers({"User-Agent": USER_AGENT})
        sent.update(headers)
        sent["Accept-Encoding"] = "identity"
        timeouts = dict.fromkeys(("connect", "read", "write", "pool"), self.deadline_seconds)
        pool = httpcore.ConnectionPool(
            ssl_context=self.ssl_context,
            network_backend=GuardedBackend(self.policy, deadline, self.resolving),
            max_connections=1,
        )
        try:
            with (
                pool,
                pool.stream(
                    method, target, headers=sent.raw, content=content, extensions={"timeout": timeouts}
                ) as answer,
            ):
                return Reply(answer.status, *_read(answer, cap, host))
        except httpcore.TimeoutException:
            raise TooSlow(f"{host} did not answer within {self.deadline_seconds:g} s") from None
        except (httpcore.NetworkError, httpcore.ProtocolError, httpcore.UnsupportedProtocol) as error:
            raise Unreachable(f"{host} could not be reached ({type(error).__name__})") from None


def _read(answer: httpcore.Response, cap: int, host: str) -> tuple[bytes, bool]:
    """Up to cap bytes of the body; leaving the rest unread closes the connection instead of draining it."""
    encoding = dict((k.lower(), v) for k, v in answer.headers).get(b"content-encoding", b"identity")
    if encoding.strip().lower() not in (b"identity", b""):
        # Asked for identity; a compressed answer could inflate far past the cap inside one chunk.
        raise EgressError(f"{host} answered compressed ({encoding.decode(errors='replace')[:20]}) unasked")
    body = bytearray()
    for chunk in answer.iter_stream():
        body += chunk[: cap - len(body) + 1]
        if len(body) > cap:
            return bytes(body[:cap]), False
    return bytes(body), True
