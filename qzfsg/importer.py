"""Storing received returns: one transaction per file, nothing ever lost.

The original bytes are archived (named by sha256) before the transaction commits, or, kept
in the database, in it (qzfsg.storage.archive).
Rejected files are recorded with their findings but contribute no values; identical bytes
already received are reported as a duplicate and change nothing; another accepted file
for the same unit and month becomes a new version that replaces the earlier one.
"""

from __future__ import annotations

import glob
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import closing
from datetime import date, datetime
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel
from sqlmodel import Session

from qzfsg import audit
from qzfsg.audit import Actor, actor
from qzfsg.campaign import load_campaign
from qzfsg.defaults import load_indicators
from qzfsg.errors import LockedError, NotFoundError, QzfsgError
from qzfsg.findings import Finding, finding
from qzfsg.inert import shown_name, shown_path
from qzfsg.locks import guard
from qzfsg.models import Unit
from qzfsg.months import Month
from qzfsg.queries import returns as queries
from qzfsg.queries.corrections import last_audit_entry
from qzfsg.reading.ahead import Kept, ReadAhead, ahead_of_turn
from qzfsg.reading.checking import Checker
from qzfsg.reading.returns import CheckedReturn
from qzfsg.reading.unreadable import UnreadableReturn
from qzfsg.reading.workers import CheckPool, check_pool
from qzfsg.registry import all_units, build_resolver, is_expected
from qzfsg.storage.archive import Archive, file_time
from qzfsg.storage.db import begin_write, lost_race
from qzfsg.submissions import FigureSet, current_figures, stored_at
from qzfsg.versions import StoredReturns, UnitRecord, record_findings, remember_entries
from qzfsg.writers import ReturnWriter

STORE_ATTEMPTS = 3  # a unique index refused the row: decide again from what is stored
RECORDS_KEPT = 100  # units whose stored returns an import keeps (the latest it stored to)
SPREADSHEET_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".ods", ".et"}
Status = Literal["imported", "rejected", "duplicate", "checked", "refused"]


class FileOutcome(BaseModel):
    """What became of one file; the `--json` shape of import and validate."""

    file: str
    status: Status
    unit: str | None = None
    month: str | None = None
    version: int | None = None
    received: datetime | None = None
    values: dict[str, dict[str, Decimal]] = {}
    findings: list[Finding] = []
    duplicate_of: str | None = None
    replaces_version: int | None = None
    # Stored after a file of the same unit and month that was received later (迟到导入):
    # it takes its place among the versions in received order.
    late: bool = False
    current: bool = False  # the unit-month's current return after this import

    @property
    def flagged(self) -> bool:
        return any(f.severity == "warning" for f in self.findings)

    @classmethod
    def from_checked(
        cls, checked: CheckedReturn, status: Status, received: datetime | None
    ) -> FileOutcome:
        values = (
            {code: {"month": m, "cumulative": c} for code, (m, c) in checked.values().items()}
            if checked.accepted
            else {}
        )
        return cls(
            file=checked.file,
            status=status,
            unit=checked.unit,
            month=str(checked.month) if checked.month else None,
            received=received,
            values=values,
            findings=checked.findings,
        )


def collect_paths(arguments: Sequence[str]) -> list[Path]:
    """Files as given, folders searched recursively for spreadsheets, globs expanded.

    Whatever exists is kept, even when it is not a regular file (a pipe, a device, a link
    that loops): reading it then says what it is. A folder without spreadsheets is an
    error, so that a mistyped folder is not taken for a month without returns."""
    found: list[Path] = []
    for argument in arguments:
        path = Path(argument)
        if path.is_dir():
            inside = _spreadsheets_in(path)
            if not inside:
                raise QzfsgError(_no_returns_in(path))
            found.extend(inside)
        elif os.path.lexists(path):
            found.append(path)
        elif glob.has_magic(argument) and (matches := sorted(glob.glob(argument, recursive=True))):
            found.extend(Path(m) for m in matches if Path(m).is_file())
        else:
            raise NotFoundError(f"找不到文件或文件夹“{shown_path(argument)}”。")
    return list(dict.fromkeys(found))


