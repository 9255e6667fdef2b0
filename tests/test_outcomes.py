"""四 — what the totals lead to: completion rate, performance adjustment, district assessment
score, advanced collectives; and worked example 1 of rules.md.

Expected numbers are derived by hand from shared/spec/rules.md and params/2022.yaml (not from
the engine); the arithmetic is in the comment next to each assertion.
"""

from __future__ import annotations

import polars as pl
import pytest
from conftest import Book

B = "人才综合处"
C = "社会保险处"
C2 = "政策法规处"
C3 = "事业单位综合管理处"
C4 = "职业技能开发指导中心"
D_UNITS = [
    "信息中心",
    "仲裁信访处",
    "劳动关系和农民工工作处",
    "财务与社保基金监督处",
    "政治处（机关党委）",
]
D = D_UNITS[0]
K = "柯桥区"


def city(book: Book, unit: str, kind: str = "综合", title: str = "《工作交流》") -> str:
    k = book.item(unit, kind=kind)
    book.adopt(k, "市委办公室", title)
    return k


# ---- roster ------------------------------------------------------------------------------


def test_every_roster_unit_is_scored_even_with_an_empty_ledger(book, rules):
    r = book.score(rules)
    us = r.scores.unit_scores
    # 5 groups: 1 + 4 + 5 + 5 departments, 6 districts
    assert us.height == 21
    assert us.filter(pl.col("kind") == "department").height == 15
    assert us.filter(pl.col("kind") == "district").height == 6
    assert r.row(B)["base"] == pytest.approx(150)
    assert r.row(K)["base"] == pytest.approx(200)
    # B with nothing: -9 - 10 - 5 - 20 = -44; district with nothing: 20 x -5 = -100
    assert r.total(B) == pytest.approx(-44)
    assert r.total(K) == pytest.approx(-100)


# ---- worked example 1 --------------------------------------------------------------------


def example_1(book: Book) -> None:
    s1 = book.item(B, kind="建议问题")
    book.adopt(s1, "市委办公室", "《工作交流》", instruction=True)
    book.adopt(s1, "省政府办公厅", "《浙江政务信息（专报信息）》")
    book.award(s1, "市委办市府办季度好信息")
    s2 = book.item(B)
    book.adopt(s2, "市政府办公室", "《绍兴政务信息》（每日动态）")
    s3 = book.item(B)
    book.adopt(s3, "局本级", "绍兴人社门户网站", form="通讯")
    book.items(B, 5)  # S4-S8, general, unadopted
    book.item(B, kind="调研文章")  # S9, research, unadopted
    book.commission(B, "局办公室")  # missed


def test_worked_example_1_rencai_total_151(book, rules):
    example_1(book)
    r = book.score(rules)
    steps = r.steps(B)
    # adoptions 50 + 30 + 5 + 3 = 88
    assert steps["adoption"] == pytest.approx(88)
    # 市委办《工作交流》 with 批示: 1 x 50
    assert steps["instruction"] == pytest.approx(50)
    # S4-S9: 6 (cap 45)
    assert steps["unadopted"] == pytest.approx(6)
    assert steps["award"] == pytest.approx(20)
    # city items 2 of 3 -> -3; city suggestion 1 of 2 -> -5; provincial 1 of 1
    assert steps["shortfall"] == pytest.approx(-8)
    assert steps.get("extra", 0) == pytest.approx(0)
    assert steps["commission"] == pytest.approx(-5)
    assert steps.get("research", 0) == pytest.approx(0)
    # 88 + 50 + 6 + 20 - 8 - 5 = 151
    row = r.row(B)
    assert row["total"] == pytest.approx(151)
    assert r.line_total(B) == pytest.approx(151)
    # 151 / 150 = 1.00667; 0.2 x 0.667 = 0.1333 -> +0.13
    assert row["completion_rate"] == pytest.approx(151 / 150, abs=1e-4)
    assert row["adjustment"] == pytest.approx(0.13)
    assert row["group"] == "B"
    assert row["kind"] == "department"
    assert row["tasks_complete"] is False
    assert row["research_done"] is True
    assert row["advanced_candidate"] is False
    assert row["assessment_score"] is None


