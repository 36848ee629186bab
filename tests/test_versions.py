"""Versions in received order, whatever the import order; the current return is the latest
received accepted one; duplicates are decided inside the write transaction; the unique
indexes hold; a version 1 database is upgraded to it."""

import sqlite3
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from qzfsg.importer import Importer
from qzfsg.months import Month
from qzfsg.storage.archive import archive_for
from qzfsg.storage.db import SCHEMA_VERSION, open_database, session_for
from qzfsg.submissions import current_figures, unit_history
from tests.conftest import SAMPLES
from tests.factories import default_values, make_return

FILES = SAMPLES / "files"
ORIGINAL, CORRECTION = FILES / "城管执法局9月报表.xlsx", FILES / "城管执法局9月报表（更正）.xlsx"
SEPT_21, SEPT_28 = datetime(2018, 9, 21, 12), datetime(2018, 9, 28, 12)
V1_FIXTURE = Path(__file__).parent / "fixtures" / "schema_v1.sql"


def new_importer(db_file: Path) -> Importer:
    session = session_for(open_database(db_file)).__enter__()
    return Importer(session, archive_for(db_file), today=date(2018, 12, 1))


@pytest.fixture
def importer(session, db_file):
    return Importer(session, archive_for(db_file), today=date(2018, 12, 1))


