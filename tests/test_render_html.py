"""Render stage, HTML: the static site of the embedded engine.

The site of the mini book (tests/fixtures/mini_book) is rendered through
``report.render.render``. Static checks read the files; browser checks open every page from
``file://`` in Debian's Chromium (playwright, never ``playwright install``), record every request,
wait for the charts and run axe-core (``npm ci`` puts it in node_modules/).
"""

from __future__ import annotations

import filecmp
import json
import re
import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest
from browser import axe_violations, chart_states, open_page

from report.errors import MonitorError
from report.render import render
from report.render.html import _csv_table, _load_spec, build_html_site

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = Path(__file__).parent / "fixtures" / "mini_book"
ALT = "Staafdiagram: inbeslagnames cocaïne stijgen van 40.456 kg in 2023 naar 45.312 kg in 2024."


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("html")
    root = Path(shutil.copytree(FIXTURE, base / "mini_book"))
    index = render(root, formats=("html",))["html"]
    return index.parent


def pages(site: Path) -> list[Path]:
    return sorted(site.glob("*.html"))


# --- static checks --------------------------------------------------------------------------


def test_a_page_per_chapter_with_navigation(site: Path):
    names = [p.name for p in pages(site)]
    assert names[0] == "index.html" or "index.html" in names
    assert {"sec-inleiding.html", "sec-import.html", "sec-overzicht.html"} <= set(names)
    for page in pages(site):
        text = page.read_text(encoding="utf-8")
        assert '<html lang="nl"' in text
        assert '<nav id="site-nav" class="site-toc" aria-label="Hoofdstukken">' in text
        assert '<a class="skip-link" href="#inhoud">' in text  # to this page's own main
        assert 'aria-current="page"' in text
        for target in re.findall(r'<a [^>]*href="([^"#]+\.html)', text):
            assert (site / target).exists(), f"{page.name}: link to missing {target}"
    imp = (site / "sec-import.html").read_text(encoding="utf-8")
    assert 'rel="prev"' in imp and 'rel="next"' in imp
    assert "Bijlagen" in imp  # appendices grouped in the table of contents


def test_figure_has_chart_fallback_alt_table_and_csv(site: Path):
    text = (site / "sec-import.html").read_text(encoding="utf-8")
    fig = re.search(r'<figure id="fig-inbeslagnames_nl-kg".*?</figure>', text, flags=re.S).group(0)
    assert "Figuur 2.1" in re.search(r"<figcaption>(.*?)</figcaption>", fig, flags=re.S).group(1)
    assert 'class="chart"' in fig and 'data-spec="spec-fig-inbeslagnames_nl-kg"' in fig
    img = re.search(r'<img class="chart-fallback" src="([^"]+)" alt="([^"]+)"', fig)
    assert img and (site / img.group(1)).exists() and img.group(2) == ALT
    spec = json.loads(
        re.search(r'<script type="application/json" id="spec-[^"]+">(.*?)</script>', fig, flags=re.S).group(1)
    )
    assert spec["description"] == ALT
    assert "<details" in fig and "<table>" in fig and "45.312" in fig  # Dutch number format
    csv_link = re.search(r'<a href="([^"]+\.csv)" download>', fig)
    assert csv_link, "CSV download link"
    copied = site / csv_link.group(1)
    assert copied.read_bytes() == (FIXTURE / "_generated/figuren/inbeslagnames_nl-kg.csv").read_bytes()


def test_links_to_a_figure_on_another_page(site: Path):
    text = (site / "sec-inleiding.html").read_text(encoding="utf-8")
    assert 'href="sec-import.html#fig-inbeslagnames_nl-kg"' in text


