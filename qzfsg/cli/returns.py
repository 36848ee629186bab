"""`qzfsg import`, `validate`, `findings` and `history`: the monthly returns."""

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from qzfsg.cli.base import QzfsgCommand
from qzfsg.cli.common import (
    ByOption,
    DbOption,
    DocxOption,
    ForceOption,
    JsonOption,
    OnlyMonthOption,
    OnlyUnitOption,
    OutOption,
    OverrideOption,
    ReasonOption,
    acting,
    console,
    database,
    db_path,
    emit_json,
    month_or_none,
    reading,
    safe,
    show,
    write_notices,
)

if TYPE_CHECKING:
    from qzfsg.importer import FileOutcome

PathsArg = Annotated[
    list[str],
    typer.Argument(
        help="文件、文件夹（含子文件夹）或通配符，如 收件/*.xlsx。",
        metavar="文件…",
        show_default=False,
    ),
]
MonthOption = Annotated[
    str | None,
    typer.Option(
        "--month", metavar="YYYY-MM", help="报告月份（表上看不出月份时用；给出则以此为准）。"
    ),
]
UnitOption = Annotated[
    str | None,
    typer.Option(
        "--unit",
        metavar="单位",
        help=(
            "填报单位：表上没写单位、或写的单位认不出时用，以此为准；"
            "表上写的是另一个已登记单位时不录入该表（按 unit_conflict 退回），以免记错单位。"
        ),
    ),
]
ReceivedOption = Annotated[
    str | None,
    typer.Option(
        "--received",
        metavar="YYYY-MM-DD[THH:MM]",
        help="收到时间，默认取每个文件的修改时间。",
    ),
]
PROGRESS_FROM = 10  # files: show a progress bar on a terminal from this many on


def _run(plan, importer, show_progress: bool) -> "tuple[list[FileOutcome], list[Path]]":
    """Each file's outcome, in turn; and the files left when Ctrl-C stopped the run (the
    first press stops after the file at hand, a second one at once, rolling it back)."""
    from contextlib import closing

    from qzfsg.interrupts import stop_after_current

    outcomes: list[FileOutcome] = []
    with stop_after_current() as stop, closing(importer.import_all(plan)) as done:
        steps = done
        if show_progress:
            from rich.progress import track

            steps = track(done, total=len(plan), description="导入中", console=console(stderr=True))
        try:
            for outcome in steps:
                outcomes.append(outcome)
                if stop.requested:
                    break
        except KeyboardInterrupt:
            pass
    return outcomes, [item[0] for item in plan[len(outcomes) :]]


def _finish(
    outcomes: "list[FileOutcome]", as_json: bool, stored: bool = True, left: "list[Path]" = ()
) -> None:
    from qzfsg.cli.base import report
    from qzfsg.errors import ExitCode
    from qzfsg.render import returns as render

    if as_json:
        emit_json(outcomes)
    else:
        show(render.outcomes_table(outcomes, stored), render.outcomes_summary(outcomes, stored))
    if left:
        report(_interrupted(outcomes, left, stored))
        raise typer.Exit(int(ExitCode.INTERRUPTED))
    if any(o.status in ("rejected", "refused") for o in outcomes):
        raise typer.Exit(int(ExitCode.DATA))


def _interrupted(outcomes: "list[FileOutcome]", left: "list[Path]", stored: bool) -> str:
    done = sum(o.status in ("imported", "checked") for o in outcomes)
    others = len(outcomes) - done
    names = "、".join(path.name for path in left[:5]) + ("等" if len(left) > 5 else "")
    verb = "已录入" if stored else "已检查合格"
    return (
        f"已中断：{verb} {done} 个，未处理 {len(left)} 个"
        + (f"（另有 {others} 个退回或重复，见上表）" if others else "")
        + f"。未处理的文件：{names}。再次运行同一命令即可处理其余文件（已录入的会识别为重复）。"
    )


