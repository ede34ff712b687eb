"""The build stage: registry + clean data → facts → text snippets, figures, variables.

Everything is written into a fresh temporary folder and swapped in at the end, so a failed
build leaves the previous _generated/ as it was. A build whose inputs did not change since
the last one does nothing (the inputs' hash is kept in _generated/.inputs). The work itself
is :class:`report.builder.Builder`'s, imported only when there is work: the figure workers
are started first, so they are ready by the time Altair is.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from report.errors import MonitorError
from report.figure_export import Drawing
from report.freshness import build_is_current, inputs_hash, variables_hash
from report.project import Project
from report.registry import Registry, load_registry
from report.swap import BUILD_TMP_PREFIX, recover_build, replace_dir

if TYPE_CHECKING:
    from report.figures import Figure

Progress = Callable[[str], None]


@dataclass
class BuildResult:
    skipped: bool
    figures: list[Figure] = field(default_factory=list)
    exported: list[str] = field(default_factory=list)  # figures drawn (the others came from the cache)
    timings: dict[str, float] = field(default_factory=dict)
    # "12 beschikbaarheid (2020)": indicators whose latest year is before the edition year.
    without_edition_year: list[str] = field(default_factory=list)
    repaired: list[str] = field(default_factory=list)  # what an interrupted earlier run left, undone


def market_groups(registry: Registry) -> dict[str, list[str]]:
    """Top-level drug markets with their sub-markets (cannabis: cannabis, wiet, hasj, ...)."""
    groups: dict[str, list[str]] = {}
    for m in registry.markets:
        top = m.parent or m.id
        if top in ("harddrugs", "softdrugs", "alle"):
            continue
        groups.setdefault(top, []).append(m.id)
    return groups


_INCLUDE = re.compile(r"\{\{<\s*(?P<name>[\w-]+)\s+(?P<args>[^>]*?)\s*(?:>\}\}|>|$)")


def places_block(text: str, block: str) -> int | None:
    """The line of a chapter that brings in a generated block ('indicatoren/hennepkwekerijen'), or None.

    Accepts `{{< blok indicatoren/<id>.md >}}`, `{{< include /_generated/indicatoren/<id>.md >}}`
    and a project shortcode naming the
    same block (`{{< monitor indicatoren/<id> >}}`, `{{< monitor indicator <id> >}}`).
    """
    kind, _, name = block.partition("/")
    singular = {"indicatoren": "indicator"}.get(kind, kind)  # {{< monitor indicator <id> >}}
    for n, line in enumerate(text.split("\n"), start=1):
        for m in _INCLUDE.finditer(line):
            args = m["args"].split()
            target = args[0].removeprefix("/").removeprefix("_generated/").removesuffix(".md") if args else ""
            if m["name"] == "include" and target == block:
                return n
            if m["name"] != "include" and (target == block or args[:2] in ([kind, name], [singular, name])):
                return n
    return None


def check_placement(project: Project, registry: Registry) -> None:
    """Every indicator and drug market of the registry comes into a chapter; else say where to add it."""
    lines = []
    samenhang = None
    for chapter in sorted((project.root / "chapters").glob("*.qmd")):
        if re.search(r"\{\{<[^>]*samenhang/", chapter.read_text(encoding="utf-8")):
            samenhang = chapter
            break
    wanted: list[tuple[Path, str, str]] = []
    for theme in registry.themes:
        path = project.root / "chapters" / theme.file
        for ind in registry.indicators_of(theme.id):
            wanted.append(
                (path, f"indicatoren/{ind.id}", f"indicator {ind.number} ({ind.id}) of theme {theme.id}")
            )
    for top in market_groups(registry):
        path = samenhang or project.root / "chapters" / "10-samenhang.qmd"
        wanted.append((path, f"samenhang/{top}", f"drug market {top} (Samenhang)"))
    texts: dict[Path, str] = {}
    for path, block, what in wanted:
        rel = path.relative_to(project.root).as_posix()
        if path not in texts:
            if not path.exists():
                lines.append(f"{rel} does not exist; data/indicators.yml names it for {what}")
                texts[path] = ""
                continue
            texts[path] = path.read_text(encoding="utf-8")
        text = texts[path]
        if not text or places_block(text, block) is not None:
            continue
        kind = block.split("/")[0]
        after = [
            n
            for b in (f"{kind}/{x}" for x in re.findall(rf"{kind}/(\w+)", text))
            if (n := places_block(text, b))
        ]
        where = f" after line {max(after)}" if after else ""
        lines.append(f"{rel} does not include {what}: add the line{where}\n      {{{{< blok {block}.md >}}}}")
    if lines:
        raise MonitorError(
            "the chapters leave out part of the registry (the report would silently lack it):\n"
            + "\n".join(f"  - {line}" for line in lines)
        )


def build(
    project: Project,
    force: bool = False,
    progress: Progress | None = None,
    while_drawing: Callable[[Path], None] | None = None,
) -> BuildResult:
    """Write _generated/ when its inputs changed. ``while_drawing(folder)``: work of the caller
    done while the figure workers finish (the build waits for them anyway); ``folder`` is the
    new _generated/ as written so far (all but the figures), not yet in place. Called only when
    figures are drawn, so the caller does it afterwards otherwise."""
    progress = progress or (lambda msg: None)
    registry = load_registry(project.registry)
    check_placement(project, registry)
    inputs = inputs_hash(project)
    repaired = recover_build(project)
    # The stamp names the variables written with it: a run killed between the two is redone.
    if not force and build_is_current(project, inputs):
        return BuildResult(skipped=True, repaired=repaired)
    tmp = Path(tempfile.mkdtemp(prefix=BUILD_TMP_PREFIX, dir=project.root))
    try:
        # The figure workers start before Altair is imported and the data read, so
        # that vl-convert is ready by the time the first spec is.
        with Drawing(project.fonts) as drawing:
            from report.builder import Builder, write_reference_docx
            from report.cache import Cache
            from report.observations import load_clean_data

            data = load_clean_data(project.clean, registry)
            builder = Builder(project, registry, data, tmp)
            cache = Cache.of_project(project.root)
            builder.run(cache=cache, progress=progress, drawing=drawing, while_drawing=while_drawing)
        variables = yaml.safe_dump(builder.variables(), allow_unicode=True, sort_keys=True)
        write_reference_docx(project.root, tmp / "reference.docx")
        variables_text = (
            "# Written by `monitor build` from data/clean; do not edit (see docs/conventions.md).\n"
            + variables
        )
        (tmp / ".inputs").write_text(f"{inputs}\n{variables_hash(variables_text.encode('utf-8'))}")
        # Variables first, then the folder in one exchange: a kill in between leaves a stamp that
        # does not match the variables, so the next build runs again.
        tmp_vars = project.variables.with_suffix(".yml.tmp")
        tmp_vars.write_text(variables_text, encoding="utf-8")
        os.replace(tmp_vars, project.variables)
        replace_dir(tmp, project.generated, "build")
        cache.prune_now_and_then()
        lagging = [f"{i['nummer']} {i['id']} ({i['jaar']})" for i in builder.without_edition_year("nl")]
        return BuildResult(
            skipped=False,
            figures=builder.figures,
            exported=sorted(Path(t[2]).name for t in builder._exports),
            without_edition_year=lagging,
            repaired=repaired,
        )
    finally:
        if tmp.exists():
            shutil.rmtree(tmp)
