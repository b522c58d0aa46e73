"""`npsloop report` and the exports on the command line."""

import csv
import io
import json

import sqlalchemy as sa

from npsloop.domain.responses import Response
from npsloop.services import directory
from tests.conftest import FakeDispatcher, drain, ingest
from tests.unit.test_cli import cli  # noqa: F401  (the fixture)


def _seed():
    from npsloop.bootstrap import get_runtime

    rt = get_runtime()
    directory.add_team(uow=rt.uow(), name="Logistics", touchpoints=["delivery"], is_default=True)
    directory.add_agent(uow=rt.uow(), name="Marta", team="Logistics", phone=None, email="m@x.es")
    rt.dispatcher = FakeDispatcher()  # drained below, as a worker would
    for score, when in [(10, "2026-01-10"), (9, "2026-01-11"), (2, "2026-02-10")]:
        ingest(rt, score=score, responded_at=f"{when}T12:00:00+00:00")
    drain(rt)
    return rt


def test_nps_report_in_a_table_and_as_json(cli):  # noqa: F811
    _seed()
    cli("report", "target", "set", "--year", "2026", "--nps", "20")
    table = cli("report", "nps", "--from", "2026-01-01", "--to", "2026-02-28")
    assert "2026-01" in table and "+100.0" in table and "(under 30: unreliable)" in table
    assert "target 2026: +20.0" in table
    found = json.loads(cli("report", "nps", "--from", "2026-01-01", "--to", "2026-02-28", "--json"))
    assert [p["nps"] for p in found["series"][0]["periods"]] == [100.0, -100.0]
    assert found["series"][0]["periods"][1]["change"] == -200.0
    by_type = json.loads(
        cli("report", "nps", "--from", "2026-01-01", "--to", "2026-02-28", "--by", "touchpoint", "--json")
    )
    assert [s["group"] for s in by_type["series"]] == ["delivery"]
    assert "group_by must be" in cli("report", "nps", "--by", "colour", ok=False)
    assert "(company)" in cli("report", "target", "list")


def test_loop_report_and_exports(cli, tmp_path):  # noqa: F811
    _seed()
    found = json.loads(cli("report", "loop", "--from", "2020-01-01", "--to", "2030-12-31", "--json"))
    assert found["overall"]["opened"] == 1 and found["backlog"]["open"] == 1
    assert "cases opened" in cli("report", "loop")
    out = tmp_path / "cases.csv"
    cli("cases", "export", "--format", "csv", "-o", str(out))
    (row,) = list(csv.DictReader(io.StringIO(out.read_text())))
    assert row["score"] == "2" and row["team"] == "Logistics"
    responses = json.loads(cli("responses", "export", "--format", "json", "--from", "2026-01-01", "--to", "2026-02-01"))
    assert [r["score"] for r in responses] == [10, 9]
    assert "no team named" in cli("cases", "export", "--team", "Nope", ok=False)


def test_nps_report_by_many_groups_shows_the_top_and_says_what_it_summed(cli):  # noqa: F811
    rt = _seed()
    for index in range(3):
        ingest(rt, score=7, responded_at="2026-01-20T12:00:00+00:00", attributes={"order": f"o-{index}"})
    drain(rt)
    span = ("--from", "2026-01-01", "--to", "2026-02-28", "--by", "attribute:order")
    table = cli("report", "nps", *span, "--top", "2")
    assert "== (other)" in table and "2 of 4 groups shown; 2 summed in (other)" in table
    rt.settings.report_max_cells = 100
    assert "choose a longer period" in cli("report", "nps", *span, "--period", "day", ok=False)


def test_the_monthly_review_in_a_table_and_as_json(cli):  # noqa: F811
    from npsloop.bootstrap import get_runtime
    from tests.support.review_rows import seed_two_months

    rt = get_runtime()
    rt.dispatcher = FakeDispatcher()
    seed_two_months(rt)
    table = cli("report", "review", "--month", "2026-11", "--lang", "es")
    assert "monthly review 2026-11" in table and "Facturación" in table and "+25.0 points" in table
    assert "reasons agents recorded at closure: Facturación 2, Espera 1" in table and "refund 2" in table
    assert "Ana" not in table and "600" not in table and "Soy [name] [name], me cobraron dos veces" in table
    found = json.loads(cli("report", "review", "--month", "2026-11", "--json"))
    assert [t["theme"] for t in found["top_themes"]] == ["billing", "wait_time", "delivery"]
    assert found["movers"][0]["theme"] == "delivery"
    assert "YYYY-MM" in cli("report", "review", "--month", "11/2026", ok=False)


def test_nps_by_theme_says_that_a_response_counts_in_each_of_its_themes(cli):  # noqa: F811
    _seed()
    table = cli("report", "nps", "--from", "2026-01-01", "--to", "2026-02-28", "--by", "theme")
    assert "a response counts in every theme its comment names" in table
    found = json.loads(cli("report", "nps", "--from", "2026-01-01", "--to", "2026-02-28", "--by", "theme", "--json"))
    assert found["group_by"] == "theme" and found["overlapping"] is True
    assert sum(s["total"]["responses"] for s in found["series"]) >= 3  # every answer is in a theme or "(none)"


def test_cases_are_listed_and_exported_by_theme(cli, tmp_path):  # noqa: F811
    from npsloop.domain.theme_tags import Polarity, ThemeTag

    rt = _seed()
    with rt.uow() as uow:
        [detractor] = [r for r in uow.session.scalars(sa.select(Response)) if r.case_id is not None]
        uow.tags.replace(detractor.id, [ThemeTag("billing", Polarity.NEGATIVE, 0.9)])
        uow.commit()
    [found] = json.loads(cli("cases", "list", "--theme", "billing", "--json"))
    assert found["themes"] == [{"theme": "billing", "polarity": "negative", "confidence": 0.9}]
    assert json.loads(cli("cases", "list", "--theme", "price", "--json")) == []
    out = tmp_path / "billing.csv"
    cli("cases", "export", "--theme", "billing", "-o", str(out))
    (row,) = list(csv.DictReader(io.StringIO(out.read_text())))
    assert row["negative_themes"] == "billing"
    assert "no theme 'biling'" in cli("cases", "list", "--theme", "biling", ok=False)
    assert "no theme 'biling'" in cli("cases", "export", "--theme", "biling", ok=False)
