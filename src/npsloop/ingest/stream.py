"""The Redis stream intake: producers inside the network XADD responses, a consumer group moves them into
the pipeline. An entry is acknowledged only once it is stored (or rejected onto the rejects stream, with the
reason, in the same MULTI as the acknowledgement), and deleted with its acknowledgement: the stream is
npsloop's own inbox, and Redis (run with noeviction) must not fill up with what is done. The rejects stream
is capped at about NPSLOOP_INTAKE_REJECTS_MAXLEN entries; entries a dead consumer held are claimed with XAUTOCLAIM
once idle; an entry that keeps coming back without being stored is rejected by its delivery count.

    redis-cli XADD npsloop:intake '*' response '{"response_id":"crm-1","score":4,...}' integration crm
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
from collections.abc import Callable
from typing import Any

import redis

from npsloop.metrics import INTAKE_ENTRIES
from npsloop.services.intake import Rejected, take_entry
from npsloop.services.ports import Dispatcher
from npsloop.settings import Settings
from npsloop.store.uow import StoreUnavailable, UnitOfWork

log = logging.getLogger(__name__)
Entry = tuple[str, dict[str, str]]


class StreamIntake:
    def __init__(
        self,
        client: redis.Redis,
        settings: Settings,
        uow_factory: Callable[[], UnitOfWork],
        dispatcher: Dispatcher,
        clock: Callable[[], Any],
        consumer: str | None = None,
    ) -> None:
        self.redis = client
        self.settings = settings
        self.uow_factory = uow_factory
        self.dispatcher = dispatcher
        self.clock = clock
        self.consumer = consumer or f"{socket.gethostname()}-{os.getpid()}"
        self.stream, self.group = settings.intake_stream, settings.intake_group
        self.stored = self.rejected = 0

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
                # Nothing was acknowledged: the entries wait in this consumer's pending list for the next pass.
                log.warning("stream intake waiting", extra={"error": str(error), "retry_in": backoff})
                stop.wait(backoff)
                backoff = min(backoff * 2, 30.0)

    def step(self, block_ms: int = 2000) -> int:
        """One pass: this consumer's own unacknowledged entries first, then a dead consumer's, then new ones."""
        batch = self.settings.intake_batch
        own = self._read("0", batch, None)
        if own:
            return self._take(own)
        claimed = self._claim(batch)
        if claimed:
            return self._take(claimed)
        return self._take(self._read(">", batch, block_ms))

    def _read(self, start: str, count: int, block_ms: int | None) -> list[Entry]:
        answer = self.redis.xreadgroup(self.group, self.consumer, {self.stream: start}, count=count, block=block_ms)
        entries: list[Entry] = []
        for _, items in answer or []:
            # A pending entry that was deleted from the stream comes back with no fields: nothing left to take.
            for entry_id, fields in items:
                if fields is None:
                    self._done(entry_id)
                else:
                    entries.append((entry_id, fields))
        return entries

    def _claim(self, count: int) -> list[Entry]:
        idle_ms = int(self.settings.intake_claim_idle_seconds * 1000)
        _, claimed, deleted = self.redis.xautoclaim(self.stream, self.group, self.consumer, idle_ms, "0-0", count=count)
        for entry_id in deleted or []:
            self._done(entry_id)
        if claimed:
            log.warning("claimed entries of a stopped consumer", extra={"count": len(claimed)})
        return [(entry_id, fields) for entry_id, fields in claimed if fields is not None]

    def _take(self, entries: list[Entry]) -> int:
        counts = self._deliveries([entry_id for entry_id, _ in entries])
        for entry_id, fields in entries:
            if counts.get(entry_id, 1) > self.settings.intake_max_deliveries:
                message = f"delivered {counts[entry_id]} times without being stored"
                self._reject(entry_id, fields, [{"field": "entry", "message": message}])
                continue
            outcome = take_entry(
                uow=self.uow_factory(),
                dispatcher=self.dispatcher,
                fields=fields,
                default_integration=self.settings.intake_integration,
                now=self.clock(),
            )
            if isinstance(outcome, Rejected):
                self._reject(entry_id, fields, outcome.errors)
            else:
                self._done(entry_id)
                self.stored += 1
                INTAKE_ENTRIES.labels("stored").inc()
        return len(entries)

    def _done(self, entry_id: str) -> None:
        with self.redis.pipeline(transaction=True) as pipe:
            pipe.xack(self.stream, self.group, entry_id)
            pipe.xdel(self.stream, entry_id)
            pipe.execute()

    def _deliveries(self, ids: list[str]) -> dict[str, int]:
        """How often each entry was handed out; only worth asking when some came back more than once."""
        if not ids:
            return {}
        pending = self.redis.xpending_range(
            self.stream, self.group, min=ids[0], max=ids[-1], count=len(ids), consumername=self.consumer
        )
        return {item["message_id"]: item["times_delivered"] for item in pending}

    def _reject(self, entry_id: str, fields: dict[str, str], errors: list[dict[str, str]]) -> None:
        record = {
            "entry_id": entry_id,
            "reason": json.dumps(errors),
            "response": fields.get("response", "")[: 64 * 1024],
            "integration": fields.get("integration", ""),
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


def intake_redis(settings: Settings) -> redis.Redis:
    url = settings.limiter_redis_url
    if url is None:
        raise RuntimeError("the stream intake needs Redis: set NPSLOOP_REDIS_URL or a redis:// NPSLOOP_BROKER_URL")
    return redis.Redis.from_url(url, decode_responses=True, socket_timeout=30, health_check_interval=30)
