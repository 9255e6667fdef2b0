"""The simulation report (notebooks/simulate.ipynb) and the sweep page: their tables and charts,
published by the pipeline of every page (`kaohe.publish`)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import plotly.graph_objects as go
import polars as pl
from plotly.subplots import make_subplots

from kaohe.engine import STEP_LABELS
from kaohe.present import render
from kaohe.present.charts import (
    BASE_COLOR,
    MUTED,
    NEGATIVE,
    POSITIVE,
    group_colors,
    house_template,
    new_figure,
    text,
)
from kaohe.present.render import Html, esc, ledger_date
from kaohe.present.views import (
    Column,
    Context,
    Table,
    capped,
    group_label,
    group_labels,
    points_text,
    rate_text,
)
from kaohe.rules.models import Rules
from kaohe.rules.overlay import OverlayError, locate
from kaohe.whatif.scenario import Scenario, get_value, load_scenario, scenario_rules
from kaohe.whatif.simulate import Comparison, compare

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class SimulationReport:
    scenario: Scenario
    baseline_rules: Rules
    scenario_rules: Rules
    comparison: Comparison
    ledger_path: str
    ledger_sha256: str
    base_sha256: str
    scenario_sha256: str
    ledger_date: date | None = None  # the latest date in the ledger (dates the page)
    ctx: Context | None = None  # the ledger under the baseline rules (the page header's)
    scenario_path: str = ""


def simulation_report(scenario_path: str | Path, ledger_path: str | Path) -> SimulationReport:
    """Read the scenario and the ledger, score both ways and compare."""
    from kaohe.present.views import load_context

    sc = load_scenario(scenario_path)
    baseline, changed = scenario_rules(sc)
    ctx = load_context(ledger_path, sc.base)
    return SimulationReport(
        scenario=sc,
        baseline_rules=baseline,
        scenario_rules=changed,
        comparison=compare(ctx.ledger, baseline, changed),
        ledger_path=str(ledger_path),
        ledger_sha256=ctx.ledger.fingerprint,
        base_sha256=hashlib.sha256(sc.base.read_bytes()).hexdigest(),
        scenario_sha256=hashlib.sha256(Path(scenario_path).read_bytes()).hexdigest(),
        ledger_date=ledger_date(ctx.ledger),
        ctx=ctx,
        scenario_path=str(scenario_path),
    )


# ---- header and tables -------------------------------------------------------------------


def change_text(rules: Rules, path: str, value: Any) -> str:
    """One change of a scenario in words: the rule (`rule_info`), its value in the baseline
    rules and the scenario's, in the rule's unit (未录用信息累计得分上限…：30% → 20%)."""
    info = rule_info(rules, path)
    try:
        old = info.value_text(get_value(rules.model_dump(), path))
    except OverlayError:
        old = ""
    new = info.value_text(value)
    return f"{info.label}：{old} → {new}" if old else f"{info.label}：{new}"


def header(r: SimulationReport, issued: date | None = None) -> Html:
    """The shared page header (`render.page_header`: issuer, title, the scenario and its
    changes, the date of the data); ledger, rules and scenario files with their sha256 go to
    the colophon at the end of the page."""
    sc = r.scenario
    assert r.ctx is not None, "simulation_report() gives the report its context"
    changes = "；".join(change_text(r.baseline_rules, k, v) for k, v in sc.changes.items())
    rows = [("改动", changes or "（无改动）")]
    if sc.add or sc.remove:
        rows.append(
            (
                "增删",
                f"新增 {sum(map(len, sc.add.values()))} 项、删除 "
                f"{sum(map(len, sc.remove.values()))} 项（见情景文件）",
            )
        )
    head = render.page_header(
        f"规则模拟：{sc.name}",
        f"与{r.baseline_rules.meta.title}的现行规则对比",
        r.ctx,
        rows,
        issued,
        note=sc.description or None,
    )
    meta = dict(head.meta or {})
    if r.scenario_path:
        meta["scenario_name"] = render.shown_path(r.scenario_path)
    meta["scenario_sha256"] = r.scenario_sha256
    return Html(head.body, head.label, meta)


# What each number of the rules file is, in words, and its unit: by the path's form, list
# elements and dictionary keys as * (their names fill the {} in order). "比例" is a share,
# shown as a percentage. A path not listed reads as its block's description.
RULE_FIELDS: dict[str, tuple[str, str]] = {
    "meta.year": ("考核年度", "年"),
    "publications.list.*.points": ("{}的录用分值", "分"),
    "publications.list.*.forms.*": ("{}（{}）的分值", "分"),
    "publications.list.*.instruction.multiple": ("{}获领导批示的加分倍数", "倍"),
    "publications.list.*.instruction.fixed": ("{}获领导批示的加分", "分"),
    "publications.list.*.chucai": ("{}的“出彩”加分", "分"),
    "publications.list.*.chucai_forms.*": ("{}（{}）的“出彩”加分", "分"),
    "groups.list.*.base": ("{}的基本任务分", "分"),
    "groups.list.*.tasks.city.items": ("{}市级录用任务篇数", "篇"),
    "groups.list.*.tasks.city.suggestion": ("{}市级建议问题类任务篇数", "篇"),
    "groups.list.*.tasks.provincial.items": ("{}省级及以上录用任务篇数", "篇"),
    "groups.list.*.tasks.provincial.suggestion": ("{}省级及以上建议问题类任务篇数", "篇"),
    "department.unadopted.points_each": ("报送未录用信息每条的分值", "分"),
    "department.unadopted.cap_share_of_base": ("未录用信息累计得分上限（占基本任务分）", "比例"),
    "department.shared_items.max_total_share": ("合作信息各单位份额之和的上限", "比例"),
    "department.awards.list.*.points": ("{}加分", "分"),
    "department.extra.city": ("完成任务后市级每多录用一条的加分", "分"),
    "department.extra.provincial": ("完成任务后省级每多录用一条的加分", "分"),
    "department.shortfall.city_items": ("市级综合性信息任务每少一篇的扣分", "分"),
    "department.shortfall.provincial_items": ("省级以上综合性信息任务每少一篇的扣分", "分"),
    "department.shortfall.city_suggestion": ("市级建议问题类信息任务每少一篇的扣分", "分"),
    "department.shortfall.provincial_suggestion": ("省级建议问题类信息任务每少一篇的扣分", "分"),
    "department.commissions.penalty.*": ("未及时完成{}约稿每次的扣分", "分"),
    "department.research.required": ("处室、单位每年应完成的调研文章篇数", "篇"),
    "department.research.penalty": ("未完成调研文章的扣分", "分"),
    "district.submissions.task": ("区县全年报送任务篇数", "篇"),
    "district.submissions.shortfall_each": ("区县报送不足任务每篇的扣分", "分"),
    "district.commissions.penalty": ("区县未及时报送约稿每次的扣分", "分"),
    "district.adoptions.groups.*.full": ("区县信息经组稿转报被{}全文录用的加分", "分"),
    "district.adoptions.groups.*.compiled": ("区县信息经组稿转报被{}组稿录用的加分", "分"),
    "district.adoptions.groups.*.instruction_full": ("区县信息被{}全文录用并获批示的再加分", "分"),
    "district.adoptions.groups.*.instruction_compiled": (
        "区县信息被{}组稿录用并获批示的再加分",
        "分",
    ),
    "district.adoptions.examples_each": ("区县信息被采纳例子、观点每个的加分", "分"),
    "district.adoptions.central.multiplier": ("中办、国办约稿录用的加分倍数", "倍"),
    "outcomes.department_adjustment.points_per_percent": (
        "完成率每差一个百分点的绩效考核调整分",
        "分",
    ),
    "outcomes.department_adjustment.decimals": ("绩效考核调整分保留的小数位数", "位"),
    "outcomes.advanced_collectives.max_count": ("先进集体名额", "个"),
    "outcomes.district_assessment.full_score": ("区县考核满分", "分"),
    "outcomes.district_assessment.zero_at_or_below_share": (
        "区县考核不得分线（完成率）",
        "比例",
    ),
    "outcomes.officer_prizes.prizes.*.count": ("优秀信息员{}名额", "名"),
    "ledger_checks.max_examples_per_adoption": ("每条录用的采纳数上限", "个"),
    "ledger_checks.other_year_share": ("日期不在考核周期内的行的占比上限", "比例"),
    "ledger_checks.other_year_min_dates": ("判断台账年度所需的最少日期数", "个"),
}


@dataclass(frozen=True)
class RuleInfo:
    """One rule of the rules file as a reader knows it: what it is (`label`, with its
    clause), its unit (`RULE_FIELDS`; "比例" a share) and its block's own description."""

    label: str
    unit: str = ""
    description: str = ""
    what: str = ""  # the label without its clause (an axis title)

    def value_text(self, value: object) -> str:
        """A value of the rule as the office writes it: 30%, 150分, 2倍."""
        if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
            return str(value)
        if self.unit == "比例":
            return rate_text(value)
        return f"{points_text(float(value))}{self.unit if self.unit != '年' else ''}"


