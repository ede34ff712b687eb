"""DOCX output: the reference document (styles) and the post-processing of Pandoc's/Quarto's DOCX.

Two entry points, called by the render orchestrator:

- :func:`write_reference_docx` writes the Pandoc reference document (page size, margins, footer
  with page numbers and all paragraph/table styles in the house style). It starts from Pandoc's
  own default reference document, so every style Pandoc expects is present, and changes the
  styles with python-docx. The bytes are deterministic.
- :func:`postprocess_docx` repairs and completes a DOCX written by Pandoc (or by Quarto): alt
  text on every picture (Quarto drops ``fig-alt``), figures out of Quarto's layout tables, a
  Word table of contents, a running header, the draft mode for reviewers (CONCEPT header and
  line numbers) and deterministic bytes (fixed zip timestamps and document dates).

Everything Word-specific stays in this module; it knows nothing about the book's content.
"""

from __future__ import annotations

import datetime as _dt
import html
import io
import os
import re
import subprocess
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import docx
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor, Twips

from report.errors import MonitorError
from report.numbers import long_date

# --- house style --------------------------------------------------------------------------
FONT = "Verdana"  # a font Word users have; the open font (Noto Sans) is for PDF and HTML
BODY_PT = 9.5
LINTBLAUW = "154273"
HEMELBLAUW = "007BC7"
DONKERBLAUW = "01689B"
ORANJE = "E17000"
GRIJS = "595959"  # grey text with enough contrast on white (7:1)
LICHTBLAUW = "E8EEF5"  # light tint of lintblauw for shading
LICHTORANJE = "FDF0E5"
A4_W, A4_H = 11906, 16838  # twips
MARGIN = Cm(2.5)
TOC_TITLE_NL = "Inhoudsopgave"

# Zip entries that must come first (convention of Word and LibreOffice).
_FIRST_ENTRIES = ("[Content_Types].xml", "_rels/.rels")
_EPOCH = _dt.datetime(1980, 1, 1)  # earliest zip timestamp: the fallback "no date known"


# Namespaces used in raw XPath queries.
_NS = {
    "w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
    "wp": "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing",
    "a": "http://schemas.openxmlformats.org/drawingml/2006/main",
    "pic": "http://schemas.openxmlformats.org/drawingml/2006/picture",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
}

# Paragraph styles of the title block that Pandoc writes before the body.
_TITLE_BLOCK_STYLES = {"Title", "Subtitle", "Author", "Date", "Abstract", "AbstractTitle"}


# ==========================================================================================
# Reference document
# ==========================================================================================


def write_reference_docx(path: Path) -> None:
    """Write the Pandoc reference document with the house styles to ``path`` (deterministic)."""
    path = Path(path)
    doc = docx.Document(io.BytesIO(_pandoc_default_reference()))
    _clear_body(doc)
    _page_setup(doc)
    _doc_defaults(doc)
    _paragraph_styles(doc)
    _table_style(doc)
    _footer_page_numbers(doc)
    _settings(doc)
    cp = doc.core_properties
    cp.title = "Monitor drugscriminaliteit"
    cp.author = ""
    cp.last_modified_by = ""
    cp.language = "nl-NL"
    cp.revision = 1
    cp.created = _EPOCH
    cp.modified = _EPOCH
    buf = io.BytesIO()
    doc.save(buf)
    path.parent.mkdir(parents=True, exist_ok=True)
    _write_deterministic_zip(buf.getvalue(), path, _EPOCH)


def _pandoc_path() -> str:
    from report.render.pandoc import pandoc_path

    return pandoc_path()


def _pandoc_default_reference() -> bytes:
    """Pandoc's own reference.docx: it holds every style the DOCX writer uses."""
    try:
        result = subprocess.run(
            [_pandoc_path(), "--print-default-data-file", "reference.docx"],
            check=True,
            capture_output=True,
        )
    except (OSError, subprocess.CalledProcessError) as exc:  # pragma: no cover - environment
        raise MonitorError(f"Pandoc could not give its default reference.docx: {exc}") from exc
    return result.stdout


def _clear_body(doc: Any) -> None:
    """Remove Pandoc's sample paragraphs; keep the final section properties."""
    body = doc.element.body
    for child in list(body):
        if child.tag != qn("w:sectPr"):
            body.remove(child)


def _page_setup(doc: Any) -> None:
    section = doc.sections[0]
    section.page_width = Twips(A4_W)
    section.page_height = Twips(A4_H)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, MARGIN)
    section.header_distance = Cm(1.25)
    section.footer_distance = Cm(1.25)
    section.gutter = Twips(0)


def _set_fonts(rpr: Any, name: str = FONT) -> None:
    """Set an explicit font on all four scripts (removing theme fonts that would win)."""
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in list(fonts.attrib):
        del fonts.attrib[attr]
    for key in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(key), name)


def _doc_defaults(doc: Any) -> None:
    styles = doc.styles.element
    rpr = styles.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    _set_fonts(rpr)
    for tag in ("w:sz", "w:szCs"):
        el = rpr.find(qn(tag))
        el.set(qn("w:val"), str(int(BODY_PT * 2)))
    lang = rpr.find(qn("w:lang"))
    lang.set(qn("w:val"), "nl-NL")
    lang.set(qn("w:eastAsia"), "nl-NL")
    lang.set(qn("w:bidi"), "ar-SA")
    ppr = styles.find(qn("w:docDefaults")).find(qn("w:pPrDefault")).find(qn("w:pPr"))
    spacing = ppr.find(qn("w:spacing"))
    spacing.set(qn("w:after"), "120")
    spacing.set(qn("w:line"), "288")  # 1.2 lines
    spacing.set(qn("w:lineRule"), "auto")


def _style(doc: Any, name: str, kind: Any = WD_STYLE_TYPE.PARAGRAPH, base: str | None = None):
    """Return the style ``name``, creating it (based on ``base``) when it does not exist."""
    try:
        style = doc.styles[name]
    except KeyError:
        style = doc.styles.add_style(name, kind)
        if base is not None:
            style.base_style = doc.styles[base]
    return style


def _named(doc: Any, name: str) -> Any:
    """The style whose w:name is ``name`` (python-docx would translate built-in names)."""
    for st in doc.styles:
        if st.element.find(qn("w:name")).get(qn("w:val")) == name:
            return st
    raise KeyError(name)


