"""二（二）2 — district scoring, clause by clause, each at its edges.

Expected numbers are derived by hand from shared/spec/rules.md and params/2022.yaml (not from
the engine); the arithmetic is in the comment next to each assertion.
"""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest
from conftest import DEPARTMENT_STEPS, DISTRICT_STEPS, Book

K = "柯桥区"
Y = "越城区"


def twenty(book: Book, unit: str = K) -> list[str]:
    """Exactly the submission task, so district_submissions is 0."""
    return book.items(unit, 20)


# ---- (1) submissions ---------------------------------------------------------------------


@pytest.mark.parametrize(("n", "expected"), [(0, -100), (19, -5), (20, 0), (21, 0)])
def test_district_submissions_minus_5_per_item_short_only(book, rules, n, expected):
    book.items(K, n)
    book.item(Y)  # keeps the sheets non-empty when n == 0
    r = book.score(rules)
    # task 20: (20 - n) x -5 when short; nothing for items beyond
    assert r.step(K, "district_submissions") == pytest.approx(expected)
    assert r.total(K) == pytest.approx(expected)


def test_district_submissions_count_every_kind(book, rules):
    book.items(K, 10, kind="综合")
    book.items(K, 5, kind="建议问题")
    book.items(K, 5, kind="调研文章")
    r = book.score(rules)
    # 10 + 5 + 5 = 20 items, whatever the kind
    assert r.step(K, "district_submissions") == pytest.approx(0)


def test_district_submissions_outside_the_year_do_not_count(book, rules):
    book.items(K, 18)
    book.item(K, submitted="2021-11-30")
    book.item(K, submitted="2022-12-01")
    r = book.score(rules)
    # 18 in the year -> 2 short -> -10
    assert r.step(K, "district_submissions") == pytest.approx(-10)


def test_district_submissions_on_the_first_and_last_day_count(book, rules):
    book.items(K, 18)
    book.item(K, submitted="2021-12-01")
    book.item(K, submitted="2022-11-30")
    r = book.score(rules)
    # 20 in the year -> 0
    assert r.step(K, "district_submissions") == pytest.approx(0)


# ---- (1) commissions ---------------------------------------------------------------------


ISSUERS = ["局办公室", "市委办", "市府办", "省委办", "省府办", "省厅", "中办", "国办"]


def test_district_missed_commission_minus_10_whoever_issued_it(book, rules):
    twenty(book)
    ids = [book.commission(K, issuer) for issuer in ISSUERS]
    r = book.score(rules)
    wrong = [
        (issuer, r.commission_points(c, "district_commission"))
        for c, issuer in zip(ids, ISSUERS, strict=True)
        if r.commission_points(c, "district_commission") != pytest.approx(-10)
    ]
    assert wrong == [], "(issuer, got) where -10 was expected"
    # 8 x -10 = -80
    assert r.total(K) == pytest.approx(-80)


@pytest.mark.parametrize(
    ("delivered", "expected"),
    [("", -10), ("2022-07-01", -10), ("2022-06-30", 0), ("2022-06-01", 0)],
)
def test_district_commission_late_is_missed_on_time_is_nothing(book, rules, delivered, expected):
    twenty(book)
    book.commission(K, "局办公室", deadline="2022-06-30", delivered=delivered)
    r = book.score(rules)
    assert r.step(K, "district_commission") == pytest.approx(expected)


# ---- (2) adoptions forwarded upward -------------------------------------------------------


