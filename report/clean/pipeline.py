"""`monitor clean`: the raw deliveries in data/raw → a validated data/clean folder.

Nothing is lost: every raw file is hashed in the manifest with the rows read, kept, missing
(CBS '.' and 'x') and rejected; every rejected row is listed with its reason; every clean number
is traced to its file, sheet and rows (lineage.csv). Raw files are only read. The clean folder is
written beside the old one and swapped in at the end, so a failed run leaves it as it was.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import hashlib
import io
import re
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pandera.pandas as pa

from report import safe_yaml
from report.clean import records as rec
from report.clean.config import Source, load_sources
from report.clean.problems import Problem, ProblemList, did_you_mean
from report.clean.readers import (
    ROW,
    ambiguous_in_column,
    check_columns,
    column_problems,
    parse_number,
    read_table,
)
from report.errors import MonitorError
from report.freshness import configuration_csv, raw_files_changed  # noqa: F401  (there: needs no pandas)
from report.observations import COLUMNS, KEY, format_observations
from report.project import Project
from report.registry import Registry, load_registry
from report.swap import recover, replace_dir

Progress = Callable[[str], None]
CBS_MISSING = {".", "x", "..", ""}
PROVISIONAL_WORDS = {"*", "p", "provisional", "voorlopig", "1", "ja", "yes"}


@dataclass
class FileStats:
    file: str
    source: str
    organisation: str
    sha256: str
    bytes: int
    rows_read: int = 0
    rows_kept: int = 0
    rows_missing: int = 0
    rows_rejected: int = 0
    # The years the kept rows cover: `monitor status` compares them with the edition.
    first_year: int | str = ""
    last_year: int | str = ""


@dataclass
class CleanResult:
    observations: pd.DataFrame
    manifest: list[FileStats]
    problems: ProblemList
    revisions: pd.DataFrame | None = None
    written: bool = False
    rejected_path: Path | None = None
    warnings: list[Problem] = field(default_factory=list)


class CleanFailed(MonitorError):
    def __init__(self, problems: list[Problem], rejected_path: Path | None):
        self.problems = problems
        self.rejected_path = rejected_path
        shown = "\n".join(f"  - {p}" for p in problems[:100])
        more = f"\n  … and {len(problems) - 100} more (see {rejected_path})" if len(problems) > 100 else ""
        where = f"\nAll rejected rows with their reasons: {rejected_path}" if rejected_path else ""
        super().__init__(
            f"{len(problems)} problem(s) in the raw data; data/clean was not changed:\n{shown}{more}{where}"
        )


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


# -- tables (long and wide) ---------------------------------------------------------------------


def _year(value: object) -> tuple[int | None, bool]:
    if isinstance(value, int | float) and not isinstance(value, bool) and float(value).is_integer():
        return int(value), False
    text = "" if value is None else str(value).strip()
    provisional = text.endswith("*")
    text = text.rstrip("*").strip()
    if len(text) == 4 and text.isdigit():
        return int(text), provisional
    return None, provisional


def _year_hint(value: object, record: dict, year_col: str) -> str:
    """Why a year cell is no year, when it can be told."""
    text = "" if value is None else str(value).strip()
    if isinstance(value, dt.date | dt.datetime):
        return "the cell is a date: format it as a number"
    if re.fullmatch(r"\d{4}JJ00", text):
        return f"a StatLine period code: download the table with period labels ({text[:4]})"
    others = [v for k, v in record.items() if k not in (year_col, ROW)]
    if text and all(v is None or str(v).strip() == "" for v in others):
        return "notes below the table need an empty row above them"
    return ""


def _names(registry: Registry, kind: str) -> dict[str, str]:
    """Every name of a market or region as written in data/indicators.yml → its id."""
    items = registry.markets if kind == "market" else registry.regions
    return {name: item.id for item in items for name in (item.id, item.name.nl, item.name.en, *item.synonyms)}


def _map_market(raw: object, allowed: list[str], registry: Registry, label: str) -> tuple[str | None, str]:
    name = "" if raw is None else str(raw).strip()
    market = registry.market_synonyms.get(name.lower())
    if market in allowed:
        return market, ""
    if market is not None:
        return None, f"{name!r} is market {market!r}, which {label} does not have"
    options = [n for n, m in _names(registry, "market").items() if m in allowed]
    return None, did_you_mean(name, options) or (
        "a new name for a drug? Add it to the synonyms of its market in data/indicators.yml"
    )


def normalise_table(
    table, src: Source, registry: Registry, problems: ProblemList, stats: FileStats
) -> list[dict]:
    """Rows of a long or wide table → observations with their provenance."""
    frame = table.frame
    col_of = {v: k for k, v in src.columns.items()}
    if not check_columns(table, list(src.columns) + list(src.series), src, problems):
        stats.rows_read = len(frame)
        stats.rows_rejected = len(frame)
        return []
    out: list[dict] = []
    value_cols = list(src.series) if src.layout == "wide" else [col_of["value"]]
    ambiguous = {
        (row, col): why
        for col in value_cols
        for row, why in ambiguous_in_column(
            list(zip(frame[ROW], frame[col])), src, excel=src.format == "excel"
        ).items()
    }
    for record in frame.to_dict("records"):
        row = int(record[ROW])
        stats.rows_read += 1
        here = {"file": table.file, "sheet": table.sheet, "row": row}
        raw_year = record[col_of["year"]]
        year, provisional = _year(raw_year)
        if year is None:
            problems.add(
                **here,
                column=col_of["year"],
                value="" if raw_year is None else str(raw_year),
                expected="a year such as 2024 (or 2024* when provisional)",
                hint=_year_hint(raw_year, record, col_of["year"]),
            )
            stats.rows_rejected += 1
            continue
        if "status" in col_of:
            provisional |= str(record[col_of["status"]] or "").strip().lower() in PROVISIONAL_WORDS
        if src.layout == "wide":
            cells = [(col, target) for col, target in src.series.items()]
        else:
            target = None
            if "measure" in col_of:
                label = str(record[col_of["measure"]] or "").strip()
                target = src.measures.get(label)
                if target is None:
                    problems.add(
                        **here,
                        column=col_of["measure"],
                        value=label,
                        expected=f"a measure of source {src.id}: {list(src.measures)}",
                        hint=did_you_mean(label, list(src.measures)),
                    )
                    stats.rows_rejected += 1
                    continue
            cells = [(col_of["value"], target)]
        row_ok, row_kept, row_missing = True, 0, 0
        for col, target in cells:
            ind_id = target.indicator if target else src.indicator
            meas_id = target.measure if target else src.measure
            ind = registry.indicator_by_id.get(ind_id)
            if ind is None or meas_id not in [m.id for m in ind.measures]:
                raise MonitorError(
                    f"data/sources.yml, source {src.id}: {ind_id}/{meas_id} is not an indicator/measure "
                    "of data/indicators.yml"
                )
            measure = ind.measure(meas_id)
            allowed = ind.markets_of(measure)
            market_raw = target.market if target and target.market else None
            if market_raw is None and "market" in col_of:
                market_raw = record[col_of["market"]]
                market, why = _map_market(market_raw, allowed, registry, f"{ind.id}/{meas_id}")
                if market is None:
                    problems.add(
                        **here,
                        column=col_of["market"],
                        value=str(market_raw),
                        expected=f"a drug market of {ind.id}/{meas_id}: {allowed}",
                        hint=why,
                    )
                    row_ok = False
                    continue
            else:
                market = market_raw or src.market or (allowed[0] if len(allowed) == 1 else None)
                if market is None:
                    raise MonitorError(f"data/sources.yml, source {src.id}: no market for {ind.id}/{meas_id}")
            if "region" in col_of:
                region_raw = str(record[col_of["region"]] or "").strip()
                region = registry.region_synonyms.get(region_raw.lower())
                if region not in ind.regions:
                    names = [n for n, r in _names(registry, "region").items() if r in ind.regions]
                    problems.add(
                        **here,
                        column=col_of["region"],
                        value=region_raw,
                        expected=f"a region of {ind.id}: {ind.regions}",
                        hint=did_you_mean(region_raw, names)
                        if region is None
                        else f"{region_raw!r} is region {region!r}, which {ind.id} does not have",
                    )
                    row_ok = False
                    continue
            else:
                region = (target.region if target and target.region else None) or src.region or ind.regions[0]
            raw_value = record[col]
            text = "" if raw_value is None else str(raw_value).strip()
            if src.symbols == "cbs" and text in CBS_MISSING or (src.symbols != "cbs" and text in ("", ".")):
                row_missing += 1  # the source says: no figure (missing or secret)
                continue
            if src.symbols == "cbs" and text == "-":
                value = 0.0
            else:
                value, why, hint = parse_number(raw_value, src)
                if (row, col) in ambiguous:
                    value, (why, hint) = None, ambiguous[(row, col)]
                if value is None:
                    problems.add(**here, column=col, value=text, expected=why, hint=hint)
                    row_ok = False
                    continue
            unit = registry.unit_by_id[measure.unit]
            value = value * src.scale
            if value < 0:
                problems.add(**here, column=col, value=text, expected="a value of 0 or more")
                row_ok = False
                continue
            if unit.kind == "count" and not float(round(value, 6)).is_integer():
                hint = ""
                if src.decimal == "," and re.fullmatch(r"-?\d{1,3},\d{3}", text):
                    hint = (
                        f"',' is the decimal comma in this file: write {text.replace(',', '')} "
                        f"or {text.replace(',', '.')}"
                    )
                problems.add(**here, column=col, value=text, expected="a whole number (a count)", hint=hint)
                row_ok = False
                continue
            out.append(
                {
                    "indicator": ind.id,
                    "measure": meas_id,
                    "market": market,
                    "region": region,
                    "year": year,
                    "value": round(value, unit.decimals),
                    "provisional": provisional,
                    **here,
                    "column": col,
                    "group": str(record.get(col_of.get("gemeente", ""), "")) if "gemeente" in col_of else "",
                    "raw": text,
                    "year_column": col_of["year"],
                    "raw_year": str(raw_year).strip(),
                }
            )
            row_kept += 1
        if not row_ok:
            stats.rows_rejected += 1
        elif row_kept:
            stats.rows_kept += 1
        elif row_missing:
            stats.rows_missing += 1
    if src.sum_rows and out:
        group_col = col_of.get("gemeente", "")
        out = _without_totals(out, group_col, problems, stats)
        out = _sum_rows(_without_repeated_parts(out, group_col, problems, stats), registry)
    return out


TOTAL_LABEL = re.compile(
    r"^\s*(sub)?(totaal|total|som|generaal totaal|grand total|alle gemeenten|nederland|nl)\b", re.IGNORECASE
)


def _without_totals(rows: list[dict], group_col: str, problems: ProblemList, stats: FileStats) -> list[dict]:
    """Rows to be summed (one per municipality) hold no totals: a row labelled 'Totaal' (or
    'Subtotaal') is checked against the sum of the others and never added; a row whose value is
    the sum of all the other rows of its year is a total without its label, and refused."""

    def key(r: dict) -> tuple:
        return (r["indicator"], r["measure"], r["market"], r["region"], r["year"])

    parts: dict[tuple, list[dict]] = {}
    totals: list[dict] = []
    for r in rows:
        (totals if TOTAL_LABEL.match(str(r["group"])) else parts.setdefault(key(r), [])).append(r)
    where = lambda r: {"file": r["file"], "sheet": r["sheet"], "row": r["row"], "column": r["column"]}  # noqa: E731
    for t in totals:
        others = parts.get(key(t), [])
        total = round(sum(o["value"] for o in others), 6)
        stats.rows_kept -= 1
        if others and total == round(t["value"], 6):
            stats.rows_missing += 1
            problems.add(
                **where(t),
                value=t["raw"],
                expected=f"warning: {t['group']!r} {t['year']} is a total row: checked against the sum of "
                f"the {len(others)} other rows ({total:g}) and not added",
                warning=True,
            )
            continue
        stats.rows_rejected += 1
        problems.add(
            **where(t),
            value=t["raw"],
            expected=f"the sum of the other rows of {t['year']} ({total:g} from {len(others)} rows)",
            hint=f"{t['group']!r} in column {group_col!r} is a total row; it is never added. The total "
            "the supplier gives differs from the sum of the parts: ask which is right",
        )
    out: list[dict] = []
    for group in parts.values():
        if len(group) >= 3:
            whole = sum(r["value"] for r in group)
            for r in group:
                if r["value"] and round(whole - r["value"], 6) == round(r["value"], 6):
                    problems.add(
                        **where(r),
                        value=r["raw"],
                        expected=f"one {group_col or 'part'} per row; this value is the sum of all other "
                        f"rows of {r['year']}",
                        hint=f"is {r['group']!r} a total? Remove the row, or label it 'Totaal'",
                    )
                    stats.rows_kept -= 1
                    stats.rows_rejected += 1
                    group = [g for g in group if g is not r]
                    break
        out += group
    return out


# Municipalities known by two names (CBS: the official name first).
MUNICIPALITY_ALIASES = {
    "den bosch": "s hertogenbosch",
    "den haag": "s gravenhage",
    "the hague": "s gravenhage",
}


def municipality_key(name: str) -> str:
    """A municipality's name without what spellings differ in: case, accents, punctuation, 'gemeente'."""
    import unicodedata

    text = unicodedata.normalize("NFKD", str(name)).encode("ascii", "ignore").decode().lower()
    text = re.sub(r"^gemeente\s+", "", text.strip())
    text = " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())
    return MUNICIPALITY_ALIASES.get(text, text)


