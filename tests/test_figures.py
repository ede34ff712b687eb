"""Figures: valid Vega-Lite, Dutch number format, the bundled font, markers for provisional
values, gaps and breaks, alt text from the facts."""

import dataclasses
import io
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import altair as alt
import pytest
import vl_convert as vlc

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
    assert "Open ruit: voorlopig cijfer." in svg


def test_breaks_gaps_and_provisional_values_are_drawn_distinctly():
    reg, facts = _setup()
    ind = reg.indicator_by_id["delicten_opiumwet"]
    series = [s for k, s in facts.items() if k[0] == ind.id]
    spec = fig.spec_of(fig.build_chart(reg, ind, ind.measures[0], series))
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


SVG = "{http://www.w3.org/2000/svg}"


def axis_labels(svg: str) -> dict[str, list[list[str]]]:
    """The tick labels of every axis drawn in an SVG from vl-convert: {"X": [[...], ...], "Y": ...}."""
    found: dict[str, list[list[str]]] = {"X": [], "Y": []}
    for group in ET.fromstring(svg).iter(f"{SVG}g"):
        label = group.get("aria-label") or ""
        if "role-axis" not in (group.get("class") or "") or label[:1] not in found:
            continue
        texts = [
            t.text or ""
            for g in group.iter(f"{SVG}g")
            if "role-axis-label" in (g.get("class") or "")
            for t in g.iter(f"{SVG}text")
        ]
        found[label[0]].append([t for t in texts if t.strip()])  # a tick without a label is blank
    return found


def test_no_axis_repeats_a_tick_label_and_years_are_whole(built_project):
    # The heroin panel once read "0,1 0,1 0,1 0,0 0,0 0,0": rounded ticks with one label.
    svgs = sorted((built_project / "_generated" / "figuren").glob("*.svg"))
    assert len(svgs) >= 20
    for path in svgs:
        axes = axis_labels(path.read_text(encoding="utf-8"))
        assert axes["X"] and axes["Y"], f"{path.name}: no axes found"
        for kind, labels_per_axis in axes.items():
            for labels in labels_per_axis:
                assert len(labels) == len(set(labels)), f"{path.name}: {kind}-axis repeats a label: {labels}"
        for labels in axes["X"]:
            assert labels and all(t.isdigit() and len(t) == 4 for t in labels), (path.name, labels)


def test_no_figure_draws_the_source_line(built_project):
    # The source line stands once, as text under the figure ("Bron: ..."), never in the image.
    gen = built_project / "_generated"
    svgs = sorted((gen / "figuren").glob("*.svg"))
    for path in svgs:
        svg = path.read_text(encoding="utf-8")
        assert "Bron:" not in svg and "Fictieve demonstratiegegevens" not in svg, path.name
    block = (gen / "indicatoren" / "inbeslagnames_nl.md").read_text(encoding="utf-8")
    assert "::: {.bron}\nBron: Politie, KMar en Douane" in block and "Fictieve demonstratiegegevens." in block
    # The samenhang figure too: its source line follows the figure directly.
    samenhang = (gen / "samenhang" / "cocaine.md").read_text(encoding="utf-8")
    after_figure = samenhang.split("{#fig-samenhang-cocaine", 1)[1].split("\n", 1)[1]
    assert after_figure.lstrip().startswith("::: {.bron}\nBron: zie de afzonderlijke indicatoren.")


def _render(spec: dict) -> str:
    fig.register_fonts(ROOT / "fonts")
    return vlc.vegalite_to_svg(spec, format_locale=vlc.get_format_locale("nl-NL"))


def test_tiny_values_get_headroom_and_distinct_labels():
    reg, facts = _setup()
    ind = reg.indicator_by_id["drugsgebruik"]
    measure = ind.measures[0]
    series = [s for k, s in facts.items() if k[0] == ind.id and k[1] == measure.id]
    # Flat series at 0,1 and 1,0: the plot once ended at the data maximum.
    flat = [
        dataclasses.replace(s, points=tuple(dataclasses.replace(p, value=v) for p in s.points))
        for s, v in zip(series[:2], (0.1, 1.0))
    ]
    spec = fig.spec_of(fig.build_chart(reg, ind, measure, flat))
    vega = vlc.vegalite_to_vega(spec)
    y_scales = [sc for sc in _all_scales(vega) if sc["name"].endswith("y")]
    assert y_scales and all(sc["zero"] and sc["nice"] for sc in y_scales)
    assert any(f.get("field") == "ruimte" for sc in y_scales for f in sc["domain"]["fields"])
    for labels in axis_labels(_render(spec))["Y"]:
        assert len(labels) == len(set(labels)), labels
        assert len(labels) >= 2


