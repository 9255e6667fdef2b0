"""The report workbooks (xlsxwriter): one sheet per table, plus a 说明 sheet.

Strings are written with `write_string` and ``strings_to_formulas=False``, so text that looks
like a formula (``=1+1``) stays text. Nothing depends on the day it runs: the workbook carries
the ledger's and the rules file's sha256, the kaohe version and the latest date recorded in the
ledger (never "today"), so a rerun on the same inputs gives the same bytes.
"""

from __future__ import annotations

import os
import tempfile
import unicodedata
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from kaohe import __version__
from kaohe.present.render import Html, esc, ledger_date
from kaohe.present.views import (
    AnnualReport,
    Context,
    QuarterReport,
    Section,
    Table,
    annual_excel_tables,
    annual_summary,
    fmt_value,
    quarter_excel_tables,
    quarter_summary,
    table_frame,
)
from kaohe.rules.periods import quarter_title


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

# Presentation of the sheets (not rules of the assessment).
FONT = "宋体"  # a Chinese font every Windows Office has
FONT_SIZE = 11
NUMBER_FORMATS = {"int": "0", "pts": "0.00", "pct": "0.00%"}
MAX_WIDTH = 48  # a column wider than this (in character widths) wraps its text
MIN_WIDTH = 6
# A4 portrait prints about this many character widths at 100 %; a wider sheet is landscape.
PORTRAIT_WIDTH = 95
PAPER_A4 = 9  # xlsxwriter's paper code


def text_width(text: str) -> int:
    """Display width in Excel's character units: a CJK (full-width) character counts two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _print_setup(ws: Any, width: float, head_first: int, head_last: int) -> None:
    """A4, fit to the page width, header rows repeated on every page; landscape if wide."""
    ws.set_paper(PAPER_A4)
    if width > PORTRAIT_WIDTH:
        ws.set_landscape()
    else:
        ws.set_portrait()
    ws.fit_to_pages(1, 0)
    if head_last >= head_first:
        ws.repeat_rows(head_first, head_last)
    ws.set_margins(left=0.5, right=0.5, top=0.6, bottom=0.6)
    ws.center_horizontally()
    ws.set_footer("&C第 &P 页，共 &N 页")


def write_xlsx(
    tables: Sequence[Table],
    path: str | Path,
    about: Sequence[tuple[str, str]] = (),
    created: datetime | None = None,
    title: str = "",
    text: Sequence[Section] = (),
) -> Path:
    """One sheet per table (title row, Chinese headers, rows, note), written to a temporary
    file and renamed, so a reader never sees half a workbook.

    Scores are numbers formatted 0.00, rates 0.00%, counts 0; every cell in a Chinese font;
    columns as wide as their text up to `MAX_WIDTH`, beyond which the text wraps; each sheet
    prints on A4 fitted to the page width with its header rows on every page (landscape when
    wide). `text` (一、总体情况 …) becomes a first sheet 通报正文. `about` (label, value) rows
    — what was scored, the fingerprints — become a last sheet 说明 and the workbook's custom
    document properties; `created` is the document date (default `FIXED_CREATED`, never the
    clock): the same tables give the same bytes."""
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

        def fmt(**props: Any) -> Any:
            return wb.add_format({"font_name": FONT, "font_size": FONT_SIZE, **props})

        f_title = fmt(bold=True, font_size=14)
        f_head = fmt(
            bold=True, align="center", valign="vcenter", border=1, bg_color="#EAEDED",
            text_wrap=True,
        )  # fmt: skip
        f_text = fmt(border=1, valign="top")
        f_wrap = fmt(border=1, valign="top", text_wrap=True)
        f_note = fmt(italic=True, font_color="#555555")
        f_para = fmt(text_wrap=True, valign="top")
        f_heading = fmt(bold=True, font_size=12)
        formats = {k: fmt(border=1, valign="top", num_format=v) for k, v in NUMBER_FORMATS.items()}
        used: set[str] = set()
        if text:
            ws = wb.add_worksheet(_sheet_name("通报正文", used))
            ws.write_string(0, 0, title or "通报正文", f_title)
            row = 2
            for sec in text:
                if sec.heading:
                    ws.write_string(row, 0, sec.heading, f_heading)
                    row += 1
                for para in sec.paragraphs:
                    ws.write_string(row, 0, para, f_para)
                    # about 45 full-width characters a line at width 90
                    ws.set_row(row, 15 * max(1, -(-text_width(para) // 90)))
                    row += 1
                row += 1
            ws.set_column(0, 0, 92)
            _print_setup(ws, 92, 0, -1)
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
            widths = []
            for c in cols:
                shown = [fmt_value(v, c.fmt) for v in df[c.key].head(200).to_list()]
                head = max(text_width(h) for h in c.header.split("|")[-1:])
                widths.append(min(max([head + 2, MIN_WIDTH, *[text_width(v) + 2 for v in shown]]),
                                  MAX_WIDTH))  # fmt: skip
            wrapped = [
                c.fmt not in formats and w >= MAX_WIDTH for c, w in zip(cols, widths, strict=True)
            ]
            for r_i, row_values in enumerate(df.iter_rows()):
                for c_i, (value, col) in enumerate(zip(row_values, cols, strict=True)):
                    rr = first + r_i
                    cell = f_wrap if wrapped[c_i] else f_text
                    if value is None:
                        ws.write_blank(rr, c_i, None, formats.get(col.fmt, cell))
                    elif (
                        col.fmt in formats
                        and isinstance(value, int | float)
                        and not isinstance(value, bool)
                    ):
                        digits = 4 if col.fmt == "pct" else 2
                        ws.write_number(rr, c_i, round(float(value), digits), formats[col.fmt])
                    else:
                        ws.write_string(rr, c_i, fmt_value(value, col.fmt), cell)
            end = first + df.height
            if df.height == 0:
                ws.write_string(first, 0, t.empty, f_note)
                end += 1
            if t.note:
                ws.write_string(end + 1, 0, f"注：{t.note}", f_note)
            for c_i, w in enumerate(widths):
                ws.set_column(c_i, c_i, w)
            ws.freeze_panes(first, 0)
            _print_setup(ws, sum(widths), head_row, first - 1)
        if about:
            ws = wb.add_worksheet(_sheet_name("说明", used))
            ws.write_string(0, 0, title or "说明", f_title)
            for r_i, (k, v) in enumerate(about, start=2):
                ws.write_string(r_i, 0, k, f_head)
                ws.write_string(r_i, 1, v, f_wrap)
            w0 = max(text_width(k) for k, _ in about) + 2
            w1 = min(max(text_width(v) for _, v in about) + 2, 90)
            ws.set_column(0, 0, w0)
            ws.set_column(1, 1, w1)
            _print_setup(ws, w0 + w1, 0, -1)
        wb.close()
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _excel_note(path: Path) -> Html:
    return Html(
        f'<p class="kh-note">本报告正文和各表格的 Excel 版本（正文、每个表格各一个工作表）：'
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
        quarter_summary(r),
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
        annual_summary(a),
    )
    return _excel_note(path)
