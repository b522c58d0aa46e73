"""The risk of each new detractor case, and learning it from the installation's own history.

A case opens with the fallback rule's score until a model is trained (`npsloop insight train-risk`) on enough
closed cases whose ending is known, and wins against the rule on the newest of them; from then on the learned
model scores new cases. Fitting needs scikit-learn; scoring is a few multiplications in domain.risk. A comment
that arrives (or changes) after its case opened is read again, and the case's risk is assessed again with its
themes (`reassess_risk`), so the risk an agent sees is never that of a comment nobody had read yet."""

from __future__ import annotations

import logging
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from npsloop.domain.cases import CaseStatus, EventKind
from npsloop.domain.responses import Response
from npsloop.domain.risk import (
    BAD_OUTCOMES,
    WINDOW,
    NotEnoughHistory,
    Risk,
    RiskInputs,
    RiskModel,
    band_of,
    ended_badly,
    features,
    rule_risk,
    tier_of,
)
from npsloop.domain.risk_evaluation import CalibrationBin, Example, auc, calibration, time_split
from npsloop.services.records import CaseHistory
from npsloop.services.unit_of_work import UnitOfWork

MIN_CASES = 200  # closed cases with a known ending before a learned model may replace the rule
MIN_THEME_CASES = 5  # a theme seen in fewer training cases than this is no feature: too little to learn from
TEST_SHARE = 0.25  # the newest quarter is held out

log = logging.getLogger(__name__)


def assess_risk(*, uow: UnitOfWork, response: Response, themes: tuple[str, ...], now: datetime) -> Risk:
    """Inside the caller's unit of work, for a detractor whose case opens `now`."""
    unresolved, repeat = uow.risk.before_case(response, now, WINDOW)
    return _assess(uow, response, themes, unresolved, repeat)


def reassess_risk(*, uow: UnitOfWork, response: Response, themes: tuple[str, ...], now: datetime) -> Risk | None:
    """Inside the caller's unit of work, once `response`'s comment was read again after its case opened (a late
    or changed comment; `themes` are its negative ones, most confident first). The case's risk is its opening
    answer's, as a model learns it, so only that answer's comment changes it; what the customer's history was
    is taken as of the case's opening, as the first assessment took it. A closed case keeps the risk it was
    worked with. The new risk always replaces the old; the timeline records it when its band changes (low,
    medium, high), which is what a person reads. Routing and priority stay: the case is already being worked.
    Returns the new risk, or None when the case's risk is not this answer's to change."""
    if response.case_id is None:
        return None
    case = uow.cases.get(response.case_id)
    if case is None or case.id is None or case.status == CaseStatus.CLOSED:
        return None
    answers = uow.responses.for_case(case.id)
    if not answers or answers[0].id != response.id:
        return None
    unresolved, repeat = uow.risk.before_case(response, case.opened_at, WINDOW)
    risk = _assess(uow, response, themes, unresolved, repeat)
    before = case.risk
    case.risk, case.risk_reasons, case.risk_model = risk.score, list(risk.reasons), risk.model
    was = band_of(before) if before is not None else None
    if was != risk.band:
        case.record(
            EventKind.RISK_CHANGED,
            at=now,
            note=f"risk {_percent(before)} -> {_percent(risk.score)} ({was or 'none'} -> {risk.band}) "
            "once its comment was read",
            data={"response": response.ref, "risk": [before, risk.score], "risk_band": [was, risk.band]},
        )
    return risk


def _percent(score: float | None) -> str:
    return "none" if score is None else f"{score:.0%}"


def _assess(uow: UnitOfWork, response: Response, themes: tuple[str, ...], unresolved: int, repeat: bool) -> Risk:
    inputs = RiskInputs(
        score=response.score,
        themes=themes,
        unresolved_before=unresolved,
        repeat_detractor=repeat,
        tier=tier_of(response.attributes),
    )
    model = uow.risk.active_model()
    return model.assess(inputs) if model is not None else rule_risk(inputs)


@dataclass(frozen=True)
class Scored:
    model: str
    auc: float | None  # None: the held-out cases all ended the same way
    calibration: list[CalibrationBin]


@dataclass(frozen=True)
class RiskEvaluation:
    cases: int
    trained_on: int
    tested_on: int
    tested_from: datetime | None  # the oldest held-out case: everything learned from is older
    bad_share: float  # of all cases, the share that ended badly
    rule: Scored
    learned: Scored | None  # None: too little to learn from (or one kind of ending only)


@dataclass(frozen=True)
class Trained:
    name: str
    active: bool  # switched on: it beat the rule on the held-out cases
    evaluation: RiskEvaluation


def evaluate_risk(*, uow: UnitOfWork, now: datetime) -> RiskEvaluation:
    with uow:
        examples = history_examples(uow.risk.histories(), list(uow.risk.detractor_answers()), now)
    return evaluate(examples)


