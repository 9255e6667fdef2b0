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

The sweep takes the choices from the engine (publication values under `instruction_scope`
and the district groups from `publication_table`, doubling from `valued_adoptions`, the
level task from `level_task`), so the comparison is repeated with each *choice* switch of the file flipped — every
switch, enumerated from the file — for the leaves the switch reads (every publication's
points and instruction under `instruction_scope`, the group tasks, extras and shortfall under
the count-task readings, the district values under `district.adoptions.central`) and a few
representative leaves under the switches that do not move totals.
"""

from __future__ import annotations

import re
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
def variants(path: str, flip: str | None = None) -> Variants:
    """Up to two other values for the rule at `path`, derived from its value (a fraction
    above, twice, one below, one above, zero, half, two above: one near and one far when
    both fit), kept when the rules loader accepts them — shares stay in [0, 1], deductions
    ≤ 0, counts whole, suggestion tasks ≤ task totals… With `flip`, in the rules with that
    choice switch flipped (`flipped`)."""
    mapping = flipped(flip)
    current = get_value(mapping, path)
    d = Decimal(current)
    accepted: list[tuple[Number, Rules]] = []
    refused: list[tuple[Number, tuple[str, ...]]] = []
    seen = {current}
    for raw in (d + Decimal("0.25"), d * 2, d - 1, d + 1, Decimal(0), d / 2, d + 2):
        value = _number(raw)
        if value in seen or len(accepted) == 2:
            continue
        seen.add(value)
        rules, problems = validate_rules(with_changes(mapping, {path: value})[0])
        if rules is None:
            refused.append((value, tuple(p.message for p in problems)))
        else:
            accepted.append((value, rules))
    return Variants(current, tuple(accepted), tuple(refused))


@dataclass(frozen=True)
class Case:
    ledger: Ledger
    baseline: Scores


@cache
def ledger_of(name: str) -> Ledger:
    """The sample ledger or the random one (read once per session)."""
    rules = validate_rules(MAPPING)[0]
    assert rules is not None
    if name == "sample":
        ledger = read_ledger(SAMPLE, rules)
    else:
        ledger = parse_ledger(generate_bulk(rules, RANDOM_ITEMS, RANDOM_SEED), rules)
    assert ledger.ok
    return ledger


@pytest.fixture(scope="module", params=["sample", "random"])
def case(request: pytest.FixtureRequest) -> Case:
    rules = validate_rules(MAPPING)[0]
    assert rules is not None
    ledger = ledger_of(request.param)
    return Case(ledger, score(ledger, rules))


def _full(scores: Scores) -> pl.DataFrame:
    return scores.unit_scores.select(COMPARED)


def _assert_sweep_equals(table: pl.DataFrame, expected: list[tuple[Number, Scores]]) -> None:
    """Every unit's total, completion rate and rank at each value, as full scoring gives."""
    for value, full in expected:
        got = table.filter(pl.col("value") == float(value)).select(COMPARED)
        assert_frame_equal(got, _full(full), check_exact=True, check_dtypes=False)


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
    _assert_sweep_equals(table, expected)
    if not v.accepted:
        # No other value fits this rule: the sweep says so with the loader's reason.
        value, reasons = next((x, r) for x, r in v.refused if x == v.current + 1)
        with pytest.raises(ScenarioError) as refusal:
            sweep(case.ledger, MAPPING, path, [Decimal(v.current), Decimal(value)])
        message = str(refusal.value)
        assert message.startswith(f"规则路径 {path} 不能取 {value}："), message
        assert all(reason in message for reason in reasons), message


# ---- with each choice switch flipped -----------------------------------------------------


def _leaves(pattern: str) -> tuple[str, ...]:
    found = tuple(p for p in LEAVES if re.search(pattern, p))
    assert found, pattern
    return found


PUBLICATION_LEAVES = _leaves(r"^publications\..*\.(points|forms\.[^.]+|instruction\.\w+)$")
COUNT_TASK_LEAVES = _leaves(r"\.tasks\.|^department\.(extra|shortfall)\.")
DISTRICT_LEAVES = _leaves(r"^district\.adoptions\.")
REPRESENTATIVE = (
    "publications.list[中央办公厅《专报》].instruction.multiple",
    "publications.list[省政府办公厅《浙江政务信息（专报信息）》].points",
    "publications.list[国务院办公厅国办录用].forms.采纳例子观点",
    "groups.list[A].tasks.provincial.items",
    "groups.list[B].tasks.city.suggestion",
    "department.extra.provincial",
    "department.shortfall.city_items",
    "district.adoptions.groups[省两办].instruction_full",
)


