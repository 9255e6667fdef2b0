"""Tables and texts of the reports as HTML (every ledger string escaped) and as Excel sheets.

HTML is built here with `html.escape` around every value that comes from data: a title such as
``<script>alert(1)</script>`` shows as text. Nothing is passed to a Markdown renderer.
Excel sheets are written with xlsxwriter, strings with `write_string` and
``strings_to_formulas=False``, so text that looks like a formula (``=1+1``) stays text.

Nothing here depends on the day it runs: the header and the workbooks carry the ledger's and
the rules file's sha256, the kaohe version and the latest date recorded in the ledger (never
"today"), so a rerun on the same inputs gives the same bytes.
"""

from __future__ import annotations

import html
import os
import tempfile
from collections.abc import Iterable, Sequence
from datetime import date, datetime
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
    annual_excel_tables,
    quarter_excel_tables,
    table_frame,
)
from kaohe.rules.periods import quarter_title


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


def esc(value: object) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def fmt_value(value: Any, fmt: str) -> str:
    """A cell as the office writes it: points with at most two decimals, rates as %."""
    if value is None:
        return ""
    if fmt == "pct":
        return f"{float(value) * 100:.2f}%"
    if fmt == "pts":
        s = f"{float(value):.2f}".rstrip("0").rstrip(".")
        return "0" if s == "-0" else s
    if fmt == "int":
        return str(int(value))
    if fmt == "date" and isinstance(value, date | datetime):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value)


def _header_rows(columns: Sequence[Column]) -> str:
    """One header row, or two when headers use 'group|sub' (the group spans its columns)."""
    split = [c.header.split("|", 1) for c in columns]
    if all(len(s) == 1 for s in split):
        return "<tr>" + "".join(f"<th>{esc(c.header)}</th>" for c in columns) + "</tr>"
    top: list[str] = []
    bottom: list[str] = []
    i = 0
    while i < len(split):
        s = split[i]
        if len(s) == 1:
            top.append(f'<th rowspan="2">{esc(s[0])}</th>')
            i += 1
            continue
        j = i
        while j < len(split) and len(split[j]) == 2 and split[j][0] == s[0]:
            bottom.append(f"<th>{esc(split[j][1])}</th>")
            j += 1
        top.append(f'<th colspan="{j - i}">{esc(s[0])}</th>')
        i = j
    return f"<tr>{''.join(top)}</tr><tr>{''.join(bottom)}</tr>"


def table_html(table: Table) -> str:
    parts = [f'<section class="kh-table"><h3>{esc(table.title)}</h3>']
    df = table.frame
    if df.height == 0:
        parts.append(f'<p class="kh-empty">{esc(table.empty)}</p>')
    else:
        parts.append('<table class="kh"><thead>')
        parts.append(_header_rows(table.columns))
        parts.append("</thead><tbody>")
        keys = [c.key for c in table.columns]
        marks = (
            df[table.highlight].fill_null(False).to_list()
            if table.highlight
            else [False] * df.height
        )
        rows = [
            [fmt_value(v, c.fmt) for v, c in zip(row, table.columns, strict=True)]
            for row in df.select(keys).iter_rows()
        ]
        classes = []
        for i, col in enumerate(table.columns):
            if col.fmt in ("int", "pts", "pct"):
                classes.append(' class="num"')
            elif max(len(r[i]) for r in rows) <= NOWRAP_CHARS:
                classes.append(' class="nw"')  # short text: keep on one line
            else:
                classes.append("")
        for row, mark in zip(rows, marks, strict=True):
            cls = ' class="kh-mark"' if mark else ""
            cells = [f"<td{a}>{esc(v)}</td>" for v, a in zip(row, classes, strict=True)]
            parts.append(f"<tr{cls}>{''.join(cells)}</tr>")
        parts.append("</tbody></table>")
    if table.note:
        parts.append(f'<p class="kh-note">注：{esc(table.note)}</p>')
    parts.append("</section>")
    return "".join(parts)


def table(t: Table | Iterable[Table]) -> Html:
    """One table or several, as escaped HTML."""
    tables = [t] if isinstance(t, Table) else list(t)
    return Html("".join(table_html(x) for x in tables), "表格")


def sections(secs: Iterable[Section]) -> Html:
    """Numbered parts of a notification (一、总体情况 …), escaped."""
    out = ['<div class="kh-text">']
    for s in secs:
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


def fingerprints(ctx: Context) -> dict[str, str]:
    """What identifies a report's inputs: ledger and rules file (path, sha256), kaohe version."""
    day = ledger_date(ctx.ledger)
    return {
        "ledger": ctx.ledger_path,
        "ledger_sha256": ctx.ledger_sha256,
        "rules": ctx.rules_path,
        "rules_sha256": ctx.rules_sha256,
        "kaohe_version": __version__,
        "ledger_date": day.isoformat() if day else "",
    }


