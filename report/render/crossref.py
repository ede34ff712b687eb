"""Cross-references for the embedded engine, applied to the book's Pandoc AST (JSON) in Python.

The numbers are computed in report/render/book.py (``Label``: kind, display, ref, number); this
module only applies them, once, to the AST every writer starts from (Quarto numbers itself):

* headings get a leading ``Span.header-section-number`` with their number ("3", "3.2",
  "Bijlage A", "A.1") and the attribute ``number``;
* figure and table captions get the prefix "Figuur 3.2: " / "Tabel 3.1: ";
* citations ``@fig-x``, ``@tbl-x``, ``@sec-x`` become links with the reference text ("Figuur 3.2",
  "paragraaf 3.2", "hoofdstuk 3", "bijlage A"); ``@Sec-x`` or a reference that starts a sentence
  is capitalised ("Hoofdstuk 3"). An unknown id is an error (book.py checks references first and
  names chapter and line);
* callouts (.callout-note, .callout-warning, ...) get the class "callout" and a title attribute
  (default "Kanttekeningen" / "Let op").

In Python rather than a Lua filter: the numbering pass has the AST in hand already, so the book
is not read by Pandoc a second time (about 0.5 s a render).
"""

from __future__ import annotations

import re
from typing import Any

from report.errors import MonitorError

CALLOUT_TITLES = {
    "callout-note": "Kanttekeningen",
    "callout-warning": "Let op",
    "callout-important": "Belangrijk",
    "callout-tip": "Tip",
    "callout-caution": "Let op",
}
_SENTENCE_END = re.compile(r"[.!?]$")
_CROSSREF_ID = re.compile(r"^(fig|tbl|sec)-")


def xref_table(labels: dict) -> dict[str, dict[str, str]]:
    """{id: {kind, ref, display?, number?}} from book.py's labels."""
    out: dict[str, dict[str, str]] = {}
    for lid, lab in labels.items():
        entry = {"kind": lab.kind, "ref": lab.ref}
        if lab.display:
            entry["display"] = lab.display
        if lab.number:
            entry["number"] = lab.number
        out[lid] = entry
    return out


def apply_crossrefs(doc: dict, xref: dict[str, dict[str, str]]) -> dict:
    """Number headings and captions, resolve references and title callouts in ``doc`` (in place)."""
    _Crossref(xref).run(doc["blocks"])
    return doc


def _words(text: str) -> list[dict]:
    out: list[dict] = []
    for i, w in enumerate(text.split()):
        if i:
            out.append({"t": "Space"})
        out.append({"t": "Str", "c": w})
    return out


def _lower_first(s: str) -> str:
    return s[0].lower() + s[1:] if s and "A" <= s[0] <= "Z" else s


def _capitalise(s: str) -> str:
    return s[0].upper() + s[1:] if s and "a" <= s[0] <= "z" else s


def _set_attr(attr: list, key: str, value: str) -> None:
    pairs = attr[2]
    for pair in pairs:
        if pair[0] == key:
            pair[1] = value
            return
    pairs.append([key, value])


