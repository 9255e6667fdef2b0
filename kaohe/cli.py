"""The command line: `kaohe score | validate | explain | sample | template | names | new-year | report |
explore | kernel | simulate | sweep` (also `python -m kaohe`).

Messages to the user are Chinese; errors never show a Python traceback.
"""

from __future__ import annotations

import os
import re
import shlex
import signal
import sys
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Annotated, NoReturn

import polars as pl
import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from kaohe import cli_text
from kaohe.ledger.model import Ledger, LedgerError
from kaohe.outdir import OutputError
from kaohe.rules.models import DEFAULT_RULES, Rules, RulesError, load_rules, rules_fingerprint

app = cli_text.ChineseTyper(
    help="党委、政务信息工作考核：计分、核对与解释。",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)

# Off a terminal (piped, redirected, CI) rich would wrap everything at 80 columns, splitting
# paths and values; there, lines are not wrapped and tables get this width (unless COLUMNS says).
PIPE_WIDTH = 200


def _console(stderr: bool) -> Console:
    console = Console(stderr=stderr, highlight=False)
    if console.is_terminal:
        return console
    width = None if os.environ.get("COLUMNS", "").isdigit() else PIPE_WIDTH
    return Console(stderr=stderr, highlight=False, width=width, soft_wrap=True)


out_console = _console(stderr=False)
err_console = _console(stderr=True)

DEFAULT_LEDGER = Path("data/raw/2022")

SEVERITY = {"error": "错误", "warning": "警告"}


class UserError(Exception):
    """An error to show the user in Chinese, with exit code `code`."""

    def __init__(self, message: str, code: int = 2) -> None:
        super().__init__(message)
        self.code = code


@contextmanager
def _progress():
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
        disable=not err_console.is_terminal,
    ) as progress:
        yield progress


