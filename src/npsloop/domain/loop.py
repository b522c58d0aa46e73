"""Loop-closure figures from the cases themselves: how many were acknowledged, contacted and closed, how
fast, how many within their SLA, and how many customers came back as detractors soon after. Pure, so the
figures can be checked against cases written out by hand."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from npsloop.domain.cases import Outcome
from npsloop.domain.stats import percentile

RECONTACT_WINDOW = timedelta(days=90)
STEPS = ("acknowledge", "contact", "close")
# Upper bounds of the backlog's age bands; the last band is open-ended.
AGE_BANDS: tuple[tuple[str, timedelta | None], ...] = (
    ("under_1h", timedelta(hours=1)),
    ("1h_4h", timedelta(hours=4)),
    ("4h_24h", timedelta(hours=24)),
    ("1d_3d", timedelta(days=3)),
    ("3d_7d", timedelta(days=7)),
    ("over_7d", None),
)


@dataclass(frozen=True)
class CaseTimes:
    """One case as the report sees it. Business durations are None when the case has no team calendar."""

    opened_at: datetime
    acknowledged_at: datetime | None = None
    contacted_at: datetime | None = None
    closed_at: datetime | None = None
    outcome: str | None = None
    contact_due_at: datetime | None = None
    close_due_at: datetime | None = None
    business: dict[str, timedelta] | None = None  # step -> business time from opening
    recontact: bool = False  # the customer had a case closed in the RECONTACT_WINDOW before this one opened

    def reached(self, step: str) -> datetime | None:
        return {"acknowledge": self.acknowledged_at, "contact": self.contacted_at, "close": self.closed_at}[step]


def _within(done: datetime | None, due: datetime | None) -> bool | None:
    """None when the case has no deadline for the step, so it stays out of the share."""
    if due is None or done is None:
        return None
    return done <= due


def _share(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


def _durations(values: list[float]) -> dict[str, float | None]:
    return {"count": len(values), "median_seconds": percentile(values, 50), "p90_seconds": percentile(values, 90)}


def summarize(cases: Iterable[CaseTimes]) -> dict[str, Any]:
    opened = 0
    reached: Counter[str] = Counter()
    outcomes: Counter[str] = Counter({o.value: 0 for o in Outcome})
    in_sla: Counter[str] = Counter()
    with_sla: Counter[str] = Counter()
    wall: dict[str, list[float]] = {step: [] for step in STEPS}
    business: dict[str, list[float]] = {step: [] for step in STEPS}
    recontacts = 0
    for case in cases:
        opened += 1
        recontacts += case.recontact
        for step in STEPS:
            at = case.reached(step)
            if at is None:
                continue
            reached[step] += 1
            wall[step].append((at - case.opened_at).total_seconds())
            if case.business is not None and step in case.business:
                business[step].append(case.business[step].total_seconds())
        if case.closed_at is not None and case.outcome:
            outcomes[case.outcome] += 1
        for step, done, due in (
            ("contact", case.contacted_at, case.contact_due_at),
            ("close", case.closed_at, case.close_due_at),
        ):
            verdict = _within(done, due)
            if verdict is not None:
                with_sla[step] += 1
                in_sla[step] += verdict
    return {
        "opened": opened,
        "acknowledged": reached["acknowledge"],
        "contacted": reached["contact"],
        "closed": reached["close"],
        "closed_by_outcome": dict(outcomes),
        "closure_rate": _share(reached["close"], opened),
        "contacted_within_sla": _share(in_sla["contact"], with_sla["contact"]),
        "closed_within_sla": _share(in_sla["close"], with_sla["close"]),
        "time_to": {step: {"wall": _durations(wall[step]), "business": _durations(business[step])} for step in STEPS},
        "recontacted": recontacts,
        "recontact_rate": _share(recontacts, opened),
    }


def age_band(age: timedelta) -> str:
    for name, bound in AGE_BANDS:
        if bound is None or age < bound:
            return name
    raise AssertionError("unreachable: the last band has no bound")


def backlog(opened: Iterable[datetime], now: datetime) -> dict[str, int]:
    bands = {name: 0 for name, _ in AGE_BANDS}
    for at in opened:
        bands[age_band(now - at)] += 1
    return bands
