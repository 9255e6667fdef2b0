"""The exploration notebook and its library (kaohe.present.explore): every view on small ledgers built
for one edge and on the sample year; the notebook executed headless (defaults, and a chosen
unit, person and day) and rendered to offline HTML; the page opened in a real browser with the
network cut off, its charts drawn, its menus and tables working.

Expected numbers are derived by hand from shared/spec/rules.md; the arithmetic is written next
to each assertion. The browser helpers are shared with the report tests (tests/browser.py).
"""

from __future__ import annotations

import ast
import json
import re
import sys
from datetime import date
from pathlib import Path
from typing import Any

import plotly.graph_objects as go
import polars as pl
import pytest
from browser import Attrs, figure_count, open_offline
from conftest import Book

from kaohe import kernel
from kaohe.ledger.read import parse_ledger
from kaohe.present import charts, explore, render, views
from kaohe.publish import external_references
from kaohe.rules.models import Rules
from kaohe.rules.periods import ReportDataError

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "raw" / "2022"
NOTEBOOK = ROOT / "notebooks" / "explore.ipynb"
MARKUP = "<script>alert(1)</script>"
TALENT = "人才综合处"  # group B, base 150: city 3 (2 suggestion), provincial 1 (0)
SOCIAL = "社会保险处"  # group C


# ---- builders ------------------------------------------------------------------------------------


def explorer(
    book: Book,
    rules: Rules,
    plans: list[dict[str, str]] | None = None,
    people: list[dict[str, str]] | None = None,
    unit: str | None = TALENT,
    person: str | None = None,
    as_of: str | None = None,
) -> explore.Explorer:
    sheets: dict[str, Any] = book.sheets()
    if plans is not None:
        sheets["月度计划"] = plans
    if people is not None:
        sheets["信息员"] = people
    ledger = parse_ledger(sheets, rules)
    assert ledger.ok, ledger.errors.to_dicts()
    ctx = views.Context(rules, ledger, "<测试台账>", "<测试规则>", "0" * 64)
    return explore.focus(ctx, unit, person, as_of)


def write(book: Book, item_id: str, first: str = "", others: str = "") -> None:
    for row in book.rows["报送"]:
        if row["信息编号"] == item_id:
            row["第一撰稿人"] = first
            row["其他撰稿人"] = others


def person_row(unit: str, name: str, role: str = "撰稿人", young: bool = False) -> dict[str, str]:
    return {
        "单位": unit,
        "姓名": name,
        "角色": role,
        "年轻干部": "是" if young else "否",
        "起始日期": "",
        "终止日期": "",
    }


def plan_row(unit: str, month: str, seq: int, title: str, item_id: str = "") -> dict[str, str]:
    return {
        "单位": unit,
        "月份": month,
        "序号": str(seq),
        "报送要点": title,
        "拟报送刊物": "市工作信息",
        "报送时间": "",
        "联系人": "张三",
        "信息编号": item_id,
    }


@pytest.fixture
def talent(book: Book) -> Book:
    """人才综合处: X1 suggestion (2022-03-01, 张三, shared with 社会保险处 0.3) adopted by
    市委办公室《工作交流》 on 2022-04-01 with a leader's instruction; X2 general (2022-03-10,
    张三) never adopted; X3 general (2022-05-02, written by 王五 who is not on the roster)
    adopted by 局本级 绍兴人社门户网站 as 通讯 on 2022-05-20; X4 general (2022-05-03) without a
    writer, unadopted."""
    x1 = book.item(TALENT, kind="建议问题", shares=f"{SOCIAL}:0.3", item_id="X1")
    book.adopt(x1, "市委办公室", "《工作交流》", adopted="2022-04-01", instruction=True)
    book.item(TALENT, submitted="2022-03-10", item_id="X2")
    x3 = book.item(TALENT, submitted="2022-05-02", item_id="X3")
    book.adopt(x3, "局本级", "绍兴人社门户网站", adopted="2022-05-20", form="通讯")
    book.item(TALENT, submitted="2022-05-03", item_id="X4")
    write(book, "X1", "张三", "李四")
    write(book, "X2", "张 三")
    write(book, "X3", "王五")
    return book


TALENT_PEOPLE = [
    person_row(TALENT, "张三", "信息员"),
    person_row(TALENT, "李四", young=True),
]


@pytest.fixture
def tx(talent: Book, rules: Rules) -> explore.Explorer:
    return explorer(talent, rules, people=TALENT_PEOPLE)


@pytest.fixture(scope="module")
def sample() -> explore.Explorer:
    return explore.load(SAMPLE, unit=TALENT)


# ---- focus: unit, person, day --------------------------------------------------------------------


def test_a_unit_is_found_by_its_alias_and_a_wrong_name_names_the_nearest(rules: Rules) -> None:
    assert explore.resolve_unit("人才处", rules) == TALENT
    assert explore.resolve_unit(" 柯桥区人力社保局 ", rules) == "柯桥区"
    assert explore.resolve_unit("", rules) == rules.units.roster[0].name
    with pytest.raises(ReportDataError, match="没有名为“人才综合科”的单位，最接近的是“人才综合处”"):
        explore.resolve_unit("人才综合科", rules)


def test_the_day_is_read_as_the_office_writes_it() -> None:
    assert explore.parse_day("2022-08-31") == date(2022, 8, 31)
    assert explore.parse_day(" ") is None and explore.parse_day(None) is None
    assert explore.parse_day(date(2022, 1, 1)) == date(2022, 1, 1)
    with pytest.raises(ReportDataError, match="格式不对"):
        explore.parse_day("2022/08/31")


def test_focus_scores_up_to_the_day_and_opens_on_the_officer(talent: Book, rules: Rules) -> None:
    x = explorer(talent, rules, people=TALENT_PEOPLE, as_of="2022-04-15")
    assert x.end == date(2022, 4, 15) and not x.scores.annual
    assert x.unit == TALENT and x.group == "B" and x.group_label == "B类"
    assert x.person == "张三"  # the unit's 信息员
    # a day at or after the end of the period is the whole year
    y = explorer(talent, rules, people=TALENT_PEOPLE, as_of="2022-12-31")
    assert y.scores.annual and y.end == rules.period.end
    with pytest.raises(ReportDataError, match="早于考核周期开始日"):
        explorer(talent, rules, as_of="2021-11-30")


def test_a_person_is_matched_without_inner_spaces_or_refused_with_the_nearest(
    talent: Book, rules: Rules
) -> None:
    x = explorer(talent, rules, people=TALENT_PEOPLE, person="李 四")
    assert x.person == "李四"
    with pytest.raises(ReportDataError, match="没有名为“王六”的人员，最接近的是“王五”"):
        explorer(talent, rules, people=TALENT_PEOPLE, person="王六")
    # a unit with nobody: no default person
    assert explorer(talent, rules, people=TALENT_PEOPLE, unit="柯桥区").person is None


