"""Render stage, DOCX: the reference document, Pandoc's DOCX after post-processing, the draft.

The book tests render the mini book (tests/fixtures/mini_book) through ``report.render.render``;
the unit tests run Pandoc on small documents of their own (also one shaped like Quarto's DOCX,
with the figure in a layout table and no alt text).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from pathlib import Path
from types import SimpleNamespace

import docx
import pytest

from report.errors import MonitorError
from report.render import render
from report.render.docx import postprocess_docx, write_reference_docx

FIXTURE = Path(__file__).parent / "fixtures" / "mini_book"
ALT = "Staafdiagram: inbeslagnames cocaïne stijgen van 40.456 kg in 2023 naar 45.312 kg in 2024."

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NS = {
    "w": W,
    "wp": "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing",
    "pic": "http://schemas.openxmlformats.org/drawingml/2006/picture",
}


def q(tag: str) -> str:
    prefix, name = tag.split(":")
    return f"{{{NS[prefix]}}}{name}"


def pandoc() -> str:
    import pypandoc

    return pypandoc.get_pandoc_path()


def body_of(path: Path):
    return docx.Document(str(path)).element.body


def pictures(body) -> list:
    return body.xpath(".//wp:inline | .//wp:anchor")


def style_of(p) -> str:
    return p.xpath("string(./w:pPr/w:pStyle/@w:val)")


def text_of(el) -> str:
    return "".join(t.text or "" for t in el.iter(q("w:t")))


def soffice_to_pdf(docx_path: Path, out_dir: Path) -> Path:
    """LibreOffice's Word import (a second, independent reader); own profile, no clashes."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    assert soffice, "LibreOffice is required for this test (apt-get install libreoffice-writer-nogui)"
    profile = out_dir / "lo-profile"
    proc = subprocess.run(
        [
            soffice,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(out_dir),
            str(docx_path),
        ],
        capture_output=True,
        timeout=180,
        check=False,
    )
    pdf = out_dir / (docx_path.stem + ".pdf")
    assert proc.returncode == 0 and pdf.exists(), proc.stderr.decode("utf-8", "replace")
    return pdf


# --- the reference document -----------------------------------------------------------------


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("ref") / "reference.docx"
    write_reference_docx(path)
    return path


def test_reference_is_a4_with_margins(reference: Path):
    section = docx.Document(str(reference)).sections[0]
    assert section.page_width.twips == 11906
    assert section.page_height.twips == 16838
    for margin in (section.left_margin, section.right_margin, section.top_margin, section.bottom_margin):
        assert abs(margin.cm - 2.5) < 0.01


def test_reference_has_the_house_styles(reference: Path):
    doc = docx.Document(str(reference))
    names = {s.element.find(f"{{{W}}}name").get(f"{{{W}}}val") for s in doc.styles}
    expected = {
        "Normal",
        "Title",
        "Subtitle",
        "heading 1",
        "heading 2",
        "heading 3",
        "heading 4",
        "Caption",
        "Image Caption",
        "Table Caption",
        "Bronvermelding",
        "Kanttekening",
        "Demo",
        "Table",
        "First Paragraph",
        "Body Text",
        "TOC Heading",
        "Captioned Figure",
        "toc 1",
    }
    assert expected <= names, expected - names
    heading = doc.styles["Heading 1"]
    assert str(heading.font.color.rgb) == "154273"
    assert heading.font.name == "Verdana"
    styles_xml = zipfile.ZipFile(reference).read("word/styles.xml").decode()
    assert 'w:val="nl-NL"' in styles_xml  # proofing language
    table = re.search(r'w:styleId="Table".*?</w:style>', styles_xml, flags=re.S).group(0)
    assert 'w:type="firstRow"' in table and 'w:fill="154273"' in table  # header row shading
    kant = re.search(r'w:styleId="Kanttekening".*?</w:style>', styles_xml, flags=re.S).group(0)
    assert "<w:pBdr>" in kant and "<w:shd " in kant


def test_reference_has_page_numbers_in_footer(reference: Path):
    with zipfile.ZipFile(reference) as z:
        footers = [z.read(n).decode() for n in z.namelist() if n.startswith("word/footer")]
    assert any("PAGE" in f for f in footers)


