"""The import pipeline on quirky returns built in code: placing, versions, duplicates,
transactions, the archive."""

from datetime import date, datetime
from decimal import Decimal

import pytest
from sqlmodel import col, func, select

from qzfsg.importer import Importer
from qzfsg.models import Finding as FindingRow
from qzfsg.models import Submission, Value
from qzfsg.months import Month
from qzfsg.storage.archive import archive_folder, archive_for
from tests.factories import default_values, make_return

JUNE_28 = datetime(2018, 6, 28, 12)


@pytest.fixture
def importer(session, db_file):
    return Importer(session, archive_for(db_file), today=date(2018, 12, 1))


def may_values():
    return {code: (c - m, c - m) for code, (m, c) in default_values().items()}


def codes(outcome):
    return [f.code for f in outcome.findings if f.severity != "info"]


def count(session, model):
    return session.exec(select(func.count()).select_from(model)).one()


def test_clean_return_is_stored_with_its_values(importer, session, tmp_path):
    outcome = importer.import_file(make_return(tmp_path), JUNE_28)
    assert (outcome.status, outcome.unit, outcome.month, outcome.version) == (
        "imported",
        "归义镇",
        "2018-06",
        1,
    )
    assert codes(outcome) == []
    stored = dict(session.exec(select(Value.indicator_code, Value.cumulative_value)).all())
    assert stored["fines"] == Decimal("0.6") and stored["inspected"] == Decimal(41)


@pytest.mark.parametrize(
    "quirks",
    [
        {"shift": (3, 2)},
        {"swap_columns": True},
        {"order": list(reversed(default_values()))},
        {"extra_sheet_first": True},
        {"spacer": True},
        {"hidden": ["cases", "fines"]},
        {"fmt": "xls", "name": "r.xls"},
        {"fmt": "ods", "name": "r.ods"},
        {"fmt": "xls", "name": "saved-as-xls-but-named.xlsx"},
        {"labels": {"activities": "组织执法活动", "licences": "暂扣或吊销许可证照"}},
        {"unit": "归义镇（盖章）"},
    ],
    ids=lambda q: ",".join(q),
)
def test_quirky_layouts_import_the_same_values(importer, tmp_path, quirks):
    outcome = importer.import_file(make_return(tmp_path, **quirks), JUNE_28)
    assert outcome.status == "imported", outcome.findings
    assert outcome.values["cases"] == {"month": Decimal(2), "cumulative": Decimal(3)}


def test_unit_from_file_name_is_a_warning(importer, tmp_path):
    outcome = importer.import_file(
        make_return(tmp_path, unit="", name="归义镇6月报表.xlsx"), JUNE_28
    )
    assert outcome.status == "imported" and outcome.unit == "归义镇"
    assert codes(outcome) == ["unit_from_filename"]


def test_a_rejected_file_passes_once_its_unit_is_stated(importer, tmp_path):
    path = make_return(tmp_path, unit="", name="6月报表.xlsx")
    assert codes(importer.import_file(path, JUNE_28)) == ["unit_missing"]
    again = importer.import_file(path, JUNE_28)
    assert again.status == "duplicate"  # the same bytes, rejected for the same reason
    stated = importer.import_file(path, JUNE_28, unit="新市镇")
    assert (stated.status, stated.unit) == ("imported", "新市镇")
    assert importer.import_file(path, JUNE_28, unit="新市镇").status == "duplicate"


def test_a_rejected_file_passes_once_its_unit_is_registered(importer, session, db_file, tmp_path):
    from qzfsg.registry import add_unit

    path = make_return(tmp_path, unit="汨罗市屈原管理区")
    assert codes(importer.import_file(path, JUNE_28)) == ["unknown_unit"]
    add_unit(session, "屈原管理区", "town")
    session.commit()
    later = Importer(session, archive_for(db_file), today=date(2018, 12, 1))
    assert later.import_file(path, JUNE_28).unit == "屈原管理区"


def test_unit_option_against_another_registered_unit_is_rejected(importer, tmp_path):
    outcome = importer.import_file(make_return(tmp_path), JUNE_28, unit="市消防救援大队")
    assert outcome.status == "rejected" and outcome.unit is None  # not counted as theirs
    assert [(f.code, f.cell, f.expected) for f in outcome.findings if f.severity == "error"] == [
        ("unit_conflict", "A2", "市消防救援大队")
    ]
    same = importer.import_file(make_return(tmp_path, name="b.xlsx"), JUNE_28, unit="归义镇")
    assert same.status == "imported"


