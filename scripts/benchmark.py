"""Time each stage of a cold full build and of a rebuild with nothing changed.

    python scripts/benchmark.py            # all three formats
    python scripts/benchmark.py --format pdf

Works on a copy of the project in a temporary folder, so the real _generated/ and _book/
are not touched. With Quarto installed (QUARTO or PATH) it ends with `quarto render`
against `monitor render` (embedded engine) on the same built copy.
Prints one line per stage and the totals. Not a test: a measurement.
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
SITE_TARGET = 5_000_000  # bytes: the demo site (pages, charts, fonts, open data) stays under 5 MB


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
        if "html" in formats:
            site = root / "_book" / "html"
            size = sum(p.stat().st_size for p in site.rglob("*") if p.is_file())
            mark = "ok" if size <= SITE_TARGET else f"over the target of {SITE_TARGET / 1e6:.0f} MB"
            pages = len(list(site.glob("*.html")))
            print(f"{'html site':16s} size, {pages} pages            {size / 1e6:6.2f} MB ({mark})")
        _quarto_against_embedded(root, formats)


def _quarto_against_embedded(root: Path, formats: tuple[str, ...]) -> None:
    """`quarto render` against `monitor render` on the same built project (when Quarto is here)."""
    import subprocess

    from report.render import quarto_path, render

    quarto = quarto_path()
    if quarto is None:
        print("quarto           not installed (QUARTO or PATH): no comparison")
        return
    to = {"pdf": "typst", "docx": "docx", "html": "html"}
    args = [] if set(formats) == {"pdf", "docx", "html"} else ["--to", ",".join(to[f] for f in formats)]
    env = dict(os.environ, PATH=os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]]))
    t0 = time.perf_counter()
    subprocess.run([quarto, "render", *args], cwd=root, env=env, check=True, capture_output=True)
    dt_quarto = time.perf_counter() - t0
    t0 = time.perf_counter()
    render(root, formats=formats)
    dt_monitor = time.perf_counter() - t0
    print(f"{'same machine':16s} quarto render {'+'.join(formats):14s} {dt_quarto:6.2f} s")
    print(f"{'same machine':16s} monitor render {'+'.join(formats):13s} {dt_monitor:6.2f} s")


if __name__ == "__main__":
    main()
