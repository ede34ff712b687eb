"""The demo report rendered with real Quarto, compared with the embedded engine.

One copy of the project (sources only, no ``_generated/``: a fresh clone) is rendered once
for the whole module, three ways:

* ``quarto render`` with no step before it (its pre-render runs the build);
* ``monitor render --engine quarto`` (the API behind it), which adds the DOCX post-processing;
* the embedded engine.

Quarto is found through ``QUARTO`` (the launcher's path), ``quarto`` on PATH, or the known
location /opt/quarto-src/bin/quarto where ../shared/tools/quarto/build.sh puts it; without
it these tests skip and say so. A Quarto render takes about a minute on a loaded machine.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import docx
import pytest
from conftest import copy_project

pytestmark = pytest.mark.slow

KNOWN_QUARTO = Path("/opt/quarto-src/bin/quarto")


def find_quarto() -> str | None:
    explicit = os.environ.get("QUARTO")
    if explicit:
        return explicit if Path(explicit).is_file() else None
    return shutil.which("quarto") or (str(KNOWN_QUARTO) if KNOWN_QUARTO.is_file() else None)


@contextlib.contextmanager
def _env(**values: str):
    old = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


@pytest.fixture(scope="module")
def renders(tmp_path_factory) -> dict:
    quarto = find_quarto()
    if quarto is None:
        pytest.skip(
            "Quarto not found: QUARTO is not set, no quarto on PATH, nothing at "
            f"{KNOWN_QUARTO} (build it with ../shared/tools/quarto/build.sh)"
        )
    from report.render import render

    root = copy_project(tmp_path_factory.mktemp("quarto") / "project")
    assert not (root / "_generated").exists()
    # Quarto's pre-render runs `python -m report build`: this test's Python and its packages.
    env = dict(os.environ, PATH=os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]]))
    t0 = time.perf_counter()
    proc = subprocess.run([quarto, "render"], cwd=root, env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - t0
    assert proc.returncode == 0, f"quarto render in a fresh copy failed:\n{proc.stderr[-4000:]}"
    raw = root / "_book"
    with _env(QUARTO=quarto, PATH=env["PATH"]):
        via_monitor = render(root, engine="quarto", out_dir=root / "out-quarto")
    embedded = render(root, engine="embedded", out_dir=root / "out-embedded")
    return {
        "root": root,
        "seconds": seconds,
        "stderr": proc.stderr,
        "raw": {
            "pdf": raw / "monitor-drugscriminaliteit.pdf",
            "docx": raw / "monitor-drugscriminaliteit.docx",
            "html": raw / "index.html",
        },
        "quarto": via_monitor,
        "embedded": embedded,
    }


@functools.cache
def pdf_text(path: Path) -> str:
    out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return out.replace("\u00a0", " ").replace("\u2060", "")


def _flat(text: str) -> str:
    return " ".join(text.split())


def test_fresh_copy_renders_three_formats_with_quarto_alone(renders):
    for fmt, path in renders["raw"].items():
        assert path.is_file() and path.stat().st_size > 1000, f"quarto render wrote no {fmt}: {path}"
    assert "could not find file" not in renders["stderr"]


def test_monitor_render_engine_quarto_gives_three_formats(renders):
    out = renders["quarto"]
    # the three formats, and with them the open data and the build record, as the embedded engine
    assert set(out) == {"pdf", "docx", "html", "gegevens", "build-info"} == set(renders["embedded"])
    assert out["gegevens"].name == "datapackage.json" and out["gegevens"].is_file()
    assert json.loads(out["build-info"].read_text(encoding="utf-8"))["engine"] == "quarto"
    assert out["pdf"].name == out["docx"].with_suffix(".pdf").name == "monitor-drugscriminaliteit-2024.pdf"
    assert out["html"].name == "index.html" and (out["html"].parent / "site_libs").is_dir()
    # the PDF and DOCX went out of the site's folder, next to it
    assert not list(out["html"].parent.glob("*.pdf")) and not list(out["html"].parent.glob("*.docx"))


def test_same_chapter_titles_and_numbers(renders):
    heads = {}
    for engine in ("quarto", "embedded"):
        doc = docx.Document(str(renders[engine]["docx"]))
        # monitor.lua takes the dot out of Quarto's "1. Inleiding" and the dash of "Bijlage A — …"
        heads[engine] = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    assert heads["quarto"] == heads["embedded"]
    assert "2 Import" in heads["embedded"] and "Bijlage C Tabellen" in heads["embedded"]
    assert len(heads["embedded"]) == 17


_LABEL = re.compile(r"^((?:Figuur|Tabel) (?:\d+|[A-Z])\.\d+):", flags=re.M)


def test_same_figure_and_table_labels_with_captions_above(renders):
    labels = {e: _LABEL.findall(pdf_text(renders[e]["pdf"])) for e in ("quarto", "embedded")}
    assert labels["quarto"] == labels["embedded"]
    assert "Figuur 2.1" in labels["embedded"] and "Tabel A.1" in labels["embedded"]
    assert len([x for x in labels["embedded"] if x.startswith("Figuur")]) == 31
    # the caption comes before the figure's source line, as in the embedded engine
    for engine in ("quarto", "embedded"):
        text = pdf_text(renders[engine]["pdf"])
        page = text[text.index("Figuur 2.1:") :]
        assert page.index("Figuur 2.1:") < page.index("Bron:"), engine


def _generated_sentences(root: Path) -> list[str]:
    """Every generated sentence "In 2024 ..." of the indicator blocks (text and list items)."""
    sentences = []
    for md in sorted((root / "_generated" / "indicatoren").glob("*.md")):
        for line in md.read_text(encoding="utf-8").split("\n"):
            if line.startswith(("!", ":::", "|", "#")):
                continue  # figures (their alt text), divs, tables, headings
            text = re.sub(r"[*_]", "", line)
            sentences += re.findall(r"\bIn \d{4} .*?\.(?=\s|$)", text)
    return sentences


def test_same_generated_sentences(renders):
    sentences = _generated_sentences(renders["root"])
    assert len(sentences) >= 40, sentences
    for engine in ("quarto", "embedded"):
        text = _flat(pdf_text(renders[engine]["pdf"]))
        missing = [s for s in sentences if s not in text]
        assert not missing, f"{engine}: {missing[:3]}"


def test_same_number_of_source_lines(renders):
    counts = {e: pdf_text(renders[e]["pdf"]).count("Bron:") for e in ("quarto", "embedded")}
    assert counts["quarto"] == counts["embedded"] > 30
    docx_counts = {
        e: "".join(docx.Document(str(renders[e]["docx"])).element.body.xpath(".//w:t/text()")).count("Bron:")
        for e in ("quarto", "embedded")
    }
    assert docx_counts["quarto"] == docx_counts["embedded"] > 30


def test_docx_every_image_has_alt_text_and_tables_are_native(renders):
    shapes = {}
    for engine in ("quarto", "embedded"):
        body = docx.Document(str(renders[engine]["docx"])).element.body
        pictures = body.xpath(".//wp:docPr")
        assert pictures, engine
        without = [p.get("name") for p in pictures if not (p.get("descr") or "").strip()]
        assert not without, f"{engine}: pictures without alt text: {without}"
        tables = body.xpath(".//w:tbl")
        shapes[engine] = (len(pictures), len(tables), len(body.xpath(".//w:tbl//w:tbl")))
    # same figures, same tables, no tables around tables (Quarto's float and callout wrappers)
    assert shapes["quarto"] == shapes["embedded"]
    assert shapes["embedded"][2] == 0


def test_plain_quarto_render_docx_has_alt_text_and_no_icons(renders):
    """Without our post-processing too: monitor.lua gives Quarto's images their fig-alt."""
    body = docx.Document(str(renders["raw"]["docx"])).element.body
    pictures = body.xpath(".//wp:docPr")
    assert len(pictures) == 31  # the figures, no callout icons
    alts = [(p.get("descr") or "").strip() for p in pictures]
    assert all(a and not a.endswith((".png", ".svg")) for a in alts), alts


