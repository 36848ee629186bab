"""Checkers that misbehave in worker processes (tests/test_workers.py): one whose worker
dies on some files, as calamine aborting on a hostile file or the system killing it for
its memory would; one whose worker is slow, as on a loaded machine. They must live in a
module a worker process can import: the Checker is sent to the workers by reference to
its class."""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
from dataclasses import dataclass, fields

from qzfsg.reading.checking import Checker


def like(kind: type[Checker], checker: Checker, **changes) -> Checker:
    """A `kind` with the fields of `checker`."""
    return kind(**{f.name: getattr(checker, f.name) for f in fields(checker)}, **changes)


@dataclass
class DyingChecker(Checker):
    """Kills the process checking a file whose name contains `fatal`, when that process is
    a worker (in the importing process it checks as any Checker)."""

    fatal: str = "崩溃"

    def check(self, path, unit=None, month=None, data=None):
        if self.fatal in path.name and multiprocessing.parent_process() is not None:
            os.kill(os.getpid(), signal.SIGKILL)
        return super().check(path, unit, month, data)


@dataclass
class SlowChecker(Checker):
    """Takes `seconds` more over each file in a worker."""

    seconds: float = 0.3

    def check(self, path, unit=None, month=None, data=None):
        if multiprocessing.parent_process() is not None:
            time.sleep(self.seconds)
        return super().check(path, unit, month, data)
