"""The report views: labels, year-to-date totals, quarter tables, pace and needs, the annual
tables — on the sample year and on small ledgers built for one edge."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from kaohe.engine import ANNUAL_ONLY_STEPS, score
from kaohe.ledger.read import parse_ledger
from kaohe.office import ProblemRule, load_office
from kaohe.present import excel, views
from kaohe.rules.models import Rules
from kaohe.rules.periods import (
    ReportDataError,
    check_year,
    elapsed_share,
    months_between,
    months_label,
    parse_quarter,
    quarter_label,
    year_label,
)

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "raw" / "2022"
Q2_END = date(2022, 5, 31)


@pytest.fixture(scope="module")
def ctx() -> views.Context:
    return views.load_context(SAMPLE)


@pytest.fixture(scope="module")
def quarters(ctx: views.Context) -> dict[str, views.QuarterReport]:
    return {q: views.quarter_report_for(ctx, 2022, q) for q in ("Q1", "Q2", "Q3", "Q4")}


@pytest.fixture(scope="module")
def annual(ctx: views.Context) -> views.AnnualReport:
    return views.annual_report_for(ctx, 2022)


def book_context(book: Any, rules: Rules) -> views.Context:
    ledger = book.ledger(rules)
    assert ledger.ok, ledger.errors.to_dicts()
    return views.Context(rules, ledger, "<测试台账>", "<测试规则>", "0" * 64)


# ---- periods and labels -----------------------------------------------------------------


def test_quarter_label_names_the_assessment_year_and_its_months(rules: Rules) -> None:
    assert quarter_label(rules, rules.quarter("Q3")) == "2022年度第三季度（2022年6月—8月）"
    # Q1 straddles the calendar year
    assert quarter_label(rules, rules.quarter("Q1")) == "2022年度第一季度（2021年12月—2022年2月）"
    assert year_label(rules) == "2022年度（2021年12月—2022年11月）"


def test_months_label_of_one_month_and_months_between_across_new_year() -> None:
    assert months_label(date(2022, 6, 1), date(2022, 6, 30)) == "2022年6月"
    assert months_between(date(2021, 12, 1), date(2022, 2, 28)) == ["2021-12", "2022-01", "2022-02"]


@pytest.mark.parametrize("text", ["Q3", "q3", "3", "2022Q3", "2022q3", " 2022Q3 "])
def test_parse_quarter_accepts_the_usual_spellings(rules: Rules, text: str) -> None:
    assert parse_quarter(text, rules).name == "Q3"


@pytest.mark.parametrize(
    ("text", "message"), [("2022Q5", "没有季度"), ("2021Q3", "不一致"), ("Q", "没有季度")]
)
def test_parse_quarter_rejects_in_chinese(rules: Rules, text: str, message: str) -> None:
    with pytest.raises(ReportDataError, match=message):
        parse_quarter(text, rules)


def test_check_year(rules: Rules) -> None:
    assert check_year(rules, "2022") == 2022
    with pytest.raises(ReportDataError, match="不是年份"):
        check_year(rules, "二〇二二")


def test_elapsed_share_is_the_time_progress(rules: Rules) -> None:
    # 2021-12-01 .. 2022-05-31 is 182 of the year's 365 days
    assert elapsed_share(rules, Q2_END) == pytest.approx(182 / 365)
    assert elapsed_share(rules, rules.period.end) == 1.0


# ---- year-to-date totals and the quarter tables ---------------------------------------------


def test_quarter_figures_are_the_engines_at_the_quarter_end(
    quarters: dict[str, views.QuarterReport],
) -> None:
    # the quarter table reads total, completion and rank from score(as_of=quarter end)
    r = quarters["Q3"]
    engine = score(r.ctx.ledger, r.rules, as_of=r.quarter.end).unit_scores.select(
        "unit", "total", pl.col("completion_rate").alias("completion"), "rank"
    )
    u = views.quarter_units(r).select("unit", "total", "completion", "rank")
    assert u.height == 21
    assert u.sort("unit").equals(engine.sort("unit"))


def test_the_fourth_quarter_ends_on_the_years_result(
    quarters: dict[str, views.QuarterReport], annual: views.AnnualReport
) -> None:
    # the end of Q4 is the end of the assessment year: the engine applies every clause, and
    # the notification gives each unit the annual report's total, completion and rank
    q4 = views.quarter_units(quarters["Q4"]).select("unit", "total", "completion", "rank")
    year = views.final_units(annual).select(
        "unit", "total", pl.col("completion_rate").alias("completion"), "rank"
    )
    assert quarters["Q4"].ytd.annual
    assert q4.sort("unit").equals(year.sort("unit"))
    # before Q4 the annual-only clauses are left to the tasks table
    assert not quarters["Q3"].ytd.annual
    steps = set(quarters["Q3"].ytd.score_lines["step"].to_list())
    assert not steps & set(ANNUAL_ONLY_STEPS)


def test_quarter_scores_add_up_to_the_year_to_date_total(
    quarters: dict[str, views.QuarterReport],
) -> None:
    per_q = pl.concat([views.quarter_units(quarters[q]).select("unit", "points") for q in quarters])
    sums = per_q.group_by("unit").agg(pl.col("points").sum())
    q4 = views.quarter_units(quarters["Q4"]).select("unit", "total").join(sums, on="unit")
    assert (q4["points"] - q4["total"]).abs().max() < 1e-9


def test_a_context_scores_each_day_once(ctx: views.Context) -> None:
    day = date(2022, 3, 31)
    first = ctx.unit_scores(day)
    assert ctx.unit_scores(day) is first
    # the end of the period and after it are the whole year, as for the engine
    assert ctx.as_of(ctx.rules.period.end) is None and ctx.as_of(date(2023, 1, 1)) is None
    assert ctx.as_of(day) == day


def test_quarter_units_count_the_quarters_own_submissions(
    ctx: views.Context, quarters: dict[str, views.QuarterReport]
) -> None:
    r = quarters["Q3"]
    u = views.quarter_units(r)
    items = ctx.ledger.items.filter(pl.col("submitted").is_between(r.quarter.start, r.quarter.end))
    assert u["submitted"].sum() == items.height
    assert u.height == len(ctx.rules.units.roster)
    # rank 1 of each group has the group's highest completion rate
    top = u.filter(pl.col("rank") == 1)
    best = u.group_by("group").agg(pl.col("completion").max())
    assert top.join(best, on=["group", "completion"]).height == top.height


def test_quarter_tables_are_one_per_group_in_the_rules_order(
    quarters: dict[str, views.QuarterReport],
) -> None:
    r = quarters["Q3"]
    tables = views.quarter_tables(r)
    assert [t.name for t in tables] == ["A类", "B类", "C类", "D类", "区县"]
    assert sum(t.frame.height for t in tables) == 21
    assert [t.name for t in views.quarter_tables(r, kind="district")] == ["区县"]
    headers = [c.header for c in tables[0].columns]
    assert headers[:3] == ["排名", "单位", "本季度报送"]
    assert "本季度录用|市级" in headers and "完成率" in headers


def test_units_that_submitted_nothing_are_named_in_the_note(rules: Rules, book: Any) -> None:
    k = book.item("人才综合处", submitted="2022-04-01")
    book.adopt(k, "市委办公室", "《工作交流》", adopted="2022-04-20")
    ctx = book_context(book, rules)
    r = views.quarter_report_for(ctx, 2022, "Q2")
    b = next(t for t in views.quarter_tables(r) if t.name == "B类")
    assert b.note is not None
    assert "专业技术人员管理处" in b.note and "人才综合处" not in b.note
    problems = views.quarter_summary(r)[2].paragraphs
    assert any("本季度未报送信息的单位" in p and "越城区" in p for p in problems)


def test_overview_and_adoptions_by_publication_agree(
    ctx: views.Context, quarters: dict[str, views.QuarterReport]
) -> None:
    r = quarters["Q2"]
    o = views.overview(r.quarter_counts)
    by_pub = views.adoptions_by_publication(ctx, r.quarter.start, r.quarter.end)
    assert by_pub["adoptions"].sum() == o["adoptions"]
    assert o["adoptions"] == sum(o[f"adoptions_{lv}"] for lv in views.LEVELS)
    # highest level first
    order = [views.LEVELS.index(x) for x in by_pub["level"].to_list()]
    assert order == sorted(order)


def test_notable_adoptions_are_provincial_or_higher_or_instructed(
    ctx: views.Context, quarters: dict[str, views.QuarterReport]
) -> None:
    r = quarters["Q1"]
    n = views.notable_adoptions(ctx, r.quarter.start, r.quarter.end)
    assert n.height > 0
    assert n.filter(
        ~pl.col("level").is_in(["central", "provincial"]) & ~pl.col("instruction")
    ).is_empty()
    assert n["adopted"].is_between(r.quarter.start, r.quarter.end).all()
    assert n["title"].null_count() == 0


def test_trend_has_one_row_per_quarter_and_group(
    quarters: dict[str, views.QuarterReport],
) -> None:
    t = views.trend(quarters["Q3"])
    assert t.height == 3 * 5
    # 2021-12-01 .. 2022-08-31: 274 of 365 days
    assert t.filter(pl.col("quarter") == "Q3")["pace"].to_list() == pytest.approx([274 / 365] * 5)


# ---- behind pace and what a unit still needs -------------------------------------------------


def rule(points: str = "0.20", unreachable: bool = True) -> ProblemRule:
    return ProblemRule(points_behind_pace=Decimal(points), count_task_unreachable=unreachable)


def test_behind_pace_names_what_a_department_still_needs(rules: Rules, book: Any) -> None:
    # 人才综合处 (B): city 3 of which 2 suggestion, provincial 1; one suggestion item adopted
    # at city level: city 3 − 1 = 2 more, of which 2 − 1 = 1 suggestion; provincial 1; research 1
    k = book.item("人才综合处", kind="建议问题")
    book.adopt(k, "市委办公室", "《工作交流》")
    ctx = book_context(book, rules)
    b = views.behind_pace(score(ctx.ledger, rules, as_of=Q2_END), rules, rule())
    row = b.filter(pl.col("unit") == "人才综合处").row(0, named=True)
    assert row["need"] == "市级录用2篇（其中建议问题类1篇）、省级及以上录用1篇、调研文章1篇"
    # named for its points: 50 < 150 × 182/365 × (1 − 20%) = 59.84; its city task (2 missing)
    # is still within its pace for the rest of the year (3 × 183/365 = 1.50 → 2 whole items)
    assert row["lagging"] == "累计得分50分，按进度应得74.79分"
    assert row["points_behind"] and row["tasks_behind"] == 0
    # shortfall if the year ends so: city 2 × −3, city suggestion 1 × −5, provincial −5,
    # research −20
    assert row["at_stake"] == pytest.approx(-36)


def test_the_points_threshold_of_the_office_file_is_a_boundary(rules: Rules, book: Any) -> None:
    # 人才综合处: 50 points against 74.79 by the time progress: 66.85% of it
    k = book.item("人才综合处", kind="建议问题")
    book.adopt(k, "市委办公室", "《工作交流》")
    scores = score(book_context(book, rules).ledger, rules, as_of=Q2_END)
    inside = views.behind_pace(scores, rules, rule("0.34"))  # named below 66% of the pace
    outside = views.behind_pace(scores, rules, rule("0.33"))  # named below 67% of the pace
    assert "人才综合处" not in inside["unit"].to_list()
    assert "人才综合处" in outside["unit"].to_list()


def test_extra_suggestion_items_fill_the_level_task_only_when_all_items_count(
    rules: Rules, rules_with: Any, book: Any
) -> None:
    # 人才综合处: 3 suggestion items at city level, provincial and research done.
    # 'all': the level task (3) counts them → nothing needed at city level.
    # 'general_only': the level task is 3 − 2 = 1 general item → one more general item, and
    # the provincial task 1 − 0 = 1 general item is not met by a suggestion item either.
    ids = [book.item("人才综合处", kind="建议问题") for _ in range(3)]
    for k in ids:
        book.adopt(k, "市委办公室", "《工作交流》")
    book.adopt(ids[0], "省人力社保厅", "《浙江人社政务信息（专报）》")
    book.item("人才综合处", kind="调研文章")
    ctx = book_context(book, rules)
    everyone = rule("1")  # name every unit with a task short, whatever its points
    b_all = views.behind_pace(score(ctx.ledger, rules, as_of=date(2022, 11, 30)), rules, everyone)
    assert "人才综合处" not in b_all["unit"].to_list()
    general_only = rules_with("department.shortfall.level_task_counts.choice", "general_only")
    ledger = book.ledger(general_only)
    b_gen = views.behind_pace(score(ledger, general_only), general_only, everyone)
    need = b_gen.filter(pl.col("unit") == "人才综合处")["need"][0]
    assert need == "市级录用1篇、省级及以上录用1篇"


@pytest.mark.parametrize(("items", "named"), [(8, True), (9, False)])
def test_a_count_task_is_named_once_it_cannot_be_met_at_its_pace(
    rules: Rules, book: Any, items: int, named: bool
) -> None:
    # 越城区: 20 submissions a year; at 31 May 183 of 365 days are left: 20 × 183/365 = 10.03
    # → 11 whole items at the task's pace. 8 submitted: 12 missing > 11, no longer reachable;
    # 9 submitted: 11 missing, still reachable. (Points left out: threshold 100%.)
    book.items("越城区", items)
    scores = score(book_context(book, rules).ledger, rules, as_of=Q2_END)
    b = views.behind_pace(scores, rules, rule("1"))
    assert ("越城区" in b["unit"].to_list()) is named
    if named:
        row = b.filter(pl.col("unit") == "越城区").row(0, named=True)
        # the pace in whole items: 20 × 182/365 = 9.97 → 10
        assert row["lagging"] == "报送篇数已完成8篇，按进度应完成10篇"
        assert row["need"] == "报送信息12篇" and row["at_stake"] == pytest.approx(-60)
    off = views.behind_pace(scores, rules, rule("1", unreachable=False))
    assert "越城区" not in off["unit"].to_list()


def test_a_research_article_due_by_year_end_is_named_only_at_the_end(
    rules: Rules, book: Any
) -> None:
    # 信息中心 (D, base 50, research 1): 40 points, no research article
    k = book.item("信息中心")
    book.adopt(k, "市委办公室", "《决策参考》")
    ledger = book_context(book, rules).ledger
    for day in (Q2_END, date(2022, 8, 31)):
        b = views.behind_pace(score(ledger, rules, as_of=day), rules, rule())
        assert "信息中心" not in b["unit"].to_list(), day
    year = views.behind_pace(score(ledger, rules), rules, rule())
    row = year.filter(pl.col("unit") == "信息中心").row(0, named=True)
    assert "调研文章已完成0篇，全年应完成1篇" in row["lagging"]


def test_a_unit_on_pace_is_not_listed(rules: Rules, book: Any) -> None:
    # 信息中心 (D, base 50, no count tasks): research done, 40 points by Q2 end
    # (time progress 49.9% of 50 = 24.9)
    k = book.item("信息中心", kind="调研文章")
    book.adopt(k, "市委办公室", "《决策参考》")
    ctx = book_context(book, rules)
    b = views.behind_pace(score(ctx.ledger, rules, as_of=Q2_END), rules, rule())
    assert "信息中心" not in b["unit"].to_list()
    assert "政治处（机关党委）" in b["unit"].to_list()


def test_the_best_units_are_never_named_for_trivia(
    quarters: dict[str, views.QuarterReport],
) -> None:
    # Q1: 就业促进和人力资源服务中心 at 92.75% (time progress 24.66%), its research article
    # due by the year end: not named under 三
    r = quarters["Q1"]
    behind = views.behind_pace(r.ytd, r.rules, rule())
    assert "就业促进和人力资源服务中心" not in behind["unit"].to_list()
    problems = views.quarter_summary(r)[2].paragraphs[0]
    assert "就业促进和人力资源服务中心" not in problems
    assert f"{behind.height}个单位" in problems and behind.height < 21
    for u in behind.iter_rows(named=True):
        assert u["unit"] in problems


# ---- the summary ---------------------------------------------------------------------------


def test_quarter_summary_reads_like_the_notification(
    quarters: dict[str, views.QuarterReport],
) -> None:
    r = quarters["Q3"]
    secs = views.quarter_summary(r)
    assert [s.heading for s in secs] == [
        "一、总体情况",
        "二、得分情况",
        "三、存在问题",
        "四、下一步工作要求",
    ]
    office = load_office()
    assert secs[3].paragraphs == tuple(
        f"（{n}）{p}" for n, p in zip("一二三四五六七八九十", office.next_steps, strict=False)
    )
    first = secs[0].paragraphs[0]
    o = views.overview(r.quarter_counts)
    assert first.startswith("2022年度第三季度（2022年6月—8月），全系统共向市局办公室报送信息")
    assert f"报送信息{o['submitted']}篇" in first
    assert "较上季度" in first
    assert all(p.startswith("（") for p in secs[2].paragraphs)


def test_the_first_quarter_has_nothing_to_compare_with(
    quarters: dict[str, views.QuarterReport],
) -> None:
    first = views.quarter_summary(quarters["Q1"])[0].paragraphs[0]
    assert "较上季度" not in first and "持平" not in first


def test_writer_board_counts_the_quarters_months_only(
    quarters: dict[str, views.QuarterReport],
) -> None:
    r = quarters["Q3"]
    board = views.writer_board(r, top=100)
    months = ["2022-06", "2022-07", "2022-08"]
    expected = r.ytd.people_monthly.filter(pl.col("month").is_in(months))["chucai_points"].sum()
    assert board["q_chucai"].sum() == expected
    assert board["rank"].min() == 1
    assert board["q_chucai"].to_list() == sorted(board["q_chucai"].to_list(), reverse=True)
    assert views.writer_board(r, top=3)["rank"].max() <= 3


def test_officer_board_lists_the_officers_in_prize_order(
    quarters: dict[str, views.QuarterReport],
) -> None:
    b = views.officer_board(quarters["Q3"])
    assert set(b["role"].to_list()) == {"信息员"}
    ranked = b["officer_rank"].drop_nulls().to_list()
    assert ranked == sorted(ranked) and ranked[0] == 1


def test_problems_table_labels_severity_in_chinese(annual: views.AnnualReport) -> None:
    t = views.problems_table(annual.scores)
    assert set(t.frame["severity_label"].to_list()) <= {"错误", "警告"}
    assert t.frame.height == annual.scores.problems.height


def test_a_long_table_is_cut_on_the_page_and_names_the_excel_sheet(
    quarters: dict[str, views.QuarterReport],
) -> None:
    r = quarters["Q3"]
    full = views.notable_table(r)
    n = full.frame.height
    assert n > 3
    page = views.on_page(full, r.stem, limit=3)
    assert page.frame.equals(full.frame.head(3))  # the most important first, as in the table
    assert page.note == (
        f"本表共{n}行，超过本页上限3行，只列出前3行；完整清单见同一文件夹中的 Excel 表格 "
        "2022Q3-季度通报.xlsx（工作表“省级以上录用及批示”）。"
    )
    # at the limit, and at the default limit on the sample year, the table is untouched
    assert views.on_page(full, r.stem, limit=n) is full
    assert views.on_page(full, r.stem) is full
    # the workbook is written from the full tables
    sheets = {t.name: t for t in views.quarter_excel_tables(r)}
    assert sheets["省级以上录用及批示"].frame.height == n


def test_a_long_problem_list_keeps_its_own_note_after_the_cut(
    annual: views.AnnualReport,
) -> None:
    full = views.problems_table(annual.scores)
    assert full.frame.height == annual.scores.problems.height > 4  # the sample year's warnings
    page = views.on_page(full, annual.stem, limit=4)
    assert page.frame.height == 4 and page.frame.equals(full.frame.head(4))
    assert page.note == (
        f"本表共{full.frame.height}行，超过本页上限4行，只列出前4行；完整清单见同一文件夹中的 Excel 表格 "
        "2022-年度考核.xlsx（工作表“台账问题”）。" + (full.note or "")
    )


def plans_context(book: Any, rules: Rules, month: str, items: list[str]) -> views.Context:
    """The book's ledger with one plan row of 人才综合处 in `month` per item id ('' for none)."""
    plan = {"单位": "人才综合处", "月份": month, "拟报送刊物": "", "报送时间": "", "联系人": ""}
    sheets: dict[str, Any] = book.sheets()
    sheets["月度计划"] = [
        {**plan, "序号": str(i), "报送要点": f"计划{i}", "信息编号": item}
        for i, item in enumerate(items, start=1)
    ]
    ledger = parse_ledger(sheets, rules)
    assert ledger.ok, ledger.errors.to_dicts()
    return views.Context(rules, ledger, "<测试台账>", "<测试规则>", "0" * 64)


