"""What the reports and the exploration page show, computed once, in the library.

Pure functions on the ledger, the rules and the engine's `Scores` (polars, vectorised): the
notebooks call them and show the result, `kaohe.present.render` turns a `Table` into escaped
HTML (plain, or searchable and sortable) or an Excel sheet, `kaohe.present.charts` turns a
frame into a figure. Nothing here formats HTML. The quarterly notification, the annual report
and the exploration page share every definition here: one "year-to-date total", one "rank",
one "plan fulfilled", one "points of an item".

Totals, completion rates, ranks and year-to-date figures are the engine's and are never
re-derived here: a view at a day reads `score(ledger, rules, as_of=day)` (`Context.score`,
`Context.unit_scores`: each day scored once per context). Before the end of the assessment
year the engine leaves the clauses judged on the whole year (count tasks, research article,
district submission task) out of the total and shows them as gaps and pace in its `tasks`; at
the end of the year it applies them, so the notification of the fourth quarter and the annual
report give a unit one total. A period's own points (a quarter's, a month's) are the engine's
total at its end minus the engine's total at its start. A rank is the engine's `rank`.
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from functools import cached_property
from pathlib import Path
from typing import Any

import polars as pl

from kaohe.engine import (
    LEVELS,
    STEP_LABELS,
    STEPS,
    Scores,
    level_task,
    unit_counts,
    unit_table,
    valued_adoptions,
)
from kaohe.ledger.model import Ledger
from kaohe.office import Office, ProblemRule, load_office
from kaohe.rules.models import SCALE, Quarter, Rules, load_rules, rules_fingerprint
from kaohe.rules.periods import (
    ReportDataError,
    annual_stem,
    annual_title,
    check_year,
    elapsed_share,
    months_between,
    parse_quarter,
    quarter_label,
    quarter_stem,
    quarter_title,
    year_label,
)
from kaohe.score_cache import cached_score

SEVERITY_LABELS = {"error": "错误", "warning": "警告"}
KIND_LABELS = {"department": "处室、单位", "district": "区、县（市）人力社保局"}
STATUS_LABELS = {"adopted": "已录用", "submitted": "已报送，未录用", "missing": "未报送"}
LEVEL_ORDER = {lv: i for i, lv in enumerate(LEVELS)}
# A unit's counts of a period that the quarter views show (engine's unit_counts columns).
COUNT_COLUMNS = (
    "submitted",
    "adoptions",
    *[f"adoptions_{lv}" for lv in LEVELS],
    "adopted_items",
    "instructions",
)


# ---- tables -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """A column of a published table.

    key: the frame's column; header: its Chinese header ("本季度录用|中央" spans two header rows,
    the part before | shared by neighbours); fmt: text | int | pts (points, at most two
    decimals) | pct (a fraction shown as a percentage) | date.
    """

    key: str
    header: str
    fmt: str = "text"


@dataclass(frozen=True)
class Table:
    """A table as the office publishes it: a title, Chinese headers, rows, an optional note."""

    name: str  # Excel sheet name (at most 31 characters)
    title: str
    frame: pl.DataFrame
    columns: tuple[Column, ...]
    note: str | None = None
    empty: str = "无。"  # shown instead of an empty table
    highlight: str | None = None  # a Boolean column: rows to mark (e.g. submitted nothing)


def table_frame(table: Table) -> pl.DataFrame:
    """The table's columns only, in order (what a sheet or an HTML table holds)."""
    return table.frame.select([c.key for c in table.columns])


# A published page lists at most this many rows of one table; the Excel workbook beside it
# holds them all. (A display limit, not a rule of the assessment: it keeps a report of a
# million-item ledger a page a browser opens, and never cuts a table of a normal year.)
PAGE_ROWS = 500


def capped(table: Table, limit: int, where: str, unit: str | None = None) -> Table:
    """`table` as a page lists it: a table of at most `limit` rows unchanged; a longer one cut
    to `limit` rows — the rows of `unit` when given and the table has a unit column, else its
    first rows (the most important first, in the table's own order) — with a note before the
    table's own saying how many of how many are listed and `where` the rest are (also shown
    in place of the table if nothing is left)."""
    df = table.frame
    if df.height <= limit:
        return table
    if unit is not None and "unit" in df.columns:
        own = df.filter(pl.col("unit") == unit)
        what = f"默认单位“{unit}”的" + (
            f"前{limit}行（该单位共{own.height}行）" if own.height > limit else f"{own.height}行"
        )
    else:
        own, what = df, f"前{limit}行"
    cut = f"本表共{df.height}行，超过本页上限{limit}行，只列出{what}；{where}。"
    note = cut + (table.note or "") if own.height else table.note
    return replace(table, frame=own.head(limit), note=note, empty=cut)


def on_page(table: Table, stem: str, limit: int = PAGE_ROWS) -> Table:
    """A report table for the HTML page: at most `limit` rows and a note naming the Excel sheet
    with every row. The workbook (`excel.quarter_excel`, `excel.annual_excel`) is written
    from the full tables."""
    where = f"完整清单见同一文件夹中的 Excel 表格 {stem}.xlsx（工作表“{table.name}”）"
    return capped(table, limit, where)


# ---- labels and small expressions ---------------------------------------------------------


def pts_text(expr: pl.Expr, decimals: int = 2) -> pl.Expr:
    """Points as text with at most `decimals` decimals and no trailing zeros (12.5, 60, 0.13)."""
    return (
        expr.round(decimals)
        .cast(pl.String)
        .str.replace(r"(\.\d*?)0+$", "${1}")
        .str.replace(r"\.$", "")
    )


def points_text(x: float | None) -> str:
    """Points as the office writes them: at most two decimals, no trailing zeros (12.5, 60,
    0.13); blank for None."""
    if x is None:
        return ""
    s = f"{x:.2f}".rstrip("0").rstrip(".")
    return "0" if s == "-0" else s


def pct_text(x: float) -> str:
    """A rate or share as every page writes it: a percentage with two decimals (92.75%)."""
    return f"{x * 100:.2f}%"


def rate_text(x: Any) -> str:
    """A share the rules or the office file set (0.2, 0.125), as a percentage with at most two
    decimals and no trailing zeros (20%, 12.5%): a setting, not a measured rate."""
    return points_text(float(x) * 100) + "%"


def fmt_value(value: Any, fmt: str) -> str:
    """A cell as the office writes it (a `Column.fmt`): points with two decimals, rates as %
    with two decimals, dates as YYYY-MM-DD, Booleans as 是/否 — one format per column."""
    if value is None:
        return ""
    if fmt == "pct":
        return pct_text(float(value))
    if fmt == "pts":  # one format for the whole column: two decimals (107.00, 65.33)
        v = f"{float(value):.2f}"
        return "0.00" if v == "-0.00" else v
    if fmt == "int":
        return str(int(value))
    if fmt == "date" and isinstance(value, date | datetime):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value)


def yes_label(col: str) -> pl.Expr:
    """'是' where the Boolean column is true, else blank."""
    return pl.when(pl.col(col)).then(pl.lit("是")).otherwise(pl.lit(""))


def level_order() -> pl.Expr:
    """The adoption level's rank, highest (central) first."""
    return pl.col("level").replace_strict(LEVEL_ORDER, default=None, return_dtype=pl.Int64)


def level_label(rules: Rules) -> pl.Expr:
    """The adoption level in Chinese (中央, 省级 …) as `level_label`."""
    labels = dict(rules.levels.labels)
    return (
        pl.col("level")
        .replace_strict(labels, default=None, return_dtype=pl.String)
        .alias("level_label")
    )


def publication_name(rules: Rules) -> pl.Expr:
    """A publication as the office names it: agency and title (市委办公室《工作交流》), read
    naturally: a character the agency ends with and the title begins with is written once
    (省人力社保厅 + 厅门户网站 → 省人力社保厅门户网站); a title that only says the agency
    adopted it (国务院办公厅 + 国办录用) gives the agency; an agency that is a level, not an
    office (局本级 + 绍兴人社门户网站) gives the title."""
    agency, title = pl.col("pub_agency"), pl.col("pub_title")
    levels = list(rules.levels.labels.values())
    expr = pl.when(agency.is_in(levels)).then(title).when(title.str.ends_with("录用")).then(agency)
    for k in (3, 2, 1):
        expr = expr.when(agency.str.slice(-k) == title.str.slice(0, k)).then(
            pl.concat_str([agency, title.str.slice(k)])
        )
    return expr.otherwise(pl.concat_str([agency, title])).alias("publication")


def group_labels(rules: Rules) -> dict[str, str]:
    """Each unit group as the reports name it: 'A类' for departments, '区县' for districts."""
    return {g.name: g.label for g in rules.groups.list}


def group_label(rules: Rules) -> pl.Expr:
    return (
        pl.col("group")
        .replace_strict(group_labels(rules), return_dtype=pl.String)
        .alias("group_label")
    )


def month_label(month: str) -> str:
    """'2022-03' → '2022年3月'."""
    return f"{month[:4]}年{int(month[5:])}月"


def months_frame(start: date, end: date) -> pl.DataFrame:
    """The months from start to end: month ('2022-03') and label ('2022年3月')."""
    months = months_between(start, end)
    return pl.DataFrame(
        {"month": months, "label": [month_label(m) for m in months]},
        schema={"month": pl.String, "label": pl.String},
    )


def month_ends(rules: Rules, end: date) -> list[tuple[str, date]]:
    """The months of the period up to `end`, each with its last counted day."""
    out = []
    for m in months_between(rules.period.start, end):
        y, mo = int(m[:4]), int(m[5:])
        last = date(y, mo, calendar.monthrange(y, mo)[1])
        out.append((m, min(last, end)))
    return out


# ---- inputs -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Context:
    """A ledger read under a rules file, with what identifies both (their sha256), and the
    engine's scores of it at the days a page needs (each day scored once)."""

    rules: Rules
    ledger: Ledger
    ledger_path: str
    rules_path: str
    rules_sha256: str
    _unit_scores: dict[date | None, pl.DataFrame] = field(
        default_factory=dict, repr=False, compare=False
    )
    _counts: dict[tuple[date, date], pl.DataFrame] = field(
        default_factory=dict, repr=False, compare=False
    )

    @property
    def ledger_sha256(self) -> str:
        return self.ledger.fingerprint

    @cached_property
    def valued(self) -> pl.DataFrame:
        """The engine's valued adoptions (`valued_adoptions`), computed once per context: the
        pages' tables and charts each need them (about 0.4 s on a million items)."""
        return valued_adoptions(self.ledger, self.rules)[0]

    def as_of(self, day: date | None) -> date | None:
        """`day` as the engine's as-of: None (the whole year) from the end of the period on."""
        return None if day is None or day >= self.rules.period.end else day

    def score(self, day: date | None = None) -> Scores:
        """The engine's scores up to `day` (None or the end of the period: the whole year)."""
        as_of = self.as_of(day)
        scores = cached_score(self.ledger, self.rules, as_of)  # once per run: kaohe.score_cache
        self._unit_scores[as_of] = scores.unit_scores
        return scores

    def unit_scores(self, day: date | None = None) -> pl.DataFrame:
        """The engine's `unit_scores` up to `day` (kept: a page compares many days, and a
        day's score lines of a million-item ledger are 1.6 M rows)."""
        as_of = self.as_of(day)
        if as_of not in self._unit_scores:
            self.score(as_of)
        return self._unit_scores[as_of]

    def unit_counts(self, start: date, end: date) -> pl.DataFrame:
        """The engine's `unit_counts` of the days from start to end, computed once."""
        if (start, end) not in self._counts:
            self._counts[(start, end)] = unit_counts(self.ledger, self.rules, start, end)
        return self._counts[(start, end)]

    def adoptions(self, start: date, end: date) -> pl.DataFrame:
        """Valued adoptions (one per item and publication) dated from start to end."""
        return self.valued.filter(pl.col("adopted").is_between(start, end))

    def items(self, start: date, end: date) -> pl.DataFrame:
        """Items submitted from start to end."""
        return self.ledger.items.filter(pl.col("submitted").is_between(start, end))


