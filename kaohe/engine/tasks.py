"""The tasks a unit must reach in the year — the count tasks of 二（一）1 and 二（二）1（3）, the
research article of 二（二）1（4）, the districts' submission task of 二（二）2（1） — with the
gap, the pace expected by the window's end (time progress) and the points at stake; and the
per-unit counts of what happened in the window.

The annual view applies these clauses as score lines; a year-to-date view shows them here
only, as gaps and pace.
"""

from __future__ import annotations

import polars as pl

from kaohe.engine.common import LEVELS, TASK_LEVELS, Window, in_window, late, pts
from kaohe.ledger.model import Ledger
from kaohe.rules.models import SCALE, Rules
from kaohe.rules.periods import elapsed_share

TASK_LABELS = {
    "city_items": "市级录用",
    "city_suggestion": "市级建议问题类录用",
    "provincial_items": "省级及以上录用",
    "provincial_suggestion": "省级及以上建议问题类录用",
    "research": "调研文章",
    "submissions": "报送篇数",
}
_COUNTS = {"required": pl.Int64, "achieved": pl.Int64, "_each": pl.Int64}


def tasks_table(
    count_tasks: pl.DataFrame,
    research: pl.DataFrame,
    submitted: pl.DataFrame,
    units: pl.DataFrame,
    w: Window,
    rules: Rules,
) -> pl.DataFrame:
    """The `tasks` table: one row per unit and task with a requirement (required > 0):
    required, achieved, gap, expected_by_now (required × time progress at the window's end),
    on_pace, points_at_stake (what the gap would cost at the year's end).

    `count_tasks`, `research` and `submitted` are `department.count_tasks`,
    `department.research_counts` and `district.submission_counts`.
    """
    sf, r, s = rules.department.shortfall, rules.department.research, rules.district.submissions
    # (frame, task, required, achieved, points per item short)
    specs: list[tuple[pl.DataFrame, str, pl.Expr, pl.Expr, int]] = [
        (count_tasks, f"{lv}_{kind}", pl.col(req), pl.col(got), pts(getattr(sf, f"{lv}_{kind}")))
        for lv in TASK_LEVELS
        for kind, req, got in (
            ("items", f"req_{lv}_items", f"got_{lv}_items"),
            ("suggestion", f"task_{lv}_suggestion", f"n_{lv}_suggestion"),
        )
    ]
    specs += [
        (research, "research", pl.lit(r.required), pl.col("n_research"), 0),
        (submitted, "submissions", pl.lit(s.task), pl.col("n_submitted"), pts(s.shortfall_each)),
    ]
    parts = [
        frame.select(
            "unit",
            pl.lit(task).alias("task"),
            required.alias("required"),
            achieved.alias("achieved"),
            pl.lit(each).alias("_each"),
        )
        for frame, task, required, achieved, each in specs
    ]
    share = elapsed_share(rules, w.end)
    t = pl.concat([p.cast(_COUNTS) for p in parts])  # type: ignore[arg-type]
    t = t.filter(pl.col("required") > 0).with_columns(
        (pl.col("required") - pl.col("achieved")).clip(lower_bound=0).alias("gap"),
        (pl.col("required").cast(pl.Float64) * float(share)).round(2).alias("expected_by_now"),
    )
    t = t.with_columns(
        (pl.col("achieved") >= pl.col("expected_by_now")).alias("on_pace"),
        pl.when(pl.col("task") == "research")
        .then(pl.when(pl.col("gap") > 0).then(pl.lit(pts(r.penalty))).otherwise(0))
        .otherwise(pl.col("gap") * pl.col("_each"))
        .alias("_stake"),
    )
    order = {k: i for i, k in enumerate(TASK_LABELS)}
    return (
        t.join(units.select("unit", "order"), on="unit")
        .with_columns(
            pl.col("task").replace_strict(TASK_LABELS, return_dtype=pl.String).alias("label"),
            pl.col("task").replace_strict(order, return_dtype=pl.Int64).alias("_torder"),
            (pl.col("_stake") / SCALE).alias("points_at_stake"),
        )
        .sort(["order", "_torder"])
        .select(
            "unit",
            "task",
            "label",
            "required",
            "achieved",
            "gap",
            "expected_by_now",
            "on_pace",
            "points_at_stake",
        )
    )


def count_table(
    items_in: pl.DataFrame,
    a_in: pl.DataFrame,
    awards_in: pl.DataFrame,
    ledger: Ledger,
    units: pl.DataFrame,
    w: Window,
    level_counts: pl.DataFrame,
) -> pl.DataFrame:
    """The `unit_counts` table: per roster unit, submissions by kind, items adopted,
    adoptions by level, distinct items at each count-task level (and suggestion-type),
    instructions, awards, commissions due in the window and those missed."""
    sub = items_in.group_by("unit").agg(
        pl.len().alias("submitted"),
        (pl.col("item_kind") == "general").sum().alias("submitted_general"),
        (pl.col("item_kind") == "suggestion").sum().alias("submitted_suggestion"),
        (pl.col("item_kind") == "research").sum().alias("submitted_research"),
    )
    lv = a_in.group_by("unit").agg(
        pl.col("ik").n_unique().alias("adopted_items"),
        pl.len().alias("adoptions"),
        *[(pl.col("level") == x).sum().alias(f"adoptions_{x}") for x in LEVELS],
        pl.col("instruction").sum().alias("instructions"),
    )
    awards = awards_in.group_by("unit").len("awards")
    com_n = (
        ledger.commissions.filter(in_window("deadline", w))
        .group_by("unit")
        .agg(pl.len().alias("commissions"), late().sum().alias("commissions_missed"))
    )
    tc = level_counts.select(
        "unit",
        pl.col("n_city").alias("items_city"),
        pl.col("n_city_suggestion").alias("suggestion_city"),
        pl.col("n_provincial").alias("items_provincial"),
        pl.col("n_provincial_suggestion").alias("suggestion_provincial"),
    )
    out = units.select("unit", "group", "kind")
    for part in (sub, lv, tc, awards, com_n):
        out = out.join(part, on="unit", how="left")
    return out.with_columns(pl.exclude("unit", "group", "kind").fill_null(0).cast(pl.Int64))
