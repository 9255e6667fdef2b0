"""Rule-change simulation: scenario files, comparisons and sweeps."""

from __future__ import annotations

import copy
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest

from kaohe.engine import score
from kaohe.ledger.read import read_ledger
from kaohe.publish import external_references
from kaohe.rules.models import DEFAULT_RULES, read_rules_mapping, rules_from_mapping
from kaohe.whatif.scenario import (
    ScenarioError,
    apply_changes,
    get_value,
    load_scenario,
    scenario_rules,
    split_path,
)
from kaohe.whatif.simulate import compare
from kaohe.whatif.sweep import parse_values, sweep

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "raw" / "2022"
SCENARIOS = ROOT / "params" / "scenarios"


@pytest.fixture(scope="module")
def mapping() -> dict:
    return read_rules_mapping(DEFAULT_RULES)


@pytest.fixture(scope="module")
def rules(mapping: dict):
    return rules_from_mapping(mapping)


@pytest.fixture(scope="module")
def ledger(rules):
    led = read_ledger(SAMPLE, rules)
    assert led.ok
    return led


def write(tmp_path: Path, text: str, name: str = "s.yaml") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


# ---- scenario files -----------------------------------------------------------------------


def test_paths_pick_list_elements_by_name_or_position(mapping: dict) -> None:
    assert split_path("publications.list[市委办公室《工作交流》].points") == [
        "publications",
        "list",
        "市委办公室《工作交流》",
        "points",
    ]
    assert get_value(mapping, "publications.list[市委办公室《工作交流》].points") == 50
    assert get_value(mapping, "groups.list.B.base") == 150
    assert get_value(mapping, "groups.list.1.base") == 150
    assert get_value(mapping, "department.unadopted.cap_share_of_base") == Decimal("0.30")


def test_unknown_path_names_the_nearest_valid_path(mapping: dict) -> None:
    with pytest.raises(ScenarioError, match=r"department\.unadopted\.cap_share_of_base"):
        apply_changes(mapping, {"department.unadopted.cap_share": Decimal("0.2")})


def test_wrong_type_is_an_error_naming_the_path(mapping: dict) -> None:
    with pytest.raises(ScenarioError, match=r"department\.unadopted\.cap_share_of_base"):
        apply_changes(mapping, {"department.unadopted.cap_share_of_base": "二成"})


def test_baseline_file_is_never_modified(mapping: dict) -> None:
    before = DEFAULT_RULES.read_bytes()
    snapshot = copy.deepcopy(mapping)
    apply_changes(mapping, {"department.extra.provincial": 40})
    assert mapping == snapshot
    assert DEFAULT_RULES.read_bytes() == before


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("name: x\nbase: ../nope.yaml\nchanges: {{}}\n", "基准规则文件"),
        ("name: x\nbase: {base}\nchanges: []\n", "changes"),
        ("name: x\nbase: {base}\nchanges: {{}}\nextra: 1\n", "未知的键"),
        ("base: {base}\nchanges: {{}}\n", "缺少"),
        ("name: x\nbase: {base}\nchanges:\n  department.nothing.here: 1\n", "最接近的有效路径"),
        (
            "name: x\nbase: {base}\nchanges:\n  district.submissions.task: 20.5\n",
            "district.submissions.task",
        ),
        ("name: [x\n", "不是有效的 YAML"),
    ],
)
def test_bad_scenario_files_fail_with_a_clear_message(
    tmp_path: Path, text: str, needle: str
) -> None:
    p = write(tmp_path, text.format(base=DEFAULT_RULES))
    with pytest.raises(ScenarioError, match=needle):
        sc = load_scenario(p)
        scenario_rules(sc)


def test_missing_scenario_file(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="找不到情景文件"):
        load_scenario(tmp_path / "none.yaml")


@pytest.mark.parametrize("path", sorted(SCENARIOS.glob("*.yaml")), ids=lambda p: p.stem)
def test_shipped_scenarios_load_and_change_something(path: Path, ledger) -> None:
    sc = load_scenario(path)
    assert sc.description
    baseline, changed = scenario_rules(sc)
    assert baseline != changed
    c = compare(ledger, baseline, changed)
    assert c.units.height == 21
    assert (c.units["delta"] != 0).any()


# ---- comparisons ------------------------------------------------------------------------


def test_a_scenario_with_no_changes_gives_zero_difference_everywhere(
    tmp_path: Path, ledger
) -> None:
    p = write(tmp_path, f"name: 不变\nbase: {DEFAULT_RULES}\nchanges: {{}}\n")
    c = compare(ledger, *scenario_rules(load_scenario(p)))
    assert (c.units["delta"] == 0).all()
    assert (c.units["rank_change"] == 0).all()
    assert (c.units["base_line"] == "").all()
    assert c.by_clause.height == 0
    assert c.lines_changed.height == 0
    assert c.prizes.height == 0


