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
    assert seen["expected"] == seen["drawn"] == 2
    assert seen["plotly"] and seen["errors"] == [] and seen["blocked"] == []
    df = pl.read_csv(tmp_path / "sweep.csv")
    assert df.filter(pl.col("baseline"))["value"].unique().to_list() == [150.0]
