"""HTML output of the embedded engine: a static site that opens straight from the file system.

:func:`build_html_site` turns the combined book markdown into one page per chapter
(Pandoc's ``chunkedhtml`` writer with ``templates/html/page.html`` and the Lua filter
``templates/html/site.lua``) and completes the pages in Python:

* a navigation on every page (beside the text on wide screens, behind a menu button on narrow
  ones), breadcrumbs, an in-page table of contents, previous and next links, a skip link to the
  page's own ``main``, ``lang="nl"``, Noto Sans (a Latin subset of ``fonts/*.ttf`` as WOFF),
  Rijkshuisstijl colours and a print stylesheet (``assets/monitor.css``); every wide table in
  its own focusable, labelled scroll container, so the page never scrolls sideways;
* a search over all sections that works offline: a prebuilt index (``assets/zoekindex.js``,
  words folded to lower case without accents) read by ``assets/monitor.js``;
* a page "Gegevens" with the open data (:mod:`report.render.opendata`), copied into
  ``gegevens/``;
* every figure with a Vega-Lite spec (``<stem>.vl.json`` beside the figure) as an interactive
  chart with tooltips, drawn by vega-embed from a bundle that is copied into the site
  (``assets/vega-bundle.js``, made by vl-convert, loaded as a classic script, so ``file://``
  works); the static SVG stays visible until the chart is drawn (and if it is not); the figure's
  data as a collapsible table (from ``<stem>.csv``) and a CSV download;
* all files the pages use are copied into the site and linked relatively; nothing is loaded
  from the network.

The output is deterministic: the same inputs give the same bytes.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import html
import io
import json
import re
import shutil
import tempfile
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from report.errors import MonitorError
from report.font_subset import FONT_UNICODES, SUBSET_OPTIONS, SUBSET_RECIPE, make_subset
from report.render.html_pages import LOCAL_LINK, run_chunkedhtml

RENDER_DIR = Path(__file__).resolve().parent
ASSETS_DIR = RENDER_DIR / "assets"
TEMPLATE_DIR = RENDER_DIR / "templates" / "html"
PAGE_TEMPLATE = TEMPLATE_DIR / "page.html"
SITE_FILTER = TEMPLATE_DIR / "site.lua"
PROJECT_FONTS = RENDER_DIR.parent.parent / "fonts"

FIGURE_DIR = "figuren"  # figures' SVG and CSV in the site
IMAGE_DIR = "afbeeldingen"  # other images
ASSET_DIR = "assets"
FONT_FILES = (
    "NotoSans-Regular.ttf",
    "NotoSans-Bold.ttf",
    "NotoSans-Italic.ttf",
    "NotoSans-BoldItalic.ttf",
    "OFL.txt",
)
DATA_DIR = "gegevens"  # the open data in the site
SEARCH_INDEX = "zoekindex.js"
DATA_PAGE_ID = "gegevens"
SITE_NAME = "Monitor drugscriminaliteit"
# Text colour of the interactive charts' axes, legends and titles: 10:1 and more on white.
CHART_TEXT = "#333333"
LOCALE = "nl-NL"

_SITE_MARKER = ".monitor-html-site"  # marks a folder this module may empty before a rebuild


# ==========================================================================================
# Entry point
# ==========================================================================================


def build_html_site(
    markdown_path: Path,
    out_dir: Path,
    book: Any,
    pandoc_path: str,
    open_data: Path | None = None,
    open_data_ready: Callable[[], object] | None = None,
) -> Path:
    """Render the combined markdown to a static site in ``out_dir``; return its ``index.html``.

    ``book``: has ``.title``, ``.metadata`` and ``.figures`` (``.id``, ``.alt``, ``.caption``,
    ``.path`` of the SVG with ``<stem>.csv`` and ``<stem>.vl.json`` beside it); when it has
    ``.root`` the shared Pandoc arguments (reader, Lua filters) of :mod:`report.render.pandoc`
    are used, and ``.chapters`` (with ``.id`` and ``.kind``) groups the appendices in the
    table of contents. ``open_data``: a folder written by :func:`report.render.opendata.write_open_data`;
    the site gets a copy and a page "Gegevens" that links to it. ``open_data_ready()``: waits
    until that folder is written (by another thread), so the site is made meanwhile.
    """
    markdown_path = Path(markdown_path)
    out_dir = Path(out_dir)
    _prepare_out_dir(out_dir)

    from concurrent.futures import ThreadPoolExecutor

    with tempfile.TemporaryDirectory(prefix="monitor-html-") as tmp_name, ThreadPoolExecutor(1) as side:
        tmp = Path(tmp_name)
        copies: dict[str, Path] = {}  # site-relative path -> source file
        blocks = _figure_blocks(book, copies)
        # What the pages do not change (the figures' files, the assets, the open data), written
        # while Pandoc writes the pages (~0.1 s of a preview's rebuild after an edit).
        early = dict(copies)
        beside = side.submit(_write_beside_pages, early, out_dir, book, open_data, open_data_ready)

        page = _data_page(book) if open_data is not None else None
        if markdown_path.suffix == ".json" and getattr(book, "root", None) is not None:
            # The book as read once (report.render.pandoc.read_book_once): page by page, from the
            # cache where a chapter is unchanged (report/render/html_pages.py).
            from report.render.html_pages import write_pages
            from report.render.pandoc import read_once_doc

            doc = read_once_doc(book, markdown_path)  # shared with the other formats: not changed
            if page is not None:  # the Gegevens page's blocks after the book's
                doc = {**doc, "blocks": doc["blocks"] + _page_doc(page, Path(book.root))["blocks"]}
            args, env, _cwd = _base_args(book, markdown_path)
            written, sitemap = write_pages(book, doc, blocks, [pandoc_path, *args, *_site_args()], env)
        else:
            if page is not None:
                source = markdown_path.read_text(encoding="utf-8")
                markdown_path = tmp / "book-site.md"
                markdown_path.write_text(source.rstrip("\n") + "\n\n" + page, "utf-8")
            # the whole book in one run (a markdown file; a book without a project root)
            args, env, cwd = _base_args(book, markdown_path)
            command = [pandoc_path, str(markdown_path), *args, *_site_args()]
            written, sitemap = run_chunkedhtml(command, blocks, env, cwd)
        toc = _Toc(sitemap, _chapter_kinds(book))
        demo = _demo_notice(book)

        # in the book's order: where an id is on several pages, a link to it goes to the first
        pages = {name: text.replace("#" + LOCAL_LINK, "#") for name, text in written}
        anchors = _anchor_pages(pages)
        finished = {}
        for name, text in pages.items():
            finished[name] = _finish_page(text, name, toc, demo, copies, anchors)
            (out_dir / name).write_text(finished[name], encoding="utf-8", newline="\n")
        beside.result()

    # the chapters' own images, which the pages named
    _copy_files({rel: source for rel, source in copies.items() if rel not in early}, out_dir)
    sections_of = None
    if getattr(book, "root", None):
        from report.render.format_cache import cached_page_sections

        def sections_of(page: str) -> list[list[str]]:
            return cached_page_sections(Path(book.root), page, page_sections)

    index = search_index_js(finished, sections_of)
    (out_dir / ASSET_DIR / SEARCH_INDEX).write_text(index, encoding="utf-8", newline="\n")
    (out_dir / _SITE_MARKER).write_text("HTML-site van de Monitor drugscriminaliteit\n", encoding="utf-8")
    return out_dir / "index.html"


# ==========================================================================================
# Pandoc
# ==========================================================================================


def _base_args(book: Any, source: Path | None = None) -> tuple[list[str], dict[str, str] | None, str | None]:
    """Reader, shared Lua filters and environment (from report.render.pandoc when possible)."""
    root = getattr(book, "root", None)
    if root is not None:
        try:
            from report.render.pandoc import pandoc_args, pandoc_env
        except ImportError:  # pragma: no cover - the orchestrator's module is missing
            pass
        else:
            return pandoc_args(book, "chunkedhtml", source), pandoc_env(book), str(root)
    return ["-f", "markdown", "-t", "chunkedhtml"], None, None


def _page_doc(page: str, root: Path) -> dict:
    """The markdown ``page`` as Pandoc's JSON (read once and kept), to follow the book's blocks."""
    from report.render.format_cache import cached_markdown_json

    return cached_markdown_json(root, page, "the Gegevens page")


def _site_args() -> list[str]:
    """What the site's Pandoc runs share after the reader, writer and filters of _base_args."""
    return [
        "--lua-filter",
        str(SITE_FILTER),
        "--template",
        str(PAGE_TEMPLATE),
        "--split-level=1",
        "--chunk-template=%i.html",
        "--figure-caption-position=above",
        "--table-caption-position=above",
        "--section-divs",
        "--wrap=none",
    ]


