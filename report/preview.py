"""`monitor preview`: the HTML edition on http://127.0.0.1, rebuilt when a source is saved.

A polling watcher (no extra dependency) looks at the chapters, the text templates, the registry,
the clean and raw data, ``_quarto.yml`` and the fonts a few times a second. When one changed
it does what ``monitor render --format html`` does — clean when raw files changed, build when
the build's inputs changed, render the HTML — in this long-lived process, so the libraries are
loaded once and the caches (report/cache.py) are warm: a chapter's prose edit shows in about a
second. The site is written to ``.monitor-preview/`` (git-ignored), not to ``_book/``.

Pages are served with one extra line, ``<script src="/__monitor/reload.js">``, added while
serving (never written into the site): the script asks ``/__monitor/status`` for the build
number and reloads the page when it changes, or shows the error of a failed rebuild in the
page. A failed rebuild is printed in the terminal too; the preview keeps serving the last good
site and waits for the next save. Ctrl-C stops it cleanly.
"""

from __future__ import annotations

import functools
import html
import http.server
import json
import signal
import threading
import time
import traceback
from collections.abc import Callable
from pathlib import Path

from report.errors import MonitorError
from report.project import Project

PREVIEW_DIR = ".monitor-preview"
STATUS_PATH = "/__monitor/status"
SCRIPT_PATH = "/__monitor/reload.js"
RELOAD_TAG = f'<script src="{SCRIPT_PATH}"></script>'

# The page asks for the version, and the server answers when it differs from the one the page
# has (a long poll: the page hears of a rebuild at once, not at its next look). A new version
# whose page differs only in <main> (a prose edit) is put in place without reloading: the
# scroll position stays, and the chart library (~0.9 MB) is not parsed again; the charts in
# <main> are drawn anew, after the browser has shown the text. Anything else (the navigation,
# the title: a heading changed) reloads the page.
RELOAD_JS = """(function () {
  var seen = null;
  var shown = null;  // the served page as it was read (the DOM is changed by monitor.js)
  function parts(html) {
    var doc = new DOMParser().parseFromString(html, "text/html");
    var pick = function (sel) { var el = doc.querySelector(sel); return el ? el.outerHTML : ""; };
    var rest = [doc.title, pick(".site-header"), pick(".site-toc")].join("\\n");
    return { main: doc.querySelector("main"), rest: rest };
  }
  function read() {
    return fetch(window.location.pathname, { cache: "no-store" }).then(function (r) {
      if (!r.ok) { throw new Error(String(r.status)); }
      return r.text();
    }).then(parts);
  }
  function swap() {
    return read().then(function (next) {
      var main = document.querySelector("main");
      if (!shown || !main || !next.main || next.rest !== shown.rest) { window.location.reload(); return; }
      main.innerHTML = next.main.innerHTML;
      shown = next;
      var box = document.getElementById("monitor-preview-error");
      if (box) { box.parentNode.removeChild(box); }
      if (typeof window.monitorDrawCharts === "function") {
        // after the next paint: drawing the page's charts takes ~0.2 s, and the edited text
        // should not wait for it
        window.monitorChartsReady = new Promise(function (done) {
          window.requestAnimationFrame(function () {
            setTimeout(function () { window.monitorDrawCharts(); done(window.monitorChartsReady); }, 0);
          });
        });
      }
      window.monitorPreviewSwaps = (window.monitorPreviewSwaps || 0) + 1;
    }).catch(function () { window.location.reload(); });
  }
  read().then(function (p) { shown = p; }).catch(function () {});
  function show(message) {
    var box = document.getElementById("monitor-preview-error");
    if (!box) {
      box = document.createElement("pre");
      box.id = "monitor-preview-error";
      box.setAttribute("role", "alert");
      box.style.cssText = "position:fixed;left:0;right:0;bottom:0;max-height:45vh;overflow:auto;" +
        "margin:0;padding:1em;background:#fff3f0;color:#8b0000;border-top:4px solid #d52b1e;" +
        "font:14px/1.4 monospace;white-space:pre-wrap;z-index:2147483647";
      document.body.appendChild(box);
    }
    box.textContent = "monitor preview: de laatste wijziging gaf een fout " +
      "(de pagina toont de vorige versie)\\n\\n" + message;
  }
  function poll() {
    var wait = 500;  // after a failed request (the preview stopped, say): look again soon
    fetch("__STATUS__" + (seen === null ? "" : "?after=" + seen), { cache: "no-store" })
      .then(function (r) { return r.json(); })
      .then(function (s) {
        wait = 0;
        if (seen === null) { seen = s.version; }
        else if (s.version !== seen) {
          seen = s.version;
          if (!s.error) { return swap(); }
        }
        if (s.error) { show(s.error); }
      })
      .catch(function () {})
      .then(function () { setTimeout(poll, wait); });
  }
  poll();
})();
""".replace("__STATUS__", STATUS_PATH)


