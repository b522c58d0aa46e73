"""The monthly review, emailed to every supervisor on the first business day of the month.

A beat job calls this daily; it does something only from the month's first weekday (Monday to Friday, in
the report zone) through the CATCH_UP days after it, so a beat that was down that day still sends. Once
per month and supervisor is a database rule: the row (month, agent) is committed before the email goes,
and whoever fails to insert it sends nothing. A mail server that is down releases the row, so tomorrow's
run tries again; one that refuses the address for good keeps it, with the reason.

Mail clients do not draw SVG (Gmail and Outlook drop it), so the email's charts are HTML tables with
coloured cells of computed widths, which every client renders; a plain-text part says the same."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from npsloop.domain.directory import Agent
from npsloop.notify.base import OutboundMessage, PermanentDeliveryError, TransientDeliveryError, Transport
from npsloop.notify.render import Renderer
from npsloop.services import review
from npsloop.services.report_results import RecoveryFigures
from npsloop.services.unit_of_work import Conflict, UnitOfWork

log = logging.getLogger(__name__)
CATCH_UP = timedelta(days=6)
REVIEWERS = ("supervisor", "head")
BAR_PX = 220  # the widest bar in the email's tables


@dataclass(frozen=True)
class ReviewMailing:
    month: str | None  # the month reviewed, None when today is not a day to send
    sent: int = 0
    skipped: int = 0  # recipients someone else already claimed this month


def first_business_day(month: date) -> date:
    day = month.replace(day=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def send_monthly_review(
    *, uow: UnitOfWork, transport: Transport, renderer: Renderer, now: datetime, default_zone: str, public_url: str
) -> ReviewMailing:
    today = now.astimezone(ZoneInfo(default_zone)).date()
    start = first_business_day(today)
    if not start <= today <= start + CATCH_UP:
        return ReviewMailing(None)
    month = review.previous_month(today)
    label = f"{month:%Y-%m}"
    with uow:
        recipients = [a for a in uow.directory.agents() if a.role in REVIEWERS and a.active and a.email]
        claimed = uow.review.mailed(label)
    waiting = [agent for agent in recipients if agent.id not in claimed]
    if not waiting:
        return ReviewMailing(label, skipped=len(recipients))
    found = review.monthly_review(uow=uow, month=month, default_zone=default_zone, now=now)
    sent = skipped = 0
    for agent in waiting:
        if not _claim(uow, label, agent, now):
            skipped += 1
            continue
        sent += _send(uow, transport, renderer, found, agent, now, public_url)
    log.info("monthly review mailed", extra={"month": label, "sent": sent})
    return ReviewMailing(label, sent=sent, skipped=skipped + len(recipients) - len(waiting))


def _claim(uow: UnitOfWork, label: str, agent: Agent, now: datetime) -> bool:
    """Committed before sending: of two runners, the one whose insert fails sends nothing."""
    assert agent.id is not None
    with uow:
        uow.review.claim_mail(label, agent.id, now)
        try:
            uow.commit()
        except Conflict:
            return False
    return True


def _send(
    uow: UnitOfWork,
    transport: Transport,
    renderer: Renderer,
    found: review.Review,
    agent: Agent,
    now: datetime,
    public_url: str,
) -> int:
    assert agent.email is not None and agent.id is not None
    lang = renderer.language(agent.language)
    email = renderer.email("monthly_review", lang, email_context(found, lang, public_url))
    message = OutboundMessage(
        channel="email",
        to=agent.email,
        text=email.text,
        reference=f"review-{found.label}-{agent.id}",
        subject=email.subject,
        html=email.html,
    )
    with uow:
        mails = uow.review
        try:
            transport.send(message)
        except TransientDeliveryError:
            mails.release_mail(found.label, agent.id)  # tomorrow's run tries again
            uow.commit()
            return 0
        except PermanentDeliveryError as error:
            mails.mail_refused(found.label, agent.id, str(error))
            uow.commit()
            return 0
        mails.mail_sent(found.label, agent.id, now)
        uow.commit()
    return 1


def email_context(found: review.Review, lang: str, public_url: str) -> dict[str, Any]:
    """Plain values for the templates, bars already measured in pixels (no template arithmetic)."""
    top = max((row.points_at_stake or 0.0 for row in found.top_themes), default=0.0) or 1.0
    company = found.nps[0]
    closure = found.loop[0]
    return {
        "month": found.label,
        "url": f"{public_url.rstrip('/')}/ui/review?month={found.label}",
        "nps": [
            {
                "team": line.team,
                "n": line.month.total,
                "nps": _signed(line.month.score),
                "change": _signed(line.change),
                "transactional": _signed(line.transactional.score),
                "relational": _signed(line.relational.score),
                "ytd": _signed(line.year_to_date.score),
                "target": _signed(line.target),
                "gap": _signed(line.gap),
            }
            for line in found.nps
        ],
        "company_nps": _signed(company.month.score),
        "responses": found.responses,
        "detractors": found.detractors,
        "opened": closure.opened,
        "within_sla": _percent(closure.contacted_within_sla),
        "median_contact": _hours(closure.median_contact_seconds),
        "recovery": _recovery(found.recovery[0].figures),
        "themes": [
            {
                "name": found.name(row.theme, lang),
                "detractors": row.detractors,
                "share": _percent(row.share),
                "points": _signed(row.points_at_stake),
                "bar_px": max(2, round(BAR_PX * (row.points_at_stake or 0.0) / top)),
            }
            for row in found.top_themes
        ],
        "movers": [
            {"name": found.name(m.theme, lang), "before": _percent(m.share_before), "now": _percent(m.share_now)}
            for m in found.movers
        ],
        "reasons": [{"name": found.name(str(t.key), lang), "cases": t.cases} for t in found.reasons],
        "actions": [{"name": t.key, "cases": t.cases} for t in found.actions],
        "riskiest": [{"case": r.case_id, "team": r.team, "risk": f"{r.risk:.2f}"} for r in found.riskiest],
        "comments": [{"theme": found.name(c.theme, lang), "score": c.score, "text": c.text} for c in found.comments],
    }


def _recovery(figures: RecoveryFigures) -> dict[str, Any] | None:
    """The company's follow-ups in the month, each share with its counts; None without follow-ups."""
    if not figures.requests:
        return None
    return {
        "sent": figures.sent,
        "answered": figures.answered,
        "confirmed": figures.confirmed,
        "yes_no": figures.answered_yes_no,
        "confirmed_rate": _percent(figures.confirmed_rate),
        "reopened": figures.reopened,
        "reopen_rate": _percent(figures.reopen_rate),
        "recovered": figures.recovered,
        "new_scores": figures.new_scores.responses,
    }


def _signed(value: float | None) -> str:
    return "—" if value is None else f"{value:+.1f}"


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}%"


def _hours(seconds: float | None) -> str:
    return "—" if seconds is None else f"{seconds / 3600:.1f} h"
