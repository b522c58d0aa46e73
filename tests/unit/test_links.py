"""One-click email links: signed, expiring, and acting only on POST."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from npsloop.api.app import create_app
from npsloop.link_tokens import LinkError, make_token, read_token
from npsloop.services.casework import get_case
from tests.conftest import drain, ingest, seed_team


def test_a_token_round_trips_and_refuses_tampering_and_age():
    token = make_token("s3cret", {"c": 1, "a": 2, "x": "acknowledge"}, expires_at=2000)
    assert read_token("s3cret", token, now=1999)["c"] == 1
    with pytest.raises(LinkError) as expired:
        read_token("s3cret", token, now=2001)
    assert expired.value.expired
    body, mac = token.split(".")
    forged = make_token("other", {"c": 99, "a": 2, "x": "acknowledge"}, 2000).split(".")[0] + "." + mac
    for bad in (forged, token + "x", "garbage", body):
        with pytest.raises(LinkError):
            read_token("s3cret", bad, now=1000)


@pytest.fixture
def linked(runtime):
    runtime.settings.link_secret = SecretStr("link-secret-for-tests")
    runtime.settings.public_url = "https://npsloop.example.com"
    seed_team(runtime, agents=(("Marta", None, "marta@example.es", "es"),))
    ingest(runtime, score=2)
    drain(runtime)
    [mail] = runtime.transports["email"].sent
    urls = re.findall(r"https://npsloop\.example\.com/v1/links/[\w.-]+", mail.text)
    assert len(urls) == 2 and urls[0] in mail.html
    with TestClient(create_app(runtime)) as client:
        yield client, [u.removeprefix("https://npsloop.example.com") for u in urls]


def test_opening_a_link_changes_nothing_and_the_button_acts_as_the_agent(runtime, linked):
    client, (acknowledge, contact) = linked
    page = client.get(acknowledge)
    assert page.status_code == 200 and "Acknowledge case #1?" in page.text and '<form method="post">' in page.text
    assert get_case(uow=runtime.uow(), case_id=1).case.status == "open"
    done = client.post(acknowledge)
    assert done.status_code == 200 and "now acknowledged" in done.text
    view = get_case(uow=runtime.uow(), case_id=1)
    assert view.assignee_name == "Marta" and view.events[-1].note == "by email link"
    assert client.post(acknowledge).status_code == 409  # used twice: explained, nothing changes
    assert "now contacted" in client.post(contact).text


def test_an_altered_or_expired_link_is_refused(runtime, linked):
    client, (acknowledge, _) = linked
    assert client.post(acknowledge[:-2] + "xx").status_code == 403
    later = runtime.clock() + timedelta(hours=73)
    runtime.clock = lambda: later
    expired = runtime.link(1, 1, "acknowledge").removeprefix("https://npsloop.example.com")
    assert client.get(expired).status_code == 200  # freshly made: valid
    old = make_token("link-secret-for-tests", {"c": 1, "a": 1, "x": "acknowledge"}, expires_at=1)
    assert client.post(f"/v1/links/{old}").status_code == 410
    assert get_case(uow=runtime.uow(), case_id=1).case.status == "open"


def test_without_a_link_secret_emails_carry_no_links(runtime):
    seed_team(runtime, agents=(("Marta", None, "marta@example.es", "es"),))
    ingest(runtime, score=2)
    drain(runtime)
    assert "/v1/links/" not in runtime.transports["email"].sent[0].text


def test_a_deactivated_agents_link_is_refused_and_changes_nothing(runtime, linked):
    client, (acknowledge, _) = linked
    with runtime.uow() as uow:
        uow.directory.agent_named("Marta").active = False
        uow.commit()
    refused = client.post(acknowledge)
    assert refused.status_code == 403 and "no longer active" in refused.text
    assert get_case(uow=runtime.uow(), case_id=1).case.status == "open"


def test_a_link_reaches_only_what_its_agent_may_reach(runtime, linked):
    """A validly signed link naming another team's case (an old link after a move between teams, or a link
    minted by anyone who holds the secret) is held to the agent's reach like their token."""
    client, _ = linked
    seed_team(
        runtime, name="Billing", touchpoints=("invoice",), default=False, agents=(("Bea", None, "b@example.es", "es"),)
    )
    ingest(runtime, score=1, touchpoint="invoice", customer={"id": "c-billing"})
    drain(runtime)
    foreign = runtime.link(2, 1, "acknowledge").removeprefix("https://npsloop.example.com")  # case 2, agent Marta
    refused = client.post(foreign)
    assert refused.status_code == 403
    view = get_case(uow=runtime.uow(), case_id=2)
    assert (view.case.status, view.case.assignee_id) == ("open", None)


def test_no_link_closes_a_case_so_none_can_close_one_without_its_reasons(runtime, linked):
    """Closing needs an outcome and, on teams that require them, reasons: emails carry only acknowledge and
    contact links, and a validly signed close link is still refused."""
    client, _ = linked
    closing = make_token("link-secret-for-tests", {"c": 1, "a": 1, "x": "close"}, expires_at=2**40)
    assert client.get(f"/v1/links/{closing}").status_code == 403
    assert client.post(f"/v1/links/{closing}").status_code == 403
    assert get_case(uow=runtime.uow(), case_id=1).case.status == "open"
