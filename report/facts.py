"""Facts per series: latest value, previous value, change, change over the series, gaps.

A series is one indicator × measure × market × region. Facts are plain numbers; formatting
for text happens in report.text, so tests can compare every number in the text with these.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from report.observations import Observation
from report.registry import Indicator, Measure, Registry


@dataclass(frozen=True)
class Point:
    year: int
    value: float
    provisional: bool
    series_break: bool
    note: str


@dataclass(frozen=True)
class SeriesFacts:
    indicator: str
    measure: str
    market: str
    region: str
    unit: str
    decimals: int
    kind: str
    lower_bound: bool
    stable_within_pct: float
    points: tuple[Point, ...]
    missing_years: tuple[int, ...]
    break_years: tuple[int, ...]

    # Derived facts are computed once here so text, figures and variables agree.
    last: Point = field(init=False)
    previous: Point | None = field(init=False)
    comparable: bool = field(init=False)
    change: float | None = field(init=False)
    change_pct: float | None = field(init=False)
    direction: str = field(init=False)
    base: Point | None = field(init=False)
    change_since_base_pct: float | None = field(init=False)
    change_since_base: float | None = field(init=False)

    def __post_init__(self) -> None:
        pts = self.points
        last = pts[-1]
        prev = pts[-2] if len(pts) > 1 else None
        # Years on either side of a break are not comparable.
        comparable = prev is not None and not any(prev.year < b <= last.year for b in self.break_years)
        change = change_pct = None
        direction = "onbekend"
        if prev is not None and comparable:
            change = last.value - prev.value
            change_pct = (change / prev.value * 100) if prev.value else None
            direction = _direction(change, change_pct, self.kind, self.stable_within_pct)
        # The base of the long comparison: the first year of the current (unbroken) series.
        after_break = [p for p in pts if not any(p.year < b <= last.year for b in self.break_years)]
        base = after_break[0] if len(after_break) > 1 and after_break[0] is not prev else None
        if base is not None and base.year == last.year:
            base = None
        since = since_pct = None
        if base is not None:
            since = last.value - base.value
            since_pct = (since / base.value * 100) if base.value else None
        object.__setattr__(self, "last", last)
        object.__setattr__(self, "previous", prev)
        object.__setattr__(self, "comparable", comparable)
        object.__setattr__(self, "change", change)
        object.__setattr__(self, "change_pct", change_pct)
        object.__setattr__(self, "direction", direction)
        object.__setattr__(self, "base", base)
        object.__setattr__(self, "change_since_base", since)
        object.__setattr__(self, "change_since_base_pct", since_pct)

    @property
    def key(self) -> tuple[str, str, str, str]:
        return (self.indicator, self.measure, self.market, self.region)

    @property
    def years(self) -> list[int]:
        return [p.year for p in self.points]

    @property
    def sparse(self) -> bool:
        """More years missing than present within the span: say which years exist instead."""
        return len(self.missing_years) > len(self.points)


def _direction(change: float, change_pct: float | None, kind: str, threshold: float) -> str:
    if kind == "percentage":
        # For shares the change is in percentage points; the threshold is read as points/10.
        small = abs(change) < threshold / 10
    elif change_pct is None:
        small = change == 0
    else:
        small = abs(change_pct) < threshold
    if small:
        return "gelijk"
    return "hoger" if change > 0 else "lager"


def series_facts(
    registry: Registry,
    indicator: Indicator,
    measure: Measure,
    market: str,
    region: str,
    rows: Sequence[Observation],
) -> SeriesFacts | None:
    if not rows:
        return None
    unit = registry.unit_by_id[measure.unit]
    points = tuple(
        Point(int(r.year), float(r.value), bool(r.provisional), bool(r.series_break), str(r.note))
        for r in sorted(rows, key=lambda r: r.year)
    )
    years = [p.year for p in points]
    missing = tuple(y for y in range(years[0], years[-1] + 1) if y not in years)
    breaks = tuple(p.year for p in points if p.series_break)
    return SeriesFacts(
        indicator=indicator.id,
        measure=measure.id,
        market=market,
        region=region,
        unit=unit.id,
        decimals=unit.decimals,
        kind=unit.kind,
        lower_bound=measure.lower_bound,
        stable_within_pct=measure.stable_within_pct,
        points=points,
        missing_years=missing,
        break_years=breaks,
    )


def all_facts(
    registry: Registry, observations: Iterable[Observation]
) -> dict[tuple[str, str, str, str], SeriesFacts]:
    """Facts for every series that has data, in registry order."""
    groups: dict[tuple[str, str, str, str], list[Observation]] = {}
    for o in observations:
        groups.setdefault((o.indicator, o.measure, o.market, o.region), []).append(o)
    out: dict[tuple[str, str, str, str], SeriesFacts] = {}
    for ind in registry.indicators:
        for measure in ind.measures:
            for market in ind.markets_of(measure):
                for region in ind.regions:
                    rows = groups.get((ind.id, measure.id, market, region))
                    if rows is None:
                        continue
                    facts = series_facts(registry, ind, measure, market, region, rows)
                    if facts is not None:
                        out[facts.key] = facts
    return out
