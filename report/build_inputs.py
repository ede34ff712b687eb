"""What the build stage reads, hashed: tells whether _generated/ is current without importing
the build (pandas, Altair), so `monitor check` stays fast."""

from __future__ import annotations

import hashlib
from pathlib import Path

from report.project import Project


def inputs_hash(project: Project) -> str:
    """Hash of everything the build reads, including the build code itself."""
    h = hashlib.sha256()
    files = [project.registry, project.root / "data" / "editie.yml", project.root / "_quarto.yml"]
    files += sorted(project.clean.glob("*"))
    files += sorted(project.templates.rglob("*.j2"))
    files += sorted(Path(__file__).parent.glob("*.py"))
    files += sorted(project.fonts.glob("*.ttf"))
    for f in files:
        if f.is_file():
            h.update(str(f.relative_to(project.root) if f.is_relative_to(project.root) else f.name).encode())
            h.update(f.read_bytes())
    return h.hexdigest()


def build_is_current(project: Project, digest: str | None = None) -> bool:
    """True when the last build's inputs are the inputs now and its variables exist."""
    stamp = project.generated / ".inputs"
    if not stamp.exists() or not project.variables.exists():
        return False
    digest = digest or inputs_hash(project)
    # The stamp also names the variables written with it (report.build): a build killed between
    # writing the two is redone.
    return stamp.read_text() == f"{digest}\n{variables_hash(project.variables.read_bytes())}"


def variables_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
