"""The Word 公文 (.docx) and its PDF: the office file, the layout read back with python-docx,
and `kaohe report --pdf` through the command line."""

from __future__ import annotations

import io
import itertools
import logging
import os
import re
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from docx import Document
from docx.enum.section import WD_SECTION
from docx.oxml.ns import qn
from docx.shared import Mm

from kaohe import office as office_mod
from kaohe.office import Office, OfficeError, chinese_date, load_office
from kaohe.present import charts, document, views

ROOT = Path(__file__).resolve().parent.parent
LEDGER = ROOT / "data" / "raw" / "2022"
RULES = ROOT / "params" / "2022.yaml"


# ---- the office file ------------------------------------------------------------------------


def test_shipped_office_file_equals_the_defaults() -> None:
    shipped = load_office(ROOT / "params" / "office.yaml")
    assert shipped == Office()
    assert load_office() == shipped


def test_missing_default_office_file_gives_the_defaults(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(office_mod, "DEFAULT_OFFICE", tmp_path / "无此文件.yaml")
    assert load_office() == Office()


def test_a_given_office_file_that_is_missing_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(OfficeError, match="找不到公文设置文件"):
        load_office(tmp_path / "office.yaml")


def test_bad_office_file_names_line_path_and_fix(tmp_path: Path) -> None:
    p = tmp_path / "office.yaml"
    p.write_text(
        "issuer:\n"
        "  nmae: 某局办公室\n"
        "number:\n"
        '  pattern: "绍人社办〔{year}〕号"\n'
        "  numbers: {2022Q3: 0, 三季度: 5}\n"
        "problems:\n"
        "  points_behind_pace: 20\n"
        "next_steps: 一段文字\n",
        encoding="utf-8",
    )
    with pytest.raises(OfficeError) as err:
        load_office(p)
    message = str(err.value)
    assert f"公文设置文件 {p} 有误" in message
    assert "第 2 行 issuer.nmae: 未知的键" in message
    assert "第 4 行 number.pattern: 缺少占位符 {number}" in message
    assert "第 5 行 number.numbers" in message and "三季度" in message
    assert "第 7 行 problems.points_behind_pace: 比例应在 0 到 1 之间" in message
    assert "第 8 行 next_steps: 应为列表" in message
    assert "Traceback" not in message


def test_office_key_written_twice_is_refused(tmp_path: Path) -> None:
    p = tmp_path / "office.yaml"
    p.write_text("addressees: 甲\naddressees: 乙\n", encoding="utf-8")
    with pytest.raises(OfficeError, match=r"第 1 行.*第 2 行|两次|重复"):
        load_office(p)


def test_number_title_and_date_follow_the_office_file(tmp_path: Path) -> None:
    p = tmp_path / "office.yaml"
    p.write_text(
        "number:\n"
        "  numbers: {2022Q3: 7, 2022: 31}\n"
        "date:\n"
        "  days_after_cutoff: 0\n"
        "  fixed: {2022q4: 2022-12-05}\n",
        encoding="utf-8",
    )
    o = load_office(p)
    assert o.doc_number(2022, "2022Q3") == "绍人社办〔2022〕7号"
    assert o.doc_number(2022, "2022") == "绍人社办〔2022〕31号"
    assert o.doc_number(2022, "2022Q1") == "绍人社办〔2022〕\u3000\u3000号"  # left to fill in
    assert o.doc_date("2022Q3", date(2022, 8, 31)) == date(2022, 8, 31)
    assert o.doc_date("2022Q4", date(2022, 11, 30)) == date(2022, 12, 5)
    assert Office().doc_date("2022Q3", date(2022, 8, 31)) == date(2022, 9, 1)
    assert o.quarter_title(2022, "第三季度") == "关于2022年度第三季度党委、政务信息工作情况的通报"
    assert o.addressee_line.endswith("人力社保局：")


def test_titles_break_at_the_marks_and_show_them_nowhere() -> None:
    o = Office()
    assert o.quarter_title_lines(2022, "第三季度") == (
        "关于2022年度第三季度",
        "党委、政务信息工作情况的通报",
    )
    assert o.annual_title_lines(2022) == ("关于2022年度党委、政务信息工作", "考核结果的通报")
    # as plain text (core properties, file names, messages) the mark is gone
    assert o.quarter_title(2022, "第三季度") == "关于2022年度第三季度党委、政务信息工作情况的通报"
    assert o.annual_title(2022) == "关于2022年度党委、政务信息工作考核结果的通报"
    # the shipped file explains the mark and marks both titles
    shipped = (ROOT / "params" / "office.yaml").read_text(encoding="utf-8")
    assert "回行标记" in shipped and shipped.count(office_mod.TITLE_BREAK) >= 3


@pytest.mark.parametrize(
    ("title", "wrong"),
    [
        ("｜关于{year}年度{quarter}的通报", "不能在标题开头、结尾或连写"),
        ("关于{year}年度{quarter}的通报｜", "不能在标题开头、结尾或连写"),
        ("关于{year}年度｜｜{quarter}的通报", "不能在标题开头、结尾或连写"),
        ("关于{year}年度{quarter}|的通报", "应为全角竖线"),
    ],
)
def test_a_misplaced_title_mark_is_refused(tmp_path: Path, title: str, wrong: str) -> None:
    p = tmp_path / "office.yaml"
    p.write_text(f'title:\n  quarter: "{title}"\n', encoding="utf-8")
    with pytest.raises(OfficeError, match=f"第 2 行 title.quarter: .*{wrong}"):
        load_office(p)


def test_chinese_date_has_no_zero_padding() -> None:
    assert chinese_date(date(2022, 9, 5)) == "2022年9月5日"
    assert chinese_date(date(2022, 12, 25)) == "2022年12月25日"


# ---- the quarterly notification, read back ---------------------------------------------------


@pytest.fixture(scope="module")
def q3() -> views.QuarterReport:
    charts.use_house_style()
    return views.quarter_report(2022, "Q3", LEDGER, RULES)


@pytest.fixture(scope="module")
def q3_docx(q3: views.QuarterReport) -> bytes:
    return document.quarter_document(q3, Office())


def _doc(data: bytes) -> Any:
    return Document(io.BytesIO(data))


def _east(run: Any) -> str | None:
    fonts = run._r.rPr.find(qn("w:rFonts"))
    return None if fonts is None else fonts.get(qn("w:eastAsia"))


def test_pages_are_a4_with_the_standard_margins(q3_docx: bytes) -> None:
    doc = _doc(q3_docx)
    first = doc.sections[0]
    assert abs(first.page_width - Mm(210)) < Mm(0.1)
    assert abs(first.page_height - Mm(297)) < Mm(0.1)
    assert abs(first.top_margin - Mm(37)) < Mm(0.1)
    assert abs(first.bottom_margin - Mm(35)) < Mm(0.1)
    assert abs(first.left_margin - Mm(28)) < Mm(0.1)
    assert abs(first.right_margin - Mm(26)) < Mm(0.1)
    for s in doc.sections:  # every page A4, portrait or (wide tables) landscape
        assert {round(s.page_width / Mm(1)), round(s.page_height / Mm(1))} == {210, 297}


def test_body_style_is_fangsong_sanhao(q3_docx: bytes) -> None:
    doc = _doc(q3_docx)
    normal = doc.styles["Normal"]
    fonts = normal.element.rPr.find(qn("w:rFonts"))
    assert fonts.get(qn("w:eastAsia")) == "仿宋_GB2312"
    assert normal.font.size.pt == 16
    table = doc.part.rels
    font_table = next(r.target_part for r in table.values() if r.reltype.endswith("/fontTable"))
    blob = font_table.blob.decode("utf-8")
    # fallbacks for machines without the 公文 faces
    assert 'w:name="仿宋_GB2312"' in blob and "FangSong" in blob
    assert 'w:name="楷体_GB2312"' in blob and "KaiTi" in blob


def test_masthead_number_title_and_addressees(q3_docx: bytes) -> None:
    doc = _doc(q3_docx)
    paras = [p for p in doc.paragraphs if p.text.strip()]
    mark = paras[0]
    assert mark.text == "绍兴市人力资源和社会保障局办公室文件"
    run = mark.runs[0]
    assert str(run.font.color.rgb) == "FF0000"
    assert _east(run) == "方正小标宋简体"
    number = paras[1]
    assert number.text == "绍人社办〔2022〕\u3000\u3000号"
    assert number.alignment == 1  # centred
    border = number._p.pPr.find(qn("w:pBdr")).find(qn("w:bottom"))
    assert border.get(qn("w:color")) == "FF0000"  # the red separator line
    title = paras[2]
    # too long for a line (about 20 characters of 二号): broken at the office file's mark
    assert title.text == "关于2022年度第三季度\n党委、政务信息工作情况的通报"
    assert title.alignment == 1  # every line centred
    assert all(r.font.size.pt == 22 and _east(r) == "方正小标宋简体" for r in title.runs)
    assert paras[3].text == "局机关各处室、直属各单位，各区、县（市）人力社保局："


def test_headings_in_heiti_and_points_in_kaiti(q3_docx: bytes) -> None:
    doc = _doc(q3_docx)
    heads = {p.text: p for p in doc.paragraphs if re.match(r"^[一二三四]、", p.text)}
    assert list(heads)[:4] == ["一、总体情况", "二、得分情况", "三、存在问题", "四、下一步工作要求"]
    for p in heads.values():
        assert _east(p.runs[0]) == "黑体"
    steps = [p for p in doc.paragraphs if p.text.startswith("（一）提高思想认识。")]
    assert steps, "四、下一步工作要求 from the office file"
    assert steps[0].runs[0].text == "（一）提高思想认识。"
    assert _east(steps[0].runs[0]) == "楷体_GB2312"
    assert _east(steps[0].runs[1]) == "仿宋_GB2312"


def test_signature_and_date_in_chinese_form(q3_docx: bytes) -> None:
    doc = _doc(q3_docx)
    texts = [p.text for p in doc.paragraphs]
    i = texts.index("2022年9月1日")  # the day after the quarter's end (2022-08-31)
    assert texts[i - 1] == "绍兴市人力资源和社会保障局办公室"
    assert doc.paragraphs[i].alignment == 2  # right, four characters in
    assert any(t.startswith("附件：1．处室、单位得分情况") for t in texts)
    assert "附件1" in texts and "附件10" in texts
    assert doc.core_properties.created.replace(tzinfo=None) == datetime(2022, 9, 1)
    assert doc.core_properties.title == "关于2022年度第三季度党委、政务信息工作情况的通报"
    # 版记
    assert any(t.endswith("2022年9月1日印发") for t in texts)


def test_the_imprint_starts_on_an_even_page(q3_docx: bytes) -> None:
    """GB/T 9704: the 版记 is on the last page, the back of the last sheet (an even page)."""
    doc = _doc(q3_docx)
    last = doc.sections[-1]
    assert last.start_type == WD_SECTION.EVEN_PAGE
    assert doc.paragraphs[-1].text.endswith("2022年9月1日印发")
    assert all(s.start_type == WD_SECTION.NEW_PAGE for s in doc.sections[1:-1])  # 附件
    # GB/T 9704 7.5: the 版记 page has no page number (its footers are its own, and empty)
    for footer in (last.footer, last.even_page_footer):
        assert not footer.is_linked_to_previous
        xml = footer._element.xml
        assert "PAGE" not in xml and not "".join(p.text for p in footer.paragraphs).strip()
    for s in doc.sections[:-1]:  # every other page keeps its number
        assert "PAGE" in s.footer._element.xml or s.footer.is_linked_to_previous


def _title_paragraph(doc: Any) -> Any:
    """The title: the paragraph after the 发文字号 (the red line) and two blank lines."""
    paras = [p for p in doc.paragraphs if p.text.strip()]
    return paras[2]


@pytest.mark.parametrize(
    ("template", "lines"),
    [
        # fits on a line: one line, the mark dropped
        ("关于{year}年度{quarter}｜信息工作的通报", ["关于2022年度第三季度信息工作的通报"]),
        # no mark and too long: split by the document, balanced, the upper line the shorter
        ("关于{year}年度{quarter}党委、政务信息工作情况的通报", None),
    ],
)
def test_a_title_fits_or_is_split_into_centred_lines(
    q3: views.QuarterReport,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    template: str,
    lines: list[str] | None,
) -> None:
    monkeypatch.setattr(document, "quarter_attachments", lambda r: [])  # no charts to draw
    p = tmp_path / "office.yaml"
    p.write_text(f'title:\n  quarter: "{template}"\n', encoding="utf-8")
    doc = _doc(document.quarter_document(q3, load_office(p)))
    plain = template.replace("｜", "").format(year=2022, quarter="第三季度")
    title = _title_paragraph(doc)
    shown = title.text.split("\n")
    assert "".join(shown) == plain and "｜" not in title.text
    assert doc.core_properties.title == plain
    if lines is not None:
        assert shown == lines
    else:
        assert len(shown) == 2
        widths = [document._display_width(x) for x in shown]
        assert widths[0] <= widths[1] <= document.TITLE_LINE_EM
        assert not any(x[0] in document.NO_LINE_START for x in shown)


@pytest.mark.parametrize(
    "title",
    [
        "关于" + "甲" * 8 + "2022" + "甲" * 8 + "的通报",  # the balanced break is inside 2022
        "甲" * 10 + "，" + "甲" * 10,  # … and before the comma
        "关于印发《绍兴市人力资源和社会保障局党委、政务信息工作考核办法（试行）》的通知",
        "乙" * 70,  # four lines
        "丙" * 100,  # beyond MAX_TITLE_LINES: filled line by line
    ],
)
def test_a_long_title_without_marks_breaks_between_words_within_the_line(title: str) -> None:
    lines = document.split_title(title)
    assert "".join(lines) == title and len(lines) >= 2
    widths = [document._display_width(x) for x in lines]
    assert max(widths) <= document.TITLE_LINE_EM
    for upper, lower in itertools.pairwise(lines):
        assert lower[0] not in document.NO_LINE_START, lines
        assert upper[-1] not in document.NO_LINE_END, lines
        assert not (upper[-1].isdigit() and lower[0].isdigit()), lines
    if len(lines) <= document.MAX_TITLE_LINES:  # an upright trapezoid
        assert widths == sorted(widths), lines
    assert document.title_layout([title]) == lines


def test_tables_are_word_tables_with_repeated_headers(
    q3: views.QuarterReport, q3_docx: bytes
) -> None:
    doc = _doc(q3_docx)
    dep = [t for t in views.quarter_tables(q3, kind="department") if t.frame.height]
    first = doc.tables[0]
    assert len(first.rows) == 2 + dep[0].frame.height  # two header rows (本季度录用|中央 …)
    header = [c.text for c in first.rows[0].cells]
    assert header[0] == "排名" and header[1] == "单位" and "本季度录用" in header
    assert [c.text for c in first.rows[1].cells][3:8] == ["合计", "中央", "省级", "市级", "局本级"]
    assert first.rows[2].cells[1].text == dep[0].frame["unit"][0]
    for row in first.rows[:2]:
        assert row._tr.trPr.find(qn("w:tblHeader")) is not None
    assert first.rows[2]._tr.trPr.find(qn("w:tblHeader")) is None
    # every table of the attachments is there, in order
    writers = views.writer_table(q3)
    found = [t for t in doc.tables if t.rows[0].cells[0].text == writers.columns[0].header]
    assert found
    assert len(doc.tables) >= len(dep) + 4


def test_charts_are_pictures_within_the_text_width(q3_docx: bytes) -> None:
    doc = _doc(q3_docx)
    shapes = list(doc.inline_shapes)
    assert len(shapes) == 4  # 附图一 … 附图四 of the HTML page
    for s in shapes:
        assert 0 < s.width <= Mm(156) + Mm(0.5)
        assert 0 < s.height <= Mm(225)
    pngs = [p for p in doc.part.package.parts if p.partname.endswith(".png")]
    assert len(pngs) == 4 and all(p.blob[:8] == b"\x89PNG\r\n\x1a\n" for p in pngs)


def test_footer_has_a_page_field_between_dashes(q3_docx: bytes) -> None:
    doc = _doc(q3_docx)
    for footer in (doc.sections[0].footer, doc.sections[0].even_page_footer):
        xml = footer._element.xml
        assert "PAGE" in "".join(footer._element.itertext())
        assert 'w:fldCharType="begin"' in xml
        assert footer.paragraphs[0].text.startswith("— ") and footer.paragraphs[0].text.endswith(
            " —"
        )
    assert doc.settings.odd_and_even_pages_header_footer


def test_same_report_gives_the_same_bytes(q3: views.QuarterReport, q3_docx: bytes) -> None:
    assert document.quarter_document(q3, Office()) == q3_docx


def test_user_text_is_text_not_markup(q3: views.QuarterReport, tmp_path: Path) -> None:
    p = tmp_path / "office.yaml"
    p.write_text(
        'issuer:\n  mark: "<w:p>某局</w:p> & <script>"\naddressees: "各单位 <b>x</b>"\n',
        encoding="utf-8",
    )
    doc = _doc(document.quarter_document(q3, load_office(p)))
    texts = [x.text for x in doc.paragraphs]
    assert "<w:p>某局</w:p> & <script>" in texts
    assert "各单位 <b>x</b>：" in texts


# ---- the annual result ----------------------------------------------------------------------


def test_annual_document_has_the_static_breakdown_chart() -> None:
    charts.use_house_style()
    a = views.annual_report(2022, LEDGER, RULES)
    doc = _doc(document.annual_document(a, Office()))
    texts = [p.text for p in doc.paragraphs]
    assert "关于2022年度党委、政务信息工作\n考核结果的通报" in texts  # broken at the mark
    assert doc.core_properties.title == "关于2022年度党委、政务信息工作考核结果的通报"
    assert doc.sections[-1].start_type == WD_SECTION.EVEN_PAGE  # the 版记
    assert "2022年12月1日" in texts  # the day after the period's end (2022-11-30)
    assert "四、下一步工作要求" in texts
    assert len(doc.inline_shapes) == 5  # the five charts of the HTML page
    fig = document.breakdown_bars(views.breakdown(a.scores, a.rules))
    assert not fig.layout.updatemenus  # every unit at once: no drop-down
    units = {u for t in fig.data for u in (t.y or ())}
    assert units >= set(views.breakdown(a.scores, a.rules)["unit"].to_list())


# ---- the command line -----------------------------------------------------------------------


def _kaohe(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kaohe", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=600,
        env=env,
    )


def test_report_writes_docx_and_an_a4_pdf(tmp_path: Path) -> None:
    done = _kaohe("report", "--quarter", "2022Q3", "--pdf", "--out", str(tmp_path))
    assert done.returncode == 0, done.stderr
    folder = tmp_path / "2022"
    docx = folder / "2022Q3-季度通报.docx"
    pdf = folder / "2022Q3-季度通报.pdf"
    assert docx.is_file() and pdf.is_file()
    assert (folder / "2022Q3-季度通报.html").is_file()
    assert (
        "Word 公文 2022Q3-季度通报.docx" in done.stdout and "PDF 2022Q3-季度通报.pdf" in done.stdout
    )
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    w, h = map(float, re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", info).groups())
    assert abs(w - 595.3) <= 1 and abs(h - 841.9) <= 1
    pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    assert pages >= 5
    # the 版记 on the last page, an even one (a blank page before it where needed)
    assert pages % 2 == 0
    last = subprocess.run(
        ["pdftotext", "-f", str(pages), "-l", str(pages), str(pdf), "-"],
        capture_output=True,
        text=True,
    ).stdout.replace(" ", "")
    assert "印发" in last
    assert "—" not in last  # no page number on the 版记 page
    # the PDF has the document's text (not pictures of it)
    text = subprocess.run(
        ["pdftotext", "-f", "1", "-l", "1", str(pdf), "-"], capture_output=True, text=True
    ).stdout
    assert "绍兴市人力资源和社会保障局办公室文件" in text.replace(" ", "")
    assert docx.stat().st_size < 6_000_000 and pdf.stat().st_size < 6_000_000


def test_pdf_without_libreoffice_is_a_clear_chinese_error(tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "PATH"}
    env["PATH"] = str(bin_dir)  # no soffice on it
    done = _kaohe("report", "--quarter", "2022Q3", "--pdf", "--out", str(tmp_path / "o"), env=env)
    assert done.returncode == 1
    assert "生成 PDF 需要 LibreOffice" in done.stderr
    assert "apt-get install -y libreoffice-writer-nogui" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "o" / "2022").exists()


def test_the_chart_painter_keeps_the_browser_drivers_log_out_of_the_notebook(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """kaleido's driver logs a stray browser line with a traceback to stderr; inside a report's
    notebook that output would change from run to run, so the painter quiets those loggers
    while it runs, and only then."""
    import logistro

    from kaohe.present.document import ChartPainter

    pipe = logistro.getLogger("choreographer.channels.pipe")
    caplog.set_level(logging.WARNING)
    with ChartPainter():
        pipe.error("JSONError decoding message. Ignoring")
    assert not [r for r in caplog.records if "JSONError" in r.getMessage()]
    pipe.error("after the painter")
    assert [r for r in caplog.records if r.getMessage() == "after the painter"]


def test_a_chart_drawn_once_in_a_run_is_read_back_from_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`kaohe report` sets the run's cache folder; the same figure at the same size is drawn by
    the browser once and read back after, byte for byte; another size is drawn again."""
    import plotly.graph_objects as go

    from kaohe.present import document
    from kaohe.score_cache import ENV

    monkeypatch.setenv(ENV, str(tmp_path))
    fig = go.Figure(go.Bar(x=["甲", "乙"], y=[1, 2]))
    drawn: list[tuple[int, int]] = []
    draw = document.ChartPainter._draw

    def counted(self: document.ChartPainter, f: go.Figure, w: int, h: int) -> bytes:
        drawn.append((w, h))
        return draw(self, f, w, h)

    monkeypatch.setattr(document.ChartPainter, "_draw", counted)
    with document.ChartPainter() as painter:
        first = painter.png(fig, 300, 200)
        again = painter.png(fig, 300, 200)
        other = painter.png(fig, 320, 200)
    assert first == again and first.startswith(b"\x89PNG") and other != first
    assert drawn == [(300, 200), (320, 200)]
    assert len(list((tmp_path / document.PICTURES).glob("*.png"))) == 2
