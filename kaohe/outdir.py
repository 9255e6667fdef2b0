"""Output folders that always hold exactly one run.

`publish(target)` is how every command writes its results: the files go into a hidden staging
sibling of `target` (same parent, so the same filesystem), and only when all of them are written
is the staging swapped in for `target` — in one step where the kernel can exchange two names
(`renameat2(RENAME_EXCHANGE)`), otherwise by two renames in a row. So `target` holds either the
previous complete run or the new complete run, never a mix of the two, never a half-written file:

- any exception, Ctrl-C (KeyboardInterrupt) or SIGTERM before the swap removes the staging and
  leaves `target` untouched;
- a run killed outright (SIGKILL, power cut) leaves at most a hidden staging or trash sibling;
  the next run into the same place removes it (or, if the process died between the two renames,
  puts the previous run back) before it starts;
- `folder_lock` keeps two kaohe runs from writing into one place at once: the second one is
  told, in Chinese, which run holds the folder, and stops before writing anything;
- a folder that holds anything but a kaohe run is never replaced: the user is asked for another
  `--out` instead (kaohe replaces its output folder whole, and must not delete the user's files).

Paths that are not valid UTF-8 (a GBK file name decoded with surrogate escapes) are written with
the bytes they came with, and shown (in messages and in manifest.json) with `\\xNN` escapes.
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import hashlib
import json
import os
import shutil
import signal
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

NO_LOCKS = frozenset({errno.ENOLCK, errno.EOPNOTSUPP, errno.ENOSYS, errno.EINVAL})
PAUSE_ENV = "KAOHE_TEST_PAUSE_BEFORE_SWAP"  # seconds to wait before the swap (tests only)
MANIFEST = "manifest.json"

# errno values that mean "this place cannot be written", whatever the operation was
WRITE_ERRNOS = frozenset(
    {
        errno.ENOSPC,
        errno.EDQUOT,
        errno.EFBIG,
        errno.EACCES,
        errno.EPERM,
        errno.EROFS,
        errno.ENAMETOOLONG,
        errno.EILSEQ,
        errno.EIO,
    }
)


class OutputError(Exception):
    """An output location that cannot be written; the message names the folder and the fix."""


# ---- text ------------------------------------------------------------------------------------


def clean_text(text: str) -> str:
    """`text` as valid UTF-8: bytes that were not UTF-8 (surrogate escapes) become `\\xNN`."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        pass
    try:
        raw = text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # lone surrogates that are not escaped bytes
        return text.encode("utf-8", "backslashreplace").decode("utf-8")
    return raw.decode("utf-8", "backslashreplace")


