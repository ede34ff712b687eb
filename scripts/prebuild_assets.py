"""Make the site assets that ship ready-made (report/render/prebuilt.py) and their manifest.

    python scripts/prebuild_assets.py

Run it after upgrading vl-convert or fontTools (scripts/lock.sh --upgrade), after changing the
fonts in fonts/ or a subset recipe in report/font_subset.py, and commit
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

    from report import font_subset
    from report.render import html, prebuilt

    subsets, figure_subsets = {}, {}
    for name in html.FONT_FILES:
        source = html.PROJECT_FONTS / name
        if source.suffix == ".ttf":
            subsets[source] = html._font_subset(str(source), source.stat().st_mtime)
            figure_subsets[source] = font_subset.make_subset(
                source, font_subset.FIGURE_UNICODES, font_subset.FIGURE_SUBSET_OPTIONS
            )
    manifest = prebuilt.write_prebuilt(
        vlc.javascript_bundle(),
        subsets,
        html.SUBSET_RECIPE,
        figure_subsets,
        font_subset.FIGURE_SUBSET_RECIPE,
    )
    print(
        f"wrote {manifest.parent.relative_to(ROOT)}/ ({len(subsets)} font subsets for the site, "
        f"{len(figure_subsets)} for the figures, the Vega bundle)"
    )


if __name__ == "__main__":
    main()
