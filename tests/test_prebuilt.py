"""The site assets shipped ready-made (report/render/prebuilt.py) are what the tools make now,
and a render uses them only when they were made from exactly its inputs."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from report.render import html, prebuilt

ROOT = Path(__file__).resolve().parents[1]
REBUILD = "run `python scripts/prebuild_assets.py` and commit report/render/assets/prebuilt/"


def test_the_shipped_vega_bundle_is_vl_converts_own():
    import vl_convert as vlc

    shipped = prebuilt.vega_bundle_source()
    assert shipped is not None, f"no Vega bundle shipped for vl-convert {vlc.__version__}: {REBUILD}"
    assert shipped == vlc.javascript_bundle(), f"the shipped Vega bundle is stale: {REBUILD}"


@pytest.mark.parametrize("name", [n for n in html.FONT_FILES if n.endswith(".ttf")])
def test_the_shipped_font_subsets_are_what_fonttools_makes(name):
    source = html.PROJECT_FONTS / name
    shipped = prebuilt.font_subset(source, html.SUBSET_RECIPE)
    assert shipped is not None, f"no subset shipped for {name} as fonts/ and fontTools are now: {REBUILD}"
    assert shipped == html._font_subset.__wrapped__(str(source), 0.0), f"stale subset of {name}: {REBUILD}"


@pytest.mark.parametrize("name", [n for n in html.FONT_FILES if n.endswith(".ttf")])
def test_the_shipped_figure_subsets_are_what_fonttools_makes(name):
    from report import font_subset

    source = html.PROJECT_FONTS / name
    shipped = prebuilt.font_subset(source, font_subset.FIGURE_SUBSET_RECIPE, prebuilt.FIGURE_FONTS)
    assert shipped is not None, f"no figure subset shipped for {name}: {REBUILD}"
    made = font_subset.make_subset(source, font_subset.FIGURE_UNICODES, font_subset.FIGURE_SUBSET_OPTIONS)
    assert shipped == made, f"stale figure subset of {name}: {REBUILD}"
    # the site's recipe does not find it, nor the figures' the site's
    assert prebuilt.font_subset(source, html.SUBSET_RECIPE, prebuilt.FIGURE_FONTS) is None
    assert prebuilt.font_subset(source, font_subset.FIGURE_SUBSET_RECIPE) is None


@pytest.fixture
def own_prebuilt(tmp_path, monkeypatch):
    """A copy of the shipped folder that a test may damage."""
    folder = tmp_path / "prebuilt"
    shutil.copytree(prebuilt.PREBUILT_DIR, folder)
    monkeypatch.setattr(prebuilt, "PREBUILT_DIR", folder)
    monkeypatch.setattr(prebuilt, "MANIFEST", folder / "manifest.json")
    return folder


def test_a_damaged_shipped_file_is_not_used(own_prebuilt):
    (own_prebuilt / prebuilt.VEGA_FILE).write_text("window.vegaEmbed = null;", encoding="utf-8")
    assert prebuilt.vega_bundle_source() is None
    woff = own_prebuilt / "NotoSans-Regular.woff"
    woff.write_bytes(woff.read_bytes()[:-10])
    assert prebuilt.font_subset(html.PROJECT_FONTS / "NotoSans-Regular.ttf", html.SUBSET_RECIPE) is None


def test_a_subset_made_otherwise_is_not_used(own_prebuilt, tmp_path, monkeypatch):
    regular = html.PROJECT_FONTS / "NotoSans-Regular.ttf"
    # another recipe (FONT_UNICODES or the options changed)
    assert prebuilt.font_subset(regular, "another-recipe") is None
    # another font file under the same name (a project's own fonts/)
    other = tmp_path / "NotoSans-Regular.ttf"
    other.write_bytes((html.PROJECT_FONTS / "NotoSans-Bold.ttf").read_bytes())
    assert prebuilt.font_subset(other, html.SUBSET_RECIPE) is None
    # another fontTools
    manifest = json.loads((own_prebuilt / "manifest.json").read_text(encoding="utf-8"))
    manifest["fonts"]["NotoSans-Regular.ttf"]["fonttools"] = "0.0"
    manifest["vega-bundle"]["vl-convert"] = "0.0"
    (own_prebuilt / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    assert prebuilt.font_subset(regular, html.SUBSET_RECIPE) is None
    assert prebuilt.vega_bundle_source() is None


def test_without_shipped_assets_the_site_makes_the_same_ones(own_prebuilt, tmp_path, monkeypatch):
    """No prebuilt folder at all: the render makes the bundle and subsets itself, same bytes."""
    (own_prebuilt / "manifest.json").unlink()
    html.vega_bundle.cache_clear()
    try:
        out = tmp_path / "site"

        class Book:  # _write_assets needs only the fonts (no root: nothing cached)
            root = None

        html._write_assets(out, Book())
        assets = out / html.ASSET_DIR
        made = (assets / "vega-bundle.js").read_text(encoding="utf-8")
    finally:
        html.vega_bundle.cache_clear()
    monkeypatch.undo()
    assert made == html.vega_bundle()
    for name in html.FONT_FILES:
        if name.endswith(".ttf"):
            shipped = (prebuilt.PREBUILT_DIR / name.replace(".ttf", ".woff")).read_bytes()
            assert (assets / "fonts" / name.replace(".ttf", ".woff")).read_bytes() == shipped