def plans_of(ctx: views.Context, month: str, end: date | None = None) -> dict[str, Any]:
    return (
        views.plans_vs_actual(ctx, end)
        .filter((pl.col("unit") == "人才综合处") & (pl.col("month") == month))
        .row(0, named=True)
    )


def test_plans_are_counted_per_unit_and_month_with_membership_flags(
    rules: Rules, book: Any
) -> None:
    a = book.item("人才综合处", submitted="2022-03-01", item_id="P1")
    book.adopt(a, "市委办公室", "《工作交流》", adopted="2022-03-20")
    book.item("人才综合处", submitted="2022-03-05", item_id="P2")
    row = plans_of(plans_context(book, rules, "2022-03", ["P1", ""]), "2022-03")
    # two plans, one naming an item of the ledger; two items submitted, one adopted
    assert (row["planned"], row["fulfilled"], row["submitted"], row["adopted"]) == (2, 1, 2, 1)


def test_a_plan_is_fulfilled_by_an_item_submitted_by_the_end_of_the_view(
    rules: Rules, book: Any
) -> None:
    # one definition for the annual report and the exploration page: a plan row is fulfilled
    # by an item of the ledger submitted by the last day the view counts (the annual report:
    # the end of the year), not by one submitted later
    book.item("人才综合处", submitted="2022-05-10", item_id="P1")
    book.item("人才综合处", submitted="2022-12-05", item_id="LATE")  # after the year
    ctx = plans_context(book, rules, "2022-05", ["P1", "LATE"])
    year = plans_of(ctx, "2022-05")
    assert (year["planned"], year["fulfilled"]) == (2, 1)
    assert plans_of(ctx, "2022-05", date(2022, 5, 9))["fulfilled"] == 0  # P1 not yet submitted
    rows = views.plan_rows(ctx).filter(pl.col("unit") == "人才综合处")
    assert rows["status_label"].to_list() == ["已报送，未录用", "未报送"]
    table = views.plans_table(ctx).frame.filter(pl.col("unit") == "人才综合处")
    assert table.select("planned", "fulfilled").row(0) == (2, 1)


