"""The report figures: house style, the base task drawn beside every score, escaped labels,
and HTML output that loads nothing from the internet."""

from __future__ import annotations

import warnings
from pathlib import Path

import plotly.graph_objects as go
import plotly.io as pio
import polars as pl
import pytest

from kaohe.present import charts, views
from kaohe.rules.models import Rules

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "raw" / "2022"
MARKUP = "<b>粗体</b><a href='https://example.com'>链接</a>"


@pytest.fixture(scope="module")
def ctx() -> views.Context:
    return views.load_context(SAMPLE)


@pytest.fixture(scope="module")
def q3(ctx: views.Context) -> views.QuarterReport:
    return views.quarter_report_for(ctx, 2022, "Q3")


@pytest.fixture(scope="module")
def annual(ctx: views.Context) -> views.AnnualReport:
    return views.annual_report_for(ctx, 2022)


@pytest.fixture(scope="module")
def figures(
    ctx: views.Context, q3: views.QuarterReport, annual: views.AnnualReport
) -> dict[str, go.Figure]:
    rules = ctx.rules
    return {
        "score_vs_base": charts.score_vs_base(views.progress(q3.ytd, rules), rules),
        "adoptions": charts.adoptions_by_publication(
            views.adoptions_by_publication(ctx, q3.quarter.start, q3.quarter.end)
        ),
        "trend": charts.quarter_trend(views.trend(q3), rules),
        "districts": charts.district_progress(views.progress(q3.ytd, rules)),
        "waterfall": charts.score_waterfall(views.breakdown(annual.scores, rules)),
        "adjustments": charts.adjustments(views.adjustments(annual), rules),
        "assessment": charts.district_assessment(views.district_assessment(annual)),
        "plans": charts.plans_vs_actual(views.plans_by_month(views.plans_vs_actual(ctx))),
    }


def test_one_colour_per_group(rules: Rules) -> None:
    colors = charts.group_colors(rules)
    assert list(colors) == ["A", "B", "C", "D", "区县"]
    assert len(set(colors.values())) == 5


def test_every_figure_has_the_house_style(figures: dict[str, go.Figure]) -> None:
    for name, fig in figures.items():
        assert isinstance(fig, go.Figure), name
        layout = fig.layout.template.layout
        assert layout.font.family == charts.FONT_FAMILY, name
        assert "Noto Sans CJK SC" in charts.FONT_FAMILY
        title = fig.layout.title.text
        assert title and any("\u4e00" <= ch <= "\u9fff" for ch in title), name
        assert fig.layout.height >= 300, name


def _trace(fig: go.Figure, name: str) -> go.Scatter:
    found = [t for t in fig.data if t.name == name]
    assert found, [t.name for t in fig.data]
    return found[0]


def test_score_vs_base_draws_the_base_of_every_unit(
    figures: dict[str, go.Figure], q3: views.QuarterReport
) -> None:
    fig = figures["score_vs_base"]
    base = _trace(fig, "基本任务分")
    p = views.progress(q3.ytd, q3.rules)
    by_unit = dict(zip(base.y, base.x, strict=True))
    assert by_unit == dict(zip(p["unit"], p["base"], strict=True))
    bars = [t for t in fig.data if t.type == "bar"]
    assert [t.name for t in bars] == ["A类", "B类", "C类", "D类", "区县"]
    colors = charts.group_colors(q3.rules)
    assert [t.marker.color for t in bars] == list(colors.values())
    _trace(fig, "按时间进度应得分")


def test_score_vs_base_without_pace_when_the_year_is_over(
    annual: views.AnnualReport,
) -> None:
    fig = charts.score_vs_base(views.final_units(annual), annual.rules, title="总得分")
    assert "按时间进度应得分" not in [t.name for t in fig.data]
    _trace(fig, "基本任务分")


def test_ledger_text_in_a_figure_is_shown_literally(rules: Rules) -> None:
    df = pl.DataFrame(
        {"unit": [MARKUP], "group": ["A"], "total": [10.0], "base": [400.0]},
    )
    fig = charts.score_vs_base(df, rules)
    labels = [y for t in fig.data for y in (t.y or ())]
    assert MARKUP not in labels
    assert "&lt;b&gt;粗体&lt;/b&gt;&lt;a href='https://example.com'&gt;链接&lt;/a&gt;" in labels


