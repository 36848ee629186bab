"""Views of the league tables: one table per league, and the per-unit explanation."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING

from rich.console import Group
from rich.table import Table
from rich.text import Text

from qzfsg.kinds import KIND_LABELS
from qzfsg.render import PUBLISHED, table, text

if TYPE_CHECKING:
    from qzfsg.ranking.leagues import LeagueRow, PeriodExplanation, Ranking
    from qzfsg.ranking.scores import MonthExplanation, QualityLine

UNRANKED = {"missing": "未报", "pending": "未到期"}
MONTH_STATUS = {"on_time": "按时", "missing": "未报", "pending": "未到期"}


def number(value: Decimal | None) -> str:
    """A figure as the clerk writes it: 0.35, 12, 62.4 (no trailing zeros, no exponent)."""
    if value is None:
        return ""
    if value == value.to_integral():
        return str(value.quantize(Decimal(1)))
    return format(value.normalize(), "f")


def points(value: Decimal | None) -> str:
    """A score, always with its one decimal: 50.0."""
    return "" if value is None else f"{value:.1f}"


def change_mark(change: int | str | None) -> Text:
    if change is None:
        return Text("")
    if change == "new":
        return Text("新", style="cyan")
    if change == 0:
        return Text("—", style="dim")
    assert isinstance(change, int)
    return Text(f"↑{change}", style="green") if change > 0 else Text(f"↓{-change}", style="red")


def status_mark(row: LeagueRow) -> Text:
    if row.status == "late":
        return Text(f"迟报{row.days_late}天", style="yellow")
    if row.status == "incomplete":
        late = f"，迟报{row.days_late}天" if row.days_late else ""
        return Text(f"缺报{row.months_missing}个月{late}", style="red")
    if row.status == "missing":
        return Text("未报", style="red")
    if row.status == "pending":
        return Text("未到期", style="dim")
    return Text("按时", style="green")


def shown_path(path: str) -> str:
    """The method file as the clerk would type it: relative to the current folder if inside."""
    from pathlib import Path

    try:
        return str(Path(path).relative_to(Path.cwd()))
    except ValueError:
        return path


def method_note(ranking: Ranking) -> Text:
    method = ranking.method
    shares = method["shares"]
    parts = [
        f"总分 = 比数量×{number(shares['quantity'])}% + 比增量×{number(shares['increase'])}%"
        f" + 比质量×{number(shares['quality'])}% − 迟报扣分"
        f"（每天 {number(method['late_deduction_per_day'])} 分，"
        f"最多 {number(method['late_deduction_cap'])} 分）。",
        method["tie_break"],
    ]
    if ranking.period_kind != "month":
        parts.append(method["aggregation"])
    if ranking.previous_label:
        parts.append(f"升降与{ranking.previous_label}相比。")
    parts.append(f"迟报、未报按 {ranking.as_of} 的情况统计。")
    where = f"文件 {shown_path(method['file'])}" if method["file"] else "qzfsg 自带"
    parts.append(f"评分方法：{method['name']}（{where}）。")
    return Text("\n".join(parts), style="dim")


def league_table(ranking: Ranking, kind: str, rows: Sequence[LeagueRow]) -> Table:
    reported = sum(1 for r in rows if r.rank is not None)
    title = (
        f"全市安全监管执法质量排行榜 · {ranking.label}{PUBLISHED if ranking.published else ''}"
        f" · {KIND_LABELS[kind]}（{len(rows)} 个单位，参与排名 {reported} 个）"
    )
    grid = table(
        "名次", "单位", "总分", "比数量", "比增量", "比质量", "扣分", "升降", "报送", title=title
    )
    for column in grid.columns[2:7]:
        column.justify = "right"
    for row in rows:
        if row.rank is None:
            grid.add_row(
                "—",
                text(row.unit, "dim"),
                text(UNRANKED.get(row.status, row.status), "red"),
                "",
                "",
                "",
                "",
                "",
                status_mark(row),
            )
            continue
        parts = row.components
        assert parts is not None
        grid.add_row(
            str(row.rank),
            text(row.unit, "bold" if row.rank <= 3 else ""),
            text(points(row.score), "bold"),
            points(parts.quantity),
            points(parts.increase),
            points(parts.quality),
            number(-row.deduction) if row.deduction else "",
            change_mark(row.change),
            status_mark(row),
        )
    return grid


def league_tables(ranking: Ranking, explain: bool = False, unit: str | None = None) -> Group:
    parts: list = []
    for kind, rows in ranking.leagues.items():
        if parts:
            parts.append(Text(""))
        parts.append(league_table(ranking, kind, rows))
        if explain:
            for row in rows:
                if unit is None or row.unit == unit:
                    parts.extend([Text(""), explanation(ranking, row)])
    parts.append(method_note(ranking))
    return Group(*parts)


def _formula(ranking: Ranking, row: LeagueRow) -> Text:
    shares = ranking.method["shares"]
    parts = row.components
    assert parts is not None and row.score is not None
    line = Text.assemble(
        (f"第 {row.rank} 名 ", "bold"),
        text(row.unit, "bold"),
        "：总分 ",
        (points(row.score), "bold"),
        f" = 比数量 {points(parts.quantity)}×{number(shares['quantity'])}%"
        f" + 比增量 {points(parts.increase)}×{number(shares['increase'])}%"
        f" + 比质量 {points(parts.quality)}×{number(shares['quality'])}%",
    )
    if row.deduction:
        line.append(f" − 迟报扣分 {number(row.deduction)}")
    return line


def explanation(ranking: Ranking, row: LeagueRow) -> Group:
    from qzfsg.ranking.scores import MonthExplanation

    if row.rank is None:
        months = f"（{row.months_missing} 个月应报未报）" if row.months_missing > 1 else ""
        return Group(
            Text.assemble(
                text(row.unit, "bold"),
                f"：{UNRANKED.get(row.status, row.status)}{months}，不参与排名。",
            )
        )
    head = _formula(ranking, row)
    if isinstance(row.explain, MonthExplanation):
        return Group(head, *month_explanation(row.explain))
    assert row.explain is not None
    return Group(head, period_explanation(row.explain))


def month_explanation(found: MonthExplanation) -> list:
    if found.earlier_months:
        basis = (
            f"此前 {found.earlier_months} 个月的月均 = (累计数 − 本月数) ÷ {found.earlier_months}"
        )
    else:
        basis = "本单位行动首月，比增量一律按持平 50 分计"
    heading = Text(
        f"比数量：各项本月数在本月 {found.compared_with} 个已报单位中的百分位"
        "（数字不超过本单位的单位所占比例，含本单位；为 0 的不得分），按权重平均。\n"
        f"比增量：本月数 ÷（本月数 + 此前月均），持平为 50；{basis}。"
    )
    grid = table("项目", "权重", "本月数", "比数量百分位", "此前月均", "比增量得分")
    for column in grid.columns[1:]:
        column.justify = "right"
    for line in found.indicators:
        grid.add_row(
            line.label,
            number(line.weight),
            number(line.value),
            points(line.percentile),
            "—" if line.earlier_average is None else number(line.earlier_average),
            points(line.increase),
        )
    quality = table("项目", "权重", "计算", "得分")
    quality.columns[1].justify = "right"
    quality.columns[3].justify = "right"
    for line in found.quality:
        quality.add_row(line.label, number(line.weight), quality_basis(line), points(line.score))
    return [heading, grid, Text("比质量：各项得分按权重平均。"), quality]


RATIO_TEXT = {
    "cases_per_inspected": ("立案", "检查", ""),
    "fines_per_case": ("罚款", "立案", " 万元/起"),
    "sanctions_per_inspected": ("硬措施", "检查", ""),
    "officers_per_activity": ("出动人员", "执法活动", " 人/次"),
}


def quality_basis(line: QualityLine) -> str:
    if line.key == "on_time":
        return "按时报送" if line.met else "迟报（不得分）"
    if line.key == "first_attempt":
        return "第一次报送即通过" if line.met else "第一次报送被退回（不得分）"
    top, bottom, unit = RATIO_TEXT[line.key]
    shown = f"{top} {number(line.numerator)} ÷ {bottom} {number(line.denominator)}"
    if line.ratio is None:
        return f"{shown}：{bottom}为 0，无从计算（不得分）"
    if line.key == "officers_per_activity":
        return f"{shown} = {number(line.ratio)}{unit}，达到规定人数得满分，不足按比例"
    return f"{shown} = {number(line.ratio)}{unit}，取同类百分位"


def period_explanation(found: PeriodExplanation) -> Group:
    heading = Text(
        "本期各项得分 = 下列各月的平均（应报未报的月份按 0 分计）；"
        "各月明细用 qzfsg rank --month … --explain 查看。"
    )
    grid = table("月份", "报送", "总分", "比数量", "比增量", "比质量", "扣分")
    for column in grid.columns[2:]:
        column.justify = "right"
    for line in found.months:
        state = Text(MONTH_STATUS.get(line.status, "迟报"))
        grid.add_row(
            line.month,
            state,
            points(line.score),
            points(line.components.quantity),
            points(line.components.increase),
            points(line.components.quality),
            number(-line.deduction) if line.deduction else "",
        )
    return Group(heading, grid)
