"""Reading a response's comment for its themes, in the worker, off the request path.

Which model reads it is this process's `Models`: the default (fitted on the seed shipped in the package, kept
fitted in a cache folder) until a trained one is switched on (`npsloop themes train`, services/training.py). A
response whose comment changes is read again (and its open case's risk with it), and one nobody read (a lost
task, a history load, an upgrade) is found by the reconciler."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from npsloop.domain.responses import Response
from npsloop.domain.theme_tags import MAX_TAGGED_CHARS, TagState, ThemeTag, negative_themes
from npsloop.services.risk import reassess_risk
from npsloop.services.unit_of_work import UnitOfWork

if TYPE_CHECKING:  # the model's libraries are imported where a model is used, not by every process (the API)
    from npsloop.tagging.default_model import NamedTagger

log = logging.getLogger(__name__)
_lock = threading.Lock()
_defaults: dict[Path | None, NamedTagger] = {}


class ModelNotReady(Exception):
    """The default model of this release is not fitted yet (the worker fits it at its first comment, minutes of
    CPU after an upgrade) and the caller would rather not fit it itself."""


class Models:
    """The models of one process, each loaded once and then shared by every task the process runs."""

    def __init__(self, cache_dir: Path | None) -> None:
        self.cache_dir = cache_dir
        # The trained model last found active: its id, and the model (None: its bytes cannot be read here).
        self._trained: tuple[int, NamedTagger | None] | None = None

    def current(self, uow: UnitOfWork, *, fit: bool = True) -> NamedTagger:
        """Inside an open unit of work. Every call reads the active model's id (one indexed row), so a model
        switched on is used from the next response on, in every process; its bytes are read and loaded once.
        With `fit` false, ModelNotReady rather than minutes of fitting the default."""
        model_id = uow.tagger_models.active_id()
        if model_id is None:
            return self.default(fit=fit)
        held = self._trained
        if held is None or held[0] != model_id:
            held = (model_id, _load(uow, model_id))
            with _lock:
                self._trained = held
        return held[1] or self.default(fit=fit)

    def default(self, *, fit: bool = True) -> NamedTagger:
        from npsloop.tagging.default_model import is_cached, load_default

        if not fit and self.cache_dir not in _defaults and not is_cached(self.cache_dir):
            raise ModelNotReady("the default model is not fitted yet")
        with _lock:
            if self.cache_dir not in _defaults:
                _defaults[self.cache_dir] = load_default(self.cache_dir)
            return _defaults[self.cache_dir]


def _load(uow: UnitOfWork, model_id: int) -> NamedTagger | None:
    """A model stored by an older release may not fit this code's features (tagging/model_file.py refuses it):
    the default tags meanwhile, and the next training stores one this release reads."""
    from npsloop.tagging import model_file
    from npsloop.tagging.default_model import NamedTagger

    stored = uow.tagger_models.data(model_id)
    if stored is None:
        return None
    name, data = stored
    try:
        return NamedTagger(name, model_file.loads(data))
    except model_file.ModelFileError as error:
        log.warning(
            "the active tagger model cannot be read by this release; the default tags until the next training",
            extra={"model": name, "error": str(error)},
        )
        return None


def tag_response(
    *, uow: UnitOfWork, models: Models, response: Response, now: datetime, model: NamedTagger | None = None
) -> tuple[ThemeTag, ...]:
    """Inside the caller's unit of work: the tags are written with whatever else the caller commits. `model`: the
    one in force, when the caller tags many comments in one transaction and has read it once for all of them. A comment
    read after its case opened (it arrived or changed later, so ingest left it unread) changes what the case's
    risk was assessed on: the risk is assessed again here, the one place every such reading passes. Tagging
    history again (`retag_since`) reads comments already read, and leaves the risks their cases were worked with."""
    assert response.id is not None
    late = response.case_id is not None and response.theme_state is None
    comment = (response.comment or "").strip()
    if not comment:
        tags: tuple[ThemeTag, ...] = ()
        state, by = TagState.NO_COMMENT, None
    else:
        named = model or models.current(uow)
        result = named.tagger.tag(comment[:MAX_TAGGED_CHARS], response.language)
        tags, state, by = result.tags, result.state, named.name
    uow.tags.replace(response.id, tags, first=response.tagged_at is None)
    response.theme_state, response.tagged_at, response.tagged_by = state, now, by
    if late:
        reassess_risk(uow=uow, response=response, themes=negative_themes(tags), now=now)
    return tags


@dataclass(frozen=True)
class Retagged:
    """Progress of a re-tagging, after each committed batch."""

    done: int
    total: int  # counted when it started; responses arriving meanwhile are tagged by processing anyway
    last_id: int  # where to go on from (`after_id`) if it is stopped
    model: str


def retag_since(
    *, uow: UnitOfWork, models: Models, since: datetime, now: datetime, batch: int = 200, after_id: int = 0
) -> Iterator[Retagged]:
    """Tags again every processed comment received from `since` on (after a taxonomy or model change), in
    batches of `batch` responses by id, each its own transaction: a long history never holds one open, and
    what is done stays done if it stops."""
    with uow:
        total = uow.tags.count_commented_since(since)
    done = 0
    while True:
        with uow:
            ids = uow.tags.commented_since(since, after_id, batch)
            if not ids:
                return
            model = models.current(uow)
            for response_id in ids:
                response = uow.responses.get(response_id)
                if response is not None:
                    tag_response(uow=uow, models=models, response=response, now=now, model=model)
            uow.commit()
        done, after_id = done + len(ids), ids[-1]
        yield Retagged(done, max(total, done), after_id, model.name)
