"""`qzfsg report`: the city's consolidated 附件1, on screen, as JSON and as a workbook."""

from __future__ import annotations

import json
import zipfile
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from qzfsg.cli import app
from qzfsg.consolidation import breakdown, consolidate, explain_consistency, months_text
from qzfsg.importer import Importer
from qzfsg.months import Month
from qzfsg.reading.form import read_return
from qzfsg.registry import add_unit
from qzfsg.storage.archive import archive_for
from qzfsg.workbooks import write_report
from tests.conftest import EXPECTED
from tests.factories import CODES, INDICATORS, make_return
from tests.office import needs_soffice, pdf_pages, soffice_convert
from tests.test_samples import LABELS

FILED = date(2018, 10, 8)


def run(db: Path, *args: str):
    result = CliRunner().invoke(app, [*args, "--db", str(db)], catch_exceptions=False)
    return result


def expected_totals(month: str) -> dict[str, dict[str, Decimal]]:
    return {
        LABELS[label]: {"month": Decimal(str(m)), "cumulative": Decimal(str(c))}
        for label, (m, c) in EXPECTED["months"][month]["totals"].items()
    }


# --------------------------------------------------------------------------- the samples


@pytest.mark.parametrize("month", ["2018-08", "2018-09"])
def test_sample_totals_match_expected(samples_db, month):
    result = run(samples_db, "report", "--month", month, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout, parse_float=Decimal)
    assert {"month", "units_expected", "units_reported", "missing", "totals"} <= set(data)
    assert data["month"] == month
    assert data["totals"] == expected_totals(month)
    assert data["missing"] == EXPECTED["months"][month]["missing"]
    assert data["units_reported"] == len(EXPECTED["months"][month]["accepted_units"])
    assert data["units_expected"] == data["units_reported"] + len(data["missing"])


def test_sample_cumulative_note_names_the_missing_months(samples_db):
    from qzfsg.storage.db import open_database, session_for

    with session_for(open_database(samples_db)) as session:
        city = consolidate(session, Month(2018, 9))
    check = city.consistency
    assert not check.consistent
    assert {g.unit for g in check.gaps} == set(EXPECTED["months"]["2018-09"]["accepted_units"])
    assert {g.reason for g in check.gaps} == {"earlier_missing"}
    assert {tuple(g.months) for g in check.gaps} == {("2018-05", "2018-06", "2018-07")}
    # The gaps account for the whole difference, indicator by indicator.
    for code in CODES:
        share = sum((g.difference.get(code, Decimal(0)) for g in check.gaps), Decimal(0))
        assert city.totals[code].cumulative - check.sum_of_months[code] == share
    assert "2018年5月至7月" in "".join(explain_consistency(city))


def test_sample_report_on_screen(samples_db):
    result = run(samples_db, "report", "--month", "2018-09")
    assert result.exit_code == 0, result.output
    for word in ("经济处罚", "10.25", "应报 34 个单位，已报 8 个", "未报单位", "市地方海事处"):
        assert word in result.output
    assert "不一致" in result.output


def test_sample_export_reads_back_as_a_return(samples_db, tmp_path):
    target = tmp_path / "汇总.xlsx"
    result = run(
        samples_db, "report", "--month", "2018-09", "--export", str(target), "--filed", "2018-10-08"
    )
    assert result.exit_code == 0, result.output
    assert "已导出" in result.output
    form = read_return(target, INDICATORS)
    assert form.sheet == "月报表" and not form.missing
    assert form.unit_text == "汨罗市安委办"
    assert form.month_field == "2018年9月"
    got = {
        code: {"month": Decimal(str(r.month.value)), "cumulative": Decimal(str(r.cumulative.value))}
        for code, r in form.rows.items()
    }
    assert got == expected_totals("2018-09")


# --------------------------------------------------------------------------- the workbook


def exported(session, tmp_path, month=Month(2018, 9)):
    city = consolidate(session, month)
    path = write_report(city, breakdown(session, month), tmp_path / "report.xlsx", FILED)
    return city, openpyxl.load_workbook(path)


