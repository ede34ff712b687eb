"""The HTML site's pages written chapter by chapter (report/render/html_pages.py).

The site made after an edit, with the other pages from the cache, must be the site a cold
render of the edited book makes (own cache), byte for byte; only the edited chapter is written;
links resolve by one rule whatever run wrote a page.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from report.render import html_pages, render

FIXTURE = Path(__file__).parent / "fixtures" / "mini_book"


def _copy(tmp_path: Path, name: str) -> Path:
    return Path(shutil.copytree(FIXTURE, tmp_path / name))


def _site_files(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()}


def _edit(root: Path, rel: str, old: str, new: str) -> None:
    path = root / rel
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{rel}: '{old}' not found"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.fixture
def written(monkeypatch) -> list[list[str]]:
    """The chapters (ids of their level-1 headings, in full) of each Pandoc run for the site."""
    runs: list[list[str]] = []
    real = html_pages._run

    def spy(doc, blocks, figures, command, env, cwd):
        full = []
        for i, block in enumerate(blocks):
            if block.get("t") == "Header" and block["c"][0] == 1:
                after = blocks[i + 1] if i + 1 < len(blocks) else None
                if after is not None and not (after.get("t") == "Header" and after["c"][0] == 1):
                    full.append(block["c"][1][0])
        runs.append(full)
        return real(doc, blocks, figures, command, env, cwd)

    monkeypatch.setattr(html_pages, "_run", spy)
    return runs


def _same_as_cold(edited: Path, tmp_path: Path, edits) -> None:
    """Apply ``edits`` to a fresh copy, render it cold, and compare its site with ``edited``'s."""
    cold = _copy(tmp_path, "cold")
    for edit in edits:
        edit(cold)
    cold_site = render(cold, formats=("html",))["html"].parent
    warm, fresh = _site_files(edited / "_book" / "html"), _site_files(cold_site)
    assert sorted(warm) == sorted(fresh)
    for name in warm:
        assert warm[name] == fresh[name], f"{name} differs from a cold render's"


def test_an_edited_chapter_is_the_only_page_written_and_the_site_is_a_cold_renders(tmp_path, written):
    root = _copy(tmp_path, "warm")
    render(root, formats=("html",))
    assert len(written) == 1 and "sec-import" in written[0] and "sec-inleiding" in written[0]

    def edit(r: Path) -> None:
        _edit(r, "chapters/02-import.qmd", "steeg de hoeveelheid", "nam de hoeveelheid toe")

    edit(root)
    written.clear()
    render(root, formats=("html",))
    assert written == [["sec-import"]], "only the edited chapter goes through Pandoc"
    page = (root / "_book/html/sec-import.html").read_text(encoding="utf-8")
    assert "nam de hoeveelheid toe" in page and 'rel="prev"' in page and 'rel="next"' in page
    assert 'data-number="2"' in page  # its number, with the other chapters as headings only
    _same_as_cold(root, tmp_path, [edit])


def test_a_run_for_one_page_holds_its_neighbours_headings_only(tmp_path, monkeypatch):
    """A page needs of the other chapters only its previous and next (the title page, written
    with every heading, is kept apart): the other chapters are left out of the run."""
    root = _copy(tmp_path, "warm")
    render(root, formats=("html",))
    headings: list[list[str]] = []
    real = html_pages._run

    def spy(doc, blocks, figures, command, env, cwd):
        headings.append([b["c"][1][0] for b in blocks if b.get("t") == "Header" and b["c"][0] == 1])
        return real(doc, blocks, figures, command, env, cwd)

    monkeypatch.setattr(html_pages, "_run", spy)

    def edit(r: Path) -> None:
        _edit(
            r,
            "chapters/01-inleiding.qmd",
            "# Inleiding {#sec-inleiding}\n",
            "# Inleiding {#sec-inleiding}\n\nNieuw.\n",
        )

    edit(root)
    render(root, formats=("html",))
    assert headings == [["voorwoord", "sec-inleiding", "sec-import"]]  # not sec-overzicht, the data page
    page = (root / "_book/html/sec-inleiding.html").read_text(encoding="utf-8")
    assert "Nieuw." in page and 'href="voorwoord.html" rel="prev"' in page
    assert 'href="sec-import.html" rel="next"' in page
    _same_as_cold(root, tmp_path, [edit])


