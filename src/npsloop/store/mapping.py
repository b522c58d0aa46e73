"""Maps the domain's plain classes onto the tables, so the domain never imports SQLAlchemy."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import QueryableAttribute, class_mapper, registry, relationship

from npsloop.domain.access import ApiToken
from npsloop.domain.cases import Case, CaseEvent
from npsloop.domain.directory import Agent, Team
from npsloop.domain.integrations import Integration
from npsloop.domain.notifications import Notification
from npsloop.domain.outbound import Endpoint
from npsloop.domain.recovery import RecoveryRequest
from npsloop.domain.responses import Response
from npsloop.store import tables

mapper_registry = registry(metadata=tables.metadata)


def start_mappers() -> None:
    """Idempotent: the API, the worker and the tests each call it once per process."""
    if mapper_registry.mappers:
        return
    mapper_registry.map_imperatively(Team, tables.teams)
    # The column is `channels`; the attribute another name, as Agent.channels() says where an alert goes.
    mapper_registry.map_imperatively(Agent, tables.agents, properties={"channel_order": tables.agents.c.channels})
    mapper_registry.map_imperatively(Response, tables.responses)
    event_mapper = mapper_registry.map_imperatively(CaseEvent, tables.case_events)
    mapper_registry.map_imperatively(
        Case,
        tables.cases,
        properties={
            "events": relationship(
                event_mapper, order_by=tables.case_events.c.id, cascade="all, delete-orphan", lazy="select"
            )
        },
    )
    mapper_registry.map_imperatively(Notification, tables.notifications)
    mapper_registry.map_imperatively(ApiToken, tables.api_tokens)
    mapper_registry.map_imperatively(Integration, tables.integrations)
    mapper_registry.map_imperatively(Endpoint, tables.outbound_endpoints)
    mapper_registry.map_imperatively(RecoveryRequest, tables.recovery_requests)


def case_events() -> QueryableAttribute[Any]:
    """Case.events as the ORM knows it, for loader options: the domain class declares a plain list, which the
    mapping above replaced with this relationship."""
    events: QueryableAttribute[Any] = class_mapper(Case).relationships["events"].class_attribute
    return events