def _without_repeated_parts(
    rows: list[dict], group_col: str, problems: ProblemList, stats: FileStats
) -> list[dict]:
    """Before summing (one row per municipality): a municipality twice in a year is a fault, not a part."""
    seen: dict[tuple, dict] = {}
    out = []
    for r in rows:
        key = (
            r["indicator"],
            r["measure"],
            r["market"],
            r["region"],
            r["year"],
            municipality_key(r["group"]),
        )
        first = seen.setdefault(key, r)
        if first is r:
            out.append(r)
            continue
        if first["group"] != r["group"]:
            problems.add(
                file=r["file"],
                sheet=r["sheet"],
                row=r["row"],
                column=group_col or r["column"],
                value=r["group"],
                expected=f"one spelling per {group_col or 'part'}",
                hint=f"{r['group']!r} and {first['group']!r} (row {first['row']}) are one municipality "
                f"spelled two ways; write {first['group']!r} on both rows, or correct the one that is wrong",
            )
            stats.rows_kept -= 1
            stats.rows_rejected += 1
            continue
        problems.add(
            file=r["file"],
            sheet=r["sheet"],
            row=r["row"],
            column=group_col or r["column"],
            value=r["group"],
            expected=f"one row per {group_col or 'part'} and year",
            hint=f"{r['group']!r} {r['year']} is also on row {first['row']}",
        )
        stats.rows_kept -= 1
        stats.rows_rejected += 1
    return out


