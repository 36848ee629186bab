"""Corrections with an audit trail: withdraw and restore, redate, refile, the audit log,
and the migration of a version 2 database."""

import json
import sqlite3
import time
from decimal import Decimal
from pathlib import Path

import pytest

from qzfsg.storage.db import SCHEMA_VERSION, open_database
from tests.conftest import SAMPLES
from tests.factories import default_values, make_return

FILES = SAMPLES / "files"
CORRECTION = FILES / "城管执法局9月报表（更正）.xlsx"
V2_FIXTURE = Path(__file__).parent / "fixtures" / "schema_v2.sql"


def rows(db: Path, sql: str, *params) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql, params).fetchall()


def imported_id(db: Path, name: str) -> int:
    return rows(db, "SELECT max(id) FROM submission WHERE source_name = ?", name)[0][0]


@pytest.fixture
def september(cli):
    """The samples of August and September, without 城管执法局's correction (28 Sept)."""
    expected = json.loads((SAMPLES / "expected.json").read_text(encoding="utf-8"))
    for item in expected["files"]:
        if item["file"] != CORRECTION.name:
            cli("import", str(FILES / item["file"]), "--received", item["received"] + "T12:00")
    return cli


def figures(cli) -> tuple[str, str]:
    """What a month's readers show: the ranking (JSON) and the consolidated report."""
    rank = cli("rank", "--month", "2018-09", "--as-of", "2018-10-15", "--json")
    report = cli("report", "--month", "2018-09")
    assert rank.exit_code == 0 and report.exit_code == 0, rank.output + report.output
    return rank.output, report.output


def test_withdraw_leaves_rank_and_report_exactly_as_before_the_import(september, db_file):
    cli = september
    before = figures(cli)
    assert cli("import", str(CORRECTION), "--received", "2018-09-28T12:00").exit_code == 0
    corrected = figures(cli)
    assert corrected != before
    correction = imported_id(db_file, CORRECTION.name)

    done = cli("withdraw", str(correction), "--reason", "单位说更正表发错了", "--by", "李四")
    assert done.exit_code == 0, done.output
    assert figures(cli) == before
    # Kept, shown as withdrawn with its reason; the original is current again.
    history = json.loads(
        cli("history", "--unit", "城管执法局", "--month", "2018-09", "--json").output
    )
    assert [
        (h["id"], h["status"], h["withdraw_reason"]) for h in history if h["id"] == correction
    ] == [(correction, "withdrawn", "单位说更正表发错了")]
    assert [h["superseded"] for h in history if h["status"] == "accepted"] == [False]
    assert Path(
        rows(db_file, "SELECT archive_path FROM submission WHERE id = ?", correction)[0][0]
    ).exists()
    listed = json.loads(cli("findings", "--json").output)
    assert correction not in [item["id"] for item in listed]

    assert cli("restore", str(correction)).exit_code == 0
    assert figures(cli) == corrected
    log = json.loads(cli("log", "--unit", "城管执法局", "--json").output)
    assert [(e["action"], e["who"]) for e in log if e["submission"] == correction] == [
        ("import", log[-1]["who"]),
        ("withdraw", "李四"),
        ("restore", log[-1]["who"]),
    ]
    withdrawn = next(e for e in log if e["action"] == "withdraw")
    assert withdrawn["before"] == {"status": "accepted", "version": 2}
    assert withdrawn["reason"] == "单位说更正表发错了"


def test_the_same_bytes_after_a_withdrawal_are_imported_anew_and_block_a_restore(cli, db_file):
    path = FILES / "弼时镇8月报表.xlsx"
    cli("import", str(path), "--received", "2018-08-27")
    first = imported_id(db_file, path.name)
    cli("withdraw", str(first), "--reason", "误导入")
    again = cli("import", str(path), "--received", "2018-08-27", "--json")
    assert json.loads(again.output)[0]["status"] == "imported"
    second = imported_id(db_file, path.name)
    assert second != first
    refused = cli("restore", str(first))
    assert refused.exit_code == 2 and f"#{second}" in refused.output
    assert rows(db_file, "SELECT status FROM submission WHERE id = ?", first) == [("withdrawn",)]


