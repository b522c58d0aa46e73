"""NPS points at stake, shares, movers and the Pareto, against figures worked out by hand."""

import pytest

from npsloop.domain.scores import NpsSummary
from npsloop.domain.why import (
    NAME_MASK,
    ThemeMove,
    ThemeStanding,
    masked,
    movers,
    pareto,
    points_at_stake,
    share,
    standings,
)


def test_points_at_stake_are_the_nps_gained_if_those_detractors_had_been_passives():
    # 50 promoters, 20 passives, 30 detractors: NPS = 100 * (50 - 30) / 100 = +20.
    # 12 detractors wrote about billing. As passives: 50 P, 32 p, 18 d -> NPS = 100 * (50 - 18) / 100 = +32.
    before, after = NpsSummary(50, 20, 30), NpsSummary(50, 32, 18)
    assert points_at_stake(12, 100) == pytest.approx(after.score - before.score) == pytest.approx(12.0)
    # 7 of 40 responses: 17.5 points
    assert points_at_stake(7, 40) == pytest.approx(17.5)
    assert points_at_stake(0, 40) == 0.0
    assert points_at_stake(3, 0) is None


def test_shares_are_percent_of_the_whole_and_none_without_one():
    assert share(3, 12) == pytest.approx(25.0)
    assert share(0, 0) is None


def test_standings_rank_themes_by_detractors_with_share_and_points():
    # A month of 200 responses, 40 of them detractors; themes are counted once per detractor, and one
    # detractor may name two themes, so the shares add up to more than 100.
    rows = standings({"billing": 18, "wait_time": 18, "delivery": 10, "price": 0}, detractors=40, responses=200)
    assert [row.theme for row in rows] == ["billing", "wait_time", "delivery"]  # a tie reads by key; 0 is left out
    billing = rows[0]
    assert billing.detractors == 18
    assert billing.share == pytest.approx(45.0)  # 18 / 40
    assert billing.points_at_stake == pytest.approx(9.0)  # 100 * 18 / 200
    assert rows[2].share == pytest.approx(25.0) and rows[2].points_at_stake == pytest.approx(5.0)
    assert sum(row.share or 0 for row in rows) == pytest.approx(115.0)


def test_a_month_without_responses_has_no_points_to_stake():
    assert standings({"billing": 0}, detractors=0, responses=0) == []


def test_movers_are_the_largest_changes_of_share_up_or_down():
    october = standings({"billing": 10, "wait_time": 5, "price": 5}, detractors=20, responses=100)
    november = standings({"billing": 4, "wait_time": 6, "delivery": 6}, detractors=20, responses=80)
    # billing 50 -> 20 (-30), wait_time 25 -> 30 (+5), price 25 -> 0 (-25), delivery 0 -> 30 (+30)
    moves = movers(november, october, limit=3)
    assert moves == [
        ThemeMove("billing", 50.0, 20.0, -30.0),
        ThemeMove("delivery", 0.0, 30.0, 30.0),
        ThemeMove("price", 25.0, 0.0, -25.0),
    ]


def test_no_movers_against_a_month_without_detractors():
    november = standings({"billing": 4}, detractors=4, responses=10)
    assert movers(november, [], limit=5) == []
    assert movers([], november, limit=5) == []


def test_the_pareto_runs_up_to_100_percent_of_mentions():
    rows = [
        ThemeStanding("price", 2, None, None),
        ThemeStanding("billing", 6, None, None),
        ThemeStanding("delivery", 2, None, None),
    ]
    # 10 mentions: billing 60, then delivery (a tie with price, by key) 80, then price 100
    assert [(row.theme, round(cumulative, 1)) for row, cumulative in pareto(rows)] == [
        ("billing", 60.0),
        ("delivery", 80.0),
        ("price", 100.0),
    ]


def test_a_comment_loses_emails_phones_and_the_customers_name():
    text = "Soy Ana Gómez, llamen al 600 11 22 33 o +34 (600) 111-222, escribir a ana.gomez@correo.es. GOMEZ de la Peña"
    shown = masked(text, ["Ana Gómez de la Peña", None])
    assert "600" not in shown and "@" not in shown
    assert "Ana" not in shown and "Gómez" not in shown and "GOMEZ" not in shown and "Peña" not in shown
    assert shown.count(NAME_MASK) == 4  # Ana, Gómez, GOMEZ, Peña; "de" and "la" are not names
    assert "[phone]" in shown and "[email]" in shown
    assert shown.startswith("Soy [name] [name], llamen al [phone] o [phone], escribir a [email].")


def test_masking_leaves_ordinary_numbers_and_words_alone():
    assert masked("Me cobraron 2 veces 35.000 pesos en 2026", ["Bo"]) == "Me cobraron 2 veces 35.000 pesos en 2026"
