"""The command line: `kaohe score | validate | explain | sample` (also `python -m kaohe`).

Messages to the user are Chinese; errors never show a Python traceback.
"""

from __future__ import annotations

import sys
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Annotated

import polars as pl
import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from kaohe.model import Ledger, LedgerError
from kaohe.rules import DEFAULT_RULES, Rules, RulesError, load_rules, rules_fingerprint

app = typer.Typer(
    help="党委、政务信息工作考核：计分、核对与解释。",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
out_console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)

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


def _load(ledger_path: Path, rules_path: Path | None) -> tuple[Ledger, Rules, Path]:
    from kaohe.ledger import read_ledger

    rp = rules_path or DEFAULT_RULES
    rules = load_rules(rp)
    if not ledger_path.exists():
        raise UserError(f"找不到台账 {ledger_path}：请给出 .xlsx 工作簿或 CSV 文件夹的路径")
    ledger = read_ledger(ledger_path, rules)
    return ledger, rules, rp


def _read_checked(ledger_path: Path, rules: Rules, progress: Progress) -> Ledger:
    """Read a ledger for scoring; a missing path or a ledger with errors ends the command."""
    from kaohe.ledger import read_ledger

    if not ledger_path.exists():
        raise UserError(f"找不到台账 {ledger_path}：请给出 .xlsx 工作簿或 CSV 文件夹的路径")
    led = read_ledger(ledger_path, rules)
    if not led.ok:
        progress.stop()
        _report_errors(led)
        raise typer.Exit(1)
    return led


def problems_table(problems: pl.DataFrame, title: str) -> Table:
    table = Table(title=title, show_lines=False, title_justify="left")
    for col in ("级别", "工作表", "行", "列", "值", "问题", "建议"):
        table.add_column(col, overflow="fold")
    for p in problems.iter_rows(named=True):
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
    return table


def _report_errors(ledger: Ledger) -> None:
    errors = ledger.errors
    err_console.print(
        problems_table(errors, f"台账 {ledger.source} 有 {errors.height} 处错误，未计分：")
    )
    err_console.print(
        Text("请按“建议”一列改正台账后重新运行；可用 kaohe validate 查看全部问题（含警告）。")
    )


@app.command()
def score(
    ledger: Annotated[Path, typer.Argument(help="台账：.xlsx 工作簿或 CSV 文件夹")],
    out: Annotated[Path, typer.Option("--out", help="输出文件夹")],
    rules: Annotated[
        Path | None, typer.Option("--rules", help="规则文件，默认 params/2022.yaml")
    ] = None,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="截至日期 YYYY-MM-DD（年度累计视图）")
    ] = None,
) -> None:
    """计分：写出 unit_scores.csv、score_lines.csv、people.csv、problems.csv 等及 manifest.json。"""
    from kaohe.outputs import manifest, write_scores
    from kaohe.scoring import score as run_score

    day = _parse_date(as_of)
    with _progress() as progress:
        t = progress.add_task("读取台账…", total=None)
        led, rl, rp = _load(ledger, rules)
        if not led.ok:
            progress.stop()
            out.mkdir(parents=True, exist_ok=True)
            from kaohe.outputs import write_csv

            write_csv(led.problems, out / "problems.csv")
            _report_errors(led)
            raise typer.Exit(1)
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
            rules_source=str(rules) if rules is not None else "params/2022.yaml（默认）",
            rules_sha256=rules_fingerprint(rp),
            rules_title=rl.meta.title,
        )
        write_scores(scores, out, meta)
    us = scores.unit_scores
    warn_n = scores.problems.filter(pl.col("severity") == "warning").height
    view = "全年" if scores.annual else f"截至 {scores.end}"
    out_console.print(
        Text(
            f"已计分（{view}）：{us.height} 个单位，{scores.score_lines.height} 条计分明细，"
            f"{warn_n} 条警告。结果写入 {out}/"
        )
    )


@app.command()
def validate(
    ledger: Annotated[Path, typer.Argument(help="台账：.xlsx 工作簿或 CSV 文件夹")],
    rules: Annotated[Path | None, typer.Option("--rules", help="规则文件")] = None,
) -> None:
    """核对台账：列出全部错误和警告；有错误时退出码为 1。"""
    with _progress() as progress:
        progress.add_task("读取台账…", total=None)
        led, _, _ = _load(ledger, rules)
    if led.problems.height == 0:
        out_console.print(Text(f"台账 {ledger} 没有发现问题。"))
        return
    n_err = led.errors.height
    n_warn = led.problems.height - n_err
    out_console.print(
        problems_table(led.problems, f"台账 {ledger}：{n_err} 处错误，{n_warn} 条警告")
    )
    if n_err:
        raise typer.Exit(1)


