"""`npsloop secrets generate-key|rotate-key`: the keys that encrypt the secrets the database keeps."""

from __future__ import annotations

import click

from npsloop.cli.common import keyring_or_exit
from npsloop.store.keyring import Keyring, KeyringError


@click.group()
def secrets() -> None:
    """The keys that encrypt stored secrets (NPSLOOP_SECRET_KEY)."""


@secrets.command("generate-key")
def generate_key() -> None:
    """Print a new key, for NPSLOOP_SECRET_KEY (or, to rotate, for the front of its list)."""
    click.echo(Keyring.generate())


@secrets.command("rotate-key")
@click.option("--batch", type=click.IntRange(1, 10_000), default=100, show_default=True, help="rows a transaction")
def rotate_key(batch: int) -> None:
    """Re-encrypt every stored secret under the first key of NPSLOOP_SECRET_KEY. Put the new key first, keep
    the old ones after it, run this (again if stopped: it resumes), then drop the old keys everywhere."""
    from npsloop.settings import get_settings
    from npsloop.store.database import make_engine
    from npsloop.store.rekey import rekey

    settings = get_settings()
    keyring = keyring_or_exit(settings)
    engine = make_engine(settings.resolved_database_url)
    try:
        report = rekey(engine, keyring, batch=batch)
    except KeyringError as error:
        raise click.ClickException(str(error)) from None
    finally:
        engine.dispose()
    click.echo(
        f"re-encrypted {report.values} secret(s) in {report.rows} row(s); {report.current} already under the newest key"
    )
    if keyring.size > 1:
        click.echo("every stored secret is under the first key: the others may now be removed", err=True)
