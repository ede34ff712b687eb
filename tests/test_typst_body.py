"""The book's Typst written chapter by chapter with a cache (report/render/typst_body.py) is the
Typst Pandoc writes for the whole book in one run."""

from __future__ import annotations

import copy
import json
import subprocess
from pathlib import Path

import pytest

from report.render import typst_body
from report.render.book import load_book, read_markdown_json
from report.render.pandoc import pandoc_args, pandoc_env, pandoc_path, read_book_once
from report.render.pdf import write_typst

MARKER = '::: {{.monitor-chapter source="chapters/{n}.qmd" chapter-kind="{kind}"}}\n:::\n\n'


class _Book:
    """What typst_body needs of a book: its root (the cache, the filters' image paths)."""

    def __init__(self, root: Path):
        self.root = root
        self.source_date_epoch = 0


def whole_typst(book, doc: dict) -> str:
    """Pandoc's Typst of the whole body in one run, with the same filters (the reference)."""
    doc = copy.deepcopy(doc)
    doc["blocks"] = typst_body.mark_appendix_start(doc["blocks"])
    proc = subprocess.run(
        [pandoc_path(), "-", *pandoc_args(book, "typst"), "--wrap=preserve"],
        input=json.dumps(doc).encode(),
        capture_output=True,
        env=pandoc_env(book),
        check=True,
    )
    return proc.stdout.decode().rstrip("\n")


REAL_WRITE_PARTS = typst_body._write_parts


def by_parts(book, doc: dict, written: list[int], monkeypatch) -> str:
    """typst_body's Typst of ``doc``; how many chapters Pandoc wrote goes into ``written``."""

    def counted(d, texts, *args):
        written.append(len(texts))
        return REAL_WRITE_PARTS(d, texts, *args)

    monkeypatch.setattr(typst_body, "_write_parts", counted)
    args = pandoc_args(book, "typst")
    return typst_body.body_typst(book, copy.deepcopy(doc), pandoc_path(), args, pandoc_env(book)).rstrip("\n")


def test_the_demo_books_typst_by_chapter_is_its_typst_in_one_run(built_project, tmp_path, monkeypatch):
    from report.cache import Cache

    class EmptyCache(Cache):  # not the shared project's, where other tests left the parts
        @classmethod
        def of_project(cls, _root):
            return Cache(tmp_path / "cache")

    monkeypatch.setattr(typst_body, "Cache", EmptyCache)
    book = load_book(built_project)
    md = tmp_path / "book.md"
    md.write_text(book.markdown, encoding="utf-8")
    doc = json.loads(read_book_once(book, md).read_text(encoding="utf-8"))
    parts = typst_body.split_parts(doc["blocks"])
    assert len(parts) == len(book.chapters) > 10
    written: list[int] = []
    cold = by_parts(book, doc, written, monkeypatch)
    assert cold == whole_typst(book, doc)
    assert cold.count("#monitor-appendices()") == 1
    # one chapter edited: only that one is written again; the whole is still Pandoc's
    n = next(i for i, p in enumerate(parts) if "chapters/02-import.qmd" in json.dumps(p[0]))
    edited = copy.deepcopy(doc)
    para = next(b for b in typst_body.split_parts(edited["blocks"])[n] if b["t"] == "Para")
    para["c"].insert(0, {"t": "Str", "c": "Gewijzigd"})
    warm = by_parts(book, edited, written, monkeypatch)
    assert written == [len(parts), 1]
    assert "Gewijzigd" in warm and warm != cold
    assert warm == whole_typst(book, edited)
    # and a third time: nothing to write
    assert by_parts(book, edited, written, monkeypatch) == warm
    assert written == [len(parts), 1]


# Chapters that start and end with every kind of block, so each join between two chapters is
# one Pandoc makes with a line break or a blank line on either side.
CHAPTERS = [
    ("front", "# Voorwoord {.unnumbered}\n\nTekst.\n\n- een\n- twee"),
    ("chapter", "- een lijst vooraan\n- twee\n\nTekst.\n\n```\ncode achteraan\n```"),
    ("chapter", "```{=typst}\n#pagebreak()\n```\n\n# Twee\n\n> Een citaat.\n\n```{=typst}\n#v(1em)\n```"),
    ("chapter", "| a | b |\n|---|---|\n| 1 | 2 |\n\n: Tabel {#tbl-x}\n\n---\n\n1. genummerd\n2. lijst"),
    ("chapter", '::: {.callout-note title="Let op"}\nIn een kader.\n:::\n\n::: {.bron}\nBron: CBS\n:::'),
    ("chapter", ""),  # a chapter with nothing but its marker
    ("chapter", "Term\n:   Definitie\n\n| x |\n|---|\n| 3 |"),
    ("appendix", "# Bijlage een\n\nTekst met een noot.^[De noot.]"),
    ("appendix", '# Bijlage twee\n\n![Een plaatje](/img/x.svg){fig-alt="Alt"}\n\nSlot.'),
]


def made_doc() -> dict:
    text = "".join(MARKER.format(n=i, kind=kind) + body + "\n\n" for i, (kind, body) in enumerate(CHAPTERS))
    return read_markdown_json(text, pandoc_path())


