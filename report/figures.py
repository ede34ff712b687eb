"""Trend figures per indicator and measure (small multiples per market), with Altair.

Each figure is written as SVG (PDF and HTML), PNG (DOCX), its data as CSV and its Vega-Lite
spec (interactive HTML chart). Provisional values are open circles, series breaks a dashed
rule, missing years a gap in the line. The source line is not part of the image: it stands under the
figure as text ("Bron: ..."), in every format.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path

import altair as alt
import vl_convert as vlc
from altair.utils.schemapi import debug_mode

from report import numbers
from report.errors import MonitorError
from report.facts import SeriesFacts
from report.figure_export import (  # noqa: F401 - the figure's public names, drawn there
    EXPORT_LOCALE,
    EXPORT_SUFFIXES,
    PNG_SCALE,
    Drawing,
    export,
    export_all,
    figure_csv,
    register_fonts,
)
from report.registry import Indicator, Measure, Registry

FONT = "Noto Sans"
LINTBLAUW = "#154273"
GREY = "#535353"
WIDTH_SINGLE = 520
WIDTH_PANEL = 170


@dataclass(frozen=True)
class Figure:
    id: str
    indicator: str
    measure: str
    caption: str
    alt: str
    stem: str  # path without extension, relative to the project root, starting with "/"


def figure_id(indicator: str, measure: str) -> str:
    return f"{indicator}-{measure}".replace("_", "-")


YEAR_LABEL_PX = 33  # a label "2024" at 11 px plus the gap to its neighbour


def year_span(first: int, last: int) -> str:
    """'2012–2024', or '2025' for a series of one year."""
    return str(first) if first == last else f"{first}–{last}"


def year_axis(first: int, last: int, width: int) -> alt.X:
    """Whole years, a tick every year, a label every year or every few years as the width allows
    (counted back from the latest year, so that one is always labelled). The domain has half a
    year of room at both ends, so the first and last labels sit under their ticks (labelFlush off)
    instead of being pushed inward against their neighbours."""
    years = list(range(first, last + 1))
    step = next((n for n in (1, 2, 3, 4, 5, 10) if -(-len(years) // n) * YEAR_LABEL_PX <= width), 10)
    return alt.X(
        "jaar:Q",
        title=None,
        axis=alt.Axis(
            values=years,
            format="d",
            labelAngle=0,
            labelFlush=False,
            labelOverlap=False,
            labelExpr=f"({last} - datum.value) % {step} == 0 ? datum.label : ''",
        ),
        scale=alt.Scale(domain=[first - 0.5, last + 0.5], nice=False, zero=False),
    )


def value_axis(fmt: str, decimals: int | None, ticks: int) -> alt.Axis:
    """A y-axis whose tick labels never repeat a value. Vega's tickMinStep only tends to keep ticks
    one shown decimal apart; a tick between two such values (0,05 on an axis of one decimal) keeps
    its tick mark but gets no label, instead of a second '0,1'."""
    if decimals is None:
        return alt.Axis(format=fmt, tickCount=ticks)
    unit = 10**decimals
    return alt.Axis(
        format=fmt,
        tickCount=ticks,
        tickMinStep=1 / unit,
        labelExpr=f"abs(datum.value * {unit} - round(datum.value * {unit})) < 1e-6 ? datum.label : ''",
    )


HEADROOM = 1.1  # the y-domain reaches at least 10 percent past the highest value, then a nice tick


def headroom(base: alt.Chart, y: alt.Y) -> alt.Chart:
    """An invisible layer at 1.1 × each value: every panel's own y-domain gets room above its
    highest value (and below a negative one), then rounds up to a tick, so no line runs along
    the top edge of the plot."""
    return (
        base.mark_point(opacity=0, aria=False)
        .encode(y=alt.Y(**(y.to_dict() | {"field": "ruimte"})))
        .transform_filter("datum.waarde != null")
        .transform_calculate(ruimte=f"datum.waarde * {HEADROOM}")
    )


def _config() -> dict:
    return {
        "font": FONT,
        "axis": {"labelFontSize": 11, "titleFontSize": 11, "labelColor": GREY, "titleColor": GREY},
        "legend": {"labelFontSize": 11, "titleFontSize": 11},
        "header": {"labelFontSize": 12, "labelFontWeight": "bold", "labelColor": LINTBLAUW},
        "title": {"fontSize": 10, "color": GREY, "fontWeight": "normal"},
        "view": {"stroke": None},
    }


def _rows(registry: Registry, series: list[SeriesFacts]) -> list[dict]:
    rows: list[dict] = []
    for s in series:
        market = registry.market_by_id[s.market].name.nl
        region = registry.region_by_id[s.region].name.nl
        by_year = {p.year: p for p in s.points}
        part = 0
        for year in range(s.points[0].year, s.points[-1].year + 1):
            p = by_year.get(year)
            if p is not None and p.series_break:
                part += 1  # a new line after a series break: the years are not comparable
            rows.append(
                {
                    "markt": market,
                    "regio": region,
                    "deel": f"{s.market}-{s.region}-{part}",
                    "jaar": year,
                    # None breaks the line: a missing year shows as a gap.
                    "waarde": None if p is None else p.value,
                    "status": "ontbreekt" if p is None else ("voorlopig" if p.provisional else "definitief"),
                    "noot": "" if p is None else p.note,
                }
            )
    return rows


def _unvalidated(make):
    """Altair checks every object it makes against the Vega-Lite schema as it is made (its
    "debug mode"): more than half the time of a spec. Skipped, as in :func:`spec_of`;
    tests/test_figures.py validates the finished specs instead."""

    @functools.wraps(make)
    def wrapper(*args, **kwargs):
        with debug_mode(False):
            return make(*args, **kwargs)

    return wrapper


@dataclass(frozen=True)
class ChartWithRows:
    """An Altair chart whose data stand apart until the spec is written (:func:`spec_of`).

    Altair deep-copies a chart, data included, at every step (``encode``, ``resolve_scale``,
    ``configure``), and converts the data row by row in ``to_dict``: with the rows in the chart
    that was two thirds of the time spent on a spec. The chart holds a named placeholder
    (``ROWS``) instead, replaced by the rows in the finished spec, where they stand exactly
    as Altair would have written them."""

    chart: alt.TopLevelMixin
    rows: list[dict]


ROWS = alt.Data(name="monitor-rows")
# A provisional value's marker is white inside. Written into the fill channel itself rather than
# with alt.condition(), which makes a Color that Altair converts to a Fill through its schema
# lookup (~8 ms each time); so is every channel given as a string or alt.value(): the channels
# here are Altair's channel objects, and the spec is the same.
OPEN_IF_PROVISIONAL = {"test": alt.datum.status == "voorlopig", "value": "white"}
_INDEPENDENT_Y = alt.Resolve(scale=alt.ScaleResolveMap(y="independent"))  # each panel its own scale


@_unvalidated
def build_chart(
    registry: Registry,
    indicator: Indicator,
    measure: Measure,
    series: list[SeriesFacts],
) -> ChartWithRows:
    unit = registry.unit_by_id[measure.unit]
    fmt = ",." + str(unit.decimals) + "f"
    data = _rows(registry, series)
    markets = list(dict.fromkeys(r["markt"] for r in data))
    regional = indicator.regions != ["NL"] and len(indicator.regions) > 1
    colour_field = "regio" if regional else "markt"
    colour_domain = list(dict.fromkeys(r[colour_field] for r in data))
    if regional:
        palette = ["#154273", "#e17000", "#39870c", "#a90061", "#007bc7"]
    else:
        palette = [registry.market_by_id[s.market].colour for s in series]
        palette = list(dict.fromkeys(palette)) if len(set(palette)) == len(colour_domain) else None
    colour_of = {
        "title": "Stad" if regional else "Drugsmarkt",
        "scale": alt.Scale(domain=colour_domain, range=palette) if palette else alt.Undefined,
        "legend": alt.Legend(orient="bottom") if regional else None,
    }
    colour = alt.Color(f"{colour_field}:N", **colour_of)
    many = len(markets) > 1
    width = WIDTH_PANEL if many else WIDTH_SINGLE
    ticks = 4 if many else 5
    x = year_axis(min(r["jaar"] for r in data), max(r["jaar"] for r in data), width)
    y = alt.Y(
        "waarde:Q",
        title=measure.axis.nl,
        axis=value_axis(fmt, unit.decimals, ticks),
        scale=alt.Scale(zero=True, nice=ticks),
    )
    tooltip = [
        alt.Tooltip("markt:N", title="Drugsmarkt"),
        *([alt.Tooltip("regio:N", title="Stad")] if regional else []),
        alt.Tooltip("jaar:Q", title="Jaar", format="d"),
        alt.Tooltip("waarde:Q", title=measure.axis.nl, format=fmt),
        alt.Tooltip("status:N", title="Status"),
        alt.Tooltip("noot:N", title="Noot"),
    ]
    base = alt.Chart().encode(x=x, y=y, color=colour)
    line = base.mark_line(strokeWidth=2).encode(detail=alt.Detail("deel:N"))
    points = (
        base.mark_point(size=45, strokeWidth=1.5)
        .encode(
            # Provisional values are open (white), the others filled in the line's colour.
            fill=alt.Fill(f"{colour_field}:N", condition=OPEN_IF_PROVISIONAL, **colour_of),
            shape=alt.Shape(
                "status:N",
                title="Status",
                scale=alt.Scale(domain=["definitief", "voorlopig"], range=["circle", "diamond"]),
                # Vega draws no symbol in a legend of a conditionally filled mark, so the
                # explanation is a line of text under the chart (see the title below).
                legend=None,
            ),
            tooltip=tooltip,
        )
        .transform_filter("datum.waarde != null")
    )
    layers = [line, points, headroom(base, y)]
    breaks = sorted({y for s in series for y in s.break_years})
    if breaks:
        rule_data = [{"jaar": b - 0.5, "label": f"breuk {b}"} for b in breaks]
        rule = (
            alt.Chart(alt.Data(values=rule_data))
            .mark_rule(strokeDash=[4, 3], color=GREY)
            .encode(x=alt.X("jaar:Q"))
        )
        label = (
            alt.Chart(alt.Data(values=rule_data))
            .mark_text(align="left", dx=3, dy=-4, fontSize=10, color=GREY, baseline="bottom")
            .encode(x=alt.X("jaar:Q"), y=alt.YValue(0), text=alt.Text("label:N"))
        )
        layers += [rule, label]
    height = 130 if many else 220
    provisional = any(p.provisional for s in series for p in s.points)
    key = ["Open ruit: voorlopig cijfer."] if provisional else []
    if any(s.missing_years for s in series):
        key.append("Onderbroken lijn: jaar zonder gegevens.")
    # The source line is not drawn into the image: it stands under the figure as text
    # ("Bron: ..."), once, where screen readers and search find it.
    title = _key_title(" ".join(key)) if key else alt.Undefined
    # Each chart in one constructor call: every further step (.properties, .resolve_scale,
    # .configure) would make Altair copy all layers again. A facet's panel is a plain LayerSpec:
    # alt.LayerChart gathers its layers' selections anew each time Altair copies it (no chart
    # here has any), which was half the time of a spec; the spec is the same.
    if many:
        chart = alt.FacetChart(
            data=ROWS,
            spec=alt.LayerSpec(layer=layers, width=width, height=height),
            facet=alt.Facet("markt:N", title=None, sort=markets),
            columns=3,
            title=title,
            resolve=_INDEPENDENT_Y,
            config=alt.Config(**_config()),
        )
    else:
        chart = alt.LayerChart(
            layer=layers, width=width, height=height, data=ROWS, title=title, config=alt.Config(**_config())
        )
    return ChartWithRows(chart, data)


def _key_title(text: str) -> alt.TitleParams:
    """Under the chart, small and grey: what the markers mean."""
    return alt.TitleParams(
        text=text, orient="bottom", anchor="start", fontSize=10, color=GREY, fontWeight="normal", dy=8
    )


def alt_text(registry: Registry, indicator: Indicator, measure: Measure, series: list[SeriesFacts]) -> str:
    """A description from the facts: what the chart shows and where each line starts and ends."""
    unit = registry.unit_by_id[measure.unit]
    first = min(s.points[0].year for s in series)
    last = max(s.points[-1].year for s in series)
    regional = len(indicator.regions) > 1
    markets = list(dict.fromkeys(s.market for s in series))
    kind = "Lijngrafieken, één paneel per drugsmarkt," if len(markets) > 1 else "Lijngrafiek"
    unit_txt = f" ({unit.symbol.nl})" if unit.kind != "count" else ""
    parts = [f"{kind} van {measure.label.nl}{unit_txt}, {year_span(first, last)}."]
    for s in series:
        name = registry.market_by_id[s.market].name.nl
        if regional:
            name += ", " + registry.region_by_id[s.region].name.nl
        a, b = s.points[0], s.points[-1]
        d = unit.decimals
        first, last = numbers.number(a.value, d), numbers.number(b.value, d)
        name = name[0].upper() + name[1:]
        if a is b:
            txt = f"{name} in {a.year}: {last}"
        else:
            txt = f"{name}: van {first} in {a.year} naar {last} in {b.year}"
        if b.provisional:
            txt += " (voorlopig)"
        if s.missing_years:
            txt += f", geen gegevens over {numbers.years(list(s.missing_years))}"
        if s.break_years:
            txt += f", breuk in de reeks in {numbers.years(list(s.break_years))}"
        parts.append(txt + ".")
    return " ".join(parts)


def measure_words(registry: Registry, measure: Measure) -> str:
    """'aantal inbeslagnames van grote hoeveelheden (kg)': the measure's label without its article,
    with the unit unless the label names it or it is a count."""
    unit = registry.unit_by_id[measure.unit]
    label = measure.label.nl
    for article in ("het ", "de "):
        if label.startswith(article):
            label = label[len(article) :]
    return label if unit.kind == "count" or unit.symbol.nl in label else f"{label} ({unit.symbol.nl})"


def caption(registry: Registry, indicator: Indicator, measure: Measure, series: list[SeriesFacts]) -> str:
    """Names the measure in words, so two figures of one indicator never share a caption."""
    first = min(s.points[0].year for s in series)
    last = max(s.points[-1].year for s in series)
    split = (
        " per stad en drugsmarkt"
        if len(indicator.regions) > 1
        else (" per drugsmarkt" if len({s.market for s in series}) > 1 else "")
    )
    if len(indicator.measures) == 1:
        unit = registry.unit_by_id[measure.unit]
        unit_txt = "" if unit.kind == "count" else f" ({unit.symbol.nl})"
        return f"{indicator.title.nl}{unit_txt}{split}, {year_span(first, last)}"
    return f"{indicator.title.nl}: {measure_words(registry, measure)}{split}, {year_span(first, last)}"


def lower_first(text: str) -> str:
    """'Aantal' → 'aantal', but 'MDMA per tablet' stays: abbreviations keep their capitals."""
    if len(text) > 1 and text[1].isupper():
        return text
    return text[:1].lower() + text[1:]


def spec_of(chart: ChartWithRows) -> dict:
    """The Vega-Lite spec. Altair's schema validation is skipped: it costs more than drawing
    (about 0.2 s a chart); tests/test_figures.py validates the specs instead."""
    spec = chart.chart.to_dict(validate=False)
    if spec.get("data") != ROWS.to_dict():
        raise MonitorError("figure spec: the data placeholder is missing (report/figures.py)")
    # Plain JSON values, as Altair writes inline data (a copy: the caller's rows stay theirs).
    spec["data"] = {"values": json.loads(json.dumps(chart.rows))}
    return spec


def fonts_hash(font_dir: Path) -> str:
    from report.cache import files_hash

    return files_hash(sorted(font_dir.glob("*.[ot]tf")), font_dir)


def export_key(spec: dict, rows: list[dict], fonts: str) -> str:
    """What an exported figure is made of: the spec, its data, the fonts (``fonts_hash``), the
    exporter's version and settings, and this module's code (the export and the CSV writer)."""
    from report.cache import code_version, digest

    settings = [vlc.__version__, EXPORT_LOCALE, PNG_SCALE]
    code = [code_version("figures.py"), code_version("figure_export.py")]
    return digest("figure", spec, rows, fonts, settings, code)


def panel_title(registry: Registry, s: SeriesFacts, with_market: bool = False) -> str:
    """'1. aantal inbeslagnames van grote hoeveelheden' — the measure's own words, no article."""
    ind = registry.indicator_by_id[s.indicator]
    market = f" | {registry.market_by_id[s.market].name.nl}" if with_market else ""
    return f"{ind.number}. {measure_words(registry, ind.measure(s.measure))}{market}"


