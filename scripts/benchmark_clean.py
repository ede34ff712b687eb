"""Time and peak memory of `monitor clean` on millions of record-level seizure rows.

    python scripts/benchmark_clean.py                 # 5,000,000 rows (the target: ≤ 20 s, ≤ 2 GiB)
    python scripts/benchmark_clean.py --rows 500000
    python scripts/benchmark_clean.py --faults 500    # also 500 faulty rows (rejected and listed)

Works on a copy of the project in a temporary folder: the seizure files in data/raw/{politie,
kmar,douane}/ are replaced by generated ones in the same format (fixed seed, the drug names
as each agency writes them, dates dd-mm-yyyy 2012–2024, decimal commas, kg and g). The clean
stage then runs in a child process, so that its peak memory (ru_maxrss) is its own and not
the generator's. Prints the rows, the wall time of the whole clean, the time of reading,
checking and aggregating the records and of the lineage, and the peak memory.
Not a test: a measurement.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
PARTS = ["_quarto.yml", "index.qmd", "chapters", "data", "fonts", "report", "scripts", "docs"]
SEED = 20250101
FIRST, LAST = 2012, 2024
TARGET_SECONDS, TARGET_BYTES = 20.0, 2 * 1024**3
HEADER = "Registratienummer;Datum;Plaats;Dienst;Middel;Hoeveelheid;Eenheid"

# folder, number prefix, agency, share of the rows, places, drug names (as the agency writes
# them) with their weights, share of quantities in grams.
AGENCIES = [
    (
        "politie",
        "PL",
        "Politie",
        0.75,
        [
            "Amsterdam",
            "Rotterdam",
            "Den Haag",
            "Utrecht",
            "Eindhoven",
            "Tilburg",
            "Breda",
            "Venlo",
            "Maastricht",
            "Groningen",
            "Zwolle",
            "Arnhem",
            "Nijmegen",
            "Elders",
        ],
        {
            "Nederwiet": 50,
            "Hasj": 8,
            "Cocaïne": 10,
            "XTC": 9,
            "Amfetamine": 8,
            "Heroïne": 3,
            "NPS": 3,
            "Cocaïne HCl": 1,
            "MDMA": 2,
            "speed": 2,
            "Crystal meth": 1,
            "hashish": 1,
            "Wiet": 2,
        },
        0.2,
    ),
    (
        "kmar",
        "KM",
        "KMar",
        0.08,
        ["Schiphol", "Eindhoven Airport", "Rotterdam The Hague Airport", "Grens Venlo", "Grens Hazeldonk"],
        {
            "coke": 35,
            "wiet": 19,
            "hasj": 12,
            "MDMA": 15,
            "speed": 4,
            "heroïne": 7,
            "crystal meth": 7,
            "XTC": 1,
        },
        0.2,
    ),
    (
        "douane",
        "DO",
        "Douane",
        0.17,
        ["Haven Rotterdam", "Haven Vlissingen", "Schiphol Cargo", "Haven Amsterdam"],
        {
            "cocaine": 58,
            "marihuana": 21,
            "hashish": 10,
            "ecstasy": 3,
            "amphetamine": 4,
            "heroin": 3,
            "NPS": 1,
        },
        0.13,
    ),
]


def copy_project(dest: Path) -> None:
    for part in PARTS:
        src = ROOT / part
        if src.is_dir():
            shutil.copytree(src, dest / part, ignore=shutil.ignore_patterns("__pycache__"))
        elif src.exists():
            shutil.copy2(src, dest / part)


# -- generating the seizure files (vectorised: numpy for the numbers, Arrow for the text) ---------


def _seizures(
    n: int, prefix: str, agency: str, places: list[str], drugs: dict[str, int], gram_share: float, rng
):
    """n seizure rows of one agency as an Arrow table of text columns, in date order."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    def text(values) -> pa.Array:
        return pa.array(np.asarray(values).astype(str))

    def digits(values, width: int = 0) -> pa.Array:
        out = pc.cast(pa.array(values), pa.string())
        return pc.utf8_lpad(out, width, "0") if width else out

    first = np.datetime64(f"{FIRST}-01-01")
    days = np.arange(first, np.datetime64(f"{LAST + 1}-01-01"))
    # More seizures in later years (about 4% a year), uniformly over the days of a year.
    weight = 1.04 ** (days.astype("datetime64[Y]").astype(int) + 1970 - FIRST)
    day = np.sort(rng.choice(days.size, size=n, p=weight / weight.sum()))
    date_text = pc.take(text(np.datetime_as_string(days)), pa.array(day))  # yyyy-mm-dd
    ymd = pc.split_pattern(date_text, "-")
    datum = pc.binary_join_element_wise(
        pc.list_element(ymd, 2), pc.list_element(ymd, 1), pc.list_element(ymd, 0), "-"
    )

    # Registration numbers: PL-2019-000123, counting within the year.
    year = days[day].astype("datetime64[Y]").astype(int) + 1970
    year_start = np.searchsorted(year, year, side="left")
    seq = np.arange(n) - year_start + 1
    nummer = pc.binary_join_element_wise(prefix, digits(year), digits(seq, 6), "-")

    names = list(drugs)
    p = np.array(list(drugs.values()), dtype=float)
    middel = pc.take(pa.array(names), pa.array(rng.choice(len(names), size=n, p=p / p.sum())))
    plaats = pc.take(pa.array(places), pa.array(rng.integers(0, len(places), size=n)))

    # Quantities: mostly small, a long tail of large consignments (lognormal in kg).
    in_grams = rng.random(n) < gram_share
    kg_milli = np.rint(rng.lognormal(mean=1.5, sigma=1.8, size=n) * 1000).astype(np.int64)  # grams
    kg_milli = np.clip(kg_milli, 1, 9_999_999_999)
    whole, frac = np.divmod(kg_milli, 1000)
    thousands, units = np.divmod(whole, 1000)
    whole_text = pc.if_else(
        pa.array(thousands > 0),
        pc.binary_join_element_wise(digits(thousands), digits(units, 3), "."),
        digits(whole),
    )
    kg_text = pc.binary_join_element_wise(whole_text, digits(frac, 3), ",")
    # Gram quantities: whole grams, some with one decimal (12,5).
    tenths = rng.integers(1, 10_000, size=n)
    tenths = np.where(rng.random(n) < 0.7, tenths - tenths % 10, tenths)
    g_whole, g_tenth = np.divmod(tenths, 10)
    g_text = pc.if_else(
        pa.array(g_tenth == 0),
        digits(g_whole),
        pc.binary_join_element_wise(digits(g_whole), digits(g_tenth), ","),
    )
    mask = pa.array(in_grams)
    hoeveelheid = pc.if_else(mask, g_text, kg_text)
    eenheid = pc.if_else(mask, pa.scalar("g"), pa.scalar("kg"))

    return pa.table(
        {
            "Registratienummer": nummer,
            "Datum": datum,
            "Plaats": plaats,
            "Dienst": pc.take(pa.array([agency]), pa.array(np.zeros(n, dtype=np.int64))),
            "Middel": middel,
            "Hoeveelheid": hoeveelheid,
            "Eenheid": eenheid,
        }
    )


