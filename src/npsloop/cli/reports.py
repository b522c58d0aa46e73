"""`npsloop report nps|loop|review|target`: the supervisor's figures in a terminal, or as JSON for scripts."""

from __future__ import annotations

import json
from datetime import date, datetime
from zoneinfo import ZoneInfo

import click

from npsloop.api.report_json import loop_report_json, nps_report_json
from npsloop.cli.common import cli_actor, fail_on_domain_error, runtime
from npsloop.cli.recovery_lines import HEADER, recovery_line, recovery_lines
from npsloop.dashboard.i18n import risk_reasons
from npsloop.domain.periods import Period
from npsloop.services import review, targets
from npsloop.services.loop_report import loop_report
from npsloop.services.nps_report import NpsQuery, ReportLimits, nps_report
from npsloop.services.report_results import NpsFigures
from npsloop.services.report_scope import report_range


@click.group()
def report() -> None:
    """NPS and loop-closure reports."""


def _range(first: datetime | None, last: datetime | None, period: Period) -> tuple[date, date]:
    rt = runtime()
    return report_range(
        rt.clock(), rt.settings.report_timezone, period, first.date() if first else None, last.date() if last else None
    )


def _signed(value: float | None) -> str:
    return "—" if value is None else f"{value:+.1f}"


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}%"


@report.command("nps")
@click.option("--period", type=click.Choice([p.value for p in Period]), default="month", show_default=True)
@click.option("--from", "first", type=click.DateTime(["%Y-%m-%d"]), default=None)
@click.option("--to", "last", type=click.DateTime(["%Y-%m-%d"]), default=None)
@click.option("--team", default=None)
@click.option("--survey-type", type=click.Choice(["transactional", "relational"]), default=None)
@click.option("--touchpoint", default=None)
@click.option(
    "--by",
    "group_by",
    default=None,
    help="survey_type, touchpoint, team, theme (a response counts in each of its themes) or attribute:<name>",
)
@click.option("--tz", default=None, help="count periods in this zone instead of the team's")
@click.option("--top", type=click.IntRange(min=1), default=None, help="groups shown; the rest are summed as other")
@click.option("--json", "as_json", is_flag=True)
def nps(
    period: str,
    first: datetime | None,
    last: datetime | None,
    team: str | None,
    survey_type: str | None,
    touchpoint: str | None,
    group_by: str | None,
    tz: str | None,
    top: int | None,
    as_json: bool,
) -> None:
    """NPS per period with counts, the 95% interval and the change from the period before."""
    rt = runtime()
    start, end = _range(first, last, Period(period))
    query = NpsQuery(
        first=start,
        last=end,
        period=Period(period),
        team=team,
        survey_type=survey_type,
        touchpoint=touchpoint,
        group_by=group_by,
        timezone=tz,
        top=top,
    )
    limits = ReportLimits(groups=rt.settings.report_max_groups, cells=rt.settings.report_max_cells)
    found = fail_on_domain_error(
        nps_report, uow=rt.uow(), query=query, default_zone=rt.settings.report_timezone, limits=limits
    )
    if as_json:
        click.echo(json.dumps(nps_report_json(found), indent=2, ensure_ascii=False))
        return
    for series in found.series:
        click.echo(f"== {series.group or 'all responses'} ({series.timezone})")
        click.echo(
            f"{'period':<10} {'n':>6} {'prom':>5} {'pass':>5} {'detr':>5} {'NPS':>7} {'95% CI':>16} {'change':>7}"
        )
        for point in series.points:
            click.echo(_nps_line(point.period.label, point.figures, point.change))
        click.echo(_nps_line("total", series.total, None))
    if found.overlapping:
        click.echo("a response counts in every theme its comment names: the groups add up to more than the whole")
    if found.truncated:
        cut = found.truncated
        click.echo(f"{cut.shown} of {cut.groups} groups shown; {cut.in_other} summed in (other)")
    target = found.target
    if target:
        actual, gap = _signed(target.year_to_date.nps), _signed(target.gap)
        click.echo(f"target {target.year}: {target.target:+.1f}, year to date {actual}, gap {gap}")


def _nps_line(label: str, row: NpsFigures, change: float | None) -> str:
    interval = f"[{row.ci95_low:.0f}, {row.ci95_high:.0f}]" if row.nps is not None else ""
    flag = "" if row.reliable or not row.responses else "  (under 30: unreliable)"
    return (
        f"{label:<10} {row.responses:>6} {row.promoters:>5} {row.passives:>5} "
        f"{row.detractors:>5} {_signed(row.nps):>7} {interval:>16} {_signed(change):>7}{flag}"
    )


@report.command("loop")
@click.option("--from", "first", type=click.DateTime(["%Y-%m-%d"]), default=None)
@click.option("--to", "last", type=click.DateTime(["%Y-%m-%d"]), default=None)
@click.option("--team", default=None)
@click.option(
    "--period",
    type=click.Choice([p.value for p in Period]),
    default="month",
    show_default=True,
    help="the periods the recovery follow-ups are split by",
)
@click.option("--json", "as_json", is_flag=True)
def loop(first: datetime | None, last: datetime | None, team: str | None, period: str, as_json: bool) -> None:
    """Loop closure for cases opened in the range, today's backlog, and the recovery follow-ups of the
    resolved cases closed in the range."""
    rt = runtime()
    start, end = _range(first, last, Period.MONTH)
    found = fail_on_domain_error(
        loop_report,
        uow=rt.uow(),
        first=start,
        last=end,
        team=team,
        default_zone=rt.settings.report_timezone,
        now=rt.clock(),
        period=Period(period),
    )
    if as_json:
        click.echo(json.dumps(loop_report_json(found), indent=2, ensure_ascii=False))
        return
    o = found.overall
    click.echo(f"cases opened {found.first} to {found.last} ({found.timezone}): {o.opened}")
    click.echo(f"acknowledged {o.acknowledged}, contacted {o.contacted}, closed {o.closed} {dict(o.closed_by_outcome)}")
    click.echo(f"closed within SLA: {_percent(o.closed_within_sla)}, re-contact rate: {_percent(o.recontact_rate)}")
    for step, times in o.time_to.steps():
        wall, business = times.wall, times.business
        click.echo(
            f"time to {step:<11} median {_hours(wall.median_seconds)} p90 {_hours(wall.p90_seconds)} wall; "
            f"median {_hours(business.median_seconds)} p90 {_hours(business.p90_seconds)} business"
        )
    click.echo(f"open backlog: {found.backlog.open} {dict(found.backlog.by_age)}")
    for line in recovery_lines(found.recovery):
        click.echo(line)


