"""`npsloop dead-letters list|retry`: what failed for good, and a way to give it another chance."""

from __future__ import annotations

import json

import click

from npsloop.cli.common import cli_actor, fail_on_domain_error, runtime
from npsloop.services.deadletters import list_dead_letters, retry_dead_letters


@click.group("dead-letters")
def dead_letters() -> None:
    """Notifications, responses and task messages that failed every attempt."""


@dead_letters.command("list")
@click.option("--json", "as_json", is_flag=True)
def list_command(as_json: bool) -> None:
    found = list_dead_letters(uow=runtime().uow())
    rows = (
        [
            {
                "kind": "notification",
                "id": n.id,
                "state": n.state,
                "case": n.case_id,
                "channel": n.channel,
                "attempts": n.attempts,
                "error": n.last_error,
            }
            for n in found.notifications
        ]
        + [
            {
                "kind": "response",
                "id": r.id,
                "state": r.status,
                "response_id": r.ref,
                "attempts": r.failures,
                "error": r.last_error,
            }
            for r in found.responses
        ]
        + [
            {
                "kind": "task",
                "id": t.id,
                "state": "quarantined",
                "task": t.task,
                "payload": t.payload[:200],
                "attempts": t.attempts,
                "error": t.error,
            }
            for t in found.tasks
        ]
    )
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for row in rows:
        what = row.get("channel") or row.get("response_id") or row.get("task")
        click.echo(
            f"{row['kind']:<13}{row['id']:>6}  {row['state']:<12}{what!s:<32} attempts {row['attempts']}  "
            f"{str(row['error'] or '')[:100]}"
        )
    click.echo(f"{found.total} dead letters")


@dead_letters.command("retry")
@click.option("--include-failed", is_flag=True, help="Also retry permanent failures (after fixing a number).")
@click.option("--actor", default=None, help="who retries, as timelines and the audit trail record it [cli:<os user>]")
@click.option("--notification", type=click.IntRange(1), default=None, help="Retry this one dead notification only.")
def retry_command(include_failed: bool, actor: str | None, notification: int | None) -> None:
    rt = runtime()
    replayed = fail_on_domain_error(
        retry_dead_letters,
        uow=rt.uow(),
        now=rt.clock(),
        actor=actor or cli_actor(),
        include_failed=include_failed,
        notification_id=notification,
    )
    click.echo(
        f"replayed {replayed.notifications} notifications, {replayed.responses} responses, {replayed.tasks} tasks"
    )
