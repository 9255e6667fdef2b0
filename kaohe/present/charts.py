"""Every figure of the reports and the exploration page, in one house style (plotly).

House style: Chinese labels; a CJK font stack; one colour per unit group (A, B, C, D, 区县 —
taken from the rules file, so a new group gets the next colour); ordinal shades for the
adoption levels; the base task (基本任务分) drawn wherever a score is compared with it.

Text from the ledger (unit and person names) is escaped before it reaches a figure: plotly
reads a subset of HTML in labels, and a name must show as written, not as markup.

A figure that shows one unit (person, publication, group) at a time carries every option's
traces and a dropdown menu (`menu`) that switches between them, so the choice works in the
offline page without a kernel; the caller names the option shown first.

`use_house_style()` makes the house template the default and displays figures as HTML that
reaches for nothing online (plotly's own notebook renderer adds a MathJax <script src> from a
CDN to every figure). plotly.js itself is embedded once by the notebook's first cell
(`plotly.offline.init_notebook_mode(connected=False)`).

One `CONFIG` for every figure shown: the toolbar in Chinese (plotly's zh-CN locale, registered
from `ZH_CN` by the page itself, nothing loaded), no plotly logo and no button that sends a
chart anywhere (Plotly Cloud, Chart Studio).

A published page (`page_scripts`, called by `kaohe.publish`) paints its text first: plotly.js
moves to the end of the page as inert text and runs after the first paint; each figure's
script queues its drawing until then. The same script redraws every chart at the printable
width of A4 portrait before printing (`beforeprint`, print media) and back afterwards. A figure
with a menu marked `print_every_option` also carries one static figure per option, hidden on
screen and printed in its place (a printout has no menu to choose from).
"""

from __future__ import annotations

import copy
import html
import json
import uuid
from collections.abc import Sequence
from typing import Any

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
import polars as pl
from plotly.io.base_renderers import MimetypeRenderer
from plotly.io.json import to_json_plotly
from plotly.subplots import make_subplots

from kaohe.present.views import fmt_value, group_labels, level_order, points_text
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
MUTED = "#5d6d7e"
LOCALE = "zh-CN"
# The figures' configuration (plotly.js config), one for every figure shown: Chinese toolbar,
# no logo, nothing that uploads a chart (Plotly Cloud's share button; Chart Studio's edit
# button of older plotly.js, whose showEditInChartStudio/showLink options plotly.js v4 no
# longer has and plotly.py warns about).
CONFIG: dict[str, Any] = {
    "locale": LOCALE,
    "displaylogo": False,
    "showSendToCloud": False,
    "responsive": True,
    "modeBarButtonsToRemove": ["lasso2d", "sendChartToCloud", "editInChartStudio"],
}
# plotly.js's zh-CN locale (lib/locales/zh-cn.js of plotly.js), with the strings plotly.js v3+
# spells differently (PNG, JSON, drawing tools) — registered by the page (`page_scripts`).
ZH_CN: dict[str, str] = {
    "Autoscale": "自动缩放",
    "Box Select": "矩形框选",
    "Click to enter Colorscale title": "点击输入色阶的标题",
    "Click to enter Component A title": "点击输入组件A的标题",
    "Click to enter Component B title": "点击输入组件B的标题",
    "Click to enter Component C title": "点击输入组件C的标题",
    "Click to enter Plot title": "点击输入图表的标题",
    "Click to enter X axis title": "点击输入X轴的标题",
    "Click to enter Y axis title": "点击输入Y轴的标题",
    "Click to enter radial axis title": "点击输入径向轴标题",
    "Compare data on hover": "悬停时比较数据",
    "Double-click on legend to isolate one trace": "双击图例来突显对应轨迹",
    "Double-click to zoom back out": "双击返回缩小显示",
    "Download plot as a png": "下载图表为PNG格式",
    "Download plot as a PNG": "下载图表为PNG格式",
    "Download plot as JSON": "下载图表为JSON格式",
    "Download plot": "下载图表",
    "Draw circle": "画圆",
    "Draw closed freeform": "画封闭图形",
    "Draw line": "画直线",
    "Draw open freeform": "画开放曲线",
    "Draw rectangle": "画矩形",
    "Erase active shape": "删除选中的图形",
    "Image download succeeded": "图片下载成功",
    "JSON download succeeded": "JSON下载成功",
    "Lasso Select": "套索选择",
    "Orbital rotation": "轨道旋转",
    "Pan": "平移",
    "Preparing image - this may take a few seconds": "正在生成图片，可能需要几秒钟",
    "Produced with Plotly.js": "由Plotly.js生成",
    "Reset": "重置",
    "Reset axes": "重置轴",
    "Reset camera to default": "重置镜头视角为默认状态",
    "Reset camera to last save": "重置镜头视角为上次保存状态",
    "Reset view": "重置视图",
    "Reset views": "重置视图",
    "Show closest data on hover": "悬停时显示最近的数据",
    "Snapshot succeeded": "生成快照成功",
    "Sorry, there was a problem downloading your image!": "抱歉，下载图片出现问题！",
    "Sorry, there was a problem downloading your JSON file!": "抱歉，下载JSON文件出现问题！",
    "Sorry, there was a problem downloading your snapshot!": "抱歉，下载快照出现问题！",
    "Taking snapshot - this may take a few seconds": "正在生成快照 - 可能需要几秒钟",
    "Toggle Spike Lines": "切换显示数据点辅助线",
    "Toggle show closest data on hover": "切换悬停时显示最近的数据点",
    "Turntable rotation": "转盘旋转",
    "Zoom": "缩放",
    "Zoom in": "放大",
    "Zoom out": "缩小",
    "close:": "收盘:",
    "trace": "轨迹",
    "lat:": "纬度:",
    "lon:": "经度:",
    "q1:": "第一四分位数:",
    "q3:": "第三四分位数:",
    "source:": "源:",
    "target:": "目标:",
    "lower fence:": "下限:",
    "upper fence:": "上限:",
    "max:": "最大值:",
    "mean ± σ:": "平均数 ± 标准差σ:",
    "mean:": "平均数:",
    "median:": "中位数:",
    "min:": "最小值:",
    "open:": "开盘:",
    "high:": "高:",
    "low:": "低:",
    "incoming flow count:": "流入数量:",
    "outgoing flow count:": "流出数量:",
    "kde:": "kde:",
    "new text": "新建文本",
}
ZH_CN_FORMAT: dict[str, Any] = {
    "days": ["星期日", "星期一", "星期二", "星期三", "星期四", "星期五", "星期六"],
    "shortDays": ["周日", "周一", "周二", "周三", "周四", "周五", "周六"],
    "months": [
        f"{m}月"
        for m in ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二"]
    ],
    "shortMonths": [f"{m}月" for m in range(1, 13)],
    "date": "%Y-%m-%d",
}
# A menu figure marked so (`print_every_option`) prints one static figure per option, each
# this high, two to a row.
PRINT_META = "kaohe_print"
PRINT_HEIGHT = 300
# The annotation that labels a menu (`menu`): not drawn on a static option figure.
MENU_LABEL = "kh-menu-label"
TEMPLATE_NAME = "kaohe"
RENDERER_NAME = "kaohe"
# The most people the person chart's menu offers (each brings three traces of every month; a
# longer menu is no use to a reader): past it, the chosen unit's people. A display limit, not
# a rule of the assessment.
PERSON_OPTIONS = 200


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


