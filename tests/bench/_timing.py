"""Small timing helpers shared by the benchmarks."""

import os
import statistics
import subprocess
import time
from collections.abc import Callable, Sequence


def clerk_environment() -> dict[str, str]:
    """This machine's environment as a clerk's would be: byte-code caching on (the sandbox
    sets PYTHONDONTWRITEBYTECODE, which makes every start recompile qzfsg's modules)."""
    return {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def median_wall(command: Sequence[str], runs: int = 10, **kwargs) -> float:
    """Median wall time of running `command` as a process (one warm-up run first, which
    also leaves the byte-code cache written)."""
    kwargs.setdefault("env", clerk_environment())
    subprocess.run(command, check=True, capture_output=True, **kwargs)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True, **kwargs)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def best_of(function: Callable[[], object], runs: int = 3) -> float:
    """The fastest of `runs` calls: the least disturbed by other load on the machine."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return min(times)