def test_retarget_keeps_the_scores_unless_the_day_changes(tx: explore.Explorer) -> None:
    y = explore.retarget(tx, unit="社保处")
    assert y.unit == SOCIAL and y.scores is tx.scores and y.person is None
    z = explore.retarget(tx, as_of="2022-03-31")
    assert z.unit == TALENT and z.end == date(2022, 3, 31) and z.person == "张三"
    assert explore.retarget(tx, person="李四").person == "李四"


# ---- the score month by month --------------------------------------------------------------------


def test_monthly_scores_are_the_engines_totals_at_each_month_end(tx: explore.Explorer) -> None:
    m = views.monthly_scores(tx.ctx, tx.end).filter(pl.col("unit") == TALENT)
    assert m["month"].to_list()[0] == "2021-12" and m.height == 12
    by = {r["month"]: r for r in m.iter_rows(named=True)}
    # March: X1 and X2 submitted, unadopted: 1 + 1 = 2 (shares do not split unadopted points)
    assert by["2022-03"]["total"] == 2 and by["2022-03"]["points"] == 2
    # April: X1 adopted 50 + instruction 50, lead keeps 70% = 70; X2 still 1 → 71;
    # the month gains 71 − 2 = 69 (X1's unadopted point is gone)
    assert by["2022-04"]["total"] == 71 and by["2022-04"]["points"] == 69
    # May: X3 adopted by the bureau website as 通讯 (3) and X4 unadopted (1): 71 + 3 + 1 = 75
    assert by["2022-05"]["total"] == 75 and by["2022-05"]["points"] == 4
    assert by["2022-10"]["total"] == 75 and by["2022-10"]["points"] == 0
    # November ends the year: the engine applies the count tasks — city 1 of 3 → −2 × 3 = −6;
    # city suggestion 1 of 2 → −5; provincial 0 of 1 → −5; research none → −20: 75 − 36 = 39
    assert by["2022-11"]["total"] == 39 and by["2022-11"]["points"] == -36
    # pace: 150 × (days 2021-12-01..2022-03-31 = 121) / 365
    assert by["2022-03"]["expected"] == pytest.approx(150 * 121 / 365)
    assert by["2022-11"]["expected"] == pytest.approx(150) and by["2022-11"]["completion"] == 0.26
    assert by["2022-03"]["label"] == "2022年3月"


def test_the_summary_is_the_engines_total_and_rank_at_the_day(
    tx: explore.Explorer, talent: Book, rules: Rules
) -> None:
    s = views.unit_summary(tx.ctx, tx.scores, TALENT)
    # the year applies the count tasks: city 1 of 3 → −2 × 3 = −6; city suggestion 1 of 2 → −5;
    # provincial 0 of 1 → −5; research none → −20: 75 − 36 = 39
    assert s["annual"] and s["total"] == 39 and s["completion"] == pytest.approx(0.26)
    # rank in class (B): the other three B units have nothing, so lose more than 人才综合处
    assert s["rank"] == 1 and s["group_size"] == 4
    engine = tx.scores.unit_scores.filter(pl.col("unit") == TALENT).row(0, named=True)
    assert (s["total"], s["rank"]) == (engine["total"], engine["rank"])
    # up to a day in the year the annual-only clauses wait in the tasks table
    october = explorer(talent, rules, people=TALENT_PEOPLE, as_of="2022-10-31")
    ytd = views.unit_summary(october.ctx, october.scores, TALENT)
    assert not ytd["annual"] and ytd["total"] == 75 and ytd["completion"] == 0.5
    assert s["submitted"] == 4 and s["adoptions"] == 2 and s["adopted_items"] == 2
    assert "市级录用差2篇" in s["open_tasks"]


def test_a_day_in_the_year_cuts_the_months(talent: Book, rules: Rules) -> None:
    x = explorer(talent, rules, as_of="2022-04-15")
    m = views.monthly_scores(x.ctx, x.end).filter(pl.col("unit") == TALENT)
    assert m["month"].to_list()[-1] == "2022-04" and m["day"].to_list()[-1] == date(2022, 4, 15)
    assert m["total"].to_list()[-1] == 71
    assert views.month_ends(rules, date(2022, 2, 10))[-1] == ("2022-02", date(2022, 2, 10))


def test_monthly_scores_end_on_the_engine_total_on_the_sample(sample: explore.Explorer) -> None:
    m = views.monthly_scores(sample.ctx, sample.end)
    last = m.filter(pl.col("month") == "2022-11").select("unit", "total")
    engine = sample.scores.unit_scores.select("unit", pl.col("total").alias("engine"))
    joined = last.join(engine, on="unit")
    assert joined.height == len(sample.rules.unit_names)
    assert (joined["total"] - joined["engine"]).abs().max() < 1e-9
    # the months' gains add up to the total
    sums = m.group_by("unit").agg(pl.col("points").sum()).join(last, on="unit")
    assert (sums["points"] - sums["total"]).abs().max() < 1e-6


def test_tasks_table_marks_the_open_tasks(tx: explore.Explorer) -> None:
    t = views.tasks_table(tx.scores, tx.rules)
    mine = t.frame.filter(pl.col("unit") == TALENT)
    assert mine.filter(pl.col("task") == "city_items").row(0, named=True)["gap"] == 2
    assert mine["_open"].to_list() == [g > 0 for g in mine["gap"].to_list()]


# ---- items, publications -------------------------------------------------------------------------


def test_a_shared_item_shows_under_each_unit_with_its_share_of_the_points(
    tx: explore.Explorer,
) -> None:
    items = views.unit_items(tx.ctx, tx.scores)
    x1 = {r["unit"]: r for r in items.filter(pl.col("item_id") == "X1").iter_rows(named=True)}
    # adoption 50 and instruction 50 (1 × the points): lead 70% → 35 + 35; contributor 30% → 30
    assert x1[TALENT]["points"] == 70 and x1[TALENT]["role"] == "牵头"
    assert x1[SOCIAL]["points"] == 30 and x1[SOCIAL]["role"] == "协作30%"
    assert x1[TALENT]["publications"] == "市委办公室《工作交流》（2022-04-01，批示）"
    assert x1[TALENT]["level_label"] == "市级" and x1[TALENT]["instructions"] == 1
    assert x1[TALENT]["days_to_adoption"] == 31  # 2022-03-01 → 2022-04-01
    assert x1[TALENT]["writers"] == "李四" and x1[TALENT]["kind_label"] == "建议问题"
    x2 = items.filter(pl.col("item_id") == "X2").row(0, named=True)
    assert x2["points"] == 1 and x2["adoptions"] == 0 and x2["days_to_adoption"] is None
    assert x2["first_writer"] == "张三"  # 张 三 as written


