"""The demo's year of history: the same day gives the same year; it tells the story it was written to tell
(a billing migration mid-year, deliveries getting better, a new app at the end); it loads as a historical load
(no alert), every comment is tagged the way the worker tags them, every detractor's case is closed with the
reasons an agent recorded, and the company has a target."""

from collections import Counter
from datetime import UTC, datetime

import pytest

from npsloop.cli import demo_history
from npsloop.services import directory
from npsloop.services.review import top_themes

NOW = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)


def complaints_by_month(answers, theme):
    months = demo_history.month_starts(NOW)
    counts = Counter()
    for answer in answers:
        at = datetime.fromisoformat(answer.payload["responded_at"])
        month = max(index for index, start in enumerate(months) if start <= at)
        counts[month] += theme in answer.complaints
    return counts


def test_the_same_day_gives_the_same_year_inside_the_twelve_months_before_it():
    first, again = demo_history.generate(NOW), demo_history.generate(NOW)
    assert [a.payload for a in first] == [a.payload for a in again]
    assert len(first) == demo_history.MONTHS * demo_history.PER_MONTH
    moments = [datetime.fromisoformat(a.payload["responded_at"]) for a in first]
    assert datetime(2025, 12, 1, tzinfo=UTC) <= min(moments) and max(moments) < datetime(2026, 12, 1, tzinfo=UTC)
    assert {a.payload["language"] for a in first} == {"es", "en"}


def test_the_year_tells_its_story():
    answers = demo_history.generate(NOW)
    billing = complaints_by_month(answers, "billing")
    assert min(billing[m] for m in (5, 6, 7)) > 2 * max(billing[m] for m in (0, 1, 2, 9, 10))
    delivery = complaints_by_month(answers, "delivery")
    assert sum(delivery[m] for m in (0, 1, 2)) > sum(delivery[m] for m in (9, 10, 11))
    app = complaints_by_month(answers, "digital_channels")
    assert app[11] > 2 * max(app[m] for m in range(11))


def test_every_detractor_and_only_detractors_have_a_closed_case_with_reasons():
    for answer in demo_history.generate(NOW):
        assert (answer.closure is not None) == (answer.payload["score"] <= 6)
        if answer.closure:
            assert answer.closure.reasons and answer.closure.closed_after > answer.closure.contacted_after


@pytest.fixture
def loaded(runtime):
    for name, touchpoints, default in (("Care", ["support call"], True), ("Logistics", ["delivery"], False)):
        directory.add_team(uow=runtime.uow(), name=name, touchpoints=touchpoints, is_default=default)
    directory.add_agent(
        uow=runtime.uow(), name="Marta", team="Logistics", phone=None, email="marta@example.es", language="es"
    )
    return runtime, demo_history.load(runtime, NOW, per_month=30)


def test_the_history_loads_alerting_nobody_with_every_comment_tagged_and_cases_closed_with_reasons(loaded):
    runtime, result = loaded
    answers = demo_history.generate(NOW, per_month=30)
    assert result.responses == len(answers) == 360
    assert result.cases == sum(a.closure is not None for a in answers)
    assert result.tagged == sum("comment" in a.payload for a in answers)
    assert runtime.dispatcher.responses == [] and runtime.transports["sms"].sent == []
    with runtime.uow() as uow:
        assert uow.tags.untagged_since(NOW, 10) == []
        closed = [uow.cases.get(case_id) for case_id in range(1, result.cases + 1)]
        assert {case.status for case in closed} == {"closed"}
        assert all(uow.reasons.for_case(case.id) for case in closed)
        # closed the way an agent closes: the timeline's closing event says the reasons and the action
        for case in closed:
            [closing] = [event for event in case.events if event.kind == "closed"]
            assert tuple(sorted(closing.data["reasons"])) == uow.reasons.for_case(case.id)
            assert closing.data["action_code"] == case.action_code and case.reasons_at == case.closed_at
        assert all(response.team_id is not None for response in uow.responses.for_case(closed[0].id))


def test_the_top_themes_of_the_year_come_from_what_the_tagger_read(loaded):
    runtime, _ = loaded
    top = top_themes(uow=runtime.uow(), since=NOW.date().replace(year=2025), until=NOW.date(), default_zone="UTC")
    assert top and all(standing.points_at_stake > 0 for standing in top)
    assert {"billing", "delivery"} & {standing.theme for standing in top[:4]}
