"""Broken rules and scenario files are refused for sense, naming the file, the path and the line.

Each test starts from the text of the shipped params/2022.yaml (or a scenario on it), alters one
line in tmp_path and asserts the Chinese message: which file, which rule, which line, what is
wrong and how to fix it.
"""

from __future__ import annotations

import copy
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from kaohe.ledger.read import read_ledger
from kaohe.rules.models import (
    DEFAULT_RULES,
    RulesError,
    load_rules,
    read_rules_mapping,
    rules_from_mapping,
)
from kaohe.whatif.scenario import ScenarioError, load_scenario, scenario_rules
from kaohe.whatif.sweep import parse_values, sweep

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = DEFAULT_RULES.read_text(encoding="utf-8")
# The shipped quarters list names and labels only (their dates follow from the period); the
# quarter tests break dates written out in full, as a rules file may still write them.
DERIVED_QUARTERS = """    assessment:
      - {name: Q1, label: 第一季度}
      - {name: Q2, label: 第二季度}
      - {name: Q3, label: 第三季度}
      - {name: Q4, label: 第四季度}
    calendar:
      - {name: Q1, label: 第一季度}
      - {name: Q2, label: 第二季度}
      - {name: Q3, label: 第三季度}
      - {name: Q4, label: 第四季度}
"""
WRITTEN_QUARTERS = """    assessment:
      - {name: Q1, label: 第一季度, start: 2021-12-01, end: 2022-02-28}
      - {name: Q2, label: 第二季度, start: 2022-03-01, end: 2022-05-31}
      - {name: Q3, label: 第三季度, start: 2022-06-01, end: 2022-08-31}
      - {name: Q4, label: 第四季度, start: 2022-09-01, end: 2022-11-30}
    calendar:
      - {name: Q1, label: 第一季度, start: 2021-12-01, end: 2022-03-31}
      - {name: Q2, label: 第二季度, start: 2022-04-01, end: 2022-06-30}
      - {name: Q3, label: 第三季度, start: 2022-07-01, end: 2022-09-30}
      - {name: Q4, label: 第四季度, start: 2022-10-01, end: 2022-11-30}
"""
assert SHIPPED.count(DERIVED_QUARTERS) == 1
WRITTEN = SHIPPED.replace(DERIVED_QUARTERS, WRITTEN_QUARTERS)
SCENARIOS = sorted((ROOT / "params" / "scenarios").glob("*.yaml"))


def line_of(text: str, needle: str, nth: int = 0) -> int:
    """1-based line of the nth line containing `needle`."""
    hits = [i + 1 for i, line in enumerate(text.splitlines()) if needle in line]
    return hits[nth]


def broken(tmp_path: Path, old: str, new: str, name: str = "2022.yaml") -> tuple[Path, str]:
    """The shipped rules (with the quarters' dates written out) with the one occurrence of
    `old` replaced by `new`."""
    assert WRITTEN.count(old) == 1, f"{old!r} should occur once in the shipped rules"
    text = WRITTEN.replace(old, new)
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p, text


def refused(path: Path) -> str:
    with pytest.raises(RulesError) as err:
        load_rules(path)
    message = str(err.value)
    assert str(path) in message
    assert "Traceback" not in message and "Input should" not in message
    return message


def test_shipped_rules_and_scenarios_still_load() -> None:
    assert load_rules().meta.year == 2022
    for path in SCENARIOS:
        baseline, changed = scenario_rules(load_scenario(path))
        assert baseline != changed


def test_a_utf8_file_with_a_byte_order_mark_loads(tmp_path: Path) -> None:
    p = tmp_path / "bom.yaml"
    p.write_bytes(b"\xef\xbb\xbf" + SHIPPED.encode("utf-8"))
    assert load_rules(p) == load_rules()


# ---- signs: deductions ≤ 0, points and bonuses ≥ 0 -------------------------------------------

DEDUCTION = "扣分应写成 0 或负数（如 -5 表示扣 5 分），实际为"
POINTS = "加分、分值应为 0 或正数，实际为"

