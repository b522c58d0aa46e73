"""The reads behind reports. NPS is counted by the database (one GROUP BY per series, portable between
SQLite and PostgreSQL because period boundaries arrive as instants); case durations are streamed out, since
business time needs each team's calendar."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any, overload

import sqlalchemy as sa
from sqlalchemy.orm import Session

from npsloop.domain.cases import CaseStatus
from npsloop.domain.recovery_stats import RecoveryCounts
from npsloop.domain.scores import NpsSummary
from npsloop.services.records import (
    Dimension,
    GroupBy,
    GroupKey,
    OpenCase,
    OpenedCase,
    Ranking,
    ResponseFilter,
    Rest,
)
from npsloop.store import tables
from npsloop.store.recovery_queries import recovery_counts

STREAM_CHUNK = 2000
THEME = tables.response_themes.c.theme


def response_conditions(where: ResponseFilter) -> list[sa.ColumnElement[bool]]:
    """A response filter as SQL: what reports, the review and the response export select."""
    r = tables.responses.c
    found: list[sa.ColumnElement[bool]] = []
    if where.team_id is not None:
        found.append(r.team_id == where.team_id)
    if where.unassigned:
        found.append(r.team_id.is_(None))
    if where.not_teams:
        ids = sorted(t for t in where.not_teams if t is not None)
        others = r.team_id.not_in(ids) if ids else sa.true()
        found.append(others & r.team_id.is_not(None) if None in where.not_teams else others | r.team_id.is_(None))
    if where.survey_type:
        found.append(r.survey_type == where.survey_type)
    if where.touchpoint:
        found.append(r.touchpoint == where.touchpoint)
    if where.attribute:
        key, value = where.attribute
        found.append(r.attributes[key].as_string() == value)
    return found


@overload
def group_column(group: GroupBy) -> sa.ColumnElement[Any]: ...
@overload
def group_column(group: None) -> None: ...
def group_column(group: GroupBy | None) -> sa.ColumnElement[Any] | None:
    """The column a series is split by."""
    r = tables.responses.c
    if group is None:
        return None
    match group.dimension:
        case Dimension.THEME:
            return THEME
        case Dimension.SURVEY_TYPE:
            return r.survey_type
        case Dimension.TOUCHPOINT:
            return r.touchpoint
        case Dimension.TEAM:
            return r.team_id
        case Dimension.ATTRIBUTE:
            # SQLite's json_extract gives numbers as numbers, PostgreSQL's ->> gives text: text on both, so that
            # a kept group's value compares equal to what the ranking returned.
            return sa.cast(r.attributes[group.attribute or ""].as_string(), sa.String)


def _source(group: sa.ColumnElement[Any] | None) -> sa.FromClause:
    """The responses, joined to their themes when split by theme: a response with two themes is a row in each
    theme's group, one with none a row whose theme is NULL."""
    if group is THEME:
        t = tables.response_themes.c
        return tables.responses.outerjoin(tables.response_themes, t.response_id == tables.responses.c.id)
    return tables.responses


