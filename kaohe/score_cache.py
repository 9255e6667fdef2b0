"""Score once per (ledger, rules, as-of) in a run: the engine's `Scores` kept on disk.

`kaohe report --all` runs five notebooks, each in its own kernel, and the quarterly
notification of a quarter scores the ledger at the end of every quarter up to it: the same
ledger was scored eleven times for five distinct days. `cached_score` is the engine's `score`
with the same arguments (`cached_score_many`: its `score_many`, several days in one call); it
keeps each result in a cache folder, in an entry named by all it depends on:

- the ledger: its sha256 (`Ledger.fingerprint`, of the workbook's bytes or of every file of a
  CSV folder), the path it was read from (problems may name it) and the rows of each table;
- the rules as loaded (a sha256 of the validated model, so an overlay is its own entry);
- the as-of day (None: the whole year);
- the program: kaohe's version, polars' version and a sha256 of kaohe's own source files, so a
  changed engine is never answered from an older one's results.

A changed ledger, rules file or program is therefore scored again. A ledger built in memory
(no fingerprint) is always scored. A `Ledger` whose tables were replaced after reading keeps
its file's fingerprint: score such a ledger with `kaohe.engine.score`, not through the cache.

The folder is the `cache` argument, else the environment variable KAOHE_SCORE_CACHE (set by
`kaohe.publish` for the kernels of `kaohe report` and `kaohe explore`: ``<out>/.kaohe-cache``);
with neither, `cached_score` just scores. An entry is one Arrow IPC file per table and a JSON
file of the rest, written to a temporary folder and renamed into place (two runs writing the
same entry write the same thing; the first rename wins). An entry that cannot be read is
scored again; a cache that cannot be written only costs the time. At most MAX_ENTRIES entries
are kept, the least recently used removed first.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import os
import re
import shutil
import tempfile
import time
from collections.abc import Iterable
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import polars as pl

from kaohe import __version__
from kaohe.engine import Scores, score_many
from kaohe.ledger.model import Ledger
from kaohe.rules.models import Rules

ENV = "KAOHE_SCORE_CACHE"
# an entry's folder: `entry_key` (other folders, e.g. the 公文's chart pictures, are not entries)
ENTRY_NAME = re.compile(r"^[0-9a-f]{32}-(year|\d{4}-\d{2}-\d{2})$")
MAX_ENTRIES = 20  # report --all: 4 days; explore: its month ends (36 MB each at 1M items)
_META = "scores.json"
_PACKAGE = Path(__file__).resolve().parent


@lru_cache(maxsize=1)
def program_fingerprint() -> str:
    """What the results depend on besides the inputs: kaohe's version and source, polars."""
    digest = hashlib.sha256(f"{__version__}\0{pl.__version__}\0".encode())
    for path in sorted(_PACKAGE.rglob("*.py")):
        digest.update(path.relative_to(_PACKAGE).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def rules_digest(rules: Rules) -> str:
    return hashlib.sha256(rules.model_dump_json().encode("utf-8")).hexdigest()


def entry_key(ledger: Ledger, rules: Rules, as_of: date | None) -> str | None:
    """The name of the cache entry of `score(ledger, rules, as_of)`; None: not cacheable."""
    if not ledger.fingerprint:
        return None
    rows = [
        f"{f.name}={getattr(ledger, f.name).height}"
        for f in dataclasses.fields(ledger)
        if isinstance(getattr(ledger, f.name), pl.DataFrame)
    ]
    parts = [ledger.fingerprint, ledger.source, *rows, rules_digest(rules), program_fingerprint()]
    digest = hashlib.sha256("\0".join(parts).encode("utf-8")).hexdigest()[:32]
    return f"{digest}-{as_of.isoformat() if as_of else 'year'}"


def cache_folder(cache: str | os.PathLike[str] | None = None) -> Path | None:
    """The cache folder: `cache`, else $KAOHE_SCORE_CACHE, else None (no cache)."""
    chosen = cache if cache is not None else os.environ.get(ENV)
    return Path(chosen) if chosen else None


def cached_score(
    ledger: Ledger,
    rules: Rules,
    as_of: date | None = None,
    cache: str | os.PathLike[str] | None = None,
) -> Scores:
    """`kaohe.engine.score(ledger, rules, as_of=as_of)`, read from the cache folder when it was
    scored before on the same inputs by the same program, otherwise scored and kept there."""
    return cached_score_many(ledger, rules, [as_of], cache)[0]


def cached_score_many(
    ledger: Ledger,
    rules: Rules,
    as_of_dates: Iterable[date | None],
    cache: str | os.PathLike[str] | None = None,
) -> list[Scores]:
    """`kaohe.engine.score_many(ledger, rules, as_of_dates)` (one `Scores` per day, in order),
    each read from the cache folder when it is there; the days that are not are scored in one
    engine call and kept."""
    days = list(as_of_dates)
    folder = cache_folder(cache)
    keys = [entry_key(ledger, rules, d) if folder is not None else None for d in days]
    found = [_read(folder / k) if folder is not None and k else None for k in keys]
    todo = [i for i, s in enumerate(found) if s is None]
    if todo:
        fresh = score_many(ledger, rules, [days[i] for i in todo])
        for i, scores in zip(todo, fresh, strict=True):
            found[i] = scores
            key = keys[i]
            if folder is not None and key is not None:
                _write(scores, folder, key)
    return [s for s in found if s is not None]


# ---- entries ---------------------------------------------------------------------------------


def _value(v: Any) -> Any:
    return {"date": v.isoformat()} if isinstance(v, date) else v


def _unvalue(v: Any) -> Any:
    return date.fromisoformat(v["date"]) if isinstance(v, dict) else v


def _read(entry: Path) -> Scores | None:
    if not entry.is_dir():
        return None
    try:
        meta = json.loads((entry / _META).read_text(encoding="utf-8"))
        fields: dict[str, Any] = {}
        for f in dataclasses.fields(Scores):
            if f.name in meta["values"]:
                fields[f.name] = _unvalue(meta["values"][f.name])
            else:
                fields[f.name] = pl.read_ipc(entry / f"{f.name}.arrow")  # lz4: read into memory
        scores = Scores(**fields)
    except (OSError, ValueError, KeyError, TypeError, pl.exceptions.PolarsError):
        return None  # half a folder, another program's layout: score again
    with contextlib.suppress(OSError):
        os.utime(entry)  # recently used
    return scores


def _write(scores: Scores, folder: Path, key: str) -> None:
    """Keep `scores` as entry `key` of `folder`; any failure leaves the cache as it was."""
    tmp: Path | None = None
    try:
        folder.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{key}.", dir=folder))
        values: dict[str, Any] = {}
        for f in dataclasses.fields(scores):
            v = getattr(scores, f.name)
            if isinstance(v, pl.DataFrame):
                v.write_ipc(tmp / f"{f.name}.arrow", compression="lz4")
            elif v is None or isinstance(v, bool | int | float | str | date):
                values[f.name] = _value(v)
            else:
                return  # a field this cache cannot keep: leave the result uncached
        meta = {"kaohe_version": __version__, "values": values}
        (tmp / _META).write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
        os.rename(tmp, folder / key)  # fails if another run kept it first: theirs is the same
        tmp = None
    except OSError:
        return
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
    _evict(folder)


def _evict(folder: Path) -> None:
    """Remove all but the MAX_ENTRIES most recently used entries, and what a run killed while
    writing an entry left (a hidden folder more than an hour old)."""
    with contextlib.suppress(OSError):
        dirs = [p for p in folder.iterdir() if p.is_dir()]
        entries = sorted(
            (p for p in dirs if ENTRY_NAME.match(p.name)),
            key=lambda p: p.stat().st_mtime,
            reverse=True,
        )
        hour_ago = time.time() - 3600
        left = [p for p in dirs if p.name.startswith(".") and p.stat().st_mtime < hour_ago]
        for old in [*entries[MAX_ENTRIES:], *left]:
            shutil.rmtree(old, ignore_errors=True)
