"""The outbound fan-out and claim on PostgreSQL: deliveries written by the flush hook in the event's own
transaction, claimed with SKIP LOCKED by two senders at once without either sending one twice."""

from __future__ import annotations

import threading
import time

from npsloop.ingest import signature
from npsloop.services import outbound
from tests.conftest import drain, ingest, seed_team
from tests.support.http_sink import http_sink


def test_two_senders_share_the_work_and_send_each_delivery_once(pg_runtime):
    rt = pg_runtime
    seed_team(rt)
    with http_sink() as helpdesk:
        secret = outbound.add_endpoint(
            uow=rt.uow(), egress=rt.egress.policy, name="desk", kind="webhook", url=helpdesk.url, now=rt.clock()
        ).secret
        for n in range(30):
            ingest(rt, customer={"id": f"cust-{n}", "name": "Ana"})
        drain(rt)
        sent: list[int] = []

        def sender() -> None:
            while True:
                count = outbound.deliver_due(
                    uow=rt.uow(), now=rt.clock(), public_url="https://x", post=rt.post_outbound, limit=4
                )
                if not count:
                    return
                sent.append(count)

        threads = [threading.Thread(target=sender) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert sum(sent) == 30
        ids = [hit.headers["npsloop-delivery"] for hit in helpdesk.posts()]
        assert len(ids) == len(set(ids)) == 30
        for hit in helpdesk.posts():
            assert signature.verify(
                hit.headers["npsloop-signature"], hit.body, {"x": [secret]}, now=time.time(), tolerance=300
            )
        assert {row["status"] for row in outbound.deliveries(uow=rt.uow(), limit=100)} == {"delivered"}
        outbound.remove_endpoint(uow=rt.uow(), name="desk")
        assert outbound.deliveries(uow=rt.uow(), limit=100) == []  # the database cascades the log away
