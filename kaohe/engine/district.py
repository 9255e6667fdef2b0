"""二（二）2 — the district bureaus (区、县（市）人力社保局).

Each clause function quotes the measures and names its block of the rules file
(`district.*`). The valuation of a forwarded adoption (`forwarded_value`,
`forwarded_multiplier`) is 二（二）2（2） too; `kaohe.engine.adoption.publication_table` and
`valued_adoptions` lay it out per publication and form and per adoption.
"""

from __future__ import annotations

from typing import Any

import polars as pl

from kaohe.engine.common import (
    Window,
    commission_lines,
    count_per_unit,
    fmt_points,
    make_lines,
    per_key,
    pts,
)
from kaohe.rules.models import SCALE, Rules

# ---- 二（二）2（2）: the value of one forwarded adoption ----------------------------------


def forwarded_value(rules: Rules, agency: str, form: str) -> dict[str, Any]:
    """What a district earns for one adoption by `agency` under `form` (二（二）2（2）,
    `district.adoptions`): the agency's group (省两办, 市两办, 省厅; central agencies as
    `central.scored_as`), points for a full or compiled adoption, per example or viewpoint,
    the instruction bonus, and the rule path of each. Agencies outside the groups (局本级)
    earn nothing."""
    d = rules.district.adoptions
    dgroup_of = {a: g.name for g in d.groups for a in g.agencies}
    for a in d.central.agencies:
        dgroup_of[a] = d.central.scored_as
    gname = dgroup_of.get(agency)
    if form in d.full_forms:
        fclass = "full"
    elif form in d.compiled_forms:
        fclass = "compiled"
    elif form in d.examples_forms:
        fclass = "examples"
    else:  # pragma: no cover - forms are validated against the rules
        fclass = None
    out: dict[str, Any] = {
        "d_group": gname,
        "d_central": agency in d.central.agencies,
        "d_base_u": 0,
        "d_per_example_u": 0,
        "d_instr_u": 0,
        "d_rule": None,
        "d_instr_rule": None,
    }
    if gname is None or fclass is None:
        return out
    gi = next(i for i, g in enumerate(d.groups) if g.name == gname)
    g = d.groups[gi]
    if fclass == "examples":
        out["d_per_example_u"] = pts(d.examples_each)
        out["d_rule"] = "district.adoptions.examples_each"
    else:
        out["d_base_u"] = pts(g.full if fclass == "full" else g.compiled)
        out["d_instr_u"] = pts(g.instruction_full if fclass == "full" else g.instruction_compiled)
        out["d_rule"] = f"district.adoptions.groups.{gi}.{fclass}"
        out["d_instr_rule"] = f"district.adoptions.groups.{gi}.instruction_{fclass}"
    return out


FORWARDED_VALUE_SCHEMA = {
    "d_group": pl.String,
    "d_central": pl.Boolean,
    "d_base_u": pl.Int64,
    "d_per_example_u": pl.Int64,
    "d_instr_u": pl.Int64,
    "d_rule": pl.String,
    "d_instr_rule": pl.String,
}


def forwarded_multiplier(rules: Rules) -> pl.Expr:
    """“获中办、国办约稿录用的，双倍加分” (`district.adoptions.central`): the multiplier (in
    1/SCALE) of an adoption by a central agency — doubled when the item answers a commission
    issued by 中办 or 国办 (choice `commissioned`), or always (choice `always`).
    Needs the columns d_central and commission_issuer."""
    c = rules.district.adoptions.central
    doubled = pl.col("d_central") & (
        pl.lit(c.choice == "always")
        | pl.col("commission_issuer").is_in(c.commission_issuers).fill_null(False)
    )
    return pl.when(doubled).then(pl.lit(pts(c.multiplier))).otherwise(pl.lit(SCALE))


def forwarded_points(instructed: bool) -> pl.Expr:
    """Points of a forwarded adoption: its value (full or compiled, or per example) plus the
    instruction bonus when it carries 领导批示 (and `instructed`), times the multiplier."""
    value = pl.col("d_value_u")
    if instructed:
        value = value + pl.when(pl.col("instruction")).then(pl.col("d_instr_u")).otherwise(0)
    return value * pl.col("d_mult_u") // SCALE


# ---- the clauses -------------------------------------------------------------------------


