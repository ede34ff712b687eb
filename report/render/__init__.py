"""Render stage: the book (``_quarto.yml``, ``chapters/``, ``_generated/``) → ``_book/``.

Public API::

    render(project_root, formats=("pdf", "docx", "html"), engine="embedded", draft=False,
           out_dir=None) -> dict[str, Path]

The book is assembled once (:func:`report.render.book.load_book`); each format is rendered
into a temporary folder inside the project (``.monitor-tmp-*``, git-ignored) and only when
every requested format succeeded are the results moved into ``_book/``:

* ``_book/<output-file>-<editie>.pdf`` and ``.docx``,
* ``_book/html/`` (a site; ``index.html``),
* ``_book/gegevens/`` (the tables as CSV, XLSX and ``datapackage.json``; :mod:`report.render.opendata`),
  written with every render, whatever the formats; the site has a copy.

A failure removes the temporary folder and leaves the previous outputs untouched.

``engine="embedded"`` (default): Pandoc 3 + Lua filters + Typst, no Quarto needed.
``engine="quarto"``: runs ``quarto render`` (Quarto on PATH, or its launcher named by ``QUARTO``)
and then the same DOCX post-processing (alt text, TOC, draft header).
"""

from __future__ import annotations

import functools
import importlib
import os
import shutil
import subprocess
import sys
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

__all__ = ["FORMATS", "ENGINES", "render", "draft_info", "quarto_path", "preload", "prepare"]

# What each format imports that takes a while (python-docx ~0.05 s, openpyxl for the open data
# ~0.1 s): see preload.
_MODULES = {
    "pdf": ["report.render.pdf", "report.render.typst_body", "typst"],
    "docx": ["report.render.docx", "report.render.docx_pictures"],
    "html": ["report.render.html", "report.render.html_pages"],
}
_SHARED = ["report.render.book", "report.render.crossref", "report.render.opendata"]


def preload(formats: Iterable[str] = FORMATS) -> None:
    """Import the modules rendering ``formats`` needs, ahead of the render: for a caller whose
    thread would otherwise wait (``monitor render`` while the build waits for its figure
    workers), so that the render's threads do not import them in turn, one at a time."""
    for name in _SHARED + [m for fmt in formats for m in _MODULES.get(fmt, [])]:
        importlib.import_module(name)
    from report.render.opendata import import_openpyxl

    import_openpyxl()


def prepare(root: Path, generated: Path, formats: Iterable[str] = FORMATS, engine: str = "embedded") -> None:
    """What a render can do before the build it follows is in place, while that build waits for
    its figure workers (``build(while_drawing=...)``): import what the formats need, and write the
    open data of the new tables (``generated``: the build's folder so far) into the cache the
    render takes them from. A problem is left for the render itself to report."""
    if engine == "embedded":
        preload(formats)
    try:
        format_cache.prepare_open_data(root, Path(generated))
    except MonitorError:
        pass


