"""Builders of broken ledgers, for the reader's tests and the fuzz tests.

A ledger here is a `Book`: sheet name → rows of raw cell values, the first row the header, as the
office's Excel holds them. `write_xlsx` writes one as a real workbook with openpyxl, so that

- the text "#N/A" (any Excel error value) becomes a real error cell,
- True / False become logical (boolean) cells, `date` / `datetime` date cells, numbers numbers,
- `merges` merge ranges ("C2:C4") as Excel does: the cells after the first are emptied;

`write_csv_folder` writes one as a folder of CSV files with any encoding, separator or file
name (raw bytes for a name that is not UTF-8). `compound_file` builds an OLE compound file
(what an encrypted .xlsx or a legacy .xls really is); `good_book` is a small valid ledger to
damage.
"""

from __future__ import annotations

import copy
import csv
import io
import os
import struct
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl

Row = list[Any]
Book = dict[str, list[Row]]


def good_book() -> Book:
    """A small ledger of the 2022 rules that reads without any problem."""
    return {
        "报送": [
            [
                "信息编号",
                "标题",
                "报送单位",
                "报送日期",
                "信息类别",
                "第一撰稿人",
                "其他撰稿人",
                "协作单位",
                "约稿编号",
            ],
            [
                "S1",
                "关于人才工作的建议",
                "人才综合处",
                date(2022, 3, 1),
                "建议问题",
                "张三",
                "李四",
                None,
                "Y1",
            ],
            [
                "S2",
                "就业形势分析",
                "就业处",
                date(2022, 4, 1),
                "综合",
                "王五",
                None,
                "人才综合处:0.3",
                None,
            ],
            [
                "S3",
                "社保扩面调研",
                "社会保险处",
                date(2022, 5, 6),
                "调研文章",
                "赵六",
                None,
                None,
                None,
            ],
        ],
        "录用": [
            ["信息编号", "录用单位", "刊物", "录用日期", "录用方式", "采纳数", "领导批示"],
            ["S1", "市委办公室", "《工作交流》", date(2022, 4, 1), None, None, "是"],
            ["S2", "国办", "国办录用", date(2022, 5, 1), "采纳例子观点", 2, "否"],
            ["S3", "市委办", "《专报》", date(2022, 6, 1), None, None, None],
        ],
        "好信息": [
            ["信息编号", "评选", "评选日期"],
            ["S1", "季度好信息", date(2022, 6, 10)],
        ],
        "约稿": [
            ["约稿编号", "单位", "下达方", "下达日期", "截止日期", "完成日期"],
            ["Y1", "人才综合处", "局办公室", date(2022, 2, 1), date(2022, 3, 15), date(2022, 3, 1)],
        ],
        "月度计划": [
            ["单位", "月份", "序号", "报送要点", "拟报送刊物", "报送时间", "联系人", "信息编号"],
            ["人才综合处", "2022-03", 1, "人才新政", "市专报", date(2022, 3, 1), "张三", "S1"],
        ],
        "信息员": [
            ["单位", "姓名", "角色", "年轻干部", "起始日期", "终止日期"],
            ["人才综合处", "张三", "信息员", "是", None, None],
            ["就业促进和失业保险处", "王五", "撰稿人", "否", None, None],
        ],
    }


def copy_book(book: Book) -> Book:
    return copy.deepcopy(book)


def column(book: Book, sheet: str, header: str) -> int:
    """The position of `header` in the sheet's header row."""
    return book[sheet][0].index(header)


def set_cell(book: Book, sheet: str, row: int, header: str, value: Any) -> Book:
    """Set the cell of spreadsheet row `row` (the header is row 1) under `header`; returns book."""
    book[sheet][row - 1][column(book, sheet, header)] = value
    return book


def rename_header(book: Book, sheet: str, header: str, written: str | None) -> Book:
    book[sheet][0][column(book, sheet, header)] = written
    return book


def add_column(book: Book, sheet: str, header: str, values: Sequence[Any] = ()) -> Book:
    """Add a column at the right: `header`, then `values` down the rows (blank after them)."""
    rows = book[sheet]
    rows[0].append(header)
    for i, row in enumerate(rows[1:]):
        row.append(values[i] if i < len(values) else None)
    return book


