"""The office file (params/office.yaml): what the 公文 needs beyond the scores.

Issuer (发文机关全称, 发文机关标志, 落款), the 发文字号 pattern and each report's number, the
titles, the 主送 line, the 版记, the rule of the 成文日期, the rule that names units under
三、存在问题 and the paragraphs of 四、下一步工作要求. Read strictly like the rules file: an
unknown key, a wrong type or a bad value is an `OfficeError` naming the line and the fix. When
the default file is missing, the defaults below (the same as the shipped file) apply.
"""

from __future__ import annotations

import re
import string
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from kaohe.rules.models import (
    RulesError,
    Share,
    _problems_of,
    format_problems,
    read_yaml_lines,
)

DEFAULT_OFFICE = Path(__file__).resolve().parents[1] / "params" / "office.yaml"

MAX_DAYS_AFTER = 366
# where a title that does not fit on one line breaks (标题回行), written in the title templates
TITLE_BREAK = "｜"
_REPORT_KEY = re.compile(r"^\d{4}(Q[1-9])?$")


class OfficeError(RulesError):
    """An office file that cannot be used; the message names the line and the fix (Chinese)."""


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"应为文字，实际为 {value!r}")
    if not value.strip():
        raise ValueError("不能为空，请填写文字")
    return value.strip()


def _optional_text(value: Any) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValueError(f"应为文字，实际为 {value!r}")
    return value.strip()


def _template(allowed: tuple[str, ...], required: tuple[str, ...]) -> Any:
    """A checker of a text with {placeholders}: only `allowed`, each of `required` present."""

    shown = "、".join("{" + a + "}" for a in allowed)

    def check(value: Any) -> str:
        text = _text(value)
        try:
            parsed = [(f, spec, conv) for _, f, spec, conv in string.Formatter().parse(text)]
        except ValueError:
            parsed = [("", "bad", None)]
        fields = [f for f, _, _ in parsed if f is not None]
        if any(f is not None and (spec or conv or not f) for f, spec, conv in parsed):
            raise ValueError(
                f"花括号写法有误：{text!r}；占位符只能是 {shown}，文字中的花括号请删去"
            )
        unknown = [f for f in fields if f not in allowed]
        if unknown:
            raise ValueError(f"未知的占位符 {{{unknown[0]}}}：只能用 {shown}")
        missing = [r for r in required if r not in fields]
        if missing:
            raise ValueError(f"缺少占位符 {{{missing[0]}}}：请写上（可用 {shown}）")
        return text

    return check


def _title(allowed: tuple[str, ...], required: tuple[str, ...]) -> Any:
    """A checker of a title template: a `_template` whose break marks (TITLE_BREAK) stand
    between words, not at either end nor side by side, and are written full-width."""
    check_template = _template(allowed, required)

    def check(value: Any) -> str:
        text = check_template(value)
        if "|" in text:
            raise ValueError(f"回行标记应为全角竖线“{TITLE_BREAK}”，不是半角“|”：{text!r}")
        if any(not part.strip() for part in text.split(TITLE_BREAK)):
            raise ValueError(
                f"回行标记“{TITLE_BREAK}”不能在标题开头、结尾或连写：{text!r}；"
                "请写在需要换行的两个词之间"
            )
        return text

    return check


def title_lines(template: str, **fields: Any) -> tuple[str, ...]:
    """The lines of a title template filled in with `fields`, split at its break marks (one
    line when it has none); the marks themselves are gone."""
    return tuple(part.strip().format(**fields) for part in template.split(TITLE_BREAK))


