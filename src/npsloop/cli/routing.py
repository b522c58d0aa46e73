"""`npsloop routing load|show|try`."""

from __future__ import annotations

from pathlib import Path
from typing import TextIO

import click

from npsloop.cli.common import cli_actor, fail_on_domain_error, runtime
from npsloop.domain.access import Principal, Role
from npsloop.ingest.rules_yaml import dump_rules, load_rules
from npsloop.ingest.sample_response import read_sample
from npsloop.services.routing import current_rules, load_routing_yaml, rule_themes
from npsloop.services.routing_preview import Outcome, RoutingPreview, preview_routing

OUTCOMES = {
    Outcome.OPENS: "opens a case",
    Outcome.JOINS: "joins the customer's open case",
    Outcome.RULE_SAYS_NO: "no case: the rule says open_case: false",
    Outcome.NOT_DETRACTOR: "no case: not a detractor",
}


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


@routing.command("try")
@click.argument("sample", type=click.File("r", encoding="utf-8"))
@click.option(
    "--rules",
    "rules_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Try the rules in this YAML file instead of those in force (nothing is loaded).",
)
def try_sample(sample: TextIO, rules_path: Path | None) -> None:
    """Route a sample response (JSON as /v1/responses takes it; '-' reads it from standard input) as processing
    would, and say which rule, team and priority, and whether a case would open. Nothing is stored."""
    rt = runtime()
    now = rt.clock()
    edited = None
    if rules_path is not None:
        edited = fail_on_domain_error(load_rules, rules_path.read_text(encoding="utf-8"), rule_themes(uow=rt.uow()))
    response = fail_on_domain_error(read_sample, sample.read(), now)
    found: RoutingPreview = fail_on_domain_error(
        preview_routing,
        uow=rt.uow(),
        models=rt.models,
        sample=response,
        now=now,
        viewer=Principal(name=cli_actor(), role=Role.ADMIN),
        rules=edited,
    )
    click.echo(f"rule: {found.rule if found.rule is not None else '(none loaded: the team owning the touchpoint)'}")
    click.echo(f"team: {found.team or '(none)'}")
    click.echo(f"priority: {found.priority.value}")
    click.echo(f"category: {found.category.value}")
    joined = f" #{found.joins_case}" if found.joins_case else ""
    click.echo(f"case: {OUTCOMES[found.outcome]}{joined}")
    themes = ", ".join(found.themes) or "(none)" if found.themes_read else "(not read: the model is not ready yet)"
    click.echo(f"themes: {themes}")
    if found.risk is not None:
        click.echo(f"risk: {found.risk:.0%}")
