"""The one publish pipeline: a notebook → an offline page, published whole and reproducibly.

Every page kaohe writes goes through here: the quarterly and annual reports (`kaohe report`),
the exploration page (`kaohe explore`), the simulation report (`kaohe simulate`) and the sweep
page (`kaohe sweep`). A `Page` says what to publish: the notebook and its parameters, the title,
the file stem and the folder. `publish_page` runs it:

1. papermill executes the notebook on a kernel this module starts itself
   (``sys.executable -m kaohe.kernel``: the project's interpreter, whatever kernelspecs exist),
   with its working folder in a hidden staging folder beside the bundle (a notebook writing to
   ``out_dir = "."`` writes into the bundle) or where the page says; the kernel starts first and
   boots while this process imports papermill and nbconvert;
2. `finish_notebook` makes the executed notebook the same for the same inputs (cell ids from the
   cell's index, figure and table ids from the page title, the input fingerprints and the cell's
   index — plotly and the grids draw random ones —, no timings or timestamps) and puts the
   fingerprints of the inputs (ledger, rules, scenario sha256, kaohe version) in its metadata
   ``kaohe``, from which the page's footer is written;
3. nbconvert exports it without code cells through the ``kaohe_report`` template, which loads
   nothing from the internet; `external_references` checks the page reaches for nothing;
4. `Stage` publishes the bundle — ``<stem>.html``, the executed ``<stem>.ipynb`` and the
   ``<stem>.xlsx`` and ``<stem>.docx`` the notebook wrote, if any, and the ``<stem>.pdf``
   LibreOffice made of the .docx when the page asks for it (`Page.pdf`) — together: staged, then renamed into place; if any
   step fails none of the new files is left and the old bundle is restored whole.

`publish_outputs` publishes a page whose outputs are already made in this process (the sweep
page: two figures and a table; no kernel is worth starting for them) through steps 2–4, as
``<stem>.html`` only.

A page's folder is locked (`kaohe.outdir.folder_lock`) while it is published, unless the
caller holds the lock (`held`): two runs never interleave. A failed cell stops the run with
the cell's error in Chinese; the executed notebook is kept for inspection as
``<stem>.失败.ipynb`` (never under the bundle's name) and nothing of the bundle changes. A
folder that cannot be written (``--out`` a file, read-only, a full disk) raises
`kaohe.outdir.OutputError` naming the folder and the fix.

The kernels of the reports and the exploration page score through `kaohe.score_cache`: a
page's `score_cache` folder (``<out>/.kaohe-cache``) is given to its kernel, so the pages of one
run score each (ledger, rules, as-of) once.
"""

from __future__ import annotations

import contextlib
import errno
import glob
import hashlib
import os
import re
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from kaohe import __version__
from kaohe.fastimport import defer_rfc3987_syntax
from kaohe.kernel import KERNEL_DISPLAY_NAME, KERNEL_ENV, KERNEL_NAME, kernel_argv
from kaohe.outdir import OutputError, _cannot_write, folder_lock
from kaohe.rules.models import DEFAULT_RULES, load_rules
from kaohe.rules.periods import (
    ReportDataError,
    annual_stem,
    annual_title,
    check_year,
    parse_quarter,
    quarter_stem,
    quarter_title,
)

if TYPE_CHECKING:
    from jupyter_client.manager import KernelManager

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
TEMPLATES = Path(__file__).resolve().parent / "templates"
TEMPLATE_NAME = "kaohe_report"
STARTUP_TIMEOUT = 120  # seconds for the kernel to come up
CELL_TIMEOUT = 600  # seconds for one cell
# the files of a report, in the order they are published (the page last)
BUNDLE = (".ipynb", ".xlsx", ".docx", ".pdf", ".html")
FAILED = ".失败.ipynb"  # the executed notebook of a failed run, kept for diagnosis
STAGE_SUFFIX = ".kaohe-stage"
SCORE_CACHE = ".kaohe-cache"  # the score cache of a run's pages, in their output folder

