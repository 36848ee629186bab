"""`qzfsg deadlines …`, `receive`, `overdue` and `status` through the CLI: exit codes, JSON
shapes, messages on bad input, escaping; the database is read back to check writes."""

import json
import sqlite3
from pathlib import Path

import pytest

from qzfsg.db import open_database, session_for
from tests.test_liaisons import liaison_form
from tests.test_timeliness import submit

OVERDUE_KEYS = {
    "unit",
    "kind",
    "item",
    "month",
    "due",
    "status",
    "days_late",
    "received",
    "liaison",
}
CELL_KEYS = {"status", "days_late", "received", "zero", "rejected_waiting"}
MONTH_KEYS = {
    "month",
    "due",
    "expected",
    "reported",
    "on_time",
    "late",
    "missing",
    "rejected_waiting",
    "pending",
    "zero",
    "reporting_rate",
    "on_time_rate",
    "published",
}


def query(db_file, sql):
    with sqlite3.connect(db_file) as conn:
        return conn.execute(sql).fetchall()


@pytest.fixture
def returns(db_file):
    """August: 归义镇 on time, 新市镇 late by 3 days, 汨罗镇 only a rejected return."""
    with session_for(open_database(db_file)) as session:
        submit(session, "归义镇", "2018-08", "2018-08-30")
        submit(session, "新市镇", "2018-08", "2018-09-03")
        submit(session, "汨罗镇", "2018-08", "2018-08-29", status="rejected")
    return db_file


# --------------------------------------------------------------------------- deadlines
def test_deadlines_list_json_and_table(cli):
    result = cli("deadlines", "list", "--json")
    assert result.exit_code == 0
    calendar = json.loads(result.stdout)
    assert calendar["shift_to_workday"] is False
    first = calendar["deadlines"][0]
    assert set(first) == {
        "id",
        "item",
        "who",
        "units",
        "due",
        "monthly_day",
        "from_month",
        "to_month",
        "due_dates",
    }
    assert first["due_dates"][0] == {"month": "2018-05", "due": "2018-05-31", "shifted": False}
    table = cli("deadlines", "list").stdout
    assert "年度监管执法计划" in table and "各部门" in table and "不顺延" in table


def test_deadlines_add_set_remove(cli, db_file):
    assert (
        cli("deadlines", "add", "半年小结", "--due", "2018-07-10", "--who", "department").exit_code
        == 0
    )
    assert (
        cli(
            "deadlines", "add", "台账", "--monthly", "--from", "2018-07", "--to", "2018-09"
        ).exit_code
        == 0
    )
    added = cli(
        "deadlines",
        "add",
        "专项方案",
        "--due",
        "2018-08-01",
        "--unit",
        "归义镇",
        "--unit",
        "公安局",
    )
    assert added.exit_code == 0 and "已新增截止事项" in added.stdout
    rows = query(
        db_file,
        "SELECT item, who, due, monthly_day, from_month, to_month FROM deadline WHERE id > 7",
    )
    assert rows == [
        ("半年小结", "department", "2018-07-10", None, None, None),
        ("台账", "all", None, 0, "2018-07", "2018-09"),
        ("专项方案", "units", "2018-08-01", None, None, None),
    ]
    assert len(query(db_file, "SELECT * FROM deadlineunit")) == 2
    assert cli("deadlines", "set", "台账", "--day", "25", "--item", "隐患台账").exit_code == 0
    assert query(db_file, "SELECT item, monthly_day FROM deadline WHERE id = 9") == [
        ("隐患台账", 25)
    ]
    assert cli("deadlines", "remove", "10").exit_code == 0
    assert query(db_file, "SELECT count(*) FROM deadlineunit") == [(0,)]
    assert query(db_file, "SELECT count(*) FROM deadline") == [(9,)]


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("deadlines", "add", "X", "--due", "2018-13-01"), "日期“2018-13-01”无法识别"),
        (("deadlines", "add", "X", "--due", "2018-07-01", "--day", "5"), "只能选一种"),
        (("deadlines", "add", "X"), "请给出截止日期"),
        (("deadlines", "add", "X", "--monthly", "--from", "2018-13"), "月份“2018-13”无法识别"),
        (("deadlines", "set", "不存在的材料", "--day", "5"), "日历中没有“不存在的材料”"),
        (("deadlines", "remove", "月报表"), "不能删除"),
        (
            ("deadlines", "add", "X", "--due", "2018-07-01", "--unit", "恒达物流"),
            "不是登记的填报单位",
        ),
    ],
)
def test_deadlines_bad_input_is_a_usage_error(cli, db_file, args, words):
    result = cli(*args)
    assert result.exit_code == 2
    assert words in result.stderr
    assert query(db_file, "SELECT count(*) FROM deadline") == [(7,)]


