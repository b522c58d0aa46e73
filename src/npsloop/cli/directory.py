"""`npsloop teams ...` and `npsloop agents ...`."""

from __future__ import annotations

import json
from datetime import datetime

import click
from pydantic import ValidationError

from npsloop.api.directory import AgentChange, AgentChannels, AgentIn
from npsloop.api.presenters import agent_json, team_json
from npsloop.cli.common import cli_actor, fail_on_domain_error, runtime
from npsloop.domain.directory import InvalidChannels
from npsloop.domain.errors import DomainError
from npsloop.ingest.schemas import field_errors
from npsloop.services import agents as agents_service
from npsloop.services import directory


@click.group()
def teams() -> None:
    """Teams and the touchpoints they own."""


@teams.command("add")
@click.argument("name")
@click.option("--touchpoint", "touchpoints", multiple=True, help="A touchpoint this team follows up (repeatable).")
@click.option("--default", "is_default", is_flag=True, help="Catch cases whose touchpoint no team owns.")
@click.option("--reasons-required", is_flag=True, help="Closing a case needs at least one reason theme.")
def add_team(name: str, touchpoints: tuple[str, ...], is_default: bool, reasons_required: bool) -> None:
    team = fail_on_domain_error(
        directory.add_team,
        uow=runtime().uow(),
        name=name,
        touchpoints=list(touchpoints),
        is_default=is_default,
        reasons_required=reasons_required,
        actor=cli_actor(),
        now=runtime().clock(),
    )
    click.echo(json.dumps(team_json(team), ensure_ascii=False))


@teams.command("list")
def list_teams() -> None:
    for team in directory.list_teams(uow=runtime().uow()):
        flag = " (default)" if team.is_default else ""
        click.echo(f"{team.id:>4}  {team.name}{flag}  touchpoints: {', '.join(team.touchpoints) or '-'}")


@click.group()
def agents() -> None:
    """Agents who are alerted of new cases."""


@agents.command("add")
@click.argument("name")
@click.option("--team", required=True)
@click.option("--phone", default=None, help="E.164, like +34600123456")
@click.option("--email", default=None)
@click.option("--language", default="en", type=click.Choice(["en", "es"]), show_default=True)
@click.option("--role", default="agent", type=click.Choice(["agent", "supervisor", "head"]), show_default=True)
@click.option(
    "--channels", default=None, help="in order of preference, like whatsapp,sms,email (default: sms and email)"
)
@click.option("--hours", default=None, help="working hours in the team's zone, like 'mon-fri 09:00-13:00'")
@click.option("--on-call", is_flag=True, help="On call for the team's after-hours: alerted outside their hours too.")
def add_agent(
    name: str,
    team: str,
    phone: str | None,
    email: str | None,
    language: str,
    role: str,
    channels: str | None,
    hours: str | None,
    on_call: bool,
) -> None:
    order = [c.strip() for c in channels.split(",")] if channels is not None else None
    try:
        valid = AgentIn(
            name=name,
            team=team,
            phone=phone,
            email=email,
            language=language,
            channels=order,
            hours=hours,
            on_call=on_call,
        )
    except ValidationError as error:
        problems = "; ".join(f"{e['field']}: {e['message']}" for e in field_errors(error))
        raise click.ClickException(problems) from None
    if not (valid.phone or valid.email):
        raise click.ClickException("give the agent a --phone or an --email, or they cannot be alerted")
    agent = fail_on_domain_error(
        directory.add_agent,
        uow=runtime().uow(),
        name=valid.name,
        team=valid.team,
        phone=valid.phone,
        email=valid.email,
        language=valid.language,
        role=role,
        channels=valid.channels,
        hours=valid.hours,
        on_call=valid.on_call,
        actor=cli_actor(),
        now=runtime().clock(),
    )
    click.echo(json.dumps(agent_json(agent, valid.team), ensure_ascii=False))


