"""The 通报 as a Word document: title, 主送, a paragraph per league written from its
figures, the two league tables with the method under them, the late and missing returns,
the city totals, and the office's name and the date. The same data and words as the
workbook (qzfsg.bulletin builds both)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from qzfsg.amounts import plain_decimal
from qzfsg.bulletin import (
    LEAGUE_HEADER,
    Bulletin,
    change_text,
    document_title,
    lateness_story,
    league_story,
    method_text,
    score_text,
    status_text,
    totals_header,
    totals_values,
)
from qzfsg.documents.layout import (
    addressee,
    body,
    heading,
    new_document,
    note,
    save,
    signature,
    table,
    title,
)
from qzfsg.kinds import KIND_LABELS
from qzfsg.months import Month
from qzfsg.notices import OFFICE_FULL
from qzfsg.ranking.leagues import LeagueRow

ADDRESSEES = "各镇人民政府、三园一区，市安委会各成员单位"
LEAGUE_WIDTHS = (10, 42, 14, 15, 15, 15, 14, 10, 21)  # mm, 156 in all: the text width
NUMERALS = "一二三四五六七八九十"
PERIOD_WORDS = {
    "month": "排名",
    "quarter": "季度讲评（本季各月得分的平均）",
    "year": "年度总排名（行动各月得分的平均）",
}


def write_bulletin_document(bulletin: Bulletin, path: Path) -> Path:
    heading_title = document_title(bulletin)
    document = new_document(heading_title)
    title(document, heading_title)
    addressee(document, ADDRESSEES)
    body(document, _opening(bulletin))
    numerals = iter(NUMERALS)
    for kind in bulletin.ranking.leagues:
        heading(document, f"{next(numerals)}、{KIND_LABELS[kind]}排名情况")
        body(document, league_story(bulletin, kind))
        table(
            document,
            LEAGUE_HEADER,
            [_league_cells(row) for row in bulletin.ranking.leagues[kind]],
            LEAGUE_WIDTHS,
            left_columns=(1,),
        )
    note(document, f"评分方法：{method_text(bulletin)}")
    heading(document, f"{next(numerals)}、月报表报送情况")
    body(document, lateness_story(bulletin))
    if bulletin.months:
        heading(document, f"{next(numerals)}、全市执法情况")
        body(document, _totals_sentence(bulletin))
        header = totals_header(bulletin)
        numbers = len(header) - 2
        widths = (56, 20, *([80 / numbers] * numbers))
        rows = [
            [i.label, i.unit, *(_figure(v) for v in totals_values(bulletin, i.code))]
            for i in bulletin.indicators
        ]
        table(document, header, rows, widths, left_columns=(0,))
    body(document, "请排名靠后和迟报、未报的单位认真查找原因，加大执法力度，按时报送月报表。")
    signature(document, OFFICE_FULL, bulletin.as_of)
    return save(document, path)


def _opening(bulletin: Bulletin) -> str:
    reported = ""
    if bulletin.ranking.period_kind == "month" and bulletin.months:
        month = bulletin.months[-1]
        reported = (
            f"本月应报送月报表的单位 {month.units_expected} 个，"
            f"已报送合格月报表的 {month.units_reported} 个。"
        )
    return (
        f"根据各镇（三园一区）和负有安全生产监管职责的部门报送的月报表，市安委办按“三比三严”"
        f"（比数量、比增量、比质量）对{bulletin.label}全市安全监管执法质量进行了"
        f"{PERIOD_WORDS[bulletin.ranking.period_kind]}。{reported}现将有关情况通报如下："
    )


def _league_cells(row: LeagueRow) -> list[str]:
    parts = row.components
    return [
        str(row.rank) if row.rank is not None else "—",
        row.unit,
        score_text(row),
        *((str(parts.quantity), str(parts.increase), str(parts.quality)) if parts else ("",) * 3),
        f"−{row.deduction}" if row.deduction else "",
        change_text(row.change),
        status_text(row),
    ]


def _figure(value: Decimal | None) -> str:
    return "" if value is None else str(plain_decimal(value))


def _totals_sentence(bulletin: Bulletin) -> str:
    last = bulletin.months[-1]
    return (
        f"全市各单位报送的执法数据汇总如下（{Month.parse(last.month).label}应报送 "
        f"{last.units_expected} 个单位，已报送 {last.units_reported} 个）："
    )
