"""House style in running text: Dutch number separators, 'procent', whole years."""

from __future__ import annotations

import re

from report.check.context import CheckContext
from report.check.finding import WARNING, Finding
from report.check.numbers import _NUMBERED
from report.check.prose import ProseFile, finding_at

KIND = "style"

_NO_SEPARATOR = re.compile(r"(?<![\w.,/-])\d{4,}(?![\w/-]|[.,]\d)")
_COMMA_THOUSANDS = re.compile(r"(?<![\w.,/-])[1-9]\d{0,2}(?:,\d{3})+(?![\w/-]|[.,]\d)")
# (a time of day is written with a point in Dutch: "om 10.30 uur")
_DECIMAL_POINT = re.compile(r"(?<![\w.,/-])\d+\.\d+(?![\w/-]|[.,]\d)(?!\s*uur\b)")
_DUTCH_THOUSANDS = re.compile(r"^\d{1,3}(?:\.\d{3})+$")
_PERCENT = re.compile(r"%")
_SHORT_YEAR = re.compile(r"(?<![\w'’])['’]\d{2}(?![\w'’])")


def check(ctx: CheckContext) -> list[Finding]:
    out: list[Finding] = []
    for src in ctx.sources:
        out += _check_file(src)
    return out


def _check_file(src: ProseFile) -> list[Finding]:
    text = src.masked
    dutch = src.lang == "nl"
    out: list[Finding] = []

    def add(m: re.Match[str], message: str, suggestion: str) -> None:
        if src.position(m.start())[0] in src.table_lines:
            return  # tables and their captions have their own conventions
        out.append(finding_at(src, KIND, m.start(), m.end(), WARNING, message, suggestion))

    def numbered(m: re.Match[str]) -> bool:
        return bool(_NUMBERED.search(text[max(0, m.start() - 40) : m.start()]))

    if dutch:
        for m in _NO_SEPARATOR.finditer(text):
            n = m.group(0)
            if len(n) == 4 and 1900 <= int(n) <= 2100 or numbered(m):
                continue
            add(m, f"number {n} without a thousands separator", f"write {int(n):,}".replace(",", "."))
        for m in _COMMA_THOUSANDS.finditer(text):
            if numbered(m):
                continue
            add(
                m,
                f"'{m.group(0)}' has an English thousands separator",
                f"in Dutch write {m.group(0).replace(',', '.')} (a comma is the decimal sign)",
            )
        for m in _DECIMAL_POINT.finditer(text):
            if _DUTCH_THOUSANDS.match(m.group(0)) or numbered(m):
                continue
            add(m, f"'{m.group(0)}' has a decimal point", f"in Dutch write {m.group(0).replace('.', ',')}")
    for m in _PERCENT.finditer(text):
        add(
            m,
            "'%' in running text",
            "write 'procent' (the % sign belongs in tables and axes)" if dutch else "write 'per cent'",
        )
    for m in _SHORT_YEAR.finditer(text):
        add(m, f"year written as '{m.group(0)}'", f"write the whole year, 20{m.group(0)[1:]}")
    return out
