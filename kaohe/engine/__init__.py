"""The engine: (ledger, rules) → score lines → totals → outcomes, one clause at a time.

Modules by clause family (each clause function quotes the measures and names its block of
the rules file):

- `common`: the window of days, the roster table, the score-line builder, point arithmetic;
- `adoption`: 附件1 and 二（二）1（1）（2） — publication values, adoption points, instruction
  bonus, shared items;
- `department`: the rest of 二（二）1 — unadopted items, awards, count tasks (extras and
  shortfall), commissions, research article;
- `district`: 二（二）2 — forwarded adoptions, submission task, commissions;
- `outcomes`: 四 — completion rate, rank in class, adjustment, district assessment, advanced
  collectives;
- `people`: 四 信息员 — roster and young cadres, 出彩 points, officer prizes;
- `tasks`: the tasks table (gaps and pace) and the per-unit counts;
- `steps`: the run — the steps in the order of the clauses, `score`, `score_many`.

Everything outside the engine imports from this package level, never from its modules.
"""

from kaohe.engine.adoption import publication_table, shared_items, valued_adoptions
from kaohe.engine.common import (
    LEVELS,
    TASK_LEVELS,
    Window,
    fmt_points,
    in_window,
    items_with_units,
    overdue,
    unit_table,
    window_of,
)
from kaohe.engine.department import LevelTask, count_tasks, level_counts, level_task
from kaohe.engine.outcomes import class_rank, department_adjustment, district_assessment
from kaohe.engine.people import ITEM_STEPS
from kaohe.engine.steps import (
    ANNUAL_ONLY_STEPS,
    STEP_LABELS,
    STEPS,
    Scores,
    score,
    score_many,
    unit_counts,
)
from kaohe.engine.tasks import TASK_LABELS

__all__ = [
    "ANNUAL_ONLY_STEPS",
    "ITEM_STEPS",
    "LEVELS",
    "STEPS",
    "STEP_LABELS",
    "TASK_LABELS",
    "TASK_LEVELS",
    "LevelTask",
    "Scores",
    "Window",
    "class_rank",
    "count_tasks",
    "department_adjustment",
    "district_assessment",
    "fmt_points",
    "in_window",
    "items_with_units",
    "level_counts",
    "level_task",
    "overdue",
    "publication_table",
    "score",
    "score_many",
    "shared_items",
    "unit_counts",
    "unit_table",
    "valued_adoptions",
    "window_of",
]
