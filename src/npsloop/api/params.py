"""The integers a request names in its path or query, bounded once for every route and the dashboard.

A database integer key holds 63 bits: an id or an offset beyond it is no row, but SQLite's driver raises
OverflowError on it (a 500). Bounded here, it is a 422 naming the field, before any query runs.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query

from npsloop.domain.numbers import MAX_ROW_ID

RowId = Annotated[int, Path(ge=1, le=MAX_ROW_ID, description="a row's number (a case number)")]
Offset = Annotated[int, Query(ge=0, le=MAX_ROW_ID, description="rows to skip")]
