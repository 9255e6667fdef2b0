"""A blank ledger to start the year from (`kaohe template`), and the names it accepts
(`kaohe names`).

The template is an .xlsx workbook: the six sheets of the ledger (`SHEETS`, headers as the
office writes them, required ones marked `*` as ledger.md shows) with widths and cell formats,
and drop-down lists (Excel data validation) drawn from the rules file. Every list holds the
canonical names the ledger reader resolves (`kaohe.ledger.names.Names`); they live on a hidden
sheet (`LOOKUP_SHEET`) under defined names. The list of 刊物 depends on the row's 录用单位:
each agency's titles are one column of the hidden sheet, named `录用单位_1`, `录用单位_2` …
(an agency's own name could hold characters a defined name cannot), and the list's formula
looks the agency (or an alias) up in a table of agency → defined name and takes that range
with INDIRECT. A 填表说明 sheet says what each sheet and column is; a 名称表 sheet lists every
name with its aliases, points and forms (`names_table`, which `kaohe names` prints too).

The same rules give the same bytes (a fixed creation date, as `kaohe.sample` writes).
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

import polars as pl
from xlsxwriter.utility import xl_col_to_name

from kaohe.ledger.model import SHEETS
from kaohe.ledger.names import Names
from kaohe.outdir import publish
from kaohe.present.views import points_text
from kaohe.rules.models import Publication, Rules
from kaohe.rules.periods import months_between
from kaohe.sample import DATE_HEADERS, EXCEL_MAX_ROWS, NUMBER_HEADERS, replaceable

GUIDE_SHEET = "填表说明"
NAMES_SHEET = "名称表"
LOOKUP_SHEET = "下拉列表"  # hidden: the lists' values
REQUIRED_MARK = "*"
YES_NO = ("是", "否")
# Excel's own date range: a date validation that only asks for a date
FIRST_DATE, LAST_DATE = date(1900, 1, 1), date(9999, 12, 31)
# the defined name of the i-th agency's publications (1-based)
AGENCY_RANGE = "录用单位_{}"
AGENCY_LOOKUP = "录用单位查找"

# ---- what each sheet and column is (ledger.md), filled in from the rules ----------------------

SHEET_NOTES = {
    "报送": "报送市局办公室的信息，每条信息一行",
    "录用": "信息的录用情况，每个录用该信息的刊物一行",
    "好信息": "好信息评选，每次获评一行",
    "约稿": "约稿，每次约稿一行",
    "月度计划": "处室、单位信息月度报送计划（附件3），每个报送要点一行",
    "信息员": "信息员和撰稿人（附件2），每人每个角色一行；人员变动时写明起止日期",
}
COLUMN_NOTES = {
    ("报送", "信息编号"): "信息的编号，在“报送”表中唯一",
    ("报送", "标题"): "信息标题",
    ("报送", "报送单位"): "报送（牵头）单位：名称或别名（见“名称表”）",
    ("报送", "报送日期"): "报送市局办公室的日期",
    ("报送", "信息类别"): "{kinds}之一",
    ("报送", "第一撰稿人"): "第一撰稿人姓名",
    ("报送", "其他撰稿人"): "其他撰稿人，多人用 、 ， 或 ； 分隔",
    ("报送", "协作单位"): "参与的单位及其份额，如“{shares}”；牵头单位得其余份额",
    ("报送", "约稿编号"): "该信息所答的约稿（“约稿”表中的约稿编号），没有则空白",
    ("录用", "信息编号"): "被录用的信息（“报送”表中的信息编号）",
    ("录用", "录用单位"): "刊物所属机关：{agencies}之一（也可写别名，见“名称表”）",
    ("录用", "刊物"): "该录用单位的刊物（附件1，见“名称表”）；下拉列表随同一行的录用单位变化",
    ("录用", "录用日期"): "录用日期",
    ("录用", "录用方式"): (
        "{forms}之一。空白即{default}；列有录用方式的刊物（{form_titles}）必须填写该刊物的录用方式"
    ),
    (
        "录用",
        "采纳数",
    ): "录用方式为{examples}时采纳的例子或观点个数（空白即 1，不超过 {max_examples}）",
    ("录用", "领导批示"): "获领导批示的填“是”，否则空白或“否”",
    ("好信息", "信息编号"): "获评的信息（“报送”表中的信息编号）",
    ("好信息", "评选"): "{awards}之一",
    ("好信息", "评选日期"): "评选日期",
    ("约稿", "约稿编号"): "约稿的编号，在“约稿”表中唯一",
    ("约稿", "单位"): "被约稿的单位",
    ("约稿", "下达方"): "{issuers}之一",
    ("约稿", "下达日期"): "下达约稿的日期",
    ("约稿", "截止日期"): "约稿的截止日期",
    ("约稿", "完成日期"): "报送约稿信息的日期；空白即未完成，晚于截止日期即未及时完成",
    ("月度计划", "单位"): "填报计划的单位",
    ("月度计划", "月份"): "计划的月份，写成 YYYY-MM（如 {month}）",
    ("月度计划", "序号"): "计划表上的序号",
    ("月度计划", "报送要点"): "拟报送信息的要点（标题）",
    ("月度计划", "拟报送刊物"): "{categories}之一",
    ("月度计划", "报送时间"): "计划报送的日期",
    ("月度计划", "联系人"): "联系人（第一撰稿人）",
    ("月度计划", "信息编号"): "完成该计划的信息编号（报送后再填）",
    ("信息员", "单位"): "所在单位",
    ("信息员", "姓名"): "姓名（中间的空格不计）",
    ("信息员", "角色"): "{roles}之一：信息员是附件2所列单位的信息员，撰稿人是其他撰写信息的人员",
    ("信息员", "年轻干部"): "是否年轻干部：是或否",
    ("信息员", "起始日期"): "担任该角色的起始日期（人员变动时填写）",
    ("信息员", "终止日期"): "担任该角色的终止日期（人员变动时填写）",
}

# ---- drop-down lists -------------------------------------------------------------------------

# (sheet, header) -> the list it offers (a key of `choices`)
LISTS = {
    ("报送", "报送单位"): "单位",
    ("报送", "信息类别"): "信息类别",
    ("录用", "录用单位"): "录用单位",
    ("录用", "录用方式"): "录用方式",
    ("录用", "领导批示"): "是否",
    ("好信息", "评选"): "评选",
    ("约稿", "单位"): "单位",
    ("约稿", "下达方"): "下达方",
    ("月度计划", "单位"): "单位",
    ("月度计划", "月份"): "月份",
    ("月度计划", "拟报送刊物"): "拟报送刊物",
    ("信息员", "单位"): "单位",
    ("信息员", "角色"): "角色",
    ("信息员", "年轻干部"): "是否",
}
# Lists whose cells may hold another value after a warning: names with aliases (the reader
# resolves them) and months (another spelling, or a month outside the period, which the reader
# only warns about); the other lists take only their values.
OPEN_LISTS = frozenset({"单位", "信息类别", "录用单位", "刊物", "评选", "下达方", "月份"})
# the defined name of each list (`list_name`)
LIST_SUFFIX = "列表"

# Columns kept as text (an id such as 001, a month such as 2022-03 that Excel would turn into
# a number or a date)
TEXT_HEADERS = frozenset({"信息编号", "约稿编号", "月份"})
WIDTHS = {
    "标题": 40,
    "报送要点": 40,
    "刊物": 32,
    "协作单位": 30,
    "报送单位": 24,
    "单位": 24,
    "录用单位": 16,
    "评选": 24,
    "其他撰稿人": 20,
    "拟报送刊物": 14,
}
DATE_WIDTH, DEFAULT_WIDTH = 12, 14


def list_name(key: str) -> str:
    """The defined name of a drop-down list: 单位 → 单位列表."""
    return f"{key}{LIST_SUFFIX}"


def choices(rules: Rules) -> dict[str, list[str]]:
    """The values of each drop-down list: the canonical names the ledger reader resolves."""
    names = Names.from_rules(rules)
    return {
        "单位": names.units.values,
        "信息类别": names.kinds.labels,
        "录用单位": names.agencies.values,
        "录用方式": names.forms.values,
        "评选": names.awards.values,
        "下达方": names.issuers.values,
        "拟报送刊物": names.categories.values,
        "角色": names.roles.values,
        "是否": list(YES_NO),
        "月份": months_between(rules.period.start, rules.period.end),
    }


def header(sheet: str, column: str) -> str:
    """A header as the template writes it: required columns marked (信息编号*)."""
    return column + (REQUIRED_MARK if SHEETS[sheet][column] else "")


def _joined(values: list[str]) -> str:
    return "、".join(values)


def column_notes(rules: Rules) -> dict[tuple[str, str], str]:
    """What each column of the ledger is, in Chinese, with the rules' names filled in."""
    lists = choices(rules)
    units = lists["单位"]
    form_titles = [_title(p) for p in rules.publications.list if p.forms]
    values = {
        "kinds": _joined(lists["信息类别"]),
        "shares": "；".join(f"{u}:{s}" for u, s in zip(units[1:3], ("0.3", "0.2"), strict=False)),
        "agencies": _joined(lists["录用单位"]),
        "forms": _joined(lists["录用方式"]),
        "default": rules.forms.default,
        "form_titles": _joined(form_titles),
        "examples": _joined(list(rules.district.adoptions.examples_forms)),
        "max_examples": rules.ledger_checks.max_examples_per_adoption,
        "awards": _joined(lists["评选"]),
        "issuers": _joined(lists["下达方"]),
        "month": lists["月份"][0] if lists["月份"] else "",
        "categories": _joined(lists["拟报送刊物"]),
        "roles": _joined(lists["角色"]),
    }
    return {k: text.format(**values) for k, text in COLUMN_NOTES.items()}


