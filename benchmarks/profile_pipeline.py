"""Where a worker's time goes: processes N responses and sends their alerts in this process, through the real
PostgreSQL, the real twilio SDK and SMTP (to local servers), under pyinstrument, and prints the call tree.

`--batch 1` runs each response's task alone (what an idle worker does); the default runs them as a worker behind
its queue does (NPSLOOP_PROCESS_BATCH: one task takes the waiting responses in batches). The default model is
fitted (or read from the tests' cache) before the profile starts: a worker fits it once, not per response.

    .venv/bin/python benchmarks/profile_pipeline.py --n 800 [--batch 1]   # pyinstrument comes with the test extras
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from pyinstrument import Profiler

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.conftest import FakeDispatcher  # noqa: E402
from tests.support import smtp_server, twilio_server  # noqa: E402
from tests.support.models import MODEL_CACHE  # noqa: E402

from npsloop.bootstrap import build_runtime  # noqa: E402
from npsloop.ingest.schemas import ResponseIn  # noqa: E402
from npsloop.services import directory  # noqa: E402
from npsloop.services.ingest import ingest_response  # noqa: E402
from npsloop.settings import Settings  # noqa: E402
from npsloop.store import migrate  # noqa: E402
from npsloop.store.database import normalize_url  # noqa: E402
from npsloop.store.keyring import Keyring  # noqa: E402

ADMIN_URL = os.environ.get("NPSLOOP_TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=800)
    parser.add_argument("--batch", type=int, default=Settings.model_fields["process_batch"].default)
    args = parser.parse_args()
    name = "npsloop_prof_" + uuid.uuid4().hex[:8]
    admin = sa.create_engine(normalize_url(ADMIN_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = normalize_url(ADMIN_URL).rsplit("/", 1)[0] + "/" + name
    twilio = twilio_server.start()
    controller, sink = smtp_server.start()
    try:
        migrate.upgrade(url)
        settings = Settings(
            database_url=url,
            secret_key=Keyring.generate(),
            data_dir=Path(tempfile.mkdtemp()),
            twilio_account_sid=twilio.state.account_sid,
            twilio_auth_token=twilio.state.auth_token,
            twilio_from="+15005550006",
            twilio_api_base=twilio.base_url,
            smtp_url=f"smtp://127.0.0.1:{controller.port}",
            console_notifications=False,
            customer_call_hours="00:00-24:00",
            sms_per_agent_per_hour=10**8,
            process_batch=args.batch,
            model_cache_dir=MODEL_CACHE,
        )
        runtime = build_runtime(settings, dispatcher=FakeDispatcher())
        directory.add_team(uow=runtime.uow(), name="Care", touchpoints=["delivery"], is_default=True)
        directory.add_agent(uow=runtime.uow(), name="Marta", team="Care", phone="+34611222333", email="m@x.es")
        directory.add_agent(uow=runtime.uow(), name="Tom", team="Care", phone=None, email="t@x.es")
        rng = random.Random(1)
        ids = []
        for i in range(args.n):
            detractor = rng.random() < 0.25
            body = {
                "response_id": f"r{i}",
                "score": rng.randint(0, 6) if detractor else rng.randint(7, 10),
                "comment": "x" * rng.randint(0, 500),
                "customer": {"id": f"c{i}", "phone": "+34600111222"},
                "responded_at": datetime.now(UTC).isoformat(),
                "touchpoint": "delivery",
            }
            incoming = ResponseIn.model_validate(body).to_domain(integration="bench", received_at=runtime.clock())
            ids.append(ingest_response(uow=runtime.uow(), incoming=incoming, now=runtime.clock()).id)
        runtime.models.default()  # fitted or loaded once, as a worker does before its first response
        profiler = Profiler()
        profiler.start()
        cpu, began = time.process_time(), time.perf_counter()
        # Batches of one: each response's task. Batches: the task that finds the backlog drains it, and on a Redis
        # broker no other task was queued while it waited (worker.process_gate).
        for response_id in ids if args.batch == 1 else ids[:1]:
            runtime.process(response_id)
        wall, cpu = time.perf_counter() - began, time.process_time() - cpu
        profiler.stop()
        print(profiler.output_text(unicode=False, color=False))
        sent = len(twilio.state.messages) + len(sink.mails)
        print(
            f"batch {args.batch}: {1000 * cpu / len(ids):.2f} ms CPU and {1000 * wall / len(ids):.2f} ms wall a "
            f"response (this process; the servers apart), {sent} alerts sent"
        )
        runtime.engine.dispose()
    finally:
        twilio.shutdown()
        controller.stop()
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


if __name__ == "__main__":
    main()