def test_deadlines_bad_option_value_is_a_usage_error(cli):
    result = cli("deadlines", "add", "X", "--due", "2018-07-01", "--who", "everyone")
    assert result.exit_code == 2


def test_deadlines_shift(cli, db_file):
    assert cli("deadlines", "shift", "on").exit_code == 0
    assert query(db_file, "SELECT value FROM meta WHERE key = 'shift_to_workday'") == [("1",)]
    calendar = json.loads(cli("deadlines", "list", "--json").stdout)
    assert calendar["shift_to_workday"] is True
    plan = next(d for d in calendar["deadlines"] if d["item"] == "实施方案")
    assert plan["due_dates"] == [{"month": None, "due": "2018-06-11", "shifted": True}]
    assert "顺延后的截止日" in cli("deadlines", "list").stdout
    assert cli("deadlines", "shift", "off").exit_code == 0
    assert query(db_file, "SELECT value FROM meta WHERE key = 'shift_to_workday'") == [("0",)]
    assert cli("deadlines", "shift", "maybe").exit_code == 2


# --------------------------------------------------------------------------- receive
def test_receive_archives_the_file(cli, db_file, tmp_path):
    paper = tmp_path / "归义镇实施方案.docx"
    paper.write_bytes(b"implementation plan")
    result = cli(
        "receive",
        "实施方案",
        "--unit",
        "归义镇",
        "--on",
        "2018-06-12",
        "--file",
        str(paper),
        "--json",
    )
    assert result.exit_code == 0, result.output
    outcome = json.loads(result.stdout)
    assert outcome["status"] == "late" and outcome["days_late"] == 2
    assert outcome["due"] == "2018-06-10" and outcome["received"] == "2018-06-12T12:00:00"
    [(item, month, name, digest, archived)] = query(
        db_file, "SELECT item, month, source_name, sha256, archive_path FROM receipt"
    )
    assert (item, month, name) == ("实施方案", None, "归义镇实施方案.docx")
    assert archived.startswith(str(db_file.parent / "qzfsg-archive"))
    assert Path(archived).read_bytes() == b"implementation plan" and digest in archived
    again = cli("receive", "实施方案", "--unit", "归义镇", "--file", str(paper))
    assert again.exit_code == 0 and "此前已记录" in again.stdout
    assert query(db_file, "SELECT count(*) FROM receipt") == [(1,)]


def test_receive_monthly_document_infers_the_month(cli, db_file):
    result = cli("receive", "典型案例", "--unit", "公安局", "--on", "2018-09-03")
    assert result.exit_code == 0
    assert "推断为 2018-08" in result.stdout and "迟报 3 天" in result.stdout
    assert query(db_file, "SELECT item, month FROM receipt") == [("典型案例", "2018-08")]


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("receive", "月报表", "--unit", "归义镇"), "qzfsg import"),
        (("receive", "实施方案", "--unit", "恒达物流"), "不是登记的填报单位"),
        (("receive", "安全许可", "--unit", "归义镇"), "日历中没有“安全许可”"),
        (("receive", "实施方案", "--unit", "归义镇", "--on", "6月9日"), "无法识别"),
        (("receive", "年度监管执法计划", "--unit", "归义镇"), "只要求部门报送"),
        (("receive", "实施方案", "--unit", "归义镇", "--file", "none.docx"), "找不到文件"),
    ],
)
def test_receive_bad_input(cli, db_file, args, words):
    result = cli(*args)
    assert result.exit_code == 2
    assert words in result.stderr
    assert query(db_file, "SELECT count(*) FROM receipt") == [(0,)]


