"""The cells' extent in an .xls (BIFF in an OLE2 compound file), read before calamine.

calamine builds each sheet of an .xls as a dense grid from its farthest cell: a file of a
few kilobytes with one value in IV65536 costs a gigabyte. This walks the compound file's
sector chains to the Workbook stream and its records, and takes every cell record's own
row and column (the DIMENSIONS record is not trusted).
"""

from __future__ import annotations

import struct
from collections.abc import Iterator

from qzfsg.reading.guard import Refused, Span, check_span, check_total
from qzfsg.reading.unreadable import damaged

_END_OF_CHAIN = 0xFFFFFFFE
_FREE = 0xFFFFFFFF
_BOF, _EOF, _FILEPASS = 0x0809, 0x000A, 0x002F
# Records that start with (row, column) of one cell: FORMULA, RSTRING, LABELSST, BLANK,
# NUMBER, LABEL, BOOLERR, RK.
_CELLS = frozenset({0x0006, 0x00D6, 0x00FD, 0x0201, 0x0203, 0x0204, 0x0205, 0x027E})
_RUNS = frozenset({0x00BD, 0x00BE})  # MULRK, MULBLANK: row, first column … last column


def check_xls(name: str, data: bytes) -> None:
    """UnreadableReturn when a sheet spans far more cells than it has, or when the
    compound file cannot be followed (calamine might still follow it, unguarded). A
    compound file without a workbook stream (a Word .doc) is left to the caller."""
    try:
        stream = _Compound(data).stream(("workbook", "book"))
    except (struct.error, IndexError, ValueError, Refused):
        raise damaged(name) from None
    if stream is None:
        return
    try:
        spans = list(_sheet_spans(stream))
        for number, span in enumerate(spans):
            check_span(f"（第 {number} 个）" if number else "", span)
        check_total(spans)
    except Refused as exc:
        raise exc.of_file(name) from None


def _sheet_spans(stream: bytes) -> Iterator[Span]:
    span: Span | None = None
    at, end = 0, len(stream)
    while at + 4 <= end:
        kind, size = struct.unpack_from("<HH", stream, at)
        body = at + 4
        at = body + size
        if kind == _FILEPASS:
            return  # encrypted: the cells cannot be read here, calamine refuses the password
        if kind == _BOF:
            span = Span()
        elif kind == _EOF and span is not None:
            yield span
            span = None
        elif span is None or size < 4:
            continue
        elif kind in _CELLS:
            row, col = struct.unpack_from("<HH", stream, body)
            span.add(row + 1, col + 1, row + 1, col + 1, 1)
        elif kind in _RUNS and size >= 6:
            row, first = struct.unpack_from("<HH", stream, body)
            (last,) = struct.unpack_from("<H", stream, body + size - 2)
            if last >= first:
                span.add(row + 1, first + 1, row + 1, last + 1, last - first + 1)
    if span is not None:
        yield span


class _Compound:
    """Just enough of the OLE2 compound file format to read one stream."""

    def __init__(self, data: bytes):
        self.data = data
        shift, mini_shift = struct.unpack_from("<HH", data, 0x1E)
        if not 7 <= shift <= 16 or not 2 <= mini_shift < shift:
            raise ValueError("sector size")
        self.size, self.mini_size = 1 << shift, 1 << mini_shift
        self.limit = len(data) // self.size + 1  # no chain is longer than the file
        fat_count, self.directory, _, self.cutoff, mini_fat, mini_count, difat, difat_count = (
            struct.unpack_from("<IIIIIIII", data, 0x2C)
        )
        del mini_count
        fat_sectors = list(struct.unpack_from("<109I", data, 0x4C))
        per_sector = self.size // 4 - 1
        for sector in self._walk(difat, limit=difat_count):
            entries = struct.unpack_from(f"<{per_sector + 1}I", data, self._offset(sector))
            fat_sectors.extend(entries[:per_sector])
            if entries[per_sector] in (_END_OF_CHAIN, _FREE):
                break
        fat_sectors = [s for s in fat_sectors[:fat_count] if s not in (_FREE, _END_OF_CHAIN)]
        self.fat = self._table(fat_sectors)
        self.mini_fat = self._table(list(self._chain(mini_fat))) if mini_fat < _END_OF_CHAIN else []

    def _offset(self, sector: int) -> int:
        offset = (sector + 1) * self.size  # the header takes the first sector's room
        if offset + self.size > len(self.data):
            raise ValueError("sector outside the file")
        return offset

    def _table(self, sectors: list[int]) -> list[int]:
        table: list[int] = []
        for sector in sectors:
            table.extend(struct.unpack_from(f"<{self.size // 4}I", self.data, self._offset(sector)))
        return table

    def _walk(self, start: int, limit: int) -> Iterator[int]:
        sector = start
        for _ in range(limit):
            if sector >= _END_OF_CHAIN:
                return
            yield sector
            sector = struct.unpack_from("<I", self.data, self._offset(sector) + self.size - 4)[0]

    def _chain(self, start: int, table: list[int] | None = None) -> Iterator[int]:
        """The sectors of a chain; a loop or a chain longer than the file is refused."""
        table = self.fat if table is None else table
        sector, steps = start, 0
        while sector < _END_OF_CHAIN:
            yield sector
            steps += 1
            if steps > self.limit * (self.size // self.mini_size):
                raise Refused("unreadable", "sector chain loops")
            sector = table[sector]

    def _read(self, start: int, size: int) -> bytes:
        parts = [
            self.data[self._offset(s) : self._offset(s) + self.size] for s in self._chain(start)
        ]
        return b"".join(parts)[:size]

    def stream(self, names: tuple[str, ...]) -> bytes | None:
        directory = self._read(self.directory, self.limit * self.size)
        root: tuple[int, int] | None = None
        for at in range(0, len(directory) - 127, 128):
            length, kind = struct.unpack_from("<HB", directory, at + 0x40)
            start, size = struct.unpack_from("<IQ", directory, at + 0x74)
            size &= 0xFFFFFFFF if self.size == 512 else size  # version 3: the high half is junk
            name = directory[at : at + max(0, length - 2)].decode("utf-16-le", "replace")
            if kind == 5:
                root = (start, size)
            elif kind == 2 and name.lower() in names:  # names are case-insensitive
                if size >= self.cutoff or root is None:
                    return self._read(start, size)
                mini = self._read(*root)
                return b"".join(
                    mini[s * self.mini_size : (s + 1) * self.mini_size]
                    for s in self._chain(start, self.mini_fat)
                )[:size]
        return None
