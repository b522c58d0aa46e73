"""`npsloop cases list|show|acknowledge|contact|close|reopen`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import click

from npsloop.api.presenters import case_json
from npsloop.cli.common import fail_on_domain_error, runtime
from npsloop.domain.cases import Action, CaseStatus, Outcome
from npsloop.domain.closure import Closure
from npsloop.services import casework, directory, exports
from npsloop.services.records import CaseFilter, ResponseFilter
from npsloop.services.themes import current_taxonomy


@click.group()
def cases() -> None:
    """Follow-up cases."""


@cases.command("list")
@click.option("--status", type=click.Choice([s.value for s in CaseStatus]), default=None)
@click.option("--touchpoint", default=None)
@click.option("--theme", default=None, help="a theme key the customer complains of (npsloop themes show)")
@click.option("--limit", type=click.IntRange(1, 1000), default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True)
def list_cases(status: str | None, touchpoint: str | None, theme: str | None, limit: int, as_json: bool) -> None:
    where = CaseFilter(status=CaseStatus(status) if status else None, touchpoint=touchpoint, theme=_theme(theme))
    views, total = casework.list_cases(uow=runtime().uow(), where=where, limit=limit, offset=0)
    if as_json:
        click.echo(json.dumps([case_json(v, full=False) for v in views], ensure_ascii=False, indent=2))
        return
    for view in views:
        row = case_json(view, full=False)
        who = row["customer"]["name"] or row["customer"]["id"]
        due = next_deadline(row)
        click.echo(
            f"#{row['id']:<5} {row['status']:<12} {row['priority']:<7} score {row['score']:>2}  {who:<20} "
            f"team {row['team'] or '-':<16} opened {row['opened_at'][:16]}  {due}"
        )
    click.echo(f"{len(views)} of {total} cases")


def next_deadline(row: dict[str, object]) -> str:
    """The next deadline still to meet, which is what a person scanning the list needs."""
    for step, field, done in (
        ("ack", "acknowledge_due_at", "acknowledged_at"),
        ("contact", "contact_due_at", "contacted_at"),
        ("close", "close_due_at", "closed_at"),
    ):
        if row.get(field) and not row.get(done):
            return f"{step} by {str(row[field])[:16]}"
    return ""


@cases.command("show")
@click.argument("case_id", type=int)
def show(case_id: int) -> None:
    view = fail_on_domain_error(casework.get_case, uow=runtime().uow(), case_id=case_id)
    click.echo(json.dumps(case_json(view), ensure_ascii=False, indent=2))


def _action_command(action: Action, *, closes: bool = False) -> click.Command:
    @click.argument("case_id", type=int)
    @click.option("--actor", default="cli", show_default=True, help="Who is acting (an agent's name).")
    @click.option("--note", default=None)
    def command(case_id: int, actor: str, note: str | None, outcome: str | None = None, **closing: Any) -> None:
        rt = runtime()
        closure = Closure(tuple(closing["reasons"]), closing["action_code"], closing["action_note"]) if closes else None
        view = fail_on_domain_error(
            casework.act_on_case,
            uow=rt.uow(),
            case_id=case_id,
            action=action,
            actor=actor,
            now=rt.clock(),
            note=note,
            outcome=Outcome(outcome) if outcome else None,
            closure=closure,
            actions=rt.settings.closure_action_codes(),
        )
        click.echo(f"case #{case_id} is now {view.case.status}")

    if closes:
        for option in (
            click.option("--action-note", default=None, help="What was done, in a few words (500 characters)."),
            click.option("--action-code", default=None, help="One of NPSLOOP_CLOSURE_ACTIONS, like refund."),
            click.option("--reason", "reasons", multiple=True, help="A theme key (npsloop themes show); repeatable."),
            click.option("--outcome", type=click.Choice([o.value for o in Outcome]), required=True),
        ):
            command = option(command)
    return click.command(action.value, help=f"Mark a case {action.value}.")(command)


cases.add_command(_action_command(Action.ACKNOWLEDGE))
cases.add_command(_action_command(Action.CONTACT))
cases.add_command(_action_command(Action.CLOSE, closes=True))
cases.add_command(_action_command(Action.REOPEN))


@cases.command("assign")
@click.argument("case_id", type=int)
@click.option("--agent", required=True, help="the new owner")
@click.option("--actor", default="cli", show_default=True)
@click.option("--note", default=None)
def assign(case_id: int, agent: str, actor: str, note: str | None) -> None:
    """Hand a case to another agent, who is alerted."""
    rt = runtime()
    view = fail_on_domain_error(
        casework.assign_case, uow=rt.uow(), case_id=case_id, agent=agent, actor=actor, now=rt.clock(), note=note
    )
    click.echo(f"case #{case_id} is now assigned to {view.assignee_name}")


def _theme(key: str | None) -> str | None:
    """A key the taxonomy in force holds (retired ones too), else a usage error: a typo must not look like
    "no cases"."""
    if key is not None and key not in {theme.key for theme in current_taxonomy(uow=runtime().uow()).themes}:
        raise click.BadParameter(f"no theme {key!r}; 'npsloop themes show' lists the keys", param_hint="--theme")
    return key


def _write(chunks: Iterator[str], output: str | None) -> None:
    """Chunk by chunk to the file (or stdout): an export of any size needs no more memory than one page."""
    with click.open_file(output or "-", "wb") as sink:
        for chunk in chunks:
            sink.write(chunk.encode())


@cases.command("export")
@click.option("--format", "fmt", type=click.Choice(exports.FORMATS), default="csv", show_default=True)
@click.option("--status", type=click.Choice([s.value for s in CaseStatus]), default=None)
@click.option("--team", default=None)
@click.option("--touchpoint", default=None)
@click.option("--theme", default=None, help="a theme key the customer complains of (npsloop themes show)")
@click.option("--opened-from", type=click.DateTime(["%Y-%m-%d"]), default=None)
@click.option("--opened-to", type=click.DateTime(["%Y-%m-%d"]), default=None, help="exclusive, UTC")
@click.option("-o", "--output", default=None, help="a file; stdout if left out")
def export(
    fmt: str,
    status: str | None,
    team: str | None,
    touchpoint: str | None,
    theme: str | None,
    opened_from: datetime | None,
    opened_to: datetime | None,
    output: str | None,
) -> None:
    """Cases as CSV or JSON, streamed."""
    rt = runtime()
    team_id = fail_on_domain_error(directory.team_id, uow=rt.uow(), name=team)
    where = CaseFilter(
        status=CaseStatus(status) if status else None,
        team_id=team_id,
        touchpoint=touchpoint,
        opened_from=opened_from.replace(tzinfo=UTC) if opened_from else None,
        opened_to=opened_to.replace(tzinfo=UTC) if opened_to else None,
        theme=_theme(theme),
    )
    _write(exports.render(exports.case_rows(uow=rt.uow(), where=where), exports.CASE_COLUMNS, fmt), output)


@click.group()
def responses() -> None:
    """Survey responses."""


@responses.command("export")
@click.option("--format", "fmt", type=click.Choice(exports.FORMATS), default="csv", show_default=True)
@click.option("--team", default=None)
@click.option("--survey-type", type=click.Choice(["transactional", "relational"]), default=None)
@click.option("--touchpoint", default=None)
@click.option("--from", "first", type=click.DateTime(["%Y-%m-%d"]), default=None, help="responded on or after, UTC")
@click.option("--to", "last", type=click.DateTime(["%Y-%m-%d"]), default=None, help="responded before, UTC")
@click.option("-o", "--output", default=None, help="a file; stdout if left out")
def export_responses(
    fmt: str,
    team: str | None,
    survey_type: str | None,
    touchpoint: str | None,
    first: datetime | None,
    last: datetime | None,
    output: str | None,
) -> None:
    """Responses as CSV or JSON, streamed."""
    rt = runtime()
    team_id = fail_on_domain_error(directory.team_id, uow=rt.uow(), name=team)
    where = ResponseFilter(team_id=team_id, survey_type=survey_type, touchpoint=touchpoint)
    responded = (first.replace(tzinfo=UTC) if first else None, last.replace(tzinfo=UTC) if last else None)
    rows = exports.response_rows(uow=rt.uow(), where=where, responded=responded)
    _write(exports.render(rows, exports.RESPONSE_COLUMNS, fmt), output)