def load_context(ledger_path: str | Path, rules_path: str | Path | None = None) -> Context:
    """Read the rules and the ledger; a ledger with errors stops here, naming them."""
    from kaohe.ledger.read import read_ledger
    from kaohe.rules.choose import choose

    # no rules given: the file of params/ whose period holds the ledger's dates
    rp = Path(rules_path) if rules_path else choose(None, Path(ledger_path)).path
    rules = load_rules(rp)
    lp = Path(ledger_path)
    if not lp.exists():
        raise ReportDataError(f"找不到台账 {lp}：请给出 .xlsx 工作簿或 CSV 文件夹的路径")
    ledger = read_ledger(lp, rules)
    if not ledger.ok:
        errors = ledger.errors
        lines = [
            f"{r['sheet']} 第{r['row']}行 {r['column'] or ''}"
            + (f"“{r['value']}”" if r["value"] else "")
            + f"：{r['reason']}"
            + (f"（{r['suggestion']}）" if r["suggestion"] else "")
            for r in errors.head(5).iter_rows(named=True)
        ]
        more = f"等 {errors.height} 处" if errors.height > 5 else f"共 {errors.height} 处"
        raise ReportDataError(
            f"台账 {lp} 有错误，无法计分（{more}）："
            + "；".join(lines)
            + "。请先用 kaohe validate 核对台账。"
        )
    return Context(rules, ledger, str(lp), str(rp), rules_fingerprint(rp))


# ---- where each unit stands ---------------------------------------------------------------


def units_frame(rules: Rules) -> pl.DataFrame:
    """The roster: unit, group, kind, base (points), base_u, order, group_order."""
    order = {g.name: i for i, g in enumerate(rules.groups.list)}
    return unit_table(rules).select(
        "unit",
        "group",
        "kind",
        (pl.col("base_u") / SCALE).alias("base"),
        "base_u",
        "order",
        pl.col("group").replace_strict(order, return_dtype=pl.Int64).alias("group_order"),
    )


def standing(unit_scores: pl.DataFrame, rules: Rules, day: date) -> pl.DataFrame:
    """Per roster unit at `day`, as the engine scored it: total (and total_u), completion rate
    (`completion`) and rank; with the base, the time progress at `day` (pace) and the score it
    asks for (expected = base × pace). Roster order.

    unit_scores: the engine's, scored up to `day`."""
    share = elapsed_share(rules, day)
    engine = unit_scores.select(
        "unit", "total", "total_u", pl.col("completion_rate").alias("completion"), "rank"
    )
    return (
        units_frame(rules)
        .join(engine, on="unit")
        .with_columns(
            pl.lit(day).alias("day"),
            pl.lit(share).alias("pace"),
            (pl.col("base") * share).alias("expected"),
        )
        .sort("order")
    )


def standings(ctx: Context, days: Sequence[date]) -> pl.DataFrame:
    """`standing` at each of `days` (in order), with `gain`: the total's change since the
    previous day of the list (for the first, since the start of the year), and `step`, the
    day's position in the list."""
    end = ctx.rules.period.end
    parts = [
        standing(ctx.unit_scores(d), ctx.rules, min(d, end)).with_columns(
            pl.lit(i, dtype=pl.Int64).alias("step")
        )
        for i, d in enumerate(days)
    ]
    return (
        pl.concat(parts)
        .sort("order", "step")
        .with_columns(
            (
                (pl.col("total_u") - pl.col("total_u").shift(1, fill_value=0).over("unit")) / SCALE
            ).alias("gain")
        )
    )


def progress(scores: Scores, rules: Rules) -> pl.DataFrame:
    """Per roster unit, the engine's total at the scores' end against its base and against the
    time progress (base × share of the year elapsed), with district submissions against their
    task."""
    subs = scores.tasks.filter(pl.col("task") == "submissions").select(
        "unit",
        pl.col("achieved").alias("submitted"),
        pl.col("required").alias("submissions_task"),
        pl.col("expected_by_now").alias("submissions_expected"),
    )
    return (
        standing(scores.unit_scores, rules, scores.end)
        .join(subs, on="unit", how="left")
        .select(
            "unit",
            "group",
            "kind",
            "order",
            "group_order",
            "total",
            "base",
            "expected",
            "completion",
            "pace",
            "rank",
            "submitted",
            "submissions_task",
            "submissions_expected",
        )
    )


def quarter_comparison(ctx: Context, end: date | None = None) -> pl.DataFrame:
    """Per roster unit and quarter begun by `end` (default: the end of the year; the last
    quarter cut at `end`): the quarter's own submissions and adoptions (by level), its own
    points (the engine's total at its end minus the one at the previous quarter's end), and
    the engine's total, completion rate and rank at its end, with the time progress then.

    Columns: unit, group, kind, order, group_order, base, base_u, quarter, quarter_label,
    start, end, COUNT_COLUMNS, points, total, total_u, completion, rank, pace, expected,
    nothing_submitted.
    """
    rules = ctx.rules
    last = rules.period.end if end is None else end
    qs = [q for q in rules.quarters.active if q.start <= last]
    days = [min(q.end, last) for q in qs]
    meta = pl.DataFrame(
        {
            "step": list(range(len(qs))),
            "quarter": [q.name for q in qs],
            "quarter_label": [q.label for q in qs],
            "start": [q.start for q in qs],
        },
        schema={"step": pl.Int64, "quarter": pl.String, "quarter_label": pl.String,
                "start": pl.Date},
    )  # fmt: skip
    counts = pl.concat(
        [
            ctx.unit_counts(q.start, d)
            .select("unit", *COUNT_COLUMNS)
            .with_columns(pl.lit(i, dtype=pl.Int64).alias("step"))
            for i, (q, d) in enumerate(zip(qs, days, strict=True))
        ]
    )
    return (
        standings(ctx, days)
        .join(meta, on="step")
        .join(counts, on=["unit", "step"], how="left")
        .with_columns(pl.col(c).cast(pl.Int64) for c in COUNT_COLUMNS)
        .with_columns(
            pl.col("day").alias("end"),
            pl.col("gain").alias("points"),
            (pl.col("submitted") == 0).alias("nothing_submitted"),
        )
        .sort("group_order", "order", "step")
        .select(
            "unit",
            "group",
            "kind",
            "order",
            "group_order",
            "base",
            "base_u",
            "quarter",
            "quarter_label",
            "start",
            "end",
            *COUNT_COLUMNS,
            "points",
            "total",
            "total_u",
            "completion",
            "rank",
            "pace",
            "expected",
            "nothing_submitted",
        )
    )


def monthly_scores(ctx: Context, end: date) -> pl.DataFrame:
    """Per roster unit and month up to `end`: the engine's total at the month's last counted
    day, the month's own gain (an item adopted this month gains its adoption points and loses
    its unadopted point), the base, the score the time progress asks for, the completion.

    Columns: unit, group, kind, order, group_order, month, label, day, points, total, base,
    expected, completion.
    """
    ends = month_ends(ctx.rules, end)
    months = pl.DataFrame(
        {"step": list(range(len(ends))), "month": [m for m, _ in ends]},
        schema={"step": pl.Int64, "month": pl.String},
    ).with_columns(pl.col("month").map_elements(month_label, return_dtype=pl.String).alias("label"))
    return (
        standings(ctx, [d for _, d in ends])
        .join(months, on="step")
        .sort("order", "step")
        .select(
            "unit",
            "group",
            "kind",
            "order",
            "group_order",
            "month",
            "label",
            "day",
            pl.col("gain").alias("points"),
            "total",
            "base",
            "expected",
            "completion",
        )
    )


# ---- the quarterly notification -----------------------------------------------------------


@dataclass(frozen=True)
class QuarterReport:
    """Everything the quarterly notification of one quarter is computed from."""

    ctx: Context
    year: int
    quarter: Quarter
    index: int  # 0 for Q1
    label: str
    ytd: Scores  # the engine's scores at the quarter's end (the year at the end of Q4)
    quarters: tuple[Quarter, ...] = field(default=())  # Q1 .. this quarter

    @property
    def rules(self) -> Rules:
        return self.ctx.rules

    @property
    def quarter_counts(self) -> pl.DataFrame:
        return self.ctx.unit_counts(self.quarter.start, self.quarter.end)

    @property
    def prev_counts(self) -> pl.DataFrame | None:
        if self.index == 0:
            return None
        prev = self.quarters[self.index - 1]
        return self.ctx.unit_counts(prev.start, prev.end)

    @property
    def title(self) -> str:
        return quarter_title(self.rules, self.quarter)

    @property
    def stem(self) -> str:
        return quarter_stem(self.year, self.quarter)


def quarter_report(
    year: int | str,
    quarter: str,
    ledger_path: str | Path,
    rules_path: str | Path | None = None,
) -> QuarterReport:
    """Read the ledger and score it at the end of the quarter."""
    return quarter_report_for(load_context(ledger_path, rules_path), year, quarter)


def quarter_report_for(ctx: Context, year: int | str, quarter: str) -> QuarterReport:
    """The quarterly notification's scores, from a ledger already read."""
    y = check_year(ctx.rules, year)
    q = parse_quarter(quarter, ctx.rules)
    qs = ctx.rules.quarters.active
    idx = [x.name for x in qs].index(q.name)
    label = quarter_label(ctx.rules, q)
    return QuarterReport(ctx, y, q, idx, label, ctx.score(q.end), tuple(qs[: idx + 1]))


def quarter_units(r: QuarterReport) -> pl.DataFrame:
    """Per roster unit: the quarter's submissions and adoptions by level, the quarter's
    points, and the engine's total, completion rate and rank at the quarter's end; in the
    order of the notification (group by group, by rank)."""
    return (
        quarter_comparison(r.ctx, r.quarter.end)
        .filter(pl.col("quarter") == r.quarter.name)
        .sort("group_order", "rank", "order")
    )


QUARTER_COLUMNS = (
    Column("rank", "排名", "int"),
    Column("unit", "单位"),
    Column("submitted", "本季度报送", "int"),
    Column("adoptions", "本季度录用|合计", "int"),
    Column("adoptions_central", "本季度录用|中央", "int"),
    Column("adoptions_provincial", "本季度录用|省级", "int"),
    Column("adoptions_city", "本季度录用|市级", "int"),
    Column("adoptions_bureau", "本季度录用|局本级", "int"),
    Column("points", "本季度得分", "pts"),
    Column("total", "累计得分", "pts"),
    Column("base", "基本任务分", "pts"),
    Column("completion", "完成率", "pct"),
)


def _group_title(rules: Rules, group: str, units: pl.DataFrame) -> str:
    g = rules.group_by_name[group]
    base = f"{float(g.base):g}"
    if g.kind == "district":
        return f"区、县（市）人力社保局（基本任务分{base}分）"
    return f"{group}类处室、单位（基本任务分{base}分，{units.height}个）"


def quarter_tables(r: QuarterReport, kind: str | None = None) -> list[Table]:
    """The notification's tables: departments group by group, then the districts."""
    df = quarter_units(r)
    out = []
    for g in r.rules.groups.list:
        if kind is not None and g.kind != kind:
            continue
        part = df.filter(pl.col("group") == g.name)
        if part.height == 0:
            continue
        nil = part.filter(pl.col("nothing_submitted"))["unit"].to_list()
        note = f"本季度未报送信息：{'、'.join(nil)}。" if nil else None
        out.append(
            Table(
                name=group_labels(r.rules)[g.name],
                title=_group_title(r.rules, g.name, part),
                frame=part,
                columns=QUARTER_COLUMNS,
                note=note,
                highlight="nothing_submitted",
            )
        )
    return out


def overview(counts: pl.DataFrame) -> dict[str, int]:
    """System-wide sums of a period's unit_counts."""
    sums = counts.select(
        pl.col("submitted").sum(),
        pl.col("submitted").filter(pl.col("kind") == "department").sum().alias("dep_submitted"),
        pl.col("submitted").filter(pl.col("kind") == "district").sum().alias("dis_submitted"),
        pl.col("adoptions").sum(),
        pl.col("adopted_items").sum(),
        pl.col("instructions").sum(),
        pl.col("awards").sum(),
        pl.col("commissions").sum(),
        pl.col("commissions_missed").sum(),
        *[pl.col(f"adoptions_{lv}").sum() for lv in LEVELS],
    ).row(0, named=True)
    return {k: int(v or 0) for k, v in sums.items()}


def notable_adoptions(ctx: Context, start: date, end: date) -> pl.DataFrame:
    """Adoptions between start and end at provincial level or higher, or with a leader's
    instruction: the news of a notification. Most important first."""
    return (
        ctx.adoptions(start, end)
        .filter(pl.col("level").is_in(["central", "provincial"]) | pl.col("instruction"))
        .join(ctx.ledger.items.select("item_id", "title"), on="item_id", how="left")
        .with_columns(
            publication_name(ctx.rules),
            level_order().alias("_lv"),
            level_label(ctx.rules),
            yes_label("instruction").alias("instruction_label"),
        )
        .sort(["_lv", "instruction", "adopted", "item_id"], descending=[False, True, False, False])
        .select(
            "adopted",
            "unit",
            "item_id",
            "title",
            "level",
            "level_label",
            "publication",
            "form",
            "instruction",
            "instruction_label",
        )
    )


