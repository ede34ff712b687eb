"""Shared fixtures: a throw-away copy of the project, so tests never touch the real one."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from report.project import Project

ROOT = Path(__file__).resolve().parents[1]


def copy_project(dest: Path) -> Path:
    return Project(ROOT).copy_to(dest).root


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


@pytest.fixture(scope="module")
def browser():
    """Headless Debian chromium (skips with the reason when it is not installed)."""
    from browser import launch

    playwright, b = launch()
    yield b
    b.close()
    playwright.stop()


# The PDF is compiled in the test's own process: no Typst server outlives a test
# (tests/test_typst_server.py starts and stops its own).
os.environ.setdefault("MONITOR_TYPST_SERVER", "off")

# Every `monitor` a test runs runs in its own process: no command server outlives a test
# (tests/test_command_server.py starts and stops its own).
os.environ.setdefault("MONITOR_SERVER", "off")