def test_item_points_add_up_to_the_item_lines_on_the_sample(sample: explore.Explorer) -> None:
    items = views.unit_items(sample.ctx, sample.scores).group_by("unit").agg(pl.col("points").sum())
    lines = (
        sample.scores.score_lines.filter(pl.col("item_id").is_not_null())
        .group_by("unit")
        .agg((pl.col("points_u").sum() / 10000).alias("lines"))
    )
    joined = lines.join(items, on="unit", how="left")
    assert (joined["lines"] - joined["points"]).abs().max() < 1e-9
    # every item submitted in the period appears under its lead unit
    leads = views.unit_items(sample.ctx, sample.scores).filter(pl.col("role") == "牵头")
    assert leads.height >= sample.ctx.items(sample.start, sample.end).height


def test_publications_count_each_sharing_unit_and_split_the_points(
    tx: explore.Explorer,
) -> None:
    p = views.unit_publications(tx.ctx, tx.scores)
    mine = {r["publication"]: r for r in p.filter(pl.col("unit") == TALENT).iter_rows(named=True)}
    assert mine["市委办公室《工作交流》"]["points"] == 70
    assert mine["市委办公室《工作交流》"]["instructions"] == 1
    assert mine["绍兴人社门户网站"]["points"] == 3  # 通讯 3
    social = p.filter(pl.col("unit") == SOCIAL).row(0, named=True)
    assert social["adoptions"] == 1 and social["points"] == 30


def test_a_district_scores_forwarded_adoptions_and_nothing_for_the_website(
    book: Book, rules: Rules
) -> None:
    k = book.item("柯桥区", item_id="K1")
    book.adopt(k, "省政府办公厅", "《浙江政务信息（专报信息）》", instruction=True)
    book.adopt(k, "局本级", "绍兴人社门户网站", form="简讯")
    x = explorer(book, rules, unit="柯桥区")
    p = {
        r["publication"]: r for r in views.unit_publications(x.ctx, x.scores).iter_rows(named=True)
    }
    # 省两办 in full 50 + instruction 20 (二（二）2); the bureau website earns a district nothing
    assert p["省政府办公厅《浙江政务信息（专报信息）》"]["points"] == 70
    assert p["绍兴人社门户网站"]["points"] == 0
    assert p["绍兴人社门户网站"]["adoptions"] == 1


def test_publication_points_add_up_to_the_adoption_lines_on_the_sample(
    sample: explore.Explorer,
) -> None:
    p = views.unit_publications(sample.ctx, sample.scores)
    p = p.group_by("unit").agg(pl.col("points").sum())
    adoption_steps = ["adoption", "instruction", "district_adoption", "district_instruction"]
    lines = (
        sample.scores.score_lines.filter(pl.col("step").is_in(adoption_steps))
        .group_by("unit")
        .agg((pl.col("points_u").sum() / 10000).alias("lines"))
    )
    joined = lines.join(p, on="unit", how="full", coalesce=True).fill_null(0)
    assert joined.height > 10
    assert (joined["lines"] - joined["points"]).abs().max() < 1e-9


# ---- people --------------------------------------------------------------------------------------


def test_writers_have_output_adoption_rate_and_roles(tx: explore.Explorer) -> None:
    w = {r["name"]: r for r in views.people_frame(tx.scores, tx.rules).iter_rows(named=True)}
    # 张三 first-wrote X1 (adopted) and X2 (not): 1 of 2
    assert w["张三"]["items_first_written"] == 2 and w["张三"]["adoption_rate"] == 0.5
    assert w["张三"]["role"] == "信息员"
    assert w["李四"]["items_cowritten"] == 1 and w["李四"]["adoption_rate"] is None
    assert w["李四"]["young_label"] == "是"
    assert w["王五"]["role"] == "未登记" and w["王五"]["adoption_rate"] == 1.0
    young = views.young_cadres(tx.scores, tx.rules).frame
    assert young["name"].to_list() == ["李四"]


def test_person_monthly_counts_writing_adoption_and_chucai_by_month(
    tx: explore.Explorer,
) -> None:
    pm = views.person_monthly(tx.ctx, tx.scores).filter(pl.col("name") == "张三")
    by = {r["month"]: r for r in pm.iter_rows(named=True)}
    assert len(by) == 12  # every month of the year, zeros included
    assert by["2022-03"]["items"] == 2 and by["2022-03"]["adopted"] == 0
    # April: X1 adopted by 市委办公室《工作交流》: one city adoption, 出彩 3
    assert by["2022-04"]["adopted"] == 1 and by["2022-04"]["adoptions_city_plus"] == 1
    assert by["2022-04"]["chucai_points"] == 3
    # the bureau website is not city level: 王五 has an adoption but no 出彩 points
    wang = views.person_monthly(tx.ctx, tx.scores).filter(pl.col("name") == "王五")
    assert wang["adopted"].sum() == 1 and wang["chucai_points"].sum() == 0
    # 李四 only co-wrote: not a first writer, no row
    assert views.person_monthly(tx.ctx, tx.scores).filter(pl.col("name") == "李四").height == 0


# ---- comparisons, plans --------------------------------------------------------------------------


def test_quarters_compare_the_units_of_a_group(tx: explore.Explorer) -> None:
    q = views.quarter_comparison(tx.ctx, tx.end)
    mine = {r["quarter"]: r for r in q.filter(pl.col("unit") == TALENT).iter_rows(named=True)}
    assert list(mine) == ["Q1", "Q2", "Q3", "Q4"]
    # Q2 (03-01..05-31): 75 points (see the monthly test), 4 items, 2 adoptions
    assert mine["Q1"]["points"] == 0 and mine["Q2"]["points"] == 75
    assert mine["Q2"]["submitted"] == 4 and mine["Q2"]["adoptions"] == 2
    assert mine["Q2"]["rank"] == 1 and mine["Q2"]["completion"] == 0.5
    # the other three B units tie at 0: rank 2 ("min")
    others = q.filter((pl.col("group") == "B") & (pl.col("unit") != TALENT))
    assert set(others.filter(pl.col("quarter") == "Q2")["rank"].to_list()) == {2}
    # the contributor's share shows in its own group (C): 30
    social = q.filter((pl.col("unit") == SOCIAL) & (pl.col("quarter") == "Q2"))
    assert social["points"][0] == 30


def test_the_current_quarter_is_cut_at_the_day(talent: Book, rules: Rules) -> None:
    x = explorer(talent, rules, as_of="2022-04-15")
    q = views.quarter_comparison(x.ctx, x.end).filter(pl.col("unit") == TALENT)
    assert q["quarter"].to_list() == ["Q1", "Q2"]
    assert q["end"].to_list()[-1] == date(2022, 4, 15) and q["points"].to_list()[-1] == 71


