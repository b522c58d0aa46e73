"""Masks phone numbers and email addresses in free text, so logs and consoles never carry them whole."""

from __future__ import annotations

import re

_EMAIL = re.compile(r"([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9.-]+\.[A-Za-z]{2,})")
_PHONE = re.compile(r"\+\d{6,15}")


def redact(text: str) -> str:
    text = _EMAIL.sub(r"\1***@\2", text)
    return _PHONE.sub(lambda m: m.group(0)[:3] + "*" * (len(m.group(0)) - 5) + m.group(0)[-2:], text)