def test_a_deactivated_units_return_is_taken_with_a_warning(session, db_file, tmp_path):
    from qzfsg.consolidation import consolidate
    from qzfsg.registry import deactivate_unit

    deactivate_unit(session, "归义镇", Month(2018, 6))
    session.commit()
    importer = Importer(session, archive_for(db_file), today=date(2018, 12, 1))
    outcome = importer.import_file(make_return(tmp_path), JUNE_28)
    assert outcome.status == "imported" and codes(outcome) == ["unit_not_expected"]
    city = consolidate(session, Month(2018, 6))
    assert (city.units_expected, city.units_reported, city.unexpected) == (33, 0, ["归义镇"])
    assert city.totals["inspected"].month == 18


def test_unknown_unit_is_rejected_with_its_cell(importer, tmp_path):
    outcome = importer.import_file(make_return(tmp_path, unit="汨罗市恒达物流有限公司"), JUNE_28)
    assert outcome.status == "rejected"
    assert [(f.code, f.cell) for f in outcome.findings if f.severity == "error"] == [
        ("unknown_unit", "A2")
    ]


@pytest.mark.parametrize(
    ("filed", "month_field", "option", "month", "source_code"),
    [
        ("2018年6月28日", None, None, "2018-06", "month_inferred"),
        ("2018年7月3日", None, None, "2018-06", "month_inferred"),
        ("2018年7月16日", "2018年6月", None, "2018-06", None),
        ("2018年6月28日", None, Month(2018, 7), "2018-07", None),
        (date(2018, 6, 20), None, None, "2018-06", "month_inferred"),
    ],
)
def test_month_option_then_field_then_filing_date(
    importer, tmp_path, filed, month_field, option, month, source_code
):
    path = make_return(tmp_path, filed=filed, month_field=month_field)
    outcome = importer.import_file(path, JUNE_28, month=option)
    assert outcome.month == month
    assert (source_code in {f.code for f in outcome.findings}) == (source_code is not None)


@pytest.mark.parametrize(
    ("field", "filed", "month"),
    [("7月", "2018年9月20日", "2018-07"), ("七月份", "2018年9月20日", "2018-07"),
     ("12月", "2019年1月5日", "2018-12"), ("7月", None, "2018-07")],
)  # fmt: skip
def test_a_month_field_without_year_takes_the_filing_year(importer, tmp_path, field, filed, month):
    outcome = importer.import_file(make_return(tmp_path, month_field=field, filed=filed), JUNE_28)
    assert outcome.month == month
    assert "month_inferred" in {f.code for f in outcome.findings}


@pytest.mark.parametrize("field", ["2018年7月1日至31日", "201807", "第三季度"])
def test_an_unreadable_month_field_is_rejected_not_ignored(importer, tmp_path, field):
    outcome = importer.import_file(make_return(tmp_path, month_field=field), JUNE_28)
    assert outcome.status == "rejected"
    [problem] = [f for f in outcome.findings if f.severity == "error"]
    assert (problem.code, problem.cell) == ("month_unknown", "B3")


def test_no_month_anywhere_is_rejected(importer, tmp_path):
    outcome = importer.import_file(make_return(tmp_path, filed=None), JUNE_28)
    assert outcome.status == "rejected" and codes(outcome) == ["month_unknown"]


def test_cumulative_is_checked_against_the_stored_previous_month(importer, tmp_path):
    may = make_return(tmp_path, may_values(), name="may.xlsx", filed="2018年5月30日")
    assert importer.import_file(may, datetime(2018, 5, 30)).status == "imported"
    good = importer.import_file(make_return(tmp_path, name="june.xlsx"), JUNE_28)
    assert good.status == "imported"
    wrong = default_values()
    wrong["cases"] = (Decimal(2), Decimal(2))
    bad = importer.import_file(make_return(tmp_path, wrong, name="june2.xlsx"), JUNE_28)
    assert bad.status == "rejected"
    assert [(f.code, f.cell, f.expected) for f in bad.findings if f.severity == "error"] == [
        ("cum_mismatch", "D7", "3")
    ]


def test_duplicate_changes_nothing(importer, session, tmp_path):
    path = make_return(tmp_path)
    importer.import_file(path, JUNE_28)
    before = (count(session, Submission), count(session, Value))
    copy = tmp_path / "copy (1).xlsx"
    copy.write_bytes(path.read_bytes())
    outcome = importer.import_file(copy, datetime(2018, 6, 29))
    assert outcome.status == "duplicate" and outcome.duplicate_of == "r.xlsx"
    assert (count(session, Submission), count(session, Value)) == before


