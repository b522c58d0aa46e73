"""Managing who gets alerted: teams (with the touchpoints they own) and agents."""

from __future__ import annotations

from datetime import date, datetime

from npsloop.domain.audit import Change, EntityKind
from npsloop.domain.directory import Agent, Team, check_channel_order
from npsloop.domain.errors import DuplicateName, UnknownAgent
from npsloop.domain.escalation import parse_step
from npsloop.domain.recovery import check_setting
from npsloop.domain.sla import CalendarError, format_hours, parse_hours
from npsloop.domain.theme_defaults import DEFAULT_TAXONOMY
from npsloop.domain.working_hours import check_agent_hours
from npsloop.services.audit import SYSTEM, record
from npsloop.services.audit_states import agent_state, team_state
from npsloop.services.schedules import calendar_for, validate_sla
from npsloop.services.unit_of_work import Conflict, UnitOfWork

ROLES = ("agent", "supervisor", "head")


def add_team(
    *,
    uow: UnitOfWork,
    name: str,
    touchpoints: list[str],
    is_default: bool = False,
    reasons_required: bool = False,
    actor: str = SYSTEM,
    now: datetime | None = None,
) -> Team:
    with uow:
        if uow.directory.team_named(name) is not None:
            raise DuplicateName(f"a team named {name!r} exists")
        wanted = _claim_touchpoints(uow, touchpoints, is_default, None)
        team = Team(name=name, touchpoints=wanted, is_default=is_default, reasons_required=reasons_required)
        uow.directory.add(team)
        _flush_unique(uow, f"a team named {name!r} exists")  # before anything else writes: a taken name is a 409
        uow.routing.bump_version()
        _audit_team(uow, team, "add", None, actor, now)
        _commit_unique(uow, f"a team named {name!r} exists")
        return team


def add_agent(
    *,
    uow: UnitOfWork,
    name: str,
    team: str,
    phone: str | None,
    email: str | None,
    language: str = "en",
    role: str = "agent",
    channels: list[str] | None = None,
    hours: str | None = None,
    on_call: bool = False,
    actor: str = SYSTEM,
    now: datetime | None = None,
) -> Agent:
    """`channels`: in order of preference (None: SMS and email at once), checked by check_channel_order.
    `hours`: the agent's working hours (None: the team's), `on_call`: alerted outside them too."""
    hours = None if hours is None else check_agent_hours(hours)
    if channels is not None:
        channels = check_channel_order(channels, phone=phone, email=email)
    with uow:
        found = uow.directory.require_team(team)
        assert found.id is not None
        if uow.directory.agent_named(name) is not None:
            raise DuplicateName(f"an agent named {name!r} exists")
        if role not in ROLES:
            raise UnknownAgent(f"role must be one of {', '.join(ROLES)}")
        agent = Agent(name=name, team_id=found.id, phone=phone, email=email, language=language, role=role)
        agent.channel_order = channels
        agent.hours, agent.on_call = hours, on_call
        uow.directory.add(agent)
        _flush_unique(uow, f"an agent named {name!r} exists")
        _audit_agent(uow, agent, "add", None, actor, now)
        _commit_unique(uow, f"an agent named {name!r} exists")
        return agent


def _claim_touchpoints(uow: UnitOfWork, touchpoints: list[str], is_default: bool, owner: Team | None) -> list[str]:
    """The touchpoints a team (`owner`, None for a new one) is to own, refused if another team owns one; a team
    made the default takes that place from the one holding it."""
    wanted = {t.strip().casefold() for t in touchpoints if t.strip()}
    for team in uow.directory.teams():
        if owner is not None and team.id == owner.id:
            continue
        taken = wanted & {t.casefold() for t in team.touchpoints}
        if taken:
            raise DuplicateName(f"touchpoint {sorted(taken)[0]!r} already belongs to team {team.name!r}")
        if is_default and team.is_default:
            team.is_default = False  # one default team: the newest default wins
    return sorted(wanted)


def team_id(*, uow: UnitOfWork, name: str | None) -> int | None:
    """The id of a team a user named (None for none), or UnknownTeam."""
    if name is None:
        return None
    with uow:
        return uow.directory.require_team(name).id


def list_teams(*, uow: UnitOfWork) -> list[Team]:
    with uow:
        return list(uow.directory.teams())


def list_agents(*, uow: UnitOfWork) -> list[tuple[Agent, str]]:
    with uow:
        teams = {team.id: team.name for team in uow.directory.teams()}
        return [(agent, teams.get(agent.team_id, "?")) for agent in uow.directory.agents()]


def _flush_unique(uow: UnitOfWork, message: str) -> None:
    try:
        uow.flush()
    except Conflict:
        raise DuplicateName(message) from None


def _audit_team(
    uow: UnitOfWork, team: Team, action: str, before: dict[str, object] | None, actor: str, now: datetime | None
) -> None:
    change = Change(EntityKind.TEAM, action, team.name, team.id, team.id, before, team_state(team))
    record(uow, change, actor=actor, now=now)


def _audit_agent(
    uow: UnitOfWork, agent: Agent, action: str, before: dict[str, object] | None, actor: str, now: datetime | None
) -> None:
    change = Change(EntityKind.AGENT, action, agent.name, agent.id, agent.team_id, before, agent_state(agent))
    record(uow, change, actor=actor, now=now)


