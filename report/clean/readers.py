"""Reading raw files as delivered: CSV in any encoding and delimiter, Excel with title rows and
multi-row headers. Every problem is collected with file, sheet, row and column; nothing is
written here, and the raw files are only read.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from report.clean.config import Source
from report.clean.problems import ProblemList, did_you_mean

ROW = "_row"  # the row number in the file, as a spreadsheet shows it


@dataclass
class Table:
    """A raw table: its columns as named in the file, the rows as objects, their row numbers."""

    file: str
    sheet: str
    frame: pd.DataFrame  # one column per header, plus ROW


def _looks_like_zip(data: bytes) -> bool:
    return data[:4] == b"PK\x03\x04"


def _flatten_header(rows: list[list[object]]) -> list[str]:
    """Combine a multi-row header: merged cells spread to the right, parts joined with ' / '."""
    width = max(len(r) for r in rows)
    filled = []
    for r in rows:
        r = list(r) + [None] * (width - len(r))
        last = None
        out = []
        for i, v in enumerate(r):
            text = "" if v is None else str(v).strip()
            # A merged (or empty) cell in an upper header row continues the group to its left.
            if not text and last is not None and rows.index(r) < len(rows) - 1 if False else False:
                text = last
            out.append(text)
            if text:
                last = text
        filled.append(out)
    # Spread upper-row group names over the empty cells to their right (merged cells).
    for row in filled[:-1]:
        last = ""
        for i, v in enumerate(row):
            if v:
                last = v
            elif filled[-1][i]:
                row[i] = last
    names = []
    for i in range(width):
        parts = [row[i] for row in filled if row[i]]
        names.append(" / ".join(dict.fromkeys(parts)))
    return names


def read_csv_table(path: Path, rel: str, src: Source, problems: ProblemList) -> Table | None:
    data = path.read_bytes()
    if not data.strip():
        problems.add(file=rel, row=0, column="", value="", expected="a CSV file with a header row; the file is empty")
        return None
    if _looks_like_zip(data):
        problems.add(
            file=rel,
            row=0,
            column="",
            value="",
            expected=f"a CSV text file ({src.encoding}); this file is a zip archive, probably an Excel workbook",
            hint="save it as CSV or change 'format' of source " + src.id,
        )
        return None
    bom = data.startswith(b"\xef\xbb\xbf")
    if bom and src.encoding.lower().replace("-", "") in ("utf8", "utf8sig"):
        data = data[3:]  # a UTF-8 byte-order mark is harmless in a UTF-8 file
    elif bom:
        problems.add(
            file=rel,
            row=1,
            column="",
            value="UTF-8 byte-order mark",
            expected=f"text in {src.encoding}",
            hint="the file is UTF-8; set 'encoding: utf-8' for source " + src.id + " or save it as " + src.encoding,
        )
        return None
    try:
        text = data.decode(src.encoding)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        problems.add(
            file=rel,
            row=line,
            column="",
            value=data[exc.start : exc.start + 1].hex(" ").join(["0x", ""]),
            expected=f"text in {src.encoding}",
            hint="the file has another encoding (Windows-1252 or UTF-8?); set 'encoding' of source " + src.id,
        )
        return None
    if "\x00" in text:
        problems.add(file=rel, row=0, column="", value="NUL bytes", expected="a text file (UTF-16 or binary?)")
        return None
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=src.delimiter)
    lines = list(reader)
    head_end = src.skip_rows + src.header_rows
    if len(lines) < head_end:
        problems.add(
            file=rel, row=0, column="", value="", expected=f"{head_end} title/header row(s); the file has {len(lines)}"
        )
        return None
    header = _flatten_header(lines[src.skip_rows : head_end])
    if len(header) == 1 and src.delimiter not in header[0]:
        other = next((d for d in (";", ",", "\t", "|") if d != src.delimiter and d in header[0]), None)
        if other:
            problems.add(
                file=rel,
                row=src.skip_rows + 1,
                column="",
                value=header[0][:60],
                expected=f"columns separated by {src.delimiter!r}",
                hint=f"the file uses {other!r}; set 'delimiter' of source {src.id}",
            )
            return None
    rows, numbers = [], []
    for i, line in enumerate(lines[head_end:], start=head_end + 1):
        if not any(cell.strip() for cell in line):
            continue
        if len(line) != len(header):
            last = i == len(lines)
            problems.add(
                file=rel,
                row=i,
                column="",
                value=src.delimiter.join(line)[:80],
                expected=f"{len(header)} fields like the header, found {len(line)}",
                hint="the file looks truncated" if last and len(line) < len(header) else "",
            )
            continue
        rows.append(line)
        numbers.append(i)
    frame = pd.DataFrame(rows, columns=header, dtype=object)
    frame[ROW] = numbers
    return Table(rel, "", frame)


def _excel_cell(value: object) -> object:
    if isinstance(value, str):
        return value.strip()
    return value


def read_excel_table(path: Path, rel: str, src: Source, problems: ProblemList) -> Table | None:
    import openpyxl

    data = path.read_bytes()
    if not data:
        problems.add(file=rel, row=0, column="", value="", expected="an Excel workbook; the file is empty")
        return None
    if not _looks_like_zip(data):
        start = data[:40].decode("utf-8", "replace").splitlines()[0] if data else ""
        problems.add(
            file=rel,
            row=0,
            column="",
            value=start,
            expected="an Excel workbook (.xlsx); this is not one, it looks like a text file",
            hint="save it as .xlsx or declare the source as CSV",
        )
        return None
    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        problems.add(
            file=rel,
            row=0,
            column="",
            value=type(exc).__name__,
            expected="a complete Excel workbook; it is damaged or truncated",
        )
        return None
    if src.sheet not in wb.sheetnames:
        problems.add(
            file=rel,
            row=0,
            column="",
            value=src.sheet or "",
            expected=f"a sheet named {src.sheet!r}; the workbook has {wb.sheetnames}",
            hint=did_you_mean(src.sheet or "", wb.sheetnames),
        )
        return None
    ws = wb[src.sheet]
    values = [[_excel_cell(c) for c in row] for row in ws.iter_rows(values_only=True)]
    head_end = src.skip_rows + src.header_rows
    if len(values) < head_end:
        problems.add(
            file=rel,
            sheet=src.sheet,
            row=0,
            column="",
            value="",
            expected=f"{head_end} title/header row(s); the sheet has {len(values)}",
        )
        return None
    header = _flatten_header(values[src.skip_rows : head_end])
    rows, numbers = [], []
    for i, row in enumerate(values[head_end:], start=head_end + 1):
        if all(v is None or v == "" for v in row):
            break  # footnotes follow the first empty row
        rows.append(list(row) + [None] * (len(header) - len(row)))
        numbers.append(i)
    frame = pd.DataFrame(rows, columns=header, dtype=object)
    frame[ROW] = numbers
    return Table(rel, src.sheet or "", frame)


def read_table(path: Path, rel: str, src: Source, problems: ProblemList) -> Table | None:
    if src.format == "excel":
        return read_excel_table(path, rel, src, problems)
    return read_csv_table(path, rel, src, problems)


def check_columns(table: Table, expected: list[str], src: Source, problems: ProblemList) -> bool:
    """The header must hold exactly the declared columns (order free)."""
    found = [c for c in table.frame.columns if c != ROW]
    row = src.skip_rows + src.header_rows
    ok = True
    for col in expected:
        if col not in found:
            problems.add(
                file=table.file,
                sheet=table.sheet,
                row=row,
                column=col,
                value="",
                expected=f"a column {col!r}; the header has {found}",
                hint=did_you_mean(col, [c for c in found if c not in expected]),
            )
            ok = False
    for col in found:
        if col not in expected:
            problems.add(
                file=table.file,
                sheet=table.sheet,
                row=row,
                column=col,
                value=col,
                expected=f"only the columns of source {src.id}: {expected}",
                hint="an extra column: add it to 'columns' or 'series' in data/sources.yml if it is new",
            )
            ok = False
    return ok


_NUMBER_NL = re.compile(r"^-?\d{1,3}(\.\d{3})*(,\d+)?$|^-?\d+(,\d+)?$")
_NUMBER_EN = re.compile(r"^-?\d{1,3}(,\d{3})*(\.\d+)?$|^-?\d+(\.\d+)?$")


def parse_number(value: object, src: Source) -> tuple[float | None, str]:
    """A number as the source writes it → (number, '') or (None, what was expected)."""
    if isinstance(value, bool):
        return None, "a number"
    if isinstance(value, int | float):
        return float(value), ""
    text = "" if value is None else str(value).strip()
    if not text:
        return None, "a number; the cell is empty"
    if text.startswith("#") and text.endswith(("!", "?", "A")):
        return None, "a number; the cell holds an Excel formula error"
    text = text.replace("\u00a0", "").replace(" ", "") if src.thousands in (" ", "") else text
    if src.decimal == ",":
        if not _NUMBER_NL.match(text):
            en = _NUMBER_EN.match(text) and ("." in text)
            return None, (
                "a number written as 1.234,5 (decimal comma)"
                + ("; this looks like 1,234.5 (decimal point)" if en else "")
            )
        return float(text.replace(".", "").replace(",", ".")), ""
    if not _NUMBER_EN.match(text):
        nl = _NUMBER_NL.match(text) and ("," in text)
        return None, (
            "a number written as 1,234.5 (decimal point)" + ("; this looks like 1.234,5 (decimal comma)" if nl else "")
        )
    return float(text.replace(",", "")), ""
