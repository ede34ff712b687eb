"""Assemble the Quarto book for the embedded engine.

Reads ``_quarto.yml`` (``book.chapters``, ``book.appendices``, title, ...), expands the Quarto
shortcodes of every chapter in Python (``include``, ``blok``, ``var``, ``meta``, ``pagebreak``) with
errors that name file, line and what is missing, and combines the chapters into one Pandoc
markdown document in book order.

The combined document:

* starts with a YAML block holding the book metadata; the numbers of every heading, figure
  and table (computed here, once: ``Book.labels``) are applied to the AST by
  :mod:`report.render.crossref`;
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

from report import safe_yaml
from report.errors import MonitorError

FIGURE_PREFIX = "Figuur"
TABLE_PREFIX = "Tabel"
APPENDIX_PREFIX = "Bijlage"

# Pandoc reader used everywhere for the combined document (the HTML writer must use the same
# reader so that automatic heading ids match the ids numbered here).
PANDOC_FROM = "markdown"


# The project shortcode for generated blocks (_extensions/monitor/blok.lua under Quarto):
# ``{{< blok <path in _generated/> >}}`` on a line of its own.
BLOCK_SHORTCODE = "blok"
GENERATED_DIR = "_generated"

_SHORTCODE = re.compile(r"(\{\{\{<|\{\{<)\s*(.*?)\s*(>\}\}\}|>\}\})")
# The shortcodes chapters may use (one list: the expander, `monitor check` and the docs use it).
SHORTCODES = ("include", BLOCK_SHORTCODE, "var", "meta", "pagebreak")
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


@dataclasses.dataclass(frozen=True)
class BookProblem:
    """A problem in a chapter, collected instead of raised when `monitor check` reads the book."""

    file: str  # project-relative file where the problem is
    line: int
    column: int  # 1-based; 0 when unknown
    text: str  # the offending text
    message: str  # what is wrong (with the include chain, if any)
    suggestion: str = ""
    code: str = ""  # "shortcode", "variable", "include", "reference", "duplicate-id", "comment", ...


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
    references: list[tuple[str, str]] = dataclasses.field(default_factory=list)  # (chapter, id) of @refs
    # With load_book(source_anchors=True): the same document with a source anchor span at the
    # start of every block (report.render.anchors), for the reviewers' draft DOCX.
    anchored_markdown: str | None = None
    anchors: Any = None  # report.render.anchors.AnchorTable
    # (metadata block, Pandoc AST of the body) from the numbering pass, for read_book_once; None
    # when the numbering came from the cache. Not part of what the book is (repr, ==, cache keys).
    body_ast: Any = dataclasses.field(default=None, repr=False, compare=False)
    # (metadata block, the body's parts as report.render.chapter_ast reads them), ditto.
    body_parts: Any = dataclasses.field(default=None, repr=False, compare=False)
    # (path, document) of report.render.pandoc.read_book_once, for the writers; ditto.
    read_once: Any = dataclasses.field(default=None, repr=False, compare=False)

    def take_body_ast(self, text: str) -> tuple[str, dict] | None:
        """The numbering pass's AST when ``text`` is this book's markdown, once (the caller
        applies the cross-references to it in place)."""
        if self.body_ast is None or text != self.markdown:
            return None
        parsed, self.body_ast = self.body_ast, None
        return parsed

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
        return safe_yaml.safe_load(text, path)
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


def read_project(
    root: Path, generated: Path | None = None
) -> tuple[dict[str, Any], dict[str, Any], list[str], list[str]]:
    """Return (quarto config, merged metadata, chapter files, appendix files). ``generated``: a
    build's folder not yet in place, read instead of _generated/ for the metadata files in it."""
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
        if generated is not None and Path(rel).parts[:1] == (GENERATED_DIR,):
            path = Path(generated).joinpath(*Path(rel).parts[1:])
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


