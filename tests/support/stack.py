"""The whole system as separate processes, for fault injection: a private Redis the tests may kill and
flush, PostgreSQL behind a proxy they may cut, Celery workers they may SIGKILL, a real beat, the API in
uvicorn, and the Twilio-compatible and SMTP servers that count what agents received."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import traceback
import uuid
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import sqlalchemy as sa
import uvicorn

from npsloop.api.app import create_app
from npsloop.bootstrap import Runtime, build_runtime
from npsloop.settings import Settings
from npsloop.store import migrate
from tests.conftest import LOOPBACK, SECRET, SECRET_KEY, TOKEN
from tests.support import dumpable, smtp_server, twilio_server
from tests.support.models import MODEL_ENV
from tests.support.proxy import TcpProxy

AUTH = {"Authorization": f"Bearer {TOKEN}"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(condition: Callable[[], object], timeout: float, what: str, every: float = 0.2) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


class PrivateRedis:
    """Its own redis-server, so a test can kill it and lose its data without touching anyone else's."""

    def __init__(self, folder: Path) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("the fault tests need the redis-server binary on PATH (apt-get install redis-server)")
        self.binary, self.folder, self.port = binary, folder, free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.folder),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(self._answers, 10, "redis-server to start", 0.05)

    def kill(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False


class Stack:
    SMTP_USER, SMTP_PASSWORD = "alerts", "smtp-pass-5f1c9e"

    def __init__(self, folder: Path, admin_url: str, **overrides: str) -> None:
        self.folder = folder
        self.redis = PrivateRedis(folder)
        self.twilio = twilio_server.start()
        self.smtp_controller, self.smtp = smtp_server.start(
            authenticator=smtp_server.password_authenticator(self.SMTP_USER, self.SMTP_PASSWORD),
            auth_require_tls=False,
        )
        self.db_name = "npsloop_fault_" + uuid.uuid4().hex[:8]
        self.admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
        base = admin_url.rsplit("/", 1)[0]
        self.direct_url = f"{base}/{self.db_name}"
        target = urlsplit(admin_url.replace("+psycopg", ""))
        self.db_proxy = TcpProxy(target.hostname or "127.0.0.1", target.port or 5432)
        proxied = self.direct_url.replace(f"{target.hostname}:{target.port or 5432}", f"127.0.0.1:{self.db_proxy.port}")
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("NPSLOOP_")},
            **MODEL_ENV,
            "NPSLOOP_DATA_DIR": str(folder),
            "NPSLOOP_DATABASE_URL": proxied,
            "NPSLOOP_BROKER_URL": self.redis.url,
            "NPSLOOP_WEBHOOK_SECRETS": f"shop:{SECRET}",
            "NPSLOOP_API_TOKENS": TOKEN,
            "NPSLOOP_SECRET_KEY": SECRET_KEY,
            "NPSLOOP_TWILIO_ACCOUNT_SID": self.twilio.state.account_sid,
            "NPSLOOP_TWILIO_AUTH_TOKEN": self.twilio.state.auth_token,
            "NPSLOOP_TWILIO_FROM": "+15005550006",
            "NPSLOOP_TWILIO_API_BASE": self.twilio.base_url,
            "NPSLOOP_TWILIO_TIMEOUT_SECONDS": "2",
            "NPSLOOP_SMTP_URL": f"smtp://{self.SMTP_USER}:{self.SMTP_PASSWORD}@127.0.0.1:{self.smtp_controller.port}",
            "NPSLOOP_SMTP_TIMEOUT_SECONDS": "2",
            "NPSLOOP_RETRY_BASE_SECONDS": "0.3",
            "NPSLOOP_RETRY_CAP_SECONDS": "2",
            "NPSLOOP_RECONCILE_AFTER_SECONDS": "8",
            "NPSLOOP_RECONCILE_EVERY_SECONDS": "2",
            "NPSLOOP_LOG_FORMAT": "json",
            "NPSLOOP_LOG_LEVEL": "WARNING",
            # These tests count every alert under faults; the hourly SMS cap has tests of its own.
            "NPSLOOP_SMS_PER_AGENT_PER_HOUR": "100000",
            "NPSLOOP_EGRESS_ALLOW": LOOPBACK,
            **overrides,
        }
        self.workers: list[subprocess.Popen[bytes]] = []
        self.beat: subprocess.Popen[bytes] | None = None
        self.runtime: Runtime | None = None
        self.server: uvicorn.Server | None = None
        self.http: httpx.Client | None = None
        self._logs: list[Path] = []

    @property
    def settings(self) -> Settings:
        return Settings(
            **{k.removeprefix("NPSLOOP_").lower(): v for k, v in self.env.items() if k.startswith("NPSLOOP_")}
        )

    def start(self, *, workers: int = 1, beat: bool = True) -> Stack:
        with self.admin.connect() as connection:
            connection.execute(sa.text(f'CREATE DATABASE "{self.db_name}"'))
        migrate.upgrade(self.direct_url)
        self.db_proxy.start()
        self.redis.start()
        self.start_api()
        for _ in range(workers):
            self.start_worker()
        if beat:
            self.start_beat()
        return self

    def start_api(self) -> None:
        self.runtime = build_runtime(self.settings)
        self.server = uvicorn.Server(
            uvicorn.Config(create_app(self.runtime), host="127.0.0.1", port=0, log_level="error")
        )
        threading.Thread(target=self.server.run, daemon=True).start()
        wait_for(lambda: self.server.started, 20, "the API to start", 0.05)
        port = self.server.servers[0].sockets[0].getsockname()[1]
        self.http = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30)

    def _spawn(self, name: str, *args: str) -> subprocess.Popen[bytes]:
        log = self.folder / f"{name}-{len(self._logs)}.log"
        self._logs.append(log)
        return subprocess.Popen(
            [sys.executable, "-c", dumpable.COMMAND, *args],
            env=self.env | {dumpable.FOLDER_ENV: str(self.folder)},
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def start_worker(self, concurrency: int = 2) -> None:
        self.workers.append(
            self._spawn("worker", "worker", "--pool", "prefork", "-c", str(concurrency), "--loglevel", "INFO")
        )

    def start_beat(self) -> None:
        self.beat = self._spawn("beat", "beat", "--loglevel", "WARNING")

    def kill_workers(self) -> None:
        """SIGKILL to the whole process group: the main process and its pool children die mid-task."""
        for worker in self.workers:
            with_suppressed(lambda w=worker: os.killpg(w.pid, signal.SIGKILL))
            worker.wait()
        self.workers = []

    def redis_queue_length(self) -> int:
        import redis

        client = redis.Redis.from_url(self.redis.url)
        try:
            return int(client.llen(self.settings.queue))
        finally:
            client.close()

    def stop(self) -> None:
        if self.http is not None:
            self.http.close()
        if self.server is not None:
            self.server.should_exit = True
        for process in [*self.workers, *([self.beat] if self.beat else [])]:
            with_suppressed(lambda p=process: os.killpg(p.pid, signal.SIGTERM))
        for process in [*self.workers, *([self.beat] if self.beat else [])]:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                with_suppressed(lambda p=process: os.killpg(p.pid, signal.SIGKILL))
        if self.runtime is not None:
            self.runtime.engine.dispose()
        self.redis.kill()
        self.db_proxy.cut()
        with self.admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)'))
        self.admin.dispose()
        self.twilio.shutdown()
        self.smtp_controller.stop()

    def tail_logs(self, chars: int = 4000) -> str:
        return "\n".join(
            f"--- {log.name}\n{log.read_text(errors='replace')[-chars:]}" for log in self._logs if log.exists()
        )

    def stacks(self) -> str:
        """Every thread's stack in this process (the API's among them) and in the workers and the beat (each
        pool child too): what a test that timed out shows of where everything waited."""
        frames = sys._current_frames()
        here = "\n".join(
            f"--- {thread.name}\n" + "".join(traceback.format_stack(frames[thread.ident]))
            for thread in threading.enumerate()
            if thread.ident in frames
        )
        children = [process.pid for process in [*self.workers, *([self.beat] if self.beat else [])]]
        return f"threads of this process (the API):\n{here}\n{dumpable.dump_stacks(self.folder, children)}"

    def query(self, sql: str, **params: object) -> list[tuple[object, ...]]:
        engine = sa.create_engine(self.direct_url)
        try:
            with engine.connect() as connection:
                return [tuple(row) for row in connection.execute(sa.text(sql), params)]
        finally:
            engine.dispose()

    def execute(self, sql: str, **params: object) -> None:
        engine = sa.create_engine(self.direct_url)
        try:
            with engine.begin() as connection:
                connection.execute(sa.text(sql), params)
        finally:
            engine.dispose()

    def cli(self, *args: str) -> str:
        """Runs `npsloop ...` as an operator would, against this stack."""
        result = subprocess.run(
            [sys.executable, "-m", "npsloop.cli", *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        return result.stdout

    def scalar(self, sql: str, **params: object) -> object:
        return self.query(sql, **params)[0][0]

    def in_flight(self) -> int:
        return int(
            self.scalar(
                "SELECT (SELECT count(*) FROM responses WHERE status = 'received')"
                " + (SELECT count(*) FROM notifications WHERE state IN ('pending', 'sending'))"
            )
        )

    def wait_settled(self, timeout: float = 180) -> None:
        try:
            wait_for(lambda: self.in_flight() == 0, timeout, "every response processed and every alert sent", 0.5)
        except AssertionError as error:
            raise AssertionError(f"{error}\n{self.stacks()}") from None


def with_suppressed(call: Callable[[], object]) -> None:
    """For signals to a process that may already be gone."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        call()
