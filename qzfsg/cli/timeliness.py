"""`qzfsg deadlines …` (the calendar), `receive`, `overdue` and `status`: who is late."""

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from qzfsg.cli.base import QzfsgCommand, new_app
from qzfsg.cli.common import (
    AsOfOption,
    ByOption,
    DbOption,
    DocxOption,
    ForceOption,
    JsonOption,
    OutOption,
    OverrideOption,
    ReasonOption,
    acting,
    database,
    day_or_none,
    db_path,
    emit_json,
    month_or_none,
    reading,
    safe,
    show,
    write_notices,
)
from qzfsg.cli.units import KindOption, word_choice
from qzfsg.kinds import KIND_WORDS


class Switch(StrEnum):
    on = "on"
    off = "off"


ItemKey = Annotated[
    str,
    typer.Argument(metavar="事项", help="事项名称（如“实施方案”），或 deadlines list 中的编号。"),
]
WhoOption = Annotated[
    str | None,
    typer.Option(
        "--who",
        metavar="全部|镇|部门",
        help="报送对象：全部单位（all）、各镇（town）或各部门（department）。",
        callback=word_choice(
            {**KIND_WORDS, "all": "all", "全部": "all"},
            "全部（all）、镇（town）、部门（department）",
        ),
    ),
]
UnitsOption = Annotated[
    list[str] | None,
    typer.Option(
        "--unit", help="只要求这些单位报送（可重复给出）。", metavar="单位", show_default=False
    ),
]
DueOption = Annotated[
    str | None,
    typer.Option("--due", metavar="YYYY-MM-DD", help="一次性事项的截止日期。", show_default=False),
]
DayOption = Annotated[
    int | None,
    typer.Option(
        "--day", metavar="N", help="按月事项：每月几日前截止，0 表示月末。", show_default=False
    ),
]
FromOption = Annotated[
    str | None,
    typer.Option("--from", metavar="YYYY-MM", help="按月事项的起始月。", show_default=False),
]
ToOption = Annotated[
    str | None,
    typer.Option("--to", metavar="YYYY-MM", help="按月事项的结束月。", show_default=False),
]

deadlines_app = new_app(help="行动日历：各项材料的截止日期（查看、新增、修改、删除、节假日顺延）。")


@deadlines_app.command("list", cls=QzfsgCommand)
def deadlines_list(db: DbOption = None, as_json: JsonOption = False) -> None:
    """列出行动日历中的全部截止事项：报送对象、截止日期，以及节假日是否顺延。

    示例：qzfsg deadlines list　　qzfsg deadlines list --json
    """
    from qzfsg.render import timeliness as render
    from qzfsg.timeliness.deadlines import list_deadlines

    with reading(db) as session:
        calendar = list_deadlines(session)
    if as_json:
        emit_json(calendar)
    else:
        show(render.deadlines_table(calendar))


@deadlines_app.command("add", cls=QzfsgCommand)
def deadlines_add(
    item: Annotated[str, typer.Argument(metavar="事项", help="事项名称，如“半年工作小结”。")],
    who: WhoOption = None,
    unit: UnitsOption = None,
    due: DueOption = None,
    monthly: Annotated[
        bool, typer.Option("--monthly", help="按月报送（默认月末截止，可用 --day 改）。")
    ] = False,
    day: DayOption = None,
    since: FromOption = None,
    until: ToOption = None,
    override: OverrideOption = False,
    reason: ReasonOption = None,
    by: ByOption = None,
    db: DbOption = None,
) -> None:
    """在行动日历中新增一项截止事项：一次性的（--due）或按月的（--monthly / --day）。

    示例：qzfsg deadlines add 半年工作小结 --due 2018-07-10 --who department　　qzfsg deadlines add 隐患排查台账 --day 25 --from 2018-07
    """
    from qzfsg.timeliness.deadlines import add_deadline

    monthly_day = day if day is not None else (0 if monthly else None)
    with database(db) as session:
        added = add_deadline(
            session,
            item,
            who or "all",
            unit or [],
            day_or_none(due),
            monthly_day,
            month_or_none(since),
            month_or_none(until),
            acting(by, reason, override),
        )
    show(f"已新增截止事项 {added.id}：{safe(added.item)}。")


