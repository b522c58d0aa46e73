"""The recovery follow-up as services: planned in the closing transaction and by the beat, sent once within the
customer's window, answered once, honouring the quiet period and the opt-out (SQLite, fake channels)."""

from __future__ import annotations

import base64
import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from npsloop.domain.cases import Action, Outcome
from npsloop.domain.recovery import RecoveryState, read_answer
from npsloop.notify import sms_text
from npsloop.recovery_links import LinkKind, read_link_token
from npsloop.services.casework import act_on_case, get_case
from npsloop.services.erasure import erase_customer
from npsloop.services.recovery import plan
from npsloop.services.recovery_answers import Stage, answer_recovery, opt_out, show_recovery
from tests.conftest import at, drain, ingest
from tests.support.recovery import LINK_SECRET, asking_team, close_resolved, customer, links, requests_of

BOGOTA = ZoneInfo("America/Bogota")
WEDNESDAY = datetime(2026, 12, 2, 10, 0, tzinfo=BOGOTA)


def sent(rt, channel="email"):
    """What went to customers (a recovery message's reference is r<id>; agents' alerts are n<id>)."""
    return [m for m in rt.transports[channel].sent if m.reference.startswith("r")]


def request_id_in(message) -> int:
    answer, _ = links(message.text)
    return read_link_token(LINK_SECRET, answer.rsplit("/", 1)[1], LinkKind.ANSWER, now=0)


def test_a_resolved_closure_is_asked_about_by_email_in_the_customers_language(runtime):
    asking_team(runtime)
    ana = customer()
    case_id = close_resolved(runtime, ana, WEDNESDAY)
    [request] = requests_of(runtime, case_id)
    assert request.state == RecoveryState.SCHEDULED and request.due_at is None  # recorded at closure, not planned

    done = runtime.run_recovery()

    assert (done.planned, done.sent) == (1, 1)
    [mail] = sent(runtime)
    assert mail.to == "ana@example.co" and mail.subject == "¿Resolvimos tu problema?"
    answer, opt_out_path = links(mail.text)
    assert answer in mail.html and opt_out_path in mail.html
    for path in (answer, opt_out_path):
        body = path.rsplit("/", 1)[1].split(".")[0]
        assert set(json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))) == {"r", "x", "exp"}
        assert not any(value in path for value in (ana["id"], ana["email"], ana["phone"], "Ana"))
    [request] = requests_of(runtime, case_id)
    assert request.state == RecoveryState.SENT and request.channel == "email" and request.language == "es"
    assert request.expires_at == WEDNESDAY + timedelta(days=14)
    assert "recovery_sent" in [e.kind for e in get_case(uow=runtime.uow(), case_id=case_id).events]
    assert runtime.run_recovery().sent == 0  # nothing goes twice


def test_a_team_with_recovery_off_asks_nobody(runtime):
    asking_team(runtime, policy="off")
    case_id = close_resolved(runtime, customer(), WEDNESDAY)
    assert requests_of(runtime, case_id) == [] and runtime.run_recovery().sent == 0


def test_a_closure_that_is_not_resolved_is_not_followed_up(runtime):
    asking_team(runtime)
    case_id = close_resolved(runtime, customer(), WEDNESDAY, outcome=Outcome.UNREACHABLE)
    assert requests_of(runtime, case_id) == []


def test_themes_asks_only_detractors_whose_response_named_one_of_them(runtime):
    asking_team(runtime)
    tagged = close_resolved(runtime, customer(), WEDNESDAY, comment="The parcel arrived a week late, again")
    with runtime.uow() as uow:
        themes = [tag.theme for tag in uow.tags.of_case(tagged)]
    assert themes, "the default tagger names a theme for a late parcel"
    others = [key for key in ("staff_attitude", "billing", "product_quality", "price") if key not in themes]
    from npsloop.services import directory

    directory.set_recovery(uow=runtime.uow(), team="Logistics", policy="themes", themes=[themes[0]])
    matching = close_resolved(runtime, customer(), WEDNESDAY, comment="The parcel arrived a week late, again")
    directory.set_recovery(uow=runtime.uow(), team="Logistics", policy="themes", themes=others[:1])
    other = close_resolved(runtime, customer(), WEDNESDAY, comment="The parcel arrived a week late, again")
    assert len(requests_of(runtime, matching)) == 1 and requests_of(runtime, other) == []


