"""The end-to-end benchmarks' harness, shared by benchmarks/e2e.py, soak.py and floor.py so that they measure
the same thing the same way: the realistic mix of responses, the processes (API, workers, a Twilio-compatible
and an SMTP sink, a fresh PostgreSQL database and the real Redis) and their CPU and memory, the signed open-loop
driver and the closed-loop one, and Bench, which starts the processes and runs one rate."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import time
import uuid
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import redis
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support import smtp_server, twilio_server  # noqa: E402
from tests.support.models import MODEL_CACHE  # noqa: E402
from tests.support.services import forget_queue  # noqa: E402
from tests.support.smtp_server import free_port  # noqa: E402

from npsloop.ingest import signature  # noqa: E402
from npsloop.store import migrate  # noqa: E402
from npsloop.store.database import normalize_url  # noqa: E402
from npsloop.store.keyring import Keyring  # noqa: E402
from npsloop.tagging.default_model import load_default  # noqa: E402

ADMIN_URL = os.environ.get("NPSLOOP_TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("NPSLOOP_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
SECRET = "bench-secret-" + "s" * 20
TOKEN = "bench-token-" + "t" * 20
BIN = Path(sys.executable).parent
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
AGENTS = [("Marta", "+34611222333", "marta@example.es"), ("Tom", None, "tom@example.com")]
# The realistic mix: a quarter detractors, a tenth repeats of an earlier response (which open nothing), and
# every agent of the team alerted on each channel they have.
DETRACTORS, REPEATS = 0.25, 0.10
NEW_CASES = DETRACTORS * (1 - REPEATS)
SMS_PER_RESPONSE = NEW_CASES * sum(1 for _, phone, _ in AGENTS if phone)
EMAILS_PER_RESPONSE = NEW_CASES * sum(1 for _, _, email in AGENTS if email)


# --- processes --------------------------------------------------------------------------------------------


def tree(pid: int) -> list[int]:
    """The process and all its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with suppress(OSError, IndexError, ValueError):
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
                children.setdefault(ppid, []).append(int(entry.name))
    found, stack = [], [pid]
    while stack:
        current = stack.pop()
        found.append(current)
        stack.extend(children.get(current, []))
    return found


def cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        with suppress(OSError, IndexError, ValueError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / CLOCK_TICKS


def peak_rss_mb(pids: list[int]) -> float:
    peak = 0
    for pid in pids:
        with suppress(OSError):
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peak = max(peak, int(line.split()[1]))
    return peak / 1024


@dataclass
class Group:
    name: str
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def pids(self) -> list[int]:
        return [pid for p in self.processes for pid in tree(p.pid)]

    def stop(self) -> None:
        for process in self.processes:
            with suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)

    def signal(self, sig: int) -> None:
        for pid in self.pids():
            with suppress(ProcessLookupError):
                os.kill(pid, sig)


