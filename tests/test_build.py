"""The build stage: complete output, a no-op rebuild, and failures that lose nothing."""

from pathlib import Path

import pytest
import yaml

from report.build import build
from report.errors import MonitorError
from report.project import Project
from report.registry import load_registry


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_build_writes_every_block_figure_and_variable(built_project):
    gen = built_project / "_generated"
    reg = load_registry(built_project / "data" / "indicators.yml")
    for ind in reg.indicators:
        block = (gen / "indicatoren" / f"{ind.id}.md").read_text(encoding="utf-8")
        assert f"{{#sec-{ind.id}}}" in block
        assert "![" in block and "fig-alt=" in block, ind.id
        assert "Bron: " in block and "Fictieve demonstratiegegevens" in block
        assert "Kanttekeningen" in block and ind.caveats[0].nl.split()[0] in block
    for stem in {p.with_suffix("").with_suffix("") for p in (gen / "figuren").glob("*.svg")}:
        for suffix in (".svg", ".png", ".csv", ".vl.json"):
            assert stem.with_name(stem.name + suffix).exists()
    variables = yaml.safe_load((built_project / "_variables.yml").read_text(encoding="utf-8"))
    assert variables["ind"]["hennepkwekerijen"]["aantal"]["wiet"]["jaar"] == "2024"
    assert variables["demo"] == "ja"
    for name in ("overzicht", "definities", "tabellen"):
        assert (gen / "bijlagen" / f"{name}.md").stat().st_size > 500
    assert (gen / "demo.md").read_text(encoding="utf-8").count("Fictieve") == 2


def test_orange_indicators_say_they_are_not_periodically_available(built_project):
    reg = load_registry(built_project / "data" / "indicators.yml")
    for ind in reg.indicators:
        block = (built_project / "_generated" / "indicatoren" / f"{ind.id}.md").read_text(encoding="utf-8")
        assert ("niet periodiek beschikbaar" in block) == (ind.quality == "oranje"), ind.id


def test_availability_series_says_which_years_exist(built_project):
    block = (built_project / "_generated" / "indicatoren" / "beschikbaarheid.md").read_text(encoding="utf-8")
    assert "alleen gegevens over 2013, 2016 en 2020" in block


def test_rebuild_with_nothing_changed_is_skipped_and_identical(project_copy):
    project = Project(project_copy)
    assert build(project).skipped is False
    first = _snapshot(project.generated)
    assert build(project).skipped is True
    assert build(project, force=True).skipped is False
    assert _snapshot(project.generated) == first  # deterministic


@pytest.mark.parametrize(
    "breakage, message",
    [
        ("template", "names a fact that does not exist"),
        ("market", "column 'market': found 'coke'"),
        ("caveats", "caveats"),
    ],
)
def test_failed_build_leaves_previous_output_intact(project_copy, breakage, message):
    project = Project(project_copy)
    build(project)
    before = _snapshot(project.generated)
    variables = project.variables.read_bytes()
    if breakage == "template":
        tpl = project.templates / "nl" / "reeks.md.j2"
        tpl.write_text(tpl.read_text(encoding="utf-8") + "{{ s.groei_per_maand }}\n", encoding="utf-8")
    elif breakage == "market":
        obs = project.clean / "observations.csv"
        obs.write_text(obs.read_text(encoding="utf-8").replace(",wiet,NL,2016,", ",coke,NL,2016,", 1))
    else:
        reg = project.registry
        text = reg.read_text(encoding="utf-8")
        data = yaml.safe_load(text)
        data["indicators"][4]["caveats"] = []
        reg.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(MonitorError, match=message):
        build(project)
    assert _snapshot(project.generated) == before
    assert project.variables.read_bytes() == variables
    assert not list(project.root.glob(".monitor-tmp*"))


def test_causal_wording_in_an_edited_template_is_refused(project_copy):
    project = Project(project_copy)
    tpl = project.templates / "nl" / "reeks.md.j2"
    tpl.write_text(tpl.read_text(encoding="utf-8") + "Dit komt doordat het beleid werkt.\n", encoding="utf-8")
    with pytest.raises(MonitorError, match="causal wording"):
        build(project)


def test_the_callers_work_runs_while_the_figures_are_drawn_and_only_then(project_copy):
    """build(while_drawing=...) (monitor render works out the edition's status there): called
    once when figures are drawn, before the new _generated/ is in place; not called when no
    figure is drawn (the caller does it after the build)."""
    project = Project(project_copy)
    build(project)
    stamp = (project.generated / ".inputs").read_text(encoding="utf-8")
    obs = project.clean / "observations.csv"
    lines = obs.read_text(encoding="utf-8").split("\n")
    n = next(i for i, line in enumerate(lines) if line.startswith("hennepkwekerijen,aantal,wiet,NL,2014,"))
    cells = lines[n].split(",")
    cells[5] = str(int(float(cells[5])) + 7)
    lines[n] = ",".join(cells)
    obs.write_text("\n".join(lines), encoding="utf-8")
    seen = []

    def meanwhile(folder):
        tables = (folder / "gegevens" / "tabellen.json").read_text(encoding="utf-8")
        seen.append(((project.generated / ".inputs").read_text(encoding="utf-8"), tables))

    result = build(project, while_drawing=meanwhile)
    # once, with the old build still in place and the new one's text written (not its figures)
    assert result.exported and [s for s, _ in seen] == [stamp]
    assert seen[0][1] == (project.generated / "gegevens" / "tabellen.json").read_text(encoding="utf-8")
    template = project.root / "chapters" / "sjablonen" / "nl" / "indicator.md.j2"
    template.write_text(template.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    again = []
    result = build(project, while_drawing=lambda folder: again.append(1))
    assert not result.skipped and result.exported == [] and again == []
