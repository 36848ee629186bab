"""Build monthly returns (附件1) with the quirks units send, as real workbook files.

`make_return(folder, values, **quirks)` writes the official layout (as in
shared/samples/make_samples.py): a merged title row, the 填报单位/填报时间 line, the header
项目|单位|本月数|累计数, the 11 indicator rows and a merged footnote. With no quirks the
table starts at A1: title row 1, 填报单位 row 2, header row 3, indicators rows 4–14 in
indicators.toml order, 本月数 in column C and 累计数 in column D.

    path = make_return(tmp_path, shift=(2, 1), fmt="xls", name="r.xls")
"""

from __future__ import annotations

import zipfile
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from qzfsg.defaults import load_indicators

TITLE = "安全监管“强执法防事故”行动情况月报表"
FOOTNOTE = (
    "注：1. 本表每月月底前向市安委办报送（与安全生产行政执法情况月报表一同报送）。"
    " 2. 典型案例情况另附材料一月一报。"
)
INTRO = [
    "填表说明：",
    "1. 本月数填写当月实际发生数；累计数填写自2018年5月行动开始以来的累计数。",
    "2. 经济处罚以万元为单位。",
]
INDICATORS = load_indicators()
CODES = [i.code for i in INDICATORS]

# A consistent June 2018 return (second month of the campaign: 累计数 = May + June), which
# passes every rule: officers ≥ 2 × activities, fines only with cases, 累计数 ≥ 本月数.
_DEFAULT_VALUES = {
    "activities": ("5", "12"),
    "officers": ("14", "33"),
    "inspected": ("18", "41"),
    "cases": ("2", "3"),
    "fines": ("0.35", "0.6"),
    "suspensions": ("1", "1"),
    "licences": ("0", "0"),
    "closures": ("0", "1"),
    "accountability": ("0", "0"),
    "detentions": ("0", "0"),
    "arrests": ("0", "0"),
}


def default_values() -> dict[str, tuple[Decimal, Decimal]]:
    """{code: (本月数, 累计数)} for every indicator; a fresh dict the caller may change."""
    return {code: (Decimal(m), Decimal(c)) for code, (m, c) in _DEFAULT_VALUES.items()}


def make_return(
    folder: Path,
    values: Mapping[str, tuple[Any, Any]] | None = None,
    *,
    name: str = "r.xlsx",
    unit: str = "汨罗市归义镇人民政府",
    filed: str | date | None = "2018年6月28日",
    month_field: str | date | None = None,
    shift: tuple[int, int] = (0, 0),
    order: Sequence[str] | None = None,
    swap_columns: bool = False,
    extra_sheet_first: bool = False,
    labels: Mapping[str, str] | None = None,
    raw: Mapping[tuple[str, str], Any] | None = None,
    formulas: Mapping[tuple[str, str], str] | None = None,
    hidden: Sequence[str] = (),
    spacer: bool = False,
    fmt: str = "xlsx",
) -> Path:
    """Write a return to `folder / name` and return its path.

    values: {code: (本月数, 累计数)}; codes not given take `default_values()`.
    filed: text goes into the 填报单位 cell ("…  填报时间：2018年6月28日"); a date becomes
        "填报时间：" in the third column and a date cell in the fourth; None leaves the
        template's "填报时间：    年  月  日".
    month_field: a "报告月份：" line (label in A, value in B) between 填报单位 and the header.
    shift: (rows, columns) of blank space before the table.
    order: indicator codes in form order; a code left out is a missing row.
    swap_columns: header 项目|单位|累计数|本月数.
    extra_sheet_first: a '填表说明' sheet mentioning 本月数/累计数 before the form sheet.
    labels: {code: label text} instead of the official label.
    raw: {(code, "m" | "c"): cell value} written as is (text "12次", None for blank…).
    formulas: {(code, "m" | "c"): "=1+1"}, xlsx only; openpyxl stores no cached value.
    hidden: codes whose rows are hidden.
    spacer: a blank row after the header and a blank column between 单位 and the values.
    fmt: "xlsx" (openpyxl), "xls" (xlwt, BIFF8) or "ods"; the content, whatever `name` says.
    """
    values = {**default_values(), **(values or {})}
    labels, raw, formulas = labels or {}, raw or {}, formulas or {}
    grid = _Grid(shift)
    gap = 1 if spacer else 0
    last = 4 + gap
    value_cols = {"m": last, "c": last - 1} if swap_columns else {"m": last - 1, "c": last}
    grid.put(1, 1, TITLE)
    grid.merge(1, 1, last)
    unit_line = f"填报单位（盖章）：{unit}"
    if isinstance(filed, date):
        grid.put(2, 1, unit_line)
        grid.put(2, last - 1, "填报时间：")
        grid.put(2, last, filed)
    else:
        grid.put(2, 1, f"{unit_line}{' ' * 10}填报时间：{filed or '    年  月  日'}")
        grid.merge(2, 1, last)
    row = 3
    if month_field is not None:
        grid.put(row, 1, "报告月份：")
        grid.put(row, 2, month_field)
        row += 1
    grid.put(row, 1, "项目")
    grid.put(row, 2, "单位")
    grid.put(row, value_cols["m"], "本月数")
    grid.put(row, value_cols["c"], "累计数")
    row += 1 + gap
    by_code = {i.code: i for i in INDICATORS}
    for code in CODES if order is None else order:
        grid.put(row, 1, labels.get(code, by_code[code].label))
        grid.put(row, 2, by_code[code].unit)
        for key, col in value_cols.items():
            cell = (code, key)
            if cell in formulas:
                grid.put(row, col, formulas[cell])
            elif cell in raw:
                grid.put(row, col, raw[cell])
            else:
                grid.put(row, col, _number(values[code][0 if key == "m" else 1]))
        if code in hidden:
            grid.hide(row)
        row += 1
    grid.put(row, 1, FOOTNOTE)
    grid.merge(row, 1, last)
    sheets = [("填表说明", _intro()), ("月报表", grid)] if extra_sheet_first else [("Sheet1", grid)]
    path = Path(folder) / name
    {"xlsx": _save_xlsx, "xls": _save_xls, "ods": _save_ods}[fmt](sheets, path)
    return path


