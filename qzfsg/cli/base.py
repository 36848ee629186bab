"""The typer classes every command uses: Chinese help option, and one place where a
QzfsgError becomes its message on stderr and its exit code."""

from __future__ import annotations

from typing import Any

import typer
from typer.core import TyperCommand, TyperGroup

from qzfsg.cli import i18n
from qzfsg.errors import ExitCode, QzfsgError


class ChineseHelp:
    def get_help_option(self, ctx: typer.Context) -> Any:
        option = super().get_help_option(ctx)  # type: ignore[misc]
        if option is not None:
            option.help = i18n.HELP_OPTION
        return option


class QzfsgCommand(ChineseHelp, TyperCommand):
    pass


class QzfsgGroup(ChineseHelp, TyperGroup):
    def invoke(self, ctx: typer.Context) -> Any:
        try:
            return super().invoke(ctx)
        except QzfsgError as exc:
            fail(ctx, str(exc), exc.exit_code)
        except (typer.Exit, typer.Abort, KeyboardInterrupt):
            raise
        except Exception as exc:
            from qzfsg.cli.common import debug_enabled

            if debug_enabled():
                raise
            if "database is locked" in str(exc):  # sqlite3's, or wrapped by SQLAlchemy
                text = "数据库正被另一个 qzfsg 命令使用，等待超时。请稍后再试，数据未作改动。"
            else:
                text = (
                    f"程序内部错误（{type(exc).__name__}: {exc}）。数据未作改动。"
                    "设置环境变量 QZFSG_DEBUG=1 再运行可看到详细信息，请发给维护人员。"
                )
            fail(ctx, text, ExitCode.USAGE)


def fail(ctx: typer.Context, text: str, code: ExitCode) -> None:
    from rich.markup import escape

    from qzfsg.cli.common import console

    console(stderr=True).print(f"[bold red]错误：[/]{escape(text)}", soft_wrap=True)
    ctx.exit(int(code))


def new_app(**settings: Any) -> typer.Typer:
    return typer.Typer(
        cls=QzfsgGroup,
        no_args_is_help=True,
        add_completion=False,
        rich_markup_mode=None,
        pretty_exceptions_enable=False,
        context_settings={"help_option_names": ["-h", "--help"]},
        **settings,
    )
