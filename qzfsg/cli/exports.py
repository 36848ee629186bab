"""`qzfsg report`, `bulletin` and `template`: the workbooks that leave the office."""

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from qzfsg.cli.base import QzfsgCommand
from qzfsg.cli.common import (
    AsOfOption,
    DbOption,
    ForceOption,
    JsonOption,
    database,
    day_or_none,
    emit_json,
    month_or_none,
    reading,
    refuse_overwrite,
    show,
)

MonthOption = Annotated[
    str,
    typer.Option("--month", metavar="YYYY-MM", help="报告月份，如 2018-09。", show_default=False),
]


def _target(path: Path, suffix: str, example: str) -> Path:
    from qzfsg.errors import QzfsgError

    if path.suffix.lower() != suffix:
        raise QzfsgError(f"导出文件“{path}”应以 {suffix} 结尾，例如 {example}。")
    if path.is_dir():
        raise QzfsgError(f"“{path}”是一个文件夹，请给出要保存的文件名，例如 {example}。")
    return path


def _xlsx(path: Path) -> Path:
    return _target(path, ".xlsx", "汇总表.xlsx")


def _docx(path: Path) -> Path:
    return _target(path, ".docx", "9月通报.docx")


def report(
    month: MonthOption,
    export: Annotated[
        Path | None,
        typer.Option(
            "--export",
            metavar="文件.xlsx",
            help="同时导出 Excel 文件（.xlsx）：附件1 原格式的全市汇总表，另附分单位明细表。",
            show_default=False,
        ),
    ] = None,
    filed: Annotated[
        str | None,
        typer.Option(
            "--filed",
            metavar="YYYY-MM-DD",
            help="导出表上的填报时间，默认今天。",
            show_default=False,
        ),
    ] = None,
    force: ForceOption = False,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """全市汇总月报表（附件1）：各项指标的本月数、累计数为各单位有效报表之和。

    同时列出应报、已报和未报单位；全市累计数与行动以来各月本月数之和对不上时
    （某单位缺报某月），说明是哪些单位、缺哪几个月。--export 导出报送岳阳市的汇总表。

    示例：qzfsg report --month 2018-09　　qzfsg report --month 2018-09 --export 汨罗市9月汇总.xlsx
    """
    from qzfsg.consolidation import breakdown, consolidate, explain_consistency, review_note
    from qzfsg.locks import month_lock

    chosen = month_or_none(month)
    target = _xlsx(export) if export else None
    if target is not None:
        refuse_overwrite([target], force)
    with reading(db) as connection:
        city = consolidate(connection, chosen)
        units = breakdown(connection, chosen) if target is not None else []
        lock = month_lock(connection, chosen)
    # A locked month's workbook is the same bytes whenever it is exported: dated and
    # stamped with the lock's time.
    stamp = lock.locked_at if lock else None
    filed_on = day_or_none(filed) or (stamp.date() if stamp else date.today())
    if target is not None:
        from qzfsg.workbooks import write_report

        write_report(city, units, target, filed_on, stamp)
    if as_json:
        emit_json(city.summary() | {"published": lock is not None})
        return
    from qzfsg.render import exports as render

    show(
        *render.report_view(
            city, explain_consistency(city), review_note(city), published=lock is not None
        )
    )
    if target is not None:
        show(render.exported(target, "全市汇总表"))


def bulletin(
    export: Annotated[
        Path | None,
        typer.Option(
            "--export",
            metavar="文件.xlsx",
            help="保存通报的 Excel 文件（.xlsx）。",
            show_default=False,
        ),
    ] = None,
    docx: Annotated[
        Path | None,
        typer.Option(
            "--docx",
            metavar="文件.docx",
            help="保存通报的 Word 文件（.docx），公文格式，可直接印发。",
            show_default=False,
        ),
    ] = None,
    month: Annotated[
        str | None, typer.Option("--month", metavar="YYYY-MM", help="月度通报，如 2018-09。")
    ] = None,
    quarter: Annotated[
        str | None, typer.Option("--quarter", metavar="YYYYQN", help="季度讲评，如 2018Q3。")
    ] = None,
    year: Annotated[
        str | None, typer.Option("--year", metavar="YYYY", help="年度总排名，如 2018。")
    ] = None,
    as_of: AsOfOption = None,
    force: ForceOption = False,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """生成排名通报：Excel 工作簿（--export）和/或 Word 公文（--docx），A4 排版，可直接打印或发布。

    两者至少给一个。Excel 含镇、部门两张排行榜（含三部分得分和柱状图）、迟报未报名单、连续迟报的单位和全市汇总数。Word 为公文格式：标题、主送、每类单位一段情况说明（谁领先、谁上升下降、谁迟报未报）、排行榜、报送情况、全市汇总表和落款。

    --month 为月度通报，--quarter 为季度讲评，--year 为年度总排名（三者选一）。

    示例：qzfsg bulletin --month 2018-09 --export 9月通报.xlsx --docx 9月通报.docx　　qzfsg bulletin --quarter 2018Q3 --export 三季度讲评.xlsx
    """
    from qzfsg.bulletin import build_bulletin
    from qzfsg.errors import QzfsgError
    from qzfsg.ranking.leagues import choose_period
    from qzfsg.render import exports as render

    period = choose_period(month, quarter, year, "通报期")
    if export is None and docx is None:
        raise QzfsgError(
            "请用 --export 文件.xlsx 或 --docx 文件.docx 指定通报保存到哪里（可两个都给）。"
        )
    targets = [_xlsx(export)] if export else []
    if docx is not None:
        targets.append(_docx(docx))
    refuse_overwrite(targets, force)
    with database(db) as session:
        found = build_bulletin(session, period, as_of=day_or_none(as_of))
    if export is not None:
        from qzfsg.workbooks import write_bulletin

        write_bulletin(found, export)
    if docx is not None:
        from qzfsg.documents import write_bulletin_document

        write_bulletin_document(found, docx)
    if as_json:
        emit_json(found.summary())
    else:
        show(*render.bulletin_summary(found), *(render.exported(t, "通报") for t in targets))


def template(
    month: MonthOption,
    out: Annotated[
        Path,
        typer.Option(
            "--out", metavar="文件夹", help="保存模板的文件夹（没有则新建）。", show_default=False
        ),
    ],
    unit: Annotated[
        list[str] | None,
        typer.Option(
            "--unit", help="单位名称或别名，可重复给出。", metavar="单位", show_default=False
        ),
    ] = None,
    all_units: Annotated[
        bool, typer.Option("--all", help="为该月所有应报单位各生成一份。")
    ] = False,
    force: ForceOption = False,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """生成发给各单位的空白月报表模板，每个单位一份，如“归义镇-2018年6月-月报表.xlsx”。

    模板与附件1 格式相同，已填好填报单位和报告月份；只有本月数可以填写（表格有保护、
    无密码，并限定只能填不小于 0 的数）。上月累计数由市安委办按已收录的报表填好，
    累计数自动等于上月累计数加本月数。上月报表未收到的单位，由其自填上月累计数。

    示例：qzfsg template --month 2018-10 --all --out 模板　　qzfsg template --month 2018-10 --unit 归义镇 --out 模板
    """
    from qzfsg.consolidation import list_indicators
    from qzfsg.errors import QzfsgError
    from qzfsg.render import exports as render
    from qzfsg.templates import template_returns

    if bool(unit) == all_units:
        raise QzfsgError("请用 --unit 指定单位，或用 --all 为所有应报单位生成模板（二者选一）。")
    if out.exists() and not out.is_dir():
        raise QzfsgError(f"“{out}”是一个文件，--out 应为文件夹。")
    chosen = month_or_none(month)
    with database(db) as session:
        items = template_returns(session, chosen, None if all_units else unit)
        indicators = list_indicators(session)
    from qzfsg.workbooks import template_paths, write_templates

    paths = template_paths(items, out)
    refuse_overwrite(paths, force)
    write_templates(items, indicators, paths)
    if as_json:
        emit_json(
            [
                {
                    "unit": i.unit,
                    "month": i.month,
                    "file": p,
                    "previous": i.previous,
                    "previous_under_review": i.previous_under_review,
                }
                for i, p in zip(items, paths, strict=True)
            ]
        )
    else:
        show(render.templates_table(items, paths))


def register(app: typer.Typer) -> None:
    for command in (report, bulletin, template):
        app.command(cls=QzfsgCommand)(command)
