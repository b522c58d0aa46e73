"""schemathesis generates requests from /openapi.json for every operation, signed or with a token where
the operation needs one: no answer is a 5xx, and every answer matches what the document promises."""

from __future__ import annotations

import json
import time
from collections import Counter

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings

from npsloop.api.app import create_app
from npsloop.ingest import signature
from tests.conftest import SECRET, TOKEN, seed_team

CHECKS = ["not_a_server_error", "status_code_conformance", "content_type_conformance", "response_schema_conformance"]


@pytest.fixture
def fuzz(pg_runtime):
    seed_team(pg_runtime)
    pg_runtime.models.default()  # fitted (or loaded from the test cache): until it is, POST /v1/themes:tag is a 503
    app = create_app(pg_runtime)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield schemathesis.openapi.from_asgi("/openapi.json", app), client


def selected_checks():
    from schemathesis.checks import CHECKS as registry

    return [check for check in registry.get_all() if check.__name__ in CHECKS]


def test_no_generated_request_gets_a_5xx_or_an_answer_outside_the_schema(fuzz):
    schema, client = fuzz
    checks = selected_checks()
    assert len(checks) == len(CHECKS)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 9
    seen: dict[str, Counter[int]] = {}
    for operation in operations:
        seen[f"{operation.method.upper()} {operation.path}"] = fuzz_operation(operation, client, checks)
    assert all(sum(statuses.values()) > 0 for statuses in seen.values()), seen
    # The signed ingest really went through: stored responses, not a wall of 401s.
    assert seen["POST /v1/responses"][202] > 0, seen["POST /v1/responses"]
    assert seen["GET /v1/cases"][200] > 0
    assert seen["PUT /v1/themes"][422] > 0, seen["PUT /v1/themes"]  # YAML reached the loader, not a wall of 415s


def fuzz_operation(operation, client, checks) -> Counter[int]:
    statuses: Counter[int] = Counter()
    signed = operation.path.startswith("/v1/responses")

    @given(case=operation.as_strategy())
    @settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    def exercise(case):
        headers = {**(case.headers or {}), "Authorization": f"Bearer {TOKEN}"}
        content = None
        if isinstance(case.body, str) and "yaml" in (case.media_type or ""):  # PUT /v1/themes takes YAML text
            content = case.body.encode()
            headers["Content-Type"] = case.media_type
        elif isinstance(case.body, dict | list | str | int | float | bool):
            content = json.dumps(case.body).encode()
            headers["Content-Type"] = "application/json"
        if signed and content is not None:
            headers[signature.HEADER] = signature.sign(content, SECRET, int(time.time()))
        response = client.request(case.method, case.formatted_path, params=case.query, content=content, headers=headers)
        statuses[response.status_code] += 1
        case.validate_response(response, checks=checks)

    exercise()
    return statuses
