"""二（二）1（1）（2） and 附件1 — what a department's adoptions are worth, and how a shared
item's points are split.

`publication_table` lays out, once per rules, every value an adoption can take (附件1 points
and instruction bonus for departments, `kaohe.engine.district.forwarded_value` for
districts, 出彩 points for the first writer); `valued_adoptions` joins each adoption of the
ledger with its item and value. The clause functions below turn them into score lines.
"""

from __future__ import annotations

import polars as pl

from kaohe.engine.common import as_codes, fmt_points, items_with_units, make_lines, pts
from kaohe.engine.district import (
    FORWARDED_VALUE_SCHEMA,
    forwarded_multiplier,
    forwarded_points,
    forwarded_value,
)
from kaohe.ledger.model import PROBLEMS, Ledger
from kaohe.rules.models import Rules

PUBLICATION_SCHEMA = {
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
    **FORWARDED_VALUE_SCHEMA,
}


def publication_table(rules: Rules) -> pl.DataFrame:
    """One row per (publication, form) with every value scoring needs.

    附件1 (`publications`): the department points (`points`, or per form where the publication
    lists forms), the instruction bonus under `instruction_scope`, the level and count-task
    level, the 出彩 points of 四; and what a district earns (二（二）2（2）, `forwarded_value`).
    A publication without forms in 附件1 scores the same for every form; one with forms only
    for its own forms (the reader rejects the others).
    """
    scope = rules.instruction_scope.choice
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
            bonus, bonus_rule, bonus_note = 0, None, None
            if ins is not None and not (ins.via_level_block and scope != "level_block"):
                bonus_note = ins.note
                if ins.multiple is not None:
                    bonus = pts(ins.multiple * points)
                    bonus_rule = f"publications.list.{pid}.instruction.multiple"
                else:
                    assert ins.fixed is not None
                    bonus = pts(ins.fixed)
                    bonus_rule = f"publications.list.{pid}.instruction.fixed"
            rows.append(
                {
                    "publication_id": pid,
                    "form": form,
                    "pub_agency": p.agency,
                    "pub_title": p.title,
                    "level": level,
                    "task_level": task_level.get(level),
                    "points_u": pts(points),
                    "points_rule": points_rule,
                    "bonus_u": bonus,
                    "bonus_rule": bonus_rule,
                    "bonus_note": bonus_note,
                    "chucai": p.chucai_forms.get(form, p.chucai),  # type: ignore[call-overload]
                    **forwarded_value(rules, p.agency, form),
                }
            )
    return pl.DataFrame(rows, schema=PUBLICATION_SCHEMA)


def _form_warnings(df: pl.DataFrame, sheet: str, reason: str, suggestion: str) -> pl.DataFrame:
    return df.select(
        pl.lit("warning").alias("severity"),
        pl.lit(sheet).alias("sheet"),
        pl.col("row").cast(pl.Int64),
        pl.lit("录用方式").alias("column"),
        pl.col("form").alias("value"),
        pl.lit(reason).alias("reason"),
        pl.lit(suggestion).alias("suggestion"),
    ).cast(PROBLEMS)  # type: ignore[arg-type]


ITEM_COLUMNS = ("ik", "unit", "kind", "item_kind", "submitted", "first_writer", "commission_id")


def _with_items(ledger: Ledger, items: pl.DataFrame) -> pl.DataFrame:
    """The adoptions with their item's columns (ITEM_COLUMNS): gathered at the positions the
    reader found (`ledger.adoption_items`), or found here by item id. Adoptions of an item the
    ledger does not have are left out."""
    positions = ledger.adoption_items
    adoptions = ledger.adoptions
    if positions is None:
        positions = adoptions.select("item_id").join(
            items.select("item_id", pl.int_range(pl.len(), dtype=pl.UInt32).alias("_pos")),
            on="item_id",
            how="left",
            maintain_order="left",
        )["_pos"]
        if positions.null_count():
            adoptions = adoptions.filter(positions.is_not_null())
            positions = positions.drop_nulls()
    return adoptions.with_columns(items.select(ITEM_COLUMNS)[positions].get_columns())


def _grid(table: pl.DataFrame) -> tuple[pl.DataFrame, pl.Expr]:
    """The publication table on a grid of every (publication, form) pair, and the expression
    of a frame's row in it (one integer: publication × forms + form; null off the grid). A
    pair the table lacks is a row of nulls."""
    forms = table["form"].unique(maintain_order=True)
    code = {f: i for i, f in enumerate(forms)}
    n_pubs = (table["publication_id"].max() or 0) + 1  # type: ignore[operator]
    grid = (
        pl.DataFrame({"publication_id": range(n_pubs)}, schema={"publication_id": pl.Int64})
        .join(forms.to_frame(), how="cross")
        .join(table, on=["publication_id", "form"], how="left", maintain_order="left")
    )
    pid = pl.col("publication_id")
    key = pl.when(pid.is_between(0, n_pubs - 1)).then(
        pid * len(code) + pl.col("form").replace_strict(code, default=None, return_dtype=pl.Int64)
    )
    return grid, key


