"""Output folders that always hold exactly one run.

`folder_lock` keeps two kaohe runs from writing into one place at once: the second one is told,
in Chinese, which run holds the folder, and stops before writing anything.
"""

from __future__ import annotations

import errno
import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class OutputError(Exception):
    """An output location that cannot be written; the message names the folder and the fix."""


def lock_path(target: Path) -> Path:
    """The lock file of an output folder or file: a hidden sibling, never inside the output."""
    target = Path(os.path.abspath(target))
    return target.parent / f".{target.name}.kaohe-lock"


@contextmanager
def folder_lock(target: Path) -> Iterator[None]:
    """Hold the lock of `target` (a folder or a file) for the duration of a run.

    The lock is an advisory `flock` on a hidden sibling file, released by the kernel when the
    process ends, so a killed run never leaves a stale lock behind.
    """
    path = lock_path(target)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as err:
        raise OutputError(_cannot_write(path.parent, err)) from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 64, 0).decode("ascii", "replace").strip() or "?"
            raise OutputError(
                f"另一个 kaohe 进程（进程号 {holder}）正在写入 {target}：请等它结束后再运行，"
                "或用 --out 换一个输出位置"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode("ascii"), 0)
        yield
    finally:
        os.close(fd)


def _cannot_write(folder: Path, err: OSError) -> str:
    """A Chinese explanation of an OS error met while writing into `folder`."""
    if err.errno == errno.ENOSPC:
        return f"磁盘已满，无法写入 {folder}：请清理磁盘空间，或用 --out 换一个位置"
    if err.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return f"没有写入 {folder} 的权限（或为只读）：请换一个可写的文件夹（--out）"
    if err.errno in (errno.ENOTDIR, errno.EEXIST):
        return f"{folder} 已存在且不是文件夹：请用 --out 给出一个文件夹路径"
    return f"无法写入 {folder}（{os.strerror(err.errno or 0)}）：请检查路径，或用 --out 换一个位置"
