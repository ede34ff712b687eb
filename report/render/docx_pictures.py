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


# -- stand-ins: Pandoc embeds a picture's header, the post-processing the picture -------------

# The keyword of the PNG text chunk that marks a stand-in (and says which picture it stands for).
STAND_IN = b"monitor-stand-in"
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _chunk(kind: bytes, data: bytes) -> bytes:
    import struct
    import zlib

    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _stand_in(png: bytes, number: int) -> bytes | None:
    """A PNG of the chunks ``png`` has before its pixels (IHDR: size; pHYs: resolution; the rest
    as they are, so Pandoc reads the same size and DPI), no pixels, and a text chunk that names
    it. None when ``png`` is not a PNG this can read."""
    import struct
    import zlib

    if not png.startswith(_PNG_SIGNATURE):
        return None
    out, at = [_PNG_SIGNATURE], len(_PNG_SIGNATURE)
    while at + 8 <= len(png):
        (length,) = struct.unpack(">I", png[at : at + 4])
        kind = png[at + 4 : at + 8]
        if kind == b"IDAT":
            break
        out.append(png[at : at + 12 + length])
        at += 12 + length
    else:
        return None
    if len(out) < 2 or out[1][4:8] != b"IHDR":
        return None
    # Pandoc reads the size only when pixel data follow: an empty one (no pixels to decode)
    out.append(_chunk(b"IDAT", zlib.compress(b"")))
    out.append(_chunk(b"tEXt", STAND_IN + b"\x00" + str(number).encode()))
    out.append(_chunk(b"IEND", b""))
    return b"".join(out)


def picture_stand_ins(book, out_dir: Path, fallbacks: Path | None) -> tuple[Path | None, dict[bytes, Path]]:
    """Stand-ins for the PNGs the DOCX shows for SVG pictures (the figures' and
    :func:`svg_fallbacks`'), and a map {PNG path: stand-in} for monitor.lua
    (``MONITOR_PNG_STAND_INS``), which puts each stand-in in Pandoc's media under its PNG's
    path: Pandoc names and orders the pictures as before.

    Pandoc reads a picture for its size and deflates it into the DOCX: 9 MB of PNG, ~0.25 s
    of every DOCX render, though a picture seldom changes. With a stand-in (the PNG's header
    chunks, no pixels) Pandoc lays the picture out the same; the post-processing then puts the
    picture in (report/render/docx.py), deflated once and kept in the cache. Returns the map's
    path (None: no stand-ins) and {stand-in bytes: the PNG it stands for}."""
    import json

    from report.render.format_cache import referenced_files

    made = json.loads(fallbacks.read_text(encoding="utf-8")) if fallbacks is not None else {}
    mapping: dict[str, str] = {}
    pictures: dict[bytes, Path] = {}
    for n, svg in enumerate(p for p in referenced_files(book) if p.suffix == ".svg"):
        png = Path(made.get(svg.as_posix()) or svg.with_suffix(".png"))  # as monitor.lua's png_for
        if not png.is_file():
            continue  # Pandoc embeds the SVG itself (monitor.lua finds no PNG either)
        stand_in = _stand_in(png.read_bytes(), n)
        if stand_in is None:
            continue  # not a PNG this reads: Pandoc embeds it as it is
        out_dir.mkdir(parents=True, exist_ok=True)
        path = out_dir / f"{n}.png"
        path.write_bytes(stand_in)
        mapping[png.as_posix()] = path.as_posix()
        pictures[stand_in] = png
    if not mapping:
        return None, pictures
    path = out_dir / "stand-ins.json"
    path.write_text(json.dumps(mapping, sort_keys=True), encoding="utf-8")
    return path, pictures


def deflated_picture(root: Path, png: bytes) -> bytes:
    """``png`` deflated as zipfile deflates at level 6 (raw deflate), from the cache when done
    before: the same bytes as deflating it now."""
    import hashlib
    import zlib

    from report.cache import Cache, digest

    cache = Cache.of_project(root)
    key = digest("deflated-picture", hashlib.sha256(png).hexdigest(), zlib.ZLIB_VERSION)
    entry = cache.get("deflated-picture", key)
    if entry is not None:
        return entry.file("picture.deflate").read_bytes()
    compressor = zlib.compressobj(6, zlib.DEFLATED, -15)
    deflated = compressor.compress(png) + compressor.flush()
    cache.put("deflated-picture", key, {"picture.deflate": deflated})
    return deflated
