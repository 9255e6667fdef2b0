"""The ledger reader never lets anything wrong pass silently (issue 8).

Each test builds the broken workbook or CSV folder (tests/broken.py) and asserts the problem the
office sees: severity, sheet, row, column, value, reason and fix.
"""

from __future__ import annotations

import zipfile
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from broken import (
    Book,
    add_column,
    compound_file,
    copy_book,
    csv_bytes,
    good_book,
    rename_header,
    set_cell,
    write_csv_folder,
    write_xlsx,
)

from kaohe.ledger.model import Ledger, LedgerError
from kaohe.ledger.read import parse_ledger, read_ledger
from kaohe.rules.models import Rules, load_rules

Problem = dict[str, Any]


@pytest.fixture(scope="module")
def rules() -> Rules:
    return load_rules()


def read(rules: Rules, tmp_path: Path, book: Book, fmt: str = "csv", **kw: Any) -> Ledger:
    tmp_path.mkdir(parents=True, exist_ok=True)
    if fmt == "xlsx":
        return read_ledger(write_xlsx(tmp_path / "台账.xlsx", book, **kw), rules)
    return read_ledger(write_csv_folder(tmp_path / "台账", book, **kw), rules)


def problems(ledger: Ledger) -> list[Problem]:
    return ledger.problems.to_dicts()


def where(p: Problem) -> tuple[Any, ...]:
    return (p["severity"], p["sheet"], p["row"], p["column"], p["value"])


def refused(path: Path, rules: Rules) -> list[Problem]:
    with pytest.raises(LedgerError) as err:
        read_ledger(path, rules)
    found = err.value.problems.to_dicts()
    for p in found:  # Chinese, never a raw internal message
        assert not any(w in p["reason"] for w in ("Error", "error", "Traceback", "calamine"))
    return found


def test_the_good_book_reads_without_any_problem(rules: Rules, tmp_path: Path) -> None:
    for fmt in ("csv", "xlsx"):
        ledger = read(rules, tmp_path / fmt, good_book(), fmt)
        assert problems(ledger) == []
        assert ledger.items.height == 3 and ledger.adoptions.height == 3


# ---- 1. headers and sheet names written almost right ---------------------------------------

NEAR_MISSES = [
    ("录用", "领导批示", "领导批示情况"),
    ("约稿", "完成日期", "实际完成日期"),
    ("报送", "协作单位", "合作单位"),
    ("报送", "约稿编号", "约稿号"),
    ("录用", "采纳数", "采纳个数"),
    ("报送", "其他撰稿人", "其它撰稿人"),
    ("信息员", "年轻干部", "是否年轻干部"),
    ("信息员", "起始日期", "开始日期"),
    ("约稿", "完成日期", "完成时间"),
    ("录用", "领导批示", "批示"),
]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize(("sheet", "header", "written"), NEAR_MISSES)
def test_a_column_named_almost_right_is_one_error_naming_both(
    rules: Rules, tmp_path: Path, fmt: str, sheet: str, header: str, written: str
) -> None:
    # today such a column is ignored: a renamed 完成日期 makes every commission count as missed
    ledger = read(rules, tmp_path, rename_header(good_book(), sheet, header, written), fmt)
    [p] = problems(ledger)
    assert where(p) == ("error", sheet, None, header, written)
    assert p["reason"] == (
        f"工作表“{sheet}”没有“{header}”列，但有相近的列“{written}”"
        f"（未读取，“{header}”会全部按空白计分）"
    )
    assert p["suggestion"] == (
        f"如“{written}”就是“{header}”，请把列名改为“{header}”；如不是，请另加一列“{header}”（可以留空）"
    )
    assert not ledger.ok


def test_a_renamed_required_column_is_one_error_not_one_per_row(
    rules: Rules, tmp_path: Path
) -> None:
    book = rename_header(good_book(), "报送", "标题", "信息标题")
    ledger = read(rules, tmp_path, book, "xlsx")
    [p] = problems(ledger)  # nothing on the three rows, nothing on the adoptions of the items
    assert where(p) == ("error", "报送", None, "标题", "信息标题")
    assert p["reason"] == "工作表“报送”缺少必填列“标题”，但有相近的列“信息标题”（未读取）"
    assert p["suggestion"] == "如“信息标题”就是“标题”，请把列名改为“标题”"
    assert ledger.items.height == 0  # the one error names the whole sheet


