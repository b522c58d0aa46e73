"""A local HTTP server for the tests that need one on the far side: a survey tool's API answering GETs
with scripted JSON, or a Slack/helpdesk endpoint recording the POSTs npsloop sends (with a scripted status
for successive requests, to exercise retries)."""

from __future__ import annotations

import contextlib
import json
import socketserver
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Hit:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Sink:
    url: str
    routes: dict[str, tuple[int, Any]] = field(default_factory=dict)  # path -> (status, JSON) for GETs
    statuses: list[int] = field(default_factory=list)  # for successive POSTs; the last one repeats
    hits: list[Hit] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def posts(self) -> list[Hit]:
        with self.lock:
            return [h for h in self.hits if h.method == "POST"]


@contextlib.contextmanager
def http_sink() -> Iterator[Sink]:
    state = Sink(url="")

    class Handler(BaseHTTPRequestHandler):
        def _record(self) -> Hit:
            length = int(self.headers.get("Content-Length") or 0)
            hit = Hit(self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, self.rfile.read(length))
            with state.lock:
                state.hits.append(hit)
            return hit

        def _answer(self, status: int, body: Any) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:  # noqa: N802
            hit = self._record()
            status, body = state.routes.get(hit.path, (404, {"error": "not found"}))
            self._answer(status, body)

        def do_POST(self) -> None:  # noqa: N802
            self._record()
            with state.lock:
                index = len([h for h in state.hits if h.method == "POST"]) - 1
                status = state.statuses[min(index, len(state.statuses) - 1)] if state.statuses else 200
            self._answer(status, {"ok": status < 300})

        def log_message(self, *_: Any) -> None:
            return None

    with serving(ThreadingHTTPServer(("127.0.0.1", 0), Handler)) as state.url:
        yield state


@contextlib.contextmanager
def serving(server: socketserver.BaseServer) -> Iterator[str]:
    """Serves on a thread of its own until the block ends, then stops and closes; gives the base URL."""
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"  # type: ignore[index]
    finally:
        server.shutdown()
        server.server_close()
