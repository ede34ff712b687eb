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

from report.clean.config import Limits, Source
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


def _wide_text(data: bytes) -> str:
    """'UTF-16 (little-endian, no byte-order mark)' and the like, for text in 2 or 4 bytes a letter."""
    boms = [
        (codecs.BOM_UTF32_LE, "UTF-32 (little-endian, with byte-order mark)"),
        (codecs.BOM_UTF32_BE, "UTF-32 (big-endian, with byte-order mark)"),
    ]
    for bom, name in boms:
        if data.startswith(bom):
            return name
    if data[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        return ""  # said by _decode, which knows UTF-16 with a byte-order mark
    sample = data[:4096]
    if len(sample) < 8 or sample.count(0) < len(sample) // 3:
        return ""
    quads = [sample[i::4] for i in range(4)]
    zeros = [q.count(0) / max(len(q), 1) for q in quads]
    if zeros[1] > 0.9 and zeros[2] > 0.9 and zeros[3] > 0.9:
        return "UTF-32 (little-endian, no byte-order mark)"
    if zeros[0] > 0.9 and zeros[1] > 0.9 and zeros[2] > 0.9:
        return "UTF-32 (big-endian, no byte-order mark)"
    even, odd = sample[0::2].count(0) / (len(sample) / 2), sample[1::2].count(0) / (len(sample) / 2)
    if odd > 0.6 and even < 0.1:
        return "UTF-16 (little-endian, no byte-order mark)"
    if even > 0.6 and odd < 0.1:
        return "UTF-16 (big-endian, no byte-order mark)"
    return ""


def _unclosed_quote(text: str) -> int | None:
    """The row (1-based) where a quoted value opens that never closes, or None."""
    if text.count('"') % 2 == 0:
        return None
    inside, opened = False, 0
    for m in re.finditer('"', text):
        inside = not inside
        if inside:
            opened = m.start()
    return text.count("\n", 0, opened) + 1 if inside else None


def read_csv_table(path: Path, rel: str, src: Source, problems: ProblemList) -> Table | None:
    data = path.read_bytes()
    if not data.strip():
        problems.add(
            file=rel, row=0, column="", value="", expected="a CSV file with a header row; the file is empty"
        )
        return None
    wide = _wide_text(data)
    if wide:
        problems.add(
            file=rel,
            row=0,
            column="",
            value=f"{wide} text",
            expected=f"text in {src.encoding}",
            hint=f"save the file as UTF-8 (CSV UTF-8), or set 'encoding: {wide.split()[0].lower()}' "
            f"{_in_sources(src)}",
        )
        return None
    if _looks_like_zip(data) or _looks_like_xls(data):
        kind = "an Excel workbook (zip archive)" if _looks_like_zip(data) else _ole2_kind(data)
        if _looks_like_zip(data):
            kind = (_workbook_problem(data, Limits()) or (kind,))[0] if b"mimetype" in data[:100] else kind
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
    opened = _unclosed_quote(text)
    if opened is not None and (text.endswith(("\n", "\r")) or opened < text.count("\n") + 1):
        line = text.splitlines()[opened - 1] if opened <= len(text.splitlines()) else ""
        problems.add(
            file=rel,
            row=opened,
            column="",
            value=_clip(line),
            expected='a quoted value that ends (every opening " has its closing ")',
            hint=f"the quote opened in row {opened} is never closed: the rest of the file would be read as "
            'one value. Close the quote, or remove it (a " inside a value is written "")',
            whole_file=True,
        )
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


OLE2_ENCRYPTED = "EncryptedPackage".encode("utf-16-le")  # a password-protected .xlsx is an OLE2 file
ZIP_KINDS = {
    "application/vnd.oasis.opendocument.spreadsheet": "an OpenDocument spreadsheet (.ods)",
    "application/vnd.oasis.opendocument.text": "an OpenDocument text (.odt)",
}


def _workbook_problem(data: bytes, limits: Limits) -> tuple[str, str, str] | None:
    """(what the file is, what was expected, what to do) when it is no workbook openpyxl should
    parse: not an .xlsx, or a zip archive that asks for more work than the limits allow. Checked
    from the zip's directory and the first bytes of each part, before anything is unpacked."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return None  # openpyxl says how it is damaged
    names = {i.filename for i in infos}
    if "mimetype" in names:
        kind = archive.read("mimetype")[:100].decode("ascii", "replace").strip()
        what = ZIP_KINDS.get(kind, f"a zip archive of type {kind!r}")
        return what, "an Excel workbook (.xlsx)", "open it in Excel or LibreOffice and save it as .xlsx"
    if "xl/workbook.xml" not in names and not any(n.startswith("xl/") for n in names):
        shown = ", ".join(sorted(names)[:3]) + (" …" if len(names) > 3 else "")
        return (
            f"a zip archive without a workbook ({shown})",
            "an Excel workbook (.xlsx)",
            "ask for the .xlsx file itself",
        )
    mb = 1_000_000
    if len(infos) > limits.max_entries:
        return (
            f"a zip archive of {len(infos)} parts",
            f"at most {limits.max_entries} parts (limits.max_entries in data/sources.yml)",
            "a workbook has some dozens: is this a zip bomb? Ask for the file again",
        )
    total = sum(i.file_size for i in infos)
    for i in infos:
        ratio = i.file_size / max(i.compress_size, 1)
        if i.file_size > limits.max_entry_mb * mb:
            return (
                f"a part {i.filename} of {i.file_size / mb:.0f} MB unpacked",
                f"at most {limits.max_entry_mb:g} MB per part (limits.max_entry_mb in data/sources.yml)",
                "raise the limit in data/sources.yml if the workbook is really this large",
            )
        if i.file_size > mb and ratio > limits.max_ratio:
            return (
                f"a part {i.filename} that unpacks {ratio:.0f} times its size ({i.file_size / mb:.0f} MB)",
                f"at most {limits.max_ratio:g} times (limits.max_ratio in data/sources.yml)",
                "a sheet compresses some tens of times: is this a zip bomb? Ask for the file again",
            )
    if total > limits.max_total_mb * mb:
        return (
            f"a workbook of {total / mb:.0f} MB unpacked",
            f"at most {limits.max_total_mb:g} MB (limits.max_total_mb in data/sources.yml)",
            "raise the limit in data/sources.yml if the workbook is really this large",
        )
    for i in infos:
        if not i.filename.endswith((".xml", ".rels", ".vml")):
            continue
        with archive.open(i) as part:
            prolog = part.read(1 << 16)
        # What comes before the root element: a DTD can only stand there (defusedxml stops the rest).
        root = re.search(rb"<[A-Za-z_]", prolog)
        head = prolog[: root.start()] if root else prolog
        if (
            b"<!DOCTYPE" in head.upper()
            or b"<!ENTITY" in head.upper()
            or root is None
            and len(prolog) == 1 << 16
        ):
            return (
                f"a part {i.filename} that declares a DTD or entities",
                "an Excel workbook (its XML never declares entities)",
                "entities can expand without bound or read other files: the file is not read; "
                "ask for the file again",
            )
    return None


@dataclass
class SheetFacts:
    """What a sheet's XML says beyond its values, read by streaming it (no cell objects)."""

    state: str = "visible"  # or 'hidden', 'veryHidden'
    last_value_row: int = 0  # the last row with a value in it
    hidden_rows: list[int] = field(default_factory=list)
    hidden_columns: list[tuple[int, int]] = field(default_factory=list)
    merged: list[str] = field(default_factory=list)
    other_visible: list[str] = field(default_factory=list)  # the workbook's visible sheets


_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_HIDDEN_ROW = re.compile(rb'<row\b[^>]*\bhidden="(?:1|true)"[^>]*>')
_ROW_NUMBER = re.compile(rb'\br="(\d+)"')
_HIDDEN = re.compile(rb'\bhidden="(?:1|true)"')
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"


def _sheet_facts(data: bytes, sheet: str) -> SheetFacts | None:
    """The sheet's visibility, hidden rows and columns, merged ranges and last row with a value."""
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        book = etree.fromstring(archive.read("xl/workbook.xml"), parser)
        rels = etree.fromstring(archive.read("xl/_rels/workbook.xml.rels"), parser)
    except (KeyError, zipfile.BadZipFile, etree.XMLSyntaxError, OSError, ValueError):
        return None
    targets = {r.get("Id"): r.get("Target", "") for r in rels}
    facts, part = SheetFacts(), None
    for s in book.iter(f"{_NS}sheet"):
        state = s.get("state", "visible")
        if s.get("name") == sheet:
            facts.state = state
            target = targets.get(s.get(_REL), "")
            part = target.lstrip("/") if target.startswith("/") else "xl/" + target
        elif state == "visible":
            facts.other_visible.append(s.get("name", ""))
    if part is None or part not in archive.namelist():
        return None
    # A scan of the bytes, not an XML parse: a sheet styled to row 1.048.576 is millions of
    # elements, which a parser takes tens of seconds over. The part's size is bounded (limits).
    xml = archive.read(part)
    if b"<row" not in xml and b":row" in xml:
        xml = re.sub(rb"<(/?)\w+:", rb"<\1", xml)  # prefixed tags (<x:row>): rare, drop the prefix
    body_start = max(xml.find(b"<sheetData"), 0)
    body_end = xml.rfind(b"</sheetData>")
    body_end = len(xml) if body_end < 0 else body_end
    last = max(xml.rfind(b"<v>", body_start, body_end), xml.rfind(b"<is>", body_start, body_end))
    if last >= 0:
        row_at = xml.rfind(b"<row", body_start, last)
        found = _ROW_NUMBER.search(xml, row_at, xml.find(b">", row_at)) if row_at >= 0 else None
        facts.last_value_row = int(found.group(1)) if found else xml.count(b"<row", body_start, last)
    for m in _HIDDEN_ROW.finditer(xml, body_start, last if last >= 0 else body_start):
        found = _ROW_NUMBER.search(m.group(0))
        if found:
            facts.hidden_rows.append(int(found.group(1)))
    for m in re.finditer(rb"<col\b([^>]*)>", xml[:body_start]):
        attrs = m.group(1)
        if _HIDDEN.search(attrs):
            lo, hi = re.search(rb'\bmin="(\d+)"', attrs), re.search(rb'\bmax="(\d+)"', attrs)
            facts.hidden_columns.append((int(lo.group(1)) if lo else 0, int(hi.group(1)) if hi else 0))
    for m in re.compile(rb'<mergeCell\b[^>]*\bref="([^"]+)"').finditer(xml, body_end):
        facts.merged.append(m.group(1).decode("ascii", "replace"))
    return facts


def _column_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index)


