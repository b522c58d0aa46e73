"""The recovery follow-ups on the dashboard's reports and review pages, in English and Spanish, with a team name
that carries markup (the figures of tests/unit/test_recovery_report.py's docstring)."""

import re
from datetime import UTC, datetime

from tests.conftest import at, seed_team
from tests.support.recovery_rows import YES_PROMOTER, team_ids, write_followups
from tests.unit.test_dashboard import client_for
from tests.unit.test_recovery_report import seed_spring

MARKUP = '<b>Ops</b> & "co"'


def _seed(rt):
    seed_spring(rt)
    seed_team(rt, MARKUP, touchpoints=("web",), default=False, agents=())
    write_followups(rt.engine, team_ids(rt.engine)[MARKUP], datetime(2026, 4, 20, 9, tzinfo=UTC), [YES_PROMOTER])
    at(rt, datetime(2026, 5, 10, 12, tzinfo=UTC))


def _row(page, label):
    """The cells of the recovery table's row that starts with `label`, tags stripped."""
    table = re.search(r'<table id="(?:review-)?recovery">(.*?)</table>', page, re.S).group(1)
    for row in re.findall(r"<tr>(.*?)</tr>", table, re.S):
        cells = [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        if cells and cells[0] == label:
            return cells
    raise AssertionError(f"no row {label!r}")


def test_the_reports_page_shows_recovery_per_month_and_team_in_english(runtime):
    _seed(runtime)
    page = client_for(runtime).get("/ui/reports?year=2026&lang=en").text
    assert "Recovery: did we solve it?" in page and "Detractors recovered" in page
    assert _row(page, "2026-01") == ["2026-01", "No follow-ups"]
    assert _row(page, "2026-03") == ["2026-03", "8", "7", "5 71.4%", "60.0% 3/5", "40.0% 2/5", "2 / 1 / 1", "50.0% 2/4"]
    assert _row(page, "2026-04")[1:4] == ["2", "2", "2 100.0%"]
    assert _row(page, "All teams")[1:5] == ["10", "9", "7 77.8%", "71.4% 5/7"]
    assert _row(page, "Team: South")[4:6] == ["0.0% 0/1", "100.0% 1/1"]
    assert "the yes answers of those that said yes or no" in page


def test_the_reports_page_in_spanish_escapes_a_team_name_with_markup(runtime):
    _seed(runtime)
    page = client_for(runtime).get("/ui/reports?year=2026&lang=es").text
    assert "Recuperación: ¿lo resolvimos?" in page and "Confirmaron la solución" in page
    assert _row(page, "2026-02") == ["2026-02", "Sin seguimientos"]
    assert "<b>Ops</b>" not in page
    assert "Equipo: &lt;b&gt;Ops&lt;/b&gt; &amp; &#34;co&#34;" in page
    assert _row(page, "Equipo: &lt;b&gt;Ops&lt;/b&gt; &amp; &#34;co&#34;")[1:3] == ["1", "1"]


def test_narrowed_to_one_team_the_reports_page_counts_that_teams_follow_ups_only(runtime):
    _seed(runtime)
    page = client_for(runtime).get("/ui/reports?year=2026&team=South").text
    assert _row(page, "South")[1:3] == ["2", "2"] and _row(page, "Team: South")[1:3] == ["2", "2"]
    assert "Team: North" not in page and "Ops" not in page.split('id="recovery"')[1].split("</table>")[0]


def test_the_review_page_shows_the_months_recovery_by_team_in_both_languages(runtime):
    _seed(runtime)
    client = client_for(runtime)
    english = client.get("/ui/review?month=2026-03&lang=en").text
    assert _row(english, "Company")[1:5] == ["8", "7", "5 71.4%", "60.0% 3/5"]
    assert _row(english, "North")[4:8] == ["75.0% 3/4", "25.0% 1/4", "1 / 1 / 1", "66.7% 2/3"]
    assert _row(english, "&lt;b&gt;Ops&lt;/b&gt; &amp; &#34;co&#34;") == [
        "&lt;b&gt;Ops&lt;/b&gt; &amp; &#34;co&#34;",
        "No follow-ups",
    ]
    assert "<b>Ops</b>" not in english
    spanish = client.get("/ui/review?month=2026-03&lang=es").text
    assert _row(spanish, "Empresa")[1:3] == ["8", "7"] and "Detractores recuperados" in spanish
