"""Rules files written on a base (overlays): changes, additions, removals, chains, their errors,
quarters whose dates follow from the period, and the shipped 2023 rules."""

from __future__ import annotations

import copy
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl
import pytest
import yaml
from polars.testing import assert_frame_equal

from kaohe.engine import score
from kaohe.ledger.read import read_ledger
from kaohe.rules.models import (
    DEFAULT_RULES,
    Rules,
    RulesError,
    load_rules,
    read_rules_mapping,
    rules_fingerprint,
)
from kaohe.rules.periods import quarter_dates
from kaohe.whatif.scenario import load_scenario, scenario_rules

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "raw" / "2022"
Y2023 = ROOT / "params" / "2023.yaml"

NEW_PUBLICATION = {
    "agency": "省人力社保厅",
    "title": "《测试刊物》",
    "points": 25,
    "instruction": {"multiple": 2, "note": "获省厅领导批示的，按照原录用分值的2倍加分"},
    "chucai": 3,
}

OVERLAY = f"""\
base: {DEFAULT_RULES}
remove:
  outcomes.officer_prizes.prizes: [三等奖]
  agencies.list[中央办公厅].aliases: [中共中央办公厅]
add:
  publications.list:
    - agency: 省人力社保厅
      title: 《测试刊物》
      points: 25
      instruction: {{multiple: 2, note: 获省厅领导批示的，按照原录用分值的2倍加分}}
      chucai: 3
  department.awards.list:
    - {{name: 局办公室季度好信息, points: 10}}
changes:
  groups.list[B].base: 180
  department.unadopted.cap_share_of_base: 0.25
  publications.list[市委办公室《工作交流》].points: 60
  outcomes.officer_prizes.prizes[二等奖].count: 3
"""


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def written_out() -> dict[str, Any]:
    """The same rules as OVERLAY, written out in full by editing the 2022 data directly."""
    data = yaml.safe_load(DEFAULT_RULES.read_text(encoding="utf-8"))
    prizes = data["outcomes"]["officer_prizes"]["prizes"]
    prizes[:] = [p for p in prizes if p["name"] != "三等奖"]
    next(p for p in prizes if p["name"] == "二等奖")["count"] = 3
    central = next(a for a in data["agencies"]["list"] if a["name"] == "中央办公厅")
    central["aliases"].remove("中共中央办公厅")
    data["publications"]["list"].append(copy.deepcopy(NEW_PUBLICATION))
    data["department"]["awards"]["list"].append({"name": "局办公室季度好信息", "points": 10})
    next(g for g in data["groups"]["list"] if g["name"] == "B")["base"] = 180
    data["department"]["unadopted"]["cap_share_of_base"] = 0.25
    pubs = data["publications"]["list"]
    next(p for p in pubs if p["agency"] == "市委办公室" and p["title"] == "《工作交流》")[
        "points"
    ] = 60
    return data


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("overlay")
    overlay = write(folder / "overlay.yaml", OVERLAY)
    full = folder / "full.yaml"
    full.write_text(yaml.safe_dump(written_out(), allow_unicode=True), encoding="utf-8")
    return overlay, full


def test_an_overlay_is_the_same_rules_as_written_out(files: tuple[Path, Path]) -> None:
    overlay, full = files
    assert load_rules(overlay) == load_rules(full)
    assert load_rules(overlay) != load_rules()


def test_an_overlay_scores_exactly_like_the_rules_written_out(files: tuple[Path, Path]) -> None:
    overlay, full = files
    results = []
    for path in (overlay, full):
        rules = load_rules(path)
        ledger = read_ledger(SAMPLE, rules)
        assert ledger.ok
        results.append(score(ledger, rules))
    a, b = results
    assert_frame_equal(a.unit_scores, b.unit_scores)
    assert_frame_equal(a.score_lines, b.score_lines)
    assert_frame_equal(a.people, b.people)
    # and the changes did change the scores: group B's base, the cap, 工作交流's points
    base = score(read_ledger(SAMPLE, load_rules()), load_rules())
    joined = a.unit_scores.join(base.unit_scores, on="unit", suffix="_2022")
    assert (joined["total"] != joined["total_2022"]).any()
    b_units = joined.filter(pl.col("group") == "B")
    assert (b_units["base"] == 180).all() and (b_units["base_2022"] == 150).all()