def _font(
    style: Any,
    size: float | None = None,
    color: str | None = None,
    bold: bool | None = None,
    italic: bool | None = None,
) -> None:
    font = style.font
    if size is not None:
        font.size = Pt(size)
    if color is not None:
        font.color.rgb = RGBColor.from_string(color)
        # theme colours would override the explicit colour in Word
        col = style.element.rPr.find(qn("w:color"))
        for attr in ("w:themeColor", "w:themeShade", "w:themeTint"):
            if col.get(qn(attr)) is not None:
                del col.attrib[qn(attr)]
    if bold is not None:
        font.bold = bold
        font.cs_bold = bold
    if italic is not None:
        font.italic = italic
        font.cs_italic = italic
    rpr = style.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is not None:  # theme fonts in Pandoc's headings/title: make them the house font
        _set_fonts(rpr)


def _spacing(
    style: Any,
    before: float | None = None,
    after: float | None = None,
    keep_next: bool | None = None,
    line: float | None = None,
) -> None:
    pf = style.paragraph_format
    if before is not None:
        pf.space_before = Pt(before)
    if after is not None:
        pf.space_after = Pt(after)
    if keep_next is not None:
        pf.keep_with_next = keep_next
    if line is not None:
        pf.line_spacing = line


def _ppr_child(style: Any, tag: str) -> Any:
    """Get or create a direct child of the style's w:pPr in schema order (via python-docx)."""
    ppr = style.element.get_or_add_pPr()
    el = ppr.find(qn(tag))
    if el is None:
        el = OxmlElement(tag)
        order = _PPR_ORDER  # CT_PPr's sequence
        pos = order.index(tag)
        later = {qn(t) for t in order[pos + 1 :]}
        for i, child in enumerate(ppr):
            if child.tag in later:
                ppr.insert(i, el)
                break
        else:
            ppr.append(el)
    return el


def _border(style: Any, sides: Iterable[str], color: str, size_eighths: int = 12, space: int = 6) -> None:
    pbdr = _ppr_child(style, "w:pBdr")
    for side in ("top", "left", "bottom", "right"):  # schema order
        if side not in sides:
            continue
        el = OxmlElement(f"w:{side}")
        el.set(qn("w:val"), "single")
        el.set(qn("w:sz"), str(size_eighths))
        el.set(qn("w:space"), str(space))
        el.set(qn("w:color"), color)
        pbdr.append(el)


