"""The shapes every part of kaohe agrees on: the ledger's sheets and columns, the clean tables
the reader returns, and problems.

Column names of clean tables are English (code); sheet and header names are the office's
Chinese ones (ledger.md). Row numbers are spreadsheet row numbers: the header is row 1, the
first data row is row 2 (for a CSV file, the same counting).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import polars as pl

# ---- the workbook, as the office writes it (ledger.md) ------------------------------------

SHEETS: dict[str, dict[str, bool]] = {
    # sheet -> {header: required}
    "报送": {
        "信息编号": True,
        "标题": True,
        "报送单位": True,
        "报送日期": True,
        "信息类别": True,
        "第一撰稿人": False,
        "其他撰稿人": False,
        "协作单位": False,
        "约稿编号": False,
    },
    "录用": {
        "信息编号": True,
        "录用单位": True,
        "刊物": True,
        "录用日期": True,
        "录用方式": False,
        "采纳数": False,
        "领导批示": False,
    },
    "好信息": {"信息编号": True, "评选": True, "评选日期": True},
    "约稿": {
        "约稿编号": True,
        "单位": True,
        "下达方": True,
        "下达日期": False,
        "截止日期": True,
        "完成日期": False,
    },
    "月度计划": {
        "单位": True,
        "月份": True,
        "序号": False,
        "报送要点": True,
        "拟报送刊物": False,
        "报送时间": False,
        "联系人": False,
        "信息编号": False,
    },
    "信息员": {
        "单位": True,
        "姓名": True,
        "角色": False,
        "年轻干部": False,
        "起始日期": False,
        "终止日期": False,
    },
}
# Sheets a ledger must have; the others may be absent (read as empty).
REQUIRED_SHEETS = ("报送", "录用")

# ---- clean tables ------------------------------------------------------------------------

ITEMS = {
    "item_id": pl.String,
    "title": pl.String,
    "unit": pl.String,  # canonical unit name (the lead unit)
    "submitted": pl.Date,
    "kind": pl.String,  # general | suggestion | research
    "first_writer": pl.String,  # whitespace removed; null when blank
    "other_writers": pl.List(pl.String),
    "commission_id": pl.String,
    "row": pl.Int64,
}
SHARES = {
    # one row per (item, unit) that gets a share of the item's points; every item has its
    # lead row. share is in hundredths (0.3 -> 30); the lead keeps 100 - the others.
    "item_id": pl.String,
    "unit": pl.String,
    "share": pl.Int64,
    "lead": pl.Boolean,
    "row": pl.Int64,
}
ADOPTIONS = {
    "item_id": pl.String,
    "agency": pl.String,  # canonical agency name
    "publication_id": pl.Int64,  # index into rules.publications.list
    "form": pl.String,  # canonical form; blank -> rules.forms.default
    "examples": pl.Int64,  # 采纳数, default 1
    "instruction": pl.Boolean,
    "adopted": pl.Date,
    "row": pl.Int64,
}
AWARDS = {
    "item_id": pl.String,
    "award": pl.String,  # canonical award name (rules.department.awards.list[].name)
    "awarded": pl.Date,
    "row": pl.Int64,
}
COMMISSIONS = {
    "commission_id": pl.String,
    "unit": pl.String,
    "issuer": pl.String,  # canonical issuer (rules.commission_issuers.list[].name)
    "ordered": pl.Date,
    "deadline": pl.Date,
    "delivered": pl.Date,  # null = not delivered
    "row": pl.Int64,
}
PLANS = {
    "unit": pl.String,
    "month": pl.String,  # YYYY-MM
    "seq": pl.Int64,
    "title": pl.String,
    "category": pl.String,  # one of rules.plans.categories, or null
    "planned": pl.Date,
    "contact": pl.String,
    "item_id": pl.String,
    "row": pl.Int64,
}
PEOPLE = {
    "unit": pl.String,
    "name": pl.String,  # whitespace removed
    "role": pl.String,  # 信息员 | 撰稿人
    "young": pl.Boolean,
    "start": pl.Date,
    "end": pl.Date,
    "row": pl.Int64,
}
PROBLEMS = {
    "severity": pl.String,  # error | warning
    "sheet": pl.String,
    "row": pl.Int64,
    "column": pl.String,
    "value": pl.String,
    "reason": pl.String,  # Chinese
    "suggestion": pl.String,  # Chinese, the fix
}

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a ledger. `row` None: a problem of the whole sheet (a required column
    missing, a sheet named almost right …) or file, which names every row of it; the clean
    tables then hold none of those rows, or the ledger is refused."""

    severity: Severity
    sheet: str
    row: int | None
    column: str | None
    value: str | None
    reason: str
    suggestion: str | None = None


def problems_frame(problems: list[Problem]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "severity": [p.severity for p in problems],
            "sheet": [p.sheet for p in problems],
            "row": [p.row for p in problems],
            "column": [p.column for p in problems],
            "value": [p.value for p in problems],
            "reason": [p.reason for p in problems],
            "suggestion": [p.suggestion for p in problems],
        },
        schema=PROBLEMS,
    )


def empty(schema: dict[str, pl.DataType]) -> pl.DataFrame:
    return pl.DataFrame(schema=schema)


@dataclass(frozen=True)
class Ledger:
    """A year's ledger, read and checked. Tables follow the schemas above."""

    items: pl.DataFrame
    shares: pl.DataFrame
    adoptions: pl.DataFrame
    awards: pl.DataFrame
    commissions: pl.DataFrame
    plans: pl.DataFrame
    people: pl.DataFrame
    problems: pl.DataFrame
    source: str = "<内存>"
    fingerprint: str = ""
    rows_read: dict[str, int] = field(default_factory=dict)
    # For each row of `adoptions`, the position of its item in `items`: the reader's join of
    # 录用 to 报送, handed to the scorer (None for a ledger built otherwise).
    adoption_items: pl.Series | None = None

    @property
    def errors(self) -> pl.DataFrame:
        return self.problems.filter(pl.col("severity") == "error")

    @property
    def ok(self) -> bool:
        return self.errors.height == 0


class LedgerError(Exception):
    """The ledger cannot be scored; `problems` lists every reason."""

    def __init__(self, problems: pl.DataFrame, source: str = "") -> None:
        self.problems = problems
        self.source = source
        n = problems.filter(pl.col("severity") == "error").height
        super().__init__(f"台账 {source} 有 {n} 处错误，无法计分")
