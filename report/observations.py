"""The clean data: tidy observations, read and validated against the registry.

Every problem is collected (not only the first) and reported with file, row, column, the
value found and what was expected. The file itself is only read, never changed.
"""

from __future__ import annotations

import csv
import difflib
import io
import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from report import safe_yaml
from report.errors import MonitorError
from report.registry import Registry

if TYPE_CHECKING:
    import pandas as pd

COLUMNS = [
    "indicator",
    "measure",
    "market",
    "region",
    "year",
    "value",
    "provisional",
    "series_break",
    "note",
]
KEY = ["indicator", "measure", "market", "region", "year"]
MAX_ERRORS_SHOWN = 50


class Observation(NamedTuple):
    """One row of data/clean/observations.csv, with its values read."""

    indicator: str
    measure: str
    market: str
    region: str
    year: int
    value: float
    provisional: bool
    series_break: bool
    note: str


@dataclass(frozen=True)
class CleanData:
    # Sorted by KEY. Plain records, not a data frame: a build reads ~1,000 rows, and pandas
    # took ~0.45 s to import, on the way to the first figure of a cold build.
    observations: tuple[Observation, ...]
    demo: bool
    description: str


def _suggest(value: str, options: list[str]) -> str:
    close = difflib.get_close_matches(value, options, n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def _suggest_market(value: str, allowed: list[str], registry: Registry) -> str:
    """'coke' → 'cocaine' through the registry's synonyms, else the closest spelling."""
    known = registry.market_synonyms.get(value.strip().lower())
    if known in allowed:
        return f"; did you mean {known!r}?"
    names = {k: v for k, v in registry.market_synonyms.items() if v in allowed}
    close = difflib.get_close_matches(value.strip().lower(), list(names), n=1, cutoff=0.6)
    return f"; did you mean {names[close[0]]!r}?" if close else ""


def _problem(path: Path, row: int, column: str, value: object, expected: str) -> str:
    # Rows are numbered as a spreadsheet shows them: the header is row 1.
    return f"{path}, row {row}, column {column!r}: found {value!r}, expected {expected}"


def validate(
    header: list[str], records: list[tuple[int, list[str]]], registry: Registry, path: Path
) -> list[str]:
    """Return every problem in the observations (empty list when valid): ``records`` are the
    rows after the header, each with its row number and its fields as text."""
    problems: list[str] = []
    missing = [c for c in COLUMNS if c not in header]
    extra = [c for c in header if c not in COLUMNS]
    twice = sorted({c for c in header if header.count(c) > 1})
    if missing or extra or twice:
        msg = f"{path}: columns do not match; expected {COLUMNS}"
        if missing:
            msg += f"; missing {missing}"
        if extra:
            msg += f"; unexpected {extra}"
        if twice:
            msg += f"; more than once {twice}"
        return [msg]

    last_year = registry.edition
    rows_of: dict[tuple[str, ...], list[int]] = {}
    for row, fields in records:
        if len(fields) != len(header):
            problems.append(
                f"{path}, row {row}: found {len(fields)} field(s), expected {len(header)} "
                "(one per column of the header)"
            )
            continue
        rec = dict(zip(header, fields))
        rows_of.setdefault(tuple(rec[k] for k in KEY), []).append(row)
        ind = registry.indicator_by_id.get(rec["indicator"])
        if ind is None:
            problems.append(
                _problem(path, row, "indicator", rec["indicator"], "an indicator id of the registry")
                + _suggest(str(rec["indicator"]), list(registry.indicator_by_id))
            )
            continue
        measure = next((m for m in ind.measures if m.id == rec["measure"]), None)
        if measure is None:
            ids = [m.id for m in ind.measures]
            problems.append(
                _problem(path, row, "measure", rec["measure"], f"a measure of {ind.id}: {ids}")
                + _suggest(str(rec["measure"]), ids)
            )
            continue
        markets = ind.markets_of(measure)
        if rec["market"] not in markets:
            problems.append(
                _problem(path, row, "market", rec["market"], f"a market of {ind.id}/{measure.id}: {markets}")
                + _suggest_market(str(rec["market"]), markets, registry)
            )
        if rec["region"] not in ind.regions:
            problems.append(
                _problem(path, row, "region", rec["region"], f"a region of {ind.id}: {ind.regions}")
                + _suggest(str(rec["region"]), ind.regions)
            )
        try:
            year = int(rec["year"])
            if str(year) != str(rec["year"]).strip():
                raise ValueError
        except (TypeError, ValueError):
            problems.append(_problem(path, row, "year", rec["year"], "a whole year such as 2024"))
        else:
            if not registry.first_year <= year <= last_year:
                problems.append(
                    _problem(
                        path,
                        row,
                        "year",
                        rec["year"],
                        f"a year from {registry.first_year} to {last_year} (the edition)",
                    )
                )
        try:
            value = float(rec["value"])
            if not math.isfinite(value):  # nan, inf
                raise ValueError
        except (TypeError, ValueError):
            problems.append(
                _problem(path, row, "value", rec["value"], "a number with '.' as decimal separator (1234.5)")
            )
        else:
            unit = registry.unit_by_id[measure.unit]
            if value < 0:
                problems.append(_problem(path, row, "value", rec["value"], "a value of 0 or more"))
            elif unit.kind == "percentage" and value > 100:
                problems.append(_problem(path, row, "value", rec["value"], "a percentage from 0 to 100"))
            elif unit.kind == "price" and value == 0:
                problems.append(_problem(path, row, "value", rec["value"], "a price above 0"))
            elif unit.kind == "count" and value != int(value):
                problems.append(_problem(path, row, "value", rec["value"], "a whole number (a count)"))
        for flag in ("provisional", "series_break"):
            if str(rec[flag]).strip() not in ("0", "1"):
                problems.append(_problem(path, row, flag, rec[flag], "0 or 1"))

    for key, rows in sorted(rows_of.items()):
        if len(rows) > 1:
            shown = ", ".join(map(str, rows))
            problems.append(f"{path}, rows {shown}: the same observation {dict(zip(KEY, key))} twice")
    return problems


def load_clean_data(clean_dir: str | Path, registry: Registry) -> CleanData:
    clean_dir = Path(clean_dir)
    path = clean_dir / "observations.csv"
    if not path.exists():
        raise MonitorError(
            f"{path}: clean observations not found; run `monitor clean` "
            "or `python scripts/make_demo_data.py` for the demo data"
        )
    header, records = _read_csv(path)
    problems = validate(header, records, registry, path)
    if problems:
        shown = problems[:MAX_ERRORS_SHOWN]
        more = len(problems) - len(shown)
        raise MonitorError(
            f"{path}: {len(problems)} problem(s) in the clean data:\n"
            + "\n".join(f"  - {p}" for p in shown)
            + (f"\n  … and {more} more" if more else "")
        )
    at = [header.index(c) for c in COLUMNS]
    observations = sorted(
        (_observation([fields[i] for i in at]) for _row, fields in records),
        key=lambda o: o[: len(KEY)],  # the KEY fields come first
    )

    meta_path = clean_dir / "metadata.yml"
    meta = {}
    if meta_path.exists():
        meta = safe_yaml.safe_load(meta_path.read_text(encoding="utf-8"), meta_path) or {}
        if not isinstance(meta, dict) or not isinstance(meta.get("demo", False), bool):
            raise MonitorError(f"{meta_path}: expected a mapping with 'demo: true|false'")
    return CleanData(
        observations=tuple(observations),
        demo=bool(meta.get("demo", False)),
        description=str(meta.get("description", "")),
    )


def _read_csv(path: Path) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The header and the rows of a CSV file, each row with its number as a spreadsheet shows
    it (blank rows are counted, not kept) and its fields as text, so a bad
    value is reported as it stands in the file."""
    try:
        # utf-8-sig: a byte-order mark before the header is no part of its first name.
        with path.open(encoding="utf-8-sig", newline="") as f:
            rows = list(csv.reader(f, strict=True))
    except UnicodeDecodeError as exc:
        raise MonitorError(f"{path}: not UTF-8 text ({exc})") from exc
    except csv.Error as exc:
        raise MonitorError(f"{path}: not a valid CSV file ({exc})") from exc
    numbered = [(n, fields) for n, fields in enumerate(rows, start=1) if fields]
    if not numbered:
        raise MonitorError(f"{path}: the file is empty; expected a header {COLUMNS}")
    (_, header), *records = numbered
    return header, records


def _observation(fields: list[str]) -> Observation:
    """A validated row (fields in the order of COLUMNS) with its values read."""
    indicator, measure, market, region, year, value, provisional, series_break, note = fields
    return Observation(
        indicator,
        measure,
        market,
        region,
        int(year),
        float(value),
        provisional.strip() == "1",
        series_break.strip() == "1",
        note,
    )


def format_observations(frame: pd.DataFrame, registry: Registry) -> str:
    """The clean observations as CSV text: the one format every writer uses (sorted, counts as
    whole numbers, other values as Python writes floats, flags as 0/1)."""
    kinds = {(i.id, m.id): registry.unit_by_id[m.unit].kind for i in registry.indicators for m in i.measures}
    frame = frame.sort_values(KEY, ignore_index=True)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(COLUMNS)
    for r in frame[COLUMNS].itertuples(index=False):
        value = int(r.value) if kinds[(r.indicator, r.measure)] == "count" else float(r.value)
        writer.writerow(
            [
                r.indicator,
                r.measure,
                r.market,
                r.region,
                int(r.year),
                value,
                int(bool(r.provisional)),
                int(bool(r.series_break)),
                r.note,
            ]
        )
    return buf.getvalue()


def metadata_text(demo: bool, description: str) -> str:
    """data/clean/metadata.yml: whether the data are the fictitious demo data."""
    return f"demo: {'true' if demo else 'false'}\ndescription: >-\n  {description}\n"
