"""Assemble the Quarto book for the embedded engine.

Reads ``_quarto.yml`` (``book.chapters``, ``book.appendices``, title, ...), expands the Quarto
shortcodes of every chapter in Python (``include``, ``var``, ``meta``, ``pagebreak``) with
errors that name file, line and what is missing, and combines the chapters into one Pandoc
markdown document in book order.

The combined document:

* starts with a YAML block holding the book metadata and ``monitor-crossref``: for every
  heading, figure and table id its number (computed here, once, in Python) — the Lua filter
  ``filters/crossref.lua`` only applies these numbers;
* has before each chapter an empty marker Div
  ``::: {.monitor-chapter source="chapters/02-import.qmd" chapter-kind="chapter"}`` (kind
  ``chapter``, ``appendix`` or ``front`` for unnumbered chapters);
* has image paths resolved to absolute file-system paths (``/x`` = project root, other
  relative paths relative to the chapter file).

Nothing here knows about Typst, DOCX or HTML; :mod:`report.render.pandoc` runs Pandoc.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import difflib
import hashlib
import json
import re
import shlex
import subprocess
from pathlib import Path
from typing import Any

import yaml

from report.errors import MonitorError

FIGURE_PREFIX = "Figuur"
TABLE_PREFIX = "Tabel"
APPENDIX_PREFIX = "Bijlage"

# Pandoc reader used everywhere for the combined document (the HTML writer must use the same
# reader so that automatic heading ids match the ids numbered here).
PANDOC_FROM = "markdown"


_SHORTCODE = re.compile(r"(\{\{\{<|\{\{<)\s*(.*?)\s*(>\}\}\}|>\}\})")
_FENCE = re.compile(r"^\s*(`{3,}|~{3,})")
# ![alt](path ...) — alt may contain one level of nested brackets.
_IMAGE = re.compile(r"(!\[(?:[^\[\]]|\[[^\[\]]*\])*\]\(\s*)(<[^>]+>|[^)\s]+)")


@dataclasses.dataclass(frozen=True)
class SourceRef:
    """Where a piece of text came from (for error messages)."""

    file: str  # project-relative path
    line: int

    def __str__(self) -> str:
        return f"{self.file}, line {self.line}"


@dataclasses.dataclass
class Chapter:
    """One chapter file of the book."""

    path: Path  # absolute path of the .qmd
    rel: str  # project-relative path, e.g. "chapters/02-import.qmd"
    kind: str  # "front" (unnumbered), "chapter" or "appendix"
    number: str | None  # "2", "A", or None for unnumbered chapters
    id: str | None  # id of the chapter's level-1 heading (e.g. "sec-import")
    title: str  # plain text of the level-1 heading (or front-matter title)
    markdown: str  # the chapter after shortcode expansion and path resolution
    files: list[str]  # project-relative files the chapter is made of (chapter + includes)

    @property
    def appendix(self) -> bool:
        return self.kind == "appendix"

    @property
    def label(self) -> str:
        """ "Hoofdstuk 2", "Bijlage A" or the title for unnumbered chapters."""
        if self.number is None:
            return self.title
        return f"{APPENDIX_PREFIX} {self.number}" if self.appendix else f"Hoofdstuk {self.number}"


@dataclasses.dataclass
class Label:
    """A numbered (or referenceable) thing: heading, figure or table."""

    id: str
    kind: str  # "sec", "fig" or "tbl"
    number: str | None  # "3.2", "A.1", "2", "A" (None: unnumbered heading)
    display: str | None  # what stands before the heading text / caption ("3.2", "Bijlage A", "Figuur 3.2")
    ref: str  # text of a reference to it ("paragraaf 3.2", "hoofdstuk 3", "Figuur 3.2", ...)
    chapter: str  # project-relative chapter file
    level: int = 0  # heading level (sections only)
    title: str = ""  # plain heading text / caption text


@dataclasses.dataclass
class FigureInfo:
    """A figure of the book (what the DOCX post-processing and the HTML site need)."""

    id: str  # "fig-inbeslagnames_nl-kg"
    path: Path  # absolute path as written in the chapter (usually the .svg)
    caption: str  # plain caption text with the number: "Figuur 2.1: Inbeslagnames ..."
    caption_text: str  # plain caption text without the number
    alt: str  # fig-alt (falls back to the caption text)
    number: str  # "2.1", "A.1"
    label: str  # "Figuur 2.1"
    chapter: str  # project-relative chapter file

    def sibling(self, ext: str) -> Path | None:
        """The figure's file with another extension (``png``, ``csv``, ``vl.json``), if it exists."""
        name = self.path.name
        stem = name[: -len(".vl.json")] if name.endswith(".vl.json") else self.path.stem
        candidate = self.path.with_name(f"{stem}.{ext}")
        return candidate if candidate.exists() else None

    @property
    def png(self) -> Path | None:
        return self.sibling("png")

    @property
    def svg(self) -> Path | None:
        return self.sibling("svg")

    @property
    def csv(self) -> Path | None:
        return self.sibling("csv")

    @property
    def vl_json(self) -> Path | None:
        return self.sibling("vl.json")