def comment_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) offsets of the HTML comments ``<!-- … -->`` in ``text``, outside code fences.

    An unclosed comment runs to the end of the text (its end is ``len(text)``)."""
    spans: list[tuple[int, int]] = []
    fence: str | None = None
    pos = 0
    start: int | None = None
    for line in text.split("\n"):
        end_of_line = pos + len(line)
        if start is None:
            m = _FENCE.match(line)
            if m:
                marker = m.group(1)
                if fence is None:
                    fence = marker[0] * 3
                elif marker.startswith(fence):
                    fence = None
                pos = end_of_line + 1
                continue
        if fence is None:
            i = pos
            while i <= end_of_line:
                if start is None:
                    j = text.find("<!--", i, end_of_line)
                    if j < 0:
                        break
                    start, i = j, j + 4
                else:
                    j = text.find("-->", i, end_of_line)
                    if j < 0:
                        break
                    spans.append((start, j + 3))
                    start, i = None, j + 3
        pos = end_of_line + 1
    if start is not None:
        spans.append((start, len(text)))
    return spans


def _blank_comments(text: str) -> str:
    """``text`` with its comments blanked (same offsets and lines)."""
    chars = list(text)
    for a, b in comment_spans(text):
        for i in range(a, b):
            if chars[i] != "\n":
                chars[i] = " "
    return "".join(chars)


def strip_comments(text: str, first_line: int = 1) -> tuple[str, list[int], int | None]:
    """Remove editors' HTML comments, so they never reach any output format.

    Returns (text, the source line number of every remaining line, the line of a comment that
    is never closed or None). A line that held only a comment is dropped (not left blank: a
    blank line would split the paragraph around it).
    """
    spans = comment_spans(text)
    lines = text.split("\n")
    numbers = list(range(first_line, first_line + len(lines)))
    if not spans:
        return text, numbers, None
    unclosed = None
    if not text[spans[-1][0] : spans[-1][1]].endswith("-->"):
        unclosed = first_line + text.count("\n", 0, spans[-1][0])
    keep = [True] * len(text)
    for a, b in spans:
        keep[a:b] = [False] * (b - a)
    out_lines: list[str] = []
    out_numbers: list[int] = []
    pos = 0
    for lineno, line in zip(numbers, lines, strict=True):
        kept = "".join(ch for ch, k in zip(line, keep[pos : pos + len(line)], strict=True) if k)
        pos += len(line) + 1
        if kept != line and not kept.strip():
            continue  # the line held only (part of) a comment
        out_lines.append(kept if kept == line else kept.rstrip())
        out_numbers.append(lineno)
    return "\n".join(out_lines), out_numbers, unclosed


class _Expander:
    def __init__(
        self,
        root: Path,
        variables: dict[str, Any],
        meta: dict[str, Any],
        problems: list[BookProblem] | None = None,
        anchors=None,
    ):
        self.root = root
        self.anchors = anchors  # an AnchorTable: mark every source block (reviewers' draft)
        self.variables = variables
        self.var_keys = _flat_keys(variables)
        self.var_leaves = [k for k in self.var_keys if not isinstance(_lookup(variables, k)[1], (dict, list))]
        self.meta = meta
        # None: raise at the first problem (render); a list: collect them all (monitor check).
        self.problems = problems

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
        text, line_numbers, unclosed = strip_comments(text, first_line)
        if unclosed is not None:
            self._problem(
                SourceRef(rel, unclosed),
                chain,
                "<!--",
                "comment '<!--' is never closed with '-->' (everything after it would disappear)",
                "close the comment with -->",
                "comment",
            )
        out_lines: list[str] = []
        lines = text.split("\n")
        if self.anchors is not None:
            from report.render.anchors import mark_blocks

            lines = mark_blocks(lines, line_numbers, rel, self.anchors)
        for lineno, line in zip(line_numbers, lines, strict=True):
            where = SourceRef(rel, lineno)
            out_lines.append(self._expand_line(line, file, where, chain, files, meta))
        return "\n".join(out_lines)

    def _context(self, where: SourceRef, chain: list[SourceRef]) -> str:
        msg = str(where)
        for ref in reversed(chain):
            msg += f" (included from {ref})"
        return msg

    def _problem(
        self,
        where: SourceRef,
        chain: list[SourceRef],
        text: str,
        message: str,
        suggestion: str = "",
        code: str = "",
        column: int = 0,
    ) -> None:
        """Raise (render) or record (check) a problem at ``where``."""
        if self.problems is None:
            raise MonitorError(
                f"{self._context(where, chain)}: {message}" + (f". {suggestion}" if suggestion else "")
            )
        included = "".join(f" (included from {ref})" for ref in reversed(chain))
        self.problems.append(
            BookProblem(where.file, where.line, column, text, message + included, suggestion, code)
        )

    def _expand_line(
        self,
        line: str,
        file: Path,
        where: SourceRef,
        chain: list[SourceRef],
        files: list[str] | None,
        meta: dict[str, Any] | None,
    ) -> str:
        if "{{<" not in line and ">}}" not in line:
            return line

        # A shortcode that is not closed on its line would be published as literal "{{<".
        rest = _SHORTCODE.sub(lambda m: " " * len(m.group(0)), line)
        for token in ("{{<", ">}}"):
            col = rest.find(token)
            if col >= 0:
                other = "'>}}' is missing" if token == "{{<" else "'{{<' is missing before it"
                snippet = line[col:].strip()
                self._problem(
                    where,
                    chain,
                    snippet,
                    f"shortcode '{snippet}' is not closed: {other}",
                    "write shortcodes whole on one line, like {{< blok indicatoren/x.md >}}",
                    "shortcode",
                    col + 1,
                )
                return line

        def repl(m: re.Match[str]) -> str:
            opening, body, closing = m.group(1), m.group(2), m.group(3)
            if opening == "{{{<" and closing == ">}}}":
                return "{{< " + body + " >}}"  # escaped shortcode: literal text
            col = m.start() + 1
            try:
                parts = shlex.split(body)
            except ValueError:
                parts = body.split()
            if not parts:
                self._problem(
                    where, chain, m.group(0), f"empty shortcode '{m.group(0)}'", "", "shortcode", col
                )
                return ""
            name, args = parts[0], parts[1:]
            if name == "include":
                return self._include(args, file, where, chain, files, m.group(0), col)
            if name == BLOCK_SHORTCODE:
                if line.strip() != m.group(0):
                    self._problem(
                        where,
                        chain,
                        m.group(0),
                        f"{{{{< {BLOCK_SHORTCODE} ... >}}}} must stand on a line of its own "
                        "(it brings blocks: headings, figures, tables)",
                        "",
                        "shortcode",
                        col,
                    )
                    return ""
                return self._blok(args, file, where, chain, files, m.group(0), col)
            if name == "var":
                return self._var(args, where, chain, m.group(0), col)
            if name == "meta":
                return self._meta(args, where, chain, meta, m.group(0), col)
            if name == "pagebreak":
                return _PAGEBREAK
            close = difflib.get_close_matches(name, SHORTCODES, n=1)
            self._problem(
                where,
                chain,
                m.group(0),
                f"unknown shortcode '{name}' (supported: {', '.join(SHORTCODES)})",
                f"Did you mean '{close[0]}'?" if close else "",
                "shortcode",
                col,
            )
            return ""

        return _SHORTCODE.sub(repl, line)

    def _include(
        self,
        args: list[str],
        file: Path,
        where: SourceRef,
        chain: list[SourceRef],
        files: list[str] | None,
        text: str = "",
        col: int = 0,
    ) -> str:
        if len(args) != 1:
            self._problem(where, chain, text, f"include expects one path, got {args}", "", "include", col)
            return ""
        target = args[0]
        path = self.root / target.lstrip("/") if target.startswith("/") else file.parent / target
        path = Path(path)
        real, root = path.resolve(), Path(self.root).resolve()
        if real != root and root not in real.parents:
            # Chapters and templates include files of the project only (nothing of the machine's).
            self._problem(
                where,
                chain,
                text,
                f"'{target}' is outside the project; an include names a file inside the project folder "
                "(e.g. /_generated/...)",
                "include only files inside the project folder",
                "include",
                col,
            )
            return ""
        if not path.is_file():
            nearest = _nearest_files(path, self.root)
            self._problem(
                where,
                chain,
                text,
                f"included file '{target}' does not exist (looked for {path})",
                "Run the build stage or correct the path"
                + (f"; nearest existing files: {', '.join(nearest)}" if nearest else ""),
                "include",
                col,
            )
            return ""
        new_chain = chain + [where]
        if any(_rel(self.root, path) == ref.file for ref in new_chain):
            self._problem(
                where, chain, text, f"'{target}' includes itself (include cycle)", "", "include", col
            )
            return ""
        content = path.read_text(encoding="utf-8")
        _, body, skipped = _split_front_matter(content)
        body = body.rstrip("\n")
        return self.expand(body, path, new_chain, first_line=skipped + 1, files=files)

    def _blok(
        self,
        args: list[str],
        file: Path,
        where: SourceRef,
        chain: list[SourceRef],
        files: list[str] | None,
        text: str = "",
        col: int = 0,
    ) -> str:
        """``{{< blok indicatoren/x.md >}}``: a generated block, as _extensions/monitor/blok.lua reads it."""
        if len(args) != 1:
            self._problem(
                where,
                chain,
                text,
                f"{BLOCK_SHORTCODE} expects one path relative to {GENERATED_DIR}/, "
                f"e.g. {{{{< {BLOCK_SHORTCODE} indicatoren/afvalwater.md >}}}}; got {args}",
                "",
                "include",
                col,
            )
            return ""
        rel = args[0]
        if rel.startswith("/") or ".." in rel or not rel.endswith(".md"):
            self._problem(
                where,
                chain,
                text,
                f"'{rel}' must be a .md path inside {GENERATED_DIR}/ (no leading / and no ..)",
                "",
                "include",
                col,
            )
            return ""
        path = self.root / GENERATED_DIR / rel
        if not path.is_file():
            generated = sorted(
                p.relative_to(self.root / GENERATED_DIR).as_posix()
                for p in (self.root / GENERATED_DIR).rglob("*.md")
            )
            close = difflib.get_close_matches(rel, generated, n=3)
            self._problem(
                where,
                chain,
                text,
                f"{GENERATED_DIR}/{rel} does not exist; the build stage writes it (monitor build)",
                f"Did you mean {', '.join(close)}?" if close else "Correct the path if the build did run.",
                "include",
                col,
            )
            return ""
        return self._include([f"/{GENERATED_DIR}/{rel}"], file, where, chain, files, text, col)

    def _var(
        self, args: list[str], where: SourceRef, chain: list[SourceRef], text: str = "", col: int = 0
    ) -> str:
        if len(args) != 1:
            self._problem(where, chain, text, f"var expects one key, got {args}", "", "variable", col)
            return text
        key = args[0]
        found, value = _lookup(self.variables, key)
        if not found:
            self._problem(
                where,
                chain,
                text,
                f"variable '{key}' is not in _variables.yml",
                f"Nearest known keys: {_nearest(key, self.var_leaves)}",
                "variable",
                col,
            )
            return text
        if isinstance(value, (dict, list)):
            self._problem(
                where,
                chain,
                text,
                f"variable '{key}' is a group, not a single value",
                "Use one of: " + _nearest(key + ".", [k for k in self.var_leaves if k.startswith(key + ".")]),
                "variable",
                col,
            )
            return text
        return _as_text(value)

    def _meta(
        self,
        args: list[str],
        where: SourceRef,
        chain: list[SourceRef],
        meta: dict[str, Any] | None,
        text: str = "",
        col: int = 0,
    ) -> str:
        if len(args) != 1:
            self._problem(where, chain, text, f"meta expects one key, got {args}", "", "meta", col)
            return text
        key = args[0]
        for source in (meta or {}, self.meta):
            found, value = _lookup(source, key)
            if found:
                return _as_text(value)
        known = _flat_keys({**self.meta, **(meta or {})})
        self._problem(
            where,
            chain,
            text,
            f"metadata key '{key}' does not exist",
            f"Nearest known keys: {_nearest(key, known)}",
            "meta",
            col,
        )
        return text


def _nearest_files(path: Path, root: Path) -> list[str]:
    """Project-relative names of existing files that look like the missing ``path``."""
    folder = path.parent
    while not folder.is_dir() and folder != folder.parent:
        folder = folder.parent
    try:
        folder.resolve().relative_to(root.resolve())
    except ValueError:
        return []
    candidates = {p.name: p for p in [*folder.glob("*.md"), *folder.glob("*.qmd")]}
    close = difflib.get_close_matches(path.name, list(candidates), n=3, cutoff=0.5)
    return ["/" + _rel(root, candidates[c]) for c in close]


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


def stringify(node: Any) -> str:
    """The text of inlines or Plain/Para blocks of Pandoc's JSON AST, as a reader sees it."""
    if isinstance(node, list):
        return "".join(stringify(n) for n in node)
    if not isinstance(node, dict):
        return ""
    t, c = node.get("t"), node.get("c")
    if t == "Str":
        return c
    if t in ("Space", "SoftBreak", "LineBreak"):
        return " "
    if t in ("Emph", "Strong", "Underline", "Strikeout", "Superscript", "Subscript", "SmallCaps"):
        return stringify(c)
    if t == "Quoted":
        q = "“" if c[0]["t"] == "DoubleQuote" else "‘"
        e = "”" if q == "“" else "’"
        return q + stringify(c[1]) + e
    if t in ("Cite",):
        return stringify(c[1])
    if t in ("Link", "Span"):
        return stringify(c[1])
    if t in ("Code", "Math"):
        return c[1]
    if t in ("Plain", "Para"):
        return stringify(c)
    return ""


