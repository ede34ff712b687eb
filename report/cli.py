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
    from report.build import build

    with Progress(
        SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=console
    ) as progress:
        task = progress.add_task("build", total=None)
        result = build(project, force=force, progress=lambda m: progress.update(task, description=f"build: {m}"))
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
        _warn_stale_clean(project)
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


@app.command("demo-data")
def demo_data(root: Path = typer.Option(None, "--root")) -> None:
    """(Re)write the fictitious demo data into data/clean/."""
    import importlib.util

    project = _project(root)
    spec = importlib.util.spec_from_file_location("make_demo_data", project.root / "scripts" / "make_demo_data.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    try:
        module.write(project.clean, project.registry)
    except MonitorError as exc:
        _fail(exc)
    console.print(f"demo data written to {project.clean.relative_to(project.root)}")


def _warn_stale_clean(project: Project) -> None:
    raw = [p for p in project.raw.rglob("*") if p.is_file() and p.name != ".gitkeep"]
    clean = list(project.clean.glob("*"))
    if raw and clean and max(p.stat().st_mtime for p in raw) > max(p.stat().st_mtime for p in clean):
        console.print(
            "[yellow]Warning:[/] files in data/raw are newer than data/clean; "
            "run `monitor clean` to bring the clean data up to date."
        )


def main() -> None:
    app()
