"""The Latin subsets of the project's fonts: the HTML site's web fonts, and the fonts the figures
are drawn with.

The site serves them as WOFF (report/render/html.py; shipped ready-made, report/render/prebuilt.py).
The figure workers draw with the same subsets as TrueType: vl-convert opens and maps a font file
for every text it measures or draws (some 3,000 times a figure), and a 110 kB subset costs the
kernel far less each time than the 510 kB font: ~15 % of the drawing's CPU. A figure reads the
same with either (the subset keeps every glyph, kerning pair and ligature of the characters it
keeps; tests/test_figures.py compares the files), and a figure with a character outside the
subset is drawn with the whole fonts (:func:`covers`).
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


def covers(text: str) -> bool:
    """Whether the subsets hold every character of ``text`` (a figure's spec as JSON text, in
    which control characters are escapes)."""
    return set(text) <= _KEPT


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


def figure_fonts(font_dir: Path, folder: Path) -> Path | None:
    """A folder (inside ``folder``) with the shipped subset of every font in ``font_dir``, as
    TrueType; None when a font has no shipped subset (another font, another fontTools): the
    figures are then drawn with the fonts themselves."""
    from report.render.prebuilt import font_subset

    fonts = sorted(Path(font_dir).glob("*.[ot]tf"))
    subsets = {}
    for source in fonts:
        woff = font_subset(source, SUBSET_RECIPE)
        if woff is None or source.suffix != ".ttf":
            return None
        subsets[source.name] = woff_to_sfnt(woff)
    if not subsets:
        return None
    out = Path(folder) / "fonts"
    out.mkdir(parents=True, exist_ok=True)
    for name, data in subsets.items():
        (out / name).write_bytes(data)
    return out