def _spreadsheets_in(folder: Path) -> list[Path]:
    """Spreadsheet files under `folder`, its subfolders too; linked folders are not
    followed (a link back up would never end), Office's and LibreOffice's lock files
    left out."""
    found = []
    for root, folders, files in os.walk(folder):
        folders.sort()
        found.extend(
            Path(root) / name
            for name in sorted(files)
            if Path(name).suffix.lower() in SPREADSHEET_SUFFIXES
            and not name.startswith(("~$", ".~lock"))
        )
    return found


def _no_returns_in(folder: Path) -> str:
    name = shown_path(folder)
    if folder.suffix.lower() in SPREADSHEET_SUFFIXES:
        return f"“{name}”是文件夹，不是表格文件；其中也没有找到报表文件。"
    return f"文件夹“{name}”中没有找到报表文件（.xlsx、.xls、.ods、.et）。"


def in_received_order(
    paths: Iterable[Path], received: datetime | None
) -> list[tuple[Path, datetime]]:
    """Each file with its received time (stated, or its modification time), oldest first."""
    timed = [(p, received or _modified(p)) for p in paths]
    return sorted(timed, key=lambda item: item[1])


def _modified(path: Path) -> datetime:
    """The file's modification time; a link that loops or points nowhere has the link's
    own (reading it will say what is wrong)."""
    try:
        return file_time(path)
    except OSError:
        return datetime.fromtimestamp(path.lstat().st_mtime).replace(microsecond=0)


