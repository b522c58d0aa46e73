"""A fresh installation's first steps: whether it still has to be set up (no team yet), the survey tools the setup
offers (the kinds whose secret npsloop issues and whose webhook carries the response itself, so a sample can be
signed and stored here), a test response in such a tool's own format, signed with the integration's own secret,
and what became of it. Teams, agents and the integration themselves are made by services.directory and
services.integrations, as the CLI and the API make them."""

from __future__ import annotations

import json
import secrets as random
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from npsloop.domain.integrations import Integration, IntegrationKind, UnknownIntegration
from npsloop.domain.responses import ResponseStatus
from npsloop.ingest import signature
from npsloop.ingest.adapters import typeform
from npsloop.services.unit_of_work import UnitOfWork

TEST_MARK = "npsloop_test"  # the attribute every test response carries, with the value below
TEST_VALUE = "setup"
TEST_CUSTOMER = "npsloop-test"  # one customer for every test: a second test joins the first one's open case
# npsloop's own response shape, read by the mapping kind: for a tool (or a script) that can post signed JSON.
OWN_JSON_FIELDS = {
    "response_id": "response_id",
    "score": "score",
    "comment": "comment",
    "touchpoint": "touchpoint",
    "language": "language",
    "responded_at": "responded_at",
    "customer.id": "customer.id",
    "customer.name": "customer.name",
    "customer.email": "customer.email",
    "customer.phone": "customer.phone",
    f"attributes.{TEST_MARK}": f"attributes.{TEST_MARK}",
}
SETUP_KINDS = (IntegrationKind.TYPEFORM.value, IntegrationKind.MAPPING.value)
TEST_COMMENT = {
    "en": "A test response sent from npsloop's setup: close this case when you have seen it.",
    "es": "Una respuesta de prueba enviada desde la configuración de npsloop: cierra este caso cuando lo hayas visto.",
}


def needs_setup(*, uow: UnitOfWork) -> bool:
    """A fresh installation: no team yet, so nothing can be routed."""
    with uow:
        return not uow.directory.teams()


def has_integration(*, uow: UnitOfWork) -> bool:
    with uow:
        return bool(uow.integrations.all())


def setup_config(kind: str, touchpoint: str) -> dict[str, Any]:
    """The settings the setup gives a kind: the touchpoint of every response (Typeform's payload names none), and
    for the mapping kind the map of npsloop's own JSON."""
    config: dict[str, Any] = {"touchpoint": touchpoint} if touchpoint else {}
    if kind == IntegrationKind.MAPPING.value:
        config["fields"] = dict(OWN_JSON_FIELDS)
    return config


@dataclass(frozen=True)
class TestRequest:
    path: str
    headers: dict[str, str]
    body: bytes


def integration_named(*, uow: UnitOfWork, name: str) -> Integration:
    with uow:
        found = uow.integrations.named(name)
    if found is None or found.kind not in SETUP_KINDS:
        raise UnknownIntegration(f"no integration named {name!r} that a test response can be sent to")
    return found


def test_request(integration: Integration, *, now: datetime, lang: str) -> TestRequest:
    """A detractor's response as the integration's tool would post it, signed with the integration's current
    secret and marked as a test (the attribute TEST_MARK); a new response id each time."""
    response_id = f"npsloop-test-{random.token_hex(6)}"
    comment = TEST_COMMENT.get(lang, TEST_COMMENT["en"])
    path = f"/v1/integrations/{integration.kind}/{integration.name}"
    if integration.kind == IntegrationKind.TYPEFORM.value:
        body = _typeform_body(response_id, comment, now)
        headers = {typeform.HEADER: typeform.sign(integration.secret, body)}
    else:
        sample = {
            "response_id": response_id,
            "score": 2,
            "comment": comment,
            "language": lang,
            "responded_at": now.isoformat(),
            "customer": {"id": TEST_CUSTOMER},
            "attributes": {TEST_MARK: TEST_VALUE},
        }
        if integration.config.get("touchpoint"):
            sample["touchpoint"] = integration.config["touchpoint"]
        body = json.dumps(sample).encode()
        headers = {signature.HEADER: signature.sign(body, integration.secret, int(now.timestamp()))}
    return TestRequest(path, {"Content-Type": "application/json", **headers}, body)


def _typeform_body(response_id: str, comment: str, now: datetime) -> bytes:
    answers = [
        {"type": "number", "number": 2, "field": {"id": "nps", "type": "nps", "ref": "nps"}},
        {"type": "text", "text": comment, "field": {"id": "why", "type": "long_text", "ref": "why"}},
    ]
    form = {
        "form_id": "npsloop-test",
        "token": response_id,
        "submitted_at": now.isoformat(),
        "hidden": {"customer_id": TEST_CUSTOMER, TEST_MARK: TEST_VALUE},
        "answers": answers,
    }
    payload = {"event_id": response_id, "event_type": "form_response", "form_response": form}
    return json.dumps(payload).encode()


@dataclass(frozen=True)
class Arrival:
    """What became of a response: still waiting for the worker, a case (opened or joined), processed without one,
    or quarantined; and whether it was a test."""

    response_id: int
    state: str  # "waiting" | "case" | "no_case" | "quarantined"
    case_id: int | None
    is_test: bool


def arrival(*, uow: UnitOfWork, response_id: int) -> Arrival | None:
    with uow:
        found = uow.responses.get(response_id)
        if found is None:
            return None
        is_test = found.attributes.get(TEST_MARK) == TEST_VALUE
        if found.case_id is not None:
            state = "case"
        elif found.status is ResponseStatus.QUARANTINED:
            state = "quarantined"
        elif found.status is ResponseStatus.PROCESSED:
            state = "no_case"
        else:
            state = "waiting"
        return Arrival(response_id, state, found.case_id, is_test)
