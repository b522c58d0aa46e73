"""The attack of issue 13: a 150 MB JSON body, without credentials, to routes that parse their body before
auth answers. Against the real server (uvicorn in its own process, as `npsloop serve` runs it), each is
refused or cut at the limit, and the process's peak RSS grows by far less than one body."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import httpx
import pytest

from tests.support.api_process import embedded_api, peak_rss_kb

ATTACK_BYTES = 150 * 1024 * 1024
PEAK_GROWTH_BOUND_KB = 30 * 1024
ROUTES = [
    ("POST", "/v1/cases/1/acknowledge"),
    ("POST", "/v1/tokens"),
    ("POST", "/v1/teams"),
    ("POST", "/v1/agents"),
    ("PUT", "/v1/reports/targets"),
]
CHUNK = b"x" * (1024 * 1024)


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[tuple[int, int]]:
    """(pid, port) of `npsloop serve` on the embedded database, one process for the module."""
    with embedded_api(tmp_path_factory.mktemp("body_limit_server")) as served:
        yield served


def attack(port: int, method: str, path: str, *, chunked: bool) -> bytes:
    """Sends a 150 MB JSON body (chunked, or with its honest Content-Length) until the server stops taking it;
    returns what the server answered, empty if it cut the connection first."""
    framing = b"Transfer-Encoding: chunked" if chunked else b"Content-Length: %d" % ATTACK_BYTES
    head = b"%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n%s\r\n\r\n" % (
        method.encode(),
        path.encode(),
        framing,
    )
    opening, closing = b'{"note": "', b'"}'
    with socket.create_connection(("127.0.0.1", port), timeout=60) as sock:
        try:
            sock.sendall(head)
            sent = 0
            while sent < ATTACK_BYTES:
                piece = CHUNK[: ATTACK_BYTES - sent - len(closing)] if sent else opening + CHUNK[len(opening) :]
                if ATTACK_BYTES - sent - len(piece) == len(closing):
                    piece += closing
                sock.sendall(b"%x\r\n%s\r\n" % (len(piece), piece) if chunked else piece)
                sent += len(piece)
            if chunked:
                sock.sendall(b"0\r\n\r\n")
        except OSError:
            pass  # the server stopped reading and closed: the body was cut
        try:
            return sock.recv(65536)
        except OSError:
            return b""


def test_a_150_mb_body_without_credentials_is_refused_without_growing_the_api(server):
    pid, port = server
    for method, path in ROUTES:  # warm every route up, so the baseline holds what serving them costs anyway
        httpx.request(method, f"http://127.0.0.1:{port}{path}", json={"note": "hello"}, timeout=10)
    before = peak_rss_kb(pid)
    answered = {}
    for method, path in ROUTES:
        for chunked in (False, True):
            answer = attack(port, method, path, chunked=chunked)
            answered[(path, chunked)] = answer.split(b"\r\n", 1)[0]
    growth = peak_rss_kb(pid) - before
    assert all(status in (b"", b"HTTP/1.1 413 Request Entity Too Large") for status in answered.values()), answered
    assert any(answered.values()), "at least the declared bodies get their 413"
    assert growth < PEAK_GROWTH_BOUND_KB, f"peak RSS grew by {growth // 1024} MB"
