"""`qzfsg bulletin`: the 通报 workbook (league tables with charts, late units, totals)."""

from __future__ import annotations

import json
import re
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from qzfsg.registry import add_unit
from tests.conftest import EXPECTED
from tests.office import needs_soffice, pdf_pages, soffice_convert
from tests.test_report import expected_totals, run

AS_OF = "2018-10-08"
SHEETS = ["镇排名", "部门排名", "迟报未报", "全市汇总"]


def export(db: Path, target: Path, *period: str):
    result = run(db, "bulletin", *period, "--export", str(target), "--as-of", AS_OF)
    assert result.exit_code == 0, result.output
    return openpyxl.load_workbook(target)


def sheet_xml(path: Path) -> dict[str, str]:
    with zipfile.ZipFile(path) as archive:
        return {n: archive.read(n).decode() for n in archive.namelist() if n.endswith(".xml")}


@pytest.fixture(scope="module")
def september(samples_db, tmp_path_factory):
    target = tmp_path_factory.mktemp("bulletin") / "9月通报.xlsx"
    workbook = export(samples_db, target, "--month", "2018-09")
    ranking = json.loads(run(samples_db, "rank", "--month", "2018-09", "--json").stdout)
    return target, workbook, ranking


def test_sheets_and_titles(september):
    _, workbook, _ = september
    assert workbook.sheetnames == SHEETS
    assert workbook["镇排名"]["A1"].value == "全市安全监管执法质量排行榜通报（2018年9月） · 镇"
    assert workbook["部门排名"]["A2"].value.startswith("汨罗市安委办　2018年10月8日")


def test_league_tables_follow_rank(september):
    _, workbook, ranking = september
    for kind, title in (("town", "镇排名"), ("department", "部门排名")):
        sheet = workbook[title]
        assert [sheet.cell(3, c).value for c in range(1, 10)] == [
            "名次",
            "单位",
            "总分",
            "比数量",
            "比增量",
            "比质量",
            "迟报扣分",
            "升降",
            "报送情况",
        ]
        rows = ranking["leagues"][kind]
        for offset, row in enumerate(rows, start=4):
            assert sheet.cell(offset, 2).value == row["unit"]
            if row["rank"] is None:
                assert sheet.cell(offset, 1).value == "—"
                assert sheet.cell(offset, 3).value == "未报"
                continue
            assert sheet.cell(offset, 1).value == row["rank"]
            assert sheet.cell(offset, 3).value == pytest.approx(row["score"])
            parts = [sheet.cell(offset, c).value for c in (4, 5, 6)]
            expected = [row["components"][k] for k in ("quantity", "increase", "quality")]
            assert parts == pytest.approx(expected)


def test_a_native_bar_chart_per_league(september):
    path, _, ranking = september
    xml = sheet_xml(path)
    charts = sorted(n for n in xml if re.fullmatch(r"xl/charts/chart\d+\.xml", n))
    assert len(charts) == 2
    for name, (kind, title) in zip(
        charts, (("town", "镇排名"), ("department", "部门排名")), strict=True
    ):
        chart = xml[name]
        assert "<barChart>" in chart and '<barDir val="bar"' in chart
        ranked = sum(1 for r in ranking["leagues"][kind] if r["rank"] is not None)
        assert f"'{title}'!$C$4:$C${3 + ranked}" in chart
        assert f"'{title}'!$B$4:$B${3 + ranked}" in chart
    assert not any(n.startswith("xl/media/") for n in xml)  # a chart, not a picture


def test_print_ready(september):
    _, workbook, _ = september
    for title in SHEETS:
        sheet = workbook[title]
        assert str(sheet.page_setup.paperSize) == sheet.PAPERSIZE_A4
        assert sheet.sheet_properties.pageSetUpPr.fitToPage
        assert sheet.page_setup.fitToWidth == 1
        assert sheet.print_title_rows == "$3:$3"


def test_late_and_missing_returns(september):
    _, workbook, _ = september
    sheet = workbook["迟报未报"]
    listed = []
    for row in range(4, sheet.max_row + 1):
        if sheet.cell(row, 1).value is None:
            break
        listed.append((sheet.cell(row, 1).value, sheet.cell(row, 5).value))
    assert [unit for unit, _ in listed] == EXPECTED["months"]["2018-09"]["missing"]
    assert all(state == "未报（已逾期 8 天）" for _, state in listed)


