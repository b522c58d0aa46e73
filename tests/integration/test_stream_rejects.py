"""The intake's rejects stream as erasure sees it, on a real Redis: a customer's entries are found by the id in
their JSON or by their values in text that is not JSON at all, other entries stay, old ones are trimmed by
age, and Redis down is "try again" (StoreUnavailable), not a half-done erasure that claims success."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import redis

from npsloop.domain.erasure import Subject
from npsloop.ingest.stream_rejects import IntakeRejects
from npsloop.services.unit_of_work import StoreUnavailable


@pytest.fixture
def rejects(redis_url):
    stream = f"test:rejects:{uuid.uuid4().hex[:8]}"
    found = IntakeRejects.connect(redis_url, stream)
    yield found
    found.redis.delete(stream)


def add(rejects, response, integration="", entry_id="*"):
    raw = response if isinstance(response, str) else json.dumps(response)
    return rejects.redis.xadd(
        rejects.stream, {"response": raw, "integration": integration, "reason": "[]"}, id=entry_id
    )


def test_a_customers_rejects_are_found_and_deleted_and_nobody_elses(rejects):
    ana = Subject("c-1", "shop", identifiers=frozenset({"c-1", "ana@example.es"}))
    add(rejects, {"customer": {"id": "c-1"}}, "shop")
    add(rejects, "{not json, but mail ana@example.es", "shop")
    add(rejects, {"customer": {"id": "c-1"}}, "crm")  # the same id in another integration: another person
    add(rejects, {"customer": {"id": "c-2"}}, "shop")
    for page_entry in range(600):  # more than a page of strangers
        add(rejects, {"customer": {"id": f"x-{page_entry}"}})
    assert len(rejects.find(ana)) == 2
    assert rejects.forget(ana) == 2 and rejects.forget(ana) == 0
    assert rejects.redis.xlen(rejects.stream) == 602


def test_entries_older_than_the_cutoff_are_counted_then_trimmed(rejects):
    now = datetime.now(UTC)
    old = int((now - timedelta(days=40)).timestamp() * 1000)
    add(rejects, {"customer": {"id": "c-1"}}, entry_id=f"{old}-0")
    add(rejects, {"customer": {"id": "c-1"}}, entry_id=f"{old}-1")
    add(rejects, {"customer": {"id": "c-2"}})
    cutoff = now - timedelta(days=30)
    assert rejects.count_before(cutoff) == 2
    assert rejects.forget_before(cutoff) == 2 and rejects.redis.xlen(rejects.stream) == 1


def test_redis_down_is_try_again():
    down = IntakeRejects(redis.Redis(port=1, socket_connect_timeout=0.2), "npsloop:intake:rejects")
    with pytest.raises(StoreUnavailable):
        down.forget(Subject("c-1"))
