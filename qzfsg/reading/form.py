"""Find the 附件1 form in a received workbook and hand back its raw cells.

The only module that touches python-calamine. It finds things by content, never by fixed
cell addresses, because units move the table, reorder and rename rows, add sheets and save
from Excel, WPS or LibreOffice. It does not interpret values: that is `cells`.
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from qzfsg.defaults import IndicatorDef
from qzfsg.inert import inert, shown_name
from qzfsg.reading.biff import check_xls
from qzfsg.reading.guard import Refused, check_zip
from qzfsg.reading.received import read_received
from qzfsg.reading.unreadable import UnreadableReturn, damaged
from qzfsg.reading.webpage import has_table, is_webpage, read_webpage

CellValue = str | int | float | bool | date | datetime | time | None
FieldValue = str | int | float | date | datetime | None


@dataclass(slots=True)
class RawCell:
    """Plain dataclasses, not pydantic models: the reader builds them from calamine's own
    values, which need no validation, for every file of an import (issue 13)."""

    cell: str  # A1 address as the clerk sees it in Excel
    value: CellValue  # as calamine gives it; None for an empty cell
    formula_without_value: bool = False  # a formula whose cached value was never computed


@dataclass(slots=True)
class IndicatorRow:
    code: str
    label: str
    label_cell: str
    month: RawCell  # 本月数
    cumulative: RawCell  # 累计数


@dataclass(slots=True)
class FormSheet:
    """The form as found. A `*_cell` is where the field's value is, or its label's cell when
    the value is left blank (so a finding can point there); None when the sheet has no
    such field."""

    sheet: str
    unit_text: str | None
    unit_cell: str | None
    filed: FieldValue
    filed_cell: str | None
    month_field: FieldValue
    month_field_cell: str | None
    rows: dict[str, IndicatorRow]  # by indicator code, in form order
    missing: list[str]  # indicator codes whose row was not found


def read_return(
    path: Path, indicators: Sequence[IndicatorDef], data: bytes | None = None
) -> FormSheet:
    """Read the 附件1 form of the workbook at `path` (.xlsx/.xlsm/.xls/.ods, or a web page
    saved as .xls; by content); `data` is the file's bytes when the caller has them."""
    path = Path(path)
    name = shown_name(path)
    data = read_received(path) if data is None else data
    matcher = _matcher_for(indicators)
    best: _Layout | None = None
    complete: list[FormSheet] = []
    sheets = failed = 0
    for sheet in _sheets(name, data):
        sheets += 1
        if sheet is None:
            failed += 1  # a sheet calamine cannot read is not the form; try the others
            continue
        layout = _find_layout(*sheet, matcher)
        if layout is None:
            continue
        if len(layout.labels) == len(matcher.indicators):
            complete.append(_build_form(layout, matcher, data))
            best = None  # no partial form can beat a complete one
        elif not complete and (best is None or len(layout.labels) > len(best.labels)):
            best = layout
    if complete:
        return _only_form(name, complete)
    if best is None and failed and failed == sheets:
        raise damaged(name)
    if best is None:
        raise UnreadableReturn(
            "no_form_sheet",
            f"文件“{name}”中找不到附件1月报表（应有“本月数”“累计数”表头和各项指标行），"
            "请使用下发的表格模板填写后重新发送。",
        )
    return _build_form(best, matcher, data)


def _only_form(name: str, forms: list[FormSheet]) -> FormSheet:
    """The form, when the workbook has one complete form, or several that say the same;
    several that differ cannot be told apart."""
    first = forms[0]
    if all(_content(form) == _content(first) for form in forms[1:]):
        return first
    shown = "、".join(f"“{form.sheet}”" for form in forms[:10])
    more = f"等 {len(forms)} 张" if len(forms) > 10 else ""
    raise UnreadableReturn(
        "several_forms",
        f"文件“{name}”的工作表{shown}{more}都是填好的月报表，内容却不一致，无法确定以哪张为准；"
        "请只保留要报送的那一张后重新发送。",
    )


def _content(form: FormSheet) -> tuple:
    figures = {code: (row.month.value, row.cumulative.value) for code, row in form.rows.items()}
    return form.unit_text, form.filed, form.month_field, figures


