"""The notification as a 公文: a Word document (.docx) and, through LibreOffice, its PDF.

Built from the same report objects, sections, tables and figures as the HTML page
(`views.quarter_report` / `views.annual_report`, `views.quarter_summary`, `views.*_tables`,
`kaohe.present.charts`), laid out after GB/T 9704-2012 (党政机关公文格式):

- A4, margins top 37 mm, bottom 35 mm, left 28 mm, right 26 mm (版心 156 × 225 mm);
- 版头: the red 发文机关标志 (小标宋, sized to fit the 版心's width), the 发文字号 centred and
  the red separator line under it;
- 主体: the title (二号小标宋; one too long for a line broken at the office file's marks,
  each line centred: `title_layout`), the 主送 line, the body in 三号仿宋 at a fixed 28 pt line
  pitch, 一级标题 in 黑体, the lead-in of (一)(二)… points (二级标题) in 楷体, the 附件说明,
  the 落款 and the 成文日期 in Chinese form (2022年9月1日), right-aligned four characters in;
- each 附件 on a new page ("附件1" in 黑体, its title centred), the tables as Word tables
  (header rows repeated on every page, rows kept whole, 五号 type; wide ones on a landscape
  page), the charts as pictures the width of the text (plotly figures drawn by kaleido with
  the system Chromium; a chart driven by a drop-down menu as a static chart of every unit);
- 版记 (抄送, 印发机关 and 印发日期) at the foot of its own last page, an even page (a blank
  page before it where needed);
- page numbers "— 1 —" in the footer (a PAGE field; odd pages right, even pages left).

Fonts are named with fallbacks: each run names the 公文 face for Chinese text (仿宋_GB2312,
黑体, 楷体_GB2312, 方正小标宋简体) and the font table gives each its alternatives (仿宋, FangSong,
…), which Word and LibreOffice use where the first is not installed. Nothing is installed at
run time. The issuer, number, titles, 主送, 落款, 成文日期 and 四、下一步工作要求 come from the
office file (`kaohe.office`).

The .docx is reproducible: the same report gives the same bytes (fixed core properties dated
the 成文日期, fixed zip entry times). The PDF is not byte-for-byte: LibreOffice stamps its
creation time and a random document id into it.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import itertools
import logging
import math
import os
import re
import shutil
import subprocess
import tempfile
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import plotly.graph_objects as go
import polars as pl
from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Emu, Mm, Pt, RGBColor
from docx.table import Table as DocxTable
from docx.text.paragraph import Paragraph
from docx.text.run import Run

from kaohe.office import Office, chinese_date, load_office
from kaohe.present import charts, views
from kaohe.present.render import Html, esc
from kaohe.present.views import AnnualReport, QuarterReport, Section, Table
from kaohe.score_cache import cache_folder

# ---- the 公文 layout (GB/T 9704-2012) -------------------------------------------------------

PAGE_W, PAGE_H = Mm(210), Mm(297)
MARGIN_TOP, MARGIN_BOTTOM, MARGIN_LEFT, MARGIN_RIGHT = Mm(37), Mm(35), Mm(28), Mm(26)
TEXT_W = Emu(PAGE_W - MARGIN_LEFT - MARGIN_RIGHT)  # 156 mm
TEXT_H = Emu(PAGE_H - MARGIN_TOP - MARGIN_BOTTOM)  # 225 mm
# a landscape page keeps the 版心's binding margins on its short sides
LANDSCAPE_TEXT_W = Emu(PAGE_H - MARGIN_TOP - MARGIN_BOTTOM)  # 225 mm
FOOTER_DISTANCE = Mm(24)  # the page number's line 7 mm under the 版心
RED = RGBColor(0xFF, 0x00, 0x00)
LINE_PITCH = Pt(28)  # 22 lines of 28 characters a page (approximately)
BODY_SIZE = Pt(16)  # 三号
TITLE_SIZE = Pt(22)  # 二号
TITLE_PITCH = Pt(35)
# the em a title line holds: the text width at TITLE_SIZE, less the room Word and LibreOffice
# add between Chinese and digits or Latin letters (autospace), so a line measured to fit does
TITLE_SLACK_EM = 0.5
TITLE_LINE_EM = TEXT_W.pt / TITLE_SIZE.pt - TITLE_SLACK_EM  # about 19.6
MAX_TITLE_LINES = 4  # a longer title (without marks) is filled line by line
ATTACHMENT_TITLE_SIZE = Pt(18)  # 小二
TABLE_SIZE = Pt(10.5)  # 五号
NOTE_SIZE = Pt(10.5)
PAGE_NUMBER_SIZE = Pt(14)  # 四号
MARK_MAX_SIZE = Pt(42)  # the 发文机关标志 at most 初号, smaller when the name is long
MARK_TOP = Mm(35)  # the mark's top edge under the 版心's top edge (下行文)

# eastAsia face of each part, and what stands in where it is not installed (font table
# altName: Word and LibreOffice substitute it)
FANGSONG = "仿宋_GB2312"
HEITI = "黑体"
KAITI = "楷体_GB2312"
XBS = "方正小标宋简体"
SONGTI = "宋体"
LATIN = "Times New Roman"
FALLBACKS: dict[str, tuple[str, ...]] = {
    FANGSONG: ("仿宋", "FangSong", "STFangsong", "Noto Serif CJK SC"),
    HEITI: ("SimHei", "Noto Sans CJK SC", "Microsoft YaHei"),
    KAITI: ("楷体", "KaiTi", "STKaiti", "AR PL UKai CN"),
    XBS: ("华文中宋", "STZhongsong", "宋体", "SimSun", "Noto Serif CJK SC"),
    SONGTI: ("SimSun", "Noto Serif CJK SC"),
}
# the families the PDF's fonts come from where the 公文 faces are missing (fontconfig)
FONTCONFIG_ALIASES: dict[str, str] = {
    FANGSONG: "Noto Serif CJK SC",
    "仿宋": "Noto Serif CJK SC",
    "FangSong": "Noto Serif CJK SC",
    HEITI: "Noto Sans CJK SC",
    "SimHei": "Noto Sans CJK SC",
    KAITI: "AR PL UKai CN",
    "楷体": "AR PL UKai CN",
    "KaiTi": "AR PL UKai CN",
    XBS: "Noto Serif CJK SC",
    SONGTI: "Noto Serif CJK SC",
    "SimSun": "Noto Serif CJK SC",
}

# charts: drawn this many CSS pixels wide (the house font then prints at about 8 pt) and
# scaled to the text width; the scale gives about 300 dpi
CHART_PX = 700
CHART_SCALE = 2.6
# a table of a 公文 lists at most this many rows; the workbook beside it holds them all
DOC_ROWS = 300
NUMERIC = {"int", "pts", "pct"}
SOFFICE_TIMEOUT = 300  # seconds


class DocumentError(Exception):
    """The document or its PDF could not be made; the message says why and how to fix it."""


# ---- fonts and paragraphs -------------------------------------------------------------------


def _set_fonts(rpr: Any, east: str, latin: str = LATIN) -> None:
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:cs"):
        fonts.set(qn(attr), latin)
    fonts.set(qn("w:eastAsia"), east)
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attr), None)


def _run(
    p: Paragraph,
    text: str,
    east: str = FANGSONG,
    size: Any = BODY_SIZE,
    *,
    bold: bool = False,
    color: RGBColor | None = None,
) -> Run:
    r = p.add_run(text)
    _set_fonts(r._r.get_or_add_rPr(), east)
    r.font.size = size
    r.font.bold = bold
    if color is not None:
        r.font.color.rgb = color
    return r


def _para(
    doc: Any,
    align: Any = WD_ALIGN_PARAGRAPH.JUSTIFY,
    *,
    indent_chars: float = 0,
    size: Any = BODY_SIZE,
    pitch: Any = LINE_PITCH,
    before: Any = 0,
    after: Any = 0,
    keep_next: bool = False,
) -> Paragraph:
    p = doc.add_paragraph()
    f = p.paragraph_format
    f.alignment = align
    f.first_line_indent = Emu(int(size * indent_chars)) if indent_chars else 0
    if pitch is None:
        f.line_spacing = 1.0
    else:
        f.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        f.line_spacing = pitch
    f.space_before = before
    f.space_after = after
    f.keep_with_next = keep_next
    f.widow_control = True
    return p


def _border(p: Paragraph, side: str, size_eighths: int, color: str, space_pt: int = 0) -> None:
    ppr = p._p.get_or_add_pPr()
    bdr = ppr.find(qn("w:pBdr"))
    if bdr is None:
        bdr = OxmlElement("w:pBdr")
        # pBdr comes before shd/tabs/spacing/ind/jc in CT_PPr
        anchor = None
        for tag in ("w:shd", "w:tabs", "w:suppressAutoHyphens", "w:spacing", "w:ind", "w:jc"):
            anchor = ppr.find(qn(tag))
            if anchor is not None:
                break
        if anchor is not None:
            anchor.addprevious(bdr)
        else:
            ppr.append(bdr)
    el = OxmlElement(f"w:{side}")
    el.set(qn("w:val"), "single")
    el.set(qn("w:sz"), str(size_eighths))
    el.set(qn("w:space"), str(space_pt))
    el.set(qn("w:color"), color)
    bdr.append(el)


def _display_width(text: str) -> float:
    """Width in em: CJK and full-width characters 1, the rest (digits, Latin) half."""
    return sum(1.0 if ord(ch) > 0x2E7F else 0.9 if ch in "%@WM" else 0.55 for ch in text)


# ---- the document's frame ------------------------------------------------------------------


def _portrait(section: Any) -> None:
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = PAGE_W, PAGE_H
    section.top_margin, section.bottom_margin = MARGIN_TOP, MARGIN_BOTTOM
    section.left_margin, section.right_margin = MARGIN_LEFT, MARGIN_RIGHT
    section.header_distance = Mm(15)
    section.footer_distance = FOOTER_DISTANCE
    section.gutter = 0


def _landscape(section: Any) -> None:
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = PAGE_H, PAGE_W
    # the 版心 turned: the binding side (left on portrait) stays the same edge of the sheet
    section.top_margin, section.bottom_margin = MARGIN_RIGHT, MARGIN_LEFT
    section.left_margin, section.right_margin = MARGIN_TOP, MARGIN_BOTTOM
    section.header_distance = Mm(12)
    section.footer_distance = Mm(12)
    section.gutter = 0


def _page_number(footer: Any, align: Any) -> None:
    """'— N —' with N a PAGE field, 四号, one character in from the outer edge."""
    p = footer.paragraphs[0]
    f = p.paragraph_format
    f.alignment = align
    f.space_before = f.space_after = 0
    if align == WD_ALIGN_PARAGRAPH.RIGHT:
        f.right_indent = PAGE_NUMBER_SIZE
    else:
        f.left_indent = PAGE_NUMBER_SIZE
    _run(p, "— ", SONGTI, PAGE_NUMBER_SIZE)
    begin = _run(p, "", SONGTI, PAGE_NUMBER_SIZE)
    fld = OxmlElement("w:fldChar")
    fld.set(qn("w:fldCharType"), "begin")
    begin._r.append(fld)
    instr = _run(p, "", SONGTI, PAGE_NUMBER_SIZE)
    it = OxmlElement("w:instrText")
    it.set(qn("xml:space"), "preserve")
    it.text = " PAGE "
    instr._r.append(it)
    sep = _run(p, "", SONGTI, PAGE_NUMBER_SIZE)
    fld = OxmlElement("w:fldChar")
    fld.set(qn("w:fldCharType"), "separate")
    sep._r.append(fld)
    _run(p, "1", SONGTI, PAGE_NUMBER_SIZE)
    end = _run(p, "", SONGTI, PAGE_NUMBER_SIZE)
    fld = OxmlElement("w:fldChar")
    fld.set(qn("w:fldCharType"), "end")
    end._r.append(fld)
    _run(p, " —", SONGTI, PAGE_NUMBER_SIZE)


def _font_table(doc: DocxDocument) -> None:
    """Name each 公文 face in the font table with its alternatives (w:altName) and the GB2312
    character set, so a machine without it substitutes a like face."""
    part = doc.part
    fonts_part = next(
        (rel.target_part for rel in part.rels.values() if rel.reltype.endswith("/fontTable")),
        None,
    )
    if fonts_part is None:
        return
    from lxml import etree

    root = etree.fromstring(fonts_part.blob)
    for name, alts in FALLBACKS.items():
        font = etree.SubElement(root, qn("w:font"))
        font.set(qn("w:name"), name)
        alt = etree.SubElement(font, qn("w:altName"))
        alt.set(qn("w:val"), ",".join(alts))
        charset = etree.SubElement(font, qn("w:charset"))
        charset.set(qn("w:val"), "86")  # GB2312
        family = etree.SubElement(font, qn("w:family"))
        family.set(qn("w:val"), "modern" if name == HEITI else "roman")
        pitch = etree.SubElement(font, qn("w:pitch"))
        pitch.set(qn("w:val"), "variable")
    fonts_part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _new_document(office: Office, title: str, issued: date, subject: str) -> DocxDocument:
    doc = Document()
    _portrait(doc.sections[0])
    normal = doc.styles["Normal"]
    _set_fonts(normal.element.get_or_add_rPr(), FANGSONG)
    normal.font.size = BODY_SIZE
    pf = normal.paragraph_format
    pf.space_before = pf.space_after = 0
    pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    pf.line_spacing = LINE_PITCH
    # odd pages' numbers on the right, even pages' on the left
    doc.settings.odd_and_even_pages_header_footer = True
    section = doc.sections[0]
    _page_number(section.footer, WD_ALIGN_PARAGRAPH.RIGHT)
    _page_number(section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT)
    _font_table(doc)
    props = doc.core_properties
    stamp = datetime(issued.year, issued.month, issued.day)
    props.title = title
    props.subject = subject
    props.author = office.issuer.name
    props.last_modified_by = office.issuer.name
    props.comments = ""
    props.keywords = "通报"
    props.category = "公文"
    props.created = stamp
    props.modified = stamp
    props.last_printed = stamp
    props.revision = 1
    return doc


# ---- 版头、主体、版记 ---------------------------------------------------------------------


def _masthead(doc: DocxDocument, office: Office, number: str) -> None:
    mark = office.issuer.mark
    width_pt = TEXT_W.pt * 0.96
    size = Pt(min(MARK_MAX_SIZE.pt, math.floor(width_pt / max(_display_width(mark), 1) * 2) / 2))
    p = _para(doc, WD_ALIGN_PARAGRAPH.CENTER, size=size, pitch=None, before=MARK_TOP)
    _run(p, mark, XBS, size, color=RED)
    # 发文字号: two blank lines under the mark, centred; the red line 4 mm under it
    p = _para(doc, WD_ALIGN_PARAGRAPH.CENTER, before=LINE_PITCH * 2)
    _run(p, number)
    _border(p, "bottom", 12, "FF0000", space_pt=11)
    _para(doc)  # two lines between the red line and the title
    _para(doc)


# no line starts with closing punctuation nor ends with opening punctuation
NO_LINE_START = frozenset("、，。；：？！）》」』】〕〉”’…—·%,.;:?!)]}")
NO_LINE_END = frozenset("（《「『【〔〈“‘([{")


def _can_break(text: str, i: int) -> bool:
    """Whether a line may end before text[i]: not inside an ASCII number or word (2022),
    not before closing punctuation, not after opening punctuation."""
    before, after = text[i - 1], text[i]
    if before.isascii() and before.isalnum() and after.isascii() and after.isalnum():
        return False
    return after not in NO_LINE_START and before not in NO_LINE_END


def split_title(text: str, capacity: float = TITLE_LINE_EM) -> list[str]:
    """A title (or a part between marks) as lines of at most `capacity` em (`_display_width`).

    One line when it fits. Else the fewest lines, at most MAX_TITLE_LINES, that can be laid as
    an upright trapezoid (正梯形: each line no longer than the one under it, none beyond
    `capacity`), breaking only where `_can_break` allows; of those the most balanced split
    (the least difference between the last and the first line; the first such on a tie).
    When no such split exists, each line is filled up to `capacity` at the last allowed break
    (at `capacity` itself when there is none)."""
    if _display_width(text) <= capacity:
        return [text]
    edges = [0.0]
    for ch in text:
        edges.append(round(edges[-1] + _display_width(ch), 6))
    points = [i for i in range(1, len(text)) if _can_break(text, i)]
    for n in range(2, MAX_TITLE_LINES + 1):
        best: tuple[float, tuple[int, ...]] | None = None
        for cut in itertools.combinations(points, n - 1):
            bounds = (0, *cut, len(text))
            widths = [edges[b] - edges[a] for a, b in itertools.pairwise(bounds)]
            if widths[-1] > capacity or any(a > b for a, b in itertools.pairwise(widths)):
                continue
            spread = widths[-1] - widths[0]
            if best is None or spread < best[0]:
                best = (spread, bounds)
        if best is not None:
            return [text[a:b] for a, b in itertools.pairwise(best[1])]
    lines: list[str] = []
    start = 0
    while edges[-1] - edges[start] > capacity:
        fits = [i for i in range(start + 1, len(text)) if edges[i] - edges[start] <= capacity]
        allowed = [i for i in fits if _can_break(text, i)]
        end = (allowed or fits or [start + 1])[-1]
        lines.append(text[start:end])
        start = end
    return [*lines, text[start:]]


def title_layout(parts: Sequence[str], capacity: float = TITLE_LINE_EM) -> list[str]:
    """The lines the 公文 prints a title on, from the title's parts between its break marks
    (`Office.quarter_title_lines`): the whole title on one line when it fits `capacity`; else
    a line for each part, a part still too long split by `split_title` (as is a title
    without marks)."""
    whole = "".join(parts)
    if _display_width(whole) <= capacity:
        return [whole]
    return [line for part in parts for line in split_title(part, capacity)]


def _title(doc: DocxDocument, parts: Sequence[str]) -> None:
    """The title in 二号小标宋, centred, in one paragraph: its lines (`title_layout`) apart by
    line breaks, each centred (标题回行 of GB/T 9704-2012 7.3.1)."""
    p = _para(doc, WD_ALIGN_PARAGRAPH.CENTER, size=TITLE_SIZE, pitch=TITLE_PITCH)
    lines = title_layout(parts)
    for i, line in enumerate(lines):
        r = _run(p, line, XBS, TITLE_SIZE)
        if i < len(lines) - 1:
            r.add_break()
    _para(doc)


_POINT = re.compile(r"^(（[一二三四五六七八九十]+）)(.*)$")
_LEAD = re.compile(r"^([^。；：，]{1,16}[。：])")


def _body_paragraph(doc: DocxDocument, text: str) -> None:
    """A paragraph of the body; a '（一）lead。…' point's number and lead in 楷体 (二级标题)."""
    p = _para(doc, indent_chars=2)
    m = _POINT.match(text)
    if m:
        number, rest = m.groups()
        lead = _LEAD.match(rest)
        head = number + (lead.group(1) if lead else "")
        _run(p, head, KAITI)
        _run(p, rest[len(head) - len(number) :])
    else:
        _run(p, text)


