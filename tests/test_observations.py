"""Loading clean data: every problem named with file, row, column, value and what was expected."""

import shutil
from pathlib import Path

import pytest

from report.errors import MonitorError
from report.observations import load_clean_data
from report.registry import load_registry

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def clean_dir(tmp_path):
    d = tmp_path / "clean"
    shutil.copytree(ROOT / "data" / "clean", d)
    return d


@pytest.fixture(scope="module")
def registry():
    return load_registry(ROOT / "data" / "indicators.yml")


def _edit_line(path: Path, line_no: int, old: str, new: str) -> None:
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    assert old in lines[line_no - 1]
    lines[line_no - 1] = lines[line_no - 1].replace(old, new, 1)
    path.write_text("".join(lines), encoding="utf-8")


def _line_of(path: Path, needle: str) -> int:
    for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if needle in line:
            return i
    raise AssertionError(needle)


def test_unknown_market_names_file_row_column_value_and_suggests(clean_dir, registry):
    obs = clean_dir / "observations.csv"
    row = _line_of(obs, "hennepkwekerijen,aantal,wiet,NL,2015")
    _edit_line(obs, row, ",wiet,", ",wietje,")
    before = obs.read_bytes()
    with pytest.raises(MonitorError) as err:
        load_clean_data(clean_dir, registry)
    msg = str(err.value)
    assert f"observations.csv, row {row}, column 'market': found 'wietje'" in msg
    assert "expected a market of hennepkwekerijen/aantal: ['wiet']" in msg
    assert "did you mean 'wiet'?" in msg
    assert obs.read_bytes() == before  # input only read


def test_all_problems_are_reported_together(clean_dir, registry):
    obs = clean_dir / "observations.csv"
    r1 = _line_of(obs, "liquidaties,aantal,alle,NL,2013")
    _edit_line(obs, r1, "liquidaties,aantal,alle,NL,2013,", "liquidaties,aantal,alle,NL,2013,-")
    r2 = _line_of(obs, "zuiverheid,gehalte,cocaine,NL,2014")
    _edit_line(obs, r2, ",2014,", ",2041,")
    r3 = _line_of(obs, "hennepkwekerijen,aantal,wiet,NL,2016")
    _edit_line(obs, r3, ",2016,", ",2016,x")
    with pytest.raises(MonitorError) as err:
        load_clean_data(clean_dir, registry)
    msg = str(err.value)
    assert "3 problem(s)" in msg
    assert f"row {r1}, column 'value'" in msg and "a value of 0 or more" in msg
    assert f"row {r2}, column 'year': found '2041'" in msg
    assert f"row {r3}, column 'value'" in msg and "a number with '.' as decimal separator" in msg


def test_duplicate_observation_and_percentage_over_100(clean_dir, registry):
    obs = clean_dir / "observations.csv"
    lines = obs.read_text(encoding="utf-8").splitlines(keepends=True)
    dup = next(line for line in lines if line.startswith("csv_verstoord,aantal,alle,NL,2020"))
    obs.write_text("".join(lines) + dup, encoding="utf-8")
    row = _line_of(obs, "drugsgebruik,laatste_jaar,cannabis,NL,2016")
    text = obs.read_text(encoding="utf-8").splitlines(keepends=True)
    parts = text[row - 1].split(",")
    parts[5] = "140.0"
    text[row - 1] = ",".join(parts)
    obs.write_text("".join(text), encoding="utf-8")
    with pytest.raises(MonitorError) as err:
        load_clean_data(clean_dir, registry)
    msg = str(err.value)
    assert "the same observation" in msg and "csv_verstoord" in msg
    assert f"row {row}, column 'value': found '140.0', expected a percentage from 0 to 100" in msg


def test_missing_column_and_missing_file(clean_dir, registry):
    obs = clean_dir / "observations.csv"
    text = obs.read_text(encoding="utf-8").replace(",note\n", "\n", 1)
    obs.write_text(text, encoding="utf-8")
    with pytest.raises(MonitorError, match=r"missing \['note'\]"):
        load_clean_data(clean_dir, registry)
    obs.unlink()
    with pytest.raises(MonitorError, match="clean observations not found"):
        load_clean_data(clean_dir, registry)