def test_no_with_a_four_reopens_the_case_alerts_its_owner_once_and_a_replay_changes_nothing(runtime):
    asking_team(runtime)
    case_id = close_resolved(runtime, customer(), WEDNESDAY)
    runtime.run_recovery()
    request_id = request_id_in(sent(runtime)[0])
    later = WEDNESDAY + timedelta(hours=2)

    page = answer_recovery(
        uow=runtime.uow(), request_id=request_id, answer=read_answer("no", "4", "Sigue sin llegar"), now=later
    )
    again = answer_recovery(uow=runtime.uow(), request_id=request_id, answer=read_answer("yes", "10", None), now=later)

    assert page.stage == again.stage == Stage.ANSWERED and again.solved is False and again.new_score == 4
    view = get_case(uow=runtime.uow(), case_id=case_id)
    assert view.case.status == "open"
    answered = [e for e in view.events if e.kind == "recovery_answered"]
    assert len(answered) == 1 and answered[0].actor == "customer" and answered[0].note == "Sigue sin llegar"
    assert answered[0].data == {"request": request_id, "solved": False, "new_score": 4}
    assert [e.kind for e in view.events][-1] == "reopened"
    alerts = [n for n in view.notifications if n.kind == f"reopened:{request_id}"]
    assert sorted(n.channel for n in alerts) == ["email", "sms"]  # Marta, on each of her channels
    [request] = requests_of(runtime, case_id)
    assert request.reopened and request.state == RecoveryState.ANSWERED and request.comment == "Sigue sin llegar"
    drain(runtime)
    mails = runtime.transports["email"].sent
    reopened_mail = [m for m in mails if "Reabierto" in (m.subject or "")]
    assert len(reopened_mail) == 1 and reopened_mail[0].to == "marta@example.es"
    assert [m.text for m in runtime.transports["sms"].sent if "reabierto" in m.text] != []


def test_yes_records_the_recovery_and_leaves_the_case_closed(runtime):
    asking_team(runtime)
    case_id = close_resolved(runtime, customer(), WEDNESDAY)
    runtime.run_recovery()
    request_id = request_id_in(sent(runtime)[0])
    answer_recovery(uow=runtime.uow(), request_id=request_id, answer=read_answer("yes", "9", None), now=WEDNESDAY)
    view = get_case(uow=runtime.uow(), case_id=case_id)
    assert view.case.status == "closed" and not [n for n in view.notifications if n.kind.startswith("reopened")]
    [request] = requests_of(runtime, case_id)
    assert request.solved is True and request.new_score == 9 and not request.reopened


def test_a_second_close_within_thirty_days_sends_nothing_and_one_after_does(runtime):
    asking_team(runtime)
    ana = customer()
    first = close_resolved(runtime, ana, WEDNESDAY)
    runtime.run_recovery()
    act_on_case(uow=runtime.uow(), case_id=first, action=Action.REOPEN, actor="Marta", now=WEDNESDAY)
    again = WEDNESDAY + timedelta(days=29)
    at(runtime, again)
    act_on_case(
        uow=runtime.uow(), case_id=first, action=Action.CLOSE, actor="Marta", now=again, outcome=Outcome.RESOLVED
    )
    runtime.run_recovery()
    assert [r.reason for r in requests_of(runtime, first)] == [None, "recent"] and len(sent(runtime)) == 1

    third = close_resolved(runtime, ana, WEDNESDAY + timedelta(days=31))
    runtime.run_recovery()
    assert requests_of(runtime, third)[0].state == RecoveryState.SENT and len(sent(runtime)) == 2


def test_an_opted_out_customer_is_never_contacted_again(runtime):
    asking_team(runtime)
    ana = customer()
    first = close_resolved(runtime, ana, WEDNESDAY)
    runtime.run_recovery()
    request_id = request_id_in(sent(runtime)[0])
    assert opt_out(uow=runtime.uow(), request_id=request_id, now=WEDNESDAY)
    assert opt_out(uow=runtime.uow(), request_id=request_id, now=WEDNESDAY + timedelta(hours=1))  # idempotent

    later = close_resolved(runtime, ana, WEDNESDAY + timedelta(days=90))
    runtime.run_recovery()
    assert requests_of(runtime, later)[0].reason == "opted_out" and len(sent(runtime)) == 1
    assert requests_of(runtime, first)[0].sent_at is not None