def test_a_ledger_with_errors_stops_with_the_errors_named(tmp_path: Path) -> None:
    (tmp_path / "报送.csv").write_text(
        "信息编号,标题,报送单位,报送日期,信息类别\nA1,标题,不存在的处,2022-03-01,综合\n",
        encoding="utf-8",
    )
    (tmp_path / "录用.csv").write_text("信息编号,录用单位,刊物,录用日期\n", encoding="utf-8")
    with pytest.raises(ReportDataError, match=r"有错误，无法计分.*报送 第2行"):
        views.load_context(tmp_path)
    with pytest.raises(ReportDataError, match="找不到台账"):
        views.load_context(tmp_path / "没有")


# ---- the annual tables ---------------------------------------------------------------------


def test_final_tables_hold_every_unit_once(annual: views.AnnualReport) -> None:
    tables = views.final_tables(annual)
    units = [u for t in tables for u in t.frame["unit"].to_list()]
    assert sorted(units) == sorted(annual.rules.unit_names)
    dep = views.final_tables(annual, kind="department")
    assert "adjustment" in [c.key for c in dep[0].columns]
    dis = views.final_tables(annual, kind="district")
    assert [c.header for c in dis[0].columns][-1] == "考核赋分"


def test_ranks_start_at_one_in_every_class(
    quarters: dict[str, views.QuarterReport], annual: views.AnnualReport
) -> None:
    # rank means one thing: the engine's rank within the unit's class (A, B, C, D, 区县); a
    # per-class table shows 1..n, never department-wide ranks (2, 5, 10, 13)
    engine = annual.scores.unit_scores.select("unit", pl.col("rank").alias("engine_rank"))
    tables = {
        "year": views.final_tables(annual),
        "Q3": views.quarter_tables(quarters["Q3"]),
        "Q4": views.quarter_tables(quarters["Q4"]),
    }
    for when, per_class in tables.items():
        assert len(per_class) == len(annual.rules.groups.list), when
        for t in per_class:
            ranks = t.frame["rank"].to_list()
            assert ranks[0] == 1 and ranks == sorted(ranks), (when, t.name, ranks)
            assert max(ranks) <= t.frame.height, (when, t.name, ranks)
            # the best completion rate of the class is first
            best = t.frame["completion_rate" if when == "year" else "completion"].max()
            first = t.frame.filter(pl.col("rank") == 1)
            assert (first["completion_rate" if when == "year" else "completion"] == best).all()
    for t in tables["year"]:
        joined = t.frame.select("unit", "rank").join(engine, on="unit")
        assert joined["rank"].to_list() == joined["engine_rank"].to_list(), t.name
    # the explore page's quarter comparison ranks the same way
    qc = views.quarter_comparison(annual.ctx)
    assert qc.group_by("quarter", "group").agg(pl.col("rank").min())["rank"].unique().to_list() == [
        1
    ]


