"""Locked months: once a month's 通报 is published, its figures, timeliness and ranking
stay as published.

`guard` is the one check every writer calls before it changes anything a month's figures,
timeliness or ranking are computed from (an import, a withdrawal, a re-date, a re-filing,
a registry or calendar change that reaches the month): it refuses, naming the lock, unless
the clerk overrides it with a reason, and then the override is recorded in the audit trail.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from qzfsg import audit
from qzfsg.audit import Actor
from qzfsg.errors import LockedError, QzfsgError
from qzfsg.months import Month
from qzfsg.queries import corrections as queries
from qzfsg.queries.runner import dbapi
from qzfsg.timestamps import stored_at


@dataclass(kw_only=True, slots=True)
class Lock:
    """A locked month; the `--json` shape of lock and unlock."""

    month: str
    locked_at: datetime
    locked_by: str
    reason: str | None = None
    already: bool = False  # lock: it was locked before (unlock: it was not locked)


def _locks(connection: Any, months: list[str] | None = None) -> list[Lock]:
    return [
        Lock(month=m, locked_at=stored_at(at), locked_by=by, reason=reason)
        for m, at, by, reason in queries.month_locks(dbapi(connection), months)
    ]


def locked_months(connection: Any) -> set[str]:
    """The locked months, for the commands that mark them 已发布."""
    return {lock.month for lock in _locks(connection)}


def guard_from(session: Any, first: Month | None, by: Actor, doing: str) -> None:
    """`guard` for a registry or calendar change that reaches every month from `first` on
    (None: every month), such as a unit expected from then, or the return's due day."""
    reached = [m for m in locked_months(session) if first is None or m >= str(first)]
    guard(session, reached, by, doing)


def month_lock(connection: Any, month: Month) -> Lock | None:
    """The lock of `month`, None when it is not locked."""
    found = _locks(connection, [str(month)])
    return found[0] if found else None


def published(connection: Any, months: Iterable[Month]) -> bool:
    """Whether every one of `months` is locked (a quarter is published when its months are)."""
    wanted = [str(m) for m in months]
    return bool(wanted) and len(_locks(connection, wanted)) == len(set(wanted))


def guard(session: Any, months: Iterable[str | None], by: Actor, doing: str) -> None:
    """Refuse a change (`doing`, e.g. "导入《x.xlsx》") that reaches a locked month,
    unless `by` overrides with a reason: then each locked month's override is audited.
    Called inside the change's write transaction, so that a lock taken meanwhile counts."""
    wanted = sorted({m for m in months if m})
    locked = _locks(session, wanted)
    if not locked:
        return
    if not by.override:
        raise LockedError(_refusal(locked, doing))
    if not by.reason:
        raise QzfsgError(
            "用 --override 更改已锁定的月份时，须用 --reason 说明原因（记入操作记录）。"
        )
    for lock in locked:
        audit.record(session, by, "override", month=lock.month, after={"change": doing})


def _refusal(locked: list[Lock], doing: str) -> str:
    labels = "、".join(Month.parse(lock.month).label for lock in locked)
    first = locked[0]
    return (
        f"{labels}已锁定（通报已发布；{first.locked_at:%Y-%m-%d} 由 {first.locked_by} 锁定）："
        f"{doing}会改变该月的数字、及时性或排名，未作改动。确需更改请加 --override --reason "
        f"说明原因（记入操作记录），或先用 qzfsg unlock {first.month} --reason … 解锁。"
    )


def lock_month(session: Any, month: Month, by: Actor) -> Lock:
    """Lock `month` (already locked: nothing changes, and it says so)."""
    from qzfsg.storage.db import begin_write

    begin_write(session)
    key = str(month)
    if existing := _locks(session, [key]):
        return replace(existing[0], already=True)
    lock = Lock(
        month=key, locked_at=datetime.now().replace(microsecond=0), locked_by=by.who,
        reason=by.reason,
    )  # fmt: skip
    from qzfsg.models import MonthLock as Row

    session.add(
        Row(month=key, locked_at=lock.locked_at, locked_by=lock.locked_by, reason=lock.reason)
    )
    session.flush()
    audit.record(session, by, "lock", month=key, after={"locked_by": by.who})
    return lock


def unlock_month(session: Any, month: Month, by: Actor) -> Lock | None:
    """Unlock `month`; the lock it had, None when it was not locked."""
    from qzfsg.storage.db import begin_write

    begin_write(session)
    key = str(month)
    found = _locks(session, [key])
    if not found:
        return None
    lock = found[0]
    queries.unlock(session, key)
    before = {"locked_at": lock.locked_at, "locked_by": lock.locked_by, "reason": lock.reason}
    audit.record(session, by, "unlock", month=key, before=before)
    return lock
