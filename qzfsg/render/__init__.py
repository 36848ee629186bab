"""Rich renderables built from plain data, one module per area. Never touches the database.

Every string that came from a spreadsheet or the clerk goes into a `Text` (through `text`)
so that brackets in it are shown, never interpreted as markup, and terminal escapes in it
are shown as `\\x1b`, never sent to the terminal.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from rich import box
from rich.segment import Segment
from rich.table import Table
from rich.text import Text

from qzfsg.inert import inert

if TYPE_CHECKING:
    from rich.console import Console, ConsoleOptions, RenderResult
    from rich.measure import Measurement

SEVERITY_STYLE = {"error": "red", "warning": "yellow", "info": "dim"}
SEVERITY_LABEL = {"error": "错误", "warning": "提醒", "info": "说明"}
PUBLISHED = "（已发布）"  # after the label of a locked month


def table(*columns: str, title: str | None = None) -> Table:
    grid = PlainTable(title=title, title_justify="left", header_style="bold", show_lines=False)
    for column in columns:
        grid.add_column(column, overflow="fold")  # Chinese has no spaces to wrap at
    return grid


# Characters a str cell may hold for the plain path: rich reads "[" as markup and ":x:" as
# an emoji in a str (a Text is taken literally).
_MARKUP = frozenset("[:")


class PlainTable(Table):
    """rich's Table, drawn without rich's layout engine when the output has no colours
    (a pipe, a file) and every cell fits on one line: the same characters, a hundred
    times faster, which is what a league of thousands of units needs. Anything else (a
    terminal, a cell to fold, options `table` never sets) is drawn by rich itself; a
    hypothesis test holds the two to the same output. A no_wrap column changes nothing on
    the plain path: every cell is on one line and the table fits, so rich folds none."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Rows kept back from rich (its add_row costs as much as drawing them) while each
        # one has a plain form: the cells as given, and as plain text.
        self._held: list[tuple[Any, ...]] | None = []
        self._texts: list[list[str]] = []

    def add_row(self, *cells: Any, **kwargs: Any) -> None:
        if self._held is not None and not kwargs and len(cells) == len(self.columns):
            plain = _plain_cells(cells)
            if plain is not None:
                self._held.append(cells)
                self._texts.append(plain)
                return
        self._release()
        super().add_row(*cells, **kwargs)

    def _release(self) -> None:
        """Give rich the rows held back: from now on, rich draws the table."""
        if self._held is not None:
            held, self._held = self._held, None
            for cells in held:
                super().add_row(*cells)

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        self._release()
        return super().__rich_measure__(console, options)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        lines = self._plain_lines(console, options.max_width)
        if lines is None:
            self._release()
            yield from super().__rich_console__(console, options)
            return
        # The title above and the caption below as rich draws them (a few lines of text).
        around = options.update(width=len(lines[0]), highlight=self.highlight, height=None)
        if self.title:
            yield from self._annotation(console, around, self.title, self.title_justify)
        for line in lines:
            yield Segment(line)
            yield Segment.line()
        if self.caption:
            yield from self._annotation(console, around, self.caption, self.caption_justify)

    @staticmethod
    def _annotation(
        console: Console, options: ConsoleOptions, annotation: Any, justify: Any
    ) -> RenderResult:
        if isinstance(annotation, str):  # no colours here: the style draws nothing
            annotation = console.render_str(annotation, highlight=False)
        return console.render(annotation, options.update(justify=justify))

    def _plain_lines(self, console: Console, max_width: int) -> list[str] | None:
        """The table's lines, or None when rich must draw it."""
        from functools import cache

        from rich.cells import cell_len as measure

        # Each text measured once: rich's own cache holds 4,096, fewer than a league's
        # names, and every part is measured twice (widths, then padding).
        cell_len = cache(measure)

        if not (
            self._held
            and console.color_system is None
            and self.box is box.HEAVY_HEAD
            and self.show_header
            and self.show_edge
            and not (self.show_footer or self.show_lines or self.expand)
            and self.width is None
            and self.min_width is None
            and self.padding == (0, 1, 0, 1)
            and self.pad_edge
            and not (self.collapse_padding or self.leading or self.row_styles)
        ):
            return None
        headers = _plain_cells([column.header for column in self.columns])
        if headers is None:
            return None
        # A column's ratio shares out the room of an expanded table only (never one here).
        for column in self.columns:
            if not (
                column.width is None
                and column.min_width is None
                and column.justify in ("left", "right")
                and column.vertical == "top"
            ):
                return None
        rows = [[cell.split("\n") for cell in row] for row in [headers, *self._texts]]
        widths = [
            max(cell_len(part) for cell in column for part in cell)
            for column in zip(*rows, strict=True)
        ]
        if sum(widths) + 3 * len(widths) + 1 > max_width or any(
            column.max_width is not None and width > column.max_width
            for column, width in zip(self.columns, widths, strict=True)
        ):
            return None  # a cell to fold

        def row_lines(cells: list[list[str]], edge: str) -> Iterator[str]:
            """A row as rich draws it when nothing is folded: a cell of several lines
            makes the row as tall, the other cells blank below their text."""
            for n in range(max(len(cell) for cell in cells)):
                parts = []
                for cell, width, column in zip(cells, widths, self.columns, strict=True):
                    part = cell[n] if n < len(cell) else ""
                    pad = " " * (width - cell_len(part))
                    parts.append(
                        f" {pad}{part} " if column.justify == "right" else f" {part}{pad} "
                    )
                yield edge + edge.join(parts) + edge

        # rich puts a header's text at the bottom of the header row.
        tallest = max(len(cell) for cell in rows[0])
        header = [[""] * (tallest - len(cell)) + cell for cell in rows[0]]
        bars = ["━" * (w + 2) for w in widths]
        lines = ["┏" + "┳".join(bars) + "┓", *row_lines(header, "┃")]
        lines.append("┡" + "╇".join(bars) + "┩")
        for cells in rows[1:]:
            lines.extend(row_lines(cells, "│"))
        lines.append("└" + "┴".join("─" * (w + 2) for w in widths) + "┘")
        return lines


def _plain_cells(cells: Any) -> list[str] | None:
    """The cells as the plain text rich would show, each line unfolded, or None when rich
    must lay one out itself (markup, edge spaces, its own justification)."""
    found = []
    for cell in cells:
        if isinstance(cell, Text):
            if cell.justify is not None or cell.overflow is not None:
                return None
            plain = cell.plain
        elif isinstance(cell, str):
            if not _MARKUP.isdisjoint(cell):
                return None
            plain = cell
        else:
            return None
        if (
            plain != plain.strip()
            or "\t" in plain
            or any(line != line.strip() for line in plain.split("\n"))
        ):
            return None
        found.append(plain)
    return found


def text(value: object, style: str = "") -> Text:
    """Spreadsheet-derived text, shown literally: no markup, and control or invisible
    characters as their escapes (what is stored is inert already; this is the guard)."""
    return Text("" if value is None else inert(str(value)), style=style)
