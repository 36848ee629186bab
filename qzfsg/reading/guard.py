"""A zip-based workbook (.xlsx, .xlsm, .ods) checked before anything trusts it.

A return is a few kilobytes of XML. Before python-calamine sees a file, every XML part is
read here through a capped stream and parsed with expat, so that:

- the parts cannot inflate past a budget that grows with the file's size (a zip bomb,
  also one whose header lies about the sizes: the count is of bytes that came out);
- no part declares a DTD (entity expansion, external entities: the host's files or name
  never reach the reader);
- every part is well-formed XML to its end (a sheet cut off after row 8 is damaged, not
  half read);
- no worksheet spans far more cells than it has (calamine builds a dense grid from the
  farthest cell: one value at XFD1048576 would ask for 512 GiB and abort the process).
  The extent comes from the cells' own positions, never from `<dimension>`.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from collections.abc import Callable, Generator
from xml.parsers import expat

from qzfsg.inert import inert
from qzfsg.reading.unreadable import UnreadableReturn, damaged

MiB = 2**20
# Bytes of XML a file may inflate to: any file this much, a larger one RATIO times its
# own size more (real workbooks deflate 5–20 to 1; a bomb 1,000 to 1), never past CEILING.
FLOOR = 64 * MiB
RATIO = 100
CEILING = 3 * 2**30
MAX_PARTS = 10_000
# Cells a worksheet may span: any sheet this many, a larger one SLACK times the cells it
# really has (a pasted ledger is dense; a far corner spans billions for two cells).
MIN_SPAN = 2_000_000
SLACK = 4
# calamine holds about 64 bytes a cell: this many is some 800 MB, the most the memory
# budget allows (a 400,000-row ledger of a dozen columns is under 5 million).
MAX_CELLS = 12_000_000
_CHUNK = 1 * MiB
# A zip entry's local header up to its name's and extra field's sizes; the general purpose
# flags that only zipfile's stream handles (encrypted, patched, strongly encrypted), and
# the one saying the name is UTF-8.
_LOCAL_HEADER = struct.Struct("<4s2xH18xHH")
_STREAM_ONLY = 0x01 | 0x20 | 0x40
_UTF8_NAME = 0x800
_XML_PARTS = (".xml", ".rels")
# What calamine reads: the workbook's parts under xl/ (not the theme, which nothing
# reads), and an .ods's content. Other parts (document properties, custom XML) are
# never parsed by anyone, so only their stated size counts.
_READ_PARTS = ("xl/", "content.xml")
_UNREAD_PARTS = ("xl/theme/",)

_REF = re.compile(r"([A-Za-z]{1,3})([0-9]{1,7})$")
# Excel, WPS, LibreOffice and openpyxl write a cell as <c r="B7" …>, `r` first. Counted
# against every <c start tag (a literal "<" cannot occur in text), so that a cell without
# `r`, with `r` later on, or with a namespace prefix sends the part to the slow path.
_CELL_REFS = re.compile(rb'<c r="([A-Za-z]{1,3}[0-9]{1,7})"')
# Cells written otherwise: <c> <c/> <c⇥ …, or with a namespace prefix (<x:c …); looked
# for only where "<c" or ":c" occurs other than as "<c " (in <cols>, <cfRule> …).
_OTHER_CELL = re.compile(rb"<c[>/\t\n\r]|:c[\s>/]")
_DIGITS = b"0123456789"
_LETTERS = bytes(range(65, 91)) + bytes(range(97, 123))
_ODS_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_ODS_OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"


class Refused(Exception):
    """Why a part cannot be trusted; turned into an UnreadableReturn naming the file."""

    def __init__(self, code: str, why: str):
        super().__init__(why)
        self.code = code

    def of_file(self, name: str) -> UnreadableReturn:
        """The refusal as the clerk reads it, naming the file."""
        return UnreadableReturn(self.code, f"文件“{name}”{self}")


def check_zip(name: str, data: bytes) -> bool:
    """Check a zip-based workbook; False when `data` is not a zip at all (an .xls, or not
    a workbook: the caller's reader says so). UnreadableReturn when it cannot be trusted."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, EOFError, ValueError):
        if data.startswith(b"PK\x03\x04"):
            raise damaged(name) from None
        return False
    try:
        with archive:
            _check_archive(archive, data)
    except Refused as exc:
        raise exc.of_file(name) from None
    except (zipfile.BadZipFile, OSError, EOFError, zlib.error, ValueError, NotImplementedError):
        raise damaged(name) from None
    return True


def _check_archive(archive: zipfile.ZipFile, data: bytes) -> None:
    size = len(data)
    infos = archive.infolist()
    if len(infos) > MAX_PARTS:
        raise Refused("too_big", f"里有 {len(infos)} 个部件，不是正常的表格文件，未读取。")
    budget = min(CEILING, FLOOR + RATIO * size)
    declared = sum(info.file_size for info in infos)
    if declared > budget:
        raise _too_big(declared)
    left = budget
    spans: list[Span] = []
    for info in infos:
        lower = info.filename.lower()
        if not (
            lower.endswith(_XML_PARTS)
            and lower.startswith(_READ_PARTS)
            and not lower.startswith(_UNREAD_PARTS)
        ):
            continue
        scan = _scanner(info.filename)
        before = left
        left = _parse(_inflated(archive, info, data), info, left, scan, budget)
        if isinstance(scan, _XlsxSheet) and scan.unplaced:
            scan = _PlacedSheet()  # cells without `r`: placed one by one, a second pass
            _parse(_inflated(archive, info, data), info, before, scan, budget)
        for sheet, span in scan.extents():
            check_span(sheet, span)
            spans.append(span)
    check_total(spans)


def check_total(spans: list[Span]) -> None:
    """Refused when the sheets together span far more room than they fill: calamine
    builds them one after the other (five hundred sheets just under the limit each)."""
    room = sum(span.room for span in spans)
    cells = sum(span.cells for span in spans)
    if room > max(SLACK * MIN_SPAN, SLACK * cells):
        raise Refused(
            "too_big",
            f"的 {len(spans)} 张工作表共占 {room} 个单元格的范围，却只有 {cells} 个单元格，"
            "读取它们会耗尽内存和时间，未读取；请只发送月报表本身。",
        )


def check_span(sheet: str, span: Span) -> None:
    """Refused when the sheet's cells span far more room than they fill, or are more
    than calamine can hold in the memory budget."""
    if span.cells > MAX_CELLS:
        raise Refused(
            "too_big",
            f"的工作表{sheet}有 {span.cells} 个单元格，远超任何月报表，读取它会耗尽内存，未读取；"
            "请只发送月报表本身。",
        )
    if span.room > max(MIN_SPAN, SLACK * span.cells):
        rows, cols = span.bottom - span.top + 1, span.right - span.left + 1
        raise Refused(
            "too_big",
            f"的工作表{sheet}范围达 {rows} 行 × {cols} 列，却只有 {span.cells} 个单元格"
            "（可能在很远的单元格里误填了内容），读取它会耗尽内存，未读取；"
            "请删除多余的内容后另存再发送。",
        )


def _too_big(size: int) -> Refused:
    return Refused(
        "too_big",
        f"解压后超过 {size // MiB} MB，远超任何月报表（可能是压缩炸弹），未读取；"
        "请用 Excel 或 WPS 重新另存后再发送。",
    )


def _parse(
    chunks: Generator[bytes, None, None], info: zipfile.ZipInfo, left: int, scan: _Scan, budget: int
) -> int:
    """Feed the part to expat as it inflates; the budget left afterwards."""
    parser = expat.ParserCreate(namespace_separator=" " if scan.start else None)
    parser.StartDoctypeDeclHandler = _no_doctype
    parser.EntityDeclHandler = _no_doctype
    parser.ExternalEntityRefHandler = _no_doctype
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    if scan.start is not None:
        parser.StartElementHandler = scan.start
    try:
        for chunk in chunks:
            left -= len(chunk)
            if left < 0:
                raise _too_big(budget)  # more came out than the header said
            parser.Parse(chunk, False)
            scan.feed(chunk)
        parser.Parse(b"", True)
    except expat.ExpatError as exc:
        raise Refused(
            "unreadable",
            f"的内容不完整或已损坏（{info.filename} 第 {exc.lineno} 行的 XML 格式错误），"
            "未读取；请用 Excel 或 WPS 打开、另存后重新发送。",
        ) from None
    finally:
        chunks.close()
    return left


def _inflated(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, data: bytes
) -> Generator[bytes, None, None]:
    """The part's bytes as zipfile's stream gives them, _CHUNK at a time. A part that
    comes in one chunk (every part of a return) is inflated here, with the same checks
    and errors as zipfile's, without the stream's Python layers (most of the guard's
    time on a return of a few kilobytes)."""
    if (
        info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
        or info.flag_bits & _STREAM_ONLY
        or info.compress_size > _CHUNK
        or info.file_size >= _CHUNK
        or info.header_offset < 0
    ):
        with archive.open(info) as stream:
            while chunk := stream.read(_CHUNK):
                yield chunk
        return
    if chunk := _small_part(info, data):
        yield chunk


def _small_part(info: zipfile.ZipInfo, data: bytes) -> bytes:
    """What `zipfile.ZipFile.open(info).read(_CHUNK)` returns, and then b"", for a part
    of less than _CHUNK bytes either way."""
    at = info.header_offset
    header = data[at : at + _LOCAL_HEADER.size]
    if len(header) != _LOCAL_HEADER.size:
        raise zipfile.BadZipFile("Truncated file header")
    magic, flags, name_size, extra_size = _LOCAL_HEADER.unpack(header)
    if magic != b"PK\x03\x04":
        raise zipfile.BadZipFile("Bad magic number for file header")
    at += _LOCAL_HEADER.size
    name = data[at : at + name_size].decode("utf-8" if flags & _UTF8_NAME else "cp437")
    if name != info.orig_filename:
        raise zipfile.BadZipFile(f"File name in directory and header {name!r} differ.")
    at += name_size + extra_size
    packed = data[at : at + info.compress_size]
    if info.compress_size > 0 and not packed:
        raise EOFError
    short = len(packed) < info.compress_size
    if info.compress_type == zipfile.ZIP_DEFLATED:
        inflater = zlib.decompressobj(-15)
        part = inflater.decompress(packed, _CHUNK)
        done = inflater.eof or not (short or inflater.unconsumed_tail)
        if done:
            part += inflater.flush()
    else:
        part, done = packed, not short
    part = part[: info.file_size]
    if not done and len(part) < info.file_size:
        raise EOFError  # cut off: zipfile's next read finds nothing more
    if zlib.crc32(part) != info.CRC:
        raise zipfile.BadZipFile(f"Bad CRC-32 for file {info.filename!r}")
    return part


def _no_doctype(*_: object) -> None:
    raise Refused(
        "unreadable",
        "里含有 XML 文档类型声明（DTD，可用来展开实体或读取本机文件），"
        "正常的 Excel/WPS/LibreOffice 文件不会有，未读取；请用 Excel 或 WPS 另存后再发送。",
    )


# --------------------------------------------------------------------------- sheet extents


class _Scan:
    """What a part's elements tell about the cells' positions (nothing for most parts)."""

    start: Callable[[str, dict[str, str]], None] | None = None

    def feed(self, chunk: bytes) -> None:
        """The part's raw text, chunk by chunk, as it is parsed."""

    def extents(self) -> list[tuple[str, Span]]:
        """(sheet, the room its cells take) of every sheet in the part."""
        return []


class Span:
    """The rectangle the cells of one sheet cover, and how many cells there are."""

    def __init__(self) -> None:
        self.top = self.left = 1 << 62
        self.bottom = self.right = self.cells = 0

    @property
    def room(self) -> int:
        """Cells in the rectangle: what calamine allocates for the sheet."""
        return (self.bottom - self.top + 1) * (self.right - self.left + 1) if self.cells else 0

    def add(self, top: int, left: int, bottom: int, right: int, cells: int) -> None:
        self.cells += cells
        if top < self.top:
            self.top = top
        if bottom > self.bottom:
            self.bottom = bottom
        if left < self.left:
            self.left = left
        if right > self.right:
            self.right = right


class _XlsxSheet(_Scan):
    """A worksheet part: the cells' `r` positions, found by regular expressions on the
    raw text as it streams past (a handler call per element would take half a minute on
    a 400,000-row ledger). Anything else than `<c r="…"` (a cell without `r`, which
    calamine places after the one before it) sends the part to `_PlacedSheet`."""

    def __init__(self) -> None:
        self.span = Span()
        self.tail = b""
        self.unplaced = False

    def feed(self, chunk: bytes) -> None:
        cut = chunk.rfind(b"<")
        text, self.tail = self.tail + chunk[:cut], chunk[cut:]
        self._scan(text)

    def _scan(self, text: bytes) -> None:
        if self.unplaced:
            return
        refs = _CELL_REFS.findall(text)
        starts = text.count(b"<c ")
        irregular = text.count(b"<c") != starts or b":c" in text
        if len(refs) != starts or (irregular and _OTHER_CELL.search(text)):
            self.unplaced = True
            return
        if refs:
            joined = b" ".join(refs)  # split into letters and digits at C speed
            rows = [int(r) for r in set(joined.translate(None, _LETTERS).split())]
            columns = [_column(c) for c in set(joined.translate(None, _DIGITS).split())]
            self.span.add(min(rows), min(columns), max(rows), max(columns), len(refs))

    def extents(self) -> list[tuple[str, Span]]:
        self._scan(self.tail)
        return [("", self.span)]


class _PlacedSheet(_Scan):
    """A worksheet part whose cells lack `r` somewhere: every `<row>` and `<c>` placed as
    calamine places it (the row after the last, the column after the last)."""

    def __init__(self) -> None:
        self.row = self.col = 0
        self.span = Span()
        self.start = self._start

    def _start(self, tag: str, attrs: dict[str, str]) -> None:
        local = tag[tag.rfind(" ") + 1 :]
        if local == "c":
            ref = attrs.get("r")
            found = _REF.match(ref) if ref else None
            if found:
                self.col, self.row = _column(found[1]), int(found[2])
            else:
                self.col += 1
            self.span.add(self.row, self.col, self.row, self.col, 1)
        elif local == "row":
            self.row = _number(attrs.get("r"), self.row + 1)
            self.col = 0

    def extents(self) -> list[tuple[str, Span]]:
        return [("", self.span)]


class _OdsContent(_Scan):
    """content.xml of an .ods: every table with its rows and cells, repeats counted (a
    value repeated over a million rows is a million cells to calamine); empty cells take
    room but are not cells."""

    def __init__(self) -> None:
        self.tables: list[tuple[str, Span]] = []
        self.row = self.col = 0
        self.repeat = 1
        self.start = self._start

    def _start(self, tag: str, attrs: dict[str, str]) -> None:
        namespace, _, local = tag.rpartition(" ")
        if namespace != _ODS_TABLE:
            return
        if local == "table":
            self.tables.append((attrs.get(f"{_ODS_TABLE} name", ""), Span()))
            self.row, self.repeat = 0, 1
        elif local == "table-row":
            self.row += self.repeat
            self.repeat = _number(attrs.get(f"{_ODS_TABLE} number-rows-repeated"), 1)
            self.col = 0
        elif local in ("table-cell", "covered-table-cell") and self.tables:
            across = _number(attrs.get(f"{_ODS_TABLE} number-columns-repeated"), 1)
            first = self.col + 1
            self.col += across
            if f"{_ODS_OFFICE} value-type" in attrs:
                rows = self.repeat
                self.tables[-1][1].add(
                    self.row, first, self.row + rows - 1, self.col, across * rows
                )

    def extents(self) -> list[tuple[str, Span]]:
        return [(f"“{inert(name)}”", span) for name, span in self.tables]


def _scanner(part: str) -> _Scan:
    lower = part.lower()
    if lower.startswith("xl/worksheets/") and lower.count("/") == 2:
        return _XlsxSheet()
    if lower == "content.xml":
        return _OdsContent()
    return _Scan()


def _number(text: str | None, default: int) -> int:
    try:
        return max(1, int(text)) if text else default
    except ValueError:
        return default


def _column(letters: str | bytes) -> int:
    if isinstance(letters, bytes):
        letters = letters.decode("ascii")
    number = 0
    for letter in letters.upper():
        number = number * 26 + ord(letter) - 64
    return number