NOTABLE_COLUMNS = (
    Column("adopted", "录用日期", "date"),
    Column("unit", "单位"),
    Column("title", "标题"),
    Column("level_label", "级别"),
    Column("publication", "录用刊物"),
    Column("form", "录用方式"),
    Column("instruction_label", "领导批示"),
)


def notable_table(r: QuarterReport) -> Table:
    df = notable_adoptions(r.ctx, r.quarter.start, r.quarter.end)
    return Table(
        "省级以上录用及批示",
        "本季度省级以上刊物录用及获领导批示的信息",
        df,
        NOTABLE_COLUMNS,
        empty="本季度没有省级以上刊物录用或获领导批示的信息。",
    )


def adoptions_by_publication(ctx: Context, start: date, end: date) -> pl.DataFrame:
    """Adoptions between start and end per publication: level, publication, adoptions,
    instructions; by level (central first), then by count."""
    return (
        ctx.adoptions(start, end)
        .group_by("level", "pub_agency", "pub_title", "publication_id")
        .agg(
            pl.len().cast(pl.Int64).alias("adoptions"),
            pl.col("instruction").sum().cast(pl.Int64).alias("instructions"),
        )
        .with_columns(
            publication_name(ctx.rules), level_label(ctx.rules), level_order().alias("_lv")
        )
        .sort(["_lv", "adoptions", "publication_id"], descending=[False, True, False])
        .select("level", "level_label", "publication", "adoptions", "instructions")
    )


def trend(r: QuarterReport) -> pl.DataFrame:
    """Per quarter up to this one and per group: completion of the group's bases at the
    quarter's end (the engine's totals summed over the bases summed), the time progress then,
    and the quarter's submissions and adoptions."""
    return (
        quarter_comparison(r.ctx, r.quarter.end)
        .group_by("quarter", "quarter_label", "group", "group_order", "kind")
        .agg(
            (pl.col("total_u").sum() / pl.col("base_u").sum()).alias("completion"),
            pl.col("pace").first(),
            pl.col("submitted").sum(),
            pl.col("adoptions").sum(),
        )
        .sort("quarter", "group_order")
        .select(
            "quarter",
            "quarter_label",
            "group",
            "kind",
            "completion",
            "pace",
            "submitted",
            "adoptions",
        )
    )


def behind_pace(scores: Scores, rules: Rules, rule: ProblemRule | None = None) -> pl.DataFrame:
    """The units materially behind the time progress, by the office's rule (`ProblemRule`,
    params/office.yaml `problems:`), with what each still needs for the year:

    - points: the engine's total below the score the time progress asks for
      (base × share of the year elapsed) by more than `points_behind_pace` of it;
    - a count task (the level tasks, the research article, a district's submissions) that
      can no longer be met at its pace (`count_task_unreachable`): the items still missing
      are more than the task's pace gives for the rest of the year (required × share of the
      year left, whole items rounded up). A task due once by the year end (one research
      article) is never behind before the year ends; at the year end every unmet task is.

    Paces are whole items (篇, rounded up). Columns: unit, group, kind, total, expected,
    completion, points_behind, tasks_behind (how many tasks can no longer be met), lagging
    (why the unit is named, text), need (what the year still needs, text), at_stake (points
    the unmet tasks would cost).
    """
    rule = rule or load_office().problems
    share = elapsed_share(rules, scores.end)
    by = "全年应" if share >= 1 else "按进度应"
    t = scores.tasks.with_columns(
        (pl.col("expected_by_now") - 1e-9).ceil().cast(pl.Int64).clip(0).alias("pace_items"),
        (pl.col("required") * (1 - share) - 1e-9).ceil().cast(pl.Int64).clip(0).alias("_left"),
    ).with_columns(
        (pl.lit(rule.count_task_unreachable) & (pl.col("gap") > pl.col("_left"))).alias(
            "unreachable"
        )
    )
    gaps = (
        t.select("unit", "task", "gap")
        .pivot(on="task", index="unit", values="gap")
        .join(units_frame(rules).select("unit"), on="unit", how="right")
    )
    for task in (
        "city_items",
        "city_suggestion",
        "provincial_items",
        "provincial_suggestion",
        "research",
        "submissions",
    ):
        if task not in gaps.columns:
            gaps = gaps.with_columns(pl.lit(0, dtype=pl.Int64).alias(task))
    gaps = gaps.with_columns(pl.exclude("unit").fill_null(0))
    reading = level_task(rules)  # which items close the level task: the engine's reading

    def level_need(lv: str, label: str) -> pl.Expr:
        s = pl.col(f"{lv}_suggestion")
        n = reading.needed(pl.col(f"{lv}_items"), s)
        detail = pl.when(s > 0).then(pl.format("（其中建议问题类{}篇）", s)).otherwise(pl.lit(""))
        return pl.when(n > 0).then(pl.format("{}{}篇{}", pl.lit(label), n, detail))

    need = gaps.select(
        "unit",
        pl.concat_str(
            [
                level_need("city", "市级录用"),
                level_need("provincial", "省级及以上录用"),
                pl.when(pl.col("research") > 0).then(pl.format("调研文章{}篇", pl.col("research"))),
                pl.when(pl.col("submissions") > 0).then(
                    pl.format("报送信息{}篇", pl.col("submissions"))
                ),
            ],
            separator="、",
            ignore_nulls=True,
        ).alias("need"),
    )
    lag = (
        t.filter(pl.col("unreachable"))
        .with_columns(
            pl.format(
                "{}已完成{}篇，{}完成{}篇",
                pl.col("label"),
                pl.col("achieved"),
                pl.lit(by),
                pl.col("pace_items"),
            ).alias("_lag")
        )
        .group_by("unit", maintain_order=True)
        .agg(
            pl.col("_lag").str.join("；").alias("task_lag"),
            pl.len().cast(pl.Int64).alias("tasks_behind"),
        )
    )
    stake = (
        t.filter(pl.col("gap") > 0)
        .group_by("unit")
        .agg(pl.col("points_at_stake").sum().alias("at_stake"))
    )
    floor = 1 - float(rule.points_behind_pace)
    p = progress(scores, rules)
    return (
        p.join(lag, on="unit", how="left")
        .join(need, on="unit", how="left")
        .join(stake, on="unit", how="left")
        .with_columns(
            (pl.col("total") < pl.col("expected") * floor - 1e-9).alias("points_behind"),
            pl.col("at_stake").fill_null(0.0),
            pl.col("tasks_behind").fill_null(0),
        )
        .filter(pl.col("points_behind") | (pl.col("tasks_behind") > 0))
        .with_columns(
            pl.concat_str(
                [
                    pl.when(pl.col("points_behind")).then(
                        pl.format(
                            "累计得分{}分，{}得{}分",
                            pts_text(pl.col("total")),
                            pl.lit(by),
                            pts_text(pl.col("expected")),
                        )
                    ),
                    pl.col("task_lag"),
                ],
                separator="；",
                ignore_nulls=True,
            ).alias("lagging"),
            pl.when(pl.col("need").fill_null("") == "")
            .then(pl.lit("—"))
            .otherwise(pl.col("need"))
            .alias("need"),
        )
        .sort("group_order", "order")
        .select(
            "unit",
            "group",
            "kind",
            "total",
            "expected",
            "completion",
            "points_behind",
            "tasks_behind",
            "lagging",
            "need",
            "at_stake",
        )
    )


def problem_rule_text(rule: ProblemRule) -> str:
    """The office's rule of naming a unit under 三、存在问题, in the reports' words."""
    parts = [f"累计得分低于按时间进度应得分{rate_text(rule.points_behind_pace)}以上"]
    if rule.count_task_unreachable:
        parts.append(
            "或某项篇数任务（基本任务、调研文章、区县报送篇数）尚缺篇数已超过按任务进度"
            "全年剩余时间应完成的篇数（按整篇计，年底前即已无法按进度完成）"
        )
    return "：".join(["点名标准", "，".join(parts)]) + "（市局办公室公文设置 problems）。"


BEHIND_COLUMNS = (
    Column("unit", "单位"),
    Column("group", "类别"),
    Column("total", "累计得分", "pts"),
    Column("expected", "按进度应得分", "pts"),
    Column("completion", "完成率", "pct"),
    Column("lagging", "明显滞后的事项"),
    Column("need", "全年尚需完成"),
    Column("at_stake", "不完成将扣分", "pts"),
)


def behind_table(r: QuarterReport, rule: ProblemRule | None = None) -> Table:
    rule = rule or load_office().problems
    share = elapsed_share(r.rules, r.ytd.end)
    return Table(
        "进度滞后",
        f"进度明显滞后的单位及全年尚需完成的任务（截至{r.quarter.end:%Y年%-m月%-d日}，"
        f"时间进度{pct_text(share)}）",
        behind_pace(r.ytd, r.rules, rule),
        BEHIND_COLUMNS,
        note=problem_rule_text(rule)
        + "“全年尚需完成”按全年任务计：市级、省级及以上为尚需录用的信息篇数；"
        "区县为尚需报送的信息篇数。“不完成将扣分”为年底仍未完成时按考核办法扣减的分数。",
        empty="没有明显落后于时间进度的单位。",
    )


def writer_board(r: QuarterReport, top: int = 15) -> pl.DataFrame:
    """Writers of the quarter: 出彩 points and city-or-higher adoptions in the quarter's months,
    items first-written in the quarter, and the year-to-date 出彩 points; by the quarter's
    出彩 points (a leader board of the quarter, not the officer prize ranking)."""
    months = months_between(r.quarter.start, r.quarter.end)
    m = (
        r.ytd.people_monthly.filter(pl.col("month").is_in(months))
        .group_by("unit", "name")
        .agg(
            pl.col("chucai_points").sum().cast(pl.Int64).alias("q_chucai"),
            pl.col("adoptions").sum().cast(pl.Int64).alias("q_adoptions"),
        )
    )
    written = (
        r.ctx.items(r.quarter.start, r.quarter.end)
        .filter(pl.col("first_writer").is_not_null())
        .group_by("unit", pl.col("first_writer").alias("name"))
        .agg(pl.len().cast(pl.Int64).alias("q_items"))
    )
    people = r.ytd.people.select(
        "unit", "name", "role", "young", pl.col("chucai_points").alias("ytd_chucai")
    )
    board = (
        pl.concat([m.select("unit", "name"), written.select("unit", "name")])
        .unique()
        .join(m, on=["unit", "name"], how="left")
        .join(written, on=["unit", "name"], how="left")
        .join(people, on=["unit", "name"], how="left")
        .with_columns(
            pl.col("q_chucai", "q_adoptions", "q_items", "ytd_chucai").fill_null(0),
            pl.col("role").fill_null("未登记"),
            pl.col("young").fill_null(False),
        )
        .filter(pl.col("q_chucai") > 0)
        .sort(
            ["q_chucai", "q_adoptions", "q_items", "unit", "name"],
            descending=[True, True, True, False, False],
        )
        .with_columns(
            pl.struct("q_chucai", "q_adoptions")
            .rank("min", descending=True)
            .cast(pl.Int64)
            .alias("rank"),
            yes_label("young").alias("young_label"),
        )
    )
    return board.filter(pl.col("rank") <= top)


WRITER_COLUMNS = (
    Column("rank", "排名", "int"),
    Column("name", "姓名"),
    Column("unit", "单位"),
    Column("role", "角色"),
    Column("young_label", "年轻干部"),
    Column("q_items", "本季度第一撰稿信息", "int"),
    Column("q_adoptions", "本季度市级以上录用", "int"),
    Column("q_chucai", "本季度“出彩”加分", "int"),
    Column("ytd_chucai", "累计“出彩”加分", "int"),
)


def chucai_range(rules: Rules) -> str:
    """The 出彩 points a publication gives, lowest to highest, as the rules file has them
    (e.g. '1—5'); one value when all are the same."""
    values = [v for p in rules.publications.list for v in (p.chucai, *p.chucai_forms.values()) if v]
    if not values:
        return "0"
    low, high = min(values), max(values)
    return f"{low}" if low == high else f"{low}—{high}"


def writer_table(r: QuarterReport, top: int = 15) -> Table:
    return Table(
        "撰稿人排行",
        f"本季度撰稿人“出彩”加分排行（前{top}名）",
        writer_board(r, top),
        WRITER_COLUMNS,
        note="“出彩”加分：第一撰稿人的信息被市级以上刊物录用，按刊物类别每篇计"
        f"{chucai_range(r.rules)}分（考核办法四）。",
        empty="本季度没有市级以上刊物录用。",
    )


