"""Every figure of the reports, in one house style (plotly).

House style: Chinese labels; a CJK font stack; one colour per unit group (A, B, C, D, 区县 —
taken from the rules file, so a new group gets the next colour); ordinal shades for the
adoption levels; the base task (基本任务分) drawn wherever a score is compared with it.

Text from the ledger (unit and person names) is escaped before it reaches a figure: plotly
reads a subset of HTML in labels, and a name must show as written, not as markup.

`use_house_style()` makes the house template the default and displays figures as HTML that
reaches for nothing online (plotly's own notebook renderer adds a MathJax <script src> from a
CDN to every figure). plotly.js itself is embedded once by the notebook's first cell
(`plotly.offline.init_notebook_mode(connected=False)`).
"""

from __future__ import annotations

import html
from typing import Any

import plotly.graph_objects as go
import plotly.io as pio
import polars as pl
from plotly.io.base_renderers import MimetypeRenderer
from plotly.subplots import make_subplots

from kaohe.rules.models import Rules

FONT_FAMILY = (
    '"Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC", '
    '"Hiragino Sans GB", "WenQuanYi Micro Hei", "SimHei", sans-serif'
)
# One colour per unit group, in the order of rules.groups.list.
GROUP_PALETTE = ("#c0392b", "#e67e22", "#2e86c1", "#27ae60", "#8e44ad", "#16a085", "#d4ac0d")
# Adoption levels, highest first: one hue, darker = higher.
LEVEL_COLORS = {
    "central": "#08306b",
    "provincial": "#2171b5",
    "city": "#6baed6",
    "bureau": "#c6dbef",
}
BASE_COLOR = "#1c2833"
PACE_COLOR = "#7f8c8d"
POSITIVE = "#27ae60"
NEGATIVE = "#c0392b"
CONFIG = {"displaylogo": False, "responsive": True, "modeBarButtonsToRemove": ["lasso2d"]}
TEMPLATE_NAME = "kaohe"
RENDERER_NAME = "kaohe"


