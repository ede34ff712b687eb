"""Shared fixtures: a throw-away copy of the project, so tests never touch the real one."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# What a project consists of; generated folders are left out on purpose.
PROJECT_PARTS = ["_quarto.yml", "index.qmd", "chapters", "data", "fonts", "report", "scripts", "docs"]


def copy_project(dest: Path) -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    for part in PROJECT_PARTS:
        src = ROOT / part
        if src.is_dir():
            shutil.copytree(src, dest / part, ignore=shutil.ignore_patterns("__pycache__"))
        elif src.exists():
            shutil.copy2(src, dest / part)
    return dest


@pytest.fixture
def project_copy(tmp_path: Path) -> Path:
    return copy_project(tmp_path / "project")


@pytest.fixture(scope="session")
def built_project(tmp_path_factory) -> Path:
    """One project copy with the build stage run (shared by the read-only tests)."""
    from report.build import build
    from report.project import Project

    root = copy_project(tmp_path_factory.mktemp("built") / "project")
    build(Project(root))
    return root
