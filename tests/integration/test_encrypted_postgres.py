"""Secrets at rest on PostgreSQL: after an integration with a secret and the tool's API token, a signed
webhook and a Slack endpoint are added, a dump of every table (what `pg_dump --data-only` would print)
holds none of them; a rotation re-encrypts them in place, in batches, and the new key alone reads them."""

from __future__ import annotations

import secrets

import sqlalchemy as sa

from npsloop.bootstrap import build_runtime
from npsloop.services import integrations, outbound
from npsloop.store.keyring import Keyring
from npsloop.store.rekey import rekey
from tests.conftest import SECRET_KEY, FakeDispatcher, sqlite_settings


def dump(url: str) -> str:
    """Every row of every table in the database, the way a dump or a stolen backup holds them."""
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        names = connection.execute(sa.text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")).scalars()
        # The names come from the catalog, not from input.
        text = "\n".join(repr(connection.execute(sa.text(f'SELECT * FROM "{n}"')).all()) for n in list(names))  # noqa: S608
    engine.dispose()
    return text


def test_a_dump_reveals_no_secret_and_a_rotation_reencrypts_them(pg_runtime, pg_url, tmp_path):
    rt = pg_runtime
    made = {
        "secret": "q-url-key-" + secrets.token_hex(8),
        "token": "q-api-token-" + secrets.token_hex(8),
        "slack": "https://hooks.slack.com/services/T1/B1/" + secrets.token_hex(12),
        "desk": "https://desk.example.com/hooks/" + secrets.token_hex(12),
    }
    common = {"uow": rt.uow(), "egress": rt.egress.policy, "now": rt.clock()}
    config = {"api_base": "https://co1.qualtrics.com", "api_token": made["token"], "score_question": "QID1"}
    integrations.add_integration(name="q", kind="qualtrics", secret=made["secret"], config=config, **common)
    made["webhook"] = outbound.add_endpoint(name="desk", kind="webhook", url=made["desk"], **common).secret or ""
    outbound.add_endpoint(name="slack", kind="slack", url=made["slack"], **common)

    before = dump(pg_url)
    assert "QID1" in before and "desk" in before
    assert [name for name, value in made.items() if value in before] == []

    new = Keyring.generate()
    both = build_runtime(
        sqlite_settings(tmp_path, database_url=pg_url, secret_key=f"{new},{SECRET_KEY}"), FakeDispatcher()
    )
    report = rekey(both.engine, Keyring.parse(f"{new},{SECRET_KEY}"), batch=1)
    assert (report.rows, report.values) == (3, 5)
    after = dump(pg_url)
    assert after != before and [name for name, value in made.items() if value in after] == []
    assert rekey(both.engine, Keyring.parse(new)).values == 0

    only_new = build_runtime(sqlite_settings(tmp_path, database_url=pg_url, secret_key=new), FakeDispatcher())
    (found,) = integrations.list_integrations(uow=only_new.uow())
    assert (found.secret, found.config["api_token"]) == (made["secret"], made["token"])
    assert {e.name: (e.url, e.secret) for e in outbound.list_endpoints(uow=only_new.uow())} == {
        "desk": (made["desk"], made["webhook"]),
        "slack": (made["slack"], None),
    }
    both.engine.dispose()
    only_new.engine.dispose()
