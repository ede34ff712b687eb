"""The reviewers' draft: its version, its file names and the marking on every page.

A draft is never written under the final names: ``<output-file>-<editie>-concept-<version>``
(``monitor-drugscriminaliteit-2025-concept-2025-1a2b3c4d.docx``). The version is the edition
and a short hash of what the text and numbers are made of — the expanded chapters (prose,
includes and generated blocks), the registry, the sources' configuration and the clean data's
manifest — so two drafts made from different text or data always differ, and the same
sources give the same version on every machine (paths inside the project are hashed relative
to its root).
"""

from __future__ import annotations

import hashlib

DRAFT_LABEL = "CONCEPT"
DO_NOT_CITE = "niet citeren"
DRAFT_INFIX = "-concept-"

# Besides the chapters (in book.markdown): what the generated text and numbers come from.
_VERSION_INPUTS = ("data/indicators.yml", "data/sources.yml", "data/clean/manifest.csv")


def draft_version(book) -> str:
    """``<editie>-<8 hex>``: the edition and a hash of chapters, registry, sources and manifest."""
    digest = hashlib.sha256()
    digest.update(book.markdown.replace(book.root.as_posix(), "").encode("utf-8"))
    for rel in _VERSION_INPUTS:
        path = book.root / rel
        digest.update(f"\0{rel}\0".encode())
        if path.is_file():
            digest.update(path.read_bytes().replace(b"\r\n", b"\n"))
    return f"{book.edition}-{digest.hexdigest()[:8]}"


def draft_stem(book, version: str) -> str:
    """File name (without extension) of a draft: never the final report's name."""
    return f"{book.output_stem}{DRAFT_INFIX}{version}"


def draft_info(book) -> dict:
    """The draft marking: label, version, date (ISO and Dutch) and the draft's file stem."""
    version = draft_version(book)
    return {
        "label": DRAFT_LABEL,
        "note": DO_NOT_CITE,
        "version": version,
        "date": book.date,
        "date_text": book.date_text,
        "stem": draft_stem(book, version),
        "report": book.output_file,
    }


def draft_line(draft: dict) -> str:
    """The header line: "CONCEPT — niet citeren — versie 2025-1a2b3c4d — 30 juni 2025"."""
    parts = [draft.get("label") or DRAFT_LABEL, draft.get("note") or DO_NOT_CITE]
    if draft.get("version"):
        parts.append(f"versie {draft['version']}")
    if draft.get("date_text"):
        parts.append(draft["date_text"])
    return " — ".join(parts)
