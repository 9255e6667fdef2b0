"""Interactive exploration of a year's ledger: what notebooks/explore.ipynb shows.

Staff ask "how is my unit doing this month, which publications take our items, who writes for
us, how did we compare last quarter?". Every number the notebook shows is computed here, on the
ledger and the engine's score ledger (polars, vectorised); the notebook only calls these
functions, one or two calls a cell, and holds no rule.

Views must also work without a kernel (the notebook is rendered to offline HTML like the
reports), so the choice of a unit, a person, a publication or a group is made with controls
that live in the page itself:

- figures carry every unit's (person's, publication's …) traces and a plotly dropdown menu that
  switches between them; the notebook's parameters choose the one shown first;
- tables are plain escaped HTML with a small inline script that adds a search box, a filter
  menu and click-to-sort headers (without JavaScript they are still complete tables);
- in a live JupyterLab session `controls()` adds ipywidgets to re-focus every view; it
  returns nothing elsewhere (papermill, the HTML export), where widgets cannot work;
- the page stays small on a large ledger: a table longer than GRID_ROWS lists the chosen
  unit's rows (`for_page`), the person menu past PERSON_OPTIONS people the chosen unit's, each
  with a note saying what is left out and where to find it; the delay boxes carry five numbers
  per box and their outliers, not every adoption. A normal year is shown whole.

A year-to-date total here means what it means in the quarterly notification
(`views.ytd_totals`): every score line except the clauses judged on the whole year.

`python -m kaohe.present.explore kernel` installs the project kernel for JupyterLab (`make lab`);
`python -m kaohe.present.explore html` renders the notebook to offline HTML.
"""

from __future__ import annotations

import argparse
import calendar
import contextlib
import json
import os
import sys
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl

from kaohe.engine import Scores, score, unit_counts
from kaohe.ledger.model import Ledger
from kaohe.ledger.names import Names, nearest
from kaohe.ledger.names import person as person_key
from kaohe.present import views
from kaohe.present.render import NOWRAP_CHARS, Html, esc, fmt_value
from kaohe.present.views import Column, Table
from kaohe.rules.models import SCALE, Rules
from kaohe.rules.periods import ReportDataError, elapsed_share, months_between, year_label

if TYPE_CHECKING:
    import plotly.graph_objects as go

    from kaohe.publish import ReportFiles

LEVELS = views.LEVELS
# Score-line steps that belong to one item (the others belong to a commission or the year).
ITEM_STEPS = (
    "adoption",
    "instruction",
    "award",
    "unadopted",
    "district_adoption",
    "district_instruction",
)
ADOPTION_STEPS = ("adoption", "instruction", "district_adoption", "district_instruction")
KERNEL_NAME = "kaohe"
KERNEL_DISPLAY_NAME = "kaohe（项目环境）"
NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "explore.ipynb"
STATUS_LABELS = {"adopted": "已录用", "submitted": "已报送，未录用", "missing": "未报送"}
# The most rows one table lists on the page (a display limit, not a rule of the assessment):
# a longer table keeps the chosen unit's rows (`for_page`). A normal year never reaches it.
GRID_ROWS = 2000
# The most people the person chart's menu offers (each brings three traces of every month;
# a longer menu is no use to a reader); past it, the chosen unit's people.
PERSON_OPTIONS = 200


# ---- what is explored ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Explorer:
    """A ledger scored up to a day, and the unit and person the views open on."""

    ctx: views.Context
    scores: Scores  # up to `as_of` (the whole year when as_of is None)
    unit: str  # canonical unit name
    person: str | None  # a person's name (whitespace removed), or None
    # year-to-date totals at earlier days (views.ytd_totals), kept rather than whole Scores:
    # a month's score lines of a million-item ledger are 1.6 M rows
    _history: dict[date, pl.DataFrame] = field(default_factory=dict, repr=False, compare=False)

    @property
    def rules(self) -> Rules:
        return self.ctx.rules

    @property
    def ledger(self) -> Ledger:
        return self.ctx.ledger

    @property
    def start(self) -> date:
        return self.scores.start

    @property
    def end(self) -> date:
        """The last day counted: `as_of`, or the end of the assessment year."""
        return self.scores.end

    @property
    def group(self) -> str:
        return self.rules.unit_group(self.unit).name

    @property
    def group_label(self) -> str:
        """'B类', or '区县' for a district."""
        g = self.rules.unit_group(self.unit)
        return f"{g.name}类" if g.kind == "department" else g.name

    def ytd_at(self, day: date) -> pl.DataFrame:
        """`views.ytd_totals` of the engine's scores up to `day` (at most `end`), scored once
        per day."""
        day = min(day, self.end)
        if day == self.end:
            return views.ytd_totals(self.scores, self.rules)
        if day not in self._history:
            scores = score(self.ledger, self.rules, as_of=day)
            self._history[day] = views.ytd_totals(scores, self.rules)
        return self._history[day]

    @cached_property
    def adoptions(self) -> pl.DataFrame:
        """Valued adoptions (one per item and publication) dated up to `end`."""
        a = self.ctx.valued
        return a.filter(pl.col("adopted").is_between(self.start, self.end))

    @cached_property
    def items(self) -> pl.DataFrame:
        """Items submitted up to `end`, in the period."""
        return self.ledger.items.filter(pl.col("submitted").is_between(self.start, self.end))


def parse_day(value: str | date | None) -> date | None:
    """'2022-08-31', a date, or blank/None (the whole year)."""
    if value is None or isinstance(value, date):
        return value
    text = str(value).strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ReportDataError(
            f"截至日期 {value!r} 格式不对：请写成 YYYY-MM-DD，如 2022-08-31，或留空表示全年"
        ) from None


def resolve_unit(text: str | None, rules: Rules) -> str:
    """A unit's canonical name from its name or alias; blank: the first unit of the roster."""
    if text is None or not str(text).strip():
        return rules.units.roster[0].name
    names = Names.from_rules(rules)
    found = names.units.resolve(str(text))
    if found is None:
        raise ReportDataError(
            f"没有名为“{text}”的单位，最接近的是“{names.units.nearest(str(text))}”"
        )
    return found


def resolve_person(text: str | None, unit: str, people: pl.DataFrame) -> str | None:
    """A person's name as the score ledger writes it (inner spaces removed).

    Blank: the unit's information officer, else its writer with the most item points, else
    None. A name nobody in the ledger carries is an error naming the nearest name.
    """
    name = person_key(text) if text is not None else None
    if name is None:
        own = people.filter(pl.col("unit") == unit).sort(
            [pl.col("role") == "信息员", "item_points", "items_first_written", "name"],
            descending=[True, True, True, False],
        )
        return own["name"][0] if own.height else None
    if name not in set(people["name"].to_list()):
        near = nearest(name, people["name"].to_list())
        hint = f"，最接近的是“{near}”" if near else ""
        raise ReportDataError(f"台账中没有名为“{text}”的人员{hint}")
    return name


def focus(
    ctx: views.Context,
    unit: str | None = None,
    person: str | None = None,
    as_of: str | date | None = None,
) -> Explorer:
    """Score a ledger already read up to `as_of` and open the views on `unit` and `person`."""
    day = parse_day(as_of)
    p = ctx.rules.period
    if day is not None and day < p.start:
        raise ReportDataError(f"截至日期 {day} 早于考核周期开始日 {p.start}")
    if day is not None and day >= p.end:
        day = None
    name = resolve_unit(unit, ctx.rules)
    scores = score(ctx.ledger, ctx.rules, as_of=day)
    who = resolve_person(person, name, scores.people)
    return Explorer(ctx, scores, name, who)


def load(
    ledger: str | Path,
    rules: str | Path | None = None,
    unit: str | None = None,
    person: str | None = None,
    as_of: str | date | None = None,
) -> Explorer:
    """Read the ledger and the rules (a ledger with errors stops here, naming them), score up
    to `as_of` (blank: the whole year), and open the views on `unit` and `person`."""
    ctx = views.load_context(ledger, rules or None)
    return focus(ctx, unit, person, as_of)


def retarget(
    x: Explorer,
    unit: str | None = None,
    person: str | None = None,
    as_of: str | date | None = None,
) -> Explorer:
    """The same ledger opened on another unit, person or day (scores reused where they can be).

    Unit or day None: keep them; person None: keep it if the unit is the same, else the new
    unit's default person.
    """
    name = resolve_unit(unit, x.rules) if unit else x.unit
    day = parse_day(as_of) if as_of is not None else x.scores.as_of
    if day is not None and day >= x.rules.period.end:
        day = None
    if day != x.scores.as_of:
        y = focus(x.ctx, name, person, day)
        return replace(y, _history=x._history)
    if person is None and name == x.unit:
        who = x.person
    else:
        who = resolve_person(person, name, x.scores.people)
    return replace(x, unit=name, person=who)


# ---- small helpers -------------------------------------------------------------------------------


def month_label(month: str) -> str:
    """'2022-03' → '2022年3月'."""
    return f"{month[:4]}年{int(month[5:])}月"


def month_ends(rules: Rules, end: date) -> list[tuple[str, date]]:
    """The months of the period up to `end`, each with its last counted day."""
    out = []
    for m in months_between(rules.period.start, end):
        y, mo = int(m[:4]), int(m[5:])
        last = date(y, mo, calendar.monthrange(y, mo)[1])
        out.append((m, min(last, end)))
    return out


def _units(rules: Rules) -> pl.DataFrame:
    return views.units_frame(rules).select("unit", "group", "kind", "base", "order", "group_order")


def group_label(rules: Rules) -> pl.Expr:
    """'A类' for a department group, the group's own name ('区县') for districts."""
    labels = {
        g.name: f"{g.name}类" if g.kind == "department" else g.name for g in rules.groups.list
    }
    return pl.col("group").replace_strict(labels, return_dtype=pl.String).alias("group_label")


def _level_order() -> dict[str, int]:
    return {lv: i for i, lv in enumerate(LEVELS)}


def _publication_name() -> pl.Expr:
    return pl.format("{}{}", pl.col("pub_agency"), pl.col("pub_title"))