def test_resubmission_supersedes_and_keeps_history(importer, session, tmp_path):
    from qzfsg.submissions import unit_history

    importer.import_file(make_return(tmp_path, name="v1.xlsx"), JUNE_28)
    corrected = default_values()
    corrected["fines"] = (Decimal("0.85"), Decimal("1.1"))
    second = importer.import_file(
        make_return(tmp_path, corrected, name="v2.xlsx"), datetime(2018, 6, 29)
    )
    assert (second.version, second.replaces_version) == (2, 1)
    current = session.exec(
        select(Submission.source_name).where(col(Submission.superseded).is_(False))
    ).all()
    assert current == ["v2.xlsx"]
    history = unit_history(session, "归义镇", Month(2018, 6))
    assert [(h.file, h.superseded) for h in history] == [("v1.xlsx", True), ("v2.xlsx", False)]
    assert [(c.indicator, c.column, c.before, c.after) for c in history[1].changes] == [
        ("fines", "month", Decimal("0.35"), Decimal("0.85")),
        ("fines", "cumulative", Decimal("0.6"), Decimal("1.1")),
    ]


def test_a_rejected_correction_leaves_the_accepted_version(importer, session, tmp_path):
    importer.import_file(make_return(tmp_path, name="v1.xlsx"), JUNE_28)
    bad = importer.import_file(
        make_return(tmp_path, raw={("cases", "m"): "两起"}, name="v2.xlsx"), JUNE_28
    )
    assert bad.status == "rejected" and codes(bad) == ["not_numeric"]
    assert session.exec(
        select(Submission.source_name).where(Submission.status == "accepted")
    ).all() == ["v1.xlsx"]


def test_resubmitted_earlier_month_rechecks_the_later_one(importer, tmp_path):
    importer.import_file(
        make_return(tmp_path, may_values(), name="may.xlsx", filed="2018年5月30日"),
        datetime(2018, 5, 30),
    )
    importer.import_file(make_return(tmp_path, name="june.xlsx"), JUNE_28)
    fixed_may = may_values()
    fixed_may["cases"] = (Decimal(2), Decimal(2))
    outcome = importer.import_file(
        make_return(tmp_path, fixed_may, name="may2.xlsx", filed="2018年5月30日"),
        datetime(2018, 7, 2),
    )
    assert outcome.status == "imported"
    assert [
        (f.code, f.indicator, f.expected) for f in outcome.findings if f.severity == "warning"
    ] == [("later_month_mismatch", "cases", "4")]


def test_value_notes_are_info_not_warnings(importer, tmp_path):
    raw = {
        ("activities", "m"): "5次",
        ("fines", "c"): "0.6万元",
        ("officers", "m"): "１４",
        ("inspected", "c"): "41",
    }
    outcome = importer.import_file(make_return(tmp_path, raw=raw), JUNE_28)
    assert outcome.status == "imported" and not outcome.flagged
    assert sorted(f.code for f in outcome.findings if f.severity == "info") == [
        "full_width",
        "month_inferred",
        "unit_suffix",
        "unit_suffix",
    ]


@pytest.mark.parametrize("zero", [None, "无", "/", "—", "-", ""])
def test_zero_spellings(importer, tmp_path, zero):
    outcome = importer.import_file(
        make_return(tmp_path, raw={("arrests", "m"): zero, ("arrests", "c"): zero}), JUNE_28
    )
    assert outcome.status == "imported"
    assert outcome.values["arrests"] == {"month": 0, "cumulative": 0}


def test_a_huge_number_is_rejected_and_the_batch_goes_on(importer, session, tmp_path):
    huge = make_return(tmp_path, {**default_values(), "inspected": (10**15, 10**15)}, name="h.xlsx")
    outcome = importer.import_file(huge, JUNE_28)
    assert outcome.status == "rejected" and "too_large" in codes(outcome)
    assert importer.import_file(make_return(tmp_path, name="ok.xlsx"), JUNE_28).status == "imported"


@pytest.mark.parametrize("huge", [10**28, 1e300, -(10**30)])
def test_numbers_beyond_decimal_precision_are_findings_not_crashes(importer, tmp_path, huge):
    outcome = importer.import_file(make_return(tmp_path, raw={("officers", "c"): huge}), JUNE_28)
    assert outcome.status == "rejected"
    assert {"too_large", "negative"} & set(codes(outcome))


def test_month_option_against_the_forms_month_field_is_rejected(importer, tmp_path):
    path = make_return(tmp_path, month_field="2018年6月")
    outcome = importer.import_file(path, JUNE_28, month=Month(2018, 7))
    assert [(f.code, f.cell) for f in outcome.findings if f.severity == "error"] == [
        ("month_conflict", "B3")
    ]
    assert importer.import_file(path, JUNE_28, month=Month(2018, 6)).status == "imported"


