"""Parameter sweeps: score one ledger for many values of one rule, all values together.

The ledger is reduced once to per-unit facts (share-weighted adoption counts per publication
and form, instruction counts, award shares, unadopted counts, count-task tallies, missed
commissions, district adoptions by publication and doubling), and every numeric value of the
rules the totals use is laid out as an array (`rule_arrays`). Each of those arrays is affine in
any one numeric rule value, so a sweep probes the rules once at a neighbouring value, learns
which arrays the path moves and by how much, and evaluates the totals for all N values as
(N × units) array arithmetic — no re-run of the pipeline per value.

Where that does not hold (a non-numeric rule, or a ledger with one item recorded under two
forms of the same publication while the swept value changes publication values, where the
better form may change with the value), the sweep falls back to scoring each value in full
and says so. The choices of the rules are the engine's: what an adoption is worth (under
`instruction_scope`, the district groups) comes from `publication_table`, which adoptions
are doubled from `valued_adoptions`, the count tasks (required, short, extras) from
`count_tasks`. The totals equal full scoring at every numeric rule, and with each choice
switch flipped (tests/test_sweep_every_rule.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

import numpy as np
import polars as pl

from kaohe.engine import (
    TASK_LEVELS,
    class_rank,
    count_tasks,
    department_adjustment,
    district_assessment,
    in_window,
    items_with_units,
    level_counts,
    overdue,
    publication_table,
    score,
    shared_items,
    unit_table,
    valued_adoptions,
    window_of,
)
from kaohe.ledger.model import Ledger, LedgerError
from kaohe.rules.models import (
    MAX_COUNT,
    MAX_POINTS,
    SCALE,
    Outcomes,
    Rules,
    _show,
    rules_from_mapping,
    to_units,
    validate_rules,
)
from kaohe.whatif.scenario import (
    ScenarioError,
    get_value,
    nearest_path,
    numeric_leaf_paths,
    split_path,
    with_changes,
)

ISSUER_NONE = "__none__"


# ---- rules as arrays ---------------------------------------------------------------------


def _c(value: Decimal | int) -> int:
    """A rule value in hundredths (values carry at most two decimals)."""
    return int(Decimal(value) * 100)


def rule_arrays(rules: Rules) -> dict[str, np.ndarray]:
    """Every number the totals depend on, as int64 arrays in fixed units.

    Points are in 1/SCALE point; ratios (multiples, shares of base, the adjustment factor,
    the multiplier) in hundredths. Keys are stable for a given roster and publication list.
    What an adoption is worth — 附件1 points, the instruction bonus under `instruction_scope`,
    a district's value per full or compiled adoption, per example and for 领导批示 — is read
    from the engine's `publication_table`, one value per (publication, form): the engine
    alone applies the scope choice and the district groups. Each of those values is affine
    in any one rule value (the bonus is multiple × points), as the sweep needs.
    """
    units = unit_table(rules)
    pubs = publication_table(rules)

    def per_pf(col: str) -> np.ndarray:
        return pubs[col].to_numpy().astype(np.int64)

    dep = rules.department
    issuers = [i.name for i in rules.commission_issuers.list]
    return {
        "pf_points": per_pf("points_u"),
        "pf_bonus": per_pf("bonus_u"),
        "pf_d_base": per_pf("d_base_u"),
        "pf_d_example": per_pf("d_per_example_u"),
        "pf_d_instr": per_pf("d_instr_u"),
        "multiplier": np.array(_c(rules.district.adoptions.central.multiplier), dtype=np.int64),
        "award_points": np.array([to_units(a.points) for a in dep.awards.list], dtype=np.int64),
        "base": units["base_u"].to_numpy().astype(np.int64),
        "task_city_items": units["task_city_items"].to_numpy().astype(np.int64),
        "task_city_suggestion": units["task_city_suggestion"].to_numpy().astype(np.int64),
        "task_provincial_items": units["task_provincial_items"].to_numpy().astype(np.int64),
        "task_provincial_suggestion": units["task_provincial_suggestion"]
        .to_numpy()
        .astype(np.int64),
        "unadopted_each": np.array(to_units(dep.unadopted.points_each), dtype=np.int64),
        "cap_share": np.array(_c(dep.unadopted.cap_share_of_base), dtype=np.int64),
        "extra_city": np.array(to_units(dep.extra.city), dtype=np.int64),
        "extra_provincial": np.array(to_units(dep.extra.provincial), dtype=np.int64),
        "short_city_items": np.array(to_units(dep.shortfall.city_items), dtype=np.int64),
        "short_provincial_items": np.array(
            to_units(dep.shortfall.provincial_items), dtype=np.int64
        ),
        "short_city_suggestion": np.array(to_units(dep.shortfall.city_suggestion), dtype=np.int64),
        "short_provincial_suggestion": np.array(
            to_units(dep.shortfall.provincial_suggestion), dtype=np.int64
        ),
        "commission_penalty": np.array(
            [to_units(dep.commissions.penalty.get(i, 0)) for i in issuers], dtype=np.int64
        ),
        "research_required": np.array(dep.research.required, dtype=np.int64),
        "research_penalty": np.array(to_units(dep.research.penalty), dtype=np.int64),
        "submissions_task": np.array(rules.district.submissions.task, dtype=np.int64),
        "submissions_each": np.array(
            to_units(rules.district.submissions.shortfall_each), dtype=np.int64
        ),
        "district_commission": np.array(
            to_units(rules.district.commissions.penalty), dtype=np.int64
        ),
        "adjust_per_percent": np.array(
            _c(rules.outcomes.department_adjustment.points_per_percent), dtype=np.int64
        ),
        "full_score": np.array(
            to_units(rules.outcomes.district_assessment.full_score), dtype=np.int64
        ),
        "zero_share": np.array(
            _c(rules.outcomes.district_assessment.zero_at_or_below_share), dtype=np.int64
        ),
    }


# ---- the ledger as facts -----------------------------------------------------------------


@dataclass(frozen=True)
class Facts:
    """Per-unit quantities of a ledger that do not depend on rule numbers (only on choices)."""

    units: pl.DataFrame  # unit, group, kind, order
    dep_share: np.ndarray  # units × pf: share (hundredths) summed over adoptions
    dep_share_ins: np.ndarray  # same, adoptions carrying an instruction
    award_share: np.ndarray  # units × awards
    unadopted: np.ndarray  # units
    counts: dict[str, np.ndarray]  # task tallies per unit
    research: np.ndarray
    missed: np.ndarray  # units × issuers (department penalties)
    missed_any: np.ndarray  # units (district penalty)
    submitted: np.ndarray  # units
    d_count: np.ndarray  # units × pf × doubled(2)
    d_examples: np.ndarray  # units × pf × doubled
    d_instr: np.ndarray  # units × pf × doubled
    annual: bool
    two_forms: bool  # an (item, publication) recorded under two forms


def facts(ledger: Ledger, rules: Rules, as_of: date | None = None) -> Facts:
    if not ledger.ok:
        raise LedgerError(ledger.problems, ledger.source)
    w = window_of(rules, as_of)
    units = unit_table(rules)
    pubs = publication_table(rules)
    n_u, n_pf = units.height, pubs.height
    uidx = {u: i for i, u in enumerate(units["unit"])}
    pf_index = pubs.select("publication_id", "form").with_row_index("pf")
    items = items_with_units(ledger, rules)
    items_in = items.filter(in_window("submitted", w))
    adoptions, dropped = valued_adoptions(ledger, rules, items)
    a_in = adoptions.filter(in_window("adopted", w)).join(
        pf_index, on=["publication_id", "form"], how="left"
    )
    shares = ledger.shares.join(items.select("item_id", "ik"), on="item_id")

    def matrix(df: pl.DataFrame, col: str, width: int, value: str) -> np.ndarray:
        m = np.zeros((n_u, width), dtype=np.int64)
        if df.height:
            g = df.group_by("u", col).agg(pl.col(value).sum())
            np.add.at(m, (g["u"].to_numpy(), g[col].to_numpy()), g[value].to_numpy())
        return m

    def with_u(df: pl.DataFrame, col: str = "unit") -> pl.DataFrame:
        return df.with_columns(pl.col(col).replace_strict(uidx, return_dtype=pl.Int64).alias("u"))

    dep = with_u(shared_items(a_in.filter(pl.col("kind") == "department"), shares), "share_unit")
    dep_share = matrix(dep, "pf", n_pf, "share")
    dep_share_ins = matrix(dep.filter(pl.col("instruction")), "pf", n_pf, "share")

    award_idx = {a.name: i for i, a in enumerate(rules.department.awards.list)}
    aw = ledger.awards.filter(in_window("awarded", w)).join(
        items.select("item_id", "ik", "unit", "kind"), on="item_id"
    )
    aw = with_u(
        shared_items(aw.filter(pl.col("kind") == "department"), shares), "share_unit"
    ).with_columns(pl.col("award").replace_strict(award_idx, return_dtype=pl.Int64).alias("a"))
    award_share = matrix(aw, "a", len(award_idx), "share")

    un = with_u(
        items_in.filter(pl.col("kind") == "department").join(a_in.select("ik"), on="ik", how="anti")
    )
    unadopted = np.bincount(un["u"].to_numpy(), minlength=n_u).astype(np.int64)

    tc = level_counts(a_in, units)
    counts = {c: tc[c].to_numpy().astype(np.int64) for c in tc.columns if c != "unit"}
    res = with_u(items_in.filter(pl.col("item_kind") == "research"))
    research = np.bincount(res["u"].to_numpy(), minlength=n_u).astype(np.int64)
    sub = with_u(items_in)
    submitted = np.bincount(sub["u"].to_numpy(), minlength=n_u).astype(np.int64)

    issuers = {i.name: k for k, i in enumerate(rules.commission_issuers.list)}
    missed = with_u(overdue(ledger.commissions, w)).with_columns(
        pl.col("issuer").replace_strict(issuers, return_dtype=pl.Int64).alias("i"),
        pl.lit(1, dtype=pl.Int64).alias("n"),
    )
    missed_m = matrix(missed, "i", len(issuers), "n")
    missed_any = missed_m.sum(axis=1)

    da = with_u(a_in.filter((pl.col("kind") == "district") & pl.col("d_group").is_not_null()))
    da = da.with_columns(
        (pl.col("d_mult_u") != SCALE).cast(pl.Int64).alias("dbl"),
        pl.lit(1, dtype=pl.Int64).alias("n"),
        pl.col("instruction").cast(pl.Int64).alias("ins"),
    )
    d_count = np.zeros((n_u, n_pf, 2), dtype=np.int64)
    d_examples = np.zeros_like(d_count)
    d_instr = np.zeros_like(d_count)
    if da.height:
        g = da.group_by("u", "pf", "dbl").agg(
            pl.col("n").sum(), pl.col("examples").sum(), pl.col("ins").sum()
        )
        idx = (g["u"].to_numpy(), g["pf"].to_numpy(), g["dbl"].to_numpy())
        np.add.at(d_count, idx, g["n"].to_numpy())
        np.add.at(d_examples, idx, g["examples"].to_numpy())
        np.add.at(d_instr, idx, g["ins"].to_numpy())
    return Facts(
        units=units.select("unit", "group", "kind", "order"),
        dep_share=dep_share,
        dep_share_ins=dep_share_ins,
        award_share=award_share,
        unadopted=unadopted,
        counts=counts,
        research=research,
        missed=missed_m,
        missed_any=missed_any,
        submitted=submitted,
        d_count=d_count,
        d_examples=d_examples,
        d_instr=d_instr,
        annual=w.annual,
        two_forms=dropped.height > 0,
    )


# ---- totals for N rule variants at once ----------------------------------------------------


def evaluate(
    f: Facts,
    arr: dict[str, np.ndarray],
    rules: Rules,
    n: int = 1,
    swept: frozenset[str] = frozenset(),
) -> np.ndarray:
    """Unit totals (n × units, in 1/SCALE point). The arrays named in `swept` carry a
    leading axis of n variants; the others are shared by all variants."""
    N = n

    def V(key: str) -> np.ndarray:
        """Rule array with a leading axis of variants: (N, *shape)."""
        a = arr[key]
        if key in swept:
            return a
        return np.broadcast_to(a, (N, *a.shape))

    dep = (f.units["kind"] == "department").to_numpy()
    dist = ~dep
    # adoption and instruction points (departments)
    total = (V("pf_points") @ f.dep_share.T) // 100 + (V("pf_bonus") @ f.dep_share_ins.T) // 100
    total = total + (V("award_points") @ f.award_share.T) // 100
    # unadopted, capped
    base = V("base")  # N × units
    cap = base * V("cap_share")[:, None] // 100
    total = total + dep * np.minimum(
        f.unadopted[None, :] * V("unadopted_each")[:, None], np.maximum(cap, 0)
    )
    # commissions
    total = total + dep * (V("commission_penalty") @ f.missed.T)
    total = total + dist * (f.missed_any[None, :] * V("district_commission")[:, None])
    # district adoptions
    d_base, d_ex, d_ins = V("pf_d_base"), V("pf_d_example"), V("pf_d_instr")  # N × pf
    mult = np.stack([np.full(N, 100, dtype=np.int64), V("multiplier")], axis=1)  # N × 2
    for dbl in (0, 1):
        value = (
            d_base @ f.d_count[:, :, dbl].T
            + d_ex @ f.d_examples[:, :, dbl].T
            + d_ins @ f.d_instr[:, :, dbl].T
        )
        total = total + dist * (value * mult[:, dbl][:, None] // 100)
    if f.annual:
        total = total + _annual(f, V, rules, N, dep, dist)
    return total


def _annual(
    f: Facts, V: Any, rules: Rules, N: int, dep: np.ndarray, dist: np.ndarray
) -> np.ndarray:
    n_u = f.units.height
    out = np.zeros((N, n_u), dtype=np.int64)
    # The engine's count tasks, on one row per (variant, unit): the rules' choices (the level
    # task, central adoptions as provincial extras) are read there only.
    tasks_in = pl.DataFrame(
        {
            "_r": np.arange(N * n_u, dtype=np.int64),
            "unit": np.tile(f.units["unit"].to_numpy(), N),
            "kind": np.tile(f.units["kind"].to_numpy(), N),
            **{
                f"task_{lv}_{k}": np.ascontiguousarray(V(f"task_{lv}_{k}")).ravel()
                for lv in TASK_LEVELS
                for k in ("items", "suggestion")
            },
        }
    )
    counts = pl.DataFrame({"unit": f.units["unit"], **f.counts})
    tasks = count_tasks(counts, tasks_in, rules)
    rows = tasks["_r"].to_numpy()
    variant = rows // n_u
    flat = out.reshape(-1)  # a view: (variant, unit) row order
    for lv in TASK_LEVELS:
        for col in (f"short_{lv}_items", f"short_{lv}_suggestion", f"extra_{lv}"):
            flat[rows] += tasks[col].to_numpy() * V(col)[variant]
    research_short = f.research[None, :] < V("research_required")[:, None]
    out += research_short * V("research_penalty")[:, None]
    out = out * dep
    sub_short = np.maximum(V("submissions_task")[:, None] - f.submitted[None, :], 0)
    out += dist * sub_short * V("submissions_each")[:, None]
    return out


# ---- the sweep -------------------------------------------------------------------------


def _rate(total_u: np.ndarray, base_u: np.ndarray) -> np.ndarray:
    """total / base to six decimals, halves away from zero, exactly as the engine rounds the
    completion rate (a float round(6) takes 1.7385625 down to 1.738562), and as the float
    nearest that decimal (numpy divides; polars would multiply by 1e-6)."""
    n = total_u * 1_000_000
    q = (np.abs(n) * 2 + base_u) // (base_u * 2)
    return np.where(n < 0, -q, q) / 1_000_000


_FORMAT_HINT = "写成 起点:终点:步长（如 0.1:0.5:0.05）或逗号分隔的列表（如 20,30,40）"
VALUE_LIMIT = max(MAX_POINTS, Decimal(MAX_COUNT))
MAX_SWEEP_VALUES = 100_000


def _parse_number(token: str, text: str) -> Decimal:
    t = token.strip()
    try:
        d = Decimal(t)
    except InvalidOperation:
        raise ScenarioError(f"取值 {text!r} 格式不对：{_FORMAT_HINT}") from None
    if not d.is_finite():
        raise ScenarioError(f"取值 {t} 不是有限的数：请写普通数字，如 0.3、20")
    if abs(d) > VALUE_LIMIT:
        raise ScenarioError(f"取值 {t} 太大：规则中的数值绝对值不超过 {VALUE_LIMIT}")
    return d


def parse_values(text: str) -> list[Decimal]:
    """`A:B:STEP` (inclusive of B when reached) or a comma-separated list of distinct numbers."""
    text = text.strip().replace("：", ":").replace("，", ",")
    if ":" in text:
        parts = text.split(":")
        if len(parts) != 3:
            raise ScenarioError(f"取值 {text!r} 格式不对：{_FORMAT_HINT}")
        a, b, step = (_parse_number(x, text) for x in parts)
        if step <= 0:
            raise ScenarioError("步长应大于0")
        if step < Decimal("0.01"):
            raise ScenarioError(
                f"步长 {parts[2].strip()} 太小：规则数值最多两位小数，步长至少为 0.01"
            )
        if b < a:
            raise ScenarioError("区间终点应不小于起点")
        n = int((b - a) / step) + 1
        if n > MAX_SWEEP_VALUES:
            shown = f"{n} 个" if n < 10 * MAX_SWEEP_VALUES else f"超过 {MAX_SWEEP_VALUES} 个"
            raise ScenarioError(f"取值太多（{shown}），请加大步长")
        return [a + step * i for i in range(n)]
    tokens = [x.strip() for x in text.split(",") if x.strip()]
    values = [_parse_number(x, text) for x in tokens]
    if not values:
        raise ScenarioError(f"没有给出取值：{_FORMAT_HINT}")
    first: dict[Decimal, int] = {}
    for i, v in enumerate(values):
        if v in first:
            raise ScenarioError(
                f"取值 {tokens[i]} 重复（第 {first[v] + 1} 个和第 {i + 1} 个取值相同）：每个取值只写一次"
            )
        first[v] = i
    return values


def _value(v: Decimal) -> Decimal | int:
    return int(v) if v == v.to_integral_value() else v


def _rules_at(mapping: dict[str, Any], path: str, value: Any) -> Rules:
    """The rules with `path` set to `value`; a value the rules refuse (wrong type, outside
    the sense range of the rule, breaking another rule) is an error naming it and why."""
    new, changed = with_changes(mapping, {path: value})
    rules, problems = validate_rules(new)
    if rules is None:
        reasons = "；".join(
            p.message if p.loc in changed else f"{p.path}: {p.message}" for p in problems
        )
        raise ScenarioError(f"规则路径 {path} 不能取 {_show(value)}：{reasons}")
    return rules


def _numeric_current(mapping: dict[str, Any], path: str) -> int | Decimal:
    """The rule's value at `path`; an unknown or non-numeric path is an error naming the
    nearest numeric path (a sweep varies numbers only)."""
    numeric = numeric_leaf_paths(mapping)
    current = get_value(mapping, path, numeric)
    if isinstance(current, bool) or not isinstance(current, int | Decimal):
        below = [c for c in numeric if c.startswith((f"{path}.", f"{path}["))]
        near = nearest_path(path, below or numeric)
        what = "是一组规则" if isinstance(current, dict | list) else f"的值 {_show(current)}"
        raise ScenarioError(
            f"规则路径 {path} {what}，不是数值，无法扫描（可用情景文件比较）"
            + (f"；最接近的数值规则路径是 {near}" if near else "")
        )
    return current


def _outcome_rules(
    rules: Rules, mapping: dict[str, Any], path: str, vals: list[Any]
) -> list[Rules]:
    """The rules the outcomes of 四 read at each value: the file's own for a path outside
    `outcomes` (one entry), else one per value with only the outcomes block changed (every
    value lies between the extremes the whole rules were validated at)."""
    if split_path(path)[0] != "outcomes":
        return [rules]
    block = {"outcomes": mapping["outcomes"]}
    return [
        rules.model_copy(
            update={
                "outcomes": Outcomes.model_validate(with_changes(block, {path: v})[0]["outcomes"])
            }
        )
        for v in vals
    ]


def _outcomes(
    totals: np.ndarray, bases: np.ndarray, dep: np.ndarray, per_value: list[Rules]
) -> tuple[list[float | None], list[float | None]]:
    """四 at each value (variant × unit): the departments' adjustment and the districts'
    assessment, each from the engine's own function, once per distinct (rules, total, base)."""
    adjustment: list[float | None] = []
    assessment: list[float | None] = []
    seen: dict[tuple[int, bool, int, int], float] = {}
    for i, (row, brow) in enumerate(zip(totals.tolist(), bases.tolist(), strict=True)):
        k = i if len(per_value) > 1 else 0
        rules = per_value[k]
        for total_u, base_u, is_dep in zip(row, brow, dep, strict=True):
            key = (k, bool(is_dep), total_u, base_u)
            got = seen.get(key)
            if got is None:
                fn = department_adjustment if is_dep else district_assessment
                got = seen[key] = float(fn(total_u, base_u, rules))
            adjustment.append(got if is_dep else None)
            assessment.append(None if is_dep else got)
    return adjustment, assessment


