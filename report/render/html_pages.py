"""The HTML site's pages as Pandoc writes them, chapter by chapter, with a cache.

Pandoc's ``chunkedhtml`` writer with the Lua filters took ~0.6 s of CPU for the whole book on
every render after any edit, though an edit changes one page. So each page (a chapter: a
level-1 heading and what follows it up to the next) is written once and kept in the project
cache with its entry in Pandoc's ``sitemap.json``. Pages not seen before are written in one
Pandoc run over a shortened book: those chapters in full, every other chapter as its heading
alone, so that each written page has what it has in a run over the whole book:

* its own blocks (the filters keep no state from one chapter to the next, and a figure's HTML
  is looked up by its id);
* its number (``data-number``), its previous and next page and the book's metadata: the key
  holds every chapter's heading (ids, classes, number attributes, text) and the metadata, so a
  changed heading or title writes every page again;
* the links: Pandoc's chunkedhtml points a link ``#x`` at the page that holds ``x``, which would
  put other chapters into a page; ``site.lua`` hides every internal link from it
  (:data:`LOCAL_LINK` after the ``#``) and :mod:`report.render.html` resolves them all after,
  over the finished set of pages, by one rule.

When that cannot hold the book is written in one run and nothing is kept: text before the first
chapter (a page whose name Pandoc derives from the title and its position), or a heading
without an id (Pandoc makes ids unique across the whole book). A test compares the site made
page by page after an edit with the site made in one run.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from report.cache import Cache, digest
from report.errors import MonitorError
from report.render.book import is_chapter_marker

KIND = "html-page"
# After the '#' of every internal link (site.lua): no id starts with it, so Pandoc's chunkedhtml
# rewrites no link; removed again before the links are resolved (report/render/html.py).
LOCAL_LINK = "\ue000"


def split_chapters(blocks: list[dict]) -> tuple[list[dict], list[list[dict]]]:
    """The blocks before the first level-1 heading, and the chapters (each from its level-1
    heading on). Chapter markers are left out: site.lua drops them."""
    front: list[dict] = []
    chapters: list[list[dict]] = []
    for block in blocks:
        if is_chapter_marker(block):
            continue
        if block.get("t") == "Header" and block["c"][0] == 1:
            chapters.append([])
        (chapters[-1] if chapters else front).append(block)
    return front, chapters


# In a chapter's JSON (json.dumps of Pandoc's own, keys in Pandoc's order): a level-1 heading,
# a heading without an id, a figure's id. A text cannot match them: its quotes are escaped.
_LEVEL_ONE = re.compile(r'\{"t":"Header","c":\[1,')
_NO_ID = re.compile(r'\{"t":"Header","c":\[\d+,\[""')
_FIGURE_ID = re.compile(r'\{"t":"Figure","c":\[\["((?:[^"\\]|\\.)+)"')


def _page_by_page(front: list[dict], chapters: list[list[dict]], texts: list[str]) -> bool:
    """Whether each page can be written apart from the others (module docstring)."""
    if front or not chapters:
        return False
    for chapter, text in zip(chapters, texts, strict=True):
        ident = chapter[0]["c"][1][0]
        if not ident or "/" in ident or "\\" in ident:
            return False
        # a level-1 heading inside a block (the chapter's own is the first), or one without an id
        if len(_LEVEL_ONE.findall(text)) != 1 or _NO_ID.search(text):
            return False
    return True


def _figure_ids(text: str) -> list[str]:
    return [json.loads(f'"{m}"') for m in _FIGURE_ID.findall(text)]


def write_pages(
    book: Any,
    doc: dict,
    figures: dict[str, str],
    command: list[str],
    env: dict[str, str] | None,
) -> tuple[list[tuple[str, str]], dict]:
    """The pages ``[(file name, HTML)]`` (the title page first, then in the book's order) and
    the sitemap, for the book ``doc`` (Pandoc's JSON, as read once). ``figures``: the HTML of
    each figure by id (for site.lua); ``command``: Pandoc with every argument but the input,
    the figures' file and the output folder."""
    from report.render.format_cache import render_code, tool_versions

    front, chapters = split_chapters(doc["blocks"])
    texts = [json.dumps(chapter, ensure_ascii=False, separators=(",", ":")) for chapter in chapters]
    if not _page_by_page(front, chapters, texts):
        return _run(doc, front + [b for ch in chapters for b in ch], figures, command, env, book.root)

    cache = Cache.of_project(book.root)
    headings = [chapter[0] for chapter in chapters]
    context = digest(KIND, render_code("html"), tool_versions(), command, book.root.as_posix())
    context = digest(context, doc["meta"], headings)  # in every page: title, numbers, neighbours
    keys, found = [], []
    figure_ids = [_figure_ids(text) for text in texts]
    for text, ids in zip(texts, figure_ids, strict=True):
        own_figures = {fid: figures[fid] for fid in ids if fid in figures}
        keys.append(digest(KIND, context, hashlib.sha256(text.encode("utf-8")).hexdigest(), own_figures))
        found.append(_cached(cache, keys[-1]))
    title_key = digest(KIND, context, "title page")
    title_page = _cached(cache, title_key)
    todo = [i for i, entry in enumerate(found) if entry is None]
    if todo or title_page is None:
        with_title, wanted = title_page is None, set(todo)
        blocks = []
        for i, chapter in enumerate(chapters):
            blocks.extend(_in_run(i, chapter, wanted, with_title))
        subset = {fid: html for i in todo for fid in figure_ids[i] if (html := figures.get(fid))}
        written, sitemap = _run(doc, blocks, subset, command, env, book.root)
        pages = dict(written)
        nodes = {node["section"].get("id"): node for node in sitemap.get("subsections", [])}
        for i in todo:
            ident = headings[i]["c"][1][0]
            name = f"{ident}.html"
            if name not in pages:
                raise MonitorError(f"Pandoc (HTML) wrote no page {name} for the chapter '{ident}'")
            found[i] = (pages[name], nodes.get(ident))
            cache.put(KIND, keys[i], {"page.html": pages[name], "node.json": json.dumps(nodes.get(ident))})
        if with_title:  # else the run's title page lacks the chapters left out
            title_page = (pages["index.html"], sitemap.get("section", {}))
            cache.put(KIND, title_key, {"page.html": title_page[0], "node.json": json.dumps(title_page[1])})
    result = [("index.html", title_page[0])]
    subsections = []
    for heading, (page, node) in zip(headings, found, strict=True):
        result.append((f"{heading['c'][1][0]}.html", page))
        if node is not None:
            subsections.append(node)
    return result, {"section": title_page[1], "subsections": subsections}


def _in_run(i: int, chapter: list[dict], todo: set[int], title_page: bool) -> list[dict]:
    """What of chapter ``i`` goes into the run that writes the pages ``todo``: the chapter in full
    when it is one of them; its heading when it is next to one (a page's previous and next); else
    nothing, unless the title page is written too (it lists every chapter). Pandoc takes ~4 ms
    a chapter heading, a third of a one-page run in a book of 17 chapters."""
    if i in todo:
        return chapter
    if title_page or i - 1 in todo or i + 1 in todo:
        return chapter[:1]
    return []


def _cached(cache: Cache, key: str) -> tuple[str, Any] | None:
    entry = cache.get(KIND, key)
    if entry is None:
        return None
    try:
        page = entry.file("page.html").read_text(encoding="utf-8")
        return page, json.loads(entry.file("node.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None  # verified by the cache, so not expected; written again


def _run(
    doc: dict, blocks: list[dict], figures: dict[str, str], command: list[str], env, cwd: Path
) -> tuple[list[tuple[str, str]], dict]:
    """One chunkedhtml run over ``blocks`` (with ``doc``'s metadata)."""
    source = {"pandoc-api-version": doc["pandoc-api-version"], "meta": doc["meta"], "blocks": blocks}
    data = json.dumps(source, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return run_chunkedhtml([*command, "-"], figures, env, cwd, stdin=data)


def run_chunkedhtml(
    command: list[str], figures: dict[str, str], env, cwd: Path | str | None, stdin: bytes | None = None
) -> tuple[list[tuple[str, str]], dict]:
    """Pandoc's chunkedhtml: ``command`` (Pandoc, its input and every argument but the figures'
    file and the output folder), the HTML of each figure by id for site.lua; the pages (title
    page first, then in the order of the sitemap, then any other) and the sitemap."""
    with tempfile.TemporaryDirectory(prefix="monitor-html-pages-") as tmp_name:
        tmp = Path(tmp_name)
        figures_json = tmp / "figures.json"
        figures_json.write_text(json.dumps(figures, ensure_ascii=False, sort_keys=True), encoding="utf-8")
        out = tmp / "site"
        cmd = [*command, "-M", f"monitor-html-figures={figures_json}", "-o", str(out)]
        proc = subprocess.run(cmd, input=stdin, capture_output=True, env=env, cwd=cwd, check=False)
        if proc.returncode != 0:
            raise MonitorError(f"Pandoc (HTML) faalde: {proc.stderr.decode('utf-8', 'replace').strip()}")
        return read_site(out)


def read_site(out: Path) -> tuple[list[tuple[str, str]], dict]:
    """The pages of a chunkedhtml folder in the book's order, and its sitemap."""
    sitemap = json.loads((out / "sitemap.json").read_text(encoding="utf-8"))
    pages = {p.name: p.read_text(encoding="utf-8") for p in sorted(out.glob("*.html"))}
    listed = [node["section"]["path"].split("#", 1)[0] for node in sitemap.get("subsections", [])]
    order = ["index.html", *listed]
    names = list(dict.fromkeys([n for n in order if n in pages] + sorted(pages)))
    return [(name, pages[name]) for name in names], sitemap
