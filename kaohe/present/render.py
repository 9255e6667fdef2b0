"""Tables and texts of the pages as HTML (every ledger string escaped); the Excel sheets are
written by `kaohe.present.excel`.

HTML is built here with `html.escape` around every value that comes from data: a title such as
``<script>alert(1)</script>`` shows as text. Nothing is passed to a Markdown renderer.
A table is one widget for every page (`table_html`): the reports show it plain; the
exploration page (`grid`) adds a search box, a menu filtering one column and headers that sort
on click, from a small script that reads the table's own DOM (no data is written into it), so
that without JavaScript it is still the complete table.

Nothing here depends on the day it runs: the header (in its metadata, for the page's colophon)
and the workbooks carry the ledger's and the rules file's sha256, the kaohe version and the
latest date recorded in the ledger (never "today"), so a rerun on the same inputs gives the
same bytes. The header itself shows what a reader needs: issuer, title, period, dates.
"""

from __future__ import annotations

import html
import os
import uuid
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl

from kaohe import __version__
from kaohe.ledger.model import Ledger
from kaohe.present.views import (
    AnnualReport,
    Column,
    Context,
    QuarterReport,
    Section,
    Table,
    fmt_value,
    table_frame,
)


class Html:
    """An HTML fragment the notebook displays as is (built here, escaped). `meta` (the
    fingerprints of a page header) goes into the output's metadata under "kaohe", where the
    publisher of the report finds it (`kaohe.publish.fingerprints`)."""

    def __init__(self, body: str, label: str = "", meta: dict[str, str] | None = None) -> None:
        self.body = body
        self.label = label
        self.meta = meta

    def _repr_html_(self) -> str:
        return self.body

    def _repr_mimebundle_(
        self, include: Any = None, exclude: Any = None
    ) -> tuple[dict[str, str], dict[str, Any]]:
        return {"text/html": self.body}, ({"kaohe": dict(self.meta)} if self.meta else {})

    def __repr__(self) -> str:
        return f"<{self.label or 'HTML'}>"

    def __str__(self) -> str:
        return self.body


NOWRAP_CHARS = 14  # text columns whose values are all this short are not wrapped
NUMERIC = ("int", "pts", "pct")


def esc(value: object) -> str:
    return html.escape("" if value is None else str(value), quote=True)


# ---- tables: one widget, plain or searchable -----------------------------------------------


def _header_rows(columns: Sequence[Column], sortable: bool = False) -> str:
    """One header row, or two when headers use 'group|sub' (the group spans its columns).
    Sortable: each column's own header cell names its column and type for the script."""

    def leaf(i: int, label: str, extra: str = "") -> str:
        key = ""
        if sortable:
            kind = "num" if columns[i].fmt in NUMERIC else "text"
            key = f' data-col="{i}" data-type="{kind}"'
        return f"<th{extra}{key}>{esc(label)}</th>"

    split = [c.header.split("|", 1) for c in columns]
    if all(len(s) == 1 for s in split):
        return "<tr>" + "".join(leaf(i, c.header) for i, c in enumerate(columns)) + "</tr>"
    top: list[str] = []
    bottom: list[str] = []
    i = 0
    while i < len(split):
        s = split[i]
        if len(s) == 1:
            top.append(leaf(i, s[0], ' rowspan="2"'))
            i += 1
            continue
        j = i
        while j < len(split) and len(split[j]) == 2 and split[j][0] == s[0]:
            bottom.append(leaf(j, split[j][1]))
            j += 1
        top.append(f'<th colspan="{j - i}">{esc(s[0])}</th>')
        i = j
    return f"<tr>{''.join(top)}</tr><tr>{''.join(bottom)}</tr>"


def _table_body(table: Table, sortable: bool = False) -> str:
    """The <table> of a non-empty Table: headers, rows (marked ones with kh-mark), numbers
    right-aligned (sortable: with their value in data-v), short text kept on one line."""
    cols = table.columns
    raw = list(table_frame(table).iter_rows())
    rows = [[fmt_value(v, c.fmt) for v, c in zip(r, cols, strict=True)] for r in raw]
    classes = [
        "num"
        if c.fmt in NUMERIC
        else "nw"
        if max(len(r[i]) for r in rows) <= NOWRAP_CHARS
        else "wide"
        for i, c in enumerate(cols)
    ]
    marks = (
        table.frame[table.highlight].fill_null(False).to_list()
        if table.highlight
        else [False] * len(rows)
    )
    parts = [f'<table class="kh"><thead>{_header_rows(cols, sortable)}</thead><tbody>']
    for values, texts, mark in zip(raw, rows, marks, strict=True):
        cells = []
        for v, t, cls in zip(values, texts, classes, strict=True):
            data = ""
            if sortable and cls == "num":
                data = f' data-v="{"" if v is None else f"{float(v):.6g}"}"'
            cells.append(f'<td class="{cls}"{data}>{esc(t)}</td>')
        row_cls = ' class="kh-mark"' if mark else ""
        parts.append(f"<tr{row_cls}>{''.join(cells)}</tr>")
    parts.append("</tbody></table>")
    return "".join(parts)