def test_everything_is_local_and_relative(site: Path):
    assert (site / "assets/vega-bundle.js").stat().st_size > 100_000
    for font in ("NotoSans-Regular.woff", "NotoSans-Bold.woff", "OFL.txt"):  # subset of fonts/*.ttf
        assert (site / "assets/fonts" / font).exists()
    css = (site / "assets/monitor.css").read_text(encoding="utf-8")
    for url in re.findall(r'url\("([^"]+)"\)', css):
        assert (site / "assets" / url).exists(), url
    for page in pages(site):
        text = page.read_text(encoding="utf-8")
        for attr, url in re.findall(r'\b(src|href)="([^"]+)"', text):
            assert not re.match(r"^(https?:)?//", url), f"{page.name}: {attr}={url}"
            assert not url.startswith("/"), f"{page.name}: absolute path {url}"
            if not url.startswith("#"):
                assert (site / url.split("#")[0]).exists(), f"{page.name}: {url}"
        assert 'type="module"' not in text


def test_site_is_deterministic(site: Path, tmp_path: Path):
    root = Path(shutil.copytree(FIXTURE, tmp_path / "mini_book"))
    again = render(root, formats=("html",))["html"].parent
    cmp = filecmp.dircmp(site, again)
    assert not cmp.left_only and not cmp.right_only
    files = [p.relative_to(site) for p in site.rglob("*") if p.is_file()]
    for rel in files:
        assert (site / rel).read_bytes() == (again / rel).read_bytes(), rel


def test_refuses_to_empty_a_foreign_folder(tmp_path: Path):
    out = tmp_path / "site"
    out.mkdir()
    (out / "notes.txt").write_text("niet van de site", encoding="utf-8")
    book = SimpleNamespace(title="T", metadata={}, figures=[])
    md = tmp_path / "b.md"
    md.write_text("# A\n\ntekst\n", encoding="utf-8")
    with pytest.raises(MonitorError, match="niet leeg"):
        build_html_site(md, out, book, "pandoc")
    assert (out / "notes.txt").exists()


def test_csv_table_dutch_csv_counts_without_decimals(tmp_path: Path):
    path = tmp_path / "x.csv"
    path.write_text(
        "drugsmarkt;jaar;waarde;noot\ncocaïne;2023;6370,0;\ncocaïne;2024;6512,0;\n", encoding="utf-8"
    )
    table = _csv_table(path, "Gegevens")
    assert ">6.370<" in table and ">6.512<" in table and "6.370,0" not in table


def test_csv_table_dutch_numbers_years_and_symbols(tmp_path: Path):
    path = tmp_path / "x.csv"
    path.write_text(
        "jaar,markt,kg\n2023,cocaïne,40456.0\n2024,cocaïne,.\n2024,heroïne,1234.5\n", encoding="utf-8"
    )
    table = _csv_table(path, "Gegevens bij Figuur 1.1")
    assert "<caption>Gegevens bij Figuur 1.1</caption>" in table
    assert '<th scope="col">jaar</th>' in table
    assert ">2023<" in table  # a year keeps no thousands separator
    assert ">40.456,0<" in table and ">1.234,5<" in table  # a column with decimals keeps them
    assert ">.<" in table  # CBS symbol for a missing figure stays


def test_spec_with_data_url_is_inlined(tmp_path: Path):
    (tmp_path / "d.csv").write_text("jaar,n\n2023,1\n", encoding="utf-8")
    spec_path = tmp_path / "s.vl.json"
    spec_path.write_text(json.dumps({"data": {"url": "d.csv"}, "mark": "bar"}), encoding="utf-8")
    spec = _load_spec(spec_path, "alt")
    assert spec["data"] == {"values": [{"jaar": "2023", "n": "1"}]}
    spec_path.write_text(json.dumps({"data": {"url": "https://example.org/d.csv"}}), encoding="utf-8")
    with pytest.raises(MonitorError, match="zonder netwerk"):
        _load_spec(spec_path, "alt")


# --- in the browser -------------------------------------------------------------------------


