"""The embedded broker: kombu's filesystem transport, with messages that appear whole or not at all.

kombu's own `_put` creates the message file in the queue folder and only then writes it, while `_get` lists
the folder and moves and reads files without the writer's lock; a consumer that comes between the two reads
an empty message, and the JSONDecodeError kills the Celery worker (the message is lost too: kombu#1551).
Here a message is written whole to a staging folder beside the queue folder (the same filesystem) and
renamed into the queue folder, which is atomic: a consumer sees no file or the whole file. A consumer claims
a file by renaming it into a claimed folder of the broker (not the system's temporary folder, which may be
another filesystem, where a move is a copy that two consumers can both make), so one message goes to one
consumer. A file that still cannot be decoded (written by an older version, or cut by a power loss) is moved
aside to an unreadable folder and logged, never handed to the worker as an error that stops it.

The exchange tables (which queue a routing key reaches) live in the broker's own control folder, not in
kombu's default `./control` relative to whatever folder each process was started in; a table is created
whole before kombu takes its lock on it, for the same reason as the messages.
"""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Callable
from pathlib import Path
from queue import Empty
from time import monotonic
from typing import Any

from kombu.exceptions import ChannelError
from kombu.transport import filesystem, virtual
from kombu.utils.json import dumps, loads

log = logging.getLogger(__name__)

# The transport class, for Celery's `broker_transport` (the URL's scheme stays "filesystem").
TRANSPORT = "npsloop.worker.broker:Transport"


def transport_options(root: Path) -> dict[str, Any]:
    """The folders of a broker rooted at `root`, created here: all on one filesystem, so renames are atomic."""
    folders = {name: root / name for name in ("queue", "staging", "claimed", "unreadable", "control")}
    for folder in folders.values():
        folder.mkdir(parents=True, exist_ok=True)
    return {
        "data_folder_in": str(folders["queue"]),
        "data_folder_out": str(folders["queue"]),
        "staging_folder": str(folders["staging"]),
        "processed_folder": str(folders["claimed"]),
        "unreadable_folder": str(folders["unreadable"]),
        "control_folder": str(folders["control"]),
        "store_processed": False,
        "polling_interval": 0.1,
    }


def _write_whole(staging: str, target: str, data: bytes) -> None:
    """Writes `data` to a staging file and renames it to `target`; a reader never sees it half written."""
    temporary = os.path.join(staging, f"{uuid.uuid4().hex}.part")
    try:
        with open(temporary, "wb") as file:
            file.write(data)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


class Channel(filesystem.Channel):
    _exchange_file: Callable[[str], Path]  # kombu's own (it checks the name), which kombu's stubs leave out

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._listing: dict[str, list[str]] = {}

    @property
    def staging_folder(self) -> str:
        return str(self.transport_options["staging_folder"])

    @property
    def unreadable_folder(self) -> str:
        return str(self.transport_options["unreadable_folder"])

    def _put(self, queue: str, payload: Any, **kwargs: Any) -> None:
        name = f"{round(monotonic() * 1000)}_{uuid.uuid4()}.{queue}.msg"
        try:
            _write_whole(self.staging_folder, os.path.join(self.data_folder_out, name), dumps(payload).encode())
        except OSError as error:
            raise ChannelError(f"Cannot add a message to {self.data_folder_out}") from error

    def _get(self, queue: str, timeout: float | None = None) -> Any:
        """The oldest message of `queue` that this consumer wins the rename of. One folder listing serves
        many calls: listing and sorting the folder for every message made draining a long queue quadratic."""
        listing = self._listing.get(queue) or self._list(queue)
        while listing:
            name = listing.pop()
            claimed = os.path.join(self.processed_folder, name)
            try:
                os.rename(os.path.join(self.data_folder_in, name), claimed)
            except FileNotFoundError:
                continue  # another consumer took it
            try:
                with open(claimed, "rb") as file:
                    raw = file.read()
                payload = loads(raw)
            except ValueError:
                self._set_aside(claimed, name)
                continue
            os.remove(claimed)
            self._listing[queue] = listing
            return payload
        self._listing.pop(queue, None)
        raise Empty()

    def _list(self, queue: str) -> list[str]:
        """The queue's files, oldest last (popped first)."""
        wanted = f"{queue}.msg"
        names = (name for name in os.listdir(self.data_folder_in) if name.partition(".")[2] == wanted)
        return sorted(names, reverse=True)

    def _set_aside(self, claimed: str, name: str) -> None:
        os.replace(claimed, os.path.join(self.unreadable_folder, name))
        log.error("an unreadable broker message was set aside", extra={"file": name, "folder": self.unreadable_folder})

    def _queue_bind(self, exchange: str, routing_key: str, pattern: str | None, queue: str) -> None:
        table = self._exchange_file(exchange)
        if not table.exists():
            # kombu creates the table empty and then locks and writes it; a publisher reading it in between
            # fails to decode it. An empty table created whole first leaves kombu only its locked update.
            temporary = Path(self.staging_folder) / f"{uuid.uuid4().hex}.part"
            temporary.write_bytes(dumps([]).encode())
            try:
                os.link(temporary, table)
            except FileExistsError:
                pass
            finally:
                temporary.unlink()
        super()._queue_bind(exchange, routing_key, pattern, queue)


class Transport(filesystem.Transport):
    """kombu keeps one state (which queues are bound) for every filesystem connection of a process; with the
    tables in each broker's own folder, the state is kept per folder, or a second broker in the same process
    (a test, a tool) would skip binding its queues and route their messages nowhere."""

    Channel = Channel
    states: dict[str, virtual.BrokerState] = {}

    def __init__(self, client: Any, **kwargs: Any) -> None:
        super().__init__(client, **kwargs)
        folder = str(client.transport_options.get("control_folder", "control"))
        self.state = self.states.setdefault(folder, virtual.BrokerState())
