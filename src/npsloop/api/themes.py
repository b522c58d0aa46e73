"""The reason taxonomy over HTTP: read it (those who read the directory), replace it with a YAML text (the
admin). A text with mistakes is a 422 naming each one, its field and its line, and changes nothing."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel

from npsloop.api.auth import allow
from npsloop.api.errors import ApiError, Problem, documented
from npsloop.domain.access import Permission
from npsloop.domain.themes import Taxonomy, Theme
from npsloop.services import themes as service

router = APIRouter(prefix="/v1", tags=["themes"], responses=documented(401, 403, 422, 503))
YAML_TYPES = ("application/yaml", "text/yaml", "application/x-yaml")


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


@router.get("/themes", dependencies=[Depends(allow(Permission.READ_DIRECTORY))], response_model=TaxonomyOut)
async def get_themes(request: Request) -> dict[str, Any]:
    taxonomy = await run_in_threadpool(lambda: service.current_taxonomy(uow=request.app.state.runtime.uow()))
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
async def put_themes(request: Request) -> dict[str, Any]:
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
    rt = request.app.state.runtime
    loaded = await run_in_threadpool(lambda: service.load_themes(uow=rt.uow(), text=text, now=rt.clock()))
    return {**taxonomy_json(loaded.taxonomy), "changed": loaded.changed}
