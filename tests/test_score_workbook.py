"""计分结果.xlsx (issue 11): `kaohe score` writes, beside its CSV files, one workbook with the
same tables for the office — Chinese headers, numbers as numbers in 0.00 / 0.00% formats, a
frozen header row — and the same bytes from run to run."""

from __future__ import annotations

import io
import math
import re
from datetime import date, datetime
from pathlib import Path

import openpyxl
import polars as pl
import pytest

from kaohe import cli
from kaohe.outputs import WORKBOOK, WORKBOOK_SHEETS, value_labels, write_workbook
from kaohe.rules.models import load_rules

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "raw" / "2022"
CJK = re.compile(r"[\u4e00-\u9fff]")
FORMATS = {"int": "0", "pts": "0.00", "pct": "0.00%", "date": "yyyy-mm-dd"}


def run(*args: str) -> None:
    cli.app(list(args), standalone_mode=False, prog_name="kaohe")


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    out = []
    for name in ("first", "second"):
        folder = tmp_path_factory.mktemp("score") / name
        run("score", str(SAMPLE), "--out", str(folder), "--as-of", "2022-08-31")
        out.append(folder)
    return out


def csv(folder: Path, name: str) -> pl.DataFrame:
    return pl.read_csv(folder / name, infer_schema_length=0)  # every value as its text


def test_the_workbook_is_written_beside_the_csv_files_and_in_the_manifest(runs) -> None:
    import json

    folder = runs[0]
    assert (folder / WORKBOOK).is_file()
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert WORKBOOK in manifest["files"]
    assert all(f in manifest["files"] for f, _ in WORKBOOK_SHEETS.values())


def test_two_runs_write_the_same_bytes(runs) -> None:
    assert (runs[0] / WORKBOOK).read_bytes() == (runs[1] / WORKBOOK).read_bytes()


def test_every_sheet_holds_its_csv_under_chinese_headers(runs) -> None:
    folder = runs[0]
    labels = value_labels(load_rules())
    wb = openpyxl.load_workbook(folder / WORKBOOK)
    assert wb.sheetnames == [*WORKBOOK_SHEETS, "说明"]
    for sheet, (name, spec) in WORKBOOK_SHEETS.items():
        ws = wb[sheet]
        table = csv(folder, name)
        rows = list(ws.iter_rows(values_only=False))
        headers = [c.value for c in rows[0]]
        assert headers == [spec[c][0] for c in table.columns], sheet
        assert all(CJK.search(h) for h in headers), headers  # Chinese, not the CSV's names
        assert ws.freeze_panes == "A2", sheet
        assert len(rows) - 1 == table.height, sheet
        assert table.height > 0, sheet
        for r, cells in enumerate(rows[1:]):
            for c, cell in zip(table.columns, cells, strict=True):
                kind = spec[c][1]
                written = table[c][r]
                where = (sheet, r + 2, spec[c][0])
                if written is None or written == "":
                    assert cell.value is None, where
                elif kind in ("int", "pts", "pct", "num"):
                    assert isinstance(cell.value, int | float), where  # a number, not text
                    # equal to Excel's precision (xlsxwriter writes 16 significant digits:
                    # the CSV's 1.6500000000000001 is 1.65)
                    assert math.isclose(cell.value, float(written), rel_tol=1e-15), where
                    assert cell.number_format == FORMATS.get(kind, "General"), where
                elif kind == "date":
                    assert cell.value == datetime.combine(
                        date.fromisoformat(written), datetime.min.time()
                    )
                    assert cell.number_format == "yyyy-mm-dd", where
                elif kind == "bool":
                    assert cell.value == {"true": "是", "false": "否"}[written], where
                else:
                    assert cell.value == labels.get(c, {}).get(written, written), where


def test_points_and_rates_are_numbers_in_their_formats(runs) -> None:
    ws = openpyxl.load_workbook(runs[0] / WORKBOOK)["单位得分"]
    headers = [c.value for c in ws[1]]
    first = dict(zip(headers, ws[2], strict=True))
    assert first["总得分"].number_format == "0.00" and isinstance(
        first["总得分"].value, float | int
    )
    assert first["完成率"].number_format == "0.00%"
    assert first["单位类型"].value in ("处室（单位）", "区县")
    # the unit groups as the reports name them: A类 … for departments, 区县 as is
    groups = {c[headers.index("类别")] for c in ws.iter_rows(min_row=2, values_only=True)}
    assert "A类" in groups and "区县" in groups, groups
    assert groups <= {g.label for g in load_rules().groups.list}, groups
    assert ws.column_dimensions["A"].width >= 2 * len("就业促进和人力资源服务中心")  # CJK widths
    assert first["单位"].font.name == "宋体"


def test_text_that_looks_like_a_formula_stays_text(tmp_path: Path) -> None:
    tables = {name: pl.DataFrame() for name, _ in WORKBOOK_SHEETS.values()}
    tables["problems.csv"] = pl.DataFrame(
        {
            "severity": ["error"],
            "sheet": ["报送"],
            "row": [2],
            "column": ["报送单位"],
            "value": ['=HYPERLINK("http://x","点我")'],
            "reason": ["未知的单位"],
            "suggestion": ["+1"],
        }
    )
    path = tmp_path / WORKBOOK
    write_workbook(tables, path, [("内容", "测试")])
    ws = openpyxl.load_workbook(io.BytesIO(path.read_bytes()))["问题"]
    assert [c.value for c in ws[2]] == [
        "错误", "报送", 2, "报送单位", "=HYPERLINK(\"http://x\",\"点我\")", "未知的单位", "+1"
    ]  # fmt: skip
    assert ws["E2"].data_type == "s" and ws["G2"].data_type == "s"
