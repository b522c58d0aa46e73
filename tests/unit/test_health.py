"""The probes' building blocks."""

import os
import time

from npsloop import health
from tests.conftest import sqlite_settings


def test_heartbeat_age(tmp_path):
    path = tmp_path / "beat"
    assert health.heartbeat_age(path) is None
    health.beat(path)
    assert health.heartbeat_age(path) < 5
    old = time.time() - 100
    os.utime(path, (old, old))
    assert 99 < health.heartbeat_age(path) < 110


def test_the_embedded_broker_is_ready_when_its_folder_is_writable_and_counts_its_messages(tmp_path):
    settings = sqlite_settings(tmp_path)
    assert "not writable" in health.broker_ok(settings)
    assert health.queue_depth(settings) is None
    queue = settings.broker_folder / "queue"
    queue.mkdir(parents=True)
    (queue / f"1_a.{settings.queue}.msg").write_text("{}")
    (queue / "2_b.other-queue.msg").write_text("{}")
    assert health.broker_ok(settings) is None
    assert health.queue_depth(settings) == 1


def test_an_unreachable_redis_is_reported_not_raised(tmp_path):
    settings = sqlite_settings(tmp_path, broker_url="redis://127.0.0.1:1/0")
    assert health.broker_ok(settings) == "ConnectionError"
    assert health.queue_depth(settings) is None
