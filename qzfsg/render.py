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


def markup_safe(value: str) -> str:
    return escape(value)