def read_markdown_json(markdown: str, pandoc: str, what: str = "the book") -> dict[str, Any]:
    """Pandoc's JSON AST of ``markdown`` (the project's reader; no filters)."""
    proc = subprocess.run(
        [pandoc, "-f", PANDOC_FROM, "-t", "json"],
        input=markdown.encode("utf-8"),
        capture_output=True,
        check=False,
    )
    if proc.returncode != 0:
        raise MonitorError(f"Pandoc could not read {what}: {proc.stderr.decode('utf-8', 'replace').strip()}")
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


def _iter_cites(node: Any) -> list[dict]:
    """The Cite elements under ``node``, in document order."""
    return [n for n in iter_nodes(node) if n.get("t") == "Cite"]


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
    for node in iter_nodes(body):
        if node.get("t") == "Image":
            image = node
            break
    if image is None:
        return None
    (_iid, _icls, iattrs), ialt, (src, _title) = image["c"]
    caption_text = stringify(caption[1])
    attrs = dict(iattrs)
    alt = attrs.get("fig-alt") or attrs.get("alt") or stringify(ialt) or caption_text
    return fid, src, caption_text, alt


def iter_nodes(node: Any):
    """Every element (a dict) of Pandoc's JSON AST under ``node``, in document order (a loop,
    not nested generators: it walks the whole book on every render after an edit)."""
    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, list):
            stack.extend(reversed(n))
        elif isinstance(n, dict):
            yield n
            c = n.get("c")
            if isinstance(c, (list, dict)):
                stack.append(c)