FORWARDING = [
    # 省两办: full 50 (+20), compiled 25 (+10)
    ("省委办公厅", "《专报》", "", 50, 20),
    ("省委办公厅", "《每日汇报》", "组稿录用", 25, 10),
    ("省政府办公厅", "专报国办信息", "全文录用", 50, 20),
    ("省政府办公厅", "专报国办信息", "组稿录用", 25, 10),
    ("省政府办公厅", "《浙江政务信息（每日要情）》", "", 50, 20),
    # 市两办: full 30 (+10), compiled 15 (+5); 通讯 and 简讯 are full-text forms
    ("市委办公室", "《工作交流》", "", 30, 10),
    ("市委办公室", "《决策参考》", "组稿录用", 15, 5),
    ("市委办公室", "《绍兴信息（每日动态）》", "简讯", 30, 10),
    ("市委办公室", "《绍兴信息（每日动态）》", "通讯", 30, 10),
    ("市政府办公室", "《绍兴政务信息》（每日动态）", "", 30, 10),
    ("市政府办公室", "上报《浙江政务信息（专报信息）》", "组稿录用", 15, 5),
    # 省厅: full 20 (+10), compiled 10 (+5)
    ("省人力社保厅", "《浙江人社政务信息（专报）》", "", 20, 10),
    ("省人力社保厅", "厅门户网站", "组稿录用", 10, 5),
    # central without a 中办/国办 commission: as 省两办
    ("国务院办公厅", "国办录用", "全文录用", 50, 20),
    ("国务院办公厅", "国办录用", "组稿录用", 25, 10),
    ("中央办公厅", "《专报》", "", 50, 20),
    # the bureau website earns a district nothing
    ("局本级", "绍兴人社门户网站", "通讯", 0, 0),
]


def test_district_adoption_forwarding_table(book, rules):
    # per case two items, both adopted, the second with 领导批示
    ids = []
    for agency, title, form, _, _ in FORWARDING:
        plain, noted = book.item(K), book.item(K)
        book.adopt(plain, agency, title, form=form)
        book.adopt(noted, agency, title, form=form, instruction=True)
        ids.append((plain, noted))
    r = book.score(rules)
    wrong = []
    for (plain, noted), (agency, title, form, points, bonus) in zip(ids, FORWARDING, strict=True):
        got = (
            r.item_points(plain, "district_adoption"),
            r.item_points(noted, "district_adoption"),
            r.item_points(plain, "district_instruction"),
            r.item_points(noted, "district_instruction"),
        )
        if got != pytest.approx((points, points, 0, bonus)):
            wrong.append((agency, title, form, (points, points, 0, bonus), got))
    assert wrong == [], "(agency, title, form, expected, got)"
    # 34 items submitted: no shortfall; total = 2 x points + bonus over the table
    expected = sum(2 * p + b for *_, p, b in FORWARDING)
    assert r.total(K) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("agency", "title", "examples", "points"),
    [
        ("市委办公室", "《工作交流》", 3, 15),  # 3 x 5
        ("省委办公厅", "《专报》", 1, 5),  # 1 x 5
        ("省人力社保厅", "《浙江人社政务信息（专报）》", 4, 20),  # 4 x 5
        ("国务院办公厅", "国办录用", 2, 10),  # 2 x 5, no commission: no doubling
    ],
)
def test_district_examples_plus_5_each_without_instruction_bonus(
    book, rules, agency, title, examples, points
):
    items = twenty(book)
    book.adopt(items[0], agency, title, form="采纳例子观点", examples=examples, instruction=True)
    r = book.score(rules)
    assert r.step(K, "district_adoption") == pytest.approx(points)
    assert r.step(K, "district_instruction") == pytest.approx(0)


def test_district_titles_sharing_a_row_score_twice(book, rules):
    items = twenty(book)
    book.adopt(items[0], "省委办公厅", "《工作情况交流》")
    book.adopt(items[0], "省委办公厅", "《专报》")
    r = book.score(rules)
    # one item scores once per publication: 50 + 50
    assert r.step(K, "district_adoption") == pytest.approx(100)


def test_district_adoption_after_the_year_scores_nothing(book, rules):
    items = twenty(book)
    book.adopt(items[0], "省委办公厅", "《专报》", adopted="2022-12-01", instruction=True)
    r = book.score(rules)
    assert r.step(K, "district_adoption") == pytest.approx(0)
    assert r.step(K, "district_instruction") == pytest.approx(0)