def test_quarter_points_add_up_to_the_year_to_date_total_on_the_sample(
    sample: explore.Explorer,
) -> None:
    q = views.quarter_comparison(sample.ctx, sample.end)
    sums = q.group_by("unit").agg(pl.col("points").sum(), pl.col("total").last())
    assert (sums["points"] - sums["total"]).abs().max() < 1e-6
    assert set(q["quarter"].to_list()) == {"Q1", "Q2", "Q3", "Q4"}


def test_plans_are_followed_item_by_item(talent: Book, rules: Rules) -> None:
    plans = [
        plan_row(TALENT, "2022-03", 1, "计划甲", "X1"),
        plan_row(TALENT, "2022-03", 2, "计划乙", "X2"),
        plan_row(TALENT, "2022-04", 1, "计划丙"),
    ]
    x = explorer(talent, rules, plans=plans, people=TALENT_PEOPLE)
    rows = {r["title"]: r for r in views.plan_rows(x.ctx, x.end).iter_rows(named=True)}
    assert rows["计划甲"]["status_label"] == "已录用"
    assert rows["计划甲"]["publications"] == "市委办公室《工作交流》"
    assert rows["计划乙"]["status_label"] == "已报送，未录用"
    assert rows["计划丙"]["status_label"] == "未报送"
    pv = views.plans_vs_actual(x.ctx, x.end).filter(pl.col("unit") == TALENT)
    march = pv.filter(pl.col("month") == "2022-03").row(0, named=True)
    assert (march["planned"], march["fulfilled"], march["submitted"], march["adopted"]) == (
        2,
        2,
        2,
        1,
    )
    april = pv.filter(pl.col("month") == "2022-04").row(0, named=True)
    assert (april["planned"], april["fulfilled"], april["submitted"]) == (1, 0, 0)
    # up to 2022-03-31: X1 not yet adopted, April's plans not yet due
    early = explorer(talent, rules, plans=plans, as_of="2022-03-31")
    rows = {r["title"]: r for r in views.plan_rows(early.ctx, early.end).iter_rows(named=True)}
    assert set(rows) == {"计划甲", "计划乙"}
    assert rows["计划甲"]["status_label"] == "已报送，未录用"
    assert views.plans_vs_actual(early.ctx, early.end)["adopted"].sum() == 0


# ---- data quality --------------------------------------------------------------------------------


def test_items_by_month_is_a_full_grid(tx: explore.Explorer, rules: Rules) -> None:
    g = views.plans_vs_actual(tx.ctx, tx.end)  # the heatmap's frame
    assert g.height == len(rules.unit_names) * 12
    mine = dict(g.filter(pl.col("unit") == TALENT).select("month", "submitted").iter_rows())
    assert mine["2022-03"] == 2 and mine["2022-05"] == 2 and mine["2022-01"] == 0


def test_adoption_delays_count_days_from_submission(tx: explore.Explorer) -> None:
    d = views.adoption_delays(tx.ctx, tx.scores)
    assert dict(zip(d["item_id"], d["days"], strict=True)) == {"X1": 31, "X3": 18}
    s = views.delay_summary(tx.ctx, tx.scores).row(0, named=True)
    assert s["unit"] == TALENT and s["adoptions"] == 2 and s["median_days"] == 24.5
    assert s["max_days"] == 31


def test_delay_boxes_are_the_quartiles_and_whiskers_plotly_draws(tx: explore.Explorer) -> None:
    # days 1,1,2,2,3,3,4,4,5,5,50,50 (n = 12); plotly's quantile at p is the sorted value at
    # position p·12 − ½, linear between: q1 at 2.5 → (2+2)/2 = 2, median at 5.5 → (3+4)/2 =
    # 3.5, q3 at 8.5 → (5+5)/2 = 5; IQR 3: whiskers to the last values within [2 − 4.5,
    # 5 + 4.5] = [−2.5, 9.5], i.e. 1 and 5; the two adoptions of 50 days are outliers.
    days = [1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 50, 50]
    pubs = ["甲"] * 10 + ["乙", "丙"]
    df = pl.DataFrame({"level": ["city"] * 12, "days": days, "publication": pubs})
    b = charts.delay_boxes(df).row(0, named=True)
    assert (b["n"], b["q1"], b["median"], b["q3"]) == (12, 2.0, 3.5, 5.0)
    assert (b["lowerfence"], b["upperfence"]) == (1.0, 5.0)
    assert b["outlier_days"] == [50] and b["outlier_texts"] == ["2次录用（丙1次、乙1次）"]
    # one outlier adoption is named by its publication, as a point of the raw box was
    one = charts.delay_boxes(df.head(11)).row(0, named=True)
    assert one["outlier_days"] == [50] and one["outlier_texts"] == ["乙"]
    # the page carries the five numbers of the box and one point per outlier, named
    (box,) = charts.delay_chart(df.head(10), tx.rules).data
    assert box.y is None and list(box.q1) == [2.0] and list(box.median) == [3.0]
    box, points = charts.delay_chart(df, tx.rules).data
    assert list(box.q3) == [5.0] and list(box.upperfence) == [5.0]
    assert list(points.y) == [50] and list(points.text) == ["2次录用（丙1次、乙1次）"]


def test_a_long_items_table_lists_the_chosen_units_rows_and_says_so(
    sample: explore.Explorer,
) -> None:
    every = views.unit_items(sample.ctx, sample.scores)
    own = every.filter(pl.col("unit") == TALENT)
    assert explore.on_page(sample, views.items_table(sample.ctx, sample.scores)).frame.equals(
        every
    )  # the sample year is whole
    assert own.height > 10
    t = explore.on_page(sample, views.items_table(sample.ctx, sample.scores), 10)
    assert t.frame.equals(own.head(10))
    assert t.note is not None and t.note.startswith(
        f"本表共{every.height}行，超过本页上限10行，只列出默认单位“{TALENT}”的前10行"
        f"（该单位共{own.height}行）；其他单位的信息明细可用 kaohe explore --unit 单位名称 "
        "生成该单位的查询页；每条信息的计分明细见 kaohe score 输出的 score_lines.csv。得分为"
    )
    t = explore.on_page(sample, views.items_table(sample.ctx, sample.scores), own.height + 1)
    assert t.frame.equals(own) and f"只列出默认单位“{TALENT}”的{own.height}行；" in (t.note or "")
    # the page shows the cut above the table's own note, and its filter menu the one unit
    page = str(render.grid(t, selected=TALENT))
    assert page.count("<option") == 2 and "超过本页上限" in page


