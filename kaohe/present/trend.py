"""Two assessment years side by side (`kaohe report --trend 2022-2023`, notebooks/trend.ipynb,
the cross-year section of the exploration page).

Per unit: each year's total, completion rate, adoptions by level and rank in class (the
engine's, never re-derived here), the change, and the split of the change into the part due
to the new rules and the part due to the unit's own work. The later ledger is scored under
both years' rules:

    change = total(B ledger, B rules) − total(A ledger, A rules)
    work   = total(B ledger, A rules) − total(A ledger, A rules)   # same rules, new work
    rules  = total(B ledger, B rules) − total(B ledger, A rules)   # same work, new rules

so change = work + rules exactly (the engine's totals are integers of 1/SCALE point).

Scoring the later ledger under the earlier rules needs two bridges, both said on the page:

- the calendar: the later ledger's dates lie outside the earlier rules' period, so the
  earlier rules are applied with the later year's period and quarters (`with_calendar`: the
  earlier rules' numbers on the later calendar);
- the names: the reader stores an adoption's publication as its position in the rules'
  list of publications, and a new year's rules may add or remove publications, units, awards
  or commission issuers. `as_read_by` gives the later ledger as the earlier rules name things:
  publications found again by agency and title, and whatever the earlier rules do not know
  (an adoption by a publication they do not list, a unit not on their roster …) left out —
  under those rules it scores nothing, so its points fall in the rules part. What was left
  out is listed (`dropped`).

A unit on only one year's roster appears with blanks and a note, never dropped; a unit
missing from the earlier roster has no split (it cannot be scored under those rules).
All scoring goes through `kaohe.score_cache.cached_score` (the engine's `score`; the cache
folder of a report run when there is one).
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from kaohe import __version__
from kaohe.engine import LEVELS, Scores, publication_table
from kaohe.ledger.model import Ledger
from kaohe.present import excel as excel_writer
from kaohe.present import render, views
from kaohe.present.render import Html, esc
from kaohe.present.views import Column, Context, Section, Table, points_text
from kaohe.rules.models import SCALE, Rules
from kaohe.rules.periods import ReportDataError, months_label, year_label
from kaohe.score_cache import cached_score

if TYPE_CHECKING:
    from kaohe.publish import Page, PageFiles

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = ROOT / "notebooks" / "trend.ipynb"
# The parts of a rules file that are its calendar, not its measures (`with_calendar`).
CALENDAR = ("period", "quarters")


# ---- the bridges: the earlier rules on the later calendar, the later ledger in their names -------


def with_calendar(rules: Rules, calendar: Rules) -> Rules:
    """`rules`' numbers on `calendar`'s year, assessment period and quarters (validated like
    any rules file)."""
    data = rules.model_dump()
    data["meta"]["year"] = calendar.meta.year
    for key in CALENDAR:
        data[key] = getattr(calendar, key).model_dump()
    return Rules.model_validate(data)


DROPPED_SCHEMA = {"sheet": pl.String, "what": pl.String, "rows": pl.Int64, "reason": pl.String}


def as_read_by(ledger: Ledger, read_with: Rules, rules: Rules) -> tuple[Ledger, pl.DataFrame]:
    """`ledger` (read under `read_with`) as `rules` name things: each adoption's publication
    found again in `rules` by agency and title; rows naming what `rules` do not know left out.
    Returns the ledger (the same object when nothing changes; otherwise with its own
    fingerprint, so the score cache keeps it apart) and what was left out: sheet, what
    (a name), rows, reason."""
    year = f"{rules.meta.year}年度规则"
    roster = pl.Series(rules.unit_names, dtype=pl.String).implode()
    awards = pl.Series([a.name for a in rules.department.awards.list], dtype=pl.String)
    issuers = pl.Series([i.name for i in rules.commission_issuers.list], dtype=pl.String)
    position = {(p.agency, p.title): i for i, p in enumerate(rules.publications.list)}
    moved = {
        i: position.get((p.agency, p.title)) for i, p in enumerate(read_with.publications.list)
    }
    names = {i: f"{p.agency}{p.title}" for i, p in enumerate(read_with.publications.list)}
    dropped: list[pl.DataFrame] = []

    def drop(
        df: pl.DataFrame, keep: pl.Expr, sheet: str, what: pl.Expr, reason: str
    ) -> pl.DataFrame:
        flagged = df.with_columns(keep.fill_null(False).alias("_keep"))
        gone = flagged.filter(~pl.col("_keep"))
        if gone.height:
            dropped.append(
                gone.group_by(what.alias("what"), maintain_order=True)
                .agg(pl.len().cast(pl.Int64).alias("rows"))
                .select(
                    pl.lit(sheet).alias("sheet"), "what", "rows", pl.lit(reason).alias("reason")
                )
            )
        return flagged.filter(pl.col("_keep")).drop("_keep")

    unit_known = pl.col("unit").is_in(roster)
    items = drop(
        ledger.items, unit_known, "报送", pl.col("unit"), f"报送单位不在{year}的单位名单中"
    )
    kept = items["item_id"].implode()
    old_name = pl.col("_old").replace_strict(names, default=None, return_dtype=pl.String)
    adoptions = ledger.adoptions.with_columns(
        pl.col("publication_id").alias("_old"),
        pl.col("publication_id").replace_strict(moved, default=None, return_dtype=pl.Int64),
    ).filter(pl.col("item_id").is_in(kept))
    adoptions = drop(
        adoptions,
        pl.col("publication_id").is_not_null(),
        "录用",
        old_name,
        f"{year}的附件1中没有该刊物，不计分",
    )
    pairs = publication_table(rules).select("publication_id", "form", _pair=pl.lit(True))
    adoptions = adoptions.join(
        pairs, on=["publication_id", "form"], how="left", maintain_order="left"
    )
    adoptions = drop(
        adoptions,
        pl.col("_pair").is_not_null(),
        "录用",
        pl.format("{}（{}）", old_name, pl.col("form")),
        f"{year}中该刊物没有这种录用方式，不计分",
    ).drop("_old", "_pair")
    awards_df = drop(
        ledger.awards.filter(pl.col("item_id").is_in(kept)),
        pl.col("award").is_in(awards.implode()),
        "好信息",
        pl.col("award"),
        f"{year}中没有该评选，不计分",
    )
    shares = drop(
        ledger.shares.filter(pl.col("item_id").is_in(kept)),
        unit_known,
        "报送",
        pl.format("协作单位{}", pl.col("unit")),
        f"协作单位不在{year}的单位名单中",
    )
    commissions = drop(
        ledger.commissions,
        unit_known & pl.col("issuer").is_in(issuers.implode()),
        "约稿",
        pl.format("{}（{}）", pl.col("unit"), pl.col("issuer")),
        f"约稿的单位或下达方不在{year}中",
    )
    plans = drop(
        ledger.plans, unit_known, "月度计划", pl.col("unit"), f"单位不在{year}的单位名单中"
    )
    people = drop(
        ledger.people, unit_known, "信息员", pl.col("unit"), f"单位不在{year}的单位名单中"
    )
    gone = pl.concat(dropped) if dropped else pl.DataFrame(schema=DROPPED_SCHEMA)
    if all(moved[i] == i for i in moved) and gone.height == 0:
        return ledger, gone
    digest = hashlib.sha256(
        "\0".join(
            [ledger.fingerprint, "as_read_by", read_with.model_dump_json(), rules.model_dump_json()]
        ).encode("utf-8")
    ).hexdigest()
    bridged = dataclasses.replace(
        ledger,
        items=items,
        shares=shares,
        adoptions=adoptions.select(ledger.adoptions.columns),
        awards=awards_df,
        commissions=commissions,
        plans=plans,
        people=people,
        fingerprint=digest if ledger.fingerprint else "",
        adoption_items=None,
    )
    return bridged, gone


# ---- the comparison ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Trend:
    """Two years: each ledger scored under its own rules, and the later ledger under the
    earlier rules on the later calendar (`bridge`, `bridged`)."""

    a: Context  # the earlier year
    b: Context  # the later year
    bridge: Rules  # a's rules on b's calendar
    bridged: Ledger  # b's ledger as a's rules name things
    dropped: pl.DataFrame  # what a's rules do not know (`as_read_by`)
    scores_a: Scores  # a's ledger, a's rules
    scores_b: Scores  # b's ledger, b's rules
    scores_x: Scores  # b's ledger, a's rules (b's calendar)

    @property
    def year_a(self) -> int:
        return self.a.rules.meta.year

    @property
    def year_b(self) -> int:
        return self.b.rules.meta.year

    @property
    def label_a(self) -> str:
        return f"{self.year_a}年度"

    @property
    def label_b(self) -> str:
        return f"{self.year_b}年度"

    @property
    def stem(self) -> str:
        return page_stem(self.year_a, self.year_b)

    @property
    def title(self) -> str:
        return page_title(self.a.rules, self.b.rules)

    @cached_property
    def units(self) -> pl.DataFrame:
        return unit_lines(self)


def compare(a: Context, b: Context) -> Trend:
    """Score both years and the later ledger under the earlier rules (three engine runs,
    through the score cache)."""
    if b.rules.period.start <= a.rules.period.end:
        raise ReportDataError(
            f"年度对比的后一年度（{year_label(b.rules)}）应在前一年度（{year_label(a.rules)}）"
            "结束之后：请按“前一年度-后一年度”的顺序给出，如 --trend 2022-2023"
        )
    bridge = with_calendar(a.rules, b.rules)
    bridged, dropped = as_read_by(b.ledger, b.rules, bridge)
    return Trend(
        a,
        b,
        bridge,
        bridged,
        dropped,
        cached_score(a.ledger, a.rules),
        cached_score(b.ledger, b.rules),
        cached_score(bridged, bridge),
    )


def load(
    ledger_a: str | Path,
    rules_a: str | Path,
    ledger_b: str | Path,
    rules_b: str | Path,
) -> Trend:
    """Read both years (a ledger with errors stops here, naming them) and compare them."""
    return compare(views.load_context(ledger_a, rules_a), views.load_context(ledger_b, rules_b))


LEVEL_COLUMNS = tuple(f"adoptions_{lv}" for lv in LEVELS)
_SCORE_COLUMNS = ("group", "kind", "base", "total", "total_u", "completion_rate", "rank")


def _year_lines(scores: Scores, rules: Rules, suffix: str) -> pl.DataFrame:
    """One year's figures per roster unit (the engine's), columns suffixed `_a` / `_b`."""
    labels = views.group_labels(rules)
    s = scores.unit_scores.select("unit", *_SCORE_COLUMNS).join(
        scores.unit_counts.select("unit", "submitted", "adoptions", *LEVEL_COLUMNS), on="unit"
    )
    s = s.with_columns(
        pl.col("group").replace_strict(labels, return_dtype=pl.String).alias("group_label"),
        pl.lit(True).alias("present"),
    )
    return s.rename({c: f"{c}_{suffix}" for c in s.columns if c != "unit"})


def unit_lines(t: Trend) -> pl.DataFrame:
    """One row per unit on either year's roster (the later roster's order first, then units
    only on the earlier one): each year's total, completion rate, adoptions by level and rank
    in class, the change, its split (work, rules; `_u`: exact, in 1/SCALE point) and a note."""
    a = _year_lines(t.scores_a, t.a.rules, "a")
    b = _year_lines(t.scores_b, t.b.rules, "b")
    x = t.scores_x.unit_scores.select("unit", pl.col("total_u").alias("total_u_x"))
    order_b = {u: i for i, u in enumerate(t.b.rules.unit_names)}
    order_a = {u: i for i, u in enumerate(t.a.rules.unit_names)}
    units = list(order_b) + [u for u in order_a if u not in order_b]
    groups_b = {g.name: i for i, g in enumerate(t.b.rules.groups.list)}
    groups_a = {g.name: i for i, g in enumerate(t.a.rules.groups.list)}
    df = (
        pl.DataFrame({"unit": units}, schema={"unit": pl.String})
        .join(a, on="unit", how="left", maintain_order="left")
        .join(b, on="unit", how="left", maintain_order="left")
        .join(x, on="unit", how="left", maintain_order="left")
        .with_columns(
            pl.col("present_a").fill_null(False),
            pl.col("present_b").fill_null(False),
        )
    )
    change_u = pl.col("total_u_b") - pl.col("total_u_a")
    both = pl.col("present_a") & pl.col("present_b")  # a split only for units of both years
    work_u = pl.when(both).then(pl.col("total_u_x") - pl.col("total_u_a"))
    rules_u = pl.when(both).then(pl.col("total_u_b") - pl.col("total_u_x"))
    df = df.with_columns(
        change_u.alias("change_u"), work_u.alias("work_u"), rules_u.alias("rules_u")
    )
    df = df.with_columns(
        (pl.col("change_u") / SCALE).alias("change"),
        (pl.col("work_u") / SCALE).alias("work"),
        (pl.col("rules_u") / SCALE).alias("rules"),
        (pl.col("total_u_x") / SCALE).alias("total_x"),
        (pl.col("completion_rate_b") - pl.col("completion_rate_a")).alias("completion_change"),
        (pl.col("rank_a") - pl.col("rank_b")).alias("rank_change"),  # + : moved up
        (pl.col("adoptions_b") - pl.col("adoptions_a")).alias("adoptions_change"),
        *[(pl.col(f"{c}_b") - pl.col(f"{c}_a")).alias(f"{c}_change") for c in LEVEL_COLUMNS],
        pl.coalesce("group_b", "group_a").alias("group"),
        pl.coalesce("group_label_b", "group_label_a").alias("group_label"),
        pl.coalesce("kind_b", "kind_a").alias("kind"),
        pl.col("unit").replace_strict(order_b, default=None, return_dtype=pl.Int64).alias("_ob"),
        pl.col("unit").replace_strict(order_a, default=None, return_dtype=pl.Int64).alias("_oa"),
    )
    df = df.with_columns(
        pl.coalesce(
            pl.col("group_b").replace_strict(groups_b, default=None, return_dtype=pl.Int64),
            pl.col("group_a").replace_strict(groups_b, default=None, return_dtype=pl.Int64),
            pl.col("group_a").replace_strict(groups_a, default=None, return_dtype=pl.Int64)
            + len(groups_b),
        ).alias("group_order"),
    )
    notes = [_note(r, t) for r in df.iter_rows(named=True)]
    df = df.with_columns(pl.Series("note", notes, dtype=pl.String))
    return df.sort("group_order", "_ob", "_oa", nulls_last=True).drop("_ob", "_oa")


def _note(r: dict[str, Any], t: Trend) -> str:
    """Why a unit's line has blanks, or what to keep in mind reading it."""
    if not r["present_a"]:
        why = f"{t.label_a}名单中没有该单位：只有{t.label_b}的得分"
        if r["total_u_x"] is None:
            return why + f"，也无法按{t.label_a}规则计分，不作分解。"
        return why + "。"
    if not r["present_b"]:
        return f"{t.label_b}名单中没有该单位：只有{t.label_a}的得分。"
    notes = []
    if r["group_a"] != r["group_b"]:
        notes.append(
            f"类别由{r['group_label_a']}改为{r['group_label_b']}，两年的类内排名不在同一类中"
        )
    return "；".join(notes) + ("。" if notes else "")