def _sum_rows(rows: list[dict], registry: Registry) -> list[dict]:
    """Sum rows with the same key (one per municipality), keeping where each part came from."""
    frame = pd.DataFrame(rows)
    out = []
    for _, g in frame.groupby(KEY, sort=True):
        first = g.iloc[0].to_dict()
        measure = registry.indicator_by_id[first["indicator"]].measure(first["measure"])
        unit = registry.unit_by_id[measure.unit]
        first["value"] = round(float(g["value"].sum()), unit.decimals)
        first["raw"] = f"{first['value']:g}"
        first["provisional"] = bool(g["provisional"].any())
        first["row"] = " ".join(str(r) for r in g["row"])
        out.append(first)
    return out


# -- validation (pandera) -----------------------------------------------------------------------


def validation_schema(registry: Registry) -> pa.DataFrameSchema:
    """The clean observations' contract: known codes, years in the edition, plausible values."""
    combos = {
        (i.id, m.id, mk, rg)
        for i in registry.indicators
        for m in i.measures
        for mk in i.markets_of(m)
        for rg in i.regions
    }
    kind = {(i.id, m.id): registry.unit_by_id[m.unit].kind for i in registry.indicators for m in i.measures}

    def known(df: pd.DataFrame) -> pd.Series:
        keys = zip(df.indicator, df.measure, df.market, df.region, strict=True)
        return pd.Series([k in combos for k in keys], index=df.index)

    def kinds(df: pd.DataFrame) -> pd.Series:
        return pd.Series([kind.get(k, "") for k in zip(df.indicator, df.measure)], index=df.index)

    return pa.DataFrameSchema(
        {
            "indicator": pa.Column(str, pa.Check.isin(list(registry.indicator_by_id)), name="indicator"),
            "measure": pa.Column(str),
            "market": pa.Column(str),
            "region": pa.Column(str),
            "year": pa.Column(
                int,
                pa.Check.in_range(registry.first_year, registry.edition),
                description=f"a year from {registry.first_year} to {registry.edition} (the edition)",
            ),
            "value": pa.Column(float, pa.Check.ge(0), nullable=False),
            "provisional": pa.Column(bool),
        },
        checks=[
            pa.Check(known, name="a known indicator/measure/market/region combination", element_wise=False),
            pa.Check(
                lambda df: ~((kinds(df) == "percentage") & (df.value > 100)),
                name="a percentage from 0 to 100",
            ),
            pa.Check(lambda df: ~((kinds(df) == "price") & (df.value <= 0)), name="a price above 0"),
            pa.Check(
                lambda df: ~((kinds(df) == "count") & (df.value % 1 != 0)), name="a whole number (a count)"
            ),
        ],
        unique=KEY,
        report_duplicates="all",
        strict=False,
        coerce=False,
    )