def rows(db_file: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(db_file) as conn:
        return conn.execute(sql).fetchall()


def fines(session, unit_id: int, month: str) -> Decimal:
    return current_figures(session, [Month.parse(month)], unit_id)[month][unit_id]["fines"][0]


def test_a_correction_imported_first_stays_current(importer, session, db_file):
    correction = importer.import_file(CORRECTION, SEPT_28)
    original = importer.import_file(ORIGINAL, SEPT_21)
    assert (correction.version, correction.current, correction.late) == (1, True, False)
    assert (original.status, original.version, original.current, original.late) == (
        "imported", 1, False, True,
    )  # fmt: skip
    assert original.replaces_version is None
    history = unit_history(session, "城管执法局", Month(2018, 9))
    assert [(h.file, h.version, h.superseded, h.late) for h in history] == [
        (ORIGINAL.name, 1, True, True),
        (CORRECTION.name, 2, False, False),
    ]
    # The correction's changes are against the original, as if they came in order.
    assert [(c.before, c.after) for c in history[1].changes if c.column == "month"] == [
        (Decimal("0.7"), Decimal("1.2"))
    ]
    unit_id = importer.units["市城市管理和综合执法局"].id
    assert fines(session, unit_id, "2018-09") == Decimal("1.2")


def test_history_and_import_say_the_late_file_changed_nothing(cli, tmp_path):
    for path, when in ((CORRECTION, "2018-09-28"), (ORIGINAL, "2018-09-21")):
        result = cli("import", str(path), "--received", when)
    assert "迟到导入：已有更晚收到的新版，本表不改变现行数据" in result.stdout
    shown = cli("history", "--unit", "城管执法局", "--month", "2018-09").stdout
    assert "迟到导入" in shown and "现行数据始终以最晚收到的合格报表为准" in shown


def test_a_late_original_after_a_rejected_correction_becomes_current(importer, tmp_path):
    bad = make_return(tmp_path, raw={("cases", "m"): "两起"}, name="v2.xlsx")
    assert importer.import_file(bad, datetime(2018, 6, 29)).status == "rejected"
    first = importer.import_file(make_return(tmp_path, name="v1.xlsx"), datetime(2018, 6, 28))
    assert (first.version, first.current, first.late) == (1, True, True)


def test_a_duplicate_stored_meanwhile_is_found_inside_the_transaction(db_file, tmp_path):
    """Another import stores the same bytes while this one is checking them: the check
    before storing finds them (not the quick look before reading), so one copy."""
    path = make_return(tmp_path)
    first, second = new_importer(db_file), new_importer(db_file)
    check = second.checker.check

    def check_while_the_other_stores(*args, **kwargs):
        assert first.import_file(path, datetime(2018, 6, 28)).status == "imported"
        return check(*args, **kwargs)

    second.checker.check = check_while_the_other_stores  # type: ignore[method-assign]
    outcome = second.import_file(path, datetime(2018, 6, 28))
    assert (outcome.status, outcome.duplicate_of) == ("duplicate", "r.xlsx")
    assert rows(db_file, "SELECT count(*) FROM submission") == [(1,)]


def test_the_same_rejected_bytes_are_stored_once(importer, db_file, tmp_path):
    bad = make_return(tmp_path, raw={("cases", "m"): "两起"})
    outcomes = [importer.import_file(bad, datetime(2018, 6, 28)) for _ in range(2)]
    assert [o.status for o in outcomes] == ["rejected", "duplicate"]
    assert rows(db_file, "SELECT count(*) FROM submission") == [(1,)]


@pytest.mark.parametrize(
    "statement",
    [
        # a second copy of accepted bytes
        "UPDATE submission SET sha256 = (SELECT min(sha256) FROM submission)"
        " WHERE status = 'accepted'",
        # two current returns of one unit-month
        "UPDATE submission SET superseded = FALSE",
        # two returns with one version number
        "UPDATE submission SET version = 1",
    ],
)  # fmt: skip
def test_the_unique_indexes_refuse_a_second_copy(importer, db_file, statement):
    importer.import_file(ORIGINAL, SEPT_21)
    importer.import_file(CORRECTION, SEPT_28)
    importer.session.commit()
    with pytest.raises(sqlite3.IntegrityError, match="UNIQUE"), sqlite3.connect(db_file) as conn:
        conn.execute(statement)


def test_the_same_bytes_at_the_same_time_cannot_be_stored_twice(importer, db_file, tmp_path):
    importer.import_file(make_return(tmp_path, raw={("cases", "m"): "两起"}), SEPT_21)
    importer.session.commit()
    copy = (
        "INSERT INTO submission (unit_id, unit_text, month, month_source, received_at,"
        " source_name, sha256, archive_path, status, version, superseded, imported_at)"
        " SELECT unit_id, unit_text, month, month_source, received_at, 'copy.xlsx',"
        " sha256, archive_path, status, version + 1, superseded, imported_at FROM submission"
    )
    with (
        pytest.raises(sqlite3.IntegrityError, match="ux_submission_copy"),
        sqlite3.connect(db_file) as conn,
    ):
        conn.execute(copy)


def load_v1(folder: Path) -> Path:
    """A database as today's release (schema version 1) wrote it: units, the calendar and
    a few returns imported out of order (城管执法局 9 月: the correction first), plus an
    accepted file stored twice by two imports at once (三江镇 8 月, ids 4 and 9)."""
    db = folder / "v1.db"
    with sqlite3.connect(db) as conn:
        conn.executescript(V1_FIXTURE.read_text(encoding="utf-8"))
    return db


def test_a_version_1_database_is_upgraded_in_received_order(tmp_path):
    db = load_v1(tmp_path)
    before = rows(db, "SELECT count(*) FROM value WHERE submission_id != 9")
    open_database(db)
    backups = list(tmp_path.glob("v1.db.bak-v1-*"))
    assert len(backups) == 1 and rows(backups[0], "SELECT value FROM meta")[0] == ("1",)
    assert rows(db, "SELECT value FROM meta WHERE key = 'schema_version'") == [
        (str(SCHEMA_VERSION),)
    ]
    # 城管执法局 (unit 30) 9 月: the original received 09-21 is version 1, superseded.
    assert rows(
        db,
        "SELECT source_name, version, superseded FROM submission"
        " WHERE unit_id = 30 AND month = '2018-09' ORDER BY version",
    ) == [(ORIGINAL.name, 1, 1), (CORRECTION.name, 2, 0)]
    # The copy stored twice is stored once, current again; nothing else was lost.
    assert rows(db, "SELECT id, version, superseded FROM submission WHERE unit_id = 10") == [
        (4, 1, 0)
    ]
    assert rows(db, "SELECT count(*) FROM value") == before
    assert rows(db, "SELECT count(*) FROM finding WHERE submission_id = 9") == [(0,)]
    indexes = {name for (name,) in rows(db, "SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert {"ux_submission_version", "ux_submission_current", "ux_submission_accepted_bytes",
            "ux_submission_copy"} <= indexes  # fmt: skip
    assert "ix_submission_unit_month" not in indexes
    assert rows(db, "PRAGMA integrity_check") == [("ok",)]


def test_an_upgraded_database_imports_like_a_new_one(tmp_path):
    db = load_v1(tmp_path)
    importer = new_importer(db)
    again = importer.import_file(ORIGINAL, SEPT_21)
    assert again.status == "duplicate"
    june = importer.import_file(make_return(tmp_path, default_values()), datetime(2018, 6, 28))
    assert (june.status, june.version, june.current) == ("imported", 1, True)


def june_values(may: dict) -> dict:
    """June's return building on `may` (累计数 = May's + June's 本月数)."""
    return {code: (m, may[code][1] + m) for code, (m, _) in default_values().items()}


def test_a_month_imported_before_its_late_previous_month_is_checked_against_it(
    importer, session, tmp_path
):
    """June first, May after it though received before: June's 累计数 is checked against
    May as a serial import in received order would, and June is rejected, its figures
    gone from the current ones."""
    may = {code: (m, m) for code, (m, _) in default_values().items()}
    june = {code: (m, m + m + 1) for code, (m, _) in default_values().items()}  # off by one
    importer.import_file(make_return(tmp_path, june, name="june.xlsx"), datetime(2018, 6, 28))
    late = importer.import_file(
        make_return(tmp_path, may, name="may.xlsx", filed="2018年5月30日"), datetime(2018, 5, 30)
    )
    assert late.status == "imported"
    [june_row] = [h for h in unit_history(session, "归义镇") if h.month == "2018-06"]
    assert (june_row.status, june_row.errors) == ("rejected", len(may))
    unit_id = importer.units["归义镇"].id
    assert "2018-06" not in current_figures(session, unit_id=unit_id)


def test_a_late_correction_lets_the_next_month_through(importer, session, tmp_path):
    """May sent wrong, June built on the corrected May, the correction imported last:
    June, rejected against the wrong May when it came in, is accepted once the correction
    received before it is in, and its figures are current."""
    right = {code: (m, m) for code, (m, _) in default_values().items()}
    wrong = dict(right, cases=(Decimal(9), Decimal(9)))
    may = {"filed": "2018年5月30日"}
    importer.import_file(
        make_return(tmp_path, wrong, name="may.xlsx", **may), datetime(2018, 5, 30)
    )
    june = importer.import_file(
        make_return(tmp_path, june_values(right), name="june.xlsx"), datetime(2018, 6, 28)
    )
    assert june.status == "rejected" and "cum_mismatch" in codes(june)
    importer.import_file(
        make_return(tmp_path, right, name="may2.xlsx", **may), datetime(2018, 6, 2)
    )
    history = unit_history(session, "归义镇", Month(2018, 6))
    assert [(h.file, h.status, h.errors, h.superseded) for h in history] == [
        ("june.xlsx", "accepted", 0, False)
    ]
    unit_id = importer.units["归义镇"].id
    assert fines(session, unit_id, "2018-06") == default_values()["fines"][0]


def test_a_return_another_import_stored_meanwhile_counts_for_the_next_file(db_file, tmp_path):
    """An import keeps the unit's returns it read and stored from one file to the next;
    another import's correction stored in between is read before the next file is checked:
    June, built on the corrected May, passes."""
    right = {code: (m, m) for code, (m, _) in default_values().items()}
    wrong = dict(right, cases=(Decimal(9), Decimal(9)))
    may = {"filed": "2018年5月30日"}
    first, second = new_importer(db_file), new_importer(db_file)
    first.import_file(make_return(tmp_path, wrong, name="may.xlsx", **may), datetime(2018, 5, 30))
    second.import_file(make_return(tmp_path, right, name="may2.xlsx", **may), datetime(2018, 6, 2))
    june = first.import_file(
        make_return(tmp_path, june_values(right), name="june.xlsx"), datetime(2018, 6, 28)
    )
    assert june.status == "imported" and "cum_mismatch" not in codes(june)


def codes(outcome) -> list[str]:
    return [f.code for f in outcome.findings]


def test_the_same_file_received_earlier_moves_the_stored_copy_back(importer, session, tmp_path):
    """A forwarded copy imported first, the original e-mail's copy after it: the return was
    received when the original came (timeliness counts from then), as in received order."""
    forwarded = make_return(tmp_path, name="转发.xlsx")
    original = tmp_path / "原件.xlsx"
    original.write_bytes(forwarded.read_bytes())
    importer.import_file(forwarded, datetime(2018, 7, 9))
    outcome = importer.import_file(original, datetime(2018, 6, 28))
    assert (outcome.status, outcome.duplicate_of) == ("duplicate", "转发.xlsx")
    [entry] = unit_history(session, "归义镇")
    assert (entry.file, entry.received) == ("原件.xlsx", datetime(2018, 6, 28))
    again = importer.import_file(forwarded, datetime(2018, 7, 9))
    assert again.status == "duplicate"
    [entry] = unit_history(session, "归义镇")
    assert entry.received == datetime(2018, 6, 28)
