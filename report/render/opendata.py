"""Open data: the report's tables as CSV files, one accessible XLSX workbook and a Data Package.

Reads ``_generated/gegevens/tabellen.json`` (written by the build stage: every appendix table
as numbers with their CBS marks) and writes into one folder:

* ``<table id>.csv`` — one per table, UTF-8, comma-separated, decimal point; one row per year
  and drug market (or region): ``jaar``, ``drugsmarkt``/``regio``, ``waarde (<eenheid>)``,
  ``symbool`` (CBS: ``*`` voorlopig, ``.`` gegevens ontbreken), ``reeksbreuk``, ``herzien``;
* ``<output stem>-tabellen.xlsx`` — the same tables, laid out after the UK Analysis Function's
  rules for releasing statistics in spreadsheets: a cover sheet, a contents sheet, a notes sheet
  with the caveats, a sheet with the CBS symbol legend, then one table per sheet; text in column
  A from A1 down, the table right under it (no blank rows, no merged cells), every table an Excel
  table with a marked header row, units in the headers;
* ``datapackage.json`` — a Frictionless Data Package with a Table Schema per CSV.

The numbers in the CSV and XLSX are the same (rounded to the unit's decimals as in the report).
Output is deterministic: fixed timestamps inside the XLSX (the book date).
"""

from __future__ import annotations

import csv
import datetime as _dt
import io
import json
import re
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from report.errors import MonitorError

TABLES_JSON = Path("_generated") / "gegevens" / "tabellen.json"
DATAPACKAGE = "datapackage.json"

# The CBS symbol legend (as in the report's tables).
SYMBOLS = (
    (".", "gegevens ontbreken"),
    ("*", "voorlopig cijfer"),
    ("x", "geheim"),
    ("–", "nihil"),
)


@dataclass(frozen=True)
class OpenTable:
    """One table as it is published: id, title, column names and rows of text cells."""

    id: str
    title: str
    unit: str
    decimals: int
    source: str
    caveats: list[str]
    quality: str
    lower_bound: bool
    key: str  # "drugsmarkt" or "regio"
    header: list[str]
    rows: list[list[str]]  # as in the CSV

    @property
    def csv_name(self) -> str:
        return f"{self.id}.csv"

    @property
    def value_header(self) -> str:
        return f"waarde ({self.unit})"


@dataclass(frozen=True)
class OpenData:
    folder: Path
    tables: list[OpenTable]
    xlsx: Path
    datapackage: Path

    def files(self) -> list[Path]:
        return [self.folder / t.csv_name for t in self.tables] + [self.xlsx, self.datapackage]


# ==========================================================================================


def load_tables(root: Path, path: Path | None = None) -> tuple[dict, list[OpenTable]]:
    """The tables of ``_generated/gegevens/tabellen.json`` (or of ``path``: the same file in
    a build not yet in place) with their cells as published."""
    path = Path(path) if path is not None else Path(root) / TABLES_JSON
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise MonitorError(
            f"{path} ontbreekt: voer eerst `monitor build` uit (schrijft de tabellen als gegevens)"
        ) from None
    except ValueError as exc:
        raise MonitorError(f"{path}: geen geldige JSON ({exc})") from exc
    tables = []
    seen: set[str] = set()
    for i, t in enumerate(data.get("tabellen") or []):
        where = f"{path}, tabel {i + 1}"
        try:
            tid, decimals, key = str(t["id"]), int(t["decimalen"]), str(t["kolomsoort"])
            rows_in = t["rijen"]
        except (KeyError, TypeError, ValueError) as exc:
            raise MonitorError(f"{where}: veld {exc} ontbreekt of is onjuist") from exc
        if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", tid) or tid in seen:
            raise MonitorError(f"{where}: id {tid!r} is geen unieke naam van kleine letters, cijfers en '-'")
        seen.add(tid)
        rows = []
        for j, r in enumerate(rows_in):
            value = r.get("waarde")
            if value is None:
                shown, symbol = "", "."
            else:
                try:
                    shown = f"{float(value):.{decimals}f}"
                except (TypeError, ValueError):
                    raise MonitorError(f"{where}, rij {j + 1}: waarde {value!r} is geen getal") from None
                symbol = "*" if r.get("voorlopig") else ""
            rows.append(
                [
                    str(int(r["jaar"])),
                    str(r["kolom"]),
                    shown,
                    symbol,
                    "1" if r.get("reeksbreuk") else "0",
                    "1" if r.get("herzien") else "0",
                ]
            )
        unit = str(t.get("eenheid") or "")
        tables.append(
            OpenTable(
                id=tid,
                title=str(t["titel"]),
                unit=unit,
                decimals=decimals,
                source=str(t.get("bron") or ""),
                caveats=[str(c) for c in t.get("kanttekeningen") or []],
                quality=str(t.get("kwaliteit") or ""),
                lower_bound=bool(t.get("ondergrens")),
                key=key,
                header=["jaar", key, f"waarde ({unit})", "symbool", "reeksbreuk", "herzien"],
                rows=rows,
            )
        )
    return data, tables


