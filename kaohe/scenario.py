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
file (a wrong type is an error naming its path).
"""

from __future__ import annotations

import copy
import difflib
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from kaohe.rules import (
    Rules,
    RulesError,
    _norm,
    read_rules_mapping,
    read_yaml,
    rules_from_mapping,
)

SCENARIO_KEYS = {"name", "description", "base", "changes"}


class ScenarioError(RulesError):
    """A scenario file that cannot be applied; the message says what and how to fix it."""


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    base: Path
    changes: dict[str, Any] = field(default_factory=dict)
    source: str = "<内存>"


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


def leaf_paths(node: Any, prefix: str = "") -> list[str]:
    """Every path to a value in a rules mapping, lists by position (for suggestions)."""
    out: list[str] = []
    if isinstance(node, dict):
        for k, v in node.items():
            out += leaf_paths(v, f"{prefix}.{k}" if prefix else str(k))
    elif isinstance(node, list) and any(isinstance(v, dict | list) for v in node):
        for i, v in enumerate(node):
            names = _element_name(v)
            seg = f"[{names[0]}]" if names else f".{i}"
            out += leaf_paths(v, f"{prefix}{seg}")
    else:
        out.append(prefix)
    return out


def resolve(mapping: dict[str, Any], path: str) -> tuple[Any, str | int]:
    """The container holding `path`'s value and the key in it; an unknown path is an error
    naming the nearest valid path."""
    parts = split_path(path)
    node: Any = mapping
    for depth, seg in enumerate(parts):
        last = depth == len(parts) - 1
        if isinstance(node, dict):
            if seg not in node:
                break
            if last:
                return node, seg
            node = node[seg]
        elif isinstance(node, list):
            i = _index_of(node, seg)
            if i is None:
                break
            if last:
                return node, i
            node = node[i]
        else:
            break
    else:  # pragma: no cover - the loop returns on the last segment
        pass
    candidates = leaf_paths(mapping)
    near = difflib.get_close_matches(path, candidates, n=1, cutoff=0.0)
    hint = f"；最接近的有效路径是 {near[0]}" if near else ""
    raise ScenarioError(f"规则中没有路径 {path}{hint}")


def get_value(mapping: dict[str, Any], path: str) -> Any:
    container, key = resolve(mapping, path)
    return container[key]  # type: ignore[index]


def apply_changes(mapping: dict[str, Any], changes: dict[str, Any], source: str = "") -> Rules:
    """A copy of `mapping` with `changes` applied, validated into Rules."""
    new = copy.deepcopy(mapping)
    for path, value in changes.items():
        container, key = resolve(new, path)
        old = container[key]  # type: ignore[index]
        if isinstance(old, dict | list) and not isinstance(value, type(old)):
            raise ScenarioError(f"规则路径 {path} 指向一组规则而不是一个值，请写到具体的值")
        container[key] = value  # type: ignore[index]
    try:
        return rules_from_mapping(new, source or "<情景>")
    except RulesError as err:
        raise ScenarioError(f"情景 {source} 改动后的规则无效：\n{err}") from None


def load_scenario(path: str | Path) -> Scenario:
    p = Path(path)
    data = read_yaml(p, "情景文件", "请检查路径（示例见 params/scenarios/）", ScenarioError)
    if not isinstance(data, dict):
        raise ScenarioError(f"情景文件 {p} 的顶层应为映射（name、description、base、changes）")
    unknown = set(data) - SCENARIO_KEYS
    if unknown:
        raise ScenarioError(
            f"情景文件 {p} 有未知的键 {sorted(unknown)}：只允许 {sorted(SCENARIO_KEYS)}"
        )
    missing = {"name", "base", "changes"} - set(data)
    if missing:
        raise ScenarioError(f"情景文件 {p} 缺少 {sorted(missing)}")
    if not isinstance(data["changes"], dict):
        raise ScenarioError(f"情景文件 {p} 的 changes 应为“路径: 新值”的映射")
    base = (p.parent / str(data["base"])).resolve()
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
    )


def scenario_rules(scenario: Scenario) -> tuple[Rules, Rules]:
    """(baseline, scenario) rules; the baseline file is read, never written."""
    mapping = read_rules_mapping(scenario.base)
    baseline = rules_from_mapping(mapping, str(scenario.base))
    return baseline, apply_changes(mapping, scenario.changes, scenario.source)


def as_number(text: str) -> Decimal | int:
    """A command-line value as a rules number (int when whole)."""
    d = Decimal(text)
    return int(d) if d == d.to_integral_value() and "." not in text else d
