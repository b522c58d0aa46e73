"""Survey tools' own webhooks, end to end through the API on the fast runtime: each tool's documented
example, signed the way the tool signs it, makes a response, a case and an alert; a wrong signature is 401;
a payload without the score is 422 with the reason; the tool's other events are 200 and store nothing."""

from __future__ import annotations

import base64
import copy
import json
import time
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from npsloop.api.app import create_app
from npsloop.domain.integrations import InvalidIntegration, UnknownIntegration
from npsloop.egress.policy import Policy
from npsloop.ingest import signature
from npsloop.ingest.adapters import delighted, formbricks, surveymonkey, typeform
from npsloop.services import integrations as service
from tests.conftest import at, drain, seed_team
from tests.fixtures import survey_tools as docs
from tests.support.http_sink import http_sink

FORMBRICKS_SECRET = "whsec_" + base64.b64encode(b"formbricks-test-key-32-bytes-long").decode()


def add(rt, name: str, kind: str, secret: str | None = None, **config: Any) -> str:
    added = service.add_integration(
        uow=rt.uow(), egress=rt.egress.policy, name=name, kind=kind, config=config, secret=secret, now=rt.clock()
    )
    return added.secret


def stored(rt, integration: str, external_id: str):
    with rt.uow() as uow:
        return uow.responses.by_key(integration, external_id)


@pytest.fixture
def world(runtime):
    seed_team(runtime)
    return runtime, TestClient(create_app(runtime))


def _case_count(rt) -> int:
    import sqlalchemy as sa

    with rt.engine.connect() as connection:
        return connection.execute(sa.text("SELECT count(*) FROM cases")).scalar_one()


def _alerts(rt) -> int:
    return sum(len(t.sent) for t in rt.transports.values())


def test_delighted_score_then_comment_is_one_response_and_one_case(world):
    rt, client = world
    secret = add(rt, "delighted", "delighted", secret="delighted-api-key")
    for event in (docs.DELIGHTED_CREATED, docs.DELIGHTED_UPDATED):
        body = json.dumps(event).encode()
        answer = client.post(
            "/v1/integrations/delighted/delighted",
            content=body,
            headers={delighted.HEADER: delighted.sign(secret, body)},
        )
        assert answer.status_code in (200, 202), answer.text
        drain(rt)
    response = stored(rt, "delighted", "5435")
    assert (response.score, response.comment, response.customer_id) == (3, "Your service is slow.", "5975")
    assert response.customer_email == "charlie_gravis@example.com"
    assert response.survey_type == "relational"
    assert _case_count(rt) == 1 and _alerts(rt) >= 1


def _counted(kind: str, outcome: str) -> float:
    from npsloop.metrics import INTEGRATION_EVENTS

    return INTEGRATION_EVENTS.labels(kind, outcome)._value.get()


def test_delighted_refuses_a_wrong_signature_and_skips_unsubscribes(world):
    rt, client = world
    refused, ignored = _counted("delighted", "bad_signature"), _counted("delighted", "ignored")
    secret = add(rt, "delighted", "delighted", secret="delighted-api-key")
    body = json.dumps(docs.DELIGHTED_CREATED).encode()
    wrong = client.post(
        "/v1/integrations/delighted/delighted", content=body, headers={delighted.HEADER: delighted.sign("other", body)}
    )
    assert wrong.status_code == 401 and wrong.json()["error"] == "bad_signature"
    body = json.dumps(docs.DELIGHTED_UNSUBSCRIBE).encode()
    skipped = client.post(
        "/v1/integrations/delighted/delighted", content=body, headers={delighted.HEADER: delighted.sign(secret, body)}
    )
    assert skipped.status_code == 200 and skipped.json()["status"] == "ignored"
    assert stored(rt, "delighted", "5435") is None
    no_score = copy.deepcopy(docs.DELIGHTED_CREATED)
    del no_score["event_data"]["score"]
    body = json.dumps(no_score).encode()
    missing = client.post(
        "/v1/integrations/delighted/delighted", content=body, headers={delighted.HEADER: delighted.sign(secret, body)}
    )
    assert missing.status_code == 422
    assert missing.json()["errors"] == [{"field": "score", "message": "event_data.score is missing"}]
    assert (_counted("delighted", "bad_signature"), _counted("delighted", "ignored")) == (refused + 1, ignored + 1)


