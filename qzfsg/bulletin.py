"""The 通报 as plain data (`qzfsg bulletin`): both league tables, the late and missing
returns, the units late month after month, and the city totals of the period's months."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel
from sqlmodel import Session

from qzfsg.campaign import load_campaign
from qzfsg.consolidation import Figures, IndicatorInfo, consolidate, list_indicators
from qzfsg.months import Month, day_label
from qzfsg.ranking.leagues import LeagueRow, Period, Ranking, rank_units
from qzfsg.timeliness.arrivals import return_timeliness
from qzfsg.timeliness.board import status_board


class LateReturn(BaseModel):
    """A monthly return that came after its deadline, or has not come yet."""

    unit: str
    kind: str
    month: str
    due: date
    status: Literal["late", "missing"]
    days_late: int | None  # late: days late; missing: days overdue so far


class RepeatLate(BaseModel):
    """A unit late or missing in several consecutive months up to the period's end."""

    unit: str
    kind: str
    longest_run: int
    months: list[str]  # every month it was late or missing


class MonthTotals(BaseModel):
    month: str
    units_expected: int
    units_reported: int
    totals: dict[str, Figures]


class Bulletin(BaseModel):
    """The monthly 通报, quarterly 讲评 or year-end 总排名, as plain data."""

    period: str
    label: str
    as_of: date
    ranking: Ranking
    late: list[LateReturn]
    repeat_late: list[RepeatLate]
    months: list[MonthTotals]
    indicators: list[IndicatorInfo]

    def summary(self) -> dict:
        """The `bulletin --json` shape."""
        return {
            "period": self.period,
            "label": self.label,
            "as_of": self.as_of,
            "published": self.ranking.published,
            "leagues": self.ranking.public()["leagues"],
            "late": self.late,
            "repeat_late": self.repeat_late,
            "months": self.months,
        }


def build_bulletin(session: Session, period: Period, as_of: date | None = None) -> Bulletin:
    """Everything a 通报 for `period` publishes: both league
    tables, the late and missing returns of its months as of `as_of`, the units late or
    missing month after month, and the city totals of each of its months already begun."""
    as_of = as_of or date.today()
    ranking = rank_units(session, period, as_of=as_of)
    campaign = load_campaign(session)
    months = [m for m in campaign.inside(period.months) if m.first_day <= as_of]
    late: list[LateReturn] = []
    for month in months:
        statuses = [
            s
            for s in return_timeliness(session, month, as_of=as_of)
            if s.status in ("late", "missing")
        ]
        statuses.sort(key=lambda s: s.status != "missing")  # stable: registry order within
        late.extend(
            LateReturn(
                unit=s.unit,
                kind=s.kind,
                month=s.month,
                due=s.due,
                status=s.status,  # type: ignore[arg-type]
                days_late=s.days_late,
            )
            for s in statuses
        )
    repeat: list[RepeatLate] = []
    if months:
        board = status_board(session, campaign.first, months[-1], as_of=as_of)
        repeat = [
            RepeatLate(
                unit=row.unit,
                kind=row.kind,
                longest_run=row.longest_run,
                months=[
                    key
                    for key, cell in row.cells.items()
                    if cell is not None and cell.status in ("late", "missing")
                ],
            )
            for row in board.repeat_offenders
        ]
    totals = []
    for month in months:
        city = consolidate(session, month)
        totals.append(
            MonthTotals(
                month=city.month,
                units_expected=city.units_expected,
                units_reported=city.units_reported,
                totals=city.totals,
            )
        )
    return Bulletin(
        period=str(period),
        label=period.label,
        as_of=as_of,
        ranking=ranking,
        late=late,
        repeat_late=repeat,
        months=totals,
        indicators=list_indicators(session),
    )


# ------------------------------------------------------------- the words of a 通报
# Shared by the workbook (qzfsg.workbooks) and the Word document (qzfsg.documents): both
# print the same figures in the same words.

