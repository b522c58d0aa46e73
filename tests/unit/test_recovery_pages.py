"""The customer's recovery pages, attacked: forged, altered, expired and borrowed tokens, markup, scores out of
range, garbage and oversized bodies, replays. Every refusal is a page with a 4xx, never a 500."""

from __future__ import annotations

import base64
import json
import logging
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from npsloop.api.app import create_app
from npsloop.link_tokens import make_token
from npsloop.recovery_links import LinkKind, make_link_token
from npsloop.services.casework import get_case
from tests.conftest import TOKEN, at, drain
from tests.support.recovery import LINK_SECRET, asking_team, close_resolved, customer, links, requests_of

WEDNESDAY = datetime(2026, 12, 2, 10, 0, tzinfo=ZoneInfo("America/Bogota"))
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


@pytest.fixture
def asked(runtime):
    """A customer asked about their resolved case: (client, answer path, opt-out path, case id)."""
    asking_team(runtime)
    case_id = close_resolved(runtime, customer(), WEDNESDAY)
    runtime.run_recovery()
    [mail] = [m for m in runtime.transports["email"].sent if m.reference.startswith("r")]
    answer, opt_out = links(mail.text)
    with TestClient(create_app(runtime)) as client:
        yield client, answer, opt_out, case_id


def test_opening_the_link_asks_and_records_nothing(runtime, asked):
    client, answer, _, case_id = asked
    page = client.get(answer + "?answer=no")
    assert page.status_code == 200 and "¿Resolvimos tu problema?" in page.text
    assert 'value="no" checked' in page.text and page.headers["cache-control"] == "no-store"
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert page.headers["referrer-policy"] == "no-referrer"  # the link is the credential
    assert requests_of(runtime, case_id)[0].state == "sent"


def test_the_answer_is_recorded_once_and_a_replay_shows_it(runtime, asked):
    client, answer, _, case_id = asked
    first = client.post(answer, data={"answer": "no", "score": "4", "comment": "Sigue igual"})
    replay = client.post(answer, data={"answer": "yes", "score": "10", "comment": "otra cosa"})
    reread = client.get(answer)
    for page in (first, replay, reread):
        assert page.status_code == 200 and "no está resuelto" in page.text and "4/10" in page.text
        assert "Sigue igual" in page.text and "otra cosa" not in page.text
    assert get_case(uow=runtime.uow(), case_id=case_id).case.status == "open"


def test_markup_in_the_comment_is_shown_as_text(runtime, asked):
    client, answer, _, case_id = asked
    hostile = "<script>alert(1)</script><img src=x onerror=alert(2)>{{ 7*7 }}"
    page = client.post(answer, data={"answer": "yes", "comment": hostile})
    assert page.status_code == 200 and "<script>" not in page.text and "<img" not in page.text
    assert "&lt;script&gt;" in page.text and "{{ 7*7 }}" in page.text
    assert requests_of(runtime, case_id)[0].comment == hostile  # kept as the customer wrote it


@pytest.mark.parametrize(
    "form",
    [
        {"answer": "no", "score": "11"},
        {"answer": "no", "score": "-1"},
        {"answer": "no", "score": "4.5"},
        {"answer": "no", "score": "1e9"},
        {"answer": "maybe"},
        {"score": "4"},
        {"answer": "yes", "comment": "x" * 1001},
    ],
)
def test_an_answer_we_cannot_record_is_refused_and_the_question_stays_open(runtime, asked, form):
    client, answer, _, case_id = asked
    page = client.post(answer, data=form)
    assert page.status_code == 422 and '<form method="post">' in page.text
    assert requests_of(runtime, case_id)[0].state == "sent"


@pytest.mark.parametrize(
    ("body", "headers", "status"),
    [
        (b'{"answer": "no"}', {"Content-Type": "application/json"}, 415),
        (b"answer=no", {"Content-Type": "text/plain"}, 415),
        (b"answer=no&answer=yes", FORM, 400),
        (b"\xff\xfe\x00answer=\xc3(", FORM, 422),
        (b"a=1&b=2&c=3&d=4&e=5&f=6&g=7&answer=no", FORM, 400),
        (b"answer=no&" + b"comment=" + b"x" * 70_000, FORM, 413),
    ],
)
def test_garbage_and_oversized_bodies_are_refused_without_a_500(runtime, asked, body, headers, status):
    client, answer, _, case_id = asked
    page = client.post(answer, content=body, headers=headers)
    assert page.status_code == status
    assert requests_of(runtime, case_id)[0].state == "sent"


def _forged(path: str, **changes: object) -> str:
    """The same token with its payload changed and the signature kept: what an attacker can make."""
    token = path.rsplit("/", 1)[1]
    body, mac = token.split(".")
    payload = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    payload.update(changes)
    raw = base64.urlsafe_b64encode(json.dumps(payload, separators=(",", ":")).encode()).rstrip(b"=").decode()
    return path.rsplit("/", 1)[0] + "/" + raw + "." + mac