SIGNS = [
    (
        "    city_items: -3",
        "    city_items: 3",
        "department.shortfall.city_items",
        DEDUCTION + " 3",
    ),
    (
        "    provincial_suggestion: -10",
        "    provincial_suggestion: 10",
        "department.shortfall.provincial_suggestion",
        DEDUCTION + " 10",
    ),
    (
        "penalty: {局办公室: -5, 市委办: -10",
        "penalty: {局办公室: 5, 市委办: -10",
        "department.commissions.penalty.局办公室",
        DEDUCTION + " 5",
    ),
    ("    penalty: -20", "    penalty: 20", "department.research.penalty", DEDUCTION + " 20"),
    (
        "    shortfall_each: -5",
        "    shortfall_each: 5",
        "district.submissions.shortfall_each",
        DEDUCTION + " 5",
    ),
    ("    penalty: -10", "    penalty: 10", "district.commissions.penalty", DEDUCTION + " 10"),
    ("    city: 10", "    city: -10", "department.extra.city", POINTS + " -10"),
    (
        "    points_each: 1",
        "    points_each: -1",
        "department.unadopted.points_each",
        POINTS + " -1",
    ),
    (
        "{name: 市委办市府办季度好信息, points: 20",
        "{name: 市委办市府办季度好信息, points: -20",
        "department.awards.list.0.points",
        POINTS + " -20",
    ),
    (
        "{agency: 中央办公厅, title: 《工作情况交流》, points: 200",
        "{agency: 中央办公厅, title: 《工作情况交流》, points: -200",
        "publications.list.0.points",
        POINTS + " -200",
    ),
    (
        "forms: {全文录用: 100, 组稿录用: 60",
        "forms: {全文录用: 100, 组稿录用: -60",
        "publications.list.3.forms.组稿录用",
        POINTS + " -60",
    ),
    (
        "instruction: {fixed: 200,",
        "instruction: {fixed: -200,",
        "publications.list.3.instruction.fixed",
        POINTS + " -200",
    ),
    (
        "{agency: 中央办公厅, title: 《专报》, points: 200, instruction: {multiple: 2,",
        "{agency: 中央办公厅, title: 《专报》, points: 200, instruction: {multiple: -2,",
        "publications.list.1.instruction.multiple",
        "倍数应为 0 或正数，实际为 -2",
    ),
    (
        "{name: 省两办, agencies: [省委办公厅, 省政府办公厅], full: 50",
        "{name: 省两办, agencies: [省委办公厅, 省政府办公厅], full: -50",
        "district.adoptions.groups.0.full",
        POINTS + " -50",
    ),
    ("    examples_each: 5", "    examples_each: -5", "district.adoptions.examples_each", POINTS),
    (
        "      multiplier: 2",
        "      multiplier: 0",
        "district.adoptions.central.multiplier",
        "倍数应不小于 1（1 即不加倍），实际为 0",
    ),
    (
        "    points_per_percent: 0.2",
        "    points_per_percent: -0.2",
        "outcomes.department_adjustment.points_per_percent",
        POINTS + " -0.2",
    ),
    ("      base: 150", "      base: 0", "groups.list.1.base", "应大于 0，实际为 0"),
    (
        "    full_score: 100",
        "    full_score: -100",
        "outcomes.district_assessment.full_score",
        "应大于 0，实际为 -100",
    ),
    ("    task: 20", "    task: -20", "district.submissions.task", "应为非负整数，实际为 -20"),
    (
        "    max_count: 6",
        "    max_count: -6",
        "outcomes.advanced_collectives.max_count",
        "非负整数",
    ),
]


@pytest.mark.parametrize(("old", "new", "path", "needle"), SIGNS, ids=[s[2] for s in SIGNS])
def test_a_value_with_the_wrong_sign_is_refused_naming_file_line_and_path(
    tmp_path: Path, old: str, new: str, path: str, needle: str
) -> None:
    p, text = broken(tmp_path, old, new)
    message = refused(p)
    assert f"第 {line_of(text, new.strip())} 行 {path}: " in message
    assert needle in message


# ---- shares in [0, 1] ------------------------------------------------------------------------

SHARES = [
    ("    cap_share_of_base: 0.30", "-0.30", "department.unadopted.cap_share_of_base"),
    ("    cap_share_of_base: 0.30", "30", "department.unadopted.cap_share_of_base"),
    ("    max_total_share: 1", "1.5", "department.shared_items.max_total_share"),
    (
        "    zero_at_or_below_share: 0.5",
        "50",
        "outcomes.district_assessment.zero_at_or_below_share",
    ),
    ("  other_year_share: 0.5", "-0.5", "ledger_checks.other_year_share"),
]


