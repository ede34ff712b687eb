"""Untrusted raw input, second round: deliveries as suppliers really send them and hostile files.

Each case changes the raw data of a cleaned project copy (it may add a file, as a re-delivery
does) and runs `clean` again. The run must fail with the exact message (file, sheet, row,
column, value, what was expected); the raw files must be as the case left them and data/clean
byte for byte what the previous, successful run wrote. Where a case is read rather than refused,
the test asserts the exact value read.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pytest
import test_clean_bad_input as first_round
from test_clean_bad_input import (
    CJIB,
    DIMS,
    GEMEENTEN,
    OM,
    ONTM,
    POLITIE,
    UITGAAN,
    WODC,
    _snapshot,
    edit_bytes,
    edit_line,
    edit_text,
    edit_workbook,
)

from report.clean import CleanFailed, clean
from report.project import Project

# The fixtures of the first round: a cleaned project, copied per case.
_fast_registry = first_round._fast_registry
cleaned_project = first_round.cleaned_project
project = first_round.project

KWR = "data/raw/kwr/wastewater_city_loads_2012-2024.csv"
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


# -- workbooks ------------------------------------------------------------------------------------


def _hide_stale_sheet(wb: openpyxl.Workbook) -> None:
    current = wb.copy_worksheet(wb["Afdoeningen"])
    current.title = "Afdoeningen 2025"
    wb["Afdoeningen"].sheet_state = "hidden"


def _hide_rows(wb: openpyxl.Workbook) -> None:
    for r in (8, 9):
        wb["Ontmantelingen"].row_dimensions[r].hidden = True


def _hide_column(wb: openpyxl.Workbook) -> None:
    wb["Ontnemingen"].column_dimensions["C"].hidden = True


def _provisional_by_format(wb: openpyxl.Workbook) -> None:
    wb["Afdoeningen"]["A14"].number_format = '0"*"'


def _header_twice(wb: openpyxl.Workbook) -> None:
    wb["Opsporing"]["C2"] = "Opsporingsonderzoeken"


def _merge_data_cells(wb: openpyxl.Workbook) -> None:
    wb["Ontmantelingen"].merge_cells("B5:B6")


def _text_with_separator(wb: openpyxl.Workbook) -> None:
    wb["Ontnemingen"]["B5"] = "41.000"


def rezip(rel: str, change: Callable[[dict[str, bytes]], dict[str, bytes]], level: int = 6) -> Mutation:
    """Rewrite the parts of a workbook (a dict name → bytes)."""
    import io
    import zipfile

    def mutate(root: Path) -> None:
        path = root / rel
        with zipfile.ZipFile(path) as z:
            parts = {n: z.read(n) for n in z.namelist()}
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as z:
            for name, data in change(parts).items():
                z.writestr(name, data)
        path.write_bytes(buf.getvalue())

    return mutate


def _with_prolog(name: str, dtd: bytes) -> Callable[[dict[str, bytes]], dict[str, bytes]]:
    def change(parts: dict[str, bytes]) -> dict[str, bytes]:
        data = parts[name]
        end = data.index(b"?>") + 2 if b"?>" in data[:200] else 0
        parts[name] = data[:end] + dtd + data[end:]
        return parts

    return change


XXE = b'<!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
LAUGHS = (
    b'<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(
        b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
        for i in range(1, 10)
    )
    + b"]>"
)


def _bomb(parts: dict[str, bytes]) -> dict[str, bytes]:
    parts["xl/worksheets/sheet1.xml"] = parts["xl/worksheets/sheet1.xml"].replace(
        b"</worksheet>", b" " * 250_000_000 + b"</worksheet>"
    )
    return parts


def _many_parts(parts: dict[str, bytes]) -> dict[str, bytes]:
    return {**parts, **{f"xl/media/x{i}.bin": b"" for i in range(10_001)}}


def fake_encrypted(root: Path) -> bytes:
    """The start of an OLE2 compound file with the directory entries of an encrypted OOXML package."""
    name = "EncryptedPackage".encode("utf-16-le")
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504 + "EncryptionInfo".encode("utf-16-le") + name


def ods(root: Path) -> bytes:
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("content.xml", "<office:document-content/>")
    return buf.getvalue()


def replace_with(rel: str, make: Callable[[Path], bytes]) -> Mutation:
    return lambda root: (root / rel).write_bytes(make(root))


CASES += [
    Case(
        "hidden, stale sheet beside the visible current one",
        OM,
        edit_workbook(OM, _hide_stale_sheet),
        f"{OM}, sheet 'Afdoeningen': found 'a hidden sheet', expected a visible sheet (a hidden sheet is "
        "often an old copy); the visible sheets are 'Opsporing', 'Afdoeningen 2025': make the sheet "
        "visible if it is the current one, or set 'sheet' of source om_afdoeningen in data/sources.yml",
    ),
    Case(
        "hidden rows in the table",
        ONTM,
        edit_workbook(ONTM, _hide_rows),
        f"{ONTM}, sheet 'Ontmantelingen', row 8: found 'hidden rows 8-9', expected no hidden rows in the "
        "table; unhide the rows and check them: delete them if they do not belong in the delivery",
    ),
    Case(
        "hidden column in the table",
        CJIB,
        edit_workbook(CJIB, _hide_column),
        f"{CJIB}, sheet 'Ontnemingen': found 'hidden columns C', expected no hidden columns in the table; "
        "unhide the columns and check them",
    ),
    Case(
        "year shown as 2023* by the number format only",
        OM,
        edit_workbook(OM, _provisional_by_format),
        f"{OM}, sheet 'Afdoeningen', row 14, column 'Jaar': found '2023 (format 0\"*\")', expected a value "
        "as typed, without a marker shown only by the cell's number format; the format shows text the cell "
        "does not hold (e.g. '2024*' for provisional): type the marker in the cell ('2024*'), or use the "
        "'status' column",
    ),
    Case(
        "a header name twice",
        OM,
        edit_workbook(OM, _header_twice),
        f"{OM}, sheet 'Opsporing', row 2, column 'Opsporingsonderzoeken': found 'Opsporingsonderzoeken', "
        "expected a column name used once in the header; 'Opsporingsonderzoeken' heads columns B, C: "
        "rename one, or remove the column that is not meant",
    ),
    Case(
        "merged data cells",
        ONTM,
        edit_workbook(ONTM, _merge_data_cells),
        f"{ONTM}, sheet 'Ontmantelingen', row 5, column 'B5:B6': found 'merged cells B5:B6', expected one "
        "value per cell below the header; merged cells hold their value in the first cell only: unmerge "
        "them and fill every cell",
    ),
    Case(
        "'41.000' typed as text in an amount column",
        CJIB,
        edit_workbook(CJIB, _text_with_separator),
        f"{CJIB}, sheet 'Ontnemingen', row 5, column 'Opgelegd (euro)': found '41.000', expected a number "
        "cell; this cell is text with a separator, which a workbook does not say how to read; type it as a "
        "number in Excel: is it 41000 or 41?",
    ),
    Case(
        "password-protected (encrypted) workbook",
        CJIB,
        replace_with(CJIB, fake_encrypted),
        f"{CJIB}: found 'a password-protected (encrypted) Excel workbook', expected an Excel workbook "
        "(.xlsx) without a password; open it in Excel with the password and save it without one",
    ),
    Case(
        "OpenDocument spreadsheet named .xlsx",
        CJIB,
        replace_with(CJIB, ods),
        f"{CJIB}: found 'an OpenDocument spreadsheet (.ods)', expected an Excel workbook (.xlsx); open it in "
        "Excel or LibreOffice and save it as .xlsx",
    ),
    Case(
        "external entity (XXE) in a sheet",
        OM,
        rezip(OM, _with_prolog("xl/worksheets/sheet1.xml", XXE)),
        f"{OM}: found 'a part xl/worksheets/sheet1.xml that declares a DTD or entities', expected an Excel "
        "workbook (its XML never declares entities); entities can expand without bound or read other "
        "files: the file is not read; ask for the file again",
    ),
    Case(
        "billion laughs in workbook.xml",
        OM,
        rezip(OM, _with_prolog("xl/workbook.xml", LAUGHS)),
        f"{OM}: found 'a part xl/workbook.xml that declares a DTD or entities'",
    ),
    Case(
        "zip bomb (250 MB sheet in a small file)",
        OM,
        rezip(OM, _bomb, level=9),
        f"{OM}: found 'a part xl/worksheets/sheet1.xml of 250 MB unpacked', expected at most 200 MB per "
        "part (limits.max_entry_mb in data/sources.yml)",
    ),
    Case(
        "zip of more than 10.000 parts",
        OM,
        rezip(OM, _many_parts),
        f"{OM}: found 'a zip archive of 10011 parts', expected at most 10000 parts (limits.max_entries in "
        "data/sources.yml); a workbook has some dozens: is this a zip bomb? Ask for the file again",
    ),
]


# -- text files: say what they are ---------------------------------------------------------------


def _unclosed_quote(text: str) -> str:
    lines = text.splitlines(keepends=True)
    lines[3] = lines[3].replace(";", ';"', 1)
    return "".join(lines)


def _link_out(rel: str) -> Mutation:
    def mutate(root: Path) -> None:
        secret = root.parent / "elders.csv"
        secret.write_text("jaar,aantal_liquidaties\n2012,GEHEIM-INHOUD\n", encoding="utf-8")
        (root / rel).unlink()
        (root / rel).symlink_to(secret)

    return mutate


CASES += [
    Case(
        "UTF-16 without byte-order mark",
        UITGAAN,
        edit_bytes(UITGAAN, lambda b: b.decode("utf-8").encode("utf-16-le")),
        f"{UITGAAN}: found 'UTF-16 (little-endian, no byte-order mark) text', expected text in utf-8; save "
        "the file as UTF-8 (CSV UTF-8), or set 'encoding: utf-16' of source uitgaansonderzoek in "
        "data/sources.yml",
    ),
    Case(
        "UTF-32 with byte-order mark",
        UITGAAN,
        edit_bytes(UITGAAN, lambda b: b.decode("utf-8").encode("utf-32")),
        f"{UITGAAN}: found 'UTF-32 (little-endian, with byte-order mark) text', expected text in utf-8",
    ),
    Case(
        "UTF-32 without byte-order mark",
        UITGAAN,
        edit_bytes(UITGAAN, lambda b: b.decode("utf-8").encode("utf-32-be")),
        f"{UITGAAN}: found 'UTF-32 (big-endian, no byte-order mark) text', expected text in utf-8",
    ),
    Case(
        "a quote that opens and never closes",
        UITGAAN,
        edit_text(UITGAAN, _unclosed_quote),
        f"{UITGAAN}, row 4: found '2020;\"Cocaïne;48,6', expected a quoted value that ends (every opening "
        '" has its closing "); the quote opened in row 4 is never closed: the rest of the file would be '
        "read as one value",
    ),
    Case(
        "password-protected workbook where a CSV is declared",
        UITGAAN,
        replace_with(UITGAAN, fake_encrypted),
        f"{UITGAAN}: found 'a password-protected (encrypted) Excel workbook', expected a CSV text file "
        "(utf-8)",
    ),
    Case(
        "OpenDocument spreadsheet where a CSV is declared",
        UITGAAN,
        replace_with(UITGAAN, ods),
        f"{UITGAAN}: found 'an OpenDocument spreadsheet (.ods)', expected a CSV text file (utf-8)",
    ),
    Case(
        "20-digit quantity (would overflow the sum)",
        POLITIE,
        edit_line(POLITIE, 2, ";24,730;", ";12345678901234567890;"),
        f"{POLITIE}, row 2, column 'Hoeveelheid': found '12345678901234567890', expected a quantity of at "
        "most 1.000.000.000 kg; a number this large cannot be a seizure (and cannot be summed exactly): "
        "check the digits and the unit",
    ),
    Case(
        "symlink in data/raw to a file outside the project",
        WODC,
        _link_out(WODC),
        f"{WODC}: found 'a link to a file outside data/raw', expected a file inside data/raw (the monitor "
        "reads nothing outside the project's raw data); copy the delivery into data/raw instead of "
        "linking to it",
    ),
]


def _link_folder_out(folder: str) -> Mutation:
    """A folder of data/raw replaced by a link to a copy of it outside the project."""

    def mutate(root: Path) -> None:
        outside = root.parent / "buiten"
        shutil.copytree(root / "data" / "raw" / folder, outside)
        shutil.rmtree(root / "data" / "raw" / folder)
        (root / "data" / "raw" / folder).symlink_to(outside, target_is_directory=True)

    return mutate


CASES += [
    Case(
        "'41.000' in a column that groups thousands with the decimal point",
        KWR,
        both(edit_line(KWR, 2, "887.0", "36.100.000"), edit_line(KWR, 3, "134.4", "41.000")),
        f"{KWR}, row 3, column 'Mean daily load (mg/1000 inhabitants/day)': found '41.000', expected one way "
        "of writing numbers in this column (decimal '.'); '41.000' is ambiguous: '36.100.000' in the same "
        "column groups thousands with '.'; write 41000 or set the separators of source kwr_afvalwater in "
        "data/sources.yml",
    ),
    Case(
        "a raw folder linked to a folder outside the project",
        "data/raw/wodc/liquidaties_2012-2024.csv",
        _link_folder_out("wodc"),
        "data/raw/wodc/liquidaties_2012-2024.csv: found 'a link to a file outside data/raw', expected a "
        "file inside data/raw",
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
    assert "GEHEIM-INHOUD" not in str(failed)  # nothing of a file outside data/raw is shown


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


# -- configuration that would leave the project -------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "expect"),
    [
        (
            "files: [wodc/liquidaties_*.csv]",
            "files: [../../../etc/*.conf]",
            "sources.wodc_liquidaties.files: Value error, '../../../etc/*.conf' leaves data/raw/: paths are "
            "relative to data/raw/, without '..'",
        ),
        (
            "files: [wodc/liquidaties_*.csv]",
            "files: [/etc/passwd]",
            "sources.wodc_liquidaties.files: Value error, '/etc/passwd' leaves data/raw/",
        ),
        (
            "    provisional_years: [2024]\n",
            "    provisional_years: [2024]\n    supersedes: {politie/nieuw.csv: ../../geheim.csv}\n",
            "sources.inbeslagnames.supersedes: Value error, '../../geheim.csv' leaves data/raw/",
        ),
        (
            "sources:\n",
            "x: &a [1, 2]\n" + "".join(f"y{i}: *a\n" for i in range(101)) + "sources:\n",
            "more than 100 YAML aliases ('*name'); anchors that refer to anchors can expand without bound",
        ),
    ],
    ids=["pattern with ..", "absolute pattern", "supersedes with ..", "YAML alias bomb in sources.yml"],
)
def test_sources_yml_cannot_leave_data_raw(project: Path, old: str, new: str, expect: str):
    from report.errors import MonitorError

    sources = project / "data" / "sources.yml"
    text = sources.read_text(encoding="utf-8")
    assert old in text
    sources.write_text(text.replace(old, new, 1), encoding="utf-8")
    before_clean = _snapshot(project / "data" / "clean")
    with pytest.raises(MonitorError) as failed:
        clean(Project(project))
    assert expect in str(failed.value), str(failed.value)
    assert _snapshot(project / "data" / "clean") == before_clean


def test_a_supersedes_entry_naming_no_file_is_an_error(project: Path):
    sources = project / "data" / "sources.yml"
    text = sources.read_text(encoding="utf-8")
    sources.write_text(
        text.replace(
            "    provisional_years: [2024]\n",
            "    provisional_years: [2024]\n    supersedes: {politie/nieuw.csv: politie/oud.csv}\n",
            1,
        ),
        encoding="utf-8",
    )
    failed = _run(Case("supersedes", "data/sources.yml", lambda root: None, ""), project)
    assert (
        "data/sources.yml: found 'politie/nieuw.csv', expected a file under data/raw/ ('supersedes' of "
        "source inbeslagnames); the path is relative to data/raw/" in str(failed)
    )


def test_a_chapter_cannot_include_a_file_outside_the_project(project: Path):
    from report.errors import MonitorError
    from report.render.book import load_book

    (project.parent / "geheim.md").write_text("GEHEIM-INHOUD\n", encoding="utf-8")
    chapter = project / "index.qmd"
    text = chapter.read_text(encoding="utf-8")
    chapter.write_text(text + "\n{{< include ../geheim.md >}}\n", encoding="utf-8")
    from report.build import build

    build(Project(project))
    with pytest.raises(MonitorError) as failed:
        load_book(project)
    message = str(failed.value)
    assert (
        "'../geheim.md' is outside the project; an include names a file inside the project folder" in message
    )
    assert "GEHEIM-INHOUD" not in message and str(project.parent) not in message


def test_the_suite_covers_many_kinds_of_untrusted_input():
    assert len({c.kind for c in CASES}) == len(CASES) >= 30
