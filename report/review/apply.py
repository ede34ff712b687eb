"""``monitor review apply``: the reviewers' tracked changes in chapter prose as a patch.

Each change of a chapter's prose becomes an edit of its ``.qmd`` at the place the draft's
anchor points to (or, when the chapter changed since the draft, where the paragraph is found
again with enough confidence). The result is a unified diff (``git apply`` reads it) that the
editor reviews; files are written only when asked (``write=True``). Changes inside generated
text cannot go into a chapter: they are listed with the template that writes the text.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path

from report.review.collect import Item, Review
from report.review.locate import MIN_CONFIDENCE, find_fragment

CONTEXT_LINES = 1  # small context: changes a few lines apart still get a hunk each


@dataclass
class Edit:
    item: Item
    file: str
    start: int  # character offsets in the current file text
    end: int
    new: str


@dataclass
class Plan:
    patch: str
    edits: list[Edit]
    generated: list[Item] = field(default_factory=list)  # change the template or the data
    skipped: list[tuple[Item, str]] = field(default_factory=list)  # with the reason
    new_texts: dict[str, str] = field(default_factory=dict)


def plan(root: Path, review: Review) -> Plan:
    edits: list[Edit] = []
    generated: list[Item] = []
    skipped: list[tuple[Item, str]] = []
    texts: dict[str, str] = {}
    for item in review.items:
        if item.kind not in ("insertion", "deletion", "replacement"):
            continue
        loc = item.location
        if loc.generated:
            generated.append(item)
            continue
        if loc.file.startswith("(") or not loc.file.endswith(".qmd"):
            skipped.append((item, f"{loc.file}: not a chapter file"))
            continue
        if loc.confidence < MIN_CONFIDENCE:
            skipped.append((item, loc.note or "no sure match in the chapter"))
            continue
        if loc.file not in texts:
            texts[loc.file] = (root / loc.file).read_text(encoding="utf-8")
        text = texts[loc.file]
        lines = text.split("\n")
        first, last = loc.block
        offset = sum(len(x) + 1 for x in lines[: first - 1])
        block = "\n".join(lines[first - 1 : last])
        span = find_fragment(block, item.left, item.old, item.right)
        if span is None:
            skipped.append(
                (
                    item,
                    f"{loc.file}:{first}–{last}: the text around the change was not found as written in the "
                    "source (markup, a cross reference or a {{< var >}} number); change it by hand",
                )
            )
            continue
        edits.append(Edit(item, loc.file, offset + span[0], offset + span[1], item.new))
    new_texts: dict[str, str] = {}
    patch_parts: list[str] = []
    for rel in sorted(texts):
        old = texts[rel]
        new = old
        file_edits = sorted((e for e in edits if e.file == rel), key=lambda e: e.start, reverse=True)
        last_start = None
        for e in file_edits:
            if last_start is not None and e.end > last_start:
                skipped.append((e.item, f"{rel}: overlaps another change; change it by hand"))
                edits.remove(e)
                continue
            new = new[: e.start] + e.new + new[e.end :]
            last_start = e.start
        if new == old:
            continue
        new_texts[rel] = new
        diff = difflib.unified_diff(
            old.splitlines(keepends=True),
            new.splitlines(keepends=True),
            fromfile=f"a/{rel}",
            tofile=f"b/{rel}",
            n=CONTEXT_LINES,
        )
        patch_parts.append(f"diff --git a/{rel} b/{rel}\n" + "".join(diff))
    return Plan("".join(patch_parts), edits, generated, skipped, new_texts)


def write(root: Path, p: Plan) -> list[Path]:
    """Apply the plan to the chapter files (only with ``--write``)."""
    import os

    written = []
    for rel, text in p.new_texts.items():
        path = root / rel
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
        written.append(path)
    return written
