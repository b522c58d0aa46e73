"""Which version of a response is the newer, and what a late, retried or replayed delivery may change: the
rule every door (API, survey tools, Redis intake) goes through, tested without a database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from npsloop.domain.responses import Response
from npsloop.domain.versions import Order, Version

T0 = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)


def response(**fields) -> Response:
    values = dict(
        integration="shop",
        external_id="r-1",
        score=2,
        customer_id="c-1",
        responded_at=T0,
        received_at=T0,
        comment="It arrived broken",
        customer_email="ana@example.com",
        attributes={"plan": "pro"},
    )
    values.update(fields)
    return Response(**values)


def test_a_counter_decides_before_a_clock_and_a_clock_before_the_answer_time():
    later = T0 + timedelta(minutes=5)
    assert Version(2, T0, T0).against(Version(3, later, T0)) is Order.OLDER
    assert Version(4, T0, T0).against(Version(3, later, T0)) is Order.NEWER
    assert Version(None, T0, T0).against(Version(3, later, T0)) is Order.OLDER  # no counter on one side: clocks
    assert Version(None, later, T0).against(Version(None, T0, T0)) is Order.NEWER
    assert Version(None, None, T0).against(Version(None, later, later)) is Order.OLDER  # then the answer time
    assert Version(None, None, T0).against(Version(None, None, T0)) is Order.SAME


def test_an_older_version_changes_nothing():
    stored = response(version_at=T0 + timedelta(minutes=10))
    older = response(score=9, comment=None, version_at=T0)
    assert stored.absorb(older) is None
    assert (stored.score, stored.comment, stored.version_at) == (2, "It arrived broken", T0 + timedelta(minutes=10))


def test_when_the_keys_tie_a_delivery_that_would_take_information_away_is_stale():
    stored = response()
    assert stored.absorb(response(score=9, comment=None)) is None
    assert stored.absorb(response(score=9, customer_email=None)) is None
    assert stored.absorb(response(score=9, attributes={})) is None
    assert (stored.score, stored.comment) == (2, "It arrived broken")


def test_when_the_keys_tie_a_full_correction_still_applies():
    stored = response()
    assert stored.absorb(response(score=3, attributes={"plan": "pro", "region": "eu"})) == {
        "score": (2, 3),
        "attributes": ({"plan": "pro"}, {"plan": "pro", "region": "eu"}),
    }


def test_a_newer_version_without_the_comment_never_erases_it():
    stored = response(version_at=T0)
    changes = stored.absorb(
        response(score=1, comment=None, customer_email=None, attributes={}, version_at=T0 + timedelta(1))
    )
    assert changes == {"score": (2, 1)}
    assert (stored.comment, stored.customer_email, stored.attributes) == (
        "It arrived broken",
        "ana@example.com",
        {"plan": "pro"},
    )
    assert stored.version_at == T0 + timedelta(1)


def test_the_same_version_again_is_a_duplicate():
    stored = response(version=7)
    assert stored.absorb(response(version=7)) == {}
    assert stored.absorb(response(version=6, score=10)) is None
    assert stored.absorb(response(version=8, score=10)) == {"score": (2, 10)} and stored.version == 8
