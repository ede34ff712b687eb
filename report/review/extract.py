"""What reviewers did in a DOCX: comments (with replies and resolved state) and tracked changes.

Read straight from the WordprocessingML, since Pandoc and python-docx lose replies and the
resolved state (``commentsExtended.xml``: ``w15:paraIdParent``, ``w15:done``) and comments
without a range. Every comment and change is tied to the nearest source anchor (bookmark
``src_N`` of the draft) at or before it, so it knows its source file and line range.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lxml import etree

from report.render.anchors import ANCHOR_PREFIX
from report.review.package import NS, ReviewedDocx


def _q(tag: str) -> str:
    prefix, local = tag.split(":")
    return f"{{{NS[prefix]}}}{local}"


_P, _T, _DELTEXT, _TAB, _BR = _q("w:p"), _q("w:t"), _q("w:delText"), _q("w:tab"), _q("w:br")
_INS, _DEL, _MOVETO, _MOVEFROM = _q("w:ins"), _q("w:del"), _q("w:moveTo"), _q("w:moveFrom")
_RPR, _RPRCHANGE, _PPRCHANGE = _q("w:rPr"), _q("w:rPrChange"), _q("w:pPrChange")
_BMSTART = _q("w:bookmarkStart")
_CSTART, _CEND, _CREF = _q("w:commentRangeStart"), _q("w:commentRangeEnd"), _q("w:commentReference")
_TC = _q("w:tc")
_ID, _AUTHOR, _DATE, _NAME = _q("w:id"), _q("w:author"), _q("w:date"), _q("w:name")


@dataclass
class Paragraph:
    index: int
    anchor: int | None  # number of the src_ bookmark in or before it
    headings: list[str]
    style: str
    in_table: bool
    own_anchor: bool = False  # the bookmark is in this paragraph (else: inherited from before)
    segments: list[tuple[str, str, dict]] = field(default_factory=list)  # (normal|ins|del, text, info)

    @property
    def old_text(self) -> str:
        return "".join(t for k, t, _ in self.segments if k != "ins")

    @property
    def new_text(self) -> str:
        return "".join(t for k, t, _ in self.segments if k != "del")


@dataclass
class Comment:
    id: str
    author: str
    date: str
    text: str
    para_id: str | None = None
    parent: str | None = None  # id of the comment this one replies to
    resolved: bool = False
    durable_id: str = ""  # commentsIds.xml: the same in every copy of the file (Word 2016+)
    anchored: str = ""
    anchored_first: str = ""  # the anchored text in its first paragraph
    start_para: int | None = None
    end_para: int | None = None
    replies: list[Comment] = field(default_factory=list)


@dataclass
class Change:
    kind: str  # insertion, deletion, replacement, formatting
    author: str
    date: str
    paragraph: int
    old: str
    new: str
    left: str  # the paragraph's original text before the change
    right: str  # and after it


@dataclass
class Extracted:
    paragraphs: list[Paragraph]
    comments: list[Comment]  # top-level comments, replies threaded under them
    changes: list[Change]


def _style(p: etree._Element) -> str:
    val = p.find("w:pPr/w:pStyle", NS)
    return val.get(_q("w:val"), "") if val is not None else ""


def _heading_level(style: str) -> int | None:
    low = style.lower().replace(" ", "")
    for prefix in ("heading", "kop"):
        if low.startswith(prefix) and low[len(prefix) :].isdigit():
            return int(low[len(prefix) :])
    return None


def extract(doc: ReviewedDocx) -> Extracted:
    body = doc.parts["word/document.xml"].find("w:body", NS)
    paragraphs: list[Paragraph] = []
    comments = _read_comments(doc)
    open_ranges: dict[str, list[str]] = {}
    headings: list[str] = []
    last_anchor: int | None = None
    para: Paragraph | None = None
    change_stack: list[tuple[str, dict]] = []
    format_changes: list[Change] = []

    def add_text(text: str) -> None:
        if para is None:
            return
        kind, info = change_stack[-1] if change_stack else ("normal", {})
        para.segments.append((kind, text, info))
        for parts in open_ranges.values():
            parts.append(text)

    # the body, then the footnotes (their text has anchors too; comments and changes in them)
    footnotes = doc.parts.get("word/footnotes.xml")
    events = etree.iterwalk(body, events=("start", "end"))
    if footnotes is not None:
        import itertools

        events = itertools.chain(events, _footnote_events(footnotes))
    for event, el in events:
        if event == "footnotes":  # entering the footnotes: their heading path is the note's
            headings[:] = ["(voetnoot)"]
            continue
        tag = el.tag
        if event == "start":
            if tag == _P:
                para = Paragraph(
                    len(paragraphs),
                    last_anchor,
                    list(headings),
                    _style(el),
                    any(a.tag == _TC for a in el.iterancestors()),
                )
                paragraphs.append(para)
            elif tag == _BMSTART:
                name = el.get(_NAME) or ""
                if name.startswith(ANCHOR_PREFIX) and name[len(ANCHOR_PREFIX) :].isdigit():
                    last_anchor = int(name[len(ANCHOR_PREFIX) :])
                    if para is not None and (not para.own_anchor or not para.segments):
                        para.anchor = last_anchor
                        para.own_anchor = True
            elif tag in (_INS, _DEL, _MOVETO, _MOVEFROM) and el.getparent().tag != _RPR:
                kind = "ins" if tag in (_INS, _MOVETO) else "del"
                change_stack.append((kind, {"author": el.get(_AUTHOR, ""), "date": el.get(_DATE, "")}))
            elif tag in (_T, _DELTEXT):
                add_text((el.text or "").replace("\u200b", ""))  # the draft's break hints in tables
            elif tag in (_TAB, _BR) and el.getparent().tag != _q("w:tabs"):
                add_text(" ")
            elif tag == _CSTART:
                open_ranges[el.get(_ID)] = []
                c = comments.get(el.get(_ID))
                if c is not None and para is not None:
                    c.start_para = para.index
            elif tag == _CEND:
                cid = el.get(_ID)
                parts = open_ranges.pop(cid, None)
                c = comments.get(cid)
                if c is not None and parts is not None:
                    pieces = [" ".join(x.split()) for x in "".join(parts).split("\n")]
                    c.anchored = " ".join(x for x in pieces if x)
                    c.anchored_first = next((x for x in pieces if x), "")
                    c.end_para = para.index if para is not None else c.start_para
            elif tag == _CREF:
                c = comments.get(el.get(_ID))
                if c is not None and c.start_para is None and para is not None:
                    c.start_para = c.end_para = para.index  # a comment without a range
            elif tag in (_RPRCHANGE, _PPRCHANGE) and para is not None:
                if tag == _RPRCHANGE:
                    run = el.getparent().getparent()
                    text = "".join(run.xpath(".//w:t/text()", namespaces=NS))
                else:
                    text = "".join(el.getparent().getparent().xpath(".//w:t/text()", namespaces=NS))
                format_changes.append(
                    Change(
                        "formatting", el.get(_AUTHOR, ""), el.get(_DATE, ""), para.index, text, text, "", ""
                    )
                )
        else:
            if tag in (_INS, _DEL, _MOVETO, _MOVEFROM) and el.getparent().tag != _RPR and change_stack:
                change_stack.pop()
            elif tag == _P and para is not None:
                for parts in open_ranges.values():
                    parts.append("\n")
                level = _heading_level(para.style)
                if level is not None:
                    del headings[level - 1 :]
                    headings.extend([""] * (level - 1 - len(headings)))
                    headings.append(" ".join(para.new_text.split()))
                # a paragraph inside a table cell belongs to the enclosing paragraph context
                para = None
    changes = _group_changes(paragraphs) + format_changes
    changes.sort(key=lambda c: (c.paragraph, c.kind == "formatting"))
    top = _thread(comments)
    return Extracted(paragraphs, top, changes)


def _footnote_events(root: etree._Element):
    yield "footnotes", None
    for note in root.findall("w:footnote", NS):
        if note.get(_q("w:type")) in ("separator", "continuationSeparator", "continuationNotice"):
            continue
        yield from etree.iterwalk(note, events=("start", "end"))


def _read_comments(doc: ReviewedDocx) -> dict[str, Comment]:
    root = doc.parts.get("word/comments.xml")
    out: dict[str, Comment] = {}
    if root is None:
        return out
    for c in root.findall("w:comment", NS):
        paras = c.findall(".//w:p", NS)
        text = "\n".join("".join(p.xpath(".//w:t/text()", namespaces=NS)) for p in paras).strip()
        para_id = paras[-1].get(_q("w14:paraId")) if paras else None
        out[c.get(_ID)] = Comment(c.get(_ID), c.get(_AUTHOR, ""), c.get(_DATE, ""), text, para_id)
    ext = doc.parts.get("word/commentsExtended.xml")
    if ext is not None:
        by_para = {c.para_id: c for c in out.values() if c.para_id}
        for ex in ext.findall("w15:commentEx", NS):
            c = by_para.get(ex.get(_q("w15:paraId")))
            if c is None:
                continue
            c.resolved = ex.get(_q("w15:done")) in ("1", "true", "on")
            parent = by_para.get(ex.get(_q("w15:paraIdParent")))
            if parent is not None and parent is not c:
                c.parent = parent.id
    _durable_ids(doc, out)
    return out


def _durable_ids(doc: ReviewedDocx, comments: dict[str, Comment]) -> None:
    ids = doc.parts.get("word/commentsIds.xml")
    if ids is None:
        return
    by_para = {c.para_id: c for c in comments.values() if c.para_id}
    for el in ids.findall("w16cid:commentId", NS):
        c = by_para.get(el.get(_q("w16cid:paraId")))
        if c is not None:
            c.durable_id = el.get(_q("w16cid:durableId"), "")


def _thread(comments: dict[str, Comment]) -> list[Comment]:
    top = []
    for c in comments.values():
        if c.parent and c.parent in comments:
            root = comments[c.parent]
            while root.parent and root.parent in comments and root.parent != root.id:
                root = comments[root.parent]
            root.replies.append(c)
        else:
            top.append(c)
    for c in top:
        c.replies.sort(key=lambda r: (r.date, int(r.id) if r.id.isdigit() else 0))
    return top


def _group_changes(paragraphs: list[Paragraph]) -> list[Change]:
    """Adjacent deletions and insertions form one change (a deletion then an insertion: a
    replacement, as Word and LibreOffice write an overtyped word)."""
    out: list[Change] = []
    for p in paragraphs:
        segs = p.segments
        i = 0
        while i < len(segs):
            if segs[i][0] == "normal":
                i += 1
                continue
            j = i
            while j < len(segs) and segs[j][0] != "normal":
                j += 1
            group = segs[i:j]
            old = "".join(t for k, t, _ in group if k == "del")
            new = "".join(t for k, t, _ in group if k == "ins")
            left = "".join(t for k, t, _ in segs[:i] if k != "ins")
            right = "".join(t for k, t, _ in segs[j:] if k != "ins")
            kind = "replacement" if old and new else ("insertion" if new else "deletion")
            info = group[0][2]
            if old or new:
                out.append(
                    Change(kind, info.get("author", ""), info.get("date", ""), p.index, old, new, left, right)
                )
            i = j
    return out
