"""Figures a supervisor reads. Computed from stored responses, never from counters that could drift."""

from __future__ import annotations

from npsloop.domain.scores import NpsSummary, classify, summarize
from npsloop.store.uow import UnitOfWork


def nps_of_all(*, uow: UnitOfWork) -> NpsSummary:
    with uow:
        return summarize(classify(score) for score in uow.responses.scores())
