"""`npsloop serve` in a process of its own on an embedded database, for the tests that measure what an attack
costs the serving process (its peak RSS, read from /proc), which an in-process client cannot tell apart from
the test's own memory."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx

from npsloop.settings import Settings
from npsloop.store import migrate
from tests.conftest import TOKEN
from tests.support.models import MODEL_ENV
from tests.support.stack import free_port, wait_for


def migrated(folder: Path) -> str:
    """The embedded database of a data dir, migrated; its URL, for a test to fill before the API starts."""
    url = Settings(data_dir=folder).resolved_database_url
    migrate.upgrade(url)
    return url


@contextlib.contextmanager
def embedded_api(folder: Path) -> Iterator[tuple[int, int]]:
    """(pid, port) of `npsloop serve` on the data dir's database, with TOKEN as a bootstrap admin token."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NPSLOOP_")} | MODEL_ENV
    env |= {"NPSLOOP_DATA_DIR": str(folder), "NPSLOOP_API_TOKENS": TOKEN, "NPSLOOP_LOG_LEVEL": "WARNING"}
    migrated(folder)
    port = free_port()
    command = [sys.executable, "-m", "npsloop.cli", "serve", "--host", "127.0.0.1", "--port", str(port)]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(lambda: _answers(port), 30, "the API to start")
        yield process.pid, port
    finally:
        process.terminate()
        process.wait(timeout=10)


def _answers(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def peak_rss_kb(pid: int) -> int:
    """The process's high-water mark of resident memory (VmHWM), in kB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise AssertionError("no VmHWM in /proc status")