def _sections(doc: DocxDocument, sections: Sequence[Section]) -> None:
    for s in sections:
        if s.heading:
            p = _para(doc, indent_chars=2, keep_next=True)
            _run(p, s.heading, HEITI)
        for text in s.paragraphs:
            _body_paragraph(doc, text)


def with_next_steps(sections: Sequence[Section], office: Office) -> list[Section]:
    """The summary with 四、下一步工作要求 from the office file, unless it already has it."""
    out = list(sections)
    if office.next_steps and not any(s.heading.startswith("四、") for s in out):
        steps = tuple(f"（{_CN[i]}）{t}" for i, t in enumerate(office.next_steps))
        out.append(Section("四、下一步工作要求", steps))
    return out


_CN = "一二三四五六七八九十"


def _attachment_note(doc: DocxDocument, names: Sequence[str]) -> None:
    """附件说明: a blank line, then 附件：1. … with the following names aligned under the first."""
    if not names:
        return
    _para(doc)
    for i, name in enumerate(names):
        p = _para(doc, indent_chars=0)
        label = f"{i + 1}．{name}" if len(names) > 1 else name
        f = p.paragraph_format
        f.left_indent = Emu(int(BODY_SIZE * 5))  # 左空二字 + 附件：
        f.first_line_indent = Emu(-int(BODY_SIZE * 3)) if i == 0 else 0
        _run(p, ("附件：" if i == 0 else "") + label)