class _Grid:
    """One sheet's cells by 1-based (row, column), with merges and hidden rows."""

    def __init__(self, shift: tuple[int, int] = (0, 0)):
        self.row0, self.col0 = shift
        self.cells: dict[tuple[int, int], Any] = {}
        self.merges: list[tuple[int, int, int]] = []  # (row, first column, last column)
        self.hidden: set[int] = set()

    def put(self, row: int, col: int, value: Any) -> None:
        """Write at a position relative to the table's top-left corner (1, 1)."""
        self.cells[(self.row0 + row, self.col0 + col)] = value

    def merge(self, row: int, first: int, last: int) -> None:
        self.merges.append((self.row0 + row, self.col0 + first, self.col0 + last))

    def hide(self, row: int) -> None:
        self.hidden.add(self.row0 + row)


def _number(value: Any) -> int | float:
    """Cells hold numbers the way Excel does: whole numbers as int, the rest as float."""
    number = Decimal(str(value))
    return int(number) if number == number.to_integral_value() else float(number)


def _intro() -> _Grid:
    grid = _Grid()
    for row, text in enumerate(INTRO, start=1):
        grid.put(row, 1, text)
    return grid


def _save_xlsx(sheets: list[tuple[str, _Grid]], path: Path) -> None:
    import openpyxl

    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for title, grid in sheets:
        sheet = workbook.create_sheet(title)
        for (row, col), value in grid.cells.items():
            sheet.cell(row, col, value)
            if isinstance(value, date):
                sheet.cell(row, col).number_format = 'yyyy"年"m"月"d"日"'
        for row, first, last in grid.merges:
            sheet.merge_cells(start_row=row, start_column=first, end_row=row, end_column=last)
        for row in grid.hidden:
            sheet.row_dimensions[row].hidden = True
    workbook.save(path)


def _save_xls(sheets: list[tuple[str, _Grid]], path: Path) -> None:
    import xlwt

    workbook = xlwt.Workbook(encoding="utf-8")
    date_style = xlwt.easyxf(num_format_str="yyyy-mm-dd")
    for title, grid in sheets:
        sheet = workbook.add_sheet(title)
        merged = {(row, first): last for row, first, last in grid.merges}
        for (row, col), value in grid.cells.items():
            if isinstance(value, str) and value.startswith("="):
                raise ValueError("formulas are only written to xlsx (xlwt stores no value)")
            style = date_style if isinstance(value, date) else xlwt.Style.default_style
            if (row, col) in merged:
                sheet.write_merge(row - 1, row - 1, col - 1, merged[(row, col)] - 1, value, style)
            elif value is not None:
                sheet.write(row - 1, col - 1, value, style)
        for row in grid.hidden:
            sheet.row(row - 1).hidden = True
    workbook.save(str(path))


