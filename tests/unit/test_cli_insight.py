"""`npsloop insight train-risk|evaluate-risk` on a SQLite database."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from npsloop.cli import main
from npsloop.settings import get_settings
from npsloop.store import migrate
from tests.unit.test_risk_service import seed_history


@pytest.fixture
def cli(tmp_path, monkeypatch):
    monkeypatch.setenv("NPSLOOP_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("NPSLOOP_CONSOLE_NOTIFICATIONS", "false")
    from npsloop.bootstrap import get_runtime

    get_settings.cache_clear()
    get_runtime.cache_clear()
    migrate.upgrade(get_settings().resolved_database_url)

    def run(*args: str, ok: bool = True) -> str:
        result = CliRunner().invoke(main, list(args), catch_exceptions=False)
        assert (result.exit_code == 0) is ok, result.output
        return result.output

    yield run
    get_runtime().engine.dispose()
    get_runtime.cache_clear()
    get_settings.cache_clear()


def test_with_no_history_there_is_nothing_to_measure_or_learn(cli):
    assert "no closed case with a known ending yet" in cli("insight", "evaluate-risk")
    assert "0 closed cases with a known ending; a learned model needs 200" in cli("insight", "train-risk", ok=False)


def test_training_prints_the_held_out_figures_and_switches_to_a_better_model(cli):
    from npsloop.bootstrap import get_runtime

    seed_history(get_runtime(), 240, seed=3)
    evaluated = cli("insight", "evaluate-risk")
    assert "240 closed cases with a known ending" in evaluated
    assert "learned from the 180 oldest, tested on the 60 newest" in evaluated
    assert "rules: AUC 0." in evaluated and "logistic: AUC 0." in evaluated
    assert "scores     cases  mean predicted  observed" in evaluated
    trained = cli("insight", "train-risk")
    assert "logistic-1 is now in force" in trained
