"""A year of made-up but plausible history for `npsloop demo`: a few thousand answers in Spanish and English
across the demo's touchpoints, the detractors' cases closed by agents with the reasons they recorded, and a
target, so the reports, the Why page and the monthly review have something true to show a newcomer.

The year tells a story the figures should find: a billing migration in the middle of the year (billing
complaints rise for three months, then fall), deliveries that get better month by month, and a new app in the
last month whose teething troubles show up. Comments are built from short phrases per theme (in
samples/demo_history_phrases.json), and the tagger reads them like any other comment: what the demo shows is
what the model found, not the phrases it was built from. Seeded: the same day gives the same history."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from importlib import resources
from typing import TYPE_CHECKING, Any

from npsloop.domain.cases import Action, Case, Outcome
from npsloop.domain.closure import Closure
from npsloop.domain.responses import Response, ResponseStatus
from npsloop.domain.themes import DEFAULT_KEYS
from npsloop.ingest.schemas import ResponseIn

if TYPE_CHECKING:
    from npsloop.bootstrap import Runtime

PHRASES = "demo_history_phrases.json"
INTEGRATION = "history"
PER_MONTH = 260
MONTHS = 12
# Which complaints each touchpoint draws, before the month's story shifts them.
TOUCHPOINT_THEMES = {
    "delivery": {"delivery": 5, "wait_time": 2, "communication": 2, "product_quality": 2, "staff_attitude": 1},
    "support call": {"wait_time": 4, "resolution": 4, "staff_attitude": 2, "effort": 3, "communication": 2},
    "checkout": {"digital_channels": 3, "billing": 3, "price": 3, "effort": 1, "product_quality": 1},
    None: {"price": 3, "product_quality": 3, "billing": 2, "communication": 2, "resolution": 1},
}
ACTIONS = {
    "billing": "refund",
    "price": "explanation",
    "delivery": "replacement",
    "product_quality": "replacement",
    "digital_channels": "process_fix",
    "effort": "process_fix",
}
CONNECTORS = {
    "es": (", y ", ". Ademas, ", "; encima ", " y tambien "),
    "en": (", and ", ". Also, ", "; plus ", " and "),
}
BUT = {"es": (", pero ", ". Eso si, ", ", aunque "), "en": (", but ", ". That said, ", ", though ")}


@dataclass(frozen=True)
class HistoryClosure:
    contacted_after: timedelta
    closed_after: timedelta
    outcome: Outcome
    reasons: tuple[str, ...]
    action_code: str


@dataclass(frozen=True)
class HistoricalAnswer:
    payload: dict[str, Any]  # the shape /v1/responses takes, validated by the same schema when loaded
    complaints: tuple[str, ...]  # the themes its comment was built to complain about
    closure: HistoryClosure | None  # a detractor's case, as its agent closed it


def phrases() -> dict[str, dict[str, dict[str, list[str]]]]:
    text = resources.files("npsloop.samples").joinpath(PHRASES).read_text(encoding="utf-8")
    loaded: dict[str, dict[str, dict[str, list[str]]]] = json.loads(text)
    return loaded


def month_starts(now: datetime) -> list[datetime]:
    """The first instants of the twelve whole months before the current one, oldest first."""
    first = now.astimezone(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    starts = []
    for back in range(MONTHS, 0, -1):
        year, month = divmod(first.month - 1 - back, 12)
        starts.append(first.replace(year=first.year + year, month=month + 1))
    return starts


def _story(month: int, weights: dict[str, int]) -> dict[str, float]:
    """Month 0 is a year ago, 11 the last whole month."""
    shifted = {theme: float(weight) for theme, weight in weights.items()}
    if 5 <= month <= 7:  # the billing migration
        shifted["billing"] = shifted.get("billing", 0.5) + 6.0
    if "delivery" in shifted:  # a logistics plan that works, slowly
        shifted["delivery"] *= 1.6 - month * 0.1
    if month == 11:  # the new app
        shifted["digital_channels"] = shifted.get("digital_channels", 0.5) + 5.0
    return shifted


def _detractor_share(month: int) -> float:
    return 0.24 + (0.08 if 5 <= month <= 7 else 0.0) - month * 0.004


def generate(now: datetime, seed: int = 14, per_month: int = PER_MONTH) -> list[HistoricalAnswer]:
    bank = phrases()
    chance = random.Random(seed)
    answers: list[HistoricalAnswer] = []
    for month, start in enumerate(month_starts(now)):
        span = (month_starts(now)[month + 1] if month + 1 < MONTHS else start.replace(day=28)) - start
        for index in range(per_month):
            answers.append(_answer(chance, bank, month, start + span * chance.random(), f"h{month:02d}-{index:03d}"))
    answers.sort(key=lambda answer: str(answer.payload["responded_at"]))
    return answers


def _answer(
    chance: random.Random, bank: dict[str, dict[str, dict[str, list[str]]]], month: int, at: datetime, ref: str
) -> HistoricalAnswer:
    touchpoint = chance.choice(["delivery", "delivery", "support call", "checkout", None])
    language = "es" if chance.random() < 0.6 else "en"
    roll = chance.random()
    detractor_share = _detractor_share(month)
    if roll < detractor_share:
        score = chance.choice([0, 1, 2, 3, 3, 4, 5, 5, 6, 6])
    elif roll < detractor_share + 0.3:
        score = chance.choice([7, 8, 8])
    else:
        score = chance.choice([9, 9, 10, 10, 10])
    weights = _story(month, TOUCHPOINT_THEMES[touchpoint])
    complaints: tuple[str, ...] = ()
    praise: tuple[str, ...] = ()
    if score <= 6:
        complaints = _pick(chance, weights, 2 if chance.random() < 0.35 else 1)
        praise = _pick(chance, {"product_quality": 1, "staff_attitude": 1}, 1) if chance.random() < 0.15 else ()
    elif score <= 8:
        complaints = _pick(chance, weights, 1) if chance.random() < 0.5 else ()
        praise = _pick(chance, {"product_quality": 2, "delivery": 1, "staff_attitude": 1, "price": 1}, 1)
    else:
        praise = _pick(chance, {"product_quality": 3, "delivery": 2, "staff_attitude": 2, "wait_time": 1}, 1)
    praise = tuple(theme for theme in praise if theme not in complaints)
    commented = chance.random() < (0.85 if score <= 6 else 0.55)
    comment = _comment(chance, bank, language, complaints, praise) if commented else None
    payload: dict[str, Any] = {
        "response_id": ref,
        "score": score,
        "survey_type": "relational" if touchpoint is None else "transactional",
        "responded_at": at.isoformat(),
        "language": language,
        "customer": {"id": f"hc-{chance.randrange(1, 1400):04d}"},
        "attributes": {"tier": chance.choice(["standard", "standard", "gold", "enterprise"])},
    }
    if touchpoint is not None:
        payload["touchpoint"] = touchpoint
    if comment is not None:
        payload["comment"] = comment
    closure = _closure(chance, complaints) if score <= 6 else None
    return HistoricalAnswer(payload, complaints if commented else (), closure)


def _pick(chance: random.Random, weights: dict[str, float] | dict[str, int], count: int) -> tuple[str, ...]:
    themes = list(weights)
    picked: list[str] = []
    while len(picked) < min(count, len(themes)):
        theme = chance.choices(themes, [float(weights[theme]) for theme in themes])[0]
        if theme not in picked:
            picked.append(theme)
    return tuple(picked)


def _comment(
    chance: random.Random,
    bank: dict[str, dict[str, dict[str, list[str]]]],
    language: str,
    complaints: tuple[str, ...],
    praise: tuple[str, ...],
) -> str:
    bad = [chance.choice(bank[theme][language]["negative"]) for theme in complaints]
    good = [chance.choice(bank[theme][language]["positive"]) for theme in praise]
    text = chance.choice(CONNECTORS[language]).join(bad) if bad else ""
    if good:
        text = (text + chance.choice(BUT[language]) + good[0]) if text else ", ".join(good)
    text = text[0].upper() + text[1:]
    return text + chance.choice([".", "", "!", " 😡" if bad else " 👍", "..."])


def _closure(chance: random.Random, complaints: tuple[str, ...]) -> HistoryClosure:
    """Most cases are contacted within a day and resolved; one in ten agents corrects the reason."""
    reasons = complaints or _pick(chance, {key: 1 for key in DEFAULT_KEYS}, 1)
    if chance.random() < 0.1:
        reasons = _pick(chance, {key: 1 for key in DEFAULT_KEYS if key not in reasons}, 1)
    roll = chance.random()
    outcome = Outcome.RESOLVED if roll < 0.72 else Outcome.NOT_RESOLVED if roll < 0.9 else Outcome.UNREACHABLE
    contacted = timedelta(minutes=chance.randrange(20, 60 * 30))
    return HistoryClosure(
        contacted_after=contacted,
        closed_after=contacted + timedelta(minutes=chance.randrange(10, 60 * 48)),
        outcome=outcome,
        reasons=reasons,
        action_code=ACTIONS.get(reasons[0], chance.choice(["callback", "explanation"])),
    )


def responses(answers: list[HistoricalAnswer]) -> Iterator[tuple[HistoricalAnswer, Response]]:
    """Each answer as the domain response the API would have stored, validated by the API's schema."""
    for answer in answers:
        received = datetime.fromisoformat(str(answer.payload["responded_at"]))
        response = ResponseIn.model_validate(answer.payload).to_domain(integration=INTEGRATION, received_at=received)
        response.status, response.processed_at = ResponseStatus.PROCESSED, received
        yield answer, response