def officer_ranking(rules: Rules) -> str:
    """How the engine ranks the officers for the prizes (四), in the reports' words: the
    *choices* `outcomes.officer_prizes.ranking` and `people.scope`."""
    by_chucai = rules.outcomes.officer_prizes.ranking.choice == "chucai"
    first, second = ("全年“出彩”加分", "信息得分") if by_chucai else ("信息得分", "全年“出彩”加分")
    scope = (
        "全部单位的信息员参加评选"
        if rules.people.scope.choice == "all"
        else "处室、单位的信息员参加评选（区县人员的“出彩”加分照常列出，不计入评选）"
    )
    return (
        f"按{first}排名，相同时依次比较{second}、姓名（考核办法四）；{scope}；"
        "信息得分指第一撰稿信息的录用分、批示分、好信息分合计；两项均为零的不排名。"
    )


def officer_board(r: QuarterReport) -> pl.DataFrame:
    """The units' information officers, ranked as for the officer prizes (year to date)."""
    months = months_between(r.quarter.start, r.quarter.end)
    q = (
        r.ytd.people_monthly.filter(pl.col("month").is_in(months))
        .group_by("unit", "name")
        .agg(pl.col("chucai_points").sum().cast(pl.Int64).alias("q_chucai"))
    )
    order = units_frame(r.rules).select("unit", "order")
    return (
        r.ytd.people.filter(pl.col("role") == "信息员")
        .join(q, on=["unit", "name"], how="left")
        .join(order, on="unit", how="left")
        .with_columns(pl.col("q_chucai").fill_null(0))
        .sort(["officer_rank", "order", "name"], nulls_last=True)
    )


OFFICER_COLUMNS = (
    Column("officer_rank", "排名", "int"),
    Column("name", "姓名"),
    Column("unit", "单位"),
    Column("items_first_written", "第一撰稿信息", "int"),
    Column("adopted_items", "其中录用", "int"),
    Column("item_points", "信息得分", "pts"),
    Column("chucai_points", "累计“出彩”加分", "int"),
    Column("q_chucai", "本季度“出彩”加分", "int"),
)


def officer_table(r: QuarterReport) -> Table:
    return Table(
        "信息员排行",
        "信息员年度累计排行（优秀信息员按此排名评选）",
        officer_board(r),
        OFFICER_COLUMNS,
        note="排名依据：" + officer_ranking(r.rules),
    )


PROBLEM_COLUMNS = (
    Column("severity_label", "级别"),
    Column("unit", "单位"),
    Column("sheet", "工作表"),
    Column("row", "行", "int"),
    Column("column", "列"),
    Column("value", "值"),
    Column("reason", "问题"),
    Column("suggestion", "建议"),
)

# The reports' list: the same problem of one unit on several rows is one line (行: '4、10—11').
GROUPED_PROBLEM_COLUMNS = (
    Column("severity_label", "级别"),
    Column("unit", "单位"),
    Column("sheet", "工作表"),
    Column("rows", "行"),
    Column("count", "条数", "int"),
    Column("column", "列"),
    Column("value", "值"),
    Column("reason", "问题"),
    Column("suggestion", "建议"),
)

# The reader's warning on a row dated outside the assessment year (kaohe.ledger.read).
OTHER_YEAR_REASON = "不在考核周期"
OTHER_YEAR_RANGES = 12  # row ranges of other-year rows spelled out in the one summary row


def row_units(ledger: Ledger) -> pl.DataFrame:
    """The unit of each ledger row that names one: sheet, row, unit (an adoption's and an
    award's unit is its item's)."""
    items = ledger.items.select("item_id", "unit").unique("item_id", keep="first")
    parts = [
        ledger.items.select(pl.lit("报送").alias("sheet"), "row", "unit"),
        ledger.adoptions.join(items, on="item_id", how="left").select(
            pl.lit("录用").alias("sheet"), "row", "unit"
        ),
        ledger.awards.join(items, on="item_id", how="left").select(
            pl.lit("好信息").alias("sheet"), "row", "unit"
        ),
        ledger.commissions.select(pl.lit("约稿").alias("sheet"), "row", "unit"),
        ledger.plans.select(pl.lit("月度计划").alias("sheet"), "row", "unit"),
        ledger.people.select(pl.lit("信息员").alias("sheet"), "row", "unit"),
    ]
    return (
        pl.concat([p.cast({"row": pl.Int64, "unit": pl.String}) for p in parts])
        .drop_nulls("row")
        .unique(["sheet", "row"], keep="first")
    )


def _ranges(rows: Sequence[int | None]) -> str:
    """2, 3, 4, 9 → '2—4、9' (at most OTHER_YEAR_RANGES spans, then '等'); no rows → ''."""
    spans: list[tuple[int, int]] = []
    for r in sorted({r for r in rows if r is not None}):
        if spans and r == spans[-1][1] + 1:
            spans[-1] = (spans[-1][0], r)
        else:
            spans.append((r, r))
    shown = [f"{a}" if a == b else f"{a}—{b}" for a, b in spans[:OTHER_YEAR_RANGES]]
    more = "等" if len(spans) > OTHER_YEAR_RANGES else ""
    return "、".join(shown) + more


def _row_ranges(rows: list[int]) -> str:
    """2, 3, 4, 9 → '第2—4、9行'."""
    return "第" + _ranges(rows) + "行"


def other_year_rows(problems: pl.DataFrame) -> pl.DataFrame:
    """The warnings on rows dated outside the assessment year (not scored)."""
    return problems.filter(
        (pl.col("severity") == "warning")
        & pl.col("row").is_not_null()
        & pl.col("reason").str.contains(OTHER_YEAR_REASON, literal=True)
    )


def other_year_text(problems: pl.DataFrame) -> str:
    """'9行属于其他年度，未计分' — the one line the reports give the other-year rows; blank
    when there are none."""
    n = other_year_rows(problems).select(pl.struct("sheet", "row").n_unique()).item()
    return f"{n}行属于其他年度，未计分" if n else ""


def problems_table(
    scores: Scores,
    ledger: Ledger | None = None,
    other_years_in_one_row: bool = False,
    same_in_one_row: bool = False,
) -> Table:
    """The ledger's problems, each row naming its 单位 (from `ledger`, when given).

    `other_years_in_one_row` (the reports): the warnings on rows dated outside the assessment
    year become one row ('N行属于其他年度，未计分', with the sheets' row numbers); the
    exploration page lists them one by one. `same_in_one_row` (the reports): the same problem
    of one unit (same sheet, column, value, reason and fix) on several rows is one line listing
    the rows (行: '4、10—11') and their number (条数)."""
    df = scores.problems
    if ledger is not None:
        df = df.join(row_units(ledger), on=["sheet", "row"], how="left")
    else:
        df = df.with_columns(pl.lit(None, dtype=pl.String).alias("unit"))
    other = other_year_rows(df) if other_years_in_one_row else df.clear()
    if other.height:
        sheets = other["sheet"].unique(maintain_order=True).to_list()
        where = "；".join(
            f"{s}{_row_ranges(other.filter(pl.col('sheet') == s)['row'].to_list())}" for s in sheets
        )
        one = pl.DataFrame(
            {
                "severity": ["warning"],
                "sheet": ["、".join(sheets)],
                "row": [None],
                "column": ["、".join(other["column"].unique(maintain_order=True).to_list())],
                "value": [where],
                "reason": [other_year_text(other)],
                "suggestion": ["如属本年度，请核对日期"],
                "unit": [None],
            },
            schema=df.schema,
        )
        df = pl.concat([one, df.join(other, on=df.columns, how="anti", nulls_equal=True)])
    df = df.with_columns(
        pl.col("severity")
        .replace_strict(SEVERITY_LABELS, default=pl.col("severity"), return_dtype=pl.String)
        .alias("severity_label"),
        pl.col("unit").fill_null(""),
    )
    note = "警告不影响计分；请各单位核对后告知局办公室，以便更正台账。"
    if not same_in_one_row:
        return Table(
            "台账问题",
            f"台账问题清单（{df.height}条）",
            df,
            PROBLEM_COLUMNS,
            note=note,
            empty="台账未发现问题。",
        )
    keys = [
        "severity",
        "severity_label",
        "unit",
        "sheet",
        "column",
        "value",
        "reason",
        "suggestion",
    ]
    counted = df.with_columns(
        pl.when(pl.col("reason") == other_year_text(other) if other.height else pl.lit(False))
        .then(other.height)
        .otherwise(1)
        .alias("count")
    )
    grouped = (
        counted.with_row_index("first")
        .group_by(keys, maintain_order=True)
        .agg(pl.col("row"), pl.col("count").sum(), pl.col("first").min())
        .sort("first")
    )
    grouped = grouped.with_columns(
        pl.Series("rows", [_ranges(r) for r in grouped["row"].to_list()], dtype=pl.String)
    ).drop("row", "first")
    total = int(grouped["count"].sum()) if grouped.height else 0
    merged = "，同一单位的同一问题合为一行" if grouped.height < total else ""
    return Table(
        "台账问题",
        f"台账问题清单（{total}条{merged}）",
        grouped,
        GROUPED_PROBLEM_COLUMNS,
        note=note,
        empty="台账未发现问题。",
    )


def report_problems(scores: Scores, ledger: Ledger) -> Table:
    """The problems as the reports list them: rows of other years in one line, the same
    problem of one unit in one line (`problems_table`)."""
    return problems_table(scores, ledger, other_years_in_one_row=True, same_in_one_row=True)


# ---- the summary text (一、总体情况 …) -----------------------------------------------------


@dataclass(frozen=True)
class Section:
    """A numbered part of a notification: heading (may be blank) and paragraphs (plain text)."""

    heading: str
    paragraphs: tuple[str, ...]


def _delta(now: int, before: int | None, unit: str) -> str:
    if before is None:
        return ""
    d = now - before
    if d == 0:
        return "，与上季度持平"
    word = "增加" if d > 0 else "减少"
    pct = f"（{pct_text(abs(d) / before)}）" if before else ""
    return f"，较上季度{word}{abs(d)}{unit}{pct}"


def _names(units: Sequence[str], limit: int = 8) -> str:
    units = list(units)
    if len(units) <= limit:
        return "、".join(units)
    return "、".join(units[:limit]) + f"等{len(units)}个单位"


_CN_NUMERALS = "一二三四五六七八九十"


def _numbered(paragraphs: list[str]) -> list[str]:
    """（一）…（二）… as the office numbers the points of a section."""
    return [f"（{_CN_NUMERALS[i]}）{p}" for i, p in enumerate(paragraphs)]


def _levels_text(o: dict[str, int], rules: Rules) -> str:
    labels = rules.levels.labels
    return "、".join(f"{labels[lv]}{o[f'adoptions_{lv}']}篇次" for lv in LEVELS)


def _top_bottom(units: pl.DataFrame, rate: str) -> str:
    """'完成率最高的是甲（92.75%），最低的是乙（2.00%）' of one class, by the engine's rank
    within the class (ties named together)."""

    def named(rows: pl.DataFrame) -> str:
        return "、".join(
            f"{u['unit']}（{pct_text(u[rate])}）" for u in rows.sort("order").iter_rows(named=True)
        )

    if units.height == 0:
        return ""
    top = units.filter(pl.col("rank") == pl.col("rank").min())
    bottom = units.filter(pl.col("rank") == pl.col("rank").max())
    if units.height == 1:
        return f"为{named(units)}"
    if top.height == units.height:
        return f"完成率均为{pct_text(units[rate][0])}"
    return f"完成率最高的是{named(top)}，最低的是{named(bottom)}"


def class_top_bottom(units: pl.DataFrame, rules: Rules, kind: str, rate: str) -> str:
    """Per class (group) of `kind`: its top and bottom units by completion rate."""
    labels = group_labels(rules)
    parts = []
    for g in rules.groups.list:
        if g.kind != kind:
            continue
        part = units.filter(pl.col("group") == g.name)
        if part.height == 0:
            continue
        text = _top_bottom(part, rate)
        parts.append(text if kind == "district" else f"{labels[g.name]}{text}")
    return "；".join(parts)


