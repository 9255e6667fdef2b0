"""四 信息员 — the people: 出彩 points by publication type, and the officer prizes (优秀信息员)
with their two *choice* switches, each at its edges.

Expected numbers are derived by hand from shared/spec/rules.md ("Officers and writers") and
params/2022.yaml (the `chucai` points of each publication); the arithmetic is in the comment
next to each assertion.
"""

from __future__ import annotations

from typing import Any

import polars as pl
import pytest
from conftest import ADOPTED, Book, Result

B = "人才综合处"  # group B
B2 = "职业能力建设处"
C = "社会保险处"  # group C
C2 = "政策法规处"
C3 = "事业单位综合管理处"
D = "信息中心"  # group D
D2 = "仲裁信访处"
K = "柯桥区"  # a district
OFFICER, WRITER = "信息员", "撰稿人"


class PeopleBook(Book):
    """A Book whose items name their first writer, with a 信息员 sheet."""

    def __init__(self) -> None:
        super().__init__()
        self.people: list[dict[str, str]] = []

    def person(self, unit: str, name: str, role: str = OFFICER, young: bool = False) -> None:
        self.people.append(
            {
                "单位": unit,
                "姓名": name,
                "角色": role,
                "年轻干部": "是" if young else "否",
                "起始日期": "",
                "终止日期": "",
            }
        )

    def written(
        self,
        unit: str,
        writer: str,
        agency: str,
        title: str,
        form: str = "",
        adopted: str = ADOPTED,
    ) -> str:
        """An item of `unit` first-written by `writer`, adopted by (agency, title)."""
        k = self.item(unit)
        self.rows["报送"][-1]["第一撰稿人"] = writer
        self.adopt(k, agency, title, form=form, adopted=adopted)
        return k

    def officers(self, adopted: dict[tuple[str, str], list[tuple[str, str]]]) -> None:
        """Each (unit, name) an officer, first writer of one item per (agency, title)."""
        for (unit, name), adoptions in adopted.items():
            self.person(unit, name)
            for agency, title in adoptions:
                self.written(unit, name, agency, title)

    def sheets(self) -> dict[str, list[dict[str, str]]]:
        out = super().sheets()
        if self.people:
            out["信息员"] = list(self.people)
        return out


@pytest.fixture
def pbook() -> PeopleBook:
    return PeopleBook()


def person(r: Result, unit: str, name: str) -> dict[str, Any]:
    rows = r.scores.people.filter((pl.col("unit") == unit) & (pl.col("name") == name)).to_dicts()
    assert len(rows) == 1, f"expected one people row for {unit}/{name}, got {len(rows)}"
    return rows[0]


def ranking(r: Result) -> list[str]:
    """The competitors' names in officer_rank order."""
    df = r.scores.people.filter(pl.col("officer_rank").is_not_null()).sort("officer_rank")
    assert df["officer_rank"].to_list() == list(range(1, df.height + 1))
    return df["name"].to_list()


# ---- 出彩 points ---------------------------------------------------------------------------


CHUCAI = [
    ("中央办公厅", "《专报》", "", 5),
    ("国务院办公厅", "国办录用", "组稿录用", 5),
    ("省委办公厅", "《每日汇报》", "", 4),
    ("省政府办公厅", "《浙江政务信息（每日要情）》", "", 4),
    ("省人力社保厅", "厅门户网站", "", 3),
    ("市委办公室", "《工作交流》", "", 3),
    ("市委办公室", "《决策参考》", "", 3),
    ("市委办公室", "《上报参阅信息》", "", 2),
    ("市委办公室", "《绍兴信息（每日动态）》", "通讯", 2),
    ("市委办公室", "《绍兴信息（每日动态）》", "简讯", 1),
    ("市政府办公室", "《绍兴政务信息》（每日动态）", "", 2),
    ("局本级", "绍兴人社门户网站", "通讯", 0),
]


@pytest.mark.parametrize(("agency", "title", "form", "points"), CHUCAI)
def test_chucai_points_by_publication_type(pbook, rules, agency, title, form, points):
    pbook.person(C, "罗洋")
    pbook.written(C, "罗洋", agency, title, form=form)
    r = pbook.score(rules)
    # central 5, 省委办/省政府办 4, 省厅 3, 市委办 《工作交流》/《专报》/《决策参考》 3, other city 2,
    # 简讯 1; the bureau website is below city level: nothing
    assert person(r, C, "罗洋")["chucai_points"] == points
    assert person(r, C, "罗洋")["adoptions_city_plus"] == (1 if points else 0)


