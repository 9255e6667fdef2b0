"""Name matching, the one resolver: the spellings found in a ledger, on the command line or in a
notebook's parameters → the canonical names of the rules file (and the people of the ledger).

Every name list of the rules file (units, agencies, publications, forms, item kinds, awards,
commission issuers, plan categories) becomes a `NameIndex`: a dictionary from a matching key
(`kaohe.rules.models._norm`: no whitespace, half-width brackets and punctuation) to the canonical
value, plus a nearest-name suggestion (difflib on the same keys) for a name that does not
resolve. The ledger reader resolves each distinct cell value once, never row by row.

Outside the reader, `resolve_unit` and `resolve_person` take a name as the ledger would accept
it (`kaohe explain 柯桥区人社局`, `kaohe explore --unit 社保中心 --person "陈 琴"`, the
exploration notebook's parameters) and refuse any other with `UnknownName`, a Chinese message
naming the nearest name.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from kaohe.rules.models import Publication, Rules, _norm
from kaohe.rules.periods import ReportDataError

# Book-title marks; titles match with and without them (《专报》 = 专报).
_MARKS = re.compile(r"[《》〈〉<>]")
# Separators between two names in one cell (a cell must name one publication).
_LIST_SEPARATORS = re.compile(r"[、,，;；/\n]+")
_TWO_TITLES = re.compile(r"》\s*[、,，;；/和及与]?\s*《")
_WHITESPACE = re.compile(r"\s+")
# Suffixes and prefixes of a district bureau's full name: 柯桥区人力社保局 = 柯桥区.
_UNIT_SUFFIXES = ("人力资源和社会保障局", "人力资源社会保障局", "人力社保局", "人社局")
_UNIT_PREFIXES = ("浙江省绍兴市", "绍兴市")
# Loose matching (after the key): brackets of every kind dropped (浙江人社政务信息专报 =
# 《浙江人社政务信息（专报）》) and the long forms of 人社 shortened (省人社厅 = 省人力社保厅).
_BRACKETS = re.compile(r"[《》〈〉<>()\[\]【】「」『』〔〕“”\"'‘’]")
_RENSHE = re.compile("人力资源和社会保障|人力资源社会保障|人力社保")
# A publication title's qualifier: the bracketed part after its name (《绍兴信息（每日动态）》
# → 绍兴信息) and a trailing 期刊 (《浙江人力资源社会保障》期刊 → 浙江人力资源社会保障).
_QUALIFIER = re.compile(r"\([^()]*\)|期刊$")


def key(text: str) -> str:
    """Matching key of a name (see `kaohe.rules.models._norm`)."""
    return _norm(text)


def loose(k: str) -> str:
    """The loose form of a matching key: no brackets or quotes of any kind, and 人社 for
    人力社保 / 人力资源社会保障 / 人力资源和社会保障 (省人力社保厅 → 省人社厅)."""
    return _RENSHE.sub("人社", _BRACKETS.sub("", k))


def stem(k: str) -> str:
    """A title's key without its qualifier: 《绍兴信息（每日动态）》 → 绍兴信息 (loose)."""
    return loose(_QUALIFIER.sub("", k))


def strip_marks(text: str) -> str:
    """The text without book-title marks 《》."""
    return _MARKS.sub("", text)


def person(text: str | None) -> str | None:
    """A person's name as the ledger reader keeps it: without whitespace and without characters
    that show as nothing (陈  琴 → 陈琴, 陈\u200b琴 → 陈琴); blank → None."""
    if text is None:
        return None
    name = strip_format(_WHITESPACE.sub("", text))
    return name or None


def nearest(text: str, candidates: Iterable[str]) -> str | None:
    """The candidate closest to `text` (difflib ratio), whatever the distance."""
    pool = list(dict.fromkeys(candidates))
    if not pool:
        return None
    best = difflib.get_close_matches(text, pool, n=1, cutoff=0.0)
    return best[0] if best else pool[0]


# ---- characters a cell can hide ------------------------------------------------------------

