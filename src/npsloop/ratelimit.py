"""Token buckets for ingest: per integration, shared by every API process through Redis (the bucket lives
in one key, updated atomically by a Lua script on Redis's own clock), or kept in memory in the embedded mode
where there is only one process. A limiter outage lets traffic through: losing data is worse than a burst.

A request costs what it carries (a batch of 50 responses costs 50 tokens); a cost larger than the burst can
never be paid, however long the caller waits, so it is refused outright rather than capped at the burst
(which let a 1,000-item batch through every few seconds under a burst of 10)."""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from typing import Any, Protocol

log = logging.getLogger(__name__)

# KEYS[1] bucket; ARGV: rate per second, burst, cost. Returns {allowed, retry_after_ms}.
TAKE = """
local now = redis.call('TIME')
local now_ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
local rate, burst, cost = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens, at = tonumber(state[1]), tonumber(state[2])
if tokens == nil then tokens, at = burst, now_ms end
tokens = math.min(burst, tokens + (now_ms - at) * rate / 1000)
local allowed, wait_ms = 0, 0
if tokens >= cost then
  tokens = tokens - cost
  allowed = 1
else
  wait_ms = math.ceil((cost - tokens) * 1000 / rate)
end
redis.call('HSET', KEYS[1], 'tokens', tokens, 'at', now_ms)
redis.call('PEXPIRE', KEYS[1], math.ceil(burst * 1000 / rate) + 1000)
return {allowed, wait_ms}
"""


class OverBurst(ValueError):
    """A cost the bucket can never hold: no Retry-After would help, only a smaller request."""

    def __init__(self, cost: int, burst: int) -> None:
        super().__init__(f"a request of {cost} responses is more than the burst of {burst}; send at most {burst}")
        self.cost, self.burst = cost, burst


def payable(cost: int, burst: int) -> None:
    """Raises OverBurst for a cost larger than the bucket, before any bucket is touched."""
    if cost > burst:
        raise OverBurst(cost, burst)


class Limiter(Protocol):
    def take(self, key: str, cost: int, *, per_minute: int, burst: int) -> float | None:
        """None if allowed, else the seconds to wait before `cost` tokens are there; OverBurst if they never
        can be."""
        ...


class RedisLimiter:
    def __init__(self, url: str, prefix: str = "npsloop:ratelimit:") -> None:
        import redis

        self.client = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        self.script: Any = self.client.register_script(TAKE)
        self.prefix = prefix

    def take(self, key: str, cost: int, *, per_minute: int, burst: int) -> float | None:
        import redis

        payable(cost, burst)
        try:
            allowed, wait_ms = self.script(keys=[self.prefix + key], args=[per_minute / 60.0, burst, cost])
        except redis.RedisError as error:
            log.warning("rate limiter unavailable; letting the request through", extra={"error": type(error).__name__})
            return None
        return None if int(allowed) == 1 else int(wait_ms) / 1000.0


class MemoryLimiter:
    """Buckets in this process's memory, at most `max_keys` of them (the least recently used go first): keys
    are chosen by callers (a login's client address), so their number must not grow with an attacker's
    supply of addresses. A forgotten bucket starts full again, as an unseen client's does."""

    def __init__(self, clock: Callable[[], float] = time.monotonic, max_keys: int = 100_000) -> None:
        self.buckets: dict[str, tuple[float, float]] = {}
        self.lock = threading.Lock()
        self.clock = clock
        self.max_keys = max_keys

    def take(self, key: str, cost: int, *, per_minute: int, burst: int) -> float | None:
        payable(cost, burst)
        rate = per_minute / 60.0
        with self.lock:
            now = self.clock()
            tokens, at = self.buckets.pop(key, (float(burst), now))  # set again below: the newest in order
            if len(self.buckets) >= self.max_keys:
                del self.buckets[next(iter(self.buckets))]
            tokens = min(float(burst), tokens + (now - at) * rate)
            if tokens >= cost:
                self.buckets[key] = (tokens - cost, now)
                return None
            self.buckets[key] = (tokens, now)
            return (cost - tokens) / rate


def retry_after_header(seconds: float) -> str:
    return str(max(1, math.ceil(seconds)))