# A figure's drawing: queued while the page has not run plotly.js yet (`window.khPlots`, set by
# `page_scripts`), at once where plotly.js is already there (a notebook viewer).
_DRAW = (
    "(function (draw) {{ var q = window.khPlots; if (q) {{ q.push(draw); }} "
    "else if (window.Plotly) {{ draw(); }} }})(function () {{ "
    'if (document.getElementById("{id}")) {{ Plotly.newPlot("{id}", {data}, {layout}, {config}); }} '
    "}});"
)


def figure_html(fig_dict: dict[str, Any], div_id: str | None = None) -> str:
    """One figure as HTML: its div (the figure's height, the width of its container) and the
    script drawing it with `CONFIG`. Data and layout are JSON with <, > and / escaped: nothing
    in them can close the script."""
    layout = fig_dict.get("layout") or {}
    height = layout.get("height") or 480
    gid = div_id or str(uuid.uuid4())
    script = _DRAW.format(
        id=gid,
        data=to_json_plotly(fig_dict.get("data", [])),
        layout=to_json_plotly(layout),
        config=json.dumps(CONFIG),
    )
    return (
        f'<div class="kh-figure" style="height:{int(height)}px; width:100%;">'
        f'<div id="{gid}" class="plotly-graph-div" style="height:100%; width:100%;"></div>'
        f'<script type="text/javascript">{script}</script></div>'
    )


def print_every_option(fig: go.Figure) -> go.Figure:
    """Mark a menu figure to print every option (`option_figures`) instead of the one shown."""
    meta = fig.layout.meta if isinstance(fig.layout.meta, dict) else {}
    fig.update_layout(meta={**meta, PRINT_META: "every_option"})
    return fig


def _set_path(d: dict[str, Any], path: str, value: Any) -> None:
    """d[a][b] = value for path 'a.b' (a menu button's layout update)."""
    *head, last = path.split(".")
    for key in head:
        d = d.setdefault(key, {})
    d[last] = value


def option_figures(fig_dict: dict[str, Any]) -> list[dict[str, Any]]:
    """The static figures of a menu figure, one per option of its (first) menu: the option's
    traces, its layout changes and title (the option's title, else its label), no menu; each
    `PRINT_HEIGHT` high. A figure without a menu has none."""
    layout = fig_dict.get("layout") or {}
    menus = layout.get("updatemenus") or []
    if not menus:
        return []
    data = fig_dict.get("data") or []
    base = copy.deepcopy(layout)
    for key in ("updatemenus", "meta", "height", "modebar"):
        base.pop(key, None)
    base["annotations"] = [a for a in base.get("annotations", []) if a.get("name") != MENU_LABEL]
    base["margin"] = {**base.get("margin", {}), "t": 44, "r": 20}
    out = []
    for button in menus[0].get("buttons", []):
        args = button.get("args") or [{}]
        shown = (args[0] or {}).get("visible", [])
        traces = [{**t, "visible": True} for t, v in zip(data, shown, strict=False) if v]
        lay = copy.deepcopy(base)
        title = button.get("label", "")
        for path, value in (args[1] if len(args) > 1 else {}).items():
            if path == "title.text":
                title = value
            else:
                _set_path(lay, path, value)
        lay["title"] = {**lay.get("title", {}), "text": title, "font": {"size": 14}}
        lay["height"] = PRINT_HEIGHT
        out.append({"data": traces, "layout": lay})
    return out


