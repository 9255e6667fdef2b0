"""The rules file: typed, strict models of params/*.yaml and the lookups scoring needs.

Every number of the measures lives in the YAML file with the clause it comes from. This module
only reads it: an unknown key, a missing value or a wrong type is a `RulesError` naming the
path of the offending value (e.g. ``department.unadopted.cap_share_of_base``).
"""

from __future__ import annotations

import hashlib
import re
from datetime import date
from decimal import Decimal
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, Generic, Literal, TypeVar

import yaml
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, model_validator

DEFAULT_RULES = Path(__file__).resolve().parent.parent / "params" / "2022.yaml"

# Internal unit of points: 1/10000 of a point. Rule values carry at most two decimals and
# shares at most two decimals, so every product is exact in this unit.
SCALE = 10_000


class RulesError(ValueError):
    """A rules file that cannot be used; the message names the path and the fix (Chinese)."""


def _number(value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise ValueError(f"应为数字，实际为 {value!r}")
    d = Decimal(value)
    if d != d.quantize(Decimal("0.01")):
        raise ValueError(f"数值最多两位小数，实际为 {value!r}")
    return d


def _count(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"应为整数，实际为 {value!r}")
    if value < 0:
        raise ValueError(f"应为非负整数，实际为 {value!r}")
    return value


Number = Annotated[Decimal, BeforeValidator(_number)]
Count = Annotated[int, BeforeValidator(_count)]
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
    year: Count
    source: str


class Period(Strict):
    clause: str
    description: str
    start: date
    end: date

    @model_validator(mode="after")
    def _ordered(self) -> Period:
        if self.end < self.start:
            raise ValueError("考核周期的结束日期早于开始日期")
        return self


class Quarter(Strict):
    name: str
    label: str
    start: date
    end: date


class Quarters(Strict):
    clause: str
    description: str
    choice: str
    options: dict[str, list[Quarter]]

    @model_validator(mode="after")
    def _known(self) -> Quarters:
        if self.choice not in self.options:
            raise ValueError(f"choice 应为 {sorted(self.options)} 之一，实际为 {self.choice!r}")
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
    multiple: Number | None = None
    fixed: Number | None = None
    via_level_block: bool = False
    note: str

    @model_validator(mode="after")
    def _one(self) -> Instruction:
        if (self.multiple is None) == (self.fixed is None):
            raise ValueError("instruction 须且只须给出 multiple（倍数）或 fixed（固定分）之一")
        return self


class Publication(Strict):
    agency: str
    title: str
    aliases: list[str] = Field(default_factory=list)
    points: Number | None = None
    forms: dict[Form, Number] | None = None
    instruction: Instruction | None = None
    chucai: Count
    chucai_forms: dict[Form, Count] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _points_or_forms(self) -> Publication:
        if (self.points is None) == (self.forms is None):
            raise ValueError("刊物须且只须给出 points（录用分）或 forms（按录用方式的分值）之一")
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
            raise ValueError("建议问题类任务数不能大于该级任务总数")
        return self


class Tasks(Strict):
    city: LevelTask
    provincial: LevelTask


class Group(Strict):
    name: str
    kind: Literal["department", "district"]
    clause: str
    base: Number
    tasks: Tasks | None = None

    @model_validator(mode="after")
    def _tasks(self) -> Group:
        if self.kind == "department" and self.tasks is None:
            raise ValueError("处室、单位类须给出 tasks（基本任务）")
        if self.kind == "district" and self.tasks is not None:
            raise ValueError("区县类没有按级别的基本任务，不应给出 tasks")
        if self.base <= 0:
            raise ValueError("基本任务分应大于0")
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


class Unadopted(Strict):
    clause: str
    description: str
    points_each: Number
    cap_share_of_base: Number


class SharedItems(Strict):
    clause: str
    description: str
    max_total_share: Number


class AwardType(Strict):
    name: str
    points: Number
    aliases: list[str] = Field(default_factory=list)


class Awards(Strict):
    clause: str
    description: str
    list: list[AwardType]


class Extra(Strict):
    clause: str
    description: str
    city: Number
    provincial: Number
    central_counts_as_provincial: Choice[bool]


class Shortfall(Strict):
    clause: str
    description: str
    city_items: Number
    provincial_items: Number
    city_suggestion: Number
    provincial_suggestion: Number
    level_task_counts: Choice[Literal["all", "general_only"]]


class DepartmentCommissions(Strict):
    clause: str
    description: str
    penalty: dict[str, Number]


class Research(Strict):
    clause: str
    description: str
    required: Count
    penalty: Number


class Department(Strict):
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
    shortfall_each: Number


class DistrictCommissions(Strict):
    clause: str
    description: str
    penalty: Number


class DistrictGroup(Strict):
    name: str
    agencies: list[str]
    full: Number
    compiled: Number
    instruction_full: Number
    instruction_compiled: Number


class Central(Strict):
    description: str
    agencies: list[str]
    scored_as: str
    multiplier: Number
    commission_issuers: list[str]
    choice: Literal["commissioned", "always"]


class DistrictAdoptions(Strict):
    clause: str
    description: str
    groups: list[DistrictGroup]
    examples_each: Number
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
    points_per_percent: Number
    decimals: Count
    rounding: Choice[Literal["pro_rata", "whole_points"]]


class Advanced(Strict):
    clause: str
    description: str
    max_count: Count


class DistrictAssessment(Strict):
    clause: str
    description: str
    full_score: Number
    zero_at_or_below_share: Number


class Prize(Strict):
    name: str
    count: Count


class OfficerPrizes(Strict):
    clause: str
    description: str
    prizes: list[Prize]


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
    other_year_share: Number


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
    plans: Plans
    ledger_checks: LedgerChecks

    @model_validator(mode="after")
    def _cross_references(self) -> Rules:
        problems: list[str] = []
        groups = {g.name for g in self.groups.list}
        agencies = {a.name for a in self.agencies.list}
        issuers = {i.name for i in self.commission_issuers.list}
        awards = [a.name for a in self.department.awards.list]
        _unique(problems, "groups.list", [g.name for g in self.groups.list])
        _unique(problems, "units.roster", [u.name for u in self.units.roster])
        _unique(problems, "agencies.list", [a.name for a in self.agencies.list])
        _unique(problems, "department.awards.list", awards)
        _unique(
            problems,
            "publications.list",
            [_norm(p.agency) + "|" + _norm(p.title) for p in self.publications.list],
        )
        for i, u in enumerate(self.units.roster):
            if u.group not in groups:
                problems.append(
                    f"units.roster.{i}.group: 未知的类别 {u.group!r}，应为 {sorted(groups)} 之一"
                )
        for i, p in enumerate(self.publications.list):
            if p.agency not in agencies:
                problems.append(f"publications.list.{i}.agency: 未知的录用单位 {p.agency!r}")
            for f in p.chucai_forms:
                if not p.forms or f not in p.forms:
                    problems.append(f"publications.list.{i}.chucai_forms.{f}: 该刊物没有此录用方式")
        for name in self.department.commissions.penalty:
            if name not in issuers:
                problems.append(f"department.commissions.penalty.{name}: 未知的约稿下达方")
        adopt = self.district.adoptions
        dgroups = {g.name for g in adopt.groups}
        for gi, g in enumerate(adopt.groups):
            for a in g.agencies:
                if a not in agencies:
                    problems.append(
                        f"district.adoptions.groups.{gi}.agencies: 未知的录用单位 {a!r}"
                    )
        if adopt.central.scored_as not in dgroups:
            problems.append(
                f"district.adoptions.central.scored_as: 未知的分组 {adopt.central.scored_as!r}"
            )
        for a in adopt.central.agencies:
            if a not in agencies:
                problems.append(f"district.adoptions.central.agencies: 未知的录用单位 {a!r}")
        for c in adopt.central.commission_issuers:
            if c not in issuers:
                problems.append(
                    f"district.adoptions.central.commission_issuers: 未知的下达方 {c!r}"
                )
        if self.quarters.active[0].start != self.period.start:
            problems.append("quarters: 第一季度应从考核周期开始日起算")
        if self.quarters.active[-1].end != self.period.end:
            problems.append("quarters: 第四季度应在考核周期结束日止")
        if problems:
            raise ValueError("；".join(problems))
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


def _unique(problems: list[str], path: str, names: list[str]) -> None:
    seen: set[str] = set()
    for n in names:
        if n in seen:
            problems.append(f"{path}: 名称重复 {n!r}")
        seen.add(n)


_SPACE = re.compile(r"\s+")
_FULLWIDTH = str.maketrans({"（": "(", "）": ")", "：": ":", "，": ",", "；": ";", "、": ","})


def _norm(text: str) -> str:
    """Matching key for names: no whitespace, half-width brackets and punctuation."""
    return _SPACE.sub("", text).translate(_FULLWIDTH)


class _DecimalLoader(yaml.SafeLoader):
    """YAML loader that reads floats as Decimal so 0.30 stays exactly 0.30."""


def _decimal(loader: yaml.SafeLoader, node: yaml.Node) -> Decimal:
    return Decimal(loader.construct_scalar(node))  # type: ignore[arg-type]


_DecimalLoader.add_constructor("tag:yaml.org,2002:float", _decimal)


def _format_errors(err: ValidationError, source: str) -> str:
    lines = [f"规则文件 {source} 有误："]
    for e in err.errors():
        path = ".".join(str(p) for p in e["loc"]) or "（顶层）"
        kind = e["type"]
        if kind == "extra_forbidden":
            msg = "未知的键（拼写错误？请删除或改正）"
        elif kind == "missing":
            msg = "缺少此项，请补上"
        else:
            msg = e["msg"]
        lines.append(f"  {path}: {msg}")
    return "\n".join(lines)


def rules_from_mapping(data: Any, source: str = "<内存>") -> Rules:
    if not isinstance(data, dict):
        raise RulesError(f"规则文件 {source} 的顶层应为映射（键: 值）")
    try:
        return Rules.model_validate(data)
    except ValidationError as err:
        raise RulesError(_format_errors(err, source)) from None


def read_yaml(path: Path, what: str, hint: str, error: type[RulesError] = RulesError) -> Any:
    """A YAML file with floats read as Decimal; a missing or broken file is `error`."""
    if not path.is_file():
        raise error(f"找不到{what} {path}：{hint}")
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=_DecimalLoader)
    except yaml.YAMLError as err:
        raise error(f"{what} {path} 不是有效的 YAML：{err}") from None


def read_rules_mapping(path: str | Path) -> dict[str, Any]:
    return read_yaml(Path(path), "规则文件", "请检查路径，默认规则文件为 params/2022.yaml")


def load_rules(path: str | Path | None = None) -> Rules:
    """Load and validate a rules file (default: the shipped params/2022.yaml)."""
    p = Path(path) if path is not None else DEFAULT_RULES
    return rules_from_mapping(read_rules_mapping(p), str(p))


def rules_fingerprint(path: str | Path | None = None) -> str:
    p = Path(path) if path is not None else DEFAULT_RULES
    return hashlib.sha256(p.read_bytes()).hexdigest()


def to_units(value: Decimal | int) -> int:
    """A rule value in the internal unit (1/SCALE point), exactly."""
    scaled = Decimal(value) * SCALE
    if scaled != scaled.to_integral_value():
        raise RulesError(f"数值 {value} 超出计分精度（最多四位小数）")
    return int(scaled)
