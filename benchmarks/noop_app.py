"""A Celery app with npsloop's own broker settings (late acknowledgement, prefetch 1) and one task that does
nothing but count itself (one Redis INCR, so the run knows when the last one finished): the ceiling of what
Celery on this Redis can move, which npsloop's workers are measured against.

    python -m benchmarks.noop_app 20000     # publishes 20,000 no-op tasks to NPSLOOP_QUEUE
"""

from __future__ import annotations

import os
import sys

import redis
from celery import Celery

from npsloop.settings import get_settings
from npsloop.worker.app import celery_config

app = Celery("noop", set_as_current=False)
app.conf.update(
    {
        **celery_config(get_settings()),
        "imports": [],
        "beat_schedule": {},
        "worker_consumer": "celery.worker.consumer:Consumer",
    }
)


COUNTER = os.environ.get("BENCH_COUNTER", "bench:noop:done")
_counter = redis.Redis.from_url(get_settings().resolved_broker_url)


@app.task(name="bench.noop")
def noop(_: int) -> None:
    _counter.incr(COUNTER)


if __name__ == "__main__":
    with app.producer_or_acquire() as producer:
        for n in range(int(sys.argv[1])):
            noop.apply_async((n,), producer=producer)
