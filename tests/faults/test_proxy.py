"""The cuttable proxy the fault tests put in front of PostgreSQL ends every connection it carries when cut, as a
stopped server does: a client waiting for an answer sees the connection end instead of waiting for ever."""

from __future__ import annotations

import socket
import threading
import time
import uuid
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from npsloop.store.database import make_engine, normalize_url
from npsloop.store.uow import lost_database
from tests.support.proxy import TcpProxy
from tests.support.services import ADMIN_URL, require_services
from tests.support.stack import wait_for


@pytest.fixture
def server() -> Iterator[tuple[socket.socket, list[socket.socket]]]:
    """A listening socket whose accepted connections the test answers by hand (or never)."""
    listener = socket.create_server(("127.0.0.1", 0))
    accepted: list[socket.socket] = []

    def accept() -> None:
        while True:
            try:
                accepted.append(listener.accept()[0])
            except OSError:
                return

    threading.Thread(target=accept, daemon=True).start()
    yield listener, accepted
    listener.close()
    for connection in accepted:
        connection.close()


def through(proxy: TcpProxy, accepted: list[socket.socket]) -> socket.socket:
    """A client connected through the proxy, after one exchange both ways with the server."""
    client = socket.create_connection(("127.0.0.1", proxy.port), timeout=5)
    client.sendall(b"ping")
    for _ in range(100):
        if accepted:
            break
        time.sleep(0.05)
    upstream = accepted[-1]
    upstream.settimeout(5)
    assert upstream.recv(16) == b"ping"
    upstream.sendall(b"pong")
    assert client.recv(16) == b"pong"
    return client


def ended(client: socket.socket) -> bool:
    """The client's read ends (end of stream or a reset) within its timeout, rather than timing out."""
    try:
        return client.recv(16) == b""
    except ConnectionResetError:
        return True
    except TimeoutError:
        return False


def test_a_cut_ends_an_idle_connection(server: tuple[socket.socket, list[socket.socket]]) -> None:
    """Closing the sockets from the cutting thread left the client's side open (a pipe thread was blocked reading
    it) until the client next wrote; a stopped server's connections end at once."""
    listener, accepted = server
    proxy = TcpProxy("127.0.0.1", listener.getsockname()[1])
    proxy.start()
    client = through(proxy, accepted)
    client.settimeout(3)

    proxy.cut()

    assert ended(client)


@pytest.fixture
def slow_commit_url() -> Iterator[str]:
    """A scratch database whose table `t` makes each COMMIT that inserted into it last 1.5 s (a deferred trigger
    sleeps): a COMMIT the server carries out and answers late."""
    require_services()
    admin = sa.create_engine(normalize_url(ADMIN_URL), isolation_level="AUTOCOMMIT")
    name = "npsloop_proxy_" + uuid.uuid4().hex[:8]
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = normalize_url(ADMIN_URL).rsplit("/", 1)[0] + "/" + name
    setup = sa.create_engine(url)
    with setup.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE t (x int)")
        connection.exec_driver_sql(
            "CREATE FUNCTION slow() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN PERFORM pg_sleep(1.5); RETURN NULL; END $$"
        )
        connection.exec_driver_sql(
            "CREATE CONSTRAINT TRIGGER slow AFTER INSERT ON t DEFERRABLE INITIALLY DEFERRED "
            "FOR EACH ROW EXECUTE FUNCTION slow()"
        )
    setup.dispose()
    yield url
    with admin.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


def test_a_commit_answered_after_the_cut_fails_as_a_lost_database_instead_of_waiting(slow_commit_url: str) -> None:
    """The hang of test_database_down, through the store's engine: PostgreSQL carries out a COMMIT sent before the
    cut and answers after it. The caller must get the disconnect the API turns into a 503, within seconds; the
    COMMIT did happen, which is why a client's retry after that 503 is answered 200 (already stored)."""
    target = urlsplit(slow_commit_url.replace("+psycopg", ""))
    proxy = TcpProxy(target.hostname or "127.0.0.1", target.port or 5432)
    proxy.start()
    proxied = slow_commit_url.replace(f"{target.hostname}:{target.port or 5432}", f"127.0.0.1:{proxy.port}")
    engine = make_engine(proxied)
    outcome: list[BaseException] = []

    def insert() -> None:
        try:
            with engine.connect() as connection:
                connection.exec_driver_sql("INSERT INTO t VALUES (1)")
                threading.Timer(0.5, proxy.cut).start()
                connection.commit()
        except sa.exc.DBAPIError as error:
            outcome.append(error)

    running = threading.Thread(target=insert, daemon=True)
    running.start()
    running.join(timeout=15)
    assert not running.is_alive(), "the COMMIT's answer was waited for, for ever"
    engine.dispose()
    assert len(outcome) == 1 and lost_database(outcome[0])
    check = sa.create_engine(slow_commit_url)

    def stored() -> bool:
        with check.connect() as connection:
            return connection.exec_driver_sql("SELECT count(*) FROM t").scalar() == 1

    try:
        wait_for(stored, 10, "the server to finish the COMMIT the client saw fail")  # its trigger still sleeps
    finally:
        check.dispose()