def _parse_date(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UserError(f"日期 {text!r} 格式不对：请写成 YYYY-MM-DD，如 2022-08-31") from None


def _rules_path(rules: Path | None, ledger: Path | None = None, year: int | None = None) -> Path:
    """The rules file of a command (kaohe.rules.choose): --rules if given, else the year's
    file, else the file of params/ whose period holds the ledger's dates; says on stderr which
    file was chosen."""
    from kaohe.rules.choose import choose

    if rules is None and year is None and ledger is not None and not ledger.exists():
        return DEFAULT_RULES  # the missing ledger is the error to show
    chosen = choose(rules, ledger, year)
    if chosen.reason:
        err_console.print(Text(chosen.reason), soft_wrap=True)
    return chosen.path


def _shown(path: Path) -> str:
    from kaohe.rules.choose import shown

    return shown(path)


def _year_of(quarter: str | None) -> int | None:
    """The year written in a quarter ('2023Q1' -> 2023; 'Q3' -> None)."""
    m = re.match(r"^\s*(\d{4})\s*[Qq]", quarter or "")
    return int(m.group(1)) if m else None


def _load(ledger_path: Path, rules_path: Path | None) -> tuple[Ledger, Rules, Path]:
    from kaohe.ledger.read import read_ledger

    rp = _rules_path(rules_path, ledger_path)
    rules = load_rules(rp)
    if not ledger_path.exists():
        raise UserError(f"找不到台账 {ledger_path}：请给出 .xlsx 工作簿或 CSV 文件夹的路径")
    ledger = read_ledger(ledger_path, rules)
    return ledger, rules, rp


def _read_checked(ledger_path: Path, rules: Rules, progress: Progress) -> Ledger:
    """Read a ledger for scoring; a missing path or a ledger with errors ends the command."""
    from kaohe.ledger.read import read_ledger

    if not ledger_path.exists():
        raise UserError(f"找不到台账 {ledger_path}：请给出 .xlsx 工作簿或 CSV 文件夹的路径")
    led = read_ledger(ledger_path, rules)
    if not led.ok:
        progress.stop()
        _report_errors(led)
        raise typer.Exit(1)
    return led


# A systematic mistake (one date format wrong in 100,000 rows) is one problem many times: the
# terminal shows each group of the same severity, sheet, column and reason with its count and
# first rows; problems.csv and `kaohe validate --all` keep every row.
EXAMPLES_PER_GROUP = 5
MAX_GROUPS = 30
# more rows than this print as plain lines even on a terminal (a rich table of them is slow)
MAX_TABLE_ROWS = 1000
_GROUP = ["severity", "sheet", "column", "reason"]
_CELLS = ("级别", "工作表", "行", "列", "值", "问题", "建议")


def select_problems(problems: pl.DataFrame, show_all: bool = False) -> pl.DataFrame:
    """The problem rows to print, in order, with `_total` (rows of the row's group) and `_more`
    (on the last row printed of a group: how many of its rows are left out).

    Unless `show_all`, a group keeps its first EXAMPLES_PER_GROUP rows and only the first
    MAX_GROUPS groups are printed.
    """
    df = problems.with_row_index("_i").with_columns(
        _total=pl.len().over(_GROUP).cast(pl.Int64),
        _k=pl.int_range(pl.len()).over(_GROUP).cast(pl.Int64),
        _group=pl.col("_i").min().over(_GROUP),
    )
    if show_all:
        return df.with_columns(_more=pl.lit(0, pl.Int64))
    keep = pl.min_horizontal(pl.col("_total"), pl.lit(EXAMPLES_PER_GROUP, pl.Int64))
    return (
        df.filter(
            (pl.col("_k") < EXAMPLES_PER_GROUP) & (pl.col("_group").rank("dense") <= MAX_GROUPS)
        )
        .sort("_group", "_i")
        .with_columns(
            _more=pl.when(pl.col("_k") == keep - 1).then(pl.col("_total") - keep).otherwise(0)
        )
    )


def _more_text(more: int, total: int) -> str:
    return f"同一问题还有 {more} 处未列出（共 {total} 处）"


def problems_table(problems: pl.DataFrame, title: str, show_all: bool = False) -> Table:
    table = Table(title=Text(title), show_lines=False, title_justify="left")  # a path: literal
    for col in _CELLS:
        table.add_column(col, overflow="fold")
    for p in select_problems(problems, show_all).iter_rows(named=True):
        # Text(...) keeps user data literal: no rich markup is interpreted.
        table.add_row(
            Text(
                SEVERITY.get(p["severity"], p["severity"]),
                style="red" if p["severity"] == "error" else "yellow",
            ),
            Text(p["sheet"] or ""),
            Text("" if p["row"] is None else str(p["row"])),
            Text(p["column"] or ""),
            Text(p["value"] or ""),
            Text(p["reason"] or ""),
            Text(p["suggestion"] or ""),
        )
        if p["_more"]:
            table.add_row(
                Text("……"),
                Text(p["sheet"] or ""),
                Text("……"),
                Text(p["column"] or ""),
                Text(""),
                Text(_more_text(p["_more"], p["_total"]), style="italic"),
                Text(""),
            )
    return table


def problems_lines(problems: pl.DataFrame, show_all: bool = False) -> list[str]:
    """The problems as plain lines, one a problem, cells separated by tabs (for a file or CI
    log: a value is never cut or wrapped; a tab or line break inside it is written as \\t, \\n)."""
    rows = select_problems(problems, show_all)

    def cell(expr: pl.Expr) -> pl.Expr:
        text = expr.cast(pl.String).fill_null("")
        for char, shown in (("\t", "\\t"), ("\n", "\\n"), ("\r", "\\r")):
            text = text.str.replace_all(char, shown, literal=True)
        return text

    sev = pl.col("severity").replace_strict(SEVERITY, default=pl.col("severity"))
    cells = [sev, *(pl.col(c) for c in ("sheet", "row", "column", "value", "reason", "suggestion"))]
    lines = rows.select(
        line=pl.concat_str([cell(c) for c in cells], separator="\t"),
        more=pl.when(pl.col("_more") > 0).then(
            pl.concat_str(
                [
                    pl.lit("……"),
                    cell(pl.col("sheet")),
                    pl.lit("……"),
                    cell(pl.col("column")),
                    pl.lit(""),
                    pl.format(
                        "同一问题还有 {} 处未列出（共 {} 处）", pl.col("_more"), pl.col("_total")
                    ),
                    pl.lit(""),
                ],
                separator="\t",
            )
        ),
    )
    out = ["\t".join(_CELLS)]
    for line, more in lines.iter_rows():
        out.append(line)
        if more is not None:
            out.append(more)
    return out


def print_problems(
    console: Console, problems: pl.DataFrame, title: str, show_all: bool = False
) -> int:
    """Print problems under `title`: a table on a terminal, plain lines otherwise. Returns the
    number of rows left out (0 with `show_all`)."""
    shown = select_problems(problems, show_all)
    left_out = problems.height - shown.height
    if console.is_terminal and shown.height <= MAX_TABLE_ROWS:
        console.print(problems_table(problems, title, show_all))
    else:
        console.print(Text(title), soft_wrap=True)
        console.file.write("\n".join(problems_lines(problems, show_all)) + "\n")
        console.file.flush()
    return left_out


def _shell_word(text: str) -> str:
    """A path as typed in a shell: quoted only if it must be (a Chinese name needs no quotes)."""
    return shlex.quote(text) if re.search(r"[\s'\"\\$`!*?&;|<>()\[\]{}#~]", text) else text


def _report_errors(ledger: Ledger, problems_csv: Path | None = None) -> None:
    errors = ledger.errors
    left_out = print_problems(
        err_console, errors, f"台账 {ledger.source} 有 {errors.height} 处错误，未计分："
    )
    if left_out:
        where = f"全部问题见 {problems_csv}，也可" if problems_csv is not None else ""
        err_console.print(
            Text(
                f"同一问题只列出前 {EXAMPLES_PER_GROUP} 处，另有 {left_out} 处未列出；{where}"
                f"用 kaohe validate {_shell_word(str(ledger.source))} --all 逐一列出。"
            )
        )
    err_console.print(
        Text("请按“建议”一列改正台账后重新运行；可用 kaohe validate 查看全部问题（含警告）。")
    )


@app.command()
def score(
    ledger: Annotated[Path, typer.Argument(help="台账：.xlsx 工作簿或 CSV 文件夹")],
    out: Annotated[Path, typer.Option("--out", help="输出文件夹")],
    rules: Annotated[
        Path | None,
        typer.Option("--rules", help="规则文件，默认按台账日期从 params/ 中选用该年度的规则文件"),
    ] = None,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="截至日期 YYYY-MM-DD（年度累计视图）")
    ] = None,
) -> None:
    """计分：写出 unit_scores.csv、score_lines.csv、people.csv、problems.csv 等，同样内容的 计分结果.xlsx（中文表头）及 manifest.json。"""
    from kaohe.engine import score as run_score
    from kaohe.outdir import OutputError, display_path, output_folder, publish
    from kaohe.outputs import SCORE_FILES, failed_manifest, manifest, write_failed, write_scores

    day = _parse_date(as_of)
    rp = _rules_path(rules, ledger)
    rules_source = str(rules) if rules is not None else f"{_shown(rp)}（按台账日期选用）"
    # The folder always holds one whole run: the scores, or (a ledger with errors) only this
    # ledger's problems.csv; anything else (interrupted, bad rules, disk full) leaves it as it was.
    failed: Ledger | LedgerError | None = None
    try:
        with (
            publish(out, output_folder(SCORE_FILES), inputs=[ledger, rp]) as stage,
            _progress() as progress,
        ):
            t = progress.add_task("读取台账…", total=None)
            try:
                led, rl, rp = _load(ledger, rp)
                if not led.ok:
                    failed = led
            except LedgerError as err:
                failed = err
            if failed is not None:
                fingerprint = failed.fingerprint if isinstance(failed, Ledger) else None
                n_err = failed.problems.filter(pl.col("severity") == "error").height
                meta = failed_manifest(
                    n_err, str(ledger), fingerprint, rules_source, rules_fingerprint(rp), day
                )
                with stage.writing():
                    write_failed(failed.problems, stage.path, meta)
            else:
                progress.update(t, description="计分…")
                try:
                    scores = run_score(led, rl, as_of=day)
                except ValueError as err:
                    raise UserError(str(err)) from None
                progress.update(t, description="写出结果…")
                meta = manifest(
                    scores,
                    ledger_source=str(ledger),
                    ledger_sha256=led.fingerprint,
                    rules_source=rules_source,
                    rules_sha256=rules_fingerprint(rp),
                    rules_title=rl.meta.title,
                )
                with stage.writing():
                    write_scores(scores, stage.path, meta, rl)
    except OutputError as err:
        raise UserError(str(err), code=1) from None
    if isinstance(failed, LedgerError):
        raise failed
    if failed is not None:
        _report_errors(failed)
        err_console.print(Text(f"{display_path(out)}/ 中现在只有本次的 problems.csv（未计分）。"))
        raise typer.Exit(1)
    us = scores.unit_scores
    warn_n = scores.problems.filter(pl.col("severity") == "warning").height
    view = "全年" if scores.annual else f"截至 {scores.end}"
    out_console.print(
        Text(
            f"已计分（{view}）：{us.height} 个单位，{scores.score_lines.height} 条计分明细，"
            f"{warn_n} 条警告。结果写入 {display_path(out)}/"
        )
    )