def import_(
    paths: Annotated[
        list[str] | None,
        typer.Argument(
            help="文件、文件夹（含子文件夹）或通配符，如 收件/*.xlsx；用 --manifest 时不用给。",
            metavar="文件…",
            show_default=False,
        ),
    ] = None,
    manifest: Annotated[
        Path | None,
        typer.Option(
            "--manifest",
            metavar="文件",
            help="收件清单（.csv 或 .xlsx）：列为 文件、收到时间，可加 单位、月份；逐个文件写明收到时间。",
            show_default=False,
        ),
    ] = None,
    month: MonthOption = None,
    unit: UnitOption = None,
    received: ReceivedOption = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="只检查，不存入任何内容。")] = False,
    override: OverrideOption = False,
    reason: ReasonOption = None,
    by: ByOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """导入各单位报来的月报表（附件1）：逐个检查，合格的录入，不合格的退回并说明原因。

    文件按收到时间先后处理；同一单位同月再次报送的合格表替换前一版，前一版留在历史中；
    内容完全相同的文件只算重复，不作改动。有文件被退回时退出码为 1。

    没有 --received 也没有清单时，收到时间取文件的修改时间；修改时间明显不是收到时间的
    （几个文件相差不到几秒、晚于现在、远在行动结束之后），导入前先提醒。

    示例：qzfsg import 收件/　　qzfsg import 归义镇.xlsx --month 2018-06 --received 2018-06-28　　qzfsg import --manifest 收件清单.xlsx
    """
    from qzfsg.errors import QzfsgError
    from qzfsg.importer import Importer
    from qzfsg.storage.archive import archive_for

    if not paths and manifest is None:  # before the database: a usage error
        raise QzfsgError(
            "缺少参数 文件…。运行 qzfsg import --help 查看用法（也可以用 --manifest 给出收件清单）。"
        )
    with database(db) as session:
        importer = Importer(
            session, archive_for(db_path(db)), date.today(), dry_run=dry_run,
            by=acting(by, reason, override),
        )  # fmt: skip
        unit_name = importer.resolve_option(unit) if unit else None
        plan = _import_plan(paths, manifest, received, unit_name, month_or_none(month), importer)
        if not as_json and (doubt := _doubt(plan, received or manifest, importer)):
            _warn(doubt)
        outcomes, left = _run(
            plan,
            importer,
            show_progress=not as_json and len(plan) >= PROGRESS_FROM and console().is_terminal,
        )
    _finish(outcomes, as_json, stored=not dry_run, left=left)


def _import_plan(paths, manifest, received, unit_name, chosen, importer) -> list[tuple]:
    """(file, received time, unit, month) of each file to import, in received order."""
    from qzfsg.errors import QzfsgError
    from qzfsg.importer import collect_paths, in_received_order
    from qzfsg.timestamps import parse_received

    if manifest is not None:
        if paths or received:
            raise QzfsgError(
                "用 --manifest 时，文件和收到时间都写在清单里，不要再给文件或 --received。"
            )
        from qzfsg.intake import read_manifest

        return [
            (row.path, row.received, importer.resolve_option(row.unit) if row.unit else unit_name,
             row.month or chosen)
            for row in read_manifest(manifest)
        ]  # fmt: skip
    stated = parse_received(received) if received else None
    return [
        (path, when, unit_name, chosen)
        for path, when in in_received_order(collect_paths(paths), stated)
    ]


def _doubt(plan: list[tuple], stated: object, importer) -> str | None:
    """Why the file times used as received times look wrong (None: given, or plausible)."""
    if stated:
        return None
    from datetime import datetime

    from qzfsg.intake import doubtful_times

    return doubtful_times([item[1] for item in plan], importer.checker.campaign, datetime.now())


def _warn(doubt: str) -> None:
    from contextlib import suppress

    with suppress(OSError):
        console(stderr=True).print(
            f"[bold yellow]提醒：[/]收到时间取的是文件的修改时间，但{safe(doubt)}，看来不是"
            "收到时间；是否按时报送按收到时间计算。请用 --received 写明收到时间，或用 --manifest "
            "收件清单逐个写明（见 README）。这次仍按文件修改时间导入，导入后可用 qzfsg redate 更正。",
            soft_wrap=True,
        )