Sheet = tuple[str, Iterable[list[Any]], tuple[int, int]]  # name, rows, cell of the first


def _sheets(name: str, data: bytes) -> Iterator[Sheet | None]:
    """Every worksheet, visible ones first; None for one calamine cannot read."""
    if is_webpage(data):
        yield _webpage_sheet(name, data)
        return
    workbook = _open_workbook(name, data)
    for sheet_name in _worksheet_names(workbook):
        try:
            sheet = workbook.get_sheet_by_name(sheet_name)
            # Row by row: only the rows that name something are kept, so that a ledger
            # pasted below the form costs no Python objects. iter_rows starts at row 1
            # but at the first column used.
            start = sheet.start or (0, 0)
            found: Sheet | None = (sheet_name, sheet.iter_rows(), (0, start[1]))
        except BaseException as exc:
            if not _calamine_failed(exc):
                raise
            found = None
        yield found


def _webpage_sheet(name: str, data: bytes) -> Sheet:
    """A web page saved as .xls: its tables, as one sheet."""
    if not has_table(data):
        raise UnreadableReturn(
            "unreadable",
            f"文件“{name}”是网页（HTML）文件，不是 Excel 表格，其中也没有表格；"
            "请用 Excel 或 WPS 打开后“另存为”Excel 工作簿（.xlsx）再发送。",
        )
    try:
        return "网页表格", read_webpage(data), (0, 0)
    except Refused as exc:
        raise exc.of_file(name) from None


def read_table(path: Path) -> list[list[CellValue]]:
    """Every row of a workbook's first sheet from A1 (row n is Excel's row n), for the
    plain lists other modules read (units, 附件2 liaisons), so that calamine stays here."""
    path = Path(path)
    name = shown_name(path)
    data = read_received(path)
    if is_webpage(data):
        rows: list[list[Any]] = _webpage_sheet(name, data)[1]
    else:
        workbook = _open_workbook(name, data)
        try:
            rows = workbook.get_sheet_by_index(0).to_python(skip_empty_area=False)
        except BaseException as exc:
            if not _calamine_failed(exc):
                raise
            raise damaged(name) from None
    return [[_cell_value(row, c) for c in range(len(row))] for row in rows]


def match_indicator(label: str, indicators: Sequence[IndicatorDef]) -> IndicatorDef | None:
    """The indicator a label written on a form stands for, tolerating the usual variants."""
    found = _matcher_for(indicators).classify(label)
    return found if isinstance(found, IndicatorDef) else None


# --------------------------------------------------------------------------- opening files

_CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # OLE2: .xls, .doc, and encrypted .xlsx
_ZIP_MAGIC = b"PK\x03\x04"  # .xlsx, .xlsm, .ods, .docx
# Office saves a password-protected .xlsx as an OLE2 file with these streams; OLE2 keeps
# stream names in UTF-16LE.
_ENCRYPTION_STREAMS = tuple(s.encode("utf-16-le") for s in ("EncryptionInfo", "EncryptedPackage"))
# A Word document sent instead of the return: a .docx zip part, or a .doc stream.
_WORD_MARKS = (b"word/document.xml", "WordDocument".encode("utf-16-le"))


def _open_workbook(name: str, data: bytes) -> Any:
    """Open by content, not by extension: a .xls renamed .xlsx must still read."""
    from python_calamine import CalamineWorkbook, PasswordError

    if not data:
        raise UnreadableReturn(
            "unreadable", f"文件“{name}”是空文件（0 字节），请重新导出后再发送。"
        )
    is_cfb = data.startswith(_CFB_MAGIC)
    if is_cfb and any(stream in data for stream in _ENCRYPTION_STREAMS):
        raise _encrypted(name)
    # Before calamine sees anything: bounded inflation, well-formed XML without a DTD, and
    # no sheet whose farthest cell would make calamine's dense grid exhaust memory.
    if is_cfb:
        check_xls(name, data)
    else:
        check_zip(name, data)
    try:
        return CalamineWorkbook.from_filelike(io.BytesIO(data))
    except PasswordError:  # an .xls with an open password
        raise _encrypted(name) from None
    except BaseException as exc:
        if not _calamine_failed(exc):
            raise
    if (is_cfb or data.startswith(_ZIP_MAGIC)) and not any(m in data for m in _WORD_MARKS):
        raise damaged(name)
    raise UnreadableReturn(
        "unreadable",
        f"文件“{name}”不是 Excel/WPS 表格文件（可能是 Word 文档或其他文件改了扩展名），"
        "请用 Excel 或 WPS 表格填写并保存为 .xlsx 或 .xls 后重新发送。",
    )


