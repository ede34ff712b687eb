"""Running Pandoc for the embedded engine (the Pandoc 3 binary of the pypandoc-binary wheel).

Every writer of the embedded engine (Typst here, DOCX and HTML in ``docx.py``/``html.py``)
reads the combined markdown of :class:`report.render.book.Book` with the same reader and the
same Lua filters, so numbering and cross-references are identical in all formats::

    args = pandoc_args(book, "docx")          # reader, filters, fixed metadata
    run_pandoc(book, markdown_path, "docx", out_path, extra_args=["--reference-doc", ref])
"""

from __future__ import annotations

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

CROSSREF_FILTER = FILTER_DIR / "crossref.lua"  # embedded engine only (Quarto numbers itself)
MONITOR_FILTER = FILTER_DIR / "monitor.lua"  # shared with Quarto (listed in _quarto.yml)
TYPST_FILTER = FILTER_DIR / "typst.lua"  # embedded engine, Typst output only


def pandoc_path() -> str:
    """Path of the Pandoc binary shipped with pypandoc-binary."""
    try:
        import pypandoc
    except ImportError:  # pragma: no cover - dependency missing
        raise MonitorError("pypandoc-binary is not installed (pip install pypandoc-binary)") from None
    try:
        return pypandoc.get_pandoc_path()
    except OSError as exc:  # pragma: no cover
        raise MonitorError(f"Pandoc not found: {exc}") from None


def lua_filters(to: str, crossref: bool = True) -> list[Path]:
    """The Lua filters for writer ``to``, in order (``crossref=False``: the input has had it)."""
    filters = [CROSSREF_FILTER, MONITOR_FILTER] if crossref else [MONITOR_FILTER]
    if to.startswith("typst"):
        filters.append(TYPST_FILTER)
    return filters


def pandoc_args(book: Book, to: str, source: Path | None = None) -> list[str]:
    """Reader, writer, filters and metadata shared by all embedded-engine Pandoc runs.

    ``source`` ending in ``.json`` is the book as read once by :func:`read_book_once`: Pandoc
    reads the JSON and the cross-reference filter has already been applied."""
    from report.render.book import PANDOC_FROM

    prepared = source is not None and Path(source).suffix == ".json"
    args = ["-f", "json" if prepared else PANDOC_FROM, "-t", to]
    for f in lua_filters(to, crossref=not prepared):
        args += ["--lua-filter", str(f)]
    return args + _shared_args(book)


def _shared_args(book: Book) -> list[str]:
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
    book: Book, markdown_path: Path, to: str, output: Path, extra_args: list[str] | None = None
) -> Path:
    """Run Pandoc on the combined markdown; raise MonitorError with Pandoc's message on failure."""
    args = pandoc_args(book, to, markdown_path)
    cmd = [pandoc_path(), str(markdown_path), *args, "-o", str(output), *(extra_args or [])]
    proc = subprocess.run(cmd, capture_output=True, env=pandoc_env(book), cwd=book.root, check=False)
    if proc.returncode != 0:
        msg = proc.stderr.decode("utf-8", "replace").strip()
        raise MonitorError(f"Pandoc ({to}) failed: {msg}")
    return output


def read_book_once(book: Book, markdown_path: Path) -> Path:
    """The combined markdown read by Pandoc and numbered by the cross-reference filter once, as
    a JSON AST beside it; every writer starts from that instead of reading the markdown and
    running the filter again (together about 0.5 s of CPU per format). crossref.lua does not
    depend on the output format, so the result is the same."""
    out = markdown_path.with_suffix(".json")
    from report.render.book import PANDOC_FROM

    reader = ["-f", PANDOC_FROM, "-t", "json", "--lua-filter", str(CROSSREF_FILTER), *_shared_args(book)]
    cmd = [pandoc_path(), str(markdown_path), *reader, "-o", str(out)]
    proc = subprocess.run(cmd, capture_output=True, env=pandoc_env(book), cwd=book.root, check=False)
    if proc.returncode != 0:
        msg = proc.stderr.decode("utf-8", "replace").strip()
        raise MonitorError(f"Pandoc (reading the book) failed: {msg}")
    return out
