"""HTML output of the embedded engine: a static site that opens straight from the file system.

:func:`build_html_site` turns the combined book markdown into one page per chapter
(Pandoc's ``chunkedhtml`` writer with ``templates/html/page.html`` and the Lua filter
``templates/html/site.lua``) and completes the pages in Python:

* a table of contents on every page (the current chapter and its sections opened), previous
  and next links, ``lang="nl"``, Noto Sans from copied font files, Rijkshuisstijl colours
  (``assets/monitor.css``);
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
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from report.errors import MonitorError

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
LOCALE = "nl-NL"

_SITE_MARKER = ".monitor-html-site"  # marks a folder this module may empty before a rebuild


# ==========================================================================================
# Entry point
# ==========================================================================================


def build_html_site(markdown_path: Path, out_dir: Path, book: Any, pandoc_path: str) -> Path:
    """Render the combined markdown to a static site in ``out_dir``; return its ``index.html``.

    ``book``: has ``.title``, ``.metadata`` and ``.figures`` (``.id``, ``.alt``, ``.caption``,
    ``.path`` of the SVG with ``<stem>.csv`` and ``<stem>.vl.json`` beside it); when it has
    ``.root`` the shared Pandoc arguments (reader, Lua filters) of :mod:`report.render.pandoc`
    are used, and ``.chapters`` (with ``.id`` and ``.kind``) groups the appendices in the
    table of contents.
    """
    markdown_path = Path(markdown_path)
    out_dir = Path(out_dir)
    _prepare_out_dir(out_dir)

    with tempfile.TemporaryDirectory(prefix="monitor-html-") as tmp_name:
        tmp = Path(tmp_name)
        copies: dict[str, Path] = {}  # site-relative path -> source file
        blocks = {}
        for fig in getattr(book, "figures", None) or []:
            block = _figure_block(fig, copies)
            if block is not None:
                blocks[str(fig.id)] = block
        figures_json = tmp / "figures.json"
        figures_json.write_text(json.dumps(blocks, ensure_ascii=False, sort_keys=True), encoding="utf-8")

        chunk_dir = tmp / "site"
        _run_pandoc(markdown_path, chunk_dir, figures_json, book, pandoc_path)
        sitemap = json.loads((chunk_dir / "sitemap.json").read_text(encoding="utf-8"))
        toc = _Toc(sitemap, _chapter_kinds(book))
        demo = _demo_notice(book)

        pages = {p.name: p.read_text(encoding="utf-8") for p in sorted(chunk_dir.glob("*.html"))}
        anchors = _anchor_pages(pages)
        for name, text in pages.items():
            text = _finish_page(text, name, toc, demo, copies, anchors)
            (out_dir / name).write_text(text, encoding="utf-8", newline="\n")

    _copy_files(copies, out_dir)
    _write_assets(out_dir, book)
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


def _run_pandoc(
    markdown_path: Path, chunk_dir: Path, figures_json: Path, book: Any, pandoc_path: str
) -> None:
    args, env, cwd = _base_args(book, markdown_path)
    cmd = [
        pandoc_path,
        str(markdown_path),
        *args,
        "--lua-filter",
        str(SITE_FILTER),
        "-M",
        f"monitor-html-figures={figures_json}",
        "--template",
        str(PAGE_TEMPLATE),
        "--split-level=1",
        "--chunk-template=%i.html",
        "--figure-caption-position=above",
        "--table-caption-position=above",
        "--section-divs",
        "--wrap=none",
        "-o",
        str(chunk_dir),
    ]
    proc = subprocess.run(cmd, capture_output=True, env=env, cwd=cwd, check=False)
    if proc.returncode != 0:
        msg = proc.stderr.decode("utf-8", "replace").strip()
        raise MonitorError(f"Pandoc (HTML) faalde voor {markdown_path}: {msg}")


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
            f'<details class="chart-data"><summary>Tabel met de gegevens van {_text(label)}</summary>'
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
    return spec


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
        trailing_zero.append(
            is_num and bool(decimals) and all(p.endswith(".0") for p in decimals) and delimiter == ","
        )
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
        out = ['<ul class="toc-list">']
        current = ' aria-current="page"' if page == "index.html" else ""
        out.append(f'<li><a href="index.html"{current}>Titelpagina en inhoud</a></li>')
        in_appendix = False
        for _id, title, path, kind, subs in self.entries:
            if kind == "appendix" and not in_appendix:
                in_appendix = True
                out.append(
                    '</ul><p class="toc-group" id="toc-bijlagen">Bijlagen</p>'
                    '<ul class="toc-list" aria-labelledby="toc-bijlagen">'
                )
            here = self._page(path) == page
            current = ' aria-current="page"' if here else ""
            out.append(f'<li><a href="{_attr(self._page(path))}"{current}>{_text(title)}</a>')
            if here and subs:
                out.append('<ul class="toc-sections">')
                for sub_title, sub_path in subs:
                    out.append(f'<li><a href="{_attr(sub_path)}">{_text(sub_title)}</a></li>')
                out.append("</ul>")
            out.append("</li>")
        out.append("</ul>")
        return "\n".join(out)

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
    kinds = {}
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


def _anchor_pages(pages: dict[str, str]) -> dict[str, str]:
    """Which page holds each id (first page wins)."""
    where: dict[str, str] = {}
    for name, text in pages.items():
        for anchor in _ID.findall(text):
            where.setdefault(html.unescape(anchor), name)
    return where


def _fix_cross_page_links(text: str, name: str, anchors: dict[str, str]) -> str:
    """``href="#x"`` to an id on another page → ``page.html#x``.

    Pandoc's chunkedhtml rewrites links to headings, but not to figures (their id sits on the
    Figure element), so references like "Figuur 2.1" from another chapter would go nowhere.
    """

    def repl(m: re.Match[str]) -> str:
        target = html.unescape(m.group(2))
        page = anchors.get(target)
        if page is None or page == name:
            return m.group(0)
        return f"{m.group(1)}{_attr(page)}#{m.group(2)}{m.group(3)}"

    return _LOCAL_HREF.sub(repl, text)


def _finish_page(
    text: str, name: str, toc: _Toc, demo: str | None, copies: dict[str, Path], anchors: dict[str, str]
) -> str:
    text = _fix_cross_page_links(text, name, anchors)
    text = text.replace("<!--MONITOR-TOC-->", toc.sidebar(name), 1)
    text = text.replace("<!--MONITOR-INDEX-->", toc.full() if name == "index.html" else "", 1)
    banner = f'<div class="demo-banner" role="note"><p>{_text(demo)}</p></div>' if demo else ""
    text = text.replace("<!--MONITOR-DEMO-->", banner, 1)

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
    if 'class="chart"' in text:
        scripts = (
            f'<script src="{ASSET_DIR}/vega-bundle.js"></script>\n'
            f'<script src="{ASSET_DIR}/monitor.js"></script>'
        )
    else:
        scripts = ""
    text = text.replace("<!--MONITOR-SCRIPTS-->", scripts, 1)
    return text


# ==========================================================================================
# Assets
# ==========================================================================================


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
    from report.render.format_cache import cached_vega_bundle

    root = getattr(book, "root", None)
    bundle = cached_vega_bundle(Path(root), vega_bundle) if root else vega_bundle()
    (assets / "vega-bundle.js").write_text(bundle, encoding="utf-8", newline="\n")
    fonts = _font_dir(book)
    for name in FONT_FILES:
        if (fonts / name).exists():
            shutil.copyfile(fonts / name, assets / "fonts" / name)


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

    source = vlc.javascript_bundle()
    header = (
        f"/* vega {vlc.get_vega_version()}, vega-lite (latest of vl-convert "
        f"{getattr(vlc, '__version__', '')}), vega-embed {vlc.get_vega_embed_version()}: "
        "BSD-3-Clause, see https://github.com/vega. Bundled by vl-convert. */\n"
    )
    return header + "(function () {\n" + source + "\n})();\n"


# ==========================================================================================
# Small helpers
# ==========================================================================================


def _text(value: Any) -> str:
    return html.escape(str(value), quote=False)


def _attr(value: Any) -> str:
    return html.escape(str(value), quote=True)


__all__ = ["build_html_site", "vega_bundle", "monitor_js"]