def test_a_missing_required_column_with_an_unnamed_column_of_values(
    rules: Rules, tmp_path: Path
) -> None:
    book = rename_header(good_book(), "报送", "标题", None)  # the header cell left empty
    ledger = read(rules, tmp_path, book, "xlsx")
    found = sorted(problems(ledger), key=lambda p: p["reason"])
    assert [where(p) for p in found] == [("error", "报送", None, "标题", None)] * 2
    assert found[0]["reason"] == "工作表“报送”第 B 列有内容但没有列名（未读取），而本表缺少“标题”列"
    assert found[1]["reason"] == "工作表“报送”缺少必填列“标题”"


def test_an_unnamed_optional_column_of_values_is_not_ignored_silently(
    rules: Rules, tmp_path: Path
) -> None:
    book = rename_header(good_book(), "录用", "领导批示", None)
    [p] = problems(read(rules, tmp_path, book, "csv"))
    assert where(p) == ("error", "录用", None, "领导批示", None)
    assert "第 G 列有内容但没有列名" in p["reason"] and "缺少“领导批示”列" in p["reason"]


UNRELATED = {
    "报送": ["备注", "序号", "审核人", "录入人", "字数", "得分", "链接", "报送人"],
    "录用": ["备注", "序号", "审核人", "刊物级别", "分值", "录入日期"],
    "约稿": ["备注", "序号", "联系电话"],
    "信息员": ["序号", "出生日期", "联系电话", "职务", "性别", "电话", "邮箱"],
}


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_unrelated_columns_and_sheets_are_allowed(rules: Rules, tmp_path: Path, fmt: str) -> None:
    book = good_book()
    for sheet, headers in UNRELATED.items():
        for h in headers:
            add_column(book, sheet, h, ["x"])
    book |= {"说明": [["填表说明"]], "Sheet1": [["x"]], "汇总": [["x"]], "统计": [["x"]]}
    ledger = read(rules, tmp_path, book, fmt)
    assert problems(ledger) == []
    assert ledger.items.height == 3 and ledger.people.height == 2


def test_header_marks_and_notes_are_not_part_of_the_name(rules: Rules, tmp_path: Path) -> None:
    book = rename_header(good_book(), "录用", "领导批示", "领导批示（是/否）")
    rename_header(book, "报送", "报送日期", "报送日期*")
    ledger = read(rules, tmp_path, book, "xlsx")
    assert problems(ledger) == []
    assert ledger.adoptions["instruction"].to_list() == [True, False, False]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_column_written_twice_is_an_error(rules: Rules, tmp_path: Path, fmt: str) -> None:
    book = add_column(good_book(), "录用", "领导批示", ["否", "是", "是"])
    [p] = problems(read(rules, tmp_path, book, fmt))
    assert where(p) == ("error", "录用", None, "领导批示", "领导批示")
    assert (
        p["reason"] == "工作表“录用”有 2 列都是“领导批示”（“领导批示”、“领导批示”），不知以哪列为准"
    )
    assert p["suggestion"] == "请删去多余的列，只留一列“领导批示”"


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_required_sheets_named_almost_right_are_one_error_each(
    rules: Rules, tmp_path: Path, fmt: str
) -> None:
    book = good_book()
    book["报送表"] = book.pop("报送")
    book["录用情况"] = book.pop("录用")
    ledger = read(rules, tmp_path, book, fmt)
    found = problems(ledger)  # the awards and plans naming S1 are not each an error
    what, suffix = ("工作簿", "工作表") if fmt == "xlsx" else ("文件夹", "文件")
    shown = (lambda s: s) if fmt == "xlsx" else (lambda s: f"{s}.csv")
    assert [where(p) for p in found] == [
        ("error", "报送", None, None, shown("报送表")),
        ("error", "录用", None, None, shown("录用情况")),
    ]
    assert (
        found[0]["reason"]
        == f"缺少工作表“报送”；{what}中有名称相近的{suffix}“{shown('报送表')}”（未读取）"
    )
    assert found[0]["suggestion"] == (
        f"如“{shown('报送表')}”就是“报送”表，请把它改名为“{shown('报送')}”"
    )