def test_reference_is_deterministic(reference: Path, tmp_path: Path):
    again = tmp_path / "again.docx"
    write_reference_docx(again)
    assert again.read_bytes() == reference.read_bytes()
    with zipfile.ZipFile(again) as z:
        infos = z.infolist()
        assert infos[0].filename == "[Content_Types].xml"
        assert {i.date_time for i in infos} == {(1980, 1, 1, 0, 0, 0)}


# --- the mini book through the render pipeline ----------------------------------------------


@pytest.fixture(scope="module")
def book_docx(tmp_path_factory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("docx")
    root = Path(shutil.copytree(FIXTURE, base / "mini_book"))
    final = render(root, formats=("docx",))["docx"]
    draft = render(root, formats=("docx",), draft=True, out_dir=base / "draft")["docx"]
    return {"root": root, "final": final, "draft": draft, "base": base}


def test_every_part_is_compressed_pictures_too(book_docx):
    # vl-convert's PNGs deflate to about a quarter: stored as they are, the demo DOCX grew 3.6x
    import zipfile

    with zipfile.ZipFile(book_docx["final"]) as z:
        infos = z.infolist()
    assert any(i.filename.startswith("word/media/") for i in infos)
    assert [i.filename for i in infos if i.compress_type != zipfile.ZIP_DEFLATED] == []


def test_opens_in_python_docx_with_word_heading_styles(book_docx):
    doc = docx.Document(str(book_docx["final"]))
    styles = [p.style.name for p in doc.paragraphs]
    assert "Heading 1" in styles and "Heading 2" in styles
    headings = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    assert any("Import" in h for h in headings)


def test_tables_are_native_word_tables(book_docx):
    doc = docx.Document(str(book_docx["final"]))
    assert len(doc.tables) >= 2
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    assert "45.312" in cells
    for table in doc.tables:
        assert table.style is not None and table.style.name == "Table"


def test_every_picture_has_alt_text_and_a_caption(book_docx):
    body = body_of(book_docx["final"])
    pics = pictures(body)
    assert pics, "the mini book has a figure"
    for pic in pics:
        docpr = pic.find(q("wp:docPr"))
        assert docpr.get("descr") == ALT
        assert docpr.get("title", "").startswith("Figuur 2.1")
        cnvpr = pic.find(".//pic:cNvPr", namespaces=NS)
        assert cnvpr.get("descr") == ALT  # not the image's file path
        para = pic.xpath("ancestor::w:p[1]")[0]
        neighbours = [para.getprevious(), para.getnext()]
        captions = [
            n for n in neighbours if n is not None and n.tag == q("w:p") and style_of(n) == "ImageCaption"
        ]
        assert captions and text_of(captions[0]).startswith("Figuur 2.1")


def test_named_styles_for_source_and_caveats(book_docx):
    body = body_of(book_docx["final"])
    styles = {style_of(p) for p in body.iter(q("w:p"))}
    assert {"Bronvermelding", "Kanttekening"} <= styles


def test_table_of_contents_field(book_docx):
    body = body_of(book_docx["final"])
    instr = " ".join(body.xpath(".//w:instrText/text()"))
    assert re.search(r"\bTOC\b", instr)
    heading = [text_of(p) for p in body.iter(q("w:p")) if style_of(p) == "TOCHeading"]
    assert heading == ["Inhoudsopgave"]
    # filled in (LibreOffice does not update fields): entries link to the headings
    anchors = body.xpath(".//w:sdt//w:hyperlink/@w:anchor")
    assert "sec-import" in anchors


def test_final_has_running_title_and_no_draft_marks(book_docx):
    doc = docx.Document(str(book_docx["final"]))
    header = " ".join(p.text for s in doc.sections for p in s.header.paragraphs)
    assert "CONCEPT" not in header and "Mini-monitor" in header
    assert not doc.element.body.xpath(".//w:lnNumType")


def test_draft_has_concept_header_and_line_numbers(book_docx):
    doc = docx.Document(str(book_docx["draft"]))
    for section in doc.sections:
        for header in (section.header, section.first_page_header):
            text = " ".join(p.text for p in header.paragraphs)
            assert text.startswith("CONCEPT — niet citeren — versie 2025-"), text
            assert text.endswith("30 juni 2025")
    numbering = doc.element.body.xpath("./w:sectPr/w:lnNumType")
    assert numbering and numbering[0].get(f"{{{W}}}restart") == "newPage"
    assert numbering[0].get(f"{{{W}}}countBy") == "1"


def test_docx_is_deterministic(book_docx, tmp_path: Path, monkeypatch):
    monkeypatch.setenv("MONITOR_CACHE", "off")  # render again for real, not copied from the cache
    again = render(book_docx["root"], formats=("docx",), out_dir=tmp_path / "again")["docx"]
    assert again.read_bytes() == book_docx["final"].read_bytes()
    with zipfile.ZipFile(again) as z:
        assert {i.date_time for i in z.infolist()} == {(2025, 6, 30, 0, 0, 0)}
        core = z.read("docProps/core.xml").decode()
    assert "2025-06-30T00:00:00Z" in core


def test_libreoffice_converts_final_and_draft(book_docx):
    out = book_docx["base"] / "lo"
    out.mkdir()
    for name in ("final", "draft"):
        src = out / f"{name}.docx"
        shutil.copyfile(book_docx[name], src)
        pdf = soffice_to_pdf(src, out)
        text = subprocess.run(
            ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, check=True
        ).stdout.decode("utf-8")
        assert "Inhoudsopgave" in text
        assert "Figuur 2.1" in text
        assert ("CONCEPT" in text) == (name == "draft")


# --- unit tests on small documents ----------------------------------------------------------


@pytest.fixture(scope="module")
def png(tmp_path_factory) -> Path:
    import vl_convert as vlc

    spec = {
        "data": {"values": [{"x": "a", "y": 1}, {"x": "b", "y": 2}]},
        "mark": "bar",
        "encoding": {"x": {"field": "x", "type": "nominal"}, "y": {"field": "y", "type": "quantitative"}},
    }
    path = tmp_path_factory.mktemp("png") / "fig.png"
    path.write_bytes(vlc.vegalite_to_png(spec, scale=1))
    return path


FIGS = [
    SimpleNamespace(id="fig-een", alt="Staafdiagram een.", caption="Figuur 1.1: Een"),
    SimpleNamespace(id="fig-twee", alt="Staafdiagram twee.", caption="Figuur 1.2: Twee"),
]

# What Quarto 1.x does to a figure in DOCX: a Div with the figure id around a one-cell layout
# table holding the image (its alt text gone), followed by an "ImageCaption" paragraph.
QUARTO_LIKE = r"""
function Figure(fig)
  local img = fig.content[1].content[1]
  img.caption = {}
  local cell = pandoc.Cell({ pandoc.Plain({ img }) })
  local row = pandoc.Row({ cell })
  local tbl = pandoc.Table({ long = {} }, { { pandoc.AlignCenter, 1.0 } }, pandoc.TableHead({}),
    { { attr = pandoc.Attr(), body = { row }, head = {}, row_head_columns = 0 } }, pandoc.TableFoot({}))
  local ppr = '<w:pPr><w:pStyle w:val="ImageCaption" /></w:pPr>'
  local caption = pandoc.Para({ pandoc.RawInline("openxml", ppr) })
  caption.content:extend(pandoc.utils.blocks_to_inlines(fig.caption.long))
  return pandoc.Div({ tbl, caption }, pandoc.Attr(fig.identifier))
end
"""


def make_docx(
    tmp: Path, png: Path, reference: Path, *, toc: bool = True, quarto: bool = False, alt: bool = True
) -> Path:
    fig_alt = ' fig-alt="x"' if alt else ""
    md = tmp / "doc.md"
    md.write_text(
        "---\ntitle: Proef\ndate: 30 juni 2025\nlang: nl\n---\n\n# Hoofdstuk {#sec-h}\n\nTekst.\n\n"
        f"![Figuur 1.1: Een]({png}){{#fig-een{fig_alt}}}\n\n"
        "| a | b |\n|---|---|\n| 1 | 2 |\n\n"
        f"![Figuur 1.2: Twee]({png}){{#fig-twee{fig_alt}}}\n",
        encoding="utf-8",
    )
    out = tmp / "doc.docx"
    cmd = [pandoc(), str(md), "-o", str(out), "--reference-doc", str(reference)]
    if toc:
        cmd.append("--toc")
    if quarto:
        lua = tmp / "quarto_like.lua"
        lua.write_text(QUARTO_LIKE, encoding="utf-8")
        cmd += ["--lua-filter", str(lua)]
    subprocess.run(cmd, check=True, capture_output=True)
    return out


def test_alt_text_by_figure_id(tmp_path, png, reference):
    path = make_docx(tmp_path, png, reference)
    postprocess_docx(path, FIGS, date="2025-06-30")
    descr = [p.find(q("wp:docPr")).get("descr") for p in pictures(body_of(path))]
    assert descr == ["Staafdiagram een.", "Staafdiagram twee."]


def test_quarto_layout_tables_are_unwrapped_and_get_alt_text(tmp_path, png, reference):
    path = make_docx(tmp_path, png, reference, quarto=True)
    before = body_of(path)
    assert len(before.xpath(".//w:tbl[.//wp:inline]")) == 2  # the layout tables
    assert all(
        not (p.find(q("wp:docPr")).get("descr") or "").strip() or "/" in p.find(q("wp:docPr")).get("descr")
        for p in pictures(before)
    )
    postprocess_docx(path, FIGS, date="2025-06-30")
    body = body_of(path)
    assert not body.xpath(".//w:tbl[.//wp:inline]")
    assert len(body.xpath(".//w:tbl")) == 1  # the data table stays
    pics = pictures(body)
    assert [p.find(q("wp:docPr")).get("descr") for p in pics] == ["Staafdiagram een.", "Staafdiagram twee."]
    for pic in pics:
        para = pic.xpath("ancestor::w:p[1]")[0]
        assert style_of(para.getnext()) == "ImageCaption"


def test_picture_without_alt_text_is_an_error(tmp_path, png, reference):
    path = make_docx(tmp_path, png, reference, quarto=True)
    with pytest.raises(MonitorError, match="zonder alt-tekst"):
        postprocess_docx(path, FIGS[:1], date="2025-06-30")


def test_toc_is_inserted_after_the_title_block(tmp_path, png, reference):
    path = make_docx(tmp_path, png, reference, toc=False)
    postprocess_docx(path, FIGS, date="2025-06-30")
    body = body_of(path)
    children = [c for c in body if c.tag in (q("w:p"), q("w:sdt"))]
    styles = [style_of(c) if c.tag == q("w:p") else "sdt" for c in children]
    first_heading = styles.index("Heading1")
    assert "sdt" in styles[:first_heading]
    assert styles.index("sdt") > styles.index("Title")
    assert "Inhoudsopgave" in text_of(children[styles.index("sdt")])


def test_postprocess_is_idempotent(tmp_path, png, reference):
    path = make_docx(tmp_path, png, reference)
    postprocess_docx(path, FIGS, {"version": "0.1", "date": "2025-06-30"})
    once = path.read_bytes()
    postprocess_docx(path, FIGS, {"version": "0.1", "date": "2025-06-30"})
    assert path.read_bytes() == once
    assert len(body_of(path).xpath(".//w:sdt")) == 1


def test_not_a_docx_is_a_clear_error(tmp_path):
    bad = tmp_path / "kapot.docx"
    bad.write_text("geen zip", encoding="utf-8")
    with pytest.raises(MonitorError, match="kapot.docx"):
        postprocess_docx(bad, [])


def test_title_page_has_edition_date_authors_publisher_and_demo_notice(book_docx):
    # Like the PDF cover: title, subtitle, edition, date, authors, demo notice, publisher block.
    doc = docx.Document(str(book_docx["final"]))
    title_page = []
    for p in doc.paragraphs:
        if p.style.name.startswith("TOC") or p.style.name.startswith("toc"):
            break
        title_page.append((p.style.name, p.text))
    texts = [t for _, t in title_page]
    assert ("Title", "Mini-monitor") in title_page and ("Subtitle", "Een klein testboek") in title_page
    assert ("Editie", "Editie 2025") in title_page
    assert ("Uitgever", "Testbureau (tekstblok)") in title_page
    assert "30 juni 2025" in texts and "Redactie Mini-monitor" in texts
    assert any(t.startswith("Demonstratieversie") for t in texts)
    assert texts.index("Editie 2025") == texts.index("Een klein testboek") + 1
    # the table of contents starts on a page of its own
    body = doc.element.body
    assert body.xpath(
        './/w:p[w:pPr/w:pStyle/@w:val="Uitgever"]/following-sibling::w:p[1]//w:br[@w:type="page"]'
    )


def test_draft_header_date_in_words(book_docx):
    doc = docx.Document(str(book_docx["draft"]))
    header = " ".join(p.text for s in doc.sections for p in s.header.paragraphs)
    assert "CONCEPT" in header and "30 juni 2025" in header and "2025-06-30" not in header


def test_an_svg_picture_without_a_png_gets_one_in_the_docx(tmp_path):
    """Word needs a PNG in a picture; an SVG alone is blank in LibreOffice and older Word."""
    root = Path(shutil.copytree(FIXTURE, tmp_path / "mini_book"))
    svg = root / "chapters" / "schema.svg"
    svg.write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="200" height="100" viewBox="0 0 200 100">'
        '<rect x="10" y="10" width="180" height="80" fill="#154273"/></svg>',
        encoding="utf-8",
    )
    chapter = root / "chapters" / "01-inleiding.qmd"
    chapter.write_text(
        chapter.read_text(encoding="utf-8") + '\n\n![Een schema](schema.svg){fig-alt="Een blauw vlak."}\n',
        encoding="utf-8",
    )
    out = render(root, formats=("docx",))["docx"]
    with zipfile.ZipFile(out) as z:
        media = [n for n in z.namelist() if n.startswith("word/media/")]
        assert media and all(n.endswith(".png") for n in media), media
        document = z.read("word/document.xml").decode("utf-8")
    blips = re.findall(r"<a:blip\b[^>]*>", document)
    assert blips and all("r:embed=" in b for b in blips), "every picture has a PNG to show"
    assert not (root / "chapters" / "schema.png").exists(), "nothing is written beside the sources"


