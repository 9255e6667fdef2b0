"""Properties of scoring over random valid ledgers (hypothesis).

- the score lines of a unit add up to its total, for every unit, annual and year-to-date;
- shuffling the rows of every sheet changes nothing;
- the same ledger scored twice gives identical tables.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kaohe.engine import score
from kaohe.ledger.read import parse_ledger
from kaohe.rules.models import Rules, load_rules

RULES = load_rules()
START = RULES.period.start
UNITS = [u.name for u in RULES.units.roster]
DEPARTMENTS = [
    u.name for u in RULES.units.roster if RULES.group_by_name[u.group].kind == "department"
]
KINDS = ["综合", "建议问题", "调研文章"]
ISSUERS = [i.name for i in RULES.commission_issuers.list]
AWARDS = [a.name for a in RULES.department.awards.list]


def _pub_forms(rules: Rules) -> list[tuple[str, str, str | None]]:
    out: list[tuple[str, str, str | None]] = []
    for p in rules.publications.list:
        if p.forms:
            out += [(p.agency, p.title, f) for f in p.forms]
        else:
            out += [(p.agency, p.title, None), (p.agency, p.title, "组稿录用")]
    return out


PUBS = _pub_forms(RULES)


def _day(offset: int) -> str:
    return (START + timedelta(days=offset)).isoformat()


@st.composite
def ledgers(draw: st.DrawFn) -> dict[str, list[dict[str, Any]]]:
    seed = draw(st.integers(0, 2**32 - 1))
    n_items = draw(st.integers(0, 60))
    rnd = random.Random(seed)
    items, adoptions, awards, commissions = [], [], [], []
    n_com = rnd.randint(0, 6)
    for c in range(n_com):
        deadline = rnd.randint(0, 364)
        delivered = rnd.choice([None, deadline - 3, deadline + 5])
        commissions.append(
            {
                "约稿编号": f"C{c}",
                "单位": rnd.choice(UNITS),
                "下达方": rnd.choice(ISSUERS),
                "截止日期": _day(deadline),
                "完成日期": None if delivered is None else _day(max(0, delivered)),
            }
        )
    for i in range(n_items):
        unit = rnd.choice(UNITS)
        sub = rnd.randint(-20, 364)
        contributors = None
        if unit in DEPARTMENTS and rnd.random() < 0.2:
            others = rnd.sample([d for d in DEPARTMENTS if d != unit], 2)
            contributors = f"{others[0]}:0.3；{others[1]}:0.25"
        items.append(
            {
                "信息编号": f"X{i}",
                "标题": f"信息{i}",
                "报送单位": unit,
                "报送日期": _day(sub),
                "信息类别": rnd.choice(KINDS),
                "第一撰稿人": rnd.choice([None, "张三", "李 四", "王五"]),
                "协作单位": contributors,
                "约稿编号": rnd.choice([None, *[c["约稿编号"] for c in commissions]])
                if commissions
                else None,
            }
        )
        used: set[tuple[str, str]] = set()
        for _ in range(rnd.choice([0, 0, 1, 1, 2, 3])):
            agency, title, form = rnd.choice(PUBS)
            if (agency, title) in used:
                continue
            used.add((agency, title))
            adoptions.append(
                {
                    "信息编号": f"X{i}",
                    "录用单位": agency,
                    "刊物": title,
                    "录用日期": _day(max(sub, 0) + rnd.randint(0, 60)),
                    "录用方式": form,
                    "采纳数": str(rnd.randint(1, 3)) if form == "采纳例子观点" else None,
                    "领导批示": rnd.choice(["是", "否", None]),
                }
            )
        if rnd.random() < 0.1:
            awards.append(
                {
                    "信息编号": f"X{i}",
                    "评选": rnd.choice(AWARDS),
                    "评选日期": _day(rnd.randint(0, 364)),
                }
            )
    return {"报送": items, "录用": adoptions, "好信息": awards, "约稿": commissions}


def _shuffled(
    sheets: dict[str, list[dict[str, Any]]], seed: int
) -> dict[str, list[dict[str, Any]]]:
    rnd = random.Random(seed)
    out = {}
    for name, rows in sheets.items():
        rows = list(rows)
        rnd.shuffle(rows)
        out[name] = rows
    return out


SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(ledgers(), st.sampled_from([None, date(2022, 2, 28), date(2022, 8, 31)]))
def test_score_lines_add_up_to_totals(sheets: dict, as_of: date | None) -> None:
    ledger = parse_ledger(sheets, RULES)
    assert ledger.ok, ledger.errors
    s = score(ledger, RULES, as_of=as_of)
    sums = s.score_lines.group_by("unit").agg(pl.col("points_u").sum())
    joined = s.unit_scores.join(sums, on="unit", how="left").with_columns(
        pl.col("points_u").fill_null(0)
    )
    assert joined.height == len(UNITS)
    assert (joined["points_u"] == joined["total_u"]).all()
    assert ((joined["total"] - joined["points_u"] / 10_000).abs() < 1e-9).all()


@SETTINGS
@given(ledgers(), st.integers(0, 1000))
def test_shuffling_rows_changes_nothing(sheets: dict, seed: int) -> None:
    a = score(parse_ledger(sheets, RULES), RULES)
    b = score(parse_ledger(_shuffled(sheets, seed), RULES), RULES)
    assert a.unit_scores.equals(b.unit_scores)
    assert a.score_lines.equals(b.score_lines)
    assert a.tasks.equals(b.tasks)
    assert a.people.equals(b.people)


@settings(max_examples=10, deadline=None)
@given(ledgers())
def test_scoring_twice_gives_identical_tables(sheets: dict) -> None:
    ledger = parse_ledger(sheets, RULES)
    a, b = score(ledger, RULES), score(ledger, RULES)
    for name in ("score_lines", "unit_scores", "tasks", "unit_counts", "people", "people_monthly"):
        assert getattr(a, name).equals(getattr(b, name)), name


@settings(max_examples=15, deadline=None)
@given(ledgers())
def test_packed_sort_key_gives_the_same_order_as_sorting_the_columns(sheets: dict) -> None:
    import pytest

    from kaohe.engine import steps as scoring

    ledger = parse_ledger(sheets, RULES)
    packed = score(ledger, RULES)
    original = scoring._line_order
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(
            scoring, "_line_order", lambda lines, units, rules: original(lines, units, rules, False)
        )
        by_columns = score(ledger, RULES)
    assert packed.score_lines.equals(by_columns.score_lines)


_KEY_VALUES = st.one_of(st.none(), st.integers(-3, 3), st.integers(-(2**40), 2**40))


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(_KEY_VALUES, _KEY_VALUES, _KEY_VALUES), max_size=40),
    st.integers(1, 40),
)
def test_text_per_key_equals_text_per_row(rows: list[tuple[Any, Any, Any]], times: int) -> None:
    """`per_key` (a text formatted once per combination of its keys) gives every row the text
    formatted on that row: nulls are values of their own, and keys too wide to combine (up to
    2**41 apart) fall back to formatting every row. Rows repeated `times` (shuffled): a frame
    longer than its number of possible keys reads each row's text off a table of them."""
    from kaohe.engine.common import per_key

    rows = random.Random(times).sample(rows * times, len(rows) * times)
    df = pl.DataFrame(rows, schema={"a": pl.Int64, "b": pl.Int64, "c": pl.Int64}, orient="row")
    text = pl.format("{}/{}/{}", *(pl.col(c).cast(pl.String).fill_null("∅") for c in "abc"))
    keys = [pl.col("a"), pl.col("b"), pl.col("c")]
    assert per_key(df, keys, text).to_list() == df.select(text).to_series().to_list()


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(["B1", "B2", "B10", "A9", "B01"]), max_size=12), st.booleans())
def test_item_key_is_the_rank_of_the_item_id(ids: list[str], in_order: bool) -> None:
    """`ik`, the engine's item key, orders items as their ids do (equal ids in row order):
    taken from the row's place when the ids are already in order, ranked otherwise."""
    from types import SimpleNamespace

    from kaohe.engine import items_with_units

    if in_order:
        ids = sorted(ids)
    items = pl.DataFrame(
        {"item_id": ids, "unit": ["局本级"] * len(ids), "kind": ["综合"] * len(ids)},
        schema={"item_id": pl.String, "unit": pl.String, "kind": pl.String},
    )
    ik = items_with_units(SimpleNamespace(items=items), RULES)["ik"].to_list()  # type: ignore[arg-type]
    ranked = sorted(range(len(ids)), key=lambda i: (ids[i], i))
    assert ik == [ranked.index(i) for i in range(len(ids))]


