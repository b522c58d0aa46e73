"""`npsloop teams ...` and `npsloop agents ...`."""

from __future__ import annotations

import json

import click
from pydantic import ValidationError

from npsloop.api.directory import AgentIn
from npsloop.api.presenters import agent_json, team_json
from npsloop.cli.common import fail_on_domain_error, runtime
from npsloop.ingest.schemas import field_errors
from npsloop.services import directory


@click.group()
def teams() -> None:
    """Teams and the touchpoints they own."""


@teams.command("add")
@click.argument("name")
@click.option("--touchpoint", "touchpoints", multiple=True, help="A touchpoint this team follows up (repeatable).")
@click.option("--default", "is_default", is_flag=True, help="Catch cases whose touchpoint no team owns.")
def add_team(name: str, touchpoints: tuple[str, ...], is_default: bool) -> None:
    team = fail_on_domain_error(
        directory.add_team, uow=runtime().uow(), name=name, touchpoints=list(touchpoints), is_default=is_default
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
def add_agent(name: str, team: str, phone: str | None, email: str | None, language: str) -> None:
    try:
        valid = AgentIn(name=name, team=team, phone=phone, email=email, language=language)
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
    )
    click.echo(json.dumps(agent_json(agent, valid.team), ensure_ascii=False))


@agents.command("list")
def list_agents() -> None:
    for agent, team in directory.list_agents(uow=runtime().uow()):
        channels = ", ".join(c.value for c in agent.channels()) or "no channel"
        click.echo(f"{agent.id:>4}  {agent.name:<20} {team:<20} {agent.language}  {channels}")
