"""Two years side by side (kaohe.present.trend, notebooks/trend.ipynb, `kaohe report --trend`).

The later year is made from the 2022 sample: every date moved on one year, under the 2022 rules
on the 2023 calendar with a few rules changed. With the same work (the ledger only shifted),
the whole change must be the rules' part; with work changed too, the split must add up
exactly, unit by unit, to the change of the engine's totals. A unit renamed between the years
appears once in each year with blanks and a note. The page is rendered by the real command,
checked offline and drawn in a real browser.
"""

from __future__ import annotations

import copy
import json
import re
import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import polars as pl
import pytest
import yaml
from browser import Attrs, figure_count, open_offline

from kaohe.engine import score
from kaohe.present import charts, trend, trend_charts, views
from kaohe.publish import external_references
from kaohe.rules.models import (
    DEFAULT_RULES,
    Rules,
    load_rules,
    read_rules_mapping,
    rules_from_mapping,
)
from kaohe.rules.periods import ReportDataError
from kaohe.whatif.scenario import apply_changes

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "raw" / "2022"
NOTEBOOK = ROOT / "notebooks" / "trend.ipynb"
DATE_COLUMNS = (
    "报送日期",
    "录用日期",
    "评选日期",
    "下达日期",
    "截止日期",
    "完成日期",
    "月份",
    "报送时间",
    "起始日期",
    "终止日期",
)
OLD_UNIT, NEW_UNIT = "信息中心", "数据管理中心"  # renamed in the changed year
NEW_PUBLICATION = "《新刊物》"  # 市委办公室, added in the changed year


# ---- a later year made from the sample -------------------------------------------------------


