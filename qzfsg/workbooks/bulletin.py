"""The 通报 (monthly), 讲评 (quarterly) and 总排名 (year-end) workbook: one sheet per league
with its bar chart, the late and missing returns, and the city totals."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from openpyxl.chart import BarChart, Reference
from openpyxl.chart.label import DataLabelList
from openpyxl.worksheet.worksheet import Worksheet

from qzfsg.bulletin import (
    LEAGUE_HEADER,
    Bulletin,
    bulletin_title,
    change_text,
    late_text,
    method_text,
    score_text,
    status_text,
    totals_header,
    totals_values,
)
from qzfsg.consolidation import months_text
from qzfsg.kinds import KIND_LABELS
from qzfsg.months import Month, day_label
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

SCORE_FORMAT = "0.0"


def write_bulletin(bulletin: Bulletin, path: Path) -> Path:
    workbook = new_workbook(bulletin_title(bulletin))
    first = True
    for kind, rows in bulletin.ranking.leagues.items():
        sheet = workbook.active if first else workbook.create_sheet()
        sheet.title = f"{KIND_LABELS[kind]}排名"
        _league_sheet(sheet, bulletin, kind, rows)
        first = False
    _late_sheet(workbook.create_sheet("迟报未报"), bulletin)
    _totals_sheet(workbook.create_sheet("全市汇总"), bulletin)
    return save(workbook, path)


def _heading(sheet: Worksheet, title: str, subtitle: str, width: int) -> None:
    put(sheet, 1, 1, title, font=font(16, name=TITLE_FONT), alignment=CENTER)
    merge(sheet, 1, 1, width)
    sheet.row_dimensions[1].height = 36
    put(sheet, 2, 1, subtitle, font=font(10), alignment=CENTER)
    merge(sheet, 2, 1, width)


def _issued(bulletin: Bulletin) -> str:
    return f"{OFFICE}　{day_label(bulletin.as_of)}"


def _points(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _league_sheet(sheet: Worksheet, bulletin: Bulletin, kind: str, rows: list) -> None:
    width = len(LEAGUE_HEADER)
    ranked = [r for r in rows if r.rank is not None]
    _heading(
        sheet,
        f"{bulletin_title(bulletin)} · {KIND_LABELS[kind]}",
        f"{_issued(bulletin)}　共 {len(rows)} 个单位，参与排名 {len(ranked)} 个",
        width,
    )
    header = 3
    for column, label in enumerate(LEAGUE_HEADER, start=1):
        put(sheet, header, column, label, font=font(11, bold=True), alignment=CENTER)
    row_number = header
    for row in rows:
        row_number += 1
        parts = row.components
        values = [
            row.rank if row.rank is not None else "—",
            row.unit,
            _points(row.score) if row.score is not None else score_text(row),
            _points(parts.quantity) if parts else None,
            _points(parts.increase) if parts else None,
            _points(parts.quality) if parts else None,
            -float(row.deduction) if row.deduction else None,
            change_text(row.change),
            status_text(row),
        ]
        for column, value in enumerate(values, start=1):
            cell = put(sheet, row_number, column, value, font=font(10, bold=column == 3))
            cell.alignment = LEFT if column == 2 else CENTER
            if isinstance(value, float):
                cell.number_format = SCORE_FORMAT
    box(sheet, header, 1, row_number, width)
    note_row = row_number + 1
    put(sheet, note_row, 1, method_text(bulletin), font=font(9), alignment=LEFT)
    merge(sheet, note_row, 1, width)
    sheet.row_dimensions[note_row].height = 45
    set_widths(
        sheet,
        {"A": 6, "B": 24, "C": 8, "D": 8, "E": 8, "F": 8, "G": 9, "H": 7, "I": 16},
    )
    if ranked:
        _chart(sheet, kind, header, len(ranked), note_row + 2, bulletin.label)
    a4_page(sheet, one_page=False, title_rows=f"{header}:{header}")
    sheet.print_area = f"A1:I{note_row + 2 + _chart_rows(len(ranked))}"


def _chart_rows(bars: int) -> int:
    return max(12, bars + 4) if bars else 0


def _chart(sheet: Worksheet, kind: str, header: int, bars: int, anchor: int, label: str) -> None:
    """A horizontal bar chart of the ranked units' scores, first place on top."""
    chart = BarChart()
    chart.type = "bar"
    chart.style = 10
    chart.title = f"{label}{KIND_LABELS[kind]}总分"
    chart.legend = None
    data = Reference(sheet, min_col=3, min_row=header, max_row=header + bars)
    names = Reference(sheet, min_col=2, min_row=header + 1, max_row=header + bars)
    chart.add_data(data, titles_from_data=True)
    chart.set_categories(names)
    chart.x_axis.scaling.orientation = "maxMin"  # rank 1 at the top
    chart.y_axis.scaling.min = 0
    chart.y_axis.scaling.max = 100
    chart.y_axis.majorGridlines = None
    # Without these, newer Excel hides both axes of an openpyxl chart.
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    chart.y_axis.crosses = "max"  # the score axis at the bottom, under the last place
    labels = DataLabelList()
    labels.showVal = True
    labels.showSerName = labels.showCatName = labels.showLegendKey = False
    labels.showPercent = labels.showLeaderLines = False
    chart.series[0].dLbls = labels
    chart.width = 19  # cm: about the table's printed width
    chart.height = 0.55 * _chart_rows(bars)
    chart.gapWidth = 60
    sheet.add_chart(chart, f"A{anchor}")


