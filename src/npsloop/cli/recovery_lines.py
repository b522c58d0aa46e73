"""The recovery follow-ups as terminal lines, for `npsloop report loop` and `npsloop report review`: each share
printed with the counts it is taken over, and a period without follow-ups said in words, never as 0%."""

from __future__ import annotations

from collections.abc import Iterator

from npsloop.services.report_results import Recovery, RecoveryFigures

HEADER = (
    f"{'':<20} {'asked':>5} {'sent':>5} {'answ.':>5}  {'confirmed (yes/yes+no)':<22} {'reopened (/answ.)':<18} "
    f"{'new scores d/p/P':<16} recovered"
)


def _rate(value: float | None, part: int, whole: int) -> str:
    return "—" if value is None else f"{value:.1f}% ({part}/{whole})"


def recovery_line(label: str, f: RecoveryFigures) -> str:
    if f.requests == 0:
        return f"{label:<20} no follow-ups"
    if f.sent == 0:
        return f"{label:<20} {f.requests:>5} {0:>5}  none sent"
    new = f.new_scores
    return (
        f"{label:<20} {f.requests:>5} {f.sent:>5} {f.answered:>5}  "
        f"{_rate(f.confirmed_rate, f.confirmed, f.answered_yes_no):<22} "
        f"{_rate(f.reopen_rate, f.reopened, f.answered):<18} "
        f"{f'{new.detractors}/{new.passives}/{new.promoters}':<16} "
        f"{_rate(f.recovered_rate, f.recovered, new.responses)}"
    )


def recovery_lines(recovery: Recovery) -> Iterator[str]:
    """The whole report per period, its total, then each team's total."""
    yield f"-- recovery follow-ups of resolved cases closed in the range, by {recovery.period.value}"
    yield HEADER
    for point in recovery.overall.points:
        yield recovery_line(point.period.label, point.figures)
    yield recovery_line("total", recovery.overall.total)
    for row in recovery.by_team:
        yield recovery_line(f"team {row.team or '—'}", row.total)
    total = recovery.overall.total
    if total.sent:
        yield (
            f"answered {_rate(total.response_rate, total.answered, total.sent)} of those sent; "
            f"confirmed by {_rate(total.confirmed_of_sent, total.confirmed, total.sent)} of those asked"
        )
