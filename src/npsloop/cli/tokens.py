"""`npsloop tokens create|list|revoke`: API tokens with a role; the secret is printed once."""

from __future__ import annotations

import json
from datetime import timedelta

import click

from npsloop.api.tokens import token_json
from npsloop.cli.common import cli_actor, fail_on_domain_error, runtime
from npsloop.domain.access import Role
from npsloop.services import tokens as service


@click.group()
def tokens() -> None:
    """API tokens and their roles."""


@tokens.command("create")
@click.option("--name", required=True, help="who or what holds the token, unique")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--agent", default=None, help="the agent the token acts as (required for --role agent)")
@click.option("--expires-in-days", type=click.IntRange(1, 3650), default=None)
def create(name: str, role: str, agent: str | None, expires_in_days: int | None) -> None:
    rt = runtime()
    issued = fail_on_domain_error(
        service.create_token,
        uow=rt.uow(),
        name=name,
        role=Role(role),
        agent=agent,
        now=rt.clock(),
        expires_in=timedelta(days=expires_in_days) if expires_in_days else None,
        actor=cli_actor(),
    )
    click.echo(issued.secret)
    click.echo(f"token {name!r} ({role}) created; this is the only time it is shown", err=True)


@tokens.command("list")
@click.option("--json", "as_json", is_flag=True)
def list_tokens(as_json: bool) -> None:
    rt = runtime()
    now = rt.clock()
    rows = [token_json(t, now) for t in service.list_tokens(uow=rt.uow())]
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    for row in rows:
        expires = (row["expires_at"] or "never")[:16]
        click.echo(f"{row['name']:<24} {row['role']:<12} {row['prefix']}…  {row['status']:<8} expires {expires}")


@tokens.command("revoke")
@click.argument("name")
def revoke(name: str) -> None:
    rt = runtime()
    fail_on_domain_error(service.revoke_token, uow=rt.uow(), name=name, now=rt.clock(), actor=cli_actor())
    click.echo(f"token {name!r} revoked")