def _report_keys(value: Any) -> Any:
    """Keys of `numbers` / `fixed`: 2022Q3 or 2022 (YAML reads 2022 as a number)."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        return value  # the model's type error names it
    out: dict[Any, Any] = {}
    for k, v in value.items():
        key = str(k) if isinstance(k, int) and not isinstance(k, bool) else k
        if not isinstance(key, str) or not _REPORT_KEY.match(key.upper()):
            raise ValueError(
                f"键 {k!r} 不是报告名称：季度通报写 2022Q1…2022Q4，年度考核结果写 2022"
            )
        out[key.upper()] = v
    return out


def _number(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"发文序号应为正整数，实际为 {value!r}")
    if not 1 <= value <= 100_000:
        raise ValueError(f"发文序号应在 1 到 100000 之间，实际为 {value}")
    return value


def _days(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"应为整数天数，实际为 {value!r}")
    if not 0 <= value <= MAX_DAYS_AFTER:
        raise ValueError(f"应在 0 到 {MAX_DAYS_AFTER} 天之间，实际为 {value}")
    return value


Text = Annotated[str, BeforeValidator(_text)]
OptionalText = Annotated[str, BeforeValidator(_optional_text)]
Number = Annotated[int, BeforeValidator(_number)]
Days = Annotated[int, BeforeValidator(_days)]
NumberPattern = Annotated[str, BeforeValidator(_template(("year", "number"), ("number",)))]
QuarterTitle = Annotated[str, BeforeValidator(_title(("year", "quarter"), ("quarter",)))]
AnnualTitle = Annotated[str, BeforeValidator(_title(("year",), ()))]
ReportNumbers = Annotated[dict[str, Number], BeforeValidator(_report_keys)]
ReportDates = Annotated[dict[str, date], BeforeValidator(_report_keys)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class Issuer(_Strict):
    name: Text = "绍兴市人力资源和社会保障局办公室"
    mark: Text = "绍兴市人力资源和社会保障局办公室文件"
    signature: Text = "绍兴市人力资源和社会保障局办公室"


class DocNumber(_Strict):
    pattern: NumberPattern = "绍人社办〔{year}〕{number}号"
    numbers: ReportNumbers = Field(default_factory=dict)


class Titles(_Strict):
    """The titles; a TITLE_BREAK mark is where the 公文 breaks a title too long for a line."""

    quarter: QuarterTitle = "关于{year}年度{quarter}｜党委、政务信息工作情况的通报"
    annual: AnnualTitle = "关于{year}年度党委、政务信息工作｜考核结果的通报"


class DateRule(_Strict):
    days_after_cutoff: Days = 1
    fixed: ReportDates = Field(default_factory=dict)


class ProblemRule(_Strict):
    """Which units 三、存在问题 names (read by the report views)."""

    points_behind_pace: Share = Decimal("0.20")
    count_task_unreachable: bool = True


DEFAULT_NEXT_STEPS = (
    "提高思想认识。各单位要把信息工作摆上重要位置，主要负责同志要亲自过问，分管负责同志要具体抓，"
    "确保信息工作有人抓、有人管、有人写。",
    "聚焦中心工作。紧扣人力社保中心工作和群众关心的热点难点问题，多报送有情况、有分析、有建议的信息，"
    "提高信息的针对性和参考价值。",
    "抓好任务落实。对照基本任务和时间进度，落后的单位要查找原因、制定措施，按月报送计划逐条落实，"
    "确保完成全年任务。",
    "加强队伍建设。配齐配强信息员，注重培养年轻干部，加强业务交流和培训，不断提升信息写作水平。",
)


class Office(_Strict):
    issuer: Issuer = Field(default_factory=Issuer)
    number: DocNumber = Field(default_factory=DocNumber)
    title: Titles = Field(default_factory=Titles)
    addressees: Text = "局机关各处室、直属各单位，各区、县（市）人力社保局"
    copy_to: OptionalText = ""
    printed_by: Text = "绍兴市人力资源和社会保障局办公室"
    date: DateRule = Field(default_factory=DateRule)
    problems: ProblemRule = Field(default_factory=ProblemRule)
    next_steps: list[Text] = Field(default_factory=lambda: list(DEFAULT_NEXT_STEPS))

    # ---- what the documents use -------------------------------------------------------------

    def doc_number(self, year: int, key: str) -> str:
        """The 发文字号 of report `key` (2022Q3 or 2022); the number left blank (a full-width
        space pair) when the file gives none, for the office to fill in when issuing."""
        n = self.number.numbers.get(key.upper())
        return self.number.pattern.format(year=year, number=n if n is not None else "\u3000\u3000")

    def doc_date(self, key: str, cutoff: date) -> date:
        """The 成文日期 of report `key` whose figures run to `cutoff`."""
        fixed = self.date.fixed.get(key.upper())
        return fixed if fixed is not None else cutoff + timedelta(days=self.date.days_after_cutoff)

    def quarter_title(self, year: int, quarter_label: str) -> str:
        """The quarterly notification's title as plain text (no break mark)."""
        return "".join(self.quarter_title_lines(year, quarter_label))

    def quarter_title_lines(self, year: int, quarter_label: str) -> tuple[str, ...]:
        """The quarterly title split where its template marks a break (see `title_lines`)."""
        return title_lines(self.title.quarter, year=year, quarter=quarter_label)

    def annual_title(self, year: int) -> str:
        """The annual result's title as plain text (no break mark)."""
        return "".join(self.annual_title_lines(year))

    def annual_title_lines(self, year: int) -> tuple[str, ...]:
        """The annual title split where its template marks a break (see `title_lines`)."""
        return title_lines(self.title.annual, year=year)

    @property
    def addressee_line(self) -> str:
        """The 主送 line, ending in a full-width colon."""
        return self.addressees.rstrip("：:") + "："


def chinese_date(d: date) -> str:
    """2022年9月5日 (no zero padding), as 公文 write the 成文日期."""
    return f"{d.year}年{d.month}月{d.day}日"


def office_from_mapping(data: Any, source: str = "<内存>", lines: Any = None) -> Office:
    if not isinstance(data, dict):
        raise OfficeError(f"公文设置文件 {source} 的顶层应为一组“键: 值”")
    try:
        return Office.model_validate(data)
    except ValidationError as err:
        raise OfficeError(
            format_problems(f"公文设置文件 {source} 有误：", _problems_of(err), lines)
        ) from None


def load_office(path: str | Path | None = None) -> Office:
    """The office settings: `path`, else params/office.yaml, else the defaults (when the
    default file is missing). A given file that is missing or wrong is an `OfficeError`."""
    if path is None:
        if not DEFAULT_OFFICE.is_file():
            return Office()
        p = DEFAULT_OFFICE
    else:
        p = Path(path)
    data, lines = read_yaml_lines(
        p,
        "公文设置文件",
        "默认为 params/office.yaml，可参照 README 的“公文设置”一节编写",
        OfficeError,
    )
    return office_from_mapping(data, str(p), lines)
