"""Engines: one per process, tuned per dialect so the embedded SQLite copes with an API and a worker at once."""

from __future__ import annotations

import time
from functools import partial
from pathlib import Path
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url

from npsloop.private import private_file
from npsloop.store.keyring import Keyring, bind_keyring


def rows_changed(result: sa.Result[*tuple[Any, ...]]) -> int:
    """The rows an UPDATE or DELETE matched. The session types every execute() as a plain Result, but for those
    statements it is a CursorResult, which alone carries the count."""
    return int(cast(sa.CursorResult[*tuple[Any, ...]], result).rowcount or 0)


def normalize_url(url: str) -> str:
    """Plain postgresql:// URLs (Heroku, compose files) would pick psycopg2, which we do not ship."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


POOL_TIMEOUT_SECONDS = 5

# libpq's TCP settings. A statement sent on a connection whose peer vanished without a FIN or RST (a host
# that died, a NAT or firewall that forgot the flow, a failover that moved the address) would otherwise wait
# on the kernel's retransmission timer, about 15 minutes, holding a worker thread or a request the whole time.
# Keepalive probes after 30 s of silence, and data unacknowledged for 30 s, drop it in about a minute; a
# merely slow statement is not affected, since a live server answers the probes. These are client-side
# socket options, so PgBouncer in front needs nothing.
TCP_OPTIONS = {
    "keepalives": 1,
    "keepalives_idle": 30,
    "keepalives_interval": 10,
    "keepalives_count": 3,
    "tcp_user_timeout": 30_000,  # milliseconds
}


def make_engine(url: str, *, pool_size: int = 5, keyring: Keyring | None = None) -> Engine:
    """`keyring`: the keys its statements encrypt and decrypt secret columns with (none: such a statement
    fails, saying so, rather than write a secret in clear)."""
    engine = _sqlite_engine(url) if normalize_url(url).startswith("sqlite") else _server_engine(url, pool_size)
    if keyring is not None:
        bind_keyring(engine, keyring)
    return engine


def private_sqlite_file(url: str) -> None:
    """A SQLite database file is created 0600 (in a 0700 folder) before SQLite opens it, and SQLite gives
    its -wal and -shm files the database's mode: other local users can read none of them."""
    database = make_url(url).database
    if database and database != ":memory:" and not database.startswith("file:"):
        private_file(Path(database))


def _sqlite_engine(url: str) -> Engine:
    private_sqlite_file(url)
    engine = sa.create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})
    sa.event.listen(engine, "connect", _tune_sqlite)
    sa.event.listen(engine, "begin", _begin_immediate)
    return engine


def _server_engine(url: str, pool_size: int) -> Engine:
    engine = sa.create_engine(
        normalize_url(url),
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_recycle=1800,
        # Every connection busy (a slow database, a burst): fail in 5 s with a 503 the client retries,
        # rather than hold the request for SQLAlchemy's default 30 s.
        pool_timeout=POOL_TIMEOUT_SECONDS,
        connect_args={"connect_timeout": 5, **TCP_OPTIONS},
    )
    sa.event.listen(engine, "checkin", _note_checkin)
    sa.event.listen(engine, "checkout", partial(_ping_if_idle, engine.dialect))
    return engine


# A connection back in the pool for less than this is not pinged when taken again: it answered a moment ago, and
# under load (a connection reused every few milliseconds) the ping was a round trip and a statement of the
# server's on every transaction. One that dies within that second fails its first statement instead, which is
# then a StoreUnavailable (503, or the task's retry) like an outage in mid-transaction, and the pool drops it.
PING_AFTER_IDLE_SECONDS = 1.0


def _note_checkin(_dbapi_connection: Any, record: Any) -> None:
    record.info["checked_in"] = time.monotonic()


def _ping_if_idle(dialect: sa.Dialect, dbapi_connection: Any, record: Any, _proxy: Any) -> None:
    """SQLAlchemy's pre-ping, for connections idle long enough to have been dropped (a restart, a failover, a
    firewall's timeout): a dead one is replaced before the caller sees it."""
    checked_in = record.info.get("checked_in")
    if checked_in is None or time.monotonic() - checked_in < PING_AFTER_IDLE_SECONDS:
        return
    try:
        alive = dialect.do_ping(dbapi_connection)
    except Exception as error:
        raise sa.exc.DisconnectionError(f"idle connection is gone: {type(error).__name__}") from error
    if not alive:
        raise sa.exc.DisconnectionError("idle connection is gone")


def _tune_sqlite(dbapi_connection: Any, _record: Any) -> None:
    # pysqlite's own transaction handling fights BEGIN IMMEDIATE; take over and issue BEGIN ourselves.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    # What is deleted or overwritten (an erased customer's values) is zeroed in the file, not left in free space.
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


def _begin_immediate(connection: sa.Connection) -> None:
    """Take the write lock up front: a deferred transaction that later writes can fail with SQLITE_BUSY."""
    connection.exec_driver_sql("BEGIN IMMEDIATE")
