"""An "Excel" file that is really a web page: web systems (and "另存为网页") save a table as
HTML with an .xls name, and Excel opens it without a word. Its table is read like a
sheet, with the standard library's HTML parser (tolerant of broken markup, no entities
beyond HTML's own, never fetches anything)."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from qzfsg.reading.guard import Refused

_CHARSET = re.compile(rb"""charset\s*=\s*["']?([A-Za-z0-9_\-]+)""", re.I)
_TABLE = re.compile(rb"<table[\s>]", re.I)
_MARKUP = (b"<!doctype html", b"<html", b"<head", b"<meta", b"<body", b"<table", b"<style", b"<!--")
_MAX_SPAN = 1_000  # colspan/rowspan beyond this mean nothing on a form
MAX_CELLS = 2_000_000  # a return has a hundred; this is far past any pasted table


def is_webpage(data: bytes) -> bool:
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith(_MARKUP)


def has_table(data: bytes) -> bool:
    return _TABLE.search(data) is not None


def read_webpage(data: bytes) -> list[list[str]]:
    """The rows of every table on the page, one after the other, cells as text; a cell
    spanning columns takes them (empty after the first), so that columns line up."""
    parser = _Tables()
    parser.feed(_decode(data))
    parser.close()
    parser.end_row()
    return parser.rows


def _decode(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", "replace")
    declared = _CHARSET.search(data[:4096])
    for encoding in ([declared[1].decode("ascii")] if declared else []) + ["utf-8"]:
        try:
            return data.decode("gb18030" if encoding.lower() in ("gb2312", "gbk") else encoding)
        except (LookupError, UnicodeDecodeError):
            continue
    return data.decode("gb18030", "replace")


class _Tables(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.rows: list[list[str]] = []
        self.row: list[str] | None = None
        self.cell: list[str] | None = None
        self.at = 0  # the current cell's column
        self.below: dict[int, int] = {}  # column -> rows (this one on) a rowspan covers
        self.cells = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "tr":
            self.end_row()
            self.row = []
        elif tag in ("td", "th"):
            if self.row is None:
                self.row = []
            self.end_cell()
            while len(self.row) in self.below:  # a cell from a row above reaches here
                self.row.append("")
            spans = dict(attrs)
            across, down = _span(spans.get("colspan")), _span(spans.get("rowspan"))
            for col in range(len(self.row), len(self.row) + across):
                if down > 1:
                    self.below[col] = down
            self.at = len(self.row)
            self.row.extend([""] * across)
            self.cells += across
            if self.cells > MAX_CELLS:
                raise Refused("too_big", "是网页格式，其中的表格大得不像月报表，未读取。")
            self.cell = []
        elif tag == "br" and self.cell is not None:
            self.cell.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th"):
            self.end_cell()
        elif tag in ("tr", "table"):
            self.end_row()

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.cell.append(data)

    def end_cell(self) -> None:
        if self.cell is not None and self.row is not None:
            text = "".join(self.cell).replace("\xa0", " ").strip()
            self.row[self.at] = text
        self.cell = None

    def end_row(self) -> None:
        self.end_cell()
        if self.row is not None:
            self.rows.append(self.row)
            self.below = {col: left - 1 for col, left in self.below.items() if left > 1}
        self.row = None


def _span(text: str | None) -> int:
    try:
        return min(max(1, int(text or 1)), _MAX_SPAN)
    except ValueError:
        return 1