def closed_case(response: Response, closure: HistoryClosure, team_id: int | None, agent: str) -> Case:
    opened = response.received_at + timedelta(minutes=2)
    case = Case.open(
        customer_key=response.customer_key,
        team_id=team_id,
        at=opened,
        response_ref=response.ref,
        touchpoint=response.touchpoint,
    )
    case.contact_due_at = opened + timedelta(hours=24)
    case.apply(Action.CONTACT, actor=agent, at=opened + closure.contacted_after)
    case.apply(
        Action.CLOSE,
        actor=agent,
        at=opened + closure.closed_after,
        outcome=closure.outcome,
        closure=Closure(reasons=closure.reasons, action_code=closure.action_code),
    )
    return case


@dataclass(frozen=True)
class Loaded:
    responses: int
    cases: int
    tagged: int


def load(rt: Runtime, now: datetime, target: float = 30.0, per_month: int = PER_MONTH) -> Loaded:
    """Stores the year (as a historical load: no case opens, nobody is alerted), the closed cases with their
    reasons, the company's target for this year, then tags every comment as the worker would."""
    from npsloop.domain.routing import team_for
    from npsloop.services.targets import set_target

    answers = generate(now, per_month=per_month)
    cases = 0
    with rt.uow() as uow:
        teams = list(uow.directory.teams())
        agents = {team.id: [agent.name for agent in uow.directory.agents(team.id)] for team in teams}
        for answer, response in responses(answers):
            team = team_for(response.touchpoint, teams)
            response.team_id = team.id if team else None
            uow.responses.add(response)
            if answer.closure is None:
                continue
            uow.flush()
            names = agents.get(team.id if team else None) or ["agent"]
            case = closed_case(response, answer.closure, response.team_id, names[cases % len(names)])
            uow.cases.add(case)
            uow.flush()
            assert case.id is not None
            uow.reasons.replace(case.id, answer.closure.reasons)
            response.case_id = case.id
            cases += 1
        uow.commit()
    set_target(uow=rt.uow(), year=now.year, nps=target, team=None, actor="demo", now=now)
    return Loaded(len(answers), cases, _tag_history(rt, month_starts(now)[0], now))


def _tag_history(rt: Runtime, since: datetime, now: datetime) -> int:
    """Every comment of the year, the way `npsloop themes retag` tags history: in batches, one a transaction."""
    from npsloop.services.tagging import retag_since

    done = 0
    for progress in retag_since(uow=rt.uow(), models=rt.models, since=since, now=now, batch=500):
        done = progress.done
    return done