def _calamine_failed(exc: BaseException) -> bool:
    """A calamine error, or a calamine panic on a malformed file: pyo3 raises that as
    PanicException, which derives from BaseException and is not importable, hence by name."""
    return isinstance(exc, Exception) or type(exc).__name__ == "PanicException"


def _encrypted(name: str) -> UnreadableReturn:
    return UnreadableReturn(
        "encrypted", f"文件“{name}”设置了打开密码，无法读取，请取消密码后重新发送。"
    )


def _worksheet_names(workbook: Any) -> list[str]:
    """Worksheets in workbook order; visible ones first, so a hidden copy loses a tie."""
    names = workbook.sheet_names
    if len(names) == 1:
        return names
    from python_calamine import SheetTypeEnum, SheetVisibleEnum

    sheets = [m for m in workbook.sheets_metadata if m.typ == SheetTypeEnum.WorkSheet]
    return [m.name for m in sorted(sheets, key=lambda m: m.visible != SheetVisibleEnum.Visible)]


# --------------------------------------------------------------------------- label matching

_MONTH_HEADER = "本月数"
_CUMULATIVE_HEADER = "累计数"
_FIELD = "field"
_HEADERS = {
    "本月数": _MONTH_HEADER, "本月": _MONTH_HEADER, "当月数": _MONTH_HEADER,
    "累计数": _CUMULATIVE_HEADER, "累计": _CUMULATIVE_HEADER, "本年累计": _CUMULATIVE_HEADER,
}  # fmt: skip
_FIELD_LABELS = {
    "填报单位": "unit", "填报时间": "filed", "填报日期": "filed",
    "报告月份": "month", "统计月份": "month", "报表月份": "month",
}  # fmt: skip
# Whitespace and punctuation that vary between copies of the form without changing the label.
_DROP = str.maketrans("", "", " \t\r\n\u3000\xa0、，,。.：:；;·'\"“”‘’")
_BRACKETED = re.compile(r"\([^()]*\)|\[[^\[\]]*\]|【[^【】]*】")
_NUMBERING = "0123456789一二三四五六七八九十"
_LABEL_SLACK = 2  # "立案调查数", "行政拘留人数": a known label plus a short tail still matches


def _normalize(text: str) -> str:
    """Label text reduced to what identifies it: width, spaces, punctuation, bracketed
    asides, numbering ("1、", "（一）") and 或/或者 do not count."""
    text = unicodedata.normalize("NFKC", text).translate(_DROP)
    text = _BRACKETED.sub("", text)
    return text.replace("或者", "").replace("或", "").lstrip(_NUMBERING)


