"""The `npsloop` command. Each subcommand parses its options and calls one service."""

from __future__ import annotations

import click

from npsloop.cli import (
    agent_hours,
    audit,
    cases,
    customers,
    deadletters,
    directory,
    imports,
    insight,
    integrations,
    outbound,
    reports,
    routing,
    run,
    secrets,
    themes,
    tokens,
)


@click.group()
def main() -> None:
    """npsloop: closes the loop on unhappy customers."""
    from npsloop.logs import configure_logging
    from npsloop.private import private_directory
    from npsloop.settings import get_settings

    configure_logging(get_settings())
    private_directory(get_settings().data_dir)  # 0700 when npsloop makes it, before any command writes in it


for command in (run.demo, run.serve, run.worker, run.beat, run.reconcile, run.db, run.worker_health, run.intake):
    main.add_command(command)
main.add_command(directory.teams)
main.add_command(directory.agents)
directory.agents.add_command(agent_hours.hours)
main.add_command(cases.cases)
main.add_command(imports.import_csv)
main.add_command(deadletters.dead_letters)
main.add_command(routing.routing)
main.add_command(tokens.tokens)
main.add_command(cases.responses)
main.add_command(reports.report)
main.add_command(integrations.integrations)
main.add_command(outbound.webhooks)
main.add_command(customers.customers)
main.add_command(customers.retention_group)
main.add_command(secrets.secrets)
main.add_command(themes.themes)
main.add_command(insight.insight)
main.add_command(audit.audit)
