"""How each source's files are read: declared in data/sources.yml, validated here.

A source is one kind of delivery (a file pattern, a sheet) in one of three layouts:
- ``long``: one row per observation (year, market, value, and maybe measure or region);
- ``wide``: one row per year, one column per series;
- ``records``: one row per event (a seizure), aggregated into count, total and large count.
"""

from __future__ import annotations

import codecs
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from report import safe_yaml
from report.clean.problems import did_you_mean
from report.errors import MonitorError


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Target(_Strict):
    """Where a column or a measure label goes."""

    indicator: str
    measure: str
    market: str | None = None
    region: str | None = None


class Annotation(_Strict):
    """A year-specific note from the delivery (footnote, covering letter)."""

    indicator: str
    year: int
    note: str = ""
    series_break: bool = False
    measure: str | None = None
    market: str | None = None


class RecordAggregation(_Strict):
    indicator: str
    count: str = Field(description="Measure that counts the records.")
    total: str = Field(description="Measure that sums the quantity (in kg).")
    large: str | None = Field(default=None, description="Measure that counts large records.")


class Source(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    organisation: str
    description: str = ""
    files: list[str] = Field(min_length=1, description="Glob patterns under data/raw/.")
    format: Literal["csv", "excel"]
    layout: Literal["long", "wide", "records"]
    # Text files
    encoding: str = "utf-8"
    delimiter: str = ","
    # Numbers as the source writes them
    decimal: Literal[",", "."] = "."
    thousands: Literal[".", ",", " ", ""] = ""
    symbols: Literal["none", "cbs"] = "none"
    # Layout of the sheet or file
    sheet: str | None = None
    skip_rows: int = Field(default=0, ge=0, description="Title rows above the header.")
    header_rows: int = Field(default=1, ge=1, le=3)
    columns: dict[str, str] = Field(
        default_factory=dict, description="Source column → field (year, market, region, measure, value, ...)."
    )
    # Targets
    indicator: str | None = None
    measure: str | None = None
    market: str | None = None
    region: str | None = None
    measures: dict[str, Target] = Field(
        default_factory=dict, description="Values of the 'measure' column → indicator/measure."
    )
    series: dict[str, Target] = Field(
        default_factory=dict, description="Wide layout: source column → indicator/measure/market."
    )
    scale: float = Field(default=1.0, gt=0, description="Multiply values (e.g. euro → miljoen euro).")
    sum_rows: bool = Field(default=False, description="Sum rows with the same key (e.g. per municipality).")
    # Record-level files
    units: dict[str, float] = Field(default_factory=dict, description="Record unit → kg factor.")
    date_format: str = "%d-%m-%Y"
    aggregate: RecordAggregation | None = None
    provisional_years: list[int] = Field(
        default_factory=list,
        description="Years whose figures are provisional (records sources; tables mark them with '*'). "
        "`monitor edition start` moves the old edition year to the new one.",
    )
    not_delivered: dict[int, str] = Field(
        default_factory=dict,
        description="Year → why the source delivers nothing for it (shown by `monitor status`).",
    )
    supersedes: dict[str, str] = Field(
        default_factory=dict,
        description="A re-delivery → the file it replaces (paths under data/raw/); the old file is not read.",
    )
    annotations: list[Annotation] = Field(default_factory=list)

    @field_validator("files", "supersedes")
    @classmethod
    def _inside_raw(cls, value):
        names = list(value) + (list(value.values()) if isinstance(value, dict) else [])
        for name in names:
            parts = Path(name).parts
            if Path(name).is_absolute() or ".." in parts or name.startswith("~"):
                raise ValueError(f"{name!r} leaves data/raw/: paths are relative to data/raw/, without '..'")
        return value

    @field_validator("encoding")
    @classmethod
    def _known_encoding(cls, value: str) -> str:
        try:
            codecs.lookup(value)
        except LookupError:
            raise ValueError("not a text encoding Python knows; use e.g. utf-8 or cp1252") from None
        return value

    @model_validator(mode="after")
    def _layout_needs(self) -> Source:
        fields = set(self.columns.values())
        if self.format == "excel" and not self.sheet:
            raise ValueError("an Excel source needs 'sheet'")
        if self.layout == "wide":
            if "year" not in fields or not self.series:
                raise ValueError("a wide source needs a 'year' column and 'series'")
        if self.layout == "long":
            if not {"year", "value"} <= fields:
                raise ValueError("a long source needs 'year' and 'value' columns")
            if "measure" in fields and not self.measures:
                raise ValueError("a 'measure' column needs a 'measures' mapping")
            if "measure" not in fields and not (self.indicator and self.measure):
                raise ValueError("a long source needs 'indicator' and 'measure' or a 'measure' column")
        if self.layout == "records":
            need = {"date", "market", "quantity", "unit"}
            if not need <= fields or self.aggregate is None or not self.units:
                raise ValueError(f"a records source needs columns {sorted(need)}, 'units' and 'aggregate'")
        return self


class Limits(_Strict):
    """Bounds on the work a raw workbook may ask for, checked before it is parsed (zip bombs)."""

    max_entries: int = Field(default=10_000, gt=0, description="Files inside one .xlsx.")
    max_entry_mb: float = Field(default=200, gt=0, description="Uncompressed size of one part (MB).")
    max_total_mb: float = Field(default=400, gt=0, description="Uncompressed size of all parts (MB).")
    max_ratio: float = Field(default=200, gt=1, description="Uncompressed size / compressed size of a part.")
    max_rows: int = Field(
        default=1_000_000,
        gt=0,
        description="Rows with data in a sheet (styled empty rows below do not count).",
    )


class Sources(_Strict):
    limits: Limits = Field(default_factory=Limits)
    sources: list[Source] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> Sources:
        ids = [s.id for s in self.sources]
        dup = {i for i in ids if ids.count(i) > 1}
        if dup:
            raise ValueError(f"source ids used twice: {sorted(dup)}")
        return self


_MODELS = (Sources, Source, Target, Annotation, RecordAggregation, Limits)


def _found_or_hint(error: dict) -> str:
    """An unknown key: the key it resembles; a wrong value: the value found."""
    if error["type"] == "extra_forbidden":
        hint = did_you_mean(str(error["loc"][-1]), sorted({f for m in _MODELS for f in m.model_fields}))
        return f"; {hint}" if hint else ""
    value = error.get("input")
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        return f" (found {value!r})"
    return ""


class _UniqueKeyLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """YAML where a key twice in one mapping is an error (plain YAML keeps the last one silently)."""

    def construct_mapping(self, node, deep=False):
        seen: dict[object, int] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None,
                    None,
                    f"key {key!r} appears twice in one entry (also on line {seen[key] + 1})",
                    key_node.start_mark,
                )
            seen[key] = key_node.start_mark.line
        return super().construct_mapping(node, deep=deep)


