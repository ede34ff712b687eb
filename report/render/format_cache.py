"""Reuse of rendered formats, the book's numbering and the Vega bundle (see report/cache.py).

A rendered format is addressed by everything it is made of: the combined book markdown (the
chapters with their includes and variables expanded), the book's metadata, every file the
markdown points to (figures with their PNG, CSV and spec beside them, other images), the
project's fonts (PDF and HTML), the render code (Python and Lua filters of ``report/render/``,
and the format's own templates, CSS and JS), the versions of Pandoc, Typst, vl-convert and
python-docx, the draft marking (PDF and DOCX) and the format. When none of these changed, the
format is copied from the cache instead of rendered again; the copy has the same bytes as a
fresh render (tests check).
"""

from __future__ import annotations

import dataclasses
import functools
import platform
import re
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING

from report.cache import Cache, code_version, digest, file_hash, files_hash

if TYPE_CHECKING:
    from report.cache import Entry
    from report.render.book import Book

TOOLS = ("pypandoc-binary", "typst", "vl-convert-python", "python-docx", "lxml")
FIGURE_SIBLINGS = (".svg", ".png", ".csv", ".vl.json")


@functools.cache
def tool_versions() -> tuple[str, ...]:
    def of(dist: str) -> str:
        try:
            return version(dist)
        except PackageNotFoundError:
            return "-"

    return (platform.python_version(), *(f"{d}={of(d)}" for d in TOOLS))


def referenced_files(book: Book) -> list[Path]:
    """Every file under the project root that the combined markdown names, with the siblings
    a figure brings along (PNG for DOCX, CSV and Vega-Lite spec for HTML)."""
    root = book.root.as_posix()
    found: set[Path] = set()
    # Plain paths, and <...> ones (book.py brackets paths that hold a space).
    pattern = "<(" + re.escape(root) + r"/[^>\n]+)>|(" + re.escape(root) + r"/[^\s)\"'<>\]]+)"
    for bracketed, plain in re.findall(pattern, book.markdown):
        path = Path(bracketed or plain)
        if not path.is_file():
            continue
        found.add(path)
        name = path.name
        stem = next((name[: -len(s)] for s in FIGURE_SIBLINGS if name.endswith(s)), None)
        if stem is not None:
            for suffix in FIGURE_SIBLINGS:
                sibling = path.with_name(stem + suffix)
                if sibling.is_file():
                    found.add(sibling)
    return sorted(found)


# Parts of report/render/ that only one format reads; every other file counts for every format.
FORMAT_ONLY = {"templates/typst": "pdf", "templates/html": "html", "assets": "html"}
# DOCX names a font Word users have (styles), so only PDF and HTML depend on the bundled fonts.
USES_FONTS = ("pdf", "html")


def render_files(fmt: str) -> list[Path]:
    """The render code a format depends on: Python, Lua filters, its own templates and assets."""
    base = Path(__file__).resolve().parent
    files = []
    for p in sorted(base.rglob("*")):
        if not p.is_file() or "__pycache__" in p.parts or p.suffix == ".pyc":
            continue
        rel = p.relative_to(base).as_posix()
        owner = next((f for d, f in FORMAT_ONLY.items() if rel.startswith(d + "/")), fmt)
        if owner == fmt:
            files.append(p)
    return files


@functools.cache
def render_code(fmt: str) -> str:
    return files_hash(render_files(fmt), Path(__file__).resolve().parent)


def referenced_hash(book: Book) -> str:
    """The hash of every file the book names (:func:`referenced_files`): the same for every
    format, so a render works it out once (``format_key(..., referenced=...)``)."""
    return files_hash(referenced_files(book), book.root)


def format_key(
    book: Book, fmt: str, draft: dict | None, engine: str = "embedded", referenced: str | None = None
) -> str:
    fonts = sorted(p for p in (book.root / "fonts").glob("*") if p.is_file()) if fmt in USES_FONTS else []
    metadata = {
        f.name: getattr(book, f.name)
        for f in dataclasses.fields(book)
        # references: derived from the markdown (in the key) and only filled when the numbering
        # was read afresh, so a book from the numbering cache would otherwise never match
        if f.name
        not in (
            "chapters",
            "labels",
            "figures",
            "markdown",
            "root",
            "references",
            "body_ast",
            "body_parts",
            "read_once",
        )
    }
    return digest(
        "format",
        fmt,
        engine,
        draft if fmt != "html" else None,  # the draft marking is for reviewers: PDF and DOCX
        metadata,
        [(c.rel, c.id, c.kind, c.number) for c in book.chapters],
        [(f.id, f.caption, f.alt, str(f.path)) for f in book.figures],
        book.markdown,
        referenced if referenced is not None else referenced_hash(book),
        files_hash(fonts, book.root),
        render_code(fmt),
        code_version("cache.py"),
        tool_versions(),
    )