def test_chucai_points_go_to_the_month_of_the_adoption(pbook, rules):
    pbook.person(C, "罗洋")
    pbook.written(C, "罗洋", "市委办公室", "《工作交流》", adopted="2022-04-01")
    pbook.written(C, "罗洋", "省委办公厅", "《专报》", adopted="2022-04-30")
    pbook.written(C, "罗洋", "中央办公厅", "《专报》", adopted="2022-05-01")
    r = pbook.score(rules)
    monthly = r.scores.people_monthly.filter(pl.col("name") == "罗洋").sort("month")
    # April 3 + 4 = 7 (two adoptions), May 5 (one); the year 12
    assert monthly.select("month", "chucai_points", "adoptions").rows() == [
        ("2022-04", 7, 2),
        ("2022-05", 5, 1),
    ]
    assert person(r, C, "罗洋")["chucai_points"] == 12


def test_district_writers_tally_is_shown_under_the_default_scope(pbook, rules):
    pbook.person(K, "沈俊博")
    pbook.written(K, "沈俊博", "省委办公厅", "《专报》")
    r = pbook.score(rules)
    # shown: 4 for the 省委办 adoption; not counted: no place in the officer ranking
    assert person(r, K, "沈俊博")["chucai_points"] == 4
    assert person(r, K, "沈俊博")["officer_rank"] is None


def test_young_cadres_are_flagged(pbook, rules):
    pbook.person(C, "罗洋")
    pbook.person(C, "吴梦秀", role=WRITER, young=True)
    pbook.written(C, "吴梦秀", "市委办公室", "《工作交流》")
    r = pbook.score(rules)
    assert person(r, C, "吴梦秀")["young"] is True
    assert person(r, C, "罗洋")["young"] is False


# ---- officer prizes: who competes (people.scope) -------------------------------------------


def district_ahead(pbook: PeopleBook) -> None:
    """黄贺成 (人才综合处's officer): 《工作交流》 -> 出彩 3, item points 50. 沈俊博 (柯桥区's
    officer, a district writer): two 省委办《专报》 -> 出彩 4 + 4 = 8, item points 50 + 50 =
    100 (forwarded adoptions, 二（二）2（2））: more of both than every department person."""
    pbook.officers(
        {
            (B, "黄贺成"): [("市委办公室", "《工作交流》")],
            (K, "沈俊博"): [("省委办公厅", "《专报》"), ("省委办公厅", "《工作情况交流》")],
        }
    )


def test_district_writer_is_out_of_the_ranking_by_default(pbook, rules):
    district_ahead(pbook)
    r = pbook.score(rules)
    assert person(r, K, "沈俊博")["item_points"] == pytest.approx(100)
    assert person(r, K, "沈俊博")["chucai_points"] == 8
    # scope departments: only 黄贺成 competes, first
    assert ranking(r) == ["黄贺成"]
    assert person(r, B, "黄贺成")["prize"] == "一等奖"
    assert person(r, K, "沈俊博")["prize"] is None


def test_district_writer_is_in_the_ranking_with_scope_all(pbook, rules_with):
    district_ahead(pbook)
    r = pbook.score(rules_with("people.scope.choice", "all"))
    # scope all: 沈俊博 (出彩 8) before 黄贺成 (出彩 3)
    assert ranking(r) == ["沈俊博", "黄贺成"]
    assert person(r, K, "沈俊博")["prize"] == "一等奖"
    assert person(r, B, "黄贺成")["prize"] == "二等奖"


def test_only_officers_with_points_compete(pbook, rules_with):
    pbook.person(B, "黄贺成")
    pbook.person(B, "汪娟敏", role=WRITER)
    pbook.person(C, "罗洋")
    pbook.written(B, "黄贺成", "市委办公室", "《上报参阅信息》")
    pbook.written(B, "汪娟敏", "中央办公厅", "《专报》")
    pbook.item(C)  # 罗洋 has nothing adopted
    for scope in ("departments", "all"):
        r = pbook.score(rules_with("people.scope.choice", scope))
        # 优秀信息员 ranks the officers (信息员): the writer 汪娟敏 (出彩 5) has no place,
        # nor does 罗洋 with no points at all
        assert ranking(r) == ["黄贺成"], scope
        assert person(r, B, "汪娟敏")["chucai_points"] == 5