def validate(frame: pd.DataFrame, registry: Registry, problems: ProblemList) -> set[int]:
    """Problems for every failing observation, with the raw file, row, column and value it came from."""
    if frame.empty:
        return set()
    bad = _duplicates(frame, problems)
    try:
        validation_schema(registry).validate(frame, lazy=True)
        return bad
    except pa.errors.SchemaErrors as err:
        cases = err.failure_cases
    seen: set[tuple[int, str]] = set()
    for case in cases.itertuples():
        idx = case.index
        if idx is None or (isinstance(idx, float) and np.isnan(idx)):
            continue
        idx, check = int(idx), str(case.check)
        if "unique" in check or "duplicate" in check.lower() or (idx, check) in seen:
            continue  # duplicates: see _duplicates; a frame-wide check fails once per column
        seen.add((idx, check))
        obs = frame.loc[idx]
        here = {"file": obs["file"], "sheet": obs["sheet"], "row": _first_row(obs["row"])}
        raw = obs.get("raw")
        value = raw if isinstance(raw, str) and raw else f"{obs['value']:g}"
        hint = ""
        if case.column == "year":
            column = _text(obs.get("year_column")) or "year"
            value = _text(obs.get("raw_year")) or str(obs["year"])
            expected = f"a year from {registry.first_year} to {registry.edition} (edition {registry.edition})"
            if int(obs["year"]) > registry.edition:
                hint = _edition_hint(registry)
        elif "greater_than_or_equal" in check:
            column, expected = obs["column"], "a value of 0 or more"
        else:
            column, expected = obs["column"], check
            if check == "a price above 0":
                hint = "leave the cell empty when there is no price"
            elif check.startswith("a known"):
                value = "/".join(str(obs[k]) for k in ("indicator", "measure", "market", "region"))
        problems.add(**here, column=column, value=value, expected=expected, hint=hint)
        bad.add(idx)
    return bad