@app.command()
def validate(
    ledger: Annotated[Path, typer.Argument(help="台账：.xlsx 工作簿或 CSV 文件夹")],
    rules: Annotated[Path | None, typer.Option("--rules", help="规则文件")] = None,
    show_all: Annotated[
        bool,
        typer.Option(
            "--all",
            help=f"逐一列出全部问题（默认同一工作表、列的同一问题只列前 {EXAMPLES_PER_GROUP} 处）",
        ),
    ] = False,
) -> None:
    """核对台账：列出错误和警告（同一问题多处时列出处数和前几处）；有错误时退出码为 1。"""
    with _progress() as progress:
        progress.add_task("读取台账…", total=None)
        led, rl, _ = _load(ledger, rules)
        problems = led.problems
        if led.ok:  # and scoring's warnings (an adoption that no clause scores)
            from kaohe.engine import score as run_score

            problems = run_score(led, rl).problems
    if problems.height == 0:
        out_console.print(Text(f"台账 {ledger} 没有发现问题。"))
        return
    n_err = led.errors.height
    n_warn = problems.height - n_err
    left_out = print_problems(
        out_console, problems, f"台账 {ledger}：{n_err} 处错误，{n_warn} 条警告", show_all
    )
    if left_out:
        out_console.print(
            Text(
                f"同一问题只列出前 {EXAMPLES_PER_GROUP} 处，另有 {left_out} 处未列出；"
                f"加 --all 逐一列出全部 {problems.height} 处。"
            )
        )
    if n_err:
        raise typer.Exit(1)


@app.command()
def explain(
    unit: Annotated[str, typer.Argument(help="单位名称（可用简称）")],
    ledger: Annotated[Path, typer.Argument(help="台账，默认 data/raw/2022")] = DEFAULT_LEDGER,
    rules: Annotated[Path | None, typer.Option("--rules", help="规则文件")] = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="截至日期 YYYY-MM-DD")] = None,
) -> None:
    """解释一个单位的得分：按条款分组列出计分明细及小计、基本任务完成情况。"""
    from kaohe.ledger.names import UnknownName, resolve_unit
    from kaohe.present.explain import explain_unit

    day = _parse_date(as_of)
    led, rl, _ = _load(ledger, rules)
    try:
        name = resolve_unit(unit, rl)
    except UnknownName as err:
        raise UserError(err.sentence) from None
    if not led.ok:
        _report_errors(led)
        raise typer.Exit(1)
    from kaohe.engine import score as run_score

    scores = run_score(led, rl, as_of=day)
    for renderable in explain_unit(scores, name, led):
        out_console.print(renderable)


