"""Every error becomes an HTTP answer here, once, with a body that says which field and why."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import DataError, DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException

from npsloop.domain import errors as domain
from npsloop.domain.access import AccessDenied
from npsloop.domain.closure import InvalidClosure, ReasonsRequired
from npsloop.domain.directory import InvalidChannels, NoContact
from npsloop.domain.integrations import InvalidIntegration, UnknownIntegration
from npsloop.domain.outbound import InvalidEndpoint
from npsloop.domain.periods import PeriodError
from npsloop.domain.recovery import InvalidRecoverySetting
from npsloop.domain.rules import RuleError
from npsloop.domain.sla import CalendarError
from npsloop.domain.themes import TaxonomyError
from npsloop.services.erasure import InvalidCustomer
from npsloop.services.report_scope import ReportError
from npsloop.services.tokens import InvalidToken, TokenNotFound
from npsloop.services.unit_of_work import StoreUnavailable
from npsloop.store.keyring import KeyringError
from npsloop.store.uow import lost_database

log = logging.getLogger(__name__)

STATUS = {
    domain.CaseNotFound: 404,
    domain.InvalidTransition: 409,
    domain.DuplicateName: 409,
    domain.OutcomeRequired: 422,
    InvalidClosure: 422,
    ReasonsRequired: 422,
    domain.UnknownTeam: 422,
    domain.UnknownAgent: 422,
    InvalidChannels: 422,
    NoContact: 422,
    domain.InvalidScore: 422,
    CalendarError: 422,
    RuleError: 422,
    TaxonomyError: 422,
    TokenNotFound: 404,
    InvalidToken: 422,
    InvalidCustomer: 422,
    ReportError: 422,
    PeriodError: 422,
    InvalidIntegration: 422,
    UnknownIntegration: 404,
    InvalidEndpoint: 422,
    InvalidRecoverySetting: 422,
}


class FieldError(BaseModel):
    field: str
    message: str


class Problem(BaseModel):
    """Every 4xx and 5xx body: a code to branch on, a sentence for people, and per-field messages."""

    error: str
    message: str
    errors: list[FieldError] | None = None


MEANING = {
    400: "the body is not valid JSON",
    401: "missing or bad credentials (signature or bearer token)",
    403: "not allowed: the token's role lacks the permission (or a callback is not signed by its provider)",
    404: "no such resource",
    409: "conflicts with the current state (a forbidden case transition, a duplicate name)",
    413: "the body is too large",
    415: "the body is not application/json",
    422: "a field is invalid; `errors` names each one",
    429: "too many requests; retry after the number of seconds in Retry-After (a batch larger than the burst has"
    " none: split it)",
    503: "the database is unavailable; retry after the number of seconds in Retry-After",
}


def documented(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for the error answers a route can give, so clients (and schemathesis) know them."""
    return {code: {"model": Problem, "description": MEANING[code]} for code in codes}


class ApiError(Exception):
    """An answer decided by the adapter itself (a bad signature, a body too large)."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        errors: list[dict[str, str]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.errors, self.headers = status, code, message, errors, headers


def problem(
    status: int,
    code: str,
    message: str,
    errors: list[dict[str, str]] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body: dict[str, object] = {"error": code, "message": message}
    if errors is not None:
        body["errors"] = errors
    return JSONResponse(body, status_code=status, headers=headers)


# The framework's own refusals: no such path, a method the path lacks, a body FastAPI could not parse.
HTTP_CODES = {400: "invalid_json", 404: "not_found", 405: "method_not_allowed"}


def install(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api(_: Request, error: ApiError) -> JSONResponse:
        return problem(error.status, error.code, error.message, error.errors, error.headers)

    @app.exception_handler(HTTPException)
    async def _http(_: Request, error: HTTPException) -> JSONResponse:
        """In the shape of every other error, rather than the framework's {"detail": ...}."""
        message = str(error.detail)
        errors = [{"field": "body", "message": message}] if error.status_code == 400 else None
        code = HTTP_CODES.get(error.status_code, "http_error")
        return problem(error.status_code, code, message, errors, dict(error.headers or {}) or None)

    @app.exception_handler(domain.DomainError)
    async def _domain(_: Request, error: domain.DomainError) -> JSONResponse:
        status = STATUS.get(type(error), 400)
        field = getattr(error, "field", None)  # set by the errors that know which input is at fault
        errors = [{"field": field, "message": str(error)}] if isinstance(field, str) else None
        if isinstance(error, TaxonomyError):  # a whole file checked at once: every mistake, with its line
            errors = error.field_errors()
        return problem(status, type(error).__name__, str(error), errors)

    @app.exception_handler(AccessDenied)
    async def _denied(_: Request, error: AccessDenied) -> JSONResponse:
        return problem(403, "forbidden", str(error))

    @app.exception_handler(KeyringError)
    async def _keys(_: Request, error: KeyringError) -> JSONResponse:
        # A stored secret no key opens (a key dropped before `npsloop secrets rotate-key` ran): the operator's
        # to fix, and the sender's to retry meanwhile, so nothing it sends is lost.
        log.error("stored secrets unreadable", extra={"error": type(error).__name__})
        message = "the server cannot read its stored secrets (NPSLOOP_SECRET_KEY); retry later"
        return problem(503, "unavailable", message, headers={"Retry-After": "30"})

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, error: RequestValidationError) -> JSONResponse:
        errors = []
        for item in error.errors():
            loc = [str(p) for p in item["loc"] if p not in ("body", "query", "path")]
            errors.append({"field": ".".join(loc) or "body", "message": item["msg"]})
        return problem(422, "validation_failed", "the request has invalid fields", errors)

    @app.exception_handler(DataError)
    async def _data(_: Request, error: DataError) -> JSONResponse:
        # A value the validation let through but the database refuses: still the caller's input, never a 500.
        log.warning("database refused a value", extra={"error": type(error.orig).__name__ if error.orig else "?"})
        return problem(422, "unstorable_value", "a value in the request cannot be stored")

    @app.exception_handler(DBAPIError)
    async def _driver(request: Request, error: DBAPIError) -> JSONResponse:
        """Any other driver error: a disconnect under another name is still "try again"; anything else is a
        bug, logged with its traceback, and answered with a body like every other error."""
        if lost_database(error):
            return await _database(request, error)
        log.error("database error", exc_info=error, extra={"error": type(error).__name__})
        return problem(500, "internal", "the server failed on this request; it has been logged")

    @app.exception_handler(StoreUnavailable)
    @app.exception_handler(OperationalError)
    @app.exception_handler(PoolTimeout)
    @app.exception_handler(InterfaceError)
    async def _database(_: Request, error: Exception) -> JSONResponse:
        # Nothing was stored, so nothing is acknowledged: the caller retries after the pause.
        log.error("database unavailable", extra={"error": type(error).__name__})
        return problem(503, "unavailable", "the database is unavailable; retry later", headers={"Retry-After": "5"})