# ---- tables --------------------------------------------------------------------------------------


def _year_columns(t: Trend, key: str, header: str, fmt: str) -> tuple[Column, ...]:
    return (
        Column(f"{key}_a", f"{header}|{t.year_a}", fmt),
        Column(f"{key}_b", f"{header}|{t.year_b}", fmt),
    )


def totals_table(t: Trend) -> Table:
    """附表一 each year's total, completion rate and rank in class, and the changes."""
    cols = (
        Column("unit", "单位"),
        Column("group_label", "类别"),
        *_year_columns(t, "total", "总得分", "pts"),
        Column("change", "总得分|变化", "pts"),
        *_year_columns(t, "completion_rate", "完成率", "pct"),
        Column("completion_change", "完成率|变化", "pct"),
        *_year_columns(t, "rank", "类内排名", "int"),
        Column("rank_change", "类内排名|上升", "int"),
        Column("note", "说明"),
    )
    return Table(
        "得分对比",
        f"各单位{t.label_a}与{t.label_b}得分对比",
        t.units,
        cols,
        note="总得分、完成率和类内排名均为计分引擎各年度按当年规则的结果；变化为后一年度减前一"
        "年度，排名“上升”为前一年度名次减后一年度名次（正数为名次靠前）。空白表示该单位该年度"
        "不在单位名单中（见说明）。",
    )