def _title(p: Publication) -> str:
    return f"{p.title}（{p.agency}）"


# ---- the names table ---------------------------------------------------------------------------

NAME_COLUMNS = (
    "类别",
    "名称",
    "别名",
    "录用单位",
    "级别",
    "分组",
    "基本任务分",
    "分值",
    "录用方式分值",
    "说明",
)
NUMBER_COLUMNS = frozenset({"基本任务分", "分值"})


def _row(
    category: str, name: str, aliases: list[str] | tuple[str, ...] = (), **cells: str
) -> dict[str, str]:
    return {"类别": category, "名称": name, "别名": _joined(list(aliases)), **cells}


def _publication_note(p: Publication) -> str:
    parts = []
    if p.forms:
        parts.append("录用方式必填")
    if p.instruction is not None:
        parts.append(f"批示加分：{p.instruction.note}")
    parts.append(f"“出彩”加分 {p.chucai}")
    parts += [f"{form}“出彩”加分 {n}" for form, n in p.chucai_forms.items()]
    return "；".join(parts)


def names_table(rules: Rules) -> pl.DataFrame:
    """Every name of the rules file a ledger uses, with its aliases: units (group, base),
    agencies (level), publications (agency, points or points by form, notes), forms, item kinds,
    awards (points), commission issuers and plan categories. All cells are text; null where a
    column says nothing of the name."""
    levels = rules.levels.labels
    agency_level = {a.name: levels[a.level] for a in rules.agencies.list}
    groups = {g.name: g for g in rules.groups.list}
    kinds = rules.item_kinds
    rows = [
        _row(
            "单位",
            u.name,
            u.aliases,
            分组=u.group,
            基本任务分=points_text(float(groups[u.group].base)),
            说明=f"信息员：{u.officer}" if u.officer else "",
        )
        for u in rules.units.roster
    ]
    rows += [
        _row("录用单位", a.name, a.aliases, 级别=agency_level[a.name]) for a in rules.agencies.list
    ]
    rows += [
        _row(
            "刊物",
            p.title,
            p.aliases,
            录用单位=p.agency,
            级别=agency_level.get(p.agency, ""),
            分值=points_text(float(p.points)) if p.points is not None else "",
            录用方式分值=_joined(
                [f"{f} {points_text(float(v))}" for f, v in (p.forms or {}).items()]
            ),
            说明=_publication_note(p),
        )
        for p in rules.publications.list
    ]
    rows += [
        _row("录用方式", f, 说明=f"空白即{f}" if f == rules.forms.default else "")
        for f in rules.forms.list
    ]
    rows += [
        _row("信息类别", kl.label, kl.aliases)
        for kl in (kinds.general, kinds.suggestion, kinds.research)
    ]
    rows += [
        _row("评选", a.name, a.aliases, 分值=points_text(float(a.points)))
        for a in rules.department.awards.list
    ]
    rows += [_row("下达方", i.name, i.aliases) for i in rules.commission_issuers.list]
    rows += [_row("拟报送刊物", c) for c in rules.plans.categories]
    return pl.DataFrame(
        [{c: r.get(c) or None for c in NAME_COLUMNS} for r in rows],
        schema={c: pl.String for c in NAME_COLUMNS},
        orient="row",
    )