def test_redate_of_a_late_return_makes_it_on_time_and_the_penalty_goes(cli, db_file):
    path = FILES / "弼时镇8月报表.xlsx"
    cli("import", str(path), "--received", "2018-09-03")

    def bishi():
        out = cli("rank", "--month", "2018-08", "--as-of", "2018-10-15", "--json").output
        leagues = json.loads(out)["leagues"]
        return next(r for league in leagues.values() for r in league if r["unit"] == "弼时镇")

    assert (bishi()["status"], bishi()["deduction"]) == ("late", 3)
    done = cli(
        "redate", str(imported_id(db_file, path.name)), "2018-08-27T10:30", "--reason", "日期录错"
    )
    assert done.exit_code == 0, done.output
    assert (bishi()["status"], bishi()["deduction"]) == ("on_time", 0)
    # Stored as the importer stores times, so that they compare and sort alike.
    assert rows(db_file, "SELECT received_at FROM submission") == [("2018-08-27 10:30:00",)]
    entry = json.loads(cli("log", "--month", "2018-08", "--json").output)[-1]
    assert (entry["action"], entry["before"]["received"], entry["after"]["received"]) == (
        "redate",
        "2018-09-03 12:00",
        "2018-08-27 10:30",
    )


def _months(*multiples: int) -> list[dict[str, tuple[Decimal, Decimal]]]:
    """Consistent returns of successive months: 本月数 as the default, 累计数 adding up."""
    base = default_values()
    return [{code: (m, m * n) for code, (m, _) in base.items()} for n in multiples]


def test_refile_checks_the_return_again_as_filed(cli, db_file, tmp_path):
    may, june, july = (
        make_return(tmp_path, values, name=f"{name}.xlsx", filed=None)
        for name, values in zip(("may", "june", "july"), _months(1, 2, 3), strict=True)
    )
    for path, month in ((may, "2018-05"), (june, "2018-06"), (july, "2018-06")):
        cli("import", str(path), "--month", month, "--received", f"{month}-28")
    mistaken = imported_id(db_file, "july.xlsx")
    assert rows(db_file, "SELECT status FROM submission WHERE id = ?", mistaken) == [("rejected",)]
    findings = json.loads(cli("findings", "--json").output)
    assert any(
        f["code"] == "cum_mismatch" for i in findings if i["id"] == mistaken for f in i["findings"]
    )

    done = cli(
        "refile", str(mistaken), "--month", "2018-07", "--reason", "其实是 7 月的表", "--json"
    )
    assert done.exit_code == 0, done.output
    result = json.loads(done.output)
    assert (result["month"], result["status"], result["version"], result["current"]) == (
        "2018-07",
        "accepted",
        1,
        True,
    )
    assert result["before"]["status"] == "rejected"
    assert mistaken not in [i["id"] for i in json.loads(cli("findings", "--json").output)]
    assert rows(db_file, "SELECT count(*) FROM value WHERE submission_id = ?", mistaken) == [(11,)]
    # June is as it was; the trail names both months.
    assert rows(
        db_file,
        "SELECT source_name, version FROM submission WHERE month = '2018-06'"
        " AND status = 'accepted' AND NOT superseded",
    ) == [("june.xlsx", 1)]
    months = [
        e["month"] for e in json.loads(cli("log", "--json").output) if e["action"] == "refile"
    ]
    assert months == ["2018-06", "2018-07"]


def test_refile_back_to_where_it_was_is_refused(cli, db_file, tmp_path):
    cli("import", str(make_return(tmp_path)), "--month", "2018-06", "--received", "2018-06-28")
    refused = cli("refile", "1", "--month", "2018-06", "--reason", "x")
    assert refused.exit_code == 2 and "未作改动" in refused.output


def test_withdraw_of_an_unknown_id_names_it(cli):
    refused = cli("withdraw", "99", "--reason", "x")
    assert refused.exit_code == 2 and "99" in refused.output


