"""Every table of the qzfsg database, in one module (SQLModel).

Amounts are stored as integers in units of 1/10,000 (经济处罚 is in 万元 with at most four
places, i.e. 1 元), so that SQLite sums them exactly and Python sees them as Decimal.
Months are stored as `YYYY-MM` text, which sorts and compares correctly in SQL; times are
the office's local wall-clock times (naive), as the clerk reads them.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pydantic import NaiveDatetime
from sqlalchemy import BigInteger, Column, Index, UniqueConstraint, event, text
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel

from qzfsg.amounts import plain_decimal

SCALE = Decimal(10_000)


class Fixed4(TypeDecorator):
    """A Decimal with at most four places, stored exactly as a scaled integer."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return None if value is None else int(Decimal(value) * SCALE)

    def process_result_value(self, value, dialect):
        return None if value is None else plain_decimal(Decimal(value).scaleb(-4))


def fixed4_column(**kwargs) -> Column:
    return Column(Fixed4(), **kwargs)


class Meta(SQLModel, table=True):
    """Key/value facts about the database itself: schema version, campaign year."""

    key: str = Field(primary_key=True)
    value: str


class Unit(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True)
    kind: str  # town | department
    sort_order: int = 0
    # The unit is an expected reporter from active_from (None: from the campaign's start)
    # up to the month before inactive_from (None: still active).
    active_from: str | None = None
    inactive_from: str | None = None

    @property
    def active(self) -> bool:
        return self.inactive_from is None