def test_the_officer_notes_follow_the_rules_choices(rules: Rules, rules_with: Any) -> None:
    assert views.officer_ranking(rules).startswith("按全年“出彩”加分排名，相同时依次比较信息得分")
    assert "区县人员的“出彩”加分照常列出，不计入评选" in views.officer_ranking(rules)
    by_points = rules_with("outcomes.officer_prizes.ranking.choice", "item_points")
    assert views.officer_ranking(by_points).startswith(
        "按信息得分排名，相同时依次比较全年“出彩”加分"
    )
    everyone = rules_with("people.scope.choice", "all")
    assert "全部单位的信息员参加评选" in views.officer_ranking(everyone)


def test_breakdown_adds_up_to_each_units_total(annual: views.AnnualReport) -> None:
    b = views.breakdown(annual.scores, annual.rules)
    sums = b.group_by("unit").agg(pl.col("points").sum())
    df = annual.scores.unit_scores.select("unit", "total").join(sums, on="unit", how="left")
    assert (df["total"] - df["points"].fill_null(0)).abs().max() < 1e-6
    t = views.breakdown_table(annual, "department")
    steps = [c.key for c in t.columns][2:-1]
    wide = t.frame.with_columns(pl.sum_horizontal(steps).alias("_sum"))
    assert (wide["_sum"] - wide["total"]).abs().max() < 1e-6


