"""Make the site assets that ship ready-made (report/render/prebuilt.py) and their manifest.

    python scripts/prebuild_assets.py

Run it after upgrading vl-convert or fontTools (scripts/lock.sh --upgrade), after changing the
fonts in fonts/ or the subset recipe in report/render/html.py, and commit
report/render/assets/prebuilt/. tests/test_prebuilt.py fails until then. Without it nothing is
wrong, only slower: a render makes what is not shipped itself.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    import vl_convert as vlc

    from report.render import html, prebuilt

    subsets = {}
    for name in html.FONT_FILES:
        source = html.PROJECT_FONTS / name
        if source.suffix == ".ttf":
            subsets[source] = html._font_subset(str(source), source.stat().st_mtime)
    manifest = prebuilt.write_prebuilt(vlc.javascript_bundle(), subsets, html.SUBSET_RECIPE)
    print(f"wrote {manifest.parent.relative_to(ROOT)}/ ({len(subsets)} font subsets, the Vega bundle)")


if __name__ == "__main__":
    main()