def _print_version(fig_dict: dict[str, Any]) -> str:
    """The figure shown on screen (with its menu) and, for print, each option's static figure
    (hidden on screen)."""
    figures = option_figures(fig_dict)
    menus = (fig_dict.get("layout") or {}).get("updatemenus") or [{}]
    noun = ""
    for a in (fig_dict.get("layout") or {}).get("annotations", []):
        if a.get("name") == MENU_LABEL:
            noun = str(a.get("text", "")).removeprefix("选择").rstrip("：:")
    n = len(menus[0].get("buttons", []))
    note = f"（打印版）逐一列出全部{n}个{noun}：" if noun else f"（打印版）逐一列出全部{n}项："
    static = "".join(f'<div class="kh-print-cell">{figure_html(f)}</div>' for f in figures)
    return (
        f'<div class="kh-screen-only">{figure_html(fig_dict)}</div>'
        f'<div class="kh-print-only" aria-hidden="true"><p class="kh-note">{note}</p>'
        f'<div class="kh-print-grid">{static}</div></div>'
    )


class HouseRenderer(MimetypeRenderer):
    """A figure as text/html (`figure_html`): a div and the script drawing it; plotly.js is
    not included (the notebook's first cell embeds it once) and no MathJax is loaded from
    anywhere. A menu figure marked `print_every_option` brings its static print version."""

    def to_mimebundle(self, fig_dict: dict[str, Any]) -> dict[str, str]:
        meta = (fig_dict.get("layout") or {}).get("meta")
        if isinstance(meta, dict) and meta.get(PRINT_META) and option_figures(fig_dict):
            return {"text/html": _print_version(fig_dict)}
        return {"text/html": figure_html(fig_dict)}


def use_house_style() -> None:
    """Register the house template and renderer and make them the defaults."""
    pio.templates[TEMPLATE_NAME] = house_template()
    pio.templates.default = TEMPLATE_NAME
    pio.renderers[RENDERER_NAME] = HouseRenderer()
    # plotly_mimetype keeps the figure interactive in JupyterLab (with the same config: no
    # logo, no cloud button); text/html is what the exported report shows.
    pio.renderers["plotly_mimetype"].config = dict(CONFIG)
    pio.renderers.default = f"plotly_mimetype+{RENDERER_NAME}"


def group_colors(rules: Rules) -> dict[str, str]:
    """One colour per unit group, in the rules file's order."""
    return {g.name: GROUP_PALETTE[i % len(GROUP_PALETTE)] for i, g in enumerate(rules.groups.list)}


def text(value: object) -> str:
    """Ledger text as a literal label (plotly would read <b>, <a href> … as markup)."""
    return html.escape("" if value is None else str(value), quote=False)


def _texts(values: list[Any]) -> list[str]:
    return [text(v) for v in values]


_LEGEND_BELOW = {"orientation": "h", "yanchor": "top", "y": -0.14, "x": 0}


def new_figure(title: str, height: int) -> go.Figure:
    fig = go.Figure()
    fig.update_layout(title={"text": text(title)}, height=height, template=house_template())
    return fig


def _note(fig: go.Figure, note: str, title: str | None = None) -> go.Figure:
    """A figure with nothing to draw says so in its middle (and gets a title if it has none)."""
    fig.add_annotation(text=text(note), showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper")
    if title is not None:
        fig.update_layout(title={"text": text(title)})
    return fig


# ---- one option at a time ------------------------------------------------------------------


def menu(
    fig: go.Figure,
    options: Sequence[str],
    owner: Sequence[int],
    active: int,
    titles: Sequence[str] | None = None,
    label: str = "选择",
    layouts: Sequence[dict[str, Any]] | None = None,
) -> go.Figure:
    """A dropdown menu choosing which option's traces show: trace t belongs to option owner[t].
    The option `active` shows first; `titles`, if given, is each option's figure title, and
    `layouts` each option's further layout (e.g. its reference lines). Options and titles are
    ledger text: escaped here."""
    extra = list(layouts) if layouts is not None else [{} for _ in options]
    buttons = []
    for i, name in enumerate(options):
        layout: dict[str, Any] = dict(extra[i])
        if titles is not None:
            layout["title.text"] = text(titles[i])
        buttons.append(
            {
                "label": text(name),
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
                "name": MENU_LABEL,
                "text": text(label) + "：",
                "xref": "paper",
                "yref": "paper",
                "x": 1.0,
                "y": 1.16,
                "xanchor": "right",
                "yanchor": "bottom",
                "xshift": -_menu_width(options) - 6,
                "yshift": 4,
                "showarrow": False,
                "font": {"size": 13, "color": MUTED},
            }
        ],
        margin={"t": 120, "r": 44},
        # a vertical mode bar stays in the right margin, clear of the opened menu
        modebar={"orientation": "v"},
        **extra[active] if extra else {},
    )
    if titles is not None:
        fig.update_layout(title={"text": text(titles[active])})
    return fig


