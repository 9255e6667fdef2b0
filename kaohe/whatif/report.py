"""The simulation report (notebooks/simulate.ipynb) and the sweep page: their tables and charts,
published by the pipeline of every page (`kaohe.publish`)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import plotly.graph_objects as go
import polars as pl

from kaohe.present import render
from kaohe.present.charts import (
    NEGATIVE,
    POSITIVE,
    group_colors,
    house_template,
    new_figure,
    text,
)
from kaohe.present.render import Html, esc, ledger_date
from kaohe.present.views import Column, Table, capped
from kaohe.rules.models import Rules
from kaohe.whatif.scenario import Scenario, load_scenario, scenario_rules
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
    )


# ---- header and tables -------------------------------------------------------------------


def header(r: SimulationReport, issued: date | None = None) -> Html:
    sc = r.scenario
    changes = "；".join(f"{k} = {v}" for k, v in sc.changes.items()) or "（无改动）"
    rows = [
        ("情景", sc.name),
        ("说明", sc.description),
        ("改动", changes),
        ("台账", r.ledger_path),
        ("台账指纹（sha256）", r.ledger_sha256),
        ("基准规则", f"{sc.base.name}（{r.baseline_rules.meta.title}）"),
        ("基准规则指纹（sha256）", r.base_sha256),
        ("情景文件指纹（sha256）", r.scenario_sha256),
        ("生成日期", issued.isoformat())
        if issued
        else ("台账记录至", r.ledger_date.isoformat() if r.ledger_date else "（台账中没有日期）"),
    ]
    meta = {
        "ledger": r.ledger_path,
        "ledger_sha256": r.ledger_sha256,
        "rules": str(sc.base),
        "rules_sha256": r.base_sha256,
        "scenario_sha256": r.scenario_sha256,
    }
    return page_header(f"规则模拟：{sc.name}", rows, meta)


def page_header(title: str, rows: Sequence[tuple[str, str]], meta: dict[str, str]) -> Html:
    """The header of a what-if page: its title, what it was made from, and (`meta`, in the
    output's metadata) the fingerprints the page's footer repeats (`kaohe.publish`)."""
    body = "".join(f"<tr><th>{esc(k)}</th><td>{esc(v)}</td></tr>" for k, v in rows)
    return Html(
        f'<header class="kh-header"><h1>{esc(title)}</h1>'
        f'<table class="kh-meta">{body}</table></header>',
        "页眉",
        meta,
    )


def summary(r: SimulationReport) -> Html:
    u = r.comparison.units
    gain = u.filter(pl.col("delta") > 0)
    lose = u.filter(pl.col("delta") < 0)
    up = u.filter(pl.col("base_line") == "达到基本任务分")["unit"].to_list()
    down = u.filter(pl.col("base_line") == "跌破基本任务分")["unit"].to_list()
    moved = u.filter(pl.col("rank_change") != 0).height
    adv_b = set(u.filter(pl.col("advanced_baseline"))["unit"])
    adv_s = set(u.filter(pl.col("advanced_scenario"))["unit"])
    assess = u.filter(pl.col("assessment_delta").fill_null(0) != 0)["unit"].to_list()
    paras = [
        f"按情景规则重新计分，{gain.height} 个单位得分增加，{lose.height} 个减少，"
        f"{u.height - gain.height - lose.height} 个不变；{moved} 个单位名次有变化。",
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
    df = r.comparison.units.filter(pl.col("kind") == kind)
    cols = [
        Column("unit", "单位"),
        Column("group", "类别"),
        Column("base_baseline", "基本任务分|基准", "pts"),
        Column("base_scenario", "基本任务分|情景", "pts"),
        Column("baseline", "总得分|基准", "pts"),
        Column("scenario", "总得分|情景", "pts"),
        Column("delta", "总得分|变化", "pts"),
        Column("rank_baseline", "排名|基准", "int"),
        Column("rank_scenario", "排名|情景", "int"),
        Column("rank_change", "排名|上升", "int"),
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
        note="排名|上升：正数为名次上升。",
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
        frame=r.comparison.lines_changed,
        columns=(
            Column("unit", "单位"),
            Column("step", "计分项"),
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
SWEEP_COLUMNS = 40  # the most values the page's table lists (sweep.csv has them all)


def sweep_figures(table: pl.DataFrame, path: str) -> list[go.Figure]:
    """Each unit's total and rank across the swept values; the baseline value marked."""
    figs = []
    base = table.filter(pl.col("baseline"))["value"]
    base_value = float(base[0]) if base.len() else None
    for col, label in (("total", "总得分"), ("rank", "名次（类内）")):
        fig = go.Figure()
        fig.update_layout(
            template=house_template(), title={"text": text(f"{path} 取值与各单位{label}")}
        )
        for unit in table["unit"].unique(maintain_order=True).to_list():
            part = table.filter(pl.col("unit") == unit)
            fig.add_scatter(
                x=part["value"].to_list(),
                y=part[col].to_list(),
                mode="lines",
                name=text(unit),
                hovertemplate=text(unit) + "：%{y}<extra>取值 %{x}</extra>",
            )
        if base_value is not None:
            fig.add_vline(
                x=base_value,
                line={"dash": "dash", "color": "#1c2833"},
                annotation_text=f"现行取值 {base_value:g}",
            )
        fig.update_layout(
            xaxis_title="取值",
            yaxis_title=label,
            height=560,
            legend={"orientation": "v", "x": 1.02, "xanchor": "left", "y": 1, "yanchor": "top"},
            **({"yaxis": {"autorange": "reversed", "title": label}} if col == "rank" else {}),
        )
        figs.append(fig)
    return figs


def sweep_table(table: pl.DataFrame) -> Table:
    """Each unit's total at each value (the first SWEEP_COLUMNS values)."""
    wide = table.pivot(on="value", index="unit", values="total")
    values = wide.columns[1:]
    shown = values[:SWEEP_COLUMNS]
    note = (
        f"共 {len(values)} 个取值，表中列出前 {len(shown)} 个；全部见 sweep.csv。"
        if len(values) > len(shown)
        else None
    )
    return Table(
        name="扫描",
        title="各取值下的总得分",
        frame=wide,
        columns=(Column("unit", "单位"), *(Column(v, v, "pts") for v in shown)),
        note=note,
    )


def sweep_html(
    table: pl.DataFrame,
    path: str,
    folder: Path,
    inputs: dict[str, str],
    method: str = "vectorised",
    failed_dir: Path | None = None,
) -> Path:
    """The sweep page ``sweep.html`` in `folder`: what was swept and on what (`inputs`: ledger,
    ledger_sha256, rules, rules_sha256), the two charts and the table, published through the
    pipeline of every page (`kaohe.publish.publish_outputs`: offline, checked, fingerprinted,
    the same bytes for the same sweep). The caller holds the lock of `folder`."""
    from kaohe.publish import Page, publish_outputs

    values = table["value"].unique(maintain_order=True).to_list()
    base = table.filter(pl.col("baseline"))["value"]
    rows = [
        ("规则路径", path),
        ("取值", f"{len(values)} 个：{values[0]:g} … {values[-1]:g}" if values else "（无）"),
        ("现行取值", f"{base[0]:g}" if base.len() else "（不在扫描范围内）"),
        ("计算方式", "一次向量化计算" if method == "vectorised" else "逐值完整计分"),
        ("台账", inputs.get("ledger", "")),
        ("台账指纹（sha256）", inputs.get("ledger_sha256", "")),
        ("规则文件", inputs.get("rules", "")),
        ("规则指纹（sha256）", inputs.get("rules_sha256", "")),
    ]
    title = f"参数扫描：{path}"
    outputs = [page_header(title, rows, inputs), *sweep_figures(table, path)]
    outputs.append(render.table(sweep_table(table)))
    page = Page(title, SWEEP_STEM, folder, noun="扫描图表", failed_dir=failed_dir)
    return publish_outputs(page, outputs, held=True).html
