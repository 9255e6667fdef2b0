"""Fuzzing broken inputs: kaohe scores with every row used, or refuses naming every problem.

Random cells of (a slice of) the sample ledger are damaged — blanked, given the wrong type,
random text, Excel error values, far dates, huge numbers, invisible characters, renamed
headers — and the workbook is written as a real .xlsx. Random leaves of the rules file are
damaged the same way. Whatever the damage, kaohe never raises an internal error:
- a workbook it can read is either scored, with every input row in a clean table or named by a
  problem, and the score lines adding up to the totals; or refused, with every error naming its
  sheet, and its row or column;
- a rules file either loads (and then scores the sample) or is refused with a `RulesError`
  naming the file.
"""

from __future__ import annotations

import math
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import polars as pl
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_ledger import CLEAN_TABLE

from kaohe.engine import score
from kaohe.ledger.model import SHEETS, LedgerError
from kaohe.ledger.read import read_ledger
from kaohe.rules.models import DEFAULT_RULES, RulesError, load_rules, read_rules_mapping

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "raw" / "2022"
RULES = load_rules()
ERROR_VALUES = ["#N/A", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NULL!", "#NUM!"]
# what a cell can hold: Excel has no control characters (openpyxl refuses them too)
CELL_TEXT = st.text(st.characters(exclude_categories=("Cc", "Cs")), min_size=1, max_size=12)
INVISIBLE = ["\u200b", "\ufeff", "\u00a0", "\u200d", "\u00ad"]


def _sample_slice() -> dict[str, list[list[Any]]]:
    """A small consistent slice of the sample year: header row + rows, as cell values."""
    frames = {s: pl.read_csv(SAMPLE / f"{s}.csv", infer_schema=False) for s in SHEETS}
    items = frames["报送"].head(80)
    ids = set(items["信息编号"].to_list())
    keep = {
        "报送": items,
        "录用": frames["录用"].filter(pl.col("信息编号").is_in(ids)),
        "好信息": frames["好信息"].filter(pl.col("信息编号").is_in(ids)),
        "约稿": frames["约稿"].head(12),
        "月度计划": frames["月度计划"].head(20),
        "信息员": frames["信息员"].head(25),
    }
    out: dict[str, list[list[Any]]] = {}
    for sheet, df in keep.items():
        rows: list[list[Any]] = [list(df.columns)]
        for r in df.iter_rows():
            rows.append([_typed(h, v) for h, v in zip(df.columns, r, strict=True)])
        out[sheet] = rows
    return out


def _typed(header: str, value: str | None) -> Any:
    """Cells as the office's Excel holds them: dates as dates, counts as numbers."""
    if value is None or value == "":
        return None
    if header.endswith("日期"):
        return datetime.fromisoformat(value)
    if header in ("采纳数", "序号") and value.isdigit():
        return int(value)
    return value


BOOK = _sample_slice()

damage = st.one_of(
    st.just(("blank", None)),
    st.tuples(st.just("number"), st.sampled_from([0, -1, 3.5, 10**20, 1e300])),
    st.tuples(st.just("text"), CELL_TEXT),
    st.tuples(st.just("error"), st.sampled_from(ERROR_VALUES)),
    st.tuples(
        st.just("date"),
        st.sampled_from([datetime(1900, 1, 1), datetime(2099, 12, 31), datetime(1999, 6, 1)]),
    ),
    st.tuples(st.just("bool"), st.booleans()),
    st.tuples(st.just("invisible"), st.sampled_from(INVISIBLE)),
    st.tuples(st.just("header"), st.sampled_from(["情况", "表", "1", "实际", "是否", ""])),
)


@st.composite
def damages(draw: st.DrawFn) -> list[tuple[str, int, int, tuple[str, Any]]]:
    out = []
    for _ in range(draw(st.integers(1, 4))):
        sheet = draw(st.sampled_from(sorted(BOOK)))
        rows = BOOK[sheet]
        kind = draw(damage)
        col = draw(st.integers(0, len(rows[0]) - 1))
        row = 0 if kind[0] == "header" else draw(st.integers(1, max(1, len(rows) - 1)))
        if row >= len(rows):
            continue
        out.append((sheet, row, col, kind))
    return out


def _damaged(book: dict[str, list[list[Any]]], hits: list[Any]) -> dict[str, list[list[Any]]]:
    out = {s: [list(r) for r in rows] for s, rows in book.items()}
    for sheet, row, col, (kind, value) in hits:
        cell = out[sheet][row][col]
        if kind == "header":
            out[sheet][row][col] = f"{cell}{value}" if value else None
        elif kind == "invisible":
            out[sheet][row][col] = f"{cell if cell is not None else ''}{value}"
        else:
            out[sheet][row][col] = value
    return out


def _write(book: dict[str, list[list[Any]]], path: Path) -> None:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for sheet, rows in book.items():
        ws = wb.create_sheet(sheet)
        for r, values in enumerate(rows, start=1):
            for c, value in enumerate(values, start=1):
                if value is not None:
                    # a text "#N/A" becomes a real Excel error cell, as the office's files have
                    ws.cell(r, c).value = value
    wb.save(path)


def _assert_every_row_used_or_named(led: Any, book: dict[str, list[list[Any]]]) -> None:
    problems = led.problems
    for sheet, rows in book.items():
        clean = set(getattr(led, CLEAN_TABLE[sheet])["row"].to_list())
        named = problems.filter(pl.col("sheet") == sheet)
        reported = set(named["row"].to_list())
        whole_sheet = named.filter(pl.col("row").is_null()).height > 0
        for row in range(2, len(rows) + 1):
            assert row in clean or row in reported or whole_sheet, (sheet, row)


def _assert_named(problems: pl.DataFrame) -> None:
    for p in problems.iter_rows(named=True):
        assert p["sheet"], p
        assert p["reason"], p
        if p["severity"] == "error":
            assert p["row"] is not None or p["column"], p


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(hits=damages())
def test_a_damaged_workbook_is_scored_fully_or_refused_with_every_problem_named(
    hits: list[Any], tmp_path_factory: pytest.TempPathFactory
) -> None:
    book = _damaged(BOOK, hits)
    path = tmp_path_factory.mktemp("fuzz") / "台账.xlsx"
    _write(book, path)
    try:
        led = read_ledger(path, RULES)
    except LedgerError as err:
        _assert_named(err.problems)
        assert err.problems.filter(pl.col("severity") == "error").height > 0
        return
    _assert_named(led.problems)
    if not led.ok:
        return
    _assert_every_row_used_or_named(led, book)
    s = score(led, RULES)
    per_unit = s.score_lines.group_by("unit").agg(pl.col("points_u").sum())
    totals = dict(zip(s.unit_scores["unit"], s.unit_scores["total_u"], strict=True))
    for unit, points in per_unit.iter_rows():
        assert totals[unit] == points, unit


# ---- rules files ----------------------------------------------------------------------------


def _plain(node: Any) -> Any:
    """The rules mapping in YAML-dumpable types (Decimal → float kept exact as text)."""
    if isinstance(node, dict):
        return {k: _plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_plain(v) for v in node]
    if isinstance(node, Decimal):
        return float(node)
    return node


MAPPING = _plain(read_rules_mapping(DEFAULT_RULES))


def _leaves(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(node, dict):
        return [p for k, v in node.items() for p in _leaves(v, (*path, k))]
    if isinstance(node, list):
        return [p for i, v in enumerate(node) for p in _leaves(v, (*path, i))]
    return [path]


LEAVES = _leaves(MAPPING)

rule_damage = st.one_of(
    st.just(("blank", None)),
    st.tuples(st.just("value"), st.sampled_from([-1, 0, 1, 0.5, 3, -30, 100, 10**30])),
    st.tuples(st.just("value"), st.sampled_from([math.nan, math.inf, -math.inf, 1e300])),
    st.tuples(st.just("value"), CELL_TEXT),
    st.tuples(st.just("value"), st.sampled_from(["2021-02-30", "2099-01-01", True, [], {}])),
    st.tuples(st.just("invisible"), st.sampled_from(INVISIBLE)),
    st.tuples(st.just("rename"), st.sampled_from(["_x", "s", ""])),
)


def _set(mapping: Any, path: tuple[Any, ...], kind: str, value: Any) -> None:
    parent = mapping
    for k in path[:-1]:
        parent = parent[k]
    key = path[-1]
    if kind == "rename":
        if isinstance(parent, dict):
            parent[f"{key}{value}" if value else "x"] = parent.pop(key)
    elif kind == "invisible":
        parent[key] = f"{parent[key]}{value}"
    else:
        parent[key] = value


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    hits=st.lists(st.tuples(st.sampled_from(LEAVES), rule_damage), min_size=1, max_size=3),
)
def test_a_damaged_rules_file_loads_and_scores_or_is_refused_naming_the_file(
    hits: list[Any], tmp_path_factory: pytest.TempPathFactory
) -> None:
    import copy

    mapping = copy.deepcopy(MAPPING)
    for path, (kind, value) in hits:
        try:
            _set(mapping, path, kind, value)
        except (KeyError, IndexError, TypeError):
            continue  # an earlier rename moved this leaf
    path = tmp_path_factory.mktemp("rules") / "2022.yaml"
    path.write_text(yaml.safe_dump(mapping, allow_unicode=True, sort_keys=False), "utf-8")
    try:
        rules = load_rules(path)
    except RulesError as err:
        assert str(path) in str(err) or path.name in str(err)
        return
    led = read_ledger(SAMPLE, rules)
    _assert_named(led.problems)
    if led.ok:
        score(led, rules)
