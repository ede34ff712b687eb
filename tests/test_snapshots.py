"""Snapshots of the mini book in every format, so details a reader notices do not come back
unnoticed: the PDF's text (pdftotext), the DOCX's XML of the body and headers, the HTML pages'
main content. The snapshots are committed in tests/snapshots/.

A change in the output fails the test with a diff. When the change is meant, write the new
snapshots and commit them with the change (look at the diff first):

    UPDATE_SNAPSHOTS=1 python -m pytest tests/test_snapshots.py
"""

from __future__ import annotations

import difflib
import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from report.render import render

FIXTURE = Path(__file__).parent / "fixtures" / "mini_book"
SNAPSHOTS = Path(__file__).parent / "snapshots"
UPDATE = os.environ.get("UPDATE_SNAPSHOTS") == "1"
UPDATE_COMMAND = "UPDATE_SNAPSHOTS=1 python -m pytest tests/test_snapshots.py"


@pytest.fixture(scope="module")
def outputs(tmp_path_factory) -> dict[str, Path]:
    root = Path(shutil.copytree(FIXTURE, tmp_path_factory.mktemp("snap") / "mini_book"))
    out = render(root, formats=("pdf", "docx", "html"))
    return {"root": root, "pdf": out["pdf"], "docx": out["docx"], "html": out["html"].parent}


def _normalise(text: str, root: Path) -> str:
    """The copy's folder differs per run: write it as <root>. No trailing blanks."""
    text = text.replace(root.resolve().as_posix(), "<root>").replace(root.as_posix(), "<root>")
    return "\n".join(line.rstrip() for line in text.splitlines()) + "\n"


def pdf_text(pdf: Path) -> str:
    pages = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, check=True
    ).stdout.decode("utf-8")
    parts = pages.split("\f")
    if parts and not parts[-1].strip():
        parts = parts[:-1]
    return "".join(f"=== pagina {i} ===\n{p.strip()}\n" for i, p in enumerate(parts, 1))


DOCX_PARTS = re.compile(r"word/(document|header\d*|footer\d*)\.xml")


def docx_xml(path: Path) -> str:
    """The body, headers and footers, pretty-printed (one element a line, stable order)."""
    out = []
    with zipfile.ZipFile(path) as z:
        for name in sorted(n for n in z.namelist() if DOCX_PARTS.fullmatch(n)):
            tree = etree.fromstring(z.read(name))
            out.append(f"=== {name} ===\n" + etree.tostring(tree, pretty_print=True, encoding="unicode"))
    return "".join(out)


def html_main(site: Path) -> str:
    """Each page's <main> (the content; the navigation is tested elsewhere)."""
    out = []
    for page in sorted(site.glob("*.html")):
        text = page.read_text(encoding="utf-8")
        m = re.search(r"<main\b.*?</main>", text, re.S)
        assert m, f"{page.name}: no <main>"
        out.append(f"=== {page.name} ===\n{m.group(0)}\n")
    return "".join(out)


def check_snapshot(name: str, actual: str) -> None:
    path = SNAPSHOTS / name
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8", newline="\n")
        return
    assert path.exists(), f"{path} is missing: run {UPDATE_COMMAND}"
    expected = path.read_text(encoding="utf-8")
    if actual != expected:
        diff = "".join(
            list(
                difflib.unified_diff(
                    expected.splitlines(True), actual.splitlines(True), str(path), "rendered now", n=2
                )
            )[:120]
        )
        pytest.fail(
            f"{name} differs from the snapshot. If the change is meant, run {UPDATE_COMMAND} "
            f"and commit it.\n{diff}",
            pytrace=False,
        )


def test_pdf_text_snapshot(outputs):
    text = _normalise(pdf_text(outputs["pdf"]), outputs["root"])
    # the details this snapshot guards, named so a reader of a failure sees them
    assert "Editie 2025" in text and "30 juni 2025" in text
    check_snapshot("mini_book.pdf.txt", text)


def test_docx_xml_snapshot(outputs):
    xml = _normalise(docx_xml(outputs["docx"]), outputs["root"])
    assert 'w:val="Editie"' in xml and 'w:val="Uitgever"' in xml
    check_snapshot("mini_book.docx.xml", xml)


def test_html_main_snapshot(outputs):
    html = _normalise(html_main(outputs["html"]), outputs["root"])
    assert 'class="cover-kicker">Editie 2025<' in html
    check_snapshot("mini_book.html", html)


def test_snapshots_are_deterministic(outputs, tmp_path: Path):
    # another copy elsewhere renders to the same snapshots (else they could never be compared)
    other = Path(shutil.copytree(FIXTURE, tmp_path / "elders" / "mini_book"))
    again = render(other, formats=("pdf", "docx", "html"))
    first = outputs["root"]
    assert _normalise(pdf_text(again["pdf"]), other) == _normalise(pdf_text(outputs["pdf"]), first)
    assert _normalise(docx_xml(again["docx"]), other) == _normalise(docx_xml(outputs["docx"]), first)
    assert _normalise(html_main(again["html"].parent), other) == _normalise(html_main(outputs["html"]), first)
