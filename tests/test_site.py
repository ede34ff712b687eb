"""The HTML site of the demo report and its open data, as readers and re-users meet them.

One render of the real demo project (module fixture). In Debian's Chromium (playwright, never
``playwright install``) every page is opened from ``file://`` at 375 and 1280 px; axe-core comes
from node_modules (``npm ci``). The open data are checked with Frictionless, openpyxl and
LibreOffice.
"""

from __future__ import annotations

import csv
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from browser import AXE, open_page

from report.render import render
from report.render.html import fold

WIDTHS = (375, 1280)
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
SITE_LIMIT = 5_000_000


@pytest.fixture(scope="module")
def outputs(built_project: Path) -> dict[str, Path]:
    return render(built_project, formats=("html",))


@pytest.fixture(scope="module")
def site(outputs) -> Path:
    return outputs["html"].parent


@pytest.fixture(scope="module")
def data_dir(outputs) -> Path:
    return outputs["gegevens"].parent


def pages(site: Path) -> list[Path]:
    return sorted(site.glob("*.html"))


def read_csv(path: Path) -> list[list[str]]:
    text = path.read_text(encoding="utf-8-sig")
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    return [r for r in csv.reader(text.splitlines(), delimiter=delimiter) if r]


def as_number(text: str, dutch: bool) -> float | None:
    text = text.strip().replace("−", "-")
    if dutch:
        text = text.replace(".", "").replace(",", ".")
    try:
        return float(text)
    except ValueError:
        return None


# --- static: what the site writer puts in the pages ------------------------------------------


def test_pages_have_one_main_own_skip_link_lang_and_no_comments(site: Path):
    for page in pages(site):
        text = page.read_text(encoding="utf-8")
        assert text.count("<main") == 1, page.name
        assert '<a class="skip-link" href="#inhoud">' in text, page.name
        assert '<main id="inhoud"' in text, page.name
        assert '<html lang="nl"' in text, page.name
        assert "<!--" not in text, f"{page.name}: an HTML comment in the published page"
        main = text[text.index("<main") : text.index("</main>")]
        levels = [int(x) for x in re.findall(r"<h([1-6])\b", main)]
        assert levels and levels[0] == 1 and levels.count(1) == 1, (page.name, levels)
        jumps = [(a, b) for a, b in zip(levels, levels[1:], strict=False) if b > a + 1]
        assert not jumps, f"{page.name}: headings skip a level {jumps}"
    summary = (site / "summary.html").read_text(encoding="utf-8")
    assert re.search(r'<section id="summary"[^>]*lang="en"', summary)


def test_site_size_and_local_font(site: Path):
    size = sum(p.stat().st_size for p in site.rglob("*") if p.is_file())
    assert size <= SITE_LIMIT, f"site is {size / 1e6:.2f} MB"
    css = (site / "assets/monitor.css").read_text(encoding="utf-8")
    for url in re.findall(r'url\("([^"]+)"\)', css):
        assert (site / "assets" / url).stat().st_size > 20_000, url


def test_data_page_links_every_download(site: Path, data_dir: Path):
    text = (site / "gegevens.html").read_text(encoding="utf-8")
    csvs = sorted(p.name for p in data_dir.glob("*.csv"))
    assert len(csvs) >= 20
    for name in [*csvs, "datapackage.json", next(data_dir.glob("*.xlsx")).name]:
        assert f'href="gegevens/{name}"' in text, name
        assert (site / "gegevens" / name).read_bytes() == (data_dir / name).read_bytes()


# --- open data ------------------------------------------------------------------------------


def test_datapackage_is_valid_frictionless(data_dir: Path):
    from frictionless import Package

    package = json.loads((data_dir / "datapackage.json").read_text(encoding="utf-8"))
    assert len(package["resources"]) == len(list(data_dir.glob("*.csv")))
    report = Package(str(data_dir / "datapackage.json")).validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])[:10]


