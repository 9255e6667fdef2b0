"""Reading and checking the ledger (ledger.md): workbook or CSV folder → clean tables + problems.

`read_ledger` reads an .xlsx workbook or a folder of UTF-8 CSV files; `parse_ledger` checks
sheets already in memory. Both return a `Ledger` and never raise for bad data: every input row
is either in a clean table (its `row` is the spreadsheet row number) or named by a problem
(sheet, row, column, value, reason, suggestion). Only a missing or unreadable file raises
`LedgerError`.

Every check is a vectorised polars expression over the whole sheet. Names (units, agencies,
publications …) are resolved once per distinct cell value and joined back; nearest-name
suggestions are computed only for the distinct values that fail.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import fastexcel
import polars as pl

from kaohe.model import (
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
from kaohe.names import Names
from kaohe.rules import Rules

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


# ---- reading files -----------------------------------------------------------------------


def read_ledger(path: str | Path, rules: Rules) -> Ledger:
    """Read and check a ledger: an .xlsx workbook or a folder of CSV files (报送.csv …)."""
    p = Path(path)
    if p.is_dir():
        frames, first_rows, fingerprint = _read_folder(p)
    elif p.is_file() and p.suffix.lower() == ".csv":
        raise _file_error(
            p,
            "台账应为 .xlsx 工作簿或 CSV 文件夹，而不是单个 CSV 文件",
            "请给出包含 报送.csv、录用.csv 等文件的文件夹",
        )
    elif p.is_file():
        frames, first_rows, fingerprint = _read_workbook(p)
    else:
        raise _file_error(
            p,
            "找不到台账文件或文件夹",
            "请检查路径：应为 .xlsx 工作簿，或含 报送.csv 等文件的文件夹",
        )
    return _parse(frames, rules, str(path), fingerprint, first_rows)


def _file_error(p: Path, reason: str, suggestion: str) -> LedgerError:
    problem = Problem("error", p.name or str(p), None, None, str(p), reason, suggestion)
    return LedgerError(problems_frame([problem]), str(p))


def _read_folder(folder: Path) -> tuple[dict[str, pl.DataFrame], dict[str, int], str]:
    files = sorted(f for f in folder.iterdir() if f.is_file() and f.suffix.lower() == ".csv")
    frames: dict[str, pl.DataFrame] = {}
    # hashing (hashlib releases the GIL) runs beside the parsing; polars reads each file from
    # its path (memory-mapped), faster than from bytes read into Python and with less memory
    with ThreadPoolExecutor(max_workers=1) as pool:
        hashes = pool.map(_file_sha256, files)
        for f in files:
            sheet = _sheet_name(f.stem)
            if sheet not in SHEETS or sheet in frames:
                continue
            try:
                frames[sheet] = pl.read_csv(f, infer_schema=False, raise_if_empty=False)
            except pl.exceptions.PolarsError as err:
                detail = str(err).splitlines()[0] if str(err) else type(err).__name__
                raise _file_error(
                    f,
                    f"无法读取 {f.name}：{detail}",
                    "请确认是 UTF-8 编码的 CSV 文件（Excel 另存为“CSV UTF-8（逗号分隔）”）",
                ) from None
        digest = hashlib.sha256()
        for f, file_hash in zip(files, hashes, strict=True):
            digest.update(f.name.encode() + b"\0" + file_hash.encode() + b"\n")
    return frames, {}, digest.hexdigest()


def _file_sha256(path: Path) -> str:
    with path.open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def _read_workbook(path: Path) -> tuple[dict[str, pl.DataFrame], dict[str, int], str]:
    data = path.read_bytes()
    fingerprint = hashlib.sha256(data).hexdigest()
    try:
        reader = fastexcel.read_excel(data)
        names = {_sheet_name(n): n for n in reversed(reader.sheet_names)}
        raw = {
            sheet: reader.load_sheet_by_name(
                names[sheet], header_row=None, skip_rows=0, dtypes="string"
            ).to_polars()
            for sheet in SHEETS
            if sheet in names
        }
    except Exception as err:  # fastexcel raises several exception types for a bad file
        raise _file_error(
            path, f"无法读取工作簿：{err}", "请确认是 Excel .xlsx 工作簿（未加密、未损坏）"
        ) from None
    frames: dict[str, pl.DataFrame] = {}
    first_rows: dict[str, int] = {}
    for sheet, grid in raw.items():
        frames[sheet], first_rows[sheet] = _with_header(sheet, grid)
    return frames, first_rows, fingerprint


def _with_header(sheet: str, grid: pl.DataFrame) -> tuple[pl.DataFrame, int]:
    """Take the header row out of a sheet read without one; return (frame, first data row).

    The header is the first row that names a known column of the sheet (or the first non-empty
    row); row numbers stay those of the spreadsheet even when rows above it are empty.
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
        return pl.DataFrame(), 2
    names = [
        v if v is not None and v.strip() else f"__列{j + 1}"
        for j, v in enumerate(grid.row(header_at))
    ]
    body = grid.slice(header_at + 1)
    seen: set[str] = set()
    columns = []
    for old, new in zip(body.columns, names, strict=True):
        if _header(new) not in seen:
            seen.add(_header(new))
            columns.append(pl.col(old).alias(new))
    # an Excel date arrives as "2022-03-01 00:00:00": show it as the office sees it
    return body.select(c.str.strip_suffix(" 00:00:00") for c in columns), header_at + 2


