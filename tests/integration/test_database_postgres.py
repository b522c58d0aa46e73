import os
import socket

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