def split_table(t: Trend) -> Table:
    """附表二 the change split into the unit's own work and the new rules."""
    cols = (
        Column("unit", "单位"),
        Column("group_label", "类别"),
        Column("total_a", f"{t.label_a}得分", "pts"),
        Column("total_x", f"{t.year_b}年台账按{t.year_a}年规则", "pts"),
        Column("total_b", f"{t.label_b}得分", "pts"),
        Column("change", "变化|合计", "pts"),
        Column("work", "变化|本单位工作", "pts"),
        Column("rules", "变化|规则调整", "pts"),
        Column("note", "说明"),
    )
    return Table(
        "变化分解",
        "得分变化的分解：本单位工作与规则调整",
        t.units,
        cols,
        note=method_text(t),
    )


def method_text(t: Trend) -> str:
    a, b = t.label_a, t.label_b
    return (
        f"把{b}台账分别按{b}规则和{a}规则计分。本单位工作 = {b}台账按{a}规则的得分 − "
        f"{a}得分（规则不变，看工作的变化）；规则调整 = {b}得分 − {b}台账按{a}规则的得分"
        f"（工作不变，看规则的变化）；两者之和等于总得分的变化。按{a}规则计分时使用{a}规则的"
        f"全部数值，考核周期和季度换成{b}的（{months_label(t.b.rules.period.start, t.b.rules.period.end)}），"
        f"否则{b}台账的日期都在{a}考核周期之外；{a}规则中没有的刊物、单位、评选等不计分"
        "（见“按前一年度规则未计分的记录”）。"
    )