@pytest.mark.parametrize(("old", "value", "path"), SHARES)
def test_a_share_outside_0_to_1_is_refused(tmp_path: Path, old: str, value: str, path: str) -> None:
    new = old.split(":")[0] + ": " + value
    p, text = broken(tmp_path, old, new)
    message = refused(p)
    assert (
        f"第 {line_of(text, new.strip())} 行 {path}: 比例应在 0 到 1 之间（如 0.30 表示 30%），"
        f"实际为 {value}"
    ) in message


def test_decimals_and_year_are_bounded(tmp_path: Path) -> None:
    p, _ = broken(tmp_path, "    decimals: 2", "    decimals: 9")
    assert "outcomes.department_adjustment.decimals: 小数位数应在 0 到 4 之间，实际为 9" in refused(
        p
    )
    p, _ = broken(tmp_path, "  year: 2022", "  year: 20222")
    assert "第 11 行 meta.year: 年度应在 1900 到 2100 之间，实际为 20222" in refused(p)


# ---- NaN, Inf, overflow ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "needle"),
    [
        (".nan", "应为有限的数字，实际为 .nan"),
        (".inf", "应为有限的数字，实际为 .inf"),
        ("-.inf", "应为有限的数字，实际为 -.inf"),
        ("1.0e+400", "数值 1.0E+400 太大：分值不能超过 10000"),
        ("99999999999999999999", "数值 99999999999999999999 太大"),
        ("1e400", "应为数字，实际为文字 '1e400'：请写成普通数字（如 0.3、20），不用科学计数法"),
        ("'1'", "应为数字，实际为文字 '1'：请写成普通数字（如 0.3、20），不加引号"),
    ],
)
def test_non_finite_and_overflowing_numbers_are_refused(
    tmp_path: Path, value: str, needle: str
) -> None:
    new = f"    points_each: {value}"
    p, text = broken(tmp_path, "    points_each: 1", new)
    message = refused(p)
    assert f"第 {line_of(text, new.strip())} 行 department.unadopted.points_each: " in message
    assert needle in message


def test_an_overflowing_count_is_refused(tmp_path: Path) -> None:
    p, _ = broken(tmp_path, "    task: 20", "    task: 99999999999999999999")
    message = refused(p)
    assert "district.submissions.task: 数值 99999999999999999999 太大" in message
    assert "不能超过 100000" in message


def test_an_integer_too_long_to_read_is_refused(tmp_path: Path) -> None:
    new = "    task: " + "9" * 5000
    p, text = broken(tmp_path, "    task: 20", new)
    assert (
        f"规则文件 {p} 第 {line_of(text, new.strip())} 行 district.submissions.task："
        "数值位数太多（5000 位）"
    ) in refused(p)


# ---- dates, period, quarters -----------------------------------------------------------------


def test_an_impossible_date_is_refused_naming_its_line(tmp_path: Path) -> None:
    p, _ = broken(tmp_path, "  start: 2021-12-01\n  end:", "  start: 2021-02-30\n  end:")
    message = refused(p)
    assert f"规则文件 {p} 第 17 行 period.start：日期 2021-02-30 不存在" in message
    assert "格式 YYYY-MM-DD" in message


def test_a_quoted_date_is_refused(tmp_path: Path) -> None:
    p, _ = broken(tmp_path, "  end: 2022-11-30", "  end: '2022-11-30'")
    assert "第 18 行 period.end: 应为日期（YYYY-MM-DD，不加引号），实际为 '2022-11-30'" in refused(
        p
    )


def test_a_period_ending_before_it_starts_is_refused(tmp_path: Path) -> None:
    p, _ = broken(tmp_path, "  end: 2022-11-30", "  end: 2021-11-30")
    message = refused(p)
    assert "第 18 行 period.end: 考核周期的结束日期 2021-11-30 早于开始日期 2021-12-01" in message


Q3 = "{name: Q3, label: 第三季度, start: 2022-06-01, end: 2022-08-31}"
CAL_Q3 = "{name: Q3, label: 第三季度, start: 2022-07-01, end: 2022-09-30}"


