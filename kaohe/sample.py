"""Synthetic ledgers in the office's format (ledger.md): a realistic year and a bulk one.

`generate_sample` simulates one assessment year of a city bureau: every unit of the roster, its
officers and writers, items with Chinese titles in the style of 政务信息, adoptions at every
level, awards, commissions, monthly plans. `generate_bulk` builds a large valid ledger,
vectorised, for the benchmark. `write_sample` writes either as a CSV folder or an .xlsx
workbook; `save_sample` (the `kaohe sample` command) does so whole and atomically, and never over
an existing file or folder unless forced.

Everything drawn comes from the rules object (units, groups, bases, tasks, publications and
their forms, agencies, awards, issuers, plan categories, period, officers): a unit or a
publication added to the rules file appears in new samples. The numbers below are knobs of the
simulation (how active, how often adopted), not rules of the measures. The points that steer a
year's balance (what an adoption earns, a district's penalties, the publications' weights in
the draw) are priced by the engine (`_Prices`): the generator computes no points itself.

Every value of a returned frame is a string (dates 'YYYY-MM-DD') or null (blank). The same seed
gives the same frames, and the same bytes once written.
"""

from __future__ import annotations

import os
import random
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Literal

import numpy as np
import polars as pl

from kaohe.engine import publication_table, score, valued_adoptions
from kaohe.ledger import model
from kaohe.ledger.model import SHEETS, Ledger
from kaohe.outdir import Staging, display_path, publish
from kaohe.rules.models import SCALE, Group, Publication, RosterUnit, Rules

# ---- simulation knobs (not rules) ---------------------------------------------------------

# Items in the year, all units together (drawn in this range, then shared out).
TOTAL_ITEMS = (700, 900)
# Unit activity: log-normal spread around the unit's share (share ∝ base).
ACTIVITY_SIGMA = 0.35
QUALITY_SIGMA = 0.3
# Departments far behind (count tasks unmet) and far ahead.
N_LAGGARDS = 2
LAGGARD_ACTIVITY = 0.6
LAGGARD_QUALITY = 0.6
N_STARS = 2
STAR_ACTIVITY = 1.6
STAR_QUALITY = 1.4
MIN_DEPARTMENT_ITEMS = 4
SMALL_UNIT_ITEMS = 20  # fewer items than this: a small unit (fewer plans, commissions)
BIG_UNIT_ITEMS = 80  # more: a big unit (the most writers)
# Districts: submissions in the year (regular ones, and the one weak district).
DISTRICT_ITEMS = (21, 36)
DISTRICT_METRIC_SCALE = 0.18  # a district's figures against the city's
WEAK_DISTRICT_ITEMS = (12, 16)
# The weak district ends at this share of the zero line of its assessment (≤ 1: at or below).
WEAK_DISTRICT_MARGIN = 0.9
WEAK_DISTRICT_FLOOR = 0.15  # …and not far below zero either
# The other districts end within this share of their base (adoptions added or trimmed).
REGULAR_DISTRICT_RANGE = (0.8, 2.2)
# A department's adoption points (with instructions) stay within this share of its base.
DEPARTMENT_POINTS_CAP = 1.6
STAR_POINTS_CAP = 2.4
# Kinds: share of suggestion-type items; research items per department; departments without.
SUGGESTION_SHARE = 0.22
DISTRICT_SUGGESTION_SHARE = 0.25
RESEARCH_PER_DEPARTMENT = (1, 2)
N_WITHOUT_RESEARCH = 2
DISTRICT_RESEARCH_P = 0.5
# Adoption probability of an item by level and kind, before the unit's quality factor.
ADOPT_P: dict[str, dict[str, float]] = {
    "bureau": {"general": 0.55, "suggestion": 0.08, "research": 0.10},
    "city": {"general": 0.06, "suggestion": 0.18, "research": 0.15},
    "provincial": {"general": 0.015, "suggestion": 0.06, "research": 0.05},
}
# District items reach the city and the province through the bureau office's forwarding.
DISTRICT_ADOPT_FACTOR: dict[str, float] = {"bureau": 0.6, "city": 2.0, "provincial": 1.5}
DISTRICT_QUALITY_SIGMA = 0.15
WEAK_DISTRICT_QUALITY = 0.7
PROVINCIAL_AFTER_CITY = 3.0  # provincial adoption is likelier for an item the city took
PROVINCIAL_WITHOUT_CITY = 0.5
SECOND_PUBLICATION_P = 0.2  # a second publication of the same level takes the item
# Publication choice: weight ∝ points ** -exponent (daily bulletins take more than 专报).
PUBLICATION_POINT_EXPONENT: dict[str, float] = {"general": 1.0, "suggestion": 0.3, "research": 0.3}
# Days from submission to adoption, by level.
DELAY_DAYS: dict[str, tuple[int, int]] = {
    "bureau": (3, 10),
    "city": (3, 25),
    "provincial": (8, 40),
    "central": (15, 40),
}
# Adoptions falling after the period end: most are hurried into the year by the office; the
# rest stay late if within the window the ledger is kept open, else are not recorded.
LATE_KEEP_P = 0.25
LATE_WINDOW_DAYS = 12
N_PREVIOUS_YEAR_ITEMS = 3  # submitted just before the period, adopted in its first weeks
INSTRUCTION_P: dict[str, float] = {"central": 0.05, "provincial": 0.2, "city": 0.1, "bureau": 0.0}
# Form weights on publications that list forms, and written forms on the others.
FORM_WEIGHTS: dict[str, float] = {
    "全文录用": 6,
    "组稿录用": 3,
    "采纳例子观点": 0.5,
    "通讯": 3,
    "简讯": 7,
}
DISTRICT_FORM_WEIGHTS: dict[str, float] = {
    "全文录用": 4,
    "组稿录用": 4,
    "采纳例子观点": 2,
    "通讯": 3,
    "简讯": 7,
}
FREE_FORM_P = {"blank": 0.85, "full": 0.10, "compiled": 0.05}
DISTRICT_FREE_FORM_P = {"blank": 0.6, "full": 0.15, "compiled": 0.17, "examples": 0.08}
DISTRICT_EXAMPLES = (2, 3)
# Items of several departments (协作单位) and their shares.
N_SHARED_ITEMS = 7
SHARE_CHOICES = ("0.1", "0.15", "0.2", "0.25", "0.3")
# Commissions per unit, and how they end.
COMMISSIONS_PER_DEPARTMENT = (0, 3)
COMMISSIONS_PER_DISTRICT = (1, 3)
COMMISSION_OUTCOME = {"on_time": 0.78, "late": 0.1, "missed": 0.12}
COMMISSION_DAYS = (5, 15)  # from order to deadline
MINOR_ISSUER_WEIGHT = 0.04  # issuers without a department penalty (省厅…): rare
# Awards: per quarter and per annual award type.
QUARTERLY_AWARDS = (1, 2)
ANNUAL_AWARDS = (1, 2)
# People.
WRITERS_PER_UNIT = (1, 3)
YOUNG_P = 0.4
OFFICER_YOUNG_P = 0.2
FIRST_WRITER_OFFICER_P = 0.55
OTHER_WRITERS_P = 0.25
PADDED_NAME_P = 0.05  # a two-character name written as in 附件2 (陈  琴)
# Spellings: share of rows using an alias instead of the canonical name.
UNIT_ALIAS_P = 0.08
AGENCY_ALIAS_P = 0.15
PUBLICATION_ALIAS_P = 0.1
HALF_WIDTH_P = 0.03
LABEL_ALIAS_P = 0.06
NO_INSTRUCTION_WRITTEN_P = 0.3  # an adoption without instruction written 否 rather than blank
# Monthly plans.
PLAN_FILED_P = 0.9
SMALL_UNIT_PLAN_FILED_P = 0.65
PLAN_ROWS = (2, 4)
PLAN_FULFILLED_P = 0.55
PLAN_CATEGORY_MATCH_P = 0.7
# Seasonality of submissions.
MONTH_ACTIVITY = {
    12: 1.2, 1: 0.95, 2: 0.6, 3: 1.05, 4: 1.0, 5: 1.0,
    6: 1.1, 7: 1.0, 8: 0.9, 9: 1.05, 10: 0.95, 11: 1.3,
}  # fmt: skip
WEEKEND_FACTOR = 0.06
SPRING_FESTIVAL_FACTOR = 0.3
SPRING_FESTIVAL_WINDOW = (-10, 14)  # days around the festival
NATIONAL_DAY_FACTOR = 0.15
SPRING_FESTIVAL = {
    2021: date(2021, 2, 12), 2022: date(2022, 2, 1), 2023: date(2023, 1, 22),
    2024: date(2024, 2, 10), 2025: date(2025, 1, 29), 2026: date(2026, 2, 17),
    2027: date(2027, 2, 6), 2028: date(2028, 1, 26),
}  # fmt: skip
# Ids.
ITEM_PREFIX = "XX"
COMMISSION_PREFIX = "YG"
BULK_ITEM_PREFIX = "B"
BULK_COMMISSION_PREFIX = "BY"
# Bulk: adoptions per item (0, 1, 2, 3 publications), mean ≈ 1.55.
BULK_ADOPTIONS_P = (0.15, 0.35, 0.3, 0.2)
BULK_SUGGESTION_P = 0.25
BULK_RESEARCH_P = 0.04
BULK_SHARED_P = 0.02
BULK_COMMISSION_EVERY = 200
BULK_AWARD_EVERY = 1000
BULK_INSTRUCTION_P = 0.04
BULK_WRITERS = 6
BULK_OTHER_WRITERS_P = 0.1
BULK_ALIAS_P = 0.05

# Header → kind of cell, for the xlsx writer.
DATE_HEADERS = frozenset(
    {
        "报送日期",
        "录用日期",
        "评选日期",
        "下达日期",
        "截止日期",
        "完成日期",
        "报送时间",
        "起始日期",
        "终止日期",
    }
)
NUMBER_HEADERS = frozenset({"采纳数", "序号"})
EXCEL_MAX_ROWS = 1_048_576

LEVELS = ("central", "provincial", "city", "bureau")

# ---- title material -----------------------------------------------------------------------


@dataclass(frozen=True)
class _Domain:
    """Phrases of one line of work, to build titles from."""

    topics: tuple[str, ...]  # what is pushed forward: 推进{topic}
    issues: tuple[str, ...]  # what has problems: 关于{issue}面临的问题及建议
    carriers: tuple[str, ...]  # what is built: 打造{carrier}
    goals: tuple[str, ...]  # what it helps: 助力{goal}
    metrics: tuple[tuple[str, float, float, int], ...] = ()  # ({n} template, low, high, decimals)
    meetings: tuple[str, ...] = ()


