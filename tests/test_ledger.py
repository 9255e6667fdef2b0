"""The ledger reader: names, dates, shares, adoptions, file formats and the no-silent-drop rule."""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

import polars as pl
import pytest
import xlsxwriter
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kaohe.ledger.model import (
    ADOPTIONS,
    AWARDS,
    COMMISSIONS,
    ITEMS,
    PEOPLE,
    PLANS,
    PROBLEMS,
    SHARES,
    SHEETS,
    Ledger,
    LedgerError,
)
from kaohe.ledger.read import parse_ledger, read_ledger
from kaohe.rules.models import Rules, load_rules

Row = dict[str, Any]


@pytest.fixture(scope="module")
def rules() -> Rules:
    return load_rules()


def item(**kw: Any) -> Row:
    row: Row = {
        "信息编号": "S1",
        "标题": "关于人才工作的建议",
        "报送单位": "人才综合处",
        "报送日期": "2022-03-01",
        "信息类别": "建议问题",
    }
    row.update(kw)
    return row


def adoption(**kw: Any) -> Row:
    row: Row = {
        "信息编号": "S1",
        "录用单位": "市委办公室",
        "刊物": "《工作交流》",
        "录用日期": "2022-04-01",
    }
    row.update(kw)
    return row


def parse(
    rules: Rules, items: Sequence[Row], adoptions: Sequence[Row] = (), **sheets: Sequence[Row]
) -> Ledger:
    return parse_ledger({"报送": list(items), "录用": list(adoptions), **sheets}, rules)


def problems(ledger: Ledger, sheet: str | None = None, severity: str | None = None) -> list[Row]:
    p = ledger.problems
    if sheet is not None:
        p = p.filter(pl.col("sheet") == sheet)
    if severity is not None:
        p = p.filter(pl.col("severity") == severity)
    return p.to_dicts()


def pub_id(rules: Rules, agency: str, title: str) -> int:
    for i, p in enumerate(rules.publications.list):
        if p.agency == agency and p.title == title:
            return i
    raise KeyError((agency, title))


def assert_schemas(ledger: Ledger) -> None:
    for name, schema in [
        ("items", ITEMS),
        ("shares", SHARES),
        ("adoptions", ADOPTIONS),
        ("awards", AWARDS),
        ("commissions", COMMISSIONS),
        ("plans", PLANS),
        ("people", PEOPLE),
        ("problems", PROBLEMS),
    ]:
        assert dict(getattr(ledger, name).schema) == schema, name


# ---- names ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "canonical"),
    [
        ("社会保险事业管理服务中心", "社会保险事业管理中心"),
        ("信息管理中心", "信息中心"),
        ("机关党委", "政治处（机关党委）"),
        ("政治处", "政治处（机关党委）"),
        ("政治处(机关党委)", "政治处（机关党委）"),  # half-width brackets
        ("柯桥区人力社保局", "柯桥区"),
        ("柯桥区人社局", "柯桥区"),  # suffix handled generically, not only via aliases
        ("人才 综合处", "人才综合处"),  # inner whitespace
        ("人才处", "人才综合处"),
    ],
)
def test_unit_aliases_resolve(rules: Rules, written: str, canonical: str) -> None:
    ledger = parse(rules, [item(报送单位=written)])
    assert ledger.ok, ledger.problems
    assert ledger.items["unit"].to_list() == [canonical]


@pytest.mark.parametrize(
    ("agency", "written", "expected_agency", "expected_title"),
    [
        (
            "市政府办公室",
            "《绍兴政务信息》(每日动态)",
            "市政府办公室",
            "《绍兴政务信息》（每日动态）",
        ),
        ("市府办", "《绍兴政务信息》 （专报信息）", "市政府办公室", "《绍兴政务信息》（专报信息）"),
        ("省府办", "《浙江政务信息(专报信息)》", "省政府办公厅", "《浙江政务信息（专报信息）》"),
        ("市委办", "工作交流", "市委办公室", "《工作交流》"),  # without book-title marks
        ("省委办公厅", " 《专报》 ", "省委办公厅", "《专报》"),
        ("中办", "《专 报》", "中央办公厅", "《专报》"),
        ("局本级", "局网站", "局本级", "绍兴人社门户网站"),  # publication alias
    ],
)
def test_publication_titles_match_brackets_and_whitespace(
    rules: Rules, agency: str, written: str, expected_agency: str, expected_title: str
) -> None:
    form = "通讯" if expected_agency == "局本级" else None
    ledger = parse(rules, [item()], [adoption(录用单位=agency, 刊物=written, 录用方式=form)])
    assert ledger.ok, ledger.problems
    row = ledger.adoptions.row(0, named=True)
    assert row["agency"] == expected_agency
    assert row["publication_id"] == pub_id(rules, expected_agency, expected_title)


def test_unknown_unit_is_an_error_with_the_nearest_name(rules: Rules) -> None:
    ledger = parse(rules, [item(报送单位="人才综合科")])
    assert not ledger.ok
    assert ledger.items.height == 0  # the row is reported, not scored
    [p] = problems(ledger, "报送")
    assert (p["row"], p["column"], p["value"]) == (2, "报送单位", "人才综合科")
    assert "人才综合处" in p["suggestion"]


