"""Key rotation: every stored secret re-encrypted, in place, under the newest key of the keyring.

Rows are taken in id order, `batch` at a time, each batch in its own short transaction holding its rows
locked (FOR UPDATE; SQLite's BEGIN IMMEDIATE), so a large table is never locked for long and a process
writing meanwhile waits for one batch at most. A value already under the newest key is left alone: a run
stopped half-way is finished by the next one, and a second run changes nothing."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from npsloop.domain.integrations import is_credential
from npsloop.store.keyring import Keyring


@dataclass(frozen=True)
class Target:
    table: str
    texts: tuple[str, ...]  # EncryptedText columns
    settings: tuple[str, ...] = ()  # CredentialSettings columns

    def raw(self) -> sa.TableClause:
        """The columns as stored (the ciphertext), not through the types that would decrypt them."""
        columns = [sa.column(c, sa.Text) for c in self.texts] + [sa.column(c, sa.JSON) for c in self.settings]
        return sa.table(self.table, sa.column("id", sa.Integer), *columns)


TARGETS = (
    Target("integrations", ("secret", "previous_secret"), ("config",)),
    Target("outbound_endpoints", ("url", "secret")),
)


@dataclass
class Rekeyed:
    rows: int = 0  # rows rewritten
    values: int = 0  # values re-encrypted
    current: int = 0  # values already under the newest key


def rekey(engine: Engine, keyring: Keyring, *, batch: int = 100) -> Rekeyed:
    """Raises UndecryptableSecret, naming no value, if a stored secret opens with none of the keys."""
    report = Rekeyed()
    for target in TARGETS:
        table, last = target.raw(), 0
        while True:
            with engine.begin() as connection:
                rows = connection.execute(
                    sa.select(table).where(table.c.id > last).order_by(table.c.id).limit(batch).with_for_update()
                ).all()
                for row in rows:
                    changes = _changes(target, row._mapping, keyring, report)
                    if changes:
                        connection.execute(sa.update(table).where(table.c.id == row.id).values(**changes))
                        report.rows += 1
            if len(rows) < batch:
                break
            last = rows[-1].id
    return report


def _changes(target: Target, row: Any, keyring: Keyring, report: Rekeyed) -> dict[str, Any]:
    def fresh(token: str) -> str:
        if keyring.is_current(token):
            report.current += 1
            return token
        report.values += 1
        return keyring.reencrypt(token)

    changes: dict[str, Any] = {}
    for column in target.texts:
        value = row[column]
        if value is not None and (new := fresh(value)) != value:
            changes[column] = new
    for column in target.settings:
        stored = row[column] if isinstance(row[column], dict) else json.loads(row[column])
        settings = {k: fresh(v) if is_credential(k) else v for k, v in stored.items()}
        if settings != stored:
            changes[column] = settings
    return changes