def _words(text: str) -> tuple[str, ...]:
    """Phrases separated by whitespace."""
    return tuple(text.split())


_DOMAINS: dict[str, _Domain] = {
    "就业": _Domain(
        topics=_words(
            """
            高校毕业生就业创业 重点群体就业帮扶 零工市场建设 就业困难人员精准援助 失业保险稳岗返还
            返乡入乡创业 公共就业服务体系建设 农村劳动力转移就业 援企稳岗政策落地
            人力资源服务业高质量发展 创业担保贷款扶持 山区县劳务协作 “春风行动”招聘服务
            退役军人就业创业 企业用工保障
            """
        ),
        issues=_words(
            """
            新就业形态劳动者权益保障 高校毕业生“慢就业”“缓就业”现象 企业用工结构性矛盾
            灵活就业人员就业质量 大龄失业人员再就业 外来务工人员返岗留绍 中小微企业稳岗
            零工市场规范化建设
            """
        ),
        carriers=_words(
            """
            “家门口”就业服务站 “15分钟”就业服务圈 “一站式”零工市场 “云端”招聘服务平台
            人力资源服务产业园 “共富工坊”
            """
        ),
        goals=_words("稳岗留工 稳就业保民生 企业复工达产 高校毕业生留绍就业 重点群体就业"),
        meetings=_words("全市就业创业工作推进会 “春风行动”启动仪式 高校毕业生就业服务月活动"),
        metrics=(
            ("新增城镇就业{n}万人", 1.0, 6.0, 1),
            ("发放稳岗返还资金{n}亿元", 0.5, 4.0, 2),
            ("帮扶就业困难人员再就业{n}人", 600, 5000, 0),
            ("举办线上线下招聘会{n}场", 40, 400, 0),
        ),
    ),
    "人才": _Domain(
        topics=_words(
            """
            高层次人才引进 青年人才“来绍留绍” 人才服务“一件事”改革 博士后工作站建设 海外引才
            人才新政落地 名校引才 人才发展环境优化 人才住房保障
            """
        ),
        issues=_words(
            """
            青年人才流失 高层次人才“引得进留不住” 人才政策兑现 企业引才成本偏高 人才评价与使用脱节
            """
        ),
        carriers=_words("人才驿站 “一站式”人才服务综合体 海外引才工作站 “人才飞地”"),
        goals=_words("产业人才集聚 人才强市建设 高水平创新型城市建设"),
        meetings=_words("全市人才工作推进会 人才科技峰会"),
        metrics=(
            ("新引进大学生{n}万人", 2.0, 9.0, 1),
            ("引进高层次人才{n}名", 200, 1500, 0),
        ),
    ),
    "专技": _Domain(
        topics=_words(
            """
            职称制度改革 专业技术人才评价 职称评审“全程网办” 专技人员继续教育 民营企业职称评审
            基层专技人才队伍建设 工程技术人才自主评价
            """
        ),
        issues=_words(
            """
            民营企业专技人才职称评审 基层专技人员继续教育 职称评审重学历轻能力 专技人才向基层流动
            """
        ),
        carriers=_words("职称自主评价试点企业 专家工作站 继续教育基地"),
        goals=_words("专技人才队伍建设 企业创新发展 人才评价改革"),
        meetings=_words("职称评审工作会议"),
        metrics=(("完成职称评审{n}人", 2000, 9000, 0),),
    ),
    "技能": _Domain(
        topics=_words(
            """
            技能人才培养 企业新型学徒制 职业技能等级认定 技能大师工作室建设 技工教育 职业技能竞赛
            高技能人才队伍建设 “新八级工”制度落地 技能型社会建设 “绍兴工匠”培育
            """
        ),
        issues=_words(
            """
            技能人才断层 企业技能人才自主评价 职业技能培训补贴使用 新型学徒制推广 高技能人才待遇偏低
            """
        ),
        carriers=_words("技能大师工作室 公共实训基地 高技能人才培训基地 “技能驿站”"),
        goals=_words("制造业高质量发展 技能型社会建设 产业转型升级"),
        meetings=_words("全市职业技能竞赛 技能人才工作推进会"),
        metrics=(
            ("开展补贴性职业技能培训{n}万人次", 3.0, 15.0, 1),
            ("新增高技能人才{n}人", 3000, 20000, 0),
        ),
    ),
    "社保": _Domain(
        topics=_words(
            """
            灵活就业人员参保扩面 企业职工基本养老保险全国统筹 工伤保险扩面 社保经办服务
            被征地农民参保 城乡居民养老保险 社保卡“一卡通”应用 新就业形态人员职业伤害保障
            养老金按时足额发放 社保待遇资格认证 阶段性缓缴社会保险费
            """
        ),
        issues=_words(
            """
            灵活就业人员参保意愿不强 工伤保险基金可持续 新业态从业人员职业伤害保障
            城乡居民养老保险待遇偏低 社保待遇冒领 断保人员续保
            """
        ),
        carriers=_words("“15分钟”社保服务圈 社银合作网点 社保服务驿站"),
        goals=_words("民生保障 共同富裕 企业纾困"),
        meetings=_words("社保经办服务提升年活动部署会"),
        metrics=(
            ("基本养老保险参保人数达{n}万人", 300, 420, 1),
            ("为企业缓缴社会保险费{n}亿元", 1.0, 12.0, 1),
        ),
    ),
    "事业单位": _Domain(
        topics=_words(
            """
            事业单位公开招聘 事业单位人事管理 事业单位岗位设置管理 事业单位绩效工资管理
            事业单位工作人员考核 事业单位聘用合同管理
            """
        ),
        issues=_words(
            """
            基层事业单位招人难留人难 事业单位人才流动不畅 事业单位绩效工资分配 事业单位编外用工管理
            """
        ),
        carriers=_words("事业单位人事管理“一件事”平台 公开招聘服务专窗"),
        goals=_words("事业单位改革 人事管理规范化"),
        meetings=_words("事业单位人事管理工作会议"),
        metrics=(("组织事业单位公开招聘{n}人", 800, 3000, 0),),
    ),
    "劳动关系": _Domain(
        topics=_words(
            """
            根治欠薪 和谐劳动关系创建 农民工工资支付保障 新就业形态劳动者权益保障 劳动用工指导服务
            工资集体协商 农民工服务保障
            """
        ),
        issues=_words(
            """
            建设领域欠薪隐患 平台企业用工不规范 新就业形态劳动者权益保障 小微企业劳动合同签订
            农民工工资专用账户监管
            """
        ),
        carriers=_words("和谐劳动关系示范园区 “安薪”服务站 农民工服务驿站"),
        goals=_words("和谐劳动关系构建 农民工安心就业 社会和谐稳定"),
        meetings=_words("根治欠薪工作推进会"),
        metrics=(("为农民工追发工资{n}万元", 800, 6000, 0),),
    ),
    "仲裁": _Domain(
        topics=_words(
            """
            劳动人事争议调解仲裁 裁审衔接 基层调解组织建设 信访积案化解 劳动争议多元化解
            仲裁院标准化建设 “互联网+调解仲裁” 新时代“枫桥经验”人社实践
            """
        ),
        issues=_words(
            """
            劳动争议案件数量上升 新业态劳动争议处理 基层调解力量不足 恶意讨薪行为
            """
        ),
        carriers=_words("“一站式”劳动争议调解中心 仲裁派出庭 金牌调解工作室"),
        goals=_words("社会和谐稳定 矛盾纠纷源头化解"),
        meetings=_words("劳动人事争议调解仲裁工作会议"),
        metrics=(
            ("调解劳动人事争议案件{n}件", 1200, 6000, 0),
            ("仲裁结案率达{n}%", 95, 99.9, 1),
        ),
    ),
    "法规": _Domain(
        topics=_words(
            """
            法治人社建设 行政执法规范化 行政复议和应诉 规范性文件合法性审查 “八五”普法
            人社政策“直达快享” 证明事项告知承诺制
            """
        ),
        issues=_words("人社领域行政执法 惠企政策兑现 行政争议源头预防"),
        carriers=_words("人社法治宣传阵地 政策服务专窗"),
        goals=_words("法治政府建设 营商环境优化"),
        meetings=_words("法治人社建设推进会"),
        metrics=(("审查规范性文件{n}件", 20, 90, 0),),
    ),
    "基金": _Domain(
        topics=_words(
            """
            社保基金安全管理 社保基金监督 就业专项资金管理 基金风险防控 预算绩效管理 内部控制建设
            基金管理问题专项整治
            """
        ),
        issues=_words("社保基金监管 就业补助资金使用效益 欺诈骗保风险"),
        carriers=_words("基金监管数字化平台 风险防控“智慧监管”系统"),
        goals=_words("基金安全 资金规范使用"),
        meetings=_words("社保基金管理风险防控工作会议"),
        metrics=(("追回违规领取社保待遇{n}万元", 50, 600, 0),),
    ),
    "党建": _Domain(
        topics=_words(
            """
            清廉人社建设 模范机关创建 党史学习教育 干部队伍建设 年轻干部培养 党建业务融合
            窗口作风建设
            """
        ),
        issues=_words("年轻干部培养 基层党建与业务融合 窗口单位作风"),
        carriers=_words("“人社先锋”党建品牌 党员先锋岗 青年理论学习小组"),
        goals=_words("人社事业高质量发展 作风建设"),
        meetings=_words("全面从严治党工作会议 清廉人社建设推进会"),
    ),
    "信息化": _Domain(
        topics=_words(
            """
            人社数字化改革 “一件事”集成改革 人社数据共享 网络安全 人社服务“掌上办” 智慧人社建设
            电子社保卡应用
            """
        ),
        issues=_words("人社数据共享 老年人“数字鸿沟” 人社信息系统网络安全"),
        carriers=_words("人社数字驾驶舱 人社服务自助终端 “无感智办”服务专区"),
        goals=_words("数字化改革 便民服务"),
        meetings=_words("人社数字化改革推进会"),
        metrics=(("电子社保卡签发{n}万张", 150, 400, 0),),
    ),
    "综合": _Domain(
        topics=_words(
            """
            助企纾困政策落地 人社领域共同富裕示范区建设 人社服务“就近办”
            疫情防控常态化下的人社服务保障 人社领域营商环境优化 “三服务”活动
            """
        ),
        issues=_words("人社惠企政策“应享未享” 基层人社服务能力不足 疫情对劳动力市场的影响"),
        carriers=_words("人社服务驿站 “一站式”人社服务中心"),
        goals=_words("共同富裕 企业纾困解难 民生改善"),
        meetings=_words("全市人社系统半年度工作会议 人社系统“三服务”活动部署会"),
        metrics=(("兑现各类惠企政策资金{n}亿元", 2.0, 20.0, 1),),
    ),
}
# Unit name keyword → domain, first match wins (财务与社保基金监督处 is 基金, not 社保).
_DOMAIN_KEYWORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("基金", ("财务", "基金")),
    ("就业", ("就业", "失业")),
    ("人才", ("人才",)),
    ("专技", ("专业技术", "职称")),
    ("技能", ("技能", "职业能力")),
    ("社保", ("社会保险", "社保")),
    ("事业单位", ("事业单位",)),
    ("劳动关系", ("劳动关系", "农民工")),
    ("仲裁", ("仲裁", "信访")),
    ("法规", ("法规",)),
    ("党建", ("政治", "党委")),
    ("信息化", ("信息",)),
)
_DISTRICT_DOMAINS = {
    "就业": 4,
    "社保": 2.5,
    "人才": 1.5,
    "技能": 1.5,
    "劳动关系": 1.5,
    "仲裁": 1,
    "综合": 1,
}
_OWN_DOMAIN_P = 0.8