def test_typeform_nps_answer_opens_a_case_and_alerts(world):
    rt, client = world
    secret = add(rt, "typeform", "typeform")
    body = json.dumps(docs.TYPEFORM).encode()
    answer = client.post(
        "/v1/integrations/typeform/typeform", content=body, headers={typeform.HEADER: typeform.sign(secret, body)}
    )
    assert answer.status_code == 202, answer.text
    drain(rt)
    response = stored(rt, "typeform", "a3a12ec67a1365927098a606107fac15")
    assert (response.score, response.customer_id, response.customer_email) == (2, "abc123456", "laura@example.com")
    assert response.comment.startswith("It's cold right now!")
    assert _case_count(rt) == 1 and _alerts(rt) >= 1


def test_typeform_question_is_configurable_and_a_missing_score_is_422(world):
    rt, client = world
    secret = add(rt, "typeform", "typeform", score_field="readable_ref_other")
    body = json.dumps(docs.TYPEFORM).encode()
    answer = client.post(
        "/v1/integrations/typeform/typeform", content=body, headers={typeform.HEADER: typeform.sign(secret, body)}
    )
    assert answer.status_code == 422
    assert answer.json()["errors"] == [
        {"field": "score", "message": "the form response has no answer to field 'readable_ref_other'"}
    ]
    wrong = client.post("/v1/integrations/typeform/typeform", content=body, headers={typeform.HEADER: "sha256=AAAA"})
    assert wrong.status_code == 401


def _formbricks_headers(secret: str, body: bytes, at: int | None = None) -> dict[str, str]:
    at = int(time.time()) if at is None else at
    return {
        "webhook-id": "msg_2mQ8",
        "webhook-timestamp": str(at),
        "webhook-signature": formbricks.sign(secret, "msg_2mQ8", at, body),
    }


def test_formbricks_standard_webhook_opens_a_case(world):
    rt, client = world
    add(rt, "formbricks", "formbricks", secret=FORMBRICKS_SECRET, score_question="nps-q1", comment_question="why-q2")
    body = json.dumps(docs.FORMBRICKS).encode()
    answer = client.post(
        "/v1/integrations/formbricks/formbricks", content=body, headers=_formbricks_headers(FORMBRICKS_SECRET, body)
    )
    assert answer.status_code == 202, answer.text
    drain(rt)
    response = stored(rt, "formbricks", "cm7o8ju3m000108l4c9d3ljlq")
    assert (response.score, response.comment, response.customer_id) == (1, "Support never called me back.", "user-1041")
    assert _case_count(rt) == 1 and _alerts(rt) >= 1


def test_formbricks_refuses_old_or_forged_signatures_and_skips_partial_responses(world):
    rt, client = world
    add(rt, "formbricks", "formbricks", secret=FORMBRICKS_SECRET, score_question="nps-q1")
    body = json.dumps(docs.FORMBRICKS).encode()
    stale = _formbricks_headers(FORMBRICKS_SECRET, body, at=int(time.time()) - 3600)
    assert client.post("/v1/integrations/formbricks/formbricks", content=body, headers=stale).status_code == 401
    forged = _formbricks_headers("whsec_" + base64.b64encode(b"another key").decode(), body)
    assert client.post("/v1/integrations/formbricks/formbricks", content=body, headers=forged).status_code == 401
    partial = copy.deepcopy(docs.FORMBRICKS)
    partial["event"], partial["data"]["finished"], partial["data"]["data"] = "responseCreated", False, {}
    body = json.dumps(partial).encode()
    answer = client.post(
        "/v1/integrations/formbricks/formbricks", content=body, headers=_formbricks_headers(FORMBRICKS_SECRET, body)
    )
    assert answer.status_code == 200 and answer.json()["status"] == "ignored"
    finished = {**partial, "event": "responseFinished"}
    body = json.dumps(finished).encode()
    answer = client.post(
        "/v1/integrations/formbricks/formbricks", content=body, headers=_formbricks_headers(FORMBRICKS_SECRET, body)
    )
    assert answer.status_code == 422
    assert answer.json()["errors"][0] == {
        "field": "score",
        "message": "the finished response has no answer to question 'nps-q1'",
    }


