"""Reading the book chapter by chapter (report/render/chapter_ast.py) gives the AST Pandoc gives
for the whole body, or the body is read whole."""

from __future__ import annotations

import pytest

from report.render import chapter_ast
from report.render.book import iter_nodes, load_book, read_markdown_json
from report.render.pandoc import pandoc_path


def whole(parts: list[str]) -> dict:
    return read_markdown_json("\n".join(parts), pandoc_path())


def demo_parts(root) -> list[str]:
    return load_book(root).body_parts[1]


def test_the_demo_book_read_by_chapter_is_the_book_read_whole(built_project, tmp_path, monkeypatch):
    parts = demo_parts(built_project)
    assert len(parts) > 10 and all(chapter_ast._reads_alone(p) for p in parts)
    reads = []
    real = chapter_ast._read_parts_alone
    monkeypatch.setattr(
        chapter_ast, "_read_parts_alone", lambda ps, pd: reads.append(len(ps)) or real(ps, pd)
    )
    monkeypatch.setattr(chapter_ast, "_read_whole", lambda *a: pytest.fail("read whole"))
    cold = chapter_ast.read_body(parts, pandoc_path(), tmp_path)
    assert cold == whole(parts)
    # one chapter edited: only that one is read again, and the result is still the whole read
    edited = list(parts)
    n = next(i for i, p in enumerate(parts) if "chapters/02-import.qmd" in p)
    edited[n] = edited[n].replace(" de ", " het ", 1)
    assert edited[n] != parts[n]
    warm = chapter_ast.read_body(edited, pandoc_path(), tmp_path)
    assert reads == [len(parts), 1]
    assert warm == whole(edited)


def test_note_numbers_count_on_from_the_chapters_before(tmp_path, monkeypatch):
    """Pandoc numbers citations and notes through the document (citationNoteNum)."""
    monkeypatch.setattr(chapter_ast, "_read_whole", lambda *a: pytest.fail("read whole"))
    parts = [
        part(1, "# Een\n\nZie @fig-a en [@tbl-b; @tbl-c].^[Een noot met @fig-d en @fig-e.] En @fig-f."),
        part(2, "# Twee\n\nEen noot zonder verwijzing.^[Alleen tekst.]"),
        part(3, "# Drie\n\nZie @sec-een.^[Met @sec-twee.]\n\n## Kop met @fig-a"),
    ]
    got = chapter_ast.read_body(parts, pandoc_path(), tmp_path)
    assert got == whole(parts)
    nums = [
        c["citationNoteNum"] for n in iter_nodes(got["blocks"]) if n.get("t") == "Cite" for c in n["c"][0]
    ]
    assert nums == [1, 2, 2, 3, 3, 4, 6, 7, 8]  # the note in chapter 2 counts too


MARKER = '::: {.monitor-chapter source="chapters/{n}.qmd" chapter-kind="chapter"}\n:::\n\n'


def part(n: int, text: str) -> str:
    return MARKER.replace("{n}", str(n)) + text.strip("\n") + "\n"


@pytest.mark.parametrize(
    "first, second",
    [
        # the same heading twice: one document numbers the second "methode-1"
        ("# Methode\n\nTekst.", "# Methode\n\nMeer tekst."),
        # a link definition in one chapter, used in another
        ("Zie [de bron].\n", "# B\n\n[de bron]: https://example.org\n"),
        # a footnote defined in another chapter
        ("Tekst.[^x]\n", "# B\n\n[^x]: Een noot.\n"),
        # an implicit reference to another chapter's heading
        ("# Inleiding\n\nTekst.", "# Slot\n\nZie [Inleiding].\n"),
        # a div or code fence left open swallows what follows in one document
        ("::: {.callout-note}\nOpen.\n", "# B\n\nTekst.\n"),
        ("```\ncode\n", "# B\n\nTekst.\n"),
        # raw HTML opened in one chapter and closed in the next
        ('<div class="kader">\n\nOpen.\n', "# B\n\nTekst.\n\n</div>\n"),
        # example lists number through the document
        ("(@) Een.\n", "(@) Twee.\n"),
        # metadata inside a chapter
        ("---\ntitle: x\n---\n\nTekst.", "# B\n"),
    ],
)
def test_a_chapter_that_reads_differently_in_company_makes_the_body_be_read_whole(
    first, second, tmp_path, monkeypatch
):
    parts = [part(1, first), part(2, second)]
    whole_reads = []
    real = chapter_ast._read_whole
    monkeypatch.setattr(chapter_ast, "_read_whole", lambda *a: whole_reads.append(1) or real(*a))
    got = chapter_ast.read_body(parts, pandoc_path(), tmp_path)
    assert whole_reads, "read chapter by chapter although a chapter depends on another"
    assert got == whole(parts)


