"""The engine: (ledger, rules) → score lines → totals → outcomes, one clause at a time.

Everything outside the engine imports from this package level, never from its modules.
"""

from kaohe.engine.core import (
    ANNUAL_ONLY_STEPS,
    LEVELS,
    STEP_LABELS,
    STEPS,
    Scores,
    Window,
    fmt_points,
    publication_table,
    score,
    unit_counts,
    unit_table,
    valued_adoptions,
    window_of,
)

__all__ = [
    "ANNUAL_ONLY_STEPS",
    "LEVELS",
    "STEPS",
    "STEP_LABELS",
    "Scores",
    "Window",
    "fmt_points",
    "publication_table",
    "score",
    "unit_counts",
    "unit_table",
    "valued_adoptions",
    "window_of",
]
