"""The PNG that Word needs for a chapter's own SVG picture (one without a PNG beside it).

Word shows a picture's PNG; Pandoc puts an SVG in only as Word 2016's extension, which
LibreOffice and older Word do not read. The figures of the build have their PNG; for other SVG
pictures the DOCX render makes one here (vl-convert's resvg, the project's fonts), into the
render's temporary folder, never beside the sources. Apart from python-docx (report/render/docx.py),
so that Pandoc's DOCX run need not wait for that import.
"""

from __future__ import annotations

from pathlib import Path

from report.errors import MonitorError


def svg_fallbacks(book, out_dir: Path) -> Path | None:
    """PNGs (2×, drawn by vl-convert's resvg with the project's fonts) for the SVG pictures the
    book names that have no PNG beside them, and a JSON map {svg path: png path} for monitor.lua
    (``MONITOR_PNG_FALLBACKS``); None when there are none. The figures of the build have theirs."""
    import hashlib
    import json

    from report.figure_export import PNG_SCALE, register_fonts
    from report.render.format_cache import referenced_files
    from report.render.pdf import fonts_dir

    wanted = [p for p in referenced_files(book) if p.suffix == ".svg" and not p.with_suffix(".png").is_file()]
    if not wanted:
        return None
    import vl_convert as vlc

    from report.cache import Cache, digest, files_hash

    fonts = fonts_dir(book)
    cache = Cache.of_project(book.root)
    drawn = [vlc.__version__, PNG_SCALE, files_hash(sorted(p for p in fonts.glob("*") if p.is_file()))]
    out_dir.mkdir(parents=True, exist_ok=True)
    mapping = {}
    for svg in wanted:
        png = out_dir / (hashlib.sha256(svg.as_posix().encode()).hexdigest()[:16] + ".png")
        text = svg.read_text(encoding="utf-8")
        key = digest("svg-png", text, drawn)
        entry = cache.get("svg-png", key)  # the same picture drawn before (a render after an edit)
        if entry is not None:
            entry.copy_to(png, "picture.png")
        else:
            register_fonts(fonts)
            try:
                png.write_bytes(vlc.svg_to_png(text, scale=PNG_SCALE))
            except Exception as exc:  # vl-convert raises ValueError for SVG it cannot draw
                raise MonitorError(
                    f"{svg}: could not make the PNG that Word needs for this SVG: {exc}"
                ) from None
            cache.put("svg-png", key, {"picture.png": png})
        mapping[svg.as_posix()] = png.as_posix()
    path = out_dir / "fallbacks.json"
    path.write_text(json.dumps(mapping, sort_keys=True), encoding="utf-8")
    return path
