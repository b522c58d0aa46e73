"""Stripe-style signed webhooks: `t=<unix>,v1=<hex>[,v1=<hex>...]` over "<t>.<raw body>".

Signing the timestamp with the body makes a captured request useless after the tolerance window, and
allowing several v1 values lets a sender sign with old and new secrets while a secret is being rotated.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping, Sequence

from npsloop.domain.numbers import is_decimal
from npsloop.link_tokens import same

HEADER = "NPSLoop-Signature"


class SignatureError(Exception):
    """Why a request is not trusted; the message is safe to return to the caller."""


def compute(secret: str, timestamp: int, body: bytes) -> str:
    signed = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def sign(body: bytes, secrets: str | Sequence[str], timestamp: int) -> str:
    if isinstance(secrets, str):
        secrets = [secrets]
    parts = [f"t={timestamp}"] + [f"v1={compute(secret, timestamp, body)}" for secret in secrets]
    return ",".join(parts)


def parse(header: str) -> tuple[int, list[str]]:
    timestamp: int | None = None
    signatures: list[str] = []
    for part in header.split(","):
        key, sep, value = part.strip().partition("=")
        if not sep:
            continue
        if key == "t":
            if not is_decimal(value) or len(value) > 12:
                raise SignatureError("signature timestamp is not a unix time")
            timestamp = int(value)
        elif key == "v1":
            signatures.append(value)
    if timestamp is None:
        raise SignatureError("signature header has no t= timestamp")
    if not signatures:
        raise SignatureError("signature header has no v1= signature")
    return timestamp, signatures


def verify(
    header: str | None,
    body: bytes,
    secrets: Mapping[str, Sequence[str]],
    *,
    now: float,
    tolerance: int,
) -> str:
    """Returns the integration whose secret signed the body."""
    if not header:
        raise SignatureError(f"missing {HEADER} header")
    if not secrets:
        raise SignatureError("no webhook secrets are configured (NPSLOOP_WEBHOOK_SECRETS)")
    timestamp, signatures = parse(header)
    if abs(now - timestamp) > tolerance:
        raise SignatureError(f"signature timestamp is outside the {tolerance} s tolerance")
    for integration, integration_secrets in secrets.items():
        for secret in integration_secrets:
            expected = compute(secret, timestamp, body)
            # Every candidate is compared, in constant time, so timing says nothing about which one matched.
            if any(same(candidate, expected) for candidate in signatures):
                return integration
    raise SignatureError("no signature matches the body")