def _shading(style: Any, fill: str) -> None:
    shd = _ppr_child(style, "w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill)


def _paragraph_styles(doc: Any) -> None:
    normal = doc.styles["Normal"]
    _font(normal, size=BODY_PT)

    body = doc.styles["Body Text"]
    _spacing(body, before=0, after=7)
    _spacing(doc.styles["First Paragraph"], before=0, after=7)
    _spacing(doc.styles["Compact"], before=1, after=1)

    title = doc.styles["Title"]
    _font(title, size=26, color=LINTBLAUW, bold=True)
    _spacing(title, before=120, after=12)
    title.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.LEFT
    subtitle = doc.styles["Subtitle"]
    _font(subtitle, size=15, color=DONKERBLAUW, bold=False)
    _spacing(subtitle, before=0, after=36)
    subtitle.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.LEFT
    for tag, parent in (("w:spacing", subtitle.element.rPr), ("w:numPr", subtitle.element.pPr)):
        el = parent.find(qn(tag)) if parent is not None else None
        if el is not None:  # letter spacing and a stray list level in Pandoc's default
            parent.remove(el)
    for name in ("Author", "Date"):
        st = doc.styles[name]
        _font(st, size=11, color="000000", bold=False)
        _spacing(st, before=0, after=4)
        st.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.LEFT
    # The title page as on the PDF cover: edition under the subtitle, publisher block at the end.
    edition = _style(doc, "Editie", base="Normal")
    _font(edition, size=14, color=LINTBLAUW, bold=True)
    _spacing(edition, before=0, after=6)
    # The demo notice ("Let op" + text, Pandoc's abstract) flush left like the rest of the page.
    for name in ("Abstract Title", "Abstract"):
        _named(doc, name).paragraph_format.alignment = WD_ALIGN_PARAGRAPH.LEFT
    publisher = _style(doc, "Uitgever", base="Normal")
    _font(publisher, size=9, color=LINTBLAUW, bold=True)
    _spacing(publisher, before=60, after=0)
    _border(publisher, ("left",), LINTBLAUW, size_eighths=16, space=8)
    for name in ("Title Char", "Subtitle Char"):
        st = doc.styles[name]
        fonts = st.element.get_or_add_rPr().find(qn("w:rFonts"))
        if fonts is not None:
            _set_fonts(st.element.get_or_add_rPr())

    sizes = {1: 17, 2: 13, 3: 11, 4: BODY_PT + 0.5}
    for level in range(1, 10):
        st = doc.styles[f"Heading {level}"]
        size = sizes.get(level, BODY_PT)
        _font(st, size=size, color=LINTBLAUW, bold=True, italic=level >= 4)
        _spacing(st, before={1: 0, 2: 18, 3: 12}.get(level, 10), after={1: 18}.get(level, 4), keep_next=True)
        char = doc.styles[f"Heading {level} Char"]
        _font(char, size=size, color=LINTBLAUW, bold=True)
    # chapters start on a new page
    doc.styles["Heading 1"].paragraph_format.page_break_before = True

    toc_heading = doc.styles["TOC Heading"]
    _font(toc_heading, size=17, color=LINTBLAUW, bold=True)
    toc_heading.paragraph_format.page_break_before = True
    # Word's built-in TOC entry styles ("toc 1" ...); the TOC field uses them when updated.
    for level in range(1, 4):
        st = _style(doc, f"toc {level}", base="Normal")
        _spacing(st, before=6 if level == 1 else 0, after=2)
        st.paragraph_format.left_indent = Cm(0.6 * (level - 1))
        if level == 1:
            _font(st, bold=True)

    caption = _named(doc, "Caption")  # "Bijschrift" in a Dutch Word
    _font(caption, size=BODY_PT - 0.5, color=LINTBLAUW, bold=True, italic=False)
    _spacing(caption, before=6, after=6, keep_next=True)
    for name in ("Table Caption", "Image Caption"):
        st = doc.styles[name]
        _font(st, size=BODY_PT - 0.5, color=LINTBLAUW, bold=True, italic=False)
        _spacing(st, before=6, after=6, keep_next=True)
    for name in ("Figure", "Captioned Figure"):
        st = doc.styles[name]
        _spacing(st, before=4, after=4, keep_next=True)

    bron = _style(doc, "Bronvermelding", base="Normal")
    _font(bron, size=BODY_PT - 1.5, color=GRIJS)
    _spacing(bron, before=2, after=10)

    kant = _style(doc, "Kanttekening", base="Normal")
    _font(kant, size=BODY_PT - 0.5)
    kant.paragraph_format.left_indent = Cm(0.4)
    kant.paragraph_format.right_indent = Cm(0.2)
    _spacing(kant, before=0, after=3)
    _border(kant, ["left"], LINTBLAUW, size_eighths=24, space=8)
    _shading(kant, LICHTBLAUW)

    demo = _style(doc, "Demo", base="Normal")
    _font(demo, size=BODY_PT, bold=True, color="000000")
    demo.paragraph_format.left_indent = Cm(0.2)
    demo.paragraph_format.right_indent = Cm(0.2)
    _spacing(demo, before=6, after=10)
    _border(demo, ["top", "left", "bottom", "right"], ORANJE, size_eighths=12, space=4)
    _shading(demo, LICHTORANJE)

    block = doc.styles["Block Text"]
    block.paragraph_format.left_indent = Cm(0.6)
    _font(block, color="333333", italic=True)

    fn = doc.styles["Footnote Text"]
    _font(fn, size=BODY_PT - 1.5)
    _spacing(fn, before=0, after=2, line=1.0)

    link = doc.styles["Hyperlink"]
    _font(link, color=DONKERBLAUW)

    for name in ("header", "footer"):
        st = _style(doc, name, base="Normal")
        _font(st, size=BODY_PT - 1.5, color=GRIJS)
        _spacing(st, before=0, after=0, line=1.0)
        _ppr_child(st, "w:suppressLineNumbers")

    line_number = _style(doc, "line number", kind=WD_STYLE_TYPE.CHARACTER)
    _font(line_number, size=7, color=GRIJS)

    for st in doc.styles:
        if st.type in (WD_STYLE_TYPE.PARAGRAPH, WD_STYLE_TYPE.CHARACTER):
            rpr = st.element.rPr
            if rpr is not None and rpr.find(qn("w:rFonts")) is not None:
                # keep monospace for code
                if st.name != "Verbatim Char":
                    _set_fonts(rpr)


def _table_style(doc: Any) -> None:
    """Pandoc's table style "Table": header row in lintblauw, thin row rules, 9 pt text."""
    style = doc.styles["Table"].element
    for child in list(style):
        if child.tag in (
            qn("w:tblPr"),
            qn("w:tblStylePr"),
            qn("w:rPr"),
            qn("w:pPr"),
            qn("w:trPr"),
            qn("w:tcPr"),
        ):
            style.remove(child)
    for flag in ("w:semiHidden", "w:unhideWhenUsed"):
        el = style.find(qn(flag))
        if el is not None:
            style.remove(el)
    xml = f"""
<w:root xmlns:w="{_NS["w"]}">
  <w:pPr><w:spacing w:before="30" w:after="30" w:line="240" w:lineRule="auto"/></w:pPr>
  <w:rPr><w:sz w:val="{int((BODY_PT - 1) * 2)}"/><w:szCs w:val="{int((BODY_PT - 1) * 2)}"/></w:rPr>
  <w:tblPr>
    <w:tblStyleRowBandSize w:val="1"/>
    <w:tblInd w:w="0" w:type="dxa"/>
    <w:tblBorders>
      <w:top w:val="single" w:sz="8" w:space="0" w:color="{LINTBLAUW}"/>
      <w:bottom w:val="single" w:sz="8" w:space="0" w:color="{LINTBLAUW}"/>
      <w:insideH w:val="single" w:sz="4" w:space="0" w:color="BFBFBF"/>
    </w:tblBorders>
    <w:tblCellMar>
      <w:top w:w="28" w:type="dxa"/>
      <w:left w:w="85" w:type="dxa"/>
      <w:bottom w:w="28" w:type="dxa"/>
      <w:right w:w="85" w:type="dxa"/>
    </w:tblCellMar>
  </w:tblPr>
  <w:tblStylePr w:type="firstRow">
    <w:pPr><w:keepNext/></w:pPr>
    <w:rPr><w:b/><w:bCs/><w:color w:val="FFFFFF"/></w:rPr>
    <w:tblPr/>
    <w:trPr><w:tblHeader/></w:trPr>
    <w:tcPr>
      <w:shd w:val="clear" w:color="auto" w:fill="{LINTBLAUW}"/>
      <w:vAlign w:val="bottom"/>
    </w:tcPr>
  </w:tblStylePr>
  <w:tblStylePr w:type="band2Horz">
    <w:tblPr/>
    <w:tcPr><w:shd w:val="clear" w:color="auto" w:fill="F3F6FA"/></w:tcPr>
  </w:tblStylePr>
</w:root>"""
    root = parse_xml(xml.strip().encode())
    ppr, rpr, tblpr, first, band = list(root)
    # schema order in CT_Style: name, aliases, basedOn, next, link, autoRedefine, hidden,
    # uiPriority, semiHidden, unhideWhenUsed, qFormat, locked, personal..., rsid, pPr, rPr,
    # tblPr, trPr, tcPr, tblStylePr*
    for el in (ppr, rpr, tblpr, first, band):
        style.append(el)


def _footer_page_numbers(doc: Any) -> None:
    """Footer with the page number (right aligned); no header or footer on the cover."""
    section = doc.sections[0]
    section.different_first_page_header_footer = True
    footer = section.footer
    footer.is_linked_to_previous = False
    para = footer.paragraphs[0]
    para.style = doc.styles["footer"]
    para.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    _add_field(para, "PAGE", "1")
    # an empty first-page header and footer (the cover)
    section.first_page_footer.is_linked_to_previous = False
    section.first_page_header.is_linked_to_previous = False
    section.header.is_linked_to_previous = False
    section.header.paragraphs[0].style = doc.styles["header"]


def _add_field(paragraph: Any, instruction: str, placeholder: str = "") -> None:
    """Append a complex field (begin/instr/separate/result/end) to a paragraph."""

    def run_with(child: Any) -> None:
        r = OxmlElement("w:r")
        r.append(child)
        paragraph._p.append(r)

    begin = OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    run_with(begin)
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = f" {instruction} "
    run_with(instr)
    sep = OxmlElement("w:fldChar")
    sep.set(qn("w:fldCharType"), "separate")
    run_with(sep)
    text = OxmlElement("w:t")
    text.text = placeholder
    run_with(text)
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    run_with(end)


def _settings(doc: Any) -> None:
    settings = doc.settings.element
    lang = settings.find(qn("w:themeFontLang"))
    if lang is not None:
        lang.set(qn("w:val"), "nl-NL")
    dec = settings.find(qn("w:decimalSymbol"))
    if dec is not None:
        dec.set(qn("w:val"), ",")
    sep = settings.find(qn("w:listSeparator"))
    if sep is not None:
        sep.set(qn("w:val"), ";")
    rsids = settings.find(qn("w:rsids"))
    if rsids is not None:
        settings.remove(rsids)


# ==========================================================================================
# Post-processing
# ==========================================================================================


def postprocess_docx(
    path: Path,
    figures: list,
    draft: dict | None = None,
    *,
    date: str | _dt.date | None = None,
    lang: str = "nl",
    pictures: dict[bytes, Path] | None = None,
    root: Path | None = None,
) -> None:
    """Complete the DOCX at ``path`` in place.

    ``figures``: objects with ``.id``, ``.alt`` and ``.caption`` in document order.
    ``draft``: ``None`` for the final report, or a dict with ``version`` and ``date`` (and an
    optional ``label``, default "CONCEPT") for the reviewers' draft.
    ``date``: the book's date (ISO ``YYYY-MM-DD``), used for the document properties and zip
    timestamps; defaults to the draft date, then to the date in the document's metadata.

    ``pictures``: {stand-in: PNG} (report/render/docx_pictures.py, ``picture_stand_ins``): each
    stand-in Pandoc embedded is replaced by its PNG, deflated once and kept in ``root``'s cache.

    Raises :class:`MonitorError` when a picture ends up without alt text.
    """
    path = Path(path)
    try:
        doc = docx.Document(str(path))
    except Exception as exc:  # python-docx raises several kinds for a broken package
        raise MonitorError(f"{path}: geen leesbaar DOCX-bestand ({exc})") from exc
    body = doc.element.body

    _merge_duplicate_ppr(body)
    _unwrap_layout_tables(body)
    _unwrap_table_floats(body)
    _set_alt_texts(body, figures, path)
    _complete_title_page(body, path)
    from report.render.docx_fields import complete_fields

    # table text is body size: the "Compact" paragraph style (from Normal) outranks the table style
    complete_fields(doc, A4_W - 2 * MARGIN.twips, BODY_PT)  # table widths, SEQ and REF fields
    _ensure_toc(doc, lang)
    when = _book_date(doc, path, draft, date)
    _headers(doc, draft, when)
    if draft is not None:
        from report.render.docx_review import mark_draft_pages

        _line_numbers(doc)
        mark_draft_pages(doc)
    _core_properties(doc, when)

    stamp = _dt.datetime.combine(when, _dt.time()) if when else _EPOCH
    _write_deterministic_zip(_package_entries(doc), path, stamp, reuse=path, pictures=pictures, root=root)


# --- figures ------------------------------------------------------------------------------


def _drawings(element: Any) -> list:
    """All pictures (inline or anchored) under ``element``, in document order."""
    return element.xpath(".//wp:inline | .//wp:anchor")


def _merge_duplicate_ppr(body: Any) -> None:
    """One w:pPr per paragraph: Quarto's raw-openxml captions add a second one (invalid XML).

    The last one is what the author meant (it carries the "ImageCaption" style); properties of
    the earlier ones that it lacks are kept.
    """
    for p in body.iter(qn("w:p")):
        pprs = p.findall(qn("w:pPr"))
        if len(pprs) < 2:
            continue
        keep = pprs[-1]
        have = {child.tag for child in keep}
        for extra in pprs[:-1]:
            for child in list(extra):
                if child.tag not in have:
                    keep.append(child)  # schema order is restored below
                    have.add(child.tag)
            p.remove(extra)
        p.remove(keep)
        _sort_ppr(keep)
        p.insert(0, keep)


_PPR_ORDER = [
    "w:pStyle",
    "w:keepNext",
    "w:keepLines",
    "w:pageBreakBefore",
    "w:framePr",
    "w:widowControl",
    "w:numPr",
    "w:suppressLineNumbers",
    "w:pBdr",
    "w:shd",
    "w:tabs",
    "w:suppressAutoHyphens",
    "w:kinsoku",
    "w:wordWrap",
    "w:overflowPunct",
    "w:topLinePunct",
    "w:autoSpaceDE",
    "w:autoSpaceDN",
    "w:bidi",
    "w:adjustRightInd",
    "w:snapToGrid",
    "w:spacing",
    "w:ind",
    "w:contextualSpacing",
    "w:mirrorIndents",
    "w:suppressOverlap",
    "w:jc",
    "w:textDirection",
    "w:textAlignment",
    "w:textboxTightWrap",
    "w:outlineLvl",
    "w:divId",
    "w:cnfStyle",
    "w:rPr",
    "w:sectPr",
    "w:pPrChange",
]


def _sort_ppr(ppr: Any) -> None:
    rank = {qn(tag): i for i, tag in enumerate(_PPR_ORDER)}
    children = sorted(ppr, key=lambda el: rank.get(el.tag, len(rank)))
    for child in children:
        ppr.remove(child)
        ppr.append(child)


def _unwrap_layout_tables(body: Any) -> None:
    """Replace Quarto's figure layout tables by their content (figure and caption paragraphs).

    A layout table is a table whose cells hold only pictures and captions: no text outside
    caption paragraphs. Data tables are never touched.
    """
    for tbl in body.xpath(".//w:tbl"):
        if not _drawings(tbl):
            continue
        paragraphs = tbl.xpath(".//w:tc//w:p")
        if tbl.xpath(".//w:tc//w:tbl"):
            continue
        text_outside_captions = False
        for p in paragraphs:
            style = p.xpath("string(./w:pPr/w:pStyle/@w:val)")
            text = "".join(p.xpath(".//w:t/text()")).strip()
            if text and "Caption" not in style:
                text_outside_captions = True
                break
        if text_outside_captions:
            continue
        parent = tbl.getparent()
        index = parent.index(tbl)
        moved = []
        for tc in tbl.xpath("./w:tr/w:tc"):
            for child in tc:
                if child.tag == qn("w:tcPr"):
                    continue
                moved.append(child)
        # a figure paragraph keeps its caption on the same page
        for child in moved:
            if child.tag == qn("w:p") and _drawings(child):
                ppr = child.find(qn("w:pPr"))
                if ppr is None:
                    ppr = OxmlElement("w:pPr")
                    child.insert(0, ppr)
                if ppr.find(qn("w:pStyle")) is None:
                    pstyle = OxmlElement("w:pStyle")
                    pstyle.set(qn("w:val"), "CaptionedFigure")
                    ppr.insert(0, pstyle)
        parent.remove(tbl)
        for offset, child in enumerate(moved):
            parent.insert(index + offset, child)


def _unwrap_table_floats(body: Any) -> None:
    """Quarto's DOCX puts each numbered table (``#tbl-``) with its caption in a one-cell table;
    lift caption and table out of it, so the DOCX has the same native tables as the embedded
    engine's (and its caption the table caption style). Pandoc's own output has no such wrapper.
    """
    for outer in body.xpath(".//w:tbl[count(./w:tr) = 1 and count(./w:tr/w:tc) = 1]"):
        cell = outer.find(qn("w:tr")).find(qn("w:tc"))
        children = [c for c in cell if c.tag != qn("w:tcPr")]
        inner = [c for c in children if c.tag == qn("w:tbl")]
        if len(inner) != 1:
            continue
        keep = []
        wrapper_only = True
        for child in children:
            if child.tag in (qn("w:tbl"), qn("w:bookmarkStart"), qn("w:bookmarkEnd")):
                keep.append(child)
            elif child.tag == qn("w:p"):
                style = child.xpath("string(./w:pPr/w:pStyle/@w:val)")
                text = "".join(child.xpath(".//w:t/text()")).strip()
                if "Caption" in style:
                    child.xpath("./w:pPr/w:pStyle")[0].set(qn("w:val"), "TableCaption")
                    keep.append(child)
                elif text or _drawings(child):
                    wrapper_only = False  # a real one-cell table with content of its own
                    break
            else:
                wrapper_only = False
                break
        if not wrapper_only:
            continue
        parent = outer.getparent()
        index = parent.index(outer)
        parent.remove(outer)
        for offset, child in enumerate(keep):
            parent.insert(index + offset, child)


def _norm_id(value: str) -> str:
    value = (value or "").strip().lstrip("#")
    return value[4:] if value.startswith("fig-") else value


def _plain(value: Any) -> str:
    """Figure text as one plain line (captions may come as markdown or lists)."""
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        value = " ".join(str(v) for v in value)
    text = str(value)
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)  # markdown links
    text = re.sub(r"[*_`]", "", text)
    return " ".join(text.split())