def levels_table(t: Trend) -> Table:
    """附表三 adoptions by level, each year and the change."""
    labels = dict(t.b.rules.levels.labels)
    cols: list[Column] = [Column("unit", "单位"), Column("group_label", "类别")]
    for lv in LEVELS:
        key = f"adoptions_{lv}"
        cols += [
            *_year_columns(t, key, labels.get(lv, lv), "int"),
            Column(f"{key}_change", f"{labels.get(lv, lv)}|变化", "int"),
        ]
    cols += [
        *_year_columns(t, "adoptions", "合计", "int"),
        Column("adoptions_change", "合计|变化", "int"),
    ]
    return Table(
        "各级录用",
        "各级刊物录用篇次对比",
        t.units,
        tuple(cols),
        note="录用篇次按录用刊物的级别计（计分引擎的 unit_counts），各年度按当年规则的刊物级别。",
    )


def rule_changes(t: Trend) -> pl.DataFrame:
    """Every rule (a value's path in the rules file) whose value differs between the two
    years' rules, the calendar aside: path, value_a, value_b ('' where one side has none)."""
    from kaohe.whatif.scenario import leaf_paths

    def flat(rules: Rules) -> dict[str, str]:
        data = rules.model_dump(mode="json")
        for key in ("meta", *CALENDAR):
            data.pop(key, None)
        out: dict[str, str] = {}
        for path in leaf_paths(data):
            out[path] = _value_at(data, path)
        return out

    fa, fb = flat(t.a.rules), flat(t.b.rules)
    rows: dict[str, dict[str, str]] = {}
    for p in dict.fromkeys([*fa, *fb]):
        va, vb = fa.get(p), fb.get(p)
        if (va or "") == (vb or ""):
            continue
        element = _ELEMENT.match(p)
        if element and (va is None or vb is None):  # a list element only one year has
            key = element.group(1)
            other = fa if va is None else fb
            if not any(q.startswith(key) for q in other):
                row = rows.setdefault(key, {"path": key, "value_a": "", "value_b": ""})
                side = "value_b" if va is None else "value_a"
                leaf = f"{p[len(key) :].lstrip('.')}：{va if vb is None else vb}"
                if not leaf.endswith("："):
                    row[side] = "；".join(x for x in (row[side], leaf) if x)
                continue
        rows[p] = {"path": p, "value_a": va or "", "value_b": vb or ""}
    return pl.DataFrame(
        list(rows.values()), schema={"path": pl.String, "value_a": pl.String, "value_b": pl.String}
    )