Kind = Literal["quarter", "year"]


class ReportError(Exception):
    """A report that could not be made; the message is Chinese. `notebook`: the executed
    notebook kept for inspection, if there is one."""

    def __init__(self, message: str, notebook: Path | None = None) -> None:
        super().__init__(message)
        self.notebook = notebook


@dataclass(frozen=True)
class Page:
    """A page to publish: the bundle `stem`.{html,ipynb,xlsx} in `folder`, titled `title`.

    `notebook` is executed with `parameters` (`publish_page`); a page made in this process has
    none (`publish_outputs`). `noun` names the page in messages (报告, 查询页, 模拟报告 …).
    The kernel works in the staging folder unless `kernel_cwd` is given. The executed notebook
    of a failed run is kept in `failed_dir` (default `folder`). `score_cache`: the folder of
    `kaohe.score_cache` the kernel scores through (None: it scores every time)."""

    title: str
    stem: str
    folder: Path
    notebook: Path | None = None
    parameters: Mapping[str, Any] = field(default_factory=dict)
    noun: str = "报告"
    kernel_cwd: Path | None = None
    failed_dir: Path | None = None
    score_cache: Path | None = None
    pdf: bool = False  # also convert the <stem>.docx the notebook wrote to <stem>.pdf

    @property
    def failed(self) -> Path:
        """Where the executed notebook of a failed run is kept: never the bundle's own name."""
        return failed_notebook(Path(os.path.abspath(self.failed_dir or self.folder)), self.stem)


@dataclass(frozen=True)
class PageFiles:
    """A published page: its files, how long it took and the page's size in bytes."""

    html: Path
    notebook: Path | None
    xlsx: Path | None
    seconds: float
    size: int
    docx: Path | None = None  # the Word 公文 (kaohe.present.document)
    pdf: Path | None = None  # its PDF (--pdf)


@dataclass(frozen=True)
class ReportSpec:
    """Which report (a quarterly notification or the annual report): its notebook and names."""

    kind: Kind
    year: int
    quarter: str | None  # 'Q3' for a quarterly notification
    notebook: Path
    stem: str  # file name without suffix: 2022Q3-季度通报
    title: str  # the page title

    def page(self, ledger: Path, rules: Path | None, out: Path, pdf: bool = False) -> Page:
        """The report as a page of <out>/<year>/, its workbook written by the notebook into
        the staging folder (``out_dir = "."``); the ledger must exist."""
        params: dict[str, Any] = {
            "year": self.year,
            "ledger_path": str(existing_ledger(ledger)),
            "rules_path": str((rules or _rules_for(None, None, ledger)).resolve()),
            "out_dir": ".",
        }
        if self.quarter is not None:
            params["quarter"] = self.quarter
        return Page(
            self.title,
            self.stem,
            out / str(self.year),
            self.notebook,
            params,
            score_cache=out / SCORE_CACHE,
            pdf=pdf,
        )


def existing_ledger(ledger: str | os.PathLike[str]) -> Path:
    """The ledger's absolute path, for a notebook's parameters; a missing one is refused."""
    path = Path(ledger).resolve()
    if not path.exists():
        raise ReportError(f"找不到台账 {path}：请用 --ledger 给出 .xlsx 工作簿或 CSV 文件夹")
    return path


def _rules_for(rules_path: Path | None, year: int | str | None, ledger: Path | None = None) -> Path:
    """The rules file of a report: the one given; else the year's file params/<year>.yaml (if
    there is one); else the file whose period holds the ledger's dates; else params/2022.yaml."""
    from kaohe.rules.choose import PARAMS, choose

    if rules_path is not None:
        return rules_path
    if str(year).isdigit() and (PARAMS / f"{year}.yaml").is_file():
        return PARAMS / f"{year}.yaml"
    if ledger is not None and Path(ledger).exists():
        return choose(None, Path(ledger)).path
    return DEFAULT_RULES


