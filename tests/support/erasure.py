"""What an erasure test needs: a customer with a trace in every place npsloop keeps data, and a search of every
table (reflected from the database itself, so a table the code forgot is searched too), the outbox folder and
Redis for any of their values."""

from __future__ import annotations

import json
import random
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import redis
import sqlalchemy as sa

from npsloop.bootstrap import Runtime
from npsloop.domain.cases import Action
from npsloop.domain.notifications import Channel
from npsloop.domain.outbound import Endpoint, all_events
from npsloop.ingest.schemas import ResponseIn
from npsloop.notify.outbound import Outcome
from npsloop.notify.outbox import Outbox
from npsloop.services.casework import act_on_case
from npsloop.services.deadletters import quarantine_task
from npsloop.services.ingest import ingest_payload
from npsloop.services.outbound import deliver_due
from tests.conftest import drain, ingest, payload


@dataclass(frozen=True)
class Customer:
    id: str
    integration: str
    values: tuple[str, ...]  # everything personal: none of it may survive an erasure
    case_id: int


def echoing_helpdesk(url: str, body: dict[str, Any], **_: Any) -> Outcome:
    """A helpdesk that refuses the case and quotes it back in its error, as many do."""
    return Outcome(False, 422, "invalid ticket: " + json.dumps(body)[:400])


def customer_with_traces(rt: Runtime, *, integration: str = "shop", rejects: redis.Redis | None = None) -> Customer:
    """A detractor and a later answer, their case alerted to two agents (rendered into the outbox folder) and
    acknowledged with a note that quotes them, a helpdesk delivery that failed quoting them, a quarantined
    message and (given Redis) an intake reject carrying them."""
    tag = uuid.uuid4().hex[:8]
    name, email = f"Zelda Quintero {tag}", f"zelda.{tag}@example.org"
    phone = f"+3460{random.randint(1000000, 9999999)}"
    comment, order = f"The courier {tag} threw the parcel", f"ORD-{tag}"
    customer = {"id": f"cust-{tag}", "name": name, "email": email, "phone": phone}
    outbox = Outbox(rt.settings.resolved_outbox_dir, sender="npsloop <n@example.com>", console=None)
    rt.transports = {Channel.SMS: outbox, Channel.EMAIL: outbox}
    with rt.uow() as uow:
        if uow.outbound.named("helpdesk") is None:
            uow.outbound.add(
                Endpoint(
                    name="helpdesk",
                    kind="webhook",
                    url="https://helpdesk.example/hook",
                    created_at=rt.clock(),
                    secret="whsec_" + "h" * 32,
                    events=all_events(),
                )
            )
            uow.commit()
    first = dict(customer=customer, comment=comment, attributes={"order": order, "plan": "gold"})
    ingest(rt, integration, response_id=f"r1-{tag}", score=2, **first)
    ingest(rt, integration, response_id=f"r2-{tag}", score=4, customer=customer, comment="Still waiting")
    # A producer's own idempotency key is its own text, and this one quotes the customer.
    again = ResponseIn.model_validate(
        payload(response_id=f"r2-{tag}", score=4, customer=customer, comment="Still waiting")
    )
    ingest_payload(
        uow=rt.uow(),
        integration=integration,
        payload=again,
        now=rt.clock(),
        delivery_id=f"retry-of-{email}",
    )
    drain(rt)
    # The tool sends the first answer again with more to it: the timeline records the change, old and new.
    ingest(rt, integration, response_id=f"r1-{tag}", score=2, **{**first, "comment": comment + ", and ran"})
    drain(rt)
    with rt.uow() as uow:
        case_id = uow.customers.responses_of(customer["id"], integration)[0].case_id
    assert case_id is not None
    act_on_case(
        uow=rt.uow(),
        case_id=case_id,
        action=Action.ACKNOWLEDGE,
        actor="Marta",
        now=rt.clock(),
        note=f"Called {name} on {phone}; wants a refund to {email}",
    )
    deliver_due(uow=rt.uow(), now=rt.clock(), public_url=rt.settings.public_url, post=echoing_helpdesk)
    message = json.dumps({"task": "npsloop.import", "customer": customer, "comment": comment})
    quarantine_task(
        uow=rt.uow(),
        task="(unknown message format)",
        payload=message,
        error=f"bad body for {email}",
        attempts=1,
        now=rt.clock(),
    )
    if rejects is not None:
        entry = {"response_id": f"r3-{tag}", "score": "ten", "customer": customer, "comment": comment}
        rejects.xadd(
            rt.settings.intake_rejects_stream,
            {
                "entry_id": "1-1",
                "reason": "[]",
                "response": json.dumps(entry),
                "integration": integration,
                "rejected_at": "now",
            },
        )
    return Customer(customer["id"], integration, (customer["id"], name, email, phone, comment, order), case_id)


def _forms(values: tuple[str, ...]) -> set[str]:
    return {form for v in values for form in (v, json.dumps(v)[1:-1], json.dumps(v, ensure_ascii=False)[1:-1])}


def _text(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)


def left_in_database(url: str, values: tuple[str, ...]) -> list[str]:
    """Every column of every table the database has, read raw (reflected, not through the code's own types)."""
    engine = sa.create_engine(url)
    found = []
    try:
        schema = sa.MetaData()
        schema.reflect(engine)
        with engine.connect() as connection:
            for table in schema.sorted_tables:
                for row in connection.execute(sa.select(table)):
                    for column, value in row._mapping.items():
                        text = _text(value)
                        found += [f"{table.name}.{column}: {form!r}" for form in _forms(values) if form in text]
    finally:
        engine.dispose()
    return found


def left_in_folder(folder: Path, values: tuple[str, ...]) -> list[str]:
    found = []
    for path in folder.rglob("*") if folder.is_dir() else []:
        if path.is_file():
            text = path.read_bytes().decode("utf-8", "replace")
            found += [f"{path.name}: {form!r}" for form in _forms(values) if form in text]
    return found


READERS = {
    "string": lambda client, key: client.get(key),
    "list": lambda client, key: client.lrange(key, 0, -1),
    "hash": lambda client, key: client.hgetall(key),
    "set": lambda client, key: client.smembers(key),
    "zset": lambda client, key: client.zrange(key, 0, -1),
    "stream": lambda client, key: client.xrange(key),
}


def left_in_redis(client: redis.Redis, values: tuple[str, ...]) -> list[str]:
    """Every key of every type, whoever wrote it (the client must decode responses)."""
    found = []
    for key in client.scan_iter(count=1000):
        reader = READERS.get(client.type(key))
        text = repr(reader(client, key)) if reader else ""
        found += [f"{key!r}: {form!r}" for form in _forms(values) if form in text]
    return found