# ---- in-memory sheets → text frames --------------------------------------------------------


def _sheet_name(name: str) -> str:
    return re.sub(r"\s+", "", name)


def _header(name: str) -> str:
    """A header as the office may write it: spaces and a required-marker * are not part of it."""
    return re.sub(r"\s+", "", str(name)).rstrip("*＊")


def _cell_text(value: Any) -> str | None:
    """A cell as text: dates ISO, whole numbers without .0, booleans 是/否."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return _YES if value else _NO
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
                columns.append(pl.when(c).then(pl.lit(_YES)).when(~c).then(pl.lit(_NO)))
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


def _lit(value: str | pl.Expr | None) -> pl.Expr:
    if isinstance(value, pl.Expr):
        return value.cast(pl.String)
    return pl.lit(value, dtype=pl.String)


class _Sheet:
    """A sheet's rows as stripped text (blank → null) plus `row`, and its problems so far."""

    def __init__(self, name: str, frame: pl.DataFrame | None, first_row: int) -> None:
        self.name = name
        self.spec = SHEETS[name]
        self.present = frame is not None
        self.problems: list[pl.DataFrame] = []
        self.notes: list[Problem] = []
        # rows left out of the clean table with a warning only (a duplicate counted once)
        self.dropped: list[pl.DataFrame] = []
        frame = frame if frame is not None else pl.DataFrame()
        self.rows_read = frame.height
        by_header: dict[str, str] = {}
        for col in frame.columns:
            by_header.setdefault(_header(col), col)
        self.missing = [h for h in self.spec if h not in by_header]
        cells = [
            pl.col(by_header[h]).cast(pl.String).str.strip_chars().alias(h)
            if h in by_header
            else pl.lit(None, dtype=pl.String).alias(h)
            for h in self.spec
        ]
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
            known = {by_header[h] for h in self.spec if h in by_header}
            extra = [c for c in frame.columns if c not in known]
            elsewhere = (
                pl.any_horizontal(
                    pl.col(c).cast(pl.String).str.strip_chars().str.len_bytes() > 0 for c in extra
                ).fill_null(False)
                if extra
                else pl.lit(False)
            )
            df = frame.select(
                *cells,
                row=pl.int_range(first_row, pl.len() + first_row, dtype=pl.Int64),
                _elsewhere=elsewhere,
            )
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
            for h in self.missing:
                if self.spec[h]:
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
        blank = pl.all_horizontal(pl.col(h).is_null() for h in self.spec) & ~pl.col("_elsewhere")
        self.flag(df, blank, None, "空行，已跳过", "如有内容，请填在规定的列中", "warning")
        self.df = df.filter(~blank).drop("_elsewhere")
        for h, required in self.spec.items():
            if required:
                missing = h in self.missing
                self.flag(
                    self.df,
                    pl.col(h).is_null(),
                    h,
                    "工作表缺少此必填列" if missing else "必填项为空",
                    f"请填写“{h}”",
                )

    def flag(
        self,
        frame: pl.DataFrame,
        cond: pl.Expr,
        column: str | None,
        reason: str | pl.Expr,
        suggestion: str | pl.Expr | None = None,
        severity: Severity = "error",
        value: pl.Expr | None = None,
    ) -> None:
        """Report every row of `frame` where `cond` holds (null counts as false)."""
        hit = frame.filter(cond)
        if hit.height == 0:
            return
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

    def clean(self, frame: pl.DataFrame) -> pl.DataFrame:
        """The rows of `frame` that carry no error (and are not dropped duplicates)."""
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
) -> pl.DataFrame:
    """Compute `fn` once per distinct combination of `keys` and add its results to every row.

    Each key column becomes integer codes (the positions of its values among its distinct
    values); several keys combine into one integer per row, so finding the distinct
    combinations and handing each row its results work on one integer column.
    """
    if len(keys) == 1:
        distinct = frame.select(pl.col(keys[0]).unique(maintain_order=True))
        index = _positions(frame[keys[0]], distinct[keys[0]])
    else:
        combined, size = pl.repeat(0, frame.height, dtype=pl.Int64, eager=True), 1
        for k in keys:
            values = frame[k].unique(maintain_order=True)
            if size * len(values) >= 2**62:  # too many to combine: renumber those that occur
                occurring = combined.unique(maintain_order=True)
                combined, size = _positions(combined, occurring), len(occurring)
            combined = combined * len(values) + _positions(frame[k], values)
            size *= len(values)
        first = combined.arg_unique()  # the first row of each combination
        distinct = frame.select(pl.col(keys).gather(first))
        index = _positions(combined, combined.gather(first))
    results = [fn(*row) for row in distinct.iter_rows()]
    table = pl.DataFrame(results, schema=out, orient="row")
    return frame.with_columns(
        # a result that is null for every combination (a hint, when all names are known)
        # needs no gather
        pl.repeat(None, frame.height, dtype=c.dtype, eager=True).alias(c.name)
        if c.null_count() == c.len()
        else c.gather(index)
        for c in table.get_columns()
    )


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
    """Add the columns of `table` (unique on `keys`) to `frame`, matching on `keys`.

    Only the key columns take part in the join, so the wide frame is never gathered.
    """
    mapped = frame.select(keys).join(
        table, on=keys, how="left", nulls_equal=True, maintain_order="left"
    )
    return frame.with_columns(mapped.drop(keys).get_columns())


