"""Views of what leaves the office: the city's return, templates written, bulletins."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from rich.table import Table
from rich.text import Text

from qzfsg.render import PUBLISHED, table, text

if TYPE_CHECKING:
    from qzfsg.bulletin import Bulletin
    from qzfsg.consolidation import CityReturn
    from qzfsg.templates import TemplateReturn


def number(value: Decimal) -> str:
    from qzfsg.amounts import plain_decimal

    return format(plain_decimal(value), "f")


def report_view(
    city: CityReturn,
    notes: Sequence[str],
    review: str | None = None,
    published: bool = False,
) -> list[Table | Text]:
    """The city's return on screen: the 附件1 table, then lines (printed unwrapped) for the
    coverage, the returns still under 核实, the missing units and the 累计 check;
    `published`: the month is locked."""
    from qzfsg.months import Month

    check = city.consistency
    title = (
        f"汨罗市 {Month.parse(city.month).label} 安全监管“强执法防事故”行动情况月报表（全市汇总）"
        + (PUBLISHED if published else "")
    )
    columns = ["项目", "单位", "本月数", "累计数"]
    if not check.consistent:
        columns.append(f"{Month.parse(check.first_month).label}起各月本月数之和")
    grid = table(*columns, title=title)
    for column in grid.columns[2:]:
        column.justify = "right"
    for indicator in city.indicators:
        totals = city.totals[indicator.code]
        cells = [
            text(indicator.label),
            text(indicator.unit),
            number(totals.month),
            number(totals.cumulative),
        ]
        if not check.consistent:
            summed = check.sum_of_months[indicator.code]
            cells.append(text(number(summed), "yellow" if summed != totals.cumulative else ""))
        grid.add_row(*cells)
    parts: list[Table | Text] = [grid, coverage(city)]
    if review:
        parts.append(text(review, "yellow"))
    if city.missing:
        parts.append(Text.assemble(("未报单位：", "bold red"), text("、".join(city.missing))))
    style = "green" if check.consistent else "yellow"
    parts.extend(text(line, style) for line in notes)
    return parts


def coverage(city: CityReturn) -> Text:
    done = city.units_reported == city.units_expected
    line = Text(
        f"应报 {city.units_expected} 个单位，已报 {city.units_reported} 个"
        + ("，全部报齐。" if done else f"，未报 {len(city.missing)} 个。"),
        style="green" if done else "yellow",
    )
    if city.unexpected:
        line.append(
            f"另有 {len(city.unexpected)} 个不在本月应报范围的单位报了表，已计入合计："
            + "、".join(city.unexpected) + "。",
            style="yellow",
        )  # fmt: skip
    return line


def exported(path: Path, what: str) -> Text:
    return Text.assemble((f"已导出{what}：", "green"), text(str(path)))


def files_written(folder: Path, paths: Sequence[Path]) -> Text:
    """The files written for the clerk to send, by name, under the folder they are in."""
    if not paths:
        return Text("没有需要发送的文字，未生成文件。", style="green")
    lines = Text.assemble(
        ("已在 ", "green"), text(str(folder)), (f" 生成 {len(paths)} 个文件：", "green")
    )
    for path in paths:
        lines.append("\n  ")
        lines.append_text(text(path.name))
    return lines


def templates_table(items: Sequence[TemplateReturn], paths: Sequence[Path]) -> Table:
    grid = table("单位", "文件", "上月累计数", title=f"已生成月报表模板 {len(paths)} 份")
    for item, path in zip(items, paths, strict=True):
        if item.first_month:
            state = text("行动首月，为 0", "dim")
        elif item.previous is None:
            state = text("上月报表未收到，由单位自填", "yellow")
        elif item.previous_under_review:
            state = text("已填入（上月报表尚在核实）", "yellow")
        else:
            state = text("已填入", "green")
        grid.add_row(text(item.unit), text(path.name), state)
    if paths:
        grid.caption = text(f"保存在 {paths[0].parent}")
        grid.caption_justify = "left"
    return grid


def bulletin_summary(bulletin: Bulletin) -> list[Text]:
    """What the exported 通报 holds, in a few lines: the top three of each league."""
    from qzfsg.kinds import KIND_LABELS

    mark = "（已发布：该期各月已锁定，数字与发布时相同）" if bulletin.ranking.published else ""
    lines = [Text(f"全市安全监管执法质量排行榜 · {bulletin.label}{mark}", style="bold")]
    for kind, rows in bulletin.ranking.leagues.items():
        ranked = [r for r in rows if r.rank is not None]
        top = "、".join(f"{r.rank}. {r.unit}（{r.score}）" for r in ranked[:3]) or "无"
        lines.append(
            Text.assemble(
                f"{KIND_LABELS[kind]}：参与排名 {len(ranked)}/{len(rows)} 个，前三名 ", text(top)
            )
        )
    missing = sum(1 for item in bulletin.late if item.status == "missing")
    late = len(bulletin.late) - missing
    lines.append(
        Text(
            f"迟报 {late} 份、未报 {missing} 份；连续迟报或未报的单位 {len(bulletin.repeat_late)} 个。",
            style="yellow" if bulletin.late else "green",
        )
    )
    return lines
