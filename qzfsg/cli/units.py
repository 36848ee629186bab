"""`qzfsg units …` (the registry) and `qzfsg liaisons …` (附件2)."""

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

from qzfsg.cli.base import QzfsgCommand, new_app
from qzfsg.cli.common import (
    ByOption,
    DbOption,
    JsonOption,
    OverrideOption,
    ReasonOption,
    acting,
    database,
    db_path,
    emit_json,
    reading,
    safe,
    show,
)
from qzfsg.kinds import KIND_WORDS


def word_choice(words: dict[str, str], shown: str) -> Callable[[str | None], str | None]:
    """An option's value written in Chinese or in English, as the code's word."""

    def parse(value: str | None) -> str | None:
        if value is None:
            return None
        found = words.get(value.strip().lower())
        if found is None:
            raise typer.BadParameter(f"“{value}”不是可选的值，可选：{shown}")
        return found

    return parse


kind_value = word_choice(KIND_WORDS, "镇（town）、部门（department）")


def kind_option(help_text: str) -> Any:
    return typer.Option("--kind", metavar="镇|部门", help=help_text, callback=kind_value)


KindOption = Annotated[
    str | None, kind_option("只看一类：镇（town，含三园一区）或部门（department）。")
]
UnitArg = Annotated[str, typer.Argument(help="单位的正式名称或任一别名。", metavar="单位")]

units_app = new_app(help="管理填报单位名册：查看、新增、改名、别名、停用、批量导入。")
liaisons_app = new_app(help="联络员信息表（附件2）：导入与查看。")