def train_risk(*, uow: UnitOfWork, now: datetime, min_cases: int = MIN_CASES) -> Trained:
    """Fits on every closed case with a known ending, after measuring the same fit on the newest quarter
    (learned from the rest); it is switched on only if it ranks those cases better than the rule does."""
    with uow:
        examples = history_examples(uow.risk.histories(), list(uow.risk.detractor_answers()), now)
    if len(examples) < min_cases:
        raise NotEnoughHistory(
            f"{len(examples)} closed cases with a known ending; a learned model needs {min_cases}: the rule stays"
        )
    evaluation = evaluate(examples)
    model = fit(examples)
    if model is None:
        raise NotEnoughHistory("every closed case ended the same way: nothing to learn from, the rule stays")
    learned = evaluation.learned.auc if evaluation.learned else None
    rule = evaluation.rule.auc
    active = learned is not None and (rule is None or learned > rule)
    with uow:
        name = uow.risk.add_model(model, trained_on=len(examples), auc=learned, rule_auc=rule, active=active, now=now)
        uow.commit()
    return Trained(name, active, evaluation)


def train_risk_if_due(*, uow: UnitOfWork, now: datetime, every: timedelta) -> Trained | None:
    """The beat's: trains when the last model is `every` old (or there is none) and the history is enough;
    the date is the stored model's, so a beat restarted daily still trains on schedule."""
    with uow:
        latest = uow.risk.latest()
    if latest is not None and now - latest.created_at < every:
        return None
    try:
        return train_risk(uow=uow, now=now)
    except NotEnoughHistory as why:
        log.info("risk model not trained", extra={"reason": str(why)})
        return None


def evaluate(examples: Sequence[Example], test_share: float = TEST_SHARE) -> RiskEvaluation:
    """The rule and a model learned from the older cases, both scored on the newer ones."""
    train, test = time_split(examples, test_share)
    labels = [example.ended_badly for example in test]
    rule = _scored("rules", [rule_risk(example.inputs).score for example in test], labels)
    model = fit(train)
    learned = None if model is None else _scored("logistic", [model.assess(e.inputs).score for e in test], labels)
    return RiskEvaluation(
        cases=len(examples),
        trained_on=len(train),
        tested_on=len(test),
        tested_from=test[0].at if test else None,
        bad_share=sum(e.ended_badly for e in examples) / len(examples) if examples else 0.0,
        rule=rule,
        learned=learned,
    )


def fit(examples: Sequence[Example]) -> RiskModel | None:
    """A logistic regression (L2, scikit-learn's default strength) on the cases' features; None when the cases
    all ended the same way."""
    labels = [example.ended_badly for example in examples]
    if all(labels) or not any(labels):
        return None
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    rows = [features(example.inputs) for example in examples]
    counts: dict[str, int] = {}
    for row in rows:
        for name in row:
            counts[name] = counts.get(name, 0) + 1
    names = sorted(name for name, count in counts.items() if not name.startswith("theme:") or count >= MIN_THEME_CASES)
    matrix = np.array([[row.get(name, 0.0) for name in names] for row in rows])
    fitted = LogisticRegression(max_iter=1000).fit(matrix, np.array(labels))
    return RiskModel(
        name="",
        intercept=float(fitted.intercept_[0]),
        coefficients={name: round(float(c), 6) for name, c in zip(names, fitted.coef_[0], strict=True)},
        means={name: round(float(m), 6) for name, m in zip(names, matrix.mean(axis=0), strict=True)},
    )


def history_examples(
    histories: Sequence[CaseHistory], answers: Sequence[tuple[str, datetime]], now: datetime
) -> list[Example]:
    """Closed cases whose ending is known, with what was known when each opened. A case that ended well is
    known only once its 90 days have passed (until then its customer may still be a detractor again)."""
    detractor_at: dict[str, list[datetime]] = {}
    for key, at in answers:
        detractor_at.setdefault(key, []).append(at)
    bad_closings: dict[str, list[datetime]] = {}
    for case in histories:
        if case.closed_at is not None and case.outcome in BAD_OUTCOMES:
            bad_closings.setdefault(case.customer_key, []).append(case.closed_at)
    for times in (*detractor_at.values(), *bad_closings.values()):
        times.sort()
    examples = []
    for case in histories:
        if case.closed_at is None:
            continue
        times = detractor_at.get(case.customer_key, [])
        start = case.responded_at
        before = bisect_left(times, start) - bisect_left(times, start - WINDOW)
        again = bisect_right(times, start + WINDOW) - bisect_right(times, start)
        bad = ended_badly(outcome=case.outcome, escalated=case.escalated, detractor_again=again > 0)
        if not bad and now - start < WINDOW:
            continue
        inputs = RiskInputs(
            score=case.score,
            themes=case.themes,
            unresolved_before=bisect_right(bad_closings.get(case.customer_key, []), case.opened_at),
            repeat_detractor=before > 0,
            tier=tier_of(case.attributes),
        )
        examples.append(Example(at=case.opened_at, inputs=inputs, ended_badly=bad))
    return examples


def _scored(model: str, scores: list[float], labels: list[bool]) -> Scored:
    return Scored(model, auc(scores, labels), calibration(scores, labels))
