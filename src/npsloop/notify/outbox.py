"""The embedded default channel: each message becomes a file (.txt for SMS, .eml for email) in an outbox
folder, and a line on the console, so a demo shows exactly what agents would have received."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TextIO

from npsloop.notify.base import OutboundMessage, Receipt
from npsloop.notify.email import build_email
from npsloop.redaction import redact


class Outbox:
    def __init__(self, folder: Path, *, sender: str, console: TextIO | None = sys.stdout) -> None:
        self.folder = folder
        self.sender = sender
        self.console = console

    def send(self, message: OutboundMessage) -> Receipt:
        self.folder.mkdir(parents=True, exist_ok=True)
        if message.channel == "email":
            path = self.folder / f"{message.reference}.eml"
            payload = build_email(message, self.sender).as_bytes()
        else:
            path = self.folder / f"{message.reference}.{message.channel}.txt"
            payload = f"To: {message.to}\n\n{message.text}\n".encode()
        # Write-then-rename: a reader never sees half a message, and a resend replaces, never duplicates.
        tmp = path.with_suffix(path.suffix + ".tmp")
        tmp.write_bytes(payload)
        os.replace(tmp, path)
        if self.console is not None:
            summary = message.subject if message.channel == "email" else message.text
            print(f"[{message.channel} -> {redact(message.to)}] {redact(summary or '')}", file=self.console, flush=True)
        return Receipt(provider_id=f"outbox:{path.name}")
