"""What reading a dashboard form gives its route, whichever form it is (a team's, an agent's)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class ReadForm:
    """A submitted form: the values as typed (shown again on a mistake), the errors by field, and what the
    service is to be given."""

    values: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)
    change: dict[str, Any] = field(default_factory=dict)