def test_without_a_people_sheet_the_officers_of_annex_2_compete(book, rules):
    k = book.item(B)
    book.rows["报送"][-1]["第一撰稿人"] = "黄贺成"
    book.adopt(k, "市委办公室", "《工作交流》")
    r = book.score(rules)
    # 附件2 names 黄贺成 the officer of 人才综合处
    row = person(r, B, "黄贺成")
    assert row["role"] == OFFICER
    assert row["officer_rank"] == 1
    assert row["prize"] == "一等奖"


# ---- officer prizes: what ranks them (outcomes.officer_prizes.ranking) -----------------------


def chucai_vs_points(pbook: PeopleBook) -> None:
    """夏甜甜: two 《绍兴政务信息》（每日动态） -> 出彩 2 + 2 = 4, item points 5 + 5 = 10.
    罗洋: one 《工作交流》 -> 出彩 3, item points 50."""
    pbook.officers(
        {
            (C3, "夏甜甜"): [("市政府办公室", "《绍兴政务信息》（每日动态）")] * 2,
            (C, "罗洋"): [("市委办公室", "《工作交流》")],
        }
    )


def test_ranking_by_chucai_points_by_default(pbook, rules):
    chucai_vs_points(pbook)
    r = pbook.score(rules)
    # 出彩 4 > 3, although item points 10 < 50
    assert ranking(r) == ["夏甜甜", "罗洋"]


def test_ranking_by_item_points(pbook, rules_with):
    chucai_vs_points(pbook)
    r = pbook.score(rules_with("outcomes.officer_prizes.ranking.choice", "item_points"))
    # item points 50 > 10
    assert ranking(r) == ["罗洋", "夏甜甜"]


def test_chucai_tie_is_broken_by_item_points(pbook, rules):
    pbook.officers(
        {
            (C, "罗洋"): [("市委办公室", "《决策参考》")],
            (C2, "胡黎明"): [("市委办公室", "《工作交流》")],
        }
    )
    r = pbook.score(rules)
    # 出彩 3 each; item points 50 (胡黎明) > 40 (罗洋)
    assert ranking(r) == ["胡黎明", "罗洋"]


def test_item_points_tie_is_broken_by_chucai(pbook, rules_with):
    pbook.officers(
        {
            (C, "罗洋"): [("省政府办公厅", "《浙江政务信息（政务工作交流）》")],
            (C2, "胡黎明"): [("市委办公室", "《工作交流》")],
        }
    )
    # both 50 points; 出彩 4 (省政府办公厅) > 3 (市委办公室)
    r = pbook.score(rules_with("outcomes.officer_prizes.ranking.choice", "item_points"))
    assert person(r, C, "罗洋")["item_points"] == person(r, C2, "胡黎明")["item_points"]
    assert ranking(r) == ["罗洋", "胡黎明"]


@pytest.mark.parametrize("choice", ["chucai", "item_points"])
def test_full_tie_is_broken_by_name(pbook, rules_with, choice):
    names = {C: "罗洋", C2: "胡黎明", C3: "夏甜甜"}
    pbook.officers({(u, n): [("市委办公室", "《工作交流》")] for u, n in names.items()})
    r = pbook.score(rules_with("outcomes.officer_prizes.ranking.choice", choice))
    # 出彩 3 and item points 50 each: by name
    assert ranking(r) == sorted(names.values())


def test_one_first_two_second_three_third_prize(pbook, rules):
    # seven officers, the k-th with k adoptions of 《绍兴政务信息》（每日动态）: 出彩 2k
    units = [B, B2, C, C2, C3, D, D2]
    daily = ("市政府办公室", "《绍兴政务信息》（每日动态）")
    pbook.officers({(u, f"信息员{k}"): [daily] * k for k, u in enumerate(units, start=1)})
    r = pbook.score(rules)
    order = ranking(r)
    assert order == [f"信息员{k}" for k in range(7, 0, -1)]
    prizes = [person(r, unit, f"信息员{k}")["prize"] for k, unit in enumerate(units, start=1)]
    # 出彩 14, 12 | 10, 8 | 6, 4, 2: 1 first, 2 second, 3 third, the 7th nothing
    assert prizes[::-1] == ["一等奖", "二等奖", "二等奖", "三等奖", "三等奖", "三等奖", None]
