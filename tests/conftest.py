"""Fixtures every layer shares: payload factories, a signer, and a fast SQLite-backed runtime with fakes
for the queue and the channels (the real ones are exercised in tests/integration and tests/e2e)."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sqlite3
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from npsloop.bootstrap import Runtime, build_runtime
from npsloop.domain.notifications import Channel
from npsloop.ingest import signature
from npsloop.notify.base import OutboundMessage, PermanentDeliveryError, Receipt, TransientDeliveryError
from npsloop.services.processing import handle_response
from npsloop.services.work_messages import Message, ProcessResponse, SendNotification
from npsloop.settings import Settings
from npsloop.store import migrate
from tests.support.models import MODEL_CACHE

os.environ.setdefault("NPSLOOP_MODEL_CACHE_DIR", str(MODEL_CACHE))

SECRET = "whsec_test_" + "a" * 24
TOKEN = "test-token-" + "b" * 24
# Encrypts the secrets the test databases keep (a Fernet key: 32 bytes, url-safe base64).
SECRET_KEY = "bnBzbG9vcC10ZXN0LWtleS0wMTIzNDU2Nzg5YWJjZGU="
LOOPBACK = "127.0.0.0/8,::1"


def payload(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "response_id": "r-" + uuid.uuid4().hex[:12],
        "score": 3,
        "comment": "Late delivery",
        "survey_type": "transactional",
        "touchpoint": "delivery",
        "customer": {"id": "c-" + uuid.uuid4().hex[:8], "name": "Ana Gómez", "phone": "+34600111222"},
        "responded_at": datetime.now(UTC).isoformat(),
        "language": "es",
    }
    body.update(overrides)
    return body


def signed(body: dict[str, Any] | bytes, secret: str = SECRET, at: int | None = None) -> tuple[bytes, dict[str, str]]:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    header = signature.sign(raw, secret, int(time.time()) if at is None else at)
    return raw, {"Content-Type": "application/json", signature.HEADER: header}


@dataclass
class FakeDispatcher:
    """Records what units of work published, by kind, in order."""

    responses: list[int] = field(default_factory=list)
    notifications: list[int] = field(default_factory=list)

    def publish(self, message: Message) -> None:
        match message:
            case ProcessResponse(response_id):
                self.responses.append(response_id)
            case SendNotification(notification_id):
                self.notifications.append(notification_id)


@dataclass
class FakeTransport:
    """Unit-test stand-in for a channel; `script` maps an address to what successive sends do."""

    sent: list[OutboundMessage] = field(default_factory=list)
    script: dict[str, list[str]] = field(default_factory=dict)
    calls: dict[str, int] = field(default_factory=dict)

    def send(self, message: OutboundMessage) -> Receipt:
        attempt = self.calls.get(message.to, 0)
        self.calls[message.to] = attempt + 1
        plan = self.script.get(message.to, ["ok"])
        outcome = plan[min(attempt, len(plan) - 1)]
        if outcome == "transient":
            raise TransientDeliveryError("provider said 503")
        if outcome == "permanent":
            raise PermanentDeliveryError("provider said the number is invalid")
        self.sent.append(message)
        return Receipt(provider_id=f"fake-{len(self.sent)}")


def sqlite_settings(tmp_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "data_dir": tmp_path,
        "database_url": f"sqlite:///{tmp_path / 'test.db'}",
        "webhook_secrets": f"shop:{SECRET}",
        "api_tokens": TOKEN,
        "secret_key": SECRET_KEY,
        "console_notifications": False,
        "retry_base_seconds": 0.01,
        "retry_cap_seconds": 0.05,
        # The far sides of the tests (survey-tool APIs, webhook receivers) are local servers.
        "egress_allow": LOOPBACK,
    }
    values.update(overrides)
    return Settings(**values)


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One SQLite database migrated to head per test run: each test starts from a copy of it, since running the
    migrations for every test cost about half a second each."""
    folder = tmp_path_factory.mktemp("migrated")
    settings = sqlite_settings(folder)
    migrate.upgrade(settings.resolved_database_url)
    database = folder / "test.db"
    with contextlib.closing(sqlite3.connect(database)) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # everything in the main file, nothing left in the WAL
    return database


