"""Where things are in a monitor project (one place, so no module guesses paths)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Project:
    root: Path

    @classmethod
    def find(cls, start: Path | None = None) -> Project:
        """The nearest folder upwards that holds _quarto.yml and data/indicators.yml."""
        here = (start or Path.cwd()).resolve()
        for folder in (here, *here.parents):
            if (folder / "_quarto.yml").exists() and (folder / "data" / "indicators.yml").exists():
                return cls(folder)
        from report.errors import MonitorError

        raise MonitorError(
            f"{here}: not inside a monitor project (no _quarto.yml with data/indicators.yml above it)"
        )

    @property
    def registry(self) -> Path:
        return self.root / "data" / "indicators.yml"

    @property
    def raw(self) -> Path:
        return self.root / "data" / "raw"

    @property
    def clean(self) -> Path:
        return self.root / "data" / "clean"

    @property
    def templates(self) -> Path:
        return self.root / "chapters" / "sjablonen"

    @property
    def generated(self) -> Path:
        return self.root / "_generated"

    @property
    def variables(self) -> Path:
        return self.root / "_variables.yml"

    @property
    def fonts(self) -> Path:
        return self.root / "fonts"

    @property
    def book(self) -> Path:
        return self.root / "_book"

    def copy_to(self, dest: Path) -> Project:
        """A copy of the project's sources (no generated folders), for tests and benchmarks."""
        import shutil

        dest.mkdir(parents=True, exist_ok=True)
        for part in PROJECT_PARTS:
            src = self.root / part
            if src.is_dir():
                shutil.copytree(src, dest / part, ignore=shutil.ignore_patterns("__pycache__"))
            elif src.exists():
                shutil.copy2(src, dest / part)
        return Project(dest)


# What a project consists of; _generated/, _book/ and _logs/ are made from these.
PROJECT_PARTS = [
    "_quarto.yml",
    "_extensions",
    "index.qmd",
    "chapters",
    "data",
    "fonts",
    "report",
    "scripts",
    "docs",
]
