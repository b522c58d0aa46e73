"""Risk in the pipeline: what a case's ending is read as, learning on a time split, and the learned model
taking over from the rule only when it ranks the newest cases better."""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from npsloop.api.presenters import case_json
from npsloop.domain.risk import NotEnoughHistory, RiskInputs
from npsloop.domain.risk_evaluation import Example
from npsloop.services.casework import get_case
from npsloop.services.records import CaseFilter, CaseHistory
from npsloop.services.risk import evaluate, evaluate_risk, history_examples, train_risk, train_risk_if_due
from npsloop.store import tables
from tests.conftest import drain, ingest, seed_team

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
START = datetime(2025, 1, 1, tzinfo=UTC)


def synthetic(count: int, seed: int, *, signal: bool) -> list[Example]:
    """Cases over 400 days whose ending follows a known logistic law (low score, a billing complaint, earlier
    unresolved cases and a repeat detractor raise it; delivery complaints and the tier do not), or a coin."""
    rng = random.Random(seed)
    examples = []
    for i in range(count):
        inputs = RiskInputs(
            score=rng.randint(0, 6),
            themes=tuple(t for t in ("billing", "delivery", "wait_time") if rng.random() < 0.3),
            unresolved_before=rng.choice((0, 0, 0, 1, 2)),
            repeat_detractor=rng.random() < 0.3,
            tier=rng.choice((None, None, None, "gold")),
        )
        logit = (
            -2.0
            + 0.35 * (6 - inputs.score)
            + 1.6 * ("billing" in inputs.themes)
            + 0.9 * inputs.unresolved_before
            + 1.0 * inputs.repeat_detractor
        )
        chance = 1 / (1 + math.exp(-logit)) if signal else 0.4
        examples.append(Example(START + timedelta(hours=12 * i), inputs, rng.random() < chance))
    return examples


def test_a_known_signal_is_learned_from_older_cases_and_ranks_the_newer_ones():
    evaluation = evaluate(synthetic(800, seed=1, signal=True))
    assert (evaluation.trained_on, evaluation.tested_on) == (600, 200)
    assert evaluation.tested_from == START + timedelta(hours=12 * 600)
    assert evaluation.learned is not None and evaluation.learned.auc > 0.75
    assert evaluation.rule.auc > 0.65  # the rule knows the signal's direction, not its weights
    for scored in (evaluation.rule, evaluation.learned):
        assert sum(b.count for b in scored.calibration) == 200
    top = evaluation.learned.calibration[-1]
    assert top.low == 0.8 and abs(top.predicted - top.observed) < 0.15


def test_random_endings_leave_nothing_to_learn_auc_near_a_half():
    evaluation = evaluate(synthetic(800, seed=1, signal=False))
    assert evaluation.learned is not None and abs(evaluation.learned.auc - 0.5) < 0.1
    assert abs(evaluation.rule.auc - 0.5) < 0.1


def history(case_id, customer, opened_days, closed_days, outcome, *, score=3, escalated=False, themes=()):
    opened = NOW - timedelta(days=opened_days)
    return CaseHistory(
        case_id=case_id,
        customer_key=customer,
        opened_at=opened,
        closed_at=None if closed_days is None else NOW - timedelta(days=closed_days),
        outcome=outcome,
        escalated=escalated,
        score=score,
        responded_at=opened,
        attributes={"tier": "Gold"},
        themes=themes,
    )


