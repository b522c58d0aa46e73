"""Exports stream every matching row, page by page, in CSV a spreadsheet opens safely or in valid JSON."""

import csv
import io
import json

from fastapi.testclient import TestClient

from npsloop.api.app import create_app
from npsloop.services import exports
from npsloop.services.records import CaseFilter, ResponseFilter
from npsloop.store import export_queries
from tests.conftest import TOKEN, drain, ingest, seed_team

AUTH = {"Authorization": f"Bearer {TOKEN}"}


def test_every_row_arrives_across_page_boundaries(runtime, monkeypatch):
    monkeypatch.setattr(export_queries, "PAGE", 3)
    pages = []
    real = export_queries.ExportQueries.responses_page

    def counted(self, *args):
        found = real(self, *args)
        pages.append(len(found))
        return found

    monkeypatch.setattr(export_queries.ExportQueries, "responses_page", counted)
    seed_team(runtime)
    for n in range(8):
        ingest(runtime, score=n % 11)
    drain(runtime)
    rows = list(exports.response_rows(uow=runtime.uow(), where=ResponseFilter(), responded=(None, None)))
    assert [r["id"] for r in rows] == list(range(1, 9))
    assert pages == [3, 3, 2, 0]  # keyset pages, each in its own short transaction
    assert [r["category"] for r in rows[:8]] == ["detractor"] * 7 + ["passive"]
    cases = list(exports.case_rows(uow=runtime.uow(), where=CaseFilter()))
    assert len(cases) == 7 and all(c["team"] == "Logistics" for c in cases)


def test_csv_neutralises_formulas_but_keeps_phone_numbers(runtime):
    seed_team(runtime)
    ingest(runtime, comment='=HYPERLINK("http://evil")', customer={"id": "c1", "name": "@Ana", "phone": "+34600111222"})
    drain(runtime)
    with TestClient(create_app(runtime)) as client:
        answer = client.get("/v1/cases.csv", headers=AUTH)
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/csv")
    assert 'filename="cases.csv"' in answer.headers["content-disposition"]
    (row,) = list(csv.DictReader(io.StringIO(answer.text)))
    assert row["comment"] == '\'=HYPERLINK("http://evil")'
    assert row["customer_name"] == "'@Ana"
    assert row["customer_phone"] == "+34600111222"
    assert row["score"] == "3" and row["team"] == "Logistics" and row["status"] == "open"


def test_json_exports_are_valid_arrays_and_follow_the_filters(runtime):
    seed_team(runtime)
    ingest(runtime, score=10, survey_type="relational")
    ingest(runtime, score=2, survey_type="transactional")
    drain(runtime)
    with TestClient(create_app(runtime)) as client:
        everything = client.get("/v1/responses.json", headers=AUTH).json()
        relational = client.get("/v1/responses.json?survey_type=relational", headers=AUTH).json()
        none = client.get("/v1/cases.json?status=closed", headers=AUTH).json()
        bad = client.get("/v1/cases.xml", headers=AUTH)
        unknown_team = client.get("/v1/cases.csv?team=Nope", headers=AUTH)
    assert [r["score"] for r in everything] == [10, 2]
    assert [r["survey_type"] for r in relational] == ["relational"]
    assert none == []
    assert bad.status_code == 422
    assert unknown_team.status_code == 422 and unknown_team.json()["errors"][0]["field"] == "team"


def test_the_writers_emit_in_chunks():
    rows = iter({"id": n, "comment": f"c{n}"} for n in range(1200))
    chunks = list(exports.as_csv(rows, ("id", "comment"), chunk=500))
    assert len(chunks) == 3  # 500, 500 and the last 200
    assert "".join(chunks).count("\r\n") == 1201
    parts = list(exports.as_json(iter({"id": n} for n in range(3)), ("id",), chunk=2))
    assert json.loads("".join(parts)) == [{"id": 0}, {"id": 1}, {"id": 2}]
    assert json.loads("".join(exports.as_json(iter([]), ("id",)))) == []


def test_a_time_bound_with_no_utc_instant_is_a_422_not_a_500(runtime):
    with TestClient(create_app(runtime)) as client:
        for path in ("/v1/cases", "/v1/cases.csv", "/v1/responses.json"):
            bound = "responded_from" if "responses" in path else "opened_from"
            answer = client.get(path, params={bound: "0001-01-01T00:00:00+00:01"}, headers=AUTH)
            assert answer.status_code == 422, (path, answer.text)
            assert answer.json()["errors"][0]["field"] == bound


def test_exports_carry_the_theme_keys_by_polarity_across_pages_and_filter_cases_by_theme(runtime, monkeypatch):
    from npsloop.domain.theme_tags import Polarity, ThemeTag

    monkeypatch.setattr(export_queries, "PAGE", 2)
    seed_team(runtime)
    first = ingest(runtime, score=2, customer={"id": "c1", "name": "Ana"})
    ingest(runtime, score=9)
    third = ingest(runtime, score=1)
    drain(runtime)
    again = ingest(runtime, score=3, customer={"id": "c1", "name": "Ana"})  # joins the first response's case
    drain(runtime)
    with runtime.uow() as uow:
        for response_id in (first, third, again):
            uow.tags.replace(response_id, [])
        uow.tags.replace(
            first, [ThemeTag("billing", Polarity.NEGATIVE, 0.6), ThemeTag("price", Polarity.POSITIVE, 0.7)]
        )
        uow.tags.replace(
            again, [ThemeTag("wait_time", Polarity.NEGATIVE, 0.9), ThemeTag("billing", Polarity.POSITIVE, 0.5)]
        )
        case_id = uow.responses.get(first).case_id
        uow.commit()
    with TestClient(create_app(runtime)) as client:
        responses = client.get("/v1/responses.json", headers=AUTH).json()
        cases = list(csv.DictReader(io.StringIO(client.get("/v1/cases.csv", headers=AUTH).text)))
        billing = client.get("/v1/cases.json?theme=billing", headers=AUTH).json()
    by_id = {row["id"]: (row["negative_themes"], row["positive_themes"]) for row in responses}
    assert by_id[first] == (["billing"], ["price"]) and by_id[again] == (["wait_time"], ["billing"])
    assert by_id[third] == ([], [])
    assert len(responses) == 4  # every row, across pages of two
    themed = {int(row["id"]): (row["negative_themes"], row["positive_themes"]) for row in cases}
    # a theme tagged in two responses of one case counts once, with its most confident polarity
    assert themed[case_id] == ("wait_time;billing", "price")
    assert sorted(themed.values())[0] == ("", "")
    assert [row["id"] for row in billing] == [case_id] and billing[0]["negative_themes"] == ["wait_time", "billing"]
