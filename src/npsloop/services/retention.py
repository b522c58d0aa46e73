"""Retention (NPSLOOP_RETENTION_DAYS): each night, responses and closed cases older than the retention period
lose their customer's personal data, by the same erasure as a request (services.erasure.anonymise), a batch
per transaction so no lock is held for long. A case's responses wait for their case: an agent working an open
case still needs the customer's phone, however old the answer."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from npsloop.domain.erasure import ERASED
from npsloop.services.erasure import QUARANTINE_PAGE, Trace, anonymise
from npsloop.services.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)
ACTOR = "retention"


@dataclass(frozen=True)
class RetentionReport:
    cutoff: datetime
    dry_run: bool
    cases: int = 0
    case_responses: int = 0
    responses: int = 0
    quarantined: int = 0
    batches: int = 0
    elsewhere: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "cutoff": self.cutoff.isoformat(),
            "dry_run": self.dry_run,
            "cases": self.cases,
            "case_responses": self.case_responses,
            "responses": self.responses,
            "quarantined": self.quarantined,
            "batches": self.batches,
            **self.elsewhere,
        }


class RetentionOff(Exception):
    """NPSLOOP_RETENTION_DAYS is 0: nothing expires."""


def run_retention(
    *,
    uow: UnitOfWork,
    now: datetime,
    days: int,
    batch: int,
    traces: Sequence[Trace] = (),
    keep_attributes: frozenset[str] = frozenset(),
    dry_run: bool = False,
) -> RetentionReport:
    if days <= 0:
        raise RetentionOff("retention is off: set NPSLOOP_RETENTION_DAYS to a number of days")
    cutoff = now - timedelta(days=days)
    if dry_run:
        with uow:
            counts = uow.customers.retention_counts(cutoff)
        elsewhere = {trace.name: trace.count_before(cutoff) for trace in traces}
        return RetentionReport(cutoff, True, **counts, elsewhere=elsewhere)
    cases = case_responses = responses = quarantined = batches = 0
    while True:
        with uow:
            found = uow.customers.closed_cases_before(cutoff, batch)
            held = uow.customers.responses_of_cases([case.id for case in found if case.id is not None])
            anonymise(uow, held, found, actor=ACTOR, reason=ACTOR, now=now, keep_attributes=keep_attributes)
            uow.commit()
        cases, case_responses, batches = cases + len(found), case_responses + len(held), batches + bool(found)
        if len(found) < batch:
            break
    while True:
        with uow:
            loose = uow.customers.loose_responses_before(cutoff, batch)
            anonymise(uow, loose, [], actor=ACTOR, reason=ACTOR, now=now, keep_attributes=keep_attributes)
            uow.commit()
        responses, batches = responses + len(loose), batches + bool(loose)
        if len(loose) < batch:
            break
    quarantined = _expire_quarantine(uow, cutoff, min(batch, QUARANTINE_PAGE))
    with uow:
        uow.customers.drop_old_page_versions()
    elsewhere = {trace.name: trace.forget_before(cutoff) for trace in traces}
    report = RetentionReport(cutoff, False, cases, case_responses, responses, quarantined, batches, elsewhere=elsewhere)
    log.info("retention run", extra=report.as_dict())
    return report


def _expire_quarantine(uow: UnitOfWork, cutoff: datetime, batch: int) -> int:
    """Messages held for an operator longer than retention lose their body and error text (the row stays, so
    the count of what failed does too)."""
    done = 0
    while True:
        with uow:
            page = uow.customers.quarantine_page(0, batch, before=cutoff)
            for held in page:
                uow.customers.rewrite_quarantined(held.id, payload=ERASED, error=ERASED)
            uow.commit()
        done += len(page)
        if len(page) < batch:
            return done
