"""The project kernel: ipykernel in this project's own interpreter.

`kaohe report`, `kaohe explore` and `kaohe simulate` launch ``sys.executable -m kaohe.kernel -f
<connection file>`` themselves (`kaohe.publish.start_kernel`), so a page runs on the project's
environment whatever Jupyter kernels the user has installed (a ``python3`` kernelspec in
~/.local/share/jupyter may point at any other Python). For JupyterLab (`make lab`), `kaohe
kernel` writes the same command as the kernelspec ``kaohe`` the notebooks name
(`install_kernel`).

Before the kernel starts it defers the slow `rfc3987-syntax` import (see kaohe.fastimport):
the notebooks' plotly.io imports nbformat, hence jsonschema.
"""

from __future__ import annotations

import sys
from pathlib import Path

KERNEL_NAME = "kaohe"  # the kernelspec the notebooks name
KERNEL_DISPLAY_NAME = "kaohe（项目环境）"
KERNEL_ENV = {"PYDEVD_DISABLE_FILE_VALIDATION": "1"}


def kernel_argv() -> list[str]:
    """How the project kernel is started (a kernelspec's argv)."""
    return [sys.executable, "-m", "kaohe.kernel", "-f", "{connection_file}"]


def install_kernel(prefix: str | Path | None = None) -> Path:
    """Write the kernelspec the notebooks name (`kaohe`) into <prefix>/share/jupyter/kernels:
    the project's own interpreter running this module, as `kaohe report` starts it.
    Default prefix: this interpreter's environment (the .venv). Returns the kernel.json."""
    import json

    root = Path(prefix) if prefix is not None else Path(sys.prefix)
    folder = root / "share" / "jupyter" / "kernels" / KERNEL_NAME
    folder.mkdir(parents=True, exist_ok=True)
    spec = {
        "argv": kernel_argv(),
        "display_name": KERNEL_DISPLAY_NAME,
        "language": "python",
        "env": KERNEL_ENV,
        "metadata": {"debugger": True},
    }
    path = folder / "kernel.json"
    path.write_text(json.dumps(spec, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return path


def main(argv: list[str] | None = None) -> None:
    from kaohe.fastimport import defer_rfc3987_syntax

    defer_rfc3987_syntax()
    from ipykernel.kernelapp import launch_new_instance

    launch_new_instance(argv=list(sys.argv[1:] if argv is None else argv))


if __name__ == "__main__":
    main()
