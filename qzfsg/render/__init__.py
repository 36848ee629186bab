"""Rich renderables built from plain data, one module per area. Never touches the database.

Every string that came from a spreadsheet or the clerk goes into a `Text` (through `text`)
so that brackets in it are shown, never interpreted as markup, and terminal escapes in it
are shown as `\\x1b`, never sent to the terminal.
"""

from __future__ import annotations

from rich.table import Table
from rich.text import Text

from qzfsg.inert import inert

SEVERITY_STYLE = {"error": "red", "warning": "yellow", "info": "dim"}
SEVERITY_LABEL = {"error": "错误", "warning": "提醒", "info": "说明"}


def table(*columns: str, title: str | None = None) -> Table:
    grid = Table(title=title, title_justify="left", header_style="bold", show_lines=False)
    for column in columns:
        grid.add_column(column, overflow="fold")  # Chinese has no spaces to wrap at
    return grid


def text(value: object, style: str = "") -> Text:
    """Spreadsheet-derived text, shown literally: no markup, and control or invisible
    characters as their escapes (what is stored is inert already; this is the guard)."""
    return Text("" if value is None else inert(str(value)), style=style)
