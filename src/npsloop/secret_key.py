"""Where a process finds the keys that encrypt stored secrets: NPSLOOP_SECRET_KEY, or, in the embedded mode
only, a key file it makes in the data dir the first time. A server database (PostgreSQL) is shared by
processes on several hosts and often backed up elsewhere; a key made on one host would be unknown to the
others and lost with it, so there the key must be given, and a process without it refuses to start."""

from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path

from npsloop.private import FILE_MODE, private_directory
from npsloop.settings import Settings
from npsloop.store.keyring import SETTING, Keyring, KeyringError

log = logging.getLogger(__name__)


class MissingSecretKey(KeyringError):
    pass


def load_keyring(settings: Settings) -> Keyring:
    configured = settings.secret_key.get_secret_value()
    if configured.strip():
        return Keyring.parse(configured)
    if not settings.embedded_database:
        raise MissingSecretKey(
            f"{SETTING} is not set. With a server database npsloop keeps integration secrets, survey tools' API "
            "tokens and outbound webhook URLs encrypted with it: make one with `npsloop secrets generate-key` "
            "and give the same value to every process (API, worker, beat, intake, db upgrade)."
        )
    # The file may list keys like the setting (newest first), which is how the embedded mode rotates.
    try:
        return Keyring.parse(embedded_key(settings.secret_key_file))
    except KeyringError as error:
        raise KeyringError(f"{settings.secret_key_file} (used as {SETTING} is empty): {error}") from None


def embedded_key(path: Path) -> str:
    """The key in `path`, made (0600) if there is none. Written aside and hard-linked into place, which fails
    if another process got there first: the API and the worker of the demo start at once, and both must end
    up with the same key, never with a half-written one."""
    if path.exists():
        return path.read_text().strip()
    private_directory(path.parent)
    draft = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    with os.fdopen(descriptor, "w") as file:
        file.write(Keyring.generate() + "\n")
        file.flush()
        os.fsync(file.fileno())
    try:
        os.link(draft, path)
        log.warning(
            "no %s set: made %s (readable by this user only) to encrypt the secrets the embedded database keeps; "
            "back it up with the database, which is unreadable in part without it",
            SETTING,
            path,
        )
    except FileExistsError:
        pass
    finally:
        draft.unlink()
    return path.read_text().strip()