class _Matcher:
    """Normalized labels of one indicator list, and a memo of every text classified, so
    that 1,000 returns with the same labels normalize each distinct text once."""

    _MEMO_LIMIT = 20_000

    def __init__(self, indicators: Sequence[IndicatorDef]):
        self.indicators = list(indicators)
        self.keys: dict[str, IndicatorDef] = {}
        self.affixes: list[tuple[str, str, int, IndicatorDef]] = []
        for ind in self.indicators:
            for text in (ind.label, *ind.synonyms):
                self.keys.setdefault(_normalize(text), ind)
            # The long label "组织（包括…）执法活动" also matches with its aside reworded.
            plain = unicodedata.normalize("NFKC", ind.label).translate(_DROP)
            if "(" in plain and ")" in plain:
                head, _, rest = plain.partition("(")
                tail = rest.rpartition(")")[2]
                self.affixes.append((head, tail, len(plain) + 4, ind))
        self.by_length = sorted(self.keys.items(), key=lambda kv: -len(kv[0]))
        # What a label can start with: a ledger pasted below the form has hundreds of
        # thousands of distinct texts, nearly none of which starts like a label.
        self.key_starts = {key[0] for key in self.keys if key}
        self.affix_starts = {head[:1] for head, _, _, _ in self.affixes}
        self.memo: dict[str, str | IndicatorDef | None] = {}

    def classify(self, text: str) -> str | IndicatorDef | None:
        """A header (本月数/累计数), a field label (_FIELD), an indicator, or None."""
        found = self.memo.get(text, self)  # self: not seen yet (None is a memoized answer)
        if found is self:
            if len(self.memo) >= self._MEMO_LIMIT:
                self.memo.clear()
            found = self.memo[text] = self._classify(text)
        return found  # type: ignore[return-value]

    def _classify(self, text: str) -> str | IndicatorDef | None:
        if any(label in text for label in _FIELD_LABELS):
            return _FIELD
        key = _normalize(text)
        if not key:
            return None
        header = _HEADERS.get(key)
        if header:
            return header
        found = self.keys.get(key)
        if found:
            return found
        if key[0] in self.key_starts:
            for known, ind in self.by_length:
                if key.startswith(known) and len(key) - len(known) <= _LABEL_SLACK:
                    return ind
        plain = unicodedata.normalize("NFKC", text).translate(_DROP)
        if plain[:1] not in self.affix_starts:
            return None
        for head, tail, longest, ind in self.affixes:
            if plain.startswith(head) and plain.endswith(tail) and len(plain) <= longest:
                return ind
        return None


_MATCHERS: dict[tuple, _Matcher] = {}


def _matcher_for(indicators: Sequence[IndicatorDef]) -> _Matcher:
    """One matcher per distinct indicator list (by content: the list may be rebuilt)."""
    key = tuple((i.code, i.label, i.unit, i.decimals, tuple(i.synonyms)) for i in indicators)
    matcher = _MATCHERS.get(key)
    if matcher is None:
        if len(_MATCHERS) >= 8:
            _MATCHERS.clear()
        matcher = _MATCHERS[key] = _Matcher(indicators)
    return matcher


# --------------------------------------------------------------------------- finding the form


@dataclass
class _Layout:
    """Where the form is on one sheet; row/column indexes are into calamine's `rows`."""

    sheet: str
    rows: dict[int, list[Any]]  # the rows that hold a header, a label or a field, by index
    origin: tuple[int, int]  # the 0-based cell of the first row's first cell
    label_col: int
    month_col: int
    cumulative_col: int
    labels: dict[str, int]  # code -> row of its label, in form order
    fields: list[tuple[int, int]]  # (row, col) of cells naming 填报单位/填报时间/报告月份


def _find_layout(
    sheet: str, rows: Iterable[list[Any]], origin: tuple[int, int], matcher: _Matcher
) -> _Layout | None:
    """Scan every cell once; the form is a header row with both 本月数 and 累计数 and the
    indicator labels below it, in whichever column holds most of them."""
    headers: list[tuple[int, int, int]] = []
    labels: list[tuple[int, int, IndicatorDef]] = []
    fields: list[tuple[int, int]] = []
    kept: dict[int, list[Any]] = {}
    memo, classify = matcher.memo, matcher.classify
    for r, row in enumerate(rows):
        month_col = cumulative_col = -1
        found_before = len(labels) + len(fields)
        for c, value in enumerate(row):
            if value.__class__ is not str or not value or value.isascii():
                continue  # every header, label and field name is Chinese
            kind = memo.get(value, matcher)  # inlined classify(): this loop sees every cell
            if kind is matcher:
                kind = classify(value)
            if kind is None:
                continue
            if kind is _MONTH_HEADER:
                month_col = c if month_col < 0 else month_col
            elif kind is _CUMULATIVE_HEADER:
                cumulative_col = c if cumulative_col < 0 else cumulative_col
            elif kind is _FIELD:
                fields.append((r, c))
            else:
                labels.append((r, c, kind))  # type: ignore[arg-type]
        if month_col >= 0 and cumulative_col >= 0:
            headers.append((r, month_col, cumulative_col))
        if month_col >= 0 or cumulative_col >= 0 or len(labels) + len(fields) > found_before:
            kept[r] = row
    best: _Layout | None = None
    for header_row, month_col, cumulative_col in headers:
        below = [
            (r, c, ind)
            for r, c, ind in labels
            if r > header_row and c != month_col and c != cumulative_col
        ]
        if not below:
            continue
        label_col = Counter(c for _, c, _ in below).most_common(1)[0][0]
        found: dict[str, int] = {}
        for r, c, ind in below:
            if c == label_col and ind.code not in found:
                found[ind.code] = r
        if best is None or len(found) > len(best.labels):
            best = _Layout(sheet, kept, origin, label_col, month_col, cumulative_col, found, fields)
    return best


