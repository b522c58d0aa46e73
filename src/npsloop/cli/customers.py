"""`npsloop customers export|erase` (a customer's right of access and to erasure) and `npsloop retention run`:
the same services as GET /v1/customers/{id}/export and DELETE /v1/customers/{id}, and the nightly job."""

from __future__ import annotations

import json
from typing import Any

import click

from npsloop.cli.common import cli_actor, fail_on_domain_error, runtime
from npsloop.services import erasure, retention, subject_access
from npsloop.services.unit_of_work import StoreUnavailable

INTEGRATION = click.option(
    "--integration", default=None, help="only this integration's customer (ids are unique per integration)"
)


def _reachable(call: Any, **kwargs: Any) -> Any:
    """A database or Redis that cannot be reached: say so; erasure is idempotent, so running it again is safe."""
    try:
        return fail_on_domain_error(call, **kwargs)
    except StoreUnavailable as error:
        raise click.ClickException(f"unavailable ({error}); nothing is lost by running the command again") from None


@click.group()
def customers() -> None:
    """What npsloop holds about one customer: export it, or erase it."""


@customers.command("export")
@click.argument("customer_id")
@INTEGRATION
def export(customer_id: str, integration: str | None) -> None:
    """Everything held about the customer, and to whom it went, as JSON."""
    rt = runtime()
    found = _reachable(
        subject_access.export_customer,
        uow=rt.uow(),
        customer_id=customer_id,
        integration=integration,
        now=rt.clock(),
        traces=rt.traces(),
    )
    click.echo(json.dumps(found, indent=2, ensure_ascii=False))


@customers.command("erase")
@click.argument("customer_id")
@INTEGRATION
@click.option(
    "--actor", default=None, help="who erases, as the case timelines and the audit trail record it [cli:<os user>]"
)
def erase(customer_id: str, integration: str | None, actor: str | None) -> None:
    """Erases the customer's personal data everywhere; scores, dates and teams stay for reports."""
    rt = runtime()
    done = _reachable(
        erasure.erase_customer,
        uow=rt.uow(),
        customer_id=customer_id,
        integration=integration,
        actor=actor or cli_actor(),
        now=rt.clock(),
        traces=rt.traces(),
        keep_attributes=rt.settings.kept_attributes,
    )
    counts = ", ".join(f"{count} {name}" for name, count in done.as_dict().items())
    click.echo(f"erased: {counts}")


@click.group("retention")
def retention_group() -> None:
    """Erasure of what is older than NPSLOOP_RETENTION_DAYS (nightly by the beat)."""


@retention_group.command("run")
@click.option("--dry-run", is_flag=True, help="count what would be erased, change nothing")
@click.option("--json", "as_json", is_flag=True)
def run(dry_run: bool, as_json: bool) -> None:
    rt = runtime()
    try:
        report = rt.retention(dry_run=dry_run)
    except (retention.RetentionOff, StoreUnavailable) as error:
        raise click.ClickException(str(error)) from None
    if as_json:
        click.echo(json.dumps(report.as_dict(), indent=2))
        return
    verb = "would erase" if dry_run else "erased"
    click.echo(f"older than {report.cutoff:%Y-%m-%d %H:%M} UTC, {verb}:")
    click.echo(f"  {report.cases} closed cases, with {report.case_responses} responses")
    click.echo(f"  {report.responses} responses without a case")
    click.echo(f"  {report.quarantined} quarantined messages")
    for name, count in report.elsewhere.items():
        click.echo(f"  {count} {name.replace('_', ' ')} entries")
    if not dry_run:
        click.echo(f"in {report.batches} batches of at most {rt.settings.retention_batch}")
