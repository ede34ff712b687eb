"""The book's body as Pandoc's JSON AST, read chapter by chapter with a cache.

Reading the whole book (~40,000 words) takes Pandoc about 0.4 s, on every render after any
edit, before anything else can start. But an edit changes one chapter: the AST of each
chapter's part of the body (its marker Div and text, as joined by ``load_book``) is kept in
the project cache, keyed on that text, and only parts not seen before are read: all of them
in one ``pandoc lua`` process, each by its own ``pandoc.read``, so each part is read as if
alone.

The concatenation is the AST Pandoc gives for the joined body only where no part's reading
depends on another part. That is checked, and where it fails (or may fail) the whole body is
read in one piece, as before:

* on the text: a link or footnote definition (``[x]: ...``, ``[^1]: ...``), an example list
  (``(@)``), a YAML block, or a code or div fence, an HTML ``<div>`` or comment a part leaves
  open — each can reach into other parts;
* on the AST: two elements with one identifier (in one document Pandoc would have numbered
  the second heading's ``-1``) and a literal ``[text]`` naming a heading (an implicit heading
  reference to another part).

``citationNoteNum`` (Pandoc counts citations and notes through the document) is counted on
from the parts before, so that too is what one read of the whole body gives. Each part's
checks are worked out once, when it is read, and kept beside its AST. Tests compare the two
ways on the demo book and on books made to defeat each check.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

from report.errors import MonitorError
from report.render.book import stringify

# Each part read by its own pandoc.read in one process: no part sees another.
READ_SCRIPT = Path(__file__).resolve().parent / "filters" / "read_chapters.lua"

_DEFINITION = re.compile(r"^ {0,3}\[[^\]\n]+\]:", re.M)  # [label]: url, [^note]: text
# An example list item "(@) ..." starts a block: after a blank line or another list item (a
# line "(@sec-x) ..." inside a paragraph is a citation).
_EXAMPLE = re.compile(
    r"(?:\A|\n[ \t]*\n|\n[ \t]*(?:[-*+]|\d+[.)]|\(@[\w-]*\))[ \t][^\n]*\n)[ \t]*\(@[\w-]*\)\s"
)
_YAML_BLOCK = re.compile(r"^---[ \t]*$", re.M)
_CODE_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})", re.M)
_DIV_FENCE = re.compile(r"^ {0,3}(:{3,})[ \t]*(\S*)", re.M)
# Raw HTML that opens in one part and closes in another (a <div> around what follows).
_HTML_PAIRS = (
    (re.compile(r"<div\b", re.I), re.compile(r"</div\s*>", re.I)),
    (re.compile("<!--"), re.compile("-->")),
)


def _reads_alone(part: str) -> bool:
    """Whether nothing in ``part`` can change how another part reads (or be changed by one)."""
    if _DEFINITION.search(part) or _EXAMPLE.search(part) or _YAML_BLOCK.search(part):
        return False
    if any(len(opens.findall(part)) != len(closes.findall(part)) for opens, closes in _HTML_PAIRS):
        return False
    fence: str | None = None
    for m in _CODE_FENCE.finditer(part):
        mark = m.group(1)
        if fence is None:
            fence = mark
        elif mark[0] == fence[0] and len(mark) >= len(fence):
            fence = None
    if fence is not None:
        return False
    depth = 0
    for m in _DIV_FENCE.finditer(part):
        depth += 1 if m.group(2) else -1
        if depth < 0:
            return False
    return depth == 0


def _attr_id(node: dict) -> str | None:
    """The identifier of an element with attributes (Header, Div, Span, Figure, Table, ...)."""
    t, c = node.get("t"), node.get("c")
    if t == "Header":
        return c[1][0]
    if t in ("Div", "Span", "Figure", "Table", "CodeBlock", "Code", "Link", "Image"):
        attr = c[0]
        return attr[0] if isinstance(attr, list) and attr and isinstance(attr[0], str) else None
    return None


def _key(text: str) -> str:
    return " ".join(text.split()).lower()


def part_facts(blocks: list) -> dict:
    """What the checks across parts need of one part, found in one walk over it: its
    identifiers, its headings' and its literal [bracketed] texts, and how far it moves Pandoc's
    note counter (each citation outside a note and each note count one; a citation inside a
    note has the note's number)."""
    ids: list[str] = []
    headings: set[str] = set()
    bracketed: set[str] = set()
    cites: list[str] = []  # every citation's id, in document order (notes included)
    notes = 0

    def visit(node: Any, in_note: bool) -> None:
        nonlocal notes
        if isinstance(node, list):
            for value in node:
                if isinstance(value, (list, dict)):
                    visit(value, in_note)
            return
        t = node.get("t")
        ident = _attr_id(node)
        if ident:
            ids.append(ident)
        if t == "Note":
            notes += 1
            visit(node["c"], True)
            return
        if t == "Cite":
            cites.extend(citation["citationId"] for citation in node["c"][0])
            if not in_note:
                notes += 1
        elif t == "Header":
            headings.add(_key(stringify(node["c"][2])))
        elif t in ("Para", "Plain"):
            text = stringify(node["c"])
            if "[" in text:
                bracketed.update(_key(m) for m in re.findall(r"\[([^\[\]]*)\]", text))
        c = node.get("c")
        if isinstance(c, (list, dict)):
            visit(c, in_note)

    visit(blocks, False)
    return {
        "ids": ids,
        "headings": sorted(headings),
        "bracketed": sorted(bracketed),
        "notes": notes,
        "cites": cites,
    }


def _context_free(facts: list[dict]) -> bool:
    """The AST checks: identifiers unique; no literal [text] that is a heading's text."""
    ids = [i for f in facts for i in f["ids"]]
    headings = {h for f in facts for h in f["headings"]}
    bracketed = {b for f in facts for b in f["bracketed"]}
    return len(set(ids)) == len(ids) and not (headings & bracketed)


_NOTE_NUM = re.compile(r'"citationNoteNum":(\d+)')


def _shifted(ast_json: str, offset: int) -> str:
    """A part's AST with its note numbers counted on from the parts before it (in the JSON text,
    where an escaped quote inside a string can never match)."""
    if not offset:
        return ast_json
    return _NOTE_NUM.sub(lambda m: f'"citationNoteNum":{int(m.group(1)) + offset}', ast_json)


def _read_whole(body: str, pandoc: str) -> dict:
    from report.render.book import read_markdown_json

    return read_markdown_json(body, pandoc)


def read_body(parts: list[str], pandoc: str, root: Path | None) -> dict:
    """Pandoc's JSON AST of ``"\\n".join(parts)`` (``meta`` empty), reading only what changed."""
    return read_body_and_cites(parts, pandoc, root)[0]


def read_body_and_cites(parts: list[str], pandoc: str, root: Path | None) -> tuple[dict, list | None]:
    """:func:`read_body`, and the ids of each part's citations in order (kept with the part's
    reading, so the book's references are checked without walking the whole book again);
    None when the body was read whole."""
    body = "\n".join(parts)
    if root is None or not all(_reads_alone(p) for p in parts):
        return _read_whole(body, pandoc), None
    from report.cache import Cache, code_version, digest, file_hash
    from report.render.book import PANDOC_FROM
    from report.render.format_cache import tool_versions

    cache = Cache.of_project(root)
    code = [PANDOC_FROM, tool_versions(), code_version("render/chapter_ast.py"), file_hash(READ_SCRIPT)]
    keys = [digest("chapter-ast", part, code) for part in parts]
    texts: dict[int, str] = {}
    facts: dict[int, dict] = {}
    for n, key in enumerate(keys):
        entry = cache.get("chapter-ast", key)
        if entry is not None:
            texts[n] = entry.file("ast.json").read_text(encoding="utf-8")
            facts[n] = json.loads(entry.file("facts.json").read_text(encoding="utf-8"))
    missing = [n for n in range(len(parts)) if n not in texts]
    if missing:
        for n, text in zip(missing, _read_parts_alone([parts[n] for n in missing], pandoc), strict=True):
            doc = json.loads(text)
            if doc["meta"]:
                return _read_whole(body, pandoc), None  # metadata inside a chapter: Pandoc merges it
            texts[n], facts[n] = text, part_facts(doc["blocks"])
            cache.put("chapter-ast", keys[n], {"ast.json": text, "facts.json": json.dumps(facts[n])})
    if not _context_free([facts[n] for n in range(len(parts))]):
        return _read_whole(body, pandoc), None
    blocks: list = []
    offset = 0
    version = None
    for n in range(len(parts)):
        doc = json.loads(_shifted(texts[n], offset))
        blocks.extend(doc["blocks"])
        version = version or doc["pandoc-api-version"]
        offset += facts[n]["notes"]
    cites = [facts[n]["cites"] for n in range(len(parts))]
    return {"pandoc-api-version": version, "meta": {}, "blocks": blocks}, cites


# From this many chapters on (a book read for the first time) they are read by two Pandoc
# processes side by side, each about half of the text.
SPLIT_FROM = 6


def _read_parts_alone(parts: list[str], pandoc: str) -> list[str]:
    """Each part's AST as Pandoc's JSON text, each read as a document alone."""
    from concurrent.futures import ThreadPoolExecutor

    from report.render.book import PANDOC_FROM

    groups = [parts]
    if len(parts) >= SPLIT_FROM:
        sizes = [len(p) for p in parts]
        half = next(i for i in range(1, len(parts)) if sum(sizes[:i]) * 2 >= sum(sizes))
        groups = [parts[:half], parts[half:]]
    procs = [
        subprocess.Popen(
            [pandoc, "lua", str(READ_SCRIPT), PANDOC_FROM],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for _group in groups
    ]
    payloads = [json.dumps(group, ensure_ascii=False).encode("utf-8") for group in groups]
    with ThreadPoolExecutor(max_workers=len(procs)) as pool:  # each fed and read at once
        answers = list(pool.map(lambda job: job[0].communicate(job[1]), zip(procs, payloads, strict=True)))
    texts: list[str] = []
    problems = []
    for proc, (out, err) in zip(procs, answers, strict=True):
        if proc.returncode != 0:
            problems.append(err.decode("utf-8", "replace").strip())
        texts += out.decode("utf-8").split("\n")
    if problems:
        raise MonitorError(f"Pandoc could not read the chapters: {problems[0]}")
    if len(texts) != len(parts):
        raise MonitorError(f"Pandoc read {len(texts)} of the book's {len(parts)} chapters")
    return texts


__all__ = ["read_body", "read_body_and_cites", "part_facts"]
