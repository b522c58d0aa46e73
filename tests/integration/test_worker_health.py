"""A real worker beats while its event loop runs and stops beating when the loop is stuck (SIGSTOP), and
`npsloop worker-health` says so; its own /metrics port serves the queue depth, read from real Redis."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import httpx
import redis

from npsloop.cli import main  # noqa: F401  (the command under test, run as a subprocess)
from tests.support.services import forget_queue
from tests.support.smtp_server import free_port


def health(env: dict[str, str], max_age: str = "3") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "npsloop.cli", "worker-health", "--max-age", max_age],
        env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip


def test_a_stuck_worker_stops_beating_and_its_metrics_port_serves_the_queue(tmp_path, redis_url):
    port = free_port()
    queue = f"health-{os.getpid()}"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("NPSLOOP_", "PROMETHEUS_"))},
        "NPSLOOP_DATA_DIR": str(tmp_path),
        "NPSLOOP_BROKER_URL": redis_url,
        "NPSLOOP_QUEUE": queue,
        "NPSLOOP_WORKER_HEARTBEAT_SECONDS": "0.5",
        "NPSLOOP_WORKER_METRICS_PORT": str(port),
        "NPSLOOP_LOG_FORMAT": "json",
    }
    client = redis.Redis.from_url(redis_url)
    worker = subprocess.Popen(
        [sys.executable, "-m", "npsloop.cli", "worker", "--pool", "solo"],
        env=env, stdout=(tmp_path / "worker.log").open("wb"), stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while health(env).returncode != 0:
            assert time.monotonic() < deadline, (tmp_path / "worker.log").read_text()[-2000:]
            time.sleep(0.5)
        assert "alive" in health(env).stdout
        scraped = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=10).text
        assert "npsloop_queue_depth 0.0" in scraped
        worker.send_signal(signal.SIGSTOP)  # the process lives, its loop does not run
        time.sleep(4)
        stuck = health(env)
        assert stuck.returncode == 1 and "last beat" in stuck.stderr
        worker.send_signal(signal.SIGCONT)
        deadline = time.monotonic() + 30
        while health(env).returncode != 0:
            assert time.monotonic() < deadline
            time.sleep(0.5)
    finally:
        worker.send_signal(signal.SIGCONT)
        worker.terminate()
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
        forget_queue(client, queue)
        client.close()


def test_the_queue_depth_counts_every_priority_list_of_the_queue(tmp_path, redis_url):
    from npsloop import health
    from tests.conftest import sqlite_settings

    queue = f"depth-{os.getpid()}"
    settings = sqlite_settings(tmp_path, broker_url=redis_url, queue=queue)
    client = redis.Redis.from_url(redis_url)
    try:
        client.rpush(queue, b"a", b"b")
        client.rpush(queue + "\x06\x166", b"c")
        client.rpush("another-queue", b"d")
        assert health.queue_depth(settings) == 3
        assert health.broker_ok(settings) is None
    finally:
        forget_queue(client, queue, "another-queue")
        client.close()