_ELEMENT = re.compile(r"^(.*?\[[^\]]+\])")


def _value_at(data: Any, path: str) -> str:
    from kaohe.whatif.scenario import get_value

    v = get_value(data, path)
    if isinstance(v, list):
        return "、".join(str(e) for e in v)
    return "" if v is None else str(v)


def rules_table(t: Trend) -> Table:
    """附表四 where the two years' rules differ (the source of the rules part)."""
    return Table(
        "规则差异",
        f"{t.label_a}与{t.label_b}规则的差异",
        rule_changes(t),
        (
            Column("path", "规则路径"),
            Column("value_a", t.label_a),
            Column("value_b", t.label_b),
        ),
        note="考核周期、季度和规则文件标题不列入。空白表示该年度规则中没有这一项。",
        empty="两个年度的规则除考核周期外完全相同：变化全部来自本单位工作。",
    )


def dropped_table(t: Trend) -> Table:
    """附表五 rows of the later ledger that the earlier rules do not score."""
    return Table(
        "未按前一年度计分",
        f"{t.label_b}台账中按{t.label_a}规则未计分的记录",
        t.dropped,
        (
            Column("sheet", "工作表"),
            Column("what", "名称"),
            Column("rows", "行数", "int"),
            Column("reason", "原因"),
        ),
        note=f"这些记录在{t.label_b}规则下照常计分；按{t.label_a}规则计分时不计，其得分计入"
        "“规则调整”。",
        empty=f"无：{t.label_b}台账中的刊物、单位、评选和下达方在{t.label_a}规则中都有。",
    )


