"""Key rotation: with the new key put first, `rekey` re-encrypts every stored secret in place (the raw
ciphertext changes, the values do not), batch by batch; a second run changes nothing; afterwards the new key
alone reads every secret, and the old key alone reads none."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from npsloop.bootstrap import build_runtime
from npsloop.services import integrations, outbound
from npsloop.store.keyring import Keyring, UndecryptableSecret
from npsloop.store.rekey import rekey
from tests.conftest import SECRET_KEY, FakeDispatcher, sqlite_settings

RAW = (
    "SELECT 'i' || id, secret, coalesce(previous_secret, ''), config FROM integrations "
    "UNION ALL SELECT 'e' || id, url, coalesce(secret, ''), '' FROM outbound_endpoints ORDER BY 1"
)


def raw(rt) -> list[tuple[str, ...]]:
    with rt.engine.connect() as connection:
        return [tuple(row) for row in connection.execute(sa.text(RAW))]


def readable(rt) -> dict[str, object]:
    found: dict[str, object] = {}
    for i in integrations.list_integrations(uow=rt.uow()):
        found[i.name] = (i.secret, i.previous_secret, i.config)
    for e in outbound.list_endpoints(uow=rt.uow()):
        found[e.name] = (e.url, e.secret)
    return found


def with_key(tmp_path, key: str):
    return build_runtime(sqlite_settings(tmp_path, secret_key=key), dispatcher=FakeDispatcher())


def test_rotation_reencrypts_in_place_resumably_and_the_old_key_can_then_go(runtime, tmp_path):
    common = {"uow": runtime.uow(), "egress": runtime.egress.policy, "now": runtime.clock()}
    for n in range(3):
        integrations.add_integration(name=f"tf{n}", kind="typeform", config={}, **common)
    integrations.rotate_secret(uow=runtime.uow(), name="tf1", now=runtime.clock())
    integrations.add_integration(
        name="q",
        kind="qualtrics",
        config={"api_base": "https://co1.qualtrics.com", "api_token": "q-token-1", "score_question": "QID1"},
        **common,
    )
    outbound.add_endpoint(name="desk", kind="webhook", url="https://desk.example.com/hook", **common)
    outbound.add_endpoint(name="slack", kind="slack", url="https://hooks.slack.com/services/T/B/x", **common)
    before, values = raw(runtime), readable(runtime)

    new = Keyring.generate()
    both = with_key(tmp_path, f"{new},{SECRET_KEY}")
    report = rekey(both.engine, Keyring.parse(f"{new},{SECRET_KEY}"), batch=2)  # several batches a table
    # 4 integration secrets, 1 previous one, 1 API token; 2 URLs and 1 webhook secret.
    assert (report.rows, report.values, report.current) == (6, 9, 0)
    after = raw(both)
    assert [row[0] for row in after] == [row[0] for row in before]
    for old_row, new_row in zip(before, after, strict=True):
        assert all(o != n for o, n in zip(old_row[1:3], new_row[1:3], strict=True) if o), old_row[0]
    qualtrics = after[-1][3]
    assert "QID1" in qualtrics and "q-token-1" not in qualtrics and qualtrics != before[-1][3]  # its token only

    again = rekey(both.engine, Keyring.parse(f"{new},{SECRET_KEY}"))
    assert (again.rows, again.values, again.current) == (0, 0, 9) and raw(both) == after  # idempotent

    only_new = with_key(tmp_path, new)
    assert readable(only_new) == values
    only_old = with_key(tmp_path, SECRET_KEY)
    with pytest.raises(UndecryptableSecret) as refused:
        readable(only_old)
    assert "NPSLOOP_SECRET_KEY" in str(refused.value) and new not in str(refused.value)
    for rt in (both, only_new, only_old):
        rt.engine.dispose()


def test_a_secret_no_key_opens_stops_the_rotation_without_naming_it(runtime, tmp_path):
    integrations.add_integration(
        uow=runtime.uow(), egress=runtime.egress.policy, name="tf", kind="typeform", config={}, now=runtime.clock()
    )
    stranger = Keyring.parse(Keyring.generate())
    with pytest.raises(UndecryptableSecret):
        rekey(runtime.engine, stranger)
    assert readable(runtime)["tf"]  # nothing was rewritten
