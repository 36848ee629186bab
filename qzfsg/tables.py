"""Simple header-and-rows lists (unit lists, the 附件2 liaison form) from CSV or a workbook."""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Sequence
from pathlib import Path

from qzfsg.errors import DataError, NotFoundError
from qzfsg.inert import inert, shown_path
from qzfsg.reading.received import read_received

Record = tuple[int, dict[str, str]]  # (row number as seen in the file, {column: text})


def read_rows(path: Path) -> list[list[str]]:
    """Every row of a CSV file (UTF-8 or GB18030) or of a workbook's first sheet, as text."""
    if not os.path.lexists(path):
        raise NotFoundError(f"找不到文件 {shown_path(path)}。")
    if path.suffix.lower() != ".csv":
        from qzfsg.reading.form import read_table

        return [[cell_text(c) for c in row] for row in read_table(path)]
    raw = read_received(path)  # a folder, a pipe or a device is named, never waited on
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("gb18030", errors="replace")
    return [[inert(c.strip()) for c in row] for row in csv.reader(io.StringIO(text))]


def find_records(
    rows: list[list[str]], required: Sequence[str], source: str
) -> tuple[list[str], list[Record]]:
    """The header (spaces removed) and the rows under the first row naming every `required`
    column."""
    for index, row in enumerate(rows):
        header = ["".join(c.split()) for c in row]
        if all(name in header for name in required):
            records = [
                (index + offset + 2, {h: c for h, c in zip(header, r, strict=False) if h})
                for offset, r in enumerate(rows[index + 1 :])
                if any(r)
            ]
            return header, records
    raise DataError(f"{source}：找不到含“{'、'.join(required)}”的表头行。")


def read_records(path: Path, required: Sequence[str]) -> list[Record]:
    return find_records(read_rows(path), required, str(path))[1]


def cell_text(value: object) -> str:
    """A cell as the clerk reads it: 13874078691.0 -> 13874078691, None -> ''."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()
