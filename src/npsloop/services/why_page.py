"""The Why page: over a range of months, the Pareto of themes among detractors (with their NPS points at
stake), the NPS of the responses naming each theme, and each top theme's share of detractors by month."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from npsloop.domain import why
from npsloop.domain.access import Permission, Principal
from npsloop.domain.periods import Period, buckets
from npsloop.domain.scores import NpsSummary
from npsloop.domain.themes import Localized
from npsloop.services.records import ResponseFilter
from npsloop.services.report_scope import ReportError, check_range
from npsloop.services.review import EMPTY, theme_names
from npsloop.services.unit_of_work import UnitOfWork

WHY_MONTHS = 36  # at most, so a page is a few dozen counts whatever it is asked


@dataclass(frozen=True)
class WhyFigures:
    """Why customers were unhappy over a range of months: the Pareto of themes among detractors, the NPS of
    the responses naming each theme, and each top theme's share of detractors month by month."""

    months: list[str]
    responses: int
    detractors: int
    standings: list[why.ThemeStanding]  # every theme named by a detractor, most named first
    theme_nps: list[tuple[str, NpsSummary]]  # every theme named in a comment, lowest NPS first
    trends: list[tuple[str, list[float | None]]]  # the top themes' share of detractors per month
    themes: dict[str, Localized]

    def name(self, theme: str, language: str) -> str:
        found = self.themes.get(theme)
        return found.in_language(language) if found else theme


def why_figures(
    *, uow: UnitOfWork, first: date, last: date, default_zone: str, viewer: Principal | None = None, top: int = 5
) -> WhyFigures:
    """The months from `first` to `last` (any day of each), counted in the company's report zone."""
    if viewer is not None:
        viewer.require(Permission.READ_REPORTS)
    check_range(first, last)
    zone = ZoneInfo(default_zone)
    months = buckets(first, last, Period.MONTH, zone)
    if len(months) > WHY_MONTHS:
        raise ReportError(f"the Why page shows at most {WHY_MONTHS} months", field="from")
    edges = [bucket.start for bucket in months] + [months[-1].end]
    with uow:
        queries = uow.review
        per_month = uow.reports.nps_counts(edges, ResponseFilter(), None)
        counts = queries.detractor_themes(edges, ResponseFilter())
        by_theme = queries.theme_nps(edges[0], edges[-1], ResponseFilter())
        names = theme_names(uow)
    whole = sum((found for (index, _), found in per_month.items() if index >= 0), EMPTY)
    totals: dict[str, int] = {}
    for (index, theme), n in counts.items():
        if index >= 0:
            totals[theme] = totals.get(theme, 0) + n
    standings = why.standings(totals, detractors=whole.detractors, responses=whole.total)
    trends = [
        (
            row.theme,
            [
                why.share(counts.get((i, row.theme), 0), per_month.get((i, None), EMPTY).detractors)
                for i in range(len(months))
            ],
        )
        for row in standings[:top]
    ]
    theme_nps = sorted(by_theme.items(), key=lambda item: (item[1].score or 0.0, item[0]))
    return WhyFigures(
        months=[bucket.label for bucket in months],
        responses=whole.total,
        detractors=whole.detractors,
        standings=standings,
        theme_nps=theme_nps,
        trends=trends,
        themes=names,
    )
