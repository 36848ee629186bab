"""Findings are values: what is wrong (or worth a note) in a received file.

CATALOGUE is the one list of finding codes; each code has a fixed severity and a short
Chinese title. README's 审核规则 table lists the same codes (a test keeps them in step).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any, Literal

Severity = Literal["error", "warning", "info"]

CATALOGUE: dict[str, tuple[Severity, str]] = {
    # The file cannot be placed or read: rejected.
    "unreadable": ("error", "文件无法读取"),
    "encrypted": ("error", "文件设有密码"),
    "no_form_sheet": ("error", "找不到月报表"),
    "too_big": ("error", "文件内容超出常规"),
    "several_forms": ("error", "有几张不一致的月报表"),
    "missing_indicator": ("error", "缺少指标行"),
    "formula_no_value": ("error", "公式没有计算结果"),
    "unit_missing": ("error", "未填写填报单位"),
    "unknown_unit": ("error", "填报单位不在名册中"),
    "unit_too_long": ("error", "填报单位过长"),
    "ambiguous_unit": ("error", "填报单位无法确定"),
    "unit_conflict": ("error", "填报单位与 --unit 不符"),
    "month_unknown": ("error", "无法确定报告月份"),
    "month_conflict": ("error", "报告月份与 --month 不符"),
    "month_locked": ("error", "月份已锁定（通报已发布），未录入"),
    # A value is wrong: rejected.
    "not_numeric": ("error", "不是数字"),
    "negative": ("error", "出现负数"),
    "too_large": ("error", "数值过大"),
    "not_whole": ("error", "应为整数"),
    "too_many_decimals": ("error", "小数位过多"),
    "cum_lt_month": ("error", "累计数小于本月数"),
    "cum_mismatch": ("error", "累计数与上月累计数不衔接"),
    # Stored, but worth a look.
    "all_zero": ("warning", "零报告"),
    "cum_equals_month": ("warning", "累计数等于本月数"),
    "fines_without_cases": ("warning", "有经济处罚但无立案"),
    "few_officers": ("warning", "出动执法人员不足"),
    "sanctions_exceed_inspected": ("warning", "处罚家数超过检查家数"),
    "spike": ("warning", "数值远高于以往"),
    "unit_from_filename": ("warning", "填报单位取自文件名"),
    "unit_not_expected": ("warning", "该单位本月不在应报范围"),
    "month_outside_campaign": ("warning", "月份不在行动期内"),
    "month_in_future": ("warning", "月份在未来"),
    "later_month_mismatch": ("warning", "后续月份累计数不再衔接"),
    # Read as meant, noted.
    "unit_suffix": ("info", "数字后带有单位"),
    "full_width": ("info", "全角数字"),
    "thousands": ("info", "千分位分隔符"),
    "month_inferred": ("info", "月份由填报时间推断"),
    "month_owed": ("info", "月份不明，暂按最早未报的月份记录"),
    # The liaison form (附件2).
    "bad_mobile": ("error", "手机号码不正确"),
    "bad_qq": ("error", "QQ号码不正确"),
    "liaison_name_missing": ("error", "联络员姓名为空"),
}

# What the clerk can do about a finding at the office (an import option, the registry):
# shown to the clerk beside the message, never in the text sent to the unit.
CLERK_HINTS: dict[str, str] = {
    "unit_missing": "确知是哪个单位的，导入时用 --unit 指定",
    "unknown_unit": "是已登记单位的另一种写法的，用 qzfsg units alias 登记后再导入",
    "ambiguous_unit": "导入时用 --unit 指定是哪个单位",
    "unit_conflict": "--unit 写错了的，去掉或改正后再导入",
    "month_unknown": "确知月份的，导入时用 --month 指定",
    "month_conflict": "--month 写错了的，去掉或改正后再导入",
    "unit_not_expected": "该单位已恢复报送的，用 qzfsg units 调整",
}


@dataclass(kw_only=True)
class Finding:
    """A plain dataclass, not a pydantic model: the commands that list findings start
    without importing pydantic (issue 13); models of the import path still hold it."""

    code: str
    severity: Severity
    message: str
    indicator: str | None = None  # indicator code
    cell: str | None = None  # A1 address on the form sheet, e.g. D8
    cells: list[str] = field(default_factory=list)  # every cell concerned, `cell` first
    expected: str | None = None  # what the cell should hold: a number, or words

    def __post_init__(self) -> None:
        if not self.cells and self.cell:
            self.cells = [self.cell]

    def as_json(self) -> dict[str, Any]:
        """The `--json` shape: an expected figure (a 累计数 of 12) is a number, not the
        text "12"."""
        shape = asdict(self)
        expected = self.expected
        if expected is not None and _NUMBER.fullmatch(expected):
            shape["expected"] = Decimal(expected)
        return shape

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: Any) -> Any:
        """Held by the pydantic models of the import path: taken as it is, dumped as
        `as_json`."""
        from pydantic_core import core_schema

        return core_schema.is_instance_schema(
            cls,
            serialization=core_schema.plain_serializer_function_ser_schema(cls.as_json),
        )

    @property
    def stored_cell(self) -> str | None:
        """The cell column of the finding table: several cells joined with commas."""
        return ",".join(self.cells) or self.cell

    @classmethod
    def from_stored(cls, cell: str | None, **fields: str | None) -> Finding:
        cells = cell.split(",") if cell else []
        return cls(cell=cells[0] if cells else None, cells=cells, **fields)  # type: ignore[arg-type]

    @property
    def title(self) -> str:
        return CATALOGUE[self.code][1]

    @property
    def clerk_hint(self) -> str | None:
        return CLERK_HINTS.get(self.code)


_NUMBER = re.compile(r"-?\d+(\.\d+)?")


def finding(code: str, message: str, **context: str | list[str] | None) -> Finding:
    """A finding with the severity the catalogue fixes for `code`."""
    return Finding(code=code, severity=CATALOGUE[code][0], message=message, **context)  # type: ignore[arg-type]


def has_errors(findings: list[Finding]) -> bool:
    return any(f.severity == "error" for f in findings)


def has_warnings(findings: list[Finding]) -> bool:
    return any(f.severity == "warning" for f in findings)
