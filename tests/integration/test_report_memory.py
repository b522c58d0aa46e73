"""The report attack of issue 13 against the serving process: `group_by=attribute:order` with 1,000 distinct
values, day by day over 999 days, answered 241 MB and grew the API to 1.28 GB. Measured as `npsloop serve`'s
own peak RSS, in a process of its own, the refused request and the largest allowed one cost a small bound."""

from __future__ import annotations

from datetime import date

import httpx
import sqlalchemy as sa

from tests.conftest import TOKEN
from tests.support.api_process import embedded_api, migrated, peak_rss_kb
from tests.support.report_rows import many_groups

PEAK_GROWTH_BOUND_KB = 100 * 1024  # the old code grew by over 1,100 MB


def test_a_report_of_a_thousand_groups_by_day_costs_the_api_a_bounded_peak(tmp_path):
    first, last = date(2024, 3, 8), date(2026, 12, 1)
    engine = sa.create_engine(migrated(tmp_path))
    many_groups(engine, values=1000, days=(last - first).days + 1, first=first)
    engine.dispose()
    auth = {"Authorization": f"Bearer {TOKEN}"}
    url = f"/v1/reports/nps?period=day&from={first}&to={last}&group_by=attribute:order"
    with embedded_api(tmp_path) as (pid, port), httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=120) as api:
        assert api.get("/v1/reports/nps?period=month", headers=auth).status_code == 200  # warm the route up
        before = peak_rss_kb(pid)
        refused = api.get(url, headers=auth)
        largest = api.get(url + "&top=9", headers=auth)  # 10 series x 999 days: just under the figures limit
        growth = peak_rss_kb(pid) - before
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "period"
    assert largest.status_code == 200 and largest.json()["truncated"]["in_other"] == 991
    assert growth < PEAK_GROWTH_BOUND_KB, f"peak RSS grew by {growth // 1024} MB"
