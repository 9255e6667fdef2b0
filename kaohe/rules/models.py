"""The rules file: typed, strict models of params/*.yaml and the lookups scoring needs.

Every number of the measures lives in the YAML file with the clause it comes from. This module
only reads it, and checks it for sense before anything is scored:

- an unknown key, a missing value or a wrong type is a `RulesError` naming the path of the
  offending value (e.g. ``department.unadopted.cap_share_of_base``) and its line in the file;
- every number has the sign its meaning gives it (deductions ≤ 0, points and bonuses ≥ 0,
  shares in [0, 1], counts ≥ 0), is finite, and stays within what the exact integer arithmetic
  of the scoring can hold; dates exist, the period runs forwards and each quarter option tiles
  the period in order, with no gap or overlap;
- a key written twice, a file that is not UTF-8, an empty file, a directory or a top level
  that is not a mapping are errors naming the file (and the lines) and the fix.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, Generic, Literal, TypeVar

import yaml
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, model_validator

DEFAULT_RULES = Path(__file__).resolve().parents[2] / "params" / "2022.yaml"

# Internal unit of points: 1/10000 of a point. Rule values carry at most two decimals and
# shares at most two decimals, so every product is exact in this unit.
SCALE = 10_000

# Limits of the exact arithmetic, not rules of the measures: points are int64 in 1/SCALE
# point, summed over up to millions of ledger rows, so a rule value beyond these would
# overflow silently. The measures' own numbers are far below them (the largest is 400).
MAX_POINTS = Decimal(10_000)
MAX_FACTOR = Decimal(100)
MAX_COUNT = 100_000
MAX_DECIMALS = 4  # SCALE keeps four decimals

Loc = tuple[str | int, ...]
Lines = dict[Loc, int]


class RulesError(ValueError):
    """A rules file that cannot be used; the message names the path and the fix (Chinese)."""


class _Problems(ValueError):
    """Raised by a model validator: problems at paths relative to the model being validated."""

    def __init__(self, problems: list[tuple[Loc, str]]) -> None:
        super().__init__("；".join(m for _, m in problems))
        self.problems = problems


def _show(value: Any) -> str:
    """A value as the rules file writes it."""
    if value is None:
        return "空值（这一项空着）"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        if value.is_nan():
            return ".nan"
        if value.is_infinite():
            return "-.inf" if value < 0 else ".inf"
        return str(value)
    if isinstance(value, int | float | date):
        return str(value)
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, dict):
        return "一组“键: 值”"
    if isinstance(value, list):
        return "一个列表"
    return repr(value)


_NUMERIC_TEXT = re.compile(r"^\s*[-+]?(\d[\d_]*(\.\d*)?|\.\d+)([eE][-+]?\d+)?\s*$")


def _decimal_of(value: Any) -> Decimal:
    """A finite number of the rules file as Decimal, or a Chinese ValueError."""
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        if isinstance(value, str) and _NUMERIC_TEXT.match(value):
            fix = "不用科学计数法" if "e" in value.lower() else "不加引号"
            raise ValueError(f"应为数字，实际为文字 {value!r}：请写成普通数字（如 0.3、20），{fix}")
        raise ValueError(f"应为数字，实际为 {_show(value)}")
    d = Decimal(value)
    if not d.is_finite():
        raise ValueError(f"应为有限的数字，实际为 {_show(d)}")
    return d


def _two_decimals(d: Decimal, value: Any) -> None:
    if d != d.quantize(Decimal("0.01")):
        raise ValueError(f"数值最多两位小数，实际为 {_show(value)}")


def _too_large(d: Decimal | int, limit: Decimal | int) -> str:
    return f"数值 {_show(d)} 太大：此项的绝对值不能超过 {limit}（超出计分能精确计算的范围）"


def _ranged(
    low: Decimal,
    high: Decimal,
    below: str,
    above: str,
    *,
    open_low: bool = False,
) -> Callable[[Any], Decimal]:
    """A number checker: finite, two decimals, within [low, high] (or (low, high]).
    `below` / `above` are the messages when it is not, with {v} for the value."""

    def check(value: Any) -> Decimal:
        d = _decimal_of(value)
        if d > high:
            raise ValueError(above.format(v=_show(d)))
        if d < low or (open_low and d == low):
            raise ValueError(below.format(v=_show(d)))
        _two_decimals(d, value)
        return d

    return check


def _count_in(low: int, high: int, what: str) -> Callable[[Any], int]:
    def check(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            if isinstance(value, Decimal) and value.is_finite() and value == int(value):
                raise ValueError(f"应为整数，实际为 {_show(value)}：请去掉小数点")
            raise ValueError(f"应为整数，实际为 {_show(value)}")
        if value < 0 and low >= 0:
            raise ValueError(f"应为非负整数，实际为 {value}")
        if value > high and high == MAX_COUNT:
            raise ValueError(_too_large(value, MAX_COUNT))
        if not low <= value <= high:
            raise ValueError(f"{what}应在 {low} 到 {high} 之间，实际为 {value}")
        return value

    return check


_POINTS_TOO_LARGE = (
    "数值 {v} 太大：分值不能超过 " + str(MAX_POINTS) + "（超出计分能精确计算的范围）"
)
_FACTOR_TOO_LARGE = "倍数 {v} 太大：不能超过 " + str(MAX_FACTOR)

# points earned: 录用分, 批示加分, 好信息加分, 超额加分, 区县组稿分 …
Points = Annotated[
    Decimal,
    BeforeValidator(
        _ranged(
            Decimal(0),
            MAX_POINTS,
            "加分、分值应为 0 或正数，实际为 {v}（只有扣分项写负数）",
            _POINTS_TOO_LARGE,
        )
    ),
]
# points lost: 扣分 (written negative, as the score lines show them)
Deduction = Annotated[
    Decimal,
    BeforeValidator(
        _ranged(
            -MAX_POINTS,
            Decimal(0),
            "数值 {v} 太小：扣分不能少于 -" + str(MAX_POINTS) + "（超出计分能精确计算的范围）",
            "扣分应写成 0 或负数（如 -5 表示扣 5 分），实际为 {v}：正数会把扣分变成加分",
        )
    ),
]
# a score that must be there: 基本任务分, 考核满分
Positive = Annotated[
    Decimal,
    BeforeValidator(
        _ranged(Decimal(0), MAX_POINTS, "应大于 0，实际为 {v}", _POINTS_TOO_LARGE, open_low=True)
    ),
]
# a share: 0.30 = 30%
Share = Annotated[
    Decimal,
    BeforeValidator(
        _ranged(
            Decimal(0),
            Decimal(1),
            "比例应在 0 到 1 之间（如 0.30 表示 30%），实际为 {v}",
            "比例应在 0 到 1 之间（如 0.30 表示 30%），实际为 {v}",
        )
    ),
]
# a multiple of points: 批示按原录用分值的几倍加分 (0 = no bonus)
Factor = Annotated[
    Decimal,
    BeforeValidator(
        _ranged(Decimal(0), MAX_FACTOR, "倍数应为 0 或正数，实际为 {v}", _FACTOR_TOO_LARGE)
    ),
]
# a multiplier of points: 双倍加分 (1 = not doubled)
Multiplier = Annotated[
    Decimal,
    BeforeValidator(
        _ranged(
            Decimal(1),
            MAX_FACTOR,
            "倍数应不小于 1（1 即不加倍），实际为 {v}",
            _FACTOR_TOO_LARGE,
        )
    ),
]
Count = Annotated[int, BeforeValidator(_count_in(0, MAX_COUNT, "个数"))]
Decimals = Annotated[int, BeforeValidator(_count_in(0, MAX_DECIMALS, "小数位数"))]
Year = Annotated[int, BeforeValidator(_count_in(1900, 2100, "年度"))]
Level = Literal["central", "provincial", "city", "bureau"]
Form = Literal["全文录用", "组稿录用", "采纳例子观点", "通讯", "简讯"]
T = TypeVar("T")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class Choice(Strict, Generic[T]):
    """A reading the analyst may switch (*choice* in rules.md)."""

    description: str
    choice: T


class Meta(Strict):
    title: str
    year: Year
    source: str


class Period(Strict):
    clause: str
    description: str
    start: date
    end: date

    @model_validator(mode="after")
    def _ordered(self) -> Period:
        if self.end < self.start:
            raise _Problems(
                [
                    (
                        ("end",),
                        f"考核周期的结束日期 {self.end} 早于开始日期 {self.start}：请对调或改正",
                    )
                ]
            )
        return self


class Quarter(Strict):
    name: str
    label: str
    start: date
    end: date

    @model_validator(mode="after")
    def _ordered(self) -> Quarter:
        if self.end < self.start:
            raise _Problems(
                [(("end",), f"季度 {self.name} 的结束日期 {self.end} 早于开始日期 {self.start}")]
            )
        return self


class Quarters(Strict):
    clause: str
    description: str
    choice: str
    options: dict[str, list[Quarter]]

    @model_validator(mode="after")
    def _known(self) -> Quarters:
        problems: list[tuple[Loc, str]] = []
        if self.choice not in self.options:
            problems.append(
                (("choice",), f"应为 {sorted(self.options)} 之一，实际为 {self.choice!r}")
            )
        for option, quarters in self.options.items():
            if not quarters:
                problems.append((("options", option), "至少应有一个季度"))
            seen: set[str] = set()
            for i, q in enumerate(quarters):
                if q.name in seen:
                    problems.append((("options", option, i, "name"), f"季度名称 {q.name!r} 重复"))
                seen.add(q.name)
        if problems:
            raise _Problems(problems)
        return self

    @property
    def active(self) -> list[Quarter]:
        return self.options[self.choice]


class KindLabel(Strict):
    label: str
    aliases: list[str] = Field(default_factory=list)


class ItemKinds(Strict):
    clause: str
    description: str
    general: KindLabel
    suggestion: KindLabel
    research: KindLabel


class Levels(Strict):
    clause: str
    description: str
    labels: dict[Level, str]
    count_tasks: dict[Literal["city", "provincial"], list[Level]]


class Agency(Strict):
    name: str
    level: Level
    aliases: list[str] = Field(default_factory=list)


class Agencies(Strict):
    clause: str
    description: str
    list: list[Agency]


class Forms(Strict):
    clause: str
    description: str
    default: Form
    list: list[Form]


class Instruction(Strict):
    multiple: Factor | None = None
    fixed: Points | None = None
    via_level_block: bool = False
    note: str

    @model_validator(mode="after")
    def _one(self) -> Instruction:
        if (self.multiple is None) == (self.fixed is None):
            raise _Problems(
                [((), "instruction 须且只须给出 multiple（倍数）或 fixed（固定分）之一")]
            )
        return self


class Publication(Strict):
    agency: str
    title: str
    aliases: list[str] = Field(default_factory=list)
    points: Points | None = None
    forms: dict[Form, Points] | None = None
    instruction: Instruction | None = None
    chucai: Count
    chucai_forms: dict[Form, Count] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _points_or_forms(self) -> Publication:
        if (self.points is None) == (self.forms is None):
            raise _Problems(
                [((), "刊物须且只须给出 points（录用分）或 forms（按录用方式的分值）之一")]
            )
        return self

    @property
    def key(self) -> str:
        return f"{self.agency}{self.title}"


class Publications(Strict):
    clause: str
    description: str
    list: list[Publication]


class LevelTask(Strict):
    items: Count
    suggestion: Count

    @model_validator(mode="after")
    def _within(self) -> LevelTask:
        if self.suggestion > self.items:
            raise _Problems(
                [
                    (
                        ("suggestion",),
                        f"建议问题类任务数 {self.suggestion} 不能大于该级任务总数 {self.items}",
                    )
                ]
            )
        return self


class Tasks(Strict):
    city: LevelTask
    provincial: LevelTask


class Group(Strict):
    name: str
    kind: Literal["department", "district"]
    clause: str
    base: Positive
    tasks: Tasks | None = None

    @property
    def label(self) -> str:
        """The group as reports name it: 'A类' for a class of departments, '区县' as is."""
        return f"{self.name}类" if self.kind == "department" else self.name

    @model_validator(mode="after")
    def _tasks(self) -> Group:
        if self.kind == "department" and self.tasks is None:
            raise _Problems([(("tasks",), "处室、单位类须给出 tasks（基本任务）")])
        if self.kind == "district" and self.tasks is not None:
            raise _Problems([(("tasks",), "区县类没有按级别的基本任务，不应给出 tasks")])
        return self


class Groups(Strict):
    clause: str
    description: str
    list: list[Group]


class RosterUnit(Strict):
    name: str
    group: str
    aliases: list[str] = Field(default_factory=list)
    officer: str | None = None


class Units(Strict):
    clause: str
    description: str
    roster: list[RosterUnit]


class Clause(Strict):
    """A clause whose numbers live elsewhere (e.g. 附件1 points per publication): the block
    names the clause its score lines cite."""

    clause: str
    description: str


class Unadopted(Strict):
    clause: str
    description: str
    points_each: Points
    cap_share_of_base: Share


class SharedItems(Strict):
    clause: str
    description: str
    max_total_share: Share


class AwardType(Strict):
    name: str
    points: Points
    aliases: list[str] = Field(default_factory=list)


class Awards(Strict):
    clause: str
    description: str
    list: list[AwardType]


class Extra(Strict):
    clause: str
    description: str
    city: Points
    provincial: Points
    central_counts_as_provincial: Choice[bool]


class Shortfall(Strict):
    clause: str
    description: str
    city_items: Deduction
    provincial_items: Deduction
    city_suggestion: Deduction
    provincial_suggestion: Deduction
    level_task_counts: Choice[Literal["all", "general_only"]]


class DepartmentCommissions(Strict):
    clause: str
    description: str
    penalty: dict[str, Deduction]


class Research(Strict):
    clause: str
    description: str
    required: Count
    penalty: Deduction


class Department(Strict):
    adoption: Clause
    instruction: Clause
    unadopted: Unadopted
    shared_items: SharedItems
    awards: Awards
    extra: Extra
    shortfall: Shortfall
    commissions: DepartmentCommissions
    research: Research


class Submissions(Strict):
    clause: str
    description: str
    task: Count
    shortfall_each: Deduction


class DistrictCommissions(Strict):
    clause: str
    description: str
    penalty: Deduction


class DistrictGroup(Strict):
    name: str
    agencies: list[str]
    full: Points
    compiled: Points
    instruction_full: Points
    instruction_compiled: Points


class Central(Strict):
    description: str
    agencies: list[str]
    scored_as: str
    multiplier: Multiplier
    commission_issuers: list[str]
    choice: Literal["commissioned", "always"]


class DistrictAdoptions(Strict):
    clause: str
    description: str
    groups: list[DistrictGroup]
    examples_each: Points
    full_forms: list[Form]
    compiled_forms: list[Form]
    examples_forms: list[Form]
    central: Central


class District(Strict):
    submissions: Submissions
    commissions: DistrictCommissions
    adoptions: DistrictAdoptions


class Issuer(Strict):
    name: str
    aliases: list[str] = Field(default_factory=list)


class Issuers(Strict):
    clause: str
    description: str
    list: list[Issuer]


class Adjustment(Strict):
    clause: str
    description: str
    points_per_percent: Points
    decimals: Decimals
    rounding: Choice[Literal["pro_rata", "whole_points"]]


class Advanced(Strict):
    clause: str
    description: str
    max_count: Count


class DistrictAssessment(Strict):
    clause: str
    description: str
    full_score: Positive
    zero_at_or_below_share: Share


class Prize(Strict):
    name: str
    count: Count


class OfficerPrizes(Strict):
    clause: str
    description: str
    prizes: list[Prize]
    ranking: Choice[Literal["chucai", "item_points"]]


class People(Strict):
    clause: str
    description: str
    scope: Choice[Literal["departments", "all"]]


class Outcomes(Strict):
    department_adjustment: Adjustment
    advanced_collectives: Advanced
    district_assessment: DistrictAssessment
    officer_prizes: OfficerPrizes


class Plans(Strict):
    clause: str
    description: str
    categories: list[str]


class LedgerChecks(Strict):
    """Plausibility limits of ledger values (not a clause of the measures: the office's own)."""

    clause: str
    description: str
    # 采纳数 above this on one adoption is an entry error, not a score
    max_examples_per_adoption: Count
    # a ledger whose dated rows fall outside the period in more than this share is another year's
    other_year_share: Share
    # ... judged only with at least this many dated rows (报送日期, 录用日期, 评选日期, 截止日期):
    # with fewer, each row outside is only warned about (a share of a handful says nothing)
    other_year_min_dates: Count


class InstructionScope(Strict):
    clause: str
    description: str
    choice: Literal["level_block", "own_agency"]


class Rules(Strict):
    """The whole rules file. Build with `load_rules` or `Rules.from_mapping`."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    meta: Meta
    period: Period
    quarters: Quarters
    item_kinds: ItemKinds
    levels: Levels
    agencies: Agencies
    forms: Forms
    instruction_scope: InstructionScope
    publications: Publications
    groups: Groups
    units: Units
    department: Department
    district: District
    commission_issuers: Issuers
    outcomes: Outcomes
    people: People
    plans: Plans
    ledger_checks: LedgerChecks

    @model_validator(mode="before")
    @classmethod
    def _quarter_dates(cls, data: Any) -> Any:
        """Quarters of an option whose dates follow from the period (assessment, calendar) may
        leave them out: they are computed here (checked against written ones after)."""
        from kaohe.rules.periods import quarter_dates

        if not isinstance(data, dict):
            return data
        period, quarters = data.get("period"), data.get("quarters")
        if not isinstance(period, dict) or not isinstance(quarters, dict):
            return data
        start, end = period.get("start"), period.get("end")
        options = quarters.get("options")
        if not (_a_date(start) and _a_date(end) and isinstance(options, dict)):
            return data
        filled: dict[Any, Any] = {}
        problems: list[tuple[Loc, str]] = []
        for option, listed in options.items():
            derived = quarter_dates(str(option), start, end)
            if (
                derived is None
                or not isinstance(listed, list)
                or not all(isinstance(q, dict) for q in listed)
                or all("start" in q and "end" in q for q in listed)
            ):
                filled[option] = listed
                continue
            if len(listed) != len(derived):
                problems.append(
                    (
                        ("quarters", "options", option),
                        f"考核周期 {start} 至 {end} 按 {option} 划分为 {len(derived)} 个季度，"
                        f"这里列了 {len(listed)} 个：请列出 {len(derived)} 个季度的 name 和 label"
                        "（起止日期按考核周期自动推算）",
                    )
                )
                continue
            filled[option] = [
                {"start": s, "end": e, **q} for q, (s, e) in zip(listed, derived, strict=True)
            ]
        if problems:
            raise _Problems(problems)
        return {**data, "quarters": {**quarters, "options": filled}}

    @model_validator(mode="after")
    def _cross_references(self) -> Rules:
        problems: list[tuple[Loc, str]] = []
        groups = {g.name for g in self.groups.list}
        agencies = {a.name for a in self.agencies.list}
        issuers = {i.name for i in self.commission_issuers.list}
        _unique(problems, ("groups", "list"), [g.name for g in self.groups.list])
        _unique(problems, ("units", "roster"), [u.name for u in self.units.roster])
        _unique(problems, ("agencies", "list"), [a.name for a in self.agencies.list])
        _unique(
            problems,
            ("department", "awards", "list"),
            [a.name for a in self.department.awards.list],
        )
        _unique(
            problems,
            ("publications", "list"),
            [_norm(p.agency) + "|" + _norm(p.title) for p in self.publications.list],
            "agency",
        )
        for i, u in enumerate(self.units.roster):
            if u.group not in groups:
                problems.append(
                    (
                        ("units", "roster", i, "group"),
                        f"未知的类别 {u.group!r}，应为 {sorted(groups)} 之一",
                    )
                )
        for i, p in enumerate(self.publications.list):
            if p.agency not in agencies:
                problems.append(
                    (("publications", "list", i, "agency"), f"未知的录用单位 {p.agency!r}")
                )
            for f in p.chucai_forms:
                if not p.forms or f not in p.forms:
                    problems.append(
                        (("publications", "list", i, "chucai_forms", f), "该刊物没有此录用方式")
                    )
        for name in self.department.commissions.penalty:
            if name not in issuers:
                problems.append(
                    (("department", "commissions", "penalty", name), "未知的约稿下达方")
                )
        adopt = self.district.adoptions
        dgroups = {g.name for g in adopt.groups}
        for gi, g in enumerate(adopt.groups):
            for a in g.agencies:
                if a not in agencies:
                    problems.append(
                        (
                            ("district", "adoptions", "groups", gi, "agencies"),
                            f"未知的录用单位 {a!r}",
                        )
                    )
        central = ("district", "adoptions", "central")
        if adopt.central.scored_as not in dgroups:
            problems.append(((*central, "scored_as"), f"未知的分组 {adopt.central.scored_as!r}"))
        for a in adopt.central.agencies:
            if a not in agencies:
                problems.append(((*central, "agencies"), f"未知的录用单位 {a!r}"))
        for c in adopt.central.commission_issuers:
            if c not in issuers:
                problems.append(((*central, "commission_issuers"), f"未知的下达方 {c!r}"))
        for option, quarters in self.quarters.options.items():
            tiling = _tiling(self.period, option, quarters)
            problems += tiling or _as_derived(self.period, option, quarters)
        if problems:
            raise _Problems(problems)
        return self

    # ---- lookups -------------------------------------------------------------------------

    @cached_property
    def group_by_name(self) -> dict[str, Group]:
        return {g.name: g for g in self.groups.list}

    @cached_property
    def unit_names(self) -> list[str]:
        return [u.name for u in self.units.roster]

    def unit_group(self, unit: str) -> Group:
        return self.group_by_name[{u.name: u.group for u in self.units.roster}[unit]]

    @cached_property
    def agency_level(self) -> dict[str, str]:
        return {a.name: a.level for a in self.agencies.list}

    @cached_property
    def kind_labels(self) -> dict[str, str]:
        k = self.item_kinds
        return {
            "general": k.general.label,
            "suggestion": k.suggestion.label,
            "research": k.research.label,
        }

    def quarter(self, name: str) -> Quarter:
        for q in self.quarters.active:
            if q.name == name:
                return q
        raise RulesError(f"没有季度 {name!r}，应为 {[q.name for q in self.quarters.active]} 之一")

    def quarter_of(self, day: date) -> Quarter | None:
        for q in self.quarters.active:
            if q.start <= day <= q.end:
                return q
        return None


def _unique(problems: list[tuple[Loc, str]], loc: Loc, names: list[str], key: str = "name") -> None:
    seen: set[str] = set()
    for i, n in enumerate(names):
        if n in seen:
            shown = n.replace("|", "") if key == "agency" else n
            problems.append(((*loc, i, key), f"名称重复 {shown!r}"))
        seen.add(n)


def _a_date(value: Any) -> bool:
    return isinstance(value, date) and not isinstance(value, datetime)


def _as_derived(period: Period, option: str, quarters: list[Quarter]) -> list[tuple[Loc, str]]:
    """Dates written for an option whose dates follow from the period must be those dates."""
    from kaohe.rules.periods import quarter_dates

    derived = quarter_dates(option, period.start, period.end)
    loc: Loc = ("quarters", "options", option)
    if derived is None:
        return []
    how = f"考核周期 {period.start} 至 {period.end} 按 {option} 划分"
    fix = "删去各季度的 start 和 end（起止日期按考核周期自动推算），或改为"
    if len(derived) != len(quarters):
        return [(loc, f"{how}为 {len(derived)} 个季度，这里列了 {len(quarters)} 个")]
    out: list[tuple[Loc, str]] = []
    for i, (q, (start, end)) in enumerate(zip(quarters, derived, strict=True)):
        for key, written, wanted in (("start", q.start, start), ("end", q.end, end)):
            if written != wanted:
                what = "开始" if key == "start" else "结束"
                out.append(
                    (
                        (*loc, i, key),
                        f"季度 {q.name} 的{what}日期 {written} 与{how}推算的 {wanted} 不一致：{fix} {wanted}",
                    )
                )
    return out


def _tiling(period: Period, option: str, quarters: list[Quarter]) -> list[tuple[Loc, str]]:
    """A quarter option covers the period day by day, in order, with no gap or overlap."""
    loc: Loc = ("quarters", "options", option)
    out: list[tuple[Loc, str]] = []
    if not quarters:
        return out
    first, last = quarters[0], quarters[-1]
    if first.start != period.start:
        out.append(
            (
                (*loc, 0, "start"),
                f"第一个季度应从考核周期开始日 {period.start} 起算，实际为 {first.start}",
            )
        )
    for i in range(1, len(quarters)):
        prev, q = quarters[i - 1], quarters[i]
        expected = prev.end + timedelta(days=1)
        if q.start == expected:
            continue
        where = (*loc, i, "start")
        if q.start < prev.start:
            out.append(
                (
                    where,
                    f"季度 {q.name} 排在 {prev.name} 之后却更早开始（{q.start}）：请按时间顺序排列",
                )
            )
        elif q.start > expected:
            gap_end = q.start - timedelta(days=1)
            out.append(
                (
                    where,
                    f"季度 {prev.name} 与 {q.name} 之间有空档：{expected} 至 {gap_end} 不属于任何季度，"
                    f"{q.name} 应从 {expected} 开始",
                )
            )
        else:
            out.append(
                (
                    where,
                    f"季度 {q.name} 与 {prev.name} 重叠：{q.start} 至 {min(prev.end, q.end)} 属于两个季度，"
                    f"{q.name} 应从 {expected} 开始",
                )
            )
    if last.end != period.end:
        out.append(
            (
                (*loc, len(quarters) - 1, "end"),
                f"最后一个季度应在考核周期结束日 {period.end} 止，实际为 {last.end}",
            )
        )
    return out


_SPACE = re.compile(r"\s+")
_FULLWIDTH = str.maketrans({"（": "(", "）": ")", "：": ":", "，": ",", "；": ";", "、": ","})


def _norm(text: str) -> str:
    """Matching key for names: no whitespace, half-width brackets and punctuation."""
    return _SPACE.sub("", text).translate(_FULLWIDTH)


# ---- reading YAML ---------------------------------------------------------------------------


class _YamlProblem(yaml.YAMLError):
    """A value the loader refuses (a key written twice, a date that does not exist)."""

    def __init__(self, line: int, loc: Loc | None, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.loc = loc
        self.message = message


class _Loader(yaml.SafeLoader):
    """Safe YAML with floats read as Decimal (0.30 stays exactly 0.30), dates that exist and
    no key written twice in one mapping; remembers the line of every path."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.node_paths: dict[int, Loc] = {}
        self.lines: Lines = {}

    def index_paths(self, node: yaml.Node, loc: Loc = ()) -> None:
        """Record the path of every node and the line of every key and list item."""
        if id(node) in self.node_paths:  # an alias: indexed where the anchor is
            return
        self.node_paths[id(node)] = loc
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode):
                    sub = (*loc, key.value)
                    self.lines.setdefault(sub, key.start_mark.line + 1)
                    self.index_paths(value, sub)
        elif isinstance(node, yaml.SequenceNode):
            for i, value in enumerate(node.value):
                sub = (*loc, i)
                self.lines.setdefault(sub, value.start_mark.line + 1)
                self.index_paths(value, sub)

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:  # type: ignore[override]
        if isinstance(node, yaml.MappingNode):
            seen: dict[Any, int] = {}
            for key_node, _ in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge" or not isinstance(
                    key_node, yaml.ScalarNode
                ):
                    continue
                key = self.construct_object(key_node, deep=True)
                line = key_node.start_mark.line + 1
                if key in seen:
                    loc = self.node_paths.get(id(node), ())
                    where = f"（{_dotted(loc)} 下）" if loc else "（顶层）"
                    lines = (
                        f"第 {seen[key]} 行和第 {line} 行"
                        if seen[key] != line
                        else f"都在第 {line} 行"
                    )
                    raise _YamlProblem(
                        line,
                        (*loc, str(key)),
                        f"键 {key} 写了两次{where}：{lines}。"
                        f"后写的会悄悄覆盖先写的，请删除或合并其中一个",
                    )
                seen[key] = line
        return super().construct_mapping(node, deep=deep)


