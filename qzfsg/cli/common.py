"""What every command shares: the --db and --json options, the database session, output."""

from __future__ import annotations

import dataclasses
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from rich.console import Console, RenderableType
    from sqlmodel import Session

    from qzfsg.months import Month
    from qzfsg.storage.db import Where

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        metavar="文件",
        help="数据库文件，或服务器上的数据库 postgresql://用户@服务器/库名；没写时用命令前面"
        " qzfsg --db 给的，再没有用环境变量 QZFSG_DB，都没有则用当前文件夹的 qzfsg.db。",
        show_default=False,
    ),
]
AsOfOption = Annotated[
    str | None,
    typer.Option(
        "--as-of",
        metavar="YYYY-MM-DD",
        help="按哪一天的情况统计迟报、未报，默认今天；此后收到的报表不算。",
        show_default=False,
    ),
]
JsonOption = Annotated[
    bool, typer.Option("--json", help="以 JSON 输出（结构见 README），供其他程序读取。")
]
ByOption = Annotated[
    str | None,
    typer.Option(
        "--by",
        metavar="姓名",
        help="记入操作记录的经办人，默认为当前登录的系统用户名。",
        show_default=False,
    ),
]
ReasonOption = Annotated[
    str | None,
    typer.Option("--reason", metavar="原因", help="更改的原因，记入操作记录。", show_default=False),
]
OverrideOption = Annotated[
    bool,
    typer.Option("--override", help="月份已锁定（通报已发布）时仍然更改；须用 --reason 说明原因。"),
]
OnlyMonthOption = Annotated[
    str | None, typer.Option("--month", metavar="YYYY-MM", help="只看某月。")
]
OnlyUnitOption = Annotated[str | None, typer.Option("--unit", metavar="单位", help="只看某单位。")]
ForceOption = Annotated[
    bool, typer.Option("--force", help="要写的文件已存在时覆盖它（默认不覆盖，报错退出）。")
]

OutOption = Annotated[
    Path | None,
    typer.Option(
        "--out",
        metavar="文件夹",
        help="把要发送的文字存成文件放进这个文件夹（没有则新建）：每个单位一个 .txt，另加一个群消息。",
        show_default=False,
    ),
]
DocxOption = Annotated[
    bool,
    typer.Option(
        "--docx", help="与 --out 一起用：另为每个单位生成一份 Word 通知（.docx），可打印盖章。"
    ),
]


def write_notices(notices: list[Any], folder: Path | None, docx: bool, force: bool) -> list[Path]:
    """The notices as files in `folder` (nothing when no folder was given); every file is
    checked before any is written, so a refusal leaves the folder as it was."""
    from qzfsg.errors import QzfsgError

    if folder is None:
        if docx:
            raise QzfsgError("--docx 要与 --out 文件夹 一起用，例如 --out 退回意见 --docx。")
        return []
    if folder.exists() and not folder.is_dir():
        raise QzfsgError(f"“{folder}”是一个文件，--out 应为文件夹。")
    from qzfsg.notices import notice_files, write_notice_files

    planned = notice_files(notices, folder, docx)
    refuse_overwrite([path for _, path in planned], force)
    return write_notice_files(planned)


def acting(by: str | None, reason: str | None = None, override: bool = False) -> Any:
    """Who makes a change and why, from --by, --reason and --override (qzfsg.audit.Actor)."""
    from qzfsg.audit import actor

    return actor(by, reason, override)


def refuse_overwrite(paths: Iterable[Path], force: bool) -> None:
    """Stop before writing anything when a file to be written exists already, unless the
    clerk said --force: a 通报 or a set of 退回意见 sent last month is not silently replaced."""
    if force:
        return
    existing = [path for path in paths if path.exists()]
    if existing:
        from qzfsg.errors import QzfsgError

        shown = "、".join(str(path) for path in existing[:3])
        more = f"等 {len(existing)} 个文件" if len(existing) > 3 else ""
        raise QzfsgError(
            f"文件 {shown}{more} 已存在，未作改动。要覆盖请加 --force，或换一个文件名（文件夹）。"
        )


