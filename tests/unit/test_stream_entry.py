"""Which integration a stream entry counts under: one the operator declared for the intake, never a signed
one, so a producer that can XADD cannot overwrite, or take first, a survey tool's responses."""

from __future__ import annotations

import json
from typing import Any

import pytest

from npsloop.services import integrations as tools
from npsloop.services.stream_entry import IntakeIntegrations, Rejected, intake_integrations, take_entry
from tests.conftest import ingest, payload


def doors(rt: Any, *declared: str) -> IntakeIntegrations:
    return intake_integrations(
        uow=rt.uow(), default="intake", declared=declared, signed_by_secret=rt.settings.webhook_secret_map()
    )


def take(rt: Any, integrations: IntakeIntegrations, integration: str | None, **body: Any) -> Any:
    fields = {"response": json.dumps(payload(**body))}
    if integration is not None:
        fields["integration"] = integration
    return take_entry(uow=rt.uow(), fields=fields, integrations=integrations, now=rt.clock())


def response(rt: Any, integration: str, external_id: str) -> Any:
    with rt.uow() as uow:
        return uow.responses.by_key(integration, external_id)


def test_an_entry_naming_a_webhook_signed_integration_cannot_overwrite_its_response(runtime):
    ingest(runtime, integration="shop", response_id="order-7", score=9, comment="Great")
    # Even declared for the intake by mistake, a name in NPSLOOP_WEBHOOK_SECRETS stays closed to the stream.
    outcome = take(runtime, doors(runtime, "shop"), "shop", response_id="order-7", score=2, comment=None)
    message = "'shop' is a signed integration: its responses come only through its own signed webhook"
    assert outcome == Rejected([{"field": "integration", "message": message}])
    stored = response(runtime, "shop", "order-7")
    assert (stored.score, stored.comment) == (9, "Great")


def test_an_entry_naming_a_survey_tool_cannot_take_its_response_id_first(runtime):
    policy, now = runtime.egress.policy, runtime.clock()
    tools.add_integration(uow=runtime.uow(), egress=policy, name="typeform", kind="typeform", config={}, now=now)
    outcome = take(runtime, doors(runtime, "typeform"), "typeform", response_id="tf-1", score=0)
    assert isinstance(outcome, Rejected) and outcome.errors[0]["field"] == "integration"
    assert "'typeform' is a signed integration" in outcome.errors[0]["message"]
    assert response(runtime, "typeform", "tf-1") is None  # the tool's own delivery will be the first


@pytest.mark.parametrize("name", ["crm-2", "default", "intake:shop"])
def test_an_undeclared_integration_is_refused_with_the_setting_to_declare_it(runtime, name):
    outcome = take(runtime, doors(runtime, "crm"), name)
    message = f"'{name}' is not an intake integration (the operator declares them in NPSLOOP_INTAKE_INTEGRATIONS)"
    assert outcome == Rejected([{"field": "integration", "message": message}])


def test_entries_count_under_the_default_or_a_declared_intake_integration(runtime):
    integrations = doors(runtime, "crm")
    assert take(runtime, integrations, None, response_id="a").created
    assert take(runtime, integrations, "crm", response_id="b").created
    assert response(runtime, "intake", "a") is not None
    assert response(runtime, "crm", "b") is not None


def test_an_entry_is_read_by_the_same_strict_parser_as_the_api(runtime):
    """The intake is a door like /v1/responses: a repeated key (which a lenient parser resolves silently, the
    last wins) and nesting past the API's limit are refused the same way, and nothing is stored."""
    twice = json.dumps(payload(response_id="twice"))[:-1] + ', "score": 10}'
    deep = json.dumps(payload(response_id="deep"))[:-1] + ', "extra": ' + "[" * 40 + "]" * 40 + "}"
    for raw, message in ((twice, "repeats the key 'score'"), (deep, "is nested deeper than 32 levels")):
        fields = {"response": raw}
        taken = take_entry(
            uow=runtime.uow(),
            fields=fields,
            integrations=doors(runtime),
            now=runtime.clock(),
        )
        assert taken == Rejected([{"field": "response", "message": message}])
    assert response(runtime, "intake", "twice") is None and response(runtime, "intake", "deep") is None