def is_chapter_marker(block: dict) -> bool:
    """The empty Div (class ``monitor-chapter``) that load_book puts where each chapter starts."""
    return block.get("t") == "Div" and "monitor-chapter" in block["c"][0][1]


@dataclasses.dataclass
class _Numbering:
    labels: dict[str, Label]
    figures: list[FigureInfo]
    chapter_meta: list[tuple[str | None, str, str | None]]  # per chapter: (number, title, id)


def _number(
    ast: dict[str, Any],
    chapters: list[tuple[str, str]],
    root: Path,
    problems: list[BookProblem] | None = None,
    chapter_texts: dict[str, list[tuple[str, str]]] | None = None,
) -> _Numbering:
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
            message = (
                f"label '#{label.id}' is used twice (also in {other.chapter}); "
                "labels must be unique in the whole book"
            )
            if problems is None:
                raise MonitorError(f"{label.chapter}: {message}")
            file, line = _find_in_sources(
                (chapter_texts or {}).get(label.chapter, []), "#" + label.id, last=True
            )
            problems.append(
                BookProblem(
                    file or label.chapter,
                    line,
                    0,
                    "#" + label.id,
                    message,
                    "give one of them another id",
                    "duplicate-id",
                )
            )
            return
        labels[label.id] = label

    for block in _iter_blocks(ast["blocks"]):
        t = block.get("t")
        if is_chapter_marker(block):
            attrs = dict(block["c"][0][2])
            cur_rel, cur_kind = attrs.get("source", ""), attrs.get("chapter-kind", "chapter")
            cur_num, sec, fig_no, tbl_no, seen_h1 = None, [0] * 7, 0, 0, False
            chapter_meta.append((None, "", None))
            continue
        if t == "Header":
            level, (hid, classes, _attrs), inlines = block["c"]
            title = stringify(inlines)
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
            add(Label(tid, "tbl", number, text, text, cur_rel, 0, stringify(block["c"][1][1])))
    return _Numbering(labels, figures, chapter_meta)


