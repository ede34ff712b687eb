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
* then ``monitor check`` on the demo, and the size of the HTML site.

Every run is a fresh Python process that runs ``monitor render`` itself (report.cli: clean when
raw files changed, the edition's status, build, the editors' checks, render all formats, the
status printed after), with a timer on each step, so start-up, imports and the checks count;
"total" is that process's wall time as the author sees it. When the build draws figures, the
status is worked out while it waits for them: its time is then part of the build's row. Peak
memory is the largest resident set of the process or of any tool it started (Pandoc), so far.
The PDF is compiled by the project's Typst server, which the cold build starts and the later
runs ask (report/render/typst_server.py): as for an author who renders again and again; its CPU
is the row "Typst server" (and counts in the total), and the servers are stopped at the end.
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


# -- the child: one `monitor render`, stage by stage -------------------------------------------


def _usage() -> tuple[float, float]:
    import resource

    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime
    return cpu, max(me.ru_maxrss, kids.ru_maxrss) / 1024  # MiB (Linux reports KiB)


def run_once(root: Path) -> None:
    """``monitor render --root <root>`` itself (report.cli), its steps timed where they start."""
    import functools

    t0 = time.perf_counter()
    stages: list[dict] = []
    # What `monitor render` imports before it starts (the build's modules only when it builds).
    from report import cli, final
    from report import render as render_package

    stages.append({"stage": "start-up and imports", "wall": time.perf_counter() - t0, **_usage_dict()})

    running: list[str] = []  # the stage now timed: a step inside another is part of that one

    def timed(module, name: str, stage: str, extra=None, before=None):
        inner = getattr(module, name)

        @functools.wraps(inner)
        def wrapper(*args, **kwargs):
            if running:  # e.g. the status, worked out while the build waits for its figures
                return inner(*args, **kwargs)
            running.append(stage)
            t = time.perf_counter()
            state = before() if before else None
            try:
                result = inner(*args, **kwargs)
            finally:
                running.pop()
            row = {"stage": stage, "wall": time.perf_counter() - t, **_usage_dict()}
            row.update(extra(state) if extra else {})
            stages.append(row)
            return result

        setattr(module, name, wrapper)

    # Figures drawn: the new entries of the figure cache (without importing the build to ask).
    figure_cache = root / ".monitor-cache" / "figure"

    def figures_now() -> set[str]:
        return {p.name for p in figure_cache.glob("*/*")} if figure_cache.is_dir() else set()

    def drawn(before: set[str]) -> dict:
        new = len(figures_now() - before)
        return {"figures": new, "skipped": "report.builder" not in sys.modules}

    timed(cli, "_run_build", "build", drawn, figures_now)
    timed(cli, "_run_clean", "clean")
    timed(final, "final_gate", "status (final gate)")
    timed(cli, "_check_before_render", "check")
    timed(
        render_package,
        "render",
        "render",
        lambda _s: {"rendered": list(render_package.LAST_RENDER.get("rendered", []))},
    )
    timed(cli, "_print_status", "status (printed)")
    sys.argv = ["monitor", "render", "--root", str(root)]
    try:
        cli.app()
    except SystemExit as exc:
        if exc.code not in (0, None):
            raise SystemExit(f"monitor render failed (exit {exc.code})") from None
    print(json.dumps(stages))
    from report.cli import leave_quickly

    leave_quickly()  # as `monitor` ends


def _usage_dict() -> dict:
    cpu, peak = _usage()
    return {"cpu": cpu, "peak": peak}


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
    t = time.perf_counter()
    before = server_cpu(root)
    proc = subprocess.run(
        [sys.executable, __file__, "--child", str(root)], capture_output=True, text=True, check=False
    )
    wall = time.perf_counter() - t
    if proc.returncode != 0:
        raise SystemExit(f"benchmark run failed:\n{proc.stderr}")
    stages = json.loads(proc.stdout.strip().splitlines()[-1])
    served = server_cpu(root) - before
    stages.append({"stage": "Typst server", "wall": 0.0, "cpu": stages[-1]["cpu"] + served, "peak": 0})
    return wall, stages


def stop_servers(roots: list[Path]) -> None:
    from types import SimpleNamespace

    from report.render.pdf import fonts_dir
    from report.render.typst_server import stop_server

    for root in roots:
        stop_server(root.resolve(), fonts_dir(SimpleNamespace(root=root.resolve())))


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
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        run_once(args.child)
        return

    try:
        load = os.getloadavg()[0]
    except OSError:
        load = float("nan")
    print(f"cores: {os.cpu_count()}; load average at start: {load:.1f}; median of {args.repeat} run(s)")
    results: dict[str, list[tuple[float, list[dict]]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        from report.project import Project

        roots = []
        for i in range(args.repeat):
            root = Project(ROOT).copy_to(Path(tmp) / f"project-{i}").root
            roots.append(root)
            results.setdefault("cold full build", []).append(child(root))
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
            if "figures" in s:
                extra = "skipped" if s.get("skipped") else f"{s['figures']} figures exported"
            if "rendered" in s:
                extra = "rendered: " + (",".join(s["rendered"]) or "none")
            print(fmt_row(name, s["stage"], wall, cpu, peak, extra))
        cpu_totals[name] = statistics.median(r[1][-1]["cpu"] for r in runs)
        print(fmt_row(name, "total (process)", totals[name], cpu_totals[name], None))
    print()
    print(f"monitor check: {check_wall:.2f} s (exit {check.returncode}; target < 2 s)")
    mark = "ok" if site_size <= SITE_TARGET else f"over the target of {SITE_TARGET / 1e6:.0f} MB"
    print(f"html site: {site_size / 1e6:.2f} MB in {site_pages} pages ({mark})")
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
