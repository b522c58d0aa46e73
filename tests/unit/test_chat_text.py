"""People's text in a chat message prints as typed: a customer name written as Slack markup neither pings the
channel nor shows a disguised link (the markup of mrkdwn, escaped by one function every chat channel uses)."""

from __future__ import annotations

from typing import Any

from npsloop.notify.chat_text import mrkdwn
from npsloop.notify.outbound import slack_body

PHISHING_NAME = "<!channel> <https://evil.example/sso|Session expired: sign in again>"
MARKUP = ("<!", "<@", "<#", "<http")


def texts(node: Any, kind: str) -> list[str]:
    """Every text object of one type (mrkdwn or plain_text) anywhere in a Block Kit message."""
    if isinstance(node, dict):
        found = [node["text"]] if node.get("type") == kind and isinstance(node.get("text"), str) else []
        return found + [t for value in node.values() for t in texts(value, kind)]
    if isinstance(node, list):
        return [t for value in node for t in texts(value, kind)]
    return []


def test_a_customer_named_as_slack_markup_pings_nobody_and_links_nowhere():
    case = {
        "id": 7,
        "url": "https://nps.example.com/ui/cases/7",
        "team": "<!here> Billing & <#C024BE7LR>",
        "priority": "high",
        "touchpoint": "<https://evil.example|delivery>",
        "customer_display": PHISHING_NAME,
        "opening_response": {"score": 2, "comment": "<!everyone> call me at <https://evil.example|your bank> @channel"},
    }
    event = {"kind": "opened", "actor": "<@U012AB3CD> Marta", "note": "<!channel> note"}
    body = slack_body(event, case)
    marked = [body["text"], *texts(body, "mrkdwn")]
    for text in marked:
        assert not any(markup in text for markup in MARKUP), text
    fields = "\n".join(texts(body, "mrkdwn"))
    assert "&lt;!channel&gt; &lt;https://evil.example/sso|Session expired: sign in again&gt;" in fields
    assert "&lt;!here&gt; Billing &amp; &lt;#C024BE7LR&gt;" in fields
    assert "&lt;@U012AB3CD&gt; Marta" in fields
    # The comment and the note go as plain_text, which Slack never parses for mentions or links.
    plain = texts(body, "plain_text")
    assert any(case["opening_response"]["comment"] in text for text in plain)
    assert all(PHISHING_NAME not in text for text in marked)


def test_mrkdwn_escapes_the_three_entities_slack_decodes_and_cuts_before_escaping():
    assert mrkdwn("a & b < c > d") == "a &amp; b &lt; c &gt; d"
    assert mrkdwn("&lt;!channel&gt;") == "&amp;lt;!channel&amp;gt;"  # an entity typed by hand stays literal
    assert mrkdwn("<<<", limit=2) == "&lt;&lt;"  # never half an entity
    assert "@channel" not in mrkdwn("hi @channel and @HERE") and "@" in mrkdwn("@channel")
    assert mrkdwn("Ana Gómez *VIP*") == "Ana Gómez *VIP*"
