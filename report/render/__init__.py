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

from report.errors import MonitorError

FORMATS = ("pdf", "docx", "html")
ENGINES = ("embedded", "quarto")
TMP_PREFIX = ".monitor-tmp-"

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
        return _publish(staged, target, book.output_file)
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
    with ThreadPoolExecutor(max_workers=len(fmts)) as pool:
        futures = {fmt: pool.submit(jobs[fmt], book, markdown_path, tmp, draft) for fmt in fmts}
        # .result() re-raises a format's error; the pool waits for the others before cleaning up.
        return {fmt: futures[fmt].result() for fmt in fmts}


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
    """Put the staged outputs in ``target`` in one atomic step (report/swap.py).

    A complete new ``target`` is assembled beside the old one: the new outputs, and (hard links
    to) whatever else the old one holds, less the PDF and DOCX of an earlier edition
    (``<output_file>-<other edition>.pdf``) when this run writes that format, so ``_book/`` holds
    one report. Then the two folders are exchanged: a kill at any instant leaves the old _book/
    or the new one, whole, never a new PDF beside an old DOCX.
    """
    from report.swap import recover, replace_dir

    target.parent.mkdir(parents=True, exist_ok=True)
    recover(target, sorted(target.parent.glob(f".{target.name}-new-*")))
    new = Path(tempfile.mkdtemp(prefix=f".{target.name}-new-", dir=target.parent))
    try:
        result: dict[str, Path] = {}
        replaced = {"html" if f == "html" else p.name for f, p in staged.items()}
        suffixes = {p.suffix for f, p in staged.items() if f != "html"}
        if target.is_dir():
            for entry in sorted(target.iterdir()):
                if entry.name in replaced:
                    continue
                if entry.suffix in suffixes and entry.name.startswith(f"{output_file}-") and entry.is_file():
                    continue  # the same format of another edition
                if entry.is_dir():
                    shutil.copytree(entry, new / entry.name, copy_function=_link_or_copy)
                else:
                    _link_or_copy(entry, new / entry.name)
        for fmt, path in staged.items():
            dest = new / ("html" if fmt == "html" else path.name)
            shutil.move(str(path), dest)
            result[fmt] = (target / "html" / "index.html") if fmt == "html" else target / path.name
        if not target.exists():
            target.mkdir()
        replace_dir(new, target, "render")
        return result
    finally:
        if new.exists():
            shutil.rmtree(new, ignore_errors=True)


def _link_or_copy(src, dst) -> None:
    """A hard link (no bytes copied) where the file system allows it, else a copy."""
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)
