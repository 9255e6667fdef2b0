"""Writing scores to disk: CSV tables, the manifest, and inert text.

Text that looks like a spreadsheet formula (starts with = + - @, or a tab or carriage return)
is written with a leading apostrophe, so a spreadsheet shows it as text and never runs it.
Outputs are deterministic: the same scores give the same bytes.
"""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl

from kaohe import __version__
from kaohe.engine import Scores
from kaohe.outdir import write_manifest

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def inert(expr: pl.Expr) -> pl.Expr:
    """A string column made safe for spreadsheets: formula-looking text gets a leading '."""
    return pl.when(expr.str.contains(r"^[=+\-@\t\r]")).then(pl.lit("'") + expr).otherwise(expr)


def inert_frame(df: pl.DataFrame) -> pl.DataFrame:
    return df.with_columns(
        [inert(pl.col(c)).alias(c) for c, t in df.schema.items() if t == pl.String]
    )


def write_csv(df: pl.DataFrame, path: Path) -> None:
    """UTF-8 CSV (with BOM, so spreadsheet programs read the Chinese right), inert text."""
    out = inert_frame(df)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = out.write_csv(date_format="%Y-%m-%d", float_precision=None, line_terminator="\n")
    path.write_bytes(b"\xef\xbb\xbf" + data.encode("utf-8"))


def unit_scores_table(scores: Scores) -> pl.DataFrame:
    return scores.unit_scores.drop("total_u", "base_u").with_columns(
        pl.col("total").round(2), pl.col("base").round(2)
    )


def score_lines_table(scores: Scores) -> pl.DataFrame:
    return scores.score_lines.drop("points_u")


def file_sha256(path: Path) -> str:
    with path.open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def manifest(
    scores: Scores,
    ledger_source: str,
    ledger_sha256: str,
    rules_source: str,
    rules_sha256: str,
    rules_title: str,
) -> dict[str, Any]:
    """What a complete `kaohe score` run scored (the files are added when it is written)."""
    return {
        "kaohe_version": __version__,
        "command": "score",
        "status": "ok",
        "message": "已计分",
        "ledger": {"source": ledger_source, "sha256": ledger_sha256},
        "rules": {"source": rules_source, "sha256": rules_sha256, "title": rules_title},
        "view": "annual" if scores.annual else "year_to_date",
        "as_of": scores.as_of.isoformat() if scores.as_of else None,
        "window": {"start": scores.start.isoformat(), "end": scores.end.isoformat()},
        "files": {},
    }


def failed_manifest(
    n_errors: int,
    ledger_source: str,
    ledger_sha256: str | None,
    rules_source: str,
    rules_sha256: str,
    as_of: date | None,
) -> dict[str, Any]:
    """A `kaohe score` run that stopped at a ledger with errors: only problems.csv is written."""
    return {
        "kaohe_version": __version__,
        "command": "score",
        "status": "failed",
        "message": f"台账有 {n_errors} 处错误，未计分：见 problems.csv，改正台账后重新运行",
        "ledger": {"source": ledger_source, "sha256": ledger_sha256},
        "rules": {"source": rules_source, "sha256": rules_sha256},
        "as_of": as_of.isoformat() if as_of else None,
        "files": {},
    }


def write_scores(scores: Scores, out: Path, meta: dict[str, Any]) -> dict[str, Any]:
    """Write every table of `scores` into `out` and a manifest.json naming what was scored
    and the sha256 of every file."""
    out.mkdir(parents=True, exist_ok=True)
    tables = {
        "unit_scores.csv": unit_scores_table(scores),
        "score_lines.csv": score_lines_table(scores),
        "tasks.csv": scores.tasks,
        "unit_counts.csv": scores.unit_counts,
        "people.csv": scores.people,
        "people_monthly.csv": scores.people_monthly,
        "problems.csv": scores.problems,
    }
    for name, df in tables.items():
        write_csv(df, out / name)
    return write_manifest(out, meta)


def write_failed(problems: pl.DataFrame, out: Path, meta: dict[str, Any]) -> dict[str, Any]:
    """The whole output of a run that found errors in the ledger: problems.csv and a manifest
    with status "failed" (no scores: old scores beside this ledger's errors would mislead)."""
    out.mkdir(parents=True, exist_ok=True)
    write_csv(problems, out / "problems.csv")
    return write_manifest(out, meta)


# every file `kaohe score` writes (a folder holding only these is a kaohe run of old)
SCORE_FILES = frozenset(
    {
        "unit_scores.csv",
        "score_lines.csv",
        "tasks.csv",
        "unit_counts.csv",
        "people.csv",
        "people_monthly.csv",
        "problems.csv",
        "manifest.json",
    }
)