def _prepare_out_dir(out_dir: Path) -> None:
    if out_dir.exists():
        if not out_dir.is_dir():
            raise MonitorError(f"{out_dir}: bestaat al en is geen map")
        if any(out_dir.iterdir()):
            if not (out_dir / _SITE_MARKER).exists():
                raise MonitorError(
                    f"{out_dir}: de map is niet leeg en is geen eerder gemaakte HTML-site; "
                    "kies een lege map voor de HTML-uitvoer"
                )
            for child in sorted(out_dir.iterdir()):
                if child.is_dir() and not child.is_symlink():
                    shutil.rmtree(child)
                else:
                    child.unlink()
    out_dir.mkdir(parents=True, exist_ok=True)


# ==========================================================================================
# Figures
# ==========================================================================================


def _sibling(fig: Any, ext: str) -> Path | None:
    finder = getattr(fig, "sibling", None)
    if callable(finder):
        found = finder(ext)
        return Path(found) if found else None
    path = Path(fig.path)
    name = path.name
    stem = name[: -len(".vl.json")] if name.endswith(".vl.json") else path.stem
    candidate = path.with_name(f"{stem}.{ext}")
    return candidate if candidate.exists() else None


def _plain(value: Any) -> str:
    if value is None:
        return ""
    return " ".join(str(value).split())


def _figure_label(fig: Any) -> str:
    label = getattr(fig, "label", None)
    if label:
        return str(label)
    caption = _plain(getattr(fig, "caption", ""))
    m = re.match(r"(Figuur\s+[\w.]+)", caption)
    return m.group(1) if m else "de figuur"


def _site_name(copies: dict[str, Path], folder: str, source: Path) -> str:
    """A site-relative path for ``source`` in ``folder``, unique in the site."""
    rel = f"{folder}/{source.name}"
    existing = copies.get(rel)
    if existing is None or existing.resolve() == source.resolve():
        copies[rel] = source
        return rel
    digest = hashlib.sha256(str(source.resolve()).encode("utf-8")).hexdigest()[:8]
    rel = f"{folder}/{source.stem}-{digest}{source.suffix}"
    copies[rel] = source
    return rel


