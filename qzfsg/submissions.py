"""What has been received: the open findings per unit (退回意见) and a unit's history."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel
from sqlmodel import Session, col, select

from qzfsg.errors import NotFoundError
from qzfsg.findings import Finding
from qzfsg.models import Finding as FindingRow
from qzfsg.models import Indicator, Submission, Unit, Value, plain_decimal
from qzfsg.months import Month
from qzfsg.queries import returns as returns_queries
from qzfsg.reading.rules import show
from qzfsg.registry import get_unit

OFFICE = "汨罗市安委办"


class OpenFindings(BaseModel):
    """One received file that still needs the unit's attention, with the text to send."""

    id: int  # the submission, for `qzfsg dismiss`
    unit: str | None
    month: str | None
    file: str
    received: datetime
    version: int
    status: str  # rejected | accepted
    findings: list[Finding]
    message: str


class Change(BaseModel):
    indicator: str
    label: str
    column: str  # month | cumulative
    before: Decimal
    after: Decimal


class HistoryEntry(BaseModel):
    file: str
    received: datetime
    month: str | None
    version: int
    status: str  # accepted | rejected
    superseded: bool
    errors: int
    warnings: int
    changes: list[Change]  # against the accepted version this one replaced


FigureSet = dict[str, tuple[Decimal, Decimal]]  # indicator code -> (本月数, 累计数)


def amount(stored: int) -> Decimal:
    """A stored amount (an integer in units of 1/10,000) as the exact Decimal."""
    return plain_decimal(Decimal(stored).scaleb(-4))


def current_figures(
    session: Any, months: Sequence[Month] | None = None, unit_id: int | None = None
) -> dict[str, dict[int, FigureSet]]:
    """{month: {unit id: {code: (本月数, 累计数)}}} from the current returns (each unit-month's
    accepted, not superseded version), for `months` (default all) and `unit_id` (default
    all units). Every asked month is a key, reported by anybody or not."""
    found: dict[str, dict[int, FigureSet]] = {}
    first = last = None
    if months is not None:
        found = {str(m): {} for m in months}
        if not found:
            return found
        first, last = min(found), max(found)
    for month, unit, code, month_value, cumulative in returns_queries.current_figures(
        session, first, last, unit_id
    ):
        if months is not None and month not in found:
            continue
        found.setdefault(month, {}).setdefault(unit, {})[code] = (
            amount(month_value),
            amount(cumulative),
        )
    return found


def _findings_by_submission(session: Session, ids: list[int]) -> dict[int, list[Finding]]:
    found: dict[int, list[Finding]] = {}
    rows = session.exec(
        select(FindingRow)
        .where(col(FindingRow.submission_id).in_(ids))
        .order_by(col(FindingRow.id))
    )
    for row in rows:
        found.setdefault(row.submission_id, []).append(
            Finding(
                code=row.code,
                severity=row.severity,
                message=row.message,  # type: ignore[arg-type]
                indicator=row.indicator_code,
                cell=row.cell,
                expected=row.expected,
            )
        )
    return found


def list_open_findings(
    session: Session, month: Month | None = None, unit: str | None = None
) -> list[OpenFindings]:
    """For each unit and month, the latest file if it was rejected or accepted with warnings;
    files that could not be placed stay open until the unit sends an accepted one."""
    query = select(Submission).order_by(col(Submission.received_at), col(Submission.id))
    if unit is not None:
        query = query.where(Submission.unit_id == get_unit(session, unit).id)
    if month is not None:
        query = query.where(Submission.month == str(month))
    submissions = list(session.exec(query))
    latest: dict[tuple[int | None, str | None], Submission] = {}
    unplaced: list[Submission] = []
    last_accepted: dict[int, datetime] = {}
    for sub in submissions:
        if sub.unit_id is None or sub.month is None:
            unplaced.append(sub)
        else:
            latest[(sub.unit_id, sub.month)] = sub
        if sub.status == "accepted" and sub.unit_id is not None:
            last_accepted[sub.unit_id] = sub.received_at
    # The same bytes accepted since (with --unit, say) also settle an unplaced file.
    accepted_bytes = set(
        session.exec(select(Submission.sha256).where(Submission.status == "accepted")).all()
    )
    still_open = [
        s
        for s in unplaced
        if s.sha256 not in accepted_bytes
        and (s.unit_id is None or last_accepted.get(s.unit_id, datetime.min) < s.received_at)
    ]
    candidates = [*latest.values(), *still_open]
    findings = _findings_by_submission(session, [s.id for s in candidates if s.id is not None])
    names = {u.id: u.name for u in session.exec(select(Unit))}
    result = []
    for sub in sorted(candidates, key=lambda s: (s.received_at, s.id or 0)):
        items = [f for f in findings.get(sub.id or 0, []) if f.severity != "info"]
        if (sub.status == "accepted" and not items) or sub.dismissed_at is not None:
            continue
        unit_name = names.get(sub.unit_id) if sub.unit_id else None
        result.append(
            OpenFindings(
                id=sub.id or 0,
                unit=unit_name,
                month=sub.month,
                file=sub.source_name,
                received=sub.received_at,
                version=sub.version,
                status=sub.status,
                findings=items,
                message=return_note(unit_name or sub.unit_text, sub, items),
            )
        )
    return result


