"""The audit trail: who changed the record, when, from what to what, and why.

Every change to what the returns say (an import, a withdrawal, a re-date, a re-filing, a
lock, an unlock, an override, a dismissal, a registry or calendar change) adds one row to
`auditentry` inside the transaction of the change itself, so that the trail and the record
never disagree. No command edits or deletes a row; triggers refuse it (models.APPEND_ONLY).
"""

from __future__ import annotations

import getpass
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from qzfsg.queries import corrections as queries
from qzfsg.timestamps import stored_at

ACTIONS = {
    "import": "导入",
    "withdraw": "撤回",
    "restore": "恢复",
    "redate": "更正收到时间",
    "refile": "改归单位或月份",
    "lock": "锁定月份",
    "unlock": "解锁月份",
    "override": "越过锁定更改",
    "dismiss": "移出待处理清单",
    "unit": "单位名册",
    "deadline": "报送期限",
}


def current_user() -> str:
    """The OS user name of whoever runs the command ("未知" when the system does not say)."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "未知"


@dataclass(frozen=True, slots=True)
class Actor:
    """Who makes a change, why, and whether a locked month may be changed (qzfsg.locks)."""

    who: str
    reason: str | None = None
    override: bool = False


def actor(by: str | None = None, reason: str | None = None, override: bool = False) -> Actor:
    """The actor of a command: `--by NAME`, else the OS user."""
    return Actor(by or current_user(), reason, override)


def _state(value: dict[str, Any] | None) -> str | None:
    def plain(item: Any) -> Any:
        return (
            item.isoformat(sep=" ", timespec="minutes") if isinstance(item, datetime) else str(item)
        )

    return None if value is None else json.dumps(value, ensure_ascii=False, default=plain)


def record(
    session: Any,
    by: Actor,
    action: str,
    *,
    unit: str | None = None,
    month: str | None = None,
    submission_id: int | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> int:
    """Add one entry to the trail, in the session's transaction; its id."""
    from qzfsg.storage.db import driver_connection

    return _writer(session).insert(
        driver_connection(session),
        {
            "at": datetime.now().replace(microsecond=0), "who": by.who, "action": action,
            "unit": unit, "month": month, "submission_id": submission_id,
            "before_state": _state(before), "after_state": _state(after), "reason": by.reason,
        },
    )  # fmt: skip


_COLUMNS = (
    "at", "who", "action", "unit", "month", "submission_id", "before_state", "after_state",
    "reason",
)  # fmt: skip
_WRITERS: dict[str, Any] = {}  # by database kind (an import adds an entry for each file)


def _writer(session: Any) -> Any:
    from qzfsg.models import AuditEntry
    from qzfsg.storage.db import RowWriter

    kind = session.get_bind().dialect.name
    if kind not in _WRITERS:
        _WRITERS[kind] = RowWriter(session, AuditEntry.__table__, _COLUMNS)  # type: ignore[attr-defined]
    return _WRITERS[kind]


@dataclass(kw_only=True, slots=True)
class LogEntry:
    """One entry of the trail; the `--json` shape of `qzfsg log`."""

    id: int
    at: datetime
    who: str
    action: str
    unit: str | None
    month: str | None
    submission: int | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    reason: str | None


def read_log(connection: Any, month: str | None = None, unit: str | None = None) -> list[LogEntry]:
    """The trail, oldest first (of one month, one unit)."""
    return [
        LogEntry(
            id=row[0],
            at=stored_at(row[1]),
            who=row[2],
            action=row[3],
            unit=row[4],
            month=row[5],
            submission=row[6],
            before=_parsed(row[7]),
            after=_parsed(row[8]),
            reason=row[9],
        )
        for row in queries.audit_entries(connection, month, unit)
    ]


def _parsed(text: str | None) -> dict[str, Any] | None:
    return None if text is None else json.loads(text)
