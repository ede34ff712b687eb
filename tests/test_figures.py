"""Figures: valid Vega-Lite, Dutch number format, the bundled font, markers for provisional
values, gaps and breaks, alt text from the facts."""

import json
from pathlib import Path

import altair as alt

from report import figures as fig
from report.facts import all_facts
from report.observations import load_clean_data
from report.registry import load_registry

ROOT = Path(__file__).resolve().parents[1]


def _setup():
    reg = load_registry(ROOT / "data" / "indicators.yml")
    facts = all_facts(reg, load_clean_data(ROOT / "data" / "clean", reg).observations)
    return reg, facts


def test_every_generated_spec_is_valid_vega_lite(built_project):
    # The build skips Altair's validation for speed; here every spec is checked against the schema.
    for path in sorted((built_project / "_generated" / "figuren").glob("*.vl.json")):
        alt.Chart.from_dict(json.loads(path.read_text(encoding="utf-8")), validate=True)


def test_svg_uses_the_bundled_font_and_dutch_numbers(built_project):
    svg = (built_project / "_generated" / "figuren" / "inbeslagnames-nl-kg.svg").read_text(encoding="utf-8")
    assert "Noto Sans" in svg
    assert "10.000" in svg or "20.000" in svg  # nl-NL grouping on the axis
    assert "Bron: Politie, KMar en Douane" in svg and "Fictieve demonstratiegegevens" in svg
    assert "Open ruit: voorlopig cijfer." in svg


def test_breaks_gaps_and_provisional_values_are_drawn_distinctly():
    reg, facts = _setup()
    ind = reg.indicator_by_id["delicten_opiumwet"]
    series = [s for k, s in facts.items() if k[0] == ind.id]
    spec = fig.spec_of(fig.build_chart(reg, ind, ind.measures[0], series, "x"))
    text = json.dumps(spec)
    assert "breuk 2019" in text and '"strokeDash"' in text
    rows = fig._rows(reg, series)
    # The line is split at the break: different parts before and after 2019.
    parts = {r["jaar"]: r["deel"] for r in rows if r["markt"].startswith("harddrugs")}
    assert parts[2018] != parts[2019] and parts[2019] == parts[2020]
    ind = reg.indicator_by_id["opsporingsonderzoeken"]
    series = [s for k, s in facts.items() if k[0] == ind.id]
    rows = fig._rows(reg, series)
    assert [r["waarde"] for r in rows if r["jaar"] == 2018] == [None]  # a gap, not a joined line
    assert {r["status"] for r in rows if r["jaar"] == 2024} == {"voorlopig"}


def test_alt_text_comes_from_the_facts():
    reg, facts = _setup()
    ind = reg.indicator_by_id["hennepkwekerijen"]
    (s,) = [s for k, s in facts.items() if k[0] == ind.id]
    text = fig.alt_text(reg, ind, ind.measures[0], [s])
    first, last = s.points[0], s.points[-1]
    assert f"van {fig.numbers.number(first.value)} in {first.year}" in text
    assert f"naar {fig.numbers.number(last.value)} in {last.year} (voorlopig)" in text
