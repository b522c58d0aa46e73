"""What goes out to Slack and to signed webhooks, and the POST that carries it. Slack gets a Block Kit
message meant for people in a channel (no customer phone or email in it); a webhook gets the whole case as
JSON for a helpdesk or CRM to open its own ticket, signed like npsloop's inbound webhooks
(`NPSLoop-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<body>">`) so the receiver checks it with the same
code, plus the delivery id to deduplicate retries."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from npsloop.egress.client import Egress
from npsloop.egress.policy import EgressError
from npsloop.ingest import signature
from npsloop.notify.chat_text import mrkdwn

ERROR_TEXT = 500  # characters of a failed answer kept in the delivery log
FIELD_TEXT = 200  # characters of a person's text in a Slack field (Slack takes 2,000, a field shows far fewer)
TITLES = {
    "opened": "opened",
    "acknowledged": "acknowledged",
    "contacted": "customer contacted",
    "closed": "closed",
    "escalated": "escalated",
}


@dataclass(frozen=True)
class Outcome:
    ok: bool
    status_code: int | None
    error: str | None = None


def webhook_body(delivery_id: int, event: dict[str, Any], case: dict[str, Any]) -> dict[str, Any]:
    return {"id": delivery_id, "type": f"case.{event['kind']}", "event": event, "case": case}


def slack_body(event: dict[str, Any], case: dict[str, Any]) -> dict[str, Any]:
    title = f"Case #{case['id']} {TITLES.get(event['kind'], event['kind'])}"
    opening = case.get("opening_response") or {}
    facts = [
        ("Score", str(opening.get("score", "–"))),
        ("Team", case.get("team") or "none"),
        ("Priority", case.get("priority") or "normal"),
        ("Touchpoint", case.get("touchpoint") or "–"),
        ("Customer", case.get("customer_display") or "–"),
        ("By", event.get("actor") or "system"),
        ("Complains of", ", ".join(t["theme"] for t in case.get("themes", []) if t["polarity"] == "negative") or "–"),
    ]
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": title[:150]}},
        # Field values are people's text: escaped, as mrkdwn would otherwise ping or link from them.
        {
            "type": "section",
            "fields": [{"type": "mrkdwn", "text": f"*{k}*\n{mrkdwn(v, FIELD_TEXT)}"} for k, v in facts],
        },
    ]
    comment = opening.get("comment")
    if comment:
        blocks.append({"type": "section", "text": {"type": "plain_text", "text": f"“{comment[:2800]}”"}})
    if event.get("note"):
        blocks.append({"type": "context", "elements": [{"type": "plain_text", "text": str(event["note"])[:2000]}]})
    blocks.append(
        {
            "type": "actions",
            "elements": [
                {
                    "type": "button",
                    "text": {"type": "plain_text", "text": "Open the case"},
                    "url": case["url"],
                    "action_id": "open_case",
                    "style": "danger" if event["kind"] == "escalated" else "primary",
                },
                {
                    "type": "button",
                    "text": {"type": "plain_text", "text": "The queue"},
                    "url": case["url"].rsplit("/", 1)[0],
                    "action_id": "open_queue",
                },
            ],
        }
    )
    # The fallback text (notifications, old clients) is parsed as mrkdwn too.
    return {"text": mrkdwn(f"{title}: score {opening.get('score', '–')}"), "blocks": blocks}


def post(
    url: str, body: dict[str, Any], *, egress: Egress, secret: str | None, delivery_id: int, kind: str, now: int
) -> Outcome:
    """Through the egress client: a slow or huge answer, or a refused destination, is a failed attempt like
    any other (retried with backoff), and only the start of an error body is read, to record."""
    raw = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
    headers = {"Content-Type": "application/json", "User-Agent": "npsloop-outbound/1"}
    if secret:
        headers[signature.HEADER] = signature.sign(raw, secret, now)
        headers["NPSLoop-Delivery"] = str(delivery_id)
        headers["NPSLoop-Event"] = kind
    try:
        reply = egress.request("POST", url, headers=headers, content=raw, max_bytes=ERROR_TEXT * 4, wait=True)
    except EgressError as error:
        return Outcome(False, None, f"{type(error).__name__}: {error}"[:ERROR_TEXT])
    if 200 <= reply.status < 300:
        return Outcome(True, reply.status)
    return Outcome(False, reply.status, reply.text(ERROR_TEXT) or f"HTTP {reply.status}")
