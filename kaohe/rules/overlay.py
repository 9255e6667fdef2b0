"""Rules written as changes to other rules: the one mechanism of overlay rules files and scenarios.

A rules file may start from another one instead of writing every rule out::

    base: 2022.yaml                  # relative to this file's folder; may itself be an overlay
    remove:                          # the dotted path of a list -> names of elements to drop
      publications.list: [市委办公室《上报参阅信息》]
    add:                             # the dotted path of a list -> new elements
      publications.list:
        - {agency: 市委办公室, title: 《新刊物》, points: 30, chucai: 2}
    changes:                         # dotted paths -> new values
      groups.list[B].base: 180

They are applied in that order (remove, add, changes), to a copy of the base. A path segment in
brackets (or a bare non-numeric segment) picks a list element by its name (`name`, or agency +
title for a publication); a number picks it by position. Scenario files
(kaohe/whatif/scenario.py) are the same thing with a name and a description.

Every value of the result remembers where it was written (`Origin`: file, line and, for a value
an overlay set, the change as written), so that a problem found when the result is validated
names the overlay file and its line, or the base file and its line.
"""

from __future__ import annotations

import copy
import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from kaohe.rules.models import (
    Lines,
    Loc,
    Origin,
    Origins,
    RuleProblem,
    RulesError,
    RulesMapping,
    _norm,
    _show,
)

# the keys of an overlay rules file; a scenario file also has name and description
OVERLAY_KEYS = ("base", "changes", "add", "remove")


class OverlayError(RulesError):
    """An overlay (rules file on a base, or scenario) that cannot be applied; the message names
    the file, the line and the fix (Chinese)."""