def _late_sheet(sheet: Worksheet, bulletin: Bulletin) -> None:
    width = 5
    _heading(sheet, f"迟报、未报月报表的单位（{bulletin.label}）", _issued(bulletin), width)
    if bulletin.ranking.period_kind == "month":
        row = _late_by_return(sheet, bulletin, width)
    else:
        row = _late_by_unit(sheet, bulletin, width)
    row += 2
    put(sheet, row, 1, "连续迟报或未报的单位", font=font(12, bold=True), alignment=LEFT)
    merge(sheet, row, 1, width)
    row += 1
    top = row
    for column, label in enumerate(("单位", "类别", "最长连续月数", "迟报或未报的月份"), start=1):
        put(sheet, row, column, label, font=font(11, bold=True), alignment=CENTER)
    merge(sheet, row, 4, width)
    for item in bulletin.repeat_late:
        row += 1
        values = (
            item.unit,
            KIND_LABELS.get(item.kind, item.kind),
            item.longest_run,
            months_text(item.months),
        )
        for column, value in enumerate(values, start=1):
            alignment = LEFT if column in (1, 4) else CENTER
            put(sheet, row, column, value, font=font(10), alignment=alignment)
        merge(sheet, row, 4, width)
    if not bulletin.repeat_late:
        row += 1
        put(sheet, row, 1, "没有连续迟报或未报的单位。", font=font(10), alignment=CENTER)
        merge(sheet, row, 1, width)
    box(sheet, top, 1, row, width)
    set_widths(sheet, {"A": 26, "B": 8, "C": 14, "D": 14, "E": 24})
    a4_page(sheet, one_page=False, title_rows="3:3")


def _late_by_return(sheet: Worksheet, bulletin: Bulletin, width: int) -> int:
    """A month's 通报: one row per late or missing return, with its deadline."""
    row = 3
    for column, label in enumerate(("单位", "类别", "月份", "截止日期", "情况"), start=1):
        put(sheet, row, column, label, font=font(11, bold=True), alignment=CENTER)
    for item in bulletin.late:
        row += 1
        values = (
            item.unit,
            KIND_LABELS.get(item.kind, item.kind),
            Month.parse(item.month).label,
            item.due.isoformat(),
            late_text(item),
        )
        for column, value in enumerate(values, start=1):
            alignment = LEFT if column == 1 else CENTER
            put(sheet, row, column, value, font=font(10), alignment=alignment)
    if not bulletin.late:
        row += 1
        put(sheet, row, 1, "本期各单位均按时报送。", font=font(10), alignment=CENTER)
        merge(sheet, row, 1, width)
    box(sheet, 3, 1, row, width)
    return row


def _late_by_unit(sheet: Worksheet, bulletin: Bulletin, width: int) -> int:
    """A quarter or a year: one row per unit, its missing and its late months."""
    row = 3
    header = ("单位", "类别", "未报的月份", "", "迟报的月份（天数）")
    for column, label in enumerate(header, start=1):
        put(sheet, row, column, label, font=font(11, bold=True), alignment=CENTER)
    merge(sheet, row, 3, 4)
    units: dict[str, list] = {}
    for item in bulletin.late:
        units.setdefault(item.unit, []).append(item)
    for unit, items in units.items():
        row += 1
        missing = months_text([i.month for i in items if i.status == "missing"])
        late = "、".join(
            f"{Month.parse(i.month).month}月（{i.days_late}天）"
            for i in items
            if i.status == "late"
        )
        kind = KIND_LABELS.get(items[0].kind, items[0].kind)
        for column, value in ((1, unit), (2, kind), (3, missing), (5, late)):
            alignment = LEFT if column != 2 else CENTER
            put(sheet, row, column, value, font=font(10), alignment=alignment)
        merge(sheet, row, 3, 4)
    if not units:
        row += 1
        put(sheet, row, 1, "本期各单位均按时报送。", font=font(10), alignment=CENTER)
        merge(sheet, row, 1, width)
    box(sheet, 3, 1, row, width)
    return row


def _totals_sheet(sheet: Worksheet, bulletin: Bulletin) -> None:
    months = bulletin.months
    header = totals_header(bulletin)
    width = len(header)
    _heading(sheet, f"全市执法情况汇总（{bulletin.label}）", _issued(bulletin), width)
    for column, label in enumerate(header, start=1):
        put(sheet, 3, column, label, font=font(11, bold=True), alignment=CENTER)
    row = 3
    for indicator in bulletin.indicators:
        row += 1
        values = [indicator.label, indicator.unit, *totals_values(bulletin, indicator.code)]
        for column, value in enumerate(values, start=1):
            cell = put(sheet, row, column, value, font=font(10))
            cell.alignment = LEFT if column == 1 else CENTER
            if column > 2:
                cell.number_format = number_format(indicator.decimals)
    row += 1
    put(sheet, row, 1, "已报单位数 / 应报单位数", font=font(10, bold=True), alignment=LEFT)
    for k, month in enumerate(months):
        put(
            sheet,
            row,
            3 + k,
            f"{month.units_reported}/{month.units_expected}",
            font=font(10, bold=True),
            alignment=CENTER,
            fill=SUBTOTAL_FILL,
        )
    box(sheet, 3, 1, row, width)
    set_widths(sheet, {"A": 40, "B": 9})
    for k in range(len(header) - 2):
        sheet.column_dimensions[chr(ord("C") + k)].width = 12
    a4_page(sheet, landscape=len(months) > 4, title_rows="3:3")
