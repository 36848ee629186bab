"""The city's consolidated 附件1, in the layout the units' returns come in, plus the
per-unit breakdown behind it."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from qzfsg.consolidation import CityReturn, Figures, UnitRow, explain_consistency
from qzfsg.kinds import KIND_LABELS
from qzfsg.months import Month
from qzfsg.notices import OFFICE
from qzfsg.workbooks.common import (
    CENTER,
    LEFT,
    SUBTOTAL_FILL,
    TITLE_FONT,
    a4_page,
    box,
    font,
    merge,
    new_workbook,
    number_format,
    put,
    save,
    set_widths,
)

TITLE = "安全监管“强执法防事故”行动情况月报表"
FOOTNOTES = (
    "注：1. 本表每月月底前向市安委办报送（与安全生产行政执法情况月报表一同报送）。",
    "　　2. 典型案例情况另附材料一月一报。",
)
HEADER = ("项   目", "单位", "本月数", "累计数")
KIND_TOTALS = {"town": "镇（园区）小计", "department": "部门小计"}


def write_report(
    city: CityReturn,
    units: list[UnitRow],
    path: Path,
    filed_on: date,
    stamp: datetime | None = None,
) -> Path:
    """Write the city's return for one month to `path` (.xlsx), with the breakdown of
    `units` (`consolidation.breakdown`); with `stamp`, the same bytes every time (see
    workbooks.common.save)."""
    month = Month.parse(city.month)
    workbook = new_workbook(f"{month.label}{TITLE}")
    form = workbook.active
    form.title = "月报表"
    _form_sheet(form, city, month, filed_on)
    _breakdown_sheet(workbook.create_sheet("分单位明细"), city, units, month)
    return save(workbook, path, stamp)


def _form_sheet(sheet: Worksheet, city: CityReturn, month: Month, filed_on: date) -> None:
    put(sheet, 1, 1, TITLE, font=font(18, name=TITLE_FONT), alignment=CENTER)
    merge(sheet, 1, 1, 4)
    sheet.row_dimensions[1].height = 40
    put(sheet, 2, 1, f"填报单位（盖章）：{OFFICE}", font=font(11), alignment=LEFT)
    merge(sheet, 2, 1, 2)
    filed = f"填报时间：{filed_on.year}年{filed_on.month}月{filed_on.day}日"
    put(sheet, 2, 3, filed, font=font(11), alignment=LEFT)
    merge(sheet, 2, 3, 4)
    put(sheet, 3, 1, f"报告月份：{month.label}", font=font(11), alignment=LEFT)
    merge(sheet, 3, 1, 4)
    sheet.row_dimensions[2].height = sheet.row_dimensions[3].height = 22
    for column, label in enumerate(HEADER, start=1):
        put(sheet, 4, column, label, font=font(12, bold=True), alignment=CENTER)
    row = 5
    for indicator in city.indicators:
        totals = city.totals[indicator.code]
        put(sheet, row, 1, indicator.label, font=font(11), alignment=LEFT)
        put(sheet, row, 2, indicator.unit, font=font(11), alignment=CENTER)
        for column, value in ((3, totals.month), (4, totals.cumulative)):
            put(
                sheet,
                row,
                column,
                value,
                font=font(11),
                alignment=CENTER,
                number_format=number_format(indicator.decimals),
            )
        sheet.row_dimensions[row].height = 30
        row += 1
    box(sheet, 4, 1, row - 1, 4)
    put(sheet, row, 1, "\n".join(FOOTNOTES), font=font(10), alignment=LEFT)
    merge(sheet, row, 1, 4)
    sheet.row_dimensions[row].height = 36
    coverage = (
        f"说明：本表汇总全市 {city.units_reported} 个单位的月报表（应报 {city.units_expected} 个"
        + (f"，未报 {len(city.missing)} 个，名单见“分单位明细”表" if city.missing else "，全部报齐")
        + "）。"
    )
    put(sheet, row + 1, 1, coverage, font=font(10), alignment=LEFT)
    merge(sheet, row + 1, 1, 4)
    sheet.row_dimensions[row + 1].height = 30
    set_widths(sheet, {"A": 46, "B": 10, "C": 15, "D": 15})
    a4_page(sheet)


def _breakdown_sheet(
    sheet: Worksheet, city: CityReturn, units: list[UnitRow], month: Month
) -> None:
    width = 3 + 2 * len(city.indicators)
    put(sheet, 1, 1, f"汨罗市{month.label}各单位月报数据明细", font=font(16, name=TITLE_FONT))
    sheet.cell(1, 1).alignment = CENTER
    merge(sheet, 1, 1, width)
    sheet.row_dimensions[1].height = 32
    coverage = f"应报 {city.units_expected} 个单位，已报 {city.units_reported} 个"
    coverage += f"，未报 {len(city.missing)} 个。" if city.missing else "，全部报齐。"
    put(sheet, 2, 1, coverage, font=font(11), alignment=LEFT)
    merge(sheet, 2, 1, width)
    for column, label in enumerate(("单位", "类别", "状态"), start=1):
        put(sheet, 3, column, label, font=font(11, bold=True), alignment=CENTER)
        merge(sheet, 3, column, column, rows=2)
    for k, indicator in enumerate(city.indicators):
        column = 4 + 2 * k
        label = f"{indicator.label}（{indicator.unit}）"
        put(sheet, 3, column, label, font=font(9, bold=True), alignment=CENTER)
        merge(sheet, 3, column, column + 1)
        put(sheet, 4, column, "本月数", font=font(9, bold=True), alignment=CENTER)
        put(sheet, 4, column + 1, "累计数", font=font(9, bold=True), alignment=CENTER)
    sheet.row_dimensions[3].height = 72
    row = 5
    for kind in ("town", "department"):
        for unit in (u for u in units if u.kind == kind):
            status = "已报" if unit.reported else ("未报" if unit.expected else "")
            _unit_row(sheet, row, city, unit.unit, KIND_LABELS[kind], status, unit.values)
            row += 1
        _unit_row(sheet, row, city, KIND_TOTALS[kind], "", "", city.subtotals[kind], total=True)
        row += 1
    _unit_row(sheet, row, city, "全市合计", "", "", city.totals, total=True)
    box(sheet, 3, 1, row, width)
    row += 1
    notes = []
    if city.missing:
        notes.append(f"未报单位：{'、'.join(city.missing)}。")
    if city.unexpected:
        notes.append(
            f"不在本月应报范围、但报了表并已计入合计的单位：{'、'.join(city.unexpected)}。"
        )
    notes.extend(explain_consistency(city))
    for line in notes:
        put(sheet, row, 1, line, font=font(10), alignment=LEFT)
        merge(sheet, row, 1, width)
        sheet.row_dimensions[row].height = 15 * (1 + len(line) // 120)
        row += 1
    widths = {"A": 22, "B": 6, "C": 6}
    widths |= {get_column_letter(c): 9 for c in range(4, width + 1)}
    set_widths(sheet, widths)
    sheet.freeze_panes = "D5"
    a4_page(sheet, landscape=True, one_page=False, title_rows="3:4")


def _unit_row(
    sheet: Worksheet,
    row: int,
    city: CityReturn,
    name: str,
    kind: str,
    status: str,
    values: dict[str, Figures],
    total: bool = False,
) -> None:
    style = {"font": font(10, bold=total)}
    if total:
        style["fill"] = SUBTOTAL_FILL
    put(sheet, row, 1, name, alignment=LEFT, **style)
    put(sheet, row, 2, kind, alignment=CENTER, **style)
    put(sheet, row, 3, status, alignment=CENTER, **style)
    for k, indicator in enumerate(city.indicators):
        figures = values.get(indicator.code)
        for offset, value in enumerate((figures.month, figures.cumulative) if figures else ()):
            put(
                sheet,
                row,
                4 + 2 * k + offset,
                value,
                alignment=CENTER,
                number_format=number_format(indicator.decimals),
                **style,
            )
