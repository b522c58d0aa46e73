"""Integrations by name: the one lookup every pushed request starts with."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from npsloop.domain.integrations import Integration
from npsloop.store import tables


class IntegrationRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, integration: Integration) -> None:
        self.session.add(integration)

    def named(self, name: str) -> Integration | None:
        c = tables.integrations.c
        return self.session.scalars(sa.select(Integration).where(c.name == name)).one_or_none()

    def names(self) -> set[str]:
        return set(self.session.scalars(sa.select(tables.integrations.c.name)))

    def all(self) -> list[Integration]:
        return list(self.session.scalars(sa.select(Integration).order_by(tables.integrations.c.name)))

    def remove(self, integration: Integration) -> None:
        self.session.delete(integration)
