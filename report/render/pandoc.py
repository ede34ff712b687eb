"""Running Pandoc for the embedded engine (the Pandoc 3 binary of the pypandoc-binary wheel).

Every writer of the embedded engine (Typst here, DOCX and HTML in ``docx.py``/``html.py``)
starts from the same JSON AST of the combined markdown of :class:`report.render.book.Book`,
numbered and cross-referenced once (:func:`read_book_once`, :mod:`report.render.crossref`),
with the same Lua filters, so numbering and cross-references are identical in all formats::

    args = pandoc_args(book, "docx")          # reader, filters, fixed metadata
    run_pandoc(book, markdown_path, "docx", out_path, extra_args=["--reference-doc", ref])
"""

from __future__ import annotations

import functools
import importlib.util
import os
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

from report.errors import MonitorError

if TYPE_CHECKING:
    from report.render.book import Book

RENDER_DIR = Path(__file__).resolve().parent
FILTER_DIR = RENDER_DIR / "filters"
TEMPLATE_DIR = RENDER_DIR / "templates"

MONITOR_FILTER = FILTER_DIR / "monitor.lua"  # shared with Quarto (listed in _quarto.yml)
TYPST_FILTER = FILTER_DIR / "typst.lua"  # embedded engine, Typst output only


@functools.cache
def pandoc_path() -> str:
    """The Pandoc binary of the pypandoc-binary wheel: the same Pandoc on every machine.

    Found in the package's folder without importing pypandoc (its import and its search, which
    runs every Pandoc it can find for the highest version, took ~0.1 s of every command that
    reads the book). ``PYPANDOC_PANDOC`` names another one, as for pypandoc; without the
    wheel's binary, pypandoc's own search decides."""
    explicit = os.environ.get("PYPANDOC_PANDOC")
    if explicit:
        return explicit
    spec = importlib.util.find_spec("pypandoc")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        for name in ("pandoc", "pandoc.exe"):
            candidate = Path(folder) / "files" / name
            if candidate.is_file() and os.access(candidate, os.X_OK):
                return str(candidate)
    try:
        import pypandoc
    except ImportError:  # pragma: no cover - dependency missing
        raise MonitorError("pypandoc-binary is not installed (pip install pypandoc-binary)") from None
    try:
        return pypandoc.get_pandoc_path()
    except OSError as exc:  # pragma: no cover
        raise MonitorError(f"Pandoc not found: {exc}") from None


def lua_filters(to: str) -> list[Path]:
    """The Lua filters for writer ``to``, in order (after :func:`read_book_once`)."""
    filters = [MONITOR_FILTER]
    if to.startswith("typst"):
        filters.append(TYPST_FILTER)
    return filters


def pandoc_args(book: Book, to: str, source: Path | None = None) -> list[str]:
    """Reader, writer, filters and metadata shared by all embedded-engine Pandoc runs, for the
    book as read once by :func:`read_book_once` (JSON, cross-references applied)."""
    if source is not None and Path(source).suffix != ".json":
        raise MonitorError(f"{source}: the writers read the book as read_book_once wrote it (JSON)")
    args = ["-f", "json", "-t", to]
    for f in lua_filters(to):
        args += ["--lua-filter", str(f)]
    return args + shared_args(book)


def shared_args(book: Book) -> list[str]:
    # The project root reaches the filters through the environment (MONITOR_ROOT), not the
    # metadata: Pandoc copies metadata into the DOCX's custom properties, and a machine path
    # there would make two clones' reports differ (and tell readers where the author works).
    return ["--resource-path", str(book.root)]


def pandoc_env(book: Book) -> dict[str, str]:
    """Environment for Pandoc: SOURCE_DATE_EPOCH fixes the dates Pandoc writes (DOCX); MONITOR_ROOT."""
    env = dict(os.environ)
    env["SOURCE_DATE_EPOCH"] = str(book.source_date_epoch)
    env["MONITOR_ROOT"] = book.root.as_posix()
    return env


def run_pandoc(
    book: Book,
    markdown_path: Path,
    to: str,
    output: Path,
    extra_args: list[str] | None = None,
    extra_env: dict[str, str] | None = None,
) -> Path:
    """Run Pandoc on the combined markdown; raise MonitorError with Pandoc's message on failure."""
    if markdown_path.suffix != ".json":
        markdown_path = read_book_once(book, markdown_path)
    args = pandoc_args(book, to, markdown_path)
    cmd = [pandoc_path(), str(markdown_path), *args, "-o", str(output), *(extra_args or [])]
    env = {**pandoc_env(book), **(extra_env or {})}
    proc = subprocess.run(cmd, capture_output=True, env=env, cwd=book.root, check=False)
    if proc.returncode != 0:
        msg = proc.stderr.decode("utf-8", "replace").strip()
        raise MonitorError(f"Pandoc ({to}) failed: {msg}")
    return output


def read_book_once(book: Book, markdown_path: Path, write: bool = True) -> Path:
    """The combined markdown as a Pandoc JSON AST beside it, numbered and cross-referenced
    (report.render.crossref); every writer starts from it. The book's own text is not read
    again: the AST of its numbering pass is used (only the metadata block is read here).
    ``write=False``: the AST is kept for the writers in this process only (the file is for a
    Pandoc that reads it, the DOCX's; writing it is ~0.03 s)."""
    import json

    from report.render.book import read_markdown_json
    from report.render.crossref import apply_crossrefs, xref_table

    out = markdown_path.with_suffix(".json")
    text = markdown_path.read_text(encoding="utf-8")
    parsed = book.take_body_ast(text)
    if parsed is None and text == book.markdown and book.body_parts is not None:
        from report.render.chapter_ast import read_body

        front, parts = book.body_parts  # numbered from the cache: the chapters' ASTs are there too
        parsed = front, read_body(parts, pandoc_path(), book.root)
    if parsed is not None:
        front, ast = parsed
        from report.render.format_cache import cached_markdown_json

        doc = {**cached_markdown_json(book.root, front, "the book's metadata"), "blocks": ast["blocks"]}
        doc["pandoc-api-version"] = ast["pandoc-api-version"]
    else:
        doc = read_markdown_json(text, pandoc_path())
    apply_crossrefs(doc, xref_table(book.labels))
    if write:
        out.write_text(json.dumps(doc, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    book.read_once = (out, doc)  # for the writers in this process (read_once_doc), not parsed again
    return out


def read_once_doc(book: Book, path: Path) -> dict:
    """The book as :func:`read_book_once` wrote it to ``path``: the document it kept (shared by
    the formats' threads, so never changed: a writer that needs other blocks makes a new list),
    else parsed from the file."""
    import json

    kept = getattr(book, "read_once", None)
    if kept is not None and kept[0] == path:
        return kept[1]
    return json.loads(Path(path).read_text(encoding="utf-8"))