def _element_name(element: Any, rules: Rules) -> str:
    """A list element as the reports name it: a publication by agency and title, a unit
    group as 'B类' / '区县', anything else by its name."""
    agency, title = getattr(element, "agency", None), getattr(element, "title", None)
    if isinstance(agency, str) and isinstance(title, str):
        return f"{agency}{title}"
    name = str(getattr(element, "name", element))
    if element in rules.groups.list:  # B类单位, 区县
        return f"{name}类单位" if element.kind == "department" else name
    return name


def rule_info(rules: Rules, path: str) -> RuleInfo:
    """The rule at a dotted path (`groups.list[B].base`, `publications.list.0.points`) in the
    rules' own words — never the code name: what the number is (`RULE_FIELDS`, list elements
    by name) with the clause of the nearest block that has one; a path not listed there (a
    choice, a text) reads as its block's description and clause."""
    try:
        _, _, loc = locate(rules.model_dump(), path)
    except OverlayError:
        return RuleInfo("规则参数")
    obj: Any = rules
    form: list[str] = []
    names: list[str] = []
    description = clause = ""
    fallback = ""
    for key in loc:
        if isinstance(key, int):
            obj = obj[key]
            form.append("*")
            names.append(_element_name(obj, rules))
        elif isinstance(obj, dict):
            obj = obj[key]
            form.append("*")
            names.append(str(key))
        else:
            obj = getattr(obj, key)
            form.append(key)
        desc, cl = getattr(obj, "description", None), getattr(obj, "clause", None)
        if isinstance(cl, str) and cl:
            clause = cl
        if isinstance(desc, str) and desc:
            description = desc
            fallback = f"{desc}（{cl}）" if isinstance(cl, str) and cl else desc
        if isinstance(getattr(obj, "agency", None), str) and names:
            fallback = f"{fallback}：{names[-1]}" if fallback else names[-1]
    known = RULE_FIELDS.get(".".join(form))
    if known is None:
        return RuleInfo(fallback or "规则参数", "", description, fallback or "规则参数")
    what = known[0].format(*names)
    return RuleInfo(f"{what}（{clause}）" if clause else what, known[1], description, what)