def test_forged_altered_borrowed_and_foreign_tokens_are_refused(runtime, asked):
    client, answer, opt_out, case_id = asked
    request_id = requests_of(runtime, case_id)[0].id
    far = int((WEDNESDAY + timedelta(days=3650)).timestamp())
    attempts = [
        _forged(answer, r=request_id + 1),  # another request: the signature no longer matches
        _forged(answer, exp=far),  # a longer life
        "/v1/recovery/" + make_link_token("another-secret-entirely-0123456789", request_id, LinkKind.ANSWER, far),
        "/v1/recovery/" + opt_out.rsplit("/", 1)[1],  # the opt-out token on the answer page
        "/v1/recovery/" + make_token(LINK_SECRET, {"c": case_id, "a": 1, "x": "acknowledge"}, far),  # an agent's
        "/v1/recovery/" + make_token(LINK_SECRET, {"r": request_id, "x": "ra"}, far),  # the raw link secret
        "/v1/recovery/garbage",
        "/v1/recovery/" + "a" * 5000,
        "/v1/recovery/%C3%A9t%C3%A9.%F0%9F%98%80",
    ]
    for path in attempts:
        for page in (client.get(path), client.post(path, data={"answer": "no"})):
            assert page.status_code == 403, path
            assert "no es válido" in page.text and "not valid" in page.text
    agent_page = client.get("/v1/links/" + answer.rsplit("/", 1)[1])  # ours on the agents' link page
    assert agent_page.status_code == 403
    assert requests_of(runtime, case_id)[0].state == "sent"


def test_an_expired_link_says_so_clearly(runtime, asked):
    client, answer, _, case_id = asked
    at(runtime, WEDNESDAY + timedelta(days=15))
    page = client.get(answer)
    assert page.status_code == 410 and "caducado" in page.text
    assert client.post(answer, data={"answer": "no"}).status_code == 410
    assert get_case(uow=runtime.uow(), case_id=case_id).case.status == "closed"


def test_a_token_past_its_own_time_is_refused_even_if_the_row_were_not(runtime, asked):
    client, _, _, case_id = asked
    request_id = requests_of(runtime, case_id)[0].id
    old = make_link_token(LINK_SECRET, request_id, LinkKind.ANSWER, int(WEDNESDAY.timestamp()) - 1)
    page = client.get("/v1/recovery/" + old)
    assert page.status_code == 410 and "expired" in page.text


def test_the_opt_out_asks_then_is_honoured_at_once_and_recorded(runtime, asked):
    client, _, opt_out, case_id = asked
    question = client.get(opt_out)
    assert question.status_code == 200 and "No enviarme más" in question.text
    with runtime.uow() as uow:
        assert not uow.recovery.opted_out(requests_of(runtime, case_id)[0].customer_key)
    done = client.post(opt_out)
    assert done.status_code == 200 and "no te enviaremos" in done.text
    with runtime.uow() as uow:
        assert uow.recovery.opted_out(requests_of(runtime, case_id)[0].customer_key)
    assert client.post(opt_out).status_code == 200  # a replay: still done, nothing new


def test_the_question_page_offers_the_opt_out_too(runtime, asked):
    """An SMS carries the answer link alone; the page it opens is where the customer can opt out."""
    client, answer, _, case_id = asked
    page = client.get(answer)
    [path] = re.findall(r'href="(/v1/recovery/optout/[\w.-]+)"', page.text)
    assert client.post(path).status_code == 200
    with runtime.uow() as uow:
        assert uow.recovery.opted_out(requests_of(runtime, case_id)[0].customer_key)


def test_markup_in_an_answer_stays_text_on_the_case_page_and_in_the_owners_alert(runtime, asked):
    client, answer, _, case_id = asked
    hostile = '<img src=x onerror=alert(1)>"><script>alert(2)</script>'
    client.post(answer, data={"answer": "no", "comment": hostile})
    supervisor = TestClient(create_app(runtime), base_url="https://testserver", follow_redirects=False)
    assert supervisor.post("/ui/login", data={"token": TOKEN, "next": "/ui/cases"}).status_code == 303
    page = supervisor.get(f"/ui/cases/{case_id}")
    assert page.status_code == 200 and "&lt;img src=x onerror=alert(1)&gt;" in page.text
    assert "<img src=x" not in page.text and "<script>alert(2)" not in page.text
    drain(runtime)
    [alert] = [m for m in runtime.transports["email"].sent if m.reference.startswith("n") and "Reabierto" in m.subject]
    assert "<img src=x" not in (alert.html or "")


def test_no_log_line_of_the_whole_follow_up_names_the_customer(runtime, caplog):
    """Closed, planned, sent, refused once, answered, opted out, across the API: every record at every level, before
    any formatter masks it, is free of the customer's email, phone, name, id and comment."""
    caplog.set_level(logging.DEBUG)
    asking_team(runtime)
    ana = customer(email="ana.leak@example.co", phone="+573009998877", name="Anabel Leakname")
    runtime.transports["email"].script[ana["email"]] = ["transient", "ok"]
    case_id = close_resolved(runtime, ana, WEDNESDAY, comment="Mi pedido nunca llegó, secreto-123")
    runtime.run_recovery()
    at(runtime, WEDNESDAY + timedelta(minutes=10))
    runtime.run_recovery()
    [mail] = [m for m in runtime.transports["email"].sent if m.reference.startswith("r")]
    answer, opt_out = links(mail.text)
    with TestClient(create_app(runtime)) as client:
        assert client.post(answer, data={"answer": "no", "score": "3", "comment": "sigue-sin-llegar-456"}).is_success
        assert client.post(opt_out).is_success
        assert client.post(opt_out).is_success
    drain(runtime)
    assert requests_of(runtime, case_id)[0].state == "answered"
    logged = "\n".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records)
    assert logged, "the flow logs something"
    for secret in (ana["email"], ana["phone"], ana["phone"][1:], "Leakname", ana["id"], "secreto-123", "sigue-sin"):
        assert secret not in logged
