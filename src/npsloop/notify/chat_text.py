"""Text people typed (a customer's name, a team, an agent's name), made inert for chat markup before it is
placed in a message. Slack's mrkdwn turns `<!channel>` into a ping of the whole channel and
`<https://x|Sign in>` into a link that shows only its label; Slack decodes exactly three entities (&amp;,
&lt;, &gt;), so escaping those three is what makes such text print as typed. Slack's text goes through this
module; Teams renders another markup, made inert by notify.teams_text."""

from __future__ import annotations

import re

# "@channel" typed as plain text is a ping too where a message is posted with link_names: a word joiner
# after the "@" keeps it readable and inert.
_BROADCAST = re.compile(r"@(?=(?:channel|here|everyone)\b)", re.IGNORECASE)
WORD_JOINER = "\u2060"


def mrkdwn(text: str, limit: int | None = None) -> str:
    """`text` as Slack mrkdwn that shows it literally: no mention, no link, no entity of its own. Cut to
    `limit` characters before escaping, so an entity is never cut in half."""
    cut = text if limit is None else text[:limit]
    escaped = cut.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _BROADCAST.sub("@" + WORD_JOINER, escaped)