def _set_alt_texts(body: Any, figures: list, path: Path) -> None:
    drawings = _drawings(body)
    if not drawings:
        return
    figures = list(figures or [])
    by_id = {_norm_id(getattr(f, "id", "")): f for f in figures}
    assigned: dict[int, Any] = {}

    # 1. by bookmark: Pandoc (and Quarto) put a bookmark named after the figure id around it
    elements = list(body.iter())  # holding the proxies keeps id() stable (lxml)
    order = {id(el): i for i, el in enumerate(elements)}
    bookmarks = [b for b in body.iter(qn("w:bookmarkStart")) if _norm_id(b.get(qn("w:name"), "")) in by_id]
    ends = {b.get(qn("w:id")): order[id(b)] for b in body.iter(qn("w:bookmarkEnd"))}
    used_figures: set[int] = set()
    for bm in bookmarks:
        fig = by_id[_norm_id(bm.get(qn("w:name")))]
        if id(fig) in used_figures:
            continue
        start = order[id(bm)]
        end = ends.get(bm.get(qn("w:id")), len(elements))
        following = [d for d in drawings if start < order[id(d)] < end and id(d) not in assigned]
        if following:
            assigned[id(following[0])] = fig
            used_figures.add(id(fig))

    # 2. the rest in document order, when the counts agree
    rest_d = [d for d in drawings if id(d) not in assigned]
    rest_f = [f for f in figures if id(f) not in used_figures]
    if rest_d and len(rest_d) == len(rest_f):
        for d, f in zip(rest_d, rest_f, strict=True):
            assigned[id(d)] = f

    missing = []
    for n, drawing in enumerate(drawings, start=1):
        docpr = drawing.find(qn("wp:docPr"))
        cnvpr = drawing.find(".//pic:cNvPr", namespaces=_NS)
        fig = assigned.get(id(drawing))
        if fig is not None:
            alt = _plain(getattr(fig, "alt", ""))
            title = _plain(getattr(fig, "caption", ""))
        else:
            alt = (docpr.get("descr") or "").strip() if docpr is not None else ""
            title = (docpr.get("title") or "").strip() if docpr is not None else ""
            if _looks_like_path(alt):
                alt = ""
        if not alt:
            name = getattr(fig, "id", None) or (cnvpr.get("descr") if cnvpr is not None else "")
            missing.append(f"afbeelding {n} ({name or 'onbekend'})")
            continue
        if docpr is not None:
            docpr.set("descr", alt)
            docpr.set("title", title)
        if cnvpr is not None:
            # Pandoc writes the image's file path here; an absolute path must not leak
            cnvpr.set("descr", alt)
            cnvpr.set("name", docpr.get("name") if docpr is not None else "Picture")
    if missing:
        raise MonitorError(
            f"{path}: {len(missing)} afbeelding(en) zonder alt-tekst: {', '.join(missing)}. "
            "Verwacht: bij elke afbeelding een figuur met fig-alt."
        )


