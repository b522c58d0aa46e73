"""Helpers every subcommand group shares."""

from __future__ import annotations

from typing import Any

import click

from npsloop.bootstrap import Runtime
from npsloop.domain.errors import DomainError


def runtime() -> Runtime:
    from npsloop.bootstrap import get_runtime

    return get_runtime()


def fail_on_domain_error(call: Any, *args: Any, **kwargs: Any) -> Any:
    """A domain error is the user's to fix: say it plainly and exit 1, no traceback."""
    try:
        return call(*args, **kwargs)
    except DomainError as error:
        raise click.ClickException(str(error)) from None