_XREF_PREFIXES = ("fig-", "tbl-", "sec-")


def _find_in_sources(sources: list[tuple[str, str]], needle: str, last: bool = False) -> tuple[str, int]:
    """(file, line) of ``needle`` (an id or reference, not followed by more id characters)."""
    pattern = re.compile(re.escape(needle) + r"(?![\w-])")
    found = ("", 0)
    for rel, text in sources:
        for i, line in enumerate(text.split("\n"), start=1):
            if pattern.search(line):
                if not last:
                    return rel, i
                found = (rel, i)
    return found


def _cites_in(ast: dict[str, Any]):
    """(chapter, citation id) of every citation of the book, in order, walking its AST."""
    cur_rel = ""
    for block in ast["blocks"]:
        if is_chapter_marker(block):
            cur_rel = dict(block["c"][0][2]).get("source", "")
            continue
        for cite in _iter_cites(block):
            for citation in cite["c"][0]:
                yield cur_rel, citation["citationId"]


def _check_references(
    ast: dict[str, Any],
    labels: dict[str, Label],
    chapter_texts: dict[str, list[tuple[str, str]]],
    problems: list[BookProblem] | None = None,
    cites: list[tuple[str, str]] | None = None,
) -> list[tuple[str, str]]:
    """Every @fig-/@tbl-/@sec- reference must point to a label; else name chapter, line and id.
    ``cites``: (chapter, id) of every citation in order, when known without walking ``ast``.

    Returns the references found, as (chapter, id)."""
    found: list[tuple[str, str]] = []
    for cur_rel, cid in _cites_in(ast) if cites is None else cites:
        key = cid[0].lower() + cid[1:] if cid else cid
        if not key.startswith(_XREF_PREFIXES):
            continue
        found.append((cur_rel, key))
        if key in labels:
            continue
        file, line = _find_in_sources(chapter_texts.get(cur_rel, []), "@" + cid)
        where = f"{file}, line {line}" if file else cur_rel
        kind = {"fig-": "figure", "tbl-": "table", "sec-": "section"}[key[:4]]
        known = sorted(k for k in labels if k.startswith(key[:4]))
        hint = difflib.get_close_matches(key, known, n=3, cutoff=0.5)
        message = f"reference '@{cid}' points to a {kind} that does not exist"
        suggestion = (
            f"Did you mean: {', '.join('@' + h for h in hint)}?"
            if hint
            else f"no {kind} with the label '#{key}' in the book"
        )
        if problems is None:
            raise MonitorError(f"{where}: {message}" + (f". {suggestion}" if hint else f" ({suggestion})"))
        problems.append(BookProblem(file or cur_rel, line, 0, "@" + cid, message, suggestion, "reference"))
    return found


