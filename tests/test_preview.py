"""`monitor preview`: serve, edit a chapter, see the served page change, survive an error, stop."""

from __future__ import annotations

import json
import re
import socket
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from report.preview import RELOAD_TAG, SCRIPT_PATH, STATUS_PATH, Preview
from report.project import Project

pytestmark = pytest.mark.slow
NEW = "Zeer opvallend nieuw zinsdeel"


def _get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.read().decode("utf-8")


def _wait(predicate, timeout: float = 120.0, what: str = "") -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def _page_of(index_html: str, chapter_title: str) -> str:
    """The site page of a chapter, from the index's table of contents."""
    m = re.search(r'<a href="([^"#]+\.html)"[^>]*>[^<]*' + re.escape(chapter_title), index_html)
    assert m, f"no page for {chapter_title} in the index"
    return m.group(1)


def test_preview_serves_rebuilds_on_save_reports_errors_and_stops(project_copy: Path, browser):
    project = Project(project_copy)
    chapter = project_copy / "chapters" / "02-import.qmd"
    original = chapter.read_text(encoding="utf-8")
    messages: list[str] = []
    preview = Preview(project, port=0, interval=0.1, log=messages.append).start()
    try:
        base = preview.url
        index = _get(base)
        assert RELOAD_TAG in index, "the served page has the reload script"
        site_index = (project_copy / ".monitor-preview" / "html" / "index.html").read_text(encoding="utf-8")
        assert SCRIPT_PATH not in site_index, "the reload script is added while serving, never written"
        assert "reload" in _get(base + SCRIPT_PATH.lstrip("/"))
        page = _page_of(index, "Import")
        assert "Zeer opvallend nieuw zinsdeel" not in _get(base + page)
        version = json.loads(_get(base + STATUS_PATH.lstrip("/")))["version"]
        tab = browser.new_page(viewport={"width": 1280, "height": 900})
        tab.goto(base + page)
        tab.wait_for_timeout(500)  # the script has asked for the version once
        charts = tab.evaluate("document.querySelectorAll('.chart[data-spec]').length")
        assert charts, "the Import page has charts"
        tab.evaluate("window.monitorNotReloaded = true")

        # An editor saves a sentence: the served page shows it, the version moves on.
        t0 = time.monotonic()
        chapter.write_text(
            original.replace("Nederland is een", "Zeer opvallend nieuw zinsdeel. Nederland is een", 1),
            encoding="utf-8",
        )
        _wait(lambda: "Zeer opvallend nieuw zinsdeel" in _get(base + page), what="the edit to show")
        seconds = time.monotonic() - t0
        _wait(lambda: json.loads(_get(base + STATUS_PATH.lstrip("/")))["version"] > version, what="version")
        assert json.loads(_get(base + STATUS_PATH.lstrip("/")))["error"] is None
        assert any(m.startswith("preview: rebuilt in") for m in messages)
        print(f"prose edit visible after {seconds:.2f} s")
        # The open page follows (nobody navigated): a prose edit changes only <main>, which is put
        # in place without a reload (the scroll position stays), and its charts are drawn again.
        tab.wait_for_function(f"document.body.innerText.includes('{NEW}')", timeout=60_000)
        assert tab.evaluate("window.monitorNotReloaded === true && window.monitorPreviewSwaps >= 1")
        tab.evaluate("window.monitorChartsReady")
        assert tab.evaluate("document.querySelectorAll('.chart.chart-drawn').length") == charts

        # A broken shortcode: the error is reported, the last good page stays served.
        chapter.write_text(original + "\n{{< var bestaat.niet >}}\n", encoding="utf-8")
        _wait(lambda: json.loads(_get(base + STATUS_PATH.lstrip("/")))["error"], what="the error")
        error = json.loads(_get(base + STATUS_PATH.lstrip("/")))["error"]
        assert "chapters/02-import.qmd" in error and "bestaat.niet" in error
        assert any("error" in m and "bestaat.niet" in m for m in messages), "the terminal hears of it"
        assert "Zeer opvallend nieuw zinsdeel" in _get(base + page)
        overlay = tab.wait_for_selector("#monitor-preview-error", timeout=60_000)
        assert "bestaat.niet" in overlay.inner_text()
        assert NEW in tab.inner_text("body"), "the last good version stays on the page"
        tab.screenshot(path=str(project_copy / "preview-error.png"))

        # Fixed again: the error goes away and the page follows the file.
        chapter.write_text(original, encoding="utf-8")
        _wait(lambda: json.loads(_get(base + STATUS_PATH.lstrip("/")))["error"] is None, what="recovery")
        assert "Zeer opvallend nieuw zinsdeel" not in _get(base + page)
        tab.wait_for_function(f"!document.body.innerText.includes('{NEW}')", timeout=60_000)
        assert tab.query_selector("#monitor-preview-error") is None, "after a good rebuild the error goes"

        # A changed heading changes the navigation of every page: the open page reloads.
        chapter.write_text(original.replace("# Import", "# Invoer", 1), encoding="utf-8")
        tab.wait_for_function("document.title.includes('Invoer')", timeout=60_000)
        assert tab.evaluate("window.monitorNotReloaded") is None, "reloaded for the new navigation"
        assert "Invoer" in tab.inner_text(".site-toc")
        tab.close()
    finally:
        preview.stop()
    # Stopped: nothing listens on the port any more, and no thread is left behind.
    with pytest.raises((urllib.error.URLError, ConnectionError, socket.timeout)):
        _get(base)
    assert preview._threads == []


def test_a_page_asking_for_a_new_version_hears_of_a_rebuild_at_once(tmp_path):
    """The status is a long poll: ``?after=<version>`` is answered when the version changes
    (a rebuild, or a failed one), not at the page's next look; and when the preview stops."""
    import threading

    preview = Preview(Project(tmp_path), log=lambda _m: None)  # nothing built: status only
    seen = preview.status()["version"]
    began = time.monotonic()
    assert preview.status(after=seen, wait=0.3) == {"version": seen, "error": None}  # no change
    assert time.monotonic() - began >= 0.25
    threading.Timer(0.2, preview._failed, args=("een fout",)).start()
    began = time.monotonic()
    assert preview.status(after=seen, wait=30) == {"version": seen + 1, "error": "een fout"}
    assert time.monotonic() - began < 5
    threading.Timer(0.2, preview.stop).start()
    began = time.monotonic()
    preview.status(after=seen + 1, wait=30)  # the stop answers it too
    assert time.monotonic() - began < 5


def test_a_rebuilt_site_is_kept_in_the_cache_after_the_page_is_told(project_copy: Path, monkeypatch):
    """The preview puts its site into the cache once the new version is announced (not on the
    way to it): the version is new before the site is kept, and a `monitor render` of the HTML
    afterwards takes the site from the cache, the same bytes."""
    from report.render import LAST_RENDER, format_cache, render

    project = Project(project_copy)
    preview = Preview(project, log=lambda _m: None)
    kept_at = []
    real_store = format_cache.store
    monkeypatch.setattr(format_cache, "store", lambda *a: kept_at.append(preview.version) or real_store(*a))
    assert preview.rebuild()
    assert kept_at == [preview.version] and preview.version == 1, "kept after the version was told"
    render(project.root, formats=("html",))
    assert LAST_RENDER["cached"] == ["html"]
    site, served = project.root / "_book" / "html", preview.site
    files = sorted(p.relative_to(site) for p in site.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(served) for p in served.rglob("*") if p.is_file())
    assert all((site / f).read_bytes() == (served / f).read_bytes() for f in files)