def _table_section(table: Table, attrs: str, inner: Callable[[], str]) -> str:
    """A table's section: its title, the table (`inner`) or what stands for an empty one, and
    its note."""
    parts = [f"<section {attrs}><h3>{esc(table.title)}</h3>"]
    parts.append(inner() if table.frame.height else f'<p class="kh-empty">{esc(table.empty)}</p>')
    if table.note:
        parts.append(f'<p class="kh-note">注：{esc(table.note)}</p>')
    parts.append("</section>")
    return "".join(parts)


def table_html(table: Table) -> str:
    """A table of a report: escaped HTML, no script."""
    return _table_section(table, 'class="kh-table"', lambda: _table_body(table))


def table(t: Table | Iterable[Table]) -> Html:
    """One table or several, as escaped HTML."""
    tables = [t] if isinstance(t, Table) else list(t)
    return Html("".join(table_html(x) for x in tables), "表格")


# The searchable table's own style (it is also shown in JupyterLab, without the page's CSS).
_GRID_CSS = """<style>
.kh-grid { margin: 14px 0 24px; }
.kh-grid h3 { font-size: 16px; margin: 0 0 6px; }
.kh-grid-bar { display: flex; gap: 10px; align-items: center; margin: 4px 0 6px; flex-wrap: wrap;
  font-size: 13px; }
.kh-grid-bar input, .kh-grid-bar select { font: inherit; padding: 2px 6px;
  border: 1px solid #aab7b8; border-radius: 3px; }
.kh-grid-bar input { min-width: 220px; }
.kh-grid-count { color: #5d6d7e; }
.kh-grid-scroll { max-height: 560px; overflow: auto; border: 1px solid #d5d8dc; }
.kh-grid table.kh { margin: 0; border-collapse: collapse; width: 100%; font-size: 13.5px; }
.kh-grid table.kh th, .kh-grid table.kh td { border: 1px solid #d5d8dc; padding: 4px 8px;
  vertical-align: top; text-align: left; }
.kh-grid table.kh th { background: #eaeded; font-weight: 600; text-align: center; }
.kh-grid table.kh td.num { text-align: right; font-variant-numeric: tabular-nums;
  white-space: nowrap; }
.kh-grid table.kh td.nw { white-space: nowrap; }
.kh-grid table.kh tr.kh-mark td { background: #fdf2e9; }
.kh-grid table.kh thead th { position: sticky; top: 0; z-index: 1; }
.kh-grid table.kh thead th[data-col] { cursor: pointer; }
.kh-grid table.kh td.wide { min-width: 12em; }
.kh-grid th[data-dir="asc"]::after { content: " ▲"; }
.kh-grid th[data-dir="desc"]::after { content: " ▼"; }
</style>"""