def _all_scales(vega: dict) -> list[dict]:
    out = list(vega.get("scales", []))
    for mark in vega.get("marks", []):
        out += _all_scales(mark)
    return out


def test_year_labels_fit_the_width():
    narrow = fig.year_axis(2012, 2024, fig.WIDTH_PANEL).to_dict()["axis"]
    wide = fig.year_axis(2012, 2024, fig.WIDTH_SINGLE).to_dict()["axis"]
    assert narrow["values"] == wide["values"] == list(range(2012, 2025))  # a tick every year
    assert narrow["labelFlush"] is False and wide["labelFlush"] is False
    assert "% 1 ==" in wide["labelExpr"]  # every year labelled
    assert "% 3 ==" in narrow["labelExpr"] and "(2024 -" in narrow["labelExpr"]  # latest always labelled


def test_single_year_series_is_worded_as_one_year():
    reg, facts = _setup()
    ind = reg.indicator_by_id["hennepkwekerijen"]
    (s,) = [s for k, s in facts.items() if k[0] == ind.id]
    one = dataclasses.replace(s, points=(s.points[-1],), missing_years=(), break_years=())
    year, value = one.points[0].year, fig.numbers.number(one.points[0].value)
    caption = fig.caption(reg, ind, ind.measures[0], [one])
    alt_text = fig.alt_text(reg, ind, ind.measures[0], [one])
    assert caption.endswith(f", {year}") and "–" not in caption
    assert f"in {year}: {value}" in alt_text and "naar" not in alt_text and "–" not in alt_text
    from report.text import TextWriter

    text = TextWriter(reg, ROOT / "chapters" / "sjablonen").series_text(one, "nl")
    assert text.startswith(f"Er zijn alleen gegevens over {year}.")
    english = TextWriter(reg, ROOT / "chapters" / "sjablonen").series_text(one, "en")
    assert english.startswith(f"There are only data for {year}.")


def test_figures_drawn_in_several_processes_are_the_bytes_drawn_in_one(built_project, tmp_path):
    from report import figure_export as fe

    specs = sorted((built_project / "_generated" / "figuren").glob("*.vl.json"))[: fe.PARALLEL_FROM + 2]
    assert len(specs) >= fe.PARALLEL_FROM
    drawn = {}
    for workers in (1, 2):
        out = tmp_path / f"w{workers}"
        tasks = [
            (json.loads(p.read_text(encoding="utf-8")), [], str(out / p.name[: -len(".vl.json")]), "")
            for p in specs
        ]
        fe.export_all(tasks, ROOT / "fonts", workers=workers)
        drawn[workers] = {p.name: p.read_bytes() for p in sorted(out.iterdir())}
    assert len(drawn[1]) == 4 * len(specs)
    assert drawn[1] == drawn[2]


def test_a_worker_that_fails_is_an_error_naming_it(tmp_path):
    from report import figure_export as fe
    from report.errors import MonitorError

    good = {"mark": "point", "data": {"values": [{"x": 1}]}, "encoding": {"x": {"field": "x"}}}
    bad = {"mark": "no-such-mark", "data": {"values": []}}
    # the odd figures cannot be drawn: the error names each of them, the others are drawn
    tasks = [(good if i % 2 == 0 else bad, [], str(tmp_path / f"f{i}"), "") for i in range(fe.PARALLEL_FROM)]
    with pytest.raises(MonitorError, match="drawing the figures failed") as err:
        fe.export_all(tasks, ROOT / "fonts", workers=2)
    named = {line.split(":")[0].strip(" -") for line in str(err.value).splitlines()[1:]}
    assert named == {f"f{i}" for i in range(1, fe.PARALLEL_FROM, 2)}
    assert all((tmp_path / f"f{i}.svg").is_file() for i in range(0, fe.PARALLEL_FROM, 2))
    assert not any(tmp_path.glob("f1.*")), "nothing is written for a figure that failed"