@dataclasses.dataclass
class Book:
    """The assembled book: metadata, chapters, numbering and the combined markdown."""

    root: Path
    title: str
    subtitle: str
    authors: list[str]
    publisher: str
    date: str  # ISO date "2025-06-30"
    date_text: str  # "30 juni 2025"
    edition: str  # "2025"
    lang: str
    demo_notice: str | None
    output_file: str  # book.output-file: "monitor-drugscriminaliteit"
    output_stem: str  # "<output_file>-<edition>": "monitor-drugscriminaliteit-2025"
    metadata: dict[str, Any]  # merged book metadata (what {{< meta >}} sees)
    chapters: list[Chapter]
    labels: dict[str, Label]  # id -> Label, for headings (all), figures and tables
    figures: list[FigureInfo]
    markdown: str  # the combined Pandoc markdown document (with YAML metadata block)

    @property
    def source_date_epoch(self) -> int:
        """The book date as Unix time (UTC midnight): fixes dates in DOCX and PDF."""
        d = _dt.date.fromisoformat(self.date)
        return int(_dt.datetime(d.year, d.month, d.day, tzinfo=_dt.UTC).timestamp())

    @property
    def content_hash(self) -> str:
        """Short hash of the combined markdown: identifies a draft version."""
        text = self.markdown.replace(self.root.as_posix(), "")  # independent of where the project lies
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]

    def figure(self, fig_id: str) -> FigureInfo:
        for fig in self.figures:
            if fig.id == fig_id:
                return fig
        raise KeyError(fig_id)


# --------------------------------------------------------------------------------------------
# Reading _quarto.yml and metadata


def _rel(root: Path, path: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)


def _load_yaml(path: Path, what: str) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise MonitorError(f"{what} is missing: {path}") from None
    try:
        # libyaml's loader reads the same YAML ten times faster (_variables.yml is large).
        return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f", line {mark.line + 1}" if mark is not None else ""
        raise MonitorError(f"{path}{where}: not valid YAML ({getattr(exc, 'problem', exc)})") from None


def _flatten_chapters(items: Any, where: str) -> list[str]:
    """book.chapters may hold plain paths and ``part:`` entries with their own chapters."""
    out: list[str] = []
    if items is None:
        return out
    if not isinstance(items, list):
        raise MonitorError(f"_quarto.yml: {where} must be a list of files")
    for item in items:
        if isinstance(item, str):
            out.append(item)
        elif isinstance(item, dict) and "part" in item:
            part = item["part"]
            if isinstance(part, str) and part.endswith((".qmd", ".md")):
                out.append(part)
            out.extend(_flatten_chapters(item.get("chapters"), where))
        elif isinstance(item, dict) and "href" in item:
            out.append(str(item["href"]))
        else:
            raise MonitorError(f"_quarto.yml: unknown entry in {where}: {item!r}")
    return out


def format_date_nl(iso: str) -> str:
    from report.numbers import long_date

    return long_date(_dt.date.fromisoformat(iso))


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(_as_text(v) for v in value)
    if isinstance(value, dict):
        if "name" in value:
            return _as_text(value["name"])
        if "literal" in value:
            return _as_text(value["literal"])
    if isinstance(value, _dt.date):
        return value.isoformat()
    return str(value)


def _authors(value: Any) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list):
        value = [value]
    return [_as_text(v) for v in value if _as_text(v)]