def _ledger_paragraph(problems: pl.DataFrame) -> str | None:
    """三's line on the ledger: the other-year rows in one phrase, the other warnings counted."""
    other = other_year_text(problems)
    warnings = problems.filter(pl.col("severity") == "warning").height - (
        other_year_rows(problems).height
    )
    parts = []
    if other:
        parts.append(f"台账中{other}")
    if warnings:
        parts.append(
            f"{'另有' if other else '台账发现'}{warnings}条警告（详见附表），请相关单位核对"
        )
    return "；".join(parts) + "。" if parts else None


def next_steps_section(office: Office) -> Section:
    """四、下一步工作要求: the office file's paragraphs, numbered."""
    return Section("四、下一步工作要求", tuple(_numbered(list(office.next_steps))))


def quarter_summary(
    r: QuarterReport, notable_limit: int = 6, office: Office | None = None
) -> list[Section]:
    """一、总体情况 / 二、得分情况 / 三、存在问题 / 四、下一步工作要求, written from the data
    in the office's style; 三 names only the units materially behind (`behind_pace`, by the
    office file's rule), 四 is the office file's text."""
    office = office or load_office()
    rules = r.rules
    o = overview(r.quarter_counts)
    p = overview(r.prev_counts) if r.prev_counts is not None else None
    first = (
        f"{r.label}，全系统共向市局办公室报送信息{o['submitted']}篇"
        f"{_delta(o['submitted'], p and p['submitted'], '篇')}，"
        f"其中处室、单位{o['dep_submitted']}篇，区、县（市）人力社保局{o['dis_submitted']}篇。"
        f"被各级刊物录用{o['adoptions']}篇次（涉及信息{o['adopted_items']}篇）"
        f"{_delta(o['adoptions'], p and p['adoptions'], '篇次')}，"
        f"其中{_levels_text(o, rules)}；获领导批示{o['instructions']}篇次"
        f"{_delta(o['instructions'], p and p['instructions'], '篇次')}。"
    )
    paras = [first]
    notable = notable_adoptions(r.ctx, r.quarter.start, r.quarter.end)
    if notable.height:
        picks = []
        for n in notable.head(notable_limit).iter_rows(named=True):
            ins = "，并获领导批示" if n["instruction"] else ""
            picks.append(f"{n['unit']}报送的《{n['title']}》被{n['publication']}录用{ins}")
        more = f"等{notable.height}篇次（详见附表）" if notable.height > notable_limit else ""
        paras.append("本季度重要录用：" + "；".join(picks) + more + "。")
    if o["commissions"]:
        done = o["commissions"] - o["commissions_missed"]
        paras.append(
            f"本季度约稿到期{o['commissions']}次，按时完成{done}次"
            + (f"，未按时完成{o['commissions_missed']}次。" if o["commissions_missed"] else "。")
        )
    sections = [Section("一、总体情况", tuple(paras))]

    u = quarter_units(r)
    share = elapsed_share(rules, r.ytd.end)
    score_paras = []
    for kind, what in KIND_LABELS.items():
        k = u.filter(pl.col("kind") == kind)
        if k.height == 0:
            continue
        on_pace = k.filter(pl.col("completion") >= share - 1e-9).height
        reached = k.filter(pl.col("completion") >= 1).height
        score_paras.append(
            f"截至{r.quarter.end:%-m月%-d日}（时间进度{pct_text(share)}），{k.height}个{what}中，"
            f"累计得分达到时间进度的{on_pace}个，已完成全年基本任务分的{reached}个；"
            f"{class_top_bottom(k, rules, kind, 'completion')}。"
        )
    if r.ytd.annual:
        score_paras.append(
            "第四季度末即考核年度结束，本通报的累计得分、完成率和排名已含按全年判断的条款"
            "（基本任务、调研文章、区县报送任务），与年度考核结果一致。"
        )
    sections.append(Section("二、得分情况", tuple(score_paras)))

    problems = []
    behind = behind_pace(r.ytd, rules, office.problems)
    if behind.height:
        items = [f"{b['unit']}（{b['lagging']}）" for b in behind.iter_rows(named=True)]
        if r.ytd.annual:
            problems.append(
                f"年度任务未完成。{behind.height}个单位的得分明显低于基本任务分或未完成篇数任务："
                + "；".join(items)
                + "。"
            )
        else:
            problems.append(
                f"进度明显滞后。{behind.height}个单位的得分或基本任务明显落后于时间进度："
                + "；".join(items)
                + "。请抓紧组织报送（全年尚需完成的任务见附表）。"
            )
    else:
        problems.append("各单位均未明显落后于时间进度。")
    nil = u.filter(pl.col("nothing_submitted"))["unit"].to_list()
    if nil:
        problems.append(f"本季度未报送信息的单位：{_names(nil, 30)}。")
    else:
        problems.append("各单位本季度均有信息报送。")
    ledger = _ledger_paragraph(r.ytd.problems)
    if ledger:
        problems.append(ledger)
    sections.append(Section("三、存在问题", tuple(_numbered(problems))))
    sections.append(next_steps_section(office))
    return sections


def quarter_excel_tables(r: QuarterReport) -> list[Table]:
    """Every table of the notification, in order (one Excel sheet each)."""
    return [
        *quarter_tables(r),
        notable_table(r),
        behind_table(r),
        writer_table(r),
        officer_table(r),
        report_problems(r.ytd, r.ctx.ledger),
    ]


# ---- the annual report --------------------------------------------------------------------


@dataclass(frozen=True)
class AnnualReport:
    ctx: Context
    year: int
    label: str
    scores: Scores

    @property
    def rules(self) -> Rules:
        return self.ctx.rules

    @property
    def title(self) -> str:
        return annual_title(self.rules)

    @property
    def stem(self) -> str:
        return annual_stem(self.year)


def annual_report(
    year: int | str, ledger_path: str | Path, rules_path: str | Path | None = None
) -> AnnualReport:
    """Read the ledger and score the whole year."""
    return annual_report_for(load_context(ledger_path, rules_path), year)


def annual_report_for(ctx: Context, year: int | str) -> AnnualReport:
    y = check_year(ctx.rules, year)
    return AnnualReport(ctx, y, year_label(ctx.rules), ctx.score())


def final_units(a: AnnualReport) -> pl.DataFrame:
    """Per roster unit, the engine's final scores with the year's counts; group by group, by
    the engine's rank."""
    counts = a.scores.unit_counts.select(
        "unit", "submitted", "adoptions", "adopted_items", "instructions", "items_provincial"
    )
    uf = units_frame(a.rules).select("unit", "order", "group_order")
    yes_no = {True: "完成", False: "未完成"}
    return (
        a.scores.unit_scores.join(counts, on="unit")
        .join(uf, on="unit")
        .with_columns(
            pl.col("tasks_complete")
            .replace_strict(yes_no, default=None, return_dtype=pl.String)
            .alias("tasks_label"),
            pl.col("research_done")
            .replace_strict(yes_no, default=None, return_dtype=pl.String)
            .alias("research_label"),
            pl.when(pl.col("advanced_candidate"))
            .then(pl.format("候选（第{}）", pl.col("advanced_rank")))
            .otherwise(pl.lit(""))
            .alias("advanced_label"),
        )
        .sort("group_order", "rank", "order")
    )


FINAL_DEPARTMENT_COLUMNS = (
    Column("rank", "排名", "int"),
    Column("unit", "单位"),
    Column("base", "基本任务分", "pts"),
    Column("total", "总得分", "pts"),
    Column("completion_rate", "完成率", "pct"),
    Column("adjustment", "绩效考核调整分", "pts"),
    Column("submitted", "报送", "int"),
    Column("adoptions", "录用篇次", "int"),
    Column("tasks_label", "基本任务"),
    Column("research_label", "调研文章"),
    Column("advanced_label", "先进集体"),
)
FINAL_DISTRICT_COLUMNS = (
    Column("rank", "排名", "int"),
    Column("unit", "单位"),
    Column("submitted", "报送", "int"),
    Column("adoptions", "录用篇次", "int"),
    Column("instructions", "领导批示", "int"),
    Column("base", "基本任务分", "pts"),
    Column("total", "总得分", "pts"),
    Column("completion_rate", "完成率", "pct"),
    Column("assessment_score", "考核赋分", "pts"),
)


def final_tables(a: AnnualReport, kind: str | None = None) -> list[Table]:
    """Final scores: departments group by group, then districts; each unit with the engine's
    rank within its group."""
    df = final_units(a)
    out = []
    f = a.rules.outcomes.district_assessment
    for g in a.rules.groups.list:
        if kind is not None and g.kind != kind:
            continue
        part = df.filter(pl.col("group") == g.name)
        if part.height == 0:
            continue
        if g.kind == "department":
            out.append(
                Table(
                    f"{g.name}类得分",
                    _group_title(a.rules, g.name, part),
                    part,
                    FINAL_DEPARTMENT_COLUMNS,
                    note="排名为在本类处室、单位中按完成率的名次；绩效考核调整分：完成率每高（低）"
                    "一个百分点加（减）"
                    f"{points_text(float(a.rules.outcomes.department_adjustment.points_per_percent))}分。",
                )
            )
        else:
            out.append(
                Table(
                    "区县得分",
                    _group_title(a.rules, g.name, part),
                    part,
                    FINAL_DISTRICT_COLUMNS,
                    note=f"考核赋分：满分{points_text(float(f.full_score))}分，按完成率赋分，"
                    f"达到基本任务分的赋满分，在基本任务分"
                    f"{rate_text(f.zero_at_or_below_share)}以下（含）的不得分。",
                )
            )
    return out


def breakdown(scores: Scores, rules: Rules) -> pl.DataFrame:
    """Per unit and clause (step): the subtotal of the score ledger, in clause order; every
    roster unit appears with the steps it has lines for (a unit with none: no rows)."""
    order = {s: i for i, s in enumerate(STEPS)}
    uf = units_frame(rules)
    return (
        scores.score_lines.group_by("unit", "step")
        .agg(pl.col("points_u").sum(), pl.len().alias("lines"))
        .join(uf, on="unit")
        .with_columns(
            (pl.col("points_u") / SCALE).alias("points"),
            pl.col("step").replace_strict(STEP_LABELS, return_dtype=pl.String).alias("label"),
            pl.col("step").replace_strict(order, return_dtype=pl.Int64).alias("step_order"),
        )
        .sort("group_order", "order", "step_order")
        .select(
            "unit",
            "group",
            "kind",
            "base",
            "step",
            "label",
            "step_order",
            "points",
            "lines",
        )
    )


def breakdown_table(a: AnnualReport, kind: str) -> Table:
    """Units × clauses: each unit's total explained by its score-ledger subtotals."""
    b = breakdown(a.scores, a.rules).filter(pl.col("kind") == kind)
    steps = [s for s in STEPS if s in set(b["step"].to_list())]  # clause order, steps present only
    wide = (
        b.pivot(on="step", index="unit", values="points")
        if b.height
        else pl.DataFrame({"unit": []}, schema={"unit": pl.String})
    )
    units = (
        final_units(a)
        .filter(pl.col("kind") == kind)
        .select("unit", "group", "total", "order", "group_order")
    )
    df = (
        units.join(wide, on="unit", how="left")
        .with_columns([pl.col(s).fill_null(0.0) for s in steps])
        .sort("group_order", "order")
    )
    cols = (
        Column("unit", "单位"),
        Column("group", "类别"),
        *[Column(s, STEP_LABELS[s], "pts") for s in steps],
        Column("total", "总得分", "pts"),
    )
    what = KIND_LABELS[kind]
    return Table(
        "得分构成" + ("-处室" if kind == "department" else "-区县"),
        f"{what}得分构成（按条款汇总计分明细）",
        df,
        cols,
        note="每个单位的总得分等于各条款小计之和；逐条明细见 kaohe explain 或 score_lines.csv。",
    )


def adjustments(a: AnnualReport) -> pl.DataFrame:
    """Departments: completion rate and the performance adjustment (四)."""
    return (
        final_units(a)
        .filter(pl.col("kind") == "department")
        .select("unit", "group", "base", "total", "completion_rate", "adjustment")
        .sort("adjustment", "unit", descending=[True, False])
    )


def district_assessment(a: AnnualReport) -> pl.DataFrame:
    """Districts: total against base, and the assessment score (四)."""
    f = a.rules.outcomes.district_assessment
    return (
        final_units(a)
        .filter(pl.col("kind") == "district")
        .select(
            "unit",
            "group",
            "base",
            "total",
            "completion_rate",
            "assessment_score",
            pl.lit(float(f.full_score)).alias("full_score"),
            pl.lit(float(f.zero_at_or_below_share)).alias("zero_share"),
            "order",
        )
        .sort("order")
    )


