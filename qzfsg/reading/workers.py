"""Checking the files of a large import in worker processes, on the machine's other cores.

Checking a return (the hostile-file guard, calamine, the form, the rules) takes the
processor about as long as storing it; done in the importing process, an import of a
month's returns uses one core however many the machine has. From POOL_FROM files on, and
when a processor is free besides the one that stores (workers_for), the files are checked
in a few worker processes, up to AHEAD_PER_WORKER per worker ahead of the one being stored
(memory stays bounded), and their results are taken in turn. When the workers fall behind (on a loaded machine they
get less of the processor than the storing needs of them), the importing process checks
the next file itself instead of waiting. The check is the same function either way
(Checker.check); only where it runs differs.

The workers are started from a fork server (spawned where there is none), never forked
from the importing process, which has threads (qzfsg.reading.ahead) and database
connections; each receives the Checker once (and says it has started: when one cannot,
every file is checked in process), then files and results through its own pipe, in
order. (concurrent.futures' process pool would add two threads to the importing
process, contending with the storing for the interpreter, and semaphores that the
command's quick exit would report as leaked.)

A worker that dies on a file (the Excel library aborting, the system killing it for its
memory) costs only that file: it is checked again alone in a new worker, and if that one
dies too, it is rejected with a finding that says so; the files after it go on in the new
worker. The workers ignore Ctrl-C: the importing process decides what a Ctrl-C stops
(qzfsg.interrupts), and stops its workers however it ends.

QZFSG_WORKERS sets the number of worker processes whatever the number of files (0: check
in the importing process), and then every file goes to them: for the tests, for a clerk
who wants the cores kept free, or each file checked apart from the import.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import signal
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from functools import partial
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

from qzfsg.errors import QzfsgError
from qzfsg.months import Month
from qzfsg.reading.ahead import ahead_of_turn
from qzfsg.reading.checking import Checker
from qzfsg.reading.returns import CheckedReturn
from qzfsg.reading.unreadable import crashed

POOL_FROM = 400  # files: fewer are checked in the importing process (see README)
MOST_WORKERS = 4
AHEAD_PER_WORKER = 4  # files sent to a worker ahead of the one being stored
QUEUED = 2  # files a worker has still to check: beyond, the next is checked in process
STOP_SECONDS = 5  # a worker still busy after this when the run ends is killed
WORKERS_VARIABLE = "QZFSG_WORKERS"

# One file to check: its path, the unit and month given for it, its bytes (None: read them).
Job = tuple[Path, str | None, Month | None, bytes | None]


def workers_for(files: int) -> tuple[int, bool]:
    """How many worker processes check `files` files (0: none, check in process), and
    whether every file must go to them (QZFSG_WORKERS set) or the importing process may
    check a file itself when they fall behind. A worker needs a processor that is not
    saturated: the usable ones less the one that stores, and less the last minute's load
    beyond one process (the load counts this import, and often the one just before it).
    Measured on 2 cores, 10,000 returns: one worker took 0.76x the in-process import at
    load 2; at load 6–7 (2,000 returns) 1.05x, when workers only add the cost of sending
    files and answers."""
    stated = os.environ.get(WORKERS_VARIABLE, "").strip()
    if stated.isdigit():
        return int(stated), True
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    usable = usable or 1
    busy = os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0
    if files < POOL_FROM:
        return 0, False
    return max(0, min(usable - 1, MOST_WORKERS, round(usable + 1 - busy))), False


class Worker:
    """One worker process and its pipe; the files sent to it and not yet answered, oldest
    first, and the answers received and not yet taken, each by the file's number."""

    def __init__(self, checker: Checker):
        self.connection, theirs = multiprocessing.Pipe()
        self.process: BaseProcess = _context().Process(
            target=_serve, args=(theirs, checker), name="qzfsg-check", daemon=True
        )
        self.process.start()
        theirs.close()
        self.waiting: deque[tuple[int, Job]] = deque()
        self.answers: dict[int, tuple[bool, Any]] = {}

    def started(self) -> bool:
        """Wait for its first word (it has started and has the Checker); False if it ended
        before (it cannot start here: a broken installation, a script without a
        `__main__` guard)."""
        try:
            self.connection.recv()
        except (EOFError, OSError):
            self.stop(0)
            return False
        return True

    def send(self, number: int, job: Job) -> None:
        self.waiting.append((number, job))
        with suppress(OSError):  # it died: found when its answer is awaited
            self.connection.send(job)

    def unanswered(self) -> int:
        """How many files it has still to check, the answers already sent back taken in
        (without waiting)."""
        with suppress(EOFError):  # it died: found when its answer is awaited
            while self.waiting and self.connection.poll():
                self._receive()
        return len(self.waiting)

    def answer(self, number: int) -> CheckedReturn:
        """The answer for file `number`, the answers before it dropped (files whose check
        was not wanted after all); EOFError if the worker died first."""
        while number not in self.answers:
            self._receive()
        done, result = self.answers.pop(number)
        for dropped in [n for n in self.answers if n < number]:
            del self.answers[dropped]
        if not done:
            raise result  # the check's own error, as it would be raised in process
        return result

    def _receive(self) -> None:
        try:
            answer = self.connection.recv()
        except OSError:
            raise EOFError from None
        number, _ = self.waiting.popleft()
        self.answers[number] = answer

    def stop(self, wait: float) -> None:
        """Close its pipe (it ends after the file at hand), killed if still busy."""
        self.connection.close()
        self.process.join(wait)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()