def plan(
    kind: Kind,
    rules_path: Path | None,
    year: int | str | None = None,
    quarter: str | None = None,
) -> ReportSpec:
    """Check the arguments against the rules file and name the report (no data read)."""
    written = year if year is not None else str(quarter or "").strip()[:4]  # 2023Q1: 2023
    rules = load_rules(_rules_for(rules_path, written))
    y = check_year(rules, year if year is not None else rules.meta.year)
    if kind == "quarter":
        if quarter is None:
            raise ReportDataError("季度通报需要给出季度，如 --quarter 2022Q3")
        q = parse_quarter(quarter, rules)
        return ReportSpec(
            "quarter",
            y,
            q.name,
            NOTEBOOKS / "quarterly.ipynb",
            quarter_stem(y, q),
            quarter_title(rules, q),
        )
    return ReportSpec(
        "year", y, None, NOTEBOOKS / "annual.ipynb", annual_stem(y), annual_title(rules)
    )


# ---- the kernel ------------------------------------------------------------------------------


def start_kernel(cwd: Path, env: Mapping[str, str] | None = None) -> KernelManager:
    """Start the project kernel now (it boots while the caller prepares the notebook), in
    `cwd`, with this process's environment and `env`."""
    from jupyter_client.kernelspec import KernelSpec
    from jupyter_client.manager import KernelManager
    from traitlets import DottedObjectName

    spec = KernelSpec(
        argv=kernel_argv(),
        display_name=KERNEL_DISPLAY_NAME,
        language="python",
        metadata={},
        env=KERNEL_ENV,
    )

    class ProjectKernelManager(KernelManager):
        """Launches the project kernel; never looks up a kernelspec by name."""

        client_class = DottedObjectName("jupyter_client.asynchronous.AsyncKernelClient")

        @property
        def kernel_spec(self) -> KernelSpec:  # type: ignore[override]
            return spec

    if os.name == "posix":
        # Local sockets: no TCP ports, and no "running over TCP without encryption" warning.
        import uuid

        from jupyter_core.paths import jupyter_runtime_dir

        runtime = Path(jupyter_runtime_dir())
        runtime.mkdir(parents=True, exist_ok=True)
        ip = str(runtime / f"kaohe-{uuid.uuid4().hex[:12]}")
        km = ProjectKernelManager(kernel_name=KERNEL_NAME, transport="ipc", ip=ip)
    else:
        km = ProjectKernelManager(kernel_name=KERNEL_NAME)
    # a kernel started from inside JupyterLab inherits JPY_SESSION_NAME; an unattended run is
    # never live (kaohe.present.explore.is_live)
    kernel_env = {k: v for k, v in os.environ.items() if k != "JPY_SESSION_NAME"}
    kernel_env.update(KERNEL_ENV)
    kernel_env.update(env or {})
    km.start_kernel(
        cwd=str(cwd),
        env=kernel_env,
        extra_arguments=["--HistoryManager.hist_file=:memory:"],
    )
    return km


def stop_kernel(km: KernelManager) -> None:
    with contextlib.suppress(Exception):  # the kernel may already be gone
        if km.has_kernel:
            km.shutdown_kernel(now=True)
    with contextlib.suppress(Exception):
        km.cleanup_resources()


# ---- execution ------------------------------------------------------------------------------

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def _clean(text: str) -> str:
    return _ANSI.sub("", text or "").strip()


def _keep(executed: Path, keep_as: Path | None) -> Path | None:
    """Move the executed notebook of a failed run to `keep_as` (if given); where it is now."""
    if not executed.is_file():
        return None
    if keep_as is None:
        return executed
    try:
        os.replace(executed, keep_as)
    except OSError:
        return None
    return keep_as


_OS_ERROR = re.compile(r"\[Errno (\d+)\][^'\"]*(?:['\"](.*)['\"])?")
_FULL = (errno.ENOSPC, errno.EDQUOT, errno.EROFS)
_DENIED = (errno.EACCES, errno.EPERM)


