"""Managing who gets alerted: teams (with the touchpoints they own) and agents."""

from __future__ import annotations

from datetime import date, datetime

from npsloop.domain.directory import Agent, Team
from npsloop.domain.errors import DuplicateName, UnknownAgent
from npsloop.domain.escalation import parse_step
from npsloop.domain.recovery import check_setting
from npsloop.domain.sla import CalendarError, format_hours, parse_hours
from npsloop.domain.theme_defaults import DEFAULT_TAXONOMY
from npsloop.domain.working_hours import check_agent_hours
from npsloop.services.schedules import calendar_for, validate_sla
from npsloop.services.unit_of_work import Conflict, UnitOfWork

ROLES = ("agent", "supervisor", "head")


def add_team(
    *, uow: UnitOfWork, name: str, touchpoints: list[str], is_default: bool = False, reasons_required: bool = False
) -> Team:
    with uow:
        if uow.directory.team_named(name) is not None:
            raise DuplicateName(f"a team named {name!r} exists")
        wanted = {t.strip().casefold() for t in touchpoints if t.strip()}
        for team in uow.directory.teams():
            taken = wanted & {t.casefold() for t in team.touchpoints}
            if taken:
                raise DuplicateName(f"touchpoint {sorted(taken)[0]!r} already belongs to team {team.name!r}")
            if is_default and team.is_default:
                team.is_default = False  # one default team: the newest default wins
        team = Team(name=name, touchpoints=sorted(wanted), is_default=is_default, reasons_required=reasons_required)
        uow.directory.add(team)
        uow.routing.bump_version()
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
    hours: str | None = None,
    on_call: bool = False,
) -> Agent:
    """`hours`: the agent's working hours (None: the team's), `on_call`: alerted outside them too."""
    hours = None if hours is None else check_agent_hours(hours)
    with uow:
        found = uow.directory.require_team(team)
        assert found.id is not None
        if uow.directory.agent_named(name) is not None:
            raise DuplicateName(f"an agent named {name!r} exists")
        if role not in ROLES:
            raise UnknownAgent(f"role must be one of {', '.join(ROLES)}")
        agent = Agent(name=name, team_id=found.id, phone=phone, email=email, language=language, role=role)
        agent.hours, agent.on_call = hours, on_call
        uow.directory.add(agent)
        _commit_unique(uow, f"an agent named {name!r} exists")
        return agent


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
    now: datetime,
) -> Team:
    """Changes what is given and checks the whole result (zone, hours, holidays, SLA) before saving it."""
    with uow:
        found = uow.directory.require_team(team)
        if timezone is not None:
            found.timezone = timezone
        if hours is not None:
            found.hours = format_hours(parse_hours(hours))
        if holiday_country is not None:
            found.holiday_country = holiday_country.upper() or None
        if extra_holidays is not None:
            found.extra_holidays = sorted({date.fromisoformat(d).isoformat() for d in extra_holidays})
        if after_hours is not None:
            if after_hours not in ("queue", "contact"):
                raise CalendarError("after-hours policy is queue or contact")
            found.after_hours = after_hours
        if after_hours_agent is not None:
            agent = uow.directory.agent_named(after_hours_agent)
            if agent is None:
                raise UnknownAgent(f"no agent named {after_hours_agent!r}")
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
        uow.commit()
        return found


def require_reasons(*, uow: UnitOfWork, team: str, required: bool) -> Team:
    """Whether this team's agents must say why (at least one reason theme) to close a case, whatever the door:
    the rule is read when a case is closed, so it holds from the next closure on."""
    with uow:
        found = uow.directory.require_team(team)
        found.reasons_required = required
        uow.routing.bump_version()  # teams are cached by version; a cached copy must not keep the old rule
        uow.commit()
        return found


def set_recovery(*, uow: UnitOfWork, team: str, policy: str, themes: list[str] | None = None) -> Team:
    """Whether the team's customers are asked, after a resolved closure, if their problem is solved: "off", "ask",
    or "themes" (detractors whose response named one of `themes`, keys of the active taxonomy). From the next
    closure on, whatever door closes it."""
    with uow:
        found = uow.directory.require_team(team)
        known = [t.key for t in uow.themes.stored() or DEFAULT_TAXONOMY.themes if not t.retired]
        found.recovery, found.recovery_themes = check_setting(policy, themes or [], known)
        uow.routing.bump_version()  # teams are cached by version
        uow.commit()
        return found


def set_duty(*, uow: UnitOfWork, agent: str, off_until: datetime | None) -> Agent:
    with uow:
        found = uow.directory.agent_named(agent)
        if found is None:
            raise UnknownAgent(f"no agent named {agent!r}")
        found.off_duty_until = off_until
        uow.commit()
        return found