def _figure_blocks(book: Any, copies: dict[str, Path]) -> dict[str, str]:
    """{figure id: its HTML} (:func:`_figure_block`) for every figure of the book, its files
    entered in ``copies``. Kept in the project cache under the figures' files, texts and site
    names: reading every figure's spec and CSV is ~0.1 s of each site after an edit."""
    figures = list(getattr(book, "figures", None) or [])
    root = getattr(book, "root", None)
    if root is None:
        return {str(f.id): b for f in figures if (b := _figure_block(f, copies)) is not None}
    from report.cache import Cache, code_version, digest, file_hash

    inputs = []
    for fig in figures:
        svg = _sibling(fig, "svg") or (Path(fig.path) if Path(fig.path).exists() else None)
        files = []
        # the site names as _figure_block gives them (the SVG's, then the CSV's): in the key
        for path, named in ((svg, True), (_sibling(fig, "vl.json"), False), (_sibling(fig, "csv"), True)):
            rel = _site_name(copies, FIGURE_DIR, path) if path is not None and named else None
            files.append([rel, file_hash(path)] if path is not None else None)
        texts = [str(getattr(fig, name, "") or "") for name in ("id", "alt", "caption", "label")]
        inputs.append([texts, files])
    cache = Cache.of_project(Path(root))
    key = digest("figure-blocks", code_version("render/html.py"), inputs)
    entry = cache.get("figure-blocks", key)
    if entry is not None:
        return json.loads(entry.file("blocks.json").read_text(encoding="utf-8"))
    blocks = {str(f.id): b for f in figures if (b := _figure_block(f, copies)) is not None}
    cache.put("figure-blocks", key, {"blocks.json": json.dumps(blocks, ensure_ascii=False, sort_keys=True)})
    return blocks


def _figure_block(fig: Any, copies: dict[str, Path]) -> str | None:
    """The HTML that replaces the figure's image: chart, fallback, data table, CSV link."""
    fid = str(fig.id)
    svg = _sibling(fig, "svg") or (Path(fig.path) if Path(fig.path).exists() else None)
    spec_path = _sibling(fig, "vl.json")
    csv_path = _sibling(fig, "csv")
    if svg is None and spec_path is None:
        return None  # nothing better than Pandoc's own figure
    alt = _plain(getattr(fig, "alt", "")) or _plain(getattr(fig, "caption", ""))
    if not alt:
        raise MonitorError(f"Figuur '{fid}' heeft geen alt-tekst (fig-alt)")
    label = _figure_label(fig)
    slug = re.sub(r"[^A-Za-z0-9_-]+", "-", fid)
    parts: list[str] = []

    fallback = ""
    if svg is not None:
        rel = _site_name(copies, FIGURE_DIR, svg)
        width, height = _svg_size(svg)
        size = f' width="{width}" height="{height}"' if width and height else ""
        fallback = f'<img class="chart-fallback" src="{_attr(rel)}" alt="{_attr(alt)}"{size}>'
    if spec_path is not None:
        spec = _load_spec(spec_path, alt)
        parts.append(
            f'<div class="chart" id="chart-{slug}" data-spec="spec-{slug}">'
            f'{fallback}<div class="chart-canvas" hidden></div></div>'
        )
        parts.append(f'<script type="application/json" id="spec-{slug}">{_json_for_html(spec)}</script>')
    else:
        parts.append(f'<div class="chart chart-static">{fallback}</div>')

    if csv_path is not None:
        rel_csv = _site_name(copies, FIGURE_DIR, csv_path)
        table = _csv_table(csv_path, f"Gegevens bij {label}")
        parts.append(
            f'<p class="chart-keyboard" id="kb-{slug}">De cijfers van {_text(label)} staan ook in een '
            'tabel: open die met <span lang="nl">Toon tabel</span> (de weg met het toetsenbord '
            "en voor schermlezers).</p>"
        )
        parts.append(
            f'<details class="chart-data"><summary>Toon tabel <span class="chart-data-label">'
            f"({_text(label)})</span></summary>"
            f'<div class="table-scroll" role="region" tabindex="0" '
            f'aria-label="Gegevens bij {_attr(label)}">{table}</div></details>'
        )
        parts.append(
            f'<p class="chart-download"><a href="{_attr(rel_csv)}" download>'
            f"Download de gegevens van {_text(label)} (CSV)</a></p>"
        )
    return "\n".join(parts)


def _load_spec(path: Path, alt: str) -> dict:
    try:
        spec = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise MonitorError(f"{path}: geen leesbare Vega-Lite-specificatie ({exc})") from exc
    if not isinstance(spec, dict):
        raise MonitorError(f"{path}: een Vega-Lite-specificatie moet een JSON-object zijn")
    _inline_data_urls(spec, path)
    spec["description"] = alt  # the drawn chart's aria-label
    config = spec.setdefault("config", {})
    if isinstance(config, dict):
        config.setdefault("font", "Noto Sans")  # the site's font (from assets/fonts)
        # Text of axes, legends, facet headers and titles dark enough on white (WCAG 4.5:1).
        for part, keys in (
            ("axis", ("labelColor", "titleColor")),
            ("legend", ("labelColor", "titleColor")),
            ("header", ("labelColor", "titleColor")),
            ("title", ("color", "subtitleColor")),
        ):
            section = config.setdefault(part, {})
            if isinstance(section, dict):
                for key in keys:
                    if _contrast_on_white(section.get(key)) < 4.5:
                        section[key] = CHART_TEXT
        title = spec.get("title")
        if isinstance(title, dict) and _contrast_on_white(title.get("color")) < 4.5:
            title["color"] = CHART_TEXT
    spec.setdefault("background", "#ffffff")
    return spec


