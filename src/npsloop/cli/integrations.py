"""`npsloop integrations add|list|rotate-secret|remove`: the survey tools allowed to push, and their secrets."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import click
import yaml

from npsloop.cli.common import cli_actor, fail_on_domain_error, runtime
from npsloop.domain.integrations import Integration, IntegrationKind, is_credential
from npsloop.services import integrations as service


def _setting(text: str) -> tuple[str, Any]:
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise click.BadParameter(f"{text!r}: expected key=value")
    return key.strip(), value


def _describe(integration: Integration) -> dict[str, Any]:
    return {
        "name": integration.name,
        "kind": integration.kind,
        "url": f"/v1/integrations/{integration.kind}/{integration.name}",
        # A credential of the tool's API (SurveyMonkey's api_key and access_token, Qualtrics' api_token) is
        # never printed: the same rule on the name that has it stored encrypted.
        "config": {k: ("***" if is_credential(k) else v) for k, v in integration.config.items()},
        "created_at": integration.created_at.isoformat(),
        "rotated_at": integration.rotated_at.isoformat() if integration.rotated_at else None,
        "previous_secret_valid_until": (
            integration.previous_valid_until.isoformat() if integration.previous_valid_until else None
        ),
    }


@click.group()
def integrations() -> None:
    """Survey tools and producers that push responses in their own format."""


@integrations.command("add")
@click.option("--name", required=True, help="the integration's id in its URL, e.g. typeform-support")
@click.option("--kind", type=click.Choice([k.value for k in IntegrationKind]), required=True)
@click.option(
    "--secret", default=None, help="the tool's own secret (Delighted API key, SurveyMonkey app secret, whsec_...)"
)
@click.option("--set", "settings", multiple=True, help="a setting, key=value (e.g. score_question=QID1); repeatable")
@click.option(
    "--config",
    "config_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="settings as JSON or YAML",
)
def add(name: str, kind: str, secret: str | None, settings: tuple[str, ...], config_file: Path | None) -> None:
    config: dict[str, Any] = {}
    if config_file is not None:
        loaded = yaml.safe_load(config_file.read_text())
        if not isinstance(loaded, dict):
            raise click.BadParameter("the file must hold a mapping of settings", param_hint="--config")
        config.update(loaded)
    config.update(_setting(item) for item in settings)
    rt = runtime()
    added = fail_on_domain_error(
        service.add_integration,
        uow=rt.uow(),
        egress=rt.egress.policy,
        name=name,
        kind=kind,
        config=config,
        secret=secret,
        now=rt.clock(),
        actor=cli_actor(),
    )
    click.echo(f"integration {name!r} ({kind}) added; the tool posts to /v1/integrations/{kind}/{name}", err=True)
    if added.generated:
        click.echo(added.secret)
        click.echo("that is its secret, shown this once: give it to the tool", err=True)


@integrations.command("list")
@click.option("--json", "as_json", is_flag=True)
def list_integrations(as_json: bool) -> None:
    rows = [_describe(i) for i in service.list_integrations(uow=runtime().uow())]
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    for row in rows:
        rotated = f"rotated {row['rotated_at'][:16]}" if row["rotated_at"] else ""
        click.echo(f"{row['name']:<24} {row['kind']:<13} {row['url']:<48} {rotated}")


@integrations.command("rotate-secret")
@click.argument("name")
@click.option("--secret", default=None, help="the new secret, when the tool issues it; otherwise one is made")
@click.option("--grace-hours", type=click.IntRange(0, 24 * 30), default=24, show_default=True)
def rotate(name: str, secret: str | None, grace_hours: int) -> None:
    rt = runtime()
    rotated = fail_on_domain_error(
        service.rotate_secret,
        uow=rt.uow(),
        name=name,
        secret=secret,
        now=rt.clock(),
        grace=timedelta(hours=grace_hours),
        actor=cli_actor(),
    )
    if rotated.generated:
        click.echo(rotated.secret)
    click.echo(f"secret of {name!r} rotated; the old one works for {grace_hours} more hours", err=True)


@integrations.command("remove")
@click.argument("name")
def remove(name: str) -> None:
    rt = runtime()
    fail_on_domain_error(service.remove_integration, uow=rt.uow(), name=name, actor=cli_actor(), now=rt.clock())
    click.echo(f"integration {name!r} removed")
