"""Stored tagger models: one active at most, switched in one transaction, old inactive ones pruned."""

from tests.support.trained import store_model


def test_switching_on_a_model_switches_the_previous_one_off(runtime):
    first = store_model(runtime, "trained-1", data=b"one")
    second = store_model(runtime, "trained-2", data=b"two")
    with runtime.uow() as uow:
        assert uow.tagger_models.active_id() == second
        assert [(m.name, m.active) for m in uow.tagger_models.listed()] == [("trained-2", True), ("trained-1", False)]
        assert uow.tagger_models.data(first) == ("trained-1", b"one")
        assert uow.tagger_models.by_name("trained-1").id == first and uow.tagger_models.by_name("nope") is None
        uow.tagger_models.activate(None)
        uow.commit()
    with runtime.uow() as uow:
        assert uow.tagger_models.active_id() is None


def test_pruning_keeps_the_newest_and_the_active_one_whatever_its_age(runtime):
    active = store_model(runtime, "trained-0", data=b"0")
    for n in range(1, 8):
        store_model(runtime, f"trained-{n}", active=False, data=b"n")
    with runtime.uow() as uow:
        assert uow.tagger_models.prune(keep=3) == 4
        uow.commit()
    with runtime.uow() as uow:
        kept = [m.name for m in uow.tagger_models.listed()]
        assert kept == ["trained-7", "trained-6", "trained-5", "trained-0"]
        assert uow.tagger_models.active_id() == active
