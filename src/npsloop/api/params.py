"""The values a request names in its path or query, bounded once for every route and the dashboard.

A database integer key holds 63 bits: an id or an offset beyond it is no row, but SQLite's driver raises
OverflowError on it (a 500). Bounded here, it is a 422 naming the field, before any query runs. A theme key is
checked against the taxonomy in force, so a typo is a 422 rather than an empty list that looks like "no cases".
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query

from npsloop.api.errors import ApiError
from npsloop.domain.numbers import MAX_ROW_ID
from npsloop.domain.themes import MAX_KEY
from npsloop.services.themes import current_taxonomy
from npsloop.services.unit_of_work import UnitOfWork

RowId = Annotated[int, Path(ge=1, le=MAX_ROW_ID, description="a row's number (a case number)")]
Offset = Annotated[int, Query(ge=0, le=MAX_ROW_ID, description="rows to skip")]
ThemeKey = Annotated[
    str | None,
    Query(max_length=MAX_KEY, description="a theme's key (GET /v1/themes): cases whose customer complains of it"),
]


def known_theme(uow: UnitOfWork, key: str | None, field: str = "theme") -> str | None:
    """The key as given when the taxonomy holds it (retired themes too: what was tagged with them stays
    findable), else a 422 naming the field."""
    if key is None:
        return None
    if key not in {theme.key for theme in current_taxonomy(uow=uow).themes}:
        message = f"no theme {key!r}; GET /v1/themes lists the keys"
        raise ApiError(422, "validation_failed", "unknown theme", errors=[{"field": field, "message": message}])
    return key