def test_district_progress_draws_base_and_submission_task(
    figures: dict[str, go.Figure],
) -> None:
    fig = figures["districts"]
    assert set(_trace(fig, "基本任务分").y) == {200.0}
    assert set(_trace(fig, "报送任务").y) == {20}
    assert len(_trace(fig, "累计得分").x) == 6


def test_quarter_trend_draws_groups_pace_and_base(figures: dict[str, go.Figure]) -> None:
    fig = figures["trend"]
    lines = [t.name for t in fig.data if t.type == "scatter"]
    assert lines == ["A类", "B类", "C类", "D类", "区县", "时间进度"]
    assert any(s.y0 == 1.0 and s.y1 == 1.0 for s in fig.layout.shapes)  # the base task
    assert list(_trace(fig, "时间进度").x) == ["第一季度", "第二季度", "第三季度"]


def test_waterfall_one_unit_at_a_time(
    figures: dict[str, go.Figure], annual: views.AnnualReport
) -> None:
    fig = figures["waterfall"]
    assert len(fig.data) == 21
    assert [t.visible for t in fig.data].count(True) == 1
    buttons = fig.layout.updatemenus[0].buttons
    assert len(buttons) == 21
    first = fig.data[0]
    total = annual.scores.unit_scores.filter(pl.col("unit") == first.name)["total"][0]
    assert first.measure[-1] == "total"
    assert sum(first.y[:-1]) == pytest.approx(total)
    base = annual.scores.unit_scores.filter(pl.col("unit") == first.name)["base"][0]
    assert fig.layout.shapes[0].y0 == base  # the unit's base task
    # choosing another unit draws that unit's base
    last = buttons[-1].args[1]["shapes"][0]
    assert (
        last["y0"]
        == annual.scores.unit_scores.filter(pl.col("unit") == fig.data[-1].name)["base"][0]
    )


def test_adjustments_and_district_assessment(
    figures: dict[str, go.Figure], annual: views.AnnualReport
) -> None:
    adj = figures["adjustments"]
    xs = [x for t in adj.data for x in t.x]
    assert sorted(xs) == sorted(views.adjustments(annual)["adjustment"].to_list())
    assert any(s.x0 == 0 and s.x1 == 0 for s in adj.layout.shapes)
    da = figures["assessment"]
    ys = sorted(s.y0 for s in da.layout.shapes)
    assert ys == [100.0, 200.0]  # 50% of the base, the base


def test_adoptions_by_level_highest_first(figures: dict[str, go.Figure]) -> None:
    names = [t.name for t in figures["adoptions"].data]
    order = ["中央", "省级", "市级", "局本级"]
    assert names == [n for n in order if n in names]


def test_plans_by_month(figures: dict[str, go.Figure]) -> None:
    fig = figures["plans"]
    assert [t.name for t in fig.data] == ["计划条数", "已按计划报送", "实际报送", "其中录用"]
    assert len(fig.data[0].x) == 12 and fig.data[0].x[0] == "2021年12月"


def test_figures_display_as_html_that_loads_nothing(figures: dict[str, go.Figure]) -> None:
    charts.use_house_style()
    assert pio.templates.default == charts.TEMPLATE_NAME
    bundle = figures["score_vs_base"]._repr_mimebundle_()
    html = bundle["text/html"]
    assert "application/vnd.plotly.v1+json" in bundle
    assert "Plotly.newPlot" in html
    assert "<script src" not in html and "mathjax" not in html.lower()
    assert len(html) < 200_000  # no plotly.js bundle in a figure: the first cell embeds it


# ---- the toolbar, the print version of a menu, the page's scripts ------------------------------


def test_one_config_speaks_chinese_and_uploads_nothing(figures: dict[str, go.Figure]) -> None:
    cfg = charts.CONFIG
    assert cfg["locale"] == "zh-CN" and cfg["displaylogo"] is False
    assert cfg["showSendToCloud"] is False
    assert {"sendChartToCloud", "editInChartStudio"} <= set(cfg["modeBarButtonsToRemove"])
    # every string of the toolbar the reports show has a Chinese title
    shown = ["Download plot as a PNG", "Zoom", "Pan", "Box Select", "Zoom in", "Zoom out"]
    for title in [*shown, "Autoscale", "Reset axes"]:
        assert any("\u4e00" <= ch <= "\u9fff" for ch in charts.ZH_CN[title]), title
    html = charts.HouseRenderer().to_mimebundle(figures["trend"].to_dict())["text/html"]
    assert '"locale": "zh-CN"' in html and '"showSendToCloud": false' in html
    assert '"displaylogo": false' in html
    # the same config for the figure JupyterLab shows
    charts.use_house_style()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # every option known to plotly
        bundle = figures["trend"]._repr_mimebundle_()
    assert bundle["application/vnd.plotly.v1+json"]["config"] == charts.CONFIG


