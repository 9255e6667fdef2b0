"""Rule changes as data (PolicyEngine-style reforms): a scenario file names the rules file it
starts from and a set of changes, dotted paths into the rules with new values.

    name: 未录用信息上限降为20%
    description: 报送但未录用信息累计得分上限由基本任务分的30%降为20%
    base: ../2022.yaml
    changes:
      department.unadopted.cap_share_of_base: 0.20
      publications.list[市委办公室《工作交流》].points: 60
      groups.list[B].base: 180

A segment in brackets (or a bare non-numeric segment) picks a list element by its name
(`name`, or agency + title for a publication); a number picks it by position. The baseline
file is never modified: changes apply to a copy, and the result is validated like any rules
file, sense checks included (a wrong type, a deduction made positive, a share above 1 is an
error naming the scenario file, the change as written and its line). A key written twice under
`changes:` and two changes of one rule are errors too.
"""

from __future__ import annotations

import copy
import difflib
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from kaohe.rules.models import (
    Lines,
    Loc,
    RuleProblem,
    Rules,
    RulesError,
    _norm,
    _show,
    line_of,
    read_rules_mapping,
    read_yaml_lines,
    rules_from_mapping,
    validate_rules,
)

SCENARIO_KEYS = {"name", "description", "base", "changes"}


class ScenarioError(RulesError):
    """A scenario file that cannot be applied; the message says what and how to fix it."""