_CELLS = st.one_of(st.none(), st.sampled_from(["局本级", "柯桥区人社局", "简讯", "", "x"]))


def _texts(df: pl.DataFrame, extra: list[str]) -> dict[str, pl.Series]:
    """Every distinct text of each column and a few the column does not hold, with null, as
    `_Sheet.texts` gives them (a superset of what the rows hold)."""
    return {
        c: pl.Series(c, sorted({*df[c].drop_nulls().to_list(), *extra}), dtype=pl.String)
        .extend_constant(None, 1)
        .rechunk()
        for c in df.columns
    }


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(_CELLS, _CELLS, _CELLS), max_size=40),
    st.booleans(),
    st.sampled_from([None, [], ["y"], ["y", "局本级", "zz"]]),
)
def test_reader_lookup_equals_lookup_per_row(
    rows: list[tuple[Any, Any, Any]], collide: bool, extra: list[str] | None
) -> None:
    """The reader's `_lookup` (a function of name cells computed once per distinct combination
    and given back to every row) gives every row what the function gives on that row: by the
    64-bit hash of the row's cells, or, when two combinations share a hash (forced here), by
    integer codes; a result equal to a key cell shares that column. With each column's texts
    known beforehand (`extra` not None: texts no row holds among them), the combinations are
    found from each row's place among them, with the same results."""
    from unittest import mock

    from kaohe.ledger.read import _lookup

    df = pl.DataFrame(rows, schema={"a": pl.String, "b": pl.String, "c": pl.String}, orient="row")
    texts = None if extra is None else _texts(df, extra)

    def fn(a: str | None, b: str | None, c: str | None) -> tuple[Any, ...]:
        joined = None if a is None and c is None else f"{a}|{c}"
        return a, joined, None if b is None else len(b), None

    out = {"same": pl.String, "joined": pl.String, "n": pl.Int64, "none": pl.String}
    expected = pl.DataFrame([fn(*r) for r in rows], schema=out, orient="row")

    def one_hash(self: pl.DataFrame, *args: Any, **kwargs: Any) -> pl.Series:
        return pl.Series([0] * self.height, dtype=pl.UInt64)

    if collide:  # every row the same hash: only the fallback can tell them apart
        with mock.patch.object(pl.DataFrame, "hash_rows", one_hash):
            got = _lookup(df, ["a", "b", "c"], fn, out, texts)
    else:
        got = _lookup(df, ["a", "b", "c"], fn, out, texts)
    assert got.select(list(out)).equals(expected)
    assert got.select("a", "b", "c").equals(df)
    single = _lookup(
        df,
        ["b"],
        lambda b: (b, None if b is None else b + "!"),
        {"same": pl.String, "bang": pl.String},
        None if texts is None else {"b": texts["b"]},
    )
    assert single["same"].to_list() == df["b"].to_list()
    assert single["bang"].to_list() == [None if b is None else b + "!" for b in df["b"]]


