"""`qzfsg template`: blank returns per unit, and their round trip back through import.

The golden file tests/golden/template-filled-libreoffice.xlsx is a template for 归义镇,
2018-07, filled in and saved through LibreOffice (regenerate it with
`python -m tests.test_templates` on a machine with soffice).
"""

from __future__ import annotations

import re
import shutil
import zipfile
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from sqlmodel import Session

from qzfsg.consolidation import IndicatorInfo
from qzfsg.filenames import safe_filename
from qzfsg.importer import Importer
from qzfsg.months import Month
from qzfsg.storage.archive import archive_for
from qzfsg.templates import TemplateReturn, template_returns
from qzfsg.workbooks import template_filename, template_paths, write_templates
from tests.factories import CODES, INDICATORS, default_values, make_return
from tests.office import needs_soffice, soffice_convert

GOLDEN = Path(__file__).parent / "golden" / "template-filled-libreoffice.xlsx"
JULY = dict(zip(CODES, ["4", "10", "15", "1", "0.35", "0", "1", "0", "0", "0", "0"], strict=True))


def june_on_file(session: Session, db_file: Path, tmp_path: Path) -> None:
    """归义镇's June return (factories' defaults) accepted into the database."""
    importer = Importer(session, archive_for(db_file), today=date(2018, 7, 31))
    outcome = importer.import_file(make_return(tmp_path), datetime(2018, 6, 28, 9))
    assert outcome.status == "imported"
    session.commit()


def fill(template: Path, target: Path, values: dict[str, str]) -> Path:
    """Type this month's numbers into 本月数 (C5…C15), as a unit would."""
    workbook = openpyxl.load_workbook(template)
    sheet = workbook.active
    for row, code in enumerate(CODES, start=5):
        number = Decimal(values[code])
        sheet.cell(row, 3).value = int(number) if number == int(number) else float(number)
    workbook.save(target)
    return target


def with_cached_values(path: Path, target: Path) -> Path:
    """The file as Excel saves it: every 累计数 formula with its computed value."""
    workbook = openpyxl.load_workbook(path)
    sheet = workbook.active
    computed = {}
    for row in range(5, 16):
        month, previous = sheet.cell(row, 3).value or 0, sheet.cell(row, 5).value or 0
        computed[f"D{row}"] = round(Decimal(str(month)) + Decimal(str(previous)), 4)
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(target, "w") as out:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                text = data.decode()
                for cell, value in computed.items():
                    text = re.sub(
                        rf'(<c r="{cell}"[^>]*>\s*<f>[^<]*</f>)\s*(<v\s*/>|<v>[^<]*</v>)?',
                        rf"\g<1><v>{value}</v>",
                        text,
                    )
                data = text.encode()
            out.writestr(item, data)
    return target


def expected_july() -> dict[str, dict[str, Decimal]]:
    june = default_values()
    return {
        code: {"month": Decimal(JULY[code]), "cumulative": june[code][1] + Decimal(JULY[code])}
        for code in CODES
    }


def import_july(session: Session, db_file: Path, path: Path):
    importer = Importer(session, archive_for(db_file), today=date(2018, 8, 31))
    return importer.import_file(path, datetime(2018, 7, 30, 9))


def make_template(cli, folder: Path, month: str = "2018-07", unit: str = "归义镇") -> Path:
    result = cli("template", "--month", month, "--unit", unit, "--out", str(folder))
    assert result.exit_code == 0, result.output
    return folder / template_filename(unit, Month.parse(month))


def cells_of(validation) -> set[str]:
    from openpyxl.utils.cell import get_column_letter, range_boundaries

    found = set()
    for part in str(validation.sqref).split():
        left, top, right, bottom = range_boundaries(part)
        for row in range(top, bottom + 1):
            for column in range(left, right + 1):
                found.add(f"{get_column_letter(column)}{row}")
    return found


# --------------------------------------------------------------------------- layout


def test_template_layout_and_protection(tmp_path, cli, session, db_file):
    june_on_file(session, db_file, tmp_path)
    path = make_template(cli, tmp_path / "out")
    assert path.name == "归义镇-2018年7月-月报表.xlsx"
    sheet = openpyxl.load_workbook(path).active
    assert "归义镇" in sheet["A2"].value and sheet["A2"].value.startswith("填报单位")
    assert sheet["C2"].value.startswith("填报时间")
    assert sheet["A3"].value == "报告月份：2018年7月"
    assert [sheet.cell(4, c).value for c in range(1, 5)] == ["项   目", "单位", "本月数", "累计数"]
    assert sheet["E4"].value.startswith("上月累计数")
    june = default_values()
    for row, indicator in enumerate(INDICATORS, start=5):
        assert sheet.cell(row, 1).value == indicator.label
        assert Decimal(str(sheet.cell(row, 5).value)) == june[indicator.code][1]
        assert sheet.cell(row, 3).value is None
    assert sheet["D5"].value == "=E5+C5"
    assert sheet["D9"].value == "=ROUND(E9+C9,4)"
    assert sheet.protection.sheet and not sheet.protection.password
    unlocked = {
        cell.coordinate for row in sheet.iter_rows() for cell in row if not cell.protection.locked
    }
    # the merged 填报时间 cell (C2:E2) and 本月数
    assert unlocked == {"C2", "D2", "E2"} | {f"C{r}" for r in range(5, 16)}