def _faults(table, count: int, rng):
    """Spoil `count` cells: an empty date, an impossible date, an unknown drug, a bad number, a unit."""
    import pyarrow as pa

    if count <= 0 or table.num_rows == 0:
        return table
    kinds = [
        ("Datum", "31-02-2019"),
        ("Datum", ""),
        ("Middel", "kokaine"),
        ("Hoeveelheid", "12.5"),
        ("Hoeveelheid", "-3,000"),
        ("Eenheid", "pond"),
        ("Middel", ""),
    ]
    rows = rng.choice(table.num_rows, size=min(count, table.num_rows), replace=False)
    kind = rng.integers(0, len(kinds), size=rows.size)
    for i, (column, value) in enumerate(kinds):
        values = table.column(column).to_numpy(zero_copy_only=False).astype(object)
        values[rows[kind == i]] = value
        table = table.set_column(table.schema.get_field_index(column), column, pa.array(values, pa.string()))
    if rows.size > 1:  # and one registration number used twice
        ids = table.column("Registratienummer").to_numpy(zero_copy_only=False).astype(object)
        ids[rows[1]] = ids[rows[0]]
        table = table.set_column(0, "Registratienummer", pa.array(ids, pa.string()))
    return table


def generate(root: Path, rows: int, faults: int) -> dict[str, int]:
    import numpy as np
    import pyarrow.csv as pacsv

    rng = np.random.default_rng(SEED)
    raw = root / "data" / "raw"
    for folder, *_ in AGENCIES:
        for old in (raw / folder).glob("inbeslagnames_*.csv"):
            old.unlink()
    counts = {}
    left = rows
    for i, (folder, prefix, agency, share, places, drugs, gram_share) in enumerate(AGENCIES):
        n = left if i == len(AGENCIES) - 1 else int(round(rows * share))
        left -= n
        table = _seizures(n, prefix, agency, places, drugs, gram_share, rng)
        table = _faults(table, round(faults * share), rng)
        path = raw / folder / f"inbeslagnames_{folder}_{FIRST}-{LAST}.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as f:
            f.write((HEADER + "\r\n").encode("utf-8"))
            pacsv.write_csv(
                table,
                f,
                pacsv.WriteOptions(
                    include_header=False, delimiter=";", eol="\r\n", quoting_style="none", batch_size=1 << 16
                ),
            )
        counts[str(path.relative_to(root))] = n
    return counts


