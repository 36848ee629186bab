"""Timeliness: who sent the return and the documents on time, late, or not at all.

The acceptance test imports data/samples in order with their received dates and checks
`overdue` and `status` against expected.json; the other tests build submissions directly
(`submit`), since only their unit, month, times, status and zero flag matter here.
"""

import json
from datetime import date, datetime

import pytest
from typer.testing import CliRunner

from qzfsg.cli import app
from qzfsg.errors import QzfsgError
from qzfsg.months import Month
from qzfsg.registry import add_unit, deactivate_unit
from qzfsg.storage.archive import FolderArchive
from qzfsg.timeliness.arrivals import return_timeliness
from qzfsg.timeliness.board import status_board
from qzfsg.timeliness.deadlines import add_deadline, set_shift_to_workday
from qzfsg.timeliness.overdue import list_overdue
from qzfsg.timeliness.receipts import record_receipt
from tests.conftest import EXPECTED
from tests.factories import CODES, store_return

AFTER = "2018-10-15"  # well after both sample months' deadlines
AUGUST = Month(2018, 8)


def when(text: str) -> datetime:
    """`2018-08-30` (noon, as the importer assumes for a bare date) or a full time."""
    return datetime.fromisoformat(text if "T" in text else f"{text}T12:00")


def submit(session, unit, month, received, status="accepted", zero=False):
    """A return of 1s (or a zero return, with its all_zero finding), committed."""
    row = store_return(
        session, unit, month, when(received), dict.fromkeys(CODES, 0 if zero else 1),
        status=status, finding_codes=("all_zero",) if zero else (),
    )  # fmt: skip
    session.commit()
    return row


def overdue(session, as_of, **options):
    return {
        (i.unit, i.item, i.month): (i.status, i.days_late)
        for i in list_overdue(session, date.fromisoformat(as_of), **options).items
    }


def cells(session, as_of, first="2018-08", last="2018-09", kind=None):
    board = status_board(
        session, Month.parse(first), Month.parse(last), date.fromisoformat(as_of), kind
    )
    return {row.unit: row for row in board.units}, board


# --------------------------------------------------------------------------- acceptance


