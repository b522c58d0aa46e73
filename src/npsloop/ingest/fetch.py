"""Reading a response back from a survey tool's API, for the tools whose webhook only names it, through the
one egress client. Each failure says whether the tool should send its notice again (we answer 503) or never
(422). Whatever keeps the egress client from answering (its slots all in use, the deadline, an answer past
the byte cap, a refused destination) is a retry: the operator can fix it, and the tool keeps the event."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from npsloop.egress.client import Egress
from npsloop.egress.policy import EgressError
from npsloop.ingest.adapters.base import Fetch, UpstreamError


def reader(egress: Egress) -> Fetch:
    """The Fetch an adapter is given, bound to this process's egress client."""

    def fetch(url: str, headers: Mapping[str, str]) -> Any:
        return http_fetch(egress, url, headers)

    return fetch


def http_fetch(egress: Egress, url: str, headers: Mapping[str, str]) -> Any:
    try:
        reply = egress.request("GET", url, headers={"Accept": "application/json", **headers})
    except EgressError as error:
        raise UpstreamError(str(error), retry=True) from None
    host = httpx.URL(url).host
    if reply.status in (404, 410):
        raise UpstreamError(f"{host} says the response does not exist", retry=False)
    if reply.status in (401, 403):
        # Most likely a token that was changed on one side: worth the tool's retries while someone fixes it.
        raise UpstreamError(f"{host} refused the integration's API token ({reply.status})", retry=True)
    if reply.status == 429 or reply.status >= 500:
        raise UpstreamError(f"{host} answered {reply.status}", retry=True)
    if reply.status >= 400:
        raise UpstreamError(f"{host} answered {reply.status}", retry=False)
    if reply.status >= 300:
        raise UpstreamError(f"{host} answered {reply.status} (redirects are not followed)", retry=True)
    if not reply.complete:
        raise UpstreamError(f"{host} answered more than {egress.max_bytes} bytes", retry=True)
    try:
        return reply.json()
    except (ValueError, RecursionError):  # RecursionError: JSON nested deeper than the parser goes
        raise UpstreamError(f"{host} answered with something that is not JSON", retry=True) from None
