"""Which return of a unit's month is which: versions in received order and the current one.

Files reach the clerk out of order (a forwarded e-mail, a folder sorted by name) and
several clerks may import at once, so nothing here depends on the order of the imports:
the versions 1, 2, … of a unit-month follow the received order (received_at, then id), and
its current return is the latest *received* accepted one. An older file imported after a
newer one becomes an earlier version and changes no figure.

`qzfsg.queries.returns.renumber` is the one place that decides both (in SQL); `UnitRecord` keeps a unit's findings that
read its other returns as a serial import in received order would have them. Both run
inside the caller's write transaction, after any change to the unit's returns (an import,
a correction: qzfsg.corrections, a migration). Withdrawn returns take part in neither.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qzfsg.amounts import amount
from qzfsg.findings import Finding, finding
from qzfsg.months import Month
from qzfsg.queries import returns as queries
from qzfsg.reading.returns import CheckedReturn, Entry
from qzfsg.reading.rules import HISTORY_RULES, RuleContext, apply_rules, show
from qzfsg.registry import is_expected
from qzfsg.storage.archive import Archive, ArchivedFileMissing
from qzfsg.storage.db import driver_connection
from qzfsg.submissions import FigureSet, SubmissionRow, findings_by_submission
from qzfsg.writers import ReturnWriter

if TYPE_CHECKING:
    from qzfsg.models import Unit
    from qzfsg.reading.checking import Checker


# ---------------------------------------------------------------- findings that read the record
# A return's findings that depend on the unit's other returns: the rules on its stored
# months (reading.rules.HISTORY_RULES) and those of an accepted return. They are what they
# were when the file came, in received order, as if every file had been imported one by
# one in the order it was received; `UnitRecord.settle` computes them again after a file
# arrives out of order.
HISTORY_CODES = frozenset(
    {"cum_mismatch", "cum_equals_month", "spike", "later_month_mismatch", "unit_not_expected"}
)
Current = dict[str, FigureSet]  # month -> the figures of that month's current return


def history_of(
    current: Current, month: Month
) -> tuple[dict[str, Decimal] | None, dict[str, list[Decimal]]]:
    """What the rules read: the month before's 累计数 (None: not on file) and the earlier
    months' 本月数, by indicator."""
    before = current.get(str(month.previous()))
    previous = {code: pair[1] for code, pair in before.items()} if before else None
    earlier: dict[str, list[Decimal]] = {}
    for key in sorted(k for k in current if k < str(month)):
        for code, pair in current[key].items():
            earlier.setdefault(code, []).append(pair[0])
    return previous, earlier


def record_findings(checker: Checker, unit: Unit, checked: CheckedReturn, current: Current) -> None:
    """Replace the findings of `checked` (placed with `unit`) that read the unit's other
    returns with those it has against `current` (its current returns when it came)."""
    assert checked.month is not None
    checked.findings = [f for f in checked.findings if f.code not in HISTORY_CODES]
    previous, earlier = history_of(current, checked.month)
    context = RuleContext(checker.by_code, checker.campaign, checker.today, previous, earlier)
    checked.findings.extend(apply_rules(checked, context, HISTORY_RULES))
    if checked.accepted:
        checked.findings.extend(later_month_findings(checked, current, checker))
        checked.findings.extend(expectation_findings(unit, checked.month))


def expectation_findings(unit: Unit, month: Month) -> list[Finding]:
    """A return from a unit not expected that month (deactivated, or not yet due)."""
    if is_expected(unit, month):
        return []
    why = (
        f"自 {unit.inactive_from} 起已停用"
        if unit.inactive_from and str(month) >= unit.inactive_from
        else f"自 {unit.active_from} 起才需报送"
    )
    return [
        finding(
            "unit_not_expected",
            f"{unit.name}{why}，{month.label}不在应报范围内；已收录并计入全市合计，"
            "但不算应报单位。",
        )
    ]


