"""The links in a recovery message: the answer page and the opt-out. Signed by link_tokens (the same HMAC as the
agents' one-click links) under a key of their own derived from NPSLOOP_LINK_SECRET, so a token made for one
kind of link is never accepted by the other's page. A token names the request by its id, what it opens and
until when: never the customer, their email, phone or case."""

from __future__ import annotations

import hashlib
import hmac
from enum import StrEnum

from npsloop.link_tokens import LinkError, make_token, read_token

MAX_TOKEN = 200  # a real token is about 100 characters; anything much longer is refused before any work


class LinkKind(StrEnum):
    ANSWER = "ra"
    OPT_OUT = "ro"


def _key(link_secret: str) -> str:
    return hmac.new(link_secret.encode(), b"npsloop recovery links v1", hashlib.sha256).hexdigest()


def make_link_token(link_secret: str, request_id: int, kind: LinkKind, expires_at: int) -> str:
    return make_token(_key(link_secret), {"r": request_id, "x": kind.value}, expires_at)


def read_link_token(link_secret: str, token: str, kind: LinkKind, now: float) -> int:
    """The request id, or LinkError (expired=True when only its time has passed)."""
    if not link_secret or len(token) > MAX_TOKEN or not token.isascii():
        raise LinkError("this link is not valid")
    payload = read_token(_key(link_secret), token, now)
    request_id = payload.get("r")
    if payload.get("x") != kind.value or not isinstance(request_id, int) or isinstance(request_id, bool):
        raise LinkError("this link is not valid")
    return request_id