def _looks_like_path(text: str) -> bool:
    return bool(re.fullmatch(r"\S+\.(png|svg|jpe?g|pdf|gif|emf|wmf)", text, flags=re.I))


# --- table of contents --------------------------------------------------------------------


def _has_toc(body: Any) -> bool:
    if body.xpath(".//w:docPartGallery[@w:val='Table of Contents']"):
        return True
    return any(re.match(r"\s*TOC\b", t or "") for t in body.xpath(".//w:instrText/text()")) or any(
        re.match(r"\s*TOC\b", i or "") for i in body.xpath(".//w:fldSimple/@w:instr")
    )


def _ensure_toc(doc: Any, lang: str) -> None:
    body = doc.element.body
    if not _has_toc(body):
        sdt = _toc_sdt(TOC_TITLE_NL if lang.startswith("nl") else "Contents")
        children = [c for c in body if c.tag != qn("w:sectPr")]
        index = 0
        for i, child in enumerate(children):
            style = child.xpath("string(./w:pPr/w:pStyle/@w:val)") if child.tag == qn("w:p") else ""
            if style in _TITLE_BLOCK_STYLES:
                index = i + 1
            elif child.tag in (qn("w:bookmarkStart"), qn("w:bookmarkEnd")):
                continue
            else:
                break
        body.insert(index, sdt)
    if lang.startswith("nl"):
        for t in body.xpath(".//w:p[w:pPr/w:pStyle/@w:val='TOCHeading']//w:t"):
            if t.text and t.text.strip() in ("Table of Contents", "Contents"):
                t.text = TOC_TITLE_NL
    _fill_toc(doc)