def run_json(db, *args):
    result = CliRunner().invoke(app, [*args, "--json", "--db", str(db)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.mark.parametrize("month", sorted(EXPECTED["months"]))
def test_overdue_month_gives_expected_missing_and_late(samples_db, month):
    expected = EXPECTED["months"][month]
    listed = run_json(samples_db, "overdue", "--month", month, "--as-of", AFTER)
    assert listed["as_of"] == AFTER
    returns = [i for i in listed["items"] if i["item"] == "月报表"]
    assert [i["unit"] for i in returns if i["status"] == "missing"] == expected["missing"]
    late = [i for i in returns if i["status"] == "late"]
    assert [i["unit"] for i in late] == expected["late"]
    assert {i["unit"]: i["days_late"] for i in late} == expected["late_days"]
    assert all(i["due"] == expected["due"] and i["month"] == month for i in returns)
    # --item gives the same returns, and nothing else
    only = run_json(samples_db, "overdue", "--month", month, "--as-of", AFTER, "--item", "月报表")
    assert only["items"] == returns


def test_status_gives_expected_missing_and_late(samples_db):
    board = run_json(samples_db, "status", "--from", "2018-08", "--to", "2018-09", "--as-of", AFTER)
    for month, expected in EXPECTED["months"].items():
        states = {u["unit"]: u["cells"][month] for u in board["units"]}
        assert [u for u, c in states.items() if c["status"] == "missing"] == expected["missing"]
        late = {u: c["days_late"] for u, c in states.items() if c["status"] == "late"}
        assert list(late) == expected["late"]
        assert late == expected["late_days"]
        reported = [u for u, c in states.items() if c["status"] in ("on_time", "late")]
        assert sorted(reported) == sorted(expected["accepted_units"])
        summary = next(m for m in board["months"] if m["month"] == month)
        assert summary["expected"] == len(states)
        assert summary["reported"] == len(expected["accepted_units"])
        assert summary["missing"] == len(expected["missing"])
        assert summary["due"] == expected["due"]


def test_samples_rejected_zero_and_corrected(samples_db):
    board = run_json(samples_db, "status", "--from", "2018-08", "--to", "2018-09", "--as-of", AFTER)
    units = {u["unit"]: u for u in board["units"]}
    # rejected and never corrected: missing, a rejected return waits
    assert units["市工业和信息化局"]["cells"]["2018-08"]["rejected_waiting"] is True
    assert units["市文化旅游广电体育局"]["cells"]["2018-08"]["status"] == "missing"
    # rejected on 09-25, corrected on 09-28: on time from the accepted one
    farming = units["市农业农村局"]["cells"]["2018-09"]
    assert (farming["status"], farming["received"]) == ("on_time", "2018-09-28")
    # every 本月数 0 (the all_zero finding of the import)
    assert units["市地方海事处"]["cells"]["2018-08"]["zero"] is True
    assert units["川山坪镇"]["cells"]["2018-08"]["zero"] is False
    assert units["归义镇"]["repeat_offender"] is True
    assert units["弼时镇"]["repeat_offender"] is False  # late once, then on time
    assert board["months"][0]["rejected_waiting"] == 2


def test_return_timeliness_on_samples(samples_db):
    from qzfsg.storage.db import open_database, session_for

    with session_for(open_database(samples_db)) as session:
        found = return_timeliness(session, Month(2018, 8), date(2018, 10, 15))
        towns = return_timeliness(session, Month(2018, 8), date(2018, 10, 15), kind="town")
        outside = return_timeliness(session, Month(2018, 4), date(2018, 10, 15))
    assert len(found) == 34 and found[0].unit == "归义镇"
    by_unit = {s.unit: s for s in found}
    assert by_unit["弼时镇"].status == "late" and by_unit["弼时镇"].days_late == 3
    assert by_unit["弼时镇"].received == datetime(2018, 9, 3, 12)
    assert by_unit["市工业和信息化局"].rejected_waiting
    assert by_unit["市地方海事处"].zero
    assert by_unit["归义镇"].days_late == 45  # days overdue so far
    assert {s.kind for s in towns} == {"town"} and len(towns) == 15
    assert outside == []  # the 月报表 deadline runs 2018-05 … 2018-12


# --------------------------------------------------------------------------- the clock
def test_a_correction_after_the_deadline_keeps_on_time(session):
    submit(session, "归义镇", "2018-08", "2018-08-30")
    submit(session, "归义镇", "2018-08", "2018-09-06")  # corrected version, late
    [status] = [
        s
        for s in return_timeliness(session, Month(2018, 8), date(2018, 10, 1))
        if s.unit == "归义镇"
    ]
    assert (status.status, status.received) == ("on_time", when("2018-08-30"))
    assert ("归义镇", "月报表", "2018-08") not in overdue(session, "2018-10-01")


def test_a_rejected_return_does_not_stop_the_clock(session):
    submit(session, "新市镇", "2018-08", "2018-08-29", status="rejected")
    assert overdue(session, "2018-09-02")[("新市镇", "月报表", "2018-08")] == ("missing", 2)
    report = list_overdue(session, date(2018, 9, 2), item="月报表")
    [item] = [i for i in report.items if i.unit == "新市镇" and i.month == "2018-08"]
    assert item.rejected_waiting
    submit(session, "新市镇", "2018-08", "2018-09-04")
    assert overdue(session, "2018-09-10")[("新市镇", "月报表", "2018-08")] == ("late", 4)


def test_as_of_before_and_after_the_deadline(session):
    submit(session, "归义镇", "2018-08", "2018-09-03")
    # on the due day nothing is overdue yet; the board shows it pending
    assert overdue(session, "2018-08-31", month=AUGUST) == {}
    rows, board = cells(session, "2018-08-31", last="2018-08")
    assert rows["归义镇"].cells["2018-08"].status == "pending"
    assert board.months[0].pending == 34
    # the day after, everyone is missing by one day
    assert overdue(session, "2018-09-01", month=AUGUST)[("归义镇", "月报表", "2018-08")] == (
        "missing",
        1,
    )
    # a return that arrives after the as-of date is not counted yet
    assert overdue(session, "2018-09-02")[("归义镇", "月报表", "2018-08")] == ("missing", 2)
    assert overdue(session, "2018-09-03")[("归义镇", "月报表", "2018-08")] == ("late", 3)
    rows, _ = cells(session, "2018-09-03", last="2018-08")
    assert (rows["归义镇"].cells["2018-08"].status, rows["归义镇"].cells["2018-08"].days_late) == (
        "late",
        3,
    )


def test_overdue_order_missing_first_most_overdue_first(session):
    submit(session, "归义镇", "2018-08", "2018-09-05")
    submit(session, "归义镇", "2018-07", "2018-08-20")
    items = list_overdue(session, date(2018, 9, 10), item="月报表").items
    assert [i.status for i in items] == sorted(
        (i.status for i in items), key=["missing", "late"].index
    )
    missing = [(i.month, i.days_late) for i in items if i.status == "missing"]
    assert missing[0][0] == "2018-05" and missing[-1][0] == "2018-08"
    assert [d for _, d in missing] == sorted((d for _, d in missing), reverse=True)
    late = [(i.unit, i.month, i.days_late) for i in items if i.status == "late"]
    assert late == [("归义镇", "2018-07", 20), ("归义镇", "2018-08", 5)]


def test_holiday_shift_moves_the_deadline(session):
    submit(session, "归义镇", "2018-06", "2018-07-02")  # 06-30 is a Saturday
    assert overdue(session, "2018-07-10", item="月报表")[("归义镇", "月报表", "2018-06")] == (
        "late",
        2,
    )
    set_shift_to_workday(session, True)
    session.commit()
    found = overdue(session, "2018-07-10", item="月报表")
    assert ("归义镇", "月报表", "2018-06") not in found
    assert found[("新市镇", "月报表", "2018-06")] == ("missing", 8)  # due 07-02
    # 2018-09-30 is a Sunday, but a working day (National Day exchange): no shift
    [status] = return_timeliness(session, Month(2018, 9), date(2018, 10, 8))[:1]
    assert status.due == date(2018, 9, 30)
    # on the Monday it is not overdue yet when shifted
    assert overdue(session, "2018-07-02", item="月报表", month=Month(2018, 6)) == {}


# --------------------------------------------------------------------------- who is expected
def test_deactivated_and_added_units(session):
    deactivate_unit(session, "市地方海事处", Month(2018, 9))
    add_unit(session, "市人防办", "department", active_from=Month(2018, 9))
    session.commit()
    found = overdue(session, AFTER)
    assert ("市地方海事处", "月报表", "2018-08") in found
    assert ("市地方海事处", "月报表", "2018-09") not in found
    assert ("市地方海事处", "行动总结", None) not in overdue(session, "2019-01-05")
    assert ("市人防办", "月报表", "2018-09") in found
    assert ("市人防办", "月报表", "2018-08") not in found
    assert ("市人防办", "实施方案", None) not in found  # due in June, before it joined
    rows, board = cells(session, AFTER)
    assert rows["市地方海事处"].cells == {
        "2018-08": rows["市地方海事处"].cells["2018-08"],
        "2018-09": None,
    }
    assert rows["市人防办"].cells["2018-08"] is None
    assert [m.expected for m in board.months] == [34, 34]
    months = {
        s.month: len(return_timeliness(session, Month.parse(s.month), date(2018, 12, 1)))
        for s in board.months
    }
    assert months == {"2018-08": 34, "2018-09": 34}


def test_repeat_lateness(session):
    submit(session, "归义镇", "2018-07", "2018-08-03")  # late
    submit(session, "归义镇", "2018-08", "2018-09-02")  # late
    submit(session, "新市镇", "2018-07", "2018-08-03")  # late
    submit(session, "新市镇", "2018-08", "2018-08-30")  # on time
    submit(session, "新市镇", "2018-09", "2018-10-09")  # late
    for month in ("2018-07", "2018-08", "2018-09"):
        for unit in ("汨罗镇", "古培镇"):
            if (unit, month) != ("古培镇", "2018-08"):
                submit(session, unit, month, f"{month}-20")
    rows, board = cells(session, AFTER, first="2018-07")
    assert (rows["归义镇"].longest_run, rows["归义镇"].repeat_offender) == (3, True)  # Sept missing
    assert (rows["新市镇"].longest_run, rows["新市镇"].repeat_offender) == (1, False)
    assert (rows["古培镇"].longest_run, rows["古培镇"].repeat_offender) == (1, False)
    assert rows["汨罗镇"].longest_run == 0
    assert "归义镇" in [r.unit for r in board.repeat_offenders]
    assert "新市镇" not in [r.unit for r in board.repeat_offenders]


def test_named_unit_deadline(session):
    add_deadline(
        session, "专项整治台账", who="all", units=["归义镇", "公安局"], due=date(2018, 7, 15)
    )
    session.commit()
    found = {k for k in overdue(session, "2018-07-20") if k[1] == "专项整治台账"}
    assert found == {("归义镇", "专项整治台账", None), ("市公安局", "专项整治台账", None)}


def test_board_rates(session):
    submit(session, "归义镇", "2018-08", "2018-08-30")
    submit(session, "新市镇", "2018-08", "2018-09-02")
    submit(session, "汨罗镇", "2018-08", "2018-08-28", zero=True)
    submit(session, "古培镇", "2018-08", "2018-08-20", status="rejected")
    _, board = cells(session, AFTER, last="2018-08", kind="town")
    [month] = board.months
    assert (month.expected, month.reported, month.on_time, month.late, month.missing) == (
        15,
        3,
        2,
        1,
        12,
    )
    assert (month.rejected_waiting, month.zero) == (1, 1)
    assert (month.reporting_rate, month.on_time_rate) == (0.2, 0.1333)


def test_board_months_default_and_errors(session):
    _, board = cells(session, "2018-07-15", first="2018-05", last="2018-07")
    assert [m.month for m in board.months] == ["2018-05", "2018-06", "2018-07"]
    default = status_board(session, as_of=date(2018, 7, 15))
    assert (default.from_month, default.to_month) == ("2018-05", "2018-07")
    later = status_board(session, as_of=date(2020, 1, 1))
    assert later.to_month == "2018-12"
    with pytest.raises(QzfsgError):
        status_board(session, Month(2018, 9), Month(2018, 8), date(2018, 10, 1))
    with pytest.raises(QzfsgError, match="不在行动期"):
        status_board(session, Month(2017, 1), Month(2018, 5), date(2018, 10, 1))
    with pytest.raises(QzfsgError, match="--to 2019-01"):
        status_board(session, Month(2018, 5), Month(2019, 1), date(2018, 10, 1))


# --------------------------------------------------------------------------- documents
def test_one_off_documents(session, tmp_path):
    from qzfsg.liaisons import import_liaisons
    from tests.test_liaisons import liaison_form

    form = liaison_form(tmp_path / "附件2.xlsx", [["李四", "站长", "13874078691", "", ""]])
    import_liaisons(session, form, when("2018-06-07"), FolderArchive(tmp_path / "archive"))
    record_receipt(session, "实施方案", "归义镇", when("2018-06-09"))
    record_receipt(session, "实施方案", "新市镇", when("2018-06-13"))
    record_receipt(session, "年度监管执法计划", "公安局", when("2018-06-18"))
    session.commit()
    found = overdue(session, "2018-06-25")
    assert ("归义镇", "联络员信息表", None) not in found
    assert found[("新市镇", "联络员信息表", None)] == ("missing", 17)
    assert ("归义镇", "实施方案", None) not in found
    assert found[("新市镇", "实施方案", None)] == ("late", 3)
    assert found[("汨罗镇", "实施方案", None)] == ("missing", 15)
    assert ("市公安局", "年度监管执法计划", None) not in found
    assert found[("市教育局", "年度监管执法计划", None)] == ("missing", 5)
    assert not [k for k in found if k[1] == "年度监管执法计划" and k[0].endswith("镇")]
    assert ("归义镇", "行动总结", None) not in found  # not due yet
    report = list_overdue(session, date(2018, 6, 25), item="实施方案")
    assert {i.item for i in report.items} == {"实施方案"}
    liaison = next(
        i.liaison for i in list_overdue(session, date(2018, 6, 25)).items if i.unit == "归义镇"
    )
    assert (liaison.name, liaison.mobile) == ("李四", "13874078691")


def test_monthly_documents(session):
    record_receipt(session, "典型案例", "归义镇", when("2018-08-30"), Month(2018, 8))
    record_receipt(session, "典型案例", "新市镇", when("2018-09-04"))  # inferred: August
    record_receipt(session, "排名通报", "公安局", when("2018-08-31"), Month(2018, 8))
    session.commit()
    found = overdue(session, "2018-09-10", month=Month(2018, 8))
    assert ("归义镇", "典型案例", "2018-08") not in found
    assert found[("新市镇", "典型案例", "2018-08")] == ("late", 4)
    assert found[("汨罗镇", "典型案例", "2018-08")] == ("missing", 10)
    assert ("市公安局", "执法质量评议排名通报", "2018-08") not in found
    assert found[("市教育局", "执法质量评议排名通报", "2018-08")] == ("missing", 10)
    assert not [k for k in found if k[1] == "执法质量评议排名通报" and k[0].endswith("镇")]
    may = overdue(session, "2018-09-10", month=Month(2018, 5))
    assert not [k for k in may if k[1] == "执法质量评议排名通报"]  # from June only
    towns = overdue(session, "2018-09-10", month=Month(2018, 8), kind="town")
    assert towns and {k[0] for k in towns} <= {u.name for u in _towns(session)}


def _towns(session):
    from qzfsg.registry import all_units

    return [u for u in all_units(session) if u.kind == "town"]


def test_record_receipt_rules(session, tmp_path):
    assert Month.filed_for(when("2018-09-15").date()) == Month(2018, 8)
    assert Month.filed_for(when("2018-09-16").date()) == Month(2018, 9)
    with pytest.raises(QzfsgError, match="qzfsg import"):
        record_receipt(session, "月报表", "归义镇", when("2018-08-30"))
    with pytest.raises(QzfsgError, match="部门"):
        record_receipt(session, "年度监管执法计划", "归义镇", when("2018-06-10"))
    with pytest.raises(QzfsgError, match="--month"):
        record_receipt(session, "排名通报", "公安局", when("2018-06-05"))  # inferred May
    with pytest.raises(QzfsgError, match="一次性"):
        record_receipt(session, "实施方案", "归义镇", when("2018-06-05"), Month(2018, 6))
    paper = tmp_path / "方案.docx"
    paper.write_bytes(b"plan")
    first = record_receipt(
        session,
        "实施方案",
        "归义镇",
        when("2018-06-09"),
        None,
        paper,
        FolderArchive(tmp_path / "a"),
    )
    again = record_receipt(
        session,
        "实施方案",
        "归义镇",
        when("2018-07-01"),
        None,
        paper,
        FolderArchive(tmp_path / "a"),
    )
    assert (first.status, first.already_recorded, again.already_recorded) == (
        "on_time",
        False,
        True,
    )
    assert again.received == when("2018-06-09") and first.archived == again.archived
    later = record_receipt(session, "实施方案", "归义镇", when("2018-07-01"))
    assert later.status == "on_time"  # timeliness counts from the first receipt