class CheckPool:
    """Worker processes checking files with one Checker, answers taken in turn."""

    def __init__(self, checker: Checker, workers: int, every_file: bool = True):
        """`every_file`: each file is sent to a worker, however far behind they are."""
        self.checker = checker
        self.size = workers
        self.queued = None if every_file else QUEUED
        self.window = AHEAD_PER_WORKER * workers
        self._workers: list[Worker] | None = None  # started with the first file
        self._sent = 0

    def submit(self, job: Job) -> Callable[[], CheckedReturn] | None:
        """Send one file to the least busy worker; what gives its CheckedReturn. Answers
        are taken in the order the files were sent; one never taken is dropped. None when
        every worker has `queued` files still to check (a loaded machine): the caller
        checks this one itself in its turn rather than wait."""
        if self._workers is None:
            self._workers = self._started(self.size)
        if not self._workers:
            return None
        busy = [worker.unanswered() for worker in self._workers]
        slot = busy.index(min(busy))
        if self.queued is not None and busy[slot] >= self.queued:
            return None
        number = self._sent
        self._sent += 1
        self._workers[slot].send(number, job)
        return partial(self._answer, slot, number)

    def close(self, wait: float = STOP_SECONDS) -> None:
        """Stop the workers: the files sent and not answered are dropped."""
        for worker in self._workers or []:
            worker.stop(wait)
        self._workers = []

    def _started(self, count: int) -> list[Worker]:
        """`count` workers, started; none if one of them cannot start (every file is then
        checked in process)."""
        workers: list[Worker] = []
        with suppress(OSError):  # no more processes allowed, say
            workers.extend(Worker(self.checker) for _ in range(count))
        if len(workers) == count and all([worker.started() for worker in workers]):
            return workers
        for worker in workers:
            worker.stop(0)
        return []

    def _replace(self, slot: int, answers: dict[int, tuple[bool, Any]]) -> Worker:
        """A new worker in `slot` for one that died, keeping the answers it had received;
        an error if it cannot start, rather than rejecting file after file for it."""
        started = self._started(1)
        if not started:
            raise QzfsgError(
                "无法启动检查报表的进程（系统资源不足或程序安装不完整），导入已停止；"
                "此前已处理的文件都已存入。可设置环境变量 QZFSG_WORKERS=0 后再运行。"
            )
        started[0].answers = answers
        self._workers[slot] = started[0]  # type: ignore[index]
        return started[0]

    def _answer(self, slot: int, number: int) -> CheckedReturn:
        while True:
            try:
                return self._workers[slot].answer(number)
            except EOFError:
                if (checked := self._after_crash(slot, number)) is not None:
                    return checked

    def _after_crash(self, slot: int, number: int) -> CheckedReturn | None:
        """The worker in `slot` died checking its oldest file. A new worker takes its
        files; that file, if it is file `number`, is checked again alone first and rejected
        if it kills that worker too (its CheckedReturn returned); if it is an earlier file
        whose check was not wanted, it is dropped (None: wait for file `number` again)."""
        dead = self._workers[slot]
        dead.stop(0)
        (oldest, job), *rest = dead.waiting
        worker = self._replace(slot, dead.answers)
        checked = None
        if oldest == number:
            worker.send(number, job)
            try:
                checked = worker.answer(number)
            except EOFError:
                worker.stop(0)
                worker = self._replace(slot, dead.answers)
                path, unit, month, _ = job
                checked = self.checker.rejected(path, unit, month, crashed(path))
        for later in rest:
            worker.send(*later)
        return checked


@contextmanager
def check_pool(checker: Checker, files: int) -> Iterator[CheckPool | None]:
    """A CheckPool for a run of `files` files if it pays (workers_for), else None; its
    workers stopped when the block ends, however it ends (an interrupted run does not
    wait for the files at hand)."""
    workers, every_file = workers_for(files)
    if not workers:
        yield None
        return
    pool = CheckPool(checker, workers, every_file)
    try:
        yield pool
    except BaseException:
        pool.close(wait=0)
        raise
    pool.close()


def check_all(checker: Checker, jobs: list[Job]) -> Iterator[CheckedReturn]:
    """Each file checked, in order: in worker processes for a large run."""
    with check_pool(checker, len(jobs)) as pool:
        if pool is None:
            yield from (checker.check(*job) for job in jobs)
            return
        for job, checking in ahead_of_turn(jobs, lambda job: (job, pool.submit(job)), pool.window):
            yield checking() if checking else checker.check(*job)


def _context() -> multiprocessing.context.BaseContext:
    """A fork server where there is one (workers forked from a process that has loaded the
    checking code once, not from this one); spawn elsewhere."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([__name__])
    return context


def _serve(connection: Connection, checker: Checker) -> None:
    """A worker: check each file received and send back its CheckedReturn (or the error
    the check raised), until the pipe is closed. Ctrl-C is the importing process's."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    with suppress(EOFError, OSError):  # the importing process closed the pipe, or ended
        connection.send(None)  # started
        while True:
            job = connection.recv()
            try:
                connection.send((True, checker.check(*job)))
            except Exception as exc:  # what cannot cross the pipe crosses as its text
                connection.send((False, exc if _portable(exc) else RuntimeError(repr(exc))))


def _portable(exc: Exception) -> bool:
    try:
        pickle.loads(pickle.dumps(exc))
    except Exception:
        return False
    return True
