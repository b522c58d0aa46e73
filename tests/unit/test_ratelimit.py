import pytest

from npsloop.ratelimit import MemoryLimiter, OverBurst, RedisLimiter, retry_after_header


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_bucket_allows_its_burst_then_says_how_long_to_wait():
    clock = Clock()
    limiter = MemoryLimiter(clock)
    assert all(limiter.take("shop", 1, per_minute=60, burst=3) is None for _ in range(3))
    wait = limiter.take("shop", 1, per_minute=60, burst=3)
    assert wait is not None and 0.9 < wait <= 1.0
    clock.now += 1.0
    assert limiter.take("shop", 1, per_minute=60, burst=3) is None


def test_integrations_have_separate_buckets():
    limiter = MemoryLimiter(Clock())
    assert limiter.take("shop", 3, per_minute=60, burst=3) is None
    assert limiter.take("shop", 1, per_minute=60, burst=3) is not None
    assert limiter.take("crm", 1, per_minute=60, burst=3) is None


def test_a_batch_costs_one_token_per_response():
    limiter = MemoryLimiter(Clock())
    assert limiter.take("shop", 8, per_minute=600, burst=10) is None
    assert limiter.take("shop", 5, per_minute=600, burst=10) is not None


def test_a_cost_larger_than_the_burst_is_refused_not_capped_at_the_burst():
    clock = Clock()
    limiter = MemoryLimiter(clock)
    for _ in range(3):  # three 1,000-item batches 10 s apart, under a burst of 10 and 60 a minute
        with pytest.raises(OverBurst, match="more than the burst of 10"):
            limiter.take("shop", 1000, per_minute=60, burst=10)
        clock.now += 10
    assert limiter.take("shop", 10, per_minute=60, burst=10) is None  # the refusals spent nothing


def test_even_an_unreachable_limiter_refuses_a_cost_larger_than_the_burst():
    with pytest.raises(OverBurst):
        RedisLimiter("redis://127.0.0.1:1/0").take("shop", 11, per_minute=60, burst=10)


def test_an_unreachable_limiter_lets_traffic_through():
    assert RedisLimiter("redis://127.0.0.1:1/0").take("shop", 1, per_minute=1, burst=1) is None


def test_retry_after_is_whole_seconds_and_at_least_one():
    assert retry_after_header(0.2) == "1" and retry_after_header(2.1) == "3"


def test_the_memory_limiter_keeps_a_bounded_number_of_buckets_forgetting_the_least_recent():
    limiter = MemoryLimiter(max_keys=3)
    for client in ("a", "b", "c"):
        limiter.take(client, 1, per_minute=1, burst=1)
    assert limiter.take("a", 1, per_minute=1, burst=1) is not None  # "a" is now the most recent
    for address in range(10_000):  # a guesser with many addresses
        limiter.take(f"10.0.{address // 256}.{address % 256}", 1, per_minute=1, burst=1)
    assert len(limiter.buckets) == 3
