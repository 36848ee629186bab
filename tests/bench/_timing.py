"""Timing helpers shared by the benchmark modules (any session's may use them).

Every figure is a paired ratio: the command (A) and its yardstick (B) run in turn,
A B A B …, and the figure is the median of the ratios of each pair, so that load on the
shared machine moves both sides alike. Peak memory is the child's own ru_maxrss.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
CACHE = ROOT / ".bench"  # generated databases, kept between runs (gitignored)


def clerk_environment() -> dict[str, str]:
    """This machine's environment as a clerk's would be: byte-code caching on (the sandbox
    sets PYTHONDONTWRITEBYTECODE, which makes every start recompile qzfsg's modules)."""
    return {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


@dataclass(frozen=True)
class Run:
    seconds: float
    peak_mib: float  # the child's maximum resident set size


# Runs the command and reports its wall time and its peak memory. A child forked from
# the bench process would report the bench's own size as its peak (the pages it had at
# fork), so the command is started from this small launcher instead (about 10 MiB: the
# floor of the memory figure).
_LAUNCHER = """
import resource, subprocess, sys, time
started = time.perf_counter()
code = subprocess.run(sys.argv[2:], stdout=subprocess.DEVNULL).returncode
seconds = time.perf_counter() - started
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
with open(sys.argv[1], "w") as out:
    out.write(f"{seconds} {peak} {code}")
"""


def run_child(command: Sequence[str], stdin: Path | None = None) -> Run:
    """Run `command` once, its output discarded: wall time and its own peak memory."""
    import tempfile

    with tempfile.NamedTemporaryFile("r", suffix=".txt") as report:
        with open(stdin or os.devnull, "rb") as source:
            done = subprocess.run(
                [sys.executable, "-c", _LAUNCHER, report.name, *command],
                stdin=source,
                stderr=subprocess.PIPE,
                env=clerk_environment(),
            )
        seconds, peak, code = report.read().split()
    if int(code) not in (0, 1) or done.returncode:
        raise RuntimeError(f"{' '.join(command)} exited {code}: {done.stderr.decode()[-500:]}")
    return Run(float(seconds), int(peak) / 1024)


@dataclass(frozen=True)
class Pair:
    ratio: float  # median of A/B over the pairs
    a: Run  # medians of A's time and memory
    b: Run

    def line(self, name: str, yardstick: str, target: str) -> str:
        return (
            f"{name:<34} {self.a.seconds * 1000:8.1f} ms {self.a.peak_mib:6.0f} MiB"
            f" = {self.ratio:5.2f}x {yardstick} ({self.b.seconds * 1000:.1f} ms)   {target}"
        )


def paired(
    a: Sequence[str],
    b: Sequence[str],
    pairs: int = 5,
    a_stdin: Path | None = None,
    b_stdin: Path | None = None,
) -> Pair:
    """A and B in turn, `pairs` times after one warm-up each (which also writes the
    byte-code cache); the median of the paired ratios."""
    run_child(a, a_stdin)
    run_child(b, b_stdin)
    return pair_of([(run_child(a, a_stdin), run_child(b, b_stdin)) for _ in range(pairs)])


def pair_of(runs: Sequence[tuple[Run, Run]]) -> Pair:
    """The figure of (A, B) runs made in turn: the median ratio, and each side's medians."""
    return Pair(
        ratio=statistics.median(x.seconds / y.seconds for x, y in runs),
        a=Run(
            statistics.median(x.seconds for x, _ in runs),
            statistics.median(x.peak_mib for x, _ in runs),
        ),
        b=Run(
            statistics.median(y.seconds for _, y in runs),
            statistics.median(y.peak_mib for _, y in runs),
        ),
    )


@contextmanager
def cache_lock(name: str) -> Iterator[None]:
    """Hold `.bench/NAME.lock` for the block: the cache is shared by every worktree, and
    two benches generating the same thing at once would write over each other."""
    import fcntl

    CACHE.mkdir(exist_ok=True)
    with open(CACHE / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def cached_database(name: str, version: int, generate: Callable[[Path], object]) -> Path:
    """`.bench/NAME-vVERSION.db`, generated once (bump VERSION when the generator changes)."""
    path = CACHE / f"{name}-v{version}.db"
    with cache_lock(name):
        if not path.exists():
            _generate(path, generate)
    return path


def _generate(path: Path, generate: Callable[[Path], object]) -> None:
    import sqlite3

    from qzfsg.storage.db import close_all

    partial = path.with_suffix(".partial")
    partial.unlink(missing_ok=True)
    generate(partial)
    close_all()
    with sqlite3.connect(partial) as connection:  # fold the write-ahead log back
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.close()
    for leftover in ("-wal", "-shm"):
        Path(f"{partial}{leftover}").unlink(missing_ok=True)
    partial.rename(path)


def best_of(function: Callable[[], object], runs: int = 3) -> float:
    """The fastest of `runs` calls: the least disturbed by other load on the machine."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return min(times)
