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


def _problems_after(clean_dir: Path, registry, edits: list[tuple[str, str, str]]) -> tuple[list[int], str]:
    """Apply each edit (a line's start, text, replacement) and load: the rows edited, the error."""
    obs = clean_dir / "observations.csv"
    rows = []
    for needle, old, new in edits:
        rows.append(_line_of(obs, needle))
        _edit_line(obs, rows[-1], old, new)
    with pytest.raises(MonitorError) as err:
        load_clean_data(clean_dir, registry)
    return rows, str(err.value)


def test_all_problems_are_reported_together(clean_dir, registry):
    (r1, r2, r3), msg = _problems_after(
        clean_dir,
        registry,
        [
            (
                "liquidaties,aantal,alle,NL,2013",
                "liquidaties,aantal,alle,NL,2013,",
                "liquidaties,aantal,alle,NL,2013,-",
            ),
            ("zuiverheid,gehalte,cocaine,NL,2014", ",2014,", ",2041,"),
            ("hennepkwekerijen,aantal,wiet,NL,2016", ",2016,", ",2016,x"),
        ],
    )
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


def test_a_row_with_too_few_or_too_many_fields_is_named_not_filled_in(clean_dir, registry):
    # pandas filled a short row's last fields with NaN (a note 'nan' in the report); now it is
    # a problem with its row, and a long one too.
    (short, long), msg = _problems_after(
        clean_dir,
        registry,
        [
            ("liquidaties,aantal,alle,NL,2013", ",0,0,", ",0,"),
            ("liquidaties,aantal,alle,NL,2014", ",0,0,", ",0,0,,"),
        ],
    )
    assert "2 problem(s)" in msg
    assert f"row {short}: found 8 field(s), expected 9" in msg
    assert f"row {long}: found 10 field(s), expected 9" in msg


def test_blank_rows_count_in_row_numbers_and_a_byte_order_mark_is_no_part_of_the_header(clean_dir, registry):
    obs = clean_dir / "observations.csv"
    lines = obs.read_text(encoding="utf-8").splitlines(keepends=True)
    lines.insert(3, "\n")  # a blank row 4, as a spreadsheet shows it
    obs.write_text("\ufeff" + "".join(lines) + "\n", encoding="utf-8")
    data = load_clean_data(clean_dir, registry)
    assert len(data.observations) == len(lines) - 2  # header and blank row
    bad = _line_of(obs, "hennepkwekerijen,aantal,wiet,NL,2015")
    _edit_line(obs, bad, ",NL,2015,", ",NL,2O15,")
    with pytest.raises(MonitorError, match=rf"row {bad}, column 'year': found '2O15'"):
        load_clean_data(clean_dir, registry)


@pytest.mark.parametrize("value", ["inf", "nan", "-inf"])
def test_a_value_that_is_no_finite_number_is_a_problem(clean_dir, registry, value):
    obs = clean_dir / "observations.csv"
    row = _line_of(obs, "liquidaties,aantal,alle,NL,2013")
    line = obs.read_text(encoding="utf-8").splitlines()[row - 1].split(",")
    _edit_line(obs, row, f",2013,{line[5]},", f",2013,{value},")
    with pytest.raises(MonitorError, match=rf"row {row}, column 'value': found '{value}'"):
        load_clean_data(clean_dir, registry)


def test_observations_are_read_as_the_supplier_wrote_them(clean_dir, registry):
    # Every row as plain values, in key order; the file's own text gives the same numbers.
    obs = clean_dir / "observations.csv"
    data = load_clean_data(clean_dir, registry)
    rows = [line.split(",") for line in obs.read_text(encoding="utf-8").splitlines()[1:]]
    assert len(data.observations) == len(rows)
    first = data.observations[0]
    want = next(
        r
        for r in rows
        if r[:5] == [first.indicator, first.measure, first.market, first.region, str(first.year)]
    )
    assert first.value == float(want[5]) and first.provisional == (want[6] == "1") and first.note == want[8]
    keys = [(o.indicator, o.measure, o.market, o.region, o.year) for o in data.observations]
    assert keys == sorted(keys) and len(set(keys)) == len(keys)
    assert all(type(o.year) is int and type(o.value) is float for o in data.observations)


def test_revisions_are_read_by_key_and_a_damaged_file_is_named(tmp_path):
    from report.clean.revisions import load_revisions

    path = tmp_path / "revisions.csv"
    assert load_revisions(tmp_path) == {}
    path.write_text(
        "indicator,measure,market,region,year,previous_value,value,previous_edition\n"
        "hennepkwekerijen,aantal,wiet,NL,2023,2889.0,2778.0,2023\n",
        encoding="utf-8",
    )
    assert load_revisions(tmp_path) == {("hennepkwekerijen", "aantal", "wiet", "NL", 2023): (2889.0, 2023)}
    path.write_text(path.read_text(encoding="utf-8").replace(",2889.0,", ",twee,"), encoding="utf-8")
    with pytest.raises(
        MonitorError, match=r"revisions.csv, row 2: not a revision as `monitor clean` writes it"
    ):
        load_revisions(tmp_path)
