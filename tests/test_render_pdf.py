"""Render stage, part 2: the PDF (Typst, PDF/UA-1) and the render pipeline (atomic _book/)."""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
import zlib
from pathlib import Path

import pytest

from report.errors import MonitorError
from report.render import render

FIXTURE = Path(__file__).parent / "fixtures" / "mini_book"
ALT = "Staafdiagram: inbeslagnames cocaïne stijgen van 40.456 kg in 2023 naar 45.312 kg in 2024."


def copy_mini(dest: Path) -> Path:
    return Path(shutil.copytree(FIXTURE, dest))


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> tuple[Path, Path]:
    root = copy_mini(tmp_path_factory.mktemp("pdf") / "mini_book")
    out = render(root, formats=("pdf",))
    return root, out["pdf"]


def run(*cmd: str) -> str:
    return subprocess.run(cmd, capture_output=True, check=True).stdout.decode("utf-8", "replace")


def pdf_strings(pdf: Path, key: bytes) -> list[str]:
    """Values of ``/key`` text strings anywhere in the PDF (also in compressed streams)."""
    data = pdf.read_bytes()
    chunks = [data]
    for m in re.finditer(rb"stream\r?\n", data):
        end = data.find(b"endstream", m.end())
        try:
            chunks.append(zlib.decompress(data[m.end() : end]))
        except zlib.error:
            pass
    blob = b"\n".join(chunks)
    values = []
    for m in re.finditer(rb"/" + key + rb"\s*(<[0-9A-Fa-f\s]*>|\((?:\\.|[^\\)])*\))", blob):
        raw = m.group(1)
        if raw.startswith(b"<"):
            b = bytes.fromhex(raw[1:-1].decode().replace(" ", ""))
            values.append(b[2:].decode("utf-16-be") if b.startswith(b"\xfe\xff") else b.decode("latin-1"))
        else:
            values.append(raw[1:-1].decode("latin-1"))
    return values


# --- the PDF --------------------------------------------------------------------------------


def test_output_name_and_place(rendered):
    root, pdf = rendered
    assert pdf == root / "_book" / "mini-monitor-2025.pdf"
    assert not list(root.glob(".monitor-tmp-*"))


def test_pdf_is_a4_tagged_with_title(rendered):
    info = run("pdfinfo", str(rendered[1]))
    assert re.search(r"Page size:\s+595\.2\d* x 841\.89 pts \(A4\)", info)
    assert re.search(r"Tagged:\s+yes", info)
    assert re.search(r"Title:\s+Mini-monitor", info)
    assert re.search(r"CreationDate:.*2025", info)  # the book date, not today


def test_pdf_declares_pdf_ua_1(rendered):
    assert b"<pdfuaid:part>1</pdfuaid:part>" in rendered[1].read_bytes()


def test_pdf_fonts_embedded(rendered):
    lines = run("pdffonts", str(rendered[1])).splitlines()[2:]
    assert lines, "no fonts in PDF"
    for line in lines:
        assert "NotoSans" in line, line
        cols = line.split()
        assert cols[-5] == "yes", f"font not embedded: {line}"


def test_pdf_contains_the_chapters(rendered):
    text = " ".join(run("pdftotext", str(rendered[1]), "-").split())
    for expected in [
        "Mini-monitor",
        "Een klein testboek",
        "Editie 2025",  # cover
        "Demonstratieversie: alle cijfers in dit rapport zijn fictief.",  # demo notice
        "Colofon",
        "Inhoud",  # colofon, table of contents
        "Dit is het voorwoord van de Mini-monitor, editie 2025.",
        "1 Inleiding",
        "1.1 Leeswijzer",
        "2 Import",
        "2.1 Inbeslagnames in Nederland",
        "In 2024 werd ten minste 45.312 kg cocaïne in beslag genomen.",
        "Figuur 2.1: Inbeslagnames in Nederland: kg cocaïne, 2023–2024",
        "Bron: Politie, KMar en Douane (via NDM).",
        "Kanttekeningen",
        "De cijfers zijn een ondergrens.",
        "Tabel 2.1: Inbeslagnames cocaïne in kilogram",
        "Bijlage A Overzicht van de indicatoren",
        "Tabel A.1: Indicatoren en hun kwaliteit",
        "A.1 Toelichting",
        "Zie Figuur 2.1.",
        "Tabel A.1 in bijlage A geeft alle indicatoren. Dit is paragraaf 1.1.",
        "Een voetnoot met uitleg over de bronnen.",
    ]:
        assert expected in text, expected


def test_pdf_running_header_and_page_numbers(rendered):
    # page 6 of the PDF is the second page of chapter 1 (after a page break): header + number
    page = run("pdftotext", "-f", "6", "-l", "6", "-layout", str(rendered[1]), "-")
    assert re.search(r"Mini-monitor\s+1\s+Inleiding", page)
    assert re.search(r"^\s*4\s*$", page, flags=re.M)