def advanced(a: AnnualReport) -> Table:
    """先进集体 candidates, and why the other departments are not eligible."""
    df = (
        final_units(a)
        .filter(pl.col("kind") == "department")
        .with_columns(
            pl.concat_str(
                [
                    pl.when(pl.col("total") < pl.col("base")).then(pl.lit("总得分未达基本任务分")),
                    pl.when(~pl.col("tasks_complete")).then(pl.lit("基本任务未完成")),
                    pl.when(~pl.col("research_done")).then(pl.lit("未完成调研文章")),
                ],
                separator="；",
                ignore_nulls=True,
            ).alias("reason"),
            pl.when(pl.col("advanced_candidate"))
            .then(pl.lit("候选"))
            .when(pl.col("advanced_eligible"))
            .then(pl.lit("具备资格，名额已满"))
            .otherwise(pl.lit("不具备资格"))
            .alias("status"),
        )
        .sort(
            ["advanced_rank", "completion_rate", "order"],
            descending=[False, True, False],
            nulls_last=True,
        )
    )
    cap = a.rules.outcomes.advanced_collectives.max_count
    return Table(
        "先进集体",
        f"年度信息工作先进集体候选（至多{cap}个）",
        df,
        (
            Column("advanced_rank", "候选排序", "int"),
            Column("unit", "单位"),
            Column("group", "类别"),
            Column("completion_rate", "完成率", "pct"),
            Column("items_provincial", "省级以上录用信息", "int"),
            Column("total", "总得分", "pts"),
            Column("status", "评选资格"),
            Column("reason", "不具备资格的原因"),
        ),
        note="资格：总得分达到基本任务分、基本任务完成且完成调研文章（考核办法四）。"
        "按完成率排序，相同时依次比较省级以上录用信息数、总得分。最终人选由局领导综合评定。",
        highlight="advanced_candidate",
    )


def officer_prizes(a: AnnualReport) -> Table:
    df = a.scores.people.filter(pl.col("prize").is_not_null()).sort("officer_rank")
    return Table(
        "优秀信息员",
        "优秀信息员（一等奖1名、二等奖2名、三等奖3名）",
        df,
        (
            Column("prize", "奖项"),
            Column("officer_rank", "排名", "int"),
            Column("name", "姓名"),
            Column("unit", "单位"),
            Column("items_first_written", "第一撰稿信息", "int"),
            Column("adopted_items", "其中录用", "int"),
            Column("item_points", "信息得分", "pts"),
            Column("chucai_points", "全年“出彩”加分", "int"),
        ),
        note=officer_ranking(a.rules),
        empty="没有信息员的信息得分。",
    )


def young_cadres(scores: Scores, rules: Rules) -> Table:
    """The young cadres (flagged in the people roster) and their work up to the scores' end."""
    uf = units_frame(rules).select("unit", "order")
    df = (
        scores.people.filter(pl.col("young"))
        .join(uf, on="unit", how="left")
        .sort(
            ["item_points", "chucai_points", "order", "name"], descending=[True, True, False, False]
        )
        .with_row_index("n", offset=1)
        .with_columns(pl.col("n").cast(pl.Int64))
    )
    tot = df.select(
        pl.len().alias("people"),
        pl.col("items_first_written").sum(),
        pl.col("adopted_items").sum(),
        pl.col("chucai_points").sum(),
    ).row(0, named=True)
    return Table(
        "年轻干部",
        "年轻干部信息工作情况",
        df,
        (
            Column("n", "序号", "int"),
            Column("name", "姓名"),
            Column("unit", "单位"),
            Column("role", "角色"),
            Column("items_first_written", "第一撰稿信息", "int"),
            Column("items_cowritten", "参与撰稿信息", "int"),
            Column("adopted_items", "第一撰稿被录用", "int"),
            Column("adoptions_city_plus", "市级以上录用篇次", "int"),
            Column("chucai_points", "“出彩”加分", "int"),
            Column("item_points", "信息得分", "pts"),
        ),
        note=f"年轻干部共{tot['people']}人，第一撰稿信息{tot['items_first_written'] or 0}篇，"
        f"其中被录用{tot['adopted_items'] or 0}篇，“出彩”加分合计{tot['chucai_points'] or 0}分。",
        empty="人员名单中没有标注年轻干部。",
    )


def plans_vs_actual(ctx: Context, end: date | None = None) -> pl.DataFrame:
    """Per roster unit and month of the year up to `end` (default: the end of the year):
    plan rows (附件3), plans fulfilled — rows naming an item the ledger has, submitted by
    `end` — items submitted that month and, of those, items adopted by `end`.

    Columns: unit, group, kind, order, group_order, month, label, planned, fulfilled,
    submitted, adopted.
    """
    start = ctx.rules.period.start
    end = ctx.rules.period.end if end is None else end
    months = months_frame(start, end)
    uf = units_frame(ctx.rules).select("unit", "group", "kind", "order", "group_order")
    known = ctx.ledger.items.filter(pl.col("submitted") <= end)["item_id"].implode()
    adopted_ids = ctx.adoptions(start, end)["item_id"].unique().implode()
    # Flag rows before grouping: a membership test inside the aggregation would be evaluated
    # once per group against the whole list (seconds on a million items).
    plans = (
        ctx.ledger.plans.with_columns(pl.col("item_id").is_in(known).alias("_known"))
        .group_by("unit", "month")
        .agg(
            pl.len().cast(pl.Int64).alias("planned"),
            pl.col("_known").sum().cast(pl.Int64).alias("fulfilled"),
        )
    )
    subs = (
        ctx.items(start, end)
        .with_columns(
            pl.col("submitted").dt.strftime("%Y-%m").alias("month"),
            pl.col("item_id").is_in(adopted_ids).alias("_adopted"),
        )
        .group_by("unit", "month")
        .agg(
            pl.len().cast(pl.Int64).alias("submitted"),
            pl.col("_adopted").sum().cast(pl.Int64).alias("adopted"),
        )
    )
    return (
        uf.join(months, how="cross")
        .join(plans, on=["unit", "month"], how="left")
        .join(subs, on=["unit", "month"], how="left")
        .with_columns(pl.col("planned", "fulfilled", "submitted", "adopted").fill_null(0))
        .sort("group_order", "order", "month")
    )


def plans_by_month(plans: pl.DataFrame) -> pl.DataFrame:
    """`plans_vs_actual` summed over the units: month, label, planned, fulfilled, submitted,
    adopted."""
    return (
        plans.group_by("month", "label")
        .agg(pl.col("planned", "fulfilled", "submitted", "adopted").sum())
        .sort("month")
    )


# 三1: monthly plans (附件3) are asked of the departments (处室、直属单位) only; a district is
# never listed as missing one.
PLAN_KINDS = ("department",)


def plans_table(ctx: Context) -> Table:
    """Per department: the year's plan rows against what was submitted and adopted."""
    df = (
        plans_vs_actual(ctx)
        .filter(pl.col("kind").is_in(PLAN_KINDS))
        .group_by("unit", "group", "order", "group_order")
        .agg(pl.col("planned", "fulfilled", "submitted", "adopted").sum())
        .with_columns(
            pl.when(pl.col("planned") > 0)
            .then(pl.col("fulfilled") / pl.col("planned"))
            .otherwise(None)
            .alias("fulfil_rate"),
            (pl.col("planned") == 0).alias("no_plan"),
        )
        .sort("group_order", "order")
    )
    nil = df.filter(pl.col("no_plan"))["unit"].to_list()
    return Table(
        "月度计划",
        "处室、单位月度报送计划与实际报送、录用",
        df,
        (
            Column("unit", "单位"),
            Column("group", "类别"),
            Column("planned", "计划条数", "int"),
            Column("fulfilled", "已按计划报送", "int"),
            Column("fulfil_rate", "计划落实率", "pct"),
            Column("submitted", "实际报送", "int"),
            Column("adopted", "其中录用", "int"),
        ),
        note=(f"全年未报月度计划：{'、'.join(nil)}。" if nil else "")
        + "已按计划报送：计划表填有信息编号且台账中有该信息的条数。"
        "月度报送计划由处室、直属单位报送（考核办法三1），区、县（市）人力社保局不列。",
        highlight="no_plan",
    )


def annual_summary(a: AnnualReport, office: Office | None = None) -> list[Section]:
    """一、总体情况 / 二、考核结果 / 三、存在问题 / 四、下一步工作要求 of the year."""
    office = office or load_office()
    rules = a.rules
    o = overview(a.scores.unit_counts)
    f = final_units(a)
    dep = f.filter(pl.col("kind") == "department")
    dis = f.filter(pl.col("kind") == "district")
    first = (
        f"{a.label}，全系统共向市局办公室报送信息{o['submitted']}篇，"
        f"其中处室、单位{o['dep_submitted']}篇，区、县（市）人力社保局{o['dis_submitted']}篇；"
        f"被各级刊物录用{o['adoptions']}篇次（涉及信息{o['adopted_items']}篇），"
        f"其中{_levels_text(o, rules)}；获领导批示{o['instructions']}篇次，"
        f"获评好信息{o['awards']}篇。"
    )
    reached = dep.filter(pl.col("total") >= pl.col("base")).height
    tasks = dep.filter(pl.col("tasks_complete")).height
    cand = dep.filter(pl.col("advanced_candidate")).sort("advanced_rank")["unit"].to_list()
    prizes = a.scores.people.filter(pl.col("prize").is_not_null()).sort("officer_rank")
    results = [
        f"{dep.height}个处室、单位中，{reached}个总得分达到基本任务分，{tasks}个完成基本任务；"
        f"先进集体候选{len(cand)}个：{'、'.join(cand) if cand else '无'}。"
        f"{class_top_bottom(dep, rules, 'department', 'completion_rate')}。",
    ]
    if dis.height:
        full = dis.filter(pl.col("completion_rate") >= 1).height
        zero = dis.filter(pl.col("assessment_score") == 0).height
        results.append(
            f"{dis.height}个区、县（市）人力社保局中，{full}个达到基本任务分（考核赋满分），"
            f"{zero}个在基本任务分的"
            f"{rate_text(rules.outcomes.district_assessment.zero_at_or_below_share)}以下（不得分）；"
            f"{class_top_bottom(dis, rules, 'district', 'completion_rate')}。"
        )
    if prizes.height:
        by_prize: dict[str, list[str]] = {}
        for p in prizes.iter_rows(named=True):
            by_prize.setdefault(p["prize"], []).append(f"{p['name']}（{p['unit']}）")
        results.append(
            "优秀信息员：" + "；".join(f"{k}{'、'.join(v)}" for k, v in by_prize.items()) + "。"
        )
    problems = []
    short = dep.filter(~pl.col("tasks_complete"))["unit"].to_list()
    if short:
        problems.append(f"未完成基本任务的处室、单位：{_names(short, 30)}。")
    no_research = dep.filter(~pl.col("research_done"))["unit"].to_list()
    if no_research:
        problems.append(f"全年未报送调研文章：{_names(no_research, 30)}。")
    low = dis.filter(pl.col("assessment_score") == 0)["unit"].to_list()
    if low:
        problems.append(f"考核不得分的区县：{_names(low, 30)}。")
    if not problems:
        problems.append("各单位均完成年度基本任务。")
    ledger = _ledger_paragraph(a.scores.problems)
    if ledger:
        problems.append(ledger)
    return [
        Section("一、总体情况", (first,)),
        Section("二、考核结果", tuple(results)),
        Section("三、存在问题", tuple(_numbered(problems))),
        next_steps_section(office),
    ]


def annual_excel_tables(a: AnnualReport) -> list[Table]:
    return [
        *final_tables(a),
        breakdown_table(a, "department"),
        breakdown_table(a, "district"),
        advanced(a),
        officer_prizes(a),
        young_cadres(a.scores, a.rules),
        plans_table(a.ctx),
        report_problems(a.scores, a.ctx.ledger),
    ]


# ---- the exploration page: one unit, one person, up to a day ------------------------------
# Views of the whole ledger up to the scores' end (`scores`: the engine's, up to a day); the
# page lists them for every unit and opens them on the chosen one.


def unit_summary(ctx: Context, scores: Scores, unit: str) -> dict[str, Any]:
    """The key figures of a unit up to the scores' end: the engine's total, completion rate and
    rank, the pace, submissions and adoptions, and the tasks still open."""
    me = progress(scores, ctx.rules).filter(pl.col("unit") == unit).row(0, named=True)
    counts = scores.unit_counts.filter(pl.col("unit") == unit).row(0, named=True)
    tasks = scores.tasks.filter((pl.col("unit") == unit) & (pl.col("gap") > 0))
    return {
        **me,
        "annual": scores.annual,
        "end": scores.end,
        "group_size": units_frame(ctx.rules).filter(pl.col("group") == me["group"]).height,
        "submitted": counts["submitted"],
        "adoptions": counts["adoptions"],
        "adopted_items": counts["adopted_items"],
        "instructions": counts["instructions"],
        "open_tasks": [f"{r['label']}差{r['gap']}篇" for r in tasks.iter_rows(named=True)],
    }


