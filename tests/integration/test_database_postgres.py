import os
import socket

import pytest
import sqlalchemy as sa

from npsloop.store import database
from npsloop.store.database import TCP_OPTIONS, make_engine


def test_a_postgresql_connection_carries_keepalive_and_a_user_timeout_down_to_its_socket(pg_url):
    """Read back from the kernel, not from our own dict: the options protect nothing unless libpq applied them."""
    engine = make_engine(pg_url)
    try:
        with engine.connect() as connection:
            raw = connection.connection.dbapi_connection
            assert raw is not None
            with socket.socket(fileno=os.dup(raw.fileno())) as sock:  # the family is read from the socket
                assert sock.family in (socket.AF_INET, socket.AF_INET6), "the test database must be reached by TCP"
                assert sock.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE) == 1
                assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE) == 30
                assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL) == 10
                assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPCNT) == 3
                assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_USER_TIMEOUT) == 30_000
            assert connection.exec_driver_sql("SELECT 1").scalar() == 1  # the session works with them
    finally:
        engine.dispose()
    assert TCP_OPTIONS["keepalives_idle"] + TCP_OPTIONS["tcp_user_timeout"] / 1000 <= 60  # what the comment says


def _backend_pid(engine) -> int:
    with engine.connect() as connection:
        return int(connection.exec_driver_sql("SELECT pg_backend_pid()").scalar_one())


def _terminate(pg_url: str, pid: int) -> None:
    killer = make_engine(pg_url)
    try:
        with killer.connect() as connection:
            connection.exec_driver_sql(f"SELECT pg_terminate_backend({pid})")
    finally:
        killer.dispose()


def test_a_pooled_connection_killed_while_idle_is_replaced_before_anyone_uses_it(pg_url, monkeypatch):
    monkeypatch.setattr(database, "PING_AFTER_IDLE_SECONDS", 0.0)
    engine = make_engine(pg_url, pool_size=1)
    try:
        first = _backend_pid(engine)
        _terminate(pg_url, first)  # a server restart, a failover, a firewall's idle timeout
        assert _backend_pid(engine) != first  # pinged on checkout, found dead, reconnected: no error
    finally:
        engine.dispose()


def test_a_connection_reused_at_once_is_not_pinged(pg_url, monkeypatch):
    """Under load a connection comes back within milliseconds: no SELECT 1 round trip before every transaction.
    The proof is the one place the cost shows: a connection killed right after its check-in fails its next
    statement (a StoreUnavailable for the caller) instead of being replaced by a ping."""
    monkeypatch.setattr(database, "PING_AFTER_IDLE_SECONDS", 60.0)  # "at once", however slow this machine is
    engine = make_engine(pg_url, pool_size=1)
    try:
        _terminate(pg_url, _backend_pid(engine))
        with pytest.raises(sa.exc.OperationalError), engine.connect() as connection:
            connection.exec_driver_sql("SELECT 1")
        assert _backend_pid(engine) > 0  # the pool dropped the dead one: the next caller gets a live one
    finally:
        engine.dispose()
