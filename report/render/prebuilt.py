"""Site assets shipped ready-made: the Vega bundle and the Latin subsets of the bundled fonts.

Both are pure functions of pinned tools (vl-convert's ``javascript_bundle()``; fontTools with
the subset recipe of :mod:`report.font_subset`) and of the font files in ``fonts/``, yet making
them costs ~3 s of CPU: on a fresh machine that was a fifth of the first build. So they are made
once, by ``python scripts/prebuild_assets.py``, and committed under ``assets/prebuilt/`` with a
manifest of what they were made from. A render uses a shipped file only when the manifest
matches exactly (same vl-convert version; same font file bytes, fontTools version and recipe)
and the file's hash is the manifest's; otherwise it makes the asset itself, as before, and keeps
it in the project cache. ``tests/test_prebuilt.py`` checks that the shipped files are what the
tools make now, so a tool upgrade without a rebuild of the assets fails in CI instead of
quietly costing time (or shipping a stale bundle).
"""

from __future__ import annotations

import functools
import hashlib
import json
from importlib.metadata import version
from pathlib import Path

PREBUILT_DIR = Path(__file__).resolve().parent / "assets" / "prebuilt"
MANIFEST = PREBUILT_DIR / "manifest.json"
VEGA_FILE = "vega-bundle.js"


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _manifest() -> dict:
    try:
        return json.loads(MANIFEST.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _shipped(entry: dict | None, wanted: dict) -> bytes | None:
    """The shipped file of ``entry`` if it was made from ``wanted`` and is intact, else None."""
    if not entry or any(entry.get(k) != v for k, v in wanted.items()):
        return None
    path = PREBUILT_DIR / entry.get("file", "")
    try:
        data = path.read_bytes()
    except OSError:
        return None
    return data if _sha256(data) == entry.get("sha256") else None


def vega_wanted() -> dict:
    import vl_convert as vlc

    return {"vl-convert": vlc.__version__}


@functools.cache  # as format_cache.tool_versions: read once a process
def _fonttools_version() -> str:
    return version("fonttools")


def font_wanted(source: Path, recipe: str) -> dict:
    return {
        "font-sha256": _sha256(Path(source).read_bytes()),
        "fonttools": _fonttools_version(),
        "recipe": recipe,
    }


def vega_bundle_source() -> str | None:
    """vl-convert's ``javascript_bundle()`` for the installed vl-convert, if shipped."""
    data = _shipped(_manifest().get("vega-bundle"), vega_wanted())
    return data.decode("utf-8") if data is not None else None


SITE_FONTS = "fonts"  # the manifest's section of the site's subsets (font_subset.SUBSET_RECIPE)
FIGURE_FONTS = "figure-fonts"  # and of the figures' (font_subset.FIGURE_SUBSET_RECIPE)


def font_subset(source: Path, recipe: str, section: str = SITE_FONTS) -> bytes | None:
    """The subset of font file ``source`` made with ``recipe`` (font_subset.SUBSET_RECIPE for the
    site, FIGURE_SUBSET_RECIPE in ``section`` FIGURE_FONTS for the figures), if shipped."""
    return _shipped(_manifest().get(section, {}).get(Path(source).name), font_wanted(source, recipe))


def write_prebuilt(
    bundle_source: str,
    subsets: dict[Path, bytes],
    recipe: str,
    figure_subsets: dict[Path, bytes] | None = None,
    figure_recipe: str = "",
) -> Path:
    """Write the assets and their manifest (scripts/prebuild_assets.py)."""
    PREBUILT_DIR.mkdir(parents=True, exist_ok=True)
    data = bundle_source.encode("utf-8")
    (PREBUILT_DIR / VEGA_FILE).write_bytes(data)
    manifest: dict = {
        "vega-bundle": {**vega_wanted(), "file": VEGA_FILE, "sha256": _sha256(data)},
        SITE_FONTS: {},
        FIGURE_FONTS: {},
    }
    for section, made, how, suffix in (
        (SITE_FONTS, subsets, recipe, ".woff"),
        (FIGURE_FONTS, figure_subsets or {}, figure_recipe, ".figure.woff"),
    ):
        for source, woff in sorted(made.items()):
            name = f"{source.stem}{suffix}"
            (PREBUILT_DIR / name).write_bytes(woff)
            manifest[section][source.name] = {
                **font_wanted(source, how),
                "file": name,
                "sha256": _sha256(woff),
            }
    MANIFEST.write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return MANIFEST


__all__ = [
    "vega_bundle_source",
    "font_subset",
    "write_prebuilt",
    "PREBUILT_DIR",
    "MANIFEST",
    "SITE_FONTS",
    "FIGURE_FONTS",
]
