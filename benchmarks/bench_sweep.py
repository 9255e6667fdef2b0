"""Benchmark: a sweep of 1,000 values of one rule over the sample year, against one scoring of
it, in the same run (the ledger is read once; both figures exclude reading it).

Target: the sweep <= 20 x one scoring. Prints medians over REPEAT runs and writes
benchmarks/sweep_results.json.

    make bench          # or: .venv/bin/python benchmarks/bench_sweep.py
"""

from __future__ import annotations

import json
import statistics
import time
from decimal import Decimal
from pathlib import Path

from kaohe.engine import score
from kaohe.ledger.read import read_ledger
from kaohe.rules.models import DEFAULT_RULES, read_rules_mapping, rules_from_mapping
from kaohe.whatif.sweep import sweep

HERE = Path(__file__).resolve().parent
SAMPLE = HERE.parent / "data" / "raw" / "2022"
REPEAT = 7
PATHS = {
    # a share admits only 0.00..1.00 (101 values): the 1,000 values sweep the unadopted points
    "department.unadopted.points_each": [Decimal(i) / 100 for i in range(1000)],
    "publications.list[市委办公室《工作交流》].points": [Decimal(i) / 10 for i in range(1000)],
    "groups.list[B].base": [Decimal(50 + i) for i in range(1000)],
}


def timed(fn) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def main() -> None:
    mapping = read_rules_mapping(DEFAULT_RULES)
    rules = rules_from_mapping(mapping)
    ledger = read_ledger(SAMPLE, rules)
    score(ledger, rules)  # warm-up
    results: dict[str, object] = {
        "items": ledger.items.height,
        "adoptions": ledger.adoptions.height,
    }
    one = statistics.median(timed(lambda: score(ledger, rules)) for _ in range(REPEAT))
    results["one_scoring_seconds_median"] = round(one, 4)
    for path, values in PATHS.items():
        sweep(ledger, mapping, path, values[:5])  # warm-up
        runs = [timed(lambda p=path, v=values: sweep(ledger, mapping, p, v)) for _ in range(REPEAT)]
        med = statistics.median(runs)
        results[path] = {
            "values": len(values),
            "sweep_seconds_median": round(med, 4),
            "ratio_to_one_scoring": round(med / one, 2),
            "met": med <= 20 * one,
        }
    results["target"] = "sweep of 1000 values <= 20 x one scoring"
    (HERE / "sweep_results.json").write_text(
        json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    print(json.dumps(results, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
