"""Write the FICTITIOUS demo data into data/clean/ (fixed seed: the same file every time).

The numbers are invented but plausible in size, and carry the irregularities the source study
describes: indicator 12 only in 2013, 2016 and 2020 and only for cocaine; wastewater for a
handful of cities; sparse series for the orange indicators; a provisional last year; a series
break; a missing year; a year in which not all police units delivered seizure data.

    python scripts/make_demo_data.py [--out data/clean]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

import pandas as pd  # noqa: E402

from report.observations import format_observations, metadata_text  # noqa: E402
from report.registry import load_registry  # noqa: E402

SEED = 20240601
FIRST, LAST = 2012, 2024

# (indicator, measure) → {market or region-market: (level in FIRST, yearly growth, noise)}.
# Levels are invented orders of magnitude, not real figures.
LEVELS: dict[tuple[str, str], dict[str, tuple[float, float, float]]] = {
    ("inbeslagnames_nl", "aantal"): {
        "cocaine": (1400, 0.03, 0.08),
        "wiet": (5200, -0.02, 0.07),
        "hasj": (900, -0.01, 0.1),
        "xtc": (700, 0.02, 0.1),
        "amfetamine": (650, 0.01, 0.1),
        "heroine": (420, -0.04, 0.1),
        "overig": (180, 0.06, 0.15),
    },
    ("inbeslagnames_nl", "kg"): {
        "cocaine": (10500, 0.13, 0.15),
        "wiet": (38000, -0.03, 0.12),
        "hasj": (9500, -0.02, 0.2),
        "xtc": (1900, 0.02, 0.25),
        "amfetamine": (2600, 0.04, 0.25),
        "heroine": (850, -0.03, 0.3),
        "overig": (240, 0.08, 0.35),
    },
    ("inbeslagnames_nl", "grote_partijen"): {
        "cocaine": (45, 0.08, 0.12),
        "wiet": (60, -0.02, 0.15),
        "hasj": (25, -0.01, 0.2),
        "xtc": (12, 0.02, 0.25),
        "amfetamine": (15, 0.03, 0.25),
        "heroine": (6, -0.02, 0.3),
        "overig": (3, 0.05, 0.4),
    },
    ("inbeslagnames_belgie", "kg"): {
        "cocaine": (5000, 0.18, 0.15),
        "cannabis": (21000, -0.02, 0.2),
        "heroine": (300, 0.0, 0.3),
    },
    ("hennepkwekerijen", "aantal"): {"wiet": (5800, -0.07, 0.05)},
    ("drugslabs", "aantal"): {
        "xtc": (28, 0.04, 0.2),
        "amfetamine": (24, 0.02, 0.2),
        "synthetisch_overig": (9, 0.05, 0.3),
    },
    ("cocaine_extractie", "aantal"): {"cocaine": (5, 0.12, 0.25)},
    ("drugsafvaldumpingen", "aantal"): {"synthetisch": (130, 0.03, 0.15)},
    ("groothandelsprijzen", "prijs"): {
        "cocaine": (29000, 0.01, 0.04),
        "wiet": (4200, 0.02, 0.05),
        "hasj": (3300, 0.01, 0.05),
        "xtc": (1900, -0.01, 0.06),
        "amfetamine": (1300, 0.0, 0.06),
    },
    ("zuiverheid", "gehalte"): {
        "cocaine": (58.0, 0.015, 0.03),
        "wiet": (16.5, 0.0, 0.03),
        "hasj": (17.0, 0.02, 0.04),
        "amfetamine": (46.0, 0.0, 0.05),
    },
    ("zuiverheid", "mdma_per_tablet"): {"xtc": (120, 0.03, 0.05)},
    ("straatprijzen", "prijs_gram"): {
        "cocaine": (50.0, 0.005, 0.02),
        "wiet": (8.8, 0.02, 0.02),
        "hasj": (9.6, 0.015, 0.02),
        "amfetamine": (10.5, 0.0, 0.03),
    },
    ("straatprijzen", "prijs_tablet"): {"xtc": (4.9, 0.0, 0.03)},
    ("drugsgebruik", "laatste_jaar"): {
        "cannabis": (7.6, 0.01, 0.03),
        "cocaine": (1.4, 0.05, 0.05),
        "xtc": (2.0, 0.04, 0.05),
        "amfetamine": (0.9, 0.01, 0.06),
        "heroine": (0.1, 0.0, 0.1),
    },
    ("afvalwater", "concentratie"): {
        "cocaine": (450.0, 0.06, 0.08),
        "xtc": (60.0, 0.04, 0.1),
        "amfetamine": (110.0, 0.02, 0.1),
        "overig": (8.0, 0.05, 0.2),
    },
    ("beschikbaarheid", "makkelijk_verkrijgbaar"): {"cocaine": (41.0, 0.02, 0.03)},
    ("delicten_opiumwet", "aantal"): {
        "harddrugs": (9800, 0.01, 0.03),
        "softdrugs": (13500, -0.03, 0.03),
    },
    ("liquidaties", "aantal"): {"alle": (14, 0.0, 0.25)},
    ("opsporingsonderzoeken", "aantal"): {"alle": (520, 0.02, 0.06)},
    ("om_afdoeningen", "aantal"): {
        "harddrugs": (7800, 0.01, 0.04),
        "softdrugs": (8600, -0.03, 0.04),
    },
    ("csv_verstoord", "aantal"): {"alle": (150, 0.03, 0.1)},
    ("rechtshulpverzoeken", "aantal"): {"alle": (900, 0.04, 0.08)},
    ("ontnemingen", "opgelegd"): {"alle": (60.0, 0.04, 0.2)},
    ("ontnemingen", "geind"): {"alle": (32.0, 0.04, 0.2)},
    ("gesloten_panden", "aantal"): {"alle": (700, 0.06, 0.08)},
}

# Relative size of each city in the wastewater series (fictitious).
CITIES = {"amsterdam": 1.6, "rotterdam": 1.1, "utrecht": 0.9, "eindhoven": 1.0, "den_haag": 0.8}

# Which years exist (default: every year FIRST..LAST).
YEARS: dict[str, list[int]] = {
    "beschikbaarheid": [2013, 2016, 2020],
    "afvalwater": list(range(2016, LAST + 1)),
    "rechtshulpverzoeken": [2016, 2018, 2020, 2022, 2023, 2024],
    "ontnemingen": [2014, 2015, 2016, 2018, 2019, 2021, 2022, 2023, 2024],
    "gesloten_panden": [2017, 2019, 2021, 2023, 2024],
    "drugsgebruik": list(range(2015, LAST + 1)),
}
# Measured only now and then (seed: 2013, 2016 and 2020): no figures in the editions after LAST.
NOT_IN_LATER_YEARS = {"beschikbaarheid"}
# The one missing year in an otherwise annual series.
MISSING = {("opsporingsonderzoeken", 2018)}
# Den Haag joins the wastewater measurements later.
CITY_START = {"den_haag": 2019}
# The series break: a new way of registering Opium Act offences from 2019.
BREAK = ("delicten_opiumwet", 2019, 0.82, "Breuk in de reeks: nieuwe registratiewijze vanaf 2019.")
SEIZURE_NOTE = (
    2019,
    "In 2019 leverden vijf van de elf politie-eenheden gegevens aan; het cijfer is een ondergrens.",
)

DESCRIPTION = (
    f"Fictieve demonstratiegegevens, gemaakt door scripts/make_demo_data.py (vaste seed {SEED}). "
    "Ze lijken in orde van grootte op echte cijfers, maar zijn verzonnen."
)


def generate(registry_path: Path, last: int = LAST) -> list[dict]:
    """The clean demo rows up to `last`; the years after LAST come from their own random stream,
    so the demo up to LAST stays the same whatever `last` is."""
    registry = load_registry(registry_path)
    rng = np.random.default_rng(SEED)
    later = np.random.default_rng(SEED + last)
    rows: list[dict] = []
    for ind in registry.indicators:
        if ind.id == RECORDS_INDICATOR:
            continue  # aggregated from the generated seizure records, see seizure_records()
        years = YEARS.get(ind.id, list(range(FIRST, LAST + 1)))
        if ind.id not in NOT_IN_LATER_YEARS:
            years = [*years, *range(LAST + 1, last + 1)]
        for measure in ind.measures:
            unit = registry.unit_by_id[measure.unit]
            levels = LEVELS[(ind.id, measure.id)]
            for market in ind.markets_of(measure):
                level, growth, noise = levels[market]
                for region in ind.regions:
                    scale = CITIES.get(region, 1.0)
                    for year in years:
                        if (ind.id, year) in MISSING:
                            continue
                        if year < CITY_START.get(region, FIRST):
                            continue
                        t = year - FIRST
                        draw = rng if year <= LAST else later
                        value = level * scale * (1 + growth) ** t * draw.lognormal(0, noise)
                        if ind.id == "inbeslagnames_nl" and year == SEIZURE_NOTE[0]:
                            value *= 0.55  # fewer police units delivered
                        note = ""
                        brk = False
                        if ind.id == BREAK[0] and year >= BREAK[1]:
                            value *= BREAK[2]
                            brk = year == BREAK[1]
                            note = BREAK[3] if brk else ""
                        if ind.id == "inbeslagnames_nl" and year == SEIZURE_NOTE[0]:
                            note = SEIZURE_NOTE[1]
                        if unit.kind == "percentage":
                            value = min(value, 99.0)
                        value = round(value, unit.decimals)
                        if unit.kind == "count":
                            value = int(value)
                        rows.append(
                            {
                                "indicator": ind.id,
                                "measure": measure.id,
                                "market": market,
                                "region": region,
                                "year": year,
                                "value": value,
                                # The last year is provisional, as in a real first release.
                                "provisional": int(year == last),
                                "series_break": int(brk),
                                "note": note,
                            }
                        )
    rows += aggregate_records(registry, seizure_records(registry, last), last)
    if last > LAST:
        rows = _revised_in_later_delivery(rows, registry)
    rows.sort(key=lambda r: (r["indicator"], r["measure"], r["market"], r["region"], r["year"]))
    return rows


RECORDS_INDICATOR = "inbeslagnames_nl"
# Seizures per year (fictitious), median size in kg, and the share per agency
# (politie, kmar, douane): cocaine arrives mostly through the port.
SEIZURES = {
    "cocaine": (350, 0.05, 8.0, (0.35, 0.15, 0.50)),
    "wiet": (1300, -0.02, 5.0, (0.90, 0.03, 0.07)),
    "hasj": (225, -0.01, 6.0, (0.70, 0.10, 0.20)),
    "xtc": (175, 0.02, 2.0, (0.80, 0.15, 0.05)),
    "amfetamine": (160, 0.01, 3.0, (0.85, 0.05, 0.10)),
    "heroine": (105, -0.04, 1.5, (0.70, 0.15, 0.15)),
    "overig": (45, 0.06, 0.8, (0.75, 0.20, 0.05)),
}
AGENCIES = [
    ("politie", "Politie", "PL", "Elders"),
    ("kmar", "KMar", "KM", "Schiphol"),
    ("douane", "Douane", "DO", "Haven Rotterdam"),
]
# How each agency's file names the drugs (sources use their own words).
DRUG_NAMES = {
    "politie": {
        "cocaine": "Cocaïne",
        "wiet": "Nederwiet",
        "hasj": "Hasj",
        "xtc": "XTC",
        "amfetamine": "Amfetamine",
        "heroine": "Heroïne",
        "overig": "NPS",
    },
    "kmar": {
        "cocaine": "coke",
        "wiet": "wiet",
        "hasj": "hasj",
        "xtc": "MDMA",
        "amfetamine": "speed",
        "heroine": "heroïne",
        "overig": "crystal meth",
    },
    "douane": {
        "cocaine": "cocaine",
        "wiet": "marihuana",
        "hasj": "hashish",
        "xtc": "ecstasy",
        "amfetamine": "amphetamine",
        "heroine": "heroin",
        "overig": "NPS",
    },
}


def seizure_records(registry, last: int = LAST) -> list[dict]:
    """Individual seizures (fictitious): the raw data the seizure indicator is counted from."""
    records = _seizures(np.random.default_rng(SEED + 1), range(FIRST, LAST + 1))
    if last > LAST:
        records += _seizures(np.random.default_rng(SEED + 1 + last), range(LAST + 1, last + 1))
    return records


def _seizures(rng, years) -> list[dict]:
    records = []
    for market, (level, growth, median_kg, shares) in SEIZURES.items():
        for year in years:
            n = level * (1 + growth) ** (year - FIRST) * rng.lognormal(0, 0.08)
            if year == SEIZURE_NOTE[0]:
                n *= 0.55  # fewer police units delivered
            n = max(1, int(round(n)))
            sizes_g = np.maximum(1, np.round(rng.lognormal(np.log(median_kg * 1000), 1.6, n))).astype(int)
            agencies = rng.choice(len(AGENCIES), size=n, p=shares)
            days = rng.integers(0, 365, size=n)
            for size_g, agency, day in zip(sizes_g, agencies, days):
                records.append(
                    {
                        "market": market,
                        "year": year,
                        "grams": int(size_g),
                        "agency": int(agency),
                        "day": int(day),
                    }
                )
    return records


def aggregate_records(registry, records: list[dict], last: int = LAST) -> list[dict]:
    """Count, total kg and large seizures per market and year, as the indicator defines them."""
    ind = registry.indicator_by_id[RECORDS_INDICATOR]
    thresholds = ind.measure("grote_partijen").threshold_kg
    totals: dict[tuple[str, int], list[int]] = {}
    for r in records:
        t = totals.setdefault((r["market"], r["year"]), [0, 0, 0])
        limit = thresholds.get(r["market"], thresholds["default"]) * 1000
        t[0] += 1
        t[1] += r["grams"]
        t[2] += int(r["grams"] >= limit)
    rows = []
    for (market, year), (count, grams, large) in totals.items():
        values = {"aantal": count, "kg": (grams + 500) // 1000, "grote_partijen": large}
        for measure, value in values.items():
            rows.append(
                {
                    "indicator": RECORDS_INDICATOR,
                    "measure": measure,
                    "market": market,
                    "region": "NL",
                    "year": year,
                    "value": value,
                    "provisional": int(year == last),
                    "series_break": 0,
                    "note": SEIZURE_NOTE[1] if year == SEIZURE_NOTE[0] else "",
                }
            )
    return rows


def write(out_dir: Path, registry_path: Path, raw_dir: Path | None = None) -> None:
    """The clean demo data into out_dir and, with raw_dir, the raw deliveries they come from."""
    from demo_raw import write_raw

    registry = load_registry(registry_path)
    out_dir.mkdir(parents=True, exist_ok=True)
    rows = generate(registry_path)
    frame = pd.DataFrame(rows)
    (out_dir / "observations.csv").write_text(format_observations(frame, registry), encoding="utf-8")
    (out_dir / "metadata.yml").write_text(metadata_text(True, DESCRIPTION), encoding="utf-8")
    if raw_dir is not None:
        records = seizure_records(registry)
        write_raw(raw_dir, rows, records, AGENCIES, DRUG_NAMES, SEED, DESCRIPTION)
        write_previous_edition(raw_dir.parent / "edities" / str(LAST - 1), rows, registry)


def write_next_edition(root: Path, year: int) -> None:
    """Fictitious deliveries for the editions after LAST, up to `year`, into root/data/raw.

    Table sources deliver their whole series again (the new file replaces last year's); the
    agencies deliver the new year's seizure records in a file of their own. The previous
    edition's provisional figures become final, some with a new value (revisions).
    """
    from demo_raw import write_raw

    from report.errors import MonitorError

    registry_path = root / "data" / "indicators.yml"
    registry = load_registry(registry_path)
    if year <= LAST or registry.edition != year:
        raise MonitorError(
            f"demo-data --edition {year}: the shipped demo is edition {LAST}, data/editie.yml says "
            f"{registry.edition}; run `monitor edition start {registry.edition + 1}` first"
            if year > LAST
            else f"demo-data --edition {year}: the demo deliveries for {LAST} are `monitor demo-data`"
        )
    rows = generate(registry_path, year)
    records = seizure_records(registry, year)
    write_raw(root / "data" / "raw", rows, records, AGENCIES, DRUG_NAMES, SEED, DESCRIPTION, last=year)


# Values of the last shipped year that the next delivery brings differently (the final figure).
REVISED_LATER = [
    ("hennepkwekerijen", "aantal", "wiet", 0.97),
    ("drugsgebruik", "laatste_jaar", "cocaine", 1.06),
    ("om_afdoeningen", "aantal", "harddrugs", 1.03),
]


def _revised_in_later_delivery(rows: list[dict], registry) -> list[dict]:
    out = []
    for r in rows:
        for ind, meas, market, factor in REVISED_LATER:
            if (r["indicator"], r["measure"], r["market"], r["year"]) == (ind, meas, market, LAST):
                unit = registry.unit_by_id[registry.indicator_by_id[ind].measure(meas).unit]
                value = round(r["value"] * factor, unit.decimals)
                r = dict(r, value=int(value) if unit.kind == "count" else value)
        out.append(r)
    return out


# Series whose last two years the previous edition had differently (revised since):
# a provisional figure that became final, and a correction of an older year.
REVISED = [
    ("hennepkwekerijen", "aantal", "wiet", LAST - 1, 1.04),
    ("liquidaties", "aantal", "alle", LAST - 1, 0.9),
    ("groothandelsprijzen", "prijs", "cocaine", LAST - 2, 1.02),
]


def write_previous_edition(folder: Path, rows: list[dict], registry) -> None:
    """The frozen clean data of the previous edition (as `monitor freeze` keeps them)."""
    prev = []
    for r in rows:
        if r["year"] > LAST - 1:
            continue
        r = dict(r, provisional=int(r["year"] == LAST - 1))
        for ind, meas, market, year, factor in REVISED:
            if (r["indicator"], r["measure"], r["market"], r["year"]) == (ind, meas, market, year):
                unit = registry.unit_by_id[registry.indicator_by_id[ind].measure(meas).unit]
                value = round(r["value"] * factor, unit.decimals)
                r["value"] = int(value) if unit.kind == "count" else value
        prev.append(r)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "observations.csv").write_text(
        format_observations(pd.DataFrame(prev), registry), encoding="utf-8"
    )
    (folder / "metadata.yml").write_text(metadata_text(True, DESCRIPTION), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "data" / "clean")
    parser.add_argument("--raw", type=Path, default=ROOT / "data" / "raw")
    parser.add_argument("--registry", type=Path, default=ROOT / "data" / "indicators.yml")
    args = parser.parse_args()
    write(args.out, args.registry, args.raw)
    print(f"demo data written to {args.out}")


if __name__ == "__main__":
    main()