def test_a_worker_that_dies_is_an_error_naming_its_figures(tmp_path, monkeypatch):
    from report import figure_export as fe
    from report.errors import MonitorError

    good = {"mark": "point", "data": {"values": [{"x": 1}]}, "encoding": {"x": {"field": "x"}}}
    # a worker that exits at once, as a killed or crashed one would
    monkeypatch.setattr(fe.sys, "executable", "/bin/false")
    with pytest.raises(MonitorError, match=r"f0: a worker stopped \(exit code 1\)"):
        with fe.Drawing(ROOT / "fonts", workers=1) as drawing:
            drawing.submit(good, [], str(tmp_path / "f0"))
            drawing.finish()


def test_a_build_without_new_figures_does_not_wait_for_its_worker(tmp_path):
    from report import figure_export as fe

    drawing = fe.Drawing(ROOT / "fonts", workers=1)
    drawing.finish()  # nothing submitted: the worker is stopped, not awaited through its warm-up
    assert all(proc.returncode is not None for proc, _log in drawing._workers)
    assert not drawing.folder.exists()


def _warm_worker(address: Path):
    """A warm figure worker as the command server keeps one, once it waits at ``address``."""
    import subprocess
    import sys
    import time

    command = [sys.executable, "-m", "report.figure_export", "--standby", str(address)]
    proc = subprocess.Popen(command, cwd=ROOT)
    deadline = time.monotonic() + 60
    while not address.exists():
        assert time.monotonic() < deadline and proc.poll() is None, "the warm worker did not start"
        time.sleep(0.05)
    return proc


def test_a_warm_worker_draws_what_a_worker_the_build_starts_draws(tmp_path, monkeypatch):
    """report/command_server.py keeps a figure worker warm for the next build: the build takes
    it over at its first figure, gives it its fonts, and gets the same files; without one it
    starts its own, as in a command's own process."""
    import tempfile

    from report import figure_export as fe

    spec = {
        "mark": "bar",
        "data": {"values": [{"jaar": 2023, "waarde": 1234.5}, {"jaar": 2024, "waarde": 987}]},
        "encoding": {
            "x": {"field": "jaar", "type": "ordinal"},
            "y": {"field": "waarde", "type": "quantitative"},
        },
        "config": {"font": "Noto Sans"},
    }
    folder = Path(tempfile.mkdtemp(prefix="mfw", dir="/tmp"))  # a socket's path is short
    address = folder / "warm.sock"
    proc = _warm_worker(address)
    monkeypatch.setattr(fe, "STANDBY", [address])
    with fe.Drawing(ROOT / "fonts", workers=1) as drawing:
        assert drawing._workers == [], "not started: the warm one is taken at the first figure"
        drawing.submit(spec, [], str(tmp_path / "warm"))
        drawing.finish()
    assert proc.wait(timeout=30) == 0 and not address.exists()
    assert fe.STANDBY == []  # taken once
    with fe.Drawing(ROOT / "fonts", workers=1) as drawing:  # none waiting: its own worker
        assert len(drawing._workers) == 1
        drawing.submit(spec, [], str(tmp_path / "own"))
        drawing.finish()
    for suffix in fe.EXPORT_SUFFIXES:
        assert (tmp_path / f"warm{suffix}").read_bytes() == (tmp_path / f"own{suffix}").read_bytes()
    assert b"Noto Sans" in (tmp_path / "warm.svg").read_bytes()


def test_a_warm_worker_that_dies_is_an_error_naming_its_figures(tmp_path, monkeypatch):
    import signal
    import tempfile

    from report import figure_export as fe
    from report.errors import MonitorError

    folder = Path(tempfile.mkdtemp(prefix="mfw", dir="/tmp"))
    address = folder / "warm.sock"
    proc = _warm_worker(address)
    monkeypatch.setattr(fe, "STANDBY", [address])
    good = {"mark": "point", "data": {"values": [{"x": 1}]}, "encoding": {"x": {"field": "x"}}}
    with pytest.raises(MonitorError, match=r"f0: a worker stopped \(exit code 1\)"):
        with fe.Drawing(ROOT / "fonts", workers=1) as drawing:
            drawing._start_worker()  # taken over (as at the first figure) ...
            proc.send_signal(signal.SIGKILL)  # ... and killed before it draws
            proc.wait(timeout=30)
            drawing.submit(good, [], str(tmp_path / "f0"))
            drawing.finish()
    assert not (tmp_path / "f0.svg").exists()


