"""Corrections of the record, each audited: withdraw a return (and restore it), correct its
received time, file it under another unit or month.

A withdrawn return keeps its row, its file in the archive and its findings (history shows
it as 已撤回 with the reason), but its status is 'withdrawn', so that everything computed
from accepted or rejected returns (the current version, timeliness, ranking, the report,
findings) is as if it had never been imported; `restore` gives it back the status it had.
Each correction renumbers the unit-months it touches (qzfsg.versions), refuses a locked
month unless overridden (qzfsg.locks) and adds its entry to the audit trail, all in one
write transaction.
"""

from __future__ import annotations

import sqlite3
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from qzfsg import audit
from qzfsg.audit import Actor
from qzfsg.db import begin_write
from qzfsg.errors import NotFoundError, QzfsgError
from qzfsg.locks import guard
from qzfsg.months import Month
from qzfsg.queries import corrections as queries
from qzfsg.queries.runner import execute
from qzfsg.registry import all_units
from qzfsg.versions import renumber


class Corrected(BaseModel):
    """What a correction did; the `--json` shape of withdraw, restore, redate and refile."""

    id: int
    action: str  # withdraw | restore | redate | refile
    file: str
    unit: str | None
    month: str | None
    received: datetime
    status: str  # the return's status after the correction
    version: int | None  # None: withdrawn (no place among the versions)
    current: bool  # the unit-month's current return after the correction
    before: dict[str, Any]
    after: dict[str, Any]


@dataclass(frozen=True, slots=True)
class _Stored:
    id: int
    unit_id: int | None
    month: str | None
    status: str
    received_at: datetime
    source_name: str
    sha256: str
    archive_path: str
    withdrawn_status: str | None
    version: int


def _stored(session: Any, submission_id: int) -> _Stored:
    row = queries.stored_return(_write(session), submission_id)
    if row is None:
        raise NotFoundError(
            f"没有编号为 {submission_id} 的报表；编号见 qzfsg history 或 qzfsg findings。"
        )
    received = row[4] if isinstance(row[4], datetime) else datetime.fromisoformat(row[4])
    return _Stored(*row[:4], received, *row[5:])


def _write(session: Any) -> Any:
    """The connection under the session, inside its write transaction (taken first)."""
    return begin_write(session)


def _names(session: Any) -> dict[int | None, str]:
    return {u.id: u.name for u in all_units(session)}


def _described(stored: _Stored) -> str:
    return f"#{stored.id}《{stored.source_name}》"


@contextmanager
def _unique(clash: str):
    """A unique index refused the change: say which rule, change nothing."""
    try:
        yield
    except sqlite3.IntegrityError:
        raise QzfsgError(clash + "未作改动。") from None


def _renumber(session: Any, *places: tuple[int | None, str | None]) -> None:
    for unit_id, month in dict.fromkeys(places):
        if unit_id is not None and month is not None:
            renumber(_write(session), unit_id, month)


def _result(session: Any, submission_id: int, action: str, before: dict, after: dict) -> Corrected:
    stored = _stored(session, submission_id)
    current = execute(
        _write(session), "SELECT status = 'accepted' AND NOT superseded FROM submission"
        " WHERE id = :id", {"id": submission_id},
    ).fetchone()[0]  # fmt: skip
    return Corrected(
        id=stored.id, action=action, file=stored.source_name,
        unit=_names(session).get(stored.unit_id), month=stored.month,
        received=stored.received_at, status=stored.status,
        version=None if stored.status == "withdrawn" else stored.version,
        current=bool(current), before=before, after=after,
    )  # fmt: skip


def _audit(session: Any, by: Actor, action: str, result: Corrected, month: str | None) -> None:
    audit.record(
        session, by, action, unit=result.unit, month=month, submission_id=result.id,
        before=result.before, after=result.after,
    )  # fmt: skip


def withdraw(session: Any, submission_id: int, by: Actor) -> Corrected:
    """Take a return back: as if never imported, its row and file kept."""
    stored = _stored(session, submission_id)
    if stored.status == "withdrawn":
        raise QzfsgError(f"{_described(stored)}已撤回，未作改动；要恢复请用 qzfsg restore。")
    guard(session, [stored.month], by, f"撤回{_described(stored)}")
    execute(
        _write(session),
        "UPDATE submission SET withdrawn_status = status, status = 'withdrawn',"
        " withdraw_reason = :reason WHERE id = :id",
        {"id": submission_id, "reason": by.reason},
    )
    _renumber(session, (stored.unit_id, stored.month))
    before = {"status": stored.status, "version": stored.version}
    result = _result(session, submission_id, "withdraw", before, {"status": "withdrawn"})
    _audit(session, by, "withdraw", result, stored.month)
    return result


def restore(session: Any, submission_id: int, by: Actor) -> Corrected:
    """Undo a withdrawal: the return takes its place again in received order."""
    stored = _stored(session, submission_id)
    if stored.status != "withdrawn":
        raise QzfsgError(f"{_described(stored)}没有撤回，无需恢复，未作改动。")
    for other, status in queries.kept_copies(_write(session), submission_id):
        raise QzfsgError(
            f"同样内容的文件已作为 #{other}（{'已录入' if status == 'accepted' else '已退回'}）"
            f"重新导入，{_described(stored)}不能再恢复；确要以此份为准，请先撤回 #{other}。"
        )
    guard(session, [stored.month], by, f"恢复{_described(stored)}")
    connection = _write(session)
    with _unique(f"{_described(stored)}与已存的报表冲突，"):
        # Back in the versions with a number no other has; renumber puts it in its place.
        execute(
            connection,
            "UPDATE submission SET status = withdrawn_status, withdrawn_status = NULL,"
            " withdraw_reason = NULL, superseded = (withdrawn_status = 'accepted'),"
            " version = :version WHERE id = :id",
            {"id": submission_id, "version": _free_version(connection, stored)},
        )
        _renumber(session, (stored.unit_id, stored.month))
    after = {"status": stored.withdrawn_status}
    result = _restored(session, submission_id, after)
    _audit(session, by, "restore", result, stored.month)
    return result