_MECHANISMS = (
    "“三个一”机制",
    "“四个一”工作法",
    "“1+N”模式",
    "“双清单”制度",
    "“五个一”举措",
    "“专员+专班”机制",
    "“一月一主题”活动",
)
_APPROACHES = (
    "数字化改革",
    "共同富裕示范区建设",
    "“三服务”活动",
    "营商环境优化提升",
    "清廉人社建设",
)
_PUSH = ("推进", "做好", "深化", "抓实")
_STRONG_PUSH = ("扎实推进", "全力推进", "持续深化", "创新推进")
_COUNTS = ("三", "四", "五", "六")
_AUDIENCES = ("高校毕业生", "灵活就业人员", "参保人", "用人单位", "退休人员")
_BENEFITS = ("政策“大礼包”", "办事指南", "服务清单")

_GENERAL_TEMPLATES: tuple[tuple[str, float], ...] = (
    ("{place}{mechanism}推进{topic}", 2),
    ("{place}打造{carrier} 助力{goal}", 2),
    ("{place}多措并举{push}{topic}", 2),
    ("{place}{strong}{topic}取得实效", 1),
    ("{place}以{approach}为抓手{push}{topic}", 1),
    ("{place}：{topic}跑出“加速度”", 0.7),
    ("{place}聚焦{goal}{push}{topic}", 1),
    ("{place}{count}项举措{push}{topic}", 1),
    ("{place}{span}{metric}", 1.2),
    ("{place}召开{year}年{meeting}", 0.6),
    ("@{audience}：这份{benefit}请查收", 0.015),
)
_SUGGESTION_TEMPLATES: tuple[tuple[str, float], ...] = (
    ("关于{issue}面临的问题及建议", 3),
    ("{issue}存在的问题及对策建议", 2),
    ("关于进一步{push}{topic}的建议", 2),
    ("当前{issue}问题值得关注", 1),
    ("{area}{issue}情况分析及建议", 1),
    ("关于{issue}的几点建议", 1),
)
_RESEARCH_TEMPLATES: tuple[tuple[str, float], ...] = (
    ("关于{topic}的调研与思考", 3),
    ("关于{area}{topic}情况的调研报告", 2),
    ("{topic}的实践与思考", 1),
    ("对{issue}的调查与思考", 1),
    ("{place}{topic}的探索与启示", 1),
)

_SURNAMES = (
    "王李张陈刘杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程"
    "魏苏吕丁任沈姚卢钟姜崔谭陆范金石汪贾钱俞傅倪茅宣楼孟寿裘屠"
)
_GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚婷雪琳晨浩宇轩涵欣怡佳雯斌鹏辉华建晓燕玲倩颖"
    "慧思睿哲凯彬博晗瑶梦露琪诗嘉天一子文俊杭越钰蕾妍航琦峰岚"
)
# Characters that make a name on their own (王芳, 李强).
_GIVEN_SINGLE = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超霞平刚婷雪琳晨浩宇斌鹏辉华燕玲倩颖慧凯彬博瑶露琪峰岚蕾妍航琦"
)


# ---- the realistic year -------------------------------------------------------------------


@dataclass(eq=False)
class _Unit:
    index: int
    name: str
    aliases: tuple[str, ...]
    group: Group
    district: bool
    officer: str | None
    domain: str | None
    activity: float = 1.0
    quality: float = 1.0
    laggard: bool = False
    star: bool = False
    weak: bool = False
    research: int = 0
    n_items: int = 0
    people: list[_Person] = field(default_factory=list)


@dataclass(eq=False)
class _Person:
    unit: _Unit
    name: str
    role: str  # 信息员 | 撰稿人
    young: bool
    start: date | None = None
    end: date | None = None

    def active(self, day: date) -> bool:
        return (self.start is None or self.start <= day) and (self.end is None or day <= self.end)


@dataclass(eq=False)
class _Commission:
    unit: _Unit
    issuer: str
    ordered: date
    deadline: date
    delivered: date | None
    commission_id: str = ""


@dataclass(eq=False)
class _Adoption:
    item: _Item
    pub: int
    adopted: date
    form: str | None
    examples: int | None
    instruction: bool


@dataclass(eq=False)
class _Item:
    seq: int
    unit: _Unit
    submitted: date
    kind: str  # general | suggestion | research
    title: str
    first_writer: str | None
    other_writers: list[str]
    commission: _Commission | None = None
    shares: list[tuple[_Unit, str]] = field(default_factory=list)
    adoptions: list[_Adoption] = field(default_factory=list)
    item_id: str = ""


@dataclass(frozen=True)
class _Award:
    item: _Item
    award: str
    awarded: date


@dataclass(frozen=True)
class _Plan:
    unit: _Unit
    month: str
    seq: int
    title: str
    category: str | None
    planned: date
    contact: str | None
    item: _Item | None


def _draw_points(rules: Rules) -> list[float]:
    """Each publication's smallest department points as the engine prices them (附件1), at
    least 1: its weight in the draw."""
    smallest = (
        publication_table(rules)
        .group_by("publication_id")
        .agg(pl.col("points_u").min())
        .sort("publication_id")["points_u"]
    )
    return [max(u / SCALE, 1.0) for u in smallest]


def _price_ledger(
    items: list[tuple[str, str, date, str, str | None]],
    adoptions: list[tuple[str, int, str, int, bool, date]],
    commissions: list[tuple[str, str, str, date, date, date | None]],
) -> Ledger:
    """A clean ledger (the reader's tables) built from the simulation, for the engine to price:
    items (id, unit, submitted, kind, commission id), adoptions (item id, publication, form,
    examples, instruction, adopted), commissions (id, unit, issuer, ordered, deadline,
    delivered)."""
    ids = [it[0] for it in items]
    item_frame = pl.DataFrame(
        {
            "item_id": ids,
            "title": ids,
            "unit": [it[1] for it in items],
            "submitted": [it[2] for it in items],
            "kind": [it[3] for it in items],
            "first_writer": [None] * len(items),
            "other_writers": [[] for _ in items],
            "commission_id": [it[4] for it in items],
            "row": range(2, len(items) + 2),
        },
        schema=model.ITEMS,
    )
    shares = item_frame.select(
        "item_id", "unit", pl.lit(100).alias("share"), pl.lit(True).alias("lead"), "row"
    ).cast(model.SHARES)  # type: ignore[arg-type]
    adoption_frame = pl.DataFrame(
        {
            "item_id": [a[0] for a in adoptions],
            "agency": [None] * len(adoptions),
            "publication_id": [a[1] for a in adoptions],
            "form": [a[2] for a in adoptions],
            "examples": [a[3] for a in adoptions],
            "instruction": [a[4] for a in adoptions],
            "adopted": [a[5] for a in adoptions],
            "row": range(2, len(adoptions) + 2),
        },
        schema=model.ADOPTIONS,
    )
    commission_frame = pl.DataFrame(
        [(*c, n) for n, c in enumerate(commissions, 2)], schema=model.COMMISSIONS, orient="row"
    )
    return Ledger(
        items=item_frame,
        shares=shares,
        adoptions=adoption_frame,
        awards=model.empty(model.AWARDS),
        commissions=commission_frame,
        plans=model.empty(model.PLANS),
        people=model.empty(model.PEOPLE),
        problems=model.empty(model.PROBLEMS),
        source="<模拟>",
    )


# unit (roster index), item kind, publication, form, 采纳数, instruction, commission issuer
_PriceKey = tuple[int, str, int, str, int, bool, str | None]


class _Prices:
    """What an adoption earns its unit and what a district loses on its submission task and
    commissions, both as the engine scores them: the generator prices nothing itself.

    Each combination of what an adoption's price may depend on (`_PriceKey`) is valued once
    by the engine, in batches, as the only adoption of an item of its own.
    """

    def __init__(self, year: _Year) -> None:
        self.year = year
        self.known: dict[_PriceKey, Decimal] = {}

    def _key(self, a: _Adoption) -> _PriceKey:
        it = a.item
        form = a.form or self.year.rules.forms.default
        issuer = it.commission.issuer if it.commission else None
        return (it.unit.index, it.kind, a.pub, form, a.examples or 1, a.instruction, issuer)

    def prepare(self, adoptions: Sequence[_Adoption]) -> None:
        """Price every combination of `adoptions` not priced yet, in one engine call."""
        keys = sorted({k for a in adoptions if (k := self._key(a)) not in self.known}, key=str)
        if not keys:
            return
        year = self.year
        day = year.start
        items, rows, commissions = [], [], []
        for n, (u, kind, pub, form, examples, instruction, issuer) in enumerate(keys):
            unit = year.units[u].name
            cid = None
            if issuer is not None:
                cid = f"C{n}"
                commissions.append((cid, unit, issuer, day, day, day))
            items.append((f"P{n:06d}", unit, day, kind, cid))
            rows.append((f"P{n:06d}", pub, form, examples, instruction, day))
        valued, _ = valued_adoptions(_price_ledger(items, rows, commissions), year.rules)
        earned = dict(valued.select("item_id", "value_u").iter_rows())
        for n, k in enumerate(keys):
            self.known[k] = Decimal(earned[f"P{n:06d}"]) / SCALE

    def adoption(self, a: _Adoption) -> Decimal:
        """What the adoption earns its unit (附件1 for a department, 二（二）2（2） for a
        district)."""
        if self._key(a) not in self.known:
            self.prepare([a])
        return self.known[self._key(a)]

    def district_penalties(self) -> dict[int, Decimal]:
        """Each district's submission shortfall and missed commissions (二（二）2（1）), as a
        negative number: its total with no adoptions counted."""
        year = self.year
        cid = {id(c): f"C{n}" for n, c in enumerate(year.commissions)}
        items = [(f"T{it.seq:06d}", it.unit.name, it.submitted, it.kind, None) for it in year.items]
        commissions = [
            (cid[id(c)], c.unit.name, c.issuer, c.ordered, c.deadline, c.delivered)
            for c in year.commissions
        ]
        totals = score(_price_ledger(items, [], commissions), year.rules).unit_scores
        by_name = dict(totals.select("unit", "total_u").iter_rows())
        return {u.index: Decimal(by_name[u.name]) / SCALE for u in year.districts}


