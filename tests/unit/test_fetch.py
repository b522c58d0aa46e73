"""Reading a response back from a survey tool's API, through the egress client: each failure says whether
the tool should retry; a tool that trickles its answer is cut at the deadline, one that floods it at the byte
cap, and calls beyond the egress slots are a retry at once."""

from __future__ import annotations

import threading
import time

import pytest

from npsloop.egress.client import Egress
from npsloop.egress.policy import Policy
from npsloop.ingest.adapters.base import UpstreamError
from npsloop.ingest.fetch import http_fetch
from tests.conftest import LOOPBACK
from tests.support.http_sink import http_sink
from tests.support.slow_server import Answer, slow_server


def egress(*, allow: str = LOOPBACK, deadline: float = 5.0, max_bytes: int = 64 * 1024, slots: int = 4) -> Egress:
    return Egress(Policy.parse(allow), deadline_seconds=deadline, max_bytes=max_bytes, concurrency=slots)


@pytest.mark.parametrize(
    ("status", "retry", "says"),
    [
        (404, False, "does not exist"),
        (401, True, "refused the integration's API token"),
        (503, True, "503"),
        (400, False, "400"),
    ],
)
def test_answers_map_to_retry_or_not(status, retry, says):
    with http_sink() as api:
        api.routes["/r"] = (status, {})
        with pytest.raises(UpstreamError, match=says) as failed:
            http_fetch(egress(), api.url + "/r", {})
        assert failed.value.retry is retry


def test_json_is_returned_and_headers_sent():
    with http_sink() as api:
        api.routes["/r"] = (200, {"result": 1})
        assert http_fetch(egress(), api.url + "/r", {"X-API-TOKEN": "t"}) == {"result": 1}
        assert api.hits[0].headers["x-api-token"] == "t"


def test_an_unreachable_tool_is_a_retry():
    with pytest.raises(UpstreamError, match="could not be reached") as failed:
        http_fetch(egress(), "http://127.0.0.1:9/r", {})
    assert failed.value.retry


def test_a_tool_trickling_a_byte_a_second_is_cut_at_the_deadline():
    """httpx's timeout is per chunk: a byte a second never trips it. The deadline is for the whole call."""
    with slow_server(Answer(size=60, chunk=1, every=1.0)) as api:
        began = time.monotonic()
        with pytest.raises(UpstreamError, match="did not answer within 2 s") as failed:
            http_fetch(egress(deadline=2.0), api.url + "/r", {})
        assert time.monotonic() - began < 4
        assert failed.value.retry


def test_an_answer_past_the_byte_cap_is_a_retry_not_a_buffer():
    with slow_server(Answer(size=5_000_000, chunk=65536, every=0)) as api:
        with pytest.raises(UpstreamError, match="more than 65536 bytes") as failed:
            http_fetch(egress(), api.url + "/r", {})
        assert failed.value.retry


def test_read_backs_beyond_the_egress_slots_are_a_retry_at_once():
    client = egress(slots=2, deadline=3.0)
    with slow_server(Answer(size=30, chunk=1, every=0.5)) as api:
        slow = [
            threading.Thread(target=lambda: pytest.raises(UpstreamError, http_fetch, client, api.url, {}))
            for _ in range(2)
        ]
        for thread in slow:
            thread.start()
        while api.requests < 2:
            time.sleep(0.02)
        began = time.monotonic()
        with pytest.raises(UpstreamError, match="in use") as failed:
            http_fetch(client, api.url + "/third", {})
        assert failed.value.retry and time.monotonic() - began < 0.5
        assert api.requests == 2  # the third never left
        for thread in slow:
            thread.join()


def test_a_loopback_tool_is_refused_without_the_allow_list():
    with http_sink() as api:
        api.routes["/r"] = (200, {"result": 1})
        with pytest.raises(UpstreamError, match="https") as failed:
            http_fetch(egress(allow=""), api.url + "/r", {})
        assert failed.value.retry and api.hits == []
