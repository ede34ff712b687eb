"""DOCX of the reviewers' draft: source anchors in the document properties, page marking.

Kept apart from :mod:`report.render.docx` (styles and the general post-processing) so that
the draft's additions stay in one place. See :mod:`report.render.anchors` for the anchors.
"""

from __future__ import annotations

from typing import Any

from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn


def anchor_metadata_args(anchors, draft: dict, root) -> list[str]:
    """Pandoc ``-M`` arguments: Pandoc's DOCX writer puts unknown metadata fields into
    ``docProps/custom.xml``, which is where the draft carries its anchor table and version."""
    args: list[str] = []
    for key, value in anchors.properties(draft["report"], draft["version"], root).items():
        args += ["-M", f"{key}={value}"]
    return args


def mark_draft_pages(doc: Any) -> None:
    """Page numbers on every page of the draft, the cover included (reviewers cite pages)."""
    from report.render.docx import _add_field

    for section in doc.sections:
        footers = [section.footer]
        if section.different_first_page_header_footer:
            footers.append(section.first_page_footer)
        for footer in footers:
            footer.is_linked_to_previous = False
            instr = " ".join(footer._element.xpath(".//w:instrText/text()"))
            if "PAGE" in instr:
                continue
            para = footer.paragraphs[0]
            try:
                para.style = doc.styles["footer"]
            except KeyError:
                pass
            para.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            _add_field(para, "PAGE", "1")
        if doc.settings.element.find(qn("w:evenAndOddHeaders")) is not None:
            section.even_page_header.is_linked_to_previous = True
