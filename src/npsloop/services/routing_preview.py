"""Trying a sample response on routing rules, the stored ones or those being edited, without storing anything:
the comment is read by the model in force, a detractor's risk assessed and the response routed by the very code
processing runs (services.processing.route_response), inside a unit of work that is never committed. The
answer says which rule matched, which team, which priority, and whether a case would open (or the customer's
open case be joined)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from npsloop.domain.access import AccessDenied, Permission, Principal
from npsloop.domain.responses import Response
from npsloop.domain.rules import Priority, Rule
from npsloop.domain.scores import Category
from npsloop.domain.theme_tags import MAX_TAGGED_CHARS, negative_themes
from npsloop.services.processing import route_response
from npsloop.services.risk import assess_risk
from npsloop.services.routing import resolve_teams
from npsloop.services.routing_cache import RoutingSnapshot, routing_snapshot
from npsloop.services.tagging import ModelNotReady, Models
from npsloop.services.unit_of_work import UnitOfWork


class Outcome(StrEnum):
    OPENS = "opens"  # a detractor, a rule that opens cases, no open case of the customer's
    JOINS = "joins"  # the customer's open case takes it, whatever the rules say
    RULE_SAYS_NO = "rule_says_no"  # open_case: false
    NOT_DETRACTOR = "not_detractor"  # a passive or promoter never opens a case


@dataclass(frozen=True)
class RoutingPreview:
    rule: str | None  # None: no rules in force, the team owning the touchpoint (else the default team) has it
    team: str | None
    priority: Priority
    category: Category
    outcome: Outcome
    joins_case: int | None  # the open case it joins, when the viewer may see that case's team
    themes: tuple[str, ...]  # the comment's negative themes, as routing reads them
    themes_read: bool  # False: the model is not ready yet (the worker fits it after an upgrade); routed without
    risk: float | None


class OutsideYourTeams(AccessDenied):
    """A supervisor of some teams tried a sample that another team would follow up."""


def preview_routing(
    *, uow: UnitOfWork, models: Models, sample: Response, now: datetime, viewer: Principal, rules: list[Rule] | None
) -> RoutingPreview:
    """`rules`: those being edited, already read and checked (ingest.rules_yaml); None: the rules in force. A
    supervisor whose token is bound to their team sees only samples their teams would follow up."""
    viewer.require(Permission.PREVIEW_ROUTING)
    with uow:  # read only: never committed
        snapshot = routing_snapshot(uow)
        if rules is not None:
            resolve_teams(uow, rules)  # a rule naming no team is refused as a save would refuse it
            snapshot = RoutingSnapshot(snapshot.version, rules, snapshot.teams)
        themes, read = _themes(uow, models, sample)
        detractor = sample.category is Category.DETRACTOR
        risk = assess_risk(uow=uow, response=sample, themes=themes, now=now) if detractor else None
        routed = route_response(snapshot, sample, themes, risk.score if risk else None)
        team_id = routed.team.id if routed.team else None
        if not _reaches(viewer, team_id):
            raise OutsideYourTeams("this sample would go to a team you do not supervise")
        joined = uow.cases.open_for_customer(sample.customer_key) if detractor else None
    if not detractor:
        outcome = Outcome.NOT_DETRACTOR
    elif joined is not None:
        outcome = Outcome.JOINS
    else:
        outcome = Outcome.OPENS if routed.open_case else Outcome.RULE_SAYS_NO
    return RoutingPreview(
        rule=routed.rule,
        team=routed.team.name if routed.team else None,
        priority=routed.priority,
        category=sample.category,
        outcome=outcome,
        joins_case=joined.id if joined is not None and _reaches(viewer, joined.team_id) else None,
        themes=themes,
        themes_read=read,
        risk=risk.score if risk else None,
    )


def _themes(uow: UnitOfWork, models: Models, sample: Response) -> tuple[tuple[str, ...], bool]:
    comment = (sample.comment or "").strip()
    if not comment:
        return (), True
    try:
        named = models.current(uow, fit=False)  # a web request never fits a model (minutes of CPU)
    except ModelNotReady:
        return (), False
    return negative_themes(named.tagger.tag(comment[:MAX_TAGGED_CHARS], sample.language).tags), True


def preview_reach(viewer: Principal) -> frozenset[int] | None:
    """The teams whose samples the viewer may try (None: every team). Admins and unbound supervisors oversee
    every team; a supervisor's token bound to their own agent entry reaches their teams only."""
    if viewer.can(Permission.WRITE_ROUTING) or not viewer.team_ids:
        return None
    return viewer.team_ids


def _reaches(viewer: Principal, team_id: int | None) -> bool:
    reach = preview_reach(viewer)
    return reach is None or (team_id is not None and team_id in reach)