def path_label(rules: Rules, path: str) -> str:
    """A dotted rule path (outcomes.department_adjustment.points_per_percent) in the rules'
    own words (`rule_info`): 完成率每差一个百分点的绩效考核调整分（四）."""
    return rule_info(rules, path).label


def summary(r: SimulationReport) -> Html:
    u = r.comparison.units
    gain = u.filter(pl.col("delta") > 0)
    lose = u.filter(pl.col("delta") < 0)
    # unchanged: the total, the adjustment and the assessment all as before
    same = u.filter(
        (pl.col("delta") == 0)
        & pl.col("adjustment_baseline").eq_missing(pl.col("adjustment_scenario"))
        & pl.col("assessment_baseline").eq_missing(pl.col("assessment_scenario"))
    )
    up = u.filter(pl.col("base_line") == "达到基本任务分")["unit"].to_list()
    down = u.filter(pl.col("base_line") == "跌破基本任务分")["unit"].to_list()
    moved = u.filter(pl.col("rank_change") != 0).height
    adv_b = set(u.filter(pl.col("advanced_baseline"))["unit"])
    adv_s = set(u.filter(pl.col("advanced_scenario"))["unit"])
    assess = u.filter(pl.col("assessment_delta").fill_null(0) != 0)["unit"].to_list()
    paras = [
        f"按情景规则重新计分，{gain.height} 个单位得分增加，{lose.height} 个减少，"
        f"{same.height} 个得分、绩效考核调整分和考核赋分均不变；{moved} 个单位名次有变化。",
        "越过基本任务分线："
        + (f"新达到的有{'、'.join(up)}；" if up else "无单位新达到；")
        + (f"跌破的有{'、'.join(down)}。" if down else "无单位跌破。"),
        "先进集体候选："
        + (
            "不变。"
            if adv_b == adv_s
            else f"新增{'、'.join(sorted(adv_s - adv_b)) or '无'}，"
            f"退出{'、'.join(sorted(adv_b - adv_s)) or '无'}。"
        ),
        "区县考核赋分：" + (f"{'、'.join(assess)}有变化。" if assess else "不变。"),
        "优秀信息员：" + ("有变化，见附表。" if r.comparison.prizes.height else "不变。"),
    ]
    return Html("".join(f"<p>{esc(p)}</p>" for p in paras), "概述")


