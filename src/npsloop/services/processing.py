"""Classifying a stored response: a detractor opens a case (or joins its customer's open one), and the
case's alerts are written as notification rows in the same transaction, before anything is sent."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from npsloop.domain.cases import Case, EventKind
from npsloop.domain.directory import Agent, Team
from npsloop.domain.notifications import AlertKind, Channel, Notification
from npsloop.domain.responses import Response, ResponseStatus
from npsloop.domain.risk import Risk
from npsloop.domain.routing import recipients, team_for
from npsloop.domain.rules import Priority, route
from npsloop.domain.scores import Category
from npsloop.domain.sla import BusinessCalendar
from npsloop.domain.theme_tags import negative_themes
from npsloop.logs import add_to_context
from npsloop.metrics import CASES_OPENED, RESPONSES_PROCESSED
from npsloop.services.deadletters import record_processing_failure
from npsloop.services.risk import assess_risk
from npsloop.services.routing_cache import RoutingSnapshot, routing_snapshot
from npsloop.services.schedules import calendar_for, sla_for
from npsloop.services.tagging import Models, tag_response
from npsloop.services.unit_of_work import Conflict, StoreUnavailable, UnitOfWork
from npsloop.services.work_messages import SendNotification

if TYPE_CHECKING:  # the model module imports scikit-learn, which only a tagging process loads
    from npsloop.tagging.default_model import NamedTagger

log = logging.getLogger(__name__)


class ResponseNotFound(LookupError):
    pass


def handle_response(*, uow: UnitOfWork, models: Models, response_id: int, now: datetime) -> None:
    """The alerts of a case it opens go to the queue when this commits. Running it twice opens nothing twice:
    the response's row is locked while it is processed, and its status and the one-open-case-per-customer index
    make the second run a no-op that queues the case's unsent alerts again (the first run may have died between
    its commit and the queue). The comment is tagged first, in the same transaction, so routing can read its
    themes, and a detractor's risk is assessed before routing, so a rule can match on it; a processed response
    whose comment changed since (a late comment) is only tagged again."""
    for _ in range(3):
        try:
            with uow:
                response = uow.responses.get(response_id, lock=True)
                if response is None:
                    raise ResponseNotFound(f"response {response_id} does not exist")
                done = _process(uow, models, response, now, _Reads.of(uow, models))
                uow.commit()
            _processed(done)
            return
        except Conflict:
            # Another worker opened this customer's case a moment ago; the next pass joins it.
            continue
    raise RuntimeError(f"response {response_id}: the customer's case kept changing under us")


def handle_waiting(
    *, uow: UnitOfWork, models: Models, response_id: int | None, now: datetime, limit: int, failure_limit: int
) -> int:
    """Processes `response_id` (None: only the waiting ones) and, when others wait for a worker (responses arrive
    faster than the workers take them), up to `limit` - 1 of them with it, in one transaction: the cost of a task
    and a commit is shared by the batch, so the cost per response falls as the load rises. Returns how many the
    batch claimed; `limit` means more may wait. A batch that cannot commit (another worker just opened one of
    these customers' case, or one response fails) is rolled back and its responses processed one by one, so one
    bad response never holds up or fails the others: a failure is counted on its own response (quarantined at
    `failure_limit`), except `response_id`'s, which is raised to its task as when it is processed alone."""
    claimed: list[int] = []
    try:
        with uow:
            batch = uow.responses.claim_waiting(response_id, limit)
            claimed = [r.id for r in batch if r.id is not None]
            done: list[_Done | None] = []
            if batch:
                reads = _Reads.of(uow, models)
                done = [_process(uow, models, response, now, reads) for response in batch]
            uow.commit()
    except StoreUnavailable:
        raise
    except Exception:
        if not claimed:
            raise
        if len(claimed) > 1:
            log.warning("a batch of responses failed; processing them one by one", extra={"responses": len(claimed)})
        # One by one, each in its own transaction: a conflict (another worker just opened this customer's case)
        # is then joined, as when the response is processed alone.
        _one_by_one(uow, models, claimed, response_id, now, failure_limit)
        return len(claimed)
    for each in done:
        _processed(each)
    if response_id is not None and response_id not in claimed:
        # Already processed (a redelivered task), or another worker's batch has it: wait for it and see.
        handle_response(uow=uow, models=models, response_id=response_id, now=now)
    return len(claimed)


def _one_by_one(
    uow: UnitOfWork, models: Models, claimed: list[int], response_id: int | None, now: datetime, failure_limit: int
) -> None:
    """The others first, each failure counted on its own response; the task's own response last, its failure
    raised to its task."""
    for other in claimed:
        if other == response_id:
            continue
        try:
            handle_response(uow=uow, models=models, response_id=other, now=now)
        except StoreUnavailable:
            raise
        except Exception as error:
            record_processing_failure(
                uow=uow, response_id=other, error=f"{type(error).__name__}: {error}", now=now, limit=failure_limit
            )
    if response_id is not None:
        handle_response(uow=uow, models=models, response_id=response_id, now=now)


@dataclass(frozen=True)
class _Done:
    """What a processed response leaves to say once its transaction has committed."""

    response: Response
    team: str | None
    opened: bool


@dataclass(frozen=True)
class _Reads:
    """What every response of a transaction is processed with, read once for all of them: the comment model in
    force and the routing (each one indexed row; the model's bytes and the rules are kept by the process)."""

    model: NamedTagger
    routing: RoutingSnapshot

    @classmethod
    def of(cls, uow: UnitOfWork, models: Models) -> _Reads:
        return cls(models.current(uow), routing_snapshot(uow))


def _process(uow: UnitOfWork, models: Models, response: Response, now: datetime, reads: _Reads) -> _Done | None:
    """Inside the caller's transaction; None when the response was processed before (a redelivered task)."""
    if response.status == ResponseStatus.PROCESSED:
        if response.theme_state is None:
            tag_response(uow=uow, models=models, response=response, now=now, model=reads.model)
        for notification_id in uow.notifications.pending_for_case(response.case_id) if response.case_id else []:
            uow.emit(SendNotification(notification_id))
        return None
    themes = negative_themes(tag_response(uow=uow, models=models, response=response, now=now, model=reads.model))
    detractor = response.category is Category.DETRACTOR and response.case_id is None
    risk = assess_risk(uow=uow, response=response, themes=themes, now=now) if detractor else None
    routed = route_response(reads.routing, response, themes, risk.score if risk else None)
    response.team_id = routed.team.id if routed.team else None
    opened = False
    if detractor:
        opened = _open_or_join(uow, response, routed, risk, now)
    response.status = ResponseStatus.PROCESSED
    response.processed_at = now
    return _Done(response, routed.team.name if routed.team else None, opened)


def _processed(done: _Done | None) -> None:
    if done is None:
        return
    response = done.response
    RESPONSES_PROCESSED.labels(response.category.value, response.survey_type).inc()
    add_to_context(case_id=response.case_id)
    if done.opened:
        CASES_OPENED.labels(done.team or "").inc()
    log.info(
        "response processed",
        extra={"response_id": response.id, "category": response.category.value, "case_id": response.case_id},
    )


def _open_or_join(uow: UnitOfWork, response: Response, routed: Routed, risk: Risk | None, now: datetime) -> bool:
    """True when a new case was opened (rather than joined, or none by a rule's say)."""
    case = uow.cases.open_for_customer(response.customer_key)
    if case is not None:
        case.record(EventKind.RESPONSE_JOINED, at=now, data={"response": response.ref, "score": response.score})
        response.case_id = case.id
        response.team_id = case.team_id  # the response counts where its case is worked
        return False
    team, priority, rule_name = routed.team, routed.priority, routed.rule
    if not routed.open_case:
        log.info("routing rule says no case", extra={"response_id": response.id, "rule": rule_name})
        return False
    case = Case.open(
        customer_key=response.customer_key,
        team_id=team.id if team else None,
        at=now,
        response_ref=response.ref,
        touchpoint=response.touchpoint,
    )
    case.priority, case.rule = priority, rule_name
    if risk is not None:
        case.risk, case.risk_reasons, case.risk_model = risk.score, list(risk.reasons), risk.model
    calendar = calendar_for(team, now) if team else None
    if calendar is not None and team is not None:
        due = sla_for(team, priority, calendar)
        case.acknowledge_due_at = calendar.add(now, due["acknowledge"])
        case.contact_due_at = calendar.add(now, due["contact"])
        case.close_due_at = calendar.add(now, due["close"])
    uow.cases.add(case)
    uow.flush()  # the partial unique index speaks here if another worker just opened this customer's case
    assert case.id is not None
    response.case_id = case.id
    pairs, hold_until = _who_and_when(uow, case, team, calendar, now)
    for agent, channel in pairs:
        assert agent.id is not None
        held = None if agent.on_call and agent.on_duty(now) else hold_until
        uow.notifications.add(
            Notification(
                case_id=case.id,
                agent_id=agent.id,
                channel=channel,
                kind=AlertKind.case_opened().key,
                created_at=now,
                next_attempt_at=held,
                held_until=held,  # released at the team's opening, not a reconciler's delay after it
            )
        )
    return True


@dataclass(frozen=True)
class Routed:
    """Where a response belongs: the team it counts towards in reports and, for a detractor, whether and
    how a case opens."""

    team: Team | None
    priority: Priority = Priority.NORMAL
    rule: str | None = None
    open_case: bool = True


def route_response(
    snapshot: RoutingSnapshot, response: Response, themes: tuple[str, ...], risk: float | None
) -> Routed:
    """Routing rules when loaded; otherwise the team that owns the touchpoint, else the default team. `themes`:
    the comment's negative themes; `risk`: of the case the response would open (None: it opens none). Also what
    the dashboard's routing preview (services.routing_preview) runs on a sample, with the rules being edited."""
    owner = team_for(response.touchpoint, snapshot.teams)
    if not snapshot.rules:
        return Routed(owner)
    rule = route(snapshot.rules, response, themes, risk)
    if rule is None:
        return Routed(owner, open_case=False)
    team = snapshot.team_named(rule.team) if rule.team else owner
    return Routed(team, rule.priority, rule.name, rule.open_case)


def _who_and_when(
    uow: UnitOfWork, case: Case, team: Team | None, calendar: BusinessCalendar | None, now: datetime
) -> tuple[list[tuple[Agent, Channel]], datetime | None]:
    """On-duty agents now; outside business hours, the after-hours contact now, or everyone at the opening (agents
    on call, now). Each alert then waits for its agent's own working hours when it is sent (services.off_hours)."""
    agents = uow.directory.agents(team.id) if team and team.id is not None else []
    if calendar is None or team is None or calendar.is_open(now):
        pairs = recipients(agents, now)
        if not pairs:
            why = "no team owns this touchpoint and there is no default team" if team is None else "no reachable agent"
            case.record(EventKind.UNROUTED, at=now, note=why)
            log.warning("case opened with nobody to alert", extra={"case_id": case.id, "reason": why})
        return pairs, None
    on_call = [a for a in agents if a.on_call and a.on_duty(now)]  # on call for the team's after-hours: now
    contact = uow.directory.agent(team.after_hours_agent_id) if team.after_hours_agent_id else None
    if team.after_hours == "contact" and contact is not None:
        reached = [contact, *(a for a in on_call if a.id != contact.id)]
        names = ", ".join(a.name for a in reached)
        case.record(EventKind.AFTER_HOURS, at=now, note=f"outside business hours: alerting {names}, on call")
        return recipients(reached), None
    opening = calendar.next_open(now)
    local = opening.astimezone(calendar.zone).strftime("%a %d %b %H:%M %Z")
    note = f"outside business hours: alerts queued until {local}"
    if on_call:
        note += f"; alerting {', '.join(a.name for a in on_call)} now, on call"
    case.record(EventKind.AFTER_HOURS, at=now, note=note)
    return recipients(agents, opening), opening