def db_path(option: str | None) -> Where:
    """The command's --db; else one given before the command (`qzfsg --db FILE status`);
    else $QZFSG_DB, else qzfsg.db here (qzfsg.storage.db.database_path)."""
    from typer._click.globals import get_current_context

    from qzfsg.storage.db import database_path

    if option is None and (ctx := get_current_context(silent=True)) is not None:
        option = ctx.find_root().params.get("db")
    return database_path(option)


@contextmanager
def database(option: str | None) -> Iterator[Session]:
    """A session on the existing database; committed when the command ends without error."""
    from qzfsg.storage.db import open_database, session_for

    engine = open_database(db_path(option))
    with session_for(engine) as session:
        yield session
        session.commit()


@contextmanager
def reading(option: str | None) -> Iterator[Any]:
    """A plain DB-API connection on the existing database, for a command that only reads:
    no SQLAlchemy or SQLModel is imported (see qzfsg.queries)."""
    from qzfsg.storage.db import open_reader

    yield open_reader(db_path(option))


def _json_value(value: Any) -> Any:
    """What json cannot encode itself: Decimal as an exact number, dates as ISO text,
    pydantic models and dataclasses as their fields (or their own `as_json` shape)."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral() else float(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    if hasattr(value, "as_json"):  # a shape of its own (qzfsg.findings.Finding)
        return value.as_json()
    if hasattr(value, "model_dump"):
        return value.model_dump()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        # One level: json comes back here for the values inside, each in its own shape.
        return {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
    raise TypeError(f"not JSON: {type(value).__name__}")


def emit_json(data: Any) -> None:
    """Print data as JSON: Decimal as exact numbers, dates as ISO text, Chinese unescaped.

    Indented for a person at a terminal; compact for a program reading a pipe, where the
    standard library's fast encoder (which cannot indent) prints a board of thousands of
    units in a moment. A list given as an iterator (a generator) is written as it is
    produced, a batch at a time, so that a long list is never held twice (as objects and as
    text). Written directly: typer.echo would scan megabytes of output for colour codes."""
    from qzfsg.jsonout import write_json

    write_json(sys.stdout, data, indent=2 if sys.stdout.isatty() else None, default=_json_value)
    sys.stdout.write("\n")


# Output to a file or a pipe has no width to fit: a row of a table stays one line, so that
# a phone number or a unit's name is never split (grep, a spreadsheet, a QQ message).
UNBOUNDED = 100_000


def show_or_json(data: Any, as_json: bool, view: Callable[[Any], RenderableType]) -> None:
    """`data` as JSON, or its view as rich output."""
    if as_json:
        emit_json(data)
    else:
        show(view(data))


def console(stderr: bool = False) -> Console:
    from rich.console import Console

    stream = sys.stderr if stderr else sys.stdout
    width = None if stream.isatty() else UNBOUNDED
    return Console(stderr=stderr, highlight=False, width=width)


def show(*renderables: RenderableType) -> None:
    """Print to stdout; lines of text are never cut to the terminal's width, tables fit it
    on a terminal and are never wrapped elsewhere (see UNBOUNDED)."""
    from rich.text import Text

    out = console()
    for item in renderables:
        out.print(item, soft_wrap=isinstance(item, str | Text))


def month_or_none(text: str | None) -> Month | None:
    """An optional YYYY-MM option as a Month (a clear error when it is not one)."""
    from qzfsg.months import Month

    return Month.parse(text) if text else None


def day_or_none(text: str | None) -> date | None:
    """An optional YYYY-MM-DD option as a date (a clear error when it is not one)."""
    from qzfsg.timestamps import parse_day

    return parse_day(text) if text else None


def safe(text: str) -> str:
    """Text from a spreadsheet or the clerk, for a rich markup string: shown literally."""
    from rich.markup import escape

    return escape(text)


def debug_enabled() -> bool:
    return os.environ.get("QZFSG_DEBUG", "") not in ("", "0")
