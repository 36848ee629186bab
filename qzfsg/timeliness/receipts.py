"""Documents other than the monthly return, recorded as received (`qzfsg receive`).

The monthly return is imported and checked (`qzfsg import`), never just "received"; the
liaison form is recorded by `qzfsg liaisons import`, and can also be recorded here when it
came on paper. A document's file, when there is one, is archived like a return.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from pydantic import BaseModel
from sqlmodel import Session, col, select

from qzfsg.campaign import load_campaign
from qzfsg.errors import QzfsgError
from qzfsg.kinds import KIND_LABELS
from qzfsg.models import Deadline, Receipt
from qzfsg.months import Month
from qzfsg.reading.received import read_received
from qzfsg.registry import get_unit
from qzfsg.storage.archive import Archive, file_sha256
from qzfsg.timeliness.deadlines import (
    MONTHLY_RETURN,
    deadline_months,
    items_of,
    match_item,
    named_units,
)


class ReceiptOutcome(BaseModel):
    """What `receive` recorded (its --json shape)."""

    unit: str
    item: str
    month: str | None
    month_inferred: bool  # the month was taken from the received date
    received: datetime
    due: date | None  # None: no deadline of the calendar covers this unit and month
    status: str  # on_time | late | recorded
    days_late: int | None
    file: str | None
    archived: str | None
    already_recorded: bool  # the same file was recorded before for this unit and item


def record_receipt(
    session: Session,
    item_text: str,
    unit_text: str,
    received: datetime,
    month: Month | None = None,
    file: Path | None = None,
    archive: Archive | None = None,
) -> ReceiptOutcome:
    item = match_item(session, item_text)
    if item == MONTHLY_RETURN:
        raise QzfsgError(f"{MONTHLY_RETURN}要审核数据，请用 qzfsg import 导入，不能只登记收到。")
    unit = get_unit(session, unit_text)
    deadlines = session.exec(
        select(Deadline).where(Deadline.item == item).order_by(col(Deadline.id))
    ).all()
    named = named_units(session)
    addressed = [
        d
        for d in deadlines
        if d.who == "all"
        or d.who == unit.kind
        or (d.who == "units" and unit.id in named.get(d.id or 0, set()))
    ]
    if not addressed:
        who = "、".join(sorted({KIND_LABELS.get(d.who, "指定单位") for d in deadlines}))
        raise QzfsgError(
            f"“{item}”只要求{who}报送，{unit.name}不在其列，未作记录。"
            "如确需记录，请先用 qzfsg deadlines set 调整报送对象。"
        )
    monthly = any(d.monthly_day is not None for d in addressed)
    inferred = False
    if not monthly and month is not None:
        raise QzfsgError(f"“{item}”是一次性事项，不需要 --month。")
    if monthly and month is None:
        month, inferred = Month.filed_for(received.date()), True
    campaign = load_campaign(session)
    due_item = None
    for deadline in addressed:
        for candidate in items_of(deadline, campaign):
            if candidate.month == month:
                due_item = candidate
                break
        if due_item:
            break
    if monthly and due_item is None:
        spans = [deadline_months(d, campaign) for d in addressed]
        covered = [m for span in spans for m in span]
        span = f"{min(covered)} 至 {max(covered)}" if covered else "（无）"
        hint = "（按收到日期推断）" if inferred else ""
        raise QzfsgError(
            f"“{item}”按月报送的月份为 {span}，{month}{hint}不在其中；请用 --month 指明月份。"
        )
    digest = stored_at = None
    already = False
    if file is not None:
        data = read_received(file)  # a folder, a pipe or a device is named, never waited on
        digest = file_sha256(data)
        earlier = session.exec(
            select(Receipt).where(
                Receipt.sha256 == digest, Receipt.unit_id == unit.id, Receipt.item == item
            )
        ).first()
        if earlier is not None:
            already = True
            received, stored_at = earlier.received_at, earlier.archive_path
            month = Month.parse(earlier.month) if earlier.month else month
        elif archive is not None:
            stored_at = archive.put(session, data, digest, file.suffix)
    if not already:
        session.add(
            Receipt(
                unit_id=unit.id or 0,
                item=item,
                month=str(month) if month else None,
                received_at=received,
                source_name=file.name if file else None,
                sha256=digest,
                archive_path=stored_at,
            )
        )
        session.flush()
    status, days = "recorded", None
    if due_item is not None:
        same_month = Receipt.month == str(month) if month else col(Receipt.month).is_(None)
        first = session.exec(
            select(Receipt.received_at)
            .where(Receipt.unit_id == unit.id, Receipt.item == item, same_month)
            .order_by(col(Receipt.received_at))
        ).first()
        late = ((first or received).date() - due_item.due).days
        status, days = ("late", late) if late > 0 else ("on_time", None)
    return ReceiptOutcome(
        unit=unit.name,
        item=item,
        month=str(month) if month else None,
        month_inferred=inferred,
        received=received,
        due=due_item.due if due_item else None,
        status=status,
        days_late=days,
        file=str(file) if file else None,
        archived=stored_at,
        already_recorded=already,
    )
