"""Numbers typed by hand: they go stale when the data change.

* a typed number that equals (or rounds to) a live fact → use its {{< var >}} key;
* a typed number in a sentence that names an indicator, matching none of its facts."""

from __future__ import annotations

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


def typed_numbers(src, sentence):
    """(start, end, value, decimals, is_percent) of the numbers typed in a sentence."""
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
            continue  # "figuur 3.1", "indicator 11"
        after = text[m.end() : m.end() + 15]
        yield m.start(), m.end(), value, decimals, bool(_PERCENT_AFTER.match(after))


def _fact_values(series: Series, lang: str):
    for fact in NUMBER_FACTS:
        parsed = parse_number(series.facts.get(fact, "."), "nl")
        if parsed is not None:
            yield fact, parsed[0]


def _matches(value: float, decimals: int, fact_value: float) -> bool:
    q = 10**decimals
    return abs(round(abs(fact_value) * q) / q - value) < 1e-9


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
            if len(noun) >= 6:
                names.add(noun)
            head = noun.split()[-1] if noun else ""
            if len(head) >= 8:  # the head noun alone: "hennepkwekerijen"
                names.add(head)
        out[ind.id] = sorted(names, key=len, reverse=True)
    return out


def check(ctx: CheckContext) -> list[Finding]:
    series = all_series(ctx.variables)
    by_value: list[tuple[float, str, Series]] = [
        (v, fact, s) for s in series.values() for fact, v in _fact_values(s, "nl")
    ]
    names = _names(ctx)
    out: list[Finding] = []
    for src in ctx.sources:
        for sentence in src.sentences:
            low = sentence.text.lower()
            named = [ind for ind, words in names.items() if any(w in low for w in words)]
            for start, end, value, decimals, percent in typed_numbers(src, sentence):
                if value < 100 and decimals == 0 and not percent:
                    continue  # small counts ("vijf van de elf eenheden") match too much by chance
                hits = [(fact, s) for v, fact, s in by_value if _matches(value, decimals, v)]
                preferred = [(f, s) for f, s in hits if s.indicator in named]
                if not preferred and value >= 100:
                    preferred = hits  # small numbers and percentages only with the indicator named
                if preferred:
                    keys = [f"{s.key}.{f}" for f, s in preferred[:3]]
                    more = f" (and {len(preferred) - 3} more)" if len(preferred) > 3 else ""
                    out.append(
                        finding_at(
                            src,
                            KIND,
                            start,
                            end,
                            WARNING,
                            f"number {src.text[start:end]} is typed by hand but is a live fact; "
                            "it goes stale when the data change",
                            "write " + " or ".join(f"{{{{< var {k} >}}}}" for k in keys) + more,
                        )
                    )
                    continue
                for ind in named:
                    facts = [s for s in series.values() if s.indicator == ind]
                    if not facts:
                        continue
                    latest = facts[0]
                    out.append(
                        finding_at(
                            src,
                            KIND,
                            start,
                            end,
                            WARNING,
                            f"number {src.text[start:end]} stands next to '{_name_in(low, names[ind])}' "
                            f"but matches no fact of indicator '{ind}' (e.g. {latest.key}.waarde = "
                            f"{latest.facts.get('waarde')} in {latest.facts.get('jaar')})",
                            "check the number against the data, and use {{< var >}} for live numbers "
                            "(keys in _variables.yml)",
                        )
                    )
                    break
    return out


def _name_in(low: str, words: list[str]) -> str:
    return next((w for w in words if w in low), words[0])