@agents.command("channels")
@click.argument("name")
@click.argument("order", nargs=-1)
@click.option("--default", "default", is_flag=True, help="Back to SMS and email at once.")
def set_channels(name: str, order: tuple[str, ...], default: bool) -> None:
    """Set an agent's channels in order of preference (any of sms, whatsapp, email): an alert goes to the first,
    and each failure for good moves it to the next."""
    if default == bool(order):
        raise click.ClickException("give the channels in order (like: whatsapp sms email), or --default")
    try:
        valid = AgentChannels(channels=None if default else list(order))
    except ValidationError as error:
        raise click.ClickException(_problems(error)) from None
    try:
        rt = runtime()
        agent = directory.set_channels(
            uow=rt.uow(), agent=name, channels=valid.channels, actor=cli_actor(), now=rt.clock()
        )
    except InvalidChannels as error:  # needs the stored phone and email: checked by the service, named as a field
        raise click.ClickException(f"{error.field}: {error}") from None
    except DomainError as error:
        raise click.ClickException(str(error)) from None
    click.echo(json.dumps({"name": agent.name, "channels": agent.channel_order}, ensure_ascii=False))


def _problems(error: ValidationError) -> str:
    return "; ".join(f"{e['field']}: {e['message']}" for e in field_errors(error))


@agents.command("list")
def list_agents() -> None:
    for agent, team in directory.list_agents(uow=runtime().uow()):
        channels = ", ".join(c.value for c in agent.reachable_channels()) or "no channel"
        click.echo(f"{agent.id:>4}  {agent.name:<20} {team:<20} {agent.language}  {channels}")


@teams.command("schedule")
@click.argument("name")
@click.option("--timezone", default=None, help="IANA zone, like Europe/Madrid")
@click.option("--hours", default=None, help="like 'mon-fri 09:00-17:00, sat 10:00-14:00'")
@click.option("--holidays", "holiday_country", default=None, help="country code for public holidays, like ES-MD")
@click.option("--holiday", "extra", multiple=True, help="a date closed by hand, YYYY-MM-DD (repeatable)")
@click.option("--after-hours", type=click.Choice(["queue", "contact"]), default=None)
@click.option("--after-hours-contact", default=None, help="the agent alerted outside business hours")
def schedule(
    name: str,
    timezone: str | None,
    hours: str | None,
    holiday_country: str | None,
    extra: tuple[str, ...],
    after_hours: str | None,
    after_hours_contact: str | None,
) -> None:
    """Set a team's business hours, holidays and after-hours policy."""
    rt = runtime()
    team = fail_on_domain_error(
        directory.set_schedule,
        uow=rt.uow(),
        team=name,
        timezone=timezone,
        hours=hours,
        holiday_country=holiday_country,
        extra_holidays=list(extra) or None,
        after_hours=after_hours,
        after_hours_agent=after_hours_contact,
        now=rt.clock(),
        actor=cli_actor(),
    )
    click.echo(json.dumps(team_json(team), ensure_ascii=False))


@teams.command("sla")
@click.argument("name")
@click.option("--priority", type=click.Choice(["low", "normal", "high", "urgent"]), default="normal", show_default=True)
@click.option("--acknowledge", default=None, help="business time, like 15m")
@click.option("--contact", default=None, help="business time, like 4h")
@click.option("--close", default=None, help="business time, like 1d (the team's business day)")
def sla(name: str, priority: str, acknowledge: str | None, contact: str | None, close: str | None) -> None:
    """Set a team's SLA for one priority, in business time."""
    steps = {k: v for k, v in {"acknowledge": acknowledge, "contact": contact, "close": close}.items() if v}
    rt = runtime()
    team = fail_on_domain_error(
        directory.set_schedule, uow=rt.uow(), team=name, sla={priority: steps}, now=rt.clock(), actor=cli_actor()
    )
    click.echo(json.dumps(team_json(team), ensure_ascii=False))


@teams.command("reasons")
@click.argument("name")
@click.option("--required/--optional", required=True, help="Whether closing a case needs a reason theme.")
def reasons(name: str, required: bool) -> None:
    """Make reasons at closure required (or optional) for a team, on every door: API, dashboard, SMS, email."""
    rt = runtime()
    team = fail_on_domain_error(
        directory.require_reasons, uow=rt.uow(), team=name, required=required, actor=cli_actor(), now=rt.clock()
    )
    click.echo(json.dumps(team_json(team), ensure_ascii=False))


