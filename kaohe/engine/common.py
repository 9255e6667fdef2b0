"""What every clause of the engine shares: the window of days, the roster as a table, the
score-line builder and the point arithmetic.

Points are computed in integer units of 1/SCALE point (exact: rule values and shares have at
most two decimals) and shown as floats rounded to four decimals.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import polars as pl

from kaohe.ledger.model import Ledger
from kaohe.rules.models import SCALE, Rules, to_units

LEVELS = ("central", "provincial", "city", "bureau")
# The two levels of the count tasks (二（二）1（3）): 市级, 省级及以上.
TASK_LEVELS = ("city", "provincial")
TASK_LEVEL_LABELS = {"city": "市级", "provincial": "省级及以上"}

# Internal columns of a score line: `ik` (item key), `tie` (publication, award, task level)
# and `ck` (commission key) give a deterministic order and are dropped from the outputs.
# `step`, `clause`, `rule` and `explanation` are Categorical: a year's 1.6 million lines hold
# about 1,400 distinct texts, each stored once (the lines' sort gathers 4-byte codes, not texts;
# written out, a Categorical is its text). A consumer that needs string functions on one of
# them casts it (`pl.col("rule").cast(pl.String)`).
LINE_SCHEMA = {
    "unit": pl.String,
    "step": pl.Categorical,
    "clause": pl.Categorical,
    "rule": pl.Categorical,
    "item_id": pl.String,
    "commission_id": pl.String,
    "date": pl.Date,
    "share": pl.Float64,
    "points_u": pl.Int64,
    "explanation": pl.Categorical,
    "ik": pl.UInt32,
    "tie": pl.Int64,
    "ck": pl.Int64,
}


@dataclass(frozen=True)
class Window:
    """The days whose events count: the period, cut at `as_of` for a year-to-date view."""

    start: date
    end: date
    annual: bool
    as_of: date | None


def window_of(rules: Rules, as_of: date | None) -> Window:
    """五 1: the assessment period, or its first days up to `as_of` (a year-to-date view)."""
    p = rules.period
    if as_of is None or as_of >= p.end:
        return Window(p.start, p.end, True, as_of)
    if as_of < p.start:
        raise ValueError(f"截止日期 {as_of} 早于考核周期开始日 {p.start}")
    return Window(p.start, as_of, False, as_of)


def in_window(col: str, w: Window) -> pl.Expr:
    """Each event counts on its own date (五 1): the date column falls in the window."""
    return pl.col(col).is_between(w.start, w.end, closed="both")


def pts(value: Decimal | int) -> int:
    """A rule value in the internal unit (1/SCALE point)."""
    return to_units(value)


def fmt_points(expr: pl.Expr) -> pl.Expr:
    """Points (in units) as Chinese-report text: 50, 12.5, -3, 0.13."""
    whole = (expr // SCALE).cast(pl.String)
    frac = (expr.cast(pl.Float64) / SCALE).round(2).cast(pl.String)
    return pl.when(expr % SCALE == 0).then(whole).otherwise(frac)


def per_key(df: pl.DataFrame, keys: list[pl.Expr], expr: pl.Expr) -> pl.Series:
    """`expr` for each row of df, computed once per distinct combination of `keys` and
    gathered: `keys` are integer expressions of df that together fix the value of `expr` (a
    text built from a publication, a form and a count is formatted a few dozen times, not
    once per line; a text comes back Categorical, see `as_codes`). Exact: the keys combine
    into one integer (a null is a value of its own); keys too wide to combine compute `expr`
    on every row."""
    codes = df.select(k.cast(pl.Int64).alias(f"_k{i}") for i, k in enumerate(keys))
    if df.height == 0:
        return df.select(expr).to_series()
    low = codes.min().row(0)
    high = codes.max().row(0)
    combined, size = pl.lit(0, dtype=pl.Int64), 1
    for i, (lo, hi) in enumerate(zip(low, high, strict=True)):
        lo, hi = lo or 0, hi or 0
        span = hi - lo + 2  # the values, and null
        if size * span >= 2**62:
            return df.select(expr).to_series()
        code = (pl.col(f"_k{i}") - lo).fill_null(span - 1)
        combined, size = combined * span + code, size * span
    key = codes.select(combined.alias("_key")).to_series()
    first = key.arg_unique()  # the first row of each combination
    values = as_codes(df[first].select(expr).to_series())
    if size <= df.height:  # each row's combination read off a table of every possible key
        table = pl.Series("_at", [None], dtype=pl.UInt32).extend_constant(None, size - 1)
        table = table.scatter(key.gather(first), pl.int_range(first.len(), eager=True))
        return values.gather(table.gather(key))
    at = key.to_frame().join(
        key.gather(first).to_frame().with_row_index("_at"),
        on="_key",
        how="left",
        maintain_order="left",
    )["_at"]
    return values.gather(at)


def as_codes(values: pl.Series) -> pl.Series:
    """A few distinct texts, about to be gathered to many rows, as Categorical (gathering
    codes is much cheaper than gathering texts); any other series as it is."""
    return values.cast(pl.Categorical) if values.dtype == pl.String else values


def make_lines(df: pl.DataFrame, **cols: pl.Expr) -> pl.DataFrame:
    """Score lines from df: the LINE_SCHEMA columns, in order and type, each taken from
    `cols`, else from df's column of that name, else null."""
    exprs = []
    for name, dtype in LINE_SCHEMA.items():
        e = cols.get(name, pl.col(name) if name in df.columns else pl.lit(None))
        exprs.append(e.cast(dtype).alias(name))
    return df.select(exprs)


