"""The assessment year's periods and their labels (rules only: no data, no polars).

Shared by the report command, which checks its arguments before any notebook runs, and by the
report views.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta

from kaohe.rules.models import Quarter, Rules

# The quarter options whose dates follow from the period (五 1): a rules file lists only their
# names and labels. assessment: successive three-month blocks from the period's first day;
# calendar: natural quarters, the months before the first natural quarter (December of the
# year before) folded into the first.
DERIVED_OPTIONS = ("assessment", "calendar")


def _plus_months(day: date, months: int) -> date:
    """The same day `months` later (the month's last day where it has no such day)."""
    y, m = divmod(day.month - 1 + months, 12)
    year, month = day.year + y, m + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def quarter_dates(option: str, start: date, end: date) -> list[tuple[date, date]] | None:
    """The (start, end) of each quarter of `option` over the period start..end (inclusive),
    or None for an option whose dates do not follow from the period (they are written out)."""
    if end < start:
        return None
    if option == "assessment":
        bounds = []
        i = 0
        while (first := _plus_months(start, 3 * i)) <= end:
            bounds.append(first)
            i += 1
    elif option == "calendar":
        # the natural quarter holding the first day, and those after it within the period
        holding = date(start.year, 3 * ((start.month - 1) // 3) + 1, 1)
        bounds = [start]
        q = holding
        while (q := _plus_months(q, 3)) <= end:
            bounds.append(q)
        if start != holding and len(bounds) > 1:
            del bounds[1]  # the months before the first natural quarter belong to the first
    else:
        return None
    ends = [b - timedelta(days=1) for b in bounds[1:]] + [end]
    return list(zip(bounds, ends, strict=True))


class ReportDataError(ValueError):
    """A report cannot be made from these inputs; the message says why, in Chinese."""


def check_year(rules: Rules, year: int | str) -> int:
    """The year as an int; it must be the rules file's assessment year."""
    try:
        y = int(year)
    except (TypeError, ValueError):
        raise ReportDataError(f"考核年度 {year!r} 不是年份，应写成 2022 这样的四位数字") from None
    if y != rules.meta.year:
        raise ReportDataError(
            f"考核年度 {y} 与规则文件的年度 {rules.meta.year} 不一致：请给出 {y} 年度的规则文件"
        )
    return y


def parse_quarter(text: str, rules: Rules) -> Quarter:
    """'Q3', '3', '2022Q3' or '2022q3' → the rules' quarter (its year must be the rules' year)."""
    s = str(text).strip().upper()
    names = [q.name for q in rules.quarters.active]
    if "Q" in s:
        year, _, num = s.partition("Q")
        if year:
            check_year(rules, year)
        s = num
    name = f"Q{s}"
    if name not in names:
        raise ReportDataError(f"没有季度 {text!r}：应为 {'、'.join(names)} 之一，如 2022Q3")
    return rules.quarter(name)


def months_label(start: date, end: date) -> str:
    """'2022年6月—8月', '2021年12月—2022年2月', '2022年6月'."""
    if (start.year, start.month) == (end.year, end.month):
        return f"{start.year}年{start.month}月"
    if start.year == end.year:
        return f"{start.year}年{start.month}月—{end.month}月"
    return f"{start.year}年{start.month}月—{end.year}年{end.month}月"


def quarter_label(rules: Rules, quarter: Quarter) -> str:
    """'2022年度第三季度（2022年6月—8月）'."""
    return f"{rules.meta.year}年度{quarter.label}（{months_label(quarter.start, quarter.end)}）"


def year_label(rules: Rules) -> str:
    """'2022年度（2021年12月—2022年11月）'."""
    p = rules.period
    return f"{rules.meta.year}年度（{months_label(p.start, p.end)}）"


def months_between(start: date, end: date) -> list[str]:
    """The months 'YYYY-MM' from start to end inclusive."""
    out = []
    y, m = start.year, start.month
    while (y, m) <= (end.year, end.month):
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def elapsed_share(rules: Rules, day: date) -> float:
    """The share of the assessment year's days up to `day` (the time progress)."""
    p = rules.period
    if day >= p.end:
        return 1.0
    return ((day - p.start).days + 1) / ((p.end - p.start).days + 1)


def quarter_stem(year: int, quarter: Quarter) -> str:
    """File name (without suffix) of a quarterly notification: '2022Q3-季度通报'."""
    return f"{year}{quarter.name}-季度通报"


def annual_stem(year: int) -> str:
    """File name (without suffix) of the annual report: '2022-年度考核'."""
    return f"{year}-年度考核"


def quarter_title(rules: Rules, quarter: Quarter) -> str:
    return f"{quarter_label(rules, quarter)}党委、政务信息工作通报"


def annual_title(rules: Rules) -> str:
    return f"{year_label(rules)}党委、政务信息工作考核结果"
