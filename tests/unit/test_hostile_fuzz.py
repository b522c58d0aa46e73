"""Property-based fuzzing of every door that takes input, on SQLite (where out-of-range integers overflow the
driver): each survey-tool adapter gets its documented payload, mutated and then signed as the tool signs it
(so the parser, not the signature check, meets the hostile value), and its read-back answer mutated too; every
API operation in the OpenAPI document and every dashboard page gets hostile path ids, query values and bodies
with a valid token. No answer is a 5xx (a tool's API answering nonsense is the documented 503, try again).

The budget is bounded (FUZZ and TOOL_FUZZ examples per door, no deadline) so it runs in `make test` in
seconds; a failure prints the request that caused it.
"""

from __future__ import annotations

import copy
import json
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from twilio.request_validator import RequestValidator

from npsloop.api.app import create_app
from npsloop.api.dashboard_session import SESSION, csrf_for
from npsloop.bootstrap import build_runtime
from npsloop.domain.theme_defaults import DEFAULT_TAXONOMY
from npsloop.ingest import signature
from npsloop.ingest.adapters import delighted, formbricks, surveymonkey, typeform
from npsloop.services import integrations as service
from npsloop.store import migrate
from tests.conftest import SECRET, TOKEN, FakeDispatcher, drain, ingest, payload, seed_team, sqlite_settings
from tests.fixtures import survey_tools as docs
from tests.support.http_sink import http_sink

FUZZ = settings(max_examples=12, deadline=None, database=None, suppress_health_check=list(HealthCheck))
TOOL_FUZZ = settings(FUZZ, max_examples=40)  # a tool's request is cheap, and its payloads are the richest
TWILIO_TOKEN = "twilio-auth-token-" + "c" * 16
AGENT_PHONE = "+34611222333"  # Marta's, from seed_team

# Values that broke, or could break, a parser somewhere: digits int() refuses, numbers past 63 bits or 4,300
# digits, NaN and infinities as text, control and bidi characters, paths, injection.
TEXT = [
    "²",
    "⑧",
    "٣",
    "9" * 5000,
    "99999999999999999999",
    str(2**63),
    "-1",
    "0",
    "1e20",
    "1e400",
    "NaN",
    "Infinity",
    "",
    " ",
    "\x00",
    "\u202e",
    "../../admin",
    "%2e%2e%2f",
    "<!channel>",
    "'; DROP TABLE cases;--",
    "2026-13-45",
    "9999-12-31T23:59:59Z",
    "attribute:" + "x" * 300,
    "x" * 3000,
]
NUMBERS = [2**63, -(2**63) - 1, 10**30, 9**400, 1e308, -0.0, 0.5, 11, -1]
scalars = st.one_of(
    st.sampled_from(TEXT),
    st.sampled_from(NUMBERS),
    st.text(max_size=20),
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.none(),
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=10,
)
words = st.one_of(st.sampled_from(TEXT), st.text(max_size=30), st.integers().map(str))


def dump(value: Any) -> bytes:
    return json.dumps(value).encode()


def nested(levels: int) -> bytes:
    return b'{"a":' * levels + b"1" + b"}" * levels


raw_bodies = st.one_of(
    values.map(dump),
    st.integers(1, 5000).map(nested),
    st.binary(max_size=200),
    st.just(b'{"a": "\\ud800"}'),
    st.just(b'{"a": 1, "a": 2}'),
)


