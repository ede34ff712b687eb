"""Source anchors (report/render/anchors.py): every block marked, nothing else changed."""

from __future__ import annotations

import subprocess

from report.render.anchors import AnchorTable, decode_properties, mark_blocks
from report.render.book import load_book
from report.render.pandoc import pandoc_path

SOURCE = """# Kop {#sec-kop}

Een alinea over
twee regels.

- eerste punt
  loopt door
- tweede punt

| Jaar | Waarde |
|------|-------:|
| 2024 | 12 |

: Bijschrift {#tbl-x}

![Figuur](/a.svg){#fig-a fig-alt="x"}

::: {.callout-note title="Let op"}
In een kader.
:::

<!-- een opmerking
     over twee regels -->

```python
code()
```

+-----+-----+
| a   | b   |
+=====+=====+
| 1   | 2   |
+-----+-----+

<div>ruwe html</div>

    ingesprongen code

[^1]: Een voetnoot.

> Een citaat
> over twee regels.
"""


def marked() -> tuple[list[str], AnchorTable]:
    table = AnchorTable()
    return mark_blocks(SOURCE.split("\n"), 1, "chapters/x.qmd", table), table


def test_each_block_gets_one_anchor_with_its_line_range():
    lines, table = marked()
    got = {(a.start, a.end): lines[a.start - 1] for a in table.anchors}
    assert [(a.start, a.end) for a in table.anchors] == [
        (1, 1),  # heading
        (3, 4),  # paragraph over two lines
        (6, 7),  # list item with its continuation
        (8, 8),
        (10, 10),  # table rows (header and body), not the separator
        (12, 12),
        (14, 14),  # table caption
        (16, 16),  # figure (the span goes inside the caption)
        (19, 19),  # text in a callout
        (39, 39),  # footnote
        (41, 42),  # quote
    ], got
    assert lines[0] == "# []{#src_1}Kop {#sec-kop}"
    assert lines[15] == '![[]{#src_8}Figuur](/a.svg){#fig-a fig-alt="x"}'
    assert lines[9] == "| []{#src_5}Jaar | Waarde |"
    assert lines[38] == "[^1]: []{#src_10}Een voetnoot."
    assert lines[40] == "> []{#src_11}Een citaat" and lines[41] == "> over twee regels."


def test_code_comments_grid_tables_and_raw_html_are_left_alone():
    lines, _ = marked()
    source = SOURCE.split("\n")
    for lineno in [18, 20, *range(22, 38)]:  # fences, comment, code, grid table, html, indented code
        assert lines[lineno - 1] == source[lineno - 1], (lineno, lines[lineno - 1])


def plain(markdown: str) -> str:
    return subprocess.run(
        [pandoc_path(), "-f", "markdown", "-t", "plain", "--wrap=none", "--columns=100000"],
        input=markdown,
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def test_anchors_change_no_text_of_the_real_book(built_project):
    """The anchored document reads exactly like the plain one (the spans are empty)."""
    book = load_book(built_project, source_anchors=True)
    assert len(book.anchors.anchors) > 800
    assert plain(book.anchored_markdown) == plain(book.markdown)
    assert book.anchored_markdown.count("[]{#src_") == len(book.anchors.anchors)


def test_anchor_table_round_trip_in_document_properties(tmp_path):
    _, table = marked()
    (tmp_path / "chapters").mkdir()
    (tmp_path / "chapters" / "x.qmd").write_text(SOURCE, encoding="utf-8")
    props = table.properties("mini-monitor", "2025-0123abcd", tmp_path)
    assert all(len(v) <= 255 for v in props.values())  # Word's limit for a property value
    anchors, hashes = decode_properties(props)
    assert [(a.n, a.file, a.start, a.end) for a in anchors.values()] == [
        (a.n, a.file, a.start, a.end) for a in table.anchors
    ]
    assert len(hashes["chapters/x.qmd"]) == 16
