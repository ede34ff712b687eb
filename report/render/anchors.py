"""Source anchors for the reviewers' draft: every paragraph of the DOCX knows where it came from.

While the embedded engine expands a chapter (:mod:`report.render.book`), :func:`mark_blocks`
puts an empty Pandoc span with an id, ``[]{#src_12}``, at the start of every block of the
*source* text (paragraph, heading, list item, table row, footnote). Pandoc's DOCX writer makes
each such span an (invisible) bookmark ``src_12``. The anchor table — bookmark number → file
(project-relative, never an absolute path) and line range — travels inside the draft as
custom document properties (``docProps/custom.xml``), which Word and LibreOffice both keep:

* ``monitor-rapport``: the report (``book.output-file``), so a draft of another report is told;
* ``monitor-concept-versie``: the draft's version (edition + short hash of the sources);
* ``monitor-bronankers-001`` …: the anchor table, JSON → zlib → base64, in pieces of at most
  240 characters (Word's limit for a property value is 255).

Only the draft carries anchors; the final DOCX, the PDF and the HTML are made without them.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import re
import zlib

ANCHOR_PREFIX = "src_"
PROP_REPORT = "monitor-rapport"
PROP_VERSION = "monitor-concept-versie"
PROP_ANCHORS = "monitor-bronankers-"
_CHUNK = 240

_FENCE = re.compile(r"^\s*(`{3,}|~{3,})")
_ONLY_SHORTCODE = re.compile(r"^\s*\{\{<\s*(include|blok|pagebreak)\b.*>\}\}\s*$")
_IMAGE_ONLY = re.compile(r"^\s*!\[.*\]\(.*\)(\{.*\})?\s*$")
_TABLE_SEPARATOR = re.compile(r"^\s*\|?\s*:?-{2,}")
# Where a block's inline text starts, after its block marker.
_HEADING = re.compile(r"^(#{1,6}\s+)")
_LIST = re.compile(r"^(\s*(?:[-*+]|\d+[.)]|#\.)\s+(?:\[[ xX]\]\s+)?)")
_QUOTE = re.compile(r"^(\s*(?:>\s?)+)")
_FOOTNOTE = re.compile(r"^(\[\^[^\]]+\]:\s*)")
_TABLE_ROW = re.compile(r"^(\s*\|\s*)")
_CAPTION = re.compile(r"^\s*:\s")
_DIV_FENCE = re.compile(r"^\s*:::")
_GRID = re.compile(r"^\s*\+[-=:]")
_CODE = re.compile(r"^(    |\t)")


@dataclasses.dataclass
class Anchor:
    """One block of source text: ``file`` lines ``start``–``end`` (1-based, inclusive)."""

    n: int
    file: str
    start: int
    end: int

    @property
    def name(self) -> str:
        return f"{ANCHOR_PREFIX}{self.n}"


class AnchorTable:
    """The anchors of one book, numbered in the order the chapters are expanded."""

    def __init__(self) -> None:
        self.anchors: list[Anchor] = []

    def add(self, file: str, line: int) -> Anchor:
        anchor = Anchor(len(self.anchors) + 1, file, line, line)
        self.anchors.append(anchor)
        return anchor

    def properties(self, report: str, version: str, root) -> dict[str, str]:
        """The custom document properties that carry the table inside the draft (with each
        file's hash, so a later reader knows whether the lines still are where they were)."""
        files = sorted({a.file for a in self.anchors})
        index = {f: i for i, f in enumerate(files)}
        payload = {
            "v": 1,
            "files": files,
            "hash": [file_hash(root / f) for f in files],
            "a": [[a.n, index[a.file], a.start, a.end] for a in self.anchors],
        }
        raw = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
        text = base64.b64encode(zlib.compress(raw, 9)).decode("ascii")
        props = {PROP_REPORT: report, PROP_VERSION: version}
        for i in range(0, len(text), _CHUNK):
            props[f"{PROP_ANCHORS}{i // _CHUNK + 1:03d}"] = text[i : i + _CHUNK]
        return props


def file_hash(path) -> str:
    """Short hash of a source file's text (line endings normalised)."""
    import hashlib

    try:
        data = path.read_bytes().replace(b"\r\n", b"\n")
    except OSError:
        return ""
    return hashlib.sha256(data).hexdigest()[:16]


def decode_properties(
    props: dict[str, str], max_bytes: int = 20_000_000
) -> tuple[dict[int, Anchor], dict[str, str]]:
    """(anchors by number, file → hash at draft time) from a draft's custom properties.

    ``ValueError`` when the table is damaged."""
    keys = sorted(k for k in props if k.startswith(PROP_ANCHORS))
    if not keys:
        return {}, {}
    text = "".join(props[k] for k in keys)
    try:
        packed = base64.b64decode(text.encode("ascii"), validate=True)
        dec = zlib.decompressobj()
        raw = dec.decompress(packed, max_bytes)
        if dec.unconsumed_tail:
            raise ValueError("the anchor table is larger than allowed")
        payload = json.loads(raw.decode("utf-8"))
        files = payload["files"]
        out = {}
        for n, fi, start, end in payload["a"]:
            file = files[fi]
            if not isinstance(file, str) or file.startswith("/") or ".." in file.split("/"):
                raise ValueError(f"anchor file {file!r} is not a project-relative path")
            out[int(n)] = Anchor(int(n), file, int(start), int(end))
        hashes = dict(zip(files, payload.get("hash") or [""] * len(files), strict=True))
        return out, hashes
    except (ValueError, KeyError, TypeError, IndexError, zlib.error, UnicodeError) as exc:
        raise ValueError(f"the anchor table is damaged ({exc})") from None


def mark_blocks(lines: list[str], first_line: int | list[int], file: str, table: AnchorTable) -> list[str]:
    """Return ``lines`` with an empty span ``[]{#src_N}`` at the start of every source block.

    ``first_line`` is the source line of ``lines[0]``, or the source line of every line (when
    editors' comments were taken out, the lines are no longer consecutive).

    Figures and table captions get the span inside their caption (an image alone in its
    paragraph must stay alone to remain a figure). Left alone: code and raw blocks, HTML
    comments, fenced-div lines, table separator lines, and include/blok/pagebreak shortcodes (the
    included file is anchored itself).
    """
    out: list[str] = []
    fence: str | None = None
    in_comment = False
    verbatim = False  # a grid table, raw HTML or indented code block: no spans until a blank line
    current: Anchor | None = None  # the block the previous line belongs to
    numbers = first_line if isinstance(first_line, list) else range(first_line, first_line + len(lines))
    for lineno, line in zip(numbers, lines, strict=True):
        stripped = line.strip()
        if fence is not None:
            if _FENCE.match(line) and line.strip().startswith(fence):
                fence = None
            out.append(line)
            continue
        if in_comment:
            if "-->" in line:
                in_comment = False
            out.append(line)
            continue
        m = _FENCE.match(line)
        if m:
            fence = m.group(1)[0] * 3
            current = None
            out.append(line)
            continue
        if stripped.startswith("<!--"):
            in_comment = "-->" not in stripped
            out.append(line)
            continue
        if verbatim and stripped:
            out.append(line)
            continue
        verbatim = False
        raw_html = stripped.startswith("<") and not stripped.startswith("<http")
        if current is None and (_GRID.match(line) or raw_html or _CODE.match(line)):
            verbatim = True  # text that a span would change (alignment, raw markup, code)
            out.append(line)
            continue
        if _IMAGE_ONLY.match(line) or (_CAPTION.match(line) and current is None):
            # a figure or table caption: the anchor goes inside the caption (the figure's
            # image stays alone in its paragraph)
            at = line.index("![") + 2 if _IMAGE_ONLY.match(line) else line.index(":") + 2
            anchor = table.add(file, lineno)
            out.append(line[:at] + f"[]{{#{anchor.name}}}" + line[at:])
            current = None
            continue
        if (
            not stripped
            or _DIV_FENCE.match(line)
            or _ONLY_SHORTCODE.match(line)
            or _TABLE_SEPARATOR.match(line)
        ):
            current = None
            out.append(line)
            continue
        marker = None
        for pattern in (_HEADING, _FOOTNOTE, _TABLE_ROW, _LIST, _QUOTE):
            mm = pattern.match(line)
            if mm:
                marker = mm.group(1)
                break
        starts_block = current is None or marker is not None
        if marker is not None and pattern is _QUOTE and current is not None:
            starts_block = False  # a quote's continuation lines
        if not starts_block:
            current.end = lineno
            out.append(line)
            continue
        anchor = table.add(file, lineno)
        span = f"[]{{#{anchor.name}}}"
        prefix = marker or line[: len(line) - len(line.lstrip())]
        out.append(prefix + span + line[len(prefix) :])
        # a table row or a heading is a block of one line
        current = None if pattern_is_single_line(marker, line) else anchor
    return out


def pattern_is_single_line(marker: str | None, line: str) -> bool:
    return marker is not None and (bool(_HEADING.match(line)) or bool(_TABLE_ROW.match(line)))