def test_xlsx_follows_the_spreadsheet_rules_and_holds_the_csv_numbers(data_dir: Path):
    from openpyxl import load_workbook

    package = json.loads((data_dir / "datapackage.json").read_text(encoding="utf-8"))
    wb = load_workbook(next(data_dir.glob("*.xlsx")))
    assert wb.sheetnames[:4] == ["Voorblad", "Inhoud", "Toelichting", "Symbolen"]
    assert len(wb.sheetnames) == 4 + len(package["resources"])
    for ws in wb.worksheets:
        assert not ws.merged_cells.ranges, ws.title
        assert ws["A1"].value, f"{ws.title}: A1 is empty"
        for row in range(1, ws.max_row + 1):
            assert any(c.value not in (None, "") for c in ws[row]), f"{ws.title}: blank row {row}"
    symbols = [r[0] for r in wb["Symbolen"].iter_rows(values_only=True)]
    assert "." in symbols and "*" in symbols
    for i, res in enumerate(package["resources"]):
        ws = wb[f"Tabel_{i + 1}"]
        (table,) = ws.tables.values()
        first = int(re.match(r"A(\d+):", table.ref).group(1))
        rows = [list(r) for r in ws.iter_rows(min_row=first, values_only=True)]
        expected = read_csv(data_dir / res["path"])
        assert [str(x) for x in rows[0]] == expected[0], res["path"]  # header row with the unit
        assert any("(" in h for h in rows[0]), "unit in a header"
        assert len(rows) == len(expected)
        for got, want in zip(rows[1:], expected[1:], strict=True):
            assert got[0] == int(want[0]) and got[1] == want[1]
            assert (got[2] is None and want[2] == "") or got[2] == pytest.approx(float(want[2]))
            assert (got[3] or "") == want[3]