def house_template() -> go.layout.Template:
    axis = {
        "showgrid": True,
        "gridcolor": "#e5e8e8",
        "zerolinecolor": "#aab7b8",
        "linecolor": "#aab7b8",
        "ticks": "outside",
        "tickcolor": "#aab7b8",
        "automargin": True,
        "title": {"standoff": 8},
    }
    return go.layout.Template(
        layout={
            "font": {"family": FONT_FAMILY, "size": 13, "color": "#1c2833"},
            "title": {"x": 0.0, "xanchor": "left", "font": {"size": 17}},
            "paper_bgcolor": "white",
            "plot_bgcolor": "white",
            "colorway": list(GROUP_PALETTE),
            "xaxis": axis,
            "yaxis": axis,
            "legend": {"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0},
            "hoverlabel": {"font": {"family": FONT_FAMILY}},
            "margin": {"l": 10, "r": 30, "t": 80, "b": 40},
            "bargap": 0.25,
        }
    )


class HouseRenderer(MimetypeRenderer):
    """A figure as text/html: a div and a Plotly.newPlot call; plotly.js is not included
    (the notebook's first cell embeds it once) and no MathJax is loaded from anywhere."""

    def to_mimebundle(self, fig_dict: dict[str, Any]) -> dict[str, str]:
        height = (fig_dict.get("layout") or {}).get("height") or 480
        body = pio.to_html(
            fig_dict,
            config=CONFIG,
            include_plotlyjs=False,
            include_mathjax=False,
            full_html=False,
            default_width="100%",
            default_height=height,
            validate=False,
        )
        return {"text/html": body}


def use_house_style() -> None:
    """Register the house template and renderer and make them the defaults."""
    pio.templates[TEMPLATE_NAME] = house_template()
    pio.templates.default = TEMPLATE_NAME
    pio.renderers[RENDERER_NAME] = HouseRenderer()
    # plotly_mimetype keeps the figure interactive in JupyterLab; text/html is what the
    # exported report shows.
    pio.renderers.default = f"plotly_mimetype+{RENDERER_NAME}"


def group_colors(rules: Rules) -> dict[str, str]:
    """One colour per unit group, in the rules file's order."""
    return {g.name: GROUP_PALETTE[i % len(GROUP_PALETTE)] for i, g in enumerate(rules.groups.list)}


def text(value: object) -> str:
    """Ledger text as a literal label (plotly would read <b>, <a href> … as markup)."""
    return html.escape("" if value is None else str(value), quote=False)


def _texts(values: list[Any]) -> list[str]:
    return [text(v) for v in values]


def _fmt(x: float | None) -> str:
    if x is None:
        return ""
    s = f"{x:.2f}".rstrip("0").rstrip(".")
    return "0" if s == "-0" else s


_LEGEND_BELOW = {"orientation": "h", "yanchor": "top", "y": -0.14, "x": 0}


def new_figure(title: str, height: int) -> go.Figure:
    fig = go.Figure()
    fig.update_layout(title={"text": text(title)}, height=height, template=house_template())
    return fig


# ---- scores against the base ---------------------------------------------------------------


def score_vs_base(
    progress: pl.DataFrame, rules: Rules, title: str = "各单位累计得分与基本任务分"
) -> go.Figure:
    """One horizontal bar per unit (colour = group): the score; a black tick: the base task;
    a grey tick (if `expected` is given): the score due by the time progress.

    progress: unit, group, total, base[, expected] — e.g. views.progress(...).
    """
    colors = group_colors(rules)
    order = {g.name: i for i, g in enumerate(rules.groups.list)}
    # plotly draws the first category at the bottom: the last group first, smallest first, so
    # that group A is on top and each group reads from its highest score down
    df = progress.with_columns(
        pl.col("group").replace_strict(order, return_dtype=pl.Int64).alias("_g")
    ).sort("_g", "total", descending=[True, False])
    labels = _texts(df["unit"].to_list())
    fig = new_figure(title, height=max(360, 28 * df.height + 140))
    for g in rules.groups.list:
        part = df.filter(pl.col("group") == g.name)
        if part.height == 0:
            continue
        name = f"{g.name}类" if g.kind == "department" else text(g.name)
        fig.add_bar(
            x=part["total"].to_list(),
            y=_texts(part["unit"].to_list()),
            orientation="h",
            name=name,
            marker_color=colors[g.name],
            text=[_fmt(v) for v in part["total"].to_list()],
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{y}：%{x:.2f}分<extra>" + name + "</extra>",
        )
    fig.add_scatter(
        x=df["base"].to_list(),
        y=labels,
        mode="markers",
        name="基本任务分",
        marker={"symbol": "line-ns", "size": 22, "line": {"width": 3, "color": BASE_COLOR}},
        hovertemplate="%{y}：基本任务分%{x}<extra></extra>",
    )
    if "expected" in df.columns and df["expected"].drop_nulls().len():
        fig.add_scatter(
            x=df["expected"].to_list(),
            y=labels,
            mode="markers",
            name="按时间进度应得分",
            marker={"symbol": "line-ns", "size": 16, "line": {"width": 2, "color": PACE_COLOR}},
            hovertemplate="%{y}：按进度应得%{x:.1f}分<extra></extra>",
        )
    fig.update_layout(
        barmode="overlay",
        xaxis_title="得分",
        yaxis={"categoryorder": "array", "categoryarray": labels},
    )
    return fig


def district_progress(progress: pl.DataFrame, title: str = "区县得分与报送进度") -> go.Figure:
    """Districts: score against the base (and the time progress), submissions against the task.

    progress: views.progress(...) rows of the districts.
    """
    df = progress.filter(pl.col("kind") == "district").sort("order")
    units = _texts(df["unit"].to_list())
    fig = make_subplots(
        rows=1,
        cols=2,
        subplot_titles=("累计得分（分）", "报送信息（篇）"),
        horizontal_spacing=0.12,
    )
    fig.update_layout(
        title={"text": text(title)}, height=460, template=house_template(), legend=_LEGEND_BELOW
    )
    color = GROUP_PALETTE[4]
    fig.add_bar(
        x=units,
        y=df["total"].to_list(),
        name="累计得分",
        marker_color=color,
        text=[_fmt(v) for v in df["total"].to_list()],
        textposition="outside",
        cliponaxis=False,
        row=1,
        col=1,
    )
    fig.add_scatter(
        x=units,
        y=df["base"].to_list(),
        mode="markers",
        name="基本任务分",
        marker={"symbol": "line-ew", "size": 34, "line": {"width": 3, "color": BASE_COLOR}},
        row=1,
        col=1,
    )
    fig.add_scatter(
        x=units,
        y=df["expected"].to_list(),
        mode="markers",
        name="按时间进度应达",
        marker={"symbol": "line-ew", "size": 26, "line": {"width": 2, "color": PACE_COLOR}},
        row=1,
        col=1,
    )
    fig.add_bar(
        x=units,
        y=df["submitted"].fill_null(0).to_list(),
        name="已报送",
        marker_color="#bb8fce",
        text=df["submitted"].fill_null(0).to_list(),
        textposition="outside",
        cliponaxis=False,
        row=1,
        col=2,
    )
    fig.add_scatter(
        x=units,
        y=df["submissions_task"].to_list(),
        mode="markers",
        name="报送任务",
        marker={"symbol": "line-ew", "size": 34, "line": {"width": 3, "color": BASE_COLOR}},
        showlegend=False,
        row=1,
        col=2,
    )
    fig.add_scatter(
        x=units,
        y=df["submissions_expected"].to_list(),
        mode="markers",
        name="按时间进度应报送",
        marker={"symbol": "line-ew", "size": 26, "line": {"width": 2, "color": PACE_COLOR}},
        showlegend=False,
        row=1,
        col=2,
    )
    return fig


# ---- adoptions -----------------------------------------------------------------------------


def adoptions_by_publication(
    df: pl.DataFrame, title: str = "本季度录用情况（按刊物、级别）"
) -> go.Figure:
    """Adoptions per publication, one colour per level (highest level on top).

    df: level, level_label, publication, adoptions — views.adoptions_by_publication(...).
    """
    d = df.reverse()  # the first row (highest level, most adoptions) on top
    fig = new_figure(title, height=max(320, 26 * d.height + 150))
    for lv, color in LEVEL_COLORS.items():
        part = d.filter(pl.col("level") == lv)
        if part.height == 0:
            continue
        fig.add_bar(
            x=part["adoptions"].to_list(),
            y=_texts(part["publication"].to_list()),
            orientation="h",
            name=text(part["level_label"][0]),
            marker_color=color,
            marker_line={"color": "#5d6d7e", "width": 0.5},
            text=part["adoptions"].to_list(),
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{y}：%{x}篇次<extra></extra>",
        )
    fig.update_layout(
        xaxis_title="录用篇次",
        yaxis={"categoryorder": "array", "categoryarray": _texts(d["publication"].to_list())},
    )
    if d.height == 0:
        fig.add_annotation(
            text="本期没有录用", showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper"
        )
    return fig


def quarter_trend(df: pl.DataFrame, rules: Rules, title: str = "分季度走势") -> go.Figure:
    """Left: year-to-date completion of each group's base at each quarter's end, against the
    time progress; right: submissions and adoptions of each quarter.

    df: views.trend(...): quarter, quarter_label, group, completion, pace, submitted, adoptions.
    """
    colors = group_colors(rules)
    fig = make_subplots(
        rows=1,
        cols=2,
        subplot_titles=("累计完成基本任务分的比例（按类别）", "各季度报送与录用"),
        horizontal_spacing=0.12,
        column_widths=[0.55, 0.45],
    )
    fig.update_layout(
        title={"text": text(title)}, height=480, template=house_template(), legend=_LEGEND_BELOW
    )
    quarters = df.select("quarter", "quarter_label", "pace").unique().sort("quarter")
    labels = quarters["quarter_label"].to_list()
    for g in rules.groups.list:
        part = df.filter(pl.col("group") == g.name).sort("quarter")
        if part.height == 0:
            continue
        name = f"{g.name}类" if g.kind == "department" else text(g.name)
        fig.add_scatter(
            x=part["quarter_label"].to_list(),
            y=part["completion"].to_list(),
            mode="lines+markers",
            name=name,
            line={"color": colors[g.name], "width": 2.5},
            hovertemplate="%{x}：%{y:.1%}<extra>" + name + "</extra>",
            row=1,
            col=1,
        )
    fig.add_scatter(
        x=labels,
        y=quarters["pace"].to_list(),
        mode="lines",
        name="时间进度",
        line={"color": PACE_COLOR, "dash": "dash", "width": 2},
        row=1,
        col=1,
    )
    fig.add_hline(
        y=1.0,
        line={"color": BASE_COLOR, "width": 1.5},
        row=1,
        col=1,
        annotation_text="基本任务分",
        annotation_position="top left",
    )
    totals = (
        df.group_by("quarter", "quarter_label")
        .agg(pl.col("submitted").sum(), pl.col("adoptions").sum())
        .sort("quarter")
    )
    fig.add_bar(
        x=totals["quarter_label"].to_list(),
        y=totals["submitted"].to_list(),
        name="报送（篇）",
        marker_color="#aab7b8",
        text=totals["submitted"].to_list(),
        textposition="outside",
        cliponaxis=False,
        row=1,
        col=2,
    )
    fig.add_bar(
        x=totals["quarter_label"].to_list(),
        y=totals["adoptions"].to_list(),
        name="录用（篇次）",
        marker_color=LEVEL_COLORS["provincial"],
        text=totals["adoptions"].to_list(),
        textposition="outside",
        cliponaxis=False,
        row=1,
        col=2,
    )
    fig.update_yaxes(tickformat=".0%", rangemode="tozero", row=1, col=1)
    fig.update_layout(barmode="group")
    return fig


# ---- the year ------------------------------------------------------------------------------


def score_waterfall(
    breakdown: pl.DataFrame, title: str = "单位得分构成（按条款，可选择单位）"
) -> go.Figure:
    """One waterfall per unit (clause subtotals adding up to the total), a menu to choose the
    unit, and the unit's base task drawn as a line.

    breakdown: views.breakdown(...): unit, base, label, points (clause order).
    """
    fig = new_figure(title, height=460)
    units = breakdown.select("unit", "base").unique(maintain_order=True)
    buttons = []
    n = units.height
    for i, (unit, base) in enumerate(units.iter_rows()):
        part = breakdown.filter(pl.col("unit") == unit)
        labels = [*part["label"].to_list(), "总得分"]
        values = [*part["points"].to_list(), 0.0]
        total = float(sum(part["points"].to_list()))
        fig.add_waterfall(
            x=labels,
            y=values,
            measure=["relative"] * part.height + ["total"],
            name=text(unit),
            visible=i == 0,
            text=[_fmt(v) for v in part["points"].to_list()] + [_fmt(total)],
            textposition="outside",
            cliponaxis=False,
            increasing={"marker": {"color": POSITIVE}},
            decreasing={"marker": {"color": NEGATIVE}},
            totals={"marker": {"color": BASE_COLOR}},
            connector={"line": {"color": "#aab7b8"}},
            hovertemplate="%{x}：%{y:.2f}分<extra></extra>",
        )
        visible = [j == i for j in range(n)]
        buttons.append(
            {
                "label": text(unit),
                "method": "update",
                "args": [
                    {"visible": visible},
                    {"shapes": [_base_line(float(base))]},
                ],
            }
        )
    if n:
        first_base = float(units["base"][0])
        fig.update_layout(
            shapes=[_base_line(first_base)],
            updatemenus=[
                {
                    "buttons": buttons,
                    "direction": "down",
                    "x": 1.0,
                    "xanchor": "right",
                    "y": 1.18,
                    "yanchor": "top",
                    "showactive": True,
                }
            ],
            yaxis_title="分",
            showlegend=False,
        )
    return fig


def _base_line(base: float) -> dict[str, Any]:
    return {
        "type": "line",
        "xref": "paper",
        "x0": 0,
        "x1": 1,
        "yref": "y",
        "y0": base,
        "y1": base,
        "line": {"color": BASE_COLOR, "width": 2, "dash": "dot"},
        "label": {
            "text": f"基本任务分 {_fmt(base)}",
            "textposition": "start",
            "yanchor": "bottom",
            "font": {"color": BASE_COLOR, "size": 12},
        },
    }


def adjustments(
    df: pl.DataFrame, rules: Rules, title: str = "处室、单位绩效考核调整分"
) -> go.Figure:
    """Departments' performance adjustment (+ above the base, − below), colour = group.

    df: views.adjustments(...): unit, group, completion_rate, adjustment.
    """
    colors = group_colors(rules)
    d = df.reverse()
    fig = new_figure(title, height=max(360, 28 * d.height + 140))
    for g in rules.groups.list:
        part = d.filter(pl.col("group") == g.name)
        if part.height == 0:
            continue
        fig.add_bar(
            x=part["adjustment"].to_list(),
            y=_texts(part["unit"].to_list()),
            orientation="h",
            name=f"{g.name}类",
            marker_color=colors[g.name],
            text=[f"{v:+.2f}" for v in part["adjustment"].to_list()],
            textposition="outside",
            cliponaxis=False,
            customdata=part["completion_rate"].to_list(),
            hovertemplate="%{y}：%{x:+.2f}分（完成率%{customdata:.2%}）<extra></extra>",
        )
    fig.add_vline(
        x=0,
        line={"color": BASE_COLOR, "width": 2},
        annotation_text="完成基本任务分（100%）",
        annotation_position="top",
    )
    fig.update_layout(
        legend=_LEGEND_BELOW,
        xaxis_title="调整分（完成率每高/低一个百分点 ±0.2分）",
        yaxis={"categoryorder": "array", "categoryarray": _texts(d["unit"].to_list())},
    )
    return fig


def district_assessment(df: pl.DataFrame, title: str = "区县总得分与考核赋分") -> go.Figure:
    """Districts: total against the base task and the zero line (at or below it: no score);
    each bar labelled with the assessment score it earns.

    df: views.district_assessment(...): unit, base, total, assessment_score, full_score,
    zero_share.
    """
    units = _texts(df["unit"].to_list())
    fig = new_figure(title, height=440)
    labels = [
        f"{_fmt(t)}（赋分{_fmt(a)}）"
        for t, a in zip(df["total"].to_list(), df["assessment_score"].to_list(), strict=True)
    ]
    fig.add_bar(
        x=units,
        y=df["total"].to_list(),
        name="总得分",
        marker_color=GROUP_PALETTE[4],
        text=labels,
        textposition="inside",  # inside the bar: clear of the reference lines
        insidetextanchor="end",
        textfont={"color": "white"},
        hovertemplate="%{x}：%{y:.2f}分<extra></extra>",
    )
    if df.height:
        base = float(df["base"][0])
        share = float(df["zero_share"][0])
        _reference(fig, base, f"基本任务分 {_fmt(base)}（赋满分）", BASE_COLOR, "solid")
        _reference(fig, base * share, f"{share:.0%}（以下不得分）", NEGATIVE, "dash")
    fig.update_layout(showlegend=False, yaxis_title="分", margin={"r": 150})
    return fig


def _reference(fig: go.Figure, y: float, label: str, color: str, dash: str) -> None:
    """A horizontal reference line across the plot, labelled in the right margin."""
    fig.add_shape(
        type="line",
        xref="paper",
        x0=0,
        x1=1,
        yref="y",
        y0=y,
        y1=y,
        line={"color": color, "width": 2, "dash": dash},
    )
    fig.add_annotation(
        xref="paper",
        x=1.01,
        xanchor="left",
        yref="y",
        y=y,
        text=label,
        showarrow=False,
        font={"color": color, "size": 12},
    )


def plans_vs_actual(df: pl.DataFrame, title: str = "月度报送计划与实际报送、录用") -> go.Figure:
    """Per month: items planned, plans fulfilled, items submitted, and of those adopted.

    df: views.plans_by_month(...): month, planned, fulfilled, submitted, adopted.
    """
    fig = new_figure(title, height=420)
    months = [f"{m[:4]}年{int(m[5:])}月" for m in df["month"].to_list()]
    series = (
        ("planned", "计划条数", "#d5dbdb"),
        ("fulfilled", "已按计划报送", "#aab7b8"),
        ("submitted", "实际报送", LEVEL_COLORS["city"]),
        ("adopted", "其中录用", LEVEL_COLORS["central"]),
    )
    for key, name, color in series:
        fig.add_bar(x=months, y=df[key].to_list(), name=name, marker_color=color)
    fig.update_layout(barmode="group", yaxis_title="条（篇）")
    return fig
