"""One name resolver (kaohe.ledger.names) for the ledger reader, `kaohe explain`, the exploration
page and every command-line option that names a unit or a person.

The same spellings go through each surface and must give the same unit; a wrong name gets the
same nearest suggestion everywhere. The commands run in this process (typer's app, without
`kaohe.cli.main`); the exploration page's publishing is replaced by a recorder, so no kernel
starts: what is checked is what the command hands the notebook.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl
import pytest
from conftest import Book

from kaohe import cli
from kaohe import publish as publish_module
from kaohe.ledger.names import Names, UnknownName, person, resolve_person, resolve_unit
from kaohe.ledger.read import parse_ledger
from kaohe.present import explore
from kaohe.rules.models import Rules
from kaohe.rules.periods import ReportDataError

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "raw" / "2022"

# (as written, the roster unit it names)
SPELLINGS = [
    ("柯桥区人社局", "柯桥区"),  # refused by `kaohe explain` before: now as the reader
    ("绍兴市柯桥区人力资源和社会保障局", "柯桥区"),
    ("柯桥", "柯桥区"),
    ("社保中心", "社会保险事业管理中心"),
    ("人才处", "人才综合处"),
    ("政治处(机关党委)", "政治处（机关党委）"),  # half-width brackets
    (" 人才 综合处 ", "人才综合处"),  # spaces
]


def run(*args: str) -> None:
    """A `kaohe` command in this process (its errors raised, not printed)."""
    cli.app(list(args), standalone_mode=False, prog_name="kaohe")


class Recorder:
    """Stands in for `kaohe.publish.publish_page`: keeps the page, publishes nothing."""

    def __init__(self) -> None:
        self.pages: list[publish_module.Page] = []

    def __call__(self, page: publish_module.Page, *args: Any, **kwargs: Any) -> Any:
        self.pages.append(page)
        html = Path(page.folder) / f"{page.stem}.html"
        return publish_module.PageFiles(html, None, None, 0.0, 0)


@pytest.fixture
def recorder(monkeypatch: pytest.MonkeyPatch) -> Recorder:
    r = Recorder()
    monkeypatch.setattr(publish_module, "publish_page", r)
    return r


# ---- the same unit through every surface -----------------------------------------------------


@pytest.mark.parametrize(("written", "unit"), SPELLINGS)
def test_the_reader_and_the_resolver_read_a_unit_alike(
    written: str, unit: str, rules: Rules, book: Book
) -> None:
    book.item(written, item_id="N1")
    ledger = parse_ledger(book.sheets(), rules)
    assert ledger.ok, ledger.errors.to_dicts()
    assert ledger.items["unit"].to_list() == [unit]
    assert resolve_unit(written, rules) == unit
    assert explore.resolve_unit(written, rules) == unit


@pytest.mark.parametrize(("written", "unit"), SPELLINGS)
def test_explain_accepts_the_spellings_the_reader_accepts(
    written: str, unit: str, capsys: pytest.CaptureFixture[str]
) -> None:
    run("explain", written, str(SAMPLE))
    first = capsys.readouterr().out.splitlines()[0]
    assert first.startswith(f"{unit}（"), first


@pytest.mark.parametrize(("written", "unit"), SPELLINGS[:4])
def test_the_explore_option_hands_the_notebook_the_unit_the_reader_reads(
    written: str, unit: str, recorder: Recorder, tmp_path: Path
) -> None:
    run("explore", "--unit", written, "--ledger", str(SAMPLE), "--out", str(tmp_path))
    (page,) = recorder.pages
    assert page.parameters["unit"] == unit
    assert page.stem == f"2022-信息工作查询-{unit}"
    assert page.title.endswith(f"（{unit}）")


# ---- a wrong name: the same nearest name everywhere ------------------------------------------


def test_a_wrong_unit_gets_the_same_nearest_name_everywhere(
    rules: Rules, book: Book, recorder: Recorder, tmp_path: Path
) -> None:
    wrong, near = "人才综合科", "人才综合处"
    message = f"没有名为“{wrong}”的单位，最接近的是“{near}”"
    book.item(wrong, item_id="N1")
    problems = parse_ledger(book.sheets(), rules).errors
    assert problems.filter(pl.col("value") == wrong)["suggestion"].to_list() == [
        f"最接近的名称：{near}"
    ]
    with pytest.raises(UnknownName, match=message):
        resolve_unit(wrong, rules)
    with pytest.raises(ReportDataError, match=message):
        explore.resolve_unit(wrong, rules)
    with pytest.raises(cli.UserError) as err:
        run("explain", wrong, str(SAMPLE))
    assert str(err.value) == f"{message}。" and err.value.code == 2
    with pytest.raises(cli.UserError) as err:
        run("explore", "--unit", wrong, "--ledger", str(SAMPLE), "--out", str(tmp_path))
    assert str(err.value) == f"{message}。" and err.value.code == 2
    assert recorder.pages == []


def test_the_explain_command_refuses_a_wrong_unit_in_chinese() -> None:
    import subprocess
    import sys

    r = subprocess.run(
        [sys.executable, "-m", "kaohe", "explain", "人才综合科", str(SAMPLE)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=300,
    )
    assert r.returncode == 2
    assert "错误：没有名为“人才综合科”的单位，最接近的是“人才综合处”。" in r.stderr
    assert "Traceback" not in r.stderr and "内部错误" not in r.stderr


# ---- people and agencies ---------------------------------------------------------------------


def test_a_person_is_named_as_the_reader_keeps_the_name(rules: Rules, book: Book) -> None:
    item = book.item("人才综合处", item_id="N1")
    book.rows["报送"][0]["第一撰稿人"] = "陈\u200b 琴"  # a zero-width space and a space
    ledger = parse_ledger(book.sheets(), rules)
    kept = ledger.items.filter(pl.col("item_id") == item)["first_writer"].to_list()
    assert kept == ["陈琴"] == [person("陈\u200b 琴")]
    assert resolve_person(" 陈 琴", kept) == "陈琴"
    people = pl.DataFrame(
        {"unit": ["人才综合处"], "name": ["陈琴"], "role": ["撰稿人"]},
        schema_overrides={"unit": pl.String},
    )
    assert explore.resolve_person("陈\u200b琴", "人才综合处", people) == "陈琴"
    with pytest.raises(UnknownName, match="台账中没有名为“陈勤”的人员，最接近的是“陈琴”"):
        explore.resolve_person("陈勤", "人才综合处", people)


def test_agencies_resolve_as_in_the_reader(rules: Rules) -> None:
    names = Names.from_rules(rules)
    assert names.agencies.find("市委办", "录用单位") == "市委办公室"
    assert names.agencies.find("浙江省政府办公厅", "录用单位") == "省政府办公厅"
    with pytest.raises(UnknownName, match="没有名为“市委办公厅”的录用单位，最接近的是"):
        names.agencies.find("市委办公厅", "录用单位")


# ---- common spellings: resolved when they name one name, never a guess between two -------------

# (录用单位 as written, 刊物 as written, the agency and the publication they name)
PUBLICATION_SPELLINGS = [
    ("省人力社保厅", "浙江人社政务信息专报", "省人力社保厅", "《浙江人社政务信息（专报）》"),
    ("省人社厅", "《浙江人社政务信息（专报）》", "省人力社保厅", "《浙江人社政务信息（专报）》"),
    ("浙江省人社厅", "浙江人社政务信息(专报)", "省人力社保厅", "《浙江人社政务信息（专报）》"),
    ("省人社厅", "浙江人力资源社会保障", "省人力社保厅", "《浙江人力资源社会保障》期刊"),
    ("市委办公室", "绍兴信息", "市委办公室", "《绍兴信息（每日动态）》"),
    ("市委办", "《绍兴信息》", "市委办公室", "《绍兴信息（每日动态）》"),
    ("市委办公室", "绍兴信息每日动态", "市委办公室", "《绍兴信息（每日动态）》"),
    ("省政府办公厅", "浙江政务信息专报信息", "省政府办公厅", "《浙江政务信息（专报信息）》"),
]


@pytest.mark.parametrize(("agency", "title", "canonical", "publication"), PUBLICATION_SPELLINGS)
def test_a_publication_written_without_its_brackets_is_read(
    agency: str, title: str, canonical: str, publication: str, rules: Rules, book: Book
) -> None:
    item = book.item("人才综合处", item_id="N1")
    form = "通讯" if "绍兴信息" in title else ""
    book.adopt(item, agency, title, form=form)
    ledger = parse_ledger(book.sheets(), rules)
    assert ledger.ok, ledger.errors.to_dicts()
    (row,) = ledger.adoptions.to_dicts()
    assert row["agency"] == canonical
    assert rules.publications.list[row["publication_id"]].title == publication


def test_the_agency_short_form_resolves_everywhere(rules: Rules) -> None:
    names = Names.from_rules(rules)
    assert names.agencies.find("省人社厅", "录用单位") == "省人力社保厅"
    assert names.agencies.find("浙江省人力资源社会保障厅", "录用单位") == "省人力社保厅"
    assert names.issuers.find("省人社厅", "下达方") == "省厅"


def test_an_issuer_in_the_short_form_is_read(rules: Rules, book: Book) -> None:
    book.commission("人才综合处", "省人社厅")
    ledger = parse_ledger(book.sheets(), rules)
    assert ledger.ok, ledger.errors.to_dicts()
    assert ledger.commissions["issuer"].to_list() == ["省厅"]


AMBIGUOUS_TITLES = [
    (
        "省政府办公厅",
        "浙江政务信息",
        [
            "《浙江政务信息（政务工作交流）》",
            "《浙江政务信息（专报信息）》",
            "《浙江政务信息（每日要情）》",
        ],
    ),
    (
        "市政府办公室",
        "绍兴政务信息",
        ["《绍兴政务信息》（每日动态）", "《绍兴政务信息》（专报信息）"],
    ),
]


@pytest.mark.parametrize(("agency", "title", "candidates"), AMBIGUOUS_TITLES)
def test_a_title_close_to_two_publications_is_never_guessed(
    agency: str, title: str, candidates: list[str], rules: Rules, book: Book
) -> None:
    item = book.item("人才综合处", item_id="N1")
    book.adopt(item, agency, title)
    ledger = parse_ledger(book.sheets(), rules)
    assert ledger.adoptions.height == 0
    (p,) = ledger.errors.to_dicts()
    assert (p["sheet"], p["row"], p["column"], p["value"]) == ("录用", 2, "刊物", title)
    assert p["reason"] == (
        f"录用单位“{agency}”有 {len(candidates)} 个刊物与此名称相近，不能确定是哪一个"
    )
    assert p["suggestion"] == f"您是否指：{'、'.join(candidates)}？"


def test_a_qualifier_of_its_own_is_not_taken_for_anothers(rules: Rules, book: Book) -> None:
    """绍兴信息（专报） is not 《绍兴信息（每日动态）》: a cell's own qualifier must match."""
    item = book.item("人才综合处", item_id="N1")
    book.adopt(item, "市委办公室", "绍兴信息（专报）", form="通讯")
    (p,) = parse_ledger(book.sheets(), rules).errors.to_dicts()
    assert p["column"] == "刊物" and p["reason"] == "录用单位“市委办公室”没有此刊物"
    assert p["suggestion"].startswith("最接近的刊物：《绍兴信息（每日动态）》")


