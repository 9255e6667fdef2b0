"""The exploration page (notebooks/explore.ipynb, `kaohe explore`): which views, in which
order, opened on which unit, person and day.

Staff ask "how is my unit doing this month, which publications take our items, who writes for
us, how did we compare last quarter?". Every number comes from the shared presentation library
— `kaohe.present.views` (the same definitions as the quarterly notification and the annual
report: the engine's totals and ranks at each day, plans, items, people), `kaohe.present.charts`
(the figures) and `kaohe.present.render` (the one table widget, here searchable) — and this
module only assembles the page: an `Explorer` (a ledger scored up to a day, a unit and a
person) and one function per element of the page, which the notebook calls one a cell.

The page must also work without a kernel (the notebook is rendered to offline HTML like the
reports), so the choice of a unit, a person, a publication or a group is made with controls
that live in the page itself:

- figures carry every unit's (person's, publication's …) traces and a dropdown menu that
  switches between them; the notebook's parameters choose the one shown first;
- tables are searchable (`render.grid`): a search box, a filter menu opened on the chosen
  unit, click-to-sort headers (without JavaScript they are still complete tables);
- in a live JupyterLab session `controls()` adds ipywidgets to re-focus the views; it returns
  nothing elsewhere (papermill, the HTML export), where widgets cannot work;
- the page stays small on a large ledger: a table longer than GRID_ROWS lists the chosen
  unit's rows (`views.capped`), the person menu past `charts.PERSON_OPTIONS` people the chosen
  unit's, each with a note saying what is left out and where to find it; the delay boxes carry
  five numbers per box and their outliers, not every adoption. A normal year is shown whole.

`kaohe explore` renders the notebook to offline HTML (`render_html`); `kaohe kernel` installs the
project kernel the notebook names for JupyterLab (`make lab`).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from kaohe.engine import Scores
from kaohe.ledger import names as ledger_names
from kaohe.ledger.model import Ledger
from kaohe.present import charts, render, trend, trend_charts, views
from kaohe.present.render import Html
from kaohe.present.trend import Trend
from kaohe.present.views import Table
from kaohe.rules.models import Rules
from kaohe.rules.periods import ReportDataError, year_label

if TYPE_CHECKING:
    import plotly.graph_objects as go

    from kaohe.publish import PageFiles

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "explore.ipynb"
# The most rows one table lists on the page (a display limit, not a rule of the assessment):
# a longer table keeps the chosen unit's rows (`views.capped`). A normal year never reaches it.
GRID_ROWS = 2000
# Where the rows a cut table leaves out are found, by the table's name (`Table.name`).
ELSEWHERE = {
    "信息明细": "其他单位的信息明细可用 kaohe explore --unit 单位名称 生成该单位的查询页；"
    "每条信息的计分明细见 kaohe score 输出的 score_lines.csv",
    "撰稿人": "其他单位的人员可用 kaohe explore --unit 单位名称 查看；"
    "全部人员见 kaohe score 输出的 people.csv",
    "月度计划": "其他单位的计划可用 kaohe explore --unit 单位名称 生成该单位的查询页",
    "台账问题": "完整清单见 kaohe score 输出的 problems.csv，或运行 kaohe validate 台账",
}


# ---- what is explored ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Explorer:
    """A ledger scored up to a day, and the unit and person the views open on."""

    ctx: views.Context
    scores: Scores  # the engine's, up to `as_of` (the whole year when as_of is None)
    unit: str  # canonical unit name
    person: str | None  # a person's name (whitespace removed), or None

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
        return views.group_labels(self.rules)[self.group]


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
    """A unit's canonical name (`kaohe.ledger.names.resolve_unit`: as the ledger reader accepts
    it); blank: the first unit of the roster."""
    if text is None or not str(text).strip():
        return rules.units.roster[0].name
    return ledger_names.resolve_unit(str(text), rules)


def resolve_person(text: str | None, unit: str, people: pl.DataFrame) -> str | None:
    """A person's name as the score ledger writes it (inner spaces removed).

    Blank: the unit's information officer, else its writer with the most item points, else
    None. A name nobody in the ledger carries is an error naming the nearest name.
    """
    if text is None or ledger_names.person(text) is None:
        own = people.filter(pl.col("unit") == unit).sort(
            [pl.col("role") == "信息员", "item_points", "items_first_written", "name"],
            descending=[True, True, True, False],
        )
        return own["name"][0] if own.height else None
    return ledger_names.resolve_person(text, people["name"])


def focus(
    ctx: views.Context,
    unit: str | None = None,
    person: str | None = None,
    as_of: str | date | None = None,
) -> Explorer:
    """Score a ledger already read up to `as_of` and open the views on `unit` and `person`."""
    day = parse_day(as_of)
    if day is not None and day < ctx.rules.period.start:
        raise ReportDataError(f"截至日期 {day} 早于考核周期开始日 {ctx.rules.period.start}")
    name = resolve_unit(unit, ctx.rules)
    scores = ctx.score(day)
    return Explorer(ctx, scores, name, resolve_person(person, name, scores.people))


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
    """The same ledger opened on another unit, person or day (the context keeps what it has
    scored).

    Unit or day None: keep them; person None: keep it if the unit is the same, else the new
    unit's default person.
    """
    name = resolve_unit(unit, x.rules) if unit else x.unit
    day = parse_day(as_of) if as_of is not None else x.scores.as_of
    if x.ctx.as_of(day) != x.scores.as_of:
        return focus(x.ctx, name, person, day)
    if person is None and name == x.unit:
        who = x.person
    else:
        who = resolve_person(person, name, x.scores.people)
    return replace(x, unit=name, person=who)


# ---- the page, element by element ----------------------------------------------------------------
# Each element of the page is one function the notebook calls.


def on_page(x: Explorer, table: Table, limit: int | None = None) -> Table:
    """`table` as the page lists it: past `limit` rows (default GRID_ROWS) the chosen unit's
    rows (a table without a unit column: its first rows), with a note saying where the rest
    are (`ELSEWHERE`); a normal year's tables are whole."""
    return views.capped(table, limit or GRID_ROWS, ELSEWHERE[table.name], x.unit)


