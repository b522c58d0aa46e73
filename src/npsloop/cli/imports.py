"""`npsloop import FILE.csv`: historical loads, validated row by row like the API validates a request."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import click
from pydantic import ValidationError

from npsloop.bootstrap import Runtime
from npsloop.cli.common import runtime
from npsloop.domain.numbers import decimal
from npsloop.ingest.schemas import ResponseIn, field_errors
from npsloop.services.ingest import ingest_response

CUSTOMER_COLUMNS = {"customer_id": "id", "customer_name": "name", "customer_email": "email", "customer_phone": "phone"}
ATTRIBUTE_PREFIX = "attr_"


def row_to_payload(row: dict[str, str]) -> dict[str, Any]:
    """CSV has only strings: a score column holding digits becomes a number, anything else stays text so the
    validator names it; attr_* columns become attributes."""
    payload: dict[str, Any] = {"customer": {}, "attributes": {}}
    for column, raw in row.items():
        if column is None:
            continue
        value = (raw or "").strip()
        if column in CUSTOMER_COLUMNS:
            if value:
                payload["customer"][CUSTOMER_COLUMNS[column]] = value
        elif column.startswith(ATTRIBUTE_PREFIX):
            if value:
                payload["attributes"][column.removeprefix(ATTRIBUTE_PREFIX)] = value
        elif column == "score":
            number = decimal(value, max_digits=4)
            payload["score"] = value if number is None else number  # text is refused, row by row, as a score
        elif value:
            payload[column] = value
    return payload


@click.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--integration", default="import", show_default=True, help="Namespace of the response ids.")
@click.option(
    "--live",
    is_flag=True,
    help="Run the rows through the pipeline (open cases, alert agents). By default a historical load is "
    "stored for reporting only.",
)
def import_csv(path: Path, integration: str, live: bool) -> None:
    """Load responses from a CSV file with a header row."""
    rt = runtime()
    counts = {"accepted": 0, "updated": 0, "duplicate": 0, "stale": 0, "invalid": 0}
    bad_line = first_undecodable_line(path)
    if bad_line is not None:
        raise click.ClickException(f"{path}: line {bad_line} is not UTF-8; nothing was imported")
    _load(rt, path, integration, live, counts)
    click.echo(", ".join(f"{n} {status}" for status, n in counts.items()))
    if counts["invalid"]:
        raise SystemExit(1)


def first_undecodable_line(path: Path) -> int | None:
    """Checked before importing anything, so a bad byte on line 90,000 does not leave half a load behind."""
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError:
                return number
    return None


def _load(rt: Runtime, path: Path, integration: str, live: bool, counts: dict[str, int]) -> None:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        for line, row in enumerate(csv.DictReader(handle), start=2):
            try:
                payload = ResponseIn.model_validate(row_to_payload(row))
            except ValidationError as error:
                counts["invalid"] += 1
                problems = "; ".join(f"{e['field']}: {e['message']}" for e in field_errors(error))
                click.echo(f"line {line}: {problems}", err=True)
                continue
            now = rt.clock()
            result = ingest_response(
                uow=rt.uow(),
                incoming=payload.to_domain(integration=integration, received_at=now),
                now=now,
                live=live,
            )
            counts[result.outcome.value] += 1