def test_export_layout_and_print_setup(samples_db, tmp_path):
    from qzfsg.storage.db import open_database, session_for

    with session_for(open_database(samples_db)) as session:
        _, workbook = exported(session, tmp_path)
    assert workbook.sheetnames == ["月报表", "分单位明细"]
    form = workbook["月报表"]
    assert form["A1"].value == "安全监管“强执法防事故”行动情况月报表"
    assert form["A2"].value == "填报单位（盖章）：汨罗市安委办"
    assert form["C2"].value == "填报时间：2018年10月8日"
    assert [form.cell(4, c).value for c in range(1, 5)] == ["项   目", "单位", "本月数", "累计数"]
    assert form["A16"].value.startswith("注：1. 本表每月月底前向市安委办报送")
    assert "2. 典型案例情况另附材料一月一报" in form["A16"].value
    for row in range(4, 16):
        for column in range(1, 5):
            border = form.cell(row, column).border
            assert border.left.style == border.right.style == border.top.style == "thin"
    assert form["C9"].number_format == "0.00##" and form["C5"].number_format == "0"
    assert form.column_dimensions["A"].width >= 40
    assert str(form.page_setup.paperSize) == form.PAPERSIZE_A4
    assert form.page_setup.orientation == "portrait"
    assert form.sheet_properties.pageSetUpPr.fitToPage
    assert (form.page_setup.fitToWidth, form.page_setup.fitToHeight) == (1, 1)
    detail = workbook["分单位明细"]
    assert detail.page_setup.orientation == "landscape"
    assert detail.print_title_rows == "$3:$4"


def test_breakdown_subtotals(samples_db, tmp_path):
    from qzfsg.storage.db import open_database, session_for

    with session_for(open_database(samples_db)) as session:
        city, workbook = exported(session, tmp_path)
    sheet = workbook["分单位明细"]
    rows = {sheet.cell(r, 1).value: r for r in range(5, sheet.max_row + 1)}
    towns, departments, total = rows["镇（园区）小计"], rows["部门小计"], rows["全市合计"]
    assert towns < departments < total
    for k, code in enumerate(CODES):
        for offset, column in enumerate(("month", "cumulative")):
            col = 4 + 2 * k + offset
            value = {r: Decimal(str(sheet.cell(r, col).value or 0)) for r in range(5, total + 1)}
            assert value[towns] == sum(value[r] for r in range(5, towns))
            assert value[departments] == sum(value[r] for r in range(towns + 1, departments))
            assert value[total] == value[towns] + value[departments]
            assert value[total] == getattr(city.totals[code], column)
    statuses = [sheet.cell(r, 3).value for r in range(5, departments) if r != towns]
    assert statuses.count("已报") == 8 and statuses.count("未报") == 26


def test_text_from_outside_never_becomes_a_formula(session, tmp_path):
    for name in ('=HYPERLINK("http://x","点我")', "+1+1", "-2+3", "@SUM(A1)"):
        add_unit(session, name, "town")
    session.commit()
    month = Month(2018, 6)
    path = write_report(
        consolidate(session, month), breakdown(session, month), tmp_path / "r.xlsx", FILED
    )
    with zipfile.ZipFile(path) as archive:
        xml = "".join(
            archive.read(n).decode() for n in archive.namelist() if n.startswith("xl/worksheets/")
        )
    assert "<f>" not in xml and "<f " not in xml
    sheet = openpyxl.load_workbook(path)["分单位明细"]
    names = {sheet.cell(r, 1).value for r in range(1, sheet.max_row + 1)}
    assert {'=HYPERLINK("http://x","点我")', "+1+1", "-2+3", "@SUM(A1)"} <= names
    for row in range(1, sheet.max_row + 1):
        cell = sheet.cell(row, 1)
        if isinstance(cell.value, str) and cell.value[0] in "=+-@":
            assert cell.data_type == "s" and cell.quotePrefix


