"""`qzfsg withdraw`, `restore`, `redate`, `refile`, `lock`, `unlock` and `log`: corrections
of the record, locked months and the audit trail."""

from datetime import date
from typing import Annotated

import typer

from qzfsg.cli.base import QzfsgCommand
from qzfsg.cli.common import (
    ByOption,
    DbOption,
    JsonOption,
    OnlyMonthOption,
    OnlyUnitOption,
    OverrideOption,
    ReasonOption,
    acting,
    database,
    db_path,
    emit_json,
    month_or_none,
    reading,
    show,
    show_or_json,
)

IdArg = Annotated[
    int, typer.Argument(help="报表编号（qzfsg history 第一列，#12 即 12）。", metavar="编号")
]
NeededReason = Annotated[
    str, typer.Option("--reason", metavar="原因", help="原因，记入操作记录（必填）。")
]
MonthArg = Annotated[str, typer.Argument(help="月份。", metavar="YYYY-MM")]


def _corrected(result, as_json: bool) -> None:
    from qzfsg.render import corrections as render

    show_or_json(result, as_json, render.corrected)


def withdraw(
    submission: IdArg,
    reason: NeededReason,
    override: OverrideOption = False,
    by: ByOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """撤回一份已导入的报表（误导入的文件、单位误发的表）：文件和记录保留，历史中显示“已撤回”
    及原因；现行数据、及时性、排名、汇总和待处理清单都当作从未导入。可用 qzfsg restore 恢复。

    示例：qzfsg withdraw 12 --reason 单位误发了去年的表
    """
    from qzfsg.corrections import withdraw as withdraw_return
    from qzfsg.storage.archive import archive_for

    with database(db) as session:
        result = withdraw_return(
            session,
            submission,
            acting(by, reason, override),
            archive_for(db_path(db)),
            date.today(),
        )
    _corrected(result, as_json)


def restore(
    submission: IdArg,
    reason: ReasonOption = None,
    override: OverrideOption = False,
    by: ByOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """恢复一份撤回的报表：按收到时间重新排入各版本，一切如同未曾撤回。

    示例：qzfsg restore 12 --reason 撤错了
    """
    from qzfsg.corrections import restore as restore_return
    from qzfsg.storage.archive import archive_for

    with database(db) as session:
        result = restore_return(
            session,
            submission,
            acting(by, reason, override),
            archive_for(db_path(db)),
            date.today(),
        )
    _corrected(result, as_json)


def redate(
    submission: IdArg,
    received: Annotated[str, typer.Argument(help="正确的收到时间。", metavar="YYYY-MM-DD[THH:MM]")],
    reason: NeededReason,
    override: OverrideOption = False,
    by: ByOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """更正一份报表的收到时间（如导入时 --received 输错了日期）：版本先后、是否迟报随之改变。

    示例：qzfsg redate 12 2018-08-30 --reason 收到日期录错
    """
    from qzfsg.corrections import redate as redate_return
    from qzfsg.storage.archive import archive_for
    from qzfsg.timestamps import parse_received

    when = parse_received(received)
    with database(db) as session:
        by_whom = acting(by, reason, override)
        result = redate_return(
            session, submission, when, by_whom, archive_for(db_path(db)), date.today()
        )
    _corrected(result, as_json)


def refile(
    submission: IdArg,
    reason: NeededReason,
    unit: Annotated[
        str | None, typer.Option("--unit", metavar="单位", help="改归哪个单位。")
    ] = None,
    month: Annotated[
        str | None, typer.Option("--month", metavar="YYYY-MM", help="改归哪个月份。")
    ] = None,
    override: OverrideOption = False,
    by: ByOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """把一份报表改归另一个单位或月份：按改归后的单位和月份重新审核（累计数衔接、版本先后），
    审核意见随之更新；原来和新的单位月份都重新排定现行版本。

    示例：qzfsg refile 12 --month 2018-08 --reason 单位把 8 月报表标成了 9 月
    """
    from qzfsg.corrections import refile as refile_return
    from qzfsg.storage.archive import archive_for

    chosen = month_or_none(month)
    if unit is None and chosen is None:
        from qzfsg.errors import QzfsgError

        raise QzfsgError("请用 --unit 或 --month（或两者）指明改归到哪里。")
    with database(db) as session:
        result = refile_return(
            session, submission, unit, chosen, acting(by, reason, override),
            archive_for(db_path(db)), date.today(),
        )  # fmt: skip
    _corrected(result, as_json)


def lock(
    month: MonthArg,
    reason: ReasonOption = None,
    by: ByOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """通报发布后锁定该月：此后会改变该月数字、及时性或排名的操作（导入、撤回、更正收到时间、
    改归、单位名录和报送期限的相关修改）一律拒绝，除非加 --override --reason（记入操作记录）。
    rank、report、bulletin、status 把锁定的月份标为“已发布”；锁定月份的汇总表每次导出都完全相同。

    示例：qzfsg lock 2018-08 --reason 8月通报已印发
    """
    from qzfsg.locks import lock_month
    from qzfsg.months import Month
    from qzfsg.render import corrections as render

    with database(db) as session:
        result = lock_month(session, Month.parse(month), acting(by, reason))
    show_or_json(result, as_json, render.locked)


def unlock(
    month: MonthArg,
    reason: NeededReason,
    by: ByOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """解除某月的锁定（如通报需要更正重发）；原因记入操作记录。

    示例：qzfsg unlock 2018-08 --reason 8月通报需更正重发
    """
    from qzfsg.locks import unlock_month
    from qzfsg.months import Month
    from qzfsg.render import corrections as render

    parsed = Month.parse(month)
    with database(db) as session:
        result = unlock_month(session, parsed, acting(by, reason))
    if as_json:
        emit_json({"month": str(parsed), "was_locked": result is not None, "lock": result})
    else:
        show(render.unlocked(parsed, result))


def log(
    month: OnlyMonthOption = None,
    unit: OnlyUnitOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """操作记录：每次导入、撤回、恢复、更正收到时间、改归、锁定、解锁、越锁更改、移出清单，
    以及单位名册和截止日期的修改：何时、何人、改前改后、原因。只增不改。

    示例：qzfsg log --month 2018-08　　qzfsg log --unit 城管执法局 --json
    """
    from qzfsg.audit import read_log
    from qzfsg.registry import get_unit
    from qzfsg.render import corrections as render

    chosen = month_or_none(month)
    with reading(db) as connection:
        name = get_unit(connection, unit).name if unit else None
        entries = read_log(connection, str(chosen) if chosen else None, name)
    show_or_json(entries, as_json, render.log_table)


def register(app: typer.Typer) -> None:
    for command in (withdraw, restore, redate, refile, lock, unlock, log):
        app.command(cls=QzfsgCommand)(command)
