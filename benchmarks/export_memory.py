"""Peak memory of exporting cases, streamed, against loading the same rows at once (the baseline).

Fills a fresh PostgreSQL database with N cases (one response each, with three themes), then runs each export in its own
process and reads that process's peak RSS: the service-level stream for N/10 and N cases, the same through
the HTTP endpoint (uvicorn, streamed to a client that discards the bytes), and a naive export that fetches
every row into a list before writing. Bounded means the streamed peak barely moves from N/10 to N.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from npsloop.store import migrate, tables  # noqa: E402
from npsloop.store.database import normalize_url  # noqa: E402
from npsloop.store.keyring import Keyring  # noqa: E402

ADMIN_URL = os.environ.get("NPSLOOP_TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
T0 = datetime(2026, 1, 1, tzinfo=UTC)
TOKEN = "bench-token-" + "x" * 20


def fill(url: str, n: int) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.execute(
            sa.insert(tables.teams).values(id=1, name="Logistics", touchpoints=["delivery"], is_default=True)
        )
    batch = 5000
    for start in range(0, n, batch):
        ids = range(start + 1, min(start + batch, n) + 1)
        cases = [
            {"id": i, "customer_key": f"shop:c{i}", "team_id": 1, "touchpoint": "delivery", "status": "open",
             "opened_at": T0 + timedelta(minutes=i), "priority": "normal",
             "acknowledge_due_at": T0 + timedelta(minutes=i + 15)}
            for i in ids
        ]  # fmt: skip
        responses = [
            {"id": i, "integration": "shop", "external_id": f"r{i}", "score": i % 7, "survey_type": "transactional",
             "touchpoint": "delivery", "customer_id": f"c{i}", "customer_name": f"Customer {i}",
             "customer_phone": "+34600111222", "comment": "Late delivery, nobody answered the phone " * 3,
             "responded_at": T0 + timedelta(minutes=i), "received_at": T0 + timedelta(minutes=i),
             "attributes": {}, "status": "processed", "case_id": i, "team_id": 1}
            for i in ids
        ]  # fmt: skip
        themes = [
            {"response_id": i, "theme": theme, "polarity": polarity, "confidence": 0.8}
            for i in ids
            for theme, polarity in (("delivery", "negative"), ("wait_time", "negative"), ("price", "positive"))
        ]  # every row's theme columns are filled, as a tagged installation's are
        with engine.begin() as connection:
            connection.execute(sa.insert(tables.cases), cases)
            connection.execute(sa.insert(tables.responses), responses)
            connection.execute(sa.insert(tables.response_themes), themes)
    engine.dispose()


def rss_now_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def child(mode: str, url: str, rows: int) -> None:
    """Runs one export in this process and prints its figures as JSON."""
    from npsloop.bootstrap import build_runtime
    from npsloop.services import exports
    from npsloop.services.records import CaseFilter
    from npsloop.settings import Settings

    settings = Settings(database_url=url, api_tokens=TOKEN, secret_key=Keyring.generate(), console_notifications=False)
    runtime = build_runtime(settings)
    where = CaseFilter(opened_to=T0 + timedelta(minutes=rows + 1))
    start_kb, started, written = rss_now_kb(), time.perf_counter(), 0
    if mode == "stream":
        with open(os.devnull, "w") as sink:
            for chunk in exports.render(exports.case_rows(uow=runtime.uow(), where=where), exports.CASE_COLUMNS, "csv"):
                written += len(chunk)
                sink.write(chunk)
    elif mode == "http":
        import httpx
        import uvicorn

        from npsloop.api.app import create_app

        server = uvicorn.Server(uvicorn.Config(create_app(runtime), host="127.0.0.1", port=0, log_level="warning"))
        threading.Thread(target=server.run, daemon=True).start()
        while not server.started:
            time.sleep(0.02)
        port = server.servers[0].sockets[0].getsockname()[1]
        start_kb, started = rss_now_kb(), time.perf_counter()
        query = {"opened_to": where.opened_to.isoformat()}
        headers = {"Authorization": f"Bearer {TOKEN}"}
        with httpx.stream(
            "GET", f"http://127.0.0.1:{port}/v1/cases.csv", params=query, headers=headers, timeout=600
        ) as got:
            got.raise_for_status()
            for chunk in got.iter_bytes():
                written += len(chunk)
        server.should_exit = True
    else:  # naive: every row in memory first, the way an export without paging would do it
        everything = list(exports.case_rows(uow=runtime.uow(), where=where))  # same reads, all kept
        with open(os.devnull, "w") as sink:
            for chunk in exports.render(iter(everything), exports.CASE_COLUMNS, "csv"):
                written += len(chunk)
                sink.write(chunk)
    seconds = time.perf_counter() - started
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"mode": mode, "rows": rows, "start_mb": start_kb / 1024, "peak_mb": peak_kb / 1024,
                      "bytes": written, "seconds": seconds}))  # fmt: skip


def run_child(mode: str, url: str, rows: int) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", mode, "--url", url, "--n", str(rows)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--child", default=None)
    parser.add_argument("--url", default=None)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.url, args.n)
        return
    name = "npsloop_bench_" + uuid.uuid4().hex[:8]
    admin = sa.create_engine(normalize_url(ADMIN_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = normalize_url(ADMIN_URL).rsplit("/", 1)[0] + "/" + name
    try:
        migrate.upgrade(url)
        began = time.perf_counter()
        fill(url, args.n)
        print(f"filled {args.n:,} cases in {time.perf_counter() - began:.1f} s")
        small = args.n // 10
        results = [
            run_child("stream", url, small),
            run_child("stream", url, args.n),
            run_child("http", url, small),
            run_child("http", url, args.n),
            run_child("naive", url, args.n),
        ]
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    heads = ("rows", "MB out", "seconds", "rows/s", "start MB", "peak MB", "growth MB")
    print(f"{'export':<22} " + " ".join(f"{h:>9}" for h in heads))
    for r in results:
        growth = r["peak_mb"] - r["start_mb"]
        r["growth_mb"] = growth
        label = {"stream": "streamed (service)", "http": "streamed (HTTP)", "naive": "all rows in memory"}[r["mode"]]
        figures = (r["bytes"] / 2**20, r["seconds"], r["rows"] / r["seconds"], r["start_mb"], r["peak_mb"], growth)
        print(f"{label:<22} {r['rows']:>9,} " + " ".join(f"{f:>9,.1f}" for f in figures))
    stream_small, stream_big, http_small, http_big, naive = results

    def ratio(big: dict[str, float], little: dict[str, float]) -> float:
        return big["growth_mb"] / max(little["growth_mb"], 0.1)

    print(f"streamed growth, {args.n:,} rows against {small:,}: {ratio(stream_big, stream_small):.2f}x")
    print(f"HTTP growth, {args.n:,} rows against {small:,}: {ratio(http_big, http_small):.2f}x")
    print(f"streamed growth as a share of the all-in-memory baseline's: {ratio(stream_big, naive):.2f}")
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    (out / "export_memory.json").write_text(json.dumps({"n": args.n, "results": results}, indent=2))


if __name__ == "__main__":
    main()
