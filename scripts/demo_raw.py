"""Write the fictitious demo data as the sources would deliver them (data/raw/<source>/...).

Each file has its supplier's shape: an Excel workbook with a title row and a two-row header,
a semicolon CSV with decimal commas in Windows-1252, a CBS StatLine CSV with symbols, English
EMCDDA-style tables, record-level seizure files per agency. Cleaning these files must give
exactly the clean demo data (tests/test_clean.py compares).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections import defaultdict
from pathlib import Path

import numpy as np

FIRST, LAST = 2012, 2024
SPAN = f"{FIRST}-{LAST}"
NOTICE = "Fictieve demonstratiegegevens"

# How sources name markets and regions (their own words; the registry's synonyms map them).
CBS_DRUGS = {
    "cannabis": "Cannabis",
    "cocaine": "Cocaïne",
    "xtc": "XTC",
    "amfetamine": "Amfetamine",
    "heroine": "Heroïne",
}
CBS_LISTS = {"harddrugs": "Harddrugs (lijst I)", "softdrugs": "Softdrugs (lijst II)"}
DIMS_DRUGS = {
    "cocaine": "Cocaïne",
    "wiet": "Nederwiet",
    "hasj": "Hasj",
    "xtc": "XTC",
    "amfetamine": "Amfetamine",
}
DIMS_MEASURES = {
    ("zuiverheid", "gehalte"): "Gehalte werkzame stof (%)",
    ("zuiverheid", "mdma_per_tablet"): "MDMA per tablet (mg)",
    ("straatprijzen", "prijs_gram"): "Prijs per gram (euro)",
    ("straatprijzen", "prijs_tablet"): "Prijs per tablet (euro)",
}
EN_DRUGS = {
    "cocaine": "Cocaine",
    "cannabis": "Cannabis",
    "heroine": "Heroin",
    "xtc": "MDMA",
    "amfetamine": "Amphetamine",
    "overig": "Methamphetamine",
}
EN_CITIES = {
    "amsterdam": "Amsterdam",
    "rotterdam": "Rotterdam",
    "utrecht": "Utrecht",
    "eindhoven": "Eindhoven",
    "den_haag": "The Hague",
}
MUNICIPALITIES = [
    "Amsterdam",
    "Rotterdam",
    "Den Haag",
    "Utrecht",
    "Eindhoven",
    "Tilburg",
    "Groningen",
    "Breda",
    "Nijmegen",
    "Enschede",
    "Venlo",
    "Heerlen",
]


def nl(value: float, decimals: int) -> str:
    """1234.5 → '1234,5' (decimal comma, no thousands separator, as most exports write it)."""
    return f"{value:.{decimals}f}".replace(".", ",")


def en_thousands(value: float, decimals: int) -> str:
    return f"{value:,.{decimals}f}"


def year_label(year: int, provisional: bool) -> str:
    return f"{year}*" if provisional else str(year)


def _csv(rows: list[list[object]], delimiter: str = ",", quoting=csv.QUOTE_MINIMAL) -> str:
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter, lineterminator="\r\n", quoting=quoting).writerows(rows)
    return buf.getvalue()


def _write(path: Path, text: str, encoding: str = "utf-8") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode(encoding))


def _xlsx(
    path: Path, sheets: dict[str, list[list[object]]], merges: dict[str, list[str]] | None = None
) -> None:
    """A workbook with fixed metadata, so the same data give the same bytes."""
    import openpyxl

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
        for rng in (merges or {}).get(name, []):
            ws.merge_cells(rng)
    fixed = dt.datetime(2025, 3, 1)
    wb.properties.created = fixed
    wb.properties.modified = fixed
    wb.properties.creator = "monitor demo-data"
    path.parent.mkdir(parents=True, exist_ok=True)
    buf = io.BytesIO()
    wb.save(buf)
    path.write_bytes(_normalise_zip(buf.getvalue()))


def _normalise_zip(data: bytes) -> bytes:
    """Rewrite a zip with fixed timestamps (openpyxl stamps the current time)."""
    import zipfile

    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            payload = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                # openpyxl stamps the save time as 'modified' whatever the properties say.
                payload = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>2025-03-01T00:00:00Z", payload)
            zi = zipfile.ZipInfo(info.filename, date_time=(2025, 3, 1, 0, 0, 0))
            zi.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(zi, payload)
    return out.getvalue()


def _write_records(path: Path, header, recs, folder, name, prefix, place, drug_names) -> None:
    """One agency's seizure records, numbered per year, dated as the agency writes dates."""
    out = [header]
    seq: dict[int, int] = defaultdict(int)
    for r in sorted(recs, key=lambda r: (r["year"], r["day"], r["market"], r["grams"])):
        seq[r["year"]] += 1
        date = dt.date(r["year"], 1, 1) + dt.timedelta(days=r["day"])
        grams = r["grams"]
        qty, unit = (str(grams), "g") if grams < 1000 else (nl(grams / 1000, 3), "kg")
        out.append(
            [
                f"{prefix}-{r['year']}-{seq[r['year']]:05d}",
                date.strftime("%d-%m-%Y"),
                place,
                name,
                drug_names[folder][r["market"]],
                qty,
                unit,
            ]
        )
    _write(path, _csv(out, ";"))