def test_the_audit_trail_refuses_updates_and_deletes(cli, db_address, backend, tmp_path):
    """On both databases a row of the trail cannot be changed or removed, even outside
    qzfsg (a clerk at the SQL prompt): the database itself refuses (models.APPEND_ONLY)."""
    from qzfsg.queries.runner import execute
    from qzfsg.storage.db import close_all, database_path, open_reader

    path = make_return(tmp_path)
    cli("import", str(path), "--month", "2018-06", "--received", "2018-06-28", db=db_address)
    edits = ["UPDATE auditentry SET who = 'x'", "DELETE FROM auditentry WHERE id = 1"]
    edits += ["DELETE FROM auditentry"] + (
        ["TRUNCATE auditentry"] if backend == "postgresql" else []
    )
    try:
        connection = open_reader(database_path(db_address))
        for statement in edits:
            with pytest.raises(Exception, match="append-only"):
                execute(connection, statement)
            connection.rollback()
        execute(connection, "INSERT INTO auditentry (at, who, action) VALUES (:at, 'x', 'lock')",
                {"at": "2018-06-30 09:00:00"})  # fmt: skip
        connection.commit()
    finally:
        close_all()
    log = json.loads(cli("log", "--json", db=db_address).output)
    assert [(e["action"], e["who"], e["month"]) for e in log] == [
        ("import", log[0]["who"], "2018-06"), ("lock", "x", None),
    ]  # fmt: skip


def test_log_json_shape(cli, tmp_path):
    cli("import", str(make_return(tmp_path)), "--month", "2018-06", "--received", "2018-06-28")
    [entry] = json.loads(cli("log", "--json").output)
    assert set(entry) == {"id", "at", "who", "action", "unit", "month", "submission", "before",
                          "after", "reason"}  # fmt: skip
    assert entry["after"]["status"] == "imported"


def load_v2(folder: Path) -> Path:
    """A database as the schema-2 release wrote it (the v1 fixture upgraded by it)."""
    db = folder / "v2.db"
    with sqlite3.connect(db) as conn:
        conn.executescript(V2_FIXTURE.read_text(encoding="utf-8"))
    return db


def test_a_version_2_database_is_upgraded_for_corrections(tmp_path, cli):
    db = load_v2(tmp_path)
    before = rows(db, "SELECT id, status, version, superseded FROM submission ORDER BY id")
    open_database(db).dispose()
    assert rows(db, "SELECT value FROM meta WHERE key = 'schema_version'") == [
        (str(SCHEMA_VERSION),)
    ]
    assert rows(db, "SELECT id, status, version, superseded FROM submission ORDER BY id") == before
    sql = {name: text for name, text in rows(db, "SELECT name, sql FROM sqlite_master")}
    assert "withdrawn" in sql["ux_submission_version"] and "withdrawn" in sql["ux_submission_copy"]
    assert {"auditentry_no_update", "auditentry_no_delete", "monthlock"} <= set(sql)
    assert "archived_file" in sql and rows(db, "SELECT count(*) FROM archived_file") == [(0,)]
    assert rows(db, "PRAGMA integrity_check") == [("ok",)]
    # It takes corrections like a new one: 城管执法局 9 月's correction withdrawn.
    correction = rows(db, "SELECT id FROM submission WHERE source_name = ?", CORRECTION.name)[0][0]
    assert cli("withdraw", str(correction), "--reason", "测试", db=db).exit_code == 0
    assert rows(
        db,
        "SELECT source_name FROM submission WHERE unit_id = 30 AND month = '2018-09'"
        " AND status = 'accepted' AND NOT superseded",
    ) == [("城管执法局9月报表.xlsx",)]


def _export(cli, month: str, path: Path) -> bytes:
    done = cli("report", "--month", month, "--export", str(path))
    assert done.exit_code == 0, done.output
    return path.read_bytes()


