"""Benchmark: scoring a synthetic year of 1,000,000 items and ~1,500,000 adoptions.

Prints, from the same run:
- floor: reading the same CSV ledger with polars (every sheet, every column, default
  options) and one group-by sum of adoption points per unit (the least any scorer must do);
- score: `read_ledger` (every check of ledger.md) plus `score` (every clause) on it.
Each phase runs in its own Python process, REPEAT times; the medians are reported with the
phase's peak resident memory (ru_maxrss). Target: score <= 3 x floor, peak memory < 4 GB.

    make bench                      # or: .venv/bin/python benchmarks/bench_score.py --items 1000000
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"


def ledger_dir(n_items: int, seed: int) -> Path:
    return DATA / f"bulk_{n_items}_{seed}"


def make_data(n_items: int, seed: int) -> Path:
    from kaohe.rules.models import load_rules
    from kaohe.sample import generate_bulk, write_sample

    out = ledger_dir(n_items, seed)
    if (out / "录用.csv").exists():
        return out
    t = time.perf_counter()
    sheets = generate_bulk(load_rules(), n_items, seed)
    write_sample(sheets, out, "csv")
    print(f"generated {out.name} in {time.perf_counter() - t:.1f} s", file=sys.stderr)
    return out


def phase_floor(path: Path) -> dict:
    import polars as pl

    from kaohe.rules.models import load_rules

    rules = load_rules()
    t = time.perf_counter()
    # Read the same data the scorer reads: every sheet, every column.
    sheets = {f.stem: pl.read_csv(f) for f in sorted(path.glob("*.csv"))}
    items = sheets["报送"].select("信息编号", "报送单位")
    adoptions = sheets["录用"]
    points = pl.DataFrame(
        {
            "录用单位": [p.agency for p in rules.publications.list],
            "刊物": [p.title for p in rules.publications.list],
            "points": [
                float(p.points or max((p.forms or {}).values())) for p in rules.publications.list
            ],
        }
    )
    totals = (
        adoptions.join(points, on=["录用单位", "刊物"], how="left")
        .join(items, on="信息编号")
        .group_by("报送单位")
        .agg(pl.col("points").sum())
    )
    elapsed = time.perf_counter() - t
    return {"seconds": elapsed, "rows": adoptions.height, "units": totals.height}


def phase_score(path: Path) -> dict:
    from kaohe.engine import score
    from kaohe.ledger.read import read_ledger
    from kaohe.rules.models import load_rules

    rules = load_rules()
    t = time.perf_counter()
    ledger = read_ledger(path, rules)
    t_read = time.perf_counter() - t
    scores = score(ledger, rules)
    elapsed = time.perf_counter() - t
    return {
        "seconds": elapsed,
        "read_seconds": t_read,
        "lines": scores.score_lines.height,
        "errors": ledger.errors.height,
        "items": ledger.items.height,
        "adoptions": ledger.adoptions.height,
    }


def run_phase(phase: str, path: Path) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--phase", phase, "--path", str(path)],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--items", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=1)
    # medians of 7 interleaved pairs: one pair on a busy 2-core host can be off by 30 %
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--phase", choices=["floor", "score"])
    ap.add_argument("--path", type=Path)
    args = ap.parse_args()
    if args.phase:
        result = phase_floor(args.path) if args.phase == "floor" else phase_score(args.path)
        result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps(result))
        return
    path = make_data(args.items, args.seed)
    floors, scores = [], []
    for _ in range(args.repeat):  # interleaved, so drift hits both alike
        floors.append(run_phase("floor", path))
        scores.append(run_phase("score", path))
    f = statistics.median(r["seconds"] for r in floors)
    s = statistics.median(r["seconds"] for r in scores)
    rd = statistics.median(r["read_seconds"] for r in scores)
    peak = max(r["peak_rss_mb"] for r in scores)
    summary = {
        "machine": f"{platform.machine()}, {platform.python_version()}",
        "items": scores[0]["items"],
        "adoptions": scores[0]["adoptions"],
        "score_lines": scores[0]["lines"],
        "ledger_errors": scores[0]["errors"],
        "floor_seconds_median": round(f, 3),
        "score_seconds_median": round(s, 3),
        "of_which_read_and_check_seconds": round(rd, 3),
        "ratio_score_to_floor": round(s / f, 2),
        # each interleaved pair's own ratio: how much the machine's noise moves the figure
        "ratios_per_run": [
            round(b["seconds"] / a["seconds"], 2) for a, b in zip(floors, scores, strict=True)
        ],
        "score_peak_rss_mb": round(peak),
        "floor_peak_rss_mb": round(max(r["peak_rss_mb"] for r in floors)),
        "target": "score <= 3 x floor, peak < 4096 MB",
        "met": s <= 3 * f and peak < 4096,
        "runs": args.repeat,
    }
    (HERE / "results.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n")
    for k, v in summary.items():
        print(f"{k:34} {v}")


if __name__ == "__main__":
    main()
