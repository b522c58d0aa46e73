"""Inline SVG charts, drawn on the server: no script, no CDN, readable offline and by screen readers (each
chart has a title and a description, and every plotted value is also printed as a label)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from npsloop.domain.scores import NpsSummary

WIDTH, HEIGHT = 640, 280
LEFT, RIGHT, TOP, BOTTOM = 48, 16, 24, 40
COLORS = {"promoters": "#1a7f37", "passives": "#9a6700", "detractors": "#cf222e"}


@dataclass(frozen=True)
class Point:
    label: str
    value: float | None  # None: no responses in the period, drawn as a gap


def _x(index: int, count: int) -> float:
    span = WIDTH - LEFT - RIGHT
    return LEFT + (span * (index + 0.5) / count if count else span / 2)


def _y(value: float, low: float = -100, high: float = 100) -> float:
    return TOP + (HEIGHT - TOP - BOTTOM) * (high - value) / (high - low)


def _frame(key: str, title: str, description: str, body: list[str]) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" id="{key}" '
        f'class="chart" aria-labelledby="{key}-t {key}-d"><title id="{key}-t">{escape(title)}</title>'
        f'<desc id="{key}-d">{escape(description)}</desc>' + "".join(body) + "</svg>"
    )


def _x_labels(labels: Sequence[str]) -> list[str]:
    return [
        f'<text x="{_x(i, len(labels)):.1f}" y="{HEIGHT - BOTTOM + 18}" text-anchor="middle" '
        f'font-size="12">{escape(label)}</text>'
        for i, label in enumerate(labels)
    ]


def nps_trend(points: Sequence[Point], target: float | None, title: str, target_label: str) -> str:
    """NPS per period on a fixed -100..100 axis (a zoomed axis would make +2 look like a landslide)."""
    body: list[str] = []
    for tick in (-100, -50, 0, 50, 100):
        y = _y(tick)
        weight = ' stroke-width="1.5"' if tick == 0 else ""
        body.append(f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" stroke="#d0d7de"{weight}/>')
        body.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="12">{tick}</text>')
    body += _x_labels([p.label for p in points])
    if target is not None:
        y = _y(target)
        body.append(
            f'<line class="target" x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" '
            'stroke="#0969da" stroke-dasharray="6 4" stroke-width="2"/>'
        )
        body.append(
            f'<text x="{WIDTH - RIGHT}" y="{y - 6:.1f}" text-anchor="end" font-size="12" fill="#0969da">'
            f"{escape(target_label)} {target:+.0f}</text>"
        )
    segment: list[str] = []
    for i, point in enumerate(points):
        if point.value is None:
            if len(segment) > 1:
                body.append(_polyline(segment))
            segment = []
            continue
        x, y = _x(i, len(points)), _y(point.value)
        segment.append(f"{x:.1f},{y:.1f}")
        body.append(f'<circle class="point" cx="{x:.1f}" cy="{y:.1f}" r="4" fill="#24292f"/>')
        body.append(f'<text x="{x:.1f}" y="{y - 9:.1f}" text-anchor="middle" font-size="11">{point.value:+.0f}</text>')
    if len(segment) > 1:
        body.append(_polyline(segment))
    values = ", ".join(f"{p.label}: {'—' if p.value is None else f'{p.value:+.1f}'}" for p in points)
    return _frame("nps-trend", title, values, body)


def _polyline(points: list[str]) -> str:
    return f'<polyline points="{" ".join(points)}" fill="none" stroke="#24292f" stroke-width="2"/>'


def category_split(rows: Sequence[tuple[str, NpsSummary]], title: str, names: dict[str, str]) -> str:
    """100%-stacked bars per period: detractors at the bottom, where the eye starts."""
    body: list[str] = []
    for tick in (0, 50, 100):
        y = _y(tick, 0, 100)
        body.append(f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" stroke="#d0d7de"/>')
        body.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="12">{tick}%</text>')
    body += _x_labels([label for label, _ in rows])
    bar = 0.6 * (WIDTH - LEFT - RIGHT) / max(len(rows), 1)
    for i, (_, row) in enumerate(rows):
        base = 0.0
        for key in ("detractors", "passives", "promoters"):
            count = getattr(row, key)
            if not row.total or not count:
                continue
            share = 100 * count / row.total
            top, bottom = _y(base + share, 0, 100), _y(base, 0, 100)
            body.append(
                f'<rect class="{key}" x="{_x(i, len(rows)) - bar / 2:.1f}" y="{top:.1f}" width="{bar:.1f}" '
                f'height="{bottom - top:.1f}" fill="{COLORS[key]}"><title>{escape(names[key])}: {count}</title></rect>'
            )
            base += share
    for n, key in enumerate(("promoters", "passives", "detractors")):
        x = LEFT + n * 140
        body.append(f'<rect x="{x}" y="4" width="10" height="10" fill="{COLORS[key]}"/>')
        body.append(f'<text x="{x + 14}" y="13" font-size="12">{escape(names[key])}</text>')
    described = "; ".join(f"{label}: {r.promoters}/{r.passives}/{r.detractors}" for label, r in rows)
    return _frame("category-split", title, described, body)
