"""What an alert says: the case, its latest response and the agent, rendered for one channel."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from npsloop.domain.cases import Case
from npsloop.domain.directory import Agent
from npsloop.domain.notifications import AlertEvent, Channel, Deadline, Notification
from npsloop.domain.responses import Response
from npsloop.notify.base import OutboundMessage
from npsloop.notify.render import RenderedEmail, Renderer
from npsloop.services.customer_time import customer_clock, customer_zones, parse_call_hours
from npsloop.services.whatsapp_alert import template_variables


def compose(
    notification: Notification,
    case: Case,
    agent: Agent,
    responses: list[Response],
    renderer: Renderer,
    public_url: str,
    *,
    carried: list[int] | None = None,
    timezone: str = "UTC",
    assignee: str | None = None,
    link: Callable[[int, int, str], str] | None = None,
    now: datetime | None = None,
    call_hours: str = "09:00-21:00",
    themes: tuple[str, ...] = (),
) -> OutboundMessage:
    """`themes` are the names, in the agent's language, of what the customer complains about, most confident
    first: the alert says why before the agent reads the comment."""
    latest = responses[-1] if responses else None
    context = {
        "case_id": case.id,
        "agent_name": agent.name,
        "score": latest.score if latest else "?",
        "comment": latest.comment if latest else None,
        "touchpoint": case.touchpoint,
        "survey_type": latest.survey_type if latest else "",
        "customer_id": latest.customer_id if latest else "",
        "customer_name": latest.customer_name if latest else None,
        "customer_phone": latest.customer_phone if latest else None,
        "customer_email": latest.customer_email if latest else None,
        "responded_at": latest.responded_at.strftime("%Y-%m-%d %H:%M %Z") if latest else "",
        "case_url": f"{public_url.rstrip('/')}/v1/cases/{case.id}",
        "priority": case.priority,
        "acknowledge_by": _local(case.acknowledge_due_at, timezone),
        "acknowledge_by_short": _short(case.acknowledge_due_at, timezone, agent.language),
        "contact_by": _local(case.contact_due_at, timezone),
        "close_by": _local(case.close_due_at, timezone),
        **_customer_time(latest, now, call_hours, agent.language),
        "acknowledge_url": link(case.id, agent.id, "acknowledge") if link and case.id and agent.id else None,
        "contact_url": link(case.id, agent.id, "contact") if link and case.id and agent.id else None,
        "themes": themes,
    }
    reference = f"n{notification.id}"
    alert = notification.alert
    if alert.event == AlertEvent.DIGEST:
        assert case.id is not None  # a digest is sent for a stored case
        cases = carried or [case.id]
        refs = ", ".join(f"#{case_id}" for case_id in cases)
        text = renderer.sms(
            alert.event.value, agent.language, {"count": len(cases), "case_refs": refs, "themes": themes}
        )
        if notification.channel == Channel.WHATSAPP:  # a digest whose SMS failed, walking the agent's order
            variables = template_variables(
                alert, case_id=None, carried=cases, score=None, themes=themes, comment=None, language=agent.language
            )
            return _whatsapp(agent, text, reference, now, variables)
        if notification.channel == Channel.EMAIL:  # a digest whose SMS failed for good, failed over to email
            queue_url = f"{public_url.rstrip('/')}/ui/cases"
            digest = {"count": len(cases), "case_refs": refs, "themes": themes, "queue_url": queue_url}
            return _email(agent, renderer.email(alert.event.value, agent.language, digest), reference)
        return OutboundMessage(channel="sms", to=agent.phone or "", text=text, reference=reference)
    if alert.event == AlertEvent.ASSIGNED:
        context |= {"assignee": assignee, "due_by_short": _short(case.contact_due_at, timezone, agent.language)}
    if alert.deadline is not None:  # a reminder or an escalation
        due_at = _due_at(case, alert.deadline)
        context |= {
            "deadline": alert.deadline.value,
            "step": alert.step,
            "due_by": _local(due_at, timezone),
            "due_by_short": _short(due_at, timezone, agent.language),
            "assignee": assignee,
        }
    if notification.channel == Channel.SMS:
        text = renderer.sms(alert.event.value, agent.language, context)
        return OutboundMessage(channel="sms", to=agent.phone or "", text=text, reference=reference)
    if notification.channel == Channel.WHATSAPP:
        variables = template_variables(
            alert,
            case_id=case.id,
            score=latest.score if latest else None,
            themes=themes,
            comment=latest.comment if latest else None,
            language=agent.language,
        )
        return _whatsapp(agent, renderer.sms(alert.event.value, agent.language, context), reference, now, variables)
    return _email(agent, renderer.email(alert.event.value, agent.language, context), reference)


def _email(agent: Agent, email: RenderedEmail, reference: str) -> OutboundMessage:
    return OutboundMessage(
        channel="email",
        to=agent.email or "",
        text=email.text,
        html=email.html,
        subject=email.subject,
        reference=reference,
    )


def _whatsapp(
    agent: Agent, text: str, reference: str, now: datetime | None, variables: tuple[str, ...]
) -> OutboundMessage:
    """The SMS text, sent as it is inside the agent's 24-hour window; outside it the transport sends the template
    of the agent's language with `variables` instead."""
    return OutboundMessage(
        channel="whatsapp",
        to=agent.phone or "",
        text=text,
        reference=reference,
        window_open=now is not None and agent.whatsapp_window_open(now),
        language=agent.language,
        variables=variables,
    )


def _due_at(case: Case, deadline: Deadline) -> datetime | None:
    """Named field by field, not looked up by name: a deadline the case has no field for cannot type-check."""
    match deadline:
        case Deadline.ACKNOWLEDGE:
            return case.acknowledge_due_at
        case Deadline.CONTACT:
            return case.contact_due_at
        case Deadline.CLOSE:
            return case.close_due_at


def _local(moment: datetime | None, timezone: str) -> str | None:
    """Deadlines read in the team's own time, the way its agents' clocks show them."""
    return moment.astimezone(ZoneInfo(timezone)).strftime("%a %d %b %H:%M") if moment else None


WEEKDAYS = {
    "es": ("lun", "mar", "mié", "jue", "vie", "sáb", "dom"),
    "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
}


def _short(moment: datetime | None, timezone: str, language: str) -> str | None:
    """For SMS, where every character counts: the weekday in the agent's language and the time."""
    if moment is None:
        return None
    local = moment.astimezone(ZoneInfo(timezone))
    names = WEEKDAYS.get(language.split("-")[0], WEEKDAYS["en"])
    return f"{names[local.weekday()]} {local.strftime('%H:%M')}"


def _customer_time(latest: Response | None, now: datetime | None, call_hours: str, language: str) -> dict[str, object]:
    clock = None
    if latest is not None and now is not None:
        zones = customer_zones(latest.customer_phone, latest.attributes)
        clock = customer_clock(zones, now, parse_call_hours(call_hours))
    if clock is None:
        return {"customer_time": None, "customer_call_from": None}
    return {
        "customer_time": clock.label,
        "customer_call_from": _short(clock.call_from, clock.zone, language) if clock.call_from else None,
    }
