"""`monitor check`: every kind of slip an editor makes is found at its file and line; the
shipped chapters have none; render refuses broken markup always and every error with --final."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from report.check import ACCEPTED, ERROR, WARNING, run_checks
from report.cli import app
from report.errors import MonitorError
from report.render.book import load_book, strip_comments

CHAPTER = "chapters/02-import.qmd"


@pytest.fixture
def project(built_project: Path, tmp_path: Path) -> Path:
    """A built project copy a test may change (the build is shared, the copy is cheap)."""
    dest = tmp_path / "project"
    shutil.copytree(built_project, dest, ignore=shutil.ignore_patterns("_book", ".monitor-tmp*"))
    return dest


def append(root: Path, text: str, rel: str = CHAPTER) -> int:
    """Append ``text`` to a chapter; return the line number of its first line."""
    path = root / rel
    old = path.read_text(encoding="utf-8")
    if not old.endswith("\n"):
        old += "\n"
    path.write_text(old + "\n" + text, encoding="utf-8")
    return old.count("\n") + 2


def found(findings, kind=None):
    return [(f.file, f.line, f.kind, f.severity) for f in findings if kind is None or f.kind == kind]


def variables(root: Path) -> dict:
    return yaml.safe_load((root / "_variables.yml").read_text(encoding="utf-8"))


# --- the shipped chapters ---------------------------------------------------------------------


def test_shipped_chapters_have_no_findings(built_project: Path):
    assert run_checks(built_project) == []
    assert run_checks(built_project, final=True) == []


# --- one test per check -----------------------------------------------------------------------

COCAINE = "ind.inbeslagnames_nl.kg.cocaine"

# (slip, kind, severity, part of the message); the slip stands on one line of its own.
SLIPS = {
    "malformed shortcode": (
        "{{< include /_generated/indicatoren/witwasmeldingen.md >",
        "markup",
        ERROR,
        "is not closed: '>}}' is missing",
    ),
    "unknown shortcode": ("{{< video intro.mp4 >}}", "markup", ERROR, "unknown shortcode 'video'"),
    "unknown var key": (
        f"In {{{{< var {COCAINE}.wearde >}}}} kilogram.",
        "markup",
        ERROR,
        f"Nearest known keys: {COCAINE}.waarde",
    ),
    "missing include": (
        "{{< include /_generated/indicatoren/hennepkwekerij.md >}}",
        "markup",
        ERROR,
        "nearest existing files: /_generated/indicatoren/hennepkwekerijen.md",
    ),
    "include outside the project": (
        "{{< include ../../buiten.md >}}",
        "markup",
        ERROR,
        "is outside the project",
    ),
    "unknown reference": ("Zie @fig-inbeslagnames_nl-kilo.", "markup", ERROR, "does not exist"),
    "causal wording": (
        "Dankzij de aanpak daalde het aantal inbeslagnames.",
        "causal",
        ERROR,
        "causal wording 'dankzij'",
    ),
    "causal wording over a line break": (
        "Het beleid heeft\ngeleid tot meer inbeslagnames.",
        "causal",
        ERROR,
        "causal wording 'heeft geleid tot'",
    ),
    "english causal wording": ("Seizures rose thanks to the ports.", "causal", ERROR, "'thanks to'"),
    "placeholder": ("[duiding volgt]", "unfinished", WARNING, "placeholder '[duiding volgt]'"),
    "todo": ("Hier komt de duiding. TODO", "unfinished", WARNING, "'TODO'"),
    "double brackets": ("Het aantal was [[ ]].", "unfinished", WARNING, "'[[ ]]'"),
    "ellipsis alone": ("…", "unfinished", WARNING, "ellipsis standing alone"),
    "typed fact": ("XVALUEX kilogram cocaïne werd onderschept.", "numbers", WARNING, f"{COCAINE}.waarde"),
    "rounded fact next to its indicator": (
        "Bij inbeslagnames werd ruim XROUNDX kilogram cocaïne onderschept.",
        "numbers",
        WARNING,
        f"rounds a live fact ({COCAINE}.waarde",
    ),
    "rounded fact in words": (
        "Bij inbeslagnames werd ruim XTHOUSANDX duizend kilogram cocaïne onderschept.",
        "numbers",
        WARNING,
        f"rounds a live fact ({COCAINE}.waarde",
    ),
    "number next to an indicator that matches none of its facts": (
        "Er werden 3.100 hennepkwekerijen geruimd.",
        "numbers",
        WARNING,
        "matches no fact of indicator 'hennepkwekerijen'",
    ),
    "direction against the live change": (
        f"Er was een XWORDX tot {{{{< var {COCAINE}.waarde >}}}} kilogram.",
        "direction",
        ERROR,
        f"but {COCAINE} went",
    ),
    "number without separator": ("Er waren 12345 zaken.", "style", WARNING, "without a thousands separator"),
    "english thousands separator": ("Er waren 12,345 zaken.", "style", WARNING, "English thousands"),
    "percent sign": ("Het aandeel was groot (ruim een kwart %).", "style", WARNING, "'%' in running text"),
    "short year": ("Sinds '24 is dat zo.", "style", WARNING, "year written as ''24'"),
    "decimal point": ("Het aandeel was 12.5 procent.", "style", WARNING, "'12.5' has a decimal point"),
}


def _slip(root: Path, name: str) -> str:
    slip = SLIPS[name][0]
    v = variables(root)["ind"]["inbeslagnames_nl"]["kg"]["cocaine"]
    opposite = {"meer": "daling", "minder": "stijging", "vrijwel gelijk": "stijging"}[v["richting"]]
    value = float(v["waarde"].replace(".", "").replace(",", "."))
    rounded = f"{round(value, -2):,.0f}".replace(",", ".")
    slip = slip.replace("XROUNDX", rounded).replace("XTHOUSANDX", str(round(value / 1000)))
    return slip.replace("XVALUEX", v["waarde"]).replace("XWORDX", opposite)


@pytest.mark.parametrize("name", list(SLIPS))
def test_each_check_finds_its_slip_at_its_line(project: Path, name: str):
    _text, kind, severity, message = SLIPS[name]
    line = append(project, _slip(project, name) + "\n")
    findings = run_checks(project)
    mine = [f for f in findings if f.kind == kind]
    assert [(f.file, f.line, f.severity) for f in mine] == [(CHAPTER, line, severity)], findings
    assert message in mine[0].message + " " + mine[0].suggestion


def test_empty_section_and_figure_never_referred_to(project: Path):
    line = append(
        project,
        "## Leeg {#sec-import-leeg}\n\n## Verder {#sec-import-verder}\n\nTekst.\n\n"
        '![Een figuur](/chapters/images/beleidslogica.svg){#fig-ongebruikt fig-alt="Schema"}\n',
    )
    findings = run_checks(project)
    assert found(findings) == [(CHAPTER, line, "unfinished", WARNING), (CHAPTER, line + 6, "markup", WARNING)]
    assert "empty section" in findings[0].message
    assert "'#fig-ongebruikt' is never referred to" in findings[1].message


def test_duplicate_id_is_an_error_at_the_second_one(project: Path):
    line = append(project, "## Nog eens import {#sec-import}\n\nTekst.\n")
    findings = run_checks(project)
    assert found(findings) == [(CHAPTER, line, "markup", ERROR)]
    assert "'#sec-import' is used twice" in findings[0].message


def test_indicator_in_no_chapter(project: Path):
    path = project / "chapters/09-bestuurlijk.qmd"
    text = path.read_text(encoding="utf-8")
    include = re.search(r"^\{\{< blok indicatoren/gesloten_panden\.md >\}\}\n", text, re.M)
    path.write_text(text.replace(include.group(0), ""), encoding="utf-8")
    findings = [f for f in run_checks(project) if f.file == "data/indicators.yml"]
    assert [f.text for f in findings] == ["gesloten_panden"]
    assert findings[0].line > 0 and "appears in no chapter" in findings[0].message
    assert "{{< blok indicatoren/gesloten_panden.md >}}" in findings[0].suggestion


def test_unfinished_text_is_an_error_with_final(project: Path):
    line = append(project, "[duiding volgt]\n")
    assert found(run_checks(project, final=True)) == [(CHAPTER, line, "unfinished", ERROR)]
    runner = CliRunner()
    warned = runner.invoke(app, ["check", "--root", str(project)])
    assert warned.exit_code == 0, warned.output  # only warnings
    assert "[duiding volgt]" in warned.output
    assert runner.invoke(app, ["check", "--final", "--root", str(project)]).exit_code == 1


def test_an_editor_accepts_one_reviewed_sentence_with_a_marker(project: Path):
    line = append(
        project,
        "Dankzij de aanpak daalde het aantal. "
        "<!-- akkoord: causaal, besproken met de begeleidingscommissie -->\n"
        "Doordat de havens beter werden gecontroleerd, steeg het aantal.\n",
    )
    findings = run_checks(project)
    assert found(findings) == [(CHAPTER, line, "causal", ACCEPTED), (CHAPTER, line + 1, "causal", ERROR)]
    assert "akkoord: causaal, besproken met de begeleidingscommissie" in findings[0].message
    runner = CliRunner()
    path = project / CHAPTER
    path.write_text(path.read_text(encoding="utf-8").replace("Doordat de havens", "Toen de havens"), "utf-8")
    ok = runner.invoke(app, ["check", "--root", str(project)])
    assert ok.exit_code == 0, ok.output
    assert "accepted" in ok.output and "akkoord: causaal" in ok.output


def test_a_marker_with_an_unknown_word_is_reported(project: Path):
    line = append(project, "Een zin. <!-- akkoord: causal -->\n")
    findings = run_checks(project)
    assert found(findings) == [(CHAPTER, line, "markup", WARNING)]
    assert "unknown word 'causal'" in findings[0].message


# --- one slip of each kind: exactly those findings; render --final refuses and lists them ----


def test_one_slip_of_each_kind_gives_exactly_those_findings(project: Path):
    names = [
        "causal wording",
        "typed fact",
        "direction against the live change",
        "placeholder",
        "decimal point",
        "unknown reference",
    ]
    first = append(project, "\n\n".join(_slip(project, n) for n in names) + "\n")
    expected = [(CHAPTER, first + 2 * i, SLIPS[n][1], SLIPS[n][2]) for i, n in enumerate(names)]
    assert sorted(found(run_checks(project))) == sorted(expected)

    runner = CliRunner()
    as_json = runner.invoke(app, ["check", "--json", "--root", str(project)])
    assert as_json.exit_code == 1
    data = json.loads(as_json.stdout)
    listed = [(f["file"], f["line"], f["kind"], f["severity"]) for f in data["findings"]]
    assert sorted(listed) == sorted(expected)
    assert data["summary"]["per_kind"] == {
        "markup": 1,
        "unfinished": 1,
        "causal": 1,
        "numbers": 1,
        "direction": 1,
        "style": 1,
    }

    plain = runner.invoke(app, ["check", "--root", str(project)])
    assert plain.exit_code == 1
    assert (
        "check: 3 errors, 3 warnings (markup 1, unfinished 1, causal 1, numbers 1, direction 1, style 1)"
        in " ".join(plain.output.split())
    )

    # A plain render prints them and goes on past the prose (only broken markup stops it):
    # drop the one markup slip so that render would publish; --final must still refuse.
    path = project / CHAPTER
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace(_slip(project, "unknown reference"), "Zie ook."), encoding="utf-8")
    refused = runner.invoke(app, ["render", "--final", "--format", "html", "--root", str(project)])
    assert refused.exit_code == 1
    out = " ".join(refused.output.split())
    assert "render refused: a final render needs a text without errors" in out
    for n in ("causal wording", "direction against the live change", "placeholder"):
        i = names.index(n)
        assert f"{CHAPTER}, line {first + 2 * i}: [{SLIPS[n][1]}]" in out
    assert not (project / "_book").exists()  # nothing published


# --- the malformed include of the issue --------------------------------------------------------


def test_malformed_include_is_an_error_at_its_line_in_check_and_render(project: Path):
    path = project / CHAPTER
    text = path.read_text(encoding="utf-8")
    good = "{{< blok indicatoren/inbeslagnames_belgie.md >}}"
    line = text[: text.index(good)].count("\n") + 1
    path.write_text(text.replace(good, good[:-2]), encoding="utf-8")

    findings = run_checks(project)
    errors = [f for f in findings if f.severity == ERROR]
    shortcode = [f for f in errors if "is not closed" in f.message]
    assert [(f.file, f.line, f.column) for f in shortcode] == [(CHAPTER, line, 1)]
    # The section it held is now missing; its references say why, not the wrong fix.
    others = [f for f in errors if f not in shortcode]
    why = f"because of the shortcode error at {CHAPTER}, line {line}"
    assert others and all(why in f.message for f in others)

    with pytest.raises(MonitorError, match=rf"{CHAPTER}, line {line}: shortcode .* is not closed"):
        load_book(project)
    refused = CliRunner().invoke(app, ["render", "--format", "html", "--root", str(project)])
    assert refused.exit_code == 1
    assert f"{CHAPTER}, line {line}: [markup]" in " ".join(refused.output.split())
    assert not (project / "_book").exists()


# --- editors' comments never reach an output ----------------------------------------------------


def test_strip_comments_keeps_line_numbers_and_paragraphs():
    text = "Eerste regel\n<!-- een\nopmerking -->\nzelfde alinea <!-- kort --> verder.\n"
    text += "```\n<!-- code -->\n```"
    out, numbers, unclosed = strip_comments(text)
    assert out == "Eerste regel\nzelfde alinea  verder.\n```\n<!-- code -->\n```"
    assert numbers == [1, 4, 5, 6, 7] and unclosed is None
    assert strip_comments("a\n<!-- open\nb")[2] == 2


def test_unclosed_comment_is_an_error(project: Path):
    line = append(project, "<!-- Redactie: nog nakijken\n\nTekst die anders verdwijnt.\n")
    findings = run_checks(project)
    assert found(findings) == [(CHAPTER, line, "markup", ERROR)]
    assert "never closed" in findings[0].message


@pytest.mark.slow
def test_no_output_contains_the_text_of_a_comment(project: Path):
    from docx import Document

    from report.render import render

    append(
        project,
        "Een alinea <!-- GEHEIMEOPMERKING1 --> met een opmerking erin.\n\n"
        "<!-- GEHEIMEOPMERKING2: een opmerking\n     over twee regels -->\n\nNog een alinea.\n",
    )
    outputs = render(project)
    assert run_checks(project) == []
    html = "".join(p.read_text(encoding="utf-8") for p in (project / "_book/html").rglob("*.html"))
    with zipfile.ZipFile(outputs["docx"]) as z:
        docx = "".join(z.read(n).decode("utf-8", "replace") for n in z.namelist() if n.endswith(".xml"))
    pdf = subprocess.run(["pdftotext", str(outputs["pdf"]), "-"], capture_output=True, text=True, check=True)
    for text in (html, docx, pdf.stdout):
        assert "Nog een alinea" in text
        assert "GEHEIMEOPMERKING" not in text and "Redactietekst" not in text
    assert "Een alinea met een opmerking erin." in " ".join(pdf.stdout.split())
    assert any("Een alinea" in p.text for p in Document(outputs["docx"]).paragraphs)


# --- the live values editors need ----------------------------------------------------------------


def test_variables_have_signed_change_direction_word_and_provisional_flag(built_project: Path):
    v = variables(built_project)["ind"]["inbeslagnames_nl"]["kg"]["cocaine"]
    assert v["richting"] in ("meer", "minder", "vrijwel gelijk")
    sign = {"meer": "+", "minder": "\u2212"}.get(v["richting"])
    if sign:
        assert v["verandering"] == sign + v["verschil"]
        assert v["verandering_procent"] == sign + v["verschil_procent"]
    assert v["voorlopig"] in ("ja", "nee")


def test_the_shared_lua_filter_drops_comments_for_quarto_too():
    from report.render.pandoc import pandoc_path

    filt = Path(__file__).resolve().parents[1] / "report/render/filters/monitor.lua"
    source = "Een <!-- X1 --> alinea.\n\n<!-- X2\nover twee regels -->\n\nNog.\n"
    html = subprocess.run(
        [pandoc_path(), "-f", "markdown", "-t", "html", "--lua-filter", str(filt)],
        input=source,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "X1" not in html and "X2" not in html and "Nog." in html


def test_correct_prose_with_numbers_years_and_references_has_no_findings(project: Path):
    append(
        project,
        "## Duiding {#sec-import-duiding}\n\n"
        "Sinds 2012 leveren niet alle politie-eenheden gegevens; in 2019 waren het er vijf van de elf.\n"
        "Zie figuur 1.1 en 3.1 van de verkenningsstudie, paragraaf 2.3 en @sec-inbeslagnames_nl.\n"
        "Het aandeel was 12,5 procent; de reeks loopt van 2012 tot en met 2024 (COVID-19, art. 13b).\n"
        "De overleggen begonnen om 10.30 uur. Er waren 1.234 zaken en 0,125 gram per monster.\n"
        "Het aantal zaken lag hoger dan de jaren ervoor, maar dat zegt niets over de aanpak.\n"
        "In de tabellen staat een punt (.) als gegevens ontbreken.\n",
    )
    assert run_checks(project, final=True) == []


def test_a_marker_that_accepts_nothing_any_more_is_reported(project: Path):
    line = append(project, "De aanpak werd voortgezet. <!-- akkoord: causaal -->\n")
    findings = run_checks(project)
    assert found(findings) == [(CHAPTER, line, "markup", WARNING)]
    assert "accepts nothing" in findings[0].message


def test_a_plain_render_prints_prose_findings_and_still_publishes(project: Path):
    line = append(project, "Dankzij de aanpak daalde het aantal inbeslagnames.\n")
    result = CliRunner().invoke(app, ["render", "--format", "html", "--root", str(project)])
    assert result.exit_code == 0, result.output
    out = " ".join(result.output.split())
    assert f"{line}:1 error causal causal wording 'dankzij'" in out
    assert (project / "_book/html/index.html").is_file()


def test_a_number_about_a_year_the_live_facts_do_not_hold_is_left_alone(project: Path):
    append(project, "In 2016 werden 3.100 hennepkwekerijen geruimd.\n")
    assert run_checks(project) == []


def test_a_check_without_problems_keeps_the_numbering_for_the_render(project: Path, monkeypatch):
    """monitor render checks, then renders: a book the check read without a problem is not
    numbered again by the render (format_cache.store_numbering); one with a problem is."""
    from report.render import chapter_ast

    append(project, "Een nieuwe zin, zodat het boek nieuw is.\n")
    assert [f for f in run_checks(project) if f.severity == ERROR] == []
    reads = []
    real = chapter_ast.read_body_and_cites
    monkeypatch.setattr(chapter_ast, "read_body_and_cites", lambda *a: reads.append(1) or real(*a))
    book = load_book(project)
    assert reads == [] and book.labels and book.figures
    monkeypatch.setattr(chapter_ast, "read_body_and_cites", real)
    # the same as a book numbered afresh (a fresh cache)
    monkeypatch.setenv("MONITOR_CACHE", "off")
    fresh = load_book(project)
    assert (fresh.labels, fresh.figures, fresh.chapters) == (book.labels, book.figures, book.chapters)
    monkeypatch.delenv("MONITOR_CACHE")
    # a broken reference: the check lists it, and keeps no numbering for that text
    append(project, "Zie @fig-bestaat-niet.\n")
    assert any(f.kind == "markup" for f in run_checks(project))
    monkeypatch.setattr(chapter_ast, "read_body_and_cites", lambda *a: reads.append(1) or real(*a))
    with pytest.raises(MonitorError, match="fig-bestaat-niet"):
        load_book(project)
    assert reads == [1]


def test_the_book_the_checks_read_is_the_book_a_render_reads(project: Path, monkeypatch):
    """check_book gives its book only when it was read without a problem; it is load_book's
    (all but the references, which a render does not use), and monitor render renders it."""
    import dataclasses

    from report.check import check_book
    from report.check import context as context_module
    from report.render import book as book_module

    append(project, "Een nieuwe zin, zodat het boek nieuw is.\n")
    findings, checked = check_book(project)
    assert checked is not None and not [f for f in findings if f.severity == ERROR]
    fresh = load_book(project)
    for field in dataclasses.fields(fresh):
        if field.compare and field.name != "references":
            assert getattr(checked, field.name) == getattr(fresh, field.name), field.name
    # monitor render: the checks read the book, the render does not read it again
    calls, bodies = [], []
    real = book_module.load_book
    for module in (book_module, context_module):
        monkeypatch.setattr(module, "load_book", lambda *a, **k: calls.append(k) or real(*a, **k))
    from report.render import chapter_ast

    real_body = chapter_ast.read_body_and_cites
    monkeypatch.setattr(chapter_ast, "read_body_and_cites", lambda *a: bodies.append(1) or real_body(*a))
    append(project, "Nog een zin, zodat de checks het boek opnieuw lezen.\n")
    result = CliRunner().invoke(app, ["render", "--format", "html", "--root", str(project)])
    assert result.exit_code == 0, result.output
    assert calls == [{"problems": []}]  # the checks' read only
    assert bodies == [1], "the render takes the chapters' AST the checks read (not read again)"
    # a book with a problem: no book given, so the render reads (and refuses) it itself
    append(project, "Zie @fig-bestaat-niet.\n")
    assert check_book(project)[1] is None
