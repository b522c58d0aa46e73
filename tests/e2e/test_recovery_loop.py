"""The recovery follow-up end to end: PostgreSQL, emails over SMTP into a local server, the customer's answer
through the HTTP app, time travel by the runtime's injected clock."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from npsloop.api.app import create_app
from npsloop.bootstrap import Runtime
from npsloop.domain.cases import Action, Outcome
from npsloop.domain.notifications import Channel
from npsloop.notify.email import SmtpEmail
from npsloop.services.casework import act_on_case, get_case
from tests.conftest import at, drain
from tests.support import smtp_server
from tests.support.recovery import PUBLIC, asking_team, close_resolved, customer, links, requests_of

BOGOTA = ZoneInfo("America/Bogota")
WEDNESDAY = datetime(2026, 12, 2, 10, 0, tzinfo=BOGOTA)


@pytest.fixture
def mailed(pg_runtime: Runtime) -> Iterator[tuple[Runtime, smtp_server.SmtpSink]]:
    """The runtime on PostgreSQL, its emails going over SMTP to a local server."""
    controller, sink = smtp_server.start()
    pg_runtime.transports[Channel.EMAIL] = SmtpEmail(
        f"smtp://127.0.0.1:{controller.port}", sender="npsloop <care@npsloop.example>", timeout=5
    )
    with pg_runtime.engine.begin() as connection:
        connection.execute(sa.text("DELETE FROM recovery_opt_outs"))
    try:
        yield pg_runtime, sink
    finally:
        controller.stop()


def text_of(mail: smtp_server.Mail) -> str:
    part = mail.message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


def test_asked_answered_no_reopened_then_quiet_and_opted_out(mailed):
    rt, smtp = mailed
    asking_team(rt)
    ana = customer()
    case_id = close_resolved(rt, ana, WEDNESDAY)

    assert rt.run_recovery().sent == 1
    [mail] = smtp.to(ana["email"])
    assert mail.message["Subject"] == "¿Resolvimos tu problema?"
    answer, opt_out = links(text_of(mail))
    assert ana["email"] not in answer and ana["id"] not in answer and PUBLIC + answer in text_of(mail)

    with TestClient(create_app(rt)) as client:
        assert client.get(answer + "?answer=no").status_code == 200
        at(rt, WEDNESDAY + timedelta(hours=3))
        page = client.post(answer, data={"answer": "no", "score": "4", "comment": "El pedido sigue sin llegar"})
        assert page.status_code == 200 and "4/10" in page.text

        view = get_case(uow=rt.uow(), case_id=case_id)
        assert view.case.status == "open"
        [answered] = [e for e in view.events if e.kind == "recovery_answered"]
        assert answered.note == "El pedido sigue sin llegar" and answered.data["new_score"] == 4
        drain(rt)  # the owner's alert, through the same claim-before-send as every alert
        [alert] = smtp.to("marta@example.es")[-1:]
        assert "Reabierto" in alert.message["Subject"] and f"#{case_id}" in alert.message["Subject"]
        assert client.post(answer, data={"answer": "no", "score": "0"}).status_code == 200  # a replay
        drain(rt)
        assert len([m for m in smtp.to("marta@example.es") if "Reabierto" in m.message["Subject"]]) == 1

        # Closed again within the 30 days: nothing is sent.
        again = WEDNESDAY + timedelta(days=2)
        at(rt, again)
        act_on_case(
            uow=rt.uow(), case_id=case_id, action=Action.CLOSE, actor="Marta", now=again, outcome=Outcome.RESOLVED
        )
        rt.run_recovery()
        assert len(smtp.to(ana["email"])) == 1 and requests_of(rt, case_id)[-1].reason == "recent"

        # The customer opts out; months later another resolved case of theirs asks nothing.
        assert client.get(opt_out).status_code == 200
        assert client.post(opt_out).status_code == 200
    later = close_resolved(rt, ana, WEDNESDAY + timedelta(days=95))
    rt.run_recovery()
    at(rt, WEDNESDAY + timedelta(days=96))
    rt.run_recovery()
    assert len(smtp.to(ana["email"])) == 1 and requests_of(rt, later)[0].reason == "opted_out"


def test_a_closure_on_a_colombian_sunday_is_sent_on_monday_at_seven_bogota_time(mailed):
    rt, smtp = mailed
    asking_team(rt)
    luis = customer(email="luis@example.co", phone="+573105550000")
    sunday = datetime(2026, 11, 29, 16, 30, tzinfo=BOGOTA)
    case_id = close_resolved(rt, luis, sunday)

    rt.run_recovery()
    [request] = requests_of(rt, case_id)
    monday_seven = datetime(2026, 11, 30, 7, 0, tzinfo=BOGOTA)
    assert request.state == "scheduled" and request.due_at == monday_seven and smtp.to(luis["email"]) == []

    at(rt, monday_seven - timedelta(minutes=1))
    assert rt.run_recovery().sent == 0 and smtp.to(luis["email"]) == []
    at(rt, monday_seven)
    assert rt.run_recovery().sent == 1
    [mail] = smtp.to(luis["email"])
    assert requests_of(rt, case_id)[0].sent_at == monday_seven and "Did we" not in text_of(mail)
