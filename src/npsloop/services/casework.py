"""Moving a case through the loop (acknowledge, contact, close, reopen) and reading cases back."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from npsloop.domain.access import AccessDenied, Principal
from npsloop.domain.cases import Action, Case, CaseEvent, EventKind, Outcome
from npsloop.domain.closure import Closure, ClosureRules
from npsloop.domain.errors import CaseNotFound, UnknownAgent
from npsloop.domain.notifications import AlertKind, Notification
from npsloop.domain.responses import Response
from npsloop.domain.theme_defaults import DEFAULT_TAXONOMY
from npsloop.domain.theme_tags import ThemeTag
from npsloop.services.records import CaseFilter
from npsloop.services.recovery import request_recovery
from npsloop.services.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class CaseView:
    """A case with everything a reader needs, detached from the session that loaded it."""

    case: Case
    events: list[CaseEvent]
    responses: list[Response]
    notifications: list[Notification]
    team_name: str | None
    assignee_name: str | None
    themes: tuple[ThemeTag, ...] = ()  # of every response the case holds, each theme once, most confident first
    reasons: tuple[str, ...] = ()  # the reason themes given at its last closure (in a detail view)


def act_on_case(
    *,
    uow: UnitOfWork,
    case_id: int,
    action: Action,
    actor: str,
    now: datetime,
    note: str | None = None,
    outcome: Outcome | None = None,
    viewer: Principal | None = None,
    closure: Closure | None = None,
    actions: Sequence[str] = (),
) -> CaseView:
    """Every door moves cases here. Closing takes the reason themes and the action taken (`closure`), checked
    against the active taxonomy, the installation's action codes (`actions`) and the case's team, whose
    `reasons_required` makes a closure without reasons an error (ReasonsRequired) rather than a silent gap."""
    with uow:
        case = _reachable(uow, case_id, viewer)
        rules = _closure_rules(uow, case, actions) if action is Action.CLOSE else None
        event = case.apply(action, actor=actor, at=now, note=note, outcome=outcome, closure=closure, rules=rules)
        if action is Action.CLOSE and case.id is not None and event.data is not None:
            uow.reasons.replace(case.id, event.data["reasons"])
        if action is Action.CLOSE and outcome is Outcome.RESOLVED:
            request_recovery(uow=uow, case=case, now=now)  # the team may ask the customer if it is solved
        if action is Action.ACKNOWLEDGE and case.assignee_id is None:
            if viewer is not None and viewer.agent_id is not None:
                case.assignee_id = viewer.agent_id  # the first agent to acknowledge owns the case
            elif (agent := uow.directory.agent_named(actor)) is not None:
                case.assignee_id = agent.id
        uow.commit()
        return _view(uow, case)


def assign_case(
    *,
    uow: UnitOfWork,
    case_id: int,
    agent: str,
    actor: str,
    now: datetime,
    note: str | None = None,
    viewer: Principal | None = None,
) -> CaseView:
    """Reassigns, and tells the new owner on each of their channels (queued when this commits)."""
    with uow:
        case = _reachable(uow, case_id, viewer)
        owner = uow.directory.agent_named(agent)
        if owner is None or owner.id is None:
            raise UnknownAgent(f"no agent named {agent!r}")
        case.assign(owner.id, actor=actor, at=now, note=note)
        serial = sum(1 for e in case.events if e.kind == EventKind.ASSIGNED)
        for channel in owner.channels():
            uow.notifications.add(
                Notification(
                    case_id=case_id,
                    agent_id=owner.id,
                    channel=channel,
                    kind=AlertKind.assigned(serial).key,
                    created_at=now,
                )
            )
        uow.commit()
        return _view(uow, case)


def _closure_rules(uow: UnitOfWork, case: Case, actions: Sequence[str]) -> ClosureRules:
    team = uow.directory.team(case.team_id) if case.team_id is not None else None
    active = (theme.key for theme in uow.themes.stored() or DEFAULT_TAXONOMY.themes if not theme.retired)
    return ClosureRules.of(active, actions, reasons_required=team is not None and team.reasons_required)


def get_case(*, uow: UnitOfWork, case_id: int, viewer: Principal | None = None) -> CaseView:
    with uow:
        return _view(uow, _reachable(uow, case_id, viewer))


def list_cases(
    *, uow: UnitOfWork, where: CaseFilter, limit: int, offset: int, viewer: Principal | None = None
) -> tuple[list[CaseView], int]:
    where = narrowed(where, viewer)
    with uow:
        cases, total = uow.cases.search(where, limit=limit, offset=offset)
        return _views(uow, cases), total


def queue(
    *, uow: UnitOfWork, where: CaseFilter, limit: int, viewer: Principal | None = None
) -> tuple[list[CaseView], int]:
    """Open cases for the dashboard, the most overdue first."""
    where = narrowed(where, viewer)
    with uow:
        cases, total = uow.cases.queue(where, limit=limit)
        return _views(uow, cases), total


def narrowed(where: CaseFilter, viewer: Principal | None) -> CaseFilter:
    """An agent's filter can only shrink to their own teams; asking for another team's cases is refused
    rather than answered with an empty list that would look like "no cases"."""
    if viewer is None or viewer.sees_all_teams:
        return where
    if where.team_id is not None and where.team_id not in viewer.team_ids:
        raise AccessDenied("an agent sees only the cases of their own team")
    return replace(where, team_ids=viewer.team_ids)


def _reachable(uow: UnitOfWork, case_id: int, viewer: Principal | None) -> Case:
    """The one access rule for a single case, whatever the door (API, dashboard, SMS reply, email link): the
    viewer's teams as their role allows, or a case npsloop itself alerted them about (an escalation step that
    names an agent of another team)."""
    case = uow.cases.get(case_id)
    if case is None:
        raise CaseNotFound(f"case {case_id} does not exist")
    if viewer is None or viewer.may_see_team(case.team_id):
        return case
    if viewer.agent_id is not None and uow.notifications.addressed_to(case_id, viewer.agent_id):
        return case
    raise AccessDenied("an agent sees only the cases of their own team")


def _views(uow: UnitOfWork, cases: list[Case]) -> list[CaseView]:
    """A page of cases for a list, their themes read in one query."""
    themes = uow.tags.of_cases([case.id for case in cases if case.id is not None])
    return [_view(uow, case, full=False, themes=themes.get(case.id or 0, ())) for case in cases]


def _view(uow: UnitOfWork, case: Case, *, full: bool = True, themes: tuple[ThemeTag, ...] | None = None) -> CaseView:
    assert case.id is not None
    team = uow.directory.team(case.team_id) if case.team_id is not None else None
    assignee = uow.directory.agent(case.assignee_id) if case.assignee_id is not None else None
    return CaseView(
        case=case,
        events=list(case.events) if full else [],
        responses=uow.responses.for_case(case.id),
        notifications=uow.notifications.for_case(case.id) if full else [],
        team_name=team.name if team else None,
        assignee_name=assignee.name if assignee else None,
        themes=uow.tags.of_case(case.id) if themes is None else themes,
        reasons=uow.reasons.for_case(case.id) if full else (),
    )