def validate(
    paths: PathsArg,
    month: MonthOption = None,
    unit: UnitOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """只检查月报表，不存入任何内容；没有数据库也能用（有数据库时还与已收的上月数核对）。

    示例：qzfsg validate 归义镇6月.xlsx
    """
    from qzfsg.importer import FileOutcome, collect_paths, in_received_order
    from qzfsg.reading.checking import standalone_checker
    from qzfsg.reading.workers import check_all

    files = collect_paths(paths)
    if db_path(db).is_file():
        from qzfsg.importer import Importer
        from qzfsg.storage.archive import archive_for

        with database(db) as session:
            importer = Importer(session, archive_for(db_path(db)), date.today(), recheck=True)
            unit_name = importer.resolve_option(unit) if unit else None
            chosen = month_or_none(month)
            outcomes = list(
                importer.import_all(
                    (path, when, unit_name, chosen) for path, when in in_received_order(files, None)
                )
            )
        _finish(outcomes, as_json, stored=False)
        return
    chosen = month_or_none(month)
    outcomes = [
        FileOutcome.from_checked(checked, "checked" if checked.accepted else "rejected", None)
        for checked in check_all(
            standalone_checker(date.today()), [(path, unit, chosen, None) for path in files]
        )
    ]
    _finish(outcomes, as_json, stored=False)


def findings(
    month: OnlyMonthOption = None,
    unit: OnlyUnitOption = None,
    out: OutOption = None,
    docx: DocxOption = False,
    force: ForceOption = False,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """列出仍有问题的报表，每份附一段可直接发给该单位的退回意见或核实提醒。

    加 --out 文件夹，把每份意见存成一个文件（如“市城市管理和综合执法局-2018年9月退回意见.txt”），另加一条发工作群的群消息；再加 --docx 另生成 Word 通知。

    示例：qzfsg findings --month 2018-09　　qzfsg findings --unit 农业农村局　　qzfsg findings --month 2018-09 --out 退回意见 --docx
    """
    from qzfsg.render import returns as render
    from qzfsg.submissions import findings_group_notice, list_open_findings

    today, chosen = date.today(), month_or_none(month)
    with reading(db) as session:
        items = list_open_findings(session, chosen, unit, today=today)
    group = findings_group_notice(items, today, chosen)
    notices = [i.notice for i in items] + ([group] if group else [])
    written = write_notices(notices, out, docx, force)
    if as_json:
        emit_json(items)
        return
    show(*render.open_findings(items))
    if out is not None:
        from qzfsg.render.exports import files_written

        show(files_written(out, written))


def history(
    unit: Annotated[
        str | None,
        typer.Option("--unit", metavar="单位", help="单位名称或别名；不写则列出该月所有单位的。"),
    ] = None,
    month: Annotated[
        str | None,
        typer.Option("--month", metavar="YYYY-MM", help="只看某月（不写 --unit 时必填）。"),
    ] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """收到过的每一份月报表：何时收到、第几版、是否录入，重报时改了哪些数。

    --unit 看一个单位的（可再用 --month 只看某月）；只给 --month 则列出该月收到的所有单位的报表，按收到先后排列。

    示例：qzfsg history --unit 城管执法局 --month 2018-09　　qzfsg history --month 2018-09
    """
    from qzfsg.errors import QzfsgError
    from qzfsg.registry import get_unit
    from qzfsg.render import returns as render
    from qzfsg.submissions import received_history

    chosen = month_or_none(month)
    if unit is None and chosen is None:
        raise QzfsgError("请用 --unit 指定单位，或用 --month 列出某月所有单位收到的报表。")
    with reading(db) as session:
        found = get_unit(session, unit) if unit is not None else None
        entries = received_history(session, found.id if found else None, chosen)
    if as_json:
        emit_json(entries)
    elif found is not None:
        show(render.history_table(f"{found.name} 的报送记录", entries))
    else:
        assert chosen is not None
        title = f"{chosen.label}收到的月报表（{len(entries)} 份，按收到先后）"
        show(render.history_table(title, entries, units=True))


def show_(
    unit: Annotated[str, typer.Argument(help="单位名称或别名。", metavar="单位")],
    month: Annotated[str, typer.Option("--month", metavar="YYYY-MM", help="哪个月，如 2018-09。")],
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """某单位某月的月报表现在是什么样：11 项指标的本月数、累计数（现行版本），第几版、何时收到，还有哪些问题。

    没有录入的表时说明是被退回了还是没收到。

    示例：qzfsg show 归义镇 --month 2018-09　　qzfsg show 农业农村局 --month 2018-09 --json
    """
    from qzfsg.months import Month
    from qzfsg.render import returns as render
    from qzfsg.unitreturn import unit_return

    with reading(db) as connection:
        item = unit_return(connection, unit, Month.parse(month))
    if as_json:
        emit_json(item)
    else:
        show(*render.unit_return_view(item))


def dismiss(
    ids: Annotated[
        list[int],
        typer.Argument(help="findings 列出的报表编号（#12 即 12），可给多个。", metavar="编号…"),
    ],
    note: Annotated[
        str | None,
        typer.Option(
            "--note",
            metavar="文字",
            help="怎么处理的，如“已电话核实，确为零报告”。",
            show_default=False,
        ),
    ] = None,
    by: ByOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """把已另行处理的报表移出 findings 清单（如已电话核实的零报告、误发来的文件）；报表本身和历史记录不变。

    示例：qzfsg dismiss 12 --note 已电话核实，确为零报告
    """
    from datetime import datetime

    from qzfsg.render import returns as render
    from qzfsg.submissions import dismiss_findings

    with database(db) as session:
        when = datetime.now().replace(microsecond=0)
        done = dismiss_findings(session, ids, note, when, acting(by, note))
    if as_json:
        emit_json(done)
    else:
        show(render.dismissed(done))


def register(app: typer.Typer) -> None:
    app.command("import", cls=QzfsgCommand)(import_)
    app.command("show", cls=QzfsgCommand)(show_)
    for command in (validate, findings, history, dismiss):
        app.command(cls=QzfsgCommand)(command)