def header(x: Explorer, issued: date | None = None) -> Html:
    """The page head: what was read and scored, up to which day, and the unit shown first."""
    view = "（全年）" if x.scores.annual else "（年度累计）"
    rows = [
        ("数据截至", x.end.isoformat() + view),
        ("默认单位", x.unit),
        ("默认人员", x.person or "—"),
    ]
    return render.page_header(
        "党委、政务信息工作查询",
        f"{year_label(x.rules)}　{x.unit}",
        x.ctx,
        rows,
        issued,
        note="使用说明：各图右上角的下拉菜单可切换单位、人员、刊物或类别；"
        "表格上方可输入关键字搜索、按单位筛选，点击表头排序。"
        "在 JupyterLab 中运行本笔记本时，还可用顶部的控件重新选择单位、人员和截至月份。",
    )


def card(x: Explorer) -> Html:
    """一、the unit's key figures."""
    return render.sections([views.unit_card(x.ctx, x.scores, x.unit)])


def monthly(x: Explorer) -> go.Figure:
    """一、the engine's total month by month against the base and the pace (every unit)."""
    return charts.monthly_chart(views.monthly_scores(x.ctx, x.end), x.unit)


def tasks(x: Explorer) -> Html:
    return render.grid(views.tasks_table(x.scores, x.rules), selected=x.unit)


def items(x: Explorer) -> Html:
    """二、items, their adoptions and points."""
    return render.grid(on_page(x, views.items_table(x.ctx, x.scores)), selected=x.unit)


def publications(x: Explorer) -> go.Figure:
    """三、which publications adopted the unit's items."""
    return charts.publications_chart(views.unit_publications(x.ctx, x.scores), x.rules, x.unit)


def publication_units(x: Explorer) -> go.Figure:
    """三、which units' items a publication adopted."""
    df = views.unit_publications(x.ctx, x.scores)
    return charts.publication_units_chart(df, x.rules, x.unit)


def publications_grid(x: Explorer) -> Html:
    return render.grid(views.publications_table(x.ctx, x.scores), selected=x.unit)


def writers(x: Explorer) -> go.Figure:
    """四、each writer's items and adoption rate."""
    return charts.writers_chart(views.people_frame(x.scores, x.rules), x.rules, x.unit)


def person(x: Explorer) -> go.Figure:
    """四、one person month by month."""
    return charts.person_chart(views.person_monthly(x.ctx, x.scores), x.unit, x.person)


def people(x: Explorer) -> Html:
    return render.grid(on_page(x, views.people_table(x.scores, x.rules)), selected=x.unit)


def young(x: Explorer) -> Html:
    """四、the young cadres (the annual report's table, up to the day)."""
    return render.grid(views.young_cadres(x.scores, x.rules))


