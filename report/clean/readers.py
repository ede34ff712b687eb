"""Reading raw files as delivered: CSV in any encoding and delimiter, Excel with title rows and
multi-row headers. Every problem is collected with file, sheet, row and column; nothing is
written here, and the raw files are only read.
"""

from __future__ import annotations

import codecs
import csv
import difflib
import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from report.clean.config import Source
from report.clean.problems import ProblemList, did_you_mean

ROW = "_row"  # the row number in the file, as a spreadsheet shows it
HEAD_ROWS = 30  # rows kept from the top of a file, to find a header that moved
EXCEL_ERRORS = {"#DIV/0!", "#N/A", "#NAME?", "#NULL!", "#NUM!", "#REF!", "#VALUE!", "#SPILL!", "#CALC!"}


@dataclass
class Table:
    """A raw table: its columns as named in the file, the rows as objects, their row numbers."""

    file: str
    sheet: str
    frame: pd.DataFrame  # one column per header, plus ROW
    head: list[list[object]] = field(default_factory=list)  # the first rows as read, title rows included
    joiner: str = " | "  # how a header is shown in a message (the delimiter of a CSV file)


class Formula(str):
    """An Excel formula whose result the file does not hold (saved by a program that does not calculate)."""


def _looks_like_zip(data: bytes) -> bool:
    return data[:4] == b"PK\x03\x04"


def _looks_like_xls(data: bytes) -> bool:
    return data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # OLE2: Excel 97-2003 (.xls)