def test_one_publications_points_move_exactly_the_units_using_it(
    mapping: dict, rules, ledger
) -> None:
    # 市委办公室《工作交流》: 50 -> 60. Its adoption lines move by 10 x share, and its
    # instruction lines (1 x the adoption's points) by 10 x share as well; nothing else moves.
    i = next(k for k, p in enumerate(rules.publications.list) if p.key == "市委办公室《工作交流》")
    changed = apply_changes(mapping, {f"publications.list.{i}.points": 60})
    c = compare(ledger, rules, changed)
    lines = c.baseline.score_lines
    uses = lines.filter(
        pl.col("rule").is_in(
            [f"publications.list.{i}.points", f"publications.list.{i}.instruction.multiple"]
        )
    )
    assert uses.height > 0, "the sample should use this publication"
    expected = uses.group_by("unit").agg((pl.col("share") * 10).sum().alias("expected"))
    moved = c.units.filter(pl.col("delta") != 0).select("unit", "delta")
    got = moved.join(expected, on="unit", how="full", coalesce=True).fill_null(0)
    assert ((got["delta"] - got["expected"]).abs() < 1e-9).all(), got


def test_comparison_columns_and_crossing_the_base_line(mapping: dict, rules, ledger) -> None:
    # Lower every department's base to 1 point: everyone below it now crosses upward.
    changes = {f"groups.list.{i}.base": 1 for i in range(4)}
    c = compare(ledger, rules, apply_changes(mapping, changes))
    for col in ("unit", "baseline", "scenario", "delta", "rank_baseline", "rank_scenario"):
        assert col in c.units.columns
    below = c.units.filter(
        (pl.col("kind") == "department") & (pl.col("baseline") < pl.col("base_baseline"))
    )
    crossed = below.filter(pl.col("scenario") >= 1)
    assert set(crossed["unit"]) <= set(
        c.units.filter(pl.col("base_line") == "达到基本任务分")["unit"]
    )


# ---- sweeps ----------------------------------------------------------------------------


def test_parse_values() -> None:
    assert parse_values("0.1:0.3:0.1") == [Decimal("0.1"), Decimal("0.2"), Decimal("0.3")]
    assert parse_values("20, 30,40") == [20, 30, 40]
    with pytest.raises(ScenarioError, match="格式不对"):
        parse_values("a:b")
    with pytest.raises(ScenarioError, match="步长"):
        parse_values("1:2:0")


def test_sweep_at_the_baseline_value_equals_the_baseline_scoring(
    mapping: dict, rules, ledger
) -> None:
    table, method = sweep(
        ledger, mapping, "department.unadopted.cap_share_of_base", parse_values("0.1:0.5:0.05")
    )
    assert method == "vectorised"
    base = table.filter(pl.col("baseline"))
    assert base["value"].unique().to_list() == [0.3]
    s = score(ledger, rules).unit_scores
    joined = s.join(base, on="unit", suffix="_sweep")
    assert (joined["total"] == joined["total_sweep"]).all()
    assert (joined["rank"] == joined["rank_sweep"]).all()
    assert set(table.columns) >= {"unit", "value", "total", "rank"}


# Sweeps against full scoring at every numeric rule: tests/test_sweep_every_rule.py.


def test_sweep_refuses_non_numeric_and_fractional_counts(mapping: dict, ledger) -> None:
    with pytest.raises(ScenarioError, match="不是数值"):
        sweep(ledger, mapping, "quarters.choice", [Decimal(1)])
    with pytest.raises(ScenarioError, match="只取整数"):
        sweep(ledger, mapping, "district.submissions.task", [Decimal("20.5")])
    with pytest.raises(ScenarioError, match="最接近的有效路径"):
        sweep(ledger, mapping, "district.submission.task", [Decimal(20)])


# ---- command line ------------------------------------------------------------------------


def kaohe(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kaohe", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_cli_sweep_writes_sweep_csv_and_an_offline_page(tmp_path: Path) -> None:
    r = kaohe("sweep", "department.extra.provincial", "--values", "0:60:10", "--out", str(tmp_path))
    assert r.returncode == 0, r.stderr
    df = pl.read_csv(tmp_path / "sweep.csv")
    assert set(df.columns) >= {"unit", "value", "total", "rank"}
    assert df.height == 21 * 7
    page = (tmp_path / "sweep.html").read_text(encoding="utf-8")
    assert page.count("<script") >= 1 and external_references(page) == []


def test_cli_bad_sweep_path_is_a_chinese_error_without_traceback(tmp_path: Path) -> None:
    r = kaohe("sweep", "department.extra.provinical", "--values", "0:60:10", "--out", str(tmp_path))
    assert r.returncode != 0
    assert "最接近的有效路径" in r.stderr
    assert "Traceback" not in r.stderr