def _ole2_kind(data: bytes) -> str:
    if OLE2_ENCRYPTED in data[: 1 << 20] or OLE2_ENCRYPTED in data[-(1 << 20) :]:
        return "a password-protected (encrypted) Excel workbook"
    return "an Excel 97-2003 workbook (.xls)"


def read_excel_table(
    path: Path, rel: str, src: Source, problems: ProblemList, limits: Limits | None = None
) -> Table | None:
    import openpyxl

    limits = limits or Limits()
    data = path.read_bytes()
    if not data:
        problems.add(file=rel, row=0, column="", value="", expected="an Excel workbook; the file is empty")
        return None
    if _looks_like_xls(data) and _ole2_kind(data).startswith("a password"):
        problems.add(
            file=rel,
            row=0,
            column="",
            value=_ole2_kind(data),
            expected="an Excel workbook (.xlsx) without a password",
            hint="open it in Excel with the password and save it without one (File > Info > Protect "
            "Workbook), or ask the supplier for an unprotected copy",
        )
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
    refused = _workbook_problem(data, limits)
    if refused:
        problems.add(file=rel, row=0, column="", value=refused[0], expected=refused[1], hint=refused[2])
        return None
    facts = _sheet_facts(data, src.sheet or "")
    if facts is not None and facts.last_value_row > limits.max_rows:
        problems.add(
            file=rel,
            sheet=src.sheet or "",
            row=0,
            column="",
            value=f"data down to row {facts.last_value_row}",
            expected=f"at most {limits.max_rows} rows (limits.max_rows in data/sources.yml)",
            hint="raise the limit in data/sources.yml if the sheet really holds this many rows",
        )
        return None
    try:
        # Read-only: the cells are streamed, and only up to the last row with data.
        wb = openpyxl.load_workbook(io.BytesIO(data), data_only=True, read_only=True)
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
    last = facts.last_value_row if facts is not None else None
    values, formats = [], []
    try:
        for row in ws.iter_rows(max_row=last) if last else ([] if last == 0 else ws.iter_rows()):
            values.append([_excel_cell(getattr(c, "value", None)) for c in row])
            formats.append([getattr(c, "number_format", "General") or "General" for c in row])
    except Exception as exc:  # noqa: BLE001 - defusedxml and the XML parsers refuse in their own words
        problems.add(
            file=rel,
            sheet=src.sheet or "",
            row=0,
            column="",
            value=f"XML that cannot be read safely ({type(exc).__name__}: {_clip(str(exc), 80)})",
            expected="a complete Excel workbook (.xlsx)",
            hint="the file is damaged or was made to attack the reader: ask for it again",
        )
        return None
    finally:
        wb.close()
    while values and all(v is None or v == "" for v in values[-1]):
        values.pop()
    head_end = src.skip_rows + src.header_rows
    where = {"file": rel, "sheet": src.sheet or "", "column": ""}
    if facts is not None and not _sheet_is_plain(facts, rel, src, head_end, problems):
        return None
    if len(values) < head_end:
        found = "the sheet is empty" if not values else f"the sheet has only {len(values)} row(s)"
        problems.add(**where, row=0, value="", expected=f"{_layout_words(src)}; {found}")
        return None
    header = _flatten_header(values[src.skip_rows : head_end])
    repeated = sorted({h for h in header if h and header.count(h) > 1})
    if repeated:
        for name in repeated:
            cols = [_column_letter(i + 1) for i, h in enumerate(header) if h == name]
            problems.add(
                **{**where, "column": name},
                row=head_end,
                value=name,
                expected="a column name used once in the header",
                hint=f"{name!r} heads columns {', '.join(cols)}: rename one, or remove the column that "
                "is not meant",
            )
        return None
    marked = _format_markers(values, formats, head_end, header, src)
    if marked:
        for row, col, value, fmt in marked:
            problems.add(
                **{**where, "column": col},
                row=row,
                value=f"{value} (format {fmt})",
                expected="a value as typed, without a marker shown only by the cell's number format",
                hint="the format shows text the cell does not hold (e.g. '2024*' for provisional): type "
                "the marker in the cell ('2024*'), or use the 'status' column",
            )
        return None
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


