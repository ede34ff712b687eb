"""The Typst of the book's body, chapter by chapter, with a cache.

Pandoc's Typst writer with the Lua filters (``monitor.lua``, ``typst.lua``) takes ~0.65 s for
the whole book, on every render after any edit, though an edit changes one chapter. So each
chapter's part of the body (its marker Div and blocks, as :func:`report.render.pandoc.read_book_once`
wrote them, cross-references applied) is written to Typst once and kept in the project cache,
keyed on that part's JSON, the render code, Pandoc's version and the project root (the filters
write image paths relative to it). Parts not seen before are written in one Pandoc run, each
after a marker line that splits the output again. The template is then filled by
:func:`report.render.pdf.write_typst` in a second, small run, with the joined parts as the body.

Why the joined parts are what one run over the whole body gives:

* the filters keep no state from one part to the next: the only one they had (which chapter
  opens the appendices) is now an attribute, ``appendix-start``, set here on that chapter's
  marker;
* the filters and the writer's body do not read the metadata (the parts are written without);
* Pandoc joins two blocks with a line break or a blank line, the larger of what the first
  wants after it and the second before it (doclayout's ``cr`` and ``blankline``). A marker is
  a raw block, which wants one line break after it and nothing before; its line is cut out
  exactly, and at each join the larger of the two sides' line breaks is kept (:func:`join`).

Tests compare the joined Typst with Pandoc's Typst of the whole body: the demo book cold, after
an edit of one chapter (one part written), and a book whose parts start and end with every kind
of block.
"""

from __future__ import annotations

import json
import re
import subprocess
import uuid
from pathlib import Path
from typing import Any

from report.cache import Cache, digest
from report.errors import MonitorError
from report.render.book import is_chapter_marker

APPENDIX_START = "appendix-start"  # on the marker of the first appendix; typst.lua reads it


def split_parts(blocks: list[dict]) -> list[list[dict]]:
    """The body cut before each chapter marker (what precedes the first marker is a part too)."""
    parts: list[list[dict]] = []
    for block in blocks:
        if is_chapter_marker(block) or not parts:
            parts.append([])
        parts[-1].append(block)
    return parts


def mark_appendix_start(blocks: list[dict]) -> list[dict]:
    """``blocks`` with the first appendix's marker given ``appendix-start="true"`` (a copy of
    that marker; ``blocks`` is not changed: the book as read once is shared by the formats):
    typst.lua opens the appendices there, without counting chapters through the document."""
    for i, block in enumerate(blocks):
        if is_chapter_marker(block):
            (ident, classes, attrs), content = block["c"]
            if dict(attrs).get("chapter-kind") == "appendix":
                if any(k == APPENDIX_START for k, _ in attrs):
                    return blocks
                marker = {**block, "c": [[ident, classes, [*attrs, [APPENDIX_START, "true"]]], content]}
                return [*blocks[:i], marker, *blocks[i + 1 :]]
    return blocks


def join(pieces: list[str]) -> str:
    """The Typst of consecutive parts as one body: at each join the larger of the two sides'
    line breaks (the earlier part's trailing ones, one more than the later part's leading ones:
    the marker's own line break stood before those)."""
    out = ""
    for piece in pieces:
        if not piece:
            continue
        if not out:
            out = piece
            continue
        before = len(out) - len(out.rstrip("\n"))
        after = len(piece) - len(piece.lstrip("\n"))
        out = out.rstrip("\n") + "\n" * max(before, after + 1) + piece.lstrip("\n")
    return out


def body_typst(book: Any, doc: dict, pandoc: str, args: list[str], env: dict[str, str]) -> str:
    """The Typst of ``doc``'s blocks (the book as read once) through ``args`` (reader, writer,
    filters): the cached parts and, in one Pandoc run, the others."""
    from report.render.format_cache import render_code, tool_versions

    parts = split_parts(mark_appendix_start(doc["blocks"]))
    cache = Cache.of_project(book.root)
    context = [render_code("pdf"), tool_versions(), args, book.root.as_posix()]
    texts = [json.dumps(part, ensure_ascii=False, separators=(",", ":")) for part in parts]
    keys = [digest("typst-part", text, context) for text in texts]
    pieces: list[str | None] = []
    for key in keys:
        entry = cache.get("typst-part", key)
        pieces.append(entry.file("part.typ").read_text(encoding="utf-8") if entry is not None else None)
    todo = [i for i, piece in enumerate(pieces) if piece is None]
    if todo:
        written = _write_parts(doc, [texts[i] for i in todo], pandoc, args, env, book.root)
        for i, piece in zip(todo, written, strict=True):
            pieces[i] = piece
            cache.put("typst-part", keys[i], {"part.typ": piece})
    return join([p for p in pieces if p is not None])


def _write_parts(
    doc: dict, texts: list[str], pandoc: str, args: list[str], env: dict[str, str], cwd: Path
) -> list[str]:
    """One Pandoc run over the parts (JSON texts), each after a marker line; their Typst."""
    nonce = uuid.uuid4().hex  # no text of the book can look like a marker
    marker = f"// monitor-part {nonce}"
    raw = json.dumps({"t": "RawBlock", "c": ["typst", marker]})
    blocks = ",".join(f"{raw},{text[1:-1]}" if text != "[]" else raw for text in texts)
    head = json.dumps(doc["pandoc-api-version"])
    source = f'{{"pandoc-api-version":{head},"meta":{{}},"blocks":[{blocks},{raw}]}}'
    proc = subprocess.run(
        [pandoc, "-", *args, "--wrap=preserve"],
        input=source.encode("utf-8"),
        capture_output=True,
        env=env,
        cwd=cwd,
        check=False,
    )
    if proc.returncode != 0:
        msg = proc.stderr.decode("utf-8", "replace").strip()
        raise MonitorError(f"Pandoc (typst) failed: {msg}")
    out = proc.stdout.decode("utf-8")
    pieces = re.split(rf"(?m)^{re.escape(marker)}(?:\n|\Z)", out)
    # before the first marker: nothing; after the last one: nothing
    if len(pieces) != len(texts) + 2 or pieces[0].strip() or pieces[-1].strip():
        raise MonitorError(
            f"Pandoc (typst): the chapters' Typst could not be told apart ({len(pieces) - 2} parts "
            f"for {len(texts)}); the book's text holds a line that Pandoc merged with a marker"
        )
    return pieces[1:-1]