def _contrast_on_white(colour: Any) -> float:
    """WCAG contrast ratio of a ``#rrggbb`` colour on white; 0 for anything else (unknown)."""
    if not isinstance(colour, str) or not re.fullmatch(r"#[0-9a-fA-F]{6}", colour):
        return 0.0

    def channel(hex2: str) -> float:
        c = int(hex2, 16) / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(colour[i : i + 2]) for i in (1, 3, 5))
    luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b
    return 1.05 / (luminance + 0.05)


def _inline_data_urls(node: Any, spec_path: Path) -> None:
    """Replace ``data: {url: x.csv/json}`` by inline values: file:// pages cannot fetch files."""
    if isinstance(node, dict):
        data = node.get("data")
        if isinstance(data, dict) and isinstance(data.get("url"), str):
            url = data["url"]
            if re.match(r"^[a-z]+://", url):
                raise MonitorError(
                    f"{spec_path}: de grafiek laadt gegevens van {url}; de site moet zonder "
                    "netwerk werken (gebruik inline gegevens)"
                )
            source = (spec_path.parent / url).resolve()
            if not source.exists():
                raise MonitorError(f"{spec_path}: gegevensbestand {url} bestaat niet")
            if source.suffix.lower() == ".csv":
                with source.open(encoding="utf-8", newline="") as fh:
                    values = list(csv.DictReader(fh))
            else:
                values = json.loads(source.read_text(encoding="utf-8"))
            fmt = data.get("format")
            node["data"] = {"values": values, **({"format": fmt} if fmt else {})}
        for value in node.values():
            _inline_data_urls(value, spec_path)
    elif isinstance(node, list):
        for value in node:
            _inline_data_urls(value, spec_path)