# -- the measurement (in a child process) -------------------------------------------------------


def measure(root: Path, allow_rejections: bool) -> dict:
    """Run the clean stage with timers around its record-level parts; return the figures."""
    from report.clean import pipeline
    from report.clean import records as rec
    from report.project import Project

    timers: dict[str, float] = {}
    counts = {"rows_read": 0, "rows_kept": 0, "rows_rejected": 0}

    def timed(module, name: str, label: str) -> None:
        inner = getattr(module, name)

        def wrapper(*args, **kwargs):
            t0 = time.perf_counter()
            try:
                out = inner(*args, **kwargs)
            finally:
                timers[label] = timers.get(label, 0.0) + time.perf_counter() - t0
            if name == "read_records" and out is not None:
                counts["rows_read"] += len(out)
            elif name == "clean_records":
                counts["rows_kept"] += len(out[0])
                counts["rows_rejected"] += out[1]
            return out

        setattr(module, name, wrapper)

    timed(rec, "read_records", "read")
    timed(rec, "clean_records", "check")
    timed(rec, "aggregate", "aggregate")
    timed(pipeline, "_aggregate_records", "aggregate + lineage")
    timed(pipeline, "sha256", "hash raw files")
    timed(pipeline, "validate", "validate (pandera)")
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    t0 = time.perf_counter()
    try:
        result = pipeline.clean(Project(root), allow_rejections=allow_rejections)
        outcome = f"{len(result.observations)} observations written"
    except pipeline.CleanFailed as exc:  # too many faults: the stage stops after checking everything
        outcome = f"clean refused the delivery: {len(exc.problems)} problem(s) that block it"
    total = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return {
        "total": total,
        "timers": timers,
        "peak": peak,
        "rss_before": rss_before,
        "hwm": _vm_hwm(),
        "outcome": outcome,
        **counts,
    }


