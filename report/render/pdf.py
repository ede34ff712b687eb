"""PDF of the embedded engine: Pandoc → Typst (own template) → typst.compile (PDF/UA-1).

Typst sees the project root as its root, so figure paths like ``/_generated/figuren/x.svg``
resolve there; fonts come only from ``fonts/`` of the project (system fonts are ignored),
so every machine produces the same PDF. The PDF's creation date is the book date.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from report.errors import MonitorError
from report.render.pandoc import TEMPLATE_DIR

if TYPE_CHECKING:
    from report.render.book import Book

TYPST_TEMPLATE = TEMPLATE_DIR / "typst" / "monitor.typst"
FONT_FAMILY = "Noto Sans"


def fonts_dir(book: Book) -> Path:
    """The project's bundled fonts (fonts/ at the project root; else the repository's)."""
    for candidate in (book.root / "fonts", Path(__file__).resolve().parents[2] / "fonts"):
        if any(candidate.glob("*.ttf")) or any(candidate.glob("*.otf")):
            return candidate
    raise MonitorError(f"No fonts found in {book.root / 'fonts'} (expected NotoSans-*.ttf)")


def write_typst(book: Book, markdown_path: Path, typ_path: Path, draft: dict | None = None) -> Path:
    """Pandoc: the book (as read once) → Typst source with the monitor template.

    The body chapter by chapter, from the cache where a chapter is unchanged
    (:mod:`report.render.typst_body`), in the filled template (:func:`template_around`).
    """
    from report.render.pandoc import pandoc_args, pandoc_env, pandoc_path, read_book_once, read_once_doc
    from report.render.typst_body import body_typst

    if markdown_path.suffix != ".json":
        markdown_path = read_book_once(book, markdown_path)
    doc = read_once_doc(book, markdown_path)  # shared with the other formats: not changed
    env = pandoc_env(book)
    body = body_typst(book, doc, pandoc_path(), pandoc_args(book, "typst", markdown_path), env)
    extra = [
        "--template",
        str(TYPST_TEMPLATE),
        "--toc",
        "--toc-depth=2",
        "-V",
        "papersize=a4",
        "-V",
        f"mainfont={FONT_FAMILY}",
        "--wrap=preserve",
    ]
    if draft:
        from report.render.draft import draft_line

        extra += ["-M", f"monitor-draft={draft_line(draft)}"]
    head, tail = template_around(book, doc, extra, env)
    # Pandoc writes a raw block as it is, less one line break at its end.
    source_text = head + (body[:-1] if body.endswith("\n") else body) + tail
    # Pandoc centres every table; the house style sets tables flush left like the text.
    typ_path.write_text(source_text.replace("align(center)[#table(", "align(left)[#table("), encoding="utf-8")
    return typ_path


def template_around(book: Book, doc: dict, extra: list[str], env: dict[str, str]) -> tuple[str, str]:
    """The filled template before and after the body: Pandoc's Typst of the metadata with a
    marker as the body (one raw block), split at it; kept in the cache, keyed on the metadata,
    the arguments and the render code (the template is part of it)."""
    import json
    import subprocess
    import uuid

    from report.cache import Cache, digest
    from report.render.format_cache import render_code, tool_versions
    from report.render.pandoc import pandoc_path, shared_args

    cmd = [pandoc_path(), "-", "-f", "json", "-t", "typst", *shared_args(book), *extra]
    cache = Cache.of_project(book.root)
    fixed = [env.get("MONITOR_ROOT"), env.get("SOURCE_DATE_EPOCH")]
    key = digest("typst-template", render_code("pdf"), tool_versions(), cmd[1:], doc["meta"], fixed)
    entry = cache.get("typst-template", key)
    if entry is not None:
        head, tail = (entry.file(name).read_text(encoding="utf-8") for name in ("head.typ", "tail.typ"))
        return head, tail
    marker = f"monitor-body-{uuid.uuid4().hex}"
    filled = {"pandoc-api-version": doc["pandoc-api-version"], "meta": doc["meta"]}
    filled["blocks"] = [{"t": "RawBlock", "c": ["typst", marker]}]
    source = json.dumps(filled, ensure_ascii=False).encode("utf-8")
    proc = subprocess.run(cmd, input=source, capture_output=True, env=env, cwd=book.root, check=False)
    if proc.returncode != 0:
        raise MonitorError(f"Pandoc (typst) failed: {proc.stderr.decode('utf-8', 'replace').strip()}")
    pieces = proc.stdout.decode("utf-8").split(marker)
    if len(pieces) != 2:
        raise MonitorError(f"{TYPST_TEMPLATE}: the template must hold $body$ once ({len(pieces) - 1} found)")
    cache.put("typst-template", key, {"head.typ": pieces[0], "tail.typ": pieces[1]})
    return pieces[0], pieces[1]


def render_pdf(book: Book, markdown_path: Path, out_dir: Path, draft: dict | None = None) -> Path:
    """Render the PDF into ``out_dir`` and return its path (``<output_stem>.pdf``): Typst by the
    project's Typst server, which lays out only what changed (report/render/typst_server.py)."""
    from report.render.typst_server import compile_pdf

    typ_path = out_dir / f"{book.output_stem}.typ"
    pdf_path = out_dir / f"{book.output_stem}.pdf"
    write_typst(book, markdown_path, typ_path, draft)
    source = typ_path.read_text(encoding="utf-8")
    stem = pdf_path.stem if draft is None else f"{pdf_path.stem}-concept"
    compile_pdf(book.root, source, stem, pdf_path, fonts_dir(book), book.source_date_epoch)
    return pdf_path
