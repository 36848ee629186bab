"""What every workbook qzfsg writes shares: the office's look, safe text, safe file names,
A4 page setup and saving. Only the `workbooks` package imports openpyxl."""

from __future__ import annotations

import io
import zipfile
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.workbook import Workbook
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.worksheet import Worksheet

from qzfsg.errors import QzfsgError

FONT = "宋体"
TITLE_FONT = "黑体"
THIN = Side(style="thin", color="000000")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
LEFT = Alignment(horizontal="left", vertical="center", wrap_text=True)
RIGHT = Alignment(horizontal="right", vertical="center")
INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")  # pale yellow: type here
GIVEN_FILL = PatternFill("solid", fgColor="EDEDED")  # grey: filled in by the office
SUBTOTAL_FILL = PatternFill("solid", fgColor="DDEBF7")
WHOLE_FORMAT = "0"
MONEY_FORMAT = "0.00##"  # 万元 with up to 4 places (1 元), at least 2 shown
# A cell starting with one of these is taken as a formula by Excel, LibreOffice or WPS.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")


def font(size: float = 11, bold: bool = False, name: str = FONT) -> Font:
    return Font(name=name, size=size, bold=bold)


def put(sheet: Worksheet, row: int, column: int, value: Any, **style: Any) -> Any:
    """Write one cell. Text is always text: a value that came from a spreadsheet or the
    clerk and starts like a formula is stored as a string with Excel's quote prefix,
    so it is shown, never evaluated. Decimals are written as numbers."""
    cell = sheet.cell(row, column)
    if isinstance(value, Decimal):
        value = int(value) if value == value.to_integral_value() else float(value)
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"
        if value.startswith(FORMULA_STARTS):
            cell.quotePrefix = True
    for name, setting in style.items():
        setattr(cell, name, setting)
    return cell


def put_formula(sheet: Worksheet, row: int, column: int, formula: str, **style: Any) -> Any:
    """A formula of our own making (never text from outside)."""
    cell = sheet.cell(row, column)
    cell.value = formula
    for name, setting in style.items():
        setattr(cell, name, setting)
    return cell


def merge(sheet: Worksheet, row: int, first: int, last: int, rows: int = 1) -> None:
    if last > first or rows > 1:
        sheet.merge_cells(
            start_row=row, start_column=first, end_row=row + rows - 1, end_column=last
        )


def box(sheet: Worksheet, top: int, left: int, bottom: int, right: int) -> None:
    """Thin borders on every cell of a block (merged cells included, so they print)."""
    for row in sheet.iter_rows(min_row=top, max_row=bottom, min_col=left, max_col=right):
        for cell in row:
            cell.border = BORDER


def number_format(decimals: int) -> str:
    return MONEY_FORMAT if decimals else WHOLE_FORMAT


def set_widths(sheet: Worksheet, widths: dict[str, float]) -> None:
    for letter, width in widths.items():
        sheet.column_dimensions[letter].width = width


def a4_page(
    sheet: Worksheet, *, landscape: bool = False, one_page: bool = True, title_rows: str = ""
) -> None:
    """A4, centred, fitted to the page width (and to one page tall when `one_page`)."""
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.orientation = "landscape" if landscape else "portrait"
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 1 if one_page else 0
    sheet.print_options.horizontalCentered = True
    sheet.page_margins = PageMargins(left=0.5, right=0.5, top=0.7, bottom=0.7)
    if title_rows:
        sheet.print_title_rows = title_rows
    sheet.print_area = f"A1:{sheet.cell(sheet.max_row, sheet.max_column).coordinate}"


def new_workbook(title: str) -> Workbook:
    workbook = Workbook()
    workbook.properties.creator = "汨罗市安委办"
    workbook.properties.title = title
    return workbook


def save(workbook: Workbook, path: Path, stamp: datetime | None = None) -> Path:
    """Save `workbook` at `path`. With `stamp`, reproducibly: the document's created and
    modified times and every zip entry's time are `stamp`, so the same content gives the
    same bytes (openpyxl writes the current time into docProps/core.xml and the zip)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if stamp is None:
            workbook.save(path)
        else:
            path.write_bytes(_stamped(workbook, stamp))
    except PermissionError:
        raise QzfsgError(
            f"无法写入“{path}”：文件可能正在 Excel/WPS 中打开，请关闭后重试。"
        ) from None
    except OSError as exc:
        raise QzfsgError(f"无法写入“{path}”：{exc.strerror or exc}。") from None
    return path


def _stamped(workbook: Workbook, stamp: datetime) -> bytes:
    from openpyxl.writer.excel import ExcelWriter

    workbook.properties.created = workbook.properties.modified = stamp
    written = io.BytesIO()
    ExcelWriter(workbook, zipfile.ZipFile(written, "w", zipfile.ZIP_DEFLATED)).save()
    out = io.BytesIO()
    with zipfile.ZipFile(written) as source, zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            entry = zipfile.ZipInfo(item.filename, date_time=stamp.timetuple()[:6])
            entry.compress_type, entry.external_attr = zipfile.ZIP_DEFLATED, item.external_attr
            target.writestr(entry, source.read(item))
    return out.getvalue()