def _vm_hwm() -> int:
    """The peak resident memory of this process's own address space (Linux), as a cross-check."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _child(*args: str) -> str:
    """Run this script in a fresh process; its standard output."""
    cmd = [sys.executable, str(Path(__file__).resolve()), *args]
    child = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    if child.returncode != 0:
        sys.stderr.write(child.stdout + child.stderr)
        sys.exit(f"{' '.join(args[:1])} failed (exit {child.returncode})")
    return child.stdout.strip().splitlines()[-1]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=5_000_000, help="seizure rows in all (default 5,000,000)")
    parser.add_argument(
        "--faults",
        type=int,
        default=0,
        help="faulty rows among them (default 0); from about 1000 on, some check finds more "
        "than 200 in a file and the clean stage refuses the delivery",
    )
    parser.add_argument(
        "--keep",
        type=Path,
        help="work in this folder and keep it; generated files of the same size are reused",
    )
    parser.add_argument("--generate", type=Path, help=argparse.SUPPRESS)  # child process: the rows
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)  # child process: the clean
    args = parser.parse_args()
    if args.generate:
        print(json.dumps(generate(args.generate, args.rows, args.faults)))
        return
    if args.measure:
        print(json.dumps(measure(args.measure, allow_rejections=args.faults > 0)))
        return

    # This process stays small (no pandas, no numpy): the generator and the clean stage each run
    # in a process of their own. A child's ru_maxrss starts from its parent's at the fork.
    print(f"cores: {os.cpu_count()}; python {sys.version.split()[0]}")
    with tempfile.TemporaryDirectory(prefix="benchmark-clean-") as tmp:
        root = args.keep.resolve() if args.keep else Path(tmp) / "project"
        marker = root / ".benchmark-clean.json"
        wanted = {"rows": args.rows, "faults": args.faults, "seed": SEED}
        if marker.exists() and json.loads(marker.read_text())["wanted"] == wanted:
            counts = json.loads(marker.read_text())["counts"]
            print(f"reusing the {sum(counts.values()):,} rows generated in {root}")
        else:
            if root.exists():
                shutil.rmtree(root)
            root.mkdir(parents=True)
            copy_project(root)
            t0 = time.perf_counter()
            counts = json.loads(
                _child("--generate", str(root), "--rows", str(args.rows), "--faults", str(args.faults))
            )
            t_gen = time.perf_counter() - t0
            marker.write_text(json.dumps({"wanted": wanted, "counts": counts}))
            size = sum((root / f).stat().st_size for f in counts)
            print(
                f"generated {sum(counts.values()):,} rows ({size / 1e6:,.0f} MB, {args.faults} faulty) "
                f"in {t_gen:.1f} s:"
            )
        for f, n in counts.items():
            print(f"  {f}: {n:,} rows")
        r = json.loads(_child("--measure", str(root), "--faults", str(args.faults)))

    t = r["timers"]
    lineage = t.get("aggregate + lineage", 0.0) - t.get("aggregate", 0.0)
    records = t.get("read", 0.0) + t.get("check", 0.0) + t.get("aggregate + lineage", 0.0)
    print(
        f"seizure rows read {r['rows_read']:,}: {r['rows_kept']:,} pass the checks, "
        f"{r['rows_rejected']:,} rejected; {r['outcome']}"
    )
    lines = [
        ("clean, whole stage", r["total"]),
        ("  hash raw files (sha256)", t.get("hash raw files", 0.0)),
        ("  read records", t.get("read", 0.0)),
        ("  check records", t.get("check", 0.0)),
        ("  aggregate records", t.get("aggregate", 0.0)),
        ("  lineage of the records", lineage),
        ("  records together", records),
        ("  validate (pandera)", t.get("validate (pandera)", 0.0)),
        (
            "  everything else",
            r["total"] - records - t.get("hash raw files", 0.0) - t.get("validate (pandera)", 0.0),
        ),
    ]
    for label, seconds in lines:
        print(f"{label:30s} {seconds:7.2f} s")
    gib = r["peak"] / 1024**3
    print(
        f"{'peak memory (ru_maxrss)':30s} {gib:7.2f} GiB  (VmHWM {r['hwm'] / 1024**3:.2f} GiB; "
        f"{r['rss_before'] / 1024**3:.2f} GiB after the imports)"
    )
    if args.rows == 5_000_000:
        ok = r["total"] <= TARGET_SECONDS and r["peak"] <= TARGET_BYTES
        print(f"target ≤ {TARGET_SECONDS:g} s and ≤ 2 GiB on 2 cores: {'met' if ok else 'NOT met'}")


if __name__ == "__main__":
    main()
