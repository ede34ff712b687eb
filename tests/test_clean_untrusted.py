"""Untrusted raw input, second round: deliveries as suppliers really send them and hostile files.

Each case changes the raw data of a cleaned project copy (it may add a file, as a re-delivery
does) and runs `clean` again. The run must fail with the exact message (file, sheet, row,
column, value, what was expected); the raw files must be as the case left them and data/clean
byte for byte what the previous, successful run wrote. Where a case is read rather than refused,
the test asserts the exact value read.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
import test_clean_bad_input as first_round
from test_clean_bad_input import (
    DIMS,
    GEMEENTEN,
    POLITIE,
    UITGAAN,
    _snapshot,
    edit_line,
    edit_text,
)

from report.clean import CleanFailed, clean
from report.project import Project

# The fixtures of the first round: a cleaned project, copied per case.
_fast_registry = first_round._fast_registry
cleaned_project = first_round.cleaned_project
project = first_round.project

KMAR = "data/raw/kmar/inbeslagnames_kmar_2012-2024.csv"
Mutation = Callable[[Path], None]


def add_file(rel: str, make: Callable[[Path], bytes]) -> Mutation:
    def mutate(root: Path) -> None:
        data = make(root)
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(data)

    return mutate


def both(*mutations: Mutation) -> Mutation:
    def mutate(root: Path) -> None:
        for m in mutations:
            m(root)

    return mutate


def redelivery(rel: str, change: Callable[[str], str]) -> Mutation:
    """A corrected copy of a delivery beside the old one."""
    new = rel.replace(".csv", "_v2.csv")
    return add_file(new, lambda root: change((root / rel).read_text(encoding="utf-8")).encode("utf-8"))


@dataclass(frozen=True)
class Case:
    kind: str
    file: str  # the file the expected problem names
    mutate: Mutation
    expect: str  # one problem of the failure, exactly as printed (or its leading part)


CASES: list[Case] = [
    # -- wrong numbers at exit 0 --------------------------------------------------------------
    Case(
        "re-delivery beside the old file (record ids in two files)",
        POLITIE.replace(".csv", "_v2.csv"),
        redelivery(
            POLITIE,
            lambda t: t.replace(
                "PL-2012-00001;01-01-2012;Elders;Politie;Amfetamine;24,730",
                "PL-2012-00001;01-01-2012;Elders;Politie;Amfetamine;24,830",
            ),
        ),
        f"{POLITIE.replace('.csv', '_v2.csv')}, row 2, column 'Registratienummer': found 'PL-2012-00001', "
        "expected a record number used in one file of source inbeslagnames; PL-2012-00001 is also in "
        f"{POLITIE}, row 2: a re-delivery? Say which file replaces which ('supersedes' of source "
        "inbeslagnames in data/sources.yml), or remove the old file",
    ),
    Case(
        "one record id in two agencies' files",
        POLITIE,
        edit_line(KMAR, 2, "KM-2012-00001", "PL-2012-00001"),
        f"{POLITIE}, row 2, column 'Registratienummer': found 'PL-2012-00001', expected a record number used "
        f"in one file of source inbeslagnames; PL-2012-00001 is also in {KMAR}, row 2",
    ),
    Case(
        "'Totaal' row that differs from the sum of the municipalities",
        GEMEENTEN,
        edit_text(GEMEENTEN, lambda t: t + "Totaal;2017;980\n"),
        f"{GEMEENTEN}, row 62, column 'Gesloten panden': found '980', expected the sum of the other rows of "
        "2017 (976 from 12 rows); 'Totaal' in column 'Gemeente' is a total row; it is never added. The total "
        "the supplier gives differs from the sum of the parts: ask which is right",
    ),
    Case(
        "'Subtotaal' row that differs from the sum",
        GEMEENTEN,
        edit_text(GEMEENTEN, lambda t: t + "Subtotaal G4;2017;256\n"),
        f"{GEMEENTEN}, row 62, column 'Gesloten panden': found '256', expected the sum of the other rows of "
        "2017 (976 from 12 rows)",
    ),
    Case(
        "total row without its label (value = sum of the others)",
        GEMEENTEN,
        edit_text(GEMEENTEN, lambda t: t + "Alle panden;2017;976\n"),
        f"{GEMEENTEN}, row 62, column 'Gesloten panden': found '976', expected one Gemeente per row; this "
        "value is the sum of all other rows of 2017; is 'Alle panden' a total? Remove the row, or label it "
        "'Totaal'",
    ),
    Case(
        "municipality spelled two ways",
        GEMEENTEN,
        edit_text(GEMEENTEN, lambda t: t + "'s-Gravenhage;2017;5\n"),
        f"{GEMEENTEN}, row 62, column 'Gemeente': found \"'s-Gravenhage\", expected one spelling per "
        "Gemeente; \"'s-Gravenhage\" and 'Den Haag' (row 4) are one municipality spelled two ways",
    ),
    Case(
        "municipality with other case and accents",
        GEMEENTEN,
        edit_text(GEMEENTEN, lambda t: t + "ROTTERDAM ;2017;5\n"),
        f"{GEMEENTEN}, row 62, column 'Gemeente': found 'ROTTERDAM ', expected one spelling per Gemeente; "
        "'ROTTERDAM ' and 'Rotterdam' (row 3) are one municipality spelled two ways",
    ),
    Case(
        "'24.730' kg beside decimal commas (records)",
        POLITIE,
        edit_line(POLITIE, 2, ";24,730;", ";24.730;"),
        f"{POLITIE}, row 2, column 'Hoeveelheid': found '24.730', expected a number written as 1.234,5 "
        "(decimal ',', thousands none); '24.730' is ambiguous (24730 or 24,730): write it so, or set "
        "'thousands: \".\"' of source inbeslagnames in data/sources.yml when the file groups thousands "
        "with '.'",
    ),
    Case(
        "'0.125' in a decimal-comma file is no 125",
        DIMS,
        edit_line(DIMS, 7, "16,6", "0.125", "cp1252"),
        f"{DIMS}, row 7, column 'Waarde': found '0.125', expected a number written as 1.234,5 (decimal "
        "comma); this looks like a decimal point: write 0,125",
    ),
    Case(
        "'1.660' in a decimal-comma table without a thousands separator",
        UITGAAN,
        edit_line(UITGAAN, 2, "43,2", "1.432"),
        f"{UITGAAN}, row 2, column 'Makkelijk verkrijgbaar (%)': found '1.432', expected a number written "
        "with the file's separators (decimal ',', thousands none); '1.432' is ambiguous (1432 or 1,432)",
    ),
    Case(
        "'10 86': a space that groups no thousands",
        DIMS,
        edit_line(DIMS, 7, "16,6", "10 86", "cp1252"),
        f"{DIMS}, row 7, column 'Waarde': found '10 86', expected a number; the spaces in it do not group "
        "thousands (1 234 567); remove the space, or write the digits in groups of three",
    ),
]


def _run(case: Case, project: Path) -> CleanFailed:
    before_clean = _snapshot(project / "data" / "clean")
    before_raw = _snapshot(project / "data" / "raw")
    case.mutate(project)
    written_raw = _snapshot(project / "data" / "raw")
    assert written_raw != before_raw or case.file == "data/sources.yml", "the case changed nothing"
    with pytest.raises(CleanFailed) as failed:
        clean(Project(project))
    assert _snapshot(project / "data" / "raw") == written_raw, "the clean stage changed a raw file"
    assert _snapshot(project / "data" / "clean") == before_clean, "a failing run changed data/clean"
    return failed.value


@pytest.mark.parametrize("case", CASES, ids=[c.kind for c in CASES])
def test_untrusted_input_is_refused_with_the_exact_message(case: Case, project: Path):
    failed = _run(case, project)
    problems = [str(p) for p in failed.problems]
    assert any(p.startswith(case.expect) for p in problems), "\n".join(
        ["no problem starts with:", case.expect, "problems:", *problems[:20]]
    )
    assert f"  - {case.expect}" in str(failed)


def test_a_redelivery_named_in_sources_yml_replaces_the_old_file(project: Path):
    """'supersedes': the corrected file is read, the old one is not; every seizure counts once."""
    before = clean(Project(project)).observations
    redelivery(POLITIE, lambda t: t.replace(";Amfetamine;24,730;kg", ";Amfetamine;1024,730;kg"))(project)
    sources = project / "data" / "sources.yml"
    text = sources.read_text(encoding="utf-8")
    sources.write_text(
        text.replace(
            "    provisional_years: [2024]\n",
            "    provisional_years: [2024]\n    supersedes:\n"
            "      politie/inbeslagnames_politie_2012-2024_v2.csv:"
            " politie/inbeslagnames_politie_2012-2024.csv\n",
            1,
        ),
        encoding="utf-8",
    )
    result = clean(Project(project))
    obs = result.observations

    def value(frame, measure):
        sel = frame[
            (frame.indicator == "inbeslagnames_nl")
            & (frame.measure == measure)
            & (frame.market == "amfetamine")
            & (frame.year == 2012)
        ]
        return float(sel.value.iloc[0])

    assert value(obs, "aantal") == value(before, "aantal")  # counted once, not twice
    assert value(obs, "kg") == value(before, "kg") + 1000
    assert (
        f"{POLITIE}: warning: not read; data/sources.yml says "
        "politie/inbeslagnames_politie_2012-2024_v2.csv replaces it" in [str(w) for w in result.warnings]
    )


def test_a_total_row_equal_to_the_sum_is_checked_and_not_added(project: Path):
    edit_text(GEMEENTEN, lambda t: t + "Totaal;2017;976\n")(project)
    result = clean(Project(project))
    obs = result.observations
    sel = obs[(obs.indicator == "gesloten_panden") & (obs.year == 2017)]
    assert sel.value.tolist() == [976.0]
    assert (
        f"{GEMEENTEN}, row 62, column 'Gesloten panden': warning: 'Totaal' 2017 is a total row: checked "
        "against the sum of the 12 other rows (976) and not added" in [str(w) for w in result.warnings]
    )
