"""Rich renderables built from plain data. Never touches the database.

Every string that came from a spreadsheet or the clerk goes into a `Text` (or through
`escape`) so that brackets in it are shown, never interpreted as markup.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from rich.console import Group
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from qzfsg.defaults import KIND_LABELS

if TYPE_CHECKING:
    from qzfsg.bootstrap import InitReport
    from qzfsg.importer import FileOutcome
    from qzfsg.submissions import HistoryEntry, OpenFindings
    from qzfsg.findings import Finding
    from qzfsg.liaisons import LiaisonImport, LiaisonView
    from qzfsg.names import Resolution
    from qzfsg.registry import ImportSummary, UnitView

SEVERITY_STYLE = {"error": "red", "warning": "yellow", "info": "dim"}
SEVERITY_LABEL = {"error": "错误", "warning": "提醒", "info": "说明"}


def table(*columns: str, title: str | None = None) -> Table:
    grid = Table(title=title, title_justify="left", header_style="bold", show_lines=False)
    for column in columns:
        grid.add_column(column)
    return grid


def text(value: object, style: str = "") -> Text:
    return Text("" if value is None else str(value), style=style)


def init_report(report: InitReport) -> Text:
    line = (
        f"{report.year} 年行动（{report.first_month} 至 {report.last_month}）："
        f"{report.units} 个填报单位、{report.indicators} 项指标、{report.deadlines} 项截止事项。"
    )
    if report.created:
        return Text.assemble(("已创建数据库 ", "green"), report.database, "。\n", line)
    return Text.assemble(
        ("数据库 ", "yellow"), report.database, ("已存在，未作任何改动。", "yellow"), "\n", line
    )


def units_table(units: Sequence[UnitView]) -> Table:
    grid = table("序号", "单位", "类别", "状态", "别名", title=f"填报单位（{len(units)} 个）")
    for unit in units:
        if unit.active:
            state = text(f"自 {unit.active_from} 起" if unit.active_from else "在册", "green")
        else:
            state = text(f"自 {unit.inactive_from} 起停用", "dim")
        grid.add_row(
            str(unit.sort_order), text(unit.name), KIND_LABELS[unit.kind], state,
            text("、".join(unit.aliases), "dim"),
        )  # fmt: skip
    return grid


def units_import_summary(summary: ImportSummary) -> Text:
    added = "、".join(summary.added) or "无"
    return Text.assemble(
        ("新增单位：", "bold"), added, "\n", ("新增别名：", "bold"), f"{summary.aliases_added} 个",
        "\n", ("已有且无变化：", "bold"), f"{len(summary.unchanged)} 个",
    )  # fmt: skip


def resolution(found: Resolution) -> Text:
    if found.status == "resolved":
        return Text.assemble(
            text(found.text), " → ", (found.unit or "", "bold green"), ("（比对用：", "dim"),
            (found.key, "dim"), ("）", "dim"),
        )  # fmt: skip
    label = {"unknown": "无法识别", "ambiguous": "有歧义", "empty": "为空"}[found.status]
    return Text.assemble(text(found.text), " → ", (label, "bold red"), "：", found.reason)


def findings_table(findings: Iterable[Finding], title: str | None = None) -> Table:
    grid = table("级别", "单元格", "问题", title=title)
    for item in findings:
        style = SEVERITY_STYLE[item.severity]
        grid.add_row(
            text(SEVERITY_LABEL[item.severity], style), text(item.cell), text(item.message)
        )
    return grid


def liaisons_table(liaisons: Sequence[LiaisonView], missing: Sequence[str]) -> Group:
    grid = table("单位", "类别", "姓名", "职务", "手机号码", "QQ号码", "备注", "报送时间",
                 title=f"联络员（{len(liaisons)} 个单位）")  # fmt: skip
    for item in liaisons:
        grid.add_row(
            text(item.unit), KIND_LABELS.get(item.kind, item.kind), text(item.name),
            text(item.title), text(item.mobile), text(item.qq), text(item.note),
            f"{item.received:%Y-%m-%d}",
        )  # fmt: skip
    parts: list = [grid]
    if missing:
        head = (f"尚未报送联络员的单位（{len(missing)} 个）：", "yellow")
        parts.append(Text.assemble(head, "、".join(missing)))
    return Group(*parts)


def liaison_import(result: LiaisonImport) -> Group:
    head = Text.assemble(
        ("✔ " if result.ok else "✖ ", "green" if result.ok else "red"), text(result.file),
        f"：存入 {len(result.stored)} 个单位的联络员",
    )  # fmt: skip
    parts: list = [head]
    if result.findings:
        parts.append(findings_table(result.findings, title="未存入的行"))
    return Group(*parts)


OUTCOME_MARKS = {
    "imported": ("✔", "已录入", "green"),
    "flagged": ("⚠", "已录入，请核实", "yellow"),
    "rejected": ("✖", "退回", "red"),
    "duplicate": ("=", "重复，未改动", "dim"),
    "checked": ("✔", "检查通过", "green"),
}


def _outcome_key(outcome: FileOutcome) -> str:
    if outcome.status in ("imported", "checked") and outcome.flagged:
        return "flagged"
    return outcome.status


def _finding_lines(findings: Iterable[Finding]) -> Text:
    lines = Text()
    for item in findings:
        if lines:
            lines.append("\n")
        lines.append(item.message, style=SEVERITY_STYLE[item.severity])
    return lines


def outcomes_table(outcomes: Sequence[FileOutcome]) -> Table:
    from pathlib import Path

    grid = table("", "文件", "单位", "月份", "版本", "结果与问题", title="导入结果")
    grid.caption = "月份后的 * 表示表上没写月份，按填报时间推断（15 日及以前填报算上月）。"
    grid.caption_justify = "left"
    for outcome in outcomes:
        mark, label, style = OUTCOME_MARKS[_outcome_key(outcome)]
        detail = Text(label, style=f"bold {style}")
        if outcome.duplicate_of:
            detail.append(f"（与已收的《{outcome.duplicate_of}》相同）", style="dim")
        if outcome.replaces_version:
            detail.append(f"（替换第 {outcome.replaces_version} 版）", style="dim")
        shown = [f for f in outcome.findings if f.severity != "info"]
        if shown:
            detail.append("\n")
            detail.append_text(_finding_lines(shown))
        inferred = any(f.code == "month_inferred" for f in outcome.findings)
        grid.add_row(
            text(mark, style), text(Path(outcome.file).name), text(outcome.unit or "—"),
            text((outcome.month or "—") + ("*" if inferred else "")), text(outcome.version or ""),
            detail,
        )  # fmt: skip
    return grid


def outcomes_summary(outcomes: Sequence[FileOutcome]) -> Text:
    counts = {key: 0 for key in OUTCOME_MARKS}
    for outcome in outcomes:
        counts[_outcome_key(outcome)] += 1
    parts = [f"共 {len(outcomes)} 个文件"]
    taken = counts["imported"] + counts["flagged"] + counts["checked"]
    verb = "通过" if counts["checked"] or not counts["imported"] + counts["flagged"] else "录入"
    parts.append(f"{verb} {taken} 个" + (f"（其中 {counts['flagged']} 个请核实）" if counts["flagged"] else ""))
    if counts["rejected"]:
        parts.append(f"退回 {counts['rejected']} 个（qzfsg findings 可生成退回意见）")
    if counts["duplicate"]:
        parts.append(f"重复 {counts['duplicate']} 个")
    style = "red" if counts["rejected"] else "green"
    return Text("，".join(parts) + "。", style=style)


def open_findings(items: Sequence[OpenFindings]) -> Group:
    if not items:
        return Group(Text("没有待处理的问题：所有报表都已通过审核。", style="green"))
    parts: list = [Text(f"待处理的报表 {len(items)} 份：", style="bold")]
    for item in items:
        style = "red" if item.status == "rejected" else "yellow"
        head = Text.assemble(
            ("✖ 退回 " if item.status == "rejected" else "⚠ 核实 ", f"bold {style}"),
            text(item.unit or "（单位不明）", "bold"), "  ", text(item.month or "月份不明"), "  ",
            text(item.file, "dim"),
        )  # fmt: skip
        parts.extend([Text(""), head, findings_table(item.findings), text(item.message)])
    return Group(*parts)


def history_table(unit: str, entries: Sequence[HistoryEntry]) -> Table:
    from qzfsg.submissions import describe_change

    grid = table("收到时间", "月份", "版本", "状态", "文件", "与上一版相比", title=f"{unit} 的报送记录")
    for entry in entries:
        if entry.status == "rejected":
            state = text(f"退回（{entry.errors} 个错误）", "red")
        elif entry.superseded:
            state = text("已被新版替换", "dim")
        else:
            state = text("有效" + (f"（{entry.warnings} 个提醒）" if entry.warnings else ""), "green")
        changes = "\n".join(describe_change(c) for c in entry.changes)
        grid.add_row(
            f"{entry.received:%Y-%m-%d %H:%M}", text(entry.month or "—"), str(entry.version),
            state, text(entry.file), text(changes),
        )  # fmt: skip
    return grid