def test_advanced_candidates_follow_the_engine(annual: views.AnnualReport) -> None:
    t = views.advanced(annual)
    cand = t.frame.filter(pl.col("status") == "候选")
    engine = annual.scores.unit_scores.filter(pl.col("advanced_candidate"))
    assert sorted(cand["unit"].to_list()) == sorted(engine["unit"].to_list())
    assert cand.height <= annual.rules.outcomes.advanced_collectives.max_count
    assert cand["advanced_rank"].to_list() == list(range(1, cand.height + 1))
    inel = t.frame.filter(pl.col("status") == "不具备资格")
    assert (inel["reason"] != "").all()


def test_officer_prizes_are_one_first_two_second_three_third(
    annual: views.AnnualReport,
) -> None:
    prizes = views.officer_prizes(annual).frame["prize"].to_list()
    assert prizes == ["一等奖", "二等奖", "二等奖", "三等奖", "三等奖", "三等奖"]


def test_young_cadres_tally(annual: views.AnnualReport) -> None:
    t = views.young_cadres(annual.scores, annual.rules)
    young = annual.scores.people.filter(pl.col("young"))
    assert t.frame.height == young.height > 0
    assert t.note is not None and f"年轻干部共{young.height}人" in t.note


def test_plans_against_what_was_submitted(ctx: views.Context) -> None:
    p = views.plans_vs_actual(ctx)
    period = ctx.rules.period
    items = ctx.ledger.items.filter(pl.col("submitted").is_between(period.start, period.end))
    assert p["submitted"].sum() == items.height
    plans = ctx.ledger.plans.filter(pl.col("month").is_in(months_between(period.start, period.end)))
    assert p["planned"].sum() == plans.height
    assert (p["fulfilled"] <= p["planned"]).all()
    assert (p["adopted"] <= p["submitted"]).all()
    by_month = views.plans_by_month(p)
    assert by_month["month"].to_list() == months_between(period.start, period.end)