def _restored(session: Any, submission_id: int, after: dict) -> Corrected:
    result = _result(session, submission_id, "restore", {"status": "withdrawn"}, after)
    result.after["version"] = result.version
    return result


def _free_version(connection: Any, stored: _Stored) -> int:
    found = execute(
        connection,
        "SELECT max(version) FROM submission WHERE unit_id = :unit AND month = :month",
        {"unit": stored.unit_id, "month": stored.month},
    ).fetchone()[0]
    return 1 + (found or 0)


def redate(session: Any, submission_id: int, received: datetime, by: Actor) -> Corrected:
    """Correct a return's received time: its place among the versions, its timeliness."""
    stored = _stored(session, submission_id)
    _refuse_withdrawn(stored, "更正收到时间")
    guard(session, [stored.month], by, f"更正{_described(stored)}的收到时间")
    from qzfsg.models import Submission

    row = session.get(Submission, submission_id)
    with _unique(f"同一文件已有一份在 {received:%Y-%m-%d %H:%M} 收到，"):
        row.received_at = received
        session.flush()
        _renumber(session, (stored.unit_id, stored.month))
    session.expire_all()
    before = {"received": stored.received_at, "version": stored.version}
    result = _result(session, submission_id, "redate", before, {"received": received})
    result.after["version"] = result.version
    _audit(session, by, "redate", result, stored.month)
    return result


def _refuse_withdrawn(stored: _Stored, doing: str) -> None:
    if stored.status == "withdrawn":
        raise QzfsgError(
            f"{_described(stored)}已撤回，不能{doing}；先用 qzfsg restore {stored.id} 恢复。"
        )


def refile(
    session: Any,
    submission_id: int,
    unit: str | None,
    month: Month | None,
    by: Actor,
    archive: Path,
    today: date,
) -> Corrected:
    """File a return under another unit and/or month: checked again as if imported so
    (the importer's own checks, against the new unit's stored months), its values and
    findings replaced, both unit-months renumbered."""
    from qzfsg.importer import Importer

    stored = _stored(session, submission_id)
    _refuse_withdrawn(stored, "改归")
    names = _names(session)
    importer = Importer(session, archive, today, by=by)
    new_unit = importer.resolve_option(unit) if unit else names.get(stored.unit_id)
    new_month = month or (Month.parse(stored.month) if stored.month else None)
    if new_unit is None or new_month is None:
        raise QzfsgError(f"{_described(stored)}的单位或月份不明，请用 --unit 和 --month 都给出。")
    target = (importer.units[new_unit].id, str(new_month))
    if target == (stored.unit_id, stored.month):
        raise QzfsgError(f"{_described(stored)}已归在{new_unit} {new_month.label}，未作改动。")
    guard(session, [stored.month, target[1]], by, f"改归{_described(stored)}")
    connection = _write(session)
    # Out of the record first, so that it is checked against the other returns only.
    for table in ("value", "finding"):
        execute(connection, f"DELETE FROM {table} WHERE submission_id = :id", {"id": stored.id})
    execute(
        connection, "UPDATE submission SET status = 'rejected', superseded = FALSE WHERE id = :id",
        {"id": stored.id},
    )  # fmt: skip
    _renumber(session, (stored.unit_id, stored.month))
    checked = importer.check_bytes(
        Path(stored.archive_path), Path(stored.archive_path).read_bytes(), new_unit, new_month
    )
    accepted = checked.accepted
    with _unique(f"同样内容的文件已录入为另一份报表，{_described(stored)}"):
        execute(
            connection,
            "UPDATE submission SET unit_id = :unit, month = :month, month_source = 'option',"
            " status = :status, superseded = :accepted, version = :version WHERE id = :id",
            {"id": stored.id, "unit": target[0], "month": target[1],
             "status": "accepted" if accepted else "rejected", "accepted": accepted,
             "version": importer.next_version(*target)},
        )  # fmt: skip
        importer.write_contents(connection, stored.id, checked, accepted)
        _renumber(session, target)
    before = {"unit": names.get(stored.unit_id), "month": stored.month, "status": stored.status,
              "version": stored.version}  # fmt: skip
    result = _result(session, submission_id, "refile", before, {})
    result.after = {"unit": result.unit, "month": result.month, "status": result.status,
                    "version": result.version,
                    "findings": [f.code for f in checked.findings if f.severity != "info"]}  # fmt: skip
    # One entry for each place, so that the log of either unit or month shows it.
    for place_unit, place_month in dict.fromkeys([(before["unit"], stored.month),
                                                  (result.unit, result.month)]):  # fmt: skip
        audit.record(
            session, by, "refile", unit=place_unit, month=place_month, submission_id=result.id,
            before=result.before, after=result.after,
        )  # fmt: skip
    return result
