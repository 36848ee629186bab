"""The 公文 look every Word document of the office shares (after GB/T 9704-2012): A4 with
margins 37 mm top, 35 mm bottom, 28 mm left, 26 mm right; the title in 方正小标宋简体 二号,
headings in 黑体 三号, the body in 仿宋_GB2312 三号 at 22 lines a page; the page number
as — 1 — in 宋体 四号, outside (odd pages right, even pages left); the office's name
and the date at the end. Only the `documents` package imports python-docx."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path

from docx import Document as new_docx
from docx.document import Document
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from docx.table import Table
from docx.text.paragraph import Paragraph
from docx.text.run import Run

from qzfsg.errors import QzfsgError
from qzfsg.months import day_label

TITLE_FONT = "方正小标宋简体"
HEADING_FONT = "黑体"
BODY_FONT = "仿宋_GB2312"
PAGE_NUMBER_FONT = "宋体"
TITLE_SIZE = Pt(22)  # 二号
BODY_SIZE = Pt(16)  # 三号
TABLE_SIZE = Pt(10.5)  # 五号: nine columns fit the 156 mm line
PAGE_NUMBER_SIZE = Pt(14)  # 四号
LINE = Pt(28.9)  # 22 lines in the 225 mm between the margins
INDENT = Pt(32)  # two characters of 三号


def set_font(run: Run, name: str, size: Pt, bold: bool = False) -> Run:
    """The font for Latin and Chinese text alike (Word keeps a separate East Asian font)."""
    run.font.name = name
    run.font.size = size
    run.font.bold = bold
    fonts = run._element.get_or_add_rPr().get_or_add_rFonts()
    for key in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(key), name)
    return run


def new_document(title: str) -> Document:
    document = new_docx()
    document.core_properties.title = title
    document.core_properties.author = "汨罗市安委办"
    normal = document.styles["Normal"]
    normal.font.name = BODY_FONT
    normal.font.size = BODY_SIZE
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), BODY_FONT)
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    section.footer_distance = Mm(28)
    _page_numbers(document)
    return document


def _body_format(paragraph: Paragraph, first_line: bool = True) -> Paragraph:
    fmt = paragraph.paragraph_format
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = LINE
    fmt.space_before = fmt.space_after = Pt(0)
    if first_line:
        fmt.first_line_indent = INDENT
    return paragraph


def title(document: Document, text: str) -> Paragraph:
    paragraph = document.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    fmt = paragraph.paragraph_format
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = Pt(36)
    fmt.space_after = LINE  # one empty body line under the title
    set_font(paragraph.add_run(text), TITLE_FONT, TITLE_SIZE)
    return paragraph


def addressee(document: Document, text: str) -> Paragraph:
    """The 主送 line: flush left, ending with a full-width colon."""
    paragraph = _body_format(document.add_paragraph(), first_line=False)
    set_font(paragraph.add_run(f"{text}："), BODY_FONT, BODY_SIZE)
    return paragraph


def heading(document: Document, text: str) -> Paragraph:
    """A first-level heading (一、…) in 黑体, indented like the body."""
    paragraph = _body_format(document.add_paragraph())
    paragraph.paragraph_format.keep_with_next = True
    set_font(paragraph.add_run(text), HEADING_FONT, BODY_SIZE)
    return paragraph


def body(document: Document, text: str) -> Paragraph:
    paragraph = _body_format(document.add_paragraph())
    set_font(paragraph.add_run(text), BODY_FONT, BODY_SIZE)
    return paragraph


def signature(document: Document, office: str, day: date) -> None:
    """The office's name and the date, at the right, under two empty lines; the date
    four characters in from the margin, the name centred over it."""
    for _ in range(2):
        _body_format(document.add_paragraph(), first_line=False)
    written = day_label(day)
    for text, right in ((office, max(0, len(written) - len(office)) / 2 + 4), (written, 4)):
        paragraph = _body_format(document.add_paragraph(), first_line=False)
        paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        paragraph.paragraph_format.right_indent = Pt(16 * right)
        paragraph.paragraph_format.keep_with_next = True
        set_font(paragraph.add_run(text), BODY_FONT, BODY_SIZE)


def table(
    document: Document,
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    widths_mm: Sequence[float],
    left_columns: Sequence[int] = (),
) -> Table:
    """A bordered table in 五号 仿宋, the header row bold and repeated on every page;
    cells centred except the columns in `left_columns` (names)."""
    grid = document.add_table(rows=1 + len(rows), cols=len(header))
    grid.style = document.styles["Table Grid"]
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    grid.autofit = False
    for r, values in enumerate([header, *rows]):
        row = grid.rows[r]
        row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))  # before tblHeader
        if r == 0:
            flag = OxmlElement("w:tblHeader")
            flag.set(qn("w:val"), "true")
            row._tr.get_or_add_trPr().append(flag)
        for c, value in enumerate(values):
            cell = row.cells[c]
            cell.width = Mm(widths_mm[c])
            cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
            paragraph = cell.paragraphs[0]
            centred = r == 0 or c not in left_columns
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER if centred else WD_ALIGN_PARAGRAPH.LEFT
            paragraph.paragraph_format.space_before = paragraph.paragraph_format.space_after = Pt(0)
            set_font(paragraph.add_run(str(value)), BODY_FONT, TABLE_SIZE, bold=r == 0)
    for c, width in enumerate(widths_mm):
        grid.columns[c].width = Mm(width)
    return grid


def note(document: Document, text: str) -> Paragraph:
    """A small line under a table (the method, a caption)."""
    paragraph = document.add_paragraph()
    paragraph.paragraph_format.space_before = Pt(3)
    set_font(paragraph.add_run(text), BODY_FONT, TABLE_SIZE)
    return paragraph


def _page_numbers(document: Document) -> None:
    """— 1 — at the foot: odd pages at the right, even pages at the left, one character in."""
    document.settings.odd_and_even_pages_header_footer = True
    section = document.sections[0]
    for footer, align in (
        (section.footer, WD_ALIGN_PARAGRAPH.RIGHT),
        (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT),
    ):
        footer.is_linked_to_previous = False
        paragraph = footer.paragraphs[0]
        paragraph.alignment = align
        indent = Pt(14)
        if align == WD_ALIGN_PARAGRAPH.RIGHT:
            paragraph.paragraph_format.right_indent = indent
        else:
            paragraph.paragraph_format.left_indent = indent
        set_font(paragraph.add_run("— "), PAGE_NUMBER_FONT, PAGE_NUMBER_SIZE)
        _page_field(paragraph)
        set_font(paragraph.add_run(" —"), PAGE_NUMBER_FONT, PAGE_NUMBER_SIZE)


def _page_field(paragraph: Paragraph) -> None:
    """Word's PAGE field, written out as begin / instruction / separate / result / end."""
    for kind, text in (
        ("begin", None),
        (None, " PAGE "),
        ("separate", None),
        (None, "1"),
        ("end", None),
    ):
        run = set_font(paragraph.add_run(), PAGE_NUMBER_FONT, PAGE_NUMBER_SIZE)
        if kind:
            char = OxmlElement("w:fldChar")
            char.set(qn("w:fldCharType"), kind)
            run._r.append(char)
        elif text == " PAGE ":
            instruction = OxmlElement("w:instrText")
            instruction.set(qn("xml:space"), "preserve")
            instruction.text = text
            run._r.append(instruction)
        else:
            run.text = text


def save(document: Document, path: Path) -> Path:
    if path.is_dir():
        raise QzfsgError(f"“{path}”是一个文件夹，请给出要保存的文件名，例如 通报.docx。")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        document.save(str(path))
    except OSError as exc:
        raise QzfsgError(f"无法写入“{path}”：{exc.strerror or exc}。") from None
    return path
