"""What the risk of complaint knows, and what it costs.

Quality: synthetic histories whose endings follow a known logistic law (tests/unit/test_risk_service.py's
`synthetic`: a low score, a billing complaint, earlier unresolved cases and a repeat detractor raise the chance
of a bad ending; delivery complaints and the tier do not) and the same inputs with coin-flip endings. Each is
split by time (the newest quarter held out, learned from the older cases) and the held-out AUC of the rule and of
the learned model is printed, over several seeds and sizes, with the calibration of one run.

Cost: a SQLite database with N closed cases (and their opening answers) over two years; the time of
services.risk.assess_risk per new detractor (the queries processing adds: earlier unresolved cases, a detractor
in the 90 days before, the active model) with the rule and with a learned model, and of train_risk on the lot.

    .venv/bin/python benchmarks/risk.py [--n 20000]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.conftest import FakeDispatcher  # noqa: E402
from tests.unit.test_risk_service import synthetic  # noqa: E402

from npsloop.domain.responses import Response  # noqa: E402
from npsloop.services.risk import assess_risk, evaluate, train_risk  # noqa: E402
from npsloop.store import migrate, tables  # noqa: E402
from npsloop.store.mapping import start_mappers  # noqa: E402
from npsloop.store.uow import SqlUnitOfWork, session_factory  # noqa: E402

NOW = datetime(2026, 12, 1, tzinfo=UTC)
BATCH = 5000


def quality() -> None:
    print("held-out AUC (newest 25%), 5 seeds: mean [min-max]")
    for size in (400, 800, 2000):
        for signal in (True, False):
            runs = [evaluate(synthetic(size, seed, signal=signal)) for seed in range(1, 6)]
            rule = [run.rule.auc or 0.0 for run in runs]
            learned = [run.learned.auc or 0.0 for run in runs if run.learned]
            print(
                f"  {size:>5} cases, {'known law ' if signal else 'coin flips'}: "
                f"rule {_spread(rule)}  learned {_spread(learned)}"
            )
    run = evaluate(synthetic(2000, 1, signal=True))
    assert run.learned is not None
    print("calibration of the learned model, 2000 cases (500 held out), seed 1:")
    for b in run.learned.calibration:
        shares = f"mean predicted {b.predicted:.2f}, observed {b.observed:.2f}"
        print(f"  {b.low:.1f}-{b.high:.1f}: {b.count:>4} cases, {shares}")


def _spread(values: list[float]) -> str:
    return f"{statistics.mean(values):.3f} [{min(values):.3f}-{max(values):.3f}]"


def fill(engine: sa.Engine, n: int) -> None:
    """n closed cases of n/3 customers, one opening answer each, over two years ending 100 days ago."""
    start = NOW - timedelta(days=830)

    def opened(i: int) -> datetime:
        return start + timedelta(days=730 * i / n)

    def outcome(i: int) -> str:
        return "not_resolved" if i % 4 == 1 else "unreachable" if i % 9 == 2 else "resolved"

    with engine.begin() as db:
        for first in range(0, n, BATCH):
            ids = range(first, min(first + BATCH, n))
            db.execute(
                sa.insert(tables.cases),
                [
                    {
                        "id": i + 1,
                        "customer_key": f"shop:c{i % (n // 3)}",
                        "status": "closed",
                        "outcome": outcome(i),
                        "opened_at": opened(i),
                        "closed_at": opened(i) + timedelta(days=2),
                    }
                    for i in ids
                ],
            )
            db.execute(
                sa.insert(tables.responses),
                [
                    {
                        "integration": "shop",
                        "external_id": f"r{i}",
                        "score": i % 7,
                        "survey_type": "transactional",
                        "customer_id": f"c{i % (n // 3)}",
                        "responded_at": opened(i),
                        "received_at": opened(i),
                        "attributes": {"tier": "gold" if i % 4 == 0 else "silver"},
                        "status": "processed",
                        "case_id": i + 1,
                    }
                    for i in ids
                ],
            )


def cost(n: int) -> None:
    start_mappers()
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'risk.db'}"
        migrate.upgrade(url)
        engine = sa.create_engine(url)
        fill(engine, n)
        uow = SqlUnitOfWork(session_factory(engine), FakeDispatcher())
        with uow:
            probes = list(uow.session.scalars(sa.select(Response).order_by(Response.id.desc()).limit(500)))  # type: ignore[attr-defined]
        print(f"\n{n} closed cases on SQLite:")
        print(f"  assess_risk, rule:          {_per_call(uow, probes) * 1000:.2f} ms per new detractor")
        began = time.perf_counter()
        trained = train_risk(uow=uow, now=NOW, min_cases=200)
        seconds = time.perf_counter() - began
        print(f"  train_risk:                 {seconds:.2f} s ({trained.evaluation.cases} cases with a known ending)")
        with uow:
            uow.session.execute(sa.update(tables.risk_models).values(active=True))
            uow.commit()
        print(f"  assess_risk, learned model: {_per_call(uow, probes) * 1000:.2f} ms per new detractor")
        engine.dispose()


def _per_call(uow: SqlUnitOfWork, probes: list[Response]) -> float:
    began = time.perf_counter()
    with uow:
        for response in probes:
            assess_risk(uow=uow, response=response, themes=("billing",), now=NOW)
    return (time.perf_counter() - began) / len(probes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=20000)
    args = parser.parse_args()
    quality()
    cost(args.n)


if __name__ == "__main__":
    main()
