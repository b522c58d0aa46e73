"""`npsloop agents hours NAME`: show or set an agent's working hours and on-call duty."""

from __future__ import annotations

import json

import click
from pydantic import ValidationError

from npsloop.api.directory import AgentHours
from npsloop.api.presenters import hours_json
from npsloop.cli.common import cli_actor, fail_on_domain_error, runtime
from npsloop.ingest.schemas import field_errors
from npsloop.services import agent_hours


@click.command("hours")
@click.argument("name")
@click.option("--hours", "hours", default=None, help="in the team's time zone, like 'mon-fri 09:00-13:00'")
@click.option("--team-hours", is_flag=True, help="Back to the team's hours.")
@click.option("--on-call/--not-on-call", "on_call", default=None, help="On call for the team's after-hours.")
def hours(name: str, hours: str | None, team_hours: bool, on_call: bool | None) -> None:
    """Show an agent's working hours, or set them: outside them an alert waits for the start of the agent's next
    working period, unless they are on call."""
    if hours is not None and team_hours:
        raise click.ClickException("give --hours or --team-hours, not both")
    rt = runtime()
    if hours is None and not team_hours and on_call is None:
        shown = fail_on_domain_error(agent_hours.working_hours, uow=rt.uow(), agent=name, now=rt.clock())
    else:
        if hours is not None:
            try:
                hours = AgentHours(hours=hours, on_call=False).hours
            except ValidationError as error:
                problems = "; ".join(f"{e['field']}: {e['message']}" for e in field_errors(error))
                raise click.ClickException(problems) from None
        shown = fail_on_domain_error(
            agent_hours.set_hours,
            uow=rt.uow(),
            agent=name,
            hours=hours,
            team_hours=team_hours,
            on_call=on_call,
            now=rt.clock(),
            actor=cli_actor(),
        )
    click.echo(json.dumps(hours_json(shown), ensure_ascii=False))
