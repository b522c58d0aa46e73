import sqlite3
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from npsloop.domain.cases import Action, Outcome
from npsloop.store import tables
from tests.conftest import ingest, seed_team


def closed_case(rt, *, reasons, at, **overrides):
    """A detractor's case, closed at `at` with the reasons given (none: closed without any)."""
    response_id = ingest(rt, score=2, **overrides)
    rt.process(response_id)
    with rt.uow() as uow:
        case = uow.cases.get(uow.responses.get(response_id).case_id)
        case.apply(Action.CLOSE, actor="Marta", at=at, outcome=Outcome.RESOLVED)
        if reasons:
            uow.reasons.replace(case.id, reasons)
        uow.commit()
        return case.id


def test_reasons_are_replaced_whole_and_read_in_key_order(runtime):
    seed_team(runtime)
    t0 = datetime(2026, 11, 2, 10, tzinfo=UTC)
    case_id = closed_case(runtime, reasons=["wait_time", "billing"], at=t0)
    with runtime.uow() as uow:
        assert uow.reasons.for_case(case_id) == ("billing", "wait_time")
        uow.reasons.replace(case_id, ["delivery", "delivery"])
        uow.commit()
    with runtime.uow() as uow:
        assert uow.reasons.for_case(case_id) == ("delivery",)


def test_labelled_comments_pair_each_closed_case_with_its_comment_and_reasons(runtime):
    seed_team(runtime)
    t0 = datetime(2026, 11, 2, 10, tzinfo=UTC)
    billed = closed_case(runtime, reasons=["billing"], at=t0, comment="Me cobraron dos veces", language="es")
    closed_case(runtime, reasons=[], at=t0 + timedelta(hours=1), comment="Sin motivo")
    late = closed_case(
        runtime, reasons=["delivery", "wait_time"], at=t0 + timedelta(hours=2), comment="Late again", language="en"
    )
    with runtime.uow() as uow:
        rows = uow.reasons.labelled_comments()
    assert [(r.case_id, r.comment, r.language, r.themes) for r in rows] == [
        (billed, "Me cobraron dos veces", "es", ("billing",)),
        (late, "Late again", "en", ("delivery", "wait_time")),
    ]
    assert rows[0].closed_at == t0


def test_labelled_comments_start_where_asked_and_stop_at_the_limit(runtime):
    seed_team(runtime)
    t0 = datetime(2026, 11, 2, 10, tzinfo=UTC)
    ids = [closed_case(runtime, reasons=["price"], at=t0 + timedelta(days=day)) for day in range(3)]
    with runtime.uow() as uow:
        assert [r.case_id for r in uow.reasons.labelled_comments(since=t0 + timedelta(days=1))] == ids[1:]
        assert [r.case_id for r in uow.reasons.labelled_comments(limit=2)] == ids[:2]


def test_an_erased_comment_is_never_a_label(runtime):
    seed_team(runtime)
    t0 = datetime(2026, 11, 2, 10, tzinfo=UTC)
    case_id = closed_case(runtime, reasons=["billing"], at=t0, comment="Mi DNI es 12345678Z y me cobraron mal")
    with runtime.uow() as uow:
        for response in uow.responses.for_case(case_id):
            response.erased_at = t0
        uow.commit()
    with runtime.uow() as uow:
        assert uow.reasons.labelled_comments() == []


def test_more_labels_than_the_database_binds_in_one_statement_are_read(runtime):
    """Thousands of labels are read at once (training reads 50,000): no statement may bind one value per case,
    as SQLite takes at most 32,766. Here its limit is lowered to 50 and 60 cases are read."""
    count, t0 = 60, datetime(2026, 11, 2, 10, tzinfo=UTC)
    cases = [
        {"id": i, "customer_key": f"shop:c{i}", "status": "closed", "opened_at": t0, "closed_at": t0}
        for i in range(1, count + 1)
    ]
    responses = [
        {
            "integration": "shop",
            "external_id": f"r{i}",
            "score": 2,
            "comment": "tarde",
            "survey_type": "transactional",
            "customer_id": f"c{i}",
            "responded_at": t0,
            "received_at": t0,
            "attributes": {},
            "status": "processed",
            "case_id": i,
        }
        for i in range(1, count + 1)
    ]
    with runtime.uow() as uow:
        uow.session.execute(sa.insert(tables.cases), cases)
        uow.session.execute(sa.insert(tables.responses), responses)
        uow.session.execute(sa.insert(tables.case_reasons), [{"case_id": c["id"], "theme": "delivery"} for c in cases])
        uow.commit()
    with runtime.uow() as uow:
        uow.session.connection().connection.driver_connection.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 50)
        rows = uow.reasons.labelled_comments(limit=count)
    assert len(rows) == count and {row.themes for row in rows} == {("delivery",)}