def test_an_optional_sheet_named_almost_right_is_an_error(rules: Rules, tmp_path: Path) -> None:
    book = good_book()
    book["约稿情况"] = book.pop("约稿")
    # S1 names commission Y1: not also said to be missing from 约稿
    [p] = problems(read(rules, tmp_path, book, "xlsx"))
    assert where(p) == ("error", "约稿", None, None, "约稿情况")
    assert p["reason"] == (
        "工作簿中的工作表“约稿情况”与“约稿”相近，但只读取名为“约稿”的工作表："
        "“约稿情况”未读取，“约稿”按没有任何记录计分"
    )
    assert p["suggestion"].startswith("如“约稿情况”就是“约稿”表，请把它改名为“约稿”")


# ---- 2. Excel error values -------------------------------------------------------------------

ERROR_CELLS = [
    ("#N/A", "录用", 2, "领导批示"),  # today: read as blank, the instruction bonus lost
    ("#DIV/0!", "录用", 3, "采纳数"),
    ("#VALUE!", "报送", 3, "报送日期"),
    ("#REF!", "报送", 2, "报送单位"),
    ("#NAME?", "信息员", 2, "年轻干部"),
    ("#NULL!", "报送", 4, "第一撰稿人"),
    ("#NUM!", "报送", 3, "标题"),
]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize(("value", "sheet", "row", "header"), ERROR_CELLS)
def test_an_excel_error_value_is_an_error_of_its_cell(
    rules: Rules, tmp_path: Path, fmt: str, value: str, sheet: str, row: int, header: str
) -> None:
    book = set_cell(good_book(), sheet, row, header, value)
    ledger = read(rules, tmp_path, book, fmt)
    [p] = problems(ledger)  # one problem: a blank required cell is not named again
    assert where(p) == ("error", sheet, row, header, value)
    assert p["reason"] == f"单元格是 Excel 错误值 {value}（公式出错，或引用的数据已不在）"
    assert p["suggestion"] == "请改正此格的公式，或直接填入实际的值（可“选择性粘贴 → 数值”）"


def test_an_error_value_in_an_unread_column_is_a_warning(rules: Rules, tmp_path: Path) -> None:
    book = add_column(good_book(), "报送", "备注", [None, "#REF!"])
    ledger = read(rules, tmp_path, book, "xlsx")
    [p] = problems(ledger)
    assert where(p) == ("warning", "报送", 3, "备注", "#REF!")
    assert p["reason"] == "单元格是 Excel 错误值 #REF!（此列不参与计分）"
    assert ledger.ok


# ---- 3. duplicates ---------------------------------------------------------------------------


def test_the_same_award_entered_twice_is_an_error(rules: Rules, tmp_path: Path) -> None:
    book = good_book()
    book["好信息"].append(["S1", "市委办市府办季度好信息", date(2022, 6, 10)])
    [p] = problems(read(rules, tmp_path, book))
    assert where(p) == ("error", "好信息", 3, "评选", "市委办市府办季度好信息")
    assert (
        p["reason"] == "同一信息的“市委办市府办季度好信息”登记了两次（与第2行同一季度），会重复计分"
    )
    assert p["suggestion"].startswith("同一评选只计一次：请删去重复的行")


def test_the_same_quarterly_award_in_two_quarters_is_two_awards(
    rules: Rules, tmp_path: Path
) -> None:
    book = good_book()
    book["好信息"].append(["S1", "季度好信息", date(2022, 9, 12)])
    ledger = read(rules, tmp_path, book)
    assert problems(ledger) == []
    assert ledger.awards.height == 2


def test_a_person_entered_twice_the_same_counts_once(rules: Rules, tmp_path: Path) -> None:
    book = good_book()
    book["信息员"].append(["人才处", "张 三", "信息员", "是", None, None])
    ledger = read(rules, tmp_path, book)
    [p] = problems(ledger)
    assert where(p) == ("warning", "信息员", 4, "姓名", "张 三")
    assert p["reason"] == "与第2行完全相同，只计一次"
    assert ledger.people["row"].to_list() == [2, 3]


