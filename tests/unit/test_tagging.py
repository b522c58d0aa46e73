"""Every comment is tagged in the worker, before routing, in the processing transaction; a comment that arrives
or changes later is tagged again; nothing untagged is forgotten; a huge comment costs no more than its start."""

import logging
from datetime import UTC, datetime, timedelta

from npsloop.domain.theme_tags import TagState
from npsloop.services.reconcile import reconcile
from npsloop.services.tagging import retag_since
from npsloop.store.model_repository import ModelRepository
from tests.conftest import at, drain, ingest, seed_team
from tests.support.trained import store_model


def response(rt, response_id):
    with rt.uow() as uow:
        found = uow.responses.get(response_id)
        return found, uow.tags.of_responses([response_id]).get(response_id, ())


def test_a_detractors_comment_is_tagged_with_its_themes_and_polarity_when_processed(runtime):
    seed_team(runtime)
    response_id = ingest(runtime, score=2, comment="Me cobraron dos veces la factura y nadie me devuelve la plata")
    drain(runtime)
    stored, tags = response(runtime, response_id)
    assert stored.theme_state == TagState.TAGGED and stored.tagged_by.startswith("default-")
    assert stored.tagged_at is not None
    assert "billing" in [tag.theme for tag in tags]
    assert {tag.polarity.value for tag in tags if tag.theme == "billing"} == {"negative"}


def test_promoters_and_passives_are_tagged_too_with_positive_polarity(runtime):
    seed_team(runtime)
    response_id = ingest(runtime, score=10, comment="Excellent product, it works perfectly, very good quality")
    drain(runtime)
    _, tags = response(runtime, response_id)
    assert [(tag.theme, tag.polarity.value) for tag in tags if tag.theme == "product_quality"] == [
        ("product_quality", "positive")
    ]


def test_no_comment_is_recorded_as_nothing_to_read_and_an_unknown_language_as_could_not_tell(runtime):
    seed_team(runtime)
    silent = ingest(runtime, score=3, comment=None)
    foreign = ingest(runtime, score=9, comment="Tout était parfait, merci", language="fr")
    drain(runtime)
    assert response(runtime, silent)[0].theme_state == TagState.NO_COMMENT
    stored, tags = response(runtime, foreign)
    assert (stored.theme_state, tags) == (TagState.UNKNOWN, ())


def test_a_comment_that_arrives_after_the_score_is_tagged_when_it_arrives(runtime):
    seed_team(runtime)
    first = {"response_id": "late-1", "customer": {"id": "c-late", "phone": "+34600111222"}}
    response_id = ingest(runtime, score=3, comment=None, **first)
    drain(runtime)
    assert response(runtime, response_id)[0].theme_state == TagState.NO_COMMENT
    assert ingest(runtime, score=3, comment="The delivery arrived five days late", **first) == response_id
    assert runtime.dispatcher.responses == [response_id]  # queued again, for the comment only
    sent_before = len(runtime.transports["sms"].sent)
    drain(runtime)
    stored, tags = response(runtime, response_id)
    assert stored.theme_state == TagState.TAGGED and "delivery" in [tag.theme for tag in tags]
    assert len(runtime.transports["sms"].sent) == sent_before  # tagging again alerts nobody again


def test_a_changed_comment_replaces_the_old_tags(runtime):
    seed_team(runtime)
    first = {"response_id": "changed-1", "customer": {"id": "c-changed"}}
    response_id = ingest(runtime, score=8, comment="The delivery arrived five days late", **first)
    drain(runtime)
    ingest(runtime, score=8, comment="They charged my card twice for one invoice", **first)
    drain(runtime)
    themes = [tag.theme for tag in response(runtime, response_id)[1]]
    assert "billing" in themes and "delivery" not in themes


def test_the_reconciler_tags_what_nobody_tagged(runtime):
    seed_team(runtime)
    response_id = ingest(runtime, score=9, comment="La app se cuelga cada vez que intento pagar")
    drain(runtime)
    with runtime.uow() as uow:
        uow.responses.get(response_id).theme_state = None  # as after an upgrade, or a lost task
        uow.commit()
    report = reconcile(
        uow=runtime.uow(),
        now=runtime.clock() + timedelta(hours=1),
        stuck_after=timedelta(minutes=1),
    )
    assert report.untagged == 1 and runtime.dispatcher.responses == [response_id]
    drain(runtime)
    stored, tags = response(runtime, response_id)
    assert stored.theme_state == TagState.TAGGED and "digital_channels" in [tag.theme for tag in tags]


