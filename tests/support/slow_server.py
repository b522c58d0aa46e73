"""A local HTTP server that answers badly on purpose, for the egress tests: it trickles its body one chunk at
a time (a byte a second holds a naive client for as long as it likes) or floods it (150 MB, streamed from one
reused buffer so the server itself stays small). It counts the requests that reached it."""

from __future__ import annotations

import contextlib
import socketserver
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

from tests.support.http_sink import serving


@dataclass
class Answer:
    status: int = 200
    size: int = 1000
    chunk: int = 1
    every: float = 1.0  # seconds between chunks
    encoding: str = ""  # a Content-Encoding to claim


@dataclass
class SlowServer:
    url: str
    answer: Answer
    paths: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def requests(self) -> int:
        with self.lock:
            return len(self.paths)


@contextlib.contextmanager
def slow_server(answer: Answer) -> Iterator[SlowServer]:
    state = SlowServer(url="", answer=answer)

    class Handler(socketserver.BaseRequestHandler):
        def handle(self) -> None:
            head = b""
            while b"\r\n\r\n" not in head:
                data = self.request.recv(65536)
                if not data:
                    return
                head += data
            with state.lock:
                state.paths.append(head.split(b" ", 2)[1].decode())
            plan = state.answer
            encoding = f"Content-Encoding: {plan.encoding}\r\n" if plan.encoding else ""
            self.request.sendall(
                f"HTTP/1.1 {plan.status} X\r\nContent-Type: application/json\r\n{encoding}"
                f"Content-Length: {plan.size}\r\nConnection: close\r\n\r\n".encode()
            )
            piece = b"7" * plan.chunk
            sent = 0
            with contextlib.suppress(OSError):
                while sent < plan.size:
                    self.request.sendall(piece[: plan.size - sent])
                    sent += len(piece)
                    if plan.every:
                        time.sleep(plan.every)

    class Server(socketserver.ThreadingTCPServer):
        daemon_threads = True
        allow_reuse_address = True
        request_queue_size = 128

    with serving(Server(("127.0.0.1", 0), Handler)) as state.url:
        yield state
