"""Short signed tokens for one-click links in emails: what to do, to which case, as whom, until when.
HMAC-SHA256 over the payload; nothing is stored, so a link cannot be forged, altered or used after expiry."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any


def same(given: str, expected: str) -> bool:
    """Constant-time equality of a text someone sent and the one we expect. hmac.compare_digest refuses a
    str with non-ASCII characters (a TypeError, so "v1=²" was a 500): both are compared as bytes."""
    return hmac.compare_digest(given.encode("utf-8", "surrogatepass"), expected.encode("utf-8", "surrogatepass"))


class LinkError(Exception):
    def __init__(self, message: str, *, expired: bool = False) -> None:
        super().__init__(message)
        self.expired = expired


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def make_token(secret: str, payload: dict[str, Any], expires_at: int) -> str:
    body = _b64(json.dumps({**payload, "exp": expires_at}, separators=(",", ":"), sort_keys=True).encode())
    mac = _b64(hmac.new(secret.encode(), body.encode(), hashlib.sha256).digest())
    return f"{body}.{mac}"


def read_token(secret: str, token: str, now: float) -> dict[str, Any]:
    body, _, mac = token.partition(".")
    expected = _b64(hmac.new(secret.encode(), body.encode(), hashlib.sha256).digest())
    if not mac or not same(mac, expected):
        raise LinkError("this link is not valid")
    try:
        payload: dict[str, Any] = json.loads(_unb64(body))
    except (ValueError, UnicodeDecodeError):
        raise LinkError("this link is not valid") from None
    if not isinstance(payload.get("exp"), int) or payload["exp"] < now:
        raise LinkError("this link has expired", expired=True)
    return payload