def _json_for_html(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return (
        text.replace("&", "\\u0026")
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def _svg_size(path: Path) -> tuple[str | None, str | None]:
    try:
        head = path.read_text(encoding="utf-8", errors="replace")[:2000]
    except OSError:
        return None, None
    m = re.search(r"<svg\b[^>]*>", head)
    if not m:
        return None, None
    tag = m.group(0)
    w = re.search(r'\bwidth="([\d.]+)(?:px)?"', tag)
    h = re.search(r'\bheight="([\d.]+)(?:px)?"', tag)
    if w and h:
        return str(round(float(w.group(1)))), str(round(float(h.group(1))))
    return None, None


# --- data table ---------------------------------------------------------------------------

_NUMBER = re.compile(r"^-?\d+(?:\.\d+)?$")
_SYMBOLS = {".", "*", "x", "–", "-", ""}  # CBS symbols and empty cells


def _is_year_column(name: str) -> bool:
    name = name.strip().lower()
    return name in ("jaar", "year", "jaartal", "periode", "period") or name.startswith("jaar")


def _dutch_number(text: str, decimals: int | None) -> str:
    negative = text.startswith("-")
    digits = text.lstrip("-")
    whole, _, frac = digits.partition(".")
    if decimals is not None:
        frac = frac[:decimals] if decimals else ""
    grouped = ""
    while len(whole) > 3:
        grouped = "." + whole[-3:] + grouped
        whole = whole[:-3]
    grouped = whole + grouped
    out = grouped + ("," + frac if frac else "")
    return ("−" if negative else "") + out


def _csv_table(path: Path, caption: str) -> str:
    """The CSV as an HTML table; numbers in Dutch notation (1.234,5), years as they are.

    Both CSV dialects are read: comma-separated with a decimal point, and the Dutch
    (Excel) one, semicolon-separated with a decimal comma.
    """
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise MonitorError(f"{path}: CSV niet leesbaar ({exc})") from exc
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    rows = [r for r in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter) if r]
    if not rows:
        raise MonitorError(f"{path}: het CSV-bestand is leeg")

    def as_number(value: str) -> str | None:
        """The value with a decimal point if it is a number, else None."""
        value = value.strip()
        if delimiter == ";":
            if "." in value:
                return None
            value = value.replace(",", ".")
        return value if _NUMBER.match(value) else None

    header, data = rows[0], rows[1:]
    ncol = len(header)
    numeric = []
    trailing_zero = []
    for j in range(ncol):
        column = [r[j].strip() for r in data if j < len(r)]
        values = [v for v in column if v not in _SYMBOLS]
        parsed = [as_number(v) for v in values]
        is_num = bool(values) and all(p is not None for p in parsed)
        numeric.append(is_num)
        decimals = [p for p in parsed if p and "." in p]
        # "6370,0" in a column of whole numbers is a count: shown as "6.370", as in the text
        trailing_zero.append(is_num and bool(decimals) and all(p.endswith(".0") for p in decimals))
    out = [f"<table><caption>{_text(caption)}</caption><thead><tr>"]
    for j, name in enumerate(header):
        cls = ' class="num"' if numeric[j] and not _is_year_column(name) else ""
        out.append(f'<th scope="col"{cls}>{_text(name)}</th>')
    out.append("</tr></thead><tbody>")
    for row in data:
        out.append("<tr>")
        for j in range(ncol):
            value = row[j].strip() if j < len(row) else ""
            name = header[j]
            shown = value
            number = as_number(value) if numeric[j] else None
            if number is not None and not _is_year_column(name):
                shown = _dutch_number(number, 0 if trailing_zero[j] else None)
            cls = ' class="num"' if numeric[j] and not _is_year_column(name) else ""
            tag = "th" if j == 0 else "td"
            scope = ' scope="row"' if j == 0 else ""
            out.append(f"<{tag}{scope}{cls}>{_text(shown)}</{tag}>")
        out.append("</tr>")
    out.append("</tbody></table>")
    return "".join(out)


# ==========================================================================================
# Pages
# ==========================================================================================


class _Toc:
    """The book's table of contents, from Pandoc's sitemap.json."""

    def __init__(self, sitemap: dict, kinds: dict[str, str]):
        self.entries = []  # (id, title, path, kind, [(title, path)])
        for node in sitemap.get("subsections", []):
            sec = node["section"]
            subs = [(s["section"]["title"], s["section"]["path"]) for s in node.get("subsections", [])]
            kind = kinds.get(sec.get("id") or "", "")
            self.entries.append((sec.get("id"), sec["title"], sec["path"], kind, subs))
        self.top_title = sitemap.get("section", {}).get("title", "")

    @staticmethod
    def _page(path: str) -> str:
        return path.split("#", 1)[0]

    def sidebar(self, page: str) -> str:
        """The chapters (the current one marked); the current chapter's sections are in the page."""
        out = ['<ul class="toc-list">']
        current = ' aria-current="page"' if page == "index.html" else ""
        out.append(f'<li><a href="index.html"{current}>Titelpagina en inhoud</a></li>')
        group = ""
        for _id, title, path, kind, _subs in self.entries:
            if kind != group and (kind in ("appendix", "data") or group):
                group = kind
                if kind == "appendix":
                    out.append(
                        '</ul><p class="toc-group" id="toc-bijlagen">Bijlagen</p>'
                        '<ul class="toc-list" aria-labelledby="toc-bijlagen">'
                    )
                else:
                    out.append('</ul><ul class="toc-list">')
            here = self._page(path) == page
            current = ' aria-current="page"' if here else ""
            out.append(
                f'<li><a href="{_attr(self._page(path))}"{current}>{_text(_strip_tags(title))}</a></li>'
            )
        out.append("</ul>")
        return "\n".join(out)

    def entry(self, page: str):
        for entry in self.entries:
            if self._page(entry[2]) == page:
                return entry
        return None

    def breadcrumbs(self, page: str) -> str:
        entry = self.entry(page)
        if entry is None or page == "index.html":
            return ""
        items = [f'<li><a href="index.html">{_text(SITE_NAME)}</a></li>']
        if entry[3] == "appendix":
            items.append("<li>Bijlagen</li>")
        items.append(f'<li><span aria-current="page">{_text(_strip_tags(entry[1]))}</span></li>')
        return f'<nav class="breadcrumbs" aria-label="Kruimelpad"><ol>{"".join(items)}</ol></nav>'

    def page_toc(self, page: str) -> str:
        entry = self.entry(page)
        if entry is None or len(entry[4]) < 2:
            return ""
        links = []
        for sub_title, sub_path in entry[4]:
            target, _, anchor = sub_path.partition("#")
            href = f"#{anchor}" if anchor and target == page else sub_path
            links.append(f'<li><a href="{_attr(href)}">{_text(_strip_tags(sub_title))}</a></li>')
        return (
            '<nav class="page-toc" aria-labelledby="page-toc-title">'
            '<p class="page-toc-title" id="page-toc-title">Op deze pagina</p>'
            f"<ul>{''.join(links)}</ul></nav>"
        )

    def full(self) -> str:
        out = ['<div class="index-toc">', '<h2 id="inhoudsopgave">Inhoudsopgave</h2>', "<ul>"]
        for _id, title, path, _kind, subs in self.entries:
            out.append(f'<li><a href="{_attr(path)}">{_text(title)}</a>')
            if subs:
                out.append("<ul>")
                for sub_title, sub_path in subs:
                    out.append(f'<li><a href="{_attr(sub_path)}">{_text(sub_title)}</a></li>')
                out.append("</ul>")
            out.append("</li>")
        out.append("</ul></div>")
        return "\n".join(out)


def _chapter_kinds(book: Any) -> dict[str, str]:
    kinds = {DATA_PAGE_ID: "data"}
    for chapter in getattr(book, "chapters", None) or []:
        cid = getattr(chapter, "id", None)
        if cid:
            kinds[str(cid)] = str(getattr(chapter, "kind", ""))
    return kinds


def _demo_notice(book: Any) -> str | None:
    notice = getattr(book, "demo_notice", None)
    if not notice:
        meta = getattr(book, "metadata", None) or {}
        notice = meta.get("demo-notice") if isinstance(meta, dict) else None
    return _plain(notice) or None


_IMG_SRC = re.compile(r'(<img\b[^>]*?\bsrc=")([^"]+)(")')
_ID = re.compile(r'<[a-zA-Z][^>]*?\sid="([^"]+)"')
_LOCAL_HREF = re.compile(r'(<a\b[^>]*?\bhref=")#([^"]+)(")')


def _anchor_pages(pages: dict[str, str]) -> tuple[dict[str, str], dict[str, list[str]]]:
    """Which page holds each id (the first in the book's order), and each page's ids."""
    where: dict[str, str] = {}
    ids: dict[str, list[str]] = {}
    for name, text in pages.items():
        ids[name] = [html.unescape(anchor) for anchor in _ID.findall(text)]
        for anchor in ids[name]:
            where.setdefault(anchor, name)
    return where, ids


def _fix_cross_page_links(text: str, name: str, anchors: tuple[dict[str, str], dict[str, list[str]]]) -> str:
    """``href="#x"`` to an id on another page → ``page.html#x``; to an id on this page it stays.

    Every internal link, as site.lua hid them all from Pandoc's chunkedhtml (html_pages.py):
    one rule for headings, figures, tables and notes. An id on this page wins (each page has
    its own footnotes ``fn1``, ...); else the first page in the book's order that has it.
    """
    where, ids = anchors
    here = set(ids.get(name, ()))

    def repl(m: re.Match[str]) -> str:
        target = html.unescape(m.group(2))
        page = where.get(target)
        if page is None or page == name or target in here:
            return m.group(0)
        return f"{m.group(1)}{_attr(page)}#{m.group(2)}{m.group(3)}"

    return _LOCAL_HREF.sub(repl, text)


_TABLE = re.compile(r"<table\b.*?</table>", flags=re.S)
_CAPTION = re.compile(r"<caption\b[^>]*>(.*?)</caption>", flags=re.S)
_COMMENT = re.compile(r"<!--.*?-->", flags=re.S)

HEADER_CONTROLS = f"""<button type="button" class="nav-toggle" aria-expanded="false"
aria-controls="site-nav" hidden>Menu</button>
<form class="site-search" role="search" data-index="{ASSET_DIR}/{SEARCH_INDEX}" hidden>
<label for="zoekterm">Zoeken in het rapport</label>
<input type="search" id="zoekterm" name="q" autocomplete="off">
<button type="submit">Zoek</button>
</form>"""
SEARCH_RESULTS = (
    '<div id="zoekresultaten" class="search-results" role="region" aria-label="Zoekresultaten" hidden></div>'
)


def _scroll_tables(text: str) -> str:
    """Every table in its own focusable, labelled scroll container (the page itself never scrolls)."""

    def wrap(m: re.Match[str]) -> str:
        before = text[max(0, m.start() - 120) : m.start()]
        if 'class="table-scroll"' in before:
            return m.group(0)
        caption = _CAPTION.search(m.group(0))
        label = html.unescape(_strip_tags(caption.group(1))) if caption else "Tabel"
        label = " ".join(label.split()) or "Tabel"
        region = f'<div class="table-scroll" role="region" tabindex="0" aria-label="{_attr(label)}">'
        return f"{region}{m.group(0)}</div>"

    return _TABLE.sub(wrap, text)


def _finish_page(
    text: str, name: str, toc: _Toc, demo: str | None, copies: dict[str, Path], anchors: dict[str, str]
) -> str:
    text = _fix_cross_page_links(text, name, anchors)
    # Pandoc's chunkedhtml points links to ids it does not know at the first page; the skip link
    # is added here, after Pandoc, so it stays on its own page.
    text = text.replace("<!--MONITOR-SKIP-->", '<a class="skip-link" href="#inhoud">Naar de inhoud</a>', 1)
    text = text.replace("<!--MONITOR-HEADER-->", HEADER_CONTROLS, 1)
    text = text.replace("<!--MONITOR-TOC-->", toc.sidebar(name), 1)
    text = text.replace("<!--MONITOR-BREADCRUMBS-->", toc.breadcrumbs(name), 1)
    text = text.replace("<!--MONITOR-INDEX-->", toc.full() if name == "index.html" else "", 1)
    banner = f'<div class="demo-banner" role="note"><p>{_text(demo)}</p></div>' if demo else ""
    text = text.replace("<!--MONITOR-DEMO-->", SEARCH_RESULTS + banner, 1)
    page_toc = toc.page_toc(name) if name != "index.html" else ""
    if page_toc:
        main = text.find("<main")
        h1_end = text.find("</h1>", main)
        if main >= 0 and h1_end >= 0:
            at = h1_end + len("</h1>")
            text = text[:at] + "\n" + page_toc + text[at:]

    def local_image(m: re.Match[str]) -> str:
        src = html.unescape(m.group(2))
        if re.match(r"^(?:[a-z]+:|#)", src) or src.startswith(f"{FIGURE_DIR}/"):
            if src.startswith(("http://", "https://")):
                raise MonitorError(
                    f"{name}: afbeelding van het netwerk ({src}); de site moet zonder netwerk werken"
                )
            return m.group(0)
        source = Path(src)
        if not source.is_absolute() or not source.exists():
            raise MonitorError(f"{name}: afbeelding {src} niet gevonden")
        rel = _site_name(copies, IMAGE_DIR, source)
        return m.group(1) + _attr(rel) + m.group(3)

    text = _IMG_SRC.sub(local_image, text)
    text = _scroll_tables(text)
    scripts = f'<script src="{ASSET_DIR}/monitor.js"></script>'
    if 'class="chart"' in text:  # the chart library only where there are charts
        scripts = f'<script src="{ASSET_DIR}/vega-bundle.js"></script>\n' + scripts
    text = text.replace("<!--MONITOR-SCRIPTS-->", scripts, 1)
    # No comments in the published pages (editors' notes in chapters, the template's markers).
    return _COMMENT.sub("", text)


# ==========================================================================================
# The page "Gegevens" (open data)
# ==========================================================================================

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+!|~^$@-])")