def _output_errno(evalue: str, folder: Path) -> int | None:
    """The errno of an error a cell met writing into `folder` (a full disk, a read-only or
    forbidden folder), or None for any other error."""
    m = _OS_ERROR.search(evalue or "")
    if m is None:
        return None
    code = int(m.group(1))
    if code in _FULL:
        return code
    if code in _DENIED and m.group(2):
        target = Path(m.group(2))
        if not target.is_absolute() or folder in target.parents:
            return code
    return None


def execute(
    notebook: Path,
    params: dict[str, Any],
    executed: Path,
    km: KernelManager,
    progress: bool = True,
    keep_as: Path | None = None,
) -> Any:
    """Execute `notebook` with papermill on the running kernel `km`; the executed notebook
    is written to `executed`. Returns the notebook node. When a cell fails, the executed
    notebook is moved to `keep_as` (if given) for diagnosis and the error names it."""
    import papermill
    from papermill.exceptions import PapermillExecutionError

    try:
        return papermill.execute_notebook(
            str(notebook),
            str(executed),
            parameters=params,
            km=km,
            kernel_name="python3",
            progress_bar=progress,
            request_save_on_cell_execute=False,
            start_timeout=STARTUP_TIMEOUT,
            execution_timeout=CELL_TIMEOUT,
        )
    except PapermillExecutionError as err:
        kept = _keep(executed, keep_as)
        where = (
            f"执行后的笔记本已保留，可打开查看出错的单元格和完整信息：{kept}"
            if kept
            else "执行后的笔记本未能保留"
        )
        folder = (keep_as or executed).parent
        code = _output_errno(err.evalue, executed.parent)
        if code is not None:
            raise OutputError(
                _cannot_write(folder, OSError(code, os.strerror(code)))
                + f"（{notebook.name} 的第 {err.exec_count} 个代码单元格写文件时出错，"
                f"报告未生成；{where}）"
            ) from None
        raise ReportError(
            f"报告未生成：{notebook.name} 的第 {err.exec_count} 个代码单元格执行出错"
            f"——{err.ename}：{_clean(err.evalue).rstrip('。.')}。{where}",
            kept,
        ) from None
    except Exception as err:
        from nbclient.exceptions import CellTimeoutError, DeadKernelError

        if isinstance(err, DeadKernelError):
            why = "内核意外退出（可能内存不足）"
        elif isinstance(err, CellTimeoutError):
            why = f"有单元格运行超过 {CELL_TIMEOUT} 秒"
        elif isinstance(err, TimeoutError | RuntimeError) and "kernel" in str(err).lower():
            why = (
                "内核启动后即退出（请检查项目环境能否 import ipykernel 和 kaohe）"
                if "died" in str(err).lower()
                else f"内核未能在 {STARTUP_TIMEOUT} 秒内启动"
            )
        else:
            raise
        kept = _keep(executed, keep_as)
        detail = _clean(str(err)).rstrip("。.")
        tail = f"。执行后的笔记本已保留：{kept}" if kept else ""
        raise ReportError(f"报告未生成：{why}。{detail}{tail}", kept) from None


# ---- export -----------------------------------------------------------------------------------