def groups(x: Explorer) -> go.Figure:
    """五、the units of a group quarter by quarter."""
    return charts.group_chart(views.quarter_comparison(x.ctx, x.end), x.rules, x.unit)


def quarters(x: Explorer) -> Html:
    return render.grid(views.quarter_table(x.ctx, x.end), "group_label", x.group_label, "类别")


def plans(x: Explorer) -> go.Figure:
    """六、plans against what was submitted and adopted, month by month."""
    df = views.plans_vs_actual(x.ctx, x.end)
    return charts.plans_vs_actual(views.plans_by_month(df), per_unit=df, unit=x.unit)


def plan_rows(x: Explorer) -> Html:
    return render.grid(on_page(x, views.plan_rows_table(x.ctx, x.end)), selected=x.unit)


def overview(x: Explorer) -> Html:
    """七、the ledger's sheets, rows and problems."""
    return render.grid(views.overview_table(x.ctx, x.scores), filter_key=None)


def problems(x: Explorer) -> Html:
    """七、the problems the reader and the engine found (past GRID_ROWS, the first ones)."""
    return render.grid(on_page(x, views.problems_table(x.scores)), "sheet", None, "工作表")


def heatmap(x: Explorer) -> go.Figure:
    """七、items submitted per unit and month."""
    return charts.items_heatmap(views.plans_vs_actual(x.ctx, x.end), x.rules)


def delays(x: Explorer) -> go.Figure:
    """七、days from submission to adoption."""
    return charts.delay_chart(views.adoption_delays(x.ctx, x.scores), x.rules)


def delays_grid(x: Explorer) -> Html:
    return render.grid(views.delay_table(x.ctx, x.scores))


def writer_gaps(x: Explorer) -> Html:
    """七、items without a first writer, writers not on the roster."""
    return render.grid(views.writer_gaps_table(x.ctx, x.scores))


# ---- 八、the previous year ------------------------------------------------------------------------


@dataclass(frozen=True)
class CrossYear:
    """The chosen unit beside the previous year (`kaohe.present.trend`), or why there is none."""

    unit: str
    trend: Trend | None
    why: str = ""  # when `trend` is None: why the section is empty, and how to fill it


def _previous_path(path: str, year: int, suffix: str) -> Path | None:
    """The previous year's file beside this year's, when this year's is named by its year
    (data/raw/2023 → data/raw/2022, params/2023.yaml → params/2022.yaml)."""
    p = Path(path)
    if p.name != f"{year}{suffix}":
        return None
    return p.with_name(f"{year - 1}{suffix}")


def previous_year(x: Explorer, ledger: str | Path = "", rules: str | Path = "") -> CrossYear:
    """The unit's line of the comparison with the previous year: that year's `ledger` and
    `rules` (blank: data/raw/<year−1> and params/<year−1>.yaml beside this year's, when this
    year's are named by their year). A previous year that is not there or cannot be scored
    leaves the section empty, saying why."""
    from kaohe.rules.models import RulesError

    year = x.rules.meta.year
    prev = f"{year - 1}年度"
    hint = "可在笔记本的参数 prev_ledger、prev_rules 中给出上一年度的台账和规则文件"
    lp = Path(ledger) if str(ledger).strip() else _previous_path(x.ctx.ledger_path, year, "")
    rp = Path(rules) if str(rules).strip() else _previous_path(x.ctx.rules_path, year, ".yaml")
    if lp is None or not lp.exists():
        where = f"（{lp}）" if lp is not None else ""
        return CrossYear(x.unit, None, f"没有找到{prev}的台账{where}：{hint}。")
    if rp is None or not rp.is_file():
        where = f"（{rp}）" if rp is not None else ""
        return CrossYear(x.unit, None, f"没有找到{prev}的规则文件{where}：{hint}。")
    try:
        t = trend.compare(views.load_context(lp, rp), x.ctx)
    except (ReportDataError, RulesError) as err:
        return CrossYear(x.unit, None, f"{prev}无法计分：{err}")
    return CrossYear(x.unit, t)


CROSS_YEAR_COLUMNS = (
    ("total", "总得分", "pts"),
    ("completion_rate", "完成率", "pct"),
    ("rank", "类内排名", "int"),
)