def for_page(table: Table, x: Explorer, where: str, limit: int | None = None) -> Table:
    """A table as the page lists it. Up to `limit` rows (default GRID_ROWS, a display limit,
    not a rule of the assessment) it is unchanged. A longer one keeps, when it has a unit
    column, only the chosen unit's rows, else its first rows; in both cases at most `limit`,
    and a note before the table's own says how many of how many are listed and `where` the
    rest are. The page of a large ledger stays small; a normal year's tables are whole."""
    limit = GRID_ROWS if limit is None else limit
    df = table.frame
    if df.height <= limit:
        return table
    if "unit" in df.columns:
        own = df.filter(pl.col("unit") == x.unit)
        what = f"默认单位“{x.unit}”的" + (
            f"前{limit}行（该单位共{own.height}行）" if own.height > limit else f"{own.height}行"
        )
    else:
        own = df
        what = f"前{limit}行"
    cut = f"本表共{df.height}行，超过本页上限{limit}行，只列出{what}；{where}。"
    return replace(table, frame=own.head(limit), note=cut + (table.note or ""), empty=cut)


def _months_frame(x: Explorer) -> pl.DataFrame:
    return pl.DataFrame(
        {"month": months_between(x.start, x.end)}, schema={"month": pl.String}
    ).with_columns(pl.col("month").map_elements(month_label, return_dtype=pl.String).alias("label"))


# ---- the unit's score, month by month ------------------------------------------------------------


def monthly_scores(x: Explorer) -> pl.DataFrame:
    """Per unit and month up to `end`: the year-to-date total at the month's last counted day,
    the month's own gain (the difference of two year-to-date totals: an item adopted this month
    gains its adoption points and loses its unadopted point), the base and the pace (base × the
    share of the year elapsed).

    Columns: unit, group, kind, order, group_order, month, label, day, points, total, base,
    expected, completion.
    """
    parts = []
    for month, day in month_ends(x.rules, x.end):
        t = x.ytd_at(day)
        parts.append(
            t.select(
                "unit", "group", "kind", "order", "group_order", "base", "base_u", "ytd_u"
            ).with_columns(
                pl.lit(month).alias("month"),
                pl.lit(day).alias("day"),
                pl.lit(elapsed_share(x.rules, day)).alias("pace"),
            )
        )
    df = pl.concat(parts).sort("order", "month")
    return df.select(
        "unit",
        "group",
        "kind",
        "order",
        "group_order",
        "month",
        pl.col("month").map_elements(month_label, return_dtype=pl.String).alias("label"),
        "day",
        ((pl.col("ytd_u") - pl.col("ytd_u").shift(1, fill_value=0).over("unit")) / SCALE).alias(
            "points"
        ),
        (pl.col("ytd_u") / SCALE).alias("total"),
        "base",
        (pl.col("base") * pl.col("pace")).alias("expected"),
        (pl.col("ytd_u") / pl.col("base_u")).alias("completion"),
    )


def unit_summary(x: Explorer, unit: str | None = None) -> dict[str, Any]:
    """The key figures of a unit up to `end`: totals, completion, pace, rank in its group,
    submissions and adoptions, and the tasks still open."""
    name = unit or x.unit
    p = views.progress(x.scores, x.rules)
    me = p.filter(pl.col("unit") == name).row(0, named=True)
    ranked = p.filter(pl.col("group") == me["group"]).with_columns(
        pl.col("completion").rank("min", descending=True).cast(pl.Int64).alias("rank")
    )
    rank = ranked.filter(pl.col("unit") == name)["rank"][0]
    final = x.scores.unit_scores.filter(pl.col("unit") == name).row(0, named=True)
    counts = x.scores.unit_counts.filter(pl.col("unit") == name).row(0, named=True)
    tasks = x.scores.tasks.filter((pl.col("unit") == name) & (pl.col("gap") > 0))
    return {
        "unit": name,
        "group": me["group"],
        "kind": me["kind"],
        "annual": x.scores.annual,
        "end": x.end,
        "base": me["base"],
        "ytd_total": me["total"],
        "total": final["total"],
        "completion_rate": final["completion_rate"],
        "expected": me["expected"],
        "completion": me["completion"],
        "pace": me["pace"],
        "rank": int(rank),
        "group_size": ranked.height,
        "submitted": counts["submitted"],
        "adoptions": counts["adoptions"],
        "adopted_items": counts["adopted_items"],
        "instructions": counts["instructions"],
        "open_tasks": [f"{r['label']}差{r['gap']}篇" for r in tasks.iter_rows(named=True)],
    }


def tasks_table(x: Explorer) -> Table:
    """Every unit's count tasks at `end`: required, achieved, gap, pace, points at stake."""
    df = x.scores.tasks.join(_units(x.rules).select("unit", "group"), on="unit").with_columns(
        pl.when(pl.col("on_pace")).then(pl.lit("是")).otherwise(pl.lit("否")).alias("pace_label"),
        (pl.col("gap") > 0).alias("_open"),
    )
    return Table(
        "基本任务",
        f"各单位基本任务完成情况（截至{x.end.isoformat()}）",
        df,
        (
            Column("unit", "单位"),
            Column("label", "任务"),
            Column("required", "全年要求", "int"),
            Column("achieved", "已完成", "int"),
            Column("gap", "差额", "int"),
            Column("expected_by_now", "按进度应完成", "pts"),
            Column("pace_label", "达到进度"),
            Column("points_at_stake", "年底未完成将扣分", "pts"),
        ),
        note="处室、单位：市级、省级及以上录用信息篇数（其中建议问题类）和调研文章；"
        "区县：全年报送篇数。尚有差额的行以底色标出。",
        empty="没有基本任务。",
        highlight="_open",
    )


def problems_table(x: Explorer, limit: int | None = None) -> Table:
    """The problems the reader and the engine found (errors stop scoring; warnings listed);
    on a large ledger the first `limit` (default GRID_ROWS)."""
    return for_page(
        views.problems_table(x.scores),
        x,
        "完整清单见 kaohe score 输出的 problems.csv，或运行 kaohe validate 台账",
        limit,
    )


# ---- items, adoptions, publications --------------------------------------------------------------


def unit_items(x: Explorer) -> pl.DataFrame:
    """One row per unit and item it leads or shares (submitted in the period up to `end`, or
    with points up to `end`): the item, its adoptions, and the points the unit has from it (the
    sum of its score lines for the item).

    Columns: unit, group, order, item_id, title, kind_label, submitted, first_writer, writers,
    role, share, adoptions, publications, level, level_label, instructions, awards, points,
    days_to_adoption.
    """
    rules = x.rules
    lo = _level_order()
    labels = dict(rules.levels.labels)
    a = x.adoptions.sort("adopted", "publication_id")
    per_item = a.group_by("item_id").agg(
        pl.len().cast(pl.Int64).alias("adoptions"),
        pl.col("instruction").sum().cast(pl.Int64).alias("instructions"),
        pl.col("adopted").min().alias("first_adopted"),
        pl.col("level").replace_strict(lo, return_dtype=pl.Int64).min().alias("_lv"),
        pl.format(
            "{}（{}{}）",
            _publication_name(),
            pl.col("adopted").dt.strftime("%Y-%m-%d"),
            pl.when(pl.col("instruction")).then(pl.lit("，批示")).otherwise(pl.lit("")),
        )
        .str.join("；")
        .alias("publications"),
    )
    awards = (
        x.ledger.awards.filter(pl.col("awarded").is_between(x.start, x.end))
        .group_by("item_id")
        .agg(pl.len().cast(pl.Int64).alias("awards"))
    )
    lines = (
        x.scores.score_lines.filter(pl.col("step").is_in(ITEM_STEPS))
        .group_by("unit", "item_id")
        .agg(pl.col("points_u").sum())
    )
    inv_levels = {i: lv for lv, i in lo.items()}
    items = x.ledger.items.select(
        "item_id", "title", "submitted", "kind", "first_writer", "other_writers"
    )
    rows = (
        x.ledger.shares.select("item_id", "unit", "share", "lead")
        .join(items, on="item_id")
        .join(lines, on=["unit", "item_id"], how="left")
        .filter(pl.col("submitted").is_between(x.start, x.end) | pl.col("points_u").is_not_null())
        .join(per_item, on="item_id", how="left")
        .join(awards, on="item_id", how="left")
        .join(_units(rules), on="unit")
    )
    return (
        rows.with_columns(
            pl.col("kind")
            .replace_strict(rules.kind_labels, return_dtype=pl.String)
            .alias("kind_label"),
            pl.col("other_writers").list.join("、").alias("writers"),
            pl.when(pl.col("lead"))
            .then(pl.lit("牵头"))
            .otherwise(pl.format("协作{}%", pl.col("share")))
            .alias("role"),
            pl.col("adoptions", "instructions", "awards").fill_null(0),
            pl.col("_lv")
            .replace_strict(inv_levels, default=None, return_dtype=pl.String)
            .alias("level"),
            (pl.col("points_u").fill_null(0) / SCALE).alias("points"),
            (pl.col("first_adopted") - pl.col("submitted"))
            .dt.total_days()
            .alias("days_to_adoption"),
        )
        .with_columns(
            pl.col("level")
            .replace_strict(labels, default=None, return_dtype=pl.String)
            .alias("level_label"),
            pl.col("publications").fill_null(""),
        )
        .sort("order", "submitted", "item_id")
        .select(
            "unit",
            "group",
            "order",
            "item_id",
            "title",
            "kind_label",
            "submitted",
            "first_writer",
            "writers",
            "role",
            "share",
            "adoptions",
            "publications",
            "level",
            "level_label",
            "instructions",
            "awards",
            "points",
            "days_to_adoption",
        )
    )


ITEM_COLUMNS = (
    Column("unit", "单位"),
    Column("item_id", "信息编号"),
    Column("title", "标题"),
    Column("kind_label", "类别"),
    Column("submitted", "报送日期", "date"),
    Column("first_writer", "第一撰稿人"),
    Column("writers", "其他撰稿人"),
    Column("role", "牵头/协作"),
    Column("adoptions", "录用篇次", "int"),
    Column("level_label", "最高级别"),
    Column("publications", "录用刊物（日期）"),
    Column("instructions", "批示", "int"),
    Column("points", "得分", "pts"),
    Column("days_to_adoption", "报送至录用（天）", "int"),
)


def items_table(x: Explorer, limit: int | None = None) -> Table:
    """Every unit's items; on a large ledger (more than `limit` rows, default GRID_ROWS) only
    the chosen unit's, at most `limit` of them, with a note saying so."""
    table = Table(
        "信息明细",
        f"各单位信息及录用、得分明细（截至{x.end.isoformat()}）",
        unit_items(x),
        ITEM_COLUMNS,
        note="得分为该单位从这条信息得到的计分明细之和（录用分、批示加分、好信息加分、报送未录用分，"
        "协作信息按份额）；按全年判断的条款和约稿不计入单条信息。",
        empty="没有信息。",
    )
    return for_page(
        table,
        x,
        "其他单位的信息明细可用 kaohe explore --unit 单位名称 生成该单位的查询页；"
        "每条信息的计分明细见 kaohe score 输出的 score_lines.csv",
        limit,
    )


