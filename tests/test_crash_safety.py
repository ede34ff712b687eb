"""A run killed at the worst moment leaves the old state or the new one, whole.

`monitor clean` and `monitor render` run in a child process with MONITOR_FAULT naming a step
(report/swap.py: ``<stage>-swap`` just before the exchange, ``<stage>-swapped`` just after it);
there the process kills itself with SIGKILL, so no clean-up code runs. Then data/clean or _book/
must be exactly the old folder or a complete new one, and the next run cleans up what is left.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from report.clean import clean
from report.project import Project

ROOT = Path(__file__).resolve().parents[1]
WODC = "data/raw/wodc/liquidaties_2012-2024.csv"


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _monitor(root: Path, *args: str, fault: str | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "MONITOR_FAULT"}
    if fault:
        env["MONITOR_FAULT"] = fault
    return subprocess.run(
        [sys.executable, "-m", "report", *args, "--root", str(root)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.fixture
def cleaned(project_copy: Path) -> Path:
    clean(Project(project_copy))
    return project_copy


def _change_a_delivery(root: Path) -> None:
    path = root / WODC
    text = path.read_text(encoding="utf-8")
    assert "2012,12" in text
    path.write_text(text.replace("2012,12", "2012,13", 1), encoding="utf-8")


@pytest.mark.parametrize("step", ["clean-swap", "clean-swapped"])
def test_clean_killed_at_the_swap_leaves_old_or_new_data_whole(cleaned: Path, step: str):
    old = _snapshot(cleaned / "data" / "clean")
    _change_a_delivery(cleaned)
    killed = _monitor(cleaned, "clean", fault=step)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    now = _snapshot(cleaned / "data" / "clean")
    assert set(now) == set(old), "data/clean lost or gained files"
    if step == "clean-swap":
        assert now == old
    else:
        assert now["observations.csv"] != old["observations.csv"]
        assert "liquidaties,aantal,alle,NL,2012,13" in now["observations.csv"].decode()
    # The next run finishes the job and removes what the killed one left.
    again = _monitor(cleaned, "clean")
    assert again.returncode == 0, again.stderr
    leftovers = [p.name for p in (cleaned / "data").iterdir() if p.name.startswith(".clean")]
    assert leftovers == []
    if step == "clean-swapped":
        assert " ".join(again.stderr.split()).count("left by an interrupted run) was removed") == 1


@pytest.mark.parametrize("step", ["build-swap", "build-swapped"])
def test_build_killed_at_the_swap_leaves_generated_old_or_new_and_the_next_build_redoes_it(
    cleaned: Path, step: str
):
    first = _monitor(cleaned, "build")
    assert first.returncode == 0, first.stderr
    old = _snapshot(cleaned / "_generated")
    _change_a_delivery(cleaned)
    assert _monitor(cleaned, "clean").returncode == 0
    killed = _monitor(cleaned, "build", fault=step)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    now = _snapshot(cleaned / "_generated")
    assert set(now) == set(old)
    block = "indicatoren/liquidaties.md"
    assert (now == old) if step == "build-swap" else (now[block] != old[block])
    # _variables.yml was written first: the stamp in the old _generated/ does not match it, so the
    # next build runs again instead of keeping text that disagrees with the variables.
    again = _monitor(cleaned, "build")
    assert again.returncode == 0, again.stderr
    assert "up to date" not in again.stderr if step == "build-swap" else True
    assert _snapshot(cleaned / "_generated")[block] != old[block]
    assert [
        p.name for p in cleaned.iterdir() if p.name.startswith((".monitor-tmp-build", "._generated"))
    ] == []
    if step == "build-swapped":  # the new _generated/ was complete: up to date, and the leftover said
        assert "(left by an interrupted run) was removed" in " ".join(again.stderr.split())


@pytest.mark.slow
def test_render_killed_at_publish_leaves_old_or_new_book_whole(built_project_copy: Path):
    root = built_project_copy
    first = _monitor(root, "render")
    assert first.returncode == 0, first.stderr
    old = _snapshot(root / "_book")
    chapter = root / "index.qmd"
    chapter.write_text(chapter.read_text(encoding="utf-8") + "\n\nEen zin die er nieuw bij komt.\n", "utf-8")

    killed = _monitor(root, "render", fault="render-swap")
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert _snapshot(root / "_book") == old  # not a new PDF beside the old DOCX and HTML

    killed = _monitor(root, "render", fault="render-swapped")
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    new = _snapshot(root / "_book")
    assert set(new) == set(old)
    changed = {name for name in new if new[name] != old[name]}
    for kind in (".pdf", ".docx", ".html"):  # index.qmd is the site's voorwoord.html
        assert any(name.endswith(kind) for name in changed), f"no new {kind}: {sorted(changed)}"

    # The killed runs' temporary folders: removed once they are old enough not to belong to a
    # run still going; a young one is left alone.
    leftovers = [p for p in root.iterdir() if p.name.startswith(".monitor-tmp-")]
    assert leftovers, "the killed renders left their temporary folders"
    for p in leftovers:
        os.utime(p, (time.time() - 7200, time.time() - 7200))
    young = root / ".monitor-tmp-still-running"
    young.mkdir()
    again = _monitor(root, "render")
    assert again.returncode == 0, again.stderr
    assert [p.name for p in root.iterdir() if p.name.startswith("._book")] == []
    assert sorted(p.name for p in root.iterdir() if p.name.startswith(".monitor-tmp-")) == [young.name]
    said = " ".join(again.stderr.split())
    assert all(f"{p.name} (left by an interrupted run) was removed" in said for p in leftovers)


@pytest.fixture
def built_project_copy(project_copy: Path) -> Path:
    return project_copy
