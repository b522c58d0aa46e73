"""Metrics count what happened, and several processes' counts add up in one scrape."""

import os
import subprocess
import sys
import textwrap

from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from npsloop import metrics
from npsloop.api.app import create_app
from npsloop.store.database import make_engine
from tests.conftest import drain, ingest, seed_team


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def value(scraped, name, **labels):
    return scraped.get((name, tuple(sorted(labels.items()))), 0.0)


def test_the_pipeline_is_counted_and_served_on_metrics(runtime):
    seed_team(runtime)
    (runtime.settings.broker_folder / "queue").mkdir(parents=True)
    (runtime.settings.broker_folder / "queue" / f"1_x.{runtime.settings.queue}.msg").write_text("{}")
    with TestClient(create_app(runtime)) as client:
        before = samples(client.get("/metrics").text)
        ingest(runtime, score=2)
        ingest(runtime, score=10, survey_type="relational")
        drain(runtime)
        answer = client.get("/metrics")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/plain")
    after = samples(answer.text)

    def grew(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    assert grew("npsloop_responses_received_total", integration="shop", outcome="accepted") == 2
    assert grew("npsloop_responses_processed_total", category="detractor", survey_type="transactional") == 1
    assert grew("npsloop_responses_processed_total", category="promoter", survey_type="relational") == 1
    assert grew("npsloop_cases_opened_total", team="Logistics") == 1
    assert grew("npsloop_notifications_total", channel="sms", outcome="sent") == 1
    assert grew("npsloop_notifications_total", channel="email", outcome="sent") == 2
    assert grew("npsloop_detractor_alert_seconds_count", channel="email") == 2
    assert value(after, "npsloop_queue_depth") == 1


def test_counts_from_several_processes_add_up_in_one_scrape(tmp_path):
    child = textwrap.dedent(
        """
        import sys
        from pathlib import Path
        from npsloop import metrics
        metrics.configure(None, default=Path(sys.argv[1]))
        metrics.CASES_OPENED.labels("Logistics").inc(int(sys.argv[2]))
        """
    )
    env = {k: v for k, v in os.environ.items() if k != metrics.MULTIPROC_ENV}
    for count in ("3", "4"):
        subprocess.run([sys.executable, "-c", child, str(tmp_path), count], env=env, check=True)
    reader = textwrap.dedent(
        """
        import sys
        from pathlib import Path
        from npsloop import metrics
        metrics.configure(None, default=Path(sys.argv[1]))
        sys.stdout.write(metrics.exposition().decode())
        """
    )
    text = subprocess.run(
        [sys.executable, "-c", reader, str(tmp_path)], env=env, check=True, capture_output=True, text=True
    ).stdout
    assert value(samples(text), "npsloop_cases_opened_total", team="Logistics") == 7


def test_readiness_names_what_is_down(runtime):
    with TestClient(create_app(runtime)) as client:
        missing = client.get("/readyz")
        assert missing.status_code == 503
        assert missing.json()["database"] == "ok" and "not writable" in missing.json()["broker"]
        (runtime.settings.broker_folder / "queue").mkdir(parents=True)
        assert client.get("/readyz").json() == {"status": "ready", "database": "ok", "broker": "ok"}
        working, runtime.engine = runtime.engine, make_engine("postgresql://nobody@127.0.0.1:1/none")
        try:
            down = client.get("/readyz")
            alive = client.get("/healthz")
        finally:
            runtime.engine.dispose()
            runtime.engine = working
    assert down.status_code == 503 and down.json()["database"] == "OperationalError"
    assert alive.json() == {"status": "ok"}  # alive says nothing of the database