def test_unknown_title_of_the_agency_names_the_nearest_title(rules: Rules) -> None:
    ledger = parse(rules, [item()], [adoption(刊物="《工作交留》")])
    [p] = problems(ledger, "录用")
    assert p["column"] == "刊物"
    assert "《工作交流》" in p["suggestion"]


def test_a_cell_naming_two_titles_is_an_error(rules: Rules) -> None:
    ledger = parse(
        rules, [item()], [adoption(录用单位="中央办公厅", 刊物="《工作情况交流》《专报》")]
    )
    [p] = problems(ledger, "录用")
    assert p["column"] == "刊物" and p["severity"] == "error"
    assert "《工作情况交流》" in p["suggestion"] and "《专报》" in p["suggestion"]
    assert ledger.adoptions.height == 0


def test_unknown_item_kind_suggests_a_label(rules: Rules) -> None:
    ledger = parse(rules, [item(信息类别="建议类信息x")])
    [p] = problems(ledger, "报送")
    assert p["column"] == "信息类别" and "建议问题" in p["suggestion"]


def test_item_kind_aliases(rules: Rules) -> None:
    ledger = parse(
        rules,
        [
            item(信息编号="A", 信息类别="综合信息"),
            item(信息编号="B", 信息类别="建议问题类"),
            item(信息编号="C", 信息类别="调研"),
        ],
    )
    assert ledger.items["kind"].to_list() == ["general", "suggestion", "research"]


def test_person_names_lose_their_whitespace(rules: Rules) -> None:
    ledger = parse(
        rules,
        [item(第一撰稿人="陈  琴", 其他撰稿人="张 三、李四，王五;赵六；")],
        信息员=[{"单位": "财务处", "姓名": "陈\u3000琴"}],
    )
    assert ledger.ok, ledger.problems
    row = ledger.items.row(0, named=True)
    assert row["first_writer"] == "陈琴"
    assert row["other_writers"] == ["张三", "李四", "王五", "赵六"]
    person = ledger.people.row(0, named=True)
    assert (person["unit"], person["name"], person["role"], person["young"]) == (
        "财务与社保基金监督处",
        "陈琴",
        "撰稿人",
        False,
    )


# ---- dates ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "written",
    ["2022-03-01", "2022/03/01", "2022-3-1", "2022/3/1", date(2022, 3, 1), datetime(2022, 3, 1)],
)
def test_dates_accepted(rules: Rules, written: Any) -> None:
    ledger = parse(rules, [item(报送日期=written)])
    assert ledger.ok, ledger.problems
    assert ledger.items["submitted"].to_list() == [date(2022, 3, 1)]


@pytest.mark.parametrize("written", ["2022年3月1日", "2022-02-30", "03/01/2022", "44621", "明天"])
def test_bad_dates_are_errors(rules: Rules, written: str) -> None:
    ledger = parse(rules, [item(报送日期=written)])
    [p] = problems(ledger, "报送")
    assert (p["severity"], p["row"], p["column"], p["value"]) == ("error", 2, "报送日期", written)
    assert "YYYY-MM-DD" in p["suggestion"]


def test_adoption_before_submission_is_an_error(rules: Rules) -> None:
    ledger = parse(rules, [item(报送日期="2022-03-10")], [adoption(录用日期="2022-03-09")])
    [p] = problems(ledger, "录用")
    assert (p["severity"], p["column"]) == ("error", "录用日期")
    assert "2022-03-10" in p["reason"]


def test_events_outside_the_period_are_warnings_and_kept(rules: Rules) -> None:
    # period 2021-12-01..2022-11-30: the item is submitted in the year, adopted after it
    ledger = parse(
        rules,
        [item(报送日期="2022-11-30"), item(信息编号="S0", 报送日期="2021-11-30")],
        [adoption(录用日期="2022-12-01")],
        好信息=[{"信息编号": "S1", "评选": "季度好信息", "评选日期": "2022-12-20"}],
        约稿=[{"约稿编号": "Y1", "单位": "人才处", "下达方": "局办", "截止日期": "2022-12-31"}],
    )
    assert ledger.ok
    warnings = {(p["sheet"], p["row"], p["column"]) for p in problems(ledger, severity="warning")}
    assert warnings == {
        ("报送", 3, "报送日期"),
        ("录用", 2, "录用日期"),
        ("好信息", 2, "评选日期"),
        ("约稿", 2, "截止日期"),
    }
    assert ledger.items.height == 2
    assert ledger.adoptions.height == ledger.awards.height == ledger.commissions.height == 1
    assert ledger.awards["award"].to_list() == ["市委办市府办季度好信息"]
    assert ledger.commissions["issuer"].to_list() == ["局办公室"]


# ---- sheets and columns ----------------------------------------------------------------------


def test_missing_required_sheet(rules: Rules) -> None:
    ledger = parse_ledger({"报送": [item()]}, rules)
    [p] = problems(ledger)
    assert (p["severity"], p["sheet"], p["row"]) == ("error", "录用", None)
    assert ledger.items.height == 1
    assert_schemas(ledger)  # absent sheets give empty tables of the right types