@app.command()
def sample(
    out: Annotated[
        Path, typer.Option("--out", help="输出：以 .xlsx 结尾写工作簿，否则写 CSV 文件夹")
    ],
    seed: Annotated[
        int | None, typer.Option("--seed", help="随机种子，默认为考核年度（如 2022）")
    ] = None,
    rules: Annotated[Path | None, typer.Option("--rules", help="规则文件")] = None,
    force: Annotated[
        bool, typer.Option("--force", help="--out 已存在时整体替换它（默认拒绝覆盖）")
    ] = False,
    year: Annotated[
        int, typer.Option("--year", help="考核年度：使用 params/<年度>.yaml（给出 --rules 时不用）")
    ] = 2022,
) -> None:
    """生成一年的模拟台账（台账格式），用于演示和测试。不会覆盖已有的文件或文件夹（除非加 --force）。"""
    from kaohe.outdir import OutputError, display_path
    from kaohe.sample import generate_sample, sample_format, sample_output, write_sample

    try:
        fmt = sample_format(out)
    except ValueError as err:
        raise UserError(str(err)) from None
    from kaohe.rules.choose import for_year

    rl = load_rules(rules if rules is not None else for_year(year))
    if seed is None:
        seed = rl.meta.year
    try:
        with sample_output(out, force) as stage, _progress() as progress:
            progress.add_task("生成模拟台账…", total=None)
            sheets = generate_sample(rl, seed)
            with stage.writing():
                write_sample(sheets, stage.path, fmt)
    except OutputError as err:
        raise UserError(str(err), code=1) from None
    n = sheets["报送"].height
    out_console.print(Text(f"已生成模拟台账（种子 {seed}，{n} 条信息）：{display_path(out)}"))


@app.command()
def template(
    out: Annotated[Path, typer.Option("--out", help="输出的台账模板，以 .xlsx 结尾")],
    rules: Annotated[
        Path | None, typer.Option("--rules", help="规则文件（下拉列表和名称表取自其中）")
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="--out 已存在时替换它（默认拒绝覆盖）")
    ] = False,
    year: Annotated[
        int | None,
        typer.Option("--year", help="考核年度：使用 params/<年度>.yaml，默认 2022"),
    ] = None,
) -> None:
    """生成空白台账模板：六张工作表的列名、格式和下拉列表，附填表说明和名称表。不会覆盖已有的文件（除非加 --force）。"""
    from kaohe.ledger.template import save_template, template_refusal
    from kaohe.outdir import OutputError, display_path

    refusal = template_refusal(out)
    if refusal:
        raise UserError(refusal)
    rl = load_rules(_rules_path(rules, year=year))
    try:
        save_template(rl, out, force)
    except OutputError as err:
        raise UserError(str(err), code=1) from None
    out_console.print(Text(f"已生成台账模板（{rl.meta.title}）：{display_path(out)}"))


@app.command("new-year")
def new_year(
    year: Annotated[int, typer.Argument(help="新的考核年度，如 2023")],
    base: Annotated[
        Path | None,
        typer.Option("--from", help="基准规则文件，默认 params/ 中此前最近年度的规则文件"),
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="写出的规则文件，默认 params/<年度>.yaml")
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="--out 已存在时替换它（默认拒绝覆盖）")
    ] = False,
) -> None:
    """开始新的一年：写出 params/<年度>.yaml（写在上一年度规则文件之上，考核周期顺延一年），并列出需要修改的条款。"""
    from kaohe.rules.newyear import NewYearError, what_to_edit, write_new_year

    try:
        made = write_new_year(year, base, out, force)
    except NewYearError as err:
        raise UserError(str(err), code=1) from None
    for line in what_to_edit(made):
        out_console.print(Text(line), soft_wrap=True)


@app.command()
def names(
    rules: Annotated[Path | None, typer.Option("--rules", help="规则文件")] = None,
    as_csv: Annotated[
        bool, typer.Option("--csv", help="以 CSV（UTF-8，逗号分隔）写到标准输出")
    ] = False,
    year: Annotated[
        int | None,
        typer.Option("--year", help="考核年度：使用 params/<年度>.yaml，默认 2022"),
    ] = None,
) -> None:
    """列出台账可用的名称及其别名：单位（类别、基本任务分）、录用单位、刊物（分值、录用方式）、好信息评选、约稿下达方等。"""
    from kaohe.ledger.template import names_table

    table = names_table(load_rules(_rules_path(rules, year=year)))
    if as_csv:
        sys.stdout.write(table.write_csv(line_terminator="\n"))
        return
    if not out_console.is_terminal:  # plain lines, one a name, cells separated by tabs
        rows = table.fill_null("").iter_rows()
        lines = ["\t".join(table.columns), *("\t".join(row) for row in rows)]
        out_console.file.write("\n".join(lines) + "\n")
        return
    for (category,), part in table.group_by("类别", maintain_order=True):
        shown = [c for c in part.columns[1:] if part[c].is_not_null().any()]
        grid = Table(title=Text(f"{category}（{part.height} 个）"), title_justify="left")
        for c in shown:
            grid.add_column(c, overflow="fold")
        for row in part.select(shown).fill_null("").iter_rows():
            grid.add_row(*(Text(v) for v in row))
        out_console.print(grid)