def _style_id(doc: Any, name: str, default: str) -> str:
    for st in doc.styles.element.findall(qn("w:style")):
        el = st.find(qn("w:name"))
        if el is not None and el.get(qn("w:val"), "").lower() == name.lower():
            return st.get(qn("w:styleId"))
    return default


def _heading_level(p: Any) -> int | None:
    style = p.xpath("string(./w:pPr/w:pStyle/@w:val)")
    m = re.fullmatch(r"Heading([1-9])", style)
    return int(m.group(1)) if m else None


def _fill_toc(doc: Any) -> None:
    """Write the current headings as the TOC field's result.

    Pandoc leaves the TOC field empty (Word fills it when the document is opened, as the field
    is marked dirty); LibreOffice and Word before the update would show an empty table of
    contents. The entries link to the headings' bookmarks; page numbers need a layout, so
    they appear when Word updates the field (it replaces the whole result).
    """
    body = doc.element.body
    field_p = None
    for p in body.iter(qn("w:p")):
        instr = "".join(p.xpath(".//w:instrText/text()"))
        if re.match(r"\s*TOC\b", instr):
            field_p = p
            break
    if field_p is None:
        return
    # only an empty result (begin, instr, separate, end and nothing else) is filled
    if "".join(field_p.xpath(".//w:t/text()")).strip():
        return
    m = re.search(r'\\o\s+"(\d)-(\d)"', "".join(field_p.xpath(".//w:instrText/text()")))
    lo, hi = (int(m.group(1)), int(m.group(2))) if m else (1, 3)

    entries = []
    bookmark_ids = [
        int(b.get(qn("w:id")))
        for b in body.iter(qn("w:bookmarkStart"))
        if (b.get(qn("w:id")) or "").isdigit()
    ]
    next_id = max(bookmark_ids, default=0) + 1
    for p in body.iter(qn("w:p")):
        level = _heading_level(p)
        if level is None or not lo <= level <= hi:
            continue
        text = "".join(
            " " if el.tag == qn("w:tab") else (el.text or "") for el in p.iter(qn("w:t"), qn("w:tab"))
        )
        text = " ".join(text.split())
        if not text:
            continue
        name = None
        prev = p.getprevious()
        while prev is not None and prev.tag == qn("w:bookmarkStart"):
            name = prev.get(qn("w:name"))
            prev = prev.getprevious()
        inner = p.find(qn("w:bookmarkStart"))
        if name is None and inner is not None:
            name = inner.get(qn("w:name"))
        if name is None:
            name = f"_Toc{next_id:09d}"
            start = OxmlElement("w:bookmarkStart")
            start.set(qn("w:id"), str(next_id))
            start.set(qn("w:name"), name)
            end = OxmlElement("w:bookmarkEnd")
            end.set(qn("w:id"), str(next_id))
            ppr = p.find(qn("w:pPr"))
            p.insert(0 if ppr is None else 1, start)
            p.append(end)
            next_id += 1
        entries.append((level, text, name))
    if not entries:
        return

    instruction = "".join(field_p.xpath(".//w:instrText/text()"))
    instr_runs = _field_runs(instruction, "")[:3]  # begin (dirty), instruction, separate
    styles = {lvl: _style_id(doc, f"toc {lvl}", f"TOC{lvl}") for lvl in range(lo, hi + 1)}
    new_paragraphs = []
    for i, (level, text, name) in enumerate(entries):
        p = OxmlElement("w:p")
        ppr = OxmlElement("w:pPr")
        pstyle = OxmlElement("w:pStyle")
        pstyle.set(qn("w:val"), styles[level])
        ppr.append(pstyle)
        p.append(ppr)
        if i == 0:
            for r in instr_runs:  # begin, TOC instruction, separate
                p.append(r)
        link = OxmlElement("w:hyperlink")
        link.set(qn("w:anchor"), name)
        link.set(qn("w:history"), "1")
        link.append(_run_text(text))
        p.append(link)
        new_paragraphs.append(p)
    end_p = OxmlElement("w:p")
    end_r = OxmlElement("w:r")
    end_fc = OxmlElement("w:fldChar")
    end_fc.set(qn("w:fldCharType"), "end")
    end_r.append(end_fc)
    end_p.append(end_r)
    new_paragraphs.append(end_p)
    parent = field_p.getparent()
    index = parent.index(field_p)
    parent.remove(field_p)
    for offset, p in enumerate(new_paragraphs):
        parent.insert(index + offset, p)


def _run_text(text: str) -> Any:
    r = OxmlElement("w:r")
    t = OxmlElement("w:t")
    t.set(qn("xml:space"), "preserve")
    t.text = text
    r.append(t)
    return r


def _field_runs(instruction: str, result: str) -> list:
    out = []
    for kind in ("begin", "instr", "separate", "result", "end"):
        r = OxmlElement("w:r")
        if kind == "instr":
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = instruction
        elif kind == "result":
            if not result:
                continue
            el = OxmlElement("w:t")
            el.text = result
        else:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
            if kind == "begin":
                el.set(qn("w:dirty"), "true")
        r.append(el)
        out.append(r)
    return out


def _toc_sdt(title: str) -> Any:
    """Pandoc's TOC block: a "Table of Contents" content control with a heading and the field."""
    instruction = 'TOC \\o "1-3" \\h \\z \\u'
    xml = (
        f'<w:sdt xmlns:w="{_NS["w"]}"><w:sdtPr><w:docPartObj>'
        '<w:docPartGallery w:val="Table of Contents"/><w:docPartUnique/></w:docPartObj></w:sdtPr>'
        "<w:sdtContent>"
        '<w:p><w:pPr><w:pStyle w:val="TOCHeading"/></w:pPr>'
        f'<w:r><w:t xml:space="preserve">{html.escape(title, quote=False)}</w:t></w:r></w:p>'
        '<w:p><w:r><w:fldChar w:fldCharType="begin" w:dirty="true"/>'
        f'<w:instrText xml:space="preserve">{html.escape(instruction, quote=False)}</w:instrText>'
        '<w:fldChar w:fldCharType="separate"/><w:fldChar w:fldCharType="end"/></w:r></w:p>'
        "</w:sdtContent></w:sdt>"
    )
    return parse_xml(xml.encode())


