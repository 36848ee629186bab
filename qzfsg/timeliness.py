"""Who sent the monthly return on time, late, or not at all.

Timeliness counts from the first accepted return of a unit and month: a later correction
does not make an on-time unit late, and a rejected return does not stop the clock.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel
from sqlalchemy import func
from sqlmodel import Session, col, select

from qzfsg.campaign import load_campaign
from qzfsg.deadlines import due_date, monthly_return_deadline
from qzfsg.models import Submission
from qzfsg.months import Month
from qzfsg.registry import expected_units

ReturnState = Literal["on_time", "late", "missing", "pending"]


class ReturnStatus(BaseModel):
    unit: str
    kind: str
    month: str
    due: date
    status: ReturnState  # pending: not due yet and nothing accepted
    received: datetime | None  # the first accepted return
    days_late: int | None
    rejected_waiting: bool  # nothing accepted, but a rejected return awaits correction


def return_timeliness(
    session: Session, month: Month, as_of: date | None = None, kind: str | None = None
) -> list[ReturnStatus]:
    """The monthly return of every unit expected for `month`, in registry order."""
    campaign = load_campaign(session)
    due = due_date(monthly_return_deadline(session), month, campaign.shift_to_workday)
    first_accepted = dict(
        session.exec(
            select(Submission.unit_id, func.min(Submission.received_at))
            .where(Submission.month == str(month), Submission.status == "accepted")
            .group_by(col(Submission.unit_id))
        ).all()
    )
    rejected = set(
        session.exec(
            select(Submission.unit_id).where(
                Submission.month == str(month), Submission.status == "rejected"
            )
        ).all()
    )
    today = as_of or date.today()
    found = []
    for unit in expected_units(session, month, kind):  # type: ignore[arg-type]
        received = first_accepted.get(unit.id)
        if received is not None:
            late = (received.date() - due).days
            status: ReturnState = "late" if late > 0 else "on_time"
            days = late if late > 0 else None
        else:
            status = "missing" if today > due else "pending"
            days = (today - due).days if today > due else None
        found.append(
            ReturnStatus(
                unit=unit.name,
                kind=unit.kind,
                month=str(month),
                due=due,
                status=status,
                received=received,
                days_late=days,
                rejected_waiting=received is None and unit.id in rejected,
            )
        )
    return found
