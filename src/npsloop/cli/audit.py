"""`npsloop audit list`: the trail of administrative changes, as lines, JSON or CSV (the same service, filters
and CSV as GET /v1/audit). The shell's user runs the installation, so the CLI reads the whole trail."""

from __future__ import annotations

import json
import sys
from datetime import datetime

import click

from npsloop.cli.common import cli_actor, fail_on_domain_error, runtime
from npsloop.domain.access import Principal, Role
from npsloop.domain.audit import AuditEntry, EntityKind
from npsloop.services import audit as service
from npsloop.services import exports


@click.group()
def audit() -> None:
    """Who changed what administrative setting, when, and what it was before and after."""


@audit.command("list")
@click.option("--actor", default=None, help="exactly, like cli:ana or a token's name")
@click.option("--kind", type=click.Choice([k.value for k in EntityKind]), default=None)
@click.option("--team", default=None, help="changes to this team and its agents")
@click.option("--from", "first", type=click.DateTime(["%Y-%m-%d"]), default=None, help="first day (reports' zone)")
@click.option("--to", "last", type=click.DateTime(["%Y-%m-%d"]), default=None, help="last day, inclusive")
@click.option("--limit", type=click.IntRange(1, service.MAX_PAGE), default=service.PAGE, show_default=True)
@click.option("--before", type=click.IntRange(min=1), default=None, help="older than this entry (the next page)")
@click.option("--json", "as_json", is_flag=True, help="a page as JSON")
@click.option("--csv", "as_csv", is_flag=True, help="every matching entry as CSV")
def list_entries(
    actor: str | None,
    kind: str | None,
    team: str | None,
    first: datetime | None,
    last: datetime | None,
    limit: int,
    before: int | None,
    as_json: bool,
    as_csv: bool,
) -> None:
    if as_json and as_csv:
        raise click.UsageError("--json or --csv, not both")
    rt = runtime()
    viewer = Principal(name=cli_actor(), role=Role.ADMIN)
    where = fail_on_domain_error(
        service.audit_filter,
        uow=rt.uow(),
        zone=rt.settings.report_timezone,
        actor=actor,
        kind=kind,
        team=team,
        first=first.date() if first else None,
        last=last.date() if last else None,
    )
    if as_csv:
        for chunk in exports.as_csv(service.audit_rows(uow=rt.uow(), viewer=viewer, where=where), service.COLUMNS):
            sys.stdout.write(chunk)
        return
    page = service.list_audit(uow=rt.uow(), viewer=viewer, where=where, before=before, limit=limit)
    if as_json:
        entries = [{**service.entry_row(e), "at": e.at.isoformat()} for e in page.entries]
        click.echo(json.dumps({"entries": entries, "total": page.total, "next_before": page.next_before}, indent=2))
        return
    for entry in page.entries:
        click.echo(_line(entry))
    more = f"; the next page: --before {page.next_before}" if page.next_before else ""
    click.echo(f"{len(page.entries)} of {page.total} entries{more}", err=True)


def _line(entry: AuditEntry) -> str:
    changed = "; ".join(f"{key}: {_short(old)} -> {_short(new)}" for key, old, new in entry.differences())
    return f"{entry.at:%Y-%m-%d %H:%M} {entry.actor:<20} {entry.kind}.{entry.action:<16} {entry.name:<24} {changed}"


def _short(value: object, limit: int = 60) -> str:
    text = "-" if value is None else json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value
    return text if len(text) <= limit else text[: limit - 1] + "…"
