"""Fixtures on the real PostgreSQL and Redis. Each test session gets its own freshly migrated database, and each
starts from empty tables; a missing server stops the run with what to start, not with a skip."""

from __future__ import annotations

import os
import shutil
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import redis
import sqlalchemy as sa

from npsloop.bootstrap import Runtime, build_runtime
from npsloop.domain.notifications import Channel
from npsloop.health import PRIORITY_SUFFIXES
from npsloop.store import migrate
from npsloop.store.database import normalize_url
from tests.conftest import FakeDispatcher, FakeTransport, sqlite_settings

ADMIN_URL = os.environ.get("NPSLOOP_TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("NPSLOOP_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
CHROMIUM = os.environ.get("NPSLOOP_TEST_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
HOW_TO = {
    "Chromium": "the dashboard's browser test drives a headless Chromium from the system, never a downloaded "
    "one: apt-get install chromium (Debian/Ubuntu), or point NPSLOOP_TEST_CHROMIUM at a Chrome or Chromium binary",
    "PostgreSQL": "start one (Debian: apt-get install postgresql && pg_ctlcluster 15 main start; or "
    "docker run -p 5432:5432 -e POSTGRES_HOST_AUTH_METHOD=trust postgres:16) or point "
    "NPSLOOP_TEST_DATABASE_URL at one",
    "redis-server": "the fault-injection tests (tests/faults) start and kill a private Redis of their own: "
    "install the binary (apt-get install redis-server, brew install redis)",
    "Redis": "start one (apt-get install redis-server && redis-server --daemonize yes; or "
    "docker run -p 6379:6379 redis:7) or point NPSLOOP_TEST_REDIS_URL at one",
}


def _reachable(url: str, default_port: int) -> bool:
    parts = urlsplit(url.replace("+psycopg", ""))
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or default_port), timeout=2):
            return True
    except OSError:
        return False


def require_services(*, fault_injection: bool = False, browser: bool = False) -> None:
    missing = []
    if browser and CHROMIUM is None:
        missing.append(("Chromium", "is not installed"))
    if fault_injection and shutil.which("redis-server") is None:
        missing.append(("redis-server", "is not on PATH"))
    if not _reachable(ADMIN_URL, 5432):
        missing.append(("PostgreSQL", f"at {ADMIN_URL} is not reachable"))
    if not _reachable(REDIS_URL, 6379):
        missing.append(("Redis", f"at {REDIS_URL} is not reachable"))
    if missing:
        lines = [f"  - {name} {problem}: {HOW_TO[name]}" for name, problem in missing]
        pytest.exit("the tests about to run need these, which are missing:\n" + "\n".join(lines), returncode=3)


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    require_services()
    name = "npsloop_test_" + uuid.uuid4().hex[:10]
    admin = sa.create_engine(normalize_url(ADMIN_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = normalize_url(ADMIN_URL).rsplit("/", 1)[0] + "/" + name
    migrate.upgrade(url)
    yield url
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def truncate(url: str) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "TRUNCATE outbound_deliveries, outbound_endpoints, integrations, api_tokens, nps_targets, "
                "notifications, case_events, ingest_deliveries, responses, cases, agents, teams, themes, audit_log "
                "RESTART IDENTITY CASCADE"
            )
        )
        connection.execute(sa.text("UPDATE themes_version SET version = 0, changed_at = NULL"))  # the default
        connection.execute(sa.text("UPDATE routing_version SET version = version + 1"))  # teams changed
    engine.dispose()


@pytest.fixture
def pg_runtime(pg_url: str, tmp_path: Path) -> Iterator[Runtime]:
    """The runtime on real PostgreSQL, with a recording dispatcher and fake channels."""
    truncate(pg_url)
    rt = build_runtime(sqlite_settings(tmp_path, database_url=pg_url), dispatcher=FakeDispatcher())
    rt.transports = {Channel.SMS: FakeTransport(), Channel.EMAIL: FakeTransport()}
    (rt.settings.broker_folder / "queue").mkdir(parents=True)  # the embedded broker's folder, as a worker makes it
    yield rt
    rt.engine.dispose()


def forget_queue(client: redis.Redis, queue: str, *more: str) -> None:
    """Deletes a test's or a benchmark's private queue, its priority lists and the binding sets kombu keeps for
    it, which outlive the queue: runs against a shared Redis leave nothing behind."""
    lists = [queue + suffix for suffix in PRIORITY_SUFFIXES]
    client.delete(*lists, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}", *more)


@pytest.fixture(scope="session")
def redis_url() -> str:
    require_services()
    return REDIS_URL