def test_xlsx_opens_in_libreoffice_with_the_csv_numbers(data_dir: Path, tmp_path: Path):
    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not installed (scripts/test.sh installs it)")
    xlsx = next(data_dir.glob("*.xlsx"))
    # every sheet to its own CSV (sheet parameter -1): comma, UTF-8, cell values as shown
    fmt = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1"
    proc = subprocess.run(
        [
            soffice,
            "--headless",
            f"-env:UserInstallation=file://{tmp_path}/lo",
            "--convert-to",
            fmt,
            "--outdir",
            str(tmp_path),
            str(xlsx),
        ],
        capture_output=True,
        timeout=240,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    package = json.loads((data_dir / "datapackage.json").read_text(encoding="utf-8"))
    for i, res in enumerate(package["resources"]):
        exported = tmp_path / f"{xlsx.stem}-Tabel_{i + 1}.csv"
        assert exported.exists(), sorted(p.name for p in tmp_path.iterdir())[:8]
        rows = read_csv(exported)
        expected = read_csv(data_dir / res["path"])
        start = next(j for j, r in enumerate(rows) if r[:2] == expected[0][:2])
        body = rows[start + 1 :]
        assert len(body) == len(expected) - 1, res["path"]
        for got, want in zip(body, expected[1:], strict=True):
            if want[2] == "":
                assert got[2] == ""
            else:  # shown with the number format (#,##0): strip the grouping
                assert float(got[2].replace(",", "")) == pytest.approx(float(want[2])), (got, want)


# --- in the browser -------------------------------------------------------------------------

AXE_RUN = """async (tags) => {
    const r = await axe.run(document, {preload: false, runOnly: {type: 'tag', values: tags}});
    const pick = (v) => ({id: v.id, nodes: v.nodes.map(n => ({target: n.target.join(' '),
        key: ((n.any || [])[0] || {}).data && n.any[0].data.messageKey}))});
    return {violations: r.violations.map(pick),
            incomplete: r.incomplete.filter(v => v.id === 'color-contrast').map(pick)};
}"""

# A cell of a wide table that lies outside its scroll container cannot be measured; scroll the
# container step by step and measure again: a cell counts when it passes where the reader sees it.
RECHECK_SCROLLED = """async (selectors) => {
    const open = new Set(selectors);
    const regions = [...new Set(selectors.map(s => document.querySelector(s))
        .map(el => el && el.closest('.table-scroll')))];
    if (regions.includes(null) || regions.includes(undefined)) return selectors;
    for (const region of regions) {
        for (let x = 0; x <= region.scrollWidth; x += Math.max(40, region.clientWidth / 2)) {
            region.scrollLeft = x;
            const r = await axe.run(region, {preload: false, runOnly: ['color-contrast']});
            for (const n of r.passes.flatMap(p => p.nodes)) open.delete(n.target.join(' '));
        }
        region.scrollLeft = 0;
    }
    return [...open];
}"""


def test_every_page_at_phone_and_desktop_width(site: Path, browser):
    axe = AXE.read_text(encoding="utf-8") if AXE.exists() else None
    assert axe, f"{AXE} is missing: run `npm ci` in the project root (installs axe-core)"
    root = site.resolve().as_uri() + "/"
    problems = []
    charts = 0
    for path in pages(site):
        for width in WIDTHS:
            page, requests, errors = open_page(browser, path, width=width)
            where = f"{path.name} @ {width}px"
            try:
                if errors:
                    problems.append((where, "errors", errors))
                outside = [u for u in requests if not u.startswith(root)]
                if outside:
                    problems.append((where, "requests outside the site", outside))
                state = page.evaluate(
                    """() => [...document.querySelectorAll('.chart[data-spec]')].map(c =>
                        c.querySelectorAll('.chart-canvas svg path, .chart-canvas svg text').length > 10
                        && c.querySelector('.chart-fallback').hidden)"""
                )
                if not all(state):
                    problems.append((where, "charts not drawn", state))
                charts += len(state)
                scroll = page.evaluate("() => document.documentElement.scrollWidth")
                if scroll > width:
                    problems.append((where, "scrolls sideways", scroll))
                skip = page.evaluate(
                    """() => { const a = document.querySelector('.skip-link');
                        const t = document.getElementById(a.getAttribute('href').slice(1));
                        return [a.getAttribute('href'), t && t.tagName]; }"""
                )
                if skip != ["#inhoud", "MAIN"]:
                    problems.append((where, "skip link", skip))
                page.add_script_tag(content=axe)
                result = page.evaluate(AXE_RUN, AXE_TAGS)
                if result["violations"]:
                    problems.append((where, "axe violations", result["violations"]))
                unmeasured = [n["target"] for v in result["incomplete"] for n in v["nodes"]]
                if unmeasured:
                    left = page.evaluate(RECHECK_SCROLLED, unmeasured)
                    if left:
                        problems.append((where, "colour contrast not measurable", left[:5]))
            finally:
                page.close()
    assert charts >= 20
    assert not problems, problems


def test_menu_button_opens_the_navigation_on_a_phone(site: Path, browser):
    page, _requests, _errors = open_page(browser, site / "sec-import.html", width=375)
    try:
        button = page.locator("button.nav-toggle")
        nav = page.locator("#site-nav")
        assert button.is_visible() and button.get_attribute("aria-expanded") == "false"
        assert not nav.is_visible()
        page.keyboard.press("Tab")  # the skip link comes first
        assert page.evaluate("() => document.activeElement.className") == "skip-link"
        button.focus()
        page.keyboard.press("Enter")
        assert button.get_attribute("aria-expanded") == "true"
        assert nav.is_visible()
        assert page.evaluate("() => document.activeElement.closest('#site-nav') !== null")
        page.keyboard.press("Escape")
        assert button.get_attribute("aria-expanded") == "false" and not nav.is_visible()
    finally:
        page.close()
    page, _requests, _errors = open_page(browser, site / "sec-import.html", width=1280)
    try:
        assert not page.locator("button.nav-toggle").is_visible()
        assert page.locator("#site-nav").is_visible()
    finally:
        page.close()


def test_toon_tabel_equals_its_csv(site: Path, browser):
    tables = 0
    for path in pages(site):
        if 'class="chart-data"' not in path.read_text(encoding="utf-8"):
            continue
        page, _requests, _errors = open_page(browser, path)
        try:
            found = page.evaluate(
                """() => [...document.querySelectorAll('figure')].filter(f => f.querySelector('.chart-data'))
                    .map(f => ({csv: f.querySelector('.chart-download a').getAttribute('href'),
                        summary: f.querySelector('.chart-data summary').innerText,
                        rows: [...f.querySelectorAll('.chart-data tr')].map(tr =>
                            [...tr.children].map(c => c.textContent))}))"""
            )
            for fig in found:
                assert fig["summary"].startswith("Toon tabel")
                expected = read_csv(site / fig["csv"])
                assert fig["rows"][0] == expected[0]
                assert len(fig["rows"]) == len(expected), fig["csv"]
                # a column whose every value ends in ",0" holds counts: shown without decimals
                counts = [
                    all(r[j].endswith(",0") for r in expected[1:] if as_number(r[j], dutch=True) is not None)
                    and any(r[j].endswith(",0") for r in expected[1:])
                    for j in range(len(expected[0]))
                ]
                for shown, raw in zip(fig["rows"][1:], expected[1:], strict=True):
                    for j, (cell, value) in enumerate(zip(shown, raw, strict=True)):
                        number = as_number(value, dutch=True)
                        if number is None or re.fullmatch(r"\d{4}", value):
                            assert cell == value, (fig["csv"], cell, value)
                        else:
                            assert as_number(cell, dutch=True) == pytest.approx(number), (cell, value)
                            if counts[j]:
                                assert "," not in cell, f"{fig['csv']}: a count shown with a decimal: {cell}"
                tables += 1
        finally:
            page.close()
    assert tables >= 20


@pytest.mark.parametrize("query, word", [("hennep", "hennep"), ("cocaine", "cocaine")])
def test_search_finds_sections_offline(site: Path, browser, query: str, word: str):
    page, requests, errors = open_page(browser, site / "index.html", width=375)
    try:
        page.fill("#zoekterm", query)
        page.keyboard.press("Enter")
        page.wait_for_selector("#zoekresultaten .search-list a", timeout=5000)
        links = page.eval_on_selector_all(
            "#zoekresultaten .search-list a", "as => as.map(a => a.getAttribute('href'))"
        )
        assert not errors
        assert all(u.startswith(site.resolve().as_uri()) for u in requests)
    finally:
        page.close()
    assert len(links) >= 3
    for link in links[:8]:
        name, _, anchor = link.partition("#")
        text = (site / name).read_text(encoding="utf-8")
        if anchor:
            m = re.search(
                rf'<section id="{re.escape(anchor)}"[^>]*>(.*?)(?=<section |</section>)', text, re.S
            )
            assert m, f"{link}: no such section"
            text = m.group(1)
        plain = fold(re.sub(r"<[^>]+>", " ", text))
        assert word in plain, f"{link} does not mention {word}"


def test_tooltip_has_dutch_numbers_and_no_empty_rows(site: Path, browser):
    page, _requests, errors = open_page(browser, site / "sec-import.html")
    try:
        point = page.locator(".chart-canvas").first.locator('path[aria-roledescription="point"]').last
        point.hover(force=True)
        page.wait_for_selector("#vg-tooltip-element.visible", timeout=5000)
        rows = page.eval_on_selector_all(
            "#vg-tooltip-element tr", "trs => trs.map(tr => [...tr.children].map(c => c.textContent.trim()))"
        )
        assert not errors
    finally:
        page.close()
    assert rows and all(len(r) == 2 and r[1] for r in rows), rows  # no "Noot" row without a note
    keys = [r[0] for r in rows]
    assert "Jaar" in keys and "Noot" not in keys
    value = next(r[1] for r in rows if r[0] not in ("Drugsmarkt", "Jaar", "Status"))
    assert re.fullmatch(r"\d{1,3}(\.\d{3})*(,\d+)?", value), value  # Dutch notation


def test_print_shows_the_static_figures_without_navigation(site: Path, browser):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    try:
        page.emulate_media(media="print")
        page.goto((site / "sec-productie.html").resolve().as_uri())
        page.wait_for_load_state("load")
        page.evaluate("() => window.monitorChartsReady || null")
        shown = page.evaluate(
            """() => ({fallback: [...document.querySelectorAll('.chart-fallback')]
                           .every(i => getComputedStyle(i).display === 'block' && i.naturalWidth > 0),
                       nav: getComputedStyle(document.getElementById('site-nav')).display,
                       search: getComputedStyle(document.querySelector('.site-search')).display})"""
        )
    finally:
        page.close()
    assert shown == {"fallback": True, "nav": "none", "search": "none"}


def test_charts_follow_the_window_width(site: Path, browser):
    page, _requests, errors = open_page(browser, site / "sec-import.html", width=1280)
    try:
        charts = page.evaluate("() => document.querySelectorAll('.chart[data-spec]').length")
        wide = page.evaluate(
            "() => Number(document.querySelector('.chart-canvas svg').getAttribute('width'))"
        )
        page.set_viewport_size({"width": 375, "height": 800})  # a phone turned back upright
        page.wait_for_timeout(600)
        page.evaluate("() => window.monitorChartsReady")
        narrow = page.evaluate(
            "() => Number(document.querySelector('.chart-canvas svg').getAttribute('width'))"
        )
        assert page.evaluate("() => document.querySelectorAll('.chart-canvas svg').length") == charts
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 375
        assert not errors
    finally:
        page.close()
    assert narrow < 360 < wide
