"""Rows for exports, read in keyset pages (id > last seen) so a year of data streams through a few
thousand rows of memory and no transaction stays open while the client reads."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from npsloop.services.records import THEME_COLUMNS, CaseFilter, ResponseFilter
from npsloop.store import tables
from npsloop.store.case_repository import case_conditions
from npsloop.store.report_queries import response_conditions

PAGE = 1000


# Keys of the themes a customer complained of and praised, in two columns a spreadsheet can filter on.
OPENER_COLUMNS = ("customer_id", "customer_name", "customer_email", "customer_phone", "score", "comment", "survey_type")


def case_select() -> sa.Select[Any]:
    c, t, a = tables.cases.c, tables.teams.c, tables.agents.c
    return (
        sa.select(
            c.id,
            c.status,
            c.priority,
            t.name.label("team"),
            a.name.label("assignee"),
            c.touchpoint,
            c.rule,
            c.opened_at,
            c.acknowledged_at,
            c.contacted_at,
            c.closed_at,
            c.outcome,
            c.acknowledge_due_at,
            c.contact_due_at,
            c.close_due_at,
        )
        .select_from(tables.cases)
        .outerjoin(tables.teams, t.id == c.team_id)
        .outerjoin(tables.agents, a.id == c.assignee_id)
    )


def _response_select() -> sa.Select[Any]:
    r, t = tables.responses.c, tables.teams.c
    return (
        sa.select(
            r.id,
            r.integration,
            r.external_id,
            r.score,
            r.comment,
            r.survey_type,
            r.touchpoint,
            t.name.label("team"),
            r.customer_id,
            r.customer_name,
            r.customer_email,
            r.customer_phone,
            r.language,
            r.responded_at,
            r.received_at,
            r.status,
            r.case_id,
            r.attributes,
        )
        .select_from(tables.responses)
        .outerjoin(tables.teams, t.id == r.team_id)
    )


class ExportQueries:
    def __init__(self, session: Session) -> None:
        self.session = session

    def cases_page(self, where: CaseFilter, after: int) -> list[dict[str, Any]]:
        """A page of cases, then the response that opened each (its customer, score and comment) and the
        themes of all its responses, each in one more indexed query: a correlated subquery per row made later
        pages slower on PostgreSQL."""
        c = tables.cases.c
        stmt = case_select().where(*case_conditions(where), c.id > after).order_by(c.id).limit(PAGE)
        rows = [dict(row) for row in self.session.execute(stmt).mappings()]
        if rows:
            openers, owners = self.openers([row["id"] for row in rows])
            themes = self.themes(owners)
            for row in rows:
                row.update(openers.get(row["id"], dict.fromkeys(OPENER_COLUMNS)))
                row.update(themes.get(row["id"]) or {name: [] for name in THEME_COLUMNS})
        return rows

    def openers(self, case_ids: list[int]) -> tuple[dict[int, dict[str, Any]], dict[int, int]]:
        """The opening response of each case, and the case of every response they hold (for their themes)."""
        r = tables.responses.c
        columns = [getattr(r, name) for name in OPENER_COLUMNS]
        stmt = sa.select(r.case_id, r.id, *columns).where(r.case_id.in_(case_ids)).order_by(r.case_id, r.id)
        found: dict[int, dict[str, Any]] = {}
        owners: dict[int, int] = {}
        for row in self.session.execute(stmt).mappings():
            found.setdefault(row["case_id"], {name: row[name] for name in OPENER_COLUMNS})
            owners[row["id"]] = row["case_id"]
        return found, owners

    def themes(self, owners: dict[int, int]) -> dict[int, dict[str, list[str]]]:
        """Theme keys by polarity for each owner (a response, or the case holding it: `owners` maps response
        ids to theirs), most confident first; a theme tagged in several responses of a case counts once, with
        the polarity of its most confident tag. Read by response id, the table's key: joined to responses by
        case, PostgreSQL hashed the whole table for every page."""
        t = tables.response_themes.c
        stmt = sa.select(t.response_id, t.theme, t.polarity, t.confidence).where(t.response_id.in_(list(owners)))
        tags = sorted(
            (owners[row.response_id], -row.confidence, row.response_id, row.theme, row.polarity)
            for row in self.session.execute(stmt)
        )
        found: dict[int, dict[str, list[str]]] = {}
        seen: set[tuple[int, str]] = set()
        for owner, _, _, theme, polarity in tags:
            if (owner, theme) not in seen:
                seen.add((owner, theme))
                found.setdefault(owner, {name: [] for name in THEME_COLUMNS})[f"{polarity}_themes"].append(theme)
        return found

    def responses_page(
        self, where: ResponseFilter, responded: tuple[datetime | None, datetime | None], after: int
    ) -> list[dict[str, Any]]:
        r = tables.responses.c
        stmt = _response_select().where(*response_conditions(where), r.id > after)
        start, end = responded
        if start is not None:
            stmt = stmt.where(r.responded_at >= start)
        if end is not None:
            stmt = stmt.where(r.responded_at < end)
        rows = [dict(row) for row in self.session.execute(stmt.order_by(r.id).limit(PAGE)).mappings()]
        if rows:
            themes = self.themes({row["id"]: row["id"] for row in rows})
            for row in rows:
                row.update(themes.get(row["id"]) or {name: [] for name in THEME_COLUMNS})
        return rows