@settings(max_examples=60, deadline=None)
@given(st.lists(_CELLS, max_size=40), st.sampled_from([[], ["y"], ["zz", "局本级"]]))
def test_reader_per_value_with_known_texts_equals_per_value(
    cells: list[str | None], extra: list[str]
) -> None:
    """`_per_value` computed on a column's texts known beforehand (a superset, with null) gives
    every row what it gives computing them anew; texts that miss one of the column's values
    are a programming error, said as such, never a row left without its value."""
    from kaohe.ledger.read import _per_value

    df = pl.DataFrame({"a": cells}, schema={"a": pl.String})
    expr = pl.when(pl.col("a").is_null()).then(pl.lit("∅")).otherwise(pl.col("a") + "!")
    expected = _per_value(df, "a", expr, "out")
    assert _per_value(df, "a", expr, "out", _texts(df, extra)).equals(expected)
    assert expected["out"].to_list() == [("∅" if c is None else c + "!") for c in cells]
    held = df["a"].drop_nulls().unique().to_list()
    if held:
        texts = _texts(df, extra)["a"]
        short = texts.filter(texts.ne_missing(held[0]))
        with pytest.raises(RuntimeError, match="internal"):
            _per_value(df, "a", expr, "out", {"a": short})


@settings(max_examples=80, deadline=None)
@given(
    st.lists(st.sampled_from(["B1", "B2", "B3", "B10", "A9", "C0"]), unique=True, max_size=6),
    st.lists(st.one_of(st.none(), st.sampled_from(["B1", "B2", "B3", "B10", "A9", "C0", "Z"]))),
    st.booleans(),
)
def test_reader_matched_equals_a_join(
    keys: list[str], wanted: list[str | None], in_order: bool
) -> None:
    """`_matched` (each row's columns of a table unique on its key, found by a binary search
    when the keys are in order) gives what a left join gives: nulls for a null or unknown
    key, whatever the order of the keys."""
    from kaohe.ledger.read import _matched

    if in_order:
        keys = sorted(keys)
    table = pl.DataFrame(
        {"id": keys, "row": list(range(len(keys)))}, schema={"id": pl.String, "row": pl.Int64}
    )
    w = pl.DataFrame({"id": wanted}, schema={"id": pl.String})
    expected = w.join(table, on="id", how="left", maintain_order="left").drop("id")
    assert _matched(w, table).equals(expected)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(*[st.integers(0, 3)] * 3), min_size=1, max_size=30))