def test_an_opt_out_between_planning_and_sending_is_honoured_at_once(runtime):
    asking_team(runtime)
    ana = customer()
    sunday = datetime(2026, 11, 29, 12, 0, tzinfo=BOGOTA)
    first = close_resolved(runtime, ana, WEDNESDAY - timedelta(days=60))
    runtime.run_recovery()
    request_id = request_id_in(sent(runtime)[0])
    held = close_resolved(runtime, ana, sunday)
    runtime.run_recovery()  # planned for Monday
    opt_out(uow=runtime.uow(), request_id=request_id, now=sunday)
    at(runtime, sunday + timedelta(days=1))
    runtime.run_recovery()
    assert requests_of(runtime, held)[0].reason == "opted_out" and len(sent(runtime)) == 1
    assert requests_of(runtime, first)[0].sent_at is not None


def test_a_colombian_sunday_closure_is_held_until_monday_seven_in_bogota(runtime):
    asking_team(runtime)
    sunday = datetime(2026, 11, 29, 11, 0, tzinfo=BOGOTA)
    case_id = close_resolved(runtime, customer(), sunday)
    runtime.run_recovery()
    [request] = requests_of(runtime, case_id)
    monday_seven = datetime(2026, 11, 30, 7, 0, tzinfo=BOGOTA)
    assert request.state == RecoveryState.SCHEDULED and request.due_at == monday_seven and sent(runtime) == []
    at(runtime, monday_seven - timedelta(minutes=1))
    assert runtime.run_recovery().sent == 0
    at(runtime, monday_seven)
    assert runtime.run_recovery().sent == 1


def test_a_message_due_in_the_window_but_sent_after_it_closes_is_held_to_the_next_opening(runtime):
    asking_team(runtime)
    friday = datetime(2026, 12, 4, 18, 55, tzinfo=BOGOTA)
    case_id = close_resolved(runtime, customer(), friday)
    [request] = requests_of(runtime, case_id)
    assert plan(uow=runtime.uow(), rules=runtime.recovery_rules(), request_id=request.id, now=friday) == "planned"
    at(runtime, friday + timedelta(minutes=15))  # the beat that would send it runs at 19:10, after the window
    done = runtime.run_recovery()
    [request] = requests_of(runtime, case_id)
    assert (done.held, done.sent) == (1, 0) and sent(runtime) == []
    assert request.due_at == datetime(2026, 12, 5, 8, 0, tzinfo=BOGOTA)  # Saturday's opening


def test_sms_goes_only_with_recorded_consent_and_only_without_an_email(runtime):
    asking_team(runtime)
    consented = close_resolved(
        runtime, customer(email=None), WEDNESDAY, attributes={"sms_consent": "yes"}, language="en"
    )
    silent = close_resolved(runtime, customer(email=None), WEDNESDAY)
    runtime.run_recovery()
    [sms] = sent(runtime, "sms")
    assert sms.to == "+573001234567" and "Did we solve your problem?" in sms.text
    assert sms_text.fits(sms.text) and sms.text.count("https://") == 1  # two segments: the opt-out is on its page
    assert requests_of(runtime, consented)[0].channel == "sms"
    assert requests_of(runtime, silent)[0].reason == "no_address"


def test_without_a_link_secret_nothing_is_sent(runtime):
    asking_team(runtime, links=False)
    case_id = close_resolved(runtime, customer(), WEDNESDAY)
    runtime.run_recovery()
    assert requests_of(runtime, case_id)[0].reason == "links_disabled" and sent(runtime) == []


def test_an_unanswered_link_expires_and_then_answers_nothing(runtime):
    asking_team(runtime)
    case_id = close_resolved(runtime, customer(), WEDNESDAY)
    runtime.run_recovery()
    request_id = request_id_in(sent(runtime)[0])
    at(runtime, WEDNESDAY + timedelta(days=14))
    assert runtime.run_recovery().expired == 1
    page = answer_recovery(
        uow=runtime.uow(), request_id=request_id, answer=read_answer("no", "", None), now=runtime.clock()
    )
    assert page.stage == Stage.EXPIRED and get_case(uow=runtime.uow(), case_id=case_id).case.status == "closed"