def _build_form(layout: _Layout, matcher: _Matcher, data: bytes) -> FormSheet:
    rows, (r0, c0) = layout.rows, layout.origin

    def address(r: int, c: int) -> str:
        return f"{column_letters(c0 + c)}{r0 + r + 1}"

    label_col = layout.label_col
    label_letters = column_letters(c0 + label_col)
    month_letters = column_letters(c0 + layout.month_col)
    cumulative_letters = column_letters(c0 + layout.cumulative_col)
    form_rows: dict[str, IndicatorRow] = {}
    empty: list[RawCell] = []
    for code, r in layout.labels.items():
        row, line = rows[r], r0 + r + 1
        month = RawCell(f"{month_letters}{line}", _cell_value(row, layout.month_col))
        cumulative = RawCell(f"{cumulative_letters}{line}", _cell_value(row, layout.cumulative_col))
        if month.value is None:
            empty.append(month)
        if cumulative.value is None:
            empty.append(cumulative)
        label = inert(row[label_col].strip())
        form_rows[code] = IndicatorRow(code, label, f"{label_letters}{line}", month, cumulative)
    if empty:
        explained = _explain_empty_cells(data, layout.sheet, {cell.cell for cell in empty})
        for cell in empty:
            if cell.cell in explained:
                error = explained[cell.cell]
                cell.value = error
                cell.formula_without_value = error is None
    fields = _read_fields(layout, matcher, address)
    unit, unit_cell = fields.get("unit", (None, None))
    filed, filed_cell = fields.get("filed", (None, None))
    month_field, month_field_cell = fields.get("month", (None, None))
    return FormSheet(
        sheet=inert(layout.sheet),
        unit_text=unit if isinstance(unit, str) else None,
        unit_cell=unit_cell,
        filed=filed,
        filed_cell=filed_cell,
        month_field=month_field,
        month_field_cell=month_field_cell,
        rows=form_rows,
        missing=[i.code for i in matcher.indicators if i.code not in form_rows],
    )


def _cell_value(row: list[Any], col: int) -> CellValue:
    value = row[col] if col < len(row) else ""
    if value.__class__ is float or value.__class__ is int:
        return value  # the usual figure, before the checks below
    if value == "":
        return None
    if value.__class__ is str:
        return inert(value)
    if isinstance(value, CellValue):  # type: ignore[arg-type]
        return value
    return str(value)  # a duration (timedelta) cell: keep it visible as text, never a number