def test_cumulative_equal_to_month_without_earlier_months_is_questioned(importer, tmp_path):
    values = {code: (m, m) for code, (m, _) in default_values().items()}
    outcome = importer.import_file(make_return(tmp_path, values), JUNE_28)
    assert outcome.status == "imported" and codes(outcome) == ["cum_equals_month"]
    may = make_return(tmp_path, values, name="may.xlsx", filed="2018年5月30日", unit="新市镇")
    assert codes(importer.import_file(may, datetime(2018, 5, 30))) == []  # the first month


def test_formula_without_cached_value_is_rejected(importer, tmp_path):
    outcome = importer.import_file(
        make_return(tmp_path, formulas={("cases", "c"): "=1+2"}), JUNE_28
    )
    assert [(f.code, f.cell) for f in outcome.findings if f.severity == "error"] == [
        ("formula_no_value", "D7")
    ]


def test_broken_files_are_recorded_as_rejected(importer, session, tmp_path):
    text = tmp_path / "归义镇6月.xlsx"
    text.write_text("这不是表格")
    outcome = importer.import_file(text, JUNE_28)
    assert outcome.status == "rejected" and codes(outcome) == ["unreadable"]
    assert outcome.unit == "归义镇"  # from the file name, so findings can go to the unit
    assert outcome.month == "2018-05"  # its oldest owed month: overdue says it came
    row = session.exec(select(FindingRow.code)).all()
    assert sorted(row) == ["month_owed", "unreadable"]


def test_missing_indicator_row_is_rejected(importer, tmp_path):
    order = [c for c in default_values() if c != "arrests"]
    outcome = importer.import_file(make_return(tmp_path, order=order), JUNE_28)
    assert codes(outcome) == ["missing_indicator"]


def test_dry_run_stores_nothing(session, db_file, tmp_path):
    dry = Importer(session, archive_for(db_file), today=date(2018, 12, 1), dry_run=True)
    outcome = dry.import_file(make_return(tmp_path), JUNE_28)
    assert outcome.status == "checked"
    assert count(session, Submission) == 0
    assert not archive_folder(db_file).exists()


def test_a_failure_mid_file_leaves_nothing_half_written(importer, session, tmp_path, monkeypatch):
    def broken(*args):
        raise OSError("disk full")

    monkeypatch.setattr(importer.writers.finding, "insert_many", broken)
    with pytest.raises(OSError):
        importer.import_file(make_return(tmp_path, unit="", name="归义镇.xlsx"), JUNE_28)
    assert count(session, Submission) == 0 and count(session, Value) == 0


def test_archive_is_named_by_content(importer, session, tmp_path):
    importer.import_file(make_return(tmp_path, name="归义镇 [v1].xlsx"), JUNE_28)
    stored = session.exec(select(Submission.archive_path, Submission.sha256)).one()
    assert stored[0].endswith(f"{stored[1]}.xlsx")
    assert "归义镇" not in stored[0]


def test_a_may_correction_names_every_later_month_it_breaks(importer, tmp_path):
    """June's 累计数 builds on May's and July's on June's: both must be sent again."""
    may = may_values()
    june = default_values()
    july = {code: (m, c + m) for code, (m, c) in june.items()}
    importer.import_file(
        make_return(tmp_path, may, name="may.xlsx", filed="2018年5月30日"), datetime(2018, 5, 30)
    )
    importer.import_file(make_return(tmp_path, june, name="june.xlsx"), JUNE_28)
    importer.import_file(
        make_return(tmp_path, july, name="july.xlsx", filed="2018年7月28日"),
        datetime(2018, 7, 28),
    )
    fixed_may = {**may, "cases": (Decimal(2), Decimal(2))}
    outcome = importer.import_file(
        make_return(tmp_path, fixed_may, name="may2.xlsx", filed="2018年5月30日"),
        datetime(2018, 8, 2),
    )
    [mismatch] = [f for f in outcome.findings if f.code == "later_month_mismatch"]
    assert (mismatch.indicator, mismatch.expected) == ("cases", "4")
    assert "2018年6月" in mismatch.message and "2018年7月" in mismatch.message


def test_a_correction_that_still_adds_up_asks_for_nothing(importer, tmp_path):
    importer.import_file(
        make_return(tmp_path, may_values(), name="may.xlsx", filed="2018年5月30日"),
        datetime(2018, 5, 30),
    )
    importer.import_file(make_return(tmp_path, name="june.xlsx"), JUNE_28)
    outcome = importer.import_file(  # the same figures again, another 填报时间
        make_return(tmp_path, may_values(), name="may2.xlsx", filed="2018年5月29日"),
        datetime(2018, 6, 29),
    )
    assert [f for f in outcome.findings if f.code == "later_month_mismatch"] == []
