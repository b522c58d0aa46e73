"""The recovery follow-up: a resolved closure that the team's setting asks about becomes a request row in the
closing transaction; a beat job plans it (opted out? asked within the quiet period? which channel? when does the
customer's country allow it?) and sends it when it falls due, claimed before it is sent as alerts are. The
customer's answer is services.recovery_answers."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from npsloop.domain.cases import SYSTEM_ACTOR, Case, CaseEvent, EventKind
from npsloop.domain.notifications import Channel, RetryPolicy
from npsloop.domain.recovery import (
    RecoveryPolicy,
    RecoveryRequest,
    RecoveryState,
    Skip,
    asks,
)
from npsloop.domain.responses import Response
from npsloop.domain.scores import Category, classify
from npsloop.domain.sla import CalendarError
from npsloop.notify.base import OutboundMessage, PermanentDeliveryError, TransientDeliveryError, Transport
from npsloop.notify.render import Renderer
from npsloop.recovery_links import LinkKind
from npsloop.services.recovery_contact import RecoveryRules, channel_for, contact_moment, language_of, latest_of
from npsloop.services.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)
BATCH = 200
STALE_DAYS = 7  # a question not sent within a week of the closure is no longer asked


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
    outcomes += [_send_one(uow, rules, sending, rid, now) for rid in due]
    return RecoveryRun(
        planned=len(unplanned),
        sent=outcomes.count("sent"),
        held=outcomes.count("held"),
        skipped=outcomes.count("skipped"),
        failed=outcomes.count("failed"),
        expired=expired,
    )


def _send_one(uow: UnitOfWork, rules: RecoveryRules, sending: RecoverySending, request_id: int, now: datetime) -> str:
    """An unexpected error sending one request is that request's alone: the others of the run still go. Its row
    stays claimed (the provider may have taken it) and is tried again after the lease, up to the retry policy's
    attempts."""
    try:
        return send(uow=uow, rules=rules, sending=sending, request_id=request_id, now=now)
    except Exception:
        log.exception("recovery message not sent: unexpected error", extra={"recovery_request": request_id})
        return "error"


def plan(*, uow: UnitOfWork, rules: RecoveryRules, request_id: int, now: datetime) -> str:
    """Decides once: skipped (and why), or scheduled for the first allowed moment."""
    with uow:
        request = uow.recovery.get(request_id, lock=True)
        if request is None or request.state is not RecoveryState.SCHEDULED or request.due_at is not None:
            return "none"
        latest = latest_of(uow.responses.for_case(request.case_id))
        reason = _why_not(uow, rules, request, latest, now)
        if reason is not None or latest is None:
            request.state, request.reason = RecoveryState.SKIPPED, (reason or Skip.NO_ADDRESS).value
            uow.commit()
            return "skipped"
        due = _allowed(latest, rules, now, request)
        if due is None:
            request.state, request.reason = RecoveryState.SKIPPED, Skip.NO_WINDOW.value
            uow.commit()
            return "skipped"
        channel = channel_for(latest, rules)
        request.channel = channel.value if channel else None
        request.language = (latest.language or "")[:16] or None
        request.due_at = due
        uow.commit()
        return "planned"


def send(*, uow: UnitOfWork, rules: RecoveryRules, sending: RecoverySending, request_id: int, now: datetime) -> str:
    """Claimed and committed before the provider is called: a second beat finds it claimed and sends nothing."""
    with uow:
        request = uow.recovery.get(request_id, lock=True)
        if request is None or request.state is not RecoveryState.SCHEDULED or request.due_at is None:
            return "none"
        latest = latest_of(uow.responses.for_case(request.case_id))
        erased = latest is None or latest.erased_at is not None
        if erased or uow.recovery.opted_out(request.customer_key):  # honoured up to the last moment
            request.state, request.reason = RecoveryState.SKIPPED, (Skip.ERASED if erased else Skip.OPTED_OUT).value
            uow.commit()
            return "skipped"
        if now - request.closed_at > timedelta(days=STALE_DAYS):  # a beat that was down for days: too late to ask
            request.state, request.reason = RecoveryState.SKIPPED, Skip.STALE.value
            uow.commit()
            return "skipped"
        assert latest is not None
        allowed = _allowed(latest, rules, now, request)
        if allowed is None:  # the contact hours changed since it was planned, and no moment suits the customer now
            request.state, request.reason = RecoveryState.SKIPPED, Skip.NO_WINDOW.value
            uow.commit()
            return "skipped"
        if allowed > now:  # the beat ran late, past the window's end: held to the next opening
            request.due_at = allowed
            uow.commit()
            return "held"
        if sending.policy.exhausted(request.attempts):  # every attempt died without an answer from the provider
            request.state, request.reason = RecoveryState.FAILED, "unreachable"
            uow.commit()
            return "failed"
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


def _allowed(latest: Response, rules: RecoveryRules, now: datetime, request: RecoveryRequest) -> datetime | None:
    """The customer's first allowed moment, or None when their zones never share an allowed hour (a number
    spanning many zones against a short window): that request is skipped, not left to stop every later one."""
    try:
        return contact_moment(latest, rules, now)
    except CalendarError:
        log.warning("no moment suits every zone of the customer", extra={"recovery_request": request.id})
        return None


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
    if channel_for(latest, rules) is None:
        return Skip.NO_ADDRESS
    since = now - timedelta(days=rules.quiet_days)
    if uow.recovery.contacted_since(request.customer_key, since, other_than=request.id):
        return Skip.RECENT
    return None


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
        if request.state is not RecoveryState.ANSWERED:  # a customer quicker than this record keeps their answer
            request.state, request.reason = state, reason
        if state is RecoveryState.SENT:
            request.sent_at, request.expires_at = now, expires
        kind = EventKind.RECOVERY_SENT if state is RecoveryState.SENT else EventKind.RECOVERY_FAILED
        event = CaseEvent(kind, SYSTEM_ACTOR, now, data={"request": request_id, "channel": request.channel})
        uow.cases.append_event(request.case_id, event)
        uow.commit()