# Reads everything from the table's own DOM: no data is ever written into the script.
_GRID_JS = """<script>
(function () {
  var root = document.getElementById("%(id)s");
  if (!root || root.getAttribute("data-ready")) { return; }
  root.setAttribute("data-ready", "1");
  var body = root.querySelector("tbody");
  if (!body) { return; }
  var rows = Array.prototype.slice.call(body.rows);
  var search = root.querySelector("input");
  var menu = root.querySelector("select");
  var count = root.querySelector(".kh-grid-count");
  var col = parseInt(root.getAttribute("data-filter-col") || "-1", 10);
  var heads = root.querySelectorAll("thead th[data-col]");
  function apply() {
    var q = search.value.trim().toLowerCase();
    var f = menu ? menu.value : "";
    var shown = 0;
    rows.forEach(function (r) {
      var ok = (!f || r.cells[col].textContent === f) &&
        (!q || r.textContent.toLowerCase().indexOf(q) >= 0);
      r.style.display = ok ? "" : "none";
      if (ok) { shown += 1; }
    });
    count.textContent = "显示 " + shown + " / " + rows.length + " 行";
  }
  function key(cell, numeric) {
    if (!numeric) { return cell.textContent; }
    var v = parseFloat(cell.getAttribute("data-v"));
    return isNaN(v) ? -Infinity : v;
  }
  Array.prototype.forEach.call(heads, function (th) {
    var i = parseInt(th.getAttribute("data-col"), 10);
    th.addEventListener("click", function () {
      var dir = th.getAttribute("data-dir") === "asc" ? "desc" : "asc";
      Array.prototype.forEach.call(heads, function (o) { o.removeAttribute("data-dir"); });
      th.setAttribute("data-dir", dir);
      var numeric = th.getAttribute("data-type") === "num";
      rows.sort(function (a, b) {
        var x = key(a.cells[i], numeric), y = key(b.cells[i], numeric);
        var c = numeric ? (x < y ? -1 : x > y ? 1 : 0) : String(x).localeCompare(String(y), "zh");
        return dir === "asc" ? c : -c;
      });
      rows.forEach(function (r) { body.appendChild(r); });
    });
  });
  search.addEventListener("input", apply);
  if (menu) {
    menu.addEventListener("change", apply);
    var chosen = root.getAttribute("data-selected");
    if (chosen !== null && Array.prototype.some.call(menu.options, function (o) {
      return o.value === chosen;
    })) { menu.value = chosen; }
  }
  apply();
})();
</script>"""


def grid(
    table: Table,
    filter_key: str | None = "unit",
    selected: str | None = None,
    filter_label: str = "单位",
) -> Html:
    """`table` searchable: a search box, a menu filtering one column (`filter_key`, first
    showing `selected`), and headers that sort on click. Every value is escaped; the script
    reads the table it belongs to and nothing else. Without JavaScript it is the complete
    table."""
    gid = "kh-grid-" + uuid.uuid4().hex[:12]
    keys = [c.key for c in table.columns]
    fidx = keys.index(filter_key) if filter_key in keys else -1
    sel = f' data-selected="{esc(selected)}"' if selected is not None and fidx >= 0 else ""

    def inner() -> str:
        bar = ['<div class="kh-grid-bar"><input type="search" placeholder="搜索（任意关键字）">']
        if fidx >= 0:
            values = table.frame[keys[fidx]].cast(pl.String).unique(maintain_order=True)
            options = "".join(
                f'<option value="{esc(v)}">{esc(v)}</option>' for v in values.drop_nulls()
            )
            bar.append(
                f"<label>{esc(filter_label)} <select>"
                f'<option value="">全部</option>{options}</select></label>'
            )
        bar.append('<span class="kh-grid-count"></span></div>')
        body = _table_body(table, sortable=True)
        return "".join(bar) + f'<div class="kh-grid-scroll">{body}</div>'

    attrs = f'class="kh-grid" id="{gid}" data-filter-col="{fidx}"{sel}'
    page = _GRID_CSS + _table_section(table, attrs, inner)
    if table.frame.height:
        page += _GRID_JS % {"id": gid}
    return Html(page, "表格")


# ---- texts and page headers ----------------------------------------------------------------


def sections(secs: Iterable[Section]) -> Html:
    """Numbered parts of a notification (一、总体情况 …), escaped; a part without a heading is
    its paragraphs only."""
    out = ['<div class="kh-text">']
    for s in secs:
        if s.heading:
            out.append(f"<h2>{esc(s.heading)}</h2>")
        out.extend(f"<p>{esc(p)}</p>" for p in s.paragraphs)
    out.append("</div>")
    return Html("".join(out), "正文")


def heading(text: str, level: int = 2) -> Html:
    return Html(f"<h{level}>{esc(text)}</h{level}>", text)


def ledger_date(ledger: Ledger) -> date | None:
    """The latest day anything happened in the ledger (submitted, adopted, awarded, a
    commission delivered): the date a report's data reaches, not the day it was run."""
    days = [
        ledger.items["submitted"].max(),
        ledger.adoptions["adopted"].max(),
        ledger.awards["awarded"].max(),
        ledger.commissions["delivered"].max(),
    ]
    found = [d for d in days if isinstance(d, date)]
    return max(found) if found else None


