"""The cuttable proxy the fault tests put in front of PostgreSQL ends every connection it carries when cut, as a
stopped server does: a client waiting for an answer sees the connection end instead of waiting for ever."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from npsloop.store.database import make_engine, normalize_url
from npsloop.store.uow import lost_database
from tests.support.proxy import TcpProxy
from tests.support.services import ADMIN_URL, require_services


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


def through(proxy: TcpProxy, accepted: list[socket.socket]) -> tuple[socket.socket, socket.socket]:
    """A client connected through the proxy, and the server's end of it, after one exchange both ways."""
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
    return client, upstream


def ended(client: socket.socket) -> bool:
    """The client's read ends (end of stream or a reset) within its timeout, rather than timing out."""
    try:
        return client.recv(16) == b""
    except ConnectionResetError:
        return True
    except TimeoutError:
        return False


def test_a_cut_ends_an_idle_connection(server: tuple[socket.socket, list[socket.socket]]) -> None:
    listener, accepted = server
    proxy = TcpProxy("127.0.0.1", listener.getsockname()[1])
    proxy.start()
    client, _ = through(proxy, accepted)
    client.settimeout(3)

    proxy.cut()

    assert ended(client)


def test_a_cut_ends_a_connection_whose_answer_comes_after_it(
    server: tuple[socket.socket, list[socket.socket]],
) -> None:
    """A statement sent before the cut, answered by the server after it (a COMMIT in flight when the database
    went away): the answer cannot be delivered, and the client must learn that the connection is gone. The
    proxy used to close the sockets from the cutting thread, which does not wake the thread blocked reading the
    client's side, so that side stayed open and silent, and the API waited for its COMMIT's answer for ever."""
    listener, accepted = server
    proxy = TcpProxy("127.0.0.1", listener.getsockname()[1])
    proxy.start()
    client, upstream = through(proxy, accepted)
    client.settimeout(3)
    client.sendall(b"COMMIT")
    assert upstream.recv(16) == b"COMMIT"

    proxy.cut()
    with contextlib.suppress(OSError):  # the proxy's reset may be there first
        upstream.sendall(b"done")

    assert ended(client)


def test_a_statement_in_flight_at_the_cut_fails_as_a_lost_database_instead_of_waiting() -> None:
    """The same through the store's engine and psycopg: the statement's answer comes after the cut, and the
    caller gets the disconnect the API turns into a 503, within seconds."""
    require_services()
    url = normalize_url(ADMIN_URL)
    target = urlsplit(url.replace("+psycopg", ""))
    proxy = TcpProxy(target.hostname or "127.0.0.1", target.port or 5432)
    proxy.start()
    engine = make_engine(url.replace(f"{target.hostname}:{target.port or 5432}", f"127.0.0.1:{proxy.port}"))
    outcome: list[BaseException] = []

    def statement() -> None:
        try:
            with engine.connect() as connection:
                threading.Timer(0.5, proxy.cut).start()
                connection.exec_driver_sql("SELECT pg_sleep(1.5)")
        except sa.exc.DBAPIError as error:
            outcome.append(error)

    running = threading.Thread(target=statement, daemon=True)
    running.start()
    running.join(timeout=15)
    assert not running.is_alive(), "the statement waited for an answer that could not come"
    engine.dispose()
    assert len(outcome) == 1 and lost_database(outcome[0])
