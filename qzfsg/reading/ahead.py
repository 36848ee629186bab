"""The files of one import read, hashed and archived a few ahead of the one being checked.

Archiving a file waits on the disk (the copy and its folder are flushed before the row
that refers to it commits: two fsyncs, several milliseconds), reading and checking a
return takes the processor about as long. Done one after the other, an import of a
month's returns spends half its time waiting; here the next files are read and archived
on worker threads while the current one is checked and stored, in received order.

What is read ahead is bounded: at most AHEAD files, and a file larger than SMALL is read
only when its turn comes (a return is tens of kilobytes), so memory stays under
AHEAD × SMALL whatever the folder holds. A file that is read ahead but not imported (the
run was interrupted) may stay in the archive with no row referring to it; `qzfsg check`
lists such files and `check --fix` removes them.
"""

from __future__ import annotations

import os
import stat
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import closing
from pathlib import Path
from typing import TypeVar

from qzfsg.reading.received import read_received
from qzfsg.storage.archive import file_sha256

AHEAD = 8  # files read and archived ahead of the one being checked
WRITERS = 4  # files archived at once (each mostly waits for the disk)
SMALL = 4 * 2**20  # bytes: a larger file is read when its turn comes

# The archive's put without the connection: (data, sha256, suffix) → its reference.
Put = Callable[[bytes, str, str], str]
# What a file became: its sha256, its bytes, and its archive reference if already kept.
Kept = tuple[str, bytes, str | None]
Item = TypeVar("Item")
Ready = TypeVar("Ready")


class ReadAhead:
    """Fetches files (read, sha256, archived unless `put` is None) on worker threads."""

    def __init__(self, put: Put | None):
        self.put = put

    def in_turn(self, paths: Iterable[Path]) -> Iterator[Callable[[], Kept]]:
        """For each path in order, what gives its fetched file (raising UnreadableReturn
        for a file that cannot be read, QzfsgError when the archive cannot be written),
        with up to AHEAD of them under way ahead of the one handed out. When the iteration
        ends or is closed, what has not started is dropped and what has is waited for."""
        with ThreadPoolExecutor(max_workers=WRITERS, thread_name_prefix="qzfsg-read") as pool:

            def start(path: Path) -> Future[Kept] | Path:
                return pool.submit(self.fetch, path) if _small(path) else path

            with closing(ahead_of_turn(paths, start, AHEAD, drop=_cancel)) as pending:
                yield from map(self._taker, pending)

    def fetch(self, path: Path) -> Kept:
        """Read, hash and archive one file, on the calling thread."""
        data = read_received(path)
        digest = file_sha256(data)
        reference = self.put(data, digest, path.suffix) if self.put else None
        return digest, data, reference

    def _taker(self, pending: Future[Kept] | Path) -> Callable[[], Kept]:
        if isinstance(pending, Future):
            return pending.result
        return lambda: self.fetch(pending)  # a large file, read in its turn


def ahead_of_turn(
    items: Iterable[Item],
    prepare: Callable[[Item], Ready],
    window: int,
    drop: Callable[[Ready], object] | None = None,
) -> Iterator[Ready]:
    """prepare(item) for each item, in order, up to `window` of them prepared ahead of the
    one handed out; when the iteration is closed early, drop(prepared) for each of those
    not handed out."""
    waiting: deque[Ready] = deque()
    try:
        for item in items:
            waiting.append(prepare(item))
            if len(waiting) > window:
                yield waiting.popleft()
        while waiting:
            yield waiting.popleft()
    finally:
        if drop is not None:
            for prepared in waiting:
                drop(prepared)


def _cancel(pending: Future[Kept] | Path) -> None:
    if isinstance(pending, Future):
        pending.cancel()


def _small(path: Path) -> bool:
    """Whether the file may be read ahead: a regular file of at most SMALL bytes (anything
    else is looked at in its turn, where reading it says what it is)."""
    try:
        found = os.stat(path)
    except OSError:
        return False
    return stat.S_ISREG(found.st_mode) and found.st_size <= SMALL
