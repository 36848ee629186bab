"""Ctrl-C during a run of files: finish the file at hand, then stop.

Each file is stored in its own transaction, so stopping between two files leaves nothing
half-written; a second Ctrl-C stops at once (KeyboardInterrupt), and the file at hand is
rolled back. Either way the run can be repeated: files already stored are duplicates.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass


@dataclass
class StopRequest:
    requested: bool = False


@contextmanager
def stop_after_current() -> Iterator[StopRequest]:
    """While the block runs, the first Ctrl-C only sets `requested` (the loop checks it
    after each file); the handler then steps aside so that a second Ctrl-C interrupts."""
    stop = StopRequest()
    if threading.current_thread() is not threading.main_thread():  # signals go to main
        yield stop
        return

    def ask(_signum: int, _frame: object) -> None:
        stop.requested = True
        signal.signal(signal.SIGINT, signal.default_int_handler)

    previous = signal.signal(signal.SIGINT, ask)
    try:
        yield stop
    finally:
        signal.signal(signal.SIGINT, previous)
