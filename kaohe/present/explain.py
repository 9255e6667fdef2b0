"""Why a unit has its score: its score-ledger lines grouped by clause, with subtotals, and its
tasks — for the day a unit disputes its total."""

from __future__ import annotations

from collections.abc import Iterator

import polars as pl
from rich.console import RenderableType
from rich.table import Table
from rich.text import Text

from kaohe.engine import STEP_LABELS, STEPS, Scores
from kaohe.ledger.model import Ledger


def _fmt(x: float | None) -> str:
    if x is None:
        return ""
    s = f"{x:.2f}".rstrip("0").rstrip(".")
    return "0" if s == "-0" else s


def unit_breakdown(scores: Scores, unit: str) -> pl.DataFrame:
    """Per step (clause) of one unit: number of lines and subtotal, in clause order."""
    order = {s: i for i, s in enumerate(STEPS)}
    return (
        scores.score_lines.filter(pl.col("unit") == unit)
        .group_by("step", "clause")
        .agg(pl.len().alias("lines"), pl.col("points_u").sum().alias("points_u"))
        .with_columns(
            pl.col("step").replace_strict(STEP_LABELS, return_dtype=pl.String).alias("label"),
            pl.col("step").replace_strict(order, return_dtype=pl.Int64).alias("_o"),
            (pl.col("points_u") / 10_000).alias("points"),
        )
        .sort("_o")
        .drop("_o")
    )


def explain_unit(scores: Scores, unit: str, ledger: Ledger) -> Iterator[RenderableType]:
    us = scores.unit_scores.filter(pl.col("unit") == unit).row(0, named=True)
    view = "全年" if scores.annual else f"截至{scores.end}（年度累计，年度任务类条款未计入）"
    head = (
        f"{unit}（{us['group']}类，基本任务分{_fmt(us['base'])}）{view}得分 {_fmt(us['total'])}，"
        f"完成率 {us['completion_rate'] * 100:.2f}%"
    )
    if us["kind"] == "department":
        head += f"，绩效考核调整 {us['adjustment']:+.2f} 分"
    else:
        head += f"，绩效考核赋分 {_fmt(us['assessment_score'])}"
    yield Text(head, style="bold")
    titles = ledger.items.select("item_id", "title")
    lines = scores.score_lines.filter(pl.col("unit") == unit).join(titles, on="item_id", how="left")
    for b in unit_breakdown(scores, unit).iter_rows(named=True):
        table = Table(
            title=f"{b['label']}（{b['clause']}）：{b['lines']} 条，小计 {_fmt(b['points'])} 分",
            title_justify="left",
        )
        for col in ("日期", "信息编号", "标题", "说明", "依据", "分值"):
            table.add_column(col, overflow="fold")
        for r in lines.filter(pl.col("step") == b["step"]).iter_rows(named=True):
            table.add_row(
                Text(str(r["date"] or "")),
                Text(r["item_id"] or r["commission_id"] or ""),
                Text(r["title"] or ""),
                Text(r["explanation"] or ""),
                Text(r["rule"] or ""),
                Text(_fmt(r["points"])),
            )
        yield table
    tasks = scores.tasks.filter(pl.col("unit") == unit)
    if tasks.height:
        t = Table(title="基本任务完成情况", title_justify="left")
        for col in ("任务", "要求", "已完成", "差额", "按进度应完成", "未完成将扣分"):
            t.add_column(col)
        for r in tasks.iter_rows(named=True):
            t.add_row(
                Text(r["label"]),
                str(r["required"]),
                str(r["achieved"]),
                str(r["gap"]),
                _fmt(r["expected_by_now"]),
                _fmt(r["points_at_stake"]),
            )
        yield t
    yield Text(f"合计 {_fmt(us['total'])} 分（以上各条之和）。", style="bold")