def spawn(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(args, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT, start_new_session=True)


def noop_env(env: dict[str, str], queue: str, counter: str) -> dict[str, str]:
    """What benchmarks/noop_app.py reads: its queue, and the Redis counter each no-op task increments."""
    return {**env, "NPSLOOP_QUEUE": queue, "PYTHONPATH": str(ROOT), "BENCH_COUNTER": counter}


def paused_noop_workers(env: dict[str, str], queue: str, workers: int, concurrency: int, folder: Path) -> Group:
    """No-op Celery workers on `queue`, started and then stopped (SIGSTOP) once ready: the queue is filled while
    they sleep, so their drain is timed without the publisher's CPU beside it. SIGCONT sets them going."""
    group = Group("noop")
    for n in range(workers):
        command = [
            str(BIN / "celery"), "-A", "benchmarks.noop_app", "worker", "-Q", queue,
            "-c", str(concurrency), "-n", f"noop{n}-{queue}@%h", "--loglevel", "WARNING",
        ]  # fmt: skip
        group.processes.append(spawn(command, env, folder / f"noop{n}.log"))
    try:
        time.sleep(6)
        group.signal(signal.SIGSTOP)
    except BaseException:
        group.stop()
        raise
    return group


def wait_http(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with suppress(httpx.HTTPError):
            if httpx.get(url, timeout=2).status_code == 200:
                return
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer")


# --- the load ---------------------------------------------------------------------------------------------


def bodies(n: int, seed: int, detractors: float = DETRACTORS) -> list[bytes]:
    """25% detractors (unless told otherwise), comments of 0-500 characters, 10% repeats of an earlier one."""
    rng = random.Random(seed)
    out: list[bytes] = []
    made: list[bytes] = []
    for i in range(n):
        if made and rng.random() < REPEATS:
            out.append(rng.choice(made))
            continue
        detractor = rng.random() < detractors
        body = json.dumps(
            {
                "response_id": f"b{seed}-{i}",
                "score": rng.randint(0, 6) if detractor else rng.randint(7, 10),
                "comment": "".join(rng.choices("abcdefgh ", k=rng.randint(0, 500))),
                "survey_type": rng.choice(["transactional", "relational"]),
                "touchpoint": "delivery",
                "customer": {"id": f"c{seed}-{i}", "name": "Ana", "phone": "+34600111222"},
                "responded_at": datetime.now(UTC).isoformat(),
            }
        ).encode()
        made.append(body)
        out.append(body)
    return out


@dataclass
class Sent:
    at: float
    status: int
    external_id: str
    detractor: bool


class RawPool:
    """A minimal HTTP/1.1 keep-alive client on asyncio streams. httpx costs the driver about a millisecond of
    CPU a request, on the same two cores as the system under test; this costs a tenth of that."""

    def __init__(self, base: str) -> None:
        host, port = base.removeprefix("http://").split(":")
        self.host, self.port = host, int(port)
        self.free: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []

    async def post(self, path: str, body: bytes, headers: dict[str, str]) -> int:
        """A kept connection the server closed while idle (uvicorn's keep-alive timeout) is replaced once:
        ingest is idempotent on response_id, so sending again is safe."""
        reused = bool(self.free)
        try:
            return await self._post(path, body, headers)
        except (OSError, IndexError, asyncio.IncompleteReadError):
            if not reused:
                raise
            self.close()
            return await self._post(path, body, headers)

    async def _post(self, path: str, body: bytes, headers: dict[str, str]) -> int:
        reader, writer = self.free.pop() if self.free else await asyncio.open_connection(self.host, self.port)
        head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        writer.write(
            f"POST {path} HTTP/1.1\r\nHost: {self.host}\r\nContent-Length: {len(body)}\r\n{head}\r\n".encode() + body
        )
        status = int((await reader.readline()).split()[1])
        length, keep = 0, True
        while (line := await reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.partition(b":")
            if name.lower() == b"content-length":
                length = int(value)
            elif name.lower() == b"connection" and value.strip().lower() == b"close":
                keep = False
        if length:
            await reader.readexactly(length)
        if keep:
            self.free.append((reader, writer))
        else:
            writer.close()
        return status

    def close(self) -> None:
        for _, writer in self.free:
            writer.close()
        self.free.clear()


def signed_headers(raw: bytes) -> dict[str, str]:
    return {"Content-Type": "application/json", signature.HEADER: signature.sign(raw, SECRET, int(time.time()))}


async def drive(base: str, payloads: list[bytes], rate: float) -> list[Sent]:
    """Open loop: request i leaves at start + i / rate, whether or not earlier ones were answered."""
    results: list[Sent] = []
    pool = RawPool(base)
    start = time.perf_counter() + 0.2

    async def post(raw: bytes, due: float) -> None:
        await asyncio.sleep(max(0.0, due - time.perf_counter()))
        sent_at = time.time()
        body = json.loads(raw)
        try:
            status = await pool.post("/v1/responses", raw, signed_headers(raw))
        except (OSError, ValueError, IndexError, asyncio.IncompleteReadError):
            status = 0
        results.append(Sent(sent_at, status, body["response_id"], body["score"] <= 6))

    await asyncio.gather(*(post(raw, start + i / rate) for i, raw in enumerate(payloads)))
    pool.close()
    return results


async def closed_loop(base: str, path: str, payloads: list[bytes], seconds: float, clients: int = 32) -> float:
    """Requests per second with `clients` callers each waiting for its answer: an endpoint's maximum. Only
    2xx answers count."""
    done = 0
    stop = time.perf_counter() + seconds
    pool = RawPool(base)

    async def caller(offset: int) -> None:
        nonlocal done
        i = offset
        while time.perf_counter() < stop:
            raw = payloads[i % len(payloads)]
            if 200 <= await pool.post(path, raw, signed_headers(raw)) < 300:
                done += 1
            i += clients

    began = time.perf_counter()
    await asyncio.gather(*(caller(n) for n in range(clients)))
    pool.close()
    return done / (time.perf_counter() - began)


def percentiles(values: list[float]) -> dict[str, float | None]:
    if not values:
        return {"p50": None, "p95": None, "p99": None, "max": None, "n": 0}
    ordered = sorted(values)
    q = statistics.quantiles(ordered, n=100, method="inclusive") if len(ordered) > 1 else ordered * 99
    return {"p50": q[49], "p95": q[94], "p99": q[98], "max": ordered[-1], "n": len(ordered)}


# --- the run ----------------------------------------------------------------------------------------------


class Bench:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.folder = Path(args.out) / datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        self.folder.mkdir(parents=True, exist_ok=True)
        self.db_name = "npsloop_e2e_" + uuid.uuid4().hex[:8]
        self.queue = "bench-" + uuid.uuid4().hex[:8]
        self.admin = sa.create_engine(normalize_url(ADMIN_URL), isolation_level="AUTOCOMMIT")
        self.db_url = normalize_url(ADMIN_URL).rsplit("/", 1)[0] + "/" + self.db_name
        self.redis = redis.Redis.from_url(REDIS_URL)
        load_default(MODEL_CACHE)
        self.twilio = twilio_server.start()
        self.smtp_controller, self.smtp = smtp_server.start()
        self.api_port = free_port()
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("NPSLOOP_", "PROMETHEUS_"))},
            "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
            "NPSLOOP_DATA_DIR": str(self.folder / "data"),
            # An installation fits its default comment model once and keeps it; the measured window must not
            # include that one-off fit, so the workers read the model fitted here before they start.
            "NPSLOOP_MODEL_CACHE_DIR": str(MODEL_CACHE),
            "NPSLOOP_DATABASE_URL": self.db_url,
            "NPSLOOP_BROKER_URL": REDIS_URL,
            "NPSLOOP_QUEUE": self.queue,
            "NPSLOOP_WEBHOOK_SECRETS": f"bench:{SECRET}",
            "NPSLOOP_API_TOKENS": TOKEN,
            "NPSLOOP_SECRET_KEY": Keyring.generate(),
            "NPSLOOP_INGEST_RATE_PER_MINUTE": "0",  # measuring the engine, not the abuse limit
            "NPSLOOP_SMS_PER_AGENT_PER_HOUR": "100000000",
            "NPSLOOP_TWILIO_ACCOUNT_SID": self.twilio.state.account_sid,
            "NPSLOOP_TWILIO_AUTH_TOKEN": self.twilio.state.auth_token,
            "NPSLOOP_TWILIO_FROM": "+15005550006",
            "NPSLOOP_TWILIO_API_BASE": self.twilio.base_url,
            "NPSLOOP_SMTP_URL": f"smtp://127.0.0.1:{self.smtp_controller.port}",
            "NPSLOOP_CUSTOMER_CALL_HOURS": "00:00-24:00",
            "NPSLOOP_CONSOLE_NOTIFICATIONS": "false",
            "NPSLOOP_LOG_LEVEL": "WARNING",
            "NPSLOOP_LOG_FORMAT": "json",
        }
        self.api = Group("api")
        self.workers = Group("workers")

    def base(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    def start(self) -> None:
        with self.admin.connect() as connection:
            connection.execute(sa.text(f'CREATE DATABASE "{self.db_name}"'))
        migrate.upgrade(self.db_url)
        args = self.args
        serve = [str(BIN / "npsloop"), "serve", "--host", "127.0.0.1", "--port", str(self.api_port)]
        self.api.processes.append(
            spawn([*serve, "--workers", str(args.api_processes)], self.env, self.folder / "api.log")
        )
        for n in range(args.workers):
            command = [str(BIN / "npsloop"), "worker", "--concurrency", str(args.concurrency), "-n", f"bench{n}@%h"]
            self.workers.processes.append(spawn(command, self.env, self.folder / f"worker{n}.log"))
        wait_http(self.base() + "/healthz")
        auth = {"Authorization": f"Bearer {TOKEN}"}
        with httpx.Client(base_url=self.base(), headers=auth, timeout=10) as http:
            http.post(
                "/v1/teams", json={"name": "Care", "touchpoints": ["delivery"], "default": True}
            ).raise_for_status()
            for name, phone, email in AGENTS:
                http.post(
                    "/v1/agents", json={"name": name, "team": "Care", "phone": phone, "email": email}
                ).raise_for_status()

    def stop(self) -> None:
        self.api.stop()
        self.workers.stop()
        self.twilio.shutdown()
        self.smtp_controller.stop()
        forget_queue(self.redis, self.queue)
        with self.admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)'))

    def backlog(self) -> int:
        """Work accepted and not yet done: responses not processed and notifications not sent."""
        with sa.create_engine(self.db_url).connect() as connection:
            responses = connection.execute(sa.text("SELECT count(*) FROM responses WHERE status = 'received'")).scalar()
            pending = connection.execute(
                sa.text("SELECT count(*) FROM notifications WHERE state IN ('pending', 'sending')")
            ).scalar()
        return int(responses or 0) + int(pending or 0)

    def run_rate(self, rate: float, seed: int) -> dict[str, Any]:
        payloads = bodies(int(rate * self.args.duration), seed)
        twilio_before, smtp_before = len(self.twilio.state.messages), len(self.smtp.mails)
        cpu_before = {"api": cpu_seconds(self.api.pids()), "workers": cpu_seconds(self.workers.pids())}
        each_before = {pid: cpu_seconds([pid]) for pid in self.api.pids() + self.workers.pids()}
        samples: list[tuple[float, int]] = []
        began = time.monotonic()

        async def sampled() -> list[Sent]:
            task = asyncio.create_task(drive(self.base(), payloads, rate))
            while not task.done():
                await asyncio.sleep(2)
                samples.append((time.monotonic() - began, await asyncio.to_thread(self.backlog)))
            return task.result()

        sent = asyncio.run(sampled())
        end_backlog = self.backlog()
        drain_started = time.monotonic()
        while self.backlog() and time.monotonic() - drain_started < self.args.drain:
            time.sleep(0.5)
        drained_in = time.monotonic() - drain_started
        time.sleep(1)
        cpu = {
            "api": cpu_seconds(self.api.pids()) - cpu_before["api"],
            "workers": cpu_seconds(self.workers.pids()) - cpu_before["workers"],
        }
        accepted = [s for s in sent if 200 <= s.status < 300]
        per_process = {
            f"{group.name}:{pid}": {
                "cpu_seconds_per_1000": round(
                    1000 * (cpu_seconds([pid]) - each_before.get(pid, 0.0)) / max(len(accepted), 1), 2
                ),
                "peak_rss_mb": round(peak_rss_mb([pid]), 1),
            }
            for group in (self.api, self.workers)
            for pid in group.pids()
        }
        with sa.create_engine(self.db_url).connect() as connection:
            case_of = dict(
                connection.execute(
                    sa.text("SELECT external_id, case_id FROM responses WHERE case_id IS NOT NULL")
                ).all()
            )
        first_sent: dict[str, float] = {}
        for item in sent:
            if item.detractor and 200 <= item.status < 300:
                first_sent.setdefault(item.external_id, item.at)
        sms_at: dict[str, float] = {}
        for message in self.twilio.state.messages[twilio_before:]:
            sms_at.setdefault(message.body.split(":", 1)[0].removeprefix("npsloop #"), message.at)
        mail_at: dict[str, float] = {}
        for mail in self.smtp.mails[smtp_before:]:
            mail_at.setdefault(str(mail.message["Subject"]).split("]", 1)[0].removeprefix("[npsloop #"), mail.at)
        sms, email = [], []
        for external_id, at in first_sent.items():
            case = str(case_of.get(external_id))
            if case in sms_at:
                sms.append(sms_at[case] - at)
            if case in mail_at:
                email.append(mail_at[case] - at)
        # Sustained: every answer 2xx, what is left at the end is under half a second of arrivals, and the
        # backlog did not climb by more than a quarter second of arrivals through the last third of the run.
        tail = [b for t, b in samples if t > self.args.duration * 2 / 3]
        growing = len(tail) >= 2 and tail[-1] > tail[0] + rate / 4
        sustained = len(accepted) == len(sent) and end_backlog <= rate / 2 and not growing
        return {
            "rate": rate,
            "sent": len(sent),
            "accepted": len(accepted),
            "errors": len(sent) - len(accepted),
            "sustained": sustained,
            "backlog_samples": samples,
            "backlog_at_end": end_backlog,
            "drained_in_seconds": round(drained_in, 1),
            "sms_latency": percentiles(sms),
            "email_latency": percentiles(email),
            "detractors": len(first_sent),
            "cpu_seconds_per_1000": {k: round(1000 * v / max(len(accepted), 1), 2) for k, v in cpu.items()},
            "peak_rss_mb": {
                "api": round(peak_rss_mb(self.api.pids()), 1),
                "workers": round(peak_rss_mb(self.workers.pids()), 1),
            },
            "processes": per_process,  # each process of the API's and the workers' trees
        }

    def bare_fastapi(self) -> float:
        port = free_port()
        app = [
            str(BIN / "uvicorn"),
            "benchmarks.bare_app:app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ]
        group = Group("bare")
        group.processes.append(
            spawn(
                [*app, "--workers", str(self.args.api_processes)],
                {**self.env, "PYTHONPATH": str(ROOT)},
                self.folder / "bare.log",
            )
        )
        try:
            wait_http(f"http://127.0.0.1:{port}/healthz")
            return asyncio.run(
                closed_loop(f"http://127.0.0.1:{port}", "/v1/responses", bodies(2000, 99), self.args.ceiling_seconds)
            )
        finally:
            group.stop()

    def npsloop_ingest_max(self) -> float:
        return asyncio.run(closed_loop(self.base(), "/v1/responses", bodies(40000, 98), self.args.ceiling_seconds))

    def celery_noop(self) -> float:
        """Pre-fill the queue with the workers paused, then time how fast the same workers drain it."""
        queue, counter = self.queue + "-noop", self.queue + ":noop-done"
        env = noop_env(self.env, queue, counter)
        group = paused_noop_workers(env, queue, self.args.workers, self.args.concurrency, self.folder)
        try:
            count = self.args.noop_tasks
            subprocess.run([sys.executable, "-m", "benchmarks.noop_app", str(count)], env=env, check=True, cwd=ROOT)
            self.redis.set(counter, 0)
            started = time.perf_counter()
            group.signal(signal.SIGCONT)
            while int(self.redis.get(counter) or 0) < count:
                time.sleep(0.02)
            return count / (time.perf_counter() - started)
        finally:
            group.signal(signal.SIGCONT)
            group.stop()
            forget_queue(self.redis, queue, counter)