def unit_card(ctx: Context, scores: Scores, unit: str) -> Section:
    """The unit's key figures in a few sentences (no heading)."""
    s = unit_summary(ctx, scores, unit)
    head = f"{s['unit']}（{group_labels(ctx.rules)[s['group']]}，基本任务分{points_text(s['base'])}分）："
    place = f"在同类{s['group_size']}个单位中排第{s['rank']}名。"
    if s["annual"]:
        lines = [
            head
            + f"全年总得分{points_text(s['total'])}分（含基本任务、调研文章等按全年判断的条款），"
            f"完成率{pct_text(s['completion'])}；" + place
        ]
    else:
        on_pace = "已达到进度" if s["total"] >= s["expected"] - 1e-9 else "落后于进度"
        lines = [
            head + f"截至{s['end'].isoformat()}，累计得分{points_text(s['total'])}分"
            f"（不含按全年判断的条款），完成基本任务分的{pct_text(s['completion'])}；"
            f"按时间进度（{pct_text(s['pace'])}）应得{points_text(s['expected'])}分，{on_pace}；"
            + place
        ]
    lines.append(
        f"报送信息{s['submitted']}篇，被录用{s['adoptions']}篇次（涉及信息{s['adopted_items']}篇），"
        f"获领导批示{s['instructions']}篇次。"
    )
    if s["open_tasks"]:
        lines.append("尚未完成的任务：" + "、".join(s["open_tasks"]) + "。")
    return Section("", tuple(lines))


def tasks_table(scores: Scores, rules: Rules) -> Table:
    """Every unit's count tasks at the scores' end: required, achieved, gap, pace, points at
    stake (the engine's `tasks`)."""
    df = scores.tasks.join(units_frame(rules).select("unit", "group"), on="unit").with_columns(
        pl.when(pl.col("on_pace")).then(pl.lit("是")).otherwise(pl.lit("否")).alias("pace_label"),
        (pl.col("gap") > 0).alias("_open"),
    )
    return Table(
        "基本任务",
        f"各单位基本任务完成情况（截至{scores.end.isoformat()}）",
        df,
        (
            Column("unit", "单位"),
            Column("label", "任务"),
            Column("required", "全年要求", "int"),
            Column("achieved", "已完成", "int"),
            Column("gap", "差额", "int"),
            Column("expected_by_now", "按进度应完成", "pts"),
            Column("pace_label", "达到进度"),
            Column("points_at_stake", "年底未完成将扣分", "pts"),
        ),
        note="处室、单位：市级、省级及以上录用信息篇数（其中建议问题类）和调研文章；"
        "区县：全年报送篇数。尚有差额的行以底色标出。",
        empty="没有基本任务。",
        highlight="_open",
    )


def unit_items(ctx: Context, scores: Scores) -> pl.DataFrame:
    """One row per unit and item it leads or shares (submitted in the period up to the scores'
    end, or with points up to it): the item, its adoptions, and the unit's points from it —
    the sum of the engine's score lines that name the item (adoption, instruction, award and
    unadopted points; a shared item's by share).

    Columns: unit, group, order, item_id, title, kind_label, submitted, first_writer, writers,
    role, share, adoptions, publications, level, level_label, instructions, awards, points,
    days_to_adoption.
    """
    start, end = scores.start, scores.end
    a = ctx.adoptions(start, end).sort("adopted", "publication_id")
    per_item = a.group_by("item_id").agg(
        pl.len().cast(pl.Int64).alias("adoptions"),
        pl.col("instruction").sum().cast(pl.Int64).alias("instructions"),
        pl.col("adopted").min().alias("first_adopted"),
        level_order().min().alias("_lv"),
        pl.format(
            "{}（{}{}）",
            publication_name(ctx.rules),
            pl.col("adopted").dt.strftime("%Y-%m-%d"),
            pl.when(pl.col("instruction")).then(pl.lit("，批示")).otherwise(pl.lit("")),
        )
        .str.join("；")
        .alias("publications"),
    )
    awards = (
        ctx.ledger.awards.filter(pl.col("awarded").is_between(start, end))
        .group_by("item_id")
        .agg(pl.len().cast(pl.Int64).alias("awards"))
    )
    lines = (
        scores.score_lines.filter(pl.col("item_id").is_not_null())
        .group_by("unit", "item_id")
        .agg(pl.col("points_u").sum())
    )
    items = ctx.ledger.items.select(
        "item_id", "title", "submitted", "kind", "first_writer", "other_writers"
    )
    rows = (
        ctx.ledger.shares.select("item_id", "unit", "share", "lead")
        .join(items, on="item_id")
        .join(lines, on=["unit", "item_id"], how="left")
        .filter(pl.col("submitted").is_between(start, end) | pl.col("points_u").is_not_null())
        .join(per_item, on="item_id", how="left")
        .join(awards, on="item_id", how="left")
        .join(units_frame(ctx.rules), on="unit")
    )
    return (
        rows.with_columns(
            pl.col("kind")
            .replace_strict(ctx.rules.kind_labels, return_dtype=pl.String)
            .alias("kind_label"),
            pl.col("other_writers").list.join("、").alias("writers"),
            pl.when(pl.col("lead"))
            .then(pl.lit("牵头"))
            .otherwise(pl.format("协作{}%", pl.col("share")))
            .alias("role"),
            pl.col("adoptions", "instructions", "awards").fill_null(0),
            pl.col("_lv")
            .replace_strict(
                {i: lv for lv, i in LEVEL_ORDER.items()}, default=None, return_dtype=pl.String
            )
            .alias("level"),
            (pl.col("points_u").fill_null(0) / SCALE).alias("points"),
            (pl.col("first_adopted") - pl.col("submitted"))
            .dt.total_days()
            .alias("days_to_adoption"),
        )
        .with_columns(level_label(ctx.rules), pl.col("publications").fill_null(""))
        .sort("order", "submitted", "item_id")
        .select(
            "unit",
            "group",
            "order",
            "item_id",
            "title",
            "kind_label",
            "submitted",
            "first_writer",
            "writers",
            "role",
            "share",
            "adoptions",
            "publications",
            "level",
            "level_label",
            "instructions",
            "awards",
            "points",
            "days_to_adoption",
        )
    )


ITEM_COLUMNS = (
    Column("unit", "单位"),
    Column("item_id", "信息编号"),
    Column("title", "标题"),
    Column("kind_label", "类别"),
    Column("submitted", "报送日期", "date"),
    Column("first_writer", "第一撰稿人"),
    Column("writers", "其他撰稿人"),
    Column("role", "牵头/协作"),
    Column("adoptions", "录用篇次", "int"),
    Column("level_label", "最高级别"),
    Column("publications", "录用刊物（日期）"),
    Column("instructions", "批示", "int"),
    Column("points", "得分", "pts"),
    Column("days_to_adoption", "报送至录用（天）", "int"),
)


def items_table(ctx: Context, scores: Scores) -> Table:
    return Table(
        "信息明细",
        f"各单位信息及录用、得分明细（截至{scores.end.isoformat()}）",
        unit_items(ctx, scores),
        ITEM_COLUMNS,
        note="得分为该单位从这条信息得到的计分明细之和（录用分、批示加分、好信息加分、报送未录用分，"
        "协作信息按份额）；按全年判断的条款和约稿不计入单条信息。",
        empty="没有信息。",
    )


def unit_publications(ctx: Context, scores: Scores) -> pl.DataFrame:
    """Per unit and publication: adoptions of items the unit leads or shares (up to the scores'
    end), instructions, and the unit's points from them.

    Points are the engine's: a department's are its adoption and instruction score lines (the
    rule path of each names the publication: publications.list.<id>…); a district's item has no
    shares and its adoption's value is the engine's valued adoption (the bureau website: 0).

    Columns: unit, group, order, level, level_label, publication, adoptions, instructions,
    points.
    """
    a = ctx.adoptions(scores.start, scores.end)
    keys = ["unit", "publication_id"]
    counts = (
        a.drop("unit")
        .join(ctx.ledger.shares.select("item_id", "unit"), on="item_id")
        .group_by(*keys, "level", "pub_agency", "pub_title")
        .agg(
            pl.len().cast(pl.Int64).alias("adoptions"),
            pl.col("instruction").sum().cast(pl.Int64).alias("instructions"),
        )
    )
    dep = (
        scores.score_lines.filter(pl.col("step").is_in(["adoption", "instruction"]))
        .with_columns(
            pl.col("rule")
            .cast(pl.String)  # the engine's rule paths are Categorical
            .str.extract(r"^publications\.list\.(\d+)\.", 1)
            .cast(pl.Int64)
            .alias("publication_id")
        )
        .group_by(keys)
        .agg(pl.col("points_u").sum().alias("pts_u"))
    )
    dis = (
        a.filter(pl.col("kind") == "district")
        .group_by(keys)
        .agg(pl.col("value_u").sum().alias("pts_u"))
    )
    return (
        counts.join(pl.concat([dep, dis]), on=keys, how="left")
        .join(units_frame(ctx.rules), on="unit")
        .with_columns(
            publication_name(ctx.rules),
            level_label(ctx.rules),
            level_order().alias("_lv"),
            (pl.col("pts_u").fill_null(0) / SCALE).alias("points"),
        )
        .sort(
            ["order", "_lv", "adoptions", "publication_id"],
            descending=[False, False, True, False],
        )
        .select(
            "unit",
            "group",
            "order",
            "level",
            "level_label",
            "publication",
            "adoptions",
            "instructions",
            "points",
        )
    )


def publications_table(ctx: Context, scores: Scores) -> Table:
    return Table(
        "刊物录用",
        f"各单位信息被各刊物录用情况（截至{scores.end.isoformat()}）",
        unit_publications(ctx, scores),
        (
            Column("unit", "单位"),
            Column("level_label", "级别"),
            Column("publication", "刊物"),
            Column("adoptions", "录用篇次", "int"),
            Column("instructions", "领导批示", "int"),
            Column("points", "得分", "pts"),
        ),
        note="协作信息计入每个协作单位的录用篇次，得分按份额；区县信息按转报录用计分，局网站录用不计分。",
        empty="没有录用。",
    )


def people_frame(scores: Scores, rules: Rules) -> pl.DataFrame:
    """Everyone who writes for a unit or is on its roster, up to the scores' end: the engine's
    `people` (items first-written and co-written, adopted items, 出彩 points, item points,
    officer rank and prize), with the adoption rate.

    Columns: the engine's `people` columns, plus group, order, adoption_rate, young_label.
    """
    return (
        scores.people.join(units_frame(rules).select("unit", "group", "order"), on="unit")
        .with_columns(
            pl.when(pl.col("items_first_written") > 0)
            .then(pl.col("adopted_items") / pl.col("items_first_written"))
            .otherwise(None)
            .alias("adoption_rate"),
            yes_label("young").alias("young_label"),
        )
        .sort("order", "name")
    )


def people_table(scores: Scores, rules: Rules) -> Table:
    return Table(
        "撰稿人",
        f"撰稿人、信息员的信息数和录用率（截至{scores.end.isoformat()}）",
        people_frame(scores, rules),
        (
            Column("unit", "单位"),
            Column("name", "姓名"),
            Column("role", "角色"),
            Column("young_label", "年轻干部"),
            Column("items_first_written", "第一撰稿信息", "int"),
            Column("items_cowritten", "参与撰稿信息", "int"),
            Column("adopted_items", "第一撰稿被录用", "int"),
            Column("adoption_rate", "录用率", "pct"),
            Column("adoptions_city_plus", "市级以上录用篇次", "int"),
            Column("chucai_points", "“出彩”加分", "int"),
            Column("item_points", "信息得分", "pts"),
            Column("prize", "优秀信息员"),
        ),
        note="录用率＝第一撰稿信息中被录用的篇数÷第一撰稿信息篇数；"
        "角色“未登记”指不在人员名单中的撰稿人。",
        empty="没有撰稿人。",
    )


