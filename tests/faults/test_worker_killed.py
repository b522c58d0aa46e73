"""Workers SIGKILLed three times mid-stream: nothing accepted is lost, nothing is opened twice, and each
agent gets one SMS and one email per case, but for the one window the README names (measured here)."""

from __future__ import annotations

import random
import threading
import time

from tests.support.traffic import delivery_counts, detractor_customers, population, post_all, seed


def test_killing_workers_three_times_loses_nothing_and_alerts_each_agent_once_per_case(stack_factory, report):
    stack = stack_factory().start(workers=1, beat=True)
    seed(stack)
    bodies = population(2000, 0.20)
    rng = random.Random(11)
    kills: list[float] = []

    def chaos() -> None:
        started = time.monotonic()
        for moment in sorted(rng.uniform(1.0, 20.0) for _ in range(3)):
            time.sleep(max(0.0, moment - (time.monotonic() - started)))
            stack.kill_workers()
            kills.append(round(time.monotonic() - started, 2))
            time.sleep(rng.uniform(0.2, 1.5))
            stack.start_worker()

    killer = threading.Thread(target=chaos)
    killer.start()
    try:
        posted = post_all(stack, bodies)
    finally:
        killer.join()  # before the stack is torn down, or a worker it restarts would outlive the test
    stack.wait_settled(timeout=300)

    assert len(posted.accepted) == 2000 and posted.answers[202] == 2000
    assert stack.scalar("SELECT count(*) FROM responses") == 2000
    assert stack.scalar("SELECT count(*) FROM responses WHERE status = 'processed'") == 2000
    per_customer = dict(stack.query("SELECT customer_key, count(*) FROM cases GROUP BY customer_key"))
    assert set(per_customer) == {f"shop:{c}" for c in detractor_customers(bodies)}
    assert set(per_customer.values()) == {1}
    assert stack.scalar("SELECT count(*) FROM notifications WHERE state <> 'sent'") == 0
    counts = delivery_counts(stack)
    resent = stack.scalar("SELECT count(*) FROM case_events WHERE kind = 'notification_resent'")
    report.update(counts, kills_at_seconds=kills, resends_after_crash=resent)
    assert counts["cases"] == len(per_customer)
    assert counts["sms_missing"] == counts["email_missing"] == 0
    assert counts["sms_unexpected"] == counts["email_unexpected"] == 0
    # The only duplicates possible are resends of a claim whose worker died around the provider call.
    assert counts["sms_duplicates"] + counts["email_duplicates"] <= resent, stack.tail_logs()
