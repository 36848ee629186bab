"""`qzfsg init` and `qzfsg resolve`."""

from typing import Annotated

import typer

from qzfsg.cli.base import QzfsgCommand
from qzfsg.cli.common import DbOption, JsonOption, database, db_path, emit_json, show


def init(
    db: DbOption = None,
    year: Annotated[
        int | None,
        typer.Option(
            "--year", metavar="YYYY", help="行动年份（默认 2018，即方案的年份）；整个日历随之平移。"
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """创建数据库，载入 data/ 中的默认单位名册、11 项指标和行动日历。

    数据库已存在时不作任何改动，只报告其中的内容。

    示例：qzfsg init　　qzfsg init --db 2019.db --year 2019
    """
    from qzfsg.bootstrap import init_database
    from qzfsg.render import registry as render

    report = init_database(db_path(db), year)
    if as_json:
        emit_json(report)
    else:
        show(render.init_report(report))


def resolve(
    text: Annotated[
        str, typer.Argument(help="表上写的单位名称，如“汨罗市归义镇人民政府”。", metavar="名称")
    ],
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """查看表上写的单位名称会被识别成哪个登记单位（或为什么识别不了）。

    示例：qzfsg resolve 汨罗市公安局　　qzfsg resolve "归义镇（盖章）"
    """
    from qzfsg.errors import DataError
    from qzfsg.registry import resolve_unit
    from qzfsg.render import registry as render

    with database(db) as session:
        found = resolve_unit(session, text)
    if as_json:
        emit_json(
            {
                "text": found.text,
                "key": found.key,
                "status": found.status,
                "unit": found.unit,
                "candidates": found.candidates,
            }
        )
    else:
        show(render.resolution(found))
    if found.status != "resolved":
        raise typer.Exit(int(DataError.exit_code))


def register(app: typer.Typer) -> None:
    app.command(cls=QzfsgCommand)(init)
    app.command(cls=QzfsgCommand)(resolve)
