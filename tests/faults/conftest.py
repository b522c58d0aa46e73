"""Fault-injection tests run the real processes; each reports its measured figures at the end of the run."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.services import ADMIN_URL, pg_runtime, pg_url, redis_url, require_services  # noqa: F401
from tests.support.stack import Stack

REPORTS: dict[str, dict[str, object]] = {}
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "faults"


@pytest.fixture
def report(request: pytest.FixtureRequest) -> dict[str, object]:
    figures: dict[str, object] = {}
    REPORTS[request.node.name] = figures
    return figures


@pytest.fixture
def stack_factory(tmp_path: Path) -> Iterator[object]:
    require_services()
    from npsloop.store.database import normalize_url

    stacks: list[Stack] = []

    def make(**overrides: str) -> Stack:
        stack = Stack(tmp_path / f"stack{len(stacks)}", normalize_url(ADMIN_URL), **overrides)
        stack.folder.mkdir()
        stacks.append(stack)
        return stack

    yield make
    for stack in stacks:
        stack.stop()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not REPORTS:
        return
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    terminalreporter.section("fault injection: what was measured")
    for name, figures in REPORTS.items():
        terminalreporter.write_line(f"{name}: {json.dumps(figures, sort_keys=True)}")
        (ARTIFACTS / f"{name}.json").write_text(json.dumps(figures, indent=2, sort_keys=True))