def node_paths(doc: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    items = doc.items() if isinstance(doc, dict) else enumerate(doc) if isinstance(doc, list) else []
    for key, child in items:
        found += node_paths(child, (*prefix, key))
    return found


# Numbers as text in any script: superscripts and circled digits pass str.isdigit() and fail int().
numberish = st.one_of(
    st.sampled_from(["²", "⑧", "9" * 5000, "1e400", "NaN", str(2**63), "-1", "07", " 7 "]),
    st.text(alphabet=st.characters(categories=["Nd", "No"]), min_size=1, max_size=4),
    st.integers(),
    st.floats(),
)


@st.composite
def mutated(draw: st.DrawFn, document: Any, hot: tuple[tuple[Any, ...], ...] = ()) -> Any:
    """The document with a field the adapter reads as a number or a time (`hot`) set to a number-like value
    (half the time), then one to three of its nodes replaced by hostile values or removed."""
    doc = copy.deepcopy(document)
    if hot and draw(st.booleans()):
        *parent_path, last = draw(st.sampled_from(hot))
        _at(doc, parent_path)[last] = draw(numberish)
    for _ in range(draw(st.integers(0 if hot else 1, 3))):
        paths = node_paths(doc)
        if not paths:
            return doc
        *parent_path, last = draw(st.sampled_from(paths))
        parent = _at(doc, parent_path)
        if draw(st.booleans()) and isinstance(parent, dict):
            del parent[last]
        else:
            parent[last] = draw(values)
    return doc


def _at(doc: Any, path: list[Any]) -> Any:
    for key in path:
        doc = doc[key]
    return doc


def bodies_from(document: Any, hot: tuple[tuple[Any, ...], ...] = ()) -> st.SearchStrategy[bytes]:
    return st.one_of(mutated(document, hot).map(dump), mutated(document, hot).map(dump), raw_bodies)


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> Iterator[dict[str, Any]]:
    settings_ = sqlite_settings(tmp_path_factory.mktemp("fuzz"), twilio_auth_token=TWILIO_TOKEN)
    migrate.upgrade(settings_.resolved_database_url)
    rt = build_runtime(settings_, dispatcher=FakeDispatcher())
    seed_team(rt)
    for _ in range(2):
        ingest(rt, score=2)  # cases 1 and 2, for the case routes to act on
    drain(rt)
    with http_sink() as api, TestClient(create_app(rt), raise_server_exceptions=False) as client:

        def add(name: str, kind: str, secret: str | None = None, **config: Any) -> str:
            added = service.add_integration(
                uow=rt.uow(),
                egress=rt.egress.policy,
                name=name,
                kind=kind,
                config=config,
                secret=secret,
                now=rt.clock(),
            )
            return added.secret

        secrets = {
            "delighted": add("delighted", "delighted", secret="delighted-api-key"),
            "typeform": add("typeform", "typeform"),
            "formbricks": add(
                "formbricks", "formbricks", secret=FORMBRICKS_SECRET, score_question="nps-q1", comment_question="why-q2"
            ),
            "surveymonkey": add(
                "surveymonkey",
                "surveymonkey",
                secret="sm-app-secret",
                api_key="sm-app-key",
                access_token="sm-token",
                score_question="111",
                comment_question="112",
                api_base=api.url,
            ),
            "qualtrics": add(
                "qualtrics",
                "qualtrics",
                api_base=api.url,
                api_token="q-token",
                score_question="QID1",
                comment_question="QID2_TEXT",
            ),
            "mapping": add("mapping", "mapping", **docs.MAPPING),
        }
        yield {"rt": rt, "client": client, "api": api, "secrets": secrets}
    rt.engine.dispose()


FORMBRICKS_SECRET = "whsec_dGhlLWZvcm1icmlja3MtZnV6ei1rZXktMzItYnl0ZXM="


def no_server_error(reply: Any, what: str) -> None:
    if reply.status_code == 503 and reply.json().get("error") == "upstream_unavailable":
        return  # the tool's API answered nonsense: the documented "send it again later"
    assert reply.status_code < 500, f"{what} -> {reply.status_code} {reply.text[:300]}"


# --- explicit regressions (each was a 500) ----------------------------------------------------------------


@pytest.mark.parametrize("score", ["²", "⑧"])
def test_a_mapped_score_of_digits_int_refuses_is_a_422_naming_the_score(world, score):
    body = dump({**docs.MAPPED, "answers": [{"type": "nps", "value": score}]})
    reply = post_tool(world, "mapping", body)
    assert reply.status_code == 422 and reply.json()["errors"][0]["field"] == "score", reply.text


def test_a_mapping_body_nested_5000_deep_is_a_422_naming_the_body(world):
    reply = post_tool(world, "mapping", nested(5000))
    assert reply.status_code == 422 and reply.json()["errors"][0]["field"] == "body", reply.text


def test_a_response_nested_1000_deep_is_a_400_naming_the_body(world):
    raw = nested(1000)
    headers = {"Content-Type": "application/json", signature.HEADER: signature.sign(raw, SECRET, int(time.time()))}
    reply = world["client"].post("/v1/responses", content=raw, headers=headers)
    assert reply.status_code == 400 and reply.json()["errors"] == [
        {"field": "body", "message": "is nested deeper than 32 levels"}
    ]


def test_a_tool_payload_of_another_shape_is_a_422_or_ignored_never_a_crash(world):
    """Found by the fuzzer: a list where the adapter expects a text or an object raised TypeError or
    AttributeError (a 500); now any adapter's shape error is the sender's 422."""
    event_as_list = post_tool(world, "delighted", dump({**docs.DELIGHTED_UPDATED, "event_type": []}))
    assert event_as_list.status_code == 200 and event_as_list.json()["status"] == "ignored"
    details = copy.deepcopy(docs.SURVEYMONKEY_DETAILS)
    details["metadata"]["contact"] = ["pat@example.net"]
    world["api"].routes["/v3/surveys/123456789/responses/987654321/details?simple=true"] = (200, details)
    reply = post_tool(world, "surveymonkey", dump(docs.SURVEYMONKEY_EVENT))
    assert reply.status_code == 422 and reply.json()["errors"][0]["field"] == "metadata.contact", reply.text


def test_an_optional_object_sent_as_another_shape_is_a_422_naming_it_never_read_as_empty(world):
    """A contact or hidden-field block the tool sent as a list or a text would otherwise store the response
    without the customer it names."""
    contact_as_list = copy.deepcopy(docs.FORMBRICKS)
    contact_as_list["data"]["contact"] = ["pat@example.net"]
    reply = post_tool(world, "formbricks", dump(contact_as_list))
    assert reply.status_code == 422 and reply.json()["errors"][0]["field"] == "data.contact", reply.text
    hidden_as_text = copy.deepcopy(docs.TYPEFORM)
    hidden_as_text["form_response"]["hidden"] = "customer_id=c-9"
    reply = post_tool(world, "typeform", dump(hidden_as_text))
    assert reply.status_code == 422 and reply.json()["errors"][0]["field"] == "form_response.hidden", reply.text
    without = copy.deepcopy(docs.FORMBRICKS)
    without["data"]["contact"] = None  # left out is not a mistake: the response is stored
    assert post_tool(world, "formbricks", dump(without)).status_code in (200, 202)


def test_a_non_ascii_signature_csrf_or_link_mac_is_refused_not_a_crash(world):
    """Found by the fuzzer: hmac.compare_digest raises TypeError on a str with non-ASCII characters."""
    client, raw = world["client"], dump(payload())
    header = {signature.HEADER: f"t={int(time.time())},v1=²".encode("latin-1"), "Content-Type": b"application/json"}
    assert client.post("/v1/responses", content=raw, headers=header).status_code == 401
    client.cookies.set(SESSION, TOKEN, path="/ui")
    try:
        refused = client.post("/ui/cases/1/assign", data={"agent": "Tom", "csrf": "²"}, follow_redirects=False)
    finally:
        client.cookies.clear()
    assert refused.status_code == 403
    assert client.get("/v1/links/e30.²").status_code < 500


# --- survey tools ---------------------------------------------------------------------------------------


def post_tool(world: dict[str, Any], kind: str, body: bytes, query: str = "") -> Any:
    secret = world["secrets"][kind]
    now = int(time.time())
    headers: dict[str, str] = {}
    if kind == "delighted":
        headers = {delighted.HEADER: delighted.sign(secret, body)}
    elif kind == "typeform":
        headers = {typeform.HEADER: typeform.sign(secret, body)}
    elif kind == "formbricks":
        webhook_id = "msg_" + uuid.uuid4().hex[:8]
        headers = {
            "webhook-id": webhook_id,
            "webhook-timestamp": str(now),
            "webhook-signature": formbricks.sign(secret, webhook_id, now, body),
        }
    elif kind == "surveymonkey":
        headers = {"Sm-Apikey": "sm-app-key", "Sm-Signature": surveymonkey.sign("sm-app-key", "sm-app-secret", body)}
    elif kind == "qualtrics":
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        query = f"?key={secret}"
    elif kind == "mapping":
        headers = {signature.HEADER: signature.sign(body, secret, now)}
    return world["client"].post(f"/v1/integrations/{kind}/{kind}{query}", content=body, headers=headers)


# Each tool's documented payload, and where in it the adapter reads numbers and times.
DOCUMENTED: dict[str, tuple[Any, tuple[tuple[Any, ...], ...]]] = {
    "delighted": (docs.DELIGHTED_UPDATED, (("event_data", "score"), ("event_data", "updated_at"))),
    "typeform": (docs.TYPEFORM, (("form_response", "answers", 2, "number"), ("form_response", "submitted_at"))),
    "formbricks": (docs.FORMBRICKS, (("data", "data", "nps-q1"), ("data", "updatedAt"))),
    "surveymonkey": (docs.SURVEYMONKEY_EVENT, (("resources", "respondent_id"), ("event_datetime",))),
    "mapping": (docs.MAPPED, (("answers", 1, "value"), ("submitted",))),
}
SM_SCORE = ("pages", 0, "questions", 0, "answers", 0, "simple_text")


@pytest.mark.parametrize("kind", list(DOCUMENTED))
def test_no_mutated_payload_of_a_tool_gets_a_5xx(world, kind):
    @TOOL_FUZZ
    @given(body=bodies_from(*DOCUMENTED[kind]))
    def exercise(body: bytes) -> None:
        no_server_error(post_tool(world, kind, body), f"{kind} {body[:300]!r}")

    exercise()


def test_no_mutated_read_back_answer_gets_a_5xx(world):
    """SurveyMonkey and Qualtrics name the response; its content comes from their API, which can be as hostile."""
    api = world["api"]
    sm_path = "/v3/surveys/123456789/responses/987654321/details?simple=true"
    q_path = "/API/v3/surveys/SV_1M1h6aZyDdy3D1P/responses/R_3nNpc5AHRqJ6yyv"

    @TOOL_FUZZ
    @given(
        details=mutated(docs.SURVEYMONKEY_DETAILS, (SM_SCORE, ("date_modified",))),
        answer=mutated(docs.QUALTRICS_RESPONSE, (("result", "values", "QID1"), ("result", "values", "recordedDate"))),
        notice=st.dictionaries(st.sampled_from(["Topic", "Status", "SurveyID", "ResponseID"]), words, max_size=4),
    )
    def exercise(details: Any, answer: Any, notice: dict[str, str]) -> None:
        api.routes[sm_path], api.routes[q_path] = (200, details), (200, answer)
        sm = post_tool(world, "surveymonkey", dump(docs.SURVEYMONKEY_EVENT))
        no_server_error(sm, f"surveymonkey read back {details!r:.300}")
        no_server_error(post_tool(world, "qualtrics", docs.QUALTRICS_NOTICE.encode()), f"qualtrics {answer!r:.300}")
        form = dict(item.split("=", 1) for item in docs.QUALTRICS_NOTICE.split("&")) | notice
        no_server_error(post_tool(world, "qualtrics", urlencode(form).encode()), f"qualtrics notice {notice!r:.300}")

    exercise()


# --- our own signed doors -------------------------------------------------------------------------------


SIGNED = {
    "/v1/responses": payload(),
    "/v1/responses:batch": {"responses": [payload(), payload()]},
    "/v1/email/bounces": {"message_id": "msg-123", "reason": "mailbox full"},
}


@pytest.mark.parametrize("path", list(SIGNED))
def test_no_signed_hostile_body_gets_a_5xx(world, path):
    @FUZZ
    @given(body=bodies_from(SIGNED[path]))
    def exercise(body: bytes) -> None:
        headers = {"Content-Type": "application/json", signature.HEADER: signature.sign(body, SECRET, int(time.time()))}
        no_server_error(world["client"].post(path, content=body, headers=headers), f"{path} {body[:300]!r}")

    exercise()


def test_no_twilio_signed_reply_gets_a_5xx(world):
    """An agent's SMS reply, signed by Twilio: the text is the agent's own, any text at all."""
    client = world["client"]
    reply_text = st.one_of(words, st.tuples(st.sampled_from(["ACK", "2 cerrado", "ok"]), words).map(" ".join))

    @FUZZ
    @given(body=reply_text, sender=st.one_of(st.just(AGENT_PHONE), words), path=st.sampled_from(["inbound", "status"]))
    def exercise(body: str, sender: str, path: str) -> None:
        form = {"From": sender, "Body": body, "MessageSid": "SM" + "1" * 32, "MessageStatus": body}
        url = f"http://127.0.0.1:8000/v1/twilio/{path}"
        signed = RequestValidator(TWILIO_TOKEN).compute_signature(url, form)
        reply = client.post(f"/v1/twilio/{path}", data=form, headers={"X-Twilio-Signature": signed})
        no_server_error(reply, f"twilio {path} {form!r:.300}")

    exercise()


# --- every API operation and dashboard page -------------------------------------------------------------


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    path_params: dict[str, list[str]]  # name -> the values its schema names (enums, a valid id)
    query_params: dict[str, list[str]]
    body: dict[str, list[str]] | None  # the body's fields, likewise; None: the operation takes no body
    media: str = "application/json"  # another (the themes' YAML): the body is a text of that type


def operations(client: TestClient) -> list[Operation]:
    """Each operation the API documents that takes input, but the signed doors fuzzed above."""
    document = client.app.openapi()  # type: ignore[attr-defined]
    components = document["components"]["schemas"]
    found = []
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if path in SIGNED or path.startswith(("/v1/integrations", "/v1/twilio")):
                continue
            params = operation.get("parameters", [])
            if not params and "requestBody" not in operation:
                continue  # takes no input (/healthz, /readyz, /metrics)
            by_place = {
                place: {p["name"]: named_values(p["schema"], components) for p in params if p["in"] == place}
                for place in ("path", "query")
            }
            body, media = None, "application/json"
            if "requestBody" in operation:
                content = operation["requestBody"]["content"]
                media = media if media in content else next(iter(content))
                fields = resolve(content[media]["schema"], components).get("properties", {})
                body = {name: named_values(field, components) for name, field in fields.items()}
            found.append(Operation(method.upper(), path, by_place["path"], by_place["query"], body, media))
    return found


def resolve(schema: dict[str, Any], components: dict[str, Any]) -> dict[str, Any]:
    """The schema itself, behind a $ref or the one object of an anyOf."""
    if "$ref" in schema:
        return resolve(components[schema["$ref"].rsplit("/", 1)[-1]], components)
    for option in schema.get("anyOf", []):
        if "$ref" in option or "properties" in option:
            return resolve(option, components)
    return schema


def named_values(schema: dict[str, Any], components: dict[str, Any]) -> list[str]:
    """Values a schema names (an enum's, a valid id, a date), so the fuzz also gets past the first check."""
    found: list[str] = []
    for option in [schema, *schema.get("anyOf", [])]:
        option = resolve(option, components)
        found += [str(value) for value in option.get("enum", [])]
        found += {"integer": ["1", "2"], "string": []}.get(option.get("type", ""), [])
        found += {"date": ["2026-01-01"], "date-time": ["2026-01-01T00:00:00Z"]}.get(option.get("format", ""), [])
    return found


def either(named: list[str]) -> st.SearchStrategy[str]:
    return st.one_of(words, st.sampled_from(named)) if named else words


FORM_VALUES = {"action": ["acknowledge", "contact", "close"], "outcome": ["resolved", "unreachable"], "agent": ["Tom"]}
DASHBOARD = [
    ("GET", "/ui/cases", [], ["team", "done"], {}),
    ("GET", "/ui/cases/{case_id}", ["case_id"], ["done"], {}),
    ("POST", "/ui/cases/{case_id}/act", ["case_id"], [], {"action", "outcome", "note", "csrf"}),
    ("POST", "/ui/cases/{case_id}/assign", ["case_id"], [], {"agent", "csrf"}),
    ("GET", "/ui/reports", [], ["year", "team", "lang"], {}),
    ("GET", "/ui/login", [], ["next"], {}),
]


def test_the_fuzzed_operations_cover_the_api(world):
    paths = {operation.path for operation in operations(world["client"])}
    assert {"/v1/cases/{case_id}", "/v1/cases", "/v1/reports/nps", "/v1/tokens", "/v1/teams", "/v1/themes"} <= paths


def test_no_hostile_path_query_or_body_gets_a_5xx_from_any_operation(world):
    for operation in operations(world["client"]):
        fuzz_operation(world["client"], operation)


def fuzz_operation(client: TestClient, op: Operation) -> None:
    if op.media != "application/json":
        fuzz_text_body(client, op)
        return
    fields = op.body or {}
    body = st.one_of(values, *[st.fixed_dictionaries({}, optional={k: either(v) for k, v in fields.items()})] * 2)

    @FUZZ
    @given(
        ids=st.fixed_dictionaries({name: either(named) for name, named in op.path_params.items()}),
        query=st.fixed_dictionaries({}, optional={name: either(named) for name, named in op.query_params.items()}),
        body=body,
    )
    def exercise(ids: dict[str, str], query: dict[str, str], body: Any) -> None:
        url = op.path.format(**{name: quote(value, safe="") or "x" for name, value in ids.items()})
        headers = {"Authorization": f"Bearer {TOKEN}"}
        reply = client.request(
            op.method, url, params=query, json=body if op.body is not None else None, headers=headers
        )
        no_server_error(reply, f"{op.method} {url} {query!r:.200} {body!r:.200}")

    exercise()


# YAML (PUT /v1/themes): the default taxonomy mutated (JSON is YAML too), brackets past the stack, aliases
# nine deep, any text; sent as the operation's type, another YAML type, JSON or none.
LAUGHS = b'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + b"".join(
    f"{c}: &{c} [*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p}]\n".encode()
    for p, c in zip("abcdefgh", "bcdefghi", strict=True)
)
yaml_bodies = st.one_of(
    bodies_from(DEFAULT_TAXONOMY.to_dict()),
    st.integers(1, 60_000).map(lambda n: b"themes: " + b"[" * n),
    st.just(LAUGHS + b"themes: *i\n"),
    st.just(b"themes:\n  - key: " + b"9" * 5000 + b"\n"),
    st.text(max_size=200).map(str.encode),
)


