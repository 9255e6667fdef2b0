"""Report bundles are published whole and reproducibly.

A report's .html, .ipynb and .xlsx appear together or not at all (staged in a hidden folder
beside them, then renamed into place); each carries the fingerprints of its inputs; reruns on
the same inputs give the same bytes; two runs never write one folder at once; a folder that
cannot be written is explained in Chinese, naming the folder and the fix.

Executions: one quarterly report (the reference), one into a second folder, one again into
the reference's folder (its scores from the run's cache), two over a copy of the reference
bundle (a failed publish, then a good one), one whose workbook cannot be written, two
exploration pages and two simulation reports. The publishing steps themselves, and the sweep
page (made in this process, no kernel), are also tested without a kernel.
"""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
import zipfile
from dataclasses import replace
from pathlib import Path

import openpyxl
import pytest

from kaohe import __version__
from kaohe import publish as report
from kaohe.ledger.read import read_ledger
from kaohe.outdir import OutputError, folder_lock
from kaohe.present import explore
from kaohe.rules.models import load_rules, rules_fingerprint
from kaohe.score_cache import ENTRY_NAME

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "raw" / "2022"
SCENARIO = ROOT / "params" / "scenarios" / "unadopted-cap-20.yaml"
STEM = "2022Q3-季度通报"
SUFFIXES = (".html", ".ipynb", ".xlsx", ".docx")


def kaohe(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kaohe", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=600,
    )


def bundle(folder: Path, stem: str = STEM) -> dict[str, bytes]:
    return {sfx: (folder / f"{stem}{sfx}").read_bytes() for sfx in SUFFIXES}


