"""What goes out to a Microsoft Teams channel: an Adaptive Card (version 1.4, which Teams renders on
desktop, web and mobile) for each case event, in the envelope a Teams Workflows webhook takes (the
"Post to a channel when a webhook request is received" template posts `attachments[0].content` as a card).

The card shows the case, its score, team, priority, touchpoint, the themes complained of and praised where
there are any, who acted, the comment and the note, and a button to the case page. It shows no customer
name, phone or email (one typed in the comment or the note is masked): a channel is read by many. Every
text that came from people goes through `teams_text`, so none of it can add a link, a mention or
formatting of its own."""

from __future__ import annotations

from typing import Any

from npsloop.notify.outbound import TITLES
from npsloop.notify.teams_text import teams_text
from npsloop.redaction import redact

CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
VERSION = "1.4"
FACT_TEXT = 200  # characters of a person's text in a fact
COMMENT_TEXT = 1000  # characters of the customer's comment (a Teams message carries at most 28 KB)
NOTE_TEXT = 500
NONE = "–"


def teams_body(event: dict[str, Any], case: dict[str, Any]) -> dict[str, Any]:
    """The JSON a Workflows webhook URL is posted: a message with the card as its one attachment."""
    return {
        "type": "message",
        "attachments": [{"contentType": CONTENT_TYPE, "contentUrl": None, "content": adaptive_card(event, case)}],
    }


def adaptive_card(event: dict[str, Any], case: dict[str, Any]) -> dict[str, Any]:
    kind = str(event["kind"])
    escalated = kind == "escalated"
    title = f"Case #{int(case['id'])} {TITLES.get(kind) or teams_text(kind, 40)}"
    body: list[dict[str, Any]] = [
        {
            "type": "TextBlock",
            "text": title,
            "size": "Large",
            "weight": "Bolder",
            "color": "Attention" if escalated else "Default",
            "wrap": True,
        },
        {"type": "FactSet", "facts": [{"title": name, "value": value} for name, value in _facts(event, case)]},
    ]
    # A phone number or an email address typed in the comment or the note is masked, as in the logs.
    comment = teams_text(redact(str((case.get("opening_response") or {}).get("comment") or "")), COMMENT_TEXT)
    if comment:
        body.append({"type": "TextBlock", "text": f"“{comment}”", "wrap": True})
    note = teams_text(redact(str(event.get("note") or "")), NOTE_TEXT)
    if note:
        body.append(
            {
                "type": "TextBlock",
                "text": f"Note: {note}",
                "isSubtle": True,
                "wrap": True,
                "spacing": "Small",
            }
        )
    url = str(case["url"])
    actions = [
        {
            "type": "Action.OpenUrl",
            "title": "Open the case",
            "url": url,
            "style": "destructive" if escalated else "positive",
        },
        {"type": "Action.OpenUrl", "title": "The queue", "url": url.rsplit("/", 1)[0]},
    ]
    return {
        "$schema": SCHEMA,
        "type": "AdaptiveCard",
        "version": VERSION,
        "fallbackText": title,
        "body": body,
        "actions": actions,
    }


def _facts(event: dict[str, Any], case: dict[str, Any]) -> list[tuple[str, str]]:
    opening = case.get("opening_response") or {}
    score = opening.get("score")
    facts = [
        ("Score", str(int(score)) if score is not None else NONE),
        ("Team", _text(case.get("team"), "none")),
        ("Priority", _text(case.get("priority"), "normal")),
        ("Touchpoint", _text(case.get("touchpoint"), NONE)),
    ]
    for polarity, name in (("negative", "Complains of"), ("positive", "Praises")):
        themes = [str(t["theme"]).replace("_", " ") for t in case.get("themes", []) if t.get("polarity") == polarity]
        if themes:
            facts.append((name, teams_text(", ".join(themes), FACT_TEXT)))
    facts.append(("By", _text(event.get("actor"), "system")))
    return facts


def _text(value: Any, empty: str) -> str:
    shown = teams_text(str(value), FACT_TEXT) if value else ""
    return shown or empty