def cross_year(c: CrossYear) -> Html:
    """八、the unit's line of the comparison (both years' total, completion rate and rank, the
    change and its split), or why the section is empty."""
    if c.trend is None:
        return Html(f'<p class="kh-empty">{render.esc(c.why)}</p>', "与上一年度比较")
    t = c.trend
    cols: list[views.Column] = [views.Column("unit", "单位")]
    for key, header, fmt in CROSS_YEAR_COLUMNS:
        cols += [
            views.Column(f"{key}_a", f"{header}|{t.year_a}", fmt),
            views.Column(f"{key}_b", f"{header}|{t.year_b}", fmt),
        ]
    cols += [
        views.Column("change", "总得分变化|合计", "pts"),
        views.Column("work", "总得分变化|本单位工作", "pts"),
        views.Column("rules", "总得分变化|规则调整", "pts"),
        views.Column("note", "说明"),
    ]
    table = Table(
        "与上一年度比较",
        f"{c.unit}：{t.label_a}与{t.label_b}",
        t.units.filter(pl.col("unit") == c.unit),
        tuple(cols),
        note="全年对比（不受截至日期影响）。" + trend.method_text(t),
        empty=f"{t.label_a}和{t.label_b}的名单中都没有{c.unit}。",
    )
    return render.table(table)


def cross_year_chart(c: CrossYear) -> go.Figure | None:
    """八、the unit from the previous year's total to this year's (work, rules); None (nothing
    shown) without a previous year."""
    if c.trend is None:
        return None
    return trend_charts.unit_bridge(c.trend, c.unit)


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

    months = views.month_ends(x.rules, x.rules.period.end)
    month_options: list[tuple[str, date | None]] = [("全年", None)]
    month_options += [(f"截至{views.month_label(m)}末", d) for m, d in months[:-1]]
    person_options = sorted(set(x.scores.people["name"].to_list()))
    unit = w.Dropdown(options=x.rules.unit_names, value=x.unit, description="单位")
    who = w.Combobox(
        options=person_options, value=x.person or "", description="人员", ensure_option=False
    )
    as_of = w.Dropdown(options=month_options, value=x.scores.as_of, description="数据截至")
    if as_of.value != x.scores.as_of:  # an as_of that is not a month end
        as_of.options = [*month_options, (x.end.isoformat(), x.scores.as_of)]
        as_of.value = x.scores.as_of
    out = w.Output()
    state = {"x": x}
    views_of = show or (lambda y: (card(y), monthly(y), items(y)))

    def redraw(_: Any = None) -> None:
        out.clear_output(wait=True)
        with out:
            try:
                day = as_of.value.isoformat() if as_of.value else ""  # "": the whole year
                y = retarget(state["x"], unit.value, who.value or "", day)
            except ReportDataError as err:
                print(err)
                return
            state["x"] = y
            for v in views_of(y):
                display(v)

    for c in (unit, as_of):
        c.observe(redraw, names="value")
    who.observe(
        lambda ch: redraw() if not ch["new"] or ch["new"] in person_options else None,
        names="value",
    )
    box = w.VBox([w.HBox([unit, who, as_of]), out])
    box.explorer = state  # type: ignore[attr-defined]  # for tests and the curious
    redraw()
    return box


# ---- the page ------------------------------------------------------------------------------------


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
) -> PageFiles:
    """`kaohe explore`: execute notebooks/explore.ipynb and publish it as offline HTML with its
    executed notebook in <out>/<year>/ (`kaohe.publish.publish_page`). Parameters left None
    keep the notebook's defaults; the unit is resolved (and a wrong one refused) before any
    kernel starts."""
    from kaohe.publish import SCORE_CACHE, Page, existing_ledger, publish_page
    from kaohe.rules.models import DEFAULT_RULES, load_rules

    rules_path = Path(rules).resolve() if rules else None
    rl = load_rules(rules_path or DEFAULT_RULES)
    day = parse_day(as_of)
    name = resolve_unit(unit, rl) if unit else None
    given = {
        "ledger": str(existing_ledger(ledger)) if ledger is not None else None,
        "rules": str(rules_path) if rules_path is not None else None,
        "unit": name,
        "person": person,
        "as_of": day.isoformat() if day is not None else None,
    }
    year = rl.meta.year
    page = Page(
        title=f"{year_label(rl)}党委、政务信息工作查询" + (f"（{name}）" if name else ""),
        stem=page_stem(year, name, day),
        folder=Path(out) / str(year),
        notebook=notebook,
        parameters={k: v for k, v in given.items() if v is not None},
        noun="查询页",
        kernel_cwd=notebook.parent,  # where the notebook's default paths point
        score_cache=Path(out) / SCORE_CACHE,
    )
    return publish_page(page, progress)