def test_a_gap_between_quarters_is_refused(tmp_path: Path) -> None:
    # today's hole: Q3 from 07-01 leaves June in no quarter, and a Q3 report drops its items
    new = Q3.replace("start: 2022-06-01", "start: 2022-07-01")
    p, text = broken(tmp_path, Q3, new)
    message = refused(p)
    assert (
        f"第 {line_of(text, new)} 行 quarters.options.assessment.2.start: 季度 Q2 与 Q3 之间有空档："
        "2022-06-01 至 2022-06-30 不属于任何季度，Q3 应从 2022-06-01 开始"
    ) in message


def test_an_overlap_between_quarters_is_refused(tmp_path: Path) -> None:
    new = Q3.replace("start: 2022-06-01", "start: 2022-05-15")
    p, text = broken(tmp_path, Q3, new)
    assert (
        f"第 {line_of(text, new)} 行 quarters.options.assessment.2.start: 季度 Q3 与 Q2 重叠："
        "2022-05-15 至 2022-05-31 属于两个季度"
    ) in refused(p)


def test_quarters_out_of_order_are_refused(tmp_path: Path) -> None:
    q2 = "      - {name: Q2, label: 第二季度, start: 2022-03-01, end: 2022-05-31}\n"
    q3 = f"      - {Q3}\n"
    assert WRITTEN.count(q2 + q3) == 1
    p = tmp_path / "2022.yaml"
    p.write_text(WRITTEN.replace(q2 + q3, q3 + q2), encoding="utf-8")
    message = refused(p)
    assert "quarters.options.assessment.2.start: 季度 Q2 排在 Q3 之后却更早开始" in message
    assert "请按时间顺序排列" in message


def test_the_inactive_quarter_option_is_checked_too(tmp_path: Path) -> None:
    new = CAL_Q3.replace("start: 2022-07-01", "start: 2022-07-05")
    p, text = broken(tmp_path, CAL_Q3, new)
    assert (
        f"第 {line_of(text, new)} 行 quarters.options.calendar.2.start: 季度 Q2 与 Q3 之间有空档："
        "2022-07-01 至 2022-07-04 不属于任何季度"
    ) in refused(p)


def test_quarters_must_start_and_end_with_the_period(tmp_path: Path) -> None:
    first = "{name: Q1, label: 第一季度, start: 2021-12-01, end: 2022-02-28}"
    p, _ = broken(tmp_path, first, first.replace("2021-12-01", "2021-12-02"))
    assert (
        "quarters.options.assessment.0.start: 第一个季度应从考核周期开始日 2021-12-01 起算，"
        "实际为 2021-12-02"
    ) in refused(p)
    last = "{name: Q4, label: 第四季度, start: 2022-09-01, end: 2022-11-30}"
    p, _ = broken(tmp_path, last, last.replace("2022-11-30", "2022-11-29"))
    assert (
        "quarters.options.assessment.3.end: 最后一个季度应在考核周期结束日 2022-11-30 止，"
        "实际为 2022-11-29"
    ) in refused(p)


def test_a_quarter_name_used_twice_is_refused(tmp_path: Path) -> None:
    p, _ = broken(tmp_path, Q3, Q3.replace("name: Q3", "name: Q2"))
    assert "quarters.options.assessment.2.name: 季度名称 'Q2' 重复" in refused(p)


# ---- keys written twice ----------------------------------------------------------------------


def test_a_key_written_twice_names_the_key_and_both_lines(tmp_path: Path) -> None:
    p, text = broken(tmp_path, "    city_items: -3\n", "    city_items: -3\n    city_items: 3\n")
    first = line_of(text, "city_items: -3")
    message = refused(p)
    assert (
        f"规则文件 {p} 第 {first + 1} 行 department.shortfall.city_items：键 city_items 写了两次"
        f"（department.shortfall 下）：第 {first} 行和第 {first + 1} 行"
    ) in message
    assert "请删除或合并其中一个" in message


def test_a_key_written_twice_in_a_flow_mapping_is_refused(tmp_path: Path) -> None:
    first = "{name: Q1, label: 第一季度, start: 2021-12-01, end: 2022-02-28}"
    new = first.replace("label: 第一季度,", "label: 第一季度, name: Q0,")
    p, text = broken(tmp_path, first, new)
    n = line_of(text, new)
    assert f"键 name 写了两次（quarters.options.assessment.0 下）：都在第 {n} 行" in refused(p)