def test_pictures_deflated_by_pandoc_are_copied_and_the_file_is_the_same(tmp_path, monkeypatch):
    """The post-processed DOCX reuses the pictures as Pandoc deflated them (zlib level 6, as
    zipfile's): same bytes as deflating them again; a picture that changed is deflated anew."""
    import datetime as dt
    import zlib

    from report.render import docx as docx_module

    png = bytes(range(256)) * 4000  # a picture's bytes (any will do)
    other = b"\x89PNG" + bytes(50_000)
    source = tmp_path / "pandoc.docx"
    with zipfile.ZipFile(source, "w") as z:  # as Pandoc writes it: deflated at level 6
        for name, data in (("word/document.xml", b"<w:document/>"), ("word/media/a.png", png),
                           ("word/media/b.png", other)):  # fmt: skip
            z.writestr(name, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=6)
    entries = {
        "word/document.xml": b"<w:document>nieuw</w:document>",
        "word/media/a.png": png,
        "word/media/b.png": other[:-1] + b"\x01",
    }  # fmt: skip  (b changed)
    stamp = dt.datetime(2025, 6, 30)
    copied = []
    real = docx_module._Deflated.compress
    monkeypatch.setattr(
        docx_module._Deflated, "compress", lambda self, d: copied.append(len(d)) or real(self, d)
    )
    reused, fresh = tmp_path / "reused.docx", tmp_path / "fresh.docx"
    docx_module._write_deterministic_zip(dict(entries), reused, stamp, reuse=source)
    docx_module._write_deterministic_zip(dict(entries), fresh, stamp)
    assert copied == [len(png)]  # a.png copied; b.png (changed) and the XML deflated
    assert reused.read_bytes() == fresh.read_bytes()
    with zipfile.ZipFile(reused) as z:
        assert z.testzip() is None
        assert {n: z.read(n) for n in z.namelist()} == entries
        assert zlib.crc32(z.read("word/media/a.png")) == z.getinfo("word/media/a.png").CRC