TITLE = "全市安全监管执法质量排行榜"
PERIOD_NAMES = {"month": "通报", "quarter": "讲评", "year": "总排名"}
_STATUS_WORDS = {"on_time": "按时", "missing": "未报", "pending": "未到期"}


def bulletin_title(bulletin: Bulletin) -> str:
    return f"{TITLE}{PERIOD_NAMES[bulletin.ranking.period_kind]}（{bulletin.label}）"


def document_title(bulletin: Bulletin) -> str:
    """The 通报's title as a document issued by the office."""
    what = {"month": "排名", "quarter": "季度讲评", "year": "年度总排名"}
    return f"关于{bulletin.label}全市安全监管执法质量{what[bulletin.ranking.period_kind]}情况的通报"


def change_text(change: int | str | None) -> str:
    if change is None:
        return ""
    if change == "new":
        return "新"
    if change == 0:
        return "—"
    return f"↑{change}" if int(change) > 0 else f"↓{-int(change)}"


def status_text(row: LeagueRow) -> str:
    if row.status == "late":
        return f"迟报{row.days_late}天"
    if row.status == "incomplete":
        late = f"，迟报{row.days_late}天" if row.days_late else ""
        return f"缺报{row.months_missing}个月{late}"
    return _STATUS_WORDS.get(row.status, row.status)


def late_text(item: LateReturn) -> str:
    if item.status == "late":
        return f"迟报 {item.days_late} 天"
    return f"未报（已逾期 {item.days_late} 天）" if item.days_late else "未报"


def method_text(bulletin: Bulletin) -> str:
    method = bulletin.ranking.method
    shares = method.get("shares", {})
    parts = [
        f"总分 = 比数量×{shares.get('quantity')}% + 比增量×{shares.get('increase')}%"
        f" + 比质量×{shares.get('quality')}% − 迟报扣分（每天 {method.get('late_deduction_per_day')}"
        f" 分，最多 {method.get('late_deduction_cap')} 分）。",
        method.get("tie_break", ""),
    ]
    if bulletin.ranking.period_kind != "month":
        parts.append(method.get("aggregation", ""))
    if bulletin.ranking.previous_label:
        parts.append(f"升降与{bulletin.ranking.previous_label}相比。")
    return "".join(p for p in parts if p)


def _names(units: list[str], counted: str = "个单位", most: int = 6) -> str:
    """Units named in a sentence; a long list is cut with 等 and its length."""
    if len(units) <= most:
        return "、".join(units)
    return f"{'、'.join(units[:most])}等 {len(units)} {counted}"


def league_story(bulletin: Bulletin, kind: str) -> str:
    """One paragraph on a league, written from its figures: how many took part, who leads,
    who rose and who fell against the previous period, who was late and who is missing."""
    rows = bulletin.ranking.leagues[kind]
    noun = "镇（三园一区）" if kind == "town" else "部门"
    counted = "个镇" if kind == "town" else "个部门"
    ranked = [r for r in rows if r.rank is not None]
    sentences = [f"应参与排名的{noun} {len(rows)} 个，参与排名 {len(ranked)} 个。"]
    if ranked:
        first = ranked[0]
        lead = f"{first.unit}以 {first.score} 分排名第一"
        if len(ranked) > 1:
            lead += "，" + "、".join(f"{r.unit}（{r.score} 分）" for r in ranked[1:3])
            lead += f"列第{'二、三' if len(ranked) > 2 else '二'}位"
        sentences.append(lead + "。")
        if len(ranked) > 3:
            last = ranked[-1]
            sentences.append(f"{last.unit}得分最低（{last.score} 分）。")
    previous = bulletin.ranking.previous_label
    moved = [r for r in ranked if isinstance(r.change, int) and r.change != 0]
    if previous and moved:
        up = sorted((r for r in moved if r.change > 0), key=lambda r: -r.change)
        down = sorted((r for r in moved if r.change < 0), key=lambda r: r.change)
        parts = [f"{r.unit}上升 {r.change} 位" for r in up[:3]]
        parts += [f"{r.unit}下降 {-r.change} 位" for r in down[:3]]
        sentences.append(f"与{previous}相比，{'，'.join(parts)}。")
    new = [r.unit for r in ranked if r.change == "new"]
    if previous and new and len(new) < len(ranked):  # all new: nobody was ranked before
        sentences.append(f"{_names(new, counted)}为本期新参与排名。")
    late = [r for r in ranked if r.days_late]
    if late:
        named = "、".join(f"{r.unit}（{r.days_late} 天，扣 {r.deduction} 分）" for r in late)
        sentences.append(f"迟报的有{named}。")
    incomplete = [r.unit for r in ranked if r.months_missing]
    if incomplete:
        sentences.append(f"{_names(incomplete, counted)}本期有月份未报，该月按 0 分计。")
    missing = [r.unit for r in rows if r.rank is None and r.status != "pending"]
    if missing:
        sentences.append(f"{_names(missing, counted)}没有报送合格的月报表，未参与排名。")
    pending = [r.unit for r in rows if r.status == "pending"]
    if pending:
        sentences.append(f"{_names(pending, counted)}的月报表尚未到截止日。")
    return "".join(sentences)


