"""The scoring engine: (ledger, rules) in, tables out.

Pure and deterministic: no hidden state, the same ledger and rules always give the same tables
in the same order. Every point a unit gets is one line of the score ledger (`score_lines`),
naming the unit, the item, the clause, the rule's path in the rules file and the reason; a
unit's total is the sum of its lines and nothing else.

Points are computed in integer units of 1/SCALE point (exact: rule values and shares have at
most two decimals) and shown as floats rounded to four decimals.

Steps, in the order of the clauses (二（二）1 for departments, 二（二）2 for districts):
adoption → instruction → (shares split both, and awards) → unadopted (capped) → award →
count tasks (extra / shortfall, annual) → commission → research (annual);
district_adoption → district_instruction → district_submissions (annual) → district_commission.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import polars as pl

from kaohe.ledger.model import PROBLEMS, Ledger, LedgerError
from kaohe.rules.models import SCALE, Rules, to_units
from kaohe.rules.periods import elapsed_share

DEPARTMENT_STEPS = (
    "adoption",
    "instruction",
    "unadopted",
    "award",
    "extra",
    "shortfall",
    "commission",
    "research",
)
DISTRICT_STEPS = (
    "district_adoption",
    "district_instruction",
    "district_submissions",
    "district_commission",
)
STEPS = DEPARTMENT_STEPS + DISTRICT_STEPS
# Steps that judge a whole year: a year-to-date view leaves them to the tasks table.
ANNUAL_ONLY_STEPS = ("extra", "shortfall", "research", "district_submissions")
STEP_LABELS = {
    "adoption": "录用分",
    "instruction": "领导批示加分",
    "unadopted": "报送未录用分",
    "award": "好信息加分",
    "extra": "超额录用加分",
    "shortfall": "未完成基本任务扣分",
    "commission": "约稿扣分",
    "research": "调研文章扣分",
    "district_adoption": "转报录用加分",
    "district_instruction": "领导批示加分",
    "district_submissions": "报送任务扣分",
    "district_commission": "约稿扣分",
}
TASK_LABELS = {
    "city_items": "市级录用",
    "city_suggestion": "市级建议问题类录用",
    "provincial_items": "省级及以上录用",
    "provincial_suggestion": "省级及以上建议问题类录用",
    "research": "调研文章",
    "submissions": "报送篇数",
}

LINE_SCHEMA = {
    "unit": pl.String,
    "step": pl.String,
    "clause": pl.String,
    "rule": pl.String,
    "item_id": pl.String,
    "commission_id": pl.String,
    "date": pl.Date,
    "share": pl.Float64,
    "points_u": pl.Int64,
    "explanation": pl.String,
    # internal, for a deterministic order; dropped from outputs
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


@dataclass(frozen=True)
class Scores:
    """What scoring a ledger under a set of rules gives. All tables are polars DataFrames."""

    score_lines: pl.DataFrame
    unit_scores: pl.DataFrame
    tasks: pl.DataFrame
    unit_counts: pl.DataFrame
    people: pl.DataFrame
    people_monthly: pl.DataFrame
    problems: pl.DataFrame
    start: date
    end: date
    annual: bool
    as_of: date | None


# ---- rule tables -------------------------------------------------------------------------


def _pts(value: Decimal | int) -> int:
    return to_units(value)


def unit_table(rules: Rules) -> pl.DataFrame:
    """One row per roster unit: group, kind, base (in units), count tasks, roster order."""
    rows = []
    for order, u in enumerate(rules.units.roster):
        g = rules.group_by_name[u.group]
        t = g.tasks
        rows.append(
            {
                "unit": u.name,
                "group": g.name,
                "kind": g.kind,
                "base_u": _pts(g.base),
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


def publication_table(rules: Rules) -> pl.DataFrame:
    """One row per (publication, form) with every value scoring needs.

    A publication without forms in 附件1 scores the same for every form; one with forms only
    for its own forms (the reader rejects the others).
    """
    scope = rules.instruction_scope.choice
    d = rules.district.adoptions
    dgroups = {g.name: g for g in d.groups}
    dgroup_of = {a: g.name for g in d.groups for a in g.agencies}
    for a in d.central.agencies:
        dgroup_of[a] = d.central.scored_as
    task_level = {lv: t for t, lvs in rules.levels.count_tasks.items() for lv in lvs}
    rows = []
    for pid, p in enumerate(rules.publications.list):
        level = rules.agency_level[p.agency]
        forms = p.forms if p.forms is not None else dict.fromkeys(rules.forms.list, p.points)
        for form, points in forms.items():
            assert points is not None
            if p.forms is not None:
                points_rule = f"publications.list.{pid}.forms.{form}"
            else:
                points_rule = f"publications.list.{pid}.points"
            ins = p.instruction
            if ins is None or (ins.via_level_block and scope != "level_block"):
                bonus = 0
                bonus_note = None
            elif ins.multiple is not None:
                bonus = _pts(ins.multiple * points)
                bonus_note = ins.note
            else:
                assert ins.fixed is not None
                bonus = _pts(ins.fixed)
                bonus_note = ins.note
            gname = dgroup_of.get(p.agency)
            if form in d.full_forms:
                fclass = "full"
            elif form in d.compiled_forms:
                fclass = "compiled"
            elif form in d.examples_forms:
                fclass = "examples"
            else:  # pragma: no cover - forms are validated against the rules
                fclass = None
            if gname is None or fclass is None:
                d_base = d_per_example = d_instr = 0
                d_rule = d_instr_rule = None
            else:
                g = dgroups[gname]
                gi = d.groups.index(g)
                if fclass == "examples":
                    d_base, d_per_example, d_instr = 0, _pts(d.examples_each), 0
                    d_rule, d_instr_rule = "district.adoptions.examples_each", None
                else:
                    d_base = _pts(g.full if fclass == "full" else g.compiled)
                    d_per_example = 0
                    d_instr = _pts(
                        g.instruction_full if fclass == "full" else g.instruction_compiled
                    )
                    d_rule = f"district.adoptions.groups.{gi}.{fclass}"
                    d_instr_rule = f"district.adoptions.groups.{gi}.instruction_{fclass}"
            chucai = p.chucai_forms.get(form, p.chucai)  # type: ignore[call-overload]
            rows.append(
                {
                    "publication_id": pid,
                    "form": form,
                    "pub_agency": p.agency,
                    "pub_title": p.title,
                    "level": level,
                    "task_level": task_level.get(level),
                    "points_u": _pts(points),
                    "points_rule": points_rule,
                    "bonus_u": bonus,
                    "bonus_rule": f"publications.list.{pid}.instruction" if bonus_note else None,
                    "bonus_note": bonus_note,
                    "chucai": chucai,
                    "d_group": gname,
                    "d_central": p.agency in d.central.agencies,
                    "d_base_u": d_base,
                    "d_per_example_u": d_per_example,
                    "d_instr_u": d_instr,
                    "d_rule": d_rule,
                    "d_instr_rule": d_instr_rule,
                }
            )
    return pl.DataFrame(
        rows,
        schema={
            "publication_id": pl.Int64,
            "form": pl.String,
            "pub_agency": pl.String,
            "pub_title": pl.String,
            "level": pl.String,
            "task_level": pl.String,
            "points_u": pl.Int64,
            "points_rule": pl.String,
            "bonus_u": pl.Int64,
            "bonus_rule": pl.String,
            "bonus_note": pl.String,
            "chucai": pl.Int64,
            "d_group": pl.String,
            "d_central": pl.Boolean,
            "d_base_u": pl.Int64,
            "d_per_example_u": pl.Int64,
            "d_instr_u": pl.Int64,
            "d_rule": pl.String,
            "d_instr_rule": pl.String,
        },
    )


# ---- helpers -----------------------------------------------------------------------------


def fmt_points(expr: pl.Expr) -> pl.Expr:
    """Points (in units) as Chinese-report text: 50, 12.5, -3, 0.13."""
    whole = (expr // SCALE).cast(pl.String)
    frac = (expr.cast(pl.Float64) / SCALE).round(2).cast(pl.String)
    return pl.when(expr % SCALE == 0).then(whole).otherwise(frac)


def _lit_str(value: str | None) -> pl.Expr:
    return pl.lit(value, dtype=pl.String)


def _lines(df: pl.DataFrame, **cols: pl.Expr) -> pl.DataFrame:
    """Select the score-line columns from df, in LINE_SCHEMA order and types."""
    exprs = []
    for name, dtype in LINE_SCHEMA.items():
        e = cols.get(name, pl.col(name) if name in df.columns else pl.lit(None))
        exprs.append(e.cast(dtype).alias(name))
    return df.select(exprs)


def window_of(rules: Rules, as_of: date | None) -> Window:
    p = rules.period
    if as_of is None or as_of >= p.end:
        return Window(p.start, p.end, True, as_of)
    if as_of < p.start:
        raise ValueError(f"截止日期 {as_of} 早于考核周期开始日 {p.start}")
    return Window(p.start, as_of, False, as_of)


def _in_window(col: str, w: Window) -> pl.Expr:
    return pl.col(col).is_between(w.start, w.end, closed="both")


def _warn(df: pl.DataFrame, sheet: str, reason: str, suggestion: str) -> pl.DataFrame:
    return df.select(
        pl.lit("warning").alias("severity"),
        pl.lit(sheet).alias("sheet"),
        pl.col("row").cast(pl.Int64),
        pl.lit("录用方式").alias("column"),
        pl.col("form").alias("value"),
        pl.lit(reason).alias("reason"),
        pl.lit(suggestion).alias("suggestion"),
    ).cast(PROBLEMS)  # type: ignore[arg-type]


# ---- adoptions ---------------------------------------------------------------------------


def valued_adoptions(
    ledger: Ledger, rules: Rules, items: pl.DataFrame | None = None
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """All adoptions joined with their item and values, one per (item, publication).

    The same item and publication under two forms counts the better of the two (higher
    points plus instruction bonus, the first row on a tie), with a warning (二（二）1（1）).
    Returns (adoptions, warnings).
    """
    if items is None:
        items = _items_with_units(ledger, rules)
    pubs = publication_table(rules)
    central_issuers = rules.district.adoptions.central.commission_issuers
    always = rules.district.adoptions.central.choice == "always"
    commissions = ledger.commissions.select(
        "commission_id", pl.col("issuer").alias("commission_issuer")
    )
    a = (
        ledger.adoptions.join(
            items.select(
                "item_id",
                "ik",
                "unit",
                "kind",
                "item_kind",
                "submitted",
                "first_writer",
                "commission_id",
            ),
            on="item_id",
            how="inner",
        )
        .join(pubs, on=["publication_id", "form"], how="left")
        .join(commissions, on="commission_id", how="left")
    )
    multiplier = _pts(rules.district.adoptions.central.multiplier)
    doubled = pl.col("d_central") & (
        pl.lit(always) | pl.col("commission_issuer").is_in(central_issuers).fill_null(False)
    )
    a = a.with_columns(
        pl.when(doubled).then(pl.lit(multiplier)).otherwise(pl.lit(SCALE)).alias("d_mult_u"),
        (pl.col("d_base_u") + pl.col("d_per_example_u") * pl.col("examples")).alias("d_value_u"),
    )
    value = (
        pl.when(pl.col("kind") == "district")
        .then(
            (
                pl.col("d_value_u")
                + pl.when(pl.col("instruction")).then(pl.col("d_instr_u")).otherwise(0)
            )
            * pl.col("d_mult_u")
            // SCALE
        )
        .otherwise(
            pl.col("points_u") + pl.when(pl.col("instruction")).then(pl.col("bonus_u")).otherwise(0)
        )
    )
    a = a.with_columns(value.alias("value_u"))
    # Only the few (item, publication) pairs recorded more than once need choosing.
    dup = a.select("ik", "publication_id").is_duplicated()
    multi = a.filter(dup).sort(
        ["ik", "publication_id", "value_u", "row"], descending=[False, False, True, False]
    )
    first = pl.col("row").cum_count().over(["ik", "publication_id"]) == 1
    kept = pl.concat([a.filter(~dup), multi.filter(first)])
    dropped = multi.filter(~first)
    warnings = _warn(
        dropped,
        "录用",
        "同一信息被同一刊物以两种方式录用，只计分值较高的一种（二（二）1（1））",
        "请核实录用方式；如确有两次录用，请删去多余的一行",
    )
    return kept, warnings


# ---- department clauses ------------------------------------------------------------------


def _split_by_share(df: pl.DataFrame, shares: pl.DataFrame) -> pl.DataFrame:
    """One row per (row of df, unit sharing its item): share_unit and share (hundredths).

    Most items have no contributors: they keep their lead unit at 100 without a join; only
    the rows of shared items are joined with the share table (二（二）1（2））."""
    shared = shares.filter(~pl.col("lead")).select("ik").unique()
    single = df.join(shared, on="ik", how="anti").with_columns(
        pl.col("unit").alias("share_unit"), pl.lit(100, dtype=pl.Int64).alias("share")
    )
    multi = df.join(shared, on="ik", how="semi").join(
        shares.select("ik", pl.col("unit").alias("share_unit"), "share"), on="ik"
    )
    return pl.concat([single, multi])


def _department_item_lines(
    a_in: pl.DataFrame, awards_in: pl.DataFrame, shares: pl.DataFrame, rules: Rules
) -> list[pl.DataFrame]:
    clause_adopt = rules.department.unadopted.clause  # 二（二）1（1）
    dep = _split_by_share(a_in.filter(pl.col("kind") == "department"), shares)
    share_note = (
        pl.when(pl.col("share") == 100)
        .then(pl.lit(""))
        .otherwise(pl.format("，协作份额{}%", pl.col("share")))
    )
    pub_name = pl.format("{}{}", pl.col("pub_agency"), pl.col("pub_title"))
    adopt_pts = pl.col("points_u") * pl.col("share") // 100
    adoption = _lines(
        dep,
        unit=pl.col("share_unit"),
        step=pl.lit("adoption"),
        clause=pl.lit(f"{clause_adopt}；{rules.publications.clause}"),
        rule=pl.col("points_rule"),
        tie=pl.col("publication_id"),
        date=pl.col("adopted"),
        share=pl.col("share") / 100,
        points_u=adopt_pts,
        explanation=pl.format(
            "被{}录用（{}），{}分{}",
            pub_name,
            pl.col("form"),
            fmt_points(pl.col("points_u")),
            share_note,
        ),
    )
    ins = dep.filter(pl.col("instruction") & (pl.col("bonus_u") > 0))
    instruction = _lines(
        ins,
        unit=pl.col("share_unit"),
        step=pl.lit("instruction"),
        clause=pl.lit(f"{rules.publications.clause} 说明"),
        rule=pl.col("bonus_rule"),
        tie=pl.col("publication_id"),
        date=pl.col("adopted"),
        share=pl.col("share") / 100,
        points_u=pl.col("bonus_u") * pl.col("share") // 100,
        explanation=pl.format(
            "{}录用获领导批示，加{}分（{}）{}",
            pub_name,
            fmt_points(pl.col("bonus_u")),
            pl.col("bonus_note"),
            share_note,
        ),
    )
    award_pts = pl.DataFrame(
        {
            "award": [t.name for t in rules.department.awards.list],
            "award_u": [_pts(t.points) for t in rules.department.awards.list],
            "award_rule": [
                f"department.awards.list.{i}.points"
                for i in range(len(rules.department.awards.list))
            ],
            "award_index": list(range(len(rules.department.awards.list))),
        },
        schema={
            "award": pl.String,
            "award_u": pl.Int64,
            "award_rule": pl.String,
            "award_index": pl.Int64,
        },
    )
    aw = _split_by_share(
        awards_in.filter(pl.col("kind") == "department").join(award_pts, on="award"), shares
    )
    award = _lines(
        aw,
        unit=pl.col("share_unit"),
        step=pl.lit("award"),
        clause=pl.lit(rules.department.awards.clause),
        rule=pl.col("award_rule"),
        tie=pl.col("award_index"),
        date=pl.col("awarded"),
        share=pl.col("share") / 100,
        points_u=pl.col("award_u") * pl.col("share") // 100,
        explanation=pl.format(
            "评为{}，加{}分{}", pl.col("award"), fmt_points(pl.col("award_u")), share_note
        ),
    )
    return [adoption, instruction, award]


def _unadopted_lines(
    items_in: pl.DataFrame, a_in: pl.DataFrame, units: pl.DataFrame, rules: Rules
) -> pl.DataFrame:
    rule = rules.department.unadopted
    each = _pts(rule.points_each)
    cap_share = rule.cap_share_of_base
    caps = units.select(
        "unit",
        pl.col("base_u")
        .map_elements(lambda b: to_units(Decimal(b) / SCALE * cap_share), return_dtype=pl.Int64)
        .alias("cap_u"),
    )
    un = (
        items_in.filter(pl.col("kind") == "department")
        .join(a_in.select("ik"), on="ik", how="anti")
        .join(caps, on="unit")
        .sort(["unit", "submitted", "ik"])
        .with_columns((pl.int_range(1, pl.len() + 1).over("unit") * each).alias("_cum"))
        .with_columns(
            (pl.col("cap_u") - (pl.col("_cum") - each)).clip(0, each).alias("_pts"),
        )
    )
    return _lines(
        un,
        step=pl.lit("unadopted"),
        clause=pl.lit(rule.clause),
        rule=pl.lit("department.unadopted.points_each"),
        date=pl.col("submitted"),
        share=pl.lit(1.0),
        points_u=pl.col("_pts"),
        explanation=pl.when(pl.col("_pts") == each)
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


def _task_counts(a_in: pl.DataFrame, units: pl.DataFrame) -> pl.DataFrame:
    """Per unit: distinct items adopted at each task level, and the suggestion-type ones.

    Counts belong to the lead unit (the item's unit). Columns n_city, n_city_suggestion,
    n_city_general, n_provincial, n_provincial_suggestion, n_provincial_general,
    n_provincial_noncentral.
    """
    t = a_in.filter(pl.col("task_level").is_not_null()).select(
        "unit", "ik", "item_kind", "task_level", "level"
    )
    agg = []
    for lv in ("city", "provincial"):
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
    agg.append(
        pl.col("ik")
        .filter((pl.col("task_level") == "provincial") & (pl.col("level") != "central"))
        .n_unique()
        .alias("n_provincial_noncentral")
    )
    counts = t.group_by("unit").agg(agg)
    out = units.select("unit").join(counts, on="unit", how="left")
    return out.with_columns(pl.exclude("unit").fill_null(0).cast(pl.Int64))


def _count_task_lines(
    counts: pl.DataFrame, units: pl.DataFrame, w: Window, rules: Rules
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Extra (+) and shortfall (−) lines of 二（二）1（3）, and the per-unit completeness."""
    sf = rules.department.shortfall
    ex = rules.department.extra
    general_only = sf.level_task_counts.choice == "general_only"
    central_extra = ex.central_counts_as_provincial.choice
    df = units.filter(pl.col("kind") == "department").join(counts, on="unit")
    cols = []
    for lv in ("city", "provincial"):
        task_i = pl.col(f"task_{lv}_items")
        task_s = pl.col(f"task_{lv}_suggestion")
        n_all = pl.col(f"n_{lv}")
        n_s = pl.col(f"n_{lv}_suggestion")
        if general_only:
            level_req = task_i - task_s
            level_n = pl.col(f"n_{lv}_general")
        else:
            level_req = task_i
            level_n = n_all
        cols += [
            level_req.alias(f"req_{lv}_items"),
            level_n.alias(f"got_{lv}_items"),
            (level_req - level_n).clip(lower_bound=0).alias(f"short_{lv}_items"),
            (task_s - n_s).clip(lower_bound=0).alias(f"short_{lv}_suggestion"),
        ]
    df = df.with_columns(cols).with_columns(
        (
            (pl.col("short_city_items") == 0)
            & (pl.col("short_city_suggestion") == 0)
            & (pl.col("short_provincial_items") == 0)
            & (pl.col("short_provincial_suggestion") == 0)
        ).alias("tasks_complete")
    )
    extra_city = (pl.col("n_city") - pl.col("task_city_items")).clip(lower_bound=0)
    extra_prov = (pl.col("n_provincial") - pl.col("task_provincial_items")).clip(lower_bound=0)
    if not central_extra:
        central_only = pl.col("n_provincial") - pl.col("n_provincial_noncentral")
        remaining = (pl.col("task_provincial_items") - central_only).clip(lower_bound=0)
        extra_prov = pl.min_horizontal(
            extra_prov, (pl.col("n_provincial_noncentral") - remaining).clip(lower_bound=0)
        )
    df = df.with_columns(
        pl.when(pl.col("tasks_complete")).then(extra_city).otherwise(0).alias("extra_city"),
        pl.when(pl.col("tasks_complete")).then(extra_prov).otherwise(0).alias("extra_provincial"),
    )
    if not w.annual:
        return _lines(df.clear()), df
    level_label = {"city": "市级", "provincial": "省级及以上"}
    parts = []
    for lv in ("city", "provincial"):
        value = _pts(getattr(ex, lv))
        e = df.filter(pl.col(f"extra_{lv}") > 0)
        parts.append(
            _lines(
                e,
                step=pl.lit("extra"),
                tie=pl.lit(0 if lv == "city" else 1),
                clause=pl.lit(ex.clause),
                rule=pl.lit(f"department.extra.{lv}"),
                date=pl.lit(w.end),
                share=pl.lit(1.0),
                points_u=pl.col(f"extra_{lv}") * value,
                explanation=pl.format(
                    "基本任务已完成，{}录用{}篇、任务{}篇，超额{}篇，每篇加{}分",
                    pl.lit(level_label[lv]),
                    pl.col(f"n_{lv}"),
                    pl.col(f"task_{lv}_items"),
                    pl.col(f"extra_{lv}"),
                    fmt_points(pl.lit(value)),
                ),
            )
        )
        for kind, label in (("items", ""), ("suggestion", "建议问题类")):
            value = _pts(getattr(sf, f"{lv}_{kind}"))
            s = df.filter(pl.col(f"short_{lv}_{kind}") > 0)
            if kind == "items":
                got, req = pl.col(f"got_{lv}_items"), pl.col(f"req_{lv}_items")
                what = "综合信息" if general_only else "信息"
            else:
                got, req = pl.col(f"n_{lv}_suggestion"), pl.col(f"task_{lv}_suggestion")
                what = label + "信息"
            parts.append(
                _lines(
                    s,
                    step=pl.lit("shortfall"),
                    tie=pl.lit({"city": 0, "provincial": 2}[lv] + (kind == "suggestion")),
                    clause=pl.lit(sf.clause),
                    rule=pl.lit(f"department.shortfall.{lv}_{kind}"),
                    date=pl.lit(w.end),
                    share=pl.lit(1.0),
                    points_u=pl.col(f"short_{lv}_{kind}") * value,
                    explanation=pl.format(
                        "{}{}录用{}篇、任务{}篇，差{}篇，每篇{}分",
                        pl.lit(level_label[lv]),
                        pl.lit(what),
                        got,
                        req,
                        pl.col(f"short_{lv}_{kind}"),
                        fmt_points(pl.lit(value)),
                    ),
                )
            )
    return pl.concat(parts), df


def _missed(commissions: pl.DataFrame, w: Window) -> pl.DataFrame:
    """Commissions whose deadline falls in the window and were not delivered by it."""
    return commissions.filter(
        _in_window("deadline", w)
        & (pl.col("delivered").is_null() | (pl.col("delivered") > pl.col("deadline")))
    )


def _commission_lines(missed: pl.DataFrame, rules: Rules) -> pl.DataFrame:
    dc = rules.department.commissions
    pen = pl.DataFrame(
        {
            "issuer": list(dc.penalty),
            "pen_u": [_pts(v) for v in dc.penalty.values()],
        },
        schema={"issuer": pl.String, "pen_u": pl.Int64},
    )
    m = missed.filter(pl.col("kind") == "department").join(pen, on="issuer")
    how = (
        pl.when(pl.col("delivered").is_null())
        .then(pl.lit("未完成"))
        .otherwise(pl.format("{}才完成", pl.col("delivered")))
    )
    return _lines(
        m,
        step=pl.lit("commission"),
        ck=pl.col("ck"),
        clause=pl.lit(dc.clause),
        rule=pl.format("department.commissions.penalty.{}", pl.col("issuer")),
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


def _research_lines(
    items_in: pl.DataFrame, units: pl.DataFrame, w: Window, rules: Rules
) -> tuple[pl.DataFrame, pl.DataFrame]:
    r = rules.department.research
    n = (
        items_in.filter((pl.col("kind") == "department") & (pl.col("item_kind") == "research"))
        .group_by("unit")
        .len("n_research")
    )
    df = (
        units.filter(pl.col("kind") == "department")
        .select("unit")
        .join(n, on="unit", how="left")
        .with_columns(pl.col("n_research").fill_null(0).cast(pl.Int64))
    )
    if not w.annual:
        return _lines(df.clear()), df
    short = df.filter(pl.col("n_research") < r.required)
    return _lines(
        short,
        step=pl.lit("research"),
        clause=pl.lit(r.clause),
        rule=pl.lit("department.research.penalty"),
        date=pl.lit(w.end),
        share=pl.lit(1.0),
        points_u=pl.lit(_pts(r.penalty)),
        explanation=pl.format(
            "全年报送调研文章{}篇，应至少{}篇，{}分",
            pl.col("n_research"),
            pl.lit(r.required),
            fmt_points(pl.lit(_pts(r.penalty))),
        ),
    ), df


# ---- district clauses --------------------------------------------------------------------


def _district_lines(
    a_in: pl.DataFrame,
    items_in: pl.DataFrame,
    missed: pl.DataFrame,
    units: pl.DataFrame,
    w: Window,
    rules: Rules,
) -> list[pl.DataFrame]:
    d = rules.district
    clause = d.adoptions.clause
    da = a_in.filter((pl.col("kind") == "district") & pl.col("d_group").is_not_null())
    doubled_note = (
        pl.when(pl.col("d_mult_u") != SCALE)
        .then(pl.lit("，中办、国办约稿录用双倍加分"))
        .otherwise(pl.lit(""))
    )
    how = (
        pl.when(pl.col("d_per_example_u") > 0)
        .then(pl.format("采纳例子观点{}个", pl.col("examples")))
        .otherwise(pl.col("form"))
    )
    adoption = _lines(
        da,
        step=pl.lit("district_adoption"),
        clause=pl.lit(clause),
        rule=pl.col("d_rule"),
        tie=pl.col("publication_id"),
        date=pl.col("adopted"),
        share=pl.lit(1.0),
        points_u=pl.col("d_value_u") * pl.col("d_mult_u") // SCALE,
        explanation=pl.format(
            "经市局办公室转报，被{}{}采用（{}，按{}计）{}，{}分",
            pl.col("pub_agency"),
            pl.col("pub_title"),
            how,
            pl.col("d_group"),
            doubled_note,
            fmt_points(pl.col("d_value_u") * pl.col("d_mult_u") // SCALE),
        ),
    )
    di = da.filter(pl.col("instruction") & (pl.col("d_instr_u") > 0))
    instruction = _lines(
        di,
        step=pl.lit("district_instruction"),
        clause=pl.lit(clause),
        rule=pl.col("d_instr_rule"),
        tie=pl.col("publication_id"),
        date=pl.col("adopted"),
        share=pl.lit(1.0),
        points_u=pl.col("d_instr_u") * pl.col("d_mult_u") // SCALE,
        explanation=pl.format(
            "{}{}录用获领导批示{}，加{}分",
            pl.col("pub_agency"),
            pl.col("pub_title"),
            doubled_note,
            fmt_points(pl.col("d_instr_u") * pl.col("d_mult_u") // SCALE),
        ),
    )
    dm = missed.filter(pl.col("kind") == "district")
    pen = _pts(d.commissions.penalty)
    commission = _lines(
        dm,
        step=pl.lit("district_commission"),
        ck=pl.col("ck"),
        clause=pl.lit(d.commissions.clause),
        rule=pl.lit("district.commissions.penalty"),
        date=pl.col("deadline"),
        share=pl.lit(1.0),
        points_u=pl.lit(pen),
        explanation=pl.format(
            "{}约稿（{}）截止{}{}，{}分",
            pl.col("issuer"),
            pl.col("commission_id"),
            pl.col("deadline"),
            pl.when(pl.col("delivered").is_null())
            .then(pl.lit("未报送"))
            .otherwise(pl.format("{}才报送", pl.col("delivered"))),
            fmt_points(pl.lit(pen)),
        ),
    )
    parts = [adoption, instruction, commission]
    if w.annual:
        s = d.submissions
        n = items_in.group_by("unit").len("n_submitted")
        short = (
            units.filter(pl.col("kind") == "district")
            .select("unit")
            .join(n, on="unit", how="left")
            .with_columns(pl.col("n_submitted").fill_null(0).cast(pl.Int64))
            .with_columns(
                (pl.lit(s.task) - pl.col("n_submitted")).clip(lower_bound=0).alias("_short")
            )
            .filter(pl.col("_short") > 0)
        )
        value = _pts(s.shortfall_each)
        parts.append(
            _lines(
                short,
                step=pl.lit("district_submissions"),
                clause=pl.lit(s.clause),
                rule=pl.lit("district.submissions.shortfall_each"),
                date=pl.lit(w.end),
                share=pl.lit(1.0),
                points_u=pl.col("_short") * value,
                explanation=pl.format(
                    "全年报送{}篇、任务{}篇，差{}篇，每篇{}分",
                    pl.col("n_submitted"),
                    pl.lit(s.task),
                    pl.col("_short"),
                    fmt_points(pl.lit(value)),
                ),
            )
        )
    return parts


# ---- counts ------------------------------------------------------------------------------


def _items_with_units(ledger: Ledger, rules: Rules) -> pl.DataFrame:
    """Items with their unit's kind and `ik`, an integer key in item_id order (joins and
    sorts on it are cheaper than on the text id, and order by it is order by item_id)."""
    units = unit_table(rules).select("unit", "kind")
    return (
        ledger.items.rename({"kind": "item_kind"})
        .sort("item_id")
        .with_row_index("ik")
        .join(units, on="unit", how="left")
    )


def unit_counts(
    ledger: Ledger, rules: Rules, start: date | None = None, end: date | None = None
) -> pl.DataFrame:
    """Per roster unit, what happened between start and end (default: the period).

    Submissions by kind, items adopted, adoptions by level, distinct items at each count-task
    level (and suggestion-type), instructions, awards, commissions and those missed.
    """
    w = Window(start or rules.period.start, end or rules.period.end, True, None)
    units = unit_table(rules)
    items = _items_with_units(ledger, rules)
    items_in = items.filter(_in_window("submitted", w))
    adoptions, _ = valued_adoptions(ledger, rules, items)
    a_in = adoptions.filter(_in_window("adopted", w))
    awards_in = ledger.awards.filter(_in_window("awarded", w)).join(
        items.select("item_id", "unit"), on="item_id"
    )
    return _unit_counts(items_in, a_in, awards_in, ledger, units, w, _task_counts(a_in, units))


def _unit_counts(
    items_in: pl.DataFrame,
    a_in: pl.DataFrame,
    awards_in: pl.DataFrame,
    ledger: Ledger,
    units: pl.DataFrame,
    w: Window,
    task_counts: pl.DataFrame,
) -> pl.DataFrame:
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
    com = ledger.commissions.filter(_in_window("deadline", w))
    com_n = com.group_by("unit").agg(
        pl.len().alias("commissions"),
        (pl.col("delivered").is_null() | (pl.col("delivered") > pl.col("deadline")))
        .sum()
        .alias("commissions_missed"),
    )
    tc = task_counts.select(
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


LEVELS = ("central", "provincial", "city", "bureau")


# ---- outcomes of 四 ----------------------------------------------------------------------


def _round(value: Fraction, decimals: int) -> Decimal:
    q = Decimal(1).scaleb(-decimals)
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(q, ROUND_HALF_UP)


def department_adjustment(total_u: int, base_u: int, rules: Rules) -> Decimal:
    """四: 0.2 per percentage point above or below 100% of the base."""
    adj = rules.outcomes.department_adjustment
    diff = Fraction(total_u * 100, base_u) - 100
    if adj.rounding.choice == "whole_points":
        diff = Fraction(int(diff))  # whole points only, toward zero
    return _round(diff * Fraction(adj.points_per_percent), adj.decimals)


def district_assessment(total_u: int, base_u: int, rules: Rules) -> Decimal:
    """四: F × min(1, total/base); 0 at or below the threshold share of the base."""
    da = rules.outcomes.district_assessment
    share = Fraction(total_u, base_u)
    if share <= Fraction(da.zero_at_or_below_share):
        return Decimal(0).quantize(Decimal("0.01"))
    return _round(Fraction(da.full_score) * min(Fraction(1), share), 2)


def _outcomes(
    totals: pl.DataFrame,
    units: pl.DataFrame,
    tasks_df: pl.DataFrame,
    research_df: pl.DataFrame,
    counts: pl.DataFrame,
    rules: Rules,
) -> pl.DataFrame:
    df = (
        units.join(totals, on="unit", how="left")
        .with_columns(pl.col("total_u").fill_null(0))
        .join(tasks_df.select("unit", "tasks_complete"), on="unit", how="left")
        .join(research_df.select("unit", "n_research"), on="unit", how="left")
        .join(counts.select("unit", "items_provincial"), on="unit", how="left")
        .sort("order")
    )
    required = rules.department.research.required
    rows = []
    for r in df.iter_rows(named=True):
        dep = r["kind"] == "department"
        rate = Fraction(r["total_u"], r["base_u"])
        research_done = (r["n_research"] or 0) >= required if dep else None
        eligible = (
            dep
            and r["total_u"] >= r["base_u"]
            and bool(r["tasks_complete"])
            and bool(research_done)
        )
        rows.append(
            {
                "unit": r["unit"],
                "completion_rate": float(_round(rate, 6)),
                "adjustment": float(department_adjustment(r["total_u"], r["base_u"], rules))
                if dep
                else None,
                "assessment_score": None
                if dep
                else float(district_assessment(r["total_u"], r["base_u"], rules)),
                "tasks_complete": bool(r["tasks_complete"]) if dep else None,
                "research_done": research_done,
                "advanced_eligible": eligible,
                "_rate": rate,
                "_prov": r["items_provincial"] or 0,
            }
        )
    # 先进集体: eligible departments ranked by completion rate, then provincial-or-higher
    # adoptions, then total; at most max_count.
    elig = [x for x in rows if x["advanced_eligible"]]
    totals_by_unit = dict(zip(df["unit"], df["total_u"], strict=True))
    elig.sort(key=lambda x: (-x["_rate"], -x["_prov"], -totals_by_unit[x["unit"]]))
    cap = rules.outcomes.advanced_collectives.max_count
    chosen = {x["unit"]: i + 1 for i, x in enumerate(elig[:cap])}
    for x in rows:
        x["advanced_candidate"] = x["unit"] in chosen
        x["advanced_rank"] = chosen.get(x["unit"])
        del x["_rate"], x["_prov"]
    out = pl.DataFrame(
        rows,
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
    res = (
        df.select("unit", "group", "kind", "base_u", "total_u", "order")
        .join(out, on="unit")
        .with_columns(
            (pl.col("base_u") / SCALE).alias("base"),
            (pl.col("total_u") / SCALE).round(4).alias("total"),
        )
    )
    # Rank within the unit class (departments, districts) by completion rate, then total.
    res = res.sort(
        ["kind", "completion_rate", "total_u", "order"], descending=[False, True, True, False]
    )
    res = res.with_columns(
        pl.struct(pl.col("completion_rate"), pl.col("total_u"))
        .rank("min", descending=True)
        .over("kind")
        .cast(pl.Int64)
        .alias("rank")
    )
    return res.sort("order").select(
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


# ---- tasks (gaps and pace) ---------------------------------------------------------------


def _tasks_table(
    dep_tasks: pl.DataFrame,
    research_df: pl.DataFrame,
    items_in: pl.DataFrame,
    units: pl.DataFrame,
    w: Window,
    rules: Rules,
) -> pl.DataFrame:
    sf = rules.department.shortfall
    parts = []
    for lv in ("city", "provincial"):
        parts.append(
            dep_tasks.select(
                "unit",
                pl.lit(f"{lv}_items").alias("task"),
                pl.col(f"req_{lv}_items").alias("required"),
                pl.col(f"got_{lv}_items").alias("achieved"),
                pl.lit(_pts(getattr(sf, f"{lv}_items"))).alias("_each"),
            )
        )
        parts.append(
            dep_tasks.select(
                "unit",
                pl.lit(f"{lv}_suggestion").alias("task"),
                pl.col(f"task_{lv}_suggestion").alias("required"),
                pl.col(f"n_{lv}_suggestion").alias("achieved"),
                pl.lit(_pts(getattr(sf, f"{lv}_suggestion"))).alias("_each"),
            )
        )
    r = rules.department.research
    parts.append(
        research_df.select(
            "unit",
            pl.lit("research").alias("task"),
            pl.lit(r.required).alias("required"),
            pl.col("n_research").alias("achieved"),
            pl.lit(0).alias("_each"),
        )
    )
    s = rules.district.submissions
    n = items_in.group_by("unit").len("n")
    parts.append(
        units.filter(pl.col("kind") == "district")
        .join(n, on="unit", how="left")
        .select(
            "unit",
            pl.lit("submissions").alias("task"),
            pl.lit(s.task).alias("required"),
            pl.col("n").fill_null(0).alias("achieved"),
            pl.lit(_pts(s.shortfall_each)).alias("_each"),
        )
    )
    share = elapsed_share(rules, w.end)
    t = pl.concat(
        [p.cast({"required": pl.Int64, "achieved": pl.Int64, "_each": pl.Int64}) for p in parts]
    )
    t = t.filter(pl.col("required") > 0).with_columns(
        (pl.col("required") - pl.col("achieved")).clip(lower_bound=0).alias("gap"),
        (pl.col("required").cast(pl.Float64) * float(share)).round(2).alias("expected_by_now"),
    )
    t = t.with_columns(
        (pl.col("achieved") >= pl.col("expected_by_now")).alias("on_pace"),
        pl.when(pl.col("task") == "research")
        .then(pl.when(pl.col("gap") > 0).then(pl.lit(_pts(r.penalty))).otherwise(0))
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


# ---- people ------------------------------------------------------------------------------


def _people(
    ledger: Ledger,
    items_in: pl.DataFrame,
    a_in: pl.DataFrame,
    lines: pl.DataFrame,
    w: Window,
    rules: Rules,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """People's 出彩 points by month, their output, and the officer prize ranking (四)."""
    people_sheet = ledger.people
    if people_sheet.height == 0:
        # No 信息员 sheet: the officers named in 附件2 (rules.units.roster[].officer).
        people_sheet = pl.DataFrame(
            [
                {
                    "unit": u.name,
                    "name": u.officer.replace(" ", ""),
                    "role": "信息员",
                    "young": False,
                }
                for u in rules.units.roster
                if u.officer
            ],
            schema={"unit": pl.String, "name": pl.String, "role": pl.String, "young": pl.Boolean},
        ).with_columns(
            pl.lit(None, dtype=pl.Date).alias("start"), pl.lit(None, dtype=pl.Date).alias("end")
        )
    roster = (
        people_sheet.filter(
            (pl.col("start").is_null() | (pl.col("start") <= w.end))
            & (pl.col("end").is_null() | (pl.col("end") >= w.start))
        )
        .group_by("unit", "name")
        .agg(
            pl.col("role").sort().first().alias("role"),  # 信息员 sorts before 撰稿人
            pl.col("young").any().alias("young"),
        )
    )
    adopted = a_in["ik"].unique()
    first = (
        items_in.filter(pl.col("first_writer").is_not_null() & (pl.col("first_writer") != ""))
        .with_columns(pl.col("ik").is_in(adopted.implode()).alias("_adopted"))
        .group_by("unit", pl.col("first_writer").alias("name"))
        .agg(
            pl.len().alias("items_first_written"),
            pl.col("_adopted").sum().alias("adopted_items"),
        )
    )
    others = (
        items_in.filter(pl.col("other_writers").list.len() > 0)
        .select("unit", pl.col("other_writers").alias("name"), "ik")
        .explode("name")
        .filter(pl.col("name").is_not_null() & (pl.col("name") != ""))
        .group_by("unit", "name")
        .agg(pl.col("ik").n_unique().alias("items_cowritten"))
    )
    out_w = first.join(others, on=["unit", "name"], how="full", coalesce=True)
    ch = a_in.filter(
        pl.col("level").is_in(["central", "provincial", "city"])
        & pl.col("first_writer").is_not_null()
        & (pl.col("chucai") > 0)
    ).select(
        "unit",
        pl.col("first_writer").alias("name"),
        pl.col("adopted").dt.month_start().alias("month"),
        "chucai",
    )
    monthly = (
        ch.group_by("unit", "name", "month")
        .agg(pl.col("chucai").sum().alias("chucai_points"), pl.len().alias("adoptions"))
        .sort("unit", "name", "month")
        .with_columns(pl.col("month").dt.strftime("%Y-%m"))
    )
    ch_tot = ch.group_by("unit", "name").agg(
        pl.col("chucai").sum().alias("chucai_points"), pl.len().alias("adoptions_city_plus")
    )
    item_steps = ["adoption", "instruction", "award", "district_adoption", "district_instruction"]
    item_pts = (
        lines.filter(pl.col("step").is_in(item_steps))
        .select("ik", "points_u")
        .join(
            items_in.filter(pl.col("first_writer").is_not_null()).select(
                "ik", "unit", pl.col("first_writer").alias("name")
            ),
            on="ik",
        )
        .group_by("unit", "name")
        .agg(pl.col("points_u").sum().alias("item_points_u"))
    )
    keys = pl.concat([roster.select("unit", "name"), out_w.select("unit", "name")]).unique()
    people = (
        keys.join(roster, on=["unit", "name"], how="left")
        .join(out_w, on=["unit", "name"], how="left")
        .join(ch_tot, on=["unit", "name"], how="left")
        .join(item_pts, on=["unit", "name"], how="left")
        .with_columns(
            pl.col("role").fill_null("未登记"),
            pl.col("young").fill_null(False),
            pl.col(
                "items_first_written",
                "items_cowritten",
                "adopted_items",
                "chucai_points",
                "adoptions_city_plus",
                "item_points_u",
            )
            .fill_null(0)
            .cast(pl.Int64),
        )
        .with_columns((pl.col("item_points_u") / SCALE).round(4).alias("item_points"))
    )
    units = unit_table(rules).select("unit", "order")
    officers = (
        people.filter((pl.col("role") == "信息员") & (pl.col("item_points_u") > 0))
        .sort(
            ["item_points_u", "chucai_points", "adoptions_city_plus", "name"],
            descending=[True, True, True, False],
        )
        .with_row_index("officer_rank", offset=1)
        .select("unit", "name", pl.col("officer_rank").cast(pl.Int64))
    )
    prizes: list[tuple[int, str]] = []
    pos = 1
    for p in rules.outcomes.officer_prizes.prizes:
        for _ in range(p.count):
            prizes.append((pos, p.name))
            pos += 1
    prize_df = pl.DataFrame(
        {"officer_rank": [p[0] for p in prizes], "prize": [p[1] for p in prizes]},
        schema={"officer_rank": pl.Int64, "prize": pl.String},
    )
    people = (
        people.join(officers, on=["unit", "name"], how="left")
        .join(prize_df, on="officer_rank", how="left")
        .join(units, on="unit", how="left")
        .sort(["order", "name"])
        .select(
            "unit",
            "name",
            "role",
            "young",
            "items_first_written",
            "items_cowritten",
            "adopted_items",
            "adoptions_city_plus",
            "chucai_points",
            "item_points",
            "officer_rank",
            "prize",
        )
    )
    return people, monthly


# ---- the whole --------------------------------------------------------------------------


def _line_order(
    lines: pl.DataFrame, units: pl.DataFrame, rules: Rules, packed: bool = True
) -> pl.Expr:
    """One Int64 sort key for score lines: unit (roster order), step (clause order), date,
    item (or commission), tie (publication, award, task level). Sorting one integer is much
    faster than sorting five columns, and gives the same order."""
    unit_order = dict(zip(units["unit"], units["order"], strict=True))
    step_order = {s: i for i, s in enumerate(STEPS)}
    fits = (
        len(unit_order) < 2**7
        and len(STEPS) < 2**4
        and (lines["tie"].max() or 0) < 2**9
        and (lines["ik"].max() or 0) < 2**27
        and (lines["ck"].max() or 0) < 2**27
    )
    if not (packed and fits):
        # Outside the packed ranges (a very large roster or ledger): sort on the columns.
        return pl.struct(
            pl.col("unit").replace_strict(unit_order, return_dtype=pl.Int64),
            pl.col("step").replace_strict(step_order, return_dtype=pl.Int64),
            "date",
            pl.coalesce("ik", "ck"),
            "tie",
        )
    day = (pl.col("date") - pl.lit(rules.period.start)).dt.total_days().clip(0, 2**16 - 1)
    # bits: unit 7 | step 4 | day 16 | item or commission 27 | tie 9 = 63
    slot = pl.coalesce(pl.col("ik").cast(pl.Int64), pl.col("ck"), pl.lit(2**27 - 1))
    key = pl.col("unit").replace_strict(unit_order, return_dtype=pl.Int64)
    key = key * 2**4 + pl.col("step").replace_strict(step_order, return_dtype=pl.Int64)
    key = key * 2**16 + day
    key = key * 2**27 + slot
    return key * 2**9 + pl.col("tie").fill_null(0)


def score(ledger: Ledger, rules: Rules, as_of: date | None = None) -> Scores:
    """Score a ledger under the rules, for the whole year or up to `as_of` (year-to-date).

    A year-to-date view counts the events up to `as_of` and leaves the annual-only clauses
    (count tasks, research article, district submission task) to the `tasks` table as gaps and
    pace. Raises LedgerError if the ledger has errors.
    """
    if not ledger.ok:
        raise LedgerError(ledger.problems, ledger.source)
    w = window_of(rules, as_of)
    units = unit_table(rules)
    items = _items_with_units(ledger, rules)
    items_in = items.filter(_in_window("submitted", w))
    adoptions, warnings = valued_adoptions(ledger, rules, items)
    a_in = adoptions.filter(_in_window("adopted", w))
    awards_in = ledger.awards.filter(_in_window("awarded", w)).join(
        items.select("item_id", "ik", "unit", "kind"), on="item_id"
    )
    shares = ledger.shares.join(items.select("item_id", "ik"), on="item_id")
    district_awards = awards_in.filter(pl.col("kind") == "district")
    missed = (
        _missed(ledger.commissions, w)
        .join(units.select("unit", "kind"), on="unit")
        .with_columns(pl.col("commission_id").rank("dense").cast(pl.Int64).alias("ck"))
    )

    parts = _department_item_lines(a_in, awards_in, shares, rules)
    parts.append(_unadopted_lines(items_in, a_in, units, rules))
    counts_t = _task_counts(a_in, units)
    task_lines, dep_tasks = _count_task_lines(counts_t, units, w, rules)
    parts.append(task_lines)
    parts.append(_commission_lines(missed, rules))
    research, research_df = _research_lines(items_in, units, w, rules)
    parts.append(research)
    parts += _district_lines(a_in, items_in, missed, units, w, rules)

    lines = pl.concat(parts)
    lines = lines.sort(_line_order(lines, units, rules)).drop("ck", "tie")
    totals = lines.group_by("unit").agg(pl.col("points_u").sum().alias("total_u"))
    counts = _unit_counts(items_in, a_in, awards_in, ledger, units, w, counts_t)
    unit_scores = _outcomes(totals, units, dep_tasks, research_df, counts, rules)
    tasks = _tasks_table(dep_tasks, research_df, items_in, units, w, rules)
    people, monthly = _people(ledger, items_in, a_in, lines, w, rules)

    award_warn = district_awards.select(
        pl.lit("warning").alias("severity"),
        pl.lit("好信息").alias("sheet"),
        pl.col("row"),
        pl.lit("信息编号").alias("column"),
        pl.col("item_id").alias("value"),
        pl.lit("区县信息不计好信息加分（好信息加分属二（二）1，仅适用于处室、单位）").alias(
            "reason"
        ),
        pl.lit("无需处理；如属误录请删除该行").alias("suggestion"),
    ).cast(PROBLEMS)  # type: ignore[arg-type]
    problems = pl.concat([ledger.problems, warnings, award_warn])
    out_lines = lines.with_columns((pl.col("points_u") / SCALE).alias("points")).select(
        "unit",
        "step",
        "clause",
        "rule",
        "item_id",
        "commission_id",
        "date",
        "share",
        "points",
        "explanation",
        "points_u",
    )
    return Scores(
        score_lines=out_lines,
        unit_scores=unit_scores,
        tasks=tasks,
        unit_counts=counts,
        people=people,
        people_monthly=monthly,
        problems=problems,
        start=w.start,
        end=w.end,
        annual=w.annual,
        as_of=as_of,
    )