def _decimal(loader: yaml.SafeLoader, node: yaml.Node) -> Decimal:
    text = str(loader.construct_scalar(node)).replace("_", "")  # type: ignore[arg-type]
    special = {".nan": "NaN", ".inf": "Infinity", "+.inf": "Infinity", "-.inf": "-Infinity"}
    if text.lower() in special:
        return Decimal(special[text.lower()])
    try:
        return Decimal(text)
    except InvalidOperation:  # YAML 1.1 base-60 floats (1:30.5)
        return Decimal(repr(yaml.SafeLoader.construct_yaml_float(loader, node)))  # type: ignore[arg-type]


def _timestamp(loader: _Loader, node: yaml.Node) -> Any:
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)  # type: ignore[arg-type]
    except ValueError:
        raise _YamlProblem(
            node.start_mark.line + 1,
            loader.node_paths.get(id(node)),
            f"日期 {node.value} 不存在（该月没有这一天）：请写一个真实的日期，格式 YYYY-MM-DD",
        ) from None


def _integer(loader: _Loader, node: yaml.Node) -> Any:
    try:
        return yaml.SafeLoader.construct_yaml_int(loader, node)  # type: ignore[arg-type]
    except ValueError:  # more digits than Python converts
        raise _YamlProblem(
            node.start_mark.line + 1,
            loader.node_paths.get(id(node)),
            f"数值位数太多（{len(str(node.value))} 位）：请写一个合理的数值",
        ) from None