# ---- the workbook ------------------------------------------------------------------------------


def _range(col: int, first: int, last: int) -> str:
    """An absolute range of one column on the lookup sheet, rows 1-based."""
    c = xl_col_to_name(col)
    return f"='{LOOKUP_SHEET}'!${c}${first}:${c}${max(first, last)}"


def write_template(rules: Rules, out: Path) -> None:
    """Write the blank ledger for `rules` to the file `out` (.xlsx)."""
    import xlsxwriter

    workbook = xlsxwriter.Workbook(
        str(out),
        {"strings_to_numbers": False, "strings_to_formulas": False, "strings_to_urls": False},
    )
    # A fixed creation time keeps the bytes the same from run to run.
    workbook.set_properties(
        {"created": datetime(2000, 1, 1), "title": f"信息工作台账（{rules.meta.title}）"}
    )
    fmt: dict[str, Any] = {
        "required": workbook.add_format({"bold": True, "bg_color": "#FCE4D6", "border": 1}),
        "optional": workbook.add_format({"bold": True, "bg_color": "#EDEDED", "border": 1}),
        "date": workbook.add_format({"num_format": "yyyy-mm-dd"}),
        "text": workbook.add_format({"num_format": "@"}),
        "number": workbook.add_format({"num_format": "0"}),
        "wrap": workbook.add_format({"text_wrap": True, "valign": "top"}),
        "title": workbook.add_format({"bold": True, "font_size": 14}),
    }
    guide = workbook.add_worksheet(GUIDE_SHEET)
    ledger_sheets = {name: workbook.add_worksheet(name) for name in SHEETS}
    names_sheet = workbook.add_worksheet(NAMES_SHEET)
    lookup = workbook.add_worksheet(LOOKUP_SHEET)
    lookup.hide()

    _write_lookup(workbook, lookup, rules)
    for name, sheet in ledger_sheets.items():
        _write_ledger_sheet(sheet, name, rules, fmt)
    _write_guide(guide, rules, fmt)
    _write_table(names_sheet, names_table(rules), fmt)
    guide.activate()
    workbook.close()


