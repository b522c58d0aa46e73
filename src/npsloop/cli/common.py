"""Helpers every subcommand group shares."""

from __future__ import annotations

import getpass
from typing import Any

import click

from npsloop.bootstrap import Runtime
from npsloop.domain.errors import DomainError
from npsloop.settings import Settings
from npsloop.store.keyring import Keyring, KeyringError


def runtime() -> Runtime:
    from npsloop.bootstrap import get_runtime

    try:
        return get_runtime()
    except KeyringError as error:  # no key, or a malformed one: the operator's to fix, no traceback
        raise click.ClickException(str(error)) from None


def cli_actor() -> str:
    """Who the audit trail records for a change made from this shell: "cli:" and the operating-system user."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no name for this uid (a container running as an arbitrary user)
        return "cli:unknown"


def keyring_or_exit(settings: Settings) -> Keyring:
    """The keys to the stored secrets, or exit 1 saying what to set: for the commands that start servers,
    which must refuse to start rather than fail on their first request."""
    from npsloop.secret_key import load_keyring

    try:
        return load_keyring(settings)
    except KeyringError as error:
        raise click.ClickException(str(error)) from None


def fail_on_domain_error(call: Any, *args: Any, **kwargs: Any) -> Any:
    """A domain error is the user's to fix: say it plainly and exit 1, no traceback."""
    try:
        return call(*args, **kwargs)
    except DomainError as error:
        raise click.ClickException(str(error)) from None