def test_a_unit_with_no_rows_in_a_cut_table_says_why_it_is_empty(tx: explore.Explorer) -> None:
    # tx: 人才综合处 X1 to X4 and 社会保险处's share of X1, five rows; 柯桥区 has none
    x = explore.retarget(tx, unit="柯桥区")
    t = explore.on_page(x, views.items_table(x.ctx, x.scores), 2)
    assert t.frame.height == 0
    assert t.empty.startswith("本表共5行，超过本页上限2行，只列出默认单位“柯桥区”的0行；")
    assert t.empty in str(render.grid(t, selected="柯桥区"))


def test_a_long_problem_list_shows_its_first_rows(sample: explore.Explorer) -> None:
    full = views.problems_table(sample.scores)
    n = full.frame.height
    assert n > 4
    # each problem names its unit, so past the limit the page lists the chosen unit's rows
    t = explore.on_page(sample, full, 4)
    own = full.frame.filter(pl.col("unit") == sample.unit)
    assert t.frame.equals(own.head(4))
    said = t.empty if t.frame.is_empty() else t.note
    assert (said or "").startswith(f"本表共{n}行，超过本页上限4行，只列出默认单位“{sample.unit}”的")
    assert "完整清单见 kaohe score 输出的 problems.csv，或运行 kaohe validate 台账。" in (
        said or ""
    )
    assert explore.on_page(sample, full).frame.equals(full.frame)


def test_missing_and_unregistered_writers_are_found(tx: explore.Explorer) -> None:
    g = views.writer_gaps(tx.ctx, tx.scores).filter(pl.col("unit") == TALENT).row(0, named=True)
    assert g["items"] == 4 and g["no_writer"] == 1 and g["no_writer_share"] == 0.25
    assert g["unregistered"] == 1 and g["unregistered_names"] == "王五"
    other = views.writer_gaps(tx.ctx, tx.scores).filter(pl.col("unit") == SOCIAL).row(0, named=True)
    assert other["items"] == 0 and other["no_writer_share"] is None


def test_without_a_people_sheet_nobody_is_unregistered(talent: Book, rules: Rules) -> None:
    x = explorer(talent, rules)
    assert views.writer_gaps(x.ctx, x.scores)["unregistered"].sum() == 0


def test_the_ledger_overview_counts_rows_and_problems(talent: Book, rules: Rules) -> None:
    talent.item(TALENT, submitted="2022-12-05", item_id="LATE")  # outside the period: warning
    x = explorer(talent, rules, people=TALENT_PEOPLE)
    o = {r["sheet"]: r for r in views.ledger_overview(x.ctx, x.scores).iter_rows(named=True)}
    assert o["报送"]["rows"] == 5 and o["报送"]["warnings"] == 1 and o["报送"]["errors"] == 0
    assert o["录用"]["rows"] == 2 and o["信息员"]["rows"] == 2 and o["约稿"]["rows"] == 0
    assert views.problems_table(x.scores).frame.height == x.scores.problems.height


def test_the_sample_ledger_overview_matches_what_was_read(sample: explore.Explorer) -> None:
    o = {
        r["sheet"]: r
        for r in views.ledger_overview(sample.ctx, sample.scores).iter_rows(named=True)
    }
    assert o["报送"]["rows_read"] == 820 and o["月度计划"]["rows"] == 402
    assert sum(r["warnings"] for r in o.values()) == sample.scores.problems.height


# ---- page text and tables ------------------------------------------------------------------------


def test_header_and_card_are_escaped(talent: Book, rules: Rules) -> None:
    x = explorer(talent, rules, people=TALENT_PEOPLE)
    head = explore.header(x, issued=date(2022, 12, 1))
    h = str(head)
    assert "<h1>党委、政务信息工作查询</h1>" in h and "2022-12-01" in h
    assert "默认单位：人才综合处" in h and "使用说明" in h
    # files and fingerprints are the colophon's (the page's end), never the header's
    assert "0" * 64 not in h and "测试台账" not in h
    assert head.meta is not None and head.meta["rules_sha256"] == "0" * 64
    assert "<测试台账>" in head.meta["ledger_name"]  # escaped by the template's colophon
    card = str(explore.card(x))
    assert "人才综合处（B类，基本任务分150分）：全年总得分39分（含基本任务" in card
    assert "完成率26.00%；在同类4个单位中排第1名。" in card
    assert "尚未完成的任务：市级录用差2篇" in card
    may = str(explore.card(explore.retarget(x, as_of="2022-05-31")))
    assert "截至2022-05-31，累计得分75分（不含按全年判断的条款），完成基本任务分的50.00%" in may


# The page's elements, in the notebook's order: tables (Html) and figures.
TABLES = (
    "tasks",
    "items",
    "publications_grid",
    "people",
    "young",
    "quarters",
    "plan_rows",
    "overview",
    "problems",
    "delays_grid",
    "writer_gaps",
)
FIGURES = (
    "monthly",
    "publications",
    "publication_units",
    "writers",
    "person",
    "groups",
    "plans",
    "heatmap",
    "delays",
)


def test_every_table_of_the_page_renders_on_the_sample(sample: explore.Explorer) -> None:
    for name in TABLES:
        page = str(getattr(explore, name)(sample))
        assert external_references(page) == [], name
        assert page.count("<tr") > 2 and "kh-grid" in page, name  # searchable, not empty
    # the notebook calls exactly these elements, one a cell
    nb = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    calls = [
        m.group(1)
        for c in nb["cells"]
        if c["cell_type"] == "code"
        for m in [re.fullmatch(r"explore\.(\w+)\(x\)", "".join(c["source"]).strip())]
        if m
    ]
    assert calls == ["header", "controls", "card", "monthly", "tasks", "items", "publications",
                     "publication_units", "publications_grid", "writers", "person", "people",
                     "young", "groups", "quarters", "plans", "plan_rows", "overview",
                     "problems", "heatmap", "delays", "delays_grid", "writer_gaps"]  # fmt: skip
    assert [c for c in calls if c in FIGURES] == list(FIGURES)


# ---- figures -------------------------------------------------------------------------------------


def _menu(fig: go.Figure) -> tuple[list[str], int]:
    menu = fig.layout.updatemenus[0]
    return [b.label for b in menu.buttons], menu.active


def _visible_names(fig: go.Figure) -> list[str]:
    return [t.name for t in fig.data if t.visible]


def test_the_monthly_chart_opens_on_the_unit_with_a_menu_of_every_unit(
    sample: explore.Explorer,
) -> None:
    fig = explore.monthly(sample)
    labels, active = _menu(fig)
    assert labels == sample.rules.unit_names and labels[active] == TALENT
    assert _visible_names(fig) == ["当月得分", "累计得分", "按时间进度应得", "基本任务分"]
    assert fig.layout.title.text.startswith(TALENT)
    # each option shows exactly its own four traces
    for i, b in enumerate(fig.layout.updatemenus[0].buttons):
        vis = b.args[0]["visible"]
        assert sum(vis) == 4 and vis[4 * i : 4 * i + 4] == [True] * 4