def _with_values(a: pl.DataFrame, table: pl.DataFrame, coded: bool = False) -> pl.DataFrame:
    """`a` left-joined with the publication table on (publication_id, form): each adoption's
    row of the table gathered at one integer (publication × forms + form) from a grid of
    every pair, cheaper than a join on a text column. A pair the table lacks gives nulls.
    `coded`: the table's text columns (names, levels, rule paths) come as Categorical, a
    code per adoption instead of a text (a quarter of the memory on a large ledger)."""
    grid, key = _grid(table)
    if coded:
        grid = grid.with_columns(pl.col(pl.String).exclude("form").cast(pl.Categorical))
    values = grid.drop("publication_id", "form")[a.select(key).to_series()]
    return a.with_columns(values.get_columns())


def per_pair(df: pl.DataFrame, rules: Rules, expr: pl.Expr) -> pl.Series:
    """`expr` (of the columns of `publication_table`) for each row of `df` (by its
    publication_id and form): computed once per (publication, form) pair and gathered, so a
    text that depends on the pair only is built a few dozen times, not once per adoption."""
    grid, key = _grid(publication_table(rules))
    return as_codes(grid.select(expr).to_series()).gather(df.select(key).to_series())


def valued_adoptions(
    ledger: Ledger, rules: Rules, items: pl.DataFrame | None = None, *, coded: bool = False
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """All adoptions joined with their item and values, one per (item, publication).

    `value_u` is what the adoption is worth to its unit: 附件1 points plus instruction bonus for
    a department, `forwarded_points` for a district. The same item and publication under two
    forms counts the better of the two (higher value, the first row on a tie), with a warning
    (二（二）1（1）). `items` is `items_with_units` of the ledger (computed when not given).
    `coded` (the engine's own use): the publication table's text columns as Categorical.
    Returns (adoptions, warnings).
    """
    if items is None:
        items = items_with_units(ledger, rules)
    commissions = ledger.commissions.select(
        "commission_id", pl.col("issuer").alias("commission_issuer")
    )
    a = _with_values(_with_items(ledger, items), publication_table(rules), coded)
    if commissions.height:
        # only the key column takes part in the join: the wide frame is not gathered
        issuer = a.select("commission_id").join(
            commissions, on="commission_id", how="left", maintain_order="left"
        )
        if issuer.height == a.height:
            a = a.with_columns(issuer["commission_issuer"])
        else:  # pragma: no cover - the reader keeps commission ids unique
            a = a.join(commissions, on="commission_id", how="left")
    else:
        a = a.with_columns(pl.lit(None, dtype=pl.String).alias("commission_issuer"))
    a = a.with_columns(
        forwarded_multiplier(rules).alias("d_mult_u"),
        (pl.col("d_base_u") + pl.col("d_per_example_u") * pl.col("examples")).alias("d_value_u"),
    )
    value = (
        pl.when(pl.col("kind") == "district")
        .then(forwarded_points(True))
        .otherwise(
            pl.col("points_u") + pl.when(pl.col("instruction")).then(pl.col("bonus_u")).otherwise(0)
        )
    )
    a = a.with_columns(value.alias("value_u"))
    # Only the few (item, publication) pairs recorded more than once need choosing; one
    # integer per pair (counting first: usually none repeats, and nothing is copied)
    pair = a.select(
        pl.col("ik").cast(pl.Int64) * len(rules.publications.list) + pl.col("publication_id")
    )
    if pair.n_unique() == a.height:
        return a, _form_warnings(a.clear(), "录用", "", "")
    dup = pair.to_series().is_duplicated()
    multi = a.filter(dup).sort(
        ["ik", "publication_id", "value_u", "row"], descending=[False, False, True, False]
    )
    first = pl.col("row").cum_count().over(["ik", "publication_id"]) == 1
    kept = pl.concat([a.filter(~dup), multi.filter(first)])
    dropped = multi.filter(~first)
    warnings = _form_warnings(
        dropped,
        "录用",
        "同一信息被同一刊物以两种方式录用，只计分值较高的一种（二（二）1（1））",
        "请核实录用方式；如确有两次录用，请删去多余的一行",
    )
    return kept, warnings


# ---- the clauses -------------------------------------------------------------------------

# The columns of `valued_adoptions` the department clauses read (adoption points, instruction
# bonus, shares; the item and commission ids a line names): the rest is not carried along.
DEPARTMENT_COLUMNS = (
    "item_id",
    "ik",
    "unit",
    "kind",
    "commission_id",
    "publication_id",
    "form",
    "adopted",
    "instruction",
    "pub_agency",
    "pub_title",
    "points_u",
    "points_rule",
    "bonus_u",
    "bonus_rule",
    "bonus_note",
)


def shared_items(
    df: pl.DataFrame, shares: pl.DataFrame, rows: pl.Expr | None = None
) -> pl.DataFrame:
    """二（二）1（2） “涉及多个处室、单位的综合类通讯信息，由综合信息撰稿人牵头，被市级以上刊物
    录用的，参与处室、单位按贡献大小分别赋分，总分不超过该信息录用分值。”

    Rules: `department.shared_items` (the reader checks the shares). One row per (row of df,
    unit sharing its item): share_unit and share (hundredths). Most items have no
    contributors: they keep their lead unit at 100 without a join; only the rows of shared
    items are joined with the share table (`shares`, with the item key ik; it may hold only
    the shared items). `rows`: only the rows of df where it holds (one filter of df does
    both, a large frame is not copied twice).
    """
    shared = pl.col("ik").is_in(shares.filter(~pl.col("lead"))["ik"].unique().implode())
    keep = pl.lit(True) if rows is None else rows
    single = df.filter(keep & ~shared).with_columns(
        pl.col("unit").alias("share_unit"), pl.lit(100, dtype=pl.Int64).alias("share")
    )
    multi = df.filter(keep & shared).join(
        shares.select("ik", pl.col("unit").alias("share_unit"), "share"), on="ik"
    )
    return pl.concat([single, multi])


def share_note() -> pl.Expr:
    """“，协作份额30%” on the line of a unit that holds a share of an item."""
    return (
        pl.when(pl.col("share") == 100)
        .then(pl.lit(""))
        .otherwise(pl.format("，协作份额{}%", pl.col("share")))
    )


def _publication_name() -> pl.Expr:
    return pl.format("{}{}", pl.col("pub_agency"), pl.col("pub_title"))


def share_lines(
    df: pl.DataFrame,
    step: str,
    clause: str,
    points: str,
    explanation: pl.Series | pl.Expr,
    **cols: pl.Expr,
) -> pl.DataFrame:
    """Lines of a department item's points, split by share (二（二）1（2））: one per unit
    holding a share of the item, the `points` column × its share; the explanation (an
    expression of df, or one text per row of df) ends with the share note where the share is
    not whole. `cols`: the other line columns (rule, tie, date)."""
    if isinstance(explanation, pl.Expr):
        explanation = df.select(explanation.cast(pl.String)).to_series()
    part = df.select((pl.col("share") != 100).arg_true()).to_series()
    if part.len():  # the few rows of shared items: their note added to those rows only
        noted = (
            df[part]
            .select(pl.concat_str([pl.lit(explanation.gather(part)), share_note()]))
            .to_series()
            .cast(explanation.dtype)  # as the others: Categorical codes from `per_pair`
        )
        explanation = explanation.scatter(part, noted)
    return make_lines(
        df,
        unit=pl.col("share_unit"),
        step=pl.lit(step),
        clause=pl.lit(clause),
        share=pl.col("share") / 100,
        points_u=pl.col(points) * pl.col("share") // 100,
        explanation=pl.lit(explanation),
        **cols,
    )


def adoption_points(dep: pl.DataFrame, rules: Rules) -> pl.DataFrame:
    """二（二）1（1） “按信息录用分值标准（附件1）赋分。每条信息被市级以上不同刊物采用，累加计分”

    Rules: `department.adoption` (the clause), the points of each publication in
    `publications` (附件1). One `adoption` line per adoption of a department's item and unit
    sharing it; `dep` is the department adoptions of the window after `shared_items`.
    """
    return share_lines(
        dep,
        "adoption",
        rules.department.adoption.clause,
        "points_u",
        per_pair(
            dep,
            rules,
            pl.format(
                "被{}录用（{}），{}分",
                _publication_name(),
                pl.col("form"),
                fmt_points(pl.col("points_u")),
            ),
        ),
        rule=pl.col("points_rule"),
        tie=pl.col("publication_id"),
        date=pl.col("adopted"),
    )


def instruction_bonus(dep: pl.DataFrame, rules: Rules) -> pl.DataFrame:
    """附件1 说明 “获中央领导批示的，按照原录用分值的2倍加分”“获国务院领导批示的，按照200分/篇
    加分”“获省领导批示的，按照100分/篇加分”“获省厅领导批示的，按照原录用分值的2倍加分”
    “获市领导批示的，按照原录用分值的1倍加分”

    Rules: `department.instruction` (the clause), each publication's `instruction` and
    `instruction_scope` (which offices a note covers). One `instruction` line per adoption
    carrying 领导批示 that has a bonus, per unit sharing the item.
    """
    noted = dep.filter(pl.col("instruction") & (pl.col("bonus_u") > 0))
    return share_lines(
        noted,
        "instruction",
        rules.department.instruction.clause,
        "bonus_u",
        per_pair(
            noted,
            rules,
            pl.format(
                "{}录用获领导批示，加{}分（{}）",
                _publication_name(),
                fmt_points(pl.col("bonus_u")),
                pl.col("bonus_note"),
            ),
        ),
        rule=pl.col("bonus_rule"),
        tie=pl.col("publication_id"),
        date=pl.col("adopted"),
    )
