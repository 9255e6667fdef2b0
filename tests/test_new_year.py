"""A new year: `kaohe new-year`, the rules file chosen by the ledger's dates, the wrong-year
refusal, and the 2023 sample year."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from kaohe.publish import plan
from kaohe.rules.choose import choose, for_ledger, ledger_dates, year_files
from kaohe.rules.models import DEFAULT_RULES, RulesError, load_rules
from kaohe.rules.newyear import NewYearError, what_to_edit, write_new_year

ROOT = Path(__file__).resolve().parent.parent
PARAMS = ROOT / "params"
RAW = ROOT / "data" / "raw"


def kaohe(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kaohe", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=300,
    )


def flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


# ---- kaohe new-year ---------------------------------------------------------------------


def test_new_year_writes_an_overlay_that_loads_with_the_next_period(tmp_path: Path) -> None:
    out = tmp_path / "params" / "2023.yaml"
    r = kaohe("new-year", "2023", "--from", str(DEFAULT_RULES), "--out", str(out))
    assert r.returncode == 0, r.stderr
    rules = load_rules(out)
    assert rules.meta.year == 2023
    assert rules.meta.title == "绍兴市人力社保系统2023年度党委、政务信息工作考核办法"
    assert (rules.period.start, rules.period.end) == (date(2022, 12, 1), date(2023, 11, 30))
    assert rules.period.description == "考核周期为2022年12月—2023年11月（含首尾两日）"
    assert [(q.start, q.end) for q in rules.quarters.active][1] == (
        date(2023, 3, 1),
        date(2023, 5, 31),
    )
    # the rules themselves are 2022's until the office edits them
    r2022 = load_rules()
    assert rules.publications == r2022.publications and rules.groups == r2022.groups
    text = out.read_text(encoding="utf-8")
    assert f"base: {DEFAULT_RULES}" in text
    assert "#   groups.list[B].base: 150" in text  # what usually changes, with today's value
    said = flat(r.stdout)
    assert "2023年度考核周期2022-12-01—2023-11-30" in said
    assert "附件1刊物及分值：publications.list" in said
    assert "groups.list[B].base" in said and "kaohetemplate--rules" in said


def test_new_year_does_not_overwrite_without_force(tmp_path: Path) -> None:
    out = tmp_path / "2023.yaml"
    out.write_text("# 已经改过的规则\n", encoding="utf-8")
    r = kaohe("new-year", "2023", "--out", str(out))
    assert r.returncode == 1
    assert "已存在：kaohenew-year不会覆盖已有的规则文件" in flat(r.stderr)
    assert "--force" in r.stderr
    assert out.read_text(encoding="utf-8") == "# 已经改过的规则\n"
    r = kaohe("new-year", "2023", "--out", str(out), "--force")
    assert r.returncode == 0, r.stderr
    assert load_rules(out).meta.year == 2023


def test_new_year_chains_on_the_latest_year(tmp_path: Path) -> None:
    # 2024 on the shipped 2023 overlay (itself on 2022): the chain loads, the period moves on
    made = write_new_year(2024, PARAMS / "2023.yaml", tmp_path / "2024.yaml")
    assert made.rules.meta.year == 2024
    assert made.rules.period.start == date(2023, 12, 1)
    assert made.rules.group_by_name["B"].base == 180  # 2023's change carried forward
    with pytest.raises(NewYearError, match="不早于 2023 年度"):
        write_new_year(2023, PARAMS / "2023.yaml", tmp_path / "x.yaml")
    with pytest.raises(NewYearError, match="就是基准规则文件"):
        write_new_year(2025, tmp_path / "2024.yaml", tmp_path / "2024.yaml", force=True)
    assert load_rules(tmp_path / "2024.yaml").meta.year == 2024  # untouched


def test_new_year_says_whether_the_commands_will_find_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only params/<year>.yaml is chosen by the ledger's dates; a file written elsewhere is
    said to need --rules."""
    from kaohe.rules import newyear

    elsewhere = write_new_year(2024, PARAMS / "2023.yaml", tmp_path / "2024.yaml")
    assert "各命令不会自动选用它：请用 --rules" in what_to_edit(elsewhere)[-1]
    monkeypatch.setattr(newyear, "PARAMS", tmp_path)
    assert "各命令自动选用" in what_to_edit(elsewhere)[-1]
    misnamed = write_new_year(2024, PARAMS / "2023.yaml", tmp_path / "next.yaml")
    assert "不以年度命名" in what_to_edit(misnamed)[-1]


# ---- the rules file chosen by the ledger's dates ---------------------------------------------


@pytest.mark.parametrize("year", [2022, 2023])
def test_validate_picks_the_rules_of_the_ledgers_year(year: int) -> None:
    r = kaohe("validate", f"data/raw/{year}")
    assert r.returncode == 0, r.stdout + r.stderr
    assert f"按台账日期选用规则文件 params/{year}.yaml（{year} 年度" in r.stderr


