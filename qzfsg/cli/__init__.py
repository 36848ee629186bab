"""The command line: parses options, calls one core function, renders. The only importer
of typer. Heavy libraries (sqlmodel, openpyxl, calamine) are imported inside the commands
so that `qzfsg --help` starts fast."""

from __future__ import annotations

import contextlib
import os
import sys
from typing import Annotated

from qzfsg.cli import i18n

i18n.install()

import typer  # noqa: E402

from qzfsg.cli.base import new_app  # noqa: E402

app = new_app(
    name="qzfsg",
    help=(
        "汨罗市安全监管“强执法防事故”行动月报表工具：收表审核、催报、排名、汇总。\n\n"
        "先运行 qzfsg init 创建数据库，再用 qzfsg import 导入各单位报来的月报表。"
    ),
)


@app.callback()
def everywhere(
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            metavar="文件",
            help="各命令用的数据库文件（或服务器上的数据库 postgresql://用户@服务器/库名），"
            "如 qzfsg --db 2018.db status；"
            "命令后面也可以写 --db，两处都写时以命令后面的为准。",
            show_default=False,
        ),
    ] = None,
) -> None:
    """`qzfsg --db FILE COMMAND …`: the database for any command; a --db given after the
    command wins (see common.db_path)."""


from qzfsg.cli import (  # noqa: E402
    corrections,
    exports,
    maintenance,
    ranking,
    returns,
    setup,
    timeliness,
    units,
)

for module in (setup, returns, corrections, timeliness, ranking, exports, units, maintenance):
    module.register(app)


def main() -> None:
    """The `qzfsg` command. Ends with os._exit: tearing down the interpreter's objects
    (SQLAlchemy builds many) took a fifth of a second of every command, and there is
    nothing left to do by then: every transaction is committed, the database closed by the
    command group (which folds its write-ahead log back into the file, see
    base.QzfsgGroup.invoke) and the output flushed."""
    keep_only(called_name(sys.argv[1:]))
    try:
        app()
        code = 0
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError):  # the reader of a pipe went away (qzfsg … | head)
            stream.flush()
    os._exit(code)


def called_name(args: list[str]) -> str | None:
    """The command `args` call (`qzfsg --db x.db status …` calls status), if any."""
    words = iter(args)
    for word in words:
        if word == "--db":
            next(words, None)
        elif not word.startswith("-"):
            return word
    return None


def keep_only(name: str | None) -> None:
    """Keep in the app only the command (or group) called `name`, when it has one: typer
    turns every registered command into a click command at each start, about 30 ms for
    all of them (as long as python starting), though one runs. Without a command, or a
    misspelt one, all stay: for the list of commands and the suggestions."""
    from typer.main import get_command_name

    commands = [
        c
        for c in app.registered_commands
        if (c.name or get_command_name(c.callback.__name__)) == name  # type: ignore[union-attr]
    ]
    groups = [g for g in app.registered_groups if g.name == name]
    if commands or groups:
        app.registered_commands[:] = commands
        app.registered_groups[:] = groups
