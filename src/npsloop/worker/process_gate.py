"""Coalescing processing tasks on a Redis broker: while a processing task waits in the queue, a new response needs
no task of its own, because that task, once it starts, takes every response waiting by then (services.processing
.handle_waiting). So under load the number of tasks falls to about one per batch, and when idle each response
still gets its task at once.

The order that makes it safe: the API stores the response and commits, then asks the gate; a task opens the
gate before it looks for waiting responses. A response whose publisher found the gate closed was committed
before the task opened it, so that task's claim sees it (or the worker holding it in its own batch has it); one
committed later finds the gate open and publishes. The gate closes for `ttl` seconds at most, so a task that is
lost (a flushed broker) costs at most that long before the next response publishes again; the reconciler
queues whatever was left waiting, as it always has."""

from __future__ import annotations

import logging

import redis

log = logging.getLogger(__name__)


class ProcessGate:
    def __init__(self, url: str, queue: str, ttl: float = 5.0) -> None:
        self._redis = redis.Redis.from_url(url, socket_timeout=2.0, socket_connect_timeout=2.0)
        self._key = f"npsloop:process-gate:{queue}"
        self._ttl_ms = int(ttl * 1000)

    def close(self) -> bool:
        """True when this caller closed the gate, and so must publish the task the others count on."""
        return bool(self._redis.set(self._key, b"1", nx=True, px=self._ttl_ms))

    def open(self) -> None:
        """Called by a processing task before it claims: responses stored from now on publish again. A Redis
        error here only delays them until the gate's time runs out."""
        try:
            self._redis.delete(self._key)
        except redis.RedisError:
            log.warning("the processing gate could not be opened; it opens by itself shortly", exc_info=True)
