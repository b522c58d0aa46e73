"""Is this process able to work: the database and the broker answer, the queue's depth, a worker's pulse.
Probes for orchestrators (/readyz, `npsloop worker-health`) and the queue-depth gauge read from here."""

from __future__ import annotations

import os
import time
from pathlib import Path

import redis
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from npsloop.settings import Settings

PROBE_TIMEOUT = 2.0
# kombu's Redis transport keeps a priority's messages in "<queue>\x06\x16<priority>" beside the plain list.
PRIORITY_SUFFIXES = ("", "\x06\x163", "\x06\x166", "\x06\x169")


def database_ok(engine: Engine) -> str | None:
    """None when reachable, else why not."""
    try:
        with engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
    except Exception as error:  # noqa: BLE001  (a probe reports any failure, it does not raise)
        return type(error).__name__
    return None


def broker_ok(settings: Settings) -> str | None:
    url = settings.resolved_broker_url
    if url.startswith(("redis://", "rediss://")):
        try:
            redis.Redis.from_url(url, socket_timeout=PROBE_TIMEOUT, socket_connect_timeout=PROBE_TIMEOUT).ping()
        except redis.RedisError as error:
            return type(error).__name__
        return None
    folder = settings.broker_folder / "queue"
    return None if folder.is_dir() and os.access(folder, os.W_OK) else f"broker folder {folder} is not writable"


def queue_depth(settings: Settings) -> int | None:
    """Messages waiting for a worker; None when the broker cannot say (or cannot be reached)."""
    url = settings.resolved_broker_url
    if url.startswith(("redis://", "rediss://")):
        try:
            client = redis.Redis.from_url(url, socket_timeout=PROBE_TIMEOUT, socket_connect_timeout=PROBE_TIMEOUT)
            return sum(int(client.llen(settings.queue + suffix)) for suffix in PRIORITY_SUFFIXES)
        except redis.RedisError:
            return None
    folder = settings.broker_folder / "queue"
    return sum(1 for _ in folder.glob(f"*.{settings.queue}.msg")) if folder.is_dir() else None


def beat(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch()


def heartbeat_age(path: Path) -> float | None:
    """Seconds since the worker last touched its heartbeat file; None if it never did."""
    try:
        return max(0.0, time.time() - path.stat().st_mtime)
    except FileNotFoundError:
        return None
