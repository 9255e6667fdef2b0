"""Reading and checking the ledger (ledger.md): workbook or CSV folder → clean tables + problems.

`read_ledger` reads an .xlsx workbook or a folder of CSV files (UTF-8, or GBK/GB18030 as Excel
saves them on a Chinese Windows); `parse_ledger` checks sheets already in memory. Both return a
`Ledger` and never raise for bad data: every input row is either in a clean table (its `row` is
the spreadsheet row number) or named by a problem (sheet, row, column, value, reason,
suggestion) — a problem of a whole sheet (row empty: a required column missing, say) names every
row of it. Only a file that cannot be read as a ledger at all (missing, empty, not a workbook,
encrypted, a malformed CSV) raises `LedgerError`, with its problems in Chinese.

Every check is a vectorised polars expression over the whole sheet. Names (units, agencies,
publications …) are resolved once per distinct cell value and joined back; nearest-name
suggestions are computed only for the distinct values that fail.

What a cell really holds is named, never guessed at: an Excel error value (#N/A …) is an error
of that cell, not a blank; a merged cell is named as merged; a logical value (TRUE/FALSE) means
是/否 only in a 是/否 column (领导批示, 年轻干部) and is named as a logical value anywhere else; a
message about a cell with invisible characters (zero-width space, BOM, no-break space …) names
them. Full-width digits (２０２２－０３－０１, ３) are read where a date or number is expected.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import io
import os
import re
import zipfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import fastexcel
import polars as pl

from kaohe.ledger.model import (
    ADOPTIONS,
    AWARDS,
    COMMISSIONS,
    ITEMS,
    PEOPLE,
    PLANS,
    PROBLEMS,
    REQUIRED_SHEETS,
    SHARES,
    SHEETS,
    Ledger,
    LedgerError,
    Problem,
    Severity,
    empty,
    problems_frame,
)
from kaohe.ledger.names import (
    FORMAT_CLASS,
    INVISIBLE_CLASS,
    Names,
    closest,
    invisible,
    strip_format,
)
from kaohe.rules.models import Rules

__all__ = ["parse_ledger", "read_ledger"]

SheetInput = pl.DataFrame | Sequence[Mapping[str, Any]]

_DATE = (
    r"^(?P<y>\d{4})[-/](?P<m>\d{1,2})[-/](?P<d>\d{1,2})"
    r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"
)
_MONTH = r"^(?P<y>\d{4})[-/.年](?P<m>\d{1,2})月?$"
_WHOLE = r"^(\d{1,9})(?:\.0+)?$"  # a whole number, also as Excel writes it (2.0)
_SHARE_SEPARATORS = r"[；;，,、\r\n]+"
_NAME_SEPARATORS = r"[、,，;；]"
_DATE_HINT = "请写成 YYYY-MM-DD 格式的日期，例如 2022-03-01"
_YES, _NO = "是", "否"
# a logical (boolean) cell: TRUE / FALSE as Excel and its CSV files write it, true / false as
# the workbook reader gives it
_LOGICAL = {
    "TRUE": True,
    "FALSE": False,
    "true": True,
    "false": False,
    "True": True,
    "False": False,
}
# Excel's error values, as a cell shows them (and as a CSV file saved by Excel holds them)
_EXCEL_ERRORS = (
    "#N/A",
    "#DIV/0!",
    "#VALUE!",
    "#REF!",
    "#NAME?",
    "#NULL!",
    "#NUM!",
    "#GETTING_DATA",
    "#SPILL!",
    "#CALC!",
    "#FIELD!",
    "#BLOCKED!",
    "#CONNECT!",
    "#BUSY!",
    "#UNKNOWN!",
)
# how the workbook reader names them (calamine's CellErrorType)
_READER_ERRORS = {
    "NA": "#N/A",
    "Div0": "#DIV/0!",
    "Value": "#VALUE!",
    "Ref": "#REF!",
    "Name": "#NAME?",
    "Null": "#NULL!",
    "Num": "#NUM!",
    "GettingData": "#GETTING_DATA",
}
# full-width digits and separators, read where a date or a number is expected
_FULL_WIDTH = dict(zip("０１２３４５６７８９－／．：　", "0123456789-/.: ", strict=True))
_SAVE_AS_CSV = "请在 Excel 中打开此文件，另存为“CSV UTF-8（逗号分隔）”"
_SAVE_AS_XLSX = "请在 Excel 中打开它，“另存为”Excel 工作簿（*.xlsx）后再用"
# Columns of the long sheets whose cells come from short lists (names, dates, codes): a year's
# million rows hold a few hundred distinct texts. Their surrounding blanks are looked for
# among the distinct texts (`_strip_few`) instead of stripped cell by cell.
_FEW_VALUES = {
    "报送": frozenset(
        {"报送单位", "报送日期", "信息类别", "第一撰稿人", "其他撰稿人", "协作单位", "约稿编号"}
    ),
    "录用": frozenset({"录用单位", "刊物", "录用日期", "录用方式", "采纳数", "领导批示"}),
}


# ---- reading files -----------------------------------------------------------------------


@dataclass
class _Read:
    """What a reader found: the ledger's sheets as text frames, and what else it saw."""

    frames: dict[str, pl.DataFrame] = field(default_factory=dict)
    # spreadsheet row of each sheet's first data row (the header may not be on row 1)
    first_rows: dict[str, int] = field(default_factory=dict)
    fingerprint: str = ""
    # merged cells other than the first of their range: sheet → (row, column, ref)
    marks: dict[str, pl.DataFrame] = field(default_factory=dict)
    # the names of the other sheets (files) as written, for a sheet named almost right
    others: list[str] = field(default_factory=list)
    where: str = "台账"  # 工作簿 | 文件夹 | 台账
    suffix: str = ""  # ".csv" in a folder: what to add to a sheet name to name its file
    notes: list[Problem] = field(default_factory=list)
    # sheets whose file holds no "#" at all (no Excel error value to look for)
    without_hash: set[str] = field(default_factory=set)
    # sheets whose cells were stripped of surrounding blanks as they were read, except in the
    # columns named as the sheet's `_FEW_VALUES`
    stripped: set[str] = field(default_factory=set)


def read_ledger(path: str | Path, rules: Rules) -> Ledger:
    """Read and check a ledger: an .xlsx workbook or a folder of CSV files (报送.csv …)."""
    p = Path(path)
    if p.is_dir():
        read = _read_folder(p)
    elif p.is_file() and p.suffix.lower() == ".csv":
        raise _file_error(
            p,
            "台账应为 .xlsx 工作簿或 CSV 文件夹，而不是单个 CSV 文件",
            "请给出包含 报送.csv、录用.csv 等文件的文件夹",
        )
    elif p.is_file():
        read = _read_workbook(p)
    else:
        raise _file_error(
            p,
            "找不到台账文件或文件夹",
            "请检查路径：应为 .xlsx 工作簿，或含 报送.csv 等文件的文件夹",
        )
    return _parse(read, rules, str(path))


def _file_error(p: Path, reason: str, suggestion: str, shown: str | None = None) -> LedgerError:
    name = shown or _shown_name(p.name) or str(p)
    problem = Problem("error", name, None, None, _shown_name(str(p)), reason, suggestion)
    return LedgerError(problems_frame([problem]), _shown_name(str(p)))


def _shown_name(name: str) -> str:
    """A file name (or path) as text: a part that is not UTF-8 (GBK bytes from a Windows zip)
    decoded as GBK."""
    shown = []
    for part in os.fsencode(name).split(os.fsencode(os.sep)):
        for encoding in ("utf-8", "gb18030"):
            try:
                shown.append(part.decode(encoding))
                break
            except UnicodeDecodeError:
                continue
        else:
            shown.append(part.decode("utf-8", "replace"))
    return os.sep.join(shown)


def _read_folder(folder: Path) -> _Read:
    files = sorted(f for f in folder.iterdir() if f.is_file() and f.suffix.lower() == ".csv")
    read = _Read(where="文件夹", suffix=".csv")
    chosen: dict[str, Path] = {}
    for f in files:
        shown = _shown_name(f.name)
        sheet = _sheet_name(shown[: -len(f.suffix)])
        if sheet not in SHEETS:
            read.others.append(shown)
        elif sheet in chosen:
            first = _shown_name(chosen[sheet].name)
            read.notes.append(_twice(sheet, first, shown, "文件夹中", "文件"))
        else:
            chosen[sheet] = f
    # hashing (hashlib releases the GIL) runs beside the parsing; polars reads each file from
    # its path (memory-mapped), faster than from bytes read into Python and with less memory
    with ThreadPoolExecutor(max_workers=1) as pool:
        hashes = pool.map(_file_sha256, files)
        unreadable = []  # every file that cannot be read is named, not only the first
        for sheet, f in chosen.items():
            try:
                read.frames[sheet], stripped = _read_csv(f, _FEW_VALUES.get(sheet, frozenset()))
                if stripped:
                    read.stripped.add(sheet)
            except LedgerError as err:
                unreadable.append(err.problems)
        if unreadable:
            raise LedgerError(pl.concat(unreadable), _shown_name(str(folder)))
        digest = hashlib.sha256()
        for f, (file_hash, has_hash) in zip(files, hashes, strict=True):
            digest.update(os.fsencode(f.name) + b"\0" + file_hash.encode() + b"\n")
            sheet = _sheet_name(_shown_name(f.name)[: -len(f.suffix)])
            if not has_hash and chosen.get(sheet) == f:
                read.without_hash.add(sheet)
    read.fingerprint = digest.hexdigest()
    return read


def _twice(sheet: str, first: str, second: str, where: str, what: str) -> Problem:
    return Problem(
        "error",
        sheet,
        None,
        None,
        f"{first}、{second}",
        f"{where}有两个{what}“{first}”和“{second}”，名称只差空格，都是“{sheet}”",
        f"请删去或改名其中一个（只读取了“{first}”）",
    )


def _file_sha256(path: Path) -> tuple[str, bool]:
    """The file's sha256, and whether it holds a "#" (where an Excel error value could be)."""
    digest = hashlib.sha256()
    has_hash = False
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
            has_hash = has_hash or b"#" in chunk
    return digest.hexdigest(), has_hash


def _utf8(path: Path) -> bool:
    try:
        str(path).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _read_csv(f: Path, few: frozenset[str] = frozenset()) -> tuple[pl.DataFrame, bool]:
    """One CSV file as a frame of text, and whether its cells are already stripped of
    surrounding blanks (but those of the columns named in `few`, see `_FEW_VALUES`); a file
    that cannot be read as one is a LedgerError.

    A file polars reads as it is is stripped while it is read (a streaming scan: the text of
    a large file is never held twice, as read and as stripped)."""
    shown = _shown_name(f.name)
    stripped = False
    try:
        if _utf8(f):
            scan = pl.scan_csv(f, infer_schema=False, raise_if_empty=False)
            cells = [
                pl.col(c) if c in few else pl.col(c).str.strip_chars()
                for c in scan.collect_schema().names()
            ]
            frame = scan.select(cells).collect(engine="streaming")
            stripped = True
        else:  # polars takes a path as UTF-8 text: a name that is not (GBK bytes) is read here
            frame = pl.read_csv(f.read_bytes(), infer_schema=False, raise_if_empty=False)
    except pl.exceptions.PolarsError:
        frame, stripped = _read_awkward_csv(f, shown), False
    except OSError:
        raise _file_error(
            f,
            f"无法读取 {shown}（没有权限，或文件正被其他程序占用）",
            "请关闭占用它的程序后重试，或检查文件权限",
        ) from None
    _check_separator(frame, f, shown)
    return frame, stripped


def _read_awkward_csv(f: Path, shown: str) -> pl.DataFrame:
    """A CSV file polars would not read: in GBK, or malformed (the problem and its row named)."""
    data = f.read_bytes()
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise _file_error(
            f,
            f"{shown} 是 UTF-16 编码（Excel 的“Unicode 文本”），不是 CSV UTF-8",
            _SAVE_AS_CSV,
        )
    try:
        text = data.decode("utf-8-sig")
        gbk = False
    except UnicodeDecodeError as err:
        try:
            text, gbk = data.decode("gb18030"), True
        except UnicodeDecodeError:
            line = data[: err.start].count(b"\n") + 1
            raise _file_error(
                f,
                f"{shown} 不是 UTF-8 编码，也不是 GBK 编码（第 {line} 行起无法读取）",
                _SAVE_AS_CSV,
            ) from None
    if gbk:  # Excel's “CSV（逗号分隔）” on a Chinese Windows: read as it is meant
        try:
            return pl.read_csv(text.encode("utf-8"), infer_schema=False, raise_if_empty=False)
        except pl.exceptions.PolarsError:
            pass
    return _csv_by_rows(text, f, shown)


