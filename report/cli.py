"""The `monitor` command: build the facts, text and figures; render PDF, DOCX and HTML."""

from __future__ import annotations

import time
from enum import Enum
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from report.errors import MonitorError
from report.project import Project

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Monitor drugscriminaliteit: from clean data to the report in PDF, DOCX and HTML.",
)
console = Console(stderr=True)


class Format(str, Enum):
    pdf = "pdf"
    docx = "docx"
    html = "html"


class Engine(str, Enum):
    embedded = "embedded"
    quarto = "quarto"


def _project(root: Path | None) -> Project:
    return Project(root.resolve()) if root else Project.find()


def _fail(exc: MonitorError) -> None:
    console.print(f"[bold red]Error:[/] {exc}", highlight=False, soft_wrap=True)
    raise typer.Exit(code=1)


def _run_build(project: Project, force: bool) -> None:
    from report.freshness import build_is_current

    if not force and build_is_current(project):  # without importing the build's libraries
        console.print("build: inputs unchanged, _generated/ is up to date")
        return
    from report.build import build

    with Progress(
        SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=console
    ) as progress:
        task = progress.add_task("build", total=None)
        result = build(
            project, force=force, progress=lambda m: progress.update(task, description=f"build: {m}")
        )
    if result.skipped:
        console.print("build: inputs unchanged, _generated/ is up to date")
    else:
        console.print(f"build: {len(result.figures)} figures, text and variables written to _generated/")


@app.command()
def build(
    root: Path = typer.Option(None, "--root", help="Project folder (default: found from here)."),
    force: bool = typer.Option(False, "--force", help="Rebuild even when the inputs did not change."),
) -> None:
    """Facts, text snippets, figures and variables from data/clean and the registry."""
    try:
        _run_build(_project(root), force)
    except MonitorError as exc:
        _fail(exc)


@app.command()
def render(
    fmt: list[Format] = typer.Option(None, "--format", "-f", help="pdf, docx or html (default: all three)."),
    engine: Engine = typer.Option(Engine.embedded, "--engine", help="embedded (Pandoc + Typst) or quarto."),
    draft: bool = typer.Option(False, "--draft", help="DOCX for reviewers: CONCEPT header, line numbers."),
    root: Path = typer.Option(None, "--root", help="Project folder (default: found from here)."),
) -> None:
    """Build (when inputs changed) and render the report to _book/."""
    from report.render import render as render_book

    try:
        project = _project(root)
        if _raw_changed(project):
            console.print("raw data changed since the last clean: cleaning first")
            _run_clean(project)
        if engine is Engine.embedded:
            # Quarto runs the build itself as pre-render.
            _run_build(project, force=False)
        formats = [f.value for f in (fmt or list(Format))]
        t0 = time.perf_counter()
        with console.status(f"render: {', '.join(formats)} ({engine.value} engine)"):
            outputs = render_book(
                project.root,
                formats=tuple(formats),
                engine=engine.value,
                draft=draft,
            )
        for name, path in outputs.items():
            console.print(f"render: {name} → {path.relative_to(project.root)}")
        console.print(f"render: done in {time.perf_counter() - t0:.1f} s")
    except MonitorError as exc:
        _fail(exc)


@app.command()
def preview(
    port: int = typer.Option(8000, "--port", "-p", help="Port on 127.0.0.1 (0: any free port)."),
    root: Path = typer.Option(None, "--root", help="Project folder (default: found from here)."),
) -> None:
    """Serve the HTML edition on 127.0.0.1; rebuild and reload the page when a source is saved."""
    from report.preview import Preview

    try:
        Preview(_project(root), port=port, log=lambda m: console.print(m, highlight=False)).serve_forever()
    except MonitorError as exc:
        _fail(exc)
    except OSError as exc:  # the port is taken
        _fail(MonitorError(f"preview: cannot serve on 127.0.0.1:{port}: {exc.strerror or exc}"))


