"""What the dashboard's templates are given: plain values worked out from case views and reports, so the
templates only lay them out. Kept free of FastAPI so the wording and the countdowns can be unit-tested."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from functools import lru_cache
from importlib import resources
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from npsloop.dashboard import charts
from npsloop.dashboard.i18n import risk_reasons
from npsloop.domain.closure import DEFAULT_ACTIONS
from npsloop.domain.scores import NpsSummary
from npsloop.domain.theme_tags import negative_themes
from npsloop.domain.themes import Theme
from npsloop.redaction import redact
from npsloop.services.casework import CaseView
from npsloop.services.report_results import NpsReport

SOON = timedelta(hours=1)


def countdown(due: datetime, now: datetime, words: dict[str, str]) -> tuple[str, str]:
    """("due in 2 h 5 min", "soon") or ("overdue by 1 d 3 h", "overdue"): the text and its urgency class."""
    left = due - now
    if left < timedelta(0):
        return f"{words['overdue_by']} {span(-left)}", "overdue"
    return f"{words['due_in']} {span(left)}", "soon" if left <= SOON else ""


def span(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes} min"
    return f"{minutes} min"


def queue_row(
    view: CaseView, now: datetime, words: dict[str, str], theme_names: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """`theme_names` names theme keys in the viewer's language; a key it lacks (a theme since removed) shows
    as itself."""
    case = view.case
    names = theme_names or {}
    latest = view.responses[-1] if view.responses else None
    row: dict[str, Any] = {
        "id": case.id,
        "status": case.status,
        "priority": case.priority,
        "team": view.team_name,
        "assignee": view.assignee_name,
        "customer": (latest.customer_name or latest.customer_id) if latest else "—",
        "score": latest.score if latest else "—",
        "comment": _excerpt(latest.comment if latest else None),
        "themes": ", ".join(names.get(key, key) for key in negative_themes(view.themes)),
        "step": None,
        "countdown": "",
        "urgency": "",
    }
    deadline = case.next_deadline()
    if deadline is not None:
        row["step"] = deadline[0]
        row["countdown"], row["urgency"] = countdown(deadline[1], now, words)
    return row


def _excerpt(text: str | None, limit: int = 120) -> str:
    if not text:
        return ""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def signed(value: float | None) -> str:
    return "—" if value is None else f"{value:+.1f}"


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}%"


def duration(seconds: float | None) -> str:
    return "—" if seconds is None else span(timedelta(seconds=seconds))


@lru_cache(maxsize=1)
def stylesheet() -> str:
    """Read once, when first asked for: templates/dashboard.css."""
    return (resources.files("npsloop.dashboard") / "templates" / "dashboard.css").read_text(encoding="utf-8")


def environment(zone: str) -> Environment:
    """Built once per application. Autoescaped: a comment holding markup shows as text."""
    env = Environment(
        loader=PackageLoader("npsloop.dashboard", "templates"),
        autoescape=select_autoescape(enabled_extensions=("html",), default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    tz = ZoneInfo(zone)
    env.filters["when"] = lambda at: at.astimezone(tz).strftime("%Y-%m-%d %H:%M %Z") if at else "—"
    env.filters["signed"] = signed
    env.filters["percent"] = percent
    env.filters["duration"] = duration
    env.filters["risk_reasons"] = risk_reasons
    env.filters["masked"] = redact  # a phone or an email shown in a list: as the logs show it
    return env


def report_charts(nps: NpsReport, words: dict[str, str]) -> tuple[Markup, Markup]:
    """The NPS trend against the target and the category split, from an nps_report of one series."""
    points = nps.series[0].points
    target = nps.target.target if nps.target else None
    trend = charts.nps_trend(
        [charts.Point(p.period.label, p.figures.nps) for p in points], target, words["nps_trend"], words["target"]
    )
    split = charts.category_split(
        [(p.period.label, NpsSummary(p.figures.promoters, p.figures.passives, p.figures.detractors)) for p in points],
        words["split"],
        {k: words[k] for k in ("promoters", "passives", "detractors")},
    )
    # Built from escaped parts in charts.py, so safe to embed as markup.
    return Markup(trend), Markup(split)  # noqa: S704


def closure_context(
    view: CaseView, themes: Sequence[Theme], language: str, actions: Sequence[str], words: Mapping[str, str]
) -> dict[str, Any]:
    """The case page's themes and its close form. The reason boxes come pre-checked with what the customer
    complained of (the negative tags), or with the reasons of a previous closure after a reopen: the agent
    confirms or corrects them, and what they submit is a label the tagger learns from."""
    names = {theme.key: theme.name.in_language(language) for theme in themes}
    chosen = set(view.reasons or negative_themes(view.themes))
    return {
        "tags": [
            {"name": names.get(tag.theme, tag.theme), "polarity": tag.polarity.value, "confidence": tag.confidence}
            for tag in view.themes
        ],
        "reason_choices": [
            {"key": theme.key, "name": names[theme.key], "checked": theme.key in chosen}
            for theme in themes
            if not theme.retired
        ],
        "reasons": [names.get(key, key) for key in view.reasons],
        "theme_names": names,
        "actions": [(code, action_label(code, words)) for code in actions],
        "action_labels": {code: action_label(code, words) for code in (*actions, *DEFAULT_ACTIONS)},
        "action_label": action_label(view.case.action_code, words) if view.case.action_code else None,
    }


def action_label(code: str, words: Mapping[str, str]) -> str:
    """The default codes have words in each language; a code an installation added shows as itself, readably."""
    return words.get(f"action_{code}", code.replace("_", " "))