def test_surveymonkey_reads_the_answers_back_from_its_api(world):
    rt, client = world
    with http_sink() as api:
        path = "/v3/surveys/123456789/responses/987654321/details?simple=true"
        api.routes[path] = (200, docs.SURVEYMONKEY_DETAILS)
        add(
            rt,
            "sm",
            "surveymonkey",
            secret="sm-app-secret",
            api_key="sm-app-key",
            access_token="sm-token",
            score_question="111",
            comment_question="112",
            api_base=api.url,
        )
        body = json.dumps(docs.SURVEYMONKEY_EVENT).encode()
        signed = {"Sm-Apikey": "sm-app-key", "Sm-Signature": surveymonkey.sign("sm-app-key", "sm-app-secret", body)}
        assert client.head("/v1/integrations/surveymonkey/sm").status_code == 200
        answer = client.post("/v1/integrations/surveymonkey/sm", content=body, headers=signed)
        assert answer.status_code == 202, answer.text
        assert api.hits[-1].headers["authorization"] == "Bearer sm-token"
        drain(rt)
        response = stored(rt, "sm", "987654321")
        assert (response.score, response.comment, response.customer_id) == (
            4,
            "The installer came a week late.",
            "acct-7781",
        )
        assert _case_count(rt) == 1 and _alerts(rt) >= 1
        forged = {**signed, "Sm-Signature": surveymonkey.sign("sm-app-key", "guess", body)}
        assert client.post("/v1/integrations/surveymonkey/sm", content=body, headers=forged).status_code == 401
        # The tool's API down: 503, so SurveyMonkey tries again later; its "no such response": 422.
        api.routes[path] = (502, {})
        again = client.post("/v1/integrations/surveymonkey/sm", content=body, headers=signed)
        assert again.status_code == 503 and again.headers["Retry-After"] == "30"
        api.routes[path] = (404, {})
        assert client.post("/v1/integrations/surveymonkey/sm", content=body, headers=signed).status_code == 422
        no_score = copy.deepcopy(docs.SURVEYMONKEY_DETAILS)
        no_score["pages"][0]["questions"] = no_score["pages"][0]["questions"][1:]
        api.routes[path] = (200, no_score)
        missing = client.post("/v1/integrations/surveymonkey/sm", content=body, headers=signed)
        assert missing.status_code == 422
        assert missing.json()["errors"] == [{"field": "score", "message": "the response has no answer to question 111"}]


def test_qualtrics_reads_the_response_back_and_checks_the_url_key(world):
    rt, client = world
    with http_sink() as api:
        path = "/API/v3/surveys/SV_1M1h6aZyDdy3D1P/responses/R_3nNpc5AHRqJ6yyv"
        api.routes[path] = (200, docs.QUALTRICS_RESPONSE)
        key = add(
            rt,
            "q",
            "qualtrics",
            api_base=api.url,
            api_token="q-token",
            score_question="QID1",
            comment_question="QID2_TEXT",
        )
        form = {"Content-Type": "application/x-www-form-urlencoded"}
        assert client.get(f"/v1/integrations/qualtrics/q?key={key}").status_code == 200
        answer = client.post(f"/v1/integrations/qualtrics/q?key={key}", content=docs.QUALTRICS_NOTICE, headers=form)
        assert answer.status_code == 202, answer.text
        assert api.hits[-1].headers["x-api-token"] == "q-token"
        drain(rt)
        response = stored(rt, "q", "R_3nNpc5AHRqJ6yyv")
        assert (response.score, response.comment, response.customer_id) == (0, "Billing charged me twice.", "cust-5521")
        assert (response.customer_name, response.language) == ("Ngozi Okafor", "EN")
        assert _case_count(rt) == 1 and _alerts(rt) >= 1
        assert (
            client.post(
                "/v1/integrations/qualtrics/q?key=nope", content=docs.QUALTRICS_NOTICE, headers=form
            ).status_code
            == 401
        )
        assert (
            client.post("/v1/integrations/qualtrics/q", content=docs.QUALTRICS_NOTICE, headers=form).status_code == 401
        )
        unanswered = copy.deepcopy(docs.QUALTRICS_RESPONSE)
        del unanswered["result"]["values"]["QID1"]
        api.routes[path] = (200, unanswered)
        missing = client.post(f"/v1/integrations/qualtrics/q?key={key}", content=docs.QUALTRICS_NOTICE, headers=form)
        assert missing.status_code == 422
        assert missing.json()["errors"] == [{"field": "score", "message": "the response has no answer to QID1"}]
        other = docs.QUALTRICS_NOTICE.replace("completedResponse", "startedRecipientSession")
        skipped = client.post(f"/v1/integrations/qualtrics/q?key={key}", content=other, headers=form)
        assert skipped.status_code == 200 and skipped.json()["status"] == "ignored"


