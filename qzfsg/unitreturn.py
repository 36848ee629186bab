"""One unit's return for one month as it stands (`qzfsg show`): the current version's
figures, which version it is and when it came, and what is still to be dealt with."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel

from qzfsg.amounts import amount
from qzfsg.findings import Finding
from qzfsg.months import Month
from qzfsg.queries import consolidation as indicator_queries
from qzfsg.queries import returns as returns_queries
from qzfsg.registry import get_unit
from qzfsg.submissions import SubmissionRow, findings_by_submission


class IndicatorFigures(BaseModel):
    code: str
    label: str
    unit: str  # 次, 人（次）, 万元…
    month: Decimal  # 本月数
    cumulative: Decimal  # 累计数


class UnitReturn(BaseModel):
    unit: str
    month: str
    # accepted: a current version is on file; rejected: only returns sent back; missing:
    # nothing received for the month.
    status: Literal["accepted", "rejected", "missing"]
    files: int  # files received for the unit and month, every version and rejection
    version: int | None  # of the file shown: the current one, else the latest rejected
    file: str | None
    received: datetime | None
    figures: list[IndicatorFigures]  # the current version's 11 indicators ([] if none)
    findings: list[Finding]  # of the file shown
    under_review: bool  # accepted with warnings the clerk has not dealt with
    dismissed: bool  # taken off the findings list with `dismiss`


def unit_return(connection: Any, unit: str, month: Month) -> UnitReturn:
    """`unit`'s return for `month` (official name or alias)."""
    found = get_unit(connection, unit)
    key = str(month)
    files = [
        SubmissionRow.from_row(row)
        for row in returns_queries.submissions(connection, found.id, key)
    ]
    current = [s for s in files if s.status == "accepted" and not s.superseded]
    shown = current[-1] if current else (files[-1] if files else None)
    if shown is None:
        return UnitReturn(unit=found.name, month=key, status="missing", files=0, version=None,
                          file=None, received=None, figures=[], findings=[],
                          under_review=False, dismissed=False)  # fmt: skip
    figures = []
    if current:
        values = {
            code: (amount(m), amount(c))
            for sid, code, m, c in returns_queries.values(connection, found.id, key)
            if sid == shown.id
        }
        figures = [
            IndicatorFigures(code=code, label=label, unit=unit_word, month=values[code][0],
                             cumulative=values[code][1])
            for code, label, unit_word, _ in indicator_queries.indicators(connection)
            if code in values
        ]  # fmt: skip
    findings = findings_by_submission(connection, found.id, key).get(shown.id, [])
    dismissed = shown.dismissed_at is not None
    return UnitReturn(
        unit=found.name,
        month=key,
        status="accepted" if current else "rejected",
        files=len(files),
        version=shown.version,
        file=shown.source_name,
        received=shown.received_at,
        figures=figures,
        findings=findings,
        under_review=bool(current)
        and not dismissed
        and any(f.severity == "warning" for f in findings),
        dismissed=dismissed,
    )
