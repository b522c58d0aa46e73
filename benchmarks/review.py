"""Time and memory of the monthly review and the Why page on a big month, on SQLite (or PostgreSQL).

Fills a fresh database with N responses in November 2026 and N/2 in October (about 45% detractors, each
with a case; about 1.2 negative themes per detractor and some praise on the others), then runs
services.review.monthly_review, services.why_page.why_figures (12 months) and services.review.top_themes,
and prints the wall time and the Python heap peak (tracemalloc, in a second run) of each, for N/10 and N.
The counts are GROUP BYs in the database, so their memory does not grow with N; loop closure keeps one
small record per case opened in the month (domain.loop takes medians over them).

    .venv/bin/python benchmarks/review.py --n 100000 [--database-url postgresql+psycopg://...]
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.conftest import FakeDispatcher  # noqa: E402

from npsloop.services import review  # noqa: E402
from npsloop.services.why_page import why_figures  # noqa: E402
from npsloop.store import migrate, tables  # noqa: E402
from npsloop.store.mapping import start_mappers  # noqa: E402
from npsloop.store.uow import SqlUnitOfWork, session_factory  # noqa: E402

THEMES = ["wait_time", "resolution", "staff_attitude", "communication", "billing", "price", "delivery", "effort"]
BATCH = 5000


def fill(engine: sa.Engine, n: int, seed: int = 7) -> None:
    rnd = random.Random(seed)
    with engine.begin() as db:
        db.execute(sa.insert(tables.teams).values(id=1, name="Logistics", touchpoints=["delivery"], is_default=True))
        db.execute(sa.insert(tables.nps_targets).values(year=2026, nps=20, set_by="bench", set_at=datetime.now(UTC)))
    months = [(datetime(2026, 11, 1, tzinfo=UTC), n), (datetime(2026, 10, 1, tzinfo=UTC), n // 2)]
    next_id = 1
    for start, count in months:
        for first in range(0, count, BATCH):
            responses, themes, cases = [], [], []
            for _ in range(min(BATCH, count - first)):
                at = start + timedelta(seconds=rnd.randrange(29 * 86400))
                score = rnd.choice([0, 2, 3, 5, 6, 7, 8, 8, 9, 9, 10, 10] if rnd.random() < 0.9 else [1, 4])
                detractor = score <= 6
                responses.append(
                    {"id": next_id, "integration": "shop", "external_id": f"r{next_id}", "score": score,
                     "comment": f"comentario {next_id} de Ana, 600 111 222", "customer_name": "Ana Gómez",
                     "survey_type": "relational" if next_id % 7 == 0 else "transactional",
                     "customer_id": f"c{next_id}", "responded_at": at, "received_at": at, "attributes": {},
                     "status": "processed", "team_id": 1, "case_id": next_id if detractor else None}
                )  # fmt: skip
                if detractor:
                    cases.append(
                        {"id": next_id, "customer_key": f"shop:c{next_id}", "team_id": 1, "status": "open",
                         "opened_at": at, "priority": "normal", "contact_due_at": at + timedelta(hours=4),
                         "contacted_at": at + timedelta(hours=rnd.choice([1, 3, 6])), "risk": rnd.random(),
                         "risk_reasons": ["score"]}
                    )  # fmt: skip
                    picked = rnd.sample(THEMES, 2 if rnd.random() < 0.2 else 1)
                    themes += [(next_id, key, "negative") for key in picked]
                elif rnd.random() < 0.3:
                    themes.append((next_id, rnd.choice(THEMES), "positive"))
                next_id += 1
            with engine.begin() as db:
                if cases:
                    db.execute(sa.insert(tables.cases), cases)
                db.execute(sa.insert(tables.responses), responses)
                rows = [{"response_id": r, "theme": t, "polarity": p, "confidence": 0.8} for r, t, p in themes]
                db.execute(sa.insert(tables.response_themes), rows)


def measure(label: str, call) -> None:  # type: ignore[no-untyped-def]
    """Timed on its own, then again under tracemalloc (which slows every allocation) for the heap peak."""
    started = time.perf_counter()
    call()
    seconds = time.perf_counter() - started
    tracemalloc.start()
    call()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print(f"  {label:<16} {seconds * 1000:8.0f} ms   heap peak {peak / 1e6:6.1f} MB")


def run(url: str | None, n: int) -> None:
    folder = Path(tempfile.mkdtemp())
    url = url or f"sqlite:///{folder / 'review.db'}"
    migrate.upgrade(url)
    engine = sa.create_engine(url)
    started = time.perf_counter()
    fill(engine, n)
    with engine.begin() as db:  # what autovacuum would have done by the time anyone reads a month this big
        db.execute(sa.text("ANALYZE"))
    print(f"N = {n:,} responses in November (+{n // 2:,} in October), filled in {time.perf_counter() - started:.0f} s")
    uow = SqlUnitOfWork(session_factory(engine), FakeDispatcher())
    now = datetime(2026, 12, 1, 8, tzinfo=UTC)
    measure(
        "monthly_review", lambda: review.monthly_review(uow=uow, month=date(2026, 11, 1), default_zone="UTC", now=now)
    )
    measure(
        "why_figures 12m",
        lambda: why_figures(uow=uow, first=date(2025, 12, 1), last=date(2026, 11, 1), default_zone="UTC"),
    )
    measure(
        "top_themes",
        lambda: review.top_themes(uow=uow, since=date(2025, 12, 1), until=date(2026, 11, 30), default_zone="UTC"),
    )
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--database-url", default=None, help="an empty database (default: a fresh SQLite file)")
    args = parser.parse_args()
    start_mappers()
    # A database given is filled once, so it measures N alone; a fresh SQLite file is made for each size.
    for n in (args.n,) if args.database_url else (args.n // 10, args.n):
        run(args.database_url, n)


if __name__ == "__main__":
    main()