def test_overlays_chain_and_the_base_is_relative_to_the_file(tmp_path: Path) -> None:
    write(tmp_path / "params" / "2022.yaml", DEFAULT_RULES.read_text(encoding="utf-8"))
    write(
        tmp_path / "params" / "a.yaml",
        "base: 2022.yaml\nchanges:\n  groups.list[B].base: 180\n",
    )
    c = write(
        tmp_path / "params" / "sub" / "c.yaml",
        "base: ../a.yaml\nchanges:\n  department.unadopted.cap_share_of_base: 0.25\n"
        "  groups.list[C].base: 120\n",
    )
    rules = load_rules(c)
    assert rules.group_by_name["B"].base == 180  # from a.yaml
    assert rules.group_by_name["C"].base == 120
    assert rules.department.unadopted.cap_share_of_base == Decimal("0.25")
    mapping = read_rules_mapping(c)
    assert [p.name for p in mapping.files] == ["2022.yaml", "a.yaml", "c.yaml"]


def test_the_fingerprint_of_an_overlay_follows_its_base(tmp_path: Path) -> None:
    base = write(tmp_path / "2022.yaml", DEFAULT_RULES.read_text(encoding="utf-8"))
    top = write(tmp_path / "2023.yaml", "base: 2022.yaml\nchanges:\n  meta.year: 2023\n")
    before = rules_fingerprint(top)
    assert rules_fingerprint(base) == rules_fingerprint(DEFAULT_RULES)  # a plain file: its sha256
    base.write_text(base.read_text(encoding="utf-8") + "# 注释\n", encoding="utf-8")
    assert rules_fingerprint(top) != before


# ---- errors ---------------------------------------------------------------------------------


def refused(path: Path) -> str:
    with pytest.raises(RulesError) as err:
        load_rules(path)
    message = str(err.value)
    assert "Traceback" not in message
    return message


def overlay(tmp_path: Path, body: str, name: str = "2023.yaml") -> Path:
    return write(tmp_path / name, f"base: {DEFAULT_RULES}\n{body}")


def test_an_unknown_path_names_the_file_line_and_nearest_path(tmp_path: Path) -> None:
    p = overlay(tmp_path, "changes:\n  meta.year: 2023\n  department.unadopted.cap_share: 0.2\n")
    assert refused(p) == (
        f"规则文件 {p} 第 4 行：规则中没有路径 department.unadopted.cap_share；"
        "最接近的有效路径是 department.unadopted.cap_share_of_base"
    )


def test_removing_a_missing_name_names_the_nearest(tmp_path: Path) -> None:
    p = overlay(tmp_path, "remove:\n  groups.list: [E]\n")
    message = refused(p)
    assert message.startswith(f"规则文件 {p} 第 3 行：remove：列表 groups.list 中没有名为 'E' 的项")
    p = overlay(tmp_path, "remove:\n  publications.list: [市委办公室《工作交流2》]\n")
    assert "最接近的是 市委办公室《工作交流》" in refused(p)


def test_add_and_remove_need_a_list(tmp_path: Path) -> None:
    p = overlay(tmp_path, "add:\n  department.unadopted:\n    - {points_each: 2}\n")
    message = refused(p)
    assert message.startswith(
        f"规则文件 {p} 第 3 行：add 只能用于列表，规则路径 department.unadopted 是"
    )
    assert "改一个值请写在 changes 下" in message
    p = overlay(tmp_path, "add:\n  publications.list: {agency: 局本级}\n")
    assert "add 下的 publications.list 应为列表" in refused(p)


def test_a_cycle_of_bases_is_refused(tmp_path: Path) -> None:
    write(tmp_path / "a.yaml", "base: b.yaml\nchanges: {}\n")
    b = write(tmp_path / "b.yaml", "# b\nbase: a.yaml\nchanges: {}\n")
    message = refused(tmp_path / "a.yaml")
    assert f"规则文件 {b} 第 2 行：基准规则文件形成循环（a.yaml → b.yaml → a.yaml）" in message
    write(tmp_path / "self.yaml", "base: self.yaml\n")
    assert "形成循环（self.yaml → self.yaml）" in refused(tmp_path / "self.yaml")


def test_a_missing_base_and_unknown_keys_are_refused(tmp_path: Path) -> None:
    p = write(tmp_path / "x.yaml", "base: nope.yaml\nchanges: {}\n")
    assert "的基准规则文件 nope.yaml 不存在" in refused(p)
    p = overlay(tmp_path, "meta:\n  year: 2023\n")
    message = refused(p)
    assert "有未知的键 ['meta']" in message and "changes: {meta.year: 2023}" in message


