"""Numbers typed by hand: they go stale when the data change.

* a typed number that equals (or rounds to) a live fact → use its {{< var >}} key;
* a typed number in a sentence that names an indicator, matching none of its facts."""

from __future__ import annotations

import dataclasses
import re

from report.check.context import CheckContext
from report.check.facts import NUMBER_FACTS, Series, all_series, parse_number
from report.check.finding import WARNING, Finding
from report.check.prose import finding_at

KIND = "numbers"

_TOKEN = re.compile(r"(?<![\w.,/-])\d(?:[\d.,]*\d)?(?![\w/-]|[.,]\d)")
_NUMBERED = re.compile(
    r"(figuur|figure|tabel|table|paragraaf|section|hoofdstuk|chapter|bijlage|annex|indicator(?:en)?|"
    r"indicators?|nummer|nr\.|lijst|versie|artikel)\s+(?:[\d.,]+\s*(?:en|tot en met|t/m|and|,)\s*)*$",
    re.I,
)
_PERCENT_AFTER = re.compile(r"^\s*(?:procent|%|per\s*cent|procentpunt)", re.I)


_MULTIPLIER = re.compile(r"^\s+(duizend|miljoen|miljard|thousand|million|billion)\b", re.I)
_FACTOR = {"duizend": 1e3, "thousand": 1e3, "miljoen": 1e6, "million": 1e6, "miljard": 1e9, "billion": 1e9}


@dataclasses.dataclass(frozen=True)
class Typed:
    start: int
    end: int  # (including a multiplier word: "16 duizend")
    value: float
    unit: float  # a unit of the last digit written: 1 for 16.429, 0.1 for 12,3, 1000 for 16 duizend
    rounded: bool  # written rounded (trailing zeros or a multiplier word)
    percent: bool


def typed_numbers(src, sentence):
    """The numbers typed in a sentence (not years, not 'figuur 3.1' or 'indicator 11')."""
    text = src.masked
    for m in _TOKEN.finditer(text, sentence.start, sentence.end):
        parsed = parse_number(m.group(0), src.lang)
        if parsed is None:
            continue
        value, decimals = parsed
        if decimals == 0 and "." not in m.group(0) and "," not in m.group(0) and 1900 <= value <= 2100:
            continue  # a year
        before = text[max(sentence.start, m.start() - 40) : m.start()]
        if _NUMBERED.search(before):
            continue
        after = text[m.end() : m.end() + 15]
        unit = 10.0**-decimals
        rounded = False
        end = m.end()
        if decimals == 0 and value >= 10:
            digits = str(int(value))
            zeros = len(digits) - len(digits.rstrip("0"))
            if zeros:
                unit, rounded = 10.0**zeros, True
        word = _MULTIPLIER.match(text[m.end() : m.end() + 12])
        if word:
            factor = _FACTOR[word.group(1).lower()]
            value, unit, rounded, end = value * factor, unit * factor, True, m.end() + word.end()
            after = text[end : end + 15]
        yield Typed(m.start(), end, value, unit, rounded, bool(_PERCENT_AFTER.match(after)))


def _fact_values(series: Series):
    for fact in NUMBER_FACTS:
        parsed = parse_number(series.facts.get(fact, "."), "nl")
        if parsed is not None:
            yield fact, parsed[0]


def _matches(typed: Typed, fact_value: float) -> bool:
    """The fact, rounded as the typed number is written, is the typed number."""
    return abs(abs(fact_value) - typed.value) < typed.unit / 2 + 1e-9


_YEAR = re.compile(r"(?<![\d.,])((?:19|20)\d\d)(?![\d.,]\d)")
_YEAR_FACTS = ("jaar", "vorig_jaar", "eerste_jaar")

# Head nouns too general to name one indicator in prose.
_GENERIC = {"hoeveelheid", "hoeveelheden", "volwassenen", "drugscriminaliteit", "bedrag"}


def _names(ctx: CheckContext) -> dict[str, list[str]]:
    """Per indicator the words that name it in prose (title and measure nouns), lower case."""
    out: dict[str, list[str]] = {}
    strip = re.compile(
        r"^(het|de|een)\s+(totale\s+|totaal\s+)?(aantal\s+|totaalbedrag\s+)?(aan\s+)?(het|de)?\s*"
    )
    for ind in ctx.registry.indicators:
        names = {ind.title.nl.lower()}
        for measure in ind.measures:
            noun = strip.sub("", measure.label.nl.lower()).strip()
            if len(noun) >= 6 and noun not in _GENERIC:
                names.add(noun)
            head = noun.split()[-1] if noun else ""
            if len(head) >= 8 and head not in _GENERIC:  # the head noun alone: "hennepkwekerijen"
                names.add(head)
        out[ind.id] = sorted(names, key=len, reverse=True)
    return out


def check(ctx: CheckContext) -> list[Finding]:
    series = all_series(ctx.variables)
    by_value = [(v, fact, s) for s in series.values() for fact, v in _fact_values(s)]
    names = _names(ctx)
    out: list[Finding] = []
    for src in ctx.sources:
        for sentence in src.sentences:
            low = sentence.text.lower()
            named = [ind for ind, words in names.items() if any(w in low for w in words)]
            for typed in typed_numbers(src, sentence):
                finding = _finding(src, typed, low, named, names, series, by_value)
                if finding is not None:
                    out.append(finding)
    return out


def _finding(src, typed: Typed, low: str, named, names, series, by_value) -> Finding | None:
    if typed.value < 100 and typed.unit >= 1 and not typed.percent:
        return None  # small counts ("vijf van de elf eenheden") match too much by chance
    written = " ".join(src.text[typed.start : typed.end].split())
    hits = [(fact, s) for v, fact, s in by_value if _matches(typed, v)]
    preferred = [(f, s) for f, s in hits if s.indicator in named]
    if not preferred and typed.value >= 100 and not typed.rounded:
        preferred = hits  # small, percentage and rounded numbers only against the indicator named
    if preferred:
        fact, first = preferred[0]
        keys = [f"{s.key}.{f}" for f, s in preferred[:3]]
        more = f" (and {len(preferred) - 3} more)" if len(preferred) > 3 else ""
        how = "rounds a live fact" if typed.rounded else "is a live fact"
        return finding_at(
            src,
            KIND,
            typed.start,
            typed.end,
            WARNING,
            f"number {written} is typed by hand but {how} ({first.key}.{fact} = {first.facts[fact]}); "
            "it goes stale when the data change",
            "write " + " or ".join(f"{{{{< var {k} >}}}}" for k in keys) + more,
        )
    typed_years = {int(y) for y in _YEAR.findall(low)}
    for ind in named:
        facts = [s for s in series.values() if s.indicator == ind]
        if not facts:
            continue
        known_years = {int(s.facts[k]) for s in facts for k in _YEAR_FACTS if s.facts.get(k, ".").isdigit()}
        if typed_years - known_years:
            continue  # about a year the live facts do not hold ("in 2019 waren het er 3.100")
        latest = facts[0]
        return finding_at(
            src,
            KIND,
            typed.start,
            typed.end,
            WARNING,
            f"number {written} stands next to '{_name_in(low, names[ind])}' but matches no fact of "
            f"indicator '{ind}' (e.g. {latest.key}.waarde = {latest.facts.get('waarde')} in "
            f"{latest.facts.get('jaar')})",
            "check the number against the data, and use {{< var >}} for live numbers "
            "(keys in _variables.yml)",
        )
    return None


def _name_in(low: str, words: list[str]) -> str:
    return next((w for w in words if w in low), words[0])
