"""The Teams card of a case event: valid against the official Adaptive Card 1.4 JSON schema for every event
that goes out (with ordinary and with hostile text), in the envelope a Teams Workflows webhook takes, showing
the case, score, themes where present and a link to the case, and no customer phone, email or name."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft6Validator

from npsloop.domain.outbound import all_events
from npsloop.notify.teams_card import CONTENT_TYPE, VERSION, adaptive_card, teams_body

SCHEMA = json.loads((Path(__file__).parents[1] / "fixtures" / "adaptive-card-1.4.json").read_text())
VALIDATOR = Draft6Validator(SCHEMA)
HOSTILE = "[Sign in again](https://evil.example/sso) **URGENT** <at>Marta</at> <b>x</b>\n- list\n# head ~~s~~ `c` &lt;"


def a_case(**overrides: Any) -> dict[str, Any]:
    case: dict[str, Any] = {
        "id": 42,
        "url": "https://nps.example.com/ui/cases/42",
        "status": "open",
        "priority": "high",
        "team": "Logistics",
        "touchpoint": "delivery",
        "customer_display": "Ana G***@example.com +34*******22",
        "customer": {"email": "ana@example.com", "phone": "+34600111222", "name": "Ana Gómez"},
        "themes": [
            {"theme": "late_delivery", "polarity": "negative", "confidence": 0.9},
            {"theme": "staff_attitude", "polarity": "positive", "confidence": 0.6},
        ],
        "opening_response": {"score": 2, "comment": "Nobody came, call me on +34600111222 or ana@example.com"},
    }
    case.update(overrides)
    return case


def an_event(kind: str = "opened", **overrides: Any) -> dict[str, Any]:
    event: dict[str, Any] = {"kind": kind, "actor": "Marta", "at": "2026-03-02T10:00:00+00:00", "note": None}
    event.update(overrides)
    return event


def errors(card: dict[str, Any]) -> list[str]:
    return [f"{list(e.absolute_path)}: {e.message}" for e in VALIDATOR.iter_errors(card)]


def texts(node: Any) -> list[str]:
    """Every string a Teams client renders as Markdown: TextBlock texts, fact titles and values."""
    if isinstance(node, dict):
        found = [node["text"]] if node.get("type") == "TextBlock" else []
        if {"title", "value"} <= node.keys():
            found += [node["title"], node["value"]]
        return found + [t for value in node.values() for t in texts(value)]
    if isinstance(node, list):
        return [t for value in node for t in texts(value)]
    return []


def facts(card: dict[str, Any]) -> dict[str, str]:
    return {f["title"]: f["value"] for f in card["body"][1]["facts"]}


def test_the_schema_copy_is_the_official_adaptive_card_schema():
    assert SCHEMA["id"] == "http://adaptivecards.io/schemas/adaptive-card.json"
    Draft6Validator.check_schema(SCHEMA)


@pytest.mark.parametrize("kind", all_events())
def test_the_card_of_every_outbound_event_is_a_valid_adaptive_card(kind):
    card = adaptive_card(an_event(kind, note="no acknowledgement in 15 min"), a_case())
    assert errors(card) == []
    assert (card["type"], card["version"]) == ("AdaptiveCard", VERSION)


@pytest.mark.parametrize("kind", all_events())
def test_hostile_text_in_every_field_still_makes_a_valid_card_that_shows_it_as_text(kind):
    case = a_case(
        team=HOSTILE,
        touchpoint=HOSTILE,
        priority=HOSTILE,
        themes=[{"theme": HOSTILE, "polarity": "negative", "confidence": 1.0}],
        opening_response={"score": 0, "comment": HOSTILE * 200 + "\x00\u202e"},
    )
    card = adaptive_card(an_event(kind, actor=HOSTILE, note=HOSTILE * 50), case)
    assert errors(card) == []
    for text in texts(card):
        assert not set("[]<>*_~`\\") & set(text), text
        assert "\n" not in text and "&lt;" not in text
    # The only links on the card are its own two buttons.
    assert [action["url"] for action in card["actions"]] == [case["url"], "https://nps.example.com/ui/cases"]
    assert len(json.dumps(teams_body(an_event(kind), case)).encode()) < 28 * 1024  # a Teams message's limit


def test_a_broken_card_fails_validation_so_the_check_can_fail():
    card = adaptive_card(an_event(), a_case())
    for breaking in (
        lambda c: c["body"][0].update(type="TextBlok"),
        lambda c: c["body"][0].pop("text"),
        lambda c: c["body"][1]["facts"][0].pop("value"),
        lambda c: c["body"][1]["facts"][0].update(value=2),
        lambda c: c["actions"][0].pop("url"),
        lambda c: c["actions"][0].update(style="danger"),  # Slack's word, not an Adaptive Card style
        lambda c: c.update(msteams={"width": "Full"}),  # not in the 1.4 schema
        lambda c: c["body"][0].update(size="Huge"),
    ):
        broken = copy.deepcopy(card)
        breaking(broken)
        assert errors(broken), broken


def test_the_body_is_the_envelope_a_workflows_webhook_takes():
    body = teams_body(an_event(), a_case())
    assert body["type"] == "message" and len(body["attachments"]) == 1
    attachment = body["attachments"][0]
    assert attachment["contentType"] == CONTENT_TYPE == "application/vnd.microsoft.card.adaptive"
    assert attachment["contentUrl"] is None
    assert errors(attachment["content"]) == []


def test_the_card_shows_the_case_score_themes_and_a_link_to_the_case():
    card = adaptive_card(an_event("escalated", actor=None, note="no acknowledgement in 15 min"), a_case())
    title = card["body"][0]
    assert title["text"] == "Case #42 escalated" and title["color"] == "Attention"
    assert facts(card) == {
        "Score": "2",
        "Team": "Logistics",
        "Priority": "high",
        "Touchpoint": "delivery",
        "Complains of": "late delivery",
        "Praises": "staff attitude",
        "By": "system",
    }
    assert card["body"][2]["text"].startswith("“Nobody came")
    assert card["body"][3]["text"] == "Note: no acknowledgement in 15 min"
    opened, queue = card["actions"]
    assert (opened["type"], opened["url"], opened["style"]) == (
        "Action.OpenUrl",
        "https://nps.example.com/ui/cases/42",
        "destructive",
    )
    assert queue["url"] == "https://nps.example.com/ui/cases"


def test_themes_and_comment_appear_only_where_present():
    card = adaptive_card(an_event(), a_case(themes=[], opening_response={"score": 6, "comment": "  \n"}))
    assert errors(card) == []
    assert "Complains of" not in facts(card) and "Praises" not in facts(card)
    assert [block["type"] for block in card["body"]] == ["TextBlock", "FactSet"]
    bare = adaptive_card(
        an_event(), a_case(opening_response=None, team=None, touchpoint=None, priority=None, themes=[])
    )
    assert errors(bare) == []
    assert facts(bare) == {"Score": "–", "Team": "none", "Priority": "normal", "Touchpoint": "–", "By": "Marta"}


def test_no_customer_phone_email_or_name_goes_to_the_channel_even_typed_in_the_comment():
    event = an_event(note="called +34600111222, wrote to ana@example.com")
    card = json.dumps(teams_body(event, a_case()), ensure_ascii=False)
    for personal in ("+34600111222", "ana@example.com", "Ana G", "Gómez"):
        assert personal not in card
    # What the customer wrote is the point of the alert: it goes, with the number and address masked (the
    # mask's asterisks as their look-alike, which Teams does not read as emphasis).
    assert "Nobody came, call me on +34∗∗∗∗∗∗∗22 or a∗∗∗@example.com" in card
    assert "Note: called +34∗∗∗∗∗∗∗22, wrote to a∗∗∗@example.com" in card
