"""Structured logs: JSON outside a terminal, readable text in one. Phone numbers and email addresses are
masked in every record, whatever code logged them."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from npsloop.redaction import redact
from npsloop.settings import Settings

_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime", "taskName"}
# The ids of what this request or task is working on, added to every record logged meanwhile (by our code or
# a library's), so that one detractor can be followed through the API and the workers with grep.
_CONTEXT: ContextVar[dict[str, Any]] = ContextVar("npsloop_log_context", default={})  # noqa: B039


@contextmanager
def log_context(**ids: Any) -> Iterator[None]:
    token = _CONTEXT.set({**_CONTEXT.get(), **{k: v for k, v in ids.items() if v is not None}})
    try:
        yield
    finally:
        _CONTEXT.reset(token)


def add_to_context(**ids: Any) -> None:
    """For ids learnt midway (the case a response opened); they last until the enclosing log_context ends."""
    _CONTEXT.set({**_CONTEXT.get(), **{k: v for k, v in ids.items() if v is not None}})


class ContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        for key, value in _CONTEXT.get().items():
            if not hasattr(record, key):
                setattr(record, key, value)
        return True


def _extras(record: logging.LogRecord) -> dict[str, Any]:
    return {k: v for k, v in vars(record).items() if k not in _STANDARD and not k.startswith("_")}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        entry.update(_extras(record))
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return redact(json.dumps(entry, default=str, ensure_ascii=False))


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        extras = " ".join(f"{k}={v}" for k, v in _extras(record).items())
        line = f"{record.levelname:<7} {record.name}: {record.getMessage()}" + (f" [{extras}]" if extras else "")
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return redact(line)


def configure_logging(settings: Settings) -> None:
    fmt = settings.log_format
    if fmt == "auto":
        fmt = "text" if sys.stderr.isatty() else "json"
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    handler.addFilter(ContextFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(settings.log_level.upper())
    for noisy in ("twilio.http_client", "httpx", "uvicorn.access", "alembic.runtime.plugins"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    if settings.resolved_broker_url.startswith("filesystem"):
        # The embedded broker has no host, and kombu warns about it on every connection.
        logging.getLogger("kombu.connection").setLevel(logging.ERROR)
