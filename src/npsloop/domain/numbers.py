"""Numbers that arrive as text (a score, a case number in an SMS, a signature's timestamp), read one way.

`str.isdigit()` is true for "²" and "⑧", which `int()` then refuses, and `int()` refuses more than 4,300
digits: either escaped as an exception nobody expected. Here only ASCII decimal digits count, and a caller
says how many it can use, so text is a number or it is not, never an error.
"""

from __future__ import annotations

import re

# What an integer key holds in the database (SQLite's INTEGER, PostgreSQL's BIGINT): ids beyond it are no row.
MAX_ROW_ID = 2**63 - 1

_DECIMAL = re.compile(r"[0-9]+")


def is_decimal(text: str) -> bool:
    """Only the digits 0-9 (not "²", "⑧" or "٣"), at least one."""
    return _DECIMAL.fullmatch(text) is not None


def decimal(text: str, *, max_digits: int) -> int | None:
    """The value of `text` if it is 1 to `max_digits` ASCII digits, else None."""
    if len(text) > max_digits or not is_decimal(text):
        return None
    return int(text)