# Characters Excel shows as nothing (or as a plain space), by the name the office understands.
# The first group are format characters: no meaning in a ledger, always a copy-paste leftover.
_FORMAT_CHARS = {
    "\u00ad": "软连字符",
    "\u200b": "零宽空格",
    "\u200c": "零宽非连接符",
    "\u200d": "零宽连接符",
    "\u200e": "从左到右标记",
    "\u200f": "从右到左标记",
    **dict.fromkeys("\u202a\u202b\u202c\u202d\u202e", "文字方向控制符"),
    "\u2060": "零宽不换行符",
    **dict.fromkeys("\u2061\u2062\u2063\u2064", "不可见数学符号"),
    "\ufeff": "字节顺序标记 BOM",
    **dict.fromkeys((chr(c) for c in range(32) if chr(c) not in "\t\n\r"), "控制字符"),
    "\x7f": "控制字符",
}
# Spaces other than the plain one: whitespace to a name, but invisible as what they are.
_ODD_SPACES = {
    "\u00a0": "不换行空格",
    "\u202f": "窄不换行空格",
    **dict.fromkeys((chr(c) for c in range(0x2000, 0x200B)), "特殊空格"),
    "\u205f": "特殊空格",
    "\u3000": "全角空格",
}
INVISIBLE = {**_FORMAT_CHARS, **_ODD_SPACES}
# a regex character class (polars and re) of the format characters, and of all of them
FORMAT_CLASS = "[" + "".join(sorted(_FORMAT_CHARS)).replace("\\", "\\\\") + "]"
INVISIBLE_CLASS = "[" + "".join(sorted(INVISIBLE)).replace("\\", "\\\\") + "]"
_FORMAT_RE = re.compile(FORMAT_CLASS)


def invisible(text: str | None, spaces: bool = True) -> str | None:
    """The invisible characters of `text`, named: 'U+200B（零宽空格）'; None if there is none.

    `spaces`: name odd spaces (no-break, full-width …) too, not only format characters.
    """
    if text is None:
        return None
    table = INVISIBLE if spaces else _FORMAT_CHARS
    found = [c for c in dict.fromkeys(text) if c in table and (spaces or c != "\u3000")]
    if not found:
        return None
    return "、".join(f"U+{ord(c):04X}（{table[c]}）" for c in found)


def strip_format(text: str) -> str:
    """`text` without format characters (zero-width spaces, BOM, soft hyphens …)."""
    return _FORMAT_RE.sub("", text)


# ---- headers and sheet names the office wrote differently ----------------------------------

# Words the office uses for the ledger's own (written → the ledger's word)
_HEADER_SYNONYMS = (
    ("其它", "其他"),
    ("合作", "协作"),
    ("开始", "起始"),
    ("结束", "终止"),
    ("截至", "截止"),
    ("个数", "数"),
    ("时间", "日期"),
    ("号码", "编号"),
)
# Words too general to say which column (or sheet) they are: a header that is only one of these
# is never taken for a ledger column that merely contains it (日期 is not 完成日期)
_GENERIC = frozenset(
    {
        "编号",
        "序号",
        "日期",
        "单位",
        "名称",
        "名单",
        "数量",
        "人员",
        "类别",
        "类型",
        "情况",
        "备注",
        "说明",
        "信息",
        "汇总",
        "统计",
        "内容",
        "表",
    }
)


def header_key(text: str) -> str:
    """A header or sheet name as compared: no whitespace, marks or invisible characters, the
    ledger's words for common synonyms (其它 → 其他, 合作 → 协作 …)."""
    k = strip_format(_WHITESPACE.sub("", text)).strip("*＊")
    for written, ours in _HEADER_SYNONYMS:
        k = k.replace(written, ours)
    return k


def closeness(written: str, wanted: str) -> float:
    """How surely the header (or sheet name) `written` means the ledger's `wanted`: 0 when it
    does not; above 0 when it does (2 same after synonyms, 1.5 one contains the other, else
    the difflib ratio, which must exceed 0.75: one character in five may differ)."""
    a, b = header_key(written), header_key(wanted)
    if not a or not b:
        return 0.0
    if a == b:
        return 2.0
    if a in _GENERIC:
        return 0.0
    if min(len(a), len(b)) >= 2 and (a in b or b in a):
        return 1.5
    ratio = difflib.SequenceMatcher(None, a, b).ratio()
    return ratio if ratio > 0.75 else 0.0


def closest(wanted: str, written: Iterable[str]) -> str | None:
    """The one of `written` that most surely means `wanted` (see `closeness`), or None."""
    best, best_score = None, 0.0
    for w in written:
        score = closeness(w, wanted)
        if score > best_score:
            best, best_score = w, score
    return best


def did_you_mean(candidates: Iterable[str]) -> str:
    """The fix naming several close names, never one of them chosen: 您是否指：A、B？"""
    return f"您是否指：{'、'.join(candidates)}？"