# --------------------------------------------------------------------------- the 累计 check


def accept(session, db_file, tmp_path, unit, month, values, received):
    importer = Importer(session, archive_for(db_file), today=date(2018, 12, 31))
    path = make_return(
        tmp_path,
        values,
        name=f"{unit}{month}.xlsx",
        unit=unit,
        filed=None,
        month_field=Month.parse(month).label,
    )
    outcome = importer.import_file(path, received)
    assert outcome.status == "imported", outcome.findings
    session.commit()


def steady(month_value: int, cumulative: int) -> dict[str, tuple[Decimal, Decimal]]:
    """A return with activities and inspected = month_value, officers doubled, rest 0."""
    values = {code: (Decimal(0), Decimal(0)) for code in CODES}
    for code, factor in (("activities", 1), ("inspected", 1), ("officers", 2)):
        values[code] = (Decimal(factor * month_value), Decimal(factor * cumulative))
    return values


def test_consistent_when_every_unit_reports_every_month(session, db_file, tmp_path):
    accept(session, db_file, tmp_path, "归义镇", "2018-05", steady(2, 2), datetime(2018, 5, 30))
    accept(session, db_file, tmp_path, "归义镇", "2018-06", steady(3, 5), datetime(2018, 6, 28))
    city = consolidate(session, Month(2018, 6))
    assert city.consistency.consistent
    assert city.totals["activities"].cumulative == 5
    assert city.consistency.sum_of_months["activities"] == 5
    assert explain_consistency(city) == [
        "全市累计数等于2018年5月至6月各月本月数之和，各单位各月报表衔接一致。"
    ]


def test_unit_missing_this_month_is_explained(session, db_file, tmp_path):
    accept(session, db_file, tmp_path, "归义镇", "2018-05", steady(2, 2), datetime(2018, 5, 30))
    accept(session, db_file, tmp_path, "新市镇", "2018-05", steady(1, 1), datetime(2018, 5, 30))
    accept(session, db_file, tmp_path, "归义镇", "2018-06", steady(3, 5), datetime(2018, 6, 28))
    city = consolidate(session, Month(2018, 6))
    (gap,) = city.consistency.gaps
    assert (gap.unit, gap.reason, gap.months) == ("新市镇", "month_missing", ["2018-05"])
    assert gap.difference["activities"] == -1
    assert city.missing[:2] == ["新市镇", "汨罗镇"]
    text = "".join(explain_consistency(city))
    assert "新市镇" in text and "本月没有报表" in text


def test_unit_that_skipped_a_month_is_explained(session, db_file, tmp_path):
    accept(session, db_file, tmp_path, "归义镇", "2018-05", steady(2, 2), datetime(2018, 5, 30))
    accept(session, db_file, tmp_path, "归义镇", "2018-07", steady(3, 9), datetime(2018, 7, 30))
    city = consolidate(session, Month(2018, 7))
    (gap,) = city.consistency.gaps
    assert (gap.reason, gap.months) == ("earlier_missing", ["2018-06"])
    assert gap.difference["activities"] == 4  # 9 − (2 + 3): June's 4 are not on file


def test_months_text():
    assert months_text(["2018-05", "2018-06", "2018-07"]) == "2018年5月至7月"
    assert months_text(["2018-05", "2018-06", "2018-09"]) == "2018年5月、6月、9月"
    assert months_text(["2018-08"]) == "2018年8月"


def test_empty_database_reports_everyone_missing(cli):
    result = cli("report", "--month", "2018-06", "--json")
    data = json.loads(result.stdout)
    assert (data["units_expected"], data["units_reported"], len(data["missing"])) == (34, 0, 34)
    assert data["totals"]["fines"] == {"month": 0, "cumulative": 0}