def units_table(r: SimulationReport, kind: str) -> Table:
    df = r.comparison.units.filter(pl.col("kind") == kind).with_columns(
        group_label(r.baseline_rules)
    )
    cols = [
        Column("unit", "单位"),
        Column("group_label", "类别"),
        Column("base_baseline", "基本任务分|基准", "pts"),
        Column("base_scenario", "基本任务分|情景", "pts"),
        Column("baseline", "总得分|基准", "pts"),
        Column("scenario", "总得分|情景", "pts"),
        Column("delta", "总得分|变化", "pts"),
        Column("rank_baseline", "类内排名|基准", "int"),
        Column("rank_scenario", "类内排名|情景", "int"),
        Column("rank_change", "类内排名|上升", "int"),
        Column("base_line", "基本任务分线"),
    ]
    if kind == "department":
        cols += [
            Column("adjustment_baseline", "绩效考核调整分|基准", "pts"),
            Column("adjustment_scenario", "绩效考核调整分|情景", "pts"),
            Column("advanced_baseline", "先进集体候选|基准"),
            Column("advanced_scenario", "先进集体候选|情景"),
        ]
        title = "处室、单位：模拟前后得分、排名和绩效考核调整分"
    else:
        cols += [
            Column("assessment_baseline", "考核赋分|基准", "pts"),
            Column("assessment_scenario", "考核赋分|情景", "pts"),
        ]
        title = "区、县（市）局：模拟前后得分、排名和考核赋分"
    df = df.with_columns(
        pl.col(c).replace_strict({True: "是", False: ""}, return_dtype=pl.String)
        for c in df.columns
        if c.startswith("advanced_")
    )
    return Table(
        name="处室单位" if kind == "department" else "区县",
        title=title,
        frame=df,
        columns=tuple(cols),
        note="类内排名“上升”：正数为名次上升，负数为下降。",
    )


def clause_table(r: SimulationReport) -> Table:
    return Table(
        name="按条款",
        title="变化来自哪些条款（计分明细小计的变化）",
        frame=r.comparison.by_clause,
        columns=(
            Column("unit", "单位"),
            Column("label", "计分项"),
            Column("clause", "条款"),
            Column("baseline", "基准", "pts"),
            Column("scenario", "情景", "pts"),
            Column("delta", "变化", "pts"),
        ),
        empty="没有任何计分明细发生变化。",
    )


def lines_table(r: SimulationReport, limit: int = 200) -> Table:
    table = Table(
        name="变动明细",
        title="发生变化的计分明细（按单位、信息或约稿）",
        frame=r.comparison.lines_changed.with_columns(
            pl.col("step")
            .replace_strict(STEP_LABELS, default=pl.col("step"), return_dtype=pl.String)
            .alias("step_label")
        ),
        columns=(
            Column("unit", "单位"),
            Column("step_label", "计分项"),
            Column("item_id", "信息编号"),
            Column("commission_id", "约稿编号"),
            Column("baseline", "基准", "pts"),
            Column("scenario", "情景", "pts"),
            Column("delta", "变化", "pts"),
        ),
        empty="没有任何计分明细发生变化。",
    )
    return capped(table, limit, "全部见同一文件夹中的 lines_changed.csv")


def prizes_table(r: SimulationReport) -> Table:
    return Table(
        name="优秀信息员",
        title="优秀信息员评选的变化",
        frame=r.comparison.prizes,
        columns=(
            Column("unit", "单位"),
            Column("name", "姓名"),
            Column("prize_baseline", "基准"),
            Column("prize_scenario", "情景"),
        ),
        empty="优秀信息员评选不变。",
    )


# ---- charts ------------------------------------------------------------------------------