@pytest.mark.parametrize(
    ("kind", "field", "notice"),
    [
        (
            "qualtrics",
            "SurveyID",
            docs.QUALTRICS_NOTICE.replace("SurveyID=SV_1M1h6aZyDdy3D1P", "SurveyID=../../../../internal/admin"),
        ),
        ("qualtrics", "ResponseID", docs.QUALTRICS_NOTICE.replace("R_3nNpc5AHRqJ6yyv", "R_3%2F..%2F..%2Fadmin")),
        ("surveymonkey", "resources.respondent_id", None),
    ],
)
def test_a_read_back_id_shaped_as_a_path_is_422_and_nothing_is_requested(world, kind, field, notice):
    """The ids go into a URL path called with the tenant's API token: `../../internal/admin` must not."""
    rt, client = world
    with http_sink() as api:
        if kind == "qualtrics":
            key = add(rt, "q", kind, api_base=api.url, api_token="q-token", score_question="QID1")
            form = {"Content-Type": "application/x-www-form-urlencoded"}
            answer = client.post(f"/v1/integrations/qualtrics/q?key={key}", content=notice, headers=form)
        else:
            config = {"api_key": "k", "access_token": "t", "score_question": "111", "api_base": api.url}
            add(rt, "sm", kind, secret="sm-secret", **config)
            event = copy.deepcopy(docs.SURVEYMONKEY_EVENT)
            event["resources"]["respondent_id"] = "987654321/../../../../internal/admin"
            body = json.dumps(event).encode()
            signed = {"Sm-Signature": surveymonkey.sign("k", "sm-secret", body)}
            answer = client.post("/v1/integrations/surveymonkey/sm", content=body, headers=signed)
        assert answer.status_code == 422, answer.text
        assert answer.json()["errors"][0]["field"] == field
        assert api.hits == []


@pytest.mark.parametrize(
    ("api_base", "says"),
    [
        ("http://api.example.com", "must be https"),
        ("https://169.254.169.254/latest", "link-local"),
        ("https://10.0.0.8", "private"),
        ("https://[::1]:8443", "loopback"),
        ("https://[fd00:ec2::254]", "unique-local"),
    ],
)
def test_an_api_base_npsloop_may_not_reach_is_refused_when_added(runtime, api_base, says):
    config = {"api_base": api_base, "api_token": "t", "score_question": "QID1"}
    with pytest.raises(InvalidIntegration, match=f"qualtrics: api_base: .*{says}"):
        service.add_integration(
            uow=runtime.uow(), egress=Policy.parse(""), name="q", kind="qualtrics", config=config, now=runtime.clock()
        )


def _mapped(**overrides: Any) -> dict[str, Any]:
    return {**copy.deepcopy(docs.MAPPED), **overrides}


def test_a_mapping_integration_maps_a_payload_nobody_wrote_an_adapter_for(world):
    rt, client = world
    secret = add(rt, "homegrown", "mapping", **docs.MAPPING)
    raw = json.dumps(_mapped()).encode()
    headers = {signature.HEADER: signature.sign(raw, secret, int(time.time()))}
    answer = client.post("/v1/integrations/mapping/homegrown", content=raw, headers=headers)
    assert answer.status_code == 202, answer.text
    drain(rt)
    response = stored(rt, "homegrown", "sub-881")
    assert (response.score, response.comment, response.customer_id, response.attributes) == (
        5,
        "Too expensive",
        "u-9",
        {"plan": "pro"},
    )
    assert _case_count(rt) == 1 and _alerts(rt) >= 1
    raw = json.dumps(_mapped(answers=[])).encode()
    missing = client.post(
        "/v1/integrations/mapping/homegrown",
        content=raw,
        headers={signature.HEADER: signature.sign(raw, secret, int(time.time()))},
    )
    assert missing.status_code == 422
    assert missing.json()["errors"] == [{"field": "score", "message": "nothing at $.answers[?(@.type=='nps')].value"}]
    raw = json.dumps(_mapped(kind="ping")).encode()
    ping = client.post(
        "/v1/integrations/mapping/homegrown",
        content=raw,
        headers={signature.HEADER: signature.sign(raw, secret, int(time.time()))},
    )
    assert ping.status_code == 200 and ping.json()["status"] == "ignored"
    forged = client.post(
        "/v1/integrations/mapping/homegrown",
        content=raw,
        headers={signature.HEADER: signature.sign(raw, "x", int(time.time()))},
    )
    assert forged.status_code == 401


