"""Writing scores to disk: CSV tables, the manifest, and inert text.

Text that looks like a spreadsheet formula (starts with = + - @, or a tab or carriage return)
is written with a leading apostrophe, so a spreadsheet shows it as text and never runs it.
Outputs are deterministic: the same scores give the same bytes.
"""

from __future__ import annotations

import hashlib
import math
import unicodedata
from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any

import polars as pl

from kaohe import __version__
from kaohe.engine import STEP_LABELS, Scores
from kaohe.outdir import clean_text, write_manifest
from kaohe.rules.models import Rules

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def inert(expr: pl.Expr) -> pl.Expr:
    """A string column made safe for spreadsheets: formula-looking text gets a leading '."""
    return pl.when(expr.str.contains(r"^[=+\-@\t\r]")).then(pl.lit("'") + expr).otherwise(expr)


def inert_frame(df: pl.DataFrame) -> pl.DataFrame:
    return df.with_columns(
        [inert(pl.col(c)).alias(c) for c, t in df.schema.items() if t == pl.String]
    )


def write_csv(df: pl.DataFrame, path: Path) -> None:
    """UTF-8 CSV (with BOM, so spreadsheet programs read the Chinese right), inert text."""
    out = inert_frame(df)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = out.write_csv(date_format="%Y-%m-%d", float_precision=None, line_terminator="\n")
    path.write_bytes(b"\xef\xbb\xbf" + data.encode("utf-8"))


def unit_scores_table(scores: Scores) -> pl.DataFrame:
    return scores.unit_scores.drop("total_u", "base_u").with_columns(
        pl.col("total").round(2), pl.col("base").round(2)
    )


def score_lines_table(scores: Scores) -> pl.DataFrame:
    return scores.score_lines.drop("points_u")


def file_sha256(path: Path) -> str:
    with path.open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def manifest(
    scores: Scores,
    ledger_source: str,
    ledger_sha256: str,
    rules_source: str,
    rules_sha256: str,
    rules_title: str,
) -> dict[str, Any]:
    """What a complete `kaohe score` run scored (the files are added when it is written)."""
    return {
        "kaohe_version": __version__,
        "command": "score",
        "status": "ok",
        "message": "已计分",
        "ledger": {"source": ledger_source, "sha256": ledger_sha256},
        "rules": {"source": rules_source, "sha256": rules_sha256, "title": rules_title},
        "view": "annual" if scores.annual else "year_to_date",
        "as_of": scores.as_of.isoformat() if scores.as_of else None,
        "window": {"start": scores.start.isoformat(), "end": scores.end.isoformat()},
        "files": {},
    }


def failed_manifest(
    n_errors: int,
    ledger_source: str,
    ledger_sha256: str | None,
    rules_source: str,
    rules_sha256: str,
    as_of: date | None,
) -> dict[str, Any]:
    """A `kaohe score` run that stopped at a ledger with errors: only problems.csv is written."""
    return {
        "kaohe_version": __version__,
        "command": "score",
        "status": "failed",
        "message": f"台账有 {n_errors} 处错误，未计分：见 problems.csv，改正台账后重新运行",
        "ledger": {"source": ledger_source, "sha256": ledger_sha256},
        "rules": {"source": rules_source, "sha256": rules_sha256},
        "as_of": as_of.isoformat() if as_of else None,
        "files": {},
    }


# ---- 计分结果.xlsx: the same tables for the office's Excel habits ------------------------------

WORKBOOK = "计分结果.xlsx"
# Presentation, not rules: a fixed document date (the same scores give the same bytes), a
# Chinese font every Windows Office has, the widest column before its text wraps.
FIXED_CREATED = datetime(2000, 1, 1)
FONT = "宋体"
MAX_WIDTH = 60
EXCEL_ROWS = 1_048_576  # rows of a sheet; a longer table continues on a sheet “…(2)”

