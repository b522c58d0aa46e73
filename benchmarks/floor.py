"""The floor: what one response costs this machine in the parts no implementation of npsloop can skip.

The end-to-end targets (issue: 500 responses/s, half the Celery no-op ceiling) are set against a 2-core
machine that also runs PostgreSQL, Redis, the load driver and the SMS and email sinks. This script asks how
far they are reachable at all: it measures, with none of npsloop's own logic, the CPU the unavoidable parts of
one response take, on both ends of every connection:

- the signed HTTP request, from the driver to a FastAPI endpoint that only reads the body (uvicorn);
- one durable INSERT and commit of a response-sized row (psycopg, and the PostgreSQL backend serving it);
- one Celery task through Redis with npsloop's broker settings (publish, a no-op worker, the Redis server);
- each alert: one SMS through the twilio SDK to the local Twilio-compatible sink, one email through smtplib on
  a kept connection to the local SMTP sink (npsloop's side and the sink's side apart).

CPU is read per process (this process, the uvicorn and Celery children, the sinks' child, PostgreSQL's backend
for our connection, and Redis's own INFO counters), so it is a lower bound: PostgreSQL's WAL writer and
checkpointer, the kernel's loopback and the scheduler are left out. The alert mix is the end-to-end one
(benchmarks/e2e.py: 25% detractors, 10% repeats, two agents of whom one has a phone). The Celery no-op
ceiling is measured the way benchmarks/e2e.py measures it, in the same run.

    .venv/bin/python benchmarks/floor.py [--n 2000] [--workers 2]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import signal
import smtplib
import sys
import time
import uuid
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import psycopg
import redis
from psycopg import sql

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support import smtp_server, twilio_server  # noqa: E402
from tests.support.services import forget_queue  # noqa: E402
from tests.support.smtp_server import free_port  # noqa: E402

from benchmarks.harness import (  # noqa: E402
    ADMIN_URL,
    BIN,
    EMAILS_PER_RESPONSE,
    REDIS_URL,
    SMS_PER_RESPONSE,
    Group,
    RawPool,
    bodies,
    cpu_seconds,
    noop_env,
    paused_noop_workers,
    signed_headers,
    spawn,
    wait_http,
)
from npsloop.notify.base import OutboundMessage  # noqa: E402
from npsloop.notify.sms import TwilioSms  # noqa: E402

SMS_TEXT = "npsloop #123: detractor 3/10 from Ana (delivery). 'The parcel came two days late and' ... reply ACK 123"


def own_cpu() -> float:
    """This process, every thread."""
    return time.process_time()


def redis_cpu(client: redis.Redis) -> float:
    info = client.info("cpu")
    return float(info["used_cpu_user"]) + float(info["used_cpu_sys"])


def sinks_process(ready: Any, stop: Any) -> None:
    """The Twilio-compatible and SMTP sinks in a child of their own, so their CPU is counted apart."""
    twilio = twilio_server.start()
    controller, _ = smtp_server.start()
    ready.put((twilio.base_url, twilio.state.account_sid, twilio.state.auth_token, controller.port))
    stop.wait()
    twilio.shutdown()
    controller.stop()


async def post_all(base: str, payloads: list[bytes], clients: int = 16) -> int:
    pool = RawPool(base)
    ok = 0

    async def caller(offset: int) -> None:
        nonlocal ok
        for raw in payloads[offset::clients]:
            if 200 <= await pool.post("/v1/responses", raw, signed_headers(raw)) < 300:
                ok += 1

    await asyncio.gather(*(caller(n) for n in range(clients)))
    pool.close()
    return ok


def measure_http(n: int, env: dict[str, str], folder: Path) -> dict[str, float]:
    port = free_port()
    app = [str(BIN / "uvicorn"), "benchmarks.bare_app:app", "--host", "127.0.0.1", "--port", str(port)]
    group = Group("bare")
    group.processes.append(
        spawn([*app, "--log-level", "warning"], {**env, "PYTHONPATH": str(ROOT)}, folder / "bare.log")
    )
    try:
        wait_http(f"http://127.0.0.1:{port}/healthz")
        payloads = bodies(n, seed=7)
        server, driver = cpu_seconds(group.pids()), own_cpu()
        ok = asyncio.run(post_all(f"http://127.0.0.1:{port}", payloads))
        server, driver = cpu_seconds(group.pids()) - server, own_cpu() - driver
    finally:
        group.stop()
    assert ok == n, f"{n - ok} of {n} requests to the bare endpoint failed"
    return {"npsloop": 1000 * server / n, "servers": 0.0, "harness": 1000 * driver / n}


def measure_store(n: int) -> dict[str, float]:
    table = "floor_" + uuid.uuid4().hex[:8]
    dsn = ADMIN_URL.replace("postgresql+psycopg://", "postgresql://")
    payloads = [json.loads(raw) for raw in bodies(n, seed=8)]
    with psycopg.connect(dsn) as connection:
        connection.execute(
            f"CREATE TABLE {table} (id bigserial PRIMARY KEY, external_id text UNIQUE NOT NULL, score int NOT NULL,"
            " comment text, customer jsonb NOT NULL, responded_at timestamptz NOT NULL, received_at timestamptz"
            " NOT NULL DEFAULT now())"
        )
        connection.commit()
        backend = int(connection.execute("SELECT pg_backend_pid()").fetchone()[0])  # type: ignore[index]
        try:
            insert = sql.SQL(
                "INSERT INTO {} (external_id, score, comment, customer, responded_at) VALUES (%s, %s, %s, %s, %s)"
            ).format(sql.Identifier(table))
            client, server = own_cpu(), cpu_seconds([backend])
            for i, body in enumerate(payloads):
                connection.execute(
                    insert,
                    (f"{body['response_id']}-{i}", body["score"], body["comment"], json.dumps(body["customer"]),
                     body["responded_at"]),
                )  # fmt: skip
                connection.commit()
            client, server = own_cpu() - client, cpu_seconds([backend]) - server
        finally:
            connection.rollback()
            connection.execute(f"DROP TABLE {table}")
            connection.commit()
    return {"npsloop": 1000 * client / n, "servers": 1000 * server / n, "harness": 0.0}


def measure_queue(n: int, workers: int, env: dict[str, str], folder: Path) -> tuple[dict[str, float], float]:
    """Publish n no-op tasks with the workers paused, then let them drain the queue: CPU per task on each side,
    and the drain rate, which is the Celery no-op ceiling as benchmarks/e2e.py measures it."""
    queue = "bench-floor-" + uuid.uuid4().hex[:8]
    counter = queue + ":done"
    env = noop_env(env, queue, counter)
    os.environ.update({k: env[k] for k in ("NPSLOOP_QUEUE", "NPSLOOP_BROKER_URL", "BENCH_COUNTER")})
    from benchmarks import noop_app  # settings come from the environment set just above

    client = redis.Redis.from_url(REDIS_URL)
    group = paused_noop_workers(env, queue, workers, 1, folder)
    try:
        publish = own_cpu()
        with noop_app.app.producer_or_acquire() as producer:
            for i in range(n):
                noop_app.noop.apply_async((i,), producer=producer)
        publish = own_cpu() - publish
        client.set(counter, 0)
        worker, broker = cpu_seconds(group.pids()), redis_cpu(client)
        started = time.perf_counter()
        group.signal(signal.SIGCONT)
        while int(client.get(counter) or 0) < n:
            time.sleep(0.02)
        ceiling = n / (time.perf_counter() - started)
        worker, broker = cpu_seconds(group.pids()) - worker, redis_cpu(client) - broker
    finally:
        group.signal(signal.SIGCONT)
        group.stop()
        forget_queue(client, queue, counter)
    # The no-op's own INCR (how the run knows it is done) is counted with it, a few microseconds.
    return {"npsloop": 1000 * (publish + worker) / n, "servers": 1000 * broker / n, "harness": 0.0}, ceiling


def measure_alerts(n: int, sinks: tuple[str, str, str, int], sinks_pid: int) -> dict[str, dict[str, float]]:
    base, sid, token, smtp_port = sinks
    sms = TwilioSms(account_sid=sid, auth_token=token, sender="+15005550006", api_base=base, timeout=10)
    text = OutboundMessage(channel="sms", to="+34611222333", text=SMS_TEXT, reference="n1")
    client, sink = own_cpu(), cpu_seconds([sinks_pid])
    for _ in range(n):
        sms.send(text)
    sms_cost = {"npsloop": 1000 * (own_cpu() - client) / n, "servers": 0.0,
                "harness": 1000 * (cpu_seconds([sinks_pid]) - sink) / n}  # fmt: skip
    with smtplib.SMTP("127.0.0.1", smtp_port) as smtp:
        client, sink = own_cpu(), cpu_seconds([sinks_pid])
        for i in range(n):
            mail = EmailMessage()
            mail["From"], mail["To"], mail["Subject"] = "npsloop@example.com", "marta@example.es", f"[npsloop #{i}]"
            mail.set_content(SMS_TEXT * 3)
            smtp.send_message(mail)
        email_cost = {"npsloop": 1000 * (own_cpu() - client) / n, "servers": 0.0,
                      "harness": 1000 * (cpu_seconds([sinks_pid]) - sink) / n}  # fmt: skip
    return {"sms": sms_cost, "email": email_cost}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=2000, help="operations measured for each part")
    parser.add_argument("--workers", type=int, default=2, help="Celery no-op workers (e2e.py uses 2)")
    parser.add_argument("--target", type=float, default=500, help="responses/s the issue asks for")
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "floor"))
    args = parser.parse_args()
    folder = Path(args.out) / datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    folder.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("NPSLOOP_")} | {
        "NPSLOOP_BROKER_URL": REDIS_URL,
        "NPSLOOP_DATA_DIR": str(folder / "data"),
    }
    ready: Any = multiprocessing.Queue()
    stop: Any = multiprocessing.Event()
    child = multiprocessing.Process(target=sinks_process, args=(ready, stop), daemon=True)
    child.start()
    try:
        sinks = ready.get(timeout=30)
        parts = {"http": measure_http(args.n, env, folder), "store": measure_store(args.n)}
        parts["queue"], ceiling = measure_queue(args.n * 5, args.workers, env, folder)
        parts |= measure_alerts(args.n // 2, sinks, child.pid or 0)
    finally:
        stop.set()
        child.join(timeout=10)
    per_response = {"http": 1.0, "store": 1.0, "queue": 1.0, "sms": SMS_PER_RESPONSE, "email": EMAILS_PER_RESPONSE}
    cores = len(os.sched_getaffinity(0))
    report: dict[str, Any] = {"cores": cores, "parts_ms_per_unit": parts, "units_per_response": per_response}
    print(f"CPU milliseconds, each part alone ({args.n} of each; the queue {args.n * 5}, the alerts {args.n // 2}):")
    print(f"{'part':<8} {'npsloop side':>13} {'PG/Redis':>9} {'harness':>8} {'all':>7} {'a response':>11} {'x':>6}")
    floor = {"npsloop": 0.0, "servers": 0.0, "harness": 0.0}
    for name, cost in parts.items():
        share = per_response[name]
        for side in floor:
            floor[side] += cost[side] * share
        total = sum(cost.values())
        print(
            f"{name:<8} {cost['npsloop']:>13.3f} {cost['servers']:>9.3f} {cost['harness']:>8.3f} {total:>7.3f}"
            f" {total * share:>11.3f} {share:>6.3f}"
        )
    whole = sum(floor.values())
    batched = sum(sum(parts[p].values()) * per_response[p] for p in ("http", "sms", "email"))
    report |= {
        "floor_ms_per_response": round(whole, 3),
        "floor_by_side_ms": {k: round(v, 3) for k, v in floor.items()},
        "floor_if_store_and_queue_batched_away_ms": round(batched, 3),
        "max_rate_at_floor": round(1000 * cores / whole, 1),
        "max_rate_at_batched_floor": round(1000 * cores / batched, 1),
        "celery_noop_tasks_per_second": round(ceiling, 1),
        "target_rate": args.target,
    }
    print()
    print(f"floor, one response: {whole:.2f} ms of CPU ({floor['npsloop']:.2f} in npsloop's processes,")
    print(f"  {floor['servers']:.2f} in PostgreSQL and Redis, {floor['harness']:.2f} in the driver and the sinks)")
    print(f"  -> at most {report['max_rate_at_floor']:.0f} responses/s on {cores} cores, npsloop's code costing 0")
    print(f"floor with the INSERT and the task batched to nothing (HTTP and alerts only): {batched:.2f} ms")
    print(f"  -> at most {report['max_rate_at_batched_floor']:.0f} responses/s")
    print(f"target: {args.target:.0f} responses/s; {cores} cores give {1000 * cores / args.target:.1f} ms a response")
    print(
        f"Celery no-op ceiling, {args.workers} workers, same run: {ceiling:.0f} tasks/s; half of it: {ceiling / 2:.0f}"
    )
    for name, rate in (("floor", report["max_rate_at_floor"]), ("batched floor", report["max_rate_at_batched_floor"])):
        print(f"  {name}: {rate / ceiling:.2f} of the no-op ceiling, {rate / args.target:.2f} of the target rate")
    (folder / "report.json").write_text(json.dumps(report, indent=2))
    print(f"written to {folder / 'report.json'}")


if __name__ == "__main__":
    main()