# ---- (2) central adoptions of 中办/国办 commissions score double --------------------------


@pytest.mark.parametrize(
    ("agency", "title", "form", "issuer", "points", "bonus"),
    [
        # 国办 full with a 国办 commission: 2 x 50, instruction 2 x 20
        ("国务院办公厅", "国办录用", "全文录用", "国办", 100, 40),
        # 中办 with a 中办 commission
        ("中央办公厅", "《工作情况交流》", "", "中办", 100, 40),
        # 国办 compiled with a 中办 commission: 2 x 25, 2 x 10
        ("国务院办公厅", "国办录用", "组稿录用", "中办", 50, 20),
        # commission from 省府办: no doubling
        ("国务院办公厅", "国办录用", "全文录用", "省府办", 50, 20),
        # 省委办公厅 adoption of a 国办 commission: only central adoptions double
        ("省委办公厅", "《专报》", "", "国办", 50, 20),
    ],
)
def test_central_commission_doubling_includes_instruction(
    book, rules, agency, title, form, issuer, points, bonus
):
    items = twenty(book)
    c = book.commission(K, issuer, delivered="2022-06-20")
    k = book.item(K, commission=c)
    book.adopt(k, agency, title, form=form, instruction=True)
    r = book.score(rules)
    assert r.step(K, "district_adoption") == pytest.approx(points)
    assert r.step(K, "district_instruction") == pytest.approx(bonus)
    assert r.step(K, "district_commission") == pytest.approx(0)
    assert len(items) == 20


def test_guoban_examples_with_guoban_commission_2_x_2_x_5(book, rules):
    twenty(book)
    c = book.commission(K, "国办", delivered="2022-06-20")
    k = book.item(K, commission=c)
    book.adopt(k, "国务院办公厅", "国办录用", form="采纳例子观点", examples=2)
    r = book.score(rules)
    # 2 examples x 5 x 2 (国办 commission) = 20
    assert r.step(K, "district_adoption") == pytest.approx(20)


def test_doubling_holds_when_the_commission_was_delivered_late(book, rules):
    twenty(book)
    c = book.commission(K, "国办", deadline="2022-06-30", delivered="2022-07-10")
    k = book.item(K, commission=c)
    book.adopt(k, "国务院办公厅", "国办录用", form="全文录用")
    r = book.score(rules)
    # doubled "whenever the commission was delivered": 100; the late commission -10
    assert r.step(K, "district_adoption") == pytest.approx(100)
    assert r.step(K, "district_commission") == pytest.approx(-10)
    assert r.total(K) == pytest.approx(90)


def test_central_always_reading_doubles_without_commission(book, rules_with):
    changed = rules_with("district.adoptions.central.choice", "always")
    items = twenty(book)
    book.adopt(items[0], "国务院办公厅", "国办录用", form="全文录用", instruction=True)
    r = book.score(changed)
    # always: 2 x 50, 2 x 20
    assert r.step(K, "district_adoption") == pytest.approx(100)
    assert r.step(K, "district_instruction") == pytest.approx(40)


# ---- what districts do not get --------------------------------------------------------------


def test_district_gets_no_unadopted_points_no_tasks_no_research(book, rules):
    twenty(book)
    r = book.score(rules)
    # 20 unadopted items: no unadopted points; no count-task or research lines
    assert r.total(K) == pytest.approx(0)
    assert set(r.lines(K)["step"].unique().to_list()) <= DISTRICT_STEPS
    row = r.row(K)
    assert row["kind"] == "district"
    assert row["group"] == "区县"


def test_district_with_no_records_only_loses_submissions(book, rules):
    book.item("人才综合处")
    r = book.score(rules)
    # 0 of 20 submitted: -100; nothing else
    assert r.total(Y) == pytest.approx(-100)
    assert set(r.lines(Y)["step"].unique().to_list()) <= DISTRICT_STEPS