def test_missing_required_column_names_the_sheet_and_column(rules: Rules) -> None:
    rows = [{k: v for k, v in item().items() if k != "报送日期"}]
    ledger = parse(rules, rows)
    sheet_level = [p for p in problems(ledger) if p["row"] is None]
    assert [(p["sheet"], p["column"]) for p in sheet_level] == [("报送", "报送日期")]
    # that one error names the whole sheet: no row of it is scored, and no row repeats it
    assert [p["row"] for p in problems(ledger, "报送")] == [None]
    assert ledger.items.height == 0


def test_extra_columns_are_ignored_and_headers_may_carry_a_star(rules: Rules) -> None:
    row = {("信息编号*" if k == "信息编号" else k): v for k, v in item().items()}
    ledger = parse(rules, [{**row, "备注": "随便写"}])
    assert ledger.ok, ledger.problems
    assert ledger.items["item_id"].to_list() == ["S1"]


def test_a_row_with_text_only_in_an_extra_column_is_not_empty(rules: Rules) -> None:
    ledger = parse(rules, [item(), {"备注": "漏填了"}])
    found = problems(ledger, "报送")
    # reported as a row whose five required cells are blank, not skipped as empty
    assert [(p["severity"], p["row"], p["reason"]) for p in found] == [
        ("error", 3, "必填项为空")
    ] * 5


def test_blank_required_cell(rules: Rules) -> None:
    ledger = parse(rules, [item(标题="  ")])
    [p] = problems(ledger, "报送")
    assert (p["row"], p["column"], p["reason"]) == (2, "标题", "必填项为空")


def test_empty_rows_are_reported_not_dropped(rules: Rules) -> None:
    ledger = parse(rules, [item(), {}, item(信息编号="S2")])
    [p] = problems(ledger, "报送")
    assert (p["severity"], p["row"]) == ("warning", 3)
    assert ledger.items["row"].to_list() == [2, 4]


def test_duplicate_item_id_is_an_error_on_the_later_row(rules: Rules) -> None:
    ledger = parse(rules, [item(), item(标题="另一条")])
    [p] = problems(ledger, "报送")
    assert (p["row"], p["column"]) == (3, "信息编号")
    assert "第2行" in p["reason"]
    assert ledger.items["row"].to_list() == [2]


def test_formula_looking_text_is_kept_verbatim(rules: Rules) -> None:
    titles = ["=SUM(A1:A3)", '=HYPERLINK("http://x","y")', "+86 人才", "-1", "@everyone"]
    ledger = parse(rules, [item(信息编号=f"S{i}", 标题=t) for i, t in enumerate(titles)])
    assert ledger.ok, ledger.problems
    assert ledger.items["title"].to_list() == titles


# ---- shares ----------------------------------------------------------------------------------


def shares_of(ledger: Ledger) -> list[tuple[str, int, bool]]:
    return [(r["unit"], r["share"], r["lead"]) for r in ledger.shares.iter_rows(named=True)]


def test_shares_lead_keeps_the_rest(rules: Rules) -> None:
    # shares 0.3 + 0.2, the lead keeps 0.5
    ledger = parse(rules, [item(报送单位="就业处", 协作单位="人才综合处:0.3；社会保险处：20%")])
    assert ledger.ok, ledger.problems
    assert shares_of(ledger) == [
        ("就业促进和失业保险处", 50, True),
        ("人才综合处", 30, False),
        ("社会保险处", 20, False),
    ]


def test_shares_follow_the_sheet_lead_first(rules: Rules) -> None:
    ledger = parse(
        rules,
        [
            item(信息编号="A", 报送单位="就业处"),
            item(信息编号="B", 报送单位="就业处", 协作单位="专技处:0.25、社保处:0.05"),
            item(信息编号="C", 报送单位="社保处"),
            item(信息编号="D", 报送单位="社保处", 协作单位="人才处:10%"),
        ],
    )
    assert ledger.ok, ledger.problems
    assert [(r["item_id"], r["share"], r["lead"], r["row"]) for r in ledger.shares.to_dicts()] == [
        ("A", 100, True, 2),
        ("B", 70, True, 3),
        ("B", 25, False, 3),
        ("B", 5, False, 3),
        ("C", 100, True, 4),
        ("D", 90, True, 5),
        ("D", 10, False, 5),
    ]


def test_every_item_has_a_lead_share(rules: Rules) -> None:
    ledger = parse(rules, [item(), item(信息编号="S2", 报送单位="柯桥区")])
    assert shares_of(ledger) == [("人才综合处", 100, True), ("柯桥区", 100, True)]


def test_shares_exactly_one_leave_the_lead_nothing(rules: Rules) -> None:
    ledger = parse(rules, [item(协作单位="社保处:0.5,\n专技处:0.5")])
    assert ledger.ok, ledger.problems
    assert shares_of(ledger)[0] == ("人才综合处", 0, True)


def test_shares_above_one_are_an_error(rules: Rules) -> None:
    ledger = parse(rules, [item(协作单位="社保处:0.7；专技处:0.4")])
    [p] = problems(ledger, "报送")
    assert (p["column"], p["value"]) == ("协作单位", "社保处:0.7；专技处:0.4")
    assert "1.1" in p["reason"]
    assert ledger.items.height == 0 and ledger.shares.height == 0