# --- title page ---------------------------------------------------------------------------


def _custom_property(path: Path, name: str) -> str | None:
    """A metadata field Pandoc (and Quarto) wrote into docProps/custom.xml."""
    try:
        with zipfile.ZipFile(path) as z:
            if "docProps/custom.xml" not in z.namelist():
                return None
            xml = z.read("docProps/custom.xml").decode("utf-8")
    except (zipfile.BadZipFile, OSError):
        return None
    m = re.search(rf'name="{re.escape(name)}"><vt:lpwstr>([^<]*)<', xml)
    return html.unescape(m[1]) if m else None


def _title_paragraph(style: str, text: str) -> Any:
    return parse_xml(
        f'<w:p xmlns:w="{_NS["w"]}"><w:pPr><w:pStyle w:val="{style}"/></w:pPr>'
        f'<w:r><w:t xml:space="preserve">{html.escape(text, quote=False)}</w:t></w:r></w:p>'
    )


def _complete_title_page(body: Any, path: Path) -> None:
    """Pandoc's title block has title, subtitle, authors, date and the demo notice (abstract);
    like the PDF cover it also gets "Editie 2024" under the subtitle, the publisher block at the
    end, and a page break, so the table of contents starts on its own page."""
    block = [p for p in body.iterchildren(qn("w:p")) if _para_style(p) in _TITLE_BLOCK_STYLES]
    if not block or any(_para_style(p) in ("Editie", "Uitgever") for p in body.iterchildren(qn("w:p"))):
        return
    edition = _custom_property(path, "edition") or _custom_property(path, "editie")
    publisher = _custom_property(path, "publisher")
    if edition:
        anchor = next((p for p in block if _para_style(p) == "Subtitle"), block[0])
        anchor.addnext(_title_paragraph("Editie", f"Editie {edition}"))
    last = block[-1]
    if publisher:
        para = _title_paragraph("Uitgever", publisher)
        last.addnext(para)
        last = para
    following = last.getnext()
    breaks = [] if following is None else following.iter(qn("w:br"))
    if not any(br.get(qn("w:type")) == "page" for br in breaks):
        last.addnext(parse_xml(f'<w:p xmlns:w="{_NS["w"]}"><w:r><w:br w:type="page"/></w:r></w:p>'))


def _para_style(p: Any) -> str | None:
    style = p.find(f"{qn('w:pPr')}/{qn('w:pStyle')}")
    return style.get(qn("w:val")) if style is not None else None


# --- headers, draft mode ------------------------------------------------------------------


def _format_date_nl(value: _dt.date) -> str:
    return long_date(value)


def _parse_date(value: Any) -> _dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, _dt.datetime):
        return value.date()
    if isinstance(value, _dt.date):
        return value
    text = str(value).strip()
    m = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})(?:[T ].*)?", text)
    if m:
        return _dt.date(int(m[1]), int(m[2]), int(m[3]))
    m = re.fullmatch(r"(\d{1,2})\s+([a-z]+)\s+(\d{4})", text.lower())
    months = [long_date(_dt.date(2000, i, 1)).split()[1] for i in range(1, 13)]
    if m and m[2] in months:
        return _dt.date(int(m[3]), months.index(m[2]) + 1, int(m[1]))
    return None


def _book_date(doc: Any, path: Path, draft: dict | None, date: Any) -> _dt.date | None:
    for candidate in (date, (draft or {}).get("date")):
        parsed = _parse_date(candidate)
        if parsed:
            return parsed
    # the date Pandoc wrote into the custom properties or the title block
    try:
        with zipfile.ZipFile(path) as z:
            if "docProps/custom.xml" in z.namelist():
                xml = z.read("docProps/custom.xml").decode("utf-8")
                m = re.search(r'name="date"><vt:lpwstr>([^<]*)<', xml)
                if m and _parse_date(m[1]):
                    return _parse_date(m[1])
    except (zipfile.BadZipFile, OSError):
        pass
    for p in doc.element.body.xpath("./w:p[w:pPr/w:pStyle/@w:val='Date']"):
        parsed = _parse_date("".join(p.xpath(".//w:t/text()")))
        if parsed:
            return parsed
    return None


def _draft_text(draft: dict, when: _dt.date | None) -> str:
    label = str(draft.get("label") or "CONCEPT")
    parts = [label] + ([str(draft["note"])] if draft.get("note") else [])
    version = draft.get("version")
    if version not in (None, ""):
        parts.append(f"versie {version}")
    d = _parse_date(draft.get("date")) or when
    if d is not None:
        parts.append(_format_date_nl(d))
    elif draft.get("date"):
        parts.append(str(draft["date"]))
    return " — ".join(parts)


def _set_header_text(header: Any, text: str, doc: Any, alignment: Any, bold: bool = False) -> None:
    header.is_linked_to_previous = False
    paragraphs = header.paragraphs
    para = paragraphs[0]
    for extra in paragraphs[1:]:
        extra._p.getparent().remove(extra._p)
    for child in list(para._p):
        if child.tag != qn("w:pPr"):
            para._p.remove(child)
    try:
        para.style = doc.styles["header"]
    except KeyError:
        pass
    para.alignment = alignment
    if text:
        run = para.add_run(text)
        run.bold = bold
        if bold:
            run.font.color.rgb = RGBColor.from_string("D52B1E")


def _headers(doc: Any, draft: dict | None, when: _dt.date | None) -> None:
    title = (doc.core_properties.title or "").strip()
    for section in doc.sections:
        if draft is not None:
            text = _draft_text(draft, when)
            _set_header_text(section.header, text, doc, WD_ALIGN_PARAGRAPH.LEFT, bold=True)
            if section.different_first_page_header_footer:
                _set_header_text(section.first_page_header, text, doc, WD_ALIGN_PARAGRAPH.LEFT, bold=True)
        else:
            # running header with the report title; the cover page stays clean
            current = "".join(p.text for p in section.header.paragraphs).strip()
            if not current and title:
                _set_header_text(section.header, title, doc, WD_ALIGN_PARAGRAPH.RIGHT)


