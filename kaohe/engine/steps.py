"""The engine's run: the ledger read once, the clauses applied in the order of the measures,
the score lines sorted and summed, and what the totals lead to.

Pure and deterministic: no hidden state, the same ledger and rules always give the same tables
in the same order. Every point a unit gets is one line of the score ledger (`score_lines`),
naming the unit, the item, the clause, the rule's path in the rules file and the reason; a
unit's total is the sum of its lines and nothing else.

Steps, in the order of the clauses (二（二）1 for departments, 二（二）2 for districts), each
the step name of its score lines and the function that writes them:

    adoption      adoption.adoption_points        二（二）1（1）；附件1   department.adoption
    instruction   adoption.instruction_bonus      二（二）1（1）；附件1 说明 department.instruction
                  (both, and awards, split by adoption.shared_items: 二（二）1（2）,
                  department.shared_items)
    unadopted     department.unadopted            二（二）1（1）        department.unadopted
    award         department.awards               二（二）1（3）        department.awards
    extra         department.count_task_extras    二（二）1（3）        department.extra
    shortfall     department.count_task_shortfall 二（二）1（3）        department.shortfall
    commission    department.missed_commissions   二（二）1（4）        department.commissions
    research      department.research_article     二（二）1（4）        department.research
    district_adoption, district_instruction
                  district.forwarded_adoptions    二（二）2（2）        district.adoptions
    district_submissions
                  district.submission_task        二（二）2（1）        district.submissions
    district_commission
                  district.district_commissions   二（二）2（1）        district.commissions

then 四: `unit_scores` (outcomes.unit_outcomes: completion rate, rank within class, adjustment,
district assessment, advanced collectives), `people` (people.people_tables: 出彩 points, officer
prizes under `people.scope` and `outcomes.officer_prizes.ranking`), and the tasks table
(tasks.tasks_table).
"""

from __future__ import annotations

from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date

import polars as pl