def test_a_link_follows_its_target_to_another_page(tmp_path, written):
    """The appendix links to 'Leeswijzer', which moves from chapter 1 to chapter 2. The appendix's
    page comes from the cache, yet its link must now point at chapter 2's page (as a cold
    render's does)."""
    root = _copy(tmp_path, "warm")

    def link(r: Path) -> None:  # a link whose text does not change when its target moves
        _edit(
            r,
            "chapters/a-overzicht.qmd",
            "Zie @fig-inbeslagnames_nl-kg.",
            "Zie [de leeswijzer](#sec-leeswijzer).",
        )

    link(root)
    render(root, formats=("html",))
    before = (root / "_book/html/sec-overzicht.html").read_text(encoding="utf-8")
    assert 'href="sec-inleiding.html#sec-leeswijzer"' in before

    section = (
        "## Leeswijzer {#sec-leeswijzer}\n\n"
        "@tbl-overzicht in @sec-overzicht geeft alle indicatoren. Dit is @sec-leeswijzer.\n"
    )

    def move(r: Path) -> None:
        _edit(r, "chapters/01-inleiding.qmd", section, "")
        path = r / "chapters/02-import.qmd"
        path.write_text(path.read_text(encoding="utf-8") + "\n" + section, encoding="utf-8")

    move(root)
    written.clear()
    render(root, formats=("html",))
    assert written == [["sec-inleiding", "sec-import"]], "the overview's page is the cached one"
    after = (root / "_book/html/sec-overzicht.html").read_text(encoding="utf-8")
    assert 'href="sec-import.html#sec-leeswijzer"' in after
    # on its own page a link stays on the page
    assert 'href="#sec-leeswijzer"' in (root / "_book/html/sec-import.html").read_text(encoding="utf-8")
    _same_as_cold(root, tmp_path, [link, move])


def test_each_page_keeps_its_own_footnotes(tmp_path):
    """chunkedhtml numbers the notes per page (fn1 on two pages): a note's link stays on its page."""
    root = _copy(tmp_path, "notes")
    note = "steeg de hoeveelheid.[^n]\n\n[^n]: Een noot in hoofdstuk 2."
    _edit(root, "chapters/02-import.qmd", "steeg de hoeveelheid.", note)
    site = render(root, formats=("html",))["html"].parent
    for name in ("sec-inleiding.html", "sec-import.html"):
        page = (site / name).read_text(encoding="utf-8")
        assert 'id="fn1"' in page
        refs = re.findall(r'<a href="([^"]*)" class="footnote-ref"', page)
        assert refs == ["#fn1"], f"{name}: {refs}"


def test_a_change_of_heading_writes_every_page(tmp_path, written):
    """The headings are in every page (numbers, previous and next): a changed one writes them all."""
    root = _copy(tmp_path, "warm")
    render(root, formats=("html",))

    def rename(r: Path) -> None:
        _edit(r, "chapters/02-import.qmd", "# Import {#sec-import}", "# Invoer {#sec-import}")

    rename(root)
    written.clear()
    render(root, formats=("html",))
    assert len(written) == 1 and {"sec-inleiding", "sec-import", "sec-overzicht"} <= set(written[0])
    assert "Invoer" in (root / "_book/html/sec-inleiding.html").read_text(encoding="utf-8")  # its next page
    _same_as_cold(root, tmp_path, [rename])


def test_text_before_the_first_chapter_writes_the_book_in_one_run(tmp_path, written):
    """A page Pandoc names after the title and its place: nothing is kept, the site is whole."""
    root = _copy(tmp_path, "front")
    index = root / "index.qmd"
    text = index.read_text(encoding="utf-8")
    first = text.index("\n#") if not text.startswith("#") else 0
    front = "Een alinea voor het eerste hoofdstuk."
    index.write_text(text[:first] + f"\n{front}\n\n" + text[first:], encoding="utf-8")
    site = render(root, formats=("html",))["html"].parent
    assert written and written[0], "one run with every chapter"
    assert any(front in p.read_text(encoding="utf-8") for p in site.glob("*.html"))
    assert not (root / ".monitor-cache" / html_pages.KIND).exists()


def test_split_chapters_leaves_out_the_markers():
    header = {"t": "Header", "c": [1, ["a", [], []], []]}
    marker = {"t": "Div", "c": [["", ["monitor-chapter"], []], []]}
    para = {"t": "Para", "c": []}
    front, chapters = html_pages.split_chapters([marker, header, para, marker, {**header}, para])
    assert front == [] and chapters == [[header, para], [header, para]]
    assert html_pages.split_chapters([para, header]) == ([para], [[header]])
