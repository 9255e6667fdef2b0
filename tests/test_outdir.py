"""An output folder always holds exactly one run (kaohe score, simulate, sweep, sample).

Most tests run the `kaohe` command in a separate process, as a user does; the ones that fake
a read-only folder or a full disk run it in this process (`run_main`), with os functions
patched to fail the way the kernel does (the tests run as root, which ignores permissions).
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import polars as pl
import pytest

from kaohe import cli, outdir
from kaohe.outdir import (
    OutputError,
    clean_text,
    folder_lock,
    output_folder,
    publish,
    sibling,
)

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "raw" / "2022"
SCENARIO = ROOT / "params" / "scenarios" / "unadopted-cap-20.yaml"
SCORE_FILES = {
    "unit_scores.csv",
    "score_lines.csv",
    "tasks.csv",
    "unit_counts.csv",
    "people.csv",
    "people_monthly.csv",
    "problems.csv",
    "计分结果.xlsx",
    "manifest.json",
}
GBK = os.fsdecode(b"\xb1\xa8")  # "报" in GBK: not UTF-8, so a surrogate-escaped name


class Run:
    def __init__(self, p: subprocess.CompletedProcess[bytes]) -> None:
        self.returncode = p.returncode
        self.stdout = p.stdout.decode("utf-8", "backslashreplace")
        self.stderr = p.stderr.decode("utf-8", "backslashreplace")


def kaohe(*args: str | Path, env: dict[str, str] | None = None) -> Run:
    return Run(
        subprocess.run(
            [sys.executable, "-m", "kaohe", *map(str, args)],
            cwd=ROOT,
            capture_output=True,
            timeout=300,
            env={**os.environ, **(env or {})},
        )
    )


def flat(text: str) -> str:
    """Console text without the line breaks and spaces rich adds when it wraps."""
    return "".join(text.split())


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def leftovers(target: Path) -> list[str]:
    """Staging or trash siblings of `target` (the lock file is meant to stay)."""
    return sorted(
        p.name
        for p in target.parent.iterdir()
        if p.name.startswith(f".{target.name}.") and not p.name.endswith(".kaohe-lock")
    )


def manifest(folder: Path) -> dict:
    return json.loads((folder / "manifest.json").read_bytes().decode("utf-8"))


def check_manifest(folder: Path) -> dict:
    """The manifest lists every other file of the folder with its sha256."""
    m = manifest(folder)
    files = {p.name for p in folder.iterdir()} - {"manifest.json"}
    assert set(m["files"]) == files
    for name, digest in m["files"].items():
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == digest, name
    return m


def bad_ledger(folder: Path) -> Path:
    """The sample year with an unknown unit in the first row of 报送."""
    shutil.copytree(SAMPLE, folder)
    path = folder / "报送.csv"
    items = pl.read_csv(path, infer_schema=False)
    first = pl.int_range(pl.len()) == 0
    items = items.with_columns(
        pl.when(first).then(pl.lit("不存在的处")).otherwise(pl.col("报送单位")).alias("报送单位")
    )
    path.write_text(items.write_csv(), encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def scored(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """The files of a complete score run of the sample year."""
    out = tmp_path_factory.mktemp("scored") / "out"
    r = kaohe("score", SAMPLE, "--out", out)
    assert r.returncode == 0, r.stderr
    return snapshot(out)


def fresh_run(tmp_path: Path, scored: dict[str, bytes]) -> Path:
    out = tmp_path / "out"
    out.mkdir()
    for name, data in scored.items():
        (out / name).write_bytes(data)
    return out


# ---- score: failures ------------------------------------------------------------------------


def test_complete_run_has_a_manifest_of_every_file(scored: dict[str, bytes], tmp_path) -> None:
    out = fresh_run(tmp_path, scored)
    assert set(scored) == SCORE_FILES
    m = check_manifest(out)
    assert m["status"] == "ok" and m["command"] == "score"
    assert m["ledger"]["source"] == str(SAMPLE) and len(m["ledger"]["sha256"]) == 64
    assert len(m["rules"]["sha256"]) == 64


def test_a_ledger_with_errors_replaces_old_scores_whole_with_its_problems(
    scored: dict[str, bytes], tmp_path: Path
) -> None:
    out = fresh_run(tmp_path, scored)
    r = kaohe("score", bad_ledger(tmp_path / "bad"), "--out", out)
    assert r.returncode == 1
    assert "不存在的处" in r.stderr and "内部错误" not in r.stderr
    assert "只有本次的problems.csv" in flat(r.stderr)
    # never a mix: no old scores beside the new problems
    assert {p.name for p in out.iterdir()} == {"problems.csv", "manifest.json"}
    m = check_manifest(out)
    assert m["status"] == "failed"
    assert re.match(r"台账有 \d+ 处错误，未计分：见 problems.csv", m["message"])
    assert m["ledger"]["source"] == str(tmp_path / "bad")
    assert "不存在的处" in (out / "problems.csv").read_text(encoding="utf-8-sig")
    assert leftovers(out) == []
    # the next good run brings the whole set back
    r = kaohe("score", SAMPLE, "--out", out)
    assert r.returncode == 0, r.stderr
    assert snapshot(out) == scored


def test_an_unreadable_ledger_also_leaves_only_its_problems(
    scored: dict[str, bytes], tmp_path: Path
) -> None:
    out = fresh_run(tmp_path, scored)
    ledger = tmp_path / "台账.xlsx"
    ledger.write_bytes(b"not a workbook")
    r = kaohe("score", ledger, "--out", out)
    assert r.returncode == 1
    assert "有1处错误，无法计分" in flat(r.stderr) and "内部错误" not in r.stderr
    assert {p.name for p in out.iterdir()} == {"problems.csv", "manifest.json"}
    m = check_manifest(out)
    assert m["status"] == "failed" and m["ledger"]["sha256"] is None


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--rules", "no/such.yaml"], "找不到规则文件"),
        (["--as-of", "2022/08/31"], "YYYY-MM-DD"),
    ],
)
def test_a_failure_that_is_not_the_ledger_leaves_the_previous_run_untouched(
    args: list[str], needle: str, scored: dict[str, bytes], tmp_path: Path
) -> None:
    out = fresh_run(tmp_path, scored)
    r = kaohe("score", SAMPLE, "--out", out, *args)
    assert r.returncode != 0
    assert needle in r.stderr and "Traceback" not in r.stderr and "内部错误" not in r.stderr
    assert snapshot(out) == scored
    assert leftovers(out) == []


def test_a_missing_ledger_leaves_the_previous_run_untouched(
    scored: dict[str, bytes], tmp_path: Path
) -> None:
    out = fresh_run(tmp_path, scored)
    r = kaohe("score", tmp_path / "no-such-ledger", "--out", out)
    assert r.returncode == 2 and "找不到台账" in r.stderr
    assert snapshot(out) == scored and leftovers(out) == []


# ---- interrupted runs --------------------------------------------------------------------------


def wait_for(path: Path, proc: subprocess.Popen[bytes], seconds: float = 120) -> None:
    end = time.monotonic() + seconds
    while not path.exists():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < end, f"{path} never appeared"
        time.sleep(0.05)


def paused_run(out: Path) -> subprocess.Popen[bytes]:
    """A score run into `out` (of another view than `scored`) that waits before its swap."""
    args = ["score", str(SAMPLE), "--out", str(out), "--as-of", "2022-06-30"]
    return subprocess.Popen(
        [sys.executable, "-m", "kaohe", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, outdir.PAUSE_ENV: "60"},
    )


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_an_interrupted_run_leaves_the_previous_run_and_no_staging(
    sig: signal.Signals, scored: dict[str, bytes], tmp_path: Path
) -> None:
    out = fresh_run(tmp_path, scored)
    proc = paused_run(out)
    # the new run is complete in its staging folder, about to be swapped in
    wait_for(sibling(out, "new") / "manifest.json", proc)
    assert manifest(sibling(out, "new"))["view"] == "year_to_date"
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode != 0
    assert snapshot(out) == scored
    assert leftovers(out) == [], err.decode("utf-8", "replace")


def test_a_killed_run_leaves_staging_that_the_next_run_removes(
    scored: dict[str, bytes], tmp_path: Path
) -> None:
    out = fresh_run(tmp_path, scored)
    proc = paused_run(out)
    wait_for(sibling(out, "new") / "manifest.json", proc)
    proc.kill()  # SIGKILL: no clean-up is possible
    proc.communicate(timeout=60)
    assert snapshot(out) == scored  # still the previous complete run
    assert leftovers(out) == [".out.kaohe-new"]
    r = kaohe("score", SAMPLE, "--out", out)
    assert r.returncode == 0, r.stderr
    assert snapshot(out) == scored and leftovers(out) == []


def test_a_run_killed_between_the_two_renames_gets_its_previous_run_back(tmp_path: Path) -> None:
    target = tmp_path / "out"
    old, new = sibling(target, "old"), sibling(target, "new")
    old.mkdir()
    (old / "manifest.json").write_text('{"kaohe_version": "0"}', encoding="utf-8")
    new.mkdir()
    (new / "half.csv").write_text("a,b\n1,", encoding="utf-8")
    with pytest.raises(RuntimeError), publish(target, output_folder()):
        raise RuntimeError("stop before the swap")
    assert {p.name for p in target.iterdir()} == {"manifest.json"}
    assert leftovers(target) == []


def test_trash_left_after_a_swap_is_removed(tmp_path: Path) -> None:
    target = tmp_path / "out"
    target.mkdir()
    sibling(target, "old").mkdir()
    (sibling(target, "old") / "x.csv").write_text("old", encoding="utf-8")
    with publish(target, output_folder()) as stage:
        (stage.path / "new.csv").write_text("new", encoding="utf-8")
    assert {p.name for p in target.iterdir()} == {"new.csv"}
    assert leftovers(target) == []


@pytest.mark.parametrize("exchange", [True, False])
def test_swap_replaces_a_folder_whole_with_or_without_an_atomic_exchange(
    exchange: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not exchange:
        monkeypatch.setattr(outdir, "_exchange", lambda a, b: False)
    target = tmp_path / "out"
    target.mkdir()
    (target / "manifest.json").write_text('{"kaohe_version": "0"}', encoding="utf-8")
    (target / "stale.csv").write_text("old", encoding="utf-8")
    with publish(target, output_folder()) as stage:
        (stage.path / "a.csv").write_text("new", encoding="utf-8")
        stage.write_manifest({"kaohe_version": "1"})
    assert {p.name for p in target.iterdir()} == {"a.csv", "manifest.json"}
    assert check_manifest(target)["kaohe_version"] == "1"
    assert leftovers(target) == []


def test_a_failed_second_rename_puts_the_previous_run_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(outdir, "_exchange", lambda a, b: False)
    target = tmp_path / "out"
    target.mkdir()
    (target / "manifest.json").write_text('{"kaohe_version": "0"}', encoding="utf-8")
    rename = os.rename

    def flaky(src: str | Path, dst: str | Path) -> None:
        if Path(src).name == ".out.kaohe-new":
            raise OSError(errno.EIO, "I/O error", str(src))
        rename(src, dst)

    monkeypatch.setattr(os, "rename", flaky)
    with pytest.raises(OutputError, match="无法写入"), publish(target, output_folder()) as stage:
        (stage.path / "a.csv").write_text("new", encoding="utf-8")
    assert {p.name for p in target.iterdir()} == {"manifest.json"}
    assert leftovers(target) == []


# ---- two runs at once -------------------------------------------------------------------------


def test_a_second_run_into_a_locked_folder_is_refused(
    scored: dict[str, bytes], tmp_path: Path
) -> None:
    out = fresh_run(tmp_path, scored)
    with folder_lock(out):
        r = kaohe("score", SAMPLE, "--out", out, "--as-of", "2022-06-30")
        s = kaohe("sweep", "department.extra.provincial", "--values", "0,10", "--out", out)
    for run in (r, s):
        assert run.returncode == 1
        assert f"另一个kaohe进程（进程号{os.getpid()}）正在写入{out}" in flat(run.stderr)
        assert "内部错误" not in run.stderr
    assert snapshot(out) == scored and leftovers(out) == []


def test_the_lock_is_held_per_open_file_in_one_process(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with (
        folder_lock(out),
        pytest.raises(OutputError, match="另一个 kaohe 进程"),
        folder_lock(out),
    ):
        pass


# ---- places that cannot be written ---------------------------------------------------------


def test_out_that_is_a_file_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "results.csv"
    out.write_bytes(b"keep me")
    for args in (
        ["score", SAMPLE, "--out", out],
        ["sweep", "department.extra.provincial", "--values", "0,10", "--out", out],
        ["simulate", SCENARIO, "--no-html", "--out", out],
    ):
        r = kaohe(*args)
        assert r.returncode == 1, r.stderr
        assert f"{out}已存在且不是文件夹：请用--out给出一个文件夹路径" in flat(r.stderr)
        assert "内部错误" not in r.stderr and "Traceback" not in r.stderr
    assert out.read_bytes() == b"keep me" and leftovers(out) == []


def test_out_under_a_file_is_refused_naming_the_file(tmp_path: Path) -> None:
    (tmp_path / "file").write_bytes(b"x")
    r = kaohe("score", SAMPLE, "--out", tmp_path / "file" / "out")
    assert r.returncode == 1
    assert f"{tmp_path / 'file'}已存在且不是文件夹" in flat(r.stderr)


def test_a_folder_with_other_files_is_never_replaced(tmp_path: Path) -> None:
    out = tmp_path / "desk"
    out.mkdir()
    (out / "工作总结.docx").write_bytes(b"mine")
    (out / "unit_scores.csv").write_bytes(b"old")
    r = kaohe("score", SAMPLE, "--out", out)
    assert r.returncode == 1
    assert f"{out}中已有不是kaohe输出的文件（工作总结.docx）" in flat(r.stderr)
    assert "请用--out给出一个新的或空的文件夹" in flat(r.stderr)
    assert snapshot(out) == {"unit_scores.csv": b"old", "工作总结.docx": b"mine"}


def test_results_of_an_older_kaohe_are_replaced(scored: dict[str, bytes], tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    for name in ("unit_scores.csv", "problems.csv"):  # no manifest: written before it existed
        (out / name).write_bytes(b"old")
    r = kaohe("score", SAMPLE, "--out", out)
    assert r.returncode == 0, r.stderr
    assert snapshot(out) == scored


def test_an_output_folder_holding_the_ledger_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "manifest.json").write_text('{"kaohe_version": "0"}', encoding="utf-8")
    ledger = shutil.copytree(SAMPLE, out / "ledger")
    r = kaohe("score", ledger, "--out", out)
    assert r.returncode == 1
    assert f"输出位置{out}包含输入文件{ledger}" in flat(r.stderr)
    assert (ledger / "报送.csv").is_file()


def run_main(monkeypatch: pytest.MonkeyPatch, capsys, *args: str | Path) -> tuple[int, str]:
    """`kaohe *args` in this process: (exit code, stderr)."""
    monkeypatch.setattr(sys, "argv", ["kaohe", *map(str, args)])
    term = signal.getsignal(signal.SIGTERM)
    try:
        with pytest.raises(SystemExit) as exc:
            cli.main()
    finally:
        signal.signal(signal.SIGTERM, term)  # main() may install its own handler
    code = exc.value.code
    return (code if isinstance(code, int) else 0), capsys.readouterr().err


def read_only(monkeypatch: pytest.MonkeyPatch, folder: Path) -> None:
    """Make `folder` behave as a read-only folder does for a normal user: no entry can be
    created in it, renamed in it or out of it (files that exist can still be opened)."""
    inside = str(folder.resolve())

    def guarded(path: str | bytes | os.PathLike) -> bool:
        return os.path.dirname(os.path.abspath(os.fsdecode(path))) == inside

    def deny(path: object) -> None:
        raise PermissionError(errno.EACCES, "Permission denied", str(path))

    real_open, real_mkdir, real_rename = os.open, os.mkdir, os.rename
    real_exchange = outdir._exchange

    def fake_open(path, flags, *a, **k):  # type: ignore[no-untyped-def]
        if flags & os.O_CREAT and guarded(path) and not os.path.exists(path):
            deny(path)
        return real_open(path, flags, *a, **k)

    def fake_mkdir(path, *a, **k):  # type: ignore[no-untyped-def]
        if guarded(path):
            deny(path)
        return real_mkdir(path, *a, **k)

    def fake_rename(src, dst, *a, **k):  # type: ignore[no-untyped-def]
        if guarded(src) or guarded(dst):
            deny(dst)
        return real_rename(src, dst, *a, **k)

    def fake_exchange(a, b):  # type: ignore[no-untyped-def]
        if guarded(a) or guarded(b):
            deny(b)
        return real_exchange(a, b)

    monkeypatch.setattr(os, "open", fake_open)
    monkeypatch.setattr(os, "mkdir", fake_mkdir)
    monkeypatch.setattr(os, "rename", fake_rename)
    monkeypatch.setattr(os, "replace", fake_rename)
    monkeypatch.setattr(outdir, "_exchange", fake_exchange)


@pytest.mark.parametrize("existing", [False, True])
def test_a_read_only_folder_is_named_with_the_fix(
    existing: bool,
    scored: dict[str, bytes],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    ro = tmp_path / "ro"
    ro.mkdir()
    out = fresh_run(ro, scored).rename(ro / "out") if existing else ro / "out"
    if existing:
        with folder_lock(out):  # a run before the folder became read-only
            pass
    read_only(monkeypatch, ro)
    code, err = run_main(monkeypatch, capsys, "score", SAMPLE, "--out", out)
    assert code == 1
    assert f"没有写入{ro}的权限（或为只读）：请换一个可写的文件夹（--out）" in flat(err)
    assert "内部错误" not in err
    if existing:
        assert snapshot(out) == scored
    else:
        assert not out.exists()
    assert leftovers(out) == []


def test_a_swap_that_is_refused_keeps_the_previous_run(
    scored: dict[str, bytes],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = fresh_run(tmp_path, scored)

    def deny(*args: object) -> None:
        raise PermissionError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(outdir, "_exchange", deny)
    monkeypatch.setattr(os, "rename", deny)
    code, err = run_main(
        monkeypatch, capsys, "score", SAMPLE, "--out", out, "--as-of", "2022-06-30"
    )
    assert code == 1 and f"没有写入{tmp_path}的权限" in flat(err)
    assert snapshot(out) == scored and leftovers(out) == []


@pytest.mark.parametrize("victim", ["score_lines.csv", "manifest.json"])
def test_a_full_disk_keeps_the_previous_run(
    victim: str,
    scored: dict[str, bytes],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = fresh_run(tmp_path, scored)
    write_bytes = Path.write_bytes

    def full(self: Path, data: bytes) -> int:
        if self.name == victim:
            with self.open("wb") as f:  # a truncated file, as a full disk leaves it
                f.write(data[:100])
            raise OSError(errno.ENOSPC, "No space left on device")
        return write_bytes(self, data)

    monkeypatch.setattr(Path, "write_bytes", full)
    code, err = run_main(
        monkeypatch, capsys, "score", SAMPLE, "--out", out, "--as-of", "2022-06-30"
    )
    assert code == 1
    assert f"磁盘已满（或超出配额），无法写入{out}：请清理磁盘空间，或用--out换一个位置" in flat(
        err
    )
    assert "内部错误" not in err
    assert snapshot(out) == scored and leftovers(out) == []


# ---- simulate and sweep ----------------------------------------------------------------------


def test_sweep_writes_a_manifest_and_a_failure_keeps_the_previous_sweep(tmp_path: Path) -> None:
    out = tmp_path / "sweep"
    args = ["sweep", "department.extra.provincial", "--values", "0,10,20", "--out", out]
    r = kaohe(*args)
    assert r.returncode == 0, r.stderr
    m = check_manifest(out)
    assert set(m["files"]) == {"sweep.csv", "sweep.html"}
    assert m["command"] == "sweep" and m["status"] == "ok"
    assert m["parameter"] == "department.extra.provincial" and m["values"] == ["0", "10", "20"]
    assert m["ledger"]["source"] == "data/raw/2022" and len(m["ledger"]["sha256"]) == 64
    rules = hashlib.sha256((ROOT / "params" / "2022.yaml").read_bytes()).hexdigest()
    assert m["rules"]["sha256"] == rules
    before = snapshot(out)
    r = kaohe("sweep", "department.extra.provinical", "--values", "0,10", "--out", out)
    assert r.returncode != 0 and "最接近的有效路径" in r.stderr
    assert snapshot(out) == before and leftovers(out) == []


def test_simulate_writes_a_manifest_of_every_file(tmp_path: Path) -> None:
    out = tmp_path / "sim"
    r = kaohe("simulate", SCENARIO, "--no-html", "--out", out)
    assert r.returncode == 0, r.stderr
    assert f"结果写入{out}/" in flat(r.stdout)
    m = check_manifest(out)
    assert set(m["files"]) == {"comparison.csv", "by_clause.csv", "lines_changed.csv", "prizes.csv"}
    assert m["command"] == "simulate" and m["status"] == "ok"
    assert m["scenario"]["sha256"] == hashlib.sha256(SCENARIO.read_bytes()).hexdigest()
    rules = hashlib.sha256((ROOT / "params" / "2022.yaml").read_bytes()).hexdigest()
    assert m["rules"]["sha256"] == rules
    before = snapshot(out)
    r = kaohe("simulate", SCENARIO, "--no-html", "--out", out)
    assert r.returncode == 0, r.stderr
    assert snapshot(out) == before  # byte-identical rerun, manifest included
    r = kaohe("simulate", SCENARIO, "--no-html", "--out", out, "--ledger", tmp_path / "none")
    assert r.returncode != 0 and "内部错误" not in r.stderr
    assert snapshot(out) == before and leftovers(out) == []


def test_simulate_with_its_report_publishes_page_and_tables_together(tmp_path: Path) -> None:
    out = tmp_path / "sim"
    out.mkdir()
    (out / "manifest.json").write_text('{"kaohe_version": "0"}', encoding="utf-8")
    (out / "old.csv").write_bytes(b"old")  # a file of an earlier run, gone after this one
    r = kaohe("simulate", SCENARIO, "--out", out)
    assert r.returncode == 0, r.stderr
    assert f"模拟报告：{out}/模拟-unadopted-cap-20.html" in flat(r.stdout)
    m = check_manifest(out)
    assert set(m["files"]) == {
        "comparison.csv",
        "by_clause.csv",
        "lines_changed.csv",
        "prizes.csv",
        "模拟-unadopted-cap-20.html",
        "模拟-unadopted-cap-20.ipynb",
    }
    assert m["rules"]["source"] == "params/2022.yaml"
    assert leftovers(out) == []


# ---- sample --------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["台账.xlsx", "台账"])
def test_sample_never_overwrites_without_force(name: str, tmp_path: Path) -> None:
    out = tmp_path / name
    if out.suffix:
        out.write_bytes(b"the office's real ledger")
    else:
        out.mkdir()
        (out / "报送.csv").write_bytes(b"the office's real ledger")
    before = out.read_bytes() if out.is_file() else snapshot(out)
    r = kaohe("sample", "--seed", "1", "--out", out)
    assert r.returncode == 1
    assert f"{out}已存在：kaohesample不会覆盖已有的文件或文件夹" in flat(r.stderr)
    assert "确认要整体替换时加--force" in flat(r.stderr)
    assert (out.read_bytes() if out.is_file() else snapshot(out)) == before
    assert leftovers(out) == []


def test_sample_with_force_replaces_whole(tmp_path: Path) -> None:
    from kaohe.rules.models import load_rules
    from kaohe.sample import generate_sample, write_sample

    sheets = generate_sample(load_rules(), 1)
    write_sample(sheets, tmp_path / "direct.xlsx", "xlsx")
    write_sample(sheets, tmp_path / "direct", "csv")

    book = tmp_path / "book.xlsx"
    book.write_bytes(b"old")
    folder = tmp_path / "folder"
    folder.mkdir()
    (folder / "旧表.csv").write_bytes(b"old")
    for out in (book, folder):
        r = kaohe("sample", "--seed", "1", "--out", out, "--force")
        assert r.returncode == 0, r.stderr
        assert leftovers(out) == []
    # the same bytes as before the change, and nothing of the old left
    assert book.read_bytes() == (tmp_path / "direct.xlsx").read_bytes()
    assert snapshot(folder) == snapshot(tmp_path / "direct")


def test_sample_force_never_deletes_other_files(tmp_path: Path) -> None:
    out = tmp_path / "ledger"
    out.mkdir()
    (out / "说明.docx").write_bytes(b"mine")
    r = kaohe("sample", "--out", out, "--force")
    assert r.returncode == 1
    assert f"{out}中有台账CSV以外的文件（说明.docx），--force也不会删除它们" in flat(r.stderr)
    assert snapshot(out) == {"说明.docx": b"mine"}


@pytest.mark.parametrize("name", ["year.xls", "year.csv", "year.XLS"])
def test_sample_refuses_a_suffix_other_than_xlsx(name: str, tmp_path: Path) -> None:
    out = tmp_path / name
    r = kaohe("sample", "--out", out)
    assert r.returncode == 2
    text = flat(r.stderr)
    assert f"--out{out}：模拟台账只能写成.xlsx工作簿" in text
    assert f"不能写成{out.suffix}：请改为{out.with_suffix('.xlsx')}或{out.with_suffix('')}" in text
    assert "内部错误" not in r.stderr
    assert list(tmp_path.iterdir()) == []


# ---- names that are not UTF-8 ---------------------------------------------------------------


def test_clean_text_escapes_bytes_that_are_not_utf8() -> None:
    assert clean_text("台账/2022") == "台账/2022"
    assert clean_text(f"台账{GBK}.xlsx") == "台账\\xb1\\xa8.xlsx"
    assert clean_text("x\ud800") == "x\\ud800"  # a lone surrogate that is not an escaped byte


def test_non_utf8_ledger_and_out_names_work(tmp_path: Path) -> None:
    ledger = shutil.copytree(SAMPLE, tmp_path / f"台账{GBK}")
    out = tmp_path / f"结果{GBK}"
    r = kaohe("score", ledger, "--out", out)
    assert r.returncode == 0, r.stderr
    assert f"结果写入{tmp_path}/结果\\xb1\\xa8/" in flat(r.stdout)
    m = check_manifest(out)
    assert m["ledger"]["source"] == f"{tmp_path}/台账\\xb1\\xa8"
    assert m["status"] == "ok"
    # a failing run under such names also writes a whole manifest
    (ledger / "录用.csv").unlink()
    r = kaohe("score", ledger, "--out", out)
    assert r.returncode == 1 and "内部错误" not in r.stderr
    assert check_manifest(out)["status"] == "failed"
    # and a sample workbook
    book = tmp_path / f"模拟{GBK}.xlsx"
    r = kaohe("sample", "--seed", "1", "--out", book)
    assert r.returncode == 0, r.stderr
    assert book.stat().st_size > 0
    assert "模拟\\xb1\\xa8.xlsx" in r.stdout
