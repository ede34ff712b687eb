"""Headless Chromium for the HTML checks: Debian's chromium driven by playwright (never
`playwright install`), every request recorded, axe-core injected from node_modules."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def launch():
    """A browser for a module-scoped fixture; skips (with the reason) only without chromium."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is not installed (CI installs Debian's chromium via scripts/test.sh)")
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    return playwright, browser  # stop both: browser.close(), then playwright.stop()


def open_page(browser, path: Path, width: int = 1280, bypass_csp: bool = True):
    """The page from file:// with every request and every error (script or console) recorded; with
    bypass_csp the site's Content-Security-Policy lets the tests inject axe-core
    (test_data_strings.py checks the site with the policy in force)."""
    page = browser.new_page(viewport={"width": width, "height": 900}, bypass_csp=bypass_csp)
    requests: list[str] = []
    errors: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(path.resolve().as_uri())
    page.wait_for_load_state("load")
    page.evaluate("() => window.monitorChartsReady || null")
    return page, requests, errors


def chart_states(page) -> list[dict]:
    return page.evaluate(
        """() => [...document.querySelectorAll('.chart[data-spec]')].map(c => ({
            drawn: !!c.querySelector('.chart-canvas svg, .chart-canvas canvas'),
            fallbackHidden: c.querySelector('.chart-fallback').hidden,
            label: c.querySelector('.chart-canvas').getAttribute('aria-label')}))"""
    )


def axe_violations(page) -> list[dict]:
    assert AXE.exists(), f"{AXE} is missing: run `npm ci` in the project root (installs axe-core)"
    page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    return page.evaluate(
        """async () => {
            const r = await axe.run(document, {resultTypes: ['violations'], preload: false});
            return r.violations.map(v => ({id: v.id, impact: v.impact,
                nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
        }"""
    )
