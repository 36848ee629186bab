"""Chinese for the few words typer prints itself (panel titles, usage errors).

typer looks these strings up through `gettext.gettext`, which calls the module-level
`gettext.dgettext` on every lookup; answering there works whenever typer was imported.
Strings not in the table pass through unchanged; nothing else in the process uses gettext.
"""

from __future__ import annotations

import gettext
import re
import unicodedata

ZH = {
    "Arguments": "参数",
    "Options": "选项",
    "Commands": "命令",
    "Error": "错误",
    "Aborted!": "已中止。",
    "Aborted.": "已中止。",
    "Missing command.": "缺少命令。",
    "No such command {name!r}.": "没有命令“{name}”。",
    "Try [blue]'{command_path} {help_option}'[/] for help.": (
        "运行 [blue]'{command_path} {help_option}'[/] 查看用法。"
    ),
    "[default: {}]": "[默认：{}]",
    "default: {default}": "默认：{default}",
    "[env var: {}]": "[环境变量：{}]",
    "env var: {var}": "环境变量：{var}",
    "[required]": "[必填]",
    "required": "必填",
}
HELP_OPTION = "显示本帮助并退出。"
USAGE = "用法："
USAGE_WORDS = {"[OPTIONS]": "[选项]", "COMMAND [ARGS]...": "命令 [参数]…"}
# Patterns of wide ranges take milliseconds to compile: compiled (and cached by re) only
# when a help page is laid out, not at every start.
_WIDE = r"[\u2000-\u206f\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]"


def usage_piece(piece: str) -> str:
    """One piece of the usage line in Chinese; typer writes a required argument as
    {NAME} (and {NAME...}... when repeated), which reads as a set to the clerk, and an
    optional repeated one as [NAME…]..."""
    piece = USAGE_WORDS.get(piece, piece)
    if piece.startswith("{") and "}" in piece:
        name, _, rest = piece[1:].partition("}")
        piece = name if name.endswith(("…", "...")) else name + rest
    if piece.startswith("[") and piece.endswith("…]..."):  # optional and repeated: [文件…]
        piece = piece[:-3]
    return piece


def join_lines(text: str) -> str:
    """Each paragraph of a docstring as one line: click joins a paragraph's lines with a
    space, which puts a stray space between two Chinese characters."""
    paragraphs = []
    for block in re.split(r"\n\s*\n", text.strip()):
        joined = ""
        for line in (part.strip() for part in block.splitlines()):
            wide = joined and re.match(_WIDE, joined[-1]) and line and re.match(_WIDE, line[0])
            joined = f"{joined}{line}" if not joined or wide else f"{joined} {line}"
        paragraphs.append(joined)
    return "\n\n".join(paragraphs)


def display_width(text: str) -> int:
    """Columns a text takes on a terminal: a Chinese character takes two."""
    from typer._click._compat import strip_ansi

    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in strip_ansi(text))


_CHUNK = (
    r"\s+|[\u2e80-\u9fff\u3000-\u303f\uff00-\uffef]|[^\s\u2e80-\u9fff\u3000-\u303f\uff00-\uffef]+"
)
# Chinese punctuation stays on the line of the character it belongs to.
_NO_LINE_START = set("，。；：、？！）》”’…")
_NO_LINE_END = set("（《“‘")


def chinese_wrapper(base: type) -> type:
    """click's TextWrapper, breaking lines between two Chinese characters too and
    measuring a line in terminal columns (a Chinese character takes two)."""

    class ChineseWrapper(base):  # type: ignore[misc, valid-type]
        def _split(self, text: str) -> list[str]:
            chunks = re.findall(_CHUNK, text)
            joined: list[str] = []
            for chunk in chunks:
                glued = joined and (chunk[0] in _NO_LINE_START or joined[-1][-1] in _NO_LINE_END)
                if glued and not chunk.isspace():
                    joined[-1] += chunk
                else:
                    joined.append(chunk)
            return joined

        def _wrap_chunks(self, chunks: list[str]) -> list[str]:
            lines: list[str] = []
            chunks = list(reversed(chunks))
            while chunks:
                indent = self.subsequent_indent if lines else self.initial_indent
                room = max(self.width - display_width(indent), 1)
                if lines and chunks[-1].isspace():
                    chunks.pop()
                line: list[str] = []
                used = 0
                while chunks and used + display_width(chunks[-1]) <= room:
                    used += display_width(chunks[-1])
                    line.append(chunks.pop())
                if not line and chunks:  # one chunk wider than the line: cut it
                    head, rest = "", chunks.pop()
                    while rest and display_width(head + rest[0]) <= room:
                        head, rest = head + rest[0], rest[1:]
                    line.append(head or rest[:1])
                    rest = rest if head else rest[1:]
                    if rest:
                        chunks.append(rest)
                while line and line[-1].isspace():
                    line.pop()
                lines.append(indent + "".join(line))
            return lines

    return ChineseWrapper


def install() -> None:
    english = gettext.dgettext
    gettext.dgettext = lambda domain, message: ZH.get(message) or english(domain, message)
    # click lines up the help's columns by counting characters; 单位 takes four columns.
    from typer._click import _textwrap, formatting

    formatting.term_len = display_width
    _textwrap.TextWrapper = chinese_wrapper(_textwrap.TextWrapper)
