"""Recording administrative changes and listing them (domain.audit).

Each service that changes something an administrator manages calls `record` inside its own transaction, before its
commit: the entry is committed with the change or not at all, whichever door (CLI, API, dashboard) called. Doors
pass the actor: a token's principal (`Principal.actor`), the dashboard's user, "cli:<os user>" for the CLI;
SYSTEM for a change no door made (the demo's data, a script calling a service)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from npsloop.domain.access import AccessDenied, Permission, Principal, Role
from npsloop.domain.audit import (
    MAX_ACTOR,
    MAX_NAME,
    AuditEntry,
    AuditFilter,
    Change,
    EntityKind,
    clipped,
)
from npsloop.services.report_scope import ReportError, check_range
from npsloop.services.unit_of_work import UnitOfWork

SYSTEM = "system"
PAGE = 50
MAX_PAGE = 500
EXPORT_PAGE = 500
COLUMNS = ("id", "at", "actor", "kind", "action", "name", "entity_id", "team_id", "before", "after")


def record(uow: UnitOfWork, change: Change, *, actor: str, now: datetime | None) -> None:
    """Inside the changing unit of work, before its commit. `now`: the caller's clock (None: the wall clock, for a
    caller that gives none)."""
    if change.before is not None and change.before == change.after:
        return  # nothing changed (the same duty, a revoked token revoked again): nothing to record
    at = now if now is not None else datetime.now(UTC)
    named = Change(
        kind=change.kind,
        action=change.action,
        name=clipped(change.name, MAX_NAME),
        entity_id=change.entity_id,
        team_id=change.team_id,
        before=change.before,
        after=change.after,
    )
    uow.audit.add(named, actor=clipped(actor or SYSTEM, MAX_ACTOR), at=at)


@dataclass(frozen=True)
class AuditPage:
    entries: list[AuditEntry]
    total: int  # entries matching the filter, over every page
    next_before: int | None  # pass as `before` for the next page; None: this was the last


def audit_filter(
    *,
    uow: UnitOfWork,
    zone: str,
    actor: str | None = None,
    kind: str | None = None,
    team: str | None = None,
    first: date | None = None,
    last: date | None = None,
) -> AuditFilter:
    """The filter a user asked for, in their words: a team by name (UnknownTeam if nobody has it), an entity
    kind by its value, and days from `first` to `last` inclusive, as dates in `zone` (the reports' zone)."""
    found_kind = None
    if kind:
        try:
            found_kind = EntityKind(kind)
        except ValueError:
            known = ", ".join(k.value for k in EntityKind)
            raise ReportError(f"kind is one of {known}", field="kind") from None
    if first and last:
        check_range(first, last)
    team_id = None
    if team:
        with uow:
            team_id = uow.directory.require_team(team).id
    tz = ZoneInfo(zone)
    since = datetime.combine(first, time(), tz) if first else None
    until = datetime.combine(last + timedelta(days=1), time(), tz) if last else None
    return AuditFilter(actor=actor or None, kind=found_kind, team_id=team_id, since=since, until=until)


def scoped(where: AuditFilter, viewer: Principal) -> AuditFilter:
    """The viewer's reach: an admin reads everything; a supervisor only changes to teams and their people (and to
    the teams their token is bound to, when it is); anyone else nothing."""
    viewer.require(Permission.READ_AUDIT)
    if viewer.role is Role.ADMIN:
        return where
    if where.team_id is not None and not viewer.may_see_team(where.team_id):
        raise AccessDenied("that team is not yours to read")
    return AuditFilter(
        actor=where.actor,
        kind=where.kind,
        team_id=where.team_id,
        since=where.since,
        until=where.until,
        team_kinds_only=True,
    )


def list_audit(
    *, uow: UnitOfWork, viewer: Principal, where: AuditFilter, before: int | None = None, limit: int = PAGE
) -> AuditPage:
    """A page of the trail, newest first, with the viewer's reach applied."""
    reach = scoped(where, viewer)
    limit = max(1, min(limit, MAX_PAGE))
    with uow:
        entries = uow.audit.page(reach, before=before, limit=limit + 1)
        total = uow.audit.count(reach)
    more = len(entries) > limit
    entries = entries[:limit]
    return AuditPage(entries, total, entries[-1].id if more and entries else None)


def audit_rows(*, uow: UnitOfWork, viewer: Principal, where: AuditFilter) -> Iterator[dict[str, Any]]:
    """Every matching entry as a plain row (COLUMNS), a page per short transaction: an export's memory is a page."""
    reach = scoped(where, viewer)
    before: int | None = None
    while True:
        with uow:
            entries = uow.audit.page(reach, before=before, limit=EXPORT_PAGE)
        if not entries:
            return
        yield from (entry_row(entry) for entry in entries)
        before = entries[-1].id


def entry_row(entry: AuditEntry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "at": entry.at,
        "actor": entry.actor,
        "kind": entry.kind,
        "action": entry.action,
        "name": entry.name,
        "entity_id": entry.entity_id,
        "team_id": entry.team_id,
        "before": entry.before,
        "after": entry.after,
    }