def test_template_data_validation(tmp_path, cli, session, db_file):
    june_on_file(session, db_file, tmp_path)
    sheet = openpyxl.load_workbook(make_template(cli, tmp_path)).active
    rules = {frozenset(cells_of(dv)): dv for dv in sheet.data_validations.dataValidation}
    whole = rules[frozenset(f"C{r}" for r in range(5, 16) if r != 9)]
    assert (whole.type, whole.operator, whole.formula1) == ("whole", "greaterThanOrEqual", "0")
    money = rules[frozenset({"C9"})]
    assert money.type == "custom"
    assert money.formula1 == "AND(ISNUMBER(C9),C9>=0,ROUND(C9,4)=C9)"
    assert whole.showErrorMessage and money.showErrorMessage and whole.allow_blank


def test_previous_month_not_on_file_is_left_to_the_unit(tmp_path, cli):
    sheet = openpyxl.load_workbook(make_template(cli, tmp_path)).active
    for row in range(5, 16):
        assert sheet.cell(row, 5).value is None
        assert not sheet.cell(row, 5).protection.locked
    assert "尚未收到" in sheet["A17"].value


def test_first_month_starts_from_zero(tmp_path, cli):
    sheet = openpyxl.load_workbook(make_template(cli, tmp_path, month="2018-05")).active
    assert [sheet.cell(r, 5).value for r in range(5, 16)] == [0] * 11
    assert all(sheet.cell(r, 5).protection.locked for r in range(5, 16))


def test_all_units_one_file_each(tmp_path, cli):
    result = cli("template", "--month", "2018-06", "--all", "--out", str(tmp_path), "--json")
    assert result.exit_code == 0, result.output
    import json

    items = json.loads(result.stdout)
    assert len(items) == 34
    assert set(items[0]) == {"unit", "month", "file", "previous", "previous_under_review"}
    names = sorted(p.name for p in tmp_path.glob("*.xlsx"))
    assert len(names) == 34
    assert "归义镇-2018年6月-月报表.xlsx" in names
    assert "市公安局交通警察大队-2018年6月-月报表.xlsx" in names


@pytest.mark.parametrize(
    "args",
    [("--month", "2018-07"), ("--month", "2018-07", "--all", "--unit", "归义镇")],
    ids=["neither", "both"],
)
def test_unit_or_all_is_required(tmp_path, cli, args):
    result = cli("template", *args, "--out", str(tmp_path))
    assert result.exit_code == 2
    assert "--all" in result.output


def test_unknown_unit_is_a_usage_error(tmp_path, cli):
    result = cli("template", "--month", "2018-07", "--unit", "火星镇", "--out", str(tmp_path))
    assert result.exit_code == 2
    assert not list(tmp_path.glob("*.xlsx"))


def test_template_returns_by_alias(session):
    (item,) = template_returns(session, Month(2018, 7), ["公安局"])
    assert item.unit == "市公安局" and item.previous is None and not item.first_month


# --------------------------------------------------------------------------- file names


@pytest.mark.parametrize(
    ("unit", "name"),
    [
        ("../x", "_x"),
        ("a/b", "a_b"),
        ("a\\b", "a_b"),
        ('a:b*c?"d<e>f|g', "a_b_c__d_e_f_g"),
        ("..", "未命名"),
        ("", "未命名"),
        ("CON", "_CON"),
        ("nul.txt", "_nul.txt"),
        ("归义镇\n", "归义镇"),
        (" .hidden", "hidden"),
    ],
)
def test_safe_filename(unit, name):
    assert safe_filename(unit) == name


def test_template_files_stay_in_their_folder(tmp_path):
    folder = tmp_path / "out"
    indicators = [
        IndicatorInfo(code=i.code, label=i.label, unit=i.unit, decimals=i.decimals)
        for i in INDICATORS
    ]
    units = ["../x", "a/b", "/etc/passwd", "..\\..\\y", "CON", "a:b"]
    items = [TemplateReturn(unit=u, month="2018-07", previous=None) for u in units]
    paths = write_templates(items, indicators, template_paths(items, folder))
    assert len(set(paths)) == len(units)
    for path in paths:
        assert path.parent == folder and path.is_file()
    assert {p.name for p in tmp_path.rglob("*.xlsx")} == {p.name for p in paths}
    # The name on the form is the unit's own, written as text.
    sheet = openpyxl.load_workbook(paths[0]).active
    assert sheet["A2"].value == "填报单位（盖章）：../x"