def test_pdf_figure_alt_text_and_vector(rendered):
    assert ALT in pdf_strings(rendered[1], b"Alt")
    # the figure is the SVG as vectors: no raster images, and its labels are text
    images = run("pdfimages", "-list", str(rendered[1])).splitlines()[2:]
    assert images == []
    assert "2023" in run("pdftotext", str(rendered[1]), "-")


def test_pdf_has_bookmarks_and_language(rendered):
    data = rendered[1].read_bytes()
    blob = data + b"".join(
        zlib.decompress(data[m.end() : data.find(b"endstream", m.end())])
        for m in re.finditer(rb"stream\r?\n", data)
        if _inflates(data[m.end() : data.find(b"endstream", m.end())])
    )
    assert b"/Outlines" in blob
    assert any(v.lower().startswith("nl") for v in pdf_strings(rendered[1], b"Lang"))


def outline_titles(pdf: Path) -> list[str]:
    """The PDF bookmarks: the /Title of every outline item (an object with /Parent and /Title).
    Typst writes them as plain objects; should that change, the test says so instead of passing."""
    data = pdf.read_bytes()
    assert b"/ObjStm" not in data, "objects in compressed streams: read the outline another way"
    titles = []
    for obj in re.findall(rb"\d+ 0 obj(.*?)endobj", data, re.S):
        if b"/Parent" not in obj:
            continue
        m = re.search(rb"/Title\s*(<[0-9A-Fa-f\s]*>|\((?:\\.|[^\\)])*\))", obj)
        if m is None:
            continue
        raw = m.group(1)
        if raw.startswith(b"<"):
            b = bytes.fromhex(raw[1:-1].decode().replace(" ", ""))
            titles.append(b[2:].decode("utf-16-be") if b.startswith(b"\xfe\xff") else b.decode("latin-1"))
        else:
            text = re.sub(rb"\\([()\\])", rb"\1", raw[1:-1])
            titles.append(text.decode("latin-1"))
    return titles


def test_bookmarks_have_a_space_after_the_number(rendered):
    titles = outline_titles(rendered[1])
    assert {"1 Inleiding", "1.1 Leeswijzer", "2 Import", "2.1 Inbeslagnames in Nederland"} <= set(titles)
    assert "Bijlage A Overzicht van de indicatoren" in titles
    for title in titles:
        assert not re.match(r"^(\d+(\.\d+)*|Bijlage [A-Z]|[A-Z]\.\d+)[^\s\d.]", title), title


@pytest.fixture(scope="module")
def typst_source(tmp_path_factory) -> str:
    from report.render.book import load_book
    from report.render.pdf import write_typst

    tmp = tmp_path_factory.mktemp("typst")
    book = load_book(FIXTURE)
    md = tmp / "book.md"
    md.write_text(book.markdown, encoding="utf-8")
    return write_typst(book, md, tmp / "book.typ").read_text(encoding="utf-8")


def test_no_table_header_in_the_typst_source_can_hyphenate(typst_source: str):
    source = typst_source
    headers = [_balanced(source, m.end() - 1) for m in re.finditer(r"table\.header\(", source)]
    assert len(headers) >= 2
    for header in headers:
        cells = _top_level_brackets(header)
        assert cells, header
        for cell in cells:
            assert cell.startswith("[#text(hyphenate: false)["), cell
    # and the template's rule for every header row
    assert "show table.cell.where(y: 0): set text(" in source and "hyphenate: false)" in source


def _balanced(text: str, start: int) -> str:
    """The bracketed text that opens at ``text[start]`` ("(" or "["), brackets counted."""
    depth = 0
    for i in range(start, len(text)):
        if text[i] in "([":
            depth += 1
        elif text[i] in ")]":
            depth -= 1
            if depth == 0:
                return text[start : i + 1]
    raise AssertionError(f"unbalanced brackets from {start}")


def _top_level_brackets(header: str) -> list[str]:
    cells, i = [], 1
    while i < len(header) - 1:
        if header[i] == "[":
            cell = _balanced(header, i)
            cells.append(cell)
            i += len(cell)
        else:
            i += 1
    return cells


def test_quality_rating_is_a_marker_and_the_word(typst_source: str, rendered):
    # Tabel A.1: a coloured dot (monitor-kwaliteit) and the word, so colour never stands alone.
    assert '[#monitor-kwaliteit("geel")geel]' in typst_source
    assert '[#monitor-kwaliteit("oranje")oranje]' in typst_source
    assert "#let monitor-kwaliteit(rating)" in typst_source
    text = run("pdftotext", str(rendered[1]), "-")
    assert "geel" in text and "oranje" in text


def _inflates(chunk: bytes) -> bool:
    try:
        zlib.decompress(chunk)
        return True
    except zlib.error:
        return False


def test_two_renders_are_identical(rendered, tmp_path: Path):
    # another copy in another folder: same inputs, same bytes (dates come from the book)
    other = copy_mini(tmp_path / "elders" / "mini_book")
    pdf2 = render(other, formats=("pdf",))["pdf"]
    assert pdf2.read_bytes() == rendered[1].read_bytes()


