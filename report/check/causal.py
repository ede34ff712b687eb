"""Causal wording in the editors' prose: the monitor describes; it cannot show effects of policy.

One list of causal words for the whole project: report.wording.CAUSAL_WORDS (the build
refuses them in generated text)."""

from __future__ import annotations

import re

from report.check.context import CheckContext
from report.check.finding import ERROR, Finding
from report.check.prose import finding_at
from report.wording import CAUSAL_WORDS

KIND = "causal"

_PATTERNS = [
    (word, re.compile(r"(?<!\w)" + r"\s+".join(map(re.escape, word.split())) + r"(?!\w)", re.I))
    for word in CAUSAL_WORDS
]


def check(ctx: CheckContext) -> list[Finding]:
    out: list[Finding] = []
    for src in ctx.sources:
        hits: list[tuple[int, int, str]] = []
        for word, pattern in _PATTERNS:
            for m in pattern.finditer(src.masked):
                # "heeft geleid tot" also holds "geleid tot": report the longest wording once.
                if any(a <= m.start() and m.end() <= b for a, b, _w in hits):
                    continue
                hits = [(a, b, w) for a, b, w in hits if not (m.start() <= a and b <= m.end())]
                hits.append((m.start(), m.end(), word))
        for a, b, word in sorted(hits):
            out.append(
                finding_at(
                    src,
                    KIND,
                    a,
                    b,
                    ERROR,
                    f"causal wording '{word}': the monitor describes developments, it cannot show "
                    "that policy caused them",
                    "describe what happened (for example 'in dezelfde periode'), or, when this "
                    "sentence was reviewed, accept it with <!-- akkoord: causaal --> after it",
                )
            )
    return out
