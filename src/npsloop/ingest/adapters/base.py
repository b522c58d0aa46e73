"""What every adapter shares: the request it sees, the outcomes it may return, and the small conversions
(score, time, customer) whose error messages must read the same whichever tool sent the payload."""

from __future__ import annotations

import hmac
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol
from urllib.parse import quote

from npsloop.domain.numbers import decimal
from npsloop.ingest import strict_json
from npsloop.ingest.signature import SignatureError

__all__ = ["SignatureError"]

# Settings every kind accepts, for what the tool does not say about a response: survey_type (transactional
# or relational; default, the kind's usual one) and touchpoint (that of every response of the integration).
COMMON_OPTIONS = frozenset({"survey_type", "touchpoint"})


@dataclass(frozen=True)
class Request:
    headers: Mapping[str, str]  # case-insensitive, as the web framework gives them
    body: bytes
    query: Mapping[str, str]


@dataclass(frozen=True)
class Ignored:
    """A request that is the tool's, but is not a response to store: a test ping, an unsubscribe, a survey
    that is not NPS. It gets a 2xx, so the tool does not retry it forever."""

    reason: str


class PayloadError(Exception):
    """The payload is the tool's but cannot make a response: 422 with the field and the reason."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class ConfigError(ValueError):
    """An integration's settings cannot work; said when it is added, not at the first request, naming the
    setting (`config.fields.score`) when there is one to name."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class UpstreamError(Exception):
    """The tool's own API, which a notification-only webhook makes us read, failed. `retry` says whether the
    tool should send the event again later (503) or whether it can never work (422)."""

    def __init__(self, message: str, *, retry: bool) -> None:
        super().__init__(message)
        self.retry = retry


Fetch = Callable[[str, Mapping[str, str]], Any]
"""GET a URL with headers, return its JSON; raises UpstreamError."""


class Adapter(Protocol):
    survey_type: str

    def check_config(self, config: dict[str, Any]) -> dict[str, Any]: ...

    def check_secret(self, secret: str) -> None: ...

    def verify(self, request: Request, secrets: list[str], config: Mapping[str, Any], now: float) -> None: ...

    def parse(self, request: Request, config: Mapping[str, Any], fetch: Fetch) -> dict[str, Any] | Ignored: ...

    def delivery_id(self, request: Request) -> str | None: ...


class ToolAdapter:
    """What most kinds share: no rule on the secret's form, a signature in one header, and no delivery id."""

    survey_type = "transactional"

    def check_secret(self, secret: str) -> None:
        return None

    def delivery_id(self, request: Request) -> str | None:
        """The id the tool gives this delivery and keeps on its retries (ingest remembers it, so a retry is a
        no-op); None when the tool gives none. Which version the delivery holds is said in the response
        itself (`updated_at`), and what to do with either is the ingest service's rule, not the adapter's."""
        return None

    @staticmethod
    def body_field(request: Request, name: str) -> str | None:
        """A top-level text field of a JSON body (a tool's event id); None if absent or the body is not JSON."""
        try:
            value = json.loads(request.body).get(name)
        except (ValueError, UnicodeDecodeError, AttributeError, RecursionError):
            return None
        return value if isinstance(value, str) and value else None

    @staticmethod
    def check_header(request: Request, header: str, expected: list[str]) -> None:
        given = request.headers.get(header)
        if not given:
            raise SignatureError(f"missing {header} header")
        if not matches_any(given.strip(), expected):
            raise SignatureError(f"{header} does not match the body")


def json_body(request: Request) -> Any:
    """Read as strictly as our own webhooks' bodies, so a tool's payload cannot be deeper or looser."""
    try:
        return strict_json.loads(request.body)
    except strict_json.InvalidJson as error:
        raise PayloadError("body", str(error)) from None


def require_object(value: Any, field: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise PayloadError(field, "expected an object")
    return value


def optional_object(value: Any, field: str) -> dict[str, Any]:
    """A nested object the tool may leave out: absent (or null) reads as empty; present as anything but an object
    is the sender's mistake, refused with its field (a 422), never taken as empty (the customer's contact
    details would be lost without a word)."""
    if value is None:
        return {}
    return require_object(value, field)


def matches_any(expected: str, candidates: list[str]) -> bool:
    """Constant-time comparison against every candidate, so timing tells nothing about which one is close."""
    found = False
    for candidate in candidates:
        found |= hmac.compare_digest(expected.encode(), candidate.encode())
    return found


def score_of(value: Any, where: str) -> int:
    """Tools send a score as a number or as the text of the chosen option ("7")."""
    if isinstance(value, bool):
        raise PayloadError("score", f"{where} is not a score from 0 to 10")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and (number := decimal(value.strip(), max_digits=4)) is not None:
        return number  # out of 0-10 is refused with the API's own message when the response is validated
    raise PayloadError("score", f"{where} is not a score from 0 to 10 (got {str(value)[:40]!r})")


def unix_time(value: Any, field: str) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise PayloadError(field, "expected a unix time")
    try:
        return datetime.fromtimestamp(value, UTC).isoformat()
    except (OverflowError, OSError, ValueError):
        raise PayloadError(field, "the unix time is out of range") from None


def path_id(value: Any, field: str, shape: re.Pattern[str]) -> str:
    """An id the payload gives that goes into a URL path of the tool's API, called with the tenant's token:
    it must have the tool's shape (so `../../internal/admin` never leaves npsloop) and is quoted as one
    segment all the same."""
    text = str(value) if isinstance(value, str | int) and not isinstance(value, bool) else ""
    if not shape.fullmatch(text):
        raise PayloadError(field, f"not a valid id (got {text[:40]!r})" if text else "not a valid id")
    return quote(text, safe="")


def text_or_none(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def response(
    config: Mapping[str, Any],
    default_survey_type: str,
    *,
    response_id: Any,
    score: int,
    customer: dict[str, Any],
    responded_at: Any,
    comment: str | None = None,
    attributes: dict[str, Any] | None = None,
    language: str | None = None,
) -> dict[str, Any]:
    """npsloop's own response shape; ResponseIn then validates it field by field like any other."""
    built: dict[str, Any] = {
        "response_id": str(response_id) if response_id is not None else None,
        "score": score,
        "comment": comment,
        "survey_type": config.get("survey_type") or default_survey_type,
        "customer": {k: v for k, v in customer.items() if v is not None},
        "responded_at": responded_at,
        "attributes": {k: v for k, v in (attributes or {}).items() if v is not None},
    }
    if config.get("touchpoint"):
        built["touchpoint"] = config["touchpoint"]
    if language:
        built["language"] = language
    return built


def check_common(config: dict[str, Any], allowed: set[str], required: frozenset[str] = frozenset()) -> dict[str, Any]:
    unknown = set(config) - allowed - COMMON_OPTIONS
    if unknown:
        raise ConfigError(f"unknown setting(s): {', '.join(sorted(unknown))}")
    missing = required - {k for k, v in config.items() if v not in (None, "")}
    if missing:
        raise ConfigError(f"missing setting(s): {', '.join(sorted(missing))}")
    if config.get("survey_type") not in (None, "transactional", "relational"):
        raise ConfigError("survey_type is transactional or relational")
    for key, value in config.items():
        if not isinstance(value, str | int | float | bool | dict | list) and value is not None:
            raise ConfigError(f"{key}: unsupported value")
    return config