def excel_tables(t: Trend) -> list[Table]:
    return [totals_table(t), split_table(t), levels_table(t), rules_table(t), dropped_table(t)]


# ---- texts ---------------------------------------------------------------------------------------


def _pts(x: float) -> str:
    return ("+" if x > 0 else "") + points_text(x)


def summary(t: Trend) -> list[Section]:
    """一、总体情况 / 二、变化从何而来 / 三、需要注意."""
    u = t.units
    both = u.filter(pl.col("present_a") & pl.col("present_b"))
    up = both.filter(pl.col("change_u") > 0).height
    down = both.filter(pl.col("change_u") < 0).height
    first = [
        f"{t.label_a}和{t.label_b}都在名单中的单位共{both.height}个，其中总得分上升{up}个，"
        f"下降{down}个，持平{both.height - up - down}个。"
    ]
    if both.height:
        best = both.sort("change_u", "unit", descending=[True, False])
        top, low = best.row(0, named=True), best.row(-1, named=True)
        if top["change_u"] > 0:
            first.append(f"上升最多的是{top['unit']}（{_pts(top['change'])}分）。")
        if low["change_u"] < 0:
            first.append(f"下降最多的是{low['unit']}（{_pts(low['change'])}分）。")
    split = both.filter(pl.col("work_u").is_not_null())
    second = [method_text(t)]
    if split.height:
        work = split["work_u"].sum() / SCALE
        rules = split["rules_u"].sum() / SCALE
        mostly_rules = split.filter(pl.col("rules_u").abs() > pl.col("work_u").abs()).height
        second.append(
            f"合计，本单位工作带来{_pts(work)}分，规则调整带来{_pts(rules)}分；"
            f"{mostly_rules}个单位的变化主要来自规则调整。"
        )
    n_rules = rule_changes(t).height
    second.append(
        f"两个年度的规则有{n_rules}处不同（附表四）。"
        if n_rules
        else "两个年度的规则除考核周期外相同。"
    )
    third = [
        r["unit"] + "：" + r["note"] for r in u.filter(pl.col("note") != "").iter_rows(named=True)
    ]
    if t.dropped.height:
        third.append(
            f"{t.label_b}台账中有{int(t.dropped['rows'].sum())}行记录按{t.label_a}规则不计分（附表五）。"
        )
    return [
        Section("一、总体情况", ("".join(first),)),
        Section("二、变化从何而来", tuple(second)),
        Section("三、需要注意", tuple(third) if third else ("两个年度的单位名单相同。",)),
    ]