def issue_row(ledger: Ledger, issued: date | None = None) -> tuple[str, str]:
    """The dating row of a page header: the day given, else the ledger's latest date."""
    if issued is not None:
        return ("生成日期", issued.isoformat())
    day = ledger_date(ledger)
    return ("台账记录至", day.isoformat() if day else "（台账中没有日期）")


# The project folder: file names on a page are shown relative to it (never a machine's
# absolute path such as /tmp/...).
PROJECT = Path(__file__).resolve().parents[2]
BASIS = "计分口径"  # the header row saying which clauses the figures apply


def shown_path(path: str | os.PathLike[str]) -> str:
    """A file as a page names it: relative to the project folder (data/raw/2022), else its
    name only, marked as outside the project (its sha256 on the page identifies it)."""
    p = Path(os.path.abspath(path))
    try:
        return p.relative_to(PROJECT).as_posix() or "."
    except ValueError:
        return f"{p.name}（项目文件夹外）"


def issuer() -> str:
    """Who issues the pages: the office file's issuer (params/office.yaml, `kaohe.office`)."""
    from kaohe.office import load_office

    return load_office().issuer.name


def fingerprints(ctx: Context) -> dict[str, str]:
    """What identifies a report's inputs: ledger and rules file (path, sha256), kaohe version;
    and the files as the page's colophon names them (`shown_path`)."""
    day = ledger_date(ctx.ledger)
    return {
        "ledger": ctx.ledger_path,
        "ledger_sha256": ctx.ledger_sha256,
        "rules": ctx.rules_path,
        "rules_sha256": ctx.rules_sha256,
        "kaohe_version": __version__,
        "ledger_date": day.isoformat() if day else "",
        "ledger_name": shown_path(ctx.ledger_path),
        "rules_name": f"{shown_path(ctx.rules_path)}（{ctx.rules.meta.title}）",
    }


def page_header(
    title: str,
    subtitle: str,
    ctx: Context,
    rows: Sequence[tuple[str, str]],
    issued: date | None = None,
    note: str | None = None,
) -> Html:
    """A page's head, what a reader needs: the issuer, the title, the period (`subtitle`), the
    page's own `rows` (the as-of date …) with the date of the data, and the basis of the
    figures (the row `BASIS`); then an optional note. Files, fingerprints and the program
    version go to the colophon at the end of the page (the template's footer, from the
    fingerprints this header carries in `Html.meta`)."""
    dated = [*(r for r in rows if r[0] != BASIS), issue_row(ctx.ledger, issued)]
    basis = [v for k, v in rows if k == BASIS]
    body = (
        '<header class="kh-header">'
        f'<p class="kh-issuer">{esc(issuer())}</p>'
        f"<h1>{esc(title)}</h1>"
        f'<p class="kh-subtitle">{esc(subtitle)}</p>'
        '<p class="kh-dates">'
        + "".join(f"<span>{esc(k)}：{esc(v)}</span>" for k, v in dated)
        + "</p>"
        + "".join(f'<p class="kh-basis">{esc(BASIS)}：{esc(v)}</p>' for v in basis)
        + "</header>"
    )
    if note:
        body += f'<p class="kh-note">{esc(note)}</p>'
    return Html(body, "标题", fingerprints(ctx))


def quarter_header(r: QuarterReport, issued: date | None = None) -> Html:
    if r.ytd.annual:  # the end of Q4 is the end of the year: the engine applies every clause
        view = (
            f"{r.quarter.end.isoformat()}（全年）",
            "全年：适用考核办法全部条款，与年度考核结果一致",
        )
    else:
        view = (
            f"{r.quarter.end.isoformat()}（年度累计视图）",
            "年度累计：按全年判断的条款（基本任务、调研文章、区县报送任务）不计分，以差额和进度列出",
        )
    rows = [("计分口径", view[1]), ("数据截至", view[0])]
    return page_header("党委、政务信息工作季度通报", r.label, r.ctx, rows, issued)


def annual_header(a: AnnualReport, issued: date | None = None) -> Html:
    rows = [("计分口径", "全年：适用考核办法全部条款"), ("数据截至", a.scores.end.isoformat())]
    return page_header("党委、政务信息工作年度考核结果", a.label, a.ctx, rows, issued)


# ---- Excel (moved to kaohe.present.excel; these names stay importable from here) ---------


def frame_preview(df: pl.DataFrame) -> Html:
    """Any frame as an escaped HTML table (column names as headers)."""
    t = Table("表", "", df, tuple(Column(c, c) for c in df.columns))
    return Html(table_html(t), "表格")
