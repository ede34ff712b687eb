"""``monitor review collect``: every comment and tracked change of reviewed drafts, per chapter.

Reads one or more reviewed copies (see :mod:`report.review.package` for what is refused),
ties each comment and change to its source through the draft's anchors, lists a comment that
several copies hold once with all its reviewers, and writes an overview — ``review.md``,
``review.csv`` and ``review.html`` — into ``_review/`` (or ``out``). Nothing else in the
project is written; the reviewed files are only read.
"""

from __future__ import annotations

import csv
import html
import io
import os
from dataclasses import dataclass, field
from pathlib import Path

from report.errors import MonitorError
from report.review.extract import Comment, Extracted, extract
from report.review.locate import Location, Locator
from report.review.package import ReviewedDocx, open_reviewed

KIND_NL = {
    "comment": "opmerking",
    "insertion": "ingevoegd",
    "deletion": "verwijderd",
    "replacement": "vervangen",
    "formatting": "opmaak gewijzigd",
}


@dataclass
class Reply:
    authors: list[str]
    date: str
    text: str


@dataclass
class Item:
    kind: str  # comment, insertion, deletion, replacement, formatting
    location: Location
    authors: list[str]
    date: str
    text: str = ""  # comment text
    replies: list[Reply] = field(default_factory=list)
    resolved: bool = False
    anchored: str = ""
    headings: list[str] = field(default_factory=list)
    old: str = ""
    new: str = ""
    left: str = ""
    right: str = ""
    paragraph: str = ""  # the draft's paragraph text (before the changes)
    copies: list[str] = field(default_factory=list)  # reviewed files it was found in
    version: str = ""
    durable_id: str = ""  # Word's durable comment id: the same comment in another copy

    @property
    def key(self) -> tuple:
        norm = lambda s: " ".join(s.split())  # noqa: E731
        return (
            self.kind,
            self.location.file,
            self.location.line,
            norm(self.anchored),
            norm(self.text),
            norm(self.old),
            norm(self.new),
        )


@dataclass
class Review:
    items: list[Item]
    files: list[Path]
    versions: list[str]
    warnings: list[str]


def read_reviews(root: Path, files: list[Path | str], report: str) -> Review:
    """Read every reviewed copy; merge what several copies share."""
    if not files:
        raise MonitorError("review collect: give at least one reviewed DOCX")
    locator = Locator(root)
    merged: dict[tuple, Item] = {}
    versions: list[str] = []
    warnings: list[str] = []
    for f in files:
        doc = open_reviewed(f, report)
        versions.append(doc.version)
        for item in _items(doc, extract(doc), locator):
            if item.location.note and item.location.confidence < 1.0:
                warnings.append(f"{doc.path.name}: {item.location.note}")
            found = merged.get(item.key)
            if found is None and item.durable_id:
                # the same comment (Word's durable id), edited in one of the copies
                found = next((m for m in merged.values() if m.durable_id == item.durable_id), None)
                if found is not None and " ".join(item.text.split()) != " ".join(found.text.split()):
                    found.text += f"\n[in {', '.join(item.copies)}: {item.text}]"
            if found is None:
                merged[item.key] = item
                continue
            for a in item.authors:
                if a not in found.authors:
                    found.authors.append(a)
            found.copies += [c for c in item.copies if c not in found.copies]
            found.resolved = found.resolved or item.resolved
            known = {(" ".join(r.text.split())) for r in found.replies}
            for r in item.replies:
                same = [x for x in found.replies if " ".join(x.text.split()) == " ".join(r.text.split())]
                if same:
                    same[0].authors += [a for a in r.authors if a not in same[0].authors]
                elif " ".join(r.text.split()) not in known:
                    found.replies.append(r)
    order = {"comment": 0, "replacement": 1, "deletion": 2, "insertion": 3, "formatting": 4}
    items = sorted(
        merged.values(),
        key=lambda i: (
            i.location.chapter,
            i.location.line if not i.location.generated else 0,
            i.location.file,
            i.location.line,
            order[i.kind],
        ),
    )
    return Review(items, [Path(f) for f in files], versions, list(dict.fromkeys(warnings)))


def _chapters(doc: ReviewedDocx, ex: Extracted) -> list[str]:
    """Per paragraph: the chapter file it belongs to (generated blocks: the including chapter)."""
    out = []
    current = ""
    for p in ex.paragraphs:
        a = doc.anchors.get(p.anchor) if p.anchor is not None else None
        if a is not None and not a.file.startswith("_generated/"):
            current = a.file
        out.append(current)
    return out


