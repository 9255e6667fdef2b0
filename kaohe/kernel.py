"""The report kernel: ipykernel in this project's own interpreter.

`kaohe report` launches ``sys.executable -m kaohe.kernel -f <connection file>`` itself, so a
report runs on the project's environment whatever Jupyter kernels the user has installed (a
``python3`` kernelspec in ~/.local/share/jupyter may point at any other Python).

Before the kernel starts it defers the slow `rfc3987-syntax` import (see kaohe.fastimport):
the notebooks' plotly.io imports nbformat, hence jsonschema.
"""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> None:
    from kaohe.fastimport import defer_rfc3987_syntax

    defer_rfc3987_syntax()
    from ipykernel.kernelapp import launch_new_instance

    launch_new_instance(argv=list(sys.argv[1:] if argv is None else argv))


if __name__ == "__main__":
    main()