def draft_info(book) -> dict:
    """The draft marking for reviewers: CONCEPT, a version that identifies text and data, the date."""
    from report.render.draft import draft_info as _draft_info

    return _draft_info(book)


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
    book=None,
    keep_later: list | None = None,
) -> dict[str, Path]:
    """Render the book; return {format: path} of the outputs in ``out_dir`` (default ``_book/``).

    For ``html`` the path is the site's ``index.html``; ``gegevens`` is the open data's
    ``datapackage.json``. ``book``: the book as :func:`report.check.check_book` read it just
    before (not read again); a draft reads its own (with source anchors). ``keep_later`` (a
    list): the formats made are put into the cache not before they are published but by the
    functions appended to it, for the caller to call (`monitor preview`: after the page shows).
    """
    from report.render.book import load_book

    root = Path(project_root).resolve()
    fmts = _check_args(formats, engine)
    if engine == "quarto" and quarto_path() is None:
        raise MonitorError(
            "Quarto is not installed; use the embedded engine (looked for quarto on PATH, "
            "or the launcher named by QUARTO)"
        )
    target = Path(out_dir).resolve() if out_dir is not None else root / "_book"
    if draft and "html" in fmts:
        raise MonitorError("The HTML site has no draft mode; render the draft as --format pdf/docx")

    # errors in chapters surface before anything is written; a draft's DOCX gets source anchors
    if book is None or draft or Path(book.root).resolve() != root:
        book = load_book(root, source_anchors=draft)
    draft_dict = draft_info(book) if draft else None

    from report.swap import BUILD_TMP_PREFIX, remove_stale

    for what in remove_stale(root, TMP_PREFIX, skip=BUILD_TMP_PREFIX):
        print(f"render: {what}", file=sys.stderr)
    tmp = Path(tempfile.mkdtemp(prefix=TMP_PREFIX, dir=root))
    try:
        staged: dict[str, Path] = {}
        made: list[tuple[str, str]] | None = [] if keep_later is not None else None
        if engine == "embedded":
            staged = _render_embedded(book, fmts, tmp, draft_dict, made)
        else:
            staged = _render_quarto(book, fmts, tmp, draft_dict)
        if draft_dict is not None:
            # a draft never has the final report's name (and so never replaces it)
            staged = {fmt: p.rename(p.with_name(draft_dict["stem"] + p.suffix)) for fmt, p in staged.items()}
        if not (tmp / "gegevens").is_dir():  # Quarto builds _generated/ itself, so only now
            _open_data(book, tmp)
        staged["gegevens"] = tmp / "gegevens"
        # published in the same atomic step as the outputs it describes
        staged["build-info"] = write_build_info(tmp, engine, [f for f in fmts])
        published = _publish(staged, target, book.output_file, replace_old=draft_dict is None)
        cache = Cache.of_project(book.root)
        for fmt, key in made or []:
            where = published[fmt].parent if fmt == "html" else published[fmt]  # the site's folder
            keep_later.append(functools.partial(format_cache.store, cache, fmt, key, where))
        return published
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


# --------------------------------------------------------------------------------------------


def _render_embedded(
    book, fmts: tuple[str, ...], tmp: Path, draft: dict | None, made: list | None = None
) -> dict[str, Path]:
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
    referenced = format_cache.referenced_hash(book)
    keys = {fmt: format_cache.format_key(book, fmt, draft, referenced=referenced) for fmt in fmts}
    staged: dict[str, Path] = {}
    for fmt in fmts:
        entry = cache.get(f"format-{fmt}", keys[fmt])
        if entry is not None:
            staged[fmt] = format_cache.restore(entry, fmt, tmp / "cached")
    todo = [fmt for fmt in fmts if fmt not in staged]
    with ThreadPoolExecutor(max_workers=len(todo) + 2) as pool:
        # The open data (writing the XLSX is Python's work) while Pandoc reads and writes; the
        # site waits for them: it links to them and carries a copy.
        open_data = pool.submit(_open_data, book, tmp)
        if todo:
            from report.render.pandoc import read_book_once

            # read once, written by each format; as a file for the DOCX's Pandoc only
            markdown_path = read_book_once(book, markdown_path, write="docx" in todo)

            def render_and_keep(fmt: str) -> Path:
                out = jobs[fmt](book, markdown_path, tmp, draft, open_data)
                if made is not None:
                    made.append((fmt, keys[fmt]))  # kept by the caller, once published
                else:  # into the cache while the other formats are still being made
                    format_cache.store(cache, fmt, keys[fmt], out)
                return out

            # The DOCX first: its Pandoc run and post-processing are the longest of the three.
            order = sorted(todo, key=lambda fmt: fmt != "docx")
            futures = {fmt: pool.submit(render_and_keep, fmt) for fmt in order}
            if "docx" in todo:
                # python-docx (for the DOCX's post-processing) is imported while Pandoc writes it
                pool.submit(importlib.import_module, "report.render.docx")
            # .result() re-raises a format's error; the pool waits for the others before cleaning up.
            for fmt in todo:
                staged[fmt] = futures[fmt].result()
        open_data.result()
    if todo:
        cache.prune_now_and_then()
    LAST_RENDER.clear()
    LAST_RENDER.update(rendered=todo, cached=[f for f in fmts if f not in todo])
    return {fmt: staged[fmt] for fmt in fmts}