def read_project(root: Path) -> tuple[dict[str, Any], dict[str, Any], list[str], list[str]]:
    """Return (quarto config, merged metadata, chapter files, appendix files)."""
    cfg_path = root / "_quarto.yml"
    cfg = _load_yaml(cfg_path, "The book definition (_quarto.yml)")
    if not isinstance(cfg, dict):
        raise MonitorError(f"{cfg_path}: expected a YAML mapping")
    book = cfg.get("book")
    if not isinstance(book, dict):
        raise MonitorError(f"{cfg_path}: the section 'book:' is missing")
    for key in ("title", "chapters"):
        if not book.get(key):
            raise MonitorError(f"{cfg_path}: 'book.{key}' is missing")
    chapters = _flatten_chapters(book.get("chapters"), "book.chapters")
    appendices = _flatten_chapters(book.get("appendices"), "book.appendices")

    # What {{< meta >}} sees: top-level keys, the book fields Quarto promotes, metadata-files.
    meta: dict[str, Any] = {k: v for k, v in cfg.items() if k not in ("project", "format", "book")}
    for key in ("title", "subtitle", "author", "date", "publisher", "description", "abstract"):
        if key in book:
            meta[key] = book[key]
    meta["book"] = book
    for rel in cfg.get("metadata-files") or []:
        path = root / rel
        if not path.exists():
            raise MonitorError(
                f"{cfg_path}: metadata-files lists {rel}, but that file does not exist "
                "(run the build stage first: python -m report build)"
            )
        extra = _load_yaml(path, str(rel)) or {}
        if not isinstance(extra, dict):
            raise MonitorError(f"{path}: expected a YAML mapping")
        meta.update(extra)
    if isinstance(meta.get("date"), _dt.date):
        meta["date"] = meta["date"].isoformat()
    return cfg, meta, chapters, appendices


def _load_variables(root: Path) -> dict[str, Any]:
    path = root / "_variables.yml"
    if not path.exists():
        return {}
    data = _load_yaml(path, "_variables.yml") or {}
    if not isinstance(data, dict):
        raise MonitorError(f"{path}: expected a YAML mapping")
    return data


def _flat_keys(data: Any, prefix: str = "") -> list[str]:
    keys: list[str] = []
    if isinstance(data, dict):
        for k, v in data.items():
            key = f"{prefix}{k}"
            keys.append(key)
            keys.extend(_flat_keys(v, key + "."))
    return keys


def _lookup(data: Any, key: str) -> tuple[bool, Any]:
    cur = data
    for part in key.split("."):
        if isinstance(cur, dict) and part in cur:
            cur = cur[part]
        elif isinstance(cur, list) and part.isdigit() and int(part) < len(cur):
            cur = cur[int(part)]
        else:
            return False, None
    return True, cur


def _nearest(key: str, known: list[str]) -> str:
    """Known keys that look like ``key``: close matches, else the siblings of the deepest match."""
    close = difflib.get_close_matches(key, known, n=5, cutoff=0.6)
    if not close:
        parts = key.split(".")
        for depth in range(len(parts) - 1, -1, -1):
            prefix = ".".join(parts[:depth])
            siblings = [
                k for k in known if (k.startswith(prefix + ".") if prefix else True) and k.count(".") == depth
            ]
            if siblings:
                close = siblings[:8]
                break
    return ", ".join(close) if close else "(geen)"


# --------------------------------------------------------------------------------------------
# Shortcodes


def _split_front_matter(text: str) -> tuple[dict[str, Any], str, int]:
    """Strip a YAML front matter block; return (metadata, body, number of lines removed)."""
    if not text.startswith("---"):
        return {}, text, 0
    lines = text.split("\n")
    if lines[0].strip() != "---":
        return {}, text, 0
    for i in range(1, len(lines)):
        if lines[i].strip() in ("---", "..."):
            try:
                meta = yaml.safe_load("\n".join(lines[1:i])) or {}
            except yaml.YAMLError:
                return {}, text, 0
            if not isinstance(meta, dict):
                return {}, text, 0
            return meta, "\n".join(lines[i + 1 :]), i + 1
    return {}, text, 0


