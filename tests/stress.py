"""Several clerks at once, and a machine that dies: the record must come out as one serial
import in received order would leave it.

`make stress` runs `python -m tests.stress` (many rounds and kill -9 trials, a summary);
tests/test_stress.py runs a short version in `make test`.

What "equal to the serial import" compares (`snapshot`): every stored return, keyed by its
bytes, unit, month and received time, with its file name, status, version, whether it is
superseded, its values and its findings (as sorted lists: the order findings were written
in is not part of the record); the current figures of every unit-month; and the archive
(each file's name and the sha256 of its content, temporary files left aside). Not compared:
row ids, imported_at and archive_path, which say where and when, not what.

The rounds and the kill -9 trials run on SQLite files and, with `--postgresql`
(tests/test_stress.py: when the suite has a server), on PostgreSQL databases, compared with
the same serial import into a SQLite file: the record does not depend on the database either.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import shlex
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, closing, contextmanager, nullcontext
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from qzfsg.defaults import load_units
from qzfsg.storage.archive import PARTIAL_SUFFIX, archive_folder, archive_for
from tests.factories import CODES, make_return

QZFSG = str(Path(sys.executable).parent / "qzfsg")
MONTHS = [(2018, m) for m in range(5, 13)]
CHUNK = 8  # files per `qzfsg import` a worker runs, as a clerk imports a few at a time
# How long a worker waits for another's write lock. A clerk's command gives up after
# QZFSG_BUSY_TIMEOUT (10 s) and says so, nothing written: a refusal, not a wrong record.
# On a loaded machine (several test runs on 2 cores, disks busy with their fsyncs) a queue
# of writers can take longer than that; the workers wait instead, so that a round fails
# only for what it is about.
WORKER_WAIT_S = 600
OVERLAP = 0.3  # the chance that a worker is also given a file another one has


# ---------------------------------------------------------------------------- the returns
def make_office(folder: Path, units: int, seed: int) -> list[Path]:
    """Monthly returns of the first `units` registered units, May–December, each file's
    modification time its received time: a consistent series per unit (累计数 = last
    month's + 本月数), a quarter of the months first sent wrong and corrected three days
    later (the next month builds on the correction), and now and then a file rejected
    before the good one (a cell in words)."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    files = []
    for index, unit in enumerate(u.name for u in load_units()[:units]):
        cumulative = dict.fromkeys(CODES, Decimal(0))
        for year, month in MONTHS:
            final = _month_values(rng)
            base = datetime(year, month, 25, 9) + timedelta(minutes=7 * index)
            sent = []
            if rng.random() < 0.08:
                sent.append(("退回", {}, {("cases", "m"): "两起"}, base - timedelta(days=5)))
            if rng.random() < 0.25:
                wrong = dict(final, fines=final["fines"] + Decimal("0.5"))
                sent.append(("原表", wrong, {}, base))
                sent.append(("更正", final, {}, base + timedelta(days=3)))
            else:
                sent.append(("原表", final, {}, base))
            for kind, figures, raw, received in sent:
                values = {
                    code: (figures.get(code, Decimal(0)), cumulative[code] + figures.get(code, 0))
                    for code in CODES
                }
                path = make_return(
                    folder, values, raw=raw, unit=unit, name=f"{unit}{month}月{kind}.xlsx",
                    filed=f"{received:%Y年%-m月%-d日}", month_field=f"{year}年{month}月",
                )  # fmt: skip
                os.utime(path, (received.timestamp(), received.timestamp()))
                files.append(path)
            for code in CODES:
                cumulative[code] += final[code]
    return files


def _month_values(rng: random.Random) -> dict[str, Decimal]:
    """One month that passes every rule: officers ≥ 2 × activities, fines with cases,
    sanctions within the inspected."""
    activities = rng.randint(1, 8)
    inspected = rng.randint(5, 40)
    cases = rng.randint(1, 4)
    values = dict.fromkeys(CODES, 0) | {
        "activities": activities,
        "officers": 2 * activities + rng.randint(0, 6),
        "inspected": inspected,
        "cases": cases,
        "suspensions": rng.randint(0, 2),
        "closures": rng.randint(0, 1),
    }
    result = {code: Decimal(v) for code, v in values.items()}
    result["fines"] = Decimal(rng.randint(1, 150)) / 100
    return result


# ---------------------------------------------------------------------------- the record
Db = Path | str  # a database file, or a postgresql:// address


@contextmanager
def reading(db: Db) -> Iterator:
    """A DB-API connection on either kind of database (rows alike, see queries.runner)."""
    from qzfsg.storage.db import close_all, database_path, open_reader

    try:
        yield open_reader(database_path(str(db)))
    finally:
        close_all()


def snapshot(db: Db) -> dict:
    """The record as the module docstring says; equal dicts mean equal records."""
    from qzfsg.queries.runner import rows

    with reading(db) as conn:
        keys = {
            row[0]: row[1:]
            for row in rows(
                conn,
                "SELECT id, sha256, coalesce(unit_id, 0), coalesce(month, ''), received_at"
                " FROM submission",
            )
        }
        values: dict[int, list] = {}
        for sid, *rest in rows(
            conn, "SELECT submission_id, indicator_code, month_value, cumulative_value FROM value"
        ):
            values.setdefault(sid, []).append(tuple(rest))
        findings: dict[int, list] = {}
        for sid, *rest in rows(
            conn,
            "SELECT submission_id, code, severity, coalesce(indicator_code, ''),"
            " coalesce(cell, ''), message, coalesce(expected, '') FROM finding",
        ):
            findings.setdefault(sid, []).append(tuple(rest))
        returns = sorted(
            (keys[sid], name, status, version, bool(superseded),
             sorted(values.get(sid, [])), sorted(findings.get(sid, [])))
            for sid, name, status, version, superseded in rows(
                conn, "SELECT id, source_name, status, version, superseded FROM submission"
            )
        )  # fmt: skip
        current = sorted(
            rows(
                conn,
                "SELECT s.unit_id, s.month, v.indicator_code, v.month_value, v.cumulative_value"
                " FROM submission AS s JOIN value AS v ON v.submission_id = s.id"
                " WHERE s.status = 'accepted' AND NOT s.superseded",
            )
        )
    return {"returns": returns, "current": current, "archive": archive_files(db)}


def archive_files(db: Db) -> list[tuple[str, str]]:
    """(sha256 named, sha256 of the content or "altered") of every file kept in the
    archive (a folder, or the server database: alike, to compare the two)."""
    from qzfsg.storage.archive import ArchivedFileMissing, parse_reference
    from qzfsg.storage.db import database_path

    archive = archive_for(database_path(str(db)))
    found = []
    with reading(db) as conn:
        for reference in archive.stored(conn):
            try:
                content = hashlib.sha256(archive.read(conn, reference)).hexdigest()
            except ArchivedFileMissing:
                content = "altered"
            found.append((parse_reference(reference)[0], content))
    return sorted(found)


def archived(folder: Path) -> list[Path]:
    """The files the archive folder holds (temporary *.part files left out)."""
    return [p for p in folder.rglob("*") if p.is_file() and not p.name.endswith(PARTIAL_SUFFIX)]


def differences(got: dict, want: dict) -> list[str]:
    """What differs, for the report (empty: the same record)."""
    found = []
    for part in want:
        extra = [item for item in got[part] if item not in want[part]]
        missing = [item for item in want[part] if item not in got[part]]
        if extra or missing:
            found.append(
                f"{part}: {len(extra)} extra, {len(missing)} missing; e.g. {(extra or missing)[0]}"
            )
    return found


def soundness(db: Db) -> list[str]:
    """What must hold after any command, even a killed one: the database is whole (a
    file: SQLite's integrity check; a server keeps its own storage whole), no half return
    (an accepted one has all 11 values), every stored file is in the archive with its
    content."""
    from qzfsg.queries.runner import rows

    problems = []
    if isinstance(db, Path):
        with closing(sqlite3.connect(db)) as conn:
            if (check := conn.execute("PRAGMA integrity_check").fetchone()[0]) != "ok":
                problems.append(f"integrity_check: {check}")
    with reading(db) as conn:
        [(half,)] = rows(
            conn,
            "SELECT count(*) FROM submission AS s WHERE s.status = 'accepted' AND"
            " (SELECT count(*) FROM value AS v WHERE v.submission_id = s.id) != :values",
            {"values": len(CODES)},
        )
        stored = rows(conn, "SELECT sha256 FROM submission")
    if half:
        problems.append(f"{half} accepted returns without their {len(CODES)} values")
    archived = dict(archive_files(db))
    lost = [sha for (sha,) in stored if archived.get(sha) != sha]
    if lost:
        problems.append(f"{len(lost)} stored files missing from the archive or altered")
    return problems


def _count(db: Db, table: str) -> int:
    from qzfsg.queries.runner import rows

    with reading(db) as conn:
        return int(rows(conn, f"SELECT count(*) FROM {table}")[0][0])


def files_kept(db: Db) -> int:
    """How many files the archive holds now: in the folder (written before their rows are
    committed), or in a server database (committed with their rows)."""
    if isinstance(db, Path):
        return len(archived(archive_folder(db)))
    return _count(db, "archived_file")


# ---------------------------------------------------------------------------- the runs
def init(db: Db) -> None:
    from qzfsg.bootstrap import init_database
    from qzfsg.storage.db import close_all, database_path

    init_database(database_path(str(db)))
    close_all()


def serial_import(files: list[Path], db: Db) -> float:
    """The files imported one by one in received order, as one `qzfsg import` of them
    all would (into a new database file, or the database given); its seconds."""
    from qzfsg.importer import in_received_order

    if isinstance(db, Path) and not db.exists():
        init(db)
    started = time.perf_counter()
    work(db, [path for path, _ in in_received_order(files, None)])
    return time.perf_counter() - started


@dataclass
class Round:
    processes: int
    failures: list[str]
    differences: list[str]
    seconds: float

    @property
    def ok(self) -> bool:
        return not self.failures and not self.differences


def concurrent_round(
    files: list[Path],
    db: Db,
    reference: dict,
    processes: int,
    rng: random.Random,
    cli_workers: int | None = None,
    chunk: int = CHUNK,
    new: bool = True,
) -> Round:
    """`processes` workers at once on one database, each importing an overlapping,
    shuffled subset of the files (every file is given to at least one): `cli_workers` of
    them (default half) run `qzfsg import` on a few files at a time, as clerks do, the
    others import file by file in their shuffled order through the same Importer. `db` is
    created first unless `new` is False (an initialised database given)."""
    from qzfsg.storage.db import BUSY_ENV_VAR

    if new:
        init(db)
    subsets: list[list[Path]] = [[] for _ in range(processes)]
    for path in files:
        chosen = {rng.randrange(processes)} | {
            p for p in range(processes) if rng.random() < OVERLAP
        }
        for p in chosen:
            subsets[p].append(path)
    cli_workers = processes // 2 if cli_workers is None else cli_workers
    started = time.perf_counter()
    workers = []
    for number, subset in enumerate(subsets):
        rng.shuffle(subset)
        if number < cli_workers:
            runs = [
                shlex.join([QZFSG, "import", "--db", str(db), *map(str, subset[i : i + chunk])])
                + "; echo rc=$?"
                for i in range(0, len(subset), chunk)
            ]
            command = ["bash", "-c", "\n".join(runs)]
        else:
            command = [sys.executable, "-m", "tests.stress", "--worker", str(db), *map(str, subset)]
        waiting = {**os.environ, BUSY_ENV_VAR: str(WORKER_WAIT_S)}
        workers.append(
            subprocess.Popen(
                command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=waiting
            )
        )
    failures = []
    for worker in workers:
        out, err = worker.communicate()
        codes = [line[3:] for line in out.splitlines() if line.startswith("rc=")]
        if worker.returncode or any(c not in ("0", "1") for c in codes) or "Traceback" in err:
            failures.append(f"exit {worker.returncode} {codes}: {err.strip()[-300:]}")
    seconds = time.perf_counter() - started
    return Round(processes, failures, differences(snapshot(db), reference), seconds)


def work(db: Db, files: list[Path]) -> None:
    """One worker: the files in the order given, each stored in its own transaction as
    `qzfsg import` stores it, with its modification time as its received time."""
    from qzfsg.importer import Importer
    from qzfsg.storage.archive import file_time
    from qzfsg.storage.db import close_all, database_path, open_database, session_for

    where = database_path(str(db))
    with session_for(open_database(where)) as session:
        importer = Importer(session, archive_for(where), date.today())
        for path in files:
            importer.import_file(path, file_time(path))
    close_all()


@dataclass
class Kill:
    after: int  # files archived when the kill was sent
    landed: bool  # the import was still running when it was killed
    stored: int  # returns it had stored by then
    problems: list[str]
    differences: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems and not self.differences


def kill_trial(files: list[Path], db: Db, reference: dict, after: int, new: bool = True) -> Kill:
    """An import of all the files killed (SIGKILL) as soon as it has archived `after` of
    them (counted in the archive, so the moment does not depend on the machine's speed);
    the database checked as it was left, then the same import run again to the end.
    `db` is created first unless `new` is False."""
    from qzfsg.importer import in_received_order

    if new:
        init(db)
    ordered = [str(path) for path, _ in in_received_order(files, None)]
    running = subprocess.Popen(
        [sys.executable, "-m", "tests.stress", "--worker", str(db), *ordered],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    while files_kept(db) < after and running.poll() is None:
        time.sleep(0.002)
    landed = running.poll() is None
    running.send_signal(signal.SIGKILL)
    running.wait()
    problems = soundness(db)
    stored = _count(db, "submission")
    serial_import(files, db)
    return Kill(after, landed, stored, problems, differences(snapshot(db), reference))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--processes", type=int, default=8)
    parser.add_argument("--units", type=int, default=30, help="about 10 returns each")
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--seed", type=int, default=20181201)
    parser.add_argument("--folder", type=Path, default=Path("stress"))
    parser.add_argument(
        "--postgresql", action="store_true",
        help="the rounds on PostgreSQL too ($QZFSG_TEST_PG, else a throwaway server)",
    )  # fmt: skip
    parser.add_argument("--worker", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        work(args.worker[0], [Path(name) for name in args.worker[1:]])
        return 0
    rng = random.Random(args.seed)
    folder = args.folder.resolve()
    subprocess.run(["rm", "-rf", str(folder)], check=True)
    files = make_office(folder / "inbox", args.units, args.seed)
    serial = serial_import(files, folder / "serial.db")
    reference = snapshot(folder / "serial.db")
    print(f"{len(files)} returns ({len(reference['returns'])} stored by one serial import "
          f"in {serial:.1f} s)")  # fmt: skip
    failed = rounds(files, reference, args, rng, lambda n: nullcontext(folder / f"round{n}.db"))
    killed, landed = kills(
        files, reference, args, rng, lambda n: nullcontext(folder / f"kill{n}.db")
    )
    runs = 1
    if args.postgresql:
        from tests.pgserver import server

        with server() as found:
            if found is None:
                print("PostgreSQL: no server (see tests/pgserver.py); its rounds not run")
            else:
                runs = 2
                failed += rounds(files, reference, args, rng, lambda n: found.database())
                more = kills(files, reference, args, rng, lambda n: found.database())
                killed, landed = killed + more[0], landed + more[1]
    total, trials = runs * args.rounds, runs * args.kills
    print(f"\n{total - failed}/{total} rounds of {args.processes} processes equal "
          f"to the serial import; {trials - killed}/{trials} kill -9 trials ({landed} "
          "in the middle of the import) sound and equal after the rerun.")  # fmt: skip
    return 1 if failed or killed else 0


def kills(
    files: list[Path],
    reference: dict,
    args: argparse.Namespace,
    rng: random.Random,
    database: Callable[[int], AbstractContextManager[Db]],
) -> tuple[int, int]:
    """The kill -9 trials, each on a new `database(number)`, printed; how many were not
    sound or differed after the rerun, how many landed in the middle of the import."""
    killed = landed = 0
    for number in range(1, args.kills + 1):
        after = rng.randint(1, len(files) - 1)
        with database(number) as db:
            trial = kill_trial(files, db, reference, after)
        killed += not trial.ok
        landed += trial.landed
        kind = "PostgreSQL" if isinstance(db, str) else "SQLite"
        where = (f"{trial.stored:3} of {len(files)} stored" if trial.landed
                 else "after the import had ended")  # fmt: skip
        print(f"kill -9 {number:2} ({kind}) after {after:3} files archived ({where}): "
              + ("sound, rerun same as serial" if trial.ok else "; ".join(trial.problems + trial.differences)))  # fmt: skip
    return killed, landed


def rounds(
    files: list[Path],
    reference: dict,
    args: argparse.Namespace,
    rng: random.Random,
    database: Callable[[int], AbstractContextManager[Db]],
) -> int:
    """The concurrent rounds, each on a new `database(number)`, printed; how many differed."""
    failed = 0
    for number in range(1, args.rounds + 1):
        with database(number) as db:
            result = concurrent_round(files, db, reference, args.processes, rng)
        failed += not result.ok
        kind = "PostgreSQL" if isinstance(db, str) else "SQLite"
        print(f"round {number:2} ({kind}): {args.processes} processes, {result.seconds:5.1f} s, "
              + ("same as serial" if result.ok else "; ".join(result.failures + result.differences)))  # fmt: skip
    return failed


if __name__ == "__main__":
    sys.exit(main())