def test_the_ending_is_read_from_the_history_and_a_good_one_waits_out_its_ninety_days():
    cases = [
        history(1, "s:again", 300, 295, "resolved"),  # a detractor again 30 days later: bad
        history(2, "s:calm", 200, 190, "resolved", themes=("billing",)),  # 90 days passed quietly: good
        history(3, "s:recent", 20, 10, "resolved"),  # could still turn: not known yet
        history(4, "s:gone", 150, 140, "unreachable"),  # bad, whenever
        history(5, "s:gone", 100, 60, "resolved", score=1),  # after 4, resolved, quiet for 100 days: good
        history(6, "s:escalated", 10, 5, "resolved", escalated=True),  # bad, known at once
        history(7, "s:open", 50, None, None),  # still open: no ending
    ]
    answers = [(c.customer_key, c.responded_at) for c in cases] + [("s:again", NOW - timedelta(days=270))]
    examples = {e.at: e for e in history_examples(cases, answers, NOW)}
    by_case = {c.case_id: examples.get(c.opened_at) for c in cases}
    assert [c for c, e in by_case.items() if e is None] == [3, 7]
    assert {c: e.ended_badly for c, e in by_case.items() if e} == {1: True, 2: False, 4: True, 5: False, 6: True}
    # case 4's answer, 50 days before, makes case 5 a repeat detractor; 4 closed unreachable before 5 opened
    assert by_case[5].inputs == RiskInputs(score=1, unresolved_before=1, repeat_detractor=True, tier="gold")
    assert by_case[2].inputs.themes == ("billing",) and not by_case[2].inputs.repeat_detractor


def cases_of(rt):
    with rt.uow() as uow:
        return uow.cases.search(CaseFilter(), limit=100, offset=0)[0]


def test_a_new_case_gets_the_rules_risk_and_reasons(runtime):
    seed_team(runtime)
    customer = {"id": "c-risk", "phone": "+34600111222"}
    ingest(runtime, score=0, customer=customer, comment=None, attributes={"account_tier": "Enterprise"})
    drain(runtime)
    [case] = cases_of(runtime)
    assert case.risk_model == "rules" and case.risk_reasons == ["score:0", "tier:enterprise"]
    assert case.risk == pytest.approx(1 / (1 + math.exp(-(-1.6 + 1.5 + 0.5))), abs=0.0001)
    shown = case_json(get_case(uow=runtime.uow(), case_id=case.id))
    assert (shown["risk"], shown["risk_reasons"]) == (case.risk, ["score:0", "tier:enterprise"])


def seed_history(rt, count: int, seed: int) -> None:
    """Closed cases a year back, each with its opening answer: gold accounts end well, others badly (the
    rule, which counts a high tier as risk, has it backwards), the score is noise."""
    rng = random.Random(seed)
    with rt.uow() as uow:
        for i in range(count):
            gold = rng.random() < 0.5
            bad = rng.random() < (0.15 if gold else 0.85)
            opened = NOW - timedelta(days=500) + timedelta(days=i)
            case_id = uow.session.execute(
                sa.insert(tables.cases)
                .values(
                    customer_key=f"shop:h{i}",
                    status="closed",
                    outcome="not_resolved" if bad else "resolved",
                    opened_at=opened,
                    closed_at=opened + timedelta(days=2),
                )
                .returning(tables.cases.c.id)
            ).scalar_one()
            uow.session.execute(
                sa.insert(tables.responses).values(
                    integration="shop",
                    external_id=f"h{i}",
                    score=rng.randint(0, 6),
                    survey_type="transactional",
                    customer_id=f"h{i}",
                    responded_at=opened,
                    received_at=opened,
                    attributes={"tier": "gold" if gold else "silver"},
                    status="processed",
                    case_id=case_id,
                )
            )
        uow.commit()


def test_too_little_history_keeps_the_rule(runtime):
    seed_history(runtime, 30, seed=3)
    with pytest.raises(NotEnoughHistory, match="30 closed cases with a known ending; a learned model needs 200"):
        train_risk(uow=runtime.uow(), now=NOW)


def test_a_model_that_beats_the_rule_on_the_newest_cases_scores_new_cases(runtime):
    seed_history(runtime, 240, seed=3)
    trained = train_risk(uow=runtime.uow(), now=NOW)
    assert trained.name == "logistic-1" and trained.active
    assert trained.evaluation.learned.auc > 0.75 > trained.evaluation.rule.auc
    assert evaluate_risk(uow=runtime.uow(), now=NOW).cases == 240
    seed_team(runtime)
    ingest(runtime, score=5, comment=None, attributes={"tier": "silver"})
    drain(runtime)
    [case] = [c for c in cases_of(runtime) if c.risk is not None]
    assert case.risk_model == "logistic-1" and case.risk > 0.6
    assert "tier" not in " ".join(case.risk_reasons)  # not gold is the absence of what lowers it: no reason