def person_monthly(ctx: Context, scores: Scores) -> pl.DataFrame:
    """Per person and month up to the scores' end: items first-written (by submission month),
    of those the ones adopted (by the month of their first adoption), city-or-higher adoptions
    and 出彩 points (the engine's people_monthly). Everyone with any of these in the period.

    Columns: unit, name, month, label, items, adopted, adoptions_city_plus, chucai_points.
    """
    start, end = scores.start, scores.end
    written = (
        ctx.items(start, end)
        .filter(pl.col("first_writer").is_not_null())
        .with_columns(pl.col("submitted").dt.strftime("%Y-%m").alias("month"))
        .group_by("unit", pl.col("first_writer").alias("name"), "month")
        .agg(pl.len().cast(pl.Int64).alias("items"))
    )
    first = ctx.adoptions(start, end).group_by("item_id").agg(pl.col("adopted").min())
    adopted = (
        ctx.ledger.items.filter(pl.col("first_writer").is_not_null())
        .join(first, on="item_id")
        .with_columns(pl.col("adopted").dt.strftime("%Y-%m").alias("month"))
        .group_by("unit", pl.col("first_writer").alias("name"), "month")
        .agg(pl.len().cast(pl.Int64).alias("adopted"))
    )
    chucai = scores.people_monthly.select(
        "unit",
        "name",
        "month",
        pl.col("adoptions").cast(pl.Int64).alias("adoptions_city_plus"),
        pl.col("chucai_points").cast(pl.Int64),
    )
    keys = ["unit", "name", "month"]
    who = pl.concat([f.select("unit", "name") for f in (written, adopted, chucai)]).unique()
    return (
        who.join(months_frame(start, end), how="cross")
        .join(written, on=keys, how="left")
        .join(adopted, on=keys, how="left")
        .join(chucai, on=keys, how="left")
        .join(units_frame(ctx.rules).select("unit", "order"), on="unit")
        .with_columns(
            pl.col("items", "adopted", "adoptions_city_plus", "chucai_points").fill_null(0)
        )
        .sort("order", "name", "month")
        .select(*keys, "label", "items", "adopted", "adoptions_city_plus", "chucai_points")
    )


def quarter_table(ctx: Context, end: date | None = None) -> Table:
    """`quarter_comparison` as a table: every unit, quarter by quarter."""
    df = quarter_comparison(ctx, end).with_columns(group_label(ctx.rules))
    return Table(
        "分季度比较",
        "同类单位分季度比较（得分为本季度新增，完成率和排名按季末累计）",
        df,
        (
            Column("group_label", "类别"),
            Column("unit", "单位"),
            Column("quarter_label", "季度"),
            Column("submitted", "报送", "int"),
            Column("adoptions", "录用篇次", "int"),
            Column("points", "本季度得分", "pts"),
            Column("total", "累计得分", "pts"),
            Column("completion", "累计完成率", "pct"),
            Column("rank", "类内排名", "int"),
        ),
        note="累计得分、完成率和排名为计分引擎在季末（或截至日）的结果：考核年度结束前不含按全年"
        "判断的条款（基本任务、调研文章、区县报送任务），与季度通报一致；年度结束时含这些条款。",
    )


def plan_rows(ctx: Context, end: date | None = None) -> pl.DataFrame:
    """Every plan row of the months up to `end` (default: the end of the year), with what
    became of it: 已录用 (its item was adopted by `end`), 已报送，未录用, or 未报送 (no item, or
    an item the ledger does not have by `end`) — `plans_vs_actual`'s fulfilled, row by row.

    Columns: unit, order, month, seq, title, category, planned, contact, item_id, status,
    status_label, submitted, publications.
    """
    start = ctx.rules.period.start
    end = ctx.rules.period.end if end is None else end
    items = ctx.ledger.items.filter(pl.col("submitted") <= end).select(
        "item_id", "submitted", pl.lit(True).alias("_known")
    )
    adopted = (
        ctx.adoptions(start, end)
        .sort("adopted")
        .group_by("item_id")
        .agg(publication_name(ctx.rules).str.join("；").alias("publications"))
    )
    return (
        ctx.ledger.plans.join(months_frame(start, end).select("month"), on="month")
        .join(items, on="item_id", how="left")
        .join(adopted, on="item_id", how="left")
        .join(units_frame(ctx.rules).select("unit", "order"), on="unit")
        .with_columns(
            pl.when(pl.col("publications").is_not_null())
            .then(pl.lit("adopted"))
            .when(pl.col("_known").fill_null(False))
            .then(pl.lit("submitted"))
            .otherwise(pl.lit("missing"))
            .alias("status")
        )
        .with_columns(
            pl.col("status")
            .replace_strict(STATUS_LABELS, return_dtype=pl.String)
            .alias("status_label"),
            pl.col("publications").fill_null(""),
        )
        .sort("order", "month", "seq", "row")
        .select(
            "unit",
            "order",
            "month",
            "seq",
            "title",
            "category",
            "planned",
            "contact",
            "item_id",
            "status",
            "status_label",
            "submitted",
            "publications",
        )
    )


def plan_rows_table(ctx: Context, end: date | None = None) -> Table:
    day = ctx.rules.period.end if end is None else end
    return Table(
        "月度计划",
        f"月度报送计划逐条落实情况（截至{day.isoformat()}）",
        plan_rows(ctx, end),
        (
            Column("unit", "单位"),
            Column("month", "月份"),
            Column("seq", "序号", "int"),
            Column("title", "报送要点"),
            Column("category", "拟报送刊物"),
            Column("contact", "联系人"),
            Column("item_id", "信息编号"),
            Column("status_label", "落实情况"),
            Column("submitted", "报送日期", "date"),
            Column("publications", "录用刊物"),
        ),
        note="“未报送”：计划表未填信息编号，或所填编号在台账中（截至该日）没有对应信息。",
        empty="没有月度计划。",
    )


def adoption_delays(ctx: Context, scores: Scores) -> pl.DataFrame:
    """Every adoption up to the scores' end with the days from the item's submission to it.

    Columns: unit, order, item_id, level, level_label, publication, submitted, adopted, days.
    """
    return (
        ctx.adoptions(scores.start, scores.end)
        .join(units_frame(ctx.rules).select("unit", "order"), on="unit")
        .with_columns(
            publication_name(ctx.rules),
            level_label(ctx.rules),
            (pl.col("adopted") - pl.col("submitted")).dt.total_days().alias("days"),
        )
        .sort("order", "adopted", "item_id", "publication_id")
        .select(
            "unit",
            "order",
            "item_id",
            "level",
            "level_label",
            "publication",
            "submitted",
            "adopted",
            "days",
        )
    )


def delay_summary(ctx: Context, scores: Scores) -> pl.DataFrame:
    """Per unit with adoptions up to the scores' end: adoptions, items adopted, and the days
    from submission to adoption (median, mean, longest).

    Columns: unit, group, order, adoptions, items, median_days, mean_days, max_days.
    """
    return (
        adoption_delays(ctx, scores)
        .group_by("unit")
        .agg(
            pl.len().cast(pl.Int64).alias("adoptions"),
            pl.col("item_id").n_unique().cast(pl.Int64).alias("items"),
            pl.col("days").median().alias("median_days"),
            pl.col("days").mean().alias("mean_days"),
            pl.col("days").max().cast(pl.Int64).alias("max_days"),
        )
        .join(units_frame(ctx.rules).select("unit", "group", "order"), on="unit")
        .sort("order")
        .select(
            "unit", "group", "order", "adoptions", "items", "median_days", "mean_days", "max_days"
        )
    )


def delay_table(ctx: Context, scores: Scores) -> Table:
    return Table(
        "录用时长",
        "各单位信息从报送到录用的天数",
        delay_summary(ctx, scores).with_columns(group_label(ctx.rules)),
        (
            Column("unit", "单位"),
            Column("group_label", "类别"),
            Column("adoptions", "录用篇次", "int"),
            Column("items", "录用信息", "int"),
            Column("median_days", "中位数（天）", "pts"),
            Column("mean_days", "平均（天）", "pts"),
            Column("max_days", "最长（天）", "int"),
        ),
        note="按每次录用计：录用日期减报送日期。",
        empty="没有录用。",
    )


def writer_gaps(ctx: Context, scores: Scores) -> pl.DataFrame:
    """Per roster unit, up to the scores' end: items submitted, of those without a first
    writer, and the writers named on its items who are not on the people roster (信息员 sheet).

    Columns: unit, group, order, items, no_writer, no_writer_share, unregistered,
    unregistered_names.
    """
    items = ctx.items(scores.start, scores.end)
    counts = items.group_by("unit").agg(
        pl.len().cast(pl.Int64).alias("items"),
        pl.col("first_writer").is_null().sum().cast(pl.Int64).alias("no_writer"),
    )
    named = pl.concat(
        [
            items.select("unit", pl.col("first_writer").alias("name")),
            items.select("unit", pl.col("other_writers").alias("name")).explode("name"),
        ]
    ).filter(pl.col("name").is_not_null() & (pl.col("name") != ""))
    roster = ctx.ledger.people.select("unit", "name")
    unregistered = (
        named.unique()
        .join(roster, on=["unit", "name"], how="anti")
        .sort("name")
        .group_by("unit")
        .agg(
            pl.len().cast(pl.Int64).alias("unregistered"),
            pl.col("name").str.join("、").alias("unregistered_names"),
        )
    )
    if roster.height == 0:  # no roster at all: nobody can be "not on it"
        unregistered = unregistered.clear()
    return (
        units_frame(ctx.rules)
        .select("unit", "group", "order")
        .join(counts, on="unit", how="left")
        .join(unregistered, on="unit", how="left")
        .with_columns(
            pl.col("items", "no_writer", "unregistered").fill_null(0),
            pl.col("unregistered_names").fill_null(""),
        )
        .with_columns(
            pl.when(pl.col("items") > 0)
            .then(pl.col("no_writer") / pl.col("items"))
            .otherwise(None)
            .alias("no_writer_share")
        )
        .sort("order")
        .select(
            "unit",
            "group",
            "order",
            "items",
            "no_writer",
            "no_writer_share",
            "unregistered",
            "unregistered_names",
        )
    )


def writer_gaps_table(ctx: Context, scores: Scores) -> Table:
    df = writer_gaps(ctx, scores).with_columns(
        group_label(ctx.rules),
        ((pl.col("no_writer") > 0) | (pl.col("unregistered") > 0)).alias("_mark"),
    )
    return Table(
        "撰稿人缺失",
        "缺少撰稿人的信息，及不在人员名单中的撰稿人",
        df,
        (
            Column("unit", "单位"),
            Column("group_label", "类别"),
            Column("items", "报送信息", "int"),
            Column("no_writer", "未填第一撰稿人", "int"),
            Column("no_writer_share", "占比", "pct"),
            Column("unregistered", "未登记撰稿人", "int"),
            Column("unregistered_names", "未登记撰稿人姓名"),
        ),
        note="未填第一撰稿人的信息不计入任何人的信息数和“出彩”加分；未登记的撰稿人请补入信息员表。",
        highlight="_mark",
    )


def ledger_overview(ctx: Context, scores: Scores) -> pl.DataFrame:
    """Per sheet of the ledger: rows read, rows in the clean table, errors and warnings found.

    Columns: sheet, rows_read, rows, errors, warnings.
    """
    led = ctx.ledger
    tables = {
        "报送": led.items,
        "录用": led.adoptions,
        "好信息": led.awards,
        "约稿": led.commissions,
        "月度计划": led.plans,
        "信息员": led.people,
    }
    probs = scores.problems.group_by("sheet").agg(
        (pl.col("severity") == "error").sum().cast(pl.Int64).alias("errors"),
        (pl.col("severity") == "warning").sum().cast(pl.Int64).alias("warnings"),
    )
    base = pl.DataFrame(
        {
            "sheet": list(tables),
            "rows_read": [int(led.rows_read.get(s, t.height)) for s, t in tables.items()],
            "rows": [t.height for t in tables.values()],
        },
        schema={"sheet": pl.String, "rows_read": pl.Int64, "rows": pl.Int64},
    )
    return base.join(probs, on="sheet", how="left").with_columns(
        pl.col("errors", "warnings").fill_null(0)
    )


def overview_table(ctx: Context, scores: Scores) -> Table:
    return Table(
        "台账概况",
        f"台账概况：{ctx.ledger_path}",
        ledger_overview(ctx, scores),
        (
            Column("sheet", "工作表"),
            Column("rows_read", "读入行数", "int"),
            Column("rows", "有效行数", "int"),
            Column("errors", "错误", "int"),
            Column("warnings", "警告", "int"),
        ),
        note="有效行数为核对后参与计分的行；重复录用等只计一次的行以警告列出。",
    )