def test_two_changes_of_one_rule_are_refused(tmp_path: Path) -> None:
    p = overlay(tmp_path, "changes:\n  groups.list[B].base: 180\n  groups.list.1.base: 170\n")
    assert (
        f"规则文件 {p} 第 4 行：改动 groups.list.1.base 与改动 groups.list[B].base 指向同一条规则"
    ) in refused(p)


def test_a_bad_value_names_the_overlay_line_as_written(tmp_path: Path) -> None:
    p = overlay(tmp_path, "changes:\n  meta.year: 2023\n  department.extra.city: -5\n")
    message = refused(p)
    assert message.startswith(f"规则文件 {p} 有误：")
    assert "  第 4 行 department.extra.city: 加分、分值应为 0 或正数，实际为 -5" in message


def test_a_bad_added_element_names_its_line(tmp_path: Path) -> None:
    p = overlay(
        tmp_path,
        "add:\n  publications.list:\n    - {agency: 局本级, title: 新网站, points: 3, chucai: 0}\n"
        "    - agency: 无此单位\n      title: 某刊物\n      points: 3\n      chucai: 0\n",
    )
    message = refused(p)
    assert (
        "第 5 行 add publications.list 第 2 项（publications.list.27.agency）: 未知的录用单位 '无此单位'"
        in (message)
    )


def test_a_problem_from_the_base_names_the_base_file(tmp_path: Path) -> None:
    # the overlay moves the period but writes quarters' dates that no longer tile it
    base = write(
        tmp_path / "written.yaml",
        DEFAULT_RULES.read_text(encoding="utf-8").replace(
            "      - {name: Q1, label: 第一季度}\n      - {name: Q2, label: 第二季度}\n"
            "      - {name: Q3, label: 第三季度}\n      - {name: Q4, label: 第四季度}\n    calendar:",
            "      - {name: Q1, label: 第一季度, start: 2021-12-01, end: 2022-02-28}\n"
            "      - {name: Q2, label: 第二季度, start: 2022-03-01, end: 2022-05-31}\n"
            "      - {name: Q3, label: 第三季度, start: 2022-06-01, end: 2022-08-31}\n"
            "      - {name: Q4, label: 第四季度, start: 2022-09-01, end: 2022-11-30}\n    calendar:",
        ),
    )
    assert load_rules(base) == load_rules()
    p = write(
        tmp_path / "2023.yaml",
        "base: written.yaml\nchanges:\n  period.start: 2022-12-01\n  period.end: 2023-11-30\n",
    )
    message = refused(p)
    assert (
        f"quarters.options.assessment.0.start（基准规则文件 {base} 第 " in message
        and "第一个季度应从考核周期开始日 2022-12-01 起算，实际为 2021-12-01" in message
    )


def test_a_scenario_may_add_and_remove(tmp_path: Path) -> None:
    p = write(
        tmp_path / "s.yaml",
        f"name: 新刊物\nbase: {DEFAULT_RULES}\nadd:\n  publications.list:\n"
        "    - {agency: 局本级, title: 新网站, points: 3, chucai: 0}\n"
        "remove:\n  outcomes.officer_prizes.prizes: [三等奖]\n",
    )
    baseline, changed = scenario_rules(load_scenario(p))
    assert len(changed.publications.list) == len(baseline.publications.list) + 1
    assert [x.name for x in changed.outcomes.officer_prizes.prizes] == ["一等奖", "二等奖"]


# ---- quarters from the period -----------------------------------------------------------------

WRITTEN_2022 = {
    "assessment": [
        ("2021-12-01", "2022-02-28"),
        ("2022-03-01", "2022-05-31"),
        ("2022-06-01", "2022-08-31"),
        ("2022-09-01", "2022-11-30"),
    ],
    "calendar": [
        ("2021-12-01", "2022-03-31"),
        ("2022-04-01", "2022-06-30"),
        ("2022-07-01", "2022-09-30"),
        ("2022-10-01", "2022-11-30"),
    ],
}