def _edition_hint(registry: Registry) -> str:
    return (
        f"the edition year is set in data/editie.yml; figures for {registry.edition + 1} belong to the "
        f"next edition: `monitor edition start {registry.edition + 1}`"
    )


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _duplicates(frame: pd.DataFrame, problems: ProblemList) -> set[int]:
    """One observation per key: each copy is reported with where the others are."""
    dup = frame.duplicated(KEY, keep=False)
    if not dup.any():
        return set()
    for _, g in frame[dup].groupby(KEY, sort=False):
        places = {i: (r["file"], _first_row(r["row"])) for i, r in g.iterrows()}
        for i, r in g.iterrows():
            others = [p for j, p in places.items() if j != i]
            where = ", ".join(f"row {row}" if f == r["file"] else f"{f}, row {row}" for f, row in others)
            key = "/".join(str(r[k]) for k in ("indicator", "measure", "market", "region"))
            raw = r.get("raw")
            problems.add(
                file=r["file"],
                sheet=r["sheet"],
                row=_first_row(r["row"]),
                column=r["column"],
                value=raw if isinstance(raw, str) and raw else f"{r['value']:g}",
                expected="one value per indicator, measure, market, region and year",
                hint=f"{key} {r['year']} is also on {where}",
            )
    return set(frame.index[dup.to_numpy()])


def _first_row(row) -> int:
    """The first row number in a lineage text ('12', '12 14', 'file: rows 12-20 31')."""
    import re

    found = re.search(r"(?:rows |^)(\d+)", str(row))
    return int(found.group(1)) if found else 0


# -- warnings: jumps and years that disappeared -------------------------------------------------


def warnings_for(frame: pd.DataFrame, registry: Registry, previous: pd.DataFrame | None) -> list[Problem]:
    out: list[Problem] = []
    f = frame.sort_values(KEY, kind="stable").reset_index(drop=True)
    series = ["indicator", "measure", "market", "region"]
    same = np.zeros(len(f), dtype=bool)
    same[1:] = True
    for c in series:
        col = f[c].to_numpy()
        same[1:] &= col[1:] == col[:-1]
    year, value = f["year"].to_numpy(), f["value"].to_numpy(dtype=float)
    quiet = f["series_break"].to_numpy(dtype=bool) | f["note"].astype(str).ne("").to_numpy()
    limits = {(i.id, m.id): m.jump_warning_pct for i in registry.indicators for m in i.measures}
    limit = np.array([limits[k] for k in zip(f["indicator"], f["measure"], strict=True)], dtype=float)
    # Each year against the one before; known irregularities (a break, an annotated year) are not news.
    candidate = same.copy()
    candidate[1:] &= (year[1:] - year[:-1] == 1) & ~quiet[1:] & ~quiet[:-1] & (value[:-1] != 0)
    change = np.zeros(len(f))
    change[1:] = np.divide(
        value[1:] - value[:-1], value[:-1], out=np.zeros(len(f) - 1), where=value[:-1] != 0
    )
    for i in np.flatnonzero(candidate & (np.abs(change * 100) > limit)):
        a, b = f.iloc[i - 1], f.iloc[i]
        pct = (value[i] - value[i - 1]) / value[i - 1] * 100
        records = b["column"] == "(records)"
        out.append(
            Problem(
                file=b["file"],
                sheet=b["sheet"],
                row=0 if records else _first_row(b["row"]),
                column="" if records else b["column"],
                value=str(float(value[i])),
                expected=f"warning: {b['indicator']}/{b['measure']}/{b['market']} changed {pct:+.0f}% from "
                f"{int(a['year'])} to {int(b['year'])} ({value[i - 1]:g} → {value[i]:g}), more than the "
                f"{limit[i]:g}% that data/indicators.yml allows (jump_warning_pct); check the delivery",
                warning=True,
            )
        )
    if previous is not None and not previous.empty:
        now = set(zip(frame.indicator, frame.measure, frame.market, frame.region, frame.year))
        for k in sorted(
            set(zip(previous.indicator, previous.measure, previous.market, previous.region, previous.year))
            - now
        ):
            out.append(
                Problem(
                    file="data/clean",
                    row=0,
                    column="",
                    value="",
                    expected=f"warning: {'/'.join(map(str, k[:3]))} {k[4]}: "
                    "the previous edition had this year, this delivery does not",
                    warning=True,
                )
            )
    return out


# -- the run --------------------------------------------------------------------------------------


def _annotate(frame: pd.DataFrame, src_list: list[Source], problems: ProblemList) -> pd.DataFrame:
    frame = frame.assign(series_break=False, note="")
    for src in src_list:
        for a in src.annotations:
            mask = (frame.indicator == a.indicator) & (frame.year == a.year)
            if a.measure:
                mask &= frame.measure == a.measure
            if a.market:
                mask &= frame.market == a.market
            if not mask.any():
                problems.add(
                    file="data/sources.yml",
                    row=0,
                    column="",
                    value=f"{a.indicator} {a.year}",
                    expected=f"warning: annotation of source {src.id} for {a.indicator} {a.year} "
                    "matches no observation",
                    warning=True,
                )
                continue
            if a.note:
                frame.loc[mask, "note"] = a.note
            if a.series_break:
                frame.loc[mask, "series_break"] = True
    return frame


