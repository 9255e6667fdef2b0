"""`kaohe report`: run a report notebook with papermill and publish it as offline HTML.

One process executes and exports: the notebook (notebooks/quarterly.ipynb or annual.ipynb) is
parameterised and executed by papermill on a kernel this module starts itself
(``sys.executable -m kaohe.kernel``: the project's interpreter, whatever kernelspecs exist);
then nbconvert exports it without code cells through the ``kaohe_report`` template, which
loads nothing from the internet. The kernel is started first, so it boots while this process
imports papermill and nbconvert.

Outputs, in <out>/<year>/: ``2022Q3-季度通报.html`` (or ``2022-年度考核.html``), the executed
notebook ``….ipynb`` beside it, and the ``….xlsx`` tables the notebook writes. The HTML is
written to a temporary file and renamed, so there is never half a report. A failed cell stops
the run with the cell's error in Chinese; the executed notebook is kept for inspection and no
HTML is written.
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from kaohe.fastimport import defer_rfc3987_syntax
from kaohe.periods import (
    ReportDataError,
    annual_stem,
    annual_title,
    check_year,
    parse_quarter,
    quarter_stem,
    quarter_title,
)
from kaohe.rules import DEFAULT_RULES, load_rules

if TYPE_CHECKING:
    from jupyter_client.manager import KernelManager

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
TEMPLATES = Path(__file__).resolve().parent / "templates"
TEMPLATE_NAME = "kaohe_report"
STARTUP_TIMEOUT = 120  # seconds for the kernel to come up
CELL_TIMEOUT = 600  # seconds for one cell

Kind = Literal["quarter", "year"]


class ReportError(Exception):
    """A report that could not be made; the message is Chinese. `notebook`: the executed
    notebook kept for inspection, if there is one."""

    def __init__(self, message: str, notebook: Path | None = None) -> None:
        super().__init__(message)
        self.notebook = notebook


@dataclass(frozen=True)
class ReportSpec:
    """Which report: the notebook, its parameters and where it goes."""

    kind: Kind
    year: int
    quarter: str | None  # 'Q3' for a quarterly notification
    notebook: Path
    stem: str  # file name without suffix: 2022Q3-季度通报
    title: str  # the page title

    def parameters(self, ledger: Path, rules: Path, out_dir: Path) -> dict[str, Any]:
        params: dict[str, Any] = {
            "year": self.year,
            "ledger_path": str(ledger),
            "rules_path": str(rules),
            "out_dir": str(out_dir),
        }
        if self.quarter is not None:
            params["quarter"] = self.quarter
        return params


@dataclass(frozen=True)
class ReportFiles:
    html: Path
    notebook: Path
    xlsx: Path | None
    seconds: float
    size: int


def plan(
    kind: Kind,
    rules_path: Path | None,
    year: int | str | None = None,
    quarter: str | None = None,
) -> ReportSpec:
    """Check the arguments against the rules file and name the report (no data read)."""
    rules = load_rules(rules_path)
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


def kernel_argv() -> list[str]:
    return [sys.executable, "-m", "kaohe.kernel", "-f", "{connection_file}"]


def start_kernel(cwd: Path) -> KernelManager:
    """Start the project kernel now (it boots while the caller prepares the notebook)."""
    from jupyter_client.kernelspec import KernelSpec
    from jupyter_client.manager import KernelManager
    from traitlets import DottedObjectName

    spec = KernelSpec(
        argv=kernel_argv(),
        display_name="kaohe（项目环境）",
        language="python",
        metadata={},
        env={"PYDEVD_DISABLE_FILE_VALIDATION": "1"},
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
        km = ProjectKernelManager(kernel_name="kaohe", transport="ipc", ip=ip)
    else:
        km = ProjectKernelManager(kernel_name="kaohe")
    env = {**os.environ, "PYDEVD_DISABLE_FILE_VALIDATION": "1"}
    km.start_kernel(
        cwd=str(cwd),
        env=env,
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


def execute(
    spec: ReportSpec,
    params: dict[str, Any],
    executed: Path,
    km: KernelManager,
    progress: bool = True,
) -> Any:
    """Execute the notebook with papermill on the running kernel `km`; the executed notebook
    is written to `executed` (also when a cell fails). Returns the notebook node."""
    import papermill
    from papermill.exceptions import PapermillExecutionError

    try:
        return papermill.execute_notebook(
            str(spec.notebook),
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
        raise ReportError(
            f"报告未生成：{spec.notebook.name} 的第 {err.exec_count} 个代码单元格执行出错"
            f"——{err.ename}：{_clean(err.evalue).rstrip('。.')}。执行后的笔记本已保留，"
            f"可打开查看出错的单元格和完整信息：{executed}",
            executed,
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
        kept = executed if executed.exists() else None
        raise ReportError(f"报告未生成：{why}。{_clean(str(err))}", kept) from None


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
    import copy

    nb = copy.deepcopy(nb)
    nb.metadata["title"] = title
    _drop_stderr(nb)
    body, _ = (exp or exporter()).from_notebook_node(nb, resources={"metadata": {"name": title}})
    return body


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


def write_atomic(path: Path, data: bytes) -> None:
    """Write to a temporary file in the same folder, then rename over `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(tmp, 0o666 & ~mask)  # mkstemp makes 0600; a report is for reading
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# ---- the whole ----------------------------------------------------------------------------


def render(
    spec: ReportSpec,
    ledger: Path,
    rules: Path | None,
    out: Path,
    progress: bool = True,
    status: Callable[[str], None] | None = None,
) -> ReportFiles:
    """Execute `spec`'s notebook and publish it into <out>/<year>/."""
    t0 = time.perf_counter()
    say = status or (lambda _m: None)
    out_dir = (out / str(spec.year)).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    if not spec.notebook.is_file():
        raise ReportError(f"找不到报告笔记本 {spec.notebook}")
    ledger = ledger.resolve()
    if not ledger.exists():
        raise ReportError(f"找不到台账 {ledger}：请用 --ledger 给出 .xlsx 工作簿或 CSV 文件夹")
    rules_path = (rules or DEFAULT_RULES).resolve()
    target = out_dir / f"{spec.stem}.html"
    executed = out_dir / f"{spec.stem}.ipynb"
    say(f"启动内核，执行 {spec.notebook.name}…")
    km = start_kernel(NOTEBOOKS)
    try:
        defer_rfc3987_syntax()
        exp = exporter()  # import nbconvert and load the template while the kernel boots
        nb = execute(spec, spec.parameters(ledger, rules_path, out_dir), executed, km, progress)
    except ReportError as err:
        if target.exists():  # say that the HTML beside the failed notebook is an older one
            raise ReportError(
                f"{err}（同一文件夹中的 {target.name} 是此前生成的，未被改动）", err.notebook
            ) from None
        raise
    finally:
        stop_kernel(km)
    say("导出 HTML…")
    html = export_html(nb, spec.title, exp)
    bad = external_references(html)
    if bad:
        raise ReportError(
            "报告未生成：页面仍引用了网络资源（" + "；".join(bad[:5]) + "），离线无法打开。"
            "这是 kaohe 的缺陷，请报告维护者。",
            executed,
        )
    data = html.encode("utf-8")
    write_atomic(target, data)
    xlsx = out_dir / f"{spec.stem}.xlsx"
    return ReportFiles(
        target, executed, xlsx if xlsx.exists() else None, time.perf_counter() - t0, len(data)
    )


def plan_all(rules_path: Path | None, year: int | str | None = None) -> list[ReportSpec]:
    """The four quarterly notifications and the annual report of the year."""
    quarters = load_rules(rules_path).quarters.active
    specs = [plan("quarter", rules_path, year, q.name) for q in quarters]
    return [*specs, plan("year", rules_path, year)]


def render_all(
    ledger: Path,
    rules: Path | None,
    out: Path,
    year: int | str | None = None,
    progress: bool = True,
    status: Callable[[str], None] | None = None,
) -> list[ReportFiles]:
    """Render every report of the year (`plan_all`), one after the other."""
    return [render(s, ledger, rules, out, progress, status) for s in plan_all(rules, year)]
