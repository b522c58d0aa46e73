"""What the audit page's template is given: each entry's changed fields as short texts (the template escapes
them), worked out here so the template only lays them out."""

from __future__ import annotations

import json
from typing import Any

from npsloop.domain.audit import AuditEntry

SHOWN = 300  # characters of one value shown; the CSV and the API carry it whole


def shown(value: Any) -> str:
    if value is None:
        return "—"
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=True)
    return text if len(text) <= SHOWN else text[: SHOWN - 1] + "…"


def entry_view(entry: AuditEntry, words: dict[str, str]) -> dict[str, Any]:
    return {
        "id": entry.id,
        "at": entry.at,
        "actor": entry.actor,
        "kind": words.get(f"kind_{entry.kind}", entry.kind),
        "action": entry.action.replace("_", " "),
        "name": entry.name,
        "changes": [(field, shown(before), shown(after)) for field, before, after in entry.differences()],
    }
