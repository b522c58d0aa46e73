"""The audit trail's service on the in-memory unit of work: recorded with the change or not at all, nothing
recorded for a change that changes nothing, listed newest first by page with the viewer's reach; and what the
trail keeps of each thing (secrets as a marker, contacts masked)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from npsloop.domain.access import AccessDenied, ApiToken, Principal, Role
from npsloop.domain.audit import SECRET, AuditEntry, AuditFilter, Change, EntityKind
from npsloop.domain.directory import Agent
from npsloop.domain.integrations import Integration
from npsloop.domain.outbound import Endpoint
from npsloop.services import audit
from npsloop.services.audit_states import agent_state, endpoint_state, integration_state, token_state
from npsloop.services.report_scope import ReportError
from tests.support.fake_uow import FakeWorld

NOW = datetime(2026, 12, 2, 9, tzinfo=UTC)
ADMIN = Principal(name="root", role=Role.ADMIN)
SUPERVISOR = Principal(name="sue", role=Role.SUPERVISOR)


def _change(kind: EntityKind = EntityKind.TEAM, name: str = "Care", **extra) -> Change:
    return Change(kind, "add", name, team_id=extra.pop("team_id", 1), after={"x": 1}, **extra)


def _record(world: FakeWorld, *changes: Change, actor: str = "ana", at: datetime = NOW) -> None:
    with world.uow() as uow:
        for change in changes:
            audit.record(uow, change, actor=actor, now=at)
        uow.commit()


def test_an_entry_is_kept_only_if_its_transaction_commits():
    world = FakeWorld()
    with world.uow() as uow:
        audit.record(uow, _change(name="rolled back"), actor="ana", now=NOW)  # left without commit
    _record(world, _change(name="kept"))
    found = audit.list_audit(uow=world.uow(), viewer=ADMIN, where=AuditFilter())
    assert [(e.name, e.actor, e.at) for e in found.entries] == [("kept", "ana", NOW)]


def test_a_change_that_changes_nothing_is_not_recorded_and_an_empty_actor_is_the_system():
    world = FakeWorld()
    _record(world, Change(EntityKind.AGENT, "duty", "Tom", before={"off": None}, after={"off": None}))
    _record(world, _change(), actor="")
    found = audit.list_audit(uow=world.uow(), viewer=ADMIN, where=AuditFilter()).entries
    assert [(e.kind, e.actor) for e in found] == [("team", audit.SYSTEM)]


def test_long_names_and_actors_are_cut_not_refused():
    world = FakeWorld()
    _record(world, _change(name="n" * 500), actor="a" * 500)
    entry = audit.list_audit(uow=world.uow(), viewer=ADMIN, where=AuditFilter()).entries[0]
    assert len(entry.name) == 200 and len(entry.actor) == 200 and entry.name.endswith("…")


def test_pages_run_newest_first_and_the_last_says_so():
    world = FakeWorld()
    _record(world, *(_change(name=f"t{n}") for n in range(7)))
    first = audit.list_audit(uow=world.uow(), viewer=ADMIN, where=AuditFilter(), limit=3)
    assert [e.name for e in first.entries] == ["t6", "t5", "t4"] and first.total == 7
    second = audit.list_audit(uow=world.uow(), viewer=ADMIN, where=AuditFilter(), before=first.next_before, limit=3)
    third = audit.list_audit(uow=world.uow(), viewer=ADMIN, where=AuditFilter(), before=second.next_before, limit=3)
    assert [e.name for e in second.entries + third.entries] == ["t3", "t2", "t1", "t0"] and third.next_before is None
    assert audit.list_audit(uow=world.uow(), viewer=ADMIN, where=AuditFilter(), limit=10**9).total == 7
    assert len(list(audit.audit_rows(uow=world.uow(), viewer=ADMIN, where=AuditFilter()))) == 7


def test_each_filter_narrows_the_list():
    world = FakeWorld()
    _record(world, _change(name="care"), actor="ana", at=NOW - timedelta(days=2))
    _record(world, _change(EntityKind.TOKEN, "boss", team_id=None), actor="bob", at=NOW)
    _record(world, _change(EntityKind.AGENT, "Tom", team_id=2), actor="ana", at=NOW)

    def names(**where) -> list[str]:
        return [e.name for e in audit.list_audit(uow=world.uow(), viewer=ADMIN, where=AuditFilter(**where)).entries]

    assert names(actor="ana") == ["Tom", "care"]
    assert names(kind=EntityKind.TOKEN) == ["boss"]
    assert names(team_id=2) == ["Tom"]
    assert names(since=NOW - timedelta(days=1)) == ["Tom", "boss"]
    assert names(until=NOW) == ["care"]  # the end is exclusive


def test_a_supervisor_reads_changes_to_teams_and_people_and_an_agent_nothing():
    world = FakeWorld()
    _record(world, _change(name="care"), _change(EntityKind.TOKEN, "boss"), _change(EntityKind.CUSTOMER, "(erased)"))
    _record(world, _change(EntityKind.AGENT, "Tom"), _change(EntityKind.INTEGRATION, "tf"))
    seen = audit.list_audit(uow=world.uow(), viewer=SUPERVISOR, where=AuditFilter())
    assert [e.kind for e in seen.entries] == ["agent", "team"] and seen.total == 2
    asked = AuditFilter(kind=EntityKind.TOKEN)
    assert audit.list_audit(uow=world.uow(), viewer=SUPERVISOR, where=asked).entries == []
    bound = Principal(name="sue", role=Role.SUPERVISOR, agent_id=3, team_ids=frozenset({1}))
    assert len(audit.list_audit(uow=world.uow(), viewer=bound, where=AuditFilter(team_id=1)).entries) == 2
    with pytest.raises(AccessDenied):
        audit.list_audit(uow=world.uow(), viewer=Principal(name="m", role=Role.AGENT), where=AuditFilter())
    with pytest.raises(AccessDenied):
        audit.scoped(AuditFilter(), Principal(name="i", role=Role.INTEGRATION))


def test_a_filter_in_a_users_words_is_checked():
    world = FakeWorld()
    where = audit.audit_filter(uow=world.uow(), zone="Europe/Madrid", first=date(2026, 12, 1), last=date(2026, 12, 1))
    assert where.since == datetime(2026, 11, 30, 23, tzinfo=UTC) and where.until == datetime(
        2026, 12, 1, 23, tzinfo=UTC
    )
    assert audit.audit_filter(uow=world.uow(), zone="UTC", kind="token", actor="").kind is EntityKind.TOKEN
    with pytest.raises(ReportError, match="kind is one of"):
        audit.audit_filter(uow=world.uow(), zone="UTC", kind="<b>")
    with pytest.raises(ReportError, match="before its start"):
        audit.audit_filter(uow=world.uow(), zone="UTC", first=date(2026, 12, 2), last=date(2026, 12, 1))


def test_what_changed_is_each_field_that_differs():
    entry = AuditEntry(1, NOW, "ana", "agent", "duty", "Tom", 1, 1, {"a": 1, "b": 2}, {"a": 1, "b": 3, "c": 4})
    assert entry.differences() == [("b", 2, 3), ("c", None, 4)]
    added = AuditEntry(2, NOW, "ana", "team", "add", "Care", 1, 1, None, {"a": 1})
    assert added.differences() == [("a", None, 1)]


def test_the_trail_keeps_no_secret_and_masks_contacts():
    integration = Integration(
        name="sm", kind="surveymonkey", secret="app-secret-1", created_at=NOW,
        config={"api_key": "key-2", "access_token": "tok-3", "score_question": "111"},
    )  # fmt: skip
    kept = str(integration_state(integration))
    assert "app-secret-1" not in kept and "key-2" not in kept and "tok-3" not in kept and "111" in kept
    assert integration_state(integration)["config"]["access_token"] == SECRET
    slack = Endpoint(name="s", kind="slack", url="https://hooks.slack.com/services/T/B/sekrit", created_at=NOW)
    hook = Endpoint(name="w", kind="webhook", url="https://crm.example/h", created_at=NOW, secret="whsec_abc")
    assert endpoint_state(slack)["url"] == "https://hooks.slack.com/***" and "sekrit" not in str(endpoint_state(slack))
    assert endpoint_state(hook)["secret"] == SECRET and "whsec_abc" not in str(endpoint_state(hook))
    token = ApiToken(name="t", role="admin", token_hash="f00dfeed" * 8, prefix="npl_abcdefgh", created_at=NOW)
    assert "f00dfeed" not in str(token_state(token))
    agent = Agent(name="Ana", team_id=1, phone="+34600111222", email="ana.gomez@example.es")
    assert (agent_state(agent)["phone"], agent_state(agent)["email"]) == ("+34*******22", "a***@example.es")