def unit_publications(x: Explorer) -> pl.DataFrame:
    """Per unit and publication: adoptions of items the unit leads or shares (up to `end`),
    instructions, and the unit's points from them.

    Points are the engine's: a department's are its adoption and instruction score lines (the
    rule path of each names the publication: publications.list.<id>…); a district's item has no
    shares and its adoption's value is the engine's valued adoption (the bureau website: 0).

    Columns: unit, group, order, level, level_label, publication, adoptions, instructions,
    points.
    """
    lo = _level_order()
    labels = dict(x.rules.levels.labels)
    a = x.adoptions
    keys = ["unit", "publication_id"]
    shares = x.ledger.shares.select("item_id", "unit")
    counts = (
        a.drop("unit")
        .join(shares, on="item_id")
        .group_by(*keys, "level", "pub_agency", "pub_title")
        .agg(
            pl.len().cast(pl.Int64).alias("adoptions"),
            pl.col("instruction").sum().cast(pl.Int64).alias("instructions"),
        )
    )
    dep = (
        x.scores.score_lines.filter(pl.col("step").is_in(["adoption", "instruction"]))
        .with_columns(
            pl.col("rule")
            .str.extract(r"^publications\.list\.(\d+)\.", 1)
            .cast(pl.Int64)
            .alias("publication_id")
        )
        .group_by(keys)
        .agg(pl.col("points_u").sum().alias("pts_u"))
    )
    dis = (
        a.filter(pl.col("kind") == "district")
        .group_by(keys)
        .agg(pl.col("value_u").sum().alias("pts_u"))
    )
    return (
        counts.join(pl.concat([dep, dis]), on=keys, how="left")
        .join(_units(x.rules), on="unit")
        .with_columns(
            _publication_name().alias("publication"),
            pl.col("level").replace_strict(labels, return_dtype=pl.String).alias("level_label"),
            pl.col("level").replace_strict(lo, return_dtype=pl.Int64).alias("_lv"),
            (pl.col("pts_u").fill_null(0) / SCALE).alias("points"),
        )
        .sort(
            ["order", "_lv", "adoptions", "publication_id"],
            descending=[False, False, True, False],
        )
        .select(
            "unit",
            "group",
            "order",
            "level",
            "level_label",
            "publication",
            "adoptions",
            "instructions",
            "points",
        )
    )


def publications_table(x: Explorer) -> Table:
    return Table(
        "刊物录用",
        f"各单位信息被各刊物录用情况（截至{x.end.isoformat()}）",
        unit_publications(x),
        (
            Column("unit", "单位"),
            Column("level_label", "级别"),
            Column("publication", "刊物"),
            Column("adoptions", "录用篇次", "int"),
            Column("instructions", "领导批示", "int"),
            Column("points", "得分", "pts"),
        ),
        note="协作信息计入每个协作单位的录用篇次，得分按份额；区县信息按转报录用计分，局网站录用不计分。",
        empty="没有录用。",
    )


# ---- people --------------------------------------------------------------------------------------


def writers(x: Explorer) -> pl.DataFrame:
    """Everyone who writes for a unit or is on its roster, up to `end`: items first-written and
    co-written, adopted items, adoption rate, 出彩 points, item points, officer rank and prize.

    Columns: the engine's `people` columns, plus order, adoption_rate, young_label.
    """
    return (
        x.scores.people.join(_units(x.rules).select("unit", "group", "order"), on="unit")
        .with_columns(
            pl.when(pl.col("items_first_written") > 0)
            .then(pl.col("adopted_items") / pl.col("items_first_written"))
            .otherwise(None)
            .alias("adoption_rate"),
            pl.when(pl.col("young")).then(pl.lit("是")).otherwise(pl.lit("")).alias("young_label"),
        )
        .sort("order", "name")
    )


WRITER_COLUMNS = (
    Column("unit", "单位"),
    Column("name", "姓名"),
    Column("role", "角色"),
    Column("young_label", "年轻干部"),
    Column("items_first_written", "第一撰稿信息", "int"),
    Column("items_cowritten", "参与撰稿信息", "int"),
    Column("adopted_items", "第一撰稿被录用", "int"),
    Column("adoption_rate", "录用率", "pct"),
    Column("adoptions_city_plus", "市级以上录用篇次", "int"),
    Column("chucai_points", "“出彩”加分", "int"),
    Column("item_points", "信息得分", "pts"),
    Column("prize", "优秀信息员"),
)


def writers_table(x: Explorer, young_only: bool = False, limit: int | None = None) -> Table:
    df = writers(x)
    if young_only:
        df = df.filter(pl.col("young"))
        table = Table(
            "年轻干部",
            f"年轻干部信息工作情况（截至{x.end.isoformat()}，{df.height}人）",
            df,
            WRITER_COLUMNS,
            note="年轻干部按人员名单（信息员表）的标注统计。",
            empty="人员名单中没有标注年轻干部。",
        )
    else:
        table = Table(
            "撰稿人",
            f"撰稿人、信息员的信息数和录用率（截至{x.end.isoformat()}）",
            df,
            WRITER_COLUMNS,
            note="录用率＝第一撰稿信息中被录用的篇数÷第一撰稿信息篇数；"
            "角色“未登记”指不在人员名单中的撰稿人。",
            empty="没有撰稿人。",
        )
    return for_page(
        table,
        x,
        "其他单位的人员可用 kaohe explore --unit 单位名称 查看；"
        "全部人员见 kaohe score 输出的 people.csv",
        limit,
    )


def person_monthly(x: Explorer) -> pl.DataFrame:
    """Per person and month up to `end`: items first-written (by submission month), of those
    the ones adopted (by the month of their first adoption), city-or-higher adoptions and
    出彩 points (the engine's people_monthly). Everyone with any of these in the period.

    Columns: unit, name, month, label, items, adopted, adoptions_city_plus, chucai_points.
    """
    items = x.items.filter(pl.col("first_writer").is_not_null())
    written = (
        items.with_columns(pl.col("submitted").dt.strftime("%Y-%m").alias("month"))
        .group_by("unit", pl.col("first_writer").alias("name"), "month")
        .agg(pl.len().cast(pl.Int64).alias("items"))
    )
    first = x.adoptions.group_by("item_id").agg(pl.col("adopted").min())
    adopted = (
        x.ledger.items.filter(pl.col("first_writer").is_not_null())
        .join(first, on="item_id")
        .with_columns(pl.col("adopted").dt.strftime("%Y-%m").alias("month"))
        .group_by("unit", pl.col("first_writer").alias("name"), "month")
        .agg(pl.len().cast(pl.Int64).alias("adopted"))
    )
    chucai = x.scores.people_monthly.select(
        "unit",
        "name",
        "month",
        pl.col("adoptions").cast(pl.Int64).alias("adoptions_city_plus"),
        pl.col("chucai_points").cast(pl.Int64),
    )
    keys = ["unit", "name", "month"]
    who = pl.concat([f.select("unit", "name") for f in (written, adopted, chucai)]).unique()
    return (
        who.join(_months_frame(x), how="cross")
        .join(written, on=keys, how="left")
        .join(adopted, on=keys, how="left")
        .join(chucai, on=keys, how="left")
        .join(_units(x.rules).select("unit", "order"), on="unit")
        .with_columns(
            pl.col("items", "adopted", "adoptions_city_plus", "chucai_points").fill_null(0)
        )
        .sort("order", "name", "month")
        .select(
            "unit",
            "name",
            *keys[2:],
            "label",
            "items",
            "adopted",
            "adoptions_city_plus",
            "chucai_points",
        )
    )


# ---- comparisons ---------------------------------------------------------------------------------


def quarter_comparison(x: Explorer) -> pl.DataFrame:
    """Per unit and quarter begun by `end` (the current one cut at `end`): submissions and
    adoptions in the quarter, the quarter's own points, the year-to-date total at its end, the
    completion of the base, and the rank within the unit's group by completion.

    Columns: unit, group, kind, order, group_order, quarter, quarter_label, start, end,
    submitted, adoptions, points, total, base, completion, pace, rank.
    """
    parts = []
    prev: pl.DataFrame | None = None
    for q in x.rules.quarters.active:
        if q.start > x.end:
            break
        end = min(q.end, x.end)
        ytd = x.ytd_at(end)
        before = (
            prev
            if prev is not None
            else ytd.select("unit", pl.lit(0, dtype=pl.Int64).alias("ytd_u"))
        )
        counts = unit_counts(x.ledger, x.rules, q.start, end).select(
            "unit", "submitted", "adoptions"
        )
        parts.append(
            ytd.join(before.select("unit", pl.col("ytd_u").alias("prev_u")), on="unit")
            .join(counts, on="unit")
            .with_columns(
                pl.lit(q.name).alias("quarter"),
                pl.lit(q.label).alias("quarter_label"),
                pl.lit(q.start).alias("start"),
                pl.lit(end).alias("end"),
                ((pl.col("ytd_u") - pl.col("prev_u")) / SCALE).alias("points"),
                (pl.col("ytd_u") / pl.col("base_u")).alias("completion"),
                pl.lit(elapsed_share(x.rules, end)).alias("pace"),
            )
        )
        prev = ytd.select("unit", "ytd_u")
    df = pl.concat(parts)
    return (
        df.with_columns(
            pl.col("completion")
            .rank("min", descending=True)
            .over("quarter", "group")
            .cast(pl.Int64)
            .alias("rank")
        )
        .sort("group_order", "order", "quarter")
        .select(
            "unit",
            "group",
            "kind",
            "order",
            "group_order",
            "quarter",
            "quarter_label",
            "start",
            "end",
            "submitted",
            "adoptions",
            "points",
            pl.col("ytd_total").alias("total"),
            "base",
            "completion",
            "pace",
            "rank",
        )
    )