def test_a_mapped_score_out_of_range_gets_the_same_field_message_as_the_api(world):
    rt, client = world
    secret = add(rt, "homegrown", "mapping", **docs.MAPPING)
    raw = json.dumps(_mapped(answers=[{"type": "nps", "value": 11}])).encode()
    answer = client.post(
        "/v1/integrations/mapping/homegrown",
        content=raw,
        headers={signature.HEADER: signature.sign(raw, secret, int(time.time()))},
    )
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == "score"


def test_mappings_and_settings_are_checked_when_added(runtime):
    with pytest.raises(InvalidIntegration, match="must say where to find: customer.id"):
        add(runtime, "m1", "mapping", fields={"response_id": "$.id", "score": "$.s"})
    with pytest.raises(InvalidIntegration, match="is not a path"):
        add(runtime, "m2", "mapping", fields={"response_id": "$.id", "score": "$[?(", "customer.id": "u"})
    with pytest.raises(InvalidIntegration, match="missing setting"):
        add(runtime, "f1", "formbricks", secret=FORMBRICKS_SECRET)
    with pytest.raises(InvalidIntegration, match="issues its own secret"):
        add(runtime, "d1", "delighted")
    with pytest.raises(InvalidIntegration, match="whsec_"):
        add(runtime, "f2", "formbricks", secret="not base64 !", score_question="q")
    with pytest.raises(InvalidIntegration, match="lowercase"):
        add(runtime, "Bad Name", "typeform")
    add(runtime, "t1", "typeform")
    with pytest.raises(InvalidIntegration, match="exists"):
        add(runtime, "t1", "typeform")


@pytest.mark.parametrize(
    ("target", "path"),
    [
        ("score", "$.answers[?(@.type =~ '(a+)+$')].value"),  # catastrophic backtracking on "aaaa…b"
        ("comment", "$.answers[?(@.type == 'text' && @.label =~ 'x')].value"),
        ("customer.id", "$.user.`sub(/(a|aa)+$/, x)`"),
    ],
)
def test_a_mapping_whose_path_runs_a_regular_expression_is_refused_when_added(runtime, target, path):
    fields = {"response_id": "$.id", "score": "$.s", "customer.id": "$.u", target: path}
    with pytest.raises(InvalidIntegration, match="regular expression") as refused:
        add(runtime, "regex", "mapping", fields=fields)
    assert refused.value.field == f"config.fields.{target}"
    with pytest.raises(InvalidIntegration, match="regular expression") as refused:
        add(runtime, "regex", "mapping", fields=docs.MAPPING["fields"], event="$.events[?(@.k =~ '.*')]", accept=["x"])
    assert refused.value.field == "config.event"


def test_a_stored_mapping_with_a_regular_expression_runs_none_and_answers_422(world):
    """A mapping stored before such paths were refused: its deliveries are refused with the reason, and the
    pattern is never run on the payload (`(a+)+$` takes twice as long for every further "a")."""
    rt, client = world
    secret = add(rt, "legacy", "mapping", **docs.MAPPING)
    evil = {**docs.MAPPING["fields"], "score": "$.answers[?(@.type =~ '(a+)+$')].value"}
    with rt.engine.begin() as connection:
        row = connection.execute(sa.text("SELECT id, config FROM integrations WHERE name = 'legacy'")).one()
        config = json.loads(row.config) if isinstance(row.config, str) else dict(row.config)
        config["fields"] = evil
        connection.execute(
            sa.text("UPDATE integrations SET config = :c WHERE id = :i"), {"c": json.dumps(config), "i": row.id}
        )
    raw = json.dumps(_mapped(answers=[{"type": "a" * 20 + "b", "value": 3}])).encode()
    answer = client.post(
        "/v1/integrations/mapping/legacy",
        content=raw,
        headers={signature.HEADER: signature.sign(raw, secret, int(time.time()))},
    )
    assert answer.status_code == 422, answer.text
    assert answer.json()["errors"][0]["field"] == "config.fields.score"