def test_share_with_three_decimals_is_an_error_suggesting_hundredths(rules: Rules) -> None:
    ledger = parse(rules, [item(协作单位="社保处:0.333")])
    [p] = problems(ledger, "报送")
    assert p["column"] == "协作单位" and "0.33" in p["suggestion"]


@pytest.mark.parametrize(
    ("cell", "fragment"),
    [
        ("柯桥区:0.3", "区县"),  # a district among contributors
        ("人才综合处:0.3", "牵头单位"),  # the lead among contributors
        ("社保处:0.1；社会保险处:0.2", "重复"),  # one unit twice (alias and name)
        ("社保处:0", "大于0"),
        ("社保处 0.3", "格式"),
        ("社保处:三成", "份额"),
        ("社保科:0.3", "未知"),
    ],
)
def test_bad_contributors_are_errors(rules: Rules, cell: str, fragment: str) -> None:
    ledger = parse(rules, [item(协作单位=cell)])
    found = problems(ledger, "报送", "error")
    assert found, cell
    assert any(fragment in p["reason"] for p in found), found
    assert all(p["value"] == cell for p in found)
    assert ledger.items.height == 0


def test_contributors_on_a_district_item_are_an_error(rules: Rules) -> None:
    ledger = parse(rules, [item(报送单位="柯桥区人力社保局", 协作单位="人才综合处:0.3")])
    [p] = problems(ledger, "报送")
    assert "区县" in p["reason"]


# ---- adoptions -------------------------------------------------------------------------------


def test_defaults_of_an_adoption(rules: Rules) -> None:
    ledger = parse(rules, [item()], [adoption()])
    row = ledger.adoptions.row(0, named=True)
    assert (row["form"], row["examples"], row["instruction"]) == ("全文录用", 1, False)


def test_form_is_required_for_guoban(rules: Rules) -> None:
    ledger = parse(rules, [item()], [adoption(录用单位="国务院办公厅", 刊物="国办录用")])
    [p] = problems(ledger, "录用")
    assert (p["column"], p["severity"]) == ("录用方式", "error")
    assert "全文录用" in p["suggestion"] and "采纳例子观点" in p["suggestion"]


def test_form_must_be_one_of_the_publication_forms(rules: Rules) -> None:
    ledger = parse(
        rules,
        [item()],
        [
            adoption(刊物="《绍兴信息（每日动态）》", 录用方式="全文录用"),
            adoption(刊物="《绍兴信息（每日动态）》", 录用方式="简讯", 录用日期="2022-05-01"),
            adoption(录用单位="国办", 刊物="国办录用", 录用方式="采纳例子观点", 采纳数="2"),
        ],
    )
    [p] = problems(ledger, "录用")
    assert (p["row"], p["column"]) == (2, "录用方式")
    assert "通讯" in p["suggestion"] and "简讯" in p["suggestion"]
    assert ledger.adoptions["form"].to_list() == ["简讯", "采纳例子观点"]
    assert ledger.adoptions["examples"].to_list() == [1, 2]


@pytest.mark.parametrize(
    ("column", "value"),
    [("录用方式", "全文"), ("采纳数", "0"), ("采纳数", "1.5"), ("领导批示", "有")],
)
def test_bad_adoption_cells(rules: Rules, column: str, value: str) -> None:
    ledger = parse(rules, [item()], [adoption(**{column: value})])
    [p] = problems(ledger, "录用")
    assert (p["column"], p["value"], p["severity"]) == (column, value, "error")


def test_adoption_of_an_unknown_item(rules: Rules) -> None:
    ledger = parse(rules, [item()], [adoption(信息编号="S404")])
    [p] = problems(ledger, "录用")
    assert (p["column"], p["value"]) == ("信息编号", "S404")


def test_duplicate_adoption_counts_once_at_the_earlier_date(rules: Rules) -> None:
    # a blank form is the default 全文录用, so these two rows are the same adoption
    ledger = parse(
        rules,
        [item()],
        [adoption(录用日期="2022-04-05"), adoption(录用日期="2022-04-01", 录用方式="全文录用")],
    )
    assert ledger.ok
    [p] = problems(ledger, "录用")
    assert (p["severity"], p["row"]) == ("warning", 2)
    assert "只计一次" in p["reason"]
    assert ledger.adoptions["row"].to_list() == [3]


def test_duplicate_adoptions_that_disagree_are_errors_on_both_rows(rules: Rules) -> None:
    ledger = parse(rules, [item()], [adoption(领导批示="是"), adoption(领导批示="否")])
    found = problems(ledger, "录用", "error")
    assert sorted(p["row"] for p in found) == [2, 3]
    assert all("请核实" in p["suggestion"] for p in found)
    assert ledger.adoptions.height == 0


def test_same_publication_under_two_forms_is_kept_for_the_scorer(rules: Rules) -> None:
    ledger = parse(
        rules,
        [item()],
        [
            adoption(录用单位="国办", 刊物="国办录用", 录用方式="全文录用"),
            adoption(录用单位="国办", 刊物="国办录用", 录用方式="组稿录用"),
        ],
    )
    assert ledger.ok and ledger.problems.height == 0
    assert ledger.adoptions.height == 2