def quarter_table(x: Explorer) -> Table:
    df = quarter_comparison(x).with_columns(group_label(x.rules))
    return Table(
        "分季度比较",
        "同类单位分季度比较（得分为本季度新增，完成率和排名按季末累计）",
        df,
        (
            Column("group_label", "类别"),
            Column("unit", "单位"),
            Column("quarter_label", "季度"),
            Column("submitted", "报送", "int"),
            Column("adoptions", "录用篇次", "int"),
            Column("points", "本季度得分", "pts"),
            Column("total", "累计得分", "pts"),
            Column("completion", "累计完成率", "pct"),
            Column("rank", "类内排名", "int"),
        ),
        note="累计得分不含按全年判断的条款（基本任务、调研文章、区县报送任务），与季度通报一致。",
    )


def plans_vs_actual(x: Explorer) -> pl.DataFrame:
    """Per unit and month up to `end`: items planned (附件3), plans fulfilled by an item
    submitted by `end`, items submitted that month and, of those, items adopted by `end`.

    Columns: unit, group, order, month, label, planned, fulfilled, submitted, adopted.
    """
    months = _months_frame(x)
    known = x.ledger.items.filter(pl.col("submitted") <= x.end)["item_id"].implode()
    adopted_ids = x.adoptions["item_id"].unique().implode()
    # Rows are flagged before grouping: a membership test inside the aggregation is evaluated
    # once per group against the whole list.
    plans = (
        x.ledger.plans.join(months.select("month"), on="month")
        .with_columns(pl.col("item_id").is_in(known).alias("_known"))
        .group_by("unit", "month")
        .agg(
            pl.len().cast(pl.Int64).alias("planned"),
            pl.col("_known").sum().cast(pl.Int64).alias("fulfilled"),
        )
    )
    subs = (
        x.items.with_columns(
            pl.col("submitted").dt.strftime("%Y-%m").alias("month"),
            pl.col("item_id").is_in(adopted_ids).alias("_adopted"),
        )
        .group_by("unit", "month")
        .agg(
            pl.len().cast(pl.Int64).alias("submitted"),
            pl.col("_adopted").sum().cast(pl.Int64).alias("adopted"),
        )
    )
    return (
        _units(x.rules)
        .select("unit", "group", "order")
        .join(months, how="cross")
        .join(plans, on=["unit", "month"], how="left")
        .join(subs, on=["unit", "month"], how="left")
        .with_columns(pl.col("planned", "fulfilled", "submitted", "adopted").fill_null(0))
        .sort("order", "month")
    )


def plan_rows(x: Explorer) -> pl.DataFrame:
    """Every plan row of the months up to `end`, with what became of it: 已录用 (its item was
    adopted by `end`), 已报送，未录用, or 未报送 (no item, or an item the ledger does not have by
    `end`).

    Columns: unit, order, month, seq, title, category, planned, contact, item_id, status,
    status_label, submitted, publications.
    """
    items = x.ledger.items.filter(pl.col("submitted") <= x.end).select(
        "item_id", "submitted", pl.lit(True).alias("_known")
    )
    adopted = (
        x.adoptions.sort("adopted")
        .group_by("item_id")
        .agg(_publication_name().str.join("；").alias("publications"))
    )
    months = _months_frame(x).select("month")
    return (
        x.ledger.plans.join(months, on="month")
        .join(items, on="item_id", how="left")
        .join(adopted, on="item_id", how="left")
        .join(_units(x.rules).select("unit", "order"), on="unit")
        .with_columns(
            pl.when(pl.col("publications").is_not_null())
            .then(pl.lit("adopted"))
            .when(pl.col("_known").fill_null(False))
            .then(pl.lit("submitted"))
            .otherwise(pl.lit("missing"))
            .alias("status")
        )
        .with_columns(
            pl.col("status")
            .replace_strict(STATUS_LABELS, return_dtype=pl.String)
            .alias("status_label"),
            pl.col("publications").fill_null(""),
        )
        .sort("order", "month", "seq", "row")
        .select(
            "unit",
            "order",
            "month",
            "seq",
            "title",
            "category",
            "planned",
            "contact",
            "item_id",
            "status",
            "status_label",
            "submitted",
            "publications",
        )
    )


def plans_table(x: Explorer, limit: int | None = None) -> Table:
    table = Table(
        "月度计划",
        f"月度报送计划逐条落实情况（截至{x.end.isoformat()}）",
        plan_rows(x),
        (
            Column("unit", "单位"),
            Column("month", "月份"),
            Column("seq", "序号", "int"),
            Column("title", "报送要点"),
            Column("category", "拟报送刊物"),
            Column("contact", "联系人"),
            Column("item_id", "信息编号"),
            Column("status_label", "落实情况"),
            Column("submitted", "报送日期", "date"),
            Column("publications", "录用刊物"),
        ),
        note="“未报送”：计划表未填信息编号，或所填编号在台账中（截至该日）没有对应信息。",
        empty="没有月度计划。",
    )
    return for_page(
        table, x, "其他单位的计划可用 kaohe explore --unit 单位名称 生成该单位的查询页", limit
    )


# ---- data quality --------------------------------------------------------------------------------


def items_by_month(x: Explorer) -> pl.DataFrame:
    """Items submitted per unit and month (every roster unit, every month up to `end`).

    Columns: unit, group, order, month, label, submitted.
    """
    subs = (
        x.items.with_columns(pl.col("submitted").dt.strftime("%Y-%m").alias("month"))
        .group_by("unit", "month")
        .agg(pl.len().cast(pl.Int64).alias("submitted"))
    )
    return (
        _units(x.rules)
        .select("unit", "group", "order")
        .join(_months_frame(x), how="cross")
        .join(subs, on=["unit", "month"], how="left")
        .with_columns(pl.col("submitted").fill_null(0))
        .sort("order", "month")
    )


def adoption_delays(x: Explorer) -> pl.DataFrame:
    """Every adoption up to `end` with the days from the item's submission to its adoption.

    Columns: unit, order, item_id, level, level_label, publication, submitted, adopted, days.
    """
    labels = dict(x.rules.levels.labels)
    return (
        x.adoptions.join(_units(x.rules).select("unit", "order"), on="unit")
        .with_columns(
            _publication_name().alias("publication"),
            pl.col("level").replace_strict(labels, return_dtype=pl.String).alias("level_label"),
            (pl.col("adopted") - pl.col("submitted")).dt.total_days().alias("days"),
        )
        .sort("order", "adopted", "item_id", "publication_id")
        .select(
            "unit",
            "order",
            "item_id",
            "level",
            "level_label",
            "publication",
            "submitted",
            "adopted",
            "days",
        )
    )


def delay_summary(x: Explorer) -> pl.DataFrame:
    """Per unit with adoptions up to `end`: adoptions, items adopted, and the days from
    submission to adoption (median, mean, longest).

    Columns: unit, group, order, adoptions, items, median_days, mean_days, max_days.
    """
    return (
        adoption_delays(x)
        .group_by("unit")
        .agg(
            pl.len().cast(pl.Int64).alias("adoptions"),
            pl.col("item_id").n_unique().cast(pl.Int64).alias("items"),
            pl.col("days").median().alias("median_days"),
            pl.col("days").mean().alias("mean_days"),
            pl.col("days").max().cast(pl.Int64).alias("max_days"),
        )
        .join(_units(x.rules).select("unit", "group", "order"), on="unit")
        .sort("order")
        .select(
            "unit", "group", "order", "adoptions", "items", "median_days", "mean_days", "max_days"
        )
    )


def delay_table(x: Explorer) -> Table:
    return Table(
        "录用时长",
        "各单位信息从报送到录用的天数",
        delay_summary(x).with_columns(group_label(x.rules)),
        (
            Column("unit", "单位"),
            Column("group_label", "类别"),
            Column("adoptions", "录用篇次", "int"),
            Column("items", "录用信息", "int"),
            Column("median_days", "中位数（天）", "pts"),
            Column("mean_days", "平均（天）", "pts"),
            Column("max_days", "最长（天）", "int"),
        ),
        note="按每次录用计：录用日期减报送日期。",
        empty="没有录用。",
    )


def writer_gaps(x: Explorer) -> pl.DataFrame:
    """Per roster unit, up to `end`: items submitted, of those without a first writer, and the
    writers named on its items who are not on the people roster (信息员 sheet).

    Columns: unit, group, order, items, no_writer, no_writer_share, unregistered,
    unregistered_names.
    """
    items = x.items
    counts = items.group_by("unit").agg(
        pl.len().cast(pl.Int64).alias("items"),
        pl.col("first_writer").is_null().sum().cast(pl.Int64).alias("no_writer"),
    )
    named = pl.concat(
        [
            items.select("unit", pl.col("first_writer").alias("name")),
            items.select("unit", pl.col("other_writers").alias("name")).explode("name"),
        ]
    ).filter(pl.col("name").is_not_null() & (pl.col("name") != ""))
    roster = x.ledger.people.select("unit", "name")
    unregistered = (
        named.unique()
        .join(roster, on=["unit", "name"], how="anti")
        .sort("name")
        .group_by("unit")
        .agg(
            pl.len().cast(pl.Int64).alias("unregistered"),
            pl.col("name").str.join("、").alias("unregistered_names"),
        )
    )
    if x.ledger.people.height == 0:  # no roster at all: nobody can be "not on it"
        unregistered = unregistered.clear()
    return (
        _units(x.rules)
        .select("unit", "group", "order")
        .join(counts, on="unit", how="left")
        .join(unregistered, on="unit", how="left")
        .with_columns(
            pl.col("items", "no_writer", "unregistered").fill_null(0),
            pl.col("unregistered_names").fill_null(""),
        )
        .with_columns(
            pl.when(pl.col("items") > 0)
            .then(pl.col("no_writer") / pl.col("items"))
            .otherwise(None)
            .alias("no_writer_share")
        )
        .sort("order")
        .select(
            "unit",
            "group",
            "order",
            "items",
            "no_writer",
            "no_writer_share",
            "unregistered",
            "unregistered_names",
        )
    )


def writer_gaps_table(x: Explorer) -> Table:
    df = writer_gaps(x).with_columns(
        group_label(x.rules),
        ((pl.col("no_writer") > 0) | (pl.col("unregistered") > 0)).alias("_mark"),
    )
    return Table(
        "撰稿人缺失",
        "缺少撰稿人的信息，及不在人员名单中的撰稿人",
        df,
        (
            Column("unit", "单位"),
            Column("group_label", "类别"),
            Column("items", "报送信息", "int"),
            Column("no_writer", "未填第一撰稿人", "int"),
            Column("no_writer_share", "占比", "pct"),
            Column("unregistered", "未登记撰稿人", "int"),
            Column("unregistered_names", "未登记撰稿人姓名"),
        ),
        note="未填第一撰稿人的信息不计入任何人的信息数和“出彩”加分；未登记的撰稿人请补入信息员表。",
        highlight="_mark",
    )


