"""Timeliness at scale: `overdue --json` and `status --json` at 50,000 units × 12 months,
each paired with the sqlite3 shell running the statements the command ran (recorded from
the command itself, tests.bench.statements) on the same file.

The database is generated with plain SQL inserts (not through the importer): units (some
added or deactivated mid-year), about 12 returns each with their 11 values, rejected and
corrected versions, the documents of the calendar and a liaison per unit. It is cached in
.bench/ (keyed by GENERATOR_VERSION); the 5,000-unit one serves `rank`.
"""

import random
import sqlite3
import sys
from datetime import date, timedelta
from pathlib import Path

from qzfsg.defaults import default_indicators
from tests.bench._timing import CACHE, Pair, cached_database, paired
from tests.bench.statements import recorded, sqlite_script

UNITS = 5_000
MONTHS = [f"2018-{m:02d}" for m in range(1, 13)]
AS_OF = "2019-01-20"
SQLITE3 = "/usr/bin/sqlite3"
CODES = [i.code for i in default_indicators()]


def _stamp(day: date, hour: int) -> str:
    return f"{day.isoformat()} {hour:02d}:00:00.000000"


def _month_end(month: str) -> date:
    year, number = int(month[:4]), int(month[5:])
    following = date(year + number // 12, number % 12 + 1, 1)
    return following - timedelta(days=1)


def generate(path: Path, units_wanted: int = UNITS) -> dict[str, int]:
    """A database at `path` with the schema of `qzfsg init` and generated contents."""
    from qzfsg.bootstrap import init_database

    init_database(path)
    rng = random.Random(20180828)
    conn = sqlite3.connect(path)
    conn.executescript(
        """
        DELETE FROM alias; DELETE FROM unit;
        UPDATE meta SET value = '2018-01' WHERE key = 'campaign_first_month';
        UPDATE deadline SET from_month = '2018-01' WHERE monthly_day IS NOT NULL;
        """
    )
    units = []
    for number in range(1, units_wanted + 1):
        kind = "town" if number % 3 else "department"
        active_from = "2018-04" if number % 50 == 0 else None
        inactive_from = "2018-09" if number % 50 == 1 else None
        units.append((number, f"单位{number:05d}", kind, number, active_from, inactive_from))
    conn.executemany("INSERT INTO unit VALUES (?, ?, ?, ?, ?, ?)", units)
    submissions, values, findings, receipts, liaisons = [], [], [], [], []
    submission_id = 0
    for number, _, kind, _, active_from, inactive_from in units:
        liaisons.append(
            (number, f"联络员{number}", f"139{number:08d}", _stamp(date(2018, 6, 5), 9))
        )
        for month in MONTHS:
            if (active_from and month < active_from) or (inactive_from and month >= inactive_from):
                continue
            due = _month_end(month)
            luck = rng.random()
            if luck < 0.02:
                continue  # missing
            arrived = due - timedelta(days=rng.randint(0, 10))
            if luck > 0.95:
                arrived = due + timedelta(days=rng.randint(1, 12))
            versions = ["rejected", "accepted"] if luck < 0.05 else ["accepted"]
            if 0.5 < luck < 0.51:
                versions.append("accepted")  # a correction, later
            superseded_upto = len(versions) - 1
            for version, status in enumerate(versions, start=1):
                submission_id += 1
                when = arrived + timedelta(days=2 * (version - 1))
                submissions.append(
                    (
                        submission_id,
                        number,
                        month,
                        _stamp(when, 10),
                        status,
                        version,
                        int(status == "accepted" and version <= superseded_upto),
                        f"{submission_id:064x}",
                    )
                )
                findings.append((submission_id, "month_inferred", "info"))
                if status == "rejected":
                    findings.append((submission_id, "cum_mismatch", "error"))
                else:
                    zero = rng.random() < 0.03
                    if zero:
                        findings.append((submission_id, "all_zero", "warning"))
                    for code in CODES:
                        amount = 0 if zero else rng.randint(0, 40) * 10_000
                        values.append((submission_id, code, amount, amount * 4))
            receipts.append((number, "典型案例", month, _stamp(arrived, 11)))
            if kind == "department" and month >= "2018-02" and luck > 0.1:
                receipts.append((number, "执法质量评议排名通报", month, _stamp(arrived, 11)))
        for item, due, share in (
            ("联络员信息表", date(2018, 6, 8), 0.97),
            ("实施方案", date(2018, 6, 10), 0.95),
            ("年度监管执法计划", date(2018, 6, 20), 0.9),
            ("行动总结", date(2018, 12, 31), 0.8),
        ):
            if item == "年度监管执法计划" and kind != "department":
                continue
            if rng.random() < share:
                receipts.append(
                    (number, item, None, _stamp(due - timedelta(rng.randint(-3, 9)), 9))
                )
    conn.executemany(
        "INSERT INTO submission (id, unit_id, month, received_at, status, version, superseded,"
        " sha256, source_name, archive_path, imported_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'r.xlsx', 'archive', '2019-01-20 00:00:00.000000')",
        submissions,
    )
    conn.executemany(
        "INSERT INTO value (submission_id, indicator_code, month_value, cumulative_value)"
        " VALUES (?, ?, ?, ?)",
        values,
    )
    conn.executemany(
        "INSERT INTO finding (submission_id, code, severity, message) VALUES (?, ?, ?, '')",
        findings,
    )
    conn.executemany(
        "INSERT INTO receipt (unit_id, item, month, received_at) VALUES (?, ?, ?, ?)", receipts
    )
    conn.executemany(
        "INSERT INTO liaison (unit_id, name, mobile, received_at) VALUES (?, ?, ?, ?)", liaisons
    )
    conn.commit()  # no ANALYZE: a clerk's database has no statistics either
    conn.close()
    return {
        "units": len(units),
        "returns": len(submissions),
        "values": len(values),
        "findings": len(findings),
        "receipts": len(receipts),
    }


GENERATOR_VERSION = 1  # bump when generate() changes: the cached databases are remade


def database(units: int) -> Path:
    """The generated database of `units` units, cached in .bench/ between runs."""
    return cached_database(f"units{units}", GENERATOR_VERSION, lambda p: generate(p, units))


def paired_with_sqlite3(arguments: list[str], db: Path) -> Pair:
    """`qzfsg ARGUMENTS` (on the SQLite file `db`) paired with the sqlite3 shell running
    the statements it ran (tests.bench.statements), on the same file."""
    script = CACHE / "sql" / f"{arguments[0]}.sql"
    script.parent.mkdir(exist_ok=True)
    script.write_text(sqlite_script(recorded(arguments)), encoding="utf-8")
    return paired([sys.executable, "-m", "qzfsg", *arguments], [SQLITE3, str(db)], b_stdin=script)


def run() -> list[str]:
    """`overdue --json` and `status --json` at 50,000 units against the sqlite3 shell
    running the statements each ran (must: 3x and 500 MB; aim 2x)."""
    db = database(50_000)
    lines = []
    for name in ("overdue", "status"):
        command = [name, "--as-of", AS_OF, "--json", "--db", str(db)]
        pair = paired_with_sqlite3(command, db)
        lines.append(pair.line(f"{name} --json, 50,000 units", "sqlite3 shell", "must 3x/500 MB"))
    return lines