def test_annual_summary_headings(annual: views.AnnualReport) -> None:
    secs = views.annual_summary(annual)
    assert [s.heading for s in secs] == [
        "一、总体情况",
        "二、考核结果",
        "三、存在问题",
        "四、下一步工作要求",
    ]
    assert secs[0].paragraphs[0].startswith("2022年度（2021年12月—2022年11月）")
    assert any("优秀信息员：一等奖" in p for p in secs[1].paragraphs)


def test_every_excel_table_has_a_valid_sheet_name(
    quarters: dict[str, views.QuarterReport], annual: views.AnnualReport
) -> None:
    for tables in (views.quarter_excel_tables(quarters["Q3"]), views.annual_excel_tables(annual)):
        names = [t.name for t in tables]
        assert len(set(names)) == len(names)
        for t in tables:
            assert len(t.name) <= 31
            assert set(c.key for c in t.columns) <= set(t.frame.columns), t.name


def test_an_almost_empty_ledger_still_makes_every_table_and_chart(
    rules: Rules, book: Any, tmp_path: Path
) -> None:
    from kaohe.present import charts, render

    book.item("人才综合处", submitted="2022-07-01")
    ctx = book_context(book, rules)
    for q in ("Q1", "Q3", "Q4"):
        r = views.quarter_report_for(ctx, 2022, q)
        assert "报送信息0篇" in views.quarter_summary(r)[0].paragraphs[0] or q == "Q3"
        render.table(views.quarter_excel_tables(r))
        charts.score_vs_base(views.progress(r.ytd, rules), rules)
        charts.adoptions_by_publication(
            views.adoptions_by_publication(ctx, r.quarter.start, r.quarter.end)
        )
        charts.quarter_trend(views.trend(r), rules)
        charts.district_progress(views.progress(r.ytd, rules))
    a = views.annual_report_for(ctx, 2022)
    render.sections(views.annual_summary(a))
    charts.score_waterfall(views.breakdown(a.scores, rules))
    charts.adjustments(views.adjustments(a), rules)
    charts.district_assessment(views.district_assessment(a))
    charts.plans_vs_actual(views.plans_by_month(views.plans_vs_actual(ctx)))
    excel.write_xlsx(views.annual_excel_tables(a), tmp_path / "年度.xlsx")
    assert views.writer_board(views.quarter_report_for(ctx, 2022, "Q3")).is_empty()


