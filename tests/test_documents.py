"""The Word documents: the 通报 (`bulletin --docx`) and the notices written with `--out
--docx`, read back with python-docx (title, 主送, paragraphs, tables, fonts, page setup),
and the 通报 opened in LibreOffice (once per module: a conversion takes seconds)."""

from __future__ import annotations

import json
import subprocess

import pytest
from docx import Document
from docx.oxml.ns import qn
from docx.shared import Pt

from qzfsg.bulletin import LEAGUE_HEADER
from tests.office import needs_pdftotext, needs_soffice, pdf_pages, soffice_convert
from tests.test_report import run

AS_OF = "2018-10-08"
TITLE = "关于2018年9月全市安全监管执法质量排名情况的通报"


def east_asian_font(run) -> str | None:
    fonts = run._element.rPr.rFonts
    return fonts.get(qn("w:eastAsia")) if fonts is not None else None


@pytest.fixture(scope="module")
def september(samples_db, tmp_path_factory):
    folder = tmp_path_factory.mktemp("docx")
    target = folder / "9月通报.docx"
    result = run(
        samples_db, "bulletin", "--month", "2018-09", "--as-of", AS_OF, "--docx", str(target)
    )
    assert result.exit_code == 0, result.output
    ranking = json.loads(
        run(samples_db, "rank", "--month", "2018-09", "--as-of", AS_OF, "--json").stdout
    )
    return target, Document(str(target)), ranking


def texts(document) -> list[str]:
    return [p.text for p in document.paragraphs]


def test_title_addressee_and_signature(september):
    _, document, _ = september
    lines = [t for t in texts(document) if t]
    assert lines[0] == TITLE
    assert lines[1] == "各镇人民政府、三园一区，市安委会各成员单位："
    assert lines[-2:] == ["汨罗市安全生产委员会办公室", "2018年10月8日"]
    assert document.core_properties.title == TITLE
    headings = [t for t in lines if t[:2] in ("一、", "二、", "三、", "四、")]
    assert headings == [
        "一、镇排名情况",
        "二、部门排名情况",
        "三、月报表报送情况",
        "四、全市执法情况",
    ]


def test_fonts_follow_the_official_layout(september):
    _, document, _ = september
    title, *_ = (p for p in document.paragraphs if p.text == TITLE)
    assert east_asian_font(title.runs[0]) == "方正小标宋简体"
    assert title.runs[0].font.size == Pt(22)
    heading = next(p for p in document.paragraphs if p.text == "一、镇排名情况")
    assert east_asian_font(heading.runs[0]) == "黑体"
    body = next(p for p in document.paragraphs if p.text.startswith("根据各镇"))
    assert east_asian_font(body.runs[0]) == "仿宋_GB2312"
    assert body.runs[0].font.size == Pt(16)
    assert body.paragraph_format.first_line_indent == Pt(32)


def test_page_is_a4_with_official_margins_and_page_numbers(september):
    _, document, _ = september
    section = document.sections[0]
    sizes = (section.page_width, section.page_height)
    margins = (section.top_margin, section.bottom_margin, section.left_margin, section.right_margin)
    assert [round(length.mm) for length in sizes] == [210, 297]  # stored in twips
    assert [round(length.mm) for length in margins] == [37, 35, 28, 26]
    assert document.settings.odd_and_even_pages_header_footer
    for footer in (section.footer, section.even_page_footer):
        xml = footer._element.xml
        assert "PAGE" in xml and "— " in footer.paragraphs[0].text


