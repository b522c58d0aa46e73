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

from npsloop.notify import sms_text

LANGUAGES = ("en", "es")
SHRINKABLE = ("comment", "customer_name", "touchpoint", "case_refs")
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
        values = {key: sms_text.normalize(str(v)) if isinstance(v, str) else v for key, v in context.items()}

        def render(current: Mapping[str, Any]) -> str:
            return sms_text.normalize(self._render(f"sms/{event}.{lang}.txt", current))

        text = render(values)
        for key in SHRINKABLE:
            if sms_text.fits(text):
                break
            if values.get(key):
                values[key] = _longest_fitting(values[key], lambda v, k=key: render({**values, k: v}))
                text = render(values)
        return text

    def email(self, event: str, language: str | None, context: Mapping[str, Any]) -> RenderedEmail:
        lang = self.language(language)
        subject = sms_text.normalize(self._render(f"email/{event}.{lang}.subject.txt", context))
        return RenderedEmail(
            subject=subject,
            text=self._render(f"email/{event}.{lang}.txt", context).strip() + "\n",
            html=self._render(f"email/{event}.{lang}.html", context),
        )


def _longest_fitting(value: str, render: Callable[[str], str]) -> str:
    """Binary search on the prefix length: segment count grows monotonically with it."""
    if sms_text.fits(render("")):
        low, high = 0, len(value)
        while low < high:
            mid = (low + high + 1) // 2
            if sms_text.fits(render(value[:mid].rstrip() + ELLIPSIS)):
                low = mid
            else:
                high = mid - 1
        return value[:low].rstrip() + ELLIPSIS if low else ""
    return ""
