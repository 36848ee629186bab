"""Checking in worker processes (qzfsg.reading.workers): the same outcomes as checking in
the importing process, a worker dying on a file costs only that file, Ctrl-C stops
cleanly and leaves no process behind. QZFSG_WORKERS forces the pool on a few files."""

import multiprocessing
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from datetime import date, datetime, timedelta
from functools import partial
from pathlib import Path

import pytest
from typer.testing import CliRunner

from qzfsg.bootstrap import init_database
from qzfsg.cli import app
from qzfsg.importer import Importer
from qzfsg.reading.checking import standalone_checker
from qzfsg.reading.workers import CheckPool, workers_for
from qzfsg.storage.archive import archive_for
from qzfsg.storage.db import open_database, session_for
from tests.checkers import DyingChecker, SlowChecker, UnstartableChecker, like
from tests.conftest import EXPECTED, SAMPLES
from tests.factories import make_return

TOWNS = ["归义镇", "新市镇", "长乐镇", "大荆镇", "桃林寺镇", "三江镇"]


def sample_plan(folder: Path) -> list[tuple]:
    """The sample returns in received order, then quirks built in code: a copy of a
    sample received later (a duplicate), an empty file, an .xls and a return whose unit
    is told by its file name only."""
    plan = [
        (SAMPLES / "files" / item["file"], datetime.fromisoformat(item["received"]), None, None)
        for item in EXPECTED["files"]
    ]
    last = max(received for _, received, *_ in plan)
    copy = folder / "copy.xlsx"
    shutil.copyfile(plan[0][0], copy)
    (folder / "empty.xlsx").write_bytes(b"")
    made = [
        copy,
        folder / "empty.xlsx",
        make_return(folder, name="三江镇.xls", fmt="xls", unit="三江镇"),
        make_return(folder, name="新市镇.xlsx", unit=""),
    ]
    return plan + [(p, last + timedelta(days=1 + n), None, None) for n, p in enumerate(made)]


def imported(db: Path, plan: list[tuple], dry_run: bool = False, checker=None) -> list[dict]:
    init_database(db)
    with session_for(open_database(db)) as session:
        importer = Importer(session, archive_for(db), today=date(2018, 10, 15), dry_run=dry_run)
        if checker is not None:
            importer.checker = checker(importer.checker)
        return [o.model_dump(mode="json") for o in importer.import_all(plan)]


def workers_alive() -> list:
    return [p for p in multiprocessing.active_children() if p.name == "qzfsg-check"]


@pytest.mark.parametrize(
    ("cpus", "load", "files", "workers"),
    [(2, 0.1, 2000, 1), (2, 1.0, 2000, 1), (2, 2.4, 2000, 1), (2, 2.6, 2000, 0),
     (2, 6.0, 2000, 0), (8, 0.3, 2000, 4), (4, 1.2, 2000, 3), (4, 4.2, 2000, 1),
     (2, 0.1, 100, 0), (1, 0.0, 2000, 0)],
)  # fmt: skip
def test_workers_only_where_processors_are_not_saturated(monkeypatch, cpus, load, files, workers):
    monkeypatch.delenv("QZFSG_WORKERS", raising=False)
    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: set(range(cpus)))
    monkeypatch.setattr(os, "getloadavg", lambda: (load, load, load))
    assert workers_for(files) == (workers, False)
    monkeypatch.setenv("QZFSG_WORKERS", "2")
    assert workers_for(files) == (2, True)


@pytest.mark.parametrize("dry_run", [False, True])
def test_checked_in_workers_as_in_the_importing_process(tmp_path, monkeypatch, dry_run):
    plan = sample_plan(tmp_path)
    monkeypatch.setenv("QZFSG_WORKERS", "0")
    at_home = imported(tmp_path / "home.db", plan, dry_run)
    monkeypatch.setenv("QZFSG_WORKERS", "2")
    in_workers = imported(tmp_path / "pool.db", plan, dry_run)
    assert in_workers == at_home
    expected = {"checked", "rejected"} if dry_run else {"imported", "rejected", "duplicate"}
    assert {o["status"] for o in at_home} == expected
    assert not workers_alive()