def _signed(d: float) -> str:
    if abs(d) < 0.005:
        return "0"
    return f"{d:+.2f}".rstrip("0").rstrip(".")


def delta_chart(r: SimulationReport, title: str = "各单位得分变化（情景 − 基准）") -> go.Figure:
    u = r.comparison.units.sort("delta")
    fig = new_figure(title, height=max(360, 26 * u.height + 140))
    fig.add_bar(
        x=u["delta"].to_list(),
        y=[text(x) for x in u["unit"].to_list()],
        orientation="h",
        marker_color=[POSITIVE if d > 0 else NEGATIVE for d in u["delta"].to_list()],
        text=[_signed(d) for d in u["delta"].to_list()],
        textposition="outside",
        cliponaxis=False,
        hovertemplate="%{y}：%{x:+.2f}分<extra></extra>",
        showlegend=False,
    )
    fig.update_layout(xaxis_title="得分变化", yaxis={"categoryorder": "array"})
    return fig


def rank_slope(r: SimulationReport, kind: str = "department") -> go.Figure:
    """Each unit's rank before (left) and after (right), one line per unit."""
    u = r.comparison.units.filter(pl.col("kind") == kind)
    colors = group_colors(r.baseline_rules)
    fig = new_figure(
        "名次变化（左：基准，右：情景）" + ("——处室、单位" if kind == "department" else "——区县"),
        height=max(360, 30 * u.height + 120),
    )
    for row in u.iter_rows(named=True):
        fig.add_scatter(
            x=["基准", "情景"],
            y=[row["rank_baseline"], row["rank_scenario"]],
            mode="lines+markers+text",
            text=[text(row["unit"]), text(row["unit"])],
            textposition=["middle left", "middle right"],
            line={"color": colors[row["group"]], "width": 3 if row["rank_change"] else 1},
            name=text(row["unit"]),
            showlegend=False,
            hovertemplate=text(row["unit"]) + "：第%{y}名<extra></extra>",
        )
    fig.update_layout(
        yaxis={"autorange": "reversed", "title": "名次", "dtick": 1},
        xaxis={"range": [-0.8, 1.8]},
    )
    return fig


def winners_losers(r: SimulationReport) -> go.Figure:
    """Per group: how many units gain, lose, stay."""
    u = r.comparison.units
    groups = [g.name for g in r.baseline_rules.groups.list]
    fig = new_figure("各类单位中得分增加、减少、不变的单位数", height=380)
    for label, color in (("得分增加", POSITIVE), ("得分减少", NEGATIVE), ("不变", "#aab7b8")):
        counts = [
            u.filter((pl.col("group") == g) & (pl.col("outcome") == label)).height for g in groups
        ]
        fig.add_bar(x=[text(g) for g in groups], y=counts, name=label, marker_color=color)
    fig.update_layout(barmode="stack", yaxis_title="单位数", xaxis_title="类别")
    return fig


# ---- rendering ---------------------------------------------------------------------------


def render_simulation(
    scenario_path: Path, ledger: Path, out_dir: Path, failed_dir: Path | None = None
) -> Path:
    """Execute notebooks/simulate.ipynb for the scenario and publish offline HTML with its
    executed notebook (`kaohe.publish.publish_page`). The caller holds the lock of `out_dir`.
    A failed run keeps its executed notebook as ``模拟-<情景>.失败.ipynb`` in `failed_dir`
    (default `out_dir`)."""
    from kaohe.publish import NOTEBOOKS, Page, existing_ledger, publish_page

    sc = load_scenario(scenario_path)
    page = Page(
        title=f"规则模拟：{sc.name}",
        stem=f"模拟-{Path(scenario_path).stem}",
        folder=out_dir,
        notebook=NOTEBOOKS / "simulate.ipynb",
        parameters={
            "scenario_path": str(Path(scenario_path).resolve()),
            "ledger_path": str(existing_ledger(ledger)),
            "out_dir": ".",  # the staging folder, where the kernel works
        },
        noun="模拟报告",
        failed_dir=failed_dir,
    )
    return publish_page(page, progress=False, held=True).html


# ---- the sweep page ----------------------------------------------------------------------

