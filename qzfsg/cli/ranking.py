"""`qzfsg rank`: the league tables (全市安全监管执法质量排行榜)."""

from pathlib import Path
from typing import Annotated

import typer

from qzfsg.cli.base import QzfsgCommand
from qzfsg.cli.common import (
    AsOfOption,
    DbOption,
    ForceOption,
    JsonOption,
    day_or_none,
    emit_json,
    reading,
    refuse_overwrite,
    safe,
    show,
)
from qzfsg.cli.units import kind_option


def rank(
    month: Annotated[
        str | None, typer.Option("--month", metavar="YYYY-MM", help="按月排名，如 2018-09。")
    ] = None,
    quarter: Annotated[
        str | None,
        typer.Option("--quarter", metavar="YYYYQN", help="季度讲评，如 2018Q3（本季各月平均）。"),
    ] = None,
    year: Annotated[
        str | None,
        typer.Option("--year", metavar="YYYY", help="年度总排名，如 2018（行动各月平均）。"),
    ] = None,
    kind: Annotated[
        str | None, kind_option("只排一类：镇（town）或部门（department）；默认两类都排。")
    ] = None,
    explain: Annotated[
        bool, typer.Option("--explain", help="逐单位列出每项数据及其如何算成各部分得分。")
    ] = False,
    unit: Annotated[
        str | None,
        typer.Option(
            "--unit",
            metavar="单位",
            help="只解释这一个单位（含 --explain，只列该单位所在的一类）。",
        ),
    ] = None,
    as_of: AsOfOption = None,
    weights: Annotated[
        Path | None,
        typer.Option(
            "--weights",
            metavar="文件",
            help="按另一个评分方法文件排名（可先用 --write-weights 另存一份默认方法再改），用来比较不同权重的结果。",
            show_default=False,
        ),
    ] = None,
    write_weights: Annotated[
        Path | None,
        typer.Option(
            "--write-weights",
            metavar="文件",
            help="把默认评分方法（带中文说明）另存为这个文件，改好后用 --weights 指定它排名；不用给月份。",
            show_default=False,
        ),
    ] = None,
    force: ForceOption = False,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """按“三比三严”（比数量、比增量、比质量）给各镇、各部门排名，镇与部门分开排。

    每行：名次、单位、总分（0～100）、三部分得分、迟报扣分、与上一期相比的升降（↑ 上升、↓ 下降、— 不变、新 上期未参与排名）和报送情况；没有合格月报表的单位列在最后，记为“未报”。评分方法与权重见 README；要改权重，先用 --write-weights 另存一份默认方法。

    示例：qzfsg rank --month 2018-09　　qzfsg rank --quarter 2018Q3 --kind town　　qzfsg rank --month 2018-09 --unit 三江镇　　qzfsg rank --write-weights 我的排名方法.toml
    """
    import gc

    from qzfsg.ranking.leagues import choose_period, rank_units
    from qzfsg.ranking.method import default_method_path, load_method
    from qzfsg.render import ranking as render

    # What is loaded by now (modules, classes) lives as long as the process: put out of
    # the collector's sight, it is not walked again at each collection while a league's
    # thousands of rows are built (about a fifth of the ranking's time at 5,000 units).
    gc.freeze()

    if write_weights:
        refuse_overwrite([write_weights], force)
        write_weights.write_bytes(default_method_path().read_bytes())
        show(
            f"已把默认评分方法另存为 {safe(str(write_weights))}。改好后运行 qzfsg rank --month 2018-09 --weights {safe(str(write_weights))} 按新方法排名。"
        )
        return
    period = choose_period(month, quarter, year, "排名期")
    method = load_method(weights)
    league = kind
    with reading(db) as session:
        shown_unit = None
        if unit:  # one unit's explanation, in its own league
            from qzfsg.registry import get_unit

            found = get_unit(session, unit)
            shown_unit, league = found.name, found.kind
        explain = explain or shown_unit is not None
        ranking = rank_units(
            session, period, league, method, as_of=day_or_none(as_of), explain=explain
        )
    if as_json:
        emit_json(ranking.public(explain=explain, unit=shown_unit))
    else:
        show(render.league_tables(ranking, explain=explain, unit=shown_unit))


def register(app: typer.Typer) -> None:
    app.command(cls=QzfsgCommand)(rank)