# ---- commissions, plans, people ------------------------------------------------------------


def test_commission_checks(rules: Rules) -> None:
    commission = {
        "约稿编号": "Y1",
        "单位": "人才处",
        "下达方": "市委办公室",
        "截止日期": "2022-06-30",
    }
    ledger = parse(
        rules,
        [item(约稿编号="Y1"), item(信息编号="S2", 约稿编号="Y2")],
        约稿=[commission, {**commission, "下达方": "市委"}],
    )
    found = {(p["sheet"], p["row"], p["column"]) for p in problems(ledger, severity="error")}
    assert found == {("报送", 3, "约稿编号"), ("约稿", 3, "约稿编号"), ("约稿", 3, "下达方")}
    row = ledger.commissions.row(0, named=True)
    assert (row["issuer"], row["unit"], row["delivered"]) == ("市委办", "人才综合处", None)


def test_plans(rules: Rules) -> None:
    plan = {"单位": "人才处", "月份": "2022-03", "报送要点": "人才新政", "拟报送刊物": "市专报"}
    ledger = parse(
        rules,
        [item()],
        月度计划=[
            plan,
            {**plan, "月份": date(2022, 4, 1), "序号": 2, "联系人": "陈 琴", "信息编号": "S1"},
            {**plan, "月份": "2022-13"},
            {**plan, "拟报送刊物": "省级专报"},
            {**plan, "信息编号": "S9"},
        ],
    )
    found = [(p["row"], p["column"]) for p in problems(ledger, "月度计划")]
    assert found == [(4, "月份"), (5, "拟报送刊物"), (6, "信息编号")]
    assert ledger.plans["month"].to_list() == ["2022-03", "2022-04"]
    assert ledger.plans["contact"].to_list() == [None, "陈琴"]


def test_people_roles(rules: Rules) -> None:
    person = {"单位": "人才处", "姓名": "黄贺成"}
    ledger = parse(
        rules,
        [item()],
        信息员=[
            {**person, "角色": "信息员", "年轻干部": "是"},
            {**person, "角色": "处长"},
            {**person, "年轻干部": "也许"},
        ],
    )
    assert [(p["row"], p["column"]) for p in problems(ledger, "信息员")] == [
        (3, "角色"),
        (4, "年轻干部"),
    ]
    assert ledger.people.select("role", "young").rows() == [("信息员", True)]


# ---- files -----------------------------------------------------------------------------------

FILE_SHEETS: dict[str, list[Row]] = {
    "报送": [
        item(报送日期=date(2022, 3, 1), 协作单位="社保处:0.3", 第一撰稿人="陈  琴"),
        item(信息编号="S2", 标题="=SUM(A1)", 报送日期=date(2022, 3, 2), 信息类别="综合"),
        item(信息编号="S3", 报送单位="人才综合科", 报送日期="2022-3-5"),
        item(信息编号="101", 报送日期=date(2022, 12, 2), 报送单位="柯桥区人力社保局"),
    ],
    "录用": [
        adoption(录用日期=date(2022, 4, 1), 领导批示="是"),
        adoption(录用日期=date(2022, 4, 2), 领导批示="是"),  # a duplicate, counted once
        adoption(
            信息编号="S2", 录用单位="国办", 刊物="国办录用", 录用方式="采纳例子观点", 采纳数=3
        ),
        adoption(信息编号="S2", 刊物="《专包》", 录用日期="2022/04/03"),
    ],
    "好信息": [{"信息编号": "S1", "评选": "季度好信息", "评选日期": date(2022, 5, 1)}],
    "约稿": [
        {
            "约稿编号": "Y1",
            "单位": "人才处",
            "下达方": "局办公室",
            "下达日期": date(2022, 3, 1),
            "截止日期": date(2022, 3, 31),
        }
    ],
    "月度计划": [{"单位": "人才处", "月份": "2022-03", "序号": 1, "报送要点": "人才新政"}],
    "信息员": [{"单位": "人才处", "姓名": "黄 贺成", "角色": "信息员", "年轻干部": "否"}],
}


def write_xlsx(path: Path, sheets: Mapping[str, list[Row]]) -> None:
    workbook = xlsxwriter.Workbook(str(path))
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
    for name, rows in sheets.items():
        sheet = workbook.add_worksheet(name)
        headers = list(SHEETS[name])
        for c, h in enumerate(headers):
            sheet.write_string(0, c, h)
        for r, row in enumerate(rows, start=1):
            for c, h in enumerate(headers):
                v = row.get(h)
                if isinstance(v, date):
                    sheet.write_datetime(r, c, datetime(v.year, v.month, v.day), date_format)
                elif isinstance(v, int):
                    sheet.write_number(r, c, v)
                elif v is not None:
                    sheet.write_string(r, c, v)  # never a formula, even for "=SUM(A1)"
    workbook.close()


def write_csv_folder(folder: Path, sheets: Mapping[str, list[Row]]) -> None:
    folder.mkdir()
    for name, rows in sheets.items():
        headers = list(SHEETS[name])
        with (folder / f"{name}.csv").open("w", encoding="utf-8", newline="") as f:
            w = csv.writer(f)
            w.writerow(headers)
            for row in rows:
                w.writerow(["" if row.get(h) is None else str(row.get(h)) for h in headers])