SWEEP_STEM = "sweep"
SWEEP_TABLE_VALUES = 4  # the most values the page's tables list (sweep.csv has them all)
# Within a unit group (one colour), each unit its own dash.
DASHES = ("solid", "dash", "dot", "dashdot", "longdash", "longdashdot")
# A legend below the plot, at the foot of the figure: plotly reserves its height there, so
# neither the plot nor the x axis and its title ever lie under it, whatever the width.
LEGEND_BELOW: dict[str, Any] = {
    "orientation": "h",
    "x": 0,
    "xanchor": "left",
    "yref": "container",
    "y": 0,
    "yanchor": "bottom",
    "groupclick": "toggleitem",
}
# What the page shows of a unit at each value: (column of the sweep, Chinese name, format).
SWEEP_MEASURES = (
    ("total", "总得分", "pts"),
    ("completion_rate", "完成率", "pct"),
    ("rank", "类内排名", "int"),
)
OUTCOME_MEASURE = {
    "department": ("adjustment", "绩效考核调整分", "pts"),
    "district": ("assessment_score", "考核赋分", "pts"),
}


def _baseline_value(table: pl.DataFrame) -> float | None:
    base = table.filter(pl.col("baseline"))["value"]
    return float(base[0]) if base.len() else None


def _axis(info: RuleInfo) -> dict[str, Any]:
    """The x axis: the swept rule in words and its unit; a share as a percentage."""
    unit = "" if info.unit in ("", "比例", "年") else f"（{info.unit}）"
    axis: dict[str, Any] = {"title": {"text": text(f"{info.what}{unit}")}}
    if info.unit == "比例":
        axis["tickformat"] = ".0%"
    return axis


def _unit_lines(
    fig: go.Figure,
    table: pl.DataFrame,
    col: str,
    rules: Rules,
    info: RuleInfo,
    fmt: str,
    row: int | None = None,
    legend: bool = True,
) -> None:
    """One line per unit across the values: its group's colour, its own dash within the
    group, in the legend under its group's name."""
    colors = group_colors(rules)
    labels = group_labels(rules)
    shown = {"pts": ":.2f", "pct": ":.2%", "int": ""}[fmt]
    value = ":.0%" if info.unit == "比例" else ""
    seen: dict[str, int] = {}
    for unit in table["unit"].unique(maintain_order=True).to_list():
        part = table.filter(pl.col("unit") == unit)
        group = part["group"][0]
        k = seen[group] = seen.get(group, -1) + 1
        fig.add_scatter(
            x=part["value"].to_list(),
            y=part[col].to_list(),
            mode="lines",
            name=text(unit),
            legendgroup=text(group),
            legendgrouptitle={"text": text(labels.get(group, group))},
            showlegend=legend,
            line={"color": colors.get(group, MUTED), "dash": DASHES[k % len(DASHES)], "width": 2},
            hovertemplate=f"{text(unit)}：%{{y{shown}}}<extra>取值 %{{x{value}}}</extra>",
            **({"row": row, "col": 1} if row is not None else {}),
        )


def _mark_baseline(
    fig: go.Figure, base_value: float | None, info: RuleInfo, rows: int | None = None
) -> None:
    """A dashed line at the rules file's own value (on every panel of `rows`), named on a
    single chart (the panels' figure names it in its title)."""
    if base_value is None:
        return
    line = {"dash": "dash", "color": BASE_COLOR, "width": 1}
    label = text(f"现行取值 {info.value_text(base_value)}")
    if rows is None:
        fig.add_vline(x=base_value, line=line, annotation_text=label)
        return
    for row in range(1, rows + 1):
        fig.add_vline(x=base_value, line=line, row=row, col=1)


ANNOTATION_GROUND = "rgba(255,255,255,0.85)"  # a label readable over the lines it crosses


def _sweep_figure(
    table: pl.DataFrame, col: str, name: str, fmt: str, rules: Rules, info: RuleInfo
) -> go.Figure:
    fig = new_figure(f"各单位的{name}", height=620)
    _unit_lines(fig, table, col, rules, info, fmt)
    _mark_baseline(fig, _baseline_value(table), info)
    yaxis: dict[str, Any] = {"title": {"text": name}}
    if fmt == "pct":
        yaxis["tickformat"] = ".0%"
        fig.add_hline(
            y=1,
            line={"color": MUTED, "dash": "dot", "width": 1},
            annotation_text="完成率100%（达到基本任务分）",
            annotation_position="bottom right",
            # on a white ground: the unit lines run under the label
            annotation_bgcolor=ANNOTATION_GROUND,
        )
    fig.update_layout(xaxis=_axis(info), yaxis=yaxis, legend=LEGEND_BELOW)
    return fig