def test_the_beat_trains_when_the_last_model_is_old_enough_and_the_history_is_enough(runtime):
    week = timedelta(days=7)
    assert train_risk_if_due(uow=runtime.uow(), now=NOW, every=week) is None  # no history: the rule stays
    seed_history(runtime, 240, seed=3)
    assert train_risk_if_due(uow=runtime.uow(), now=NOW, every=week).name == "logistic-1"
    assert train_risk_if_due(uow=runtime.uow(), now=NOW + timedelta(days=6), every=week) is None
    assert train_risk_if_due(uow=runtime.uow(), now=NOW + week, every=week).name == "logistic-2"


BILLING = "Me cobraron dos veces la factura y nadie me devuelve la plata"


def risk_events(rt, case_id):
    return [e for e in get_case(uow=rt.uow(), case_id=case_id).events if e.kind == "risk_changed"]


def test_a_late_comment_reassesses_the_open_cases_risk_and_a_new_band_goes_on_the_timeline(runtime):
    seed_team(runtime)
    answer = {"response_id": "late-risk", "customer": {"id": "c-late-risk", "phone": "+34600111222"}}
    ingest(runtime, score=2, comment=None, **answer)
    drain(runtime)
    [case] = cases_of(runtime)
    assert case.risk_reasons == ["score:2"] and case.risk == pytest.approx(1 / (1 + math.exp(0.6)), abs=0.0001)
    ingest(runtime, score=2, comment=BILLING, **answer)
    drain(runtime)
    [case] = cases_of(runtime)
    # -1.6 + 4*0.25 + 0.3 for the billing complaint: from 0.35 (low) to 0.43 (medium)
    assert case.risk == pytest.approx(1 / (1 + math.exp(0.3)), abs=0.0001) and case.risk_model == "rules"
    assert case.risk_reasons[0] == "score:2" and case.risk_reasons[1].startswith("themes:")
    assert "billing" in case.risk_reasons[1].removeprefix("themes:").split(",")
    [event] = risk_events(runtime, case.id)
    assert event.data["risk_band"] == ["low", "medium"] and event.data["risk"][1] == case.risk
    assert event.note.startswith("risk 35% -> 43% (low -> medium)")
    assert case.priority == "normal"  # routing stays where it was


def test_a_reassessed_risk_that_keeps_its_band_is_updated_quietly(runtime):
    seed_team(runtime)
    answer = {"response_id": "late-quiet", "customer": {"id": "c-late-quiet"}}
    ingest(runtime, score=0, comment=None, **answer)
    drain(runtime)
    ingest(runtime, score=0, comment=BILLING, **answer)
    drain(runtime)
    [case] = cases_of(runtime)
    assert case.risk == pytest.approx(1 / (1 + math.exp(-0.2)), abs=0.0001)  # 0.48 -> 0.55, medium both
    assert risk_events(runtime, case.id) == []


def test_a_closed_case_and_a_joined_answer_leave_the_risk_as_it_was(runtime):
    from npsloop.domain.cases import Action, Outcome
    from npsloop.services.casework import act_on_case

    seed_team(runtime)
    customer = {"id": "c-joined", "phone": "+34600999888"}
    ingest(runtime, score=2, comment=None, response_id="opening", customer=customer)
    drain(runtime)
    ingest(runtime, score=1, comment=None, response_id="joining", customer=customer)
    drain(runtime)
    ingest(runtime, score=1, comment=BILLING, response_id="joining", customer=customer)
    drain(runtime)
    [case] = cases_of(runtime)
    assert case.risk_reasons == ["score:2"] and risk_events(runtime, case.id) == []
    act_on_case(
        uow=runtime.uow(),
        case_id=case.id,
        action=Action.CLOSE,
        actor="Marta",
        now=runtime.clock(),
        outcome=Outcome.RESOLVED,
    )
    ingest(runtime, score=2, comment=BILLING, response_id="opening", customer=customer)
    drain(runtime)
    [case] = cases_of(runtime)
    assert case.risk_reasons == ["score:2"] and risk_events(runtime, case.id) == []