def watched_files(project: Project) -> list[Path]:
    """What a rebuild of the HTML edition depends on (the sources; never generated files)."""
    root = project.root
    files = [root / "_quarto.yml", root / "index.qmd", project.registry, root / "data" / "sources.yml"]
    for folder in (root / "chapters", project.clean, project.raw, project.fonts):
        if folder.is_dir():
            files += [p for p in folder.rglob("*") if p.is_file()]
    return sorted({p for p in files if p.is_file()})


def snapshot(project: Project) -> dict[str, tuple[int, int]]:
    out = {}
    for p in watched_files(project):
        try:
            st = p.stat()
        except OSError:
            continue
        out[str(p)] = (st.st_mtime_ns, st.st_size)
    return out


class Preview:
    """The preview server and watcher; ``start()``, then ``stop()`` (or use ``with``)."""

    def __init__(
        self,
        project: Project,
        host: str = "127.0.0.1",
        port: int = 0,
        # seconds between two looks at the sources: a look is ~2 ms (the demo's 62 files), and a
        # save is seen ~25 ms after on average
        interval: float = 0.05,
        log: Callable[[str], None] = print,
    ):
        self.project = project
        self.site = project.root / PREVIEW_DIR / "html"
        self.host = host
        self.port = port
        self.interval = interval
        self.log = log
        self.version = 0
        self.error: str | None = None
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)  # a new version (or the stop)
        self._stop = threading.Event()
        self._server: http.server.ThreadingHTTPServer | None = None
        self._threads: list[threading.Thread] = []

    # -- building ---------------------------------------------------------------------------
    def rebuild(self) -> bool:
        """Clean/build when needed, render the HTML; True on success. Errors are kept, not raised."""
        from report.freshness import build_is_current, raw_files_changed
        from report.render import render

        t0 = time.perf_counter()
        try:
            if raw_files_changed(self.project):
                from report.clean import clean

                self.log("preview: raw data changed: cleaning")
                clean(self.project)
            if not build_is_current(self.project):
                from report.build import build

                for what in build(self.project).repaired:  # a killed run's leftovers, said
                    self.log(f"preview: {what}")
            keep_later: list[Callable[[], None]] = []
            render(self.project.root, formats=("html",), out_dir=self.site.parent, keep_later=keep_later)
        except MonitorError as exc:
            return self._failed(str(exc))
        except Exception as exc:  # a bug must not end the preview: show it and keep serving
            return self._failed(f"{type(exc).__name__}: {exc}\n\n{traceback.format_exc()}")
        with self._lock:
            self.error = None
            self.version += 1
            self._changed.notify_all()
        self.log(f"preview: rebuilt in {time.perf_counter() - t0:.2f} s")
        # into the cache (for the next `monitor render`) once the page is told: ~0.06 s less to wait
        for keep in keep_later:
            try:
                keep()
            except (OSError, MonitorError) as exc:  # the site is served all the same
                self.log(f"preview: the site was not kept in the cache ({exc})")
        return True

    def _failed(self, message: str) -> bool:
        with self._lock:
            self.error = message
            self.version += 1
            self._changed.notify_all()
        self.log(f"preview: error (still serving the last good version):\n{message}")
        return False

    def status(self, after: int | None = None, wait: float = 20.0) -> dict:
        """The version and the last error; with ``after``, once the version is another (or
        after ``wait`` seconds, or when the preview stops)."""
        with self._changed:
            if after is not None:
                self._changed.wait_for(lambda: self.version != after or self._stop.is_set(), wait)
            return {"version": self.version, "error": self.error}

    def _watch(self) -> None:
        seen = snapshot(self.project)
        while not self._stop.wait(self.interval):
            now = snapshot(self.project)
            if now != seen:
                changed = sorted(set(now.items()) ^ set(seen.items()))
                names = sorted({Path(p).relative_to(self.project.root).as_posix() for p, _ in changed})
                self.log(f"preview: changed {', '.join(names[:5])}{' …' if len(names) > 5 else ''}")
                seen = now
                self.rebuild()
                seen = snapshot(self.project)  # what the rebuild itself read (clean writes data/clean)

    # -- serving ----------------------------------------------------------------------------
    def start(self) -> Preview:
        self.rebuild()
        handler = functools.partial(_Handler, self)
        self._server = http.server.ThreadingHTTPServer((self.host, self.port), handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        serve = threading.Thread(target=self._server.serve_forever, name="preview-http", daemon=True)
        watch = threading.Thread(target=self._watch, name="preview-watch", daemon=True)
        self._threads = [serve, watch]
        for t in self._threads:
            t.start()
        self.log(f"preview: {self.url} (Ctrl-C stops)")
        return self

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/"

    def stop(self) -> None:
        self._stop.set()
        with self._changed:
            self._changed.notify_all()  # the pages waiting for a version get their answer
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        for t in self._threads:
            t.join(timeout=30)
        self._threads = []

    def __enter__(self) -> Preview:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def serve_forever(self) -> None:
        """Start, wait for Ctrl-C (or SIGTERM), stop."""
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, lambda *_: self._stop.set())
        try:
            self.start()
            while not self._stop.wait(0.5):
                pass
        except KeyboardInterrupt:
            self.log("preview: stopping")
        finally:
            self.stop()