def test_every_figure_has_the_house_style_and_a_menu_where_one_is_chosen(
    sample: explore.Explorer,
) -> None:
    from kaohe.present import charts

    figs = {name: getattr(explore, name)(sample) for name in FIGURES if name != "monthly"}
    for name, fig in figs.items():
        assert fig.layout.template.layout.font.family == charts.FONT_FAMILY, name
        assert fig.layout.title.text, name
        if name not in ("heatmap", "delays"):
            labels, active = _menu(fig)
            assert len(labels) >= 2 and sum(bool(t.visible) for t in fig.data) >= 1, name
    assert _menu(figs["groups"])[0][_menu(figs["groups"])[1]] == "B类"
    person_labels, active = _menu(figs["person"])
    assert person_labels[active] == f"{sample.person}（{TALENT}）"
    assert _menu(figs["plans"])[0][0] == "全部单位"
    own = views.unit_publications(sample.ctx, sample.scores).filter(pl.col("unit") == TALENT)
    top = own.sort("adoptions", descending=True)["publication"][0]
    labels, active = _menu(figs["publication_units"])
    assert labels[active] == top


def test_a_long_person_menu_keeps_the_chosen_units_people_and_says_so(
    sample: explore.Explorer,
) -> None:
    df = views.person_monthly(sample.ctx, sample.scores)
    everyone = df.select("unit", "name").unique().height
    own = sorted(df.filter(pl.col("unit") == TALENT)["name"].unique().to_list())
    whole = explore.person(sample)
    assert len(_menu(whole)[0]) == everyone  # the sample year's menu has everybody
    assert len(_menu(whole)[0]) <= charts.PERSON_OPTIONS
    fig = charts.person_chart(df, TALENT, sample.person, limit=everyone - 1)
    labels, active = _menu(fig)
    assert sorted(labels) == sorted(f"{n}（{TALENT}）" for n in own)
    assert labels[active] == f"{sample.person}（{TALENT}）"
    assert len(fig.data) == 3 * len(own)
    notes = [a.text for a in fig.layout.annotations]
    assert (
        f"人员共{everyone}人，超过菜单上限{everyone - 1}人，只列出默认单位“{TALENT}”的人员；"
        "其他单位的人员可用 kaohe explore --unit 单位名称 查看"
    ) in notes


def test_names_from_the_ledger_are_escaped_in_figures(book: Book, rules: Rules) -> None:
    k = book.item(TALENT, item_id="M1")
    book.adopt(k, "市委办公室", "《工作交流》")
    write(book, "M1", "<b>粗</b>")
    # without a people sheet the officer of the rules' roster is the default person
    assert explorer(book, rules).person == "黄贺成"
    x = explorer(book, rules, person="<b>粗</b>")
    fig = explore.person(x)
    labels, _ = _menu(fig)
    assert labels == [f"&lt;b&gt;粗&lt;/b&gt;（{TALENT}）"]
    w = explore.writers(x)
    assert "&lt;b&gt;粗&lt;/b&gt;" in [n for t in w.data for n in (t.x or ())]


def test_figures_of_an_empty_ledger_still_draw(book: Book, rules: Rules) -> None:
    x = explorer(book, rules)
    assert views.unit_publications(x.ctx, x.scores).height == 0
    for name in FIGURES:
        fig = getattr(explore, name)(x)
        assert isinstance(fig, go.Figure) and fig.layout.title.text, name
    for name in TABLES:
        assert external_references(str(getattr(explore, name)(x))) == [], name


# ---- live controls -------------------------------------------------------------------------------


