"""四 信息员 — the people: who they are (the roster, young cadres), what they wrote, their
monthly 出彩 points, and the ranking for the officer prizes.

Each clause function quotes the measures and names its block of the rules file (`people`,
`outcomes.officer_prizes`, the `chucai` points of `publications`).
"""

from __future__ import annotations

from typing import Literal, NamedTuple

import polars as pl

from kaohe.engine.common import Window, unit_table
from kaohe.ledger.model import Ledger
from kaohe.rules.models import SCALE, Rules

# The steps whose points belong to an item (and so to its first writer): a person's item
# points are the sum of these lines over the items they first wrote.
ITEM_STEPS = ("adoption", "instruction", "award", "district_adoption", "district_instruction")
CHUCAI_LEVELS = ("central", "provincial", "city")
OFFICER = "信息员"

PEOPLE_COLUMNS = (
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


def roster(ledger: Ledger, rules: Rules, w: Window) -> pl.DataFrame:
    """附件2 and the 信息员 sheet: the people of each unit in the window, their role and whether
    they are young cadres — 四 “鼓励全局年轻干部积极撰写、报送信息，将年轻干部信息工作纳入
    《局年轻干部实践锻炼成长考核办法》，进行量化考核。”

    Without a 信息员 sheet: the officers named in 附件2 (`units.roster[].officer`). A person
    listed twice keeps the officer role (信息员 sorts before 撰稿人) and is young if either
    row says so.
    """
    people_sheet = ledger.people
    if people_sheet.height == 0:
        people_sheet = pl.DataFrame(
            [
                {
                    "unit": u.name,
                    "name": u.officer.replace(" ", ""),
                    "role": OFFICER,
                    "young": False,
                }
                for u in rules.units.roster
                if u.officer
            ],
            schema={"unit": pl.String, "name": pl.String, "role": pl.String, "young": pl.Boolean},
        ).with_columns(
            pl.lit(None, dtype=pl.Date).alias("start"), pl.lit(None, dtype=pl.Date).alias("end")
        )
    return (
        people_sheet.filter(
            (pl.col("start").is_null() | (pl.col("start") <= w.end))
            & (pl.col("end").is_null() | (pl.col("end") >= w.start))
        )
        .group_by("unit", "name")
        .agg(
            pl.col("role").sort().first().alias("role"),
            pl.col("young").any().alias("young"),
        )
    )


def writings(items_in: pl.DataFrame, a_in: pl.DataFrame) -> pl.DataFrame:
    """Per (unit, person): items first-written, of those adopted in the window, and items
    co-written (其他撰稿人)."""
    adopted = a_in["ik"].unique()
    first = (
        items_in.select("unit", "first_writer", "ik")  # the filter copies only these
        .filter(pl.col("first_writer").is_not_null() & (pl.col("first_writer") != ""))
        .with_columns(pl.col("ik").is_in(adopted.implode()).alias("_adopted"))
        .group_by("unit", pl.col("first_writer").alias("name"))
        .agg(
            pl.len().alias("items_first_written"),
            pl.col("_adopted").sum().alias("adopted_items"),
        )
    )
    others = (
        items_in.select("unit", "other_writers", "ik")
        .filter(pl.col("other_writers").list.len() > 0)
        .select("unit", pl.col("other_writers").alias("name"), "ik")
        .explode("name")
        .filter(pl.col("name").is_not_null() & (pl.col("name") != ""))
        .group_by("unit", "name")
        .agg(pl.col("ik").n_unique().alias("items_cowritten"))
    )
    return first.join(others, on=["unit", "name"], how="full", coalesce=True)


def chucai(a_in: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """四 “信息员：撰写的信息被市级以上信息期刊录用的，按照期刊类型分别在个人月度绩效考核
    “出彩”项中加1-5分”

    Rules: the `chucai` (and `chucai_forms`) points of each publication in `publications`.
    Every adoption at city level or higher earns its item's first writer the publication's
    points in the month of the adoption — district writers too: whether they count is
    `people.scope` (`officer_prizes`). Returns (per person and month: chucai_points,
    adoptions; per person for the window: chucai_points, adoptions_city_plus).
    """
    monthly = (
        a_in.lazy()  # lazy: the filter, month and group-by run as one query (faster)
        .filter(
            pl.col("level").is_in(CHUCAI_LEVELS)
            & pl.col("first_writer").is_not_null()
            & (pl.col("chucai") > 0)
        )
        .group_by(
            "unit",
            pl.col("first_writer").alias("name"),
            pl.col("adopted").dt.month_start().alias("month"),
        )
        .agg(pl.col("chucai").sum().alias("chucai_points"), pl.len().alias("adoptions"))
        .collect()
    )
    total = monthly.group_by("unit", "name").agg(
        pl.col("chucai_points").sum(), pl.col("adoptions").sum().alias("adoptions_city_plus")
    )
    monthly = monthly.sort("unit", "name", "month").with_columns(
        pl.col("month").dt.strftime("%Y-%m")
    )
    return monthly, total


def item_points(lines: pl.DataFrame, items_in: pl.DataFrame) -> pl.DataFrame:
    """Per (unit, first writer): the points of the items they first wrote (the `ITEM_STEPS`
    lines, every unit's share), in 1/SCALE point (item_points_u)."""
    return (
        lines.lazy()  # lazy: the join and group-by run as one query (much faster)
        .filter(pl.col("step").is_in(ITEM_STEPS))
        .group_by("ik")  # per item first (an integer key): the join has fewer rows
        .agg(pl.col("points_u").sum())
        .join(
            items_in.lazy()
            .filter(pl.col("first_writer").is_not_null())
            .select("ik", "unit", pl.col("first_writer").alias("name")),
            on="ik",
        )
        .group_by("unit", "name")
        .agg(pl.col("points_u").sum().alias("item_points_u"))
        .collect()
    )


def in_scope(rules: Rules) -> pl.Expr:
    """*choice* `people.scope`: whose 出彩 points count — the people of the departments (the
    出彩 item belongs to the bureau's own monthly assessment; district writers' tally is shown
    but not counted) or everyone's. Needs the column kind (the person's unit's)."""
    if rules.people.scope.choice == "all":
        return pl.lit(True)
    return pl.col("kind") == "department"


def officer_prizes(people: pl.DataFrame, rules: Rules) -> pl.DataFrame:
    """四 “并根据全年工作情况，评选优秀信息员，其中一等奖1名、二等奖2名、三等奖3名，年终予以
    通报。”

    Rules: `outcomes.officer_prizes` (the prizes; the *choice* `ranking`: by 出彩 points, one
    scale for everyone, or by item points) and `people.scope` (who competes). The
    competitors are the officers (信息员) in scope with any 出彩 or item points, ranked by the
    chosen points, ties broken by the other, then by name (then roster order); the first
    places take the prizes in order. The office makes the final choice: this is the
    ranking. `people` needs unit, name, role, kind, order, chucai_points, item_points_u;
    adds officer_rank and prize (null for the others).
    """
    ranking: Literal["chucai", "item_points"] = rules.outcomes.officer_prizes.ranking.choice
    keys = ["chucai_points", "item_points_u"]
    if ranking == "item_points":
        keys.reverse()
    officers = (
        people.filter(
            (pl.col("role") == OFFICER)
            & in_scope(rules)
            & ((pl.col("chucai_points") > 0) | (pl.col("item_points_u") > 0))
        )
        .sort([*keys, "name", "order"], descending=[True, True, False, False])
        .with_row_index("officer_rank", offset=1)
        .select("unit", "name", pl.col("officer_rank").cast(pl.Int64))
    )
    places = [p.name for p in rules.outcomes.officer_prizes.prizes for _ in range(p.count)]
    prize_df = pl.DataFrame(
        {"officer_rank": range(1, len(places) + 1), "prize": places},
        schema={"officer_rank": pl.Int64, "prize": pl.String},
    )
    return people.join(officers, on=["unit", "name"], how="left").join(
        prize_df, on="officer_rank", how="left"
    )


class PeopleCounts(NamedTuple):
    """What the people tables count from the window's items and adoptions alone."""

    writings: pl.DataFrame  # `writings`
    monthly: pl.DataFrame  # `chucai`: per person and month
    chucai_totals: pl.DataFrame  # `chucai`: per person for the window


def people_counts(items_in: pl.DataFrame, a_in: pl.DataFrame) -> PeopleCounts:
    """`writings` and `chucai` of the window: the part of `people_tables` that needs no
    score line (the engine computes it beside the clauses)."""
    return PeopleCounts(writings(items_in, a_in), *chucai(a_in))


def people_tables(
    ledger: Ledger,
    items_in: pl.DataFrame,
    a_in: pl.DataFrame,
    lines: pl.DataFrame,
    w: Window,
    rules: Rules,
    counts: PeopleCounts | None = None,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The `people` table (one row per person of the roster or first/co-writer of an item in
    the window) and `people_monthly` (出彩 points by month). `counts`: `people_counts` of the
    same window when already computed."""
    people_roster = roster(ledger, rules, w)
    out_w, monthly, ch_tot = counts if counts is not None else people_counts(items_in, a_in)
    keys = pl.concat([people_roster.select("unit", "name"), out_w.select("unit", "name")]).unique()
    counted = (
        "items_first_written",
        "items_cowritten",
        "adopted_items",
        "chucai_points",
        "adoptions_city_plus",
        "item_points_u",
    )
    people = (
        keys.join(people_roster, on=["unit", "name"], how="left")
        .join(out_w, on=["unit", "name"], how="left")
        .join(ch_tot, on=["unit", "name"], how="left")
        .join(item_points(lines, items_in), on=["unit", "name"], how="left")
        .join(unit_table(rules).select("unit", "kind", "order"), on="unit", how="left")
        .with_columns(
            pl.col("role").fill_null("未登记"),
            pl.col("young").fill_null(False),
            pl.col(counted).fill_null(0).cast(pl.Int64),
        )
        .with_columns((pl.col("item_points_u") / SCALE).round(4).alias("item_points"))
    )
    people = officer_prizes(people, rules).sort(["order", "name"]).select(PEOPLE_COLUMNS)
    return people, monthly