def _sheet_is_plain(facts: SheetFacts, rel: str, src: Source, head_end: int, problems: ProblemList) -> bool:
    """A hidden sheet, hidden rows or columns and merged data cells are never read silently."""
    where = {"file": rel, "sheet": src.sheet or "", "column": ""}
    before = len(problems)
    if facts.state != "visible":
        visible = ", ".join(repr(n) for n in facts.other_visible) or "none"
        problems.add(
            **where,
            row=0,
            value=f"a {facts.state} sheet",
            expected="a visible sheet (a hidden sheet is often an old copy)",
            hint=f"the visible sheets are {visible}: make the sheet visible if it is the current one, or "
            f"set 'sheet' {_in_sources(src)}",
        )
    rows = [r for r in facts.hidden_rows if r <= facts.last_value_row]
    if rows:
        problems.add(
            **where,
            row=rows[0],
            value=f"hidden rows {_ranges(rows)}",
            expected="no hidden rows in the table",
            hint="unhide the rows and check them: delete them if they do not belong in the delivery",
        )
    for lo, hi in facts.hidden_columns:
        cols = _column_letter(lo) + (f"-{_column_letter(hi)}" if hi != lo else "")
        if hi >= 16384:
            continue  # every column after the table hidden: nothing is hidden in it
        problems.add(
            **where,
            row=0,
            value=f"hidden columns {cols}",
            expected="no hidden columns in the table",
            hint="unhide the columns and check them: delete them if they do not belong in the delivery",
        )
    for ref in facts.merged:
        first_row = int(re.sub(r"[A-Z$]", "", ref.split(":")[0]) or 0)
        if first_row > head_end:
            problems.add(
                **{**where, "column": ref},
                row=first_row,
                value=f"merged cells {ref}",
                expected="one value per cell below the header",
                hint="merged cells hold their value in the first cell only: unmerge them and fill every cell",
            )
    return len(problems) == before