def test_chapters_that_do_not_interact_are_read_apart(tmp_path, monkeypatch):
    parts = [
        part(1, "# Een\n\nTekst [sic] met @fig-a.[^1]\n\n[^1]: noot"),
        part(2, "# Twee\n\nZie @sec-een."),
    ]
    # (a footnote definition, even one used in its own chapter, is read whole: it might not be)
    assert not chapter_ast._reads_alone(parts[0])
    parts[0] = part(1, "# Een\n\nTekst [sic] met @fig-a.^[een noot met @tbl-b]")
    monkeypatch.setattr(chapter_ast, "_read_whole", lambda *a: pytest.fail("read whole"))
    assert chapter_ast.read_body(parts, pandoc_path(), tmp_path) == whole(parts)


def test_a_damaged_cache_entry_is_read_again(tmp_path):
    parts = [part(1, "# Een\n\nTekst."), part(2, "# Twee\n\nTekst.")]
    first = chapter_ast.read_body(parts, pandoc_path(), tmp_path)
    for f in (tmp_path / ".monitor-cache").rglob("ast.json"):
        f.write_text('{"blocks": [', encoding="utf-8")
    assert chapter_ast.read_body(parts, pandoc_path(), tmp_path) == first


def test_a_changed_reading_script_reads_the_chapters_again(tmp_path, monkeypatch):
    parts = [part(1, "# Een\n\nTekst."), part(2, "# Twee\n\nTekst.")]
    reads = []
    real = chapter_ast._read_parts_alone

    def counting(ps, pd):
        reads.append(len(ps))
        return real(ps, pd)

    monkeypatch.setattr(chapter_ast, "_read_parts_alone", counting)
    first = chapter_ast.read_body(parts, pandoc_path(), tmp_path / "project")
    chapter_ast.read_body(parts, pandoc_path(), tmp_path / "project")
    script = tmp_path / "read_chapters.lua"
    changed = chapter_ast.READ_SCRIPT.read_text(encoding="utf-8") + "\n-- changed\n"
    script.write_text(changed, encoding="utf-8")
    monkeypatch.setattr(chapter_ast, "READ_SCRIPT", script)
    assert chapter_ast.read_body(parts, pandoc_path(), tmp_path / "project") == first
    assert reads == [2, 2], "cached once, then read again with the changed script"


def test_the_citations_kept_per_chapter_are_those_of_the_whole_book(built_project, tmp_path):
    """load_book checks the book's references with each chapter's citation ids as kept with
    its reading (part_facts), instead of walking the book: the same (chapter, id), in order."""
    from report.render.book import _cites_in

    book = load_book(built_project)
    parts = book.body_parts[1]
    ast, cites = chapter_ast.read_body_and_cites(parts, pandoc_path(), tmp_path)
    assert cites is not None and len(cites) == len(parts)
    rels = [c.rel for c in book.chapters]
    kept = [(rel, cid) for rel, ids in zip(rels, cites, strict=True) for cid in ids]
    walked = list(_cites_in(ast))
    assert len(walked) > 20 and any(cid.startswith("fig-") for _rel, cid in walked)
    assert kept == walked
    # a citation in a note counts too, in its place
    notes = [part(1, "Zie @fig-a.^[Met @tbl-b en @sec-c.] En @fig-d.")]
    ast, cites = chapter_ast.read_body_and_cites(notes, pandoc_path(), tmp_path)
    assert cites == [["fig-a", "tbl-b", "sec-c", "fig-d"]]
    assert [cid for _rel, cid in _cites_in(ast)] == cites[0]