def restore(entry: Entry, fmt: str, dest: Path) -> Path:
    """Copy a cached format into ``dest`` (the staging folder) as a render would have left it."""
    if fmt == "html":
        site = dest / "html"
        entry.copy_to(site)
        return site
    (name,) = entry.files
    out = dest / fmt / name
    entry.copy_to(out, name)
    return out


def store(cache: Cache, fmt: str, key: str, staged: Path) -> None:
    cache.put(f"format-{fmt}", key, {"": staged} if staged.is_dir() else {staged.name: staged})


# -- the book's numbering ------------------------------------------------------------------


def numbering_key(body: str, kinds: list[tuple[str, str]]) -> str:
    return digest("numbering", body, kinds, code_version("render/book.py"), tool_versions())


def numbering_to_json(numbering) -> dict:
    return {
        "labels": {k: dataclasses.asdict(v) for k, v in numbering.labels.items()},
        "figures": [{**dataclasses.asdict(f), "path": str(f.path)} for f in numbering.figures],
        "chapter_meta": [list(m) for m in numbering.chapter_meta],
    }


def numbering_from_json(data: dict):
    from report.render.book import FigureInfo, Label, _Numbering

    return _Numbering(
        labels={k: Label(**v) for k, v in data["labels"].items()},
        figures=[FigureInfo(**{**f, "path": Path(f["path"])}) for f in data["figures"]],
        chapter_meta=[tuple(m) for m in data["chapter_meta"]],
    )


def cached_numbering(root: Path, body: str, kinds: list[tuple[str, str]], compute):
    """The numbering of headings, figures and tables for this exact book text: from the cache,
    or ``compute()`` (Pandoc reads the whole book, about half a second) and stored."""
    import json

    cache = Cache.of_project(root)
    key = numbering_key(body, kinds)
    entry = cache.get("numbering", key)
    if entry is not None:
        return numbering_from_json(json.loads(entry.file("numbering.json").read_text(encoding="utf-8")))
    numbering = compute()
    store_numbering(root, body, kinds, numbering)
    return numbering


def store_numbering(root: Path, body: str, kinds: list[tuple[str, str]], numbering) -> None:
    """Keep the numbering of this book text (also `monitor check`'s, when it read the book
    without a problem: the render that follows it then need not number the book again)."""
    import json

    text = json.dumps(numbering_to_json(numbering), ensure_ascii=False, sort_keys=True)
    Cache.of_project(root).put("numbering", numbering_key(body, kinds), {"numbering.json": text})


# -- the Vega bundle -----------------------------------------------------------------------


def cached_vega_bundle(root: Path, make) -> str:
    """vl-convert takes seconds to produce its JavaScript bundle; it depends only on its version."""
    import vl_convert as vlc

    cache = Cache.of_project(root)
    key = digest("vega-bundle", vlc.__version__, code_version("render/html.py"))
    entry = cache.get("vega-bundle", key)
    if entry is not None:
        return entry.file("vega-bundle.js").read_text(encoding="utf-8")
    text = make()
    cache.put("vega-bundle", key, {"vega-bundle.js": text})
    return text


# -- the open data ---------------------------------------------------------------------------

OPEN_DATA_FIELDS = ("title", "edition", "date", "date_text", "publisher", "demo_notice", "output_stem")


def _open_data_key(tables: Path, fields: dict) -> str:
    return digest(
        "open-data",
        file_hash(tables) if tables.is_file() else "missing",
        fields,
        code_version("render/opendata.py"),
        version("openpyxl"),
    )


def cached_open_data(book: Book, out_dir: Path, make) -> Path:
    """The CSVs, XLSX and datapackage.json (report/render/opendata.py) depend on the generated
    tables and a few fields of the book, never on the prose; writing the XLSX costs ~0.6 s."""
    from report.render.opendata import TABLES_JSON

    tables = Path(book.root) / TABLES_JSON
    fields = {name: getattr(book, name) for name in OPEN_DATA_FIELDS}
    key = _open_data_key(tables, fields)
    cache = Cache.of_project(book.root)
    entry = cache.get("open-data", key)
    if entry is not None:
        entry.copy_to(out_dir)
        return out_dir
    folder = make(out_dir)
    cache.put("open-data", key, {"": folder})
    return folder