@deadlines_app.command("set", cls=QzfsgCommand)
def deadlines_set(
    key: ItemKey,
    rename: Annotated[
        str | None,
        typer.Option("--item", metavar="事项", help="改成这个事项名称。", show_default=False),
    ] = None,
    who: WhoOption = None,
    unit: UnitsOption = None,
    due: DueOption = None,
    day: DayOption = None,
    since: FromOption = None,
    until: ToOption = None,
    override: OverrideOption = False,
    reason: ReasonOption = None,
    by: ByOption = None,
    db: DbOption = None,
) -> None:
    """修改一项截止事项；只改给出的选项。--due 改为一次性截止，--day 改为按月截止。

    示例：qzfsg deadlines set 实施方案 --due 2018-06-15　　qzfsg deadlines set 典型案例 --day 25
    """
    from qzfsg.timeliness.deadlines import set_deadline

    with database(db) as session:
        changed = set_deadline(
            session,
            key,
            item=rename,
            who=who,
            units=unit or None,
            due=day_or_none(due),
            monthly_day=day,
            from_month=month_or_none(since),
            to_month=month_or_none(until),
            by=acting(by, reason, override),
        )
    show(f"已修改截止事项 {changed.id}：{safe(changed.item)}。")


@deadlines_app.command("remove", cls=QzfsgCommand)
def deadlines_remove(
    key: ItemKey,
    override: OverrideOption = False,
    reason: ReasonOption = None,
    by: ByOption = None,
    db: DbOption = None,
) -> None:
    """从行动日历中删除一项截止事项；已登记收到的材料保留。

    示例：qzfsg deadlines remove 行动总结
    """
    from qzfsg.timeliness.deadlines import remove_deadline

    with database(db) as session:
        removed = remove_deadline(session, key, acting(by, reason, override))
    show(f"已删除截止事项 {removed.id}：{safe(removed.item)}。")


@deadlines_app.command("shift", cls=QzfsgCommand)
def deadlines_shift(
    state: Annotated[Switch, typer.Argument(metavar="on|off", help="on：顺延；off：不顺延。")],
    override: OverrideOption = False,
    reason: ReasonOption = None,
    by: ByOption = None,
    db: DbOption = None,
) -> None:
    """截止日遇法定节假日或周末是否顺延至下一个工作日（依 chinesecalendar 节假日表）。

    示例：qzfsg deadlines shift on
    """
    from qzfsg.timeliness.deadlines import set_shift_to_workday

    with database(db) as session:
        set_shift_to_workday(session, state is Switch.on, acting(by, reason, override))
    if state is Switch.on:
        show("已开启：截止日遇法定节假日或周末顺延至下一个工作日。")
    else:
        show("已关闭：截止日不再顺延。")