def tables(ledger: Ledger) -> dict[str, pl.DataFrame]:
    names = ["items", "shares", "adoptions", "awards", "commissions", "plans", "people"]
    return {n: getattr(ledger, n) for n in names} | {"problems": ledger.problems}


def test_xlsx_and_csv_folder_read_the_same(rules: Rules, tmp_path: Path) -> None:
    xlsx = tmp_path / "台账.xlsx"
    write_xlsx(xlsx, FILE_SHEETS)
    folder = tmp_path / "台账"
    write_csv_folder(folder, FILE_SHEETS)
    from_xlsx = read_ledger(xlsx, rules)
    from_csv = read_ledger(folder, rules)
    in_memory = parse_ledger(FILE_SHEETS, rules)
    for name, frame in tables(from_xlsx).items():
        assert frame.equals(tables(from_csv)[name]), name
        assert frame.equals(tables(in_memory)[name]), name
    assert_schemas(from_xlsx)
    # the fixture mixes good and bad rows on purpose
    assert from_xlsx.items["item_id"].to_list() == ["S1", "S2", "101"]
    assert from_xlsx.items["title"].to_list()[1] == "=SUM(A1)"
    assert from_xlsx.errors.height == 2
    assert from_xlsx.source == str(xlsx)
    assert from_xlsx.fingerprint == hashlib.sha256(xlsx.read_bytes()).hexdigest()
    assert from_xlsx.rows_read == {
        "报送": 4,
        "录用": 4,
        "好信息": 1,
        "约稿": 1,
        "月度计划": 1,
        "信息员": 1,
    }
    assert from_csv.rows_read == from_xlsx.rows_read
    assert len(from_csv.fingerprint) == 64 and from_csv.fingerprint != from_xlsx.fingerprint


def test_cells_with_surrounding_blanks_read_as_without_them(rules: Rules, tmp_path: Path) -> None:
    """Every cell of the long sheets padded with blanks (spaces, a tab, a full-width space)
    reads as the cell without them, from a CSV folder and a workbook: in the columns stripped
    as a file is read and in those whose few distinct texts are looked at once each
    (报送单位, 刊物, 录用日期…); a cell of blanks only is blank."""
    pads = [(" ", "  "), ("\u3000", ""), ("\t", " "), ("", "\u3000")]
    padded: dict[str, list[Row]] = {}
    for name, rows in FILE_SHEETS.items():
        if name not in ("报送", "录用"):
            padded[name] = rows
            continue
        padded[name] = [
            {
                h: None if v is None else "{1}{0}{2}".format(v, *pads[(i + j) % 4])
                for j, (h, v) in enumerate({h: row.get(h) for h in SHEETS[name]}.items())
            }
            for i, row in enumerate(rows)
        ]
    # an optional column of few values left blank, written as blanks only
    padded["录用"][0]["录用方式"] = "  "
    assert FILE_SHEETS["录用"][0].get("录用方式") is None
    clean = read_ledger(_written(tmp_path / "clean", FILE_SHEETS), rules)
    for path in (_written(tmp_path / "padded", padded), tmp_path / "padded.xlsx"):
        if path.suffix == ".xlsx":
            write_xlsx(path, padded)
        ledger = read_ledger(path, rules)
        for name, frame in tables(clean).items():
            assert frame.equals(tables(ledger)[name]), (path.name, name)


def _written(folder: Path, sheets: Mapping[str, list[Row]]) -> Path:
    write_csv_folder(folder, sheets)
    return folder


def test_csv_folder_fingerprint_follows_the_files(rules: Rules, tmp_path: Path) -> None:
    folder = tmp_path / "台账"
    write_csv_folder(folder, FILE_SHEETS)
    before = read_ledger(folder, rules).fingerprint
    assert read_ledger(folder, rules).fingerprint == before
    (folder / "好信息.csv").write_text("信息编号,评选,评选日期\n", encoding="utf-8")
    assert read_ledger(folder, rules).fingerprint != before


def test_xlsx_rows_keep_spreadsheet_numbers(rules: Rules, tmp_path: Path) -> None:
    path = tmp_path / "t.xlsx"
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet("报送")
    headers = list(SHEETS["报送"])
    sheet.write_row(1, 0, headers)  # row 1 left empty: the header is on spreadsheet row 2
    sheet.write_row(2, 0, list(item().values()))
    sheet.write_row(4, 0, list(item(信息编号="S2", 报送单位="人事处").values()))  # row 4 empty
    workbook.add_worksheet("录用").write_row(0, 0, list(SHEETS["录用"]))
    workbook.close()
    ledger = read_ledger(path, rules)
    assert ledger.items["row"].to_list() == [3]
    assert [(p["row"], p["severity"]) for p in problems(ledger, "报送")] == [
        (4, "warning"),
        (5, "error"),
    ]


def test_a_title_row_above_the_header(rules: Rules, tmp_path: Path) -> None:
    path = tmp_path / "t.xlsx"
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet("报送")
    sheet.write_string(0, 0, "2022年度信息工作台账")
    sheet.write_row(1, 0, list(SHEETS["报送"]))
    sheet.write_row(2, 0, list(item().values()))
    workbook.add_worksheet("录用").write_row(0, 0, list(SHEETS["录用"]))
    workbook.close()
    ledger = read_ledger(path, rules)
    assert ledger.ok, ledger.problems
    assert ledger.items["row"].to_list() == [3]


