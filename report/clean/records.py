"""Record-level files (one row per seizure): read, checked and aggregated with vectorised pandas,
so millions of rows clean in seconds. Quantities are summed in whole grams: exact, whatever the
order of the rows.

Speed (scripts/benchmark_clean.py: 5 million rows): the file is read by Arrow's multi-threaded
CSV reader straight into pandas' Arrow-backed strings; a file Arrow cannot read exactly as
pandas does (a short or long row, a bad encoding, an odd header) is read again by pandas, so
that the problems it reports stay the same. Columns with few distinct values (date, drug, unit)
are checked once per distinct value and the result spread over the rows; quantities are parsed
by Arrow (the same doubles as pandas.to_numeric, see MAX_FAST_LENGTH); markets travel as
categorical codes, and the aggregation groups on integers.
"""

from __future__ import annotations

import codecs
import mmap
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from report.clean.config import Source
from report.clean.problems import ProblemList, did_you_mean
from report.registry import Registry

MAX_PROBLEMS_PER_CHECK = 200  # a file with a systematic fault: show enough rows, not a million
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
        problems.add(file=rel, row=0, column="", value="",
                     expected="a CSV file with a header row; the file is empty")
        return None
    if data_start == b"PK\x03\x04":
        problems.add(
            file=rel, row=0, column="", value="",
            expected="a CSV text file; this file is a zip archive, probably an Excel workbook",
        )
        return None
    frame = _read_with_arrow(path, src)
    if frame is None:
        try:
            frame = pd.read_csv(
                path,
                sep=src.delimiter,
                dtype=str,
                keep_default_na=False,
                encoding=src.encoding,
                engine="c",
                skiprows=src.skip_rows,
            )
        except UnicodeDecodeError as exc:
            problems.add(
                file=rel, row=0, column="", value=str(exc.object[exc.start : exc.start + 1]),
                expected=f"text in {src.encoding}", hint="set 'encoding' of source " + src.id,
            )
            return None
        except pd.errors.ParserError as exc:
            problems.add(file=rel, row=0, column="", value="", expected=f"a well-formed CSV file ({exc})")
            return None
        except pd.errors.EmptyDataError:
            problems.add(file=rel, row=0, column="", value="",
                         expected="a CSV file with a header row; the file is empty")
            return None
    if frame.columns.size and frame.columns[0].startswith("\ufeff"):
        frame = frame.rename(columns={frame.columns[0]: frame.columns[0][1:]})
    frame.index = pd.RangeIndex(src.skip_rows + 2, src.skip_rows + 2 + len(frame))  # spreadsheet rows
    short = frame.isna().any(axis=1)
    if short.any():
        # pandas fills missing fields with NaN: a row with fewer fields than the header.
        last = frame.index[-1]
        for row in frame.index[short.to_numpy()][:MAX_PROBLEMS_PER_CHECK]:
            problems.add(
                file=rel, row=int(row), column="", value=src.delimiter.join(frame.loc[row].dropna()),
                expected=f"{frame.columns.size} fields like the header",
                hint="the file looks truncated" if row == last else "",
            )
        return None
    return frame


def _read_with_arrow(path: Path, src: Source) -> pd.DataFrame | None:
    """The file as pandas would read it (all text, '' for an empty cell), or None to let pandas read it.

    Arrow refuses what pandas would read differently (rows with too few or too many fields,
    text that is not in the encoding, a line of spaces), and a header pandas would rename
    (an empty or repeated column name) is left to pandas too: pandas then reports the problem
    exactly as before.
    """
    if not ARROW_TEXT:
        return None
    import pyarrow as pa
    import pyarrow.csv as pacsv

    try:
        encoding = src.encoding if codecs.lookup(src.encoding).name != "utf-8" else "utf8"
        read = pacsv.ReadOptions(skip_rows=src.skip_rows, encoding=encoding, block_size=1 << 22)
        # A line break inside a quoted value needs the slower, quote-aware splitting of the file
        # into blocks; without a quote character in the file there can be none.
        parse = pacsv.ParseOptions(delimiter=src.delimiter, newlines_in_values=_may_quote(path, src.encoding))
        with pacsv.open_csv(path, read_options=read, parse_options=parse) as reader:
            names = reader.schema.names
        if "" in names or len(set(names)) != len(names):
            return None
        convert = pacsv.ConvertOptions(column_types={n: pa.large_string() for n in names},
                                       strings_can_be_null=False, quoted_strings_can_be_null=False)
        table = pacsv.read_csv(path, read_options=read, parse_options=parse, convert_options=convert)
    except Exception:  # noqa: BLE001 - whatever Arrow refuses, pandas reads (or reports) as before
        return None
    if table.column_names != names or any(t != pa.large_string() for t in table.schema.types):
        return None
    return table.to_pandas(types_mapper={pa.large_string(): TEXT}.get)