def receive(
    doc: Annotated[
        str,
        typer.Argument(
            metavar="材料", help="收到的材料，如 实施方案、典型案例、年度监管执法计划。"
        ),
    ],
    unit: Annotated[
        str, typer.Option("--unit", metavar="单位", help="报送单位（正式名称或别名）。")
    ],
    on: Annotated[
        str | None,
        typer.Option(
            "--on",
            metavar="YYYY-MM-DD[THH:MM]",
            help="收到时间；默认取文件的修改时间，没有文件则为现在。",
        ),
    ] = None,
    file: Annotated[
        Path | None,
        typer.Option(
            "--file", metavar="文件", help="收到的文件，存入归档文件夹。", show_default=False
        ),
    ] = None,
    month: Annotated[
        str | None,
        typer.Option(
            "--month",
            metavar="YYYY-MM",
            help="按月材料（典型案例、排名通报）所属月份；默认按收到日期推断。",
        ),
    ] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """登记收到某单位的一份材料（月报表以外的，如实施方案、典型案例），可同时存档文件。

    月报表请用 qzfsg import 导入；联络员信息表用 qzfsg liaisons import 导入时已自动登记。

    示例：qzfsg receive 实施方案 --unit 归义镇 --on 2018-06-09　　qzfsg receive 典型案例 --unit 公安局 --month 2018-08 --file 公安局8月典型案例.docx
    """
    from datetime import datetime

    from qzfsg.errors import NotFoundError
    from qzfsg.render import timeliness as render
    from qzfsg.storage.archive import archive_for, file_time
    from qzfsg.timeliness.receipts import record_receipt
    from qzfsg.timestamps import parse_received

    if file is not None and not file.is_file():
        raise NotFoundError(f"找不到文件 {file}。")
    if on:
        when = parse_received(on)
    elif file is not None:
        when = file_time(file)
    else:
        when = datetime.now().replace(microsecond=0)
    with database(db) as session:
        outcome = record_receipt(
            session, doc, unit, when, month_or_none(month), file, archive_for(db_path(db))
        )
    if as_json:
        emit_json(outcome)
    else:
        show(render.receipt_outcome(outcome))


def overdue(
    month: Annotated[
        str | None, typer.Option("--month", metavar="YYYY-MM", help="只看这个月的事项。")
    ] = None,
    as_of: AsOfOption = None,
    kind: KindOption = None,
    item: Annotated[
        str | None,
        typer.Option("--item", metavar="事项", help="只看一项材料，如 月报表、实施方案。"),
    ] = None,
    message: Annotated[
        bool,
        typer.Option(
            "--message", help="另附可直接发送的催报通知：每个单位一条，另加一条群发通报。"
        ),
    ] = False,
    out: OutOption = None,
    docx: DocxOption = False,
    force: ForceOption = False,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """催报清单：截至某日已到期、但未报送或逾期报送的全部事项，附联络员和手机号码。

    包括月报表和各项材料（联络员信息表、实施方案、年度监管执法计划、典型案例、排名通报、行动总结）。未报的在前（红色），逾期最久的在前；迟报的在后（黄色）。只报了被退回的表的单位算未报，并注明已收到但无法读取或未通过审核、退回待更正。

    加 --out 文件夹，把催报通知存成文件（每个单位一个 .txt，另加群发通报），再加 --docx 另生成 Word 通知。

    示例：qzfsg overdue　　qzfsg overdue --month 2018-09 --kind town --message　　qzfsg overdue --month 2018-09 --message --out 催报 --docx
    """
    from qzfsg.render import timeliness as render
    from qzfsg.timeliness.overdue import list_overdue, overdue_json

    with reading(db) as session:
        report = list_overdue(session, day_or_none(as_of), month_or_none(month), kind, item)
    reminders = None
    if message or out is not None:  # files of the texts: the texts are wanted
        from qzfsg.timeliness.reminders import build_reminders

        reminders = build_reminders(report)
    written = write_notices(reminders.notices if reminders else [], out, docx, force)
    if as_json:
        data = overdue_json(report)
        if reminders is not None:
            data["messages"] = reminders.model_dump(mode="json")
        emit_json(data)
        return
    if reminders is None:
        show(render.overdue_table(report))
    else:
        show(render.overdue_table(report), *render.reminders_view(reminders))
    if out is not None:
        from qzfsg.render.exports import files_written

        show(files_written(out, written))


def status(
    since: Annotated[
        str | None, typer.Option("--from", metavar="YYYY-MM", help="起始月，默认行动开始的月份。")
    ] = None,
    until: Annotated[
        str | None,
        typer.Option("--to", metavar="YYYY-MM", help="结束月，默认本月（不晚于行动结束）。"),
    ] = None,
    kind: KindOption = None,
    as_of: AsOfOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """月报表报送情况总表：单位 × 月份，每月的应报数、报送率和及时率，以及屡次迟报的单位。

    ✔ 按时，⚠N 迟报 N 天，✖ 被退回尚未更正，· 未报，0 零报告；连续 2 个月及以上迟报或未报的单位标红。

    示例：qzfsg status　　qzfsg status --from 2018-08 --to 2018-09 --kind department
    """
    from qzfsg.render import timeliness as render
    from qzfsg.timeliness.board import board_json, status_board

    with reading(db) as session:
        board = status_board(
            session,
            month_or_none(since),
            month_or_none(until),
            day_or_none(as_of),
            kind,
        )
    if as_json:
        emit_json(board_json(board))
    else:
        show(render.status_board(board))


def register(app: typer.Typer) -> None:
    app.add_typer(deadlines_app, name="deadlines")
    for command in (receive, overdue, status):
        app.command(cls=QzfsgCommand)(command)