def _md(text: str) -> str:
    return _MD_SPECIAL.sub(r"\\\1", " ".join(str(text).split()))


def _data_page(book: Any) -> str:
    """Markdown of the page "Gegevens": the downloads of the open data, with what they contain
    (named as report/render/opendata.py names them: the page is made while they are written)."""
    from report.render.opendata import SYMBOLS, load_tables, xlsx_name

    _meta, tables = load_tables(book.root)
    lines = [
        f"# Gegevens {{#{DATA_PAGE_ID} .unnumbered}}",
        "",
        "De tabellen van de bijlage Tabellen zijn hier ook als gegevens te downloaden, om zelf mee te "
        "rekenen. De cijfers zijn dezelfde als in het rapport.",
        "",
    ]
    if getattr(book, "demo_notice", None):
        lines += [f"**{_md(book.demo_notice)}**", ""]
    lines += ["## Downloads", ""]
    lines.append(
        f"- [Alle tabellen in één werkmap (XLSX)]({DATA_DIR}/{xlsx_name(book)}): met een voorblad, een "
        "inhoud, een toelichting met de bronnen en kanttekeningen, de verklaring van de symbolen "
        "en één tabel per werkblad."
    )
    lines += [
        f"- [Beschrijving van de gegevens (datapackage.json)]({DATA_DIR}/datapackage.json): een "
        "Frictionless Data Package met per CSV-bestand de kolommen, hun type en hun betekenis.",
        "",
        "## CSV-bestanden per tabel",
        "",
        "Elk CSV-bestand (UTF-8, komma als scheidingsteken, punt als decimaalteken) heeft één rij per "
        "jaar en drugsmarkt (of regio), met de kolommen jaar, drugsmarkt of regio, waarde (met de "
        "eenheid in de kolomnaam), symbool, reeksbreuk en herzien (1 = ja, 0 = nee).",
        "",
    ]
    for t in tables:
        lines.append(f"- [{_md(t.title)}]({DATA_DIR}/{t.csv_name}) (CSV; eenheid: {_md(t.unit)})")
    lines += ["", "## Symbolen", "", "In de kolom symbool staan de symbolen van het CBS:", ""]
    lines += [f"- `{sym}`: {meaning}" for sym, meaning in SYMBOLS]
    return "\n".join(lines) + "\n"