def write_raw(
    raw: Path,
    rows: list[dict],
    records: list[dict],
    agencies,
    drug_names,
    seed: int,
    description: str,
    last: int = LAST,
) -> None:
    """The raw deliveries up to `last`. After LAST, each table file (a whole series) replaces the
    one of LAST; the seizure records of each later year come in a file of their own."""
    rng = np.random.default_rng(seed + 2)
    years = range(FIRST, last + 1)
    span = f"{FIRST}-{last}"
    for old in sorted(raw.rglob(f"*_{FIRST}-[0-9][0-9][0-9][0-9].*")):
        if not old.name.startswith("inbeslagnames_") and not old.stem.endswith(span):
            old.unlink()  # an earlier delivery of a whole series: the new one replaces it

    # -- Politie, KMar, Douane: one record-level file per agency ---------------------------
    header = ["Registratienummer", "Datum", "Plaats", "Dienst", "Middel", "Hoeveelheid", "Eenheid"]
    per_agency: dict[int, list] = defaultdict(list)
    for r in records:
        per_agency[r["agency"]].append(r)
    for idx, (folder, name, prefix, place) in enumerate(agencies):
        for label, part in [
            (SPAN, range(FIRST, LAST + 1)),
            *((str(y), [y]) for y in range(LAST + 1, last + 1)),
        ]:
            mine = [r for r in per_agency[idx] if r["year"] in part]
            _write_records(
                raw / folder / f"inbeslagnames_{folder}_{label}.csv",
                header,
                mine,
                folder,
                name,
                prefix,
                place,
                drug_names,
            )

    # -- Politie: dismantled production sites, Excel with a title row and two header rows ---
    s = rows_by(rows)
    cols = [
        ("hennepkwekerijen", "aantal", "wiet"),
        ("drugslabs", "aantal", "xtc"),
        ("drugslabs", "aantal", "amfetamine"),
        ("drugslabs", "aantal", "synthetisch_overig"),
        ("cocaine_extractie", "aantal", "cocaine"),
        ("drugsafvaldumpingen", "aantal", "synthetisch"),
    ]
    sheet = [
        [f"Ontmantelde productielocaties {FIRST}–{last} ({NOTICE})"],
        ["Jaar", "Hennepkwekerijen", "Drugslabs", None, None, "Cocaïne-extractie", "Dumpingen"],
        [None, "Aantal", "Xtc", "Amfetamine", "Overig", "Aantal", "Aantal"],
    ]
    for y in years:
        vals = [s.get((i, m, mk, "NL", y)) for i, m, mk in cols]
        prov = any(v and v["provisional"] for v in vals)
        sheet.append([year_label(y, prov) if prov else y] + [v["value"] if v else None for v in vals])
    sheet += [[], ["* voorlopig cijfer"], [f"Bron: Politie. {NOTICE}."]]
    _xlsx(
        raw / "politie" / f"ontmantelingen_{span}.xlsx",
        {"Ontmantelingen": sheet},
        {"Ontmantelingen": ["A2:A3", "C2:E2"]},
    )

    # -- OM: annual figures, two sheets --------------------------------------------------------
    afd = [[f"OM-afdoeningen Opiumwetzaken ({NOTICE})"], ["Jaar", "Harddrugs", "Softdrugs"]]
    ops = [
        [f"Opsporing georganiseerde drugscriminaliteit ({NOTICE})"],
        ["Jaar", "Opsporingsonderzoeken", "Verstoorde csv's"],
    ]
    for y in years:
        h, so = (
            s.get(("om_afdoeningen", "aantal", "harddrugs", "NL", y)),
            s.get(("om_afdoeningen", "aantal", "softdrugs", "NL", y)),
        )
        afd.append([year_label(y, h["provisional"]) if h["provisional"] else y, h["value"], so["value"]])
        o, c = (
            s.get(("opsporingsonderzoeken", "aantal", "alle", "NL", y)),
            s.get(("csv_verstoord", "aantal", "alle", "NL", y)),
        )
        prov = bool(c and c["provisional"])
        ops.append([year_label(y, prov) if prov else y, o["value"] if o else None, c["value"] if c else None])
    _xlsx(raw / "om" / f"om_jaarcijfers_{span}.xlsx", {"Afdoeningen": afd, "Opsporing": ops})

    # -- CBS StatLine CSVs with symbols ---------------------------------------------------------
    def statline(indicator, measure, names, value_header, decimals):
        out = [["Perioden", names[0], value_header]]
        for y in years:
            for market, label in names[1].items():
                r = s.get((indicator, measure, market, "NL", y))
                value = nl(r["value"], decimals) if r else "."
                out.append([year_label(y, bool(r and r["provisional"])), label, value])
        return _csv(out, ";", csv.QUOTE_ALL)

    _write(
        raw / "cbs" / f"statline_drugsgebruik_{span}.csv",
        statline("drugsgebruik", "laatste_jaar", ("Middelen", CBS_DRUGS), "Laatstejaarsgebruik (%)", 1),
    )
    _write(
        raw / "cbs" / f"statline_opiumwetmisdrijven_{span}.csv",
        statline(
            "delicten_opiumwet", "aantal", ("Soort", CBS_LISTS), "Geregistreerde misdrijven (aantal)", 0
        ),
    )

    # -- Trimbos: DIMS and THC-monitor, Windows-1252, semicolons, decimal commas ---------------
    out = [["Jaar", "Middel", "Meting", "Waarde"]]
    for (ind, meas), label in DIMS_MEASURES.items():
        dec = 1 if meas == "gehalte" else (0 if meas == "mdma_per_tablet" else 2)
        for y in years:
            for market, name in DIMS_DRUGS.items():
                r = s.get((ind, meas, market, "NL", y))
                if r:
                    out.append([year_label(y, r["provisional"]), name, label, nl(r["value"], dec)])
    _write(raw / "trimbos" / f"dims_thc_monitor_{span}.csv", _csv(out, ";"), "cp1252")

    # -- Antenne: wholesale prices, wide, UTF-8 with a byte-order mark --------------------------
    names = {"cocaine": "Cocaïne", "wiet": "Wiet", "hasj": "Hasj", "xtc": "Xtc", "amfetamine": "Amfetamine"}
    out = [["Jaar"] + [f"{n} (€/kg)" for n in names.values()]]
    for y in years:
        vals = [s[("groothandelsprijzen", "prijs", m, "NL", y)] for m in names]
        out.append([year_label(y, vals[0]["provisional"])] + [f"{v['value']:.0f}" for v in vals])
    _write(raw / "trimbos" / f"antenne_groothandelsprijzen_{span}.csv", "\ufeff" + _csv(out, ","))

    # -- Groot uitgaansonderzoek: availability, only some years ---------------------------------
    out = [["Jaar", "Middel", "Makkelijk verkrijgbaar (%)"]]
    for y in years:
        r = s.get(("beschikbaarheid", "makkelijk_verkrijgbaar", "cocaine", "NL", y))
        if r:
            out.append([year_label(y, r["provisional"]), "Cocaïne", nl(r["value"], 1)])
    _write(raw / "trimbos" / f"uitgaansonderzoek_beschikbaarheid_{span}.csv", _csv(out, ";"))

    # -- EMCDDA: Belgian seizures, English, thousands separators ---------------------------------
    out = [["Country", "Year", "Drug", "Quantity seized (kg)"]]
    for y in years:
        for m in ("cocaine", "cannabis", "heroine"):
            r = s[("inbeslagnames_belgie", "kg", m, "BE", y)]
            out.append(["Belgium", year_label(y, r["provisional"]), EN_DRUGS[m], en_thousands(r["value"], 0)])
    _write(raw / "emcdda" / f"seizures_belgium_{span}.csv", _csv(out, ","))

    # -- KWR: wastewater per city, English --------------------------------------------------------
    out = [["City", "Year", "Substance", "Mean daily load (mg/1000 inhabitants/day)"]]
    for y in years:
        for region, city in EN_CITIES.items():
            for m in ("cocaine", "xtc", "amfetamine", "overig"):
                r = s.get(("afvalwater", "concentratie", m, region, y))
                if r:
                    out.append([city, year_label(y, r["provisional"]), EN_DRUGS[m], f"{r['value']:.1f}"])
    _write(raw / "kwr" / f"wastewater_city_loads_{span}.csv", _csv(out, ","))

    # -- WODC, LURIS: small CSVs -------------------------------------------------------------------
    out = [["jaar", "aantal_liquidaties"]]
    for y in years:
        r = s[("liquidaties", "aantal", "alle", "NL", y)]
        out.append([year_label(y, r["provisional"]), r["value"]])
    _write(raw / "wodc" / f"liquidaties_{span}.csv", _csv(out, ","))
    out = [["Jaar", "Rechtshulpverzoeken"]]
    for y in years:
        r = s.get(("rechtshulpverzoeken", "aantal", "alle", "NL", y))
        if r:
            out.append([year_label(y, r["provisional"]), r["value"]])
    _write(raw / "luris" / f"rechtshulpverzoeken_{span}.csv", _csv(out, ";"))

    # -- CJIB: amounts in euros, two title rows -------------------------------------------------------
    sheet = [
        [f"Ontnemingen en incasso ({NOTICE})"],
        ["Bedragen in euro"],
        ["Jaar", "Opgelegd (euro)", "Geïnd (euro)"],
    ]
    for y in years:
        a, b = (
            s.get(("ontnemingen", "opgelegd", "alle", "NL", y)),
            s.get(("ontnemingen", "geind", "alle", "NL", y)),
        )
        if a:
            sheet.append(
                [
                    year_label(y, a["provisional"]) if a["provisional"] else y,
                    int(round(a["value"] * 1_000_000)),
                    int(round(b["value"] * 1_000_000)),
                ]
            )
    _xlsx(raw / "cjib" / f"ontnemingen_{span}.xlsx", {"Ontnemingen": sheet})

    # -- Municipalities: closures per municipality, summed by the monitor ----------------------------
    out = [["Gemeente", "Jaar", "Gesloten panden"]]
    for y in years:
        r = s.get(("gesloten_panden", "aantal", "alle", "NL", y))
        if not r:
            continue
        shares = rng.dirichlet(np.ones(len(MUNICIPALITIES)) * 2)
        parts = rng.multinomial(int(r["value"]), shares)
        for name, n in zip(MUNICIPALITIES, parts):
            out.append([name, year_label(y, r["provisional"]), int(n)])
    _write(raw / "gemeenten" / f"gesloten_panden_{span}.csv", _csv(out, ";"))

    _write(
        raw / "demo.yml",
        (
            "# Written by scripts/make_demo_data.py: these raw files are FICTITIOUS demo deliveries.\n"
            f"demo: true\ndescription: >-\n  {description}\n"
        ),
    )


def rows_by(rows: list[dict]) -> dict:
    return {(r["indicator"], r["measure"], r["market"], r["region"], r["year"]): r for r in rows}
