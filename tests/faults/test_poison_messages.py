"""Messages that can never succeed are quarantined with their error after a bounded number of attempts,
and the queue keeps flowing around them."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from kombu import Connection, Exchange, Producer

from npsloop.worker.dispatch import CeleryDispatcher
from tests.conftest import payload
from tests.support.stack import Stack, wait_for
from tests.support.traffic import delivery_counts, post_all, seed


def publish_undecodable(stack: Stack) -> None:
    """A task message whose body is not the JSON it claims to be."""
    with Connection(stack.redis.url) as connection:
        producer = Producer(connection, exchange=Exchange(stack.settings.queue, type="direct"))
        producer.publish(
            b"{this is not json",
            routing_key=stack.settings.queue,
            content_type="application/json",
            content_encoding="utf-8",
            headers={"task": "npsloop.process_response", "id": "poison-bytes", "lang": "py"},
            declare=[],
        )


def test_poison_messages_are_quarantined_and_do_not_block_the_queue(stack_factory, report):
    stack = stack_factory(NPSLOOP_MAX_PROCESS_ATTEMPTS="3").start(workers=1, beat=True)
    seed(stack)
    producer = CeleryDispatcher(stack.settings).app
    queue = stack.settings.queue
    producer.send_task("npsloop.process_response", args=["not-an-id"], queue=queue)
    producer.send_task("npsloop.send_notification", args=[{"id": 1}], queue=queue)
    producer.send_task("npsloop.process_response", args=[999_999], queue=queue)  # a row that is gone
    producer.send_task("npsloop.no_such_task", args=[1], queue=queue)
    publish_undecodable(stack)
    # A stored response that breaks processing every time (a score no validator would have let in).
    stack.execute(
        "INSERT INTO responses (integration, external_id, score, survey_type, customer_id, responded_at,"
        " received_at, attributes, status, failures) VALUES ('shop', 'poison', 42, 'transactional', 'c-x',"
        " :now, :now, '{}', 'received', 0)",
        now=datetime(2026, 1, 1, tzinfo=UTC),  # long ago: the reconciler picks it up at once
    )
    # Meanwhile, real work goes through.
    bodies = [payload(score=2, customer={"id": f"c-ok-{i}", "phone": "+34600111222"}) for i in range(20)]
    posted = post_all(stack, bodies, threads=2)
    stack.wait_settled(timeout=120)
    assert posted.answers[202] == 20
    counts = delivery_counts(stack)
    assert counts["cases"] == 20 and counts["sms_missing"] == counts["email_missing"] == 0

    def quarantined() -> list[tuple[str, str, int]]:
        return [(t, e, a) for t, e, a in stack.query("SELECT task, error, attempts FROM quarantine ORDER BY id")]

    wait_for(lambda: len(quarantined()) >= 5, 60, "five quarantined messages")
    held = quarantined()
    by_task = {}
    for task, error, attempts in held:
        by_task.setdefault(task, []).append((error, attempts))
    assert any("undecodable argument" in e for e, _ in by_task["npsloop.process_response"])
    assert any("does not exist" in e and a == 3 for e, a in by_task["npsloop.process_response"])
    assert any("undecodable argument" in e for e, _ in by_task["npsloop.send_notification"])
    assert "npsloop.no_such_task" in by_task
    assert "(undecodable message)" in by_task
    wait_for(
        lambda: stack.scalar("SELECT status FROM responses WHERE external_id = 'poison'") == "quarantined",
        60,
        "the poisoned response to be quarantined",
    )
    failures, error = stack.query("SELECT failures, last_error FROM responses WHERE external_id = 'poison'")[0]
    assert failures == 3 and "InvalidScore" in error
    report.update(quarantined=[{"task": t, "error": e[:80], "attempts": a} for t, e, a in held])
    listed = stack.cli("dead-letters", "list", "--json")
    kinds = sorted({row["kind"] for row in json.loads(listed)})
    assert kinds == ["response", "task"]