def exporter() -> Any:
    """The HTML exporter: no code, no prompts, the offline house template."""
    from nbconvert.exporters import HTMLExporter
    from traitlets.config import Config

    # no code, so no syntax-highlighting style sheet either
    config = Config({"CSSHTMLHeaderPreprocessor": {"enabled": False}})
    return HTMLExporter(
        config=config,
        template_name=TEMPLATE_NAME,
        extra_template_basedirs=[str(TEMPLATES)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        language_code="zh",
    )


def _drop_stderr(nb: Any) -> None:
    """Warnings printed to stderr belong to the executed notebook, not to the report."""
    for cell in nb.cells:
        if cell.get("cell_type") == "code":
            cell["outputs"] = [
                o
                for o in cell.get("outputs", [])
                if not (o.get("output_type") == "stream" and o.get("name") == "stderr")
            ]


def export_html(nb: Any, title: str, exp: Any | None = None) -> str:
    """The page of the executed notebook: the template's HTML, with plotly.js moved after the
    text and the page's own scripts (zh-CN toolbar, print redraw; `charts.page_scripts`)."""
    import copy

    from kaohe.present.charts import page_scripts

    nb = copy.deepcopy(nb)
    nb.metadata["title"] = title
    _drop_stderr(nb)
    body, _ = (exp or exporter()).from_notebook_node(nb, resources={"metadata": {"name": title}})
    return page_scripts(body)


class _Refs(HTMLParser):
    """Collects src/href attribute values and stylesheet @imports of a page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.refs: list[tuple[str, str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("src", "href", "srcset", "data", "poster", "action") and value:
                self.refs.append((tag, name, value.strip()))


_EXTERNAL = re.compile(r"^(?:[a-z][a-z0-9+.-]*:)?//", re.IGNORECASE)
_CSS_IMPORT = re.compile(r"@import\s+(?:url\()?\s*['\"]?\s*(?:https?:)?//", re.IGNORECASE)


def external_references(html: str) -> list[str]:
    """Every src/href in the page's markup that points off the page's own file (http, https,
    protocol-relative), and CSS @imports of remote sheets. Script bodies are not markup."""
    p = _Refs()
    p.feed(html)
    out = [f"<{t} {n}={v}>" for t, n, v in p.refs if _EXTERNAL.match(v)]
    out += [m.group(0) for m in _CSS_IMPORT.finditer(html)]
    return out


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# ---- the same bytes for the same inputs ------------------------------------------------------

# Ids drawn at random when a cell's output is made: plotly's figure divs (uuid4) and the
# exploration page's tables (kaohe.present.render.grid).
_RANDOM_ID = re.compile(
    r'\bid="([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}'
    r'|kh-[a-z]+-[0-9a-f]{12})"'
)
_TIMINGS = ("start_time", "end_time", "duration")


def fingerprints(nb: Any) -> dict[str, str]:
    """What the notebook's page header says it scored (`kaohe.present.render.Html.meta`: ledger and
    rules path and sha256, the ledger's latest date) and the kaohe version."""
    found: dict[str, str] = {}
    for cell in nb.cells:
        for out in cell.get("outputs", []) if cell.get("cell_type") == "code" else []:
            meta = (out.get("metadata") or {}).get("kaohe")
            if isinstance(meta, dict):
                found = {str(k): str(v) for k, v in meta.items()}
                break
        if found:
            break
    return {**found, "kaohe_version": __version__}


def _fixed_id(old: str, seed: str) -> str:
    d = hashlib.sha256(seed.encode("utf-8")).hexdigest()
    if old.startswith("kh-"):
        return old[: old.rindex("-") + 1] + d[:12]
    return f"{d[:8]}-{d[8:12]}-{d[12:16]}-{d[16:20]}-{d[20:32]}"


def _pin_html_ids(html: str, seed: str) -> str:
    for n, old in enumerate(dict.fromkeys(_RANDOM_ID.findall(html))):
        html = html.replace(old, _fixed_id(old, f"{seed}\0{n}"))
    return html


def finish_notebook(nb: Any, title: str, name: str) -> Any:
    """Make the executed notebook `nb` (in place) the same for the same inputs, and say what
    it was made from: cell ids from the cell's index; the random ids of figures and tables
    replaced by ids drawn from the title, the fingerprints and the cell's index; no timings
    or timestamps (papermill's, nbclient's); the file's own name as papermill's output path;
    the fingerprints in ``metadata.kaohe``. Returns `nb`."""
    meta = fingerprints(nb)
    seed = "\0".join([title, meta.get("ledger_sha256", ""), meta.get("rules_sha256", "")])
    nb.metadata["kaohe"] = meta
    nb.nbformat_minor = max(int(nb.get("nbformat_minor", 0)), 5)
    pm = nb.metadata.get("papermill")
    if isinstance(pm, dict):
        for key in _TIMINGS:
            pm.pop(key, None)
        pm["output_path"] = name
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"kh-{i:03d}"
        cm = cell.get("metadata", {})
        cm.pop("execution", None)
        if isinstance(cm.get("papermill"), dict):
            for key in _TIMINGS:
                cm["papermill"].pop(key, None)
        for out in cell.get("outputs", []) if cell.get("cell_type") == "code" else []:
            data = out.get("data") or {}
            html = data.get("text/html")
            if html is None:
                continue
            text = html if isinstance(html, str) else "".join(html)
            data["text/html"] = _pin_html_ids(text, f"{seed}\0{i}")
    return nb


def notebook_bytes(nb: Any) -> bytes:
    import nbformat

    return (nbformat.writes(nb) + "\n").encode("utf-8")


# ---- publishing a bundle -------------------------------------------------------------------------


@contextlib.contextmanager
def writing(folder: Path) -> Iterator[None]:
    """An OS error met while writing into `folder` becomes an OutputError naming it."""
    try:
        yield
    except OutputError:
        raise
    except OSError as err:
        raise OutputError(_cannot_write(folder, err)) from None


def make_folder(folder: Path) -> None:
    with writing(folder):
        folder.mkdir(parents=True, exist_ok=True)
        if not folder.is_dir():
            raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), str(folder))


