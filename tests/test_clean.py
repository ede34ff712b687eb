"""The clean stage on the demo deliveries: exact result, manifest, lineage, revisions."""

import csv
import hashlib
import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from report.clean import clean, freeze
from report.clean.pipeline import raw_files_changed
from report.errors import MonitorError
from report.project import Project

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def cleaned(tmp_path_factory):
    from conftest import copy_project

    root = copy_project(tmp_path_factory.mktemp("clean") / "project")
    shutil.rmtree(root / "data" / "clean")
    result = clean(Project(root))
    return root, result


def test_demo_raw_files_clean_into_exactly_the_committed_clean_data(cleaned):
    root, _ = cleaned
    committed = sorted(p.name for p in (ROOT / "data" / "clean").iterdir())
    assert sorted(p.name for p in (root / "data" / "clean").iterdir()) == committed
    for name in committed:
        assert (root / "data" / "clean" / name).read_bytes() == (
            ROOT / "data" / "clean" / name
        ).read_bytes(), name


def test_manifest_lists_every_raw_file_with_its_hash_and_row_counts(cleaned):
    root, _ = cleaned
    rows = list(csv.DictReader((root / "data" / "clean" / "manifest.csv").open(encoding="utf-8")))
    raw_files = {str(p.relative_to(root)) for p in (root / "data" / "raw").rglob("*") if p.is_file()} - {
        "data/raw/demo.yml"
    }
    assert {r["file"] for r in rows} == raw_files
    for r in rows:
        assert r["sha256"] == hashlib.sha256((root / r["file"]).read_bytes()).hexdigest()
        read = int(r["rows_read"])
        assert read == int(r["rows_kept"]) + int(r["rows_missing"]) + int(r["rows_rejected"]), r
        assert int(r["rows_rejected"]) == 0
    seizures = [r for r in rows if r["source"] == "inbeslagnames"]
    assert len(seizures) == 3 and sum(int(r["rows_kept"]) for r in seizures) > 20_000


def test_lineage_traces_every_number_to_its_raw_rows(cleaned):
    root, _ = cleaned
    obs = pd.read_csv(root / "data" / "clean" / "observations.csv", keep_default_na=False)
    lineage = pd.read_csv(root / "data" / "clean" / "lineage.csv", keep_default_na=False, dtype={"rows": str})
    key = ["indicator", "measure", "market", "region", "year"]
    merged = obs.merge(lineage, on=key, how="left", indicator=True)
    assert (merged["_merge"] == "both").all()
    # A seizure count equals the number of raw rows its lineage names.
    row = merged[
        (merged.indicator == "inbeslagnames_nl")
        & (merged.measure == "aantal")
        & (merged.market == "cocaine")
        & (merged.year == 2020)
    ].iloc[0]
    n = 0
    for part in row["rows_y" if "rows_y" in row else "rows"].split("; "):
        for span in part.split(": rows ")[1].split():
            a, _, b = span.partition("-")
            n += int(b or a) - int(a) + 1
    assert n == row["value"]
    # A table value is found at the row and column the lineage names.
    cbs = merged[
        (merged.indicator == "drugsgebruik") & (merged.market == "cocaine") & (merged.year == 2020)
    ].iloc[0]
    with (root / cbs["file"]).open(encoding="utf-8") as f:
        lines = list(csv.reader(f, delimiter=";"))
    header = lines[0]
    cell = lines[int(cbs["rows"]) - 1][header.index(cbs["column"])]
    assert float(cell.replace(",", ".")) == cbs["value"]
    # An Excel value: sheet, row and column.
    hk = merged[(merged.indicator == "hennepkwekerijen") & (merged.year == 2016)].iloc[0]
    ws = openpyxl.load_workbook(root / hk["file"])[hk["sheet"]]
    assert ws.cell(row=int(hk["rows"]), column=2).value == hk["value"]


def test_revisions_against_the_frozen_previous_edition(cleaned):
    root, result = cleaned
    rev = result.revisions
    assert set(zip(rev.indicator, rev.year)) == {
        ("hennepkwekerijen", 2023),
        ("liquidaties", 2023),
        ("groothandelsprijzen", 2022),
    }
    assert (rev["value"] != rev["previous_value"]).all() and set(rev["previous_edition"]) == {2023}


def test_freeze_keeps_an_edition_once(project_copy):
    project = Project(project_copy)
    dest = freeze(project, 2024)
    assert (dest / "observations.csv").read_bytes() == (project.clean / "observations.csv").read_bytes()
    with pytest.raises(MonitorError, match="frozen already"):
        freeze(project, 2024)


def test_a_year_the_previous_edition_had_is_a_warning(project_copy):
    path = project_copy / "data" / "raw" / "wodc" / "liquidaties_2012-2024.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(line for line in lines if not line.startswith("2015")), encoding="utf-8")
    result = clean(Project(project_copy))
    messages = [str(w) for w in result.warnings]
    assert any("liquidaties/aantal/alle 2015: the previous edition had this year" in m for m in messages)


def test_raw_change_is_detected_by_content_not_date(project_copy):
    project = Project(project_copy)
    assert raw_files_changed(project) is False
    path = project.raw / "wodc" / "liquidaties_2012-2024.csv"
    path.touch()
    assert raw_files_changed(project) is False
    path.write_bytes(path.read_bytes().replace(b"\r\n2016,", b"\r\n2016,1"))
    assert raw_files_changed(project) is True


def test_trace_leads_from_a_number_to_its_raw_file_and_rows(cleaned):
    from report.clean.trace import _rows_again, trace

    root, _ = cleaned
    (t,) = trace(Project(root), "hennepkwekerijen", 2016)
    ws = openpyxl.load_workbook(root / t.file)[t.sheet]
    assert ws.cell(row=int(t.rows), column=2).value == float(t.value)
    assert t.sha256[t.file] == hashlib.sha256((root / t.file).read_bytes()).hexdigest()
    (s,) = trace(Project(root), "inbeslagnames_nl", 2020, measure="aantal", market="cocaine")
    # Reading the raw files again finds exactly the rows the lineage lists.
    row = {"indicator": "inbeslagnames_nl", "market": "cocaine", "year": "2020", "file": s.file}
    assert _rows_again(Project(root), row) == s.rows
    with pytest.raises(MonitorError, match="no clean number"):
        trace(Project(root), "hennepkwekerijen", 1999)


def test_row_numbers_in_record_files_survive_blank_lines(project_copy):
    from report.clean import CleanFailed

    path = project_copy / "data" / "raw" / "kmar" / "inbeslagnames_kmar_2012-2024.csv"
    lines = path.read_bytes().split(b"\r\n")
    lines.insert(3, b"")  # a blank line after row 3: readers skip it, row numbers must not drift
    lines[9] = lines[9].rsplit(b";", 1)[0] + b";pond"  # row 10 as the file shows it
    path.write_bytes(b"\r\n".join(lines))
    with pytest.raises(CleanFailed) as err:
        clean(Project(project_copy))
    assert "inbeslagnames_kmar_2012-2024.csv, row 10, column 'Eenheid': found 'pond'" in str(err.value)