def test_unknown_integration_or_wrong_kind_is_404(world):
    rt, client = world
    add(rt, "typeform", "typeform")
    assert client.post("/v1/integrations/typeform/nobody", content=b"{}").status_code == 404
    assert client.post("/v1/integrations/delighted/typeform", content=b"{}").status_code == 404


def test_rotation_keeps_the_old_secret_for_the_grace_period_only(world):
    from datetime import timedelta

    from tests.conftest import at

    rt, client = world
    old = add(rt, "typeform", "typeform")
    new = service.rotate_secret(uow=rt.uow(), name="typeform", now=rt.clock()).secret
    body = json.dumps(docs.TYPEFORM).encode()

    def post(secret: str) -> int:
        return client.post(
            "/v1/integrations/typeform/typeform", content=body, headers={typeform.HEADER: typeform.sign(secret, body)}
        ).status_code

    assert post(old) in (200, 202) and post(new) == 200
    at(rt, rt.clock() + timedelta(hours=25))
    assert post(old) == 401 and post(new) == 200
    service.remove_integration(uow=rt.uow(), name="typeform")
    assert post(new) == 404
    with pytest.raises(UnknownIntegration):
        service.remove_integration(uow=rt.uow(), name="typeform")


def _delighted(client, secret: str, event: dict[str, Any]):
    """Posts a Delighted event signed as Delighted signs it."""
    body = json.dumps(event).encode()
    return client.post(
        "/v1/integrations/delighted/delighted", content=body, headers={delighted.HEADER: delighted.sign(secret, body)}
    )


def _timeline(rt, response) -> list[str]:
    from npsloop.services.casework import get_case

    return [e.kind for e in get_case(uow=rt.uow(), case_id=response.case_id).events]


def test_a_replayed_delighted_created_event_never_turns_a_detractor_back_into_a_promoter(world):
    """The attack: Delighted's signature holds no time, so the earlier .created event (score 9, no comment)
    sent again after the .updated one (score 2 and a comment) rewrote the response."""
    rt, client = world
    secret = add(rt, "delighted", "delighted", secret="delighted-api-key")
    created = copy.deepcopy(docs.DELIGHTED_CREATED)
    created["event_data"]["score"] = 9
    updated = copy.deepcopy(docs.DELIGHTED_UPDATED)
    updated["event_data"]["score"] = 2
    assert _delighted(client, secret, created).status_code == 202
    assert _delighted(client, secret, updated).json()["status"] == "updated"
    drain(rt)
    before = _timeline(rt, stored(rt, "delighted", "5435"))
    replay = _delighted(client, secret, created)
    assert replay.status_code == 200 and replay.json()["status"] == "duplicate"  # its event_id is remembered
    # Months later its event_id is forgotten, and the replay is still older than what is stored.
    at(rt, rt.clock() + timedelta(days=rt.settings.delivery_id_retention_days + 1))
    assert rt.forget_delivery_ids() == 2
    replay = _delighted(client, secret, created)
    assert replay.status_code == 200 and replay.json()["status"] == "stale"
    drain(rt)
    response = stored(rt, "delighted", "5435")
    assert (response.score, response.comment) == (2, "Your service is slow.")
    assert _timeline(rt, response) == before


def test_delighted_events_arriving_out_of_order_keep_the_newer_one(world):
    rt, client = world
    secret = add(rt, "delighted", "delighted", secret="delighted-api-key")
    assert _delighted(client, secret, docs.DELIGHTED_UPDATED).status_code == 202
    late = _delighted(client, secret, docs.DELIGHTED_CREATED)
    assert late.status_code == 200 and late.json()["status"] == "stale"
    assert stored(rt, "delighted", "5435").comment == "Your service is slow."


