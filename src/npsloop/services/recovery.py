"""The recovery follow-up: a resolved closure that the team's setting asks about becomes a request row in the
closing transaction; a beat job plans it (opted out? asked within the quiet period? which channel? when does the
customer's country allow it?) and sends it when it falls due, claimed before it is sent as alerts are. The
customer's answer is services.recovery_answers."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import phonenumbers
from phonenumbers import timezone as phone_zones

from npsloop.domain.cases import SYSTEM_ACTOR, Case, CaseEvent, EventKind
from npsloop.domain.notifications import Channel, RetryPolicy
from npsloop.domain.recovery import (
    DEFAULT_CONTACT_HOURS,
    RecoveryPolicy,
    RecoveryRequest,
    RecoveryState,
    Skip,
    asks,
    next_contact,
    parse_contact_hours,
)
from npsloop.domain.responses import Response
from npsloop.domain.scores import Category, classify
from npsloop.domain.sla import Interval
from npsloop.notify.base import OutboundMessage, PermanentDeliveryError, TransientDeliveryError, Transport
from npsloop.notify.render import Renderer
from npsloop.recovery_links import LinkKind
from npsloop.services.customer_time import customer_zones
from npsloop.services.schedules import country_holidays
from npsloop.services.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)
BATCH = 200
CONSENTED = ("yes", "true", "1", "si", "sí", "y")


@dataclass(frozen=True)
class RecoveryRules:
    """The installation's rules (settings), as the services read them."""

    quiet_days: int = 30
    link_days: int = 14
    opt_out_days: int = 730
    contact_hours: Mapping[str, Mapping[int, list[Interval]]] = field(
        default_factory=lambda: parse_contact_hours(DEFAULT_CONTACT_HOURS)
    )
    default_country: str = "CO"
    sms_consent: str = "sms_consent"  # the response attribute that records the customer's consent to SMS
    whatsapp_consent: str = "whatsapp_consent"  # ... and to WhatsApp
    whatsapp_languages: frozenset[str] = frozenset()  # those with an approved template: WhatsApp is possible
    links: bool = True  # a link secret is set: without one a message could not carry its question
    lease: timedelta = timedelta(minutes=10)  # a claim older than this was a sender that died


@dataclass(frozen=True)
class RecoverySending:
    transports: Mapping[Channel, Transport]
    renderer: Renderer
    policy: RetryPolicy
    public_url: str
    token: Callable[[int, LinkKind, datetime], str]  # (request, kind, expires) -> signed token


@dataclass(frozen=True)
class RecoveryRun:
    planned: int = 0
    sent: int = 0
    held: int = 0
    skipped: int = 0
    failed: int = 0
    expired: int = 0


def request_recovery(*, uow: UnitOfWork, case: Case, now: datetime) -> RecoveryRequest | None:
    """In the closing transaction: a row for this closure when the team asks, planned later by the beat."""
    if case.id is None or case.closed_at is None or case.team_id is None:
        return None
    team = uow.directory.team(case.team_id)
    if team is None or team.recovery is RecoveryPolicy.OFF:
        return None
    if team.recovery is RecoveryPolicy.THEMES:
        detractor = any(classify(r.score) is Category.DETRACTOR for r in uow.responses.for_case(case.id))
        themes = [tag.theme for tag in uow.tags.of_case(case.id)]
        if not asks(team.recovery, team.recovery_themes, detractor=detractor, case_themes=themes):
            return None
    if uow.recovery.for_closure(case.id, case.closed_at) is not None:
        return None
    request = RecoveryRequest(
        case_id=case.id, customer_key=case.customer_key, closed_at=case.closed_at, created_at=now, team_id=team.id
    )
    uow.recovery.add(request)
    return request


def run_recovery(*, uow: UnitOfWork, rules: RecoveryRules, sending: RecoverySending, now: datetime) -> RecoveryRun:
    """The beat job: expire unanswered links, plan new requests, send the due ones."""
    with uow:
        expired = uow.recovery.expire(now)
        uow.commit()
    with uow:
        unplanned = uow.recovery.unplanned(BATCH)
    outcomes = [plan(uow=uow, rules=rules, request_id=rid, now=now) for rid in unplanned]
    with uow:
        due = uow.recovery.due(now, rules.lease, BATCH)
    outcomes += [send(uow=uow, rules=rules, sending=sending, request_id=rid, now=now) for rid in due]
    return RecoveryRun(
        planned=len(unplanned),
        sent=outcomes.count("sent"),
        held=outcomes.count("held"),
        skipped=outcomes.count("skipped"),
        failed=outcomes.count("failed"),
        expired=expired,
    )


