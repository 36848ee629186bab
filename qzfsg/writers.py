"""The prepared inserts of a stored return: its submission row, values and findings, as
the importer writes them and qzfsg.versions writes them again."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from qzfsg.amounts import amount
from qzfsg.findings import Finding
from qzfsg.models import Finding as FindingRow
from qzfsg.models import Submission, Value
from qzfsg.queries.runner import execute
from qzfsg.storage.db import RowWriter
from qzfsg.submissions import SubmissionRow
from qzfsg.timestamps import stored_at

_RECEIVED_EARLIER = """
UPDATE submission SET received_at = :received, source_name = :name
WHERE id = :id AND received_at > :received AND NOT EXISTS (
    SELECT 1 FROM submission AS o WHERE o.sha256 = submission.sha256
    AND coalesce(o.unit_id, 0) = coalesce(submission.unit_id, 0)
    AND coalesce(o.month, '') = coalesce(submission.month, '') AND o.received_at = :received)"""
SUBMISSION_COLUMNS = (
    "unit_id", "unit_text", "month", "month_source", "received_at", "filed_on", "filed_text",
    "source_name", "sha256", "archive_path", "sheet", "status", "version", "superseded",
    "imported_at",
)  # fmt: skip
VALUE_COLUMNS = ("submission_id", "indicator_code", "month_value", "cumulative_value")
FINDING_COLUMNS = (
    "submission_id", "code", "severity", "indicator_code", "cell", "message", "expected",
)  # fmt: skip


class ReturnWriter:
    """Built once per session (the statements and their column types)."""

    def __init__(self, session: Any):
        self.submission = RowWriter(session, Submission.__table__, SUBMISSION_COLUMNS)  # type: ignore[attr-defined]
        self.value = RowWriter(session, Value.__table__, VALUE_COLUMNS)  # type: ignore[attr-defined]
        self.finding = RowWriter(session, FindingRow.__table__, FINDING_COLUMNS)  # type: ignore[attr-defined]
        column = Submission.__table__.c.received_at  # type: ignore[attr-defined]
        self._time = column.type.bind_processor(session.get_bind().dialect) or str

    def stored_time(self, value: datetime) -> Any:
        """A received time as the submission table stores it (what the ORM would bind)."""
        return self._time(value)

    def received_earlier(
        self, connection: Any, submission_id: int, received: datetime, name: str
    ) -> bool:
        """Give a stored return an earlier received time and that copy's file name (the
        same bytes came earlier), unless those bytes are stored for that time already.
        Whether it was changed."""
        moved = execute(connection, _RECEIVED_EARLIER, {
            "received": self._time(received), "name": name, "id": submission_id,
        })  # fmt: skip
        return moved.rowcount > 0

    def read_back(self, submission_id: int, row: Mapping[str, Any]) -> SubmissionRow:
        """The submission row just inserted with `row`, as queries.returns.submissions
        reads it (its times as stored)."""
        return SubmissionRow(
            id=submission_id, unit_id=row["unit_id"], unit_text=row["unit_text"],
            month=row["month"], received_at=stored_at(self._time(row["received_at"])),
            source_name=row["source_name"], sha256=row["sha256"], status=row["status"],
            version=row["version"], superseded=bool(row["superseded"]), dismissed_at=None,
            imported_at=stored_at(self._time(row["imported_at"])), withdraw_reason=None,
        )  # fmt: skip

    def values(
        self, connection: Any, submission_id: int, figures: dict[str, tuple[Decimal, Decimal]]
    ) -> dict[str, tuple[Decimal, Decimal]]:
        """Store the return's values; them as they read back (qzfsg.amounts)."""
        stored = self.value.insert_many(
            connection,
            (
                {"submission_id": submission_id, "indicator_code": code,
                 "month_value": m, "cumulative_value": c}
                for code, (m, c) in figures.items()
            ),
        )  # fmt: skip
        return {
            row["indicator_code"]: (amount(row["month_value"]), amount(row["cumulative_value"]))
            for row in stored
        }

    def findings(self, connection: Any, submission_id: int, findings: Iterable[Finding]) -> None:
        self.finding.insert_many(
            connection,
            (
                {"submission_id": submission_id, "code": f.code, "severity": f.severity,
                 "indicator_code": f.indicator, "cell": f.stored_cell, "message": f.message,
                 "expected": f.expected}
                for f in findings
            ),
        )  # fmt: skip