def test_a_retried_delivery_is_a_no_op_answered_as_a_duplicate(world):
    """Delighted retries with the same event_id; a retry must neither update nor add a timeline event, even
    when the response changed in between (the retry's content is then an older version)."""
    rt, client = world
    secret = add(rt, "delighted", "delighted", secret="delighted-api-key")
    assert _delighted(client, secret, docs.DELIGHTED_CREATED).status_code == 202
    drain(rt)
    assert _delighted(client, secret, docs.DELIGHTED_UPDATED).json()["status"] == "updated"
    response = stored(rt, "delighted", "5435")
    events = _timeline(rt, response)
    assert events.count("response_updated") == 1
    retry = _delighted(client, secret, docs.DELIGHTED_UPDATED)
    assert retry.status_code == 200 and retry.json() == {"id": response.id, "status": "duplicate"}
    assert _timeline(rt, stored(rt, "delighted", "5435")) == events
    with rt.engine.connect() as connection:
        remembered = connection.execute(sa.text("SELECT integration, delivery_id FROM ingest_deliveries")).all()
    assert sorted(remembered) == sorted(
        [("delighted", docs.DELIGHTED_CREATED["event_id"]), ("delighted", docs.DELIGHTED_UPDATED["event_id"])]
    )


def _formbricks_event(event: str, updated_at: str, answers: dict[str, Any]) -> dict[str, Any]:
    built = copy.deepcopy(docs.FORMBRICKS)
    built["event"], built["data"]["updatedAt"], built["data"]["data"] = event, updated_at, answers
    return built


def _formbricks(client, event: dict[str, Any], webhook_id: str):
    body = json.dumps(event).encode()
    at = int(time.time())
    headers = {
        "webhook-id": webhook_id,
        "webhook-timestamp": str(at),
        "webhook-signature": formbricks.sign(FORMBRICKS_SECRET, webhook_id, at, body),
    }
    return client.post("/v1/integrations/formbricks/formbricks", content=body, headers=headers)


def test_formbricks_events_out_of_order_keep_the_newer_answer_and_its_comment(world):
    """Formbricks retries on its own schedule: the update with the first score (8, no comment yet) arrived
    after the finished response (score 1 and a comment) and made the detractor a passive without a comment."""
    rt, client = world
    add(rt, "formbricks", "formbricks", secret=FORMBRICKS_SECRET, score_question="nps-q1", comment_question="why-q2")
    finished = _formbricks_event(
        "responseFinished", "2025-02-27T10:16:30.000Z", {"nps-q1": 1, "why-q2": "Support never called me back."}
    )
    early = _formbricks_event("responseUpdated", "2025-02-27T10:15:10.000Z", {"nps-q1": 8})
    assert _formbricks(client, finished, "msg_finished").status_code == 202
    late = _formbricks(client, early, "msg_updated")
    assert late.status_code == 200 and late.json()["status"] == "stale"
    response = stored(rt, "formbricks", "cm7o8ju3m000108l4c9d3ljlq")
    assert (response.score, response.comment) == (1, "Support never called me back.")
    # A retry of the finished event (same webhook-id, a new timestamp and signature) changes nothing.
    assert _formbricks(client, finished, "msg_finished").json()["status"] == "duplicate"


def _typeform(client, secret: str, event: dict[str, Any]):
    body = json.dumps(event).encode()
    return client.post(
        "/v1/integrations/typeform/typeform", content=body, headers={typeform.HEADER: typeform.sign(secret, body)}
    )


def test_typeform_out_of_order_submissions_keep_the_later_one_and_a_retry_is_a_duplicate(world):
    rt, client = world
    secret = add(rt, "typeform", "typeform")
    later = copy.deepcopy(docs.TYPEFORM)
    earlier = copy.deepcopy(docs.TYPEFORM)
    earlier["event_id"], earlier["form_response"]["submitted_at"] = "EarlierEvt", "2018-01-18T18:12:02Z"
    earlier["form_response"]["answers"][2]["number"] = 10
    assert _typeform(client, secret, later).status_code == 202
    late = _typeform(client, secret, earlier)
    assert late.status_code == 200 and late.json()["status"] == "stale"
    assert _typeform(client, secret, later).json()["status"] == "duplicate"
    assert stored(rt, "typeform", "a3a12ec67a1365927098a606107fac15").score == 2