@dataclass(frozen=True)
class Flip:
    """A choice switch of the rules file set to its other reading, the leaves swept under
    it and the ledgers it is swept on; `moves` names the ledger whose totals it changes (the
    switch is exercised there), or None for a switch that does not touch totals."""

    value: Any
    leaves: tuple[str, ...]
    ledgers: tuple[str, ...]
    moves: str | None


FLIPS = {
    "instruction_scope.choice": Flip("own_agency", PUBLICATION_LEAVES, ("sample",), "sample"),
    # the sample has one central adoption of a department and one commissioned one of a
    # district: the random ledger is the one these two switches change
    "department.extra.central_counts_as_provincial.choice": Flip(
        False, COUNT_TASK_LEAVES, ("sample", "random"), "random"
    ),
    "department.shortfall.level_task_counts.choice": Flip(
        "general_only", COUNT_TASK_LEAVES, ("sample",), "sample"
    ),
    "district.adoptions.central.choice": Flip(
        "always", DISTRICT_LEAVES, ("sample", "random"), "random"
    ),
    "quarters.choice": Flip("calendar", REPRESENTATIVE, ("sample",), None),
    "outcomes.department_adjustment.rounding.choice": Flip(
        "whole_points", REPRESENTATIVE, ("sample",), None
    ),
    "people.scope.choice": Flip("all", REPRESENTATIVE, ("sample",), None),
    "outcomes.officer_prizes.ranking.choice": Flip(
        "item_points", REPRESENTATIVE, ("sample",), None
    ),
}


def _choice_paths(node: Any, at: str = "") -> list[str]:
    """The path of every `choice` key of the mapping."""
    if isinstance(node, dict):
        return [
            p
            for k, v in node.items()
            for p in ([f"{at}{k}"] if k == "choice" else _choice_paths(v, f"{at}{k}."))
        ]
    if isinstance(node, list):
        return [p for v in node for p in _choice_paths(v, at)]
    return []


@cache
def flipped(flip: str | None) -> dict[str, Any]:
    """The rules file's mapping with the choice switch at `flip` set to its other reading."""
    if flip is None:
        return MAPPING
    return with_changes(MAPPING, {flip: FLIPS[flip].value})[0]


@cache
def flipped_rules(flip: str) -> Rules:
    rules, problems = validate_rules(flipped(flip))
    assert rules is not None, problems
    return rules


@cache
def flipped_baseline(flip: str, ledger: str) -> Scores:
    return score(ledger_of(ledger), flipped_rules(flip))


def test_every_choice_switch_of_the_rules_file_is_flipped() -> None:
    assert sorted(_choice_paths(MAPPING)) == sorted(FLIPS)
    for flip, f in FLIPS.items():
        assert get_value(MAPPING, flip) != f.value, flip
        assert get_value(flipped(flip), flip) == f.value, flip
        assert set(f.leaves) <= set(LEAVES), flip
    # every publication's points (or forms) and instruction, no 出彩 points
    names = {p.split("].")[0] for p in PUBLICATION_LEAVES}
    assert len(names) == len(MAPPING["publications"]["list"])
    assert not [p for p in PUBLICATION_LEAVES if "chucai" in p]
    assert len([p for p in PUBLICATION_LEAVES if ".instruction." in p]) == len(
        [p for p in MAPPING["publications"]["list"] if "instruction" in p]
    )


@pytest.mark.parametrize("flip", [k for k, f in FLIPS.items() if f.moves])
def test_each_switch_that_moves_totals_is_exercised(flip: str) -> None:
    name = FLIPS[flip].moves
    assert name is not None
    rules = validate_rules(MAPPING)[0]
    assert rules is not None
    before = score(ledger_of(name), rules).unit_scores["total_u"]
    after = flipped_baseline(flip, name).unit_scores["total_u"]
    assert (before != after).any(), flip


FLIP_CASES = [
    pytest.param(flip, name, path, id=f"{flip}={f.value}-{name}-{path}")
    for flip, f in FLIPS.items()
    for name in f.ledgers
    for path in f.leaves
]


@pytest.mark.parametrize(("flip", "name", "path"), FLIP_CASES)
def test_sweep_equals_full_scoring_with_a_choice_switch_flipped(
    flip: str, name: str, path: str
) -> None:
    """At the leaf's own value and one other the loader accepts (one, to keep the file fast:
    the baseline is where a switch the sweep read wrongly would show; a leaf no other value
    fits, such as a suggestion task pinned to 0, at its own value only)."""
    v = variants(path, flip)
    ledger = ledger_of(name)
    expected = [(v.current, flipped_baseline(flip, name))]
    expected += [(value, score(ledger, rules)) for value, rules in v.accepted[:1]]
    values = [Decimal(value) for value, _ in expected]
    table, method = sweep(ledger, flipped(flip), path, values)
    assert method == "vectorised", path
    assert table.height == len(values) * expected[0][1].unit_scores.height
    _assert_sweep_equals(table, expected)