def display_path(path: str | os.PathLike[str]) -> str:
    """A path for a message or a manifest: always printable, always valid UTF-8."""
    return clean_text(os.fspath(path))


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, os.PathLike):
        return display_path(value)
    if isinstance(value, dict):
        return {_clean(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value


# ---- locking ---------------------------------------------------------------------------------


def _real(target: str | os.PathLike[str]) -> Path:
    """The place itself: absolute, symbolic links followed (two spellings of one folder share
    one lock, and a link to a folder has the folder replaced, not the link)."""
    return Path(os.path.realpath(target))


def lock_path(target: Path) -> Path:
    """The lock file of an output folder or file: a hidden sibling, never inside the output."""
    real = _real(target)
    return real.parent / f".{real.name}.kaohe-lock"


@contextmanager
def folder_lock(target: Path) -> Iterator[None]:
    """Hold the lock of `target` (a folder or a file) for the duration of a run.

    The lock is an advisory `flock` on a hidden sibling file, released by the kernel when the
    process ends, so a killed run never leaves a stale lock behind.
    """
    path = lock_path(target)
    try:
        _make_parent(path.parent)
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except PermissionError:
            if not path.is_file():
                raise
            fd = os.open(path, os.O_RDONLY)  # another user's lock file: flock works read-only
    except OSError as err:
        raise OutputError(_cannot_write(_culprit(path.parent, err), err)) from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 64, 0).decode("ascii", "replace").strip() or "?"
            raise OutputError(
                f"另一个 kaohe 进程（进程号 {holder}）正在写入 {display_path(target)}："
                "请等它结束后再运行，或用 --out 换一个输出位置"
            ) from None
        except OSError as err:
            if err.errno not in NO_LOCKS:
                raise OutputError(_cannot_write(path.parent, err)) from None
            # a filesystem without locks (some network shares): the swap still keeps each
            # run whole, only two simultaneous runs are not told about each other
        try:
            os.ftruncate(fd, 0)
            os.pwrite(fd, str(os.getpid()).encode("ascii"), 0)
        except OSError:
            pass  # the process number is only for the message of a second run
        yield
    finally:
        os.close(fd)


def _make_parent(folder: Path) -> None:
    if folder.name == "" and folder == folder.parent:  # the root
        return
    folder.mkdir(parents=True, exist_ok=True)


def _culprit(folder: Path, err: OSError) -> Path:
    """The path to name for an error met creating `folder`: for "not a folder", the first
    ancestor that exists and is a file."""
    if err.errno in (errno.ENOTDIR, errno.EEXIST):
        for p in (folder, *folder.parents):
            if os.path.lexists(p):
                return p if not p.is_dir() else folder
    return folder


def _cannot_write(folder: Path, err: OSError) -> str:
    """A Chinese explanation of an OS error met while writing into `folder`."""
    shown = display_path(folder)
    if err.errno in (errno.ENOSPC, errno.EDQUOT):
        return f"磁盘已满（或超出配额），无法写入 {shown}：请清理磁盘空间，或用 --out 换一个位置"
    if err.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return (
            f"没有写入 {shown} 的权限（或为只读）：请换一个可写的文件夹（--out），"
            "或请管理员开放写权限"
        )
    if err.errno in (errno.ENOTDIR, errno.EEXIST):
        return f"{shown} 已存在且不是文件夹：请用 --out 给出一个文件夹路径"
    if err.errno in (errno.ENAMETOOLONG, errno.EILSEQ):
        return f"文件名过长或含有此磁盘不支持的字符，无法写入 {shown}：请用 --out 换一个较短的名称"
    reason = REASONS.get(err.errno or 0, f"系统错误 {errno.errorcode.get(err.errno or 0, '?')}")
    return f"无法写入 {shown}（{reason}）：请检查路径，或用 --out 换一个位置"


REASONS = {
    errno.EIO: "读写出错，可能是磁盘或网络盘故障",
    errno.EFBIG: "文件超过了此磁盘允许的大小",
    errno.ENOENT: "路径不存在",
    errno.EBUSY: "正被其他程序占用",
    errno.ETXTBSY: "正被其他程序占用",
    errno.EXDEV: "不在同一个磁盘上",
    errno.ELOOP: "符号链接循环",
    errno.EMFILE: "打开的文件过多",
    errno.ENFILE: "打开的文件过多",
    errno.ENOTEMPTY: "文件夹不为空",
    errno.EISDIR: "同名的是文件夹",
    errno.ENOTDIR: "路径中有同名的文件",
    errno.EEXIST: "同名的文件已存在",
    errno.ESTALE: "网络盘连接已失效",
}


# ---- what may be replaced ----------------------------------------------------------------------

Check = Callable[[Path, str], "str | None"]


def is_kaohe_run(folder: Path) -> bool:
    """A folder written by kaohe: its manifest.json names the kaohe version."""
    try:
        data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(data, dict) and "kaohe_version" in data


def output_folder(known: Iterable[str] = ()) -> Check:
    """May a command replace `folder` with its results? Yes if it does not exist, is empty,
    holds a kaohe run (manifest.json), or holds only files the command writes (`known`, the
    results of a kaohe version from before the manifest). Returns the refusal, or None."""
    known = frozenset(known)

    def check(folder: Path, shown: str) -> str | None:
        if not os.path.lexists(folder):
            return None
        if not folder.is_dir():
            return f"{shown} 已存在且不是文件夹：请用 --out 给出一个文件夹路径"
        names = sorted(os.listdir(folder))
        if not names or is_kaohe_run(folder) or set(names) <= known:
            return None
        other = [clean_text(n) for n in names if n not in known]
        listed = "、".join(other[:3]) + ("等" if len(other) > 3 else "")
        return (
            f"{shown} 中已有不是 kaohe 输出的文件（{listed}）：kaohe 每次整体替换输出文件夹，"
            "不会删除其他文件。请用 --out 给出一个新的或空的文件夹"
        )

    return check


# ---- publishing ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Staging:
    """Where a run writes before it is published: `path` is a hidden sibling of `target`."""

    target: Path  # as the user wrote it (for messages)
    real: Path  # the place itself
    path: Path  # the staging folder (kind "folder") or file (kind "file")
    kind: Literal["folder", "file"]

    @property
    def shown(self) -> str:
        return display_path(self.target)

    def final(self, staged: Path) -> Path:
        """Where a path inside the staging will be once published (for messages)."""
        return self.target / staged.relative_to(self.path)

    @contextmanager
    def writing(self) -> Iterator[None]:
        """Writes into the staging: an OS error that means "cannot write here" (disk full, no
        permission, read-only, bad name) becomes an OutputError naming the place and the fix."""
        try:
            yield
        except Exception as err:
            os_err = _os_error(err)
            if os_err is None or os_err.errno not in WRITE_ERRNOS:
                raise
            raise OutputError(_cannot_write(self.target, os_err)) from None

    def write_manifest(self, meta: dict[str, Any]) -> dict[str, Any]:
        """Write manifest.json: `meta` and the sha256 of every file of the run."""
        with self.writing():
            return write_manifest(self.path, meta)


def _os_error(err: BaseException) -> OSError | None:
    if isinstance(err, OSError):
        return err
    # libraries that wrap the OS error (xlsxwriter's FileCreateError(OSError))
    for inner in (*err.args, err.__cause__, err.__context__):
        if isinstance(inner, OSError):
            return inner
    return None


def file_hashes(folder: Path) -> dict[str, str]:
    """sha256 of every file under `folder` (but manifest.json), by relative path, sorted."""
    out = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        rel = path.relative_to(folder).as_posix()
        if rel == MANIFEST:
            continue
        with path.open("rb") as f:
            out[clean_text(rel)] = hashlib.file_digest(f, "sha256").hexdigest()
    return out


def write_manifest(folder: Path, meta: dict[str, Any]) -> dict[str, Any]:
    """Write `folder`/manifest.json (built in full first, so never a truncated manifest)."""
    data = _clean({**meta, "files": file_hashes(folder)})
    text = json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    (folder / MANIFEST).write_bytes(text.encode("utf-8"))
    return data


def sibling(real: Path, role: Literal["new", "old"]) -> Path:
    """The hidden staging ("new") or trash ("old") sibling of an output."""
    return real.parent / f".{real.name}.kaohe-{role}"


@contextmanager
def publish(
    target: Path,
    check: Check,
    kind: Literal["folder", "file"] = "folder",
    inputs: Iterable[Path] = (),
) -> Iterator[Staging]:
    """Write a run into a staging sibling of `target` and swap it in when the block ends.

    Under the lock of `target`: leftovers of a killed run are cleaned up, `check` may refuse to
    replace what is there (an OutputError with its message), and `inputs` (the ledger, the
    rules) must not lie inside `target`. The staging folder is created for kind "folder"; for
    kind "file" the block writes the file `staging.path`. If the block raises anything
    (including KeyboardInterrupt and SystemExit), the staging is removed and `target` is left
    as it was.
    """
    target = Path(target)
    real = _real(target)
    shown = display_path(target)
    if real.name == "" or real == real.parent:
        raise OutputError(f"不能把 {shown} 作为输出位置：请用 --out 给出一个文件夹下的新位置")
    with folder_lock(target), _term_as_interrupt():
        try:
            _recover(real)
        except OSError as err:
            raise OutputError(_cannot_write(real.parent, err)) from None
        for p in inputs:
            inp = _real(p)
            if inp == real or real in inp.parents:
                raise OutputError(
                    f"输出位置 {shown} 包含输入文件 {display_path(p)}：kaohe 会整体替换输出位置，"
                    "请用 --out 换一个不含台账和规则文件的位置"
                )
        refusal = check(real, shown)
        if refusal:
            raise OutputError(refusal)
        stage = Staging(target, real, sibling(real, "new"), kind)
        try:
            if kind == "folder":
                try:
                    os.mkdir(stage.path)
                except OSError as err:
                    raise OutputError(_cannot_write(real.parent, err)) from None
            yield stage
            pause = os.environ.get(PAUSE_ENV)
            if pause:
                time.sleep(float(pause))
            if not os.path.lexists(stage.path):
                raise RuntimeError(f"nothing was written to the staging of {shown}")
            try:
                _swap_in(stage.path, real)
            except OSError as err:
                raise OutputError(_cannot_write(real.parent, err)) from None
        except BaseException:
            _remove(stage.path)
            raise


def _recover(real: Path) -> None:
    """Clean up after a run that was killed (we hold the lock: no run is writing now)."""
    new, old = sibling(real, "new"), sibling(real, "old")
    if os.path.lexists(old):
        if os.path.lexists(real):
            _remove(old)  # killed after the swap, before the trash was emptied
        else:
            os.rename(old, real)  # killed between the two renames: the previous run comes back
    _remove(new)  # an unfinished (or unpublished) run


_libc: Any = None


def _exchange(a: Path, b: Path) -> bool:
    """Swap the names `a` and `b` in one step (Linux renameat2 RENAME_EXCHANGE). False where
    the system or the filesystem cannot; an OSError for a real failure."""
    global _libc
    try:
        if _libc is None:
            _libc = ctypes.CDLL(None, use_errno=True)
        fn = _libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    if fn(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), os.fspath(b))


def _swap_in(stage: Path, real: Path) -> None:
    if not os.path.lexists(real):
        os.rename(stage, real)
        return
    if stage.is_file() and real.is_file():
        os.replace(stage, real)  # one atomic step for a file
        return
    if _exchange(stage, real):
        _remove(stage)  # now the previous run
        return
    old = sibling(real, "old")
    os.rename(real, old)
    try:
        os.rename(stage, real)
    except BaseException:
        os.rename(old, real)
        raise
    _remove(old)


def _remove(path: Path) -> None:
    """Remove a staging or trash sibling; what cannot be removed now goes on the next run."""
    try:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
    except OSError:
        pass


@contextmanager
def _term_as_interrupt() -> Iterator[None]:
    """While a run is staged, SIGTERM cleans up like Ctrl-C (unless the program already handles
    SIGTERM itself)."""
    install = (
        threading.current_thread() is threading.main_thread()
        and signal.getsignal(signal.SIGTERM) == signal.SIG_DFL
    )
    if install:
        signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        yield
    finally:
        if install:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _raise_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt
