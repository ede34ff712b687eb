"""Open data from _generated/gegevens/tabellen.json: CSV, XLSX and datapackage.json (no browser)."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest

from report.errors import MonitorError
from report.render.opendata import TABLES_JSON, load_tables, write_open_data

FIXTURE = Path(__file__).parent / "fixtures" / "mini_book"


def book(root: Path) -> SimpleNamespace:
    return SimpleNamespace(
        root=root,
        title="Mini-monitor",
        edition="2025",
        date="2025-06-30",
        date_text="30 juni 2025",
        publisher="Testbureau",
        demo_notice="Demonstratieversie: alle cijfers zijn fictief.",
        output_stem="mini-monitor-2025",
    )


@pytest.fixture
def root(tmp_path: Path) -> Path:
    dest = tmp_path / "mini"
    (dest / TABLES_JSON).parent.mkdir(parents=True)
    shutil.copyfile(FIXTURE / TABLES_JSON, dest / TABLES_JSON)
    return dest


def test_csv_rows_symbols_and_units(root: Path, tmp_path: Path):
    out = write_open_data(book(root), tmp_path / "out")
    rows = list(csv.reader((out.folder / "inbeslagnames-nl-kg.csv").read_text(encoding="utf-8").splitlines()))
    assert rows == [
        ["jaar", "drugsmarkt", "waarde (kg)", "symbool", "reeksbreuk", "herzien"],
        ["2022", "cocaïne", "", ".", "0", "0"],  # a missing year: CBS '.'
        ["2023", "cocaïne", "40456", "", "0", "0"],
        ["2024", "cocaïne", "45312", "*", "0", "1"],  # provisional and revised
    ]
    package = json.loads(out.datapackage.read_text(encoding="utf-8"))
    (resource,) = package["resources"]
    assert resource["path"] == "inbeslagnames-nl-kg.csv"
    assert "ondergrens" in resource["schema"]["fields"][2]["description"]
    assert "vijf van de elf" in resource["description"]  # the caveats travel with the data


def test_same_tables_same_bytes(root: Path, tmp_path: Path):
    a = write_open_data(book(root), tmp_path / "a")
    b = write_open_data(book(root), tmp_path / "b")
    for fa, fb in zip(a.files(), b.files(), strict=True):
        assert fa.read_bytes() == fb.read_bytes(), fa.name


def test_missing_tables_file_says_what_to_run(tmp_path: Path):
    with pytest.raises(MonitorError, match=r"tabellen\.json ontbreekt: voer eerst `monitor build` uit"):
        load_tables(tmp_path)


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda t: t["rijen"][1].update(waarde="veel"), r"tabel 1, rij 2: waarde 'veel' is geen getal"),
        (lambda t: t.update(id="Met Spaties"), r"tabel 1: id 'Met Spaties'"),
        (lambda t: t.pop("decimalen"), r"tabel 1: veld 'decimalen' ontbreekt"),
    ],
)
def test_bad_tables_file_names_table_row_and_value(root: Path, change, message: str):
    path = root / TABLES_JSON
    data = json.loads(path.read_text(encoding="utf-8"))
    change(data["tabellen"][0])
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(MonitorError, match=message):
        load_tables(root)


def test_open_data_made_ahead_for_a_build_not_yet_in_place(tmp_path: Path):
    """monitor render writes the open data of the new tables while the build waits for its
    figures (format_cache.prepare_open_data), with the book's fields as read from _quarto.yml and
    the build's own metadata (also on a first render); the render then takes them from the
    cache: the same bytes as writing them itself."""
    from report.render import format_cache
    from report.render.book import front_fields, load_book

    root = tmp_path / "mini"
    shutil.copytree(FIXTURE, root)
    made = []

    def make(out, the_book):
        made.append(out)
        return write_open_data(the_book, out).folder

    pending = tmp_path / "build-tmp"  # the build's new folder, not in place
    shutil.copytree(root / "_generated", pending)
    data = json.loads((pending / "gegevens" / "tabellen.json").read_text(encoding="utf-8"))
    data["tabellen"][0]["rijen"][0]["waarde"] = 9999  # a changed value
    tables = pending / "gegevens" / "tabellen.json"
    tables.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    meta = (pending / "metadata.yml").read_text(encoding="utf-8")
    (pending / "metadata.yml").write_text(meta.replace('editie: "2025"', 'editie: "2026"'), encoding="utf-8")
    assert front_fields(root, pending)["edition"] == "2026", "the build's metadata, not _generated/'s"
    assert front_fields(root)["edition"] == "2025"

    assert format_cache.prepare_open_data(root, pending), "no render before it: made all the same"
    assert not format_cache.prepare_open_data(root, pending), "made once"
    shutil.rmtree(root / "_generated")
    shutil.copytree(pending, root / "_generated")  # the build in place
    the_book = SimpleNamespace(root=root, **front_fields(root))
    read = load_book(root)
    for name in format_cache.OPEN_DATA_FIELDS:
        assert getattr(read, name) == getattr(the_book, name), name  # what a render gives them
    out = format_cache.cached_open_data(the_book, tmp_path / "second", lambda o: make(o, the_book))
    assert made == [], "the render took the open data made ahead"
    fresh = write_open_data(the_book, tmp_path / "fresh").folder
    files = sorted(p.name for p in fresh.iterdir())
    assert sorted(p.name for p in out.iterdir()) == files
    for name in files:
        assert (out / name).read_bytes() == (fresh / name).read_bytes(), name
    # other fields at the render (a new edition date): its own key, written by the render
    changed = SimpleNamespace(**{**vars(the_book), "date_text": "1 juli 2025"})
    format_cache.cached_open_data(changed, tmp_path / "third", lambda o: make(o, changed))
    assert len(made) == 1
    # a build folder whose metadata cannot be read: nothing made, the render says why
    (pending / "metadata.yml").write_text("date: [unclosed", encoding="utf-8")
    with pytest.raises(MonitorError):
        format_cache.prepare_open_data(root, pending)


def test_the_workbook_is_the_same_with_openpyxl_imported_without_numpy(root: Path, tmp_path: Path):
    # A cold build imports openpyxl with numpy kept out (report.render.opendata.import_openpyxl);
    # the command server has numpy loaded (pandas, for cleaning). Both write the same bytes.
    import subprocess
    import sys

    script = (
        "import sys, pathlib, types\n"
        "if sys.argv[1] == 'numpy': import numpy\n"
        "from report.render.opendata import write_open_data\n"
        f"fields = { ({k: str(v) for k, v in vars(book(root)).items()})!r}\n"
        "book = types.SimpleNamespace(**fields | {'root': pathlib.Path(fields['root'])})\n"
        "out = write_open_data(book, pathlib.Path(sys.argv[2]))\n"
        "import openpyxl.compat.numbers as n\n"
        "print(n.NUMPY, 'numpy' in sys.modules)\n"
    )
    seen = {}
    for how in ("numpy", "none"):
        proc = subprocess.run(
            [sys.executable, "-c", script, how, str(tmp_path / how)],
            capture_output=True,
            text=True,
            check=True,
        )
        seen[how] = proc.stdout.split()
    assert seen == {"numpy": ["True", "True"], "none": ["False", "False"]}
    files = sorted(p.name for p in (tmp_path / "none").iterdir())
    assert any(name.endswith(".xlsx") for name in files)
    for name in files:
        assert (tmp_path / "numpy" / name).read_bytes() == (tmp_path / "none" / name).read_bytes(), name