class ChangeError(OverlayError):
    """One change that cannot be made (unknown path, a block instead of a value)."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(message)
        self.path = path


# ---- paths ----------------------------------------------------------------------------------

_SEGMENT = re.compile(r"\[([^\]]+)\]|([^.\[\]]+)")


def split_path(path: str) -> list[str]:
    """`publications.list[市委办公室《工作交流》].points` -> ['publications', 'list', '市委办…', 'points']."""
    parts = [a or b for a, b in _SEGMENT.findall(path)]
    if not parts or "".join(parts) == "":
        raise ChangeError(path, f"规则路径 {path!r} 为空或格式不对")
    return parts


def element_names(element: Any) -> list[str]:
    """The names a list element is picked by: `name`, or agency + title (a publication);
    a text element (an alias, a form) is its own name."""
    if isinstance(element, str):
        return [element]
    if not isinstance(element, dict):
        return []
    names = []
    if "name" in element:
        names.append(str(element["name"]))
    if "agency" in element and "title" in element:
        names.append(f"{element['agency']}{element['title']}")
    return names


def _index_by_name(items: list[Any], name: str) -> int | None:
    key = _norm(name)
    for i, element in enumerate(items):
        if any(_norm(n) == key for n in element_names(element)):
            return i
    return None


def _index_of(items: list[Any], segment: str) -> int | None:
    if segment.isdigit():
        i = int(segment)
        return i if i < len(items) else None
    return _index_by_name(items, segment)


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
            names = element_names(v)
            seg = f"[{names[0]}]" if names else f".{i}"
            out += leaf_paths(v, f"{prefix}{seg}", numeric)
    elif not numeric or _is_number(node):
        out.append(prefix)
    return out


def numeric_leaf_paths(mapping: dict[str, Any]) -> list[str]:
    return leaf_paths(mapping, numeric=True)


def list_paths(node: Any, prefix: str = "") -> list[str]:
    """Every path to a list in a rules mapping (what add and remove can name)."""
    out: list[str] = []
    if isinstance(node, dict):
        for k, v in node.items():
            out += list_paths(v, f"{prefix}.{k}" if prefix else str(k))
    elif isinstance(node, list):
        out.append(prefix)
        for i, v in enumerate(node):
            names = element_names(v)
            seg = f"[{names[0]}]" if names else f".{i}"
            out += list_paths(v, f"{prefix}{seg}")
    return out


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


# ---- applying changes, additions and removals -------------------------------------------------


def _apply_changes(new: dict[str, Any], changes: dict[str, Any]) -> dict[Loc, str]:
    """Apply `changes` in place; the path of each change as keys and list positions -> the
    change as written. A change that cannot be made is a `ChangeError`."""
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
        container[key] = copy.deepcopy(value)
        changed[loc] = path
    return changed


def with_changes(
    mapping: dict[str, Any], changes: dict[str, Any]
) -> tuple[dict[str, Any], dict[Loc, str]]:
    """A copy of `mapping` with `changes` applied (not validated), and the path of each change
    as keys and list positions -> the change as written. A change that cannot be made is a
    `ChangeError`."""
    new = copy.deepcopy(mapping)
    return new, _apply_changes(new, changes)


def _list_at(new: dict[str, Any], path: str, verb: str) -> tuple[list[Any], Loc]:
    if not isinstance(path, str):
        raise ChangeError(
            str(path), f"{verb} 下的 {path!r} 不是规则路径：应为列表的路径，如 publications.list"
        )
    container, key, loc = locate(new, path, list_paths(new))
    target = container[key]
    if not isinstance(target, list):
        near = nearest_path(path, list_paths(new))
        hint = f"；最接近的列表是 {near}" if near else ""
        raise ChangeError(
            path,
            f"{verb} 只能用于列表，规则路径 {path} 是{_show(target)}{hint}"
            f"（改一个值请写在 changes 下）",
        )
    return target, loc


def _remove(new: dict[str, Any], path: str, names: list[Any]) -> list[tuple[Loc, int]]:
    """Drop the named elements of the list at `path` in place; the list's loc and each removed
    position (at the time of its removal)."""
    target, loc = _list_at(new, path, "remove")
    removed: list[tuple[Loc, int]] = []
    for name in names:
        i = _index_by_name(target, str(name)) if isinstance(name, str) else None
        if i is None:
            known = [n for e in target for n in element_names(e)[:1]]
            near = difflib.get_close_matches(str(name), known, n=1, cutoff=0.0)
            hint = f"；最接近的是 {near[0]}" if near else ""
            raise ChangeError(path, f"remove：列表 {path} 中没有名为 {_show(name)} 的项{hint}")
        del target[i]
        removed.append((loc, i))
    return removed


def _add(new: dict[str, Any], path: str, elements: list[Any]) -> tuple[Loc, int]:
    """Append `elements` to the list at `path` in place; the list's loc and its length before."""
    target, loc = _list_at(new, path, "add")
    before = len(target)
    target.extend(copy.deepcopy(elements))
    return loc, before


def _shift_after_removal(origins: Origins, loc: Loc, i: int) -> Origins:
    n = len(loc)
    out: Origins = {}
    for at, o in origins.items():
        if len(at) > n and at[:n] == loc and isinstance(at[n], int):
            if at[n] == i:
                continue
            if at[n] > i:
                at = (*loc, at[n] - 1, *at[n + 1 :])
        out[at] = o
    return out


def _drop_below(origins: Origins, loc: Loc) -> Origins:
    n = len(loc)
    return {at: o for at, o in origins.items() if not (len(at) > n and at[:n] == loc)}


def _rooted(lines: Lines, written: Loc, at: Loc, source: str, label: str) -> Origins:
    """The origins of a subtree written at `written` in an overlay file and placed at `at`."""
    n = len(written)
    return {
        (*at, *w[n:]): Origin(source, line, label, exact=False)
        for w, line in lines.items()
        if w[:n] == written and len(w) > n
    }


