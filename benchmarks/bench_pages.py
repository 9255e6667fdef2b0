"""Benchmark: the published pages stay small and fast on big ledgers.

- `kaohe explore` on a synthetic ledger of 100,000 items (≈ 155,000 adoptions): the page, the
  time and the peak memory. Target: page <= 10 MB, <= 30 s.
- `kaohe report --quarter 2022Q3` and `kaohe report --year 2022` on 1,000,000 items: the
  page, the time and the peak memory. Target: page <= 10 MB (time and memory reported).

The ledgers are the benchmark's bulk ledgers (`generate_bulk`, shared with bench_score.py,
made once into benchmarks/data/). Every run is the real command in a fresh process, as a user
starts it; its peak memory is the largest resident set of the command and every process it
started (the kernel that executes the notebook included). Medians of REPEAT runs after one
warm-up run of the explore page. Prints the figures and writes benchmarks/pages_results.json.

    make bench                                     # or: .venv/bin/python benchmarks/bench_pages.py
    .venv/bin/python benchmarks/bench_pages.py --repeat 1 --only explore
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BIN = Path(sys.executable).parent
RESULTS = HERE / "pages_results.json"
TARGET_BYTES = 10_000_000
TARGET_EXPLORE_SECONDS = 30.0
EXPLORE_ITEMS = 100_000
REPORT_ITEMS = 1_000_000
SEED = 1
REPORTS = {
    "report_quarter": (["--quarter", "2022Q3"], "2022Q3-季度通报"),
    "report_year": (["--year", "2022"], "2022-年度考核"),
}


def measure(cmd: list[str]) -> dict[str, float]:
    """Run `cmd` in this (fresh) process's child; its wall time and the peak resident memory
    of it and its descendants (ru_maxrss of the waited-for children, in MB)."""
    t = time.perf_counter()
    r = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    elapsed = time.perf_counter() - t
    if r.returncode != 0:
        sys.exit(f"failed ({r.returncode}): {' '.join(cmd)}\n{r.stdout}\n{r.stderr}")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"seconds": elapsed, "peak_rss_mb": peak}


def run(cmd: list[str]) -> dict[str, float]:
    """`measure` in a process of its own, so each run's peak memory is its own."""
    out = subprocess.run(
        [sys.executable, __file__, "--measure", "--", *cmd],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def ledger(n_items: int) -> Path:
    sys.path.insert(0, str(HERE))
    from bench_score import make_data

    return make_data(n_items, SEED)


def summary(name: str, runs: list[dict[str, float]], page: Path, target_s: float | None) -> dict:
    size = page.stat().st_size
    seconds = statistics.median(r["seconds"] for r in runs)
    peak = max(r["peak_rss_mb"] for r in runs)
    met = size <= TARGET_BYTES and (target_s is None or seconds <= target_s)
    out = {
        "command": name,
        "page_bytes": size,
        "seconds_median": round(seconds, 2),
        "seconds_runs": [round(r["seconds"], 2) for r in runs],
        "peak_rss_mb": round(peak),
        "target": f"page <= {TARGET_BYTES // 1_000_000} MB"
        + (f", <= {target_s:.0f} s" if target_s is not None else ""),
        "met": met,
    }
    print(
        f"{name}: page {size / 1e6:.1f} MB, {seconds:.1f} s (median of {len(runs)}), "
        f"peak {peak:.0f} MB — {'met' if met else 'NOT MET'}",
        flush=True,
    )
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--only", choices=["explore", "report"], default=None)
    ap.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("cmd", nargs="*", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.measure:
        print(json.dumps(measure(args.cmd)))
        return
    kaohe = str(BIN / "kaohe")
    work = Path(tempfile.mkdtemp(prefix="kaohe-bench-pages-"))
    previous = json.loads(RESULTS.read_text("utf-8")) if RESULTS.exists() else {}
    # a partial run (--only) keeps the other figures of the last full one
    results: dict = {k: v for k, v in previous.items() if k in ("explore", *REPORTS)}
    try:
        if args.only in (None, "explore"):
            small = ledger(EXPLORE_ITEMS)
            out = work / "explore"
            cmd = [kaohe, "explore", "--ledger", str(small), "--out", str(out)]
            run(cmd)  # warm-up: file cache, compiled bytecode
            runs = [run(cmd) for _ in range(args.repeat)]
            page = out / "2022" / "2022-信息工作查询.html"
            results["explore"] = {
                "items": EXPLORE_ITEMS,
                **summary("kaohe explore (100k items)", runs, page, TARGET_EXPLORE_SECONDS),
            }
        if args.only in (None, "report"):
            big = ledger(REPORT_ITEMS)
            out = work / "report"
            for key, (flags, stem) in REPORTS.items():
                cmd = [kaohe, "report", *flags, "--ledger", str(big), "--out", str(out)]
                runs = [run(cmd) for _ in range(args.repeat)]
                page = out / "2022" / f"{stem}.html"
                results[key] = {
                    "items": REPORT_ITEMS,
                    **summary(f"kaohe report {' '.join(flags)} (1M items)", runs, page, None),
                }
    finally:
        shutil.rmtree(work, ignore_errors=True)
    results["machine"] = {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
    }
    RESULTS.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", "utf-8")
    print(f"written {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