@pytest.mark.parametrize("option", ["assessment", "calendar"])
def test_derived_quarters_are_the_dates_the_2022_file_wrote(option: str) -> None:
    # the dates params/2022.yaml listed before they were derived
    wanted = [(date.fromisoformat(s), date.fromisoformat(e)) for s, e in WRITTEN_2022[option]]
    rules = load_rules()
    assert [(q.start, q.end) for q in rules.quarters.options[option]] == wanted
    assert quarter_dates(option, date(2021, 12, 1), date(2022, 11, 30)) == wanted
    assert [q.name for q in rules.quarters.options[option]] == ["Q1", "Q2", "Q3", "Q4"]


def test_derived_quarters_of_other_periods() -> None:
    d = date.fromisoformat
    assert quarter_dates("calendar", d("2023-01-01"), d("2023-12-31")) == [
        (d("2023-01-01"), d("2023-03-31")),
        (d("2023-04-01"), d("2023-06-30")),
        (d("2023-07-01"), d("2023-09-30")),
        (d("2023-10-01"), d("2023-12-31")),
    ]
    assert quarter_dates("calendar", d("2022-12-01"), d("2023-11-30"))[0] == (
        d("2022-12-01"),
        d("2023-03-31"),
    )
    assert quarter_dates("assessment", d("2023-01-31"), d("2023-12-30"))[:2] == [
        (d("2023-01-31"), d("2023-04-29")),
        (d("2023-04-30"), d("2023-07-30")),
    ]
    assert quarter_dates("other", d("2023-01-01"), d("2023-12-31")) is None


def test_written_quarter_dates_must_be_the_derived_ones(tmp_path: Path) -> None:
    text = DEFAULT_RULES.read_text(encoding="utf-8")
    old = "      - {name: Q4, label: 第四季度}\n    calendar:"
    assert text.count(old) == 1
    p = write(
        tmp_path / "2022.yaml",
        text.replace(
            "      - {name: Q3, label: 第三季度}\n" + old,
            "      - {name: Q3, label: 第三季度, end: 2022-09-30}\n"
            "      - {name: Q4, label: 第四季度, start: 2022-10-01}\n    calendar:",
        ),
    )
    message = refused(p)
    assert (
        "quarters.options.assessment.2.end: 季度 Q3 的结束日期 2022-09-30 与考核周期 2021-12-01 至 "
        "2022-11-30 按 assessment 划分推算的 2022-08-31 不一致：删去各季度的 start 和 end"
    ) in message
    p = write(tmp_path / "3.yaml", text.replace(old, "    calendar:"))
    assert (
        "quarters.options.assessment: 考核周期 2021-12-01 至 2022-11-30 按 assessment 划分为 4 个季度，"
        "这里列了 3 个"
    ) in refused(p)


# ---- the shipped 2023 rules ---------------------------------------------------------------


@pytest.fixture(scope="module")
def rules_2023() -> Rules:
    return load_rules(Y2023)


def test_2023_is_an_overlay_on_2022_moving_the_period(rules_2023: Rules) -> None:
    assert yaml.safe_load(Y2023.read_text(encoding="utf-8"))["base"] == "2022.yaml"
    assert rules_2023.meta.year == 2023 and "2023年度" in rules_2023.meta.title
    assert (rules_2023.period.start, rules_2023.period.end) == (
        date(2022, 12, 1),
        date(2023, 11, 30),
    )
    q = rules_2023.quarters.active
    assert (q[0].start, q[0].end) == (date(2022, 12, 1), date(2023, 2, 28))
    assert q[-1].end == date(2023, 11, 30)
    assert "2022年12月" in rules_2023.quarters.description


def test_2023_changes_the_rules_the_issue_names(rules_2023: Rules) -> None:
    r2022 = load_rules()
    assert r2022.group_by_name["B"].base == 150 and rules_2023.group_by_name["B"].base == 180
    u22, u23 = r2022.department.unadopted, rules_2023.department.unadopted
    assert (u22.cap_share_of_base, u23.cap_share_of_base) == (Decimal("0.30"), Decimal("0.25"))
    assert "30%" in u22.description and "25%" in u23.description  # the text follows the number
    new = {p.key for p in rules_2023.publications.list} - {p.key for p in r2022.publications.list}
    assert new == {"省人力社保厅《浙江人社工作交流》"}
    # everything else is 2022's
    same = rules_2023.model_copy(
        update={
            "meta": r2022.meta,
            "period": r2022.period,
            "quarters": r2022.quarters,
            "groups": r2022.groups,
            "department": r2022.department,
            "publications": r2022.publications,
        }
    )
    assert same == r2022
