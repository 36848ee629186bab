"""The typer classes every command uses: Chinese help option, and one place where a
QzfsgError becomes its message on stderr and its exit code."""

from __future__ import annotations

from typing import Any

import typer
from typer._click.exceptions import NoArgsIsHelpError, UsageError
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
    def make_context(
        self, info_name: str | None, args: list[str], parent: Any = None, **extra: Any
    ) -> Any:
        try:
            return super().make_context(info_name, args, parent=parent, **extra)
        except NoArgsIsHelpError as exc:  # plain `qzfsg`: the help, as asked
            typer.echo(exc.ctx.get_help() if exc.ctx else "")
            raise typer.Exit(int(ExitCode.OK)) from None
        except UsageError as exc:  # an unknown option of qzfsg itself, say
            from qzfsg.cli.usage import usage_text

            report(usage_text(exc))
            raise typer.Exit(int(ExitCode.USAGE)) from None

    def invoke(self, ctx: typer.Context) -> Any:
        try:
            return super().invoke(ctx)
        except QzfsgError as exc:
            fail(ctx, str(exc), exc.exit_code)
        except UsageError as exc:
            from qzfsg.cli.usage import usage_text

            fail(ctx, usage_text(exc), ExitCode.USAGE)
        except (typer.Exit, typer.Abort, KeyboardInterrupt):
            raise
        except Exception as exc:
            from qzfsg.cli.common import debug_enabled

            if debug_enabled():
                raise
            if "database is locked" in str(exc):  # sqlite3's, or wrapped by SQLAlchemy
                text = "数据库正被另一个 qzfsg 命令使用，等待超时。请稍后再试；出错的这一步未写入数据库。"
            else:
                text = (
                    f"程序内部错误（{type(exc).__name__}: {exc}）。出错的这一步未写入数据库"
                    "（导入时每个文件各自保存，此前已处理的文件已存入）。"
                    "设置环境变量 QZFSG_DEBUG=1 再运行可看到详细信息，请发给维护人员。"
                )
            fail(ctx, text, ExitCode.USAGE)


def report(text: str) -> None:
    """One Chinese sentence on stderr."""
    from rich.markup import escape

    from qzfsg.cli.common import console
    from qzfsg.inert import inert

    console(stderr=True).print(f"[bold red]错误：[/]{escape(inert(text))}", soft_wrap=True)


def fail(ctx: typer.Context, text: str, code: ExitCode) -> None:
    report(text)
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