# ---- content a leader can act on (issue 10) ------------------------------------------------


def test_the_score_section_names_the_top_and_the_bottom_of_each_class(
    quarters: dict[str, views.QuarterReport],
) -> None:
    r = quarters["Q3"]
    text = "".join(views.quarter_summary(r)[1].paragraphs)
    u = views.quarter_units(r)
    for g in r.rules.groups.list:
        part = u.filter(pl.col("group") == g.name)
        top = part.filter(pl.col("rank") == 1)
        bottom = part.filter(pl.col("rank") == part["rank"].max())
        for t in top.iter_rows(named=True):
            assert f"{t['unit']}（{views.pct_text(t['completion'])}）" in text, g.name
        if part.height > 1 and bottom.height < part.height:
            for b in bottom.iter_rows(named=True):
                assert f"最低的是{b['unit']}" in text or f"、{b['unit']}（" in text, g.name
    assert "B类完成率最高的是" in text and "完成率最低" not in text


def test_the_fourth_quarter_and_the_year_agree_in_words_and_figures(
    quarters: dict[str, views.QuarterReport], annual: views.AnnualReport
) -> None:
    q4 = views.quarter_units(quarters["Q4"]).filter(pl.col("unit") == "柯桥区").row(0, named=True)
    year = views.final_units(annual).filter(pl.col("unit") == "柯桥区").row(0, named=True)
    assert q4["total"] == year["total"] and q4["rank"] == year["rank"]
    score_text = "".join(views.quarter_summary(quarters["Q4"])[1].paragraphs)
    assert "与年度考核结果一致" in score_text
    assert "与年度考核结果一致" not in "".join(views.quarter_summary(quarters["Q3"])[1].paragraphs)


def test_districts_are_never_listed_as_missing_monthly_plans(ctx: views.Context) -> None:
    t = views.plans_table(ctx)
    districts = [g.name for g in ctx.rules.groups.list if g.kind == "district"]
    assert t.frame.height == 15 and not set(t.frame["group"].to_list()) & set(districts)
    for u in views.units_frame(ctx.rules).filter(pl.col("kind") == "district")["unit"]:
        assert u not in (t.note or "")


def test_a_department_without_plans_is_still_named(rules: Rules, book: Any) -> None:
    book.item("人才综合处")
    t = views.plans_table(book_context(book, rules))
    assert "人才综合处" in (t.note or "") and "越城区" not in (t.note or "")