# ---- the page ------------------------------------------------------------------------------------


def page_stem(year_a: int, year_b: int) -> str:
    """'2022-2023-年度对比'."""
    return f"{year_a}-{year_b}-年度对比"


def page_title(rules_a: Rules, rules_b: Rules) -> str:
    return f"{rules_a.meta.year}年度与{rules_b.meta.year}年度党委、政务信息工作考核对比"


def fingerprints(t: Trend) -> dict[str, str]:
    """What identifies the page's inputs: both ledgers and rules files (path, sha256), and the
    files as the page's colophon names them (`render.shown_path`)."""
    day = render.ledger_date(t.b.ledger)
    a, b = t.a, t.b
    return {
        "ledger": f"{a.ledger_path}；{b.ledger_path}",
        "ledger_sha256": f"{a.ledger_sha256}（{t.label_a}）、{b.ledger_sha256}（{t.label_b}）",
        "rules": f"{a.rules_path}；{b.rules_path}",
        "rules_sha256": f"{a.rules_sha256}（{t.label_a}）、{b.rules_sha256}（{t.label_b}）",
        "kaohe_version": __version__,
        "ledger_date": day.isoformat() if day else "",
        "ledger_name": f"{render.shown_path(a.ledger_path)}（{t.label_a}）；"
        f"{render.shown_path(b.ledger_path)}（{t.label_b}）",
        "rules_name": f"{render.shown_path(a.rules_path)}（{a.rules.meta.title}）；"
        f"{render.shown_path(b.rules_path)}（{b.rules.meta.title}）",
    }


def header(t: Trend) -> Html:
    """The page head, what a reader needs: the issuer, the title, the two years, the date the
    later ledger reaches and the basis of the figures. Files, fingerprints and the program
    version go to the colophon at the end of the page (from `fingerprints`, in `Html.meta`)."""
    day = render.ledger_date(t.b.ledger)
    body = (
        '<header class="kh-header">'
        f'<p class="kh-issuer">{esc(render.issuer())}</p>'
        "<h1>党委、政务信息工作年度对比</h1>"
        f'<p class="kh-subtitle">{esc(year_label(t.a.rules))}与{esc(year_label(t.b.rules))}</p>'
        '<p class="kh-dates">'
        f"<span>{esc(t.label_b)}台账记录至：{esc(day.isoformat() if day else '（台账中没有日期）')}"
        "</span></p>"
        f'<p class="kh-basis">{esc(render.BASIS)}：全年，各年度适用当年考核办法全部条款</p>'
        "</header>"
    )
    return Html(body, "标题", fingerprints(t))


def excel(t: Trend, out_dir: str | Path) -> Html:
    """Write the page's tables to <out_dir>/<stem>.xlsx and say so."""
    about = [
        ("报告", t.title),
        ("台账", f"{t.a.ledger_path}；{t.b.ledger_path}"),
        ("台账指纹（sha256）", f"{t.a.ledger_sha256}；{t.b.ledger_sha256}"),
        ("规则文件", f"{t.a.rules_path}；{t.b.rules_path}"),
        ("规则指纹（sha256）", f"{t.a.rules_sha256}；{t.b.rules_sha256}"),
        ("程序版本", f"kaohe {__version__}"),
    ]
    day = render.ledger_date(t.b.ledger)
    created = datetime(day.year, day.month, day.day) if day else None
    path = excel_writer.write_xlsx(
        excel_tables(t), Path(out_dir) / f"{t.stem}.xlsx", about, created, t.title
    )
    return Html(
        f'<p class="kh-note">本页各表格的 Excel 版本（每表一个工作表）：'
        f"<code>{esc(path.name)}</code>，与本文件在同一文件夹。</p>",
        "Excel",
    )