def test_draft_pdf_is_marked(tmp_path: Path):
    root = copy_mini(tmp_path / "mini_book")
    pdf = render(root, formats=("pdf",), draft=True)["pdf"]
    text = run("pdftotext", str(pdf), "-")
    assert "CONCEPT" in text and "30 juni 2025" in text and "2025-06-30" not in text


# --- atomic _book ---------------------------------------------------------------------------


def _snapshot(folder: Path) -> dict[str, bytes]:
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in files}


def test_failed_render_leaves_previous_book_untouched(tmp_path: Path):
    root = copy_mini(tmp_path / "mini_book")
    render(root, formats=("pdf",))
    before = _snapshot(root / "_book")
    chapter = root / "chapters/02-import.qmd"
    chapter.write_text(chapter.read_text().replace("inbeslagnames_nl.md", "weg.md"))
    with pytest.raises(MonitorError, match=r"chapters/02-import.qmd, line 3.*weg\.md"):
        render(root, formats=("pdf",))
    assert _snapshot(root / "_book") == before
    assert not list(root.glob(".monitor-tmp-*"))


def test_failure_inside_typst_leaves_previous_book_untouched(tmp_path: Path):
    root = copy_mini(tmp_path / "mini_book")
    render(root, formats=("pdf",))
    before = _snapshot(root / "_book")
    (root / "_generated/figuren/inbeslagnames_nl-kg.svg").unlink()  # Typst cannot find the figure
    with pytest.raises(MonitorError, match="Typst"):
        render(root, formats=("pdf",))
    assert _snapshot(root / "_book") == before
    assert not list(root.glob(".monitor-tmp-*"))


def test_render_into_other_out_dir(tmp_path: Path):
    root = copy_mini(tmp_path / "mini_book")
    out = render(root, formats=["pdf"], out_dir=tmp_path / "uit")
    assert out["pdf"] == tmp_path / "uit" / "mini-monitor-2025.pdf" and out["pdf"].is_file()
    assert not (root / "_book").exists()


def test_bad_arguments():
    with pytest.raises(MonitorError, match="Unknown format"):
        render(FIXTURE, formats=("epub",))
    with pytest.raises(MonitorError, match="Unknown engine"):
        render(FIXTURE, engine="latex")


# --- engine="quarto" ------------------------------------------------------------------------


def test_quarto_engine_without_quarto(monkeypatch, tmp_path: Path):
    monkeypatch.setenv("PATH", str(tmp_path))  # no quarto here
    monkeypatch.delenv("QUARTO", raising=False)
    with pytest.raises(MonitorError, match="Quarto is not installed; use the embedded engine"):
        render(FIXTURE, formats=("pdf",), engine="quarto")


def test_quarto_engine_runs_quarto_and_publishes(monkeypatch, tmp_path: Path, rendered):
    """A stand-in ``quarto`` writes the PDF where ``--output-dir`` says; render publishes it."""
    root = copy_mini(tmp_path / "mini_book")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "quarto.log"
    fake = bin_dir / "quarto"
    fake.write_text(
        "#!/bin/sh\n"
        f'echo "$@" >> "{log}"\n'
        'out=""; prev=""\n'
        'for a in "$@"; do [ "$prev" = "--output-dir" ] && out="$a"; prev="$a"; done\n'
        'mkdir -p "$out"\n'
        f'cp "{rendered[1]}" "$out/mini-monitor.pdf"\n'
    )
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    out = render(root, formats=("pdf",), engine="quarto")
    assert out["pdf"] == root / "_book" / "mini-monitor-2025.pdf"
    assert out["pdf"].read_bytes() == rendered[1].read_bytes()
    assert "render" in log.read_text() and "--to typst" in log.read_text()
    assert not list(root.glob(".monitor-tmp-*"))


def test_new_edition_replaces_the_old_one(tmp_path: Path):
    root = copy_mini(tmp_path / "mini_book")
    (root / "_book").mkdir()
    (root / "_book" / "mini-monitor-2024.pdf").write_bytes(b"old edition")
    (root / "_book" / "notities.txt").write_text("blijft staan")
    render(root, formats=("pdf",))
    names = sorted(p.name for p in (root / "_book").iterdir())
    # build-info.json: the toolchain's versions; gegevens: the open data, written by every render
    assert names == ["build-info.json", "gegevens", "mini-monitor-2025.pdf", "notities.txt"]


def test_failure_in_a_later_format_publishes_nothing(tmp_path: Path, monkeypatch):
    """The PDF is ready when the HTML fails: nothing moves into _book/, the old files stay."""
    import report.render.html as html_module

    root = copy_mini(tmp_path / "mini_book")
    render(root, formats=("pdf",))
    before = _snapshot(root / "_book")
    (root / "chapters/01-inleiding.qmd").write_text("# Inleiding\n\nNieuwe tekst.\n", encoding="utf-8")

    def broken_site(*args, **kwargs):
        raise MonitorError("HTML kapot (test)")

    monkeypatch.setattr(html_module, "build_html_site", broken_site)
    with pytest.raises(MonitorError, match="HTML kapot"):
        render(root, formats=("pdf", "html"))
    assert _snapshot(root / "_book") == before
    assert not list(root.glob(".monitor-tmp-*"))