def _items(doc: ReviewedDocx, ex: Extracted, locator: Locator) -> list[Item]:
    chapters = _chapters(doc, ex)
    items: list[Item] = []

    def where(pi: int | None, fragment: str) -> Location | None:
        if pi is None:
            return None
        p = ex.paragraphs[pi]
        anchor = doc.anchors.get(p.anchor) if p.anchor is not None else None
        if anchor is not None and not p.own_anchor and not p.in_table:
            anchor = _lost_bookmark(doc, ex, pi, anchor, locator)
        if anchor is None:
            return Location(
                "(zonder bron)",
                0,
                0,
                "(zonder bron)",
                confidence=0.0,
                note="before the first anchored paragraph (title page or table of contents)",
            )
        return locator.locate(anchor, doc.hashes.get(anchor.file, ""), chapters[pi], fragment, p.old_text)

    for c in ex.comments:
        loc = where(c.start_para, c.anchored_first)
        if loc is None:
            loc = Location(
                "(zonder bron)", 0, 0, "(zonder bron)", confidence=0.0, note="comment without a place"
            )
        if c.end_para is not None and c.end_para != c.start_para:
            end = where(c.end_para, "")
            if end is not None and end.file == loc.file:
                loc.line_end = max(loc.line_end, end.line_end)
        p = ex.paragraphs[c.start_para] if c.start_para is not None else None
        items.append(
            Item(
                "comment",
                loc,
                [c.author],
                c.date,
                text=c.text,
                replies=[Reply([r.author], r.date, r.text) for r in _flatten(c)],
                resolved=c.resolved,
                anchored=c.anchored,
                headings=[h for h in (p.headings if p else []) if h],
                paragraph=p.old_text if p else "",
                copies=[doc.path.name],
                version=doc.version,
                durable_id=c.durable_id,
            )
        )
    for ch in ex.changes:
        p = ex.paragraphs[ch.paragraph]
        loc = where(ch.paragraph, ch.old or ch.left[-30:] or ch.right[:30])
        items.append(
            Item(
                ch.kind,
                loc,
                [ch.author],
                ch.date,
                headings=[h for h in p.headings if h],
                old=ch.old,
                new=ch.new,
                left=ch.left,
                right=ch.right,
                paragraph=p.old_text,
                copies=[doc.path.name],
                version=doc.version,
            )
        )
    return items


def _lost_bookmark(doc: ReviewedDocx, ex: Extracted, pi: int, anchor, locator: Locator):
    """A paragraph without its own bookmark (an editor may drop one, as LibreOffice does when
    a paragraph starts with a tracked change): the anchor before it, or the next one if no
    paragraph holds that and its source text is more like this paragraph."""
    import difflib

    from report.review.locate import _plain

    nxt = doc.anchors.get(anchor.n + 1)
    if nxt is None or any(p.own_anchor and p.anchor == nxt.n for p in ex.paragraphs):
        return anchor
    text = _plain(ex.paragraphs[pi].old_text)

    def score(a) -> float:
        lines = locator.lines(a.file) or []
        return difflib.SequenceMatcher(None, text, _plain(" ".join(lines[a.start - 1 : a.end]))).ratio()

    return nxt if score(nxt) > score(anchor) else anchor


def _flatten(c: Comment) -> list[Comment]:
    out = []
    for r in c.replies:
        out.append(r)
        out.extend(_flatten(r))
    return out


# --------------------------------------------------------------------------------------------
# Writing the overview


def _what(item: Item) -> str:
    if item.kind == "comment":
        return item.text
    if item.kind == "replacement":
        return f"'{item.old}' → '{item.new}'"
    if item.kind == "deletion":
        return f"verwijderd: '{item.old}'"
    if item.kind == "insertion":
        return f"ingevoegd: '{item.new}'"
    return f"opmaak van '{item.old}'"


def _todo(item: Item) -> str:
    loc = item.location
    if loc.generated:
        return f"gegenereerde tekst: verander het sjabloon of de data ({loc.template}; data/indicators.yml)"
    return loc.note


CSV_COLUMNS = [
    "chapter",
    "file",
    "line",
    "line_end",
    "kind",
    "reviewers",
    "date",
    "text",
    "replies",
    "resolved",
    "anchored_text",
    "old",
    "new",
    "heading_path",
    "generated",
    "template",
    "indicator",
    "confidence",
    "note",
    "copies",
    "draft_version",
]


def _cell(value: object) -> object:
    """A reviewer's text as a spreadsheet cell, never a formula (=, +, -, @ open one in Excel)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def to_csv(review: Review) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    for i in review.items:
        loc = i.location
        w.writerow(
            _cell(v)
            for v in [
                loc.chapter,
                loc.file,
                loc.line,
                loc.line_end,
                i.kind,
                "; ".join(i.authors),
                i.date,
                i.text,
                " | ".join(f"{'; '.join(r.authors)} ({r.date}): {r.text}" for r in i.replies),
                "ja" if i.resolved else "nee",
                i.anchored,
                i.old,
                i.new,
                " > ".join(i.headings),
                "ja" if loc.generated else "nee",
                loc.template,
                loc.indicator,
                f"{loc.confidence:.2f}",
                _todo(i),
                "; ".join(i.copies),
                i.version,
            ]
        )
    return buf.getvalue()


def _grouped(review: Review) -> list[tuple[str, list[Item]]]:
    groups: dict[str, list[Item]] = {}
    for i in review.items:
        groups.setdefault(i.location.chapter, []).append(i)
    return list(groups.items())


def _md(text: str) -> str:
    """Reviewers' text in the Markdown overview: no raw HTML gets through."""
    return html.escape(" ".join(str(text).split()), quote=False)


