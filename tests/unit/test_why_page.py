"""The Why page's figures over October and November 2026 of tests/support/review_rows.py, worked by hand:
30 responses, 11 detractors; billing named by 7 detractors (2 + 5), wait_time by 4 (1 + 3), delivery by 1."""

from datetime import date

import pytest

from npsloop.domain.access import AccessDenied, Principal, Role
from npsloop.services.report_scope import ReportError
from npsloop.services.why_page import why_figures
from tests.support.review_rows import seeded_runtime


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    with seeded_runtime(tmp_path_factory.mktemp("why")) as rt:
        yield rt


def figures(rt, first=date(2026, 10, 1), last=date(2026, 11, 30), **extra):
    return why_figures(uow=rt.uow(), first=first, last=last, default_zone="UTC", **extra)


def test_the_pareto_of_themes_over_the_range(seeded):
    found = figures(seeded)
    assert found.months == ["2026-10", "2026-11"] and (found.responses, found.detractors) == (30, 11)
    assert [(row.theme, row.detractors) for row in found.standings] == [
        ("billing", 7),
        ("wait_time", 4),
        ("delivery", 1),
    ]
    assert found.standings[0].points_at_stake == pytest.approx(100 * 7 / 30)


def test_nps_by_theme_counts_every_response_naming_it_either_way(seeded):
    by_theme = {theme: summary for theme, summary in figures(seeded).theme_nps}
    # billing: 7 detractors and the promoter who complained about it: 100 * (1 - 7) / 8 = -75
    assert (by_theme["billing"].promoters, by_theme["billing"].detractors, by_theme["billing"].score) == (1, 7, -75.0)
    # product_quality is only praised, but by two detractors: -100
    assert by_theme["product_quality"].score == -100.0
    assert [theme for theme, _ in figures(seeded).theme_nps][-1] == "billing"  # the lowest NPS first


def test_each_top_themes_share_of_detractors_by_month(seeded):
    trends = dict(figures(seeded).trends)
    assert [round(v, 1) for v in trends["billing"]] == [66.7, 62.5]
    assert [round(v, 1) for v in trends["wait_time"]] == [33.3, 37.5]
    assert trends["delivery"] == [0.0, 12.5]
    assert dict(figures(seeded, last=date(2026, 12, 31)).trends)["billing"][-1] is None  # December: no detractors


def test_the_why_page_is_for_report_readers_and_a_bounded_range(seeded):
    with pytest.raises(AccessDenied):
        figures(seeded, viewer=Principal(name="marta", role=Role.AGENT))
    with pytest.raises(ReportError):
        figures(seeded, first=date(2020, 1, 1))
