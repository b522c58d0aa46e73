"""The unit of work's sessions: every one of them carries the outbound fan-out, however many session factories
came and went before it (a test run builds hundreds; a long-lived process may rebuild its runtime)."""

from __future__ import annotations

import gc

import sqlalchemy as sa

from npsloop.store.outbound_repository import fan_out
from npsloop.store.uow import session_factory


def test_every_session_fans_out_even_after_earlier_factories_were_collected():
    engine = sa.create_engine("sqlite://")
    missing = []
    for attempt in range(60):
        factory = session_factory(engine)
        with factory() as session:
            if fan_out not in list(session.dispatch.after_flush):
                missing.append(attempt)
        del factory
        gc.collect()  # frees the factory's class, so the next one may be put at the same address
    assert missing == []
