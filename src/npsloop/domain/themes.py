"""The reason taxonomy: the themes a comment can be about, each with a fixed key and a name and short description
in Spanish and English. Ten default keys are fixed, because tags, reasons at closure, routing rules and reports
will refer to them across installations: a team may rename or retire them, never remove them; it may add its
own. A taxonomy is checked whole and every mistake reported with its line, so one edit fixes a file."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence, Set
from dataclasses import dataclass, field
from typing import Any

from npsloop.domain.errors import DomainError
from npsloop.domain.text import without_accents

LANGUAGES = ("es", "en")
KEY = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*")
MAX_KEY = 40
MAX_NAME = 40  # "Temas: facturación, espera" must leave the alert room within its two SMS segments
MAX_DESCRIPTION = 200
MAX_THEMES = 100
DEFAULT_KEYS = (
    "wait_time",
    "resolution",
    "staff_attitude",
    "communication",
    "billing",
    "price",
    "delivery",
    "product_quality",
    "digital_channels",
    "effort",
)
THEME_FIELDS = ("key", "name", "description", "retired")
LINE = "__line__"  # where a YAML reader keeps each mapping's line (ingest/yaml_lines.py)


@dataclass(frozen=True)
class Localized:
    """A text in each language npsloop speaks."""

    es: str
    en: str

    def in_language(self, language: str) -> str:
        """Spanish for "es" and its regional forms ("es-MX"), English otherwise."""
        return self.es if language.split("-")[0].lower() == "es" else self.en

    def to_dict(self) -> dict[str, str]:
        return {"es": self.es, "en": self.en}


@dataclass(frozen=True)
class Theme:
    key: str
    name: Localized
    description: Localized = Localized("", "")
    retired: bool = False
    line: int | None = field(default=None, compare=False)

    @property
    def is_default(self) -> bool:
        return self.key in DEFAULT_KEYS

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"key": self.key, "name": self.name.to_dict()}
        if self.description != Localized("", ""):
            out["description"] = self.description.to_dict()
        if self.retired:
            out["retired"] = True
        return out


@dataclass(frozen=True)
class Taxonomy:
    """The themes in the order they were given. `version` counts the stored changes (0: never changed, the
    default), so whatever was tagged under an older version can be found and tagged again."""

    themes: tuple[Theme, ...]
    version: int = field(default=0, compare=False)

    @property
    def active(self) -> tuple[Theme, ...]:
        """The themes new comments may be tagged with; retired ones stay readable in what was tagged before."""
        return tuple(theme for theme in self.themes if not theme.retired)

    def to_dict(self) -> dict[str, Any]:
        return {"themes": [theme.to_dict() for theme in self.themes]}


@dataclass(frozen=True)
class ThemeProblem:
    """One mistake: where (`field`, a path like themes.3.name.es, and the file's `line`) and what."""

    message: str
    line: int | None = None
    field: str = "themes"

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}" if self.line else self.message


class TaxonomyError(DomainError, ValueError):
    """A taxonomy that cannot be used, with every mistake found in it."""

    def __init__(self, problems: Sequence[ThemeProblem]) -> None:
        self.problems = tuple(problems)
        count = f"{len(self.problems)} mistakes" if len(self.problems) != 1 else "a mistake"
        super().__init__(f"the themes have {count}: " + "; ".join(str(p) for p in self.problems))

    def field_errors(self) -> list[dict[str, str]]:
        return [{"field": problem.field, "message": str(problem)} for problem in self.problems]


def parse_taxonomy(document: Any) -> Taxonomy:
    """A taxonomy from its plain form (as YAML gives it), or TaxonomyError naming every mistake and its line."""
    if not isinstance(document, Mapping) or not isinstance(document.get("themes"), list):
        raise TaxonomyError([ThemeProblem("the file must hold a list under 'themes:'", 1)])
    line = document.get(LINE) or 1
    problems = [
        ThemeProblem(f"unknown key {str(key)[:40]!r} (the file has only 'themes:')", line, str(key)[:40])
        for key in document
        if key not in ("themes", LINE)
    ]
    themes: list[Theme] = []
    for index, raw in enumerate(document["themes"]):
        theme = _parse_theme(raw, f"themes.{index}", line, problems)
        if theme is not None:
            themes.append(theme)
    # A theme with a mistake of its own is left out of the checks between themes, but it is not missing.
    present = {raw["key"] for raw in document["themes"] if isinstance(raw, Mapping) and isinstance(raw.get("key"), str)}
    problems += check_taxonomy(themes, line, present=present)
    if problems:
        raise TaxonomyError(sorted(problems, key=lambda problem: problem.line or 0))
    return Taxonomy(tuple(themes))


