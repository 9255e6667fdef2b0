"""Benchmark: `kaohe report --quarter 2022Q3` on the sample year, against the way a user would
otherwise make the same report: the `papermill` command, then `jupyter nbconvert --to html
--no-input`, on the same notebook with the same parameters.

The two ways run alternately in the same session, REPEAT times each after one warm-up run of
each (file cache), every run in fresh processes as a user would start them; medians are
reported. Targets: kaohe report <= 0.5 x (papermill + nbconvert), report <= 6 MB.
Prints the figures and writes benchmarks/report_results.json.

    .venv/bin/python benchmarks/bench_report.py            # or: make bench-report
"""

from __future__ import annotations

import argparse
import json
import platform
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
SAMPLE = ROOT / "data" / "raw" / "2022"
RULES = ROOT / "params" / "2022.yaml"
NOTEBOOK = ROOT / "notebooks" / "quarterly.ipynb"
RESULTS = HERE / "report_results.json"
TARGET_RATIO = 0.5
TARGET_BYTES = 6_000_000


def timed(cmd: list[str]) -> float:
    t = time.perf_counter()
    r = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    elapsed = time.perf_counter() - t
    if r.returncode != 0:
        sys.exit(f"failed ({r.returncode}): {' '.join(cmd)}\n{r.stdout}\n{r.stderr}")
    return elapsed


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--quarter", default="2022Q3")
    args = ap.parse_args()
    quarter = args.quarter.upper().split("Q")[-1]
    work = Path(tempfile.mkdtemp(prefix="kaohe-bench-report-"))
    try:
        kaohe_out = work / "kaohe"
        base_out = work / "baseline"
        base_out.mkdir()
        executed = base_out / "quarterly.ipynb"
        kaohe_cmd = [
            str(BIN / "kaohe"),
            "report",
            "--quarter",
            args.quarter,
            "--ledger",
            str(SAMPLE),
            "--rules",
            str(RULES),
            "--out",
            str(kaohe_out),
        ]
        papermill_cmd = [
            str(BIN / "papermill"),
            str(NOTEBOOK),
            str(executed),
            "-p",
            "year",
            "2022",
            "-r",
            "quarter",
            f"Q{quarter}",
            "-r",
            "ledger_path",
            str(SAMPLE),
            "-r",
            "rules_path",
            str(RULES),
            "-r",
            "out_dir",
            str(base_out),
        ]
        nbconvert_cmd = [
            str(BIN / "jupyter"),
            "nbconvert",
            "--to",
            "html",
            "--no-input",
            str(executed),
        ]
        kaohe_runs: list[float] = []
        pm_runs: list[float] = []
        nb_runs: list[float] = []
        for i in range(args.repeat + 1):  # run 0 warms the file cache and is not counted
            k = timed(kaohe_cmd)
            p = timed(papermill_cmd)
            n = timed(nbconvert_cmd)
            if i:
                kaohe_runs.append(k)
                pm_runs.append(p)
                nb_runs.append(n)
            print(
                f"{'warm-up' if i == 0 else f'run {i}'}: kaohe report {k:.2f} s; "
                f"papermill {p:.2f} s + nbconvert {n:.2f} s = {p + n:.2f} s",
                flush=True,
            )
        stem = f"2022Q{quarter}-季度通报"
        report = kaohe_out / "2022" / f"{stem}.html"
        size = report.stat().st_size
        base_size = (base_out / "quarterly.html").stat().st_size
        k_med = statistics.median(kaohe_runs)
        b_runs = [p + n for p, n in zip(pm_runs, nb_runs, strict=True)]
        b_med = statistics.median(b_runs)
        ratio = k_med / b_med
        result = {
            "quarter": args.quarter,
            "repeat": args.repeat,
            "kaohe_report_s": {
                "median": round(k_med, 3),
                "runs": [round(x, 3) for x in kaohe_runs],
            },
            "papermill_s": {
                "median": round(statistics.median(pm_runs), 3),
                "runs": [round(x, 3) for x in pm_runs],
            },
            "nbconvert_s": {
                "median": round(statistics.median(nb_runs), 3),
                "runs": [round(x, 3) for x in nb_runs],
            },
            "baseline_s": {"median": round(b_med, 3), "runs": [round(x, 3) for x in b_runs]},
            "ratio": round(ratio, 3),
            "target_ratio": TARGET_RATIO,
            "report_bytes": size,
            "baseline_html_bytes": base_size,
            "target_bytes": TARGET_BYTES,
            "pass": ratio <= TARGET_RATIO and size <= TARGET_BYTES,
            "machine": {
                "python": platform.python_version(),
                "platform": platform.platform(),
                "cpus": __import__("os").cpu_count(),
            },
        }
        RESULTS.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", "utf-8")
        print()
        print(f"kaohe report --quarter {args.quarter}: median {k_med:.2f} s")
        print(
            f"papermill + jupyter nbconvert:   median {b_med:.2f} s "
            f"(papermill {result['papermill_s']['median']:.2f} s, "
            f"nbconvert {result['nbconvert_s']['median']:.2f} s)"
        )
        print(f"ratio {ratio:.2f} (target <= {TARGET_RATIO})")
        print(f"report {size / 1e6:.2f} MB (target <= {TARGET_BYTES / 1e6:.0f} MB)")
        print(f"{'PASS' if result['pass'] else 'FAIL'}; written {RESULTS.relative_to(ROOT)}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
