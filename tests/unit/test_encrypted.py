"""Secrets at rest: with an integration (its secret, the previous one in its grace period, the tool's API
key and token), a signed webhook and a Slack endpoint stored, the database's bytes (file and WAL) hold none
of them in clear; yet signatures still verify, the tool's API is still called with its token, and outbound
posts still sign and reach the Slack URL."""

from __future__ import annotations

import json
import secrets
import sqlite3
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from npsloop.api.app import create_app
from npsloop.ingest import signature
from npsloop.ingest.adapters import surveymonkey, typeform
from npsloop.services import integrations, outbound
from npsloop.store.keyring import KeyringError
from npsloop.store.tables import metadata
from tests.conftest import drain, ingest, seed_team
from tests.fixtures import survey_tools as docs
from tests.support.http_sink import http_sink


def stored_secrets(rt, api_base: str, hooks_url: str) -> dict[str, str]:
    """Adds what a company would: every kind of secret npsloop keeps, each one unique so a search is exact."""
    made = {
        "sm_secret": "sm-app-secret-" + secrets.token_hex(8),
        "sm_api_key": "sm-app-key-" + secrets.token_hex(8),
        "sm_token": "sm-access-token-" + secrets.token_hex(8),
        "slack_url": f"{hooks_url}/services/T0001/B0001/" + secrets.token_hex(12),
    }
    integrations.add_integration(
        uow=rt.uow(),
        egress=rt.egress.policy,
        name="sm",
        kind="surveymonkey",
        secret=made["sm_secret"],
        config={
            "api_key": made["sm_api_key"],
            "access_token": made["sm_token"],
            "score_question": "111",
            "comment_question": "112",
            "api_base": api_base,
        },
        now=rt.clock(),
    )
    common = {"uow": rt.uow(), "egress": rt.egress.policy, "now": rt.clock()}
    made["tf_previous"] = integrations.add_integration(name="tf", kind="typeform", config={}, **common).secret
    made["tf_secret"] = integrations.rotate_secret(uow=rt.uow(), name="tf", now=rt.clock()).secret
    made["webhook_secret"] = outbound.add_endpoint(
        name="desk", kind="webhook", url=hooks_url + "/desk", **common
    ).secret
    outbound.add_endpoint(name="team-slack", kind="slack", url=made["slack_url"], **common)
    return made


def raw_bytes(database: Path) -> bytes:
    """What a stolen copy of the embedded database holds: the file and its write-ahead log, as bytes."""
    return b"".join(path.read_bytes() for path in (database, Path(f"{database}-wal")) if path.exists())