# units: a spelling with the brackets left out resolves like the reader's; a short one close to
# several units lists them, in the reader's fix and in the command's refusal alike
UNIT_SPELLINGS = [("政治处机关党委", "政治处（机关党委）"), ("柯桥区人力资源社会保障局", "柯桥区")]


@pytest.mark.parametrize(("written", "unit"), UNIT_SPELLINGS)
def test_a_unit_without_its_brackets_reads_alike_in_the_reader_and_the_command(
    written: str, unit: str, rules: Rules, book: Book, capsys: pytest.CaptureFixture[str]
) -> None:
    book.item(written, item_id="N1")
    ledger = parse_ledger(book.sheets(), rules)
    assert ledger.ok, ledger.errors.to_dicts()
    assert ledger.items["unit"].to_list() == [unit]
    run("explain", written, str(SAMPLE))
    assert capsys.readouterr().out.splitlines()[0].startswith(f"{unit}（")


def test_a_unit_close_to_several_lists_them_everywhere(
    rules: Rules, book: Book, recorder: Recorder, tmp_path: Path
) -> None:
    wrong = "社保"
    close = "您是否指：社会保险处、社会保险事业管理中心、财务与社保基金监督处？"
    book.item(wrong, item_id="N1")
    (p,) = parse_ledger(book.sheets(), rules).errors.to_dicts()
    assert (p["sheet"], p["row"], p["column"], p["value"]) == ("报送", 2, "报送单位", wrong)
    assert p["reason"] == "未知的单位" and p["suggestion"] == close
    message = f"没有名为“{wrong}”的单位，{close}"
    with pytest.raises(UnknownName) as err:
        resolve_unit(wrong, rules)
    assert str(err.value) == message
    with pytest.raises(cli.UserError) as err:
        run("explain", wrong, str(SAMPLE))
    assert str(err.value) == message and err.value.code == 2  # no full stop after the question
    with pytest.raises(cli.UserError) as err:
        run("explore", "--unit", wrong, "--ledger", str(SAMPLE), "--out", str(tmp_path))
    assert str(err.value) == message
    assert recorder.pages == []


def test_an_unknown_agency_gets_the_close_ones_or_the_nearest(rules: Rules, book: Book) -> None:
    item = book.item("人才综合处", item_id="N1")
    book.adopt(item, "办公厅", "《专报》")
    book.adopt(item, "省人设厅", "《浙江人社政务信息（专报）》")
    errors = parse_ledger(book.sheets(), rules).errors
    fixes = dict(zip(errors["value"], errors["suggestion"], strict=True))
    assert fixes == {
        "办公厅": "您是否指：中央办公厅、国务院办公厅、省委办公厅、省政府办公厅？",
        "省人设厅": "最接近的名称：省人力社保厅",
    }