def resolve_unit(name: str, rules: Rules) -> str:
    import difflib

    from kaohe.rules import _norm

    lookup: dict[str, str] = {}
    for u in rules.units.roster:
        for n in (u.name, *u.aliases):
            lookup[_norm(n)] = u.name
    key = _norm(name)
    if key in lookup:
        return lookup[key]
    near = difflib.get_close_matches(key, list(lookup), n=1, cutoff=0.0)
    hint = f"，最接近的是“{lookup[near[0]]}”" if near else ""
    raise UserError(f"没有名为“{name}”的单位{hint}。")


@app.command()
def explain(
    unit: Annotated[str, typer.Argument(help="单位名称（可用简称）")],
    ledger: Annotated[Path, typer.Argument(help="台账，默认 data/raw/2022")] = DEFAULT_LEDGER,
    rules: Annotated[Path | None, typer.Option("--rules", help="规则文件")] = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="截至日期 YYYY-MM-DD")] = None,
) -> None:
    """解释一个单位的得分：按条款分组列出计分明细及小计、基本任务完成情况。"""
    from kaohe.explain import explain_unit

    day = _parse_date(as_of)
    led, rl, _ = _load(ledger, rules)
    name = resolve_unit(unit, rl)
    if not led.ok:
        _report_errors(led)
        raise typer.Exit(1)
    from kaohe.scoring import score as run_score

    scores = run_score(led, rl, as_of=day)
    for renderable in explain_unit(scores, name, led):
        out_console.print(renderable)