def _write_lookup(workbook: Any, lookup: Any, rules: Rules) -> None:
    """The lists' values, one column each under a defined name; then the agencies' spellings →
    the defined name of their publications; then one column of titles per agency."""
    col = 0
    for key, values in choices(rules).items():
        lookup.write_string(0, col, key)
        for r, v in enumerate(values, start=1):
            lookup.write_string(r, col, v)
        workbook.define_name(list_name(key), _range(col, 2, len(values) + 1))
        col += 1
    agencies = rules.agencies.list
    spellings = [
        (n, AGENCY_RANGE.format(i)) for i, a in enumerate(agencies, 1) for n in (a.name, *a.aliases)
    ]
    lookup.write_string(0, col, "录用单位及别名")
    lookup.write_string(0, col + 1, "刊物列表名称")
    for r, (spelling, range_name) in enumerate(spellings, start=1):
        lookup.write_string(r, col, spelling)
        lookup.write_string(r, col + 1, range_name)
    first, last = xl_col_to_name(col), xl_col_to_name(col + 1)
    workbook.define_name(
        AGENCY_LOOKUP, f"='{LOOKUP_SHEET}'!${first}$2:${last}${max(2, len(spellings) + 1)}"
    )
    col += 2
    for i, agency in enumerate(agencies, 1):
        titles = [p.title for p in rules.publications.list if p.agency == agency.name]
        lookup.write_string(0, col, agency.name)
        for r, t in enumerate(titles, start=1):
            lookup.write_string(r, col, t)
        workbook.define_name(AGENCY_RANGE.format(i), _range(col, 2, len(titles) + 1))
        col += 1