def collect(
    project: Project, registry: Registry, progress: Progress
) -> tuple[pd.DataFrame, list[FileStats], ProblemList, list[Source]]:
    config = load_sources(project.root / "data" / "sources.yml")
    sources = config.sources
    check_targets(sources, registry)
    problems = ProblemList()
    stats: list[FileStats] = []
    parts: list[pd.DataFrame] = []
    claimed: set[Path] = set()
    for src in sources:
        files = sorted({p for pattern in src.files for p in project.raw.glob(pattern) if p.is_file()})
        files = _inside_raw(project, files, claimed, problems)
        record_parts: list[tuple[str, pd.DataFrame]] = []
        if not files:
            problems.add(
                file="data/raw",
                row=0,
                column="",
                value="",
                expected=f"warning: no delivery for source {src.id} ({src.organisation}): "
                f"no file matches {src.files}",
                warning=True,
            )
        files = _without_superseded(project, src, files, claimed, problems)
        for path in files:
            rel = str(path.relative_to(project.root))
            progress(f"clean: {rel}" + (f" [{src.sheet}]" if src.sheet else ""))
            claimed.add(path)
            st = FileStats(rel, src.id, src.organisation, sha256(path), path.stat().st_size)
            stats.append(st)
            before = len(problems)
            if src.layout == "records":
                seizures = _records_of_file(path, rel, src, registry, problems, st)
                if seizures is not None:
                    record_parts.append((rel, seizures))
                else:
                    _whole_file(problems, before)
            else:
                table = read_table(path, rel, src, problems, config.limits)
                if table is None:
                    _whole_file(problems, before)
                    continue
                if not check_columns(table, list(src.columns) + list(src.series), src, problems):
                    st.rows_read = st.rows_rejected = len(table.frame)
                    _whole_file(problems, before)
                    continue
                rows = normalise_table(table, src, registry, problems, st)
                if rows:
                    st.first_year = min(r["year"] for r in rows)
                    st.last_year = max(r["year"] for r in rows)
                    parts.append(pd.DataFrame(rows))
        if record_parts:
            # All agencies' files together: the indicator counts every seizure once. The file
            # is a categorical column: a path repeated on millions of rows costs gigabytes.
            files = [rel for rel, _ in record_parts]
            seizures = pd.concat([frame for _, frame in record_parts], ignore_index=True)
            lengths = [len(frame) for _, frame in record_parts]
            seizures["file"] = pd.Categorical.from_codes(
                np.repeat(np.arange(len(files)), lengths), categories=files
            )
            record_parts.clear()
            if "record_id" in seizures:
                id_column = next(c for c, f in src.columns.items() if f == "record_id")
                before = len(problems)
                rec.ids_in_several_files(seizures, id_column, src, problems)
                _whole_file(problems, before)  # a file counted twice: no --allow-rejections passes it
                seizures = seizures.drop(columns="record_id")
            parts.append(_aggregate_records(seizures, src, registry))
    for path in sorted(project.raw.rglob("*")):
        if path.is_file() and path not in claimed and path.name not in ("demo.yml", ".gitkeep", "README.md"):
            problems.add(
                file=str(path.relative_to(project.root)),
                row=0,
                column="",
                value="",
                expected="warning: no source in data/sources.yml reads this file; it is not used",
                warning=True,
            )
    frame = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    return frame, stats, problems, sources


def _inside_raw(project: Project, files: list[Path], claimed: set[Path], problems: ProblemList) -> list[Path]:
    """Only files whose real path is inside data/raw are read: a link to a file elsewhere is refused,
    naming the link, and nothing of what it points to is read or shown."""
    raw = project.raw.resolve()
    inside = []
    for path in files:
        real = path.resolve()
        if real == raw or raw in real.parents:
            inside.append(path)
            continue
        claimed.add(path)
        problems.add(
            file=str(path.relative_to(project.root)),
            row=0,
            column="",
            value="a link to a file outside data/raw",
            expected="a file inside data/raw (the monitor reads nothing outside the project's raw data)",
            hint="copy the delivery into data/raw instead of linking to it",
            whole_file=True,
        )
    return inside


def _without_superseded(
    project: Project, src: Source, files: list[Path], claimed: set[Path], problems: ProblemList
) -> list[Path]:
    """The files of a source less those a re-delivery replaces ('supersedes' in data/sources.yml)."""
    old = set()
    for new_name, old_name in src.supersedes.items():
        for name in (new_name, old_name):
            if not (project.raw / name).is_file():
                problems.add(
                    file="data/sources.yml",
                    row=0,
                    column="",
                    value=name,
                    expected=f"a file under data/raw/ ('supersedes' of source {src.id})",
                    hint="the path is relative to data/raw/, e.g. politie/inbeslagnames_2024.csv",
                    whole_file=True,
                )
        old.add(project.raw / old_name)
    for path in files:
        if path in old:
            claimed.add(path)
            problems.add(
                file=str(path.relative_to(project.root)),
                row=0,
                column="",
                value="",
                expected="warning: not read; data/sources.yml says "
                f"{next(n for n, o in src.supersedes.items() if project.raw / o == path)} replaces it",
                warning=True,
            )
    return [p for p in files if p not in old]


