"""``_book/build-info.json``: which versions of the toolchain made this report.

Reports must be byte-reproducible across machines and years; when two renders differ, this
file says whether the tools did. Versions only — no dates, host names or paths, so the file
itself is the same on every machine that has the locked versions.
"""

from __future__ import annotations

import functools
import json
import os
import platform
import subprocess
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

# The distributions whose version changes what the report looks like or says.
DISTRIBUTIONS = (
    "monitor-drugscriminaliteit",
    "pandas",
    "numpy",
    "pandera",
    "pyarrow",
    "altair",
    "vl-convert-python",
    "typst",
    "pypandoc-binary",
    "python-docx",
    "jinja2",
    "babel",
    "openpyxl",
)


@functools.cache  # as format_cache.tool_versions: `monitor preview` renders many times
def _version(dist: str) -> str:
    try:
        return version(dist)
    except PackageNotFoundError:
        return "not installed"


@functools.cache  # one Pandoc per process; `monitor preview` renders many times
def _pandoc_version() -> str:
    from report.render.pandoc import pandoc_path

    out = subprocess.run([pandoc_path(), "--version"], capture_output=True, text=True, check=False)
    first = out.stdout.splitlines()[0] if out.stdout else ""
    return first.split()[-1] if first else "unknown"


def _vega_version() -> str:
    import vl_convert

    return vl_convert.get_vega_version()


def toolchain_versions(engine: str = "embedded") -> dict:
    """The versions of Python, the engines and the libraries in use right now."""
    info = {
        "python": platform.python_version(),
        "engine": engine,
        "pandoc": _pandoc_version(),
        "packages": {dist: _version(dist) for dist in DISTRIBUTIONS},
    }
    try:
        info["vega"] = _vega_version()
    except AttributeError:  # an older vl-convert without this call: leave it out
        pass
    return info


def write_build_info(target: Path, engine: str, formats: list[str]) -> Path:
    """Write ``target/build-info.json`` (the render stages it beside the outputs it describes)."""
    info = toolchain_versions(engine)
    info["formats"] = sorted(formats)
    path = target / "build-info.json"
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(info, indent=2, ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(tmp, path)
    return path
