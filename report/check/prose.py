"""The editors' prose of a chapter file, as the prose checks see it.

``masked`` is the file's text with everything that is not running prose blanked out (front
matter, code, comments, shortcodes, attributes, link targets, references, HTML tags, div
fences) — same length, same newlines, so every offset is still the offset in the file and
line and column come out right. Sentences are cut from the masked text.
"""

from __future__ import annotations

import bisect
import dataclasses
import re
import shlex
from pathlib import Path

from report.render.book import _FENCE, _SHORTCODE, _split_front_matter, comment_spans

# An editor accepts one reviewed sentence with a comment after it (or in it), e.g.
#   ... dankzij de nieuwe werkwijze. <!-- akkoord: causaal, besproken met de commissie -->
ACCEPT_MARKER = re.compile(r"<!--\s*akkoord\s*:\s*([a-z]+)\b(.*?)-->", re.S | re.I)
# Marker words → finding kinds.
ACCEPT_KINDS = {"causaal": "causal", "richting": "direction", "getal": "numbers", "stijl": "style"}


@dataclasses.dataclass(frozen=True)
class Shortcode:
    start: int
    end: int
    name: str
    args: tuple[str, ...]


@dataclasses.dataclass(frozen=True)
class Marker:
    start: int
    end: int
    kind: str  # the finding kind it accepts ("" when the marker word is unknown)
    word: str  # as written: "causaal"
    text: str  # the whole comment


@dataclasses.dataclass(frozen=True)
class Sentence:
    start: int
    end: int
    text: str  # the masked text of the sentence (shortcodes blanked)


@dataclasses.dataclass
class ProseFile:
    rel: str
    text: str
    lang: str
    masked: str
    visible: str  # the text with comments and front matter blanked, markup kept
    shortcodes: list[Shortcode]
    markers: list[Marker]
    table_lines: set[int]  # 1-based line numbers of table rows and table captions
    body_start: int  # offset after the front matter
    used_markers: set[int] = dataclasses.field(default_factory=set)  # starts of markers that accepted
    _line_starts: list[int] = dataclasses.field(default_factory=list)
    _sentences: list[Sentence] | None = None

    def __post_init__(self) -> None:
        self._line_starts = [0] + [m.end() for m in re.finditer("\n", self.text)]

    def position(self, offset: int) -> tuple[int, int]:
        """1-based (line, column) of an offset."""
        i = bisect.bisect_right(self._line_starts, offset) - 1
        return i + 1, offset - self._line_starts[i] + 1

    def line_text(self, line: int) -> str:
        a = self._line_starts[line - 1]
        b = self._line_starts[line] - 1 if line < len(self._line_starts) else len(self.text)
        return self.text[a:b]

    @property
    def sentences(self) -> list[Sentence]:
        if self._sentences is None:
            self._sentences = _split_sentences(self.masked)
        return self._sentences

    def sentence_at(self, offset: int) -> Sentence | None:
        """The sentence holding ``offset``, or the one just before it (a marker after the full stop)."""
        found = None
        for s in self.sentences:
            if s.start <= offset:
                found = s
            else:
                break
        return found

    def shortcodes_in(self, s: Sentence) -> list[Shortcode]:
        return [c for c in self.shortcodes if s.start <= c.start < s.end]

    def accepted(self, kind: str, s: Sentence) -> Marker | None:
        """The editor's marker that accepts findings of ``kind`` in sentence ``s``."""
        for m in self.markers:
            if m.kind == kind and self.sentence_at(m.start) == s:
                return m
        return None


def _blank(chars: list[str], a: int, b: int) -> None:
    for i in range(a, b):
        if chars[i] != "\n":
            chars[i] = " "


_ATTRIBUTES = re.compile(r"\{[#.][^{}\n]*\}|\{[^{}\n]*=[^{}\n]*\}|\{-\}")
_LINK_TARGET = re.compile(r"\]\([^)\n]*\)")
_REFERENCE = re.compile(r"-?@[\w:.-]*[\w]")
_URL = re.compile(r"<?https?://[^\s>)]+>?")
_INLINE_CODE = re.compile(r"`[^`\n]+`")
_HTML_TAG = re.compile(r"</?[a-zA-Z][^<>\n]*>")
_FOOTNOTE_REF = re.compile(r"\[\^[^\]\n]+\]")
_ESCAPE = re.compile(r"\\[*_\[\]#`\\]")