def test_totals_are_the_sum_of_score_lines_for_every_unit(book, rules):
    example_1(book)
    r = book.score(rules)
    for unit in r.scores.unit_scores["unit"].to_list():
        assert r.total(unit) == pytest.approx(r.line_total(unit)), unit


# ---- department performance adjustment ----------------------------------------------------


def d_unit_with(book: Book, unit: str, title: str, unadopted: int) -> None:
    """Group D: a research article adopted by 市委办公室 `title`, +10 extra, + unadopted."""
    city(book, unit, kind="调研文章", title=title)
    book.items(unit, unadopted)


def test_adjustment_plus_6_at_130_percent(book, rules):
    d_unit_with(book, D, "《工作交流》", 5)
    r = book.score(rules)
    # 50 + 10 (group D extra) + 5 unadopted = 65; 65 / 50 = 130% -> 0.2 x 30 = +6.0
    assert r.total(D) == pytest.approx(65)
    assert r.row(D)["completion_rate"] == pytest.approx(1.3)
    assert r.row(D)["adjustment"] == pytest.approx(6.0)


def test_adjustment_minus_4_at_80_percent(book, rules):
    d_unit_with(book, D, "《上报参阅信息》", 15)
    r = book.score(rules)
    # 15 + 10 (extra) + 15 unadopted (cap 15 reached exactly) = 40; 80% -> 0.2 x -20 = -4.0
    assert r.total(D) == pytest.approx(40)
    assert r.row(D)["adjustment"] == pytest.approx(-4.0)


def test_adjustment_zero_at_exactly_100_percent(book, rules):
    city(book, C, kind="建议问题")
    city(book, C, kind="调研文章")
    r = book.score(rules)
    # 50 + 50 = 100; city 2 of 2 (1 of 1), no extra; 100% -> 0.0
    assert r.total(C) == pytest.approx(100)
    assert r.row(C)["adjustment"] == pytest.approx(0.0)


def test_adjustment_of_a_unit_without_records_is_minus_28(book, rules):
    book.item(K)
    r = book.score(rules)
    # group D with nothing: -20; -20 / 50 = -40% -> 0.2 x (-40 - 100) = -28.0
    assert r.row(D)["completion_rate"] == pytest.approx(-0.4)
    assert r.row(D)["adjustment"] == pytest.approx(-28.0)


def test_whole_points_rounding_gives_zero_at_100_67_percent(book, rules_with):
    whole = rules_with("outcomes.department_adjustment.rounding.choice", "whole_points")
    example_1(book)
    d_unit_with(book, D, "《工作交流》", 5)
    r = book.score(whole)
    # 100.67% -> 100 whole points -> 0.0; 130% -> 30 whole points -> +6.0
    assert r.row(B)["adjustment"] == pytest.approx(0.0)
    assert r.row(D)["adjustment"] == pytest.approx(6.0)
    # the total itself does not change
    assert r.total(B) == pytest.approx(151)


def test_adjustment_is_null_for_districts_and_assessment_null_for_departments(book, rules):
    book.item(K)
    r = book.score(rules)
    assert r.row(K)["adjustment"] is None
    assert r.row(B)["assessment_score"] is None


# ---- district assessment score -----------------------------------------------------------


@pytest.mark.parametrize(
    ("adoptions", "total", "assessment"),
    [
        # 省委办 full with 批示 70 + 省厅 full 20 + 20 = 110 -> 55% -> 55.0
        (
            [
                ("省委办公厅", "《专报》", "", True),
                ("省人力社保厅", "《浙江人社政务信息（专报）》", "", False),
                ("省人力社保厅", "《浙江人社政务信息（专报）》", "", False),
            ],
            110,
            55.0,
        ),
        # 50 + 50 = 100 = exactly 50% -> 0 ("50%以下" includes 50%)
        ([("省委办公厅", "《专报》", "", False)] * 2, 100, 0.0),
        # 50 + 30 + 15 = 95 < 50% -> 0
        (
            [
                ("省委办公厅", "《专报》", "", False),
                ("市委办公室", "《工作交流》", "", False),
                ("市委办公室", "《决策参考》", "组稿录用", False),
            ],
            95,
            0.0,
        ),
        # 50 + 50 + 5 (one example) = 105 -> 52.5% -> 52.5
        (
            [("省委办公厅", "《专报》", "", False)] * 2
            + [("市委办公室", "《工作交流》", "采纳例子观点", False)],
            105,
            52.5,
        ),
        # 4 x 50 = 200 = 100% -> 100
        ([("省委办公厅", "《专报》", "", False)] * 4, 200, 100.0),
        # 5 x 50 = 250 > 100% -> capped at 100
        ([("省委办公厅", "《专报》", "", False)] * 5, 250, 100.0),
    ],
)
def test_district_assessment_score(book, rules, adoptions, total, assessment):
    items = book.items(K, 20)
    for k, (agency, title, form, instruction) in zip(items, adoptions, strict=False):
        book.adopt(k, agency, title, form=form, instruction=instruction)
    r = book.score(rules)
    assert r.total(K) == pytest.approx(total)
    assert r.row(K)["assessment_score"] == pytest.approx(assessment)


