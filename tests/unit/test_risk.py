"""The risk of a detractor's case: the transparent rule's score and reasons, and a learned model's reasons."""

from __future__ import annotations

import pytest

from npsloop.domain.risk import RULE_MODEL, RiskInputs, RiskModel, ended_badly, rule_risk, tier_of


def test_a_mild_detractor_with_nothing_else_is_low_risk_and_has_no_reasons():
    risk = rule_risk(RiskInputs(score=6))
    assert risk.score == pytest.approx(0.168, abs=0.001) and risk.reasons == () and risk.model == RULE_MODEL


def test_every_factor_is_named_largest_first():
    risk = rule_risk(
        RiskInputs(score=0, themes=("billing", "wait_time"), unresolved_before=2, repeat_detractor=True, tier="gold")
    )
    assert risk.reasons == (
        "score 0",
        "2 unresolved cases before",
        "repeat detractor",
        "themes: billing, wait_time",
        "tier: gold",
    )
    # -1.6 + 6*0.25 + 2*0.7 + 0.9 + 2*0.3 + 0.5 = 3.3 on the log-odds
    assert risk.score == pytest.approx(0.9644, abs=0.0001)


def test_counts_past_three_add_nothing_and_one_case_is_singular():
    many = rule_risk(RiskInputs(score=3, themes=("a", "b", "c", "d"), unresolved_before=7))
    capped = rule_risk(RiskInputs(score=3, themes=("a", "b", "c"), unresolved_before=3))
    assert (
        many.score == capped.score and "themes: a, b, c" in many.reasons and "7 unresolved cases before" in many.reasons
    )
    assert "1 unresolved case before" in rule_risk(RiskInputs(score=3, unresolved_before=1)).reasons


def test_a_low_tier_is_no_reason():
    assert rule_risk(RiskInputs(score=6, tier="bronze")).reasons == ()
    assert rule_risk(RiskInputs(score=6, tier="enterprise")).reasons == ("tier: enterprise",)


def test_each_factor_raises_the_risk():
    base = RiskInputs(score=4)
    plain = rule_risk(base).score
    for more in (
        RiskInputs(score=2),
        RiskInputs(score=4, themes=("billing",)),
        RiskInputs(score=4, unresolved_before=1),
        RiskInputs(score=4, repeat_detractor=True),
        RiskInputs(score=4, tier="platinum"),
    ):
        assert rule_risk(more).score > plain


def test_the_tier_is_read_from_either_attribute_name():
    assert tier_of({"account_tier": " Enterprise "}) == "enterprise"
    assert tier_of({"tier": "Gold", "account_tier": "bronze"}) == "gold"
    assert tier_of({"tier": 3}) is None and tier_of({}) is None


@pytest.mark.parametrize(
    ("outcome", "escalated", "again", "bad"),
    [
        ("resolved", False, False, False),
        ("not_resolved", False, False, True),
        ("unreachable", False, False, True),
        ("resolved", True, False, True),
        ("resolved", False, True, True),
        (None, False, False, False),
    ],
)
def test_a_case_ends_badly_unresolved_unreachable_escalated_or_with_a_detractor_again(outcome, escalated, again, bad):
    assert ended_badly(outcome=outcome, escalated=escalated, detractor_again=again) is bad


MODEL = RiskModel(
    name="logistic-1",
    intercept=-2.0,
    coefficients={
        "score_gap": 2.0,
        "repeat_detractor": 1.5,
        "theme:billing": 0.8,
        "theme:price": -0.6,
        "high_tier": 0.01,
    },
    means={"score_gap": 0.5, "repeat_detractor": 0.2, "theme:billing": 0.3, "theme:price": 0.4, "high_tier": 0.1},
)


def test_a_learned_model_names_what_raises_this_case_above_the_average_largest_first():
    risk = MODEL.assess(RiskInputs(score=0, themes=("billing",), repeat_detractor=True, tier="gold"))
    # lifts: score 2*(1-0.5)=1.0, repeat 1.5*0.8=1.2, billing 0.8*0.7=0.56, tier 0.01*0.9 (too small to name)
    assert risk.reasons == ("repeat detractor", "score 0", "theme: billing") and risk.model == "logistic-1"
    assert risk.score == pytest.approx(1 / (1 + 2.718281828 ** -(-2.0 + 2.0 + 1.5 + 0.8 + 0.01)), abs=0.001)


def test_a_learned_model_never_names_an_absence_as_a_reason():
    risk = MODEL.assess(RiskInputs(score=6))  # no price complaint lowers nothing it could be blamed for
    assert risk.reasons == ()


def test_a_learned_model_survives_its_plain_form():
    assert RiskModel.from_dict("logistic-1", MODEL.to_dict()) == MODEL
