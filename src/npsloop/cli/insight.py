"""`npsloop insight train-risk|evaluate-risk`: the risk that a detractor's case ends badly, learned from the
installation's own history and measured on its newest cases."""

from __future__ import annotations

import click

from npsloop.cli.common import fail_on_domain_error, runtime
from npsloop.services.risk import MIN_CASES, RiskEvaluation, Scored, evaluate_risk, train_risk


@click.group()
def insight() -> None:
    """What the history says: the risk of each new detractor case."""


@insight.command("train-risk")
@click.option("--min-cases", type=click.IntRange(min=20), default=MIN_CASES, show_default=True)
def train(min_cases: int) -> None:
    """Fit the risk model on every closed case with a known ending; switch to it only if it ranks the newest
    quarter of them (held out, learned from the older ones) better than the rule does."""
    rt = runtime()
    trained = fail_on_domain_error(train_risk, uow=rt.uow(), now=rt.clock(), min_cases=min_cases)
    for line in report_lines(trained.evaluation):
        click.echo(line)
    if trained.active:
        click.echo(f"{trained.name} is now in force: new cases are scored by it")
    else:
        click.echo(f"{trained.name} stored but not switched on: it does not beat the rule on the held-out cases")


@insight.command("evaluate-risk")
def evaluate() -> None:
    """AUC and calibration (binned predicted against observed) of the rule and of a model learned from the older
    cases, both measured on the newest quarter of the closed cases."""
    rt = runtime()
    for line in report_lines(evaluate_risk(uow=rt.uow(), now=rt.clock())):
        click.echo(line)


def report_lines(evaluation: RiskEvaluation) -> list[str]:
    if not evaluation.cases:
        return ["no closed case with a known ending yet: nothing to measure"]
    since = f" (opened from {evaluation.tested_from:%Y-%m-%d})" if evaluation.tested_from else ""
    lines = [
        f"{evaluation.cases} closed cases with a known ending, {evaluation.bad_share:.0%} ended badly",
        f"learned from the {evaluation.trained_on} oldest, tested on the {evaluation.tested_on} newest{since}",
    ]
    for scored in (evaluation.rule, evaluation.learned):
        lines.extend(_scored_lines(scored))
    if evaluation.learned is None:
        lines.append("learned model: too little to learn from (the oldest cases all ended alike)")
    return lines


def _scored_lines(scored: Scored | None) -> list[str]:
    if scored is None:
        return []
    figure = "n/a (the held-out cases all ended alike)" if scored.auc is None else f"{scored.auc:.3f}"
    lines = [f"{scored.model}: AUC {figure}", "  scores     cases  mean predicted  observed"]
    lines += [
        f"  {b.low:.1f}-{b.high:.1f}  {b.count:>7}  {b.predicted:>14.2f}  {b.observed:>8.2f}"
        for b in scored.calibration
    ]
    return lines
