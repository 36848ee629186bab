"""Faults of the machine, under real conditions where the sandbox allows: each is named in
Chinese with what to do (exit 2, no traceback, no SQL, no URL), a refused file is left
exactly as it was, and `qzfsg.db` alone is the whole database after every command."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest

from qzfsg.storage.db import SCHEMA_VERSION
from tests.conftest import SAMPLES

SAMPLE_FILES = SAMPLES / "files"
NEVER_SHOWN = ("Traceback", "SELECT", "INSERT", "sqlite:///", "sqlalche.me", "Error:", "Errno")


def refused(result, *said: str) -> None:
    """Exit 2, the named fault in Chinese, nothing of the machine's own words."""
    assert result.exit_code == 2, result.output
    for text in said:
        assert text in result.stderr, result.stderr
    for text in NEVER_SHOWN:
        assert text not in result.stderr + result.stdout


def alone_is_whole(db: Path, tmp_path: Path) -> list[tuple]:
    """Copy the .db without any -wal or -shm: it passes integrity_check; its returns."""
    assert not Path(f"{db}-wal").exists() or Path(f"{db}-wal").stat().st_size == 0
    copy = tmp_path / "alone-copy.db"
    shutil.copyfile(db, copy)
    with closing(sqlite3.connect(copy)) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        return conn.execute(
            "SELECT unit_id, month, version, status, superseded, sha256 FROM submission"
            " ORDER BY unit_id, month, version"
        ).fetchall()


# ------------------------------------------------------------------ refused, untouched
def test_another_programs_sqlite_file_keeps_its_journal_mode(cli, tmp_path):
    other = tmp_path / "other.db"
    with closing(sqlite3.connect(other)) as conn:
        conn.execute("CREATE TABLE t (x)")
        conn.execute("INSERT INTO t VALUES (1)")
        conn.commit()
    before = other.read_bytes()
    for args in (("units", "list"), ("import", str(SAMPLE_FILES)), ("init",)):
        refused(cli(*args, db=other), "不是 qzfsg 数据库", "未作任何改动")
    assert other.read_bytes() == before
    with closing(sqlite3.connect(other)) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("delete",)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other.db", "qzfsg.db"]


def test_a_text_file_is_not_a_database(cli, tmp_path):
    bogus = tmp_path / "notes.db"
    bogus.write_text("会议纪要", encoding="utf-8")
    refused(cli("units", "list", db=bogus), "不是 qzfsg 数据库", "不是数据库文件")
    assert bogus.read_text(encoding="utf-8") == "会议纪要"


def test_an_empty_file_stays_empty(cli, tmp_path):
    empty = tmp_path / "empty.db"
    empty.touch()
    for args in (("units", "list"), ("import", str(SAMPLE_FILES)), ("init",)):
        refused(cli(*args, db=empty), "空文件", "qzfsg init")
    assert empty.stat().st_size == 0


def test_a_newer_schema_is_refused_before_any_write(cli, db_file):
    with closing(sqlite3.connect(db_file)) as conn:
        conn.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(99),))
        conn.commit()
    before = db_file.read_bytes()
    refused(cli("import", str(SAMPLE_FILES)), "更新版本", "99", str(SCHEMA_VERSION))
    assert db_file.read_bytes() == before


# ------------------------------------------------------------------ corrupt
@pytest.fixture
def samples_copy(samples_db, tmp_path):
    copy = tmp_path / "samples.db"
    shutil.copyfile(samples_db, copy)
    return copy