def _shift(v: Any) -> Any:
    if isinstance(v, date):
        return v.replace(year=v.year + 1)
    if isinstance(v, dict):
        return {k: _shift(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_shift(x) for x in v]
    return v


def next_year_mapping() -> dict[str, Any]:
    """The 2022 rules with the period (and any quarter dates) moved on one year."""
    m = copy.deepcopy(dict(read_rules_mapping(DEFAULT_RULES)))
    m["meta"] = {**m["meta"], "year": m["meta"]["year"] + 1}
    m["period"] = _shift(m["period"])
    m["quarters"] = _shift(m["quarters"])
    return m


def _plain(v: Any) -> Any:
    if isinstance(v, Decimal):
        return int(v) if v == v.to_integral_value() else float(v)
    if isinstance(v, dict):
        return {k: _plain(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_plain(x) for x in v]
    return v


def write_rules(rules: Rules, path: Path) -> Path:
    data = _plain(rules.model_dump())
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    assert load_rules(path) == rules
    return path


def shift_ledger(dest: Path, changed: bool = False) -> Path:
    """The sample with every date one year later; `changed`: also the unit renamed, the
    《决策参考》 adoptions moved to the new publication and every fifth adoption left out."""
    dest.mkdir(parents=True)
    for f in SAMPLE.glob("*.csv"):
        df = pl.read_csv(f, infer_schema=False)
        df = df.with_columns(
            (pl.col(c).str.slice(0, 4).cast(pl.Int64) + 1).cast(pl.String) + pl.col(c).str.slice(4)
            for c in DATE_COLUMNS
            if c in df.columns
        )
        if changed:
            for col in ("报送单位", "单位"):
                if col in df.columns:
                    df = df.with_columns(pl.col(col).replace(OLD_UNIT, NEW_UNIT))
            if "协作单位" in df.columns:
                df = df.with_columns(pl.col("协作单位").str.replace_all(OLD_UNIT, NEW_UNIT))
            if f.stem == "录用":
                df = df.with_columns(pl.col("刊物").replace("《决策参考》", NEW_PUBLICATION))
                df = df.filter(pl.int_range(pl.len()) % 5 != 0)
        (dest / f.name).write_text(df.write_csv(), encoding="utf-8")
    return dest


def changed_rules() -> Rules:
    """2023: group B's base 180, the unadopted cap 20%, a new publication, a unit renamed."""
    m = next_year_mapping()
    m["groups"]["list"] = [
        {**g, "base": 180} if g["name"] == "B" else g for g in m["groups"]["list"]
    ]
    m["department"] = copy.deepcopy(m["department"])
    m["department"]["unadopted"]["cap_share_of_base"] = Decimal("0.20")
    m["publications"]["list"] = [
        *m["publications"]["list"],
        {
            "agency": "市委办公室",
            "title": NEW_PUBLICATION,
            "points": 30,
            "instruction": {"multiple": 1, "note": "获市领导批示的，按照原录用分值的1倍加分"},
            "chucai": 3,
        },
    ]
    m["units"]["roster"] = [
        {**u, "name": NEW_UNIT} if u["name"] == OLD_UNIT else u for u in m["units"]["roster"]
    ]
    return rules_from_mapping(m)


@pytest.fixture(scope="module")
def years(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("years")
    same = apply_changes(
        next_year_mapping(),
        {"groups.list[B].base": 180, "department.unadopted.cap_share_of_base": Decimal("0.20")},
    )
    return {
        "ledger_same": shift_ledger(tmp / "same" / "2023"),
        "rules_same": write_rules(same, tmp / "same-2023.yaml"),
        "ledger_changed": shift_ledger(tmp / "changed" / "2023", changed=True),
        "rules_changed": write_rules(changed_rules(), tmp / "changed-2023.yaml"),
        "tmp": tmp,
    }


@pytest.fixture(scope="module")
def same_work(years: dict[str, Path]) -> trend.Trend:
    return trend.load(SAMPLE, DEFAULT_RULES, years["ledger_same"], years["rules_same"])


@pytest.fixture(scope="module")
def changed(years: dict[str, Path]) -> trend.Trend:
    return trend.load(SAMPLE, DEFAULT_RULES, years["ledger_changed"], years["rules_changed"])


# ---- the split ---------------------------------------------------------------------------------


def totals_u(scores: Any) -> dict[str, int]:
    return dict(scores.unit_scores.select("unit", "total_u").iter_rows())


@pytest.mark.parametrize("which", ["same_work", "changed"])
def test_each_total_is_the_engines_and_the_split_adds_up_exactly(
    which: str, request: pytest.FixtureRequest
) -> None:
    t: trend.Trend = request.getfixturevalue(which)
    a = totals_u(score(t.a.ledger, t.a.rules))
    b = totals_u(score(t.b.ledger, t.b.rules))
    x = totals_u(score(t.bridged, t.bridge))
    split = t.units.filter(pl.col("work_u").is_not_null())
    assert split.height >= 20
    for r in t.units.iter_rows(named=True):
        assert r["total_u_a"] == a.get(r["unit"]) and r["total_u_b"] == b.get(r["unit"])
        assert r["total_u_x"] == x.get(r["unit"])
        if r["work_u"] is None:
            continue
        assert r["change_u"] == r["total_u_b"] - r["total_u_a"]
        assert r["work_u"] + r["rules_u"] == r["change_u"], r  # exactly, in 1/10000 point
        assert round(r["work"] + r["rules"], 4) == round(r["change"], 4)
        assert r["total_a"] == pytest.approx(a[r["unit"]] / 10000)


def test_with_the_same_work_the_whole_change_is_the_rules(same_work: trend.Trend) -> None:
    u = same_work.units
    assert u.height == 21 and u["note"].to_list() == [""] * 21
    assert (u["work_u"] == 0).all()  # the ledger only moved on a year
    assert (u["rules_u"] == u["change_u"]).all()
    moved = u.filter(pl.col("rules_u") != 0)
    # the cap of unadopted items fell from 30% to 20% of the base: lower for some units;
    # group B's base rose to 180: its completion rates fell with the same totals
    assert moved.height >= 3 and (moved["rules_u"] < 0).all()
    talent = u.filter(pl.col("unit") == "人才综合处").row(0, named=True)
    assert talent["completion_rate_a"] == pytest.approx(talent["total_a"] / 150)
    assert talent["completion_rate_b"] == pytest.approx(talent["total_b"] / 180)
    # the adoptions are the same in both years
    for lv in ("central", "provincial", "city", "bureau"):
        assert (u[f"adoptions_{lv}_change"] == 0).all()
    assert same_work.dropped.height == 0
    assert same_work.bridged is same_work.b.ledger  # nothing to translate


def test_the_bridge_is_the_earlier_rules_on_the_later_calendar(
    changed: trend.Trend, same_work: trend.Trend
) -> None:
    br = changed.bridge
    assert br.period == changed.b.rules.period and br.quarters == changed.b.rules.quarters
    assert br.meta.year == 2023
    assert br.groups == changed.a.rules.groups  # B's base stays 150 under the 2022 rules
    assert br.department == changed.a.rules.department
    assert br.publications == changed.a.rules.publications
    # the sample moved on a year, under the bridge, scores exactly as the sample in 2022
    assert totals_u(same_work.scores_x) == totals_u(same_work.scores_a)


def test_a_unit_on_one_roster_only_is_shown_with_blanks_and_a_note(changed: trend.Trend) -> None:
    u = changed.units
    assert u.height == 22  # 20 units in both years, one renamed: once in each year
    old = u.filter(pl.col("unit") == OLD_UNIT).row(0, named=True)
    new = u.filter(pl.col("unit") == NEW_UNIT).row(0, named=True)
    assert old["total_a"] is not None and old["total_b"] is None and old["change"] is None
    assert old["work"] is None and old["rank_b"] is None
    assert "2023年度名单中没有该单位" in old["note"]
    assert new["total_a"] is None and new["total_b"] is not None and new["work"] is None
    assert "2022年度名单中没有该单位" in new["note"] and "不作分解" in new["note"]
    # its rows are not scored under the 2022 rules: listed, with the unit's items
    d = changed.dropped
    items = changed.b.ledger.items.filter(pl.col("unit") == NEW_UNIT).height
    assert items >= 18  # the sample's 信息中心 items (some by an alias)
    assert d.filter((pl.col("sheet") == "报送") & (pl.col("what") == NEW_UNIT))["rows"][0] == items
    html = str(trend_charts.split(changed).layout.annotations[0].text)
    assert OLD_UNIT in html and NEW_UNIT in html
    table = views.table_frame(trend.totals_table(changed))
    assert table.filter(pl.col("unit") == NEW_UNIT)["total_a"][0] is None


def test_adoptions_by_a_publication_the_earlier_rules_lack_fall_in_the_rules_part(
    changed: trend.Trend,
) -> None:
    b = changed.b.ledger
    pubs = changed.b.rules.publications.list
    new_pub = next(i for i, p in enumerate(pubs) if p.title == NEW_PUBLICATION)
    of_new_unit = b.items.filter(pl.col("unit") == NEW_UNIT)["item_id"].implode()
    by_new_unit = b.adoptions.filter(pl.col("item_id").is_in(of_new_unit)).height
    by_new_pub = b.adoptions.filter(
        (pl.col("publication_id") == new_pub) & ~pl.col("item_id").is_in(of_new_unit)
    ).height
    assert by_new_pub >= 1 and by_new_unit >= 1
    d = changed.dropped.filter(pl.col("sheet") == "录用")
    assert d.to_dicts() == [
        {
            "sheet": "录用",
            "what": f"市委办公室{NEW_PUBLICATION}",
            "rows": by_new_pub,
            "reason": "2023年度规则的附件1中没有该刊物，不计分",
        }
    ]
    assert changed.bridged.adoptions.height == b.adoptions.height - by_new_unit - by_new_pub
    # every other adoption keeps its publication: found again by agency and title
    a_pubs = changed.a.rules.publications.list
    kept = changed.bridged.adoptions.join(
        b.adoptions.select("row", pl.col("publication_id").alias("id_b")), on="row"
    )
    for id_a, id_b in kept.select("publication_id", "id_b").unique().iter_rows():
        assert (a_pubs[id_a].agency, a_pubs[id_a].title) == (pubs[id_b].agency, pubs[id_b].title)


def test_the_rules_table_lists_what_changed(changed: trend.Trend) -> None:
    r = trend.rule_changes(changed)
    paths = dict(zip(r["path"], zip(r["value_a"], r["value_b"], strict=True), strict=True))
    assert paths["groups.list[B].base"] == ("150", "180")
    assert paths["department.unadopted.cap_share_of_base"][1] in ("0.20", "0.2")
    new = paths[f"publications.list[市委办公室{NEW_PUBLICATION}]"]
    assert new[0] == "" and "points：30" in new[1]
    assert not [p for p in paths if p.startswith(("period", "quarters", "meta"))]


def test_the_later_year_must_come_after_the_earlier(changed: trend.Trend) -> None:
    with pytest.raises(ReportDataError, match="后一年度"):
        trend.compare(changed.b, changed.a)
    assert trend.parse_years("2022-2023") == (2022, 2023)
    for bad in ("2023-2022", "2022", "22-23", "2022-2023-2024"):
        with pytest.raises(ReportDataError, match="--trend 2022-2023"):
            trend.parse_years(bad)


def test_the_summary_and_tables_say_what_the_split_means(changed: trend.Trend) -> None:
    text = "".join(p for s in trend.summary(changed) for p in s.paragraphs)
    assert "本单位工作" in text and "规则调整" in text and "考核周期和季度换成2023年度" in text
    assert OLD_UNIT in text and NEW_UNIT in text
    tables = trend.excel_tables(changed)
    assert [t.name for t in tables] == [
        "得分对比",
        "变化分解",
        "各级录用",
        "规则差异",
        "未按前一年度计分",
    ]
    split = trend.split_table(changed)
    assert "两者之和等于总得分的变化" in (split.note or "")


def test_every_figure_draws_each_unit_and_escapes_names(changed: trend.Trend) -> None:
    figs = [
        trend_charts.totals(changed),
        trend_charts.split(changed),
        trend_charts.unit_bridge(changed, "人才综合处"),
        trend_charts.levels(changed, "人才综合处"),
    ]
    assert all(f.layout.template.layout.font.family for f in figs)
    bridge = figs[2]
    buttons = bridge.layout.updatemenus[0].buttons
    assert len(buttons) == 20  # every unit that can be split
    shown = [t for t in bridge.data if t.visible]
    assert len(shown) == 1 and "人才综合处" in bridge.layout.title.text
    row = changed.units.filter(pl.col("unit") == "人才综合处").row(0, named=True)
    assert list(shown[0].y) == [row["total_a"], row["work"], row["rules"], row["total_b"]]
    # the menu figures print every unit (one static figure per option), not the one shown
    for menu_fig in (figs[2], figs[3]):
        assert menu_fig.layout.meta[charts.PRINT_META] == "every_option"
        static = charts.option_figures(menu_fig.to_plotly_json())
        assert len(static) == len(menu_fig.layout.updatemenus[0].buttons)
        assert not any(f["layout"].get("updatemenus") for f in static)


# ---- the page -------------------------------------------------------------------------------------


def kaohe(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kaohe", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=600,
    )


@pytest.fixture(scope="module")
def page(years: dict[str, Path]) -> Path:
    """The page of the changed year, by the real command."""
    out = years["tmp"] / "reports"
    r = kaohe(
        "report",
        "--trend",
        "2022-2023",
        "--ledger-b",
        str(years["ledger_changed"]),
        "--rules-b",
        str(years["rules_changed"]),
        "--out",
        str(out),
    )
    assert r.returncode == 0, r.stdout + r.stderr
    assert "2022-2023-年度对比.html" in r.stdout
    return out / "2022-2023"


def test_the_notebook_is_parameterised_thin_and_saved_without_outputs() -> None:
    import ast

    nb = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert nb["cells"][0] is code[0]
    assert "plotly.offline.init_notebook_mode(connected=False)" in "".join(code[0]["source"])
    tagged = [c for c in code if "parameters" in c["metadata"].get("tags", [])]
    assert len(tagged) == 1
    names = {
        t.id
        for s in ast.parse("".join(tagged[0]["source"])).body
        for t in getattr(s, "targets", [])
    }
    assert names == {"ledger_a", "rules_a", "ledger_b", "rules_b", "out_dir"}
    for c in code:
        assert c["outputs"] == [] and c["execution_count"] is None
        if c is tagged[0]:
            continue
        body = ast.parse("".join(c["source"])).body
        statements = [s for s in body if not isinstance(s, ast.Import | ast.ImportFrom)]
        assert len(statements) <= 2, c["source"]
        for s in ast.walk(ast.Module(body=statements, type_ignores=[])):
            assert not isinstance(s, ast.BinOp | ast.Compare | ast.Lambda), c["source"]


def test_the_command_writes_the_page_its_notebook_and_workbook(
    page: Path, changed: trend.Trend
) -> None:
    stem = "2022-2023-年度对比"
    assert sorted(p.name for p in page.iterdir()) == [
        f"{stem}{s}" for s in (".html", ".ipynb", ".xlsx")
    ]
    html = (page / f"{stem}.html").read_text(encoding="utf-8")
    assert "<h1>党委、政务信息工作年度对比</h1>" in html
    assert "本单位工作" in html and "规则调整" in html and NEW_UNIT in html
    # the head is for readers (the office issues the page); files and fingerprints are the
    # colophon's, at the end, with both years' sha256
    head = html[html.index('<header class="kh-header">') :].split("</header>", 1)[0]
    assert "绍兴市人力资源和社会保障局办公室" in head and "sha256" not in head
    assert changed.a.ledger_sha256 not in head and "data/raw" not in head
    # both menu figures print every unit: one static figure per option, for print only
    assert html.count('<div class="kh-print-cell">') == 2 * 21  # 21 units in each menu
    colophon = html[html.index('<table class="kh-colophon">') :]
    assert changed.a.ledger_sha256 in colophon and changed.b.ledger_sha256 in colophon
    assert "/tmp/" not in html
    wb = openpyxl.load_workbook(page / f"{stem}.xlsx")
    assert wb.sheetnames == [
        "得分对比",
        "变化分解",
        "各级录用",
        "规则差异",
        "未按前一年度计分",
        "说明",
    ]
    ws = wb["变化分解"]
    header = [c.value for c in ws[4]]
    rows = list(ws.iter_rows(min_row=5, values_only=True))
    talent = next(r for r in rows if r[0] == "人才综合处")
    change, work, rules = (talent[header.index(h)] for h in ("合计", "本单位工作", "规则调整"))
    assert change == pytest.approx(work + rules)
    assert "ledger_sha256" in json.loads((page / f"{stem}.ipynb").read_text())["metadata"]["kaohe"]


def test_the_page_is_offline_and_has_no_code(page: Path) -> None:
    stem = "2022-2023-年度对比"
    html = (page / f"{stem}.html").read_text(encoding="utf-8")
    assert external_references(html) == []
    p = Attrs()
    p.feed(html)
    assert "link" not in p.tags
    assert not re.search(r"<script[^>]*\ssrc=", html)
    assert html.count("* plotly.js v") == 1
    for code in ("trend.load(", "trend_charts.", "init_notebook_mode"):
        assert code not in html
    on_screen = figure_count(page / f"{stem}.ipynb")
    assert on_screen == 4
    assert html.count('class="plotly-graph-div"') == on_screen + html.count('class="kh-print-cell"')


def test_the_same_inputs_give_the_same_bytes(page: Path, years: dict[str, Path]) -> None:
    stem = "2022-2023-年度对比"
    before = {s: (page / f"{stem}{s}").read_bytes() for s in (".html", ".ipynb", ".xlsx")}
    again = trend.render_html(
        "2022-2023",
        years["tmp"] / "again",
        ledger_b=years["ledger_changed"],
        rules_b=years["rules_changed"],
    )
    assert again.html.read_bytes() == before[".html"]
    assert again.xlsx is not None and again.xlsx.read_bytes() == before[".xlsx"]


def test_every_chart_draws_offline_in_a_browser(browser: Any, page: Path) -> None:
    stem = "2022-2023-年度对比"
    seen = open_offline(browser, page / f"{stem}.html")
    html = (page / f"{stem}.html").read_text(encoding="utf-8")
    prints = html.count('<div class="kh-print-cell">')  # the menu figures' print versions
    assert seen["expected"] == figure_count(page / f"{stem}.ipynb") + prints == 4 + prints
    assert seen["drawn"] == seen["expected"] and seen["plotly"]
    assert seen["errors"] == [] and seen["blocked"] == [] and seen["dialogs"] == []
    assert "年度对比" in seen["heading"]


def test_bad_arguments_are_refused_before_any_kernel_starts(tmp_path: Path) -> None:
    r = kaohe("report", "--trend", "2023-2022", "--out", str(tmp_path))
    assert r.returncode == 2 and "后一年度应晚于前一年度" in r.stderr
    r = kaohe("report", "--trend", "2022-2023", "--year", "2022", "--out", str(tmp_path))
    assert r.returncode == 2 and "--trend 单独使用" in r.stderr
    r = kaohe("report", "--year", "2022", "--ledger-b", "x", "--out", str(tmp_path))
    assert r.returncode == 2 and "只用于 --trend" in r.stderr
    r = kaohe("report", "--trend", "2022-2023", "--ledger-b", str(tmp_path / "无"), "--out",
              str(tmp_path))  # fmt: skip
    assert r.returncode == 2 and "找不到台账" in r.stderr and "--ledger-b" in r.stderr
    assert not list(tmp_path.rglob("*.html"))


def test_the_defaults_are_each_years_shipped_ledger_and_rules(tmp_path: Path) -> None:
    """data/raw/YEAR and params/YEAR.yaml; params/2023.yaml ships (the 2023 overlay)."""
    assert (ROOT / "params" / "2023.yaml").is_file()
    ledger_2023 = ROOT / "data" / "raw" / "2023"
    if ledger_2023.exists():
        p = trend.page("2022-2023", tmp_path)
        assert p.parameters["ledger_b"] == str(ledger_2023.resolve())
    else:  # until the 2023 sample ships, the page names the option to give
        with pytest.raises(ReportDataError, match="--ledger-b"):
            trend.page("2022-2023", tmp_path)
        p = trend.page("2022-2023", tmp_path, ledger_b=SAMPLE)
    assert p.parameters["ledger_a"] == str(SAMPLE.resolve())
    assert p.parameters["rules_a"] == str((ROOT / "params" / "2022.yaml").resolve())
    assert p.parameters["rules_b"] == str((ROOT / "params" / "2023.yaml").resolve())
    assert p.folder == tmp_path / "2022-2023" and p.stem == "2022-2023-年度对比"
