"""Files read and archived ahead of their turn (qzfsg.reading.ahead): the same files in
the same order as reading them one by one, a bounded number ahead, nothing left running."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from qzfsg.reading import ahead
from qzfsg.reading.ahead import ReadAhead
from qzfsg.reading.unreadable import UnreadableReturn
from qzfsg.storage.archive import file_sha256


class Recorder:
    """An archive's put that records what it was given (from any thread)."""

    def __init__(self) -> None:
        self.put: list[bytes] = []
        self.lock = threading.Lock()

    def __call__(self, data: bytes, digest: str, suffix: str) -> str:
        assert digest == file_sha256(data)
        with self.lock:
            self.put.append(data)
        return f"kept/{digest}{suffix}"


def files(folder: Path, count: int) -> list[Path]:
    paths = []
    for number in range(count):
        path = folder / f"{number:02d}.xlsx"
        path.write_bytes(f"return {number}".encode() * (number + 1))
        paths.append(path)
    return paths


def test_every_file_comes_in_its_turn_read_hashed_and_archived(tmp_path: Path):
    paths = files(tmp_path, 20)
    put = Recorder()
    fetched = [take() for take in ReadAhead(put).in_turn(paths)]
    assert [data for _, data, _ in fetched] == [p.read_bytes() for p in paths]
    assert [digest for digest, _, _ in fetched] == [file_sha256(p.read_bytes()) for p in paths]
    assert [reference for *_, reference in fetched] == [
        f"kept/{file_sha256(p.read_bytes())}.xlsx" for p in paths
    ]
    assert sorted(put.put) == sorted(p.read_bytes() for p in paths)


def test_without_an_archive_nothing_is_kept(tmp_path: Path):
    fetched = [take() for take in ReadAhead(None).in_turn(files(tmp_path, 3))]
    assert [reference for *_, reference in fetched] == [None, None, None]


def test_an_unreadable_file_fails_in_its_own_turn_only(tmp_path: Path):
    paths = files(tmp_path, 4)
    fifo = tmp_path / "管道.xlsx"
    os.mkfifo(fifo)
    missing = tmp_path / "已删除.xlsx"
    order = [paths[0], fifo, paths[1], missing, paths[2]]
    results = []
    for take in ReadAhead(Recorder()).in_turn(order):
        try:
            results.append(take()[1])
        except UnreadableReturn as exc:
            results.append(str(exc))
    assert results[0] == paths[0].read_bytes() and results[2] == paths[1].read_bytes()
    assert "不是普通文件（是命名管道（FIFO））" in results[1]
    assert "找不到文件“已删除.xlsx”" in results[3]
    assert results[4] == paths[2].read_bytes()


def test_a_large_file_is_read_only_in_its_turn(tmp_path: Path, monkeypatch):
    monkeypatch.setattr(ahead, "SMALL", 50)
    paths = files(tmp_path, 12)  # the later files are over 50 bytes
    put = Recorder()
    takers = ReadAhead(put).in_turn(paths)
    first = next(takers)
    assert first()[1] == paths[0].read_bytes()
    large = {p.read_bytes() for p in paths if p.stat().st_size > 50}
    assert large and not large & set(put.put)  # none read ahead
    rest = [take()[1] for take in takers]
    assert rest == [p.read_bytes() for p in paths[1:]]
    assert large <= set(put.put)


def test_at_most_ahead_files_are_under_way_and_closing_drops_the_rest(tmp_path: Path):
    paths = files(tmp_path, 40)
    put = Recorder()
    takers = ReadAhead(put).in_turn(paths)
    next(takers)()
    takers.close()  # an interrupted import: what started is finished, the rest dropped
    done = len(put.put)
    assert 1 <= done <= ahead.AHEAD + 1
    assert len(put.put) == done  # nothing still running after close


@pytest.mark.parametrize("count", [0, 1, ahead.AHEAD, ahead.AHEAD + 1])
def test_short_lists_come_whole(tmp_path: Path, count: int):
    paths = files(tmp_path, count)
    assert [take()[1] for take in ReadAhead(None).in_turn(paths)] == [p.read_bytes() for p in paths]
