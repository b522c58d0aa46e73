"""Prometheus metrics, safe across processes.

API processes and Celery's prefork children each count in their own memory. For the `npsloop` command's
processes, prometheus_client's multiprocess mode has every process write its samples to files in one
folder (NPSLOOP_METRICS_DIR), and a scrape sums them. `configure` must run before the first sample in a
process (every metric has labels, so no value exists before then); code run without the command (tests,
an embedding application) counts in its own memory. The queue depth is read from the broker at scrape
time, never counted.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    start_http_server,
    values,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import REGISTRY, Collector

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
CONTENT_TYPE = CONTENT_TYPE_LATEST
# Detractor to provider-accepted: the product's promise is minutes, the aim under a second.
LATENCY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 900, 3600, 14400)

RESPONSES_RECEIVED = Counter(
    "npsloop_responses_received", "Responses answered by the ingest API", ["integration", "outcome"]
)
RESPONSES_PROCESSED = Counter(
    "npsloop_responses_processed", "Responses classified by the workers", ["category", "survey_type"]
)
CASES_OPENED = Counter("npsloop_cases_opened", "Follow-up cases opened", ["team"])
NOTIFICATIONS = Counter("npsloop_notifications", "Notification attempts by outcome", ["channel", "outcome"])
ALERT_LATENCY = Histogram(
    "npsloop_detractor_alert_seconds",
    "From a detractor's response reaching the API to each alert of its new case accepted by the provider",
    ["channel"],
    buckets=LATENCY_BUCKETS,
)
RECONCILED = Counter("npsloop_reconciler_stuck", "Stuck items the reconciler found and handed back", ["kind"])
SLA_BREACHES = Counter("npsloop_sla_breaches", "Case deadlines passed unmet, each counted once", ["step", "team"])
ESCALATIONS = Counter("npsloop_escalations", "Escalation steps and reminders fired", ["kind", "team"])
INTEGRATION_EVENTS = Counter(
    "npsloop_integration_events", "Survey-tool webhooks by kind and what became of them", ["kind", "outcome"]
)
INTAKE_ENTRIES = Counter("npsloop_intake_entries", "Redis stream intake entries by outcome", ["outcome"])
OUTBOUND_DELIVERIES = Counter(
    "npsloop_outbound_deliveries",
    "Case events sent to Slack and outbound webhooks, by attempt outcome",
    ["kind", "outcome"],
)


def configure(directory: Path | None, *, default: Path) -> None:
    """Multiprocess mode, in NPSLOOP_METRICS_DIR if set, else where PROMETHEUS_MULTIPROC_DIR already points,
    else in `default`. Called by the `npsloop` command before it starts or forks anything."""
    chosen = directory or Path(os.environ.get(MULTIPROC_ENV) or default)
    chosen.mkdir(parents=True, exist_ok=True)
    os.environ[MULTIPROC_ENV] = str(chosen)
    values.ValueClass = values.get_value_class()


class QueueDepth(Collector):
    def __init__(self, read: Callable[[], int | None]) -> None:
        self.read = read

    def collect(self) -> Iterator[Metric]:
        depth = self.read()
        if depth is not None:
            yield GaugeMetricFamily("npsloop_queue_depth", "Tasks waiting in the broker's queue", value=depth)


def scrape_registry(queue_depth: Callable[[], int | None] | None = None) -> CollectorRegistry:
    """What a scrape reads: every process's samples in multiprocess mode, this process's otherwise, and the
    broker's queue depth when a reader is given."""
    registry = CollectorRegistry()
    if MULTIPROC_ENV in os.environ:
        MultiProcessCollector(registry)
    else:
        registry.register(_Default())
    if queue_depth is not None:
        registry.register(QueueDepth(queue_depth))
    return registry


class _Default(Collector):
    """The default registry's samples, re-offered through a registry of our own."""

    def collect(self) -> Iterator[Metric]:
        yield from REGISTRY.collect()


def exposition(queue_depth: Callable[[], int | None] | None = None) -> bytes:
    return generate_latest(scrape_registry(queue_depth))


def serve(port: int, queue_depth: Callable[[], int | None]) -> None:
    """A /metrics endpoint of its own, in a daemon thread: for worker processes, which have no HTTP server."""
    start_http_server(port, registry=scrape_registry(queue_depth))