class _Expander:
    def __init__(self, root: Path, variables: dict[str, Any], meta: dict[str, Any]):
        self.root = root
        self.variables = variables
        self.var_keys = _flat_keys(variables)
        self.var_leaves = [k for k in self.var_keys if not isinstance(_lookup(variables, k)[1], (dict, list))]
        self.meta = meta

    def expand(
        self,
        text: str,
        file: Path,
        chain: list[SourceRef],
        first_line: int = 1,
        files: list[str] | None = None,
        meta: dict[str, Any] | None = None,
    ) -> str:
        rel = _rel(self.root, file)
        if files is not None and rel not in files:
            files.append(rel)
        out_lines: list[str] = []
        for offset, line in enumerate(text.split("\n")):
            lineno = first_line + offset
            where = SourceRef(rel, lineno)
            out_lines.append(self._expand_line(line, file, where, chain, files, meta))
        return "\n".join(out_lines)

    def _context(self, where: SourceRef, chain: list[SourceRef]) -> str:
        msg = str(where)
        for ref in reversed(chain):
            msg += f" (included from {ref})"
        return msg

    def _expand_line(
        self,
        line: str,
        file: Path,
        where: SourceRef,
        chain: list[SourceRef],
        files: list[str] | None,
        meta: dict[str, Any] | None,
    ) -> str:
        if "{{<" not in line:
            return line

        def repl(m: re.Match[str]) -> str:
            opening, body, closing = m.group(1), m.group(2), m.group(3)
            if opening == "{{{<" and closing == ">}}}":
                return "{{< " + body + " >}}"  # escaped shortcode: literal text
            try:
                parts = shlex.split(body)
            except ValueError:
                parts = body.split()
            if not parts:
                raise MonitorError(f"{self._context(where, chain)}: empty shortcode '{m.group(0)}'")
            name, args = parts[0], parts[1:]
            if name == "include":
                return self._include(args, file, where, chain, files)
            if name == "var":
                return self._var(args, where, chain)
            if name == "meta":
                return self._meta(args, where, chain, meta)
            if name == "pagebreak":
                return _PAGEBREAK
            raise MonitorError(
                f"{self._context(where, chain)}: unknown shortcode '{name}' "
                "(supported: include, var, meta, pagebreak)"
            )

        return _SHORTCODE.sub(repl, line)

    def _include(
        self, args: list[str], file: Path, where: SourceRef, chain: list[SourceRef], files: list[str] | None
    ) -> str:
        if len(args) != 1:
            raise MonitorError(f"{self._context(where, chain)}: include expects one path, got {args}")
        target = args[0]
        path = self.root / target.lstrip("/") if target.startswith("/") else file.parent / target
        path = Path(path)
        if not path.is_file():
            raise MonitorError(
                f"{self._context(where, chain)}: included file '{target}' does not exist "
                f"(looked for {path}). Run the build stage or correct the path."
            )
        new_chain = chain + [where]
        if any(_rel(self.root, path) == ref.file for ref in new_chain):
            raise MonitorError(f"{self._context(where, chain)}: '{target}' includes itself (include cycle)")
        text = path.read_text(encoding="utf-8")
        _, body, skipped = _split_front_matter(text)
        body = body.rstrip("\n")
        return self.expand(body, path, new_chain, first_line=skipped + 1, files=files)

    def _var(self, args: list[str], where: SourceRef, chain: list[SourceRef]) -> str:
        if len(args) != 1:
            raise MonitorError(f"{self._context(where, chain)}: var expects one key, got {args}")
        key = args[0]
        found, value = _lookup(self.variables, key)
        if not found:
            raise MonitorError(
                f"{self._context(where, chain)}: variable '{key}' is not in _variables.yml. "
                f"Nearest known keys: {_nearest(key, self.var_leaves)}"
            )
        if isinstance(value, (dict, list)):
            raise MonitorError(
                f"{self._context(where, chain)}: variable '{key}' is a group, not a single value; "
                f"use one of: {_nearest(key + '.', [k for k in self.var_leaves if k.startswith(key + '.')])}"
            )
        return _as_text(value)

    def _meta(
        self, args: list[str], where: SourceRef, chain: list[SourceRef], meta: dict[str, Any] | None
    ) -> str:
        if len(args) != 1:
            raise MonitorError(f"{self._context(where, chain)}: meta expects one key, got {args}")
        key = args[0]
        for source in (meta or {}, self.meta):
            found, value = _lookup(source, key)
            if found:
                return _as_text(value)
        known = _flat_keys({**self.meta, **(meta or {})})
        raise MonitorError(
            f"{self._context(where, chain)}: metadata key '{key}' does not exist. "
            f"Nearest known keys: {_nearest(key, known)}"
        )