def _per_value(frame: pl.DataFrame, column: str, expr: pl.Expr, out: str) -> pl.DataFrame:
    """Add `out` = `expr` (an expression of `column`), computed once per distinct value."""
    table = frame.select(pl.col(column).unique()).with_columns(expr.alias(out))
    return frame.with_columns(table[out].gather(_positions(frame[column], table[column])))


def _first_of_each(values: pl.Series) -> pl.Series:
    """True on the first row of each distinct non-null value."""
    if values.null_count() == 0 and values.is_sorted():
        # ids numbered in order (the usual case): a repeat sits right after its first row,
        # so a comparison with the row above replaces hashing every value
        return values.ne_missing(values.shift(1))
    return values.is_not_null() & values.is_first_distinct()


def _parse_date(column: str) -> pl.Expr:
    g = pl.col(column).str.extract_groups(_DATE)
    text = pl.concat_str(
        [g.struct.field("y"), g.struct.field("m").str.zfill(2), g.struct.field("d").str.zfill(2)],
        separator="-",
    )
    return text.str.to_date("%Y-%m-%d", strict=False)


def _whole(column: str) -> pl.Expr:
    return pl.col(column).str.extract(_WHOLE, 1).cast(pl.Int64, strict=False)


def _person(column: str) -> pl.Expr:
    name = pl.col(column).str.replace_all(r"\s+", "")
    return pl.when(name.str.len_chars() > 0).then(name)


