"""Corrections of the record, each audited: withdraw a return (and restore it), correct its
received time, file it under another unit or month.

A withdrawn return keeps its row, its file in the archive and its findings (history shows
it as 已撤回 with the reason), but its status is 'withdrawn', so that everything computed
from accepted or rejected returns (the current version, timeliness, ranking, the report,
findings) is as if it had never been imported; `restore` gives it back the status it had.
Each correction renumbers the unit-months it touches and checks the unit's later received
returns again as a serial import in received order would have them (qzfsg.versions),
refuses a locked month unless overridden (qzfsg.locks) and adds its entry to the audit
trail, all in one write transaction. A return re-dated, re-filed or restored is checked
again as if it had been imported so, with the importer's own checks.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from qzfsg import audit
from qzfsg.audit import Actor
from qzfsg.errors import NotFoundError, QzfsgError
from qzfsg.locks import guard
from qzfsg.months import Month
from qzfsg.queries import corrections as queries
from qzfsg.queries import returns
from qzfsg.reading.returns import CheckedReturn
from qzfsg.registry import all_units
from qzfsg.storage.archive import Archive, ArchivedFileMissing
from qzfsg.storage.db import begin_write, lost_race
from qzfsg.versions import UnitRecord, record_findings
from qzfsg.writers import ReturnWriter


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
    except Exception as exc:
        if not lost_race(exc):
            raise
        raise QzfsgError(clash + "未作改动。") from None


def _renumber(session: Any, *places: tuple[int | None, str | None]) -> None:
    for unit_id, month in dict.fromkeys(places):
        if unit_id is not None and month is not None:
            returns.renumber(_write(session), unit_id, month)


def _result(session: Any, submission_id: int, action: str, before: dict, after: dict) -> Corrected:
    stored = _stored(session, submission_id)
    current = queries.is_current(_write(session), submission_id)
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


def withdraw(
    session: Any, submission_id: int, by: Actor, archive: Archive, today: date
) -> Corrected:
    """Take a return back: as if never imported, its row and file kept."""
    stored = _stored(session, submission_id)
    if stored.status == "withdrawn":
        raise QzfsgError(f"{_described(stored)}已撤回，未作改动；要恢复请用 qzfsg restore。")
    guard(session, [stored.month], by, f"撤回{_described(stored)}")
    queries.withdraw(_write(session), submission_id, by.reason)
    _renumber(session, (stored.unit_id, stored.month))
    _Placer(session, archive, today).settle(stored, stored.received_at, stored.status)
    before = {"status": stored.status, "version": stored.version}
    result = _result(session, submission_id, "withdraw", before, {"status": "withdrawn"})
    _audit(session, by, "withdraw", result, stored.month)
    return result


def restore(
    session: Any, submission_id: int, by: Actor, archive: Archive, today: date
) -> Corrected:
    """Undo a withdrawal: the return takes its place again in received order, checked
    again as if imported at its received time."""
    stored = _stored(session, submission_id)
    if stored.status != "withdrawn":
        raise QzfsgError(f"{_described(stored)}没有撤回，无需恢复，未作改动。")
    for other, status in queries.kept_copies(_write(session), submission_id):
        raise QzfsgError(
            f"同样内容的文件已作为 #{other}（{'已录入' if status == 'accepted' else '已退回'}）"
            f"重新导入，{_described(stored)}不能再恢复；确要以此份为准，请先撤回 #{other}。"
        )
    guard(session, [stored.month], by, f"恢复{_described(stored)}")
    queries.clear_withdrawal(_write(session), submission_id)
    placer = _Placer(session, archive, today)
    unit = placer.unit_name(stored.unit_id)
    month = Month.parse(stored.month) if stored.month else None
    placer.place_again(
        stored, unit, month, stored.received_at, f"{_described(stored)}与已存的报表冲突，"
    )
    result = _result(session, submission_id, "restore", {"status": "withdrawn"}, {})
    result.after = {"status": result.status, "version": result.version}
    _audit(session, by, "restore", result, stored.month)
    return result


def redate(
    session: Any, submission_id: int, received: datetime, by: Actor, archive: Archive, today: date
) -> Corrected:
    """Correct a return's received time: its place among the versions, its timeliness,
    and the findings that read the unit's other returns as they stood then."""
    stored = _stored(session, submission_id)
    _refuse_withdrawn(stored, "更正收到时间")
    guard(session, [stored.month], by, f"更正{_described(stored)}的收到时间")
    placer = _Placer(session, archive, today)
    unit = placer.unit_name(stored.unit_id)
    month = Month.parse(stored.month) if stored.month else None
    placer.place_again(
        stored, unit, month, received, f"同一文件已有一份在 {received:%Y-%m-%d %H:%M} 收到，"
    )
    before = {"received": stored.received_at, "version": stored.version}
    result = _result(session, submission_id, "redate", before, {})
    result.after = {"received": received, "version": result.version}
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
    archive: Archive,
    today: date,
) -> Corrected:
    """File a return under another unit and/or month: checked again as if imported so
    (the importer's own checks, against the new unit's stored months), its values and
    findings replaced, both unit-months renumbered."""
    stored = _stored(session, submission_id)
    _refuse_withdrawn(stored, "改归")
    placer = _Placer(session, archive, today)
    new_unit = placer.importer.resolve_option(unit) if unit else placer.unit_name(stored.unit_id)
    new_month = month or (Month.parse(stored.month) if stored.month else None)
    if new_unit is None or new_month is None:
        raise QzfsgError(f"{_described(stored)}的单位或月份不明，请用 --unit 和 --month 都给出。")
    if (placer.importer.units[new_unit].id, str(new_month)) == (stored.unit_id, stored.month):
        raise QzfsgError(f"{_described(stored)}已归在{new_unit} {new_month.label}，未作改动。")
    guard(session, [stored.month, str(new_month)], by, f"改归{_described(stored)}")
    checked = placer.place_again(
        stored, new_unit, new_month, stored.received_at,
        f"同样内容的文件已录入为另一份报表，{_described(stored)}",
    )  # fmt: skip
    old_unit = placer.unit_name(stored.unit_id)
    before = {"unit": old_unit, "month": stored.month, "status": stored.status,
              "version": stored.version}  # fmt: skip
    result = _result(session, submission_id, "refile", before, {})
    result.after = {"unit": result.unit, "month": result.month, "status": result.status,
                    "version": result.version,
                    "findings": [f.code for f in checked.findings if f.severity != "info"]}  # fmt: skip
    # One entry for each place, so that the log of either unit or month shows it.
    for place in dict.fromkeys([(old_unit, stored.month), (result.unit, result.month)]):
        audit.record(
            session, by, "refile", unit=place[0], month=place[1], submission_id=result.id,
            before=result.before, after=result.after,
        )  # fmt: skip
    return result