def _whole_file(problems: ProblemList, start: int) -> None:
    """The problems from `start` on made a whole file unusable: no `--allow-rejections` passes them."""
    problems[start:] = [p if p.warning else dataclasses.replace(p, whole_file=True) for p in problems[start:]]


def check_targets(sources: list[Source], registry: Registry) -> None:
    """Every indicator, measure, market and region that data/sources.yml names exists in the registry."""
    lines = []
    for src in sources:
        targets: list[tuple[str, str | None, str | None, str | None, str | None]] = []
        if src.indicator or src.measure:
            targets.append(("", src.indicator, src.measure, src.market, src.region))
        for kind, mapping in (("measures", src.measures), ("series", src.series)):
            targets += [
                (f"{kind} {k!r}", t.indicator, t.measure, t.market or src.market, t.region or src.region)
                for k, t in mapping.items()
            ]
        if src.aggregate:
            a = src.aggregate
            targets += [("aggregate", a.indicator, m, None, None) for m in (a.count, a.total, a.large) if m]
        targets += [
            (f"annotations {a.year}", a.indicator, a.measure, a.market, None) for a in src.annotations
        ]
        for where, ind_id, meas_id, market, region in targets:
            at = f"data/sources.yml, source {src.id}" + (f", {where}" if where else "")
            ind = registry.indicator_by_id.get(ind_id or "")
            if ind is None:
                hint = did_you_mean(ind_id or "", list(registry.indicator_by_id))
                lines.append(
                    f"{at}: {ind_id!r} is not an indicator in data/indicators.yml"
                    + (f"; {hint}" if hint else "")
                )
                continue
            if meas_id is None:
                continue
            ids = [m.id for m in ind.measures]
            if meas_id not in ids:
                hint = did_you_mean(meas_id, ids)
                lines.append(
                    f"{at}: {ind.id}/{meas_id} is not a measure in data/indicators.yml"
                    + (f"; {hint}" if hint else f"; the measures of {ind.id} are {ids}")
                )
                continue
            allowed = ind.markets_of(ind.measure(meas_id))
            if market and market not in allowed:
                lines.append(f"{at}: {market!r} is not a market of {ind.id}/{meas_id} ({allowed})")
            if region and region not in ind.regions:
                lines.append(f"{at}: {region!r} is not a region of {ind.id} ({ind.regions})")
    if lines:
        raise MonitorError(
            "data/sources.yml does not match data/indicators.yml:\n"
            + "\n".join(f"  - {line}" for line in lines)
        )


def _records_of_file(path, rel, src, registry, problems, st) -> pd.DataFrame | None:
    raw = rec.read_records(path, rel, src, problems)
    if raw is None:
        return None
    st.rows_read = len(raw)
    found = [str(c) for c in raw.columns]
    if raw.empty:
        problems.add(
            file=rel,
            row=0,
            column="",
            value="",
            expected=f"data rows below the header (row {src.skip_rows + 1}); the file has none",
        )
        return None
    if not column_problems(
        rel, "", src.skip_rows + 1, found, list(src.columns), src, problems, joiner=src.delimiter
    ):
        st.rows_rejected = len(raw)
        return None
    seizures, rejected = rec.clean_records(raw, rel, src, registry, problems)
    seizures, outside = _records_in_edition(seizures, raw, rel, src, registry, problems)
    st.rows_rejected = rejected + outside
    st.rows_kept = len(seizures)
    if len(seizures):
        st.first_year, st.last_year = int(seizures["year"].min()), int(seizures["year"].max())
    return seizures


def _records_in_edition(
    seizures: pd.DataFrame,
    raw: pd.DataFrame,
    rel: str,
    src: Source,
    registry: Registry,
    problems: ProblemList,
) -> tuple[pd.DataFrame, int]:
    """Seizures dated outside the edition's years, reported with the date as the file writes it."""
    if seizures.empty:
        return seizures, 0
    outside = ((seizures["year"] < registry.first_year) | (seizures["year"] > registry.edition)).to_numpy()
    if not outside.any():
        return seizures, 0
    date_col = next(c for c, f in src.columns.items() if f == "date")
    expected = f"a date from {registry.first_year} to {registry.edition} (edition {registry.edition})"
    rows = seizures["row"].to_numpy()[outside]
    late = set(seizures["row"].to_numpy()[outside & (seizures["year"] > registry.edition).to_numpy()])
    for row in rows[: rec.MAX_PROBLEMS_PER_CHECK]:
        problems.add(
            file=rel,
            row=int(row),
            column=date_col,
            value=str(raw.at[row, date_col]),
            expected=expected,
            hint=_edition_hint(registry) if row in late else "",
        )
    more = len(rows) - rec.MAX_PROBLEMS_PER_CHECK
    if more > 0:
        problems.add(
            file=rel,
            row=0,
            column=date_col,
            value="",
            expected=f"{expected} — and {more} more rows like these",
        )
    return seizures[~outside], int(outside.sum())