def test_district_gets_no_good_information_award(book, rules):
    items = twenty(book)
    book.adopt(items[0], "市委办公室", "《工作交流》")
    book.award(items[0], "市委办市府办年度好信息")
    r = book.score(rules)
    # only the adoption: 30
    assert r.total(K) == pytest.approx(30)
    assert not (set(r.lines(K)["step"].unique().to_list()) & DEPARTMENT_STEPS)


def test_district_gets_no_extra_for_adoptions(book, rules):
    items = twenty(book)
    for k in items[:5]:
        book.adopt(k, "市委办公室", "《工作交流》")
    r = book.score(rules)
    # 5 x 30 = 150; no +10 per item beyond a task
    assert r.total(K) == pytest.approx(150)


def test_shares_on_a_district_item_are_an_error(book, rules):
    book.item(K, shares="越城区:0.3")
    assert not book.ledger(rules).ok


def test_district_among_contributors_of_a_department_item_is_an_error(book, rules):
    book.item("人才综合处", shares="柯桥区:0.3")
    assert not book.ledger(rules).ok


# ---- year to date ------------------------------------------------------------------------


def test_district_year_to_date_has_no_submission_shortfall(book, rules):
    items = book.items(K, 5)
    book.adopt(items[0], "市委办公室", "《工作交流》", adopted="2022-08-01")
    book.commission(K, "省厅", deadline="2022-07-31")  # passed and missed: -10
    book.commission(K, "局办公室", deadline="2022-09-30")  # not yet due: 0
    r = book.score(rules, as_of=date(2022, 8, 31))
    # 5 of 20 submitted so far: no -75 in the year-to-date view
    assert r.step(K, "district_submissions") == pytest.approx(0)
    assert r.step(K, "district_commission") == pytest.approx(-10)
    # 30 - 10 = 20
    assert r.total(K) == pytest.approx(20)


# ---- worked example 2 ---------------------------------------------------------------------


def example_2(book: Book, with_guoban_commission: bool = True) -> None:
    items = book.items(K, 14)
    k1 = book.item(K)
    book.adopt(k1, "省政府办公厅", "《浙江政务信息（专报信息）》", instruction=True)
    k2 = book.item(K)
    book.adopt(k2, "市委办公室", "《绍兴信息（每日动态）》", form="简讯")
    k3 = book.item(K)
    book.adopt(k3, "省人力社保厅", "《浙江人社政务信息（专报）》", form="组稿录用")
    c = ""
    if with_guoban_commission:
        c = book.commission(K, "国办", deadline="2022-07-31", delivered="2022-07-20")
    k4 = book.item(K, commission=c)
    book.adopt(k4, "国务院办公厅", "国办录用", form="采纳例子观点", examples=2)
    book.commission(K, "市委办", deadline="2022-09-30")
    assert len(items) + 4 == 18


def test_worked_example_2_keqiao_total_110(book, rules):
    example_2(book)
    r = book.score(rules)
    # 18 submitted -> (20 - 18) x -5 = -10
    assert r.step(K, "district_submissions") == pytest.approx(-10)
    # 50 (省两办 full) + 30 (市两办 简讯) + 10 (省厅 compiled) + 2 x 2 x 5 (国办 examples) = 110
    assert r.step(K, "district_adoption") == pytest.approx(110)
    # 省两办 full with 批示 +20
    assert r.step(K, "district_instruction") == pytest.approx(20)
    # 市委办 commission missed -10
    assert r.step(K, "district_commission") == pytest.approx(-10)
    # 110 + 20 - 10 - 10 = 110; 110 / 200 = 55% -> 55.0
    assert r.total(K) == pytest.approx(110)
    assert r.row(K)["assessment_score"] == pytest.approx(55.0)


def test_worked_example_2_without_guoban_commission_exactly_50_percent_scores_zero(book, rules):
    example_2(book, with_guoban_commission=False)
    r = book.score(rules)
    # 国办 examples not doubled: 2 x 5 = 10 instead of 20 -> total 100 = 50% -> 0
    assert r.step(K, "district_adoption") == pytest.approx(100)
    assert r.total(K) == pytest.approx(100)
    assert r.row(K)["assessment_score"] == pytest.approx(0.0)