def _shown(path: Path) -> Path:
    """data/<file> for a file of a project's data folder: no machine path in a message."""
    return Path("data", path.name) if path.parent.name == "data" else path


def load_sources(path: Path) -> Sources:
    """The configuration; its messages name the file as the project does (data/sources.yml)."""
    full, path = path, _shown(path)
    try:
        text = full.read_text(encoding="utf-8")
        safe_yaml.check_bounds(text, path)
        raw = yaml.load(text, Loader=_UniqueKeyLoader)  # a safe loader
    except FileNotFoundError as exc:
        raise MonitorError(f"{path}: source configuration not found") from exc
    except yaml.MarkedYAMLError as exc:
        line = f", line {exc.problem_mark.line + 1}" if exc.problem_mark else ""
        raise MonitorError(f"{path}{line}: not valid YAML: {exc.problem}") from exc
    except yaml.YAMLError as exc:
        raise MonitorError(f"{path}: not valid YAML: {exc}") from exc
    try:
        return Sources.model_validate(raw)
    except ValidationError as exc:
        lines = [f"{path}: the source configuration is not valid:"]
        for e in exc.errors():
            loc = list(e["loc"])
            if len(loc) >= 2 and loc[0] == "sources" and isinstance(loc[1], int):
                try:
                    loc[1] = raw["sources"][loc[1]].get("id", loc[1])
                except (KeyError, IndexError, AttributeError, TypeError):
                    pass
            lines.append(f"  - {'.'.join(str(p) for p in loc)}: {e['msg']}{_found_or_hint(e)}")
        raise MonitorError("\n".join(lines)) from exc