def _aggregate_records(seizures: pd.DataFrame, src: Source, registry: Registry) -> pd.DataFrame:
    agg = rec.aggregate(seizures, src, registry)
    if agg.empty:
        return agg
    lineage = rec.lineage(seizures)
    return agg.assign(
        region=registry.indicator_by_id[src.aggregate.indicator].regions[0],
        provisional=agg.year.isin(src.provisional_years),
        file=[lineage[(m, y)][0] for m, y in zip(agg.market, agg.year)],
        sheet="",
        column="(records)",
        row=[lineage[(m, y)][1] for m, y in zip(agg.market, agg.year)],
    )


def _rejected_csv(problems: list[Problem]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["file", "sheet", "row", "column", "value", "reason"])
    for p in sorted(problems, key=lambda p: (p.file, p.sheet, p.row, p.column)):
        reason = p.expected + (f"; {p.hint}" if p.hint else "")
        w.writerow([p.file, p.sheet, p.row, p.column, p.value, reason])
    return buf.getvalue()


def _manifest_csv(stats: list[FileStats]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    cols = [
        "file",
        "source",
        "organisation",
        "sha256",
        "bytes",
        "rows_read",
        "rows_kept",
        "rows_missing",
        "rows_rejected",
        "first_year",
        "last_year",
    ]
    w.writerow(cols)
    for s in sorted(stats, key=lambda s: (s.file, s.source)):
        w.writerow([getattr(s, c) for c in cols])
    return buf.getvalue()


def _lineage_csv(frame: pd.DataFrame) -> str:
    cols = KEY + ["file", "sheet", "rows", "column"]
    out = frame.assign(rows=frame["row"].astype(str))[cols].sort_values(KEY)
    return out.to_csv(index=False, lineterminator="\n")


def _demo_metadata(project: Project) -> str:
    path = project.raw / "demo.yml"
    meta = safe_yaml.safe_load(path.read_text(encoding="utf-8"), path) if path.exists() else {}
    demo = bool(meta.get("demo", False))
    description = " ".join(str(meta.get("description", "")).split())
    from report.observations import metadata_text

    return metadata_text(demo, description)


def clean(project: Project, progress: Progress | None = None, allow_rejections: bool = False) -> CleanResult:
    progress = progress or (lambda m: None)
    registry = load_registry(project.registry)
    repaired = recover(project.clean, sorted(project.clean.parent.glob(".clean-tmp-*")))
    frame, stats, problems, sources = collect(project, registry, progress)
    for what in repaired:
        problems.add(file="data/clean", row=0, column="", value="", expected=f"warning: {what}", warning=True)
    logs = project.root / "_logs"
    if not frame.empty:
        frame = _annotate(frame, sources, problems)
        frame["year"] = frame["year"].astype(int)
        frame["value"] = frame["value"].astype(float)
        frame["provisional"] = frame["provisional"].astype(bool)
        bad = validate(frame, registry, problems)
        if bad:
            for idx in bad:
                st = next(s for s in stats if s.file == frame.at[idx, "file"])
                st.rows_rejected += 1
                st.rows_kept = max(0, st.rows_kept - 1)
            frame = frame.drop(index=list(bad))
    from report.clean.revisions import compare_with_previous, previous_edition

    previous = previous_edition(project, registry)
    for w in warnings_for(frame, registry, previous) if not frame.empty else []:
        problems.append(w)
    errors = problems.errors
    # Every error is shown; --allow-rejections passes rejected rows, never a file that could not be read.
    fatal = errors if not allow_rejections else [p for p in errors if p.row == 0 or p.whole_file]
    rejected_text = _rejected_csv(sorted(set(errors)))
    if fatal or frame.empty:
        logs.mkdir(exist_ok=True)
        path = logs / "rejected.csv"
        path.write_text(rejected_text, encoding="utf-8")
        if frame.empty and not fatal:
            fatal = [
                Problem(file="data/raw", row=0, column="", value="", expected="at least one observation")
            ]
        raise CleanFailed(sorted(set(fatal)), path)

    frame = frame.sort_values(KEY, ignore_index=True)
    revisions = compare_with_previous(frame, previous)
    tmp = Path(tempfile.mkdtemp(prefix=".clean-tmp-", dir=project.clean.parent))
    try:
        (tmp / "observations.csv").write_text(format_observations(frame[COLUMNS], registry), encoding="utf-8")
        (tmp / "metadata.yml").write_text(_demo_metadata(project), encoding="utf-8")
        (tmp / "manifest.csv").write_text(_manifest_csv(stats), encoding="utf-8")
        (tmp / "configuration.csv").write_text(configuration_csv(project), encoding="utf-8")
        (tmp / "lineage.csv").write_text(_lineage_csv(frame), encoding="utf-8")
        (tmp / "rejected.csv").write_text(rejected_text, encoding="utf-8")
        revisions_text = revisions.to_csv(index=False, lineterminator="\n")
        (tmp / "revisions.csv").write_text(revisions_text, encoding="utf-8")
        replace_dir(tmp, project.clean, "clean")
    finally:
        if tmp.exists():
            shutil.rmtree(tmp)
    return CleanResult(frame, stats, problems, revisions=revisions, written=True, warnings=problems.warnings)
