"""The whole report, end to end: the demo data rendered to PDF, DOCX and HTML.

One render of a project copy is shared by the checks below (it takes about a minute); the
failure tests break a copy of that rendered project and show the outputs survive.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from conftest import copy_project
from docx import Document

from report.build import build
from report.errors import MonitorError
from report.project import Project
from report.registry import load_registry
from report.render import render

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> Path:
    root = copy_project(tmp_path_factory.mktemp("report") / "project")
    build(Project(root))
    render(root)
    return root


def _outputs(root: Path) -> dict[str, Path]:
    book = root / "_book"
    return {
        "pdf": next(book.glob("*.pdf")),
        "docx": next(book.glob("*.docx")),
        "html": book / "html" / "index.html",
    }


def _digest(path: Path) -> str:
    h = hashlib.sha256()
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    for f in files:
        h.update(str(f.relative_to(path) if path.is_dir() else f.name).encode())
        h.update(f.read_bytes())
    return h.hexdigest()


def _pdftext(pdf: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout


def _squash(text: str) -> str:
    return " ".join(text.split())


# -- PDF ----------------------------------------------------------------------------------------


def test_pdf_is_a4_tagged_with_embedded_fonts(rendered):
    pdf = _outputs(rendered)["pdf"]
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "595.276 x 841.89" in info or "595.28 x 841.89" in info
    assert re.search(r"Tagged:\s+yes", info)
    assert re.search(r"Title:\s+Monitor drugscriminaliteit", info)
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    rows = fonts.splitlines()[2:]
    assert rows and all(" yes " in r for r in rows), fonts
    # PDF/UA-1 identification in the XMP metadata (Typst writes it with pdf_standards ua-1).
    assert b"pdfuaid" in pdf.read_bytes()


def test_pdf_shows_all_indicators_under_their_themes_with_text_figure_source_and_caveats(rendered):
    reg = load_registry(rendered / "data" / "indicators.yml")
    text = _squash(_pdftext(_outputs(rendered)["pdf"]))
    first_page = _squash(
        subprocess.run(
            ["pdftotext", "-f", "1", "-l", "1", str(_outputs(rendered)["pdf"]), "-"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )
    assert "Fictieve demonstratiegegevens" in first_page
    body = text[text.find("1 Inleiding", text.find("Summary")) :]
    pos = 0
    for theme in reg.themes:
        title = f"{theme.chapter} {theme.title.nl}"
        found = body.find(title, pos)
        assert found >= 0, f"chapter {title!r} missing or out of order"
        pos = found
        for ind in reg.indicators_of(theme.id):
            assert _squash(ind.title.nl)[:40] in body[pos:], ind.id
    assert "Samenhang" in body and "Bijlage A" in text
    assert text.count("Bron:") >= 25  # every figure has its source line
    assert text.count("Kanttekeningen") >= 20
    assert len(re.findall(r"Figuur \d+\.\d+", text)) >= 25


# -- DOCX ---------------------------------------------------------------------------------------


def test_docx_headings_native_tables_and_figures_with_alt_text_and_captions(rendered):
    path = _outputs(rendered)["docx"]
    doc = Document(str(path))
    styles = {p.style.name for p in doc.paragraphs}
    assert {"Heading 1", "Heading 2"} <= styles
    assert len(doc.tables) >= 30  # appendix data tables, Samenhang, overview: native tables
    xml = zipfile.ZipFile(path).read("word/document.xml").decode("utf-8")
    pictures = re.findall(r"<wp:docPr [^>]*>", xml)
    assert len(pictures) >= 26
    for pic in pictures:
        descr = re.search(r'descr="([^"]*)"', pic)
        assert descr and len(descr.group(1)) > 20, pic
    captions = [p for p in doc.paragraphs if p.text.startswith("Figuur ")]
    assert len(captions) >= len(pictures) - 1
    assert "TOC" in xml  # a table-of-contents field Word fills in
    cover = []
    for p in doc.paragraphs:
        if p.style.name == "Heading 1":
            break
        cover.append(p.text)
    assert any("Fictieve demonstratiegegevens" in t for t in cover), cover


def test_docx_converts_with_libreoffice(rendered, tmp_path):
    path = _outputs(rendered)["docx"]
    proc = subprocess.run(
        ["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(path)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    out = tmp_path / (path.stem + ".pdf")
    assert out.exists() and out.stat().st_size > 100_000


# -- determinism and failures ------------------------------------------------------------------


def test_second_render_gives_identical_docx_and_html_and_pdf(rendered, tmp_path, monkeypatch):
    before = {k: _digest(v if k != "html" else v.parent) for k, v in _outputs(rendered).items()}
    monkeypatch.setenv("MONITOR_CACHE", "off")  # render again for real, not copied from the cache
    render(rendered, out_dir=tmp_path / "again")
    again = tmp_path / "again"
    after = {
        "pdf": _digest(next(again.glob("*.pdf"))),
        "docx": _digest(next(again.glob("*.docx"))),
        "html": _digest(again / "html"),
    }
    assert after["docx"] == before["docx"]
    assert after["html"] == before["html"]
    # Typst's dates come from the book date and its document id from the title, so the PDF is
    # byte-identical too (docs/conventions.md documents what may differ: nothing, today).
    assert after["pdf"] == before["pdf"]


@pytest.fixture
def rendered_copy(rendered, tmp_path) -> Path:
    dest = tmp_path / "copy"
    shutil.copytree(rendered, dest)
    return dest


def test_a_clone_elsewhere_renders_byte_identical_outputs_without_machine_paths(rendered, rendered_copy):
    """Two clones on two machines (here: two folders) give the same bytes; no path leaks in."""
    render(rendered_copy)
    for fmt, path in _outputs(rendered).items():
        other = _outputs(rendered_copy)[fmt]
        assert _digest(other if fmt != "html" else other.parent) == _digest(
            path if fmt != "html" else path.parent
        ), fmt
    with zipfile.ZipFile(_outputs(rendered_copy)["docx"]) as z:
        for name in z.namelist():
            data = z.read(name)
            assert str(rendered_copy).encode() not in data and str(rendered).encode() not in data, name


def _break(root: Path, what: str) -> None:
    if what == "include":
        ch = root / "chapters" / "04-handel.qmd"
        ch.write_text(
            ch.read_text(encoding="utf-8") + "\n{{< include /_generated/indicatoren/bestaat_niet.md >}}\n",
            encoding="utf-8",
        )
    elif what == "market":
        obs = root / "data" / "clean" / "observations.csv"
        obs.write_text(obs.read_text(encoding="utf-8").replace(",cocaine,NL,2017,", ",coke,NL,2017,", 1))
    elif what == "template":
        tpl = root / "chapters" / "sjablonen" / "nl" / "reeks.md.j2"
        tpl.write_text(tpl.read_text(encoding="utf-8") + "{{ s.trend_per_kwartaal }}\n", encoding="utf-8")
    elif what == "caveats":
        reg = root / "data" / "indicators.yml"
        text = reg.read_text(encoding="utf-8")
        start = text.index("id: liquidaties")
        cav = text.index("caveats:", start)
        end = text.index("\n  - number:", cav)
        reg.write_text(text[:cav] + "caveats: []" + text[end:], encoding="utf-8")


@pytest.mark.parametrize(
    "what, message",
    [
        ("include", r"04-handel\.qmd.*bestaat_niet\.md"),
        ("market", r"column 'market': found 'coke'.*did you mean 'cocaine'"),
        ("template", r"reeks\.md\.j2.*trend_per_kwartaal"),
        ("caveats", r"indicator 14 \(liquidaties\)\.caveats"),
    ],
)
def test_bad_input_is_a_clear_error_and_keeps_the_previous_report(rendered_copy, what, message):
    outputs = _outputs(rendered_copy)
    before = {k: _digest(v if k != "html" else v.parent) for k, v in outputs.items()}
    _break(rendered_copy, what)
    with pytest.raises(MonitorError, match=re.compile(message, re.S)):
        build(Project(rendered_copy))
        render(rendered_copy)
    after = {k: _digest(v if k != "html" else v.parent) for k, v in _outputs(rendered_copy).items()}
    assert after == before
    assert not list(rendered_copy.glob(".monitor-tmp*"))


# -- HTML -----------------------------------------------------------------------------------------


def test_html_site_opens_from_files_with_every_chart_drawn_and_nothing_fetched(rendered, browser):
    from browser import chart_states, open_page

    site = _outputs(rendered)["html"].parent
    pages = sorted(site.glob("*.html"))
    assert len(pages) >= 16  # a page per chapter and appendix
    charts = 0
    for path in pages:
        page, requests, errors = open_page(browser, path)
        try:
            assert not errors, f"{path.name}: {errors}"
            assert page.evaluate("() => document.documentElement.lang") == "nl"
            for chart in chart_states(page):
                assert chart["drawn"] and chart["label"], f"{path.name}: a chart was not drawn"
                charts += 1
            outside = [u for u in requests if not u.startswith("file://")]
            assert not outside, f"{path.name} requested {outside}"
        finally:
            page.close()
    figures = len(list((rendered / "_generated" / "figuren").glob("*.vl.json")))
    assert charts == figures
    assert "Fictieve demonstratiegegevens" in (site / "index.html").read_text(encoding="utf-8")


def test_html_report_has_no_serious_accessibility_violations(rendered, browser):
    from browser import axe_violations, open_page

    site = _outputs(rendered)["html"].parent
    problems = []
    for name in (
        "index.html",
        "sec-import.html",
        "sec-gebruik.html",
        "sec-samenhang.html",
        "sec-tabellen.html",
    ):
        path = site / name
        assert path.exists(), name
        page, _r, _e = open_page(browser, path)
        try:
            problems += [(name, v) for v in axe_violations(page) if v["impact"] in ("serious", "critical")]
        finally:
            page.close()
    assert not problems, problems


def test_build_info_records_the_toolchain_versions_without_machine_facts(rendered):
    import json
    from importlib.metadata import version

    info = json.loads((rendered / "_book" / "build-info.json").read_text(encoding="utf-8"))
    assert info["formats"] == ["docx", "html", "pdf"]
    assert re.fullmatch(r"\d+\.\d+(\.\d+)*", info["pandoc"])
    for dist in ("pandas", "altair", "vl-convert-python", "typst", "pypandoc-binary"):
        assert info["packages"][dist] == version(dist)
    text = json.dumps(info)
    assert str(rendered) not in text and "/root" not in text and "/home" not in text


def test_the_three_formats_together_give_the_site_its_gegevens_page(rendered):
    """With all formats the book is read once as JSON: the site's data page must still join it."""
    page = (rendered / "_book" / "html" / "gegevens.html").read_text(encoding="utf-8")
    assert "datapackage.json" in page and "Gegevens" in page