@app.command()
def report(
    quarter: Annotated[
        str | None, typer.Option("--quarter", help="季度通报：季度，如 2022Q3")
    ] = None,
    year: Annotated[int | None, typer.Option("--year", help="年度考核报告：年度，如 2022")] = None,
    all_reports: Annotated[
        bool, typer.Option("--all", help="四个季度的通报和年度报告（年度默认取规则文件）")
    ] = False,
    ledger: Annotated[
        Path, typer.Option("--ledger", help="台账，默认 data/raw/<年度>（data/raw/2022）")
    ] = DEFAULT_LEDGER,
    rules: Annotated[
        Path | None,
        typer.Option("--rules", help="规则文件，默认 params/<年度>.yaml，或按台账日期选用"),
    ] = None,
    out: Annotated[Path, typer.Option("--out", help="输出文件夹，报告写入 <out>/<年度>/")] = Path(
        "reports"
    ),
    trend: Annotated[
        str | None,
        typer.Option(
            "--trend", help="年度对比：前一年度-后一年度，如 2022-2023，写入 <out>/2022-2023/"
        ),
    ] = None,
    ledger_a: Annotated[
        Path | None, typer.Option("--ledger-a", help="年度对比：前一年度台账，默认 data/raw/<年度>")
    ] = None,
    rules_a: Annotated[
        Path | None,
        typer.Option("--rules-a", help="年度对比：前一年度规则文件，默认 params/<年度>.yaml"),
    ] = None,
    ledger_b: Annotated[
        Path | None, typer.Option("--ledger-b", help="年度对比：后一年度台账，默认 data/raw/<年度>")
    ] = None,
    rules_b: Annotated[
        Path | None,
        typer.Option("--rules-b", help="年度对比：后一年度规则文件，默认 params/<年度>.yaml"),
    ] = None,
    pdf: Annotated[
        bool, typer.Option("--pdf", help="另将 Word 公文转换为 A4 的 PDF（需要 LibreOffice）")
    ] = False,
) -> None:
    """生成离线 HTML 报告（papermill 执行笔记本，nbconvert 导出，不含代码）、Excel 表格和 Word 公文。"""
    if trend is not None:
        if pdf:
            raise UserError("--pdf 只用于季度通报和年度报告，不能与 --trend 同时给出")
        if all_reports or quarter is not None or year is not None:
            raise UserError("--trend 单独使用，不能与 --quarter、--year、--all 同时给出")
        _report_trend(trend, out, ledger_a, rules_a, ledger_b, rules_b)
        return
    if any(p is not None for p in (ledger_a, rules_a, ledger_b, rules_b)):
        raise UserError("--ledger-a、--rules-a、--ledger-b、--rules-b 只用于 --trend（年度对比）")
    from kaohe.outdir import OutputError
    from kaohe.publish import ReportError, plan, plan_all, render
    from kaohe.rules.periods import ReportDataError

    if all_reports and quarter is not None:
        raise UserError("--all 已包含四个季度，不能再给 --quarter")
    if not all_reports and (quarter is None) == (year is None):
        raise UserError(
            "请给出 --quarter（季度通报，如 2022Q3）或 --year（年度报告，如 2022）之一，"
            "或用 --all 生成全部"
        )
    # the year asked for picks the rules file (and, by default, the ledger data/raw/<year>)
    asked = year if year is not None else _year_of(quarter)
    if asked is not None and ledger == DEFAULT_LEDGER and (Path("data/raw") / str(asked)).exists():
        ledger = Path("data/raw") / str(asked)
    rules = _rules_path(rules, ledger, asked)
    try:
        if all_reports:
            specs = plan_all(rules, year)
        elif quarter is not None:
            specs = [plan("quarter", rules, None, quarter)]
        else:
            specs = [plan("year", rules, year)]
    except ReportDataError as err:
        raise UserError(str(err)) from None
    if pdf:
        from kaohe.present.document import DocumentError, require_soffice

        try:
            require_soffice()
        except DocumentError as err:
            raise UserError(str(err), code=1) from None
    show_bar = err_console.is_terminal
    for spec in specs:
        err_console.print(Text(f"{spec.title}：执行笔记本 {spec.notebook.name}…"), soft_wrap=True)
        try:
            files = render(
                spec,
                ledger,
                rules,
                out,
                progress=show_bar,
                status=lambda m: err_console.print(Text(f"  {m}"), soft_wrap=True),
                pdf=pdf,
            )
        except (ReportError, OutputError) as err:  # OutputError: the folder cannot be written
            err_console.print(Text(f"错误：{err}"), soft_wrap=True)
            raise typer.Exit(1) from None
        out_console.print(
            Text(
                f"已生成 {files.html}（{files.size / 1e6:.1f} MB，{files.seconds:.1f} 秒）；"
                f"执行后的笔记本 {files.notebook.name}"
                + (f"，Excel 表格 {files.xlsx.name}" if files.xlsx else "")
                + (f"，Word 公文 {files.docx.name}" if files.docx else "")
                + (f"，PDF {files.pdf.name}" if files.pdf else "")
            ),
            soft_wrap=True,
        )


