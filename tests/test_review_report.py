"""The full report as a draft (slow): the marking on every page, anchors, tables whole."""

from __future__ import annotations

import re
import subprocess

import pytest
from review_docs import soffice_convert
from test_review import pdf_pages

from report.render import render
from report.review.extract import extract
from report.review.package import open_reviewed

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def report_draft(built_project, tmp_path_factory):
    out = tmp_path_factory.mktemp("report-draft")
    return render(built_project, formats=("pdf", "docx"), draft=True, out_dir=out)


def test_every_page_of_the_report_draft_is_marked(report_draft, tmp_path):
    version = report_draft["docx"].stem.split("-concept-")[1]
    mark = f"CONCEPT — niet citeren — versie {version} — 30 juni 2025"
    lo_pdf = soffice_convert(report_draft["docx"], "pdf", tmp_path)
    for pdf in (report_draft["pdf"], lo_pdf):
        pages = pdf_pages(pdf)
        assert len(pages) > 60
        unmarked = [i for i, t in enumerate(pages, start=1) if mark not in " ".join(t.split())]
        assert not unmarked, (pdf.name, unmarked)
        numbered = [i for i, t in enumerate(pages, start=1) if re.search(rf"(^|\s){i}\s*$", t.strip())]
        assert len(numbered) == len(pages), (pdf.name, sorted(set(range(1, len(pages) + 1)) - set(numbered)))
    # no word of a table broken in LibreOffice's layout: every table word is found whole on
    # the page where the table stands
    doc = open_reviewed(report_draft["docx"], "monitor-drugscriminaliteit")
    ex = extract(doc)
    table_words = {w for p in ex.paragraphs if p.in_table for w in re.findall(r"[^\W\d_]{6,}", p.old_text)}
    text = subprocess.run(["pdftotext", "-layout", str(lo_pdf), "-"], capture_output=True, text=True).stdout
    pieces = set(re.findall(r"[^\W\d_]+", text))
    broken = sorted(w for w in table_words if w not in pieces)
    assert not broken, broken[:20]
    # every paragraph of the body knows its source
    body = [p for p in ex.paragraphs if p.old_text.strip() and not p.style.lower().startswith("toc")]
    unanchored = [
        p.old_text[:40]
        for p in body
        if p.anchor is None
        and p.style
        not in {
            "Title",
            "Subtitle",
            "Author",
            "Date",
            "Abstract",
            "AbstractTitle",
            "TOCHeading",
            "Editie",
            "Uitgever",
        }
    ]
    assert not unanchored, unanchored[:10]
