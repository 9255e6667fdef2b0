"""`kaohe report` end to end: the notebooks executed with papermill on the sample year (every
quarter and the year), exported to offline HTML, and opened in a real browser with the
network cut off.

Executions are shared: one `kaohe report --all` run for the five sample reports, one run on a
ledger whose titles carry markup and a formula (with a broken ``python3`` kernelspec in the
way, to prove the report runs on the project's own interpreter), one run that fails.

The browser test needs Debian's chromium (``apt-get install -y chromium fonts-noto-cjk``); it
fails, never skips, when chromium is missing.
"""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import openpyxl
import polars as pl
import pytest
from browser import Attrs, figure_count, open_offline

from kaohe.ledger.read import read_ledger
from kaohe.present import views
from kaohe.rules.models import load_rules, rules_fingerprint

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "raw" / "2022"
NOTEBOOKS = ROOT / "notebooks"
STEMS = [
    "2022Q1-季度通报",
    "2022Q2-季度通报",
    "2022Q3-季度通报",
    "2022Q4-季度通报",
    "2022-年度考核",
]
MARKUP = "<script>alert(1)</script>"
FORMULA = "=1+2 不是公式"
MAX_BYTES = 6_000_000


def kaohe(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kaohe", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=600,
        env={**os.environ, **(env or {})},
    )


def copy_ledger(dest: Path) -> Path:
    dest.mkdir(parents=True)
    for f in SAMPLE.glob("*.csv"):
        (dest / f.name).write_bytes(f.read_bytes())
    return dest


def retitle(ledger: Path, titles: dict[str, str]) -> None:
    path = ledger / "报送.csv"
    df = pl.read_csv(path, infer_schema=False)
    df = df.with_columns(
        pl.col("信息编号").replace_strict(titles, default=pl.col("标题")).alias("标题")
    )
    path.write_text(df.write_csv(), encoding="utf-8")