def names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def q3() -> report.ReportSpec:
    return report.plan("quarter", None, None, "2022Q3")


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Q3 notification of the sample year, rendered once: <out>/2022."""
    out = tmp_path_factory.mktemp("reference")
    files = report.render(q3(), SAMPLE, None, out, progress=False)
    assert files.xlsx is not None
    return out / "2022"


# ---- the same bytes, the fingerprints ---------------------------------------------------------


def test_a_rerun_into_another_folder_gives_the_same_bytes(reference: Path, tmp_path: Path) -> None:
    report.render(q3(), SAMPLE, None, tmp_path, progress=False)
    assert bundle(tmp_path / "2022") == bundle(reference)
    assert names(tmp_path / "2022") == [f"{STEM}{s}" for s in sorted(SUFFIXES)]


def test_every_file_of_the_bundle_carries_the_fingerprints(reference: Path) -> None:
    ledger_sha = read_ledger(SAMPLE, load_rules()).fingerprint
    rules_sha = rules_fingerprint()
    html = (reference / f"{STEM}.html").read_text(encoding="utf-8")
    # the colophon at the end of the page, and machine-readable meta tags
    assert html.count(ledger_sha) >= 2 and html.count(rules_sha) >= 2
    assert f"kaohe {__version__}" in html
    assert f'content="{ledger_sha}" name="kaohe-ledger-sha256"' in html
    assert "台账记录至</th><td>2022-12-07</td>" in html  # dated by the ledger, not the clock
    assert "生成日期" not in html
    nb = json.loads((reference / f"{STEM}.ipynb").read_text(encoding="utf-8"))
    meta = nb["metadata"]["kaohe"]
    assert meta["ledger_sha256"] == ledger_sha and meta["rules_sha256"] == rules_sha
    assert meta["kaohe_version"] == __version__ and meta["ledger"] == str(SAMPLE)
    wb = openpyxl.load_workbook(reference / f"{STEM}.xlsx")
    assert wb.sheetnames[-1] == "说明"
    about = {r[0]: r[1] for r in wb["说明"].iter_rows(min_row=3, values_only=True)}
    assert about["台账指纹（sha256）"] == ledger_sha and about["规则指纹（sha256）"] == rules_sha
    assert about["程序版本"] == f"kaohe {__version__}" and about["数据截至"] == "2022-08-31"
    custom = {p.name: p.value for p in wb.custom_doc_props.props}
    assert custom["台账指纹（sha256）"] == ledger_sha and custom["规则指纹（sha256）"] == rules_sha
    assert wb.properties.created.isoformat() == "2022-12-07T00:00:00"
    assert wb.properties.title == "2022年度第三季度（2022年6月—8月）党委、政务信息工作通报"


def test_the_notebook_has_no_timings_and_fixed_ids(reference: Path) -> None:
    nb = json.loads((reference / f"{STEM}.ipynb").read_text(encoding="utf-8"))
    pm = nb["metadata"]["papermill"]
    assert not {"start_time", "end_time", "duration"} & set(pm)
    assert pm["output_path"] == f"{STEM}.ipynb" and pm["parameters"]["out_dir"] == "."
    assert [c["id"] for c in nb["cells"]] == [f"kh-{i:03d}" for i in range(len(nb["cells"]))]
    for c in nb["cells"]:
        assert "execution" not in c["metadata"]
        assert not {"start_time", "end_time", "duration"} & set(c["metadata"].get("papermill", {}))
    html = (reference / f"{STEM}.html").read_text(encoding="utf-8")
    pages = [
        "".join(o["data"]["text/html"])
        for c in nb["cells"]
        for o in c.get("outputs", [])
        if "text/html" in o.get("data", {})
    ]
    ids = [i for page in pages for i in dict.fromkeys(report._RANDOM_ID.findall(page))]
    assert len(ids) >= 4 and len(set(ids)) == len(ids)  # one per figure, distinct
    assert all(f'id="{i}"' in html for i in ids)


def test_the_workbook_zip_is_dated_by_nothing_but_its_inputs(reference: Path) -> None:
    with zipfile.ZipFile(reference / f"{STEM}.xlsx") as z:
        # xlsxwriter's fixed date (31 January 1980), never the clock
        assert {i.date_time for i in z.infolist()} == {(1980, 1, 31, 0, 0, 0)}
        core = z.read("docProps/core.xml").decode("utf-8")
    assert core.count("2022-12-07T00:00:00Z") == 2  # created and modified


# ---- whole or not at all ------------------------------------------------------------------------


def test_a_failure_while_publishing_leaves_the_old_bundle_whole_then_a_rerun_matches(
    reference: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "2022"
    folder.mkdir()
    old = {sfx: f"此前的{sfx}".encode() for sfx in SUFFIXES}
    for sfx, data in old.items():
        (folder / f"{STEM}{sfx}").write_bytes(data)
    install = report._install

    def full_disk_at_the_workbook(src: Path, dst: Path) -> None:
        if dst.suffix == ".xlsx":  # the notebook is already in place: it must be taken back
            raise OSError(errno.ENOSPC, "No space left on device", str(dst))
        install(src, dst)

    monkeypatch.setattr(report, "_install", full_disk_at_the_workbook)
    with pytest.raises(OutputError) as err:
        report.render(q3(), SAMPLE, None, tmp_path, progress=False)
    assert str(err.value) == (
        f"磁盘已满（或超出配额），无法写入 {folder}：请清理磁盘空间，或用 --out 换一个位置"
    )
    assert bundle(folder) == old and names(folder) == [f"{STEM}{s}" for s in sorted(SUFFIXES)]
    monkeypatch.setattr(report, "_install", install)
    report.render(q3(), SAMPLE, None, tmp_path, progress=False)  # over the old bundle
    assert bundle(folder) == bundle(reference)
    assert names(folder) == [f"{STEM}{s}" for s in sorted(SUFFIXES)]


def test_a_workbook_that_cannot_be_written_publishes_nothing(
    reference: Path, tmp_path: Path
) -> None:
    """The xlsx writer fails inside the notebook (a full disk): the old bundle stays, the
    executed notebook is kept as <stem>.失败.ipynb, the message names the folder and the fix."""
    nb = json.loads((ROOT / "notebooks" / "quarterly.ipynb").read_text(encoding="utf-8"))
    excel = next(i for i, c in enumerate(nb["cells"]) if "quarter_excel" in "".join(c["source"]))
    patch = (
        "import errno, xlsxwriter\n\n\n"
        "def full(self):\n"
        "    raise OSError(errno.ENOSPC, 'No space left on device')\n\n\n"
        "xlsxwriter.Workbook.close = full"
    )
    nb["cells"].insert(excel, {"cell_type": "code", "metadata": {}, "source": patch, "outputs": []})
    nb["cells"][excel]["execution_count"] = None
    copy = tmp_path / "quarterly.ipynb"
    copy.write_text(json.dumps(nb, ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "out"
    folder = out / "2022"
    folder.mkdir(parents=True)
    for sfx in SUFFIXES:
        (folder / f"{STEM}{sfx}").write_bytes((reference / f"{STEM}{sfx}").read_bytes())
    with pytest.raises(OutputError) as err:
        report.render(replace(q3(), notebook=copy), SAMPLE, None, out, progress=False)
    text = str(err.value)
    assert text.startswith(f"磁盘已满（或超出配额），无法写入 {folder}：请清理磁盘空间")
    kept = folder / f"{STEM}.失败.ipynb"
    assert "报告未生成" in text and str(kept) in text
    assert bundle(folder) == bundle(reference)  # the old bundle, whole
    assert names(folder) == sorted([kept.name, *(f"{STEM}{s}" for s in SUFFIXES)])
    # a good run afterwards removes the diagnostic of the failed one
    report.render(q3(), SAMPLE, None, out, progress=False)
    assert names(folder) == [f"{STEM}{s}" for s in sorted(SUFFIXES)]


def _staged(folder: Path, stem: str, new: dict[str, bytes]) -> report.Stage:
    stage = report.Stage(folder, stem)
    for sfx, data in new.items():
        stage.write(sfx, data)
    return stage


def test_publishing_puts_back_what_it_replaced_when_a_rename_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = {sfx: b"old" + sfx.encode() for sfx in SUFFIXES}
    for sfx, data in old.items():
        (tmp_path / f"r{sfx}").write_bytes(data)
    stage = _staged(tmp_path, "r", {sfx: b"new" + sfx.encode() for sfx in SUFFIXES})
    install = report._install

    def denied_at_the_page(src: Path, dst: Path) -> None:
        if dst.suffix == ".html":  # the last one: the notebook and workbook are in place
            raise PermissionError(errno.EACCES, "Permission denied", str(dst))
        install(src, dst)

    monkeypatch.setattr(report, "_install", denied_at_the_page)
    with pytest.raises(OutputError, match=r"没有写入 .* 的权限（或为只读）：请换一个可写的文件夹"):
        stage.publish()
    stage.discard()
    assert {sfx: (tmp_path / f"r{sfx}").read_bytes() for sfx in SUFFIXES} == old
    assert names(tmp_path) == [f"r{sfx}" for sfx in sorted(SUFFIXES)]


def test_a_bundle_without_a_workbook_removes_the_old_one(tmp_path: Path) -> None:
    for sfx in SUFFIXES:
        (tmp_path / f"r{sfx}").write_bytes(b"old")
    (tmp_path / "r.失败.ipynb").write_bytes(b"{}")
    stage = _staged(tmp_path, "r", {".html": b"page", ".ipynb": b"nb"})
    files = stage.publish()
    stage.discard()
    assert set(files) == {".html", ".ipynb"}
    assert names(tmp_path) == ["r.html", "r.ipynb"]  # no workbook of another run beside them
    assert (tmp_path / "r.html").read_bytes() == b"page"


def test_a_killed_run_leaves_nothing_the_next_run_keeps(tmp_path: Path) -> None:
    left = report.Stage(tmp_path, STEM)
    (left.path / "x").write_bytes(b"half")
    other = report.Stage(tmp_path, "2022Q2-季度通报")
    report.Stage.clear_stale(tmp_path, STEM)
    assert not left.path.exists() and other.path.is_dir()


# ---- one run at a time, folders that cannot be written -------------------------------------------


def test_a_second_run_into_a_locked_folder_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "2022"
    with folder_lock(folder):
        r = kaohe("report", "--quarter", "2022Q3", "--ledger", str(SAMPLE), "--out", str(tmp_path))
        with pytest.raises(OutputError) as err:
            explore.render_html(tmp_path, SAMPLE)
    assert r.returncode == 1, r.stderr
    expected = (
        f"另一个 kaohe 进程（进程号 {os.getpid()}）正在写入 {folder}："
        "请等它结束后再运行，或用 --out 换一个输出位置"
    )
    assert expected in r.stderr.replace("\n", "") and "内部错误" not in r.stderr
    assert str(err.value) == expected
    assert not folder.exists() or names(folder) == []


@pytest.mark.parametrize("command", ["report", "explore"])
def test_out_that_is_a_file_is_explained(tmp_path: Path, command: str) -> None:
    file = tmp_path / "报告.txt"
    file.write_text("不是文件夹", encoding="utf-8")
    args = ["--quarter", "2022Q3"] if command == "report" else []
    r = kaohe(command, *args, "--ledger", str(SAMPLE), "--out", str(file))
    assert r.returncode == 1
    err = r.stderr.replace("\n", "")
    assert f"{file} 已存在且不是文件夹：请用 --out 给出一个文件夹路径" in err
    assert "内部错误" not in err and "Traceback" not in err
    assert file.read_text(encoding="utf-8") == "不是文件夹"


# ---- the exploration page, the simulation report, the sweep page ----------------------------------


def test_the_exploration_page_is_the_same_on_a_rerun(tmp_path: Path) -> None:
    a = explore.render_html(tmp_path / "a", SAMPLE, unit="柯桥", as_of="2022-08-31")
    b = explore.render_html(tmp_path / "b", SAMPLE, unit="柯桥", as_of="2022-08-31")
    assert a.html.read_bytes() == b.html.read_bytes()
    assert a.notebook.read_bytes() == b.notebook.read_bytes()
    assert names(a.html.parent) == sorted([a.html.name, a.notebook.name])
    html = a.html.read_text(encoding="utf-8")
    assert "kh-grid-" in html and "生成日期" not in html and "台账记录至" in html
    nb = json.loads(a.notebook.read_text(encoding="utf-8"))
    assert nb["metadata"]["kaohe"]["ledger_sha256"] in html


def test_the_simulation_report_is_the_same_on_a_rerun(tmp_path: Path) -> None:
    from kaohe.whatif.report import render_simulation

    a = render_simulation(SCENARIO, SAMPLE, tmp_path / "a")
    b = render_simulation(SCENARIO, SAMPLE, tmp_path / "b")
    assert a.read_bytes() == b.read_bytes()
    nb_a, nb_b = (p.with_suffix(".ipynb") for p in (a, b))
    assert nb_a.read_bytes() == nb_b.read_bytes()
    assert names(a.parent) == sorted([a.name, nb_a.name])
    meta = json.loads(nb_a.read_text(encoding="utf-8"))["metadata"]["kaohe"]
    assert meta["scenario_sha256"] in a.read_text(encoding="utf-8")


def test_a_page_made_in_process_that_reaches_the_network_is_not_published(
    tmp_path: Path,
) -> None:
    """The offline check of `publish_outputs` is the one of the notebook pages."""
    page = report.Page("测试页", "测试", tmp_path, noun="测试页")
    (tmp_path / "测试.html").write_bytes(b"old")
    bad = '<script src="https://cdn.plot.ly/plotly-2.0.0.min.js"></script>'
    with pytest.raises(report.ReportError) as err:
        report.publish_outputs(page, [bad])
    text = str(err.value)
    assert text.startswith("测试页未生成：页面仍引用了网络资源（<script src=https://cdn.plot.ly")
    kept = tmp_path / f"测试{report.FAILED}"
    assert err.value.notebook == kept and str(kept) in text
    assert names(tmp_path) == sorted(["测试.html", kept.name])
    assert (tmp_path / "测试.html").read_bytes() == b"old"


# ---- one scoring per (ledger, rules, as-of) in a run ---------------------------------------------


def test_a_rerun_reads_its_scores_from_the_cache_and_gives_the_same_bytes(
    reference: Path,
) -> None:
    out = reference.parent
    cache = out / report.SCORE_CACHE
    entries = ENTRY_NAME  # the score entries (the 公文's pictures sit beside them)
    before = {p.name: p.stat().st_mtime_ns for p in cache.iterdir() if entries.match(p.name)}
    # Q3 needs the year-to-date scores at the end of Q1, Q2 and Q3: one entry each
    assert sorted(n[-10:] for n in before) == ["2022-02-28", "2022-05-31", "2022-08-31"]
    bundle_before = bundle(reference)
    report.render(q3(), SAMPLE, None, out, progress=False)
    after = {p.name: p.stat().st_mtime_ns for p in cache.iterdir() if entries.match(p.name)}
    assert set(after) == set(before)
    assert all(after[n] > before[n] for n in before)  # each entry read (used) again
    assert bundle(reference) == bundle_before
