"""Runs the Alembic migrations shipped inside the package, so `npsloop db upgrade` needs no ini file."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from npsloop.store.database import normalize_url
from npsloop.store.keyring import Keyring

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(url: str, keyring: Keyring | None = None) -> Config:
    """`keyring`: for the revisions that encrypt or decrypt stored secrets (0011); a database with none to
    convert (a new one) migrates without it."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["url"] = normalize_url(url)
    config.attributes["keyring"] = keyring
    return config


def upgrade(url: str, revision: str = "head", *, keyring: Keyring | None = None) -> None:
    command.upgrade(alembic_config(url, keyring), revision)


def downgrade(url: str, revision: str, *, keyring: Keyring | None = None) -> None:
    command.downgrade(alembic_config(url, keyring), revision)
