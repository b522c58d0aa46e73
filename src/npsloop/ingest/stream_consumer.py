"""The Redis stream intake: producers inside the network XADD responses, a consumer group moves them into
the pipeline. An entry is acknowledged only once it is stored (or rejected onto the rejects stream, with the
reason, in the same MULTI as the acknowledgement), and deleted with its acknowledgement: the stream is
npsloop's own inbox, and Redis (run with noeviction) must not fill up with what is done. The rejects stream
is capped at about NPSLOOP_INTAKE_REJECTS_MAXLEN entries. Whatever fails in one entry is that entry's alone:
it is rejected with the reason, the rest of its batch is stored, and only a store outage leaves entries
waiting. Entries a dead consumer held are claimed with XAUTOCLAIM once idle and taken again one at a time, so
an entry that keeps killing its consumer is rejected by its own delivery count, and its neighbours are not.
An entry counts under an intake integration the operator declared, never a signed one (services/stream_entry.py).

    redis-cli XADD npsloop:intake '*' response '{"response_id":"crm-1","score":4,...}' integration crm
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
from collections.abc import Callable
from typing import Any, cast

import redis
from redis.typing import EncodableT, FieldT

from npsloop.metrics import INTAKE_ENTRIES
from npsloop.services.ingest import IngestResult
from npsloop.services.stream_entry import IntakeIntegrations, Rejected, intake_integrations, take_entry
from npsloop.services.unit_of_work import StoreUnavailable, UnitOfWork
from npsloop.settings import Settings

log = logging.getLogger(__name__)
Entry = tuple[str, dict[str, str]]
# What XREADGROUP answers a client with decode_responses over RESP2: each stream with its entries, an entry's fields
# None when it was deleted while pending. redis-py types the answer for every protocol and decoding at once.
StreamsRead = list[tuple[str, list[tuple[str, dict[str, str] | None]]]]


class StreamIntake:
    def __init__(
        self,
        client: redis.Redis,
        settings: Settings,
        uow_factory: Callable[[], UnitOfWork],
        clock: Callable[[], Any],
        consumer: str | None = None,
    ) -> None:
        self.redis = client
        self.settings = settings
        self.uow_factory = uow_factory
        self.clock = clock
        self.consumer = consumer or f"{socket.gethostname()}-{os.getpid()}"
        self.stream, self.group = settings.intake_stream, settings.intake_group
        self.stored = self.rejected = 0
        self._held: list[Entry] = []  # entries a store outage interrupted, retried without reading them again

    def ensure_group(self) -> None:
        try:
            self.redis.xgroup_create(self.stream, self.group, id="0", mkstream=True)
        except redis.ResponseError as error:
            if "BUSYGROUP" not in str(error):
                raise

    def run(self, stop: threading.Event, block_ms: int = 2000) -> None:
        self.ensure_group()
        log.info("stream intake started", extra={"stream": self.stream, "consumer": self.consumer})
        backoff = 0.5
        while not stop.is_set():
            try:
                self.step(block_ms)
                backoff = 0.5
            except (StoreUnavailable, redis.ConnectionError, redis.TimeoutError) as error:
                # Nothing was acknowledged: the entries wait (held here, or pending in Redis) for the next pass.
                log.warning("stream intake waiting", extra={"error": str(error), "retry_in": backoff})
                stop.wait(backoff)
                backoff = min(backoff * 2, 30.0)

    def step(self, block_ms: int = 2000) -> int:
        """One pass: what a store outage interrupted, as it was; then an entry handed out before (to this
        consumer in an earlier life, or to one that stopped), alone, so that if it is what killed its consumer
        only its own delivery count grows; then new entries, a batch at a time."""
        if self._held:
            return self._take(self._held)
        again = self._read("0", 1, None)
        if again:
            return self._take(again, redelivered=True)
        claimed = self._claim(self.settings.intake_batch)
        if claimed:
            return claimed
        return self._take(self._read(">", self.settings.intake_batch, block_ms))

    def _read(self, start: str, count: int, block_ms: int | None) -> list[Entry]:
        answer = cast(
            StreamsRead,
            self.redis.xreadgroup(self.group, self.consumer, {self.stream: start}, count=count, block=block_ms),
        )
        entries: list[Entry] = []
        for _, items in answer or []:
            # A pending entry that was deleted from the stream comes back with no fields: nothing left to take.
            for entry_id, fields in items:
                if fields is None:
                    self._done(entry_id)
                else:
                    entries.append((entry_id, fields))
        return entries

    def _claim(self, count: int) -> int:
        """Moves idle entries of a stopped consumer to this one without counting a delivery (JUSTID); the
        next passes read them one by one, which counts."""
        idle_ms = int(self.settings.intake_claim_idle_seconds * 1000)
        claimed = self.redis.xautoclaim(
            self.stream, self.group, self.consumer, idle_ms, "0-0", count=count, justid=True
        )
        if claimed:
            log.warning("claimed entries of a stopped consumer", extra={"count": len(claimed)})
        return len(claimed)

    def _take(self, entries: list[Entry], redelivered: bool = False) -> int:
        """Each entry's failure is its own: it is rejected with the reason and the others are stored. Only a
        store outage stops the batch, which is then held, as it is, for the next pass."""
        self._held = entries
        integrations = self._integrations()
        for index, (entry_id, fields) in enumerate(entries):
            self._held = entries[index:]
            deliveries = self._deliveries(entry_id) if redelivered else 1
            if deliveries > self.settings.intake_max_deliveries:
                message = f"delivered {deliveries} times without being stored"
                self._reject(entry_id, fields, [{"field": "entry", "message": message}])
                continue
            outcome = self._outcome(fields, integrations)
            if isinstance(outcome, Rejected):
                self._reject(entry_id, fields, outcome.errors)
            else:
                self._done(entry_id)
                self.stored += 1
                INTAKE_ENTRIES.labels("stored").inc()
        self._held = []
        return len(entries)

    def _integrations(self) -> IntakeIntegrations:
        return intake_integrations(
            uow=self.uow_factory(),
            default=self.settings.intake_integration,
            declared=self.settings.intake_integration_names(),
            signed_by_secret=self.settings.webhook_secret_map(),
        )

    def _outcome(self, fields: dict[str, str], integrations: IntakeIntegrations) -> IngestResult | Rejected:
        try:
            return take_entry(
                uow=self.uow_factory(),
                fields=fields,
                integrations=integrations,
                now=self.clock(),
            )
        except StoreUnavailable:
            raise
        except Exception as error:
            # Whatever one entry makes fail must not stop the consumer (and, after its restarts, reject the
            # valid entries read with it). Only the class is told: a message may quote the entry's data.
            return Rejected([{"field": "entry", "message": f"could not be stored ({type(error).__name__})"}])

    def _done(self, entry_id: str) -> None:
        with self.redis.pipeline(transaction=True) as pipe:
            pipe.xack(self.stream, self.group, entry_id)
            pipe.xdel(self.stream, entry_id)
            pipe.execute()

    def _deliveries(self, entry_id: str) -> int:
        """How often the entry was handed out, this time included."""
        pending = self.redis.xpending_range(self.stream, self.group, min=entry_id, max=entry_id, count=1)
        return int(pending[0]["times_delivered"]) if pending else 1

    def _reject(self, entry_id: str, fields: dict[str, str], errors: list[dict[str, str]]) -> None:
        record: dict[FieldT, EncodableT] = {
            "entry_id": entry_id,
            "reason": json.dumps(errors),
            "response": _text(fields.get("response", "")[: 64 * 1024]),
            "integration": _text(fields.get("integration", "")),
            "rejected_at": self.clock().isoformat(),
        }
        with self.redis.pipeline(transaction=True) as pipe:
            pipe.xadd(
                self.settings.intake_rejects_stream,
                record,
                maxlen=self.settings.intake_rejects_maxlen,
                approximate=True,
            )
            pipe.xack(self.stream, self.group, entry_id)
            pipe.xdel(self.stream, entry_id)
            pipe.execute()
        self.rejected += 1
        INTAKE_ENTRIES.labels("rejected").inc()
        log.warning("stream entry rejected", extra={"entry_id": entry_id, "errors": errors})


def _text(value: str) -> str:
    """The rejects stream stays UTF-8 for whoever reads it: bytes that were not are written as escapes."""
    return value.encode("utf-8", "backslashreplace").decode("utf-8")


def intake_redis(settings: Settings) -> redis.Redis:
    """Bytes that are not UTF-8 are read as lone surrogates, not as an error that fails the read of a whole
    batch (and every read after it): the entry that holds them is then rejected alone."""
    url = settings.limiter_redis_url
    if url is None:
        raise RuntimeError("the stream intake needs Redis: set NPSLOOP_REDIS_URL or a redis:// NPSLOOP_BROKER_URL")
    return redis.Redis.from_url(
        url, decode_responses=True, encoding_errors="surrogateescape", socket_timeout=30, health_check_interval=30
    )