def check_taxonomy(
    themes: Sequence[Theme], line: int | None = None, *, present: Set[str] = frozenset()
) -> list[ThemeProblem]:
    """The rules between themes: keys unique, names unique in each language, the default keys all present
    (among `themes`, or in `present`: keys of entries refused for another mistake)."""
    if len(themes) > MAX_THEMES:
        return [ThemeProblem(f"{len(themes)} themes: at most {MAX_THEMES}", line)]
    problems = []
    seen: dict[str, Theme] = {}
    named: dict[tuple[str, str], Theme] = {}
    for index, theme in enumerate(themes):
        if theme.key in seen:
            first = seen[theme.key]
            problems.append(_problem(f"the key {theme.key!r} is already used {_at(first)}", theme, f"{index}.key"))
            continue
        seen[theme.key] = theme
        for language in LANGUAGES:
            name = theme.name.in_language(language)
            other = named.setdefault((language, _folded(name)), theme)
            if other is not theme:
                message = f"{theme.key!r}: the {language} name {name!r} is already {other.key!r}'s {_at(other)}"
                problems.append(_problem(message, theme, f"{index}.name.{language}"))
    for key in DEFAULT_KEYS:
        if key not in seen and key not in present:
            message = f"the default theme {key!r} cannot be removed: keep it (rename it, or retire it: retired: true)"
            problems.append(ThemeProblem(message, line))
    return problems


def _parse_theme(raw: Any, path: str, line: int, problems: list[ThemeProblem]) -> Theme | None:
    if not isinstance(raw, Mapping):
        problems.append(ThemeProblem(f"each theme must be a mapping ({', '.join(THEME_FIELDS)})", line, path))
        return None
    line = raw.get(LINE) or line
    before = len(problems)
    for unknown in sorted(str(k)[:40] for k in raw if k not in THEME_FIELDS and k != LINE):
        problems.append(ThemeProblem(f"unknown key {unknown!r} (a theme has {', '.join(THEME_FIELDS)})", line, path))
    key = raw.get("key")
    if not isinstance(key, str) or len(key) > MAX_KEY or not KEY.fullmatch(key):
        message = f"key must be lowercase snake_case (like wait_time), at most {MAX_KEY} characters"
        problems.append(ThemeProblem(message, line, f"{path}.key"))
    label = f"{key[:MAX_KEY]!r}: " if isinstance(key, str) else ""
    name = _localized(raw.get("name"), f"{path}.name", label, line, problems, MAX_NAME, required=True)
    description = _localized(raw.get("description"), f"{path}.description", label, line, problems, MAX_DESCRIPTION)
    retired = raw.get("retired", False)
    if not isinstance(retired, bool):
        problems.append(ThemeProblem(f"{label}retired must be true or false", line, f"{path}.retired"))
    if len(problems) > before:
        return None
    return Theme(str(key), name, description, retired, line)


def _localized(
    raw: Any, path: str, label: str, line: int, problems: list[ThemeProblem], limit: int, *, required: bool = False
) -> Localized:
    what = path.rsplit(".", 1)[-1]
    if raw is None and not required:
        return Localized("", "")
    if not isinstance(raw, Mapping):
        problems.append(ThemeProblem(f"{label}{what} must map es and en to a text: {{es: ..., en: ...}}", line, path))
        return Localized("", "")
    line = raw.get(LINE) or line
    for unknown in sorted(str(k)[:40] for k in raw if k not in LANGUAGES and k != LINE):
        problems.append(ThemeProblem(f"{label}{what} in {unknown!r}: only es and en", line, f"{path}.{unknown}"))
    texts = {}
    for language in LANGUAGES:
        text = raw.get(language)
        if text is None and not required:
            text = ""
        if not isinstance(text, str) or (required and not text.strip()):
            problems.append(ThemeProblem(f"{label}{what} needs a text in {language}", line, f"{path}.{language}"))
        elif len(text.strip()) > limit or any(unicodedata.category(c).startswith("C") for c in text.strip()):
            message = f"{label}{what} in {language} must be one line of at most {limit} characters"
            problems.append(ThemeProblem(message, line, f"{path}.{language}"))
        texts[language] = text.strip() if isinstance(text, str) else ""
    return Localized(es=texts["es"], en=texts["en"])


def _folded(text: str) -> str:
    """Names compared as a reader would: "Facturacion" and "facturación" are the same name."""
    return without_accents(text.casefold()).strip()


def _problem(message: str, theme: Theme, where: str) -> ThemeProblem:
    return ThemeProblem(message, theme.line, f"themes.{where}")


def _at(theme: Theme) -> str:
    return f"(line {theme.line})" if theme.line else "(above)"
