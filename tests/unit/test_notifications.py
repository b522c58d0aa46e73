import random
from datetime import UTC, datetime

import pytest

from npsloop.domain.notifications import (
    AlertEvent,
    AlertKind,
    Deadline,
    InvalidAlertKind,
    Notification,
    RetryPolicy,
)


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


# The texts rows hold today: the column and the once-only key (case, agent, channel, kind) keep them unchanged.
STORED = {
    "case_opened": AlertKind(AlertEvent.CASE_OPENED),
    "digest": AlertKind(AlertEvent.DIGEST),
    "reminder:contact": AlertKind(AlertEvent.REMINDER, deadline=Deadline.CONTACT),
    "escalation:acknowledge:2": AlertKind(AlertEvent.ESCALATION, deadline=Deadline.ACKNOWLEDGE, step=2),
    "escalation:close:12": AlertKind(AlertEvent.ESCALATION, deadline=Deadline.CLOSE, step=12),
    "assigned:13": AlertKind(AlertEvent.ASSIGNED, serial=13),
}


@pytest.mark.parametrize(("text", "kind"), STORED.items())
def test_every_stored_kind_reads_back_typed_and_writes_the_same_text(text, kind):
    assert AlertKind.parse(text) == kind
    assert kind.key == str(kind) == text


def test_the_builders_write_what_the_producers_stored_before():
    assert AlertKind.case_opened().key == "case_opened"
    assert AlertKind.digest().key == "digest"
    assert AlertKind.reminder("close").key == "reminder:close"
    assert AlertKind.escalation("contact", 3).key == "escalation:contact:3"
    assert AlertKind.assigned(1).key == "assigned:1"


@pytest.mark.parametrize(
    "text",
    ["", "opened", "reminder", "reminder:soon", "escalation:close", "escalation:close:x", "assigned:", "digest:1"],
)
def test_a_text_no_producer_writes_is_refused(text):
    with pytest.raises(InvalidAlertKind):
        AlertKind.parse(text)


def test_a_kind_without_the_detail_its_event_needs_cannot_be_built():
    with pytest.raises(InvalidAlertKind):
        AlertKind(AlertEvent.ESCALATION, deadline=Deadline.CLOSE)  # which step?
    with pytest.raises(InvalidAlertKind):
        AlertKind(AlertEvent.CASE_OPENED, serial=2)
    with pytest.raises(ValueError):
        AlertKind.reminder("lunch")


def test_a_notification_reads_its_stored_kind_typed():
    row = Notification(case_id=1, agent_id=2, channel="sms", kind="escalation:contact:2", created_at=datetime.now(UTC))
    assert row.alert.event == AlertEvent.ESCALATION
    assert (row.alert.deadline, row.alert.step) == (Deadline.CONTACT, 2)