# Each CSV column under its Chinese header and its cell format: text, int (0), pts (0.00
# points), pct (0.00%, a fraction), num (a plain number), date (yyyy-mm-dd), bool (是/否).
# A column missing here is an error: every column of a CSV has its Chinese header.
Columns = Mapping[str, tuple[str, str]]
UNIT_SCORES_COLUMNS: Columns = {
    "unit": ("单位", "text"),
    "group": ("类别", "text"),
    "kind": ("单位类型", "text"),
    "base": ("基本任务分", "pts"),
    "total": ("总得分", "pts"),
    "completion_rate": ("完成率", "pct"),
    "adjustment": ("绩效考核调整分", "pts"),
    "assessment_score": ("考核赋分", "pts"),
    "rank": ("类别内排名", "int"),
    "tasks_complete": ("完成基本任务", "bool"),
    "research_done": ("完成调研文章", "bool"),
    "advanced_eligible": ("符合先进集体条件", "bool"),
    "advanced_candidate": ("先进集体候选", "bool"),
    "advanced_rank": ("先进集体候选排序", "int"),
}
SCORE_LINES_COLUMNS: Columns = {
    "unit": ("单位", "text"),
    "step": ("计分项", "text"),
    "clause": ("条款", "text"),
    "rule": ("规则路径", "text"),
    "item_id": ("信息编号", "text"),
    "commission_id": ("约稿编号", "text"),
    "date": ("日期", "date"),
    "share": ("份额", "pct"),
    "points": ("分值", "pts"),
    "explanation": ("说明", "text"),
}
TASKS_COLUMNS: Columns = {
    "unit": ("单位", "text"),
    "task": ("任务代码", "text"),
    "label": ("基本任务", "text"),
    "required": ("要求", "int"),
    "achieved": ("已完成", "int"),
    "gap": ("差额", "int"),
    "expected_by_now": ("按进度应完成", "num"),
    "on_pace": ("达到进度", "bool"),
    "points_at_stake": ("未完成将扣分", "pts"),
}
UNIT_COUNTS_COLUMNS: Columns = {
    "unit": ("单位", "text"),
    "group": ("类别", "text"),
    "kind": ("单位类型", "text"),
    "submitted": ("报送", "int"),
    "submitted_general": ("报送综合类", "int"),
    "submitted_suggestion": ("报送建议问题类", "int"),
    "submitted_research": ("报送调研文章", "int"),
    "adopted_items": ("录用信息", "int"),
    "adoptions": ("录用篇次", "int"),
    "adoptions_central": ("中央录用", "int"),
    "adoptions_provincial": ("省级录用", "int"),
    "adoptions_city": ("市级录用", "int"),
    "adoptions_bureau": ("局本级录用", "int"),
    "instructions": ("领导批示", "int"),
    "items_city": ("市级录用信息", "int"),
    "suggestion_city": ("其中建议问题类（市级）", "int"),
    "items_provincial": ("省级及以上录用信息", "int"),
    "suggestion_provincial": ("其中建议问题类（省级及以上）", "int"),
    "awards": ("好信息", "int"),
    "commissions": ("约稿", "int"),
    "commissions_missed": ("约稿未及时完成", "int"),
}
PEOPLE_COLUMNS: Columns = {
    "unit": ("单位", "text"),
    "name": ("姓名", "text"),
    "role": ("角色", "text"),
    "young": ("年轻干部", "bool"),
    "items_first_written": ("第一撰稿信息", "int"),
    "items_cowritten": ("合作撰稿信息", "int"),
    "adopted_items": ("录用信息", "int"),
    "adoptions_city_plus": ("市级以上录用篇次", "int"),
    "chucai_points": ("“出彩”加分", "int"),
    "item_points": ("信息得分", "pts"),
    "officer_rank": ("优秀信息员排名", "int"),
    "prize": ("奖项", "text"),
}
PEOPLE_MONTHLY_COLUMNS: Columns = {
    "unit": ("单位", "text"),
    "name": ("姓名", "text"),
    "month": ("月份", "text"),
    "chucai_points": ("“出彩”加分", "int"),
    "adoptions": ("市级以上录用篇次", "int"),
}
PROBLEMS_COLUMNS: Columns = {
    "severity": ("级别", "text"),
    "sheet": ("工作表", "text"),
    "row": ("行", "int"),
    "column": ("列", "text"),
    "value": ("值", "text"),
    "reason": ("问题", "text"),
    "suggestion": ("建议", "text"),
}
# Codes shown in Chinese in the workbook (the CSVs keep the codes, for programs)
VALUE_LABELS: dict[str, dict[str, str]] = {
    "kind": {"department": "处室（单位）", "district": "区县"},
    "step": dict(STEP_LABELS),
    "severity": {"error": "错误", "warning": "警告"},
}


def value_labels(rules: Rules) -> dict[str, dict[str, str]]:
    """VALUE_LABELS and the rules' unit groups as the reports name them (A → A类)."""
    return {**VALUE_LABELS, "group": {g.name: g.label for g in rules.groups.list}}


