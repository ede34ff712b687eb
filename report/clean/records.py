"""Record-level files (one row per seizure): read, checked and aggregated with vectorised pandas,
so millions of rows clean in seconds. Quantities are summed in whole grams: exact, whatever the
order of the rows.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from report.clean.config import Source
from report.clean.problems import ProblemList, did_you_mean
from report.registry import Registry

MAX_PROBLEMS_PER_CHECK = 200  # a file with a systematic fault: show enough rows, not a million


def read_records(path: Path, rel: str, src: Source, problems: ProblemList) -> pd.DataFrame | None:
    data_start = path.read_bytes()[:4]
    if not data_start:
        problems.add(file=rel, row=0, column="", value="", expected="a CSV file with a header row; the file is empty")
        return None
    if data_start == b"PK\x03\x04":
        problems.add(
            file=rel, row=0, column="", value="",
            expected="a CSV text file; this file is a zip archive, probably an Excel workbook",
        )
        return None
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
        problems.add(file=rel, row=0, column="", value="", expected="a CSV file with a header row; the file is empty")
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


def _report(problems: ProblemList, rel: str, frame: pd.DataFrame, mask: pd.Series, column: str, expected: str,
            hint_for=None) -> None:
    rows = frame.index[mask.to_numpy()]
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


def clean_records(
    frame: pd.DataFrame, rel: str, src: Source, registry: Registry, problems: ProblemList
) -> tuple[pd.DataFrame, int]:
    """Rows → seizures (market, year, grams, large) with their row numbers; returns (good rows, rejected)."""
    field = {v: k for k, v in src.columns.items()}
    agg = src.aggregate
    ind = registry.indicator_by_id[agg.indicator]
    allowed = ind.markets_of(ind.measure(agg.count))
    bad = pd.Series(False, index=frame.index)

    empty_cols = [c for c in src.columns if c in frame and frame[c].eq("").any()]
    for col in empty_cols:
        if src.columns[col] in ("date", "market", "quantity", "unit"):
            mask = frame[col].eq("")
            _report(problems, rel, frame, mask, col, "a value; the cell is empty")
            bad |= mask

    # Date → year, checked against the declared format.
    dates = pd.to_datetime(frame[field["date"]], format=src.date_format, errors="coerce")
    mask = dates.isna() & ~bad
    _report(problems, rel, frame, mask, field["date"], f"a date like {pd.Timestamp(2024, 3, 1):{src.date_format}}")
    bad |= mask
    years = dates.dt.year

    # Market via the registry's synonyms, limited to the indicator's markets.
    names = frame[field["market"]].str.strip().str.lower()
    market = names.map(registry.market_synonyms)
    known = market.isin(allowed)
    mask = ~known & ~bad
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
        numeric = qty_text.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
        example = "1.234,5"
    else:
        pattern = r"^\d{1,3}(?:,\d{3})*(?:\.\d+)?$|^\d+(?:\.\d+)?$"
        numeric = qty_text.str.replace(",", "", regex=False)
        example = "1,234.5"
    ok_format = qty_text.str.match(pattern)
    negative = qty_text.str.startswith("-")
    mask = negative & ~bad
    _report(problems, rel, frame, mask, field["quantity"], "a quantity of 0 or more")
    bad |= mask
    mask = ~ok_format & ~bad
    _report(problems, rel, frame, mask, field["quantity"], f"a number written as {example}")
    bad |= mask
    units = frame[field["unit"]].str.strip().str.lower()
    factor = units.map(src.units)
    mask = factor.isna() & ~bad
    _report(problems, rel, frame, mask, field["unit"], f"a unit of {sorted(src.units)}",
            hint_for=lambda v: did_you_mean(v.lower(), sorted(src.units)))
    bad |= mask

    if "record_id" in field:
        ids = frame[field["record_id"]]
        dup = ids.duplicated(keep=False) & ids.ne("")
        if dup.any():
            first_rows = frame.index[dup.to_numpy()]
            for rid, rows in pd.Series(first_rows, index=ids[dup].to_numpy()).groupby(level=0):
                rows = list(rows)
                for row in rows[1:][:MAX_PROBLEMS_PER_CHECK]:
                    problems.add(
                        file=rel, row=int(row), column=field["record_id"], value=str(rid),
                        expected="a record number used once", hint=f"the same record is on rows {rows}",
                    )
            bad |= dup & ids.duplicated(keep="first")

    good = ~bad
    grams = (pd.to_numeric(numeric[good], errors="coerce") * factor[good] * 1000).round().astype("int64")
    out = pd.DataFrame(
        {
            "market": market[good].astype(str),
            "year": years[good].astype("int64"),
            "grams": grams,
            "row": frame.index[good.to_numpy()],
        }
    )
    return out, int(bad.sum())


def aggregate(records: pd.DataFrame, src: Source, registry: Registry) -> pd.DataFrame:
    """Per market and year: count, total kg (half up), number of large seizures."""
    agg = src.aggregate
    ind = registry.indicator_by_id[agg.indicator]
    thresholds = ind.measure(agg.large).threshold_kg if agg.large else None
    rows = []
    if records.empty:
        return pd.DataFrame(rows)
    limit = None
    if thresholds:
        limit = records["market"].map(lambda m: thresholds.get(m, thresholds.get("default", np.inf)) * 1000)
    records = records.assign(large=(records["grams"] >= limit) if limit is not None else False)
    grouped = records.groupby(["market", "year"], sort=True)
    stats = grouped.agg(count=("grams", "size"), grams=("grams", "sum"), large=("large", "sum"))
    for (market, year), r in stats.iterrows():
        values = {agg.count: int(r["count"]), agg.total: int((int(r["grams"]) + 500) // 1000)}
        if agg.large:
            values[agg.large] = int(r["large"])
        for measure, value in values.items():
            rows.append({"indicator": ind.id, "measure": measure, "market": market, "year": int(year),
                         "value": float(value)})
    return pd.DataFrame(rows)


def row_ranges(rows: np.ndarray, limit: int = 2000) -> str:
    """[2, 3, 4, 9] → '2-4 9': which rows of the raw file an aggregated number counts."""
    rows = np.sort(rows)
    if rows.size == 0:
        return ""
    breaks = np.flatnonzero(np.diff(rows) != 1)
    starts = np.concatenate(([rows[0]], rows[breaks + 1]))
    ends = np.concatenate((rows[breaks], [rows[-1]]))
    if starts.size > limit:
        return f"{rows.size} rows (list with `monitor trace`)"
    return " ".join(f"{a}-{b}" if a != b else f"{a}" for a, b in zip(starts, ends))