# --------------------------------------------------------------------------- overdue
def test_overdue_json_shape(cli, returns, tmp_path):
    form = liaison_form(
        tmp_path / "附件2.xlsx",
        [["李四", "站长", "13874078691", "", ""]],
        unit_line="填报单位（盖章）：新市镇",
    )
    assert cli("liaisons", "import", str(form), "--received", "2018-06-07").exit_code == 0
    result = cli(
        "overdue", "--month", "2018-08", "--as-of", "2018-09-10", "--item", "月报表", "--json"
    )
    assert result.exit_code == 0
    report = json.loads(result.stdout)
    assert set(report) == {"as_of", "items"} and report["as_of"] == "2018-09-10"
    assert all(set(item) == OVERDUE_KEYS for item in report["items"])
    items = {i["unit"]: i for i in report["items"]}
    assert "归义镇" not in items
    assert items["新市镇"] == {
        "unit": "新市镇",
        "kind": "town",
        "item": "月报表",
        "month": "2018-08",
        "due": "2018-08-31",
        "status": "late",
        "days_late": 3,
        "received": "2018-09-03T12:00:00",
        "liaison": {"name": "李四", "mobile": "13874078691"},
    }
    assert items["汨罗镇"]["status"] == "missing" and items["汨罗镇"]["days_late"] == 10
    assert items["汨罗镇"]["liaison"] is None
    assert report["items"][-1]["unit"] == "新市镇"  # missing first, late last
    departments = json.loads(
        cli("overdue", "--as-of", "2018-09-10", "--kind", "department", "--json").stdout
    )
    assert {i["kind"] for i in departments["items"]} == {"department"}


def test_overdue_table_colours_and_rejected_note(cli, returns):
    result = cli("overdue", "--month", "2018-08", "--as-of", "2018-09-10", "--item", "月报表")
    assert result.exit_code == 0  # a list of late units is an answer, not an error
    out = result.stdout
    assert "未报 " in out and "迟报 1 项" in out
    assert "已收到但无法读取或未通过审核" in out and "迟报 3 天" in out
    assert out.index("汨罗镇") < out.index("新市镇")


def test_overdue_nothing_due(cli):
    result = cli("overdue", "--as-of", "2018-05-01")
    assert result.exit_code == 0 and "均已按时报送" in result.stdout
    assert json.loads(cli("overdue", "--as-of", "2018-05-01", "--json").stdout) == {
        "as_of": "2018-05-01",
        "items": [],
    }


def test_overdue_messages(cli, returns):
    result = cli(
        "overdue", "--month", "2018-08", "--as-of", "2018-09-10", "--item", "月报表", "--message"
    )
    assert result.exit_code == 0
    out = result.stdout
    assert "【催报】汨罗镇：截至2018年9月10日，你单位以下材料尚未报送" in out
    assert "无法读取或未通过审核，已退回" in out
    assert "【逾期提醒】新市镇" in out
    assert "【催报通报】" in out and "汨罗镇（2018年8月月报表）" in out
    data = json.loads(
        cli(
            "overdue",
            "--month",
            "2018-08",
            "--as-of",
            "2018-09-10",
            "--item",
            "月报表",
            "--message",
            "--json",
        ).stdout
    )
    assert set(data) == {"as_of", "items", "messages"}
    assert set(data["messages"]) == {"units", "group"}
    assert data["messages"]["units"][0]["unit"] == "汨罗镇"
    assert set(data["messages"]["units"][0]) == {"unit", "liaison", "mobile", "text"}


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("overdue", "--month", "八月"), "月份“八月”无法识别"),
        (("overdue", "--as-of", "2018/09/10"), "日期“2018/09/10”无法识别"),
        (("overdue", "--item", "表"), "可能指"),
        (("status", "--from", "2018-09", "--to", "2018-08"), "晚于"),
        (("status", "--from", "2018-9x"), "无法识别"),
        (("status", "--as-of", "tomorrow"), "无法识别"),
    ],
)
def test_bad_input_is_a_usage_error(cli, args, words):
    result = cli(*args)
    assert result.exit_code == 2
    assert words in result.stderr


def test_bad_kind_is_a_usage_error(cli):
    assert cli("overdue", "--kind", "village").exit_code == 2
    assert cli("status", "--kind", "village").exit_code == 2


def test_missing_database_is_a_usage_error(cli, tmp_path):
    result = cli("overdue", db=tmp_path / "none.db")
    assert result.exit_code == 2 and "qzfsg init" in result.stderr


