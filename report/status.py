"""`monitor status`: is every delivery of this edition in, and is anything silently missing?

Per source (and, for a source whose parts come from different agencies, per file pattern) and
per indicator × market: the latest year delivered against the edition year, as one of
complete, provisional, missing, incomplete (a total that lacks one of its parts), not periodic
(orange indicators, measured when they are measured, unless the registry says `yearly: true`)
or not delivered (with the reason the author recorded as `not_delivered` in data/sources.yml).
Provisional flags that are out of date and an edition that is not frozen-consistent are listed
as problems.

Reads only data/editie.yml, data/sources.yml, data/indicators.yml and data/clean/.
"""

from __future__ import annotations

import csv
import dataclasses
import fnmatch
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from report import numbers
from report.clean.config import Source, load_sources
from report.edition import Edition, load_edition
from report.errors import MonitorError
from report.freshness import raw_files_changed
from report.project import Project
from report.registry import Registry, load_registry

if TYPE_CHECKING:
    from report.observations import Observation

COMPLETE, PROVISIONAL, MISSING, INCOMPLETE = "complete", "provisional", "missing", "incomplete"
NOT_PERIODIC, NOT_DELIVERED = "not periodic", "not delivered"
BLOCKING = {MISSING, INCOMPLETE}


@dataclass(frozen=True)
class Line:
    kind: str  # "source", "file" (one agency's part of a source) or "series" (indicator × market)
    name: str
    latest: int | None
    state: str
    detail: str = ""

    @property
    def blocking(self) -> bool:
        return self.state in BLOCKING

    def __str__(self) -> str:
        latest = "nothing delivered" if self.latest is None else f"latest year {self.latest}"
        return f"{self.name}: {self.state} ({latest})" + (f" — {self.detail}" if self.detail else "")


@dataclass
class Status:
    edition: Edition
    sources: list[Line] = field(default_factory=list)
    series: list[Line] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # out-of-date flags, frozen-consistency
    notes: list[str] = field(default_factory=list)  # worth knowing, never blocking

    @property
    def missing(self) -> list[Line]:
        return [line for line in self.sources + self.series if line.blocking]

    @property
    def ok(self) -> bool:
        return not self.missing and not self.problems

    def reasons(self) -> list[str]:
        """Everything that stands in the way of a final edition, one sentence each.

        Deliveries one by one; indicators one line each, naming the markets that lack the year.
        """
        out = [f"{line.kind} {line}" for line in self.sources if line.blocking]
        by_indicator: dict[str, list[Line]] = {}
        for line in self.series:
            if line.blocking:
                by_indicator.setdefault(line.name.split(", ")[0], []).append(line)
        total = {}
        for line in self.series:
            total[line.name.split(", ")[0]] = total.get(line.name.split(", ")[0], 0) + 1
        for ind, lines in by_indicator.items():
            markets = [line.name.split(", ", 1)[1] for line in lines]
            which = (
                "every market"
                if len(lines) == total[ind] and len(lines) > 1
                else numbers.words(markets, "en")
            )
            details = sorted({line.detail for line in lines})
            out.append(f"indicator {ind} ({which}): {lines[0].state} — {'; '.join(details)}")
        return out + self.problems


def source_indicators(src: Source) -> set[str]:
    """The indicators a source feeds."""
    ids = {src.indicator} if src.indicator else set()
    ids |= {t.indicator for t in (*src.measures.values(), *src.series.values())}
    if src.aggregate:
        ids.add(src.aggregate.indicator)
    return ids


def _manifest(project: Project) -> list[dict]:
    path = project.clean / "manifest.csv"
    if not path.exists():
        raise MonitorError(f"{path}: no clean data yet; run `monitor clean` first")
    rows = list(csv.DictReader(path.read_text(encoding="utf-8").splitlines()))
    if rows and "last_year" not in rows[0]:
        raise MonitorError(f"{path}: written by an older `monitor clean` (no years per file); run it again")
    return rows


def _latest(rows: list[dict]) -> int | None:
    years = [int(r["last_year"]) for r in rows if str(r.get("last_year", "")).strip()]
    return max(years) if years else None


def _part_name(pattern: str) -> str:
    """'kmar/inbeslagnames_*.csv' → 'kmar': the folder is the agency that delivers it."""
    return pattern.split("/")[0] if "/" in pattern else pattern


def compute(project: Project) -> Status:
    """The status of the edition. What it is made of is kept in the project cache (keyed on
    data/editie.yml, sources.yml, indicators.yml, every file of data/clean/ and data/edities/
    and the code): a render after an edit of the text asks again, and working it out costs
    ~0.5 s (pandas among it). Whether data/raw changed since the last clean is asked afresh."""
    status = _cached_status(project)
    if raw_files_changed(project):
        status.problems.append(RAW_CHANGED)
    return status


RAW_CHANGED = (
    "data/raw, data/sources.yml, data/indicators.yml or data/editie.yml changed since the last "
    "`monitor clean`: clean first"
)


