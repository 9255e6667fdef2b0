"""The sweep page (`kaohe sweep`, issue 10): the rule in words, the house style, legends clear
of the charts, and beside each total what 四 makes of it — completion rate, rank within class,
the departments' adjustment and the districts' assessment — exactly as full scoring gives them.
"""

from __future__ import annotations

import re
import subprocess
import sys
from decimal import Decimal
from functools import cache
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from browser import open_offline

from kaohe.engine import score
from kaohe.ledger.model import Ledger
from kaohe.ledger.read import read_ledger
from kaohe.present.views import Context
from kaohe.publish import external_references
from kaohe.rules.models import (
    DEFAULT_RULES,
    Rules,
    read_rules_mapping,
    rules_fingerprint,
    rules_from_mapping,
    validate_rules,
)
from kaohe.whatif.report import (
    rule_info,
    shown_values,
    sweep_figures,
    sweep_html,
    sweep_tables,
)
from kaohe.whatif.scenario import numeric_leaf_paths, with_changes
from kaohe.whatif.sweep import sweep

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "raw" / "2022"
MAPPING = read_rules_mapping(DEFAULT_RULES)
RULES = rules_from_mapping(MAPPING)
BASE_PATH = "groups.list[B].base"
OUTCOMES = ["unit", "adjustment", "assessment_score"]


@cache
def ledger() -> Ledger:
    led = read_ledger(SAMPLE, RULES)
    assert led.ok
    return led


def rules_at(path: str, value: Any) -> Rules:
    rules, problems = validate_rules(with_changes(MAPPING, {path: value})[0])
    assert rules is not None, problems
    return rules


# ---- the numbers: what 四 makes of each total, as full scoring --------------------------------


@pytest.mark.parametrize(
    ("path", "values"),
    [
        # a base moves completion rates, adjustments and assessments, hardly any total
        (BASE_PATH, [100, 150, 200]),
        ("groups.list[区县].base", [100, 200, 400]),
        # the outcomes' own numbers move nothing but what 四 makes of the totals
        ("outcomes.department_adjustment.points_per_percent", ["0.1", "0.2", "0.5"]),
        ("outcomes.department_adjustment.decimals", [0, 1, 2]),
        ("outcomes.district_assessment.full_score", [50, 100, 120]),
        ("outcomes.district_assessment.zero_at_or_below_share", ["0.3", "0.5", "0.9"]),
        # a points rule moves totals and all that follows
        ("department.unadopted.points_each", [0, 1, 3]),
    ],
)
def test_adjustment_and_assessment_at_each_value_equal_full_scoring(
    path: str, values: list[Any]
) -> None:
    table, method = sweep(ledger(), MAPPING, path, [Decimal(str(v)) for v in values])
    assert method == "vectorised"
    moved = set()
    for v in values:
        value = Decimal(str(v))
        full = score(ledger(), rules_at(path, v if isinstance(v, int) else value)).unit_scores
        got = table.filter(pl.col("value") == float(value))
        assert got.select(OUTCOMES).equals(full.select(OUTCOMES)), (path, v)
        assert got["rank"].to_list() == full["rank"].to_list()
        moved.add(
            tuple(got["adjustment"].fill_null(0)) + tuple(got["assessment_score"].fill_null(0))
        )
    assert len(moved) > 1, f"{path}: the sweep should move an adjustment or an assessment"


def test_a_base_change_moves_rates_ranks_inputs_not_totals() -> None:
    table, _ = sweep(ledger(), MAPPING, BASE_PATH, [Decimal(100), Decimal(200)])
    b = table.filter(pl.col("unit") == "就业促进和失业保险处")
    assert b["total"].n_unique() == 1  # its total does not depend on the base
    assert b["completion_rate"].n_unique() == 2 and b["adjustment"].n_unique() == 2


# ---- the rule in words ---------------------------------------------------------------------