def test_pages_open_from_file_with_charts_drawn_and_no_network(site: Path, browser):
    charts = 0
    for path in pages(site):
        page, requests, errors = open_page(browser, path)
        try:
            assert not errors, f"{path.name}: {errors}"
            assert page.evaluate("() => document.documentElement.lang") == "nl"
            state = chart_states(page)
            for chart in state:
                assert chart["drawn"], f"{path.name}: a chart was not drawn"
                assert chart["fallbackHidden"]
                assert chart["label"]
            charts += len(state)
            outside = [u for u in requests if not u.startswith("file://")]
            assert not outside, f"{path.name} requested {outside}"
            assert page.evaluate("() => document.fonts.check('16px \"Noto Sans\"')")
        finally:
            page.close()
    assert charts >= 1


def test_tooltip_and_dutch_number_format(site: Path, browser):
    page, _requests, _errors = open_page(browser, site / "sec-import.html")
    try:
        # the nl-NL locale reaches vega: axis labels with a dot as thousands separator
        labels = page.evaluate(
            "() => [...document.querySelectorAll('.chart-canvas svg text')].map(t => t.textContent)"
        )
        assert "40.000" in labels, labels
        mark = page.locator('.chart-canvas svg [role="graphics-symbol"]').last
        mark.hover(force=True)
        page.wait_for_selector("#vg-tooltip-element.visible", timeout=5000)
        tip = page.inner_text("#vg-tooltip-element")
        # the value's format is the spec's business (the fixture gives none)
        assert "2024" in tip and re.search(r"45\.?312", tip), tip
    finally:
        page.close()


def test_no_serious_accessibility_violations(site: Path, browser):
    problems = []
    for path in pages(site):
        page, _requests, _errors = open_page(browser, path)
        try:
            violations = axe_violations(page)
            problems += [(path.name, v) for v in violations if v["impact"] in ("serious", "critical")]
        finally:
            page.close()
    assert not problems, problems


def test_index_has_the_title_page(site: Path):
    # Like the PDF cover: edition, title, subtitle, authors, publisher, date and the demo notice.
    index = (site / "index.html").read_text(encoding="utf-8")
    cover = index[index.index('<div class="cover">') : index.index("</dl>")]
    assert '<p class="cover-kicker">Editie 2025</p>' in cover
    assert '<h1 class="cover-title">Mini-monitor</h1>' in cover and "Een klein testboek" in cover
    assert "<dt>Uitgever</dt>\n<dd>Testbureau (tekstblok)</dd>" in cover
    assert "<dd>30 juni 2025</dd>" in cover and "Redactie Mini-monitor" in cover
    assert 'class="demo-banner"' in index and "Demonstratieversie" in index
    assert "editie 2025" in index[index.index('<footer class="site-footer">') :]


def test_quality_rating_has_a_marker_and_the_word(site: Path):
    page = (site / "sec-overzicht.html").read_text(encoding="utf-8")
    assert '<span class="kwaliteit-stip kwaliteit-geel" aria-hidden="true"></span>geel' in page
    assert '<span class="kwaliteit-stip kwaliteit-oranje" aria-hidden="true"></span>oranje' in page


def test_search_index_from_cached_pages_is_the_one_read_afresh(site: Path, tmp_path: Path):
    """The index reads each page's sections from the cache when that page is unchanged."""
    from report.render import html
    from report.render.format_cache import cached_page_sections

    finished = {p.name: p.read_text(encoding="utf-8") for p in pages(site)}
    fresh = html.search_index_js(finished)
    assert fresh == (site / "assets" / html.SEARCH_INDEX).read_text(encoding="utf-8")
    read = []

    def counting(page: str):
        read.append(page)
        return html.page_sections(page)

    def cached(page: str):
        return cached_page_sections(tmp_path, page, counting)

    assert html.search_index_js(finished, cached) == fresh
    assert len(read) == len(finished)
    edited = dict(finished)
    name = sorted(edited)[-1]
    edited[name] = edited[name].replace(
        "</main>", "<section id='nieuw'><h2>Nieuw</h2><p>woord</p></section></main>"
    )
    again = html.search_index_js(edited, cached)
    assert len(read) == len(finished) + 1, "only the edited page is read again"
    assert again == html.search_index_js(edited) and '"nieuw"' in again