def _csv_by_rows(text: str, f: Path, shown: str) -> pl.DataFrame:
    """Parse CSV text record by record, naming the row of an unclosed quote or a row with more
    fields than the header; a file that parses so (a stray quote inside a value) is read."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    records: list[list[str]] = []
    line = 1  # the file line the next record starts on
    try:
        for record in reader:
            records.append(record)
            line = reader.line_num + 1
    except csv.Error as err:
        row = len(records) + 1
        message = str(err)
        if "unexpected end of data" in message:
            what = "引号没有闭合：从这里到文件末尾都被当成了一个值"
        elif "NUL" in message or "null byte" in message:
            what = "含有空字符（NUL），不是文本"
        else:
            what = "引号用得不对（引号括起的值后面应紧跟逗号或换行）"
        at = f"第 {row} 行" + (f"（文件第 {line} 行）" if line != row else "")
        raise _file_error(
            f,
            f"{shown} {at}格式有误：{what}",
            "值中有英文引号或逗号时，整个值须用英文引号括起；" + _SAVE_AS_CSV,
        ) from None
    if not records:
        return pl.DataFrame()
    header = records[0]
    for row, record in enumerate(records[1:], start=2):
        if len(record) > len(header):
            raise _file_error(
                f,
                f"{shown} 第 {row} 行有 {len(record)} 个值，比标题行的 {len(header)} 列多",
                "多半是某个值里有英文逗号而没有用引号括起：" + _SAVE_AS_CSV,
            )
    names = _unique_names([h if h.strip() else f"__列{j + 1}" for j, h in enumerate(header)])
    body = records[1:]
    return pl.DataFrame(
        {
            n: [r[j] if j < len(r) and r[j] != "" else None for r in body]
            for j, n in enumerate(names)
        },
        schema=dict.fromkeys(names, pl.String),
    )


def _unique_names(names: list[str]) -> list[str]:
    """Header names made unique as polars does: the second 领导批示 is 领导批示_duplicated_0."""
    seen: dict[str, int] = {}
    out = []
    for n in names:
        if n in seen:
            out.append(f"{n}_duplicated_{seen[n]}")
            seen[n] += 1
        else:
            seen[n] = 0
            out.append(n)
    return out


_SEPARATORS = (
    (";", "分号（;）"),
    ("\t", "制表符（Tab）"),
    ("；", "中文分号（；）"),
    ("，", "中文逗号（，）"),
    ("|", "竖线（|）"),
)


def _check_separator(frame: pl.DataFrame, f: Path, shown: str) -> None:
    """A file read as one column whose header holds another separator was not saved as CSV."""
    if frame.width != 1:
        return
    header = frame.columns[0]
    for sep, label in _SEPARATORS:
        if len([p for p in header.split(sep) if p.strip()]) >= 2:
            raise _file_error(
                f,
                f"{shown} 的各列用{label}分隔，不是英文逗号，"
                f"读出来只有一列“{header.replace(chr(9), ' ')}”",
                _SAVE_AS_CSV,
            )


def _read_workbook(path: Path) -> _Read:
    try:
        data = path.read_bytes()
    except OSError:
        raise _file_error(
            path,
            "无法读取台账文件（没有权限，或文件正被其他程序占用）",
            "请关闭占用它的程序（如 Excel）后重试，或检查文件权限",
        ) from None
    _refuse_other_files(path, data)
    read = _Read(fingerprint=hashlib.sha256(data).hexdigest(), where="工作簿")
    try:
        reader = fastexcel.read_excel(data)
        sheet_names = list(reader.sheet_names)
    except Exception:  # fastexcel raises several exception types for a bad file
        raise _file_error(
            path,
            "无法读取工作簿：文件已损坏，或不是 Excel 工作簿",
            "请用 Excel 打开它；能打开的话，“另存为”一个新的 .xlsx 工作簿后再用",
        ) from None
    names: dict[str, str] = {}
    for n in sheet_names:
        sheet = _sheet_name(n)
        if sheet not in SHEETS:
            read.others.append(n)
        elif sheet in names:
            read.notes.append(_twice(sheet, names[sheet], n, "工作簿中", "工作表"))
        else:
            names[sheet] = n
    # the sheets' XML is scanned for merged ranges and error cells beside the reading of the
    # cells (the reader gives an error cell as empty; reading the cells it could not read is
    # slower, so done only for a sheet whose XML holds a "#")
    scans, hash_in_strings = _scan_sheets(data, list(names.values()))
    grids = {sheet: _load_sheet(reader, path, n, False) for sheet, n in names.items()}
    for sheet, n in names.items():
        ranges, hash_in_sheet = scans.get(n, ([], True))
        grid, columns = grids[sheet]
        if hash_in_sheet:
            grid, columns = _load_sheet(reader, path, n, True)
        elif not hash_in_strings:
            read.without_hash.add(sheet)
        frame, first_row, header_at, header = _with_header(sheet, grid)
        read.frames[sheet], read.first_rows[sheet] = frame, first_row
        if ranges and header_at is not None:
            read.marks[sheet] = _merge_marks(grid, header_at, header, columns, ranges)
    return read


def _load_sheet(
    reader: Any, path: Path, name: str, with_errors: bool
) -> tuple[pl.DataFrame, list[int]]:
    """A sheet's cells as text (no header), and each grid column's position in the sheet;
    `with_errors`: an error cell holds its error value (#N/A …) instead of being empty."""
    try:
        sheet = reader.load_sheet_by_name(name, header_row=None, skip_rows=0, dtypes="string")
        columns = [c.absolute_index for c in sheet.available_columns()]
        if not with_errors:
            return sheet.to_polars(), columns
        batch, errors = sheet.to_arrow_with_errors()
    except Exception:  # fastexcel raises several exception types for a bad sheet
        raise _file_error(
            path,
            f"无法读取工作表“{name}”：工作簿可能已损坏",
            "请用 Excel 打开它，“另存为”一个新的 .xlsx 工作簿后再用",
        ) from None
    return _with_error_values(pl.DataFrame(batch), errors), columns


def _with_error_values(grid: pl.DataFrame, errors: Any) -> pl.DataFrame:
    """The grid with each Excel error cell (read as empty) holding its error value (#N/A …)."""
    found = getattr(errors, "errors", None) or []
    by_column: dict[int, dict[int, str]] = {}
    for e in found:
        row, column = e.position
        kind = re.search(r"Error\((\w+)\)", str(e.detail))
        text = _READER_ERRORS.get(kind.group(1), "#N/A") if kind else "#N/A"
        by_column.setdefault(column, {})[row] = text
    if not by_column:
        return grid
    names = grid.columns
    return grid.with_columns(
        pl.int_range(pl.len(), dtype=pl.Int64)
        .replace_strict(
            list(cells), list(cells.values()), default=pl.col(names[j]), return_dtype=pl.String
        )
        .alias(names[j])
        for j, cells in by_column.items()
    )


# file signatures (magic numbers) of what is not a workbook
_CFB = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # OLE compound file: .xls, .doc, encrypted .xlsx
_SIGNATURES = (
    (b"\x89PNG", "PNG 图片"),
    (b"\xff\xd8\xff", "JPEG 图片"),
    (b"GIF8", "GIF 图片"),
    (b"%PDF", "PDF 文件"),
    (b"Rar!", "RAR 压缩包"),
    (b"7z\xbc\xaf", "7z 压缩包"),
    (b"\x1f\x8b", "gzip 压缩包"),
)


def _refuse_other_files(path: Path, data: bytes) -> None:
    """A file that is not an .xlsx workbook (by its content, not its name) is a LedgerError."""
    shown = _shown_name(path.name)
    if not data:
        raise _file_error(
            path, f"{shown} 是空文件（0 字节）", "请重新保存或复制台账：这个文件没有任何内容"
        )
    if data.startswith(_CFB):
        if "EncryptedPackage".encode("utf-16-le") in data:
            raise _file_error(
                path,
                f"{shown} 设置了打开密码（已加密），无法读取",
                "请在 Excel 中打开它，在“文件 → 信息 → 保护工作簿 → 用密码进行加密”中清除密码，"
                "保存后再用",
            )
        if "Workbook".encode("utf-16-le") in data or "Book".encode("utf-16-le") in data:
            raise _file_error(
                path,
                f"{shown} 是旧版 Excel 97-2003 工作簿（.xls），不是 .xlsx",
                _SAVE_AS_XLSX,
            )
        raise _file_error(
            path,
            f"{shown} 是旧版 Office 文件（如 Word 97-2003 文档），不是 Excel 工作簿",
            "请给出台账的 .xlsx 工作簿（可能选错了文件）",
        )
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                members = set(z.namelist())
        except (zipfile.BadZipFile, ValueError, OSError):
            raise _file_error(
                path,
                f"{shown} 已损坏（压缩结构不完整），无法读取",
                "请用 Excel 打开它；能打开的话，“另存为”一个新的 .xlsx 工作簿后再用",
            ) from None
        spreadsheet = {"xl/workbook.xml", "xl/workbook.bin", "content.xml"}
        if not members & spreadsheet:
            what = "Word 文档" if "word/document.xml" in members else "ZIP 压缩包"
            raise _file_error(
                path,
                f"{shown} 是 {what}，不是 Excel 工作簿",
                "请给出台账的 .xlsx 工作簿；如是压缩包，请先解压",
            )
        return
    for signature, what in _SIGNATURES:
        if data.startswith(signature):
            raise _file_error(
                path,
                f"{shown} 不是 Excel 工作簿：文件内容是 {what}",
                "请给出台账的 .xlsx 工作簿（可能选错了文件）",
            )
    what, fix = _text_kind(data)
    named = "扩展名是 .xls，但" if path.suffix.lower() == ".xls" else ""
    space = " " if what[0].isascii() else ""
    raise _file_error(path, f"{shown} 不是 Excel 工作簿：{named}文件内容是{space}{what}", fix)


def _text_kind(data: bytes) -> tuple[str, str]:
    """What a file that is not a workbook holds, when it is text (HTML, CSV …), and the fix."""
    head = data[:65536]
    text = None
    for encoding in ("utf-8", "gb18030", "utf-16"):
        try:
            text = head.decode(encoding)
            break
        except UnicodeDecodeError:
            # a multi-byte character cut at the end of the head is fine
            try:
                text = head[:-3].decode(encoding)
                break
            except UnicodeDecodeError:
                continue
    if text is None or "\x00" in text:
        return "无法识别的二进制数据", "请给出台账的 .xlsx 工作簿（可能选错了文件，或文件已损坏）"
    lower = text.lstrip("\ufeff \r\n\t").lower()
    if lower.startswith("<") and ("<html" in lower or "<table" in lower):
        return (
            "网页（HTML）表格，多半是从某个系统导出的",
            _SAVE_AS_XLSX,
        )
    if lower.startswith("<?xml") and "workbook" in lower:
        return "Excel 2003 XML 表格", _SAVE_AS_XLSX
    if any(sep in text for sep in (",", "\t", ";")):
        return (
            "CSV 或文本表格",
            _SAVE_AS_XLSX + "；或把每张表存为 UTF-8 CSV（报送.csv 等）放在一个文件夹里，给出文件夹",
        )
    return "文本", "请给出台账的 .xlsx 工作簿（可能选错了文件）"


_MERGE_CELL = re.compile(
    rb"<(?:\w+:)?mergeCell\b[^>]*?\bref=\"([A-Z]{1,3})(\d+)(?::([A-Z]{1,3})(\d+))?\""
)


Ranges = list[tuple[int, int, int, int]]


def _scan_sheets(data: bytes, wanted: list[str]) -> tuple[dict[str, tuple[Ranges, bool]], bool]:
    """From the workbook's XML: for each sheet named in `wanted`, its merged ranges (first row,
    first column, last row, last column; 1-based) and whether its XML holds a "#" (an error
    cell, perhaps); and whether the shared strings hold one. Only the end of a sheet's XML
    (after its cells) can hold merged ranges: the cells are streamed past, never parsed. A
    sheet that cannot be scanned is left out (the caller then assumes the worst)."""
    out: dict[str, tuple[Ranges, bool]] = {}
    hash_in_strings = True
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            strings = [m for m in z.namelist() if m.lower().endswith("sharedstrings.xml")]
            hash_in_strings = any(b"#" in z.read(m) for m in strings)
            paths = _sheet_paths(z)
            for name in wanted:
                member = paths.get(name)
                if member is None or member not in z.NameToInfo:
                    continue
                tail = b""
                has_hash = found = False
                with z.open(member) as f:
                    while chunk := f.read(1 << 23):
                        has_hash = has_hash or b"#" in chunk
                        if found:
                            tail += chunk
                        elif b"mergeCell" in chunk or b"mergeCell" in tail + chunk[:16]:
                            found, tail = True, tail + chunk
                        else:
                            tail = chunk[-16:]
                ranges: Ranges = []
                out[name] = (ranges, has_hash)
                for m in _MERGE_CELL.finditer(tail):
                    c1, r1 = _column_number(m.group(1).decode()), int(m.group(2))
                    c2 = _column_number(m.group(3).decode()) if m.group(3) else c1
                    r2 = int(m.group(4)) if m.group(4) else r1
                    ranges.append((r1, c1, r2, c2))
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, ElementTree.ParseError):
        return out, hash_in_strings
    return out, hash_in_strings


