"""`npsloop routing load|show`."""

from __future__ import annotations

from pathlib import Path

import click

from npsloop.cli.common import cli_actor, fail_on_domain_error, runtime
from npsloop.ingest.rules_yaml import dump_rules
from npsloop.services.routing import current_rules, load_routing_yaml


@click.group()
def routing() -> None:
    """Routing rules: which team, how urgent, or no case at all."""


@routing.command("load")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def load(path: Path) -> None:
    """Replace the rules with those in a YAML file (all or nothing). A rule may match on the comment's
    negative themes (themes: [billing]) and on the case's risk (risk: ">=0.7")."""
    rt = runtime()
    text = path.read_text(encoding="utf-8")
    rules = fail_on_domain_error(load_routing_yaml, uow=rt.uow(), text=text, now=rt.clock(), actor=cli_actor())
    click.echo(f"loaded {len(rules)} rules from {path}")


@routing.command("show")
def show() -> None:
    rules = current_rules(uow=runtime().uow())
    click.echo(dump_rules(rules) if rules else "no rules loaded: cases go to the team owning the touchpoint")