@pytest.mark.parametrize(
    "args",
    [
        ("--month", "2018-13"),
        ("--month", "2018-06", "--export", "out.csv"),
        ("--month", "2018-06", "--filed", "yesterday"),
    ],
)
def test_usage_errors(cli, tmp_path, args, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = cli("report", *args)
    assert result.exit_code == 2
    assert not (tmp_path / "out.csv").exists()


@pytest.mark.parametrize("month", ["2018-04", "2019-03"])
def test_a_month_outside_the_campaign_is_refused_as_rank_refuses_it(cli, tmp_path, month):
    target = tmp_path / "汇总.xlsx"
    report = cli("report", "--month", month, "--export", str(target))
    rank = cli("rank", "--month", month)
    assert report.exit_code == rank.exit_code == 2
    assert "不在本次行动期内（2018年5月至2018年12月）" in report.stderr
    assert report.stderr.split("，没有")[0] == rank.stderr.split("，没有")[0]
    assert not target.exists()


# --------------------------------------------------------------------------- LibreOffice


@needs_soffice
def test_export_opens_in_libreoffice_on_two_pages(samples_db, tmp_path):
    """LibreOffice opens the export without complaint and prints the return on one A4 page
    and the breakdown on one landscape page."""
    target = tmp_path / "汇总.xlsx"
    assert run(samples_db, "report", "--month", "2018-09", "--export", str(target)).exit_code == 0
    pdf = soffice_convert(target, tmp_path, "pdf")
    assert pdf_pages(pdf) == 2


@pytest.mark.parametrize(
    ("args", "name"),
    [
        (("report", "--month", "2018-06", "--export"), "汇总.xlsx"),
        (("bulletin", "--month", "2018-06", "--as-of", "2018-07-10", "--export"), "通报.xlsx"),
        (("template", "--month", "2018-07", "--unit", "归义镇", "--out"), None),
    ],
)
def test_an_existing_file_is_refused_unless_forced(cli, tmp_path, args, name):
    target = tmp_path / name if name else tmp_path
    existing = target if name else tmp_path / "归义镇-2018年7月-月报表.xlsx"
    existing.write_bytes(b"last month's file")
    result = cli(*args, str(target))
    assert result.exit_code == 2
    assert "已存在，未作改动" in result.stderr and "--force" in result.stderr
    assert existing.read_bytes() == b"last month's file"
    assert cli(*args, str(target), "--force").exit_code == 0
    assert existing.read_bytes().startswith(b"PK")  # now the workbook


def test_report_and_template_say_which_returns_are_still_under_review(cli, tmp_path):
    """A June return accepted with a warning (too few officers) counts in the totals, and
    report and the July template say so until the clerk deals with it."""
    few_officers = {"officers": ("5", "24")}
    path = make_return(tmp_path, few_officers, unit="新市镇")
    imported = json.loads(cli("import", str(path), "--received", "2018-06-28", "--json").stdout)
    assert imported[0]["status"] == "imported"
    assert "few_officers" in {f["code"] for f in imported[0]["findings"]}
    review = json.loads(cli("report", "--month", "2018-06", "--json").stdout)["under_review"]
    assert review == [{"unit": "新市镇", "months": ["2018-06"]}]
    assert "新市镇（2018年6月）" in cli("report", "--month", "2018-06").stdout
    july = ("template", "--month", "2018-07", "--unit", "新市镇", "--out", str(tmp_path / "t"))
    [item] = json.loads(cli(*july, "--json").stdout)
    assert item["previous_under_review"] is True
    sheet = openpyxl.load_workbook(item["file"]).active
    notes = [c.value for row in sheet.iter_rows() for c in row if isinstance(c.value, str)]
    assert any("尚有需要核实的问题" in note for note in notes)
    [listed] = json.loads(cli("findings", "--json").stdout)
    assert cli("dismiss", str(listed["id"]), "--note", "已电话核实").exit_code == 0
    assert json.loads(cli("report", "--month", "2018-06", "--json").stdout)["under_review"] == []
    [item] = json.loads(cli(*july, "--force", "--json").stdout)
    assert item["previous_under_review"] is False