def test_a_top_level_block_written_twice_is_refused(tmp_path: Path) -> None:
    p = tmp_path / "2022.yaml"
    text = SHIPPED + "\nmeta:\n  title: x\n  year: 2023\n  source: y\n"
    p.write_text(text, encoding="utf-8")
    n = len(text.splitlines()) - 3
    assert f"键 meta 写了两次（顶层）：第 9 行和第 {n} 行" in refused(p)


# ---- files that are not rules files ----------------------------------------------------------


def test_a_gbk_file_says_save_as_utf8(tmp_path: Path) -> None:
    p = tmp_path / "gbk.yaml"
    p.write_bytes(SHIPPED.encode("gbk"))
    message = refused(p)
    assert f"规则文件 {p} 不是 UTF-8 编码" in message
    assert "GBK" in message and "另存为 UTF-8 编码" in message
    assert "内部错误" not in message


def test_a_directory_given_as_the_rules_file(tmp_path: Path) -> None:
    message = refused(tmp_path)
    assert f"规则文件 {tmp_path} 是一个文件夹，不是文件：请给出 .yaml 文件的路径" in message


@pytest.mark.parametrize("text", ["", "\n\n", "# 只有注释\n"])
def test_an_empty_rules_file(tmp_path: Path, text: str) -> None:
    p = tmp_path / "empty.yaml"
    p.write_text(text, encoding="utf-8")
    assert f"规则文件 {p} 是空的" in refused(p)


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("- meta: x\n- period: y\n", "的顶层应为一组“键: 值”，实际为列表"),
        ("规则\n", "的顶层应为一组“键: 值”，实际为一个值 '规则'"),
        ("meta: 1\n---\nperiod: 2\n", "不是有效的 YAML：第 2 行第 1 列附近含有多个 YAML 文档"),
        (
            "meta:\n\ttitle: x\n",
            "不是有效的 YAML：第 2 行第 1 列附近有制表符（Tab）：请改用空格缩进",
        ),
        ("meta: [x\n", "不是有效的 YAML"),
    ],
)
def test_a_file_that_is_not_a_rules_mapping(tmp_path: Path, text: str, needle: str) -> None:
    p = tmp_path / "bad.yaml"
    p.write_text(text, encoding="utf-8")
    message = refused(p)
    assert f"规则文件 {p} {needle}" in message or f"规则文件 {p}{needle}" in message


def test_an_unknown_key_of_a_dictionary_names_the_allowed_keys(tmp_path: Path) -> None:
    old = "labels: {central: 中央,"
    p, text = broken(tmp_path, old, "labels: {centrl: 中央,")
    message = refused(p)
    assert f"第 {line_of(text, 'centrl')} 行 levels.labels.centrl: 键 'centrl' 不可用" in message
    assert "应为 central、provincial、city、bureau 之一" in message


# ---- in memory: no file, no lines ------------------------------------------------------------


def test_in_memory_mappings_name_the_path_without_a_line() -> None:
    m = copy.deepcopy(dict(read_rules_mapping(DEFAULT_RULES)))  # a plain dict: no lines
    m["department"]["shortfall"]["city_items"] = 3
    with pytest.raises(RulesError) as err:
        rules_from_mapping(m, "<测试>")
    message = str(err.value)
    assert message.startswith("规则文件 <测试> 有误：")
    assert f"  department.shortfall.city_items: {DEDUCTION} 3" in message
    assert "行" not in message.split("\n", 1)[1].split(":")[0]


def test_copies_of_a_read_mapping_keep_the_lines() -> None:
    m = copy.deepcopy(read_rules_mapping(DEFAULT_RULES))
    m["department"]["shortfall"]["city_items"] = 3
    with pytest.raises(RulesError, match=r"第 \d+ 行 department\.shortfall\.city_items"):
        rules_from_mapping(m, str(DEFAULT_RULES))


# ---- scenario files --------------------------------------------------------------------------


def scenario(tmp_path: Path, changes: str, name: str = "s.yaml") -> Path:
    p = tmp_path / name
    p.write_text(f"name: 测试\nbase: {DEFAULT_RULES}\nchanges:\n{changes}", encoding="utf-8")
    return p


def scenario_refused(p: Path) -> str:
    with pytest.raises(ScenarioError) as err:
        scenario_rules(load_scenario(p))
    message = str(err.value)
    assert str(p) in message
    return message


