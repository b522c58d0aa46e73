"""Reading a response's comment for its themes, in the worker, off the request path.

Which model reads it is this process's `Models`: the default (fitted on the seed shipped in the package, kept
fitted in a cache folder) until a trained one is switched on. A response whose comment changes is read again,
and one nobody read (a lost task, a history load, an upgrade) is found by the reconciler."""

from __future__ import annotations

import threading
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from npsloop.domain.responses import Response
from npsloop.domain.theme_tags import MAX_TAGGED_CHARS, TagState, ThemeTag
from npsloop.store.uow import UnitOfWork

if TYPE_CHECKING:  # the model's libraries are imported where a model is used, not by every process (the API)
    from npsloop.tagging.default_model import NamedTagger

_lock = threading.Lock()
_defaults: dict[Path | None, NamedTagger] = {}


class Models:
    """The models of one process, each loaded once and then shared by every task the process runs."""

    def __init__(self, cache_dir: Path | None) -> None:
        self.cache_dir = cache_dir

    def current(self, uow: UnitOfWork) -> NamedTagger:
        del uow  # the stored, trained models are read through it once there are any
        return self.default()

    def default(self) -> NamedTagger:
        from npsloop.tagging.default_model import load_default

        with _lock:
            if self.cache_dir not in _defaults:
                _defaults[self.cache_dir] = load_default(self.cache_dir)
            return _defaults[self.cache_dir]


def tag_response(*, uow: UnitOfWork, models: Models, response: Response, now: datetime) -> tuple[ThemeTag, ...]:
    """Inside the caller's unit of work: the tags are written with whatever else the caller commits."""
    assert response.id is not None
    comment = (response.comment or "").strip()
    if not comment:
        tags: tuple[ThemeTag, ...] = ()
        state, by = TagState.NO_COMMENT, None
    else:
        named = models.current(uow)
        result = named.tagger.tag(comment[:MAX_TAGGED_CHARS], response.language)
        tags, state, by = result.tags, result.state, named.name
    uow.tags.replace(response.id, tags)
    response.theme_state, response.tagged_at, response.tagged_by = state.value, now, by
    return tags