@pytest.fixture(scope="module")
def sample_reports(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("reports")
    r = kaohe("report", "--all", "--ledger", str(SAMPLE), "--out", str(out))
    assert r.returncode == 0, r.stdout + r.stderr
    return out / "2022"


@pytest.fixture(scope="module")
def markup_ids() -> list[str]:
    ctx = views.load_context(SAMPLE)
    q = ctx.rules.quarter("Q3")
    ids = views.notable_adoptions(ctx, q.start, q.end)["item_id"].unique(maintain_order=True)
    assert ids.len() >= 2
    return ids.head(2).to_list()


@pytest.fixture(scope="module")
def markup_report(tmp_path_factory: pytest.TempPathFactory, markup_ids: list[str]) -> Path:
    tmp = tmp_path_factory.mktemp("markup")
    ledger = copy_ledger(tmp / "台账")
    retitle(ledger, {markup_ids[0]: MARKUP, markup_ids[1]: FORMULA})
    # A broken `python3` kernelspec first on the Jupyter path: a report that looked kernels
    # up by name would fail.
    spec = tmp / "jupyter" / "kernels" / "python3"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(
        json.dumps(
            {
                "argv": ["/bin/false", "{connection_file}"],
                "language": "python",
                "display_name": "broken",
            }
        ),
        encoding="utf-8",
    )
    jp = str(tmp / "jupyter")
    r = kaohe(
        "report",
        "--quarter",
        "2022Q3",
        "--ledger",
        str(ledger),
        "--out",
        str(tmp / "out"),
        env={"JUPYTER_PATH": jp, "JUPYTER_DATA_DIR": jp},
    )
    assert r.returncode == 0, r.stdout + r.stderr
    return tmp / "out" / "2022"


def html_of(folder: Path, stem: str) -> str:
    return (folder / f"{stem}.html").read_text(encoding="utf-8")


# ---- the notebooks --------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["quarterly.ipynb", "annual.ipynb"])
def test_notebooks_are_parameterised_and_thin(name: str) -> None:
    nb = json.loads((NOTEBOOKS / name).read_text(encoding="utf-8"))
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    first = "".join(code[0]["source"])
    assert nb["cells"][0] is code[0]
    assert "plotly.offline.init_notebook_mode(connected=False)" in first
    tagged = [c for c in code if "parameters" in c["metadata"].get("tags", [])]
    assert len(tagged) == 1
    names = {
        t.id
        for s in ast.parse("".join(tagged[0]["source"])).body
        for t in getattr(s, "targets", [])
    }
    expected = {"year", "ledger_path", "rules_path", "out_dir"}
    assert names == (expected | {"quarter"} if name == "quarterly.ipynb" else expected)
    for c in code:
        if c is tagged[0]:
            continue
        body = ast.parse("".join(c["source"])).body
        statements = [s for s in body if not isinstance(s, ast.Import | ast.ImportFrom)]
        assert len(statements) <= 2, c["source"]  # one or two library calls a cell


# ---- the sample reports ---------------------------------------------------------------------


def test_every_report_is_written_with_its_notebook_and_tables(sample_reports: Path) -> None:
    for stem in STEMS:
        html = sample_reports / f"{stem}.html"
        assert html.is_file(), stem
        assert html.stat().st_size <= MAX_BYTES, (stem, html.stat().st_size)
        assert (sample_reports / f"{stem}.ipynb").is_file()
        wb = openpyxl.load_workbook(sample_reports / f"{stem}.xlsx")
        assert len(wb.sheetnames) >= 8
    assert not [p for p in sample_reports.iterdir() if p.name.startswith(".")]  # no temp files


@pytest.mark.parametrize("stem", STEMS)
def test_html_has_no_code_and_reaches_for_nothing(sample_reports: Path, stem: str) -> None:
    html = html_of(sample_reports, stem)
    for code in (
        "jp-InputArea-editor",
        "cm-editor",
        'class="highlight',
        "init_notebook_mode",
        "views.quarter_report(",
        "render.table(",
    ):
        assert code not in html, code
    p = Attrs()
    p.feed(html)
    external = [
        (t, k, v)
        for t, k, v in p.attrs
        if k in ("src", "href") and re.match(r"^\s*(https?:)?//", v, re.IGNORECASE)
    ]
    assert external == []
    assert "link" not in p.tags  # no stylesheet links at all: styles are inline
    assert not re.search(r"<script[^>]*\ssrc=", html)
    assert not re.search(r"@import", html)


def print_figures(html: str) -> int:
    """The static figures a page carries for print only (one per option of a menu chart)."""
    return html.count('<div class="kh-print-cell">')


@pytest.mark.parametrize("stem", STEMS)
def test_plotly_js_is_embedded_exactly_once(sample_reports: Path, stem: str) -> None:
    html = html_of(sample_reports, stem)
    assert html.count("* plotly.js v") == 1
    figures = figure_count(sample_reports / f"{stem}.ipynb")
    assert html.count('class="plotly-graph-div"') == figures + print_figures(html)
    # plotly.js comes after the content (inert text run after the first paint), and no figure
    # calls it before: each queues its drawing
    bundle = html.index("* plotly.js v")
    assert bundle > html.rindex('class="plotly-graph-div"') and bundle > html.index("<footer")
    assert html.rfind('<script type="text/plain" id="kh-plotly-js">', 0, bundle) > 0
    assert html.index("window.khPlots = window.khPlots || []") < html.index("<h1>")


def test_the_header_says_what_was_scored(sample_reports: Path) -> None:
    rules = load_rules()
    ledger_sha = read_ledger(SAMPLE, rules).fingerprint
    rules_sha = rules_fingerprint()
    for stem in STEMS:
        html = html_of(sample_reports, stem)
        assert ledger_sha in html and rules_sha in html, stem
        assert '<html lang="zh">' in html
    q3 = html_of(sample_reports, "2022Q3-季度通报")
    assert "<title>2022年度第三季度（2022年6月—8月）党委、政务信息工作通报</title>" in q3
    assert "一、总体情况" in q3 and "三、存在问题" in q3
    q1 = html_of(sample_reports, "2022Q1-季度通报")
    assert "2022年度第一季度（2021年12月—2022年2月）" in q1
    annual = html_of(sample_reports, "2022-年度考核")
    assert "2022年度（2021年12月—2022年11月）党委、政务信息工作考核结果" in annual
    for stem in STEMS:  # the header: issuer, title, period, dates; files at the end
        html = html_of(sample_reports, stem)
        head = html[html.index('<header class="kh-header">') : html.index("</header>")]
        assert "绍兴市人力资源和社会保障局办公室" in head and "数据截至：" in head
        assert "sha256" not in head and "data/raw" not in head and "kaohe 0" not in head
        foot = html[html.index('<footer class="kh-footer">') :]
        assert "<caption>版本信息</caption>" in foot and ledger_sha in foot and rules_sha in foot
        assert "<td>data/raw/2022</td>" in foot and "<td>params/2022.yaml（" in foot
        assert str(SAMPLE) not in html and str(sample_reports) not in html
    # the notification of Q4 ends on the year: the engine applies every clause
    assert "年度累计：按全年判断的条款" in q3 and "2022-08-31（年度累计视图）" in q3
    q4 = html_of(sample_reports, "2022Q4-季度通报")
    assert "全年：适用考核办法全部条款，与年度考核结果一致" in q4 and "2022-11-30（全年）" in q4


def _class_sheets(path: Path, names: list[str]) -> dict[str, list[tuple[Any, ...]]]:
    """Each named sheet's rows under its header (rank in the first column), up to the note."""
    wb = openpyxl.load_workbook(path)
    out = {}
    for name in names:
        rows = list(wb[name].iter_rows(values_only=True))
        first = next(i for i, r in enumerate(rows) if isinstance(r[0], int))
        body = []
        for r in rows[first:]:
            if not isinstance(r[0], int):
                break
            body.append(r)
        out[name] = body
    return out


def test_the_workbooks_rank_within_each_class(sample_reports: Path) -> None:
    # rank means one thing: the engine's rank within the class; every class starts at 1
    classes = ["A", "B", "C", "D"]
    year = _class_sheets(
        sample_reports / "2022-年度考核.xlsx", [f"{g}类得分" for g in classes] + ["区县得分"]
    )
    q4 = _class_sheets(
        sample_reports / "2022Q4-季度通报.xlsx", [f"{g}类" for g in classes] + ["区县"]
    )
    for sheets in (year, q4):
        for name, rows in sheets.items():
            ranks = [r[0] for r in rows]
            assert ranks[0] == 1 and ranks == sorted(ranks) and ranks[-1] <= len(rows), name
    # the fourth quarter's total (累计得分) is the year's (总得分), unit by unit
    total_q4 = {r[1]: r[9] for rows in q4.values() for r in rows}
    total_year = {r[1]: r[3] for g in classes for r in year[f"{g}类得分"]}
    total_year |= {r[1]: r[6] for r in year["区县得分"]}
    assert total_q4 == total_year and len(total_q4) == 21


def test_the_executed_notebook_keeps_the_parameters_as_given(sample_reports: Path) -> None:
    nb = json.loads((sample_reports / "2022Q3-季度通报.ipynb").read_text(encoding="utf-8"))
    params = nb["metadata"]["papermill"]["parameters"]
    assert params["quarter"] == "Q3" and params["year"] == 2022
    assert params["ledger_path"] == str(SAMPLE)
    assert all(c.get("execution_count") for c in nb["cells"] if c["cell_type"] == "code")


def test_external_references_are_found_in_markup_not_in_scripts() -> None:
    from kaohe.publish import external_references

    page = (
        '<script src="https://cdn.example/x.js"></script><a href="#here">本页</a>'
        '<link rel="stylesheet" href="//cdn.example/a.css"><img src="data:image/png;base64,AA">'
        "<script>var u = \"<a href='https://plotly.com'>\"</script>"
        "<style>@import url(https://fonts.example/f.css);</style>"
    )
    found = external_references(page)
    assert len(found) == 3
    assert any("https://cdn.example/x.js" in f for f in found)
    assert any("//cdn.example/a.css" in f for f in found)
    assert any("@import" in f for f in found)


# ---- text from the ledger, the kernel, failures -----------------------------------------------


def test_a_title_with_markup_renders_as_text(markup_report: Path) -> None:
    html = html_of(markup_report, "2022Q3-季度通报")
    assert MARKUP not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "=1+2 不是公式" in html


def test_the_excel_export_keeps_titles_as_text(markup_report: Path) -> None:
    wb = openpyxl.load_workbook(markup_report / "2022Q3-季度通报.xlsx")
    cells = {
        c.value: c
        for ws in wb.worksheets
        for row in ws.iter_rows()
        for c in row
        if isinstance(c.value, str)
    }
    assert cells[MARKUP].data_type == "s"
    assert cells[FORMULA].data_type == "s"  # text, not a formula


def test_a_failed_cell_stops_the_run_in_chinese(tmp_path: Path) -> None:
    ledger = copy_ledger(tmp_path / "台账")
    path = ledger / "报送.csv"
    df = pl.read_csv(path, infer_schema=False)
    df = df.with_columns(
        pl.when(pl.int_range(pl.len()) == 0)
        .then(pl.lit("不存在的处"))
        .otherwise(pl.col("报送单位"))
        .alias("报送单位")
    )
    path.write_text(df.write_csv(), encoding="utf-8")
    out = tmp_path / "out"
    r = kaohe("report", "--quarter", "2022Q2", "--ledger", str(ledger), "--out", str(out))
    assert r.returncode == 1
    assert "报告未生成" in r.stderr and "执行出错" in r.stderr
    assert "台账" in r.stderr and "无法计分" in r.stderr and "不存在的处" in r.stderr
    assert "Traceback" not in r.stderr
    folder = out / "2022"
    # kept for inspection under a name that is not the report's
    kept = folder / "2022Q2-季度通报.失败.ipynb"
    assert kept.is_file() and "已保留" in r.stderr and str(kept) in r.stderr.replace("\n", "")
    assert sorted(p.name for p in folder.iterdir()) == [kept.name]
    # a report made earlier stays whole, and the message says it is the earlier one
    old = {
        folder / "2022Q2-季度通报.html": b"<html>\xe6\xad\xa4\xe5\x89\x8d</html>",
        folder / "2022Q2-季度通报.ipynb": b"{}",
        folder / "2022Q2-季度通报.xlsx": b"PK",
    }
    for path, data in old.items():
        path.write_bytes(data)
    r = kaohe("report", "--quarter", "2022Q2", "--ledger", str(ledger), "--out", str(out))
    assert r.returncode == 1 and "是此前生成的，未被改动" in r.stderr
    assert {p: p.read_bytes() for p in old} == old  # no new notebook beside the old page
    assert sorted(p.name for p in folder.iterdir()) == sorted([kept.name, *(p.name for p in old)])


def test_bad_arguments_are_refused_before_anything_runs(tmp_path: Path) -> None:
    r = kaohe("report", "--quarter", "2022Q5", "--out", str(tmp_path))
    assert r.returncode == 2 and "没有季度" in r.stderr
    r = kaohe("report", "--out", str(tmp_path))
    assert r.returncode == 2 and "--quarter" in r.stderr
    assert not list(tmp_path.iterdir())


# ---- a real browser, offline -------------------------------------------------------------------


@pytest.mark.parametrize("stem", STEMS)
def test_every_chart_draws_offline_in_a_browser(
    browser: Any, sample_reports: Path, stem: str
) -> None:
    seen = open_offline(browser, sample_reports / f"{stem}.html")
    statics = print_figures(html_of(sample_reports, stem))
    assert seen["expected"] == figure_count(sample_reports / f"{stem}.ipynb") + statics
    assert seen["expected"] - statics >= 4
    assert seen["drawn"] == seen["expected"]
    assert seen["plotly"]
    assert seen["errors"] == [] and seen["blocked"] == []
    assert "党委、政务信息工作" in seen["heading"]


def test_markup_in_a_title_never_runs_in_the_browser(browser: Any, markup_report: Path) -> None:
    seen = open_offline(browser, markup_report / "2022Q3-季度通报.html")
    assert seen["dialogs"] == [] and seen["errors"] == [] and seen["blocked"] == []
    assert seen["drawn"] == seen["expected"]


def _opened(browser: Any, path: Path, width: int = 1400) -> tuple[Any, Any]:
    """A page opened offline and drawn: (context, page)."""
    context = browser.new_context(viewport={"width": width, "height": 1000})
    context.route(
        "**/*", lambda r: r.continue_() if r.request.url.startswith("file:") else r.abort()
    )
    page = context.new_page()
    page.goto(path.as_uri(), wait_until="load")
    page.wait_for_function(
        "document.querySelectorAll('.js-plotly-plot .main-svg').length >="
        " document.querySelectorAll('.plotly-graph-div').length",
        timeout=30_000,
    )
    return context, page


def test_the_toolbar_speaks_chinese_and_uploads_nothing(browser: Any, sample_reports: Path) -> None:
    context, page = _opened(browser, sample_reports / "2022Q3-季度通报.html")
    graph = page.locator(".js-plotly-plot").first
    graph.scroll_into_view_if_needed()
    graph.hover()
    titles = page.evaluate(
        "Array.from(document.querySelectorAll('.modebar-btn'))"
        ".map(b => b.getAttribute('data-title') || b.getAttribute('title') || '')"
    )
    assert len(titles) >= 5
    assert all(re.search(r"[\u4e00-\u9fff]", t) for t in titles), titles
    assert "下载图表为PNG格式" in titles and "重置轴" in titles
    said = page.evaluate(
        "Array.from(document.querySelectorAll('[title], [data-title]'))"
        ".map(e => (e.getAttribute('title') || '') + (e.getAttribute('data-title') || ''))"
    )
    assert not [t for t in said if re.search("Cloud|Chart Studio|Share|Edit in", t)]
    logo = "a[href*='plotly'], .modebar-btn--logo, .plotlyjsicon"
    assert page.evaluate(f"document.querySelectorAll({logo!r}).length") == 0
    context.close()


def test_the_text_paints_before_plotly_js_is_parsed(browser: Any, sample_reports: Path) -> None:
    context, page = _opened(browser, sample_reports / "2022-年度考核.html")
    times = page.evaluate("window.khTimes")
    paint = page.evaluate(
        "performance.getEntriesByName('first-contentful-paint').map(e => e.startTime)"
    )
    assert paint and paint[0] < times["plotly"] < times["parsed"] <= times["drawn"]
    context.close()


@pytest.mark.parametrize("stem", STEMS)
def test_every_chart_fits_a4_portrait_in_print(
    browser: Any, sample_reports: Path, stem: str, tmp_path: Path
) -> None:
    # a desktop browser printing: print media, the page's beforeprint handler; the window
    # 794 px wide (A4 at 96 dpi), the printable width within the page's margins less
    context, page = _opened(browser, sample_reports / f"{stem}.html", width=794)
    screen = page.evaluate("document.querySelector('.js-plotly-plot')._fullLayout.width")
    page.emulate_media(media="print")
    page.evaluate("window.dispatchEvent(new Event('beforeprint'))")
    width = page.evaluate(
        "(() => { const d = document.createElement('div');"
        " d.style.width = 'var(--kh-print-width)'; document.body.appendChild(d);"
        " const w = d.getBoundingClientRect().width; d.remove(); return w; })()"
    )
    assert 600 < width < 794
    boxes = page.evaluate(
        "Array.from(document.querySelectorAll('.js-plotly-plot'))"
        ".filter(g => g.offsetParent !== null).map(g => {"
        " const r = g.getBoundingClientRect(); const s = g.querySelector('svg.main-svg');"
        " return [r.left, r.right, s.getBoundingClientRect().right]; })"
    )
    html = html_of(sample_reports, stem)
    statics = print_figures(html)
    menus = html.count('<div class="kh-screen-only">')  # shown on screen only
    assert len(boxes) == figure_count(sample_reports / f"{stem}.ipynb") - menus + statics
    left = page.evaluate("document.querySelector('main').getBoundingClientRect().left")
    for lo, hi, svg in boxes:
        assert lo >= left - 0.5 and hi <= left + width + 0.5 and svg <= left + width + 0.5
    # a chart with a menu prints every option (the annual 附图二): shown, the menu hidden
    shown = page.evaluate(
        "Array.from(document.querySelectorAll('.kh-print-only .js-plotly-plot'))"
        ".filter(g => g.offsetParent !== null && getComputedStyle(g.closest('.kh-print-only'))"
        ".visibility === 'visible').length"
    )
    assert shown == statics and (statics == 21) == (stem == "2022-年度考核")
    assert page.evaluate(
        "Array.from(document.querySelectorAll('.kh-screen-only')).every(e => !e.offsetParent)"
    )
    # headings stay with what follows; marked rows keep their shading; rows stay whole
    style = page.evaluate(
        "(() => { const h = document.querySelector('.jp-MarkdownCell h2');"
        " const m = document.querySelector('tr.kh-mark td')"
        " || document.querySelector('table.kh th');"
        " const r = document.querySelector('table.kh tr');"
        " return [getComputedStyle(h).breakAfter, getComputedStyle(m).printColorAdjust,"
        " getComputedStyle(r).breakInside]; })()"
    )
    assert style == ["avoid", "exact", "avoid"]
    pdf = page.pdf(format="A4", prefer_css_page_size=True)
    boxes_pt = re.findall(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", pdf)
    assert boxes_pt and all(
        abs(float(w) - 595.3) < 2 and abs(float(h) - 841.9) < 2 for w, h in boxes_pt
    )
    # after printing, back to the screen's width
    page.emulate_media(media="screen")
    page.evaluate("window.dispatchEvent(new Event('afterprint'))")
    page.wait_for_function(
        "w => Math.abs(document.querySelector('.js-plotly-plot')._fullLayout.width - w) <= 1"
        " && !document.documentElement.classList.contains('kh-printing')",
        arg=screen,
        timeout=5_000,
    )
    context.close()


# ---- the workbook's formats (kaohe.present.excel) -------------------------------------------


@pytest.fixture(scope="module")
def q3_workbook(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    from kaohe.present import excel

    r = views.quarter_report_for(views.load_context(SAMPLE), 2022, "Q3")
    one, two = tmp_path_factory.mktemp("xlsx1"), tmp_path_factory.mktemp("xlsx2")
    excel.quarter_excel(r, one)
    excel.quarter_excel(r, two)
    return one / f"{r.stem}.xlsx", two / f"{r.stem}.xlsx"


def test_the_workbook_formats_scores_rates_and_fonts(q3_workbook: tuple[Path, Path]) -> None:
    path, again = q3_workbook
    assert path.read_bytes() == again.read_bytes()  # deterministic bytes
    wb = openpyxl.load_workbook(path)
    ws = wb["B类"]
    header = [c.value for c in ws[3]]
    row = ws[5]
    cells = dict(zip(header, row, strict=False))
    assert cells["排名"].number_format == "0" and isinstance(cells["排名"].value, int)
    for col in ("本季度得分", "累计得分", "基本任务分"):
        assert cells[col].number_format == "0.00", col
    assert cells["完成率"].number_format == "0.00%"
    assert cells["单位"].font.name == "宋体" and ws["A1"].font.name == "宋体"
    assert ws["A3"].font.name == "宋体" and ws["A3"].font.b


def test_the_workbook_prints_on_a4_fitted_to_width(q3_workbook: tuple[Path, Path]) -> None:
    wb = openpyxl.load_workbook(q3_workbook[0])
    for name in ("A类", "区县", "进度滞后", "台账问题"):
        ws = wb[name]
        assert ws.page_setup.paperSize == 9, name  # A4
        assert ws.sheet_properties.pageSetUpPr.fitToPage, name
        assert ws.page_setup.fitToWidth in (None, 1) and ws.page_setup.fitToHeight == 0, name
    # the class sheets have two header rows (本季度录用|中央 …), repeated on every page
    assert wb["A类"].print_title_rows == "$3:$4"
    assert wb["进度滞后"].print_title_rows == "$3:$3"
    # wide sheets print landscape; long text wraps in a column of bounded width
    assert wb["A类"].page_setup.orientation == "landscape"
    ws = wb["进度滞后"]
    col = next(c.column_letter for c in ws[3] if c.value == "明显滞后的事项")
    assert ws[f"{col}4"].alignment.wrap_text
    assert ws.column_dimensions[col].width <= 50


def test_the_workbook_holds_the_text_of_the_notification(q3_workbook: tuple[Path, Path]) -> None:
    wb = openpyxl.load_workbook(q3_workbook[0])
    assert wb.sheetnames[0] == "通报正文" and wb.sheetnames[-1] == "说明"
    text = [c.value for c in wb["通报正文"]["A"] if c.value]
    for heading in ("一、总体情况", "二、得分情况", "三、存在问题", "四、下一步工作要求"):
        assert heading in text
    assert any(str(v).startswith("（一）进度明显滞后") for v in text)
