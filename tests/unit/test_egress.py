"""The one outbound HTTP client: destinations checked on the address actually dialled (loopback, private,
link-local and metadata addresses and plain http refused unless allow-listed; a DNS answer that changes
between the check and the connection still refused), and each call bounded in time, size and number, so a
hostile far side cannot hold the API's threads or grow a process's memory with its answer."""

from __future__ import annotations

import ipaddress
import json
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
import uvicorn
from pydantic import ValidationError

from npsloop.api.app import create_app
from npsloop.bootstrap import build_runtime
from npsloop.egress.client import Egress, TooSlow
from npsloop.egress.policy import EgressError, Policy, Refused, blocked_because
from npsloop.services import integrations, outbound
from npsloop.settings import Settings
from npsloop.store import migrate
from tests.conftest import LOOPBACK, TOKEN, FakeDispatcher, drain, ingest, seed_team, sqlite_settings
from tests.fixtures import survey_tools as docs
from tests.support.http_sink import http_sink
from tests.support.slow_server import Answer, slow_server

PUBLIC = ipaddress.ip_address("93.184.215.14")
MB = 1024 * 1024


def client(policy: Policy, *, deadline: float = 5.0, max_bytes: int = MB, slots: int = 4) -> Egress:
    return Egress(policy, deadline_seconds=deadline, max_bytes=max_bytes, concurrency=slots)


@pytest.mark.parametrize(
    ("address", "says"),
    [
        ("127.0.0.1", "loopback"),
        ("::1", "loopback"),
        ("169.254.169.254", "link-local"),
        ("fd00:ec2::254", "unique-local"),
        ("fe80::1", "link-local"),
        ("10.1.2.3", "private"),
        ("172.16.0.9", "private"),
        ("192.168.0.1", "private"),
        ("100.100.100.200", "not a public address"),  # Alibaba's metadata, in the carrier-grade NAT range
        ("0.0.0.0", "unspecified"),
        ("::", "unspecified"),
        ("224.0.0.1", "multicast"),
        ("ff02::1", "multicast"),
        ("::ffff:127.0.0.1", "loopback"),
        ("64:ff9b::a9fe:a9fe", "link-local"),  # 169.254.169.254 through NAT64
        ("2002:a00:1::", "private"),  # 10.0.0.1 through 6to4
    ],
)
def test_non_public_addresses_are_refused_before_any_connection(address, says):
    assert says in (blocked_because(ipaddress.ip_address(address)) or "")
    host = f"[{address}]" if ":" in address else address
    with pytest.raises(Refused, match=says):
        client(Policy.parse("")).request("GET", f"https://{host}:9/latest/meta-data", headers={})


def test_a_public_address_is_not_blocked():
    assert blocked_because(PUBLIC) is None


def test_the_allow_list_takes_networks_addresses_and_names_and_refuses_anything_else():
    policy = Settings(egress_allow="10.1.2.0/24, ::1,helpdesk.internal.").egress_allow
    parsed = Policy.parse(policy)
    assert parsed.host_allowed("10.1.2.200") and parsed.host_allowed("::1") and parsed.host_allowed("HelpDesk.internal")
    assert not parsed.host_allowed("10.1.3.1") and not parsed.host_allowed("other.internal")
    with pytest.raises(ValidationError, match="neither a network nor a host name"):
        Settings(egress_allow="10.0.0.0/33")


def test_plain_http_is_refused_unless_its_host_is_allow_listed():
    with http_sink() as far:
        far.routes["/r"] = (200, {"ok": 1})
        with pytest.raises(Refused, match="only https"):
            client(Policy.parse("")).request("GET", far.url + "/r", headers={})
        assert far.hits == []
        assert client(Policy.parse(LOOPBACK)).request("GET", far.url + "/r", headers={}).json() == {"ok": 1}


def test_the_checked_address_is_dialled_and_the_host_still_named():
    """Connecting to the address that was checked, never to the name again, must not lose the Host."""
    with http_sink() as far:
        far.routes["/r"] = (200, {"ok": 1})
        port = far.url.rsplit(":", 1)[1]
        policy = Policy.parse("desk.internal", resolver=lambda host, port: [ipaddress.ip_address("127.0.0.1")])
        assert client(policy).request("GET", f"http://desk.internal:{port}/r", headers={}).status == 200
        assert far.hits[0].headers["host"] == f"desk.internal:{port}"


