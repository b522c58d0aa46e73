"""`npsloop webhooks add|list|remove|deliveries|redeliver`: where case events go out (Slack, Microsoft Teams,
signed webhooks), and the log of what was sent, retried or given up on."""

from __future__ import annotations

import json

import click

from npsloop.cli.common import cli_actor, fail_on_domain_error, runtime
from npsloop.domain.outbound import DeliveryStatus, EndpointKind, all_events, shown_url
from npsloop.services import outbound as service


@click.group()
def webhooks() -> None:
    """Case events out to Slack, Microsoft Teams and to helpdesks or CRMs."""


@webhooks.command("add")
@click.option("--name", required=True)
@click.option("--kind", type=click.Choice([k.value for k in EndpointKind]), required=True)
@click.option(
    "--url",
    required=True,
    help="a Slack incoming-webhook URL, a Teams Workflows webhook URL, or the receiver's HTTPS endpoint",
)
@click.option(
    "--events",
    default=",".join(all_events()),
    show_default=True,
    help="comma-separated case events to send",
)
def add(name: str, kind: str, url: str, events: str) -> None:
    rt = runtime()
    wanted = [e.strip() for e in events.split(",") if e.strip()]
    added = fail_on_domain_error(
        service.add_endpoint,
        uow=rt.uow(),
        egress=rt.egress.policy,
        name=name,
        kind=kind,
        url=url,
        events=wanted,
        now=rt.clock(),
        actor=cli_actor(),
    )
    click.echo(f"endpoint {name!r} ({kind}) added for {', '.join(wanted)}", err=True)
    if added.secret:
        click.echo(added.secret)
        click.echo(
            "that is its signing secret, shown this once: the receiver checks NPSLoop-Signature with it", err=True
        )


@webhooks.command("list")
@click.option("--json", "as_json", is_flag=True)
def list_endpoints(as_json: bool) -> None:
    rows = [
        {
            "name": e.name,
            "kind": e.kind,
            "url": shown_url(e),
            "events": e.events,
            "created_at": e.created_at.isoformat(),
        }
        for e in service.list_endpoints(uow=runtime().uow())
    ]
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    for row in rows:
        click.echo(f"{row['name']:<20} {row['kind']:<8} {row['url']:<50} {','.join(row['events'])}")


@webhooks.command("remove")
@click.argument("name")
def remove(name: str) -> None:
    rt = runtime()
    fail_on_domain_error(service.remove_endpoint, uow=rt.uow(), name=name, actor=cli_actor(), now=rt.clock())
    click.echo(f"endpoint {name!r} removed, with its delivery log")


@webhooks.command("deliveries")
@click.option("--endpoint", default=None)
@click.option("--status", type=click.Choice([s.value for s in DeliveryStatus]), default=None)
@click.option("--limit", type=click.IntRange(1, 10000), default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True)
def deliveries(endpoint: str | None, status: str | None, limit: int, as_json: bool) -> None:
    """The newest deliveries first: what was sent, when, what the far side answered."""
    rows = service.deliveries(
        uow=runtime().uow(), endpoint=endpoint, status=DeliveryStatus(status) if status else None, limit=limit
    )
    if as_json:
        click.echo(json.dumps(rows, indent=2, default=str))
        return
    for row in rows:
        answer = row["last_status_code"] or (row["last_error"] or "")[:40] or "–"
        click.echo(
            f"{row['id']:>6} {row['endpoint']:<16} case {row['case_id']:<6} {row['event_kind']:<12} "
            f"{row['status']:<9} attempts {row['attempts']:<2} last {answer}"
        )


@webhooks.command("redeliver")
@click.argument("delivery_id", type=int)
def redeliver(delivery_id: int) -> None:
    rt = runtime()
    fail_on_domain_error(service.redeliver, uow=rt.uow(), delivery_id=delivery_id, now=rt.clock(), actor=cli_actor())
    click.echo(f"delivery {delivery_id} will be sent again")
