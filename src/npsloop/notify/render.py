"""Message text from Jinja2 templates, one per channel, event and language, rendered in a sandbox.

The customer's comment is data handed to a template, never a template itself, and HTML is autoescaped;
so a comment holding `{{ config }}` or a <script> arrives as inert text.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from jinja2 import PackageLoader, StrictUndefined, TemplateNotFound, select_autoescape
from jinja2.sandbox import ImmutableSandboxedEnvironment

from npsloop.domain.text import without_accents
from npsloop.notify import sms_text

LANGUAGES = ("en", "es")
# Shortened in this order until the SMS fits: the comment's tail, then what a reply echoes of the agent's own
# words (an unknown theme), then the name (the phone is there to call), then the themes (whole names dropped from
# the least confident, never cut mid-word: they say why the customer is unhappy in a few words, which is worth
# more than the end of a comment). The case reference and the score are never in the list, so never cut.
SHRINKABLE = ("comment", "detail", "customer_name", "themes", "touchpoint", "case_refs")
# Our own words, not the customer's: their accents are folded whenever that alone keeps the SMS in GSM-7 (checked
# on every candidate text while shortening), since one "ó" in "facturación" would switch the whole message to
# UCS-2 and halve its room.
FOLDABLE = ("themes",)
# When keeping every theme would leave less of the comment than this, only the most confident theme is named:
# one theme says why, and the customer's own words say the rest (UCS-2 leaves 134 characters for everything).
COMMENT_FLOOR = 30
ELLIPSIS = "..."


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str


class Renderer:
    def __init__(self) -> None:
        self.env = ImmutableSandboxedEnvironment(
            loader=PackageLoader("npsloop.notify", "templates"),
            undefined=StrictUndefined,
            autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=False,
        )

    def language(self, wanted: str | None) -> str:
        base = (wanted or "en").split("-")[0].lower()
        return base if base in LANGUAGES else "en"

    def _render(self, name: str, context: Mapping[str, Any]) -> str:
        try:
            template = self.env.get_template(name)
        except TemplateNotFound:
            template = self.env.get_template(name.rsplit(".", 2)[0] + ".en." + name.rsplit(".", 1)[1])
        return template.render(**context)

    def sms(self, event: str, language: str | None, context: Mapping[str, Any]) -> str:
        """Fits the text into two segments by shortening free text, never the case reference or the score."""
        lang = self.language(language)
        values = {key: _normalized(value) for key, value in context.items()}

        def render(current: Mapping[str, Any]) -> str:
            text = sms_text.normalize(self._render(f"sms/{event}.{lang}.txt", current))
            if sms_text.is_gsm7(text) or not any(current.get(key) for key in FOLDABLE):
                return text
            folded = {**current, **{key: _folded(current[key]) for key in FOLDABLE if current.get(key)}}
            plain = sms_text.normalize(self._render(f"sms/{event}.{lang}.txt", folded))
            return plain if sms_text.is_gsm7(plain) else text

        text, kept = _shortened(values, render)
        themes, comment = values.get("themes"), values.get("comment")
        if isinstance(themes, tuple) and len(themes) > 1 and isinstance(comment, str):
            floor = min(len(comment), COMMENT_FLOOR)
            if len(kept.get("comment") or "") < floor:
                fewer, room = _shortened({**values, "themes": themes[:1]}, render)
                if len(room.get("comment") or "") > len(kept.get("comment") or ""):
                    text = fewer
        return text

    def email(self, event: str, language: str | None, context: Mapping[str, Any]) -> RenderedEmail:
        lang = self.language(language)
        subject = sms_text.normalize(self._render(f"email/{event}.{lang}.subject.txt", context))
        return RenderedEmail(
            subject=subject,
            text=self._render(f"email/{event}.{lang}.txt", context).strip() + "\n",
            html=self._render(f"email/{event}.{lang}.html", context),
        )


def _shortened(values: dict[str, Any], render: Callable[[Mapping[str, Any]], str]) -> tuple[str, dict[str, Any]]:
    """The text once it fits, and the values it was rendered from."""
    values = dict(values)
    text = render(values)
    for key in SHRINKABLE:
        if sms_text.fits(text):
            break
        if values.get(key):

            def attempt(value: Any, key: str = key) -> str:
                return render({**values, key: value})

            values[key] = _longest_fitting(values[key], attempt)
            text = render(values)
    return text, values


def _normalized(value: Any) -> Any:
    """Free text, alone or in a list (theme names), as the SMS will carry it."""
    if isinstance(value, str):
        return sms_text.normalize(value)
    if isinstance(value, tuple | list) and all(isinstance(item, str) for item in value):
        return tuple(sms_text.normalize(item) for item in value)
    return value


def _folded(value: Any) -> Any:
    if isinstance(value, str):
        return without_accents(value)
    return tuple(without_accents(item) for item in value)


def _longest_fitting(value: Any, render: Callable[[Any], str]) -> Any:
    """Binary search on the prefix length: segment count grows monotonically with it. A text is cut and ends
    with an ellipsis; a list keeps its first items whole."""
    whole = isinstance(value, str)

    def prefix(length: int) -> Any:
        return value[:length].rstrip() + ELLIPSIS if whole else value[:length]

    if not sms_text.fits(render(value[:0])):
        return value[:0]
    low, high = 0, len(value)
    while low < high:
        mid = (low + high + 1) // 2
        if sms_text.fits(render(prefix(mid))):
            low = mid
        else:
            high = mid - 1
    return prefix(low) if low else value[:0]