def lateness_story(bulletin: Bulletin) -> str:
    """The late and missing returns of the period, as of the bulletin's day, in words."""
    missing = [i for i in bulletin.late if i.status == "missing"]
    late = [i for i in bulletin.late if i.status == "late"]
    day = f"截至{day_label(bulletin.as_of)}"
    if not missing and not late:
        return f"{day}，本期各单位月报表均按时报送。"
    several = len({i.month for i in bulletin.late}) > 1

    def named(items: list[LateReturn]) -> str:
        """Each unit once, with its months (when the period has several) and days late."""
        by_unit: dict[str, list[str]] = {}
        for item in items:
            notes = by_unit.setdefault(item.unit, [])
            month = f"{Month.parse(item.month).month}月" if several else ""
            days = f"{item.days_late} 天" if item.status == "late" else ""
            if month or days:
                notes.append("".join((month, "，" if month and days else "", days)))
        return "、".join(f"{u}（{'、'.join(n)}）" if n else u for u, n in by_unit.items())

    sentences = [f"{day}，"]
    if missing:
        sentences.append(f"未报送的月报表 {len(missing)} 份：{named(missing)}")
    if late:
        sentences.append(("；" if missing else "") + f"迟报的 {len(late)} 份：{named(late)}")
    sentences.append("。")
    if bulletin.repeat_late:
        runs = "、".join(f"{r.unit}（连续 {r.longest_run} 个月）" for r in bulletin.repeat_late)
        sentences.append(f"连续两个月以上迟报或未报的单位：{runs}。")
    return "".join(sentences)


LEAGUE_HEADER = (
    "名次",
    "单位",
    "总分",
    "比数量",
    "比增量",
    "比质量",
    "迟报扣分",
    "升降",
    "报送情况",
)


def score_text(row: LeagueRow) -> str:
    """The 总分 cell: the score, or why there is none."""
    if row.score is not None:
        return str(row.score)
    return "未到期" if row.status == "pending" else "未报"


def totals_header(bulletin: Bulletin) -> list[str]:
    """The city totals table: 项目, 单位, each month's 本月数, the period's sum, 累计数."""
    months = [f"{Month.parse(m.month).month}月本月数" for m in bulletin.months]
    return ["项目", "单位", *months, *(["本期合计"] if len(months) > 1 else []), "累计数"]


def totals_values(bulletin: Bulletin, code: str) -> list[Decimal | None]:
    """One indicator's figures under `totals_header`'s number columns."""
    figures = [m.totals.get(code, Figures()) for m in bulletin.months]
    values: list[Decimal | None] = [f.month for f in figures]
    if len(figures) > 1:
        values.append(sum((f.month for f in figures), Decimal(0)))
    values.append(figures[-1].cumulative if figures else None)
    return values
