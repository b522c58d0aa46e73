"""Subject access (`npsloop customers export`, GET /v1/customers/{id}/export): everything npsloop holds about
one customer, as JSON, and to whom it went: the agents alerted about their cases and the outbound endpoints
(Slack, helpdesks) that received them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from npsloop.domain.cases import Case
from npsloop.domain.notifications import Notification, NotificationState
from npsloop.domain.outbound import DeliveryStatus, Endpoint
from npsloop.domain.recovery import RecoveryRequest
from npsloop.domain.responses import Response
from npsloop.services.erasure import QUARANTINE_PAGE, Trace, case_ids_of, check_customer_id, subject_of
from npsloop.services.unit_of_work import UnitOfWork


def export_customer(
    *, uow: UnitOfWork, customer_id: str, integration: str | None = None, now: datetime, traces: Sequence[Trace] = ()
) -> dict[str, Any]:
    check_customer_id(customer_id)
    with uow:
        subject, responses = subject_of(uow, customer_id, integration)
        case_ids = case_ids_of(uow, customer_id, integration, responses)
        teams = {team.id: team.name for team in uow.directory.teams()}
        alerts = uow.customers.alerts(case_ids)
        deliveries = uow.customers.deliveries(case_ids)
        cases = [
            _case(
                case,
                teams,
                [item for item in alerts if item[0].case_id == case.id],
                [item for item in deliveries if item[1]["case_id"] == case.id],
            )
            for case in uow.customers.cases(case_ids)
        ]
        recovery = [_recovery(request) for case_id in case_ids for request in uow.recovery.for_case(case_id)]
        keys = {request["customer_key"] for request in recovery}
        opted_out = any(uow.recovery.opted_out(str(key)) for key in keys)
        quarantined = []
        after = 0
        while page := uow.customers.quarantine_page(after, QUARANTINE_PAGE):
            quarantined += [
                {"id": held.id, "task": held.task, "at": held.created_at.isoformat(), "payload": held.payload}
                for held in page
                if subject.mentions(held.payload) or subject.mentions(held.error)
            ]
            after = page[-1].id
    return {
        "customer_id": customer_id,
        "integration": integration,
        "exported_at": now.isoformat(),
        "responses": [_response(resp, teams) for resp in responses],
        "cases": cases,
        "recovery": {
            "requests": [{k: v for k, v in r.items() if k != "customer_key"} for r in recovery],
            "opted_out": opted_out,
        },
        "recipients": {
            "agents": sorted({name for alert, name in alerts if alert.state == NotificationState.SENT}),
            "endpoints": sorted({ep.name for ep, row in deliveries if row["status"] == DeliveryStatus.DELIVERED}),
        },
        "elsewhere": {"quarantine": quarantined, **{trace.name: trace.find(subject) for trace in traces}},
    }


def _recovery(request: RecoveryRequest) -> dict[str, Any]:
    """A recovery follow-up: when it went, how, and what the customer answered."""
    return {
        "case_id": request.case_id,
        "customer_key": request.customer_key,
        "state": request.state,
        "channel": request.channel,
        "sent_at": _iso(request.sent_at),
        "answered_at": _iso(request.answered_at),
        "solved": request.solved,
        "new_score": request.new_score,
        "comment": request.comment,
    }


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _response(resp: Response, teams: dict[int | None, str]) -> dict[str, Any]:
    return {
        "integration": resp.integration,
        "response_id": resp.external_id,
        "customer": {
            "id": resp.customer_id,
            "name": resp.customer_name,
            "email": resp.customer_email,
            "phone": resp.customer_phone,
        },
        "score": resp.score,
        "category": resp.category.value,
        "comment": resp.comment,
        "survey_type": resp.survey_type,
        "touchpoint": resp.touchpoint,
        "language": resp.language,
        "attributes": resp.attributes,
        "responded_at": _iso(resp.responded_at),
        "received_at": _iso(resp.received_at),
        "team": teams.get(resp.team_id),
        "case_id": resp.case_id,
        "erased_at": _iso(resp.erased_at),
    }


def _case(
    case: Case,
    teams: dict[int | None, str],
    alerts: list[tuple[Notification, str]],
    deliveries: list[tuple[Endpoint, dict[str, Any]]],
) -> dict[str, Any]:
    return {
        "id": case.id,
        "status": case.status,
        "outcome": case.outcome,
        "priority": case.priority,
        "team": teams.get(case.team_id),
        "touchpoint": case.touchpoint,
        "opened_at": _iso(case.opened_at),
        "acknowledged_at": _iso(case.acknowledged_at),
        "contacted_at": _iso(case.contacted_at),
        "closed_at": _iso(case.closed_at),
        "erased_at": _iso(case.erased_at),
        "timeline": [
            {"kind": e.kind, "actor": e.actor, "at": _iso(e.at), "note": e.note, "data": e.data} for e in case.events
        ],
        "alerts": [
            {
                "agent": agent,
                "channel": alert.channel,
                "kind": alert.kind,
                "state": alert.state,
                "sent_at": _iso(alert.sent_at),
                "delivery_status": alert.delivery_status,
            }
            for alert, agent in alerts
        ],
        "outbound": [
            {
                "endpoint": endpoint.name,
                "kind": endpoint.kind,
                # Who received it, without the URL's path and query (a Slack webhook URL is a credential).
                "host": urlsplit(endpoint.url).hostname,
                "event": row["event_kind"],
                "status": row["status"],
                "attempts": row["attempts"],
                "delivered_at": _iso(row["delivered_at"]),
            }
            for endpoint, row in deliveries
        ],
    }