def _sheet_paths(z: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name → the member of the zip holding its XML (xl/worksheets/sheet1.xml …)."""
    targets = {}
    for el in ElementTree.fromstring(z.read("xl/_rels/workbook.xml.rels")).iter():
        if el.tag.endswith("Relationship") and "Id" in el.attrib:
            target = el.attrib.get("Target", "")
            member = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
            targets[el.attrib["Id"]] = re.sub(r"(^|/)\./", r"\1", member)
    paths = {}
    for el in ElementTree.fromstring(z.read("xl/workbook.xml")).iter():
        if el.tag.endswith("}sheet") or el.tag == "sheet":
            rid = next((v for k, v in el.attrib.items() if k.endswith("}id")), None)
            if rid in targets and "name" in el.attrib:
                paths[el.attrib["name"]] = targets[rid]
    return paths


def _column_number(letters: str) -> int:
    """A → 1, Z → 26, AA → 27."""
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def _column_letters(n: int) -> str:
    out = ""
    while n:
        n, r = divmod(n - 1, 26)
        out = chr(65 + r) + out
    return out


def _merge_marks(
    grid: pl.DataFrame,
    header_at: int,
    header: list[str],
    columns: list[int],
    ranges: list[tuple[int, int, int, int]],
) -> pl.DataFrame:
    """The body cells that a merged range left empty (all of the range but its first cell,
    when that one has a value): spreadsheet row, the column's header, the range."""
    position = {absolute + 1: j for j, absolute in enumerate(columns)}
    body = header_at + 2  # spreadsheet row of the first data row
    rows: list[int] = []
    names: list[str] = []
    refs: list[str] = []
    for r1, c1, r2, c2 in ranges:
        first = position.get(c1)
        if r2 < body or first is None or r1 > grid.height:
            continue
        value = grid[r1 - 1, first]
        if value is None or not str(value).strip():
            continue  # nothing was hidden: every cell of the range is empty
        ref = f"{_column_letters(c1)}{r1}:{_column_letters(c2)}{r2}"
        for c in range(c1, c2 + 1):
            j = position.get(c)
            if j is None:
                continue
            for r in range(max(r1, body), r2 + 1):
                if (r, c) != (r1, c1):
                    rows.append(r)
                    names.append(header[j])
                    refs.append(ref)
    return pl.DataFrame(
        {"row": rows, "column": names, "ref": refs},
        schema={"row": pl.Int64, "column": pl.String, "ref": pl.String},
    )


def _with_header(sheet: str, grid: pl.DataFrame) -> tuple[pl.DataFrame, int, int | None, list[str]]:
    """Take the header row out of a sheet read without one.

    Returns (frame, first data row, header row's index in the grid, each grid column's name).
    The header is the first row that names a known column of the sheet (or the first non-empty
    row); row numbers stay those of the spreadsheet even when rows above it are empty. A header
    written twice keeps both columns (the second as 领导批示_duplicated_0, as polars names it in
    a CSV file), so that the sheet check can name it.
    """
    known = set(SHEETS[sheet])
    header_at = None
    for i, values in enumerate(grid.head(20).iter_rows()):
        cells = [_header(v) for v in values if v is not None and v.strip()]
        if header_at is None and cells:
            header_at = i
        if known & set(cells):
            header_at = i
            break
    if header_at is None:
        return pl.DataFrame(), 2, None, []
    names = _unique_names(
        [
            v if v is not None and v.strip() else f"__列{_column_letters(j + 1)}"
            for j, v in enumerate(grid.row(header_at))
        ]
    )
    body = grid.slice(header_at + 1)
    columns = [pl.col(old).alias(new) for old, new in zip(body.columns, names, strict=True)]
    # an Excel date arrives as "2022-03-01 00:00:00": show it as the office sees it
    return (
        body.select(c.str.strip_suffix(" 00:00:00") for c in columns),
        header_at + 2,
        header_at,
        names,
    )


# ---- in-memory sheets → text frames --------------------------------------------------------


def _sheet_name(name: str) -> str:
    return strip_format(re.sub(r"\s+", "", name))


_NOTE = re.compile(r"[（(][^（）()]*[）)]$")  # a note after a header: 领导批示（是/否）


def _header(name: str) -> str:
    """A header as the office may write it: spaces, invisible characters, a required-marker *
    and a note in brackets at the end (领导批示（是/否）) are not part of it."""
    h = strip_format(re.sub(r"\s+", "", str(name))).strip("*＊")
    if h.endswith(("）", ")")):
        return _NOTE.sub("", h).strip("*＊") or h
    return h


def _cell_text(value: Any) -> str | None:
    """A cell as text: dates ISO, whole numbers without .0, booleans TRUE/FALSE (as Excel)."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime):
        return (
            value.date().isoformat()
            if value.time() == datetime.min.time()
            else value.isoformat(" ")
        )
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        if value != value:  # NaN: an empty cell
            return None
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, int | Decimal):
        return str(value)
    return str(value)


def _text_frame(data: SheetInput, sheet: str) -> pl.DataFrame:
    """Any supported sheet input as a frame of String columns.

    A sheet given without any row and column (``[]``) has the sheet's headers: in memory there is
    no header row to check.
    """
    nothing = data.shape == (0, 0) if isinstance(data, pl.DataFrame) else len(data) == 0
    if nothing:
        return pl.DataFrame(schema=dict.fromkeys(SHEETS[sheet], pl.String))
    if isinstance(data, pl.DataFrame):
        columns = []
        for name, dtype in data.schema.items():
            c = pl.col(name)
            if dtype == pl.String:
                columns.append(c)
            elif dtype == pl.Date:
                columns.append(c.dt.strftime("%Y-%m-%d"))
            elif isinstance(dtype, pl.Datetime):
                columns.append(c.dt.strftime("%Y-%m-%d %H:%M:%S"))
            elif dtype == pl.Boolean:
                columns.append(pl.when(c).then(pl.lit("TRUE")).when(~c).then(pl.lit("FALSE")))
            elif dtype.is_float():
                columns.append(
                    pl.when(c.is_nan())
                    .then(None)
                    .when(c == c.round(0))
                    .then(c.cast(pl.Int64, strict=False).cast(pl.String))
                    .otherwise(c.cast(pl.String))
                )
            elif dtype.is_numeric() or dtype == pl.Null:
                columns.append(c.cast(pl.String))
            else:
                columns.append(c.map_elements(_cell_text, return_dtype=pl.String))
            columns[-1] = columns[-1].cast(pl.String).alias(name)
        return data.select(columns)
    rows = list(data)
    names: dict[str, None] = {}
    for r in rows:
        names.update(dict.fromkeys(r))
    if not names:
        # rows without any cell: keep their count so that each is reported as an empty row
        return pl.DataFrame({"__空": [None] * len(rows)}, schema={"__空": pl.String})
    return pl.DataFrame(
        {n: [_cell_text(r.get(n)) for r in rows] for n in names},
        schema=dict.fromkeys(names, pl.String),
    )


# ---- one sheet under check ----------------------------------------------------------------


def _strip_few(values: pl.Series, column: pl.Expr) -> tuple[pl.Expr, pl.Series]:
    """`column` stripped of surrounding blanks, where any of its distinct `values` has some: a
    column of a few distinct texts is looked at once per text, and most columns have none.

    Also the distinct texts of the column as the sheet then holds it (a blank one is null; null
    is always among them, in order), for the checks of the column to look up (`_Sheet.texts`)
    instead of finding them again."""
    distinct = values.unique()
    stripped = distinct.str.strip_chars()
    texts = stripped.filter(stripped != "").unique().sort()
    # (one chunk: what is computed from them, gathered row by row, is then one chunk too)
    texts = texts.extend_constant(None, 1).rechunk()
    if (distinct == stripped).all():
        return column, texts
    return column.str.strip_chars(), texts


def _lit(value: str | pl.Expr | None) -> pl.Expr:
    if isinstance(value, pl.Expr):
        return value.cast(pl.String)
    return pl.lit(value, dtype=pl.String)


_DUPLICATED = re.compile(r"_duplicated_\d+$")


class _Sheet:
    """A sheet's rows as stripped text (blank → null) plus `row`, and its problems so far."""

    def __init__(
        self,
        name: str,
        frame: pl.DataFrame | None,
        first_row: int,
        marks: pl.DataFrame | None = None,
        look_for_errors: bool = True,
        stripped: bool = False,
    ) -> None:
        self.name = name
        self.spec = SHEETS[name]
        self.present = frame is not None
        self.problems: list[pl.DataFrame] = []
        self.notes: list[Problem] = []
        # rows left out of the clean table with a warning only (a duplicate counted once)
        self.dropped: list[pl.DataFrame] = []
        # positions in `problems` of the warnings of dates outside the period (withdrawn when
        # the whole ledger is another year's)
        self.period_warnings: list[int] = []
        # cells already named by a problem of what they hold (an error value, a merged cell):
        # header → rows, not to be named again as a blank required cell
        self.named_cells: dict[str, pl.Series] = {}
        # the whole sheet cannot be used (a required column missing, no header): named once,
        # at the sheet, and none of its rows is clean
        self.refused = False
        frame = frame if frame is not None else pl.DataFrame()
        self.rows_read = frame.height
        by_header, extra, twice = self._columns(frame)
        self.missing = [h for h in self.spec if h not in by_header]

        few = _FEW_VALUES.get(name, frozenset())
        # header → every distinct text of its column (see `_strip_few`, `texts`)
        self._texts: dict[str, pl.Series] = {}

        def text(header: str, column: str) -> pl.Expr:
            c = pl.col(column).cast(pl.String)
            if stripped and column not in few:  # stripped as it was read
                return c
            if header in few and frame[column].dtype == pl.String:
                expr, self._texts[header] = _strip_few(frame[column], c)
                return expr
            return c.str.strip_chars()

        cells = [
            text(h, by_header[h]).alias(h)
            if h in by_header
            else pl.lit(None, dtype=pl.String).alias(h)
            for h in self.spec
        ]
        marked = (
            marks.filter(pl.col("column").is_in(list(by_header.values())))
            if (marks is not None and marks.height)
            else None
        )
        if frame.width == 0:
            df = pl.DataFrame(
                schema={
                    **dict.fromkeys(self.spec, pl.String),
                    "row": pl.Int64,
                    "_elsewhere": pl.Boolean,
                }
            )
        else:
            # a row with text only in columns the sheet does not define is not an empty row
            elsewhere = (
                pl.any_horizontal(
                    pl.col(c).cast(pl.String).str.strip_chars().str.len_bytes() > 0 for c in extra
                ).fill_null(False)
                if extra
                else pl.lit(False)
            )
            row = pl.int_range(first_row, pl.len() + first_row, dtype=pl.Int64)
            if marked is not None:  # nor is a row whose cells of a merged range are empty
                elsewhere = elsewhere | row.is_in(marked["row"].implode())
            df = frame.select(*cells, row=row, _elsewhere=elsewhere)
            # a blank cell (or only spaces) is null; most columns have none
            has_blank = df.select((pl.col(h) == "").any() for h in self.spec).row(0)
            df = df.with_columns(
                pl.when(pl.col(h) != "").then(pl.col(h)).alias(h)
                for h, blank in zip(self.spec, has_blank, strict=True)
                if blank
            )
            # one chunk per column (the reader gives many): every later filter and join on the
            # sheet is much faster so
            df = df.rechunk()
        if self.present:
            self._header_notes(frame, extra, twice)
        blank = pl.all_horizontal(pl.col(h).is_null() for h in self.spec) & ~pl.col("_elsewhere")
        if self.flag(df, blank, None, "空行，已跳过", "如有内容，请填在规定的列中", "warning"):
            df = df.filter(~blank)
        self.df = df.drop("_elsewhere")  # (no blank row: nothing to filter, nothing copied)
        if look_for_errors and frame.width:
            self._error_values(frame, extra, first_row)
        if marked is not None:
            self._merged(marked, {c: h for h, c in by_header.items()})
        for h, required in self.spec.items():
            if required and h not in self.missing:
                blank_cell = pl.col(h).is_null()
                if h in self.named_cells:
                    blank_cell = blank_cell & ~pl.col("row").is_in(self.named_cells[h].implode())
                self.flag(self.df, blank_cell, h, "必填项为空", f"请填写“{h}”")

    def _columns(self, frame: pl.DataFrame) -> tuple[dict[str, str], list[str], dict[str, list]]:
        """The frame's column of each header of the sheet, the other columns, and the headers
        written more than once (with all their columns)."""
        by_header: dict[str, str] = {}
        extra: list[str] = []
        twice: dict[str, list[str]] = {}
        for col in frame.columns:
            h = _header(col)
            if h not in self.spec:
                base = _DUPLICATED.sub("", col)
                h = _header(base) if base != col else h
            if h in self.spec:
                if h in by_header:
                    twice.setdefault(h, [by_header[h]]).append(col)
                else:
                    by_header[h] = col
            else:
                extra.append(col)
        return by_header, extra, twice

    def _header_notes(
        self, frame: pl.DataFrame, extra: list[str], twice: dict[str, list[str]]
    ) -> None:
        """Sheet-level problems of the header row: one problem each, never one per row."""
        name = self.name
        if frame.width == 0:
            self.refused = True
            self.notes.append(
                Problem(
                    "error",
                    name,
                    None,
                    None,
                    None,
                    f"工作表“{name}”是空的：没有标题行，也没有数据",
                    f"请在第一行写上“{name}”表的列名（{'、'.join(self.spec)}）"
                    + ("" if name in REQUIRED_SHEETS else "，或从台账中删去这张空表"),
                )
            )
            return
        for h, columns in twice.items():
            shown = "、".join(f"“{_DUPLICATED.sub('', c)}”" for c in columns)
            self.notes.append(
                Problem(
                    "error",
                    name,
                    None,
                    h,
                    h,
                    f"工作表“{name}”有 {len(columns)} 列都是“{h}”（{shown}），不知以哪列为准",
                    f"请删去多余的列，只留一列“{h}”",
                )
            )
        named = [c for c in extra if not c.startswith(("__列", "__空")) and _header(c)]
        unexplained = []  # missing columns without a column that is close to them
        for h in self.missing:
            near = closest(h, named)
            if near is not None:
                named.remove(near)
                if self.spec[h]:
                    self.refused = True
                    reason = f"工作表“{name}”缺少必填列“{h}”，但有相近的列“{near}”（未读取）"
                    fix = f"如“{near}”就是“{h}”，请把列名改为“{h}”"
                else:
                    reason = (
                        f"工作表“{name}”没有“{h}”列，但有相近的列“{near}”"
                        f"（未读取，“{h}”会全部按空白计分）"
                    )
                    fix = (
                        f"如“{near}”就是“{h}”，请把列名改为“{h}”；"
                        f"如不是，请另加一列“{h}”（可以留空）"
                    )
                self.notes.append(Problem("error", name, None, h, near, reason, fix))
                continue
            unexplained.append(h)
            if self.spec[h]:
                self.refused = True
                self.notes.append(
                    Problem(
                        "error",
                        name,
                        None,
                        h,
                        None,
                        f"工作表“{name}”缺少必填列“{h}”",
                        f"请在标题行加上“{h}”列",
                    )
                )
        # a column with values but no header may be the one that is missing
        unnamed = [c for c in extra if c.startswith("__列") or not _header(_DUPLICATED.sub("", c))]
        if unnamed:
            filled = frame.select(
                pl.col(c).cast(pl.String).str.strip_chars().str.len_bytes().max() > 0
                for c in unnamed
            ).row(0)
            missing = unexplained
            for c, has_values in zip(unnamed, filled, strict=True):
                if not has_values:
                    continue
                letter = (
                    c.removeprefix("__列")
                    if c.startswith("__列")
                    else _column_letters(frame.columns.index(c) + 1)
                )
                if missing:
                    self.notes.append(
                        Problem(
                            "error",
                            name,
                            None,
                            missing[0],
                            None,
                            f"工作表“{name}”第 {letter} 列有内容但没有列名（未读取），"
                            f"而本表缺少“{'”“'.join(missing)}”列",
                            f"请在第 {letter} 列的标题行填上列名（如是“{missing[0]}”，就写“{missing[0]}”）",
                        )
                    )
                else:
                    self.notes.append(
                        Problem(
                            "warning",
                            name,
                            None,
                            None,
                            None,
                            f"工作表“{name}”第 {letter} 列有内容但没有列名，未读取",
                            "如此列有用，请填上列名；否则可删去此列",
                        )
                    )

    def _error_values(self, frame: pl.DataFrame, extra: list[str], first_row: int) -> None:
        """Excel error values (#N/A, #DIV/0! …): an error in a column of the sheet (the cell is
        then empty to every other check), a warning in a column the sheet does not read."""
        present = [h for h in self.spec if h not in self.missing]
        hits = (
            self.df.select(pl.col(h).str.starts_with("#").any() for h in present).row(0)
            if present
            else ()
        )
        for h, hit in zip(present, hits, strict=True):
            if not hit:
                continue
            is_error = pl.col(h).is_in(_EXCEL_ERRORS)
            self.flag(
                self.df,
                is_error,
                h,
                pl.format("单元格是 Excel 错误值 {}（公式出错，或引用的数据已不在）", pl.col(h)),
                "请改正此格的公式，或直接填入实际的值（可“选择性粘贴 → 数值”）",
            )
            self.named_cells[h] = self.df.filter(is_error)["row"]
            self.df = self.df.with_columns(pl.when(~is_error).then(pl.col(h)).alias(h))
        readable = [c for c in extra if not c.startswith("__空")]
        if not readable:
            return
        rows = frame.select(
            pl.col(c).cast(pl.String).str.strip_chars().is_in(_EXCEL_ERRORS).any() for c in readable
        ).row(0)
        for c, hit in zip(readable, rows, strict=True):
            if not hit:
                continue
            cells = frame.select(
                value=pl.col(c).cast(pl.String).str.strip_chars(),
                row=pl.int_range(first_row, pl.len() + first_row, dtype=pl.Int64),
            )
            shown = c.removeprefix("__列") if c.startswith("__列") else _DUPLICATED.sub("", c)
            self.flag(
                cells,
                pl.col("value").is_in(_EXCEL_ERRORS),
                shown,
                pl.format("单元格是 Excel 错误值 {}（此列不参与计分）", pl.col("value")),
                "请检查此列的公式",
                "warning",
                value=pl.col("value"),
            )

    def _merged(self, marks: pl.DataFrame, header_of: dict[str, str]) -> None:
        """The cells a merged range left empty: an error each (the value is only in the range's
        first cell, so the rows below it would be read without it)."""
        marks = marks.with_columns(
            pl.col("column").replace_strict(header_of, return_dtype=pl.String)
        )
        for h in self.spec:
            cells = marks.filter(pl.col("column") == h)
            if cells.height == 0:
                continue
            self.flag(
                cells,
                pl.lit(True),
                h,
                pl.format(
                    "合并单元格（{}）：只有合并区域的第一格有值，此格读出来是空的", pl.col("ref")
                ),
                "请取消合并单元格（开始 → 合并后居中 → 取消单元格合并），并在每一行填上完整的值",
                value=pl.lit(None),
            )
            rows = cells["row"]
            known = self.named_cells.get(h)
            self.named_cells[h] = rows if known is None else pl.concat([known, rows])

    def flag(
        self,
        frame: pl.DataFrame,
        cond: pl.Expr,
        column: str | None,
        reason: str | pl.Expr,
        suggestion: str | pl.Expr | None = None,
        severity: Severity = "error",
        value: pl.Expr | None = None,
    ) -> bool:
        """Report every row of `frame` where `cond` holds (null counts as false); whether any."""
        hit = frame.filter(cond)
        if hit.height == 0:
            return False
        if value is None:
            value = pl.col(column) if column is not None else pl.lit(None)
        self.problems.append(
            hit.select(
                severity=pl.lit(severity, dtype=pl.String),
                sheet=pl.lit(self.name, dtype=pl.String),
                row=pl.col("row").cast(pl.Int64),
                column=pl.lit(column, dtype=pl.String),
                value=_lit(value),
                reason=_lit(reason),
                suggestion=_lit(suggestion),
            )
        )
        return True

    def frame(self) -> pl.DataFrame:
        parts = [problems_frame(self.notes), *self.problems]
        return pl.concat([p.select(list(PROBLEMS)) for p in parts], how="vertical")

    def excluded_rows(self) -> pl.DataFrame:
        """Rows with an error, and rows dropped as duplicates."""
        errors = [p.filter(pl.col("severity") == "error").select("row") for p in self.problems]
        rows = [*errors, *self.dropped]
        if not rows:
            return pl.DataFrame(schema={"row": pl.Int64})
        return pl.concat(rows).unique()

    def texts(self, frame: pl.DataFrame, *headers: str) -> dict[str, pl.Series] | None:
        """Every distinct text of each of `headers` (null among them) in `frame`, known since
        the sheet was built: when `frame` is the sheet's rows with columns added (as each check
        makes it), and those are columns of a few distinct texts (`_FEW_VALUES`). Else None.

        A text the sheet no longer holds (an Excel error value, now null) may be among them:
        a lookup then also looks up a text no row has, which changes nothing."""
        if frame.height != self.df.height or any(h not in self._texts for h in headers):
            return None
        return {h: self._texts[h] for h in headers}

    def clean(self, frame: pl.DataFrame) -> pl.DataFrame:
        """The rows of `frame` that carry no error (and are not dropped duplicates)."""
        if self.refused:
            return frame.head(0)
        excluded = self.excluded_rows()
        if excluded.height == 0:
            return frame
        return frame.filter(~pl.col("row").is_in(excluded["row"].implode()))


# ---- vectorised helpers -------------------------------------------------------------------


def _lookup(
    frame: pl.DataFrame,
    keys: list[str],
    fn: Callable[..., tuple[Any, ...]],
    out: dict[str, pl.DataType | type[pl.DataType]],
    texts: Mapping[str, pl.Series] | None = None,
) -> pl.DataFrame:
    """Compute `fn` once per distinct combination of `keys` and add its results to every row.

    The distinct combinations are found once (comparing the texts); each row then finds its
    combination by one 64-bit hash of its key cells, exact when no two combinations share a
    hash (checked; otherwise each key becomes integer codes, combined into one integer). When
    every result is a key cell itself or null (names all written as the roster spells them),
    no row needs to find its combination.

    `texts`: every distinct text of each key column (`_Sheet.texts`), when known: one key's
    are its combinations; several keys' combinations are found from each row's place among
    each key's texts, one integer per row.
    """
    rows = frame.select(keys)
    positions: Callable[[], pl.Series]
    if texts is None:
        distinct = rows.unique(maintain_order=True)
        positions = functools.cache(lambda: _row_positions(rows, distinct))
    elif len(keys) == 1:
        distinct = texts[keys[0]].to_frame(keys[0])
        positions = functools.cache(lambda: _all_found(rows.to_series(), texts[keys[0]]))
    else:
        distinct, found = _combinations(rows, texts)
        positions = lambda: found  # noqa: E731
    results = [fn(*row) for row in distinct.iter_rows()]
    table = pl.DataFrame(results, schema=out, orient="row")
    return frame.with_columns(_spread(c, positions, distinct, frame) for c in table.get_columns())


def _all_found(column: pl.Series, values: pl.Series) -> pl.Series:
    """`_positions` of `column` among `values`, which must hold every value of `column`."""
    positions = _positions(column, values)
    if positions.null_count():
        missing = column.filter(positions.is_null()).head(1).to_list()
        raise RuntimeError(f"internal: {column.name} holds {missing} that its texts do not")
    return positions


def _combinations(
    rows: pl.DataFrame, texts: Mapping[str, pl.Series]
) -> tuple[pl.DataFrame, pl.Series]:
    """The distinct rows of `rows` (in the order they first occur) and each row's position
    among them, from each row's place among each column's `texts` (every distinct text of the
    column): one integer per row, so that finding the combinations compares integers, not
    texts."""
    combined, size = _combined((_all_found(rows[k], texts[k]), len(texts[k])) for k in rows.columns)
    first = combined.arg_unique()
    distinct = rows.gather(first)
    if size <= 2**22:  # a table of every possible combination: each row's position read off it
        table = pl.repeat(None, size, dtype=pl.UInt32, eager=True)
        places = pl.int_range(len(first), dtype=pl.UInt32, eager=True)
        return distinct, table.scatter(combined.gather(first), places).gather(combined)
    return distinct, _positions(combined, combined.gather(first))


def _combined(codes: Iterable[tuple[pl.Series, int]]) -> tuple[pl.Series, int]:
    """One integer per row, the same for the same combination of the columns' codes (each
    (code, n): every row's place among the column's n values), and how many integers it can
    take. When that would pass 2**62, the combinations so far that occur are renumbered first
    (an Int64 never overflows)."""
    combined, size = None, 1
    for code, n in codes:
        if combined is None:
            combined, size = code.cast(pl.Int64), n
            continue
        if size * n >= 2**62:
            occurring = combined.unique(maintain_order=True)
            combined, size = _positions(combined, occurring), len(occurring)
        combined, size = combined * n + code, size * n
    assert combined is not None  # (at least one column)
    return combined, size


def _row_positions(rows: pl.DataFrame, distinct: pl.DataFrame) -> pl.Series:
    """For each row of `rows`, the position of its values among the rows of `distinct` (the
    distinct rows of `rows`, nulls included)."""
    if rows.width == 1:
        return _positions(rows.to_series(), distinct.to_series())
    hashes = distinct.hash_rows()
    if hashes.n_unique() == distinct.height:
        return _positions(rows.hash_rows(), hashes)
    values = {k: distinct[k].unique(maintain_order=True) for k in rows.columns}
    combined, _ = _combined((_positions(rows[k], values[k]), len(values[k])) for k in rows.columns)
    first = combined.arg_unique()  # the first row of each combination, in `distinct`'s order
    return _positions(combined, combined.gather(first))


def _spread(
    result: pl.Series,
    index: Callable[[], pl.Series],
    distinct: pl.DataFrame,
    frame: pl.DataFrame,
) -> pl.Series:
    """One result per distinct combination (`result`, in `distinct`'s order) given to every row
    of `frame` (`index()`: each row's combination, found only when a result needs it)."""
    if result.null_count() == result.len():  # (a hint, when all names are known)
        return pl.repeat(None, frame.height, dtype=result.dtype, eager=True).alias(result.name)
    for k in distinct.columns:
        # the result is the key cell itself (a name already written as the roster spells
        # it): the key column is shared, not copied row by row
        if distinct[k].dtype == result.dtype and distinct[k].eq_missing(result).all():
            return frame[k].alias(result.name)
    return result.gather(index())


def _positions(column: pl.Series, values: pl.Series) -> pl.Series:
    """For each element of `column`, the position of its value among `values`.

    `values` are the distinct values of `column` (null included), so matching texts by their
    64-bit hashes (much cheaper than by the texts) is exact when no two values share a hash.
    """
    if values.dtype == pl.String:
        hashes = values.hash()
        if hashes.n_unique() == values.len():
            column, values = column.hash(), hashes
    positions = values.to_frame("_value").with_columns(
        _position=pl.int_range(pl.len(), dtype=pl.Int64)
    )
    return column.to_frame("_value").join(
        positions, on="_value", how="left", nulls_equal=True, maintain_order="left"
    )["_position"]


def _join_back(frame: pl.DataFrame, keys: list[str], table: pl.DataFrame) -> pl.DataFrame:
    """Add the columns of `table` (unique on `keys`) to `frame`, matching on `keys`."""
    return frame.with_columns(_matched(frame.select(keys), table).get_columns())


def _matched(wanted: pl.DataFrame, table: pl.DataFrame) -> pl.DataFrame:
    """The other columns of `table` (unique on the columns of `wanted`) for each row of
    `wanted`, in its order (nulls where it has no match). Only the key columns take part in
    the join, so a wide frame is never gathered."""
    if wanted.width == 1 and table.height:
        positions = _sorted_positions(wanted.to_series(), table[wanted.columns[0]])
        if positions is not None:
            return table.drop(wanted.columns).select(pl.all().gather(positions))
    mapped = wanted.join(
        table, on=wanted.columns, how="left", nulls_equal=True, maintain_order="left"
    )
    return mapped.drop(wanted.columns)


def _sorted_positions(wanted: pl.Series, keys: pl.Series) -> pl.Series | None:
    """The position of each value of `wanted` among `keys` (distinct, without null) by a binary
    search, when `keys` are in order (ids numbered in order, the usual case: cheaper than a
    join on the texts); None when they are not, or a value of `wanted` is not among them (the
    caller then joins, and says which are unknown)."""
    if keys.dtype != wanted.dtype or keys.null_count() or not keys.is_sorted():
        return None
    # a value past the last key is found at len(keys): looked at as the last key instead
    found = keys.search_sorted(wanted).cast(pl.UInt32).clip(upper_bound=keys.len() - 1)
    if wanted.null_count() == 0:
        return found if (keys.gather(found) == wanted).all() else None
    present = wanted.is_not_null()
    if not (keys.gather(found).eq_missing(wanted) | ~present).all():
        return None
    return found.zip_with(present, pl.repeat(None, found.len(), dtype=pl.UInt32, eager=True))


def _per_value(
    frame: pl.DataFrame,
    column: str,
    expr: pl.Expr,
    out: str,
    texts: Mapping[str, pl.Series] | None = None,
) -> pl.DataFrame:
    """Add `out` = `expr` (an expression of `column`), computed once per distinct value
    (`texts[column]`: every distinct value, when known; see `_Sheet.texts`)."""
    if texts is None:
        table = frame.select(pl.col(column).unique()).with_columns(expr.alias(out))
        return frame.with_columns(table[out].gather(_positions(frame[column], table[column])))
    table = texts[column].to_frame(column).with_columns(expr.alias(out))
    return frame.with_columns(table[out].gather(_all_found(frame[column], table[column])))


def _first_of_each(values: pl.Series) -> pl.Series:
    """True on the first row of each distinct non-null value."""
    if values.null_count() == 0 and values.is_sorted():
        # ids numbered in order (the usual case): a repeat sits right after its first row,
        # so a comparison with the row above replaces hashing every value
        return values.ne_missing(values.shift(1))
    return values.is_not_null() & values.is_first_distinct()


def _ascii(column: str) -> pl.Expr:
    """The column with full-width digits and separators as ASCII (２０２２－０３－０１)."""
    return pl.col(column).str.replace_many(list(_FULL_WIDTH), list(_FULL_WIDTH.values()))


def _parse_date(column: str) -> pl.Expr:
    g = _ascii(column).str.extract_groups(_DATE)
    text = pl.concat_str(
        [g.struct.field("y"), g.struct.field("m").str.zfill(2), g.struct.field("d").str.zfill(2)],
        separator="-",
    )
    return text.str.to_date("%Y-%m-%d", strict=False)


def _whole(column: str) -> pl.Expr:
    return _ascii(column).str.extract(_WHOLE, 1).cast(pl.Int64, strict=False)


# what a person's name loses: whitespace, and characters that show as nothing (a zero-width
# space pasted with a name is not another person)
_NOT_IN_NAME = "[\\s" + FORMAT_CLASS[1:] + "+"


def _person(column: str) -> pl.Expr:
    name = pl.col(column).str.replace_all(_NOT_IN_NAME, "")
    return pl.when(name.str.len_chars() > 0).then(name)


def _people(column: str) -> pl.Expr:
    parts = pl.col(column).str.replace_all(_NAME_SEPARATORS, "、").str.split("、")
    parts = parts.list.eval(pl.element().str.replace_all(_NOT_IN_NAME, "")).list.eval(
        pl.element().filter(pl.element().str.len_chars() > 0)
    )
    return (
        pl.when(pl.col(column).is_null())
        .then(pl.lit([], dtype=pl.List(pl.String)))
        .otherwise(parts)
    )


def _parse_contributors(cells: pl.DataFrame) -> pl.DataFrame:
    """Split 协作单位 cells into parts (`_pos` = place in the cell) and parse each part's share.

    `_share` is in hundredths; `_shape_ok` / `_decimals_ok` say whether the share could be read
    and has at most two decimals; `_approx` is the share as written, for a suggestion.
    """
    parts = (
        cells.with_columns(
            _part=_ascii("协作单位").str.replace_all(_SHARE_SEPARATORS, "\n").str.split("\n")
        )
        .with_columns(_pos=pl.int_ranges(pl.col("_part").list.len()))
        .explode("_part", "_pos")
        .with_columns(pl.col("_part").str.strip_chars())
        .filter(pl.col("_part").str.len_chars() > 0)
    )
    m = pl.col("_part").str.extract_groups(r"^(?P<name>.+?)\s*[:：]\s*(?P<share>.*)$")
    parts = parts.with_columns(_name=m.struct.field("name"), _share_text=m.struct.field("share"))
    s = pl.col("_share_text").str.extract_groups(
        r"^(?P<int>\d{0,6})(?:\.(?P<frac>\d*))?\s*(?P<pct>[%％])?$"
    )
    parts = parts.with_columns(
        _int=s.struct.field("int"), _frac=s.struct.field("frac"), _pct=s.struct.field("pct")
    )
    int_s = pl.col("_int").fill_null("")
    frac_raw = pl.col("_frac").fill_null("")
    frac = frac_raw.str.strip_chars_end("0")
    pct = pl.col("_pct").is_not_null()
    whole = pl.when(int_s == "").then(0).otherwise(int_s.cast(pl.Int64, strict=False))
    return parts.with_columns(
        _shape_ok=pl.col("_int").is_not_null()
        & ((int_s.str.len_chars() + frac_raw.str.len_chars()) > 0),
        _decimals_ok=pl.when(pct)
        .then(frac.str.len_chars() == 0)
        .otherwise(frac.str.len_chars() <= 2),
        _share=pl.when(pct)
        .then(whole)
        .otherwise(whole * 100 + frac.str.pad_end(2, "0").str.slice(0, 2).cast(pl.Int64)),
        _approx=pl.concat_str(
            [int_s.replace("", "0"), pl.lit("."), frac_raw.replace("", "0")]
        ).cast(pl.Float64, strict=False),
        _pct=pct,
    ).drop("_int", "_frac")


def _cast(frame: pl.DataFrame, schema: Mapping[str, Any]) -> pl.DataFrame:
    if frame.height == 0:
        return empty(dict(schema))
    frame = frame.select(pl.col(c).cast(t) for c, t in schema.items())
    # every step keeps the sheet's order, so this is a check more than a sort
    return frame if frame["row"].is_sorted() else frame.sort("row", maintain_order=True)


class _Checker:
    """The checks of one ledger against one rules file."""

    def __init__(self, rules: Rules) -> None:
        self.rules = rules
        self.names = Names.from_rules(rules)
        self.start = rules.period.start
        self.end = rules.period.end
        self.unit_kind = {u.name: rules.unit_group(u.name).kind for u in rules.units.roster}
        # whether 报送 gives the items' ids: when it does not (no sheet, no 信息编号 column,
        # named once), the rows of other sheets naming an item are not each said to be unknown
        self.items_known = True
        # dated rows, per dated column: (sheet, column, count, outside the period, first, last,
        # the dates)
        self.dated: list[tuple[str, str, int, int, date, date, pl.Series]] = []

    # -- generic checks

    def lookup_names(
        self,
        frame: pl.DataFrame,
        column: str,
        out: str,
        index_name: str,
        hint: Callable[[str], str] | None = None,
        texts: Mapping[str, pl.Series] | None = None,
    ) -> pl.DataFrame:
        """Add `out` (the canonical value of each name) and `_hint` (the fix for unknown ones).
        `texts`: as for `_lookup`."""
        index = getattr(self.names, index_name)

        def fn(text: str | None) -> tuple[str | None, str | None]:
            if text is None:
                return None, None
            value = index.resolve(text)
            if value is not None:
                return value, None
            return None, hint(text) if hint else index.hint(text)

        return _lookup(frame, [column], fn, {out: pl.String, "_hint": pl.String}, texts)

    def resolve(
        self,
        sheet: _Sheet,
        frame: pl.DataFrame,
        column: str,
        out: str,
        index_name: str,
        what: str,
        hint: Callable[[str], str] | None = None,
    ) -> pl.DataFrame:
        """Resolve a name column through a NameIndex; unknown names are errors with the nearest."""
        frame = self.lookup_names(frame, column, out, index_name, hint, sheet.texts(frame, column))
        sheet.flag(
            frame,
            pl.col(column).is_not_null() & pl.col(out).is_null(),
            column,
            f"未知的{what}",
            pl.col("_hint"),
        )
        return frame.drop("_hint")

    def unit(self, sheet: _Sheet, frame: pl.DataFrame, column: str, out: str) -> pl.DataFrame:
        return self.resolve(sheet, frame, column, out, "units", "单位")

    def dates(
        self, sheet: _Sheet, frame: pl.DataFrame, column: str, out: str, what: str | None = None
    ) -> pl.DataFrame:
        """Parse a date column; with `what`, a date outside the period is a warning."""
        frame = _per_value(frame, column, _parse_date(column), out, sheet.texts(frame, column))
        sheet.flag(
            frame,
            pl.col(column).is_not_null() & pl.col(out).is_null(),
            column,
            "日期无法识别（应为 YYYY-MM-DD）",
            _DATE_HINT,
        )
        if what is not None:
            outside = (pl.col(out) < self.start) | (pl.col(out) > self.end)
            if sheet.flag(
                frame,
                outside,
                column,
                f"{what}不在考核周期（{self.start}—{self.end}）内，不计入本年度",
                "如属本年度，请核对日期",
                "warning",
            ):
                sheet.period_warnings.append(len(sheet.problems) - 1)
            d = pl.col(out)
            counts = frame.select(n=d.count(), out=outside.sum(), first=d.min(), last=d.max()).row(
                0
            )
            if counts[0]:
                self.dated.append((sheet.name, column, *counts, frame[out]))
        return frame

    def yes_no(self, sheet: _Sheet, frame: pl.DataFrame, column: str, out: str) -> pl.DataFrame:
        """是 / 否 (blank 否); a logical cell TRUE / FALSE (a check box) means 是 / 否 too."""
        c = pl.col(column)
        frame = frame.with_columns(
            pl.when(c.is_null() | (c == _NO)).then(False).when(c == _YES).then(True).alias(out)
        )
        if frame.select(pl.col(out).is_null().any()).item():
            frame = frame.with_columns(
                pl.col(out).fill_null(
                    c.replace_strict(_LOGICAL, default=None, return_dtype=pl.Boolean)
                )
            )
        sheet.flag(
            frame, pl.col(out).is_null(), column, "应填“是”或“否”", "填“是”，或留空（即“否”）"
        )
        return frame

    def unique_id(self, sheet: _Sheet, frame: pl.DataFrame, column: str) -> pl.DataFrame:
        """Add `_first` (the first row of its id); a repeated id is an error on the later rows."""
        c = pl.col(column)
        frame = frame.with_columns(_first=_first_of_each(frame[column]))
        repeated = frame.filter(c.is_not_null() & ~pl.col("_first"))
        if repeated.height == 0:
            return frame
        first = frame.filter(c.is_in(repeated[column].unique().implode()) & pl.col("_first"))
        repeated = repeated.join(
            first.select(column, _first_row="row"), on=column, how="left", maintain_order="left"
        )
        sheet.flag(
            repeated,
            pl.lit(True),
            column,
            pl.format(f"{column}重复（与第{{}}行相同）", pl.col("_first_row")),
            f"{column}须唯一：请改用新编号，或删去重复的行",
        )
        return frame

    def known_item(
        self,
        sheet: _Sheet,
        frame: pl.DataFrame,
        items: pl.DataFrame,
        matched: pl.DataFrame | None = None,
    ) -> pl.DataFrame:
        """Join the item's row and submission date (`_item_row`, `_item_submitted`).

        A 信息编号 that 报送 does not have is an error. `matched`: `_matched` of the frame's
        信息编号 in `items`, when already found.
        """
        every_item = items
        if matched is None:
            if frame.height * 4 < items.height:  # a small sheet: join only the items it names
                names = frame["信息编号"].drop_nulls().implode()
                items = items.filter(pl.col("信息编号").is_in(names))
            matched = _matched(frame.select("信息编号"), items)
        frame = frame.with_columns(matched.get_columns())
        if not self.items_known:
            return frame
        unknown = frame.filter(pl.col("信息编号").is_not_null() & pl.col("_item_row").is_null())
        if unknown.height:
            sheet.flag(
                unknown,
                pl.lit(True),
                "信息编号",
                "“报送”表中没有此信息编号",
                _unknown_id_fix(
                    "信息编号",
                    unknown["信息编号"],
                    every_item.rename({"_item_row": "row"}),
                    "报送",
                    "请核对信息编号，或先在“报送”表登记该信息",
                ),
            )
        return frame

    def other_year(self) -> Problem | None:
        """One error when most dated rows fall outside the period: another year's ledger."""
        n = sum(d[2] for d in self.dated)
        outside = sum(d[3] for d in self.dated)
        share = self.rules.ledger_checks.other_year_share
        if n < self.rules.ledger_checks.other_year_min_dates or outside <= n * float(share):
            return None
        first = min(d[4] for d in self.dated)
        last = max(d[5] for d in self.dated)
        dates = pl.concat([d[6].drop_nulls() for d in self.dated]).sort()
        middle: date = dates[dates.len() // 2]
        start = self.start
        shift = middle.year - start.year - ((middle.month, middle.day) < (start.month, start.day))
        year = self.rules.meta.year + shift
        # the column with most dates outside names the error (the 录用 thread adds its columns
        # at its own pace: ordered first, so that a tie always goes the same way)
        order = list(SHEETS)
        dated = sorted(self.dated, key=lambda d: (order.index(d[0]), d[1]))
        sheet, column = max(dated, key=lambda d: d[3])[:2]
        if year == self.rules.meta.year:
            fix = "台账中的日期大多不在考核周期内：请核对日期"
        else:
            fix = (
                f"这像是 {year} 年度的台账：用 --rules 指定该年度的规则文件，"
                f"例如 --rules params/{year}.yaml；如台账确属本年度，请核对日期"
            )
        return Problem(
            "error",
            sheet,
            None,
            column,
            f"{first}—{last}",
            f"台账不是规则文件考核年度的：{n} 个日期（报送、录用、评选日期和约稿截止日期）中有 "
            f"{outside} 个（{outside / n:.0%}）不在考核周期 {self.start}—{self.end} 内，"
            f"台账的日期在 {first}—{last}",
            fix,
        )

    # -- 报送

    def items(self, sheet: _Sheet) -> tuple[pl.DataFrame, pl.DataFrame]:
        f = self.unique_id(sheet, sheet.df, "信息编号")
        f = self.unit(sheet, f, "报送单位", "_unit")
        f = self.dates(sheet, f, "报送日期", "_submitted", "报送日期")
        f = self.resolve(sheet, f, "信息类别", "_kind", "kinds", "信息类别", self._kind_hint)
        f = _per_value(
            f, "第一撰稿人", _person("第一撰稿人"), "_first_writer", sheet.texts(f, "第一撰稿人")
        )
        f = _per_value(
            f, "其他撰稿人", _people("其他撰稿人"), "_other_writers", sheet.texts(f, "其他撰稿人")
        )
        contributors = self.contributors(sheet, f)
        return f, contributors

    def _kind_hint(self, text: str) -> str:
        labels = "、".join(self.names.kinds.labels)
        return f"应为 {labels} 之一，最接近的：{self.names.kinds.nearest(text)}"

    def contributors(self, sheet: _Sheet, items: pl.DataFrame) -> pl.DataFrame:
        """Parse 协作单位 into one row per contributor (share in hundredths) and check it."""
        limit = int(self.rules.department.shared_items.max_total_share * 100)
        base = items.filter(pl.col("协作单位").is_not_null()).select(
            "row", "协作单位", _lead="_unit"
        )
        # parse each distinct cell once, then give every item row its cell's parts
        cells = base.select(pl.col("协作单位").unique())
        parsed = _parse_contributors(cells)
        parts = base.join(parsed, on="协作单位", how="inner").sort("row", "_pos")
        named = parts.filter(pl.col("_name").is_not_null())
        value = pl.col("协作单位")
        example = "应写成 单位:份额，多个单位用“；”分隔，例如 人才综合处:0.3；社会保险处:0.2"
        sheet.flag(
            parts,
            pl.col("_name").is_null(),
            "协作单位",
            pl.format("协作单位“{}”格式不对", pl.col("_part")),
            example,
        )
        sheet.flag(
            named,
            ~pl.col("_shape_ok"),
            "协作单位",
            pl.format("协作单位“{}”的份额无法识别", pl.col("_part")),
            "份额写成 0 到 1 之间的小数（如 0.3）或百分数（如 30%）",
        )
        shaped = named.filter(pl.col("_shape_ok"))
        sheet.flag(
            shaped,
            ~pl.col("_decimals_ok"),
            "协作单位",
            pl.format("协作单位“{}”的份额超过两位小数", pl.col("_part")),
            pl.when(pl.col("_pct"))
            .then(pl.format("份额精确到0.01，例如 {}%", pl.col("_approx").round(0).cast(pl.Int64)))
            .otherwise(pl.format("份额精确到0.01，例如 {}", pl.col("_approx").round(2))),
        )
        sheet.flag(
            shaped,
            pl.col("_decimals_ok") & (pl.col("_share") <= 0),
            "协作单位",
            pl.format("协作单位“{}”的份额应大于0", pl.col("_part")),
            "份额为0的单位请删去",
        )
        named = self.lookup_names(named, "_name", "_cunit", "units")
        sheet.flag(
            named,
            pl.col("_cunit").is_null(),
            "协作单位",
            pl.format("协作单位“{}”：未知的单位", pl.col("_name")),
            pl.col("_hint"),
        )
        kind = pl.col("_cunit").replace_strict(self.unit_kind, default=None, return_dtype=pl.String)
        sheet.flag(
            named,
            kind == "district",
            "协作单位",
            pl.format("区县“{}”不能作为协作单位", pl.col("_cunit")),
            "协作单位只能是市局处室、直属单位，请删去",
            value=value,
        )
        sheet.flag(
            named,
            pl.col("_cunit") == pl.col("_lead"),
            "协作单位",
            pl.format("牵头单位“{}”不应列为协作单位", pl.col("_cunit")),
            "牵头单位自动保留其余份额，请从协作单位中删去",
            value=value,
        )
        sheet.flag(
            named,
            pl.col("_cunit").is_not_null() & ~pl.col("_cunit").is_first_distinct().over("row"),
            "协作单位",
            pl.format("协作单位“{}”重复", pl.col("_cunit")),
            "每个协作单位只写一次，份额合并",
            value=value,
        )
        lead_kind = pl.col("_lead").replace_strict(
            self.unit_kind, default=None, return_dtype=pl.String
        )
        sheet.flag(
            base,
            lead_kind == "district",
            "协作单位",
            "区县报送的信息不能有协作单位",
            "请删去协作单位（份额只适用于市局处室、直属单位共同撰写的信息）",
        )
        valid = shaped.filter(pl.col("_decimals_ok"))
        totals = valid.group_by("row").agg(
            _total=pl.col("_share").sum(), 协作单位=pl.first("协作单位")
        )
        sheet.flag(
            totals,
            pl.col("_total") > limit,
            "协作单位",
            pl.format(
                "协作单位份额合计 {} 超过 {}",
                (pl.col("_total") / 100).round(2),
                pl.lit(str(self.rules.department.shared_items.max_total_share)),
            ),
            "各协作单位份额之和不得超过上限，牵头单位保留其余份额；请核减",
        )
        return named.select("row", "_pos", unit="_cunit", share="_share")

    # -- 录用

    def adoption_cells(self, sheet: _Sheet) -> pl.DataFrame:
        """The checks of 录用 that need no other sheet: names, 采纳数, 领导批示, 录用日期."""
        names = ["录用单位", "刊物", "录用方式"]
        f = _lookup(
            sheet.df,
            names,
            self._adoption_names,
            {
                "_agency": pl.String,
                "_agency_hint": pl.String,
                "_pub": pl.Int64,
                "_pub_reason": pl.String,
                "_pub_hint": pl.String,
                "_form": pl.String,
                "_form_reason": pl.String,
                "_form_hint": pl.String,
            },
            sheet.texts(sheet.df, *names),
        )
        sheet.flag(
            f,
            pl.col("录用单位").is_not_null() & pl.col("_agency").is_null(),
            "录用单位",
            "未知的录用单位",
            pl.col("_agency_hint"),
        )
        sheet.flag(
            f,
            pl.col("_pub_reason").is_not_null(),
            "刊物",
            pl.col("_pub_reason"),
            pl.col("_pub_hint"),
        )
        sheet.flag(
            f,
            pl.col("_form_reason").is_not_null(),
            "录用方式",
            pl.col("_form_reason"),
            pl.col("_form_hint"),
        )
        f = _per_value(
            f,
            "采纳数",
            pl.when(pl.col("采纳数").is_null()).then(1).otherwise(_whole("采纳数")),
            "_examples",
            sheet.texts(f, "采纳数"),
        )
        sheet.flag(
            f,
            pl.col("_examples").is_null() | (pl.col("_examples") <= 0),
            "采纳数",
            "采纳数应为正整数",
            "填采纳的例子、观点个数，如 2；留空即 1",
        )
        limit = self.rules.ledger_checks.max_examples_per_adoption
        sheet.flag(
            f,
            pl.col("_examples") > limit,
            "采纳数",
            f"采纳数超过上限 {limit}：一条录用采纳的例子、观点不会有这么多",
            f"请核对采纳数（上限 {limit} 由规则文件中 ledger_checks.max_examples_per_adoption "
            "设定，确有需要可在规则文件中调整）",
        )
        f = self.yes_no(sheet, f, "领导批示", "_instruction")
        return self.dates(sheet, f, "录用日期", "_adopted", "录用日期")

    def adoptions(
        self,
        sheet: _Sheet,
        cells: pl.DataFrame,
        items: pl.DataFrame,
        matched: pl.DataFrame | None = None,
    ) -> pl.DataFrame:
        """The checks of 录用 against 报送 (on the frame of `adoption_cells`), and duplicates.
        `matched`: each row's item in `items` (`_matched`), when already found."""
        f = self.known_item(sheet, cells, items, matched)
        sheet.flag(
            f,
            pl.col("_adopted") < pl.col("_item_submitted"),
            "录用日期",
            pl.format("录用日期早于该信息的报送日期（{}）", pl.col("_item_submitted")),
            "请核对录用日期或“报送”表中的报送日期",
        )
        return self.duplicate_adoptions(sheet, f)

    def _adoption_names(
        self, agency_text: str | None, title: str | None, form_text: str | None
    ) -> tuple[Any, ...]:
        """Agency, publication and form of one distinct (录用单位, 刊物, 录用方式), and fixes."""
        agency = self.names.agencies.resolve(agency_text)
        agency_hint = None
        if agency_text is not None and agency is None:
            agency_hint = self.names.agencies.hint(agency_text)
        pub = pub_reason = pub_hint = None
        if agency is not None and title is not None:
            match = self.names.publications.match(agency, title)
            pub, pub_reason, pub_hint = match.publication_id, match.reason, match.suggestion
        forms = self.names.forms
        written = forms.resolve(form_text)
        if form_text is not None and written is None:
            listed = "、".join(forms.labels)
            hint = f"应为 {listed} 之一，最接近的：{forms.nearest(form_text)}"
            return agency, agency_hint, pub, pub_reason, pub_hint, None, "未知的录用方式", hint
        if pub is None:
            return agency, agency_hint, pub, pub_reason, pub_hint, None, None, None
        p = self.rules.publications.list[pub]
        form, form_reason, form_hint = written or self.rules.forms.default, None, None
        if p.forms:
            options = f"应为 {'、'.join(p.forms)} 之一"
            if written is None:
                form, form_reason, form_hint = None, f"“{p.title}”须填写录用方式", options
            elif written not in p.forms:
                form, form_reason = None, f"“{p.title}”没有“{written}”这种录用方式"
                form_hint = options
        return agency, agency_hint, pub, pub_reason, pub_hint, form, form_reason, form_hint

    def duplicate_adoptions(self, sheet: _Sheet, f: pl.DataFrame) -> pl.DataFrame:
        """Same item, publication and form twice: keep the earliest, or an error if they differ."""
        # one integer per (item, publication, form): its is_duplicated is cheap
        form_code = pl.col("_form").replace_strict(
            {f: i for i, f in enumerate(self.rules.forms.list)}, default=None, return_dtype=pl.Int64
        )
        n_pubs, n_forms = len(self.rules.publications.list), len(self.rules.forms.list)
        key = (pl.col("_item_row") * n_pubs + pl.col("_pub")) * n_forms + form_code
        ok = sheet.clean(
            f.select(
                "信息编号",
                "row",
                "领导批示",
                "采纳数",
                "_instruction",
                "_examples",
                "_adopted",
                _key=key,
            )
        )
        if ok["_key"].n_unique() == ok.height:  # no adoption twice (counting is cheaper)
            return f
        dup = ok.filter(pl.col("_key").is_duplicated() & pl.col("_key").is_not_null())
        key = "_key"
        dup = dup.with_columns(
            _instr_n=pl.col("_instruction").n_unique().over(key),
            _ex_n=pl.col("_examples").n_unique().over(key),
            _rows=pl.col("row").cast(pl.String).str.join("、").over(key),
            _keep=pl.col("row").sort_by("_adopted", "row").first().over(key),
        )
        verify = "请核实以哪一行为准，删去或改正其余的行"
        sheet.flag(
            dup,
            pl.col("_instr_n") > 1,
            "领导批示",
            pl.format(
                "同一信息在同一刊物、同一录用方式下重复录用（第{}行），领导批示不一致",
                pl.col("_rows"),
            ),
            verify,
        )
        sheet.flag(
            dup,
            pl.col("_ex_n") > 1,
            "采纳数",
            pl.format(
                "同一信息在同一刊物、同一录用方式下重复录用（第{}行），采纳数不一致",
                pl.col("_rows"),
            ),
            verify,
        )
        agree = (pl.col("_instr_n") == 1) & (pl.col("_ex_n") == 1)
        sheet.flag(
            dup,
            agree & (pl.col("row") != pl.col("_keep")),
            "信息编号",
            pl.format("重复录用，只计一次（与第{}行相同）", pl.col("_keep")),
            pl.format(
                "已按第{}行（录用日期较早）计分；如确为另一次录用，请核对刊物或录用方式",
                pl.col("_keep"),
            ),
            "warning",
        )
        sheet.dropped.append(dup.filter(agree & (pl.col("row") != pl.col("_keep"))).select("row"))
        return f

    # -- 好信息

    def awards(self, sheet: _Sheet, items: pl.DataFrame) -> pl.DataFrame:
        f = self.known_item(sheet, sheet.df, items)
        f = self.resolve(sheet, f, "评选", "_award", "awards", "好信息评选")
        f = self.dates(sheet, f, "评选日期", "_awarded", "评选日期")
        self.duplicate_awards(sheet, f)
        return f

    def duplicate_awards(self, sheet: _Sheet, f: pl.DataFrame) -> None:
        """The same award of the same item twice in one quarter (or on one day, outside the
        quarters) is an error on the later rows: it would count twice. The same quarterly award
        in two quarters is two awards."""
        d = pl.col("_awarded")
        quarter = pl.coalesce(
            *(
                pl.when(d.is_between(q.start, q.end)).then(pl.lit(q.name))
                for q in self.rules.quarters.active
            ),
            d.cast(pl.String),
        )
        keys = ["信息编号", "_award", "_period"]
        a = f.filter(
            pl.col("信息编号").is_not_null() & pl.col("_award").is_not_null() & d.is_not_null()
        ).select("row", "评选", "信息编号", "_award", _period=quarter)
        if a.select(pl.struct(keys).is_duplicated().any()).item() is not True:
            return
        a = a.with_columns(_first=pl.col("row").min().over(keys))
        sheet.flag(
            a,
            pl.col("row") != pl.col("_first"),
            "评选",
            pl.format(
                "同一信息的“{}”登记了两次（与第{}行同一季度），会重复计分", "_award", "_first"
            ),
            "同一评选只计一次：请删去重复的行；如确是另一季度的评选，请核对评选日期",
        )

    # -- 约稿

    def commissions(self, sheet: _Sheet) -> pl.DataFrame:
        f = self.unique_id(sheet, sheet.df, "约稿编号")
        f = self.unit(sheet, f, "单位", "_unit")
        f = self.resolve(sheet, f, "下达方", "_issuer", "issuers", "下达方")
        f = self.dates(sheet, f, "下达日期", "_ordered")
        f = self.dates(sheet, f, "截止日期", "_deadline", "截止日期")
        f = self.dates(sheet, f, "完成日期", "_delivered")
        sheet.flag(
            f,
            pl.col("_ordered") > pl.col("_deadline"),
            "下达日期",
            "下达日期晚于截止日期",
            "请核对下达日期和截止日期",
            "warning",
        )
        return f

    # -- 月度计划

    def plans(self, sheet: _Sheet, items: pl.DataFrame) -> pl.DataFrame:
        f = sheet.df
        f = self.unit(sheet, f, "单位", "_unit")
        m = _ascii("月份").str.extract_groups(_MONTH)
        month_no = m.struct.field("m").cast(pl.Int64, strict=False)
        as_month = pl.when(month_no.is_between(1, 12)).then(
            pl.concat_str([m.struct.field("y"), pl.lit("-"), m.struct.field("m").str.zfill(2)])
        )
        f = f.with_columns(_month=pl.coalesce(as_month, _parse_date("月份").dt.strftime("%Y-%m")))
        sheet.flag(
            f,
            pl.col("月份").is_not_null() & pl.col("_month").is_null(),
            "月份",
            "月份无法识别（应为 YYYY-MM）",
            "请写成 YYYY-MM，例如 2022-03",
        )
        f = f.with_columns(_seq=_whole("序号"))
        sheet.flag(
            f,
            pl.col("序号").is_not_null() & pl.col("_seq").is_null(),
            "序号",
            "序号应为整数",
            "填表中的序号，如 1；也可留空",
        )
        cats = self.names.categories
        f = self.resolve(
            sheet,
            f,
            "拟报送刊物",
            "_category",
            "categories",
            "拟报送刊物",
            lambda t: f"应为 {'、'.join(cats.labels)} 之一，最接近的：{cats.nearest(t)}",
        )
        f = self.dates(sheet, f, "报送时间", "_planned")
        f = self.known_item(sheet, f, items)
        return f.with_columns(_contact=_person("联系人"))

    # -- 信息员

    def people(self, sheet: _Sheet) -> pl.DataFrame:
        f = sheet.df
        f = self.unit(sheet, f, "单位", "_unit")
        f = f.with_columns(_name=_person("姓名"))
        roles = self.names.roles
        f = self.resolve(
            sheet,
            f,
            "角色",
            "_role",
            "roles",
            "角色",
            lambda t: f"应为 {'、'.join(roles.labels)} 之一（留空即撰稿人）",
        )
        f = f.with_columns(
            _role=pl.col("_role").fill_null(
                pl.when(pl.col("角色").is_null()).then(pl.lit("撰稿人"))
            )
        )
        f = self.yes_no(sheet, f, "年轻干部", "_young")
        f = self.dates(sheet, f, "起始日期", "_start")
        f = self.dates(sheet, f, "终止日期", "_end")
        sheet.flag(
            f,
            pl.col("_end") < pl.col("_start"),
            "终止日期",
            "终止日期早于起始日期",
            "请核对起始日期和终止日期",
        )
        self.duplicate_people(sheet, f)
        return f

    def duplicate_people(self, sheet: _Sheet, f: pl.DataFrame) -> None:
        """Rows of one person of one unit whose periods overlap: the same in every column, a
        warning and counted once; different (role, 年轻干部 or dates), an error on each: which
        is right is not for the program to guess. Periods that do not overlap are the person's
        history (人员如有变动) and fine."""
        keys = ["_unit", "_name"]
        p = sheet.clean(f).filter(pl.col("_unit").is_not_null() & pl.col("_name").is_not_null())
        p = p.select("row", "姓名", *keys, "_role", "_young", "_start", "_end")
        if p.select(pl.struct(keys).is_duplicated().any()).item() is not True:
            return
        p = p.filter(pl.struct(keys).is_duplicated())
        other = p.select(
            *keys, pl.col("row", "_role", "_young", "_start", "_end").name.suffix("_o")
        )
        overlap = (
            pl.col("_start").is_null()
            | pl.col("_end_o").is_null()
            | (pl.col("_start") <= pl.col("_end_o"))
        ) & (
            pl.col("_start_o").is_null()
            | pl.col("_end").is_null()
            | (pl.col("_start_o") <= pl.col("_end"))
        )
        pairs = p.join(other, on=keys).filter((pl.col("row") != pl.col("row_o")) & overlap)
        dates_differ = pl.col("_start").ne_missing(pl.col("_start_o")) | pl.col("_end").ne_missing(
            pl.col("_end_o")
        )
        pairs = pairs.with_columns(
            _diff=pl.concat_str(
                pl.when(pl.col("_role").ne_missing(pl.col("_role_o"))).then(pl.lit("角色")),
                pl.when(pl.col("_young").ne_missing(pl.col("_young_o"))).then(pl.lit("年轻干部")),
                pl.when(dates_differ).then(pl.lit("起止日期")),
                separator="、",
                ignore_nulls=True,
            )
        )
        conflicts = (
            pairs.filter(pl.col("_diff") != "")
            .sort("row", "row_o")
            .group_by("row", maintain_order=True)
            .agg(
                pl.first("姓名"),
                pl.first("_name"),
                pl.first("_diff"),
                _others=pl.col("row_o").cast(pl.String).str.join("、"),
            )
        )
        sheet.flag(
            conflicts,
            pl.lit(True),
            "姓名",
            pl.format(
                "“{}”在同一单位登记了多行（另见第{}行），时段重叠而{}不同",
                "_name",
                "_others",
                "_diff",
            ),
            "同一人同一时段只能有一行：请合并为一行；如角色有变动，请用起始日期、终止日期把时段分开",
        )
        same = (
            pairs.filter((pl.col("_diff") == "") & (pl.col("row_o") < pl.col("row")))
            .filter(~pl.col("row").is_in(conflicts["row"].implode()))
            .group_by("row", maintain_order=True)
            .agg(pl.first("姓名"), _keep=pl.col("row_o").min())
        )
        sheet.flag(
            same,
            pl.lit(True),
            "姓名",
            pl.format("与第{}行完全相同，只计一次", "_keep"),
            "请删去重复的行",
            "warning",
        )
        sheet.dropped.append(same.select("row"))


# ---- the whole ledger ---------------------------------------------------------------------


def parse_ledger(
    sheets: Mapping[str, SheetInput],
    rules: Rules,
    source: str = "<内存>",
    fingerprint: str = "",
) -> Ledger:
    """Check sheets already in memory (Chinese headers; cells as text, dates, numbers or None)."""
    read = _Read(fingerprint=fingerprint)
    for name, data in sheets.items():
        sheet = _sheet_name(name)
        if sheet not in SHEETS:
            read.others.append(name)
        elif sheet not in read.frames:
            read.frames[sheet] = _text_frame(data, sheet)
    return _parse(read, rules, source)


def _parse(read: _Read, rules: Rules, source: str) -> Ledger:
    check = _Checker(rules)
    # the checks of 录用 that need nothing from 报送 run in a second thread beside everything
    # else, up to the checks of 录用 against 报送 (polars releases the GIL, and many of its
    # steps use one core). Meanwhile only that thread touches the 录用 sheet, so its problems
    # come in the same order as ever.
    with ThreadPoolExecutor(max_workers=1) as pool:
        # each sheet's text frame is handed over (popped), so that it is freed once its sheet is
        # built: the stripped copy replaces it, and a large ledger never holds both of every sheet
        def sheet(name: str, notes: Sequence[Problem] = ()) -> _Sheet:
            sh = _Sheet(
                name,
                read.frames.pop(name, None),
                read.first_rows.get(name, 2),
                read.marks.get(name),
                name not in read.without_hash,
                name in read.stripped,
            )
            sh.notes.extend(notes)
            return sh

        # 录用 is built in the second thread, which goes on to check its cells (below); its notes
        # are added there, in the same order
        adoption_notes = [n for n in read.notes if n.sheet == "录用"]
        later = {"录用"} if "录用" in read.frames else set()
        adoption_sheet = pool.submit(sheet, "录用", adoption_notes) if later else None
        s = {name: sheet(name) for name in SHEETS if name not in later}
        for note in read.notes:
            if note.sheet not in later:
                s[note.sheet].notes.append(note)
        # a sheet named almost right (报送表 for 报送) is named once, as that sheet
        misnamed: set[str] = set()
        others = list(read.others)
        for name in SHEETS:
            if name in later or s[name].present:
                continue
            near = closest(name, [_sheet_name(o.removesuffix(read.suffix)) for o in others])
            written = next(
                (o for o in others if _sheet_name(o.removesuffix(read.suffix)) == near), None
            )
            if written is not None:
                others.remove(written)
                misnamed.add(name)
                s[name].notes.append(_misnamed_sheet(name, written, read, name in REQUIRED_SHEETS))
            elif name in REQUIRED_SHEETS:
                s[name].notes.append(
                    Problem(
                        "error",
                        name,
                        None,
                        None,
                        None,
                        f"缺少工作表“{name}”",
                        f"请在台账中加上“{name}”工作表（或 {name}.csv 文件）",
                    )
                )
        # without the ids of 报送 (named once above), no row elsewhere is said to name an
        # unknown item
        check.items_known = s["报送"].present and "信息编号" not in s["报送"].missing
        commissions_known = not (
            "约稿" in misnamed or (s["约稿"].present and "约稿编号" in s["约稿"].missing)
        )

        adoption_cells = pool.submit(
            lambda: check.adoption_cells(
                adoption_sheet.result() if adoption_sheet is not None else s["录用"]
            )
        )
        items, contributors = check.items(s["报送"])
        # every 信息编号 of 报送 (its first row where repeated), for the other sheets to refer to
        known = items.filter(pl.col("_first")).select(
            "信息编号", _item_row="row", _item_submitted="_submitted"
        )
        # the second thread, once it has checked the cells of 录用, finds each adoption's item
        # (the sheet's rows and their 信息编号 are those of its cells), then checks 好信息,
        # 月度计划 and 信息员 (no other sheet needs them); only that thread touches those sheets
        # until their results are taken
        matched_f = pool.submit(lambda: _matched(adoption_cells.result()[["信息编号"]], known))
        small = pool.submit(_check_small_sheets, check, s, known)
        commissions = check.commissions(s["约稿"])
        # an item's 约稿编号 must name a commission of the 约稿 sheet
        commission_ids = commissions["约稿编号"].drop_nulls().unique()
        unknown = items.filter(
            pl.col("约稿编号").is_not_null()
            & ~pl.col("约稿编号").is_in(commission_ids.implode())
            & commissions_known
        )
        if unknown.height:
            s["报送"].flag(
                unknown,
                pl.lit(True),
                "约稿编号",
                "“约稿”表中没有此约稿编号",
                _unknown_id_fix(
                    "约稿编号",
                    unknown["约稿编号"],
                    commissions,
                    "约稿",
                    "请核对约稿编号，或先在“约稿”表登记该约稿",
                ),
            )
        clean_items = _table(
            s["报送"],
            items,
            ITEMS,
            item_id="信息编号",
            title="标题",
            unit="_unit",
            submitted="_submitted",
            kind="_kind",
            first_writer="_first_writer",
            other_writers="_other_writers",
            commission_id="约稿编号",
        )
        shares = _shares(clean_items, contributors)
        if adoption_sheet is not None:
            s["录用"] = adoption_sheet.result()
            s = {name: s[name] for name in SHEETS}  # in the order of SHEETS, as ever
        adoptions = check.adoptions(s["录用"], adoption_cells.result(), known, matched_f.result())
        awards, plans, people = small.result()

    adoption_table = _table(
        s["录用"],
        adoptions,
        {**ADOPTIONS, "_item_row": pl.Int64},
        item_id="信息编号",
        agency="_agency",
        publication_id="_pub",
        form="_form",
        examples="_examples",
        instruction="_instruction",
        adopted="_adopted",
        _item_row="_item_row",
    )
    tables = {
        "items": clean_items,
        "shares": shares,
        "adoptions": adoption_table.drop("_item_row"),
        "awards": _table(
            s["好信息"], awards, AWARDS, item_id="信息编号", award="_award", awarded="_awarded"
        ),
        "commissions": _table(
            s["约稿"],
            commissions,
            COMMISSIONS,
            commission_id="约稿编号",
            unit="_unit",
            issuer="_issuer",
            ordered="_ordered",
            deadline="_deadline",
            delivered="_delivered",
        ),
        "plans": _table(
            s["月度计划"],
            plans,
            PLANS,
            unit="_unit",
            month="_month",
            seq="_seq",
            title="报送要点",
            category="_category",
            planned="_planned",
            contact="_contact",
            item_id="信息编号",
        ),
        "people": _table(
            s["信息员"],
            people,
            PEOPLE,
            unit="_unit",
            name="_name",
            role="_role",
            young="_young",
            start="_start",
            end="_end",
        ),
    }
    other_year = check.other_year()
    if other_year is not None:
        for sh in s.values():  # one error says it all: not a warning per row as well
            for i in sh.period_warnings:
                sh.problems[i] = sh.problems[i].head(0)
        s[other_year.sheet].notes.append(other_year)
    return Ledger(
        **tables,
        problems=_named_hidden(_sorted_problems([sh.frame() for sh in s.values()])),
        source=source,
        fingerprint=read.fingerprint,
        rows_read={name: sh.rows_read for name, sh in s.items()},
        adoption_items=_item_positions(clean_items["row"], adoption_table["_item_row"]),
    )


def _check_small_sheets(
    check: _Checker, s: dict[str, _Sheet], known: pl.DataFrame
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """The checks of 好信息, 月度计划 and 信息员, in this order."""
    return (
        check.awards(s["好信息"], known),
        check.plans(s["月度计划"], known),
        check.people(s["信息员"]),
    )


def _item_positions(item_rows: pl.Series, wanted: pl.Series) -> pl.Series | None:
    """The position in the clean 报送 table (sorted by row) of each 报送 row in `wanted`, or
    None when one of them is not there (its item had an error)."""
    n = item_rows.len()
    if n and wanted.len() and item_rows.is_sorted() and item_rows[-1] - item_rows[0] == n - 1:
        # rows without a gap (no 报送 row left out, the usual case): a row's position is its
        # distance from the first row, found without a search
        offsets = wanted - item_rows[0]
        if wanted.null_count() or offsets.min() < 0 or offsets.max() >= n:  # type: ignore[operator]
            return None
        positions = offsets.cast(pl.UInt32).alias(item_rows.name)
        return positions if (item_rows.gather(positions) == wanted).all() else None
    if wanted.null_count():
        return None
    if n == 0:
        return None if wanted.len() else wanted.cast(pl.UInt32)
    return _sorted_positions(wanted, item_rows)


def _unknown_id_fix(
    column: str, unknown: pl.Series, table: pl.DataFrame, sheet: str, fix: str
) -> str | pl.Expr:
    """The fix for ids that `table` (the sheet `sheet`, with `row`) does not have: where an id
    of the table differs from one only by invisible characters, that row and those characters
    (the cell that looks right here is not the one that is wrong)."""
    odd = table.filter(pl.col(column).str.contains(INVISIBLE_CLASS))
    if odd.height == 0:
        return fix
    plain = pl.col(column).str.replace_all(INVISIBLE_CLASS, "").str.strip_chars()
    odd = (
        odd.select(column, "row", _plain=plain)
        .filter(pl.col("_plain").is_in(unknown.unique().implode()))
        .unique("_plain", keep="first", maintain_order=True)
    )
    fixes = {
        p: f"“{sheet}”表第{row}行的{column}“{p}”中含不可见字符 {invisible(written)}，"
        "所以对不上：请在那里删除这些字符"
        for written, row, p in odd.iter_rows()
    }
    if not fixes:
        return fix
    return pl.col(column).replace_strict(fixes, default=pl.lit(fix), return_dtype=pl.String)


def _misnamed_sheet(name: str, written: str, read: _Read, required: bool) -> Problem:
    """A sheet (file) whose name is close to that of a ledger sheet that is missing."""
    what = "文件" if read.suffix else "工作表"
    target = f"{name}{read.suffix}"
    if required:
        reason = f"缺少工作表“{name}”；{read.where}中有名称相近的{what}“{written}”（未读取）"
        fix = f"如“{written}”就是“{name}”表，请把它改名为“{target}”"
    else:
        reason = (
            f"{read.where}中的{what}“{written}”与“{name}”相近，但只读取名为“{target}”的{what}："
            f"“{written}”未读取，“{name}”按没有任何记录计分"
        )
        fix = f"如“{written}”就是“{name}”表，请把它改名为“{target}”；如不是，请改用别的名称"
    return Problem("error", name, None, None, written, reason, fix)


_DATE_COLUMNS = frozenset(
    h for spec in SHEETS.values() for h in spec if h.endswith(("日期", "时间")) or h == "月份"
)
_NUMBER_COLUMNS = frozenset({"采纳数", "序号"})


def _named_hidden(problems: pl.DataFrame) -> pl.DataFrame:
    """Problems about a cell holding invisible characters, or a logical value (TRUE/FALSE)
    where none is meant, say so: what the office sees in the cell is not all it holds."""
    if problems.height == 0:
        return problems
    v = pl.col("value")
    hidden = (
        v.str.contains(INVISIBLE_CLASS) & ~pl.col("reason").str.contains("不可见字符")
    ).fill_null(False)
    logical = (v.is_in(list(_LOGICAL)) & ~pl.col("reason").str.contains("逻辑值")).fill_null(False)
    any_hidden, any_logical = problems.select(h=hidden.any(), l=logical.any()).row(0)
    if any_hidden:
        values = problems.filter(hidden)["value"].unique().to_list()
        named = {t: invisible(t) or "" for t in values}
        chars = v.replace_strict(named, default=None, return_dtype=pl.String)
        problems = problems.with_columns(
            reason=pl.when(hidden)
            .then(pl.format("{}；值中含不可见字符 {}", "reason", chars))
            .otherwise("reason"),
            suggestion=pl.when(hidden)
            .then(
                pl.concat_str(
                    pl.lit("请删除这些看不见的字符；"), pl.col("suggestion").fill_null("")
                )
            )
            .otherwise("suggestion"),
        )
    if any_logical:
        kind = (
            pl.when(pl.col("column").is_in(list(_DATE_COLUMNS)))
            .then(pl.lit("日期"))
            .when(pl.col("column").is_in(list(_NUMBER_COLUMNS)))
            .then(pl.lit("数字"))
            .otherwise(pl.lit("文字"))
        )
        problems = problems.with_columns(
            reason=pl.when(logical)
            .then(pl.format("{}；单元格是逻辑值 {}，不是{}", "reason", v.str.to_uppercase(), kind))
            .otherwise("reason")
        )
    return problems


def _table(
    sheet: _Sheet, frame: pl.DataFrame, schema: Mapping[str, Any], **columns: str
) -> pl.DataFrame:
    """The clean table of a sheet: its rows without errors, renamed and typed as `schema`."""
    return _cast(sheet.clean(frame.select(row="row", **columns)), schema)


def _shares(items: pl.DataFrame, contributors: pl.DataFrame) -> pl.DataFrame:
    """One row per (item, unit) with a share: the lead keeps 100 - the contributors' shares."""
    others = contributors.join(
        items.select("row", "item_id"), on="row", how="inner", maintain_order="left"
    )
    lead = items.select(
        "item_id", "unit", share=pl.lit(100, dtype=pl.Int64), lead=pl.lit(True), row="row"
    )
    if others.height == 0:
        return _cast(lead, SHARES)
    taken = others.group_by("row").agg(_taken=pl.col("share").sum())
    lead = _join_back(lead, ["row"], taken).with_columns(
        share=pl.col("share") - pl.col("_taken").fill_null(0)
    )
    # a lead row first, then its contributors in the order written: one sort on a unique key
    # (cheaper than merging the two sorted frames)
    columns = ["item_id", "unit", "share", "lead", "row"]
    width = others.select(pl.col("_pos").max()).item() + 2
    lead = lead.select(*columns, _k=pl.col("row") * width)
    others = others.select(
        *columns[:3], lead=pl.lit(False), row="row", _k=pl.col("row") * width + pl.col("_pos") + 1
    )
    return _cast(pl.concat([lead, others]).sort("_k").drop("_k"), SHARES)


def _sorted_problems(frames: list[pl.DataFrame]) -> pl.DataFrame:
    problems = pl.concat(frames, how="vertical")
    if problems.height == 0:
        return empty(PROBLEMS)
    sheet_order = {name: i for i, name in enumerate(SHEETS)}
    column_order = {f"{sheet}|{h}": i for sheet, spec in SHEETS.items() for i, h in enumerate(spec)}
    return (
        problems.with_columns(
            _s=pl.col("sheet").replace_strict(
                sheet_order, default=len(SHEETS), return_dtype=pl.Int64
            ),
            _c=pl.concat_str(["sheet", "column"], separator="|").replace_strict(
                column_order, default=None, return_dtype=pl.Int64
            ),
        )
        .sort(["_s", "row", "_c"], nulls_last=False, maintain_order=True)
        .drop("_s", "_c")
    )
