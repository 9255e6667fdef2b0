"""Score once per (ledger, rules, as-of) in a run (kaohe.score_cache).

The engine is counted by replacing `score_many` where the cache calls it. A result from the
cache equals the engine's, table for table; a different ledger (bytes), rules, as-of day or
program is scored again; what the cache cannot read or write never changes a result.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from conftest import Book

from kaohe import score_cache
from kaohe.engine import Scores, score
from kaohe.ledger.read import read_ledger
from kaohe.present import views
from kaohe.rules.models import Rules, load_rules

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "raw" / "2022"
Q3 = date(2022, 8, 31)


class Engine:
    """Counts the days the engine is asked to score."""

    def __init__(self) -> None:
        self.days: list[date | None] = []

    def __call__(self, ledger: Any, rules: Rules, days: Any) -> list[Scores]:
        days = list(days)
        self.days += days
        return [score(ledger, rules, as_of=d) for d in days]


@pytest.fixture
def engine(monkeypatch: pytest.MonkeyPatch) -> Engine:
    e = Engine()
    monkeypatch.setattr(score_cache, "score_many", e)
    return e


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv(score_cache.ENV, str(folder))
    return folder


def copy_sample(to: Path) -> Path:
    shutil.copytree(SAMPLE, to)
    return to


def same(a: Scores, b: Scores) -> None:
    for f in dataclasses.fields(Scores):
        x, y = getattr(a, f.name), getattr(b, f.name)
        if isinstance(x, pl.DataFrame):
            assert x.schema == y.schema and x.equals(y), f.name
        else:
            assert x == y, f.name


def entries(cache: Path) -> list[str]:
    return sorted(p.name for p in cache.iterdir() if not p.name.startswith("."))


def test_a_second_call_on_the_same_inputs_is_not_scored(engine: Engine, cache: Path) -> None:
    rules = load_rules()
    ledger = read_ledger(SAMPLE, rules)
    first = score_cache.cached_score(ledger, rules, Q3)
    again = score_cache.cached_score(read_ledger(SAMPLE, rules), rules, Q3)
    assert engine.days == [Q3]
    same(again, first)
    same(again, score(ledger, rules, as_of=Q3))
    assert len(entries(cache)) == 1


def test_several_days_are_scored_in_one_engine_call_and_only_the_missing_ones(
    engine: Engine, cache: Path
) -> None:
    rules = load_rules()
    ledger = read_ledger(SAMPLE, rules)
    q1, q2 = date(2022, 2, 28), date(2022, 5, 31)
    score_cache.cached_score(ledger, rules, q2)
    got = score_cache.cached_score_many(ledger, rules, [q1, q2, Q3, None])
    assert engine.days == [q2, q1, Q3, None]  # q2 once; the other three in one call
    assert [s.as_of for s in got] == [q1, q2, Q3, None]
    same(got[3], score(ledger, rules))


def test_without_a_cache_folder_every_call_is_scored(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(score_cache.ENV, raising=False)
    rules = load_rules()
    ledger = read_ledger(SAMPLE, rules)
    score_cache.cached_score(ledger, rules)
    score_cache.cached_score(ledger, rules)
    assert engine.days == [None, None]


def test_a_ledger_built_in_memory_is_always_scored(
    engine: Engine, cache: Path, book: Book, rules: Rules
) -> None:
    book.item("人才综合处")
    ledger = book.ledger(rules)
    assert ledger.fingerprint == ""
    score_cache.cached_score(ledger, rules)
    score_cache.cached_score(ledger, rules)
    assert engine.days == [None, None] and not cache.exists()


# ---- what makes it score again -----------------------------------------------------------------


def test_other_ledger_bytes_are_scored_again(engine: Engine, cache: Path, tmp_path: Path) -> None:
    rules = load_rules()
    ledger = copy_sample(tmp_path / "台账")
    before = score_cache.cached_score(read_ledger(ledger, rules), rules)
    items = ledger / "报送.csv"
    items.write_bytes(
        items.read_bytes().replace("人才综合处".encode(), "专业技术人员管理处".encode(), 1)
    )
    changed = read_ledger(ledger, rules)
    after = score_cache.cached_score(changed, rules)
    assert engine.days == [None, None] and len(entries(cache)) == 2
    same(after, score(changed, rules))
    assert not after.unit_scores.equals(before.unit_scores)


def test_other_rules_bytes_are_scored_again(engine: Engine, cache: Path, tmp_path: Path) -> None:
    rules = load_rules()
    ledger = read_ledger(SAMPLE, rules)
    text = (ROOT / "params" / "2022.yaml").read_text(encoding="utf-8")
    changed = tmp_path / "2022.yaml"
    changed.write_text(text.replace("cap_share_of_base: 0.30", "cap_share_of_base: 0.20"), "utf-8")
    other = load_rules(changed)
    score_cache.cached_score(ledger, rules)
    got = score_cache.cached_score(ledger, other)
    assert engine.days == [None, None] and len(entries(cache)) == 2
    same(got, score(ledger, other))
    # the same rules written otherwise (a comment): the same rules, not scored again
    commented = tmp_path / "commented.yaml"
    commented.write_text("# 说明：与 2022.yaml 相同\n" + text, "utf-8")
    score_cache.cached_score(ledger, load_rules(commented))
    assert engine.days == [None, None]


def test_another_day_is_scored_again(engine: Engine, cache: Path) -> None:
    rules = load_rules()
    ledger = read_ledger(SAMPLE, rules)
    score_cache.cached_score(ledger, rules, Q3)
    score_cache.cached_score(ledger, rules, date(2022, 9, 30))
    assert engine.days == [Q3, date(2022, 9, 30)]


def test_another_program_is_scored_again(
    engine: Engine, cache: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    rules = load_rules()
    ledger = read_ledger(SAMPLE, rules)

    def again() -> None:
        score_cache.program_fingerprint.cache_clear()
        score_cache.cached_score(ledger, rules)

    again()
    monkeypatch.setattr(score_cache, "__version__", "99.0")  # another kaohe version
    again()
    package = tmp_path / "kaohe"  # the same source read from elsewhere: the same program
    shutil.copytree(score_cache._PACKAGE, package, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(score_cache, "_PACKAGE", package)
    again()
    engine_file = sorted((package / "engine").glob("*.py"))[-1]  # a changed engine
    engine_file.write_text(engine_file.read_text(encoding="utf-8") + "\n# changed\n", "utf-8")
    again()
    score_cache.program_fingerprint.cache_clear()
    assert engine.days == [None, None, None]
    assert len(entries(cache)) == 3


# ---- what the cache cannot do never changes a result ---------------------------------------------


def test_a_damaged_entry_is_scored_again(engine: Engine, cache: Path) -> None:
    rules = load_rules()
    ledger = read_ledger(SAMPLE, rules)
    score_cache.cached_score(ledger, rules)
    (entry,) = cache.iterdir()
    (entry / "score_lines.arrow").write_bytes(b"half a file")
    got = score_cache.cached_score(ledger, rules)
    assert engine.days == [None, None]
    same(got, score(ledger, rules))


def test_a_cache_that_cannot_be_written_only_costs_the_time(engine: Engine, tmp_path: Path) -> None:
    file = tmp_path / "不是文件夹"
    file.write_text("x", encoding="utf-8")
    rules = load_rules()
    ledger = read_ledger(SAMPLE, rules)
    got = score_cache.cached_score(ledger, rules, cache=file / "cache")
    same(got, score(ledger, rules))
    assert engine.days == [None] and file.read_text(encoding="utf-8") == "x"


def test_the_least_recently_used_entries_go_first(
    engine: Engine, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(score_cache, "MAX_ENTRIES", 2)
    pictures = cache / "pictures"  # the 公文's chart pictures beside the entries: not an entry
    pictures.mkdir(parents=True)
    rules = load_rules()
    ledger = read_ledger(SAMPLE, rules)
    days = [date(2022, 3, 31), date(2022, 4, 30), date(2022, 5, 31)]
    score_cache.cached_score(ledger, rules, days[0])
    score_cache.cached_score(ledger, rules, days[1])
    april = cache / next(n for n in entries(cache) if n.endswith("2022-04-30"))
    an_hour_ago = april.stat().st_mtime - 3600
    os.utime(april, (an_hour_ago, an_hour_ago))  # April: the least recently used
    score_cache.cached_score(ledger, rules, days[0])  # March used again: read, not scored
    score_cache.cached_score(ledger, rules, days[2])  # May scored: April goes
    assert [n[-10:] for n in entries(cache) if n != "pictures"] == ["2022-03-31", "2022-05-31"]
    assert engine.days == days and pictures.is_dir()


# ---- the reports: one scoring per day in a run ---------------------------------------------------


def test_the_reports_of_a_run_score_each_day_once(engine: Engine, cache: Path) -> None:
    """What the notebooks of `kaohe report --all` do, each in its own kernel (a new context):
    the quarter ends and the year are scored once in the run, and not at all in a second run."""
    rules = load_rules()

    def run() -> None:
        for q in rules.quarters.active:
            views.quarter_report(2022, q.name, SAMPLE)
        views.annual_report(2022, SAMPLE)

    run()
    ends = [q.end for q in rules.quarters.active]
    scored = list(engine.days)
    assert sorted(scored, key=lambda d: d or date.max) == [
        *sorted(d for d in ends if d < rules.period.end),
        None,
    ]
    engine.days.clear()
    run()
    assert engine.days == []