@pytest.mark.parametrize(
    ("script", "state", "attempts"), [(["transient", "ok"], "sent", 2), (["permanent"], "failed", 1)]
)
def test_a_failing_channel_is_retried_or_recorded(runtime, script, state, attempts):
    asking_team(runtime)
    runtime.transports["email"].script["ana@example.co"] = script
    case_id = close_resolved(runtime, customer(), WEDNESDAY)
    runtime.run_recovery()
    at(runtime, WEDNESDAY + timedelta(minutes=10))
    runtime.run_recovery()
    [request] = requests_of(runtime, case_id)
    assert request.state == state and request.attempts == attempts


def test_an_answer_when_the_customer_has_another_case_open_is_kept_without_reopening(runtime):
    asking_team(runtime)
    ana = customer()
    case_id = close_resolved(runtime, ana, WEDNESDAY)
    runtime.run_recovery()
    request_id = request_id_in(sent(runtime)[0])
    at(runtime, WEDNESDAY + timedelta(hours=1))
    ingest(runtime, customer=ana, score=1)
    drain(runtime)
    page = answer_recovery(
        uow=runtime.uow(), request_id=request_id, answer=read_answer("no", "2", None), now=runtime.clock()
    )
    assert page.stage == Stage.ANSWERED
    assert get_case(uow=runtime.uow(), case_id=case_id).case.status == "closed"
    [request] = requests_of(runtime, case_id)
    assert request.solved is False and not request.reopened


def test_erasing_the_customer_erases_their_answer_and_keeps_their_opt_out(runtime):
    asking_team(runtime)
    ana = customer()
    case_id = close_resolved(runtime, ana, WEDNESDAY)
    runtime.run_recovery()
    request_id = request_id_in(sent(runtime)[0])
    answer_recovery(
        uow=runtime.uow(), request_id=request_id, answer=read_answer("yes", "8", "Gracias Marta"), now=WEDNESDAY
    )
    opt_out(uow=runtime.uow(), request_id=request_id, now=WEDNESDAY)
    erase_customer(uow=runtime.uow(), customer_id=ana["id"], actor="dpo", now=WEDNESDAY + timedelta(days=1))
    [request] = requests_of(runtime, case_id)
    assert request.comment is None and request.erased_at is not None and ana["id"] not in request.customer_key
    assert show_recovery(uow=runtime.uow(), request_id=request_id, now=WEDNESDAY).stage == Stage.GONE
    with runtime.uow() as uow:
        assert uow.recovery.opted_out(f"shop:{ana['id']}")  # kept as a digest: the customer is not named
        keys = list(uow.session.scalars(sa.text("SELECT customer_key FROM recovery_opt_outs")))
    assert keys and all(ana["id"] not in key for key in keys)
    later = close_resolved(runtime, ana, WEDNESDAY + timedelta(days=60))
    runtime.run_recovery()
    assert requests_of(runtime, later)[0].reason == "opted_out"


def test_the_reopened_alert_has_a_headline_on_whatsapp_too():
    from npsloop.domain.notifications import AlertKind
    from npsloop.services.whatsapp_alert import template_variables

    kind = AlertKind.parse(AlertKind.reopened(7).key)
    assert kind == AlertKind.reopened(7) and kind.key == "reopened:7"
    values = template_variables(kind, case_id=3, score=2, themes=(), comment=None, language="es")
    assert values[0] == "Caso reabierto por el cliente"


def test_the_customers_export_holds_their_recovery_answer_and_opt_out(runtime):
    from npsloop.services.subject_access import export_customer

    asking_team(runtime)
    ana = customer()
    close_resolved(runtime, ana, WEDNESDAY)
    runtime.run_recovery()
    request_id = request_id_in(sent(runtime)[0])
    answer = read_answer("yes", "8", "Todo bien")
    answer_recovery(uow=runtime.uow(), request_id=request_id, answer=answer, now=WEDNESDAY)
    opt_out(uow=runtime.uow(), request_id=request_id, now=WEDNESDAY)
    found = export_customer(uow=runtime.uow(), customer_id=ana["id"], now=WEDNESDAY)
    [request] = found["recovery"]["requests"]
    assert request["comment"] == "Todo bien" and request["new_score"] == 8 and request["channel"] == "email"
    assert found["recovery"]["opted_out"] is True