# --------------------------------------------------------------------------------------------


def load_book(
    project_root: Path | str,
    pandoc_path: str | None = None,
    problems: list[BookProblem] | None = None,
    source_anchors: bool = False,
) -> Book:
    """Read ``_quarto.yml``, expand every chapter and return the assembled :class:`Book`.

    Raises :class:`MonitorError` for a missing ``_quarto.yml`` or ``book`` section, a missing
    chapter, include, variable or metadata key, a shortcode that is not closed, a duplicate
    label or an unknown reference. With ``problems`` (a list) the problems in chapters are
    collected there instead and the book is assembled as far as it goes (``monitor check``).
    """
    root = Path(project_root).resolve()
    cfg, meta, chapter_files, appendix_files = read_project(root)
    variables = _load_variables(root)
    from report.render.format_cache import cached_numbering

    if pandoc_path is None:
        from report.render.pandoc import pandoc_path as _pp

        pandoc_path = _pp()

    expander = _Expander(root, variables, meta, problems)
    anchor_expander = None
    anchored_parts: list[str] = []
    if source_anchors:
        from report.render.anchors import AnchorTable

        # problems are the main expander's to record (the same text is expanded twice)
        anchor_expander = _Expander(root, variables, meta, anchors=AnchorTable())
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
        # (for locating ids and references in error messages; not inside editors' comments)
        chapter_texts[rel_posix] = [
            (f, _blank_comments((root / f).read_text(encoding="utf-8"))) for f in files
        ]
        unnumbered = _first_h1_unnumbered(text)
        kind = "appendix" if is_appendix else ("front" if unnumbered else "chapter")
        kinds.append((rel_posix, kind))
        built.append({"path": path, "rel": rel_posix, "kind": kind, "markdown": text, "files": files})
        marker = f'::: {{.monitor-chapter source="{rel_posix}" chapter-kind="{kind}"}}\n:::\n'
        parts.append(marker + "\n" + text.strip("\n") + "\n")
        if anchor_expander is not None:
            anchored = anchor_expander.expand(body, path, [], first_line=skipped + 1, meta=fm)
            anchored = _resolve_images(anchored, path.parent, root)
            if fm.get("title") and not re.search(r"^#\s", text, flags=re.M):
                anchored = f"# {fm['title']}\n\n{anchored}"
            anchored_parts.append(marker + "\n" + anchored.strip("\n") + "\n")

    body = "\n".join(parts)

    references: list[tuple[str, str]] = []
    body_ast: list[dict] = []

    def numbering_of_body() -> _Numbering:
        from report.render.chapter_ast import read_body_and_cites

        ast, cites = read_body_and_cites(parts, pandoc_path, root)  # only chapters not read before
        body_ast[:] = [ast]
        numbering = _number(ast, kinds, root, problems, chapter_texts)
        in_order = None
        if cites is not None:  # each part is a chapter (kinds[n]), its citations kept with it
            in_order = [(rel, cid) for (rel, _kind), ids in zip(kinds, cites, strict=True) for cid in ids]
        references[:] = _check_references(ast, numbering.labels, chapter_texts, problems, in_order)
        return numbering

    if problems is None:
        # Rendering: the same text numbers the same way, so reuse the numbering of a book read
        # before (its references were checked then; only `monitor check` lists them).
        numbering = cached_numbering(root, body, kinds, numbering_of_body)
    else:
        numbering = numbering_of_body()  # checking: every problem is wanted, so read it afresh
        if not problems:  # read without a problem: what a render works out, so kept for it
            from report.render.format_cache import store_numbering

            store_numbering(root, body, kinds, numbering)

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

    fields = _front_fields(cfg, meta, variables)
    title, subtitle, authors = fields["title"], fields["subtitle"], fields["authors"]
    date, date_text, edition = fields["date"], fields["date_text"], fields["edition"]
    publisher, lang, demo = fields["publisher"], fields["lang"], fields["demo_notice"]
    output_file = fields["output_file"]

    front = {
        "title": title,
        "subtitle": subtitle,
        "author": authors,
        "date": date_text,
        "lang": lang,
        "publisher": publisher,
        "edition": edition,
    }
    if demo:
        front["demo-notice"] = demo
    front_yaml = yaml.dump(  # libyaml's dumper: the same text, three times faster
        front,
        Dumper=getattr(yaml, "CSafeDumper", yaml.SafeDumper),
        allow_unicode=True,
        sort_keys=True,
        default_flow_style=False,
        width=10_000,
    )
    front_block = f"---\n{front_yaml}---\n"
    markdown = f"{front_block}\n{body}"

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
        demo_notice=demo,
        output_file=output_file,
        output_stem=fields["output_stem"],
        metadata=meta,
        chapters=chapters,
        labels=numbering.labels,
        figures=numbering.figures,
        markdown=markdown,
        references=references,
        anchored_markdown=f"---\n{front_yaml}---\n\n" + "\n".join(anchored_parts)
        if anchor_expander
        else None,
        anchors=anchor_expander.anchors if anchor_expander else None,
        body_ast=(front_block, body_ast[0]) if body_ast else None,
        body_parts=(front_block, parts),
    )