def test_a_scenario_change_with_the_wrong_sign_names_the_scenario_file_and_line(
    tmp_path: Path,
) -> None:
    p = scenario(
        tmp_path, "  department.extra.city: 5\n  department.shortfall.city_suggestion: 5\n"
    )
    message = scenario_refused(p)
    assert message.startswith(f"情景文件 {p} 改动后的规则无效：")
    assert f"第 5 行 department.shortfall.city_suggestion: {DEDUCTION} 5" in message


def test_a_scenario_share_outside_0_to_1_is_refused(tmp_path: Path) -> None:
    p = scenario(tmp_path, "  department.unadopted.cap_share_of_base: 20\n")
    assert (
        "第 4 行 department.unadopted.cap_share_of_base: 比例应在 0 到 1 之间（如 0.30 表示 30%），"
        "实际为 20"
    ) in scenario_refused(p)


def test_a_scenario_change_by_list_name_is_named_as_written(tmp_path: Path) -> None:
    p = scenario(tmp_path, "  publications.list[市委办公室《工作交流》].points: -50\n")
    assert (
        f"第 4 行 publications.list[市委办公室《工作交流》].points: {POINTS} -50"
    ) in scenario_refused(p)


def test_a_scenario_nan_and_impossible_date(tmp_path: Path) -> None:
    p = scenario(tmp_path, "  department.extra.city: .nan\n")
    assert "第 4 行 department.extra.city: 应为有限的数字，实际为 .nan" in scenario_refused(p)
    p = scenario(tmp_path, "  period.end: 2022-11-31\n", "d.yaml")
    assert f"情景文件 {p} 第 4 行 changes.period.end：日期 2022-11-31 不存在" in scenario_refused(p)


def test_a_scenario_key_written_twice_under_changes(tmp_path: Path) -> None:
    p = scenario(
        tmp_path,
        "  department.extra.provincial: 40\n  department.extra.city: 5\n"
        "  department.extra.provincial: 30\n",
    )
    message = scenario_refused(p)
    assert "键 department.extra.provincial 写了两次（changes 下）：第 4 行和第 6 行" in message


def test_two_scenario_changes_of_one_rule_are_refused(tmp_path: Path) -> None:
    p = scenario(tmp_path, "  groups.list[B].base: 180\n  groups.list.1.base: 170\n")
    assert (
        f"情景文件 {p} 第 5 行：改动 groups.list.1.base 与改动 groups.list[B].base 指向同一条规则"
    ) in scenario_refused(p)


def test_an_unknown_scenario_path_names_the_line(tmp_path: Path) -> None:
    p = scenario(tmp_path, "  department.extra.city: 5\n  department.extra.provinical: 40\n")
    assert (
        f"情景文件 {p} 第 5 行：规则中没有路径 department.extra.provinical；"
        "最接近的有效路径是 department.extra.provincial"
    ) in scenario_refused(p)


def test_a_problem_away_from_the_change_names_the_base_file_line(tmp_path: Path) -> None:
    base = tmp_path / "written.yaml"
    base.write_text(WRITTEN, encoding="utf-8")
    p = tmp_path / "s.yaml"
    p.write_text(
        f"name: 测试\nbase: {base}\nchanges:\n  quarters.options.calendar.1.end: 2022-06-20\n",
        encoding="utf-8",
    )
    message = scenario_refused(p)
    n = line_of(WRITTEN, CAL_Q3)
    assert (
        f"quarters.options.calendar.2.start（基准规则文件 {base} 第 {n} 行）: "
        "季度 Q2 与 Q3 之间有空档：2022-06-21 至 2022-06-30 不属于任何季度"
    ) in message


def test_a_gbk_scenario_and_a_list_scenario(tmp_path: Path) -> None:
    p = tmp_path / "gbk.yaml"
    p.write_bytes(f"name: 测试\nbase: {DEFAULT_RULES}\nchanges: {{}}\n".encode("gbk"))
    message = scenario_refused(p)
    assert f"情景文件 {p} 不是 UTF-8 编码" in message and "另存为 UTF-8 编码" in message
    p = tmp_path / "list.yaml"
    p.write_text("- name: 测试\n", encoding="utf-8")
    assert "的顶层应为一组“键: 值”，实际为列表" in scenario_refused(p)
    assert "是一个文件夹" in scenario_refused(tmp_path)