def raw_rows(database: Path) -> str:
    """A dump: every row of every table, read with the sqlite3 module, past npsloop's own column types."""
    with sqlite3.connect(database) as connection:
        names = [row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        # The names come from the catalog, not from input.
        return "\n".join(repr(connection.execute(f'SELECT * FROM "{name}"').fetchall()) for name in names)  # noqa: S608


def test_a_dump_of_the_database_reveals_no_secret_and_every_door_still_uses_them(runtime):
    seed_team(runtime)
    client = TestClient(create_app(runtime))
    database = Path(sa.make_url(runtime.settings.resolved_database_url).database or "")
    with http_sink() as tool_api, http_sink() as hooks:
        tool_api.routes["/v3/surveys/123456789/responses/987654321/details?simple=true"] = (
            200,
            docs.SURVEYMONKEY_DETAILS,
        )
        made = stored_secrets(runtime, tool_api.url, hooks.url)

        dump, image = raw_rows(database), raw_bytes(database)
        assert "score_question" in dump and "team-slack" in dump  # the rows are there, and read
        for name, value in made.items():
            assert value not in dump, name
            assert value.encode() not in image, name

        # The survey tool's signature checks with the decrypted secret, and its API is read with its token.
        body = json.dumps(docs.SURVEYMONKEY_EVENT).encode()
        signed = {
            "Sm-Apikey": made["sm_api_key"],
            "Sm-Signature": surveymonkey.sign(made["sm_api_key"], made["sm_secret"], body),
        }
        assert client.post("/v1/integrations/surveymonkey/sm", content=body, headers=signed).status_code == 202
        assert tool_api.hits[-1].headers["authorization"] == f"Bearer {made['sm_token']}"
        # The rotated secret still works in its grace period; a guess does not.
        form = json.dumps(docs.TYPEFORM).encode()
        for secret, status in ((made["tf_previous"], 202), (made["tf_secret"], 200), ("guess", 401)):
            headers = {typeform.HEADER: typeform.sign(secret, form), "Content-Type": "application/json"}
            assert client.post("/v1/integrations/typeform/tf", content=form, headers=headers).status_code == status

        # Outbound: the webhook is signed with its secret, and Slack gets its post at its secret URL.
        ingest(runtime, comment="Nobody came")
        drain(runtime)
        assert runtime.deliver_outbound() >= 2
        desk = [hit for hit in hooks.posts() if hit.path == "/desk"]
        assert desk and all(
            signature.verify(
                hit.headers["npsloop-signature"],
                hit.body,
                {"npsloop": [made["webhook_secret"]]},
                now=time.time(),
                tolerance=300,
            )
            == "npsloop"
            for hit in desk
        )
        assert {hit.path for hit in hooks.posts() if hit.path != "/desk"} == {made["slack_url"].removeprefix(hooks.url)}


def test_an_engine_without_the_key_cannot_write_a_secret_in_clear(runtime, tmp_path):
    from npsloop.store.database import make_engine

    bare = make_engine(runtime.settings.resolved_database_url)  # no keyring bound
    integrations_table = metadata.tables["integrations"]
    with pytest.raises(sa.exc.StatementError) as raised, bare.begin() as connection:
        connection.execute(
            integrations_table.insert().values(
                name="x", kind="typeform", secret="in-clear", config={}, created_at=runtime.clock()
            )
        )
    assert isinstance(raised.value.orig, KeyringError) and "NPSLOOP_SECRET_KEY" in str(raised.value)
    with bare.connect() as connection:
        assert connection.execute(sa.text("SELECT count(*) FROM integrations")).scalar_one() == 0
    bare.dispose()


def test_a_process_holding_the_wrong_key_answers_503_and_the_sender_retries(runtime, tmp_path):
    from npsloop.bootstrap import build_runtime
    from npsloop.store.keyring import Keyring
    from tests.conftest import FakeDispatcher, sqlite_settings

    secret = integrations.add_integration(
        uow=runtime.uow(), egress=runtime.egress.policy, name="tf", kind="typeform", config={}, now=runtime.clock()
    ).secret
    wrong = build_runtime(sqlite_settings(tmp_path, secret_key=Keyring.generate()), dispatcher=FakeDispatcher())
    body = json.dumps(docs.TYPEFORM).encode()
    answer = TestClient(create_app(wrong)).post(
        "/v1/integrations/typeform/tf", content=body, headers={typeform.HEADER: typeform.sign(secret, body)}
    )
    assert answer.status_code == 503 and answer.headers["Retry-After"] == "30"
    assert "NPSLOOP_SECRET_KEY" in answer.json()["message"] and secret not in answer.text
    wrong.engine.dispose()


def test_the_credential_rule_takes_every_api_credential_and_no_plain_setting():
    from npsloop.domain.integrations import is_credential

    credentials = {"api_key", "access_token", "api_token", "client_secret", "password", "API_TOKEN"}
    plain = {"api_base", "score_question", "comment_question", "touchpoint_property", "customer_hidden_field"}
    plain |= {"score_field", "comment_field", "fields", "event", "accept", "survey_type", "touchpoint", "keyword"}
    assert {s for s in credentials | plain if is_credential(s)} == credentials