def test_a_single_csv_file_is_not_a_ledger(rules: Rules, tmp_path: Path) -> None:
    path = tmp_path / "报送.csv"
    path.write_text("信息编号\n", encoding="utf-8")
    with pytest.raises(LedgerError) as err:
        read_ledger(path, rules)
    assert "文件夹" in err.value.problems["suggestion"][0]


def test_missing_path_raises_ledger_error(rules: Rules, tmp_path: Path) -> None:
    with pytest.raises(LedgerError) as err:
        read_ledger(tmp_path / "nowhere.xlsx", rules)
    assert err.value.problems.height == 1
    assert "找不到" in err.value.problems["reason"][0]


def test_unreadable_workbook_raises_ledger_error(rules: Rules, tmp_path: Path) -> None:
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"not a workbook")
    with pytest.raises(LedgerError) as err:
        read_ledger(path, rules)
    assert err.value.problems.height == 1


def test_csv_in_gbk_is_read_as_excel_meant_it(rules: Rules, tmp_path: Path) -> None:
    # Excel's “CSV（逗号分隔）” on a Chinese Windows writes GBK: read, not refused
    folder = tmp_path / "gbk"
    write_csv_folder(folder, FILE_SHEETS)
    for f in folder.iterdir():
        f.write_bytes(f.read_text(encoding="utf-8").encode("gbk"))
    from_gbk = read_ledger(folder, rules)
    in_memory = parse_ledger(FILE_SHEETS, rules)
    for name, frame in tables(from_gbk).items():
        assert frame.equals(tables(in_memory)[name]), name
    # the fingerprint is of the files' bytes as they are (GBK), not of the text read from them
    digest = hashlib.sha256()
    for f in sorted(folder.iterdir()):
        digest.update(
            f.name.encode() + b"\0" + hashlib.sha256(f.read_bytes()).hexdigest().encode() + b"\n"
        )
    assert from_gbk.fingerprint == digest.hexdigest()


def test_csv_in_neither_utf8_nor_gbk_raises_ledger_error(rules: Rules, tmp_path: Path) -> None:
    folder = tmp_path / "bad"
    folder.mkdir()
    (folder / "报送.csv").write_bytes("信息编号,标题\nS1,人才\n".encode() + b"\xff\xff\xff\n")
    with pytest.raises(LedgerError) as err:
        read_ledger(folder, rules)
    [p] = err.value.problems.to_dicts()
    assert p["reason"] == "报送.csv 不是 UTF-8 编码，也不是 GBK 编码（第 3 行起无法读取）"
    assert "CSV UTF-8（逗号分隔）" in p["suggestion"]


def test_polars_frames_with_typed_columns(rules: Rules) -> None:
    items = pl.DataFrame([item(报送日期=date(2022, 3, 1))])
    adoptions = pl.DataFrame([adoption(录用日期=date(2022, 4, 1), 采纳数=2)])
    ledger = parse_ledger({"报送": items, "录用": adoptions}, rules)
    assert ledger.ok, ledger.problems
    assert ledger.adoptions["examples"].to_list() == [2]


# ---- nothing dropped silently ----------------------------------------------------------------

UNITS = ["人才综合处", "人才处", "柯桥区人力社保局", "社保中心", "人才综合科", None, "  "]
DATES = ["2022-03-01", "2022/4/2", date(2022, 5, 3), "2022-13-01", "2021-11-30", "2023-01-05", None]
IDS = ["S1", "S2", "S3", "S4", None]
SHARE_CELLS = [
    None,
    "社保处:0.3",
    "社保处:0.3；专技处:0.2",
    "社保处:0.7,专技处:0.7",
    "柯桥区:0.1",
    "社保处:0.333",
    "人才综合处:0.5",
    "乱写",
]
AGENCIES = ["市委办", "国办", "省府办", "中办", "局本级", "市委", None]
TITLES = [
    "《工作交流》",
    "国办录用",
    "《浙江政务信息（专报信息）》",
    "《专报》",
    "局网站",
    "《专包》",
    None,
]
FORMS = [None, "全文录用", "组稿录用", "采纳例子观点", "通讯", "简讯", "全文"]

GOOD_PUBLICATIONS = [
    ("市委办", "《工作交流》", None),
    ("国办", "国办录用", "组稿录用"),
    ("省府办", "《浙江政务信息（专报信息）》", "采纳例子观点"),
    ("局本级", "局网站", "通讯"),
    ("市委办公室", "《绍兴信息（每日动态）》", "简讯"),
]