def test_district_lines_name_their_clause_and_rule(book, rules):
    items = twenty(book)
    book.adopt(items[0], "省委办公厅", "《专报》", instruction=True)
    book.adopt(items[1], "市委办公室", "《工作交流》", form="采纳例子观点", examples=2)
    book.adopt(items[2], "省人力社保厅", "厅门户网站", form="组稿录用", instruction=True)
    book.commission(K, "市委办")
    r = book.score(rules)
    rows = sorted(r.lines(K).select("step", "clause", "rule", "points").rows())
    # 省两办 full 50 + instruction 20; 2 examples x 5 = 10; 省厅 compiled 10 + instruction 5;
    # a missed commission -10; 20 items submitted: no submissions line
    assert rows == [
        ("district_adoption", "二（二）2（2）", "district.adoptions.examples_each", 10.0),
        ("district_adoption", "二（二）2（2）", "district.adoptions.groups.0.full", 50.0),
        ("district_adoption", "二（二）2（2）", "district.adoptions.groups.2.compiled", 10.0),
        ("district_commission", "二（二）2（1）", "district.commissions.penalty", -10.0),
        (
            "district_instruction",
            "二（二）2（2）",
            "district.adoptions.groups.0.instruction_full",
            20.0,
        ),
        (
            "district_instruction",
            "二（二）2（2）",
            "district.adoptions.groups.2.instruction_compiled",
            5.0,
        ),
    ]


# ---- an adoption that no clause scores is never a silent 0 (issue 11) -------------------------

UNSCORED = (
    "区县的信息只有被省两办、市两办、省厅采用（中央办公厅、国务院办公厅按省两办计）才加分"
    "（二（二）2（2）），被“局本级”录用不计分"
)


def unscored(r) -> list[tuple]:
    p = r.scores.problems.filter(pl.col("reason").str.contains("不计分"))
    return p.select("severity", "sheet", "row", "column", "value", "reason").rows()


def test_a_district_adoption_outside_the_groups_is_a_warning_and_changes_no_total(book, rules):
    items = twenty(book)
    book.adopt(items[0], "市委办公室", "《工作交流》")  # 录用 row 2: 市两办 full, 30
    book.adopt(items[1], "局本级", "绍兴人社门户网站", form="通讯")  # row 3: no district value
    book.adopt(items[2], "局本级", "局网站", form="简讯", adopted="2022-09-15")  # row 4
    r = book.score(rules)
    assert unscored(r) == [
        ("warning", "录用", 3, "录用单位", "局本级", UNSCORED),
        ("warning", "录用", 4, "录用单位", "局本级", UNSCORED),
    ]
    (fix,) = set(r.scores.problems.filter(pl.col("row") == 3)["suggestion"])
    assert fix == "如录用单位、刊物填错，请改正；无误则无需处理（此录用得0分）"
    # the totals are what they were without the two rows: 30, and no line names the items
    assert r.total(K) == pytest.approx(30)
    assert r.lines(K).filter(pl.col("item_id").is_in(items[1:3]))["points"].to_list() == []
    without = Book()
    for i in twenty(without)[:1]:
        without.adopt(i, "市委办公室", "《工作交流》")
    assert r.scores.unit_scores.equals(without.score(rules).scores.unit_scores)
    # a year-to-date view warns of the adoptions of its window only
    assert [p[2] for p in unscored(book.score(rules, as_of=date(2022, 8, 31)))] == [3]


def test_an_adoption_that_scores_gets_no_such_warning(book, rules):
    items = twenty(book)
    for i, (agency, title, form, *_) in enumerate(FORWARDING[:-1]):  # all but 局本级
        book.adopt(items[i % 20], agency, title, form=form)
    assert unscored(book.score(rules)) == []
