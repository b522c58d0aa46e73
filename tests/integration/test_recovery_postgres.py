"""The recovery follow-up's once-only rules under real concurrency on PostgreSQL: beats racing to send, and a
customer's answer posted twice at once."""

from __future__ import annotations

import threading
from datetime import datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from npsloop.domain.recovery import read_answer
from npsloop.recovery_links import LinkKind, read_link_token
from npsloop.services.casework import get_case
from npsloop.services.recovery_answers import answer_recovery, opt_out
from npsloop.store import tables
from tests.support.recovery import LINK_SECRET, asking_team, close_resolved, customer, links, requests_of

WEDNESDAY = datetime(2026, 12, 2, 10, 0, tzinfo=ZoneInfo("America/Bogota"))


def together(count: int, work) -> list[object]:
    barrier = threading.Barrier(count)
    results: list[object] = [None] * count

    def run(i: int) -> None:
        barrier.wait()
        results[i] = work()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def customer_mail(rt):
    return [m for m in rt.transports["email"].sent if m.reference.startswith("r")]


def test_beats_racing_send_each_question_once(pg_runtime):
    asking_team(pg_runtime)
    cases = [close_resolved(pg_runtime, customer(), WEDNESDAY) for _ in range(5)]
    runs = together(4, pg_runtime.run_recovery)
    assert sum(run.sent for run in runs) == 5
    assert sorted(m.to for m in customer_mail(pg_runtime)) == ["ana@example.co"] * 5
    assert all(requests_of(pg_runtime, case_id)[0].state == "sent" for case_id in cases)


def test_an_answer_posted_twice_at_once_reopens_once_and_alerts_once(pg_runtime):
    asking_team(pg_runtime)
    case_id = close_resolved(pg_runtime, customer(), WEDNESDAY)
    pg_runtime.run_recovery()
    answer, _ = links(customer_mail(pg_runtime)[0].text)
    request_id = read_link_token(LINK_SECRET, answer.rsplit("/", 1)[1], LinkKind.ANSWER, now=0)

    def post():
        return answer_recovery(
            uow=pg_runtime.uow(), request_id=request_id, answer=read_answer("no", "3", None), now=WEDNESDAY
        )

    pages = together(4, post)
    assert {page.stage for page in pages} == {"answered"}
    view = get_case(uow=pg_runtime.uow(), case_id=case_id)
    assert view.case.status == "open"
    assert [e.kind for e in view.events].count("reopened") == 1
    assert [e.kind for e in view.events].count("recovery_answered") == 1
    assert len([n for n in view.notifications if n.kind == f"reopened:{request_id}"]) == 2  # Marta: SMS, email


def test_an_opt_out_posted_several_times_at_once_is_recorded_once_and_each_click_is_answered(pg_runtime):
    asking_team(pg_runtime)
    close_resolved(pg_runtime, customer(), WEDNESDAY)
    pg_runtime.run_recovery()
    _, opt_out_path = links(customer_mail(pg_runtime)[0].text)
    token = opt_out_path.rsplit("/", 1)[1]
    request_id = read_link_token(LINK_SECRET, token, LinkKind.OPT_OUT, now=0)

    def click():
        try:
            return opt_out(uow=pg_runtime.uow(), request_id=request_id, now=WEDNESDAY)
        except Exception as error:  # noqa: BLE001 - what a racing click raises is the finding
            return error

    assert together(6, click) == [True] * 6
    with pg_runtime.engine.connect() as connection:
        rows = connection.execute(sa.select(tables.recovery_opt_outs.c.via)).all()
    assert [row.via for row in rows] == ["link"]
