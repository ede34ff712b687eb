"""Wording the monitor never uses of its own accord: it describes; it cannot show effects of
policy. One list for the whole project: the build refuses these words in generated text,
`monitor check` reports them in editors' prose (report/check/causal.py)."""

from __future__ import annotations

CAUSAL_WORDS = (
    "doordat",
    "als gevolg van",
    "het gevolg van",
    "leidde tot",
    "leidden tot",
    "leidt tot",
    "heeft geleid tot",
    "hebben geleid tot",
    "dankzij",
    "effect van",
    "veroorzaakt",
    "resulteerde in",
    "resulteerden in",
    "resulteert in",
    "te danken aan",
    "te wijten aan",
    "because of",
    "as a result of",
    "led to",
    "has led to",
    "thanks to",
    "caused by",
    "effect of",
    "resulted in",
    "due to",
    "owing to",
)


def find_causal_words(text: str) -> list[str]:
    low = text.lower()
    return [w for w in CAUSAL_WORDS if w in low]
