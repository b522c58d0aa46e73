"""What the risk of a case is computed from (the customer's earlier cases and answers), the history a model
learns from, and the learned models themselves (table risk_models: coefficients as JSON, no pickles)."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from npsloop.domain.cases import CaseStatus, EventKind
from npsloop.domain.responses import Response
from npsloop.domain.risk import BAD_OUTCOMES, DETRACTOR_MAX, RiskModel
from npsloop.domain.theme_tags import Polarity
from npsloop.services.records import CaseHistory, StoredRiskModel
from npsloop.store import tables


class RiskRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def before_case(self, response: Response, opens_at: datetime, window: timedelta) -> tuple[int, bool]:
        """What was known of the customer when a case opens for `response`: how many of their cases closed
        unresolved or unreachable, and whether they were a detractor in the `window` before this answer. One
        statement, built once: it runs for every new detractor."""
        row = self.session.execute(
            _before_case(),
            {
                "key": response.customer_key,
                "integration": response.integration,
                "customer_id": response.customer_id,
                "opens_at": opens_at,
                "since": response.responded_at - window,
                "until": response.responded_at,
                "response_id": response.id,
            },
        ).one()
        return int(row.unresolved or 0), bool(row.repeat)

    def histories(self) -> list[CaseHistory]:
        """Every case with its opening answer (the first the case holds), oldest first."""
        c, r, e, t = tables.cases.c, tables.responses.c, tables.case_events.c, tables.response_themes.c
        first = (
            sa.select(r.case_id, sa.func.min(r.id).label("response_id"))
            .where(r.case_id.is_not(None))
            .group_by(r.case_id)
            .subquery()
        )
        escalated = set(self.session.scalars(sa.select(e.case_id).where(e.kind == EventKind.ESCALATED)))
        themes: dict[int, list[str]] = {}
        tagged = (
            sa.select(t.response_id, t.theme)
            .join(first, first.c.response_id == t.response_id)
            .where(t.polarity == Polarity.NEGATIVE.value)
            .order_by(t.response_id, t.confidence.desc(), t.theme)
        )
        for row in self.session.execute(tagged):
            themes.setdefault(row.response_id, []).append(row.theme)
        stmt = (
            sa.select(c.id, c.customer_key, c.opened_at, c.closed_at, c.outcome, r.id.label("response_id"))
            .add_columns(r.score, r.responded_at, r.attributes)
            .join(first, first.c.case_id == c.id)
            .join(tables.responses, r.id == first.c.response_id)
            .order_by(c.opened_at, c.id)
        )
        return [
            CaseHistory(
                case_id=row.id,
                customer_key=row.customer_key,
                opened_at=row.opened_at,
                closed_at=row.closed_at,
                outcome=row.outcome,
                escalated=row.id in escalated,
                score=row.score,
                responded_at=row.responded_at,
                attributes=row.attributes or {},
                themes=tuple(themes.get(row.response_id, ())),
            )
            for row in self.session.execute(stmt)
        ]

    def detractor_answers(self) -> Iterator[tuple[str, datetime]]:
        """(customer key, when) of every detractor answer, for "a detractor before" and "again"."""
        r = tables.responses.c
        stmt = sa.select(r.integration, r.customer_id, r.responded_at).where(r.score <= DETRACTOR_MAX)
        for row in self.session.execute(stmt.execution_options(yield_per=5000)):
            yield f"{row.integration}:{row.customer_id}", row.responded_at

    def active_model(self) -> RiskModel | None:
        row = self.session.execute(_active_model()).first()
        return None if row is None else RiskModel.from_dict(model_name(row.id), row.model)

    def latest(self) -> StoredRiskModel | None:
        m = tables.risk_models.c
        row = self.session.execute(sa.select(tables.risk_models).order_by(m.id.desc()).limit(1)).first()
        if row is None:
            return None
        return StoredRiskModel(
            model=RiskModel.from_dict(model_name(row.id), row.model),
            created_at=row.created_at,
            trained_on=row.trained_on,
            auc=row.auc,
            rule_auc=row.rule_auc,
            active=row.active,
        )

    def add_model(
        self,
        model: RiskModel,
        *,
        trained_on: int,
        auc: float | None,
        rule_auc: float | None,
        active: bool,
        now: datetime,
    ) -> str:
        """Stores a fitted model; an active one replaces the one in force. Returns its name."""
        m = tables.risk_models.c
        if active:
            self.session.execute(sa.update(tables.risk_models).where(m.active.is_(True)).values(active=False))
        new_id = self.session.execute(
            sa.insert(tables.risk_models)
            .values(
                created_at=now, trained_on=trained_on, auc=auc, rule_auc=rule_auc, active=active, model=model.to_dict()
            )
            .returning(m.id)
        ).scalar_one()
        return model_name(new_id)


@functools.cache
def _before_case() -> sa.Select[tuple[int, bool]]:
    c, r = tables.cases.c, tables.responses.c
    unresolved = (
        sa.select(sa.func.count())
        .where(
            c.customer_key == sa.bindparam("key"),
            c.status == CaseStatus.CLOSED,
            sa.or_(*(c.outcome == outcome for outcome in sorted(BAD_OUTCOMES))),
            c.closed_at <= sa.bindparam("opens_at"),
        )
        .scalar_subquery()
    )
    repeat = sa.exists().where(
        r.integration == sa.bindparam("integration"),
        r.customer_id == sa.bindparam("customer_id"),
        r.score <= DETRACTOR_MAX,
        r.responded_at >= sa.bindparam("since"),
        r.responded_at < sa.bindparam("until"),
        r.id != sa.bindparam("response_id"),
    )
    return sa.select(unresolved.label("unresolved"), repeat.label("repeat"))


@functools.cache
def _active_model() -> sa.Select[tuple[int, Any]]:
    m = tables.risk_models.c
    return sa.select(m.id, m.model).where(m.active.is_(True))


def model_name(model_id: int) -> str:
    return f"logistic-{model_id}"
