"""Render stage, part 1: assembling the book (shortcodes, errors) and cross-references."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from report.errors import MonitorError
from report.render.book import load_book
from report.render.pandoc import lua_filters, pandoc_path, read_book_once

FIXTURE = Path(__file__).parent / "fixtures" / "mini_book"


@pytest.fixture
def mini(tmp_path: Path) -> Path:
    """A throw-away copy of the mini book."""
    return Path(shutil.copytree(FIXTURE, tmp_path / "mini_book"))


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new), encoding="utf-8")


# --- assembly -------------------------------------------------------------------------------


def test_book_metadata_and_chapters():
    book = load_book(FIXTURE)
    assert book.title == "Mini-monitor"
    assert book.subtitle == "Een klein testboek"
    assert book.authors == ["Redactie Mini-monitor"]
    assert book.date == "2025-06-30" and book.date_text == "30 juni 2025"
    assert book.edition == "2025"
    assert book.output_stem == "mini-monitor-2025"
    assert book.demo_notice.startswith("Demonstratieversie")
    assert [(c.rel, c.kind, c.number) for c in book.chapters] == [
        ("index.qmd", "front", None),
        ("chapters/01-inleiding.qmd", "chapter", "1"),
        ("chapters/02-import.qmd", "chapter", "2"),
        ("chapters/a-overzicht.qmd", "appendix", "A"),
    ]
    assert book.chapters[3].label == "Bijlage A"
    assert "_generated/indicatoren/inbeslagnames_nl.md" in book.chapters[2].files


def test_shortcodes_expanded():
    book = load_book(FIXTURE)
    md = book.markdown
    assert "{{<" not in md
    assert "Dit is het voorwoord van de Mini-monitor, editie 2025." in md  # meta + var
    assert "tot en met 2024." in md  # var
    assert "In 2024 werd ten minste 45.312 kg cocaïne" in md  # include + nested var
    assert "#pagebreak()" in md and 'w:type="page"' in md  # pagebreak per format


def test_escaped_shortcode_stays_literal(mini: Path):
    edit(mini / "index.qmd", "{{< meta title >}}", "{{{< meta title >}}}")
    assert "van de {{< meta title >}}, editie" in load_book(mini).markdown


def test_image_paths_absolute_and_figures_listed():
    book = load_book(FIXTURE)
    svg = (FIXTURE / "_generated/figuren/inbeslagnames_nl-kg.svg").resolve()
    assert f"]({svg.as_posix()})" in book.markdown
    [fig] = book.figures
    assert fig.id == "fig-inbeslagnames_nl-kg"
    assert fig.path == svg
    assert fig.alt.startswith("Staafdiagram: inbeslagnames cocaïne stijgen")
    assert fig.caption == "Figuur 2.1: Inbeslagnames in Nederland: kg cocaïne, 2023–2024"
    assert fig.png == svg.with_suffix(".png") and fig.csv is not None and fig.vl_json is not None


def test_relative_image_path_is_relative_to_chapter(mini: Path):
    shutil.copy(mini / "_generated/figuren/inbeslagnames_nl-kg.png", mini / "chapters" / "lokaal.png")
    with (mini / "chapters/01-inleiding.qmd").open("a", encoding="utf-8") as f:
        f.write('\n![Lokaal](lokaal.png){#fig-lokaal fig-alt="Een lokale afbeelding"}\n')
    book = load_book(mini)
    fig = book.figure("fig-lokaal")
    assert fig.path == (mini / "chapters" / "lokaal.png").resolve()
    assert fig.label == "Figuur 1.1"


# --- errors ---------------------------------------------------------------------------------


def test_missing_include_names_chapter_line_and_path(mini: Path):
    edit(mini / "chapters/02-import.qmd", "inbeslagnames_nl.md", "ontbreekt.md")
    with pytest.raises(MonitorError) as exc:
        load_book(mini)
    msg = str(exc.value)
    assert "chapters/02-import.qmd, line 3" in msg
    assert "/_generated/indicatoren/ontbreekt.md" in msg


def test_relative_include_and_nested_error_chain(mini: Path):
    (mini / "chapters" / "deel.md").write_text("Eerste regel.\n{{< var ind.onbekend >}}\n", encoding="utf-8")
    edit(mini / "chapters/01-inleiding.qmd", "## Kwaliteit", "{{< include deel.md >}}\n\n## Kwaliteit")
    with pytest.raises(MonitorError) as exc:
        load_book(mini)
    msg = str(exc.value)
    assert "chapters/deel.md, line 2" in msg
    assert "included from chapters/01-inleiding.qmd, line 19" in msg
    assert "ind.onbekend" in msg


def test_missing_variable_names_file_line_key_and_nearest(mini: Path):
    edit(mini / "_generated/indicatoren/inbeslagnames_nl.md", "cocaine.waarde", "cocaine.wearde")
    with pytest.raises(MonitorError) as exc:
        load_book(mini)
    msg = str(exc.value)
    assert "_generated/indicatoren/inbeslagnames_nl.md, line 3" in msg
    assert "included from chapters/02-import.qmd, line 3" in msg
    assert "'ind.inbeslagnames_nl.kg.cocaine.wearde'" in msg
    assert "ind.inbeslagnames_nl.kg.cocaine.waarde" in msg  # the nearest known key


def test_variable_that_is_a_group_is_an_error(mini: Path):
    edit(mini / "chapters/01-inleiding.qmd", "{{< var laatste_jaar >}}", "{{< var ind.inbeslagnames_nl >}}")
    expected = r"chapters/01-inleiding.qmd, line 3: variable 'ind.inbeslagnames_nl' is a group"
    with pytest.raises(MonitorError, match=expected):
        load_book(mini)


def test_missing_meta_key(mini: Path):
    edit(mini / "index.qmd", "meta title", "meta titel")
    with pytest.raises(MonitorError, match=r"index.qmd, line 3: metadata key 'titel' does not exist.*title"):
        load_book(mini)


def test_unknown_shortcode(mini: Path):
    edit(mini / "index.qmd", "{{< meta title >}}", "{{< video x.mp4 >}}")
    with pytest.raises(MonitorError, match="unknown shortcode 'video'"):
        load_book(mini)


def test_unknown_reference_names_chapter_line_and_id(mini: Path):
    edit(mini / "chapters/a-overzicht.qmd", "Zie @fig-inbeslagnames_nl-kg.", "Zie @fig-inbeslagnames-kg.")
    with pytest.raises(MonitorError) as exc:
        load_book(mini)
    msg = str(exc.value)
    assert "chapters/a-overzicht.qmd, line 12" in msg
    assert "@fig-inbeslagnames-kg" in msg and "@fig-inbeslagnames_nl-kg" in msg


def test_duplicate_label(mini: Path):
    edit(mini / "chapters/a-overzicht.qmd", "{#tbl-overzicht}", "{#tbl-import-kg}")
    with pytest.raises(MonitorError, match="label '#tbl-import-kg' is used twice"):
        load_book(mini)


def test_missing_quarto_yml_and_book_section(mini: Path):
    (mini / "_quarto.yml").rename(mini / "elders.yml")
    with pytest.raises(MonitorError, match="_quarto.yml"):
        load_book(mini)
    (mini / "_quarto.yml").write_text("project:\n  type: book\n", encoding="utf-8")
    with pytest.raises(MonitorError, match="'book:' is missing"):
        load_book(mini)


def test_missing_chapter_file(mini: Path):
    (mini / "chapters/02-import.qmd").unlink()
    with pytest.raises(MonitorError, match="book.chapters lists 'chapters/02-import.qmd'"):
        load_book(mini)


# --- numbering and cross-references -----------------------------------------------------------


def test_numbering_labels():
    labels = load_book(FIXTURE).labels
    assert labels["sec-inleiding"].display == "1" and labels["sec-inleiding"].ref == "hoofdstuk 1"
    assert labels["sec-leeswijzer"].ref == "paragraaf 1.1"
    assert labels["fig-inbeslagnames_nl-kg"].ref == "Figuur 2.1"
    assert labels["tbl-import-kg"].ref == "Tabel 2.1"
    assert labels["sec-overzicht"].display == "Bijlage A" and labels["sec-overzicht"].ref == "bijlage A"
    assert labels["tbl-overzicht"].ref == "Tabel A.1"
    assert labels["toelichting"].display == "A.1"
    assert labels["voorwoord"].display is None  # unnumbered front matter


def _through_filters(book, to: str, tmp_path: Path) -> str:
    """The book as the render reads it once (cross-references applied), written as ``to``."""
    md = tmp_path / "book.md"
    md.write_text(book.markdown, encoding="utf-8")
    source = read_book_once(book, md)
    args = [pandoc_path(), str(source), "-f", "json", "-t", to, "--wrap=none"]
    for f in lua_filters(to):
        args += ["--lua-filter", str(f)]
    env = dict(os.environ, MONITOR_ROOT=str(book.root))  # as the render passes it
    return subprocess.run(args, capture_output=True, check=True, env=env).stdout.decode()


def test_crossref_filter_applies_numbers(tmp_path: Path):
    book = load_book(FIXTURE)
    ast = json.loads(_through_filters(book, "json", tmp_path))
    text = _through_filters(book, "plain", tmp_path)
    # headings
    assert "1 Inleiding" in text and "1.1 Leeswijzer" in text and "2.1 Inbeslagnames" in text
    assert "Bijlage A Overzicht van de indicatoren" in text and "A.1 Toelichting" in text
    assert "Voorwoord" in text and "0 Voorwoord" not in text
    # captions
    figures = [b for b in ast["blocks"] if b["t"] == "Figure"]
    caption = json.dumps(figures[0]["c"][1], ensure_ascii=False)
    assert '"Figuur"' in caption and '"2.1:"' in caption
    assert "Tabel 2.1: Inbeslagnames cocaïne in kilogram" in text
    assert "Tabel A.1: Indicatoren en hun kwaliteit" in text
    # references (capitalised at the start of a sentence)
    assert "Zie hoofdstuk 2 voor de import en Figuur 2.1 voor" in text
    assert "Tabel A.1 in bijlage A geeft alle indicatoren. Dit is paragraaf 1.1." in text
    assert "Zoals Tabel 2.1 laat zien" in text
    # references are links to the ids
    links = json.dumps(ast)
    assert '"#fig-inbeslagnames_nl-kg"' in links and '"#sec-overzicht"' in links


def test_references_wherever_they_stand():
    """Every place a reference can stand, in one walk: the start of a paragraph (capitalised),
    inside emphasis and a link text, a footnote, a figure caption, a table cell, a heading, a
    list, a callout; an unknown non-cross-reference citation stays as it is."""
    from report.render.book import read_markdown_json
    from report.render.crossref import apply_crossrefs

    xref = {
        "fig-a": {"kind": "fig", "ref": "Figuur 1.1", "display": "Figuur 1.1"},
        "tbl-b": {"kind": "tbl", "ref": "Tabel 1.1", "display": "Tabel 1.1"},
        "sec-c": {"kind": "sec", "ref": "paragraaf 1.2", "display": "1.2", "number": "1.2"},
    }
    markdown = """## Kop met @fig-a {#sec-c}