class _Placer:
    """Puts a stored return (back) in its place as the importer would have: checked as if
    imported at its received time with its unit and month, then the unit's returns
    received after it settled (qzfsg.versions.UnitRecord)."""

    def __init__(self, session: Any, archive: Archive, today: date):
        from qzfsg.importer import Importer

        self.session, self.archive = session, archive
        self.importer = Importer(session, archive, today)
        self.names = {u.id: u.name for u in self.importer.units.values()}
        self.writer = ReturnWriter(session)

    def unit_name(self, unit_id: int | None) -> str | None:
        return self.names.get(unit_id)

    def place_again(
        self, stored: _Stored, unit: str | None, month: Month | None, received: datetime,
        clash: str,
    ) -> CheckedReturn:  # fmt: skip
        """Check the archived file again as if received at `received` for `unit` and
        `month`, store its status, values and findings there; renumber and settle both the
        place it had and the new one."""
        connection = _write(self.session)
        # Out of the record first, so that it is checked against the other returns only.
        returns.drop_checks(connection, stored.id)
        queries.take_out(connection, stored.id)
        _renumber(self.session, (stored.unit_id, stored.month))
        # Named as the clerk's file, not the archive's copy: findings quote the name.
        path = Path(stored.source_name)
        try:
            data = self.archive.read(connection, stored.archive_path)
        except ArchivedFileMissing:
            raise QzfsgError(
                f"{_described(stored)}的存档文件 {stored.archive_path} 找不到或内容已变，"
                "无法重新审核，未作改动；请先运行 qzfsg check 查看存档。"
            ) from None
        checked = self.importer.checker.check(path, unit, month, data)
        row = self.importer.units.get(unit or "")
        placed = row is not None and month is not None
        if placed:
            record = UnitRecord(self.session, self.importer.checker, self.archive, row)
            record_findings(self.importer.checker, row, checked, record.current_before(received))
        accepted = checked.accepted and placed
        target = (row.id if row else None, str(month) if month else None)
        with _unique(clash):
            queries.place(
                connection, stored.id, {"unit": target[0], "month": target[1],
                "received": self.writer.stored_time(received), "status": "accepted" if accepted else "rejected",
                "accepted": accepted, "version": self.importer.next_version(*target)},
            )  # fmt: skip
            if accepted:
                self.writer.values(connection, stored.id, checked.values())
            self.writer.findings(connection, stored.id, checked.findings)
            _renumber(self.session, target)
        self.settle(stored, stored.received_at, stored.status)
        if placed:
            moved = replace(stored, unit_id=target[0], month=target[1])
            self.settle(moved, min(received, stored.received_at), "accepted" if accepted else "")
        return checked

    def settle(self, stored: _Stored, received: datetime, status: str) -> None:
        """Check again the unit's returns received after `received` that read the month
        of `stored` (its current return changed if `status` was accepted)."""
        row = next((u for u in self.importer.units.values() if u.id == stored.unit_id), None)
        if row is None or stored.month is None:
            return
        record = UnitRecord(self.session, self.importer.checker, self.archive, row)
        changed = {stored.month} if status == "accepted" else set()
        for month in record.settle(received, stored.id, changed):
            returns.renumber(_write(self.session), row.id, month)