def _damage_a_page(db: Path) -> None:
    """Overwrite the middle page of the file with noise, as a failing disk would."""
    with closing(sqlite3.connect(db)) as conn:
        page = conn.execute("PRAGMA page_size").fetchone()[0]
    pages = db.stat().st_size // page
    with db.open("r+b") as file:
        file.seek(page * (pages // 2))
        file.write(bytes(range(256)) * (page // 256))


def test_a_damaged_page_takes_no_writes_and_says_check(cli, samples_copy, tmp_path):
    _damage_a_page(samples_copy)
    before = samples_copy.read_bytes()
    result = cli("import", str(SAMPLE_FILES / os.listdir(SAMPLE_FILES)[0]), db=samples_copy)
    refused(result, "已损坏", str(samples_copy), "qzfsg check")
    assert samples_copy.read_bytes() == before


def test_a_truncated_file_is_damaged(cli, samples_copy):
    with samples_copy.open("r+b") as file:
        file.truncate(samples_copy.stat().st_size // 2 // 4096 * 4096)
    refused(cli("units", "list", db=samples_copy), "已损坏", "不完整", "qzfsg check")


# ------------------------------------------------------------------ locked
def test_a_database_locked_beyond_the_timeout(cli, db_file, monkeypatch):
    monkeypatch.setenv("QZFSG_BUSY_TIMEOUT", "0.2")
    with closing(sqlite3.connect(db_file, isolation_level=None)) as other:
        other.execute("BEGIN EXCLUSIVE")
        other.execute("UPDATE meta SET value = value WHERE key = 'schema_version'")
        result = cli("import", str(SAMPLE_FILES))
        other.execute("ROLLBACK")
    refused(result, "占用", "0.2 秒", "未写入")
    with closing(sqlite3.connect(db_file)) as conn:
        assert conn.execute("SELECT count(*) FROM submission").fetchone() == (0,)


def test_a_command_ending_while_another_holds_the_database_leaves_the_log_to_it(db_file):
    """The log is folded back by the last command to close; one that ends while another
    holds the database (a moment in a busy office: 8 imports at once failed now and then
    with "未能并回…磁盘已满或出错", exit 2) leaves it to that one, without a word."""
    from qzfsg.storage.db import _fold_log

    died = (  # a writer killed before it closed: its log stays
        "import os, sqlite3, sys; c = sqlite3.connect(sys.argv[1]);"
        " c.execute(\"INSERT INTO meta VALUES ('x', 'y')\"); c.commit(); os._exit(0)"
    )
    subprocess.run([sys.executable, "-c", died, str(db_file)], check=True)
    wal = Path(f"{db_file}-wal")
    assert wal.stat().st_size > 0
    with closing(sqlite3.connect(db_file)) as other:
        other.execute("PRAGMA locking_mode = EXCLUSIVE")
        other.execute("BEGIN EXCLUSIVE")  # held, as by another command at work
        _fold_log(db_file)
        other.execute("COMMIT")
    _fold_log(db_file)
    assert not wal.exists() or wal.stat().st_size == 0
    with closing(sqlite3.connect(db_file)) as conn:
        assert conn.execute("SELECT value FROM meta WHERE key = 'x'").fetchall() == [("y",)]


# ------------------------------------------------------------------ read-only
def _run_without_root_override(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    """qzfsg as root without CAP_DAC_OVERRIDE: file permissions hold as for any clerk."""
    command = [
        "setpriv",
        "--bounding-set=-dac_override,-dac_read_search",
        sys.executable,
        "-m",
        "qzfsg",
        *args,
    ]
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=120)


@pytest.fixture
def unprivileged(tmp_path):
    probe = subprocess.run(
        ["setpriv", "--bounding-set=-dac_override", "true"], capture_output=True, check=False
    )
    if shutil.which("setpriv") is None or probe.returncode != 0:
        pytest.skip("setpriv cannot drop CAP_DAC_OVERRIDE here")
    return lambda *args: _run_without_root_override(list(args), tmp_path)


def test_a_read_only_folder_is_named(unprivileged, db_file):
    folder = db_file.parent
    before = db_file.read_bytes()
    folder.chmod(0o555)
    try:
        done = unprivileged("units", "list", "--db", str(db_file))
        imported = unprivileged("import", str(SAMPLE_FILES), "--db", str(db_file))
    finally:
        folder.chmod(0o755)
    for result in (done, imported):
        assert result.returncode == 2, result.stderr
        assert "文件夹" in result.stderr and "只读" in result.stderr
        assert "不是 qzfsg 数据库" not in result.stderr and "Traceback" not in result.stderr
    assert db_file.read_bytes() == before


def test_a_read_only_file_is_named(unprivileged, db_file):
    db_file.chmod(0o444)
    before = db_file.read_bytes()
    result = unprivileged("import", str(SAMPLE_FILES), "--db", str(db_file))
    assert result.returncode == 2, result.stderr
    assert "只读文件" in result.stderr and "Traceback" not in result.stderr
    assert db_file.read_bytes() == before


def test_a_read_only_archive_folder_stores_nothing(unprivileged, db_file):
    from qzfsg.storage.archive import archive_folder

    archive = archive_folder(db_file)
    archive.mkdir(mode=0o555)
    result = unprivileged("import", str(SAMPLE_FILES), "--db", str(db_file))
    archive.chmod(0o755)
    assert result.returncode == 2, result.stderr
    assert "归档文件夹" in result.stderr and "没有写入权限" in result.stderr
    assert "Errno" not in result.stderr and "Traceback" not in result.stderr
    with closing(sqlite3.connect(db_file)) as conn:
        assert conn.execute("SELECT count(*) FROM submission").fetchone() == (0,)


# ------------------------------------------------------------------ init
def test_a_failed_init_leaves_nothing_behind(tmp_path, cli, monkeypatch):
    import qzfsg.bootstrap

    def full(*_args, **_kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(qzfsg.bootstrap, "seed_deadlines", full)
    target = tmp_path / "new" / "sub" / "qzfsg.db"
    refused(cli("init", db=target), "磁盘已满")
    assert not (tmp_path / "new").exists()
    monkeypatch.undo()
    assert cli("init", db=target).exit_code == 0
    assert sorted(p.name for p in target.parent.iterdir()) == ["qzfsg.db"]


# ------------------------------------------------------------------ the log is folded
def test_the_db_alone_is_whole_after_a_command_that_failed(cli, db_file, tmp_path, monkeypatch):
    import qzfsg.importer

    files = sorted(SAMPLE_FILES.iterdir())[:6]
    real = qzfsg.importer.Importer._store
    calls = []

    def store_then_fail(self, *args, **kwargs):
        calls.append(1)
        if len(calls) == 4:
            full = sqlite3.OperationalError("database or disk is full")
            full.sqlite_errorcode, full.sqlite_errorname = 13, "SQLITE_FULL"
            raise full
        return real(self, *args, **kwargs)

    monkeypatch.setattr(qzfsg.importer.Importer, "_store", store_then_fail)
    refused(cli("import", *map(str, files)), "磁盘已满")
    assert len(alone_is_whole(db_file, tmp_path)) == 3


@pytest.fixture
def small_disk(tmp_path):
    """A 3 MB tmpfs (we run as root in the sandbox; skipped where mounting is not allowed)."""
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(mount)], capture_output=True
    )
    if done.returncode != 0:
        pytest.skip("cannot mount a tmpfs here")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def _fill(disk: Path, leave_kb: int) -> Path:
    free_kb = shutil.disk_usage(disk).free // 1024
    filler = disk / "filler"
    with filler.open("wb") as file:
        file.write(b"\0" * max(0, free_kb - leave_kb) * 1024)
    return filler


def test_a_backup_onto_a_full_disk_names_that_disk_and_leaves_nothing(
    small_disk, cli, samples_copy
):
    _fill(small_disk, 40)
    target = small_disk / "备份" / "copy.db"
    result = cli("backup", str(target), db=samples_copy)
    refused(result, "磁盘已满", str(target))
    assert sorted(p.name for p in small_disk.iterdir()) == ["filler", "备份"]
    assert list((small_disk / "备份").iterdir()) == []


@pytest.mark.parametrize("leave_kb", [400, 1200])
def test_a_full_disk_loses_nothing(small_disk, cli, tmp_path, leave_kb):
    """A real full disk: the fault is named; every file reported stored is in the database
    (with the -wal kept when it could not be folded, and the message says so); once
    space is freed, the next command folds the log and the rerun finishes the job."""
    from tests.factories import make_return

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for month in range(6, 12):
        for town in ("归义镇", "新市镇", "汨罗镇", "古培镇", "白水镇", "长乐镇"):
            name = f"{town}{month}.xlsx"
            make_return(inbox, name=name, unit=town, month_field=f"2018-{month:02d}")
    serial = tmp_path / "serial.db"
    assert cli("init", db=serial).exit_code == 0
    assert cli("import", str(inbox), db=serial).exit_code in (0, 1)
    db = small_disk / "qzfsg.db"
    assert cli("init", db=db).exit_code == 0
    filler = _fill(small_disk, leave_kb)
    result = cli("import", str(inbox), db=db)
    refused(result, "磁盘已满")
    wal = Path(f"{db}-wal")
    if wal.exists() and wal.stat().st_size:
        assert "保留" in result.stderr and "qzfsg.db-wal" in result.stderr
    filler.unlink()
    assert cli("check", db=db).exit_code in (0, 1)  # folds the log back (orphans may be listed)
    complete = alone_is_whole(serial, tmp_path)
    stored = alone_is_whole(db, tmp_path)
    assert 0 < len(stored) < len(complete)
    assert cli("import", str(inbox), db=db).exit_code in (0, 1)
    assert alone_is_whole(db, tmp_path) == complete