@fig-a begint de zin. Een zin met *nadruk op @tbl-b*.[^1] En @Sec-c; en @smith2020.

[^1]: Een noot over @fig-a.

- punt met @tbl-b

| kolom |
|-------|
| zie @fig-a |

: Bijschrift met @sec-c {#tbl-b}

![Onderschrift bij @tbl-b](x.png){#fig-a}

::: {.callout-note}
In een kader: @sec-c.
:::
"""
    doc = apply_crossrefs(read_markdown_json(markdown, pandoc_path()), xref)
    text = json.dumps(doc, ensure_ascii=False)
    assert '"Cite"' in text and "smith2020" in text  # not a cross-reference: left to citeproc
    assert text.count('"quarto-xref"') == 11  # the figure's image repeats its caption as alt text
    links = []

    def walk(node):
        if isinstance(node, dict):
            if node.get("t") == "Link" and "quarto-xref" in node["c"][0][1]:
                links.append(" ".join(w["c"] for w in node["c"][1] if w["t"] == "Str"))
            walk(node.get("c"))
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(doc["blocks"])
    # heading; start of the paragraph; emphasis; the footnote; @Sec-c (capitalised as written)
    assert links[:5] == ["Figuur 1.1", "Figuur 1.1", "Tabel 1.1", "Figuur 1.1", "Paragraaf 1.2"]
    from report.render.book import iter_nodes

    caption = doc["blocks"][-2]["c"][1][1]  # the figure's caption blocks
    assert [n["c"] for n in iter_nodes(caption) if n.get("t") == "Str"][:3] == [
        "Figuur",
        "1.1:",
        "Onderschrift",
    ]
    header = doc["blocks"][0]
    assert (
        header["c"][2][0]["c"][0][1] == ["header-section-number"] and ["number", "1.2"] in header["c"][1][2]
    )
    callout = doc["blocks"][-1]
    assert "callout" in callout["c"][0][1] and ["title", "Kanttekeningen"] in callout["c"][0][2]


def test_callout_gets_class_and_title(tmp_path: Path):
    book = load_book(FIXTURE)
    ast = json.loads(_through_filters(book, "json", tmp_path))
    divs = [b for b in ast["blocks"] if b["t"] == "Div" and "callout-note" in b["c"][0][1]]
    assert divs and all("callout" in d["c"][0][1] for d in divs)
    assert all(dict(d["c"][0][2])["title"] == "Kanttekeningen" for d in divs)


def test_book_read_once_is_the_same_from_the_numbering_pass_or_read_anew(tmp_path: Path):
    # read_book_once reuses the AST of load_book's numbering pass; without it (the numbering
    # came from the cache, or another text) it reads the markdown itself: the same JSON.
    root = Path(shutil.copytree(FIXTURE, tmp_path / "book"))
    shutil.rmtree(root / ".monitor-cache", ignore_errors=True)
    fresh = load_book(root)
    assert fresh.body_ast is not None
    md = tmp_path / "a.md"
    md.write_text(fresh.markdown, encoding="utf-8")
    reused = json.loads(read_book_once(fresh, md).read_text(encoding="utf-8"))
    assert fresh.body_ast is None, "used once: the cross-references were applied to it in place"
    cached = load_book(root)
    assert cached.body_ast is None  # numbering from the cache
    md2 = tmp_path / "b.md"
    md2.write_text(cached.markdown, encoding="utf-8")
    anew = json.loads(read_book_once(cached, md2).read_text(encoding="utf-8"))
    assert reused == anew and reused["meta"]["title"]


def test_the_formats_share_the_book_as_read_once_and_leave_it_as_it_was(mini: Path, monkeypatch):
    """PDF and HTML take the document read_book_once kept instead of parsing its file again;
    it is shared by their threads, so neither may change it (the DOCX reads the file)."""
    import copy

    from report.render import pandoc as pandoc_module
    from report.render import render

    kept = []
    real = pandoc_module.read_book_once
    real_loads = json.loads

    def spy(book, markdown_path, write=True):
        assert write, "the DOCX's Pandoc reads the file"
        out = real(book, markdown_path, write)
        kept.append((book, copy.deepcopy(book.read_once[1]), real_loads(out.read_text(encoding="utf-8"))))
        return out

    monkeypatch.setattr(pandoc_module, "read_book_once", spy)
    parsed = []
    monkeypatch.setattr(
        json, "loads", lambda text, *a, **k: parsed.append(len(text)) or real_loads(text, *a, **k)
    )
    book = load_book(mini)
    render(mini, formats=("pdf", "html", "docx"), book=book)
    ((shared, before, written),) = kept
    assert shared is book and before == written, "the document kept is the one written"
    assert book.read_once[1] == before, "a format changed the shared document"
    size = len(json.dumps(before, ensure_ascii=False, separators=(",", ":")))
    assert size not in parsed, "a format parsed the book's JSON again"


def test_a_render_without_docx_keeps_the_book_read_once_in_memory_only(mini: Path, monkeypatch):
    """Only the DOCX's Pandoc reads the book's JSON file: a render of the site (the preview's)
    does not write it (~0.03 s), and makes the same site."""
    from report.render import pandoc as pandoc_module
    from report.render import render

    asked = []
    real = pandoc_module.read_book_once

    def spy(book, markdown_path, write=True):
        out = real(book, markdown_path, write)
        asked.append((write, out.exists()))
        return out

    monkeypatch.setattr(pandoc_module, "read_book_once", spy)
    site = render(mini, formats=("html",), out_dir=mini / "a")["html"].parent
    assert asked == [(False, False)]
    files = {p.relative_to(site): p.read_bytes() for p in site.rglob("*") if p.is_file()}
    monkeypatch.setenv("MONITOR_CACHE", "off")
    again = render(mini, formats=("html", "docx"), out_dir=mini / "b")["html"].parent
    assert asked[-1] == (True, True)
    assert files == {p.relative_to(again): p.read_bytes() for p in again.rglob("*") if p.is_file()}


def test_unknown_reference_stops_the_render_naming_it():
    from report.render.crossref import apply_crossrefs

    cite = {"citationId": "fig-nergens", "citationPrefix": [], "citationSuffix": []}
    doc = {
        "blocks": [{"t": "Para", "c": [{"t": "Cite", "c": [[cite], [{"t": "Str", "c": "@fig-nergens"}]]}]}]
    }
    with pytest.raises(MonitorError, match="@fig-nergens"):
        apply_crossrefs(doc, {})
    other = {"citationId": "jansen2020", "citationPrefix": [], "citationSuffix": []}
    doc = {"blocks": [{"t": "Para", "c": [{"t": "Cite", "c": [[other], []]}]}]}
    assert apply_crossrefs(doc, {})["blocks"][0]["c"][0]["t"] == "Cite"  # not ours: left alone


def test_docx_filter_styles_and_png(tmp_path: Path):
    import zipfile

    book = load_book(FIXTURE)
    out = tmp_path / "probe.docx"
    md = tmp_path / "book.md"
    md.write_text(book.markdown, encoding="utf-8")
    args = [pandoc_path(), str(read_book_once(book, md)), "-f", "json", "-t", "docx", "-o", str(out)]
    for f in lua_filters("docx"):
        args += ["--lua-filter", str(f)]
    env = dict(os.environ, MONITOR_ROOT=str(book.root))
    subprocess.run(args, capture_output=True, check=True, env=env)
    with zipfile.ZipFile(out) as z:
        xml = z.read("word/document.xml").decode()
        media = [n for n in z.namelist() if n.startswith("word/media/")]
    for style in ("Bronvermelding", "Kanttekening", "Demo"):
        assert f'w:pStyle w:val="{style}"' in xml
    assert media and all(n.endswith(".png") for n in media)  # the PNG sibling, not the SVG


# --- {{< blok >}}: generated blocks, as _extensions/monitor/blok.lua reads them under Quarto ----


def test_blok_reads_generated_block_like_include(mini: Path):
    before = load_book(mini).markdown
    chapter = mini / "chapters" / "02-import.qmd"
    edit(
        chapter,
        "{{< include /_generated/indicatoren/inbeslagnames_nl.md >}}",
        "{{< blok indicatoren/inbeslagnames_nl.md >}}",
    )
    book = load_book(mini)
    assert book.markdown == before
    assert "_generated/indicatoren/inbeslagnames_nl.md" in book.chapters[2].files


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            "{{< blok indicatoren/bestaat_niet.md >}}",
            r"02-import\.qmd, line 3: _generated/indicatoren/bestaat_niet\.md does not exist",
        ),
        (
            "{{< blok /_generated/indicatoren/inbeslagnames_nl.md >}}",
            r"line 3: '/_generated/.*' must be a \.md path inside _generated/",
        ),
        ("{{< blok ../_quarto.yml >}}", r"must be a \.md path inside _generated/"),
        ("{{< blok >}}", r"blok expects one path relative to _generated/"),
        (
            "Zie {{< blok indicatoren/inbeslagnames_nl.md >}}",
            r"line 3: \{\{< blok \.\.\. >\}\} must stand on a line of its own",
        ),
    ],
)
def test_blok_errors_name_chapter_line_and_problem(mini: Path, line: str, expected: str):
    chapter = mini / "chapters" / "02-import.qmd"
    edit(chapter, "{{< include /_generated/indicatoren/inbeslagnames_nl.md >}}", line)
    with pytest.raises(MonitorError, match=expected):
        load_book(mini)


def test_every_chapter_brings_generated_blocks_through_blok():
    """Quarto expands include before pre-render: no chapter may include a generated file."""
    root = Path(__file__).resolve().parents[1]
    for qmd in [root / "index.qmd", *sorted((root / "chapters").glob("*.qmd"))]:
        text = qmd.read_text(encoding="utf-8")
        assert "include /_generated" not in text, qmd.name
    assert "{{< blok indicatoren/inbeslagnames_nl.md >}}" in (root / "chapters" / "02-import.qmd").read_text()
    assert (root / "_extensions" / "monitor" / "blok.lua").is_file()


def test_preload_imports_what_each_format_renders_with():
    """monitor render imports these while the build waits for its figures: a name that is not a
    module would stop the build, so every one is imported here."""
    import sys

    from report.render import _MODULES, _SHARED, FORMATS, preload

    preload(FORMATS)
    assert set(FORMATS) <= set(_MODULES)
    for name in _SHARED + [m for fmt in FORMATS for m in _MODULES[fmt]]:
        assert name in sys.modules, name
