"""Bad raw input for the clean stage: every fault gives a precise message and changes nothing.

Each case mutates one raw file in a copy of an already cleaned project and runs `clean` again.
The run must fail with a message that names the file (and sheet), the row, the column, the
value found and what was expected, with a hint where one can be given; the raw files must be
exactly as the case wrote them (the stage only reads) and data/clean must be byte for byte
what the previous, successful run wrote.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pytest

from report.clean import CleanFailed, clean
from report.errors import MonitorError
from report.project import Project

DIMS = "data/raw/trimbos/dims_thc_monitor_2012-2024.csv"  # cp1252, ';', decimal comma, long
ANTENNE = "data/raw/trimbos/antenne_groothandelsprijzen_2012-2024.csv"  # UTF-8 with BOM, ',', wide
UITGAAN = "data/raw/trimbos/uitgaansonderzoek_beschikbaarheid_2012-2024.csv"  # UTF-8, ';', decimal comma
CBS_USE = "data/raw/cbs/statline_drugsgebruik_2012-2024.csv"  # StatLine: quoted, symbols, percentages
CBS_OPIUM = "data/raw/cbs/statline_opiumwetmisdrijven_2012-2024.csv"  # StatLine: counts
EMCDDA = "data/raw/emcdda/seizures_belgium_2012-2024.csv"  # English: decimal point, thousands ','
KWR = "data/raw/kwr/wastewater_city_loads_2012-2024.csv"  # English, per city
WODC = "data/raw/wodc/liquidaties_2012-2024.csv"  # ',' and plain counts
LURIS = "data/raw/luris/rechtshulpverzoeken_2012-2024.csv"  # ';', decimal point
GEMEENTEN = "data/raw/gemeenten/gesloten_panden_2012-2024.csv"  # per municipality, summed
POLITIE = "data/raw/politie/inbeslagnames_politie_2012-2024.csv"  # records, ';', decimal comma
ONTM = "data/raw/politie/ontmantelingen_2012-2024.xlsx"  # title row, two-row header, merged cells
OM = "data/raw/om/om_jaarcijfers_2012-2024.xlsx"  # two sheets
CJIB = "data/raw/cjib/ontnemingen_2012-2024.xlsx"  # two title rows
SOURCES = "data/sources.yml"


# -- a cleaned project, copied per case ----------------------------------------------------------


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


_REGISTRIES: dict[bytes, object] = {}  # registry file content → parsed registry


def _registry_parsed_once(path):
    from report.registry import load_registry

    data = Path(path).read_bytes()
    if data not in _REGISTRIES:
        _REGISTRIES[data] = load_registry(path)
    return _REGISTRIES[data]


@pytest.fixture(autouse=True)
def _fast_registry(monkeypatch):
    """No case touches data/indicators.yml: parse it once (YAML parsing is a third of a clean's time)."""
    from report.clean import pipeline

    monkeypatch.setattr(pipeline, "load_registry", _registry_parsed_once)


@pytest.fixture(scope="module")
def cleaned_project(tmp_path_factory) -> Path:
    """One project copy with a first, successful clean (shared; each test copies it)."""
    from conftest import copy_project

    root = copy_project(tmp_path_factory.mktemp("bad-input") / "project")
    result = clean(Project(root))
    assert result.written and not result.problems.errors
    return root


@pytest.fixture
def project(cleaned_project: Path, tmp_path: Path) -> Path:
    root = tmp_path / "project"
    shutil.copytree(cleaned_project, root)
    return root


# -- mutations: each rewrites one file of the copy -----------------------------------------------


Mutation = Callable[[Path], None]


def edit_text(rel: str, change: Callable[[str], str], encoding: str = "utf-8") -> Mutation:
    def mutate(root: Path) -> None:
        path = root / rel
        path.write_bytes(change(path.read_bytes().decode(encoding)).encode(encoding))

    return mutate


def edit_line(rel: str, row: int, old: str, new: str, encoding: str = "utf-8") -> Mutation:
    """Replace `old` by `new` in line `row` (1 = the first line of the file)."""

    def change(text: str) -> str:
        lines = text.splitlines(keepends=True)
        assert old in lines[row - 1], f"{rel} row {row} is {lines[row - 1]!r}"
        lines[row - 1] = lines[row - 1].replace(old, new, 1)
        return "".join(lines)

    return edit_text(rel, change, encoding)


def edit_lines(rel: str, change: Callable[[list[str]], list[str]], encoding: str = "utf-8") -> Mutation:
    return edit_text(rel, lambda text: "".join(change(text.splitlines(keepends=True))), encoding)


def reencode(rel: str, source: str, target: str) -> Mutation:
    return edit_bytes(rel, lambda data: data.decode(source).encode(target))


def edit_bytes(rel: str, change: Callable[[bytes], bytes]) -> Mutation:
    def mutate(root: Path) -> None:
        path = root / rel
        path.write_bytes(change(path.read_bytes()))

    return mutate


def copy_from(rel: str, other: str) -> Mutation:
    """Put the bytes of another raw file under this file's name."""

    def mutate(root: Path) -> None:
        (root / rel).write_bytes((root / other).read_bytes())

    return mutate


def edit_workbook(rel: str, change: Callable[[openpyxl.Workbook], None]) -> Mutation:
    def mutate(root: Path) -> None:
        path = root / rel
        wb = openpyxl.load_workbook(path)
        change(wb)
        wb.save(path)

    return mutate


def workbook_as_csv(rel: str, sheet: str) -> Mutation:
    """The sheet saved as semicolon CSV text, but under the .xlsx name."""

    def mutate(root: Path) -> None:
        path = root / rel
        ws = openpyxl.load_workbook(path, data_only=True)[sheet]
        buf = io.StringIO()
        writer = csv.writer(buf, delimiter=";", lineterminator="\r\n")
        for row in ws.iter_rows(values_only=True):
            writer.writerow(["" if v is None else v for v in row])
        path.write_bytes(buf.getvalue().encode("utf-8"))

    return mutate


def _formula_error(wb: openpyxl.Workbook) -> None:
    cell = wb["Ontnemingen"]["B5"]
    cell.value = "#DIV/0!"
    cell.data_type = "e"  # an error as Excel stores it: the cached result of a failed formula


def _formula_without_result(wb: openpyxl.Workbook) -> None:
    wb["Ontnemingen"]["C6"] = "=B6*0.5"  # openpyxl writes no cached result


def _move_group_header(wb: openpyxl.Workbook) -> None:
    ws = wb["Ontmantelingen"]
    ws.unmerge_cells("C2:E2")
    ws["C2"], ws["D2"] = None, "Drugslabs"  # the group now starts one column to the right


def _year_as_date(wb: openpyxl.Workbook) -> None:
    cell = wb["Afdoeningen"]["A3"]
    cell.value = dt.datetime(2012, 1, 1)
    cell.number_format = "dd-mm-yyyy"


def _clear_sheet(wb: openpyxl.Workbook) -> None:
    ws = wb["Opsporing"]
    ws.delete_rows(1, ws.max_row)


def _rename_sheet(wb: openpyxl.Workbook) -> None:
    wb["Afdoeningen"].title = "Afdoening"


def _remove_title_row(wb: openpyxl.Workbook) -> None:
    wb["Ontnemingen"].delete_rows(1)


def _remove_blank_row_above_footnotes(wb: openpyxl.Workbook) -> None:
    wb["Ontmantelingen"].delete_rows(17)


def _empty_row_inside_table(wb: openpyxl.Workbook) -> None:
    wb["Afdoeningen"].insert_rows(6)


def _append(line: str) -> Callable[[list[str]], list[str]]:
    return lambda lines: lines + [line]


def _add_column(name: str, sep: str) -> Callable[[list[str]], list[str]]:
    def change(lines: list[str]) -> list[str]:
        out = []
        for i, line in enumerate(lines):
            body = line.rstrip("\r\n")
            out.append(body + sep + (name if i == 0 else "x") + line[len(body) :])
        return out

    return change


def _drop_last_column(sep: str) -> Callable[[list[str]], list[str]]:
    def change(lines: list[str]) -> list[str]:
        return [
            sep.join(line.rstrip("\r\n").split(sep)[:-1]) + line[len(line.rstrip("\r\n")) :] for line in lines
        ]

    return change


def _trailing_separator(sep: str) -> Callable[[list[str]], list[str]]:
    return lambda lines: [line.rstrip("\r\n") + sep + line[len(line.rstrip("\r\n")) :] for line in lines]


# -- the cases -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    kind: str
    file: str  # the raw file the case mutates (relative to the project root)
    mutate: Mutation
    expect: str  # one problem of the failure, as printed (or a leading part of it)
    xfail: str = ""  # why the message is not yet as precise as it should be


CASES = [
    # Encodings
    Case(
        "utf8 file where cp1252 is declared",
        DIMS,
        reencode(DIMS, "cp1252", "utf-8"),
        f"{DIMS}, row 2, column 'Middel': found 'CocaÃ¯ne', expected text in cp1252; the file is UTF-8 "
        "(there it reads 'Cocaïne'); set 'encoding: utf-8' of source trimbos_dims in data/sources.yml, "
        "or save the file as cp1252",
    ),
    Case(
        "cp1252 file where utf-8 is declared",
        CBS_USE,
        reencode(CBS_USE, "utf-8", "cp1252"),
        f"{CBS_USE}, row 3, column 'Middelen': found '0xef', expected text in utf-8; the file looks like "
        "cp1252 (there it reads 'Cocaïne'); set 'encoding: cp1252' of source cbs_drugsgebruik in "
        "data/sources.yml, or save the file as UTF-8",
    ),
    Case(
        "UTF-8 byte-order mark before cp1252 text",
        DIMS,
        edit_bytes(DIMS, lambda b: b"\xef\xbb\xbf" + b),
        f"{DIMS}, row 1: found 'UTF-8 byte-order mark (EF BB BF)', expected text in cp1252; the rest of the "
        "file is not UTF-8: remove the byte-order mark (save the file as cp1252 without BOM)",
    ),
    Case(
        "UTF-8 file with byte-order mark where cp1252 is declared",
        DIMS,
        edit_bytes(DIMS, lambda b: b"\xef\xbb\xbf" + b.decode("cp1252").encode("utf-8")),
        f"{DIMS}, row 1: found 'UTF-8 byte-order mark (EF BB BF)', expected text in cp1252; the file is "
        "UTF-8: set 'encoding: utf-8' of source trimbos_dims in data/sources.yml, or save the file as cp1252",
    ),
    Case(
        "UTF-16 text",
        CBS_OPIUM,
        reencode(CBS_OPIUM, "utf-8", "utf-16"),
        f"{CBS_OPIUM}: found 'UTF-16 text (byte-order mark FF FE)', expected text in utf-8; save the file as "
        "UTF-8 (CSV UTF-8), or set 'encoding: utf-16' of source cbs_opiumwet in data/sources.yml",
    ),
    # Columns and header
    Case(
        "missing column",
        WODC,
        edit_lines(WODC, _drop_last_column(",")),
        f"{WODC}, row 1, column 'aantal_liquidaties': found 'jaar', expected a column 'aantal_liquidaties' "
        "in the header (source wodc_liquidaties in data/sources.yml)",
    ),
    Case(
        "extra column",
        GEMEENTEN,
        edit_lines(GEMEENTEN, _add_column("Opmerking", ";")),
        f"{GEMEENTEN}, row 1, column 'Opmerking': found 'Opmerking', expected only the columns of source "
        "gemeenten_sluitingen: ['Gemeente', 'Jaar', 'Gesloten panden']; a new column? Remove it, or add it "
        "to 'columns' of source gemeenten_sluitingen in data/sources.yml",
    ),
    Case(
        "separator at the end of every line (empty extra column)",
        GEMEENTEN,
        edit_lines(GEMEENTEN, _trailing_separator(";")),
        f"{GEMEENTEN}, row 1, column '#4 (no name)': found '', expected only the columns of source "
        "gemeenten_sluitingen: ['Gemeente', 'Jaar', 'Gesloten panden']; a column without a name: do the "
        "lines end with ';'?",
    ),
    Case(
        "renamed column",
        DIMS,
        edit_line(DIMS, 1, "Waarde", "Waarden", "cp1252"),
        f"{DIMS}, row 1, column 'Waarden': found 'Waarden', expected a column 'Waarde'; did you mean "
        "'Waarde'? Rename the column, or change 'columns' of source trimbos_dims in data/sources.yml",
    ),
    Case(
        "wrong delimiter",
        LURIS,
        edit_text(LURIS, lambda t: t.replace(";", ",")),
        f"{LURIS}, row 1: found 'Jaar,Rechtshulpverzoeken', expected columns separated by ';'; the file uses "
        "',': set 'delimiter' of source luris in data/sources.yml",
    ),
    Case(
        "merged header cells changed",
        ONTM,
        edit_workbook(ONTM, _move_group_header),
        f"{ONTM}, sheet 'Ontmantelingen', row 3, column 'Drugslabs / Xtc': found 'Jaar | "
        "Hennepkwekerijen / Aantal | Hennepkwekerijen / Xtc | Drugslabs / Amfetamine | Drugslabs / Overig | "
        "Cocaïne-extractie / Aantal | Dumpingen / Aantal', expected a column 'Drugslabs / Xtc' in the header "
        "(source ontmantelingen in data/sources.yml); the header has 2 rows (2-3): a group name such as "
        "'Drugslabs' covers the empty (merged) cells to its right; check the merged cells above 'Xtc'",
    ),
    Case(
        "title row removed, header on another row",
        CJIB,
        edit_workbook(CJIB, _remove_title_row),
        f"{CJIB}, sheet 'Ontnemingen', row 3: found '2014 | 51100000 | 42900000', expected the header of "
        "source cjib_ontnemingen on row 3 (after 2 title rows); the header is on row 2: set 'skip_rows: 1' "
        "of source cjib_ontnemingen in data/sources.yml, or restore the title rows",
    ),
    # Numbers
    Case(
        "text in a number column",
        DIMS,
        edit_line(DIMS, 7, "16,6", "n.b.", "cp1252"),
        f"{DIMS}, row 7, column 'Waarde': found 'n.b.', expected a number written as 1.234,5 (decimal "
        "comma); leave the cell empty (or '.') when there is no figure",
    ),
    Case(
        "decimal point in a decimal-comma file",
        DIMS,
        edit_line(DIMS, 7, "16,6", "12.5", "cp1252"),
        f"{DIMS}, row 7, column 'Waarde': found '12.5', expected a number written as 1.234,5 (decimal "
        "comma); this looks like a decimal point: write 12,5",
    ),
    Case(
        "1,234.5 in a decimal-comma file",
        UITGAAN,
        edit_line(UITGAAN, 2, "43,2", "1,234.5"),
        f"{UITGAAN}, row 2, column 'Makkelijk verkrijgbaar (%)': found '1,234.5', expected a number written "
        "as 1.234,5 (decimal comma); this looks like a decimal point: write 1234,5",
    ),
    Case(
        "1.234,5 in a decimal-point file",
        KWR,
        edit_line(KWR, 2, "887.0", '"1.234,5"'),
        f"{KWR}, row 2, column 'Mean daily load (mg/1000 inhabitants/day)': found '1.234,5', expected a "
        "number written as 1,234.5 (decimal point); this looks like a decimal comma: write 1234.5",
    ),
    Case(
        "thousands comma in a decimal-comma count",
        CBS_OPIUM,
        edit_line(CBS_OPIUM, 2, "9821", "9,821"),
        f"{CBS_OPIUM}, row 2, column 'Geregistreerde misdrijven (aantal)': found '9,821', expected a whole "
        "number (a count); ',' is the decimal comma in this file: write 9821 or 9.821",
    ),
    Case(
        "decimal comma unquoted in a comma-separated file",
        EMCDDA,
        edit_line(EMCDDA, 2, '"5,510"', "5,510"),
        f"{EMCDDA}, row 2: found 'Belgium,2012,Cocaine,5,510', expected 4 fields like the header; this row "
        "has 5; a value that contains ',' must be in double quotes (\"5,510\")",
    ),
    Case(
        "negative count",
        WODC,
        edit_line(WODC, 2, "2012,12", "2012,-12"),
        f"{WODC}, row 2, column 'aantal_liquidaties': found '-12', expected a value of 0 or more",
    ),
    Case(
        "percentage over 100",
        CBS_USE,
        edit_line(CBS_USE, 47, '"8,1"', '"108,1"'),
        f"{CBS_USE}, row 47, column 'Laatstejaarsgebruik (%)': found '108,1', expected a percentage from 0 "
        "to 100",
    ),
    Case(
        "price of 0",
        ANTENNE,
        edit_line(ANTENNE, 2, "2012,30152,", "2012,0,"),
        f"{ANTENNE}, row 2, column 'Cocaïne (€/kg)': found '0', expected a price above 0; leave the cell "
        "empty when there is no price",
    ),
    Case(
        "non-integer count",
        LURIS,
        edit_line(LURIS, 2, "890", "890.5"),
        f"{LURIS}, row 2, column 'Rechtshulpverzoeken': found '890.5', expected a whole number (a count)",
    ),
    Case(
        "CBS file with an unknown symbol",
        CBS_USE,
        edit_line(CBS_USE, 47, '"8,1"', '"?"'),
        f"{CBS_USE}, row 47, column 'Laatstejaarsgebruik (%)': found '?', expected a number written as "
        "1.234,5 (decimal comma) or a CBS symbol ('.' missing, 'x' secret, '-' nil)",
    ),
    # Codes: drugs, regions, measures
    Case(
        "unknown drug (did you mean 'coke')",
        DIMS,
        edit_line(DIMS, 2, "Cocaïne", "cokes", "cp1252"),
        f"{DIMS}, row 2, column 'Middel': found 'cokes', expected a drug market of zuiverheid/gehalte: "
        "['cocaine', 'wiet', 'hasj', 'amfetamine']; did you mean 'coke'?",
    ),
    Case(
        "misspelt drug (did you mean 'cocaïne')",
        UITGAAN,
        edit_line(UITGAAN, 2, "Cocaïne", "Cocaïn"),
        f"{UITGAAN}, row 2, column 'Middel': found 'Cocaïn', expected a drug market of "
        "beschikbaarheid/makkelijk_verkrijgbaar: ['cocaine']; did you mean 'cocaïne'?",
    ),
    Case(
        "drug that is no market of this measure",
        DIMS,
        edit_line(DIMS, 54, "XTC", "Hasj", "cp1252"),
        f"{DIMS}, row 54, column 'Middel': found 'Hasj', expected a drug market of "
        "zuiverheid/mdma_per_tablet: ['xtc']; 'Hasj' is market 'hasj', which zuiverheid/mdma_per_tablet "
        "does not have",
    ),
    Case(
        "unknown city",
        KWR,
        edit_line(KWR, 2, "Amsterdam", "Amsterdm"),
        f"{KWR}, row 2, column 'City': found 'Amsterdm', expected a region of afvalwater: ['amsterdam', "
        "'rotterdam', 'utrecht', 'eindhoven', 'den_haag']; did you mean 'Amsterdam'?",
    ),
    Case(
        "unknown measure label",
        DIMS,
        edit_line(DIMS, 67, "(euro)", "(EUR)", "cp1252"),
        f"{DIMS}, row 67, column 'Meting': found 'Prijs per gram (EUR)', expected a measure of source "
        "trimbos_dims: ['Gehalte werkzame stof (%)', 'MDMA per tablet (mg)', 'Prijs per gram (euro)', "
        "'Prijs per tablet (euro)']; did you mean 'Prijs per gram (euro)'?",
    ),
    # Years and duplicates
    Case(
        "year after the edition",
        WODC,
        edit_line(WODC, 5, "2015,", "2031,"),
        f"{WODC}, row 5, column 'jaar': found '2031', expected a year from 2012 to 2024 (edition 2024)",
    ),
    Case(
        "year as text",
        WODC,
        edit_line(WODC, 5, "2015,", "twee15,"),
        f"{WODC}, row 5, column 'jaar': found 'twee15', expected a year such as 2024 (or 2024* when "
        "provisional)",
    ),
    Case(
        "year formatted as a date in Excel",
        OM,
        edit_workbook(OM, _year_as_date),
        f"{OM}, sheet 'Afdoeningen', row 3, column 'Jaar': found '2012-01-01 00:00:00', expected a year such "
        "as 2024 (or 2024* when provisional); the cell is a date: format it as a number",
    ),
    Case(
        "footnote without an empty row above it",
        ONTM,
        edit_workbook(ONTM, _remove_blank_row_above_footnotes),
        f"{ONTM}, sheet 'Ontmantelingen', row 17, column 'Jaar': found '* voorlopig cijfer', expected a year "
        "such as 2024 (or 2024* when provisional); notes below the table need an empty row above them",
    ),
    Case(
        "StatLine period code as year",
        CBS_OPIUM,
        edit_line(CBS_OPIUM, 2, '"2012"', '"2012JJ00"'),
        f"{CBS_OPIUM}, row 2, column 'Perioden': found '2012JJ00', expected a year such as 2024 (or 2024* "
        "when provisional); a StatLine period code: download the table with period labels (2012)",
    ),
    Case(
        "empty row inside an Excel table",
        OM,
        edit_workbook(OM, _empty_row_inside_table),
        f"{OM}, sheet 'Afdoeningen', row 6: found '', expected a row of data; the table goes on below this "
        "empty row; remove the empty row (an empty row ends the table; notes follow it)",
    ),
    Case(
        "duplicate row",
        DIMS,
        edit_lines(DIMS, _append("2012;Cocaïne;Gehalte werkzame stof (%);61,0\r\n"), "cp1252"),
        f"{DIMS}, row 132, column 'Waarde': found '61,0', expected one value per indicator, measure, market, "
        "region and year; zuiverheid/gehalte/cocaine/NL 2012 is also on row 2",
    ),
    Case(
        "duplicate municipality in a file that is summed",
        GEMEENTEN,
        edit_lines(GEMEENTEN, _append("Amsterdam;2017;82\r\n")),
        f"{GEMEENTEN}, row 62, column 'Gemeente': found 'Amsterdam', expected one row per Gemeente and year; "
        "'Amsterdam' 2017 is also on row 2",
    ),
    # Empty, truncated and misnamed files
    Case(
        "empty file",
        LURIS,
        edit_bytes(LURIS, lambda b: b""),
        f"{LURIS}: expected a CSV file with a header row; the file is empty",
    ),
    Case(
        "header without data",
        LURIS,
        edit_lines(LURIS, lambda lines: lines[:1]),
        f"{LURIS}: expected data rows below the header (row 1); the file has none",
    ),
    Case(
        "truncated CSV (last line cut mid-row)",
        DIMS,
        edit_bytes(DIMS, lambda b: b[: b.rindex(b"(euro)")]),
        f"{DIMS}, row 131: found '2024*;XTC;Prijs per tablet ', expected 4 fields like the header; this row "
        "has 3; the file looks truncated (it ends in this row): ask for the complete file",
    ),
    Case(
        "truncated CSV (cut inside a quoted number)",
        CBS_OPIUM,
        edit_bytes(CBS_OPIUM, lambda b: b[:-5]),
        f'{CBS_OPIUM}, row 27: found \'"2024*";"Softdrugs (lijst II)";"81\', expected a complete row; the '
        "file ends inside a quoted value: it looks truncated, ask for the complete file",
    ),
    Case(
        "a row with too many fields",
        GEMEENTEN,
        edit_line(GEMEENTEN, 3, "Rotterdam;2017;25", "Rotterdam;2017;25;3"),
        f"{GEMEENTEN}, row 3: found 'Rotterdam;2017;25;3', expected 3 fields like the header; this row has "
        "4; a value that contains ';' must be in double quotes",
    ),
    Case(
        ".csv file that is an Excel workbook",
        LURIS,
        copy_from(LURIS, CJIB),
        f"{LURIS}: found 'an Excel workbook (zip archive)', expected a CSV text file (utf-8); save it as "
        "CSV, or change 'format' of source luris in data/sources.yml",
    ),
    Case(
        ".xlsx file that is CSV text",
        CJIB,
        workbook_as_csv(CJIB, "Ontnemingen"),
        f"{CJIB}: found 'Ontnemingen en incasso (Fictieve demonstratiegegevens);;', expected an Excel "
        "workbook (.xlsx); this is a text file (CSV?): open it in Excel and save it as .xlsx",
    ),
    Case(
        ".xlsx file that is an old .xls workbook",
        CJIB,
        edit_bytes(CJIB, lambda b: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)),
        f"{CJIB}: found 'an Excel 97-2003 workbook (.xls)', expected an Excel workbook (.xlsx); open it in "
        "Excel and save it as .xlsx",
    ),
    Case(
        "truncated xlsx",
        CJIB,
        edit_bytes(CJIB, lambda b: b[: len(b) // 2]),
        f"{CJIB}: found 'a damaged zip archive (File is not a zip file)', expected a complete Excel workbook "
        "(.xlsx); the file is damaged or truncated: ask for it again",
    ),
    Case(
        "Excel formula error",
        CJIB,
        edit_workbook(CJIB, _formula_error),
        f"{CJIB}, sheet 'Ontnemingen', row 5, column 'Opgelegd (euro)': found '#DIV/0!', expected a number; "
        "the cell holds an Excel formula error: correct the formula",
    ),
    Case(
        "Excel formula without a saved result",
        CJIB,
        edit_workbook(CJIB, _formula_without_result),
        f"{CJIB}, sheet 'Ontnemingen', row 6, column 'Geïnd (euro)': found '=B6*0.5', expected a number; the "
        "formula has no saved result (the file was not saved by Excel): open the file in Excel or "
        "LibreOffice and save it",
    ),
    Case(
        "empty Excel sheet",
        OM,
        edit_workbook(OM, _clear_sheet),
        f"{OM}, sheet 'Opsporing': expected 1 title row, a header row and data rows; the sheet is empty",
    ),
    Case(
        "missing sheet (did you mean)",
        OM,
        edit_workbook(OM, _rename_sheet),
        f"{OM}, sheet 'Afdoeningen': found 'Afdoening, Opsporing', expected a sheet named "
        "'Afdoeningen'; did you mean 'Afdoening'? Rename the sheet, or set 'sheet' of source om_afdoeningen "
        "in data/sources.yml",
    ),
    # Record-level seizure files
    Case(
        "duplicate record number",
        POLITIE,
        edit_line(POLITIE, 5, "PL-2012-00004", "PL-2012-00001"),
        f"{POLITIE}, row 5, column 'Registratienummer': found 'PL-2012-00001', expected a record number used "
        "once; the same record is on rows [2, 5]",
    ),
    Case(
        "date in the wrong format in a records file",
        POLITIE,
        edit_line(POLITIE, 2, "01-01-2012", "2012-01-01"),
        f"{POLITIE}, row 2, column 'Datum': found '2012-01-01', expected a date like 01-03-2024",
    ),
    Case(
        "date after the edition in a records file",
        POLITIE,
        edit_line(POLITIE, 2, "01-01-2012", "01-01-2031"),
        f"{POLITIE}, row 2, column 'Datum': found '01-01-2031', expected a date from 2012 to 2024 "
        "(edition 2024)",
    ),
    Case(
        "unknown unit in a records file",
        POLITIE,
        edit_line(POLITIE, 2, ";kg", ";pond"),
        f"{POLITIE}, row 2, column 'Eenheid': found 'pond', expected a unit of ['g', 'gram', 'kg', "
        "'kilogram']",
    ),
    Case(
        "empty required cell in a records file",
        POLITIE,
        edit_line(POLITIE, 2, "Amfetamine", ""),
        f"{POLITIE}, row 2, column 'Middel': found '', expected a value; the cell is empty",
    ),
    Case(
        "missing column in a records file",
        POLITIE,
        edit_lines(
            POLITIE,
            lambda lines: (
                [lines[0].replace("Dienst;", "")] + [line.replace(";Politie;", ";", 1) for line in lines[1:]]
            ),
        ),
        f"{POLITIE}, row 1, column 'Dienst': found "
        "'Registratienummer;Datum;Plaats;Middel;Hoeveelheid;Eenheid', "
        "expected a column 'Dienst' in the header (source inbeslagnames in data/sources.yml)",
    ),
    Case(
        "header without data in a records file",
        POLITIE,
        edit_lines(POLITIE, lambda lines: lines[:1]),
        f"{POLITIE}: expected data rows below the header (row 1); the file has none",
    ),
    Case(
        "wrong delimiter in a records file",
        POLITIE,
        edit_text(POLITIE, lambda t: t.replace(";", ",")),
        f"{POLITIE}, row 1: found 'Registratienummer,Datum,Plaats,Dienst,Middel,Hoeveelheid,Eenheid', "
        "expected columns separated by ';'; the file uses ',': set 'delimiter' of source inbeslagnames in "
        "data/sources.yml",
    ),
    Case(
        "unknown drug in a records file",
        POLITIE,
        edit_line(POLITIE, 2, "Amfetamine", "cokes"),
        f"{POLITIE}, row 2, column 'Middel': found 'cokes', expected a drug of inbeslagnames_nl: one of "
        "['cocaine', 'wiet', 'hasj', 'xtc', 'amfetamine', 'heroine', 'overig'] or a synonym in "
        "data/indicators.yml; did you mean 'coke'?",
    ),
    Case(
        "text in the quantity of a records file",
        POLITIE,
        edit_line(POLITIE, 2, "24,730", "24,7 kg"),
        f"{POLITIE}, row 2, column 'Hoeveelheid': found '24,7 kg', expected a number written as 1.234,5",
    ),
    Case(
        "negative quantity in a records file",
        POLITIE,
        edit_line(POLITIE, 2, "24,730", "-24,730"),
        f"{POLITIE}, row 2, column 'Hoeveelheid': found '-24,730', expected a quantity of 0 or more",
    ),
    Case(
        "a row with too many fields in a records file",
        POLITIE,
        edit_line(POLITIE, 5, ";kg", ";kg;x"),
        f"{POLITIE}, row 5: found 'PL-2012-00004;01-01-2012;Elders;Politie;Nederwiet;16,999;kg;x', expected "
        "7 fields like the header; this row has 8; a value that contains ';' must be in double quotes",
    ),
    Case(
        "cp1252 records file where utf-8 is declared",
        POLITIE,
        reencode(POLITIE, "utf-8", "cp1252"),
        f"{POLITIE}, row 30, column 'Middel': found '0xef', expected text in utf-8; the file looks like "
        "cp1252 (there it reads 'Heroïne'); set 'encoding: cp1252' of source inbeslagnames in "
        "data/sources.yml, or save the file as UTF-8",
    ),
    Case(
        "truncated records file",
        POLITIE,
        edit_bytes(POLITIE, lambda b: b[: b.rindex(b";4,541")]),
        f"{POLITIE}, row 22635: found 'PL-2024-01742;30-12-2024;Elders;Politie;Nederwiet', expected 7 fields "
        "like the header; this row has 5; the file looks truncated (it ends in this row): ask for the "
        "complete file",
    ),
    Case(
        "records file cut inside a quoted quantity",
        POLITIE,
        edit_bytes(POLITIE, lambda b: b[: b.rindex(b";4,541")] + b';"4,5'),
        f"{POLITIE}, row 22635: found 'PL-2024-01742;30-12-2024;Elders;Politie;Nederwiet;\"4,5', expected a "
        "complete row; the file ends inside a quoted value: it looks truncated, ask for the complete file",
    ),
    Case(
        "a row with too few fields inside a records file",
        POLITIE,
        edit_line(POLITIE, 7, ";g\r", "\r"),
        f"{POLITIE}, row 7: found 'PL-2012-00006;02-01-2012;Elders;Politie;Nederwiet;882', expected 7 fields "
        "like the header; this row has 6",
    ),
    Case(
        "quantity in Arabic-Indic digits in a records file",
        POLITIE,
        edit_line(POLITIE, 2, "24,730", "٢٤,٧٣"),
        f"{POLITIE}, row 2, column 'Hoeveelheid': found '٢٤,٧٣', expected a number written as 1.234,5; the "
        "digits are not 0-9: write 24,73",
    ),
    Case(
        "quantity in full-width digits in a records file",
        POLITIE,
        edit_line(POLITIE, 2, "24,730", "１２"),
        f"{POLITIE}, row 2, column 'Hoeveelheid': found '１２', expected a number written as 1.234,5; the "
        "digits are not 0-9: write 12",
    ),
    Case(
        "decimal point in the quantity of a records file",
        POLITIE,
        edit_line(POLITIE, 2, "24,730", "24.73"),
        f"{POLITIE}, row 2, column 'Hoeveelheid': found '24.73', expected a number written as 1.234,5; this "
        "looks like a decimal point: write 24,73",
    ),
    Case(
        "unit written in the quantity of a records file",
        POLITIE,
        edit_line(POLITIE, 5, "16,999;kg", "16,999 kg;kg"),
        f"{POLITIE}, row 5, column 'Hoeveelheid': found '16,999 kg', expected a number written as 1.234,5; "
        "the unit goes in column 'Eenheid': write 16,999",
    ),
    Case(
        "unit the records source does not list",
        POLITIE,
        edit_line(POLITIE, 2, ";kg", ";ons"),
        f"{POLITIE}, row 2, column 'Eenheid': found 'ons', expected a unit of ['g', 'gram', 'kg', "
        "'kilogram']; correct the unit, or add it to 'units' of source inbeslagnames in data/sources.yml "
        "with its size in kg",
    ),
    Case(
        "misspelt unit in a records file",
        POLITIE,
        edit_line(POLITIE, 2, ";kg", ";kgs"),
        f"{POLITIE}, row 2, column 'Eenheid': found 'kgs', expected a unit of ['g', 'gram', 'kg', "
        "'kilogram']; did you mean 'kg'? Correct the unit, or add it to 'units' of source inbeslagnames in "
        "data/sources.yml with its size in kg",
    ),
    Case(
        "date with slashes in a records file",
        POLITIE,
        edit_line(POLITIE, 2, "01-01-2012", "01/01/2012"),
        f"{POLITIE}, row 2, column 'Datum': found '01/01/2012', expected a date like 01-03-2024; the date is "
        "written as %d/%m/%Y: write 01-01-2012, or set 'date_format' of source inbeslagnames in "
        "data/sources.yml (now '%d-%m-%Y') when the file writes every date so",
    ),
    Case(
        "impossible date in a records file",
        POLITIE,
        edit_line(POLITIE, 2, "01-01-2012", "31-02-2012"),
        f"{POLITIE}, row 2, column 'Datum': found '31-02-2012', expected a date like 01-03-2024; there is no "
        "such day; dates are read as '%d-%m-%Y' ('date_format' of source inbeslagnames in data/sources.yml)",
    ),
    Case(
        "renamed column in a records file",
        POLITIE,
        edit_line(POLITIE, 1, "Hoeveelheid", "Hoeveelheid (kg)"),
        f"{POLITIE}, row 1, column 'Hoeveelheid (kg)': found 'Hoeveelheid (kg)', expected a column "
        "'Hoeveelheid'; did you mean 'Hoeveelheid'? Rename the column, or change 'columns' of source "
        "inbeslagnames in data/sources.yml",
    ),
]


def _check_untouched(
    root: Path, before_raw: dict[str, bytes], before_clean: dict[str, bytes], mutated: str, written: bytes
) -> None:
    raw_now = _snapshot(root / "data" / "raw")
    name = str(Path(mutated).relative_to("data/raw")) if mutated.startswith("data/raw/") else None
    assert set(raw_now) == set(before_raw), "the clean stage added or removed raw files"
    for rel, data in raw_now.items():
        assert data == (written if rel == name else before_raw[rel]), f"data/raw/{rel} was changed"
    clean_now = _snapshot(root / "data" / "clean")
    assert clean_now.keys() == before_clean.keys(), "data/clean gained or lost files"
    for rel, data in clean_now.items():
        assert data == before_clean[rel], f"data/clean/{rel} was changed by a failing run"


@pytest.mark.parametrize(
    "case",
    [
        pytest.param(c, id=c.kind, marks=[pytest.mark.xfail(reason=c.xfail, strict=False)] if c.xfail else [])
        for c in CASES
    ],
)
def test_bad_raw_input_gives_a_precise_message_and_changes_nothing(case: Case, project: Path):
    before_raw = _snapshot(project / "data" / "raw")
    before_clean = _snapshot(project / "data" / "clean")
    case.mutate(project)
    written = (project / case.file).read_bytes()
    assert written != before_raw.get(str(Path(case.file).relative_to("data/raw"))), "the case changed nothing"

    with pytest.raises(CleanFailed) as failed:
        clean(Project(project))

    message = str(failed.value)
    problems = [str(p) for p in failed.value.problems]
    assert any(p.startswith(case.expect) for p in problems), "\n".join(
        ["no problem starts with:", case.expect, "problems:", *problems]
    )
    assert f"  - {case.expect}" in message
    assert {p.file for p in failed.value.problems} == {case.file}, "a problem names another file"
    _check_untouched(project, before_raw, before_clean, case.file, written)


def test_the_suite_covers_at_least_30_kinds_of_bad_input():
    assert len({c.kind for c in CASES}) == len(CASES) >= 30


# -- data/sources.yml ----------------------------------------------------------------------------


def _edit_sources(root: Path, old: str, new: str) -> None:
    path = root / SOURCES
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize(
    ("old", "new", "expect"),
    [
        (
            "    encoding: cp1252\n",
            '    encoding: cp1252\n    decimals: ","\n',
            "  - sources.trimbos_dims.decimals: Extra inputs are not permitted; did you mean 'decimal'?",
        ),
        (
            '    layout: long\n    delimiter: ";"\n    columns: {Jaar: year, Rechtshulpverzoeken: value}',
            '    layout: longg\n    delimiter: ";"\n    columns: {Jaar: year, Rechtshulpverzoeken: value}',
            "  - sources.luris.layout: Input should be 'long', 'wide' or 'records' (found 'longg')",
        ),
        (
            "    encoding: cp1252\n",
            "    encoding: windows-1252x\n",
            "  - sources.trimbos_dims.encoding: Value error, not a text encoding Python knows; use e.g. "
            "utf-8 or cp1252 (found 'windows-1252x')",
        ),
        (
            '    layout: long\n    delimiter: ";"\n    columns: {Jaar: year, Rechtshulpverzoeken: value}',
            '    layout: long\n    delimiter: ";"\n    layout: wide\n    columns: {Jaar: year, '
            "Rechtshulpverzoeken: value}",
            ": not valid YAML: key 'layout' appears twice in one entry (also on line ",
        ),
        (
            '"Prijs per gram (euro)": {indicator: straatprijzen, measure: prijs_gram}',
            '"Prijs per gram (euro)": {indicator: straatprijzen, measure: prijs_gr}',
            "data/sources.yml, source trimbos_dims, measures 'Prijs per gram (euro)': "
            "straatprijzen/prijs_gr is not a measure in data/indicators.yml; did you mean 'prijs_gram'?",
        ),
        (
            "aggregate: {indicator: inbeslagnames_nl,",
            "aggregate: {indicator: inbeslagnames,",
            "data/sources.yml, source inbeslagnames, aggregate: 'inbeslagnames' is not an indicator in "
            "data/indicators.yml; did you mean 'inbeslagnames_nl'?",
        ),
    ],
    ids=[
        "unknown key",
        "unknown layout",
        "unknown encoding",
        "key twice",
        "unknown measure",
        "unknown indicator",
    ],
)
def test_an_invalid_sources_yml_names_the_source(project: Path, old: str, new: str, expect: str):
    before_raw = _snapshot(project / "data" / "raw")
    before_clean = _snapshot(project / "data" / "clean")
    _edit_sources(project, old, new)
    with pytest.raises(MonitorError) as failed:
        clean(Project(project))
    assert expect in str(failed.value), str(failed.value)
    assert _snapshot(project / "data" / "raw") == before_raw
    assert _snapshot(project / "data" / "clean") == before_clean


# -- several faults, rejections, warnings, the command line ---------------------------------------


def test_all_faults_of_a_run_are_reported_together(project: Path):
    before_clean = _snapshot(project / "data" / "clean")
    edit_line(DIMS, 7, "16,6", "n.b.", "cp1252")(project)
    edit_line(DIMS, 2, "Cocaïne", "cokes", "cp1252")(project)
    edit_bytes(LURIS, lambda b: b"")(project)  # a whole-file fault does not hide the row faults
    edit_line(POLITIE, 2, ";kg", ";pond")(project)
    with pytest.raises(CleanFailed) as failed:
        clean(Project(project))
    message = str(failed.value)
    assert message.startswith("4 problem(s) in the raw data; data/clean was not changed:")
    for part in (
        f"{DIMS}, row 2, column 'Middel': found 'cokes'",
        f"{DIMS}, row 7, column 'Waarde': found 'n.b.'",
        f"{LURIS}: expected a CSV file with a header row",
        f"{POLITIE}, row 2, column 'Eenheid'",
    ):
        assert part in message
    assert _snapshot(project / "data" / "clean") == before_clean
    rejected = (project / "_logs" / "rejected.csv").read_text(encoding="utf-8")
    assert f"{DIMS},,7,Waarde,n.b.," in rejected


def test_allow_rejections_writes_the_clean_data_without_the_bad_row(project: Path):
    edit_line(DIMS, 7, "16,6", "n.b.", "cp1252")(project)
    result = clean(Project(project), allow_rejections=True)
    assert result.written
    obs = result.observations
    wiet = obs[(obs.indicator == "zuiverheid") & (obs.measure == "gehalte") & (obs.market == "wiet")]
    assert 2013 not in set(wiet.year) and {2012, 2014} <= set(wiet.year)
    rejected = list(csv.DictReader((project / "data" / "clean" / "rejected.csv").open(encoding="utf-8")))
    assert [(r["file"], r["row"], r["column"], r["value"]) for r in rejected] == [
        (DIMS, "7", "Waarde", "n.b.")
    ]
    assert rejected[0]["reason"].startswith("a number written as 1.234,5 (decimal comma)")
    manifest = {r["file"]: r for r in csv.DictReader((project / "data" / "clean" / "manifest.csv").open())}
    assert manifest[DIMS]["rows_rejected"] == "1"


WHOLE_FILE_FAULTS = {
    c.kind: c
    for c in CASES
    if c.kind
    in (
        "empty file",
        "utf8 file where cp1252 is declared",
        "UTF-8 byte-order mark before cp1252 text",
        "missing column",
        "wrong delimiter",
        "merged header cells changed",
        "truncated xlsx",
        "missing sheet (did you mean)",
        "missing column in a records file",
        "truncated CSV (last line cut mid-row)",
        "truncated CSV (cut inside a quoted number)",
    )
}


@pytest.mark.parametrize("case", WHOLE_FILE_FAULTS.values(), ids=WHOLE_FILE_FAULTS.keys())
def test_allow_rejections_does_not_pass_a_file_that_cannot_be_read(case: Case, project: Path):
    before_clean = _snapshot(project / "data" / "clean")
    case.mutate(project)
    with pytest.raises(CleanFailed) as failed:
        clean(Project(project), allow_rejections=True)
    assert f"  - {case.expect}" in str(failed.value)
    assert _snapshot(project / "data" / "clean") == before_clean


def test_allow_rejections_covers_whole_file_faults_of_every_kind():
    assert len(WHOLE_FILE_FAULTS) == 11


def test_a_file_that_no_source_reads_is_a_warning(project: Path):
    (project / "data" / "raw" / "trimbos" / "notities.csv").write_text("iets;anders\n", encoding="utf-8")
    result = clean(Project(project))
    assert result.written
    assert (
        "data/raw/trimbos/notities.csv: warning: no source in data/sources.yml reads this file; it is not "
        "used" in [str(w) for w in result.warnings]
    )


def test_cli_exits_1_on_errors_and_0_with_warnings(project: Path):
    from typer.testing import CliRunner

    from report.cli import app

    runner = CliRunner()
    ok = runner.invoke(app, ["clean", "--root", str(project)])
    assert ok.exit_code == 0, ok.output
    assert "Warning:" in ok.output and "changed +127% from 2019 to 2020" in ok.output

    edit_line(WODC, 2, "2012,12", "2012,-12")(project)
    bad = runner.invoke(app, ["clean", "--root", str(project)])
    assert bad.exit_code == 1
    assert "Error:" in bad.output
    assert (
        f"{WODC}, row 2, column 'aantal_liquidaties': found '-12', expected a value of 0 or more"
        in " ".join(bad.output.split())
    )

    allowed = runner.invoke(app, ["clean", "--root", str(project), "--allow-rejections"])
    assert allowed.exit_code == 0, allowed.output
    assert "rejected" in allowed.output