@teams.command("recovery")
@click.argument("name")
@click.argument("policy", metavar="off|ask|themes")
@click.option("--theme", "themes", multiple=True, help="With 'themes': a theme key that triggers it (repeatable).")
def recovery(name: str, policy: str, themes: tuple[str, ...]) -> None:
    """Whether a team's customers are asked, after a resolved closure, if their problem is solved: off, ask
    (every resolved closure), or themes (only detractors whose response named one of the --theme keys)."""
    team = fail_on_domain_error(
        directory.set_recovery,
        uow=runtime().uow(),
        team=name,
        policy=policy,
        themes=list(themes),
        actor=cli_actor(),
        now=runtime().clock(),
    )
    click.echo(json.dumps(team_json(team), ensure_ascii=False))


@agents.command("off-duty")
@click.argument("name")
@click.option("--until", "until", required=True, help="ISO 8601 with offset, like 2026-12-01T09:00:00+01:00")
def off_duty(name: str, until: str) -> None:
    """Stop alerting an agent until a moment."""
    try:
        moment = datetime.fromisoformat(until)
    except ValueError:
        raise click.ClickException(f"cannot read {until!r} as ISO 8601") from None
    if moment.tzinfo is None:
        raise click.ClickException("give --until with its offset, like +01:00 or Z")
    rt = runtime()
    fail_on_domain_error(
        directory.set_duty, uow=rt.uow(), agent=name, off_until=moment, actor=cli_actor(), now=rt.clock()
    )
    click.echo(f"{name} is off duty until {moment.isoformat()}")


@agents.command("on-duty")
@click.argument("name")
def on_duty(name: str) -> None:
    rt = runtime()
    fail_on_domain_error(
        directory.set_duty, uow=rt.uow(), agent=name, off_until=None, actor=cli_actor(), now=rt.clock()
    )
    click.echo(f"{name} is on duty")


@agents.command("edit")
@click.argument("name")
@click.option("--team", default=None, help="Move the agent to this team.")
@click.option("--phone", default=None, help="E.164, like +34600123456 ('' removes it)")
@click.option("--email", default=None, help="('' removes it)")
@click.option("--language", default=None, type=click.Choice(["en", "es"]))
@click.option("--role", default=None, type=click.Choice(["agent", "supervisor", "head"]))
def edit_agent(
    name: str, team: str | None, phone: str | None, email: str | None, language: str | None, role: str | None
) -> None:
    """Change what is given of an agent's team, phone, email, language and role, all or nothing."""
    given = {"team": team, "phone": phone, "email": email, "language": language, "role": role}
    try:
        valid = AgentChange.model_validate({key: value for key, value in given.items() if value is not None})
    except ValidationError as error:
        raise click.ClickException(_problems(error)) from None
    if not valid.details():
        raise click.ClickException("give what changes: --team, --phone, --email, --language or --role")
    rt = runtime()
    agent = fail_on_domain_error(
        agents_service.edit_agent, uow=rt.uow(), name=name, **valid.details(), actor=cli_actor(), now=rt.clock()
    )
    team_name = next(t.name for t in directory.list_teams(uow=rt.uow()) if t.id == agent.team_id)
    click.echo(json.dumps(agent_json(agent, team_name), ensure_ascii=False))


@agents.command("deactivate")
@click.argument("name")
def deactivate(name: str) -> None:
    """Alert an agent of nothing from now on; their cases and alerts are kept."""
    rt = runtime()
    fail_on_domain_error(
        agents_service.set_active, uow=rt.uow(), name=name, active=False, actor=cli_actor(), now=rt.clock()
    )
    click.echo(f"{name} is deactivated")


@agents.command("activate")
@click.argument("name")
def activate(name: str) -> None:
    """Alert a deactivated agent again."""
    rt = runtime()
    fail_on_domain_error(
        agents_service.set_active, uow=rt.uow(), name=name, active=True, actor=cli_actor(), now=rt.clock()
    )
    click.echo(f"{name} is active")


@teams.command("escalation")
@click.argument("name")
@click.option(
    "--step",
    "steps",
    multiple=True,
    required=True,
    help="'<after> <team|supervisors|heads|agent:NAME> [sms,email]', in order, e.g. '15m supervisors'",
)
def escalation(name: str, steps: tuple[str, ...]) -> None:
    """Set the chain walked when a deadline is breached (delays in business time after the breach)."""
    rt = runtime()
    team = fail_on_domain_error(
        directory.set_schedule, uow=rt.uow(), team=name, escalation=list(steps), now=rt.clock(), actor=cli_actor()
    )
    click.echo(json.dumps(team_json(team), ensure_ascii=False))
