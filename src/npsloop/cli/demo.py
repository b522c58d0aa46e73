"""`npsloop demo`: the whole loop on the embedded default (SQLite, a filesystem broker, an outbox folder),
with a real API server and a real Celery worker process, and nothing to install beyond the package."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from npsloop.ingest import signature
from npsloop.logs import configure_logging
from npsloop.private import private_directory
from npsloop.services.work_messages import Message
from npsloop.settings import Settings
from npsloop.store import migrate

SAMPLES = "demo_responses.json"
TEAMS = [
    ("Customer care", ["support call"], True),
    ("Logistics", ["delivery"], False),
    ("Online store", ["checkout"], False),
]
AGENTS = [
    ("Marta", "Logistics", "+34611222333", "marta@npsloop.example", "es"),
    ("Diego", "Online store", "+34699888777", "diego@npsloop.example", "es"),
    ("Grace", "Customer care", "+447400123456", "grace@npsloop.example", "en"),
    ("Tom", "Customer care", None, "tom@npsloop.example", "en"),
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def demo_environment(data_dir: Path, port: int) -> dict[str, str]:
    return {
        "NPSLOOP_DATA_DIR": str(data_dir),
        "NPSLOOP_DATABASE_URL": "",
        "NPSLOOP_BROKER_URL": "",
        "NPSLOOP_TWILIO_ACCOUNT_SID": "",
        "NPSLOOP_SMTP_URL": "",
        "NPSLOOP_WEBHOOK_SECRETS": "demo:" + secrets.token_hex(16),
        "NPSLOOP_API_TOKENS": secrets.token_urlsafe(24),
        "NPSLOOP_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "NPSLOOP_LOG_FORMAT": "text",
        "NPSLOOP_LOG_LEVEL": "WARNING",
        "NPSLOOP_RECONCILE_AFTER_SECONDS": "20",
        # Beside the data dir, which each run wipes: the default comment model is fitted by the first run only.
        "NPSLOOP_MODEL_CACHE_DIR": os.environ.get("NPSLOOP_MODEL_CACHE_DIR") or str(data_dir.parent / "models"),
    }


def run(*, data_dir: Path, serve: bool, port: int | None) -> int:
    shutil.rmtree(data_dir, ignore_errors=True)
    private_directory(data_dir)
    port = port or (8000 if serve else free_port())
    os.environ.update(demo_environment(data_dir, port))
    from npsloop.settings import get_settings

    get_settings.cache_clear()
    settings = get_settings()
    configure_logging(settings)
    print(f"npsloop demo: data in {data_dir}, API on http://127.0.0.1:{port}")
    migrate.upgrade(settings.resolved_database_url)
    try:
        _run_loop(settings, port, serve)
    except (RuntimeError, httpx.HTTPError) as error:
        print(f"\nnpsloop demo failed: {error}", file=sys.stderr)
        return 1
    return 0


def _run_loop(settings: Settings, port: int, serve: bool) -> None:
    with api_server(port) as base_url, celery_worker(settings):
        client = httpx.Client(base_url=base_url, timeout=10)
        token = settings.api_token_list()[0]
        seed_directory(client, token)
        load_history(settings)
        answers = post_samples(client, settings)
        print(f"\nposted {len(answers)} signed responses: " + ", ".join(_tally(answers)))
        wait_until_settled(settings)
        print_summary(client, token, settings)
        print_top_themes(settings)
        if serve:
            print_try_it(base_url, settings, token)
            _wait_for_interrupt()


@contextmanager
def api_server(port: int) -> Iterator[str]:
    from npsloop.api.app import create_app

    server = uvicorn.Server(uvicorn.Config(create_app(), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError(f"the API did not start on port {port}")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@contextmanager
def celery_worker(settings: Settings) -> Iterator[subprocess.Popen[bytes]]:
    command = [sys.executable, "-m", "npsloop.cli", "worker", "--pool", "solo", "--loglevel", "WARNING"]
    # The demo runs as whoever started it, often root in a container; Celery's warning about it is noise here.
    env = {**os.environ, "PYTHONWARNINGS": "ignore::UserWarning"}
    worker = subprocess.Popen(command, env=env)
    try:
        yield worker
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            worker.kill()


def seed_directory(client: httpx.Client, token: str) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    for name, touchpoints, default in TEAMS:
        client.post(
            "/v1/teams", json={"name": name, "touchpoints": touchpoints, "default": default}, headers=headers
        ).raise_for_status()
    for name, team, phone, email, language in AGENTS:
        body = {"name": name, "team": team, "phone": phone, "email": email, "language": language}
        client.post("/v1/agents", json=body, headers=headers).raise_for_status()


def load_samples() -> list[dict[str, Any]]:
    text = resources.files("npsloop.samples").joinpath(SAMPLES).read_text(encoding="utf-8")
    samples: list[dict[str, Any]] = json.loads(text)
    start = datetime.now(UTC) - timedelta(minutes=len(samples))
    for minute, sample in enumerate(samples):
        sample["responded_at"] = (start + timedelta(minutes=minute)).isoformat()
    return samples


def post_samples(client: httpx.Client, settings: Settings) -> list[str]:
    secret = settings.webhook_secret_map()["demo"][0]
    answers = []
    for sample in load_samples():
        body = json.dumps(sample, ensure_ascii=False).encode()
        header = signature.sign(body, secret, int(time.time()))
        reply = client.post(
            "/v1/responses", content=body, headers={"Content-Type": "application/json", signature.HEADER: header}
        )
        if reply.status_code not in (200, 202):
            raise RuntimeError(f"{sample['response_id']}: {reply.status_code} {reply.text}")
        answers.append(reply.json()["status"])
    return answers


def wait_until_settled(settings: Settings, timeout: float = 90) -> None:
    """Every response classified and every notification past pending/sending, read from the database."""
    import sqlalchemy as sa

    from npsloop.store.database import make_engine

    engine = make_engine(settings.resolved_database_url)
    query = sa.text(
        "SELECT (SELECT count(*) FROM responses WHERE status = 'received')"
        " + (SELECT count(*) FROM notifications WHERE state IN ('pending', 'sending'))"
    )
    deadline = time.monotonic() + timeout
    try:
        while True:
            with engine.connect() as connection:
                remaining = connection.execute(query).scalar_one()
            if remaining == 0:
                return
            if time.monotonic() > deadline:
                raise RuntimeError(f"{remaining} items still in flight after {timeout:.0f} s")
            time.sleep(0.2)
    finally:
        engine.dispose()


def print_summary(client: httpx.Client, token: str, settings: Settings) -> None:
    from npsloop.bootstrap import build_runtime
    from npsloop.services.nps_report import nps_of_all

    headers = {"Authorization": f"Bearer {token}"}
    cases = client.get("/v1/cases", params={"status": "open"}, headers=headers).json()["items"]
    print(f"\n{len(cases)} cases opened:")
    for item in sorted(cases, key=lambda c: c["id"]):
        detail = client.get(f"/v1/cases/{item['id']}", headers=headers).json()
        sent = sum(1 for n in detail["notifications"] if n["state"] == "sent")
        who = item["customer"]["name"] or item["customer"]["id"]
        print(
            f"  #{item['id']:<3} score {item['score']:>2}  {who:<16} team {item['team'] or '-':<14}"
            f" responses {item['response_count']}  alerts sent {sent}"
        )
    outbox = sorted(settings.resolved_outbox_dir.glob("*"))
    print(f"\n{len(outbox)} alerts written to {settings.resolved_outbox_dir}:")
    for path in outbox:
        print(f"  {path.name}")
    runtime = build_runtime(settings, dispatcher=_NoDispatch())
    summary = nps_of_all(uow=runtime.uow(), integration="demo")
    runtime.engine.dispose()
    print(
        f"\nNPS of the sample: {summary.score:+.1f} (±{summary.margin_95:.1f} at 95%)"
        f"  promoters {summary.promoters}, passives {summary.passives}, detractors {summary.detractors},"
        f" {summary.total} responses"
    )


def load_history(settings: Settings) -> None:
    """A year of history before the live answers, so the reports and the review have something to show."""
    from npsloop.bootstrap import build_runtime
    from npsloop.cli.demo_history import load

    runtime = build_runtime(settings, dispatcher=_NoDispatch())
    try:
        loaded = load(runtime, datetime.now(UTC))
    finally:
        runtime.engine.dispose()
    print(
        f"loaded a year of history: {loaded.responses} responses, {loaded.cases} cases closed with reasons,"
        f" {loaded.tagged} comments tagged"
    )


def print_top_themes(settings: Settings) -> None:
    """What the Why page leads with: the themes that cost the most NPS over the last twelve months."""
    from npsloop.bootstrap import build_runtime
    from npsloop.services.review import top_themes
    from npsloop.services.themes import current_taxonomy

    runtime = build_runtime(settings, dispatcher=_NoDispatch())
    try:
        today = datetime.now(UTC).date()
        top = top_themes(
            uow=runtime.uow(),
            since=today - timedelta(days=365),
            until=today,
            default_zone=settings.report_timezone,
        )
        names = {theme.key: theme.name.en for theme in current_taxonomy(uow=runtime.uow()).themes}
    finally:
        runtime.engine.dispose()
    print("\nwhy customers are unhappy (last 12 months, detractors' comments):")
    for standing in top:
        print(
            f"  {names.get(standing.theme, standing.theme):<20} {standing.detractors:>4} detractors"
            f"  {standing.share or 0:5.1f}% of them   NPS points at stake {standing.points_at_stake or 0:+.1f}"
        )


def print_try_it(base_url: str, settings: Settings, token: str) -> None:
    print(
        f"\nServing on {base_url} (OpenAPI at {base_url}/docs).\n"
        f"Dashboard: {base_url}/ui (log in with the admin token {token})\n"
        f"Try:\n"
        f"  curl -H 'Authorization: Bearer {token}' {base_url}/v1/cases\n"
        f"  curl -H 'Authorization: Bearer {token}' '{base_url}/v1/reports/nps?period=month&group_by=touchpoint'\n"
        f"Webhook secret for integration 'demo': {settings.webhook_secret_map()['demo'][0]}\n"
        "Press Ctrl-C to stop."
    )


def _tally(answers: list[str]) -> list[str]:
    return [f"{answers.count(status)} {status}" for status in ("accepted", "updated", "duplicate") if status in answers]


def _wait_for_interrupt() -> None:
    """Ctrl-C or SIGTERM (a process manager, `timeout`) both end the demo cleanly, worker included."""
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        print("\nstopping")


class _NoDispatch:
    def publish(self, message: Message) -> None:
        raise RuntimeError(f"the demo summary does not enqueue ({message})")