def _open_data(book, tmp: Path) -> Path:
    from report.render.format_cache import cached_open_data
    from report.render.opendata import write_open_data

    return cached_open_data(book, tmp / "gegevens", lambda out: write_open_data(book, out).folder)


def _embedded_pdf(book, markdown_path: Path, tmp: Path, draft: dict | None, _open_data=None) -> Path:
    from report.render.pdf import render_pdf

    out = tmp / "pdf"
    out.mkdir()
    return render_pdf(book, markdown_path, out, draft)


def _embedded_docx(book, markdown_path: Path, tmp: Path, draft: dict | None, _open_data=None) -> Path:
    from report.render.pandoc import run_pandoc

    out = tmp / "docx"
    out.mkdir()
    reference = out / "reference.docx"
    format_cache.cached_reference_docx(book.root, reference)
    docx_path = out / f"{book.output_stem}.docx"
    anchor_args: list[str] = []
    if draft is not None and book.anchored_markdown is not None:
        from report.render.docx_review import anchor_metadata_args

        markdown_path = markdown_path.with_name("book-anchored.md")
        markdown_path.write_text(book.anchored_markdown, encoding="utf-8")
        anchor_args = anchor_metadata_args(book.anchors, draft, book.root)
    # An SVG picture without a PNG beside it (a chapter's own image, not a figure of the build)
    # gets one: Word needs a PNG in the picture, the SVG only rides along in an extension.
    from report.render.docx_pictures import picture_stand_ins, svg_fallbacks

    fallbacks = svg_fallbacks(book, out / "png")
    # Pandoc embeds stand-ins (each PNG's header), the post-processing the PNGs (deflated once).
    stand_ins, pictures = picture_stand_ins(book, out / "stand-ins", fallbacks)
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
            *anchor_args,
        ],
        extra_env={
            **({"MONITOR_PNG_FALLBACKS": str(fallbacks)} if fallbacks else {}),
            **({"MONITOR_PNG_STAND_INS": str(stand_ins)} if stand_ins else {}),
        },
    )
    from report.render.docx import postprocess_docx  # imported while Pandoc ran (_render_embedded)

    postprocess_docx(
        docx_path, book.figures, draft, date=book.date, lang=book.lang, pictures=pictures, root=book.root
    )
    return docx_path


def _embedded_html(book, markdown_path: Path, tmp: Path, draft: dict | None, open_data=None) -> Path:
    from report.render.html import build_html_site
    from report.render.pandoc import pandoc_path

    site = tmp / "html"
    site.mkdir()
    index = build_html_site(
        markdown_path,
        site,
        book,
        pandoc_path(),
        open_data=tmp / "gegevens",
        # the site carries a copy of the open data, which are written meanwhile
        open_data_ready=open_data.result if open_data is not None else None,
    )
    if not Path(index).is_file():
        raise MonitorError(f"The HTML site has no index.html ({index})")
    return site


def quarto_path() -> str | None:
    """The Quarto launcher: ``QUARTO`` (a path) when set, else ``quarto`` on PATH."""
    explicit = os.environ.get("QUARTO")
    if explicit:
        return explicit if Path(explicit).is_file() else None
    return shutil.which("quarto")


def _quarto_env(book) -> dict[str, str]:
    """Quarto's pre-render runs ``python -m report build``: that must be this Python (its venv)."""
    env = dict(os.environ, SOURCE_DATE_EPOCH=str(book.source_date_epoch))
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    return env


