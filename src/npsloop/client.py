"""A Python client for producers that push their own responses: it signs each request (a fresh timestamp
on every attempt), retries what is safe to retry, and batches.

Retrying is safe because a response is keyed by its `response_id`: a request that reached npsloop before the
connection dropped is answered `duplicate` the second time, never stored twice.

    from npsloop.client import Client

    with Client("https://nps.example.com", secret="whsec_...") as npsloop:
        npsloop.send({"response_id": "crm-1", "score": 4, "customer": {"id": "c-9"}, "responded_at": "..."})
        report = npsloop.send_many(rows, batch_size=500)
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx

from npsloop.domain.numbers import is_decimal
from npsloop.ingest import signature

RETRYABLE = {408, 425, 429, 500, 502, 503, 504}


class ClientError(Exception):
    """npsloop refused the request for a reason retrying cannot fix (a bad field, a bad signature)."""

    def __init__(self, status: int, body: Any) -> None:
        message = body.get("message") if isinstance(body, dict) else str(body)
        super().__init__(f"{status}: {message}")
        self.status = status
        self.body = body
        self.errors: list[dict[str, str]] = body.get("errors") or [] if isinstance(body, dict) else []


class Unavailable(Exception):
    """Every attempt failed with something worth retrying; the responses were maybe not stored. Send again
    later: the ones that were are answered `duplicate`."""


@dataclass
class BatchReport:
    accepted: int = 0
    updated: int = 0
    duplicate: int = 0
    stale: int = 0  # older versions than the ones stored: nothing changed
    invalid: list[dict[str, Any]] = field(default_factory=list)  # the item, its index and the field errors

    def add(self, answer: dict[str, Any], items: list[dict[str, Any]], offset: int) -> None:
        self.accepted += answer["accepted"]
        self.updated += answer["updated"]
        self.duplicate += answer["duplicate"]
        self.stale += answer.get("stale", 0)
        for result in answer["results"]:
            if result["status"] == "invalid":
                index = offset + result["index"]
                self.invalid.append({"index": index, "item": items[result["index"]], "errors": result["errors"]})


class Client:
    def __init__(
        self,
        base_url: str,
        *,
        secret: str | None = None,
        token: str | None = None,
        max_attempts: int = 6,
        backoff_seconds: float = 0.5,
        max_backoff_seconds: float = 30.0,
        timeout: float = 10.0,
        http: httpx.Client | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if bool(secret) == bool(token):
            raise ValueError("give either the integration's signing secret or an integration token")
        self.secret, self.token = secret, token
        self.max_attempts, self.backoff, self.max_backoff = max_attempts, backoff_seconds, max_backoff_seconds
        self.http = http or httpx.Client(base_url=base_url.rstrip("/"), timeout=timeout)
        self._sleep = sleep

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        self.http.close()

    def send(self, response: dict[str, Any]) -> dict[str, Any]:
        """One response; returns npsloop's answer ({"id", "status": accepted|updated|duplicate|stale})."""
        answer: dict[str, Any] = self._post("/v1/responses", response)
        return answer

    def send_many(self, responses: Iterable[dict[str, Any]], batch_size: int = 500) -> BatchReport:
        """Any number of responses, `batch_size` to a request; a bad item is reported, not raised, and never
        costs the others."""
        if not 1 <= batch_size <= 1000:
            raise ValueError("batch_size is 1 to 1000")
        report = BatchReport()
        offset = 0
        for chunk in _chunks(responses, batch_size):
            report.add(self._post("/v1/responses:batch", {"responses": chunk}), chunk, offset)
            offset += len(chunk)
        return report

    def _post(self, path: str, body: dict[str, Any]) -> Any:
        raw = json.dumps(body, separators=(",", ":"), default=str).encode()
        last = "no attempt"
        for attempt in range(1, self.max_attempts + 1):
            headers = {"Content-Type": "application/json"}
            if self.secret:
                headers[signature.HEADER] = signature.sign(raw, self.secret, int(time.time()))
            else:
                headers["Authorization"] = f"Bearer {self.token}"
            try:
                reply = self.http.post(path, content=raw, headers=headers)
            except httpx.TransportError as error:
                last = f"{type(error).__name__}: {error}"
                wait = self._wait(attempt, None)
            else:
                if reply.status_code < 300:
                    return reply.json()
                if reply.status_code not in RETRYABLE or _never_passes(reply):
                    raise ClientError(reply.status_code, _body(reply))
                last = f"HTTP {reply.status_code}"
                wait = self._wait(attempt, reply.headers.get("Retry-After"))
            if attempt < self.max_attempts:
                self._sleep(wait)
        raise Unavailable(f"gave up after {self.max_attempts} attempts: {last}")

    def _wait(self, attempt: int, retry_after: str | None) -> float:
        if retry_after and is_decimal(retry_after.strip()) and len(retry_after.strip()) < 10:
            return min(float(retry_after), self.max_backoff)
        # Full jitter, so many producers that failed together do not come back together.
        return random.uniform(0, min(self.backoff * 2 ** (attempt - 1), self.max_backoff))


def _never_passes(reply: httpx.Response) -> bool:
    """A 429 without Retry-After is a batch larger than the server's burst: no wait lets it through."""
    return reply.status_code == 429 and "Retry-After" not in reply.headers


def _body(reply: httpx.Response) -> Any:
    try:
        return reply.json()
    except ValueError:
        return reply.text


def _chunks(items: Iterable[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    chunk: list[dict[str, Any]] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