def _report_trend(
    years: str,
    out: Path,
    ledger_a: Path | None,
    rules_a: Path | None,
    ledger_b: Path | None,
    rules_b: Path | None,
) -> None:
    """`kaohe report --trend 2022-2023`: the year-on-year page (kaohe.present.trend)."""
    from kaohe.outdir import OutputError
    from kaohe.present import trend
    from kaohe.publish import ReportError, publish_page
    from kaohe.rules.periods import ReportDataError

    try:
        page = trend.page(years, out, ledger_a, rules_a, ledger_b, rules_b)
    except ReportDataError as err:
        raise UserError(str(err)) from None
    err_console.print(Text(f"{page.title}：执行笔记本 trend.ipynb…"), soft_wrap=True)
    try:
        files = publish_page(
            page,
            err_console.is_terminal,
            lambda m: err_console.print(Text(f"  {m}"), soft_wrap=True),
        )
    except (ReportError, OutputError) as err:
        err_console.print(Text(f"错误：{err}"), soft_wrap=True)
        raise typer.Exit(1) from None
    out_console.print(
        Text(
            f"已生成 {files.html}（{files.size / 1e6:.1f} MB，{files.seconds:.1f} 秒）"
            + (f"；执行后的笔记本 {files.notebook.name}" if files.notebook else "")
            + (f"，Excel 表格 {files.xlsx.name}" if files.xlsx else "")
        ),
        soft_wrap=True,
    )


@app.command()
def explore(
    unit: Annotated[str | None, typer.Option("--unit", help="默认显示的单位（可用简称）")] = None,
    person: Annotated[str | None, typer.Option("--person", help="默认显示的人员")] = None,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="截至日期 YYYY-MM-DD，默认全年")
    ] = None,
    ledger: Annotated[
        Path, typer.Option("--ledger", help="台账，默认 data/raw/2022")
    ] = DEFAULT_LEDGER,
    rules: Annotated[Path | None, typer.Option("--rules", help="规则文件")] = None,
    out: Annotated[Path, typer.Option("--out", help="输出文件夹，写入 <out>/<年度>/")] = Path(
        "reports"
    ),
) -> None:
    """生成信息工作查询页（可切换单位、人员的图表和可搜索表格；离线 HTML，不含代码）。"""
    from kaohe.ledger.names import UnknownName
    from kaohe.outdir import OutputError
    from kaohe.present.explore import render_html
    from kaohe.publish import ReportError
    from kaohe.rules.periods import ReportDataError

    if rules is None:  # the notebook's own default is params/2022.yaml
        chosen = _rules_path(None, ledger)
        rules = None if chosen == DEFAULT_RULES else chosen
    try:
        files = render_html(
            out, ledger, rules, unit, person, as_of, progress=err_console.is_terminal
        )
    except UnknownName as err:  # --unit: as `kaohe explain`
        raise UserError(err.sentence) from None
    except (ReportError, ReportDataError) as err:
        err_console.print(Text(str(err)))
        raise typer.Exit(1) from None
    except OutputError as err:  # the folder cannot be written, or another run holds it
        err_console.print(Text(f"错误：{err}"), soft_wrap=True)
        raise typer.Exit(1) from None
    out_console.print(
        Text(f"已生成 {files.html}（{files.size / 1e6:.1f} MB，{files.seconds:.1f} 秒）")
    )


@app.command()
def kernel(
    prefix: Annotated[
        Path | None,
        typer.Option("--prefix", help="环境目录，默认当前 Python 环境（.venv）"),
    ] = None,
) -> None:
    """为 JupyterLab 安装项目内核“kaohe（项目环境）”（make lab 使用；笔记本按此名称选择内核）。"""
    from kaohe.kernel import KERNEL_DISPLAY_NAME, install_kernel

    try:
        path = install_kernel(prefix)
    except OSError as err:  # the messages of output folders, about the option --prefix
        from kaohe.outdir import _cannot_write

        message = _cannot_write(prefix or Path(sys.prefix), err)
        raise UserError(message.replace("--out", "--prefix"), code=1) from None
    out_console.print(Text(f"已安装内核 {KERNEL_DISPLAY_NAME}（{sys.executable}）：{path}"))


