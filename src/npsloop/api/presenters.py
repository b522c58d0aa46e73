"""How cases, responses and agents look on the wire (and in the CLI's --json)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from npsloop.domain.directory import Agent, Team
from npsloop.domain.responses import Response
from npsloop.domain.risk import InvalidRiskReason, RiskReason
from npsloop.services.agent_hours import WorkingHours
from npsloop.services.casework import CaseView


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _seconds(value: timedelta | None) -> float | None:
    return value.total_seconds() if value is not None else None


def response_json(response: Response) -> dict[str, Any]:
    return {
        "id": response.id,
        "response_id": response.external_id,
        "integration": response.integration,
        "score": response.score,
        "category": response.category.value,
        "comment": response.comment,
        "survey_type": response.survey_type,
        "touchpoint": response.touchpoint,
        "language": response.language,
        "attributes": response.attributes,
        "responded_at": _iso(response.responded_at),
        "received_at": _iso(response.received_at),
    }


def _reason_key(stored: str) -> str:
    """The machine form of a risk reason, whichever release stored it (older cases kept English texts); a text
    no release wrote is given as it is."""
    try:
        return RiskReason.parse(stored).key
    except InvalidRiskReason:
        return stored


def case_json(view: CaseView, *, full: bool = True) -> dict[str, Any]:
    case = view.case
    latest = view.responses[-1] if view.responses else None
    body: dict[str, Any] = {
        "id": case.id,
        "status": case.status,
        "outcome": case.outcome,
        "team": view.team_name,
        "assignee": view.assignee_name,
        "touchpoint": case.touchpoint,
        "priority": case.priority,
        "rule": case.rule,
        "risk": case.risk,  # 0-1, that the case ends badly (None: opened before risk was assessed)
        "risk_reasons": [_reason_key(text) for text in case.risk_reasons or []],
        "acknowledge_due_at": _iso(case.acknowledge_due_at),
        "contact_due_at": _iso(case.contact_due_at),
        "close_due_at": _iso(case.close_due_at),
        "score": latest.score if latest else None,
        "category": latest.category.value if latest else None,
        "customer": {
            "id": latest.customer_id if latest else None,
            "name": latest.customer_name if latest else None,
            "email": latest.customer_email if latest else None,
            "phone": latest.customer_phone if latest else None,
        },
        "opened_at": _iso(case.opened_at),
        "acknowledged_at": _iso(case.acknowledged_at),
        "contacted_at": _iso(case.contacted_at),
        "closed_at": _iso(case.closed_at),
        "time_to_acknowledge_seconds": _seconds(case.time_to_acknowledge),
        "time_to_contact_seconds": _seconds(case.time_to_contact),
        "time_to_close_seconds": _seconds(case.time_to_close),
        "response_count": len(view.responses),
        "themes": [tag.to_dict() for tag in view.themes],
        "action_code": case.action_code,
        "action_note": case.action_note,
        "reasons_at": _iso(case.reasons_at),
    }
    if full:
        body["reasons"] = list(view.reasons)
        body["responses"] = [response_json(r) for r in view.responses]
        body["timeline"] = [
            {"kind": e.kind, "actor": e.actor, "at": _iso(e.at), "note": e.note, "data": e.data} for e in view.events
        ]
        body["notifications"] = [
            {
                "id": n.id,
                "agent_id": n.agent_id,
                "channel": n.channel,
                "kind": n.kind,
                "state": n.state,
                "attempts": n.attempts,
                "sent_at": _iso(n.sent_at),
                "last_error": n.last_error,
            }
            for n in view.notifications
        ]
    return body


def team_json(team: Team) -> dict[str, Any]:
    return {
        "id": team.id,
        "name": team.name,
        "touchpoints": team.touchpoints,
        "default": team.is_default,
        "timezone": team.timezone,
        "hours": team.hours,
        "holidays": team.holiday_country,
        "extra_holidays": team.extra_holidays,
        "after_hours": team.after_hours,
        "sla": team.sla,
        "escalation": team.escalation,
        "reasons_required": team.reasons_required,
        "recovery": team.recovery,
        "recovery_themes": team.recovery_themes,
    }


def agent_json(agent: Agent, team_name: str) -> dict[str, Any]:
    return {
        "id": agent.id,
        "name": agent.name,
        "team": team_name,
        "phone": agent.phone,
        "email": agent.email,
        "language": agent.language,
        "active": agent.active,
        "off_duty_until": _iso(agent.off_duty_until),
        "role": agent.role,
        "channels": agent.channel_order,  # in order of preference; null: SMS and email at once
        "hours": agent.hours,  # working hours in the team's zone; null: the team's
        "on_call": agent.on_call,
    }


def hours_json(shown: WorkingHours) -> dict[str, Any]:
    return {
        "agent": shown.agent,
        "team": shown.team,
        "timezone": shown.timezone,
        "hours": shown.hours,
        "team_hours": shown.team_hours,
        "on_call": shown.on_call,
        "next_alert_at": shown.next_alert_at.isoformat(),
    }