def read_prose(root: Path, rel: str) -> ProseFile:
    text = (root / rel).read_text(encoding="utf-8")
    chars = list(text)
    fm, _body, skipped = _split_front_matter(text)
    body_start = 0
    if skipped:
        body_start = sum(len(line) + 1 for line in text.split("\n")[:skipped])
        _blank(chars, 0, body_start)
    markers: list[Marker] = []
    for a, b in comment_spans(text):
        m = ACCEPT_MARKER.fullmatch(text, a, b)
        if m:
            word = m.group(1).lower()
            markers.append(Marker(a, b, ACCEPT_KINDS.get(word, ""), word, text[a:b]))
        _blank(chars, a, b)
    visible = "".join(chars)
    shortcodes: list[Shortcode] = []
    for m in _SHORTCODE.finditer(text):
        if chars[m.start()] == " ":
            continue  # inside a comment or front matter
        try:
            parts = shlex.split(m.group(2))
        except ValueError:
            parts = m.group(2).split()
        if parts:
            shortcodes.append(Shortcode(m.start(), m.end(), parts[0], tuple(parts[1:])))
        _blank(chars, m.start(), m.end())
    masked = "".join(chars)
    # Code fences and their content; div fences; then inline non-prose.
    pos = 0
    fence: str | None = None
    table_lines: set[int] = set()
    for lineno, line in enumerate(masked.split("\n"), start=1):
        m = _FENCE.match(line)
        if m or fence is not None:
            if m:
                marker = m.group(1)
                if fence is None:
                    fence = marker[0] * 3
                elif marker.startswith(fence):
                    fence = None
            _blank(chars, pos, pos + len(line))
        elif line.lstrip().startswith(":::"):
            _blank(chars, pos, pos + len(line))
        elif line.lstrip().startswith("|") or re.match(r"^\s*:\s", line) or re.match(r"^[\s|:+-]+$", line):
            if line.strip():
                table_lines.add(lineno)
        pos += len(line) + 1
    masked = "".join(chars)
    inline = (_INLINE_CODE, _URL, _LINK_TARGET, _ATTRIBUTES, _FOOTNOTE_REF, _REFERENCE, _HTML_TAG, _ESCAPE)
    for pattern in inline:
        for m in pattern.finditer(masked):
            _blank(chars, m.start(), m.end())
        masked = "".join(chars)
    lang = str(fm.get("lang") or "")
    if not lang:
        h1 = re.search(r'^#\s.*\{[^}]*lang="?([a-z]{2})', text, flags=re.M)
        lang = h1.group(1) if h1 else "nl"
    return ProseFile(rel, text, lang[:2], masked, visible, shortcodes, markers, table_lines, body_start)


# A sentence ends at . ! or ? followed by white space and a capital, a digit or the end; a
# paragraph break, a heading or a list item always ends one.
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"'”’)]*\s+(?=[\"'“‘(]?[A-ZÀ-Ý0-9])")
_BLOCK_BREAK = re.compile(r"\n[ \t]*\n|\n(?=[ \t]*(?:[-*+]|\d+[.)])\s)|\n(?=#)|(?<=\n)(?=#)")


def _split_sentences(masked: str) -> list[Sentence]:
    out: list[Sentence] = []
    blocks: list[tuple[int, int]] = []
    pos = 0
    for m in _BLOCK_BREAK.finditer(masked):
        blocks.append((pos, m.start()))
        pos = m.end()
    blocks.append((pos, len(masked)))
    for a, b in blocks:
        # headings are sentences of their own
        start = a
        for m in _SENTENCE_END.finditer(masked, a, b):
            out.append(Sentence(start, m.start(), masked[start : m.start()]))
            start = m.end()
        out.append(Sentence(start, b, masked[start:b]))
    return [s for s in out if s.text.strip()]


def finding_at(
    src: ProseFile,
    kind: str,
    start: int,
    end: int,
    severity: str,
    message: str,
    suggestion: str = "",
):
    """A finding for ``src.text[start:end]``; listed as accepted when the editor's marker in
    the same sentence accepts this kind."""
    from report.check.finding import ACCEPTED, Finding

    line, col = src.position(start)
    text = " ".join(src.text[start:end].split())
    sentence = src.sentence_at(start)
    marker = src.accepted(kind, sentence) if sentence is not None else None
    if marker is not None:
        src.used_markers.add(marker.start)
        return Finding(
            src.rel,
            line,
            col,
            text,
            kind,
            ACCEPTED,
            f"{message} — accepted by the editor: {' '.join(marker.text.split())}",
            "",
        )
    return Finding(src.rel, line, col, text, kind, severity, message, suggestion)


def marker_findings(src: ProseFile):
    """Markers that accept nothing: a word no check knows (a typo), or a sentence that no longer
    has what the marker accepted (the text changed since it was reviewed). Run after the checks."""
    from report.check.finding import WARNING, Finding

    out = []
    for m in src.markers:
        line, col = src.position(m.start)
        if m.kind and m.start not in src.used_markers:
            out.append(
                Finding(
                    src.rel,
                    line,
                    col,
                    " ".join(m.text.split()),
                    "markup",
                    WARNING,
                    f"this akkoord marker accepts nothing: its sentence has no {m.kind} finding (any more)",
                    "remove the marker, or put it right after the sentence it is meant for",
                )
            )
        if not m.kind:
            out.append(
                Finding(
                    src.rel,
                    line,
                    col,
                    " ".join(m.text.split()),
                    "markup",
                    WARNING,
                    f"unknown word '{m.word}' in an akkoord marker: it accepts nothing",
                    f"use one of: {', '.join(ACCEPT_KINDS)}",
                )
            )
    return out