def later_month_findings(
    checked: CheckedReturn, current: Current, checker: Checker
) -> list[Finding]:
    """An earlier month re-submitted: do the stored later months still add up? Each
    累计数 builds on the month before, so a change runs on through every later month on
    file: a May correction that breaks June's 累计数 breaks July's too, and the unit is
    asked for both."""
    assert checked.month is not None
    later: list[tuple[Month, FigureSet]] = []  # the months on file right after it
    month = checked.month.next()
    while (figures := current.get(str(month))) is not None:
        later.append((month, figures))
        month = month.next()
    if not later:
        return []
    found = []
    for code, entry in checked.entries.items():
        if entry.cumulative is None:
            continue
        carried, broken = entry.cumulative, []
        for month, figures in later:
            if code not in figures:
                break
            month_value, cumulative = figures[code]
            due = carried + month_value
            if cumulative != due:
                broken.append((month, cumulative, carried, month_value, due))
            carried = due
        if not broken:
            continue
        first, cumulative, before, month_value, due = broken[0]
        label = checker.by_code[code].label
        others = "、".join(b[0].label for b in broken[1:])
        found.append(
            finding(
                "later_month_mismatch",
                f"已收的{first.label}报表“{label}”累计数为 {show(cumulative)}，"
                f"按本表应为 {show(before)} + {show(month_value)} = {show(due)}"
                + (f"；其后{others}的累计数也随之不再衔接" if others else "")
                + f"。请一并更正{'、'.join(b[0].label for b in broken)}报表后重新报送。",
                indicator=code,
                expected=show(due),
            )
        )
    return found


@dataclass(slots=True)
class StoredReturns:
    """One unit's returns as stored, as UnitRecord reads them. An import keeps them from
    one file to the next while nothing else writes, adding the returns it stores itself
    (qzfsg.importer)."""

    months: set[str | None]  # of every return, withdrawn ones too
    rows: list[SubmissionRow]  # those placed in a month and not withdrawn, in received order
    figures: dict[int, FigureSet]  # by submission id

    @classmethod
    def read(cls, connection: Any, unit_id: int) -> StoredReturns:
        stored = queries.submissions(connection, unit_id)
        figures: dict[int, FigureSet] = {}
        for submission_id, code, month_value, cumulative in queries.values(connection, unit_id):
            figures.setdefault(submission_id, {})[code] = (amount(month_value), amount(cumulative))
        every = [SubmissionRow.from_row(row) for row in stored]
        rows = [row for row in every if row.month is not None and row.status != "withdrawn"]
        return cls({row.month for row in every}, rows, figures)

    def add(self, row: SubmissionRow, figures: FigureSet) -> None:
        """A return placed in a month, received after every one of them, just stored."""
        self.months.add(row.month)
        self.rows.append(row)
        if figures:
            self.figures[row.id] = figures