def _weighted(rng: random.Random, options: Sequence[str], weights: Sequence[float]) -> str:
    return rng.choices(list(options), weights=list(weights))[0]


class _Year:
    """One simulated assessment year, built step by step with one seeded generator."""

    def __init__(self, rules: Rules, seed: int) -> None:
        self.rules = rules
        self.rng = random.Random(seed)
        self.start = rules.period.start
        self.end = rules.period.end
        self.year = rules.meta.year
        match = re.match(r"(.+?市)", rules.meta.title)
        self.city = match.group(1) if match else "我市"
        self.city_short = self.city.removesuffix("市")
        self.units = [self._unit(i, u) for i, u in enumerate(rules.units.roster)]
        self.departments = [u for u in self.units if not u.district]
        self.districts = [u for u in self.units if u.district]
        self.levels = {
            i: rules.agency_level[p.agency] for i, p in enumerate(rules.publications.list)
        }
        self.pubs_by_level: dict[str, list[int]] = {lv: [] for lv in LEVELS}
        self.draw_points = _draw_points(rules)
        for i, lv in self.levels.items():
            self.pubs_by_level[lv].append(i)
        self.items: list[_Item] = []
        self.commissions: list[_Commission] = []
        self.awards: list[_Award] = []
        self.plans: list[_Plan] = []
        self.titles: set[str] = set()
        self.names: set[str] = {re.sub(r"\s+", "", u.officer) for u in self.units if u.officer}
        days = [self.start + timedelta(d) for d in range((self.end - self.start).days + 1)]
        self.days = days
        self.day_weights = [self._day_weight(d) for d in days]

    # ---- set-up -------------------------------------------------------------------------

    def _unit(self, index: int, u: RosterUnit) -> _Unit:
        group = self.rules.group_by_name[u.group]
        domain = next((d for d, kws in _DOMAIN_KEYWORDS if any(k in u.name for k in kws)), None)
        return _Unit(
            index=index,
            name=u.name,
            aliases=tuple(u.aliases),
            group=group,
            district=group.kind == "district",
            officer=u.officer,
            domain=domain,
        )

    def _day_weight(self, day: date) -> float:
        w = MONTH_ACTIVITY.get(day.month, 1.0)
        if day.weekday() >= 5:
            w *= WEEKEND_FACTOR
        festival = SPRING_FESTIVAL.get(day.year, date(day.year, 2, 1))
        lo, hi = SPRING_FESTIVAL_WINDOW
        if festival + timedelta(lo) <= day <= festival + timedelta(hi):
            w *= SPRING_FESTIVAL_FACTOR
        if day.month == 10 and day.day <= 7:
            w *= NATIONAL_DAY_FACTOR
        return w

    def _draw_day(self, lo: date | None = None, hi: date | None = None) -> date:
        lo = lo or self.start
        hi = hi or self.end
        i0 = max(0, (lo - self.start).days)
        i1 = min(len(self.days) - 1, (hi - self.start).days)
        if i1 < i0:
            return lo
        return self.rng.choices(self.days[i0 : i1 + 1], weights=self.day_weights[i0 : i1 + 1])[0]

    @staticmethod
    def _weekday(day: date, not_before: date) -> date:
        """The day, moved off a weekend (to the Friday before if allowed, else the Monday)."""
        if day.weekday() < 5:
            return day
        friday = day - timedelta(day.weekday() - 4)
        if friday >= not_before:
            return friday
        return day + timedelta(7 - day.weekday())

    def profile(self) -> None:
        rng = self.rng
        for u in self.units:
            u.activity = rng.lognormvariate(0.0, ACTIVITY_SIGMA)
            sigma = DISTRICT_QUALITY_SIGMA if u.district else QUALITY_SIGMA
            u.quality = rng.lognormvariate(0.0, sigma)
        with_tasks = [
            u
            for u in self.departments
            if u.group.tasks is not None
            and (u.group.tasks.city.items > 0 or u.group.tasks.provincial.items > 0)
        ]
        # Laggards: any department with count tasks, the small ones likelier.
        laggards: list[_Unit] = []
        while with_tasks and len(laggards) < N_LAGGARDS:
            pick = rng.choices(with_tasks, weights=[1 / float(u.group.base) for u in with_tasks])[0]
            with_tasks.remove(pick)
            laggards.append(pick)
        for u in laggards:
            u.laggard = True
            u.activity *= LAGGARD_ACTIVITY
            u.quality = LAGGARD_QUALITY
        others = [u for u in self.departments if not u.laggard]
        for u in rng.sample(others, min(N_STARS, len(others))):
            u.star = True
            u.activity *= STAR_ACTIVITY
            u.quality *= STAR_QUALITY
        # Research: most departments write one or two; a few (a laggard first) none.
        without: list[_Unit] = laggards[:1]
        rest = [u for u in self.departments if u not in without and not u.star]
        without += rng.sample(rest, max(0, min(N_WITHOUT_RESEARCH - len(without), len(rest))))
        for u in self.departments:
            if u not in without:
                u.research = rng.randint(*RESEARCH_PER_DEPARTMENT) + (1 if u.star else 0)
        for u in self.districts:
            u.research = 1 if rng.random() < DISTRICT_RESEARCH_P else 0
        # Districts: one weak, the others regular.
        if self.districts:
            weak = rng.choice(self.districts)
            weak.weak = True
            weak.quality = WEAK_DISTRICT_QUALITY
        for u in self.districts:
            u.n_items = rng.randint(*(WEAK_DISTRICT_ITEMS if u.weak else DISTRICT_ITEMS))
        # Departments share what the districts leave of the year's total, ∝ base × activity.
        target = rng.randint(*TOTAL_ITEMS) - sum(u.n_items for u in self.districts)
        target -= N_PREVIOUS_YEAR_ITEMS + 2 * len(self.departments)  # commission answers
        weights = [float(u.group.base) * u.activity for u in self.departments]
        total = sum(weights) or 1.0
        for u, w in zip(self.departments, weights, strict=True):
            u.n_items = max(MIN_DEPARTMENT_ITEMS, u.research + 1, round(target * w / total))

    # ---- people -------------------------------------------------------------------------

    def _new_name(self) -> str:
        rng = self.rng
        for _ in range(1000):
            given = (
                rng.choice(_GIVEN_SINGLE)
                if rng.random() < 0.3
                else rng.choice(_GIVEN) + rng.choice(_GIVEN)
            )
            name = rng.choice(_SURNAMES) + given
            if name not in self.names and len(set(given)) == len(given):
                self.names.add(name)
                return name
        raise RuntimeError("no free name")  # pragma: no cover

    def people(self) -> None:
        rng = self.rng
        for u in self.units:
            officer = re.sub(r"\s+", "", u.officer) if u.officer else self._new_name()
            u.people.append(_Person(u, officer, "信息员", rng.random() < OFFICER_YOUNG_P))
            lo, hi = WRITERS_PER_UNIT
            n = hi if u.n_items >= BIG_UNIT_ITEMS else rng.randint(lo, hi)
            for _ in range(n):
                u.people.append(_Person(u, self._new_name(), "撰稿人", rng.random() < YOUNG_P))
        # One officer replaced mid-year ("人员如有变动…自然更替").
        with_officer = [u for u in self.departments if u.officer]
        if with_officer:
            u = rng.choice(with_officer)
            change = self.start + timedelta(rng.randint(150, 270))
            change = self._weekday(change, change)
            old = u.people[0]
            old.end = change - timedelta(1)
            u.people.insert(
                1, _Person(u, self._new_name(), "信息员", rng.random() < 0.5, start=change)
            )
        # A young writer who joined during the year.
        u = rng.choice(self.units)
        joined = self.start + timedelta(rng.randint(200, 300))
        u.people.append(_Person(u, self._new_name(), "撰稿人", True, start=joined))

    def _writers(self, unit: _Unit, day: date) -> tuple[str | None, list[str]]:
        rng = self.rng
        active = [p for p in unit.people if p.active(day)]
        officers = [p for p in active if p.role == "信息员"]
        writers = [p for p in active if p.role == "撰稿人"]
        if officers and (not writers or rng.random() < FIRST_WRITER_OFFICER_P):
            first = officers[0]
        elif writers:
            first = rng.choice(writers)
        else:  # pragma: no cover - every unit has an officer
            return None, []
        others: list[str] = []
        rest = [p for p in active if p is not first]
        if rest and rng.random() < OTHER_WRITERS_P:
            others = [p.name for p in rng.sample(rest, min(len(rest), rng.randint(1, 2)))]
        return first.name, others

    # ---- titles -------------------------------------------------------------------------

    def _places(self, unit: _Unit) -> list[str]:
        if unit.district:
            return [unit.name, unit.name, f"{unit.name}人社局"]
        places = [f"{self.city}人社局", "市人力社保局", "我市", self.city_short]
        centre = next(
            (a for a in (unit.name, *unit.aliases) if a.endswith("中心") and len(a) <= 6), None
        )
        if centre:
            places += [f"市{centre}"] * 2
        return places

    def _domain(self, unit: _Unit) -> _Domain:
        rng = self.rng
        if unit.district:
            names = list(_DISTRICT_DOMAINS)
            return _DOMAINS[_weighted(rng, names, list(_DISTRICT_DOMAINS.values()))]
        if unit.domain and rng.random() < _OWN_DOMAIN_P:
            return _DOMAINS[unit.domain]
        return _DOMAINS["综合"]

    def _span(self, day: date) -> str:
        options = ["今年以来"]
        if day.month >= 3:
            options.append(f"1—{day.month - 1}月")
        if day.month in (7, 8):
            options.append("上半年")
        if day.month in (10, 11):
            options.append("前三季度")
        return self.rng.choice(options)

    def title(self, unit: _Unit, kind: str, day: date) -> str:
        title = ""
        for _ in range(30):
            title = self._title(unit, kind, day)
            if title not in self.titles:
                break
        self.titles.add(title)
        return title

    def _title(self, unit: _Unit, kind: str, day: date) -> str:
        rng = self.rng
        d = self._domain(unit)
        templates = {
            "general": _GENERAL_TEMPLATES,
            "suggestion": _SUGGESTION_TEMPLATES,
            "research": _RESEARCH_TEMPLATES,
        }[kind]
        usable = [
            (t, w)
            for t, w in templates
            if ("{metric}" not in t or d.metrics) and ("{meeting}" not in t or d.meetings)
        ]
        template = _weighted(rng, [t for t, _ in usable], [w for _, w in usable])
        metric = ""
        if d.metrics:
            text, lo, hi, decimals = rng.choice(d.metrics)
            value = rng.uniform(lo, hi)
            if unit.district and "%" not in text:
                value *= DISTRICT_METRIC_SCALE
            metric = text.format(n=f"{value:.{decimals}f}" if decimals else str(round(value)))
        topic = rng.choice(d.topics)
        goals = [g for g in d.goals if g not in topic and topic not in g] or list(d.goals)
        goal = rng.choice(goals)
        return template.format(
            place=rng.choice(self._places(unit)),
            area=unit.name if unit.district else "我市",
            mechanism=rng.choice(_MECHANISMS),
            approach=rng.choice(_APPROACHES),
            push=rng.choice(_PUSH),
            strong=rng.choice(_STRONG_PUSH),
            count=rng.choice(_COUNTS),
            topic=topic,
            issue=rng.choice(d.issues),
            carrier=rng.choice(d.carriers),
            goal=goal,
            meeting=rng.choice(d.meetings) if d.meetings else "",
            metric=metric,
            span=self._span(day),
            year=day.year,
            audience=rng.choice(_AUDIENCES),
            benefit=rng.choice(_BENEFITS),
        )

    # ---- items --------------------------------------------------------------------------

    def _item(self, unit: _Unit, day: date, kind: str) -> _Item:
        first, others = self._writers(unit, day)
        item = _Item(
            seq=len(self.items),
            unit=unit,
            submitted=day,
            kind=kind,
            title=self.title(unit, kind, day),
            first_writer=first,
            other_writers=others,
        )
        self.items.append(item)
        return item

    def make_items(self) -> None:
        rng = self.rng
        for u in self.units:
            share = DISTRICT_SUGGESTION_SHARE if u.district else SUGGESTION_SHARE
            kinds = ["research"] * u.research
            for _ in range(u.n_items - u.research):
                kinds.append("suggestion" if rng.random() < share else "general")
            for kind in kinds:
                # Research articles take time: they come in the second half of the year.
                lo = self.start + timedelta(120) if kind == "research" else None
                self._item(u, self._draw_day(lo), kind)

    def make_commissions(self) -> None:
        """Commissions (约稿) and the items that answer them."""
        rng = self.rng
        issuers = self.rules.commission_issuers.list
        penalties = self.rules.department.commissions.penalty
        central_issuers = set(self.rules.district.adoptions.central.commission_issuers)
        names: list[str] = []
        weights: list[float] = []
        for i in issuers:
            if i.name in central_issuers:
                continue
            names.append(i.name)
            p = penalties.get(i.name)
            weights.append(1.0 / abs(float(p)) if p else MINOR_ISSUER_WEIGHT)
        outcomes = list(COMMISSION_OUTCOME)
        last_order = self.end - timedelta(25)
        for u in self.units:
            lo, hi = COMMISSIONS_PER_DISTRICT if u.district else COMMISSIONS_PER_DEPARTMENT
            n = 1 if u.weak else rng.randint(lo, hi)
            if not u.district and u.n_items < SMALL_UNIT_ITEMS:
                n = min(n, 1)
            for k in range(n):
                outcome = (
                    "missed"
                    if u.weak and k == 0
                    else _weighted(rng, outcomes, list(COMMISSION_OUTCOME.values()))
                )
                self._commission(u, _weighted(rng, names, weights), outcome, last_order)

    def _commission(
        self, unit: _Unit, issuer: str, outcome: str, last_order: date, kind: str | None = None
    ) -> tuple[_Commission, _Item | None]:
        rng = self.rng
        ordered = self._weekday(self._draw_day(self.start, last_order), self.start)
        deadline = self._weekday(ordered + timedelta(rng.randint(*COMMISSION_DAYS)), ordered)
        delivered: date | None = None
        if outcome == "on_time":
            day = ordered + timedelta(rng.randint(1, max(1, (deadline - ordered).days)))
            delivered = self._weekday(day, ordered + timedelta(1))
        elif outcome == "late":
            day = deadline + timedelta(rng.randint(1, 10))
            delivered = self._weekday(day, deadline + timedelta(1))
        c = _Commission(unit, issuer, ordered, deadline, delivered)
        self.commissions.append(c)
        item = None
        if delivered is not None:
            kind = kind or ("suggestion" if rng.random() < 0.6 else "general")
            item = self._item(unit, delivered, kind)
            item.commission = c
        return c, item

    def previous_year_items(self) -> None:
        """A few items of the previous year's last days, adopted in this year's first weeks."""
        rng = self.rng
        units = [u for u in self.units if not u.weak]
        for _ in range(N_PREVIOUS_YEAR_ITEMS):
            u = rng.choice(units)
            day = self._weekday(
                self.start - timedelta(rng.randint(2, 12)), self.start - timedelta(30)
            )
            item = self._item(u, day, "general")
            level = "city" if rng.random() < 0.5 else "bureau"
            adopted = self._weekday(self.start + timedelta(rng.randint(0, 14)), self.start)
            self._add(item, level, fixed=adopted)

    # ---- adoptions ----------------------------------------------------------------------

    def _choose_pub(self, level: str, kind: str, exclude: Sequence[int]) -> int | None:
        pool = [i for i in self.pubs_by_level[level] if i not in exclude]
        if not pool:
            return None
        exp = PUBLICATION_POINT_EXPONENT[kind]
        weights = [self.draw_points[i] ** -exp for i in pool]
        return self.rng.choices(pool, weights=weights)[0]

    def _form(self, pub: Publication, unit: _Unit) -> tuple[str | None, int | None]:
        rng = self.rng
        da = self.rules.district.adoptions
        examples_form = da.examples_forms[0] if da.examples_forms else None
        if pub.forms:
            table = DISTRICT_FORM_WEIGHTS if unit.district else FORM_WEIGHTS
            forms = list(pub.forms)
            form = _weighted(rng, forms, [table.get(f, 1.0) for f in forms])
        else:
            probs = DISTRICT_FREE_FORM_P if unit.district else FREE_FORM_P
            pick = _weighted(rng, list(probs), list(probs.values()))
            form = {
                "blank": None,
                "full": self.rules.forms.default,
                "compiled": da.compiled_forms[0] if da.compiled_forms else None,
                "examples": examples_form,
            }[pick]
        examples = None
        if form is not None and form == examples_form:
            examples = rng.randint(*DISTRICT_EXAMPLES) if unit.district else None
        return form, examples

    def _add(
        self,
        item: _Item,
        level: str,
        *,
        after: date | None = None,
        fixed: date | None = None,
        pub: int | None = None,
        form: tuple[str | None, int | None] | None = None,
    ) -> _Adoption | None:
        rng = self.rng
        used = [a.pub for a in item.adoptions]
        if pub is None:
            pub = self._choose_pub(level, item.kind, used)
        if pub is None or pub in used:
            return None
        if fixed is not None:
            adopted = fixed
        else:
            lo, hi = DELAY_DAYS[level]
            earliest = item.submitted + timedelta(lo)
            adopted = item.submitted + timedelta(rng.randint(lo, hi))
            if after is not None and adopted <= after:
                adopted = after + timedelta(rng.randint(2, 10))
                earliest = after + timedelta(1)
            adopted = self._weekday(adopted, earliest)
            if adopted > self.end:
                if earliest <= self.end and rng.random() > LATE_KEEP_P:
                    adopted = self._weekday(self._draw_day(earliest, self.end), earliest)
                elif adopted > self.end + timedelta(LATE_WINDOW_DAYS):
                    return None
        p = self.rules.publications.list[pub]
        f, examples = form if form is not None else self._form(p, item.unit)
        examples_forms = self.rules.district.adoptions.examples_forms
        instruction = (
            p.instruction is not None
            and f not in examples_forms
            and rng.random() < INSTRUCTION_P[self.levels[pub]]
        )
        a = _Adoption(item, pub, adopted, f, examples, instruction)
        item.adoptions.append(a)
        return a

    def adopt(self) -> None:
        rng = self.rng
        for item in list(self.items):
            if item.adoptions:  # previous-year items are already placed
                continue
            u, k = item.unit, item.kind
            factor = DISTRICT_ADOPT_FACTOR if u.district else {}
            q = u.quality
            if rng.random() < min(0.95, ADOPT_P["bureau"][k] * factor.get("bureau", 1.0) * q**0.5):
                self._add(item, "bureau")
            city = rng.random() < min(0.9, ADOPT_P["city"][k] * factor.get("city", 1.0) * q)
            last: date | None = None
            if city:
                a = self._add(item, "city")
                last = a.adopted if a else None
                if rng.random() < SECOND_PUBLICATION_P:
                    self._add(item, "city")
            boost = PROVINCIAL_AFTER_CITY if city else PROVINCIAL_WITHOUT_CITY
            p_prov = ADOPT_P["provincial"][k] * factor.get("provincial", 1.0) * q * boost
            if rng.random() < min(0.8, p_prov):
                self._add(item, "provincial", after=last)
                if rng.random() < SECOND_PUBLICATION_P / 2:
                    self._add(item, "provincial", after=last)

    def central(self) -> None:
        """One or two central adoptions: a district item answering a central commission, and
        often a department's best suggestion item."""
        rng = self.rng
        da = self.rules.district.adoptions
        agencies = {a.name: a for a in self.rules.agencies.list}
        issuers = {i.name: i for i in self.rules.commission_issuers.list}
        central_pubs = self.pubs_by_level["central"]
        if not central_pubs:
            return

        def agency_of(issuer: str) -> str | None:
            spellings = {issuer, *issuers[issuer].aliases} if issuer in issuers else {issuer}
            for a in agencies.values():
                if a.level == "central" and spellings & {a.name, *a.aliases}:
                    return a.name
            return None

        pairs = [(i, agency_of(i)) for i in da.central.commission_issuers]
        pairs = [(i, a) for i, a in pairs if a is not None]
        districts = [u for u in self.districts if not u.weak]
        if pairs and districts:
            # Prefer an agency whose publication lists an examples form (how a district's
            # cases usually reach the centre).
            ex = set(da.examples_forms)
            best = [(i, a) for i, a in pairs if any(self._has_form(p, a, ex) for p in central_pubs)]
            issuer, agency = rng.choice(best or pairs)
            unit = rng.choice(districts)
            last_order = self.end - timedelta(90)
            _, item = self._commission(unit, issuer, "on_time", last_order, "suggestion")
            assert item is not None
            pubs = [p for p in central_pubs if self.rules.publications.list[p].agency == agency]
            pub = rng.choice(pubs)
            p = self.rules.publications.list[pub]
            form: tuple[str | None, int | None] = (None, None)
            ex_forms = [f for f in (p.forms or {}) if f in ex]
            if ex_forms:
                form = (ex_forms[0], rng.randint(*DISTRICT_EXAMPLES))
            elif p.forms:
                form = (next(iter(p.forms)), None)
            self._add(item, "central", pub=pub, form=form)
        # A suggestion item of a department with a provincial task that went to the province
        # (or at least the city) goes on to the centre.
        able = [
            u
            for u in self.departments
            if u.group.tasks is not None and u.group.tasks.provincial.items > 0 and not u.laggard
        ] or self.departments
        for level in ("provincial", "city"):
            candidates = [
                it
                for it in self.items
                if it.unit in able
                and it.kind == "suggestion"
                and it.submitted <= self.end - timedelta(60)
                and any(self.levels[a.pub] == level for a in it.adoptions)
            ]
            if candidates:
                # The bigger the unit, the likelier its piece reaches the centre.
                weights = [float(it.unit.group.base) for it in candidates]
                item = rng.choices(candidates, weights=weights)[0]
                last = max(a.adopted for a in item.adoptions)
                self._add(item, "central", after=last)
                break

    def _has_form(self, pub: int, agency: str, forms: set[str]) -> bool:
        p = self.rules.publications.list[pub]
        return p.agency == agency and any(f in forms for f in (p.forms or {}))

    def balance(self) -> None:
        """Keep each unit's year in a believable range: the weak district at or below the zero
        line of its assessment, the other districts around their base, no department's
        adoption points far beyond its base. Trims (or, for a district short of its range,
        adds) city-level and provincial adoptions; central ones stay."""
        rules = self.rules
        zero_line = rules.outcomes.district_assessment.zero_at_or_below_share
        prices = _Prices(self)
        prices.prepare([a for it in self.items for a in it.adoptions])
        penalties = prices.district_penalties()
        for u in self.units:
            base = u.group.base
            items = [
                it for it in self.items if it.unit is u and self.start <= it.submitted <= self.end
            ]
            if u.district:
                offset = penalties[u.index]
                if u.weak:
                    lo = base * Decimal(str(WEAK_DISTRICT_FLOOR))
                    hi = base * zero_line * Decimal(str(WEAK_DISTRICT_MARGIN))
                else:
                    lo, hi = (base * Decimal(str(x)) for x in REGULAR_DISTRICT_RANGE)
            else:
                offset = Decimal(0)
                cap = STAR_POINTS_CAP if u.star else DEPARTMENT_POINTS_CAP
                lo, hi = None, base * Decimal(str(cap))
            self._fit(items, offset, lo, hi, prices.adoption)

    def _fit(
        self,
        items: list[_Item],
        offset: Decimal,
        lo: Decimal | None,
        hi: Decimal,
        value: Callable[[_Adoption], Decimal],
    ) -> None:
        rng = self.rng

        def counted() -> list[_Adoption]:
            return [a for it in items for a in it.adoptions if a.adopted <= self.end]

        total = offset + sum((value(a) for a in counted()), Decimal(0))
        while total > hi:
            removable = [
                a
                for a in counted()
                if self.levels[a.pub] in ("city", "provincial") and value(a) > 0
            ]
            if not removable:
                break
            a = rng.choice(removable)
            a.item.adoptions.remove(a)
            total -= value(a)
        # Still above (a central adoption): no leader wrote on it after all.
        for a in counted():
            if total <= hi:
                break
            if a.instruction:
                before = value(a)
                a.instruction = False
                total -= before - value(a)
        for _ in range(100):
            if lo is None or total >= lo:
                break
            open_items = [
                it
                for it in items
                if it.submitted <= self.end - timedelta(DELAY_DAYS["city"][1])
                and not any(self.levels[a.pub] == "city" for a in it.adoptions)
            ]
            if not open_items:
                break
            added = self._add(rng.choice(open_items), "city")
            if added is not None and added.adopted <= self.end:
                total += value(added)

    # ---- shares, awards, plans ----------------------------------------------------------

    def shares(self) -> None:
        rng = self.rng
        if len(self.departments) < 2:
            return
        candidates = [
            it
            for it in self.items
            if not it.unit.district
            and it.kind == "general"
            and any(self.levels[a.pub] != "bureau" for a in it.adoptions)
        ]
        for item in rng.sample(candidates, min(N_SHARED_ITEMS, len(candidates))):
            others = [u for u in self.departments if u is not item.unit]
            n = 1 if rng.random() < 0.6 else 2
            item.shares = [
                (u, rng.choice(SHARE_CHOICES)) for u in rng.sample(others, min(n, len(others)))
            ]

    def make_awards(self) -> None:
        rng = self.rng

        def eligible(lo: date, hi: date) -> list[_Item]:
            return [
                it
                for it in self.items
                if not it.unit.district
                and any(
                    self.levels[a.pub] in ("city", "provincial", "central")
                    and lo <= a.adopted <= hi
                    for a in it.adoptions
                )
            ]

        for award in self.rules.department.awards.list:
            if "季度" in award.name:
                for q in self.rules.quarters.active:
                    day = self._weekday(q.end + timedelta(rng.randint(8, 20)), q.end)
                    if day > self.end:
                        continue
                    pool = eligible(q.start, q.end)
                    for it in rng.sample(pool, min(len(pool), rng.randint(*QUARTERLY_AWARDS))):
                        self.awards.append(_Award(it, award.name, day))
            else:
                day = self._weekday(self.end - timedelta(rng.randint(2, 8)), self.start)
                pool = eligible(self.start, day)
                for it in rng.sample(pool, min(len(pool), rng.randint(*ANNUAL_AWARDS))):
                    self.awards.append(_Award(it, award.name, day))

    def _category_level(self, category: str) -> str | None:
        if category.startswith("省"):
            return "provincial"
        if category.startswith("市"):
            return "city"
        if category.startswith("局"):
            return "bureau"
        return None

    def make_plans(self) -> None:
        rng = self.rng
        categories = list(self.rules.plans.categories)
        order = {lv: i for i, lv in enumerate(LEVELS)}
        months: list[date] = []
        m = self.start.replace(day=1)
        while m <= self.end:
            months.append(m)
            m = (m + timedelta(32)).replace(day=1)
        for month in months:
            month_end = (month + timedelta(32)).replace(day=1) - timedelta(1)
            for u in self.departments:
                small = u.n_items < SMALL_UNIT_ITEMS
                p_filed = SMALL_UNIT_PLAN_FILED_P if small else PLAN_FILED_P
                if rng.random() >= p_filed:
                    continue
                items = [
                    it
                    for it in self.items
                    if it.unit is u and month <= it.submitted <= month_end and it.commission is None
                ]
                rng.shuffle(items)
                for seq in range(1, rng.randint(*PLAN_ROWS) + 1):
                    item = items.pop() if items and rng.random() < PLAN_FULFILLED_P else None
                    if item is not None:
                        levels = sorted(
                            (self.levels[a.pub] for a in item.adoptions), key=order.__getitem__
                        )
                        level = levels[0] if levels else None
                        planned = max(month, item.submitted - timedelta(rng.randint(0, 5)))
                        contact = item.first_writer
                        title = item.title
                    else:
                        level = None
                        planned = self._draw_day(month, month_end)
                        officers = [p for p in u.people if p.role == "信息员" and p.active(planned)]
                        contact = officers[0].name if officers else None
                        kind = "suggestion" if rng.random() < SUGGESTION_SHARE else "general"
                        title = self.title(u, kind, planned)
                    matching = [c for c in categories if self._category_level(c) == level]
                    if matching and rng.random() < PLAN_CATEGORY_MATCH_P:
                        category = rng.choice(matching)
                    else:
                        category = rng.choice(categories) if categories else None
                    self.plans.append(
                        _Plan(
                            u, month.strftime("%Y-%m"), seq, title, category, planned, contact, item
                        )
                    )

    # ---- ids and frames -----------------------------------------------------------------

    def assign_ids(self) -> None:
        counters: dict[int, int] = {}
        for it in sorted(self.items, key=lambda it: (it.submitted, it.unit.index, it.seq)):
            year = self.year if it.submitted >= self.start else self.year - 1
            counters[year] = counters.get(year, 0) + 1
            it.item_id = f"{ITEM_PREFIX}{year}-{counters[year]:04d}"
        for n, c in enumerate(sorted(self.commissions, key=lambda c: (c.ordered, c.unit.index)), 1):
            c.commission_id = f"{COMMISSION_PREFIX}{self.year}-{n:03d}"

    def _unit_name(self, unit: _Unit) -> str:
        if unit.aliases and self.rng.random() < UNIT_ALIAS_P:
            return self.rng.choice(unit.aliases)
        return unit.name

    def _label(self, label: str, aliases: Sequence[str]) -> str:
        if aliases and self.rng.random() < LABEL_ALIAS_P:
            return self.rng.choice(list(aliases))
        return label

    def _person(self, name: str | None) -> str | None:
        if name is not None and len(name) == 2 and self.rng.random() < PADDED_NAME_P:
            return f"{name[0]}  {name[1]}"
        return name

    def frames(self) -> dict[str, pl.DataFrame]:
        rng = self.rng
        rules = self.rules
        kinds = {
            "general": rules.item_kinds.general,
            "suggestion": rules.item_kinds.suggestion,
            "research": rules.item_kinds.research,
        }
        agencies = {a.name: a for a in rules.agencies.list}
        issuers = {i.name: i for i in rules.commission_issuers.list}
        awards = {a.name: a for a in rules.department.awards.list}
        items = sorted(self.items, key=lambda it: (it.submitted, it.item_id))

        rows: dict[str, list[list[str | None]]] = {name: [] for name in SHEETS}
        for it in items:
            k = kinds[it.kind]
            sep = _weighted(rng, ["、", "，", "；"], [8, 1, 1])
            shares = "；".join(f"{self._unit_name(u)}:{s}" for u, s in it.shares)
            rows["报送"].append(
                [
                    it.item_id,
                    it.title,
                    self._unit_name(it.unit),
                    it.submitted.isoformat(),
                    self._label(k.label, k.aliases),
                    self._person(it.first_writer),
                    sep.join(it.other_writers) or None,
                    shares or None,
                    it.commission.commission_id if it.commission else None,
                ]
            )
        adoptions = sorted(
            (a for it in self.items for a in it.adoptions),
            key=lambda a: (a.adopted, a.item.item_id, a.pub),
        )
        for a in adoptions:
            p = rules.publications.list[a.pub]
            agency = agencies[p.agency]
            agency_name = agency.name
            if agency.aliases and rng.random() < AGENCY_ALIAS_P:
                agency_name = rng.choice(agency.aliases)
            title = p.title
            if p.aliases and rng.random() < PUBLICATION_ALIAS_P:
                title = rng.choice(p.aliases)
            elif "（" in title and rng.random() < HALF_WIDTH_P:
                title = title.replace("（", "(").replace("）", ")")
            if a.instruction:
                instruction: str | None = "是"
            else:
                instruction = "否" if rng.random() < NO_INSTRUCTION_WRITTEN_P else None
            rows["录用"].append(
                [
                    a.item.item_id,
                    agency_name,
                    title,
                    a.adopted.isoformat(),
                    a.form,
                    str(a.examples) if a.examples is not None else None,
                    instruction,
                ]
            )
        for aw in sorted(self.awards, key=lambda aw: (aw.awarded, aw.item.item_id)):
            award = awards[aw.award]
            rows["好信息"].append(
                [aw.item.item_id, self._label(award.name, award.aliases), aw.awarded.isoformat()]
            )
        for c in sorted(self.commissions, key=lambda c: c.commission_id):
            issuer = issuers[c.issuer]
            rows["约稿"].append(
                [
                    c.commission_id,
                    self._unit_name(c.unit),
                    self._label(issuer.name, issuer.aliases),
                    c.ordered.isoformat(),
                    c.deadline.isoformat(),
                    c.delivered.isoformat() if c.delivered else None,
                ]
            )
        for p in sorted(self.plans, key=lambda p: (p.month, p.unit.index, p.seq)):
            rows["月度计划"].append(
                [
                    self._unit_name(p.unit),
                    p.month,
                    str(p.seq),
                    p.title,
                    p.category,
                    p.planned.isoformat(),
                    p.contact,
                    p.item.item_id if p.item else None,
                ]
            )
        for u in self.units:
            for person in u.people:
                name = person.name
                if u.officer and name == re.sub(r"\s+", "", u.officer) and len(name) == 2:
                    name = f"{name[0]}  {name[1]}"  # as 附件2 writes it
                rows["信息员"].append(
                    [
                        self._unit_name(u),
                        name,
                        person.role,
                        "是" if person.young else "否",
                        person.start.isoformat() if person.start else None,
                        person.end.isoformat() if person.end else None,
                    ]
                )
        return {name: _frame(name, rows[name]) for name in SHEETS}