# ==========================================================================================
# Search index
# ==========================================================================================


def fold(text: str) -> str:
    """Lower case without accents ("Cocaïne" → "cocaine"), as assets/monitor.js folds a query."""
    import unicodedata

    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@functools.lru_cache(maxsize=4096)
def _words(text: str) -> tuple[str, ...]:
    # kept: `monitor preview` indexes every section of the site again after each edit, and all
    # but the edited page's are as before (folding them was a tenth of its rebuild)
    return tuple(w for w in re.split(r"[^a-z0-9]+", fold(text)) if len(w) > 1)


class _SectionText(HTMLParser):
    """Text of ``<main>`` per section (``<section id>``); headings kept apart."""

    SKIP = {"script", "style", "nav", "svg", "button", "form"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.in_main = False
        self.skip = 0
        self.stack: list[list[str]] = []  # [id, ...] of open sections and other tags
        self.sections: dict[str, dict] = {}
        self.order: list[str] = []
        self.heading: str | None = None

    def _current(self) -> str | None:
        for tag, sid in reversed(self.stack):
            if tag == "section":
                return sid
        return None

    def handle_starttag(self, tag: str, attrs) -> None:
        attrs = dict(attrs)
        if tag == "main":
            self.in_main = True
            return
        if not self.in_main:
            return
        if tag in self.SKIP or tag in ("details",):
            self.skip += 1
        if tag == "section":
            sid = attrs.get("id") or ""
            self.stack.append(["section", sid])
            if sid and sid not in self.sections:
                self.sections[sid] = {"title": [], "text": []}
                self.order.append(sid)
            return
        if tag in ("h1", "h2", "h3", "h4"):
            self.heading = tag
        self.stack.append([tag, None])

    def handle_endtag(self, tag: str) -> None:
        if tag == "main":
            self.in_main = False
            return
        if not self.in_main:
            return
        if tag in self.SKIP or tag in ("details",):
            self.skip = max(0, self.skip - 1)
        if tag == self.heading:
            self.heading = None
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                break

    def handle_data(self, data: str) -> None:
        if not self.in_main or self.skip:
            return
        sid = self._current()
        if not sid:
            return
        part = "title" if self.heading else "text"
        self.sections[sid][part].append(data)


def page_sections(page: str) -> list[list[str]]:
    """[id, title, text] of each section of a finished page, in order."""
    parser = _SectionText()
    parser.feed(page)
    out = []
    for sid in parser.order:
        sec = parser.sections[sid]
        out.append([sid, " ".join("".join(sec["title"]).split()), " ".join("".join(sec["text"]).split())])
    return out


def search_index(pages: dict[str, str], sections_of=None) -> dict:
    """Sections of the finished pages as an inverted index: ``terms`` word → [doc, weight, ...].

    ``sections_of(page)``: :func:`page_sections`, or a cached equivalent (reading a page's
    HTML is most of the work, and an edit changes one page)."""
    sections_of = sections_of or page_sections
    docs: list[dict] = []
    postings: dict[str, dict[int, int]] = {}
    for name in sorted(pages):
        page_title = ""
        for n, (sid, title, body) in enumerate(sections_of(pages[name])):
            if not title and not body:
                continue
            if n == 0:
                page_title = title
            doc = len(docs)
            excerpt = body[:180].rsplit(" ", 1)[0] + " …" if len(body) > 180 else body
            docs.append(
                {
                    "url": name if n == 0 else f"{name}#{sid}",
                    "title": title or page_title,
                    "page": page_title or name,
                    "text": excerpt,
                }
            )
            for weight, words in ((5, _words(title)), (1, _words(body))):
                for w in words:
                    entry = postings.setdefault(w, {})
                    entry[doc] = entry.get(doc, 0) + weight
    terms = {w: [x for doc, n in sorted(d.items()) for x in (doc, n)] for w, d in sorted(postings.items())}
    return {"docs": docs, "terms": terms}


def search_index_js(pages: dict[str, str], sections_of=None) -> str:
    """``assets/zoekindex.js``: the index as a script (file:// pages cannot fetch a JSON file)."""
    index = search_index(pages, sections_of)
    data = json.dumps(index, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return f"window.MONITOR_SEARCH = {data};\n"


# ==========================================================================================
# Assets
# ==========================================================================================


def _write_beside_pages(
    copies: dict[str, Path], out_dir: Path, book: Any, open_data: Path | None, open_data_ready
) -> None:
    _copy_files(copies, out_dir)
    _write_assets(out_dir, book)
    if open_data is not None:
        if open_data_ready is not None:
            open_data_ready()
        shutil.copytree(open_data, out_dir / DATA_DIR)


def _copy_files(copies: dict[str, Path], out_dir: Path) -> None:
    for rel in sorted(copies):
        dest = out_dir / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(copies[rel], dest)


def _font_dir(book: Any) -> Path:
    root = getattr(book, "root", None)
    for candidate in ([Path(root) / "fonts"] if root else []) + [PROJECT_FONTS]:
        if (candidate / FONT_FILES[0]).exists():
            return candidate
    raise MonitorError(f"De lettertypebestanden (Noto Sans) ontbreken in {PROJECT_FONTS}")


def _write_assets(out_dir: Path, book: Any) -> None:
    assets = out_dir / ASSET_DIR
    (assets / "fonts").mkdir(parents=True, exist_ok=True)
    shutil.copyfile(ASSETS_DIR / "monitor.css", assets / "monitor.css")
    (assets / "monitor.js").write_text(monitor_js(), encoding="utf-8", newline="\n")
    from report.render import prebuilt
    from report.render.format_cache import cached_vega_bundle

    root = getattr(book, "root", None)
    if root and prebuilt.vega_bundle_source() is None:  # not shipped for this vl-convert: made once
        bundle = cached_vega_bundle(Path(root), vega_bundle)
    else:
        bundle = vega_bundle()
    (assets / "vega-bundle.js").write_text(bundle, encoding="utf-8", newline="\n")
    fonts = _font_dir(book)
    for name in FONT_FILES:
        source = fonts / name
        if not source.exists():
            continue
        if source.suffix == ".ttf":
            from report.render.format_cache import cached_font_subset

            def make(source: Path = source) -> bytes:
                return _font_subset(str(source), source.stat().st_mtime)

            woff = prebuilt.font_subset(source, SUBSET_RECIPE)
            if woff is None:
                woff = cached_font_subset(Path(root), source, make) if root else make()
            (assets / "fonts" / f"{source.stem}.woff").write_bytes(woff)
        else:
            shutil.copyfile(source, assets / "fonts" / name)


@functools.lru_cache(maxsize=8)
def _font_subset(path: str, _mtime: float) -> bytes:
    """A Latin subset of a TTF as WOFF (about 60 kB instead of 500 kB), the same bytes every time."""
    return make_subset(path, FONT_UNICODES, SUBSET_OPTIONS)


def monitor_js() -> str:
    """assets/monitor.js with the Dutch number and date locale filled in."""
    import vl_convert as vlc

    locale = {"number": vlc.get_format_locale(LOCALE), "time": vlc.get_time_format_locale(LOCALE)}
    source = (ASSETS_DIR / "monitor.js").read_text(encoding="utf-8")
    marker = "/*MONITOR-LOCALE*/ null"
    if marker not in source:  # pragma: no cover - asset edited
        raise MonitorError(f"{ASSETS_DIR / 'monitor.js'}: de plaats voor de locale ontbreekt")
    return source.replace(marker, json.dumps(locale, ensure_ascii=False, sort_keys=True), 1)


@functools.lru_cache(maxsize=1)
def vega_bundle() -> str:
    """vega + vega-lite + vega-embed as one classic script (no modules), made by vl-convert.

    Wrapped in a function so that the bundle's top-level names do not leak into the page;
    it sets ``window.vegaEmbed``, ``window.vega`` and ``window.vegaLite``.
    """
    import vl_convert as vlc

    from report.render.prebuilt import vega_bundle_source

    source = vega_bundle_source() or vlc.javascript_bundle()
    header = (
        f"/* vega {vlc.get_vega_version()}, vega-lite (latest of vl-convert "
        f"{getattr(vlc, '__version__', '')}), vega-embed {vlc.get_vega_embed_version()}: "
        "BSD-3-Clause, see https://github.com/vega. Bundled by vl-convert. */\n"
    )
    return header + "(function () {\n" + source + "\n})();\n"


# ==========================================================================================
# Small helpers
# ==========================================================================================


def _strip_tags(value: Any) -> str:
    return re.sub(r"<[^>]+>", "", str(value))


def _text(value: Any) -> str:
    return html.escape(str(value), quote=False)


def _attr(value: Any) -> str:
    return html.escape(str(value), quote=True)


__all__ = ["build_html_site", "fold", "monitor_js", "search_index", "vega_bundle"]