def _menu_width(options: Sequence[str]) -> int:
    """Roughly how wide plotly draws a dropdown whose longest label is this (CJK ~13 px)."""
    longest = max((sum(13 if ord(ch) > 0x2E7F else 7 for ch in o) for o in options), default=0)
    return longest + 40


def _index(options: Sequence[str], value: str | None) -> int:
    return options.index(value) if value in options else 0


def _unit_menu(fig: go.Figure, units: Sequence[str], owner: Sequence[int], unit: str | None,
               what: str) -> go.Figure:  # fmt: skip
    """`menu` over units, opening on `unit`, each option titled '<unit>：<what>'."""
    titles = [f"{u}：{what}" for u in units]
    return menu(fig, units, owner, _index(units, unit), titles, "选择单位")


# ---- scores against the base ---------------------------------------------------------------


def score_vs_base(
    progress: pl.DataFrame, rules: Rules, title: str = "各单位累计得分与基本任务分"
) -> go.Figure:
    """One horizontal bar per unit (colour = group): the score; a black tick: the base task;
    a grey tick (if `expected` is given): the score due by the time progress.

    progress: unit, group, total, base[, expected] — e.g. views.progress(...).
    """
    colors = group_colors(rules)
    names = group_labels(rules)
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
        name = text(names[g.name])
        fig.add_bar(
            x=part["total"].to_list(),
            y=_texts(part["unit"].to_list()),
            orientation="h",
            name=name,
            marker_color=colors[g.name],
            text=[points_text(v) for v in part["total"].to_list()],
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
        text=[points_text(v) for v in df["total"].to_list()],
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


def monthly_chart(df: pl.DataFrame, unit: str | None = None) -> go.Figure:
    """Per unit (menu, opening on `unit`): the month's points (bars), the engine's total at
    each month's end, the base and the pace (lines). df: views.monthly_scores(...)."""
    units = df.sort("order")["unit"].unique(maintain_order=True).to_list()
    fig = new_figure("", 470)
    owner: list[int] = []
    for i, u in enumerate(units):
        d = df.filter(pl.col("unit") == u)
        months = d["label"].to_list()
        fig.add_bar(
            x=months,
            y=d["points"].to_list(),
            name="当月得分",
            marker_color=LEVEL_COLORS["city"],
            hovertemplate="%{x}：当月%{y:.2f}分<extra></extra>",
        )
        fig.add_scatter(
            x=months,
            y=d["total"].to_list(),
            name="累计得分",
            mode="lines+markers",
            line={"color": LEVEL_COLORS["central"], "width": 3},
            text=[points_text(v) for v in d["total"].to_list()],
            hovertemplate="%{x}：累计%{y:.2f}分<extra></extra>",
        )
        fig.add_scatter(
            x=months,
            y=d["expected"].to_list(),
            name="按时间进度应得",
            mode="lines",
            line={"color": PACE_COLOR, "dash": "dash", "width": 2},
            hovertemplate="%{x}：按进度应得%{y:.1f}分<extra></extra>",
        )
        fig.add_scatter(
            x=months,
            y=d["base"].to_list(),
            name="基本任务分",
            mode="lines",
            line={"color": BASE_COLOR, "width": 2},
            hovertemplate="基本任务分%{y}<extra></extra>",
        )
        owner += [i] * 4
    if not units:
        return _note(fig, "没有单位", "得分逐月累计")
    _unit_menu(fig, units, owner, unit, "得分逐月累计（对照基本任务分和时间进度）")
    fig.update_layout(yaxis_title="分", barmode="overlay")
    return fig


def group_chart(df: pl.DataFrame, rules: Rules, unit: str | None = None) -> go.Figure:
    """Per group (menu, opening on `unit`'s group): each unit's points quarter by quarter,
    `unit`'s name in bold; hover: the engine's rank and completion at the quarter's end.
    df: views.quarter_comparison(...)."""
    present = set(df["group"].to_list())
    groups = [g.name for g in rules.groups.list if g.name in present]
    quarters = df.select("quarter", "quarter_label").unique().sort("quarter")
    shades = ["#c6dbef", "#6baed6", "#2171b5", "#08306b", "#041c40", "#000000"]
    fig = new_figure("", 480)
    owner: list[int] = []
    for i, g in enumerate(groups):
        for j, (q, ql) in enumerate(quarters.iter_rows()):
            d = df.filter((pl.col("group") == g) & (pl.col("quarter") == q)).sort("order")
            names = [f"<b>{text(u)}</b>" if u == unit else text(u) for u in d["unit"].to_list()]
            fig.add_bar(
                x=names,
                y=d["points"].to_list(),
                name=text(ql),
                marker_color=shades[j % len(shades)],
                customdata=list(zip(d["rank"].to_list(), d["completion"].to_list(), strict=True)),
                hovertemplate="%{x}："
                + text(ql)
                + "得分%{y:.2f}，季末类内第%{customdata[0]}名，累计完成率%{customdata[1]:.1%}"
                "<extra></extra>",
            )
            owner.append(i)
    labels = [group_labels(rules)[g] for g in groups]
    chosen = rules.unit_group(unit).name if unit in rules.unit_names else None
    menu(
        fig,
        labels,
        owner,
        _index(groups, chosen),
        [f"{lab}单位分季度得分比较" for lab in labels],
        "选择类别",
    )
    fig.update_layout(barmode="group", yaxis_title="本季度得分", xaxis={"tickangle": -20})
    return fig


# ---- adoptions -----------------------------------------------------------------------------


def _level_bars(
    fig: go.Figure, df: pl.DataFrame, hover: str, custom: str | None = None
) -> list[go.Bar]:
    """Horizontal bars of adoptions per publication, one trace per level, highest level first;
    the traces added. df: level, level_label, publication, adoptions[, custom]."""
    added = []
    for lv, color in LEVEL_COLORS.items():
        part = df.filter(pl.col("level") == lv)
        if part.height == 0:
            continue
        bar = go.Bar(
            x=part["adoptions"].to_list(),
            y=_texts(part["publication"].to_list()),
            orientation="h",
            name=text(part["level_label"][0]),
            marker_color=color,
            marker_line={"color": MUTED, "width": 0.5},
            text=part["adoptions"].to_list(),
            textposition="outside",
            cliponaxis=False,
            customdata=part[custom].to_list() if custom else None,
            hovertemplate=hover,
        )
        fig.add_trace(bar)
        added.append(bar)
    return added


def adoptions_by_publication(
    df: pl.DataFrame, title: str = "本季度录用情况（按刊物、级别）"
) -> go.Figure:
    """Adoptions per publication, one colour per level (highest level on top).

    df: level, level_label, publication, adoptions — views.adoptions_by_publication(...).
    """
    d = df.reverse()  # the first row (highest level, most adoptions) on top
    fig = new_figure(title, height=max(320, 26 * d.height + 150))
    _level_bars(fig, d, "%{y}：%{x}篇次<extra></extra>")
    fig.update_layout(
        xaxis_title="录用篇次",
        yaxis={"categoryorder": "array", "categoryarray": _texts(d["publication"].to_list())},
    )
    if d.height == 0:
        _note(fig, "本期没有录用")
    return fig


def publications_chart(df: pl.DataFrame, rules: Rules, unit: str | None = None) -> go.Figure:
    """Per unit (menu, opening on `unit`): adoptions of its items by publication, one colour
    per level; hover: the unit's points from them. df: views.unit_publications(...)."""
    units = rules.unit_names
    n_max = max([1, *df.group_by("unit").len()["len"].to_list()])
    fig = new_figure("", max(360, 26 * n_max + 200))
    owner: list[int] = []
    for i, u in enumerate(units):
        d = df.filter(pl.col("unit") == u).reverse()
        bars = _level_bars(
            fig, d, "%{y}：%{x}篇次，得分%{customdata:.2f}<extra></extra>", custom="points"
        )
        if not bars:
            fig.add_bar(x=[], y=[], orientation="h", name="无录用", showlegend=False)
        owner += [i] * max(1, len(bars))
    _unit_menu(fig, units, owner, unit, "哪些刊物录用了本单位的信息")
    fig.update_layout(xaxis_title="录用篇次", yaxis={"automargin": True})
    return fig


def publication_units_chart(df: pl.DataFrame, rules: Rules, unit: str | None = None) -> go.Figure:
    """Per publication (menu, opening on the one that adopted most of `unit`'s items): which
    units' items it adopted, colour = group. df: views.unit_publications(...)."""
    colors = group_colors(rules)
    pubs = (
        df.group_by("publication", "level")
        .agg(pl.col("adoptions").sum())
        .with_columns(level_order())
        .sort(["level", "adoptions", "publication"], descending=[False, True, False])["publication"]
        .to_list()
    )
    own = df.filter(pl.col("unit") == unit).sort("adoptions", descending=True)
    first = own["publication"][0] if own.height else None
    fig = new_figure("", 460)
    if not pubs:
        return _note(fig, "没有录用", "各刊物录用的单位")
    for pub in pubs:
        d = df.filter(pl.col("publication") == pub).sort("order")
        fig.add_bar(
            x=_texts(d["unit"].to_list()),
            y=d["adoptions"].to_list(),
            marker_color=[colors[g] for g in d["group"].to_list()],
            text=d["adoptions"].to_list(),
            textposition="outside",
            cliponaxis=False,
            name=text(pub),
            showlegend=False,
            hovertemplate="%{x}：%{y}篇次<extra></extra>",
        )
    menu(
        fig,
        pubs,
        list(range(len(pubs))),
        _index(pubs, first),
        [f"{p}：录用了哪些单位的信息" for p in pubs],
        "选择刊物",
    )
    fig.update_layout(yaxis_title="录用篇次", xaxis={"tickangle": -35})
    return fig


# ---- people --------------------------------------------------------------------------------


def writers_chart(df: pl.DataFrame, rules: Rules, unit: str | None = None) -> go.Figure:
    """Per unit (menu, opening on `unit`): each writer's items first-written and adopted, with
    the adoption rate (★: a young cadre). df: views.people_frame(...)."""
    units = rules.unit_names
    fig = new_figure("", 440)
    owner: list[int] = []
    for i, u in enumerate(units):
        d = df.filter((pl.col("unit") == u) & (pl.col("items_first_written") > 0)).sort(
            "items_first_written", "name", descending=[True, False]
        )
        names = [
            text(n) + ("★" if y else "")
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
            marker_color=LEVEL_COLORS["provincial"],
            text=[f"录用率{r}" for r in rates],
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{x}：被录用%{y}篇<extra></extra>",
        )
        owner += [i, i]
    _unit_menu(fig, units, owner, unit, "撰稿人的信息数和录用率（★为年轻干部）")
    fig.update_layout(barmode="group", yaxis_title="篇")
    return fig


def person_chart(
    df: pl.DataFrame,
    unit: str | None = None,
    person: str | None = None,
    limit: int = PERSON_OPTIONS,
) -> go.Figure:
    """Per person (menu, opening on `person` of `unit`): items first-written and adopted per
    month, and the month's 出彩 points. Past `limit` people, the menu lists `unit`'s people
    (and `person`) and a note says so. df: views.person_monthly(...)."""
    people = df.select("unit", "name").unique(maintain_order=True)
    cut = None
    if people.height > limit:  # a menu of the chosen unit's people (and the person)
        df = df.filter((pl.col("unit") == unit) | (pl.col("name") == (person or "")))
        cut = (
            f"人员共{people.height}人，超过菜单上限{limit}人，只列出默认单位“{unit}”的人员"
            + (f"和{person}" if person and df.filter(pl.col("unit") != unit).height else "")
            + "；其他单位的人员可用 kaohe explore --unit 单位名称 查看"
        )
        people = df.select("unit", "name").unique(maintain_order=True)
    options = [f"{n}（{u}）" for u, n in people.iter_rows()]
    chosen = people.with_row_index("i").filter(
        (pl.col("name") == (person or "")) & (pl.col("unit") == unit)
    )
    if chosen.height == 0:
        chosen = people.with_row_index("i").filter(pl.col("name") == (person or ""))
    active = int(chosen["i"][0]) if chosen.height else 0
    fig = new_figure("", 440)
    if not options:
        return _note(fig, "没有撰稿记录", "撰稿人逐月情况")
    owner: list[int] = []
    for i, (u, name) in enumerate(people.iter_rows()):
        d = df.filter((pl.col("unit") == u) & (pl.col("name") == name))
        months = d["label"].to_list()
        fig.add_bar(x=months, y=d["items"].to_list(), name="第一撰稿信息", marker_color="#aab7b8")
        fig.add_bar(
            x=months,
            y=d["adopted"].to_list(),
            name="其中当月被录用",
            marker_color=LEVEL_COLORS["provincial"],
        )
        fig.add_scatter(
            x=months,
            y=d["chucai_points"].to_list(),
            name="“出彩”加分",
            mode="lines+markers",
            yaxis="y2",
            line={"color": NEGATIVE, "width": 2},
        )
        owner += [i, i, i]
    menu(
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
            text=text(cut),
            xref="paper",
            yref="paper",
            x=0,
            y=-0.18,
            xanchor="left",
            yanchor="top",
            showarrow=False,
            font={"size": 12, "color": MUTED},
        )
        fig.update_layout(margin={"b": 90})
    return fig


# ---- the quarters --------------------------------------------------------------------------


def quarter_trend(df: pl.DataFrame, rules: Rules, title: str = "分季度走势") -> go.Figure:
    """Left: completion of each group's base at each quarter's end, against the time progress;
    right: submissions and adoptions of each quarter.

    df: views.trend(...): quarter, quarter_label, group, completion, pace, submitted, adoptions.
    """
    colors = group_colors(rules)
    names = group_labels(rules)
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
        name = text(names[g.name])
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
    for unit in units["unit"].to_list():
        part = breakdown.filter(pl.col("unit") == unit)
        labels = [*part["label"].to_list(), "总得分"]
        values = [*part["points"].to_list(), 0.0]
        total = float(sum(part["points"].to_list()))
        fig.add_waterfall(
            x=labels,
            y=values,
            measure=["relative"] * part.height + ["total"],
            name=text(unit),
            text=[points_text(v) for v in part["points"].to_list()] + [points_text(total)],
            textposition="outside",
            cliponaxis=False,
            increasing={"marker": {"color": POSITIVE}},
            decreasing={"marker": {"color": NEGATIVE}},
            totals={"marker": {"color": BASE_COLOR}},
            connector={"line": {"color": "#aab7b8"}},
            hovertemplate="%{x}：%{y:.2f}分<extra></extra>",
        )
    if units.height:
        menu(
            fig,
            units["unit"].to_list(),
            list(range(units.height)),
            0,
            label="选择单位",
            layouts=[{"shapes": [_base_line(float(b))]} for b in units["base"].to_list()],
        )
        fig.update_layout(yaxis_title="分", showlegend=False)
        print_every_option(fig)  # a printout shows every unit, not the one the menu shows
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
            "text": f"基本任务分 {points_text(base)}",
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
    names = group_labels(rules)
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
            name=text(names[g.name]),
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
    per = rules.outcomes.department_adjustment.points_per_percent
    fig.update_layout(
        legend=_LEGEND_BELOW,
        xaxis_title=f"调整分（完成率每高/低一个百分点 ±{points_text(float(per))}分）",
        # room for the value labels beside the longest bars, on both sides of the zero line
        xaxis_range=_padded_range(d["adjustment"].to_list(), 0.16),
        yaxis={"categoryorder": "array", "categoryarray": _texts(d["unit"].to_list())},
    )
    return fig


def _padded_range(values: Sequence[float | None], pad: float) -> list[float] | None:
    """An axis range from 0 and `values` widened by `pad` of its span on each side that has
    bars (labels drawn outside a bar need the room; plotly's autorange leaves none)."""
    found = [float(v) for v in values if v is not None]
    if not found:
        return None
    lo, hi = min(0.0, *found), max(0.0, *found)
    span = (hi - lo) or 1.0
    return [lo - pad * span if lo < 0 else lo, hi + pad * span if hi > 0 else hi]


def district_assessment(df: pl.DataFrame, title: str = "区县总得分与考核赋分") -> go.Figure:
    """Districts: total against the base task and the zero line (at or below it: no score);
    each bar labelled with the assessment score it earns.

    df: views.district_assessment(...): unit, base, total, assessment_score, full_score,
    zero_share.
    """
    units = _texts(df["unit"].to_list())
    fig = new_figure(title, height=440)
    labels = [
        f"{points_text(t)}<br>赋分{points_text(a)}"
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
        textangle=0,  # two short lines, level, also on a narrow (printed) bar
        textfont={"color": "white"},
        hovertemplate="%{x}：%{y:.2f}分<extra></extra>",
    )
    if df.height:
        base = float(df["base"][0])
        share = float(df["zero_share"][0])
        _reference(fig, base, f"基本任务分 {points_text(base)}（赋满分）", BASE_COLOR, "solid")
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


# ---- plans and the ledger ------------------------------------------------------------------

_PLAN_SERIES = (
    ("planned", "计划条数", "#d5dbdb"),
    ("fulfilled", "已按计划报送", "#aab7b8"),
    ("submitted", "实际报送", LEVEL_COLORS["city"]),
    ("adopted", "其中录用", LEVEL_COLORS["central"]),
)


def plans_vs_actual(
    by_month: pl.DataFrame,
    title: str = "月度报送计划与实际报送、录用",
    per_unit: pl.DataFrame | None = None,
    unit: str | None = None,
) -> go.Figure:
    """Per month: plan rows, plans fulfilled, items submitted, and of those adopted — of all
    units (by_month: views.plans_by_month(...)). With `per_unit` (views.plans_vs_actual(...)),
    a menu: all units first, then each unit; it opens on `unit`."""
    options = [("全部单位", by_month)]
    if per_unit is not None:
        units = per_unit.sort("order")["unit"].unique(maintain_order=True).to_list()
        options += [(u, per_unit.filter(pl.col("unit") == u)) for u in units]
    fig = new_figure(title if per_unit is None else "", 420)
    owner: list[int] = []
    for i, (_, d) in enumerate(options):
        for key, name, color in _PLAN_SERIES:
            fig.add_bar(x=d["label"].to_list(), y=d[key].to_list(), name=name, marker_color=color)
            owner.append(i)
    if per_unit is not None:
        _unit_menu(fig, [o for o, _ in options], owner, unit, title)
    fig.update_layout(barmode="group", yaxis_title="条（篇）")
    return fig


def items_heatmap(df: pl.DataFrame, rules: Rules) -> go.Figure:
    """Items submitted per unit (rows, roster order) and month (columns).
    df: views.plans_vs_actual(...) (unit, label, submitted: every unit, every month)."""
    units = rules.unit_names
    months = df.sort("month")["label"].unique(maintain_order=True).to_list()
    wide = {u: df.filter(pl.col("unit") == u).sort("month")["submitted"].to_list() for u in units}
    z = [wide[u] for u in reversed(units)]
    fig = new_figure(
        "各单位逐月报送信息篇数（空白格为当月未报送）", max(380, 24 * len(units) + 160)
    )
    fig.add_heatmap(
        x=months,
        y=_texts(list(reversed(units))),
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
    df: views.adoption_delays(...).

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


def delay_chart(df: pl.DataFrame, rules: Rules) -> go.Figure:
    """Days from submission to adoption, one box per level, drawn from its five numbers
    (delay_boxes) with the outliers as points. df: views.adoption_delays(...)."""
    labels = dict(rules.levels.labels)
    fig = new_figure("从报送到录用的天数（按刊物级别）", 420)
    boxes = {r["level"]: r for r in delay_boxes(df).iter_rows(named=True)}
    for lv, color in LEVEL_COLORS.items():
        b = boxes.get(lv)
        if b is None:
            continue
        name = text(labels[lv])
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
                text=_texts(b["outlier_texts"]),
                hovertemplate="%{text}：%{y}天<extra></extra>",
            )
    if not fig.data:
        _note(fig, "没有录用")
    fig.update_layout(yaxis_title="天", showlegend=False)
    return fig


# ---- the page: plotly.js after the text, the locale, printing --------------------------------

_BUNDLE_MARK = "* plotly.js v"
_QUEUE = '<script type="text/javascript">window.khPlots = window.khPlots || [];</script>'
# Runs plotly.js (kept as inert text at the end of the page) after the first paint, registers
# the locale, draws the queued figures; before printing, lays the page out at the printable
# width (class kh-printing, the print style sheet's layout on screen) and redraws every chart
# shown at its container's width; afterwards, back. window.khTimes: when each step happened.
_BOOT = """(function () {
  "use strict";
  var times = window.khTimes = {start: performance.now()};
  var root = document.documentElement;
  var printing = false;
  function graphs() {
    return Array.prototype.slice.call(document.querySelectorAll(".js-plotly-plot"));
  }
  function before() {
    if (printing || !window.Plotly) { return; }
    printing = true;
    root.classList.add("kh-printing");
    graphs().forEach(function (gd) {
      if (!gd.offsetParent || !gd._fullLayout) { return; }
      var w = Math.floor(gd.parentElement.getBoundingClientRect().width);
      if (w > 0 && Math.abs(w - gd._fullLayout.width) >= 1) {
        gd.setAttribute("data-kh-width", String(gd._fullLayout.width));
        Plotly.relayout(gd, {width: w});
      }
    });
    times.print = performance.now();
  }
  function after() {
    if (!printing) { return; }
    printing = false;
    root.classList.remove("kh-printing");
    graphs().forEach(function (gd) {
      if (gd.hasAttribute("data-kh-width")) {
        gd.removeAttribute("data-kh-width");
        Plotly.relayout(gd, {width: null, autosize: true});
      }
    });
    window.requestAnimationFrame(fit);
  }
  // every chart shown at its container's width, once the screen's layout is back (a browser
  // may say afterprint, or the print media may end, before it is)
  function fit() {
    if (printing || !window.Plotly) { return; }
    graphs().forEach(function (gd) {
      if (gd.offsetParent && gd._fullLayout) { Plotly.Plots.resize(gd); }
    });
  }
  window.khPrint = {before: before, after: after};
  window.addEventListener("beforeprint", before);
  window.addEventListener("afterprint", after);
  if (window.matchMedia) {
    var mq = window.matchMedia("print");
    var change = function (e) {
      if (e.matches) { before(); } else { after(); window.requestAnimationFrame(fit); }
    };
    if (mq.addEventListener) { mq.addEventListener("change", change); }
    else if (mq.addListener) { mq.addListener(change); }
  }
  var booted = false;
  function boot() {
    if (booted) { return; }
    booted = true;
    var code = document.getElementById("kh-plotly-js");
    if (code && !window.Plotly) {
      var s = document.createElement("script");
      s.text = code.textContent;
      times.plotly = performance.now();
      document.body.appendChild(s);
      code.parentNode.removeChild(code);
    }
    times.parsed = performance.now();
    if (!window.Plotly) { return; }
    Plotly.register(%(locale)s);
    var queue = window.khPlots || [];
    window.khPlots = {push: function (draw) { draw(); }};
    queue.forEach(function (draw) { draw(); });
    times.drawn = performance.now();
    if (window.matchMedia && window.matchMedia("print").matches) { before(); }
  }
  window.requestAnimationFrame(function () { setTimeout(boot, 0); });
  setTimeout(boot, 2000);
})();"""


def locale_module() -> dict[str, Any]:
    """plotly.js's zh-CN locale as a module for ``Plotly.register``."""
    return {"moduleType": "locale", "name": LOCALE, "dictionary": ZH_CN, "format": ZH_CN_FORMAT}


def page_scripts(page: str) -> str:
    """A published page with its text painted before plotly.js is parsed: the embedded plotly.js
    (the notebook's first cell) leaves its place for the figures' queue and goes to the end of
    the body as inert text, run after the first paint by a script that registers the zh-CN
    locale, draws the queued figures and redraws them for printing. A page without plotly.js
    is returned as it is."""
    at = page.find(_BUNDLE_MARK)
    if at < 0:
        return page
    start = page.rfind("<script", 0, at)
    open_end = page.index(">", start) + 1
    end = page.index("</script>", at)
    bundle = page[open_end:end]
    page = page[:start] + _QUEUE + page[end + len("</script>") :]
    locale = json.dumps(locale_module(), ensure_ascii=False).replace("</", "<\\/")
    tail = (
        f'<script type="text/plain" id="kh-plotly-js">{bundle}</script>'
        f'<script type="text/javascript">{_BOOT % {"locale": locale}}</script>'
    )
    body_end = page.rfind("</body>")
    if body_end < 0:
        return page + tail
    return page[:body_end] + tail + page[body_end:]