def test_validate_without_a_database_checks_in_workers_as_in_process(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("QZFSG_DB", raising=False)
    folder = str(SAMPLES / "files")
    shown = []
    for workers in ("0", "2"):
        monkeypatch.setenv("QZFSG_WORKERS", workers)
        result = CliRunner().invoke(app, ["validate", folder, "--json"])
        shown.append((result.exit_code, result.stdout))
    assert shown[0] == shown[1] and shown[0][0] == 1
    assert not (tmp_path / "qzfsg.db").exists() and not workers_alive()


def test_a_worker_that_dies_costs_only_its_file(tmp_path, monkeypatch):
    monkeypatch.setenv("QZFSG_WORKERS", "2")
    files = [make_return(tmp_path, name=f"{town}.xlsx", unit=town) for town in TOWNS]
    fatal = files[2].rename(tmp_path / f"崩溃-{files[2].name}")
    files[2] = fatal
    plan = [(p, datetime(2018, 6, 20 + n), None, None) for n, p in enumerate(files)]
    outcomes = imported(tmp_path / "qzfsg.db", plan, checker=partial(like, DyingChecker))
    assert [o["status"] for o in outcomes] == ["imported"] * 2 + ["rejected"] + ["imported"] * 3
    problem = outcomes[2]["findings"][0]  # then month_owed: tied to the month the unit owed
    assert problem["code"] == "unreadable" and fatal.name in problem["message"]
    assert outcomes[2]["unit"] == "长乐镇"  # told by the file name, as for any unreadable file
    with closing(sqlite3.connect(tmp_path / "qzfsg.db")) as conn:
        stored = conn.execute("SELECT source_name, status FROM submission ORDER BY id").fetchall()
    assert stored == [(p.name, o["status"].replace("imported", "accepted"))
                      for p, o in zip(files, outcomes, strict=True)]  # fmt: skip
    assert not workers_alive()


def test_a_file_is_checked_in_process_when_the_workers_fall_behind(tmp_path):
    files = [make_return(tmp_path, name=f"{town}.xlsx", unit=town) for town in TOWNS[:4]]
    pool = CheckPool(like(SlowChecker, standalone_checker(date(2018, 12, 1))), 1, every_file=False)
    try:
        takes = [pool.submit((path, None, None, None)) for path in files]
        assert [take is None for take in takes] == [False, False, True, True]
        assert [take().unit for take in takes[:2]] == ["归义镇", "新市镇"]
    finally:
        pool.close()
    assert not workers_alive()


def test_files_are_checked_in_process_when_no_worker_can_start(tmp_path, monkeypatch):
    monkeypatch.setenv("QZFSG_WORKERS", "1")
    files = [make_return(tmp_path, name=f"{town}.xlsx", unit=town) for town in TOWNS[:3]]
    plan = [(p, datetime(2018, 6, 20 + n), None, None) for n, p in enumerate(files)]
    outcomes = imported(tmp_path / "qzfsg.db", plan, checker=partial(like, UnstartableChecker))
    assert [o["status"] for o in outcomes] == ["imported"] * 3
    assert not workers_alive()


def test_the_error_of_a_check_is_raised_as_in_process(tmp_path, monkeypatch):
    monkeypatch.setenv("QZFSG_WORKERS", "1")
    plan = [(tmp_path / "r.xlsx", datetime(2018, 6, 28), None, None)]
    make_return(tmp_path)
    with pytest.raises(TypeError):
        imported(tmp_path / "qzfsg.db", plan, checker=partial(like, DyingChecker, fatal=0))
    assert not workers_alive()


def test_ctrl_c_to_the_terminal_stops_the_import_and_its_workers(tmp_path):
    """Ctrl-C reaches every process of the terminal's group: the workers ignore it, the
    import stops after the file at hand and says so, no traceback, no process left."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for n in range(40):
        path = make_return(inbox, name=f"{n:02d}.xlsx", unit=TOWNS[n % len(TOWNS)])
        os.utime(path, (1_530_000_000 + 60 * n,) * 2)
    db = tmp_path / "qzfsg.db"
    init_database(db)
    command = [sys.executable, "-m", "qzfsg", "import", str(inbox), "--db", str(db)]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "QZFSG_WORKERS": "2"}, start_new_session=True,
    )  # fmt: skip
    deadline = time.time() + 60
    while time.time() < deadline and process.poll() is None and not stored(db):
        time.sleep(0.02)
    os.killpg(process.pid, signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    if process.returncode in (0, 1):
        pytest.skip("the import finished before the signal arrived")
    assert process.returncode == 130, stderr
    assert "已中断" in stderr and "Traceback" not in stderr
    deadline = time.time() + 10  # the fork server ends when it sees the import gone
    while in_session(process.pid) and time.time() < deadline:
        time.sleep(0.05)
    assert in_session(process.pid) == []


def stored(db: Path) -> int:
    with closing(sqlite3.connect(db)) as conn:
        return conn.execute("SELECT count(*) FROM submission").fetchone()[0]


def in_session(session_id: int) -> list[int]:
    """The processes still running in a session (Linux's /proc; ended ones that wait to be
    reaped by init do not count)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[3]) == session_id and fields[0] != "Z":
                found.append(int(entry.name))
    return found