_Loader.add_constructor("tag:yaml.org,2002:float", _decimal)
_Loader.add_constructor("tag:yaml.org,2002:int", _integer)
_Loader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp)

_YAML_PROBLEMS = [
    ("found character '\\t'", "有制表符（Tab）：请改用空格缩进"),
    ("that cannot start any token", "有不能放在开头的字符（如 @ ` %）：请给这个值加上引号"),
    (
        "mapping values are not allowed here",
        "此处不能写“键: 值”：常见原因是缩进不齐，或值里含有“: ”却没有加引号",
    ),
    ("could not find expected ':'", "缺少冒号“:”（或上文的引号、括号没有闭合）"),
    ("expected ',' or ']'", "方括号 [ ] 没有闭合，或列表项之间缺少逗号"),
    ("expected ',' or '}'", "花括号 { } 没有闭合，或键值之间缺少逗号"),
    ("found unexpected end of stream", "文件意外结束：引号或括号没有闭合"),
    ("found undefined alias", "引用了未定义的锚点（*名称）"),
    ("found duplicate anchor", "锚点（&名称）重复"),
    ("expected a single document", "含有多个 YAML 文档（多了一行 ---）：一个文件只写一份"),
    ("found unknown escape character", "双引号内有无效的转义字符（\\）：请改用单引号"),
    ("could not determine a constructor", "使用了不支持的标签（!…）：请删除"),
    ("expected <block end>", "缩进不齐：这一行与上文的缩进对不上"),
    ("did not find expected", "缩进不齐，或列表项“- ”的位置不对"),
]


