"""What the quarterly notification and the annual report show, computed once, in the library.

Pure functions on the ledger, the rules and the engine's `Scores` (polars, vectorised): the
notebooks call them and show the result, `kaohe.present.render` turns a `Table` into escaped HTML or an
Excel sheet, `kaohe.present.charts` turns a frame into a figure. Nothing here formats HTML.

Year-to-date view: a quarter's figures are scored as of the quarter's last day. The annual-only
clauses (count tasks, research article, district submission task) are left out of year-to-date
totals — also at the end of Q4, where the engine's view is the whole year — so every quarter's
"累计得分" means the same thing; the tasks they judge appear as gaps and pace instead. A
quarter's own score is the year-to-date total at its end minus the one at the previous end.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from functools import cached_property
from pathlib import Path

import polars as pl

from kaohe.engine import (
    ANNUAL_ONLY_STEPS,
    LEVELS,
    STEP_LABELS,
    STEPS,
    Scores,
    score,
    unit_counts,
    unit_table,
    valued_adoptions,
)
from kaohe.ledger.model import Ledger
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

SEVERITY_LABELS = {"error": "错误", "warning": "警告"}
KIND_LABELS = {"department": "处室、单位", "district": "区、县（市）人力社保局"}


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


def capped(table: Table, limit: int, where: str) -> Table:
    """`table` as a page shows it: its first `limit` rows and a note (before the table's own)
    saying how many of how many are shown and `where` the full list is. A table of at most
    `limit` rows is returned unchanged."""
    total = table.frame.height
    if total <= limit:
        return table
    cut = f"本页只列出前{limit}条（共{total}条）；{where}。"
    return replace(table, frame=table.frame.head(limit), note=cut + (table.note or ""))


def on_page(table: Table, stem: str, limit: int = PAGE_ROWS) -> Table:
    """A report table for the HTML page: at most `limit` rows (the most important first, in
    the table's own order), and a note naming the Excel sheet with every row. The workbook
    (`render.quarter_excel`, `render.annual_excel`) is written from the full tables."""
    where = f"完整清单见同一文件夹中的 Excel 表格 {stem}.xlsx（工作表“{table.name}”）"
    return capped(table, limit, where)


# ---- inputs -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Context:
    """A ledger read under a rules file, with what identifies both (their sha256)."""

    rules: Rules
    ledger: Ledger
    ledger_path: str
    rules_path: str
    rules_sha256: str

    @property
    def ledger_sha256(self) -> str:
        return self.ledger.fingerprint

    @cached_property
    def valued(self) -> pl.DataFrame:
        """The engine's valued adoptions (`valued_adoptions`), computed once per context: the
        report's tables and charts each need them (about 0.4 s on a million items)."""
        return valued_adoptions(self.ledger, self.rules)[0]


def load_context(ledger_path: str | Path, rules_path: str | Path | None = None) -> Context:
    """Read the rules and the ledger; a ledger with errors stops here, naming them."""
    from kaohe.ledger.read import read_ledger
    from kaohe.rules.models import DEFAULT_RULES

    rp = Path(rules_path) if rules_path else DEFAULT_RULES
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


def pts_text(expr: pl.Expr, decimals: int = 2) -> pl.Expr:
    """Points as text with at most `decimals` decimals and no trailing zeros (12.5, 60, 0.13)."""
    return (
        expr.round(decimals)
        .cast(pl.String)
        .str.replace(r"(\.\d*?)0+$", "${1}")
        .str.replace(r"\.$", "")
    )


def units_frame(rules: Rules) -> pl.DataFrame:
    """The roster: unit, group, kind, base (points), order, group_order."""
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


def ytd_totals(scores: Scores, rules: Rules) -> pl.DataFrame:
    """Per roster unit, the year-to-date total: every score line but the annual-only clauses."""
    t = (
        scores.score_lines.filter(~pl.col("step").is_in(ANNUAL_ONLY_STEPS))
        .group_by("unit")
        .agg(pl.col("points_u").sum().alias("ytd_u"))
    )
    return (
        units_frame(rules)
        .join(t, on="unit", how="left")
        .with_columns(pl.col("ytd_u").fill_null(0))
        .with_columns((pl.col("ytd_u") / SCALE).alias("ytd_total"))
        .sort("order")
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
    history: tuple[Scores, ...]  # year-to-date scores at the end of Q1 .. this quarter
    counts: tuple[pl.DataFrame, ...]  # each quarter's own unit_counts, Q1 .. this quarter
    quarters: tuple[Quarter, ...] = field(default=())

    @property
    def rules(self) -> Rules:
        return self.ctx.rules

    @property
    def ytd(self) -> Scores:
        return self.history[-1]

    @property
    def prev_ytd(self) -> Scores | None:
        return self.history[-2] if len(self.history) > 1 else None

    @property
    def quarter_counts(self) -> pl.DataFrame:
        return self.counts[-1]

    @property
    def prev_counts(self) -> pl.DataFrame | None:
        return self.counts[-2] if len(self.counts) > 1 else None

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
    """Read the ledger and score it at the end of every quarter up to `quarter`."""
    return quarter_report_for(load_context(ledger_path, rules_path), year, quarter)


def quarter_report_for(ctx: Context, year: int | str, quarter: str) -> QuarterReport:
    """The quarterly notification's scores, from a ledger already read."""
    y = check_year(ctx.rules, year)
    q = parse_quarter(quarter, ctx.rules)
    qs = ctx.rules.quarters.active
    idx = [x.name for x in qs].index(q.name)
    history = tuple(score(ctx.ledger, ctx.rules, as_of=x.end) for x in qs[: idx + 1])
    counts = tuple(unit_counts(ctx.ledger, ctx.rules, x.start, x.end) for x in qs[: idx + 1])
    return QuarterReport(
        ctx, y, q, idx, quarter_label(ctx.rules, q), history, counts, tuple(qs[: idx + 1])
    )


def quarter_units(r: QuarterReport) -> pl.DataFrame:
    """Per roster unit: the quarter's submissions and adoptions by level, the quarter's score,
    the year-to-date total against the base, and the rank within the unit's group."""
    ytd = ytd_totals(r.ytd, r.rules)
    prev = (
        ytd_totals(r.prev_ytd, r.rules).select("unit", pl.col("ytd_u").alias("prev_u"))
        if r.prev_ytd is not None
        else ytd.select("unit", pl.lit(0, dtype=pl.Int64).alias("prev_u"))
    )
    counts = r.quarter_counts.select(
        "unit",
        "submitted",
        "adoptions",
        *[f"adoptions_{lv}" for lv in LEVELS],
        "adopted_items",
        "instructions",
    )
    return (
        ytd.join(prev, on="unit")
        .join(counts, on="unit", how="left")
        .with_columns(
            ((pl.col("ytd_u") - pl.col("prev_u")) / SCALE).alias("quarter_score"),
            (pl.col("ytd_u") / pl.col("base_u")).alias("completion"),
            (pl.col("submitted") == 0).alias("nothing_submitted"),
        )
        .with_columns(
            pl.col("completion")
            .rank("min", descending=True)
            .over("group")
            .cast(pl.Int64)
            .alias("rank")
        )
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
    Column("quarter_score", "本季度得分", "pts"),
    Column("ytd_total", "累计得分", "pts"),
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
                name=f"{g.name}类" if g.kind == "department" else "区县",
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
    adoptions = ctx.valued
    lv_order = {lv: i for i, lv in enumerate(LEVELS)}
    labels = dict(ctx.rules.levels.labels)
    return (
        adoptions.filter(
            pl.col("adopted").is_between(start, end)
            & (pl.col("level").is_in(["central", "provincial"]) | pl.col("instruction"))
        )
        .join(ctx.ledger.items.select("item_id", "title"), on="item_id", how="left")
        .with_columns(
            pl.format("{}{}", pl.col("pub_agency"), pl.col("pub_title")).alias("publication"),
            pl.col("level").replace_strict(lv_order, return_dtype=pl.Int64).alias("_lv"),
            pl.col("level").replace_strict(labels, return_dtype=pl.String).alias("level_label"),
            pl.when(pl.col("instruction"))
            .then(pl.lit("是"))
            .otherwise(pl.lit(""))
            .alias("instruction_label"),
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
    adoptions = ctx.valued
    lv_order = {lv: i for i, lv in enumerate(LEVELS)}
    labels = dict(ctx.rules.levels.labels)
    return (
        adoptions.filter(pl.col("adopted").is_between(start, end))
        .group_by("level", "pub_agency", "pub_title", "publication_id")
        .agg(pl.len().alias("adoptions"), pl.col("instruction").sum().alias("instructions"))
        .with_columns(
            pl.format("{}{}", pl.col("pub_agency"), pl.col("pub_title")).alias("publication"),
            pl.col("level").replace_strict(labels, return_dtype=pl.String).alias("level_label"),
            pl.col("level").replace_strict(lv_order, return_dtype=pl.Int64).alias("_lv"),
            pl.col("adoptions").cast(pl.Int64),
            pl.col("instructions").cast(pl.Int64),
        )
        .sort(["_lv", "adoptions", "publication_id"], descending=[False, True, False])
        .select("level", "level_label", "publication", "adoptions", "instructions")
    )


def trend(r: QuarterReport) -> pl.DataFrame:
    """Per quarter up to this one and per group: year-to-date completion (sum of totals over
    sum of bases), the time progress at the quarter's end, and the quarter's submissions and
    adoptions."""
    parts = []
    for q, s, c in zip(r.quarters, r.history, r.counts, strict=True):
        t = ytd_totals(s, r.rules).join(
            c.select("unit", "submitted", "adoptions"), on="unit", how="left"
        )
        parts.append(
            t.group_by("group", "group_order", "kind")
            .agg(
                (pl.col("ytd_u").sum() / pl.col("base_u").sum()).alias("completion"),
                pl.col("submitted").sum(),
                pl.col("adoptions").sum(),
            )
            .with_columns(
                pl.lit(q.name).alias("quarter"),
                pl.lit(q.label).alias("quarter_label"),
                pl.lit(elapsed_share(r.rules, q.end)).alias("pace"),
            )
        )
    return (
        pl.concat(parts)
        .with_columns(pl.col("submitted").cast(pl.Int64), pl.col("adoptions").cast(pl.Int64))
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


def progress(scores: Scores, rules: Rules) -> pl.DataFrame:
    """Per roster unit, the year-to-date total against its base and against the time
    progress (base × share of the year elapsed), with district submissions against their task."""
    share = elapsed_share(rules, scores.end)
    subs = scores.tasks.filter(pl.col("task") == "submissions").select(
        "unit",
        pl.col("achieved").alias("submitted"),
        pl.col("required").alias("submissions_task"),
        pl.col("expected_by_now").alias("submissions_expected"),
    )
    return (
        ytd_totals(scores, rules)
        .join(subs, on="unit", how="left")
        .with_columns(
            (pl.col("base") * share).alias("expected"),
            (pl.col("ytd_u") / pl.col("base_u")).alias("completion"),
            pl.lit(share).alias("pace"),
        )
        .select(
            "unit",
            "group",
            "kind",
            "order",
            "group_order",
            pl.col("ytd_total").alias("total"),
            "base",
            "expected",
            "completion",
            "pace",
            "submitted",
            "submissions_task",
            "submissions_expected",
        )
    )


def behind_pace(scores: Scores, rules: Rules) -> pl.DataFrame:
    """Units behind the time progress (a task below its pace, or the year-to-date total below
    base × time progress), with what each still needs for the year.

    Columns: unit, group, kind, total, expected, completion, lagging (what is behind, text),
    need (what the year still needs, text), at_stake (points the unmet tasks would cost).
    """
    t = scores.tasks
    choice = rules.department.shortfall.level_task_counts.choice
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

    def level_need(lv: str, label: str) -> pl.Expr:
        gi, gs = pl.col(f"{lv}_items"), pl.col(f"{lv}_suggestion")
        n = gi + gs if choice == "general_only" else pl.max_horizontal(gi, gs)
        detail = pl.when(gs > 0).then(pl.format("（其中建议问题类{}篇）", gs)).otherwise(pl.lit(""))
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
        t.filter(~pl.col("on_pace"))
        .with_columns(
            pl.format(
                "{}（已完成{}，按进度应完成{}）",
                pl.col("label"),
                pl.col("achieved"),
                pts_text(pl.col("expected_by_now"), 1),
            ).alias("_lag")
        )
        .group_by("unit", maintain_order=True)
        .agg(pl.col("_lag").str.join("；").alias("task_lag"))
    )
    stake = (
        t.filter(pl.col("gap") > 0)
        .group_by("unit")
        .agg(pl.col("points_at_stake").sum().alias("at_stake"))
    )
    p = progress(scores, rules)
    return (
        p.join(lag, on="unit", how="left")
        .join(need, on="unit", how="left")
        .join(stake, on="unit", how="left")
        .with_columns(
            (pl.col("total") < pl.col("expected") - 1e-9).alias("score_behind"),
            pl.col("at_stake").fill_null(0.0),
        )
        .filter(pl.col("task_lag").is_not_null() | pl.col("score_behind"))
        .with_columns(
            pl.concat_str(
                [
                    pl.when(pl.col("score_behind")).then(
                        pl.format(
                            "得分（累计{}分，按进度应得{}分）",
                            pts_text(pl.col("total")),
                            pts_text(pl.col("expected"), 1),
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
            "lagging",
            "need",
            "at_stake",
        )
    )


BEHIND_COLUMNS = (
    Column("unit", "单位"),
    Column("group", "类别"),
    Column("total", "累计得分", "pts"),
    Column("expected", "按进度应得分", "pts"),
    Column("completion", "完成率", "pct"),
    Column("lagging", "落后于进度的事项"),
    Column("need", "全年尚需完成"),
    Column("at_stake", "不完成将扣分", "pts"),
)


def behind_table(r: QuarterReport) -> Table:
    share = elapsed_share(r.rules, r.ytd.end)
    return Table(
        "进度滞后",
        f"进度滞后的单位及全年尚需完成的任务（截至{r.quarter.end:%Y年%-m月%-d日}，"
        f"时间进度{share:.0%}）",
        behind_pace(r.ytd, r.rules),
        BEHIND_COLUMNS,
        note="“全年尚需完成”按全年任务计：市级、省级及以上为尚需录用的信息篇数；"
        "区县为尚需报送的信息篇数。“不完成将扣分”为年底仍未完成时按考核办法扣减的分数。",
        empty="各单位均达到时间进度。",
    )


def writer_board(r: QuarterReport, top: int = 15) -> pl.DataFrame:
    """Writers of the quarter: 出彩 points and city-or-higher adoptions in the quarter's months,
    items first-written in the quarter, and the year-to-date 出彩 points."""
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
        r.ctx.ledger.items.filter(
            pl.col("submitted").is_between(r.quarter.start, r.quarter.end)
            & pl.col("first_writer").is_not_null()
        )
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
            pl.when(pl.col("young")).then(pl.lit("是")).otherwise(pl.lit("")).alias("young_label"),
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


def writer_table(r: QuarterReport, top: int = 15) -> Table:
    return Table(
        "撰稿人排行",
        f"本季度撰稿人“出彩”加分排行（前{top}名）",
        writer_board(r, top),
        WRITER_COLUMNS,
        note="“出彩”加分：第一撰稿人的信息被市级以上刊物录用，按刊物类别每篇计1—5分（考核办法四）。",
        empty="本季度没有市级以上刊物录用。",
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
        note="排名依据：信息员第一撰稿信息的得分合计（录用分、批示分、好信息分）；"
        "信息得分为零的不排名。",
    )


PROBLEM_COLUMNS = (
    Column("severity_label", "级别"),
    Column("sheet", "工作表"),
    Column("row", "行", "int"),
    Column("column", "列"),
    Column("value", "值"),
    Column("reason", "问题"),
    Column("suggestion", "建议"),
)


def problems_table(scores: Scores) -> Table:
    df = scores.problems.with_columns(
        pl.col("severity")
        .replace_strict(SEVERITY_LABELS, default=pl.col("severity"), return_dtype=pl.String)
        .alias("severity_label")
    )
    return Table(
        "台账问题",
        f"台账问题清单（{df.height}条）",
        df,
        PROBLEM_COLUMNS,
        note="警告不影响计分；请各单位核对后告知局办公室，以便更正台账。",
        empty="台账未发现问题。",
    )


# ---- the summary text (一、总体情况 …) -----------------------------------------------------


@dataclass(frozen=True)
class Section:
    """A numbered part of a notification: heading and paragraphs (plain text)."""

    heading: str
    paragraphs: tuple[str, ...]


def _delta(now: int, before: int | None, unit: str) -> str:
    if before is None:
        return ""
    d = now - before
    if d == 0:
        return "，与上季度持平"
    word = "增加" if d > 0 else "减少"
    pct = f"（{abs(d) / before:.1%}）" if before else ""
    return f"，较上季度{word}{abs(d)}{unit}{pct}"


def _names(units: Sequence[str], limit: int = 8) -> str:
    units = list(units)
    if len(units) <= limit:
        return "、".join(units)
    return "、".join(units[:limit]) + f"等{len(units)}个单位"


def _pts(x: float) -> str:
    s = f"{x:.2f}".rstrip("0").rstrip(".")
    return "0" if s == "-0" else s


_CN_NUMERALS = "一二三四五六七八九十"


def _numbered(paragraphs: list[str]) -> list[str]:
    """（一）…（二）… as the office numbers the points of a section."""
    return [f"（{_CN_NUMERALS[i]}）{p}" for i, p in enumerate(paragraphs)]


def _levels_text(o: dict[str, int], rules: Rules) -> str:
    labels = rules.levels.labels
    return "、".join(f"{labels[lv]}{o[f'adoptions_{lv}']}篇次" for lv in LEVELS)


def quarter_summary(r: QuarterReport, notable_limit: int = 6) -> list[Section]:
    """一、总体情况 / 二、得分情况 / 三、存在问题, written from the data in the office's style."""
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
    for kind, what in (("department", "处室、单位"), ("district", "区、县（市）人力社保局")):
        k = u.filter(pl.col("kind") == kind)
        if k.height == 0:
            continue
        on_pace = k.filter(pl.col("completion") >= share - 1e-9).height
        reached = k.filter(pl.col("completion") >= 1).height
        top = k.sort(["completion", "order"], descending=[True, False]).head(3)
        tops = "、".join(f"{t['unit']}（{t['completion']:.1%}）" for t in top.iter_rows(named=True))
        score_paras.append(
            f"截至{r.quarter.end:%-m月%-d日}（时间进度{share:.0%}），{k.height}个{what}中，"
            f"累计得分达到时间进度的{on_pace}个，已完成全年基本任务分的{reached}个；"
            f"完成率居前的是{tops}。"
        )
    sections.append(Section("二、得分情况", tuple(score_paras)))

    problems = []
    behind = behind_pace(r.ytd, rules)
    if behind.height:
        items = [
            f"{b['unit']}（尚需{b['need']}）"
            if b["need"] != "—"
            else f"{b['unit']}（全年任务已完成，得分落后于进度）"
            for b in behind.iter_rows(named=True)
        ]
        problems.append(
            f"进度滞后。{behind.height}个单位的得分或基本任务完成情况落后于时间进度："
            + "；".join(items)
            + "。请抓紧组织报送。"
        )
    else:
        problems.append("各单位均达到时间进度。")
    nil = u.filter(pl.col("nothing_submitted"))["unit"].to_list()
    if nil:
        problems.append(f"本季度未报送信息的单位：{_names(nil, 30)}。")
    else:
        problems.append("各单位本季度均有信息报送。")
    warnings = r.ytd.problems.filter(pl.col("severity") == "warning").height
    if warnings:
        problems.append(f"台账发现{warnings}条警告（详见附表），请相关单位核对。")
    problems = _numbered(problems)
    sections.append(Section("三、存在问题", tuple(problems)))
    return sections


def quarter_excel_tables(r: QuarterReport) -> list[Table]:
    """Every table of the notification, in order (one Excel sheet each)."""
    return [
        *quarter_tables(r),
        notable_table(r),
        behind_table(r),
        writer_table(r),
        officer_table(r),
        problems_table(r.ytd),
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
    return AnnualReport(ctx, y, year_label(ctx.rules), score(ctx.ledger, ctx.rules))


def final_units(a: AnnualReport) -> pl.DataFrame:
    """Per roster unit, the final scores with the year's counts."""
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
    """Final scores: departments group by group (rank among all departments), then districts."""
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
                    note="排名为在全部处室、单位中按完成率的名次；绩效考核调整分：完成率每高（低）"
                    "一个百分点加（减）"
                    f"{_pts(float(a.rules.outcomes.department_adjustment.points_per_percent))}分。",
                )
            )
        else:
            out.append(
                Table(
                    "区县得分",
                    _group_title(a.rules, g.name, part),
                    part,
                    FINAL_DISTRICT_COLUMNS,
                    note=f"考核赋分：满分{_pts(float(f.full_score))}分，按完成率赋分，"
                    f"达到基本任务分的赋满分，在基本任务分"
                    f"{float(f.zero_at_or_below_share):.0%}以下（含）的不得分。",
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
        note="按信息员第一撰稿信息的得分合计排名（考核办法四）。",
        empty="没有信息员的信息得分。",
    )


def young_cadres(a: AnnualReport) -> Table:
    uf = units_frame(a.rules).select("unit", "order")
    df = (
        a.scores.people.filter(pl.col("young"))
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


def plans_vs_actual(ctx: Context) -> pl.DataFrame:
    """Per unit and month of the year: items planned (附件3), plans fulfilled by an item of the
    ledger, items actually submitted that month and, of those, items adopted in the year."""
    rules = ctx.rules
    p = rules.period
    months = pl.DataFrame({"month": months_between(p.start, p.end)})
    uf = units_frame(rules).select("unit", "group", "kind", "order", "group_order")
    items = ctx.ledger.items.filter(pl.col("submitted").is_between(p.start, p.end))
    adoptions = ctx.valued
    adopted_ids = adoptions.filter(pl.col("adopted").is_between(p.start, p.end))["item_id"]
    known = ctx.ledger.items["item_id"]
    # Flag rows before grouping: a membership test inside the aggregation would be evaluated
    # once per group against the whole list (seconds on a million items).
    plans = (
        ctx.ledger.plans.with_columns(pl.col("item_id").is_in(known.implode()).alias("_known"))
        .group_by("unit", "month")
        .agg(
            pl.len().cast(pl.Int64).alias("planned"),
            pl.col("_known").sum().cast(pl.Int64).alias("fulfilled"),
        )
    )
    subs = (
        items.with_columns(
            pl.col("submitted").dt.strftime("%Y-%m").alias("month"),
            pl.col("item_id").is_in(adopted_ids.implode()).alias("_adopted"),
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


def plans_by_month(ctx: Context) -> pl.DataFrame:
    return (
        plans_vs_actual(ctx)
        .group_by("month")
        .agg(pl.col("planned", "fulfilled", "submitted", "adopted").sum())
        .sort("month")
    )


def plans_table(ctx: Context) -> Table:
    df = (
        plans_vs_actual(ctx)
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
        "月度报送计划与实际报送、录用",
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
        + "已按计划报送：计划表填有信息编号且台账中有该信息的条数。",
        highlight="no_plan",
    )


def annual_summary(a: AnnualReport) -> list[Section]:
    """一、总体情况 / 二、考核结果 / 三、存在问题 of the year."""
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
        f"先进集体候选{len(cand)}个：{'、'.join(cand) if cand else '无'}。",
    ]
    if dis.height:
        full = dis.filter(pl.col("completion_rate") >= 1).height
        zero = dis.filter(pl.col("assessment_score") == 0).height
        results.append(
            f"{dis.height}个区、县（市）人力社保局中，{full}个达到基本任务分（考核赋满分），"
            f"{zero}个在基本任务分的"
            f"{float(rules.outcomes.district_assessment.zero_at_or_below_share):.0%}以下（不得分）。"
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
    problems = _numbered(problems) if problems else ["各单位均完成年度基本任务。"]
    return [
        Section("一、总体情况", (first,)),
        Section("二、考核结果", tuple(results)),
        Section("三、存在问题", tuple(problems)),
    ]


def annual_excel_tables(a: AnnualReport) -> list[Table]:
    return [
        *final_tables(a),
        breakdown_table(a, "department"),
        breakdown_table(a, "district"),
        advanced(a),
        officer_prizes(a),
        young_cadres(a),
        plans_table(a.ctx),
        problems_table(a.scores),
    ]