class Importer:
    """Checks and stores returns into one database; built once per run."""

    def __init__(
        self,
        session: Session,
        archive: Archive,
        today: date,
        dry_run: bool = False,
        recheck: bool = False,
        by: Actor | None = None,
    ):
        """`dry_run`: store nothing. `recheck` (validate): check even bytes already received,
        instead of reporting them as duplicates. `by`: who imports (the audit trail), and
        whether a locked month may be changed (qzfsg.locks)."""
        self.session = session
        self.by = by or actor()
        self.archive = archive
        self.dry_run = dry_run or recheck
        self.recheck = recheck
        self.units = {u.name: u for u in all_units(session)}
        self.names = {u.id: u.name for u in self.units.values()}
        self.writers = ReturnWriter(session)
        # A folder's copy is written with the file's reading, ahead of its turn (the disk
        # write waits on I/O, the check on the CPU); the database's in the write
        # transaction, with the row (see _store_once).
        writes_ahead = not (self.dry_run or archive.in_transaction)
        self.reader = ReadAhead(partial(archive.put, None) if writes_ahead else None)
        self._accepted: dict[int, dict[str, FigureSet]] = {}
        # The units' stored returns as this import last left them, kept from one file to
        # the next while the audit trail's latest entry is the one it wrote last: every
        # change to the returns adds an entry in its own transaction (qzfsg.audit), so then
        # nothing else has written since. (Read again inside the transaction otherwise.)
        self._records: dict[int, StoredReturns] = {}
        self._last_entry: int | None = None
        self._pending: tuple[int, int | None, StoredReturns | None] | None = None
        self.checker = Checker(
            indicators=load_indicators(),
            resolver=build_resolver(session),
            campaign=load_campaign(session),
            today=today,
        )

    def resolve_option(self, text: str) -> str:
        found = self.checker.resolver.resolve(text)
        if found.status != "resolved" or found.unit is None:
            raise QzfsgError(f"--unit：{found.reason}。")
        return found.unit

    # ----------------------------------------------------------------- stored history
    def accepted_months(self, unit: str) -> dict[str, FigureSet]:
        """The unit's current accepted figures: {month: {code: (本月数, 累计数)}} (cached)."""
        unit_id = self.units[unit].id or 0
        if unit_id not in self._accepted:
            self._accepted[unit_id] = {
                month: units[unit_id]
                for month, units in current_figures(self.session, unit_id=unit_id).items()
            }
        return self._accepted[unit_id]

    # ----------------------------------------------------------------- one file
    def import_all(
        self, plan: Iterable[tuple[Path, datetime, str | None, Month | None]]
    ) -> Iterator[FileOutcome]:
        """import_file for each (file, received, unit, month) in turn, the next files read
        and archived meanwhile (qzfsg.reading.ahead) and, in a large import, checked in
        worker processes (qzfsg.reading.workers); an outcome as each is done."""
        plan = list(plan)
        with (
            check_pool(self.checker, len(plan)) as pool,
            closing(self.reader.in_turn(path for path, *_ in plan)) as files,
        ):
            planned = zip(plan, files, strict=True)
            ahead = partial(self._check_ahead, pool)
            window = pool.window if pool else 0
            for item, fetched, checking in ahead_of_turn(planned, ahead, window):
                yield self.import_file(*item, fetched=fetched, checking=checking)

    def _check_ahead(
        self, pool: CheckPool | None, planned: tuple[tuple, Callable[[], Kept]]
    ) -> tuple[tuple, Callable[[], Kept], Callable[[], CheckedReturn] | None]:
        """A file of the plan read and, unless it is a copy of one already received (as
        import_file decides again in its turn), sent to the pool to be checked; without a
        pool, left for its turn."""
        item, fetched = planned
        if pool is None:
            return item, fetched, None
        path, received, unit, month = item
        try:
            kept = fetched()
        except Exception as exc:  # raised again in its turn, after the files before it
            return item, partial(_raise, exc), None
        digest, data, _ = kept
        if self._copy_received(digest, received) is not None:
            return item, lambda: kept, None
        return item, lambda: kept, pool.submit((path, unit, month, data))

    def import_file(
        self,
        path: Path,
        received: datetime,
        unit: str | None = None,
        month: Month | None = None,
        fetched: Callable[[], Kept] | None = None,
        checking: Callable[[], CheckedReturn] | None = None,
    ) -> FileOutcome:
        """Check and store one file; `fetched` gives it if it was read ahead, `checking`
        its check if it was begun ahead."""
        try:
            digest, data, reference = fetched() if fetched else self.reader.fetch(path)
        except UnreadableReturn as exc:  # not a regular file, or unreadable: nothing stored
            problem = finding(exc.code, str(exc))
            return FileOutcome(
                file=shown_path(path), status="rejected", received=received, findings=[problem]
            )
        if (copy := self._copy_received(digest, received)) is not None:
            # Checked again inside the write transaction; this only saves the checking.
            return self._duplicate(path, received, copy, [])
        checked = checking() if checking else self.checker.check(path, unit, month, data)
        if self.dry_run:
            if (placed := self._placed(checked)) is not None:
                current = self.accepted_months(placed.name)
                record_findings(self.checker, placed, checked, current)
            return self._dry_outcome(checked, path, received, digest)
        return self._store(checked, path, received, (digest, data, reference))

    def _copy_received(self, digest: str, received: datetime) -> tuple | None:
        """The accepted return with these bytes, if it makes this file a plain duplicate
        (received no later; in a dry run, whenever): no need to check it."""
        copy = None if self.recheck else queries.accepted_copy(self.session, digest)
        if copy is not None and (self.dry_run or stored_at(copy[5]) <= received):
            return copy
        return None

    def _dry_outcome(
        self, checked: CheckedReturn, path: Path, received: datetime, digest: str
    ) -> FileOutcome:
        """What importing would do, storing nothing."""
        if not checked.accepted and not self.recheck:
            unit = self.units.get(checked.unit or "")
            month = str(checked.month) if checked.month else None
            copy = self._rejected_copy(digest, unit.id if unit else None, month, checked.findings)
            if copy is not None:
                return self._duplicate(path, received, copy, checked.findings)
        status: Status = "checked" if checked.accepted else "rejected"
        return FileOutcome.from_checked(checked, status, received)

    def _rejected_copy(
        self, digest: str, unit_id: int | None, month: str | None, findings: list[Finding]
    ) -> tuple | None:
        """The same bytes rejected before for the same unit and month and the same reasons:
        nothing new to record. (With --unit or --month, or after a registry change, they
        may be placed elsewhere, or pass.)"""
        problems = _problems(findings)
        return next(
            (
                row
                for row in queries.copies(self.session, digest, unit_id, month)
                if queries.problems(self.session, row[0]) == problems
            ),
            None,
        )

    def _duplicate(
        self, path: Path, received: datetime, earlier: tuple, findings: list[Finding]
    ) -> FileOutcome:
        _, unit_id, month_text, version, source, *_ = earlier
        return FileOutcome(
            file=shown_path(path), status="duplicate", unit=self.names.get(unit_id),
            month=month_text, version=version, received=received, duplicate_of=source,
            findings=findings,
        )  # fmt: skip

    def _placed(self, checked: CheckedReturn) -> Unit | None:
        """The registered unit of a return whose unit and month are known."""
        return self.units.get(checked.unit or "") if checked.month else None

    def _store(
        self, checked: CheckedReturn, path: Path, received: datetime, kept: Kept
    ) -> FileOutcome:
        """One write transaction: decide inside it whether the file is new (a duplicate may
        have been stored by another import meanwhile), store the submission, its values if
        accepted and its findings, and renumber the unit-month's versions. The unique
        indexes make a race lost anyway (another database, a bug) an error and a retry,
        never a second copy."""
        for attempt in range(1, STORE_ATTEMPTS + 1):
            # The transaction is the driver connection's, committed there: the session's
            # commit would add the ORM's bookkeeping to every file, with nothing to flush.
            connection = begin_write(self.session)
            self._pending = None
            try:
                outcome = self._store_once(connection, checked, path, received, kept)
                connection.commit()
                self._committed()
                return outcome
            except Exception as exc:
                connection.rollback()
                if not lost_race(exc) or attempt == STORE_ATTEMPTS:
                    raise
            except BaseException:
                connection.rollback()
                raise
        raise AssertionError("unreachable")

    def _committed(self) -> None:
        """What the import knows of the stored returns after a file's transaction."""
        if self._pending is None:  # a duplicate, a refusal: read everything again
            self._last_entry = None
            return
        self._last_entry, unit_id, stored = self._pending
        if unit_id is not None and stored is not None:
            self._records[unit_id] = stored
            if len(self._records) > RECORDS_KEPT:  # the unit stored to longest ago
                del self._records[next(iter(self._records))]

    def _store_once(
        self, connection: Any, checked: CheckedReturn, path: Path, received: datetime, kept: Kept
    ) -> FileOutcome:
        digest, data, reference = kept
        if last_audit_entry(connection) != self._last_entry:
            self._records.clear()  # another command has written meanwhile
        if (copy := queries.accepted_copy(connection, digest)) is not None:
            self._received_earlier(connection, copy, path, received)
            return self._duplicate(path, received, copy, [])
        unit = self.units.get(checked.unit or "")
        unit_id = unit.id if unit else None
        known = self._records.pop(unit_id, None) if unit_id is not None else None
        tied = (
            unit is not None
            and checked.month is None
            and self._tie_to_owed_month(checked, unit, received)
        )
        month = str(checked.month) if checked.month else None
        record = None
        if unit is not None and month is not None:
            remember_entries(digest, checked.entries)
            # The findings that read the unit's other returns, as they stood when it came
            # (none for a file only tied to a month: its own month is not known).
            record = UnitRecord(self.session, self.checker, self.archive, unit, known)
            if not tied:
                record_findings(self.checker, unit, checked, record.current_before(received))
        placed = record is not None
        # The first return of its unit-month (nothing else there, not even withdrawn) is
        # version 1 and current as stored: nothing to renumber.
        alone = record is not None and month not in record.months
        accepted = checked.accepted and placed
        if not accepted and (copy := self._rejected_copy(digest, unit_id, month, checked.findings)):
            return self._duplicate(path, received, copy, checked.findings)
        name = shown_name(path)
        try:
            guard(self.session, [month], self.by, f"导入《{name}》")
        except LockedError as exc:
            return FileOutcome(
                file=shown_path(path), status="refused", unit=checked.unit, month=month,
                received=received, findings=[finding("month_locked", str(exc))],
            )  # fmt: skip
        if reference is None:  # kept in the database: with the row, in its transaction
            reference = self.archive.put(connection, data, digest, path.suffix)
        row = {
            "unit_id": unit_id, "unit_text": checked.unit_text, "month": month,
            "month_source": checked.month_source, "received_at": received,
            "filed_on": checked.filed_on, "filed_text": checked.filed_text,
            "source_name": name, "sha256": digest, "archive_path": reference,
            "sheet": checked.sheet, "status": "accepted" if accepted else "rejected",
            "version": self.next_version(unit_id, month) if placed and not alone else 1,
            "superseded": accepted and not alone, "imported_at": datetime.now(),
        }  # fmt: skip
        submission_id = self.writers.submission.insert(connection, row)
        figures = (
            self.writers.values(connection, submission_id, checked.values()) if accepted else {}
        )
        self.writers.findings(connection, submission_id, checked.findings)
        outcome = FileOutcome.from_checked(
            checked, "imported" if accepted else "rejected", received
        )
        outcome.version, outcome.current = 1, alone
        stored = None
        if unit is not None and record is not None and month is not None:
            if record.has_later(received):  # it came late: settle what came after it
                record = UnitRecord(self.session, self.checker, self.archive, unit)
                changed = {month} if accepted else set()
                for other in record.settle(received, submission_id, changed) - {month}:
                    queries.renumber(connection, unit.id, other)
            elif alone:  # the unit's returns as read, and this one, received after them all
                stored = record.stored
                stored.add(self.writers.read_back(submission_id, row), figures)
            if not alone:
                self._place(outcome, connection, submission_id, unit.id, month)
            self._accepted.pop(unit.id, None)  # the unit's current figures may have changed
        entry = audit.record(
            self.session, self.by, "import", unit=unit.name if unit else checked.unit_text,
            month=month, submission_id=submission_id,
            after={"file": name, "received": received, "status": outcome.status,
                   "version": outcome.version},
        )  # fmt: skip
        self._pending = (entry, unit_id, stored)
        return outcome

    def _tie_to_owed_month(self, checked: CheckedReturn, unit: Unit, received: datetime) -> bool:
        """A file of a known unit whose month cannot be told (unreadable, no month on it) is
        tied to the oldest month the unit still owed when it came, so that `overdue` and the
        催报 say a return was received but could not be used, and `findings` of that month
        list it until the unit's return for that month is accepted."""
        campaign = self.checker.campaign
        stored = self.accepted_months(unit.name)
        owed = [
            month
            for month in campaign.first.until(campaign.current_month(received.date()))
            if is_expected(unit, month) and str(month) not in stored
        ]
        if not owed:
            return False
        checked.month, checked.month_source = owed[0], "owed"
        checked.findings.append(
            finding(
                "month_owed",
                f"看不出是哪个月的报表，暂按{unit.name}最早未报的{owed[0].label}记录。",
            )
        )
        return True

    def _received_earlier(
        self, connection: Any, copy: tuple, path: Path, received: datetime
    ) -> None:
        """The same bytes as an accepted return, received before it: the return was received
        then, under this name, as one import in received order would have stored it; the
        unit's later returns are settled again."""
        submission_id, unit_id, month = copy[:3]
        try:  # a locked month keeps its timeliness: the copy then stays a plain duplicate
            guard(self.session, [month], self.by, f"按《{shown_name(path)}》提前收到时间")
        except LockedError:
            return
        if not self.writers.received_earlier(connection, submission_id, received, shown_name(path)):
            return
        audit.record(
            self.session, self.by, "redate", unit=self.names.get(unit_id), month=month,
            submission_id=submission_id,
            after={"received": received, "file": shown_name(path), "note": "同一文件更早收到"},
        )  # fmt: skip
        unit = self.units.get(self.names.get(unit_id, ""))
        if unit is None or month is None:
            return
        record = UnitRecord(self.session, self.checker, self.archive, unit)
        for changed in record.settle(received, submission_id, {month}, including=True) | {month}:
            queries.renumber(connection, unit_id, changed)
        self._accepted.pop(unit_id, None)

    def next_version(self, unit_id: int | None, month: str | None) -> int:
        """A version no other return of the unit-month has (renumber then orders them)."""
        return 1 + queries.last_version(self.session, unit_id, month)

    def _place(
        self, outcome: FileOutcome, connection: Any, submission_id: int, unit_id: int, month: str
    ) -> None:
        """Renumber the unit-month with the new return in it; what that made of it."""
        before = queries.current_version(connection, unit_id, month)
        queries.renumber(connection, unit_id, month)
        outcome.version, outcome.current, outcome.late = queries.placing(connection, submission_id)
        if outcome.status == "imported" and outcome.current and before is not None:
            outcome.replaces_version = before  # received earlier: its number stands


def _raise(exc: Exception) -> Kept:
    raise exc


def _problems(findings: list[Finding]) -> set[tuple[str, str | None]]:
    return {(f.code, f.cell) for f in findings if f.severity != "info"}
