from datetime import timedelta

from npsloop.notify.sms_text import segments
from npsloop.services.casework import get_case
from npsloop.services.digests import digest_themes
from npsloop.services.notifying import SendStatus
from tests.conftest import drain, ingest, seed_team

MARTA = "+34611222333"


def flood(runtime, cases: int) -> None:
    seed_team(runtime, agents=(("Marta", MARTA, "marta@example.es", "en"),))
    for i in range(cases):
        ingest(runtime, score=1, customer={"id": f"c{i}"})
    drain(runtime)


def test_past_the_hourly_cap_sms_are_folded_and_email_still_goes(runtime):
    runtime.settings.sms_per_agent_per_hour = 3
    flood(runtime, 7)
    assert len(runtime.transports["sms"].sent) == 3
    assert len(runtime.transports["email"].sent) == 7
    with runtime.uow() as uow:
        states = sorted(n.state for n in uow.notifications.in_states(["folded"]))
    assert states == ["folded"] * 4
    events = get_case(uow=runtime.uow(), case_id=7).events
    assert events[-1].kind in ("folded", "notified") and any(e.kind == "folded" for e in events)


def test_one_digest_sms_carries_the_folded_cases_once_the_hour_has_room(runtime):
    runtime.settings.sms_per_agent_per_hour = 3
    flood(runtime, 7)
    assert runtime.send_digests() == 0  # the hour is full: nothing yet
    later = runtime.clock() + timedelta(hours=1, minutes=1)
    runtime.clock = lambda: later
    assert runtime.send_digests() == 1
    assert runtime.send_digests() == 0  # a digest is already waiting: no second one
    drain(runtime)
    digest = runtime.transports["sms"].sent[-1]
    assert len(runtime.transports["sms"].sent) == 4
    assert "4 more new cases" in digest.text and "#4, #5, #6, #7" in digest.text
    assert segments(digest.text) <= 2
    for case_id in (4, 5, 6, 7):
        kinds = [e.kind for e in get_case(uow=runtime.uow(), case_id=case_id).events]
        assert kinds.count("notified") == 2  # its email, and the digest
    assert runtime.send_digests() == 0  # every folded alert is carried exactly once


def test_a_long_digest_lists_what_fits_in_two_segments(runtime):
    runtime.settings.sms_per_agent_per_hour = 1
    flood(runtime, 80)
    later = runtime.clock() + timedelta(hours=2)
    runtime.clock = lambda: later
    runtime.send_digests()
    drain(runtime)
    digest = runtime.transports["sms"].sent[-1]
    assert "79 more new cases" in digest.text and segments(digest.text) <= 2 and "..." in digest.text


def test_the_cap_does_not_touch_email_or_a_digest_itself(runtime):
    runtime.settings.sms_per_agent_per_hour = 1
    flood(runtime, 3)
    later = runtime.clock() + timedelta(minutes=61)
    runtime.clock = lambda: later
    runtime.send_digests()
    [digest_id] = runtime.dispatcher.notifications
    assert runtime.send(digest_id).status is SendStatus.SENT


def test_a_digest_names_the_themes_its_cases_share_most_first_each_case_counted_once():
    per_case = [("Facturación", "Espera"), ("Entrega", "Espera"), ("Espera", "Espera"), (), ("Precio",)]
    assert digest_themes(per_case, limit=3) == ("Espera", "Facturación", "Entrega")
    assert digest_themes(per_case, limit=10) == ("Espera", "Facturación", "Entrega", "Precio")
    assert digest_themes([(), ()], limit=3) == ()


def test_the_digest_sms_names_what_its_cases_complain_of(runtime):
    from npsloop.domain.theme_tags import Polarity, ThemeTag

    runtime.settings.sms_per_agent_per_hour = 3
    flood(runtime, 5)
    with runtime.uow() as uow:
        for case_id in (4, 5):
            [response] = uow.responses.for_case(case_id)
            uow.tags.replace(response.id, [ThemeTag("billing", Polarity.NEGATIVE, 0.9)])
        uow.commit()
    later = runtime.clock() + timedelta(hours=1, minutes=1)
    runtime.clock = lambda: later
    assert runtime.send_digests() == 1
    drain(runtime)
    digest = runtime.transports["sms"].sent[-1]
    assert "#4, #5" in digest.text and "Themes: Billing" in digest.text


def test_a_digest_sms_refused_for_good_reaches_the_agent_as_a_digest_email(runtime):
    runtime.settings.sms_per_agent_per_hour = 1
    flood(runtime, 3)
    emails_before = len(runtime.transports["email"].sent)
    runtime.transports["sms"].script[MARTA] = ["permanent"]
    later = runtime.clock() + timedelta(minutes=61)
    runtime.clock = lambda: later
    runtime.send_digests()
    [digest_id] = runtime.dispatcher.notifications
    assert runtime.send(digest_id).status is SendStatus.FAILED
    drain(runtime)  # the fail-over: the same digest on email
    [email] = runtime.transports["email"].sent[emails_before:]
    assert email.channel == "email" and email.to == "marta@example.es"
    assert "2 new cases for you" in (email.subject or "") and "#2, #3" in email.text
    assert "/ui/cases" in email.text and "/ui/cases" in (email.html or "")