def _ranges(rows: list[int]) -> str:
    out, start = [], rows[0]
    for a, b in zip(rows, rows[1:] + [None]):
        if b != a + 1:
            out.append(f"{start}" if start == a else f"{start}-{a}")
            start = b
    return ", ".join(out)


def _format_markers(values, formats, head_end: int, header: list[str], src: Source) -> list[tuple]:
    """Number cells whose format shows text ('0"*"', '0\\*', '0 "(v)"'): the value shown is not the value."""
    out = []
    for i, (row, fmts) in enumerate(zip(values, formats)):
        if i < head_end:
            continue
        for j, (v, fmt) in enumerate(zip(row, fmts)):
            if isinstance(v, int | float) and not isinstance(v, bool) and isinstance(fmt, str):
                shown = re.sub(r"\[[^\]]*\]", "", fmt)  # colours, conditions, locales
                if re.search(r'"[^"]+"|\\.', shown) and not re.fullmatch(
                    r'[#0.,\s]*(\\ |" ")*[#0.,\s]*', shown
                ):
                    out.append((i + 1, header[j] if j < len(header) else _column_letter(j + 1), v, fmt))
    return out


def _formulas_without_result(
    data: bytes, sheet: str | None, rows: list[list[object]], numbers: list[int]
) -> None:
    """An empty cell may hold a formula that was never calculated: mark it, it is no missing figure."""
    import openpyxl

    wb = openpyxl.load_workbook(io.BytesIO(data), data_only=False, read_only=True)
    ws = wb[sheet]
    at = dict(zip(numbers, rows))
    for number, cells in enumerate(ws.iter_rows(max_row=max(numbers), values_only=True), start=1):
        row = at.get(number)
        if row is None:
            continue
        for j, v in enumerate(row):
            formula = cells[j] if j < len(cells) else None
            if v is None and isinstance(formula, str) and formula.startswith("="):
                row[j] = Formula(formula)
    wb.close()


def read_table(
    path: Path, rel: str, src: Source, problems: ProblemList, limits: Limits | None = None
) -> Table | None:
    if src.format == "excel":
        return read_excel_table(path, rel, src, problems, limits)
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
                digits = re.sub(r"[^\d-]", "", text)
                cut = max(text.rfind("."), text.rfind(","))
                decimal = float(re.sub(r"[^\d-]", "", text[:cut]) + "." + text[cut + 1 :])
                out[row] = (
                    "a number cell; this cell is text with a separator, which a workbook does not say how "
                    "to read",
                    f"type it as a number in Excel: is it {digits} or {decimal:g}?",
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
