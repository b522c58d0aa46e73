"""What `npsloop themes train` costs the worker process that runs it, and what it buys on held-out labels.

Trains as services/training.py does (the shipped seed plus the installation's labels, each REPEAT times) on the
labelled comments of tests/fixtures/site_billing_labels.jsonl (construction-site billing slang the default model
misses), with the held-out quarter chosen by case id as the service does (case ids 1..N in file order). Printed:
CPU seconds of the fit, the process's peak RSS before and after it (the growth a worker pays, once, while
training), the stored model's size, and the held-out macro-F1 of the default and of the trained model.

    .venv/bin/python benchmarks/themes_training.py
"""

from __future__ import annotations

import json
import resource
import time
from pathlib import Path

LABELS = Path(__file__).parents[1] / "tests" / "fixtures" / "site_billing_labels.jsonl"


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    from npsloop.services.training import REPEAT, held_out, held_out_f1
    from npsloop.tagging import model_file
    from npsloop.tagging.tagger import Example, Tagger, seed_examples

    rows = [json.loads(line) for line in LABELS.read_text(encoding="utf-8").splitlines() if line.strip()]
    labelled = [(case_id, Example.from_dict(row)) for case_id, row in enumerate(rows, start=1)]
    train = [example for case_id, example in labelled if not held_out(case_id)]
    test = [example for case_id, example in labelled if held_out(case_id)]
    seed = seed_examples()
    before = peak_mb()
    started = time.process_time()
    trained = Tagger.fit([*seed, *train * REPEAT])
    cpu = time.process_time() - started
    after = peak_mb()
    default = Tagger.fit(seed)
    size = len(model_file.dumps(trained))
    print(f"{len(seed)} seed comments + {len(train)} labels x {REPEAT}; {len(test)} held out")
    print(
        f"fit: {cpu:.1f} s CPU; peak RSS {before:.0f} MB before, {after:.0f} MB after; stored model {size / 1e6:.2f} MB"
    )
    print(f"held-out macro-F1: default {held_out_f1(default, test):.3f}, trained {held_out_f1(trained, test):.3f}")


if __name__ == "__main__":
    main()
