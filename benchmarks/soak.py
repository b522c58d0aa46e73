"""Soak: a long stream of responses through the whole pipeline, watching for what grows.

Runs the same processes as benchmarks/e2e.py (API, workers, Twilio and SMTP sinks, real PostgreSQL and
Redis) and posts `--total` responses at `--rate` a second, open loop. Every `--every` responses it prints
the RSS of every API and worker process, the backlog, and what Redis holds (memory, keys, the queue, the
unacked set); at the end it checks that nothing is left behind:
no response unprocessed, no notification pending or claimed, no task in the queue or Redis's unacked set,
no rows in the quarantine.

    .venv/bin/python benchmarks/soak.py --total 1000000 --rate 150 --every 100000 [--detractors 0.05]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.harness import Bench, bodies, drive  # noqa: E402


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def leftovers(bench: Bench) -> dict[str, int]:
    with sa.create_engine(bench.db_url).connect() as connection:

        def count(sql: str) -> int:
            return int(connection.execute(sa.text(sql)).scalar() or 0)

        found = {
            "responses_unprocessed": count("SELECT count(*) FROM responses WHERE status <> 'processed'"),
            "notifications_pending_or_sending": count(
                "SELECT count(*) FROM notifications WHERE state IN ('pending', 'sending')"
            ),
            "quarantined": count("SELECT count(*) FROM quarantine"),
        }
    found["queue_length"] = int(bench.redis.llen(bench.queue))
    found["redis_unacked"] = int(bench.redis.hlen("unacked"))
    return found


def redis_state(bench: Bench) -> dict[str, float]:
    """What Redis holds between checkpoints: a leak of acknowledged messages or stale keys shows as growth."""
    return {
        "used_memory_mb": round(int(bench.redis.info("memory")["used_memory"]) / 2**20, 1),
        "keys": int(bench.redis.dbsize()),
        "queue_length": int(bench.redis.llen(bench.queue)),
        "unacked": int(bench.redis.hlen("unacked")),
        "unacked_index": int(bench.redis.zcard("unacked_index")),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--total", type=int, default=1_000_000)
    parser.add_argument("--rate", type=float, default=100)
    parser.add_argument("--every", type=int, default=100_000)
    # The e2e benchmark measures the realistic 25% mix; a soak is about what grows over volume, and a lower
    # share lets a small machine push a million through in a sitting. Every detractor is still alerted.
    parser.add_argument("--detractors", type=float, default=0.25)
    parser.add_argument("--api-processes", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=1)
    parser.add_argument("--out", default=str(Path(__file__).parent / "results" / "soak"))
    args = parser.parse_args()
    bench = Bench(argparse.Namespace(**vars(args), duration=0, drain=0, ceiling_seconds=0, noop_tasks=0))
    # glibc's arena cap, inherited by every process the soak starts: the one allocator setting that changes RSS.
    config = vars(args) | {"malloc_arena_max": os.environ.get("MALLOC_ARENA_MAX")}
    report: dict[str, Any] = {"config": config, "checkpoints": []}
    try:
        bench.start()
        sent = 0
        began = time.monotonic()
        while sent < args.total:
            chunk = min(args.every, args.total - sent)
            results = asyncio.run(drive(bench.base(), bodies(chunk, seed=sent, detractors=args.detractors), args.rate))
            sent += chunk
            processes = {f"api:{pid}": rss_mb(pid) for pid in bench.api.pids()}
            processes |= {f"worker:{pid}": rss_mb(pid) for pid in bench.workers.pids()}
            checkpoint = {
                "sent": sent,
                "errors": sum(1 for r in results if not 200 <= r.status < 300),
                "backlog": bench.backlog(),
                "elapsed_s": round(time.monotonic() - began),
                "rss_mb": {k: round(v, 1) for k, v in processes.items() if v},
                "redis": redis_state(bench),
            }
            report["checkpoints"].append(checkpoint)
            print(json.dumps(checkpoint), flush=True)
        deadline = time.monotonic() + 600
        while bench.backlog() and time.monotonic() < deadline:
            time.sleep(2)
        time.sleep(5)
        report["leftovers"] = leftovers(bench)
        print("left behind:", json.dumps(report["leftovers"]))
        first, last = report["checkpoints"][0]["rss_mb"], report["checkpoints"][-1]["rss_mb"]
        growth = {k: round(last[k] - first[k], 1) for k in first if k in last}
        report["rss_growth_mb_first_to_last_checkpoint"] = growth
        print("RSS growth from the first checkpoint to the last, MB:", json.dumps(growth))
    finally:
        bench.stop()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "report.json").write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