@app.command()
def sample(
    out: Annotated[
        Path, typer.Option("--out", help="输出：以 .xlsx 结尾写工作簿，否则写 CSV 文件夹")
    ],
    seed: Annotated[int, typer.Option("--seed", help="随机种子")] = 2022,
    rules: Annotated[Path | None, typer.Option("--rules", help="规则文件")] = None,
) -> None:
    """生成一年的模拟台账（台账格式），用于演示和测试。"""
    from kaohe.sample import generate_sample, write_sample

    rl = load_rules(rules)
    with _progress() as progress:
        progress.add_task("生成模拟台账…", total=None)
        sheets = generate_sample(rl, seed)
        write_sample(sheets, out, "xlsx" if out.suffix.lower() == ".xlsx" else "csv")
    n = sheets["报送"].height
    out_console.print(Text(f"已生成模拟台账（种子 {seed}，{n} 条信息）：{out}"))


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
        Path, typer.Option("--ledger", help="台账，默认 data/raw/2022")
    ] = DEFAULT_LEDGER,
    rules: Annotated[Path | None, typer.Option("--rules", help="规则文件")] = None,
    out: Annotated[Path, typer.Option("--out", help="输出文件夹，报告写入 <out>/<年度>/")] = Path(
        "reports"
    ),
) -> None:
    """生成离线 HTML 报告（papermill 执行笔记本，nbconvert 导出，不含代码）及 Excel 表格。"""
    from kaohe.periods import ReportDataError
    from kaohe.report import ReportError, plan, plan_all, render

    if all_reports and quarter is not None:
        raise UserError("--all 已包含四个季度，不能再给 --quarter")
    if not all_reports and (quarter is None) == (year is None):
        raise UserError(
            "请给出 --quarter（季度通报，如 2022Q3）或 --year（年度报告，如 2022）之一，"
            "或用 --all 生成全部"
        )
    try:
        if all_reports:
            specs = plan_all(rules, year)
        elif quarter is not None:
            specs = [plan("quarter", rules, None, quarter)]
        else:
            specs = [plan("year", rules, year)]
    except ReportDataError as err:
        raise UserError(str(err)) from None
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
            )
        except ReportError as err:
            err_console.print(Text(f"错误：{err}"), soft_wrap=True)
            raise typer.Exit(1) from None
        out_console.print(
            Text(
                f"已生成 {files.html}（{files.size / 1e6:.1f} MB，{files.seconds:.1f} 秒）；"
                f"执行后的笔记本 {files.notebook.name}"
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
    from kaohe.explore import render_html
    from kaohe.periods import ReportDataError
    from kaohe.report import ReportError

    try:
        files = render_html(
            out, ledger, rules, unit, person, as_of, progress=err_console.is_terminal
        )
    except (ReportError, ReportDataError) as err:
        err_console.print(Text(str(err)))
        raise typer.Exit(1) from None
    out_console.print(
        Text(f"已生成 {files.html}（{files.size / 1e6:.1f} MB，{files.seconds:.1f} 秒）")
    )


@app.command()
def simulate(
    scenario: Annotated[Path, typer.Argument(help="情景文件（params/scenarios/*.yaml）")],
    ledger: Annotated[Path, typer.Option("--ledger", help="台账")] = DEFAULT_LEDGER,
    year: Annotated[int | None, typer.Option("--year", help="考核年度（核对用）")] = None,
    out: Annotated[Path | None, typer.Option("--out", help="输出文件夹")] = None,
    html: Annotated[bool, typer.Option("--html/--no-html", help="是否生成 HTML 报告")] = True,
) -> None:
    """规则模拟：同一台账分别按基准规则和情景规则计分，比较谁得谁失。"""
    from kaohe.outputs import write_csv
    from kaohe.scenario import load_scenario, scenario_rules
    from kaohe.simulate import compare, comparison_csv_table

    sc = load_scenario(scenario)
    baseline, changed = scenario_rules(sc)
    if year is not None and year != baseline.meta.year:
        raise UserError(f"情景的基准规则是 {baseline.meta.year} 年度的，与 --year {year} 不符")
    out_dir = out or Path("reports") / str(baseline.meta.year) / "模拟" / scenario.stem
    with _progress() as progress:
        t = progress.add_task("读取台账…", total=None)
        led = _read_checked(ledger, baseline, progress)
        progress.update(t, description="按基准规则和情景规则计分…")
        c = compare(led, baseline, changed)
        write_csv(comparison_csv_table(c), out_dir / "comparison.csv")
        write_csv(c.by_clause, out_dir / "by_clause.csv")
        write_csv(c.lines_changed, out_dir / "lines_changed.csv")
        write_csv(c.prizes, out_dir / "prizes.csv")
    u = c.units
    gain = u.filter(pl.col("delta") > 0).height
    lose = u.filter(pl.col("delta") < 0).height
    crossed = u.filter(pl.col("base_line") != "").height
    out_console.print(
        Text(
            f"情景“{sc.name}”：{gain} 个单位得分增加，{lose} 个减少，{crossed} 个越过基本任务分线；"
            f"排名变化 {u.filter(pl.col('rank_change') != 0).height} 个。结果写入 {out_dir}/"
        )
    )
    if html:
        from kaohe.sim_report import render_simulation

        path = render_simulation(scenario, ledger, out_dir)
        out_console.print(Text(f"模拟报告：{path}"))


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
    from kaohe.outputs import write_csv
    from kaohe.rules import read_rules_mapping, rules_from_mapping
    from kaohe.sim_report import sweep_html
    from kaohe.sweep import parse_values
    from kaohe.sweep import sweep as run_sweep

    rp = rules or DEFAULT_RULES
    mapping = read_rules_mapping(rp)
    base_rules = rules_from_mapping(mapping, str(rp))
    vals = parse_values(values)
    out_dir = out or Path("reports") / str(base_rules.meta.year) / "扫描"
    with _progress() as progress:
        t = progress.add_task("读取台账…", total=None)
        led = _read_checked(ledger, base_rules, progress)
        progress.update(t, description=f"扫描 {len(vals)} 个取值…")
        table, method = run_sweep(led, mapping, path, vals, source=str(rp))
        write_csv(table, out_dir / "sweep.csv")
        html_path = sweep_html(table, path, out_dir / "sweep.html")
    how = "一次向量化计算" if method == "vectorised" else "逐值完整计分（此参数不能向量化）"
    out_console.print(
        Text(
            f"已扫描 {path} 的 {len(vals)} 个取值（{how}）。结果：{out_dir / 'sweep.csv'}，图表：{html_path}"
        )
    )


def main() -> None:
    try:
        code = app(standalone_mode=False)
        sys.exit(code if isinstance(code, int) else 0)
    except UserError as err:
        err_console.print(Text(f"错误：{err}"))
        sys.exit(err.code)
    except RulesError as err:
        err_console.print(Text(str(err)))
        sys.exit(2)
    except LedgerError as err:
        err_console.print(problems_table(err.problems, str(err)))
        sys.exit(1)
    except typer.Exit as e:
        sys.exit(e.exit_code)
    except typer.Abort:
        err_console.print(Text("已中止。"))
        sys.exit(130)
    except Exception as err:  # usage errors and the unexpected: no traceback
        if hasattr(err, "format_message") and hasattr(err, "exit_code"):
            # a usage error of the command line (typer/click): missing or bad arguments
            err_console.print(
                Text(
                    f"命令用法有误：{err.format_message().rstrip('.')}。用 kaohe --help 或 kaohe 命令 --help 查看用法。"
                )
            )
            sys.exit(err.exit_code)
        err_console.print(
            Text(f"内部错误：{type(err).__name__}: {err}。请把此信息和所用台账报告给维护者。")
        )
        sys.exit(3)