def ledger_overview(x: Explorer) -> pl.DataFrame:
    """Per sheet of the ledger: rows read, rows in the clean table, errors and warnings found.

    Columns: sheet, rows_read, rows, errors, warnings.
    """
    led = x.ledger
    tables = {
        "报送": led.items,
        "录用": led.adoptions,
        "好信息": led.awards,
        "约稿": led.commissions,
        "月度计划": led.plans,
        "信息员": led.people,
    }
    probs = x.scores.problems.group_by("sheet").agg(
        (pl.col("severity") == "error").sum().cast(pl.Int64).alias("errors"),
        (pl.col("severity") == "warning").sum().cast(pl.Int64).alias("warnings"),
    )
    base = pl.DataFrame(
        {
            "sheet": list(tables),
            "rows_read": [int(led.rows_read.get(s, t.height)) for s, t in tables.items()],
            "rows": [t.height for t in tables.values()],
        },
        schema={"sheet": pl.String, "rows_read": pl.Int64, "rows": pl.Int64},
    )
    return base.join(probs, on="sheet", how="left").with_columns(
        pl.col("errors", "warnings").fill_null(0)
    )


def overview_table(x: Explorer) -> Table:
    return Table(
        "台账概况",
        f"台账概况：{x.ctx.ledger_path}",
        ledger_overview(x),
        (
            Column("sheet", "工作表"),
            Column("rows_read", "读入行数", "int"),
            Column("rows", "有效行数", "int"),
            Column("errors", "错误", "int"),
            Column("warnings", "警告", "int"),
        ),
        note="有效行数为核对后参与计分的行；重复录用等只计一次的行以警告列出。",
    )


# ---- page text -----------------------------------------------------------------------------------


def header(x: Explorer, issued: date | None = None) -> Html:
    """The page head: what was read and scored, up to which day, and the unit shown first."""
    from kaohe.present.render import fingerprints, issue_row  # the page is dated by the ledger

    ctx = x.ctx
    rows = [
        ("台账", ctx.ledger_path),
        ("台账指纹（sha256）", ctx.ledger_sha256),
        ("规则文件", f"{ctx.rules_path}（{ctx.rules.meta.title}）"),
        ("规则指纹（sha256）", ctx.rules_sha256),
        ("数据截至", x.end.isoformat() + ("（全年）" if x.scores.annual else "（年度累计）")),
        ("默认单位", x.unit),
        ("默认人员", x.person or "—"),
        issue_row(ctx.ledger, issued),
    ]
    meta = "".join(
        f"<tr><th>{esc(k)}</th><td><code>{esc(v)}</code></td></tr>"
        if "sha256" in k
        else f"<tr><th>{esc(k)}</th><td>{esc(v)}</td></tr>"
        for k, v in rows
    )
    body = (
        '<header class="kh-header">'
        f'<p class="kh-issuer">{esc(ctx.rules.meta.source)}</p>'
        "<h1>党委、政务信息工作查询</h1>"
        f'<p class="kh-subtitle">{esc(year_label(x.rules))}　{esc(x.unit)}</p>'
        f'<table class="kh-meta">{meta}</table>'
        "</header>"
        '<p class="kh-note">使用说明：各图右上角的下拉菜单可切换单位、人员、刊物或类别；'
        "表格上方可输入关键字搜索、按单位筛选，点击表头排序。"
        "在 JupyterLab 中运行本笔记本时，还可用顶部的控件重新选择单位、人员和截至月份。</p>"
    )
    return Html(body, "标题", fingerprints(ctx))


def unit_card(x: Explorer, unit: str | None = None) -> Html:
    """The unit's key figures as a short escaped paragraph list."""
    s = unit_summary(x, unit)
    kind = "区县" if s["kind"] == "district" else f"{s['group']}类"
    lines = [
        f"{s['unit']}（{kind}，基本任务分{_num(s['base'])}分）：截至{s['end'].isoformat()}，"
        f"累计得分{_num(s['ytd_total'])}分，完成基本任务分的{s['completion']:.1%}；"
        f"按时间进度（{s['pace']:.0%}）应得{_num(s['expected'])}分，"
        + ("已达到进度" if s["ytd_total"] >= s["expected"] - 1e-9 else "落后于进度")
        + f"；按累计完成率在同类{s['group_size']}个单位中排第{s['rank']}名。",
        f"报送信息{s['submitted']}篇，被录用{s['adoptions']}篇次（涉及信息{s['adopted_items']}篇），"
        f"获领导批示{s['instructions']}篇次。",
    ]
    if s["annual"]:
        lines.append(
            f"全年总得分（含基本任务、调研文章等按全年判断的条款）{_num(s['total'])}分，"
            f"完成率{s['completion_rate']:.2%}。"
        )
    if s["open_tasks"]:
        lines.append("尚未完成的任务：" + "、".join(s["open_tasks"]) + "。")
    body = '<div class="kh-text">' + "".join(f"<p>{esc(t)}</p>" for t in lines) + "</div>"
    return Html(body, "要点")


def _num(value: float) -> str:
    return fmt_value(value, "pts")


# ---- searchable, sortable tables -----------------------------------------------------------------

_GRID_CSS = """<style>
.kh-grid { margin: 14px 0 24px; }
.kh-grid h3 { font-size: 16px; margin: 0 0 6px; }
.kh-grid-bar { display: flex; gap: 10px; align-items: center; margin: 4px 0 6px; flex-wrap: wrap;
  font-size: 13px; }
.kh-grid-bar input, .kh-grid-bar select { font: inherit; padding: 2px 6px;
  border: 1px solid #aab7b8; border-radius: 3px; }
.kh-grid-bar input { min-width: 220px; }
.kh-grid-count { color: #5d6d7e; }
.kh-grid-scroll { max-height: 560px; overflow: auto; border: 1px solid #d5d8dc; }
.kh-grid table.kh { margin: 0; border-collapse: collapse; width: 100%; font-size: 13.5px; }
.kh-grid table.kh th, .kh-grid table.kh td { border: 1px solid #d5d8dc; padding: 4px 8px;
  vertical-align: top; text-align: left; }
.kh-grid table.kh th { background: #eaeded; font-weight: 600; text-align: center; }
.kh-grid table.kh td.num { text-align: right; font-variant-numeric: tabular-nums;
  white-space: nowrap; }
.kh-grid table.kh td.nw { white-space: nowrap; }
.kh-grid table.kh tr.kh-mark td { background: #fdf2e9; }
.kh-grid table.kh thead th { position: sticky; top: 0; z-index: 1; cursor: pointer; }
.kh-grid table.kh td.wide { min-width: 12em; }
.kh-grid th[data-dir="asc"]::after { content: " ▲"; }
.kh-grid th[data-dir="desc"]::after { content: " ▼"; }
</style>"""

# Reads everything from the table's own DOM: no data is ever written into the script.
_GRID_JS = """<script>
(function () {
  var root = document.getElementById("%(id)s");
  if (!root || root.getAttribute("data-ready")) { return; }
  root.setAttribute("data-ready", "1");
  var body = root.querySelector("tbody");
  if (!body) { return; }
  var rows = Array.prototype.slice.call(body.rows);
  var search = root.querySelector("input");
  var menu = root.querySelector("select");
  var count = root.querySelector(".kh-grid-count");
  var col = parseInt(root.getAttribute("data-filter-col") || "-1", 10);
  function apply() {
    var q = search.value.trim().toLowerCase();
    var f = menu ? menu.value : "";
    var shown = 0;
    rows.forEach(function (r) {
      var ok = (!f || r.cells[col].textContent === f) &&
        (!q || r.textContent.toLowerCase().indexOf(q) >= 0);
      r.style.display = ok ? "" : "none";
      if (ok) { shown += 1; }
    });
    count.textContent = "显示 " + shown + " / " + rows.length + " 行";
  }
  function key(cell, numeric) {
    if (!numeric) { return cell.textContent; }
    var v = parseFloat(cell.getAttribute("data-v"));
    return isNaN(v) ? -Infinity : v;
  }
  Array.prototype.forEach.call(root.querySelectorAll("thead th"), function (th, i) {
    th.addEventListener("click", function () {
      var dir = th.getAttribute("data-dir") === "asc" ? "desc" : "asc";
      Array.prototype.forEach.call(root.querySelectorAll("thead th"), function (o) {
        o.removeAttribute("data-dir");
      });
      th.setAttribute("data-dir", dir);
      var numeric = th.getAttribute("data-type") === "num";
      rows.sort(function (a, b) {
        var x = key(a.cells[i], numeric), y = key(b.cells[i], numeric);
        var c = numeric ? (x < y ? -1 : x > y ? 1 : 0) : String(x).localeCompare(String(y), "zh");
        return dir === "asc" ? c : -c;
      });
      rows.forEach(function (r) { body.appendChild(r); });
    });
  });
  search.addEventListener("input", apply);
  if (menu) {
    menu.addEventListener("change", apply);
    var chosen = root.getAttribute("data-selected");
    if (chosen !== null && Array.prototype.some.call(menu.options, function (o) {
      return o.value === chosen;
    })) { menu.value = chosen; }
  }
  apply();
})();
</script>"""


