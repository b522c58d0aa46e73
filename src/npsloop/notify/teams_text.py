"""Text people typed (a customer's comment, a touchpoint from a survey payload, a team or agent name), made
inert for Microsoft Teams before it is placed in an Adaptive Card. Teams renders a Markdown subset in a
TextBlock and in a FactSet's titles and values: **bold**, _italic_, lists ("- x", "1. x") and links
[label](url); HTML is not rendered, and a mention is `<at>name</at>` (with an entity in the card).

Backslash escapes are not used: they are not part of the documented subset, Teams' desktop, web and mobile
clients render cards with different parsers, and a parser set up as in Microsoft's own samples (markdown-it
with only its text, emphasis and link rules) ignores them, so "\\[x\\](url)" is still a link there. So the
characters that open markup are swapped for look-alikes no Markdown parser treats as syntax, which makes
the text inert under any of them:

  * _ ~ `  ->  ∗ ＿ ∼ ˋ      (emphasis, strikethrough, code)
  [ ] \\    ->  ［ ］ ＼      (links, images, reference links, escapes)
  < >      ->  ＜ ＞         (HTML, autolinks, <at> mentions)
  &        ->  & + word joiner (an entity such as &lt; stays as typed instead of being decoded)

Line breaks and other whitespace become one space (so no list, heading, quote, table or reference
definition can start a line), and a text that begins with a block marker ("-", "+", "#", "=", "1.") gets an
invisible word joiner in front. Control characters and bidirectional overrides (which reorder what an
agent reads) are dropped. Emoji and every other letter pass unchanged. A bare URL stays a URL, shown as
itself: Teams may make it clickable, never under another label."""

from __future__ import annotations

import re

WORD_JOINER = "\u2060"
ELLIPSIS = "…"
_LOOKALIKES = str.maketrans(
    {
        "*": "\u2217",  # ∗ ASTERISK OPERATOR
        "_": "\uff3f",  # ＿ FULLWIDTH LOW LINE
        "~": "\u223c",  # ∼ TILDE OPERATOR
        "`": "\u02cb",  # ˋ MODIFIER LETTER GRAVE ACCENT
        "[": "\uff3b",  # ［
        "]": "\uff3d",  # ］
        "\\": "\uff3c",  # ＼
        "<": "\uff1c",  # ＜
        ">": "\uff1e",  # ＞
        "&": "&" + WORD_JOINER,
    }
)
_SPACE = re.compile(r"\s+")
# C0 and C1 controls but those that are whitespace (a line break becomes a space, not nothing), bidirectional
# marks, embeddings, overrides and isolates, interlinear annotation.
_CONTROL = re.compile("[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ufff9-\ufffb]")
_BLOCK_START = re.compile(r"^(?:[-+#=]|\d{1,9}[.)])")


def teams_text(text: str, limit: int | None = None) -> str:
    """`text` as Teams card Markdown that shows it literally: no link, emphasis, list, heading, tag or mention
    of its own; on one line; cut to `limit` characters (an ellipsis marks the cut) before the look-alikes
    go in, so the limit counts what the person typed."""
    flat = _SPACE.sub(" ", _CONTROL.sub("", text)).strip()
    if limit is not None and len(flat) > limit:
        flat = flat[: max(limit - 1, 0)].rstrip() + ELLIPSIS
    inert = flat.translate(_LOOKALIKES)
    return WORD_JOINER + inert if _BLOCK_START.match(inert) else inert