def write_xlsx(
    path: Path,
    book: Book,
    merges: Mapping[str, Sequence[str]] | None = None,
    above: Mapping[str, Sequence[Row]] | None = None,
) -> Path:
    """Write `book` as an .xlsx workbook (see the module's docstring).

    `above`: rows written above a sheet's header (a title row, say); `merges` then count rows
    of the sheet as written, `above` included.
    """
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for sheet, rows in book.items():
        ws = wb.create_sheet(sheet)
        for r, values in enumerate([*(above or {}).get(sheet, []), *rows], start=1):
            for c, value in enumerate(values, start=1):
                if value is not None:
                    ws.cell(r, c).value = value
        for ref in (merges or {}).get(sheet, []):
            ws.merge_cells(ref)
    wb.save(path)
    return path


def cell_text(value: Any) -> str:
    """A cell as Excel writes it to a CSV file."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else str(value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def csv_bytes(rows: Sequence[Row], encoding: str = "utf-8", sep: str = ",") -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=sep, lineterminator="\r\n")
    for row in rows:
        writer.writerow([cell_text(v) for v in row])
    return out.getvalue().encode(encoding)


def write_csv_folder(
    folder: Path,
    book: Book,
    encoding: str = "utf-8",
    sep: str = ",",
    names: Mapping[str, str | bytes] | None = None,
    raw: Mapping[str, bytes] | None = None,
) -> Path:
    """Write `book` as a folder of CSV files, one per sheet, named `<sheet>.csv`.

    `names`: another file name for a sheet (bytes for a name that is not UTF-8, as a Windows zip
    gives GBK names); `raw`: a sheet's file content as given, instead of written from the book.
    """
    folder.mkdir(parents=True, exist_ok=True)
    for sheet, rows in book.items():
        name = (names or {}).get(sheet, f"{sheet}.csv")
        data = (raw or {}).get(sheet)
        if data is None:
            data = csv_bytes(rows, encoding, sep)
        target = os.path.join(
            os.fsencode(folder), name if isinstance(name, bytes) else os.fsencode(name)
        )
        with open(target, "wb") as f:
            f.write(data)
    return folder


# ---- files that are not workbooks ------------------------------------------------------------

_FREE, _END, _FAT = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD
_SECTOR = 512


def compound_file(streams: Mapping[str, bytes]) -> bytes:
    """An OLE compound file (CFB, version 3) holding `streams`: what a legacy .xls
    ({"Workbook": …}) or an encrypted .xlsx ({"EncryptionInfo": …, "EncryptedPackage": …})
    is. Each stream is padded to 4096 bytes so that it lives in regular sectors."""
    names = list(streams)
    data = [streams[n].ljust(4096, b"\0") for n in names]
    n_dir_sectors = (len(names) + 1 + 3) // 4
    first_data = 1 + n_dir_sectors
    fat: list[int] = [_FAT]
    fat += [*range(2, 1 + n_dir_sectors), _END] if n_dir_sectors else []
    starts = []
    sector = first_data
    for blob in data:
        count = len(blob) // _SECTOR
        starts.append(sector)
        fat += [*range(sector + 1, sector + count), _END]
        sector += count
    if len(fat) > _SECTOR // 4:
        raise ValueError("streams too large for one FAT sector")
    fat += [_FREE] * (_SECTOR // 4 - len(fat))

    def entry(name: str, kind: int, child: int, right: int, start: int, size: int) -> bytes:
        encoded = name.encode("utf-16-le") + b"\0\0"
        return (
            encoded.ljust(64, b"\0")
            + struct.pack("<HBB", len(encoded), kind, 1)
            + struct.pack("<III", _FREE, right, child)
            + b"\0" * 16
            + struct.pack("<I", 0)
            + b"\0" * 16
            + struct.pack("<IQ", start, size)
        )

    entries = [entry("Root Entry", 5, 1 if names else _FREE, _FREE, _END, 0)]
    for i, (n, start) in enumerate(zip(names, starts, strict=True), start=1):
        right = i + 1 if i < len(names) else _FREE
        entries.append(entry(n, 2, _FREE, right, start, len(streams[n])))
    directory = b"".join(entries).ljust(n_dir_sectors * _SECTOR, b"\0")
    header = (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        + b"\0" * 16
        + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
        + b"\0" * 6
        + struct.pack("<IIIIIIIII", 0, 1, 1, 0, 4096, _END, 0, _END, 0)
        + struct.pack("<I", 0)
        + struct.pack("<I", _FREE) * 108
    )
    assert len(header) == _SECTOR
    return header + struct.pack(f"<{_SECTOR // 4}I", *fat) + directory + b"".join(data)
