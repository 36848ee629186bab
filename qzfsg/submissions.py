"""What has been received: the open findings per unit (退回意见) and a unit's history."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from qzfsg import audit
from qzfsg.amounts import amount, show
from qzfsg.audit import Actor
from qzfsg.errors import NotFoundError
from qzfsg.findings import Finding
from qzfsg.months import Month, day_label
from qzfsg.notices import Notice
from qzfsg.queries import returns as returns_queries
from qzfsg.registry import all_units, get_unit
from qzfsg.timestamps import stored_at


@dataclass(kw_only=True, slots=True)
class OpenFindings:
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
    notice: Notice  # the message's parts, for the .txt and .docx files; not in --json

    def as_json(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "notice"}


@dataclass(kw_only=True, slots=True)
class Change:
    indicator: str
    label: str
    column: str  # month | cumulative
    before: Decimal
    after: Decimal


@dataclass(kw_only=True, slots=True)
class HistoryEntry:
    unit: str | None  # None: a file that could not be placed with a registered unit
    id: int  # the submission, for withdraw, restore, redate and refile
    file: str
    received: datetime
    month: str | None
    version: int
    status: str  # accepted | rejected | withdrawn
    superseded: bool
    withdraw_reason: str | None = None  # why it was withdrawn (qzfsg withdraw)
    # Imported after a file of the same month received later (迟到导入): placed among the
    # versions by its received time, so it changed no figure unless it is the current one.
    late: bool
    errors: int
    warnings: int
    changes: list[Change]  # against the accepted version this one replaced


FigureSet = dict[str, tuple[Decimal, Decimal]]  # indicator code -> (本月数, 累计数)


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


@dataclass(frozen=True, slots=True)
class SubmissionRow:
    """A received file as the read paths see it (a row of the submission table)."""

    id: int
    unit_id: int | None
    unit_text: str | None
    month: str | None
    received_at: datetime
    source_name: str
    sha256: str
    status: str
    version: int
    superseded: bool
    dismissed_at: str | None
    imported_at: datetime
    withdraw_reason: str | None

    @classmethod
    def from_row(cls, row: tuple) -> SubmissionRow:
        return cls(
            *row[:4],
            stored_at(row[4]),
            *row[5:9],
            bool(row[9]),
            row[10],
            stored_at(row[11]),
            row[12],
        )


def findings_by_submission(
    session: Any, unit_id: int | None, month: str | None
) -> dict[int, list[Finding]]:
    found: dict[int, list[Finding]] = {}
    for (
        submission_id,
        code,
        severity,
        message,
        indicator,
        cell,
        expected,
    ) in returns_queries.findings(session, unit_id, month):
        found.setdefault(submission_id, []).append(
            Finding.from_stored(
                cell,
                code=code,
                severity=severity,
                message=message,
                indicator=indicator,
                expected=expected,
            )
        )
    return found


def list_open_findings(
    session: Any, month: Month | None = None, unit: str | None = None, today: date | None = None
) -> list[OpenFindings]:
    """For each unit and month, the latest file if it was rejected or accepted with warnings;
    files that could not be placed stay open until the unit sends an accepted one. Each
    carries its notice, dated `today` (default: the real today)."""
    unit_id = get_unit(session, unit).id if unit is not None else None
    key = str(month) if month is not None else None
    submissions = [
        SubmissionRow.from_row(r) for r in returns_queries.submissions(session, unit_id, key)
    ]
    latest: dict[tuple[int | None, str | None], SubmissionRow] = {}
    unplaced: list[SubmissionRow] = []
    last_accepted: dict[int, datetime] = {}
    for sub in submissions:
        if sub.status == "withdrawn":  # as if never imported
            continue
        if sub.unit_id is None or sub.month is None:
            unplaced.append(sub)
        else:
            latest[(sub.unit_id, sub.month)] = sub
        if sub.status == "accepted" and sub.unit_id is not None:
            last_accepted[sub.unit_id] = sub.received_at
    # The same bytes accepted since (with --unit, say) also settle an unplaced file.
    accepted_bytes = returns_queries.accepted_hashes(session)
    still_open = [
        s
        for s in unplaced
        if s.sha256 not in accepted_bytes
        and (s.unit_id is None or last_accepted.get(s.unit_id, datetime.min) < s.received_at)
    ]
    candidates = [*latest.values(), *still_open]
    findings = findings_by_submission(session, unit_id, key)
    names = {u.id: u.name for u in all_units(session)}
    result = []
    for sub in sorted(candidates, key=lambda s: (s.received_at, s.id)):
        items = [f for f in findings.get(sub.id, []) if f.severity != "info"]
        if (sub.status == "accepted" and not items) or sub.dismissed_at is not None:
            continue
        unit_name = names.get(sub.unit_id) if sub.unit_id else None
        notice = return_notice(unit_name or sub.unit_text, sub, items, today or date.today())
        result.append(
            OpenFindings(
                id=sub.id,
                unit=unit_name,
                month=sub.month,
                file=sub.source_name,
                received=sub.received_at,
                version=sub.version,
                status=sub.status,
                findings=items,
                message=notice.text,
                notice=notice,
            )
        )
    return result


@dataclass(kw_only=True, slots=True)
class Dismissed:
    id: int
    unit: str | None
    month: str | None
    file: str
    note: str | None
    already: bool  # it had been dismissed before (its first note and time are kept)
    clean: bool = False  # accepted with nothing to check: never listed, nothing was done


def dismiss_findings(
    session: Any, ids: Sequence[int], note: str | None, when: datetime, by: Actor
) -> list[Dismissed]:
    """Take files off the `findings` list: the clerk has dealt with them otherwise. The
    file, its status and its findings stay as they are (history still shows them); each
    dismissal is in the audit trail."""
    from sqlmodel import select

    from qzfsg.models import Finding, Submission, Unit

    names = {u.id: u.name for u in session.exec(select(Unit))}
    done = []
    for submission_id in ids:
        sub = session.get(Submission, submission_id)
        if sub is None:
            raise NotFoundError(
                f"没有编号为 {submission_id} 的报表；编号见 qzfsg findings 每项的开头。"
            )
        to_check = select(Finding.id).where(
            Finding.submission_id == submission_id, Finding.severity != "info"
        )
        clean = sub.status == "accepted" and session.exec(to_check).first() is None
        already = sub.dismissed_at is not None
        if not (already or clean):
            sub.dismissed_at, sub.dismiss_note = when, note
            session.add(sub)
            audit.record(
                session, by, "dismiss", unit=names.get(sub.unit_id),
                month=sub.month, submission_id=sub.id, after={"note": note},
            )  # fmt: skip
        done.append(
            Dismissed(id=submission_id, unit=names.get(sub.unit_id) if sub.unit_id else None,
                      month=sub.month, file=sub.source_name, note=sub.dismiss_note,
                      already=already, clean=clean)
        )  # fmt: skip
    session.flush()
    return done


def return_notice(unit: str | None, sub: SubmissionRow, items: list[Finding], day: date) -> Notice:
    """The notice to send: 退回意见 for a rejected file, 核实提醒 for warnings. It speaks
    to the unit (你单位) and asks only what the unit can do: the clerk's own remedies (an
    import option, a registry change) are hints beside the findings, never in this text."""
    month = Month.parse(sub.month).label if sub.month else "月份未能确定的"
    sent = f"你单位{day_label(sub.received_at.date())}报送的《{sub.source_name}》（{month}月报表）"
    if sub.status == "rejected":
        kind, title = "退回意见", f"关于退回{month}月报表的意见"
        opening = f"{sent}未通过审核，未予录入："
        closing = "请你单位按上述意见更正后重新报送（改好的表直接发来即可，无需另行说明）。"
    else:
        kind, title = "核实提醒", f"关于核实{month}月报表有关数据的提醒"
        opening = f"{sent}已收录，但以下情况请核实："
        closing = "如数据无误无需回复；如有差错，请你单位更正后重新报送。"
        if any(f.code == "later_month_mismatch" for f in items):
            closing = "累计数不再衔接的月份，请你单位更正后重新报送；其余各项如无误无需回复。"
    return Notice(
        kind=kind,
        unit=unit or "填报单位",
        title=title,
        subject=month if sub.month else "月份不明",
        opening=opening,
        items=[f.message for f in items],
        closing=[closing],
        day=day,
    )


def findings_group_notice(
    items: list[OpenFindings], day: date, month: Month | None = None
) -> Notice | None:
    """The message for the work group: which units' returns were sent back and which are
    to be checked, each told to look for its own 退回意见 or 核实提醒."""

    def named(status: str) -> str:
        return "、".join(
            f"{i.notice.unit}（{i.notice.subject}）" for i in items if i.status == status
        )

    lines = []
    if returned := named("rejected"):
        lines.append(f"以下单位报送的月报表未通过审核，已退回：{returned}。")
    if checked := named("accepted"):
        lines.append(f"以下单位报送的月报表已收录，但有数据需要核实：{checked}。")
    if not lines:
        return None
    return Notice(
        kind="审核情况",
        unit=None,
        title="月报表审核情况",
        subject=month.label if month else day_label(day),
        opening=f"截至{day_label(day)}，各单位月报表审核情况如下：",
        closing=[*lines, "请以上单位按市安委办单独发送的退回意见或核实提醒办理。"],
        day=day,
    )


@dataclass(kw_only=True, slots=True)
class UnderReview:
    """A unit whose current returns of `months` still carry warnings not dealt with."""

    unit: str
    months: list[str]


def returns_under_review(connection: Any, first: Month, last: Month) -> list[UnderReview]:
    """The current returns of months first…last still under 核实 (accepted with warnings,
    not dismissed), by unit: figures that count but may yet be corrected."""
    found: dict[str, list[str]] = {}
    for unit, month in returns_queries.under_review(connection, str(first), str(last)):
        found.setdefault(unit, []).append(month)
    return [UnderReview(unit=unit, months=months) for unit, months in found.items()]


def unit_history(session: Any, unit: str, month: Month | None = None) -> list[HistoryEntry]:
    """Every file received for the unit, oldest first, with what each version changed."""
    return received_history(session, get_unit(session, unit).id, month)


def received_history(session: Any, unit_id: int | None, month: Month | None) -> list[HistoryEntry]:
    """Every file received for one unit (or, with `unit_id` None, for every unit) and
    `month` (or every month), in received order, with what each version changed against
    the one before it of the same unit and month."""
    key = str(month) if month is not None else None
    names = {u.id: u.name for u in all_units(session)}
    submissions = [
        SubmissionRow.from_row(r) for r in returns_queries.submissions(session, unit_id, key)
    ]
    values: dict[int, dict[str, tuple[Decimal, Decimal]]] = {}
    for submission_id, code, month_value, cumulative in returns_queries.values(
        session, unit_id, key
    ):
        values.setdefault(submission_id, {})[code] = (amount(month_value), amount(cumulative))
    labels = returns_queries.indicator_labels(session)
    findings = findings_by_submission(session, unit_id, key)
    current: dict[tuple[int | None, str], dict[str, tuple[Decimal, Decimal]]] = {}
    by_return: dict[tuple[int | None, str | None], list[SubmissionRow]] = {}
    for sub in submissions:
        by_return.setdefault((sub.unit_id, sub.month), []).append(sub)
    history = []
    for sub in submissions:
        late = any(
            other.received_at > sub.received_at and other.imported_at < sub.imported_at
            for other in by_return[(sub.unit_id, sub.month)]
        )
        changes: list[Change] = []
        mine = values.get(sub.id) if sub.status != "withdrawn" else None
        if mine is not None and sub.month is not None:
            before = current.get((sub.unit_id, sub.month))
            if before is not None:
                changes = _changes(before, mine, labels)
            current[(sub.unit_id, sub.month)] = mine
        items = findings.get(sub.id, [])
        history.append(
            HistoryEntry(
                unit=names.get(sub.unit_id) if sub.unit_id is not None else None,
                id=sub.id,
                file=sub.source_name,
                received=sub.received_at,
                month=sub.month,
                version=sub.version,
                status=sub.status,
                superseded=sub.superseded,
                withdraw_reason=sub.withdraw_reason,
                late=late,
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
