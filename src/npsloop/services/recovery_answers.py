"""The customer's side of a recovery message: the question page, the answer (recorded once: a second use of the
link shows what was recorded), the reopening it may cause, and the opt-out."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from npsloop.domain.cases import Action, Case, CaseStatus, EventKind
from npsloop.domain.notifications import AlertKind, Notification
from npsloop.domain.recovery import Answer, RecoveryRequest, RecoveryState
from npsloop.services.unit_of_work import Conflict, UnitOfWork

log = logging.getLogger(__name__)
CUSTOMER_ACTOR = "customer"
REVIEWERS = ("supervisor", "head")


class Stage(StrEnum):
    """What the page shows for a link."""

    ASK = "ask"  # the question, with its form
    ANSWERED = "answered"  # the answer recorded (now, or on an earlier use of the link)
    EXPIRED = "expired"
    GONE = "gone"  # no such request, or one never sent (erased, skipped)


@dataclass(frozen=True)
class RecoveryPage:
    stage: Stage
    language: str | None = None
    solved: bool | None = None
    new_score: int | None = None
    comment: str | None = None


def show_recovery(*, uow: UnitOfWork, request_id: int, now: datetime) -> RecoveryPage:
    with uow:
        return _page(uow.recovery.get(request_id), now)


def answer_recovery(*, uow: UnitOfWork, request_id: int, answer: Answer, now: datetime) -> RecoveryPage:
    """Records the first answer; a 'no' or a detractor's score reopens the case (if it is still the closure
    asked about) and alerts its owner once. Any later use of the link changes nothing and shows what was
    recorded. A customer who has another case open by now keeps it: the answer is recorded, nothing reopens."""
    try:
        return _answer(uow, request_id, answer, now, may_reopen=True)
    except Conflict:
        return _answer(uow, request_id, answer, now, may_reopen=False)


def _answer(uow: UnitOfWork, request_id: int, answer: Answer, now: datetime, *, may_reopen: bool) -> RecoveryPage:
    with uow:
        request = uow.recovery.get(request_id, lock=True)
        page = _page(request, now)
        if page.stage is not Stage.ASK or request is None:
            return page
        request.state, request.answered_at = RecoveryState.ANSWERED, now
        request.solved, request.new_score, request.comment = answer.solved, answer.new_score, answer.comment
        case = uow.cases.get(request.case_id)
        if case is not None:
            _on_case(uow, case, request, answer, now, may_reopen=may_reopen)
        uow.commit()
    log.info("recovery answered", extra={"recovery_request": request_id, "reopened": request.reopened})
    return _page(request, now)


def opt_out(*, uow: UnitOfWork, request_id: int, now: datetime) -> bool:
    """Honoured from this moment: every request of the customer not yet sent is skipped, and none is made again.
    False when the link names nothing we hold (the page says the same either way: no probing)."""
    with uow:
        request = uow.recovery.get(request_id)
        if request is None:
            return False
        uow.recovery.opt_out(request.customer_key, now=now, via="link")
        uow.commit()
    return True


def _page(request: RecoveryRequest | None, now: datetime) -> RecoveryPage:
    if request is None or request.erased_at is not None:
        return RecoveryPage(Stage.GONE)
    lang = request.language
    if request.state is RecoveryState.ANSWERED:
        return RecoveryPage(Stage.ANSWERED, lang, request.solved, request.new_score, request.comment)
    expired = request.expires_at is not None and request.expires_at <= now
    if request.state is RecoveryState.EXPIRED or (request.state is RecoveryState.SENT and expired):
        return RecoveryPage(Stage.EXPIRED, lang)
    # Claimed and on its way (the customer can be quicker than the record of the send) or sent.
    in_flight = request.state is RecoveryState.SCHEDULED and request.claimed_at is not None
    if request.state is RecoveryState.SENT or in_flight:
        return RecoveryPage(Stage.ASK, lang)
    return RecoveryPage(Stage.GONE, lang)


def _answer_data(request: RecoveryRequest, answer: Answer) -> dict[str, object]:
    return {"request": request.id, "solved": answer.solved, "new_score": answer.new_score}


def _on_case(
    uow: UnitOfWork, case: Case, request: RecoveryRequest, answer: Answer, now: datetime, *, may_reopen: bool
) -> None:
    case.record(
        EventKind.RECOVERY_ANSWERED,
        at=now,
        actor=CUSTOMER_ACTOR,
        note=answer.comment,
        data=_answer_data(request, answer),
    )
    same_closure = case.status is CaseStatus.CLOSED and case.closed_at == request.closed_at
    if not (answer.reopens and same_closure and may_reopen):
        return
    case.apply(Action.REOPEN, actor=CUSTOMER_ACTOR, at=now, note="the customer says the problem is not solved")
    uow.flush()  # the one-open-case rule is checked here: Conflict when the customer has another case open
    request.reopened = True
    _alert_owner(uow, case, request, now)


def _alert_owner(uow: UnitOfWork, case: Case, request: RecoveryRequest, now: datetime) -> None:
    """The owner, on each of their channels; a case nobody owns goes to its team's supervisors."""
    assert case.id is not None and request.id is not None
    owner = uow.directory.agent(case.assignee_id) if case.assignee_id is not None else None
    if owner is not None and owner.active:
        recipients = [owner]
    elif case.team_id is not None:
        recipients = [a for a in uow.directory.agents(case.team_id) if a.role in REVIEWERS and a.active]
    else:
        recipients = []
    kind = AlertKind.reopened(request.id).key
    for agent in recipients:
        assert agent.id is not None
        for channel in agent.channels():
            if uow.notifications.find(case.id, agent.id, channel, kind) is None:
                alert = Notification(case_id=case.id, agent_id=agent.id, channel=channel, kind=kind, created_at=now)
                uow.notifications.add(alert)
