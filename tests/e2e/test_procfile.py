"""The Procfile, run by honcho as a platform would run it, on the real PostgreSQL and Redis: the release
process migrates, then web, worker and beat start and answer, and a signed detractor goes all the way
through them to an alert."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import redis

from tests.conftest import SECRET, SECRET_KEY, TOKEN, payload, signed
from tests.support.services import forget_queue, truncate
from tests.support.smtp_server import free_port

ROOT = Path(__file__).resolve().parents[2]
HONCHO = Path(sys.executable).parent / "honcho"


def test_the_procfile_processes_start_and_answer(pg_url, redis_url, tmp_path):
    truncate(pg_url)
    port, queue = free_port(), f"procfile-{uuid.uuid4().hex[:8]}"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("NPSLOOP_", "PROMETHEUS_"))},
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",  # as an installed package
        "PORT": str(port),
        "WEB_CONCURRENCY": "2",
        "WORKER_CONCURRENCY": "2",
        "NPSLOOP_DATA_DIR": str(tmp_path / "data"),
        "NPSLOOP_DATABASE_URL": pg_url,
        "NPSLOOP_BROKER_URL": redis_url,
        "NPSLOOP_QUEUE": queue,
        "NPSLOOP_WEBHOOK_SECRETS": f"shop:{SECRET}",
        "NPSLOOP_API_TOKENS": TOKEN,
        "NPSLOOP_SECRET_KEY": SECRET_KEY,
        "NPSLOOP_LOG_FORMAT": "json",
        "NPSLOOP_CONSOLE_NOTIFICATIONS": "false",
        "NPSLOOP_CUSTOMER_CALL_HOURS": "00:00-24:00",
    }
    release = subprocess.run(
        [str(HONCHO), "-f", str(ROOT / "Procfile"), "start", "release"],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert release.returncode == 0, release.stdout[-2000:] + release.stderr[-2000:]
    log = tmp_path / "honcho.log"
    honcho = subprocess.Popen(
        [str(HONCHO), "-f", str(ROOT / "Procfile"), "start", "web", "worker", "beat"],
        env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    http = httpx.Client(base_url=base, timeout=10)
    auth = {"Authorization": f"Bearer {TOKEN}"}
    try:
        deadline = time.monotonic() + 90

        def until(check, what):
            while True:
                try:
                    if check():
                        return
                except httpx.HTTPError:
                    pass
                assert honcho.poll() is None, "honcho exited:\n" + log.read_text()[-3000:]
                assert time.monotonic() < deadline, f"{what}\n" + log.read_text()[-3000:]
                time.sleep(0.5)

        until(lambda: http.get("/healthz").status_code == 200, "web did not answer /healthz")
        until(lambda: http.get("/readyz").json()["status"] == "ready", "web never became ready")
        health = [str(Path(sys.executable).parent / "npsloop"), "worker-health"]
        until(lambda: subprocess.run(health, env=env, capture_output=True, check=False).returncode == 0, "no worker")
        assert http.post("/v1/teams", json={"name": "Logistics", "default": True}, headers=auth).status_code == 201
        agent = {"name": "Marta", "team": "Logistics", "email": "marta@example.es"}
        assert http.post("/v1/agents", json=agent, headers=auth).status_code == 201
        raw, headers = signed(payload(score=2))
        assert http.post("/v1/responses", content=raw, headers=headers).status_code == 202

        def alerted() -> bool:
            cases = http.get("/v1/cases", headers=auth).json()["items"]
            if not cases:
                return False
            detail = http.get(f"/v1/cases/{cases[0]['id']}", headers=auth).json()
            return any(n["state"] == "sent" for n in detail["notifications"])

        until(alerted, "the detractor was not alerted through the Procfile's worker")
        until(lambda: "beat" in log.read_text() and "Scheduler" in log.read_text(), "beat did not start")
        until(lambda: "npsloop_responses_received_total" in http.get("/metrics").text, "no metrics")
    finally:
        http.close()
        os.killpg(honcho.pid, signal.SIGTERM)
        try:
            honcho.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(honcho.pid, signal.SIGKILL)
        client = redis.Redis.from_url(redis_url)
        forget_queue(client, queue)
        client.close()
    # One detractor followed with grep across processes: the web process stored it, the worker processed it
    # (opening a case) and sent its alert, every line carrying the response id.
    lines = [
        (line.split("|", 1)[0].split()[-1], json.loads(line.split("| ", 1)[1]))
        for line in log.read_text().splitlines()
        if "| {" in line
    ]
    stored = [entry for _, entry in lines if entry.get("msg") == "response stored"]
    assert len(stored) == 1
    mine = {
        (process.split(".")[0], entry["msg"])
        for process, entry in lines
        if entry.get("response_id") == stored[0]["response_id"]
    }
    assert {("web", "response stored"), ("worker", "response processed"), ("worker", "notification sent")} <= mine
