"""The `npsloop` command on its own SQLite database in a temporary data dir, as an operator runs it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Protocol

import pytest
from click.testing import CliRunner, Result

from npsloop.cli import main
from npsloop.settings import get_settings
from npsloop.store import migrate


class Invoke(Protocol):
    def __call__(self, *args: str) -> Result: ...


@contextmanager
def operator_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Invoke]:
    monkeypatch.setenv("NPSLOOP_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("NPSLOOP_CONSOLE_NOTIFICATIONS", "false")
    from npsloop.bootstrap import get_runtime

    get_settings.cache_clear()
    get_runtime.cache_clear()
    migrate.upgrade(get_settings().resolved_database_url)
    runner = CliRunner()

    def invoke(*args: str) -> Result:
        return runner.invoke(main, list(args), catch_exceptions=False)

    try:
        yield invoke
    finally:
        get_runtime().engine.dispose()
        get_runtime.cache_clear()
        get_settings.cache_clear()