@dataclass(frozen=True)
class Overlay:
    """An overlay as read: its base file and what it removes, adds and changes, with the lines
    of the overlay file (`lines`) for its messages."""

    source: str
    base: Path
    changes: dict[str, Any] = field(default_factory=dict)
    add: dict[str, list[Any]] = field(default_factory=dict)
    remove: dict[str, list[Any]] = field(default_factory=dict)
    lines: Lines = field(default_factory=dict)
    what: str = "规则文件"  # or 情景文件: how messages name the file

    @property
    def label(self) -> str:
        """How messages name the overlay: 规则文件 x.yaml, 情景文件 s.yaml (情景 in memory)."""
        return f"{self.what} {self.source}" if self.source else self.what.removesuffix("文件")

    def where(self, *loc: str | int) -> str:
        n = self.lines.get(tuple(loc))
        return f"{self.label}{f' 第 {n} 行' if n else ''}"

    @property
    def change_lines(self) -> dict[str, int]:
        return {k: n for k in self.changes if (n := self.lines.get(("changes", k))) is not None}


def apply_overlay(base: RulesMapping, overlay: Overlay) -> RulesMapping:
    """The base rules with the overlay's removals, additions and changes (in that order), not
    validated; every value remembers its origin. A step that cannot be made is an
    `OverlayError` naming the overlay file, its line and the fix."""
    new: dict[str, Any] = copy.deepcopy(dict(base))
    origins: Origins = dict(base.origins)
    src = overlay.source
    for path, names in overlay.remove.items():
        try:
            for loc, i in _remove(new, path, names):
                origins = _shift_after_removal(origins, loc, i)
        except ChangeError as err:
            raise OverlayError(f"{overlay.where('remove', path)}：{err}") from None
    for path, elements in overlay.add.items():
        try:
            loc, before = _add(new, path, elements)
        except ChangeError as err:
            raise OverlayError(f"{overlay.where('add', path)}：{err}") from None
        for j in range(len(elements)):
            label = f"add {path} 第 {j + 1} 项"
            at = (*loc, before + j)
            origins[at] = Origin(src, overlay.lines.get(("add", path, j)), label, exact=False)
            origins |= _rooted(overlay.lines, ("add", path, j), at, src, label)
    done: dict[Loc, str] = {}
    for path, value in overlay.changes.items():
        try:
            if isinstance(path, str) and (at := locate(new, path)[2]) in done:
                raise ChangeError(path, f"改动 {path} 与改动 {done[at]} 指向同一条规则：只保留一个")
            changed = _apply_changes(new, {path: value})
        except ChangeError as err:
            raise OverlayError(f"{overlay.where('changes', path)}：{err}") from None
        (loc,) = changed
        done[loc] = path
        origins = _drop_below(origins, loc)
        origins[loc] = Origin(src, overlay.lines.get(("changes", path)), path)
        origins |= _rooted(overlay.lines, ("changes", path), loc, src, path)
    own = {loc: o.line for loc, o in origins.items() if o.source == src and o.line is not None}
    return RulesMapping(new, own, src, origins, (*base.files, *overlay_files(overlay)))


def overlay_files(overlay: Overlay) -> tuple[Path, ...]:
    return (Path(overlay.source),)


def _related(a: Loc, b: Loc) -> bool:
    return a[: len(b)] == b or b[: len(a)] == a


def origin_of(origins: Origins, loc: Loc) -> tuple[Origin | None, Loc]:
    """Where the value at `loc` was written, and the loc of that origin: a change at it or
    above it; else a change below it (the nearest); else the nearest written ancestor."""
    above = [at for at, o in origins.items() if o.label and loc[: len(at)] == at]
    if above:
        at = max(above, key=len)
        return origins[at], at
    below = [at for at, o in origins.items() if o.label and at[: len(loc)] == loc]
    if below:
        at = min(below, key=len)
        return origins[at], at
    for n in range(len(loc), -1, -1):
        if loc[:n] in origins:
            return origins[loc[:n]], loc[:n]
    return None, ()


