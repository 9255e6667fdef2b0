"""The blank ledger (`kaohe template`) and the list of names (`kaohe names`): the workbook read
back with openpyxl (sheets, headers, drop-down lists, formats, 名称表), its round trip (filled
in → validate → score), and the refusals."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime
from pathlib import Path

import openpyxl
import polars as pl
import pytest
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet
from test_cli import kaohe
from test_outdir import flat
from test_sample import DATE_COLUMNS

from kaohe.ledger.model import SHEETS
from kaohe.ledger.read import read_ledger
from kaohe.ledger.template import (
    GUIDE_SHEET,
    LOOKUP_SHEET,
    NAME_COLUMNS,
    NAMES_SHEET,
    save_template,
)
from kaohe.rules.models import DEFAULT_RULES, Rules, load_rules

LAST_ROW = 1_048_576


@pytest.fixture(scope="module")
def rules() -> Rules:
    return load_rules(DEFAULT_RULES)


@pytest.fixture(scope="module")
def path(rules: Rules, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("template") / "台账模板.xlsx"
    save_template(rules, out)
    return out


@pytest.fixture(scope="module")
def book(path: Path) -> Workbook:
    return openpyxl.load_workbook(path)


def letter(sheet: str, column: str) -> str:
    return openpyxl.utils.get_column_letter(list(SHEETS[sheet]).index(column) + 1)


def validation(ws: Worksheet, column: str) -> DataValidation:
    """The one data validation of a column, which must cover every row below the header."""
    found = [
        dv
        for dv in ws.data_validations.dataValidation
        if any(r.min_col == r.max_col == _index(column) for r in dv.sqref.ranges)
    ]
    assert len(found) == 1, (ws.title, column)
    (dv,) = found
    assert str(dv.sqref) == f"{column}2:{column}{LAST_ROW}"
    return dv


def column_format(ws: Worksheet, column: str) -> str:
    """The number format of a whole column (adjacent columns alike are stored as one range)."""
    i = _index(column)
    (dim,) = [d for d in ws.column_dimensions.values() if d.min <= i <= d.max]
    return dim.number_format


def _index(column: str) -> int:
    return openpyxl.utils.column_index_from_string(column)


def named_values(book: Workbook, name: str) -> list[str]:
    """The values of the cells a defined name covers."""
    ((sheet, cells),) = list(book.defined_names[name].destinations)
    assert sheet == LOOKUP_SHEET
    return [c.value for (c,) in book[sheet][cells.replace("$", "")] if c.value is not None]


# ---- the workbook ------------------------------------------------------------------------


def test_the_six_sheets_with_their_headers_required_ones_marked(book: Workbook) -> None:
    assert book.sheetnames == [GUIDE_SHEET, *SHEETS, NAMES_SHEET, LOOKUP_SHEET]
    assert book[LOOKUP_SHEET].sheet_state == "hidden"
    assert all(book[s].sheet_state == "visible" for s in [GUIDE_SHEET, *SHEETS, NAMES_SHEET])
    for sheet, columns in SHEETS.items():
        ws = book[sheet]
        written = [c.value for c in ws[1]]
        assert written == [c + "*" if req else c for c, req in columns.items()], sheet
        assert ws.max_row == 1  # blank: the header only
        assert ws.freeze_panes == "A2"
    assert [c.value for c in book["录用"][1]][:4] == [
        "信息编号*",
        "录用单位*",
        "刊物*",
        "录用日期*",
    ]
    assert book["报送"]["F1"].value == "第一撰稿人"  # optional: not marked


def test_drop_down_lists_hold_the_canonical_names_of_the_rules(
    book: Workbook, rules: Rules
) -> None:
    kinds = rules.item_kinds
    expected = {
        "单位": [u.name for u in rules.units.roster],
        "信息类别": [kinds.general.label, kinds.suggestion.label, kinds.research.label],
        "录用单位": [a.name for a in rules.agencies.list],
        "录用方式": list(rules.forms.list),
        "评选": [a.name for a in rules.department.awards.list],
        "下达方": [i.name for i in rules.commission_issuers.list],
        "拟报送刊物": list(rules.plans.categories),
        "角色": ["信息员", "撰稿人"],
        "是否": ["是", "否"],
        "月份": ["2021-12", *(f"2022-{m:02d}" for m in range(1, 12))],
    }
    columns = {
        ("报送", "报送单位"): "单位",
        ("约稿", "单位"): "单位",
        ("月度计划", "单位"): "单位",
        ("信息员", "单位"): "单位",
        ("报送", "信息类别"): "信息类别",
        ("录用", "录用单位"): "录用单位",
        ("录用", "录用方式"): "录用方式",
        ("录用", "领导批示"): "是否",
        ("好信息", "评选"): "评选",
        ("约稿", "下达方"): "下达方",
        ("信息员", "角色"): "角色",
        ("信息员", "年轻干部"): "是否",
        ("月度计划", "拟报送刊物"): "拟报送刊物",
        ("月度计划", "月份"): "月份",
    }
    for (sheet, column), key in columns.items():
        dv = validation(book[sheet], letter(sheet, column))
        assert dv.type == "list", (sheet, column)
        assert dv.formula1 == f"{key}列表"
        assert named_values(book, dv.formula1) == expected[key], (sheet, column)
        # names with aliases, and months, pass after a warning; closed lists (是否, 角色…) do not
        assert dv.errorStyle == (
            "warning" if key in ("单位", "信息类别", "录用单位", "评选", "下达方", "月份") else None
        )
        assert dv.error and "下拉列表" in dv.error


def test_the_publication_list_follows_the_agency_of_the_row(book: Workbook, rules: Rules) -> None:
    agency_col = letter("录用", "录用单位")
    dv = validation(book["录用"], letter("录用", "刊物"))
    assert dv.type == "list" and dv.errorStyle == "warning"
    assert dv.formula1 == f"INDIRECT(VLOOKUP(${agency_col}2,录用单位查找,2,FALSE))"
    # the lookup table: every spelling of an agency → the defined name of its titles
    ((sheet, cells),) = list(book.defined_names["录用单位查找"].destinations)
    table = {a.value: b.value for a, b in book[sheet][cells.replace("$", "")]}
    for i, agency in enumerate(rules.agencies.list, start=1):
        titles = [p.title for p in rules.publications.list if p.agency == agency.name]
        for spelling in (agency.name, *agency.aliases):
            assert table[spelling] == f"录用单位_{i}"
        assert named_values(book, f"录用单位_{i}") == titles, agency.name
    # Excel's defined names: no spaces or brackets, not a cell reference
    for name in book.defined_names:
        assert re.fullmatch(r"[^\W\d][\w.]*", name) and not re.fullmatch(r"[A-Z]{1,3}\d+", name)


def test_date_columns_are_dates_and_ids_are_text(book: Workbook, rules: Rules) -> None:
    for sheet, columns in DATE_COLUMNS.items():
        ws = book[sheet]
        for column in columns:
            c = letter(sheet, column)
            assert column_format(ws, c) == "yyyy-mm-dd", (sheet, column)
            dv = validation(ws, c)
            assert dv.type == "date" and dv.errorStyle is None and "日期" in (dv.error or "")
    for sheet, column in [("报送", "信息编号"), ("约稿", "约稿编号"), ("月度计划", "月份")]:
        assert column_format(book[sheet], letter(sheet, column)) == "@"
    dv = validation(book["录用"], letter("录用", "采纳数"))
    assert dv.type == "whole" and (dv.formula1, dv.formula2) == (
        "1",
        str(rules.ledger_checks.max_examples_per_adoption),
    )
    assert book["报送"].column_dimensions[letter("报送", "标题")].width > 30


def sheet_rows(ws: Worksheet, top: int = 1) -> list[dict[str, str]]:
    rows = list(ws.iter_rows(min_row=top, values_only=True))
    headers = rows[0]
    return [
        {
            h: ("" if v is None else str(v).removesuffix(".0"))
            for h, v in zip(headers, r, strict=True)
        }
        for r in rows[1:]
    ]


def test_the_names_sheet_lists_the_rules(book: Workbook, rules: Rules) -> None:
    rows = sheet_rows(book[NAMES_SHEET])
    assert list(rows[0]) == list(NAME_COLUMNS)
    by = {(r["类别"], r["录用单位"], r["名称"]): r for r in rows}
    bases = {g.name: g.base for g in rules.groups.list}
    for u in rules.units.roster:
        r = by[("单位", "", u.name)]
        assert r["别名"] == "、".join(u.aliases) and r["分组"] == u.group
        assert r["基本任务分"] == str(bases[u.group])
    for a in rules.agencies.list:
        assert by[("录用单位", "", a.name)]["别名"] == "、".join(a.aliases)
    for p in rules.publications.list:
        r = by[("刊物", p.agency, p.title)]
        assert r["别名"] == "、".join(p.aliases)
        if p.points is not None:
            assert r["分值"] == str(p.points) and r["录用方式分值"] == ""
        else:
            assert p.forms
            assert r["录用方式分值"] == "、".join(f"{f} {v}" for f, v in p.forms.items())
            assert "录用方式必填" in r["说明"]
    for a in rules.department.awards.list:
        assert by[("评选", "", a.name)]["分值"] == str(a.points)
    for i in rules.commission_issuers.list:
        assert by[("下达方", "", i.name)]["别名"] == "、".join(i.aliases)
    counts = pl.DataFrame(rows)["类别"].value_counts(sort=False)
    expected = {
        "单位": len(rules.units.roster),
        "录用单位": len(rules.agencies.list),
        "刊物": len(rules.publications.list),
        "录用方式": len(rules.forms.list),
        "信息类别": 3,
        "评选": len(rules.department.awards.list),
        "下达方": len(rules.commission_issuers.list),
        "拟报送刊物": len(rules.plans.categories),
    }
    assert dict(counts.iter_rows()) == expected
    # 国办录用: points by form, 采纳例子观点 30
    assert "采纳例子观点 30" in by[("刊物", "国务院办公厅", "国办录用")]["录用方式分值"]


def test_the_guide_says_what_every_sheet_and_column_is(book: Workbook) -> None:
    ws = book[GUIDE_SHEET]
    top = next(r for r in range(1, 20) if ws.cell(r, 1).value == "工作表")
    rows = sheet_rows(ws, top)
    for sheet, columns in SHEETS.items():
        assert any(r["工作表"] == sheet and r["列"] == "" and r["说明"] for r in rows)
        for column, required in columns.items():
            (r,) = [r for r in rows if r["工作表"] == sheet and r["列"].rstrip("*") == column]
            assert r["说明"], (sheet, column)
            assert r["必填"] == ("是" if required else "")
    intro = " ".join(str(ws.cell(r, 1).value) for r in range(1, top))
    assert "2021-12-01 至 2022-11-30" in intro and "kaohe validate" in intro
    notes = {(r["工作表"], r["列"]): r["说明"] for r in rows}
    # lists in the notes come from the rules
    assert "综合、建议问题、调研文章之一" in notes[("报送", "信息类别*")]
    assert "国办录用（国务院办公厅）" in notes[("录用", "录用方式")]
    assert "不超过 20" in notes[("录用", "采纳数")]


def test_the_same_rules_give_the_same_bytes(rules: Rules, path: Path, tmp_path: Path) -> None:
    again = tmp_path / "again.xlsx"
    save_template(rules, again)
    assert again.read_bytes() == path.read_bytes()


def test_a_rule_file_with_a_new_publication_lists_it(tmp_path: Path) -> None:
    text = DEFAULT_RULES.read_text(encoding="utf-8")
    anchor = "    - {agency: 市委办公室, title: 《决策参考》"
    new = "    - {agency: 市委办公室, title: 《改革动态》, points: 30, chucai: 2}\n"
    assert anchor in text
    rules_file = tmp_path / "2022-new.yaml"
    rules_file.write_text(text.replace(anchor, new + anchor), encoding="utf-8")
    out = tmp_path / "模板.xlsx"
    save_template(load_rules(rules_file), out)
    book = openpyxl.load_workbook(out)
    titles = named_values(book, "录用单位_6")  # 市委办公室, the sixth agency
    assert "《改革动态》" in titles
    r = kaohe("names", "--rules", str(rules_file), "--csv")
    assert r.returncode == 0, r.stderr
    assert "刊物,《改革动态》,,市委办公室,市级,,,30," in r.stdout


# ---- an empty ledger, and a filled one -----------------------------------------------------


def test_the_blank_template_validates_clean(path: Path, rules: Rules) -> None:
    # a sheet with its header and no rows is an empty table, not a problem: no error, no warning
    ledger = read_ledger(path, rules)
    assert ledger.problems.height == 0
    assert ledger.items.height == ledger.adoptions.height == ledger.people.height == 0
    r = kaohe("validate", str(path))
    assert r.returncode == 0, r.stderr
    assert "没有发现问题" in r.stdout


def fill(path: Path, out: Path) -> None:
    """One of each row, as the office would type them into the template."""
    book = openpyxl.load_workbook(path)

    def add(sheet: str, **cells: object) -> None:
        ws = book[sheet]
        headers = [str(c.value).rstrip("*") for c in ws[1]]
        row = ws.max_row + 1
        for column, value in cells.items():
            cell = ws.cell(row, headers.index(column) + 1, value)
            if isinstance(value, datetime):
                cell.number_format = "yyyy-mm-dd"

    add(
        "报送",
        信息编号="T1",
        标题="稳就业工作经验",
        报送单位="人才综合处",
        报送日期=datetime(2022, 3, 1),
        信息类别="建议问题",
        第一撰稿人="黄贺成",
    )
    add(
        "报送",
        信息编号="T2",
        标题="柯桥区调研",
        报送单位="柯桥区",
        报送日期=datetime(2022, 4, 6),
        信息类别="综合",
    )
    add(
        "录用",
        信息编号="T1",
        录用单位="市委办公室",
        刊物="《工作交流》",
        录用日期=datetime(2022, 4, 1),
        领导批示="是",
    )
    add(
        "录用",
        信息编号="T2",
        录用单位="省人力社保厅",
        刊物="《浙江人社政务信息（专报）》",
        录用日期=datetime(2022, 5, 10),
        录用方式="全文录用",
    )
    add("好信息", 信息编号="T1", 评选="市委办市府办季度好信息", 评选日期=datetime(2022, 6, 1))
    add(
        "约稿",
        约稿编号="Y1",
        单位="人才综合处",
        下达方="局办公室",
        下达日期=datetime(2022, 5, 1),
        截止日期=datetime(2022, 5, 20),
        完成日期=datetime(2022, 5, 18),
    )
    add(
        "月度计划",
        单位="人才综合处",
        月份="2022-03",
        序号=1,
        报送要点="稳就业工作经验",
        拟报送刊物="市专报",
        联系人="黄贺成",
        信息编号="T1",
    )
    add("信息员", 单位="人才综合处", 姓名="黄贺成", 角色="信息员", 年轻干部="否")
    book.save(out)


def test_a_filled_template_validates_and_scores(path: Path, tmp_path: Path) -> None:
    filled = tmp_path / "台账.xlsx"
    fill(path, filled)
    r = kaohe("validate", str(filled))
    assert r.returncode == 0, r.stdout + r.stderr
    assert "没有发现问题" in r.stdout
    out = tmp_path / "结果"
    r = kaohe("score", str(filled), "--out", str(out))
    assert r.returncode == 0, r.stderr
    lines = pl.read_csv(out / "score_lines.csv")
    points = {
        (row["item_id"], row["step"]): row["points"]
        for row in lines.group_by("item_id", "step")
        .agg(pl.col("points").sum())
        .iter_rows(named=True)
    }
    # 附件1: 市委办公室《工作交流》 50, 批示 ×1 = 50; 季度好信息 20
    assert points[("T1", "adoption")] == 50
    assert points[("T1", "instruction")] == 50
    assert points[("T1", "award")] == 20
    # a district's adoption by 省厅 after the office compiled it: 二（二）2（2） full 20
    assert points[("T2", "district_adoption")] == 20
    people = pl.read_csv(out / "people.csv")
    assert "黄贺成" in people["name"].to_list()


# ---- refusals ------------------------------------------------------------------------------


def test_an_existing_file_is_not_overwritten_without_force(tmp_path: Path) -> None:
    out = tmp_path / "台账.xlsx"
    out.write_bytes(b"the office's ledger")
    r = kaohe("template", "--out", str(out))
    assert r.returncode == 1
    assert "已存在：kaohetemplate不会覆盖已有的文件或文件夹（它可能是真实的台账）" in flat(r.stderr)
    assert "确认要整体替换时加--force" in flat(r.stderr)
    assert out.read_bytes() == b"the office's ledger"
    r = kaohe("template", "--out", str(out), "--force")
    assert r.returncode == 0, r.stderr
    assert "已生成台账模板" in r.stdout
    assert openpyxl.load_workbook(out).sheetnames[1:7] == list(SHEETS)


def test_only_an_xlsx_file_is_written(tmp_path: Path) -> None:
    r = kaohe("template", "--out", str(tmp_path / "模板.csv"))
    assert r.returncode == 2
    assert "台账模板是.xlsx工作簿，文件名须以.xlsx结尾：请改为" in flat(r.stderr)
    assert not (tmp_path / "模板.csv").exists()
    folder = tmp_path / "文件夹.xlsx"
    folder.mkdir()
    (folder / "报送.csv").write_text("信息编号\n", encoding="utf-8")
    r = kaohe("template", "--out", str(folder), "--force")
    assert r.returncode == 1
    assert "是一个文件夹：请用--out给出.xlsx文件的路径" in flat(r.stderr)
    assert (folder / "报送.csv").exists()


# ---- kaohe names ---------------------------------------------------------------------------


def test_names_lists_every_unit_and_publication(rules: Rules) -> None:
    r = kaohe("names")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0].split("\t") == list(NAME_COLUMNS)
    cells = [line.split("\t") for line in lines[1:]]
    assert all(len(c) == len(NAME_COLUMNS) for c in cells)
    listed = {(c[0], c[3], c[1]) for c in cells}
    for u in rules.units.roster:
        assert ("单位", "", u.name) in listed
    for p in rules.publications.list:
        assert ("刊物", p.agency, p.title) in listed
    unit = next(c for c in cells if c[1] == "社会保险事业管理中心")
    assert unit[2] == "社会保险事业管理服务中心、社保中心" and unit[5:7] == ["C", "100"]


def test_names_csv_parses(rules: Rules) -> None:
    r = kaohe("names", "--csv")
    assert r.returncode == 0, r.stderr
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    assert list(rows[0]) == list(NAME_COLUMNS)
    units = [row["名称"] for row in rows if row["类别"] == "单位"]
    assert units == [u.name for u in rules.units.roster]
    pubs = [(row["录用单位"], row["名称"]) for row in rows if row["类别"] == "刊物"]
    assert pubs == [(p.agency, p.title) for p in rules.publications.list]
    zhuanbao = next(
        row for row in rows if row["录用单位"] == "省委办公厅" and row["名称"] == "《专报》"
    )
    assert zhuanbao["分值"] == "80" and zhuanbao["级别"] == "省级"
    award = next(row for row in rows if row["名称"] == "市委办市府办年度好信息")
    assert award["类别"] == "评选" and award["分值"] == "50" and award["别名"] == "市两办年度好信息"
    issuer = next(row for row in rows if row["类别"] == "下达方" and row["名称"] == "省厅")
    assert issuer["别名"] == "省人力社保厅"