from kaohe.engine import adoption, department, district
from kaohe.engine.common import Window, in_window, items_with_units, overdue, unit_table, window_of
from kaohe.engine.outcomes import unit_outcomes
from kaohe.engine.people import people_counts, people_tables
from kaohe.engine.tasks import count_table, tasks_table
from kaohe.ledger.model import PROBLEMS, Ledger, LedgerError
from kaohe.rules.models import SCALE, Rules

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
SCORE_LINE_COLUMNS = (
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


@dataclass(frozen=True)
class Scores:
    """What scoring a ledger under a set of rules gives. All tables are polars DataFrames.

    `score_lines` keeps its few distinct texts (`step`, `clause`, `rule`, `explanation`) as
    Categorical columns (see `common.LINE_SCHEMA`); written to CSV or Excel they are text."""

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


@dataclass(frozen=True)
class _Ledger:
    """What the clauses read, prepared once per (ledger, rules) whatever the window."""

    ledger: Ledger
    rules: Rules
    units: pl.DataFrame
    items: pl.DataFrame
    adoptions: pl.DataFrame  # valued_adoptions
    warnings: pl.DataFrame
    awards: pl.DataFrame  # with the item's ik, unit, kind
    shares: pl.DataFrame  # of the shared items, with the item's ik
    commissions: pl.DataFrame  # with the unit's kind and a dense key ck


def _prepare(ledger: Ledger, rules: Rules) -> _Ledger:
    if not ledger.ok:
        raise LedgerError(ledger.problems, ledger.source)
    units = unit_table(rules)
    items = items_with_units(ledger, rules)
    adoptions, warnings = adoption.valued_adoptions(ledger, rules, items, coded=True)
    return _Ledger(
        ledger=ledger,
        rules=rules,
        units=units,
        items=items,
        adoptions=adoptions,
        warnings=warnings,
        awards=ledger.awards.join(items.select("item_id", "ik", "unit", "kind"), on="item_id"),
        shares=_shared(ledger.shares, items),
        commissions=ledger.commissions.join(units.select("unit", "kind"), on="unit").with_columns(
            pl.col("commission_id").rank("dense").cast(pl.Int64).alias("ck")
        ),
    )


def _cut(df: pl.DataFrame, keep: pl.Expr) -> pl.DataFrame:
    """`df.filter(keep)`, without copying a wide frame whose rows are all kept (the window of a
    whole year holds nearly every row of a ledger)."""
    mask = df.select(keep.fill_null(False)).to_series()
    return df if mask.all() else df.filter(mask)


def _shared(shares: pl.DataFrame, items: pl.DataFrame) -> pl.DataFrame:
    """The share rows of the items that have contributors (二（二）1（2）), with their ik."""
    ids = shares.filter(~pl.col("lead"))["item_id"].unique()
    return shares.filter(pl.col("item_id").is_in(ids.implode())).join(
        items.select("item_id", "ik"), on="item_id"
    )


def _line_order(
    lines: pl.DataFrame, units: pl.DataFrame, rules: Rules, packed: bool = True
) -> pl.Expr:
    """One Int64 sort key for score lines: unit (roster order), step (clause order), date,
    item (or commission), tie (publication, award, task level). Sorting one integer is much
    faster than sorting five columns, and gives the same order."""
    # roster order and clause order as the codes of an Enum (cheaper than a dict lookup):
    # a unit's code is its place in roster order
    roster = units.sort("order")["unit"]
    unit_key = pl.col("unit").cast(pl.Enum(roster)).to_physical().cast(pl.Int64)
    # `_sk` (see `_with_step_codes`): the step's place in clause order, given per part
    step_key = (
        pl.col("_sk")
        if "_sk" in lines.columns
        else pl.col("step").cast(pl.Enum(STEPS)).to_physical().cast(pl.Int64)
    )
    fits = (
        roster.len() < 2**7
        and len(STEPS) < 2**4
        and (lines["tie"].max() or 0) < 2**9
        and (lines["ik"].max() or 0) < 2**27
        and (lines["ck"].max() or 0) < 2**27
    )
    if not (packed and fits):
        # Outside the packed ranges (a very large roster or ledger): sort on the columns.
        return pl.struct(
            unit_key,
            step_key,
            "date",
            pl.coalesce("ik", "ck"),
            "tie",
        )
    # days since the period's start (a Date is its day number)
    start = pl.lit(rules.period.start, dtype=pl.Date).cast(pl.Int64)
    day = (pl.col("date").cast(pl.Int64) - start).clip(0, 2**16 - 1)
    # bits: unit 7 | step 4 | day 16 | item or commission 27 | tie 9 = 63
    slot = pl.coalesce(pl.col("ik").cast(pl.Int64), pl.col("ck"), pl.lit(2**27 - 1))
    key = unit_key * 2**4 + step_key
    key = key * 2**16 + day
    key = key * 2**27 + slot
    return key * 2**9 + pl.col("tie").fill_null(0)


def _with_step_codes(part: pl.DataFrame) -> pl.DataFrame:
    """A part of the score lines with `_sk`, its step's place in clause order (STEPS). A
    clause writes one step per part, a literal: coded once, not looked up line by line."""
    steps = part["step"]
    if part.height and steps.null_count() == 0 and (steps == steps[0]).all():
        return part.with_columns(_sk=pl.lit(STEPS.index(steps[0]), dtype=pl.Int64))
    return part.with_columns(_sk=pl.col("step").cast(pl.Enum(STEPS)).to_physical().cast(pl.Int64))


def _district_award_warnings(awards_in: pl.DataFrame) -> pl.DataFrame:
    return (
        awards_in.filter(pl.col("kind") == "district")
        .select(
            pl.lit("warning").alias("severity"),
            pl.lit("好信息").alias("sheet"),
            pl.col("row"),
            pl.lit("信息编号").alias("column"),
            pl.col("item_id").alias("value"),
            pl.lit("区县信息不计好信息加分（好信息加分属二（二）1，仅适用于处室、单位）").alias(
                "reason"
            ),
            pl.lit("无需处理；如属误录请删除该行").alias("suggestion"),
        )
        .cast(PROBLEMS)  # type: ignore[arg-type]
    )


# the steps whose lines score an adoption itself (its points and its instruction bonus)
ADOPTION_STEPS = ("adoption", "instruction", "district_adoption", "district_instruction")


def unscored_adoption_warnings(
    a_in: pl.DataFrame, adoption_lines: list[pl.DataFrame], rules: Rules
) -> pl.DataFrame:
    """A warning for each adoption of the window that no clause scores for its unit's kind: no
    line of ADOPTION_STEPS with points names it (its item `ik` and publication `tie`, one
    adoption per pair after `valued_adoptions`). Derived from the lines themselves, so it can
    never disagree with scoring: a district's item adopted by an office outside the groups of
    二（二）2（2）, a department's item in a publication whose 附件1 value is 0.
    `adoption_lines` are the lines of the ADOPTION_STEPS (adoption points, instruction bonus,
    and a district's), with their internal columns."""
    n = len(rules.publications.list)
    # one integer per (item, publication), computed on the two columns only (a filter of the
    # whole lines would copy their text); the pairs that score marked in a bitmap over every
    # possible pair (cheaper than hashing them)
    scoring = pl.col("points_u") != 0
    keys = pl.concat(
        [
            part.select(pl.when(scoring).then(pl.col("ik").cast(pl.Int64) * n + pl.col("tie")))
            for part in adoption_lines
        ]
    ).to_series()
    keys = keys.drop_nulls()
    own = a_in.select(pl.col("ik").cast(pl.Int64) * n + pl.col("publication_id")).to_series()
    size = max(keys.max() or 0, own.max() or 0) + 1  # type: ignore[operator]
    scored = pl.Series("scored", [False], dtype=pl.Boolean).extend_constant(False, size - 1)
    scored = scored.scatter(keys, True)
    # only the columns the warnings name: a filter of the wide frame would copy every column
    zero = a_in.select(
        "row", "kind", "unit", "agency", "pub_agency", "pub_title", "form", "d_group"
    ).filter(~scored.gather(own))
    if zero.height == 0:
        return pl.DataFrame(schema=PROBLEMS)
    d = rules.district.adoptions
    groups = "、".join(g.name for g in d.groups)
    central = "、".join(d.central.agencies)
    district = (
        f"区县的信息只有被{groups}采用（{central}按{d.central.scored_as}计）才加分"
        f"（{d.clause}），被“{{}}”录用不计分"
    )
    department = f"“{{}}{{}}”（{{}}）对处室、单位的分值为0（{rules.department.adoption.clause}），此录用不计分"
    is_district = pl.col("kind") == "district"
    return (
        zero.sort("row")
        .select(
            pl.lit("warning").alias("severity"),
            pl.lit("录用").alias("sheet"),
            pl.col("row"),
            pl.when(is_district).then(pl.lit("录用单位")).otherwise(pl.lit("刊物")).alias("column"),
            pl.when(is_district)
            .then(pl.col("agency"))
            .otherwise(pl.col("pub_title"))
            .alias("value"),
            pl.when(is_district & pl.col("d_group").is_null())
            .then(pl.format(district, pl.col("agency")))
            .when(pl.col("kind") == "department")
            .then(pl.format(department, "pub_agency", "pub_title", "form"))
            .otherwise(pl.format("没有任何条款为此录用计分（{}）", pl.col("unit")))
            .alias("reason"),
            pl.lit("如录用单位、刊物填错，请改正；无误则无需处理（此录用得0分）").alias(
                "suggestion"
            ),
        )
        .cast(PROBLEMS)  # type: ignore[arg-type]
    )


def _score(p: _Ledger, as_of: date | None) -> Scores:
    rules, units = p.rules, p.units
    w = window_of(rules, as_of)
    items_in = _cut(p.items, in_window("submitted", w))
    a_in = _cut(p.adoptions, in_window("adopted", w))
    awards_in = _cut(p.awards, in_window("awarded", w))
    missed = overdue(p.commissions, w)

    # What needs neither the department clauses nor the score lines runs in a second thread
    # beside them: the district adoptions' lines, the people's writings and 出彩 points, the
    # counts per unit, the warnings of unscored adoptions. Each is a function of the window's
    # tables alone (polars releases the GIL, and many of its steps use one core): the results
    # are those of running them one after another.
    with ThreadPoolExecutor(max_workers=1) as side:
        # 二（二）2（2） — districts' adoptions
        district_lines_f = side.submit(district.forwarded_adoptions, a_in, rules)
        people_f = side.submit(people_counts, items_in, a_in)
        # 二（二）1 — departments
        dep = adoption.shared_items(
            a_in.select(adoption.DEPARTMENT_COLUMNS), p.shares, pl.col("kind") == "department"
        )
        level_counts = department.level_counts(a_in, units)
        counts_f = side.submit(
            count_table, items_in, a_in, awards_in, p.ledger, units, w, level_counts
        )
        count_tasks = department.count_tasks(level_counts, units, rules)
        research = department.research_counts(items_in, units)
        # 二（二）2 — districts
        submitted = district.submission_counts(items_in, units)
        adoption_lines = [
            adoption.adoption_points(dep, rules),
            adoption.instruction_bonus(dep, rules),
        ]
        district_lines = district_lines_f.result()
        unscored_f = side.submit(
            unscored_adoption_warnings, a_in, [*adoption_lines, *district_lines], rules
        )
        parts = [
            *adoption_lines,
            department.unadopted(items_in, a_in, units, rules),
            department.awards(awards_in, p.shares, rules),
            department.count_task_extras(count_tasks, w, rules),
            department.count_task_shortfall(count_tasks, w, rules),
            department.missed_commissions(missed, rules),
            department.research_article(research, w, rules),
            *district_lines,
            district.submission_task(submitted, w, rules),
            district.district_commissions(missed, rules),
        ]
        lines = pl.concat([_with_step_codes(part) for part in parts])
        # the parts live on in `lines` until it is sorted; the department adoptions with their
        # shares are not needed again: freed here, a large ledger's peak memory is lower
        del parts, adoption_lines, district_lines, dep
        # the people's table sums the lines' integer points per item (no order needed): made
        # in the second thread while the lines are sorted
        people_f = side.submit(
            people_tables, p.ledger, items_in, a_in, lines, w, rules, people_f.result()
        )
        totals = lines.group_by("unit").agg(pl.col("points_u").sum().alias("total_u"))
        # sorted by one integer key; the columns that only make the key are not carried along
        order = lines.select(_line_order(lines, units, rules).arg_sort()).to_series()
        lines = lines.drop("ck", "tie", "_sk")[order]

        # 四 — what the totals lead to
        counts = counts_f.result()
        unit_scores = unit_outcomes(totals, units, count_tasks, research, counts, rules)
        tasks = tasks_table(count_tasks, research, submitted, units, w, rules)
        people, monthly = people_f.result()
        unscored = unscored_f.result()

    problems = pl.concat(
        [p.ledger.problems, p.warnings, _district_award_warnings(awards_in), unscored]
    )
    out_lines = lines.with_columns((pl.col("points_u") / SCALE).alias("points")).select(
        SCORE_LINE_COLUMNS
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


def score(ledger: Ledger, rules: Rules, as_of: date | None = None) -> Scores:
    """Score a ledger under the rules, for the whole year or up to `as_of` (year-to-date).

    A year-to-date view counts the events up to `as_of` and leaves the annual-only clauses
    (count tasks, research article, district submission task) to the `tasks` table as gaps and
    pace. Raises LedgerError if the ledger has errors.
    """
    return _score(_prepare(ledger, rules), as_of)


def score_many(ledger: Ledger, rules: Rules, as_of_dates: Iterable[date | None]) -> list[Scores]:
    """`score` for several as-of dates (None: the whole year), in the order given, reading and
    valuing the ledger once: each result equals `score(ledger, rules, as_of)` for its date.

    For a run that shows several views of one ledger (the quarter ends and the year of
    `kaohe report`), this is one engine call instead of one per date.
    """
    p = _prepare(ledger, rules)
    return [_score(p, d) for d in as_of_dates]


def unit_counts(
    ledger: Ledger, rules: Rules, start: date | None = None, end: date | None = None
) -> pl.DataFrame:
    """Per roster unit, what happened between start and end (default: the period).

    Submissions by kind, items adopted, adoptions by level, distinct items at each count-task
    level (and suggestion-type), instructions, awards, commissions and those missed.
    """
    w = Window(start or rules.period.start, end or rules.period.end, True, None)
    units = unit_table(rules)
    items = items_with_units(ledger, rules)
    items_in = items.filter(in_window("submitted", w))
    adoptions, _ = adoption.valued_adoptions(ledger, rules, items, coded=True)
    a_in = adoptions.filter(in_window("adopted", w))
    awards_in = ledger.awards.filter(in_window("awarded", w)).join(
        items.select("item_id", "unit"), on="item_id"
    )
    level_counts = department.level_counts(a_in, units)
    return count_table(items_in, a_in, awards_in, ledger, units, w, level_counts)
