"""Shared fixtures and builders for the scoring tests.

`book` builds a ledger the way the office writes it (Chinese sheets and headers, text cells,
dates as 'YYYY-MM-DD'), scores it and offers small look-ups on the result:

    k = book.item("人才综合处", kind="建议问题")
    book.adopt(k, "市委办公室", "《工作交流》", instruction=True)
    result = book.score(rules)
    result.step("人才综合处", "adoption")  # sum of that step's points
    result.total("人才综合处")             # unit_scores.total

Expected numbers in the tests are derived by hand from shared/spec/rules.md; the arithmetic is
written next to each assertion.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import date
from typing import Any

import polars as pl
import pytest

from kaohe.rules.models import (
    DEFAULT_RULES,
    Rules,
    load_rules,
    read_rules_mapping,
    rules_from_mapping,
)

# Dates inside the 2022 assessment year (2021-12-01 .. 2022-11-30).
SUBMITTED = "2022-03-01"
ADOPTED = "2022-04-01"
AWARDED = "2022-06-01"
ORDERED = "2022-05-01"
DEADLINE = "2022-06-30"

DEPARTMENT_STEPS = {
    "adoption",
    "instruction",
    "unadopted",
    "award",
    "extra",
    "shortfall",
    "commission",
    "research",
}
DISTRICT_STEPS = {
    "district_submissions",
    "district_adoption",
    "district_instruction",
    "district_commission",
}


@dataclass
class Result:
    """A `Scores` object with the look-ups the tests need."""

    scores: Any

    def lines(self, unit: str | None = None, step: str | None = None) -> pl.DataFrame:
        df = self.scores.score_lines
        if unit is not None:
            df = df.filter(pl.col("unit") == unit)
        if step is not None:
            df = df.filter(pl.col("step") == step)
        return df

    def step(self, unit: str, step: str) -> float:
        """Sum of the points of one step for one unit (0.0 when there are no lines)."""
        return float(self.lines(unit, step)["points"].sum() or 0.0)

    def steps(self, unit: str) -> dict[str, float]:
        """Per-step sums for one unit, steps with lines only."""
        df = self.lines(unit).group_by("step").agg(pl.col("points").sum())
        return {r["step"]: float(r["points"]) for r in df.iter_rows(named=True)}

    def item_points(self, item_id: str, step: str, unit: str | None = None) -> float:
        """Sum of one step's points for one item (optionally for one unit's share)."""
        df = self.lines(unit, step).filter(pl.col("item_id") == item_id)
        return float(df["points"].sum() or 0.0)

    def commission_points(self, commission_id: str, step: str = "commission") -> float:
        df = self.lines(step=step).filter(pl.col("commission_id") == commission_id)
        return float(df["points"].sum() or 0.0)

    def line_total(self, unit: str) -> float:
        return float(self.lines(unit)["points"].sum() or 0.0)

    def row(self, unit: str) -> dict[str, Any]:
        rows = self.scores.unit_scores.filter(pl.col("unit") == unit).to_dicts()
        assert len(rows) == 1, f"expected one unit_scores row for {unit}, got {len(rows)}"
        return rows[0]

    def total(self, unit: str) -> float:
        return float(self.row(unit)["total"])

    def task(self, unit: str, task: str) -> dict[str, Any]:
        rows = (
            self.scores.tasks.filter((pl.col("unit") == unit) & (pl.col("task") == task))
        ).to_dicts()
        assert len(rows) == 1, f"expected one task row {unit}/{task}, got {len(rows)}"
        return rows[0]


class Book:
    """A ledger under construction, one method per sheet."""

    def __init__(self) -> None:
        self.rows: dict[str, list[dict[str, str]]] = {
            "报送": [],
            "录用": [],
            "好信息": [],
            "约稿": [],
        }
        self._items = 0
        self._commissions = 0

    # ---- 报送 ----------------------------------------------------------------------------
    def item(
        self,
        unit: str,
        kind: str = "综合",
        submitted: str = SUBMITTED,
        shares: str = "",
        commission: str = "",
        item_id: str | None = None,
    ) -> str:
        self._items += 1
        item_id = item_id or f"X{self._items:04d}"
        self.rows["报送"].append(
            {
                "信息编号": item_id,
                "标题": f"测试信息{self._items}",
                "报送单位": unit,
                "报送日期": submitted,
                "信息类别": kind,
                "第一撰稿人": "",
                "其他撰稿人": "",
                "协作单位": shares,
                "约稿编号": commission,
            }
        )
        return item_id

    def items(self, unit: str, n: int, kind: str = "综合", submitted: str = SUBMITTED) -> list[str]:
        return [self.item(unit, kind=kind, submitted=submitted) for _ in range(n)]

    # ---- 录用 ----------------------------------------------------------------------------
    def adopt(
        self,
        item_id: str,
        agency: str,
        title: str,
        adopted: str = ADOPTED,
        form: str = "",
        examples: int | None = None,
        instruction: bool = False,
    ) -> None:
        self.rows["录用"].append(
            {
                "信息编号": item_id,
                "录用单位": agency,
                "刊物": title,
                "录用日期": adopted,
                "录用方式": form,
                "采纳数": "" if examples is None else str(examples),
                "领导批示": "是" if instruction else "否",
            }
        )

    # ---- 好信息 --------------------------------------------------------------------------
    def award(self, item_id: str, award: str, awarded: str = AWARDED) -> None:
        self.rows["好信息"].append({"信息编号": item_id, "评选": award, "评选日期": awarded})

    # ---- 约稿 ----------------------------------------------------------------------------
    def commission(
        self,
        unit: str,
        issuer: str,
        deadline: str = DEADLINE,
        delivered: str = "",
        ordered: str = ORDERED,
        commission_id: str | None = None,
    ) -> str:
        self._commissions += 1
        commission_id = commission_id or f"Y{self._commissions:04d}"
        self.rows["约稿"].append(
            {
                "约稿编号": commission_id,
                "单位": unit,
                "下达方": issuer,
                "下达日期": ordered,
                "截止日期": deadline,
                "完成日期": delivered,
            }
        )
        return commission_id

    # ---- reading and scoring --------------------------------------------------------------
    def sheets(self) -> dict[str, list[dict[str, str]]]:
        out = {"报送": list(self.rows["报送"]), "录用": list(self.rows["录用"])}
        for optional in ("好信息", "约稿"):
            if self.rows[optional]:
                out[optional] = list(self.rows[optional])
        return out

    def ledger(self, rules: Rules) -> Any:
        from kaohe.ledger.read import parse_ledger

        return parse_ledger(self.sheets(), rules)

    def score(self, rules: Rules, as_of: date | None = None) -> Result:
        from kaohe.engine import score

        ledger = self.ledger(rules)
        errors = ledger.problems.filter(pl.col("severity") == "error")
        assert ledger.ok, f"ledger has errors:\n{errors.to_dicts()}"
        return Result(score(ledger, rules, as_of=as_of))


def modified_rules(mapping: dict[str, Any], path: str, value: Any) -> Rules:
    """Rules with one dotted path set to `value` (list indices allowed), the baseline untouched."""
    data = copy.deepcopy(mapping)
    keys = path.split(".")
    node: Any = data
    for k in keys[:-1]:
        node = node[int(k)] if isinstance(node, list) else node[k]
    last = keys[-1]
    if isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value
    return rules_from_mapping(data, f"<test: {path}={value!r}>")


@pytest.fixture(scope="session")
def rules() -> Rules:
    return load_rules()


@pytest.fixture(scope="session")
def _baseline_mapping() -> dict[str, Any]:
    return read_rules_mapping(DEFAULT_RULES)


@pytest.fixture
def rules_with(_baseline_mapping: dict[str, Any]):
    """rules_with('department.unadopted.cap_share_of_base', Decimal('0.2')) -> Rules."""

    def make(path: str, value: Any) -> Rules:
        return modified_rules(_baseline_mapping, path, value)

    return make


@pytest.fixture
def book() -> Book:
    return Book()


@pytest.fixture(scope="module")
def browser() -> Any:
    """Debian's chromium driven by Playwright (see tests/browser.py); fails when missing."""
    from browser import CHROMIUM, CHROMIUM_ARGS

    assert CHROMIUM.exists(), (
        f"找不到 chromium（{CHROMIUM}）：请安装 apt-get install -y chromium fonts-noto-cjk，"
        "或用环境变量 KAOHE_CHROMIUM 指定"
    )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()
