"""The Quarto route without Quarto: finding the launcher, and the DOCX post-processing of
Quarto's output shape. Quarto puts every numbered table with its caption in a one-cell table;
the post-processing lifts both out, so the DOCX holds the same native tables as the embedded
engine's; other tables stay as they are. (tests/test_quarto.py renders with real Quarto.)"""

from __future__ import annotations

import copy
import subprocess
from pathlib import Path

import docx
import pypandoc
import pytest
from docx.oxml import OxmlElement
from docx.oxml.ns import qn

from report.errors import MonitorError
from report.render import quarto_path, render
from report.render.docx import postprocess_docx

FIXTURE = Path(__file__).parent / "fixtures" / "mini_book"

MARKDOWN = """# Bijlage

| Jaar | Aantal |
|------|-------:|
| 2023 | 1.234 |
| 2024 | 1.301 |

: Aantal per jaar {#tbl-aantal}

| Alleen |
|--------|
| tekst  |
"""


def _wrap_in_one_cell_table(body, blocks: list) -> None:
    """Put ``blocks`` (caption paragraph and table) into a 1×1 table, as Quarto's DOCX does."""
    outer = OxmlElement("w:tbl")
    outer.append(OxmlElement("w:tblPr"))
    row = OxmlElement("w:tr")
    cell = OxmlElement("w:tc")
    cell.append(OxmlElement("w:tcPr"))
    outer.append(row)
    row.append(cell)
    blocks[0].addprevious(outer)
    for block in blocks:
        cell.append(block)
    cell.append(OxmlElement("w:p"))  # Quarto's empty paragraph after the table


def test_quarto_table_float_is_unwrapped(tmp_path: Path):
    path = tmp_path / "quarto-shape.docx"
    subprocess.run(
        [pypandoc.get_pandoc_path(), "-f", "markdown", "-o", str(path)], input=MARKDOWN.encode(), check=True
    )
    doc = docx.Document(str(path))
    body = doc.element.body
    tables = body.xpath("./w:tbl")
    caption = tables[0].getprevious()
    assert "Aantal per jaar" in "".join(caption.xpath(".//w:t/text()"))
    caption.xpath("./w:pPr/w:pStyle")[0].set(qn("w:val"), "ImageCaption")  # Quarto's caption style
    _wrap_in_one_cell_table(body, [caption, tables[0]])
    other = copy.deepcopy(tables[1])
    doc.save(str(path))
    assert len(docx.Document(str(path)).element.body.xpath(".//w:tbl//w:tbl")) == 1

    postprocess_docx(path, [], None, date="2025-06-30")

    body = docx.Document(str(path)).element.body
    assert not body.xpath(".//w:tbl//w:tbl")
    tables = body.xpath("./w:tbl")
    assert len(tables) == 2
    caption = tables[0].getprevious()
    assert caption.xpath("string(./w:pPr/w:pStyle/@w:val)") == "TableCaption"
    assert "".join(caption.xpath(".//w:t/text()")).startswith("Aantal per jaar")
    assert "".join(tables[1].xpath(".//w:t/text()")) == "".join(other.xpath(".//w:t/text()"))


def test_quarto_named_by_QUARTO_must_exist(monkeypatch, tmp_path: Path):
    launcher = tmp_path / "quarto"
    monkeypatch.setenv("QUARTO", str(launcher))
    assert quarto_path() is None
    with pytest.raises(MonitorError, match="Quarto is not installed.*QUARTO"):
        render(FIXTURE, formats=("pdf",), engine="quarto")
    launcher.write_text("#!/bin/sh\n")
    assert quarto_path() == str(launcher)