def test_a_figure_waits_for_plotly_and_cannot_close_its_script() -> None:
    fig = charts.new_figure("</script><script>alert(1)</script>", 300)
    fig.add_bar(x=["</script>"], y=[1])
    html = charts.figure_html(fig.to_dict(), "fixed-id")
    assert html.count("</script>") == 1 and html.endswith("</script></div>")
    assert "window.khPlots" in html and 'Plotly.newPlot("fixed-id"' in html
    assert 'style="height:300px; width:100%;"' in html


def test_a_menu_figure_prints_every_option(
    figures: dict[str, go.Figure], annual: views.AnnualReport
) -> None:
    fig = figures["waterfall"]
    statics = charts.option_figures(fig.to_dict())
    assert len(statics) == 21
    for i, s in enumerate(statics):
        assert len(s["data"]) == 1 and s["data"][0]["visible"] is True
        assert s["data"][0]["name"] == fig.data[i].name  # the option's own unit
        assert s["layout"]["title"]["text"] == fig.data[i].name
        assert "updatemenus" not in s["layout"]
        assert not [a for a in s["layout"]["annotations"] if a.get("name") == charts.MENU_LABEL]
        # the unit's own base line, from the option's layout
        unit = annual.scores.unit_scores.filter(pl.col("unit") == fig.data[i].name)
        assert s["layout"]["shapes"][0]["y0"] == unit["base"][0]
    html = charts.HouseRenderer().to_mimebundle(fig.to_dict())["text/html"]
    assert html.count('class="plotly-graph-div"') == 22
    assert html.count('<div class="kh-screen-only">') == 1
    assert '<div class="kh-print-only" aria-hidden="true">' in html
    assert "逐一列出全部21个单位" in html
    # a menu figure not marked prints as it is shown
    plain = charts.menu(
        charts.new_figure("t", 300).add_bar(x=[1], y=[1]).add_bar(x=[1], y=[2]),
        ["甲", "乙"],
        [0, 1],
        0,
    )
    out = charts.HouseRenderer().to_mimebundle(plain.to_dict())["text/html"]
    assert out.count('class="plotly-graph-div"') == 1 and "kh-print-only" not in out


def test_labels_outside_bars_have_room(figures: dict[str, go.Figure]) -> None:
    adj = figures["adjustments"]
    xs = [x for t in adj.data for x in t.x]
    lo, hi = adj.layout.xaxis.range
    assert lo < min(xs) and hi > max(xs)
    assert "±0.2分" in adj.layout.xaxis.title.text  # from the rules file
    assert all(t.textangle == 0 for t in figures["assessment"].data if t.type == "bar")


PAGE = (
    "<html><head></head><body><main><div><script>window.PlotlyConfig = {};</script>"
    "<script>/**\n* plotly.js v9.9.9\n*/ var Plotly = {};</script></div>"
    "<h1>标题</h1><div>FIGURE</div></main></body></html>"
)


def test_the_page_runs_plotly_after_its_text() -> None:
    out = charts.page_scripts(PAGE)
    assert out.count("* plotly.js v9.9.9") == 1
    # the bundle left its place for the figures' queue, and went after the content, inert
    assert out.index("window.khPlots = window.khPlots || []") < out.index("<h1>")
    bundle = out.index("* plotly.js v9.9.9")
    assert out.index("FIGURE") < bundle < out.index("</body>")
    assert out.rfind('<script type="text/plain" id="kh-plotly-js">', 0, bundle) > 0
    # the locale registered from the dictionary, the print hooks
    assert '"name": "zh-CN"' in out and '"Zoom": "缩放"' in out
    assert 'addEventListener("beforeprint"' in out and 'matchMedia("print")' in out
    assert charts.page_scripts("<html><body>没有图表</body></html>") == (
        "<html><body>没有图表</body></html>"
    )