@pytest.mark.parametrize(
    ("role", "young", "start", "what"),
    [
        ("撰稿人", "是", None, "角色"),
        ("信息员", "否", None, "年轻干部"),
        ("信息员", "是", date(2022, 3, 1), "起止日期"),
    ],
)
def test_conflicting_rows_of_one_person_are_errors_on_each(
    rules: Rules, tmp_path: Path, role: str, young: str, start: date | None, what: str
) -> None:
    book = good_book()
    book["信息员"].append(["人才综合处", "张三", role, young, start, None])
    ledger = read(rules, tmp_path, book)
    found = problems(ledger)
    assert [where(p) for p in found] == [
        ("error", "信息员", 2, "姓名", "张三"),
        ("error", "信息员", 4, "姓名", "张三"),
    ]
    assert found[0]["reason"] == f"“张三”在同一单位登记了多行（另见第4行），时段重叠而{what}不同"
    assert found[1]["reason"] == f"“张三”在同一单位登记了多行（另见第2行），时段重叠而{what}不同"
    assert "起始日期、终止日期" in found[0]["suggestion"]
    assert ledger.people["row"].to_list() == [3]


def test_a_persons_rows_for_periods_that_do_not_overlap_are_history(
    rules: Rules, tmp_path: Path
) -> None:
    book = good_book()
    set_cell(book, "信息员", 2, "终止日期", date(2022, 5, 31))
    book["信息员"].append(["人才综合处", "张三", "撰稿人", "是", date(2022, 6, 1), None])
    ledger = read(rules, tmp_path, book)
    assert problems(ledger) == []
    assert ledger.people["role"].to_list() == ["信息员", "撰稿人", "撰稿人"]


# ---- 4. implausible values -------------------------------------------------------------------


@pytest.mark.parametrize("examples", [21, 999999999])
def test_examples_above_the_limit_are_an_error_naming_it(
    rules: Rules, tmp_path: Path, examples: int
) -> None:
    # today 999999999 gives 5,000,000,025 points
    book = set_cell(good_book(), "录用", 3, "采纳数", examples)
    [p] = problems(read(rules, tmp_path, book, "xlsx"))
    assert where(p) == ("error", "录用", 3, "采纳数", str(examples))
    assert p["reason"] == "采纳数超过上限 20：一条录用采纳的例子、观点不会有这么多"
    assert "上限 20 由规则文件中 ledger_checks.max_examples_per_adoption 设定" in p["suggestion"]


def test_the_limit_of_examples_is_the_rules_files(rules: Rules, tmp_path: Path) -> None:
    book = set_cell(good_book(), "录用", 3, "采纳数", 20)
    assert problems(read(rules, tmp_path / "a", book)) == []
    checks = rules.ledger_checks.model_copy(update={"max_examples_per_adoption": 19})
    stricter = rules.model_copy(update={"ledger_checks": checks})
    [p] = problems(read(stricter, tmp_path / "b", book))
    assert p["reason"].startswith("采纳数超过上限 19")


# ---- 5. a ledger of another year --------------------------------------------------------------


def year_book(shift: int, n: int = 25, outside: int | None = None) -> Book:
    """`n` items 10 days apart from 2022-01-05 + `shift` days (`outside` of them a year later)."""
    book = good_book()
    for sheet in ("录用", "好信息", "月度计划"):
        book[sheet] = book[sheet][:1]
    book["报送"] = book["报送"][:1]
    book["约稿"] = book["约稿"][:1]
    for i in range(n):
        day = date(2022, 1, 5) + timedelta(shift + i * 10)
        if outside is not None and i < outside:
            day += timedelta(365)
        book["报送"].append([f"X{i}", "标题", "人才综合处", day, "综合", *[None] * 4])
    return book


@pytest.mark.parametrize(("shift", "year"), [(-365, 2021), (365, 2023)])
def test_a_ledger_of_another_year_is_one_error(
    rules: Rules, tmp_path: Path, shift: int, year: int
) -> None:
    # today a 2021 ledger scores with a warning on every row
    ledger = read(rules, tmp_path, year_book(shift))
    [p] = problems(ledger)
    first, last = date(2022, 1, 5) + timedelta(shift), date(2022, 9, 2) + timedelta(shift)
    assert where(p) == ("error", "报送", None, "报送日期", f"{first}—{last}")
    assert p["reason"] == (
        "台账不是规则文件考核年度的：25 个日期（报送、录用、评选日期和约稿截止日期）中有 25 个"
        f"（100%）不在考核周期 2021-12-01—2022-11-30 内，台账的日期在 {first}—{last}"
    )
    assert p["suggestion"] == (
        f"这像是 {year} 年度的台账：用 --rules 指定该年度的规则文件，"
        f"例如 --rules params/{year}.yaml；如台账确属本年度，请核对日期"
    )