def plan(*, uow: UnitOfWork, rules: RecoveryRules, request_id: int, now: datetime) -> str:
    """Decides once: skipped (and why), or scheduled for the first allowed moment."""
    with uow:
        request = uow.recovery.get(request_id, lock=True)
        if request is None or request.state is not RecoveryState.SCHEDULED or request.due_at is not None:
            return "none"
        latest = _latest(uow.responses.for_case(request.case_id))
        reason = _why_not(uow, rules, request, latest, now)
        if reason is not None or latest is None:
            request.state, request.reason = RecoveryState.SKIPPED, (reason or Skip.NO_ADDRESS).value
            uow.commit()
            return "skipped"
        channel = _channel(latest, rules)
        request.channel = channel.value if channel else None
        request.language = (latest.language or "")[:16] or None
        request.due_at = contact_moment(latest, rules, now)
        uow.commit()
        return "planned"


def send(*, uow: UnitOfWork, rules: RecoveryRules, sending: RecoverySending, request_id: int, now: datetime) -> str:
    """Claimed and committed before the provider is called: a second beat finds it claimed and sends nothing."""
    with uow:
        request = uow.recovery.get(request_id, lock=True)
        if request is None or request.state is not RecoveryState.SCHEDULED or request.due_at is None:
            return "none"
        latest = _latest(uow.responses.for_case(request.case_id))
        erased = latest is None or latest.erased_at is not None
        if erased or uow.recovery.opted_out(request.customer_key):  # honoured up to the last moment
            request.state, request.reason = RecoveryState.SKIPPED, (Skip.ERASED if erased else Skip.OPTED_OUT).value
            uow.commit()
            return "skipped"
        assert latest is not None
        allowed = contact_moment(latest, rules, now)
        if allowed > now:  # the beat ran late, past the window's end: held to the next opening
            request.due_at = allowed
            uow.commit()
            return "held"
        if not uow.recovery.claim(request_id, now=now, lease=rules.lease):
            return "none"
        uow.commit()
        message = _message(sending, rules, request, latest, now)
    transport = sending.transports[Channel(request.channel or Channel.EMAIL)]
    try:
        transport.send(message)
    except TransientDeliveryError as error:
        return _retry(uow, sending, request_id, now, error)
    except PermanentDeliveryError as error:
        _finish(uow, request_id, RecoveryState.FAILED, now, reason="refused")
        log.warning("recovery message refused", extra={"recovery_request": request_id, "error": str(error)[:200]})
        return "failed"
    _finish(uow, request_id, RecoveryState.SENT, now, expires=now + timedelta(days=rules.link_days))
    return "sent"


def contact_moment(latest: Response, rules: RecoveryRules, now: datetime) -> datetime:
    """The first moment from `now` the customer's country allows, in each of their zones."""
    country = customer_country(latest, rules)
    hours = rules.contact_hours.get(country) or rules.contact_hours[rules.default_country]
    zones = customer_zones(latest.customer_phone, latest.attributes) or country_zones(country)
    holidays: frozenset[date] = frozenset()
    try:
        holidays = country_holidays(country, now.year) | country_holidays(country, now.year + 1)
    except ValueError:
        log.warning("no holiday calendar for the customer's country", extra={"country": country})
    return next_contact(now, zones, hours, holidays)


def customer_country(latest: Response, rules: RecoveryRules) -> str:
    """The `country` attribute if the integration maps one, else the phone number's, else the default."""
    named = latest.attributes.get("country")
    if isinstance(named, str) and len(named.strip()) == 2 and named.strip().isalpha():
        return named.strip().upper()
    if latest.customer_phone:
        try:
            region = phonenumbers.region_code_for_number(phonenumbers.parse(latest.customer_phone, None))
        except phonenumbers.NumberParseException:
            region = None
        if region and region != "ZZ":
            return str(region)
    return rules.default_country


def country_zones(country: str) -> list[str]:
    """A country's zones as its numbers have them (Colombia: America/Bogota)."""
    example = phonenumbers.example_number_for_type(country, phonenumbers.PhoneNumberType.FIXED_LINE)
    zones = [z for z in phone_zones.time_zones_for_number(example)] if example else []
    return [z for z in zones if z != "Etc/Unknown"] or ["UTC"]


