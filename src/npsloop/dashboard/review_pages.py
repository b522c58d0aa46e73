"""What the Review and Why pages are given: the charts drawn in the page's language. Kept free of FastAPI,
like pages.py, so they can be rendered and checked without a server."""

from __future__ import annotations

from markupsafe import Markup

from npsloop.dashboard import theme_charts
from npsloop.domain import why
from npsloop.services.why_page import WhyFigures


def why_charts(found: WhyFigures, lang: str, words: dict[str, str]) -> dict[str, Markup]:
    """The theme Pareto, NPS by theme and the trends of the top themes, as inline SVG."""
    bars = [
        theme_charts.ParetoBar(found.name(row.theme, lang), row.detractors, cumulative)
        for row, cumulative in why.pareto(found.standings)
    ]
    nps_rows = [(found.name(theme, lang), summary.score, summary.total) for theme, summary in found.theme_nps]
    trends = [(found.name(theme, lang), values) for theme, values in found.trends]
    # Built from escaped parts in theme_charts.py, so safe to embed as markup.
    return {
        "pareto_svg": Markup(theme_charts.pareto(bars, words["theme_pareto"], words["detractors"])),  # noqa: S704
        "nps_svg": Markup(theme_charts.nps_by_theme(nps_rows, words["nps_by_theme"])),  # noqa: S704
        "trends_svg": Markup(theme_charts.theme_trends(found.months, trends, words["theme_trends"])),  # noqa: S704
    }
