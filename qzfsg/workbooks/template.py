"""Blank returns to send to the units: the 附件1 layout with the unit and 报告月份 filled
in, 本月数 the only cells a unit can type in, and 累计数 computed from last month's.

Column C (本月数) and D (累计数) stay where they are on the issued form, so that the cells
named in the office's findings ("D8") mean the same on a template. Last month's 累计数
goes to a labelled column E, which the reader ignores (its header is neither 本月数 nor
累计数). 累计数 = E + C is a formula: a unit only types this month's numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from openpyxl.styles import Protection
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from qzfsg.consolidation import IndicatorInfo
from qzfsg.filenames import inside, safe_filename
from qzfsg.months import Month
from qzfsg.templates import TemplateReturn
from qzfsg.workbooks.common import (
    CENTER,
    GIVEN_FILL,
    INPUT_FILL,
    LEFT,
    TITLE_FONT,
    a4_page,
    box,
    font,
    merge,
    new_workbook,
    number_format,
    put,
    put_formula,
)
from qzfsg.workbooks.common import save as save_workbook
from qzfsg.workbooks.report import FOOTNOTES, TITLE

MONTH_COL, CUMULATIVE_COL, PREVIOUS_COL = 3, 4, 5
FIRST_ROW = 5  # the first indicator row; the header is on row 4
UNLOCKED = Protection(locked=False)


def template_filename(unit: str, month: Month) -> str:
    """归义镇-2018年6月-月报表.xlsx"""
    return f"{safe_filename(unit)}-{month.label}-月报表.xlsx"


def template_paths(returns: Sequence[TemplateReturn], folder: Path) -> list[Path]:
    """Where each unit's blank return goes in `folder`, in the same order (known before
    anything is written, so that existing files can be refused first)."""
    paths: list[Path] = []
    for item in returns:
        name = template_filename(item.unit, Month.parse(item.month))
        stem, n = name.removesuffix(".xlsx"), 2
        while inside(folder, name) in paths:  # two names differing only in dropped characters
            name, n = f"{stem}（{n}）.xlsx", n + 1
        paths.append(inside(folder, name))
    return paths


def write_templates(
    returns: Sequence[TemplateReturn], indicators: Sequence[IndicatorInfo], paths: Sequence[Path]
) -> list[Path]:
    """One blank return per unit, at `paths` (template_paths); the paths written."""
    return [
        write_template(item, indicators, path) for item, path in zip(returns, paths, strict=True)
    ]


def write_template(item: TemplateReturn, indicators: Sequence[IndicatorInfo], path: Path) -> Path:
    month = Month.parse(item.month)
    workbook = new_workbook(f"{item.unit}{month.label}{TITLE}")
    sheet = workbook.active
    sheet.title = "月报表"
    _fill(sheet, item, month, indicators)
    # Excel and WPS compute the 累计数 formulas when the file is opened.
    workbook.calculation.fullCalcOnLoad = True
    return save_workbook(workbook, path)


def _fill(
    sheet: Worksheet, item: TemplateReturn, month: Month, indicators: Sequence[IndicatorInfo]
) -> None:
    last = PREVIOUS_COL
    put(sheet, 1, 1, TITLE, font=font(18, name=TITLE_FONT), alignment=CENTER)
    merge(sheet, 1, 1, last)
    sheet.row_dimensions[1].height = 40
    put(sheet, 2, 1, f"填报单位（盖章）：{item.unit}", font=font(11), alignment=LEFT)
    merge(sheet, 2, 1, 2)
    filed = put(sheet, 2, 3, "填报时间：      年    月    日", font=font(11), alignment=LEFT)
    filed.protection = UNLOCKED  # the unit writes the date it fills the return in
    merge(sheet, 2, 3, last)
    put(sheet, 3, 1, f"报告月份：{month.label}", font=font(11), alignment=LEFT)
    merge(sheet, 3, 1, last)
    sheet.row_dimensions[2].height = sheet.row_dimensions[3].height = 22
    previous_label = f"上月累计数\n（{month.previous().label}）"
    header = ("项   目", "单位", "本月数", "累计数", previous_label)
    for column, label in enumerate(header, start=1):
        put(sheet, 4, column, label, font=font(12, bold=True), alignment=CENTER)
    sheet.row_dimensions[4].height = 34
    whole = _validation("whole", "0", "请填写不小于 0 的整数；没有发生的填 0 或留空。")
    money = _validation(
        "custom",
        None,
        "经济处罚以万元为单位，请填写不小于 0 的数，最多 4 位小数（精确到 1 元）。",
    )
    sheet.add_data_validation(whole)
    sheet.add_data_validation(money)
    unknown = item.previous is None
    for row, indicator in enumerate(indicators, start=FIRST_ROW):
        number = number_format(indicator.decimals)
        put(sheet, row, 1, indicator.label, font=font(11), alignment=LEFT)
        put(sheet, row, 2, indicator.unit, font=font(11), alignment=CENTER)
        entry = sheet.cell(row, MONTH_COL)
        entry.font, entry.alignment, entry.number_format = font(11), CENTER, number
        entry.fill, entry.protection = INPUT_FILL, UNLOCKED
        c, e = f"C{row}", f"E{row}"
        if indicator.decimals:
            # ROUND keeps 0.35 + 0.25 from being stored as 0.6000000000000001.
            formula = f"=ROUND({e}+{c},{indicator.decimals})"
            money.formula1 = f"AND(ISNUMBER({c}),{c}>=0,ROUND({c},{indicator.decimals})={c})"
            money.add(c)
        else:
            formula = f"={e}+{c}"
            whole.add(c)
        put_formula(
            sheet,
            row,
            CUMULATIVE_COL,
            formula,
            font=font(11),
            alignment=CENTER,
            number_format=number,
        )
        previous = sheet.cell(row, PREVIOUS_COL)
        previous.font, previous.alignment, previous.number_format = font(11), CENTER, number
        if unknown:
            # Last month's return is not on file: the unit writes its own 累计数 there.
            previous.fill, previous.protection = INPUT_FILL, UNLOCKED
            (whole if not indicator.decimals else money).add(e)
        else:
            put(sheet, row, PREVIOUS_COL, item.previous.get(indicator.code, 0))
            previous.fill = GIVEN_FILL
        sheet.row_dimensions[row].height = 30
    end = FIRST_ROW + len(indicators) - 1
    box(sheet, 4, 1, end, last)
    put(sheet, end + 1, 1, "\n".join(FOOTNOTES), font=font(10), alignment=LEFT)
    merge(sheet, end + 1, 1, last)
    sheet.row_dimensions[end + 1].height = 36
    put(sheet, end + 2, 1, _instructions(item, month), font=font(10), alignment=LEFT)
    merge(sheet, end + 2, 1, last)
    sheet.row_dimensions[end + 2].height = 80
    for letter, width in {"A": 44, "B": 9, "C": 13, "D": 13, "E": 15}.items():
        sheet.column_dimensions[letter].width = width
    sheet.protection.sheet = True  # no password: it guards the layout, not a secret
    a4_page(sheet)


def _validation(kind: str, minimum: str | None, message: str) -> DataValidation:
    rule = DataValidation(
        type=kind,
        operator="greaterThanOrEqual" if kind != "custom" else None,
        formula1=minimum,
        allow_blank=True,
        showErrorMessage=True,
        showInputMessage=True,
        errorStyle="stop",
        errorTitle="数字不符合要求",
        error=message,
        promptTitle="本月数",
        prompt=message,
    )
    return rule


def _instructions(item: TemplateReturn, month: Month) -> str:
    previous = month.previous().label
    lines = [
        "填写说明：只需在黄色格内填写本月数（C 列），没有发生的填 0 或留空；"
        "累计数（D 列）= 上月累计数（E 列）+ 本月数，自动计算。"
    ]
    if item.first_month:
        lines.append(f"{month.label}是行动首月，上月累计数为 0，累计数即本月数。")
    elif item.previous is None:
        lines.append(
            f"市安委办尚未收到你单位{previous}的报表，请在 E 列（黄色格）填写{previous}的累计数。"
        )
    elif item.previous_under_review:
        lines.append(
            f"E 列为市安委办已收录的你单位{previous}累计数；该月报表尚有需要核实的问题"
            f"（见核实提醒），如{previous}的数字有更正，请先重新报送{previous}报表，"
            "并按更正后的累计数填写本表。"
        )
    else:
        lines.append(f"E 列为市安委办已收录的你单位{previous}累计数；如有出入请与市安委办联系。")
    lines.append("表格已设保护（无密码），请勿改动表格格式；填好后保存为 .xlsx 发回。")
    return "\n".join(lines)