def test_controls_are_absent_without_a_live_front_end(
    tx: explore.Explorer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    assert not explore.is_live() and explore.controls(tx) is None


def test_live_controls_refocus_the_views(
    tx: explore.Explorer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JPY_SESSION_NAME", "/notebooks/explore.ipynb")
    seen: list[explore.Explorer] = []
    box = explore.controls(tx, show=lambda y: seen.append(y) or ())
    assert box is not None and seen[-1].unit == TALENT
    unit, person, as_of = box.children[0].children
    unit.value = SOCIAL
    assert seen[-1].unit == SOCIAL
    as_of.value = date(2022, 3, 31)
    assert seen[-1].end == date(2022, 3, 31) and seen[-1].unit == SOCIAL
    as_of.value = None  # back to the whole year
    assert seen[-1].scores.annual and seen[-1].unit == SOCIAL
    person.value = "李四"
    assert seen[-1].person == "李四"
    n = len(seen)
    person.value = "李"  # typing: not a name yet, nothing redrawn
    assert len(seen) == n


# ---- the kernel make lab uses --------------------------------------------------------------------


def test_the_kernel_the_notebook_names_is_this_environment(tmp_path: Path) -> None:
    nb = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    assert nb["metadata"]["kernelspec"]["name"] == kernel.KERNEL_NAME
    path = kernel.install_kernel(tmp_path)
    assert path == tmp_path / "share" / "jupyter" / "kernels" / "kaohe" / "kernel.json"
    spec = json.loads(path.read_text(encoding="utf-8"))
    assert spec["argv"][:3] == [sys.executable, "-m", "kaohe.kernel"]
    assert "{connection_file}" in spec["argv"]

    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager

    ksm = KernelSpecManager(kernel_dirs=[str(path.parent.parent)])
    km = KernelManager(kernel_name="kaohe", kernel_spec_manager=ksm)
    km.start_kernel()
    try:
        kc = km.client()
        kc.start_channels()
        kc.wait_for_ready(timeout=120)
        out: list[str] = []
        kc.execute_interactive(
            "import sys, kaohe; print(sys.executable)",
            output_hook=lambda m: out.append(m["content"].get("text", "")),
            timeout=60,
        )
        kc.stop_channels()
    finally:
        km.shutdown_kernel(now=True)
    assert "".join(out).strip() == sys.executable


# ---- the notebook --------------------------------------------------------------------------------


def test_the_notebook_is_parameterised_thin_and_saved_without_outputs() -> None:
    nb = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert nb["cells"][0] is code[0]
    assert "plotly.offline.init_notebook_mode(connected=False)" in "".join(code[0]["source"])
    tagged = [c for c in code if "parameters" in c["metadata"].get("tags", [])]
    assert len(tagged) == 1
    names = {
        t.id
        for s in ast.parse("".join(tagged[0]["source"])).body
        for t in getattr(s, "targets", [])
    }
    assert names == {"ledger", "rules", "unit", "person", "as_of", "prev_ledger", "prev_rules"}
    for c in code:
        assert c["outputs"] == [] and c["execution_count"] is None
        if c is tagged[0]:
            continue
        body = ast.parse("".join(c["source"])).body
        statements = [s for s in body if not isinstance(s, ast.Import | ast.ImportFrom)]
        assert len(statements) <= 2, c["source"]  # one or two library calls a cell
        for s in ast.walk(ast.Module(body=statements, type_ignores=[])):
            # no rule or computation in the notebook: no literals but names and labels
            assert not isinstance(s, ast.BinOp | ast.Compare | ast.Lambda), c["source"]


# ---- executed headless and rendered offline ------------------------------------------------------


@pytest.fixture(scope="module")
def default_page(tmp_path_factory: pytest.TempPathFactory) -> Any:
    return explore.render_html(tmp_path_factory.mktemp("explore"))


@pytest.fixture(scope="module")
def chosen_page(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, str, str]:
    """柯桥区 and one of its writers up to 2022-08-31, on a copy of the sample whose first
    柯桥区 item has a title with markup and is the chosen writer's."""
    tmp = tmp_path_factory.mktemp("chosen")
    ledger = tmp / "台账"
    ledger.mkdir()
    for f in SAMPLE.glob("*.csv"):
        (ledger / f.name).write_bytes(f.read_bytes())
    items = pl.read_csv(ledger / "报送.csv", infer_schema=False)
    first = items.filter(
        (pl.col("报送单位").str.contains("柯桥")) & (pl.col("报送日期") > "2022-03-01")
    ).row(0, named=True)
    items = items.with_columns(
        pl.when(pl.col("信息编号") == first["信息编号"])
        .then(pl.lit(MARKUP))
        .otherwise(pl.col("标题"))
        .alias("标题")
    )
    (ledger / "报送.csv").write_text(items.write_csv(), encoding="utf-8")
    person = first["第一撰稿人"]
    files = explore.render_html(
        tmp / "out", ledger, None, "柯桥", person, "2022-08-31", notebook=NOTEBOOK
    )
    return files, person, first["信息编号"]


def test_the_notebook_runs_headless_with_its_defaults(default_page: Any) -> None:
    assert default_page.html.name == "2022-信息工作查询.html"
    nb = json.loads(default_page.notebook.read_text(encoding="utf-8"))
    assert nb["metadata"]["papermill"]["parameters"] == {}
    assert all(c.get("execution_count") for c in nb["cells"] if c["cell_type"] == "code")
    html = default_page.html.read_text(encoding="utf-8")
    assert "<h1>党委、政务信息工作查询</h1>" in html and "默认单位：人才综合处" in html
    # 八: the sample year has no previous year beside it: the section says so
    assert "没有找到2021年度的台账" in html and "prev_ledger" in html
    assert figure_count(default_page.notebook) == 9


def test_the_notebook_runs_with_a_chosen_unit_person_and_day(
    chosen_page: tuple[Any, str, str],
) -> None:
    files, person, item_id = chosen_page
    assert files.html.name == "2022-信息工作查询-柯桥区-截至2022-08-31.html"
    nb = json.loads(files.notebook.read_text(encoding="utf-8"))
    params = nb["metadata"]["papermill"]["parameters"]
    assert params["unit"] == "柯桥区" and params["person"] == person
    assert params["as_of"] == "2022-08-31"
    html = files.html.read_text(encoding="utf-8")
    assert "默认单位：柯桥区" in html and f"默认人员：{person}" in html
    assert "2022-08-31（年度累计）" in html and "2022年9月" not in html
    assert item_id in html and MARKUP not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_a_wrong_unit_or_day_is_refused_before_any_kernel_starts(tmp_path: Path) -> None:
    with pytest.raises(ReportDataError, match="最接近的是“人才综合处”"):
        explore.render_html(tmp_path, SAMPLE, unit="人才综合科")
    with pytest.raises(ReportDataError, match="格式不对"):
        explore.render_html(tmp_path, SAMPLE, as_of="8月31日")
    assert not list(tmp_path.rglob("*.html"))


def test_an_unknown_person_stops_the_page_in_chinese(tmp_path: Path) -> None:
    from kaohe.publish import ReportError

    with pytest.raises(ReportError) as err:
        explore.render_html(tmp_path, SAMPLE, unit="人才处", person="无此人")
    text = str(err.value)
    assert "执行出错" in text and "台账中没有名为“无此人”的人员" in text and "已保留" in text
    assert err.value.notebook is not None and err.value.notebook.is_file()
    assert not list(tmp_path.rglob("*.html"))


@pytest.mark.parametrize("which", ["default", "chosen"])
def test_the_page_has_no_code_one_plotly_bundle_and_no_external_reference(
    which: str, default_page: Any, chosen_page: tuple[Any, str, str]
) -> None:
    files = default_page if which == "default" else chosen_page[0]
    html = files.html.read_text(encoding="utf-8")
    for code in (
        "jp-InputArea-editor",
        "cm-editor",
        'class="highlight',
        "init_notebook_mode",
        "explore.load(",
        "explore.items(",
        "charts.use_house_style",
    ):
        assert code not in html, code
    p = Attrs()
    p.feed(html)
    external = [
        (t, k, v)
        for t, k, v in p.attrs
        if k in ("src", "href") and re.match(r"^\s*(https?:)?//", v, re.IGNORECASE)
    ]
    assert external == [] and external_references(html) == []
    assert "link" not in p.tags
    assert not re.search(r"<script[^>]*\ssrc=", html) and not re.search(r"@import", html)
    assert html.count("* plotly.js v") == 1
    assert html.count('class="plotly-graph-div"') == figure_count(files.notebook)
    assert "jupyter-widgets" not in html and "application/vnd.jupyter.widget" not in html
    assert files.size <= 8_000_000


# ---- in a real browser, offline ------------------------------------------------------------------


@pytest.mark.parametrize("which", ["default", "chosen"])
def test_every_chart_draws_offline_in_a_browser(
    browser: Any, which: str, default_page: Any, chosen_page: tuple[Any, str, str]
) -> None:
    files = default_page if which == "default" else chosen_page[0]
    seen = open_offline(browser, files.html)
    assert seen["expected"] == figure_count(files.notebook) == 9
    assert seen["drawn"] == seen["expected"] and seen["plotly"]
    assert seen["errors"] == [] and seen["blocked"] == [] and seen["dialogs"] == []
    assert "党委、政务信息工作查询" in seen["heading"]


def test_menus_and_tables_work_offline(browser: Any, default_page: Any) -> None:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    blocked: list[str] = []

    def route(r: Any) -> None:
        if r.request.url.startswith("file:"):
            r.continue_()
        else:
            blocked.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(default_page.html.as_uri(), wait_until="load")
    page.wait_for_function("document.querySelectorAll('.js-plotly-plot .main-svg').length >= 9")
    # the items table opens on the chosen unit; search and the unit menu filter it
    grid = page.locator(".kh-grid").filter(has_text="各单位信息及录用、得分明细")
    count = grid.locator(".kh-grid-count")
    total = grid.locator("tbody tr").count()
    shown = int(re.search(r"显示 (\d+)", count.inner_text()).group(1))  # type: ignore[union-attr]
    assert 0 < shown < total and grid.locator("select").input_value() == TALENT
    grid.locator("select").select_option("")
    assert count.inner_text() == f"显示 {total} / {total} 行"
    grid.locator("input").fill("XX2022-0047")
    assert count.inner_text() == f"显示 1 / {total} 行"
    grid.locator("input").fill("")
    # a click on a header sorts: points, highest first on the second click
    header = grid.locator("thead th", has_text="得分")
    header.click()
    header.click()
    first = grid.locator("tbody tr").first.locator("td").nth(12).inner_text()
    assert float(first) == max(
        float(v or 0) for v in grid.locator("tbody td:nth-child(13)").all_inner_texts()
    )
    # the monthly chart's menu switches unit: open it and choose the unit after the chosen one
    gd = page.locator(".js-plotly-plot").first
    gd.locator(".updatemenu-header-group").click()
    gd.locator(".updatemenu-dropdown-button", has_text="专业技术人员管理处").click()
    page.wait_for_timeout(300)
    title = gd.locator(".gtitle").text_content() or ""
    assert title.startswith("专业技术人员管理处")
    visible = page.evaluate(
        "() => { const d = document.querySelector('.js-plotly-plot').data;"
        " return d.map((t, i) => t.visible === true ? i : -1).filter(i => i >= 0); }"
    )
    assert visible == [12, 13, 14, 15]  # the fourth unit's four traces
    context.close()
    assert errors == [] and blocked == []


def test_the_delay_boxes_draw_as_plotly_draws_them_from_every_adoption(
    browser: Any, sample: explore.Explorer, tmp_path: Path
) -> None:
    """The page carries each level's five numbers and its outliers (delay_boxes); plotly.js
    given every adoption's days draws the same boxes, whiskers and outlier points."""
    import plotly.io as pio

    d = views.adoption_delays(sample.ctx, sample.scores)
    labels = dict(sample.rules.levels.labels)
    raw = go.Figure()
    for lv in ("central", "provincial", "city", "bureau"):
        days = d.filter(pl.col("level") == lv)["days"].to_list()
        if days:
            raw.add_box(y=days, name=labels[lv], boxpoints="outliers")
    page = tmp_path / "boxes.html"
    page.write_text(
        "<html><body>"
        + pio.to_html(raw, include_plotlyjs=True, full_html=False, div_id="raw")
        + pio.to_html(
            charts.delay_chart(d, sample.rules),
            include_plotlyjs=False,
            full_html=False,
            div_id="new",
        )
        + "</body></html>",
        encoding="utf-8",
    )
    drawn = """(id) => { const g = document.getElementById(id); const out = {};
      g.calcdata.forEach((c, k) => {
        const t = g._fullData[k], o = out[t.name] = out[t.name] || {points: []};
        if (t.type === 'box') {
          o.box = [c[0].q1, c[0].med, c[0].q3, c[0].lf, c[0].uf];
          o.points.push(...(c[0].pts2 || []).map(p => p.v));
        } else { o.points.push(...c.map(p => p.y)); }
      });
      for (const o of Object.values(out)) { o.points = [...new Set(o.points)].sort(); }
      return out; }"""
    tab = browser.new_page()
    tab.goto(page.as_uri())
    tab.wait_for_function("document.getElementById('new').calcdata !== undefined")
    raw_stats, new_stats = tab.evaluate(drawn, "raw"), tab.evaluate(drawn, "new")
    tab.close()
    assert set(raw_stats) == {labels[lv] for lv in d["level"].unique()}
    assert new_stats == raw_stats
    assert any(o["points"] for o in raw_stats.values())  # the sample has an outlier


# ---- 八、the previous year -------------------------------------------------------------------------


def test_the_previous_year_beside_this_one_gives_the_units_line_and_chart(
    tmp_path: Path,
) -> None:
    """data/raw/2023 beside data/raw/2022, params/2023.yaml beside params/2022.yaml: found
    without parameters; the line is the comparison's (kaohe.present.trend)."""
    from test_trend import next_year_mapping, shift_ledger, write_rules

    from kaohe.present import trend
    from kaohe.whatif.scenario import apply_changes

    raw, params = tmp_path / "raw", tmp_path / "params"
    ledger_2022 = raw / "2022"
    ledger_2022.mkdir(parents=True)
    for f in SAMPLE.glob("*.csv"):
        (ledger_2022 / f.name).write_bytes(f.read_bytes())
    params.mkdir()
    (params / "2022.yaml").write_bytes((ROOT / "params" / "2022.yaml").read_bytes())
    rules_2023 = apply_changes(next_year_mapping(), {"groups.list[B].base": 180})
    write_rules(rules_2023, params / "2023.yaml")
    shift_ledger(raw / "2023")
    x = explore.load(raw / "2023", params / "2023.yaml", TALENT)
    c = explore.previous_year(x)
    assert c.trend is not None and c.unit == TALENT
    line = c.trend.units.filter(pl.col("unit") == TALENT).row(0, named=True)
    assert line["work_u"] == 0 and line["rules_u"] == line["change_u"] == 0
    assert line["completion_rate_b"] == pytest.approx(line["total_b"] / 180)
    html = str(explore.cross_year(c))
    assert "人才综合处：2022年度与2023年度" in html and "本单位工作" in html
    assert html.count("<tr>") == 3  # two header rows and the unit's line
    fig = explore.cross_year_chart(c)
    assert isinstance(fig, go.Figure) and TALENT in fig.layout.title.text
    # the same comparison as the trend page's
    t = trend.load(ledger_2022, params / "2022.yaml", raw / "2023", params / "2023.yaml")
    assert t.units.equals(c.trend.units)


def test_without_a_previous_year_the_section_says_why(sample: explore.Explorer) -> None:
    c = explore.previous_year(sample)
    assert c.trend is None and "没有找到2021年度的台账" in c.why
    assert explore.cross_year_chart(c) is None
    assert "prev_ledger" in str(explore.cross_year(c))
    c = explore.previous_year(sample, SAMPLE, ROOT / "params" / "无.yaml")
    assert c.trend is None and "没有找到2021年度的规则文件" in c.why
    # a "previous" year that is not earlier is refused in the section, not on the whole page
    c = explore.previous_year(sample, SAMPLE, ROOT / "params" / "2022.yaml")
    assert c.trend is None and "后一年度" in c.why
    assert "&lt;b&gt;" in str(explore.cross_year(explore.CrossYear("x", None, "<b>")))