# ---- sweeps ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("20,30,20", "取值 20 重复（第 1 个和第 3 个取值相同）：每个取值只写一次"),
        ("0.3, 0.30", "取值 0.30 重复（第 1 个和第 2 个取值相同）"),
        ("inf", "取值 inf 不是有限的数"),
        ("1,-inf", "取值 -inf 不是有限的数"),
        ("nan", "取值 nan 不是有限的数"),
        ("0:inf:1", "取值 inf 不是有限的数"),
        ("1e400", "取值 1e400 太大：规则中的数值绝对值不超过 100000"),
        ("0:1:1e-300", "步长 1e-300 太小：规则数值最多两位小数，步长至少为 0.01"),
        ("0:5000:0.01", "取值太多（500001 个），请加大步长"),
        ("-10000:10000:0.01", "取值太多（超过 100000 个），请加大步长"),
        (",", "没有给出取值"),
    ],
)
def test_parse_values_refuses_repeats_and_non_finite_values(text: str, needle: str) -> None:
    with pytest.raises(ScenarioError) as err:
        parse_values(text)
    assert needle in str(err.value)


def test_parse_values_takes_full_width_separators() -> None:
    assert parse_values("0.1：0.3：0.1") == [Decimal("0.1"), Decimal("0.2"), Decimal("0.3")]
    assert parse_values("20，30") == [20, 30]


@pytest.fixture(scope="module")
def mapping() -> dict:
    return read_rules_mapping(DEFAULT_RULES)


@pytest.fixture(scope="module")
def ledger(mapping: dict):
    led = read_ledger(ROOT / "data" / "raw" / "2022", rules_from_mapping(mapping))
    assert led.ok
    return led


@pytest.mark.parametrize(
    ("path", "values", "needle"),
    [
        (
            "department.unadopted.cap_share_of_base",
            "0.1,2",
            "规则路径 department.unadopted.cap_share_of_base 不能取 2：比例应在 0 到 1 之间",
        ),
        (
            "department.shortfall.city_items",
            "-5,3",
            f"规则路径 department.shortfall.city_items 不能取 3：{DEDUCTION} 3",
        ),
        (
            "district.adoptions.central.multiplier",
            "0,2",
            "不能取 0：倍数应不小于 1（1 即不加倍），实际为 0",
        ),
        (
            "groups.list[B].tasks.city.suggestion",
            "0,4",
            "不能取 4：建议问题类任务数 4 不能大于该级任务总数 3",
        ),
    ],
)
def test_sweep_refuses_values_outside_the_sense_range(
    mapping: dict, ledger, path: str, values: str, needle: str
) -> None:
    with pytest.raises(ScenarioError) as err:
        sweep(ledger, mapping, path, parse_values(values))
    assert needle in str(err.value)


@pytest.mark.parametrize(
    ("path", "needle"),
    [
        # a typo near a string leaf: the nearest numeric leaf, not .description
        (
            "department.unadopted.descriptio",
            "规则中没有路径 department.unadopted.descriptio；"
            "最接近的有效路径是 department.unadopted.points_each",
        ),
        (
            "department.unadopted.clause",
            "规则路径 department.unadopted.clause 的值 '二（二）1（1）'，不是数值，无法扫描"
            "（可用情景文件比较）；最接近的数值规则路径是 department.unadopted.points_each",
        ),
        (
            "department.unadopted",
            "规则路径 department.unadopted 是一组规则，不是数值，无法扫描",
        ),
    ],
)
def test_sweep_path_suggestions_are_numeric_rules(
    mapping: dict, ledger, path: str, needle: str
) -> None:
    with pytest.raises(ScenarioError) as err:
        sweep(ledger, mapping, path, [Decimal(1)])
    assert needle in str(err.value)


def test_sweep_of_a_share_at_its_bound(mapping: dict, ledger) -> None:
    # max_total_share is 1: neither +1 nor -1 is a share, the sweep still runs
    table, method = sweep(
        ledger, mapping, "department.shared_items.max_total_share", parse_values("0.5,1")
    )
    assert method == "vectorised"
    assert table.height == 2 * 21


def test_cli_sweep_with_repeated_values_writes_nothing(tmp_path: Path) -> None:
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "kaohe",
            "sweep",
            "department.extra.provincial",
            "--values",
            "20,40,20",
            "--out",
            str(tmp_path / "out"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert r.returncode != 0
    assert "取值 20 重复" in r.stderr
    assert "Traceback" not in r.stderr and "ComputeError" not in r.stderr
    assert not (tmp_path / "out" / "sweep.csv").exists()
