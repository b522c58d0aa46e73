"""`npsloop insight train-risk|evaluate-risk` on a SQLite database."""

from __future__ import annotations

from tests.unit.test_cli import cli  # noqa: F401  (the fixture)
from tests.unit.test_risk_service import seed_history


def test_with_no_history_there_is_nothing_to_measure_or_learn(cli):  # noqa: F811
    assert "no closed case with a known ending yet" in cli("insight", "evaluate-risk")
    assert "0 closed cases with a known ending; a learned model needs 200" in cli("insight", "train-risk", ok=False)


def test_training_prints_the_held_out_figures_and_switches_to_a_better_model(cli):  # noqa: F811
    from npsloop.bootstrap import get_runtime

    seed_history(get_runtime(), 240, seed=3)
    evaluated = cli("insight", "evaluate-risk")
    assert "240 closed cases with a known ending" in evaluated
    assert "learned from the 180 oldest, tested on the 60 newest" in evaluated
    assert "rules: AUC 0." in evaluated and "logistic: AUC 0." in evaluated
    assert "scores     cases  mean predicted  observed" in evaluated
    trained = cli("insight", "train-risk")
    assert "logistic-1 is now in force" in trained
