"""The Why page's charts, inline SVG like the others (charts.py): the theme Pareto, NPS by theme, and each
top theme's share of detractors by month. Every value drawn is also printed, and every text escaped."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from npsloop.dashboard.charts import HEIGHT, LEFT, RIGHT, TOP, WIDTH, _frame, _x, _x_labels, _y

BAR = "#cf222e"
LINE = "#0969da"
# Told apart by more than colour: each trend also has its own dash pattern and its value labels.
SERIES = (("#cf222e", ""), ("#0969da", "6 3"), ("#9a6700", "2 3"), ("#1a7f37", "8 3 2 3"), ("#8250df", "1 2"))
ROW = 26  # height of one bar in the horizontal charts


@dataclass(frozen=True)
class ParetoBar:
    label: str
    count: int
    cumulative: float  # percent of all mentions up to and including this bar


def pareto(bars: Sequence[ParetoBar], title: str, count_label: str) -> str:
    """Bars of detractors per theme, most first, and the running share of mentions as a line on 0..100%."""
    body: list[str] = []
    top = max((bar.count for bar in bars), default=0) or 1
    for tick in (0, 50, 100):
        y = _y(tick, 0, 100)
        body.append(f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" stroke="#d0d7de"/>')
        body.append(f'<text x="{WIDTH - RIGHT}" y="{y - 3:.1f}" text-anchor="end" font-size="11">{tick}%</text>')
    body += _x_labels([bar.label for bar in bars])
    width = min(64.0, 0.6 * (WIDTH - LEFT - RIGHT) / max(len(bars), 1))
    points = []
    for i, bar in enumerate(bars):
        x = _x(i, len(bars))
        y = _y(100 * bar.count / top, 0, 100)
        body.append(
            f'<rect class="bar" x="{x - width / 2:.1f}" y="{y:.1f}" width="{width:.1f}" '
            f'height="{_y(0, 0, 100) - y:.1f}" fill="{BAR}"><title>{escape(bar.label)}: {bar.count}</title></rect>'
        )
        body.append(f'<text x="{x:.1f}" y="{y - 4:.1f}" text-anchor="middle" font-size="11">{bar.count}</text>')
        points.append(f"{x:.1f},{_y(bar.cumulative, 0, 100):.1f}")
        body.append(f'<circle cx="{x:.1f}" cy="{_y(bar.cumulative, 0, 100):.1f}" r="3" fill="{LINE}"/>')
    if points:
        body.append(
            f'<polyline class="cumulative" points="{" ".join(points)}" fill="none" stroke="{LINE}" stroke-width="2"/>'
        )
    described = "; ".join(f"{bar.label}: {bar.count} {count_label}, {bar.cumulative:.0f}%" for bar in bars)
    return _frame("theme-pareto", title, described, body)


def nps_by_theme(rows: Sequence[tuple[str, float | None, int]], title: str) -> str:
    """One horizontal bar per theme on a fixed -100..100 axis, from zero: negative red, positive green."""
    height = TOP + ROW * max(len(rows), 1) + 24
    label_w, pad = 180, 40  # the padding keeps a -100 or +100 value label clear of the names and the edge
    start, span = label_w + pad, WIDTH - label_w - RIGHT - 2 * pad
    zero = start + span / 2
    body = [f'<line x1="{zero:.1f}" y1="{TOP - 6}" x2="{zero:.1f}" y2="{height - 20}" stroke="#8c959f"/>']
    for tick in (-100, 0, 100):
        x = start + span * (tick + 100) / 200
        body.append(f'<text x="{x:.1f}" y="{height - 6}" text-anchor="middle" font-size="11">{tick:+d}</text>')
    for i, (label, value, responses) in enumerate(rows):
        y = TOP + i * ROW
        body.append(
            f'<text x="{label_w - 8}" y="{y + 16}" text-anchor="end" font-size="12">'
            f"{escape(label)} (n={responses})</text>"
        )
        if value is None:
            continue
        end = start + span * (value + 100) / 200
        left, width = min(zero, end), abs(end - zero)
        colour = "#1a7f37" if value >= 0 else BAR
        body.append(
            f'<rect class="bar" x="{left:.1f}" y="{y + 4}" width="{width:.1f}" height="{ROW - 8}" fill="{colour}"/>'
        )
        anchor, at = ("start", end + 4) if value >= 0 else ("end", end - 4)
        body.append(f'<text x="{at:.1f}" y="{y + 17}" text-anchor="{anchor}" font-size="11">{value:+.0f}</text>')
    described = "; ".join(f"{label}: {'—' if v is None else f'{v:+.1f}'} (n={n})" for label, v, n in rows)
    return _frame("nps-by-theme", title, described, body).replace(f"0 0 {WIDTH} {HEIGHT}", f"0 0 {WIDTH} {height}", 1)


def theme_trends(months: Sequence[str], series: Sequence[tuple[str, Sequence[float | None]]], title: str) -> str:
    """Each theme's share of detractors by month, on 0..100%; a month without detractors is a gap."""
    body: list[str] = []
    for tick in (0, 25, 50, 75, 100):
        y = _y(tick, 0, 100)
        body.append(f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" stroke="#d0d7de"/>')
        body.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="12">{tick}%</text>')
    body += _x_labels([month[2:] for month in months])  # "26-11": twelve labels fit
    for n, (label, values) in enumerate(series):
        colour, dash = SERIES[n % len(SERIES)]
        dashes = f' stroke-dasharray="{dash}"' if dash else ""
        at = [(_x(i, len(months)), _y(v, 0, 100)) for i, v in enumerate(values) if v is not None]
        points = [f"{x:.1f},{y:.1f}" for x, y in at]
        body += [f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5" fill="{colour}"/>' for x, y in at]  # a lone month shows
        if points:
            body.append(
                f'<polyline class="trend" points="{" ".join(points)}" fill="none" stroke="{colour}" '
                f'stroke-width="2"{dashes}><title>{escape(label)}</title></polyline>'
            )
        x = LEFT + n * 118
        body.append(f'<line x1="{x}" y1="9" x2="{x + 16}" y2="9" stroke="{colour}" stroke-width="2"{dashes}/>')
        body.append(f'<text x="{x + 20}" y="13" font-size="11">{escape(label)}</text>')
    described = "; ".join(
        f"{label}: "
        + ", ".join(f"{m} {'—' if v is None else f'{v:.0f}%'}" for m, v in zip(months, values, strict=True))
        for label, values in series
    )
    return _frame("theme-trends", title, described, body)