@pytest.fixture
def runtime(tmp_path: Path, migrated_sqlite: Path) -> Iterator[Runtime]:
    """A migrated SQLite database (a copy of the run's template), a recording dispatcher and fake channels."""
    settings = sqlite_settings(tmp_path)
    shutil.copyfile(migrated_sqlite, tmp_path / "test.db")
    rt = build_runtime(settings, dispatcher=FakeDispatcher())
    rt.transports = {Channel.SMS: FakeTransport(), Channel.EMAIL: FakeTransport()}
    yield rt
    rt.engine.dispose()


def seed_team(
    rt: Runtime,
    name: str = "Logistics",
    touchpoints: tuple[str, ...] = ("delivery",),
    default: bool = True,
    agents: tuple[tuple[str, str | None, str | None, str], ...] = (
        ("Marta", "+34611222333", "marta@example.es", "es"),
        ("Tom", None, "tom@example.com", "en"),
    ),
) -> None:
    from npsloop.services import directory

    directory.add_team(uow=rt.uow(), name=name, touchpoints=list(touchpoints), is_default=default)
    for agent, phone, email, language in agents:
        directory.add_agent(uow=rt.uow(), name=agent, team=name, phone=phone, email=email, language=language)


def ingest(rt: Runtime, integration: str = "shop", **overrides: Any) -> int:
    from npsloop.ingest.schemas import ResponseIn
    from npsloop.services.ingest import ingest_response

    now = rt.clock()
    incoming = ResponseIn.model_validate(payload(**overrides)).to_domain(integration=integration, received_at=now)
    return ingest_response(uow=rt.uow(), incoming=incoming, now=now).id


def process(rt: Runtime, response_id: int) -> list[int]:
    """Processes one response without sending (the use case alone, not the worker's process-then-send), and
    takes from the fake queue the alerts its commit published."""
    queue: FakeDispatcher = rt.dispatcher  # type: ignore[assignment]
    before = len(queue.notifications)
    handle_response(uow=rt.uow(), models=rt.models, response_id=response_id, now=rt.clock())
    published = queue.notifications[before:]
    del queue.notifications[before:]
    return published


def drain(rt: Runtime) -> None:
    """Runs what the fake dispatcher queued, the way a worker would, until nothing is left."""
    queue: FakeDispatcher = rt.dispatcher  # type: ignore[assignment]
    while queue.responses or queue.notifications:
        while queue.responses:
            rt.process(queue.responses.pop(0))
        while queue.notifications:
            rt.send(queue.notifications.pop(0))


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    """Say up front, before anything runs, if a test we are about to run needs a server that is not there."""
    parts = {part for item in items for part in item.path.parts}
    if parts & {"integration", "e2e", "faults"}:
        from tests.support.services import require_services

        browser = any(item.path.name == "test_dashboard_browser.py" for item in items)
        require_services(fault_injection="faults" in parts, browser=browser)


def at(rt: Runtime, moment: datetime) -> None:
    """Time travel: every service the runtime calls now sees `moment` as the present."""
    rt.clock = lambda: moment.astimezone(UTC)


def madrid_schedule(rt: Runtime, team: str = "Logistics", **extra: Any) -> None:
    """Weekdays 09:00-17:00 in Madrid, with Madrid's public holidays: the calendar the SLA tests reason in."""
    from npsloop.services.directory import set_schedule

    set_schedule(
        uow=rt.uow(),
        team=team,
        timezone="Europe/Madrid",
        hours="mon-fri 09:00-17:00",
        holiday_country="ES-MD",
        now=rt.clock(),
        **extra,
    )
