"""Drawing the figures: Vega-Lite spec → SVG, PNG, CSV and the spec itself, with vl-convert.

Apart from report/figures.py (which builds the specs with Altair and pandas) so that the
processes that draw in parallel import only vl-convert: a worker starts in ~0.1 s instead of
the ~1 s that Altair and pandas take.
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import vl_convert as vlc

from report.errors import MonitorError

EXPORT_SUFFIXES = (".svg", ".png", ".csv", ".vl.json")
EXPORT_LOCALE = "nl-NL"
PNG_SCALE = 2
# Below this many figures a second process costs more than it saves (start-up, fonts).
PARALLEL_FROM = 6


def figure_csv(rows: list[dict]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=";", lineterminator="\n")
    w.writerow(["drugsmarkt", "regio", "jaar", "waarde", "status", "noot"])
    for r in rows:
        if r["waarde"] is None:
            continue
        # Dutch spreadsheet users open ';' files with decimal commas correctly.
        w.writerow(
            [r["markt"], r["regio"], r["jaar"], str(r["waarde"]).replace(".", ","), r["status"], r["noot"]]
        )
    return buf.getvalue()


def export(spec: dict, rows: list[dict], out_stem: Path) -> None:
    locale = vlc.get_format_locale(EXPORT_LOCALE)
    svg = vlc.vegalite_to_svg(spec, format_locale=locale)
    # Rasterising the SVG is 4× faster than running Vega again for the PNG.
    png = vlc.svg_to_png(svg, scale=PNG_SCALE)
    out_stem.parent.mkdir(parents=True, exist_ok=True)
    out_stem.with_suffix(".svg").write_text(svg, encoding="utf-8")
    out_stem.with_suffix(".png").write_bytes(png)
    out_stem.with_suffix(".csv").write_text(figure_csv(rows), encoding="utf-8")
    out_stem.with_suffix(".vl.json").write_text(
        json.dumps(spec, ensure_ascii=False, sort_keys=True, indent=1), encoding="utf-8"
    )


_fonts_registered: set[str] = set()


def register_fonts(font_dir: Path) -> None:
    key = str(Path(font_dir).resolve())
    if key not in _fonts_registered:
        vlc.register_font_directory(key)
        _fonts_registered.add(key)


def _export_many(tasks: list[tuple], font_dir: str) -> None:
    register_fonts(Path(font_dir))
    for spec, rows, stem, _key in tasks:
        export(spec, rows, Path(stem))


def export_all(tasks: list[tuple], font_dir: Path, workers: int | None = None) -> None:
    """Draw the figures of a build, ``(spec, rows, stem, key)`` each, on every core.

    vl-convert keeps Python's lock while it draws, so threads gain nothing: this process draws
    one share and child processes (``python -m report.figure_export``: a fresh interpreter that
    imports nothing of the caller, whatever its main script) draw the others. Each figure's
    files come from its own spec alone, so the output does not depend on who drew it or when."""
    workers = min(workers or os.cpu_count() or 1, len(tasks))
    if workers < 2 or len(tasks) < PARALLEL_FROM:
        _export_many(tasks, str(font_dir))
        return
    shares = [tasks[i::workers] for i in range(workers)]
    with tempfile.TemporaryDirectory(prefix="monitor-figures-") as tmp:
        children = []
        for n, share in enumerate(shares[1:], start=1):
            job = Path(tmp) / f"share-{n}.json"
            job.write_text(json.dumps({"font_dir": str(font_dir), "tasks": share}), encoding="utf-8")
            children.append(
                subprocess.Popen(
                    [sys.executable, "-m", "report.figure_export", str(job)],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.PIPE,
                )
            )
        try:
            _export_many(shares[0], str(font_dir))
        finally:
            errors = []
            for child in children:
                _, err = child.communicate()
                if child.returncode != 0:
                    errors.append(err.decode("utf-8", "replace").strip().splitlines()[-1:] or ["?"])
        if errors:
            raise MonitorError(
                "drawing the figures failed in a worker process: " + "; ".join(e[0] for e in errors)
            )


def _main(job: str) -> None:
    data = json.loads(Path(job).read_text(encoding="utf-8"))
    _export_many([tuple(t) for t in data["tasks"]], data["font_dir"])


if __name__ == "__main__":
    _main(sys.argv[1])
