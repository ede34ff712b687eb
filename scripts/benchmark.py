"""Time each stage of a cold full build and of a rebuild with nothing changed.

    python scripts/benchmark.py            # all three formats
    python scripts/benchmark.py --format pdf

Works on a copy of the project in a temporary folder, so the real _generated/ and _book/
are not touched. Prints one line per stage and the totals. Not a test: a measurement.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
PARTS = ["_quarto.yml", "index.qmd", "chapters", "data", "fonts", "report", "scripts", "docs"]


def copy_project(dest: Path) -> None:
    for part in PARTS:
        src = ROOT / part
        if src.is_dir():
            shutil.copytree(src, dest / part, ignore=shutil.ignore_patterns("__pycache__"))
        elif src.exists():
            shutil.copy2(src, dest / part)


def main() -> None:
    from report.build import build
    from report.project import Project
    from report.render import render

    parser = argparse.ArgumentParser()
    parser.add_argument("--format", action="append", choices=["pdf", "docx", "html"])
    args = parser.parse_args()
    formats = tuple(args.format or ["pdf", "docx", "html"])
    print(f"cores: {os.cpu_count()}; formats: {', '.join(formats)}")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "project"
        copy_project(root)
        project = Project(root)
        for label in ("cold", "rebuild (nothing changed)"):
            t0 = time.perf_counter()
            result = build(project)
            t_build = time.perf_counter() - t0
            note = " (skipped: inputs unchanged)" if result.skipped else ""
            print(f"{label:28s} build           {t_build:6.2f} s{note}")
            total = t_build
            for fmt in formats:
                t1 = time.perf_counter()
                render(root, formats=(fmt,))
                dt = time.perf_counter() - t1
                total += dt
                print(f"{label:28s} render {fmt:8s} {dt:6.2f} s")
            print(f"{label:28s} total           {total:6.2f} s")


if __name__ == "__main__":
    main()
