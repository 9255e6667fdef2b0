"""Start-up time of the report processes: defer one slow optional import.

Every process that imports jsonschema (papermill, nbconvert, and the kernel through plotly.io →
nbformat) builds the Earley grammar of `rfc3987-syntax` at import time, 1–3 s, although
nothing here ever checks the ``iri`` string format it serves (jsonschema issue 1428; the
notebook schema is draft 4, which has no iri format). `defer_rfc3987_syntax` puts a small
stand-in module in its place whose `is_valid_syntax` imports the real package on first use, so
behaviour is unchanged and the cost is paid only by a program that really checks an IRI.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import types
from typing import Any

_NAME = "rfc3987_syntax"


def defer_rfc3987_syntax() -> bool:
    """Install the lazy stand-in; True if installed (False: already imported or absent)."""
    if _NAME in sys.modules or importlib.util.find_spec(_NAME) is None:
        return False
    stub = types.ModuleType(_NAME, "Lazy stand-in for rfc3987_syntax (kaohe.fastimport).")
    real: list[types.ModuleType] = []

    def _load() -> types.ModuleType:
        if not real:
            if sys.modules.get(_NAME) is stub:
                del sys.modules[_NAME]
            real.append(importlib.import_module(_NAME))
        return real[0]

    def is_valid_syntax(term: str, value: str) -> Any:
        return _load().is_valid_syntax(term, value)

    def __getattr__(name: str) -> Any:  # any other public attribute: load the real module
        if name.startswith("__"):  # import machinery probing (__path__, __spec__ …)
            raise AttributeError(name)
        return getattr(_load(), name)

    stub.is_valid_syntax = is_valid_syntax  # type: ignore[attr-defined]
    stub.__getattr__ = __getattr__  # type: ignore[method-assign]
    sys.modules[_NAME] = stub
    return True