class UnitRecord:
    """One unit's returns placed in a month, in received order, as stored: read inside the
    write transaction (unless `stored` says what they are), to check a new file against
    what had come before it and to settle what came after it."""

    def __init__(
        self,
        session: Any,
        checker: Checker,
        archive: Archive,
        unit: Unit,
        stored: StoredReturns | None = None,
    ):
        self.session, self.checker, self.archive, self.unit = session, checker, archive, unit
        self.connection = driver_connection(session)
        self.stored = stored or StoredReturns.read(self.connection, unit.id)
        self.months, self.rows, self.figures = (
            self.stored.months,
            self.stored.rows,
            self.stored.figures,
        )
        self._findings: dict[int, list[Finding]] | None = None

    def current_before(self, received: datetime, submission_id: int | None = None) -> Current:
        """The unit's current returns as they stood when the file received at `received`
        came: before the return `submission_id`, or before any file received later."""
        point = (received, sys.maxsize if submission_id is None else submission_id)
        current: Current = {}
        for row in self.rows:
            if (row.received_at, row.id) >= point:
                break
            if row.status == "accepted":
                current[row.month] = self.figures[row.id]  # type: ignore[index]
        return current

    def has_later(self, received: datetime) -> bool:
        """Whether a return received after `received` is on file (the file came late)."""
        return any(row.received_at > received for row in self.rows)

    def settle(
        self, received: datetime, submission_id: int, changed: set[str], including: bool = False
    ) -> set[str]:
        """After the return `submission_id` (received at `received`) came in or changed, and
        with it the current returns of the months `changed`: check every later received
        return that reads one of those months again (and the return itself if `including`:
        it was moved there), in received order, as if imported after it. A return whose
        status changes changes its month's current return, and so on. The months where a
        status changed (to renumber)."""
        writer = ReturnWriter(self.session)
        point = (received, submission_id)
        current = self.current_before(received, submission_id)
        flipped: set[str] = set()
        for row in self.rows:
            here = (row.received_at, row.id)
            if here < point:
                continue
            month = row.month
            assert month is not None
            recheck = including if here == point else any(m != month for m in changed)
            if recheck and (checked := self._reread(row)):
                status = self._check_again(writer, row, checked, current)
                if status != row.status:
                    changed.add(month)
                    flipped.add(month)
                    self.figures[row.id] = checked.values()
                    row = replace(row, status=status)
            if row.status == "accepted":
                current[month] = self.figures[row.id]
        return flipped

    def _check_again(
        self, writer: ReturnWriter, row: SubmissionRow, checked: CheckedReturn, current: Current
    ) -> str:
        """Apply the rules that read other returns to a stored return again, store what
        changed; its status now."""
        stored = self._stored_findings(row.id)
        checked.findings = [f for f in stored if f.code not in HISTORY_CODES]
        record_findings(self.checker, self.unit, checked, current)
        status = "accepted" if checked.accepted else "rejected"
        if (
            status == "accepted"
            and row.status != status
            and queries.accepted_copy(self.connection, row.sha256)
        ):
            status = row.status  # the same bytes were accepted since: they stay the copy
        if status == row.status and sorted(map(_key, stored)) == sorted(
            map(_key, checked.findings)
        ):
            return status
        queries.drop_checks(self.connection, row.id, values=False)
        writer.findings(self.connection, row.id, checked.findings)
        if status != row.status:
            queries.set_status(self.connection, row.id, status)
            if status == "accepted":
                writer.values(self.connection, row.id, checked.values())
            else:
                queries.drop_checks(self.connection, row.id, findings=False)
        return status

    def _stored_findings(self, submission_id: int) -> list[Finding]:
        if self._findings is None:
            self._findings = findings_by_submission(self.connection, self.unit.id, None)
        return self._findings.get(submission_id, [])

    def _reread(self, row: SubmissionRow) -> CheckedReturn | None:
        """The return's numbers, from its archived copy (None if the copy is gone) unless
        this process has read those bytes already."""
        entries = _ENTRIES.get(row.sha256)
        if entries is None:
            stored = queries.archive_path(self.connection, row.id)
            try:
                data = self.archive.read(self.connection, stored)
            except ArchivedFileMissing:
                return None
            entries = self.checker.entries_of(Path(stored), data).entries
            remember_entries(row.sha256, entries)
        return CheckedReturn(
            file=row.source_name,
            unit=self.unit.name,
            month=Month.parse(row.month or ""),
            entries=dict(entries),
        )


# The numbers of the files this process has read, by sha256: a file that came late makes
# the later ones be checked again, and a run of imports would read the same ones again.
_ENTRIES: dict[str, dict[str, Entry]] = {}
ENTRIES_KEPT = 5_000


def remember_entries(digest: str, entries: dict[str, Entry]) -> None:
    if len(_ENTRIES) >= ENTRIES_KEPT:
        _ENTRIES.clear()
    _ENTRIES[digest] = entries


def _key(item: Finding) -> tuple:
    return (item.code, item.cell or "", item.indicator or "", item.message, item.expected or "")