def test_a_name_resolving_to_any_refused_address_is_refused_whole():
    policy = Policy.parse("", resolver=lambda host, port: [PUBLIC, ipaddress.ip_address("10.0.0.7")])
    with pytest.raises(Refused, match="resolves to 10.0.0.7, a private address"):
        client(policy).request("GET", "https://mixed.example.com/", headers={})


class Rebinding:
    """A DNS server under an attacker's control: a public address when the URL is checked, loopback after."""

    def __init__(self) -> None:
        self.answers = 0

    def __call__(self, host: str, port: int) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
        self.answers += 1
        return [PUBLIC] if self.answers == 1 else [ipaddress.ip_address("127.0.0.1")]


def test_dns_rebinding_between_the_check_and_the_connection_is_refused(tmp_path):
    settings = sqlite_settings(tmp_path, egress_allow="")
    migrate.upgrade(settings.resolved_database_url)
    rt = build_runtime(settings, dispatcher=FakeDispatcher())
    rebinding = Rebinding()
    rt.egress = client(Policy.parse("", resolver=rebinding))
    try:
        seed_team(rt)
        with slow_server(Answer(size=2, every=0)) as far:
            port = far.url.rsplit(":", 1)[1]
            outbound.add_endpoint(
                uow=rt.uow(),
                egress=rt.egress.policy,
                name="desk",
                kind="webhook",
                url=f"https://desk.attacker.example:{port}/hook",
                now=rt.clock(),
            )  # checked when added: the name resolved to a public address then
            ingest(rt)
            drain(rt)
            sent = outbound.deliver_due(uow=rt.uow(), now=rt.clock(), public_url="https://x", post=rt.post_outbound)
            row = outbound.deliveries(uow=rt.uow())[0]
            assert sent == 1 and row["status"] == "pending" and row["last_status_code"] is None
            assert "resolves to 127.0.0.1, a loopback address" in row["last_error"]
            assert rebinding.answers == 2 and far.requests == 0
    finally:
        rt.engine.dispose()


def test_a_call_is_cut_at_its_overall_deadline_however_steadily_bytes_arrive():
    with slow_server(Answer(size=100, chunk=1, every=0.5)) as far:
        began = time.monotonic()
        with pytest.raises(TooSlow, match="within 1.5 s"):
            client(Policy.parse(LOOPBACK), deadline=1.5).request("GET", far.url, headers={})
        assert time.monotonic() - began < 3


def test_the_answer_is_asked_for_uncompressed_and_a_compressed_one_refused():
    """A gzip answer could inflate far past the byte cap inside one chunk."""
    with http_sink() as far:
        far.routes["/r"] = (200, {"ok": 1})
        reply = client(Policy.parse(LOOPBACK)).request("GET", far.url + "/r", headers={"accept-encoding": "gzip"})
        assert reply.complete and far.hits[0].headers["accept-encoding"] == "identity"
    with slow_server(Answer(size=10, every=0, encoding="gzip")) as far, pytest.raises(EgressError, match="compressed"):
        client(Policy.parse(LOOPBACK)).request("GET", far.url, headers={})


def test_a_name_that_takes_long_to_resolve_is_cut_at_the_deadline_too():
    def slow_dns(host: str, port: int) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
        time.sleep(3)
        return [PUBLIC]

    began = time.monotonic()
    with pytest.raises(TooSlow, match="within 1 s"):
        client(Policy.parse("", resolver=slow_dns), deadline=1).request("GET", "https://slow.example", headers={})
    assert time.monotonic() - began < 2.5


