"""The `kaohe` command end to end, as a user runs it (a separate process)."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "raw" / "2022"


def kaohe(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kaohe", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=300,
    )


def write_ledger(folder: Path, sheets: dict[str, list[dict[str, str]]]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in sheets.items():
        headers = list(rows[0]) if rows else ["信息编号"]
        with (folder / f"{name}.csv").open("w", encoding="utf-8", newline="") as f:
            w = csv.DictWriter(f, fieldnames=headers)
            w.writeheader()
            w.writerows(rows)
    return folder


def read_out(path: Path) -> pl.DataFrame:
    return pl.read_csv(path, encoding="utf8")


def item(i: str, unit: str, kind: str = "综合", commission: str = "") -> dict[str, str]:
    return {
        "信息编号": i,
        "标题": f"标题{i}",
        "报送单位": unit,
        "报送日期": "2022-03-01",
        "信息类别": kind,
        "约稿编号": commission,
    }


def adoption(
    i: str, agency: str, title: str, form: str = "", n: str = "", ins: str = ""
) -> dict[str, str]:
    return {
        "信息编号": i,
        "录用单位": agency,
        "刊物": title,
        "录用日期": "2022-04-01",
        "录用方式": form,
        "采纳数": n,
        "领导批示": ins,
    }


@pytest.fixture(scope="module")
def sample_scores(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sample") / "out"
    r = kaohe("score", str(SAMPLE), "--out", str(out))
    assert r.returncode == 0, r.stderr
    return out


def test_score_on_the_sample_writes_every_table(sample_scores: Path) -> None:
    for name in (
        "unit_scores.csv",
        "score_lines.csv",
        "people.csv",
        "problems.csv",
        "manifest.json",
    ):
        assert (sample_scores / name).is_file(), name
    us = read_out(sample_scores / "unit_scores.csv")
    assert us.height == 21
    assert {
        "unit",
        "group",
        "base",
        "total",
        "completion_rate",
        "adjustment",
        "assessment_score",
    } <= set(us.columns)
    lines = read_out(sample_scores / "score_lines.csv")
    assert {"unit", "item_id", "clause", "points"} <= set(lines.columns)
    sums = lines.group_by("unit").agg(pl.col("points").sum())
    joined = us.join(sums, on="unit", how="left").with_columns(pl.col("points").fill_null(0))
    assert ((joined["total"] - joined["points"]).abs() < 0.005).all()


def test_manifest_names_the_ledger_and_rules_by_hash(sample_scores: Path) -> None:
    m = json.loads((sample_scores / "manifest.json").read_text(encoding="utf-8"))
    import hashlib

    rules_hash = hashlib.sha256((ROOT / "params" / "2022.yaml").read_bytes()).hexdigest()
    assert m["rules"]["sha256"] == rules_hash
    assert len(m["ledger"]["sha256"]) == 64
    assert m["view"] == "annual"


def test_scoring_twice_gives_byte_identical_outputs(sample_scores: Path, tmp_path: Path) -> None:
    r = kaohe("score", str(SAMPLE), "--out", str(tmp_path / "again"))
    assert r.returncode == 0, r.stderr
    for f in sorted(sample_scores.iterdir()):
        assert (tmp_path / "again" / f.name).read_bytes() == f.read_bytes(), f.name


def test_year_to_date_view(tmp_path: Path) -> None:
    r = kaohe("score", str(SAMPLE), "--as-of", "2022-08-31", "--out", str(tmp_path))
    assert r.returncode == 0, r.stderr
    lines = read_out(tmp_path / "score_lines.csv")
    assert (
        lines.filter(
            pl.col("step").is_in(["shortfall", "research", "extra", "district_submissions"])
        ).height
        == 0
    )
    assert max(lines["date"].to_list()) <= "2022-08-31"


WORKED_1 = {
    "报送": [
        item("S1", "人才综合处", "建议问题"),
        item("S2", "人才处", "综合"),  # an alias
        item("S3", "人才综合处"),
        *[item(f"S{i}", "人才综合处") for i in range(4, 9)],
        item("S9", "人才综合处", "调研文章"),
    ],
    "录用": [
        adoption("S1", "市委办公室", "《工作交流》", ins="是"),
        adoption("S1", "省政府办公厅", "《浙江政务信息（专报信息）》"),
        adoption("S2", "市府办", "《绍兴政务信息》（每日动态）"),
        adoption("S3", "局本级", "绍兴人社门户网站", form="通讯"),
    ],
    "好信息": [{"信息编号": "S1", "评选": "市委办市府办季度好信息", "评选日期": "2022-05-01"}],
    "约稿": [
        {
            "约稿编号": "Y1",
            "单位": "人才综合处",
            "下达方": "局办公室",
            "截止日期": "2022-06-01",
            "完成日期": "",
        }
    ],
}


def test_worked_example_1_through_the_cli(tmp_path: Path) -> None:
    ledger = write_ledger(tmp_path / "ledger", WORKED_1)
    r = kaohe("score", str(ledger), "--out", str(tmp_path / "out"))
    assert r.returncode == 0, r.stderr
    us = (
        read_out(tmp_path / "out" / "unit_scores.csv")
        .filter(pl.col("unit") == "人才综合处")
        .row(0, named=True)
    )
    # 88 + 50 + 6 + 20 - 3 - 5 - 5 = 151; 151/150 = 100.67%; 0.2 x 0.67 = +0.13
    assert us["total"] == 151
    assert round(us["completion_rate"] * 100, 2) == 100.67
    assert us["adjustment"] == 0.13
    assert us["advanced_candidate"] is False


def test_worked_example_2_through_the_cli(tmp_path: Path) -> None:
    items = [item(f"K{i}", "柯桥区人力社保局") for i in range(1, 19)]
    items[3]["约稿编号"] = "G1"
    sheets = {
        "报送": items,
        "录用": [
            adoption("K1", "省政府办公厅", "《浙江政务信息（专报信息）》", ins="是"),
            adoption("K2", "市委办公室", "《绍兴信息（每日动态）》", form="简讯"),
            adoption("K3", "省人力社保厅", "《浙江人社政务信息（专报）》", form="组稿录用"),
            adoption("K4", "国务院办公厅", "国办录用", form="采纳例子观点", n="2"),
        ],
        "约稿": [
            {
                "约稿编号": "G1",
                "单位": "柯桥区",
                "下达方": "国办",
                "截止日期": "2022-03-20",
                "完成日期": "2022-03-01",
            },
            {
                "约稿编号": "M1",
                "单位": "柯桥区",
                "下达方": "市委办",
                "截止日期": "2022-07-01",
                "完成日期": "",
            },
        ],
    }
    r = kaohe("score", str(write_ledger(tmp_path / "l", sheets)), "--out", str(tmp_path / "o"))
    assert r.returncode == 0, r.stderr
    us = (
        read_out(tmp_path / "o" / "unit_scores.csv")
        .filter(pl.col("unit") == "柯桥区")
        .row(0, named=True)
    )
    # -10 + 70 + 30 + 10 + 20 - 10 = 110; 55% of 200 -> 55.0
    assert us["total"] == 110
    assert us["assessment_score"] == 55.0


def test_a_ledger_with_errors_fails_listing_every_error_without_traceback(tmp_path: Path) -> None:
    bad = {
        "报送": [
            item("B1", "人才综合处"),
            {**item("B2", "人材综合处")},  # unknown unit (typo)
            {**item("B3", "人才综合处"), "报送日期": "2022年3月1日"},  # bad date
        ],
        "录用": [adoption("B9", "市委办公室", "《工作交流》")],  # unknown item
    }
    r = kaohe("score", str(write_ledger(tmp_path / "bad", bad)), "--out", str(tmp_path / "o"))
    assert r.returncode == 1
    assert "Traceback" not in r.stderr + r.stdout
    text = r.stderr
    for needle in ("人材综合处", "人才综合处", "2022年3月1日", "B9", "报送", "录用"):
        assert needle in text, needle
    problems = read_out(tmp_path / "o" / "problems.csv")
    assert problems.filter(pl.col("severity") == "error").height >= 3
    assert not (tmp_path / "o" / "unit_scores.csv").exists()


def test_validate_lists_problems(tmp_path: Path) -> None:
    bad = {"报送": [item("B1", "不存在处")], "录用": []}
    r = kaohe("validate", str(write_ledger(tmp_path / "bad", bad)))
    assert r.returncode == 1
    assert "不存在处" in r.stdout
    assert "Traceback" not in r.stderr


def test_explain_groups_lines_by_clause_with_subtotals(tmp_path: Path) -> None:
    ledger = write_ledger(tmp_path / "ledger", WORKED_1)
    r = kaohe("explain", "人才处", str(ledger))
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert "151" in out
    for needle in (
        "录用分",
        "领导批示加分",
        "报送未录用分",
        "好信息加分",
        "未完成基本任务扣分",
        "约稿扣分",
        "合计",
    ):
        assert needle in out, needle


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["score", "no/such/ledger", "--out", "x"], "找不到台账"),
        (["score", str(SAMPLE), "--out", "x", "--as-of", "2022/08/31"], "YYYY-MM-DD"),
        (["score", str(SAMPLE), "--out", "x", "--rules", "no/such.yaml"], "找不到规则文件"),
        (["explain", "不存在的处", str(SAMPLE)], "最接近"),
    ],
)
def test_user_errors_are_chinese_and_without_traceback(
    args: list[str], needle: str, tmp_path: Path
) -> None:
    r = kaohe(*args, cwd=tmp_path) if args[1].startswith("no/") else kaohe(*args)
    assert r.returncode != 0
    assert needle in r.stderr
    assert "Traceback" not in r.stderr


def test_sample_command_writes_a_readable_workbook(tmp_path: Path) -> None:
    out = tmp_path / "year.xlsx"
    r = kaohe("sample", "--seed", "5", "--out", str(out))
    assert r.returncode == 0, r.stderr
    r = kaohe("validate", str(out))
    assert r.returncode == 0, r.stdout + r.stderr


@pytest.mark.parametrize(
    "args", [["score"], ["score", str(SAMPLE)], ["nosuchcommand"], ["score", str(SAMPLE), "--out"]]
)
def test_usage_errors_are_explained_without_traceback(args: list[str]) -> None:
    r = kaohe(*args)
    assert r.returncode == 2
    assert "命令用法有误" in r.stderr
    assert "Traceback" not in r.stderr and "内部错误" not in r.stderr


def test_kernel_installs_the_kernel_jupyterlab_runs_the_notebooks_on(tmp_path: Path) -> None:
    r = kaohe("kernel", "--prefix", str(tmp_path))
    assert r.returncode == 0, r.stderr
    path = tmp_path / "share" / "jupyter" / "kernels" / "kaohe" / "kernel.json"
    spec = json.loads(path.read_text(encoding="utf-8"))
    assert spec["argv"] == [sys.executable, "-m", "kaohe.kernel", "-f", "{connection_file}"]
    assert spec["display_name"] == "kaohe（项目环境）"
    assert f"已安装内核 kaohe（项目环境）（{sys.executable}）：{path}" in r.stdout
    explore = json.loads((ROOT / "notebooks" / "explore.ipynb").read_text(encoding="utf-8"))
    assert explore["metadata"]["kernelspec"]["name"] == "kaohe"


def test_kernel_into_a_prefix_that_is_a_file_is_explained(tmp_path: Path) -> None:
    file = tmp_path / "环境"
    file.write_text("不是文件夹", encoding="utf-8")
    r = kaohe("kernel", "--prefix", str(file))
    assert r.returncode == 1
    assert f"错误：{file} 已存在且不是文件夹：请用 --prefix 给出一个文件夹路径" in r.stderr
    assert "Traceback" not in r.stderr and "内部错误" not in r.stderr
