"""The README's first command, run as a user would: `npsloop demo` on the embedded default."""

from __future__ import annotations

import os
import re
import subprocess
import sys

from tests.support.models import MODEL_ENV


def test_the_demo_runs_the_whole_loop_on_the_embedded_default_and_exits_0(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("NPSLOOP_")} | MODEL_ENV
    result = subprocess.run(
        [sys.executable, "-m", "npsloop.cli", "demo", "--data-dir", str(tmp_path / "demo")],
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    out = result.stdout
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    assert "loaded a year of history: 3120 responses" in out
    assert "posted 12 signed responses: 11 accepted, 1 updated" in out
    assert "4 cases opened:" in out
    assert re.search(r"#\d+ +score +3 +Lucía Martínez +team Logistics +responses 2 +alerts sent 2", out)
    assert "10 alerts written to" in out
    assert "NPS of the sample: -9.1" in out and "promoters 4, passives 2, detractors 5, 11 responses" in out
    outbox = sorted(p.name for p in (tmp_path / "demo" / "outbox").iterdir())
    assert len(outbox) == 10 and sum(n.endswith(".eml") for n in outbox) == 6
    assert (tmp_path / "demo" / "npsloop.db").exists()
    assert "why customers are unhappy (last 12 months" in out
    top = re.findall(r"^  (.+?) +(\d+) detractors +([\d.]+)% of them +NPS points at stake \+([\d.]+)$", out, re.M)
    assert len(top) == 5 and all(float(points) > 0 for *_, points in top), out[-1500:]
    assert "+34600111222" not in out  # the console masks the customer's number