def test_a_locked_month_refuses_changes_unless_overridden_and_its_report_stays_the_same(
    cli, db_file, tmp_path, monkeypatch
):
    for name in ("城管执法局9月报表.xlsx", "川山坪镇9月报表.xlsx", "城管执法局8月报表.xls"):
        cli("import", str(FILES / name), "--received", "2018-09-25")
    assert cli("lock", "2018-09", "--reason", "9月通报已印发", "--by", "王五").exit_code == 0
    first = _export(cli, "2018-09", tmp_path / "a.xlsx")
    open_month = _export(cli, "2018-08", tmp_path / "c.xlsx")
    stored = rows(db_file, "SELECT count(*) FROM submission")

    refused = cli(
        "import", str(FILES / "三江镇 2018年9月 月报表.xls"), "--received", "2018-09-26", "--json"
    )
    assert refused.exit_code == 1
    [outcome] = json.loads(refused.output)
    assert outcome["status"] == "refused" and outcome["findings"][0]["code"] == "month_locked"
    assert "2018年9月已锁定" in outcome["findings"][0]["message"]
    assert rows(db_file, "SELECT count(*) FROM submission") == stored
    for command in (("withdraw", "1", "--reason", "x"), ("redate", "1", "2018-09-20", "--reason", "x"),
                    ("refile", "3", "--month", "2018-09", "--reason", "x")):  # fmt: skip
        done = cli(*command)
        assert done.exit_code == 2 and "已锁定" in done.output, command
    assert rows(db_file, "SELECT count(*) FROM submission WHERE status = 'withdrawn'") == [(0,)]

    # Exported again days later: the same bytes (an unlocked month's export differs).
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() + 3 * 86400)
    assert _export(cli, "2018-09", tmp_path / "b.xlsx") == first
    assert _export(cli, "2018-08", tmp_path / "d.xlsx") != open_month
    monkeypatch.undo()

    assert json.loads(cli("report", "--month", "2018-09", "--json").output)["published"] is True
    assert "已发布" in cli("report", "--month", "2018-09").output
    ranking = json.loads(cli("rank", "--month", "2018-09", "--json").output)
    assert ranking["published"] is True
    assert "已发布" in cli("rank", "--month", "2018-09").output
    board = json.loads(cli("status", "--json").output)
    assert {m["month"]: m["published"] for m in board["months"]}["2018-09"] is True

    forced = cli("import", str(FILES / "三江镇 2018年9月 月报表.xls"), "--received", "2018-09-26",
                 "--override", "--reason", "补录漏导的表", "--by", "王五")  # fmt: skip
    assert forced.exit_code == 0, forced.output
    log = json.loads(cli("log", "--month", "2018-09", "--json").output)
    assert [(e["action"], e["who"], e["reason"]) for e in log[-2:]] == [
        ("override", "王五", "补录漏导的表"),
        ("import", "王五", "补录漏导的表"),
    ]
    assert _export(cli, "2018-09", tmp_path / "e.xlsx") != first

    assert cli("unlock", "2018-09", "--reason", "通报需更正").exit_code == 0
    assert json.loads(cli("rank", "--month", "2018-09", "--json").output)["published"] is False
    assert [e["action"] for e in json.loads(cli("log", "--json").output)][-1] == "unlock"


def test_override_needs_a_reason(cli, tmp_path):
    cli("import", str(make_return(tmp_path)), "--month", "2018-06", "--received", "2018-06-28")
    cli("lock", "2018-06")
    done = cli("withdraw", "1", "--reason", "x", "--override")
    assert done.exit_code == 0
    refused = cli("import", str(make_return(tmp_path, name="b.xlsx", raw={("fines", "month"): "0.4"})),
                  "--month", "2018-06", "--override")  # fmt: skip
    assert refused.exit_code == 2 and "--reason" in refused.output


def test_a_broken_file_of_a_known_unit_is_tied_to_its_oldest_owed_month(cli, db_file, tmp_path):
    may, june, july = (
        make_return(tmp_path, values, name=f"{name}.xlsx", filed=None)
        for name, values in zip(("may", "june", "july"), _months(1, 2, 3), strict=True)
    )
    for path, month in ((may, "2018-05"), (june, "2018-06")):
        cli("import", str(path), "--month", month, "--received", f"{month}-28")
    broken = tmp_path / "归义镇7月报表.xlsx"
    broken.write_bytes(b"not a workbook at all")
    done = cli("import", str(broken), "--received", "2018-08-02", "--json")
    [outcome] = json.loads(done.output)
    assert (outcome["status"], outcome["unit"], outcome["month"]) == (
        "rejected",
        "归义镇",
        "2018-07",
    )
    assert "month_owed" in [f["code"] for f in outcome["findings"]]
    listed = json.loads(cli("findings", "--month", "2018-07", "--json").output)
    assert [item["file"] for item in listed] == [broken.name]
    reminder = cli("overdue", "--month", "2018-07", "--as-of", "2018-08-10", "--message").output
    assert "已收到，但无法读取" in reminder

    cli("import", str(july), "--month", "2018-07", "--received", "2018-08-05")
    assert json.loads(cli("findings", "--month", "2018-07", "--json").output) == []