def failed_notebook(folder: Path, stem: str) -> Path:
    """Where the executed notebook of a failed run is kept: never the bundle's own name."""
    return folder / f"{stem}{FAILED}"


class Stage:
    """A hidden folder beside a bundle where its new files are made, then published together.

    `publish` renames the staged files over the old ones (the page last); if a rename fails,
    the ones already renamed are put back, so the folder holds the old bundle or the new one,
    never a mix. A bundle file the new run did not make (a workbook the notebook no longer
    writes) is removed with the old bundle."""

    def __init__(self, folder: Path, stem: str) -> None:
        self.folder = folder
        self.stem = stem
        with writing(folder):
            self.path = Path(tempfile.mkdtemp(prefix=f".{stem}.", suffix=STAGE_SUFFIX, dir=folder))

    @staticmethod
    def clear_stale(folder: Path, stem: str) -> None:
        """Remove what a killed run left behind (call only while holding the folder's lock)."""
        for p in folder.glob(f".{glob.escape(stem)}.*{STAGE_SUFFIX}"):
            shutil.rmtree(p, ignore_errors=True)

    def file(self, suffix: str) -> Path:
        return self.path / f"{self.stem}{suffix}"

    def target(self, suffix: str) -> Path:
        return self.folder / f"{self.stem}{suffix}"

    def write(self, suffix: str, data: bytes) -> Path:
        path = self.file(suffix)
        with writing(self.folder):
            path.write_bytes(data)
        return path

    def publish(self) -> dict[str, Path]:
        """Rename the staged bundle into place; returns the published files by suffix."""
        new = {sfx: self.file(sfx) for sfx in BUNDLE if self.file(sfx).is_file()}
        backups: dict[str, Path] = {}
        done: list[str] = []
        with writing(self.folder):
            try:
                for sfx in BUNDLE:
                    old = self.target(sfx)
                    if old.is_file():
                        backups[sfx] = self.path / f"旧{sfx}"
                        _preserve(old, backups[sfx])
                for sfx in BUNDLE:
                    if sfx in new:
                        _install(new[sfx], self.target(sfx))
                    elif sfx in backups:
                        self.target(sfx).unlink()
                    done.append(sfx)
            except BaseException:
                for sfx in reversed(done):
                    with contextlib.suppress(OSError):
                        if sfx in backups:
                            os.replace(backups[sfx], self.target(sfx))
                        else:
                            self.target(sfx).unlink(missing_ok=True)
                raise
        with contextlib.suppress(OSError):
            failed_notebook(self.folder, self.stem).unlink(missing_ok=True)  # now out of date
        return {sfx: self.target(sfx) for sfx in new}

    def discard(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)


