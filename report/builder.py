"""Writing _generated/: the facts of each indicator as text snippets, figures and variables.

:func:`report.build.build` decides whether there is work and runs a :class:`Builder` into a
temporary folder; this module holds what that work needs (Altair, the templates), so
that deciding costs nothing of it.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from pathlib import Path

import yaml

from report import figures as fig
from report import numbers
from report.build import Progress, market_groups
from report.cache import Cache, code_version, digest
from report.edition import book_metadata, load_edition
from report.errors import MonitorError
from report.facts import SeriesFacts, all_facts
from report.markdown_text import escape
from report.observations import CleanData
from report.project import Project
from report.registry import Indicator, Registry
from report.text import Markdown, TextWriter, find_causal_words, pct_decimals

DEMO_NOTICE_NL = "Fictieve demonstratiegegevens: de cijfers in dit rapport zijn verzonnen."
DEMO_NOTICE_EN = "Fictitious demonstration data: the figures in this report are invented."
DEMO_SOURCE = "Fictieve demonstratiegegevens"
QUALITY_MEANING_NL = {
    "groen": "periodiek beschikbaar, voldoende kwaliteit",
    "geel": "periodiek beschikbaar, beperkte kwaliteit",
    "oranje": "niet periodiek beschikbaar, beperkte kwaliteit",
}
QUALITY_NL = {q: f"{q} ({meaning})" for q, meaning in QUALITY_MEANING_NL.items()}


@functools.cache  # as format_cache.tool_versions: read once a process (~0.5 ms a chart)
def alt_version() -> str:
    from importlib.metadata import version

    return version("altair")


class Builder:
    def __init__(self, project: Project, registry: Registry, data: CleanData, out: Path):
        self.project = project
        self.registry = registry
        self.data = data
        self.out = out
        self.facts = all_facts(registry, data.observations)
        self.revisions = _revisions(project)
        self.writer = TextWriter(registry, project.templates, project.root)
        self.figures: list[fig.Figure] = []

    # -- helpers ---------------------------------------------------------------------------
    def source_line(self, ind: Indicator) -> str:
        return ind.source_line + (f". {DEMO_SOURCE}" if self.data.demo else "")

    def series_of(self, ind_id: str, measure_id: str) -> list[SeriesFacts]:
        return [s for k, s in self.facts.items() if k[0] == ind_id and k[1] == measure_id]

    def write(self, rel: str, text: str) -> None:
        path = self.out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")

    # -- indicator blocks ------------------------------------------------------------------
    def indicator_block(self, ind: Indicator, cache: Cache | None) -> str:
        measures = []
        for measure in ind.measures:
            series = self.series_of(ind.id, measure.id)
            if not series:
                measures.append({"label": measure.label.nl, "zinnen": [], "figuur": None})
                continue
            regional = len(ind.regions) > 1
            if regional:
                sentences = [
                    {
                        "markt": self.registry.market_by_id[g[0].market].name.nl,
                        "tekst": self.regional_sentence(ind, measure, g),
                    }
                    for g in self._by_market(series)
                ]
            else:
                # Several markets: one list item per market, so the sentence need not repeat it.
                several = len(series) > 1
                sentences = [
                    {
                        "markt": self.registry.market_by_id[s.market].name.nl,
                        "tekst": self.writer.series_text(s, "nl", name_market=not several),
                    }
                    for s in series
                ]
            figure = self.figure(ind, measure, series, cache)
            notes = sorted({(p.year, p.note) for s in series for p in s.points if p.note})
            measures.append(
                {
                    "label": measure.label.nl,
                    "zinnen": sentences,
                    "figuur": figure,
                    "noten": [{"jaar": str(y), "tekst": t} for y, t in notes],
                    "herzien": self.revision_notes(series),
                }
            )
        latest = self.latest_year(ind)
        ctx = {
            "editie": str(self.registry.edition),
            # No figure for the edition year: the text says so and names the most recent year.
            "zonder_editiejaar": latest is not None and latest < self.registry.edition,
            "meest_recente_jaar": str(latest or ""),
            # Measured every year ("nog geen cijfers") or now and then ("geen cijfers").
            "jaarlijks": ind.expected_yearly,
            "id": ind.id,
            "nummer": ind.number,
            "titel": ind.title.nl,
            "definitie": ind.definition.nl,
            "kwaliteit": ind.quality,
            "kwaliteit_tekst": QUALITY_NL[ind.quality],
            "kwaliteit_uitleg": QUALITY_MEANING_NL[ind.quality],
            "kwaliteit_toelichting": ind.quality_note.nl,
            "frequentie": ind.frequency.nl,
            "bron": self.source_line(ind),
            "maten": measures,
            "kanttekeningen": [c.nl for c in ind.caveats],
            "demo": self.data.demo,
        }
        return self.writer.render(
            self.writer.first_existing(f"nl/indicator_{ind.id}.md.j2", "nl/indicator.md.j2"), **ctx
        )

    def latest_year(self, ind: Indicator) -> int | None:
        """The latest year any series of the indicator has (None: no data at all)."""
        years = [s.last.year for k, s in self.facts.items() if k[0] == ind.id]
        return max(years) if years else None

    def without_edition_year(self, lang: str) -> list[dict]:
        """Indicators with data, but none for the edition year (the summary lists them)."""
        out = []
        for ind in sorted(self.registry.indicators, key=lambda i: i.number):
            latest = self.latest_year(ind)
            if latest is not None and latest < self.registry.edition:
                out.append(
                    {
                        "nummer": ind.number,
                        "id": ind.id,
                        "titel": getattr(ind.title, lang),
                        "jaar": str(latest),
                        "jaarlijks": ind.expected_yearly,
                    }
                )
        return out

    def revision_notes(self, series: list[SeriesFacts]) -> list[str]:
        """'2023 (cocaïne): 1.234, was 1.200 in editie 2023' for every revised value of these series."""
        out = []
        for s in series:
            for p in s.points:
                rev = self.revisions.get((s.indicator, s.measure, s.market, s.region, p.year))
                if rev is None:
                    continue
                prev, edition = rev
                name = self.registry.market_by_id[s.market].name.nl
                if s.region != "NL":
                    name += ", " + self.registry.region_by_id[s.region].name.nl
                out.append(
                    f"{p.year} ({name}): {numbers.number(p.value, s.decimals)}, "
                    f"was {numbers.number(prev, s.decimals)} in editie {edition}"
                )
        return out

    @staticmethod
    def _by_market(series: list[SeriesFacts]) -> list[list[SeriesFacts]]:
        groups: dict[str, list[SeriesFacts]] = {}
        for s in series:
            groups.setdefault(s.market, []).append(s)
        return list(groups.values())

    def regional_sentence(self, ind: Indicator, measure, group: list[SeriesFacts]) -> str:
        year = max(s.last.year for s in group)
        latest = [s for s in group if s.last.year == year]
        hi = max(latest, key=lambda s: s.last.value)
        lo = min(latest, key=lambda s: s.last.value)
        ctx = {
            "markt": self.registry.market_by_id[group[0].market].name.nl,
            "label": measure.label.nl,
            "jaar": str(year),
            "aantal_steden": len(latest),
            "steden": [self.registry.region_by_id[s.region].name.nl for s in latest],
            "hoogste": self.writer.series_context(hi, "nl"),
            "laagste": self.writer.series_context(lo, "nl"),
            "voorlopig": any(s.last.provisional for s in latest),
        }
        text = self.writer.render(self.writer.first_existing("nl/regio.md.j2"), **ctx)
        return Markdown(" ".join(text.split()))

    def figure(self, ind: Indicator, measure, series: list[SeriesFacts], cache: Cache | None) -> dict:
        fid = fig.figure_id(ind.id, measure.id)
        spec = self.chart_spec(
            cache,
            [ind.model_dump(mode="json"), measure.id, series],
            lambda: fig.build_chart(self.registry, ind, measure, series),
        )
        self.export(fid, spec, fig._rows(self.registry, series), cache)
        figure = fig.Figure(
            id=f"fig-{fid}",
            indicator=ind.id,
            measure=measure.id,
            caption=fig.caption(self.registry, ind, measure, series),
            alt=fig.alt_text(self.registry, ind, measure, series),
            stem=f"/_generated/figuren/{fid}",
        )
        self.figures.append(figure)
        return {"id": figure.id, "pad": figure.stem + ".svg", "bijschrift": figure.caption, "alt": figure.alt}

    # -- summary, samenhang, appendices ----------------------------------------------------
    def headline(self, ind: Indicator) -> SeriesFacts | None:
        """The indicator's key series: its first measure and first market with data."""
        for measure in ind.measures:
            for market in ind.markets_of(measure):
                s = self.facts.get((ind.id, measure.id, market, ind.regions[0]))
                if s is not None:
                    return s
        return None

    def summary(self, lang: str) -> str:
        themes = []
        for theme in self.registry.themes:
            items = []
            for ind in self.registry.indicators_of(theme.id):
                s = self.headline(ind)
                if s is None:
                    continue
                items.append(
                    {
                        "nummer": ind.number,
                        "id": ind.id,
                        "titel": getattr(ind.title, lang),
                        "tekst": self.writer.series_text(s, lang),
                    }
                )
            themes.append({"titel": getattr(theme.title, lang), "id": theme.id, "indicatoren": items})
        name = "nl/kerncijfers.md.j2" if lang == "nl" else "en/key_figures.md.j2"
        return self.writer.render(
            name,
            themas=themes,
            demo=self.data.demo,
            demo_melding=DEMO_NOTICE_NL if lang == "nl" else DEMO_NOTICE_EN,
            editie=str(self.registry.edition),
            zonder_editiejaar=self.without_edition_year(lang),
        )

    def samenhang(self, top: str, members: list[str]) -> str:
        rows = []
        for ind in self.registry.indicators:
            for measure in ind.measures:
                unit = self.registry.unit_by_id[measure.unit]
                for market in ind.markets_of(measure):
                    if market not in members:
                        continue
                    for region in ind.regions[:1] if len(ind.regions) == 1 else ind.regions:
                        s = self.facts.get((ind.id, measure.id, market, region))
                        if s is None:
                            continue
                        c = self.writer.series_context(s, "nl")
                        name = self.registry.market_by_id[market].name.nl
                        if len(ind.regions) > 1:
                            name += f", {self.registry.region_by_id[region].name.nl}"
                        change = "."
                        if c["richting"] == "gelijk":
                            change = "vrijwel gelijk"
                        elif c["richting"] in ("hoger", "lager") and unit.kind == "percentage":
                            change = ("+" if c["richting"] == "hoger" else "-") + c["verschil"] + " pp"
                        elif c["richting"] in ("hoger", "lager") and c.get("verschil_procent"):
                            change = ("+" if c["richting"] == "hoger" else "-") + c["verschil_procent"] + "%"
                        elif c["richting"] == "onbekend" and c["heeft_vorige"]:
                            change = "breuk"
                        rows.append(
                            {
                                "nummer": ind.number,
                                "id": ind.id,
                                "indicator": ind.title.nl,
                                "maat": fig.measure_words(self.registry, measure),
                                "markt": name,
                                "jaar": c["jaar"],
                                "waarde": c["waarde"] + ("*" if c["voorlopig"] else ""),
                                "vorig_jaar": c.get("vorig_jaar", "."),
                                "vorige_waarde": c.get("vorige_waarde", "."),
                                "verandering": change,
                            }
                        )
        market = self.registry.market_by_id[top]
        national = [
            s
            for (ind_id, _m, mk, region), s in self.facts.items()
            if mk in members
            and region == self.registry.indicator_by_id[ind_id].regions[0]
            and len(self.registry.indicator_by_id[ind_id].regions) == 1
        ]
        figure = self.samenhang_figure(top, market.name.nl, national)
        return self.writer.render(
            "nl/samenhang.md.j2",
            figuur=figure,
            markt=market.name.nl,
            markt_id=top,
            submarkten=[self.registry.market_by_id[m].name.nl for m in members if m != top],
            rijen=rows,
            demo=self.data.demo,
            bron=DEMO_SOURCE if self.data.demo else "",
        )

    def chart_spec(self, cache: Cache | None, inputs: list, make: Callable) -> dict:
        """The Vega-Lite spec of a chart; Altair takes ~60 ms to build one, so a chart whose
        inputs (registry entries, series facts, source line, figure code) are unchanged is
        read from the cache."""
        key = digest("chart", inputs, self._lookups, alt_version(), code_version("figures.py"))
        entry = cache.get("chart", key) if cache else None
        if entry is not None:
            return json.loads(entry.file("spec.json").read_text(encoding="utf-8"))
        spec = fig.spec_of(make())
        if cache is not None:
            cache.put("chart", key, {"spec.json": json.dumps(spec, sort_keys=True, ensure_ascii=False)})
        return spec

    def export(self, fid: str, spec: dict, rows: list[dict], cache: Cache | None) -> None:
        """SVG, PNG, CSV and spec of a figure; copied from the cache when its export key is known."""
        stem = self.out / "figuren" / fid
        key = fig.export_key(spec, rows, self._fonts_hash)
        entry = cache.get("figure", key) if cache else None
        if entry is not None:
            # Exporting is the slow part of a build; an unchanged figure is copied.
            for suffix in fig.EXPORT_SUFFIXES:
                entry.copy_to(stem.with_name(fid + suffix), "figure" + suffix)
            return
        # Drawn by the worker processes while the build goes on (report/figure_export.py).
        self._exports.append((spec, rows, str(stem), key))
        self._drawing.submit(spec, rows, str(stem))

    def samenhang_figure(self, top: str, name: str, series: list[SeriesFacts]) -> dict | None:
        if not series:
            return None
        fid = f"samenhang-{top}".replace("_", "-")
        spec = self.chart_spec(
            self._cache,
            [self._registry_digest, top, series],
            lambda: fig.samenhang_chart(self.registry, series),
        )
        self.export(fid, spec, fig.samenhang_rows(series, self.registry), self._cache)
        first = min(s.points[0].year for s in series)
        last = max(s.points[-1].year for s in series)
        figure = fig.Figure(
            id=f"fig-{fid}",
            indicator="",
            measure="",
            caption=f"{name[0].upper()}{name[1:]}: de indicatoren naast elkaar, {fig.year_span(first, last)}",
            alt=fig.samenhang_alt(self.registry, name, series),
            stem=f"/_generated/figuren/{fid}",
        )
        self.figures.append(figure)
        return {"id": figure.id, "pad": figure.stem + ".svg", "bijschrift": figure.caption, "alt": figure.alt}

    def appendix_overview(self) -> str:
        themes = []
        for theme in self.registry.themes:
            themes.append({"titel": theme.title.nl, "indicatoren": self.registry.indicators_of(theme.id)})
        return self.writer.render(
            "nl/overzicht.md.j2", themas=themes, kwaliteit=QUALITY_NL, betekenis=QUALITY_MEANING_NL
        )

    def appendix_definitions(self) -> str:
        items = []
        for ind in self.registry.indicators:
            items.append(
                {
                    "ind": ind,
                    "thema": self.registry.theme_by_id[ind.theme].title.nl,
                    "kwaliteit_tekst": QUALITY_NL[ind.quality],
                    "kwaliteit_uitleg": QUALITY_MEANING_NL[ind.quality],
                    "maten": [
                        {
                            "label": m.label.nl,
                            "eenheid": self.registry.unit_by_id[m.unit].symbol.nl,
                            "markten": numbers.words(
                                [self.registry.market_by_id[x].name.nl for x in ind.markets_of(m)]
                            ),
                            "ondergrens": m.lower_bound,
                        }
                        for m in ind.measures
                    ],
                    "regio": numbers.words([self.registry.region_by_id[r].name.nl for r in ind.regions]),
                }
            )
        return self.writer.render("nl/definities.md.j2", indicatoren=items)

    def appendix_tables(self) -> str:
        tables = []
        self.data_tables = []  # the same tables as data, for the open-data downloads (render stage)
        for ind in self.registry.indicators:
            for measure in ind.measures:
                series = self.series_of(ind.id, measure.id)
                if not series:
                    continue
                unit = self.registry.unit_by_id[measure.unit]
                groups = self._by_market(series) if len(ind.regions) > 1 else [series]
                for group in groups:
                    regional = len(ind.regions) > 1
                    cols = [
                        self.registry.region_by_id[s.region].name.nl
                        if regional
                        else self.registry.market_by_id[s.market].name.nl
                        for s in group
                    ]
                    years = range(
                        min(s.points[0].year for s in group), max(s.points[-1].year for s in group) + 1
                    )
                    body = []
                    for y in years:
                        cells = []
                        for s in group:
                            p = next((p for p in s.points if p.year == y), None)
                            if p is None:
                                cells.append(".")
                            else:
                                v = numbers.number(p.value, unit.decimals)
                                revised = (s.indicator, s.measure, s.market, s.region, y) in self.revisions
                                cells.append(
                                    Markdown(
                                        v
                                        + ("\\*" if p.provisional else "")
                                        + (" ^r^" if revised else "")
                                        + (" ¹" if p.series_break else "")
                                    )
                                )
                        body.append({"jaar": str(y), "cellen": cells})
                    suffix = ""
                    if regional:
                        suffix = f", {self.registry.market_by_id[group[0].market].name.nl}"
                    tid = f"tbl-{ind.id}-{measure.id}".replace("_", "-") + (
                        f"-{group[0].market}".replace("_", "-") if regional else ""
                    )
                    self.data_tables.append(self._data_table(ind, measure, unit, group, years, tid, regional))
                    tables.append(
                        {
                            "id": tid,
                            "titel": f"{ind.title.nl}: {fig.lower_first(measure.axis.nl)}{suffix}",
                            "kolommen": cols,
                            "rijen": body,
                            "breuk": any(s.break_years for s in group),
                            "herzien": any(
                                (s.indicator, s.measure, s.market, s.region, p.year) in self.revisions
                                for s in group
                                for p in s.points
                            ),
                            "ondergrens": measure.lower_bound,
                            "bron": self.source_line(ind),
                        }
                    )
        return self.writer.render("nl/tabellen.md.j2", tabellen=tables)

    def _data_table(self, ind: Indicator, measure, unit, group, years, tid: str, regional: bool) -> dict:
        """One appendix table as numbers with their CBS marks: ``_generated/gegevens/tabellen.json``."""
        rows = []
        for s in group:
            by_year = {p.year: p for p in s.points}
            name = (
                self.registry.region_by_id[s.region] if regional else self.registry.market_by_id[s.market]
            ).name.nl
            for y in years:
                p = by_year.get(y)
                rows.append(
                    {
                        "jaar": y,
                        "kolom": name,
                        "waarde": None if p is None else p.value,
                        "voorlopig": bool(p and p.provisional),
                        "reeksbreuk": bool(p and p.series_break),
                        "herzien": (s.indicator, s.measure, s.market, s.region, y) in self.revisions,
                    }
                )
        suffix = f", {self.registry.market_by_id[group[0].market].name.nl}" if regional else ""
        return {
            "id": tid.removeprefix("tbl-"),
            "titel": f"{ind.title.nl}: {fig.lower_first(measure.axis.nl)}{suffix}",
            "indicator": ind.id,
            "nummer": ind.number,
            "thema": self.registry.theme_by_id[ind.theme].title.nl,
            "maat": measure.label.nl,
            "eenheid": unit.symbol.nl,
            "eenheid_woorden": unit.words.nl,
            "decimalen": unit.decimals,
            "kolomsoort": "regio" if regional else "drugsmarkt",
            "ondergrens": measure.lower_bound,
            "bron": self.source_line(ind),
            "kwaliteit": QUALITY_NL[ind.quality],
            "kanttekeningen": [c.nl for c in ind.caveats],
            "rijen": rows,
        }

    # -- variables for editors' prose ------------------------------------------------------
    def variables(self) -> dict:
        ind_vars: dict = {}
        for (ind_id, measure, market, region), s in self.facts.items():
            c = self.writer.series_context(s, "nl")
            entry = {
                "jaar": c["jaar"],
                "waarde": c["waarde"],
                "vorig_jaar": c.get("vorig_jaar", "."),
                "vorige_waarde": c.get("vorige_waarde", "."),
                "verschil": c.get("verschil", "."),
                "verschil_procent": c.get("verschil_procent") or ".",
                "eerste_jaar": str(s.points[0].year),
                "eerste_waarde": numbers.number(s.points[0].value, s.decimals),
                # Signed change, its direction in words and the provisional flag, so editors'
                # prose can say "meer" or "minder" live (and `monitor check` can compare).
                "verandering": _signed(s.change, s.decimals),
                "verandering_procent": _signed(
                    s.change_pct, pct_decimals(s.change_pct) if s.change_pct is not None else 0
                ),
                "richting": {
                    "hoger": c["meer"],
                    "lager": c["minder"],
                    "gelijk": "vrijwel gelijk",
                }.get(s.direction, "onbekend"),
                "voorlopig": "ja" if s.last.provisional else "nee",
            }
            node = ind_vars.setdefault(ind_id, {}).setdefault(measure, {}).setdefault(market, {})
            if len(self.registry.indicator_by_id[ind_id].regions) > 1:
                node[region] = entry
            else:
                node.update(entry)
        years = sorted({o.year for o in self.data.observations})
        return {
            "editie": str(self.registry.edition),
            "publicatiedatum": numbers.long_date(load_edition(self.project).publication_date),
            "eerste_jaar": str(years[0]),
            "laatste_jaar": str(years[-1]),
            "demo": "ja" if self.data.demo else "nee",
            "ind": ind_vars,
        }

    # -- everything ------------------------------------------------------------------------
    def run(
        self,
        cache: Cache | None,
        progress: Progress,
        drawing: fig.Drawing | None = None,
        while_drawing: Callable[[Path], None] | None = None,
    ) -> None:
        self._cache = cache
        self._drawing = drawing or fig.Drawing(self.project.fonts)
        self._fonts_hash = fig.fonts_hash(self.project.fonts)
        self._registry_digest = digest(self.registry.model_dump(mode="json"))
        self._lookups = [
            [x.model_dump(mode="json") for x in group]
            for group in (self.registry.markets, self.registry.units, self.registry.regions)
        ]
        self._exports: list[tuple] = []
        # Samenhang first: its figures are the largest to draw, so the workers start on them
        # while the indicators' specs are being built (the files do not depend on the order).
        progress("samenhang")
        for top, members in market_groups(self.registry).items():
            self.write(f"samenhang/{top}.md", self.samenhang(top, members))
        for ind in self.registry.indicators:
            progress(f"indicator {ind.number}: {ind.id}")
            self.write(f"indicatoren/{ind.id}.md", self.indicator_block(ind, cache))
        progress("samenvatting en summary")
        self.write("samenvatting/kerncijfers_nl.md", self.summary("nl"))
        self.write("samenvatting/key_figures_en.md", self.summary("en"))
        progress("bijlagen")
        self.write("bijlagen/overzicht.md", self.appendix_overview())
        self.write("bijlagen/definities.md", self.appendix_definitions())
        self.write("bijlagen/tabellen.md", self.appendix_tables())
        meta_tables = {"editie": self.registry.edition, "demo": self.data.demo, "tabellen": self.data_tables}
        self.write(
            "gegevens/tabellen.json", json.dumps(meta_tables, ensure_ascii=False, indent=1, sort_keys=True)
        )
        notice = (
            f"::: {{.demo}}\n**{escape(DEMO_NOTICE_NL)}**\n{escape(self.data.description)}\n:::\n"
            if self.data.demo
            else ""
        )
        self.write("demo.md", notice)
        meta = {
            "edition": self.registry.edition,
            "demo": self.data.demo,
            "demo-notice": DEMO_NOTICE_NL if self.data.demo else "",
            # The book's date and publisher come from data/editie.yml, not from _quarto.yml.
            **book_metadata(load_edition(self.project), self.data.demo),
        }
        self.write("metadata.yml", yaml.safe_dump(meta, allow_unicode=True, sort_keys=True))
        progress(f"figuren ({len(self._exports)})")
        if while_drawing is not None and self._exports:
            while_drawing(self.out)  # the caller's own work, while the workers finish the figures
        self._drawing.finish()
        if self._exports:
            if cache is not None:
                for _spec, _rows, stem, key in self._exports:
                    out = Path(stem)
                    files = {"figure" + x: out.with_name(out.name + x) for x in fig.EXPORT_SUFFIXES}
                    cache.put("figure", key, files)
        self.check_generated_text()

    def check_generated_text(self) -> None:
        # Guard for edited templates: descriptive text only, never a causal claim.
        for path in sorted(self.out.rglob("*.md")):
            found = find_causal_words(path.read_text(encoding="utf-8"))
            if found:
                raise MonitorError(
                    f"{path.relative_to(self.out)}: generated text uses causal wording {found}; "
                    "the monitor describes developments and cannot show effects of policy. "
                    "Change the template in chapters/sjablonen/."
                )


# The closing '>}}' is optional here: a malformed line still shows where the editor placed the
# block, and `monitor check` (run by every render) reports the broken markup at its own line.


def _revisions(project: Project) -> dict[tuple, tuple[float, int]]:
    """Values revised since the last frozen edition (data/clean/revisions.csv, by `monitor clean`)."""
    from report.clean.revisions import load_revisions

    return load_revisions(project.clean)


def write_reference_docx(root: Path, path: Path) -> None:
    # Quarto's docx format reads _generated/reference.docx (see _quarto.yml); the embedded
    # engine makes the same file, so both engines style the DOCX alike.
    from report.render.format_cache import cached_reference_docx

    cached_reference_docx(root, path)


def _signed(value: float | None, decimals: int) -> str:
    """+1.234 / −1.234 / 0 (Dutch); '.' (CBS: gegevens ontbreken) when there is no change."""
    if value is None:
        return "."
    text = numbers.number(abs(value), decimals)
    if text.strip("0,") == "":
        return text
    return ("+" if value > 0 else "\u2212") + text
