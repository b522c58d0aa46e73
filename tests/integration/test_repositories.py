"""Database rules that only a real PostgreSQL can prove: uniqueness under concurrency, the claim gate."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest

from npsloop.domain.cases import Case
from npsloop.services.processing import handle_response
from npsloop.services.unit_of_work import Conflict
from tests.conftest import ingest, process, seed_team


def test_the_database_refuses_a_second_open_case_for_one_customer(pg_runtime):
    now = datetime.now(UTC)
    with pg_runtime.uow() as uow:
        uow.cases.add(Case.open(customer_key="shop:c1", team_id=None, at=now, response_ref="a"))
        uow.commit()
    with pg_runtime.uow() as uow:
        uow.cases.add(Case.open(customer_key="shop:c1", team_id=None, at=now, response_ref="b"))
        with pytest.raises(Conflict):
            uow.commit()


def test_a_closed_case_does_not_block_a_new_one(pg_runtime):
    now = datetime.now(UTC)
    with pg_runtime.uow() as uow:
        closed = Case.open(customer_key="shop:c1", team_id=None, at=now, response_ref="a")
        closed.status = "closed"
        uow.cases.add(closed)
        uow.cases.add(Case.open(customer_key="shop:c1", team_id=None, at=now, response_ref="b"))
        uow.commit()


def test_two_workers_racing_on_one_customers_detractors_make_one_case(pg_runtime):
    seed_team(pg_runtime)
    customer = {"id": "c-race", "phone": "+34600111222"}
    for _ in range(10):
        ids = [ingest(pg_runtime, score=s, customer=customer) for s in (1, 2, 3, 4)]
        errors = race(pg_runtime, ids)
        assert errors == []
        with pg_runtime.uow() as uow:
            case_ids = {uow.responses.get(i).case_id for i in ids}
            assert len(case_ids) == 1 and None not in case_ids
            case = uow.cases.get(case_ids.pop())
            assert len(uow.notifications.for_case(case.id)) == 3  # 2 agents: sms+email and email
            case.status = "closed"
            uow.commit()


def test_only_one_of_many_concurrent_claims_wins(pg_runtime):
    seed_team(pg_runtime, agents=(("Marta", "+34611222333", None, "es"),))
    [nid] = process(pg_runtime, ingest(pg_runtime, score=1))
    barrier = threading.Barrier(8)
    wins: list[bool] = []

    def claim() -> None:
        with pg_runtime.uow() as uow:
            barrier.wait()
            won = uow.notifications.claim(nid, now=datetime.now(UTC))
            uow.commit()
            wins.append(won)

    threads = [threading.Thread(target=claim) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(wins) == [False] * 7 + [True]


def race(pg_runtime, ids: list[int]) -> list[BaseException]:
    """Processes each response on its own thread, all released at the same instant."""
    barrier = threading.Barrier(len(ids))
    errors: list[BaseException] = []

    def work(response_id: int) -> None:
        barrier.wait()
        try:
            handle_response(
                uow=pg_runtime.uow(), models=pg_runtime.models, response_id=response_id, now=datetime.now(UTC)
            )
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=work, args=(i,)) for i in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors
