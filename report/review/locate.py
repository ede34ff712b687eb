"""From a draft's anchor to the source: chapter file and line, or the generated block's template.

When the file is unchanged since the draft (same hash as in the draft's anchor table), the
anchor's line range is exact and the line of a fragment is found inside it. When the file has
changed, the paragraph is matched against the current file (difflib) and the match says how
sure it is; below :data:`MIN_CONFIDENCE` it says so rather than guess.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from pathlib import Path

from report.render.anchors import file_hash

MIN_CONFIDENCE = 0.75
GENERATED = "_generated/"

# The build's generated files and the templates that write them (report/build.py, text.py).
_TEMPLATES = {
    "indicatoren": ("nl/indicator_{id}.md.j2", "nl/indicator.md.j2", "nl/reeks.md.j2"),
    "samenhang": ("nl/samenhang.md.j2",),
    "samenvatting/kerncijfers_nl": ("nl/kerncijfers.md.j2",),
    "samenvatting/key_figures_en": ("en/key_figures.md.j2", "en/reeks.md.j2"),
    "bijlagen/overzicht": ("nl/overzicht.md.j2",),
    "bijlagen/definities": ("nl/definities.md.j2",),
    "bijlagen/tabellen": ("nl/tabellen.md.j2",),
}


@dataclass
class Location:
    file: str  # project-relative source file (chapter, or the generated file)
    line: int
    line_end: int
    chapter: str  # the chapter file it belongs to (for generated text: the including chapter)
    generated: bool = False
    template: str = ""  # for generated text: the template(s) to change, project-relative
    indicator: str = ""
    confidence: float = 1.0
    note: str = ""
    block: tuple[int, int] = (0, 0)  # the paragraph's lines in the current file

    @property
    def where(self) -> str:
        lines = f"{self.line}" if self.line == self.line_end else f"{self.line}–{self.line_end}"
        return f"{self.file}:{lines}"


def templates_for(root: Path, generated_file: str) -> tuple[str, str]:
    """(template files, indicator id) that write ``_generated/<...>.md``."""
    rel = generated_file[len(GENERATED) :].removesuffix(".md")
    folder, _, name = rel.partition("/")
    key = rel if rel in _TEMPLATES else folder
    indicator = name if folder == "indicatoren" else ""
    found = []
    for pattern in _TEMPLATES.get(key, ()):
        candidate = f"chapters/sjablonen/{pattern.format(id=name)}"
        if "{id}" in pattern and not (root / candidate).exists():
            continue
        found.append(candidate)
        if "{id}" in pattern:
            break  # an indicator's own template replaces the general one
    if key == "indicatoren" and found and "indicator_" in found[0]:
        found = [found[0]] + [f for f in found[1:] if not f.endswith("/indicator.md.j2")]
    return ", ".join(found) or "chapters/sjablonen/", indicator


_QUOTES = {
    "’": "['’]",
    "‘": "['‘]",
    "“": '["“]',
    "”": '["”]',
    "–": "(?:–|--)",
    "—": "(?:—|---)",
    "…": r"(?:…|\.\.\.)",
}


def flexible(text: str) -> str:
    """A regex for ``text`` as Pandoc may have changed it: any whitespace run (line breaks
    of the source included), typographic quotes and dashes from plain ones."""
    out = []
    for ch in text:
        if ch.isspace():
            if not out or out[-1] != r"\s+":
                out.append(r"\s+")
        else:
            out.append(_QUOTES.get(ch, re.escape(ch)))
    return "".join(out)


def find_fragment(source: str, left: str, old: str, right: str) -> tuple[int, int] | None:
    """Span of ``old`` in ``source`` where the context ``left``/``right`` fits, unique."""
    for k in (40, 24, 12, 6, 3, 0):
        lctx = left[-k:] if k else ""
        rctx = right[:k] if k else ""
        for lc, rc in ((lctx, rctx), (lctx, ""), ("", rctx)):
            if not (lc or rc or old.strip()):
                continue
            pattern = flexible(lc) + "(" + flexible(old) + ")" + flexible(rc)
            if not pattern.strip("()"):
                continue
            matches = list(re.finditer(pattern, source))
            if len(matches) == 1:
                return matches[0].span(1)
    return None


def line_of(text: str, offset: int, first_line: int) -> int:
    return first_line + text.count("\n", 0, offset)


class Locator:
    """Caches the project's files and their hashes."""

    def __init__(self, root: Path):
        self.root = root
        self._lines: dict[str, list[str] | None] = {}

    def lines(self, rel: str) -> list[str] | None:
        if rel not in self._lines:
            path = self.root / rel
            try:
                self._lines[rel] = path.read_text(encoding="utf-8").split("\n")
            except (OSError, UnicodeError):
                self._lines[rel] = None
        return self._lines[rel]

    def locate(self, anchor, draft_hash: str, chapter: str, fragment: str, paragraph: str) -> Location:
        """Where ``fragment`` (a piece of ``paragraph``, the draft's paragraph text) stands now."""
        rel = anchor.file
        generated = rel.startswith(GENERATED)
        template, indicator = templates_for(self.root, rel) if generated else ("", "")
        loc = Location(
            rel, anchor.start, anchor.end, chapter if generated else rel, generated, template, indicator
        )
        loc.block = (anchor.start, anchor.end)
        lines = self.lines(rel)
        if lines is None:
            loc.confidence, loc.note = 0.0, f"{rel} no longer exists"
            return loc
        unchanged = bool(draft_hash) and file_hash(self.root / rel) == draft_hash
        if unchanged or generated:
            block = "\n".join(lines[anchor.start - 1 : anchor.end])
            span = find_fragment(block, "", fragment, "") if fragment.strip() else None
            if span is not None:
                loc.line = loc.line_end = line_of(block, span[0], anchor.start)
                loc.line_end = line_of(block, span[1], anchor.start)
            if not unchanged:
                loc.note = "generated file rebuilt since the draft"
            return loc
        # the file changed since the draft: find the paragraph again
        start, end, ratio = best_window(lines, paragraph, anchor.end - anchor.start + 1, anchor.start)
        loc.confidence = round(ratio, 2)
        if ratio < MIN_CONFIDENCE:
            loc.note = (
                f"{rel} changed since the draft and this paragraph was not found with confidence "
                f"(best {ratio:.0%} at line {start}); the draft had it at lines {anchor.start}–{anchor.end}"
            )
            return loc
        loc.line, loc.line_end = start, end
        loc.block = (start, end)
        block = "\n".join(lines[start - 1 : end])
        span = find_fragment(block, "", fragment, "") if fragment.strip() else None
        if span is not None:
            loc.line = line_of(block, span[0], start)
            loc.line_end = line_of(block, span[1], start)
        loc.note = (
            f"{rel} changed since the draft: matched at {ratio:.0%} (draft lines {anchor.start}–{anchor.end})"
        )
        return loc


def _plain(text: str) -> str:
    text = re.sub(r"\[\]\{#[^}]*\}", "", text)
    text = re.sub(r"\{\{<.*?>\}\}", "", text)
    text = re.sub(r"[*_`#|>]", "", text)
    return " ".join(text.split())


def best_window(lines: list[str], paragraph: str, size: int, near: int) -> tuple[int, int, float]:
    """(first line, last line, similarity) of the run of lines most like ``paragraph``."""
    target = _plain(paragraph)
    best = (near, near, 0.0)
    if not target:
        return best
    sizes = sorted({max(1, size - 1), size, size + 1, size + 2})
    for n in sizes:
        for i in range(0, max(1, len(lines) - n + 1)):
            cand = _plain(" ".join(lines[i : i + n]))
            if not cand:
                continue
            sm = difflib.SequenceMatcher(None, target, cand, autojunk=False)
            if sm.real_quick_ratio() <= best[2] or sm.quick_ratio() <= best[2]:
                continue
            r = sm.ratio()
            # prefer the place nearest to where the draft had it when equally good
            if r > best[2] + 1e-9 or (abs(r - best[2]) < 1e-9 and abs(i + 1 - near) < abs(best[0] - near)):
                best = (i + 1, i + n, r)
    return best