def describe_problems(problems: Iterable[RuleProblem], origins: Origins, top: str) -> list[str]:
    """One line per problem: where the value was written in the file `top` (the file being
    read), its line and the change as written; elsewhere, the rule path and the base file and
    its line."""
    out = []
    for p in problems:
        o, at = origin_of(origins, p.loc)
        if o is None:
            out.append(f"  {p.path}: {p.message}")
            continue
        label = p.path
        if o.label is not None:
            label = o.label if at == p.loc and o.exact else f"{o.label}（{p.path}）"
        if o.source == top:
            out.append(f"  {f'第 {o.line} 行 ' if o.line else ''}{label}: {p.message}")
        else:
            n = f" 第 {o.line} 行" if o.line else ""
            out.append(f"  {label}（基准规则文件 {o.source}{n}）: {p.message}")
    return out


# ---- reading an overlay ----------------------------------------------------------------------


def _mapping_of(
    data: dict[str, Any], lines: Lines, key: str, path: Path, what: str, value_kind: str
) -> dict[str, Any]:
    value = data.get(key)
    if value is None:
        return {}
    n = lines.get((key,))
    where = f"{what} {path}{f' 第 {n} 行' if n else ''}"
    if not isinstance(value, dict):
        raise OverlayError(
            f"{where} 的 {key} 应为“路径: {value_kind}”的映射，实际为 {_show(value)}"
        )
    for k, v in value.items():
        m = lines.get((key, str(k)), n)
        at = f"{what} {path}{f' 第 {m} 行' if m else ''}"
        if not isinstance(k, str):
            raise OverlayError(
                f"{at}：{key} 下的 {k!r} 不是规则路径，路径应为文字，如 department.extra.city"
            )
        if key != "changes" and not isinstance(v, list):
            raise OverlayError(
                f"{at}：{key} 下的 {k} 应为列表（每行“- 项”或 [甲, 乙]），实际为 {_show(v)}"
            )
    return dict(value)


def read_overlay(
    data: dict[str, Any],
    lines: Lines,
    path: Path,
    what: str = "规则文件",
    extra_keys: tuple[str, ...] = (),
) -> Overlay:
    """The overlay of a file read as `data` (which has `base`): its keys checked, its base
    file found (relative to the file's folder)."""
    allowed = (*extra_keys, *OVERLAY_KEYS)
    unknown = [k for k in data if k not in allowed]
    if unknown:
        first = min(lines.get((str(k),), 0) for k in unknown)
        hint = (
            "：写在 base 上的规则文件只写它与基准规则的不同，规则块请写在 changes 下"
            "（如 changes: {meta.year: 2023}）"
            if what == "规则文件"
            else ""
        )
        raise OverlayError(
            f"{what} {path}{f' 第 {first} 行' if first else ''} 有未知的键 "
            f"{sorted(map(str, unknown))}：只允许 {sorted(allowed)}{hint}"
        )
    n = lines.get(("base",))
    where = f"{what} {path}{f' 第 {n} 行' if n else ''}"
    if not isinstance(data["base"], str) or not data["base"].strip():
        raise OverlayError(
            f"{where} 的 base 应为基准规则文件的路径（如 2022.yaml），实际为 {_show(data['base'])}"
        )
    base = (path.parent / data["base"]).resolve()
    if base.is_dir():
        raise OverlayError(
            f"{where} 的基准规则文件 {data['base']} 是一个文件夹：请写到 .yaml 文件（如 2022.yaml）"
        )
    if not base.is_file():
        raise OverlayError(
            f"{where} 的基准规则文件 {data['base']} 不存在（相对于 {path.name} 所在的文件夹）"
        )
    return Overlay(
        source=str(path),
        base=base,
        changes=_mapping_of(data, lines, "changes", path, what, "新值"),
        add=_mapping_of(data, lines, "add", path, what, "新增的项"),
        remove=_mapping_of(data, lines, "remove", path, what, "删去的名称"),
        lines=lines,
        what=what,
    )


def origins_of(lines: Lines, source: str) -> Origins:
    return {loc: Origin(source, line) for loc, line in lines.items()}
