"""Is a stage's output current? Answered with the standard library only, so that `monitor render`,
`monitor check` and `monitor preview` with nothing changed need not import pandas, pandera or
Altair (about a second of start-up on a small machine).

``raw_files_changed``: do data/raw's files, or the configuration that reads them, differ from
those data/clean was made from?
``inputs_hash``: the hash of everything the build stage reads, kept in ``_generated/.inputs``.
"""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path

from report.cache import file_hash
from report.project import Project

PACKAGE_DIR = Path(__file__).resolve().parent

# How the raw files are read: the clean data depend on these as much as on the raw files.
CONFIGURATION = ("data/editie.yml", "data/indicators.yml", "data/sources.yml")


def inputs_hash(project: Project) -> str:
    """Hash of everything the build reads, including the build code itself."""
    h = hashlib.sha256()
    files = [project.registry, project.root / "data" / "editie.yml", project.root / "_quarto.yml"]
    files += sorted(project.clean.glob("*"))
    files += sorted(project.templates.rglob("*.j2"))
    files += sorted(PACKAGE_DIR.glob("*.py"))
    files += sorted(project.fonts.glob("*.ttf"))
    for f in files:
        if f.is_file():
            h.update(str(f.relative_to(project.root) if f.is_relative_to(project.root) else f.name).encode())
            h.update(f.read_bytes())
    return h.hexdigest()


def variables_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def build_is_current(project: Project, digest: str | None = None) -> bool:
    """True when _generated/ and _variables.yml were built from exactly the present inputs.

    The stamp also names the variables written with it (report.build): a build killed between
    writing the two is redone."""
    stamp = project.generated / ".inputs"
    if not stamp.exists() or not project.variables.exists():
        return False
    digest = digest or inputs_hash(project)
    return stamp.read_text() == f"{digest}\n{variables_hash(project.variables.read_bytes())}"


def configuration_csv(project: Project) -> str:
    """data/clean/configuration.csv: the hashes of the files that say how raw data are read."""
    lines = ["file,sha256"]
    for rel in CONFIGURATION:
        path = project.root / rel
        lines.append(f"{rel},{file_hash(path) if path.exists() else ''}")
    return "\n".join(lines) + "\n"


def raw_files_changed(project: Project) -> bool:
    """Do the raw files differ from those listed in data/clean/manifest.csv, or the configuration
    that reads them (data/clean/configuration.csv) from what it was?"""
    if raw_files_differ(project):
        return True
    kept = project.clean / "configuration.csv"
    if not project.raw.exists() or not (project.clean / "manifest.csv").exists():
        return False
    return not kept.exists() or kept.read_text(encoding="utf-8") != configuration_csv(project)


def raw_files_differ(project: Project) -> bool:
    """Do the raw files differ from those listed in data/clean/manifest.csv?"""
    if not project.raw.exists() or not (project.root / "data" / "sources.yml").exists():
        return False
    real_raw = project.raw.resolve()
    raw = {
        str(p.relative_to(project.root)): p
        for p in project.raw.rglob("*")
        if p.is_file()
        and p.name not in ("demo.yml", ".gitkeep", "README.md")
        and (real_raw in p.resolve().parents)  # a link out of data/raw is never read, not even hashed
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