# rows that are mostly right and rows that are mostly wrong, mixed
good_items = st.fixed_dictionaries(
    {
        "信息编号": st.sampled_from(IDS[:-1]),
        "标题": st.just("标题"),
        "报送单位": st.sampled_from(UNITS[:4]),
        "报送日期": st.sampled_from(DATES[:3]),
        "信息类别": st.sampled_from(["综合", "建议问题", "调研"]),
        "协作单位": st.sampled_from(SHARE_CELLS[:3]),
    }
)
messy_items = st.fixed_dictionaries(
    {
        "信息编号": st.sampled_from(IDS),
        "标题": st.sampled_from(["标题", "=1+1", None]),
        "报送单位": st.sampled_from(UNITS),
        "报送日期": st.sampled_from(DATES),
        "信息类别": st.sampled_from(["综合", "建议问题", "调研", "其他", None]),
        "协作单位": st.sampled_from(SHARE_CELLS),
        "约稿编号": st.sampled_from([None, "Y1", "Y9"]),
    }
)
item_rows = good_items | messy_items | st.just({})
good_adoptions = st.builds(
    lambda item_id, pub, examples, instruction: {
        "信息编号": item_id,
        "录用单位": pub[0],
        "刊物": pub[1],
        "录用方式": pub[2],
        "录用日期": "2022-10-01",
        "采纳数": examples,
        "领导批示": instruction,
    },
    st.sampled_from(IDS[:-1]),
    st.sampled_from(GOOD_PUBLICATIONS),
    st.sampled_from([None, "2"]),
    st.sampled_from([None, "是"]),
)
messy_adoptions = st.fixed_dictionaries(
    {
        "信息编号": st.sampled_from([*IDS, "S404"]),
        "录用单位": st.sampled_from(AGENCIES),
        "刊物": st.sampled_from(TITLES),
        "录用日期": st.sampled_from(DATES),
        "录用方式": st.sampled_from(FORMS),
        "采纳数": st.sampled_from([None, "1", "2", "0", "x"]),
        "领导批示": st.sampled_from([None, "是", "否", "有"]),
    }
)
adoption_rows = good_adoptions | messy_adoptions
award_rows = st.fixed_dictionaries(
    {
        "信息编号": st.sampled_from([*IDS, "S404"]),
        "评选": st.sampled_from(["季度好信息", "局办公室年度好信息", "最佳", None]),
        "评选日期": st.sampled_from(DATES),
    }
)
commission_rows = st.fixed_dictionaries(
    {
        "约稿编号": st.sampled_from(["Y1", "Y2", None]),
        "单位": st.sampled_from(UNITS),
        "下达方": st.sampled_from(["局办", "国办", "某办", None]),
        "截止日期": st.sampled_from(DATES),
        "完成日期": st.sampled_from(DATES),
    }
)
plan_rows = st.fixed_dictionaries(
    {
        "单位": st.sampled_from(UNITS),
        "月份": st.sampled_from(["2022-03", "2022-3", "2022-13", "三月", None, date(2022, 5, 1)]),
        "序号": st.sampled_from([None, 1, "x"]),
        "报送要点": st.sampled_from(["要点", None]),
        "拟报送刊物": st.sampled_from([None, "市专报", "国刊"]),
        "信息编号": st.sampled_from([None, "S1", "S404"]),
    }
)
people_rows = st.fixed_dictionaries(
    {
        "单位": st.sampled_from(UNITS),
        "姓名": st.sampled_from(["陈  琴", "李四", None]),
        "角色": st.sampled_from([None, "信息员", "撰稿人", "处长"]),
        "年轻干部": st.sampled_from([None, "是", "否", "不"]),
        "起始日期": st.sampled_from(DATES),
        "终止日期": st.sampled_from(DATES),
    }
)

CLEAN_TABLE = {
    "报送": "items",
    "录用": "adoptions",
    "好信息": "awards",
    "约稿": "commissions",
    "月度计划": "plans",
    "信息员": "people",
}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    items=st.lists(item_rows, max_size=8),
    adoptions=st.lists(adoption_rows, max_size=8),
    awards=st.lists(award_rows, max_size=3),
    commissions=st.lists(commission_rows, max_size=3),
    plans=st.lists(plan_rows, max_size=3),
    people=st.lists(people_rows, max_size=3),
)
def test_every_row_is_scored_or_reported(
    rules: Rules,
    items: list[Row],
    adoptions: list[Row],
    awards: list[Row],
    commissions: list[Row],
    plans: list[Row],
    people: list[Row],
) -> None:
    sheets = {
        "报送": items,
        "录用": adoptions,
        "好信息": awards,
        "约稿": commissions,
        "月度计划": plans,
        "信息员": people,
    }
    ledger = parse_ledger(sheets, rules)
    assert_schemas(ledger)
    for sheet, rows in sheets.items():
        clean = set(getattr(ledger, CLEAN_TABLE[sheet])["row"].to_list())
        named = problems(ledger, sheet)
        reported = {p["row"] for p in named}
        errors = {p["row"] for p in named if p["severity"] == "error"}
        for row in range(2, len(rows) + 2):
            assert row in clean or row in reported, (sheet, row, rows[row - 2])
        assert not clean & errors, sheet  # a row with an error is never scored
        assert rows or not reported - {None}
    # every clean item has a lead, and the shares of an item sum to 100
    sums = ledger.shares.group_by("item_id").agg(pl.col("share").sum(), pl.col("lead").sum())
    assert sums.height == ledger.items.height
    assert set(sums["share"].to_list()) <= {100}
    assert set(sums["lead"].to_list()) <= {1}