# Quarto's pagebreak shortcode emits a raw page break per format; so do we.
_PAGEBREAK = (
    "\n\n```{=typst}\n#pagebreak()\n```\n\n"
    '```{=openxml}\n<w:p><w:r><w:br w:type="page"/></w:r></w:p>\n```\n\n'
    '```{=html}\n<div style="page-break-after: always;"></div>\n```\n\n'
)


def _resolve_images(text: str, base: Path, root: Path) -> str:
    """Make image paths absolute: ``/x`` → project root, ``x`` → relative to ``base``."""
    out: list[str] = []
    fence: str | None = None
    for line in text.split("\n"):
        m = _FENCE.match(line)
        if m:
            marker = m.group(1)
            if fence is None:
                fence = marker[0] * 3
            elif marker.startswith(fence):
                fence = None
            out.append(line)
            continue
        if fence is None and "![" in line:

            def repl(im: re.Match[str]) -> str:
                target = im.group(2)
                bracketed = target.startswith("<")
                raw = target[1:-1] if bracketed else target
                if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", raw) or raw.startswith("#"):
                    return im.group(0)  # URL or data: URI
                path = (root / raw.lstrip("/")) if raw.startswith("/") else (base / raw)
                resolved = path.resolve().as_posix()
                if bracketed or " " in resolved:
                    resolved = f"<{resolved}>"
                return im.group(1) + resolved

            line = _IMAGE.sub(repl, line)
        out.append(line)
    return "\n".join(out)


# --------------------------------------------------------------------------------------------
# Pandoc AST walking (numbering, figures, references)


def _stringify(node: Any) -> str:
    if isinstance(node, list):
        return "".join(_stringify(n) for n in node)
    if not isinstance(node, dict):
        return ""
    t, c = node.get("t"), node.get("c")
    if t == "Str":
        return c
    if t in ("Space", "SoftBreak", "LineBreak"):
        return " "
    if t in ("Emph", "Strong", "Underline", "Strikeout", "Superscript", "Subscript", "SmallCaps"):
        return _stringify(c)
    if t == "Quoted":
        q = "“" if c[0]["t"] == "DoubleQuote" else "‘"
        e = "”" if q == "“" else "’"
        return q + _stringify(c[1]) + e
    if t in ("Cite",):
        return _stringify(c[1])
    if t in ("Link", "Span"):
        return _stringify(c[1])
    if t in ("Code", "Math"):
        return c[1]
    if t in ("Plain", "Para"):
        return _stringify(c)
    return ""


def _run_pandoc_json(markdown: str, pandoc: str) -> dict[str, Any]:
    proc = subprocess.run(
        [pandoc, "-f", PANDOC_FROM, "-t", "json"],
        input=markdown.encode("utf-8"),
        capture_output=True,
        check=False,
    )
    if proc.returncode != 0:
        raise MonitorError(f"Pandoc could not read the book: {proc.stderr.decode('utf-8', 'replace')}")
    return json.loads(proc.stdout)


def _iter_blocks(blocks: list[Any]):
    """Document-order walk over blocks, descending into Divs, lists, quotes (not into tables/notes)."""
    for b in blocks:
        yield b
        t, c = b.get("t"), b.get("c")
        if t == "Div":
            yield from _iter_blocks(c[1])
        elif t == "BlockQuote":
            yield from _iter_blocks(c)
        elif t in ("BulletList",):
            for item in c:
                yield from _iter_blocks(item)
        elif t == "OrderedList":
            for item in c[1]:
                yield from _iter_blocks(item)
        elif t == "DefinitionList":
            for _term, defs in c:
                for d in defs:
                    yield from _iter_blocks(d)


def _iter_cites(node: Any):
    if isinstance(node, list):
        for n in node:
            yield from _iter_cites(n)
    elif isinstance(node, dict):
        if node.get("t") == "Cite":
            yield node
        c = node.get("c")
        if isinstance(c, (list, dict)):
            yield from _iter_cites(c)


def _letters(n: int) -> str:
    s = ""
    while n > 0:
        n, r = divmod(n - 1, 26)
        s = chr(ord("A") + r) + s
    return s


