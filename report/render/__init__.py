"""Render stage: the book (``_quarto.yml``, ``chapters/``, ``_generated/``) → ``_book/``.

Public API::

    render(project_root, formats=("pdf", "docx", "html"), engine="embedded", draft=False,
           out_dir=None) -> dict[str, Path]

The book is assembled once (:func:`report.render.book.load_book`); each format is rendered
into a temporary folder inside the project (``.monitor-tmp-*``, git-ignored) and only when
every requested format succeeded are the results moved into ``_book/``:

* ``_book/<output-file>-<editie>.pdf`` and ``.docx``,
* ``_book/html/`` (a site; ``index.html``).

A failure removes the temporary folder and leaves the previous outputs untouched.

``engine="embedded"`` (default): Pandoc 3 + Lua filters + Typst, no Quarto needed.
``engine="quarto"``: runs ``quarto render --to <fmt>`` (Quarto must be on PATH) and then the
same DOCX post-processing (alt text, TOC, draft header).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterable
from pathlib import Path

from report.cache import Cache
from report.errors import MonitorError
from report.render import format_cache
from report.render.build_info import write_build_info

FORMATS = ("pdf", "docx", "html")
ENGINES = ("embedded", "quarto")
TMP_PREFIX = ".monitor-tmp-"
# Which formats the last embedded render drew and which it copied from the cache (benchmark, tests).
LAST_RENDER: dict[str, list[str]] = {}

__all__ = ["FORMATS", "ENGINES", "render", "draft_info"]


def draft_info(book) -> dict:
    """The draft marking for reviewers: CONCEPT, a version that identifies the text, the date."""
    return {"label": "CONCEPT", "version": f"{book.edition}-{book.content_hash}", "date": book.date}


def _check_args(formats: Iterable[str], engine: str) -> tuple[str, ...]:
    if isinstance(formats, str):
        formats = (formats,)
    fmts = tuple(dict.fromkeys(formats))
    unknown = [f for f in fmts if f not in FORMATS]
    if unknown or not fmts:
        raise MonitorError(f"Unknown format {unknown or '(none)'}; choose from {', '.join(FORMATS)}")
    if engine not in ENGINES:
        raise MonitorError(f"Unknown engine '{engine}'; choose from {', '.join(ENGINES)}")
    return fmts


def render(
    project_root: Path | str,
    formats: Iterable[str] = FORMATS,
    engine: str = "embedded",
    draft: bool = False,
    out_dir: Path | str | None = None,
) -> dict[str, Path]:
    """Render the book; return {format: path} of the outputs in ``out_dir`` (default ``_book/``).

    For ``html`` the path is the site's ``index.html``.
    """
    from report.render.book import load_book

    root = Path(project_root).resolve()
    fmts = _check_args(formats, engine)
    if engine == "quarto" and shutil.which("quarto") is None:
        raise MonitorError("Quarto is not installed; use the embedded engine")
    target = Path(out_dir).resolve() if out_dir is not None else root / "_book"

    book = load_book(root)  # errors in chapters surface before anything is written
    draft_dict = draft_info(book) if draft else None

    tmp = Path(tempfile.mkdtemp(prefix=TMP_PREFIX, dir=root))
    try:
        staged: dict[str, Path] = {}
        if engine == "embedded":
            staged = _render_embedded(book, fmts, tmp, draft_dict)
        else:
            staged = _render_quarto(book, fmts, tmp, draft_dict)
        outputs = _publish(staged, target, book.output_file)
        write_build_info(target, engine, list(outputs))
        return outputs
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


# --------------------------------------------------------------------------------------------


def _render_embedded(book, fmts: tuple[str, ...], tmp: Path, draft: dict | None) -> dict[str, Path]:
    """The formats side by side: most of each is Pandoc or Typst, which run outside Python's lock,
    so on two cores the three formats take little longer than the slowest one."""
    from concurrent.futures import ThreadPoolExecutor

    work = tmp / "work"
    work.mkdir()
    markdown_path = work / "book.md"
    markdown_path.write_text(book.markdown, encoding="utf-8")
    jobs = {"pdf": _embedded_pdf, "docx": _embedded_docx, "html": _embedded_html}
    # A format whose inputs did not change is copied from the cache (report/render/format_cache.py).
    cache = Cache.of_project(book.root)
    keys = {fmt: format_cache.format_key(book, fmt, draft) for fmt in fmts}
    staged: dict[str, Path] = {}
    for fmt in fmts:
        entry = cache.get(f"format-{fmt}", keys[fmt])
        if entry is not None:
            staged[fmt] = format_cache.restore(entry, fmt, tmp / "cached")
    todo = [fmt for fmt in fmts if fmt not in staged]
    if todo:
        from report.render.pandoc import read_book_once

        if len(todo) > 1:  # read once, write several times (pandoc.read_book_once)
            markdown_path = read_book_once(book, markdown_path)
        with ThreadPoolExecutor(max_workers=len(todo)) as pool:
            futures = {fmt: pool.submit(jobs[fmt], book, markdown_path, tmp, draft) for fmt in todo}
            # .result() re-raises a format's error; the pool waits for the others before cleaning up.
            for fmt in todo:
                staged[fmt] = futures[fmt].result()
        for fmt in todo:
            format_cache.store(cache, fmt, keys[fmt], staged[fmt])
        cache.prune()
    LAST_RENDER.clear()
    LAST_RENDER.update(rendered=todo, cached=[f for f in fmts if f not in todo])
    return {fmt: staged[fmt] for fmt in fmts}


def _embedded_pdf(book, markdown_path: Path, tmp: Path, draft: dict | None) -> Path:
    from report.render.pdf import render_pdf

    out = tmp / "pdf"
    out.mkdir()
    return render_pdf(book, markdown_path, out, draft)


def _embedded_docx(book, markdown_path: Path, tmp: Path, draft: dict | None) -> Path:
    from report.render.docx import postprocess_docx, write_reference_docx
    from report.render.pandoc import run_pandoc

    out = tmp / "docx"
    out.mkdir()
    reference = out / "reference.docx"
    write_reference_docx(reference)
    docx_path = out / f"{book.output_stem}.docx"
    cover = []
    if book.demo_notice:
        # On the title page, under the title block: the data are fictitious.
        cover = ["-M", f"abstract={book.demo_notice}", "-M", "abstract-title=Let op"]
    run_pandoc(
        book,
        markdown_path,
        "docx",
        docx_path,
        [
            "--reference-doc",
            str(reference),
            "--toc",
            "--toc-depth=2",
            "-M",
            "toc-title=Inhoudsopgave",
            *cover,
        ],
    )
    postprocess_docx(docx_path, book.figures, draft, date=book.date, lang=book.lang)
    return docx_path


def _embedded_html(book, markdown_path: Path, tmp: Path, draft: dict | None) -> Path:
    from report.render.html import build_html_site
    from report.render.pandoc import pandoc_path

    site = tmp / "html"
    site.mkdir()
    index = build_html_site(markdown_path, site, book, pandoc_path())
    if not Path(index).is_file():
        raise MonitorError(f"The HTML site has no index.html ({index})")
    return site


def _render_quarto(book, fmts: tuple[str, ...], tmp: Path, draft: dict | None) -> dict[str, Path]:
    """Quarto renders into a temporary output dir; then the same post-processing as embedded."""
    quarto = shutil.which("quarto")
    if quarto is None:  # checked before, but the PATH may change
        raise MonitorError("Quarto is not installed; use the embedded engine")
    staged: dict[str, Path] = {}
    env = dict(os.environ, SOURCE_DATE_EPOCH=str(book.source_date_epoch))
    quarto_fmt = {"pdf": "typst", "docx": "docx", "html": "html"}
    for fmt in fmts:
        out = tmp / f"quarto-{fmt}"
        cmd = [quarto, "render", str(book.root), "--to", quarto_fmt[fmt], "--output-dir", str(out)]
        proc = subprocess.run(cmd, cwd=book.root, capture_output=True, env=env, check=False)
        if proc.returncode != 0:
            msg = (proc.stderr or proc.stdout).decode("utf-8", "replace").strip()
            raise MonitorError(f"quarto render --to {quarto_fmt[fmt]} failed:\n{msg}")
        if fmt == "html":
            if not (out / "index.html").is_file():
                raise MonitorError(f"quarto render --to html wrote no index.html in {out}")
            staged["html"] = out
            continue
        ext = "pdf" if fmt == "pdf" else "docx"
        found = sorted(out.rglob(f"*.{ext}"))
        if not found:
            raise MonitorError(f"quarto render --to {quarto_fmt[fmt]} wrote no .{ext} in {out}")
        dest = tmp / f"{book.output_stem}.{ext}"
        shutil.move(str(found[0]), dest)
        if fmt == "docx":
            from report.render.docx import postprocess_docx

            postprocess_docx(dest, book.figures, draft, date=book.date, lang=book.lang)
        staged[fmt] = dest
    return staged


def _publish(staged: dict[str, Path], target: Path, output_file: str) -> dict[str, Path]:
    """Move the staged outputs into ``target``, replacing the old files of these formats.

    The PDF and DOCX of an earlier edition (``<output_file>-<other edition>.pdf``) are removed,
    so ``_book/`` holds one report; other files in ``target`` are left alone.
    """
    target.mkdir(parents=True, exist_ok=True)
    result: dict[str, Path] = {}
    for fmt, path in staged.items():
        if fmt == "html":
            dest = target / "html"
            if dest.exists():
                old = path.parent / "html-old"
                os.replace(dest, old)
            shutil.move(str(path), dest)
            result[fmt] = dest / "index.html"
        else:
            dest = target / path.name
            shutil.move(str(path), dest)  # a rename on the same file system: atomic
            for old in target.glob(f"{output_file}-*{path.suffix}"):
                if old != dest and old.is_file():
                    old.unlink()
            result[fmt] = dest
    return result
