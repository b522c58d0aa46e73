"""Retention: what is older than NPSLOOP_RETENTION_DAYS loses its personal data, by the erasure's own code, a
batch per transaction; a dry run only counts; open and recent cases keep everything; reports do not move."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from celery.schedules import crontab

from npsloop.domain.cases import Action, Outcome
from npsloop.domain.responses import Response
from npsloop.services.casework import act_on_case
from npsloop.services.deadletters import quarantine_task
from npsloop.services.retention import RetentionOff, run_retention
from npsloop.settings import Settings
from npsloop.store.customer_repository import CustomerRepository
from npsloop.worker.app import celery_config
from tests.conftest import at, drain, ingest, seed_team
from tests.unit.test_erasure import reports

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
OLD = datetime(2025, 1, 10, 10, 0, tzinfo=UTC)  # far beyond a year
RECENT = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)


def detractor(rt, customer_id, moment, *, close):
    at(rt, moment)
    ingest(rt, customer={"id": customer_id, "name": f"Name of {customer_id}"}, responded_at=moment.isoformat())
    drain(rt)
    if close:
        with rt.uow() as uow:
            (response,) = uow.customers.responses_of(customer_id, None)
        act_on_case(
            uow=rt.uow(),
            case_id=response.case_id,
            action=Action.CLOSE,
            actor="Marta",
            now=moment + timedelta(hours=1),
            outcome=Outcome.RESOLVED,
            note=f"spoke to Name of {customer_id}",
        )


def promoter(rt, customer_id, moment):
    at(rt, moment)
    ingest(
        rt, score=10, customer={"id": customer_id, "name": f"Name of {customer_id}"}, responded_at=moment.isoformat()
    )
    drain(rt)


def names(rt):
    with rt.uow() as uow:
        return {r.customer_id: r.customer_name for r in uow.session.scalars(sa.select(Response))}


@pytest.fixture
def history(runtime):
    seed_team(runtime)
    for customer in ("old-1", "old-2", "old-3"):
        detractor(runtime, customer, OLD, close=True)
    detractor(runtime, "old-but-open", OLD, close=False)
    detractor(runtime, "recently-closed", RECENT, close=True)
    promoter(runtime, "old-promoter-1", OLD)
    promoter(runtime, "old-promoter-2", OLD)
    promoter(runtime, "recent-promoter", RECENT)
    quarantine_task(uow=runtime.uow(), task="x", payload='{"name": "Name of old-1"}', error="e", attempts=1, now=OLD)
    quarantine_task(uow=runtime.uow(), task="x", payload="[7]", error="e", attempts=1, now=RECENT)
    at(runtime, NOW)
    return runtime


def test_a_dry_run_counts_what_is_older_and_changes_nothing(history):
    before = names(history)
    report = run_retention(uow=history.uow(), now=NOW, days=365, batch=2, dry_run=True)
    assert (report.cases, report.case_responses, report.responses, report.quarantined) == (3, 3, 2, 1)
    assert report.dry_run and names(history) == before


def test_a_run_erases_only_what_is_older_in_bounded_batches_and_reports_keep_their_figures(history, monkeypatch):
    figures = reports(history)
    seen = []
    closed_cases_before = CustomerRepository.closed_cases_before

    def spy(self, cutoff, limit):
        found = closed_cases_before(self, cutoff, limit)
        seen.append((limit, len(found)))
        return found

    monkeypatch.setattr(CustomerRepository, "closed_cases_before", spy)
    report = run_retention(uow=history.uow(), now=NOW, days=365, batch=2)

    assert seen == [(2, 2), (2, 1)]  # never more than a batch in one transaction
    assert (report.cases, report.case_responses, report.responses, report.quarantined) == (3, 3, 2, 1)
    left = names(history)
    assert sorted(k for k in left if not k.startswith("erased:")) == [
        "old-but-open",  # an agent may still need to call
        "recent-promoter",
        "recently-closed",
    ]
    assert all(name is None for key, name in left.items() if key.startswith("erased:"))
    assert reports(history) == figures
    again = run_retention(uow=history.uow(), now=NOW, days=365, batch=2, dry_run=True)
    assert (again.cases, again.case_responses, again.responses, again.quarantined) == (0, 0, 0, 0)


def test_the_outbox_loses_files_older_than_the_cutoff(history):
    folder = history.settings.resolved_outbox_dir
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "n1.sms.txt").write_text("old alert")
    (folder / "n9.sms.txt").write_text("new alert")
    os.utime(folder / "n1.sms.txt", (OLD.timestamp(), OLD.timestamp()))
    traces = [t for t in history.traces() if t.name == "outbox"]
    assert run_retention(uow=history.uow(), now=NOW, days=365, batch=50, traces=traces, dry_run=True).elsewhere == {
        "outbox": 1
    }
    assert run_retention(uow=history.uow(), now=NOW, days=365, batch=50, traces=traces).elsewhere == {"outbox": 1}
    assert [p.name for p in folder.iterdir()] == ["n9.sms.txt"]


def test_retention_is_off_unless_set_and_then_runs_nightly(runtime, tmp_path):
    with pytest.raises(RetentionOff):
        runtime.retention(dry_run=True)
    assert "retention" not in celery_config(Settings(data_dir=tmp_path))["beat_schedule"]
    nightly = celery_config(Settings(data_dir=tmp_path, retention_days=400))["beat_schedule"]["retention"]
    assert nightly["task"] == "npsloop.retention" and nightly["schedule"] == crontab(hour=3, minute=17)


def test_the_nightly_task_runs_the_retention_of_its_process(history, monkeypatch):
    from npsloop.worker.tasks import retention_task

    monkeypatch.setattr("npsloop.worker.tasks.get_runtime", lambda: history)
    history.settings.retention_days = 365
    done = retention_task()
    assert (done["dry_run"], done["cases"], done["responses"]) == (False, 3, 2)
