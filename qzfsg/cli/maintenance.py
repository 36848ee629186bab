"""`qzfsg check`, `qzfsg backup` and `qzfsg copy`: keeping the database and its archive
whole, and moving them."""

from pathlib import Path
from typing import Annotated

import typer

from qzfsg.cli.base import QzfsgCommand
from qzfsg.cli.common import (
    DbOption,
    ForceOption,
    JsonOption,
    db_path,
    emit_json,
    show,
    show_or_json,
)


def check(
    fix: Annotated[
        bool, typer.Option("--fix", help="删除没有记录引用的归档文件和中断操作留下的临时文件。")
    ] = False,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """检查数据库是否完好、每个归档文件是否都在且与收到时一致，并列出多余的文件。

    发现问题时退出码为 1。不改动数据库；--fix 只删除多余的归档文件和临时文件
    （最近 10 分钟内写入的不动，可能属于正在进行的导入）。

    示例：qzfsg check　　qzfsg check --fix　　qzfsg check --json
    """
    from qzfsg.errors import ExitCode
    from qzfsg.render import maintenance as render
    from qzfsg.storage.checkup import check_database

    report = check_database(db_path(db), fix=fix)
    if as_json:
        emit_json(report.model_dump() | {"ok": report.ok})
    else:
        show(render.check_report(report))
    if not report.ok:
        raise typer.Exit(int(ExitCode.DATA))


def backup(
    file: Annotated[
        Path, typer.Argument(help="备份文件，如 备份/qzfsg-2018-10-08.db。", metavar="文件")
    ],
    force: ForceOption = False,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """备份数据库（连同归档文件），别人正在导入时也可以备份；备份完成后自动核对。

    归档文件复制到备份文件旁的“文件名-archive”文件夹。服务器上的数据库也备份成这样
    一个文件（连同库里存的原件）。恢复时直接用备份文件：qzfsg status --db 备份文件
    （或把两者复制回原处；要放回服务器上，用 qzfsg copy 备份文件 postgresql://…）。

    示例：qzfsg backup 备份/qzfsg-2018-10-08.db
    """
    from qzfsg.cli.common import refuse_overwrite
    from qzfsg.render import maintenance as render
    from qzfsg.storage.archive import archive_folder
    from qzfsg.storage.backup import back_up

    refuse_overwrite([file, archive_folder(file)], force)
    report = back_up(db_path(db), file)
    if as_json:
        emit_json(report)
    else:
        show(render.backup_report(report))


def copy(
    source: Annotated[
        str,
        typer.Argument(
            help="要复制的数据库：数据库文件，或 postgresql://用户@服务器/库名。", metavar="源"
        ),
    ],
    dest: Annotated[
        str,
        typer.Argument(
            help="复制到哪里：一个新的数据库文件，或服务器上的一个空数据库。", metavar="目标"
        ),
    ],
    as_json: JsonOption = False,
) -> None:
    """把整个数据库连同归档文件复制到新文件或服务器上的空数据库，复制完自动核对。

    数据库文件和服务器上的数据库可以互相复制：把现有的 qzfsg.db 搬到服务器上，或把服务器
    上的数据库带回成一个文件（归档文件随之放进文件旁的“文件名-archive”文件夹）。目标必须
    是新文件或空库，否则不作改动（退出码 2）；核对不符时整个复制撤销，目标不留任何东西
    （退出码 1）。源数据库缺了的归档文件不影响其余的复制，会列出来（退出码 1）。
    这里不看 --db 和 QZFSG_DB，源和目标都要写明。

    示例：qzfsg copy qzfsg.db postgresql://clerk@服务器/qzfsg
    qzfsg copy postgresql://clerk@服务器/qzfsg 带回/qzfsg.db
    """
    from qzfsg.errors import ExitCode
    from qzfsg.render import maintenance as render
    from qzfsg.storage.copying import copy_database
    from qzfsg.storage.db import database_path

    report = copy_database(database_path(source), database_path(dest))
    show_or_json(report, as_json, render.copy_report)
    if report.missing:
        raise typer.Exit(int(ExitCode.DATA))


def register(app: typer.Typer) -> None:
    app.command(cls=QzfsgCommand)(check)
    app.command(cls=QzfsgCommand)(backup)
    app.command(cls=QzfsgCommand)(copy)