def test_a_few_dates_outside_the_period_stay_warnings(rules: Rules, tmp_path: Path) -> None:
    ledger = read(rules, tmp_path, year_book(0, outside=12))  # 12 of 25: not most
    found = problems(ledger)
    assert [where(p)[:4] for p in found] == [
        ("warning", "报送", r, "报送日期") for r in range(2, 14)
    ]
    assert ledger.ok


def test_the_share_of_another_year_is_the_rules_files(rules: Rules, tmp_path: Path) -> None:
    book = year_book(0, outside=15)  # 15 of 25 = 60% outside
    assert [p["severity"] for p in problems(read(rules, tmp_path / "a", book))] == ["error"]
    checks = rules.ledger_checks.model_copy(update={"other_year_share": 0.7})
    lenient = rules.model_copy(update={"ledger_checks": checks})
    assert {p["severity"] for p in problems(read(lenient, tmp_path / "b", book))} == {"warning"}


# ---- 6. what is really in the cell ---------------------------------------------------------


@pytest.mark.parametrize(
    ("char", "name"),
    [
        ("\u200b", "零宽空格"),
        ("\u200d", "零宽连接符"),
        ("\ufeff", "字节顺序标记 BOM"),
        ("\u00ad", "软连字符"),
    ],
)
def test_invisible_characters_are_named(rules: Rules, tmp_path: Path, char: str, name: str) -> None:
    book = set_cell(good_book(), "报送", 3, "报送单位", f"就业{char}处")
    [p] = problems(read(rules, tmp_path, book, "xlsx"))
    assert where(p) == ("error", "报送", 3, "报送单位", f"就业{char}处")
    code = f"U+{ord(char):04X}"
    assert p["reason"] == f"未知的单位；值中含不可见字符 {code}（{name}）"
    assert p["suggestion"].startswith("请删除这些看不见的字符；最接近的名称：")


def test_a_no_break_space_in_a_date_is_named(rules: Rules, tmp_path: Path) -> None:
    book = set_cell(good_book(), "报送", 2, "报送日期", "2022-03\u00a0-01")
    [p] = problems(read(rules, tmp_path, book))
    assert p["reason"] == "日期无法识别（应为 YYYY-MM-DD）；值中含不可见字符 U+00A0（不换行空格）"


def test_a_persons_name_loses_invisible_characters(rules: Rules, tmp_path: Path) -> None:
    book = set_cell(good_book(), "报送", 2, "第一撰稿人", "张\u200b三")
    set_cell(book, "报送", 2, "其他撰稿人", "\ufeff李四")
    ledger = read(rules, tmp_path, book)
    assert problems(ledger) == []  # the same person as 张三 of 信息员, not another
    assert ledger.items.row(0, named=True)["first_writer"] == "张三"
    assert ledger.items.row(0, named=True)["other_writers"] == ["李四"]


def test_full_width_digits_are_read_where_a_number_or_date_is_meant(
    rules: Rules, tmp_path: Path
) -> None:
    book = set_cell(good_book(), "录用", 3, "采纳数", "３")
    set_cell(book, "报送", 2, "报送日期", "２０２２－０３－０１")
    set_cell(book, "月度计划", 2, "月份", "２０２２－０３")
    set_cell(book, "报送", 3, "协作单位", "人才综合处：０.３")
    ledger = read(rules, tmp_path, book)
    assert problems(ledger) == []
    assert ledger.adoptions["examples"].to_list() == [1, 3, 1]
    assert ledger.items["submitted"].to_list()[0] == date(2022, 3, 1)
    assert ledger.plans["month"].to_list() == ["2022-03"]
    assert ledger.shares.filter(pl.col("lead").not_())["share"].to_list() == [30]