@pytest.mark.parametrize(
    ("agency", "title", "name"),
    [
        ("省人力社保厅", "厅门户网站", "省人力社保厅门户网站"),
        ("国务院办公厅", "国办录用", "国务院办公厅"),
        ("局本级", "绍兴人社门户网站", "绍兴人社门户网站"),
        ("市委办公室", "《工作交流》", "市委办公室《工作交流》"),
        (
            "市政府办公室",
            "上报《浙江政务信息（每日要情）》",
            "市政府办公室上报《浙江政务信息（每日要情）》",
        ),
    ],
)
def test_publication_names_read_naturally(rules: Rules, agency: str, title: str, name: str) -> None:
    df = pl.DataFrame({"pub_agency": [agency], "pub_title": [title]})
    assert df.select(views.publication_name(rules))["publication"][0] == name


def test_the_sample_never_writes_a_doubled_agency(ctx: views.Context) -> None:
    names = views.adoptions_by_publication(ctx, ctx.rules.period.start, ctx.rules.period.end)
    joined = "".join(names["publication"].to_list())
    assert "厅厅" not in joined and "录用录用" not in joined and "局本级绍兴" not in joined


def test_rows_of_other_years_are_one_line_and_every_other_row_names_its_unit(
    annual: views.AnnualReport,
) -> None:
    problems = annual.scores.problems
    other = views.other_year_rows(problems)
    assert other.height == 9  # the sample: 3 submissions of 2021-11, 6 adoptions of 2022-12
    t = views.problems_table(annual.scores, annual.ctx.ledger, other_years_in_one_row=True)
    assert t.frame.height == problems.height - 9 + 1
    first = t.frame.row(0, named=True)
    assert first["reason"] == "9行属于其他年度，未计分" and first["row"] is None
    assert first["value"] == "报送第2—4行；录用第430—435行"
    rest = t.frame.slice(1)
    assert rest.height > 0 and (rest["unit"] != "").all()
    assert not rest["reason"].str.contains("不在考核周期").any()
    # the exploration page keeps them row by row
    full = views.problems_table(annual.scores, annual.ctx.ledger)
    assert full.frame.height == problems.height
    assert full.frame.filter(pl.col("row") == 2)["unit"].to_list()[:1] == ["就业促进和失业保险处"]
    # the summary: one phrase
    text = "".join(views.annual_summary(annual)[2].paragraphs)
    assert "台账中9行属于其他年度，未计分" in text and "不在考核周期" not in text


def test_one_percent_format_everywhere(quarters: dict[str, views.QuarterReport]) -> None:
    import re

    text = "".join(p for s in views.quarter_summary(quarters["Q3"]) for p in s.paragraphs)
    rates = re.findall(r"-?\d+(?:\.\d+)?%", text)
    assert rates and all(re.fullmatch(r"-?\d+\.\d\d%", x) for x in rates), rates
    assert views.fmt_value(12.5, "pts") == "12.50" and views.fmt_value(0.8433, "pct") == "84.33%"
    assert views.fmt_value(-0.001, "pts") == "0.00"


def test_the_reports_list_the_same_problem_of_one_unit_in_one_line(
    annual: views.AnnualReport,
) -> None:
    """The sample's 34 district adoptions by 局本级 (scored 0, one warning each) are one line
    per district listing the rows; the other-year rows stay one line; nothing is lost."""
    problems = annual.scores.problems
    t = views.report_problems(annual.scores, annual.ctx.ledger)
    f = t.frame
    assert int(f["count"].sum()) == problems.height  # every problem counted once
    assert (
        f.height < problems.height and "合为一行" in t.title and f"{problems.height}条" in t.title
    )
    bureau = f.filter(pl.col("value") == "局本级")
    assert bureau["unit"].n_unique() == bureau.height  # one line per district
    assert bureau["count"].sum() == problems.filter(pl.col("value") == "局本级").height
    keqiao = bureau.filter(pl.col("unit") == "柯桥区").row(0, named=True)
    rows = (
        problems.join(views.row_units(annual.ctx.ledger), on=["sheet", "row"])
        .filter((pl.col("unit") == "柯桥区") & (pl.col("value") == "局本级"))["row"]
        .sort()
        .to_list()
    )
    assert keqiao["rows"] == "、".join(str(r) for r in rows) and keqiao["count"] == len(rows)
    other = f.filter(pl.col("reason").str.contains("属于其他年度"))
    assert other.height == 1 and other["count"].item() == 9 and other["rows"].item() == ""
    # a single row keeps its number; consecutive rows are a span
    assert views._ranges([7]) == "7" and views._ranges([2, 3, 4, 9, None]) == "2—4、9"


def test_the_chucai_note_reads_its_points_from_the_rules() -> None:
    from kaohe.rules.models import load_rules, read_rules_mapping
    from kaohe.whatif.scenario import apply_changes

    mapping = read_rules_mapping(ROOT / "params" / "2022.yaml")
    assert views.chucai_range(load_rules()) == "1—5"
    higher = apply_changes(mapping, {"publications.list[市委办公室《工作交流》].chucai": 7})
    assert views.chucai_range(higher) == "1—7"
