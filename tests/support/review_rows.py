"""Two months of responses with hand-set themes, for the monthly review's tests (service, CLI, API, dashboard,
email). The figures each test expects are worked out in tests/unit/test_review.py's docstring.

October 2026: 5 promoters, 2 passives, 3 detractors (billing 2, wait_time 1).
November 2026: 8 promoters (4 of them relational), 4 passives, 8 detractors (all transactional):
    billing 5 (one also wait_time, one also delivery), wait_time 3, delivery 1, one praising product_quality
    only;
    a promoter complaining about billing (not a detractor, so not counted).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from npsloop.bootstrap import Runtime, build_runtime
from npsloop.domain.notifications import Channel
from npsloop.domain.theme_tags import Polarity, ThemeTag
from npsloop.services import targets
from npsloop.store import migrate, tables
from tests.conftest import FakeDispatcher, FakeTransport, at, drain, ingest, seed_team, sqlite_settings

NEG, POS = Polarity.NEGATIVE, Polarity.POSITIVE
BILLING_COMMENT = "Soy Ana Gómez, me cobraron dos veces. Llamen al 600 111 222 o ana@correo.es"


class _Month:
    """Responses of one month, processed together (one drain), then given their themes by hand."""

    def __init__(self, rt: Runtime, when: str) -> None:
        self.rt, self.when = rt, when
        self.themes: dict[int, tuple[dict[str, Polarity], float]] = {}
        at(rt, datetime.fromisoformat(when))

    def answer(self, score: int, themes: dict[str, Polarity], confidence: float = 0.9, **extra: Any) -> None:
        self.themes[ingest(self.rt, score=score, responded_at=self.when, **extra)] = themes, confidence

    def done(self) -> None:
        drain(self.rt)
        with self.rt.uow() as uow:
            for response_id, (themes, confidence) in self.themes.items():
                tags = [ThemeTag(key, polarity, confidence) for key, polarity in themes.items()]
                uow.tags.replace(response_id, tags)
            uow.commit()


def seed_two_months(rt: Runtime) -> None:
    seed_team(rt)
    october = _Month(rt, "2026-10-10T12:00:00+00:00")
    for _ in range(5):
        october.answer(10, {})
    for _ in range(2):
        october.answer(8, {})
    for themes in ({"billing": NEG}, {"billing": NEG}, {"wait_time": NEG}):
        october.answer(2, themes, comment="mal")
    october.done()
    november = _Month(rt, "2026-11-12T12:00:00+00:00")
    for index in range(8):
        survey = "relational" if index < 4 else "transactional"
        november.answer(9, {"billing": NEG} if index == 7 else {}, survey_type=survey, comment="bien")
    for _ in range(4):
        november.answer(7, {})
    detractors: list[tuple[dict[str, Polarity], str]] = [
        ({"billing": NEG}, BILLING_COMMENT),
        ({"billing": NEG, "wait_time": NEG}, "cobro doble y espera eterna"),
        ({"billing": NEG}, "factura mal"),
        ({"billing": NEG}, "factura mal otra vez"),
        ({"billing": NEG, "delivery": NEG}, "cobro de mas y llego tarde"),
        ({"wait_time": NEG}, "espera"),
        ({"wait_time": NEG, "product_quality": POS}, "buen producto, mucha espera"),
    ]
    for themes, comment in detractors:
        # The tagger was surest of the comment with personal data: it is among those the review shows.
        november.answer(3, themes, 0.95 if comment == BILLING_COMMENT else 0.9, comment=comment)
    november.answer(4, {"product_quality": POS}, comment="el producto bien")
    november.done()
    _close_with_reasons(rt)
    targets.set_target(uow=rt.uow(), year=2026, nps=10, team=None, actor="test", now=datetime(2026, 11, 1, tzinfo=UTC))
    at(rt, datetime(2026, 12, 1, 8, tzinfo=UTC))


def _close_with_reasons(rt: Runtime) -> None:
    """Agents recorded reasons on two of November's cases: billing twice, wait_time once; a refund each."""
    cases = tables.cases.c
    with rt.uow() as uow:
        first, second = uow.session.scalars(sa.select(cases.id).order_by(cases.id.desc()).limit(2))
        uow.reasons.replace(first, ["billing"])
        uow.reasons.replace(second, ["billing", "wait_time"])
        recorded = datetime(2026, 11, 20, tzinfo=UTC)
        uow.session.execute(
            sa.update(tables.cases)
            .where(cases.id.in_([first, second]))
            .values(action_code="refund", reasons_at=recorded)
        )
        uow.commit()


@contextmanager
def seeded_runtime(folder: Path) -> Iterator[Runtime]:
    """The two months, built once for a module of tests that only read them (as conftest's `runtime`)."""
    settings = sqlite_settings(folder)
    migrate.upgrade(settings.resolved_database_url)
    rt = build_runtime(settings, dispatcher=FakeDispatcher())
    rt.transports = {Channel.SMS: FakeTransport(), Channel.EMAIL: FakeTransport()}
    seed_two_months(rt)
    try:
        yield rt
    finally:
        rt.engine.dispose()