_ODS = "urn:oasis:names:tc:opendocument:xmlns"
_ODS_TYPE = "application/vnd.oasis.opendocument.spreadsheet"


def _save_ods(sheets: list[tuple[str, _Grid]], path: Path) -> None:
    """A minimal OpenDocument spreadsheet (what calamine needs, no styles or merges)."""
    tables = []
    for title, grid in sheets:
        rows = []
        last_row = max(r for r, _ in grid.cells)
        last_col = max(c for _, c in grid.cells)
        for r in range(1, last_row + 1):
            cells = "".join(_ods_cell(grid.cells.get((r, c))) for c in range(1, last_col + 1))
            hidden = ' table:visibility="collapse"' if r in grid.hidden else ""
            rows.append(f"<table:table-row{hidden}>{cells}</table:table-row>")
        tables.append(f'<table:table table:name="{escape(title)}">{"".join(rows)}</table:table>')
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<office:document-content xmlns:office="{_ODS}:office:1.0" '
        f'xmlns:table="{_ODS}:table:1.0" xmlns:text="{_ODS}:text:1.0" office:version="1.2">'
        f"<office:body><office:spreadsheet>{''.join(tables)}</office:spreadsheet></office:body>"
        "</office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<manifest:manifest xmlns:manifest="{_ODS}:manifest:1.0" manifest:version="1.2">'
        f'<manifest:file-entry manifest:full-path="/" manifest:media-type="{_ODS_TYPE}"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("mimetype", _ODS_TYPE, compress_type=zipfile.ZIP_STORED)
        archive.writestr("META-INF/manifest.xml", manifest)
        archive.writestr("content.xml", content)


def _ods_cell(value: Any) -> str:
    if value is None:
        return "<table:table-cell/>"
    if isinstance(value, datetime | date):
        day = value.date() if isinstance(value, datetime) else value
        return (f'<table:table-cell office:value-type="date" office:date-value="{day}">'
                f"<text:p>{day}</text:p></table:table-cell>")  # fmt: skip
    if isinstance(value, int | float) and not isinstance(value, bool):
        return (f'<table:table-cell office:value-type="float" office:value="{value}">'
                f"<text:p>{value}</text:p></table:table-cell>")  # fmt: skip
    return f'<table:table-cell office:value-type="string"><text:p>{escape(str(value))}</text:p></table:table-cell>'


def store_return(
    session: Any,
    unit: str,
    month: str,
    received: datetime,
    figures: Mapping[str, Any] | None = None,
    earlier: Mapping[str, Any] | None = None,
    status: str = "accepted",
    finding_codes: Sequence[str] = (),
) -> Any:
    """Put a return straight into the database as the importer would, without a file: a
    version of the unit's month in received order (an accepted one current if received
    last). figures: 本月数 by code (others 0); earlier: 累计数 − 本月数 by code (others 0)."""
    import uuid

    from sqlmodel import select

    from qzfsg.findings import CATALOGUE
    from qzfsg.models import Finding, Submission, Value
    from qzfsg.queries.returns import renumber
    from qzfsg.registry import get_unit

    unit_row = get_unit(session, unit)
    before = session.exec(
        select(Submission).where(Submission.unit_id == unit_row.id, Submission.month == month)
    ).all()
    row = Submission(
        unit_id=unit_row.id, month=month, received_at=received,
        source_name=f"{unit}{month}v{len(before) + 1}.xlsx", sha256=uuid.uuid4().hex,
        archive_path="archive", status=status, version=len(before) + 1,
        superseded=status == "accepted", imported_at=received,
    )  # fmt: skip
    session.add(row)
    session.flush()
    renumber(session, unit_row.id, month)
    session.expire_all()
    if status == "accepted":
        figures, earlier = figures or {}, earlier or {}
        for code in CODES:
            month_value = Decimal(str(figures.get(code, 0)))
            session.add(
                Value(submission_id=row.id, indicator_code=code, month_value=month_value,
                      cumulative_value=month_value + Decimal(str(earlier.get(code, 0))))
            )  # fmt: skip
    for code in finding_codes:
        session.add(
            Finding(submission_id=row.id, code=code, severity=CATALOGUE[code][0], message=code)
        )
    session.flush()
    return row
