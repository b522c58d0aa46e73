"""Reading a response back from a survey tool's API, for the tools whose webhook only names it. Each failure
says whether the tool should send its notice again (we answer 503) or never (422)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from npsloop.ingest.adapters.base import UpstreamError

TIMEOUT = httpx.Timeout(10.0, connect=5.0)


def http_fetch(url: str, headers: Mapping[str, str]) -> Any:
    host = httpx.URL(url).host
    try:
        reply = httpx.get(url, headers=dict(headers), timeout=TIMEOUT)
    except httpx.HTTPError as error:
        raise UpstreamError(f"{host} could not be reached ({type(error).__name__})", retry=True) from None
    if reply.status_code in (404, 410):
        raise UpstreamError(f"{host} says the response does not exist", retry=False)
    if reply.status_code in (401, 403):
        # Most likely a token that was changed on one side: worth the tool's retries while someone fixes it.
        raise UpstreamError(f"{host} refused the integration's API token ({reply.status_code})", retry=True)
    if reply.status_code == 429 or reply.status_code >= 500:
        raise UpstreamError(f"{host} answered {reply.status_code}", retry=True)
    if reply.status_code >= 400:
        raise UpstreamError(f"{host} answered {reply.status_code}", retry=False)
    try:
        return reply.json()
    except ValueError:
        raise UpstreamError(f"{host} answered with something that is not JSON", retry=True) from None
