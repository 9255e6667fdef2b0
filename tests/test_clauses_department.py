"""二（二）1 — department scoring, clause by clause, each at its edges.

Expected numbers are derived by hand from shared/spec/rules.md and params/2022.yaml (not from
the engine); the arithmetic is in the comment next to each assertion.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import polars as pl
import pytest
from conftest import Book

A = "就业促进和人力资源服务中心"  # group A, base 400, city 5 (3), provincial 2 (1)
B = "人才综合处"  # group B, base 150, city 3 (2), provincial 1 (0)
B2 = "职业能力建设处"  # group B
C = "社会保险处"  # group C, base 100, city 2 (1), provincial 0 (0)
C2 = "政策法规处"  # group C
D = "信息中心"  # group D, base 50, no count tasks

GEN, SUG, RES = "综合", "建议问题", "调研文章"


def city_item(book: Book, unit: str, kind: str = GEN) -> str:
    """An item adopted by 市委办公室《工作交流》 (50 points, city level)."""
    k = book.item(unit, kind=kind)
    book.adopt(k, "市委办公室", "《工作交流》")
    return k


def prov_item(book: Book, unit: str, kind: str = GEN) -> str:
    """An item adopted by 省委办公厅《专报》 (80 points, provincial level)."""
    k = book.item(unit, kind=kind)
    book.adopt(k, "省委办公厅", "《专报》")
    return k


# ---- (1) adoption points -----------------------------------------------------------------


ADOPTION_POINTS = [
    ("中央办公厅", "《工作情况交流》", "", 200),
    ("中央办公厅", "《专报》", "", 200),
    ("中央办公厅", "《每日汇报》", "", 100),
    ("国务院办公厅", "国办录用", "全文录用", 100),
    ("国务院办公厅", "国办录用", "组稿录用", 60),
    ("省委办公厅", "《上报中办专件》", "", 80),
    ("省委办公厅", "《每日汇报》", "", 60),
    ("省委办公厅", "《上报中办信息》", "", 40),
    ("省政府办公厅", "专报国办信息", "全文录用", 40),
    ("省政府办公厅", "专报国办信息", "组稿录用", 30),
    ("省政府办公厅", "《浙江政务信息（政务工作交流）》", "", 50),
    ("省政府办公厅", "《浙江政务信息（专报信息）》", "", 30),
    ("省政府办公厅", "《浙江政务信息（每日要情）》", "", 15),
    ("省人力社保厅", "《浙江人社政务信息（专报）》", "", 15),
    ("省人力社保厅", "《浙江人力资源社会保障》期刊", "", 10),
    ("省人力社保厅", "厅门户网站", "", 10),
    ("市委办公室", "《专报》", "", 50),
    ("市委办公室", "《决策参考》", "", 40),
    ("市委办公室", "《上报参阅信息》", "", 15),
    ("市委办公室", "《绍兴信息（每日动态）》", "通讯", 20),
    ("市委办公室", "《绍兴信息（每日动态）》", "简讯", 5),
    ("市政府办公室", "上报《浙江政务信息（每日要情）》", "", 10),
    ("市政府办公室", "上报《浙江政务信息（专报信息）》", "", 15),
    ("市政府办公室", "《绍兴政务信息》（每日动态）", "", 5),
    ("市政府办公室", "《绍兴政务信息》（专报信息）", "", 10),
    ("局本级", "绍兴人社门户网站", "通讯", 3),
    ("局本级", "绍兴人社门户网站", "简讯", 2),
    # a form on a publication without forms does not change department points
    ("市委办公室", "《工作交流》", "组稿录用", 50),
]


def test_adoption_points_per_publication_and_form(book, rules):
    # 附件1: one adoption scores the publication's (form's) points; no 批示 -> no bonus
    ids = []
    for agency, title, form, _ in ADOPTION_POINTS:
        k = book.item(C)
        book.adopt(k, agency, title, form=form)
        ids.append(k)
    r = book.score(rules)
    wrong = [
        (agency, title, form, points, r.item_points(k, "adoption"))
        for k, (agency, title, form, points) in zip(ids, ADOPTION_POINTS, strict=True)
        if r.item_points(k, "adoption") != pytest.approx(points)
    ]
    assert wrong == [], "(agency, title, form, expected, got)"
    assert r.step(C, "instruction") == pytest.approx(0)
    # every item has an adoption in the period, so no unadopted point
    assert r.step(C, "unadopted") == pytest.approx(0)
    # the sum of the table
    assert r.step(C, "adoption") == pytest.approx(sum(p for *_, p in ADOPTION_POINTS))


def test_adoption_and_instruction_lines_name_their_own_clause_and_rule(book, rules):
    k = book.item(C)
    book.adopt(k, "市委办公室", "《工作交流》", instruction=True)
    book.adopt(k, "国务院办公厅", "国办录用", form="组稿录用", instruction=True)
    r = book.score(rules)
    pubs = [p.key for p in rules.publications.list]
    city = pubs.index("市委办公室《工作交流》")
    state = pubs.index("国务院办公厅国办录用")
    lines = r.lines(C).filter(pl.col("step").is_in(["adoption", "instruction"]))
    # 附件1 points: 二（二）1（1）；附件1 (department.adoption), the publication's points; the
    # bonus: 附件1 说明 (department.instruction), 1 x the points or 200 per adoption
    assert sorted(lines.select("step", "clause", "rule").rows()) == [
        ("adoption", "二（二）1（1）；附件1", f"publications.list.{city}.points"),
        ("adoption", "二（二）1（1）；附件1", f"publications.list.{state}.forms.组稿录用"),
        (
            "instruction",
            "二（二）1（1）；附件1 说明",
            f"publications.list.{city}.instruction.multiple",
        ),
        (
            "instruction",
            "二（二）1（1）；附件1 说明",
            f"publications.list.{state}.instruction.fixed",
        ),
    ]
    assert rules.department.adoption.clause == "二（二）1（1）；附件1"
    # 50 + 60, bonus 50 + 200
    assert r.step(C, "adoption") == pytest.approx(110)
    assert r.step(C, "instruction") == pytest.approx(250)


def test_every_score_line_names_a_number_of_the_rules_file(book, rules, _baseline_mapping):
    from kaohe.whatif.scenario import get_value

    k = book.item(B, kind=SUG, shares="社会保险处:0.3")
    book.adopt(k, "市委办公室", "《工作交流》", instruction=True)
    book.adopt(k, "国务院办公厅", "国办录用", form="采纳例子观点", examples=2)
    book.award(k, "市委办市府办季度好信息")
    book.items(B, 2)
    city_item(book, D)
    book.commission(B, "市委办")
    d = book.item("柯桥区")
    book.adopt(d, "省委办公厅", "《专报》", instruction=True)
    book.adopt(d, "市委办公室", "《工作交流》", form="采纳例子观点", examples=3)
    book.commission("柯桥区", "局办公室")
    r = book.score(rules)
    steps = set(r.scores.score_lines["step"])
    assert steps >= {"adoption", "instruction", "unadopted", "award", "extra", "shortfall"}
    assert steps >= {"commission", "research", "district_adoption", "district_instruction"}
    assert steps >= {"district_submissions", "district_commission"}
    for rule in r.scores.score_lines["rule"].unique().to_list():
        value = get_value(_baseline_mapping, rule)
        assert isinstance(value, int | Decimal) and not isinstance(value, bool), rule


@pytest.mark.parametrize(
    ("agency", "title", "points"),
    [("国务院办公厅", "国办录用", 30), ("省政府办公厅", "专报国办信息", 20)],
)
def test_examples_form_scores_listed_points_once_whatever_caina_count(
    book, rules, agency, title, points
):
    k = book.item(C)
    book.adopt(k, agency, title, form="采纳例子观点", examples=3)
    r = book.score(rules)
    # 采纳例子观点 under 国办录用 / 专报国办信息: listed points once per adoption (not 3 x)
    assert r.step(C, "adoption") == pytest.approx(points)


def test_titles_sharing_a_row_both_adopting_one_item_score_twice(book, rules):
    k = book.item(C)
    book.adopt(k, "省委办公厅", "《工作情况交流》")
    book.adopt(k, "省委办公厅", "《专报》")
    r = book.score(rules)
    # 《工作情况交流》 80 + 《专报》 80 = 160 (different publications, 累加计分)
    assert r.step(C, "adoption") == pytest.approx(160)
    assert r.lines(C, "adoption").height == 2


def test_bureau_website_points_add_to_other_adoptions(book, rules):
    k = book.item(C)
    book.adopt(k, "市委办公室", "《工作交流》")
    book.adopt(k, "局本级", "绍兴人社门户网站", form="通讯")
    book.adopt(k, "省人力社保厅", "厅门户网站")
    r = book.score(rules)
    # 50 (市委办《工作交流》) + 3 (website 通讯) + 10 (厅门户网站) = 63
    assert r.step(C, "adoption") == pytest.approx(63)


def test_same_adoption_recorded_twice_counts_once_with_warning(book, rules):
    k = book.item(C)
    book.adopt(k, "市委办公室", "《工作交流》", adopted="2022-04-01")
    book.adopt(k, "市委办公室", "《工作交流》", adopted="2022-05-01")
    ledger = book.ledger(rules)
    assert ledger.ok
    assert ledger.problems.filter(pl.col("severity") == "warning").height >= 1
    r = book.score(rules)
    # same item, publication and form twice: counts once (50, not 100), at the earlier date
    assert r.step(C, "adoption") == pytest.approx(50)
    assert r.lines(C, "adoption")["date"].to_list() == [date(2022, 4, 1)]


def test_same_item_and_publication_under_two_forms_counts_the_better(book, rules):
    k = book.item(C)
    book.adopt(k, "市委办公室", "《绍兴信息（每日动态）》", form="简讯")
    book.adopt(k, "市委办公室", "《绍兴信息（每日动态）》", form="通讯")
    r = book.score(rules)
    # 简讯 5 vs 通讯 20: the better one counts, once -> 20
    assert r.step(C, "adoption") == pytest.approx(20)


def test_adoption_on_last_day_of_period_counts(book, rules):
    k = book.item(C, submitted="2022-11-01")
    book.adopt(k, "市委办公室", "《工作交流》", adopted="2022-11-30")
    r = book.score(rules)
    # 2022-11-30 is inside the year: 50, and the item is adopted (no unadopted point)
    assert r.step(C, "adoption") == pytest.approx(50)
    assert r.step(C, "unadopted") == pytest.approx(0)


def test_item_adopted_after_2022_11_30_is_unadopted_this_year(book, rules):
    k = book.item(C, submitted="2022-11-01")
    book.adopt(k, "市委办公室", "《工作交流》", adopted="2022-12-01", instruction=True)
    r = book.score(rules)
    # adoption dated after the year: no adoption or instruction points; item unadopted: +1
    assert r.step(C, "adoption") == pytest.approx(0)
    assert r.step(C, "instruction") == pytest.approx(0)
    assert r.step(C, "unadopted") == pytest.approx(1)


def test_item_submitted_and_adopted_before_2021_12_01_scores_nothing(book, rules):
    k = book.item(C, submitted="2021-11-10")
    book.adopt(k, "市委办公室", "《工作交流》", adopted="2021-11-30")
    r = book.score(rules)
    # adoption on 2021-11-30 is outside the year; submission too, so no unadopted point either
    assert r.step(C, "adoption") == pytest.approx(0)
    assert r.step(C, "unadopted") == pytest.approx(0)


def test_item_submitted_last_year_adopted_on_2021_12_01_counts(book, rules):
    k = book.item(C, submitted="2021-11-20")
    book.adopt(k, "市委办公室", "《工作交流》", adopted="2021-12-01")
    r = book.score(rules)
    # each event counts on its own date: the adoption is on the first day of the year -> 50
    assert r.step(C, "adoption") == pytest.approx(50)
    assert r.step(C, "unadopted") == pytest.approx(0)


# ---- (2) instruction bonus --------------------------------------------------------------


INSTRUCTION_BONUS = [
    ("中央办公厅", "《工作情况交流》", "", 400),  # 2 x 200
    ("中央办公厅", "《每日汇报》", "", 200),  # 2 x 100
    ("国务院办公厅", "国办录用", "全文录用", 200),  # fixed 200
    ("国务院办公厅", "国办录用", "组稿录用", 200),  # fixed 200
    ("国务院办公厅", "国办录用", "采纳例子观点", 200),  # fixed 200, per adoption
    ("省委办公厅", "《专报》", "", 100),  # fixed 100
    ("省委办公厅", "《上报中办信息》", "", 100),  # fixed 100
    ("省政府办公厅", "《浙江政务信息（专报信息）》", "", 100),  # level_block: 省领导 100
    ("省政府办公厅", "专报国办信息", "组稿录用", 100),  # level_block: 省领导 100
    ("省人力社保厅", "《浙江人社政务信息（专报）》", "", 30),  # 2 x 15
    ("省人力社保厅", "厅门户网站", "", 20),  # 2 x 10
    ("市委办公室", "《工作交流》", "", 50),  # 1 x 50
    ("市委办公室", "《绍兴信息（每日动态）》", "简讯", 5),  # 1 x 5
    ("市政府办公室", "上报《浙江政务信息（专报信息）》", "", 15),  # level_block: 1 x 15
    ("市政府办公室", "《绍兴政务信息》（每日动态）", "", 5),  # level_block: 1 x 5
    ("局本级", "绍兴人社门户网站", "通讯", 0),  # 局本级: no bonus
]


def test_instruction_bonus_per_publication(book, rules):
    # the same adoption for two group C units, only the second with 领导批示
    ids = []
    for agency, title, form, _ in INSTRUCTION_BONUS:
        examples = 2 if form == "采纳例子观点" else None
        plain, noted = book.item(C), book.item(C2)
        book.adopt(plain, agency, title, form=form, examples=examples)
        book.adopt(noted, agency, title, form=form, examples=examples, instruction=True)
        ids.append((plain, noted))
    r = book.score(rules)
    wrong = [
        (agency, title, form, bonus, r.item_points(noted, "instruction"))
        for (_, noted), (agency, title, form, bonus) in zip(ids, INSTRUCTION_BONUS, strict=True)
        if r.item_points(noted, "instruction") != pytest.approx(bonus)
    ]
    assert wrong == [], "(agency, title, form, expected, got)"
    assert r.step(C, "instruction") == pytest.approx(0)
    # the bonus is on top of the adoption points, which it does not change
    assert r.step(C2, "adoption") == pytest.approx(r.step(C, "adoption"))


def test_own_agency_reading_removes_government_office_instruction_bonus(book, rules_with):
    own = rules_with("instruction_scope.choice", "own_agency")
    for agency, title in [
        ("省政府办公厅", "《浙江政务信息（专报信息）》"),
        ("市政府办公室", "《绍兴政务信息》（专报信息）"),
        ("省委办公厅", "《专报》"),
        ("市委办公室", "《工作交流》"),
    ]:
        book.adopt(book.item(C), agency, title, instruction=True)
    r = book.score(own)
    # own_agency: 省政府办公厅 0, 市政府办公室 0; 省委办公厅 100 and 市委办公室 1 x 50 stay -> 150
    assert r.step(C, "instruction") == pytest.approx(150)
    # adoption points unchanged: 30 + 10 + 80 + 50 = 170
    assert r.step(C, "adoption") == pytest.approx(170)


def test_level_block_reading_gives_government_offices_the_bonus(book, rules):
    for agency, title in [
        ("省政府办公厅", "《浙江政务信息（专报信息）》"),
        ("市政府办公室", "《绍兴政务信息》（专报信息）"),
        ("省委办公厅", "《专报》"),
        ("市委办公室", "《工作交流》"),
    ]:
        book.adopt(book.item(C), agency, title, instruction=True)
    r = book.score(rules)
    # level_block (default): 100 + 1 x 10 + 100 + 1 x 50 = 260
    assert r.step(C, "instruction") == pytest.approx(260)


# ---- (1) unadopted points and their cap ---------------------------------------------------


@pytest.mark.parametrize(("n", "expected"), [(44, 44), (45, 45), (46, 45)])
def test_unadopted_cap_reached_exactly_at_45_for_group_b(book, rules, n, expected):
    book.items(B, n)
    r = book.score(rules)
    # 1 point each, capped at 30% x 150 = 45
    assert r.step(B, "unadopted") == pytest.approx(expected)
    lines = r.lines(B, "unadopted")
    # every unadopted item has its line; those over the cap score 0
    assert lines.height == n
    assert lines.filter(pl.col("points") == 0).height == n - expected


@pytest.mark.parametrize(("n", "expected"), [(15, 15), (16, 15)])
def test_unadopted_cap_15_for_group_d(book, rules, n, expected):
    book.items(D, n)
    r = book.score(rules)
    # 30% x 50 = 15
    assert r.step(D, "unadopted") == pytest.approx(expected)


def test_unadopted_cap_30_for_group_c_and_120_for_group_a(book, rules):
    book.items(C, 31)
    book.items(A, 121)
    r = book.score(rules)
    # C: 30% x 100 = 30 (31 items); A: 30% x 400 = 120 (121 items)
    assert r.step(C, "unadopted") == pytest.approx(30)
    assert r.step(A, "unadopted") == pytest.approx(120)


def test_unadopted_cap_share_0_2_moves_group_b_cap_to_30(book, rules_with):
    changed = rules_with("department.unadopted.cap_share_of_base", Decimal("0.2"))
    book.items(B, 46)
    book.items(D, 16)
    r = book.score(changed)
    # B: 20% x 150 = 30; D: 20% x 50 = 10
    assert r.step(B, "unadopted") == pytest.approx(30)
    assert r.step(D, "unadopted") == pytest.approx(10)


def test_research_article_unadopted_earns_unadopted_point(book, rules):
    book.item(C, kind=RES)
    r = book.score(rules)
    # any kind submitted in the year and not adopted: 1 point; research done -> no -20
    assert r.step(C, "unadopted") == pytest.approx(1)
    assert r.step(C, "research") == pytest.approx(0)


def test_item_submitted_after_the_year_earns_no_unadopted_point(book, rules):
    book.item(C, submitted="2022-12-01")
    r = book.score(rules)
    assert r.step(C, "unadopted") == pytest.approx(0)


# ---- (2) shared items --------------------------------------------------------------------


def test_shares_point_3_and_point_2_lead_keeps_half(book, rules):
    k = book.item(B, kind=SUG, shares="社会保险处:0.3；职业能力建设处:0.2")
    book.adopt(k, "市委办公室", "《工作交流》", instruction=True)
    book.award(k, "市委办市府办季度好信息")
    r = book.score(rules)
    # item points: adoption 50, instruction 1 x 50, award 20
    # lead 1 - 0.3 - 0.2 = 0.5: 25 / 25 / 10
    assert r.step(B, "adoption") == pytest.approx(25)
    assert r.step(B, "instruction") == pytest.approx(25)
    assert r.step(B, "award") == pytest.approx(10)
    # 社会保险处 0.3: 15 / 15 / 6
    assert r.step(C, "adoption") == pytest.approx(15)
    assert r.step(C, "instruction") == pytest.approx(15)
    assert r.step(C, "award") == pytest.approx(6)
    # 职业能力建设处 0.2: 10 / 10 / 4
    assert r.step(B2, "adoption") == pytest.approx(10)
    assert r.step(B2, "instruction") == pytest.approx(10)
    assert r.step(B2, "award") == pytest.approx(4)
    # nothing is created or lost: 50 + 50 + 20 over the three units
    item_lines = r.lines().filter(pl.col("item_id") == k)
    assert item_lines["points"].sum() == pytest.approx(120)


def test_shared_item_counts_stay_with_the_lead(book, rules):
    k = book.item(B, kind=SUG, shares="社会保险处:0.3；职业能力建设处:0.2")
    book.adopt(k, "市委办公室", "《工作交流》")
    r = book.score(rules)
    # count tasks (6) belong to the lead alone
    assert r.task(B, "city_items")["achieved"] == 1
    assert r.task(B, "city_suggestion")["achieved"] == 1
    assert r.task(C, "city_items")["achieved"] == 0
    assert r.task(C, "city_suggestion")["achieved"] == 0
    assert r.task(B2, "city_items")["achieved"] == 0


def test_shared_item_unadopted_point_stays_with_the_lead(book, rules):
    book.item(B, shares="社会保险处:0.3；职业能力建设处:0.2")
    r = book.score(rules)
    # unadopted point (3) belongs to the lead alone: 1, not 0.5
    assert r.step(B, "unadopted") == pytest.approx(1)
    assert r.step(C, "unadopted") == pytest.approx(0)
    assert r.step(B2, "unadopted") == pytest.approx(0)


def test_shared_research_article_counts_for_the_lead_only(book, rules):
    book.item(B, kind=RES, shares="社会保险处:0.3")
    r = book.score(rules)
    # research article (8) belongs to the lead: lead 0, contributor still -20
    assert r.step(B, "research") == pytest.approx(0)
    assert r.step(C, "research") == pytest.approx(-20)


def test_shares_with_two_decimals_split_exactly(book, rules):
    k = book.item(B, shares="社会保险处:0.33")
    book.adopt(k, "市委办公室", "《绍兴信息（每日动态）》", form="简讯")
    r = book.score(rules)
    # 简讯 5: contributor 0.33 x 5 = 1.65, lead 0.67 x 5 = 3.35
    assert r.step(C, "adoption") == pytest.approx(1.65)
    assert r.step(B, "adoption") == pytest.approx(3.35)


def test_shares_summing_to_exactly_1_leave_the_lead_no_points_but_the_count(book, rules):
    k = book.item(B, kind=SUG, shares="社会保险处:0.5；职业能力建设处:0.5")
    book.adopt(k, "市委办公室", "《工作交流》")
    r = book.score(rules)
    # shares total 1 is allowed (only above 1 is an error); lead keeps 1 - 1 = 0
    assert r.step(B, "adoption") == pytest.approx(0)
    assert r.step(C, "adoption") == pytest.approx(25)
    assert r.step(B2, "adoption") == pytest.approx(25)
    assert r.task(B, "city_items")["achieved"] == 1


def test_shares_above_1_are_an_error(book, rules):
    book.item(B, shares="社会保险处:0.6；职业能力建设处:0.5")
    ledger = book.ledger(rules)
    # 0.6 + 0.5 = 1.1 > 1
    assert not ledger.ok


# ---- (3) good-information awards ----------------------------------------------------------


@pytest.mark.parametrize(
    ("award", "points"),
    [("市委办市府办季度好信息", 20), ("市委办市府办年度好信息", 50), ("局办公室年度好信息", 20)],
)
def test_award_points(book, rules, award, points):
    k = city_item(book, C)
    book.award(k, award)
    r = book.score(rules)
    assert r.step(C, "award") == pytest.approx(points)


def test_one_item_with_all_three_awards_scores_90(book, rules):
    k = city_item(book, C)
    book.award(k, "市委办市府办季度好信息")
    book.award(k, "市委办市府办年度好信息")
    book.award(k, "局办公室年度好信息")
    r = book.score(rules)
    # 20 + 50 + 20 = 90
    assert r.step(C, "award") == pytest.approx(90)


def test_award_dated_after_the_year_does_not_count(book, rules):
    k = city_item(book, C)
    book.award(k, "市委办市府办年度好信息", awarded="2022-12-05")
    r = book.score(rules)
    # an award counts on its award date; 2022-12-05 is outside the year
    assert r.step(C, "award") == pytest.approx(0)


# ---- (3) count tasks: shortfall and extra -------------------------------------------------


def test_group_b_tasks_met_exactly_no_shortfall_no_extra(book, rules):
    city_item(book, B, SUG)
    city_item(book, B, SUG)
    city_item(book, B, GEN)
    prov_item(book, B, GEN)
    book.item(B, kind=RES)
    r = book.score(rules)
    # city 3 of 3 (2 of 2 suggestion), provincial 1 of 1 (0 of 0)
    assert r.step(B, "shortfall") == pytest.approx(0)
    assert r.step(B, "extra") == pytest.approx(0)
    assert r.row(B)["tasks_complete"] is True
    assert r.task(B, "city_items")["required"] == 3
    assert r.task(B, "city_items")["achieved"] == 3
    assert r.task(B, "city_suggestion")["achieved"] == 2
    assert r.task(B, "provincial_items")["achieved"] == 1


def test_group_b_city_short_by_one_general_item_minus_3(book, rules):
    city_item(book, B, SUG)
    city_item(book, B, SUG)
    prov_item(book, B)
    book.item(B, kind=RES)
    r = book.score(rules)
    # city 2 of 3 -> -3; suggestion 2 of 2 -> 0
    assert r.step(B, "shortfall") == pytest.approx(-3)
    assert r.row(B)["tasks_complete"] is False


def test_group_b_city_suggestion_short_by_one_with_level_met_minus_5(book, rules):
    city_item(book, B, SUG)
    city_item(book, B, GEN)
    city_item(book, B, GEN)
    prov_item(book, B)
    book.item(B, kind=RES)
    r = book.score(rules)
    # city 3 of 3 -> 0; suggestion 1 of 2 -> -5
    assert r.step(B, "shortfall") == pytest.approx(-5)
    assert r.row(B)["tasks_complete"] is False


def test_group_b_short_on_both_counts_loses_both_minus_8(book, rules):
    city_item(book, B, SUG)
    city_item(book, B, GEN)
    prov_item(book, B)
    book.item(B, kind=RES)
    r = book.score(rules)
    # level task counts all items: 2 of 3 -> -3; suggestion 1 of 2 -> -5; total -8
    assert r.step(B, "shortfall") == pytest.approx(-8)


def test_general_only_reading_counts_level_task_on_general_items(book, rules_with):
    changed = rules_with("department.shortfall.level_task_counts.choice", "general_only")
    city_item(book, B, SUG)
    city_item(book, B, GEN)
    prov_item(book, B)
    book.item(B, kind=RES)
    r = book.score(changed)
    # general task 3 - 2 = 1, general 1 of 1 -> 0; suggestion 1 of 2 -> -5; total -5
    assert r.step(B, "shortfall") == pytest.approx(-5)


GENERAL_ONLY = ("department.shortfall.level_task_counts.choice", "general_only")


@pytest.mark.parametrize(
    ("kinds", "extra_all", "extra_general_only"),
    [
        # city items: all 4 - 3 = 1 beyond -> +10; general_only: general 1 of 3 - 2 = 1 -> 0
        ((SUG, SUG, SUG, GEN), 10, 0),
        # general 2 of 1 -> 1 beyond: +10 under both readings
        ((SUG, SUG, GEN, GEN), 10, 10),
        # exactly the tasks under both readings: no extra
        ((SUG, SUG, GEN), 0, 0),
    ],
)
def test_city_extras_follow_the_level_task_reading(
    book, rules, rules_with, kinds, extra_all, extra_general_only
):
    for kind in kinds:
        city_item(book, B, kind)
    prov_item(book, B)
    book.item(B, kind=RES)
    assert book.score(rules).step(B, "extra") == pytest.approx(extra_all)
    r = book.score(rules_with(*GENERAL_ONLY))
    assert r.step(B, "extra") == pytest.approx(extra_general_only)
    assert r.row(B)["tasks_complete"] is True


def test_the_level_task_reading_is_interpreted_in_one_function(rules, rules_with):
    from kaohe.engine import level_task

    every, general = level_task(rules), level_task(rules_with(*GENERAL_ONLY))
    # group B city: task 3 of which 2 suggestion-type
    assert (every.required(3, 2), general.required(3, 2)) == (3, 1)
    assert (every.counted("city"), general.counted("city")) == ("n_city", "n_city_general")
    assert general.counted("provincial", noncentral=True) == "n_provincial_general_noncentral"
    gaps = pl.DataFrame({"items": [1, 0, 2, 1], "suggestion": [1, 1, 0, 2]})
    need = [
        gaps.select(lt.needed(pl.col("items"), pl.col("suggestion")))[:, 0].to_list()
        for lt in (every, general)
    ]
    # all: a suggestion-type item closes both gaps (the larger is needed); general_only: a
    # general item closes the level gap only, so the two add up
    assert need == [[1, 1, 2, 2], [2, 1, 2, 3]]


def test_general_only_extras_say_general_items(book, rules_with):
    for kind in (SUG, SUG, GEN, GEN):
        city_item(book, B, kind)
    prov_item(book, B)
    book.item(B, kind=RES)
    r = book.score(rules_with(*GENERAL_ONLY))
    # general 2 of 3 - 2 = 1: one beyond
    assert r.lines(B, "extra")["explanation"].to_list() == [
        "基本任务已完成，市级综合信息录用2篇、任务1篇，超额1篇，每篇加10分"
    ]


def test_provincial_extras_follow_the_level_task_reading(book, rules, rules_with):
    for kind in (SUG, SUG, GEN):
        city_item(book, B, kind)
    prov_item(book, B, SUG)
    prov_item(book, B, GEN)
    book.item(B, kind=RES)
    # all: provincial 2 of 1 -> +20; general_only: general 1 of 1 - 0 = 1 -> 0
    assert book.score(rules).step(B, "extra") == pytest.approx(20)
    assert book.score(rules_with(*GENERAL_ONLY)).step(B, "extra") == pytest.approx(0)


def test_central_extras_follow_the_level_task_reading(book, _baseline_mapping):
    from kaohe.rules.models import rules_from_mapping
    from kaohe.whatif.scenario import with_changes

    no_central = ("department.extra.central_counts_as_provincial.choice", False)
    for kind in (SUG, SUG, GEN):
        city_item(book, B, kind)
    k = book.item(B)
    book.adopt(k, "中央办公厅", "《每日汇报》")
    prov_item(book, B, GEN)
    prov_item(book, B, SUG)
    book.item(B, kind=RES)
    # central does not earn extras, it fills the task first. all: 3 provincial items of task
    # 1, the central one fills it -> 2 beyond -> +40. general_only: 2 general items (central,
    # provincial) of 1, the central one fills it -> 1 beyond -> +20 (the suggestion item is
    # no general item)
    for changes, extra in (
        (dict([no_central]), 40),
        (dict([no_central, GENERAL_ONLY]), 20),
    ):
        mapping, _ = with_changes(_baseline_mapping, changes)
        r = book.score(rules_from_mapping(mapping, "<test>"))
        assert r.step(B, "extra") == pytest.approx(extra), changes


def test_sweep_follows_the_general_only_reading_of_extras(book, _baseline_mapping):
    from conftest import modified_rules

    from kaohe.engine import score
    from kaohe.whatif.scenario import with_changes
    from kaohe.whatif.sweep import sweep

    for kind in (SUG, SUG, SUG, GEN, GEN):
        city_item(book, B, kind)
    prov_item(book, B)
    book.item(B, kind=RES)
    mapping, _ = with_changes(_baseline_mapping, {GENERAL_ONLY[0]: GENERAL_ONLY[1]})
    ledger = book.ledger(modified_rules(_baseline_mapping, *GENERAL_ONLY))
    table, method = sweep(ledger, mapping, "department.extra.city", [Decimal(0), Decimal(15)])
    assert method == "vectorised"
    for value in (0, 15):
        full = score(ledger, modified_rules(mapping, "department.extra.city", value))
        got = table.filter(pl.col("value") == value).join(
            full.unit_scores, on="unit", suffix="_full"
        )
        # general 2 of 1: one extra city item, 0 or 15 points
        assert ((got["total"] - got["total_full"]).abs() < 1e-9).all(), value
        assert (got["rank"] == got["rank_full"]).all(), value


def test_group_b_provincial_short_by_one_minus_5(book, rules):
    city_item(book, B, SUG)
    city_item(book, B, SUG)
    city_item(book, B, GEN)
    book.item(B, kind=RES)
    r = book.score(rules)
    # provincial 0 of 1 -> -5; provincial suggestion task 0
    assert r.step(B, "shortfall") == pytest.approx(-5)


def test_group_a_provincial_suggestion_short_by_one_minus_10(book, rules):
    for kind in (SUG, SUG, SUG, GEN, GEN):
        city_item(book, A, kind)
    prov_item(book, A, GEN)
    prov_item(book, A, GEN)
    book.item(A, kind=RES)
    r = book.score(rules)
    # city 5 of 5 (3 of 3); provincial 2 of 2 but suggestion 0 of 1 -> -10
    assert r.step(A, "shortfall") == pytest.approx(-10)
    assert r.step(A, "extra") == pytest.approx(0)


def test_one_item_adopted_at_both_levels_counts_at_both(book, rules):
    s1 = city_item(book, B, SUG)
    book.adopt(s1, "省委办公厅", "《专报》")
    city_item(book, B, SUG)
    city_item(book, B, GEN)
    book.item(B, kind=RES)
    r = book.score(rules)
    # S1 counts at city and at provincial: city 3 (2), provincial 1 -> complete
    assert r.task(B, "provincial_items")["achieved"] == 1
    assert r.step(B, "shortfall") == pytest.approx(0)
    assert r.row(B)["tasks_complete"] is True


def test_provincial_hr_department_counts_as_provincial(book, rules):
    city_item(book, B, SUG)
    city_item(book, B, SUG)
    city_item(book, B, GEN)
    k = book.item(B)
    book.adopt(k, "省人力社保厅", "厅门户网站")
    book.item(B, kind=RES)
    r = book.score(rules)
    # 省人力社保厅 is provincial: provincial 1 of 1
    assert r.task(B, "provincial_items")["achieved"] == 1
    assert r.step(B, "shortfall") == pytest.approx(0)


def test_central_adoption_counts_as_provincial_or_higher(book, rules):
    city_item(book, B, SUG)
    city_item(book, B, SUG)
    city_item(book, B, GEN)
    k = book.item(B)
    book.adopt(k, "中央办公厅", "《每日汇报》")
    book.item(B, kind=RES)
    r = book.score(rules)
    assert r.task(B, "provincial_items")["achieved"] == 1
    assert r.step(B, "shortfall") == pytest.approx(0)


def test_bureau_website_counts_at_neither_level(book, rules):
    for kind in (SUG, SUG, GEN):
        k = book.item(B, kind=kind)
        book.adopt(k, "局本级", "绍兴人社门户网站", form="通讯")
    book.item(B, kind=RES)
    r = book.score(rules)
    assert r.task(B, "city_items")["achieved"] == 0
    assert r.task(B, "provincial_items")["achieved"] == 0
    # city 0 of 3 -> -9; suggestion 0 of 2 -> -10; provincial 0 of 1 -> -5; total -24
    assert r.step(B, "shortfall") == pytest.approx(-24)


def test_research_article_counts_toward_city_task(book, rules):
    city_item(book, B, SUG)
    city_item(book, B, SUG)
    city_item(book, B, RES)
    prov_item(book, B)
    r = book.score(rules)
    # the research article adopted by 市委办 is the 3rd city item; research done
    assert r.task(B, "city_items")["achieved"] == 3
    assert r.step(B, "shortfall") == pytest.approx(0)
    assert r.step(B, "research") == pytest.approx(0)


def test_extra_plus_10_per_city_and_20_per_provincial_item_beyond_task(book, rules):
    for kind in (SUG, SUG, GEN, GEN):
        city_item(book, B, kind)
    prov_item(book, B)
    prov_item(book, B)
    book.item(B, kind=RES)
    r = book.score(rules)
    # tasks complete; city 4 - 3 = 1 beyond -> +10; provincial 2 - 1 = 1 beyond -> +20
    assert r.step(B, "extra") == pytest.approx(30)
    assert r.step(B, "shortfall") == pytest.approx(0)


def test_no_extra_when_a_task_is_incomplete(book, rules):
    for kind in (SUG, SUG, GEN, GEN, GEN):
        city_item(book, B, kind)
    book.item(B, kind=RES)
    r = book.score(rules)
    # city 5 of 3 but provincial 0 of 1: tasks incomplete -> no extra; -5 provincial
    assert r.step(B, "extra") == pytest.approx(0)
    assert r.step(B, "shortfall") == pytest.approx(-5)


def test_extra_does_not_wait_for_the_research_article(book, rules):
    for kind in (SUG, SUG, GEN, GEN):
        city_item(book, B, kind)
    prov_item(book, B)
    r = book.score(rules)
    # tasks complete means the count tasks only (rules.md 6): +10 for the 4th city item;
    # the missing research article costs -20 on its own
    assert r.row(B)["tasks_complete"] is True
    assert r.step(B, "extra") == pytest.approx(10)
    assert r.step(B, "research") == pytest.approx(-20)


def test_group_c_provincial_item_beyond_zero_task_adds_20_when_city_complete(book, rules):
    city_item(book, C, SUG)
    city_item(book, C, GEN)
    prov_item(book, C)
    book.item(C, kind=RES)
    r = book.score(rules)
    # city 2 of 2 (1 of 1) exactly -> no city extra; provincial 1 - 0 -> +20
    assert r.step(C, "extra") == pytest.approx(20)


def test_group_c_no_extra_when_city_task_incomplete(book, rules):
    city_item(book, C, SUG)
    prov_item(book, C)
    book.item(C, kind=RES)
    r = book.score(rules)
    # city 1 of 2 -> -3; tasks incomplete -> no +20 for the provincial item
    assert r.step(C, "extra") == pytest.approx(0)
    assert r.step(C, "shortfall") == pytest.approx(-3)


def test_group_d_gets_extra_for_every_item(book, rules):
    city_item(book, D)
    city_item(book, D)
    both = city_item(book, D)
    book.adopt(both, "省委办公厅", "《专报》")
    k = book.item(D)
    book.adopt(k, "中央办公厅", "《每日汇报》")
    w = book.item(D)
    book.adopt(w, "局本级", "绍兴人社门户网站", form="简讯")
    book.item(D, kind=RES)
    r = book.score(rules)
    # city 3 items x 10 = 30; provincial-or-higher 2 items (both-level item, 中办) x 20 = 40;
    # the website item counts at neither level; total 70
    assert r.step(D, "extra") == pytest.approx(70)
    assert r.step(D, "shortfall") == pytest.approx(0)


def test_group_d_item_adopted_twice_at_city_level_counts_once(book, rules):
    k = city_item(book, D)
    book.adopt(k, "市政府办公室", "《绍兴政务信息》（每日动态）")
    book.item(D, kind=RES)
    r = book.score(rules)
    # distinct items: 1 city item -> +10 (adoption points 50 + 5 still both count)
    assert r.step(D, "extra") == pytest.approx(10)
    assert r.step(D, "adoption") == pytest.approx(55)


@pytest.mark.parametrize(
    ("unit", "shortfall"),
    [
        # A: city 5 x -3, suggestion 3 x -5, provincial 2 x -5, suggestion 1 x -10 = -50
        (A, -50),
        # B: -3 x 3 - 5 x 2 - 5 x 1 - 10 x 0 = -24
        (B, -24),
        # C: -3 x 2 - 5 x 1 = -11
        (C, -11),
        # D: no tasks
        (D, 0),
    ],
)
def test_unit_with_no_records_loses_shortfall_and_research(book, rules, unit, shortfall):
    book.item("越城区")  # someone else's record; the unit under test has none
    r = book.score(rules)
    assert r.step(unit, "shortfall") == pytest.approx(shortfall)
    assert r.step(unit, "research") == pytest.approx(-20)
    # A -70, B -44, C -31, D -20
    assert r.total(unit) == pytest.approx(shortfall - 20)


# ---- (4) commissions ---------------------------------------------------------------------


DEPARTMENT_COMMISSIONS = [
    ("局办公室", "", -5),
    ("市委办", "", -10),
    ("市府办", "", -10),
    ("省厅", "", 0),
    ("省委办", "", 0),
    ("国办", "", 0),
    ("局办公室", "2022-07-01", -5),  # delivered a day after the deadline = missed
    ("市委办", "2022-07-15", -10),
    ("市委办", "2022-06-30", 0),  # on the deadline = on time
    ("局办公室", "2022-06-15", 0),
]


def test_department_commission_penalty_by_issuer_and_delivery(book, rules):
    # deadline 2022-06-30 for all; blank 完成日期 = not delivered
    ids = [
        book.commission(C, issuer, deadline="2022-06-30", delivered=delivered)
        for issuer, delivered, _ in DEPARTMENT_COMMISSIONS
    ]
    r = book.score(rules)
    wrong = [
        (issuer, delivered, expected, r.commission_points(c))
        for c, (issuer, delivered, expected) in zip(ids, DEPARTMENT_COMMISSIONS, strict=True)
        if r.commission_points(c) != pytest.approx(expected)
    ]
    assert wrong == [], "(issuer, delivered, expected, got)"
    # -5 - 10 - 10 - 5 - 10 = -40
    assert r.step(C, "commission") == pytest.approx(-40)


def test_two_missed_bureau_commissions_minus_10(book, rules):
    book.commission(C, "局办公室")
    book.commission(C, "局办公室", deadline="2022-09-30")
    r = book.score(rules)
    # -5 per commission: -10
    assert r.step(C, "commission") == pytest.approx(-10)
    assert r.step(B, "commission") == pytest.approx(0)


def test_commission_with_deadline_after_the_year_is_not_this_years(book, rules):
    book.commission(C, "局办公室", deadline="2022-12-10", ordered="2022-11-20")
    r = book.score(rules)
    # a commission counts on its deadline (rules.md 五 1)
    assert r.step(C, "commission") == pytest.approx(0)


# ---- (4) research article ----------------------------------------------------------------


def test_research_article_missing_minus_20(book, rules):
    city_item(book, D)
    r = book.score(rules)
    assert r.step(D, "research") == pytest.approx(-20)


def test_research_article_submitted_before_the_year_does_not_count(book, rules):
    book.item(D, kind=RES, submitted="2021-11-30")
    r = book.score(rules)
    assert r.step(D, "research") == pytest.approx(-20)
    assert r.row(D)["research_done"] is False


def test_research_article_submitted_in_the_year_done(book, rules):
    book.item(D, kind=RES, submitted="2021-12-01")
    r = book.score(rules)
    assert r.step(D, "research") == pytest.approx(0)
    assert r.row(D)["research_done"] is True


# ---- year to date ------------------------------------------------------------------------


def test_year_to_date_shows_no_shortfall_extra_or_research_lines(book, rules):
    city_item(book, D)  # group D would get +10 extra in the annual view
    r = book.score(rules, as_of=date(2022, 8, 31))
    for unit in (A, B, C, D):
        steps = r.steps(unit)
        assert "shortfall" not in steps or steps["shortfall"] == 0
        assert "research" not in steps or steps["research"] == 0
        assert "extra" not in steps or steps["extra"] == 0
    assert r.total(B) == pytest.approx(0)
    # D: the adoption only, 50
    assert r.total(D) == pytest.approx(50)


def test_year_to_date_counts_only_events_up_to_as_of(book, rules):
    late = book.item(C, submitted="2022-08-01")
    book.adopt(late, "市委办公室", "《工作交流》", adopted="2022-09-10")
    book.item(C, submitted="2022-09-05")
    early = book.item(C, submitted="2022-07-01")
    book.adopt(early, "市委办公室", "《决策参考》", adopted="2022-08-31")
    r = book.score(rules, as_of=date(2022, 8, 31))
    # as of 08-31: 《决策参考》 40 (adopted on the day); `late` has no adoption yet -> 1
    # unadopted point; the item of 09-05 is not yet submitted
    assert r.step(C, "adoption") == pytest.approx(40)
    assert r.step(C, "unadopted") == pytest.approx(1)
    assert r.total(C) == pytest.approx(41)


def test_year_to_date_counts_missed_commission_with_passed_deadline(book, rules):
    book.commission(C, "局办公室", deadline="2022-06-30")  # missed, deadline passed: -5
    book.commission(C, "市委办", deadline="2022-08-15", delivered="2022-09-05")  # late: -10
    book.commission(C, "局办公室", deadline="2022-10-31")  # deadline not yet reached: 0
    r = book.score(rules, as_of=date(2022, 8, 31))
    assert r.step(C, "commission") == pytest.approx(-15)


# ---- an adoption that no clause scores is never a silent 0 (issue 11) -------------------------


def unscored(r) -> list[tuple]:
    p = r.scores.problems.filter(pl.col("reason").str.contains("不计分"))
    return p.select("severity", "sheet", "row", "column", "value", "reason").rows()


def test_a_publication_worth_nothing_to_a_department_is_a_warning(book, rules_with):
    # 附件1: 市委办公室《上报参阅信息》 set to 0 points (its instruction bonus, 1 x 0, is 0 too)
    zero = rules_with("publications.list.19.points", 0)
    k = book.item(B)
    book.adopt(k, "市委办公室", "《上报参阅信息》", instruction=True)  # 录用 row 2
    book.adopt(k, "市委办公室", "《工作交流》")  # row 3: 50
    r = book.score(zero)
    assert unscored(r) == [
        (
            "warning",
            "录用",
            2,
            "刊物",
            "《上报参阅信息》",
            "“市委办公室《上报参阅信息》”（全文录用）对处室、单位的分值为0（二（二）1（1）；附件1），此录用不计分",
        )
    ]
    assert r.step(B, "adoption") == pytest.approx(50)  # 0 + 50: the total as before


def test_an_adoption_with_only_an_instruction_bonus_scores(book, rules_with):
    # 省委办公厅《上报中办信息》 at 0 points keeps its fixed bonus of 100 for 领导批示
    zero = rules_with("publications.list.8.points", 0)
    noted, plain = book.item(B), book.item(B)
    book.adopt(noted, "省委办公厅", "《上报中办信息》", instruction=True)  # row 2: bonus 100
    book.adopt(plain, "省委办公厅", "《上报中办信息》")  # row 3: nothing
    r = book.score(zero)
    assert [p[2] for p in unscored(r)] == [3]
    assert r.item_points(noted, "instruction") == pytest.approx(100)
