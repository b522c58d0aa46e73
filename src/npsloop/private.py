"""Folders and files only their owner may open: the data dir (0700), the embedded SQLite database and the
key file (0600). Created so from the first byte, rather than chmod-ed after, so there is no moment at which
another local user could open them; whatever exists already is left as the operator set it."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

DIRECTORY_MODE = 0o700
FILE_MODE = 0o600


def private_directory(path: Path) -> Path:
    """Creates each missing folder of `path` 0700 (Path.mkdir(parents=True) would give the parents the
    umask's default, often 0755)."""
    missing = []
    current = path.absolute()
    while not current.exists():
        missing.append(current)
        current = current.parent
    for folder in reversed(missing):
        with contextlib.suppress(FileExistsError):  # another process made it first, the same way
            folder.mkdir(mode=DIRECTORY_MODE)
    return path


def private_file(path: Path) -> Path:
    """An empty file, 0600, if there is none (an empty file is a valid, empty SQLite database)."""
    if path.exists():
        return path
    private_directory(path.parent)
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))
    return path
