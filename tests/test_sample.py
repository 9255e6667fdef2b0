"""The synthetic ledgers of kaohe.sample: shape, determinism, validity, writers.

Validity is checked twice: by the checks of ledger.md written out here (names resolve through
the rules' aliases, dates in format, ids unique, adoptions of existing items not before their
submission, forms valid for the publication), and by the project's reader when it is present.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from kaohe.engine import score, valued_adoptions
from kaohe.ledger.model import SHEETS
from kaohe.ledger.read import read_ledger
from kaohe.rules.models import (
    DEFAULT_RULES,
    SCALE,
    Rules,
    load_rules,
    read_rules_mapping,
    rules_from_mapping,
)
from kaohe.sample import (
    _Prices,
    _simulate,
    generate_bulk,
    generate_sample,
    publication_pool,
    write_sample,
)
from kaohe.whatif.scenario import apply_changes

SEED = 2022
DATE_COLUMNS = {
    "报送": ["报送日期"],
    "录用": ["录用日期"],
    "好信息": ["评选日期"],
    "约稿": ["下达日期", "截止日期", "完成日期"],
    "月度计划": ["报送时间"],
    "信息员": ["起始日期", "终止日期"],
}
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
NEW_PUBLICATION = {
    "agency": "市委办公室",
    "title": "《绍兴改革动态》",
    "points": 30,
    "instruction": {"multiple": 1, "note": "获市领导批示的，按照原录用分值的1倍加分"},
    "chucai": 2,
}


@pytest.fixture(scope="module")
def rules() -> Rules:
    return load_rules()


@pytest.fixture(scope="module")
def sample(rules: Rules) -> dict[str, pl.DataFrame]:
    return generate_sample(rules, SEED)


@pytest.fixture(scope="module")
def bulk(rules: Rules) -> dict[str, pl.DataFrame]:
    return generate_bulk(rules, 20_000, 1)


# ---- the checks of ledger.md ---------------------------------------------------------------

_WIDTH = str.maketrans({"（": "(", "）": ")"})


def _key(text: str) -> str:
    return re.sub(r"\s+", "", text).translate(_WIDTH)


def _index(pairs: Iterable[tuple[str, Iterable[str]]]) -> dict[str, str]:
    """Spelling key → canonical name."""
    return {_key(n): value for value, names in pairs for n in (value, *names)}


def _unit_index(rules: Rules) -> dict[str, str]:
    return _index((u.name, u.aliases) for u in rules.units.roster)


def _resolve_unit(index: dict[str, str], text: str) -> str | None:
    k = _key(text)
    for suffix in ("", "人力社保局", "人社局"):
        if k.endswith(suffix) and k.removesuffix(suffix) in index:
            return index[k.removesuffix(suffix)]
    return None


def ledger_problems(sheets: dict[str, pl.DataFrame], rules: Rules) -> list[str]:
    """Every way the sheets break ledger.md; [] when they are valid."""
    out: list[str] = []
    units = _unit_index(rules)
    agencies = _index((a.name, a.aliases) for a in rules.agencies.list)
    pubs: dict[tuple[str, str], int] = {}
    for i, p in enumerate(rules.publications.list):
        for name in (p.title, *p.aliases):
            pubs[(p.agency, _key(name))] = i
    k = rules.item_kinds
    kinds = _index(
        (code, (kl.label, *kl.aliases))
        for code, kl in (
            ("general", k.general),
            ("suggestion", k.suggestion),
            ("research", k.research),
        )
    )
    awards = _index((a.name, a.aliases) for a in rules.department.awards.list)
    issuers = _index((i.name, i.aliases) for i in rules.commission_issuers.list)
    district_units = {
        u.name for u in rules.units.roster if rules.unit_group(u.name).kind == "district"
    }

    for sheet, headers in SHEETS.items():
        df = sheets[sheet]
        if list(df.columns) != list(headers):
            out.append(f"{sheet}: headers {df.columns}")
        if any(dtype != pl.String for dtype in df.dtypes):
            out.append(f"{sheet}: not all columns are strings")
        for column, required in headers.items():
            if required and df[column].null_count():
                out.append(f"{sheet}.{column}: {df[column].null_count()} blank required cells")
        for column in DATE_COLUMNS[sheet]:
            bad = [v for v in df[column].drop_nulls() if not ISO_DATE.match(v)]
            for v in bad:
                try:
                    date.fromisoformat(v)
                except ValueError:
                    out.append(f"{sheet}.{column}: bad date {v!r}")
            if bad:
                out.append(f"{sheet}.{column}: not YYYY-MM-DD {bad[:3]}")

    items = sheets["报送"]
    ids = items["信息编号"].to_list()
    if len(set(ids)) != len(ids):
        out.append("报送: duplicate 信息编号")
    submitted = dict(zip(ids, items["报送日期"], strict=True))
    item_unit: dict[str, str | None] = {}
    for row in items.iter_rows(named=True):
        unit = _resolve_unit(units, row["报送单位"])
        item_unit[row["信息编号"]] = unit
        if unit is None:
            out.append(f"报送: unknown unit {row['报送单位']!r}")
        if _key(row["信息类别"]) not in kinds:
            out.append(f"报送: unknown kind {row['信息类别']!r}")
        if row["协作单位"]:
            total = Decimal(0)
            for part in re.split(r"[；;]", row["协作单位"]):
                name, share = part.split(":")
                contributor = _resolve_unit(units, name)
                if contributor is None or contributor in district_units:
                    out.append(f"报送: contributor {name!r} is not a department")
                if contributor == unit:
                    out.append(f"报送: the lead {name!r} among its contributors")
                d = Decimal(share)
                if d != d.quantize(Decimal("0.01")) or d <= 0:
                    out.append(f"报送: share {share!r}")
                total += d
            if total >= 1 or unit in district_units:
                out.append(f"报送: shares {row['协作单位']!r} on {row['报送单位']!r}")

    seen: set[tuple[str, int, str]] = set()
    for row in sheets["录用"].iter_rows(named=True):
        item = row["信息编号"]
        if item not in submitted:
            out.append(f"录用: unknown item {item!r}")
            continue
        if row["录用日期"] < submitted[item]:
            out.append(f"录用: {item} adopted {row['录用日期']} before {submitted[item]}")
        agency = agencies.get(_key(row["录用单位"]))
        if agency is None:
            out.append(f"录用: unknown agency {row['录用单位']!r}")
            continue
        pub_id = pubs.get((agency, _key(row["刊物"])))
        if pub_id is None:
            out.append(f"录用: unknown publication {agency} {row['刊物']!r}")
            continue
        pub = rules.publications.list[pub_id]
        form = row["录用方式"]
        if pub.forms:
            if form not in pub.forms:
                out.append(f"录用: form {form!r} not one of {list(pub.forms)} ({pub.title})")
        elif form is not None and form not in rules.forms.list:
            out.append(f"录用: unknown form {form!r}")
        if row["采纳数"] is not None and not row["采纳数"].isdigit():
            out.append(f"录用: 采纳数 {row['采纳数']!r}")
        if row["领导批示"] not in (None, "是", "否"):
            out.append(f"录用: 领导批示 {row['领导批示']!r}")
        key = (item, pub_id, form or rules.forms.default)
        if key in seen:
            out.append(f"录用: duplicate adoption {key}")
        seen.add(key)

    for row in sheets["好信息"].iter_rows(named=True):
        if row["信息编号"] not in submitted:
            out.append(f"好信息: unknown item {row['信息编号']!r}")
        if _key(row["评选"]) not in awards:
            out.append(f"好信息: unknown award {row['评选']!r}")

    commissions = sheets["约稿"]
    cids = commissions["约稿编号"].to_list()
    if len(set(cids)) != len(cids):
        out.append("约稿: duplicate 约稿编号")
    commission_unit = {}
    for row in commissions.iter_rows(named=True):
        commission_unit[row["约稿编号"]] = _resolve_unit(units, row["单位"])
        if commission_unit[row["约稿编号"]] is None:
            out.append(f"约稿: unknown unit {row['单位']!r}")
        if _key(row["下达方"]) not in issuers:
            out.append(f"约稿: unknown issuer {row['下达方']!r}")
        if row["下达日期"] and row["下达日期"] > row["截止日期"]:
            out.append(f"约稿: {row['约稿编号']} ordered after its deadline")
    for row in items.filter(pl.col("约稿编号").is_not_null()).iter_rows(named=True):
        if row["约稿编号"] not in commission_unit:
            out.append(f"报送: unknown commission {row['约稿编号']!r}")
        elif commission_unit[row["约稿编号"]] != item_unit[row["信息编号"]]:
            out.append(f"报送: {row['信息编号']} answers another unit's commission")

    categories = set(rules.plans.categories)
    for row in sheets["月度计划"].iter_rows(named=True):
        if _resolve_unit(units, row["单位"]) is None:
            out.append(f"月度计划: unknown unit {row['单位']!r}")
        if not re.match(r"^\d{4}-\d{2}$", row["月份"]):
            out.append(f"月度计划: month {row['月份']!r}")
        if row["拟报送刊物"] is not None and row["拟报送刊物"] not in categories:
            out.append(f"月度计划: category {row['拟报送刊物']!r}")
        if row["信息编号"] is not None and row["信息编号"] not in submitted:
            out.append(f"月度计划: unknown item {row['信息编号']!r}")
    for row in sheets["信息员"].iter_rows(named=True):
        if _resolve_unit(units, row["单位"]) is None:
            out.append(f"信息员: unknown unit {row['单位']!r}")
        if row["角色"] not in ("信息员", "撰稿人"):
            out.append(f"信息员: role {row['角色']!r}")
    return out


def _levels(sheets: dict[str, pl.DataFrame], rules: Rules) -> pl.Series:
    agencies = _index((a.name, a.aliases) for a in rules.agencies.list)
    return sheets["录用"]["录用单位"].map_elements(
        lambda a: rules.agency_level[agencies[_key(a)]], return_dtype=pl.String
    )


def _with_publication(extra: dict[str, Any]) -> Rules:
    mapping = copy.deepcopy(read_rules_mapping(DEFAULT_RULES))
    mapping["publications"]["list"].append(extra)
    return rules_from_mapping(mapping, "<test: extra publication>")


# ---- the realistic year --------------------------------------------------------------------


def test_same_seed_same_frames_other_seed_other_frames(
    rules: Rules, sample: dict[str, pl.DataFrame]
) -> None:
    again = generate_sample(rules, SEED)
    assert list(again) == list(sample)
    for name, df in sample.items():
        assert df.equals(again[name]), name
    other = generate_sample(rules, SEED + 1)
    assert not other["报送"].equals(sample["报送"])


def test_sheets_and_headers_are_the_ledger_format(sample: dict[str, pl.DataFrame]) -> None:
    assert list(sample) == list(SHEETS)
    for name, df in sample.items():
        assert df.columns == list(SHEETS[name]), name
        assert all(dtype == pl.String for dtype in df.dtypes), name
        assert df.height > 0, name


def test_the_sample_is_a_valid_ledger(rules: Rules, sample: dict[str, pl.DataFrame]) -> None:
    assert ledger_problems(sample, rules) == []


def test_the_checks_catch_broken_ledgers(rules: Rules, sample: dict[str, pl.DataFrame]) -> None:
    broken = dict(sample)
    first = sample["报送"].row(0, named=True)
    adoptions = sample["录用"]
    bad_rows = pl.DataFrame(
        [
            {
                **adoptions.row(0, named=True),
                "信息编号": first["信息编号"],
                "录用日期": "2000-01-01",
            },
            {**adoptions.row(0, named=True), "录用单位": "市长办公室"},
            {**adoptions.row(0, named=True), "信息编号": "NOPE"},
        ],
        schema=adoptions.schema,
    )
    broken["录用"] = pl.concat([adoptions, bad_rows])
    problems = ledger_problems(broken, rules)
    assert any("before" in p for p in problems)
    assert any("unknown agency" in p for p in problems)
    assert any("unknown item" in p for p in problems)


def test_no_global_random_state_is_used(rules: Rules) -> None:
    import random

    import numpy as np

    state, np_state = random.getstate(), np.random.get_state()
    generate_sample(rules, 5)
    generate_bulk(rules, 1_000, 5)
    assert random.getstate() == state
    after = np.random.get_state()
    assert after[0] == np_state[0] and (after[1] == np_state[1]).all() and after[2:] == np_state[2:]


# Rules under which the generator's old arithmetic parted from the engine's (an instruction
# bonus that own_agency takes away) and other prices changed.
PRICE_CHANGES = {
    "instruction_scope.choice": "own_agency",
    "publications.list[市委办公室《工作交流》].points": 90,
    "district.adoptions.central.multiplier": 3,
    "district.adoptions.examples_each": 8,
    "district.adoptions.groups[市两办].full": 45,
    "district.submissions.task": 30,
    "district.commissions.penalty": -15,
}


@pytest.mark.parametrize("changes", [{}, PRICE_CHANGES], ids=["rules file", "changed prices"])
def test_the_generator_prices_as_the_engine_scores(changes: dict[str, Any], tmp_path: Path) -> None:
    """Every adoption the generator weighs while balancing a year, and every district's
    penalties, are what the engine makes of the written ledger."""
    rules = apply_changes(read_rules_mapping(DEFAULT_RULES), changes)
    year = _simulate(rules, 3)
    write_sample(year.frames(), tmp_path / "ledger")
    ledger = read_ledger(tmp_path / "ledger", rules)
    assert ledger.ok
    valued, _ = valued_adoptions(ledger, rules)
    engine = {
        (item, pub): value
        for item, pub, value in valued.select("item_id", "publication_id", "value_u").iter_rows()
    }
    prices = _Prices(year)
    adoptions = [a for it in year.items for a in it.adoptions]
    assert {(a.item.item_id, a.pub): prices.adoption(a) * SCALE for a in adoptions} == engine
    if changes:  # the case that tells the engine from the old arithmetic is in the sample
        assert any(
            a.instruction
            and not a.item.unit.district
            and (ins := rules.publications.list[a.pub].instruction) is not None
            and ins.via_level_block
            for a in adoptions
        )
    # a district's total is its adoptions in the period plus its penalties
    period = pl.col("adopted").is_between(rules.period.start, rules.period.end)
    earned = dict(
        valued.filter(period & (pl.col("kind") == "district"))
        .group_by("unit")
        .agg(pl.col("value_u").sum())
        .iter_rows()
    )
    totals = dict(score(ledger, rules).unit_scores.select("unit", "total_u").iter_rows())
    penalties = {year.units[i].name: p * SCALE for i, p in prices.district_penalties().items()}
    assert penalties == {u: totals[u] - earned.get(u, 0) for u in penalties}
    assert any(p < 0 for p in penalties.values())


def test_a_realistic_year(rules: Rules, sample: dict[str, pl.DataFrame]) -> None:
    items = sample["报送"]
    assert 600 <= items.height <= 1000
    index = _unit_index(rules)
    units = items["报送单位"].map_elements(
        lambda u: _resolve_unit(index, u), return_dtype=pl.String
    )
    counts = units.value_counts()
    assert set(counts["报送单位"]) == set(rules.unit_names)  # every unit of the roster
    # Officers of 附件2 are in 信息员 with their role; spacing inside names is free.
    people = sample["信息员"].with_columns(pl.col("姓名").str.replace_all(r"\s+", ""))
    officers = set(people.filter(pl.col("角色") == "信息员")["姓名"])
    for u in rules.units.roster:
        if u.officer:
            assert re.sub(r"\s+", "", u.officer) in officers
    # Someone's role ends during the year and a successor's begins.
    assert people["终止日期"].drop_nulls().len() >= 1
    assert people["起始日期"].drop_nulls().len() >= 1
    assert (people["年轻干部"] == "是").any()
    # Adoptions at every level.
    levels = set(_levels(sample, rules))
    assert {"central", "provincial", "city", "bureau"} <= levels
    # A weak district: below its submission task, or with next to no adoptions.
    task = rules.district.submissions.task
    districts = [u.name for u in rules.units.roster if rules.unit_group(u.name).kind == "district"]
    per_unit = dict(zip(counts["报送单位"], counts["count"], strict=True))
    short = [d for d in districts if per_unit[d] < task]
    assert len(short) >= 1
    assert all(10 <= per_unit[d] <= 40 for d in districts)
    # Research articles for most departments but not all.
    research = set(
        units.filter(items["信息类别"].str.contains(rules.item_kinds.research.label)).to_list()
    )
    departments = [u for u in rules.unit_names if u not in districts]
    assert len(departments) // 2 < len(research & set(departments)) < len(departments)
    # Shared items, commissions, awards of every type, instructions, plans.
    assert items["协作单位"].drop_nulls().len() >= 3
    assert items["约稿编号"].drop_nulls().len() >= 5
    awarded = {_key(a) for a in sample["好信息"]["评选"]}
    named = {_key(n): a.name for a in rules.department.awards.list for n in (a.name, *a.aliases)}
    assert {named[a] for a in awarded} == {a.name for a in rules.department.awards.list}
    assert (sample["录用"]["领导批示"] == "是").sum() >= 3
    assert sample["约稿"]["完成日期"].null_count() >= 1
    assert set(sample["月度计划"]["拟报送刊物"].drop_nulls()) <= set(rules.plans.categories)
    assert sample["月度计划"]["信息编号"].drop_nulls().len() > 0


def test_period_edges_are_exercised(rules: Rules, sample: dict[str, pl.DataFrame]) -> None:
    start, end = rules.period.start.isoformat(), rules.period.end.isoformat()
    items = sample["报送"]
    adoptions = sample["录用"].join(items.select("信息编号", "报送日期"), on="信息编号")
    before = adoptions.filter(pl.col("报送日期") < start)
    assert before.height >= 1 and (before["录用日期"] >= start).all()
    late = adoptions.filter(pl.col("录用日期") > end)
    assert late.height >= 1 and (late["报送日期"] <= end).all()
    assert late.height < 20  # a few, not a flood


def test_quiet_spring_festival(sample: dict[str, pl.DataFrame]) -> None:
    months = sample["报送"]["报送日期"].str.slice(0, 7).value_counts()
    per_month = dict(zip(months["报送日期"], months["count"], strict=True))
    assert per_month["2022-02"] < per_month["2021-12"]
    assert per_month["2022-02"] < per_month["2022-11"]


def test_reader_finds_no_errors(
    rules: Rules, sample: dict[str, pl.DataFrame], tmp_path: Path
) -> None:
    ledger = pytest.importorskip("kaohe.ledger.read")
    write_sample(sample, tmp_path / "csv", "csv")
    write_sample(sample, tmp_path / "book.xlsx", "xlsx")
    for path in (tmp_path / "csv", tmp_path / "book.xlsx"):
        read = ledger.read_ledger(path, rules)
        assert read.errors.height == 0, read.errors.to_dicts()[:5]
        assert read.items.height == sample["报送"].height
        assert read.adoptions.height == sample["录用"].height
        # Only out-of-period warnings, and few.
        assert read.problems.height < 30


# ---- writers -------------------------------------------------------------------------------


def test_csv_folder_reads_back(sample: dict[str, pl.DataFrame], tmp_path: Path) -> None:
    write_sample(sample, tmp_path, "csv")
    for name, df in sample.items():
        path = tmp_path / f"{name}.csv"
        raw = path.read_bytes()
        assert b"\r\n" not in raw
        assert raw.startswith(",".join(SHEETS[name]).encode("utf-8") + b"\n")
        back = pl.read_csv(path, infer_schema=False)
        assert back.equals(df), name
    # The same bytes on a second write.
    first = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    write_sample(sample, tmp_path, "csv")
    assert first == {p.name: p.read_bytes() for p in tmp_path.iterdir()}


def test_xlsx_reads_back_with_dates_and_text(
    sample: dict[str, pl.DataFrame], tmp_path: Path
) -> None:
    path = tmp_path / "台账.xlsx"
    write_sample(sample, path, "xlsx")
    book = pl.read_excel(path, sheet_id=0, engine="calamine")
    assert list(book) == list(SHEETS)
    for name, df in sample.items():
        back = book[name]
        assert back.columns == df.columns, name
        assert back.height == df.height, name
    items = book["报送"]
    assert items.schema["报送日期"] in (pl.Date, pl.Datetime)
    first = items["报送日期"][0]
    assert first.isoformat()[:10] == sample["报送"]["报送日期"][0]
    assert items["标题"].to_list() == sample["报送"]["标题"].to_list()
    again = tmp_path / "again.xlsx"
    write_sample(sample, again, "xlsx")
    assert again.read_bytes() == path.read_bytes()


def test_xlsx_keeps_formula_looking_text_as_text(tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    sheets = {
        name: pl.DataFrame(schema={h: pl.String for h in headers})
        for name, headers in SHEETS.items()
    }
    row = {h: None for h in SHEETS["报送"]}
    row.update(
        {
            "信息编号": "X1",
            "标题": "=HYPERLINK(1)",
            "报送单位": "@柯桥区",
            "报送日期": "2022-03-01",
            "信息类别": "+综合",
        }
    )
    sheets["报送"] = pl.DataFrame([row], schema={h: pl.String for h in SHEETS["报送"]})
    path = tmp_path / "f.xlsx"
    write_sample(sheets, path, "xlsx")
    ws = openpyxl.load_workbook(path)["报送"]
    assert ws["B2"].value == "=HYPERLINK(1)" and ws["B2"].data_type == "s"
    assert ws["C2"].value == "@柯桥区" and ws["E2"].value == "+综合"
    assert ws["D2"].is_date


# ---- the rules drive the generator ---------------------------------------------------------


def test_a_publication_added_to_the_rules_is_drawn(rules: Rules) -> None:
    extended = _with_publication(NEW_PUBLICATION)
    assert (NEW_PUBLICATION["agency"], NEW_PUBLICATION["title"]) in publication_pool(extended)
    assert (NEW_PUBLICATION["agency"], NEW_PUBLICATION["title"]) not in publication_pool(rules)
    bulk = generate_bulk(extended, 5_000, 3)
    assert (bulk["录用"]["刊物"] == NEW_PUBLICATION["title"]).any()
    found = any(
        (generate_sample(extended, seed)["录用"]["刊物"] == NEW_PUBLICATION["title"]).any()
        for seed in (1, 2, 3)
    )
    assert found


def test_a_unit_added_to_the_rules_submits(rules: Rules) -> None:
    mapping = copy.deepcopy(read_rules_mapping(DEFAULT_RULES))
    mapping["units"]["roster"].append({"name": "滨海新区", "group": "区县", "aliases": ["滨海"]})
    extended = rules_from_mapping(mapping, "<test: extra unit>")
    sheets = generate_sample(extended, 7)
    index = _unit_index(extended)
    units = {_resolve_unit(index, u) for u in sheets["报送"]["报送单位"]}
    assert "滨海新区" in units
    assert ledger_problems(sheets, extended) == []


# ---- the bulk ledger -----------------------------------------------------------------------


def test_bulk_has_the_expected_rows_and_valid_names(
    rules: Rules, bulk: dict[str, pl.DataFrame]
) -> None:
    assert list(bulk) == list(SHEETS)
    assert bulk["报送"].height == 20_000
    assert 1.3 * 20_000 <= bulk["录用"].height <= 1.8 * 20_000
    assert bulk["约稿"].height >= 20_000 // 200
    assert bulk["好信息"].height >= 10
    assert ledger_problems(bulk, rules) == []
    levels = set(_levels(bulk, rules))
    assert {"central", "provincial", "city", "bureau"} <= levels
    index = _unit_index(rules)
    units = {_resolve_unit(index, u) for u in bulk["报送"]["报送单位"].unique()}
    assert units == set(rules.unit_names)
    assert bulk["报送"]["协作单位"].drop_nulls().len() > 0
    assert (bulk["录用"]["领导批示"] == "是").any()


def test_bulk_is_deterministic(rules: Rules, bulk: dict[str, pl.DataFrame]) -> None:
    again = generate_bulk(rules, 20_000, 1)
    for name, df in bulk.items():
        assert df.equals(again[name]), name
    assert not generate_bulk(rules, 20_000, 2)["报送"].equals(bulk["报送"])


def test_bulk_reads_without_problems(
    rules: Rules, bulk: dict[str, pl.DataFrame], tmp_path: Path
) -> None:
    ledger = pytest.importorskip("kaohe.ledger.read")
    write_sample(bulk, tmp_path, "csv")
    read = ledger.read_ledger(tmp_path, rules)
    assert read.problems.height == 0, read.problems.head(5).to_dicts()
    assert read.adoptions.height == bulk["录用"].height


def test_xlsx_refuses_more_rows_than_excel_holds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import kaohe.sample as sample_module

    schema = {h: pl.String for h in SHEETS["信息员"]}
    sheets = {
        name: pl.DataFrame(schema={h: pl.String for h in headers})
        for name, headers in SHEETS.items()
    }
    sheets["信息员"] = pl.DataFrame({h: ["x"] * 3 for h in schema}, schema=schema)
    monkeypatch.setattr(sample_module, "EXCEL_MAX_ROWS", 3)
    with pytest.raises(ValueError, match="CSV"):
        write_sample(sheets, tmp_path / "big.xlsx", "xlsx")
