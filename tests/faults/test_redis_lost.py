"""Redis dies with everything queued in it, and comes back empty: the reconciler rebuilds the queue from
the database, and the counts come out exactly as if nothing had happened."""

from __future__ import annotations

from tests.support.stack import wait_for
from tests.support.traffic import delivery_counts, detractor_customers, population, post_all, seed


def test_a_flushed_redis_loses_no_response_and_no_alert(stack_factory, report):
    stack = stack_factory().start(workers=0, beat=False)  # nothing consumes: the work piles up in Redis
    seed(stack)
    bodies = population(400, 0.25, seed_value=3)
    first = post_all(stack, bodies[:300])
    # Every one of them waits on a task queued in Redis: its own, or one queued before it that stands for the
    # responses stored behind it (worker.process_gate), so there are fewer tasks than responses.
    queued_before = stack.redis_queue_length()
    waiting_before = stack.scalar("SELECT count(*) FROM responses WHERE status = 'received'")
    stack.redis.kill()  # the queue is gone
    during = post_all(stack, bodies[300:])  # still accepted: stored, the enqueue fails and is logged
    stack.redis.start()  # back, empty
    assert stack.redis_queue_length() == 0
    stack.start_worker()
    stack.start_beat()
    stack.wait_settled(timeout=180)

    assert first.answers[202] == 300 and during.answers[202] == 100
    assert stack.scalar("SELECT count(*) FROM responses WHERE status = 'processed'") == 400
    per_customer = dict(stack.query("SELECT customer_key, count(*) FROM cases GROUP BY customer_key"))
    assert set(per_customer) == {f"shop:{c}" for c in detractor_customers(bodies)}
    assert set(per_customer.values()) == {1}
    wait_for(
        lambda: stack.scalar("SELECT count(*) FROM notifications WHERE state = 'sent'") == 4 * len(per_customer),
        30,
        "every alert sent",
    )
    counts = delivery_counts(stack)
    report.update(counts, queued_when_redis_died=queued_before, waiting_when_redis_died=waiting_before)
    assert waiting_before == 300 and 1 <= queued_before <= 300
    assert counts["sms_missing"] == counts["email_missing"] == 0
    assert counts["sms_duplicates"] == counts["email_duplicates"] == 0
