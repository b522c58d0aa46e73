"""Runs `npsloop ...` in a process whose stacks a test can read while it hangs: on SIGWINCH every thread's stack is
written to stacks-<pid>.txt in the folder named by STACK_DUMPS_DIR, by the process itself and by each process it
forks (a Celery worker's pool children), each to a file of its own. Without this a test that times out on a worker
or the beat can name only its own threads. Not SIGUSR1 or SIGUSR2: a Celery worker's pool children take every
signal that terminates by default (SIGUSR1 for the soft time limit, the others to exit cleanly), so either would
kill them; SIGWINCH is left alone, and a process that has no handler for it ignores it.

Run as `python -c "$(COMMAND)" <npsloop arguments>`; the command is a string so that the subprocess needs no
import path to the tests."""

from __future__ import annotations

import contextlib
import os
import signal
import time
from pathlib import Path

SIGNAL = signal.SIGWINCH
FOLDER_ENV = "STACK_DUMPS_DIR"  # not NPSLOOP_: Settings would take it for a setting

COMMAND = f"""
import faulthandler, os, runpy, signal

folder = os.environ.pop({FOLDER_ENV!r})
held = []

def register():
    # faulthandler writes to the file's descriptor from its signal handler: the file must stay open.
    held[:] = [open(os.path.join(folder, f"stacks-{{os.getpid()}}.txt"), "a")]
    faulthandler.register({int(SIGNAL)}, file=held[0], all_threads=True)

register()
os.register_at_fork(after_in_child=register)
runpy.run_module("npsloop.cli", run_name="__main__", alter_sys=True)
"""


def dump_stacks(folder: Path, pids: list[int], wait: float = 1.0) -> str:
    """Asks each process (and the processes of its group: a worker's pool) for its stacks and returns every
    stacks-*.txt the folder holds after `wait` seconds, headed by its pid."""
    for pid in pids:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, SIGNAL)
    time.sleep(wait)
    dumps = {
        path.stem.removeprefix("stacks-"): path.read_text(errors="replace") for path in folder.glob("stacks-*.txt")
    }
    return "\n".join(f"--- process {pid}\n{text}" for pid, text in sorted(dumps.items()) if text)