def fuzz_text_body(client: TestClient, op: Operation) -> None:
    @FUZZ
    @given(body=yaml_bodies, media=st.sampled_from([op.media, "text/yaml", "application/json", ""]))
    def exercise(body: bytes, media: str) -> None:
        headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": media}
        reply = client.request(op.method, op.path, content=body, headers=headers)
        no_server_error(reply, f"{op.method} {op.path} {media} {body!r:.200}")

    exercise()


def test_no_hostile_path_query_or_form_gets_a_5xx_from_the_dashboard(world):
    client = world["client"]
    client.cookies.set(SESSION, TOKEN, path="/ui")
    try:
        for method, path, path_names, query_names, form_names in DASHBOARD:
            fuzz_page(client, method, path, path_names, query_names, form_names)
    finally:
        client.cookies.clear()


def fuzz_page(
    client: TestClient, method: str, path: str, path_names: list[str], query_names: list[str], form_names: set[str]
) -> None:
    @FUZZ
    @given(
        ids=st.fixed_dictionaries({name: either(["1", "2"]) for name in path_names}),
        query=st.fixed_dictionaries({}, optional={name: words for name in query_names}),
        form=st.fixed_dictionaries({}, optional={name: either(FORM_VALUES.get(name, [])) for name in form_names}),
        valid_csrf=st.booleans(),
    )
    def exercise(ids: dict[str, str], query: dict[str, str], form: dict[str, str], valid_csrf: bool) -> None:
        if valid_csrf and "csrf" in form_names:
            form["csrf"] = csrf_for(TOKEN)  # past the CSRF check, so the action itself meets the values
        url = path.format(**{name: quote(value, safe="") or "x" for name, value in ids.items()})
        reply = client.request(method, url, params=query, data=form or None, follow_redirects=False)
        no_server_error(reply, f"{method} {url} {query!r:.200} {form!r:.200}")

    exercise()
