"""Reading the YAML files people write (routing rules, themes): the safe loader, with each mapping's line kept
so every error can point at it. What a few bytes could turn into a crash, a flood or a silent surprise is refused
with its line:
- aliases: a "billion laughs" file expands nine-fold per level, and so does any later str() or walk of it;
- nesting past MAX_DEPTH: the composer recurses per level, so a file of brackets would exhaust the stack;
- an integer longer than MAX_NUMBER: Python's int() refuses one past 4,300 digits, and str() does too;
- a key repeated in one mapping: the safe loader keeps the last silently, so a second `name:` would win unseen."""

from __future__ import annotations

from typing import Any

import yaml
from yaml.composer import ComposerError
from yaml.constructor import ConstructorError

LINE = "__line__"  # the key under which each mapping carries the line it starts on (1-based)
MAX_DEPTH = 32
MAX_NUMBER = 40  # characters of an integer: Python refuses to convert one past 4,300 digits (ValueError)


class YamlError(ValueError):
    """The text is not YAML this project reads; `line` (1-based) says where, when known."""

    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.message, self.line = message, line


class _LineLoader(yaml.SafeLoader):
    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        if self.check_event(yaml.AliasEvent):
            raise ComposerError(None, None, "aliases (*name) are not allowed: write the value out", self._next_mark())
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise ComposerError(None, None, f"nested deeper than {MAX_DEPTH} levels", self._next_mark())
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def _next_mark(self) -> yaml.Mark:
        """Where the next event starts, as peek_event() would say; PyYAML's stubs leave that one untyped, and
        check_event() loads the same event into current_event."""
        self.check_event()
        mark: yaml.Mark = self.current_event.start_mark
        return mark

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            try:
                repeated = key in seen
            except TypeError:  # an unhashable key: the constructor below says so, with its line
                break
            if repeated:
                raise ConstructorError(None, None, f"the key {str(key)[:40]!r} is repeated", key_node.start_mark)
            seen.add(key)
        mapping: dict[Any, Any] = super().construct_mapping(node, deep=deep)
        mapping[LINE] = node.start_mark.line + 1
        return mapping

    def construct_bounded_int(self, node: yaml.ScalarNode) -> int:
        if len(node.value) > MAX_NUMBER:
            raise ConstructorError(None, None, f"a number longer than {MAX_NUMBER} characters", node.start_mark)
        number: int = super().construct_yaml_int(node)
        return number


_LineLoader.add_constructor("tag:yaml.org,2002:int", _LineLoader.construct_bounded_int)


def read_yaml(text: str) -> Any:
    """The document in `text`, every mapping in it carrying its line under LINE; YamlError if it is not one."""
    try:
        return yaml.load(text, Loader=_LineLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        raise YamlError(f"not valid YAML: {getattr(error, 'problem', None) or error}", _line(mark)) from None


def _line(mark: yaml.Mark | None) -> int | None:
    return mark.line + 1 if mark is not None else None
