"""The indicator registry: the 20 indicators of the source study, kept as data.

The registry (``data/indicators.yml``) is the project's log of assumptions and caveats:
every indicator carries its theme, measures, drug markets, quality rating, sources and the
caveats of the source study. It is validated on load; anything unexpected is an error that
names the file, the entry and the field.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from report import safe_yaml
from report.errors import MonitorError

Quality = Literal["groen", "geel", "oranje"]


class _Strict(BaseModel):
    # Unknown keys are typos or stale fields; refusing them keeps the registry honest.
    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(_Strict):
    """A text in Dutch and English."""

    nl: str = Field(min_length=1)
    en: str = Field(min_length=1)


class Theme(_Strict):
    id: str
    chapter: int = Field(ge=2, description="Chapter number in the report (1 is Inleiding).")
    title: Text
    file: str = Field(description="Chapter file under chapters/.")


class Market(_Strict):
    id: str
    name: Text
    parent: str | None = None
    synonyms: list[str] = Field(
        default_factory=list,
        description="Other names sources use ('coke', 'cocaïne'); matched case-insensitively.",
    )
    colour: str = Field(pattern=r"^#[0-9a-f]{6}$")


class Words(_Strict):
    """Like Text, but may be empty: a count has no unit word ("2.031 hennepkwekerijen")."""

    nl: str
    en: str


class Unit(_Strict):
    id: str
    symbol: Text = Field(description="Short unit for axes and tables, e.g. 'kg', '%'.")
    words: Words = Field(description="Unit in running text, e.g. 'kilogram', 'procent'; empty for counts.")
    decimals: int = Field(ge=0, le=3)
    kind: Literal["count", "amount", "money", "percentage", "price", "rate", "index"]


class Measure(_Strict):
    id: str
    label: Text = Field(description="Noun phrase for text: 'het aantal inbeslagnames'.")
    axis: Text = Field(description="Short axis / table heading.")
    unit: str
    lower_bound: bool = Field(
        default=False, description="Registered figures are a lower bound: text says 'ten minste'."
    )
    stable_within_pct: float = Field(
        default=2.0,
        ge=0,
        description="Relative change (percent) below which text says 'vrijwel gelijk'.",
    )
    jump_warning_pct: float = Field(
        default=75.0, gt=0, description="Year-on-year change (percent) that triggers a warning."
    )
    markets: list[str] | None = Field(
        default=None, description="Subset of the indicator's markets; default all of them."
    )
    threshold_kg: dict[str, float] | None = Field(
        default=None,
        description="Record-level sources: a record counts as large from this many kg "
        "(per market id, or 'default').",
    )


class Caveat(_Strict):
    nl: str = Field(min_length=1)
    en: str = Field(min_length=1)
    source: str = Field(description="Where in the source study: 'Bijlage 5', '§3.1', ...")


class Indicator(_Strict):
    number: int = Field(ge=1)
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    theme: str
    title: Text
    definition: Text
    measures: list[Measure] = Field(min_length=1)
    markets: list[str] = Field(min_length=1)
    regions: list[str] = Field(
        default_factory=lambda: ["NL"], description="Region codes; NL for national series."
    )
    quality: Quality
    quality_note: Text
    available_via: str
    data_source: str
    frequency: Text
    yearly: bool | None = Field(
        default=None,
        description="Expected every year, so `monitor status` counts a missing edition year as missing; "
        "default: yes, except for oranje (not periodically available) indicators.",
    )
    source_line: str = Field(description="Text after 'Bron:' under every figure and table.")
    caveats: list[Caveat] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_measures(self) -> Indicator:
        ids = [m.id for m in self.measures]
        if len(ids) != len(set(ids)):
            raise ValueError(f"measure ids repeat: {ids}")
        if len(self.markets) != len(set(self.markets)):
            raise ValueError(f"markets repeat: {self.markets}")
        for m in self.measures:
            extra = set(m.markets or []) - set(self.markets)
            if extra:
                raise ValueError(f"measure {m.id!r} names markets the indicator lacks: {sorted(extra)}")
        return self

    @property
    def expected_yearly(self) -> bool:
        return self.yearly if self.yearly is not None else self.quality != "oranje"

    def markets_of(self, measure: Measure) -> list[str]:
        return list(measure.markets or self.markets)

    def measure(self, measure_id: str) -> Measure:
        return next(m for m in self.measures if m.id == measure_id)


class Region(_Strict):
    id: str
    name: Text
    synonyms: list[str] = Field(default_factory=list)


class Registry(_Strict):
    # Not written in data/indicators.yml: load_registry fills it in from data/editie.yml.
    edition: int = Field(default=0, exclude=True)
    first_year: int
    themes: list[Theme] = Field(min_length=1)
    markets: list[Market] = Field(min_length=1)
    units: list[Unit] = Field(min_length=1)
    regions: list[Region] = Field(min_length=1)
    indicators: list[Indicator] = Field(min_length=1)

    @model_validator(mode="after")
    def _cross_references(self) -> Registry:
        themes = {t.id for t in self.themes}
        markets = {m.id for m in self.markets}
        units = {u.id for u in self.units}
        regions = {r.id for r in self.regions}
        problems = []
        for m in self.markets:
            if m.parent is not None and m.parent not in markets:
                problems.append(f"market {m.id!r}: unknown parent {m.parent!r}")
        seen_numbers, seen_ids = set(), set()
        for ind in self.indicators:
            where = f"indicator {ind.number} ({ind.id})"
            if ind.number in seen_numbers:
                problems.append(f"{where}: number {ind.number} used twice")
            if ind.id in seen_ids:
                problems.append(f"{where}: id {ind.id!r} used twice")
            seen_numbers.add(ind.number)
            seen_ids.add(ind.id)
            if ind.theme not in themes:
                problems.append(f"{where}: unknown theme {ind.theme!r}; known: {sorted(themes)}")
            for mk in ind.markets:
                if mk not in markets:
                    problems.append(f"{where}: unknown market {mk!r}; known: {sorted(markets)}")
            for rg in ind.regions:
                if rg not in regions:
                    problems.append(f"{where}: unknown region {rg!r}; known: {sorted(regions)}")
            for ms in ind.measures:
                if ms.unit not in units:
                    problems.append(
                        f"{where}, measure {ms.id!r}: unknown unit {ms.unit!r}; known: {sorted(units)}"
                    )
        if problems:
            raise ValueError("; ".join(problems))
        return self

    # Look-ups used everywhere; cached because the registry is frozen.
    @cached_property
    def theme_by_id(self) -> dict[str, Theme]:
        return {t.id: t for t in self.themes}

    @cached_property
    def market_by_id(self) -> dict[str, Market]:
        return {m.id: m for m in self.markets}

    @cached_property
    def market_synonyms(self) -> dict[str, str]:
        """Lower-case id, Dutch and English name and synonyms → market id."""
        out: dict[str, str] = {}
        for m in self.markets:
            for name in (m.id, m.name.nl, m.name.en, *m.synonyms):
                out.setdefault(name.lower(), m.id)
        return out

    @cached_property
    def region_synonyms(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for r in self.regions:
            for name in (r.id, r.name.nl, r.name.en, *r.synonyms):
                out.setdefault(name.lower(), r.id)
        return out

    @cached_property
    def unit_by_id(self) -> dict[str, Unit]:
        return {u.id: u for u in self.units}

    @cached_property
    def region_by_id(self) -> dict[str, Region]:
        return {r.id: r for r in self.regions}

    @cached_property
    def indicator_by_id(self) -> dict[str, Indicator]:
        return {i.id: i for i in self.indicators}

    def indicators_of(self, theme_id: str) -> list[Indicator]:
        return sorted((i for i in self.indicators if i.theme == theme_id), key=lambda i: i.number)


def _format_pydantic_error(path: Path, raw: dict, err: ValidationError) -> str:
    lines = [f"{path}: the indicator registry is not valid ({err.error_count()} problem(s)):"]
    for e in err.errors():
        loc = list(e["loc"])
        # Name the indicator by number and id rather than by list position.
        where = ".".join(str(p) for p in loc)
        if len(loc) >= 2 and loc[0] == "indicators" and isinstance(loc[1], int):
            try:
                entry = raw["indicators"][loc[1]]
                where = f"indicator {entry.get('number', '?')} ({entry.get('id', '?')})" + (
                    "." + ".".join(str(p) for p in loc[2:]) if loc[2:] else ""
                )
            except (KeyError, IndexError, TypeError, AttributeError):
                pass
        got = e.get("input")
        got_txt = "" if isinstance(got, dict | list) else f" (found {got!r})"
        lines.append(f"  - {where}: {e['msg']}{got_txt}")
    return "\n".join(lines)


def load_registry(path: str | Path) -> Registry:
    """Read and validate the registry; raise MonitorError with every problem listed."""
    path = Path(path)
    try:
        # The C loader when libyaml is there: the pure-Python one takes half a second here.
        text = path.read_text(encoding="utf-8")
        safe_yaml.check_bounds(text, path)
        raw = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except FileNotFoundError as exc:
        raise MonitorError(f"{path}: indicator registry not found") from exc
    except yaml.YAMLError as exc:
        raise MonitorError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(raw, dict):
        raise MonitorError(f"{path}: expected a mapping with 'indicators', found {type(raw).__name__}")
    if "edition" in raw:
        raise MonitorError(
            f"{path}: 'edition: {raw['edition']}' does not belong here any more; the edition year is set "
            f"in one place, {path.parent / 'editie.yml'} (year, publication_date, status, previous)"
        )
    try:
        registry = Registry.model_validate(raw)
    except ValidationError as exc:
        raise MonitorError(_format_pydantic_error(path, raw, exc)) from exc
    from report.edition import load_edition

    # data/indicators.yml lives in data/; the project root is its parent's parent.
    return registry.model_copy(update={"edition": load_edition(path.parent.parent).year})