def text_width(text: str) -> int:
    """Display width in Excel's character units: a CJK (full-width) character counts two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def score_tables(scores: Scores) -> dict[str, pl.DataFrame]:
    """The tables `kaohe score` writes, by CSV file name."""
    return {
        "unit_scores.csv": unit_scores_table(scores),
        "score_lines.csv": score_lines_table(scores),
        "tasks.csv": scores.tasks,
        "unit_counts.csv": scores.unit_counts,
        "people.csv": scores.people,
        "people_monthly.csv": scores.people_monthly,
        "problems.csv": scores.problems,
    }


# sheet of the workbook → (its CSV file, its columns)
WORKBOOK_SHEETS: dict[str, tuple[str, Columns]] = {
    "单位得分": ("unit_scores.csv", UNIT_SCORES_COLUMNS),
    "计分明细": ("score_lines.csv", SCORE_LINES_COLUMNS),
    "基本任务": ("tasks.csv", TASKS_COLUMNS),
    "单位统计": ("unit_counts.csv", UNIT_COUNTS_COLUMNS),
    "人员": ("people.csv", PEOPLE_COLUMNS),
    "人员月度": ("people_monthly.csv", PEOPLE_MONTHLY_COLUMNS),
    "问题": ("problems.csv", PROBLEMS_COLUMNS),
}


def write_workbook(
    tables: Mapping[str, pl.DataFrame],
    path: Path,
    about: list[tuple[str, str]],
    labels: Mapping[str, Mapping[str, str]] = VALUE_LABELS,
) -> None:
    """计分结果.xlsx: one sheet per table of `tables` (WORKBOOK_SHEETS), the header row in
    Chinese and frozen, numbers as numbers (points 0.00, rates 0.00%, counts 0), dates as
    dates, 是/否 for true/false, codes in Chinese (`labels`: VALUE_LABELS, or `value_labels`
    of the rules), columns as wide as their text,
    a Chinese font; a last sheet 说明 (`about`: what was scored). No formula is ever written
    (text stays text) and the document date is fixed: the same scores give the same bytes."""
    import xlsxwriter

    wb = xlsxwriter.Workbook(
        str(path),
        {
            "constant_memory": True,  # rows streamed to disk: a large ledger's lines fit
            "strings_to_formulas": False,
            "strings_to_numbers": False,
            "strings_to_urls": False,
        },
    )
    wb.set_properties({"title": "计分结果", "author": "kaohe", "created": FIXED_CREATED})

    def fmt(**props: Any) -> Any:
        return wb.add_format({"font_name": FONT, "font_size": 11, **props})

    head = fmt(bold=True, bg_color="#EAEDED", border=1, align="center", valign="vcenter")
    cell = {
        "text": fmt(),
        "bool": fmt(),
        "int": fmt(num_format="0"),
        "pts": fmt(num_format="0.00"),
        "pct": fmt(num_format="0.00%"),
        "num": fmt(num_format="General"),
        "date": fmt(num_format="yyyy-mm-dd"),
    }
    wrap = fmt(text_wrap=True, valign="top")
    for sheet, (csv_name, spec) in WORKBOOK_SHEETS.items():
        df = tables[csv_name]
        unknown = [c for c in df.columns if c not in spec]
        if unknown:  # a programming error: a new column needs its Chinese header here
            raise ValueError(f"{csv_name}: no Chinese header for {unknown}")
        for c, shown in labels.items():
            if c in df.columns:
                df = df.with_columns(pl.col(c).replace(dict(shown)))
        cols = df.columns
        kinds = [spec[c][1] for c in cols]
        headers = [spec[c][0] for c in cols]
        widths = _widths(df, headers, kinds)
        per_sheet = EXCEL_ROWS - 1
        parts = max(1, -(-df.height // per_sheet))
        for part in range(parts):
            ws = wb.add_worksheet(sheet if part == 0 else f"{sheet}({part + 1})")
            for i, w in enumerate(widths):
                wrapped = kinds[i] == "text" and w >= MAX_WIDTH
                ws.set_column(i, i, w, wrap if wrapped else None)
            ws.freeze_panes(1, 0)
            for i, h in enumerate(headers):
                ws.write_string(0, i, h, head)
            chunk = df.slice(part * per_sheet, per_sheet)
            for r, values in enumerate(chunk.iter_rows(), start=1):
                for i, v in enumerate(values):
                    _write_cell(
                        ws, r, i, v, kinds[i], cell, wrap if widths[i] >= MAX_WIDTH else None
                    )
    ws = wb.add_worksheet("说明")
    about = [(k, clean_text(v)) for k, v in about]  # a path not in UTF-8 shows its bytes \xNN
    for r, (k, v) in enumerate(about):
        ws.write_string(r, 0, k, head)
        ws.write_string(r, 1, v, cell["text"])
    ws.set_column(0, 0, max((text_width(k) for k, _ in about), default=8) + 2)
    ws.set_column(1, 1, min(max((text_width(v) for _, v in about), default=8) + 2, 90))
    wb.close()


def _widths(df: pl.DataFrame, headers: list[str], kinds: list[str]) -> list[int]:
    """Each column as wide as its header and its first 200 values shown, at most MAX_WIDTH."""
    out = []
    for c, h, k in zip(df.columns, headers, kinds, strict=True):
        shown = df[c].head(200).to_list()
        if k in ("pts", "pct"):
            texts = [
                f"{float(v) * (100 if k == 'pct' else 1):.2f}%" for v in shown if v is not None
            ]
        else:
            texts = [str(v) for v in shown if v is not None]
        out.append(min(max([text_width(h) + 2, 6, *(text_width(t) + 2 for t in texts)]), MAX_WIDTH))
    return out


def _write_cell(
    ws: Any, r: int, i: int, v: Any, kind: str, cell: dict[str, Any], wrap: Any
) -> None:
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        ws.write_blank(r, i, None, cell[kind])
    elif kind == "bool" and isinstance(v, bool):
        ws.write_string(r, i, "是" if v else "否", cell[kind])
    elif kind == "date" and isinstance(v, date):
        ws.write_datetime(r, i, datetime(v.year, v.month, v.day), cell[kind])
    elif kind in ("int", "pts", "pct", "num") and isinstance(v, int | float):
        ws.write_number(r, i, v, cell[kind])
    else:
        ws.write_string(r, i, clean_text(str(v)), wrap or cell["text"])


def workbook_about(meta: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The 说明 sheet: what was scored (from the manifest's fields)."""
    window = meta.get("window") or {}
    view = "全年" if meta.get("view") == "annual" else f"截至 {meta.get('as_of')}"
    return [
        ("内容", f"计分结果（{view}，{window.get('start', '')}—{window.get('end', '')}）"),
        ("台账", str(meta["ledger"]["source"])),
        ("台账指纹（sha256）", str(meta["ledger"]["sha256"])),
        ("规则文件", str(meta["rules"]["source"])),
        ("规则指纹（sha256）", str(meta["rules"]["sha256"])),
        ("程序版本", f"kaohe {meta.get('kaohe_version', __version__)}"),
        ("说明", "各表与同一文件夹中的 CSV 文件内容相同（CSV 的列名为英文，供程序读取）"),
    ]