def default_paths(year: int) -> tuple[Path, Path]:
    """A year's shipped ledger and rules file: data/raw/YEAR, params/YEAR.yaml."""
    return ROOT / "data" / "raw" / str(year), ROOT / "params" / f"{year}.yaml"


def parse_years(text: str) -> tuple[int, int]:
    """'2022-2023' → (2022, 2023)."""
    parts = str(text).strip().replace("—", "-").replace("－", "-").split("-")
    if len(parts) != 2 or not all(p.strip().isdigit() and len(p.strip()) == 4 for p in parts):
        raise ReportDataError(
            f"年度对比 {text!r} 格式不对：应写成“前一年度-后一年度”，如 --trend 2022-2023"
        )
    a, b = (int(p) for p in parts)
    if b <= a:
        raise ReportDataError(f"年度对比 {text!r}：后一年度应晚于前一年度，如 --trend 2022-2023")
    return a, b


def page(
    years: str,
    out: str | Path,
    ledger_a: str | Path | None = None,
    rules_a: str | Path | None = None,
    ledger_b: str | Path | None = None,
    rules_b: str | Path | None = None,
) -> Page:
    """The comparison page of `years` ('2022-2023') as a page of <out>/<years>/: inputs
    default to data/raw/YEAR and params/YEAR.yaml; the rules must be the years named and the
    ledgers must exist (checked before any kernel starts)."""
    from kaohe.publish import SCORE_CACHE, Page, existing_ledger
    from kaohe.rules.models import load_rules
    from kaohe.rules.periods import check_year

    ya, yb = parse_years(years)
    da, ra = default_paths(ya)
    db, rb = default_paths(yb)
    paths = {}
    for key, given, default, opt in (
        ("rules_a", rules_a, ra, "--rules-a"),
        ("rules_b", rules_b, rb, "--rules-b"),
    ):
        p = Path(given) if given is not None else default
        if not p.is_file():
            raise ReportDataError(f"找不到规则文件 {p}：请用 {opt} 给出该年度的规则文件")
        paths[key] = p.resolve()
    rla, rlb = load_rules(paths["rules_a"]), load_rules(paths["rules_b"])
    check_year(rla, ya)
    check_year(rlb, yb)
    for key, given, default, opt in (
        ("ledger_a", ledger_a, da, "--ledger-a"),
        ("ledger_b", ledger_b, db, "--ledger-b"),
    ):
        p = Path(given) if given is not None else default
        if not p.exists():
            raise ReportDataError(
                f"找不到台账 {p}：请用 {opt} 给出该年度的台账（.xlsx 工作簿或 CSV 文件夹）"
            )
        paths[key] = existing_ledger(p)
    params: dict[str, Any] = {k: str(v) for k, v in paths.items()}
    params["out_dir"] = "."
    folder = Path(out) / f"{ya}-{yb}"
    return Page(
        page_title(rla, rlb),
        page_stem(ya, yb),
        folder,
        NOTEBOOK,
        params,
        score_cache=Path(out) / SCORE_CACHE,
    )


def render_html(
    years: str,
    out: str | Path,
    ledger_a: str | Path | None = None,
    rules_a: str | Path | None = None,
    ledger_b: str | Path | None = None,
    rules_b: str | Path | None = None,
    progress: bool = False,
    status: Any = None,
) -> PageFiles:
    """`kaohe report --trend`: execute notebooks/trend.ipynb and publish the page, its
    executed notebook and its workbook in <out>/<years>/ (`kaohe.publish.publish_page`)."""
    from kaohe.publish import publish_page

    return publish_page(page(years, out, ledger_a, rules_a, ledger_b, rules_b), progress, status)