def test_the_choice_by_dates_and_by_year() -> None:
    assert for_ledger(RAW / "2022").path == PARAMS / "2022.yaml"
    assert for_ledger(RAW / "2023").path == PARAMS / "2023.yaml"
    assert choose(None, year=2023).path == PARAMS / "2023.yaml"
    assert choose(Path("x.yaml"), RAW / "2023").path == Path("x.yaml")  # --rules wins
    dates = ledger_dates(RAW / "2023")
    assert dates.len() > 1000 and dates.min() < date(2022, 12, 1) < date(2023, 11, 30) < dates.max()
    with pytest.raises(RulesError, match=r"没有 2031 年度的规则文件.*kaohe new-year 2031"):
        choose(None, year=2031)
    # a report of 2023 takes the 2023 rules without --rules
    spec = plan("quarter", None, None, "2023Q1")
    assert spec.year == 2023 and spec.stem == "2023Q1-季度通报" and "2022年12月" in spec.title


def test_the_choice_among_files_of_a_params_folder(tmp_path: Path) -> None:
    (tmp_path / "2022.yaml").write_bytes(DEFAULT_RULES.read_bytes())
    (tmp_path / "2023.yaml").write_text(
        "base: 2022.yaml\nchanges:\n  meta.year: 2023\n  period.start: 2022-12-01\n"
        "  period.end: 2023-11-30\n",
        encoding="utf-8",
    )
    (tmp_path / "2024.yaml").write_text("base: 2023.yaml\nchanges: {meta.year: x}\n", "utf-8")
    (tmp_path / "scenarios").mkdir()
    files, notes = year_files(tmp_path)
    assert [f.year for f in files] == [2022, 2023]
    assert len(notes) == 1 and "2024.yaml 有误，未参与自动选择" in notes[0]
    assert "meta.year: 应为整数" in notes[0]
    assert for_ledger(RAW / "2023", tmp_path).path == tmp_path / "2023.yaml"
    # no dates at all: the default params/2022.yaml, or (not in this folder) the latest year
    empty = tmp_path / "空台账"
    empty.mkdir()
    chosen = for_ledger(empty, tmp_path)
    assert chosen.path == tmp_path / "2023.yaml"
    assert chosen.reason.startswith("台账中没有可识别的日期，使用规则文件")
    assert for_ledger(empty).path == DEFAULT_RULES
    # dates of no file's year: the nearest period (the reader then refuses the ledger)
    later = tmp_path / "2025"
    later.mkdir()
    pl.DataFrame({"信息编号": ["A"], "报送日期": ["2025-03-01"]}).write_csv(later / "报送.csv")
    assert for_ledger(later, tmp_path).path == tmp_path / "2023.yaml"


def test_a_ledger_of_another_year_is_refused_naming_both_periods() -> None:
    r = kaohe("validate", "data/raw/2023", "--rules", "params/2022.yaml")
    assert r.returncode == 1
    said = flat(r.stdout)
    assert "按台账日期选用" not in r.stderr  # --rules given: nothing chosen
    assert "不在考核周期2021-12-01—2022-11-30内，台账的日期在2022-11-23—2023-12-11" in said
    assert "这像是2023年度的台账" in said and "--rulesparams/2023.yaml" in said


# ---- the 2023 sample year -------------------------------------------------------------------


def test_the_2023_sample_scores_without_errors(tmp_path: Path) -> None:
    r = kaohe("score", "data/raw/2023", "--out", str(tmp_path))
    assert r.returncode == 0, r.stderr
    assert "params/2023.yaml" in r.stderr
    problems = pl.read_csv(tmp_path / "problems.csv")
    assert problems.filter(pl.col("severity") == "error").height == 0
    m = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))
    assert m["rules"]["source"] == "params/2023.yaml（按台账日期选用）"
    lines = pl.read_csv(tmp_path / "score_lines.csv", infer_schema_length=None)
    new = lines.filter(pl.col("explanation").str.contains("浙江人社工作交流"))
    assert new.height > 0  # the new publication scores
    us = pl.read_csv(tmp_path / "unit_scores.csv")
    assert set(us.filter(pl.col("group") == "B")["base"].to_list()) == {180}


def test_the_2023_sample_is_dated_in_its_period_and_reproducible(tmp_path: Path) -> None:
    r = kaohe("sample", "--year", "2023", "--out", str(tmp_path / "2023"))
    assert r.returncode == 0, r.stderr
    assert "种子 2023" in r.stdout
    shipped = {p.name: p.read_bytes() for p in (RAW / "2023").iterdir()}
    assert shipped == {p.name: p.read_bytes() for p in (tmp_path / "2023").iterdir()}
    dates = ledger_dates(RAW / "2023")
    inside = dates.is_between(date(2022, 12, 1), date(2023, 11, 30)).mean()
    assert inside is not None and inside > 0.99
