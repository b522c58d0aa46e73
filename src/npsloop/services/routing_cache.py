"""Teams and routing rules as a process last read them, kept until they change.

Processing a response used to read every team and every rule (a fifth of its time). They change rarely, and
every change made through npsloop's services bumps one version row in the same transaction; so a process
keeps what it read and, for each response, reads only that row, reading the rest again when it moved. No
change is ever seen late. Kept per database (per engine), so two runtimes in one process never mix.
"""

from __future__ import annotations

import dataclasses
import threading
import weakref
from dataclasses import dataclass

from npsloop.domain.directory import Team
from npsloop.domain.rules import Rule
from npsloop.services.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class RoutingSnapshot:
    version: int
    rules: list[Rule]
    teams: list[Team]

    def team_named(self, name: str) -> Team | None:
        return next((team for team in self.teams if team.name == name), None)


# Keyed by the engine itself, weakly: an id() could be reused by the next engine once this one is gone.
_snapshots: weakref.WeakKeyDictionary[object, RoutingSnapshot] = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def routing_snapshot(uow: UnitOfWork) -> RoutingSnapshot:
    """Inside an open unit of work. The teams are copies belonging to no session (a rollback there would
    expire the session's own instances, which could then not be read again): read them, never save them."""
    key = uow.scope
    version = uow.routing.version()
    with _lock:
        held = _snapshots.get(key)
    if held is not None and held.version == version:
        return held
    teams = [dataclasses.replace(team) for team in uow.directory.teams()]
    fresh = RoutingSnapshot(version=version, rules=uow.routing.rules(), teams=teams)
    with _lock:
        _snapshots[key] = fresh
    return fresh