def test_combined_codes_tell_combinations_apart_without_overflow(
    rows: list[tuple[int, int, int]],
) -> None:
    """`_combined` gives the same integer to the same combination of codes and different ones
    to different combinations, also when the columns' sizes multiply past 2**62 (the
    combinations so far renumbered rather than an Int64 overflowing)."""
    from kaohe.ledger.read import _combined

    columns = list(zip(*rows, strict=True))
    for n in (4, 2**31 + 1):  # 4**3 fits; (2**31 + 1)**3 passes 2**62
        combined, size = _combined((pl.Series(c, dtype=pl.Int64), n) for c in columns)
        got = combined.to_list()
        assert all(0 <= v < size for v in got)
        for i in range(len(rows)):
            for j in range(len(rows)):
                assert (got[i] == got[j]) == (rows[i] == rows[j])


@settings(max_examples=80, deadline=None)
@given(
    st.sets(st.integers(2, 30), max_size=12),
    st.lists(st.one_of(st.none(), st.integers(0, 32)), max_size=12),
)
def test_adoption_item_positions_are_the_places_of_their_rows(
    item_rows: set[int], wanted: list[int | None]
) -> None:
    """`_item_positions`: each adoption's place in the clean 报送 table (its rows in order, with
    or without gaps), or None when one is missing or null (the engine then joins by id)."""
    from kaohe.ledger.read import _item_positions

    rows = sorted(item_rows)
    got = _item_positions(pl.Series("row", rows, dtype=pl.Int64), pl.Series(wanted, dtype=pl.Int64))
    if any(w is None or w not in item_rows for w in wanted):
        assert got is None
    else:
        assert got is not None and got.to_list() == [rows.index(w) for w in wanted]