def prepare_open_data(root: Path, generated: Path) -> bool:
    """Write the open data of ``generated`` (a build's folder, not yet in place) into the cache,
    with the book's fields as they will be once it is (its title, date and edition, from
    _quarto.yml and the build's metadata): ``monitor render`` does it while the build waits for
    its figure workers, so the render after finds it made. When the fields differ by the time of
    the render after all, the render's own key differs and it writes them itself. Whether it
    wrote them (not when they are in the cache already or the fields cannot be read: the render
    reports that)."""
    import tempfile
    from types import SimpleNamespace

    from report.render.book import front_fields
    from report.render.opendata import TABLES_JSON, write_open_data

    root, generated = Path(root), Path(generated)
    tables = generated.joinpath(*TABLES_JSON.parts[1:])
    if not tables.is_file():
        return False
    front = front_fields(root, generated)
    fields = {name: front[name] for name in OPEN_DATA_FIELDS}
    cache = Cache.of_project(root)
    key = _open_data_key(tables, fields)
    if cache.get("open-data", key) is not None:
        return False
    with tempfile.TemporaryDirectory(prefix="monitor-open-data-") as tmp:
        folder = write_open_data(SimpleNamespace(root=root, **fields), Path(tmp) / "gegevens", tables).folder
        cache.put("open-data", key, {"": folder})
    return True


# -- markdown read by Pandoc outside the chapters --------------------------------------------


def cached_markdown_json(root: Path, markdown: str, what: str) -> dict:
    """Pandoc's JSON of a short markdown text that is mostly the same from render to render (the
    book's metadata block, the site's Gegevens page): a Pandoc process saved each time."""
    import json

    from report.render.book import PANDOC_FROM, read_markdown_json
    from report.render.pandoc import pandoc_path

    cache = Cache.of_project(root)
    key = digest("markdown-json", markdown, PANDOC_FROM, tool_versions())
    entry = cache.get("markdown-json", key)
    if entry is not None:
        return json.loads(entry.file("ast.json").read_text(encoding="utf-8"))
    doc = read_markdown_json(markdown, pandoc_path(), what)
    cache.put("markdown-json", key, {"ast.json": json.dumps(doc, ensure_ascii=False)})
    return doc


# -- the DOCX reference document --------------------------------------------------------------


def cached_reference_docx(root: Path, path: Path) -> Path:
    """The house styles' reference.docx (render/docx.py) depends only on that code and Pandoc's
    own reference document; making it costs ~0.2 s in the build and again in each DOCX render."""
    cache = Cache.of_project(root)
    key = digest("reference-docx", code_version("render/docx.py"), tool_versions())
    entry = cache.get("reference-docx", key)
    if entry is not None:
        entry.copy_to(path, "reference.docx")
        return path
    from report.render.docx import write_reference_docx  # python-docx: only when it is made

    write_reference_docx(path)
    cache.put("reference-docx", key, {"reference.docx": path.read_bytes()})
    return path


# -- the site's font subsets ---------------------------------------------------------------


def cached_font_subset(root: Path, source: Path, make) -> bytes:
    """Subsetting the four Noto Sans files costs ~1.5 s CPU per HTML render; the subset depends
    only on the font file, the character set and fontTools (all in html.py's code or the key)."""
    cache = Cache.of_project(root)
    key = digest("font-subset", file_hash(source), version("fonttools"), code_version("render/html.py"))
    entry = cache.get("font-subset", key)
    if entry is not None:
        return entry.file("font.woff").read_bytes()
    data = make()
    cache.put("font-subset", key, {"font.woff": data})
    return data


# -- the site's search index ------------------------------------------------------------------


def cached_page_sections(root: Path, page: str, make) -> list[list[str]]:
    """The sections of one finished page for the search index (html.page_sections): reading the
    HTML is most of the index's work, and after an edit all pages but one are as before."""
    import json

    cache = Cache.of_project(root)
    key = digest("page-sections", page, code_version("render/html.py"))
    entry = cache.get("page-sections", key)
    if entry is not None:
        return json.loads(entry.file("sections.json").read_text(encoding="utf-8"))
    sections = make(page)
    cache.put("page-sections", key, {"sections.json": json.dumps(sections, ensure_ascii=False)})
    return sections


__all__ = [
    "cached_markdown_json",
    "cached_page_sections",
    "format_key",
    "restore",
    "store",
    "cached_numbering",
    "cached_vega_bundle",
    "cached_font_subset",
    "cached_open_data",
    "cached_reference_docx",
]
