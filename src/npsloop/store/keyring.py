"""The keys that encrypt secrets at rest (integration secrets, survey tools' API tokens, outbound endpoints'
URLs and signing secrets), and how an engine carries them to the column types that use them.

Fernet (AES-128-CBC with HMAC-SHA256, from `cryptography`) with a list of keys, newest first: the first
encrypts, every one decrypts, so a key is rotated by putting a new one in front, running
`npsloop secrets rotate-key`, then dropping the old one. The keys belong to the engine (not to a module
global), so two runtimes in one process, as in the tests, may hold different keys."""

from __future__ import annotations

from collections.abc import Sequence

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy.engine import Dialect, Engine

_ATTRIBUTE = "npsloop_keyring"
SETTING = "NPSLOOP_SECRET_KEY"


class KeyringError(RuntimeError):
    """The keys are missing or malformed: the process cannot read or write a stored secret."""


class UndecryptableSecret(KeyringError):
    """A stored value decrypts with none of the keys: most likely the key was changed without keeping the
    old one next to it."""


class Keyring:
    def __init__(self, keys: Sequence[str]) -> None:
        if not keys:
            raise KeyringError(f"{SETTING} holds no key")
        fernets = []
        for position, key in enumerate(keys, start=1):
            try:
                fernets.append(Fernet(key.strip()))
            except (ValueError, TypeError):
                # The position, never the value: a key must not reach a log or a terminal.
                raise KeyringError(
                    f"{SETTING}: key {position} of {len(keys)} is not a Fernet key (32 url-safe base64 bytes); "
                    "make one with `npsloop secrets generate-key`"
                ) from None
        self._primary = fernets[0]
        self._all = MultiFernet(fernets)
        self.size = len(fernets)

    @classmethod
    def parse(cls, text: str) -> Keyring:
        """Comma separated, newest first, as NPSLOOP_SECRET_KEY holds them."""
        return cls([part for part in (p.strip() for p in text.split(",")) if part])

    @staticmethod
    def generate() -> str:
        return Fernet.generate_key().decode("ascii")

    def encrypt(self, plain: str) -> str:
        return self._primary.encrypt(plain.encode()).decode("ascii")

    def decrypt(self, token: str) -> str:
        try:
            return self._all.decrypt(token.encode("ascii")).decode()
        except (InvalidToken, UnicodeEncodeError):
            raise UndecryptableSecret(
                f"a stored secret decrypts with none of the {self.size} key(s) in {SETTING}: "
                "was the key replaced without keeping the old one after it?"
            ) from None

    def is_current(self, token: str) -> bool:
        """Encrypted with the newest key: nothing for a rotation to do."""
        try:
            self._primary.decrypt(token.encode("ascii"))
        except (InvalidToken, UnicodeEncodeError):
            return False
        return True

    def reencrypt(self, token: str) -> str:
        """The same plaintext under the newest key; raises UndecryptableSecret if no key opens it."""
        return self.encrypt(self.decrypt(token))


def bind_keyring(engine: Engine, keyring: Keyring) -> None:
    """Every statement on this engine encrypts and decrypts its secret columns with these keys."""
    setattr(engine.dialect, _ATTRIBUTE, keyring)


def keyring_of(dialect: Dialect) -> Keyring:
    found = getattr(dialect, _ATTRIBUTE, None)
    if not isinstance(found, Keyring):
        raise KeyringError(f"this database engine holds no secret key; build it with one ({SETTING})")
    return found