def _preserve(path: Path, backup: Path) -> None:
    """A second name for the old file (a hard link; a copy where links are not possible)."""
    try:
        os.link(path, backup)
    except OSError:
        shutil.copy2(path, backup)


def _install(src: Path, dst: Path) -> None:
    os.chmod(src, 0o666 & ~_umask())
    os.replace(src, dst)


@contextlib.contextmanager
def _staged(page: Page, held: bool) -> Iterator[tuple[Path, Stage]]:
    """The page's folder (absolute, created) and a stage in it, under the folder's lock unless
    the caller `held` it; a lock taken here first clears what a killed run left."""
    folder = Path(os.path.abspath(page.folder))
    with contextlib.ExitStack() as stack:
        if not held:
            stack.enter_context(folder_lock(folder))
        make_folder(folder)
        if not held:
            Stage.clear_stale(folder, page.stem)
        stage = Stage(folder, page.stem)
        try:
            yield folder, stage
        finally:
            stage.discard()


def _finish_and_publish(
    nb: Any, page: Page, stage: Stage, exp: Any, with_notebook: bool, t0: float
) -> PageFiles:
    """Steps 2–4: the same bytes, the offline page, its check, the bundle renamed into place."""
    finish_notebook(nb, page.title, f"{page.stem}.ipynb")
    html = export_html(nb, page.title, exp)
    bad = external_references(html)
    nb_data = notebook_bytes(nb)
    if bad:
        failed = page.failed
        with writing(failed.parent):
            failed.parent.mkdir(parents=True, exist_ok=True)
            failed.write_bytes(nb_data)
        raise ReportError(
            f"{page.noun}未生成：页面仍引用了网络资源（" + "；".join(bad[:5]) + "），离线无法打开。"
            f"这是 kaohe 的缺陷，请报告维护者（执行后的笔记本：{failed}）。",
            failed,
        )
    data = html.encode("utf-8")
    if with_notebook:
        stage.write(".ipynb", nb_data)
    stage.write(".html", data)
    files = stage.publish()
    return PageFiles(
        files[".html"],
        files.get(".ipynb"),
        files.get(".xlsx"),
        time.perf_counter() - t0,
        len(data),
        files.get(".docx"),
        files.get(".pdf"),
    )


def publish_page(
    page: Page,
    progress: bool = True,
    status: Callable[[str], None] | None = None,
    held: bool = False,
) -> PageFiles:
    """Execute the page's notebook on the project kernel and publish the bundle (steps 1–4).
    `held`: the caller holds the lock of the page's folder."""
    t0 = time.perf_counter()
    say = status or (lambda _m: None)
    notebook = page.notebook
    if notebook is None or not notebook.is_file():
        raise ReportError(f"找不到{page.noun}笔记本 {notebook}")
    failed = page.failed
    if page.pdf:
        _require_office()  # before any work: say what to install
    with _staged(page, held) as (folder, stage):
        say(f"启动内核，执行 {notebook.name}…")
        env = {}
        if page.score_cache is not None:
            from kaohe.score_cache import ENV

            env[ENV] = os.path.abspath(page.score_cache)
        km = start_kernel(page.kernel_cwd or stage.path, env)
        try:
            defer_rfc3987_syntax()
            exp = exporter()  # import nbconvert and load the template while the kernel boots
            with writing(folder):
                nb = execute(
                    notebook, dict(page.parameters), stage.file(".ipynb"), km, progress, failed
                )
        except ReportError as err:
            old = [stage.target(sfx).name for sfx in BUNDLE if stage.target(sfx).is_file()]
            if old:  # say that the files beside the kept notebook are older ones
                raise ReportError(
                    f"{err}（同一文件夹中的 {'、'.join(old)} 是此前生成的，未被改动）",
                    err.notebook,
                ) from None
            raise
        finally:
            stop_kernel(km)
        if page.pdf:
            say("用 LibreOffice 把 Word 公文转换为 PDF…")
            _office_pdf(stage, page)
        say("导出 HTML…")
        return _finish_and_publish(nb, page, stage, exp, True, t0)