def _figure_parts(block: dict[str, Any]) -> tuple[str, str, str, str] | None:
    """(id, image path, caption text, alt) of a Pandoc 3 Figure block holding an image."""
    (fid, _classes, _attrs), caption, body = block["c"]
    image = None
    for node in _iter_inlines_blocks(body):
        if node.get("t") == "Image":
            image = node
            break
    if image is None:
        return None
    (_iid, _icls, iattrs), ialt, (src, _title) = image["c"]
    caption_text = _stringify(caption[1])
    attrs = dict(iattrs)
    alt = attrs.get("fig-alt") or attrs.get("alt") or _stringify(ialt) or caption_text
    return fid, src, caption_text, alt


def _iter_inlines_blocks(node: Any):
    if isinstance(node, list):
        for n in node:
            yield from _iter_inlines_blocks(n)
    elif isinstance(node, dict):
        yield node
        c = node.get("c")
        if isinstance(c, (list, dict)):
            yield from _iter_inlines_blocks(c)


@dataclasses.dataclass
class _Numbering:
    labels: dict[str, Label]
    figures: list[FigureInfo]
    chapter_meta: list[tuple[str | None, str, str | None]]  # per chapter: (number, title, id)


def _number(ast: dict[str, Any], chapters: list[tuple[str, str]], root: Path) -> _Numbering:
    """Number headings, figures and tables.

    ``chapters`` is the list of (rel, kind) in book order; the AST contains one marker Div per
    chapter (class ``monitor-chapter``) that tells where each chapter starts.
    """
    labels: dict[str, Label] = {}
    figures: list[FigureInfo] = []
    chapter_meta: list[tuple[str | None, str, str | None]] = []
    chapter_no = 0
    appendix_no = 0
    front_fig = front_tbl = 0
    cur_rel, cur_kind = "", "chapter"
    cur_num: str | None = None
    sec = [0] * 7
    fig_no = tbl_no = 0
    seen_h1 = True

    def add(label: Label) -> None:
        if label.id in labels:
            other = labels[label.id]
            raise MonitorError(
                f"{label.chapter}: label '#{label.id}' is used twice "
                f"(also in {other.chapter}); labels must be unique in the whole book"
            )
        labels[label.id] = label

    for block in _iter_blocks(ast["blocks"]):
        t = block.get("t")
        if t == "Div" and "monitor-chapter" in block["c"][0][1]:
            attrs = dict(block["c"][0][2])
            cur_rel, cur_kind = attrs.get("source", ""), attrs.get("chapter-kind", "chapter")
            cur_num, sec, fig_no, tbl_no, seen_h1 = None, [0] * 7, 0, 0, False
            chapter_meta.append((None, "", None))
            continue
        if t == "Header":
            level, (hid, classes, _attrs), inlines = block["c"]
            title = _stringify(inlines)
            unnumbered = "unnumbered" in classes or cur_kind == "front"
            number: str | None = None
            display: str | None = None
            if level == 1 and not seen_h1:
                seen_h1 = True
                if not unnumbered:
                    if cur_kind == "appendix":
                        appendix_no += 1
                        cur_num = _letters(appendix_no)
                        display = f"{APPENDIX_PREFIX} {cur_num}"
                        ref = f"bijlage {cur_num}"
                    else:
                        chapter_no += 1
                        cur_num = str(chapter_no)
                        display = cur_num
                        ref = f"hoofdstuk {cur_num}"
                    number = cur_num
                else:
                    ref = title
                if chapter_meta:
                    chapter_meta[-1] = (cur_num, title, hid or None)
            else:
                if level == 1:
                    level = 2  # a second level-1 heading inside a chapter acts as a section
                if cur_num is not None and not unnumbered:
                    sec[level] += 1
                    for i in range(level + 1, len(sec)):
                        sec[i] = 0
                    parts = [cur_num] + [str(sec[i] or 1) for i in range(2, level + 1)]
                    number = ".".join(parts)
                    display = number
                    ref = f"paragraaf {number}"
                else:
                    ref = title
            if hid:
                add(Label(hid, "sec", number, display, ref, cur_rel, level, title))
            continue
        if t == "Figure":
            parts = _figure_parts(block)
            if parts is None:
                continue
            fid, src, caption_text, alt = parts
            if not fid:
                continue
            if cur_num is not None:
                fig_no += 1
                number = f"{cur_num}.{fig_no}"
            else:
                front_fig += 1
                number = str(front_fig)
            text = f"{FIGURE_PREFIX} {number}"
            add(Label(fid, "fig", number, text, text, cur_rel, 0, caption_text))
            figures.append(
                FigureInfo(
                    id=fid,
                    path=Path(src),
                    caption=f"{text}: {caption_text}",
                    caption_text=caption_text,
                    alt=alt,
                    number=number,
                    label=text,
                    chapter=cur_rel,
                )
            )
            continue
        if t == "Table":
            tid = block["c"][0][0]
            if not tid:
                continue
            if cur_num is not None:
                tbl_no += 1
                number = f"{cur_num}.{tbl_no}"
            else:
                front_tbl += 1
                number = str(front_tbl)
            text = f"{TABLE_PREFIX} {number}"
            add(Label(tid, "tbl", number, text, text, cur_rel, 0, _stringify(block["c"][1][1])))
    return _Numbering(labels, figures, chapter_meta)