def write_scores(
    scores: Scores, out: Path, meta: dict[str, Any], rules: Rules | None = None
) -> dict[str, Any]:
    """Write every table of `scores` into `out` (CSV, and all of them in 计分结果.xlsx, its
    unit groups named as the reports name them when the `rules` are given) and a
    manifest.json naming what was scored and the sha256 of every file."""
    out.mkdir(parents=True, exist_ok=True)
    tables = score_tables(scores)
    for name, df in tables.items():
        write_csv(df, out / name)
    labels = value_labels(rules) if rules is not None else VALUE_LABELS
    write_workbook(tables, out / WORKBOOK, workbook_about(meta), labels)
    return write_manifest(out, meta)


def write_failed(problems: pl.DataFrame, out: Path, meta: dict[str, Any]) -> dict[str, Any]:
    """The whole output of a run that found errors in the ledger: problems.csv and a manifest
    with status "failed" (no scores: old scores beside this ledger's errors would mislead)."""
    out.mkdir(parents=True, exist_ok=True)
    write_csv(problems, out / "problems.csv")
    return write_manifest(out, meta)


# every file `kaohe score` writes (a folder holding only these is a kaohe run of old)
SCORE_FILES = frozenset(
    {
        "unit_scores.csv",
        "score_lines.csv",
        "tasks.csv",
        "unit_counts.csv",
        "people.csv",
        "people_monthly.csv",
        "problems.csv",
        WORKBOOK,
        "manifest.json",
    }
)