def grid(
    table: Table,
    filter_key: str | None = "unit",
    selected: str | None = None,
    filter_label: str = "单位",
) -> Html:
    """A table with a search box, a menu filtering one column (`filter_key`, first showing
    `selected`), and headers that sort on click. Every value is escaped; the script reads the
    table it belongs to and nothing else. Without JavaScript it is the complete table."""
    gid = "kh-grid-" + uuid.uuid4().hex[:12]
    df = table.frame
    cols = list(table.columns)
    keys = [c.key for c in cols]
    parts = [_GRID_CSS]
    fidx = keys.index(filter_key) if filter_key in keys else -1
    sel = f' data-selected="{esc(selected)}"' if selected is not None and fidx >= 0 else ""
    parts.append(f'<section class="kh-grid" id="{gid}" data-filter-col="{fidx}"{sel}>')
    parts.append(f"<h3>{esc(table.title)}</h3>")
    if df.height == 0:
        parts.append(f'<p class="kh-empty">{esc(table.empty)}</p></section>')
        return Html("".join(parts), "表格")
    bar = ['<div class="kh-grid-bar">', '<input type="search" placeholder="搜索（任意关键字）">']
    if fidx >= 0:
        values = df[filter_key].cast(pl.String).unique(maintain_order=True).drop_nulls()
        options = "".join(f'<option value="{esc(v)}">{esc(v)}</option>' for v in values)
        bar.append(
            f"<label>{esc(filter_label)} <select>"
            f'<option value="">全部</option>{options}</select></label>'
        )
    bar.append('<span class="kh-grid-count"></span></div>')
    parts.extend(bar)
    numeric = [c.fmt in ("int", "pts", "pct") for c in cols]
    rows = [
        [fmt_value(v, c.fmt) for v, c in zip(row, cols, strict=True)]
        for row in df.select(keys).iter_rows()
    ]
    short = [max(len(r[i]) for r in rows) <= NOWRAP_CHARS for i in range(len(cols))]
    head = "".join(
        f'<th data-type="{"num" if n else "text"}">{esc(c.header)}</th>'
        for c, n in zip(cols, numeric, strict=True)
    )
    parts.append(f'<div class="kh-grid-scroll"><table class="kh"><thead><tr>{head}</tr></thead>')
    parts.append("<tbody>")
    marks = (
        df[table.highlight].fill_null(False).to_list() if table.highlight else [False] * df.height
    )
    for raw, texts, mark in zip(df.select(keys).iter_rows(), rows, marks, strict=True):
        cells = []
        for v, text, n, nw in zip(raw, texts, numeric, short, strict=True):
            if n:
                data = "" if v is None else f"{float(v):.6g}"
                cells.append(f'<td class="num" data-v="{data}">{esc(text)}</td>')
            elif nw:
                cells.append(f'<td class="nw">{esc(text)}</td>')
            else:
                cells.append(f'<td class="wide">{esc(text)}</td>')
        cls = ' class="kh-mark"' if mark else ""
        parts.append(f"<tr{cls}>{''.join(cells)}</tr>")
    parts.append("</tbody></table></div>")
    if table.note:
        parts.append(f'<p class="kh-note">注：{esc(table.note)}</p>')
    parts.append("</section>")
    parts.append(_GRID_JS % {"id": gid})
    return Html("".join(parts), "表格")


# ---- figures -------------------------------------------------------------------------------------


def _figure(title: str, height: int) -> go.Figure:
    from kaohe.present import charts

    return charts.new_figure(title, height)


def _menu(
    fig: go.Figure,
    options: Sequence[str],
    owner: Sequence[int],
    active: int,
    titles: Sequence[str] | None = None,
    label: str = "选择",
) -> go.Figure:
    """A dropdown menu choosing which option's traces show: trace t belongs to option owner[t].
    The option `active` shows first; `titles`, if given, is each option's figure title."""
    from kaohe.present import charts

    buttons = []
    for i, name in enumerate(options):
        layout: dict[str, Any] = {}
        if titles is not None:
            layout["title.text"] = charts.text(titles[i])
        buttons.append(
            {
                "label": charts.text(name),
                "method": "update",
                "args": [{"visible": [o == i for o in owner]}, layout],
            }
        )
    for t, trace in enumerate(fig.data):
        trace.visible = owner[t] == active
    fig.update_layout(
        updatemenus=[
            {
                "buttons": buttons,
                "active": active,
                "direction": "down",
                "x": 1.0,
                "xanchor": "right",
                "y": 1.16,
                "yanchor": "bottom",
                "showactive": True,
                "bgcolor": "white",
                "bordercolor": "#aab7b8",
            }
        ],
        annotations=[
            {
                "text": charts.text(label) + "：",
                "xref": "paper",
                "yref": "paper",
                "x": 1.0,
                "y": 1.16,
                "xanchor": "right",
                "yanchor": "bottom",
                "xshift": -_menu_width(options) - 6,
                "yshift": 4,
                "showarrow": False,
                "font": {"size": 13, "color": "#5d6d7e"},
            }
        ],
        margin={"t": 120, "r": 44},
        # a vertical mode bar stays in the right margin, clear of the opened menu
        modebar={"orientation": "v"},
    )
    if titles is not None:
        fig.update_layout(title={"text": charts.text(titles[active])})
    return fig


def _menu_width(options: Sequence[str]) -> int:
    """Roughly how wide plotly draws a dropdown whose longest label is this (CJK ~13 px)."""
    longest = max((sum(13 if ord(ch) > 0x2E7F else 7 for ch in o) for o in options), default=0)
    return longest + 40


def _index(options: Sequence[str], value: str | None) -> int:
    return options.index(value) if value in options else 0


def monthly_chart(df: pl.DataFrame, x: Explorer) -> go.Figure:
    """Per unit (dropdown): the month's points (bars), the year-to-date total, the base and the
    pace (lines). df: monthly_scores(x)."""
    from kaohe.present import charts

    units = df.select("unit").unique(maintain_order=True)["unit"].to_list()
    fig = _figure("", 470)
    owner: list[int] = []
    for i, unit in enumerate(units):
        d = df.filter(pl.col("unit") == unit)
        months = d["label"].to_list()
        fig.add_bar(
            x=months,
            y=d["points"].to_list(),
            name="当月得分",
            marker_color=charts.LEVEL_COLORS["city"],
            hovertemplate="%{x}：当月%{y:.2f}分<extra></extra>",
        )
        fig.add_scatter(
            x=months,
            y=d["total"].to_list(),
            name="累计得分",
            mode="lines+markers",
            line={"color": charts.LEVEL_COLORS["central"], "width": 3},
            text=[fmt_value(v, "pts") for v in d["total"].to_list()],
            hovertemplate="%{x}：累计%{y:.2f}分<extra></extra>",
        )
        fig.add_scatter(
            x=months,
            y=d["expected"].to_list(),
            name="按时间进度应得",
            mode="lines",
            line={"color": charts.PACE_COLOR, "dash": "dash", "width": 2},
            hovertemplate="%{x}：按进度应得%{y:.1f}分<extra></extra>",
        )
        fig.add_scatter(
            x=months,
            y=d["base"].to_list(),
            name="基本任务分",
            mode="lines",
            line={"color": charts.BASE_COLOR, "width": 2},
            hovertemplate="基本任务分%{y}<extra></extra>",
        )
        owner += [i] * 4
    _menu(
        fig,
        units,
        owner,
        _index(units, x.unit),
        [f"{u}：得分逐月累计（对照基本任务分和时间进度）" for u in units],
        "选择单位",
    )
    fig.update_layout(yaxis_title="分", barmode="overlay")
    return fig


def publications_chart(df: pl.DataFrame, x: Explorer) -> go.Figure:
    """Per unit (dropdown): adoptions of its items by publication, one colour per level.
    df: unit_publications(x)."""
    from kaohe.present import charts

    units = x.rules.unit_names
    labels = dict(x.rules.levels.labels)
    n_max = max([1, *df.group_by("unit").len()["len"].to_list()])
    fig = _figure("", max(360, 26 * n_max + 200))
    owner: list[int] = []
    for i, unit in enumerate(units):
        d = df.filter(pl.col("unit") == unit).reverse()
        if d.height == 0:
            fig.add_bar(x=[], y=[], orientation="h", name="无录用", showlegend=False)
            owner.append(i)
            continue
        for lv, color in charts.LEVEL_COLORS.items():
            part = d.filter(pl.col("level") == lv)
            if part.height == 0:
                continue
            fig.add_bar(
                x=part["adoptions"].to_list(),
                y=[charts.text(p) for p in part["publication"].to_list()],
                orientation="h",
                name=charts.text(labels[lv]),
                marker_color=color,
                text=part["adoptions"].to_list(),
                textposition="outside",
                cliponaxis=False,
                customdata=part["points"].to_list(),
                hovertemplate="%{y}：%{x}篇次，得分%{customdata:.2f}<extra></extra>",
            )
            owner.append(i)
    _menu(
        fig,
        units,
        owner,
        _index(units, x.unit),
        [f"{u}：哪些刊物录用了本单位的信息" for u in units],
        "选择单位",
    )
    fig.update_layout(xaxis_title="录用篇次", yaxis={"automargin": True})
    return fig


def publication_units_chart(df: pl.DataFrame, x: Explorer) -> go.Figure:
    """Per publication (dropdown): which units' items it adopted, colour = group.
    df: unit_publications(x)."""
    from kaohe.present import charts

    colors = charts.group_colors(x.rules)
    pubs = (
        df.group_by("publication", "level")
        .agg(pl.col("adoptions").sum())
        .with_columns(pl.col("level").replace_strict(_level_order(), return_dtype=pl.Int64))
        .sort(["level", "adoptions", "publication"], descending=[False, True, False])["publication"]
        .to_list()
    )
    own = df.filter(pl.col("unit") == x.unit).sort("adoptions", descending=True)
    first = own["publication"][0] if own.height else None
    fig = _figure("", 460)
    for pub in pubs:
        d = df.filter(pl.col("publication") == pub).sort("order")
        fig.add_bar(
            x=[charts.text(u) for u in d["unit"].to_list()],
            y=d["adoptions"].to_list(),
            marker_color=[colors[g] for g in d["group"].to_list()],
            text=d["adoptions"].to_list(),
            textposition="outside",
            cliponaxis=False,
            name=charts.text(pub),
            showlegend=False,
            hovertemplate="%{x}：%{y}篇次<extra></extra>",
        )
    if not pubs:
        fig.add_annotation(
            text="没有录用", showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper"
        )
        fig.update_layout(title={"text": "各刊物录用的单位"})
        return fig
    _menu(
        fig,
        pubs,
        list(range(len(pubs))),
        _index(pubs, first),
        [f"{p}：录用了哪些单位的信息" for p in pubs],
        "选择刊物",
    )
    fig.update_layout(yaxis_title="录用篇次", xaxis={"tickangle": -35})
    return fig


