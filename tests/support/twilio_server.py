"""A local HTTP server speaking the part of Twilio's REST API that `client.messages.create` calls, so the
real twilio SDK runs its real code path. Failures are chosen per recipient number.

WhatsApp as Twilio does it: `whatsapp:+...` addresses, Content templates (ContentSid with ContentVariables, which
alone is refused with 21654), and free text refused with 63016 outside the recipient's 24-hour window, which
`TwilioState.inbound` opens as a message from that number would."""

from __future__ import annotations

import base64
import contextlib
import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs


@dataclass
class Received:
    to: str
    sender: str
    body: str
    at: float
    status_callback: str | None = None
    content_sid: str | None = None
    content_variables: dict[str, str] | None = None


@dataclass
class TwilioState:
    account_sid: str
    auth_token: str
    messages: list[Received] = field(default_factory=list)
    attempts: dict[str, int] = field(default_factory=dict)
    # to-number -> list of behaviours for successive attempts; the last one repeats.
    script: dict[str, list[str]] = field(default_factory=dict)
    log: list[tuple[str, float, str]] = field(default_factory=list)  # (to, when, behaviour) for every attempt
    lock: threading.Lock = field(default_factory=threading.Lock)
    # whatsapp:+number -> when it last wrote to us: free text is accepted for 24 hours after it
    windows: dict[str, float] = field(default_factory=dict)

    def inbound(self, address: str, at: float | None = None) -> None:
        with self.lock:
            self.windows[address] = time.time() if at is None else at

    def window_open(self, address: str) -> bool:
        with self.lock:
            seen = self.windows.get(address)
        return seen is not None and time.time() - seen < WHATSAPP_WINDOW_SECONDS

    def to(self, number: str) -> list[Received]:
        with self.lock:
            return [m for m in self.messages if m.to == number]


WHATSAPP_WINDOW_SECONDS = 24 * 3600
# Behaviours a script may name for a WhatsApp recipient, with the error Twilio answers.
WHATSAPP_ERRORS = {
    "outside_window": (63016, 400, "Failed to send freeform message because you are outside the allowed window."),
    "not_on_whatsapp": (63024, 400, "Invalid message recipient"),
    "unreachable": (63003, 400, "Channel could not find To address"),
    "whatsapp_rate": (63018, 429, "Rate limit exceeded for Channel"),
}


def _error(code: int | None, status: int, message: str) -> bytes:
    return json.dumps({"code": code, "message": message, "more_info": "", "status": status}).encode()


class Handler(BaseHTTPRequestHandler):
    # Keep-alive, as api.twilio.com does: the SDK's requests session reuses its connection, so neither side
    # pays a TCP handshake and a server thread for every message (which the benchmarks would count).
    protocol_version = "HTTP/1.1"
    # The reply goes out in two writes (headers, then body): with Nagle on, the body waits for the client's
    # delayed ACK of the headers, 40 ms a message that a real API's server does not add and the benchmarks
    # would count as npsloop's.
    disable_nagle_algorithm = True
    server: TwilioHttpServer

    def log_message(self, *args: object) -> None:
        pass

    def _reply(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        with contextlib.suppress(BrokenPipeError):  # the client gave up first: what the timeout test wants
            self.wfile.write(body)

    def do_POST(self) -> None:  # noqa: N802
        state = self.server.state
        length = int(self.headers.get("Content-Length", "0"))
        form = {k: v[-1] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
        expected = "Basic " + base64.b64encode(f"{state.account_sid}:{state.auth_token}".encode()).decode()
        if self.headers.get("Authorization") != expected:
            self._reply(401, _error(20003, 401, "Authenticate"))
            return
        if self.path != f"/2010-04-01/Accounts/{state.account_sid}/Messages.json":
            self._reply(404, _error(20404, 404, "not found"))
            return
        to = form.get("To", "")
        with state.lock:
            attempt = state.attempts.get(to, 0)
            state.attempts[to] = attempt + 1
            plan = state.script.get(to, ["ok"])
            behaviour = plan[min(attempt, len(plan) - 1)]
            state.log.append((to, time.time(), behaviour))
        refusal = _whatsapp_refusal(state, to, form, behaviour)
        if refusal is not None:
            code, status, text = refusal
            self._reply(status, _error(code, status, text), {"Retry-After": "2"} if status == 429 else None)
        elif behaviour == "invalid":
            self._reply(400, _error(21211, 400, f"The 'To' number {to} is not a valid phone number."))
        elif behaviour == "unsubscribed":
            self._reply(400, _error(21610, 400, "Attempt to send to unsubscribed recipient"))
        elif behaviour == "throttle":
            self._reply(429, _error(20429, 429, "Too Many Requests"), {"Retry-After": "2"})
        elif behaviour == "error":
            self._reply(500, _error(None, 500, "Internal Server Error"))
        elif behaviour == "slow":
            time.sleep(3)
            self._reply(500, _error(None, 500, "too late"))
        else:
            sid = "SM" + uuid.uuid4().hex
            with state.lock:
                state.messages.append(
                    Received(
                        to=to,
                        sender=form.get("From", ""),
                        body=form.get("Body", ""),
                        at=time.time(),
                        status_callback=form.get("StatusCallback"),
                        content_sid=form.get("ContentSid"),
                        content_variables=json.loads(form["ContentVariables"]) if "ContentVariables" in form else None,
                    )
                )
            body = {
                "sid": sid,
                "account_sid": state.account_sid,
                "to": to,
                "from": form.get("From"),
                "body": form.get("Body"),
                "status": "queued",
                "num_segments": "1",
                "direction": "outbound-api",
                "api_version": "2010-04-01",
                "uri": f"/2010-04-01/Accounts/{state.account_sid}/Messages/{sid}.json",
            }
            self._reply(201, json.dumps(body).encode())


def _whatsapp_refusal(state: TwilioState, to: str, form: dict[str, str], behaviour: str) -> tuple[int, int, str] | None:
    if "ContentVariables" in form and "ContentSid" not in form:
        return 21654, 400, "A ContentSid must be specified if ContentVariables are provided in the request."
    if behaviour in WHATSAPP_ERRORS:
        return WHATSAPP_ERRORS[behaviour]
    if to.startswith("whatsapp:") and "ContentSid" not in form and not state.window_open(to):
        return WHATSAPP_ERRORS["outside_window"]
    return None


class TwilioHttpServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, state: TwilioState) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.state = state

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


def start(account_sid: str = "AC" + "0" * 32, auth_token: str = "test-auth-token") -> TwilioHttpServer:
    server = TwilioHttpServer(TwilioState(account_sid=account_sid, auth_token=auth_token))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server