def _hours(seconds: float | None) -> str:
    return "—" if seconds is None else f"{seconds / 3600:.1f}h"


@report.command("review")
@click.option("--month", default=None, help="YYYY-MM; the month before this one when left out")
@click.option("--lang", type=click.Choice(["en", "es"]), default="en", show_default=True, help="theme names in")
@click.option("--json", "as_json", is_flag=True)
def review_command(month: str | None, lang: str, as_json: bool) -> None:
    """The monthly review: NPS against the target, loop closure, and the themes that cost NPS points."""
    rt = runtime()
    zone = rt.settings.report_timezone
    today = rt.clock().astimezone(ZoneInfo(zone)).date()
    first = fail_on_domain_error(review.month_of, month) if month else review.previous_month(today)
    found = review.monthly_review(uow=rt.uow(), month=first, default_zone=zone, now=rt.clock())
    if as_json:
        click.echo(json.dumps(review.review_dict(found), indent=2, ensure_ascii=False))
        return
    click.echo(f"== monthly review {found.label} ({found.timezone}): {found.responses} responses")
    click.echo(
        f"{'':<20} {'n':>6} {'NPS':>7} {'change':>7} {'transac.':>9} {'relat.':>7} {'YTD':>7} {'target':>7} {'gap':>7}"
    )
    for line in found.nps:
        target = "—" if line.target is None else f"{line.target:+.1f}"
        click.echo(
            f"{line.team or '(company)':<20} {line.month.total:>6} {_signed(line.month.score):>7} "
            f"{_signed(line.change):>7} {_signed(line.transactional.score):>9} {_signed(line.relational.score):>7} "
            f"{_signed(line.year_to_date.score):>7} {target:>7} {_signed(line.gap):>7}"
        )
    click.echo("-- loop closure (cases opened in the month)")
    for closure in found.loop:
        click.echo(
            f"{closure.team or '(company)':<20} opened {closure.opened}, contacted {closure.contacted}, "
            f"within SLA {_percent(closure.contacted_within_sla)}, "
            f"median to contact {_hours(closure.median_contact_seconds)} business"
        )
    click.echo("-- recovery follow-ups of resolved cases closed in the month")
    click.echo(HEADER)
    for recovered in found.recovery:
        click.echo(recovery_line(recovered.team or "(company)", recovered.figures))
    click.echo(f"-- top themes among {found.detractors} detractors (NPS points at stake)")
    for row in found.top_themes:
        click.echo(
            f"{found.name(row.theme, lang):<24} {row.detractors:>5}  {_percent(row.share):>7}  "
            f"{_signed(row.points_at_stake)} points"
        )
    if found.movers:
        click.echo("-- moved most since the month before (share of detractors)")
        for move in found.movers:
            click.echo(
                f"{found.name(move.theme, lang):<24} {_percent(move.share_before)} -> {_percent(move.share_now)}"
            )
    if found.reasons:
        reasons = ", ".join(f"{found.name(str(t.key), lang)} {t.cases}" for t in found.reasons)
        click.echo(f"-- reasons agents recorded at closure: {reasons}")
        click.echo("-- actions taken: " + ", ".join(f"{t.key or '(none)'} {t.cases}" for t in found.actions))
    if found.riskiest:
        click.echo("-- open cases most at risk of ending badly")
        for risky in found.riskiest:
            why = "; ".join(risk_reasons(risky.reasons, lang, lambda key: found.name(key, lang)))
            click.echo(f"#{risky.case_id:<6} {risky.team or '—':<16} risk {risky.risk:.2f}  {why}")
    if found.comments:
        click.echo("-- what they said (personal data masked)")
        for comment in found.comments:
            click.echo(f"[{found.name(comment.theme, lang)}] {comment.score}: {comment.text}")


@report.group("target")
def target() -> None:
    """Yearly NPS targets, per team or for the company."""


@target.command("set")
@click.option("--year", type=click.IntRange(2000, 2100), required=True)
@click.option("--nps", type=click.FloatRange(-100, 100), required=True)
@click.option("--team", default=None, help="leave out for the company-wide target")
def set_target(year: int, nps: float, team: str | None) -> None:
    rt = runtime()
    fail_on_domain_error(
        targets.set_target, uow=rt.uow(), year=year, nps=nps, team=team, actor=cli_actor(), now=rt.clock()
    )
    click.echo(f"target for {team or 'the company'} in {year}: {nps:+.1f}")


@target.command("list")
def list_targets() -> None:
    for row in targets.list_targets(uow=runtime().uow()):
        click.echo(f"{row['year']} {row['team'] or '(company)':<20} {row['nps']:+.1f}  set by {row['set_by']}")