def test_a_question_not_sent_within_a_week_of_the_closure_is_no_longer_asked(runtime):
    asking_team(runtime)
    sunday = datetime(2026, 11, 29, 11, 0, tzinfo=BOGOTA)
    case_id = close_resolved(runtime, customer(), sunday)
    runtime.run_recovery()  # planned for Monday 07:00; the beat then stays down for eight days
    at(runtime, sunday + timedelta(days=8))
    runtime.run_recovery()
    assert requests_of(runtime, case_id)[0].reason == "stale" and sent(runtime) == []


def test_an_answer_given_while_the_message_is_still_being_sent_is_kept(runtime):
    """The customer can be quicker than the record of the send: the page answers while the row is claimed, and
    recording the send afterwards must not turn the answer back into an open question."""
    asking_team(runtime)
    case_id = close_resolved(runtime, customer(), WEDNESDAY)
    email = runtime.transports["email"]
    answered = []

    class CustomerQuickerThanTheRecord:
        def send(self, message):
            receipt = email.send(message)
            page = answer_recovery(
                uow=runtime.uow(), request_id=request_id_in(message), answer=read_answer("no", "3", None), now=WEDNESDAY
            )
            answered.append(page.stage)
            return receipt

    runtime.transports["email"] = CustomerQuickerThanTheRecord()
    assert runtime.run_recovery().sent == 1
    runtime.transports["email"] = email

    assert answered == [Stage.ANSWERED]
    [request] = requests_of(runtime, case_id)
    assert request.state == RecoveryState.ANSWERED and request.solved is False and request.new_score == 3
    assert request.sent_at == WEDNESDAY and request.reopened
    request_id = request_id_in(sent(runtime)[0])
    later = answer_recovery(
        uow=runtime.uow(), request_id=request_id, answer=read_answer("yes", "", None), now=WEDNESDAY
    )
    assert later.stage == Stage.ANSWERED and later.solved is False  # the first answer stays


def test_a_customer_whose_zones_never_share_an_allowed_hour_is_skipped_and_blocks_nobody(runtime):
    """A toll-free +1 number spans Alaska to the Atlantic; with a one-hour window for the US no moment suits every
    zone. That request is skipped with its reason, and the customers after it are still asked."""
    asking_team(runtime)
    runtime.settings.recovery_contact_hours = {**runtime.settings.recovery_contact_hours, "US": "sat 10:00-11:00"}
    spread = close_resolved(
        runtime, customer(email=None, phone="+18005550123"), WEDNESDAY, attributes={"sms_consent": "yes"}
    )
    after = close_resolved(runtime, customer(), WEDNESDAY)
    done = runtime.run_recovery()
    assert requests_of(runtime, spread)[0].state == "skipped"
    assert requests_of(runtime, spread)[0].reason == "no_window"
    assert requests_of(runtime, after)[0].state == "sent" and done.sent == 1


def test_an_unexpected_error_sending_one_question_neither_stops_the_others_nor_retries_for_ever(runtime):
    asking_team(runtime)
    email = runtime.transports["email"]
    real_send = email.send

    def breaks_for_bea(message):
        if message.to == "bea@example.co":
            raise RuntimeError("a bug in a channel")
        return real_send(message)

    email.send = breaks_for_bea
    bea = close_resolved(runtime, customer(email="bea@example.co"), WEDNESDAY)
    ana = close_resolved(runtime, customer(), WEDNESDAY)
    run = runtime.run_recovery()
    assert run.sent == 1 and [m.to for m in sent(runtime)] == ["ana@example.co"]  # Ana's went, after Bea's broke
    assert requests_of(runtime, ana)[0].state == RecoveryState.SENT
    lease = runtime.recovery_rules().lease
    for attempt in range(1, 12):
        at(runtime, WEDNESDAY + attempt * (lease + timedelta(seconds=1)))
        runtime.run_recovery()
    [request] = requests_of(runtime, bea)
    assert request.state == RecoveryState.FAILED and request.reason == "unreachable"
    assert request.attempts == runtime.policy.max_attempts  # tried again after each lease, then given up