def writers_chart(df: pl.DataFrame, x: Explorer) -> go.Figure:
    """Per unit (dropdown): each writer's items first-written and adopted, with the adoption
    rate. df: writers(x)."""
    from kaohe.present import charts

    units = x.rules.unit_names
    fig = _figure("", 440)
    owner: list[int] = []
    for i, unit in enumerate(units):
        d = df.filter((pl.col("unit") == unit) & (pl.col("items_first_written") > 0)).sort(
            "items_first_written", "name", descending=[True, False]
        )
        names = [
            charts.text(n) + ("★" if y else "")
            for n, y in zip(d["name"].to_list(), d["young"].to_list(), strict=True)
        ]
        rates = [fmt_value(r, "pct") for r in d["adoption_rate"].to_list()]
        fig.add_bar(
            x=names,
            y=d["items_first_written"].to_list(),
            name="第一撰稿信息",
            marker_color="#aab7b8",
            hovertemplate="%{x}：第一撰稿%{y}篇<extra></extra>",
        )
        fig.add_bar(
            x=names,
            y=d["adopted_items"].to_list(),
            name="其中被录用",
            marker_color=charts.LEVEL_COLORS["provincial"],
            text=[f"录用率{r}" for r in rates],
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{x}：被录用%{y}篇<extra></extra>",
        )
        owner += [i, i]
    _menu(
        fig,
        units,
        owner,
        _index(units, x.unit),
        [f"{u}：撰稿人的信息数和录用率（★为年轻干部）" for u in units],
        "选择单位",
    )
    fig.update_layout(barmode="group", yaxis_title="篇")
    return fig


def person_chart(df: pl.DataFrame, x: Explorer) -> go.Figure:
    """Per person (dropdown): items first-written and adopted per month, and the month's
    出彩 points. df: person_monthly(x)."""
    from kaohe.present import charts

    people = df.select("unit", "name").unique(maintain_order=True)
    cut = None
    if people.height > PERSON_OPTIONS:  # a menu of the chosen unit's people (and the person)
        mine = (pl.col("unit") == x.unit) | (pl.col("name") == (x.person or ""))
        df = df.filter(mine)
        cut = (
            f"人员共{people.height}人，超过菜单上限{PERSON_OPTIONS}人，"
            f"只列出默认单位“{x.unit}”的人员"
            + (f"和{x.person}" if x.person and df.filter(pl.col("unit") != x.unit).height else "")
            + "；其他单位的人员可用 kaohe explore --unit 单位名称 查看"
        )
        people = df.select("unit", "name").unique(maintain_order=True)
    options = [f"{n}（{u}）" for u, n in people.iter_rows()]
    chosen = people.with_row_index("i").filter(
        (pl.col("name") == (x.person or "")) & (pl.col("unit") == x.unit)
    )
    if chosen.height == 0:
        chosen = people.with_row_index("i").filter(pl.col("name") == (x.person or ""))
    active = int(chosen["i"][0]) if chosen.height else 0
    fig = _figure("", 440)
    owner: list[int] = []
    for i, (unit, name) in enumerate(people.iter_rows()):
        d = df.filter((pl.col("unit") == unit) & (pl.col("name") == name))
        months = d["label"].to_list()
        fig.add_bar(x=months, y=d["items"].to_list(), name="第一撰稿信息", marker_color="#aab7b8")
        fig.add_bar(
            x=months,
            y=d["adopted"].to_list(),
            name="其中当月被录用",
            marker_color=charts.LEVEL_COLORS["provincial"],
        )
        fig.add_scatter(
            x=months,
            y=d["chucai_points"].to_list(),
            name="“出彩”加分",
            mode="lines+markers",
            yaxis="y2",
            line={"color": charts.NEGATIVE, "width": 2},
        )
        owner += [i, i, i]
    if not options:
        fig.add_annotation(
            text="没有撰稿记录", showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper"
        )
        fig.update_layout(title={"text": "撰稿人逐月情况"})
        return fig
    _menu(
        fig,
        options,
        owner,
        active,
        [f"{o}：逐月撰稿、录用和“出彩”加分" for o in options],
        "选择人员",
    )
    fig.update_layout(
        barmode="group",
        yaxis2={
            "title": "“出彩”加分",
            "overlaying": "y",
            "side": "right",
            "showgrid": False,
            "rangemode": "tozero",
        },
        yaxis={"rangemode": "tozero", "title": "篇"},
    )
    if cut is not None:
        fig.add_annotation(
            text=charts.text(cut),
            xref="paper",
            yref="paper",
            x=0,
            y=-0.18,
            xanchor="left",
            yanchor="top",
            showarrow=False,
            font={"size": 12, "color": "#5d6d7e"},
        )
        fig.update_layout(margin={"b": 90})
    return fig


def group_chart(df: pl.DataFrame, x: Explorer) -> go.Figure:
    """Per group (dropdown): each unit's points quarter by quarter (the chosen unit's name in
    bold). df: quarter_comparison(x)."""
    from kaohe.present import charts

    groups = [g.name for g in x.rules.groups.list if g.name in set(df["group"].to_list())]
    quarters = df.select("quarter", "quarter_label").unique(maintain_order=True).sort("quarter")
    shades = ["#c6dbef", "#6baed6", "#2171b5", "#08306b", "#041c40", "#000000"]
    fig = _figure("", 480)
    owner: list[int] = []
    for i, g in enumerate(groups):
        for j, (q, ql) in enumerate(quarters.iter_rows()):
            d = df.filter((pl.col("group") == g) & (pl.col("quarter") == q)).sort("order")
            names = [
                f"<b>{charts.text(u)}</b>" if u == x.unit else charts.text(u)
                for u in d["unit"].to_list()
            ]
            fig.add_bar(
                x=names,
                y=d["points"].to_list(),
                name=charts.text(ql),
                marker_color=shades[j % len(shades)],
                customdata=list(zip(d["rank"].to_list(), d["completion"].to_list(), strict=True)),
                hovertemplate="%{x}："
                + charts.text(ql)
                + "得分%{y:.2f}，季末类内第%{customdata[0]}名，累计完成率%{customdata[1]:.1%}"
                "<extra></extra>",
            )
            owner.append(i)
    labels = [f"{g}类" if x.rules.group_by_name[g].kind == "department" else g for g in groups]
    _menu(
        fig,
        labels,
        owner,
        _index(groups, x.group),
        [f"{lab}单位分季度得分比较" for lab in labels],
        "选择类别",
    )
    fig.update_layout(barmode="group", yaxis_title="本季度得分", xaxis={"tickangle": -20})
    return fig


def plans_chart(df: pl.DataFrame, x: Explorer) -> go.Figure:
    """Per unit (dropdown, first option: all units): per month items planned, plans fulfilled,
    items submitted and of those adopted. df: plans_vs_actual(x)."""
    from kaohe.present import charts

    total = (
        df.group_by("month", "label")
        .agg(pl.col("planned", "fulfilled", "submitted", "adopted").sum())
        .sort("month")
        .with_columns(pl.lit("全部单位").alias("unit"))
    )
    units = ["全部单位", *x.rules.unit_names]
    series = (
        ("planned", "计划条数", "#d5dbdb"),
        ("fulfilled", "已按计划报送", "#aab7b8"),
        ("submitted", "实际报送", charts.LEVEL_COLORS["city"]),
        ("adopted", "其中录用", charts.LEVEL_COLORS["central"]),
    )
    fig = _figure("", 420)
    owner: list[int] = []
    for i, unit in enumerate(units):
        d = total if i == 0 else df.filter(pl.col("unit") == unit)
        for key, name, color in series:
            fig.add_bar(x=d["label"].to_list(), y=d[key].to_list(), name=name, marker_color=color)
            owner.append(i)
    _menu(
        fig,
        units,
        owner,
        _index(units, x.unit),
        [f"{u}：月度计划与实际报送、录用" for u in units],
        "选择单位",
    )
    fig.update_layout(barmode="group", yaxis_title="条（篇）")
    return fig


def items_heatmap(df: pl.DataFrame, x: Explorer) -> go.Figure:
    """Items submitted per unit (rows, roster order) and month (columns). df: items_by_month(x)."""
    from kaohe.present import charts

    units = x.rules.unit_names
    months = df.select("label").unique(maintain_order=True)["label"].to_list()
    wide = {u: df.filter(pl.col("unit") == u)["submitted"].to_list() for u in units}
    z = [wide[u] for u in reversed(units)]
    fig = _figure("各单位逐月报送信息篇数（空白格为当月未报送）", max(380, 24 * len(units) + 160))
    fig.add_heatmap(
        x=months,
        y=[charts.text(u) for u in reversed(units)],
        z=[[v if v else None for v in row] for row in z],
        text=[[str(v) if v else "" for v in row] for row in z],
        texttemplate="%{text}",
        colorscale="Blues",
        showscale=False,
        xgap=2,
        ygap=2,
        hovertemplate="%{y}，%{x}：报送%{z}篇<extra></extra>",
    )
    fig.update_layout(xaxis={"side": "top", "showgrid": False}, yaxis={"showgrid": False})
    return fig


def _interp(values: np.ndarray, p: float) -> float:
    """plotly.js's quantile of sorted values (Lib.interp: position p·n − ½, linear between)."""
    h = p * len(values) - 0.5
    if h < 0:
        return float(values[0])
    if h > len(values) - 1:
        return float(values[-1])
    lo = int(np.floor(h))
    frac = h - lo
    return float(frac * values[int(np.ceil(h))] + (1 - frac) * values[lo])


def delay_boxes(df: pl.DataFrame) -> pl.DataFrame:
    """Per level with adoptions: the box plotly would draw from every adoption's days (its
    default quartiles, whiskers to the last values within 1.5 × IQR), computed here so the
    page carries five numbers per box instead of every adoption; and the outliers, one per
    distinct number of days, with how many adoptions took that long and their publications.
    df: adoption_delays(x).

    Columns: level, n, q1, median, q3, lowerfence, upperfence, outlier_days (list),
    outlier_texts (list).
    """
    rows = []
    for lv, d in df.sort("level").group_by("level", maintain_order=True):
        days = np.sort(d["days"].to_numpy())
        q1, med, q3 = (_interp(days, p) for p in (0.25, 0.5, 0.75))
        n = len(days)
        i = int(np.searchsorted(days, q1 - 1.5 * (q3 - q1), side="left"))
        j = int(np.searchsorted(days, q3 + 1.5 * (q3 - q1), side="right")) - 1
        lf = min(q1, float(days[min(i, n - 1)]))
        uf = max(q3, float(days[max(j, 0)]))
        out = (
            d.filter((pl.col("days") < lf) | (pl.col("days") > uf))
            .group_by("days", "publication")
            .len()
            .sort(["days", "len", "publication"], descending=[False, True, False])
            .group_by("days", maintain_order=True)
            .agg(
                pl.col("len").sum().alias("n"),
                pl.col("publication").first().alias("only"),
                pl.format("{}{}次", "publication", "len").head(3).str.join("、").alias("top"),
                pl.len().alias("pubs"),
            )
            .with_columns(
                pl.when(pl.col("n") == 1)
                .then(pl.col("only"))
                .otherwise(
                    pl.format(
                        "{}次录用（{}{}）",
                        "n",
                        "top",
                        pl.when(pl.col("pubs") > 3).then(pl.lit("等")).otherwise(pl.lit("")),
                    )
                )
                .alias("text")
            )
        )
        rows.append(
            {
                "level": lv[0],
                "n": n,
                "q1": q1,
                "median": med,
                "q3": q3,
                "lowerfence": lf,
                "upperfence": uf,
                "outlier_days": out["days"].to_list(),
                "outlier_texts": out["text"].to_list(),
            }
        )
    schema = {
        "level": pl.String,
        "n": pl.Int64,
        "q1": pl.Float64,
        "median": pl.Float64,
        "q3": pl.Float64,
        "lowerfence": pl.Float64,
        "upperfence": pl.Float64,
        "outlier_days": pl.List(pl.Int64),
        "outlier_texts": pl.List(pl.String),
    }
    return pl.DataFrame(rows, schema=schema)


