"""How long an author or editor waits: wall time, CPU time and peak memory per stage, and how
many figures were exported, for the edits people make.

    python scripts/benchmark.py                 # all scenarios, median of 3
    python scripts/benchmark.py --repeat 1
    python scripts/benchmark.py --quarto        # and `quarto render` of the same sources (~35 s+)

Scenarios, each on a copy of the project in a temporary folder (the real _generated/, _book/
and .monitor-cache/ are not touched):

* cold full build — empty cache: clean → build → PDF, DOCX and HTML;
* nothing changed — the same `monitor render` again;
* one chapter's prose edited — one word in chapters/02-import.qmd;
* one indicator's data value edited — one value of hennepkwekerijen in data/clean;
* one template word edited — one word in chapters/sjablonen/nl/indicator.md.j2;
* (``--quarto``) ``quarto render`` of the same sources, with the ratio to ours;
* then ``monitor check`` on the demo, the size of the HTML site, and ``monitor preview``: from
  saving a prose edit to the open page showing it (headless Chromium, when playwright and
  Debian's chromium are there).

Every run is ``monitor render --root <copy>`` as an author types it (``python -m report``),
its steps timed by the command itself (``MONITOR_TIMINGS``, report/timings.py): clean when raw
files changed, the edition's status, build, the editors' checks, render all formats, the status
printed after; "total" is the command's wall time as the author sees it. When the build draws
figures, the status is worked out while it waits for them: its time is then part of the
build's row. Peak memory is the largest resident set of the process or of any tool it started
(Pandoc), so far. The cold run is the first command on the machine: the command server
(report/command_server.py) is stopped before it, so it runs in its own process and then starts
the server; the benchmark waits for the server to load, and the later runs are answered by it,
as for an author who renders again and again (the first row says which). The PDF is compiled by
the project's Typst server, which the cold build starts and the later runs ask
(report/render/typst_server.py); its CPU is the row "Typst server" (and counts in the total).
The servers are stopped at the end.
Not a test: a measurement; on a shared machine compare CPU times too.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CHAPTER = "chapters/02-import.qmd"
CHAPTER_OLD = "Veel drugs die Nederland binnenkomen"
CHAPTER_NEW = ["Heel veel drugs die Nederland binnenkomen", "Zeer veel drugs die Nederland binnenkomen"]
TEMPLATE = "chapters/sjablonen/nl/indicator.md.j2"
TEMPLATE_OLD = "· kwaliteit: [{{ kwaliteit }}]"
TEMPLATE_NEW = ["· kwaliteitsoordeel: [{{ kwaliteit }}]", "· kwaliteitsniveau: [{{ kwaliteit }}]"]
DATA = "data/clean/observations.csv"
DATA_ROW = "hennepkwekerijen,aantal,wiet,NL,2014,"
SITE_TARGET = 5_000_000  # bytes: the demo site (pages, charts, fonts, open data) stays under 5 MB


# -- the parent: scenarios ---------------------------------------------------------------------


def server_cpu(root: Path) -> float:
    """CPU seconds used so far by the project's Typst server (report/render/typst_server.py):
    it outlives the render that started it, so the render's own CPU times do not hold it."""
    total = 0.0
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            cmd = (proc / "cmdline").read_bytes().split(b"\0")
            if b"report.render.typst_server" in cmd and str(root).encode() in cmd:
                fields = (proc / "stat").read_text().rsplit(")", 1)[1].split()
                total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, ValueError, IndexError):
            continue
    return total


def child(root: Path) -> tuple[float, list[dict]]:
    """One `monitor render --root <root>`, as an author types it; its steps' times from the
    command itself (report/timings.py)."""
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "timings.json"
        env = dict(os.environ, MONITOR_TIMINGS=str(log))
        t = time.perf_counter()
        before = server_cpu(root)
        proc = subprocess.run(
            [sys.executable, "-m", "report", "render", "--root", str(root)],
            capture_output=True,
            text=True,
            check=False,
            env=env,
            cwd=ROOT,
        )
        wall = time.perf_counter() - t
        if proc.returncode != 0:
            raise SystemExit(f"benchmark run failed:\n{proc.stderr}")
        stages = json.loads(log.read_text(encoding="utf-8"))
    served = server_cpu(root) - before
    stages.append({"stage": "Typst server", "wall": 0.0, "cpu": stages[-1]["cpu"] + served, "peak": 0})
    return wall, stages


def command_server_ready(wait: float = 20.0) -> bool:
    """Whether the command server answers (the first run starts it): wait for it to load."""
    from report.command_server import ask, server_address

    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        if ask(server_address(), "status") is not None:
            return True
        time.sleep(0.2)
    return False


def stop_servers(roots: list[Path], command_server: bool = True) -> None:
    from types import SimpleNamespace

    from report.command_server import ask, server_address
    from report.render.pdf import fonts_dir
    from report.render.typst_server import stop_server

    for root in roots:
        stop_server(root.resolve(), fonts_dir(SimpleNamespace(root=root.resolve())))
    if command_server:
        ask(server_address(), "stop")


