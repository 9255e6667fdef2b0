"""`kaohe new-year 2023`: next year's rules file, written on the latest year's.

The new file (params/2023.yaml) is an overlay (kaohe/rules/overlay.py): `base:` the latest year
file, `changes:` of the year's name, title, source and period moved on (the quarters' dates
follow from the period), and commented examples of the clauses that usually change, with their
current values, for the office to edit.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from kaohe.rules.choose import PARAMS, latest, shown
from kaohe.rules.models import Rules, RulesError, load_rules
from kaohe.rules.periods import months_label

_YEAR_IN_TEXT = re.compile(r"(?<!\d)(\d{4})(?=年)")


class NewYearError(RulesError):
    """The new year's file cannot be written; the message says why and the fix (Chinese)."""


@dataclass(frozen=True)
class NewYear:
    path: Path
    base: Path
    rules: Rules


def _moved(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _shift_years(text: str, years: int) -> str:
    """'2021年12月—2022年11月' moved on `years` years."""
    return _YEAR_IN_TEXT.sub(lambda m: str(int(m.group(1)) + years), text)


def _scalar(value: Any) -> str:
    """A value as YAML (a text quoted only when it must be)."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    text = yaml.safe_dump(value, allow_unicode=True, default_flow_style=True, width=10_000)
    return text.removesuffix("\n").removesuffix("\n...").strip()


def _examples(rules: Rules) -> list[str]:
    """Commented `changes:` lines of the clauses that usually change, with today's values."""
    d, o = rules.department, rules.outcomes
    out = [
        "  # 常改的条款（今年的数值不同时，去掉行首的 # 并改为新的数值；出处条款写在上一行注释中）："
    ]
    out.append(f"  # {rules.groups.clause} 各类单位的基本任务分和基本任务")
    for g in rules.groups.list:
        out.append(f"  #   groups.list[{g.name}].base: {_scalar(g.base)}")
        if g.tasks is not None:
            t = g.tasks
            out.append(f"  #   groups.list[{g.name}].tasks.city.items: {t.city.items}")
            out.append(f"  #   groups.list[{g.name}].tasks.provincial.items: {t.provincial.items}")
    out += [
        f"  # {d.unadopted.clause} 未录用信息：每条分值、累计上限（基本任务分的比例）",
        f"  #   department.unadopted.points_each: {_scalar(d.unadopted.points_each)}",
        f"  #   department.unadopted.cap_share_of_base: {_scalar(d.unadopted.cap_share_of_base)}",
        f"  # {d.extra.clause} 超额录用加分",
        f"  #   department.extra.city: {_scalar(d.extra.city)}",
        f"  #   department.extra.provincial: {_scalar(d.extra.provincial)}",
        f"  # {d.research.clause} 调研文章",
        f"  #   department.research.required: {d.research.required}",
        f"  # {rules.district.submissions.clause} 区县报送任务",
        f"  #   district.submissions.task: {rules.district.submissions.task}",
        f"  # {o.department_adjustment.clause} 绩效考核调整分、先进集体",
        "  #   outcomes.department_adjustment.points_per_percent: "
        f"{_scalar(o.department_adjustment.points_per_percent)}",
        f"  #   outcomes.advanced_collectives.max_count: {o.advanced_collectives.max_count}",
        f"  # {rules.units.clause} 信息员（附件2）",
    ]
    for u in rules.units.roster:
        if u.officer:
            out.append(f"  #   units.roster[{u.name}].officer: {_scalar(u.officer)}")
    return out


def new_year_text(year: int, base: Path, base_rules: Rules, out: Path) -> str:
    """The text of the new year's overlay file on `base` (written at `out`)."""
    years = year - base_rules.meta.year
    m, p, q = base_rules.meta, base_rules.period, base_rules.quarters
    start, end = _moved(p.start, years), _moved(p.end, years)
    title = _shift_years(m.title, years)
    rel = os.path.relpath(base.resolve(), out.resolve().parent)
    if rel.startswith(f"..{os.sep}.."):  # far from it: the absolute path reads better
        rel = str(base.resolve())
    changes = {
        "meta.title": title,
        "meta.year": year,
        "meta.source": _shift_years(m.source, years),
    }
    period = {
        "period.description": _shift_years(p.description, years),
        "period.start": start,
        "period.end": end,
        "quarters.description": _shift_years(q.description, years),
    }
    if period["quarters.description"] == q.description:
        del period["quarters.description"]
    shown_out = shown(out)
    lines = [
        f"# {title} —— 规则文件",
        "#",
        f"# 写在 {rel} 之上：这里只写与 {m.year} 年度不同的规则，其余都沿用 {rel}（季度的起止日期",
        f"# 由考核周期推算，不用写）。由 kaohe new-year {year} 生成，请按 {year} 年度的考核办法修改：",
        "#   remove:   列表的路径: [名称, …]     删去列表中的项（如停办的刊物、撤并的单位）",
        "#   add:      列表的路径: [新的项, …]   新增的项，写法同基准规则文件",
        "#   changes:  规则路径: 新值             方括号内按名称选列表中的一项，如 groups.list[B].base",
        "# 依次先删去、再新增、最后改动；每个改动的数值请在上一行注释中注明出处条款，文字说明",
        "# （description）与数值一起改。改完后核对：",
        f"#   kaohe names --rules {shown_out}",
        f"#   kaohe template --rules {shown_out} --out {year}年度台账模板.xlsx",
        "",
        f"base: {_scalar(rel)}",
        "",
        "# remove:",
        "#   publications.list: [市委办公室《上报参阅信息》]",
        "",
        "# add:",
        "#   publications.list:",
        "#     - {agency: 省人力社保厅, title: 《新的刊物》, points: 20, "
        "instruction: {multiple: 2, note: 获省厅领导批示的，按照原录用分值的2倍加分}, chucai: 3}",
        "",
        "changes:",
        *(f"  {k}: {_scalar(v)}" for k, v in changes.items()),
        "",
        f"  # {p.clause} 考核周期：{months_label(start, end)}",
        *(f"  {k}: {_scalar(v)}" for k, v in period.items()),
        "",
        *_examples(base_rules),
        "",
    ]
    return "\n".join(lines)


def write_new_year(
    year: int, base: Path | None = None, out: Path | None = None, force: bool = False
) -> NewYear:
    """Write the new year's rules file (default params/<year>.yaml) on `base` (default the
    latest year file of params/ before `year`); an existing file is kept unless `force`."""
    if not 1900 <= year <= 2100:
        raise NewYearError(f"年度 {year} 不对：应写成 2023 这样的四位年份")
    out = out if out is not None else PARAMS / f"{year}.yaml"
    if base is None:
        found = latest(PARAMS, before=year)
        if found is None:
            raise NewYearError(
                f"{shown(PARAMS)} 中没有 {year} 年之前的年度规则文件：请用 --from 给出上一年度的规则文件"
            )
        base = found.path
    base_rules = load_rules(base)
    if base_rules.meta.year >= year:
        raise NewYearError(
            f"基准规则文件 {shown(base)} 是 {base_rules.meta.year} 年度的，不早于 {year} 年度："
            f"请用 --from 给出 {year} 年之前的规则文件"
        )
    if out.exists() and not force:
        raise NewYearError(
            f"{shown(out)} 已存在：kaohe new-year 不会覆盖已有的规则文件（它可能已经改过）；"
            "确认要重新生成时加 --force，或用 --out 写到别处"
        )
    if out.is_dir():
        raise NewYearError(f"{shown(out)} 是一个文件夹：请用 --out 给出 .yaml 文件的路径")
    if out.resolve() == base.resolve():
        raise NewYearError(f"--out {shown(out)} 就是基准规则文件：请写到另一个文件")
    text = new_year_text(year, base, base_rules, out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.kaohe-tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        rules = load_rules(tmp)  # the file must load before it replaces anything
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
    return NewYear(out, base, rules)


def what_to_edit(made: NewYear) -> list[str]:
    """The Chinese lines `kaohe new-year` prints: what it wrote and what to edit."""
    r, p = made.rules, made.rules.period
    year, out = r.meta.year, shown(made.path)
    return [
        f"已生成 {out}：写在 {shown(made.base)} 之上，{year} 年度考核周期 {p.start}—{p.end}"
        f"（{len(r.quarters.active)} 个季度的起止日期按考核周期推算）。",
        f"请按 {year} 年度的考核办法修改 {out}（只写与上一年度不同之处），常改的是：",
        "  附件1 刊物及分值：publications.list（新办的刊物写在 add 下，停办的写在 remove 下，"
        "分值写在 changes 下，如 publications.list[市委办公室《工作交流》].points）",
        "  二（一） 各类单位的基本任务分和基本任务：groups.list[B].base、groups.list[B].tasks.city.items 等",
        "  一（一）、附件2 考核对象和信息员：units.roster（机构调整时 add / remove；"
        "信息员 units.roster[人才综合处].officer）",
        "  二（二）1 未录用信息上限、好信息、超额加分和扣分、约稿、调研文章：department.…",
        "  二（二）2 区县报送任务和转报录用分：district.…；四 结果运用：outcomes.…",
        f"改完后用 kaohe names --rules {out} 核对名称，"
        f"kaohe template --rules {out} --out {year}年度台账模板.xlsx 生成新一年的台账模板。",
        _chosen_line(made, f"{p.start}—{p.end}", out),
    ]


def _chosen_line(made: NewYear, period: str, out: str) -> str:
    """How the commands will find the new file: by the ledger's dates when it lies in params/
    as <year>.yaml, else only through --rules."""
    in_params = made.path.resolve().parent == PARAMS.resolve()
    if in_params and made.path.name == f"{made.rules.meta.year}.yaml":
        return f"此后台账的日期大多在 {period} 内时，各命令自动选用 {out}（也可用 --rules 指定）。"
    return (
        f"{out} 不在 params/ 中（或不以年度命名），各命令不会自动选用它：请用 --rules {out} 指定，"
        f"或把它放到 params/{made.rules.meta.year}.yaml。"
    )
