"""`monitor trace`: from a number in the report back to the raw file, sheet, rows and column.

Reads data/clean/lineage.csv and manifest.csv. Where a seizure count spans too many row ranges
to keep in the lineage, the rows are found again by reading the raw files the same way the clean
stage did.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from report.errors import MonitorError
from report.project import Project


@dataclass(frozen=True)
class Trace:
    key: dict[str, str]
    value: str
    file: str
    sheet: str
    rows: str
    column: str
    sha256: dict[str, str]


def _read(path: Path) -> list[dict]:
    if not path.exists():
        raise MonitorError(f"{path}: not found; run `monitor clean` first")
    with path.open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def trace(
    project: Project,
    indicator: str,
    year: int,
    measure: str | None = None,
    market: str | None = None,
    region: str | None = None,
) -> list[Trace]:
    lineage = _read(project.clean / "lineage.csv")
    values = {
        (r["indicator"], r["measure"], r["market"], r["region"], r["year"]): r["value"]
        for r in _read(project.clean / "observations.csv")
    }
    hashes = {r["file"]: r["sha256"] for r in _read(project.clean / "manifest.csv")}
    found = []
    for r in lineage:
        if r["indicator"] != indicator or int(r["year"]) != year:
            continue
        if (measure and r["measure"] != measure) or (market and r["market"] != market):
            continue
        if region and r["region"] != region:
            continue
        files = r["file"].split()
        rows = r["rows"]
        if "monitor trace" in rows:
            rows = _rows_again(project, r)
        key = {k: r[k] for k in ("indicator", "measure", "market", "region", "year")}
        found.append(
            Trace(
                key,
                values.get(tuple(key.values()), ""),
                r["file"],
                r["sheet"],
                rows,
                r["column"],
                {f: hashes.get(f, "?") for f in files},
            )
        )
    if not found:
        known = sorted({r["indicator"] for r in lineage})
        raise MonitorError(
            f"no clean number for {indicator} {year}"
            + (f" {measure}" if measure else "")
            + (f" {market}" if market else "")
            + (f"; indicators in data/clean: {known}" if indicator not in known else "")
        )
    return found


def _rows_again(project: Project, row: dict) -> str:
    """All raw rows of one aggregated seizure number (the lineage keeps only a count then)."""
    from report.clean import records as rec
    from report.clean.config import load_sources
    from report.clean.problems import ProblemList
    from report.registry import load_registry

    registry = load_registry(project.registry)
    sources = load_sources(project.root / "data" / "sources.yml").sources
    src = next(s for s in sources if s.layout == "records" and s.aggregate.indicator == row["indicator"])
    parts = []
    for rel in row["file"].split():
        problems = ProblemList()
        frame = rec.read_records(project.root / rel, rel, src, problems)
        if frame is None:
            raise MonitorError(f"{rel}: cannot be read again ({problems[0] if problems else 'unknown'})")
        seizures, _ = rec.clean_records(frame, rel, src, registry, problems)
        mine = seizures[
            (seizures["market"].astype(str) == row["market"]) & (seizures["year"] == int(row["year"]))
        ]
        parts.append(f"{rel}: rows {rec.row_ranges(mine['row'].to_numpy(), limit=10**9)}")
    return "; ".join(parts)