_XREF_PREFIXES = ("fig-", "tbl-", "sec-")


def _check_references(
    ast: dict[str, Any], labels: dict[str, Label], chapter_texts: dict[str, list[tuple[str, str]]]
) -> None:
    """Every @fig-/@tbl-/@sec- reference must point to a label; else name chapter, line and id."""
    cur_rel = ""
    for block in ast["blocks"]:
        if block.get("t") == "Div" and "monitor-chapter" in block["c"][0][1]:
            cur_rel = dict(block["c"][0][2]).get("source", "")
            continue
        for cite in _iter_cites(block):
            for citation in cite["c"][0]:
                cid = citation["citationId"]
                key = cid[0].lower() + cid[1:] if cid else cid
                if not key.startswith(_XREF_PREFIXES):
                    continue
                if key in labels:
                    continue
                where = cur_rel
                for rel, text in chapter_texts.get(cur_rel, []):
                    for i, line in enumerate(text.split("\n"), start=1):
                        if re.search(r"@" + re.escape(cid) + r"(?![\w-])", line):
                            where = f"{rel}, line {i}"
                            break
                    else:
                        continue
                    break
                kind = {"fig-": "figure", "tbl-": "table", "sec-": "section"}[key[:4]]
                known = sorted(k for k in labels if k.startswith(key[:4]))
                hint = difflib.get_close_matches(key, known, n=3, cutoff=0.5)
                raise MonitorError(
                    f"{where}: reference '@{cid}' points to a {kind} that does not exist"
                    + (
                        f". Did you mean: {', '.join('@' + h for h in hint)}?"
                        if hint
                        else f" (no {kind} with the label '#{key}' in the book)"
                    )
                )


# --------------------------------------------------------------------------------------------


def _crossref_meta(labels: dict[str, Label]) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for lid, lab in labels.items():
        entry = {"kind": lab.kind, "ref": lab.ref}
        if lab.display:
            entry["display"] = lab.display
        if lab.number:
            entry["number"] = lab.number
        if lab.kind == "sec":
            entry["level"] = str(lab.level)
        out[lid] = entry
    return out


