"""四 结果运用 — what the totals lead to: completion rate, rank in class, the departments'
performance adjustment and advanced collectives, the districts' assessment score.

Each function quotes the measures and names its block of the rules file (`outcomes.*`). The
officer prizes of 四 are in `kaohe.engine.people`.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

import polars as pl

from kaohe.rules.models import SCALE, Rules


def _round(value: Fraction, decimals: int) -> Decimal:
    q = Decimal(1).scaleb(-decimals)
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(q, ROUND_HALF_UP)


def completion_rate(total_u: int, base_u: int) -> Fraction:
    """四: a unit's completion rate, total / base (exact)."""
    return Fraction(total_u, base_u)


def department_adjustment(total_u: int, base_u: int, rules: Rules) -> Decimal:
    """四 “处室（单位）：超额完成信息考核任务的，每提高一个百分点在年度处室（单位）绩效考核分中
    加0.2分；未完成基本任务分的，每降低一个百分点扣0.2分。”

    Rules: `outcomes.department_adjustment` (pro rata or whole points: the *choice*
    `rounding`).
    """
    adj = rules.outcomes.department_adjustment
    diff = completion_rate(total_u, base_u) * 100 - 100
    if adj.rounding.choice == "whole_points":
        diff = Fraction(int(diff))  # whole points only, toward zero
    return _round(diff * Fraction(adj.points_per_percent), adj.decimals)


def district_assessment(total_u: int, base_u: int, rules: Rules) -> Decimal:
    """四 “信息总得分达到基本任务分的，考核赋满分；未达到基本任务分的，按照完成率赋相应分值（即
    信息总得分/基本任务分*考核总分），信息总得分在基本任务分50%以下的，考核不得分。”

    Rules: `outcomes.district_assessment`: F × min(1, total/base); 0 at or below the
    threshold share of the base.
    """
    da = rules.outcomes.district_assessment
    share = completion_rate(total_u, base_u)
    if share <= Fraction(da.zero_at_or_below_share):
        return Decimal(0).quantize(Decimal("0.01"))
    return _round(Fraction(da.full_score) * min(Fraction(1), share), 2)


def advanced_collectives(rows: list[dict[str, Any]], rules: Rules) -> dict[str, int]:
    """四 “根据全年信息任务完成情况、报送质量，综合评定前6个处室（单位）为年度信息工作先进集体
    并予以通报；未完成年度信息任务的，不得评为先进处室（单位）。”

    Rules: `outcomes.advanced_collectives`. Among the eligible departments (total ≥ base,
    count tasks complete, research article done: `advanced_eligible`), ranked by completion
    rate, then provincial-or-higher adoptions, then total: the first `max_count`, with their
    place. `rows` carry unit, advanced_eligible, rate, items_provincial, total_u.
    """
    elig = [r for r in rows if r["advanced_eligible"]]
    elig.sort(key=lambda r: (-r["rate"], -r["items_provincial"], -r["total_u"]))
    cap = rules.outcomes.advanced_collectives.max_count
    return {r["unit"]: i + 1 for i, r in enumerate(elig[:cap])}


def class_rank(*within: str) -> pl.Expr:
    """二（一） “采取分类达标考核的办法”: a unit's rank within its class (`group`: A, B, C, D,
    区县) — the one rank of every table and chart — by completion rate, then total; units equal
    on both share the better rank. Needs the columns group, completion_rate and total_u;
    `within` adds partitions (a sweep's variant)."""
    return (
        pl.struct(pl.col("completion_rate"), pl.col("total_u"))
        .rank("min", descending=True)
        .over("group", *within)
        .cast(pl.Int64)
    )


UNIT_SCORE_COLUMNS = (
    "unit",
    "group",
    "kind",
    "base",
    "total",
    "completion_rate",
    "adjustment",
    "assessment_score",
    "rank",
    "tasks_complete",
    "research_done",
    "advanced_eligible",
    "advanced_candidate",
    "advanced_rank",
    "total_u",
    "base_u",
)


def unit_outcomes(
    totals: pl.DataFrame,
    units: pl.DataFrame,
    tasks: pl.DataFrame,
    research: pl.DataFrame,
    counts: pl.DataFrame,
    rules: Rules,
) -> pl.DataFrame:
    """The `unit_scores` table: every roster unit with its total and what 四 makes of it."""
    df = (
        units.join(totals, on="unit", how="left")
        .with_columns(pl.col("total_u").fill_null(0))
        .join(tasks.select("unit", "tasks_complete"), on="unit", how="left")
        .join(research.select("unit", "n_research"), on="unit", how="left")
        .join(counts.select("unit", "items_provincial"), on="unit", how="left")
        .sort("order")
    )
    required = rules.department.research.required
    rows = []
    for r in df.iter_rows(named=True):
        dep = r["kind"] == "department"
        research_done = (r["n_research"] or 0) >= required if dep else None
        rows.append(
            {
                "unit": r["unit"],
                "rate": completion_rate(r["total_u"], r["base_u"]),
                "total_u": r["total_u"],
                "items_provincial": r["items_provincial"] or 0,
                "adjustment": float(department_adjustment(r["total_u"], r["base_u"], rules))
                if dep
                else None,
                "assessment_score": None
                if dep
                else float(district_assessment(r["total_u"], r["base_u"], rules)),
                "tasks_complete": bool(r["tasks_complete"]) if dep else None,
                "research_done": research_done,
                "advanced_eligible": dep
                and r["total_u"] >= r["base_u"]
                and bool(r["tasks_complete"])
                and bool(research_done),
            }
        )
    chosen = advanced_collectives(rows, rules)
    out = pl.DataFrame(
        [
            {
                "unit": x["unit"],
                "completion_rate": float(_round(x["rate"], 6)),
                "adjustment": x["adjustment"],
                "assessment_score": x["assessment_score"],
                "tasks_complete": x["tasks_complete"],
                "research_done": x["research_done"],
                "advanced_eligible": x["advanced_eligible"],
                "advanced_candidate": x["unit"] in chosen,
                "advanced_rank": chosen.get(x["unit"]),
            }
            for x in rows
        ],
        schema={
            "unit": pl.String,
            "completion_rate": pl.Float64,
            "adjustment": pl.Float64,
            "assessment_score": pl.Float64,
            "tasks_complete": pl.Boolean,
            "research_done": pl.Boolean,
            "advanced_eligible": pl.Boolean,
            "advanced_candidate": pl.Boolean,
            "advanced_rank": pl.Int64,
        },
    )
    return (
        df.select("unit", "group", "kind", "base_u", "total_u", "order")
        .join(out, on="unit")
        .with_columns(
            (pl.col("base_u") / SCALE).alias("base"),
            (pl.col("total_u") / SCALE).round(4).alias("total"),
        )
        .with_columns(class_rank().alias("rank"))
        .sort("order")
        .select(UNIT_SCORE_COLUMNS)
    )
