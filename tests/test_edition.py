"""The yearly cycle, from the shipped demo (edition 2024) to edition 2025, as an author runs it."""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from conftest import copy_project
from typer.testing import CliRunner

from report.build import build, places_block
from report.clean.revisions import freeze
from report.errors import MonitorError
from report.project import Project
from report.registry import load_registry
from report.status import compute

runner = CliRunner()
PERIODIC_SOURCES = [
    "inbeslagnames",
    "ontmantelingen",
    "om_afdoeningen",
    "om_opsporing",
    "cbs_drugsgebruik",
    "cbs_opiumwet",
    "trimbos_dims",
    "antenne_groothandel",
    "emcdda_belgie",
    "wodc_liquidaties",
    "kwr_afvalwater",  # oranje, but `yearly: true` in the registry
]
# Sources that feed only orange (not periodically available) indicators.
ORANGE_SOURCES = ["uitgaansonderzoek", "luris", "cjib_ontnemingen", "gemeenten_sluitingen"]


def monitor(root: Path, *args: str):
    from report.cli import app

    return runner.invoke(app, [*args, "--root", str(root)], catch_exceptions=False)


def pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout


def tree_digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def started(tmp_path_factory) -> Path:
    """The shipped demo after `monitor edition start 2025`."""
    root = copy_project(tmp_path_factory.mktemp("cycle") / "project")
    result = monitor(root, "edition", "start", "2025")
    assert result.exit_code == 0, result.output
    START_OUTPUT.append(" ".join(result.output.split()))
    return root


START_OUTPUT: list[str] = []


@pytest.fixture(scope="module")
def next_edition(started, tmp_path_factory) -> Path:
    """A copy of `started` with the fictitious 2025 deliveries cleaned in."""
    root = Path(shutil.copytree(started, tmp_path_factory.mktemp("next") / "project"))
    result = monitor(root, "demo-data", "--edition", "2025")
    assert result.exit_code == 0, result.output
    return root


# -- one place for the edition --------------------------------------------------------------------


def test_edition_start_freezes_rolls_provisional_and_moves_the_year(started):
    edition = yaml.safe_load((started / "data" / "editie.yml").read_text(encoding="utf-8"))
    assert edition["year"] == 2025 and str(edition["publication_date"]) == "2026-06-30"
    assert edition["previous"] == 2024 and edition["status"] == "draft"
    frozen = started / "data" / "edities" / "2024" / "observations.csv"
    shipped = Path(__file__).resolve().parents[1] / "data" / "clean" / "observations.csv"
    assert frozen.read_bytes() == shipped.read_bytes()  # the clean data of edition 2024, as shipped
    sources = (started / "data" / "sources.yml").read_text(encoding="utf-8")
    assert "provisional_years: [2025]" in sources and "provisional_years: [2024]" not in sources
    assert "# How `monitor clean` reads the files" in sources  # the author's comments stay
    assert load_registry(started / "data" / "indicators.yml").edition == 2025
    out = START_OUTPUT[0]
    assert "edition 2024 frozen in data/edities/2024" in out
    line = (
        sources.split("\n").index(next(x for x in sources.split("\n") if "provisional_years: [2025]" in x))
        + 1
    )
    assert f"data/sources.yml, line {line}: provisional_years [2024] → [2025]" in out
    assert "delivery wodc_liquidaties (WODC): wodc/liquidaties_*.csv — expected with figures for 2025" in out
    # It cleans under the new configuration and shows at once what the edition lacks.
    assert "wodc_liquidaties (WODC): missing (latest year 2024)" in out


def test_edition_start_only_to_the_next_year_and_changes_nothing_else(project_copy):
    before = tree_digest(project_copy / "data")
    result = monitor(project_copy, "edition", "start", "2027")
    assert result.exit_code == 1
    assert "the edition is 2024; the next edition is 2025, not 2027" in result.output
    assert tree_digest(project_copy / "data") == before