def test_every_numeric_rule_has_its_own_words_and_unit() -> None:
    labels = {}
    for path in numeric_leaf_paths(MAPPING):
        info = rule_info(RULES, path)
        assert info.label != "规则参数", path
        assert not re.search(r"[a-z_]{3,}", info.label), (path, info.label)
        # the unit comes from RULE_FIELDS only: every numeric rule is listed there
        assert info.unit in {"分", "篇", "倍", "个", "名", "位", "年", "比例"}, path
        labels[path] = info.label
    assert len(set(labels.values())) == len(labels)  # no two rules read the same
    assert (
        rule_info(RULES, "department.unadopted.cap_share_of_base").value_text(Decimal("0.2"))
        == "20%"
    )
    assert rule_info(RULES, "groups.list.1.base").label == rule_info(RULES, BASE_PATH).label
    assert rule_info(RULES, BASE_PATH).label == "B类单位的基本任务分（二（一）1（2））"


def test_the_tables_list_both_ends_and_the_rules_own_value() -> None:
    values = [float(v) for v in range(100, 201, 10)]
    shown = shown_values(values, 150.0)
    assert shown[0] == 100 and shown[-1] == 200 and 150 in shown and len(shown) <= 4
    assert shown_values([1.0, 2.0], None) == [1.0, 2.0]


# ---- the page ------------------------------------------------------------------------------


class _Text(HTMLParser):
    """The text a reader sees: outside <script>, <style> and the colophon (file names)."""

    def __init__(self) -> None:
        super().__init__()
        self.skip: list[str] = []
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        cls = dict(attrs).get("class") or ""
        if tag in ("script", "style", "title") or "kh-colophon" in cls or self.skip:
            self.skip.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if self.skip and self.skip[-1] == tag:
            self.skip.pop()

    def handle_data(self, data: str) -> None:
        if not self.skip and data.strip():
            self.parts.append(data.strip())


def visible_text(html: str) -> str:
    p = _Text()
    p.feed(html)
    return "\n".join(p.parts)


def figure_texts(fig: dict[str, Any]) -> list[str]:
    """Every text of a figure a reader sees: titles, axis titles, trace names, legend group
    titles, hover templates, annotations."""
    lay = fig["layout"]
    out = [str((lay.get("title") or {}).get("text", ""))]
    for k, v in lay.items():
        if k.startswith(("xaxis", "yaxis")):
            out.append(str((v.get("title") or {}).get("text", "")))
    out += [str(a.get("text", "")) for a in lay.get("annotations", [])]
    for t in fig["data"]:
        out += [str(t.get("name", "")), str(t.get("hovertemplate", ""))]
        out.append(str((t.get("legendgrouptitle") or {}).get("text", "")))
    return out


CODE = re.compile(
    r"[A-Za-z_]+\.[A-Za-z_\[]|\b(total|completion_rate|rank|adjustment|assessment_score|value|unit|group|baseline)\b"
)


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sweep") / "out"
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "kaohe",
            "sweep",
            BASE_PATH,
            "--values",
            "100:200:10",
            "--out",
            str(out),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert r.returncode == 0, r.stdout + r.stderr
    return out


def test_the_page_names_no_code(page: Path) -> None:
    html = (page / "sweep.html").read_text(encoding="utf-8")
    text = visible_text(html)
    assert "B类单位的基本任务分（二（一）1（2））" in text and "规则参数扫描" in text
    assert not CODE.search(text.replace("sweep.csv", "")), CODE.search(text)
    assert "groups.list" not in html  # not even in a chart's data
    # the shared header: issuer and title first; files and fingerprints only in the colophon
    header = html[html.index('<header class="kh-header">') : html.index("</header>")]
    assert "sha256" not in header and "data/raw" not in header
    assert '<table class="kh-colophon">' in html and "data/raw/2022" in html
    assert external_references(html) == []


def test_the_figures_speak_chinese_and_keep_their_legends_off_the_plot() -> None:
    table, _ = sweep(ledger(), MAPPING, BASE_PATH, [Decimal(v) for v in range(100, 201, 25)])
    figs = sweep_figures(table, RULES, BASE_PATH)
    assert len(figs) == 5
    for fig in figs:
        d = fig.to_dict()
        for t in figure_texts(d):
            assert not CODE.search(t.replace("%{", "").replace("<extra>", "")), t
        legend = d["layout"]["legend"]
        # below the plot: at the foot of the figure, where plotly reserves its height
        assert legend["orientation"] == "h" and legend["yanchor"] == "bottom"
        assert legend["yref"] == "container" and legend["y"] == 0
        assert d["layout"]["template"]["layout"]["font"]["family"].startswith('"Noto Sans CJK SC"')
    titles = [f.layout.title.text for f in figs]
    assert titles[:3] == [
        "各单位的总得分",
        "各单位的完成率",
        "各单位的类内排名（按类别分栏；虚线为现行取值 150分）",
    ]
    assert "绩效考核调整分" in titles[3] and "考核赋分" in titles[4]
    assert figs[0].layout.xaxis.title.text == "B类单位的基本任务分（分）"