# --------------------------------------------------------------------------- status
def test_status_json_shape(cli, returns):
    result = cli(
        "status", "--from", "2018-07", "--to", "2018-08", "--as-of", "2018-09-10", "--json"
    )
    assert result.exit_code == 0
    board = json.loads(result.stdout)
    assert set(board) == {
        "as_of",
        "from_month",
        "to_month",
        "kind",
        "months",
        "repeat_offenders",
        "units",
    }
    assert [set(m) for m in board["months"]] == [MONTH_KEYS, MONTH_KEYS]
    august = board["months"][1]
    assert (august["expected"], august["reported"], august["on_time"], august["late"]) == (
        34,
        2,
        1,
        1,
    )
    assert (august["missing"], august["rejected_waiting"]) == (32, 1)
    assert august["reporting_rate"] == 0.0588 and august["on_time_rate"] == 0.0294
    units = {u["unit"]: u for u in board["units"]}
    assert set(units["归义镇"]) == {"unit", "kind", "longest_run", "repeat_offender", "cells"}
    assert set(units["归义镇"]["cells"]["2018-08"]) == CELL_KEYS
    assert units["新市镇"]["cells"]["2018-08"] == {
        "status": "late",
        "days_late": 3,
        "received": "2018-09-03",
        "zero": False,
        "rejected_waiting": False,
    }
    assert units["汨罗镇"]["cells"]["2018-08"]["rejected_waiting"] is True
    assert units["新市镇"]["repeat_offender"] is True  # July missing, August late
    assert units["归义镇"]["repeat_offender"] is False
    assert "新市镇" in board["repeat_offenders"] and "归义镇" not in board["repeat_offenders"]


def test_status_table_marks(cli, returns):
    result = cli(
        "status", "--from", "2018-08", "--to", "2018-08", "--as-of", "2018-09-10", "--kind", "town"
    )
    assert result.exit_code == 0
    out = result.stdout
    lines = {line.split("│")[1].strip(): line for line in out.splitlines() if line.startswith("│")}
    assert "✔" in lines["归义镇"]
    assert "⚠3" in lines["新市镇"]
    assert "✖" in lines["汨罗镇"]
    assert "·" in lines["古培镇"]
    assert "报送率" in out and "13.3%" in out  # 2 of 15 towns reported
    assert "市公安局" not in out


def test_status_shows_a_rejection_before_the_due_date(cli, returns):
    """A return rejected on 29 August shows ✖ that day, not only once August is over."""
    args = ("status", "--from", "2018-08", "--to", "2018-08", "--as-of", "2018-08-29")
    out = cli(*args, "--kind", "town").stdout
    lines = {line.split("│")[1].strip(): line for line in out.splitlines() if line.startswith("│")}
    assert "✖" in lines["汨罗镇"] and "…" in lines["古培镇"]
    board = json.loads(cli(*args, "--json").stdout)
    august = board["months"][0]
    assert (august["pending"], august["rejected_waiting"]) == (34, 1)
    units = {u["unit"]: u for u in board["units"]}
    assert units["汨罗镇"]["cells"]["2018-08"]["status"] == "pending"
    assert units["汨罗镇"]["cells"]["2018-08"]["rejected_waiting"] is True


# --------------------------------------------------------------------------- escaping
def test_markup_in_names_is_shown_literally(cli, db_file, tmp_path):
    assert cli("units", "add", "[bold]新区", "--kind", "town", "--from", "2018-05").exit_code == 0
    assert cli("deadlines", "add", "[red]台账[/red]", "--due", "2018-07-01").exit_code == 0
    assert "[red]台账[/red]" in cli("deadlines", "list").stdout
    form = liaison_form(
        tmp_path / "附件2.xlsx",
        [["[blue]王五", "干事", "13900000000", "", ""]],
        unit_line="填报单位（盖章）：[bold]新区",
    )
    assert cli("liaisons", "import", str(form), "--received", "2018-06-07").exit_code == 0
    out = cli("overdue", "--as-of", "2018-07-05", "--message").stdout
    assert "[bold]新区" in out and "[red]台账[/red]" in out and "[blue]王五" in out
    assert "[bold]新区" in cli("status", "--as-of", "2018-07-05").stdout
    received = cli("receive", "[red]台账[/red]", "--unit", "[bold]新区", "--on", "2018-06-30")
    assert received.exit_code == 0 and "[bold]新区 [red]台账[/red]" in received.stdout


@pytest.mark.parametrize(
    "command",
    [
        ("deadlines", "list"),
        ("deadlines", "add"),
        ("deadlines", "set"),
        ("deadlines", "remove"),
        ("deadlines", "shift"),
        ("receive",),
        ("overdue",),
        ("status",),
    ],
)
def test_help_is_chinese_with_an_example(cli, command):
    result = cli(*command, "--help", db=None)
    assert result.exit_code == 0
    assert "示例：" in result.stdout and "显示本帮助并退出" in result.stdout