def _status_inputs(project: Project) -> str:
    from report.cache import code_version, digest, files_hash

    data = project.root / "data"
    files = [data / name for name in ("editie.yml", "sources.yml", "indicators.yml")]
    for folder in (project.clean, data / "edities"):
        if folder.is_dir():
            files += [p for p in folder.rglob("*") if p.is_file()]
    return digest("status", files_hash(files, project.root), code_version())


def _cached_status(project: Project) -> Status:
    import json

    from report.cache import Cache

    cache = Cache.of_project(project.root)
    key = _status_inputs(project)
    entry = cache.get("status", key)
    if entry is not None:
        try:
            return _status_from_json(json.loads(entry.file("status.json").read_text(encoding="utf-8")))
        except (ValueError, KeyError, TypeError):
            pass  # written by other code: worked out again below
    status = _compute(project)
    cache.put("status", key, {"status.json": json.dumps(_status_to_json(status), ensure_ascii=False)})
    return status


def _status_to_json(status: Status) -> dict:
    return {
        "edition": status.edition.model_dump(mode="json"),
        "sources": [dataclasses.asdict(line) for line in status.sources],
        "series": [dataclasses.asdict(line) for line in status.series],
        "problems": list(status.problems),
        "notes": list(status.notes),
    }


def _status_from_json(data: dict) -> Status:
    return Status(
        Edition(**data["edition"]),
        sources=[Line(**line) for line in data["sources"]],
        series=[Line(**line) for line in data["series"]],
        problems=list(data["problems"]),
        notes=list(data["notes"]),
    )


def _compute(project: Project) -> Status:
    from report.observations import load_clean_data

    edition = load_edition(project)
    registry = load_registry(project.registry)
    sources = load_sources(project.root / "data" / "sources.yml").sources
    manifest = _manifest(project)
    obs = load_clean_data(project.clean, registry).observations
    status = Status(edition)
    year = edition.year
    # Orange indicators are measured now and then, unless the registry says `yearly: true`.
    irregular = {i.id for i in registry.indicators if not i.expected_yearly}
    reasons_by_indicator: dict[str, str] = {}
    incomplete: dict[str, str] = {}  # indicator → which parts lack the edition year

    for src in sources:
        files = [r for r in manifest if r["source"] == src.id]
        reason = src.not_delivered.get(year, "").strip()
        periodic = not source_indicators(src) <= irregular
        for ind in source_indicators(src):
            if reason:
                reasons_by_indicator.setdefault(ind, f"{src.id}: {reason}")
        parts: list[Line] = []
        if len(src.files) > 1:
            for pattern in src.files:
                mine = [r for r in files if fnmatch.fnmatch(r["file"].removeprefix("data/raw/"), pattern)]
                parts.append(
                    _delivery_line(
                        "file",
                        f"{src.id}, {_part_name(pattern)} ({pattern})",
                        _latest(mine),
                        year,
                        reason,
                        periodic,
                        f"no file matches data/raw/{pattern}" if not mine else "",
                    )
                )
        latest = _latest(files)
        line = _delivery_line(
            "source",
            f"{src.id} ({src.organisation})",
            latest,
            year,
            reason,
            periodic,
            f"no file matches {', '.join(src.files)}" if not files else "",
        )
        lacking = [p for p in parts if p.blocking]
        if lacking and latest is not None and latest >= year:
            names = numbers.words([p.name.split(", ", 1)[1] for p in lacking], "en")
            line = Line("source", line.name, latest, INCOMPLETE, f"no {year} records from {names}")
            if src.aggregate:
                incomplete[src.aggregate.indicator] = names
        status.sources.append(line)
        status.sources.extend(parts)
        status.problems.extend(_provisional_problems(src, year, latest))
        for stale in sorted(y for y in src.not_delivered if y < year):
            status.notes.append(
                f"data/sources.yml, source {src.id}: not_delivered {stale} is for an earlier edition; "
                "remove it when it is no longer true"
            )

    for ind in registry.indicators:
        for market in ind.markets:
            rows = [o for o in obs if o.indicator == ind.id and o.market == market]
            name = f"{ind.number} {ind.id}, {registry.market_by_id[market].name.en}"
            latest = max(o.year for o in rows) if rows else None
            # A measure may lag behind the others (two sheets of one file): name it.
            lagging = [
                m.id
                for m in ind.measures
                if market in ind.markets_of(m) and not any(o.measure == m.id and o.year >= year for o in rows)
            ]
            if latest is not None and latest >= year:
                if ind.id in incomplete:
                    state, detail = INCOMPLETE, f"the {year} total lacks {incomplete[ind.id]}"
                    detail += _changes(registry, ind.id, market, rows, year)
                elif lagging and ind.id not in irregular and ind.id not in reasons_by_indicator:
                    state, detail = MISSING, f"no {year} figure for measure {', '.join(lagging)}"
                elif any(o.provisional for o in rows if o.year == year):
                    state, detail = PROVISIONAL, ""
                else:
                    state, detail = COMPLETE, ""
            elif ind.id in reasons_by_indicator:
                state, detail = NOT_DELIVERED, reasons_by_indicator[ind.id]
            elif ind.id in irregular:
                years = sorted({o.year for o in rows})
                state = NOT_PERIODIC
                detail = f"measured in {numbers.years(years[-4:], 'en')}" if years else "never measured yet"
            else:
                state, detail = MISSING, f"no figure for {year}"
            status.series.append(Line("series", name, latest, state, detail))
    status.problems.extend(frozen_consistency(project, edition))
    return status


