"""`monitor check`: the editors' safety net — broken markup, unfinished text, causal wording,
typed and stale numbers, direction words against live numbers, house style — reported per
file and line before the report goes out. The same checks run inside every render
(:func:`report.check.gate.blocking` says which findings stop it).

    findings = run_checks(project_root, final=False)
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from report.check import causal, direction, markup, numbers, style, unfinished
from report.check.context import read_context
from report.check.finding import ACCEPTED, ERROR, KINDS, WARNING, Finding
from report.check.prose import marker_findings

if TYPE_CHECKING:
    from report.render.book import Book

__all__ = ["run_checks", "check_book", "Finding", "ERROR", "WARNING", "ACCEPTED", "KINDS"]

CHECKS = (markup, unfinished, causal, numbers, direction, style)


def run_checks(project_root: Path | str, final: bool = False) -> list[Finding]:
    """Every finding in the book's chapters, sorted by file, line and column.

    ``final``: unfinished text is an error (the final edition must not hold any)."""
    return check_book(project_root, final)[0]


def check_book(project_root: Path | str, final: bool = False) -> tuple[list[Finding], Book | None]:
    """:func:`run_checks`, and the book as the checks read it when it was read without a
    problem: then it is what ``load_book`` gives a render (tests compare), and `monitor render`
    renders it instead of reading the book a second time."""
    ctx = read_context(Path(project_root), final=final)
    found: list[Finding] = []
    for module in CHECKS:
        found += module.check(ctx)
    for src in ctx.sources:
        found += marker_findings(src)  # after the checks: which markers accepted something
    return sorted(set(found), key=lambda f: f.sort_key), (ctx.book if not ctx.problems else None)