def _yaml_message(err: yaml.YAMLError, text: str) -> str:
    """A PyYAML error in Chinese, with its line and column."""
    if isinstance(err, yaml.reader.ReaderError):
        line = text[: max(err.position, 0)].count("\n") + 1
        return f"第 {line} 行含有不能显示的控制字符（{err.character!r}）：请删除它"
    what = "写法有误"
    problem = f"{getattr(err, 'problem', '')} {getattr(err, 'context', '')}"
    for needle, chinese in _YAML_PROBLEMS:
        if needle in problem:
            what = chinese
            break
    mark = getattr(err, "problem_mark", None) or getattr(err, "context_mark", None)
    if mark is None:
        return what
    return f"第 {mark.line + 1} 行第 {mark.column + 1} 列附近{what}"


def _parse(text: str) -> tuple[Any, Lines]:
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, {}
        loader.index_paths(node)
        return loader.construct_document(node), loader.lines
    finally:
        loader.dispose()  # type: ignore[no-untyped-call]


def read_yaml_lines(
    path: Path, what: str, hint: str, error: type[RulesError] = RulesError
) -> tuple[dict[str, Any], Lines]:
    """A YAML mapping (floats as Decimal) and the line of each of its paths; a missing,
    unreadable, non-UTF-8, broken or empty file, or one whose top level is not a mapping, is
    `error` naming the file, the line and the fix."""
    if path.is_dir():
        raise error(f"{what} {path} 是一个文件夹，不是文件：请给出 .yaml 文件的路径（{hint}）")
    if not path.is_file():
        raise error(f"找不到{what} {path}：{hint}")
    try:
        raw = path.read_bytes()
    except PermissionError:
        raise error(f"没有权限读取{what} {path}：请检查文件权限") from None
    except OSError:
        raise error(f"无法读取{what} {path}：请检查文件是否完好、是否被其他程序占用") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        try:
            raw.decode("gb18030")
            guess = "，看起来是 GBK（GB2312/GB18030）编码"
        except UnicodeDecodeError:
            guess = ""
        raise error(
            f"{what} {path} 不是 UTF-8 编码（第 {line} 行起无法按 UTF-8 读取{guess}）：请用文本编辑器"
            f"把它另存为 UTF-8 编码（如记事本“另存为”→编码选“UTF-8”），再运行"
        ) from None
    try:
        data, lines = _parse(text)
    except _YamlProblem as p:
        where = f" {_dotted(p.loc)}" if p.loc else ""
        raise error(f"{what} {path} 第 {p.line} 行{where}：{p.message}") from None
    except yaml.YAMLError as err:
        raise error(f"{what} {path} 不是有效的 YAML：{_yaml_message(err, text)}") from None
    except RecursionError:
        raise error(f"{what} {path} 嵌套太深，不是有效的{what}") from None
    if data is None:
        raise error(f"{what} {path} 是空的（没有任何“键: 值”）：请检查是否选错了文件，{hint}")
    if not isinstance(data, dict):
        kind = (
            "列表（是否多写了行首的“- ”？）" if isinstance(data, list) else f"一个值 {_show(data)}"
        )
        raise error(f"{what} {path} 的顶层应为一组“键: 值”，实际为{kind}")
    return data, lines


