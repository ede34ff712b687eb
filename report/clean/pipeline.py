"""`monitor clean`: the raw deliveries in data/raw → a validated data/clean folder.

Nothing is lost: every raw file is hashed in the manifest with the rows read, kept, missing
(CBS '.' and 'x') and rejected; every rejected row is listed with its reason; every clean number
is traced to its file, sheet and rows (lineage.csv). Raw files are only read. The clean folder is
written beside the old one and swapped in at the end, so a failed run leaves it as it was.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pandera.pandas as pa
import yaml

from report.clean import records as rec
from report.clean.config import Source, load_sources
from report.clean.problems import Problem, ProblemList, did_you_mean
from report.clean.readers import ROW, check_columns, parse_number, read_table
from report.errors import MonitorError
from report.observations import COLUMNS, KEY, format_observations
from report.project import Project
from report.registry import Registry, load_registry

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


def _map_market(raw: object, allowed: list[str], registry: Registry) -> tuple[str | None, str]:
    name = "" if raw is None else str(raw).strip()
    market = registry.market_synonyms.get(name.lower())
    if market in allowed:
        return market, ""
    options = [n for n, m in registry.market_synonyms.items() if m in allowed]
    hint = did_you_mean(name.lower(), options)
    if market is not None:
        return None, f"{market!r} is not a market of this measure ({allowed})"
    return None, hint


def normalise_table(table, src: Source, registry: Registry, problems: ProblemList, stats: FileStats) -> list[dict]:
    """Rows of a long or wide table → observations with their provenance."""
    frame = table.frame
    field_of = dict(src.columns)
    col_of = {v: k for k, v in src.columns.items()}
    expected = list(src.columns) + list(src.series)
    if not check_columns(table, expected, src, problems):
        stats.rows_read = len(frame)
        stats.rows_rejected = len(frame)
        return []
    out: list[dict] = []
    for record in frame.to_dict("records"):
        row = int(record[ROW])
        stats.rows_read += 1
        here = {"file": table.file, "sheet": table.sheet, "row": row}
        year, provisional = _year(record[col_of["year"]])
        if year is None:
            problems.add(**here, column=col_of["year"], value=str(record[col_of["year"]]),
                         expected="a year such as 2024 (or 2024* when provisional)")
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
                    problems.add(**here, column=col_of["measure"], value=label,
                                 expected=f"a measure of source {src.id}: {list(src.measures)}",
                                 hint=did_you_mean(label, list(src.measures)))
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
            market_raw = (target.market if target and target.market else None)
            if market_raw is None and "market" in col_of:
                market_raw = record[col_of["market"]]
                market, why = _map_market(market_raw, allowed, registry)
                if market is None:
                    problems.add(**here, column=col_of["market"], value=str(market_raw),
                                 expected=f"a drug market of {ind.id}/{meas_id}: {allowed}", hint=why)
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
                    names = [n for n, r in registry.region_synonyms.items() if r in ind.regions]
                    problems.add(**here, column=col_of["region"], value=region_raw,
                                 expected=f"a region of {ind.id}: {ind.regions}",
                                 hint=did_you_mean(region_raw.lower(), names))
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
                value, why = parse_number(raw_value, src)
                if value is None:
                    problems.add(**here, column=col, value=text, expected=why)
                    row_ok = False
                    continue
            unit = registry.unit_by_id[measure.unit]
            value = value * src.scale
            if unit.kind == "count" and not float(round(value, 6)).is_integer():
                problems.add(**here, column=col, value=text, expected="a whole number (a count)")
                row_ok = False
                continue
            out.append({
                "indicator": ind.id, "measure": meas_id, "market": market, "region": region, "year": year,
                "value": round(value, unit.decimals), "provisional": provisional, **here, "column": col,
                "group": str(record.get(col_of.get("gemeente", ""), "")) if "gemeente" in col_of else "",
            })
            row_kept += 1
        if not row_ok:
            stats.rows_rejected += 1
        elif row_kept:
            stats.rows_kept += 1
        elif row_missing:
            stats.rows_missing += 1
    if src.sum_rows and out:
        out = _sum_rows(out, registry)
    return out


def _sum_rows(rows: list[dict], registry: Registry) -> list[dict]:
    """Sum rows with the same key (one per municipality), keeping where each part came from."""
    frame = pd.DataFrame(rows)
    dup_parts = frame.duplicated(KEY + ["group"], keep=False)
    out = []
    for key, g in frame.groupby(KEY, sort=True):
        first = g.iloc[0].to_dict()
        unit = registry.unit_by_id[registry.indicator_by_id[first["indicator"]].measure(first["measure"]).unit]
        first["value"] = round(float(g["value"].sum()), unit.decimals)
        first["provisional"] = bool(g["provisional"].any())
        first["row"] = " ".join(str(r) for r in g["row"])
        first["dup_parts"] = bool(dup_parts[g.index].any())
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
        return pd.Series([k in combos for k in zip(df.indicator, df.measure, df.market, df.region)], index=df.index)

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
            pa.Check(lambda df: ~((kinds(df) == "percentage") & (df.value > 100)), name="a percentage from 0 to 100"),
            pa.Check(lambda df: ~((kinds(df) == "price") & (df.value <= 0)), name="a price above 0"),
            pa.Check(lambda df: ~((kinds(df) == "count") & (df.value % 1 != 0)), name="a whole number (a count)"),
        ],
        unique=KEY,
        report_duplicates="all",
        strict=False,
        coerce=False,
    )


def validate(frame: pd.DataFrame, registry: Registry, problems: ProblemList) -> set[int]:
    """Problems for every failing observation, with the raw file, row and column it came from."""
    if frame.empty:
        return set()
    try:
        validation_schema(registry).validate(frame, lazy=True)
        return set()
    except pa.errors.SchemaErrors as err:
        cases = err.failure_cases
    bad: set[int] = set()
    for case in cases.itertuples():
        idx = case.index
        if idx is None or (isinstance(idx, float) and np.isnan(idx)):
            continue
        idx = int(idx)
        obs = frame.loc[idx]
        check = str(case.check)
        column = case.column if isinstance(case.column, str) and case.column in frame.columns else "value"
        if "unique" in check or "duplicate" in check.lower():
            expected = f"one observation per {KEY}; this one is also delivered elsewhere"
            column = obs["column"]
        elif column == "year":
            expected = f"a year from {registry.first_year} to {registry.edition} (the edition)"
        elif column == "value" and "greater_than_or_equal" in check:
            expected = "a value of 0 or more"
        else:
            expected = check
        problems.add(
            file=obs["file"], sheet=obs["sheet"], row=_first_row(obs["row"]),
            column=obs["column"] if column in ("value", "year") and column != "year" else column,
            value=str(obs[column] if column in obs else obs["value"]), expected=expected,
        )
        bad.add(idx)
    return bad


def _first_row(row) -> int:
    """The first row number in a lineage text ('12', '12 14', 'file: rows 12-20 31')."""
    import re

    found = re.search(r"(?:rows |^)(\d+)", str(row))
    return int(found.group(1)) if found else 0


# -- warnings: jumps and years that disappeared -------------------------------------------------


def warnings_for(frame: pd.DataFrame, registry: Registry, previous: pd.DataFrame | None) -> list[Problem]:
    out: list[Problem] = []
    for key, g in frame.sort_values("year").groupby(["indicator", "measure", "market", "region"], sort=True):
        limit = registry.indicator_by_id[key[0]].measure(key[1]).jump_warning_pct
        vals = g[["year", "value", "series_break", "note", "file", "sheet", "row", "column"]].to_dict("records")
        for a, b in zip(vals, vals[1:]):
            # Known irregularities (a break, an annotated year) are not news.
            if b["year"] - a["year"] != 1 or b["series_break"] or a["note"] or b["note"] or a["value"] == 0:
                continue
            pct = (b["value"] - a["value"]) / a["value"] * 100
            if abs(pct) > limit:
                records = b["column"] == "(records)"
                out.append(Problem(
                    file=b["file"], sheet=b["sheet"], row=0 if records else _first_row(b["row"]),
                    column="" if records else b["column"], value=str(b["value"]),
                    expected=f"warning: {'/'.join(key[:3])} changed {pct:+.0f}% from {a['year']} to {b['year']} "
                    f"({a['value']:g} → {b['value']:g}), more than the {limit:g}% that data/indicators.yml "
                    "allows (jump_warning_pct); check the delivery",
                    warning=True,
                ))
    if previous is not None and not previous.empty:
        now = set(zip(frame.indicator, frame.measure, frame.market, frame.region, frame.year))
        for k in sorted(set(zip(previous.indicator, previous.measure, previous.market, previous.region,
                                previous.year)) - now):
            out.append(Problem(
                file="data/clean", row=0, column="", value="",
                expected=f"warning: {'/'.join(map(str, k[:3]))} {k[4]}: the previous edition had this year, "
                "this delivery does not",
                warning=True,
            ))
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
                problems.add(file="data/sources.yml", row=0, column="", value=f"{a.indicator} {a.year}",
                             expected=f"warning: annotation of source {src.id} for {a.indicator} {a.year} "
                             "matches no observation",
                             warning=True)
                continue
            if a.note:
                frame.loc[mask, "note"] = a.note
            if a.series_break:
                frame.loc[mask, "series_break"] = True
    return frame


def collect(project: Project, registry: Registry, progress: Progress) -> tuple[pd.DataFrame, list[FileStats],
                                                                              ProblemList, list[Source]]:
    sources = load_sources(project.root / "data" / "sources.yml").sources
    problems = ProblemList()
    stats: list[FileStats] = []
    parts: list[pd.DataFrame] = []
    claimed: set[Path] = set()
    for src in sources:
        files = sorted({p for pattern in src.files for p in project.raw.glob(pattern) if p.is_file()})
        record_parts: list[pd.DataFrame] = []
        if not files:
            problems.add(file="data/raw", row=0, column="", value="",
                         expected=f"warning: no delivery for source {src.id} ({src.organisation}): "
                         f"no file matches {src.files}",
                         warning=True)
        for path in files:
            rel = str(path.relative_to(project.root))
            progress(f"clean: {rel}" + (f" [{src.sheet}]" if src.sheet else ""))
            claimed.add(path)
            st = FileStats(rel, src.id, src.organisation, sha256(path), path.stat().st_size)
            stats.append(st)
            if src.layout == "records":
                seizures = _records_of_file(path, rel, src, registry, problems, st)
                if seizures is not None:
                    record_parts.append(seizures.assign(file=rel))
            else:
                table = read_table(path, rel, src, problems)
                if table is None:
                    continue
                rows = normalise_table(table, src, registry, problems, st)
                if rows:
                    parts.append(pd.DataFrame(rows))
        if record_parts:
            # All agencies' files together: the indicator counts every seizure once.
            parts.append(_aggregate_records(pd.concat(record_parts, ignore_index=True), src, registry))
    for path in sorted(project.raw.rglob("*")):
        if path.is_file() and path not in claimed and path.name not in ("demo.yml", ".gitkeep", "README.md"):
            problems.add(file=str(path.relative_to(project.root)), row=0, column="", value="",
                         expected="warning: no source in data/sources.yml reads this file; it is not used",
                         warning=True)
    frame = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    return frame, stats, problems, sources


def _records_of_file(path, rel, src, registry, problems, st) -> pd.DataFrame | None:
    raw = rec.read_records(path, rel, src, problems)
    if raw is None:
        return None
    expected = list(src.columns)
    missing = [c for c in expected if c not in raw.columns]
    extra = [c for c in raw.columns if c not in expected]
    for c in missing:
        problems.add(file=rel, row=src.skip_rows + 1, column=c, value="",
                     expected=f"a column {c!r}; the header has {list(raw.columns)}",
                     hint=did_you_mean(c, extra))
    for c in extra:
        problems.add(file=rel, row=src.skip_rows + 1, column=c, value=c,
                     expected=f"only the columns of source {src.id}: {expected}")
    st.rows_read = len(raw)
    if missing or extra:
        st.rows_rejected = len(raw)
        return None
    seizures, rejected = rec.clean_records(raw, rel, src, registry, problems)
    st.rows_rejected = rejected
    st.rows_kept = len(seizures)
    return seizures


def _aggregate_records(seizures: pd.DataFrame, src: Source, registry: Registry) -> pd.DataFrame:
    agg = rec.aggregate(seizures, src, registry)
    if agg.empty:
        return agg
    lineage = {}
    for (market, year), g in seizures.groupby(["market", "year"], sort=False):
        lineage[(market, year)] = (
            " ".join(sorted(g["file"].unique())),
            "; ".join(f"{f}: rows {rec.row_ranges(gf['row'].to_numpy())}" for f, gf in g.groupby("file", sort=True)),
        )
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
        w.writerow([p.file, p.sheet, p.row, p.column, p.value, p.expected + (f"; {p.hint}" if p.hint else "")])
    return buf.getvalue()


def _manifest_csv(stats: list[FileStats]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    cols = ["file", "source", "organisation", "sha256", "bytes", "rows_read", "rows_kept", "rows_missing",
            "rows_rejected"]
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
    meta = yaml.safe_load(path.read_text(encoding="utf-8")) if path.exists() else {}
    demo = bool(meta.get("demo", False))
    description = " ".join(str(meta.get("description", "")).split())
    from report.observations import metadata_text

    return metadata_text(demo, description)


def clean(project: Project, progress: Progress | None = None, allow_rejections: bool = False) -> CleanResult:
    progress = progress or (lambda m: None)
    registry = load_registry(project.registry)
    frame, stats, problems, sources = collect(project, registry, progress)
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
    fatal = [p for p in errors if p.row == 0] or (errors if not allow_rejections else [])
    rejected_text = _rejected_csv(sorted(set(errors)))
    if fatal or frame.empty:
        logs.mkdir(exist_ok=True)
        path = logs / "rejected.csv"
        path.write_text(rejected_text, encoding="utf-8")
        if frame.empty and not fatal:
            fatal = [Problem(file="data/raw", row=0, column="", value="", expected="at least one observation")]
        raise CleanFailed(sorted(set(fatal)), path)

    frame = frame.sort_values(KEY, ignore_index=True)
    revisions = compare_with_previous(frame, previous)
    tmp = Path(tempfile.mkdtemp(prefix=".clean-tmp-", dir=project.clean.parent))
    try:
        (tmp / "observations.csv").write_text(format_observations(frame[COLUMNS], registry), encoding="utf-8")
        (tmp / "metadata.yml").write_text(_demo_metadata(project), encoding="utf-8")
        (tmp / "manifest.csv").write_text(_manifest_csv(stats), encoding="utf-8")
        (tmp / "lineage.csv").write_text(_lineage_csv(frame), encoding="utf-8")
        (tmp / "rejected.csv").write_text(rejected_text, encoding="utf-8")
        (tmp / "revisions.csv").write_text(revisions.to_csv(index=False, lineterminator="\n"), encoding="utf-8")
        old = project.clean.parent / ".clean-old"
        if old.exists():
            shutil.rmtree(old)
        if project.clean.exists():
            os.replace(project.clean, old)
        os.replace(tmp, project.clean)
        if old.exists():
            shutil.rmtree(old)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp)
    return CleanResult(frame, stats, problems, revisions=revisions, written=True, warnings=problems.warnings)


def raw_files_changed(project: Project) -> bool:
    """Do the raw files differ from those listed in data/clean/manifest.csv?"""
    if not project.raw.exists() or not (project.root / "data" / "sources.yml").exists():
        return False
    raw = {
        str(p.relative_to(project.root)): p
        for p in project.raw.rglob("*")
        if p.is_file() and p.name not in ("demo.yml", ".gitkeep", "README.md")
    }
    if not raw:
        return False
    manifest = project.clean / "manifest.csv"
    if not manifest.exists():
        return True
    listed = {}
    for row in csv.DictReader(manifest.read_text(encoding="utf-8").splitlines()):
        listed[row["file"]] = row["sha256"]
    if set(listed) != set(raw):
        return True
    return any(sha256(path) != listed[name] for name, path in raw.items())