def _frame(sheet: str, rows: list[list[str | None]]) -> pl.DataFrame:
    headers = list(SHEETS[sheet])
    columns = {h: [r[i] for r in rows] for i, h in enumerate(headers)}
    return pl.DataFrame(columns, schema={h: pl.String for h in headers})


def generate_sample(rules: Rules, seed: int = 2022) -> dict[str, pl.DataFrame]:
    """A realistic synthetic year in the ledger format: sheet name → frame of strings."""
    return _simulate(rules, seed).frames()


def _simulate(rules: Rules, seed: int) -> _Year:
    """The simulated year, every step taken, ids assigned (not yet written as frames)."""
    year = _Year(rules, seed)
    year.profile()
    year.people()
    year.make_items()
    year.make_commissions()
    year.previous_year_items()
    year.adopt()
    year.central()
    year.balance()
    year.shares()
    year.make_awards()
    year.make_plans()
    year.assign_ids()
    return year


def publication_pool(rules: Rules) -> list[tuple[str, str]]:
    """(agency, title) of every publication the generators draw adoptions from."""
    return [(p.agency, p.title) for p in rules.publications.list]


# ---- the bulk ledger ----------------------------------------------------------------------


def _gather(pool: Sequence[str | None], idx: np.ndarray) -> pl.Series:
    return pl.Series(list(pool), dtype=pl.String).gather(idx)