MEASURE = """
import json, sys
from npsloop.egress.client import Egress
from npsloop.egress.policy import Policy

def peak_kb():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM"):
            return int(line.split()[1])

egress = Egress(Policy.parse("127.0.0.0/8"), deadline_seconds=60, max_bytes=1024 * 1024, concurrency=2)
mode, url = sys.argv[1], sys.argv[2]
if mode == "fetch":
    from npsloop.ingest.adapters.base import UpstreamError
    from npsloop.ingest.fetch import http_fetch
    def call():
        try:
            return http_fetch(egress, url, {})
        except UpstreamError as error:
            return str(error)
else:
    from npsloop.notify.outbound import post
    def call():
        outcome = post(url, {"a": 1}, egress=egress, secret="s", delivery_id=1, kind="case.opened", now=0)
        return [outcome.ok, outcome.status_code, len(outcome.error or "")]
before = peak_kb()
outcome = call()
print(json.dumps({"growth_mb": (peak_kb() - before) / 1024, "outcome": outcome}))
"""


def peak_growth(mode: str, url: str) -> dict[str, object]:
    """Run in a process of its own, so its peak RSS is this call's alone."""
    done = subprocess.run([sys.executable, "-c", MEASURE, mode, url], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def test_a_150_mb_read_back_answer_is_cut_at_the_cap_and_never_held():
    with slow_server(Answer(size=150 * MB, chunk=64 * 1024, every=0)) as tool:
        measured = peak_growth("fetch", tool.url + "/API/v3/surveys/SV_1/responses/R_1")
    assert measured["outcome"] == "127.0.0.1 answered more than 1048576 bytes"
    assert measured["growth_mb"] < 40  # the old client held all 150 MB (and its decoded copy)


def test_a_150_mb_error_body_from_a_webhook_receiver_does_not_grow_the_sender():
    with slow_server(Answer(status=500, size=150 * MB, chunk=64 * 1024, every=0)) as desk:
        measured = peak_growth("post", desk.url + "/hook")
    assert measured["outcome"] == [False, 500, 500]  # failed, retried later, 500 characters of it logged
    assert measured["growth_mb"] < 40


def test_slow_read_backs_beyond_the_slots_get_503_and_the_api_keeps_answering(tmp_path):
    """42 read-backs from a tool trickling its answers: the old client held a thread each, the API's pool
    of 40 ran out and every route froze. Now 4 wait on the tool, the rest are told to retry at once, and
    another route answers meanwhile."""
    settings = sqlite_settings(tmp_path, egress_concurrency=4, egress_deadline_seconds=6)
    migrate.upgrade(settings.resolved_database_url)
    rt = build_runtime(settings, dispatcher=FakeDispatcher())
    server = uvicorn.Server(uvicorn.Config(create_app(rt), host="127.0.0.1", port=0, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        while not server.started:
            time.sleep(0.05)
        api = f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"
        with slow_server(Answer(size=100, chunk=1, every=1.0)) as tool:
            key = integrations.add_integration(
                uow=rt.uow(),
                egress=rt.egress.policy,
                name="q",
                kind="qualtrics",
                config={"api_base": tool.url, "api_token": "t", "score_question": "QID1"},
                now=rt.clock(),
            ).secret

            def read_back() -> tuple[int, str, str | None]:
                answer = httpx.post(
                    f"{api}/v1/integrations/qualtrics/q?key={key}",
                    content=docs.QUALTRICS_NOTICE,
                    headers={"Content-Type": "application/x-www-form-urlencoded"},
                    timeout=30,
                )
                return answer.status_code, answer.json()["message"], answer.headers.get("Retry-After")

            with ThreadPoolExecutor(42) as pool:
                calls = [pool.submit(read_back) for _ in range(42)]
                while tool.requests < 4:
                    time.sleep(0.05)
                # With the old client this waited until a trickling read-back gave its thread back.
                listed = httpx.get(f"{api}/v1/cases", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=5)
                assert listed.status_code == 200
                results = [call.result() for call in calls]
        assert {(status, retry) for status, _, retry in results} == {(503, "30")}  # the tool sends them again
        said = [message for _, message, _ in results]
        assert sum("outbound connections are in use" in m for m in said) == 38  # told at once, never sent
        assert sum("did not answer within 6 s" in m for m in said) == 4 and tool.requests == 4
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        rt.engine.dispose()
