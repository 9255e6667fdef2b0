"""The figures of the year-on-year comparison (`kaohe.present.trend`), in the house style of
`kaohe.present.charts` (its template, palette, escaping and dropdown menus).

Every figure reads the comparison's unit lines (`Trend.units`: the engine's totals, ranks and
counts of each year and the split of the change); nothing is computed here but positions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import plotly.graph_objects as go
import polars as pl

from kaohe.engine import LEVELS
from kaohe.present.charts import (
    _LEGEND_BELOW,
    BASE_COLOR,
    MUTED,
    NEGATIVE,
    POSITIVE,
    _note,
    _texts,
    _unit_menu,
    group_colors,
    menu,
    new_figure,
    print_every_option,
    text,
)
from kaohe.present.views import points_text

if TYPE_CHECKING:
    from kaohe.present.trend import Trend

WORK_COLOR = "#2e86c1"
RULES_COLOR = "#e67e22"


def _top_down(df: pl.DataFrame) -> pl.DataFrame:
    """Units in the table's order drawn top to bottom (plotly draws the first at the bottom)."""
    return df.reverse()


def totals(t: Trend, title: str | None = None) -> go.Figure:
    """Each unit's total in both years: a grey dot (earlier), a dot in its group's colour
    (later), joined by a line; units on one roster only have one dot."""
    df = _top_down(t.units)
    labels = _texts(df["unit"].to_list())
    fig = new_figure(title or f"各单位总得分：{t.label_a}与{t.label_b}", 28 * df.height + 160)
    xs: list[float | None] = []
    ys: list[str | None] = []
    for label, a, b in zip(labels, df["total_a"], df["total_b"], strict=True):
        if a is not None and b is not None:
            xs += [a, b, None]
            ys += [label, label, None]
    fig.add_scatter(
        x=xs, y=ys, mode="lines", line={"color": "#aab7b8", "width": 3}, showlegend=False,
        hoverinfo="skip",
    )  # fmt: skip
    fig.add_scatter(
        x=df["total_a"].to_list(),
        y=labels,
        mode="markers",
        name=text(t.label_a),
        marker={"color": MUTED, "size": 11, "symbol": "circle-open", "line": {"width": 2}},
        hovertemplate="%{y}：%{x:.2f}分<extra>" + text(t.label_a) + "</extra>",
    )
    colors = group_colors(t.b.rules)
    fig.add_scatter(
        x=df["total_b"].to_list(),
        y=labels,
        mode="markers",
        name=text(t.label_b),
        marker={
            "color": [colors.get(g, BASE_COLOR) for g in df["group"].to_list()],
            "size": 12,
        },
        customdata=[points_text(c) if c is not None else "" for c in df["change"].to_list()],
        hovertemplate="%{y}：%{x:.2f}分（变化%{customdata}）<extra>" + text(t.label_b) + "</extra>",
    )
    fig.update_layout(
        xaxis_title="总得分",
        yaxis={"categoryorder": "array", "categoryarray": labels},
        legend=_LEGEND_BELOW,
    )
    return fig


def split(t: Trend, title: str = "得分变化的分解：本单位工作与规则调整") -> go.Figure:
    """Each unit's change as two stacked bars — its own work (blue) and the new rules
    (orange) — and a black diamond at the whole change (their sum). Units that cannot be
    split (on one roster only) are left out and named in the figure's note."""
    both = t.units.filter(pl.col("work_u").is_not_null() & pl.col("total_u_a").is_not_null())
    df = _top_down(both)
    labels = _texts(df["unit"].to_list())
    fig = new_figure(title, 28 * max(df.height, 4) + 160)
    if df.height == 0:
        return _note(fig, "没有两年都能计分的单位")
    for key, name, color in (
        ("work", "本单位工作", WORK_COLOR),
        ("rules", "规则调整", RULES_COLOR),
    ):
        fig.add_bar(
            x=df[key].to_list(),
            y=labels,
            orientation="h",
            name=name,
            marker_color=color,
            hovertemplate="%{y}：%{x:+.2f}分<extra>" + name + "</extra>",
        )
    fig.add_scatter(
        x=df["change"].to_list(),
        y=labels,
        mode="markers",
        name="总得分变化",
        marker={"symbol": "diamond", "size": 10, "color": BASE_COLOR},
        hovertemplate="%{y}：%{x:+.2f}分<extra>总得分变化</extra>",
    )
    fig.add_vline(x=0, line={"color": "#aab7b8", "width": 1})
    left = t.units.filter(pl.col("work_u").is_null())["unit"].to_list()
    if left:
        fig.add_annotation(
            text=text("未分解（只在一个年度的名单中或无法按前一年度规则计分）：" + "、".join(left)),
            showarrow=False,
            xref="paper",
            yref="paper",
            x=0,
            y=-0.08,
            xanchor="left",
            yanchor="top",
            font={"size": 11, "color": MUTED},
        )
    fig.update_layout(
        barmode="relative",
        xaxis_title="分",
        yaxis={"categoryorder": "array", "categoryarray": labels},
        legend=_LEGEND_BELOW if not left else {**_LEGEND_BELOW, "y": -0.16},
    )
    return fig