def _dates(epoch_days: np.ndarray) -> pl.Series:
    return pl.Series(epoch_days.astype(np.int32)).cast(pl.Date).cast(pl.String)


def _ids(prefix: str, n: int, width: int) -> pl.Series:
    numbers = pl.Series(np.arange(1, n + 1, dtype=np.int64)).cast(pl.String).str.zfill(width)
    return pl.select(pl.lit(prefix) + numbers).to_series()


def generate_bulk(rules: Rules, n_items: int, seed: int) -> dict[str, pl.DataFrame]:
    """A large valid ledger (≈ 1.55 adoptions per item), built vectorised. Not realistic."""
    rng = np.random.default_rng(seed)
    n = int(n_items)
    roster = rules.units.roster
    n_units = len(roster)
    groups = [rules.group_by_name[u.group] for u in roster]
    is_dept = np.array([g.kind == "department" for g in groups])
    base = np.array([float(g.base) for g in groups])
    unit_names = [u.name for u in roster]
    unit_spellings = [u.aliases[0] if u.aliases else u.name for u in roster]
    epoch = date(1970, 1, 1)
    start = (rules.period.start - epoch).days
    span = (rules.period.end - rules.period.start).days + 1
    max_delay = DELAY_DAYS["provincial"][1]
    last = max(1, span - max_delay - 2)

    # ---- people: BULK_WRITERS per unit, the first the officer ---------------------------
    name_rng = random.Random(seed)
    taken: set[str] = {re.sub(r"\s+", "", u.officer) for u in roster if u.officer}
    people: list[str] = []
    for u in roster:
        for j in range(BULK_WRITERS):
            if j == 0 and u.officer:
                people.append(re.sub(r"\s+", "", u.officer))
                continue
            while True:
                name = (
                    name_rng.choice(_SURNAMES) + name_rng.choice(_GIVEN) + name_rng.choice(_GIVEN)
                )
                if name not in taken:
                    taken.add(name)
                    people.append(name)
                    break

    # ---- items --------------------------------------------------------------------------
    unit = rng.choice(n_units, size=n, p=base / base.sum())
    sub = rng.integers(0, last, size=n)
    kind_draw = rng.random(n)
    kind = np.where(
        kind_draw < BULK_SUGGESTION_P, 1, np.where(kind_draw > 1 - BULK_RESEARCH_P, 2, 0)
    )
    labels = [
        rules.item_kinds.general.label,
        rules.item_kinds.suggestion.label,
        rules.item_kinds.research.label,
    ]
    topics = [t for d in _DOMAINS.values() for t in d.topics]
    places = [
        u.name if g.kind == "district" else "市人力社保局"
        for u, g in zip(roster, groups, strict=True)
    ]
    titles = pl.select(
        pl.concat_str(
            [
                _gather(places, unit),
                _gather(list(_PUSH), rng.integers(0, len(_PUSH), n)),
                _gather(topics, rng.integers(0, len(topics), n)),
            ]
        )
    ).to_series()
    use_alias = rng.random(n) < BULK_ALIAS_P
    unit_col = _gather(unit_names + unit_spellings, unit + n_units * use_alias)
    first = unit * BULK_WRITERS + rng.integers(0, BULK_WRITERS, n)
    other = unit * BULK_WRITERS + (first % BULK_WRITERS + 1) % BULK_WRITERS
    has_other = rng.random(n) < BULK_OTHER_WRITERS_P
    other_col = _gather([*people, None], np.where(has_other, other, len(people)))

    # Shares: a department item names another department.
    depts = np.flatnonzero(is_dept)
    share_col = pl.Series([None] * n, dtype=pl.String)
    if len(depts) >= 2:
        dept_pos = np.full(n_units, -1)
        dept_pos[depts] = np.arange(len(depts))
        shared = is_dept[unit] & (rng.random(n) < BULK_SHARED_P)
        partner = depts[(dept_pos[unit] + 1 + rng.integers(0, len(depts) - 1, n)) % len(depts)]
        shares = np.array(["0.1", "0.2", "0.3"])
        spelled = [f"{unit_names[i]}:{s}" for i in range(n_units) for s in shares]
        idx = partner * len(shares) + rng.integers(0, len(shares), n)
        share_col = _gather([*spelled, None], np.where(shared, idx, len(spelled)))

    # Commissions: answered by distinct items (on time or late), or missed.
    n_comm = max(3, n // BULK_COMMISSION_EVERY)
    chosen = rng.choice(n, size=min(n, n_comm), replace=False)
    n_comm = len(chosen)
    sub[chosen] = np.maximum(sub[chosen], 20)
    outcome = rng.choice(3, size=n_comm, p=[0.8, 0.1, 0.1])  # on time, late, missed
    c_deadline = np.where(
        outcome == 1,
        sub[chosen] - 1 - rng.integers(0, 4, n_comm),
        sub[chosen] + rng.integers(0, 6, n_comm),
    )
    c_ordered = c_deadline - 10
    c_delivered = sub[chosen]
    comm_ids = _ids(BULK_COMMISSION_PREFIX, n_comm, 7)
    issuer_names = [i.name for i in rules.commission_issuers.list]
    answered = np.full(n, -1)
    answered[chosen[outcome != 2]] = np.flatnonzero(outcome != 2)
    comm_col = _gather([*comm_ids.to_list(), None], np.where(answered >= 0, answered, n_comm))
    commissions = pl.DataFrame(
        {
            "约稿编号": comm_ids,
            "单位": _gather(unit_names, unit[chosen]),
            "下达方": _gather(issuer_names, rng.integers(0, len(issuer_names), n_comm)),
            "下达日期": _dates(start + c_ordered),
            "截止日期": _dates(start + c_deadline),
            "完成日期": _dates(start + c_delivered).scatter(np.flatnonzero(outcome == 2), None),
        }
    )
    item_ids = _ids(BULK_ITEM_PREFIX, n, 8)
    items = pl.DataFrame(
        {
            "信息编号": item_ids,
            "标题": titles,
            "报送单位": unit_col,
            "报送日期": _dates(start + sub),
            "信息类别": _gather(labels, kind),
            "第一撰稿人": _gather(people, first),
            "其他撰稿人": other_col,
            "协作单位": share_col,
            "约稿编号": comm_col,
        }
    )

    # ---- adoptions: k distinct publications per item -------------------------------------
    pubs = rules.publications.list
    n_pubs = len(pubs)
    max_k = len(BULK_ADOPTIONS_P) - 1
    k = rng.choice(len(BULK_ADOPTIONS_P), size=n, p=np.array(BULK_ADOPTIONS_P))
    k = np.minimum(k, n_pubs)
    total = int(k.sum())
    item_of = np.repeat(np.arange(n), k)
    j = np.arange(total) - np.repeat(np.cumsum(k) - k, k)
    weights = 1.0 / np.array(_draw_points(rules))
    p0 = rng.choice(n_pubs, size=n, p=weights / weights.sum())
    step_max = max(1, (n_pubs - 1) // max(1, max_k - 1))
    offset = rng.integers(1, step_max + 1, n)
    pub = (p0[item_of] + j * offset[item_of]) % n_pubs
    agencies = {a.name: a for a in rules.agencies.list}
    agency_names = [p.agency for p in pubs]
    agency_spellings = [
        agencies[p.agency].aliases[0] if agencies[p.agency].aliases else p.agency for p in pubs
    ]
    alias_agency = rng.random(total) < BULK_ALIAS_P
    da = rules.district.adoptions
    examples_form = da.examples_forms[0] if da.examples_forms else None
    free_forms: list[str | None] = [None, None, None, rules.forms.default]
    if da.compiled_forms:
        free_forms.append(da.compiled_forms[0])
    form_pool: list[str | None] = []
    form_start = np.zeros(n_pubs, dtype=np.int64)
    form_count = np.zeros(n_pubs, dtype=np.int64)
    for i, p in enumerate(pubs):
        forms: list[str | None] = list(p.forms) if p.forms else free_forms
        form_start[i] = len(form_pool)
        form_count[i] = len(forms)
        form_pool.extend(forms)
    fidx = form_start[pub] + (rng.random(total) * form_count[pub]).astype(np.int64)
    is_examples = np.array([f is not None and f == examples_form for f in form_pool])[fidx]
    n_examples = rng.integers(1, 4, total)
    has_instruction = np.array([p.instruction is not None for p in pubs])[pub]
    instructed = has_instruction & ~is_examples & (rng.random(total) < BULK_INSTRUCTION_P)
    lo, hi = DELAY_DAYS["city"][0], max_delay
    adopted = sub[item_of] + rng.integers(lo, hi + 1, total)
    adoptions = pl.DataFrame(
        {
            "信息编号": item_ids.gather(item_of),
            "录用单位": _gather(agency_names + agency_spellings, pub + n_pubs * alias_agency),
            "刊物": _gather([p.title for p in pubs], pub),
            "录用日期": _dates(start + adopted),
            "录用方式": _gather(form_pool, fidx),
            "采纳数": _gather(["1", "2", "3", None], np.where(is_examples, n_examples - 1, 3)),
            "领导批示": _gather(["是", None], np.where(instructed, 0, 1)),
        }
    )

    # ---- awards: department items with an adoption -------------------------------------
    award_names = [a.name for a in rules.department.awards.list]
    candidates = np.flatnonzero(is_dept[unit] & (k > 0))
    n_awards = min(len(candidates), max(3, n // BULK_AWARD_EVERY)) if award_names else 0
    awarded = (
        rng.choice(candidates, size=n_awards, replace=False)
        if n_awards
        else np.array([], dtype=np.int64)
    )
    awards = pl.DataFrame(
        {
            "信息编号": item_ids.gather(awarded),
            "评选": _gather(award_names, rng.integers(0, max(1, len(award_names)), n_awards)),
            "评选日期": _dates(start + sub[awarded] + hi + 1),
        }
    )

    # ---- plans: three rows per department and month --------------------------------------
    plan_rows: list[list[str | None]] = []
    categories = list(rules.plans.categories)
    months: list[date] = []
    m = rules.period.start.replace(day=1)
    while m <= rules.period.end:
        months.append(m)
        m = (m + timedelta(32)).replace(day=1)
    for month in months:
        for i in depts:
            for seq in range(1, 4):
                day = month + timedelta(int(rng.integers(0, 28)))
                plan_rows.append(
                    [
                        unit_names[i],
                        month.strftime("%Y-%m"),
                        str(seq),
                        f"{places[i]}{topics[int(rng.integers(0, len(topics)))]}",
                        categories[int(rng.integers(0, len(categories)))] if categories else None,
                        min(max(day, rules.period.start), rules.period.end).isoformat(),
                        people[i * BULK_WRITERS],
                        None,
                    ]
                )
    people_rows = [
        [
            unit_names[i],
            people[i * BULK_WRITERS + j],
            "信息员" if j == 0 else "撰稿人",
            "否",
            None,
            None,
        ]
        for i in range(n_units)
        for j in range(BULK_WRITERS)
    ]
    return {
        "报送": items,
        "录用": adoptions,
        "好信息": awards,
        "约稿": commissions,
        "月度计划": _frame("月度计划", plan_rows),
        "信息员": _frame("信息员", people_rows),
    }


# ---- writing ------------------------------------------------------------------------------


def write_sample(
    sheets: dict[str, pl.DataFrame], out: Path, fmt: Literal["csv", "xlsx"] = "csv"
) -> None:
    """Write the sheets as a CSV folder (one UTF-8 file per sheet) or an .xlsx workbook."""
    out = Path(out)
    if fmt == "csv":
        out.mkdir(parents=True, exist_ok=True)
        for name, df in sheets.items():
            df.write_csv(out / f"{name}.csv", line_terminator="\n", null_value="")
    elif fmt == "xlsx":
        _write_xlsx(sheets, out)
    else:
        raise ValueError(f"未知的输出格式 {fmt!r}，应为 csv 或 xlsx")


def sample_format(out: Path) -> Literal["csv", "xlsx"]:
    """The format `out` asks for: .xlsx a workbook, no suffix a CSV folder; else refused."""
    suffix = out.suffix.lower()
    if suffix == ".xlsx":
        return "xlsx"
    if suffix == "":
        return "csv"
    raise ValueError(
        f"--out {display_path(out)}：模拟台账只能写成 .xlsx 工作簿（以 .xlsx 结尾）"
        f"或 CSV 文件夹（名称不带扩展名），不能写成 {display_path(out.suffix)}："
        f"请改为 {display_path(out.with_suffix('.xlsx'))} 或 {display_path(out.with_suffix(''))}"
    )


def replaceable(force: bool, command: str = "kaohe sample") -> Callable[[Path, str], str | None]:
    """May a sample (or `command`'s ledger file) replace what is at `out`? Never without
    --force (it may be the office's real ledger); with --force a file, or a folder holding only
    CSV files."""

    def check(real: Path, shown: str) -> str | None:
        if not os.path.lexists(real):
            return None
        if not force:
            return (
                f"{shown} 已存在：{command} 不会覆盖已有的文件或文件夹（它可能是真实的台账）。"
                "请用 --out 换一个新位置；确认要整体替换时加 --force"
            )
        if real.is_dir():
            other = sorted(n for n in os.listdir(real) if not n.lower().endswith(".csv"))
            if other:
                names = "、".join(display_path(n) for n in other[:3])
                names += "等" if len(other) > 3 else ""
                return (
                    f"{shown} 中有台账 CSV 以外的文件（{names}），--force 也不会删除它们："
                    "请用 --out 换一个位置"
                )
        return None

    return check


@contextmanager
def sample_output(out: Path, force: bool = False) -> Iterator[Staging]:
    """Where a sample ledger for `out` is written: a staging folder (CSV) or file (.xlsx)
    beside `out`, swapped in whole when the block ends. An existing `out` is replaced only with
    `force`. Refusals and write failures raise OutputError (ValueError for a bad suffix)."""
    kind: Literal["folder", "file"] = "folder" if sample_format(out) == "csv" else "file"
    with publish(out, replaceable(force), kind=kind) as stage:
        yield stage


def save_sample(sheets: dict[str, pl.DataFrame], out: Path, force: bool = False) -> None:
    """Write a sample ledger to `out` (format from the suffix, see `sample_format`), whole and
    atomic (see `sample_output`)."""
    with sample_output(out, force) as stage, stage.writing():
        write_sample(sheets, stage.path, sample_format(out))


def _write_xlsx(sheets: dict[str, pl.DataFrame], out: Path) -> None:
    import xlsxwriter

    for name, df in sheets.items():
        if df.height + 1 > EXCEL_MAX_ROWS:
            raise ValueError(
                f"工作表“{name}”有 {df.height} 行，超过 Excel 的行数上限 {EXCEL_MAX_ROWS - 1}："
                "请改写为 CSV 文件夹"
            )
    out.parent.mkdir(parents=True, exist_ok=True)
    big = sum(df.height for df in sheets.values()) > 200_000
    workbook = xlsxwriter.Workbook(
        str(out),
        {
            "constant_memory": big,
            "strings_to_numbers": False,
            "strings_to_formulas": False,
            "strings_to_urls": False,
        },
    )
    # A fixed creation time keeps the bytes the same from run to run.
    workbook.set_properties({"created": datetime(2000, 1, 1)})
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
    header_format = workbook.add_format({"bold": True})
    for name, df in sheets.items():
        sheet = workbook.add_worksheet(name)
        headers = df.columns
        kinds = [
            "date" if h in DATE_HEADERS else "number" if h in NUMBER_HEADERS else "text"
            for h in headers
        ]
        for c, h in enumerate(headers):
            sheet.write_string(0, c, h, header_format)
            width = 12 if kinds[c] == "date" else 40 if h in ("标题", "报送要点") else 16
            sheet.set_column(c, c, width)
        sheet.freeze_panes(1, 0)
        for r, row in enumerate(df.iter_rows(), start=1):
            for c, value in enumerate(row):
                if value is None or value == "":
                    continue
                text = str(value)
                if kinds[c] == "date":
                    sheet.write_datetime(r, c, date.fromisoformat(text), date_format)
                elif kinds[c] == "number" and text.isdigit():
                    sheet.write_number(r, c, int(text))
                else:
                    sheet.write_string(r, c, text)
    workbook.close()
