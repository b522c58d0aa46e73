"""Driver errors become answers: a disconnect under whatever class the driver gives it is a 503 to retry,
anything else a logged 500 with a problem body, never a bare 'Internal Server Error'."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import exc

from npsloop.api import errors
from npsloop.domain.integrations import InvalidIntegration
from npsloop.services.report_scope import ReportError
from npsloop.services.unit_of_work import StoreUnavailable
from npsloop.store.uow import lost_database


class DriverError(Exception):
    pass


def driver_error(kind: type[exc.DBAPIError], invalidated: bool) -> exc.DBAPIError:
    return kind("INSERT ...", {}, DriverError("server closed the connection"), connection_invalidated=invalidated)


def app_raising(error: Exception) -> TestClient:
    app = FastAPI()
    errors.install(app)

    @app.get("/boom")
    def boom() -> None:
        raise error

    return TestClient(app, raise_server_exceptions=False)


def test_a_disconnect_of_any_class_is_a_503_with_retry_after():
    reply = app_raising(driver_error(exc.ProgrammingError, invalidated=True)).get("/boom")
    assert reply.status_code == 503 and reply.headers["Retry-After"] == "5"
    assert reply.json()["error"] == "unavailable"


def test_another_driver_error_is_a_logged_500_with_a_problem_body(caplog):
    reply = app_raising(driver_error(exc.ProgrammingError, invalidated=False)).get("/boom")
    assert reply.status_code == 500 and reply.json()["error"] == "internal"
    assert any(r.message == "database error" and r.exc_info for r in caplog.records)


def test_the_unit_of_work_turns_a_disconnect_into_store_unavailable(runtime):
    assert lost_database(driver_error(exc.InternalError, invalidated=True))
    assert not lost_database(driver_error(exc.InternalError, invalidated=False))
    with pytest.raises(StoreUnavailable), runtime.uow():
        raise driver_error(exc.InternalError, invalidated=True)
    with pytest.raises(exc.InternalError), runtime.uow():
        raise driver_error(exc.InternalError, invalidated=False)


def test_a_failed_pre_ping_hidden_by_the_drivers_clean_up_error_is_still_a_disconnect():
    """psycopg on a dead socket: the ping raises OperationalError, restoring autocommit then raises
    ProgrammingError, and SQLAlchemy wraps that one, not marked invalidated (seen in the database-down test)."""
    import psycopg

    try:
        try:
            raise psycopg.OperationalError("connection socket closed")
        except psycopg.OperationalError:
            raise psycopg.ProgrammingError("can't change 'autocommit' now: connection in transaction status ACTIVE")  # noqa: B904 - the implicit context is the point
    except psycopg.ProgrammingError as cleanup:
        masked = exc.ProgrammingError("SELECT 1", {}, cleanup, connection_invalidated=False)
        masked.__cause__ = cleanup
    assert lost_database(masked)
    assert app_raising(masked).get("/boom").status_code == 503
    plain = exc.ProgrammingError("SELECT 1", {}, psycopg.ProgrammingError("syntax error"), connection_invalidated=False)
    assert not lost_database(plain)


def test_a_domain_error_that_knows_its_field_answers_it_as_a_field_error():
    answer = app_raising(ReportError("report ranges lie between 1990-01-01 and 2100-12-31", field="from")).get("/boom")
    assert answer.status_code == 422
    assert answer.json()["errors"] == [
        {"field": "from", "message": "report ranges lie between 1990-01-01 and 2100-12-31"}
    ]
    plain = app_raising(InvalidIntegration("an integration needs a secret")).get("/boom").json()
    assert "errors" not in plain and plain["message"] == "an integration needs a secret"


def test_the_frameworks_own_refusals_have_the_problem_shape():
    """No such path, a method the path lacks, a body FastAPI cannot parse (JSON nested past Python's stack):
    each a problem body like every other error, not {"detail": ...}."""
    app = FastAPI()
    errors.install(app)

    @app.post("/things")
    def add(thing: dict[str, int]) -> dict[str, int]:
        return thing

    client = TestClient(app)
    missing, wrong_method = client.get("/nothing"), client.delete("/things")
    assert (missing.status_code, missing.json()["error"]) == (404, "not_found")
    assert (wrong_method.status_code, wrong_method.json()["error"]) == (405, "method_not_allowed")
    assert wrong_method.headers["Allow"] == "POST"
    unparsable = client.post("/things", content=b"[" * 5000, headers={"Content-Type": "application/json"})
    assert unparsable.status_code == 400 and unparsable.json()["errors"][0]["field"] == "body"
