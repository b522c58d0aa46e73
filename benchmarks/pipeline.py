"""Ingest, process and send throughput, against a bare FastAPI endpoint measured in the same run.

Sequential requests from one client: this measures the per-request cost of npsloop's ingest (signature,
validation, one committed INSERT, one Redis publish) relative to the cheapest possible endpoint, not the
machine's saturation point.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import httpx
import redis
import sqlalchemy as sa
import uvicorn
from fastapi import FastAPI

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.bare_app import app as bare_app  # noqa: E402
from npsloop.api.app import create_app  # noqa: E402
from npsloop.bootstrap import build_runtime  # noqa: E402
from npsloop.ingest import signature  # noqa: E402
from npsloop.services import directory  # noqa: E402
from npsloop.settings import Settings  # noqa: E402
from npsloop.store import migrate  # noqa: E402
from npsloop.store.database import normalize_url  # noqa: E402
from npsloop.store.keyring import Keyring  # noqa: E402

ADMIN_URL = os.environ.get("NPSLOOP_TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("NPSLOOP_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
SECRET = "bench-secret"


def serve(app: FastAPI) -> tuple[uvicorn.Server, str]:
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.02)
    return server, f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"


def bodies(n: int) -> list[bytes]:
    rng = random.Random(42)
    out = []
    for i in range(n):
        score = rng.choice([0, 3, 5, 6] if rng.random() < 0.25 else [7, 8, 9, 10])
        out.append(
            json.dumps(
                {
                    "response_id": f"bench-{i}",
                    "score": score,
                    "comment": "x" * rng.randint(0, 500),
                    "touchpoint": "delivery",
                    "customer": {"id": f"c-{i}", "phone": "+34600111222", "email": "c@example.es"},
                    "responded_at": datetime.now(UTC).isoformat(),
                }
            ).encode()
        )
    return out


def post_all(base: str, path: str, payloads: list[bytes]) -> float:
    with httpx.Client(base_url=base, timeout=30) as client:
        start = time.perf_counter()
        for body in payloads:
            headers = {
                "Content-Type": "application/json",
                signature.HEADER: signature.sign(body, SECRET, int(time.time())),
            }
            reply = client.post(path, content=body, headers=headers)
            if reply.status_code not in (200, 202):
                raise RuntimeError(f"{reply.status_code}: {reply.text}")
        return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=500)
    args = parser.parse_args()
    n = args.n
    name = "npsloop_bench_" + uuid.uuid4().hex[:8]
    admin = sa.create_engine(normalize_url(ADMIN_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = normalize_url(ADMIN_URL).rsplit("/", 1)[0] + "/" + name
    queue = "npsloop-bench-" + uuid.uuid4().hex[:8]
    try:
        migrate.upgrade(url)
        folder = Path(tempfile.mkdtemp())
        settings = Settings(
            data_dir=folder,
            database_url=url,
            broker_url=REDIS_URL,
            queue=queue,
            webhook_secrets=f"bench:{SECRET}",
            secret_key=Keyring.generate(),
            console_notifications=False,
            sms_per_agent_per_hour=10**6,
        )
        runtime = build_runtime(settings)
        directory.add_team(uow=runtime.uow(), name="Logistics", touchpoints=["delivery"], is_default=True)
        directory.add_agent(
            uow=runtime.uow(), name="Marta", team="Logistics", phone="+34611222333", email="marta@example.es"
        )
        payloads = bodies(n)

        bare_server, bare_base = serve(bare_app)
        baseline_seconds = post_all(bare_base, "/v1/responses", payloads)
        bare_server.should_exit = True

        api_server, api_base = serve(create_app(runtime))
        ingest_seconds = post_all(api_base, "/v1/responses", payloads)
        repeat_seconds = post_all(api_base, "/v1/responses", payloads[: n // 10])
        api_server.should_exit = True

        with runtime.engine.connect() as connection:
            ids = list(connection.execute(sa.text("SELECT id FROM responses ORDER BY id")).scalars())
        start = time.perf_counter()
        for response_id in ids:
            runtime.process(response_id)  # publishes each new case's alerts after its commit
        process_seconds = time.perf_counter() - start
        with runtime.engine.connect() as connection:
            pending = list(
                connection.execute(
                    sa.text("SELECT id FROM notifications WHERE state = 'pending' ORDER BY id")
                ).scalars()
            )

        start = time.perf_counter()
        for notification_id in pending:
            runtime.send(notification_id)
        send_seconds = time.perf_counter() - start
        queued = redis.Redis.from_url(REDIS_URL).llen(queue)
        runtime.engine.dispose()
    finally:
        redis.Redis.from_url(REDIS_URL).delete(queue)
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    results = {
        "n": n,
        "baseline_bare_endpoint_per_s": n / baseline_seconds,
        "ingest_per_s": n / ingest_seconds,
        "ingest_ratio_to_baseline": baseline_seconds / ingest_seconds,
        "repeat_ingest_per_s": (n // 10) / repeat_seconds,
        "messages_published": queued,
        "process_per_s": len(ids) / process_seconds,
        "notifications": len(pending),
        "send_outbox_per_s": len(pending) / send_seconds if pending else None,
    }
    print(f"{'measure':<42}{'value':>12}")
    for key, value in results.items():
        print(f"{key:<42}{value:>12.1f}" if isinstance(value, float) else f"{key:<42}{value!s:>12}")
    out = Path(__file__).with_name("results")
    out.mkdir(exist_ok=True)
    (out / "pipeline.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