def test_chapters_that_start_and_end_with_any_block_join_as_in_one_run(tmp_path, monkeypatch):
    book = _Book(tmp_path)
    doc = made_doc()
    reference = whole_typst(book, doc)
    written: list[int] = []
    assert by_parts(book, doc, written, monkeypatch) == reference
    assert reference.count("#monitor-appendices()") == 1
    # each chapter written on its own, the others from the cache: still the same
    parts = typst_body.split_parts(doc["blocks"])
    for n in range(len(parts)):
        edited = copy.deepcopy(doc)
        edited_part = typst_body.split_parts(edited["blocks"])[n]
        edited_part[0]["c"][0][2].append(["versie", str(n)])  # a new key, the same text
        got = by_parts(book, edited, written, monkeypatch)
        assert got == reference, n
    assert written == [len(parts)] + [1] * len(parts)


def test_only_the_first_appendix_opens_the_appendices_when_a_later_one_is_new(tmp_path, monkeypatch):
    book = _Book(tmp_path)
    doc = made_doc()
    by_parts(book, doc, [], monkeypatch)
    edited = copy.deepcopy(doc)
    edited["blocks"].append({"t": "Para", "c": [{"t": "Str", "c": "Nieuw."}]})  # in the last appendix
    written: list[int] = []
    got = by_parts(book, edited, written, monkeypatch)
    assert written == [1]
    assert got.count("#monitor-appendices()") == 1
    assert got.index("#monitor-appendices()") < got.index("Bijlage een")
    assert got == whole_typst(book, edited)


def test_a_damaged_cached_chapter_is_written_again(tmp_path, monkeypatch):
    book = _Book(tmp_path)
    doc = made_doc()
    reference = by_parts(book, doc, [], monkeypatch)
    entries = sorted((tmp_path / ".monitor-cache" / "typst-part").rglob("part.typ"))
    assert len(entries) == len(CHAPTERS)
    entries[2].write_text("#kapot", encoding="utf-8")
    written: list[int] = []
    assert by_parts(book, doc, written, monkeypatch) == reference
    assert written == [1]


def test_write_typst_fills_the_template_as_one_run_would(built_project, tmp_path):
    """The PDF's Typst source: the template around the joined body, as Pandoc fills it itself."""
    from report.render.pdf import TYPST_TEMPLATE

    book = load_book(built_project)
    md = tmp_path / "book.md"
    md.write_text(book.markdown, encoding="utf-8")
    got = write_typst(book, md, tmp_path / "book.typ").read_text(encoding="utf-8")
    doc = json.loads(md.with_suffix(".json").read_text(encoding="utf-8"))
    doc["blocks"] = typst_body.mark_appendix_start(doc["blocks"])
    args = pandoc_args(book, "typst") + [
        "--template", str(TYPST_TEMPLATE), "--toc", "--toc-depth=2", "-V", "papersize=a4",
        "-V", "mainfont=Noto Sans", "--wrap=preserve",
    ]  # fmt: skip
    proc = subprocess.run(
        [pandoc_path(), "-", *args],
        input=json.dumps(doc).encode(),
        capture_output=True,
        env=pandoc_env(book),
        cwd=book.root,
        check=True,
    )
    expected = proc.stdout.decode().replace("align(center)[#table(", "align(left)[#table(")
    assert got == expected
    assert "toc: true," in got and got.count("#monitor-appendices()") == 1


@pytest.mark.parametrize("pieces, joined", [
    (["a\n", "b\n"], "a\nb\n"),            # raw block, then a block wanting nothing before
    (["a\n\n", "b\n"], "a\n\nb\n"),        # a block wanting a blank line after
    (["a\n", "\nb\n"], "a\n\nb\n"),        # a block wanting a blank line before
    (["a\n\n", "\nb\n"], "a\n\nb\n"),      # both: one blank line, not two
    (["a\n\n", "", "b\n"], "a\n\nb\n"),    # an empty chapter between
    (["", "a\n"], "a\n"),
])  # fmt: skip
def test_join_keeps_the_larger_line_break(pieces, joined):
    assert typst_body.join(pieces) == joined


@pytest.mark.parametrize("body", ["x", "x\n", "x\n\n\n", "x\n \n", "x \n", "\nx", "x\n  y\n\n", "x\r\n"])
def test_the_body_in_the_kept_template_is_what_pandoc_writes(body, tmp_path):
    """Pandoc writes a raw body as it is less one final line break: the kept template with the
    body put between its two halves is Pandoc's own filling, for every kind of ending."""
    from report.render.pdf import TYPST_TEMPLATE, template_around

    book = _Book(tmp_path)
    book.root = tmp_path
    env = {"MONITOR_ROOT": tmp_path.as_posix(), "SOURCE_DATE_EPOCH": "0"}
    doc = {
        "pandoc-api-version": [1, 23, 1],
        "meta": {"title": {"t": "MetaInlines", "c": [{"t": "Str", "c": "T"}]}},
    }
    extra = ["--template", str(TYPST_TEMPLATE), "--toc", "--wrap=preserve"]
    head, tail = template_around(book, doc, extra, env)
    filled = {**doc, "blocks": [{"t": "RawBlock", "c": ["typst", body]}]}
    proc = subprocess.run(
        [pandoc_path(), "-", "-f", "json", "-t", "typst", "--resource-path", str(tmp_path), *extra],
        input=json.dumps(filled).encode(),
        capture_output=True,
        env={**pandoc_env(book), **env},
        cwd=tmp_path,
        check=True,
    )
    assert head + (body[:-1] if body.endswith("\n") else body) + tail == proc.stdout.decode()
    assert template_around(book, doc, extra, env) == (head, tail)  # from the cache
