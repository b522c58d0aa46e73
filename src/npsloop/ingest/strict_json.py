"""JSON from outside (our webhooks, survey tools' webhooks), read one way: strictly, and never deeper than
MAX_DEPTH levels.

orjson refuses invalid UTF-8, lone surrogates, NaN and infinities, and anything nested past 1,024 levels. A
second pass refuses repeated keys, which parsers otherwise resolve silently (the last wins), so a signed body
means one thing only; that pass is Python's own parser, which recurses once per level, so the depth is
checked first, without recursion, on what orjson built. No real payload comes near MAX_DEPTH (a survey
tool's nests about six); past it the body is refused, not half-read.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

MAX_DEPTH = 32


class InvalidJson(ValueError):
    """Why a body is not JSON we accept, said of the body ("is nested deeper..."); safe to return to the sender."""


def loads(raw: bytes) -> Any:
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as error:
        raise InvalidJson(f"is not valid JSON: {error}") from None
    if isinstance(data, dict | list):
        if depth(data) > MAX_DEPTH:
            raise InvalidJson(f"is nested deeper than {MAX_DEPTH} levels")
        try:
            json.loads(raw, object_pairs_hook=_refuse_duplicates)
        except DuplicateKey as error:
            raise InvalidJson(f"repeats the key {error}") from None
    return data


def depth(value: Any) -> int:
    """How many objects and arrays are nested at the deepest point (a scalar is 0), walked with a stack."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, level = stack.pop()
        if isinstance(node, dict):
            children: Any = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        deepest = max(deepest, level)
        if level > MAX_DEPTH:
            break  # already too deep: no need to measure how much deeper
        stack.extend((child, level + 1) for child in children)
    return deepest


class DuplicateKey(ValueError):
    pass


def _refuse_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            raise DuplicateKey(repr(key))
        seen[key] = value
    return seen