def read_yaml(path: Path, what: str, hint: str, error: type[RulesError] = RulesError) -> Any:
    """A YAML mapping with floats read as Decimal; a missing or broken file is `error`."""
    return read_yaml_lines(path, what, hint, error)[0]


# ---- validating -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Origin:
    """Where a value of a rules mapping was written: the file, the line and, for a value an
    overlay (kaohe/rules/overlay.py) set, the change as written."""

    source: str
    line: int | None
    label: str | None = None
    # the label names the value itself (a change's own path), not a value inside what it wrote
    exact: bool = True


Origins = dict[Loc, Origin]


class RulesMapping(dict[str, Any]):
    """A rules file as read (plain data; an overlay resolved on its base), remembering its file,
    the line of each path in it (`lines`), where each value was written (`origins`, across an
    overlay's base files) and the files it was read from (`files`, base first), so that the
    errors of `rules_from_mapping` can name the file and line. Copies keep all of them."""

    def __init__(
        self,
        data: dict[str, Any],
        lines: Lines,
        source: str,
        origins: Origins | None = None,
        files: tuple[Path, ...] | None = None,
    ) -> None:
        super().__init__(data)
        self.lines = lines
        self.source = source
        self.origins: Origins = (
            origins
            if origins is not None
            else {loc: Origin(source, line) for loc, line in lines.items()}
        )
        self.files: tuple[Path, ...] = files if files is not None else (Path(source),)