def test_the_font_subsets_draw_the_bytes_of_the_whole_fonts(built_project, tmp_path, monkeypatch):
    """The workers draw with the fonts' figure subsets (report/font_subset.py), for speed: the
    files are those of the whole fonts, and a figure with a character the subsets lack (Δ; ł,
    which the site's subsets have) is drawn with the whole fonts, as it would come out otherwise."""
    from report import figure_export as fe

    figures = built_project / "_generated" / "figuren"
    names = ["samenhang-synthetisch", "inbeslagnames-nl-kg", "groothandelsprijzen-prijs"]
    specs = {n: json.loads((figures / f"{n}.vl.json").read_text(encoding="utf-8")) for n in names}
    specs["greek"] = {**specs["inbeslagnames-nl-kg"], "title": "Δ per jaar"}
    specs["polish"] = {**specs["groothandelsprijzen-prijs"], "title": "Prijs in złoty"}

    def drawn(folder: Path) -> dict[str, bytes]:
        return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}

    fe.register_fonts(ROOT / "fonts")
    for name, spec in specs.items():
        fe.export(spec, [], tmp_path / "whole" / name)
    with fe.Drawing(ROOT / "fonts", workers=1) as drawing:
        assert drawing.font_dir != drawing.whole_fonts, "the project's fonts have shipped subsets"
        regular = Path(drawing.font_dir) / "NotoSans-Regular.ttf"
        assert regular.stat().st_size < 40_000, "the figures' subsets, not the site's"
        for name, spec in specs.items():
            drawing.submit(spec, [], str(tmp_path / "subset" / name))
        assert len(drawing.stems) == 3, "the figures with Δ and ł are drawn in this process"
        drawing.finish()
    assert drawn(tmp_path / "subset") == drawn(tmp_path / "whole")

    # without that guard the subsets would draw Δ in another font
    monkeypatch.setattr(fe, "covers", lambda *_text_and_kept: True)
    with fe.Drawing(ROOT / "fonts", workers=1) as drawing:
        drawing.submit(specs["greek"], [], str(tmp_path / "unguarded" / "greek"))
        drawing.finish()
    png = "greek.png"
    assert (tmp_path / "unguarded" / png).read_bytes() != (tmp_path / "whole" / png).read_bytes()


def test_figure_fonts_only_for_fonts_with_a_shipped_subset(tmp_path):
    from fontTools.ttLib import TTFont

    from report.font_subset import (
        FIGURE_KEPT,
        FIGURE_SUBSET_RECIPE,
        SUBSET_RECIPE,
        figure_fonts,
        woff_to_sfnt,
    )
    from report.render import prebuilt

    regular = ROOT / "fonts" / "NotoSans-Regular.ttf"
    woff = prebuilt.font_subset(regular, SUBSET_RECIPE)
    sfnt = tmp_path / "regular.ttf"
    sfnt.write_bytes(woff_to_sfnt(woff))
    ours, theirs = TTFont(str(sfnt)), TTFont(io.BytesIO(woff))  # fontTools unpacks the WOFF itself
    assert sorted(ours.reader.keys()) == sorted(theirs.reader.keys())
    assert all(ours.reader[tag] == theirs.reader[tag] for tag in ours.reader.keys())
    assert ours["cmap"].getBestCmap() == theirs["cmap"].getBestCmap()

    made, kept = figure_fonts(ROOT / "fonts", tmp_path / "drawing")
    assert sorted(p.name for p in made.iterdir()) == sorted(p.name for p in (ROOT / "fonts").glob("*.ttf"))
    assert kept == FIGURE_KEPT
    for drawn in made.iterdir():  # each the TrueType of its shipped figure subset
        woff = prebuilt.font_subset(ROOT / "fonts" / drawn.name, FIGURE_SUBSET_RECIPE, prebuilt.FIGURE_FONTS)
        assert drawn.read_bytes() == woff_to_sfnt(woff)
        whole = set(map(chr, TTFont(str(ROOT / "fonts" / drawn.name))["cmap"].getBestCmap()))
        # what the font has of the characters kept (the others: another font, either way)
        assert set(map(chr, TTFont(str(drawn))["cmap"].getBestCmap())) == kept & whole
    other = tmp_path / "other-fonts"
    other.mkdir()
    (other / regular.name).write_bytes(regular.read_bytes() + b"\0")  # not the font of the subset
    assert figure_fonts(other, tmp_path / "drawing-2") is None