@app.command()
def simulate(
    scenario: Annotated[Path, typer.Argument(help="情景文件（params/scenarios/*.yaml）")],
    ledger: Annotated[Path, typer.Option("--ledger", help="台账")] = DEFAULT_LEDGER,
    year: Annotated[int | None, typer.Option("--year", help="考核年度（核对用）")] = None,
    out: Annotated[Path | None, typer.Option("--out", help="输出文件夹")] = None,
    html: Annotated[bool, typer.Option("--html/--no-html", help="是否生成 HTML 报告")] = True,
) -> None:
    """规则模拟：同一台账分别按基准规则和情景规则计分，比较谁得谁失。"""
    import os

    from kaohe import __version__
    from kaohe.outdir import OutputError, display_path, output_folder, publish
    from kaohe.outputs import file_sha256, write_csv
    from kaohe.publish import FAILED
    from kaohe.whatif.scenario import load_scenario, scenario_rules
    from kaohe.whatif.simulate import compare, comparison_csv_table

    sc = load_scenario(scenario)
    baseline, changed = scenario_rules(sc)
    if year is not None and year != baseline.meta.year:
        raise UserError(f"情景的基准规则是 {baseline.meta.year} 年度的，与 --year {year} 不符")
    out_dir = out or Path("reports") / str(baseline.meta.year) / "模拟" / scenario.stem
    stem = f"模拟-{scenario.stem}"
    csvs = ("comparison.csv", "by_clause.csv", "lines_changed.csv", "prizes.csv")
    known = {*csvs, "manifest.json", f"{stem}.html", f"{stem}.ipynb", f"{stem}{FAILED}"}
    page: Path | None = None
    try:
        with publish(out_dir, output_folder(known), inputs=[ledger, scenario, sc.base]) as stage:
            with _progress() as progress:
                t = progress.add_task("读取台账…", total=None)
                led = _read_checked(ledger, baseline, progress)
                progress.update(t, description="按基准规则和情景规则计分…")
                c = compare(led, baseline, changed)
                tables = (comparison_csv_table(c), c.by_clause, c.lines_changed, c.prizes)
                with stage.writing():
                    for name, table in zip(csvs, tables, strict=True):
                        write_csv(table, stage.path / name)
                if html:
                    from kaohe.publish import ReportError
                    from kaohe.whatif.report import render_simulation

                    progress.update(t, description="生成模拟报告…")
                    try:
                        with stage.writing():
                            # a failed notebook is kept for diagnosis in the output folder,
                            # beside the previous run (which it does not change)
                            stage.real.mkdir(parents=True, exist_ok=True)
                            made = render_simulation(scenario, ledger, stage.path, stage.real)
                            page = stage.final(made)
                    except ReportError as err:
                        raise UserError(str(err), code=1) from None
            stage.write_manifest(
                {
                    "kaohe_version": __version__,
                    "command": "simulate",
                    "status": "ok",
                    "message": f"规则模拟：{sc.name}",
                    "ledger": {"source": str(ledger), "sha256": led.fingerprint},
                    "scenario": {
                        "source": str(scenario),
                        "sha256": file_sha256(scenario),
                        "name": sc.name,
                    },
                    "rules": {
                        "source": os.path.relpath(sc.base)
                        if sc.base.is_relative_to(Path.cwd().resolve())
                        else str(sc.base),
                        "sha256": file_sha256(sc.base),
                        "title": baseline.meta.title,
                    },
                    "files": {},
                }
            )
    except OutputError as err:
        raise UserError(str(err), code=1) from None
    u = c.units
    gain = u.filter(pl.col("delta") > 0).height
    lose = u.filter(pl.col("delta") < 0).height
    crossed = u.filter(pl.col("base_line") != "").height
    out_console.print(
        Text(
            f"情景“{sc.name}”：{gain} 个单位得分增加，{lose} 个减少，{crossed} 个越过基本任务分线；"
            f"排名变化 {u.filter(pl.col('rank_change') != 0).height} 个。"
            f"结果写入 {display_path(out_dir)}/"
        )
    )
    if page is not None:
        out_console.print(Text(f"模拟报告：{display_path(page)}"))


