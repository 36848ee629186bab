"""Checking the files of a large import in worker processes, on the machine's other cores.

Checking a return (the hostile-file guard, calamine, the form, the rules) takes the
processor about as long as storing it; done in the importing process, an import of a
month's returns uses one core however many the machine has. From POOL_FROM files on, and
when more than one processor is usable, the files are checked in a few worker processes,
up to WINDOW_PER_WORKER per worker ahead of the one being stored, and their results are
taken in turn. The check is the same function either way (Checker.check); only where it
runs differs.

The workers are started from a fork server (spawned where there is none), never forked
from the importing process, which has threads (qzfsg.reading.ahead) and database
connections; each receives the Checker once. A worker that dies on a file (the Excel
library aborting, the system killing it for its memory) costs only that file: it is
checked again alone, in a new process, and if that one dies too, it is rejected with a
finding that says so; the other files go on in a new pool. The workers ignore Ctrl-C:
the importing process decides what a Ctrl-C stops (qzfsg.interrupts).

QZFSG_WORKERS sets the number of worker processes whatever the number of files (0: check
in the importing process), for the tests and for a clerk who wants the cores kept free.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import TypeVar

from qzfsg.months import Month
from qzfsg.reading.checking import Checker
from qzfsg.reading.returns import CheckedReturn
from qzfsg.reading.unreadable import crashed

POOL_FROM = 400  # files: fewer are checked in the importing process (see README)
MOST_WORKERS = 4
WINDOW_PER_WORKER = 4  # files checked ahead per worker: memory stays bounded
WORKERS_VARIABLE = "QZFSG_WORKERS"

# One file to check: its path, the unit and month given for it, its bytes (None: read them).
Job = tuple[Path, str | None, Month | None, bytes | None]
Item = TypeVar("Item")
Ready = TypeVar("Ready")


def workers_for(files: int) -> int:
    """How many worker processes check `files` files (0: none, check in process)."""
    stated = os.environ.get(WORKERS_VARIABLE, "").strip()
    if stated.isdigit():
        return int(stated)
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    if (usable or 1) < 2 or files < POOL_FROM:
        return 0
    return min(usable or 1, MOST_WORKERS)


class CheckPool:
    """Worker processes that check files with one Checker; results taken in turn."""

    def __init__(self, checker: Checker, workers: int):
        self.checker = checker
        self.workers = workers
        self.window = WINDOW_PER_WORKER * workers
        self._executor: ProcessPoolExecutor | None = None  # started with the first file

    def submit(self, job: Job) -> Callable[[], CheckedReturn]:
        """Start checking one file; what gives its CheckedReturn when its turn comes."""
        executor = self._running()
        try:
            future = executor.submit(_check, *job)
        except BrokenProcessPool:  # a worker died since: the file waits for its turn
            return partial(self._after_crash, executor, job)
        return partial(self._result, future, executor, job)

    def close(self) -> None:
        """Stop the workers: files not yet begun are dropped, the ones begun waited for."""
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None

    def _running(self) -> ProcessPoolExecutor:
        if self._executor is None:
            self._executor = self._start(self.workers)
        return self._executor

    def _start(self, workers: int) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            workers, mp_context=_context(), initializer=_serve, initargs=(self.checker,)
        )

    def _result(
        self, future: Future[CheckedReturn], executor: ProcessPoolExecutor, job: Job
    ) -> CheckedReturn:
        try:
            return future.result()
        except BrokenProcessPool:
            return self._after_crash(executor, job)

    def _after_crash(self, executor: ProcessPoolExecutor, job: Job) -> CheckedReturn:
        """A worker died while `job` was in its pool (its own file or another's): a new
        pool for the files to come, and this file checked again alone, so that only the
        file that kills a worker is rejected for it."""
        if executor is self._executor:
            executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None
        alone = self._start(1)
        try:
            return alone.submit(_check, *job).result()
        except BrokenProcessPool:
            path, unit, month, _ = job
            return self.checker.rejected(path, unit, month, crashed(path))
        finally:
            alone.shutdown(wait=True, cancel_futures=True)


@contextmanager
def check_pool(checker: Checker, files: int) -> Iterator[CheckPool | None]:
    """A CheckPool for a run of `files` files if it pays (workers_for), else None;
    its workers stopped when the block ends, however it ends."""
    workers = workers_for(files)
    if not workers:
        yield None
        return
    pool = CheckPool(checker, workers)
    try:
        yield pool
    finally:
        pool.close()


def ahead_of_turn(
    items: Iterable[Item], prepare: Callable[[Item], Ready], window: int
) -> Iterator[Ready]:
    """prepare(item) for each item, in order, up to `window` of them prepared ahead of the
    one handed out."""
    waiting: deque[Ready] = deque()
    for item in items:
        waiting.append(prepare(item))
        if len(waiting) > window:
            yield waiting.popleft()
    while waiting:
        yield waiting.popleft()


def check_all(checker: Checker, jobs: list[Job]) -> Iterator[CheckedReturn]:
    """Each file checked, in order: in worker processes for a large run."""
    with check_pool(checker, len(jobs)) as pool:
        if pool is None:
            yield from (checker.check(*job) for job in jobs)
            return
        for checking in ahead_of_turn(jobs, pool.submit, pool.window):
            yield checking()


def _context() -> multiprocessing.context.BaseContext:
    """A fork server where there is one (workers forked from a process that has loaded the
    checking code once, not from this one); spawn elsewhere."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([__name__])
    return context


_checker: Checker | None = None  # the worker process's, sent once when it starts


def _serve(checker: Checker) -> None:
    """A worker's start: Ctrl-C is the importing process's to handle."""
    global _checker
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _checker = checker


def _check(path: Path, unit: str | None, month: Month | None, data: bytes | None) -> CheckedReturn:
    assert _checker is not None, "started by _serve"
    return _checker.check(path, unit, month, data)