def column_letters(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


# --------------------------------------------------------------------------- 填报单位 / 时间 / 月份

_SEAL = re.compile(r"^\s*[（(][^）)]*[）)]")  # （盖章） right after 填报单位
_FIELD_SPLIT = re.compile("|".join(_FIELD_LABELS))
_BLANK_DATE = {"", "年月日"}  # the template's "填报时间：    年  月  日" left unfilled


def _read_fields(
    layout: _Layout, matcher: _Matcher, address: Callable[[int, int], str]
) -> dict[str, tuple[Any, str]]:
    """Values of 填报单位/填报时间/报告月份: written after the label in the same cell
    ("填报单位（盖章）：X  填报时间：Y"), or in the next non-empty cell to the right."""
    out: dict[str, tuple[Any, str]] = {}
    for r, c in layout.fields:
        text = layout.rows[r][c]
        parts = list(_FIELD_SPLIT.finditer(text))
        for k, match in enumerate(parts):
            kind = _FIELD_LABELS[match.group()]
            if kind in out:
                continue
            end = parts[k + 1].start() if k + 1 < len(parts) else len(text)
            value: Any = _SEAL.sub("", text[match.end() : end]).strip().lstrip(":：").strip()
            cell = address(r, c)
            if not value and k == len(parts) - 1:
                value, cell = _value_right_of(layout, matcher, r, c, address)
            if isinstance(value, str) and value.translate(_DROP) in _BLANK_DATE:
                value = None
            out[kind] = (_field_value(value), cell)
    return out


def _value_right_of(
    layout: _Layout, matcher: _Matcher, r: int, c: int, address: Callable[[int, int], str]
) -> tuple[Any, str]:
    row = layout.rows[r]
    for k in range(c + 1, len(row)):
        value = row[k]
        if value == "" or (isinstance(value, str) and not value.strip()):
            continue
        if isinstance(value, str) and matcher.classify(value) is _FIELD:
            break  # the next field's label: this one was left blank
        return (value.strip() if isinstance(value, str) else value), address(r, k)
    return None, address(r, c)


def _field_value(value: Any) -> FieldValue:
    if isinstance(value, str):
        return inert(value)
    if value is None or isinstance(value, date | datetime):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value  # an Excel serial date, or a number typed into the field
    return str(value)


# --------------------------------------------------------------------------- formulas

_MAIN_PART = "xl/workbook.xml"
_RELS_PART = "xl/_rels/workbook.xml.rels"


def _explain_empty_cells(data: bytes, sheet: str, cells: set[str]) -> dict[str, str | None]:
    """What calamine read as empty among `cells`, when the sheet XML says otherwise: None
    for a formula with no cached value (a file written by a program, never opened in
    Excel), or the error text ("#DIV/0!") of an error cell, which calamine also reads as
    empty and which must not pass as a blank (= 0). Only .xlsx/.xlsm keep this apart."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.NameToInfo
            if _MAIN_PART not in names:
                return {}  # .ods, whose writers always store a formula's value
            parts = [n for n in names if n.startswith("xl/worksheets/") and n.endswith(".xml")]
            # One worksheet (the usual return) needs no lookup through workbook.xml.
            part = parts[0] if len(parts) == 1 else _sheet_part(archive, sheet)
            return _formula_cells(archive, part, cells) if part else {}
    except (
        zipfile.BadZipFile, KeyError, OSError, EOFError, ValueError, zlib.error,
        ElementTree.ParseError,
    ):  # fmt: skip
        return {}  # a part we cannot read: calamine has read the values, we cannot tell


def _formula_cells(archive: zipfile.ZipFile, part: str, cells: set[str]) -> dict[str, str | None]:
    """Streamed, and only as far as the last of `cells`: a sheet with a ledger pasted
    below the form may hold hundreds of megabytes of XML past it."""
    last_row = max(int(cell.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")) for cell in cells)
    found: dict[str, str | None] = {}
    with archive.open(part) as stream:
        for _, element in ElementTree.iterparse(stream):
            tag = _local(element.tag)
            if tag == "row":
                if int(element.get("r") or 0) > last_row:
                    break
                element.clear()  # its cells are done with
            if tag != "c" or element.get("r") not in cells:
                continue
            children = {_local(child.tag): child for child in element}
            cached = (children["v"].text or "").strip() if "v" in children else ""
            if element.get("t") == "e" and cached:
                found[element.get("r")] = cached  # type: ignore[index]
            elif "f" in children and not cached:
                found[element.get("r")] = None  # type: ignore[index]
    return found


def _sheet_part(archive: zipfile.ZipFile, sheet: str) -> str | None:
    """The zip entry of a worksheet, through workbook.xml and its relationships."""
    rel_id = None
    for element in ElementTree.fromstring(archive.read(_MAIN_PART)).iter():
        if _local(element.tag) == "sheet" and element.get("name") == sheet:
            rel_id = next((v for k, v in element.attrib.items() if _local(k) == "id"), None)
            break
    if rel_id is None:
        return None
    for element in ElementTree.fromstring(archive.read(_RELS_PART)).iter():
        if _local(element.tag) == "Relationship" and element.get("Id") == rel_id:
            target = element.get("Target", "")
            return target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    return None


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]
