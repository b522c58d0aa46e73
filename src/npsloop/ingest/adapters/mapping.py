"""A tool nobody wrote an adapter for: a small declarative map from npsloop's fields to places in the tool's
JSON, each a dotted path (`answers.0.value`) or a JSONPath (`$.answers[?(@.type=='nps')].value`); the first
match is taken. Requests are signed like npsloop's own webhooks (`NPSLoop-Signature: t=...,v1=...`) with the
integration's secret. An optional `event` path and `accept` list skip the tool's other events.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from jsonpath_ng import JSONPath
from jsonpath_ng.ext.filter import Expression
from jsonpath_ng.ext.parser import parse as parse_jsonpath
from jsonpath_ng.ext.string import Sub

from npsloop.ingest import signature
from npsloop.ingest.adapters.base import (
    ConfigError,
    Fetch,
    Ignored,
    PayloadError,
    Request,
    ToolAdapter,
    check_common,
    json_body,
    response,
    score_of,
    text_or_none,
)

TOLERANCE_SECONDS = 300
TARGETS = {
    "response_id",
    "score",
    "comment",
    "responded_at",
    "updated_at",
    "touchpoint",
    "survey_type",
    "language",
    "customer.id",
    "customer.name",
    "customer.email",
    "customer.phone",
}
REQUIRED = frozenset({"response_id", "score", "customer.id"})
ATTRIBUTE = re.compile(r"^attributes\.[A-Za-z0-9_.-]{1,64}$")
_compiled: dict[str, JSONPath] = {}


def runs_a_regex(path: JSONPath) -> bool:
    """Whether a parsed path would run a regular expression on the payload: a `=~` filter or a
    `sub(/re/, ...)`. Python's `re` backtracks without a time limit, so a pattern like `(a+)+$` and a payload
    of a few thousand characters would hold a worker's thread for hours."""
    stack: list[Any] = [path]
    while stack:
        node = stack.pop()
        if isinstance(node, Sub) or (isinstance(node, Expression) and node.op == "=~"):
            return True
        if isinstance(node, list | tuple):
            stack.extend(node)
        elif isinstance(node, JSONPath):
            stack.extend(vars(node).values())
    return False


def compile_path(path: str, field: str | None = None) -> JSONPath:
    """Dotted paths are JSONPath without the `$.`; numbers in them index lists. A path that would run a
    regular expression is refused, with the setting (`field`) it came from."""
    if path not in _compiled:
        text = (
            path
            if path.startswith("$")
            else "$."
            + ".".join(f"[{part}]" if part.isdigit() else f"'{part}'" for part in path.split(".")).replace(".[", "[")
        )
        try:
            parsed = parse_jsonpath(text)
        except Exception as error:  # jsonpath-ng raises its own errors and plain Exception alike
            raise ConfigError(f"{path!r} is not a path: {error}", field) from None
        if runs_a_regex(parsed):
            raise ConfigError(
                f"{field or 'a path'}: {path!r} uses a regular expression (=~ or sub), which mappings may not "
                "run; match with == or a dotted path instead",
                field,
            )
        _compiled[path] = parsed  # only paths that passed: a cached path needs no second look
    return _compiled[path]


def first(path: str, document: Any, field: str) -> Any:
    try:
        found = compile_path(path, field).find(document)
    except ConfigError as error:  # a mapping stored before its kind of path was refused: it runs no longer
        raise PayloadError(field, str(error)) from None
    return found[0].value if found else None


class MappingAdapter(ToolAdapter):
    def check_config(self, config: dict[str, Any]) -> dict[str, Any]:
        check_common(config, {"fields", "event", "accept"})
        fields = config.get("fields")
        if not isinstance(fields, dict) or not fields:
            raise ConfigError("a mapping needs 'fields': {target: path}")
        for target, path in fields.items():
            if target not in TARGETS and not ATTRIBUTE.match(target):
                raise ConfigError(
                    f"unknown target {target!r}; one of {', '.join(sorted(TARGETS))} or attributes.<name>"
                )
            if not isinstance(path, str) or not path:
                raise ConfigError(f"{target}: the path must be text", f"config.fields.{target}")
            compile_path(path, f"config.fields.{target}")
        missing = REQUIRED - set(fields)
        if missing:
            raise ConfigError(f"the mapping must say where to find: {', '.join(sorted(missing))}")
        if "event" in config:
            compile_path(str(config["event"]), "config.event")
            if not isinstance(config.get("accept"), list) or not config["accept"]:
                raise ConfigError("'event' needs 'accept': the event values that are responses")
        return config

    def verify(self, request: Request, secrets: list[str], config: Mapping[str, Any], now: float) -> None:
        signature.verify(
            request.headers.get(signature.HEADER), request.body, {"": secrets}, now=now, tolerance=TOLERANCE_SECONDS
        )

    def parse(self, request: Request, config: Mapping[str, Any], fetch: Fetch) -> dict[str, Any] | Ignored:
        document = json_body(request)
        if "event" in config:
            event = first(str(config["event"]), document, "config.event")
            if event not in config["accept"]:
                return Ignored(f"event {str(event)[:60]!r} is not one of {config['accept']}")
        fields: dict[str, str] = config["fields"]
        values = {target: first(path, document, f"config.fields.{target}") for target, path in fields.items()}
        if values["score"] is None:
            raise PayloadError("score", f"nothing at {fields['score']}")
        built = response(
            config,
            self.survey_type,
            response_id=values["response_id"],
            score=score_of(values["score"], fields["score"]),
            comment=text_or_none(values.get("comment")),
            customer={
                "id": str(values["customer.id"]) if values["customer.id"] is not None else None,
                "name": text_or_none(values.get("customer.name")),
                "email": text_or_none(values.get("customer.email")),
                "phone": text_or_none(values.get("customer.phone")),
            },
            responded_at=values.get("responded_at"),
            attributes={t.removeprefix("attributes."): v for t, v in values.items() if t.startswith("attributes.")},
            language=text_or_none(values.get("language")),
        )
        for optional in ("touchpoint", "survey_type", "updated_at"):
            if isinstance(values.get(optional), str):
                built[optional] = values[optional]
        return built


ADAPTER = MappingAdapter()
