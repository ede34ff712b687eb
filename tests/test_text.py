"""Generated text: exact numbers from the facts, Dutch formatting, no causal wording."""

import re
from pathlib import Path

import pytest

from report import numbers
from report.errors import MonitorError
from report.facts import all_facts
from report.observations import Observation
from report.registry import load_registry
from report.text import TextWriter, find_causal_words

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = ROOT / "chapters" / "sjablonen"
NUMBER = re.compile(r"\d{1,3}(?:\.\d{3})+(?:,\d+)?|\d+(?:,\d+)?")


@pytest.fixture(scope="module")
def registry():
    return load_registry(ROOT / "data" / "indicators.yml")


def _obs(rows):
    return [Observation(*r) for r in rows]


def _facts(registry, rows):
    return all_facts(registry, _obs(rows))


def test_sentence_with_change_missing_year_and_provisional(registry):
    rows = [
        ("hennepkwekerijen", "aantal", "wiet", "NL", 2020, 3000.0, False, False, ""),
        ("hennepkwekerijen", "aantal", "wiet", "NL", 2021, 2500.0, False, False, ""),
        ("hennepkwekerijen", "aantal", "wiet", "NL", 2023, 2208.0, False, False, ""),
        ("hennepkwekerijen", "aantal", "wiet", "NL", 2024, 2031.0, True, False, ""),
    ]
    (s,) = _facts(registry, rows).values()
    assert s.missing_years == (2022,) and s.change == -177 and round(s.change_pct, 3) == -8.016
    text = TextWriter(registry, TEMPLATES).series_text(s, "nl")
    assert "In 2024 was" in text and "2.031 (voorlopig cijfer)" in text
    assert "8 procent minder dan in 2023 (2.208)" in text
    assert "Ten opzichte van 2020 (3.000) is dat 32 procent minder" in text
    assert "Over 2022 zijn geen gegevens beschikbaar" in text


def test_small_change_is_vrijwel_gelijk_and_lower_bound_says_ten_minste(registry):
    rows = [
        ("inbeslagnames_nl", "kg", "cocaine", "NL", 2023, 40000.0, False, False, ""),
        ("inbeslagnames_nl", "kg", "cocaine", "NL", 2024, 40400.0, False, False, ""),
    ]
    (s,) = _facts(registry, rows).values()
    threshold = registry.indicator_by_id["inbeslagnames_nl"].measure("kg").stable_within_pct
    assert abs(s.change_pct) < threshold
    text = TextWriter(registry, TEMPLATES).series_text(s, "nl")
    assert "ten minste 40.400 kilogram" in text
    assert "vrijwel gelijk aan 2023 (40.000 kilogram)" in text


def test_series_break_is_not_compared(registry):
    rows = [
        ("delicten_opiumwet", "aantal", "harddrugs", "NL", 2018, 10000.0, False, False, ""),
        ("delicten_opiumwet", "aantal", "harddrugs", "NL", 2019, 8000.0, False, True, "breuk"),
    ]
    (s,) = _facts(registry, rows).values()
    assert not s.comparable and s.change is None
    text = TextWriter(registry, TEMPLATES).series_text(s, "nl")
    assert "niet te vergelijken met 2018" in text and "procent" not in text