# --- stand-ins: Pandoc lays a picture out from its header, the post-processing puts it in ---


def test_the_docx_holds_each_figures_png_and_no_stand_in(book_docx):
    """The mini book's figure went through Pandoc as a stand-in: the DOCX holds its PNG."""
    from report.render.docx_pictures import STAND_IN

    png = (book_docx["root"] / "_generated/figuren/inbeslagnames_nl-kg.png").read_bytes()
    for path in (book_docx["final"], book_docx["draft"]):
        with zipfile.ZipFile(path) as z:
            media = {n: z.read(n) for n in z.namelist() if n.startswith("word/media/")}
        assert png in media.values(), f"{path.name}: the figure's PNG"
        assert not [n for n, data in media.items() if STAND_IN in data[:4096]], "a stand-in left"


def test_pandoc_lays_out_a_stand_in_as_its_png(tmp_path):
    """The same size and resolution in the DOCX as the PNG itself (Pandoc reads the header)."""
    import pypandoc

    from report.render.docx_pictures import STAND_IN, _stand_in

    png = (FIXTURE / "_generated/figuren/inbeslagnames_nl-kg.png").read_bytes()
    stand_in = _stand_in(png, 7)
    assert stand_in is not None and len(stand_in) < 200 and STAND_IN + b"\x007" in stand_in
    (tmp_path / "real.png").write_bytes(png)
    (tmp_path / "stand-in.png").write_bytes(stand_in)
    (tmp_path / "x.md").write_text("![a](real.png)\n\n![b](stand-in.png)\n", encoding="utf-8")
    out = tmp_path / "x.docx"
    subprocess.run([pypandoc.get_pandoc_path(), "x.md", "-o", str(out)], cwd=tmp_path, check=True)
    with zipfile.ZipFile(out) as z:
        extents = re.findall(r"<wp:extent [^>]*>", z.read("word/document.xml").decode("utf-8"))
    assert len(extents) == 2 and extents[0] == extents[1]
    assert _stand_in(b"GIF89a" + bytes(100), 1) is None  # not a PNG: Pandoc gets the file itself