def _commit_unique(uow: UnitOfWork, message: str) -> None:
    try:
        uow.commit()
    except Conflict:
        raise DuplicateName(message) from None


def set_schedule(
    *,
    uow: UnitOfWork,
    team: str,
    timezone: str | None = None,
    hours: str | None = None,
    holiday_country: str | None = None,
    extra_holidays: list[str] | None = None,
    after_hours: str | None = None,
    after_hours_agent: str | None = None,
    sla: dict[str, dict[str, str]] | None = None,
    escalation: list[str] | None = None,
    touchpoints: list[str] | None = None,
    is_default: bool | None = None,
    now: datetime,
    actor: str = SYSTEM,
) -> Team:
    """Changes what is given and checks the whole result (zone, hours, holidays, SLA) before saving it: one
    mistake anywhere changes nothing."""
    with uow:
        found = uow.directory.require_team(team)
        before = team_state(found)
        if touchpoints is not None or is_default is not None:
            default = found.is_default if is_default is None else is_default
            found.touchpoints = _claim_touchpoints(
                uow, found.touchpoints if touchpoints is None else touchpoints, default, found
            )
            found.is_default = default
        if timezone is not None:
            found.timezone = timezone
        if hours is not None:
            found.hours = format_hours(parse_hours(hours))
        if holiday_country is not None:
            found.holiday_country = holiday_country.upper() or None
        if extra_holidays is not None:
            found.extra_holidays = sorted({_closed_day(d) for d in extra_holidays})
        if after_hours is not None:
            if after_hours not in ("queue", "contact"):
                raise CalendarError("after-hours policy is queue or contact")
            found.after_hours = after_hours
        if after_hours_agent is not None:
            agent = uow.directory.require_agent(after_hours_agent)
            found.after_hours_agent_id = agent.id
        if sla is not None:
            merged = {p: dict(steps) for p, steps in found.sla.items()}
            for priority, deadlines in sla.items():
                merged.setdefault(priority, {}).update(deadlines)
            found.sla = merged
        if escalation is not None:
            steps = [parse_step(text) for text in escalation]
            for step in steps:
                if step.notify.startswith("agent:") and uow.directory.agent_named(step.notify[6:]) is None:
                    raise UnknownAgent(f"escalation step names no agent {step.notify[6:]!r}")
            found.escalation = [{"after": s.after, "notify": s.notify, "channels": list(s.channels)} for s in steps]
        calendar = calendar_for(found, now)  # raises on a bad zone, hours or holiday code
        validate_sla(found, calendar)
        if found.after_hours == "contact" and found.after_hours_agent_id is None:
            raise CalendarError("the contact policy needs an after-hours agent")
        uow.routing.bump_version()
        _audit_team(uow, found, "schedule", before, actor, now)
        uow.commit()
        return found


def _closed_day(text: str) -> str:
    """A day closed by hand, as every door gives it: a refusal naming the day, never a ValueError's traceback."""
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        raise CalendarError(f"a closed day is written YYYY-MM-DD, like 2026-12-24; not {text!r}") from None


def require_reasons(
    *, uow: UnitOfWork, team: str, required: bool, actor: str = SYSTEM, now: datetime | None = None
) -> Team:
    """Whether this team's agents must say why (at least one reason theme) to close a case, whatever the door:
    the rule is read when a case is closed, so it holds from the next closure on."""
    with uow:
        found = uow.directory.require_team(team)
        before = team_state(found)
        found.reasons_required = required
        uow.routing.bump_version()  # teams are cached by version; a cached copy must not keep the old rule
        _audit_team(uow, found, "reasons_required", before, actor, now)
        uow.commit()
        return found


def set_recovery(
    *,
    uow: UnitOfWork,
    team: str,
    policy: str,
    themes: list[str] | None = None,
    actor: str = SYSTEM,
    now: datetime | None = None,
) -> Team:
    """Whether the team's customers are asked, after a resolved closure, if their problem is solved: "off", "ask",
    or "themes" (detractors whose response named one of `themes`, keys of the active taxonomy). From the next
    closure on, whatever door closes it."""
    with uow:
        found = uow.directory.require_team(team)
        before = team_state(found)
        known = [t.key for t in uow.themes.stored() or DEFAULT_TAXONOMY.themes if not t.retired]
        found.recovery, found.recovery_themes = check_setting(policy, themes or [], known)
        uow.routing.bump_version()  # teams are cached by version
        _audit_team(uow, found, "recovery", before, actor, now)
        uow.commit()
        return found


def set_duty(
    *, uow: UnitOfWork, agent: str, off_until: datetime | None, actor: str = SYSTEM, now: datetime | None = None
) -> Agent:
    with uow:
        found = uow.directory.require_agent(agent)
        before = agent_state(found)
        found.off_duty_until = off_until
        _audit_agent(uow, found, "duty", before, actor, now)
        uow.commit()
        return found


def set_channels(
    *, uow: UnitOfWork, agent: str, channels: list[str] | None, actor: str = SYSTEM, now: datetime | None = None
) -> Agent:
    """An agent's channels in order of preference, from the next alert on; None: back to SMS and email at once."""
    with uow:
        found = uow.directory.require_agent(agent)
        before = agent_state(found)
        found.channel_order = (
            None if channels is None else check_channel_order(channels, phone=found.phone, email=found.email)
        )
        _audit_agent(uow, found, "channels", before, actor, now)
        uow.commit()
        return found