def write_open_data(book: Any, out_dir: Path, tables_path: Path | None = None) -> OpenData:
    """Write the CSVs, the XLSX and ``datapackage.json`` of ``book`` into ``out_dir`` (the
    tables of ``tables_path`` when given, else of the book's _generated/)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    meta, tables = load_tables(book.root, tables_path)
    if not tables:
        raise MonitorError(f"{tables_path or Path(book.root) / TABLES_JSON}: bevat geen tabellen")
    for t in tables:
        buf = io.StringIO(newline="")
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(t.header)
        writer.writerows(t.rows)
        (out_dir / t.csv_name).write_text(buf.getvalue(), encoding="utf-8", newline="")
    xlsx = out_dir / xlsx_name(book)
    _write_xlsx(book, tables, xlsx)
    package = out_dir / DATAPACKAGE
    package.write_text(
        json.dumps(_datapackage(book, tables), ensure_ascii=False, indent=2, sort_keys=False) + "\n",
        encoding="utf-8",
    )
    return OpenData(out_dir, tables, xlsx, package)


# --- Data Package ---------------------------------------------------------------------------


def _datapackage(book: Any, tables: list[OpenTable]) -> dict:
    demo = f" {book.demo_notice}" if book.demo_notice else ""
    resources = []
    for t in tables:
        fields = [
            {"name": "jaar", "type": "integer", "description": "Jaar (verslagjaar)."},
            {
                "name": t.key,
                "type": "string",
                "description": "Drugsmarkt" if t.key == "drugsmarkt" else "Regio",
            },
            {
                "name": t.value_header,
                "type": "number",
                "description": f"Waarde in {t.unit}"
                + (" (ondergrens: ten minste)" if t.lower_bound else "")
                + "; leeg als het gegeven ontbreekt (symbool '.').",
            },
            {
                "name": "symbool",
                "type": "string",
                "description": "CBS-symbool: '*' voorlopig cijfer, '.' gegevens ontbreken; leeg: definitief.",
                "constraints": {"enum": ["*", "."]},
            },
            {
                "name": "reeksbreuk",
                "type": "boolean",
                "trueValues": ["1"],
                "falseValues": ["0"],
                "description": "1: een nieuwe reeks begint dit jaar (niet te vergelijken met eerdere jaren).",
            },
            {
                "name": "herzien",
                "type": "boolean",
                "trueValues": ["1"],
                "falseValues": ["0"],
                "description": "1: het cijfer is herzien sinds de vorige editie.",
            },
        ]
        resources.append(
            {
                "name": t.id,
                "path": t.csv_name,
                "title": t.title,
                "description": " ".join([f"Bron: {t.source}.", f"Kwaliteit: {t.quality}.", *t.caveats]),
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "profile": "tabular-data-resource",
                "dialect": {"delimiter": ",", "header": True},
                "schema": {"fields": fields, "missingValues": [""], "primaryKey": ["jaar", t.key]},
            }
        )
    return {
        "profile": "tabular-data-package",
        "name": re.sub(r"[^a-z0-9-]+", "-", book.output_stem.lower()),
        "title": f"{book.title} {book.edition}: tabellen",
        "description": (
            f"De tabellen van de {book.title} {book.edition} (bijlage Tabellen) als gegevens, "
            f"één CSV-bestand per tabel.{demo}"
        ),
        "version": str(book.edition),
        "created": f"{book.date}T00:00:00Z",
        "resources": resources,
    }


# --- XLSX -----------------------------------------------------------------------------------


def _sheet_name(i: int) -> str:
    return f"Tabel_{i}"


def xlsx_name(book: Any) -> str:
    """The workbook's file name (the site links to it before it is written)."""
    return f"{book.output_stem}-tabellen.xlsx"