def forwarded_adoptions(a_in: pl.DataFrame, rules: Rules) -> list[pl.DataFrame]:
    """二（二）2（2） “各地报送的政务信息，经市局办公室组稿后转报省两办、市两办、省厅并被采用的，
    视情加分：获全文采用的，每篇分别加50分、30分、20分，获省、市和省厅领导批示的，再分别加20分、
    10分、10分；组稿录用的，每篇分别加25分、15分、10分，获省、市和省厅领导批示的，再分别加10分、
    5分、5分；采纳例子、观点的，每个例子观点加5分；获中办、国办约稿录用的，双倍加分。”

    Rules: `district.adoptions`. One `district_adoption` line per adoption of a district's
    item by an agency of the groups, and one `district_instruction` line per such adoption
    carrying 领导批示. `a_in` is `valued_adoptions` cut to the window.
    """
    clause = rules.district.adoptions.clause
    da = a_in.select(
        "unit", "ik", "item_id", "commission_id", "publication_id", "adopted", "form",
        "examples", "instruction", "pub_agency", "pub_title", "d_group", "d_rule",
        "d_instr_rule", "d_value_u", "d_mult_u", "d_instr_u", "d_per_example_u", "kind",
    ).filter((pl.col("kind") == "district") & pl.col("d_group").is_not_null())  # fmt: skip
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

    def lines(
        df: pl.DataFrame, step: str, rule: str, points: pl.Expr, text: pl.Expr
    ) -> pl.DataFrame:
        return make_lines(
            df,
            step=pl.lit(step),
            clause=pl.lit(clause),
            rule=pl.col(rule),
            tie=pl.col("publication_id"),
            date=pl.col("adopted"),
            share=pl.lit(1.0),
            points_u=points,
            explanation=text,
        )

    points = forwarded_points(False)
    # the text depends on the publication, the form, the examples and the multiplier only:
    # formatted once per combination of them
    text = per_key(
        da,
        [
            pl.col("publication_id"),
            pl.col("form").cast(pl.Categorical).to_physical(),
            pl.col("examples"),
            pl.col("d_mult_u"),
        ],
        pl.format(
            "经市局办公室转报，被{}{}采用（{}，按{}计）{}，{}分",
            pl.col("pub_agency"),
            pl.col("pub_title"),
            how,
            pl.col("d_group"),
            doubled_note,
            fmt_points(points),
        ),
    )
    adoption = lines(da, "district_adoption", "d_rule", points, pl.lit(text))
    bonus = pl.col("d_instr_u") * pl.col("d_mult_u") // SCALE
    instruction = lines(
        da.filter(pl.col("instruction") & (pl.col("d_instr_u") > 0)),
        "district_instruction",
        "d_instr_rule",
        bonus,
        pl.format(
            "{}{}录用获领导批示{}，加{}分",
            pl.col("pub_agency"),
            pl.col("pub_title"),
            doubled_note,
            fmt_points(bonus),
        ),
    )
    return [adoption, instruction]


def submission_counts(items_in: pl.DataFrame, units: pl.DataFrame) -> pl.DataFrame:
    """Per district: the items it submitted in the window, whatever their kind
    (n_submitted)."""
    return count_per_unit(items_in, units, "district", "n_submitted")


def submission_task(submitted: pl.DataFrame, w: Window, rules: Rules) -> pl.DataFrame:
    """二（二）2（1） “全年向市局办公室报送的政务信息基本任务为20篇，不足基本任务的，
    扣减5分/篇”

    Rules: `district.submissions`. Judges the whole year: no lines in a year-to-date view.
    `submitted` is `submission_counts`.
    """
    s = rules.district.submissions
    if not w.annual:
        return make_lines(submitted.clear())
    short = submitted.with_columns(
        (pl.lit(s.task) - pl.col("n_submitted")).clip(lower_bound=0).alias("_short")
    ).filter(pl.col("_short") > 0)
    value = pts(s.shortfall_each)
    return make_lines(
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


def district_commissions(missed: pl.DataFrame, rules: Rules) -> pl.DataFrame:
    """二（二）2（1） “未及时报送约稿信息的，扣减10分/次”

    Rules: `district.commissions` — whoever issued the commission. `missed` is the overdue
    commissions of the window.
    """
    c = rules.district.commissions
    pen = pts(c.penalty)
    return commission_lines(
        missed.filter(pl.col("kind") == "district").with_columns(pl.lit(pen).alias("pen_u")),
        step="district_commission",
        clause=c.clause,
        rule=pl.lit("district.commissions.penalty"),
        verb="报送",
    )
