"""Views of the registry: init, units, resolution, liaisons."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from rich.console import Group
from rich.table import Table
from rich.text import Text

from qzfsg.kinds import KIND_LABELS
from qzfsg.render import table, text
from qzfsg.render.returns import findings_table

if TYPE_CHECKING:
    from qzfsg.bootstrap import InitReport
    from qzfsg.liaisons import LiaisonImport, LiaisonView
    from qzfsg.names import Resolution
    from qzfsg.registry import ImportSummary, UnitView


def init_report(report: InitReport) -> Text:
    line = (
        f"{report.year} 年行动（{report.first_month} 至 {report.last_month}）："
        f"{report.units} 个填报单位、{report.indicators} 项指标、{report.deadlines} 项截止事项。"
    )
    if report.created:
        return Text.assemble(("已创建数据库 ", "green"), report.database, "。\n", line)
    return Text.assemble(
        ("数据库 ", "yellow"), report.database, (" 已存在，未作任何改动。", "yellow"), "\n", line
    )


def units_table(units: Sequence[UnitView]) -> Table:
    grid = table("序号", "单位", "类别", "状态", "别名", title=f"填报单位（{len(units)} 个）")
    for unit in units:
        if unit.active:
            state = text(f"自 {unit.active_from} 起" if unit.active_from else "在册", "green")
        else:
            state = text(f"自 {unit.inactive_from} 起停用", "dim")
        grid.add_row(
            str(unit.sort_order),
            text(unit.name),
            KIND_LABELS[unit.kind],
            state,
            text("、".join(unit.aliases), "dim"),
        )
    return grid


def units_import_summary(summary: ImportSummary) -> Text:
    added = "、".join(summary.added) or "无"
    return Text.assemble(
        ("新增单位：", "bold"),
        added,
        "\n",
        ("新增别名：", "bold"),
        f"{summary.aliases_added} 个",
        "\n",
        ("已有且无变化：", "bold"),
        f"{len(summary.unchanged)} 个",
    )


def resolution(found: Resolution) -> Text:
    if found.status == "resolved":
        return Text.assemble(
            text(found.text),
            " → ",
            (found.unit or "", "bold green"),
            ("（比对用：", "dim"),
            (found.key, "dim"),
            ("）", "dim"),
        )
    label = {"unknown": "无法识别", "ambiguous": "有歧义", "empty": "为空"}[found.status]
    return Text.assemble(text(found.text), " → ", (label, "bold red"), "：", found.reason)


def liaisons_table(liaisons: Sequence[LiaisonView], missing: Sequence[str]) -> Group:
    grid = table(
        "单位",
        "类别",
        "姓名",
        "职务",
        "手机号码",
        "QQ号码",
        "备注",
        "报送时间",
        title=f"联络员（{len(liaisons)} 个单位）",
    )
    for item in liaisons:
        grid.add_row(
            text(item.unit),
            KIND_LABELS.get(item.kind, item.kind),
            text(item.name),
            text(item.title),
            text(item.mobile),
            text(item.qq),
            text(item.note),
            f"{item.received:%Y-%m-%d}",
        )
    parts: list = [grid]
    if missing:
        head = (f"尚未报送联络员的单位（{len(missing)} 个）：", "yellow")
        parts.append(Text.assemble(head, "、".join(missing)))
    return Group(*parts)


def liaison_import(result: LiaisonImport) -> Group:
    head = Text.assemble(
        ("✔ " if result.ok else "✖ ", "green" if result.ok else "red"),
        text(result.file),
        f"：存入 {len(result.stored)} 个单位的联络员",
    )
    parts: list = [head]
    if result.findings:
        parts.append(findings_table(result.findings, title="未存入的行"))
    return Group(*parts)