def _why_not(
    uow: UnitOfWork, rules: RecoveryRules, request: RecoveryRequest, latest: Response | None, now: datetime
) -> Skip | None:
    assert request.id is not None
    if latest is None or latest.erased_at is not None:
        return Skip.ERASED
    if uow.recovery.opted_out(request.customer_key):
        return Skip.OPTED_OUT
    if not rules.links:
        return Skip.LINKS_DISABLED
    if _channel(latest, rules) is None:
        return Skip.NO_ADDRESS
    since = now - timedelta(days=rules.quiet_days)
    if uow.recovery.contacted_since(request.customer_key, since, other_than=request.id):
        return Skip.RECENT
    return None


def _channel(latest: Response, rules: RecoveryRules) -> Channel | None:
    """Email when there is one; else WhatsApp, then SMS, each only with the customer's recorded consent (and
    WhatsApp only where a template of their language may start the conversation)."""
    if latest.customer_email:
        return Channel.EMAIL
    if not latest.customer_phone:
        return None
    if _consented(latest, rules.whatsapp_consent) and language_of(latest.language) in rules.whatsapp_languages:
        return Channel.WHATSAPP
    if _consented(latest, rules.sms_consent):
        return Channel.SMS
    return None


def _consented(latest: Response, attribute: str) -> bool:
    consent = latest.attributes.get(attribute)
    return consent is True or str(consent).strip().lower() in CONSENTED


def language_of(wanted: str | None) -> str:
    """The language a message goes in, as the renderer picks it: es or en."""
    base = (wanted or "en").split("-")[0].lower()
    return base if base in ("es", "en") else "en"


def _latest(responses: list[Response]) -> Response | None:
    return max(responses, key=lambda r: (r.responded_at, r.id or 0)) if responses else None


def _message(
    sending: RecoverySending, rules: RecoveryRules, request: RecoveryRequest, latest: Response, now: datetime
) -> OutboundMessage:
    assert request.id is not None
    base = sending.public_url.rstrip("/") + "/v1/recovery"
    answer = sending.token(request.id, LinkKind.ANSWER, now + timedelta(days=rules.link_days))
    opt_out = sending.token(request.id, LinkKind.OPT_OUT, now + timedelta(days=rules.opt_out_days))
    answer_url = f"{base}/{answer}"
    context = {
        "yes_url": f"{answer_url}?answer=yes",
        "no_url": f"{answer_url}?answer=no",
        "answer_url": answer_url,
        "opt_out_url": f"{base}/optout/{opt_out}",
        "days": rules.link_days,
    }
    reference = f"r{request.id}"
    if request.channel in (Channel.SMS, Channel.WHATSAPP):
        text = sending.renderer.sms("recovery", request.language, context)
        if request.channel == Channel.SMS:
            return OutboundMessage(channel="sms", to=latest.customer_phone or "", text=text, reference=reference)
        return OutboundMessage(  # a business starts a WhatsApp conversation only with an approved template
            channel="whatsapp",
            to=latest.customer_phone or "",
            text=text,
            reference=reference,
            window_open=False,
            language=language_of(request.language),
            variables=(answer_url,),
        )
    email = sending.renderer.email("recovery", request.language, context)
    return OutboundMessage(
        channel="email",
        to=latest.customer_email or "",
        text=email.text,
        html=email.html,
        subject=email.subject,
        reference=reference,
    )


def _retry(uow: UnitOfWork, sending: RecoverySending, request_id: int, now: datetime, error: Exception) -> str:
    with uow:
        request = uow.recovery.get(request_id, lock=True)
        assert request is not None
        if sending.policy.exhausted(request.attempts):
            request.state, request.reason = RecoveryState.FAILED, "unreachable"
            outcome = "failed"
        else:
            retry_after = getattr(error, "retry_after", None)
            request.due_at = now + timedelta(seconds=sending.policy.delay(request.attempts, retry_after=retry_after))
            request.claimed_at = None
            outcome = "held"
        uow.commit()
    return outcome


def _finish(
    uow: UnitOfWork,
    request_id: int,
    state: RecoveryState,
    now: datetime,
    *,
    reason: str | None = None,
    expires: datetime | None = None,
) -> None:
    with uow:
        request = uow.recovery.get(request_id, lock=True)
        assert request is not None
        request.state, request.reason = state, reason
        if state is RecoveryState.SENT:
            request.sent_at, request.expires_at = now, expires
        kind = EventKind.RECOVERY_SENT if state is RecoveryState.SENT else EventKind.RECOVERY_FAILED
        event = CaseEvent(kind, SYSTEM_ACTOR, now, data={"request": request_id, "channel": request.channel})
        uow.cases.append_event(request.case_id, event)
        uow.commit()