def _print_problems(problems, limit: int = 30) -> None:
    for p in problems[:limit]:
        console.print(f"[yellow]Warning:[/] {p}", highlight=False, soft_wrap=True)
    if len(problems) > limit:
        console.print(f"[yellow]… and {len(problems) - limit} more warnings[/]")


def _run_clean(project: Project, allow_rejections: bool = False) -> None:
    from report.clean import clean as run_clean

    with console.status("clean") as status:
        result = run_clean(project, progress=lambda m: status.update(m), allow_rejections=allow_rejections)
    _print_problems(result.warnings)
    kept = sum(s.rows_kept for s in result.manifest)
    rejected = sum(s.rows_rejected for s in result.manifest)
    console.print(
        f"clean: {len(result.manifest)} raw files, {kept} rows kept, {rejected} rejected → "
        f"{len(result.observations)} observations in data/clean/"
        + (
            f"; {len(result.revisions)} revised since the previous edition"
            if result.revisions is not None and len(result.revisions)
            else ""
        )
    )


@app.command("clean")
def clean_command(
    root: Path = typer.Option(None, "--root", help="Project folder (default: found from here)."),
    allow_rejections: bool = typer.Option(
        False,
        "--allow-rejections",
        help="Write the clean data without the rejected rows (listed in rejected.csv).",
    ),
) -> None:
    """Raw deliveries in data/raw → validated clean data in data/clean (all problems listed)."""
    try:
        _run_clean(_project(root), allow_rejections)
    except MonitorError as exc:
        _fail(exc)


@app.command()
def freeze(
    edition: int = typer.Argument(..., help="The edition to keep, e.g. 2024."),
    root: Path = typer.Option(None, "--root"),
) -> None:
    """Keep this edition's clean data, so the next edition reports what was revised."""
    from report.clean import freeze as run_freeze

    try:
        project = _project(root)
        dest = run_freeze(project, edition)
        console.print(f"freeze: edition {edition} kept in {dest.relative_to(project.root)}")
    except MonitorError as exc:
        _fail(exc)


@app.command("trace")
def trace_command(
    indicator: str = typer.Argument(..., help="Indicator id, e.g. inbeslagnames_nl."),
    year: int = typer.Argument(..., help="Year of the number."),
    measure: str = typer.Option(None, "--measure", "-m"),
    market: str = typer.Option(None, "--market"),
    region: str = typer.Option(None, "--region"),
    root: Path = typer.Option(None, "--root"),
) -> None:
    """Where a number comes from: raw file (with its SHA-256), sheet, rows and column."""
    from report.clean.trace import trace

    try:
        for t in trace(_project(root), indicator, year, measure, market, region):
            key = "/".join(t.key[k] for k in ("indicator", "measure", "market", "region", "year"))
            print(f"{key} = {t.value}")
            for f, digest in t.sha256.items():
                print(f"  file   {f}  (sha256 {digest[:16]}…)")
            if t.sheet:
                print(f"  sheet  {t.sheet}")
            print(f"  column {t.column}")
            print(f"  rows   {t.rows}")
    except MonitorError as exc:
        _fail(exc)


@app.command("demo-data")
def demo_data(root: Path = typer.Option(None, "--root")) -> None:
    """(Re)write the fictitious demo deliveries into data/raw/ and clean them into data/clean/."""
    import importlib.util

    project = _project(root)
    spec = importlib.util.spec_from_file_location(
        "make_demo_data", project.root / "scripts" / "make_demo_data.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    try:
        module.write(project.clean, project.registry, project.raw)
        console.print("demo data: raw deliveries written to data/raw; cleaning them")
        _run_clean(project)
    except MonitorError as exc:
        _fail(exc)


def _raw_changed(project: Project) -> bool:
    """True when data/raw holds files the clean data were not made from (by content hash, not
    by date: a fresh clone gives every file a new date)."""
    from report.freshness import raw_files_changed

    return raw_files_changed(project)


def main() -> None:
    app()