def to_markdown(review: Review) -> str:
    out = [
        "# Reacties van de reviewers",
        "",
        f"Gelezen: {', '.join(f.name for f in review.files)} "
        f"(conceptversie {', '.join(sorted(set(review.versions)))}).",
        f"{sum(i.kind == 'comment' for i in review.items)} opmerkingen, "
        f"{sum(i.kind != 'comment' for i in review.items)} wijzigingen.",
        "",
    ]
    for w in review.warnings:
        out.append(f"> Let op: {w}")
    for chapter, items in _grouped(review):
        out += ["", f"## {chapter}", ""]
        for i in items:
            loc = i.location
            status = " (opgelost)" if i.resolved else ""
            out.append(f"### {loc.where} — {KIND_NL[i.kind]}{status}")
            out.append("")
            out.append(f"- **Wie:** {_md(', '.join(i.authors))} · {_md(i.date)}")
            if i.headings:
                out.append(f"- **Paragraaf:** {_md(' > '.join(i.headings))}")
            if i.anchored:
                out.append(f"- **Bij de tekst:** “{_md(i.anchored)}”")
            out.append(f"- **{'Opmerking' if i.kind == 'comment' else 'Wijziging'}:** {_md(_what(i))}")
            for r in i.replies:
                out.append(f"  - **Antwoord** van {_md(', '.join(r.authors))} · {_md(r.date)}: {_md(r.text)}")
            todo = _todo(i)
            if todo:
                out.append(f"- **Let op:** {_md(todo)}")
            out.append("")
    return "\n".join(out).rstrip() + "\n"


def to_html(review: Review, out_dir: Path, root: Path) -> str:
    def link(loc: Location) -> str:
        if loc.file.startswith("("):
            return html.escape(loc.file)
        target = os.path.relpath(root / loc.file, out_dir).replace(os.sep, "/")
        return f'<a href="{html.escape(target)}">{html.escape(loc.where)}</a>'

    rows = []
    for chapter, items in _grouped(review):
        rows.append(
            f"<h2>{html.escape(chapter)}</h2>\n<table>\n<thead><tr><th>Waar</th><th>Soort</th>"
            "<th>Wie</th><th>Bij de tekst</th><th>Opmerking of wijziging</th><th>Let op</th></tr>"
            "</thead>\n<tbody>"
        )
        for i in items:
            replies = "".join(
                f"<li><strong>{html.escape(', '.join(r.authors))}</strong> ({html.escape(r.date)}): "
                f"{html.escape(r.text)}</li>"
                for r in i.replies
            )
            what = html.escape(_what(i)) + (f"<ul>{replies}</ul>" if replies else "")
            kind = KIND_NL[i.kind] + (" (opgelost)" if i.resolved else "")
            rows.append(
                f"<tr><td>{link(i.location)}<br><small>{html.escape(' > '.join(i.headings))}</small></td>"
                f"<td>{html.escape(kind)}</td><td>{html.escape(', '.join(i.authors))}<br>"
                f"<small>{html.escape(i.date)}</small></td><td>{html.escape(i.anchored)}</td>"
                f"<td>{what}</td><td>{html.escape(_todo(i))}</td></tr>"
            )
        rows.append("</tbody></table>")
    return (
        '<!DOCTYPE html>\n<html lang="nl"><head><meta charset="utf-8">'
        '<meta http-equiv="Content-Security-Policy" '
        "content=\"default-src 'none'; style-src 'unsafe-inline'\">"
        "<title>Reacties van de reviewers</title><style>"
        "body{font-family:sans-serif;margin:2em;max-width:80em}table{border-collapse:collapse;width:100%}"
        "td,th{border-bottom:1px solid #ccc;padding:.3em;text-align:left;vertical-align:top}"
        "th{background:#154273;color:#fff}</style></head><body>\n"
        "<h1>Reacties van de reviewers</h1>\n"
        f"<p>Gelezen: {html.escape(', '.join(f.name for f in review.files))}</p>\n"
        + "".join(f"<p><strong>Let op:</strong> {html.escape(w)}</p>\n" for w in review.warnings)
        + "\n".join(rows)
        + "\n</body></html>\n"
    )


def write_overview(review: Review, out_dir: Path, root: Path) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in (
        ("review.md", to_markdown(review)),
        ("review.csv", to_csv(review)),
        ("review.html", to_html(review, out_dir, root)),
    ):
        path = out_dir / name
        tmp = path.with_name(name + ".tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
        written.append(path)
    return written


def collect(root: Path, files: list[Path | str], out_dir: Path | None = None) -> tuple[Review, list[Path]]:
    """Read the reviewed copies and write the overview; return it and the files written."""
    from report.render.book import read_project

    cfg, _meta, _c, _a = read_project(root)
    report = str(cfg["book"].get("output-file") or "monitor-drugscriminaliteit")
    review = read_reviews(root, files, report)
    target = Path(out_dir) if out_dir is not None else root / "_review"
    return review, write_overview(review, target.resolve(), root)