class UnknownName(ReportDataError):
    """A name given outside the ledger (a command-line option, a notebook parameter) that
    resolves to nothing; the message is Chinese and names the nearest name, or the close
    names among which it cannot choose ("您是否指：A、B？")."""

    def __init__(
        self,
        text: str,
        what: str,
        near: str | None,
        where: str = "",
        candidates: tuple[str, ...] = (),
    ) -> None:
        if len(candidates) > 1:
            hint = f"，{did_you_mean(candidates)}"
        else:
            hint = f"，最接近的是“{near}”" if near else ""
        super().__init__(f"{where}没有名为“{text}”的{what}{hint}")
        self.candidates = candidates

    @property
    def sentence(self) -> str:
        """The message as a sentence (a full stop unless it ends with a question)."""
        text = str(self)
        return text if text.endswith("？") else f"{text}。"


@dataclass(frozen=True)
class NameIndex:
    """Canonical values with their spellings; the first spelling of a value is its label."""

    spellings: Mapping[str, tuple[str, ...]]
    # Extra keys to try when a name does not match as written (e.g. without a suffix).
    variants: Callable[[str], list[str]] | None = None
    _keys: dict[str, str] = field(init=False, repr=False, compare=False)
    # loose key (`loose`) → the values with a spelling of that loose key, in roster order
    _loose: dict[str, tuple[str, ...]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        keys: dict[str, str] = {}
        looser: dict[str, dict[str, None]] = {}
        for value, names in self.spellings.items():
            for n in names:
                keys.setdefault(key(n), value)
                looser.setdefault(loose(key(n)), {})[value] = None
        object.__setattr__(self, "_keys", keys)
        object.__setattr__(self, "_loose", {k: tuple(v) for k, v in looser.items()})

    @classmethod
    def of(
        cls,
        entries: Iterable[tuple[str, Iterable[str]]],
        variants: Callable[[str], list[str]] | None = None,
    ) -> NameIndex:
        return cls({value: tuple(names) for value, names in entries}, variants)

    @property
    def values(self) -> list[str]:
        return list(self.spellings)

    @property
    def labels(self) -> list[str]:
        return [names[0] for names in self.spellings.values()]

    def label(self, value: str) -> str:
        return self.spellings[value][0]

    def _keys_of(self, text: str) -> list[str]:
        k = key(text)
        return [k, *(self.variants(k) if self.variants is not None else ())]

    def _loosely(self, text: str) -> tuple[str, ...]:
        """The values `text` names once loosened (`loose`): one, several (ambiguous) or none."""
        found: dict[str, None] = {}
        for k in self._keys_of(text):
            found.update(dict.fromkeys(self._loose.get(loose(k), ())))
        return tuple(found)

    def resolve(self, text: str | None) -> str | None:
        """The canonical value `text` names, or None: as written (name or alias, whitespace
        and bracket widths ignored, `variants`), or else loosely (`loose`) when that names
        exactly one value. Two values close to it are never chosen between."""
        if text is None:
            return None
        for k in self._keys_of(text):
            if k in self._keys:
                return self._keys[k]
        loosely = self._loosely(text)
        return loosely[0] if len(loosely) == 1 else None

    def nearest(self, text: str) -> str:
        """The label of the value whose spelling is closest to `text` (always one)."""
        best = nearest(key(text), self._keys)
        return self.label(self._keys[best]) if best is not None else ""

    def candidates(self, text: str) -> tuple[str, ...]:
        """The labels of the values a name that does not resolve could mean, when it could mean
        more than one: the values it names loosely, else those with a spelling that contains
        it (社保 → 社会保险处、社会保险事业管理中心). Empty when there are not two."""
        found = self._loosely(text)
        if len(found) < 2:
            k = loose(key(text))
            found = tuple(
                value
                for value, names in self.spellings.items()
                if len(k) >= 2 and any(k in loose(key(n)) for n in names)
            )
        return tuple(self.label(v) for v in found) if len(found) > 1 else ()

    def hint(self, text: str) -> str:
        """The fix for a name that does not resolve: the close names (您是否指：A、B？) or
        the nearest one (最接近的名称：…)."""
        candidates = self.candidates(text)
        if candidates:
            return did_you_mean(candidates)
        return f"最接近的名称：{self.nearest(text)}"

    def find(self, text: str, what: str) -> str:
        """The canonical value `text` names; otherwise `UnknownName` ("没有名为“…”的{what}，
        最接近的是“…”", or "…，您是否指：A、B？" when several names are close)."""
        found = self.resolve(text)
        if found is None:
            near = self.nearest(text) or None
            raise UnknownName(text, what, near, candidates=self.candidates(text))
        return found


def _unit_variants(k: str) -> list[str]:
    """柯桥区人力社保局, 绍兴市柯桥区人社局 … → 柯桥区."""
    out: list[str] = []
    stems = [k] + [k[len(p) :] for p in _UNIT_PREFIXES if k.startswith(p)]
    for s in stems:
        out.append(s)
        out.extend(s[: -len(x)] for x in _UNIT_SUFFIXES if s.endswith(x) and len(s) > len(x))
    return [v for v in out if v and v != k]


@dataclass(frozen=True)
class PublicationMatch:
    """How a 刊物 cell resolved under one agency."""

    publication_id: int | None
    reason: str | None = None  # Chinese, when it did not resolve
    suggestion: str | None = None


@dataclass(frozen=True)
class PublicationIndex:
    """The publications of each agency (rules.publications.list), by title and aliases."""

    publications: tuple[Publication, ...]
    agency_keys: tuple[str, ...]  # normalised agency names and aliases (a prefix to ignore)
    _exact: dict[tuple[str, str], int] = field(init=False, repr=False, compare=False)
    _bare: dict[tuple[str, str], int] = field(init=False, repr=False, compare=False)
    # (agency, `loose` key) and (agency, `stem`) → the publications of that agency it names
    _loose: dict[tuple[str, str], tuple[int, ...]] = field(init=False, repr=False, compare=False)
    _stem: dict[tuple[str, str], tuple[int, ...]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        exact: dict[tuple[str, str], int] = {}
        bare: dict[tuple[str, str], int | None] = {}
        looser: dict[tuple[str, str], dict[int, None]] = {}
        stems: dict[tuple[str, str], dict[int, None]] = {}
        for i, p in enumerate(self.publications):
            for name in (p.title, *p.aliases):
                exact.setdefault((p.agency, key(name)), i)
                b = (p.agency, strip_marks(key(name)))
                # A bare key shared by two titles of one agency would be ambiguous: drop it.
                bare[b] = i if bare.get(b, i) == i else None
                looser.setdefault((p.agency, loose(key(name))), {})[i] = None
                stems.setdefault((p.agency, stem(key(name))), {})[i] = None
        object.__setattr__(self, "_exact", exact)
        object.__setattr__(self, "_bare", {k: v for k, v in bare.items() if v is not None})
        object.__setattr__(self, "_loose", {k: tuple(v) for k, v in looser.items()})
        object.__setattr__(self, "_stem", {k: tuple(v) for k, v in stems.items()})

    def titles(self, agency: str) -> list[str]:
        return [p.title for p in self.publications if p.agency == agency]

    def _keys(self, text: str) -> list[str]:
        """The keys of a 刊物 cell: as written, and without an agency's name before it."""
        k = key(text)
        return [k] + [k[len(a) :] for a in self.agency_keys if k.startswith(a) and k != a]

    def _named(self, agency: str, text: str) -> tuple[int, ...]:
        """The publications of `agency` that `text` names: one as written (marks 《》 optional);
        else those it names loosely (no brackets: 浙江人社政务信息专报), else by the title
        without its qualifier (绍兴信息 = 《绍兴信息（每日动态）》). Several: ambiguous."""
        candidates = self._keys(text)
        for c in candidates:
            if (agency, c) in self._exact:
                return (self._exact[(agency, c)],)
            if (agency, strip_marks(c)) in self._bare:
                return (self._bare[(agency, strip_marks(c))],)
        # the cell loosened, against the titles loosened and then without their qualifier (a
        # cell with a qualifier of its own, 绍兴信息（专报）, is never taken for another's)
        for table in (self._loose, self._stem):
            found: dict[int, None] = {}
            for c in candidates:
                found.update(dict.fromkeys(table.get((agency, loose(c)), ())))
            if found:
                return tuple(found)
        return ()

    def _find(self, agency: str, text: str) -> int | None:
        named = self._named(agency, text)
        return named[0] if len(named) == 1 else None

    def nearest_title(self, agency: str, text: str) -> str:
        titles = self.titles(agency)
        pool = {strip_marks(key(t)): t for t in titles}
        best = nearest(strip_marks(key(text)), pool)
        return pool[best] if best is not None else ""

    def match(self, agency: str, text: str) -> PublicationMatch:
        named = self._named(agency, text)
        if len(named) == 1:
            return PublicationMatch(named[0])
        titles = self.titles(agency)
        listed = "、".join(titles)
        if not titles:
            return PublicationMatch(
                None, f"录用单位“{agency}”在规则文件中没有刊物", "请核对录用单位"
            )
        if named:  # several titles of the agency are this close: never choose one
            return PublicationMatch(
                None,
                f"录用单位“{agency}”有 {len(named)} 个刊物与此名称相近，不能确定是哪一个",
                did_you_mean(self.publications[i].title for i in named),
            )
        parts = _split_titles(text)
        if len(parts) > 1:
            named = [
                self.publications[i].title if (i := self._find(agency, p)) is not None else None
                for p in parts
            ]
            shown = "、".join(
                n if n is not None else self.nearest_title(agency, p)
                for n, p in zip(named, parts, strict=True)
            )
            return PublicationMatch(
                None,
                "一格只能填一个刊物（不同刊物分别计分）",
                f"请拆成多行，每行一个刊物：{shown}",
            )
        nearest_title = self.nearest_title(agency, text)
        agencies = dict.fromkeys(p.agency for p in self.publications)
        elsewhere = [a for a in agencies if a != agency and self._find(a, text) is not None]
        if elsewhere:
            return PublicationMatch(
                None,
                f"录用单位“{agency}”没有此刊物（它属于“{'、'.join(elsewhere)}”）",
                f"请核对录用单位；如录用单位无误，最接近的刊物：{nearest_title}（该单位的刊物：{listed}）",
            )
        return PublicationMatch(
            None,
            f"录用单位“{agency}”没有此刊物",
            f"最接近的刊物：{nearest_title}（该单位的刊物：{listed}）",
        )


def _split_titles(text: str) -> list[str]:
    """The titles a cell names: 《工作情况交流》《专报》 → [《工作情况交流》, 《专报》]."""
    marked = _TWO_TITLES.sub("》\n《", text)
    return [p.strip() for p in _LIST_SEPARATORS.split(marked) if p.strip()]


@dataclass(frozen=True)
class Names:
    """Every name list of the rules file, ready for matching."""

    units: NameIndex
    agencies: NameIndex
    publications: PublicationIndex
    forms: NameIndex
    kinds: NameIndex
    awards: NameIndex
    issuers: NameIndex
    categories: NameIndex
    roles: NameIndex

    @classmethod
    def from_rules(cls, rules: Rules) -> Names:
        k = rules.item_kinds
        agency_keys = sorted(
            {key(n) for a in rules.agencies.list for n in (a.name, *a.aliases)},
            key=len,
            reverse=True,
        )
        return cls(
            units=NameIndex.of(
                ((u.name, (u.name, *u.aliases)) for u in rules.units.roster),
                variants=_unit_variants,
            ),
            agencies=NameIndex.of((a.name, (a.name, *a.aliases)) for a in rules.agencies.list),
            publications=PublicationIndex(tuple(rules.publications.list), tuple(agency_keys)),
            forms=NameIndex.of((f, (f,)) for f in rules.forms.list),
            kinds=NameIndex.of(
                (code, (kl.label, *kl.aliases))
                for code, kl in (
                    ("general", k.general),
                    ("suggestion", k.suggestion),
                    ("research", k.research),
                )
            ),
            awards=NameIndex.of(
                (a.name, (a.name, *a.aliases)) for a in rules.department.awards.list
            ),
            issuers=NameIndex.of(
                (i.name, (i.name, *i.aliases)) for i in rules.commission_issuers.list
            ),
            categories=NameIndex.of((c, (c,)) for c in rules.plans.categories),
            roles=NameIndex.of((r, (r,)) for r in ("信息员", "撰稿人")),
        )


# ---- names given outside the ledger ------------------------------------------------------------


def resolve_unit(text: str, rules: Rules | Names) -> str:
    """The roster unit `text` names, accepted exactly as the ledger reader accepts a 报送单位:
    name or alias, brackets and spaces ignored, a district bureau's full name (柯桥区人社局,
    绍兴市柯桥区人力社保局 → 柯桥区). Otherwise `UnknownName` naming the nearest unit."""
    names = rules if isinstance(rules, Names) else Names.from_rules(rules)
    return names.units.find(text, "单位")


def resolve_person(text: str, known: Iterable[str]) -> str:
    """`text` as the name of one of the `known` people (names as the ledger reader keeps them:
    `person`), inner spaces and invisible characters ignored. Otherwise `UnknownName` naming the
    nearest name."""
    pool = list(dict.fromkeys(known))
    name = person(text)
    if name is not None and name in pool:
        return name
    raise UnknownName(text, "人员", nearest(name or text, pool), where="台账中")
