"""What the admin pages' templates are given, worked out here so the templates only lay it out: a rule error
with its line and the text around it, and a sample response to start the "try it" box with."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from npsloop.domain.directory import Team
from npsloop.domain.rules import RuleError

AROUND = 2  # lines shown before and after the one an error names
MAX_SHOWN = 200  # characters of each line shown


def rule_error(error: RuleError, text: str) -> dict[str, Any]:
    """The message without its "line N: " prefix (the page says the line in its own language), the line, and
    the lines around it as (number, text, is_the_line)."""
    message = re.sub(r"^line \d+: ", "", str(error))
    lines = text.split("\n")
    line = error.line if error.line is not None and 1 <= error.line <= len(lines) else None
    excerpt = []
    if line is not None:
        for number in range(max(1, line - AROUND), min(len(lines), line + AROUND) + 1):
            excerpt.append((number, lines[number - 1][:MAX_SHOWN], number == line))
    return {"line": line, "message": message, "excerpt": excerpt}


def sample_example(teams: Sequence[Team]) -> str:
    """A detractor at the first touchpoint a team owns, as /v1/responses would receive it (the fields routing
    does not read left out)."""
    touchpoint = next((t for team in teams for t in team.touchpoints), "delivery")
    sample = {"score": 3, "touchpoint": touchpoint, "comment": "", "language": "en", "attributes": {}}
    return json.dumps(sample, indent=2, ensure_ascii=False)