class _Crossref:
    def __init__(self, xref: dict[str, dict[str, str]]):
        self.xref = xref

    def run(self, blocks: list) -> None:
        # One walk finds what the three steps change; then references at the top level of
        # paragraphs first (they know whether they start a sentence), then every other
        # reference, then headings, captions and callouts. (Three walks over the book's AST
        # were most of the time a render spent before its formats could start.)
        paragraphs, lists, marked = self._find(blocks)
        for node in paragraphs:
            self._paragraph(node)
        for inlines in lists:
            self._cites_in(inlines)
        for node in marked:
            self._block(node)

    @staticmethod
    def _find(blocks: list) -> tuple[list[dict], list[list], list[dict]]:
        """Paragraphs (Para, Plain) with a reference among their own inlines; every other list
        that holds a reference; headings, figures, tables and Divs."""
        paragraphs: list[dict] = []
        lists: list[list] = []
        marked: list[dict] = []
        stack: list[Any] = [blocks]
        push = stack.append
        while stack:
            node = stack.pop()
            if type(node) is list:
                cited = False
                for item in node:
                    if type(item) is dict:
                        if item.get("t") == "Cite":
                            cited = True
                        push(item)
                    elif type(item) is list:
                        push(item)
                if cited:
                    lists.append(node)
                continue
            t = node.get("t")
            content = node.get("c")
            if t == "Para" or t == "Plain":
                # its own inlines one by one: a Cite among them is the paragraph's step
                cited = False
                for item in content:
                    if item.get("t") == "Cite":
                        cited = True
                    push(item)
                if cited:
                    paragraphs.append(node)
                continue
            if t == "Header" or t == "Figure" or t == "Table" or t == "Div":
                marked.append(node)
            if type(content) is list or type(content) is dict:
                push(content)
        return paragraphs, lists, marked

    def _cites_in(self, node: list) -> None:
        """Replace the Cites of ``node`` that name a label (not at the top of a paragraph)."""
        i = 0
        while i < len(node):
            item = node[i]
            if isinstance(item, dict) and item.get("t") == "Cite":
                repl = self._cite(item, False)
                if repl is not None:
                    node[i : i + 1] = repl
                    i += len(repl)
                    continue
            i += 1

    # -- references ------------------------------------------------------------------------------
    def _lookup(self, cid: str) -> tuple[str | None, dict | None, bool]:
        e = self.xref.get(cid)
        if e is not None:
            return cid, e, False
        lower = _lower_first(cid)
        e = self.xref.get(lower)
        if e is not None:
            return lower, e, True
        return None, None, False

    def _cite(self, cite: dict, sentence_start: bool) -> list[dict] | None:
        citations = cite["c"][0]
        out: list[dict] = []
        for i, c in enumerate(citations):
            cid = c["citationId"]
            target, e, upper = self._lookup(cid)
            if e is None:
                if _CROSSREF_ID.match(_lower_first(cid)):
                    raise MonitorError(
                        f"Unknown cross-reference @{cid}: no figure, table or section has the label #{cid}"
                    )
                return None
            if i > 0:
                out += [{"t": "Str", "c": ";"}, {"t": "Space"}]
            prefix, suffix = c.get("citationPrefix") or [], c.get("citationSuffix") or []
            if prefix:
                out += prefix + [{"t": "Space"}]
            text = e["ref"]
            if upper or (i == 0 and sentence_start and not prefix):
                text = _capitalise(text)
            out.append({"t": "Link", "c": [["", ["quarto-xref"], []], _words(text), ["#" + target, ""]]})
            if suffix:
                out += suffix
        return out

    def _paragraph(self, node: dict) -> None:
        if node["t"] not in ("Para", "Plain"):
            return
        inlines = node["c"]
        if not any(isinstance(x, dict) and x.get("t") == "Cite" for x in inlines):
            return
        out: list[dict] = []
        for i, inl in enumerate(inlines):
            if inl.get("t") == "Cite":
                j = i - 1
                while j >= 0 and inlines[j].get("t") in ("Space", "SoftBreak"):
                    j -= 1
                before = inlines[j] if j >= 0 else None
                start = before is None or (
                    before.get("t") == "Str" and _SENTENCE_END.search(before["c"]) is not None
                )
                repl = self._cite(inl, start)
                out += repl if repl is not None else [inl]
            else:
                out.append(inl)
        node["c"] = out

    # -- headings, captions, callouts ------------------------------------------------------------
    def _block(self, node: dict) -> None:
        t = node["t"]
        if t == "Header":
            _level, attr, content = node["c"]
            e = self.xref.get(attr[0])
            if e is not None and "display" in e:
                number = {"t": "Span", "c": [["", ["header-section-number"], []], _words(e["display"])]}
                node["c"][2] = [number, {"t": "Space"}] + content
                _set_attr(attr, "number", e.get("number", e["display"]))
        elif t in ("Figure", "Table"):
            e = self.xref.get(node["c"][0][0])
            if e is not None and e.get("display"):
                node["c"][1] = _prefix_caption(node["c"][1], e["display"])
        elif t == "Div":
            attr = node["c"][0]
            classes = attr[1]
            for cls in classes:
                if cls in CALLOUT_TITLES:
                    if "callout" not in classes:
                        classes.insert(0, "callout")
                    current = next((v for k, v in attr[2] if k == "title"), "")
                    if current == "":
                        _set_attr(attr, "title", CALLOUT_TITLES[cls])
                    break


def _prefix_caption(caption: list, display: str) -> list:
    short, long = caption
    prefix = _words(display + ":") + [{"t": "Space"}]
    if not long:
        long = [{"t": "Plain", "c": prefix}]
    elif long[0]["t"] in ("Plain", "Para"):
        long[0]["c"] = prefix + long[0]["c"]
    else:
        long.insert(0, {"t": "Plain", "c": prefix})
    return [short, long]