def _require_office() -> None:
    from kaohe.present.document import DocumentError, require_soffice

    try:
        require_soffice()
    except DocumentError as err:
        raise ReportError(str(err)) from None


def _office_pdf(stage: Stage, page: Page) -> None:
    """<stem>.pdf from the <stem>.docx the notebook wrote into the stage."""
    from kaohe.present.document import DocumentError, docx_to_pdf

    docx = stage.file(".docx")
    if not docx.is_file():
        raise ReportError(f"{page.noun}未生成：笔记本没有写出 Word 公文 {docx.name}，无法生成 PDF")
    try:
        with writing(stage.folder):
            docx_to_pdf(docx, stage.file(".pdf"))
    except DocumentError as err:
        raise ReportError(f"{page.noun}未生成：{err}") from None


def publish_outputs(page: Page, outputs: Sequence[Any], held: bool = True) -> PageFiles:
    """Publish a page whose outputs are made in this process (steps 2–4, ``<stem>.html``):
    each output one cell of the page, plotly.js embedded once before them. An output is a
    plotly figure (the house renderer of `kaohe.present.charts`), an object with
    ``_repr_mimebundle_`` (`kaohe.present.render.Html`: its ``kaohe`` metadata carries the
    fingerprints) or HTML text. `held`: the caller holds the lock of the page's folder."""
    import nbformat
    from plotly.offline import get_plotlyjs

    t0 = time.perf_counter()
    defer_rfc3987_syntax()
    exp = exporter()
    v4 = nbformat.v4
    cells = [_output_cell(f'<script type="text/javascript">{get_plotlyjs()}</script>', {})]
    cells += [_output_cell(*_mimebundle(o)) for o in outputs]
    nb = v4.new_notebook(cells=cells)
    with _staged(page, held) as (_, stage):
        return _finish_and_publish(nb, page, stage, exp, False, t0)


def _mimebundle(obj: Any) -> tuple[str, dict[str, Any]]:
    """The HTML of one output and its metadata, as a kernel would display it."""
    from plotly.basedatatypes import BaseFigure

    if isinstance(obj, BaseFigure):
        from kaohe.present.charts import HouseRenderer

        return HouseRenderer().to_mimebundle(obj.to_dict())["text/html"], {}
    if hasattr(obj, "_repr_mimebundle_"):
        data, meta = obj._repr_mimebundle_()
        return data["text/html"], dict(meta)
    return str(obj), {}


def _output_cell(html: str, meta: dict[str, Any]) -> Any:
    import nbformat

    v4 = nbformat.v4
    out = v4.new_output("display_data", data={"text/html": html}, metadata=meta)
    return v4.new_code_cell(source="", outputs=[out], execution_count=None)


# ---- the reports ----------------------------------------------------------------------------


def render(
    spec: ReportSpec,
    ledger: Path,
    rules: Path | None,
    out: Path,
    progress: bool = True,
    status: Callable[[str], None] | None = None,
    pdf: bool = False,
) -> PageFiles:
    """Execute `spec`'s notebook and publish it into <out>/<year>/."""
    return publish_page(spec.page(ledger, rules, out, pdf), progress, status)


def plan_all(rules_path: Path | None, year: int | str | None = None) -> list[ReportSpec]:
    """The four quarterly notifications and the annual report of the year."""
    quarters = load_rules(_rules_for(rules_path, year)).quarters.active
    specs = [plan("quarter", rules_path, year, q.name) for q in quarters]
    return [*specs, plan("year", rules_path, year)]


def render_all(
    ledger: Path,
    rules: Path | None,
    out: Path,
    year: int | str | None = None,
    progress: bool = True,
    status: Callable[[str], None] | None = None,
    pdf: bool = False,
) -> list[PageFiles]:
    """Render every report of the year (`plan_all`), one after the other."""
    specs = plan_all(rules, year)
    return [render(s, ledger, rules, out, progress, status, pdf) for s in specs]
