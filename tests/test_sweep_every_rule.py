"""The sweep's fast path against full scoring, at every numeric leaf of the rules file.

`whatif.sweep` evaluates the clauses as array arithmetic (`rule_arrays`, `evaluate`) instead
of re-running `score()` per value. A rule that `score()` reads and the arrays do not would
sweep as a flat line; so every number of params/2022.yaml — enumerated from the file, lists
of publications, groups, awards and prizes by their path form, numbers under choice blocks
included — is swept over values the rules loader accepts, derived from the rule's own value,
and every unit's total, completion rate and rank must equal full scoring under the same
changed rules, on the sample ledger and on a random one. Numbers that cannot move totals
(chucai, outcomes, ledger checks, the year) must give the same flat line as full scoring. A
number that no other value fits (a suggestion task pinned to 0 by a task total of 0) is
refused by the sweep with the loader's reason, never swept as a silent flat line.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from kaohe.engine import STEPS, Scores, score
from kaohe.ledger.model import Ledger
from kaohe.ledger.read import parse_ledger, read_ledger
from kaohe.rules.models import DEFAULT_RULES, Rules, read_rules_mapping, validate_rules
from kaohe.sample import generate_bulk
from kaohe.whatif.scenario import ScenarioError, get_value, numeric_leaf_paths, with_changes
from kaohe.whatif.sweep import sweep

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "raw" / "2022"
MAPPING = read_rules_mapping(DEFAULT_RULES)
LEAVES = numeric_leaf_paths(MAPPING)
# The random ledger: small enough that departments fall short of their count tasks and
# districts of their submission task; a seed whose ledger has lines of every step (tested).
RANDOM_ITEMS, RANDOM_SEED = 300, 29
COMPARED = ["unit", "group", "kind", "total", "completion_rate", "rank"]

Number = int | Decimal


def _numbers(node: Any) -> int:
    """How many numbers (not booleans) the mapping holds, wherever they sit."""
    if isinstance(node, dict):
        return sum(_numbers(v) for v in node.values())
    if isinstance(node, list):
        return sum(_numbers(v) for v in node)
    return int(isinstance(node, int | Decimal) and not isinstance(node, bool))


def _number(value: Decimal) -> Number:
    """As the rules file would hold it: a whole number as int, else two decimals."""
    if value == value.to_integral_value():
        return int(value)
    return value.quantize(Decimal("0.01"))


@dataclass(frozen=True)
class Variants:
    """Values of one rule the loader accepts (besides its own), with their rules, and the
    values it refuses with its reasons."""

    current: Number
    accepted: tuple[tuple[Number, Rules], ...]
    refused: tuple[tuple[Number, tuple[str, ...]], ...]


@cache
def variants(path: str) -> Variants:
    """Up to two other values for the rule at `path`, derived from its value (a fraction
    above, twice, one below, one above, zero, half, two above: one near and one far when
    both fit), kept when the rules loader accepts them — shares stay in [0, 1], deductions
    ≤ 0, counts whole, suggestion tasks ≤ task totals…"""
    current = get_value(MAPPING, path)
    d = Decimal(current)
    accepted: list[tuple[Number, Rules]] = []
    refused: list[tuple[Number, tuple[str, ...]]] = []
    seen = {current}
    for raw in (d + Decimal("0.25"), d * 2, d - 1, d + 1, Decimal(0), d / 2, d + 2):
        value = _number(raw)
        if value in seen or len(accepted) == 2:
            continue
        seen.add(value)
        rules, problems = validate_rules(with_changes(MAPPING, {path: value})[0])
        if rules is None:
            refused.append((value, tuple(p.message for p in problems)))
        else:
            accepted.append((value, rules))
    return Variants(current, tuple(accepted), tuple(refused))


@dataclass(frozen=True)
class Case:
    ledger: Ledger
    baseline: Scores


@pytest.fixture(scope="module", params=["sample", "random"])
def case(request: pytest.FixtureRequest) -> Case:
    rules = validate_rules(MAPPING)[0]
    assert rules is not None
    if request.param == "sample":
        ledger = read_ledger(SAMPLE, rules)
    else:
        ledger = parse_ledger(generate_bulk(rules, RANDOM_ITEMS, RANDOM_SEED), rules)
    assert ledger.ok
    return Case(ledger, score(ledger, rules))


def _full(scores: Scores) -> pl.DataFrame:
    return scores.unit_scores.select(COMPARED)


def test_every_number_of_the_rules_file_is_a_leaf() -> None:
    assert len(set(LEAVES)) == len(LEAVES) == _numbers(MAPPING)
    for path in LEAVES:
        value = get_value(MAPPING, path)
        assert isinstance(value, int | Decimal) and not isinstance(value, bool), path
    # list elements by their path form, choice blocks included
    for path in (
        "publications.list[国务院办公厅国办录用].forms.采纳例子观点",
        "groups.list[区县].base",
        "department.awards.list[局办公室年度好信息].points",
        "outcomes.officer_prizes.prizes[二等奖].count",
        "district.adoptions.central.multiplier",
        "ledger_checks.other_year_share",
    ):
        assert path in LEAVES


def test_both_ledgers_have_lines_of_every_step(case: Case) -> None:
    assert set(case.baseline.score_lines["step"]) == set(STEPS)


@pytest.mark.parametrize("path", LEAVES)
def test_sweep_equals_full_scoring_at_every_numeric_leaf(path: str, case: Case) -> None:
    v = variants(path)
    values = [v.current] + [value for value, _ in v.accepted]
    table, method = sweep(case.ledger, MAPPING, path, [Decimal(x) for x in values])
    assert method == "vectorised", path
    assert table.height == len(values) * case.baseline.unit_scores.height
    assert set(table.filter(pl.col("baseline"))["value"]) == {float(v.current)}
    expected = [(v.current, case.baseline)] + [
        (value, score(case.ledger, rules)) for value, rules in v.accepted
    ]
    for value, full in expected:
        got = table.filter(pl.col("value") == float(value)).select(COMPARED)
        assert_frame_equal(got, _full(full), check_exact=True, check_dtypes=False), (path, value)
    if not v.accepted:
        # No other value fits this rule: the sweep says so with the loader's reason.
        value, reasons = next((x, r) for x, r in v.refused if x == v.current + 1)
        with pytest.raises(ScenarioError) as refusal:
            sweep(case.ledger, MAPPING, path, [Decimal(v.current), Decimal(value)])
        message = str(refusal.value)
        assert message.startswith(f"规则路径 {path} 不能取 {value}："), message
        assert all(reason in message for reason in reasons), message
