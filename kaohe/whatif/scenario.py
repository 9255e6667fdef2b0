"""Rule changes as data (PolicyEngine-style reforms): a scenario file names the rules file it
starts from and a set of changes, dotted paths into the rules with new values.

    name: 未录用信息上限降为20%
    description: 报送但未录用信息累计得分上限由基本任务分的30%降为20%
    base: ../2022.yaml
    changes:
      department.unadopted.cap_share_of_base: 0.20
      publications.list[市委办公室《工作交流》].points: 60
      groups.list[B].base: 180

A scenario is an overlay (kaohe/rules/overlay.py, the same code as a rules file written on a
base): besides `changes:` it may `add:` list elements and `remove:` them by name. A segment in
brackets (or a bare non-numeric segment) picks a list element by its name (`name`, or agency +
title for a publication); a number picks it by position. The baseline file is never modified:
changes apply to a copy, and the result is validated like any rules file, sense checks included
(a wrong type, a deduction made positive, a share above 1 is an error naming the scenario file,
the change as written and its line). A key written twice under `changes:` and two changes of
one rule are errors too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from kaohe.rules.models import (
    Rules,
    RulesMapping,
    read_rules_mapping,
    read_yaml_lines,
    rules_from_mapping,
    validate_rules,
)
from kaohe.rules.overlay import (
    ChangeError,
    Overlay,
    OverlayError,
    apply_overlay,
    describe_problems,
    get_value,
    leaf_paths,
    locate,
    nearest_path,
    numeric_leaf_paths,
    read_overlay,
    resolve,
    split_path,
    with_changes,
)

__all__ = [
    "ChangeError",
    "Scenario",
    "ScenarioError",
    "apply_changes",
    "as_number",
    "get_value",
    "leaf_paths",
    "load_scenario",
    "locate",
    "nearest_path",
    "numeric_leaf_paths",
    "resolve",
    "scenario_rules",
    "split_path",
    "with_changes",
]

SCENARIO_KEYS = {"name", "description", "base", "changes", "add", "remove"}

# a scenario is an overlay: its errors are the overlay's
ScenarioError = OverlayError


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    base: Path
    changes: dict[str, Any] = field(default_factory=dict)
    source: str = "<内存>"
    change_lines: dict[str, int] = field(default_factory=dict)  # change path -> line in source
    add: dict[str, list[Any]] = field(default_factory=dict)
    remove: dict[str, list[Any]] = field(default_factory=dict)
    lines: dict[Any, int] = field(default_factory=dict)  # every path of the scenario file

    @property
    def overlay(self) -> Overlay:
        lines = dict(self.lines) or {("changes", k): n for k, n in self.change_lines.items()}
        return Overlay(
            source=self.source,
            base=self.base,
            changes=self.changes,
            add=self.add,
            remove=self.remove,
            lines=lines,
            what="情景文件",
        )


def overlay_rules(mapping: dict[str, Any], overlay: Overlay) -> Rules:
    """The rules of `mapping` with the overlay applied and validated; errors name the overlay
    file (a scenario: "情景文件 …") and its lines."""
    base = (
        mapping
        if isinstance(mapping, RulesMapping)
        else RulesMapping(mapping, {}, getattr(mapping, "source", "<内存>"))
    )
    new = apply_overlay(base, overlay)
    rules, problems = validate_rules(new)
    if rules is None:
        lines = describe_problems(problems, new.origins, overlay.source)
        raise ScenarioError("\n".join([f"{overlay.label} 改动后的规则无效：", *lines]))
    return rules


def apply_changes(
    mapping: dict[str, Any],
    changes: dict[str, Any],
    source: str = "",
    change_lines: dict[str, int] | None = None,
) -> Rules:
    """A copy of `mapping` with `changes` applied, validated into Rules. Errors name the
    scenario file `source` and the line of the change (`change_lines`: change path -> line)."""
    lines = {("changes", k): n for k, n in (change_lines or {}).items()}
    overlay = Overlay(
        source=source, base=Path(), changes=dict(changes), lines=lines, what="情景文件"
    )
    return overlay_rules(mapping, overlay)


def load_scenario(path: str | Path) -> Scenario:
    p = Path(path)
    data, lines = read_yaml_lines(
        p, "情景文件", "请检查路径（示例见 params/scenarios/）", ScenarioError
    )
    missing = {"name", "base"} - set(data)
    if not {"changes", "add", "remove"} & set(data):
        missing.add("changes")
    unknown = set(data) - SCENARIO_KEYS
    if missing and not unknown:
        raise ScenarioError(f"情景文件 {p} 缺少 {sorted(missing)}")
    overlay = read_overlay(data, lines, p, "情景文件", ("name", "description"))
    if missing:
        raise ScenarioError(f"情景文件 {p} 缺少 {sorted(missing)}")
    return Scenario(
        name=str(data["name"]),
        description=str(data.get("description", "")),
        base=overlay.base,
        changes=overlay.changes,
        source=str(p),
        change_lines=overlay.change_lines,
        add=overlay.add,
        remove=overlay.remove,
        lines=lines,
    )


def scenario_rules(scenario: Scenario) -> tuple[Rules, Rules]:
    """(baseline, scenario) rules; the baseline file is read, never written."""
    mapping = read_rules_mapping(scenario.base)
    baseline = rules_from_mapping(mapping, str(scenario.base))
    changed = overlay_rules(mapping, scenario.overlay)
    return baseline, changed


def as_number(text: str) -> Decimal | int:
    """A command-line value as a rules number (int when whole)."""
    d = Decimal(text)
    return int(d) if d == d.to_integral_value() and "." not in text else d