ASCII_BASED = {"utf-8", "utf-8-sig", "ascii", "cp1252", "iso8859-1", "iso8859-15"}


def _may_quote(path: Path, encoding: str) -> bool:
    """Could the file hold a quoted value? Only a file without a '"' byte surely does not."""
    if codecs.lookup(encoding).name not in ASCII_BASED:
        return True
    with path.open("rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as data:
        return data.find(b'"') != -1


def _report(problems: ProblemList, rel: str, frame: pd.DataFrame, mask, column: str, expected: str,
            hint_for=None) -> None:
    rows = frame.index[np.asarray(mask, dtype=bool)]
    for row in rows[:MAX_PROBLEMS_PER_CHECK]:
        value = frame.at[row, column]
        problems.add(
            file=rel, row=int(row), column=column, value=str(value), expected=expected,
            hint=hint_for(str(value)) if hint_for else "",
        )
    if len(rows) > MAX_PROBLEMS_PER_CHECK:
        problems.add(
            file=rel, row=0, column=column, value="",
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
    codes, dates = _per_value(frame[field["date"]],
                              lambda v: pd.to_datetime(v, format=src.date_format, errors="coerce"))
    mask = dates.isna().to_numpy()[codes] & ~bad
    example_date = f"{pd.Timestamp(2024, 3, 1):{src.date_format}}"
    _report(problems, rel, frame, mask, field["date"], f"a date like {example_date}")
    bad |= mask
    years = dates.dt.year.fillna(0).to_numpy(dtype=np.int64)[codes]

    # Market via the registry's synonyms, limited to the indicator's markets.
    markets = sorted(set(allowed))
    codes, market = _per_value(frame[field["market"]],
                               lambda v: v.str.strip().str.lower().map(registry.market_synonyms))
    known = market.isin(allowed).to_numpy()
    market_code = pd.Categorical(market.where(known, None), categories=markets).codes[codes]
    mask = ~known[codes] & ~bad
    options = sorted(n for n, m in registry.market_synonyms.items() if m in allowed)
    _report(
        problems, rel, frame, mask, field["market"],
        f"a drug of {ind.id}: one of {allowed} or a synonym in data/indicators.yml",
        hint_for=lambda v: did_you_mean(v.lower(), options),
    )
    bad |= mask

    # Quantity as the source writes it, times the unit's factor, in whole grams.
    qty_text = frame[field["quantity"]].str.strip()
    if src.decimal == ",":
        pattern = r"^\d{1,3}(?:\.\d{3})*(?:,\d+)?$|^\d+(?:,\d+)?$"
        example = "1.234,5"
    else:
        pattern = r"^\d{1,3}(?:,\d{3})*(?:\.\d+)?$|^\d+(?:\.\d+)?$"
        example = "1,234.5"
    ok_format = qty_text.str.match(pattern).to_numpy(dtype=bool)
    negative = qty_text.str.startswith("-").to_numpy(dtype=bool)
    mask = negative & ~bad
    _report(problems, rel, frame, mask, field["quantity"], "a quantity of 0 or more")
    bad |= mask
    mask = ~ok_format & ~bad
    _report(problems, rel, frame, mask, field["quantity"], f"a number written as {example}")
    bad |= mask
    unit_codes, factor = _per_value(frame[field["unit"]], lambda v: v.str.strip().str.lower().map(src.units))
    mask = factor.isna().to_numpy()[unit_codes] & ~bad
    _report(problems, rel, frame, mask, field["unit"], f"a unit of {sorted(src.units)}",
            hint_for=lambda v: did_you_mean(v.lower(), sorted(src.units)))
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
                        file=rel, row=int(row), column=field["record_id"], value=str(rid),
                        expected="a record number used once", hint=f"the same record is on rows {rows}",
                    )
            # Within the repeated numbers, all but the first use (the others are used once).
            later = np.zeros(len(frame), dtype=bool)
            later[np.flatnonzero(dup)] = ids[dup].duplicated(keep="first").to_numpy()
            bad |= later

    good = ~bad
    market_column = pd.Categorical.from_codes(market_code[good], categories=markets)
    if not CATEGORICAL_MARKETS:
        market_column = market_column.astype(str)
    numbers = _numbers(qty_text[good], src.decimal)
    factors = factor.to_numpy(dtype=np.float64)  # units: {unit: kg as a float} (data/sources.yml)
    grams = (numbers * factors[unit_codes[good]] * 1000).round().astype("int64")
    out = pd.DataFrame(
        {
            "market": market_column,
            "year": years[good],
            "grams": grams.to_numpy(),
            "row": frame.index[good],
        }
    )
    return out, int(bad.sum())


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
        except (TypeError, ValueError):  # e.g. digits other than 0-9 (\d matches them): as pandas does
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
            rows.append({"indicator": ind.id, "measure": measure, "market": market, "year": int(year),
                         "value": float(value)})
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