def _header(
    title: str, subtitle: str, ctx: Context, as_of: str, kind: str, issued: date | None = None
) -> Html:
    rows = [
        ("台账", f"{ctx.ledger_path}"),
        ("台账指纹（sha256）", ctx.ledger_sha256),
        ("规则文件", f"{ctx.rules_path}（{ctx.rules.meta.title}）"),
        ("规则指纹（sha256）", ctx.rules_sha256),
        ("计分口径", kind),
        ("数据截至", as_of),
        issue_row(ctx.ledger, issued),
        ("程序版本", f"kaohe {__version__}"),
    ]
    meta = "".join(
        f"<tr><th>{esc(k)}</th><td><code>{esc(v)}</code></td></tr>"
        if "sha256" in k
        else f"<tr><th>{esc(k)}</th><td>{esc(v)}</td></tr>"
        for k, v in rows
    )
    body = (
        '<header class="kh-header">'
        f'<p class="kh-issuer">{esc(ctx.rules.meta.source)}</p>'
        f"<h1>{esc(title)}</h1>"
        f'<p class="kh-subtitle">{esc(subtitle)}</p>'
        f'<table class="kh-meta">{meta}</table>'
        "</header>"
    )
    return Html(body, "标题", fingerprints(ctx))


def quarter_header(r: QuarterReport, issued: date | None = None) -> Html:
    return _header(
        "党委、政务信息工作季度通报",
        r.label,
        r.ctx,
        f"{r.quarter.end.isoformat()}（年度累计视图）",
        "年度累计：按全年判断的条款（基本任务、调研文章、区县报送任务）不计分，以差额和进度列出",
        issued,
    )


def annual_header(a: AnnualReport, issued: date | None = None) -> Html:
    return _header(
        "党委、政务信息工作年度考核结果",
        a.label,
        a.ctx,
        a.scores.end.isoformat(),
        "全年：适用考核办法全部条款",
        issued,
    )


# ---- Excel ---------------------------------------------------------------------------------


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_SHEET_BAD = str.maketrans({c: "_" for c in "[]:*?/\\"})


def _sheet_name(name: str, used: set[str]) -> str:
    base = name.translate(_SHEET_BAD)[:31] or "表"
    out, i = base, 2
    while out in used:
        suffix = f"({i})"
        out = base[: 31 - len(suffix)] + suffix
        i += 1
    used.add(out)
    return out


# The document date of a workbook that names none: fixed, like the zip entries' dates that
# xlsxwriter writes, so the same tables give the same bytes.
FIXED_CREATED = datetime(1980, 1, 1)