def _front_fields(cfg: dict[str, Any], meta: dict[str, Any], variables: dict[str, Any]) -> dict[str, Any]:
    """The book's title page and names (title, date, edition, output file, ...) from
    _quarto.yml, the metadata files and the variables: what :func:`load_book` gives the
    :class:`Book`, and :func:`front_fields` a render that prepares before the book is read."""
    book_cfg = cfg["book"]
    date = _as_text(meta.get("date") or book_cfg.get("date") or "")
    if not date:
        raise MonitorError(
            "the book has no date: the build writes it from data/editie.yml (publication_date) into "
            "_generated/metadata.yml (run `monitor build`), or set 'book.date' in _quarto.yml"
        )
    try:
        date_text = format_date_nl(date)
    except ValueError:
        raise MonitorError(f"_quarto.yml: book.date '{date}' is not a date like 2025-06-30") from None
    edition = _as_text(meta.get("editie") or meta.get("edition") or variables.get("editie") or date[:4])
    output_file = _as_text(book_cfg.get("output-file") or "monitor-drugscriminaliteit")
    demo = meta.get("demo-notice")
    return {
        "title": _as_text(book_cfg["title"]),
        "subtitle": _as_text(book_cfg.get("subtitle")),
        "authors": _authors(book_cfg.get("author")),
        "publisher": _as_text(meta.get("publisher") or book_cfg.get("publisher")),
        "date": date,
        "date_text": date_text,
        "edition": edition,
        "lang": _as_text(meta.get("lang") or "nl"),
        "demo_notice": _as_text(demo) if demo else None,
        "output_file": output_file,
        "output_stem": f"{output_file}-{edition}",
    }


def front_fields(root: Path, generated: Path | None = None) -> dict[str, Any]:
    """:func:`_front_fields` of the project, with the metadata files of ``generated`` (a build's
    folder not yet in place; see :func:`read_project`). Raises :class:`MonitorError` as
    :func:`load_book` would."""
    cfg, meta, _chapters, _appendices = read_project(Path(root), generated)
    return _front_fields(cfg, meta, _load_variables(Path(root)))


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
