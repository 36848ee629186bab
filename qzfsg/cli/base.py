"""The typer classes every command uses: Chinese help option, and one place where a
QzfsgError becomes its message on stderr and its exit code."""

from __future__ import annotations

import os
import sys
from contextlib import suppress
from typing import Any

import typer
from typer._click.exceptions import NoArgsIsHelpError, UsageError
from typer.core import TyperArgument, TyperCommand, TyperGroup

from qzfsg.cli import i18n
from qzfsg.errors import ExitCode, QzfsgError


def _no_type(ctx: Any) -> None:
    return None


class ChineseHelp:
    """Help in Chinese: 用法：, no type tags such as <str> or <list[str]> beside an
    argument's name, paragraphs without stray spaces and the commands' summaries in full."""

    help: str | None
    short_help: str | None

    def get_help_option(self, ctx: typer.Context) -> Any:
        option = super().get_help_option(ctx)  # type: ignore[misc]
        if option is not None:
            option.help = i18n.HELP_OPTION
        return option

    def format_usage(self, ctx: typer.Context, formatter: Any) -> None:
        pieces = super().collect_usage_pieces(ctx)  # type: ignore[misc]
        line = " ".join(i18n.usage_piece(piece) for piece in pieces)
        formatter.write_usage(ctx.command_path, line, prefix=i18n.USAGE)

    def format_help(self, ctx: typer.Context, formatter: Any) -> None:
        for param in super().get_params(ctx):  # type: ignore[misc]
            if isinstance(param, TyperArgument):  # its metavar says enough
                param.display_type_rich = _no_type  # type: ignore[method-assign]
        super().format_help(ctx, formatter)  # type: ignore[misc]

    def format_help_text(self, ctx: typer.Context, formatter: Any) -> None:
        if self.help:
            formatter.write_paragraph()
            with formatter.indentation():
                formatter.write_text(i18n.join_lines(self.help))

    def get_short_help_str(self, limit: int = 45) -> str:
        """The first paragraph of the help, never cut short."""
        if self.short_help:
            return self.short_help
        return i18n.join_lines(self.help or "").split("\n\n")[0]

    def parse_args(self, ctx: typer.Context, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)  # type: ignore[misc]
        except UsageError as exc:  # the parser's own errors come without the command
            if exc.ctx is None:
                exc.ctx = ctx  # so that the message points to this command's --help
            raise


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
            return self._invoke(ctx)
        finally:
            _close_databases()

    def _invoke(self, ctx: typer.Context) -> Any:
        try:
            return super().invoke(ctx)
        except QzfsgError as exc:
            fail(ctx, str(exc), exc.exit_code)
        except UsageError as exc:
            from qzfsg.cli.usage import usage_text

            fail(ctx, usage_text(exc), ExitCode.USAGE)
        except (typer.Exit, typer.Abort):
            raise
        except KeyboardInterrupt:
            fail(ctx, "已中断（Ctrl-C）。正在进行的这一步未写入数据库。", ExitCode.INTERRUPTED)
        except BrokenPipeError:  # the reader of a pipe went away (qzfsg … | head): end quietly
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            ctx.exit(int(ExitCode.PIPE_CLOSED))
        except Exception as exc:
            from qzfsg.cli.common import debug_enabled

            if (known := _explain(exc)) is not None:
                fail(ctx, str(known), known.exit_code)
            if debug_enabled():
                raise
            text = (
                f"程序内部错误（{type(exc).__name__}: {exc}）。出错的这一步未写入数据库"
                "（导入时每个文件各自保存，此前已处理的文件已存入）。"
                "设置环境变量 QZFSG_DEBUG=1 再运行可看到详细信息，请发给维护人员。"
            )
            fail(ctx, text, ExitCode.USAGE)


def _explain(exc: Exception) -> QzfsgError | None:
    """A fault of the machine (full disk, read-only, locked or damaged database…) named
    in Chinese, or None."""
    from qzfsg.storage.db import explain

    return explain(exc)


def _close_databases() -> None:
    """Close what the command opened and fold each database's log back into its file
    (db.close_all), also after a failed command; say so when that cannot be done."""
    db = sys.modules.get("qzfsg.storage.db")
    if db is None:
        return
    try:
        db.close_all()
    except QzfsgError as exc:
        report(str(exc))
        raise typer.Exit(int(exc.exit_code)) from None


def report(text: str) -> None:
    """One Chinese sentence on stderr."""
    from rich.markup import escape

    from qzfsg.cli.common import console
    from qzfsg.inert import inert

    with suppress(OSError):  # stderr itself on the full disk, or closed
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