@_unvalidated
def samenhang_chart(registry: Registry, series: list[SeriesFacts]) -> ChartWithRows:
    """Per drug market: every national series of that market as a small panel, side by side."""
    rows = []
    several = len({s.market for s in series}) > 1
    for s in series:
        title = panel_title(registry, s, several)
        by_year = {p.year: p for p in s.points}
        part = 0
        for year in range(s.points[0].year, s.points[-1].year + 1):
            p = by_year.get(year)
            if p is not None and p.series_break:
                part += 1
            rows.append(
                {
                    "paneel": title,
                    "deel": f"{title}-{part}",
                    "jaar": year,
                    "waarde": None if p is None else p.value,
                    "status": "ontbreekt" if p is None else ("voorlopig" if p.provisional else "definitief"),
                }
            )
    order = list(dict.fromkeys(r["paneel"] for r in rows))
    x = year_axis(min(r["jaar"] for r in rows), max(r["jaar"] for r in rows), 170)
    y = alt.Y("waarde:Q", title=None, axis=value_axis(",~f", None, 3), scale=alt.Scale(zero=True, nice=3))
    base = alt.Chart().encode(x=x, y=y)
    line = base.mark_line(strokeWidth=2, color=LINTBLAUW).encode(detail=alt.Detail("deel:N"))
    points = (
        base.mark_point(size=30, strokeWidth=1.5, color=LINTBLAUW)
        .encode(
            fill=alt.FillValue(LINTBLAUW, condition=OPEN_IF_PROVISIONAL),
            # an open diamond, as the key under the chart says (and as in the indicator figures)
            shape=alt.Shape(
                "status:N",
                scale=alt.Scale(domain=["definitief", "voorlopig"], range=["circle", "diamond"]),
                legend=None,
            ),
            tooltip=[
                alt.Tooltip("paneel:N", title="Indicator"),
                alt.Tooltip("jaar:Q", title="Jaar", format="d"),
                alt.Tooltip("waarde:Q", title="Waarde", format=",~f"),
                alt.Tooltip("status:N", title="Status"),
            ],
        )
        .transform_filter("datum.waarde != null")
    )
    chart = alt.FacetChart(
        data=ROWS,
        spec=alt.LayerSpec(layer=[line, points, headroom(base, y)], width=170, height=95),
        facet=alt.Facet(
            "paneel:N",
            title=None,
            sort=order,
            header=alt.Header(labelFontSize=10, labelLimit=260, labelExpr="split(datum.value, ' | ')"),
        ),
        columns=3,
        title=_key_title("Open ruit: voorlopig cijfer. Elk paneel heeft een eigen schaal."),
        resolve=_INDEPENDENT_Y,
        config=alt.Config(**_config()),
    )
    return ChartWithRows(chart, rows)