def sweep(
    ledger: Ledger,
    mapping: dict[str, Any],
    path: str,
    values: list[Decimal],
    as_of: date | None = None,
    source: str = "",
) -> tuple[pl.DataFrame, str]:
    """Totals and ranks of every unit for each value of the rule at `path`.

    Returns (table, method) where table has unit, group, kind, value, total, completion_rate,
    rank (within class), adjustment (departments) and assessment_score (districts) — what 四
    makes of the total, from the engine's own functions, so a change of the base moves them
    where it does not move totals — baseline (true at the rules file's own value) and method
    is 'vectorised' or
    'full' (the fallback that scores each value in full).
    """
    if not values:
        raise ScenarioError("没有给出取值")
    if len(set(values)) != len(values):
        raise ScenarioError("取值有重复：每个取值只写一次")
    rules = rules_from_mapping(mapping, source or "<规则>")
    current = _numeric_current(mapping, path)
    vals = [_value(v) for v in values]
    if any(isinstance(v, Decimal) for v in vals):
        # does the rule take fractions at all (a count does not)? Try both sides of the
        # current value, as a share near 1 takes only the lower one.
        for half in (Decimal("0.5"), Decimal("-0.5")):
            try:
                _rules_at(mapping, path, Decimal(current) + half)
                break
            except ScenarioError:
                continue
        else:
            bad = next(v for v in vals if isinstance(v, Decimal))
            raise ScenarioError(f"规则路径 {path} 只取整数，取值 {bad} 不是整数")
    # Validate the extremes (type, decimals, sense range, constraints such as
    # 建议问题类任务数 ≤ 任务数: each is an interval, so the extremes speak for all values).
    for v in sorted({min(vals), max(vals)}):
        _rules_at(mapping, path, v)
    for v in vals:
        if Decimal(v) != Decimal(v).quantize(Decimal("0.01")):
            raise ScenarioError(f"取值 {v} 超过两位小数")
    f = facts(ledger, rules, as_of)
    base_arr = rule_arrays(rules)
    # A neighbouring value the rules accept, to learn which arrays the path moves: one up or
    # down, or a hundredth either way for a share at its bound.
    probe_value: int | Decimal = current
    probe = base_arr
    for step in (1, -1, Decimal("0.01"), Decimal("-0.01")):
        candidate = current + step if isinstance(step, int) else Decimal(current) + step
        try:
            probe = rule_arrays(_rules_at(mapping, path, candidate))
        except ScenarioError:
            continue
        probe_value = candidate
        break
    moved = [k for k in base_arr if not np.array_equal(base_arr[k], probe[k])]
    touches_pubs = any(k.startswith("pf_") or k == "multiplier" for k in moved)
    method = "vectorised"
    units = f.units
    if f.two_forms and touches_pubs:
        method = "full"
        totals = np.stack(
            [
                score(ledger, _rules_at(mapping, path, v), as_of).unit_scores["total_u"].to_numpy()
                for v in vals
            ]
        )
        bases = np.stack([rule_arrays(_rules_at(mapping, path, v))["base"] for v in vals])
    else:
        step = Decimal(probe_value) - Decimal(current)
        dv = np.array([int((Decimal(v) - Decimal(current)) * 100) for v in vals], dtype=np.int64)
        arr: dict[str, np.ndarray] = {}
        for k, a in base_arr.items():
            if k in moved:
                slope = probe[k] - a  # per `step` of the value
                # a + slope × (v − current)/step, exactly: slope is a multiple of step × 100 units
                delta = (slope[None, ...] * dv.reshape((-1,) + (1,) * a.ndim)) // int(step * 100)
                arr[k] = a[None, ...] + delta
            else:
                arr[k] = a
        totals = evaluate(f, arr, rules, len(vals), frozenset(moved))
        bases = (
            np.broadcast_to(arr["base"], (len(vals), units.height))
            if "base" in moved
            else np.broadcast_to(base_arr["base"], (len(vals), units.height))
        )
    n_u = units.height
    bases = np.asarray(bases)
    adjustment, assessment = _outcomes(
        totals,
        bases,
        (units["kind"] == "department").to_list(),
        _outcome_rules(rules, mapping, path, vals),
    )
    out = pl.DataFrame(
        {
            "unit": np.tile(units["unit"].to_numpy(), len(vals)),
            "value": np.repeat(np.array([float(v) for v in vals]), n_u),
            "total_u": totals.reshape(-1),
            "base_u": bases.reshape(-1),
            "completion_rate": _rate(totals, bases).reshape(-1),
            "adjustment": pl.Series(adjustment, dtype=pl.Float64),
            "assessment_score": pl.Series(assessment, dtype=pl.Float64),
            "_i": np.repeat(np.arange(len(vals)), n_u),
            "order": np.tile(units["order"].to_numpy(), len(vals)),
        }
    ).join(units.select("unit", "group", "kind"), on="unit")
    out = out.with_columns(
        (pl.col("total_u") / SCALE).round(4).alias("total"),
        (
            pl.col("_i") == next(i for i, v in enumerate(vals) if Decimal(v) == Decimal(current))
        ).alias("baseline")
        if any(Decimal(v) == Decimal(current) for v in vals)
        else pl.lit(False).alias("baseline"),
    )
    out = out.with_columns(class_rank("_i").alias("rank")).sort("_i", "order")
    return (
        out.select(
            "unit",
            "group",
            "kind",
            "value",
            "total",
            "completion_rate",
            "rank",
            "adjustment",
            "assessment_score",
            "baseline",
        ),
        method,
    )
