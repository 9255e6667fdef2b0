"""Which rules file a command uses when none is given: the year's file in params/.

The year files are params/<year>.yaml (overlays included; scenarios, in params/scenarios/, are
not). For a ledger, the file whose period holds most of the ledger's dates (报送日期, 录用日期,
评选日期 and 约稿截止日期, the dates the reader's other-year check counts), found by a cheap scan
of those columns without any rules; for a year (`report --year 2023`), that year's file. A
given `--rules` always wins. If most of the ledger's dates still fall outside the chosen
file's period (no file of that year yet), the reader refuses the ledger naming both periods.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import polars as pl

from kaohe.rules.models import DEFAULT_RULES, Rules, RulesError, load_rules

PARAMS = DEFAULT_RULES.parent
_YEAR_FILE = re.compile(r"^(\d{4})\.ya?ml$")
# the dated columns of the reader's other-year check: sheet -> column
DATE_COLUMNS = {"报送": "报送日期", "录用": "录用日期", "好信息": "评选日期", "约稿": "截止日期"}


@dataclass(frozen=True)
class YearFile:
    path: Path
    rules: Rules

    @property
    def year(self) -> int:
        return self.rules.meta.year


@dataclass(frozen=True)
class Chosen:
    """The rules file chosen, and why (a Chinese sentence for stderr)."""

    path: Path
    reason: str


def shown(path: Path) -> str:
    """A path as messages show it: relative to the working folder when inside it."""
    try:
        return os.path.relpath(path) if path.resolve().is_relative_to(Path.cwd()) else str(path)
    except (OSError, ValueError):
        return str(path)


def year_files(params: Path = PARAMS) -> tuple[list[YearFile], list[str]]:
    """The year files of `params` that load, by year, and a note for each that does not."""
    found: list[YearFile] = []
    notes: list[str] = []
    paths = sorted(p for p in params.iterdir() if p.is_file() and _YEAR_FILE.match(p.name))
    for p in paths:
        try:
            found.append(YearFile(p, load_rules(p)))
        except RulesError as err:
            first = " ".join(line.strip() for line in str(err).splitlines()[:2])
            notes.append(f"规则文件 {shown(p)} 有误，未参与自动选择（{first}）")
    found.sort(key=lambda f: (f.year, f.path.name))
    return found, notes


def for_year(year: int, params: Path = PARAMS) -> Path:
    """The rules file of an assessment year: params/<year>.yaml (or the file whose meta.year
    it is); a year without one is an error saying how to make it."""
    p = params / f"{year}.yaml"
    if p.is_file():
        return p
    files, _ = year_files(params)
    for f in files:
        if f.year == year:
            return f.path
    have = "、".join(str(f.year) for f in files) or "无"
    raise RulesError(
        f"没有 {year} 年度的规则文件 {shown(p)}（现有年度：{have}）：用 kaohe new-year {year} "
        f"生成它，或用 --rules 指定规则文件"
    )


def latest(params: Path = PARAMS, before: int | None = None) -> YearFile | None:
    """The latest year file (before the year `before`, if given)."""
    files, _ = year_files(params)
    files = [f for f in files if before is None or f.year < before]
    return files[-1] if files else None


def _csv_column(f: Path, column: str) -> pl.Series | None:
    """One column of a ledger CSV file as text, read alone (the reader's full read if the
    file is not plain UTF-8 CSV)."""
    from kaohe.ledger import read as reader

    try:
        names = pl.read_csv(f, n_rows=0, infer_schema=False).columns
        found = [n for n in names if reader._header(n) == column]
        if not found:
            return None
        return pl.read_csv(f, columns=[found[0]], infer_schema=False).to_series()
    except (pl.exceptions.PolarsError, OSError, UnicodeError):
        frame = reader._read_csv(f)
        found = [n for n in frame.columns if reader._header(n) == column]
        return frame[found[0]] if found else None


def ledger_dates(path: Path) -> pl.Series:
    """The ledger's dates in the columns of DATE_COLUMNS (unreadable cells left out), read
    without rules; an empty series when the ledger cannot be read (the reader says why)."""
    from kaohe.ledger import read as reader

    columns: list[pl.Series] = []
    try:
        if path.is_dir():
            for f in sorted(path.iterdir()):
                sheet = reader._sheet_name(reader._shown_name(f.stem))
                if f.suffix.lower() == ".csv" and sheet in DATE_COLUMNS and f.is_file():
                    s = _csv_column(f, DATE_COLUMNS[sheet])
                    if s is not None:
                        columns.append(s)
        elif path.is_file() and path.suffix.lower() != ".csv":
            read = reader._read_workbook(path)
            for sheet, column in DATE_COLUMNS.items():
                frame = read.frames.get(sheet)
                found = [
                    n
                    for n in (frame.columns if frame is not None else [])
                    if reader._header(n) == column
                ]
                if frame is not None and found:
                    columns.append(frame[found[0]])
    except Exception:  # any unreadable ledger: the reader itself names the problem
        return pl.Series("d", [], pl.Date)
    if not columns:
        return pl.Series("d", [], pl.Date)
    text = pl.DataFrame({"t": pl.concat([c.cast(pl.String).rename("t") for c in columns])})
    # most cells are YYYY-MM-DD: parsed directly; the others as the reader parses them
    quick = text.select(pl.col("t").str.to_date("%Y-%m-%d", strict=False).alias("d"))["d"]
    rest = text.filter(quick.is_null() & pl.col("t").is_not_null())
    slow = rest.select(reader._parse_date("t").alias("d"))["d"]
    return pl.concat([quick.drop_nulls(), slow.drop_nulls()])


def _span(dates: pl.Series) -> str:
    return f"{dates.min()}—{dates.max()}"


def for_ledger(ledger: Path, params: Path = PARAMS) -> Chosen:
    """The year file whose period holds most of the ledger's dates."""
    files, notes = year_files(params)
    note = "".join(f"\n{n}" for n in notes)
    if not files:
        raise RulesError(
            f"{shown(params)} 中没有年度规则文件（如 2022.yaml）：请用 --rules 指定规则文件{note}"
        )
    dates = ledger_dates(ledger)
    if dates.len() == 0:
        default = next((f for f in files if f.path == DEFAULT_RULES), files[-1])
        return Chosen(
            default.path,
            f"台账中没有可识别的日期，使用规则文件 {shown(default.path)}（可用 --rules 指定）{note}",
        )
    counts = [int(dates.is_between(f.rules.period.start, f.rules.period.end).sum()) for f in files]
    best = max(range(len(files)), key=lambda i: (counts[i], files[i].year))
    if counts[best] == 0:  # no file holds any: the nearest period (the reader then refuses)
        middle: date = dates.sort()[dates.len() // 2]

        def distance(f: YearFile) -> int:
            p = f.rules.period
            return max((p.start - middle).days, (middle - p.end).days, 0)

        best = min(range(len(files)), key=lambda i: (distance(files[i]), -files[i].year))
    f = files[best]
    p = f.rules.period
    return Chosen(
        f.path,
        f"按台账日期选用规则文件 {shown(f.path)}（{f.year} 年度，考核周期 {p.start}—{p.end}；"
        f"台账的 {dates.len()} 个日期（{_span(dates)}）中 {counts[best]} 个在此周期内）。"
        f"可用 --rules 指定其他规则文件{note}",
    )


def choose(
    rules: Path | None,
    ledger: Path | None = None,
    year: int | None = None,
    params: Path = PARAMS,
) -> Chosen:
    """The rules file of a command: `rules` if given; else the file of `year`; else the file
    whose period holds the ledger's dates; else (no ledger) the default params/2022.yaml."""
    if rules is not None:
        return Chosen(Path(rules), "")
    if year is not None:
        p = for_year(year, params)
        return Chosen(p, f"按年度 {year} 选用规则文件 {shown(p)}")
    if ledger is not None:
        return for_ledger(Path(ledger), params)
    return Chosen(DEFAULT_RULES, "")