def _render_quarto(book, fmts: tuple[str, ...], tmp: Path, draft: dict | None) -> dict[str, Path]:
    """Quarto renders into a temporary output dir; then the same post-processing as embedded.

    All three formats in one ``quarto render`` (its pre-render and project scan run once);
    fewer with ``--to`` per format.
    """
    quarto = quarto_path()
    if quarto is None:  # checked before, but the PATH may change
        raise MonitorError("Quarto is not installed; use the embedded engine")
    env = _quarto_env(book)
    quarto_fmt = {"pdf": "typst", "docx": "docx", "html": "html"}
    runs = [(None, tmp / "quarto")] if set(fmts) == set(FORMATS) else [(f, tmp / f"quarto-{f}") for f in fmts]
    written: dict[str, Path] = {}
    for fmt, out in runs:
        cmd = [quarto, "render", str(book.root), "--output-dir", str(out)]
        if fmt is not None:
            cmd += ["--to", quarto_fmt[fmt]]
        proc = subprocess.run(cmd, cwd=book.root, capture_output=True, env=env, check=False)
        what = "render" + (f" --to {quarto_fmt[fmt]}" if fmt else "")
        if proc.returncode != 0:
            msg = (proc.stderr or proc.stdout).decode("utf-8", "replace").strip()
            raise MonitorError(f"quarto {what} failed:\n{msg}")
        for f in [fmt] if fmt is not None else list(fmts):
            if f == "html":
                if not (out / "index.html").is_file():
                    raise MonitorError(f"quarto {what} wrote no index.html in {out}")
                continue
            found = sorted(out.glob(f"*.{f}"))
            if not found:
                raise MonitorError(f"quarto {what} wrote no .{f} in {out}")
            dest = tmp / f"{book.output_stem}.{f}"
            shutil.move(str(found[0]), dest)  # out of the HTML site's folder
            written[f] = dest
        if "html" in ([fmt] if fmt else fmts):
            written["html"] = out
    if "docx" in written:
        from report.render.docx import postprocess_docx

        postprocess_docx(written["docx"], book.figures, draft, date=book.date, lang=book.lang)
    return {f: written[f] for f in fmts}


def _publish(
    staged: dict[str, Path], target: Path, output_file: str, replace_old: bool = True
) -> dict[str, Path]:
    """Put the staged outputs in ``target`` in one atomic step (report/swap.py).

    A complete new ``target`` is assembled beside the old one: the new outputs, and (hard links
    to) whatever else the old one holds, less the PDF and DOCX of an earlier edition
    (``<output_file>-<other edition>.pdf``) when this run writes that format, so ``_book/`` holds
    one report. Drafts (``…-concept-…``) are never dropped, and a draft (``replace_old=False``)
    drops nothing. Then the two folders are exchanged: a kill at any instant leaves the old
    _book/ or the new one, whole, never a new PDF beside an old DOCX.
    """
    from report.render.draft import DRAFT_INFIX
    from report.swap import recover, replace_dir

    folders = {"html": "index.html", "gegevens": "datapackage.json"}  # published as folders
    target.parent.mkdir(parents=True, exist_ok=True)
    recover(target, sorted(target.parent.glob(f".{target.name}-new-*")))
    new = Path(tempfile.mkdtemp(prefix=f".{target.name}-new-", dir=target.parent))
    try:
        result: dict[str, Path] = {}
        names = {f: (f if f in folders else p.name) for f, p in staged.items()}
        suffixes = {p.suffix for f, p in staged.items() if f not in folders} if replace_old else set()
        if target.is_dir():
            for entry in sorted(target.iterdir()):
                if entry.name in names.values():
                    continue
                if (
                    entry.is_file()
                    and entry.suffix in suffixes
                    and entry.name.startswith(f"{output_file}-")
                    and DRAFT_INFIX not in entry.name
                ):
                    continue  # the same format of another edition
                if entry.is_dir():
                    shutil.copytree(entry, new / entry.name, copy_function=_link_or_copy)
                else:
                    _link_or_copy(entry, new / entry.name)
        for fmt, path in staged.items():
            shutil.move(str(path), new / names[fmt])
            result[fmt] = target / names[fmt] / folders[fmt] if fmt in folders else target / names[fmt]
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