def test_a_stand_in_without_its_picture_is_an_error(tmp_path):
    import datetime as dt

    from report.render import docx as docx_module
    from report.render.docx_pictures import _stand_in

    png = (FIXTURE / "_generated/figuren/inbeslagnames_nl-kg.png").read_bytes()
    entries = {"word/document.xml": b"<w:document/>", "word/media/rId9.png": _stand_in(png, 0)}
    out = tmp_path / "x.docx"
    with pytest.raises(MonitorError, match="rId9.png is a picture's stand-in"):
        docx_module._write_deterministic_zip(dict(entries), out, dt.datetime(2025, 6, 30), pictures={})
    assert not out.exists()
    pictures = {entries["word/media/rId9.png"]: FIXTURE / "_generated/figuren/inbeslagnames_nl-kg.png"}
    docx_module._write_deterministic_zip(
        dict(entries), out, dt.datetime(2025, 6, 30), pictures=pictures, root=tmp_path
    )
    with zipfile.ZipFile(out) as z:
        assert z.testzip() is None and z.read("word/media/rId9.png") == png


def test_a_picture_is_deflated_once_as_zipfile_deflates_it(tmp_path):
    import zlib

    from report.render import docx_pictures

    png = (FIXTURE / "_generated/figuren/inbeslagnames_nl-kg.png").read_bytes()
    first = docx_pictures.deflated_picture(tmp_path, png)
    compressor = zlib.compressobj(6, zlib.DEFLATED, -15)
    assert first == compressor.compress(png) + compressor.flush()
    assert zlib.decompress(first, -15) == png
    entries = list((tmp_path / ".monitor-cache" / "deflated-picture").glob("*/*"))
    assert len(entries) == 1
    assert docx_pictures.deflated_picture(tmp_path, png) == first  # from the cache
    assert docx_pictures.deflated_picture(tmp_path, png + b"\x00") != first  # another picture