def samenhang_rows(series: list[SeriesFacts], registry: Registry) -> list[dict]:
    """The figure's data for the CSV beside it."""
    out = []
    several = len({s.market for s in series}) > 1
    for s in series:
        title = panel_title(registry, s, several)
        for p in s.points:
            out.append(
                {
                    "markt": title,
                    "regio": registry.region_by_id[s.region].name.nl,
                    "jaar": p.year,
                    "waarde": p.value,
                    "status": "voorlopig" if p.provisional else "definitief",
                    "noot": p.note,
                }
            )
    return out


def samenhang_alt(registry: Registry, market: str, series: list[SeriesFacts]) -> str:
    parts = [f"Kleine lijngrafieken naast elkaar, één per indicator voor {market}, elk met een eigen schaal."]
    several = len({s.market for s in series}) > 1
    for s in series:
        unit = registry.unit_by_id[registry.indicator_by_id[s.indicator].measure(s.measure).unit]
        a, b = s.points[0], s.points[-1]
        name = panel_title(registry, s, several).replace(" | ", ", ")
        if a is b:
            parts.append(f"{name}, in {a.year}: {numbers.number(a.value, unit.decimals)}.")
        else:
            parts.append(
                f"{name}: van {numbers.number(a.value, unit.decimals)} in {a.year} "
                f"naar {numbers.number(b.value, unit.decimals)} in {b.year}."
            )
    return " ".join(parts)