def _signature(doc: DocxDocument, office: Office, issued: date) -> None:
    """落款 and 成文日期: the date four characters in from the right, the signature centred
    over it (GB/T 9704-2012 7.3.5.1)."""
    day = chinese_date(issued)
    sig = office.issuer.signature
    _para(doc)
    _para(doc)
    _para(doc)
    p = _para(doc, WD_ALIGN_PARAGRAPH.RIGHT, keep_next=True)
    shift = 4 + (_display_width(day) - _display_width(sig)) / 2
    p.paragraph_format.right_indent = Emu(int(BODY_SIZE * max(shift, 0)))
    _run(p, sig)
    p = _para(doc, WD_ALIGN_PARAGRAPH.RIGHT)
    p.paragraph_format.right_indent = Emu(int(BODY_SIZE * 4))
    _run(p, day)


def _at_foot(p: Paragraph) -> None:
    """Put the paragraph in a frame at the foot of the page's text area (the 版记's place);
    consecutive paragraphs with the same frame share it."""
    fr = OxmlElement("w:framePr")
    fr.set(qn("w:w"), str(int(TEXT_W) // 635))
    fr.set(qn("w:wrap"), "notBeside")
    fr.set(qn("w:vAnchor"), "margin")
    fr.set(qn("w:hAnchor"), "margin")
    fr.set(qn("w:xAlign"), "center")
    fr.set(qn("w:yAlign"), "bottom")
    ppr = p._p.get_or_add_pPr()
    style = ppr.find(qn("w:pStyle"))
    if style is not None:
        style.addnext(fr)
    else:
        ppr.insert(0, fr)


def _imprint(doc: DocxDocument, office: Office, issued: date) -> None:
    """版记 at the foot of its own page: 抄送, then 印发机关 and 印发日期, between lines. Its
    section starts on an even page, so the 版记 is on the back of the last sheet (封四) of the
    double-sided document: Word and LibreOffice insert a blank page before it where needed.
    The 版记 page has no page number."""
    section = doc.add_section(WD_SECTION.EVEN_PAGE)
    _portrait(section)
    # the 版记 page carries no page number (GB/T 9704-2012 7.5): its footers, not linked to
    # the previous section's, stay empty
    for footer in (section.footer, section.even_page_footer):
        footer.is_linked_to_previous = False
    size = Pt(14)  # 四号
    lines: list[Paragraph] = []
    if office.copy_to:
        p = _para(doc, size=size, pitch=Pt(26))
        _run(p, f"抄送：{office.copy_to}".rstrip("。") + "。", FANGSONG, size)
        lines.append(p)
    p = _para(doc, size=size, pitch=Pt(26))
    p.paragraph_format.tab_stops.add_tab_stop(Emu(int(TEXT_W) - int(size)), alignment=2)
    _run(p, office.printed_by, FANGSONG, size)
    _run(p, "\t" + f"{chinese_date(issued)}印发", FANGSONG, size)
    lines.append(p)
    for i, p in enumerate(lines):
        p.paragraph_format.left_indent = size
        p.paragraph_format.right_indent = size
        _at_foot(p)
        if i == 0:
            _border(p, "top", 8, "000000", space_pt=4)
        _border(p, "bottom", 8 if i == len(lines) - 1 else 4, "000000", space_pt=4)


# ---- tables ---------------------------------------------------------------------------------


def _cell_text(cell: Any, text: str, east: str, align: Any, bold: bool = False) -> None:
    p = cell.paragraphs[0]
    f = p.paragraph_format
    f.alignment = align
    f.first_line_indent = 0
    f.line_spacing = 1.0
    f.space_before = f.space_after = 0
    _run(p, text, east, TABLE_SIZE, bold=bold)


def _shade(cell: Any, fill: str) -> None:
    tcpr = cell._tc.get_or_add_tcPr()
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill)
    tcpr.append(shd)


def _row_props(row: Any, header: bool) -> None:
    trpr = row._tr.get_or_add_trPr()
    cant = OxmlElement("w:cantSplit")
    trpr.append(cant)
    if header:
        trpr.append(OxmlElement("w:tblHeader"))


CELL_PAD_EM = 1.3  # a cell's left and right margins, in em of its type


def _natural_widths(table: Table, rows: list[list[str]]) -> list[float]:
    """Each column's width in em: its longest cell (numbers on one line), or its header's
    longest part, whichever is wider, within bounds; long text at most MAX_TEXT_EM."""
    out = []
    for i, c in enumerate(table.columns):
        head = max(_display_width(x) for x in c.header.split("|")[-1:])
        body = max((_display_width(r[i]) for r in rows), default=0.0)
        if c.fmt in NUMERIC:
            want = max(body, min(head, 4.0))
        else:
            want = min(max(body, min(head, 6.0)), MAX_TEXT_EM)
        out.append(max(want, 1.0) + CELL_PAD_EM)
    return out


MAX_TEXT_EM = 20.0


SHORT_TEXT_EM = 8.0  # a text column this narrow keeps its width; longer ones share the rest


def _column_widths(table: Table, rows: list[list[str]], width: int) -> list[int]:
    """Each column's width (EMU), filling `width`: numbers and short text keep their natural
    width and long text columns share what is left (wrapped, or widened, in proportion)."""
    em = int(TABLE_SIZE)
    natural = [n * em for n in _natural_widths(table, rows)]
    flex = [
        i
        for i, c in enumerate(table.columns)
        if c.fmt not in NUMERIC and natural[i] > (SHORT_TEXT_EM + CELL_PAD_EM) * em
    ]
    if not flex:  # widen every text column, else every column
        flex = [i for i, c in enumerate(table.columns) if c.fmt not in NUMERIC] or list(
            range(len(natural))
        )
    fixed = sum(n for i, n in enumerate(natural) if i not in flex)
    if fixed >= width * 0.8:
        factor = width / sum(natural)
        return [int(n * factor) for n in natural]
    # long text columns share the rest by their typical (not their longest) cell
    typical = {}
    for i in flex:
        lengths = [_display_width(r[i]) for r in rows] or [0.0]
        mean = sum(lengths) / len(lengths)
        typical[i] = min(natural[i], (max(mean * 1.5, 4.0) + CELL_PAD_EM) * em)
    factor = (width - fixed) / sum(typical.values())
    return [int(typical[i] * factor) if i in flex else int(n) for i, n in enumerate(natural)]


def natural_width_em(table: Table) -> float:
    """How wide the table wants to be, in em of its type (to choose portrait or landscape)."""
    return sum(_natural_widths(table, _formatted_rows(table)))


def _formatted_rows(table: Table) -> list[list[str]]:
    frame = views.table_frame(table)
    return [
        [views.fmt_value(v, c.fmt) for v, c in zip(r, table.columns, strict=True)]
        for r in frame.iter_rows()
    ]


def _header_cells(columns: Sequence[views.Column]) -> list[tuple[int, int, int, int, str]]:
    """The header's cells as (row, col, row span, col span, text): one row, or two when
    headers are 'group|sub'."""
    split = [c.header.split("|", 1) for c in columns]
    if all(len(s) == 1 for s in split):
        return [(0, i, 1, 1, s[0]) for i, s in enumerate(split)]
    out = []
    i = 0
    while i < len(split):
        s = split[i]
        if len(s) == 1:
            out.append((0, i, 2, 1, s[0]))
            i += 1
            continue
        j = i
        while j < len(split) and len(split[j]) == 2 and split[j][0] == s[0]:
            out.append((1, j, 1, 1, split[j][1]))
            j += 1
        out.append((0, i, 1, j - i, s[0]))
        i = j
    return out


def _table(doc: DocxDocument, table: Table, width: int) -> None:
    p = _para(doc, WD_ALIGN_PARAGRAPH.CENTER, size=Pt(14), pitch=Pt(24), before=Pt(6), after=Pt(4))
    p.paragraph_format.keep_with_next = True
    _run(p, table.title, HEITI, Pt(14))
    if table.frame.height == 0:
        p = _para(doc, indent_chars=2)
        _run(p, table.empty)
        return
    rows = _formatted_rows(table)
    head = _header_cells(table.columns)
    n_head = 1 + max(r for r, *_ in head)
    ncols = len(table.columns)
    t: DocxTable = doc.add_table(rows=n_head + len(rows), cols=ncols)
    t.style = doc.styles["Table Grid"]
    t.alignment = WD_TABLE_ALIGNMENT.CENTER
    t.autofit = False
    widths = _column_widths(table, rows, width)
    tblw = t._tbl.tblPr.find(qn("w:tblW"))
    if tblw is None:
        tblw = OxmlElement("w:tblW")
        t._tbl.tblPr.append(tblw)
    tblw.set(qn("w:type"), "dxa")
    tblw.set(qn("w:w"), str(sum(widths) // 635))  # EMU → twentieths of a point
    for col, w in zip(t.columns, widths, strict=True):
        col.width = Emu(w)
    for row in t.rows:
        for cell, w in zip(row.cells, widths, strict=True):
            cell.width = Emu(w)
    for r, c, rs, cs, text in head:
        cell = t.cell(r, c)
        if rs > 1 or cs > 1:
            cell = cell.merge(t.cell(r + rs - 1, c + cs - 1))
        _cell_text(cell, text, HEITI, WD_ALIGN_PARAGRAPH.CENTER)
        cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
        _shade(cell, "F2F2F2")
    for i in range(n_head):
        _row_props(t.rows[i], header=True)
    marks = (
        table.frame[table.highlight].fill_null(False).to_list()
        if table.highlight
        else [False] * len(rows)
    )
    for k, (values, mark) in enumerate(zip(rows, marks, strict=True)):
        row = t.rows[n_head + k]
        _row_props(row, header=False)
        for i, (cell, text) in enumerate(zip(row.cells, values, strict=True)):
            numeric = table.columns[i].fmt in NUMERIC
            align = WD_ALIGN_PARAGRAPH.RIGHT if numeric else WD_ALIGN_PARAGRAPH.LEFT
            _cell_text(cell, text, SONGTI, align)
            if mark:
                _shade(cell, "D9D9D9")
    if table.highlight and any(marks):
        note = "灰色底纹标出的行：" + _highlight_meaning(table) + "。"
        _note(doc, note)
    if table.note:
        _note(doc, "注：" + table.note)


def _highlight_meaning(table: Table) -> str:
    return {
        "nothing_submitted": "本季度未报送信息的单位",
        "no_plan": "全年未报月度计划的单位",
    }.get(table.highlight or "", "需要注意的行")


def _note(doc: DocxDocument, text: str) -> None:
    p = _para(doc, size=NOTE_SIZE, pitch=Pt(16), before=Pt(3))
    _run(p, text, FANGSONG, NOTE_SIZE)


# ---- charts ---------------------------------------------------------------------------------


class ChartPainter:
    """Draws plotly figures as PNG with kaleido on the system Chromium (one browser for all
    the figures of a document)."""

    # kaleido's browser driver logs what it ignores (e.g. "JSONError decoding message.
    # Ignoring" with a traceback, when Chromium writes a stray line on its pipe) to stderr:
    # in a report's notebook that would be an output that differs from run to run. Those
    # loggers are quiet while the painter runs; a picture that fails still raises.
    QUIET_LOGGERS = ("choreographer", "kaleido", "logistro")

    def __init__(self) -> None:
        self._started = False
        self._levels: dict[str, int] = {}

    def __enter__(self) -> ChartPainter:
        for name in self.QUIET_LOGGERS:
            logger = logging.getLogger(name)
            self._levels[name] = logger.level
            logger.setLevel(logging.CRITICAL + 1)
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            if self._started:
                import kaleido

                kaleido.stop_sync_server(silence_warnings=True)
        finally:
            for name, level in self._levels.items():
                logging.getLogger(name).setLevel(level)

    def png(self, fig: go.Figure, width: int, height: int) -> bytes:
        """The figure as a PNG `width` × `height` (× CHART_SCALE): from the run's cache folder
        (`kaohe.score_cache.cache_folder`, set by `kaohe report`) when the same figure was drawn
        before at that size by the same plotly, kaleido and browser; else drawn and kept."""
        folder = cache_folder()
        key = _picture_key(fig, width, height) if folder is not None else None
        if folder is not None and key is not None:
            kept = folder / PICTURES / f"{key}.png"
            with contextlib.suppress(OSError):
                return kept.read_bytes()
        data = self._draw(fig, width, height)
        if folder is not None and key is not None:
            _keep_picture(folder / PICTURES, key, data)
        return data

    def _draw(self, fig: go.Figure, width: int, height: int) -> bytes:
        import kaleido

        if not self._started:
            browser = os.environ.get("BROWSER_PATH") or _chromium()
            if browser is None:
                raise DocumentError(
                    "生成 Word 公文中的图表需要 Chromium 浏览器，本机没有找到：请运行 "
                    "scripts/ensure-browser.sh（即 apt-get install chromium），"
                    "或设置环境变量 BROWSER_PATH 指向浏览器"
                )
            os.environ["BROWSER_PATH"] = browser
            kaleido.start_sync_server(silence_warnings=True)
            self._started = True
        opts = {"format": "png", "width": width, "height": height, "scale": CHART_SCALE}
        data = kaleido.calc_fig_sync(fig, opts=opts)
        if not isinstance(data, bytes | bytearray):
            raise DocumentError("图表未能生成图片（kaleido 没有返回 PNG）")
        return bytes(data)


PICTURES = "pictures"  # chart pictures in the run's cache folder (<out>/.kaohe-cache/pictures)
MAX_PICTURES = 200  # the oldest removed first


def _picture_key(fig: go.Figure, width: int, height: int) -> str | None:
    """What a chart picture depends on: the figure, its size, plotly's and kaleido's versions
    and the browser binary that draws it (path, size, mtime); None without a browser."""
    import importlib.metadata as md

    browser = os.environ.get("BROWSER_PATH") or _chromium()
    if browser is None:
        return None
    try:
        st = Path(browser).resolve().stat()
    except OSError:
        return None
    parts = [
        fig.to_json(),
        f"{width}x{height}@{CHART_SCALE}",
        md.version("plotly"),
        md.version("kaleido"),
        f"{Path(browser).resolve()}:{st.st_size}:{st.st_mtime_ns}",
    ]
    return hashlib.sha256("\0".join(parts).encode("utf-8")).hexdigest()[:32]


def _keep_picture(folder: Path, key: str, data: bytes) -> None:
    """Write a picture into the cache (temporary file, then rename); a cache that cannot be
    written only costs the time."""
    with contextlib.suppress(OSError):
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, suffix=".tmp")
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, folder / f"{key}.png")
        kept = sorted(folder.glob("*.png"), key=lambda q: q.stat().st_mtime_ns)
        for old in kept[:-MAX_PICTURES]:
            old.unlink(missing_ok=True)


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def static_figure(fig: go.Figure) -> go.Figure:
    """The figure as a picture shows it: its title left to the caption, its top margin
    trimmed, no menu."""
    fig = go.Figure(fig)
    fig.update_layout(title={"text": ""}, updatemenus=[])
    top = 70 if fig.layout.showlegend is not False else 30
    fig.update_layout(margin={"t": top})
    return fig


def breakdown_bars(breakdown: pl.DataFrame, title: str = "单位得分构成") -> go.Figure:
    """The static version of `charts.score_waterfall`: every unit's clause subtotals as one
    stacked horizontal bar (points lost to the left of zero), units in the table's order."""
    units = breakdown["unit"].unique(maintain_order=True).to_list()
    labels = breakdown["label"].unique(maintain_order=True).to_list()
    fig = charts.new_figure(title, height=max(360, 26 * len(units) + 180))
    palette = [
        "#2e86c1",
        "#27ae60",
        "#e67e22",
        "#8e44ad",
        "#16a085",
        "#d4ac0d",
        "#c0392b",
        "#5d6d7e",
        "#a569bd",
        "#48c9b0",
        "#f5b041",
        "#85929e",
    ]
    ylabels = charts._texts(units)
    for i, label in enumerate(labels):
        part = breakdown.filter(pl.col("label") == label)
        by_unit = dict(zip(part["unit"].to_list(), part["points"].to_list(), strict=True))
        xs = [float(by_unit.get(u) or 0.0) for u in units]
        if not any(xs):
            continue
        fig.add_bar(
            x=xs,
            y=ylabels,
            orientation="h",
            name=charts.text(label),
            marker_color=palette[i % len(palette)],
        )
    totals = breakdown.group_by("unit", maintain_order=True).agg(pl.col("points").sum())
    tmap = dict(zip(totals["unit"].to_list(), totals["points"].to_list(), strict=True))
    fig.add_scatter(
        x=[float(tmap.get(u) or 0.0) for u in units],
        y=ylabels,
        mode="markers+text",
        name="总得分",
        marker={"symbol": "line-ns", "size": 18, "line": {"width": 3, "color": charts.BASE_COLOR}},
        text=[views.points_text(float(tmap.get(u) or 0.0)) for u in units],
        textposition="middle right",
        cliponaxis=False,
    )
    fig.update_layout(
        barmode="relative",
        xaxis_title="分",
        yaxis={"categoryorder": "array", "categoryarray": list(reversed(ylabels))},
        legend={"orientation": "h", "yanchor": "top", "y": -0.08, "x": 0},
    )
    return fig


# ---- attachments ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Chart:
    """A chart of an attachment: the figure (made when drawn) and its caption."""

    caption: str
    make: Callable[[], go.Figure]


@dataclass(frozen=True)
class Attachment:
    """One 附件: its title, then its tables and charts in order."""

    title: str
    parts: tuple[Table | Chart, ...]


def _doc_table(table: Table, stem: str) -> Table:
    where = f"完整清单见 Excel 表格 {stem}.xlsx（工作表“{table.name}”）"
    return views.capped(table, DOC_ROWS, where)


def quarter_attachments(r: QuarterReport) -> list[Attachment]:
    """The notification's 附件, in the order of the HTML page's 附表 and 附图."""
    rules = r.rules
    return [
        Attachment("处室、单位得分情况", tuple(views.quarter_tables(r, kind="department"))),
        Attachment("区、县（市）人力社保局得分情况", tuple(views.quarter_tables(r, "district"))),
        Attachment("省级以上刊物录用及领导批示", (_doc_table(views.notable_table(r), r.stem),)),
        Attachment(
            "累计得分与基本任务分",
            (
                Chart(
                    "黑色竖线为基本任务分，灰色竖线为按时间进度应得的分数",
                    lambda: charts.score_vs_base(views.progress(r.ytd, rules), rules),
                ),
            ),
        ),
        Attachment(
            "本季度录用情况",
            (
                Chart(
                    "按刊物、级别",
                    lambda: charts.adoptions_by_publication(
                        views.adoptions_by_publication(r.ctx, r.quarter.start, r.quarter.end)
                    ),
                ),
            ),
        ),
        Attachment("分季度走势", (Chart("", lambda: charts.quarter_trend(views.trend(r), rules)),)),
        Attachment(
            "区县得分与报送进度",
            (Chart("", lambda: charts.district_progress(views.progress(r.ytd, rules))),),
        ),
        Attachment("进度滞后的单位及全年尚需完成的任务", (views.behind_table(r),)),
        Attachment("撰稿人、信息员排行", (views.writer_table(r), views.officer_table(r))),
        Attachment(
            "台账问题",
            (_doc_table(views.report_problems(r.ytd, r.ctx.ledger), r.stem),),
        ),
    ]


def annual_attachments(a: AnnualReport) -> list[Attachment]:
    """The annual report's 附件, in the order of the HTML page's 附表 and 附图."""
    rules = a.rules
    return [
        Attachment(
            "处室、单位考核得分与绩效考核调整分", tuple(views.final_tables(a, kind="department"))
        ),
        Attachment(
            "总得分与基本任务分",
            (
                Chart(
                    "黑色竖线为基本任务分",
                    lambda: charts.score_vs_base(
                        views.final_units(a), rules, title="各单位总得分与基本任务分"
                    ),
                ),
            ),
        ),
        Attachment(
            "得分构成（按条款）",
            (views.breakdown_table(a, "department"), views.breakdown_table(a, "district")),
        ),
        Attachment(
            "单位得分构成",
            (
                Chart(
                    "各条款小计（扣分在零线左侧），竖线为总得分",
                    lambda: breakdown_bars(views.breakdown(a.scores, rules)),
                ),
            ),
        ),
        Attachment(
            "处室、单位绩效考核调整分",
            (Chart("", lambda: charts.adjustments(views.adjustments(a), rules)),),
        ),
        Attachment(
            "区、县（市）人力社保局考核赋分",
            (
                *views.final_tables(a, kind="district"),
                Chart("", lambda: charts.district_assessment(views.district_assessment(a))),
            ),
        ),
        Attachment("先进集体候选", (views.advanced(a),)),
        Attachment("优秀信息员", (views.officer_prizes(a),)),
        Attachment("年轻干部", (views.young_cadres(a.scores, rules),)),
        Attachment(
            "月度报送计划与实际报送、录用",
            (
                Chart(
                    "",
                    lambda: charts.plans_vs_actual(
                        views.plans_by_month(views.plans_vs_actual(a.ctx))
                    ),
                ),
                _doc_table(views.plans_table(a.ctx), a.stem),
            ),
        ),
        Attachment(
            "台账问题",
            (
                _doc_table(
                    views.report_problems(a.scores, a.ctx.ledger),
                    a.stem,
                ),
            ),
        ),
    ]


def _chart(doc: DocxDocument, chart: Chart, painter: ChartPainter, text_w: int) -> None:
    fig = chart.make()
    width_px = CHART_PX if text_w <= TEXT_W else int(CHART_PX * text_w / TEXT_W)
    height_px = int(fig.layout.height or 460)
    shown = static_figure(fig)
    if fig.layout.title and fig.layout.title.text:
        p = _para(doc, WD_ALIGN_PARAGRAPH.CENTER, size=Pt(14), pitch=Pt(24), before=Pt(6))
        p.paragraph_format.keep_with_next = True
        _run(p, _unescape(fig.layout.title.text), HEITI, Pt(14))
    height_px -= 40  # the title's room, now in the caption
    png = painter.png(shown, width_px, height_px)
    # as wide as the text, unless that makes it taller than the page leaves
    w = text_w
    max_h = int(TEXT_H * 0.85)
    h = int(w * height_px / width_px)
    if h > max_h:
        w, h = int(w * max_h / h), max_h
    p = _para(doc, WD_ALIGN_PARAGRAPH.CENTER, pitch=None, keep_next=bool(chart.caption))
    p.add_run().add_picture(io.BytesIO(png), width=Emu(w), height=Emu(h))
    if chart.caption:
        _note(doc, "注：" + chart.caption + "。")


def _unescape(text: str) -> str:
    import html

    return html.unescape(text)


def _attachments(
    doc: DocxDocument, attachments: Sequence[Attachment], painter: ChartPainter
) -> None:
    landscape_em = TEXT_W.pt / TABLE_SIZE.pt  # the em a portrait line holds
    for n, att in enumerate(attachments, start=1):
        wide = any(
            isinstance(x, Table) and x.frame.height and natural_width_em(x) > landscape_em
            for x in att.parts
        )
        section = doc.add_section(WD_SECTION.NEW_PAGE)
        (_landscape if wide else _portrait)(section)
        text_w = LANDSCAPE_TEXT_W if wide else TEXT_W
        p = _para(doc, WD_ALIGN_PARAGRAPH.LEFT)
        _run(p, f"附件{n}", HEITI)
        p = _para(doc, WD_ALIGN_PARAGRAPH.CENTER, size=ATTACHMENT_TITLE_SIZE, pitch=Pt(30))
        p.paragraph_format.space_after = Pt(8)
        _run(p, att.title, XBS, ATTACHMENT_TITLE_SIZE)
        for part in att.parts:
            if isinstance(part, Table):
                _table(doc, part, int(text_w))
            else:
                _chart(doc, part, painter, int(text_w))


# ---- the documents --------------------------------------------------------------------------


def _build(
    office: Office,
    key: str,
    year: int,
    title_parts: Sequence[str],
    cutoff: date,
    sections: Sequence[Section],
    attachments: Sequence[Attachment],
    stem: str,
) -> bytes:
    issued = office.doc_date(key, cutoff)
    number = office.doc_number(year, key)
    doc = _new_document(office, "".join(title_parts), issued, number)
    _masthead(doc, office, number)
    _title(doc, title_parts)
    p = _para(doc, WD_ALIGN_PARAGRAPH.LEFT)
    _run(p, office.addressee_line)
    _sections(doc, with_next_steps(sections, office))
    _attachment_note(doc, [a.title for a in attachments])
    _signature(doc, office, issued)
    with ChartPainter() as painter:
        _attachments(doc, attachments, painter)
    _imprint(doc, office, issued)
    return reproducible_zip(_save(doc))


def _save(doc: DocxDocument) -> bytes:
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def reproducible_zip(data: bytes) -> bytes:
    """The same package with every entry's time fixed (python-docx stamps the current time),
    so the same document is the same bytes."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()


def quarter_document(r: QuarterReport, office: Office | None = None) -> bytes:
    """The quarterly notification as a .docx (bytes)."""
    office = office or load_office()
    key = f"{r.year}{r.quarter.name}"
    return _build(
        office,
        key,
        r.year,
        office.quarter_title_lines(r.year, r.quarter.label),
        r.quarter.end,
        views.quarter_summary(r),
        quarter_attachments(r),
        r.stem,
    )


def annual_document(a: AnnualReport, office: Office | None = None) -> bytes:
    """The annual result as a .docx (bytes)."""
    office = office or load_office()
    return _build(
        office,
        str(a.year),
        a.year,
        office.annual_title_lines(a.year),
        a.rules.period.end,
        views.annual_summary(a),
        annual_attachments(a),
        a.stem,
    )


def _write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".docx.tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(tmp, 0o666 & ~mask)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


class Written(Html):
    """The note a report shows where it wrote its Word document; `path` is the file."""

    def __init__(self, path: Path) -> None:
        super().__init__(
            f'<p class="kh-note">本报告的 Word 公文（按党政机关公文格式排版，可直接印发）：'
            f"<code>{esc(path.name)}</code>，与本文件在同一文件夹。</p>",
            "Word",
        )
        self.path = path


def write_quarter(
    r: QuarterReport, out_dir: str | Path, office_path: str | Path | None = None
) -> Written:
    """Write <out_dir>/<stem>.docx, the quarterly notification as a 公文, and say so."""
    data = quarter_document(r, load_office(office_path))
    return Written(_write(Path(out_dir) / f"{r.stem}.docx", data))


def write_annual(
    a: AnnualReport, out_dir: str | Path, office_path: str | Path | None = None
) -> Written:
    """Write <out_dir>/<stem>.docx, the annual result as a 公文, and say so."""
    data = annual_document(a, load_office(office_path))
    return Written(_write(Path(out_dir) / f"{a.stem}.docx", data))


# ---- PDF ------------------------------------------------------------------------------------

INSTALL_OFFICE = "apt-get install -y libreoffice-writer-nogui（或运行 scripts/ensure-office.sh）"


def soffice() -> str | None:
    """The LibreOffice program, if installed."""
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    return None


def require_soffice() -> str:
    found = soffice()
    if found is None:
        raise DocumentError(
            f"生成 PDF 需要 LibreOffice，本机没有安装：请以管理员运行 {INSTALL_OFFICE}"
        )
    return found


def _fontconfig(folder: Path) -> Path:
    """A fontconfig file: the system's, plus the 公文 faces mapped to installed CJK faces."""
    aliases = "".join(
        f"<alias binding='same'><family>{name}</family><prefer><family>{to}</family>"
        "</prefer></alias>"
        for name, to in FONTCONFIG_ALIASES.items()
    )
    path = folder / "fonts.conf"
    path.write_text(
        "<?xml version='1.0'?><!DOCTYPE fontconfig SYSTEM 'fonts.dtd'><fontconfig>"
        "<include ignore_missing='yes'>/etc/fonts/fonts.conf</include>"
        f"{aliases}</fontconfig>",
        encoding="utf-8",
    )
    return path


# the PDF keeps the blank pages LibreOffice inserts (before the 版记, on an even page), so the
# PDF prints double-sided as the document does (LibreOffice leaves them out by default)
PDF_FILTER = 'pdf:writer_pdf_Export:{"IsSkipEmptyPages":{"type":"boolean","value":"false"}}'


def docx_to_pdf(docx: Path, pdf: Path) -> Path:
    """Convert the .docx to an A4 PDF with headless LibreOffice (its own profile in a
    temporary folder, so runs do not share a lock)."""
    program = require_soffice()
    with tempfile.TemporaryDirectory(prefix="kaohe-office-") as tmp:
        work = Path(tmp)
        src = work / "公文.docx"
        shutil.copyfile(docx, src)
        env = dict(os.environ)
        env["FONTCONFIG_FILE"] = str(_fontconfig(work))
        env["HOME"] = str(work)
        cmd = [
            program,
            f"-env:UserInstallation=file://{work / 'profile'}",
            "--headless",
            "--norestore",
            "--nologo",
            "--convert-to",
            PDF_FILTER,
            "--outdir",
            str(work),
            str(src),
        ]
        try:
            done = subprocess.run(
                cmd, env=env, capture_output=True, timeout=SOFFICE_TIMEOUT, check=False
            )
        except subprocess.TimeoutExpired:
            raise DocumentError(
                f"LibreOffice 转换 PDF 超过 {SOFFICE_TIMEOUT} 秒未完成：请关闭其他 LibreOffice 窗口后重试"
            ) from None
        out = work / "公文.pdf"
        if done.returncode != 0 or not out.is_file():
            detail = (done.stderr or done.stdout).decode("utf-8", "replace").strip()[-300:]
            raise DocumentError(
                f"LibreOffice 未能把 {docx.name} 转换为 PDF：{detail or '没有输出'}"
            )
        pdf.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(out), pdf)
    return pdf