def test_pdf_is_pdf_ua_1(renders):
    for engine in ("quarto", "embedded"):
        data = renders[engine]["pdf"].read_bytes()
        assert re.search(rb"pdfuaid:part(>|=\")1", data), f"{engine}: no PDF/UA-1 identifier"


def test_cover_has_the_publisher_block_and_demo_notice(renders):
    # "raw": Quarto read _generated/metadata.yml (metadata-files) although the build that
    # writes it ran only as its pre-render: Quarto reads the project again after pre-render.
    for engine in ("raw", "quarto", "embedded"):
        cover = pdf_text(renders[engine]["pdf"]).split("\f")[0]
        assert "Demonstratie-uitgave — geen officiële publicatie" in cover, engine
        assert "Onderzoeksbureau" not in cover
        assert "Fictieve demonstratiegegevens" in cover, engine
        assert "Editie 2024" in cover, engine


def test_plain_quarto_render_docx_uses_our_reference_doc(renders):
    """reference-doc is _generated/reference.docx, written by the pre-render build."""
    styles = {p.style.name for p in docx.Document(str(renders["raw"]["docx"])).paragraphs}
    assert {"Bronvermelding", "Kanttekening", "Demo"} <= styles


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep the test output clean
        pass


@pytest.fixture(scope="module")
def served_quarto_site(renders):
    site = renders["quarto"]["html"].parent
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(site)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", site
    server.shutdown()
    server.server_close()
    thread.join()


def test_quarto_html_has_no_console_errors_over_http(served_quarto_site, browser):
    base, site = served_quarto_site
    pages = sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html") if "site_libs" not in p.parts)
    assert "index.html" in pages and any("a-overzicht" in p for p in pages)
    problems = []
    for rel in pages:
        page = browser.new_page()
        errors: list[str] = []
        page.on("console", lambda m, errors=errors: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e, errors=errors: errors.append(str(e)))
        page.goto(f"{base}/{rel}")
        page.wait_for_load_state("load")
        problems += [f"{rel}: {e}" for e in errors]
        if "a-overzicht" in rel or "c-tabellen" in rel:
            assert page.locator("main table").count() > 0, f"{rel}: no table drawn"
        page.close()
    assert not problems, problems[:10]


def test_references_to_appendices_and_sections_read_the_same(renders):
    for engine in ("quarto", "embedded"):
        text = _flat(pdf_text(renders[engine]["pdf"]))
        assert "Bijlage Bijlage" not in text, engine
        assert "Bijlage A geeft een overzicht" in text, engine  # a reference that opens a sentence
        assert "paragraaf 5.2" in text, engine
