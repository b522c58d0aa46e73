"""A stored, switched-on model without fitting one: the default model's bytes under a trained model's name.
Enough to see which model a command, a route or processing uses, in a second rather than a fit."""

from __future__ import annotations

from npsloop.bootstrap import Runtime
from npsloop.tagging import model_file


def store_model(rt: Runtime, name: str = "trained-test", *, active: bool = True, data: bytes | None = None) -> int:
    if data is None:
        data = model_file.dumps(rt.models.default().tagger)
    with rt.uow() as uow:
        model_id = uow.tagger_models.add(
            name=name, created_at=rt.clock(), trained_on=40, score_before=0.5, score_after=0.6, data=data
        )
        if active:
            uow.tagger_models.activate(model_id)
        uow.commit()
    return model_id