def load_book(project_root: Path | str, pandoc_path: str | None = None) -> Book:
    """Read ``_quarto.yml``, expand every chapter and return the assembled :class:`Book`.

    Raises :class:`MonitorError` for a missing ``_quarto.yml`` or ``book`` section, a missing
    chapter, include, variable or metadata key, a duplicate label or an unknown reference.
    """
    root = Path(project_root).resolve()
    cfg, meta, chapter_files, appendix_files = read_project(root)
    variables = _load_variables(root)
    from report.render.format_cache import cached_numbering

    if pandoc_path is None:
        from report.render.pandoc import pandoc_path as _pp

        pandoc_path = _pp()

    book_cfg = cfg["book"]
    expander = _Expander(root, variables, meta)
    parts: list[str] = []
    kinds: list[tuple[str, str]] = []
    built: list[dict[str, Any]] = []
    chapter_texts: dict[str, list[tuple[str, str]]] = {}

    for rel, is_appendix in [(c, False) for c in chapter_files] + [(a, True) for a in appendix_files]:
        path = (root / rel).resolve()
        if not path.is_file():
            where = "book.appendices" if is_appendix else "book.chapters"
            raise MonitorError(f"_quarto.yml: {where} lists '{rel}', but that file does not exist")
        raw = path.read_text(encoding="utf-8")
        fm, body, skipped = _split_front_matter(raw)
        files: list[str] = []
        text = expander.expand(body, path, [], first_line=skipped + 1, files=files, meta=fm)
        text = _resolve_images(text, path.parent, root)
        if fm.get("title") and not re.search(r"^#\s", text, flags=re.M):
            text = f"# {fm['title']}\n\n{text}"
        rel_posix = _rel(root, path)
        chapter_texts[rel_posix] = [(f, (root / f).read_text(encoding="utf-8")) for f in files]
        unnumbered = _first_h1_unnumbered(text)
        kind = "appendix" if is_appendix else ("front" if unnumbered else "chapter")
        kinds.append((rel_posix, kind))
        built.append({"path": path, "rel": rel_posix, "kind": kind, "markdown": text, "files": files})
        marker = f'::: {{.monitor-chapter source="{rel_posix}" chapter-kind="{kind}"}}\n:::\n'
        parts.append(marker + "\n" + text.strip("\n") + "\n")

    body = "\n".join(parts)

    def numbering_of_body() -> _Numbering:
        ast = _run_pandoc_json(body, pandoc_path)
        numbering = _number(ast, kinds, root)
        _check_references(ast, numbering.labels, chapter_texts)
        return numbering

    # The same text numbers the same way: reuse the numbering of a book read before.
    numbering = cached_numbering(root, body, kinds, numbering_of_body)

    chapters: list[Chapter] = []
    for info, (number, title, hid) in zip(built, numbering.chapter_meta, strict=True):
        kind = info["kind"]
        if kind == "appendix" and number is None:
            kind = "front"  # an unnumbered appendix behaves like front matter
        chapters.append(
            Chapter(
                path=info["path"],
                rel=info["rel"],
                kind=kind,
                number=number,
                id=hid,
                title=title or Path(info["rel"]).stem,
                markdown=info["markdown"],
                files=info["files"],
            )
        )

    date = _as_text(meta.get("date") or book_cfg.get("date") or "")
    if not date:
        raise MonitorError("_quarto.yml: 'book.date' is missing (it fixes the dates in the outputs)")
    try:
        date_text = format_date_nl(date)
    except ValueError:
        raise MonitorError(f"_quarto.yml: book.date '{date}' is not a date like 2025-06-30") from None
    edition = _as_text(meta.get("editie") or meta.get("edition") or variables.get("editie") or date[:4])
    output_file = _as_text(book_cfg.get("output-file") or "monitor-drugscriminaliteit")
    demo = meta.get("demo-notice")
    title = _as_text(book_cfg["title"])
    subtitle = _as_text(book_cfg.get("subtitle"))
    authors = _authors(book_cfg.get("author"))
    publisher = _as_text(book_cfg.get("publisher"))
    lang = _as_text(meta.get("lang") or "nl")

    front = {
        "title": title,
        "subtitle": subtitle,
        "author": authors,
        "date": date_text,
        "lang": lang,
        "publisher": publisher,
        "edition": edition,
        "monitor-crossref": _crossref_meta(numbering.labels),
    }
    if demo:
        front["demo-notice"] = _as_text(demo)
    front_yaml = yaml.dump(  # libyaml's dumper: the same text, three times faster
        front,
        Dumper=getattr(yaml, "CSafeDumper", yaml.SafeDumper),
        allow_unicode=True,
        sort_keys=True,
        default_flow_style=False,
        width=10_000,
    )
    markdown = f"---\n{front_yaml}---\n\n{body}"

    return Book(
        root=root,
        title=title,
        subtitle=subtitle,
        authors=authors,
        publisher=publisher,
        date=date,
        date_text=date_text,
        edition=edition,
        lang=lang,
        demo_notice=_as_text(demo) if demo else None,
        output_file=output_file,
        output_stem=f"{output_file}-{edition}",
        metadata=meta,
        chapters=chapters,
        labels=numbering.labels,
        figures=numbering.figures,
        markdown=markdown,
    )


def _first_h1_unnumbered(text: str) -> bool:
    fence = None
    for line in text.split("\n"):
        m = _FENCE.match(line)
        if m:
            fence = None if fence else m.group(1)[0]
            continue
        if fence is None and re.match(r"^#\s", line):
            attrs = re.search(r"\{([^}]*)\}\s*$", line)
            return bool(attrs and re.search(r"(^|\s)(\.unnumbered|-)(\s|$)", attrs.group(1)))
    return False