def test_a_huge_comment_is_tagged_on_its_beginning(runtime):
    seed_team(runtime)
    opening = "La factura vino con un cobro doble. "
    response_id = ingest(runtime, score=1, comment=opening + "bla " * 1_200)  # 4,835 of the 5,000 accepted
    drain(runtime)
    stored, tags = response(runtime, response_id)
    assert stored.theme_state == TagState.TAGGED and "billing" in [tag.theme for tag in tags]


def test_a_model_switched_on_tags_from_the_next_response_and_its_bytes_are_read_once(runtime, monkeypatch):
    seed_team(runtime)
    reads = []
    data = ModelRepository.data
    monkeypatch.setattr(ModelRepository, "data", lambda self, model_id: reads.append(model_id) or data(self, model_id))
    before = ingest(runtime, score=2, comment="Me cobraron dos veces la factura")
    drain(runtime)
    model_id = store_model(runtime, "trained-a")
    after = [ingest(runtime, score=2, comment=f"Me cobraron dos veces la factura {n}") for n in range(3)]
    drain(runtime)
    assert response(runtime, before)[0].tagged_by.startswith("default-")
    assert {response(runtime, rid)[0].tagged_by for rid in after} == {"trained-a"}
    assert reads == [model_id]  # three responses, one load
    with runtime.uow() as uow:
        uow.tagger_models.activate(None)  # back to the default, as `npsloop themes train` never does by itself
        uow.commit()
    with runtime.uow() as uow:
        assert runtime.models.current(uow).name.startswith("default-")


def test_a_stored_model_this_release_cannot_read_leaves_the_default_tagging(runtime, caplog):
    seed_team(runtime)
    store_model(runtime, "trained-by-an-older-release", data=b"PK\x03\x04 not a model")
    with caplog.at_level(logging.WARNING, logger="npsloop.services.tagging"):
        response_id = ingest(runtime, score=2, comment="Me cobraron dos veces la factura")
        drain(runtime)
    stored, tags = response(runtime, response_id)
    assert stored.tagged_by.startswith("default-") and "billing" in [tag.theme for tag in tags]
    assert "cannot be read by this release" in caplog.text


def test_retag_tags_history_since_a_date_again_in_batches_that_each_commit(runtime):
    seed_team(runtime)
    at(runtime, datetime(2026, 10, 1, 12, tzinfo=UTC))
    old = ingest(runtime, score=2, comment="El pedido llego tarde")
    at(runtime, datetime(2026, 11, 2, 12, tzinfo=UTC))
    recent = [ingest(runtime, score=2, comment=f"El pedido llego tarde otra vez {n}") for n in range(5)]
    silent = ingest(runtime, score=9, comment=None)
    drain(runtime)
    store_model(runtime, "trained-b")
    since = datetime(2026, 11, 1, tzinfo=UTC)
    progress = list(retag_since(uow=runtime.uow(), models=runtime.models, since=since, now=runtime.clock(), batch=2))
    assert [(p.done, p.total, p.model) for p in progress] == [
        (2, 5, "trained-b"),
        (4, 5, "trained-b"),
        (5, 5, "trained-b"),
    ]
    assert progress[-1].last_id == max(recent)
    assert {response(runtime, rid)[0].tagged_by for rid in recent} == {"trained-b"}
    assert response(runtime, old)[0].tagged_by.startswith("default-")  # before the date: left alone
    assert response(runtime, silent)[0].theme_state == TagState.NO_COMMENT
    after = list(
        retag_since(uow=runtime.uow(), models=runtime.models, since=since, now=runtime.clock(), after_id=max(recent))
    )
    assert after == []  # resumed past the end: nothing left


def test_a_late_comment_reassesses_its_open_cases_risk_and_retagging_history_does_not(runtime):
    seed_team(runtime)
    answer = {"response_id": "late-risk", "customer": {"id": "c-late-risk"}}
    response_id = ingest(runtime, score=2, comment=None, **answer)
    drain(runtime)
    ingest(runtime, score=2, comment="Me cobraron dos veces la factura", **answer)
    drain(runtime)
    stored, _ = response(runtime, response_id)
    with runtime.uow() as uow:
        case = uow.cases.get(stored.case_id)
        assert any(reason.startswith("themes:") for reason in case.risk_reasons)  # read with the comment's themes
        case.risk, case.risk_reasons = 0.5, ["score:2"]
        uow.commit()
    since = datetime(2020, 1, 1, tzinfo=UTC)
    assert list(retag_since(uow=runtime.uow(), models=runtime.models, since=since, now=runtime.clock()))
    with runtime.uow() as uow:
        case = uow.cases.get(stored.case_id)
        assert (case.risk, case.risk_reasons) == (0.5, ["score:2"])  # what the case was worked with stays
