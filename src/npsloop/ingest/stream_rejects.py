"""The intake's rejects stream as a place personal data sits: a rejected entry keeps the producer's JSON (the
customer's name, email, comment) for an operator to read. Erasure deletes the customer's entries, found by
the customer id in the JSON or by any of their values in the text; retention trims entries older than the
cutoff (stream ids are times)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any, cast

import redis

from npsloop.domain.erasure import Subject
from npsloop.services.unit_of_work import StoreUnavailable

PAGE = 500


class IntakeRejects:
    name = "intake_rejects"

    def __init__(self, client: redis.Redis, stream: str) -> None:
        self.redis = client
        self.stream = stream

    @classmethod
    def connect(cls, url: str, stream: str) -> IntakeRejects:
        return cls(redis.Redis.from_url(url, decode_responses=True, socket_timeout=30), stream)

    def _entries(self, high: str = "+") -> Iterator[tuple[str, dict[str, str]]]:
        low = "-"
        while True:
            # decode_responses: ids and fields are str, and an entry read by range always has its fields.
            page = cast(list[tuple[str, dict[str, str]]], self.redis.xrange(self.stream, low, high, count=PAGE))
            yield from page
            if len(page) < PAGE:
                return
            low = "(" + page[-1][0]

    def _of(self, subject: Subject) -> list[tuple[str, dict[str, str]]]:
        return [(entry_id, fields) for entry_id, fields in self._entries() if _concerns(subject, fields)]

    def find(self, subject: Subject) -> list[dict[str, Any]]:
        with _reachable():
            return [{"entry_id": entry_id, **fields} for entry_id, fields in self._of(subject)]

    def forget(self, subject: Subject) -> int:
        with _reachable():
            ids = [entry_id for entry_id, _ in self._of(subject)]
            for start in range(0, len(ids), PAGE):
                self.redis.xdel(self.stream, *ids[start : start + PAGE])
            return len(ids)

    def count_before(self, cutoff: datetime) -> int:
        with _reachable():
            return sum(1 for _ in self._entries(high=f"({_ms(cutoff)}-0"))

    def forget_before(self, cutoff: datetime) -> int:
        with _reachable():
            return int(self.redis.xtrim(self.stream, minid=f"{_ms(cutoff)}-0", approximate=False))


def _concerns(subject: Subject, fields: dict[str, str]) -> bool:
    raw = fields.get("response", "")
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):  # what was rejected may be anything
        data = None
    return subject.owns_entry(fields.get("integration"), data) or any(subject.mentions(v) for v in fields.values())


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


@contextmanager
def _reachable() -> Iterator[None]:
    """Redis down is "try again", as a database outage is: the erasure has not finished."""
    try:
        yield
    except (redis.ConnectionError, redis.TimeoutError) as error:
        raise StoreUnavailable(f"redis: {type(error).__name__}") from error
