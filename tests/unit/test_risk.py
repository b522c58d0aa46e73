"""The risk of a detractor's case: the transparent rule's score and reasons, and a learned model's reasons."""

from __future__ import annotations

import pytest

from npsloop.domain.risk import (
    RULE_MODEL,
    InvalidRiskReason,
    ReasonCode,
    RiskBand,
    RiskInputs,
    RiskModel,
    RiskReason,
    band_of,
    ended_badly,
    rule_risk,
    tier_of,
)


def test_a_mild_detractor_with_nothing_else_is_low_risk_and_has_no_reasons():
    risk = rule_risk(RiskInputs(score=6))
    assert risk.score == pytest.approx(0.168, abs=0.001) and risk.reasons == () and risk.model == RULE_MODEL


def test_every_factor_is_named_largest_first():
    risk = rule_risk(
        RiskInputs(score=0, themes=("billing", "wait_time"), unresolved_before=2, repeat_detractor=True, tier="gold")
    )
    assert risk.factors == (
        RiskReason(ReasonCode.SCORE, score=0),
        RiskReason(ReasonCode.UNRESOLVED, count=2),
        RiskReason(ReasonCode.REPEAT),
        RiskReason(ReasonCode.THEMES, themes=("billing", "wait_time")),
        RiskReason(ReasonCode.TIER, tier="gold"),
    )
    # what the case stores and the API gives: each reason's key
    assert risk.reasons == (
        "score:0",
        "unresolved_before:2",
        "repeat_detractor",
        "themes:billing,wait_time",
        "tier:gold",
    )
    # -1.6 + 6*0.25 + 2*0.7 + 0.9 + 2*0.3 + 0.5 = 3.3 on the log-odds
    assert risk.score == pytest.approx(0.9644, abs=0.0001)


def test_counts_past_three_add_nothing_and_one_case_is_singular():
    many = rule_risk(RiskInputs(score=3, themes=("a", "b", "c", "d"), unresolved_before=7))
    capped = rule_risk(RiskInputs(score=3, themes=("a", "b", "c"), unresolved_before=3))
    assert many.score == capped.score
    assert "themes:a,b,c" in many.reasons and "unresolved_before:7" in many.reasons


def test_a_low_tier_is_no_reason():
    assert rule_risk(RiskInputs(score=6, tier="bronze")).reasons == ()
    assert rule_risk(RiskInputs(score=6, tier="enterprise")).factors == (
        RiskReason(ReasonCode.TIER, tier="enterprise"),
    )


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
    assert risk.reasons == ("repeat_detractor", "score:0", "themes:billing") and risk.model == "logistic-1"
    assert risk.score == pytest.approx(1 / (1 + 2.718281828 ** -(-2.0 + 2.0 + 1.5 + 0.8 + 0.01)), abs=0.001)


def test_a_learned_model_never_names_an_absence_as_a_reason():
    risk = MODEL.assess(RiskInputs(score=6))  # no price complaint lowers nothing it could be blamed for
    assert risk.reasons == ()


def test_a_learned_model_survives_its_plain_form():
    assert RiskModel.from_dict("logistic-1", MODEL.to_dict()) == MODEL


@pytest.mark.parametrize(
    "reason",
    [
        RiskReason(ReasonCode.SCORE, score=0),
        RiskReason(ReasonCode.THEMES, themes=("billing", "wait_time")),
        RiskReason(ReasonCode.UNRESOLVED, count=1),
        RiskReason(ReasonCode.REPEAT),
        RiskReason(ReasonCode.TIER, tier="gold: plus, 2"),
    ],
)
def test_every_reason_key_reads_back_as_the_same_reason(reason):
    assert RiskReason.parse(reason.key) == reason


@pytest.mark.parametrize(
    ("stored", "reason"),
    [
        ("score 0", RiskReason(ReasonCode.SCORE, score=0)),
        ("themes: billing, wait_time", RiskReason(ReasonCode.THEMES, themes=("billing", "wait_time"))),
        ("theme: billing", RiskReason(ReasonCode.THEMES, themes=("billing",))),
        ("1 unresolved case before", RiskReason(ReasonCode.UNRESOLVED, count=1)),
        ("7 unresolved cases before", RiskReason(ReasonCode.UNRESOLVED, count=7)),
        ("repeat detractor", RiskReason(ReasonCode.REPEAT)),
        ("tier: enterprise", RiskReason(ReasonCode.TIER, tier="enterprise")),
    ],
)
def test_cases_stored_with_english_reasons_read_as_typed_reasons(stored, reason):
    assert RiskReason.parse(stored) == reason


@pytest.mark.parametrize("text", ["", "score", "score x", "themes:", "tier:", "bad luck", "repeat"])
def test_an_unknown_reason_is_refused(text):
    with pytest.raises(InvalidRiskReason):
        RiskReason.parse(text)


def test_a_reason_has_exactly_the_figure_its_code_needs():
    with pytest.raises(InvalidRiskReason):
        RiskReason(ReasonCode.SCORE)
    with pytest.raises(InvalidRiskReason):
        RiskReason(ReasonCode.REPEAT, count=2)


@pytest.mark.parametrize(
    ("score", "band"), [(0.0, RiskBand.LOW), (0.39, RiskBand.LOW), (0.4, RiskBand.MEDIUM), (0.7, RiskBand.HIGH)]
)
def test_a_risk_falls_in_a_band(score, band):
    assert band_of(score) is band
