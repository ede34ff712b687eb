"""Unfinished text: placeholders and empty sections (errors with --final)."""

from __future__ import annotations

import re

from report.check.context import CheckContext
from report.check.finding import ERROR, WARNING, Finding
from report.check.prose import finding_at

KIND = "unfinished"

_PLACEHOLDERS = [
    (re.compile(r"\[[^\[\]\n]*\bvolgt\s*\]", re.I), "placeholder"),
    (re.compile(r"\[\[[^\n]*?\]\]"), "placeholder '[[ ]]'"),
    (re.compile(r"(?<![\w-])(?:TODO|FIXME|XXX|TBD|PM)(?![\w-])"), "placeholder"),
    # an ellipsis standing alone: a line of its own, or between spaces
    (re.compile(r"(?:(?<=\s)|^)(?:…|\.\.\.)(?=\s|$)", re.M), "ellipsis standing alone"),
]
_HEADING = re.compile(r"^(#{1,6})\s+(.*)$", re.M)


def check(ctx: CheckContext) -> list[Finding]:
    severity = ERROR if ctx.final else WARNING
    out: list[Finding] = []
    for src in ctx.sources:
        # Placeholders are looked for in the text with only comments blanked ([duiding volgt]
        # is bracketed, which the prose mask would keep anyway).
        for pattern, what in _PLACEHOLDERS:
            for m in pattern.finditer(src.masked):
                out.append(
                    finding_at(
                        src,
                        KIND,
                        m.start(),
                        m.end(),
                        severity,
                        f"unfinished text: {what} '{m.group(0).strip()}'",
                        "write the text, or remove the placeholder before the final render",
                    )
                )
        out += _empty_sections(src, severity)
    return out


def _empty_sections(src, severity: str) -> list[Finding]:
    """A heading with nothing under it before the next heading of its level or higher."""
    text = src.visible
    # a heading in a code block is blanked in the mask; one in the prose is not
    heads = [m for m in _HEADING.finditer(text) if src.masked[m.start()] == "#"]
    out: list[Finding] = []
    for i, m in enumerate(heads):
        level = len(m.group(1))
        end = len(text)
        for n in heads[i + 1 :]:
            end = n.start()
            break
        body = text[m.end() : end]
        following_is_sub = i + 1 < len(heads) and len(heads[i + 1].group(1)) > level
        if body.strip() or following_is_sub:
            continue
        out.append(
            Finding(
                src.rel,
                src.position(m.start())[0],
                1,
                m.group(0).strip(),
                KIND,
                severity,
                f"empty section: nothing under the heading '{m.group(2).split('{')[0].strip()}'",
                "write the section's text, or remove the heading",
            )
        )
    return out