def _delivery_line(
    kind: str, name: str, latest: int | None, year: int, reason: str, periodic: bool, detail: str
) -> Line:
    if latest is not None and latest >= year:
        return Line(kind, name, latest, COMPLETE)
    if reason:
        return Line(kind, name, latest, NOT_DELIVERED, reason)
    if not periodic:
        return Line(kind, name, latest, NOT_PERIODIC, "feeds only indicators that are not measured yearly")
    return Line(kind, name, latest, MISSING, detail or f"no figures for {year}")


def _changes(registry: Registry, ind_id: str, market: str, rows: list[Observation], year: int) -> str:
    """How far an incomplete total moved in the edition year, per measure (beyond its limit marked)."""
    ind = registry.indicator_by_id[ind_id]
    out = []
    for measure in ind.measures:
        # An aggregate (a total of agencies' records) is one national series: a value per year.
        r = {o.year: o.value for o in rows if o.measure == measure.id}
        if year in r and year - 1 in r and r[year - 1]:
            pct = (r[year] - r[year - 1]) / r[year - 1] * 100
            decimals = registry.unit_by_id[measure.unit].decimals
            beyond = " beyond its limit" if abs(pct) > measure.jump_warning_pct else ""
            out.append(
                f"{measure.id} {numbers.number(r[year - 1], decimals)} → "
                f"{numbers.number(r[year], decimals)} ({pct:+.0f}%{beyond})"
            )
    return (f"; {year - 1} → {year}: " + ", ".join(out)) if out else ""


def _provisional_problems(src: Source, year: int, latest: int | None) -> list[str]:
    where = f"data/sources.yml, source {src.id}: provisional_years {src.provisional_years}"
    out = []
    for y in src.provisional_years:
        if y > year:
            out.append(f"{where}: {y} lies after the edition year {year}")
        elif y < year - 1 or (y == year - 1 and year not in src.provisional_years and latest == year):
            out.append(
                f"{where}: {y} is out of date for edition {year} (its figures count as final by now, and "
                f"{year} is not marked); `monitor edition start` moves the flag, or change it by hand"
            )
    return out


def frozen_consistency(project: Project, edition: Edition) -> list[str]:
    """The edition compares with a frozen edition that exists, and a frozen copy of this one matches."""
    from report.clean.revisions import editions_dir, frozen_matches_clean

    out = []
    folder = editions_dir(project)
    if edition.previous is not None and not (folder / str(edition.previous) / "observations.csv").exists():
        out.append(
            f"data/editie.yml names previous edition {edition.previous}, but "
            f"data/edities/{edition.previous}/ does not exist: revisions cannot be marked"
        )
    if (folder / str(edition.year)).exists() and not frozen_matches_clean(project, edition.year):
        out.append(
            f"data/edities/{edition.year}/ differs from data/clean: the frozen edition is not what is "
            f"rendered; freeze again with `monitor freeze {edition.year} --replace` or clean the data "
            "it holds"
        )
    return out  # whether data/raw changed since the last clean: compute() asks afresh


def report_lines(status: Status, verbose: bool = False) -> list[tuple[str, str]]:
    """(style, text) lines for the console: sources, then indicators grouped, then problems."""
    year = status.edition.year
    out: list[tuple[str, str]] = [
        ("bold", f"status of edition {year} (data/editie.yml, {status.edition.status})")
    ]
    out.append(("bold", "deliveries:"))
    for line in status.sources:
        indent = "    " if line.kind == "file" else "  "
        out.append((_style(line.state), indent + str(line)))
    out.append(("bold", "indicators × markets:"))
    groups: dict[str, list[Line]] = {}
    for line in status.series:
        groups.setdefault(line.name.split(", ")[0], []).append(line)
    for ind, lines in groups.items():
        states = {(line.state, line.latest, line.detail) for line in lines}
        if len(states) == 1 and not verbose:
            state, latest, detail = states.pop()
            markets = "all markets" if len(lines) > 1 else lines[0].name.split(", ", 1)[1]
            text = f"  {ind} ({markets}): {state}" + (f" ({latest})" if latest else "")
            out.append((_style(state), text + (f" — {detail}" if detail else "")))
            continue
        for line in lines:
            out.append((_style(line.state), "  " + str(line)))
    for p in status.problems:
        out.append(("red", f"problem: {p}"))
    for n in status.notes:
        out.append(("yellow", f"note: {n}"))
    missing = status.missing
    if status.ok:
        out.append(("green", f"edition {year}: every delivery is in or accounted for"))
    else:
        out.append(
            (
                "red",
                f"edition {year}: {len(missing)} missing without a recorded reason, "
                f"{len(status.problems)} other problem(s)",
            )
        )
    return out


def _style(state: str) -> str:
    return {COMPLETE: "green", PROVISIONAL: "cyan", NOT_PERIODIC: "dim", NOT_DELIVERED: "yellow"}.get(
        state, "red"
    )
