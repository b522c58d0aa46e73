"""The reads behind the monthly review and the Why page: theme counts among detractors, NPS per theme, and a
few comments per theme. Every count is a GROUP BY in the database, so a month of 100,000 responses costs a
handful of rows here; only the comments shown leave it, and only `limit` of them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from npsloop.domain.cases import CaseStatus
from npsloop.domain.scores import NpsSummary
from npsloop.domain.theme_tags import Polarity
from npsloop.services.records import CommentRow, ResponseFilter, RiskRow
from npsloop.store import tables
from npsloop.store.report_queries import response_conditions

DETRACTOR_MAX = 6


class ReviewQueries:
    def __init__(self, session: Session) -> None:
        self.session = session

    def _in(self, start: datetime, end: datetime, where: ResponseFilter) -> list[sa.ColumnElement[bool]]:
        r = tables.responses.c
        return [r.responded_at >= start, r.responded_at < end, *response_conditions(where)]

    def detractor_themes(self, edges: Sequence[datetime], where: ResponseFilter) -> dict[tuple[int, str], int]:
        """Detractors whose comment holds each theme (negative), per period [edges[i], edges[i+1]). The
        primary key (response, theme) makes each detractor count once per theme."""
        r, t = tables.responses.c, tables.response_themes.c
        period = sa.case(*[(r.responded_at < end, index) for index, end in enumerate(edges[1:])], else_=-1)
        stmt = (
            sa.select(period.label("period"), t.theme, sa.func.count().label("n"))
            .select_from(tables.response_themes.join(tables.responses, r.id == t.response_id))
            .where(*self._in(edges[0], edges[-1], where), r.score <= DETRACTOR_MAX, t.polarity == Polarity.NEGATIVE)
            .group_by(period, t.theme)
        )
        return {(row.period, row.theme): int(row.n) for row in self.session.execute(stmt)}

    def nps_by_team(
        self, edges: Sequence[datetime], by_survey_type: bool
    ) -> dict[tuple[int, int | None, str | None], NpsSummary]:
        """Counts per (period, team id, survey type or None) for periods [edges[i], edges[i+1]): every team's
        line of the review in one GROUP BY, for the teams that count in the company's zone."""
        r = tables.responses.c
        period = sa.case(*[(r.responded_at < end, index) for index, end in enumerate(edges[1:])], else_=-1)
        category = sa.case((r.score <= DETRACTOR_MAX, "d"), (r.score <= 8, "p"), else_="P")
        kind: sa.ColumnElement[Any] = r.survey_type if by_survey_type else sa.null()
        grouped = [period, r.team_id, category, *([r.survey_type] if by_survey_type else [])]
        stmt = (
            sa.select(
                period.label("period"), r.team_id, kind.label("kind"), category.label("cat"), sa.func.count().label("n")
            )
            .where(r.responded_at >= edges[0], r.responded_at < edges[-1])
            .group_by(*grouped)
        )
        counts: dict[tuple[int, int | None, str | None], dict[str, int]] = {}
        for row in self.session.execute(stmt):
            slot = counts.setdefault((row.period, row.team_id, row.kind), {"d": 0, "p": 0, "P": 0})
            slot[row.cat] += int(row.n)
        return {k: NpsSummary(promoters=v["P"], passives=v["p"], detractors=v["d"]) for k, v in counts.items()}

    def theme_nps(self, start: datetime, end: datetime, where: ResponseFilter) -> dict[str, NpsSummary]:
        """The NPS of the responses whose comment names each theme, whichever way (praise or complaint)."""
        r, t = tables.responses.c, tables.response_themes.c
        category = sa.case((r.score <= DETRACTOR_MAX, "d"), (r.score <= 8, "p"), else_="P")
        stmt = (
            sa.select(t.theme, category.label("cat"), sa.func.count().label("n"))
            .select_from(tables.response_themes.join(tables.responses, r.id == t.response_id))
            .where(*self._in(start, end, where))
            .group_by(t.theme, category)
        )
        counts: dict[str, dict[str, int]] = {}
        for row in self.session.execute(stmt):
            counts.setdefault(row.theme, {"d": 0, "p": 0, "P": 0})[row.cat] += int(row.n)
        return {k: NpsSummary(promoters=v["P"], passives=v["p"], detractors=v["d"]) for k, v in counts.items()}

    def comments(
        self, start: datetime, end: datetime, where: ResponseFilter, theme: str, limit: int
    ) -> list[CommentRow]:
        """Detractors' comments the tagger was surest hold the theme (negative), newest first among equals;
        erased responses are left out, whatever they still hold."""
        r, t = tables.responses.c, tables.response_themes.c
        stmt: sa.Select[Any] = (
            sa.select(r.id, r.score, r.comment, r.language, r.customer_name, r.customer_id)
            .select_from(tables.response_themes.join(tables.responses, r.id == t.response_id))
            .where(
                *self._in(start, end, where),
                r.score <= DETRACTOR_MAX,
                t.theme == theme,
                t.polarity == Polarity.NEGATIVE,
                r.comment.is_not(None),
                r.erased_at.is_(None),
            )
            .order_by(t.confidence.desc(), r.responded_at.desc(), r.id.desc())
            .limit(limit)
        )
        return [
            CommentRow(row.id, row.score, row.comment, row.language, row.customer_name, row.customer_id)
            for row in self.session.execute(stmt)
        ]

    def reasons(self, start: datetime, end: datetime) -> dict[str, int]:
        """The reasons agents recorded at closure in [start, end): cases per reason theme."""
        c, cr = tables.cases.c, tables.case_reasons.c
        stmt = (
            sa.select(cr.theme, sa.func.count().label("n"))
            .select_from(tables.case_reasons.join(tables.cases, c.id == cr.case_id))
            .where(c.reasons_at >= start, c.reasons_at < end)
            .group_by(cr.theme)
        )
        return {row.theme: int(row.n) for row in self.session.execute(stmt)}

    def actions(self, start: datetime, end: datetime) -> dict[str | None, int]:
        """The actions taken on the cases whose reasons were recorded in [start, end); None: no code given."""
        c = tables.cases.c
        stmt = (
            sa.select(c.action_code, sa.func.count().label("n"))
            .where(c.reasons_at >= start, c.reasons_at < end)
            .group_by(c.action_code)
        )
        return {row.action_code: int(row.n) for row in self.session.execute(stmt)}

    def riskiest_open(self, limit: int) -> list[RiskRow]:
        """The open cases most at risk of ending badly, riskiest first: ids, team and why, no personal data."""
        c, teams = tables.cases.c, tables.teams.c
        stmt = (
            sa.select(c.id, teams.name.label("team"), c.priority, c.opened_at, c.risk, c.risk_reasons)
            .select_from(tables.cases.outerjoin(tables.teams, teams.id == c.team_id))
            .where(c.status != CaseStatus.CLOSED, c.risk.is_not(None))
            .order_by(c.risk.desc(), c.opened_at, c.id)
            .limit(limit)
        )
        return [
            RiskRow(row.id, row.team, row.priority, row.opened_at, float(row.risk), tuple(row.risk_reasons or ()))
            for row in self.session.execute(stmt)
        ]

    # The monthly review's emails: one row per month and recipient (see services/review_email.py).

    def mailed(self, month: str) -> set[int]:
        r = tables.review_emails.c
        return set(self.session.scalars(sa.select(r.agent_id).where(r.month == month)))

    def claim_mail(self, month: str, agent_id: int, now: datetime) -> None:
        """Raises (at commit) when the row exists: the primary key is the once-a-month rule."""
        self.session.execute(sa.insert(tables.review_emails).values(month=month, agent_id=agent_id, claimed_at=now))

    def mail_sent(self, month: str, agent_id: int, now: datetime) -> None:
        self.session.execute(sa.update(tables.review_emails).where(*self._mail(month, agent_id)).values(sent_at=now))

    def mail_refused(self, month: str, agent_id: int, error: str) -> None:
        stmt = sa.update(tables.review_emails).where(*self._mail(month, agent_id)).values(error=error[:300])
        self.session.execute(stmt)

    def release_mail(self, month: str, agent_id: int) -> None:
        self.session.execute(sa.delete(tables.review_emails).where(*self._mail(month, agent_id)))

    def _mail(self, month: str, agent_id: int) -> list[sa.ColumnElement[bool]]:
        r = tables.review_emails.c
        return [r.month == month, r.agent_id == agent_id]
