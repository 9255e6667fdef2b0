"""Rule-change simulation: score one ledger under the baseline and a scenario, and say who
gains, who loses, and whether rankings, the base-task line, assessments, advanced collectives
or officer prizes change — explained by the score-ledger lines that moved."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from kaohe.engine import STEP_LABELS, STEPS, Scores, score
from kaohe.ledger.model import Ledger
from kaohe.rules.models import SCALE, Rules


@dataclass(frozen=True)
class Comparison:
    baseline: Scores
    scenario: Scores
    units: pl.DataFrame  # one row per unit: before, after, change, ranks, line crossings
    by_clause: pl.DataFrame  # per unit and step: points before, after, change (changed only)
    lines_changed: pl.DataFrame  # per unit, step and item/commission: points before and after
    prizes: pl.DataFrame  # officers whose prize changed


def _unit_side(s: Scores, suffix: str) -> pl.DataFrame:
    return s.unit_scores.select(
        "unit",
        pl.col("base").alias(f"base_{suffix}"),
        pl.col("total").alias(suffix),
        pl.col("total_u").alias(f"_u_{suffix}"),
        pl.col("base_u").alias(f"_b_{suffix}"),
        pl.col("completion_rate").alias(f"completion_{suffix}"),
        pl.col("rank").alias(f"rank_{suffix}"),
        pl.col("adjustment").alias(f"adjustment_{suffix}"),
        pl.col("assessment_score").alias(f"assessment_{suffix}"),
        pl.col("advanced_candidate").alias(f"advanced_{suffix}"),
    )


def compare_scores(baseline: Scores, scenario: Scores) -> Comparison:
    """Compare two scorings of the same ledger (baseline first)."""
    b, s = baseline, scenario
    units = (
        b.unit_scores.select("unit", "group", "kind")
        .join(_unit_side(b, "baseline"), on="unit")
        .join(_unit_side(s, "scenario"), on="unit")
        .with_columns(
            ((pl.col("_u_scenario") - pl.col("_u_baseline")) / SCALE).round(4).alias("delta"),
            (pl.col("rank_baseline") - pl.col("rank_scenario")).alias("rank_change"),
        )
    )
    met_b = pl.col("_u_baseline") >= pl.col("_b_baseline")
    met_s = pl.col("_u_scenario") >= pl.col("_b_scenario")
    units = units.with_columns(
        pl.when(~met_b & met_s)
        .then(pl.lit("达到基本任务分"))
        .when(met_b & ~met_s)
        .then(pl.lit("跌破基本任务分"))
        .otherwise(pl.lit(""))
        .alias("base_line"),
        pl.when(pl.col("delta") > 0)
        .then(pl.lit("得分增加"))
        .when(pl.col("delta") < 0)
        .then(pl.lit("得分减少"))
        .otherwise(pl.lit("不变"))
        .alias("outcome"),
        (pl.col("adjustment_scenario") - pl.col("adjustment_baseline"))
        .round(2)
        .alias("adjustment_delta"),
        (pl.col("assessment_scenario") - pl.col("assessment_baseline"))
        .round(2)
        .alias("assessment_delta"),
    ).drop("_u_baseline", "_u_scenario", "_b_baseline", "_b_scenario")
    units = units.select(
        "unit",
        "group",
        "kind",
        "base_baseline",
        "base_scenario",
        "baseline",
        "scenario",
        "delta",
        "outcome",
        "rank_baseline",
        "rank_scenario",
        "rank_change",
        "completion_baseline",
        "completion_scenario",
        "base_line",
        "adjustment_baseline",
        "adjustment_scenario",
        "adjustment_delta",
        "assessment_baseline",
        "assessment_scenario",
        "assessment_delta",
        "advanced_baseline",
        "advanced_scenario",
    )

    order = {st: i for i, st in enumerate(STEPS)}

    def per(s_: Scores, keys: list[str], name: str) -> pl.DataFrame:
        return s_.score_lines.group_by(keys).agg(pl.col("points_u").sum().alias(name))

    keys = ["unit", "step", "clause"]
    unit_order = b.unit_scores.select("unit", pl.int_range(pl.len()).alias("_o"))
    by_clause = (
        per(b, keys, "_b")
        .join(per(s, keys, "_s"), on=keys, how="full", coalesce=True)
        .with_columns(pl.col("_b", "_s").fill_null(0))
        .filter(pl.col("_b") != pl.col("_s"))
        .join(unit_order, on="unit")
        .with_columns(
            pl.col("step").replace_strict(STEP_LABELS, return_dtype=pl.String).alias("label"),
            (pl.col("_b") / SCALE).alias("baseline"),
            (pl.col("_s") / SCALE).alias("scenario"),
            ((pl.col("_s") - pl.col("_b")) / SCALE).alias("delta"),
            pl.col("step").replace_strict(order, return_dtype=pl.Int64).alias("_st"),
        )
        .sort("_o", "_st")
        .select("unit", "step", "label", "clause", "baseline", "scenario", "delta")
    )
    lkeys = ["unit", "step", "item_id", "commission_id"]
    lines = (
        per(b, lkeys, "_b")
        .join(per(s, lkeys, "_s"), on=lkeys, how="full", coalesce=True, nulls_equal=True)
        .with_columns(pl.col("_b", "_s").fill_null(0))
        .filter(pl.col("_b") != pl.col("_s"))
        .join(unit_order, on="unit")
        .with_columns(
            (pl.col("_b") / SCALE).alias("baseline"),
            (pl.col("_s") / SCALE).alias("scenario"),
            ((pl.col("_s") - pl.col("_b")) / SCALE).alias("delta"),
            pl.col("step").replace_strict(order, return_dtype=pl.Int64).alias("_st"),
        )
        .sort("_o", "_st", "item_id", "commission_id", nulls_last=True)
        .select(*lkeys, "baseline", "scenario", "delta")
    )
    pk = ["unit", "name"]
    prizes = (
        b.people.select(*pk, pl.col("prize").alias("prize_baseline"))
        .join(
            s.people.select(*pk, pl.col("prize").alias("prize_scenario")),
            on=pk,
            how="full",
            coalesce=True,
        )
        .filter(pl.col("prize_baseline").ne_missing(pl.col("prize_scenario")))
        .sort(pk)
    )
    return Comparison(b, s, units, by_clause, lines, prizes)


def compare(ledger: Ledger, baseline: Rules, scenario: Rules) -> Comparison:
    """Score `ledger` under both rule sets and compare."""
    return compare_scores(score(ledger, baseline), score(ledger, scenario))


def comparison_csv_table(c: Comparison) -> pl.DataFrame:
    """The comparison.csv table: unit, baseline, scenario, delta, ranks and what crossed."""
    return c.units.with_columns(
        pl.col("baseline", "scenario", "delta").round(2),
    )
