import random

from npsloop.domain.notifications import RetryPolicy


def test_backoff_grows_exponentially_with_jitter_and_stays_under_the_cap():
    policy = RetryPolicy(max_attempts=8, base_seconds=5, cap_seconds=240)
    rng = random.Random(7)
    for attempt in range(1, 9):
        ceiling = min(240, 5 * 2 ** (attempt - 1))
        delays = [policy.delay(attempt, rng=rng) for _ in range(50)]
        assert all(ceiling / 2 <= d <= ceiling for d in delays)
        assert len(set(delays)) > 1  # jittered, so a burst of failures does not retry in lockstep


def test_a_providers_retry_after_is_honoured_up_to_the_cap():
    policy = RetryPolicy(base_seconds=1, cap_seconds=60)
    assert policy.delay(1, retry_after=30, rng=random.Random(1)) >= 30
    assert policy.delay(1, retry_after=3600, rng=random.Random(1)) <= 60


def test_attempts_run_out():
    policy = RetryPolicy(max_attempts=3)
    assert not policy.exhausted(2)
    assert policy.exhausted(3)
