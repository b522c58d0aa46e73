"""The tagger learns the installation's words from the reasons agents give at closure: a phrasing the default
misses is learned, and the new model is switched on because it scores better on held-out labels; labels that
would make it worse leave the model in force alone; too few labels say so; the nightly job trains only when due.

The proof uses the real seed (one fit, the slow test of this file); the other fits use a small part of it."""

import json
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from npsloop.domain.cases import Action, Outcome
from npsloop.domain.closure import Closure
from npsloop.domain.theme_defaults import DEFAULT_TAXONOMY
from npsloop.domain.theme_tags import Polarity
from npsloop.domain.themes import Taxonomy
from npsloop.ingest.themes_yaml import dump_themes
from npsloop.services.casework import act_on_case
from npsloop.services.themes import load_themes
from npsloop.services.training import (
    MIN_LABELS,
    NotEnoughLabels,
    held_out,
    held_out_f1,
    train_tagger,
    train_when_due,
)
from npsloop.tagging.tagger import Example, seed_examples
from tests.conftest import at, drain, ingest, seed_team
from tests.support.trained import store_model

FIXTURES = Path(__file__).parents[1] / "fixtures"
# Construction materials delivered to building sites: customers complain about the monthly statement in the
# trade's own words (liquidacion, corte de obra, acarreo, anticipo, tiquete de bascula...), which the default
# model reads as delivery or as nothing; the installation's agents label them billing.
SITE_LABELS = [json.loads(line) for line in (FIXTURES / "site_billing_labels.jsonl").read_text().splitlines()]
EVAL = Path(__file__).parents[2] / "benchmarks" / "data" / "themes_eval.jsonl"


def closed_cases(rt, comments: list[tuple[str, str]]) -> list[int]:
    """Detractors with these comments (text, language), processed as the worker does; their case ids, in order."""
    seed_team(rt)
    ids = [ingest(rt, score=2, comment=text or None, language=language) for text, language in comments]
    drain(rt)
    with rt.uow() as uow:
        return [uow.responses.get(response_id).case_id for response_id in ids]


def close_with_reasons(rt, reasons: dict[int, list[str]]) -> None:
    """Each case closed by its agent with these reason themes, through the one door every closure passes."""
    for case_id, themes in reasons.items():
        closure = Closure(reasons=tuple(themes), action_code="explanation")
        act_on_case(
            uow=rt.uow(),
            case_id=case_id,
            action=Action.CLOSE,
            actor="Marta",
            now=rt.clock(),
            outcome=Outcome.RESOLVED,
            closure=closure,
            actions=rt.settings.closure_action_codes(),
        )


def label(rt, rows: list[dict]) -> list[int]:
    case_ids = closed_cases(rt, [(row["text"], row["language"]) for row in rows])
    close_with_reasons(
        rt, {case: [t["theme"] for t in row["themes"]] for case, row in zip(case_ids, rows, strict=True)}
    )
    return case_ids


def test_the_agents_words_are_learned_and_the_better_model_is_switched_on(runtime):
    default = runtime.models.default()
    billing = [Example.from_dict(row) for row in SITE_LABELS if row["themes"][0]["theme"] == "billing"]
    found = default.tagger.tag_many((example.text, "es") for example in billing)
    missed = sum("billing" not in {tag.theme for tag in result.tags} for result in found)
    assert missed >= 0.8 * len(billing)  # the phrasing really is one the default does not know

    label(runtime, SITE_LABELS)
    done = train_tagger(uow=runtime.uow(), models=runtime.models, now=runtime.clock())
    print(
        f"\nheld-out macro-F1 {done.score_before:.3f} -> {done.score_after:.3f} on {done.held_out} labels, "
        f"fit {done.fit_seconds:.1f} s CPU"
    )
    assert (done.labels, done.trained_on + done.held_out) == (len(SITE_LABELS), len(SITE_LABELS))
    assert 0 < done.held_out < done.trained_on and done.previous == default.name
    assert done.score_after > done.score_before and done.switched

    with runtime.uow() as uow:
        assert [(m.name, m.active, m.trained_on) for m in uow.tagger_models.listed()] == [
            (done.model, True, done.trained_on)
        ]
        current = runtime.models.current(uow)
    assert current.name == done.model
    # Words of the trade in a sentence no agent labelled: now billing, as the agents would say.
    unseen = "otra vez nos metieron acarreos de mas en la liquidacion del corte de obra"
    assert "billing" not in {tag.theme for tag in default.tagger.tag(unseen, "es").tags}
    assert ("billing", Polarity.NEGATIVE) in {
        (tag.theme, tag.polarity) for tag in current.tagger.tag(unseen, "es").tags
    }
    # and a new response is tagged by it in the worker
    response_id = ingest(runtime, score=1, comment=unseen, language="es")
    drain(runtime)
    with runtime.uow() as uow:
        assert uow.responses.get(response_id).tagged_by == done.model
        assert "billing" in {tag.theme for tag in uow.tags.of_responses([response_id])[response_id]}


