"""The reason taxonomy over HTTP: read it (those who read the directory), replace it with a YAML text (the
admin). A text with mistakes is a 422 naming each one, its field and its line, and changes nothing. And the
model in force, for comments of the caller's own: POST /v1/themes:tag."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field

from npsloop.api.auth import Actor, allow
from npsloop.api.body import StrictJsonRoute
from npsloop.api.errors import ApiError, Problem, documented
from npsloop.api.runtime_dep import RuntimeDep
from npsloop.domain.access import Permission
from npsloop.domain.theme_tags import MAX_TAGGED_CHARS
from npsloop.domain.themes import Taxonomy, Theme
from npsloop.services import themes as service
from npsloop.services.tagging import ModelNotReady

router = APIRouter(prefix="/v1", tags=["themes"], responses=documented(401, 403, 422, 503), route_class=StrictJsonRoute)
YAML_TYPES = ("application/yaml", "text/yaml", "application/x-yaml")
MAX_COMMENTS = 100  # per request: tagging is CPU on the API process (about a millisecond a comment)
# A longer text is refused; up to this, its first MAX_TAGGED_CHARS are tagged, as the worker does.
MAX_TEXT = 4 * MAX_TAGGED_CHARS


class Words(BaseModel):
    es: str
    en: str


class ThemeOut(BaseModel):
    key: str
    name: Words
    description: Words
    retired: bool
    default: bool  # one of the ten fixed keys: it may be renamed or retired, never removed


class TaxonomyOut(BaseModel):
    version: int  # 0: the default, never changed; bumped by every load that changes something
    themes: list[ThemeOut]


class LoadedOut(TaxonomyOut):
    changed: bool  # False: the text said what was already in force, and the version stayed


def theme_json(theme: Theme) -> dict[str, Any]:
    return {
        "key": theme.key,
        "name": theme.name.to_dict(),
        "description": theme.description.to_dict(),
        "retired": theme.retired,
        "default": theme.is_default,
    }


def taxonomy_json(taxonomy: Taxonomy) -> dict[str, Any]:
    return {"version": taxonomy.version, "themes": [theme_json(theme) for theme in taxonomy.themes]}


# Read with the case permission: every agent closing a case picks its reasons from these themes.
@router.get("/themes", dependencies=[Depends(allow(Permission.READ_CASES))], response_model=TaxonomyOut)
async def get_themes(runtime: RuntimeDep) -> dict[str, Any]:
    taxonomy = await run_in_threadpool(lambda: service.current_taxonomy(uow=runtime.uow()))
    return taxonomy_json(taxonomy)


@router.put(
    "/themes",
    dependencies=[Depends(allow(Permission.WRITE_THEMES))],
    response_model=LoadedOut,
    responses={
        400: {"model": Problem, "description": "the body is not UTF-8 text"},
        415: {"model": Problem, "description": "the body is not application/yaml or text/yaml"},
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "description": "the whole taxonomy, as `npsloop themes dump` prints it",
            "content": {media: {"schema": {"type": "string"}} for media in YAML_TYPES[:2]},
        }
    },
)
async def put_themes(request: Request, runtime: RuntimeDep, actor: Actor) -> dict[str, Any]:
    """Replaces the taxonomy whole, in one transaction: the ten default keys must all be there (renamed or
    retired as you like), others may be added or left out."""
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media not in YAML_TYPES:
        raise ApiError(415, "unsupported_media_type", "send the themes as application/yaml (or text/yaml)")
    try:
        text = (await request.body()).decode("utf-8")
    except UnicodeDecodeError:
        message = "the body is not UTF-8 text"
        raise ApiError(400, "invalid_text", message, errors=[{"field": "body", "message": message}]) from None
    loaded = await run_in_threadpool(
        lambda: service.load_themes(uow=runtime.uow(), text=text, now=runtime.clock(), actor=actor)
    )
    return {**taxonomy_json(loaded.taxonomy), "changed": loaded.changed}


class CommentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(max_length=MAX_TEXT)
    language: str | None = Field(
        default=None,
        max_length=35,
        description="es, en, es-MX...; others are tagged only where the model is sure, and marked language_known false",
    )


class TagIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    comments: list[CommentIn] = Field(min_length=1, max_length=MAX_COMMENTS)


class TagOut(BaseModel):
    theme: str
    polarity: str  # negative | positive
    confidence: float


class TaggedOut(BaseModel):
    themes: list[TagOut]  # most confident first
    language_known: bool


class TaggingOut(BaseModel):
    model: str  # the model in force, as responses.tagged_by records it
    comments: list[TaggedOut]  # in the order sent


@router.post(
    "/themes:tag",
    dependencies=[Depends(allow(Permission.READ_REPORTS))],
    response_model=TaggingOut,
    responses=documented(400, 413),
)
async def tag_comments(runtime: RuntimeDep, body: TagIn) -> dict[str, Any]:
    """Tags comments with the model in force (the trained one once switched on, else the default), as the worker
    tags responses; nothing is stored. The model is loaded by the API process at the first call; the API never
    fits one: until the worker has fitted this release's default, the answer is a 503."""

    def tag() -> dict[str, Any]:
        with runtime.uow() as uow:
            try:
                named = runtime.models.current(uow, fit=False)
            except ModelNotReady:
                message = "the tagging model is being fitted by the worker (after an upgrade); try again shortly"
                raise ApiError(503, "model_not_ready", message, headers={"Retry-After": "60"}) from None
        pairs = [(comment.text[:MAX_TAGGED_CHARS], comment.language) for comment in body.comments]
        results = named.tagger.tag_many(pairs)
        return {
            "model": named.name,
            "comments": [
                {"themes": [tag.to_dict() for tag in result.tags], "language_known": result.language_known}
                for result in results
            ],
        }

    return await run_in_threadpool(tag)