@dataclass(frozen=True)
class RuleProblem:
    """One thing wrong with a rules mapping: the path (dict keys, list positions) and why."""

    loc: Loc
    message: str

    @property
    def path(self) -> str:
        return _dotted(self.loc) or "（顶层）"


def _dotted(loc: Loc | None) -> str:
    return ".".join(str(p) for p in loc or ())


def line_of(lines: Lines | None, loc: Loc) -> int | None:
    """The line of `loc`, or of its nearest ancestor written in the file."""
    if not lines:
        return None
    for n in range(len(loc), 0, -1):
        if loc[:n] in lines:
            return lines[loc[:n]]
    return None


_TAG = re.compile(r"^[a-z][a-z-]*\[.*\]$|^\[key\]$")
_DATE_TYPES = {
    "date_type",
    "date_parsing",
    "date_from_datetime_parsing",
    "date_from_datetime_inexact",
}


def _message(e: Any) -> str:
    kind = e["type"]
    value = e.get("input")
    ctx = e.get("ctx") or {}
    if kind == "extra_forbidden":
        return "未知的键（拼写错误？请删除或改正）"
    if kind == "missing":
        return "缺少此项，请补上"
    if kind == "value_error" and "error" in ctx:
        return str(ctx["error"])
    if kind == "string_type":
        return f"应为文字，实际为 {_show(value)}"
    if kind in ("bool_type", "bool_parsing"):
        return f"应为 true 或 false，实际为 {_show(value)}"
    if kind == "list_type":
        return f"应为列表（每行“- 项”或 [甲, 乙]），实际为 {_show(value)}"
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return f"应为一组“键: 值”，实际为 {_show(value)}"
    if kind == "literal_error":
        options = re.findall(r"'((?:[^'\\]|\\.)*)'", str(ctx.get("expected", "")))
        shown = "、".join(options) if options else str(ctx.get("expected", ""))
        return f"应为 {shown} 之一，实际为 {_show(value)}"
    if kind in _DATE_TYPES:
        return f"应为日期（YYYY-MM-DD，不加引号），实际为 {_show(value)}"
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return f"应为整数，实际为 {_show(value)}"
    if kind in ("decimal_type", "decimal_parsing", "float_type"):
        return f"应为数字，实际为 {_show(value)}"
    return f"值 {_show(value)} 不合要求"