@units_app.command("list", cls=QzfsgCommand)
def list_(
    kind: KindOption = None,
    active_only: Annotated[bool, typer.Option("--active", help="只列在册（未停用）单位。")] = False,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """列出填报单位（按名册顺序），含类别、状态和别名。

    示例：qzfsg units list --kind town
    """
    from qzfsg.registry import list_units
    from qzfsg.render import registry as render

    with reading(db) as session:
        units = list_units(session, kind, include_inactive=not active_only)
    if as_json:
        emit_json(units)
    else:
        show(render.units_table(units))


@units_app.command(cls=QzfsgCommand)
def add(
    name: Annotated[str, typer.Argument(help="正式名称，如“市人防办”。", metavar="名称")],
    kind: Annotated[str, kind_option("镇（town，含园区）或部门（department）。")],
    alias: Annotated[
        list[str] | None,
        typer.Option("--alias", metavar="别名", help="别名，可重复给出。", show_default=False),
    ] = None,
    since: Annotated[
        str | None,
        typer.Option(
            "--from",
            metavar="YYYY-MM",
            help="自哪个月起应报；默认本月（行动期外取行动的首月或末月）。",
        ),
    ] = None,
    override: OverrideOption = False,
    reason: ReasonOption = None,
    by: ByOption = None,
    db: DbOption = None,
) -> None:
    """新增一个填报单位。

    示例：qzfsg units add 市人防办 --kind department --alias 人防办
    """
    from qzfsg.campaign import load_campaign
    from qzfsg.months import Month
    from qzfsg.registry import add_unit

    with database(db) as session:
        month = Month.parse(since) if since else load_campaign(session).current_month(date.today())
        unit = add_unit(
            session, name, kind, alias or [], month,  # type: ignore[arg-type]
            by=acting(by, reason, override),
        )  # fmt: skip
    show(f"已新增单位 {safe(unit.name)}，自 {month} 起应报（更早的月份不算它未报）。")


@units_app.command(cls=QzfsgCommand)
def rename(
    unit: UnitArg,
    new_name: Annotated[str, typer.Argument(help="新的正式名称。", metavar="新名称")],
    override: OverrideOption = False,
    reason: ReasonOption = None,
    by: ByOption = None,
    db: DbOption = None,
) -> None:
    """给单位改名；旧名称保留为别名，旧表照样能识别。

    示例：qzfsg units rename 市林业局 市自然资源局林业分局
    """
    from qzfsg.registry import rename_unit

    with database(db) as session:
        renamed = rename_unit(session, unit, new_name, acting(by, reason, override))
    show(f"已改名为 {safe(renamed.name)}，原名称保留为别名。")


@units_app.command(cls=QzfsgCommand)
def alias(
    unit: UnitArg,
    new_alias: Annotated[str, typer.Argument(help="表上可能出现的另一种写法。", metavar="别名")],
    override: OverrideOption = False,
    reason: ReasonOption = None,
    by: ByOption = None,
    db: DbOption = None,
) -> None:
    """给单位加一个别名（表上的其他写法）。

    示例：qzfsg units alias 市市场监督管理局 市场局
    """
    from qzfsg.registry import add_alias

    with database(db) as session:
        owner = add_alias(session, unit, new_alias, acting(by, reason, override))
    show(f"“{safe(new_alias)}”现在识别为 {safe(owner.name)}。")


@units_app.command(cls=QzfsgCommand)
def deactivate(
    unit: UnitArg,
    since: Annotated[
        str | None,
        typer.Option(
            "--from",
            metavar="YYYY-MM",
            help="自哪个月起不再应报；默认本月（行动期外取行动的首月或末月）。",
        ),
    ] = None,
    override: OverrideOption = False,
    reason: ReasonOption = None,
    by: ByOption = None,
    db: DbOption = None,
) -> None:
    """停用单位：自指定月份起不再算作应报单位，已报的数据保留。

    示例：qzfsg units deactivate 市地方海事处 --from 2018-10
    """
    from qzfsg.campaign import load_campaign
    from qzfsg.months import Month
    from qzfsg.registry import deactivate_unit

    with database(db) as session:
        month = Month.parse(since) if since else load_campaign(session).current_month(date.today())
        unit_row = deactivate_unit(session, unit, month, acting(by, reason, override))
    show(f"{safe(unit_row.name)} 自 {month} 起停用，历史数据保留。")


@units_app.command("import", cls=QzfsgCommand)
def import_(
    file: Annotated[
        Path,
        typer.Argument(
            help="名册文件：.csv 或 .xlsx/.xls，列为 名称、类别、别名。", metavar="文件"
        ),
    ],
    override: OverrideOption = False,
    reason: ReasonOption = None,
    by: ByOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """从文件批量导入单位：新单位加入名册，已有单位只补充别名。

    示例：qzfsg units import 单位名册.xlsx
    """
    from qzfsg.registry import import_units, read_units_file
    from qzfsg.render import registry as render

    units = read_units_file(file)
    with database(db) as session:
        summary = import_units(session, units, acting(by, reason, override))
    if as_json:
        emit_json(summary)
    else:
        show(render.units_import_summary(summary))


@liaisons_app.command("import", cls=QzfsgCommand)
def liaisons_import(
    file: Annotated[
        Path, typer.Argument(help="联络员信息表（附件2），.xlsx/.xls/.ods/.csv。", metavar="文件")
    ],
    received: Annotated[
        str | None,
        typer.Option(
            "--received", metavar="YYYY-MM-DD[THH:MM]", help="收到时间，默认取文件的修改时间。"
        ),
    ] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """导入联络员信息表；每个单位以最近一次报送的为准，手机号或 QQ 号不对的行不存入。

    示例：qzfsg liaisons import 附件2-归义镇.xlsx
    """
    from qzfsg.errors import ExitCode, NotFoundError
    from qzfsg.liaisons import import_liaisons
    from qzfsg.render import registry as render
    from qzfsg.storage.archive import archive_for, file_time
    from qzfsg.timestamps import parse_received

    if not file.is_file():
        raise NotFoundError(f"找不到文件 {file}。")
    when = parse_received(received) if received else file_time(file)
    with database(db) as session:
        result = import_liaisons(session, file, when, archive_for(db_path(db)))
    if as_json:
        emit_json(result)
    else:
        show(render.liaison_import(result))
    if not result.ok:
        raise typer.Exit(int(ExitCode.DATA))


@liaisons_app.command("list", cls=QzfsgCommand)
def liaisons_list(db: DbOption = None, as_json: JsonOption = False) -> None:
    """列出各单位的联络员（每个单位最近一次报送的），以及尚未报送的单位。

    示例：qzfsg liaisons list --json
    """
    from qzfsg.liaisons import list_liaisons, units_without_liaison
    from qzfsg.render import registry as render

    with database(db) as session:
        liaisons = list_liaisons(session)
        missing = [u.name for u in units_without_liaison(session)]
    if as_json:
        emit_json({"liaisons": liaisons, "missing": missing})
    else:
        show(render.liaisons_table(liaisons, missing))


def register(app: typer.Typer) -> None:
    app.add_typer(units_app, name="units")
    app.add_typer(liaisons_app, name="liaisons")
