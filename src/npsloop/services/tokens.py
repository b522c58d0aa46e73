"""Issuing, listing, revoking and checking API tokens.

A token is `npl_` + 43 characters of url-safe base64 (256 random bits). Its SHA-256 is the lookup key, so
checking a token is one indexed read and the database never holds anything a caller could present.
Tokens from NPSLOOP_API_TOKENS are kept as admin tokens for bootstrapping a new installation."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from npsloop.domain.access import ApiToken, Principal, Role
from npsloop.domain.audit import Change, EntityKind
from npsloop.domain.errors import DomainError, DuplicateName
from npsloop.services.audit import SYSTEM, record
from npsloop.services.audit_states import token_state
from npsloop.services.unit_of_work import Conflict, UnitOfWork

PREFIX = "npl_"
SHOWN_PREFIX = 12  # "npl_" and 8 characters: enough to tell tokens apart in a list, useless to a thief


class TokenNotFound(DomainError, LookupError):
    pass


class InvalidToken(DomainError, ValueError):
    pass


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    secret: str  # shown once, never stored


def hash_token(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_token(
    *,
    uow: UnitOfWork,
    name: str,
    role: Role,
    now: datetime,
    agent: str | None = None,
    expires_in: timedelta | None = None,
    actor: str = SYSTEM,
) -> IssuedToken:
    if role is Role.AGENT and not agent:
        raise InvalidToken("an agent token belongs to an agent: name one")
    if expires_in is not None and expires_in <= timedelta(0):
        raise InvalidToken("a token must expire in the future")
    secret = PREFIX + secrets.token_urlsafe(32)
    with uow:
        if uow.tokens.named(name) is not None:
            raise DuplicateName(f"a token named {name!r} exists")
        agent_id = None
        if agent:
            agent_id = uow.directory.require_agent(agent).id
        token = ApiToken(
            name=name,
            role=role.value,
            token_hash=hash_token(secret),
            prefix=secret[:SHOWN_PREFIX],
            created_at=now,
            agent_id=agent_id,
            expires_at=now + expires_in if expires_in else None,
        )
        uow.tokens.add(token)
        try:
            uow.flush()
            change = Change(EntityKind.TOKEN, "create", name, token.id, after=token_state(token))
            record(uow, change, actor=actor, now=now)
            uow.commit()
        except Conflict as error:
            raise DuplicateName(f"a token named {name!r} exists") from error
        return IssuedToken(token=token, secret=secret)


def list_tokens(*, uow: UnitOfWork) -> list[ApiToken]:
    with uow:
        return uow.tokens.all()


def revoke_token(*, uow: UnitOfWork, name: str, now: datetime, actor: str = SYSTEM) -> ApiToken:
    """Idempotent: revoking a revoked token keeps the first revocation time."""
    with uow:
        token = uow.tokens.named(name)
        if token is None:
            raise TokenNotFound(f"no token named {name!r}")
        if token.revoked_at is None:
            before = token_state(token)
            token.revoked_at = now
            change = Change(EntityKind.TOKEN, "revoke", name, token.id, before=before, after=token_state(token))
            record(uow, change, actor=actor, now=now)
            uow.commit()
        return token


def authenticate(*, uow: UnitOfWork, presented: str, bootstrap: list[str], now: datetime) -> Principal | None:
    """The principal behind a presented secret, or None for an unknown, revoked or expired one."""
    presented = presented.strip()
    matched = False
    for configured in bootstrap:  # every one compared, so timing tells nothing about which matched
        matched |= hmac.compare_digest(configured.encode(), presented.encode())
    if matched:
        return Principal(name="admin", role=Role.ADMIN)
    if not presented.startswith(PREFIX):
        return None
    with uow:
        token = uow.tokens.by_hash(hash_token(presented))
        if token is None or not token.is_active(now):
            return None
        assert token.id is not None
        name, team_ids = token.name, frozenset[int]()
        if token.agent_id is not None:
            agent = uow.directory.agent(token.agent_id)
            if agent is None or not agent.active:
                return None
            name, team_ids = agent.name, frozenset({agent.team_id})
        if uow.tokens.touch(token, now):
            uow.commit()
        role = Role(token.role)
        return Principal(name=name, role=role, agent_id=token.agent_id, team_ids=team_ids, token_id=token.id)
