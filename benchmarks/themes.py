"""The default theme tagger on the evaluation set: how good, how fast, how big.

- Quality: macro-F1 per language, F1 per theme, polarity accuracy on the themes found correctly, for the model
  fitted on the shipped seed only (benchmarks/data/themes_eval.jsonl is never trained or tuned on).
- CPU: time.process_time over tagging every evaluation comment one at a time (as the worker will, one response
  at a time), per comment, against a floor: normalising the same texts alone, the part no model can skip.
- Memory: this process's VmRSS before loading anything of the model, after importing scikit-learn and after
  fitting the default model, so the growth a worker process pays is known.

    .venv/bin/python benchmarks/themes.py [--passes 5]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from npsloop.tagging.normalize import normalize

EVAL = Path(__file__).parent / "data" / "themes_eval.jsonl"


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def per_comment_ms(passes: int, work: object, comments: list[tuple[str, str]]) -> float:
    """CPU milliseconds per comment for `work(text, language)` over every comment, `passes` times."""
    started = time.process_time()
    for _ in range(passes):
        for text, language in comments:
            work(text, language)  # type: ignore[operator]
    return (time.process_time() - started) * 1000 / (passes * len(comments))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passes", type=int, default=5, help="times every comment is tagged for the CPU figure")
    args = parser.parse_args()

    rss_start = rss_mb()
    from npsloop.tagging.evaluation import evaluate, report_lines
    from npsloop.tagging.tagger import default_tagger, read_examples

    rss_imported = rss_mb()
    fit_started = time.process_time()
    tagger = default_tagger()
    fit_cpu = time.process_time() - fit_started
    rss_fitted = rss_mb()

    examples = read_examples(EVAL.read_text(encoding="utf-8").splitlines())
    comments = [(example.text, example.language) for example in examples]
    scores = evaluate(tagger, examples)
    print(f"default tagger (fitted on the shipped seed) on {EVAL.name}, {len(examples)} comments")
    for line in report_lines(scores):
        print(line)

    per_comment_ms(1, tagger.tag, comments)  # warm-up
    tag_ms = per_comment_ms(args.passes, tagger.tag, comments)
    floor_ms = per_comment_ms(args.passes, lambda text, _language: normalize(text), comments)
    batch_started = time.process_time()
    for _ in range(args.passes):
        tagger.tag_many(comments)
    batch_ms = (time.process_time() - batch_started) * 1000 / (args.passes * len(comments))
    print()
    print(f"CPU per comment, tagged one at a time: {tag_ms:.3f} ms ({args.passes} passes over {len(comments)})")
    print(f"CPU per comment, tagged in one batch:  {batch_ms:.3f} ms")
    print(f"floor (normalising the text alone):    {floor_ms:.4f} ms; one at a time is {tag_ms / floor_ms:.0f}x it")
    print(f"fitting the default model once per process: {fit_cpu:.2f} s CPU")
    print(
        f"RSS: {rss_start:.1f} MB before, +{rss_imported - rss_start:.1f} MB importing scikit-learn, "
        f"+{rss_fitted - rss_imported:.1f} MB fitting the model, +{rss_fitted - rss_start:.1f} MB in all"
    )

    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    summary = {
        "macro_f1": {language: round(score.macro_f1, 4) for language, score in scores.items()},
        "polarity_accuracy": {language: round(score.polarity_accuracy, 4) for language, score in scores.items()},
        "theme_f1": {
            language: {theme: round(counts.f1, 4) for theme, counts in score.themes.items() if counts.seen}
            for language, score in scores.items()
        },
        "cpu_ms_per_comment": round(tag_ms, 4),
        "cpu_ms_per_comment_batched": round(batch_ms, 4),
        "floor_ms_per_comment": round(floor_ms, 5),
        "fit_cpu_s": round(fit_cpu, 3),
        "rss_growth_mb": {"import": round(rss_imported - rss_start, 1), "fit": round(rss_fitted - rss_imported, 1)},
    }
    (out / "themes.json").write_text(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
