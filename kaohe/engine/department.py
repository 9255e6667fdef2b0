"""二（二）1 — the departments (市局处室、单位), the clauses beyond adoption points
(those are in `kaohe.engine.adoption`).

Each clause function quotes the measures and names its block of the rules file
(`department.*`). The count tasks of 二（二）1（3） are one status table (`count_tasks`) read by
two clauses, `count_task_extras` and `count_task_shortfall`; the reading of the level task
(the *choice* `department.shortfall.level_task_counts`) is interpreted in `level_task` only.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import polars as pl

from kaohe.engine.adoption import share_lines, shared_items
from kaohe.engine.common import (
    TASK_LEVEL_LABELS,
    TASK_LEVELS,
    Window,
    commission_lines,
    count_per_unit,
    fmt_points,
    make_lines,
    per_key,
    pts,
)
from kaohe.rules.models import SCALE, Rules, to_units


def unadopted(
    items_in: pl.DataFrame, a_in: pl.DataFrame, units: pl.DataFrame, rules: Rules
) -> pl.DataFrame:
    """二（二）1（1） “报送但未录用信息，按1分/条计分，未录用信息累计得分不超过基本任务分的30%。”

    Rules: `department.unadopted`. One `unadopted` line per item submitted in the window
    without an adoption in it, in submission order; the lines beyond the cap carry 0 points
    (and say why).
    """
    rule = rules.department.unadopted
    each = pts(rule.points_each)
    cap_share = rule.cap_share_of_base
    caps = units.select(
        "unit",
        pl.col("base_u")
        .map_elements(lambda b: to_units(Decimal(b) / SCALE * cap_share), return_dtype=pl.Int64)
        .alias("cap_u"),
    )
    un = (
        # only the columns of a line: the filter and the sort do not copy the others
        items_in.select("unit", "item_id", "commission_id", "ik", "submitted", "kind")
        .filter(pl.col("kind") == "department")
        .join(a_in.select("ik"), on="ik", how="anti")
        .join(caps, on="unit")
        .sort(["unit", "submitted", "ik"])
        .with_columns((pl.int_range(1, pl.len() + 1).over("unit") * each).alias("_cum"))
        .with_columns(
            (pl.col("cap_u") - (pl.col("_cum") - each)).clip(0, each).alias("_pts"),
        )
    )
    return make_lines(
        un,
        step=pl.lit("unadopted"),
        clause=pl.lit(rule.clause),
        rule=pl.lit("department.unadopted.points_each"),
        date=pl.col("submitted"),
        share=pl.lit(1.0),
        points_u=pl.col("_pts"),
        # the text depends on the points and the cap only: formatted once per pair of them
        explanation=pl.lit(
            per_key(
                un,
                [pl.col("_pts"), pl.col("cap_u")],
                pl.when(pl.col("_pts") == each)
                .then(pl.format("报送未录用，计{}分", fmt_points(pl.lit(each))))
                .when(pl.col("_pts") > 0)
                .then(pl.format("报送未录用，计{}分（达到上限）", fmt_points(pl.col("_pts"))))
                .otherwise(
                    pl.format(
                        "报送未录用，未录用信息累计已达上限{}分（基本任务分的{}%），本条不计分",
                        fmt_points(pl.col("cap_u")),
                        pl.lit(str(cap_share * 100).rstrip("0").rstrip(".")),
                    )
                ),
            )
        ),
    )


def awards(awards_in: pl.DataFrame, shares: pl.DataFrame, rules: Rules) -> pl.DataFrame:
    """二（二）1（3） “信息被市委办、市府办评为季度好信息的，每篇加20分；评为年度好信息的，每篇加
    50分；信息被局办公室评为年度好信息的，每篇加20分。”

    Rules: `department.awards`. One `award` line per award of a department's item in the
    window, split by share (二（二）1（2））.
    """
    listed = rules.department.awards.list
    award_pts = pl.DataFrame(
        {
            "award": [t.name for t in listed],
            "award_u": [pts(t.points) for t in listed],
            "award_rule": [f"department.awards.list.{i}.points" for i in range(len(listed))],
            "award_index": list(range(len(listed))),
        },
        schema={
            "award": pl.String,
            "award_u": pl.Int64,
            "award_rule": pl.String,
            "award_index": pl.Int64,
        },
    )
    aw = shared_items(
        awards_in.filter(pl.col("kind") == "department").join(award_pts, on="award"), shares
    )
    return share_lines(
        aw,
        "award",
        rules.department.awards.clause,
        "award_u",
        pl.format("评为{}，加{}分", pl.col("award"), fmt_points(pl.col("award_u"))),
        rule=pl.col("award_rule"),
        tie=pl.col("award_index"),
        date=pl.col("awarded"),
    )


# ---- 二（二）1（3）: the count tasks ---------------------------------------------------------


@dataclass(frozen=True)
class LevelTask:
    """How the level task (综合性信息任务数, 二（二）1（3）) is read — the *choice*
    `department.shortfall.level_task_counts`, interpreted here and nowhere else.

    `all`: the level task counts every item adopted at the level, suggestion-type included,
    and its task is the level's whole task (a unit short on both counts loses both).
    `general_only`: it counts the general items, against the task less the suggestion-type
    task (5 − 3 = 2). Extras follow the same reading: items (or general items) beyond it.
    """

    general_only: bool

    @property
    def what(self) -> str:
        """What the level task counts, in the reports' words."""
        return "综合信息" if self.general_only else "信息"

    def counted(self, level: str, noncentral: bool = False) -> str:
        """The `level_counts` column the level task counts at `level` (of those, the ones
        adopted below the central level when `noncentral`)."""
        return f"n_{level}{'_general' if self.general_only else ''}" + (
            "_noncentral" if noncentral else ""
        )

    def required(self, items: Any, suggestion: Any) -> Any:
        """The level task from the group's tasks (`groups.list[].tasks.<level>`): polars
        expressions or numpy arrays alike."""
        return items - suggestion if self.general_only else items

    def needed(self, items_gap: pl.Expr, suggestion_gap: pl.Expr) -> pl.Expr:
        """Items a unit still needs at a level, from the two gaps of the tasks table: under
        `all` a suggestion-type item closes both gaps, under `general_only` they add up."""
        if self.general_only:
            return items_gap + suggestion_gap
        return pl.max_horizontal(items_gap, suggestion_gap)


def level_task(rules: Rules) -> LevelTask:
    """The reading of the level task under these rules (see `LevelTask`)."""
    return LevelTask(rules.department.shortfall.level_task_counts.choice == "general_only")


def level_counts(a_in: pl.DataFrame, units: pl.DataFrame) -> pl.DataFrame:
    """Per unit: distinct items adopted at each count-task level (二（二）1（3）), and of those
    the suggestion-type and the general ones; at the provincial level also those adopted
    below the central level.

    Counts belong to the lead unit (the item's unit). Columns n_city, n_city_suggestion,
    n_city_general, n_provincial, n_provincial_suggestion, n_provincial_general,
    n_provincial_noncentral, n_provincial_general_noncentral.
    """
    t = a_in.select("unit", "ik", "item_kind", "task_level", "level").filter(
        pl.col("task_level").is_not_null()
    )
    agg = []
    for lv in TASK_LEVELS:
        m = pl.col("task_level") == lv
        agg += [
            pl.col("ik").filter(m).n_unique().alias(f"n_{lv}"),
            pl.col("ik")
            .filter(m & (pl.col("item_kind") == "suggestion"))
            .n_unique()
            .alias(f"n_{lv}_suggestion"),
            pl.col("ik")
            .filter(m & (pl.col("item_kind") == "general"))
            .n_unique()
            .alias(f"n_{lv}_general"),
        ]
    noncentral = (pl.col("task_level") == "provincial") & (pl.col("level") != "central")
    agg += [
        pl.col("ik").filter(noncentral).n_unique().alias("n_provincial_noncentral"),
        pl.col("ik")
        .filter(noncentral & (pl.col("item_kind") == "general"))
        .n_unique()
        .alias("n_provincial_general_noncentral"),
    ]
    counts = t.group_by("unit").agg(agg)
    out = units.select("unit").join(counts, on="unit", how="left")
    return out.with_columns(pl.exclude("unit").fill_null(0).cast(pl.Int64))


def count_tasks(counts: pl.DataFrame, units: pl.DataFrame, rules: Rules) -> pl.DataFrame:
    """二（一）1, 二（二）1（3）: per department, each count task — required, achieved, short —
    whether all are complete, and the items beyond the level tasks.

    Columns besides `level_counts` and `unit_table`: req_<lv>_items, got_<lv>_items,
    short_<lv>_items, short_<lv>_suggestion, tasks_complete, extra_<lv> (0 unless complete).
    Rules: `groups.list[].tasks`, `department.shortfall.level_task_counts` (via
    `level_task`), `department.extra.central_counts_as_provincial`.
    """
    lt = level_task(rules)
    central_extra = rules.department.extra.central_counts_as_provincial.choice
    df = units.filter(pl.col("kind") == "department").join(counts, on="unit")
    cols = []
    for lv in TASK_LEVELS:
        req = lt.required(pl.col(f"task_{lv}_items"), pl.col(f"task_{lv}_suggestion"))
        got = pl.col(lt.counted(lv))
        short_s = pl.col(f"task_{lv}_suggestion") - pl.col(f"n_{lv}_suggestion")
        cols += [
            req.alias(f"req_{lv}_items"),
            got.alias(f"got_{lv}_items"),
            (req - got).clip(lower_bound=0).alias(f"short_{lv}_items"),
            short_s.clip(lower_bound=0).alias(f"short_{lv}_suggestion"),
        ]
    df = df.with_columns(cols).with_columns(
        pl.all_horizontal(
            pl.col(f"short_{lv}_{k}") == 0 for lv in TASK_LEVELS for k in ("items", "suggestion")
        ).alias("tasks_complete")
    )
    extra = {
        lv: (pl.col(f"got_{lv}_items") - pl.col(f"req_{lv}_items")).clip(lower_bound=0)
        for lv in TASK_LEVELS
    }
    if not central_extra:
        # Central adoptions fill the provincial task first; only the others earn extras.
        got_nc = pl.col(lt.counted("provincial", noncentral=True))
        central_only = pl.col("got_provincial_items") - got_nc
        remaining = (pl.col("req_provincial_items") - central_only).clip(lower_bound=0)
        extra["provincial"] = pl.min_horizontal(
            extra["provincial"], (got_nc - remaining).clip(lower_bound=0)
        )
    return df.with_columns(
        pl.when(pl.col("tasks_complete")).then(extra[lv]).otherwise(0).alias(f"extra_{lv}")
        for lv in TASK_LEVELS
    )


def count_task_extras(tasks: pl.DataFrame, w: Window, rules: Rules) -> pl.DataFrame:
    """二（二）1（3） “在完成基本任务基础上，每多录用一条综合性信息的，市级、省级刊物分别再加
    10分、20分。”

    Rules: `department.extra` (central adoptions count as provincial: the *choice*
    `central_counts_as_provincial`); the level task as `level_task` reads it. Judges the
    whole year: no lines in a year-to-date view. `tasks` is `count_tasks`.
    """
    ex = rules.department.extra
    if not w.annual:
        return make_lines(tasks.clear())
    what = "综合信息" if level_task(rules).general_only else ""
    parts = []
    for tie, lv in enumerate(TASK_LEVELS):
        value = pts(getattr(ex, lv))
        parts.append(
            make_lines(
                tasks.filter(pl.col(f"extra_{lv}") > 0),
                step=pl.lit("extra"),
                tie=pl.lit(tie),
                clause=pl.lit(ex.clause),
                rule=pl.lit(f"department.extra.{lv}"),
                date=pl.lit(w.end),
                share=pl.lit(1.0),
                points_u=pl.col(f"extra_{lv}") * value,
                explanation=pl.format(
                    "基本任务已完成，{}录用{}篇、任务{}篇，超额{}篇，每篇加{}分",
                    pl.lit(TASK_LEVEL_LABELS[lv] + what),
                    pl.col(f"got_{lv}_items"),
                    pl.col(f"req_{lv}_items"),
                    pl.col(f"extra_{lv}"),
                    fmt_points(pl.lit(value)),
                ),
            )
        )
    return pl.concat(parts)


def count_task_shortfall(tasks: pl.DataFrame, w: Window, rules: Rules) -> pl.DataFrame:
    """二（二）1（3） “未完成市级综合性信息任务数的，扣减3分/篇；未完成省级以上综合性信息任务数
    的，扣减5分/篇。鼓励处室、单位积极报送建议问题类信息，未完成市级刊物建议问题类信息任务的，
    扣减5分/篇；未完成省级刊物任务的，扣减10分/篇”

    Rules: `department.shortfall` (the level task as `level_task` reads it). Judges the whole
    year: no lines in a year-to-date view. `tasks` is `count_tasks`.
    """
    sf = rules.department.shortfall
    if not w.annual:
        return make_lines(tasks.clear())
    lt = level_task(rules)
    parts = []
    for i, lv in enumerate(TASK_LEVELS):
        for kind in ("items", "suggestion"):
            value = pts(getattr(sf, f"{lv}_{kind}"))
            if kind == "items":
                got, req, what = pl.col(f"got_{lv}_items"), pl.col(f"req_{lv}_items"), lt.what
            else:
                got = pl.col(f"n_{lv}_suggestion")
                req = pl.col(f"task_{lv}_suggestion")
                what = "建议问题类信息"
            short = pl.col(f"short_{lv}_{kind}")
            parts.append(
                make_lines(
                    tasks.filter(short > 0),
                    step=pl.lit("shortfall"),
                    tie=pl.lit(2 * i + (kind == "suggestion")),
                    clause=pl.lit(sf.clause),
                    rule=pl.lit(f"department.shortfall.{lv}_{kind}"),
                    date=pl.lit(w.end),
                    share=pl.lit(1.0),
                    points_u=short * value,
                    explanation=pl.format(
                        "{}{}录用{}篇、任务{}篇，差{}篇，每篇{}分",
                        pl.lit(TASK_LEVEL_LABELS[lv]),
                        pl.lit(what),
                        got,
                        req,
                        short,
                        fmt_points(pl.lit(value)),
                    ),
                )
            )
    return pl.concat(parts)


# ---- 二（二）1（4） -----------------------------------------------------------------------


def missed_commissions(missed: pl.DataFrame, rules: Rules) -> pl.DataFrame:
    """二（二）1（4） “未及时完成局办公室约稿信息的，扣减5分/次；未及时完成市委办、市府办约稿
    信息的，扣减10分/次。”

    Rules: `department.commissions` (commissions of other issuers carry no penalty).
    `missed` is the overdue commissions of the window.
    """
    dc = rules.department.commissions
    pen = pl.DataFrame(
        {"issuer": list(dc.penalty), "pen_u": [pts(v) for v in dc.penalty.values()]},
        schema={"issuer": pl.String, "pen_u": pl.Int64},
    )
    return commission_lines(
        missed.filter(pl.col("kind") == "department").join(pen, on="issuer"),
        step="commission",
        clause=dc.clause,
        rule=pl.format("department.commissions.penalty.{}", pl.col("issuer")),
        verb="完成",
    )


def research_counts(items_in: pl.DataFrame, units: pl.DataFrame) -> pl.DataFrame:
    """Per department: research articles submitted in the window (n_research)."""
    research = items_in.filter(pl.col("item_kind") == "research")
    return count_per_unit(research, units, "department", "n_research")


def research_article(research: pl.DataFrame, w: Window, rules: Rules) -> pl.DataFrame:
    """二（二）1（4） “各处室、单位每年应完成至少1篇调研文章，未完成的扣20分。”

    Rules: `department.research`. Judges the whole year: no lines in a year-to-date view.
    `research` is `research_counts`.
    """
    r = rules.department.research
    if not w.annual:
        return make_lines(research.clear())
    penalty = pts(r.penalty)
    return make_lines(
        research.filter(pl.col("n_research") < r.required),
        step=pl.lit("research"),
        clause=pl.lit(r.clause),
        rule=pl.lit("department.research.penalty"),
        date=pl.lit(w.end),
        share=pl.lit(1.0),
        points_u=pl.lit(penalty),
        explanation=pl.format(
            "全年报送调研文章{}篇，应至少{}篇，{}分",
            pl.col("n_research"),
            pl.lit(r.required),
            fmt_points(pl.lit(penalty)),
        ),
    )