class ChangeError(ScenarioError):
    """One change that cannot be made (unknown path, a block instead of a value)."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(message)
        self.path = path


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    base: Path
    changes: dict[str, Any] = field(default_factory=dict)
    source: str = "<内存>"
    change_lines: dict[str, int] = field(default_factory=dict)  # change path -> line in source


_SEGMENT = re.compile(r"\[([^\]]+)\]|([^.\[\]]+)")


def split_path(path: str) -> list[str]:
    """`publications.list[市委办公室《工作交流》].points` -> ['publications', 'list', '市委办…', 'points']."""
    parts = [a or b for a, b in _SEGMENT.findall(path)]
    if not parts or "".join(parts) == "":
        raise ScenarioError(f"规则路径 {path!r} 为空或格式不对")
    return parts


def _element_name(element: Any) -> list[str]:
    if not isinstance(element, dict):
        return []
    names = []
    if "name" in element:
        names.append(str(element["name"]))
    if "agency" in element and "title" in element:
        names.append(f"{element['agency']}{element['title']}")
    return names


def _index_of(items: list[Any], segment: str) -> int | None:
    if segment.isdigit():
        i = int(segment)
        return i if i < len(items) else None
    key = _norm(segment)
    for i, element in enumerate(items):
        if any(_norm(n) == key for n in _element_name(element)):
            return i
    return None


def _is_number(value: Any) -> bool:
    return isinstance(value, int | Decimal) and not isinstance(value, bool)


def leaf_paths(node: Any, prefix: str = "", numeric: bool = False) -> list[str]:
    """Every path to a value in a rules mapping, lists by position (for suggestions);
    with `numeric`, only the paths to numbers (what a sweep can vary)."""
    out: list[str] = []
    if isinstance(node, dict):
        for k, v in node.items():
            out += leaf_paths(v, f"{prefix}.{k}" if prefix else str(k), numeric)
    elif isinstance(node, list) and any(isinstance(v, dict | list) for v in node):
        for i, v in enumerate(node):
            names = _element_name(v)
            seg = f"[{names[0]}]" if names else f".{i}"
            out += leaf_paths(v, f"{prefix}{seg}", numeric)
    elif not numeric or _is_number(node):
        out.append(prefix)
    return out


def numeric_leaf_paths(mapping: dict[str, Any]) -> list[str]:
    return leaf_paths(mapping, numeric=True)


def nearest_path(path: str, candidates: list[str]) -> str | None:
    near = difflib.get_close_matches(path, candidates, n=1, cutoff=0.0)
    return near[0] if near else None


def locate(
    mapping: dict[str, Any], path: str, candidates: list[str] | None = None
) -> tuple[Any, str | int, Loc]:
    """The container holding `path`'s value, the key in it and the path as keys and list
    positions; an unknown path is an error naming the nearest valid path (among `candidates`,
    default every path of the mapping)."""
    parts = split_path(path)
    node: Any = mapping
    loc: list[str | int] = []
    for depth, seg in enumerate(parts):
        last = depth == len(parts) - 1
        if isinstance(node, dict):
            if seg not in node:
                break
            loc.append(seg)
            if last:
                return node, seg, tuple(loc)
            node = node[seg]
        elif isinstance(node, list):
            i = _index_of(node, seg)
            if i is None:
                break
            loc.append(i)
            if last:
                return node, i, tuple(loc)
            node = node[i]
        else:
            break
    near = nearest_path(path, candidates if candidates is not None else leaf_paths(mapping))
    hint = f"；最接近的有效路径是 {near}" if near else ""
    raise ChangeError(path, f"规则中没有路径 {path}{hint}")


def resolve(
    mapping: dict[str, Any], path: str, candidates: list[str] | None = None
) -> tuple[Any, str | int]:
    """The container holding `path`'s value and the key in it; an unknown path is an error
    naming the nearest valid path."""
    container, key, _ = locate(mapping, path, candidates)
    return container, key


def get_value(mapping: dict[str, Any], path: str, candidates: list[str] | None = None) -> Any:
    container, key = resolve(mapping, path, candidates)
    return container[key]


def with_changes(
    mapping: dict[str, Any], changes: dict[str, Any]
) -> tuple[dict[str, Any], dict[Loc, str]]:
    """A copy of `mapping` with `changes` applied (not validated), and the path of each change
    as keys and list positions -> the change as written. A change that cannot be made is a
    `ChangeError`."""
    new = copy.deepcopy(mapping)
    changed: dict[Loc, str] = {}
    for path, value in changes.items():
        if not isinstance(path, str):
            raise ChangeError(
                str(path), f"改动的路径应为文字（如 department.extra.city），实际为 {path!r}"
            )
        container, key, loc = locate(new, path)
        if loc in changed:
            raise ChangeError(path, f"改动 {path} 与改动 {changed[loc]} 指向同一条规则：只保留一个")
        old = container[key]
        if isinstance(old, dict | list) and not isinstance(value, type(old)):
            raise ChangeError(path, f"规则路径 {path} 指向一组规则而不是一个值，请写到具体的值")
        container[key] = value
        changed[loc] = path
    return new, changed


def _change_of(changed: dict[Loc, str], loc: Loc) -> str | None:
    """The change a problem at `loc` comes from: the change at it, above it or below it."""
    best = None
    for c, path in changed.items():
        related = loc[: len(c)] == c or c[: len(loc)] == loc
        if related and (best is None or len(c) > len(best[0])):
            best = (c, path)
    return best[1] if best else None


def describe_problems(
    problems: list[RuleProblem],
    changed: dict[Loc, str],
    change_lines: dict[str, int] | None,
    base_lines: Lines | None,
    base_source: str | None,
) -> list[str]:
    """One line per problem: at a change, the change as written and its line in the scenario
    file; elsewhere, the rule path and its line in the base rules file."""
    out = []
    for p in problems:
        change = _change_of(changed, p.loc)
        if change is not None:
            n = (change_lines or {}).get(change)
            label = change if changed.get(p.loc) == change else f"{change}（{p.path}）"
            out.append(f"  {f'第 {n} 行 ' if n else ''}{label}: {p.message}")
            continue
        m = line_of(base_lines, p.loc)
        where = ""
        if base_source and m:
            where = f"（基准规则文件 {base_source} 第 {m} 行）"
        elif m:
            where = f"（基准规则文件第 {m} 行）"
        out.append(f"  {p.path}{where}: {p.message}")
    return out


def apply_changes(
    mapping: dict[str, Any],
    changes: dict[str, Any],
    source: str = "",
    change_lines: dict[str, int] | None = None,
) -> Rules:
    """A copy of `mapping` with `changes` applied, validated into Rules. Errors name the
    scenario file `source` and the line of the change (`change_lines`: change path -> line)."""
    label = f"情景文件 {source}" if source else "情景"
    try:
        new, changed = with_changes(mapping, changes)
    except ChangeError as err:
        n = (change_lines or {}).get(err.path)
        raise ScenarioError(f"{label}{f' 第 {n} 行' if n else ''}：{err}") from None
    rules, problems = validate_rules(new)
    if rules is None:
        lines = describe_problems(
            problems,
            changed,
            change_lines,
            getattr(mapping, "lines", None),
            getattr(mapping, "source", None),
        )
        raise ScenarioError("\n".join([f"{label} 改动后的规则无效：", *lines]))
    return rules


def load_scenario(path: str | Path) -> Scenario:
    p = Path(path)
    data, lines = read_yaml_lines(
        p, "情景文件", "请检查路径（示例见 params/scenarios/）", ScenarioError
    )
    unknown = set(data) - SCENARIO_KEYS
    if unknown:
        first = min(lines.get((str(k),), 0) for k in unknown)
        raise ScenarioError(
            f"情景文件 {p}{f' 第 {first} 行' if first else ''} 有未知的键 "
            f"{sorted(map(str, unknown))}：只允许 {sorted(SCENARIO_KEYS)}"
        )
    missing = {"name", "base", "changes"} - set(data)
    if missing:
        raise ScenarioError(f"情景文件 {p} 缺少 {sorted(missing)}")
    if not isinstance(data["changes"], dict):
        n = lines.get(("changes",))
        raise ScenarioError(
            f"情景文件 {p}{f' 第 {n} 行' if n else ''} 的 changes 应为“路径: 新值”的映射，"
            f"实际为 {_show(data['changes'])}"
        )
    for key in data["changes"]:
        if not isinstance(key, str):
            n = lines.get(("changes", str(key)))
            raise ScenarioError(
                f"情景文件 {p}{f' 第 {n} 行' if n else ''}：changes 下的 {key!r} 不是规则路径，"
                "路径应为文字，如 department.extra.city"
            )
    base = (p.parent / str(data["base"])).resolve()
    if base.is_dir():
        raise ScenarioError(
            f"情景文件 {p} 的基准规则文件 {data['base']} 是一个文件夹：请写到 .yaml 文件（如 ../2022.yaml）"
        )
    if not base.is_file():
        raise ScenarioError(
            f"情景文件 {p} 的基准规则文件 {data['base']} 不存在（相对于情景文件所在目录）"
        )
    return Scenario(
        name=str(data["name"]),
        description=str(data.get("description", "")),
        base=base,
        changes=dict(data["changes"]),
        source=str(p),
        change_lines={
            k: n for k in data["changes"] if (n := lines.get(("changes", k))) is not None
        },
    )


def scenario_rules(scenario: Scenario) -> tuple[Rules, Rules]:
    """(baseline, scenario) rules; the baseline file is read, never written."""
    mapping = read_rules_mapping(scenario.base)
    baseline = rules_from_mapping(mapping, str(scenario.base))
    changed = apply_changes(mapping, scenario.changes, scenario.source, scenario.change_lines)
    return baseline, changed


def as_number(text: str) -> Decimal | int:
    """A command-line value as a rules number (int when whole)."""
    d = Decimal(text)
    return int(d) if d == d.to_integral_value() and "." not in text else d