def test_registry_and_calendar_changes_are_audited_and_refused_when_they_reach_a_lock(cli):
    assert cli("lock", "2018-06").exit_code == 0
    for command in (("units", "add", "市人防办", "--kind", "department", "--from", "2018-05"),
                    ("units", "deactivate", "归义镇", "--from", "2018-06"),
                    ("deadlines", "shift", "on"), ("deadlines", "set", "月报表", "--day", "25")):  # fmt: skip
        refused = cli(*command)
        assert refused.exit_code == 2 and "2018年6月已锁定" in refused.output, command
    assert (
        cli("units", "add", "市人防办", "--kind", "department", "--from", "2018-07").exit_code == 0
    )
    assert cli("deadlines", "add", "半年小结", "--due", "2018-07-10", "--by", "赵六").exit_code == 0
    forced = cli(
        "units", "deactivate", "归义镇", "--from", "2018-06", "--override", "--reason", "撤并"
    )
    assert forced.exit_code == 0, forced.output
    log = json.loads(cli("log", "--json").output)
    assert [(e["action"], e["unit"]) for e in log[1:]] == [
        ("unit", "市人防办"),
        ("deadline", None),
        ("override", None),
        ("unit", "归义镇"),
    ]
    assert log[2]["who"] == "赵六" and log[2]["after"]["item"] == "半年小结"
    assert log[4]["before"] == {"inactive_from": None} and log[4]["reason"] == "撤并"


def test_import_with_a_manifest_takes_each_file_s_received_time(cli, db_file, tmp_path):
    first = make_return(tmp_path, name="a.xlsx", filed=None)
    second = make_return(tmp_path, name="b.xlsx", filed=None, unit="某单位")
    (tmp_path / "清单.csv").write_text(
        "文件,收到时间,单位,月份\nb.xlsx,2018-06-29T09:15,新市镇,2018-06\na.xlsx,2018-06-28,,2018-06\n",
        encoding="utf-8",
    )
    done = cli("import", "--manifest", str(tmp_path / "清单.csv"), "--json")
    assert done.exit_code == 0, done.output
    got = [(o["file"], o["unit"], o["received"]) for o in json.loads(done.output)]
    assert got == [(str(first), "归义镇", "2018-06-28T12:00:00"),
                   (str(second), "新市镇", "2018-06-29T09:15:00")]  # fmt: skip


def test_a_manifest_with_mistakes_names_row_and_column_and_imports_nothing(cli, db_file, tmp_path):
    make_return(tmp_path, name="a.xlsx")
    (tmp_path / "清单.csv").write_text(
        "文件,收到时间\n没有这个.xlsx,2018-06-28\na.xlsx,6月28日\n", encoding="utf-8"
    )
    done = cli("import", "--manifest", str(tmp_path / "清单.csv"))
    assert done.exit_code == 1
    assert "第 2 行“文件”（A2）" in done.output and "第 3 行“收到时间”（B3）" in done.output
    assert rows(db_file, "SELECT count(*) FROM submission") == [(0,)]


def test_file_times_that_are_not_received_times_are_warned_about(cli, tmp_path):
    (tmp_path / "inbox").mkdir()
    for name in ("a.xlsx", "b.xlsx", "c.xlsx"):
        make_return(tmp_path / "inbox", name=name, unit=f"汨罗市{name[0]}镇", filed=None)
    warned = cli("import", str(tmp_path / "inbox"), "--month", "2018-06")
    assert "不是收到时间" in warned.stderr and "--manifest" in warned.stderr
    quiet = cli("import", str(tmp_path / "inbox"), "--month", "2018-06", "--received", "2018-06-28")
    assert "不是收到时间" not in quiet.stderr


def test_a_correction_whose_archived_file_is_gone_says_so_and_changes_nothing(
    cli, db_file, tmp_path
):
    cli("import", str(make_return(tmp_path)), "--month", "2018-06", "--received", "2018-06-28")
    Path(rows(db_file, "SELECT archive_path FROM submission")[0][0]).unlink()
    refused = cli("redate", "1", "2018-06-27", "--reason", "x")
    assert refused.exit_code == 2 and "qzfsg check" in refused.output
    assert rows(db_file, "SELECT received_at, status FROM submission") == [
        ("2018-06-28 12:00:00", "accepted")
    ]