def delay_chart(df: pl.DataFrame, x: Explorer) -> go.Figure:
    """Days from submission to adoption, one box per level, drawn from its five numbers
    (delay_boxes) with the outliers as points. df: adoption_delays(x)."""
    from kaohe.present import charts

    labels = dict(x.rules.levels.labels)
    fig = _figure("从报送到录用的天数（按刊物级别）", 420)
    boxes = {r["level"]: r for r in delay_boxes(df).iter_rows(named=True)}
    for lv, color in charts.LEVEL_COLORS.items():
        b = boxes.get(lv)
        if b is None:
            continue
        name = charts.text(labels[lv])
        fig.add_box(
            x=[name],
            q1=[b["q1"]],
            median=[b["median"]],
            q3=[b["q3"]],
            lowerfence=[b["lowerfence"]],
            upperfence=[b["upperfence"]],
            name=name,
            marker_color=color,
            boxpoints=False,
        )
        if b["outlier_days"]:  # drawn where plotly draws a box's outliers: on its centre line
            fig.add_scatter(
                x=[name] * len(b["outlier_days"]),
                y=b["outlier_days"],
                mode="markers",
                name=name,
                marker={"color": color, "size": 6},
                text=[charts.text(t) for t in b["outlier_texts"]],
                hovertemplate="%{text}：%{y}天<extra></extra>",
            )
    if not fig.data:
        fig.add_annotation(
            text="没有录用", showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper"
        )
    fig.update_layout(yaxis_title="天", showlegend=False)
    return fig


# ---- live JupyterLab controls --------------------------------------------------------------------


def is_live() -> bool:
    """True in a kernel that a Jupyter server started for an open notebook (JupyterLab sets
    JPY_SESSION_NAME for it), where widgets have a front end; False under papermill."""
    return bool(os.environ.get("JPY_SESSION_NAME"))


def controls(x: Explorer, show: Callable[[Explorer], Sequence[Any]] | None = None) -> Any | None:
    """In live JupyterLab: menus for the unit, the person and the month the data run to, and
    below them the chosen unit's views, redrawn on every change. Elsewhere: None (nothing is
    shown; the static views below carry their own menus)."""
    if not is_live():
        return None
    import ipywidgets as w
    from IPython.display import display

    months = month_ends(x.rules, x.rules.period.end)
    month_options: list[tuple[str, date | None]] = [("全年", None)]
    month_options += [(f"截至{month_label(m)}末", d) for m, d in months[:-1]]
    people = writers(x)
    person_options = sorted(set(people["name"].to_list()))
    unit = w.Dropdown(options=x.rules.unit_names, value=x.unit, description="单位")
    person = w.Combobox(
        options=person_options, value=x.person or "", description="人员", ensure_option=False
    )
    as_of = w.Dropdown(options=month_options, value=x.scores.as_of, description="数据截至")
    if as_of.value != x.scores.as_of:  # an as_of that is not a month end
        as_of.options = [*month_options, (x.end.isoformat(), x.scores.as_of)]
        as_of.value = x.scores.as_of
    out = w.Output()
    state = {"x": x}
    views_of = show or (
        lambda y: (
            unit_card(y),
            monthly_chart(monthly_scores(y), y),
            grid(items_table(y), selected=y.unit),
        )
    )

    def redraw(_: Any = None) -> None:
        out.clear_output(wait=True)
        with out:
            try:
                day = as_of.value.isoformat() if as_of.value else ""  # "": the whole year
                y = retarget(state["x"], unit.value, person.value or "", day)
            except ReportDataError as err:
                print(err)
                return
            state["x"] = y
            for v in views_of(y):
                display(v)

    for c in (unit, as_of):
        c.observe(redraw, names="value")
    person.observe(
        lambda ch: redraw() if not ch["new"] or ch["new"] in person_options else None,
        names="value",
    )
    box = w.VBox([w.HBox([unit, person, as_of]), out])
    box.explorer = state  # type: ignore[attr-defined]  # for tests and the curious
    redraw()
    return box


# ---- the kernel for JupyterLab and the unattended HTML -------------------------------------------


def install_kernel(prefix: str | Path | None = None) -> Path:
    """Write the kernelspec the notebook names (`kaohe`) into <prefix>/share/jupyter/kernels:
    the project's own interpreter running `kaohe.kernel`, as `kaohe report` starts it.
    Default prefix: this interpreter's environment (the .venv)."""
    from kaohe.publish import kernel_argv

    root = Path(prefix) if prefix is not None else Path(sys.prefix)
    folder = root / "share" / "jupyter" / "kernels" / KERNEL_NAME
    folder.mkdir(parents=True, exist_ok=True)
    spec = {
        "argv": kernel_argv(),
        "display_name": KERNEL_DISPLAY_NAME,
        "language": "python",
        "env": {"PYDEVD_DISABLE_FILE_VALIDATION": "1"},
        "metadata": {"debugger": True},
    }
    path = folder / "kernel.json"
    path.write_text(json.dumps(spec, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return path


@contextlib.contextmanager
def _without_session() -> Iterator[None]:
    """A kernel started from inside JupyterLab inherits JPY_SESSION_NAME; the unattended run
    must not think it is live."""
    saved = os.environ.pop("JPY_SESSION_NAME", None)
    try:
        yield
    finally:
        if saved is not None:
            os.environ["JPY_SESSION_NAME"] = saved


def page_stem(year: int, unit: str | None, as_of: date | None) -> str:
    """'2022-信息工作查询', '2022-信息工作查询-人才综合处-截至2022-08-31'."""
    stem = f"{year}-信息工作查询"
    if unit:
        stem += f"-{unit}"
    if as_of:
        stem += f"-截至{as_of.isoformat()}"
    return stem.replace("/", "_")


def render_html(
    out: str | Path,
    ledger: str | Path | None = None,
    rules: str | Path | None = None,
    unit: str | None = None,
    person: str | None = None,
    as_of: str | date | None = None,
    progress: bool = False,
    notebook: Path = NOTEBOOK,
) -> ReportFiles:
    """Execute notebooks/explore.ipynb with papermill on the project kernel and publish it as
    offline HTML in <out>/<year>/ (the report path of `kaohe report`). Parameters left None keep
    the notebook's defaults."""
    from kaohe import publish as report
    from kaohe.outdir import folder_lock
    from kaohe.rules.models import DEFAULT_RULES, load_rules

    rules_path = Path(rules).resolve() if rules else None
    rl = load_rules(rules_path or DEFAULT_RULES)
    day = parse_day(as_of)
    name = resolve_unit(unit, rl) if unit else None
    params: dict[str, Any] = {}
    if ledger is not None:
        lp = Path(ledger).resolve()
        if not lp.exists():
            raise report.ReportError(f"找不到台账 {lp}：请给出 .xlsx 工作簿或 CSV 文件夹")
        params["ledger"] = str(lp)
    if rules_path is not None:
        params["rules"] = str(rules_path)
    if name is not None:
        params["unit"] = name
    if person is not None:
        params["person"] = person
    if day is not None:
        params["as_of"] = day.isoformat()
    year = rl.meta.year
    stem = page_stem(year, name, day)
    title = f"{year_label(rl)}党委、政务信息工作查询" + (f"（{name}）" if name else "")
    spec = report.ReportSpec("year", year, None, notebook, stem, title)
    out_dir = Path(os.path.abspath(Path(out) / str(year)))
    # the page and its executed notebook are published together (report.run_and_publish:
    # staged, then renamed into place; the same bytes for the same inputs), under the lock of
    # the folder; the kernel works in the notebook's folder, where its default paths point
    with folder_lock(out_dir), _without_session():
        return report.run_and_publish(
            spec, params, out_dir, notebook.parent, progress, None, "查询页", cleanup=True
        )


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m kaohe.present.explore kernel [--prefix P]` | `python -m kaohe.present.explore html …`."""
    parser = argparse.ArgumentParser(
        prog="python -m kaohe.present.explore", description="信息工作查询"
    )
    sub = parser.add_subparsers(dest="command", required=True)
    k = sub.add_parser("kernel", help="为 JupyterLab 安装项目内核（kaohe）")
    k.add_argument("--prefix", default=None, help="环境目录，默认当前 Python 环境（.venv）")
    h = sub.add_parser("html", help="执行 notebooks/explore.ipynb 并导出离线 HTML")
    h.add_argument("--ledger", default=None, help="台账，默认笔记本中的 data/raw/2022")
    h.add_argument("--rules", default=None, help="规则文件")
    h.add_argument("--unit", default=None, help="默认显示的单位（可用简称）")
    h.add_argument("--person", default=None, help="默认显示的人员")
    h.add_argument("--as-of", default=None, help="截至日期 YYYY-MM-DD，默认全年")
    h.add_argument("--out", default="reports", help="输出文件夹，写入 <out>/<年度>/")
    args = parser.parse_args(argv)
    if args.command == "kernel":
        path = install_kernel(args.prefix)
        print(f"已安装内核 {KERNEL_NAME}（{sys.executable}）：{path}")
        return 0
    from kaohe.publish import ReportError

    try:
        files = render_html(
            args.out, args.ledger, args.rules, args.unit, args.person, args.as_of, progress=True
        )
    except (ReportError, ReportDataError) as err:
        print(str(err), file=sys.stderr)
        return 1
    print(f"已生成 {files.html}（{files.size / 1e6:.1f} MB，{files.seconds:.1f} 秒）")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
