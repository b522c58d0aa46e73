"""Column types that encrypt on the way in and decrypt on the way out, with the keys of the engine that runs
the statement (store/keyring.py). Every door (API, CLI, worker, intake) reads and writes these columns
through the mapping or a typed select, so none handles ciphertext and none can store a secret in clear."""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect

from npsloop.domain.integrations import is_credential
from npsloop.store.keyring import keyring_of


class EncryptedText(sa.TypeDecorator[str]):
    """A secret string. Text, not String(n): a Fernet token is about 4/3 of the plaintext plus 80 bytes."""

    impl = sa.Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else keyring_of(dialect).encrypt(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> str | None:
        return None if value is None else keyring_of(dialect).decrypt(value)


class CredentialSettings(sa.TypeDecorator[dict[str, Any]]):
    """An integration's settings as JSON, with each credential's value (is_credential) encrypted in place:
    the other settings (question ids, the API base) stay readable to an operator looking at the table."""

    impl = sa.JSON
    cache_ok = True

    def process_bind_param(self, value: dict[str, Any] | None, dialect: Dialect) -> dict[str, Any] | None:
        if value is None:
            return None
        keyring = keyring_of(dialect)
        return {k: keyring.encrypt(json.dumps(v)) if is_credential(k) else v for k, v in value.items()}

    def process_result_value(self, value: Any, dialect: Dialect) -> dict[str, Any] | None:
        if value is None:
            return None
        keyring = keyring_of(dialect)
        return {k: json.loads(keyring.decrypt(v)) if is_credential(k) else v for k, v in value.items()}
