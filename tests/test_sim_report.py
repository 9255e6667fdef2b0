"""The simulation report and the sweep page: executed, offline, drawn in a real browser."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from browser import Attrs, figure_count, open_offline

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = ROOT / "params" / "scenarios" / "unadopted-cap-20.yaml"


@pytest.fixture(scope="module")
def simulated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sim") / "out"
    r = subprocess.run(
        [sys.executable, "-m", "kaohe", "simulate", str(SCENARIO), "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert r.returncode == 0, r.stdout + r.stderr
    return out


def test_simulate_writes_the_comparison_and_its_explanations(simulated: Path) -> None:
    df = pl.read_csv(simulated / "comparison.csv")
    assert {"unit", "baseline", "scenario", "delta", "rank_baseline", "rank_scenario"} <= set(
        df.columns
    )
    assert df.height == 21
    # cap 30% -> 20%: nobody gains, and the clause that moved is 二（二）1（1）
    assert (df["delta"] <= 0).all() and (df["delta"] < 0).any()
    by_clause = pl.read_csv(simulated / "by_clause.csv")
    assert set(by_clause["step"]) == {"unadopted"}
    assert (simulated / "lines_changed.csv").is_file()


def test_simulation_html_has_no_code_and_reaches_for_nothing(simulated: Path) -> None:
    html = (simulated / "模拟-unadopted-cap-20.html").read_text(encoding="utf-8")
    for code in ("init_notebook_mode", "sim_report.", "jp-InputArea-editor"):
        assert code not in html
    p = Attrs()
    p.feed(html)
    assert [
        (t, k, v)
        for t, k, v in p.attrs
        if k in ("src", "href") and re.match(r"^\s*(https?:)?//", v, re.IGNORECASE)
    ] == []
    assert not re.search(r"<script[^>]*\ssrc=", html)
    assert html.count("* plotly.js v") == 1
    nb = simulated / "模拟-unadopted-cap-20.ipynb"
    assert html.count('class="plotly-graph-div"') == figure_count(nb) >= 4


def test_simulation_report_draws_offline_in_a_browser(browser: Any, simulated: Path) -> None:
    seen = open_offline(browser, simulated / "模拟-unadopted-cap-20.html")
    assert seen["expected"] >= 4
    assert seen["drawn"] == seen["expected"]
    assert seen["plotly"]
    assert seen["errors"] == [] and seen["blocked"] == []
    assert "规则模拟" in seen["heading"]


def test_sweep_page_draws_offline_in_a_browser(browser: Any, tmp_path: Path) -> None:
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "kaohe",
            "sweep",
            "groups.list[B].base",
            "--values",
            "100:200:10",
            "--out",
            str(tmp_path),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert r.returncode == 0, r.stderr
    seen = open_offline(browser, tmp_path / "sweep.html")
    # total, completion rate, rank within class, adjustment, assessment (tests/test_sweep_page.py)
    assert seen["expected"] == seen["drawn"] == 5
    assert seen["plotly"] and seen["errors"] == [] and seen["blocked"] == []
    df = pl.read_csv(tmp_path / "sweep.csv")
    assert df.filter(pl.col("baseline"))["value"].unique().to_list() == [150.0]


# ---- no code names (issue 10) ------------------------------------------------------------------


def test_rule_paths_read_in_the_rules_own_words() -> None:
    from kaohe.rules.models import load_rules
    from kaohe.whatif.report import path_label

    rules = load_rules()
    label = path_label(rules, "outcomes.department_adjustment.points_per_percent")
    assert label.endswith("（四）") and "百分点" in label and "points" not in label
    pub = path_label(rules, "publications.list.0.points")
    assert "附件1" in pub and "中央办公厅《工作情况交流》" in pub
    assert path_label(rules, "no.such.path") == "规则参数"


def test_the_simulation_page_names_no_code(simulated: Path) -> None:
    html = (simulated / "模拟-unadopted-cap-20.html").read_text(encoding="utf-8")
    text = re.sub(r"<script.*?</script>", "", html, flags=re.DOTALL)
    assert "department.unadopted" not in text and ">unadopted<" not in text
    assert "得分、绩效考核调整分和考核赋分均不变" in text


def test_a_scenario_change_reads_as_the_rule_and_its_two_values() -> None:
    from kaohe.rules.models import load_rules
    from kaohe.whatif.report import change_text

    rules = load_rules()
    assert change_text(rules, "department.unadopted.cap_share_of_base", 0.2) == (
        "未录用信息累计得分上限（占基本任务分）（二（二）1（1））：30% → 20%"
    )
    assert change_text(rules, "groups.list.1.base", 180).endswith("：150分 → 180分")


def test_the_simulation_header_is_the_shared_one_and_files_go_to_the_colophon(
    simulated: Path,
) -> None:
    html = (simulated / "模拟-unadopted-cap-20.html").read_text(encoding="utf-8")
    header = html[html.index('<header class="kh-header">') : html.index("</header>")]
    assert '<p class="kh-issuer">' in header
    assert "改动：未录用信息累计得分上限（占基本任务分）（二（二）1（1））：30% → 20%" in header
    assert "sha256" not in header and "/" not in header.replace("</", "")
    colophon = html[html.index('<table class="kh-colophon">') :]
    assert "params/scenarios/unadopted-cap-20.yaml" in colophon
    assert colophon.count("<code>") == 3  # ledger, rules and scenario fingerprints
    # rank is the rank within class, the class as the reports name it
    assert "类内排名" in html and '<td class="nw">B类</td>' in html