class Alias(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    unit_id: int = Field(foreign_key="unit.id", index=True, ondelete="CASCADE")
    alias: str = Field(unique=True)


class Liaison(SQLModel, table=True):
    """One 附件2 row; the latest received row of a unit is its liaison."""

    id: int | None = Field(default=None, primary_key=True)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    name: str
    title: str | None = None
    mobile: str | None = None
    qq: str | None = None
    note: str | None = None
    source_name: str | None = None
    received_at: NaiveDatetime


class Indicator(SQLModel, table=True):
    code: str = Field(primary_key=True)
    label: str
    unit: str
    decimals: int = 0
    sort_order: int = 0


ACCEPTED = text("status = 'accepted'")
CURRENT = text("status = 'accepted' AND NOT superseded")
# A withdrawn return (qzfsg withdraw) keeps its row, file and last version number, but
# holds no place among its unit-month's versions or copies: as if never imported.
KEPT = text("status <> 'withdrawn'")


class Submission(SQLModel, table=True):
    """One received file of a monthly return, accepted or rejected."""

    __table_args__ = (
        # Covering indexes for timeliness (qzfsg.timeliness.arrivals): first arrivals per unit and
        # month, and the units that reported a month by a date, without touching the rows.
        Index(
            "ix_submission_unit_month_status",
            "unit_id",
            "month",
            "status",
            "received_at",
            "version",
        ),
        Index("ix_submission_month_status", "month", "status", "received_at", "unit_id"),
        # What keeps the record right when several imports run at once (qzfsg.versions):
        # a lost race is an IntegrityError and a retry, never a second copy. Versions are
        # renumbered in two steps (negated, then set) so that they never collide midway.
        Index(
            "ux_submission_version",
            "unit_id",
            "month",
            "version",
            unique=True,
            sqlite_where=KEPT,
            postgresql_where=KEPT,
        ),
        # One current return per unit and month: the latest received accepted one.
        Index(
            "ux_submission_current",
            "unit_id",
            "month",
            unique=True,
            sqlite_where=CURRENT,
            postgresql_where=CURRENT,
        ),
        # Identical accepted bytes are stored once…
        Index(
            "ux_submission_accepted_bytes",
            "sha256",
            unique=True,
            sqlite_where=ACCEPTED,
            postgresql_where=ACCEPTED,
        ),
        # …and so are the same bytes received at the same time for the same unit and month
        # (rejected ones included; a unit or month not placed counts as one value).
        Index(
            "ux_submission_copy",
            "sha256",
            text("coalesce(unit_id, 0)"),
            text("coalesce(month, '')"),
            "received_at",
            unique=True,
            sqlite_where=KEPT,
            postgresql_where=KEPT,
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    unit_id: int | None = Field(default=None, foreign_key="unit.id")
    unit_text: str | None = None  # the unit as written on the form
    month: str | None = Field(default=None, index=True)
    month_source: str | None = None  # option | field | filed | owed (Importer._tie_to_owed_month)
    received_at: NaiveDatetime
    filed_on: date | None = None
    filed_text: str | None = None
    source_name: str
    # Not unique: a file rejected before may be imported again with --unit or --month
    # (or after the registry learned its unit); identical accepted bytes are a duplicate.
    sha256: str = Field(index=True)
    archive_path: str
    sheet: str | None = None
    status: str  # accepted | rejected | withdrawn
    version: int = 1  # 1, 2, … per unit and month, in received order (received_at, id)
    # An accepted return that is not its unit-month's latest received accepted one; set
    # only by qzfsg.queries.returns.renumber, which decides versions and the current return.
    superseded: bool = False
    imported_at: NaiveDatetime
    # Set by `qzfsg dismiss`: the clerk has dealt with this file's findings otherwise
    # (a call to the unit, a zero report confirmed), so `findings` no longer lists it.
    dismissed_at: NaiveDatetime | None = None
    dismiss_note: str | None = None
    # Set by `qzfsg withdraw` with status 'withdrawn': the status it had (accepted |
    # rejected), which `qzfsg restore` gives back, and why it was withdrawn.
    withdrawn_status: str | None = None
    withdraw_reason: str | None = None


class Value(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("submission_id", "indicator_code"),)

    id: int | None = Field(default=None, primary_key=True)
    submission_id: int = Field(foreign_key="submission.id", ondelete="CASCADE")
    indicator_code: str = Field(foreign_key="indicator.code")
    month_value: Decimal = Field(sa_column=fixed4_column(nullable=False))
    cumulative_value: Decimal = Field(sa_column=fixed4_column(nullable=False))


class Finding(SQLModel, table=True):
    # Timeliness finds the zero returns (code all_zero) without reading every finding.
    __table_args__ = (Index("ix_finding_code", "code", "submission_id"),)

    id: int | None = Field(default=None, primary_key=True)
    submission_id: int = Field(foreign_key="submission.id", index=True, ondelete="CASCADE")
    code: str
    severity: str  # error | warning | info
    indicator_code: str | None = None
    cell: str | None = None
    message: str
    expected: str | None = None


class Deadline(SQLModel, table=True):
    """Something due: a fixed date, or monthly on day N (0: the last day) for a month range."""

    id: int | None = Field(default=None, primary_key=True)
    item: str
    who: str = "all"  # all | town | department | units
    due: date | None = None
    monthly_day: int | None = None
    from_month: str | None = None
    to_month: str | None = None


class DeadlineUnit(SQLModel, table=True):
    """The named units of a deadline whose `who` is `units`."""

    deadline_id: int = Field(foreign_key="deadline.id", primary_key=True, ondelete="CASCADE")
    unit_id: int = Field(foreign_key="unit.id", primary_key=True)


class Receipt(SQLModel, table=True):
    """A document other than the monthly return, received from a unit."""

    __table_args__ = (
        # Covering indexes for timeliness, as for Submission.
        Index("ix_receipt_unit_item_month", "unit_id", "item", "month", "received_at"),
        Index("ix_receipt_item_month", "item", "month", "received_at", "unit_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    item: str
    month: str | None = None
    received_at: NaiveDatetime
    source_name: str | None = None
    sha256: str | None = None
    archive_path: str | None = None


class ArchivedFile(SQLModel, table=True):
    """A received file kept in the database itself (server mode, qzfsg.storage.archive):
    its bytes by sha256, written in the transaction of the row that refers to it. Empty
    in a SQLite database, whose files are kept in the folder beside it."""

    __tablename__ = "archived_file"  # type: ignore[assignment]

    sha256: str = Field(primary_key=True)
    data: bytes


class MonthLock(SQLModel, table=True):
    """A month whose 通报 is published (`qzfsg lock`): what would change its figures,
    timeliness or ranking is refused unless overridden (qzfsg.locks)."""

    month: str = Field(primary_key=True)
    locked_at: NaiveDatetime
    locked_by: str
    reason: str | None = None


class AuditEntry(SQLModel, table=True):
    """One change to the record (qzfsg.audit): append-only, written in the transaction of
    the change it records; triggers refuse any UPDATE, DELETE or TRUNCATE (APPEND_ONLY)."""

    __table_args__ = (Index("ix_auditentry_month", "month", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    at: NaiveDatetime
    who: str
    action: str  # import | withdraw | restore | redate | refile | lock | unlock | override …
    unit: str | None = None  # the unit's name at the time (units may be renamed later)
    month: str | None = None
    submission_id: int | None = None  # no foreign key: the trail outlives what it names
    before_state: str | None = None  # JSON: what the change replaced
    after_state: str | None = None  # JSON: what it made
    reason: str | None = None


_REFUSE = "the audit trail is append-only"
# TRUNCATE empties a PostgreSQL table without firing its row triggers (SQLite has none).
NO_TRUNCATE = (
    "CREATE TRIGGER auditentry_no_truncate BEFORE TRUNCATE ON auditentry"
    " FOR EACH STATEMENT EXECUTE FUNCTION auditentry_append_only()"
)
APPEND_ONLY = {
    "sqlite": [
        f"CREATE TRIGGER IF NOT EXISTS auditentry_no_{verb} BEFORE {verb.upper()} ON auditentry"
        f" BEGIN SELECT RAISE(ABORT, '{_REFUSE}'); END"
        for verb in ("update", "delete")
    ],
    "postgresql": [
        "CREATE OR REPLACE FUNCTION auditentry_append_only() RETURNS trigger AS $$"
        f" BEGIN RAISE EXCEPTION '{_REFUSE}'; END $$ LANGUAGE plpgsql",
        "CREATE TRIGGER auditentry_append_only BEFORE UPDATE OR DELETE ON auditentry"
        " FOR EACH ROW EXECUTE FUNCTION auditentry_append_only()",
        NO_TRUNCATE,
    ],
}


def _append_only(table, connection, **_) -> None:
    for statement in APPEND_ONLY.get(connection.dialect.name, []):
        connection.exec_driver_sql(statement)


event.listen(AuditEntry.__table__, "after_create", _append_only)  # type: ignore[attr-defined]