class ReportQueries:
    def __init__(self, session: Session) -> None:
        self.session = session

    def rank_groups(
        self, start: datetime, end: datetime, where: ResponseFilter, group_by: GroupBy, limit: int
    ) -> Ranking:
        """The `limit` groups with the most responses in [start, end), counted by the database, so a column
        with a million distinct values costs `limit` rows here."""
        group = group_column(group_by)
        r = tables.responses.c
        in_range = [r.responded_at >= start, r.responded_at < end, *response_conditions(where)]
        n = sa.func.count()
        source = _source(group)
        stmt = (
            sa.select(group.label("grp"), n.label("n"))
            .select_from(source)
            .where(*in_range)
            .group_by(group)
            .order_by(n.desc(), group.asc().nulls_last())
            .limit(limit)
        )
        top = [row.grp for row in self.session.execute(stmt)]
        distinct = sa.select(group.label("grp")).select_from(source).where(*in_range).group_by(group).subquery()
        groups = self.session.execute(sa.select(sa.func.count()).select_from(distinct)).scalar_one()
        return Ranking(top=top, groups=int(groups))

    def nps_counts(
        self,
        edges: Sequence[datetime],
        where: ResponseFilter,
        group_by: GroupBy | None,
        keep: Sequence[str | None] | None = None,
    ) -> dict[tuple[int, GroupKey], NpsSummary]:
        """Counts per (period index, group) for periods [edges[i], edges[i+1]). With `keep`, groups outside
        it are summed into one, under the key Rest.OTHER, so the rows read stay periods x (kept groups + 1)."""
        group = group_column(group_by)
        r = tables.responses.c
        source = _source(group)
        # Split by theme, one response can be two rows of the "other" group (two themes beyond `keep`): it is
        # counted once there, as in each theme it names.
        n = sa.func.count(sa.distinct(r.id)) if source is not tables.responses else sa.func.count()
        period = sa.case(*[(r.responded_at < end, index) for index, end in enumerate(edges[1:])], else_=-1)
        category = sa.case((r.score <= 6, "d"), (r.score <= 8, "p"), else_="P")
        other: sa.ColumnElement[Any] = sa.false()  # selected only: a constant in GROUP BY is a column number
        grouped = [period, category] if group is None else [period, group, category]
        if group is not None and keep is not None:
            named = [k for k in keep if k is not None]
            kept: sa.ColumnElement[bool] = group.in_(named) if named else sa.false()
            kept = kept | group.is_(None) if None in keep else kept
            other = sa.case((kept, sa.false()), else_=sa.true())
            group = sa.case((kept, group), else_=sa.null())
            grouped = [period, group, other, category]
        selected = sa.null() if group is None else group  # PostgreSQL refuses GROUP BY NULL, so it is only selected
        stmt = (
            sa.select(
                period.label("period"),
                selected.label("grp"),
                other.label("other"),
                category.label("cat"),
                n.label("n"),
            )
            .select_from(source)
            .where(r.responded_at >= edges[0], r.responded_at < edges[-1], *response_conditions(where))
            .group_by(*grouped)
        )
        counts: dict[tuple[int, GroupKey], dict[str, int]] = {}
        for row in self.session.execute(stmt):
            key: GroupKey = Rest.OTHER if row.other else None if row.grp is None else str(row.grp)
            slot = counts.setdefault((row.period, key), {"d": 0, "p": 0, "P": 0})
            slot[row.cat] += row.n
        return {k: NpsSummary(promoters=v["P"], passives=v["p"], detractors=v["d"]) for k, v in counts.items()}

    def cases_opened(self, start: datetime, end: datetime, team_id: int | None) -> Iterator[OpenedCase]:
        c = tables.cases.c
        stmt = sa.select(
            c.id,
            c.team_id,
            c.assignee_id,
            c.customer_key,
            c.opened_at,
            c.acknowledged_at,
            c.contacted_at,
            c.closed_at,
            c.outcome,
            c.contact_due_at,
            c.close_due_at,
        ).where(c.opened_at >= start, c.opened_at < end)
        if team_id is not None:
            stmt = stmt.where(c.team_id == team_id)
        for row in self.session.execute(stmt.order_by(c.id).execution_options(yield_per=STREAM_CHUNK)):
            yield OpenedCase(*row)

    def closed_between(self, start: datetime, end: datetime) -> dict[str, list[datetime]]:
        """When each customer's cases were closed, for the re-contact check."""
        c = tables.cases.c
        stmt = sa.select(c.customer_key, c.closed_at).where(c.closed_at >= start, c.closed_at < end)
        found: dict[str, list[datetime]] = {}
        for key, at in self.session.execute(stmt.execution_options(yield_per=STREAM_CHUNK)):
            found.setdefault(key, []).append(at)
        return found

    def recovery_counts(
        self, edges: Sequence[datetime], team_id: int | None
    ) -> dict[tuple[int, int | None], RecoveryCounts]:
        return recovery_counts(self.session, edges, team_id)

    def open_cases(self, team_id: int | None) -> Iterator[OpenCase]:
        c = tables.cases.c
        stmt = sa.select(c.team_id, c.assignee_id, c.opened_at).where(c.status != CaseStatus.CLOSED)
        if team_id is not None:
            stmt = stmt.where(c.team_id == team_id)
        for row in self.session.execute(stmt.execution_options(yield_per=STREAM_CHUNK)):
            yield OpenCase(*row)
