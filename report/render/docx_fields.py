"""DOCX as Word users expect it: tables sized to their content, numbering and reference fields.

Called from :func:`report.render.docx.postprocess_docx` for the final report and the draft.

* **Tables** — Pandoc gives every column the same width (a 9-column table: 9 × 1,6 cm, so
  "Indicator" breaks as "Indicat|or"). Here each column is measured: at least its longest
  word (never broken inside a word), at most what its longest cell needs, the rest of the
  text width shared in proportion, the first column (the row labels) weighted more. Fixed
  layout, so Word and LibreOffice keep the widths; header rows repeat on every page; a row is
  not split over two pages. When even the longest words do not fit, the table's text is set
  one size smaller first.
* **Captions** — "Figuur 2.1" / "Tabel A.1" get a real ``SEQ`` field for their number within
  the chapter (``SEQ Figuur \\s 1``: restarts at every Heading 1, and ``\\r 1`` at a chapter's
  first one, which LibreOffice needs; the chapter part stays text, since the chapter numbers
  are text, not Word list numbering). Word's "Update fields"
  and "Insert table of figures" (``TOC \\c "Figuur"``) work on them.
* **Cross references** — "Figuur 2.1" in the text, which Pandoc writes as a hyperlink to the
  figure's bookmark, becomes a ``REF`` field to a bookmark around the caption's label and
  number (``\\h``: still a link), so it follows when Word renumbers. References to chapters
  and sections stay hyperlinks (their numbers are text in the heading).
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from docx.oxml import OxmlElement
from docx.oxml.ns import qn

CAPTION_STYLES = {"ImageCaption": "Figuur", "TableCaption": "Tabel", "Caption": None}
_LABEL = re.compile(r"^(Figuur|Tabel)\s+((?:[A-Z]|\d+)\.)?(\d+)(.*)$", re.S)

# Verdana advance widths (em) — the DOCX names Verdana; a rough measure is enough to keep
# words whole and give each column what it needs.
_NARROW = dict.fromkeys("ijlI.,:;'!|", 0.30) | dict.fromkeys("ftr()[]-/ ", 0.40)
_WIDE = dict.fromkeys("mwMW%", 0.92)
_DIGIT = 0.64
_UPPER = 0.72
_LOWER = 0.61


def _em(text: str) -> float:
    total = 0.0
    for ch in text:
        if ch in _NARROW:
            total += _NARROW[ch]
        elif ch in _WIDE:
            total += _WIDE[ch]
        elif ch.isdigit():
            total += _DIGIT
        elif ch.isupper():
            total += _UPPER
        else:
            total += _LOWER
    return total


def text_width_twips(text: str, size_pt: float, bold: bool = False) -> int:
    return _twips(_em(text), size_pt, bold)


def _twips(em: float, size_pt: float, bold: bool) -> int:
    # bold Verdana is about 15 % wider; 5 % spare for the font a reader may have instead (DejaVu)
    return int(em * size_pt * 20 * (1.15 if bold else 1.0) * 1.05) + 1


def complete_fields(doc: Any, text_width: int, table_pt: float) -> None:
    """Tables sized to content, SEQ fields in captions, REF fields for figure/table references."""
    body = doc.element.body
    for tbl in list(body.iter(qn("w:tbl"))):
        size_table(tbl, text_width, table_pt)
    bookmarks = caption_fields(body)
    reference_fields(body, bookmarks)


# --- tables --------------------------------------------------------------------------------


_W_T, _W_P = qn("w:t"), qn("w:p")


def _cell_text(tc: Any) -> list[str]:
    return ["".join(t.text or "" for t in p.iter(_W_T)) for p in tc.iter(_W_P)]


def _span(tc: Any) -> int:
    span = tc.find(f"{qn('w:tcPr')}/{qn('w:gridSpan')}")
    return int(span.get(qn("w:val"))) if span is not None else 1


def size_table(tbl: Any, text_width: int, size_pt: float) -> None:
    if next(tbl.iterdescendants(qn("w:tbl"), qn("w:drawing")), None) is not None:
        return  # nested or layout tables are left alone
    grid = tbl.find(qn("w:tblGrid"))
    if grid is None:
        return
    cols = grid.findall(qn("w:gridCol"))
    n = len(cols)
    rows = tbl.findall(qn("w:tr"))
    if not n or not rows:
        return
    header_rows = [r for r in rows if r.find(f"{qn('w:trPr')}/{qn('w:tblHeader')}") is not None] or rows[:1]
    margin = 85  # left and right cell margin of the table style

    # Each cell line once, as (column, bold, em of its longest word, em of the line): widths at
    # any size follow from these (the widest word in em is the widest in twips too).
    lines = []
    for r in rows:
        bold = r in header_rows
        col = 0
        for tc in r.findall(qn("w:tc")):
            span = _span(tc)
            if span == 1 and col < n:
                for line in _cell_text(tc):
                    # a line may break after a slash or hyphen ("Straatprijzen/consumentenprijzen")
                    words = re.findall(r"[^\s/\-\u200b]+[/\-]?", line)
                    lines.append((col, bold, max(map(_em, words)) if words else None, _em(line)))
            col += span

    def measure(pt: float) -> tuple[list[int], list[int]]:
        pad = 2 * margin + 20  # cell margins and a little air
        word = [0] * n
        need = [0] * n
        for col, bold, longest, whole in lines:
            if longest is not None:
                word[col] = max(word[col], _twips(longest, pt, bold))
            need[col] = max(need[col], _twips(whole, pt, bold))
        low = [w + pad for w in word]
        # a long cell wraps at about 40 characters rather than taking the page
        high = [max(lo, min(nd, int(40 * 0.6 * pt * 20)) + pad) for lo, nd in zip(low, need, strict=True)]
        return low, high

    pt = size_pt
    low, high = measure(pt)
    for smaller in (size_pt - 1, size_pt - 2, size_pt - 2.5):
        if sum(low) <= text_width or smaller < 7:
            break
        pt = smaller  # a size smaller (down to 7 pt) before any word would have to break
        low, high = measure(pt)
    if sum(low) > text_width:
        margin = 40  # still too wide at 7 pt: narrower cell margins for this table
        low, high = measure(pt)
        _cell_margins(tbl, margin)
    if pt != size_pt:
        _table_font(tbl, pt)
    label = _label_column(rows, header_rows, n)
    if sum(high) <= text_width:
        widths = high
        if n >= 4 and sum(widths) > 0.7 * text_width:
            widths = _share(low, high, text_width, label, fill=True)
    elif sum(low) <= text_width:
        widths = _share(low, high, text_width, label)
    else:
        widths = _cap_widest(low, text_width)  # only the longest words can break
    _allow_breaks_after_slashes(tbl)
    _write_widths(tbl, cols, rows, widths)
    for r in rows:
        trpr = r.find(qn("w:trPr"))
        if trpr is None:
            trpr = OxmlElement("w:trPr")
            r.insert(0, trpr)
        if trpr.find(qn("w:cantSplit")) is None:
            trpr.insert(0, OxmlElement("w:cantSplit"))
        if r in header_rows and trpr.find(qn("w:tblHeader")) is None:
            trpr.append(OxmlElement("w:tblHeader"))


def _cap_widest(low: list[int], total: int) -> list[int]:
    """Lower the widest columns to one common cap until the table fits; narrow ones keep
    their minimum (so a year or a number never breaks)."""
    lo, hi = 0, max(low)
    while hi - lo > 1:
        cap = (lo + hi) // 2
        if sum(min(w, cap) for w in low) > total:
            hi = cap
        else:
            lo = cap
    return [min(w, lo) for w in low]


def _allow_breaks_after_slashes(tbl: Any) -> None:
    """A zero-width space after a slash inside a long word: Word, unlike LibreOffice, does not
    break a line after "/" by itself (the review reader drops the character again)."""
    for t in tbl.iter(qn("w:t")):
        if t.text and "/" in t.text:
            t.text = re.sub(r"(?<=\w)/(?=\w{4,})", "/\u200b", t.text)


def _label_column(rows: list, header_rows: list, n: int) -> int:
    """The first column that holds words, not only numbers: the row labels."""
    numeric = re.compile(r"^[\s\d.,*%+\-–−€x]*$")
    for col in range(n):
        cells = []
        for r in rows:
            if r in header_rows:
                continue
            tcs = r.findall(qn("w:tc"))
            if col < len(tcs):
                cells.append(" ".join(_cell_text(tcs[col])))
        if any(not numeric.match(c) for c in cells):
            return col
    return 0


def _share(low: list[int], high: list[int], total: int, label: int = 0, fill: bool = False) -> list[int]:
    """Each column its minimum, the rest in proportion to what it still wants; the first
    text column (row labels) weighted double, so it is the wider one."""
    want = [(h - lo) * (2 if i == label else 1) for i, (lo, h) in enumerate(zip(low, high, strict=True))]
    room = total - sum(low)
    if sum(want) <= 0:
        return low
    widths = [lo + int(room * w / sum(want)) for lo, w in zip(low, want, strict=True)]
    if not fill:
        widths = [
            min(w, max(h, lo)) if i != label else w
            for i, (w, lo, h) in enumerate(zip(widths, low, high, strict=True))
        ]
    return widths


def _cell_margins(tbl: Any, twips: int) -> None:
    tblpr = tbl.find(qn("w:tblPr"))
    mar = tblpr.find(qn("w:tblCellMar"))
    if mar is None:
        mar = OxmlElement("w:tblCellMar")
        look = tblpr.find(qn("w:tblLook"))
        if look is not None:
            look.addprevious(mar)
        else:
            tblpr.append(mar)
    for side in ("left", "right"):
        el = mar.find(qn(f"w:{side}"))
        if el is None:
            el = OxmlElement(f"w:{side}")
            mar.append(el)
        el.set(qn("w:w"), str(twips))
        el.set(qn("w:type"), "dxa")


_AFTER_SZ = {
    qn(f"w:{t}")
    for t in (
        "highlight", "u", "effect", "bdr", "shd", "fitText", "vertAlign", "rtl", "cs", "em", "lang",
        "eastAsianLayout", "specVanish", "oMath", "rPrChange",
    )
}  # fmt: skip


def _table_font(tbl: Any, pt: float) -> None:
    for r in tbl.iter(qn("w:r")):
        rpr = r.find(qn("w:rPr"))
        if rpr is None:
            rpr = OxmlElement("w:rPr")
            r.insert(0, rpr)
        for tag in ("w:sz", "w:szCs"):
            el = rpr.find(qn(tag))
            if el is None:
                el = OxmlElement(tag)
                # CT_RPr order: sz and szCs come before highlight, u, …, lang (Word is strict)
                later = next(
                    (c for c in rpr if c.tag in _AFTER_SZ or (tag == "w:sz" and c.tag == qn("w:szCs"))), None
                )
                if later is not None:
                    later.addprevious(el)
                else:
                    rpr.append(el)
            el.set(qn("w:val"), str(int(pt * 2)))


def _write_widths(tbl: Any, cols: list, rows: list, widths: list[int]) -> None:
    tblpr = tbl.find(qn("w:tblPr"))
    tblw = tblpr.find(qn("w:tblW"))
    if tblw is None:
        tblw = OxmlElement("w:tblW")
        tblpr.append(tblw)
    tblw.set(qn("w:type"), "dxa")
    tblw.set(qn("w:w"), str(sum(widths)))
    layout = tblpr.find(qn("w:tblLayout"))
    if layout is None:
        layout = OxmlElement("w:tblLayout")
        # CT_TblPr order: ... tblW, jc, tblCellSpacing, tblInd, tblBorders, shd, tblLayout, ...
        look = tblpr.find(qn("w:tblLook"))
        margins = tblpr.find(qn("w:tblCellMar"))
        anchor = margins if margins is not None else look
        if anchor is not None:
            anchor.addprevious(layout)
        else:
            tblpr.append(layout)
    layout.set(qn("w:type"), "fixed")
    for col, w in zip(cols, widths, strict=True):
        col.set(qn("w:w"), str(w))
    for r in rows:
        i = 0
        for tc in r.findall(qn("w:tc")):
            span = _span(tc)
            w = sum(widths[i : i + span])
            i += span
            tcpr = tc.find(qn("w:tcPr"))
            if tcpr is None:
                tcpr = OxmlElement("w:tcPr")
                tc.insert(0, tcpr)
            tcw = tcpr.find(qn("w:tcW"))
            if tcw is None:
                tcw = OxmlElement("w:tcW")
                tcpr.insert(0, tcw)
            tcw.set(qn("w:type"), "dxa")
            tcw.set(qn("w:w"), str(w))


# --- captions and references -------------------------------------------------------------


def _bookmark_name(label_id: str) -> str:
    """A Word bookmark name (letters, digits, _; at most 40; "_" first: hidden in Word's list)."""
    clean = re.sub(r"[^A-Za-z0-9_]", "_", label_id)
    name = f"_Ref_{clean}"
    if len(name) > 40:
        name = f"_Ref_{clean[:26]}_{hashlib.sha1(label_id.encode()).hexdigest()[:8]}"
    return name


def _field(instruction: str, result_runs: list) -> list:
    def run(child):
        r = OxmlElement("w:r")
        r.append(child)
        return r

    begin = OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = f" {instruction} "
    sep = OxmlElement("w:fldChar")
    sep.set(qn("w:fldCharType"), "separate")
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    return [run(begin), run(instr), run(sep), *result_runs, run(end)]


def _text_run(template_run: Any, text: str) -> Any:
    r = OxmlElement("w:r")
    rpr = template_run.find(qn("w:rPr"))
    if rpr is not None:
        import copy

        r.append(copy.deepcopy(rpr))
    t = OxmlElement("w:t")
    t.set(qn("xml:space"), "preserve")
    t.text = text
    r.append(t)
    return r


def caption_fields(body: Any) -> dict[str, str]:
    """Put a SEQ field into each numbered caption; return figure/table id → caption bookmark."""
    names: dict[str, str] = {}
    seen: set[tuple[str, str]] = set()
    next_id = 1 + max(
        (
            int(b.get(qn("w:id")))
            for b in body.iter(qn("w:bookmarkStart"))
            if (b.get(qn("w:id")) or "").isdigit()
        ),
        default=0,
    )
    for start in list(body.iter(qn("w:bookmarkStart"))):
        label_id = start.get(qn("w:name")) or ""
        # fig-/tbl- ids; Pandoc writes ids longer than 40 characters as "X<sha1>" (its
        # hyperlinks use the same name)
        if not (label_id.startswith(("fig-", "tbl-")) or re.fullmatch(r"X[0-9a-f]{39,40}", label_id)):
            continue
        caption = _caption_after(start)
        if caption is None:
            continue
        first_t = next((t for t in caption.iter(qn("w:t")) if (t.text or "").strip()), None)
        if first_t is None or first_t.getparent().getparent() is not caption:
            continue
        m = _LABEL.match(first_t.text)
        if not m or caption.xpath(".//w:instrText[contains(., 'SEQ')]"):
            continue
        kind, prefix, number, rest = m.group(1), m.group(2) or "", m.group(3), m.group(4)
        run = first_t.getparent()
        # restart at the chapter's first figure/table: "\\r 1" (LibreOffice ignores "\\s 1",
        # the restart at each Heading 1, and would count on through the book); Word knows both
        first = (kind, prefix) not in seen
        seen.add((kind, prefix))
        instruction = (
            f"SEQ {kind} \\* ARABIC" + (" \\s 1" if prefix else "") + (" \\r 1" if first and prefix else "")
        )
        name = _bookmark_name(label_id)
        bm_start = OxmlElement("w:bookmarkStart")
        bm_start.set(qn("w:id"), str(next_id))
        bm_start.set(qn("w:name"), name)
        bm_end = OxmlElement("w:bookmarkEnd")
        bm_end.set(qn("w:id"), str(next_id))
        next_id += 1
        new = [
            bm_start,
            _text_run(run, f"{kind} {prefix}"),
            *_field(instruction, [_text_run(run, number)]),
            bm_end,
        ]
        if rest:
            new.append(_text_run(run, rest))
        for el in new:
            run.addprevious(el)
        run.getparent().remove(run)
        names[label_id] = name
    return names


def _caption_after(start: Any) -> Any:
    """The first caption paragraph at or after a figure/table bookmark (before its end)."""
    bid = start.get(qn("w:id"))
    el = start
    for _ in range(40):
        el = el.getnext()
        if el is None:
            return None
        if el.tag == qn("w:bookmarkEnd") and el.get(qn("w:id")) == bid:
            return None
        if el.tag == qn("w:p"):
            style = el.xpath("string(./w:pPr/w:pStyle/@w:val)")
            if style in CAPTION_STYLES:
                return el
    return None


def reference_fields(body: Any, bookmarks: dict[str, str]) -> None:
    """Hyperlinks to a figure or table ("Figuur 2.1") → REF fields to its caption bookmark."""
    for link in list(body.iter(qn("w:hyperlink"))):
        target = link.get(qn("w:anchor")) or ""
        name = bookmarks.get(target)
        if name is None:
            continue
        runs = link.findall(qn("w:r"))
        if not runs or not _LABEL.match("".join(link.xpath(".//w:t/text()"))):
            continue
        field = _field(f"REF {name} \\h", runs)
        for el in field:
            link.addprevious(el)
        link.getparent().remove(link)