def test_the_full_rate_label_stands_on_a_white_ground_over_the_unit_lines() -> None:
    table, _ = sweep(ledger(), MAPPING, BASE_PATH, [Decimal(100), Decimal(200)])
    rate = sweep_figures(table, RULES, BASE_PATH)[1]
    (label,) = [a for a in rate.layout.annotations if a.text.startswith("完成率100%")]
    assert label.bgcolor is not None
    red, green, blue, alpha = map(float, re.findall(r"[\d.]+", label.bgcolor))
    assert (red, green, blue) == (255, 255, 255) and 0.7 <= alpha < 1  # lines faintly show


def test_the_tables_show_rate_rank_and_adjustment_beside_totals(page: Path) -> None:
    table, _ = sweep(ledger(), MAPPING, BASE_PATH, [Decimal(v) for v in range(100, 201, 10)])
    dep, dist = sweep_tables(table, RULES, BASE_PATH)
    heads = [c.header for c in dep.columns]
    assert "取值 150分（现行）|总得分" in heads
    for name in ("总得分", "完成率", "类内排名", "绩效考核调整分"):
        assert sum(h.endswith(f"|{name}") for h in heads) == 4
    assert any(c.header.endswith("|考核赋分") for c in dist.columns)
    html = (page / "sweep.html").read_text(encoding="utf-8")
    for name in ("完成率", "类内排名", "绩效考核调整分", "考核赋分"):
        assert f"<th>{name}</th>" in html
    # sweep.csv carries them for every value
    df = pl.read_csv(page / "sweep.csv")
    assert {"completion_rate", "rank", "adjustment", "assessment_score"} <= set(df.columns)
    assert df.height == 21 * 11


def test_the_page_is_the_same_bytes_on_a_rerun(tmp_path: Path) -> None:
    table, method = sweep(ledger(), MAPPING, BASE_PATH, [Decimal(100), Decimal(150)])
    ctx = Context(
        RULES, ledger(), str(SAMPLE), str(DEFAULT_RULES), rules_fingerprint(DEFAULT_RULES)
    )
    a = sweep_html(table, BASE_PATH, tmp_path / "a", ctx, method)
    b = sweep_html(table, BASE_PATH, tmp_path / "b", ctx, method)
    assert a.read_bytes() == b.read_bytes()
    assert sorted(p.name for p in a.parent.iterdir()) == ["sweep.html"]
    html = a.read_text(encoding="utf-8")
    assert html.count('class="plotly-graph-div"') == 5 and html.count("* plotly.js v") == 1
    assert ledger().fingerprint in html and '<footer class="kh-footer">由 kaohe ' in html


def test_chromium_draws_every_chart_with_its_legend_clear_of_the_plot(
    browser: Any, page: Path
) -> None:
    seen = open_offline(browser, page / "sweep.html")
    assert seen["expected"] == seen["drawn"] == 5
    assert seen["plotly"] and seen["errors"] == [] and seen["blocked"] == []
    assert seen["heading"] == "规则参数扫描"
    context = browser.new_context(viewport={"width": 900, "height": 1000})
    tab = context.new_page()
    tab.goto((page / "sweep.html").as_uri(), wait_until="load")
    tab.wait_for_function(
        "() => document.querySelectorAll('.js-plotly-plot .main-svg').length >= 5", timeout=30_000
    )
    overlaps = tab.evaluate(
        """() => Array.from(document.querySelectorAll('.js-plotly-plot')).map(d => {
          const L = d.querySelector('g.legend').getBoundingClientRect();
          return Array.from(d.querySelectorAll('rect.nsewdrag')).some(r => {
            const P = r.getBoundingClientRect();
            return !(L.right <= P.left || L.left >= P.right || L.bottom <= P.top || L.top >= P.bottom);
          });
        })"""
    )
    context.close()
    assert overlaps == [False] * 5