def write_xlsx(
    tables: Sequence[Table],
    path: str | Path,
    about: Sequence[tuple[str, str]] = (),
    created: datetime | None = None,
    title: str = "",
) -> Path:
    """One sheet per table (title row, Chinese headers, rows, note), written to a temporary
    file and renamed, so a reader never sees half a workbook.

    `about` (label, value) rows — what was scored, the fingerprints — become a last sheet
    说明 and the workbook's custom document properties; `created` is the document date
    (default `FIXED_CREATED`, never the clock): the same tables give the same bytes."""
    import xlsxwriter

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".xlsx.tmp", dir=path.parent)
    os.close(fd)
    try:
        wb = xlsxwriter.Workbook(tmp, {"strings_to_formulas": False, "strings_to_urls": False})
        about_text = "；".join(f"{k}：{v}" for k, v in about)
        wb.set_properties(
            {
                "title": title,
                "author": "kaohe",
                "comments": about_text,
                "created": created or FIXED_CREATED,
            }
        )
        for k, v in about:
            wb.set_custom_property(k, v)
        f_title = wb.add_format({"bold": True, "font_size": 13})
        f_head = wb.add_format(
            {
                "bold": True,
                "align": "center",
                "valign": "vcenter",
                "border": 1,
                "bg_color": "#EAEDED",
                "text_wrap": True,
            }
        )
        f_text = wb.add_format({"border": 1})
        f_int = wb.add_format({"border": 1, "num_format": "0"})
        f_pts = wb.add_format({"border": 1})  # General: 107, 10.5, 65.33
        f_pct = wb.add_format({"border": 1, "num_format": "0.00%"})
        f_note = wb.add_format({"italic": True, "font_color": "#555555"})
        formats = {"int": f_int, "pts": f_pts, "pct": f_pct}
        used: set[str] = set()
        for t in tables:
            ws = wb.add_worksheet(_sheet_name(t.name, used))
            ws.write_string(0, 0, t.title, f_title)
            cols = list(t.columns)
            split = [c.header.split("|", 1) for c in cols]
            two = any(len(s) == 2 for s in split)
            head_row = 2
            if two:
                i = 0
                while i < len(split):
                    s = split[i]
                    if len(s) == 1:
                        ws.merge_range(head_row, i, head_row + 1, i, s[0], f_head)
                        i += 1
                        continue
                    j = i
                    while j < len(split) and len(split[j]) == 2 and split[j][0] == s[0]:
                        ws.write_string(head_row + 1, j, split[j][1], f_head)
                        j += 1
                    if j - i > 1:
                        ws.merge_range(head_row, i, head_row, j - 1, s[0], f_head)
                    else:
                        ws.write_string(head_row, i, s[0], f_head)
                    i = j
                first = head_row + 2
            else:
                for i, c in enumerate(cols):
                    ws.write_string(head_row, i, c.header, f_head)
                first = head_row + 1
            df = table_frame(t)
            for r_i, row in enumerate(df.iter_rows()):
                for c_i, (value, col) in enumerate(zip(row, cols, strict=True)):
                    rr = first + r_i
                    if value is None:
                        ws.write_blank(rr, c_i, None, f_text)
                    elif (
                        col.fmt in formats
                        and isinstance(value, int | float)
                        and not isinstance(value, bool)
                    ):
                        digits = 4 if col.fmt == "pct" else 2
                        ws.write_number(rr, c_i, round(float(value), digits), formats[col.fmt])
                    else:
                        ws.write_string(rr, c_i, fmt_value(value, col.fmt), f_text)
            end = first + df.height
            if df.height == 0:
                ws.write_string(first, 0, t.empty)
                end += 1
            if t.note:
                ws.write_string(end + 1, 0, f"注：{t.note}", f_note)
            for c_i, c in enumerate(cols):
                width = max(
                    [len(c.header.split("|")[-1]) * 2 + 2]
                    + [len(fmt_value(v, c.fmt)) * 2 for v in df[c.key].head(200).to_list()]
                )
                ws.set_column(c_i, c_i, min(max(width, 6), 60))
            ws.freeze_panes(first, 0)
        if about:
            ws = wb.add_worksheet(_sheet_name("说明", used))
            ws.write_string(0, 0, title or "说明", f_title)
            for r_i, (k, v) in enumerate(about, start=2):
                ws.write_string(r_i, 0, k, f_head)
                ws.write_string(r_i, 1, v, f_text)
            ws.set_column(0, 0, max(len(k) for k, _ in about) * 2 + 2)
            ws.set_column(1, 1, min(max(len(v) for _, v in about) + 2, 90))
        wb.close()
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _excel_note(path: Path) -> Html:
    return Html(
        f'<p class="kh-note">本报告各表格的 Excel 版本（每表一个工作表）：'
        f"<code>{esc(path.name)}</code>，与本文件在同一文件夹。</p>",
        "Excel",
    )


def workbook_about(title: str, ctx: Context, as_of: str) -> list[tuple[str, str]]:
    """The 说明 sheet of a report's workbook: which report, inputs and fingerprints."""
    day = ledger_date(ctx.ledger)
    return [
        ("报告", title),
        ("数据截至", as_of),
        ("台账", ctx.ledger_path),
        ("台账指纹（sha256）", ctx.ledger_sha256),
        ("规则文件", ctx.rules_path),
        ("规则指纹（sha256）", ctx.rules_sha256),
        ("台账记录至", day.isoformat() if day else ""),
        ("程序版本", f"kaohe {__version__}"),
    ]


def _created(ctx: Context) -> datetime | None:
    """A workbook's document date: the ledger's latest date (the same inputs, the same date)."""
    day = ledger_date(ctx.ledger)
    return datetime(day.year, day.month, day.day) if day else None


def quarter_excel(r: QuarterReport, out_dir: str | Path) -> Html:
    """Write the notification's tables to <out_dir>/<stem>.xlsx and say so."""
    title = quarter_title(r.rules, r.quarter)
    path = write_xlsx(
        quarter_excel_tables(r),
        Path(out_dir) / f"{r.stem}.xlsx",
        workbook_about(title, r.ctx, r.quarter.end.isoformat()),
        _created(r.ctx),
        title,
    )
    return _excel_note(path)


def annual_excel(a: AnnualReport, out_dir: str | Path) -> Html:
    title = a.title
    path = write_xlsx(
        annual_excel_tables(a),
        Path(out_dir) / f"{a.stem}.xlsx",
        workbook_about(title, a.ctx, a.scores.end.isoformat()),
        _created(a.ctx),
        title,
    )
    return _excel_note(path)


def frame_preview(df: pl.DataFrame) -> Html:
    """Any frame as an escaped HTML table (column names as headers)."""
    t = Table("表", "", df, tuple(Column(c, c) for c in df.columns))
    return Html(table_html(t), "表格")