def test_district_exactly_50_percent_scores_zero(book, rules):
    items = book.items(K, 20)
    book.adopt(items[0], "省委办公厅", "《专报》")
    book.adopt(items[1], "省委办公厅", "《工作情况交流》")
    r = book.score(rules)
    # 50 + 50 = 100 = 50% of 200 -> 0
    assert r.row(K)["assessment_score"] == pytest.approx(0.0)


def test_district_with_negative_total_scores_zero(book, rules):
    book.item(B)
    r = book.score(rules)
    # nothing submitted: -100 -> 0
    assert r.total(K) == pytest.approx(-100)
    assert r.row(K)["assessment_score"] == pytest.approx(0.0)


# ---- advanced collectives ----------------------------------------------------------------


def test_advanced_candidates_at_most_six_ranked_by_rate_then_provincial_then_total(book, rules):
    # four group D units: 50 + 10 extra + k unadopted, k = 6..9 -> 66..69 -> 132%..138%
    for unit, k in zip(D_UNITS[:4], (6, 7, 8, 9), strict=True):
        d_unit_with(book, unit, "《工作交流》", k)
    # fifth group D unit: 50 + 10 + 5 = 65 -> 130%, no provincial adoption, total 65
    d_unit_with(book, D_UNITS[4], "《工作交流》", 5)
    # 社会保险处: suggestion item by 市委办 (50) and 厅门户网站 (10); research by 市委办 (50);
    # city 2 of 2 (1 of 1), provincial 1 beyond 0 -> +20; 50 + 10 + 50 + 20 = 130 -> 130%,
    # one provincial adoption
    s = city(book, C, kind="建议问题")
    book.adopt(s, "省人力社保厅", "厅门户网站")
    city(book, C, kind="调研文章")
    # 政策法规处: 50 + 50 + 15 (《上报参阅信息》) + 10 (3rd city item beyond 2) + 5 unadopted
    # = 130 -> 130%, no provincial adoption, total 130
    city(book, C2, kind="建议问题")
    city(book, C2, kind="调研文章")
    city(book, C2, title="《上报参阅信息》")
    book.items(C2, 5)
    # not eligible: 事业单位综合管理处 without research article:
    # 50 + 50 + 200 (中办) + 20 (provincial beyond 0) - 20 = 300 -> 300%
    city(book, C3, kind="建议问题")
    city(book, C3)
    k = book.item(C3)
    book.adopt(k, "中央办公厅", "《专报》")
    # not eligible: 职业技能开发指导中心 with city 1 of 2:
    # 200 + 50 + 1 (research unadopted) - 3 = 248 -> 248%
    s4 = city(book, C4, kind="建议问题")
    book.adopt(s4, "中央办公厅", "《专报》")
    book.item(C4, kind="调研文章")
    r = book.score(rules)

    assert r.total(C) == pytest.approx(130)
    assert r.total(C2) == pytest.approx(130)
    assert r.total(D_UNITS[4]) == pytest.approx(65)
    assert r.total(C3) == pytest.approx(300)
    assert r.total(C4) == pytest.approx(248)
    assert r.row(C3)["research_done"] is False
    assert r.row(C4)["tasks_complete"] is False

    us = r.scores.unit_scores
    candidates = set(us.filter(pl.col("advanced_candidate"))["unit"].to_list())
    # 7 eligible; ranked 138, 136, 134, 132, then the tie at 130%: 社会保险处 (1 provincial
    # adoption) > 政策法规处 (0, total 130) > 政治处（机关党委） (0, total 65) -> the last is 7th
    assert candidates == {*D_UNITS[:4], C, C2}