def _people(column: str) -> pl.Expr:
    parts = pl.col(column).str.replace_all(_NAME_SEPARATORS, "、").str.split("、")
    parts = parts.list.eval(pl.element().str.replace_all(r"\s+", "")).list.eval(
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
            _part=pl.col("协作单位").str.replace_all(_SHARE_SEPARATORS, "\n").str.split("\n")
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

    # -- generic checks

    def lookup_names(
        self,
        frame: pl.DataFrame,
        column: str,
        out: str,
        index_name: str,
        hint: Callable[[str], str] | None = None,
    ) -> pl.DataFrame:
        """Add `out` (the canonical value of each name) and `_hint` (the fix for unknown ones)."""
        index = getattr(self.names, index_name)

        def fn(text: str | None) -> tuple[str | None, str | None]:
            if text is None:
                return None, None
            value = index.resolve(text)
            if value is not None:
                return value, None
            return None, hint(text) if hint else f"最接近的名称：{index.nearest(text)}"

        return _lookup(frame, [column], fn, {out: pl.String, "_hint": pl.String})

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
        frame = self.lookup_names(frame, column, out, index_name, hint)
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
        frame = _per_value(frame, column, _parse_date(column), out)
        sheet.flag(
            frame,
            pl.col(column).is_not_null() & pl.col(out).is_null(),
            column,
            "日期无法识别（应为 YYYY-MM-DD）",
            _DATE_HINT,
        )
        if what is not None:
            sheet.flag(
                frame,
                (pl.col(out) < self.start) | (pl.col(out) > self.end),
                column,
                f"{what}不在考核周期（{self.start}—{self.end}）内，不计入本年度",
                "如属本年度，请核对日期",
                "warning",
            )
        return frame

    def yes_no(self, sheet: _Sheet, frame: pl.DataFrame, column: str, out: str) -> pl.DataFrame:
        c = pl.col(column)
        frame = frame.with_columns(
            pl.when(c.is_null() | (c == _NO)).then(False).when(c == _YES).then(True).alias(out)
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

    def known_item(self, sheet: _Sheet, frame: pl.DataFrame, items: pl.DataFrame) -> pl.DataFrame:
        """Join the item's row and submission date (`_item_row`, `_item_submitted`).

        A 信息编号 that 报送 does not have is an error.
        """
        if frame.height * 4 < items.height:  # a small sheet: join only the items it names
            items = items.filter(pl.col("信息编号").is_in(frame["信息编号"].drop_nulls().implode()))
        frame = _join_back(frame, ["信息编号"], items)
        sheet.flag(
            frame,
            pl.col("信息编号").is_not_null() & pl.col("_item_row").is_null(),
            "信息编号",
            "“报送”表中没有此信息编号",
            "请核对信息编号，或先在“报送”表登记该信息",
        )
        return frame

    # -- 报送

    def items(self, sheet: _Sheet) -> tuple[pl.DataFrame, pl.DataFrame]:
        f = self.unique_id(sheet, sheet.df, "信息编号")
        f = self.unit(sheet, f, "报送单位", "_unit")
        f = self.dates(sheet, f, "报送日期", "_submitted", "报送日期")
        f = self.resolve(sheet, f, "信息类别", "_kind", "kinds", "信息类别", self._kind_hint)
        f = _per_value(f, "第一撰稿人", _person("第一撰稿人"), "_first_writer")
        f = _per_value(f, "其他撰稿人", _people("其他撰稿人"), "_other_writers")
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
        f = _lookup(
            sheet.df,
            ["录用单位", "刊物", "录用方式"],
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
        )
        sheet.flag(
            f,
            pl.col("_examples").is_null() | (pl.col("_examples") <= 0),
            "采纳数",
            "采纳数应为正整数",
            "填采纳的例子、观点个数，如 2；留空即 1",
        )
        f = self.yes_no(sheet, f, "领导批示", "_instruction")
        return self.dates(sheet, f, "录用日期", "_adopted", "录用日期")

    def adoptions(self, sheet: _Sheet, cells: pl.DataFrame, items: pl.DataFrame) -> pl.DataFrame:
        """The checks of 录用 against 报送 (on the frame of `adoption_cells`), and duplicates."""
        f = self.known_item(sheet, cells, items)
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
            agency_hint = f"最接近的名称：{self.names.agencies.nearest(agency_text)}"
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
        dup = ok.filter(pl.col("_key").is_duplicated())
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
        return self.dates(sheet, f, "评选日期", "_awarded", "评选日期")

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
        m = pl.col("月份").str.extract_groups(_MONTH)
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
        return f


# ---- the whole ledger ---------------------------------------------------------------------


def parse_ledger(
    sheets: Mapping[str, SheetInput],
    rules: Rules,
    source: str = "<内存>",
    fingerprint: str = "",
) -> Ledger:
    """Check sheets already in memory (Chinese headers; cells as text, dates, numbers or None)."""
    frames: dict[str, pl.DataFrame] = {}
    for name, data in sheets.items():
        sheet = _sheet_name(name)
        if sheet in SHEETS and sheet not in frames:
            frames[sheet] = _text_frame(data, sheet)
    return _parse(frames, rules, source, fingerprint, {})


def _parse(
    frames: Mapping[str, pl.DataFrame],
    rules: Rules,
    source: str,
    fingerprint: str,
    first_rows: Mapping[str, int],
) -> Ledger:
    check = _Checker(rules)
    s = {name: _Sheet(name, frames.get(name), first_rows.get(name, 2)) for name in SHEETS}
    for name in REQUIRED_SHEETS:
        if not s[name].present:
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

    # the checks of 录用 that need nothing from 报送 run in a second thread beside everything
    # else, up to the checks of 录用 against 报送 (polars releases the GIL, and many of its
    # steps use one core). Meanwhile only that thread touches the 录用 sheet, so its problems
    # come in the same order as ever.
    with ThreadPoolExecutor(max_workers=1) as pool:
        adoption_cells = pool.submit(check.adoption_cells, s["录用"])
        items, contributors = check.items(s["报送"])
        # every 信息编号 of 报送 (its first row where repeated), for the other sheets to refer to
        known = items.filter(pl.col("_first")).select(
            "信息编号", _item_row="row", _item_submitted="_submitted"
        )
        awards = check.awards(s["好信息"], known)
        commissions = check.commissions(s["约稿"])
        plans = check.plans(s["月度计划"], known)
        people = check.people(s["信息员"])
        # an item's 约稿编号 must name a commission of the 约稿 sheet
        commission_ids = commissions["约稿编号"].drop_nulls().unique()
        s["报送"].flag(
            items,
            pl.col("约稿编号").is_not_null() & ~pl.col("约稿编号").is_in(commission_ids.implode()),
            "约稿编号",
            "“约稿”表中没有此约稿编号",
            "请核对约稿编号，或先在“约稿”表登记该约稿",
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
        adoptions = check.adoptions(s["录用"], adoption_cells.result(), known)

    tables = {
        "items": clean_items,
        "shares": shares,
        "adoptions": _table(
            s["录用"],
            adoptions,
            ADOPTIONS,
            item_id="信息编号",
            agency="_agency",
            publication_id="_pub",
            form="_form",
            examples="_examples",
            instruction="_instruction",
            adopted="_adopted",
        ),
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
    return Ledger(
        **tables,
        problems=_sorted_problems([sh.frame() for sh in s.values()]),
        source=source,
        fingerprint=fingerprint,
        rows_read={name: sh.rows_read for name, sh in s.items()},
    )


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
