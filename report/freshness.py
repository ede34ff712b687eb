"""Is a stage's output current? Answered with the standard library only, so that `monitor render`
and `monitor preview` with nothing changed need not import pandas, pandera or Altair (about a
second of start-up on a small machine).

``raw_files_changed``: do data/raw's files differ from those data/clean was made from?
``inputs_hash``: the hash of everything the build stage reads, kept in ``_generated/.inputs``.
"""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path

from report.cache import file_hash
from report.project import Project

PACKAGE_DIR = Path(__file__).resolve().parent


def inputs_hash(project: Project) -> str:
    """Hash of everything the build reads, including the build code itself."""
    h = hashlib.sha256()
    files = [project.registry, project.root / "_quarto.yml"]
    files += sorted(project.clean.glob("*"))
    files += sorted(project.templates.rglob("*.j2"))
    files += sorted(PACKAGE_DIR.glob("*.py"))
    files += sorted(project.fonts.glob("*.ttf"))
    for f in files:
        if f.is_file():
            h.update(str(f.relative_to(project.root) if f.is_relative_to(project.root) else f.name).encode())
            h.update(f.read_bytes())
    return h.hexdigest()


def build_is_current(project: Project) -> bool:
    """True when _generated/ and _variables.yml were built from exactly the present inputs."""
    stamp = project.generated / ".inputs"
    return stamp.exists() and project.variables.exists() and stamp.read_text() == inputs_hash(project)


def raw_files_changed(project: Project) -> bool:
    """Do the raw files differ from those listed in data/clean/manifest.csv?"""
    if not project.raw.exists() or not (project.root / "data" / "sources.yml").exists():
        return False
    raw = {
        str(p.relative_to(project.root)): p
        for p in project.raw.rglob("*")
        if p.is_file() and p.name not in ("demo.yml", ".gitkeep", "README.md")
    }
    if not raw:
        return False
    manifest = project.clean / "manifest.csv"
    if not manifest.exists():
        return True
    listed = {}
    for row in csv.DictReader(manifest.read_text(encoding="utf-8").splitlines()):
        listed[row["file"]] = row["sha256"]
    if set(listed) != set(raw):
        return True
    return any(file_hash(path) != listed[name] for name, path in raw.items())
