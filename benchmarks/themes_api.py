"""POST /v1/themes:tag on the API process: what loading the model there costs, and how long a full request takes.

The API process imports no scikit-learn until the first tagging request, which loads the model in force (here
the default, from the model cache the worker fills; a trained one would be read from the database). Printed:
this process's VmRSS with the app started, after the first request (the model loaded), and the CPU and wall
time of a request of 100 comments, the most one may carry, against a request of one.

    .venv/bin/python benchmarks/themes_api.py [--passes 20]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

EVAL = Path(__file__).parent / "data" / "themes_eval.jsonl"
TOKEN = "bench-token-" + "c" * 24
KEY = "bnBzbG9vcC10ZXN0LWtleS0wMTIzNDU2Nzg5YWJjZGU="


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passes", type=int, default=20, help="requests timed per size")
    args = parser.parse_args()
    from fastapi.testclient import TestClient

    from npsloop.api.app import create_app
    from npsloop.bootstrap import build_runtime
    from npsloop.settings import Settings
    from npsloop.store import migrate

    rows = [json.loads(line) for line in EVAL.read_text(encoding="utf-8").splitlines() if line.strip()]
    comments = [{"text": row["text"], "language": row["language"]} for row in rows][:100]
    headers = {"Authorization": f"Bearer {TOKEN}"}
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(data_dir=Path(folder), api_tokens=TOKEN, secret_key=KEY, console_notifications=False)
        migrate.upgrade(settings.resolved_database_url)
        runtime = build_runtime(settings)
        with TestClient(create_app(runtime)) as client:
            client.get("/v1/themes", headers=headers)
            started = rss_mb()
            wall = time.perf_counter()
            first = client.post("/v1/themes:tag", json={"comments": comments[:1]}, headers=headers)
            load_seconds = time.perf_counter() - wall
            assert first.status_code == 200, first.text
            loaded = rss_mb()
            timings = {}
            for size in (1, 100):
                body = {"comments": comments[:size]}
                cpu, wall = time.process_time(), time.perf_counter()
                for _ in range(args.passes):
                    client.post("/v1/themes:tag", json=body, headers=headers)
                timings[size] = (
                    (time.process_time() - cpu) * 1000 / args.passes,
                    (time.perf_counter() - wall) * 1000 / args.passes,
                )
        runtime.engine.dispose()
    print(f"model {first.json()['model']}, first request {load_seconds:.2f} s (imports and loads it)")
    print(
        f"RSS: {started:.1f} MB with the app started, {loaded:.1f} MB with the model loaded (+{loaded - started:.1f})"
    )
    for size, (cpu, wall) in timings.items():
        print(f"{size:>3} comment(s) a request: {cpu:.1f} ms CPU, {wall:.1f} ms wall (TestClient, same process)")


if __name__ == "__main__":
    main()