def test_merged_cells_are_named_as_merged(rules: Rules, tmp_path: Path) -> None:
    book = good_book()
    book["报送"].append(["S4", "标题4", None, date(2022, 5, 9), "综合", *[None] * 4])
    ledger = read(rules, tmp_path, book, "xlsx", merges={"报送": ["C4:C5"]})
    found = problems(ledger)  # not "必填项为空"
    assert [where(p) for p in found] == [("error", "报送", 5, "报送单位", None)]
    assert found[0]["reason"] == "合并单元格（C4:C5）：只有合并区域的第一格有值，此格读出来是空的"
    assert found[0]["suggestion"].startswith("请取消合并单元格")
    assert ledger.items["row"].to_list() == [2, 3, 4]


def test_a_merged_title_above_the_header_is_fine(rules: Rules, tmp_path: Path) -> None:
    above = {"报送": [["2022年度信息工作台账"]]}
    ledger = read(rules, tmp_path, good_book(), "xlsx", merges={"报送": ["A1:I1"]}, above=above)
    assert problems(ledger) == []
    assert ledger.items["row"].to_list() == [3, 4, 5]


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "memory"])
def test_logical_values_mean_yes_or_no_only_in_a_yes_no_column(
    rules: Rules, tmp_path: Path, fmt: str
) -> None:
    book = set_cell(good_book(), "录用", 2, "领导批示", True)
    set_cell(book, "录用", 3, "领导批示", False)
    set_cell(book, "信息员", 3, "年轻干部", True)
    set_cell(book, "报送", 2, "报送日期", True)
    set_cell(book, "录用", 4, "采纳数", False)
    if fmt == "memory":
        sheets = {
            s: [dict(zip(rows[0], r, strict=True)) for r in rows[1:]] for s, rows in book.items()
        }
        ledger = parse_ledger(sheets, rules)
    else:
        ledger = read(rules, tmp_path, book, fmt)
    found = problems(ledger)
    assert [where(p)[:4] for p in found] == [
        ("error", "报送", 2, "报送日期"),
        ("error", "录用", 4, "采纳数"),
    ]
    assert found[0]["value"].upper() == "TRUE"
    assert found[0]["reason"] == "日期无法识别（应为 YYYY-MM-DD）；单元格是逻辑值 TRUE，不是日期"
    assert found[1]["reason"] == "采纳数应为正整数；单元格是逻辑值 FALSE，不是数字"
    assert ledger.adoptions.sort("row")["instruction"].to_list() == [True, False]
    assert ledger.people["young"].to_list() == [True, True]


# ---- 7. files that are not a ledger --------------------------------------------------------


def test_an_empty_file(rules: Rules, tmp_path: Path) -> None:
    path = tmp_path / "台账.xlsx"
    path.write_bytes(b"")
    [p] = refused(path, rules)
    assert (p["sheet"], p["reason"]) == ("台账.xlsx", "台账.xlsx 是空文件（0 字节）")