def levels(t: Trend, unit: str | None = None) -> go.Figure:
    """A unit's adoptions by level in both years (menu: every unit)."""
    labels = dict(t.b.rules.levels.labels)
    x = [text(labels.get(lv, lv)) for lv in LEVELS]
    fig = new_figure("各级刊物录用篇次", 420)
    units = t.units["unit"].to_list()
    owner: list[int] = []
    for i, row in enumerate(t.units.iter_rows(named=True)):
        for suffix, name, color in (("a", t.label_a, MUTED), ("b", t.label_b, WORK_COLOR)):
            values = [row[f"adoptions_{lv}_{suffix}"] for lv in LEVELS]
            fig.add_bar(
                x=x,
                y=values,
                name=text(name),
                marker_color=color,
                text=["" if v is None else str(v) for v in values],
                textposition="outside",
                cliponaxis=False,
                hovertemplate="%{x}：%{y}篇次<extra>" + text(name) + "</extra>",
            )
            owner.append(i)
    fig.update_layout(barmode="group", yaxis_title="录用篇次", legend=_LEGEND_BELOW)
    # a printout shows every unit, not the one the menu shows
    return print_every_option(_unit_menu(fig, units, owner, unit, "各级刊物录用篇次"))


def unit_bridge(t: Trend, unit: str | None = None) -> go.Figure:
    """One unit from the earlier total to the later: + its own work, + the new rules
    (a waterfall; menu: every unit that can be split)."""
    rows = t.units.filter(pl.col("work_u").is_not_null() & pl.col("total_u_a").is_not_null())
    fig = new_figure("得分变化的分解", 400)
    if rows.height == 0:
        return _note(fig, "没有两年都能计分的单位")
    units = rows["unit"].to_list()
    steps = [text(t.label_a), "本单位工作", "规则调整", text(t.label_b)]
    for row in rows.iter_rows(named=True):
        values = [row["total_a"], row["work"], row["rules"], row["total_b"]]
        fig.add_waterfall(
            x=steps,
            y=values,
            measure=["absolute", "relative", "relative", "total"],
            text=[points_text(values[0]), _signed(values[1]), _signed(values[2]),
                  points_text(values[3])],
            textposition="outside",
            cliponaxis=False,
            increasing={"marker": {"color": POSITIVE}},
            decreasing={"marker": {"color": NEGATIVE}},
            totals={"marker": {"color": BASE_COLOR}},
            connector={"line": {"color": "#aab7b8"}},
            showlegend=False,
            hovertemplate="%{x}：%{y:.2f}分<extra></extra>",
        )  # fmt: skip
    # each unit's axis shows its own steps (a change of 3 points on a total of 700 is visible)
    ranges = [{"yaxis.range": _range(r)} for r in rows.iter_rows(named=True)]
    active = units.index(unit) if unit in units else 0
    fig.update_layout(yaxis_title="总得分", yaxis_range=ranges[active]["yaxis.range"])
    titles = [f"{u}：得分变化的分解" for u in units]
    fig = menu(fig, units, list(range(len(units))), active, titles, "选择单位", ranges)
    return print_every_option(fig)  # a printout shows every unit


def _range(row: dict[str, float]) -> list[float]:
    """The y range of one unit's waterfall: its four levels with room for the labels."""
    levels = [row["total_a"], row["total_a"] + row["work"], row["total_b"]]
    lo, hi = min(levels), max(levels)
    pad = max((hi - lo) * 0.8, abs(hi) * 0.02, 1.0)
    return [lo - pad, hi + pad]


def _signed(x: float) -> str:
    return ("+" if x > 0 else "") + points_text(x)
