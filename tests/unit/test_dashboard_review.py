"""The dashboard's Review and Why pages on the two months of tests/support/review_rows.py: they show the
figures worked out in tests/unit/test_review.py, in English and Spanish, and escape what they are given."""

import re

import pytest
from fastapi.testclient import TestClient

from npsloop.api.app import create_app
from npsloop.domain.access import Role
from npsloop.domain.theme_defaults import DEFAULT_TAXONOMY
from npsloop.ingest.themes_yaml import dump_themes
from npsloop.services import tokens
from npsloop.services.themes import load_themes
from tests.conftest import TOKEN
from tests.support.review_rows import seeded_runtime


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    with seeded_runtime(tmp_path_factory.mktemp("dashboard-review")) as rt:
        yield rt


def client_for(rt, token=TOKEN):
    client = TestClient(create_app(rt), follow_redirects=False)
    assert client.post("/ui/login", data={"token": token, "next": "/ui/review"}).status_code == 303
    return client


def cells(html, table_id):
    table = html.split(f'id="{table_id}"')[1].split("</table>")[0]
    return [re.findall(r"<td>(.*?)</td>", row) for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table)[1:]]


def test_the_review_page_shows_the_month_against_the_target_and_its_themes(seeded):
    client = client_for(seeded)
    page = client.get("/ui/review?month=2026-11")
    assert page.status_code == 200
    company = cells(page.text, "review-nps")[0]
    # n, NPS, change, transactional, relational, year to date, target, gap
    assert company[1:] == ["20", "+0.0", "-20.0", "-25.0", "+100.0", "+6.7", "+10.0", "-3.3"]
    assert cells(page.text, "review-themes") == [
        ["Billing", "5", "62.5%", "+25.0"],
        ["Wait time", "3", "37.5%", "+15.0"],
        ["Delivery", "1", "12.5%", "+5.0"],
    ]
    assert "Soy [name] [name], me cobraron dos veces" in page.text and "Ana" not in page.text
    assert "refund" in page.text
    assert 'id="review-risk"' in page.text and 'href="/ui/cases/' in page.text
    assert all("score " in row[-1] for row in cells(page.text, "review-risk"))
    spanish = cells(client.get("/ui/review?month=2026-11&lang=es").text, "review-risk")
    assert spanish and all("nota " in row[-1] and "score" not in row[-1] for row in spanish)  # the risk's reasons


def test_the_why_page_draws_its_three_charts_in_spanish(seeded):
    page = client_for(seeded).get("/ui/why?from=2026-10&to=2026-11&lang=es")
    assert page.status_code == 200
    for chart in ("theme-pareto", "nps-by-theme", "theme-trends"):
        assert f'id="{chart}"' in page.text
    assert "Por qué" in page.text and "Puntos de NPS en juego" in page.text
    assert cells(page.text, "why-themes")[0] == ["Facturación", "7", "63.6%", "+23.3"]  # 7 of 11; 100 * 7 / 30


def test_a_bad_month_is_a_422_and_an_agent_may_not_read_the_review(seeded):
    client = client_for(seeded)
    assert client.get("/ui/review?month=2026-13").status_code == 422
    assert client.get("/ui/why?from=2020-01&to=2026-11").status_code == 422
    agent = tokens.create_token(uow=seeded.uow(), name="m-dash", role=Role.AGENT, agent="Marta", now=seeded.clock())
    agent_client = client_for(seeded, agent.secret)
    assert agent_client.get("/ui/review").status_code == 403 and agent_client.get("/ui/why").status_code == 403
    assert TestClient(create_app(seeded), follow_redirects=False).get("/ui/why").status_code == 303


def test_markup_in_a_theme_name_shows_as_text(seeded):
    evil = "<script>alert(1)</script>"
    text = dump_themes(DEFAULT_TAXONOMY).replace("en: Billing", f'en: "{evil}"')
    load_themes(uow=seeded.uow(), text=text, now=seeded.clock())
    client = client_for(seeded)
    for path in ("/ui/review?month=2026-11", "/ui/why?from=2026-10&to=2026-11"):
        page = client.get(path).text
        assert evil not in page and "&lt;script&gt;" in page