def unit_table(rules: Rules) -> pl.DataFrame:
    """一（一）, 二（一）: one row per roster unit: group, kind, base (in units), count tasks,
    roster order."""
    rows = []
    for order, u in enumerate(rules.units.roster):
        g = rules.group_by_name[u.group]
        t = g.tasks
        rows.append(
            {
                "unit": u.name,
                "group": g.name,
                "kind": g.kind,
                "base_u": pts(g.base),
                "task_city_items": t.city.items if t else 0,
                "task_city_suggestion": t.city.suggestion if t else 0,
                "task_provincial_items": t.provincial.items if t else 0,
                "task_provincial_suggestion": t.provincial.suggestion if t else 0,
                "order": order,
            }
        )
    return pl.DataFrame(
        rows,
        schema={
            "unit": pl.String,
            "group": pl.String,
            "kind": pl.String,
            "base_u": pl.Int64,
            "task_city_items": pl.Int64,
            "task_city_suggestion": pl.Int64,
            "task_provincial_items": pl.Int64,
            "task_provincial_suggestion": pl.Int64,
            "order": pl.Int64,
        },
    )


def items_with_units(ledger: Ledger, rules: Rules) -> pl.DataFrame:
    """The ledger's items, in its order, with their unit's kind and `ik`, the item's rank by
    item_id (joins and sorts on it are cheaper than on the text id, and order by it is order
    by item_id)."""
    kinds = {u.name: rules.group_by_name[u.group].kind for u in rules.units.roster}
    ids = ledger.items["item_id"]
    # ids numbered in order (the usual ledger): the rank is the row's place, no sort needed
    # (an ordinal rank keeps equal ids in row order too)
    ik = (
        pl.int_range(pl.len(), dtype=pl.UInt32)
        if ids.null_count() == 0 and ids.is_sorted()
        else (pl.col("item_id").rank("ordinal") - 1).cast(pl.UInt32)
    )
    return ledger.items.rename({"kind": "item_kind"}).with_columns(
        ik.alias("ik"),
        pl.col("unit").replace_strict(kinds, default=None, return_dtype=pl.String).alias("kind"),
    )


def overdue(commissions: pl.DataFrame, w: Window) -> pl.DataFrame:
    """Commissions whose deadline falls in the window and were not delivered by it
    (“未及时完成”, 二（二）1（4） and 二（二）2（1）)."""
    return commissions.filter(in_window("deadline", w) & late())


def late() -> pl.Expr:
    """A commission not delivered by its deadline."""
    return pl.col("delivered").is_null() | (pl.col("delivered") > pl.col("deadline"))


def commission_lines(
    missed: pl.DataFrame, step: str, clause: str, rule: pl.Expr, verb: str
) -> pl.DataFrame:
    """Penalty lines of overdue commissions (二（二）1（4）, 二（二）2（1）): one per commission,
    `pen_u` points, on its deadline; `verb` says what was not done (完成, 报送)."""
    how = (
        pl.when(pl.col("delivered").is_null())
        .then(pl.lit(f"未{verb}"))
        .otherwise(pl.format("{}才" + verb, pl.col("delivered")))
    )
    return make_lines(
        missed,
        step=pl.lit(step),
        clause=pl.lit(clause),
        rule=rule,
        date=pl.col("deadline"),
        share=pl.lit(1.0),
        points_u=pl.col("pen_u"),
        explanation=pl.format(
            "{}约稿（{}）截止{}{}，{}分",
            pl.col("issuer"),
            pl.col("commission_id"),
            pl.col("deadline"),
            how,
            fmt_points(pl.col("pen_u")),
        ),
    )


def count_per_unit(rows: pl.DataFrame, units: pl.DataFrame, kind: str, name: str) -> pl.DataFrame:
    """Per roster unit of `kind` (department, district): how many of `rows` are its, as
    column `name` (0 for a unit without any)."""
    n = rows.group_by("unit").len(name)
    return (
        units.filter(pl.col("kind") == kind)
        .select("unit")
        .join(n, on="unit", how="left")
        .with_columns(pl.col(name).fill_null(0).cast(pl.Int64))
    )
