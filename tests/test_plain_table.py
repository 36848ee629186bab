"""render.PlainTable draws exactly what rich's Table draws, on the paths it takes itself
(no colours, every cell on one line) and on those it leaves to rich."""

from __future__ import annotations

import io

from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console
from rich.table import Table
from rich.text import Text

from qzfsg.render import PlainTable, table

words = st.text(alphabet="ab 1.—↑中国镇[:]\n", max_size=8)
cells = st.one_of(words, words.map(Text), words.map(lambda w: Text(w, style="bold red")))


def drawn(grid: Table, width: int, color: bool = False) -> str:
    out = io.StringIO()
    console = Console(
        file=out, width=width, highlight=False, color_system="standard" if color else None
    )
    console.print(grid)
    return out.getvalue()


@settings(max_examples=300, deadline=None)
@given(
    st.lists(words.filter(lambda w: "[" not in w), min_size=1, max_size=5),
    st.data(),
    st.integers(min_value=20, max_value=120),
    st.booleans(),
    st.one_of(st.none(), words),
    st.one_of(st.none(), words),
    st.sampled_from(["left", "center", "right"]),
)
def test_the_same_as_rich(headers, data, width, color, title, caption, caption_justify):
    rows = data.draw(st.lists(st.lists(cells, min_size=len(headers), max_size=len(headers))))
    right = data.draw(st.lists(st.booleans(), min_size=len(headers), max_size=len(headers)))
    whole = data.draw(st.lists(st.booleans(), min_size=len(headers), max_size=len(headers)))
    widest = data.draw(
        st.lists(
            st.one_of(st.none(), st.integers(1, 10)), min_size=len(headers), max_size=len(headers)
        )
    )
    ratio = data.draw(st.one_of(st.none(), st.integers(1, 3)))
    rich_table = Table(title=title, title_justify="left", header_style="bold", show_lines=False)
    for header in headers:
        rich_table.add_column(header, overflow="fold")
    grids = [table(*headers, title=title), rich_table]
    for grid in grids:
        grid.caption, grid.caption_justify = caption, caption_justify
        for column, flag, no_wrap, most in zip(grid.columns, right, whole, widest, strict=True):
            column.justify = "right" if flag else "left"
            column.no_wrap = no_wrap
            column.max_width = most
        grid.columns[-1].ratio = ratio
        for row in rows:
            grid.add_row(*(cell.copy() if isinstance(cell, Text) else cell for cell in row))
    assert isinstance(grids[0], PlainTable)
    assert drawn(grids[0], width, color) == drawn(grids[1], width, color)


def test_a_long_league_takes_the_plain_path():
    grid = table("名次", "单位", "总分")
    for n in range(1, 3_001):
        grid.add_row(str(n), Text(f"单位{n:05d}"), f"{n / 7:.1f}")
    lines = grid._plain_lines(Console(file=io.StringIO(), color_system=None), 80)
    assert lines is not None and len(lines) == 3_000 + 4


def test_the_import_table_takes_the_plain_path_when_its_names_fit():
    """The import's table limits the file names' column and gives the findings the room
    left on a terminal: neither changes a table whose names fit, written to a file."""
    grid = table("文件", "结果与问题")
    grid.columns[0].max_width = 26
    grid.columns[-1].ratio = 1
    for n in range(1, 2_001):
        grid.add_row(f"u{n:05d}-2018-05.xlsx", Text("已录入", style="bold green"))
    assert grid._plain_lines(Console(file=io.StringIO(), color_system=None), 80) is not None
    grid.add_row("汨罗市城市管理和综合执法局2018年9月月报表.xlsx", "已录入")
    assert grid._plain_lines(Console(file=io.StringIO(), color_system=None), 80) is None