@app.command()
def sweep(
    path: Annotated[
        str, typer.Argument(help="规则路径，如 department.unadopted.cap_share_of_base")
    ],
    values: Annotated[str, typer.Option("--values", help="取值：起点:终点:步长，或逗号分隔的列表")],
    ledger: Annotated[Path, typer.Option("--ledger", help="台账")] = DEFAULT_LEDGER,
    rules: Annotated[Path | None, typer.Option("--rules", help="规则文件")] = None,
    out: Annotated[Path | None, typer.Option("--out", help="输出文件夹")] = None,
) -> None:
    """参数扫描：一条规则取一组值，看各单位总分和排名如何变化（所有取值一次算完）。"""
    from kaohe import __version__
    from kaohe.outdir import OutputError, display_path, output_folder, publish
    from kaohe.outputs import write_csv
    from kaohe.present.views import Context
    from kaohe.publish import FAILED, ReportError
    from kaohe.rules.models import read_rules_mapping, rules_from_mapping
    from kaohe.whatif.report import SWEEP_STEM, sweep_html
    from kaohe.whatif.sweep import parse_values
    from kaohe.whatif.sweep import sweep as run_sweep

    rp = _rules_path(rules, ledger)
    mapping = read_rules_mapping(rp)
    base_rules = rules_from_mapping(mapping, str(rp))
    vals = parse_values(values)
    out_dir = out or Path("reports") / str(base_rules.meta.year) / "扫描"
    known = {"sweep.csv", f"{SWEEP_STEM}.html", f"{SWEEP_STEM}{FAILED}", "manifest.json"}
    rules_source = str(rules) if rules is not None else f"{_shown(rp)}（按台账日期选用）"
    try:
        with publish(out_dir, output_folder(known), inputs=[ledger, rp]) as stage:
            with _progress() as progress:
                t = progress.add_task("读取台账…", total=None)
                led = _read_checked(ledger, base_rules, progress)
                progress.update(t, description=f"扫描 {len(vals)} 个取值…")
                table, method = run_sweep(led, mapping, path, vals, source=str(rp))
                inputs = {
                    "ledger": str(ledger),
                    "ledger_sha256": led.fingerprint,
                    "rules": rules_source,
                    "rules_sha256": rules_fingerprint(rp),
                }
                with stage.writing():
                    write_csv(table, stage.path / "sweep.csv")
                    try:
                        stage.real.mkdir(parents=True, exist_ok=True)  # for a failed page
                        ctx = Context(base_rules, led, str(ledger), str(rp), inputs["rules_sha256"])
                        sweep_html(table, path, stage.path, ctx, method, stage.real)
                    except ReportError as err:
                        raise UserError(str(err), code=1) from None
            stage.write_manifest(
                {
                    "kaohe_version": __version__,
                    "command": "sweep",
                    "status": "ok",
                    "message": f"参数扫描：{path}",
                    "ledger": {"source": str(ledger), "sha256": led.fingerprint},
                    "rules": {
                        "source": rules_source,
                        "sha256": inputs["rules_sha256"],
                        "title": base_rules.meta.title,
                    },
                    "parameter": path,
                    "values": [str(v) for v in vals],
                    "method": method,
                    "files": {},
                }
            )
    except OutputError as err:
        raise UserError(str(err), code=1) from None
    how = "一次向量化计算" if method == "vectorised" else "逐值完整计分（此参数不能向量化）"
    shown = display_path(out_dir)
    out_console.print(
        Text(
            f"已扫描 {path} 的 {len(vals)} 个取值（{how}）。"
            f"结果：{shown}/sweep.csv，图表：{shown}/sweep.html"
        )
    )


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where the program is, like Ctrl+C: output being written is cleaned up."""


def _on_sigterm(signum: int, frame: object) -> None:
    raise Terminated()


def _interrupted(err: BaseException) -> NoReturn:
    # a second Ctrl+C (or SIGTERM) while saying so would end in a traceback; one Ctrl+C can
    # also arrive twice (polars reports it from a query it cancels, and Python's own handler
    # again, at the next line): until the signals are ignored, a repeat is the same one
    while True:
        try:
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
            break
        except KeyboardInterrupt:
            continue
    cause = err if isinstance(err, KeyboardInterrupt) else err.__cause__
    _handled_keyboard_interrupt()
    if isinstance(cause, Terminated):
        err_console.print(Text("已中止：收到终止信号（SIGTERM）。"))
        sys.exit(128 + signal.SIGTERM)
    err_console.print(Text("已中止（Ctrl+C）。"))
    sys.exit(130)


def _handled_keyboard_interrupt() -> None:
    """Tell the interpreter that the KeyboardInterrupt was handled.

    A KeyboardInterrupt that leaves code run by eval()/exec() of a string marks it, for
    CPython (3.11, 3.12), as unhandled even when caught later, and the interpreter then ends
    itself with SIGINT at exit whatever exit status was asked for: a Ctrl+C at start-up, while
    typer evaluates the command's annotations, ended as -SIGINT instead of 130. Each eval()
    of a string clears that mark when it starts, so an eval that raises nothing clears it.
    """
    eval("None")  # a constant, never user input: run for the side effect above


def _usage_error(err: cli_text.UsageError) -> NoReturn:
    if not isinstance(err, cli_text.NoArgsIsHelpError):  # that one has shown the help
        message = cli_text.usage_message(err)
        end = "" if message.endswith(("。", "？")) else "。"
        err_console.print(Text(f"命令用法有误：{message}{end}"))
        for line in cli_text.usage_lines(err):
            err_console.print(Text(line))
    sys.exit(err.exit_code)


def main() -> None:
    signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        code = app(standalone_mode=False, prog_name="kaohe")  # also under python -m kaohe
        sys.exit(code if isinstance(code, int) else 0)
    except UserError as err:
        err_console.print(Text(f"错误：{err}"))
        sys.exit(err.code)
    except RulesError as err:  # the rules or scenario file (ScenarioError is a RulesError)
        err_console.print(Text(str(err)))
        sys.exit(1)
    except LedgerError as err:
        print_problems(err_console, err.problems, str(err))
        sys.exit(1)
    except OutputError as err:  # an output folder that cannot be written (safety net)
        err_console.print(Text(f"错误：{err}"))
        sys.exit(1)
    except typer.Exit as e:
        sys.exit(e.exit_code)
    except (KeyboardInterrupt, typer.Abort) as err:
        _interrupted(err)
    except cli_text.UsageError as err:  # the command line itself: missing or bad arguments
        _usage_error(err)
    except Exception as err:  # the unexpected: no traceback
        err_console.print(
            Text(f"内部错误：{type(err).__name__}: {err}。请把此信息和所用台账报告给维护者。")
        )
        sys.exit(3)
