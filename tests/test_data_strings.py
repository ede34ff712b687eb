"""Strings from data are text: a hostile note shows literally in PDF, DOCX and HTML, and is inert.

A year note (data/sources.yml annotations → data/clean/observations.csv → the generated block)
holds HTML, a javascript: link, Markdown emphasis, math, a cross-reference and a shortcode that
would include a file from outside the project. After clean, build and render, each format shows
the note's characters as written; in the HTML DOM nothing of it is an element, a link or a
script, and the site's Content-Security-Policy forbids inline script while its charts still draw.
"""

from __future__ import annotations

import re
import subprocess
import zipfile
from pathlib import Path

import pytest
from browser import chart_states, open_page

from report.build import build
from report.clean import clean
from report.project import Project
from report.render import render

SECRET = "geheim-buiten-het-project-8c1f"
NOTE = (
    'Let op <script>window.__xss1=1</script> <img src=x onerror="window.__xss2=1"> '
    "[klik](javascript:window.__xss3=1) *ster* _Zuid_ $5$ @sec-import {{< include ../../secret.txt >}} eind"
)
# What a reader must see (the shortcode, the tags and the link as written).
LITERAL = [
    "<script>window.__xss1=1</script>",
    '<img src=x onerror="window.__xss2=1">',
    "[klik](javascript:window.__xss3=1)",
    "*ster*",
    "_Zuid_",
    "$5$",
    "@sec-import",
    "{{< include ../../secret.txt >}}",
]


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> Path:
    from conftest import copy_project

    base = tmp_path_factory.mktemp("data-strings")
    (base / "secret.txt").write_text(SECRET, encoding="utf-8")  # outside the project
    root = copy_project(base / "project")
    sources = root / "data" / "sources.yml"
    text = sources.read_text(encoding="utf-8")
    old = 'note: "Breuk in de reeks: nieuwe registratiewijze vanaf 2019."'
    assert old in text
    sources.write_text(text.replace(old, "note: '" + NOTE.replace("'", "''") + "'"), encoding="utf-8")
    clean(Project(root))
    build(Project(root))
    render(root)
    return root


def _flat(text: str) -> str:
    """Without white space: where a line breaks in a PDF or DOCX is no part of the text."""
    return "".join(text.split())


def test_the_generated_markdown_escapes_the_note(rendered: Path):
    block = (rendered / "_generated" / "indicatoren" / "delicten_opiumwet.md").read_text(encoding="utf-8")
    assert "\\<script\\>" in block and "\\{\\{\\< include" in block
    assert "<script>" not in block and "{{< include" not in block


def test_pdf_shows_the_note_literally(rendered: Path):
    pdf = next((rendered / "_book").glob("*.pdf"))
    text = _flat(
        subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, check=True).stdout.decode()
    )
    for part in LITERAL:
        assert _flat(part) in text, part
    assert SECRET not in text


def test_docx_shows_the_note_literally(rendered: Path):
    docx = next((rendered / "_book").glob("*.docx"))
    with zipfile.ZipFile(docx) as z:
        xml = z.read("word/document.xml").decode("utf-8")
    text = _flat(re.sub(r"<[^>]+>", "", re.sub(r"</w:p>", " ", xml)))
    import html

    text = html.unescape(text)
    for part in LITERAL:
        assert _flat(part) in text, part
    assert SECRET not in text


def _note_page(rendered: Path) -> Path:
    for page in sorted((rendered / "_book" / "html").glob("*.html")):
        if "window.__xss1" in page.read_text(encoding="utf-8"):
            return page
    raise AssertionError("no HTML page shows the note")


def test_html_shows_the_note_as_text_and_it_stays_inert(rendered: Path, browser):
    page_path = _note_page(rendered)
    source = page_path.read_text(encoding="utf-8")
    assert "<script>window.__xss1" not in source and 'href="javascript:' not in source
    assert SECRET not in source
    page, _requests, errors = open_page(browser, page_path, bypass_csp=False)
    console: list[str] = []
    page.on("console", lambda m: console.append(m.text) if m.type == "error" else None)
    page.reload()
    page.wait_for_load_state("load")
    page.evaluate("() => window.monitorChartsReady || null")
    state = page.evaluate(
        """() => ({
            xss: [window.__xss1, window.__xss2, window.__xss3],
            scripts: [...document.scripts].filter(s => ['', 'text/javascript'].includes(s.type)
                && s.textContent.includes('__xss')).length,
            imgs: [...document.querySelectorAll('img[onerror]')].length,
            links: [...document.querySelectorAll('a[href^="javascript:"]')].length,
            text: document.body.innerText,
        })"""
    )
    assert state["xss"] == [None, None, None]
    assert state["scripts"] == state["imgs"] == state["links"] == 0
    text = _flat(state["text"])
    for part in LITERAL:
        assert _flat(part) in text, part
    charts = chart_states(page)
    assert charts and all(c["drawn"] for c in charts), charts  # the site's own scripts run under the CSP
    assert not errors and not console, errors + console
    page.close()


def test_the_site_forbids_inline_script(rendered: Path, browser):
    """With the policy in force, a script injected inline into a page does not run."""
    page_path = _note_page(rendered)
    source = page_path.read_text(encoding="utf-8")
    assert 'http-equiv="Content-Security-Policy"' in source
    injected = page_path.with_name("csp-probe.html")
    injected.write_text(
        source.replace("</body>", "<script>window.__inline=1</script></body>"), encoding="utf-8"
    )
    page, _requests, _errors = open_page(browser, injected, bypass_csp=False)
    assert page.evaluate("() => window.__inline") is None
    charts = chart_states(page)
    assert charts and all(c["drawn"] for c in charts)
    page.close()
    injected.unlink()


def test_no_machine_path_in_any_output(rendered: Path):
    """The project folder is nowhere in the report: not in the DOCX properties, the PDF or the site."""
    here = str(rendered).encode("utf-8")
    docx = next((rendered / "_book").glob("*.docx"))
    with zipfile.ZipFile(docx) as z:
        for name in z.namelist():
            assert here not in z.read(name), f"{docx.name}:{name} holds the project folder"
            assert b"monitor-root" not in z.read(name), name
    pdf = next((rendered / "_book").glob("*.pdf"))
    assert here not in pdf.read_bytes()
    for page in (rendered / "_book" / "html").rglob("*"):
        if page.is_file():
            assert here not in page.read_bytes(), page.name