def _base_note(table: pl.DataFrame, info: RuleInfo) -> str:
    base_value = _baseline_value(table)
    return "" if base_value is None else f"；虚线为现行取值 {info.value_text(base_value)}"


def _rank_figure(table: pl.DataFrame, rules: Rules, info: RuleInfo) -> go.Figure:
    """The rank within class: one panel per class (a rank compares units of one class)."""
    labels = group_labels(rules)
    groups = [g for g in labels if table.filter(pl.col("group") == g).height]
    fig = make_subplots(
        rows=len(groups),
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.06,
        subplot_titles=[text(labels[g]) for g in groups],
    )
    for i, g in enumerate(groups, start=1):
        part = table.filter(pl.col("group") == g)
        _unit_lines(fig, part, "rank", rules, info, "int", row=i)
        n = int(part["rank"].max() or 1)
        fig.update_yaxes(
            autorange=False, range=[n + 0.5, 0.5], dtick=1, title_text="名次", row=i, col=1
        )
    fig.update_xaxes(_axis(info), row=len(groups), col=1)
    fig.update_layout(
        template=house_template(),
        title={"text": text(f"各单位的类内排名（按类别分栏{_base_note(table, info)}）")},
        height=max(420, 150 * len(groups) + 220),
        legend=LEGEND_BELOW,
    )
    _mark_baseline(fig, _baseline_value(table), info, rows=len(groups))
    return fig


def sweep_figures(table: pl.DataFrame, rules: Rules, path: str) -> list[go.Figure]:
    """Each unit across the swept values — total, completion rate, rank within class, and
    what 四 makes of them (the departments' adjustment, the districts' assessment) — with the
    rules file's own value marked; the rule named in words (`rule_info`), never its path."""
    info = rule_info(rules, path)
    figs = [
        _sweep_figure(table, "total", "总得分", "pts", rules, info),
        _sweep_figure(table, "completion_rate", "完成率", "pct", rules, info),
        _rank_figure(table, rules, info),
    ]
    for kind, (col, name, fmt) in OUTCOME_MEASURE.items():
        part = table.filter(pl.col("kind") == kind)
        if part.height:
            who = "处室、单位" if kind == "department" else "区、县（市）局"
            fig = _sweep_figure(part, col, name, fmt, rules, info)
            fig.update_layout(title={"text": text(f"{who}的{name}")})
            figs.append(fig)
    return figs


def shown_values(values: Sequence[float], base_value: float | None) -> list[float]:
    """The values the tables list: all of them when few, else both ends, the rules file's
    own value and evenly spaced ones between, in order (at most SWEEP_TABLE_VALUES)."""
    if len(values) <= SWEEP_TABLE_VALUES:
        return list(values)
    picked = {0, len(values) - 1}
    if base_value is not None and base_value in values:
        picked.add(values.index(base_value))
    k = SWEEP_TABLE_VALUES - 1
    for j in range(k + 1):
        if len(picked) >= SWEEP_TABLE_VALUES:
            break
        picked.add(round(j * (len(values) - 1) / k))
    return [values[i] for i in sorted(picked)]


def sweep_tables(table: pl.DataFrame, rules: Rules, path: str) -> list[Table]:
    """Per kind of unit, each unit at the listed values (`shown_values`): its total,
    completion rate, rank within class and adjustment (departments) or assessment
    (districts) — a change of the base moves those, not the total."""
    info = rule_info(rules, path)
    values = table["value"].unique(maintain_order=True).to_list()
    base_value = _baseline_value(table)
    shown = shown_values(values, base_value)
    labels = group_labels(rules)
    out = []
    for kind, outcome in OUTCOME_MEASURE.items():
        part = table.filter(pl.col("kind") == kind)
        if not part.height:
            continue
        wide = part.filter(pl.col("value") == shown[0]).select("unit", "group")
        columns = [Column("unit", "单位"), Column("group_label", "类别")]
        for i, v in enumerate(shown):
            head = f"取值 {info.value_text(v)}" + ("（现行）" if v == base_value else "")
            at = part.filter(pl.col("value") == v)
            for col, name, fmt in (*SWEEP_MEASURES, outcome):
                key = f"{col}_{i}"
                wide = wide.join(at.select("unit", pl.col(col).alias(key)), on="unit")
                columns.append(Column(key, f"{head}|{name}", fmt))
        wide = wide.with_columns(
            pl.col("group").replace_strict(labels, return_dtype=pl.String).alias("group_label")
        )
        note = (
            f"共 {len(values)} 个取值，表中列出其中 {len(shown)} 个（两端、现行取值和均匀间隔的取值）；"
            "全部取值见同一文件夹中的 sweep.csv。"
            if len(shown) < len(values)
            else None
        )
        who = "处室、单位" if kind == "department" else "区、县（市）局"
        out.append(
            Table(
                name=who,
                title=f"{who}：各取值下的总得分、完成率、类内排名和{outcome[1]}",
                frame=wide,
                columns=tuple(columns),
                note=note,
            )
        )
    return out


