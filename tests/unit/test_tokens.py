"""Tokens: shown once, stored as a hash, refused once expired or revoked."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from npsloop.domain.access import Role
from npsloop.domain.errors import DuplicateName, UnknownAgent
from npsloop.services import tokens
from tests.conftest import TOKEN, seed_team


def authenticate(rt, secret, now=None):
    return tokens.authenticate(
        uow=rt.uow(), presented=secret, bootstrap=rt.settings.api_token_list(), now=now or rt.clock()
    )


def test_only_the_hash_is_stored_and_the_secret_authenticates(runtime):
    issued = tokens.create_token(uow=runtime.uow(), name="ops", role=Role.SUPERVISOR, now=runtime.clock())
    assert issued.secret.startswith("npl_") and len(issued.secret) > 40
    with runtime.engine.connect() as connection:
        stored = connection.execute(sa.text("SELECT * FROM api_tokens")).mappings().one()
    assert issued.secret not in {str(v) for v in stored.values()}
    assert stored["token_hash"] == tokens.hash_token(issued.secret)
    assert stored["prefix"] == issued.secret[:12]
    who = authenticate(runtime, issued.secret)
    assert (who.name, who.role, who.token_id) == ("ops", Role.SUPERVISOR, issued.token.id)
    assert authenticate(runtime, issued.secret[:-1] + ("A" if issued.secret[-1] != "A" else "B")) is None


def test_expired_and_revoked_tokens_are_refused(runtime):
    now = runtime.clock()
    issued = tokens.create_token(
        uow=runtime.uow(), name="short", role=Role.INTEGRATION, now=now, expires_in=timedelta(days=1)
    )
    assert authenticate(runtime, issued.secret, now + timedelta(hours=23)) is not None
    assert authenticate(runtime, issued.secret, now + timedelta(days=1)) is None
    other = tokens.create_token(uow=runtime.uow(), name="gone", role=Role.ADMIN, now=now)
    first = tokens.revoke_token(uow=runtime.uow(), name="gone", now=now)
    again = tokens.revoke_token(uow=runtime.uow(), name="gone", now=now + timedelta(hours=1))
    assert first.revoked_at == again.revoked_at == now
    assert authenticate(runtime, other.secret) is None
    assert [t.status(now + timedelta(days=2)) for t in tokens.list_tokens(uow=runtime.uow())] == ["expired", "revoked"]
    with pytest.raises(tokens.TokenNotFound):
        tokens.revoke_token(uow=runtime.uow(), name="never", now=now)


def test_an_agent_token_acts_as_its_agent_within_their_team(runtime):
    seed_team(runtime)
    with pytest.raises(tokens.InvalidToken):
        tokens.create_token(uow=runtime.uow(), name="a", role=Role.AGENT, now=runtime.clock())
    with pytest.raises(UnknownAgent):
        tokens.create_token(uow=runtime.uow(), name="a", role=Role.AGENT, agent="Nobody", now=runtime.clock())
    issued = tokens.create_token(uow=runtime.uow(), name="a", role=Role.AGENT, agent="Marta", now=runtime.clock())
    who = authenticate(runtime, issued.secret)
    assert who.name == "Marta" and who.role is Role.AGENT and len(who.team_ids) == 1
    with pytest.raises(DuplicateName):
        tokens.create_token(uow=runtime.uow(), name="a", role=Role.ADMIN, now=runtime.clock())


def test_the_bootstrap_token_from_settings_is_an_admin(runtime):
    who = authenticate(runtime, TOKEN)
    assert who.role is Role.ADMIN and who.token_id is None
    assert authenticate(runtime, "something-else") is None


def test_a_token_must_expire_in_the_future(runtime):
    with pytest.raises(tokens.InvalidToken):
        tokens.create_token(uow=runtime.uow(), name="x", role=Role.ADMIN, now=runtime.clock(), expires_in=timedelta(0))


def test_last_use_is_written_at_most_once_a_minute(runtime):
    now = runtime.clock()
    issued = tokens.create_token(uow=runtime.uow(), name="busy", role=Role.SUPERVISOR, now=now)

    def last_used():
        return tokens.list_tokens(uow=runtime.uow())[0].last_used_at

    assert authenticate(runtime, issued.secret, now) is not None
    assert last_used() == now
    assert authenticate(runtime, issued.secret, now + timedelta(seconds=30)) is not None
    assert last_used() == now  # too soon to be worth a write
    later = now + timedelta(minutes=2)
    assert authenticate(runtime, issued.secret, later) is not None
    assert last_used() == later