def _problems_of(err: ValidationError) -> list[RuleProblem]:
    out: list[RuleProblem] = []
    for e in err.errors():
        raw = tuple(e["loc"])
        loc = tuple(p for p in raw if not (isinstance(p, str) and _TAG.match(p)))
        error = (e.get("ctx") or {}).get("error")
        if isinstance(error, _Problems):
            out += [RuleProblem((*loc, *rel), msg) for rel, msg in error.problems]
            continue
        message = _message(e)
        if raw and raw[-1] == "[key]":
            allowed = message.split("，实际为")[0]
            message = f"键 {_show(e.get('input'))} 不可用：{allowed}"
        out.append(RuleProblem(loc, message))
    return out


def validate_rules(data: dict[str, Any]) -> tuple[Rules | None, list[RuleProblem]]:
    """The rules of a mapping, or None and every problem found."""
    try:
        return Rules.model_validate(data), []
    except ValidationError as err:
        return None, _problems_of(err)


def format_problems(header: str, problems: list[RuleProblem], lines: Lines | None) -> str:
    out = [header]
    for p in problems:
        n = line_of(lines, p.loc)
        out.append(f"  {f'第 {n} 行 ' if n else ''}{p.path}: {p.message}")
    return "\n".join(out)


def rules_from_mapping(data: Any, source: str = "<内存>", lines: Lines | None = None) -> Rules:
    """Validated rules of a mapping; `lines` (path → line, default: those the mapping carries
    when read by `read_rules_mapping`) let the errors name the line."""
    if not isinstance(data, dict):
        raise RulesError(f"规则文件 {source} 的顶层应为一组“键: 值”，实际为 {_show(data)}")
    rules, problems = validate_rules(data)
    if rules is None:
        header = f"规则文件 {source} 有误："
        origins = getattr(data, "origins", None)
        if lines is None and origins is not None:
            from kaohe.rules.overlay import describe_problems

            top = getattr(data, "source", source)
            raise RulesError("\n".join([header, *describe_problems(problems, origins, top)]))
        if lines is None:
            lines = getattr(data, "lines", None)
        raise RulesError(format_problems(header, problems, lines))
    return rules


