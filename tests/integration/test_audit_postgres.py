"""The audit trail on real PostgreSQL: an entry is part of its change's transaction (of two teams added under one
name at the same moment, one is kept and recorded once), its JSON keeps the order it was written in, and days are
counted in the reports' zone."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime

from npsloop.domain.access import Principal, Role
from npsloop.domain.audit import AuditFilter, EntityKind
from npsloop.domain.errors import DuplicateName
from npsloop.domain.rules import Rule
from npsloop.ingest.rules_yaml import load_rules
from npsloop.services import audit, directory
from npsloop.services.routing import load_routing
from tests.conftest import at

ADMIN = Principal(name="root", role=Role.ADMIN)


def _entries(rt, **where) -> list:
    return audit.list_audit(uow=rt.uow(), viewer=ADMIN, where=AuditFilter(**where), limit=500).entries


def test_of_two_teams_added_under_one_name_at_once_one_is_kept_and_recorded_once(pg_runtime):
    start, refused = threading.Barrier(6), []

    def add(number: int) -> None:
        start.wait()
        try:
            directory.add_team(uow=pg_runtime.uow(), name="Care", touchpoints=[f"tp{number}"], actor=f"admin-{number}")
        except DuplicateName:
            refused.append(number)
        except Exception as error:  # noqa: BLE001 - any other failure is the finding
            refused.append(error)

    threads = [threading.Thread(target=add, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    entries = _entries(pg_runtime, kind=EntityKind.TEAM)
    assert len(refused) == 5 and all(isinstance(n, int) for n in refused), refused
    assert len(entries) == 1
    kept = directory.list_teams(uow=pg_runtime.uow())[0]
    assert entries[0].after["touchpoints"] == kept.touchpoints and entries[0].entity_id == kept.id


def test_rules_are_kept_in_their_order_and_a_day_is_the_reports_zones(pg_runtime):
    directory.add_team(uow=pg_runtime.uow(), name="Care", touchpoints=["web"])
    text = "rules:\n" + "".join(f"  - name: r{n}\n    match: {{touchpoint: t{n}}}\n    team: Care\n" for n in (9, 1, 5))
    text += "  - name: rest\n    team: Care\n"
    rules: list[Rule] = load_rules(text)
    pg_runtime.settings.report_timezone = "America/Bogota"
    at(pg_runtime, datetime(2026, 12, 2, 3, tzinfo=UTC))  # still the 1st in Bogotá (UTC-5)
    load_routing(uow=pg_runtime.uow(), rules=rules, now=pg_runtime.clock(), actor="ana")
    entry = _entries(pg_runtime, kind=EntityKind.ROUTING)[0]
    assert list(entry.after) == ["r9", "r1", "r5", "rest"] and entry.actor == "ana"
    on_the_first = audit.audit_filter(
        uow=pg_runtime.uow(), zone="America/Bogota", kind="routing", first=date(2026, 12, 1), last=date(2026, 12, 1)
    )
    assert [e.id for e in audit.list_audit(uow=pg_runtime.uow(), viewer=ADMIN, where=on_the_first).entries] == [
        entry.id
    ]
    on_the_second = audit.audit_filter(
        uow=pg_runtime.uow(), zone="America/Bogota", kind="routing", first=date(2026, 12, 2)
    )
    assert audit.list_audit(uow=pg_runtime.uow(), viewer=ADMIN, where=on_the_second).entries == []
