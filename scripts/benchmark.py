"""Time each stage of a cold full build and of a rebuild with nothing changed.

    python scripts/benchmark.py            # all three formats
    python scripts/benchmark.py --format pdf

Works on a copy of the project in a temporary folder, so the real _generated/ and _book/
are not touched. Prints one line per stage and the totals. Not a test: a measurement.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    from report.build import build
    from report.clean import clean
    from report.project import Project
    from report.render import render

    parser = argparse.ArgumentParser()
    parser.add_argument("--format", action="append", choices=["pdf", "docx", "html"])
    args = parser.parse_args()
    formats = tuple(args.format or ["pdf", "docx", "html"])
    print(f"cores: {os.cpu_count()}; formats: {', '.join(formats)}")
    with tempfile.TemporaryDirectory() as tmp:
        project = Project(ROOT).copy_to(Path(tmp) / "project")
        root = project.root
        for label in ("cold", "nothing changed"):
            total = 0.0
            t0 = time.perf_counter()
            if label == "cold":
                clean(project)
                dt = time.perf_counter() - t0
                total += dt
                print(f"{label:16s} clean (raw → data/clean)     {dt:6.2f} s")
            t0 = time.perf_counter()
            result = build(project)
            dt = time.perf_counter() - t0
            total += dt
            note = " (skipped: inputs unchanged)" if result.skipped else ""
            print(f"{label:16s} build                        {dt:6.2f} s{note}")
            t0 = time.perf_counter()
            render(root, formats=formats)
            dt = time.perf_counter() - t0
            total += dt
            print(f"{label:16s} render {'+'.join(formats):21s} {dt:6.2f} s")
            print(f"{label:16s} total                        {total:6.2f} s")
        # The editors' check, as an editor runs it (a fresh process, build up to date).
        t0 = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-m", "report", "check", "--root", str(root)], capture_output=True, text=True
        )
        dt = time.perf_counter() - t0
        note = f"(exit {proc.returncode}; target < 2 s)"
        print(f"{'check':16s} monitor check                {dt:6.2f} s {note}")
        for fmt in formats:
            t0 = time.perf_counter()
            render(root, formats=(fmt,))
            print(f"{'one format':16s} render {fmt:21s} {time.perf_counter() - t0:6.2f} s")


if __name__ == "__main__":
    main()
