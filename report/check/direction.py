"""Direction words against live numbers: "stijging" in a sentence whose live number fell.

A sentence that holds a {{< var ind.… >}} of a series and a word of rise or fall is compared
with that series' change (its `richting` fact, from the build). Sentences about the change
since the first year (`eerste_…` keys) are not compared: their direction is another one."""

from __future__ import annotations

import re

from report.check.context import CheckContext
from report.check.facts import all_series
from report.check.finding import ERROR, Finding
from report.check.prose import finding_at

KIND = "direction"

UP = (
    "stijging", "stijgingen", "steeg", "stegen", "gestegen", "stijgt", "stijgen", "toename", "toenam",
    "toegenomen", "nam toe", "namen toe", "neemt toe", "groei", "groeide", "gegroeid", "hoger",
    "meer dan in", "verdubbeld", "increase", "increased", "rise", "rose", "risen", "grew", "growth",
    "higher", "more than in",
)  # fmt: skip
DOWN = (
    "daling", "dalingen", "daalde", "daalden", "gedaald", "daalt", "dalen", "afname", "afgenomen",
    "nam af", "namen af", "neemt af", "kromp", "gekrompen", "lager", "minder dan in", "gehalveerd",
    "decrease", "decreased", "decline", "declined", "fell", "fallen", "drop", "dropped", "lower",
    "fewer than in", "less than in",
)  # fmt: skip
FLAT = ("vrijwel gelijk", "gelijk gebleven", "stabiel", "nauwelijks veranderd", "about the same", "stable")


def _pattern(words) -> re.Pattern[str]:
    alts = "|".join(r"\s+".join(map(re.escape, w.split())) for w in sorted(words, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alts})(?!\w)", re.I)


_UP, _DOWN, _FLAT = _pattern(UP), _pattern(DOWN), _pattern(FLAT)
_SAID = {"up": "a rise", "down": "a fall", "flat": "no real change"}


def check(ctx: CheckContext) -> list[Finding]:
    series = all_series(ctx.variables)
    out: list[Finding] = []
    for src in ctx.sources:
        for sentence in src.sentences:
            codes = [c for c in src.shortcodes_in(sentence) if c.name == "var" and c.args]
            keys = [c.args[0] for c in codes if c.args[0].startswith("ind.")]
            if not keys or any(k.rsplit(".", 1)[-1].startswith("eerste_") for k in keys):
                continue
            prefixes = sorted({k.rsplit(".", 1)[0] for k in keys})
            live = [series[p] for p in prefixes if p in series]
            directions = {s.direction for s in live} - {""}
            if len(directions) != 1:
                continue  # no known change, or series that went different ways
            actual = directions.pop()
            said = {
                d: list(p.finditer(src.masked, sentence.start, sentence.end))
                for d, p in (("up", _UP), ("down", _DOWN), ("flat", _FLAT))
            }
            claimed = [d for d, hits in said.items() if hits]
            if len(claimed) != 1 or claimed[0] == actual:
                continue  # no direction word, a matching one, or both ways in one sentence
            word = said[claimed[0]][0]
            s = live[0]
            change = s.facts.get("verandering_procent", ".")
            out.append(
                finding_at(
                    src,
                    KIND,
                    word.start(),
                    word.end(),
                    ERROR,
                    f"'{word.group(0)}' says {_SAID[claimed[0]]}, but {s.key} went "
                    f"'{s.facts.get('richting')}' from {s.facts.get('vorig_jaar')} to {s.facts.get('jaar')}"
                    + (f" ({change} procent)" if change != "." else ""),
                    f"say it with the live direction word {{{{< var {s.key}.richting >}}}}, "
                    "or correct the sentence",
                )
            )
    return out