def test_advanced_candidate_needs_total_at_least_base(book, rules):
    city(book, C, kind="建议问题")
    city(book, C, kind="调研文章")
    city(book, C2, kind="建议问题")
    city(book, C2, kind="调研文章")
    book.commission(C2, "局办公室")
    r = book.score(rules)
    # 社会保险处: 100 = base, tasks complete, research done -> candidate
    assert r.total(C) == pytest.approx(100)
    assert r.row(C)["tasks_complete"] is True
    assert r.row(C)["advanced_candidate"] is True
    # 政策法规处: 100 - 5 = 95 < base -> not a candidate
    assert r.total(C2) == pytest.approx(95)
    assert r.row(C2)["advanced_candidate"] is False


def test_districts_are_never_advanced_candidates(book, rules):
    items = book.items(K, 20)
    for k in items:
        book.adopt(k, "省委办公厅", "《专报》")
    r = book.score(rules)
    # 20 x 50 = 1000 -> 500% but 先进集体 is for departments only
    assert r.row(K)["advanced_candidate"] in (False, None)


# ---- rank within class ---------------------------------------------------------------------


def test_rank_is_within_the_class_by_completion_rate_then_total(book, rules):
    # group D: 65 (130%), 63, 63 (126%), the other two -20 (research article missing)
    d_unit_with(book, D_UNITS[0], "《工作交流》", 5)
    d_unit_with(book, D_UNITS[1], "《工作交流》", 3)
    d_unit_with(book, D_UNITS[2], "《工作交流》", 3)
    # group C: 社会保险处 50 + 50 = 100 (100%), below group D's rates; the others -31
    city(book, C, kind="建议问题")
    city(book, C, kind="调研文章")
    # districts: 柯桥区 20 items, one 省委办 adoption: 50; the others -100
    items = book.items(K, 20)
    book.adopt(items[0], "省委办公厅", "《专报》")
    r = book.score(rules)
    rank = dict(r.scores.unit_scores.select("unit", "rank").iter_rows())
    # within D: 1, then the two equal units share 2, the two at -20 share 4
    assert [rank[u] for u in D_UNITS] == [1, 2, 2, 4, 4]
    # within C: 社会保险处 first although group D units have higher rates
    assert rank[C] == 1
    assert {rank[u] for u in (C2, C3, C4)} == {2}
    # B: four units with nothing, all equal; A: one unit
    assert {rank[u] for u in r.scores.unit_scores.filter(pl.col("group") == "B")["unit"]} == {1}
    assert rank["就业促进和人力资源服务中心"] == 1
    assert rank[K] == 1
    assert {rank[u] for u in ("越城区", "上虞区", "诸暨市", "嵊州市", "新昌县")} == {2}
    # one rank per unit, and nothing else called rank
    assert [c for c in r.scores.unit_scores.columns if "rank" in c] == ["rank", "advanced_rank"]


# ---- several as-of dates, one engine call --------------------------------------------------


def test_score_many_equals_score_at_each_date(book, rules):
    from datetime import date

    from kaohe.engine import score, score_many

    example_1(book)
    d_unit_with(book, D, "《工作交流》", 5)
    book.item(K, submitted="2022-09-01")
    ledger = book.ledger(rules)
    dates = [date(2022, 2, 28), None, date(2022, 8, 31), date(2022, 2, 28)]
    many = score_many(ledger, rules, dates)
    assert [s.as_of for s in many] == dates
    for as_of, got in zip(dates, many, strict=True):
        one = score(ledger, rules, as_of)
        for name in (
            "score_lines",
            "unit_scores",
            "tasks",
            "unit_counts",
            "people",
            "people_monthly",
            "problems",
        ):
            assert getattr(got, name).equals(getattr(one, name)), (as_of, name)
        assert (got.start, got.end, got.annual) == (one.start, one.end, one.annual)
