"""A Checker whose worker process dies on some files, as calamine aborting on a hostile
file or the system killing it for its memory would (tests/test_workers.py). It must live
in a module a worker process can import: the Checker is sent to the workers by reference
to its class."""

from __future__ import annotations

import multiprocessing
import os
import signal
from dataclasses import dataclass, fields

from qzfsg.reading.checking import Checker


@dataclass
class DyingChecker(Checker):
    """Kills the process checking a file whose name contains `fatal`, when that process is
    a worker (in the importing process it checks as any Checker)."""

    fatal: str = "崩溃"

    @classmethod
    def like(cls, checker: Checker, **changes) -> DyingChecker:
        return cls(**{f.name: getattr(checker, f.name) for f in fields(checker)}, **changes)

    def check(self, path, unit=None, month=None, data=None):
        if self.fatal in path.name and multiprocessing.parent_process() is not None:
            os.kill(os.getpid(), signal.SIGKILL)
        return super().check(path, unit, month, data)
