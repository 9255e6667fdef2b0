"""Tables as escaped HTML (the one table widget: plain on reports, searchable on the exploration
page) and as Excel sheets; the deferred rfc3987-syntax import."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path

import openpyxl
import polars as pl

from kaohe.present import excel, render
from kaohe.present.views import Column, Section, Table
from kaohe.publish import external_references

MARKUP = "<script>alert(1)</script>"
FORMULA = '=HYPERLINK("http://example.com","点我")'


def sample_table(rows: int = 2) -> Table:
    df = pl.DataFrame(
        {
            "unit": [MARKUP, FORMULA][:rows],
            "a": [1, 2][:rows],
            "b": [3, 0][:rows],
            "score": [12.5, 60.0][:rows],
            "rate": [0.84333, 1.0][:rows],
            "day": [date(2022, 6, 1), None][:rows],
            "mark": [True, False][:rows],
        }
    )
    return Table(
        "测试/表[1]",
        f"标题{MARKUP}",
        df,
        (
            Column("unit", "单位"),
            Column("a", "本季度录用|市级", "int"),
            Column("b", "本季度录用|省级", "int"),
            Column("score", "得分", "pts"),
            Column("rate", "完成率", "pct"),
            Column("day", "日期", "date"),
        ),
        note=f"注{MARKUP}",
        highlight="mark",
    )


def test_every_value_is_escaped() -> None:
    html = render.table_html(sample_table())
    assert MARKUP not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "=HYPERLINK(&quot;http://example.com&quot;,&quot;点我&quot;)" in html


def test_values_are_shown_as_the_office_writes_them() -> None:
    html = render.table_html(sample_table())
    # points: one format for the column, two decimals
    assert '<td class="num">12.50</td>' in html and '<td class="num">60.00</td>' in html
    assert '<td class="num">84.33%</td>' in html and '<td class="num">100.00%</td>' in html
    assert "2022-06-01" in html
    assert html.count('class="kh-mark"') == 1


def test_grouped_headers_span_two_rows() -> None:
    html = render.table_html(sample_table())
    assert '<th rowspan="2">单位</th>' in html
    assert '<th colspan="2">本季度录用</th>' in html
    assert "<th>市级</th><th>省级</th>" in html


def test_an_empty_table_says_so() -> None:
    t = sample_table(0)
    t = Table(t.name, t.title, t.frame, t.columns, empty="本季度没有录用。")
    html = render.table_html(t)
    assert "<table" not in html and "本季度没有录用。" in html


def test_a_grid_escapes_every_value_and_reaches_for_nothing() -> None:
    df = pl.DataFrame(
        {"unit": [MARKUP, "甲"], "title": ['=HYPERLINK("http://x")', "短"], "n": [12.5, None]}
    )
    t = Table(
        "表",
        f"标题{MARKUP}",
        df,
        (
            Column("unit", "单位"),
            Column("title", "标题"),
            Column("n", "分", "pts"),
        ),
        note=f"注{MARKUP}",
    )
    page = str(render.grid(t, selected=MARKUP))
    # title, the menu option's value and label, the cell, the note, the chosen value
    assert MARKUP not in page and page.count("&lt;script&gt;alert(1)&lt;/script&gt;") == 6
    assert 'data-selected="&lt;script&gt;alert(1)&lt;/script&gt;"' in page
    assert '<td class="num" data-v="12.5">12.50</td>' in page and 'data-v=""' in page
    assert "=HYPERLINK(&quot;http://x&quot;)" in page
    assert external_references(page) == []
    assert '<option value="">全部</option>' in page and 'data-filter-col="0"' in page
    # no menu without a filter column; an empty table says so
    assert "<select>" not in str(render.grid(t, filter_key=None))
    empty = Table("空", "空表", df.clear(), t.columns, empty="没有数据。")
    assert "没有数据。" in str(render.grid(empty)) and "<table" not in str(render.grid(empty))


def test_one_table_widget_plain_on_reports_searchable_on_the_page() -> None:
    t = sample_table()
    plain = render.table_html(t)
    page = str(render.grid(t))
    # the same headers, cells and marks; the searchable one adds the bar, the values to sort
    # on and the script
    assert "<script" not in plain and "data-v" not in plain and "data-col" not in plain
    assert '<th rowspan="2" data-col="0" data-type="text">单位</th>' in page
    assert '<th colspan="2">本季度录用</th>' in page  # a group header does not sort
    assert '<th data-col="1" data-type="num">市级</th>' in page
    assert '<td class="num" data-v="12.5">12.50</td>' in page
    assert page.count('class="kh-mark"') == plain.count('class="kh-mark"') == 1
    assert "注：注&lt;script&gt;" in plain and "注：注&lt;script&gt;" in page
    assert page.count("<script>") == 1 and 'querySelectorAll("thead th[data-col]")' in page


def test_sections_are_escaped_paragraphs() -> None:
    out = render.sections([Section("一、总体情况", (f"报送《{MARKUP}》",))])
    assert out._repr_html_() == (
        '<div class="kh-text"><h2>一、总体情况</h2>'
        "<p>报送《&lt;script&gt;alert(1)&lt;/script&gt;》</p></div>"
    )


def test_excel_keeps_text_as_text_and_numbers_as_numbers(tmp_path: Path) -> None:
    path = excel.write_xlsx([sample_table(), sample_table()], tmp_path / "表.xlsx")
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["测试_表_1_", "测试_表_1_(2)"]
    ws = wb.worksheets[0]
    assert ws["A1"].value == f"标题{MARKUP}"
    # headers: two rows, the group merged across its columns
    assert ws["A3"].value == "单位" and ws["B3"].value == "本季度录用"
    assert ws["B4"].value == "市级" and "B3:C3" in {str(r) for r in ws.merged_cells.ranges}
    assert ws["A5"].value == MARKUP and ws["A5"].data_type == "s"
    assert ws["A6"].value == FORMULA and ws["A6"].data_type == "s"  # not a formula
    assert ws["D5"].value == 12.5 and ws["E5"].value == 0.8433
    assert ws["E5"].number_format == "0.00%"
    assert not list(tmp_path.glob(".*tmp"))  # the temporary file was renamed


def test_excel_written_over_an_existing_file_is_replaced_whole(tmp_path: Path) -> None:
    target = tmp_path / "表.xlsx"
    target.write_bytes(b"old")
    excel.write_xlsx([sample_table()], target)
    assert openpyxl.load_workbook(target).sheetnames == ["测试_表_1_"]


def test_the_deferred_import_keeps_iri_checking_working() -> None:
    code = (
        "import sys\n"
        "from kaohe.fastimport import defer_rfc3987_syntax\n"
        "assert defer_rfc3987_syntax()\n"
        "import jsonschema, nbformat\n"
        "assert getattr(sys.modules['rfc3987_syntax'], '__file__', None) is None\n"
        "fc = jsonschema.FormatChecker()\n"
        "assert fc.conforms('http://例子.cn/路径', 'iri')\n"
        "assert not fc.conforms('http://a b', 'iri')\n"
        "assert sys.modules['rfc3987_syntax'].__file__\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr


# ---- the page header and the names of files --------------------------------------------------

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "raw" / "2022"


def test_files_are_named_relative_to_the_project(tmp_path: Path) -> None:
    assert render.shown_path(SAMPLE) == "data/raw/2022"
    assert render.shown_path(render.PROJECT / "params" / "2022.yaml") == "params/2022.yaml"
    outside = render.shown_path(tmp_path / "台账.xlsx")
    assert outside == "台账.xlsx（项目文件夹外）" and str(tmp_path) not in outside


def test_the_header_shows_what_a_reader_needs_and_no_fingerprint() -> None:
    from kaohe.office import load_office
    from kaohe.present import views

    r = views.quarter_report_for(views.load_context(SAMPLE), 2022, "Q3")
    head = render.quarter_header(r)
    body = head.body
    assert f'<p class="kh-issuer">{load_office().issuer.name}</p>' in body
    assert "<h1>党委、政务信息工作季度通报</h1>" in body and r.label in body
    assert "<span>数据截至：2022-08-31（年度累计视图）</span>" in body
    assert '<p class="kh-basis">计分口径：年度累计：' in body
    # files and fingerprints are for the colophon: carried in the metadata, not shown here
    assert r.ctx.ledger_sha256 not in body and r.ctx.rules_sha256 not in body
    assert "sha256" not in body and str(SAMPLE) not in body and "kh-meta" not in body
    meta = head.meta or {}
    assert meta["ledger_sha256"] == r.ctx.ledger_sha256 and meta["ledger"] == r.ctx.ledger_path
    assert meta["ledger_name"] == "data/raw/2022"
    assert meta["rules_name"].startswith("params/2022.yaml（")