def test_august_lists_the_late_unit(samples_db, tmp_path):
    workbook = export(samples_db, tmp_path / "8月.xlsx", "--month", "2018-08")
    sheet = workbook["迟报未报"]
    states = {}
    for row in range(4, sheet.max_row):
        if sheet.cell(row, 1).value is None:
            break
        states[sheet.cell(row, 1).value] = sheet.cell(row, 5).value
    assert states["弼时镇"] == "迟报 3 天"


def test_repeat_late_units(september):
    _, workbook, _ = september
    sheet = workbook["迟报未报"]
    start = next(
        r for r in range(1, sheet.max_row + 1) if sheet.cell(r, 1).value == "连续迟报或未报的单位"
    )
    runs = {
        sheet.cell(r, 1).value: sheet.cell(r, 3).value for r in range(start + 2, sheet.max_row + 1)
    }
    # No sample unit reported May–July, so everyone has a run of at least 3 months.
    assert runs["川山坪镇"] == 3 and runs["归义镇"] == 5 and runs["弼时镇"] == 4


def test_city_totals(september):
    _, workbook, _ = september
    sheet = workbook["全市汇总"]
    assert [sheet.cell(3, c).value for c in range(1, 5)] == ["项目", "单位", "9月本月数", "累计数"]
    want = expected_totals("2018-09")
    for row, code in zip(range(4, 15), want, strict=True):
        assert Decimal(str(sheet.cell(row, 3).value)) == want[code]["month"]
        assert Decimal(str(sheet.cell(row, 4).value)) == want[code]["cumulative"]
    assert sheet.cell(15, 3).value == "8/34"


@pytest.mark.parametrize(
    ("period", "word"), [(("--quarter", "2018Q3"), "讲评"), (("--year", "2018"), "总排名")]
)
def test_quarter_and_year(samples_db, tmp_path, period, word):
    workbook = export(samples_db, tmp_path / "b.xlsx", *period)
    assert workbook.sheetnames == SHEETS
    assert word in workbook["镇排名"]["A1"].value
    totals = workbook["全市汇总"]
    assert totals.cell(3, totals.max_column - 1).value == "本期合计"


def test_json_shape(samples_db, tmp_path):
    result = run(
        samples_db,
        "bulletin",
        "--month",
        "2018-09",
        "--export",
        str(tmp_path / "b.xlsx"),
        "--as-of",
        AS_OF,
        "--json",
    )
    data = json.loads(result.stdout)
    assert set(data) == {
        "period", "label", "as_of", "published", "leagues", "late", "repeat_late", "months"
    }  # fmt: skip
    assert set(data["leagues"]) == {"town", "department"}
    assert set(data["late"][0]) == {"unit", "kind", "month", "due", "status", "days_late"}
    assert data["months"][0]["month"] == "2018-09"


@pytest.mark.parametrize(
    "args", [(), ("--month", "2018-09", "--year", "2018")], ids=["none", "two"]
)
def test_one_period_only(cli, tmp_path, args):
    result = cli("bulletin", *args, "--export", str(tmp_path / "b.xlsx"))
    assert result.exit_code == 2
    assert not (tmp_path / "b.xlsx").exists()


def test_unit_names_are_written_as_text(session, cli, tmp_path):
    add_unit(session, '=HYPERLINK("http://x","y")', "town")
    session.commit()
    target = tmp_path / "b.xlsx"
    result = cli("bulletin", "--month", "2018-06", "--export", str(target), "--as-of", "2018-07-10")
    assert result.exit_code == 0, result.output
    xml = sheet_xml(target)
    assert not any("<f>" in text for name, text in xml.items() if "worksheets" in name)
    sheet = openpyxl.load_workbook(target)["镇排名"]
    names = [sheet.cell(r, 2).value for r in range(4, sheet.max_row + 1)]
    assert '=HYPERLINK("http://x","y")' in names


@needs_soffice
def test_opens_in_libreoffice(september, tmp_path):
    path, _, _ = september
    pdf = soffice_convert(path, tmp_path, "pdf")
    assert pdf_pages(pdf) >= len(SHEETS)