def _validation(key: str, column: str) -> dict[str, Any]:
    strict = key not in OPEN_LISTS
    message = (
        f"“{column}”请从下拉列表中选择。"
        if strict
        else f"“{column}”不在下拉列表中：名称可写“{NAMES_SHEET}”中的别名；填好后请用 kaohe validate 核对。"
    )
    return {
        "validate": "list",
        "source": f"={list_name(key)}",
        "error_type": "stop" if strict else "warning",
        "error_title": "不在下拉列表中",
        "error_message": message,
    }


def _publication_validation(agency_column: int) -> dict[str, Any]:
    agency = f"${xl_col_to_name(agency_column)}2"
    return {
        "validate": "list",
        "source": f"=INDIRECT(VLOOKUP({agency},{AGENCY_LOOKUP},2,FALSE))",
        "error_type": "warning",
        "error_title": "不是该录用单位的刊物",
        "error_message": (
            f"请先填写录用单位，再从下拉列表中选择它的刊物；也可以写“{NAMES_SHEET}”中的别名。"
        ),
    }


def _date_validation(column: str) -> dict[str, Any]:
    return {
        "validate": "date",
        "criteria": "between",
        "minimum": datetime.combine(FIRST_DATE, datetime.min.time()),
        "maximum": datetime.combine(LAST_DATE, datetime.min.time()),
        "error_type": "stop",
        "error_title": "不是日期",
        "error_message": f"“{column}”请写日期，如 2022-03-01（年-月-日）。",
    }


def _count_validation(column: str, maximum: int | None) -> dict[str, Any]:
    bound = (
        {"criteria": "between", "minimum": 1, "maximum": maximum}
        if maximum
        else {
            "criteria": ">=",
            "value": 1,
        }
    )
    most = f"，不超过 {maximum}" if maximum else ""
    return {
        "validate": "integer",
        **bound,
        "error_type": "stop",
        "error_title": "不是正整数",
        "error_message": f"“{column}”请写正整数{most}。",
    }


def _write_ledger_sheet(sheet: Any, name: str, rules: Rules, fmt: dict[str, Any]) -> None:
    columns = list(SHEETS[name])
    last_row = EXCEL_MAX_ROWS - 1
    for c, column in enumerate(columns):
        kind = (
            "date"
            if column in DATE_HEADERS
            else "number"
            if column in NUMBER_HEADERS
            else "text"
            if column in TEXT_HEADERS
            else None
        )
        width = DATE_WIDTH if kind == "date" else WIDTHS.get(column, DEFAULT_WIDTH)
        sheet.set_column(c, c, width, fmt[kind] if kind else None)
        required = SHEETS[name][column]
        sheet.write_string(0, c, header(name, column), fmt["required" if required else "optional"])
        rule: dict[str, Any] | None = None
        if (name, column) in LISTS:
            rule = _validation(LISTS[(name, column)], column)
        elif (name, column) == ("录用", "刊物"):
            rule = _publication_validation(columns.index("录用单位"))
        elif kind == "date":
            rule = _date_validation(column)
        elif kind == "number":
            most = rules.ledger_checks.max_examples_per_adoption if column == "采纳数" else None
            rule = _count_validation(column, most)
        if rule is not None:
            sheet.data_validation(1, c, last_row, c, rule)
    sheet.freeze_panes(1, 0)