def import_openpyxl() -> None:
    """Import openpyxl without numpy when nothing imported numpy yet: openpyxl imports it only
    to count numpy's numbers as numbers, and the workbook holds Python's own; numpy was ~0.13 s
    of a cold build's CPU (while the figures are drawn)."""
    if "openpyxl" in sys.modules or "numpy" in sys.modules:
        return
    sys.modules["numpy"] = None  # type: ignore[assignment]  # `import numpy` raises ImportError
    try:
        import openpyxl  # noqa: F401
    finally:
        del sys.modules["numpy"]


def _write_xlsx(book: Any, tables: list[OpenTable], path: Path) -> None:
    import_openpyxl()
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.worksheet.table import Table, TableStyleInfo

    wb = Workbook()
    bold = Font(bold=True)
    title_font = Font(bold=True, size=14)
    style = TableStyleInfo(name="TableStyleLight9", showRowStripes=True)

    def add_table(ws, first_row: int, header: list[str], rows: list[list[Any]], name: str) -> None:
        ws.append(header)
        for cell in ws[first_row]:
            cell.font = bold
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        for row in rows:
            ws.append(row)
        last = first_row + len(rows)
        ref = f"A{first_row}:{chr(ord('A') + len(header) - 1)}{last}"
        table = Table(displayName=name, ref=ref)
        table.tableStyleInfo = style
        ws.add_table(table)
        ws.freeze_panes = f"A{first_row + 1}"

    def text_lines(ws, lines: list[str]) -> int:
        for i, line in enumerate(lines):
            ws.cell(row=i + 1, column=1, value=line).font = title_font if i == 0 else Font()
        return len(lines) + 1

    title = f"{book.title} {book.edition}: tabellen"
    cover = wb.active
    cover.title = "Voorblad"
    lines = [
        title,
        f"Deze werkmap bevat de {len(tables)} tabellen van de bijlage Tabellen van de {book.title} "
        f"{book.edition}, één tabel per werkblad.",
        f"Publicatiedatum: {book.date_text}",
        f"Uitgever: {book.publisher}" if book.publisher else "",
        "Het werkblad Inhoud noemt de tabellen, met een koppeling naar elk werkblad.",
        "Het werkblad Toelichting geeft per tabel de bron, de kwaliteit en de kanttekeningen.",
        "Het werkblad Symbolen verklaart de CBS-symbolen in de kolom symbool.",
        "Dezelfde tabellen staan ook als CSV-bestanden met een beschrijving (datapackage.json).",
    ]
    if book.demo_notice:
        lines.insert(1, book.demo_notice)
    for i, line in enumerate(x for x in lines if x):
        cover.cell(row=i + 1, column=1, value=line).font = title_font if i == 0 else Font()
    cover.column_dimensions["A"].width = 110

    contents = wb.create_sheet("Inhoud")
    start = text_lines(contents, ["Inhoud", "Deze tabel heeft één rij per tabelblad, met een koppeling."])
    add_table(
        contents,
        start,
        ["Werkblad", "Titel", "Eenheid", "CSV-bestand"],
        [[_sheet_name(i + 1), t.title, t.unit, t.csv_name] for i, t in enumerate(tables)],
        "Inhoud",
    )
    for i in range(len(tables)):
        cell = contents.cell(row=start + 1 + i, column=1)
        cell.hyperlink = f"#'{_sheet_name(i + 1)}'!A1"
        cell.style = "Hyperlink"
    for col, width in zip("ABCD", (12, 90, 18, 40), strict=True):
        contents.column_dimensions[col].width = width

    notes = wb.create_sheet("Toelichting")
    start = text_lines(
        notes,
        [
            "Toelichting",
            "Deze tabel heeft één rij per kanttekening; de bron en de kwaliteit staan bij elke tabel.",
        ],
    )
    note_rows = []
    for i, t in enumerate(tables):
        sheet = _sheet_name(i + 1)
        note_rows.append([sheet, t.title, f"Bron: {t.source}"])
        note_rows.append([sheet, t.title, f"Kwaliteit: {t.quality}"])
        if t.lower_bound:
            note_rows.append([sheet, t.title, "De cijfers zijn een ondergrens (ten minste)."])
        note_rows += [[sheet, t.title, c] for c in t.caveats]
    add_table(notes, start, ["Werkblad", "Tabel", "Toelichting"], note_rows, "Toelichting")
    for col, width in zip("ABC", (12, 60, 110), strict=True):
        notes.column_dimensions[col].width = width

    legend = wb.create_sheet("Symbolen")
    start = text_lines(legend, ["Symbolen", "De CBS-symbolen die in de kolom symbool kunnen staan."])
    add_table(legend, start, ["Symbool", "Betekenis"], [list(s) for s in SYMBOLS], "Symbolen")
    legend.column_dimensions["B"].width = 30

    number_format = {0: "#,##0"}
    for i, t in enumerate(tables):
        ws = wb.create_sheet(_sheet_name(i + 1))
        start = text_lines(
            ws,
            [
                t.title,
                f"Eenheid: {t.unit}" + (" (ondergrens: ten minste)" if t.lower_bound else ""),
                f"Bron: {t.source}",
                "Een lege waarde heeft het symbool '.' (gegevens ontbreken); '*' is een voorlopig cijfer. "
                "Reeksbreuk en herzien: 1 = ja, 0 = nee. Kanttekeningen: werkblad Toelichting.",
            ],
        )
        rows = []
        for r in t.rows:
            value: float | int | None = None
            if r[2] != "":
                value = int(r[2]) if t.decimals == 0 else float(r[2])
            rows.append([int(r[0]), r[1], value, r[3] or None, int(r[4]), int(r[5])])
        add_table(ws, start, t.header, rows, f"T{i + 1}")
        fmt = number_format.get(t.decimals, "#,##0." + "0" * t.decimals)
        for row in ws.iter_rows(min_row=start + 1, min_col=3, max_col=3):
            for cell in row:
                cell.number_format = fmt
        for col, width in zip("ABCDEF", (8, 34, 22, 10, 12, 10), strict=True):
            ws.column_dimensions[col].width = width

    when = _dt.datetime.fromisoformat(f"{book.date}T00:00:00")
    wb.properties.creator = book.publisher or book.title
    wb.properties.title = title
    wb.properties.language = "nl-NL"
    wb.properties.created = when
    wb.properties.modified = when
    buf = io.BytesIO()
    wb.save(buf)
    _fixed_zip(buf.getvalue(), path, (when.year, when.month, when.day, 0, 0, 0))


def _fixed_zip(data: bytes, path: Path, date_time: tuple) -> None:
    """Rewrite the zip with a fixed timestamp per entry: the same tables give the same bytes."""
    src = zipfile.ZipFile(io.BytesIO(data))
    tmp = path.with_name(path.name + ".tmp")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=date_time)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":  # openpyxl stamps the time of saving there
                stamp = "{:04d}-{:02d}-{:02d}T00:00:00Z".format(*date_time[:3]).encode()
                data = re.sub(
                    rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                    rb"\g<1>" + stamp + rb"\g<2>",
                    data,
                )
            out.writestr(fixed, data)
    tmp.replace(path)


__all__ = ["OpenData", "OpenTable", "SYMBOLS", "load_tables", "write_open_data"]
