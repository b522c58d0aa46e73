"""What the admin pages' templates are given, worked out here so the templates only lay it out: a rule error
with its line and the text around it, and a sample response to start the "try it" box with."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from npsloop.domain.directory import Team
from npsloop.domain.responses import Response
from npsloop.domain.rules import RuleError

MAX_AROUND = 12  # lines of a rule shown before or after the one an error names, at most
MAX_SHOWN = 200  # characters of each line shown


def rule_error(error: RuleError, text: str) -> dict[str, Any]:
    """The message without its "line N: " prefix (the page says the line in its own language), the line, and
    the lines around it as (number, text, is_the_line): the whole rule the line belongs to, and the line before."""
    message = re.sub(r"^line \d+: ", "", str(error))
    lines = text.split("\n")
    line = error.line if error.line is not None and 1 <= error.line <= len(lines) else None
    if line is None:
        return {"line": None, "message": message, "excerpt": []}
    first = line  # the rule's first line ("  - name: ..."), found going up
    for number in range(line, max(0, line - MAX_AROUND), -1):
        shown = lines[number - 1]
        if shown.lstrip().startswith("- ") and _indent(shown) <= _indent(lines[line - 1]):
            first = number
            break
    last, indent = min(len(lines), max(line, first + MAX_AROUND)), _indent(lines[first - 1])
    for number in range(first + 1, last + 1):
        shown = lines[number - 1]
        starts_next = shown.lstrip().startswith("- ") and _indent(shown) == indent
        if number > line and shown.strip() and (_indent(shown) < indent or starts_next):
            last = number - 1  # the next rule, or the end of the list
            break
    while last > line and not lines[last - 1].strip():
        last -= 1
    excerpt = [(n, lines[n - 1][:MAX_SHOWN], n == line) for n in range(max(1, first - 1), last + 1)]
    return {"line": line, "message": message, "excerpt": excerpt}


def _indent(line: str) -> int:
    """Where the line's content starts, a list item's dash counted as indentation ("  - name" is at 4)."""
    stripped = line.lstrip(" ")
    extra = 2 if stripped.startswith("- ") else 0
    return len(line) - len(stripped) + extra


def sample_example(teams: Sequence[Team]) -> str:
    """A detractor at the first touchpoint a team owns, as /v1/responses would receive it (the fields routing
    does not read left out)."""
    touchpoint = next((t for team in teams for t in team.touchpoints), "delivery")
    sample = {"score": 3, "touchpoint": touchpoint, "comment": "", "language": "en", "attributes": {}}
    return json.dumps(sample, indent=2, ensure_ascii=False)


def sample_of(response: Response) -> str:
    """A stored response as a sample (what routing reads, and whose it is, so an open case of theirs shows):
    no name, phone or email."""
    sample = {
        "integration": response.integration,
        "customer": {"id": response.customer_id},
        "score": response.score,
        "survey_type": response.survey_type,
        "touchpoint": response.touchpoint,
        "comment": response.comment,
        "language": response.language,
        "attributes": response.attributes,
    }
    return json.dumps({k: v for k, v in sample.items() if v is not None}, indent=2, ensure_ascii=False, default=str)