def test_league_tables_follow_rank(september):
    _, document, ranking = september
    towns, departments, totals = document.tables
    for grid, kind in ((towns, "town"), (departments, "department")):
        rows = [[c.text for c in row.cells] for row in grid.rows]
        assert tuple(rows[0]) == LEAGUE_HEADER
        assert [r[1] for r in rows[1:]] == [row["unit"] for row in ranking["leagues"][kind]]
        first = ranking["leagues"][kind][0]
        assert rows[1][:3] == ["1", first["unit"], str(first["score"])]
        header = grid.rows[0]._tr.trPr
        assert header.find(qn("w:tblHeader")) is not None  # repeated on every page
    assert [c.text for c in totals.rows[0].cells] == ["项目", "单位", "9月本月数", "累计数"]
    assert len(totals.rows) == 12  # the header and the 11 indicators


def test_paragraphs_are_written_from_the_figures(september):
    _, document, ranking = september
    towns = next(p.text for p in document.paragraphs if p.text.startswith("应参与排名的镇"))
    ranked = [r for r in ranking["leagues"]["town"] if r["rank"]]
    assert f"{ranked[0]['unit']}以 {ranked[0]['score']} 分排名第一" in towns
    assert f"参与排名 {len(ranked)} 个" in towns
    for row in ranked:
        if isinstance(row["change"], int) and row["change"] < 0:
            assert f"{row['unit']}下降 {-row['change']} 位" in towns
    assert "未参与排名" in towns  # eleven towns sent nothing acceptable
    lateness = next(p.text for p in document.paragraphs if p.text.startswith("截至2018年10月8日"))
    assert "未报送的月报表 26 份" in lateness


def test_refuses_to_overwrite_unless_forced(samples_db, tmp_path):
    target = tmp_path / "通报.docx"
    target.write_bytes(b"last month's")
    args = ("bulletin", "--month", "2018-09", "--as-of", AS_OF, "--docx", str(target))
    refused = run(samples_db, *args)
    assert refused.exit_code == 2 and "--force" in refused.stderr
    assert target.read_bytes() == b"last month's"
    assert run(samples_db, *args, "--force").exit_code == 0
    assert Document(str(target)).paragraphs[0].text == TITLE


@pytest.mark.parametrize(
    ("args", "words"),
    [
        ((), "--export"),
        (("--docx", "通报.xlsx"), ".docx 结尾"),
    ],
)
def test_bulletin_needs_somewhere_to_write(samples_db, args, words):
    result = run(samples_db, "bulletin", "--month", "2018-09", *args)
    assert result.exit_code == 2
    assert words in result.stderr


@pytest.fixture(scope="module")
def rendered(september, tmp_path_factory):
    path, _, _ = september
    return soffice_convert(path, tmp_path_factory.mktemp("pdf"), "pdf")


@needs_soffice
def test_renders_in_libreoffice(rendered):
    assert pdf_pages(rendered) >= 2


@needs_soffice
@needs_pdftotext
def test_rendered_text_has_the_title_and_the_signature(rendered):
    shown = subprocess.run(
        ["pdftotext", "-layout", str(rendered), "-"], capture_output=True, text=True, check=True
    ).stdout
    flat = "".join(shown.split())
    assert "".join(TITLE.split()) in flat
    assert "汨罗市安全生产委员会办公室" in flat and "屈子祠镇" in flat


def test_a_quarter_is_told_unit_by_unit(samples_db):
    from datetime import date

    from qzfsg.bulletin import build_bulletin, document_title, lateness_story, league_story
    from qzfsg.ranking.leagues import parse_quarter
    from qzfsg.storage.db import open_database, session_for

    with session_for(open_database(samples_db)) as session:
        quarter = build_bulletin(session, parse_quarter("2018Q3"), as_of=date(2018, 10, 15))
    assert document_title(quarter) == "关于2018年第三季度全市安全监管执法质量季度讲评情况的通报"
    towns = league_story(quarter, "town")
    assert "弼时镇（3 天，扣 1.0 分）" in towns and "本期有月份未报，该月按 0 分计" in towns
    assert "新参与排名" not in towns  # nobody was ranked in the second quarter
    lateness = lateness_story(quarter)
    assert "归义镇（7月、8月、9月）" in lateness and "迟报的 1 份：弼时镇（8月，3 天）" in lateness
