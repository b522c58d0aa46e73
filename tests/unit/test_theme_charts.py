"""The Why page's SVG charts: every value is printed as well as drawn, and every name is escaped."""

from npsloop.dashboard.theme_charts import ParetoBar, nps_by_theme, pareto, theme_trends

EVIL = "<script>alert(1)</script>"


def test_the_pareto_draws_a_bar_per_theme_and_the_running_share():
    svg = pareto([ParetoBar("Billing", 6, 60.0), ParetoBar(EVIL, 4, 100.0)], "Pareto", "detractors")
    assert svg.count('class="bar"') == 2 and 'class="cumulative"' in svg
    assert "Billing: 6 detractors, 60%" in svg and "100%" in svg
    assert EVIL not in svg and "&lt;script&gt;" in svg


def test_nps_by_theme_bars_run_from_zero_either_way():
    svg = nps_by_theme([("Billing", -75.0, 8), ("Staff", 50.0, 4), ("Price", None, 0)], "NPS by theme")
    assert svg.count('class="bar"') == 2  # a theme without responses has no bar
    assert 'fill="#cf222e"' in svg and 'fill="#1a7f37"' in svg
    assert "Billing: -75.0 (n=8); Staff: +50.0 (n=4); Price: — (n=0)" in svg
    assert 'viewBox="0 0 640 126"' in svg  # 24 + 3 rows of 26 + 24: as tall as its rows


def test_trends_leave_a_gap_for_a_month_without_detractors():
    svg = theme_trends(["2026-10", "2026-11", "2026-12"], [(EVIL, [50.0, 25.0, None])], "Trends")
    assert svg.count('class="trend"') == 1 and svg.count("<circle") == 2
    assert "2026-12 —" in svg and EVIL not in svg
