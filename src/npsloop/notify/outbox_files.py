"""The outbox folder as a place personal data sits: each file is an alert as rendered for an agent (the
customer's name, phone, comment), named after its notification ("n42.sms.txt", "n42.eml"). Erasure removes a
customer's alerts by those names; retention removes files older than the cutoff."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from npsloop.domain.erasure import Subject

MAX_SHOWN = 64 * 1024  # what an export shows of one file


class OutboxFiles:
    name = "outbox"

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def _of(self, subject: Subject) -> Iterator[Path]:
        if not self.folder.is_dir():
            return
        for reference in sorted(subject.references):
            # "n4.*" is not "n42.eml": the dot ends the reference.
            yield from sorted(self.folder.glob(f"{reference}.*"))

    def find(self, subject: Subject) -> list[dict[str, Any]]:
        return [
            {
                "file": path.name,
                "written_at": _mtime(path).isoformat(),
                "content": path.read_bytes()[:MAX_SHOWN].decode("utf-8", "replace"),
            }
            for path in self._of(subject)
        ]

    def forget(self, subject: Subject) -> int:
        return sum(_unlink(path) for path in list(self._of(subject)))

    def _older(self, cutoff: datetime) -> Iterator[Path]:
        if self.folder.is_dir():
            yield from (path for path in self.folder.iterdir() if path.is_file() and _mtime(path) < cutoff)

    def count_before(self, cutoff: datetime) -> int:
        return sum(1 for _ in self._older(cutoff))

    def forget_before(self, cutoff: datetime) -> int:
        return sum(_unlink(path) for path in list(self._older(cutoff)))


def _mtime(path: Path) -> datetime:
    return datetime.fromtimestamp(path.stat().st_mtime, UTC)


def _unlink(path: Path) -> int:
    try:
        path.unlink()
    except FileNotFoundError:  # a second erasure (or the sender's own rename) got there first
        return 0
    return 1