def sweep_summary(table: pl.DataFrame, rules: Rules, path: str) -> Html:
    """What the sweep changes, from the first value to the last: how many units' totals,
    ranks and adjustments or assessments differ."""
    info = rule_info(rules, path)
    values = table["value"].unique(maintain_order=True).to_list()
    lo, hi = values[0], values[-1]
    a = table.filter(pl.col("value") == lo)
    b = table.filter(pl.col("value") == hi).select(
        "unit",
        *(pl.col(c).alias(f"{c}_b") for c, *_ in (*SWEEP_MEASURES, *OUTCOME_MEASURE.values())),
    )
    j = a.join(b, on="unit")

    def moved(col: str, kind: str | None = None) -> int:
        part = j if kind is None else j.filter(pl.col("kind") == kind)
        return part.filter(~pl.col(col).eq_missing(pl.col(f"{col}_b"))).height

    paras = [
        f"扫描的规则：{info.label}。"
        + (f"条款原文：{info.description}。" if info.description else ""),
        f"取值从 {info.value_text(lo)} 到 {info.value_text(hi)}（共 {len(values)} 个）："
        f"{moved('total')} 个单位的总得分、{moved('completion_rate')} 个单位的完成率、"
        f"{moved('rank')} 个单位的类内排名有变化；"
        f"{moved('adjustment', 'department')} 个处室、单位的绩效考核调整分和 "
        f"{moved('assessment_score', 'district')} 个区、县（市）局的考核赋分有变化。",
        "图中虚线为规则文件的现行取值；同一类别的单位同一颜色，以线型区分。",
    ]
    return Html("".join(f"<p>{esc(p)}</p>" for p in paras), "概述")


def sweep_html(
    table: pl.DataFrame,
    path: str,
    folder: Path,
    ctx: Context,
    method: str = "vectorised",
    failed_dir: Path | None = None,
) -> Path:
    """The sweep page ``sweep.html`` in `folder`: the shared page header (what was swept, its
    values; the ledger and rules file of `ctx` go to the colophon), what changes, the charts
    and the tables, published through the pipeline of every page
    (`kaohe.publish.publish_outputs`: offline, checked, fingerprinted, the same bytes for the
    same sweep). The caller holds the lock of `folder`."""
    from kaohe.publish import Page, publish_outputs

    rules = ctx.rules
    info = rule_info(rules, path)
    values = table["value"].unique(maintain_order=True).to_list()
    base_value = _baseline_value(table)
    rows = [
        (
            "取值",
            f"{len(values)} 个，{info.value_text(values[0])} 至 {info.value_text(values[-1])}",
        ),
        (
            "现行取值",
            info.value_text(base_value) if base_value is not None else "（不在扫描范围内）",
        ),
        ("计算方式", "一次算出全部取值" if method == "vectorised" else "逐个取值完整计分"),
    ]
    title = "规则参数扫描"
    outputs: list[Any] = [
        render.page_header(title, info.label, ctx, rows),
        render.heading("一、总体情况"),
        sweep_summary(table, rules, path),
        render.heading("二、图表"),
        *sweep_figures(table, rules, path),
        render.heading("三、各取值下的结果"),
        render.table(sweep_tables(table, rules, path)),
    ]
    page = Page(
        f"{title}：{info.label}", SWEEP_STEM, folder, noun="扫描图表", failed_dir=failed_dir
    )
    return publish_outputs(page, outputs, held=True).html
