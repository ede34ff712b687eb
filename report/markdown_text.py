"""Strings from data and the registry are text, never markup.

A note, a name, a caption or a caveat lands in generated Markdown that Pandoc (and Quarto) read:
'*ster*' would turn italic, '$5$' into math, '@sec-import' into a reference, '<script>' into raw
HTML and '{{< include … >}}' into a file of the reader's choosing. Each character Pandoc's
Markdown gives a meaning is escaped with a backslash, which Pandoc reads as that character,
literally (``all_symbols_escapable``), in every output format; so is what would start a list or
a definition at the start of a line. Line breaks become spaces, so a string stays inside the
paragraph, list item or cell it was put in. Double quotes stay straight; the punctuation of
plain text (. , ; : ( ) ' -) is left as it is, so the text reads the same.
"""

from __future__ import annotations

import re

_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#+!$@~^|&=\"])")
_LINE_START = re.compile(r"^(\d+[.)]|[-:%])(?=\s|$)")  # '1. ', '2) ', '- ', ': ' start a list; '%' a title


def escape(text: object) -> str:
    """Markdown that shows `text` literally."""
    # Line breaks become spaces; other spaces (a no-break space before a unit) stay as they are.
    out = _SPECIAL.sub(r"\\\1", re.sub(r"[ \t]*[\r\n\v\f\u2028\u2029]+[ \t]*", " ", str(text)))
    return _LINE_START.sub(lambda m: m.group(0)[:-1] + "\\" + m.group(0)[-1], out)