def read_rules_mapping(path: str | Path, _chain: tuple[Path, ...] = ()) -> RulesMapping:
    """A rules file as plain data with the lines of its values. A file written on a base
    (`base:` with `changes:`, `add:`, `remove:`, see kaohe/rules/overlay.py) is resolved on its
    base, through any chain of bases; a chain that comes back to a file is an error."""
    p = Path(path)
    data, lines = read_yaml_lines(
        p, "规则文件", "请检查路径，规则文件在 params/ 中（如 params/2022.yaml）"
    )
    if "base" not in data:
        return RulesMapping(data, lines, str(p))
    from kaohe.rules.overlay import OverlayError, apply_overlay, read_overlay

    overlay = read_overlay(data, lines, p)
    here = p.resolve()
    chain = (*_chain, here)
    if overlay.base in chain:
        files = [*chain[chain.index(overlay.base) :], overlay.base]
        raise OverlayError(
            f"{overlay.where('base')}：基准规则文件形成循环（{' → '.join(f.name for f in files)}）："
            "最早的年度（如 2022.yaml）应写出全部规则、不写 base，其余年度的 base 指向上一年度"
        )
    return apply_overlay(read_rules_mapping(overlay.base, chain), overlay)


def load_rules(path: str | Path | None = None) -> Rules:
    """Load and validate a rules file (default: the shipped params/2022.yaml)."""
    p = Path(path) if path is not None else DEFAULT_RULES
    return rules_from_mapping(read_rules_mapping(p), str(p))


def rules_fingerprint(path: str | Path | None = None) -> str:
    """The sha256 of the rules file; of a file written on a base, the sha256 of the sha256s of
    every file of its chain (base first), so that a change to the base changes it too."""
    p = Path(path) if path is not None else DEFAULT_RULES
    own = hashlib.sha256(p.read_bytes()).hexdigest()
    try:
        files = read_rules_mapping(p).files
    except RulesError:
        return own
    if len(files) <= 1:
        return own
    digest = hashlib.sha256()
    for f in files:
        digest.update(hashlib.sha256(f.read_bytes()).hexdigest().encode() + b"\n")
    return digest.hexdigest()


def to_units(value: Decimal | int) -> int:
    """A rule value in the internal unit (1/SCALE point), exactly."""
    scaled = Decimal(value) * SCALE
    if scaled != scaled.to_integral_value():
        raise RulesError(f"数值 {value} 超出计分精度（最多四位小数）")
    return int(scaled)