# --------------------------------------------------------------------------- round trips


def test_round_trip_with_cached_values(tmp_path, cli, session, db_file):
    june_on_file(session, db_file, tmp_path)
    filled = fill(make_template(cli, tmp_path / "out"), tmp_path / "filled.xlsx", JULY)
    saved = with_cached_values(filled, tmp_path / "归义镇7月.xlsx")
    outcome = import_july(session, db_file, saved)
    assert outcome.status == "imported", outcome.findings
    assert [f.code for f in outcome.findings if f.severity != "info"] == []
    assert (outcome.unit, outcome.month) == ("归义镇", "2018-07")
    assert outcome.values == expected_july()


def test_filled_but_never_recalculated_is_rejected(tmp_path, cli, session, db_file):
    """A template filled by a program that does not compute formulas: the 累计数 cells
    have no value, and the return is sent back (formula_no_value), never read as 0."""
    june_on_file(session, db_file, tmp_path)
    filled = fill(make_template(cli, tmp_path / "out"), tmp_path / "filled.xlsx", JULY)
    outcome = import_july(session, db_file, filled)
    assert outcome.status == "rejected"
    problems = [f for f in outcome.findings if f.severity != "info"]
    [formulas] = problems  # one cause, one finding; no rule misreads the empty cells as 0
    assert (formulas.code, formulas.cell) == ("formula_no_value", "D5")
    assert all(f"D{r}" in formulas.message for r in range(5, 16))


def test_golden_file_saved_by_libreoffice_imports_cleanly(tmp_path, cli, session, db_file):
    june_on_file(session, db_file, tmp_path)
    fresh = openpyxl.load_workbook(make_template(cli, tmp_path / "out")).active
    golden = openpyxl.load_workbook(GOLDEN).active
    # The golden file is still a template of today's layout, from the same June figures.
    for row in range(1, 16):
        for column in (1, 2, 5):
            assert golden.cell(row, column).value == fresh.cell(row, column).value
    assert golden.protection.sheet
    outcome = import_july(session, db_file, GOLDEN)
    assert outcome.status == "imported", outcome.findings
    assert [f.code for f in outcome.findings if f.severity != "info"] == []
    assert outcome.values == expected_july()


@needs_soffice
def test_libreoffice_round_trip(tmp_path, cli, session, db_file):
    june_on_file(session, db_file, tmp_path)
    filled = fill(make_template(cli, tmp_path / "out"), tmp_path / "filled.xlsx", JULY)
    saved = soffice_convert(filled, tmp_path / "lo", "xlsx:Calc MS Excel 2007 XML")
    sheet = openpyxl.load_workbook(saved).active
    assert sheet.protection.sheet
    assert len(sheet.data_validations.dataValidation) == 2
    outcome = import_july(session, db_file, saved)
    assert outcome.status == "imported", outcome.findings
    assert outcome.values == expected_july()


def write_golden() -> None:
    """Rebuild GOLDEN: a fresh database with 归义镇's June return, the July template,
    July's numbers typed in, saved through LibreOffice."""
    import tempfile

    from typer.testing import CliRunner

    from qzfsg.bootstrap import init_database
    from qzfsg.cli import app
    from qzfsg.storage.db import open_database, session_for

    with tempfile.TemporaryDirectory() as temp:
        folder = Path(temp)
        db = folder / "qzfsg.db"
        init_database(db)
        with session_for(open_database(db)) as session:
            june_on_file(session, db, folder)
        runner = CliRunner()

        def cli(*args):
            return runner.invoke(app, [*args, "--db", str(db)], catch_exceptions=False)

        filled = fill(make_template(cli, folder / "out"), folder / "filled.xlsx", JULY)
        saved = soffice_convert(filled, folder / "lo", "xlsx:Calc MS Excel 2007 XML")
        GOLDEN.parent.mkdir(exist_ok=True)
        shutil.copyfile(saved, GOLDEN)
    print(f"wrote {GOLDEN}")


if __name__ == "__main__":
    write_golden()


def test_a_template_for_a_month_outside_the_campaign_is_refused(cli, tmp_path):
    result = cli("template", "--month", "2019-10", "--all", "--out", str(tmp_path / "out"))
    assert result.exit_code == 2 and "不在行动期" in result.stderr
    assert not (tmp_path / "out").exists()
