"""What the connection pages' templates are given (integrations and their setup, endpoints, delivery log, tokens,
dead letters), worked out here so the templates only lay it out. No secret is ever part of what a list is given:
an endpoint's URL only as shown_url shows it, a token only by its prefix, every error with phones and emails
masked. Kept free of FastAPI, like pages.py."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import yaml

from npsloop.domain.integrations import Integration, IntegrationKind, is_credential
from npsloop.domain.outbound import Endpoint, shown_url
from npsloop.redaction import redact
from npsloop.services.deadletters import DeadLetters

MAX_SETTINGS = 4000  # characters of the settings' YAML
MAX_ERROR = 300  # characters of an error shown in a list


def integration_url(public_url: str, kind: str, name: str) -> str:
    """What the survey tool posts to (the README's table of kinds): the public URL, then the kind and the name."""
    return f"{public_url.rstrip('/')}/v1/integrations/{kind}/{name}"


def setup_for(public_url: str, kind: str, name: str, secret: str | None = None) -> dict[str, str]:
    """The setup of one integration: the URL to paste and the words of its kind's steps. Qualtrics carries its
    secret in the URL (`?key=`), so its URL with the secret is given only with the secret, on the page showing it."""
    url = integration_url(public_url, kind, name)
    if kind == IntegrationKind.QUALTRICS:
        url += f"?key={secret}" if secret else "?key=…"
    return {"url": url, "step": f"setup_{kind}"}


def read_settings(text: str) -> dict[str, Any] | None:
    """The settings typed as YAML (key: value lines; `fields:` of the mapping kind nested), or None when the text
    is not a mapping."""
    if not text.strip():
        return {}
    try:
        loaded = yaml.safe_load(text)
    except yaml.YAMLError:
        return None
    return loaded if isinstance(loaded, dict) and all(isinstance(k, str) for k in loaded) else None


def integration_rows(found: Sequence[Integration], public_url: str, now: datetime) -> list[dict[str, Any]]:
    def moment(at: datetime | None) -> str:
        return at.strftime("%Y-%m-%d %H:%M") if at else "—"

    return [
        {
            "name": i.name,
            "kind": i.kind,
            "url": setup_for(public_url, i.kind, i.name)["url"],
            "settings": ", ".join(f"{k}: {'***' if is_credential(k) else v}" for k, v in i.config.items()),
            "rotated_at": moment(i.rotated_at),
            "old_until": moment(i.previous_valid_until)
            if i.previous_valid_until and i.previous_valid_until > now
            else "—",
        }
        for i in found
    ]


def _later(at: datetime | None, now: datetime) -> bool:
    return at is not None and at > now


def endpoint_rows(found: Sequence[Endpoint]) -> list[dict[str, Any]]:
    """As `webhooks list` lists them: a Slack or Teams URL by its host only."""
    return [{"name": e.name, "kind": e.kind, "url": shown_url(e), "events": ", ".join(e.events)} for e in found]


def delivery_rows(found: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "id": row["id"],
            "endpoint": row["endpoint"],
            "case_id": row["case_id"],
            "event": row["event_kind"],
            "status": row["status"],
            "attempts": row["attempts"],
            "answer": " · ".join(str(part) for part in (row["last_status_code"], masked(row["last_error"])) if part)
            or "—",
        }
        for row in found
    ]


def masked(error: str | None) -> str:
    """An error as a list shows it: phone numbers and email addresses masked, cut short."""
    return redact(error or "")[:MAX_ERROR]


def dead_letter_rows(found: DeadLetters) -> dict[str, list[dict[str, Any]]]:
    """The notifications, and the quarantined responses and task messages, each error masked. A response is
    named by its integration and the tool's id, never by its customer; a task by its name and its arguments."""
    return {
        "notifications": [
            {"id": n.id, "case_id": n.case_id, "channel": n.channel, "state": n.state, "attempts": n.attempts,
             "error": masked(n.last_error)}
            for n in found.notifications
        ],
        "responses": [
            {"id": r.id, "what": masked(f"{r.integration} {r.external_id or ''}".strip()), "attempts": r.failures,
             "error": masked(r.last_error)}
            for r in found.responses
        ],
        "tasks": [
            {"id": t.id, "what": masked(f"{t.task} {t.payload[:80]}"), "attempts": t.attempts, "error": masked(t.error)}
            for t in found.tasks
        ],
    }  # fmt: skip