class Dismissed(BaseModel):
    id: int
    unit: str | None
    month: str | None
    file: str
    note: str | None
    already: bool  # it had been dismissed before (its first note and time are kept)


def dismiss_findings(
    session: Session, ids: Sequence[int], note: str | None, when: datetime
) -> list[Dismissed]:
    """Take files off the `findings` list: the clerk has dealt with them otherwise. The
    file, its status and its findings stay as they are (history still shows them)."""
    names = {u.id: u.name for u in session.exec(select(Unit))}
    done = []
    for submission_id in ids:
        sub = session.get(Submission, submission_id)
        if sub is None:
            raise NotFoundError(
                f"没有编号为 {submission_id} 的报表；编号见 qzfsg findings 每项的开头。"
            )
        already = sub.dismissed_at is not None
        if not already:
            sub.dismissed_at, sub.dismiss_note = when, note
            session.add(sub)
        done.append(
            Dismissed(id=submission_id, unit=names.get(sub.unit_id) if sub.unit_id else None,
                      month=sub.month, file=sub.source_name, note=sub.dismiss_note,
                      already=already)
        )  # fmt: skip
    session.flush()
    return done


def return_note(unit: str | None, sub: Submission, items: list[Finding]) -> str:
    """The ready-to-send text: 退回意见 for a rejected file, 核实提醒 for warnings."""
    month = f"{Month.parse(sub.month).label}" if sub.month else "月份未能确定的"
    who = unit or "填报单位"
    lines = [f"{i}. {f.message}" for i, f in enumerate(items, start=1)]
    if sub.status == "rejected":
        head = (
            f"【退回意见】{who}：你单位 {sub.received_at:%Y-%m-%d} 报送的《{sub.source_name}》"
            f"（{month}月报表）未通过审核，未予录入："
        )
        tail = "请按上述意见更正后重新报送（改好的表直接发来即可，无需另行说明）。"
    else:
        head = (
            f"【核实提醒】{who}：你单位 {sub.received_at:%Y-%m-%d} 报送的《{sub.source_name}》"
            f"（{month}月报表）已收录，但以下情况请核实："
        )
        tail = "如数据无误无需回复；如有差错请更正后重新报送。"
    return "\n".join([head, *lines, tail, f"——{OFFICE}"])


def unit_history(session: Session, unit: str, month: Month | None = None) -> list[HistoryEntry]:
    """Every file received for the unit, oldest first, with what each version changed."""
    unit_row = get_unit(session, unit)
    query = select(Submission).where(Submission.unit_id == unit_row.id)
    if month is not None:
        query = query.where(Submission.month == str(month))
    submissions = list(
        session.exec(query.order_by(col(Submission.received_at), col(Submission.id)))
    )
    ids = [s.id for s in submissions if s.id is not None]
    values: dict[int, dict[str, tuple[Decimal, Decimal]]] = {}
    for row in session.exec(select(Value).where(col(Value.submission_id).in_(ids))):
        values.setdefault(row.submission_id, {})[row.indicator_code] = (
            row.month_value,
            row.cumulative_value,
        )
    labels = {i.code: i.label for i in session.exec(select(Indicator))}
    findings = _findings_by_submission(session, ids)
    current: dict[str, dict[str, tuple[Decimal, Decimal]]] = {}
    history = []
    for sub in submissions:
        changes: list[Change] = []
        mine = values.get(sub.id or 0)
        if mine is not None and sub.month is not None:
            before = current.get(sub.month)
            if before is not None:
                changes = _changes(before, mine, labels)
            current[sub.month] = mine
        items = findings.get(sub.id or 0, [])
        history.append(
            HistoryEntry(
                file=sub.source_name,
                received=sub.received_at,
                month=sub.month,
                version=sub.version,
                status=sub.status,
                superseded=sub.superseded,
                errors=sum(f.severity == "error" for f in items),
                warnings=sum(f.severity == "warning" for f in items),
                changes=changes,
            )
        )
    return history


def _changes(
    before: dict[str, tuple[Decimal, Decimal]],
    after: dict[str, tuple[Decimal, Decimal]],
    labels: dict[str, str],
) -> list[Change]:
    changes = []
    for code, (month_after, cumulative_after) in after.items():
        month_before, cumulative_before = before.get(code, (Decimal(0), Decimal(0)))
        for column, old, new in (
            ("month", month_before, month_after),
            ("cumulative", cumulative_before, cumulative_after),
        ):
            if old != new:
                changes.append(
                    Change(
                        indicator=code,
                        label=labels.get(code, code),
                        column=column,
                        before=old,
                        after=new,
                    )
                )
    return changes


def describe_change(change: Change) -> str:
    column = "本月数" if change.column == "month" else "累计数"
    return f"{change.label} {column}：{show(change.before)} → {show(change.after)}"