def _clip(text: str, limit: int = 100) -> str:
    """A long value shortened for a message, visibly."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _in_sources(src: Source) -> str:
    return f"of source {src.id} in data/sources.yml"


def _flatten_header(rows: list[list[object]]) -> list[str]:
    """Combine a multi-row header: a group name in an upper row covers the empty (merged) cells to
    its right that have a name in the lowest row; the parts are joined with ' / '."""
    width = max((len(r) for r in rows), default=0)
    filled = [
        [("" if v is None else str(v).strip()) for v in list(r) + [None] * (width - len(r))] for r in rows
    ]
    for row in filled[:-1]:
        last = ""
        for i, v in enumerate(row):
            if v:
                last = v
            elif filled[-1][i]:
                row[i] = last
    return [" / ".join(dict.fromkeys(row[i] for row in filled if row[i])) for i in range(width)]


# -- CSV -----------------------------------------------------------------------------------------


def _field_at(data: bytes, pos: int, delimiter: str) -> tuple[int, int, bytes]:
    """The line (1-based), field index (0-based) and bytes of the field that holds byte `pos`."""
    line_start = data.rfind(b"\n", 0, pos) + 1
    line_end = data.find(b"\n", pos)
    line = data[line_start : line_end if line_end >= 0 else len(data)].rstrip(b"\r")
    sep = delimiter.encode("ascii", "replace")
    index = data[line_start:pos].count(sep)
    part = line.split(sep)[index] if index < len(line.split(sep)) else line
    return data[:line_start].count(b"\n") + 1, index, part.strip().strip(b'"')


def _header_name(data: bytes, index: int, delimiter: str, encoding: str) -> str:
    first = data.split(b"\n", 1)[0].rstrip(b"\r")
    names = first.decode(encoding, "replace").split(delimiter)
    return names[index].strip().strip('"').lstrip("\ufeff") if index < len(names) else ""


def _decode(data: bytes, rel: str, src: Source, problems: ProblemList) -> str | None:
    """The text of a CSV file in the declared encoding, or None with the problem (which encoding it is)."""
    enc = src.encoding
    try:
        name = codecs.lookup(enc).name
    except LookupError:
        problems.add(
            file=rel,
            row=0,
            column="",
            value=enc,
            expected="a known text encoding (utf-8, cp1252, ...)",
            hint=f"correct 'encoding' {_in_sources(src)}",
        )
        return None
    utf8 = name in ("utf-8", "utf-8-sig")
    save_as = "UTF-8" if utf8 else enc
    if data[:2] in (b"\xff\xfe", b"\xfe\xff") and not name.startswith("utf-16"):
        problems.add(
            file=rel,
            row=0,
            column="",
            value=f"UTF-16 text (byte-order mark {data[:2].hex(' ').upper()})",
            expected=f"text in {enc}",
            hint=f"save the file as UTF-8 (CSV UTF-8), or set 'encoding: utf-16' {_in_sources(src)}",
        )
        return None
    if data.startswith(codecs.BOM_UTF8):
        if utf8:
            data = data[3:]  # a UTF-8 byte-order mark is harmless in a UTF-8 file
        else:
            try:
                data[3:].decode("utf-8")
                hint = (
                    f"the file is UTF-8: set 'encoding: utf-8' {_in_sources(src)}, or save the file as {enc}"
                )
            except UnicodeDecodeError:
                hint = (
                    f"the rest of the file is not UTF-8: remove the byte-order mark (save the file as {enc} "
                    "without BOM)"
                )
            problems.add(
                file=rel,
                row=1,
                column="",
                value="UTF-8 byte-order mark (EF BB BF)",
                expected=f"text in {enc}",
                hint=hint,
            )
            return None
    try:
        text = data.decode(enc)
    except UnicodeDecodeError as exc:
        line, index, part = _field_at(data, exc.start, src.delimiter)
        other = "cp1252" if utf8 else "utf-8"
        try:
            reads = part.decode(other)
            hint = (
                f"the file looks like {other} (there it reads {reads!r}); set 'encoding: {other}' "
                f"{_in_sources(src)}, or save the file as {save_as}"
            )
        except UnicodeDecodeError:
            hint = (
                f"the file has another encoding: set 'encoding' {_in_sources(src)}, or save it as {save_as}"
            )
        problems.add(
            file=rel,
            row=line,
            column=_header_name(data, index, src.delimiter, other) if line > 1 else "",
            value=f"0x{data[exc.start]:02x}",
            expected=f"text in {enc}",
            hint=hint,
        )
        return None
    if not utf8 and max(data, default=0) >= 0x80:
        # Text that is valid UTF-8 (with non-ASCII letters) but read as another encoding: mojibake.
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            pos = next(i for i, b in enumerate(data) if b >= 0x80)
            line, index, part = _field_at(data, pos, src.delimiter)
            problems.add(
                file=rel,
                row=line,
                column=_header_name(data, index, src.delimiter, "utf-8") if line > 1 else "",
                value=part.decode(enc, "replace"),
                expected=f"text in {enc}",
                hint=f"the file is UTF-8 (there it reads {part.decode('utf-8')!r}); set 'encoding: utf-8' "
                f"{_in_sources(src)}, or save the file as {enc}",
            )
            return None
    return text


def read_csv_table(path: Path, rel: str, src: Source, problems: ProblemList) -> Table | None:
    data = path.read_bytes()
    if not data.strip():
        problems.add(
            file=rel, row=0, column="", value="", expected="a CSV file with a header row; the file is empty"
        )
        return None
    if _looks_like_zip(data) or _looks_like_xls(data):
        kind = (
            "an Excel workbook (zip archive)" if _looks_like_zip(data) else "an Excel 97-2003 workbook (.xls)"
        )
        problems.add(
            file=rel,
            row=0,
            column="",
            value=kind,
            expected=f"a CSV text file ({src.encoding})",
            hint=f"save it as CSV, or change 'format' {_in_sources(src)}",
        )
        return None
    text = _decode(data, rel, src, problems)
    if text is None:
        return None
    if "\x00" in text:
        problems.add(
            file=rel,
            row=0,
            column="",
            value="binary data (NUL bytes)",
            expected=f"a CSV text file ({src.encoding})",
        )
        return None
    lines = list(csv.reader(io.StringIO(text, newline=""), delimiter=src.delimiter))
    complete = text.endswith(("\n", "\r"))
    head_end = src.skip_rows + src.header_rows
    if len(lines) < head_end:
        problems.add(
            file=rel,
            row=0,
            column="",
            value="",
            expected=f"{head_end} title/header row(s); the file has {len(lines)}",
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
                value=_clip(header[0]),
                expected=f"columns separated by {src.delimiter!r}",
                hint=f"the file uses {other!r}: set 'delimiter' {_in_sources(src)}",
            )
            return None
    if not complete and text.count('"') % 2:
        # The file stops inside a quoted value: the last number may be cut short without any sign.
        problems.add(
            file=rel,
            row=len(lines),
            column="",
            value=_clip(text.splitlines()[-1]),
            expected="a complete row",
            hint="the file ends inside a quoted value: it looks truncated, ask for the complete file",
            whole_file=True,  # the rest of the delivery is missing: no --allow-rejections passes this
        )
        lines = lines[:-1]
    rows, numbers = [], []
    for i, line in enumerate(lines[head_end:], start=head_end + 1):
        if not any(cell.strip() for cell in line):
            continue
        if len(line) != len(header):
            hint, truncated = "", len(line) < len(header) and i == len(lines) and not complete
            if truncated:
                hint = "the file looks truncated (it ends in this row): ask for the complete file"
            elif len(line) > len(header):
                hint = f"a value that contains {src.delimiter!r} must be in double quotes"
                pair = next(
                    (
                        f"{a}{src.delimiter}{b}"
                        for a, b in zip(line, line[1:])
                        if a.strip().isdigit() and re.fullmatch(r"\d{3}", b.strip())
                    ),
                    None,
                )
                hint += f' ("{pair}")' if pair and len(line) == len(header) + 1 else ""
            problems.add(
                file=rel,
                row=i,
                column="",
                value=_clip(src.delimiter.join(line)),
                expected=f"{len(header)} fields like the header; this row has {len(line)}",
                hint=hint,
                whole_file=truncated,
            )
            continue
        rows.append(line)
        numbers.append(i)
    if not rows and not [p for p in problems if p.file == rel]:
        problems.add(
            file=rel,
            row=0,
            column="",
            value="",
            expected=f"data rows below the header (row {head_end}); the file has none",
        )
        return None
    frame = pd.DataFrame(rows, columns=header, dtype=object)
    frame[ROW] = numbers
    return Table(rel, "", frame, head=lines[:HEAD_ROWS], joiner=src.delimiter)


# -- Excel ---------------------------------------------------------------------------------------


def _excel_cell(value: object) -> object:
    if isinstance(value, str):
        return value.strip()
    return value


def _year_like(value: object) -> bool:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return 1900 <= value <= 2100
    return isinstance(value, str) and re.fullmatch(r"\d{4}\*?", value.strip()) is not None


def _layout_words(src: Source) -> str:
    parts = []
    if src.skip_rows:
        parts.append(f"{src.skip_rows} title row" + ("s" if src.skip_rows > 1 else ""))
    parts.append("a header row" if src.header_rows == 1 else f"{src.header_rows} header rows")
    return ", ".join(parts) + " and data rows"


def read_excel_table(path: Path, rel: str, src: Source, problems: ProblemList) -> Table | None:
    import openpyxl

    data = path.read_bytes()
    if not data:
        problems.add(file=rel, row=0, column="", value="", expected="an Excel workbook; the file is empty")
        return None
    if _looks_like_xls(data):
        problems.add(
            file=rel,
            row=0,
            column="",
            value="an Excel 97-2003 workbook (.xls)",
            expected="an Excel workbook (.xlsx)",
            hint="open it in Excel and save it as .xlsx",
        )
        return None
    if not _looks_like_zip(data):
        if b"\x00" in data[:512]:
            start, hint = "binary data", "this is not an Excel workbook: ask for the .xlsx file"
        else:
            start = _clip((data[:200].decode("utf-8", "replace").splitlines() or [""])[0])
            hint = "this is a text file (CSV?): open it in Excel and save it as .xlsx"
        problems.add(file=rel, row=0, column="", value=start, expected="an Excel workbook (.xlsx)", hint=hint)
        return None
    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, EOFError) as exc:
        kind = "a damaged zip archive" if isinstance(exc, zipfile.BadZipFile | EOFError) else "a zip archive"
        problems.add(
            file=rel,
            row=0,
            column="",
            value=f"{kind} ({str(exc).strip(chr(34) + chr(39))})",
            expected="a complete Excel workbook (.xlsx)",
            hint="the file is damaged or truncated: ask for it again",
        )
        return None
    if src.sheet not in wb.sheetnames:
        close = did_you_mean(src.sheet or "", wb.sheetnames)
        problems.add(
            file=rel,
            sheet=src.sheet or "",
            row=0,
            column="",
            value=", ".join(wb.sheetnames),
            expected=f"a sheet named {src.sheet!r}",
            hint=(close + " " if close else "") + f"Rename the sheet, or set 'sheet' {_in_sources(src)}",
        )
        return None
    ws = wb[src.sheet]
    values = [[_excel_cell(c) for c in row] for row in ws.iter_rows(values_only=True)]
    while values and all(v is None or v == "" for v in values[-1]):
        values.pop()
    head_end = src.skip_rows + src.header_rows
    where = {"file": rel, "sheet": src.sheet or "", "column": ""}
    if len(values) < head_end:
        found = "the sheet is empty" if not values else f"the sheet has only {len(values)} row(s)"
        problems.add(**where, row=0, value="", expected=f"{_layout_words(src)}; {found}")
        return None
    header = _flatten_header(values[src.skip_rows : head_end])
    year_col = next((header.index(c) for c, f in src.columns.items() if f == "year" and c in header), None)
    rows, numbers = [], []
    body = values[head_end:]
    for i, row in enumerate(body, start=head_end + 1):
        if all(v is None or v == "" for v in row):
            # Notes follow the first empty row; an empty row with data below it is a fault.
            nxt = next((r for r in body[i - head_end :] if any(v not in (None, "") for v in r)), None)
            if year_col is None or nxt is None or len(nxt) <= year_col or not _year_like(nxt[year_col]):
                break
            problems.add(
                **where,
                row=i,
                value="",
                expected="a row of data; the table goes on below this empty row",
                hint="remove the empty row (an empty row ends the table; notes follow it)",
            )
            continue
        rows.append(list(row) + [None] * (len(header) - len(row)))
        numbers.append(i)
    if not rows:
        problems.add(
            **where,
            row=0,
            value="",
            expected=f"data rows below the header (row {head_end}); the sheet has none",
        )
        return None
    if any(v is None for r in rows for v in r):
        _formulas_without_result(data, src.sheet, rows, numbers)
    frame = pd.DataFrame(rows, columns=header, dtype=object)
    frame[ROW] = numbers
    return Table(rel, src.sheet or "", frame, head=values[:HEAD_ROWS])


def _formulas_without_result(
    data: bytes, sheet: str | None, rows: list[list[object]], numbers: list[int]
) -> None:
    """An empty cell may hold a formula that was never calculated: mark it, it is no missing figure."""
    import openpyxl

    ws = openpyxl.load_workbook(io.BytesIO(data), data_only=False)[sheet]
    for row, number in zip(rows, numbers):
        for j, v in enumerate(row):
            if v is None:
                formula = ws.cell(row=number, column=j + 1).value
                if isinstance(formula, str) and formula.startswith("="):
                    row[j] = Formula(formula)


def read_table(path: Path, rel: str, src: Source, problems: ProblemList) -> Table | None:
    if src.format == "excel":
        return read_excel_table(path, rel, src, problems)
    return read_csv_table(path, rel, src, problems)


# -- columns -------------------------------------------------------------------------------------


def _find_header(head: list[list[object]], expected: list[str], header_rows: int) -> int | None:
    """The number of rows above the header, when the header stands on another row than declared."""
    for start in range(0, max(0, len(head) - header_rows + 1)):
        if set(expected) <= set(_flatten_header(head[start : start + header_rows])):
            return start
    return None


def column_problems(
    file: str,
    sheet: str,
    row: int,
    found: list[str],
    expected: list[str],
    src: Source,
    problems: ProblemList,
    joiner: str = " | ",
    head: list[list[object]] | None = None,
) -> bool:
    """The header must hold exactly the declared columns (order free); True when it does."""
    missing = [c for c in expected if c not in found]
    extra = [c for c in found if c not in expected]
    if not missing and not extra:
        return True
    where = {"file": file, "sheet": sheet, "row": row}
    shown = joiner.join(found)
    if len(found) == 1 and len(expected) > 1 and joiner != " | ":
        other = next((d for d in (";", ",", "\t", "|") if d != joiner and d in found[0]), None)
        if other:
            problems.add(
                **where,
                column="",
                value=_clip(found[0]),
                expected=f"columns separated by {joiner!r}",
                hint=f"the file uses {other!r}: set 'delimiter' {_in_sources(src)}",
            )
            return False
    moved = _find_header(head or [], expected, src.header_rows) if missing else None
    if moved is not None and moved != src.skip_rows:
        titles = f"after {src.skip_rows} title row" + ("s" if src.skip_rows != 1 else "")
        problems.add(
            **where,
            column="",
            value=_clip(shown),
            expected=f"the header of source {src.id} on row {row} ({titles})",
            hint=f"the header is on row {moved + src.header_rows}: set 'skip_rows: {moved}' "
            f"{_in_sources(src)}, or restore the title rows",
        )
        return False
    renamed: dict[str, str] = {}
    for col in missing:
        close = difflib.get_close_matches(
            col, [c for c in extra if c not in renamed.values()], n=1, cutoff=0.6
        )
        if close:
            renamed[col] = close[0]
    for col in missing:
        key = "series" if col in src.series else "columns"
        if col in renamed:
            problems.add(
                **where,
                column=renamed[col],
                value=renamed[col],
                expected=f"a column {col!r}",
                hint=f"did you mean {col!r}? Rename the column, or change '{key}' {_in_sources(src)}",
            )
            continue
        hint = ""
        if src.header_rows > 1 and " / " in col:
            group, leaf = col.rsplit(" / ", 1)
            first = src.skip_rows + 1
            hint = (
                f"the header has {src.header_rows} rows ({first}-{row}): a group name such as {group!r} "
                f"covers the empty (merged) cells to its right; check the merged cells above {leaf!r}"
            )
        problems.add(
            **where,
            column=col,
            value=shown,
            expected=f"a column {col!r} in the header (source {src.id} in data/sources.yml)",
            hint=hint,
        )
    for i, col in enumerate(found):
        if col not in extra or col in renamed.values():
            continue
        if col:
            hint = (
                f"a new column? Remove it, or add it to '{'series' if src.series else 'columns'}' "
                f"{_in_sources(src)}"
            )
        else:
            hint = (
                f"a column without a name: do the lines end with {joiner!r}?"
                if joiner != " | "
                else "a column without a name: is there something to the right of the table?"
            )
        problems.add(
            **where,
            column=col or f"#{i + 1} (no name)",
            value=col,
            expected=f"only the columns of source {src.id}: {expected}",
            hint=hint,
        )
    return False


def check_columns(table: Table, expected: list[str], src: Source, problems: ProblemList) -> bool:
    found = [c for c in table.frame.columns if c != ROW]
    return column_problems(
        table.file,
        table.sheet,
        src.skip_rows + src.header_rows,
        found,
        expected,
        src,
        problems,
        joiner=table.joiner,
        head=table.head,
    )


# -- numbers -------------------------------------------------------------------------------------


# A thousands group never starts with 0 ('0.125' is no 125 in a decimal-comma file).
_NUMBER_NL = re.compile(r"^-?[1-9]\d{0,2}(\.\d{3})+(,\d+)?$|^-?\d+(,\d+)?$")
_NUMBER_EN = re.compile(r"^-?[1-9]\d{0,2}(,\d{3})+(\.\d+)?$|^-?\d+(\.\d+)?$")


def parse_number(value: object, src: Source) -> tuple[float | None, str, str]:
    """A number as the source writes it → (number, '', '') or (None, what was expected, a hint)."""
    if isinstance(value, Formula):
        return (
            None,
            "a number",
            (
                "the formula has no saved result (the file was not saved by Excel): open the "
                "file in Excel or LibreOffice and save it"
            ),
        )
    if isinstance(value, bool):
        return None, "a number", ""
    if isinstance(value, int | float):
        return float(value), "", ""
    text = "" if value is None else str(value).strip()
    if not text:
        return None, "a number; the cell is empty", ""
    if text in EXCEL_ERRORS:
        return None, "a number", "the cell holds an Excel formula error: correct the formula"
    spaced = text.replace("\u00a0", " ")
    if " " in spaced and src.thousands in (" ", ""):
        # A space groups thousands only in threes ('10 860'); '10 86' is two numbers or a typo.
        if not re.fullmatch(r"-?\d{1,3}( \d{3})+([.,]\d+)?", spaced):
            return (
                None,
                "a number; the spaces in it do not group thousands (1 234 567)",
                ("remove the space, or write the digits in groups of three"),
            )
        spaced = spaced.replace(" ", "")
    text = spaced
    symbols = " or a CBS symbol ('.' missing, 'x' secret, '-' nil)" if src.symbols == "cbs" else ""
    no_figure = (
        ""
        if symbols or not re.search(r"[^\W\d_]", text)
        else "leave the cell empty (or '.') when there is no figure"
    )
    ambiguous = _ambiguous_separator(text, src)
    if ambiguous:
        return None, ambiguous[0], ambiguous[1]
    if src.decimal == ",":
        if not _NUMBER_NL.match(text):
            hint = no_figure
            if _NUMBER_EN.match(text) and "." in text:
                hint = f"this looks like a decimal point: write {text.replace(',', '').replace('.', ',')}"
            return None, f"a number written as 1.234,5 (decimal comma){symbols}", hint
        return float(text.replace(".", "").replace(",", ".")), "", ""
    if not _NUMBER_EN.match(text):
        hint = no_figure
        if _NUMBER_NL.match(text) and "," in text:
            hint = f"this looks like a decimal comma: write {text.replace('.', '').replace(',', '.')}"
        return None, f"a number written as 1,234.5 (decimal point){symbols}", hint
    return float(text.replace(",", "")), "", ""


def _ambiguous_separator(text: str, src: Source) -> tuple[str, str] | None:
    """'24.730' where the decimal is ',' and no thousands separator is declared: 24730 or 24,73?
    Read either way, a number may be a thousand times off without a word; it is refused."""
    other = "." if src.decimal == "," else ","
    if src.thousands == other:
        return None
    if re.fullmatch(rf"-?[1-9]\d{{0,2}}{re.escape(other)}\d{{3}}", text):
        read_as = text.replace(other, "")
        decimal = text.replace(other, src.decimal)
        return (
            f"a number written with the file's separators (decimal {src.decimal!r}, "
            f"thousands {repr(src.thousands) if src.thousands else 'none'})",
            f"{text!r} is ambiguous ({read_as} or {decimal}): write it so, or set 'thousands: \"{other}\"' "
            f"{_in_sources(src)} when the file groups thousands with {other!r}",
        )
    return None


def ambiguous_in_column(
    values: list[tuple[int, object]], src: Source, excel: bool
) -> dict[int, tuple[str, str]]:
    """One rule per column: the rows whose text number the column's other cells make ambiguous.

    In a workbook a number is a number cell; text with a separator says nothing about which
    separator it is. In a CSV file, a column that groups thousands with the decimal character
    ('36.100.000' beside decimal '.') makes every '41.000' in it ambiguous."""
    out: dict[int, tuple[str, str]] = {}
    texts = [(row, v.strip()) for row, v in values if isinstance(v, str) and not isinstance(v, Formula)]
    if excel:
        for row, text in texts:
            if re.fullmatch(r"-?\d[\d.,\u00a0 ]*\d", text) and re.search(r"[.,]", text):
                out[row] = (
                    "a number cell; this cell is text with a separator",
                    f"type it as a number in Excel (is {text!r} {text.replace('.', '').replace(',', '')} or "
                    f"{text.replace(',', '.') if text.count(',') == 1 and '.' not in text else text}?)",
                )
        return out
    d = re.escape(src.decimal)
    grouped = [text for _, text in texts if re.fullmatch(rf"-?\d{{1,3}}({d}\d{{3}}){{2,}}", text)]
    if grouped:
        for row, text in texts:
            if re.fullmatch(rf"-?\d{{1,3}}{d}\d{{3}}", text):
                out[row] = (
                    f"one way of writing numbers in this column (decimal {src.decimal!r})",
                    f"{text!r} is ambiguous: {grouped[0]!r} in the same column groups thousands with "
                    f"{src.decimal!r}; write {text.replace(src.decimal, '')} or set the separators "
                    f"{_in_sources(src)}",
                )
    return out
