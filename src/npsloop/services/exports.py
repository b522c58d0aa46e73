"""Cases and responses as CSV or JSON, produced a page at a time: the caller iterates the chunks and
writes them out (an HTTP stream, a file), so memory stays flat whatever the size of the export.

Each row ends with the theme keys its customer complained of and praised (negative_themes, positive_themes: one
cell each, keys joined by ";" in CSV, arrays in JSON), so a spreadsheet filters on "contains billing".

Text a customer wrote is neutralised for spreadsheets: a cell starting with = + - @ (or a tab or carriage
return) would run as a formula when the CSV is opened, so it is prefixed with an apostrophe."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

import orjson

from npsloop.domain.scores import classify
from npsloop.services.records import THEME_COLUMNS, CaseFilter, ResponseFilter
from npsloop.services.unit_of_work import UnitOfWork

CASE_COLUMNS = (
    "id", "status", "priority", "team", "assignee", "touchpoint", "rule", "customer_id", "customer_name",
    "customer_email", "customer_phone", "score", "comment", "survey_type", "opened_at", "acknowledged_at",
    "contacted_at", "closed_at", "outcome", "acknowledge_due_at", "contact_due_at", "close_due_at",
    *THEME_COLUMNS,
)  # fmt: skip
RESPONSE_COLUMNS = (
    "id", "integration", "external_id", "score", "category", "comment", "survey_type", "touchpoint", "team",
    "customer_id", "customer_name", "customer_email", "customer_phone", "language", "responded_at",
    "received_at", "status", "case_id", "attributes", *THEME_COLUMNS,
)  # fmt: skip
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
VALIDATED = frozenset({"customer_phone"})  # E.164, checked on the way in: its leading + is not a formula
FORMATS = ("csv", "json")

Page = Callable[[UnitOfWork, int], list[dict[str, Any]]]


def _rows(uow: UnitOfWork, page: Page) -> Iterator[dict[str, Any]]:
    last = 0
    while True:
        with uow:
            rows = page(uow, last)
        if not rows:
            return
        yield from rows
        last = rows[-1]["id"]


def case_rows(*, uow: UnitOfWork, where: CaseFilter) -> Iterator[dict[str, Any]]:
    return _rows(uow, lambda u, after: u.exports.cases_page(where, after))


def response_rows(
    *, uow: UnitOfWork, where: ResponseFilter, responded: tuple[datetime | None, datetime | None]
) -> Iterator[dict[str, Any]]:
    for row in _rows(uow, lambda u, after: u.exports.responses_page(where, responded, after)):
        row["category"] = classify(row["score"]).value
        yield row


def _cell(name: str, value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return orjson.dumps(value).decode()
    if isinstance(value, list):  # theme keys: "billing;wait_time" in one cell, a JSON array in JSON
        return ";".join(_cell(name, item) for item in value)
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and name not in VALIDATED:
        return "'" + value
    return value


def as_csv(rows: Iterator[dict[str, Any]], columns: tuple[str, ...], chunk: int = 500) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(columns)
    for count, row in enumerate(rows, start=1):
        writer.writerow([_cell(name, row.get(name)) for name in columns])
        if count % chunk == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def as_json(rows: Iterator[dict[str, Any]], columns: tuple[str, ...], chunk: int = 500) -> Iterator[str]:
    """A JSON array, one element a line, written as it is read."""
    lines: list[str] = ["["]
    separator = ""
    for row in rows:
        lines.append(separator + orjson.dumps({name: row.get(name) for name in columns}).decode())
        separator = ","
        if len(lines) >= chunk:
            yield "\n".join(lines) + "\n"
            lines = []
    lines.append("]")
    yield "\n".join(lines) + "\n"


def render(rows: Iterator[dict[str, Any]], columns: tuple[str, ...], fmt: str) -> Iterator[str]:
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}")
    return as_csv(rows, columns) if fmt == "csv" else as_json(rows, columns)
