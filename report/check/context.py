"""What every check reads, read once: the book (collecting its problems), the editors' files,
the variables and the registry."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from report.check.prose import ProseFile, read_prose
from report.registry import Registry, load_registry
from report.render.book import (
    Book,
    BookProblem,
    _flat_keys,
    _load_variables,
    _lookup,
    load_book,
    read_project,
)


@dataclasses.dataclass
class CheckContext:
    root: Path
    final: bool
    book: Book
    problems: list[BookProblem]
    sources: list[ProseFile]  # the chapter files of _quarto.yml (the editors' files), in book order
    variables: dict[str, Any]
    registry: Registry

    def variable(self, key: str) -> tuple[bool, Any]:
        return _lookup(self.variables, key)

    @property
    def variable_keys(self) -> list[str]:
        return _flat_keys(self.variables)


def read_context(root: Path, final: bool = False) -> CheckContext:
    root = Path(root).resolve()
    problems: list[BookProblem] = []
    book = load_book(root, problems=problems)
    _cfg, _meta, chapters, appendices = read_project(root)
    sources = [read_prose(root, rel) for rel in [*chapters, *appendices]]
    return CheckContext(
        root=root,
        final=final,
        book=book,
        problems=problems,
        sources=sources,
        variables=_load_variables(root),
        registry=load_registry(root / "data" / "indicators.yml"),
    )
