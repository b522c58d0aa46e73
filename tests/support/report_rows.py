"""Rows for the report tests that need many of them, written straight into the table: the report is under test,
not the ingest."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa

from npsloop.store import tables


def many_groups(engine: sa.Engine, values: int, days: int, first: date) -> int:
    """`values` distinct order ids spread over `days` days, the first five answered more often (so the top is
    known); how many responses were written."""
    rows = []
    for index in range(values + 40):
        value = f"o-{index % 5 if index >= values else index:04d}"
        when = datetime(first.year, first.month, first.day, 12, tzinfo=UTC) + timedelta(days=index % days)
        rows.append(
            {
                "integration": "shop",
                "external_id": f"r-{index}",
                "score": index % 11,
                "survey_type": "transactional",
                "customer_id": f"c-{index}",
                "responded_at": when,
                "received_at": when,
                "attributes": {"order": value},
                "status": "processed",
            }
        )
    with engine.begin() as connection:
        connection.execute(tables.responses.insert(), rows)
    return len(rows)