def test_a_model_that_scores_worse_on_held_out_labels_is_stored_but_not_switched_on(runtime):
    """Careless labels (each training case's reason is another theme than its comment's; the held-out ones are
    right): the new model learns them and scores worse where it counts, so the default keeps tagging."""
    wrong = {"billing": "delivery", "delivery": "wait_time", "wait_time": "price", "price": "billing"}
    plain: dict[str, list[tuple[str, str]]] = {key: [] for key in wrong}
    for row in map(json.loads, EVAL.read_text().splitlines()):
        keys = [(t["theme"], t["polarity"]) for t in row["themes"]]
        if row["language"] in ("es", "en") and len(keys) == 1 and keys[0][0] in plain and keys[0][1] == "negative":
            plain[keys[0][0]].append((row["text"], row["language"]))
    comments = [(text, language, key) for key in plain for text, language in plain[key][:12]]
    assert len(comments) == 48
    case_ids = closed_cases(runtime, [(text, language) for text, language, _ in comments])
    close_with_reasons(
        runtime,
        {case: [key if held_out(case) else wrong[key]] for case, (*_, key) in zip(case_ids, comments, strict=True)},
    )
    done = train_tagger(uow=runtime.uow(), models=runtime.models, now=runtime.clock(), seed=seed_examples()[::6])
    assert done.score_after < done.score_before and not done.switched
    with runtime.uow() as uow:
        assert [(m.name, m.active) for m in uow.tagger_models.listed()] == [(done.model, False)]
        assert runtime.models.current(uow).name == runtime.models.default().name


def test_too_few_labels_are_named_with_how_many_are_needed(runtime):
    label(runtime, SITE_LABELS[:5])
    with pytest.raises(NotEnoughLabels, match=f"not enough labels: 5 of {MIN_LABELS}"):
        train_tagger(uow=runtime.uow(), models=runtime.models, now=runtime.clock())


def test_reasons_of_themes_retired_since_and_cases_without_a_comment_are_not_labels(runtime):
    case_ids = closed_cases(runtime, [("la liquidacion no cuadra", "es"), ("carisimo el flete", "es"), ("", "es")])
    close_with_reasons(runtime, {case_ids[0]: ["billing"], case_ids[1]: ["price"], case_ids[2]: ["billing"]})
    themes = tuple(replace(theme, retired=theme.key == "price") for theme in DEFAULT_TAXONOMY.themes)
    load_themes(uow=runtime.uow(), text=dump_themes(Taxonomy(themes)), now=runtime.clock())
    with pytest.raises(NotEnoughLabels, match="not enough labels: 1 of"):
        train_tagger(uow=runtime.uow(), models=runtime.models, now=runtime.clock())


def test_the_held_out_part_is_about_a_quarter_and_a_case_stays_where_it_is():
    chosen = [held_out(case_id) for case_id in range(1, 2001)]
    assert 0.2 < sum(chosen) / len(chosen) < 0.3
    assert chosen == [held_out(case_id) for case_id in range(1, 2001)]


def test_the_held_out_score_is_over_the_themes_agents_named_and_counts_negative_tags(runtime):
    tagger = runtime.models.default().tagger
    billing = {"billing": Polarity.NEGATIVE}
    assert held_out_f1(tagger, [Example("me cobraron dos veces la factura", "es", billing)]) == 1.0
    # a praise of the product is no reason, and not counted against the model either
    assert held_out_f1(tagger, [Example("excelente producto pero me cobraron dos veces", "es", billing)]) == 1.0
    wrong = [
        Example("me cobraron dos veces la factura", "es", {"delivery": Polarity.NEGATIVE}),
        Example("el pedido llego tres dias tarde", "es", billing),
    ]
    # billing: one found where the label says delivery, one missed; delivery: found where it is billing, missed
    assert held_out_f1(tagger, wrong) == 0.0


def test_the_nightly_job_trains_only_when_the_last_training_is_old_and_agents_labelled_since(runtime, monkeypatch):
    trained = []
    monkeypatch.setattr("npsloop.services.training.train_tagger", lambda **kw: trained.append(kw) or "trained")
    week = timedelta(days=7)
    now = runtime.clock()
    due = {"uow": runtime.uow(), "models": runtime.models, "every": week}
    assert train_when_due(now=now, **due) == "trained"  # never trained: try (too few labels is a quiet None)
    at(runtime, now - timedelta(days=3))
    store_model(runtime, "trained-old", active=False, data=b"not read here")
    assert train_when_due(now=now, **due) is None  # three days old
    later = now + timedelta(days=5)
    assert train_when_due(now=later, **due) is None  # old enough, but no case labelled since
    at(runtime, now)
    label(runtime, SITE_LABELS[:1])
    assert train_when_due(now=later, **due) == "trained"
    assert len(trained) == 2
