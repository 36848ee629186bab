"""From a received file to a checked return: read the form, parse its numbers, place it
(which unit, which month), apply the rules. Nothing here writes to the database."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from contextlib import suppress
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from qzfsg.campaign import Campaign
from qzfsg.defaults import IndicatorDef
from qzfsg.findings import finding
from qzfsg.inert import shown_name, shown_path
from qzfsg.months import LATE_FILING_LAST_DAY, Month
from qzfsg.names import Resolver
from qzfsg.reading.cells import parse_amount, parse_filed_date, parse_month_field
from qzfsg.reading.form import FormSheet, RawCell, read_return
from qzfsg.reading.returns import COLUMN_LABELS, CheckedReturn, Entry
from qzfsg.reading.rules import RuleContext, apply_rules
from qzfsg.reading.unreadable import UnreadableReturn

NOTE_TEXT = {
    "unit_suffix": "数字后带有单位",
    "full_width": "使用了全角数字",
    "thousands": "使用了千分位分隔符",
}


@dataclass
class Checker:
    """What checking needs, gathered once per run."""

    indicators: Sequence[IndicatorDef]
    resolver: Resolver
    campaign: Campaign
    today: date

    def __post_init__(self) -> None:
        self.by_code = {i.code: i for i in self.indicators}
        self.labels = {code: i.label for code, i in self.by_code.items()}

    def check(
        self,
        path: Path,
        unit: str | None = None,
        month: Month | None = None,
        data: bytes | None = None,
    ) -> CheckedReturn:
        """Read and check one file; `data` is its bytes if the caller has them already."""
        ret = CheckedReturn(file=shown_path(path))
        try:
            form = read_return(path, self.indicators, data)
        except UnreadableReturn as exc:
            return self.rejected(path, unit, month, exc)
        ret.sheet = form.sheet
        self._parse_entries(form, ret)
        self._place_unit(form, path, unit, ret)
        self._place_month(form, month, ret)
        if ret.unit and ret.month:
            # As if no other month were on file; qzfsg.versions applies the rules that read
            # the unit's stored months (HISTORY_RULES) again with them.
            context = RuleContext(self.by_code, self.campaign, self.today)
            ret.findings.extend(apply_rules(ret, context))
        return ret

    def rejected(
        self, path: Path, unit: str | None, month: Month | None, problem: UnreadableReturn
    ) -> CheckedReturn:
        """The return of a file that could not be read: only the problem, and the unit and
        month given for it (the unit told by the file name if none was)."""
        ret = CheckedReturn(file=shown_path(path), unit=unit or self._unit_from_name(path))
        ret.month = month
        ret.findings.append(finding(problem.code, str(problem)))
        return ret

    def entries_of(self, path: Path, data: bytes | None = None) -> CheckedReturn:
        """The numbers of a file checked before, read again (nothing placed, no findings):
        what qzfsg.versions needs to apply the rules that read other months once more."""
        ret = CheckedReturn(file=shown_path(path))
        with suppress(UnreadableReturn):
            self._parse_entries(read_return(path, self.indicators, data), ret)
        ret.findings = []
        return ret

    def _parse_entries(self, form: FormSheet, ret: CheckedReturn) -> None:
        labels = self.labels
        for code in form.missing:
            ret.findings.append(
                finding(
                    "missing_indicator",
                    f"表中找不到“{labels[code]}”这一行，请按模板补齐 11 项指标。",
                    indicator=code,
                )
            )
        formulas: list[str] = []
        for code, row in form.rows.items():
            month, cumulative = row.month, row.cumulative
            ret.entries[code] = Entry(
                month=self._parse_cell(month, code, "month", ret, formulas),
                cumulative=self._parse_cell(cumulative, code, "cumulative", ret, formulas),
                month_cell=month.cell,
                cumulative_cell=cumulative.cell,
            )
        if formulas:  # one cause, one finding: the file was never opened and saved
            ret.findings.append(
                finding(
                    "formula_no_value",
                    f"{'、'.join(formulas)} 是公式，但文件里没有它们的计算结果（文件由程序生成、"
                    "未经 Excel/WPS 打开保存）。请用 Excel 或 WPS 打开该表，保存后重新发送。",
                    cell=formulas[0],
                    cells=formulas,
                    expected="数字",
                )
            )

    def _parse_cell(
        self, cell: RawCell, code: str, column: str, ret: CheckedReturn, formulas: list[str]
    ) -> Decimal | None:
        """The cell's number; None (and its cell in `formulas`) for a formula without a
        value, None and a finding for what is not a number."""
        if cell.formula_without_value:
            formulas.append(cell.cell)
            return None
        amount = parse_amount(cell.value)
        if amount.error is None and not amount.notes:
            return amount.value
        where = f"“{self.labels[code]}”{COLUMN_LABELS[column]}（{cell.cell}）"
        if amount.error:
            ret.findings.append(
                finding(
                    "not_numeric",
                    f"{where}填的是“{clipped(str(cell.value))}”，不是数字；没有请填 0 或留空。",
                    indicator=code,
                    cell=cell.cell,
                    expected="数字",
                )
            )
            return None
        for note in amount.notes:
            ret.findings.append(
                finding(
                    note,
                    f"{where}写作“{clipped(str(cell.value))}”（{NOTE_TEXT[note]}），"
                    f"已按 {format(amount.value, 'f')} 读取。",
                    indicator=code,
                    cell=cell.cell,
                )
            )
        return amount.value

    def _place_unit(
        self, form: FormSheet, path: Path, unit: str | None, ret: CheckedReturn
    ) -> None:
        ret.unit_text = form.unit_text
        if form.unit_text and len(form.unit_text) > UNIT_TEXT_LIMIT:
            # Not a name: no stripping of suffixes until something matches, and only its
            # beginning is shown or kept.
            ret.unit_text = clipped(form.unit_text)
            ret.findings.append(
                finding(
                    "unit_too_long",
                    f"填报单位（{form.unit_cell}）写了 {len(form.unit_text)} 个字"
                    f"（“{clipped(form.unit_text, 20)}”），不是单位名称。"
                    "请只填写本单位的名称后重新发送。",
                    cell=form.unit_cell,
                    expected="单位名称",
                )
            )
            return
        found = self.resolver.resolve(form.unit_text)
        if unit:
            # --unit is for a form that names no unit, or none we know; a form that names
            # another registered unit is more likely a slip on the command line.
            ret.unit = unit
            if found.status == "resolved" and found.unit != unit:
                ret.unit = None  # not the --unit unit's return: it must not count as theirs
                ret.findings.append(
                    finding(
                        "unit_conflict",
                        f"表上填报单位（{form.unit_cell}）是 {found.unit}，而这份表是作为 {unit} 的报表"
                        f"收取的，两者不符，未录入。如确是 {unit} 的报表，请更正填报单位后重新报送。",
                        cell=form.unit_cell,
                        expected=unit,
                    )
                )
            return
        if found.status == "resolved":
            ret.unit = found.unit
            return
        cell = f"（{form.unit_cell}）" if form.unit_cell else ""
        if found.status != "empty":
            code = "ambiguous_unit" if found.status == "ambiguous" else "unknown_unit"
            ret.findings.append(
                finding(
                    code,
                    f"填报单位{cell}：{found.reason}。请填写本单位的规范名称，或由市安委办在名册中登记。",
                    cell=form.unit_cell,
                    expected="名册中的单位名称",
                )
            )
            return
        ret.unit = self._unit_from_name(path)
        if ret.unit:
            ret.findings.append(
                finding(
                    "unit_from_filename",
                    f"表上“填报单位”{cell}没有填写，按文件名“{shown_name(path)}”认定为 {ret.unit}；请以后填写并盖章。",
                    cell=form.unit_cell,
                )
            )
        else:
            ret.findings.append(
                finding(
                    "unit_missing",
                    f"表上“填报单位”{cell}没有填写，文件名“{shown_name(path)}”也看不出是哪个单位。"
                    "请填写单位名称后重新报送。",
                    cell=form.unit_cell,
                    expected="单位名称",
                )
            )

    def _unit_from_name(self, path: Path) -> str | None:
        found = self.resolver.find_in(shown_path(path.stem))
        return found[0] if len(found) == 1 else None

    def _month_from_field(self, form: FormSheet, filed: date | None, ret: CheckedReturn) -> None:
        """The 报告月份 field as written; "7月" alone takes the year of 填报时间 (or of the
        campaign). A field that cannot be read is an error, not a reason to guess."""
        cell = form.month_field_cell
        stated = parse_month_field(form.month_field)
        if stated is None and (number := month_without_year(form.month_field)):
            year = self.campaign.year
            if filed is not None:
                year = filed.year - 1 if number > filed.month else filed.year
            stated = Month(year, number)
            ret.findings.append(
                finding(
                    "month_inferred",
                    f"报告月份（{cell}）只写了“{form.month_field}”，认定为 {stated.label}。",
                    cell=cell,
                )
            )
        if stated is None:
            ret.findings.append(
                finding(
                    "month_unknown",
                    f"报告月份（{cell}）写的是“{clipped(str(form.month_field))}”，看不出是哪年哪月。"
                    "请写成“2018年7月”这样的年月后重新报送。",
                    cell=cell,
                    expected="YYYY年M月",
                )
            )
            return
        ret.month, ret.month_source = stated, "field"

    def _place_month(self, form: FormSheet, month: Month | None, ret: CheckedReturn) -> None:
        filed = parse_filed_date(form.filed)
        ret.filed_on = filed
        ret.filed_text = None if form.filed is None else clipped(str(form.filed))
        if month:
            ret.month, ret.month_source = month, "option"
            stated = parse_month_field(form.month_field)
            if stated is not None and stated != month:
                ret.findings.append(
                    finding(
                        "month_conflict",
                        f"表上报告月份（{form.month_field_cell}）是 {stated.label}，而这份表是作为"
                        f"{month.label}的报表收取的，两者不符，未录入。"
                        f"如确是{month.label}的报表，请更正报告月份后重新报送。",
                        cell=form.month_field_cell,
                        expected=str(month),
                    )
                )
            return
        if form.month_field not in (None, ""):
            self._month_from_field(form, filed, ret)
            return
        if filed:
            ret.month, ret.month_source = Month.filed_for(filed), "filed"
            ret.findings.append(
                finding(
                    "month_inferred",
                    f"表上没有报告月份，按填报时间 {filed:%Y-%m-%d} 认定为 {ret.month.label}"
                    f"（{LATE_FILING_LAST_DAY} 日及以前填报的算上月迟报）。",
                    cell=form.filed_cell,
                )
            )
            return
        written = f"（填的是“{clipped(str(form.filed))}”）" if form.filed not in (None, "") else ""
        ret.findings.append(
            finding(
                "month_unknown",
                f"无法确定报告月份：表上没有报告月份，填报时间{written}也没有填写完整的日期。"
                "请填写报告月份或填报时间后重新报送。",
                cell=form.filed_cell or form.month_field_cell,
                expected="填报时间 年 月 日",
            )
        )


# The longest registered name with city, seal and office suffix ("汨罗市归义镇人民政府安全生产
# 委员会办公室（盖章）") has about 25 characters; a 填报单位 of more than this is not a name.
UNIT_TEXT_LIMIT = 60


def clipped(text: str, limit: int = UNIT_TEXT_LIMIT) -> str:
    """The beginning of an overlong text, marked as cut."""
    return text if len(text) <= limit else f"{text[:limit]}…"


_MONTH_ONLY = re.compile(r"^\s*([0-9]{1,2}|十[一二]?|[一二三四五六七八九])\s*月份?\s*$")
_CHINESE_MONTHS = ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二"]


def month_without_year(value: object) -> int | None:
    """7 for "7月", "七月", "7月份"; None for anything else."""
    found = _MONTH_ONLY.match(unicodedata.normalize("NFKC", str(value)))
    if not found:
        return None
    text = found.group(1)
    number = int(text) if text.isdigit() else _CHINESE_MONTHS.index(text) + 1
    return number if 1 <= number <= 12 else None


def standalone_checker(today: date) -> Checker:
    """A checker for `qzfsg validate` without a database: the default registry and
    calendar from data/, and no stored months to compare with."""
    from qzfsg.defaults import load_calendar, load_indicators, load_units

    units = load_units()
    return Checker(
        indicators=load_indicators(),
        resolver=Resolver((u.name, u.aliases) for u in units),
        campaign=Campaign.from_calendar(load_calendar()),
        today=today,
    )