def _write_guide(sheet: Any, rules: Rules, fmt: dict[str, Any]) -> None:
    p = rules.period
    lines = [
        f"本台账模板按规则文件“{rules.meta.title}”生成，考核周期 {p.start} 至 {p.end}。",
        f"列名带 {REQUIRED_MARK} 的必填；列的顺序不限，多余的列保留不用；"
        "日期写 Excel 日期或 YYYY-MM-DD（如 2022-03-01）。",
        "单位、录用单位、刊物等可从下拉列表中选择，也可以写“名称表”中的别名"
        "（全角半角括号、空格不影响，刊物可不带书名号）；刊物的下拉列表列出同一行录用单位的刊物，请先填录用单位。",
        "填好后用 kaohe validate 台账.xlsx 核对，再用 kaohe score 台账.xlsx --out 输出文件夹 计分。",
    ]
    sheet.write_string(0, 0, "信息工作台账填表说明", fmt["title"])
    for r, line in enumerate(lines, start=1):
        sheet.write_string(r, 0, line)
    top = len(lines) + 2
    notes = column_notes(rules)
    rows: list[list[str]] = []
    for name, columns in SHEETS.items():
        rows.append([name, "", "", SHEET_NOTES[name]])
        rows += [
            [name, header(name, c), "是" if req else "", notes[(name, c)]]
            for c, req in columns.items()
        ]
    table = pl.DataFrame(rows, schema=["工作表", "列", "必填", "说明"], orient="row")
    _write_table(sheet, table, fmt, top=top, widths={"说明": 90})


def _write_table(
    sheet: Any,
    table: pl.DataFrame,
    fmt: dict[str, Any],
    top: int = 0,
    widths: dict[str, int] | None = None,
) -> None:
    """A header row and text rows from row `top` (0-based); the columns of points are numbers."""
    widths = widths or {}
    for c, column in enumerate(table.columns):
        sheet.write_string(top, c, column, fmt["optional"])
        width = widths.get(column, WIDTHS.get(column, 40 if column == "说明" else DEFAULT_WIDTH))
        sheet.set_column(c, c, width, fmt["wrap"] if column == "说明" else None)
    numeric = [c in NUMBER_COLUMNS for c in table.columns]
    for r, row in enumerate(table.iter_rows(), start=top + 1):
        for c, value in enumerate(row):
            if not value:
                continue
            if numeric[c]:
                sheet.write_number(r, c, float(value))
            else:
                sheet.write_string(r, c, value)
    sheet.freeze_panes(top + 1, 0)


# ---- writing it safely -------------------------------------------------------------------------


def template_refusal(out: Path) -> str | None:
    """Why `out` cannot be a template's path (not .xlsx), or None."""
    if out.suffix.lower() == ".xlsx":
        return None
    from kaohe.outdir import display_path

    return (
        f"--out {display_path(out)}：台账模板是 .xlsx 工作簿，文件名须以 .xlsx 结尾："
        f"请改为 {display_path(out.with_suffix('.xlsx'))}"
    )


def save_template(rules: Rules, out: Path, force: bool = False) -> None:
    """Write the template to `out` whole and atomically (`kaohe.outdir.publish`), never over an
    existing file or folder unless `force` (and never over a folder). Refusals and write
    failures raise OutputError."""
    may_replace = replaceable(force, "kaohe template")

    def check(real: Path, shown: str) -> str | None:
        if real.is_dir():
            return f"{shown} 是一个文件夹：请用 --out 给出 .xlsx 文件的路径"
        return may_replace(real, shown)

    with publish(out, check, kind="file") as stage, stage.writing():
        write_template(rules, stage.path)