def test_every_number_in_generated_text_comes_from_the_facts(built_project, registry):
    """Each number in the indicator texts is a year, value or change of that indicator's facts."""
    from report.observations import load_clean_data

    data = load_clean_data(built_project / "data" / "clean", registry)
    facts = all_facts(registry, data.observations)
    for ind in registry.indicators:
        allowed = {str(ind.number), str(registry.edition)}  # the edition year (data/editie.yml)
        for s in (f for k, f in facts.items() if k[0] == ind.id):
            d = s.decimals
            allowed |= {str(y) for y in range(s.points[0].year, s.points[-1].year + 1)}
            allowed |= {numbers.number(p.value, d) for p in s.points}
            for v in (s.change, s.change_since_base):
                if v is not None:
                    allowed.add(numbers.number(abs(v), d))
            for v in (s.change_pct, s.change_since_base_pct):
                if v is not None:
                    allowed |= {numbers.number(abs(v), 0), numbers.number(abs(v), 1)}
        block = (built_project / "_generated" / "indicatoren" / f"{ind.id}.md").read_text(encoding="utf-8")
        # Only the generated prose: drop headings, figure lines, captions and the caveats.
        prose = [
            line
            for line in block.split("::: {.callout-note")[0].splitlines()
            if line and not line.startswith(("#", "!", ":::", "**Indicator", "Bron:", "Noot", "Herzien"))
        ]
        prose = prose[1:]  # the definition from the registry is not generated
        unit_words = sorted((u.words.nl for u in registry.units if u.words.nl), key=len, reverse=True)
        for line in prose:
            for words in unit_words:  # "per 1.000 inwoners" is part of a unit, not a number
                line = line.replace(words, "")
            for n in NUMBER.findall(line):
                assert n in allowed, f"{ind.id}: {n!r} in {line!r} is not a fact"


def test_generated_text_has_no_causal_wording(built_project):
    for path in (built_project / "_generated").rglob("*.md"):
        assert find_causal_words(path.read_text(encoding="utf-8")) == [], path


def test_a_template_naming_a_missing_fact_is_an_error(tmp_path, registry):
    (tmp_path / "nl").mkdir()
    (tmp_path / "nl" / "reeks.md.j2").write_text("In {{ s.jaar }} was het {{ s.groei }}.\n")
    rows = [("liquidaties", "aantal", "alle", "NL", 2024, 12.0, False, False, "")]
    (s,) = _facts(registry, rows).values()
    with pytest.raises(MonitorError) as err:
        TextWriter(registry, tmp_path).series_text(s, "nl")
    assert "reeks.md.j2, line 1" in str(err.value) and "groei" in str(err.value)


def test_dutch_number_formatting():
    assert numbers.number(1234.5, 1) == "1.234,5"
    assert numbers.number(2.5, 0) == "3"  # half away from zero, not banker's rounding
    assert numbers.number(1234.5, 1, "en") == "1,234.5"
    assert numbers.years([2015, 2017, 2019]) == "2015, 2017 en 2019"


def test_compiled_templates_are_kept_and_an_edited_template_is_compiled_again(tmp_path, registry):
    """The project cache keeps Jinja's compiled templates (report.text.CompiledTemplates): a
    second writer uses them, an edited template is compiled anew, a damaged entry is not used."""
    templates = tmp_path / "sjablonen"
    templates.mkdir()
    (templates / "t.md.j2").write_text("Eerste {{ x }}.\n", encoding="utf-8")
    first = TextWriter(registry, templates, tmp_path)
    assert first.render("t.md.j2", x="versie") == "Eerste versie.\n"
    kept = sorted((tmp_path / ".monitor-cache" / "jinja").rglob("template.bin"))
    assert len(kept) == 1
    # a second writer loads the compiled template (a compile would be a sign it did not)
    second = TextWriter(registry, templates, tmp_path)
    second.env.compile = lambda *a, **k: pytest.fail("compiled again")
    assert second.render("t.md.j2", x="versie") == "Eerste versie.\n"
    # an edit: the source's checksum differs, so it is compiled again and kept beside the first
    (templates / "t.md.j2").write_text("Tweede {{ x }}.\n", encoding="utf-8")
    assert TextWriter(registry, templates, tmp_path).render("t.md.j2", x="versie") == "Tweede versie.\n"
    assert len(sorted((tmp_path / ".monitor-cache" / "jinja").rglob("template.bin"))) == 2
    # a damaged entry is detected by the cache and the template compiled again
    for path in (tmp_path / ".monitor-cache" / "jinja").rglob("template.bin"):
        path.write_bytes(b"kapot")
    assert TextWriter(registry, templates, tmp_path).render("t.md.j2", x="x") == "Tweede x.\n"
