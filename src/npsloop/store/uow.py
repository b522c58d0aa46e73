"""The SQL unit of work (services.unit_of_work.UnitOfWork on SQLAlchemy) and its repositories: a transaction that
rolls back unless the service says commit, and the work it created published after the commit, never before and
never for a rollback."""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import Self

from sqlalchemy import Engine, event, exc
from sqlalchemy.orm import Session, sessionmaker

from npsloop.services.ports import Dispatcher
from npsloop.services.unit_of_work import Conflict, StoreUnavailable
from npsloop.services.work_messages import Message, PendingMessages
from npsloop.store.access_repository import TargetRepository, TokenRepository
from npsloop.store.audit_repository import AuditRepository
from npsloop.store.case_repository import CaseRepository
from npsloop.store.customer_repository import CustomerRepository
from npsloop.store.delivery_id_repository import DeliveryIdRepository
from npsloop.store.directory_repository import DirectoryRepository
from npsloop.store.escalation_repository import EscalationRepository
from npsloop.store.export_queries import ExportQueries
from npsloop.store.integration_repository import IntegrationRepository
from npsloop.store.model_repository import ModelRepository
from npsloop.store.notification_repository import NotificationRepository
from npsloop.store.outbound_repository import OutboundRepository, fan_out
from npsloop.store.quarantine_repository import QuarantineRepository
from npsloop.store.reason_repository import ReasonRepository
from npsloop.store.recovery_repository import RecoveryRepository
from npsloop.store.report_queries import ReportQueries
from npsloop.store.response_repository import ResponseRepository
from npsloop.store.review_queries import ReviewQueries
from npsloop.store.risk_repository import RiskRepository
from npsloop.store.routing_repository import RoutingRepository
from npsloop.store.tag_repository import TagRepository
from npsloop.store.theme_repository import ThemeRepository

# A pool with every connection busy past its timeout is, to the caller, the same: try again shortly.
CONNECTIVITY_ERRORS = (exc.OperationalError, exc.InterfaceError, exc.TimeoutError)


def lost_database(error: BaseException | None) -> bool:
    """Unreachable, whatever class the driver gives it: SQLAlchemy marks any DBAPI error it recognises as a
    disconnect (a connection cut in the middle of a statement can surface as another class)."""
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        if isinstance(error, CONNECTIVITY_ERRORS):
            return True
        if isinstance(error, exc.DBAPIError) and error.connection_invalidated:
            return True
        # A pre-ping on a dead socket fails, and the driver's clean-up then raises another error (psycopg:
        # "can't change 'autocommit' now") that hides it; the disconnect is still in the chain, under the
        # name DB-API 2.0 gives it.
        if type(error).__name__ == "OperationalError":
            return True
        error = error.__cause__ or error.__context__
    return False


class SqlUnitOfWork:
    """One transaction over the repositories. Messages (services.work_messages) gather as the transaction goes: each
    notification a repository adds, and what a service emits for work that already exists; a commit makes
    them ready and the end of the block publishes them through the one dispatcher. A broker error there is
    logged and swallowed: the rows are committed, and the reconciler finds what was not queued."""

    def __init__(self, session_factory: Callable[[], Session], dispatcher: Dispatcher) -> None:
        self._session_factory = session_factory
        self._dispatcher = dispatcher
        self._messages = PendingMessages(dispatcher)
        self.session: Session

    @property
    def scope(self) -> object:
        """The engine: read-mostly caches are kept per database, so two runtimes in one process never mix."""
        return self.session.get_bind()

    def emit(self, message: Message) -> None:
        """Publish this after the commit (work that exists already: a replay, a repair, a stale queue)."""
        self._messages.emit(message)

    def __enter__(self) -> Self:
        self._messages = PendingMessages(self._dispatcher)
        self.session = self._session_factory()
        self.responses = ResponseRepository(self.session)
        self.cases = CaseRepository(self.session)
        self.directory = DirectoryRepository(self.session)
        self.notifications = NotificationRepository(self.session)
        self.quarantine = QuarantineRepository(self.session)
        self.routing = RoutingRepository(self.session)
        self.escalations = EscalationRepository(self.session)
        self.tokens = TokenRepository(self.session)
        self.targets = TargetRepository(self.session)
        self.reports = ReportQueries(self.session)
        self.review = ReviewQueries(self.session)
        self.exports = ExportQueries(self.session)
        self.integrations = IntegrationRepository(self.session)
        self.outbound = OutboundRepository(self.session)
        self.customers = CustomerRepository(self.session)
        self.delivery_ids = DeliveryIdRepository(self.session)
        self.themes = ThemeRepository(self.session)
        self.tags = TagRepository(self.session)
        self.tagger_models = ModelRepository(self.session)
        self.reasons = ReasonRepository(self.session)
        self.risk = RiskRepository(self.session)
        self.recovery = RecoveryRepository(self.session)
        self.audit = AuditRepository(self.session)
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc_value: BaseException | None, tb: TracebackType | None
    ) -> None:
        # close() rolls back whatever was not committed; unlike rollback() it does not expire the loaded
        # objects, so a service may hand them back to its caller after the block.
        try:
            self.session.close()
        except exc.DBAPIError as error:
            if not lost_database(error):
                raise
            self.session.invalidate()
        self._forget()
        self._messages.publish()
        if lost_database(exc_value):
            # Callers decide on "the database is down" (503, task retry) without importing SQLAlchemy.
            cause = getattr(exc_value, "orig", None)
            raise StoreUnavailable(type(cause).__name__ if cause else str(exc_value)) from exc_value

    def commit(self) -> None:
        try:
            self.session.commit()
        except exc.IntegrityError as error:
            self.rollback()
            raise Conflict(str(error.orig)) from error
        except BaseException:
            self._forget()
            raise
        self._messages.committed(n.id for n in self.notifications.added)
        self._forget()

    def flush(self) -> None:
        try:
            self.session.flush()
        except exc.IntegrityError as error:
            self.rollback()
            raise Conflict(str(error.orig)) from error

    def rollback(self) -> None:
        self.session.rollback()
        self._forget()

    def _forget(self) -> None:
        self._messages.forget()
        self.notifications.added.clear()


class StoreSession(Session):
    """The one session class of the store, with the outbound fan-out hooked to it once, at import. Hooking each
    sessionmaker instead failed now and then: SQLAlchemy's registry remembers a listener by the id() of the
    class it was put on, so a new sessionmaker whose class reused a collected one's address was taken as
    hooked already, and its case events went out to no endpoint."""


event.listen(StoreSession, "after_flush", fan_out)


def session_factory(engine: Engine) -> sessionmaker[StoreSession]:
    return sessionmaker(bind=engine, class_=StoreSession, expire_on_commit=False)
