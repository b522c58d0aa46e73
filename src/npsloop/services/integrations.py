"""Integrations: adding, rotating and removing them, and receiving what a survey tool pushes in its own
format. A received request is verified with the tool's own scheme, mapped to npsloop's response shape,
validated like any other response and stored through the same ingest path."""

from __future__ import annotations

import logging
import secrets as random
import traceback
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from npsloop.domain.audit import ROTATED, Change, EntityKind
from npsloop.domain.integrations import (
    DEFAULT_GRACE,
    Integration,
    IntegrationKind,
    InvalidIntegration,
    UnknownIntegration,
)
from npsloop.egress.policy import Policy, Refused
from npsloop.ingest.adapters import ADAPTERS
from npsloop.ingest.adapters.base import ConfigError, Fetch, Ignored, PayloadError, Request
from npsloop.ingest.schemas import ResponseIn
from npsloop.services.audit import SYSTEM, record
from npsloop.services.audit_states import integration_state
from npsloop.services.unit_of_work import Conflict, UnitOfWork

log = logging.getLogger(__name__)

# Tools whose secret is theirs to issue (an API key, an app secret, a whsec_ key): it must be given.
SECRET_FROM_TOOL = {IntegrationKind.DELIGHTED, IntegrationKind.SURVEYMONKEY, IntegrationKind.FORMBRICKS}


class DuplicateIntegration(InvalidIntegration):
    pass


@dataclass(frozen=True)
class Added:
    integration: Integration
    secret: str
    generated: bool


def _checked(kind: IntegrationKind, config: dict[str, Any], secret: str) -> dict[str, Any]:
    adapter = ADAPTERS[kind.value]
    try:
        adapter.check_secret(secret)
        return adapter.check_config(dict(config))
    except ConfigError as error:
        raise InvalidIntegration(f"{kind.value}: {error}", field=error.field) from None


def add_integration(
    *,
    uow: UnitOfWork,
    egress: Policy,
    name: str,
    kind: str,
    config: dict[str, Any],
    now: datetime,
    secret: str | None = None,
    actor: str = SYSTEM,
) -> Added:
    """`egress` says early whether a tool's `api_base` may be reached; each read-back checks it again."""
    try:
        known = IntegrationKind(kind)
    except ValueError:
        raise InvalidIntegration(
            f"unknown kind {kind!r}; one of {', '.join(k.value for k in IntegrationKind)}"
        ) from None
    if not secret and known in SECRET_FROM_TOOL:
        raise InvalidIntegration(f"{kind} issues its own secret: pass it with --secret")
    chosen = secret or random.token_urlsafe(32)
    checked = _checked(known, config, chosen)
    if checked.get("api_base"):
        try:
            egress.check_url(str(checked["api_base"]))
        except Refused as error:
            raise InvalidIntegration(f"{kind}: api_base: {error}") from None
    integration = Integration(name=name, kind=known.value, secret=chosen, created_at=now, config=checked)
    with uow:
        if uow.integrations.named(name) is not None:
            raise DuplicateIntegration(f"an integration named {name!r} exists")
        uow.integrations.add(integration)
        try:
            uow.flush()
            _audit(uow, integration, "add", None, integration_state(integration), actor, now)
            uow.commit()
        except Conflict:
            raise DuplicateIntegration(f"an integration named {name!r} exists") from None
    return Added(integration, chosen, generated=secret is None)


def list_integrations(*, uow: UnitOfWork) -> list[Integration]:
    with uow:
        return uow.integrations.all()


def rotate_secret(
    *,
    uow: UnitOfWork,
    name: str,
    now: datetime,
    secret: str | None = None,
    grace: timedelta = DEFAULT_GRACE,
    actor: str = SYSTEM,
) -> Added:
    with uow:
        integration = _named(uow, name)
        kind = IntegrationKind(integration.kind)
        if not secret and kind in SECRET_FROM_TOOL:
            raise InvalidIntegration(f"{kind.value} issues its own secret: pass the new one with --secret")
        chosen = secret or random.token_urlsafe(32)
        _checked(kind, integration.config, chosen)
        before = integration_state(integration)
        integration.rotate(chosen, now, grace)
        _audit(uow, integration, "rotate", before, {**integration_state(integration), "secret": ROTATED}, actor, now)
        uow.commit()
        return Added(integration, chosen, generated=secret is None)


def remove_integration(*, uow: UnitOfWork, name: str, actor: str = SYSTEM, now: datetime | None = None) -> None:
    """Stored responses keep the integration's name; only its secret and settings go."""
    with uow:
        found = _named(uow, name)
        _audit(uow, found, "remove", integration_state(found), None, actor, now)
        uow.integrations.remove(found)
        uow.commit()


def _audit(
    uow: UnitOfWork,
    integration: Integration,
    action: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    actor: str,
    now: datetime | None,
) -> None:
    change = Change(EntityKind.INTEGRATION, action, integration.name, integration.id, before=before, after=after)
    record(uow, change, actor=actor, now=now)


def _named(uow: UnitOfWork, name: str) -> Integration:
    found = uow.integrations.named(name)
    if found is None:
        raise UnknownIntegration(f"no integration named {name!r}")
    return found


def find(*, uow: UnitOfWork, kind: str, name: str) -> Integration:
    """Unknown name and wrong kind read the same to a caller, so probing says nothing."""
    with uow:
        found = uow.integrations.named(name)
    if found is None or found.kind != kind:
        raise UnknownIntegration(f"no {kind} integration named {name!r}")
    return found


def verify(integration: Integration, request: Request, now: datetime) -> None:
    ADAPTERS[integration.kind].verify(request, integration.secrets_at(now), integration.config, now.timestamp())


def delivery_id(integration: Integration, request: Request) -> str | None:
    """The tool's id of this delivery, the same on its retries (None if the tool gives none)."""
    return ADAPTERS[integration.kind].delivery_id(request)


def translate(integration: Integration, request: Request, fetch: Fetch, now: datetime) -> ResponseIn | Ignored:
    """Raises PayloadError, UpstreamError or pydantic's ValidationError, each the caller's to answer."""
    try:
        built = ADAPTERS[integration.kind].parse(request, integration.config, fetch)
    except (TypeError, AttributeError, KeyError, IndexError) as error:
        # Adapters read a tool's JSON by its documented shape; a list where an object belongs (in the
        # webhook or in the answer read back) is the sender's mistake, answered 422 for every adapter at
        # once rather than guarded line by line. Logged with where it broke, never with the values.
        where = traceback.extract_tb(error.__traceback__)[-1]
        at = f"{where.name}:{where.lineno}"
        log.warning(
            "integration payload of an unexpected shape",
            extra={"integration": integration.name, "error": type(error).__name__, "at": at},
        )
        raise PayloadError("body", "the payload is not in the shape the tool documents") from None
    if isinstance(built, Ignored):
        log.info("integration event ignored", extra={"integration": integration.name, "reason": built.reason})
        return built
    if built.get("responded_at") is None:
        built["responded_at"] = now.isoformat()  # the tool did not say; the time it reached us is the nearest
    return ResponseIn.model_validate(built)