@pytest.mark.parametrize(
    ("name", "content", "reason", "fix"),
    [
        ("台账.xlsx", b"\x89PNG\r\n\x1a\n" + bytes(64), "文件内容是 PNG 图片", "可能选错了文件"),
        ("台账.xlsx", "这不是工作簿\n".encode(), "文件内容是文本", "可能选错了文件"),
        (
            "台账.xlsx",
            compound_file({"EncryptionInfo": b"\x04\x00", "EncryptedPackage": b"PK"}),
            "设置了打开密码（已加密），无法读取",
            "清除密码",
        ),
        (
            "台账.xls",
            compound_file({"Workbook": b"\x09\x08\x10\x00"}),
            "是旧版 Excel 97-2003 工作簿（.xls），不是 .xlsx",
            "“另存为”Excel 工作簿（*.xlsx）",
        ),
        (
            "台账.xls",
            csv_bytes(good_book()["报送"]),
            "扩展名是 .xls，但文件内容是 CSV 或文本表格",
            "“另存为”Excel 工作簿（*.xlsx）",
        ),
        (
            "台账.xls",
            "<html><body><table><tr><td>信息编号</td></tr></table></body></html>".encode(),
            "扩展名是 .xls，但文件内容是网页（HTML）表格",
            "“另存为”Excel 工作簿（*.xlsx）",
        ),
    ],
)
def test_a_file_that_is_not_a_workbook_is_named_in_chinese(
    rules: Rules, tmp_path: Path, name: str, content: bytes, reason: str, fix: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    [p] = refused(path, rules)
    assert p["sheet"] == name and p["severity"] == "error"
    assert p["reason"].startswith(name) and reason in p["reason"]
    assert fix in p["suggestion"]


def test_a_zip_that_is_not_a_workbook(rules: Rules, tmp_path: Path) -> None:
    path = tmp_path / "台账.xlsx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("报送.csv", "信息编号\n")
    [p] = refused(path, rules)
    assert p["reason"] == "台账.xlsx 是 ZIP 压缩包，不是 Excel 工作簿"


def test_a_truncated_workbook(rules: Rules, tmp_path: Path) -> None:
    whole = write_xlsx(tmp_path / "whole.xlsx", good_book()).read_bytes()
    path = tmp_path / "台账.xlsx"
    path.write_bytes(whole[: len(whole) // 2])
    [p] = refused(path, rules)
    assert p["reason"] == "台账.xlsx 已损坏（压缩结构不完整），无法读取"


def test_an_unclosed_quote_names_its_row(rules: Rules, tmp_path: Path) -> None:
    book = good_book()
    data = csv_bytes(book["报送"]).replace(b"S2,", b'S2,"', 1)
    [p] = refused(write_csv_folder(tmp_path / "台账", book, raw={"报送": data}), rules)
    assert p["sheet"] == "报送.csv"
    assert p["reason"] == "报送.csv 第 3 行格式有误：引号没有闭合：从这里到文件末尾都被当成了一个值"
    assert p["suggestion"].endswith("另存为“CSV UTF-8（逗号分隔）”")


def test_a_row_with_more_values_than_the_header_names_its_row(rules: Rules, tmp_path: Path) -> None:
    book = good_book()
    data = csv_bytes(book["录用"]) + "S3,市委办,《专报》,2022-06-02,,,否,多出来的\r\n".encode()
    [p] = refused(write_csv_folder(tmp_path / "台账", book, raw={"录用": data}), rules)
    assert p["reason"] == "录用.csv 第 5 行有 8 个值，比标题行的 7 列多"
    assert "没有用引号括起" in p["suggestion"]


@pytest.mark.parametrize(("sep", "label"), [(";", "分号（;）"), ("\t", "制表符（Tab）")])
def test_a_csv_with_another_separator_names_it(
    rules: Rules, tmp_path: Path, sep: str, label: str
) -> None:
    found = refused(write_csv_folder(tmp_path / "台账", good_book(), sep=sep), rules)
    assert len(found) == 6  # every file, not only the first
    p = next(p for p in found if p["sheet"] == "报送.csv")
    assert p["reason"].startswith(f"报送.csv 的各列用{label}分隔，不是英文逗号")
    assert p["suggestion"] == "请在 Excel 中打开此文件，另存为“CSV UTF-8（逗号分隔）”"


def test_a_utf16_csv_names_its_encoding(rules: Rules, tmp_path: Path) -> None:
    book = good_book()
    data = csv_bytes(book["报送"], sep="\t").decode().encode("utf-16")
    [p] = refused(write_csv_folder(tmp_path / "台账", book, raw={"报送": data}), rules)
    assert p["reason"] == "报送.csv 是 UTF-16 编码（Excel 的“Unicode 文本”），不是 CSV UTF-8"


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_two_sheets_whose_names_differ_only_by_spaces(
    rules: Rules, tmp_path: Path, fmt: str
) -> None:
    book = good_book()
    book["报 送"] = copy_book(book)["报送"]
    [p] = problems(read(rules, tmp_path, book, fmt))
    if fmt == "xlsx":
        assert where(p) == ("error", "报送", None, None, "报送、报 送")
        assert p["reason"] == "工作簿中有两个工作表“报送”和“报 送”，名称只差空格，都是“报送”"
    else:
        assert where(p) == ("error", "报送", None, None, "报 送.csv、报送.csv")
        assert p["reason"] == "文件夹中有两个文件“报 送.csv”和“报送.csv”，名称只差空格，都是“报送”"
    assert p["suggestion"].startswith("请删去或改名其中一个")


def test_csv_files_named_in_gbk_are_read(rules: Rules, tmp_path: Path) -> None:
    # a zip made on a Chinese Windows gives file names in GBK bytes (b'\xb1\xa8\xcb\xcd' = 报送)
    names = {s: s.encode("gbk") + b".csv" for s in ("报送", "录用", "信息员")}
    book = good_book() | {"说明": [["填表说明"]]}
    names["说明"] = "说明".encode("gbk") + b".csv"
    ledger = read(rules, tmp_path, book, names=names, encoding="gbk")
    assert problems(ledger) == []
    assert ledger.items.height == 3 and ledger.people.height == 2


def test_an_id_that_differs_only_by_invisible_characters_names_the_cell_that_has_them(
    rules: Rules, tmp_path: Path
) -> None:
    book = set_cell(good_book(), "报送", 2, "信息编号", "S1\u200b")
    set_cell(book, "约稿", 2, "约稿编号", "\ufeffY1")
    found = problems(read(rules, tmp_path, book))
    assert [where(p) for p in found] == [
        ("error", "报送", 2, "约稿编号", "Y1"),
        ("error", "录用", 2, "信息编号", "S1"),
        ("error", "好信息", 2, "信息编号", "S1"),
        ("error", "月度计划", 2, "信息编号", "S1"),
    ]
    assert found[0]["suggestion"] == (
        "“约稿”表第2行的约稿编号“Y1”中含不可见字符 U+FEFF（字节顺序标记 BOM），"
        "所以对不上：请在那里删除这些字符"
    )
    assert found[1]["suggestion"] == (
        "“报送”表第2行的信息编号“S1”中含不可见字符 U+200B（零宽空格），"
        "所以对不上：请在那里删除这些字符"
    )


# ---- 9. names written the usual short ways (issue 11) ----------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_common_spellings_of_agencies_and_titles_read_as_the_canonical_names(
    rules: Rules, tmp_path: Path, fmt: str
) -> None:
    book = good_book()
    book["录用"].append(
        ["S2", "省人社厅", "浙江人社政务信息专报", date(2022, 5, 2), None, None, None]
    )
    book["录用"].append(["S3", "市委办", "绍兴信息", date(2022, 6, 2), "简讯", None, None])
    ledger = read(rules, tmp_path, book, fmt)
    assert problems(ledger) == []
    titles = [rules.publications.list[i].title for i in ledger.adoptions["publication_id"]]
    assert sorted(zip(ledger.adoptions["agency"], titles, strict=True)) == [
        ("国务院办公厅", "国办录用"),
        ("市委办公室", "《专报》"),
        ("市委办公室", "《工作交流》"),
        ("市委办公室", "《绍兴信息（每日动态）》"),
        ("省人力社保厅", "《浙江人社政务信息（专报）》"),
    ]


def test_a_title_two_publications_share_is_an_error_listing_both(
    rules: Rules, tmp_path: Path
) -> None:
    book = set_cell(good_book(), "录用", 4, "录用单位", "市府办")
    set_cell(book, "录用", 4, "刊物", "绍兴政务信息")
    (p,) = problems(read(rules, tmp_path, book))
    assert where(p) == ("error", "录用", 4, "刊物", "绍兴政务信息")
    assert p["reason"] == "录用单位“市政府办公室”有 2 个刊物与此名称相近，不能确定是哪一个"
    assert (
        p["suggestion"] == "您是否指：《绍兴政务信息》（每日动态）、《绍兴政务信息》（专报信息）？"
    )


def test_a_unit_close_to_several_is_never_guessed(rules: Rules, tmp_path: Path) -> None:
    book = set_cell(good_book(), "信息员", 2, "单位", "中心")
    set_cell(book, "约稿", 2, "单位", "人才")
    found = problems(read(rules, tmp_path, book))
    fixes = {p["value"]: p["suggestion"] for p in found}
    assert fixes["人才"] == "最接近的名称：人才综合处"  # one unit contains it: named, not chosen
    assert fixes["中心"] == (
        "您是否指：就业促进和人力资源服务中心、社会保险事业管理中心、职业技能开发指导中心、信息中心？"
    )
    assert [where(p)[:4] for p in found] == [
        ("error", "约稿", 2, "单位"),
        ("error", "信息员", 2, "单位"),
    ]