def _line_numbers(doc: Any) -> None:
    """Line numbers restarting on every page, so reviewers can cite "p. 12, r. 8"."""
    for sectpr in doc.element.body.iter(qn("w:sectPr")):
        ln = sectpr.find(qn("w:lnNumType"))
        if ln is None:
            ln = OxmlElement("w:lnNumType")
            # CT_SectPr order: headerReference*, footerReference*, footnotePr, endnotePr, type,
            # pgSz, pgMar, paperSrc, pgBorders, lnNumType, pgNumType, cols, ...
            after = {
                qn(t)
                for t in (
                    "w:pgNumType",
                    "w:cols",
                    "w:formProt",
                    "w:vAlign",
                    "w:noEndnote",
                    "w:titlePg",
                    "w:textDirection",
                    "w:bidi",
                    "w:rtlGutter",
                    "w:docGrid",
                    "w:printerSettings",
                    "w:sectPrChange",
                )
            }
            for i, child in enumerate(sectpr):
                if child.tag in after:
                    sectpr.insert(i, ln)
                    break
            else:
                sectpr.append(ln)
        ln.set(qn("w:countBy"), "1")
        ln.set(qn("w:restart"), "newPage")
        ln.set(qn("w:distance"), "283")
    # headings and captions are counted too: lines are what reviewers cite


def _core_properties(doc: Any, when: _dt.date | None) -> None:
    stamp = _dt.datetime.combine(when, _dt.time()) if when else _EPOCH
    cp = doc.core_properties
    cp.created = stamp
    cp.modified = stamp
    cp.revision = 1
    cp.last_modified_by = ""
    if not cp.language:
        cp.language = "nl-NL"


# --- deterministic zip --------------------------------------------------------------------


def _package_entries(doc) -> dict[str, bytes]:
    """The document's package as {member name: bytes}, as python-docx's ``save`` would write it,
    but not zipped: the deterministic writer below compresses each part once."""
    from docx.opc.pkgwriter import PackageWriter

    package = doc.part.package
    parts = list(package.parts)
    for part in parts:
        part.before_marshal()
    entries: dict[str, bytes] = {}

    class _Collect:  # the physical writer's interface: write(uri, blob), close()
        def write(self, pack_uri, blob) -> None:
            entries[pack_uri.membername] = blob

        def close(self) -> None:
            pass

    writer = _Collect()
    PackageWriter._write_content_types_stream(writer, parts)
    PackageWriter._write_pkg_rels(writer, package.rels)
    PackageWriter._write_parts(writer, parts)
    return entries


def _compressed_pictures(path: Path) -> dict[str, tuple[int, int, bytes]]:
    """{name: (CRC, size, deflated bytes)} of the pictures (``word/media/``) in the zip at
    ``path``, as they are stored: Pandoc deflates them as zlib does at level 6, so they can be
    copied as they are instead of deflated again (10 MB of PNG: ~0.13 s per render)."""
    import struct

    found = {}
    try:
        with zipfile.ZipFile(path) as src, open(path, "rb") as raw:
            for info in src.infolist():
                if not info.filename.startswith("word/media/") or info.compress_type != zipfile.ZIP_DEFLATED:
                    continue
                raw.seek(info.header_offset)
                header = raw.read(30)
                if header[:4] != b"PK\x03\x04":
                    continue
                name_len, extra_len = struct.unpack("<HH", header[26:30])
                raw.seek(info.header_offset + 30 + name_len + extra_len)
                found[info.filename] = (info.CRC, info.file_size, raw.read(info.compress_size))
    except (OSError, zipfile.BadZipFile, struct.error):
        return {}
    return found


class _Deflated:
    """A compressor for zipfile that hands back data deflated before (see _write_entry)."""

    def __init__(self, deflated: bytes):
        self._deflated = deflated

    def compress(self, _data: bytes) -> bytes:
        out, self._deflated = self._deflated, b""
        return out

    def flush(self) -> bytes:
        return b""


def _write_entry(out: zipfile.ZipFile, info: zipfile.ZipInfo, data: bytes, deflated: bytes | None) -> None:
    """One entry, deflated at level 6; with ``deflated`` (those bytes, already deflated at level 6
    from ``data``), written without deflating again: zipfile still works out the CRC and sizes
    from ``data`` and writes the same headers, so the file has the same bytes either way."""
    if deflated is None:
        out.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=6)
        return
    info.file_size = len(data)  # as writestr sets them
    info._compresslevel = 6
    with out.open(info, mode="w") as dest:
        if hasattr(dest, "_compressor"):  # zipfile's writer (CPython 3.6 and later); else it deflates
            dest._compressor = _Deflated(deflated)
        dest.write(data)


def _write_deterministic_zip(
    data: bytes | dict[str, bytes],
    path: Path,
    stamp: _dt.datetime,
    reuse: Path | None = None,
    pictures: dict[bytes, Path] | None = None,
    root: Path | None = None,
) -> None:
    """Write the OOXML package (zip bytes, or its entries) with a fixed entry order and fixed
    timestamps, atomically. ``reuse``: a zip whose deflated pictures are copied where an entry
    has the same CRC and size (the DOCX as Pandoc wrote it, before post-processing).
    ``pictures``: {stand-in: PNG}; a stand-in entry is written as that PNG (postprocess_docx)."""
    import zlib

    from report.render.docx_pictures import STAND_IN, deflated_picture

    deflated = _compressed_pictures(reuse) if reuse is not None else {}
    date_time = (max(stamp.year, 1980), stamp.month, stamp.day, 0, 0, 0)
    if isinstance(data, dict):
        entries = data
    else:
        with zipfile.ZipFile(io.BytesIO(data)) as src:
            entries = {
                info.filename: src.read(info.filename)
                for info in src.infolist()
                if not info.filename.endswith("/")
            }
    names = [n for n in _FIRST_ENTRIES if n in entries]
    names += sorted(n for n in entries if n not in _FIRST_ENTRIES)
    tmp = path.with_name(path.name + ".tmp")
    with zipfile.ZipFile(tmp, "w") as out:
        for name in names:
            info = zipfile.ZipInfo(name, date_time=date_time)
            # PNGs too: vl-convert's deflate to about a quarter (stored, the DOCX would be 3.6x larger)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 0
            info.external_attr = 0
            content = entries[name]
            if name.startswith("word/media/") and STAND_IN in content[:4096]:
                real = (pictures or {}).get(content)
                if real is None or root is None:
                    raise MonitorError(f"{path}: {name} is a picture's stand-in with no picture to put in")
                content = real.read_bytes()
                _write_entry(out, info, content, deflated_picture(root, content))
                continue
            kept = deflated.get(name)
            same = kept is not None and kept[1] == len(content) and kept[0] == zlib.crc32(content)
            _write_entry(out, info, content, kept[2] if same else None)
    os.replace(tmp, path)


__all__ = ["write_reference_docx", "postprocess_docx"]