class _Handler(http.server.SimpleHTTPRequestHandler):
    def __init__(self, preview: Preview, *args, **kwargs):
        self.preview = preview
        super().__init__(*args, directory=str(preview.site), **kwargs)

    def log_message(self, format: str, *args) -> None:  # quiet: the terminal is for rebuilds
        pass

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def _send(self, body: bytes, content_type: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            try:
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the page was closed while it waited for an answer

    def do_HEAD(self) -> None:
        self.do_GET()

    def do_GET(self) -> None:
        path, _, query = self.path.split("#", 1)[0].partition("?")
        if path == STATUS_PATH:
            after = query.removeprefix("after=")
            known = int(after) if query.startswith("after=") and after.isdigit() else None
            return self._send(json.dumps(self.preview.status(known)).encode(), "application/json")
        if path == SCRIPT_PATH:
            return self._send(RELOAD_JS.encode(), "text/javascript; charset=utf-8")
        if path.endswith("/"):
            path += "index.html"
        if path.endswith(".html"):
            file = Path(self.translate_path(path))
            try:
                text = file.read_text(encoding="utf-8")
            except OSError:
                error = self.preview.status()["error"]
                if error is None:
                    return self.send_error(404, "Not found")
                # No site yet (the first build failed): the error is the page.
                text = (
                    '<!DOCTYPE html><html lang="nl"><head><meta charset="utf-8">'
                    "<title>monitor preview: fout</title></head><body><h1>De site kon niet worden "
                    f"gemaakt</h1><pre>{html.escape(error)}</pre></body></html>"
                )
            # Only while serving: the site on disk (and the published one) has no such script.
            tag = RELOAD_TAG + "\n</body>"
            text = text.replace("</body>", tag, 1) if "</body>" in text else text + RELOAD_TAG
            return self._send(text.encode("utf-8"), "text/html; charset=utf-8")
        return super().do_GET()
