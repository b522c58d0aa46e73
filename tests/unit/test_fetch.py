"""Reading a response back from a survey tool's API: each failure says whether the tool should retry."""

from __future__ import annotations

import pytest

from npsloop.ingest.adapters.base import UpstreamError
from npsloop.ingest.fetch import http_fetch
from tests.support.http_sink import http_sink


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
            http_fetch(api.url + "/r", {})
        assert failed.value.retry is retry


def test_json_is_returned_and_headers_sent():
    with http_sink() as api:
        api.routes["/r"] = (200, {"result": 1})
        assert http_fetch(api.url + "/r", {"X-API-TOKEN": "t"}) == {"result": 1}
        assert api.hits[0].headers["x-api-token"] == "t"


def test_an_unreachable_tool_is_a_retry():
    with pytest.raises(UpstreamError, match="could not be reached") as failed:
        http_fetch("http://127.0.0.1:9/r", {})
    assert failed.value.retry