def replace_in(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    if old not in text:
        raise SystemExit(f"{path}: the benchmark's edit point '{old}' is gone; update scripts/benchmark.py")
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def edit_data(root: Path, i: int) -> None:
    path = root / DATA
    lines = path.read_text(encoding="utf-8").split("\n")
    for n, line in enumerate(lines):
        if line.startswith(DATA_ROW):
            cells = line.split(",")
            cells[5] = str(int(float(cells[5])) + 1 + i)
            lines[n] = ",".join(cells)
            break
    else:
        raise SystemExit(f"{path}: no row {DATA_ROW}… to edit")
    path.write_text("\n".join(lines), encoding="utf-8")


def scenarios(root: Path, i: int):
    """(name, edit) in order; each edit changes the sources a little differently per repeat."""
    originals = {rel: (root / rel).read_text(encoding="utf-8") for rel in (CHAPTER, TEMPLATE)}

    def restore(rel: str) -> None:
        (root / rel).write_text(originals[rel], encoding="utf-8")

    k = i % 2
    yield "nothing changed", lambda: None
    yield "chapter prose edited", lambda: replace_in(root / CHAPTER, CHAPTER_OLD, CHAPTER_NEW[k])
    # one edit each: the chapter stays edited (putting it back would be a second edit)
    yield "indicator data edited", lambda: edit_data(root, i)
    yield "template word edited", lambda: replace_in(root / TEMPLATE, TEMPLATE_OLD, TEMPLATE_NEW[k])
    restore(TEMPLATE)
    restore(CHAPTER)


PREVIEW_PAGE = "sec-import.html"  # the site page of CHAPTER
PREVIEW_EDITS = 5


def preview_latency(root: Path) -> list[float] | str:
    """Seconds from saving a prose edit of CHAPTER to `monitor preview`'s open page showing it
    (headless Chromium), for PREVIEW_EDITS edits a few seconds apart; or why it was not timed."""
    import re

    chromium = Path("/usr/bin/chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return "not timed: playwright is not installed (requirements-test.lock has it)"
    if not chromium.exists():
        return f"not timed: {chromium} is not installed"
    from report.preview import Preview
    from report.project import Project

    chapter = root / CHAPTER
    preview = Preview(Project(root), port=0, log=lambda _message: None)
    preview.start()
    shown = []
    try:
        with sync_playwright() as playwright:
            args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
            browser = playwright.chromium.launch(executable_path=str(chromium), args=args)
            page = browser.new_page()
            page.goto(preview.url + PREVIEW_PAGE)
            page.wait_for_function("window.monitorChartsReady !== undefined")
            page.evaluate("window.monitorChartsReady")
            for i in range(PREVIEW_EDITS):
                time.sleep(2.0)  # an editor saves now and then, not while the page still draws
                word = f"Bewerking{i}"
                text = chapter.read_text(encoding="utf-8")
                edited = re.sub(
                    r"\w+ drugs die Nederland binnenkomen",
                    f"{word} drugs die Nederland binnenkomen",
                    text,
                    count=1,
                )
                t = time.perf_counter()
                chapter.write_text(edited, encoding="utf-8")
                page.wait_for_function(
                    f"document.querySelector('main').innerText.includes('{word}')", polling=10, timeout=30000
                )
                shown.append(time.perf_counter() - t)
                page.evaluate("window.monitorChartsReady")
            browser.close()
    finally:
        preview.stop()
    return shown


def quarto_binary() -> str | None:
    for candidate in (os.environ.get("QUARTO"), shutil.which("quarto"), "/opt/quarto-src/bin/quarto"):
        if candidate and Path(candidate).is_file():
            return candidate
    return None


def run_quarto(quarto: str, root: Path) -> tuple[float, float]:
    """`quarto render` of a copy with the build done once before (README: metadata-files);
    (wall, CPU of Quarto and everything it started)."""
    import resource

    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    proc = subprocess.run([quarto, "render"], cwd=root, env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - t
    if proc.returncode != 0:
        raise SystemExit(f"quarto render failed:\n{proc.stderr[-3000:]}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)


def fmt_row(name: str, stage: str, wall: float, cpu: float | None, peak: float | None, extra="") -> str:
    cpu_txt = f"{cpu:7.2f}" if cpu is not None else "      ."
    peak_txt = f"{peak:7.0f}" if peak is not None else "      ."
    return f"| {name:24s} | {stage:22s} | {wall:7.2f} | {cpu_txt} | {peak_txt} | {extra:18s} |"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3, help="runs per scenario (the median is shown)")
    parser.add_argument("--quarto", action="store_true", help="also time `quarto render` (~35 s+)")
    parser.add_argument("--quarto-repeat", type=int, default=1, help="runs of `quarto render`")
    args = parser.parse_args()

    try:
        load = os.getloadavg()[0]
    except OSError:
        load = float("nan")
    print(f"cores: {os.cpu_count()}; load average at start: {load:.1f}; median of {args.repeat} run(s)")
    results: dict[str, list[tuple[float, list[dict]]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        from report.project import Project

        roots = []
        served = True
        for i in range(args.repeat):
            root = Project(ROOT).copy_to(Path(tmp) / f"project-{i}").root
            roots.append(root)
            stop_servers([], command_server=True)  # cold: as the first command on a machine
            results.setdefault("cold full build", []).append(child(root))
            served = command_server_ready() and served
            for name, edit in scenarios(root, i):
                edit()
                results.setdefault(name, []).append(child(root))
        stop_servers(roots)  # their projects are about to go
        # The editors' check as an editor runs it (a fresh process, build up to date), and the
        # size of the HTML site readers download. The last scenario put the template back, so
        # the build is brought up to date first: that is the build's time, not the check's.
        subprocess.run([sys.executable, "-m", "report", "build", "--root", str(root)], capture_output=True)
        t = time.perf_counter()
        check = subprocess.run(
            [sys.executable, "-m", "report", "check", "--root", str(root)], capture_output=True, text=True
        )
        check_wall = time.perf_counter() - t
        previewed = preview_latency(Project(ROOT).copy_to(Path(tmp) / "project-preview").root)
        site = root / "_book" / "html"
        site_size = sum(p.stat().st_size for p in site.rglob("*") if p.is_file())
        site_pages = len(list(site.glob("*.html")))
        quarto_wall = None
        if args.quarto:
            quarto = quarto_binary()
            if quarto is None:
                print("quarto: not found (QUARTO, PATH, /opt/quarto-src/bin/quarto); skipped")
            else:
                qroot = Project(ROOT).copy_to(Path(tmp) / "project-quarto").root
                child(qroot)  # clean + build, so metadata-files exist
                stop_servers([qroot])
                runs = [run_quarto(quarto, qroot) for _ in range(max(1, args.quarto_repeat))]
                quarto_wall = statistics.median(w for w, _ in runs)
                quarto_cpu = statistics.median(c for _, c in runs)

    print()
    head = ("scenario", "stage", "wall s", "cpu s", "MiB", "")
    print("| {:24s} | {:22s} | {:>7s} | {:>7s} | {:>7s} | {:18s} |".format(*head))
    print(f"|{'-' * 26}|{'-' * 24}|{'-' * 9}|{'-' * 9}|{'-' * 9}|{'-' * 20}|")
    totals, cpu_totals = {}, {}
    for name, runs in results.items():
        totals[name] = statistics.median(w for w, _ in runs)
        stages = runs[0][1]
        for idx, s in enumerate(stages):
            wall = statistics.median(r[1][idx]["wall"] for r in runs if len(r[1]) > idx)
            cpu = statistics.median(
                r[1][idx]["cpu"] - (r[1][idx - 1]["cpu"] if idx else 0.0) for r in runs if len(r[1]) > idx
            )
            peak = max(r[1][idx]["peak"] for r in runs if len(r[1]) > idx)
            extra = ""
            if "served" in s:
                extra = "by the command server" if s["served"] else "in its own process"
            if "figures" in s:
                extra = "skipped" if s.get("skipped") else f"{s['figures']} figures exported"
            if "rendered" in s:
                extra = "rendered: " + (",".join(s["rendered"]) or "none")
            print(fmt_row(name, s["stage"], wall, cpu, peak, extra))
        cpu_totals[name] = statistics.median(r[1][-1]["cpu"] for r in runs)
        print(fmt_row(name, "total (process)", totals[name], cpu_totals[name], None))
    print()
    if not served:
        print("the command server did not answer after the cold run: the later runs ran in their own process")
    print(f"monitor check: {check_wall:.2f} s (exit {check.returncode}; target < 2 s)")
    mark = "ok" if site_size <= SITE_TARGET else f"over the target of {SITE_TARGET / 1e6:.0f} MB"
    print(f"html site: {site_size / 1e6:.2f} MB in {site_pages} pages ({mark})")
    if isinstance(previewed, str):
        print(f"monitor preview: {previewed}")
    else:
        times = ", ".join(f"{t:.2f}" for t in previewed)
        median = statistics.median(previewed)
        print(f"monitor preview, save → the page shows the edit: median {median:.2f} s ({times}; target 1 s)")
    if quarto_wall is not None:
        print(fmt_row("quarto render", "pdf+docx+html", quarto_wall, quarto_cpu, None))
        print()
        for name in ("cold full build", "chapter prose edited", "indicator data edited", "nothing changed"):
            print(
                f"quarto render / {name}: {quarto_wall / totals[name]:.1f}× wall, "
                f"{quarto_cpu / cpu_totals[name]:.1f}× CPU"
            )


if __name__ == "__main__":
    main()
