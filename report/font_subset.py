"""The Latin subsets of the project's fonts: the HTML site's web fonts, and the fonts the figures
are drawn with.

The site serves them as WOFF (report/render/html.py; shipped ready-made, report/render/prebuilt.py).
The figure workers draw with smaller subsets of their own, as TrueType: vl-convert opens, maps
and parses a font file for every text it measures and every glyph it draws (some 3,000 times a
figure), and the cost grows with the file: drawing the demo's 30 figures takes ~4.8 s of CPU with
the 110 kB site subsets and ~4.1 s with the 36 kB figure subsets (Latin-1, punctuation, € and −,
no hinting instructions, which vl-convert does not apply), against ~5.5 s with the whole 510 kB
fonts. A figure reads the same with any of them (a subset keeps every glyph, kerning pair and
ligature of the characters it keeps; tests/test_figures.py compares the files), and a figure
with a character outside its subset is drawn with the whole fonts (:func:`covers`).
"""

from __future__ import annotations

import hashlib
import json
import struct
import zlib
from pathlib import Path

# The characters the subsets keep: Latin (with ï, é, ë, ...), general punctuation
# (– — ‘ ’ “ ” …), superscripts (¹), € and − ; anything else falls back to the system font.
FONT_UNICODES = (
    list(range(0x20, 0x250))
    + list(range(0x2000, 0x2070))
    + [0x20AC, 0x2122, 0x2190, 0x2191, 0x2192, 0x2193, 0x2212, 0x25B8, 0x25BE]
)
# How the subsets are made (with FONT_UNICODES): part of what a shipped subset was made from
# (report/render/prebuilt.py), so a change here is never served a subset made the old way.
SUBSET_OPTIONS = {"flavor": "woff", "layout_features": ["*"], "name_IDs": ["*"], "notdef_outline": True}
SUBSET_RECIPE = hashlib.sha256(
    json.dumps([FONT_UNICODES, SUBSET_OPTIONS, "recalcTimestamp=False", "reorderTables=False"]).encode()
).hexdigest()[:16]
_KEPT = frozenset(map(chr, FONT_UNICODES))

# The figures' subsets: what Vega writes with the nl-NL locale (digits, "." and ",", − U+2212,
# %, € and the no-break space, µ) and what titles, labels and notes are written in (Latin-1:
# ï, é, ë, ...; dashes, quotes, …, ‰). Without hinting instructions: vl-convert's renderer
# does not apply them, so the glyphs it draws are the same.
FIGURE_UNICODES = (
    list(range(0x20, 0x7F))
    + list(range(0xA0, 0x100))
    + list(range(0x2010, 0x2028))
    + [0x2009, 0x202F, 0x2030, 0x2039, 0x203A, 0x20AC, 0x2122, 0x2190, 0x2191, 0x2192, 0x2193, 0x2212]
)
FIGURE_SUBSET_OPTIONS = {**SUBSET_OPTIONS, "hinting": False}
FIGURE_SUBSET_RECIPE = hashlib.sha256(
    json.dumps(
        [FIGURE_UNICODES, FIGURE_SUBSET_OPTIONS, "recalcTimestamp=False", "reorderTables=False"]
    ).encode()
).hexdigest()[:16]
FIGURE_KEPT = frozenset(map(chr, FIGURE_UNICODES))


def covers(text: str, kept: frozenset[str] = _KEPT) -> bool:
    """Whether a subset (``kept``: its characters) holds every character of ``text`` (a figure's
    spec as JSON text, in which control characters are escapes)."""
    return set(text) <= kept


def make_subset(source: Path | str, unicodes: list[int], options: dict) -> bytes:
    """The subset of the font file ``source`` that keeps ``unicodes``, made with fontTools and
    ``options`` (SUBSET_OPTIONS, FIGURE_SUBSET_OPTIONS): the same bytes every time."""
    import io

    from fontTools import subset
    from fontTools.ttLib import TTFont

    opts = subset.Options()
    for name, value in options.items():
        setattr(opts, name, value)
    font = TTFont(str(source), recalcTimestamp=False)
    subsetter = subset.Subsetter(opts)
    subsetter.populate(unicodes=unicodes)
    subsetter.subset(font)
    font.flavor = options.get("flavor")
    buf = io.BytesIO()
    font.save(buf, reorderTables=False)
    return buf.getvalue()


def woff_to_sfnt(woff: bytes) -> bytes:
    """The TrueType/OpenType font a WOFF 1.0 file holds: its tables as they were, unpacked,
    behind a new table directory (W3C WOFF 1.0, section 4)."""
    signature, flavor, _length, count = struct.unpack_from(">4sIIH", woff, 0)
    if signature != b"wOFF":
        raise ValueError("not a WOFF 1.0 file")
    tables = []
    for n in range(count):
        tag, offset, packed, size, checksum = struct.unpack_from(">4sIIII", woff, 44 + 20 * n)
        data = woff[offset : offset + packed]
        tables.append((tag, checksum, zlib.decompress(data) if packed < size else data))
    tables.sort()
    power = 1 << (count.bit_length() - 1)
    out = [struct.pack(">IHHHH", flavor, count, power * 16, power.bit_length() - 1, (count - power) * 16)]
    at = 12 + 16 * count
    for tag, checksum, data in tables:
        out.append(struct.pack(">4sIII", tag, checksum, at, len(data)))
        at += (len(data) + 3) & ~3
    for _tag, _checksum, data in tables:
        out.append(data + b"\0" * (-len(data) % 4))
    return b"".join(out)


def figure_fonts(font_dir: Path, folder: Path) -> tuple[Path, frozenset[str]] | None:
    """A folder (inside ``folder``) with a shipped subset of every font in ``font_dir``, as
    TrueType, and the characters the subsets keep: the figures' own subsets, else the site's;
    None when a font has neither (another font, another fontTools): the figures are then drawn
    with the fonts themselves."""
    from report.render.prebuilt import FIGURE_FONTS, SITE_FONTS, font_subset

    fonts = sorted(Path(font_dir).glob("*.[ot]tf"))
    if not fonts or any(source.suffix != ".ttf" for source in fonts):
        return None
    for section, recipe, kept in (
        (FIGURE_FONTS, FIGURE_SUBSET_RECIPE, FIGURE_KEPT),
        (SITE_FONTS, SUBSET_RECIPE, _KEPT),
    ):
        woffs = {source.name: font_subset(source, recipe, section) for source in fonts}
        if all(woff is not None for woff in woffs.values()):
            out = Path(folder) / "fonts"
            out.mkdir(parents=True, exist_ok=True)
            for name, woff in woffs.items():
                (out / name).write_bytes(woff_to_sfnt(woff))
            return out, kept
    return None
