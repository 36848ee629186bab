"""The corrections of the record: a stored return as a correction sees it, locked months,
and the audit trail."""

from __future__ import annotations

from typing import Any

from qzfsg.queries.runner import execute, first, rows

STORED_COLUMNS = (
    "id, unit_id, month, status, received_at, source_name, sha256, archive_path,"
    " withdrawn_status, version"
)


def stored_return(connection: Any, submission_id: int) -> tuple | None:
    """One received file, STORED_COLUMNS; None when there is no such id."""
    sql = f"SELECT {STORED_COLUMNS} FROM submission WHERE id = :id"
    return first(connection, sql, {"id": submission_id})


def kept_copies(connection: Any, submission_id: int) -> list[tuple]:
    """(id, status) of the files a withdrawn one would collide with if restored: the same
    bytes accepted, or received at the same time for the same unit and month."""
    sql = """
    SELECT o.id, o.status FROM submission AS s JOIN submission AS o
      ON o.sha256 = s.sha256 AND o.id <> s.id AND o.status <> 'withdrawn'
    WHERE s.id = :id AND (
      (o.status = 'accepted' AND s.withdrawn_status = 'accepted')
      OR (coalesce(o.unit_id, 0) = coalesce(s.unit_id, 0)
          AND coalesce(o.month, '') = coalesce(s.month, '') AND o.received_at = s.received_at))
    ORDER BY o.id"""
    return rows(connection, sql, {"id": submission_id})


LOCK_COLUMNS = "month, locked_at, locked_by, reason"


def month_locks(connection: Any, months: list[str] | None = None) -> list[tuple]:
    """The locked months (of `months` if given), LOCK_COLUMNS, in month order."""
    if months is None:
        return rows(connection, f"SELECT {LOCK_COLUMNS} FROM monthlock ORDER BY month")
    names = {f"m{i}": month for i, month in enumerate(months)}
    if not names:
        return []
    wanted = ", ".join(f":{name}" for name in names)
    sql = f"SELECT {LOCK_COLUMNS} FROM monthlock WHERE month IN ({wanted}) ORDER BY month"
    return rows(connection, sql, names)


AUDIT_COLUMNS = "id, at, who, action, unit, month, submission_id, before_state, after_state, reason"


def audit_entries(connection: Any, month: str | None = None, unit: str | None = None) -> list:
    """The audit trail (of one month, one unit's name), oldest first: AUDIT_COLUMNS."""
    where = [
        clause for clause, given in (("month = :month", month), ("unit = :unit", unit)) if given
    ]
    sql = f"SELECT {AUDIT_COLUMNS} FROM auditentry"
    if where:
        sql += " WHERE " + " AND ".join(where)
    return rows(connection, sql + " ORDER BY id", {"month": month, "unit": unit})


def last_audit_entry(connection: Any) -> int | None:
    """The id of the audit trail's latest entry (None: no entry yet)."""
    return first(connection, "SELECT max(id) FROM auditentry")[0]  # type: ignore[index]


def is_current(connection: Any, submission_id: int) -> bool:
    """Whether the return is its unit-month's current one."""
    sql = "SELECT status = 'accepted' AND NOT superseded FROM submission WHERE id = :id"
    return bool(first(connection, sql, {"id": submission_id})[0])  # type: ignore[index]


def withdraw(connection: Any, submission_id: int, reason: str | None) -> None:
    """Mark the return withdrawn, keeping the status it had (for restore) and why."""
    sql = (
        "UPDATE submission SET withdrawn_status = status, status = 'withdrawn',"
        " withdraw_reason = :reason WHERE id = :id"
    )
    execute(connection, sql, {"id": submission_id, "reason": reason})


def clear_withdrawal(connection: Any, submission_id: int) -> None:
    """Forget the withdrawal (restore then places the return again)."""
    sql = "UPDATE submission SET withdrawn_status = NULL, withdraw_reason = NULL WHERE id = :id"
    execute(connection, sql, {"id": submission_id})


def take_out(connection: Any, submission_id: int) -> None:
    """Take the return out of its unit-month's record while it is placed again."""
    sql = "UPDATE submission SET status = 'withdrawn', superseded = FALSE WHERE id = :id"
    execute(connection, sql, {"id": submission_id})


def place(connection: Any, submission_id: int, placed: dict[str, Any]) -> None:
    """Put the return at its (new) unit, month and received time with its new status;
    `placed`: unit, month, received, status, accepted, version."""
    sql = (
        "UPDATE submission SET unit_id = :unit, month = :month, received_at = :received,"
        " status = :status, superseded = :accepted, version = :version WHERE id = :id"
    )
    execute(connection, sql, {**placed, "id": submission_id})


def unlock(connection: Any, month: str) -> None:
    """Take the month's lock away."""
    execute(connection, "DELETE FROM monthlock WHERE month = :month", {"month": month})
