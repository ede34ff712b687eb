"""Record-level files (one row per seizure): read, checked and aggregated with vectorised pandas,
so millions of rows clean in seconds. Quantities are summed in whole grams: exact, whatever the
order of the rows.

Speed (scripts/benchmark_clean.py: 5 million rows): the file is read by Arrow's multi-threaded
CSV reader straight into pandas' Arrow-backed strings. A file Arrow refuses is looked into only
then: a row with more or fewer fields than the header and text that is not UTF-8 are reported
with their row (and column), as the table readers report them; whatever else (an odd header, a
line of spaces) is read again by pandas, so that the problems it reports stay the same. Columns
with few distinct values (date, drug, unit) are checked once per distinct value and the result
spread over the rows; quantities are parsed by Arrow (the same doubles as pandas.to_numeric, see
MAX_FAST_LENGTH); markets travel as categorical codes, and the aggregation groups on integers.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import mmap
import re
import unicodedata
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from report.clean.config import Source
from report.clean.problems import ProblemList, did_you_mean
from report.clean.readers import _clip, _decode
from report.registry import Registry

MAX_PROBLEMS_PER_CHECK = 200
# One seizure of at most a million tonnes: 5 million of them still sum exactly in int64 grams.
MAX_KG = 1e9  # a file with a systematic fault: show enough rows, not a million
# Quantities of up to 12 characters are parsed by Arrow: below 10^12 Arrow and pandas.to_numeric
# give the same double, and times 1000 it is still an exact integer, as pandas' int64 would be.
MAX_FAST_LENGTH = 12
# What pandas.read_csv(dtype=str) gives: from pandas 3 on Arrow-backed text ("str"), which Arrow's
# own reader can hand over without a copy; before, Python objects (then pandas reads the file).
TEXT = pd.Series([], dtype=str).dtype
ARROW_TEXT = isinstance(TEXT, pd.StringDtype) and TEXT.storage == "pyarrow"
# From pandas 3 on a groupby on a categorical column groups the values present (observed=True),
# so markets can travel as categorical codes; before, as text, as they always did.
CATEGORICAL_MARKETS = int(pd.__version__.split(".")[0]) >= 3


def read_records(path: Path, rel: str, src: Source, problems: ProblemList) -> pd.DataFrame | None:
    with path.open("rb") as f:
        data_start = f.read(4)
    if not data_start:
        problems.add(
            file=rel, row=0, column="", value="", expected="a CSV file with a header row; the file is empty"
        )
        return None
    if data_start == b"PK\x03\x04":
        problems.add(
            file=rel,
            row=0,
            column="",
            value="",
            expected="a CSV text file; this file is a zip archive, probably an Excel workbook",
        )
        return None
    frame, refused = _read_with_arrow(path, src)
    by_arrow = frame is not None
    # What Arrow refused is reported without reading the file again with pandas (seconds, and a
    # gigabyte, for millions of rows); should it find nothing, pandas reads the file as ever.
    if refused == "fields" and _field_count_problems(path, rel, src, problems):
        return None
    if refused == "utf-8" and _encoding_problem(path, rel, src, problems):
        return None
    if frame is None:
        frame = _read_with_pandas(path, rel, src, problems)
        if frame is None:
            return None
    if frame.columns.size and frame.columns[0].startswith("\ufeff"):
        frame = frame.rename(columns={frame.columns[0]: frame.columns[0][1:]})
    if not by_arrow and frame.columns.size and sorted(frame.columns) == sorted(src.columns):
        # pandas fills the missing fields of a short row: NaN before pandas 3, '' from then on, so a
        # short row looks like one with empty cells. Its last cell is empty: only then are the fields
        # counted (Arrow refuses a short row, so never after the fast read). A header that is not the
        # declared one is reported as such (pipeline), not as millions of rows that differ from it.
        last = frame.iloc[:, -1]
        if (last.isna() | last.eq("")).any() and _field_count_problems(path, rel, src, problems):
            return None
    frame.index = _row_numbers(path, src, len(frame))  # the rows as a spreadsheet numbers them
    short = frame.isna().any(axis=1)
    if short.any():
        # pandas (before 3) fills missing fields with NaN: a row with fewer fields than the header
        # (when the fields could not be counted above).
        last = frame.index[-1]
        for row in frame.index[short.to_numpy()][:MAX_PROBLEMS_PER_CHECK]:
            problems.add(
                file=rel,
                row=int(row),
                column="",
                value=src.delimiter.join(frame.loc[row].dropna()),
                expected=f"{frame.columns.size} fields like the header",
                hint="the file looks truncated" if row == last else "",
            )
        return None
    return frame


_BLANK_LINE = re.compile(rb"\n[ \t\r]*\n")


def _row_numbers(path: Path, src: Source, n: int) -> pd.Index:
    """Row numbers of the data rows. Both readers skip blank lines, so after one the numbers
    would drift; a file with blank lines is counted line by line (a search finds them fast)."""
    first = src.skip_rows + 2
    plain = pd.RangeIndex(first, first + n)
    with path.open("rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as data:
        if _BLANK_LINE.search(data) is None:
            return plain
        numbers = [
            i
            for i, line in enumerate(io.BytesIO(data).read().splitlines(), start=1)
            if i >= first and line.strip()
        ]
    # A quoted value over several lines would make the count wrong: then keep the plain numbers.
    return pd.Index(numbers) if len(numbers) == n else plain


def _read_with_pandas(path: Path, rel: str, src: Source, problems: ProblemList) -> pd.DataFrame | None:
    """The file read by pandas (when Arrow could not read it), or None with the problems.

    A failure is looked into after the `except`: its traceback holds what pandas had read so far.
    """
    try:
        return pd.read_csv(
            path,
            sep=src.delimiter,
            dtype=str,
            keep_default_na=False,
            encoding=src.encoding,
            engine="c",
            skiprows=src.skip_rows,
        )
    except UnicodeDecodeError as exc:
        undecodable, tokenizer = str(exc.object[exc.start : exc.start + 1]), None
    except pd.errors.ParserError as exc:
        undecodable, tokenizer = None, str(exc)
    except pd.errors.EmptyDataError:
        problems.add(
            file=rel, row=0, column="", value="", expected="a CSV file with a header row; the file is empty"
        )
        return None
    if undecodable is not None:
        if not _encoding_problem(path, rel, src, problems):
            problems.add(
                file=rel,
                row=0,
                column="",
                value=undecodable,
                expected=f"text in {src.encoding}",
                hint="set 'encoding' of source " + src.id,
            )
        return None
    eof = re.search(r"EOF inside string starting at row (\d+)", tokenizer)  # 0 = the first line
    if eof:
        problems.add(
            file=rel,
            row=int(eof.group(1)) + 1,
            column="",
            value=_clip(_last_line(path, src.encoding)),
            expected="a complete row",
            hint="the file ends inside a quoted value: it looks truncated, ask for the complete file",
        )
    elif not _field_count_problems(path, rel, src, problems):
        problems.add(file=rel, row=0, column="", value="", expected=f"a well-formed CSV file ({tokenizer})")
    return None


def _encoding_problem(path: Path, rel: str, src: Source, problems: ProblemList) -> bool:
    """Text that is not in the declared encoding, reported as for the tables (readers._decode: row,
    column, how it reads in the other encoding); True when reported.

    The file is decoded piece by piece to find the first byte that is no text. _decode is handed a
    stand-in with the same rows: the first line (the column names), as many empty lines as come
    before the line with that byte, and that line; not the whole file, twice over, in memory.
    """
    decoder = codecs.getincrementaldecoder(src.encoding)()
    offset, pos = 0, None
    with path.open("rb") as f:
        while pos is None:
            chunk = f.read(1 << 24)
            pending = len(decoder.getstate()[0])  # the bytes of a character cut at the last piece's end
            try:
                decoder.decode(chunk, final=not chunk)
            except UnicodeDecodeError as exc:
                pos = offset - pending + exc.start
            if not chunk:
                break
            offset += len(chunk)
    if pos is None:
        return False
    with path.open("rb") as f:
        first = f.read(1 << 16).split(b"\n", 1)[0]
        start = max(0, pos - (1 << 16))
        f.seek(start)
        window = f.read(1 << 17)
        line_start = window.rfind(b"\n", 0, pos - start) + 1
        line_end = window.find(b"\n", pos - start)
        f.seek(0)
        before, newlines = start + line_start, 0
        while before > 0 and (chunk := f.read(min(1 << 24, before))):
            newlines += chunk.count(b"\n")
            before -= len(chunk)
    line = window[line_start : line_end if line_end >= 0 else len(window)]
    stand_in = (first + b"\n" * newlines if newlines else b"") + line
    return _decode(stand_in, rel, src, problems) is None


def _field_count_problems(path: Path, rel: str, src: Source, problems: ProblemList) -> bool:
    """Rows with more or fewer fields than the header, reported as the table readers do; True if any.

    Counted by Arrow (quote-aware, one column converted: about a second for 5 million rows), or by
    the csv module without pyarrow. A line of spaces is no row, as for pandas.
    """
    found = _rows_with_other_field_counts(path, src)
    if found is None:
        return False
    bad, count, last_row = found
    if not bad:
        return False
    shown = bad[:MAX_PROBLEMS_PER_CHECK]
    if bad[-1] not in shown and bad[-1][0] == last_row and bad[-1][3] < bad[-1][2]:
        shown.append(bad[-1])  # a cut-off last row is worth seeing, however many rows came before
    for row, text, expected, has in shown:
        truncated = has < expected and row == last_row
        if truncated:
            hint = "the file looks truncated (it ends in this row): ask for the complete file"
        elif has > expected:
            hint = f"a value that contains {src.delimiter!r} must be in double quotes"
            fields = next(csv.reader([text], delimiter=src.delimiter), [])
            pair = next(
                (
                    f"{a}{src.delimiter}{b}"
                    for a, b in zip(fields, fields[1:])
                    if a.strip().isdigit() and re.fullmatch(r"[0-9]{3}", b.strip())
                ),
                None,
            )
            hint += f' ("{pair}")' if pair and has == expected + 1 else ""
        else:
            hint = ""
        problems.add(
            file=rel,
            row=row,
            column="",
            value=_clip(text),
            expected=f"{expected} fields like the header; this row has {has}",
            hint=hint,
            whole_file=truncated,
        )
    if count > len(shown):
        problems.add(
            file=rel,
            row=0,
            column="",
            value="",
            expected=f"{bad[0][2]} fields like the header — and {count - len(shown)} more rows like these",
        )
    return True


BadRow = tuple[int, str, int, int]  # row number, its text, fields of the header, fields of the row


def _rows_with_other_field_counts(path: Path, src: Source) -> tuple[list[BadRow], int, int] | None:
    """(the first of the rows whose number of fields differs from the header's and the last one,
    how many there are, the number of the last row), or None when the file cannot be read so."""
    bad: list[BadRow] = []
    count = rows = 0

    def keep(row: BadRow) -> None:
        nonlocal count
        count += 1
        if len(bad) <= MAX_PROBLEMS_PER_CHECK:
            bad.append(row)
        else:
            bad[-1] = row

    try:
        import pyarrow as pa
        import pyarrow.csv as pacsv
    except ImportError:
        pa = None
    try:
        if pa is not None:
            seen = 0

            def invalid(row) -> str:
                nonlocal seen
                seen += 1
                text = row.text.rstrip("\r\n")
                if text.strip():  # a line of spaces: a blank line to pandas
                    keep((row.number or 0, text, row.expected_columns, row.actual_columns))
                return "skip"

            read = pacsv.ReadOptions(
                skip_rows=src.skip_rows,
                encoding=_arrow_encoding(src.encoding),
                use_threads=False,
                autogenerate_column_names=True,
                block_size=1 << 22,
            )
            parse = pacsv.ParseOptions(
                delimiter=src.delimiter,
                invalid_row_handler=invalid,
                newlines_in_values=_may_quote(path, src.encoding),
            )
            convert = pacsv.ConvertOptions(include_columns=["f0"], column_types={"f0": pa.binary()})
            with pacsv.open_csv(path, read_options=read, parse_options=parse, convert_options=convert) as r:
                rows = sum(batch.num_rows for batch in r) + seen  # the header, too
        else:
            with path.open(encoding=src.encoding, errors="replace", newline="") as f:
                lines = csv.reader(f, delimiter=src.delimiter)
                for _ in range(src.skip_rows):
                    next(lines, None)
                width = None
                for fields in lines:
                    if not fields:
                        continue  # an empty line: no row for pandas or Arrow
                    rows += 1
                    if width is None:
                        width = len(fields)
                    elif len(fields) != width and (len(fields) > 1 or fields[0].strip()):
                        keep((src.skip_rows + rows, src.delimiter.join(fields), width, len(fields)))
    except Exception:  # noqa: BLE001 - a file that cannot be read so: pandas' own message stands
        return None
    return bad, count, src.skip_rows + rows


def _last_line(path: Path, encoding: str) -> str:
    with path.open("rb") as f:
        f.seek(max(0, path.stat().st_size - 4096))
        tail = f.read()
    return (tail.decode(encoding, "replace").splitlines() or [""])[-1]


def _arrow_encoding(encoding: str) -> str:
    return encoding if codecs.lookup(encoding).name != "utf-8" else "utf8"


def _read_with_arrow(path: Path, src: Source) -> tuple[pd.DataFrame | None, str]:
    """(the file as pandas would read it: all text, '' for an empty cell, ''), or (None, why) to let
    pandas read it.

    Arrow refuses what pandas would read differently (rows with too few or too many fields,
    text that is not in the encoding, a line of spaces), and a header pandas would rename
    (an empty or repeated column name) is left to pandas too: pandas then reports the problem
    exactly as before. Why Arrow refused, when that saves reading the file with pandas: "fields"
    (a row with another number of fields than the declared header) or "utf-8" (text that is not).
    """
    if not ARROW_TEXT:
        return None, ""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    names: list[str] = []
    try:
        read = pacsv.ReadOptions(
            skip_rows=src.skip_rows, encoding=_arrow_encoding(src.encoding), block_size=1 << 22
        )
        # A line break inside a quoted value needs the slower, quote-aware splitting of the file
        # into blocks; without a quote character in the file there can be none.
        may_quote = _may_quote(path, src.encoding)
        if may_quote and not _quotes_balanced(path, src.encoding):
            return None, ""  # cut inside a quoted value: Arrow takes the cut value, pandas says where
        parse = pacsv.ParseOptions(delimiter=src.delimiter, newlines_in_values=may_quote)
        with pacsv.open_csv(path, read_options=read, parse_options=parse) as reader:
            names = reader.schema.names
        if "" in names or len(set(names)) != len(names):
            return None, ""
        convert = pacsv.ConvertOptions(
            column_types={n: pa.large_string() for n in names},
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        )
        table = pacsv.read_csv(path, read_options=read, parse_options=parse, convert_options=convert)
    except Exception as exc:  # noqa: BLE001 - whatever Arrow refuses, pandas reads (or reports) as before
        declared = sorted([names[0].lstrip("\ufeff"), *names[1:]] if names else []) == sorted(src.columns)
        if declared and re.match(r"CSV parse error: Expected \d+ columns, got \d+", str(exc)):
            return None, "fields"
        if "invalid UTF8" in str(exc) and _arrow_encoding(src.encoding) == "utf8":
            return None, "utf-8"
        return None, ""
    if table.column_names != names or any(t != pa.large_string() for t in table.schema.types):
        return None, ""
    return table.to_pandas(types_mapper={pa.large_string(): TEXT}.get), ""


ASCII_BASED = {"utf-8", "utf-8-sig", "ascii", "cp1252", "iso8859-1", "iso8859-15"}


def _may_quote(path: Path, encoding: str) -> bool:
    """Could the file hold a quoted value? Only a file without a '"' byte surely does not."""
    if codecs.lookup(encoding).name not in ASCII_BASED:
        return True
    with path.open("rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as data:
        return data.find(b'"') != -1


def _quotes_balanced(path: Path, encoding: str) -> bool:
    """Does every quoted value end? A file cut inside one has an odd number of '"' (a quote doubled
    inside a value counts twice). Counted only in a file that has a '"' at all."""
    if codecs.lookup(encoding).name not in ASCII_BASED:
        return True
    quotes = 0
    with path.open("rb") as f:
        while chunk := f.read(1 << 24):
            quotes += chunk.count(b'"')
    return quotes % 2 == 0


def _report(
    problems: ProblemList, rel: str, frame: pd.DataFrame, mask, column: str, expected: str, hint_for=None
) -> None:
    rows = frame.index[np.asarray(mask, dtype=bool)]
    for row in rows[:MAX_PROBLEMS_PER_CHECK]:
        value = frame.at[row, column]
        problems.add(
            file=rel,
            row=int(row),
            column=column,
            value=str(value),
            expected=expected,
            hint=hint_for(str(value)) if hint_for else "",
        )
    if len(rows) > MAX_PROBLEMS_PER_CHECK:
        problems.add(
            file=rel,
            row=0,
            column=column,
            value="",
            expected=f"{expected} — and {len(rows) - MAX_PROBLEMS_PER_CHECK} more rows like these",
        )


def _per_value(column: pd.Series, check: Callable[[pd.Series], pd.Series]) -> tuple[np.ndarray, pd.Series]:
    """`check` run once per distinct value of a column: (the row's code, the results per code).

    Equal to running it on the whole column, as long as `check` works value by value; a date,
    drug or unit column of millions of rows has some thousands of distinct values.
    """
    codes, uniques = pd.factorize(column, use_na_sentinel=False)
    return codes, check(pd.Series(uniques, dtype=column.dtype)).reset_index(drop=True)


def clean_records(
    frame: pd.DataFrame, rel: str, src: Source, registry: Registry, problems: ProblemList
) -> tuple[pd.DataFrame, int]:
    """Rows → seizures (market, year, grams, large) with their row numbers; returns (good rows, rejected)."""
    field = {v: k for k, v in src.columns.items()}
    agg = src.aggregate
    ind = registry.indicator_by_id[agg.indicator]
    allowed = ind.markets_of(ind.measure(agg.count))
    bad = np.zeros(len(frame), dtype=bool)

    for col in src.columns:
        if col in frame and src.columns[col] in ("date", "market", "quantity", "unit"):
            mask = frame[col].eq("").to_numpy(dtype=bool)
            if mask.any():
                _report(problems, rel, frame, mask, col, "a value; the cell is empty")
                bad |= mask

    # Date → year, checked against the declared format.
    codes, dates = _per_value(
        frame[field["date"]], lambda v: pd.to_datetime(v, format=src.date_format, errors="coerce")
    )
    mask = dates.isna().to_numpy()[codes] & ~bad
    example_date = f"{pd.Timestamp(2024, 3, 1):{src.date_format}}"
    _report(
        problems,
        rel,
        frame,
        mask,
        field["date"],
        f"a date like {example_date}",
        hint_for=lambda v: _date_hint(v, src),
    )
    bad |= mask
    years = dates.dt.year.fillna(0).to_numpy(dtype=np.int64)[codes]

    # Market via the registry's synonyms, limited to the indicator's markets.
    markets = sorted(set(allowed))
    codes, market = _per_value(
        frame[field["market"]], lambda v: v.str.strip().str.lower().map(registry.market_synonyms)
    )
    known = market.isin(allowed).to_numpy()
    market_code = pd.Categorical(market.where(known, None), categories=markets).codes[codes]
    mask = ~known[codes] & ~bad
    options = sorted(n for n, m in registry.market_synonyms.items() if m in allowed)
    _report(
        problems,
        rel,
        frame,
        mask,
        field["market"],
        f"a drug of {ind.id}: one of {allowed} or a synonym in data/indicators.yml",
        hint_for=lambda v: did_you_mean(v.lower(), options),
    )
    bad |= mask

    # Quantity as the source writes it, times the unit's factor, in whole grams.
    qty_text = frame[field["quantity"]].str.strip()
    pattern, example = NUMBERS["," if src.decimal == "," else "."]
    ok_format = qty_text.str.match(pattern).to_numpy(dtype=bool)
    negative = qty_text.str.startswith("-").to_numpy(dtype=bool)
    mask = negative & ~bad
    _report(problems, rel, frame, mask, field["quantity"], "a quantity of 0 or more")
    bad |= mask
    mask = ~ok_format & ~bad
    _report(
        problems,
        rel,
        frame,
        mask,
        field["quantity"],
        f"a number written as {example}",
        hint_for=lambda v: _quantity_hint(v, src, field["unit"]),
    )
    bad |= mask
    other = "." if src.decimal == "," else ","
    if src.thousands != other:
        # '24.730' beside decimal commas, no thousands separator declared: 24730 kg or 24,73 kg?
        ambiguous = qty_text.str.fullmatch(rf"[1-9][0-9]{{0,2}}{re.escape(other)}[0-9]{{3}}").to_numpy(
            dtype=bool
        )
        mask = ambiguous & ~bad
        _report(
            problems,
            rel,
            frame,
            mask,
            field["quantity"],
            f"a number written as {example} (decimal {src.decimal!r}, thousands "
            f"{repr(src.thousands) if src.thousands else 'none'})",
            hint_for=lambda v: (
                f"{v.strip()!r} is ambiguous ({v.strip().replace(other, '')} or "
                f"{v.strip().replace(other, src.decimal)}): write it so, or set 'thousands: \"{other}\"' of "
                f"source {src.id} in data/sources.yml when the file groups thousands with {other!r}"
            ),
        )
        bad |= mask
    unit_codes, factor = _per_value(frame[field["unit"]], lambda v: v.str.strip().str.lower().map(src.units))
    mask = factor.isna().to_numpy()[unit_codes] & ~bad
    _report(
        problems,
        rel,
        frame,
        mask,
        field["unit"],
        f"a unit of {sorted(src.units)}",
        hint_for=lambda v: _unit_hint(v, src),
    )
    bad |= mask

    if "record_id" in field:
        ids = frame[field["record_id"]]
        dup = _duplicated(ids)
        if dup.any():
            first_rows = frame.index[dup]
            for rid, rows in pd.Series(first_rows, index=ids[dup].to_numpy()).groupby(level=0):
                rows = list(rows)
                for row in rows[1:][:MAX_PROBLEMS_PER_CHECK]:
                    problems.add(
                        file=rel,
                        row=int(row),
                        column=field["record_id"],
                        value=str(rid),
                        expected="a record number used once",
                        hint=f"the same record is on rows {rows}",
                    )
            # Within the repeated numbers, all but the first use (the others are used once).
            later = np.zeros(len(frame), dtype=bool)
            later[np.flatnonzero(dup)] = ids[dup].duplicated(keep="first").to_numpy()
            bad |= later

    good = ~bad
    numbers = _numbers(qty_text[good], src.decimal)
    factors = factor.to_numpy(dtype=np.float64)  # units: {unit: kg as a float} (data/sources.yml)
    kg = numbers.to_numpy(dtype=np.float64) * factors[unit_codes[good]]
    too_big = ~(kg <= MAX_KG)  # NaN too: a number no float holds
    if too_big.any():
        # Summed in whole grams (int64): a quantity this large would overflow, or is a typing error.
        mask = np.zeros(len(frame), dtype=bool)
        mask[np.flatnonzero(good)[too_big]] = True
        _report(
            problems,
            rel,
            frame,
            mask,
            field["quantity"],
            f"a quantity of at most {MAX_KG:,.0f} kg".replace(",", "."),
            hint_for=lambda v: (
                "a number this large cannot be a seizure (and cannot be summed exactly): "
                "check the digits and the unit"
            ),
        )
        bad |= mask
        good = ~bad
        numbers, kg = numbers[~too_big].reset_index(drop=True), kg[~too_big]
    market_column = pd.Categorical.from_codes(market_code[good], categories=markets)
    if not CATEGORICAL_MARKETS:
        market_column = market_column.astype(str)
    grams = pd.Series(kg * 1000).round().astype("int64")
    out = pd.DataFrame(
        {
            "market": market_column,
            "year": years[good],
            "grams": grams.to_numpy(),
            "row": frame.index[good],
        }
    )
    if "record_id" in field:
        # Kept to check record numbers across the files of the source (a re-delivery beside the old one).
        out["record_id"] = frame[field["record_id"]].to_numpy()[good]
    return out, int(bad.sum())


# A quantity as the source writes it: decimal comma or point, with or without thousands separators.
# [0-9], not \d: \d takes the digits of any script ('١٢', '１２'), which no number parser after it reads.
NUMBERS = {
    ",": (r"^[1-9][0-9]{0,2}(?:\.[0-9]{3})+(?:,[0-9]+)?$|^[0-9]+(?:,[0-9]+)?$", "1.234,5"),
    ".": (r"^[1-9][0-9]{0,2}(?:,[0-9]{3})+(?:\.[0-9]+)?$|^[0-9]+(?:\.[0-9]+)?$", "1,234.5"),
}
# Other ways of writing a date, recognised to say how a wrong one is written (the first that fits).
DATE_FORMATS = ["%d-%m-%Y", "%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y", "%d-%m-%y", "%d/%m/%y", "%Y/%m/%d", "%Y%m%d"]


def _date_hint(value: str, src: Source) -> str:
    """A date that does not fit the source's date_format: how it is written, where the format is set."""
    text, setting = value.strip(), f"'date_format' of source {src.id} in data/sources.yml"
    if text != value:
        try:
            dt.datetime.strptime(text, src.date_format)
            return "remove the spaces around the date"
        except ValueError:
            pass
    for fmt in DATE_FORMATS:
        if fmt == src.date_format:
            continue
        try:
            date = dt.datetime.strptime(text, fmt)
        except ValueError:
            continue
        return (
            f"the date is written as {fmt}: write {date:{src.date_format}}, or set {setting} "
            f"(now {src.date_format!r}) when the file writes every date so"
        )
    shape = re.sub(r"%[dmyHMS]", "[0-9]{1,2}", re.sub(r"%Y", "[0-9]{4}", re.escape(src.date_format)))
    if re.fullmatch(shape, text):
        return f"there is no such day; dates are read as {src.date_format!r} ({setting})"
    return f"dates are read as {src.date_format!r} ({setting})"


def _unit_hint(value: str, src: Source) -> str:
    close = did_you_mean(value.strip().lower(), sorted(src.units))
    return (f"{close} Correct the unit" if close else "correct the unit") + (
        f", or add it to 'units' of source {src.id} in data/sources.yml with its size in kg"
    )


def _quantity_hint(value: str, src: Source, unit_column: str) -> str:
    """Why a quantity is no number as the source writes it, when that can be told."""
    text = value.strip()
    pattern, _ = NUMBERS["," if src.decimal == "," else "."]
    other, _ = NUMBERS["." if src.decimal == "," else ","]
    ascii_digits = "".join(str(unicodedata.decimal(c)) if c.isdecimal() else c for c in text)
    if ascii_digits != text:
        written = f": write {ascii_digits}" if re.match(pattern, ascii_digits) else ""
        return f"the digits are not 0-9{written}"
    if re.match(other, text) and not re.match(pattern, text):
        if src.decimal == ",":
            return f"this looks like a decimal point: write {text.replace(',', '').replace('.', ',')}"
        return f"this looks like a decimal comma: write {text.replace('.', '').replace(',', '.')}"
    with_unit = re.fullmatch(r"(.*[0-9])\s*([^\W\d_]+)", text)
    if with_unit and with_unit.group(2).lower() in src.units:
        return f"the unit goes in column {unit_column!r}: write {with_unit.group(1)}"
    return ""


def _duplicated(ids: pd.Series) -> np.ndarray:
    """Rows whose (non-empty) record number is on another row too."""
    if len(ids) < 2:
        return np.zeros(len(ids), dtype=bool)
    try:
        import pyarrow as pa
        import pyarrow.compute as pc

        values = pa.array(ids.array)
        if isinstance(values, pa.ChunkedArray):
            values = values.combine_chunks()
        if values.null_count == 0 and pc.all(pc.less(values[:-1], values[1:])).as_py():
            return np.zeros(len(ids), dtype=bool)  # strictly ascending (as deliveries are): all different
    except (ImportError, TypeError, ValueError):
        pass
    codes, _ = pd.factorize(ids, use_na_sentinel=False)
    return (np.bincount(codes)[codes] > 1) & ids.ne("").to_numpy(dtype=bool)


def _numbers(text: pd.Series, decimal: str) -> pd.Series:
    """Quantities (matched by the number pattern) → floats, as pandas.to_numeric would parse them."""
    if decimal == ",":
        numeric = text.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
    else:
        numeric = text.str.replace(",", "", regex=False)
    try:
        import pyarrow as pa
        import pyarrow.compute as pc
    except ImportError:  # pragma: no cover
        pa = None
    if pa is not None and (numeric.empty or numeric.str.len().max() <= MAX_FAST_LENGTH):
        # An exact integer divided by an exact power of ten, rounded once: the same in both.
        try:
            values = pc.cast(pa.array(numeric.array), pa.float64())
            return pd.Series(np.asarray(values.to_numpy(zero_copy_only=False), dtype=np.float64))
        except (TypeError, ValueError):  # whatever Arrow does not take, pandas parses below
            pass
    return pd.to_numeric(numeric, errors="coerce").reset_index(drop=True)


def aggregate(records: pd.DataFrame, src: Source, registry: Registry) -> pd.DataFrame:
    """Per market and year: count, total kg (half up), number of large seizures."""
    agg = src.aggregate
    ind = registry.indicator_by_id[agg.indicator]
    thresholds = ind.measure(agg.large).threshold_kg if agg.large else None
    rows = []
    if records.empty:
        return pd.DataFrame(rows)
    codes, names = pd.factorize(records["market"], sort=False)
    names = [str(m) for m in names]
    order = sorted(range(len(names)), key=lambda i: names[i])
    rank = np.empty(len(names), dtype=np.int64)
    rank[order] = np.arange(len(names))
    years = records["year"].to_numpy(dtype=np.int64)
    grams = records["grams"].to_numpy(dtype=np.int64)
    first_year = int(years.min())
    span = int(years.max()) - first_year + 1
    key = rank[codes] * span + (years - first_year)
    if thresholds:
        limit = np.array([thresholds.get(m, thresholds.get("default", np.inf)) * 1000 for m in names])
        large = grams >= limit[codes]
    else:
        large = np.zeros(len(grams), dtype=bool)
    found = np.flatnonzero(np.bincount(key, minlength=len(names) * span))
    counts = np.bincount(key, minlength=len(names) * span)[found]
    large_counts = np.bincount(key, weights=large, minlength=len(names) * span)[found]
    totals = pd.Series(grams).groupby(key, sort=True).sum().to_numpy()  # whole grams, exact in int64
    for k, count, total, n_large in zip(found, counts, totals, large_counts, strict=True):
        market, year = names[order[k // span]], first_year + k % span
        values = {agg.count: int(count), agg.total: int((int(total) + 500) // 1000)}
        if agg.large:
            values[agg.large] = int(n_large)
        for measure, value in values.items():
            rows.append(
                {
                    "indicator": ind.id,
                    "measure": measure,
                    "market": market,
                    "year": int(year),
                    "value": float(value),
                }
            )
    return pd.DataFrame(rows)


def lineage(seizures: pd.DataFrame) -> dict[tuple[str, int], tuple[str, str]]:
    """(market, year) → (the files, 'file: rows 2-4 9; file: rows …'): which raw rows each number counts.

    The same texts as grouping the seizures by market, year and file, but found by sorting one
    small integer key: no copy of the (file) text columns, whatever the number of rows.
    """
    if seizures.empty:
        return {}
    market_codes, markets = pd.factorize(seizures["market"])
    file_codes, files = pd.factorize(seizures["file"])
    markets, files = [str(m) for m in markets], [str(f) for f in files]
    file_order = sorted(range(len(files)), key=lambda i: files[i])
    file_rank = np.empty(len(files), dtype=np.int64)
    file_rank[file_order] = np.arange(len(files))
    years = seizures["year"].to_numpy(dtype=np.int64)
    first_year = int(years.min())
    span = int(years.max()) - first_year + 1
    key = market_codes.astype(np.int64)  # in place from here: a few arrays of the rows' length at most
    key *= span
    key += years
    key -= first_year
    key *= len(files)
    key += file_rank[file_codes]
    del market_codes, file_codes
    if key.max() < np.iinfo(np.int16).max:
        key = key.astype(np.int16)  # a radix sort
    order = np.argsort(key, kind="stable")
    key, rows = key[order], seizures["row"].to_numpy()[order]
    del order
    starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    ends = np.r_[starts[1:], key.size]
    parts: dict[tuple[str, int], list[tuple[str, str]]] = {}
    for a, b in zip(starts, ends, strict=True):
        group, f = divmod(int(key[a]), len(files))
        m, y = divmod(group, span)
        name = files[file_order[f]]
        parts.setdefault((markets[m], first_year + y), []).append((name, row_ranges(rows[a:b])))
    return {
        k: (" ".join(name for name, _ in p), "; ".join(f"{name}: rows {ranges}" for name, ranges in p))
        for k, p in parts.items()
    }


def row_ranges(rows: np.ndarray, limit: int = 2000) -> str:
    """[2, 3, 4, 9] → '2-4 9': which rows of the raw file an aggregated number counts."""
    rows = np.sort(rows)
    if rows.size == 0:
        return ""
    breaks = np.flatnonzero(np.diff(rows) != 1)
    if breaks.size + 1 > limit:
        return f"{rows.size} rows (list with `monitor trace`)"
    starts = np.concatenate(([rows[0]], rows[breaks + 1]))
    ends = np.concatenate((rows[breaks], [rows[-1]]))
    return " ".join(f"{a}-{b}" if a != b else f"{a}" for a, b in zip(starts, ends, strict=True))


def ids_in_several_files(seizures: pd.DataFrame, id_column: str, src: Source, problems: ProblemList) -> None:
    """A record number in two files of one source is one seizure counted twice (a corrected
    re-delivery beside the old file): refused, naming both files, unless sources.yml says which
    file supersedes which."""
    ids = seizures["record_id"]
    codes, uniques = pd.factorize(ids, use_na_sentinel=False)
    files = seizures["file"].cat.codes.to_numpy()
    order = np.lexsort((files, codes))
    c, f = codes[order], files[order]
    same = np.r_[False, c[1:] == c[:-1]]
    other_file = same & np.r_[False, f[1:] != f[:-1]]
    if not other_file.any():
        return
    rows = seizures["row"].to_numpy()[order]
    names = list(seizures["file"].cat.categories)
    # The first use of each id (the row before the run of the same id started).
    first = np.maximum.accumulate(np.where(~same, np.arange(len(c)), 0))
    hits = np.flatnonzero(other_file)
    for i in hits[:MAX_PROBLEMS_PER_CHECK]:
        j = first[i]
        rid = str(uniques[c[i]])
        if rid == "":
            continue
        problems.add(
            file=names[f[i]],
            row=int(rows[i]),
            column=id_column,
            value=rid,
            expected=f"a record number used in one file of source {src.id}",
            hint=f"{rid} is also in {names[f[j]]}, row {int(rows[j])}: a re-delivery? Say which file "
            f"replaces which ('supersedes' of source {src.id} in data/sources.yml), or remove the old file",
        )
    if len(hits) > MAX_PROBLEMS_PER_CHECK:
        problems.add(
            file=names[f[hits[-1]]],
            row=0,
            column=id_column,
            value="",
            expected=f"a record number used in one file of source {src.id} — and "
            f"{len(hits) - MAX_PROBLEMS_PER_CHECK} more rows like these",
        )