def test_the_registry_no_longer_holds_the_edition(project_copy):
    path = project_copy / "data" / "indicators.yml"
    path.write_text("edition: 2025\n" + path.read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(MonitorError, match=r"'edition: 2025' does not belong here.*data/editie\.yml"):
        load_registry(path)


def test_a_bad_edition_file_names_file_field_and_value(project_copy):
    path = project_copy / "data" / "editie.yml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("publication_date: 2025-06-30", "publication_date: 30-06-2025"), "utf-8")
    before = tree_digest(project_copy / "data")
    result = monitor(project_copy, "status")
    assert result.exit_code == 1
    assert "data/editie.yml" in result.output and "publication_date" in result.output
    assert "'30-06-2025'" in result.output
    path.write_text(
        path.read_text(encoding="utf-8").replace("30-06-2025", "2024-06-30"),
        encoding="utf-8",
    )
    result = monitor(project_copy, "status")
    assert "lies before the end of the edition year 2024" in result.output
    after = tree_digest(project_copy / "data")
    assert {k for k in after if after[k] != before.get(k)} == {"editie.yml"}  # nothing else changed


# -- completeness -----------------------------------------------------------------------------------


def test_after_edition_start_status_lists_every_source_missing_and_fails(started):
    result = monitor(started, "status")
    assert result.exit_code == 1
    out = " ".join(result.output.split())
    for source in PERIODIC_SOURCES:
        assert re.search(rf"{source} \([^)]*\)+: missing \(latest year 2024\)", out), source
    for source in ORANGE_SOURCES:
        assert re.search(rf"{source} \([^)]*\)+: not periodic", out), source
    for agency in ("politie", "kmar", "douane"):
        assert f"inbeslagnames, {agency} ({agency}/inbeslagnames_*.csv): missing" in out
    assert "12 beschikbaarheid (cocaine): not periodic (2020) — measured in 2013, 2016 and 2020" in out


def test_render_final_refuses_and_names_every_reason(started):
    result = monitor(started, "render", "--final", "--format", "pdf")
    assert result.exit_code == 1
    out = " ".join(result.output.split())
    assert "not a final edition yet" in out and "nothing rendered" in out
    for source in PERIODIC_SOURCES:
        assert f"source {source} (" in out, source
    assert "indicator 3 hennepkwekerijen (marijuana): missing — no figure for 2025" in out
    assert not (started / "_book").exists()


def test_plain_render_of_2025_without_its_data_says_so(started, tmp_path):
    root = Path(shutil.copytree(started, tmp_path / "project"))
    result = monitor(root, "render", "--format", "pdf")
    assert result.exit_code == 0, result.output
    assert "stand in the way of a final edition" in result.output
    text = pdf_text(root / "_book" / "monitor-drugscriminaliteit-2025.pdf")
    cover = " ".join(text.split("Colofon")[0].split())
    assert "Editie 2025" in cover and "30 juni 2026" in cover
    flat = " ".join(text.split())
    # 16 yearly indicators lack 2025 ("nog"); 4 orange ones are measured now and then.
    assert flat.count("Over 2025 zijn nog geen cijfers beschikbaar; het meest recente jaar is 2024.") == 16
    assert flat.count("Over 2025 zijn geen cijfers beschikbaar; het meest recente jaar is 2024.") == 3
    assert flat.count("Over 2025 zijn geen cijfers beschikbaar; het meest recente jaar is 2020.") == 1
    # The last "Geen cijfers over 2025" is the heading in the text (the first is its TOC line).
    summary = flat.split("Geen cijfers over 2025")[-1].split("Summary")[0]
    assert "Aantal opgerolde hennepplantages: het meest recente jaar is 2024." in summary
    assert "het meest recente jaar is 2020; deze indicator wordt niet elk jaar gemeten." in summary
    assert summary.count("het meest recente jaar is") == 20


def test_the_next_demo_edition_is_complete_and_renders_final(next_edition):
    status = compute(Project(next_edition))
    assert status.ok, status.reasons()
    result = monitor(next_edition, "render", "--final")
    assert result.exit_code == 0, result.output
    assert "every delivery is in or accounted for" in result.output
    for block in sorted((next_edition / "_generated" / "indicatoren").glob("*.md")):
        text = block.read_text(encoding="utf-8")
        assert "In 2025" in text or "Over 2025 zijn geen cijfers beschikbaar" in text, block.name
    assert "In 2025" not in (next_edition / "_generated" / "indicatoren" / "beschikbaarheid.md").read_text()
    text = " ".join(pdf_text(next_edition / "_book" / "monitor-drugscriminaliteit-2025.pdf").split())
    assert "Editie 2025" in text and "30 juni 2026" in text and "30 juni 2025" not in text
    assert "Herzien: 2024 (wiet): 2.381, was 2.455 in editie 2024." in text
    revisions = (next_edition / "data" / "clean" / "revisions.csv").read_text(encoding="utf-8")
    assert set(re.findall(r",(\d{4})\n", revisions)) == {"2024"}  # measured against the frozen 2024
    assert (next_edition / "_book" / "monitor-drugscriminaliteit-2025.docx").exists()
    assert (next_edition / "_book" / "html" / "index.html").exists()


def test_the_next_demo_deliveries_clean_to_exactly_the_generated_data(next_edition):
    import importlib.util
    import sys

    import pandas as pd

    from report.observations import format_observations

    sys.path.insert(0, str(next_edition / "scripts"))
    spec = importlib.util.spec_from_file_location("demo", next_edition / "scripts" / "make_demo_data.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    registry_path = next_edition / "data" / "indicators.yml"
    rows = module.generate(registry_path, 2025)
    expected = format_observations(pd.DataFrame(rows), load_registry(registry_path))
    assert (next_edition / "data" / "clean" / "observations.csv").read_text(encoding="utf-8") == expected


def test_a_missing_agency_file_is_named_by_clean_status_and_final(next_edition, tmp_path):
    root = Path(shutil.copytree(next_edition, tmp_path / "project"))
    (root / "data" / "raw" / "kmar" / "inbeslagnames_kmar_2025.csv").unlink()
    result = monitor(root, "clean")
    assert result.exit_code == 0, result.output
    out = " ".join(result.output.split())
    assert "inbeslagnames, kmar (kmar/inbeslagnames_*.csv): missing (latest year 2024)" in out
    assert "incomplete (latest year 2025) — no 2025 records from kmar (kmar/inbeslagnames_*.csv)" in out
    assert "1 inbeslagnames_nl, cocaine: incomplete (latest year 2025) — the 2025 total lacks kmar" in out
    assert monitor(root, "status").exit_code == 1
    result = monitor(root, "render", "--final", "--format", "pdf")
    assert result.exit_code == 1 and "kmar/inbeslagnames_*.csv" in result.output


def test_a_total_that_drops_because_parts_are_missing_is_named(next_edition, tmp_path):
    root = Path(shutil.copytree(next_edition, tmp_path / "project"))
    for agency in ("kmar", "douane"):
        (root / "data" / "raw" / agency / f"inbeslagnames_{agency}_2025.csv").unlink()
    assert monitor(root, "clean").exit_code == 0
    lines = [str(line) for line in compute(Project(root)).series if line.name.startswith("1 ")]
    cocaine = next(line for line in lines if ", cocaine:" in line)
    assert "incomplete" in cocaine and "the 2025 total lacks kmar" in cocaine and "douane" in cocaine
    change = r"[\d.]+ → [\d.]+ \(-\d+%"
    assert re.search(rf"2024 → 2025: aantal {change}.*, kg {change}", cocaine), cocaine


def test_a_reason_recorded_for_a_missing_delivery_counts_as_accounted_for(started, tmp_path):
    root = Path(shutil.copytree(started, tmp_path / "project"))
    path = root / "data" / "sources.yml"
    text = path.read_text(encoding="utf-8")
    text = text.replace(
        "    indicator: liquidaties\n",
        "    indicator: liquidaties\n    not_delivered: {2025: Het WODC levert de liquidaties over 2025 in"
        " september.}\n",
    )
    path.write_text(text, encoding="utf-8")
    status = compute(Project(root))
    line = next(x for x in status.sources if x.name.startswith("wodc_liquidaties"))
    assert line.state == "not delivered" and "september" in line.detail and not line.blocking
    series = next(x for x in status.series if x.name.startswith("14 liquidaties"))
    assert series.state == "not delivered" and not series.blocking
    assert not any("liquidaties" in r for r in status.reasons())


def test_an_out_of_date_provisional_flag_is_a_problem(project_copy):
    # The edition moved by hand: the flag on 2023 (two editions ago) is stale.
    path = project_copy / "data" / "sources.yml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("provisional_years: [2024]", "provisional_years: [2022]"),
        encoding="utf-8",
    )
    status = compute(Project(project_copy))
    assert any("provisional_years [2022]: 2022 is out of date for edition 2024" in p for p in status.problems)
    assert not status.ok


def test_the_status_is_kept_and_worked_out_again_when_what_it_reads_changes(project_copy, monkeypatch):
    """compute() keeps the status in the project cache (a render asks twice; an edit of the text
    does not change it); a change in data/clean, a source's flags or a frozen edition does."""
    import report.status as status_module

    project = Project(project_copy)
    first = compute(project)
    assert first.ok
    worked_out = []
    real = status_module._compute
    monkeypatch.setattr(status_module, "_compute", lambda p: worked_out.append(1) or real(p))
    again = compute(project)
    assert worked_out == [] and again == first
    # a value in the clean data: the status is worked out again (and still says what it said)
    obs = project_copy / "data" / "clean" / "observations.csv"
    obs.write_text(obs.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    compute(project)
    assert worked_out == [1]
    # a flag in data/sources.yml: worked out again, and the problem is named
    path = project_copy / "data" / "sources.yml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("provisional_years: [2024]", "provisional_years: [2022]"),
        encoding="utf-8",
    )
    stale = compute(project)
    assert worked_out == [1, 1] and not stale.ok
    # data/raw changed since the clean: said even when the rest comes from the cache
    raw = next(p for p in (project_copy / "data" / "raw").rglob("*.csv"))
    raw.write_text(raw.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    changed = compute(project)
    assert worked_out == [1, 1]
    assert changed.problems[-1] == status_module.RAW_CHANGED


# -- safe freezing --------------------------------------------------------------------------------


def test_freeze_only_the_edition_the_data_are_for(next_edition, tmp_path):
    root = Path(shutil.copytree(next_edition, tmp_path / "project"))
    before = tree_digest(root / "data" / "edities")
    for year in ("2031", "2023"):
        result = monitor(root, "freeze", year)
        assert result.exit_code == 1
        msg = " ".join(result.output.split())
        assert f"data/clean holds the data for edition 2025 (years up to 2025), not {year}" in msg
        assert "`monitor freeze 2025`" in msg
    assert tree_digest(root / "data" / "edities") == before
    result = monitor(root, "freeze")
    assert result.exit_code == 0 and "edition 2025 kept in data/edities/2025" in result.output
    result = monitor(root, "freeze", "2025")
    assert result.exit_code == 1 and "--replace" in result.output
    first = (root / "data" / "edities" / "2025" / "observations.csv").read_bytes()
    project = Project(root)
    dest = freeze(project, 2025, replace=True)
    assert (dest.parent / "2025.vervangen-1" / "observations.csv").read_bytes() == first
    assert tree_digest(root / "data" / "edities" / "2024") == {
        k.removeprefix("2024/"): v for k, v in before.items() if k.startswith("2024/")
    }


# -- nothing in the registry left out -------------------------------------------------------------


def test_places_block_accepts_include_and_shortcode_forms():
    for line in (
        "{{< include /_generated/indicatoren/hennepkwekerijen.md >}}",
        "{{< include _generated/indicatoren/hennepkwekerijen.md >}}",
        "{{< monitor indicatoren/hennepkwekerijen >}}",
        "{{< monitor indicator hennepkwekerijen >}}",
    ):
        assert places_block(f"tekst\n\n{line}\n", "indicatoren/hennepkwekerijen") == 3, line
    assert places_block("{{< include /_generated/indicatoren/drugslabs.md >}}", "indicatoren/hennep") is None


def _add_indicator_21(root: Path) -> None:
    path = root / "data" / "indicators.yml"
    registry = yaml.safe_load(path.read_text(encoding="utf-8"))
    new = dict(registry["indicators"][1], number=21, id="inbeslagnames_haven")
    new["title"] = {"nl": "Inbeslagnames in de haven", "en": "Seizures in the port"}
    registry["indicators"].append(new)
    path.write_text(yaml.safe_dump(registry, allow_unicode=True, sort_keys=False), encoding="utf-8")


def test_an_indicator_the_chapters_leave_out_is_an_error_naming_chapter_and_line(project_copy):
    _add_indicator_21(project_copy)
    before = tree_digest(project_copy / "data")
    with pytest.raises(MonitorError) as err:
        build(Project(project_copy), force=True)
    msg = str(err.value)
    chapter = (project_copy / "chapters" / "02-import.qmd").read_text(encoding="utf-8")
    last = places_block(chapter, "indicatoren/inbeslagnames_belgie")
    assert "chapters/02-import.qmd does not include indicator 21 (inbeslagnames_haven) of theme import" in msg
    assert f"add the line after line {last}" in msg
    assert "{{< blok indicatoren/inbeslagnames_haven.md >}}" in msg
    assert not (project_copy / "_generated").exists() and tree_digest(project_copy / "data") == before
    # Adding the line the error names is all it takes.
    line = re.search(r"\{\{< blok indicatoren/inbeslagnames_haven\.md >\}\}", msg)[0]
    (project_copy / "chapters" / "02-import.qmd").write_text(chapter + "\n" + line + "\n", encoding="utf-8")
    build(Project(project_copy), force=True)
    from report.render.book import load_book

    book = load_book(project_copy)
    import_chapter = next(c for c in book.chapters if c.rel == "chapters/02-import.qmd")
    assert "## Inbeslagnames in de haven {#sec-inbeslagnames_haven}" in import_chapter.markdown


def test_a_market_the_samenhang_chapter_leaves_out_is_an_error(project_copy):
    path = project_copy / "chapters" / "10-samenhang.qmd"
    path.write_text(
        path.read_text(encoding="utf-8").replace("{{< blok samenhang/heroine.md >}}\n", ""),
        encoding="utf-8",
    )
    with pytest.raises(MonitorError) as err:
        build(Project(project_copy), force=True)
    assert "chapters/10-samenhang.qmd does not include drug market heroine (Samenhang)" in str(err.value)
    assert "{{< blok samenhang/heroine.md >}}" in str(err.value)


# -- leaving demo mode ----------------------------------------------------------------------------


def test_leaving_demo_mode_is_removing_demo_yml(project_copy):
    from report.clean import clean
    from report.render.book import load_book

    (project_copy / "data" / "raw" / "demo.yml").unlink()
    clean(Project(project_copy))
    build(Project(project_copy), force=True)
    book = load_book(project_copy)
    assert book.demo_notice is None
    assert book.publisher == "Redactie Monitor drugscriminaliteit"  # publisher in data/editie.yml
    assert book.date == "2025-06-30" and book.edition == "2024"
    assert "Fictieve demonstratiegegevens" not in book.markdown
    assert "Demonstratie" not in book.markdown


def test_the_shipped_demo_keeps_its_date_and_publisher_from_the_edition_file(built_project):
    meta = yaml.safe_load((built_project / "_generated" / "metadata.yml").read_text(encoding="utf-8"))
    assert meta["date"] == "2025-06-30" and meta["edition"] == 2024
    assert meta["publisher"] == "Demonstratie-uitgave — geen officiële publicatie"
    assert "date:" not in (built_project / "_quarto.yml").read_text(encoding="utf-8")


def test_status_final_in_the_edition_file_makes_every_render_final(started, tmp_path):
    from report.final import final_gate

    root = Path(shutil.copytree(started, tmp_path / "project"))
    assert not final_gate(Project(root), final=False).refuses  # a draft: warnings only
    path = root / "data" / "editie.yml"
    path.write_text(path.read_text(encoding="utf-8").replace("status: draft", "status: final"), "utf-8")
    gate = final_gate(Project(root), final=False)
    assert gate.refuses and "source wodc_liquidaties (WODC): missing" in gate.refusal()


def test_an_edition_that_is_not_frozen_consistent_is_named(next_edition, tmp_path):
    root = Path(shutil.copytree(next_edition, tmp_path / "project"))
    project = Project(root)
    freeze(project, 2025)
    obs = root / "data" / "edities" / "2025" / "observations.csv"
    obs.write_text(obs.read_text(encoding="utf-8").replace(",2024,2381,", ",2024,2380,"), encoding="utf-8")
    shutil.rmtree(root / "data" / "edities" / "2024")
    problems = compute(project).problems
    assert any("data/edities/2025/ differs from data/clean" in p for p in problems), problems
    assert any("names previous edition 2024, but data/edities/2024/ does not exist" in p for p in problems)


def test_a_measure_that_lags_behind_the_others_is_missing(next_edition, tmp_path):
    root = Path(shutil.copytree(next_edition, tmp_path / "project"))
    path = root / "data" / "clean" / "observations.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    kept = [x for x in lines if not x.startswith("inbeslagnames_nl,kg,cocaine,NL,2025,")]
    path.write_text("".join(kept), encoding="utf-8")
    line = next(x for x in compute(Project(root)).series if x.name == "1 inbeslagnames_nl, cocaine")
    assert line.state == "missing" and line.detail == "no 2025 figure for measure kg"


def test_last_editions_provisional_flag_left_standing_is_out_of_date(next_edition, tmp_path):
    # The case: the year moved on, provisional_years still says 2024, so 2024 would be
    # marked provisional and 2025 final.
    root = Path(shutil.copytree(next_edition, tmp_path / "project"))
    path = root / "data" / "sources.yml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("provisional_years: [2025]", "provisional_years: [2024]"), "utf-8")
    problems = compute(Project(root)).problems
    assert any(
        "source inbeslagnames: provisional_years [2024]: 2024 is out of date for edition 2025" in p
        for p in problems
    ), problems
    result = monitor(root, "render", "--final", "--format", "pdf")
    assert result.exit_code == 1 and "provisional_years [2024]" in result.output


def test_a_changed_configuration_makes_the_clean_data_stale(project_copy):
    from report.clean import clean
    from report.clean.pipeline import raw_files_changed

    project = Project(project_copy)
    assert raw_files_changed(project) is False
    path = project_copy / "data" / "sources.yml"
    path.write_text(path.read_text(encoding="utf-8").replace("[2024]", "[2023, 2024]"), encoding="utf-8")
    assert raw_files_changed(project) is True  # `monitor render` cleans first
    assert any("changed since the last `monitor clean`" in p for p in compute(project).problems)
    clean(project)
    assert raw_files_changed(project) is False
