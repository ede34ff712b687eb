"""The demo data: deterministic, committed, and as irregular as the seed says real data are."""

import importlib.util
from pathlib import Path

from report.observations import load_clean_data
from report.registry import load_registry

ROOT = Path(__file__).resolve().parents[1]


def _generator():
    spec = importlib.util.spec_from_file_location("make_demo_data", ROOT / "scripts" / "make_demo_data.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_generator_reproduces_the_committed_clean_data_raw_files_and_previous_edition(tmp_path):
    _generator().write(tmp_path / "clean", ROOT / "data" / "indicators.yml", tmp_path / "raw")
    for name in ("observations.csv", "metadata.yml"):
        assert (tmp_path / "clean" / name).read_bytes() == (ROOT / "data" / "clean" / name).read_bytes(), name
    made = sorted(p.relative_to(tmp_path / "raw") for p in (tmp_path / "raw").rglob("*") if p.is_file())
    committed = sorted(
        p.relative_to(ROOT / "data" / "raw") for p in (ROOT / "data" / "raw").rglob("*") if p.is_file()
    )
    assert made == committed
    for rel in made:
        assert (tmp_path / "raw" / rel).read_bytes() == (ROOT / "data" / "raw" / rel).read_bytes(), rel
    for name in ("observations.csv", "metadata.yml"):
        edition = tmp_path / "edities" / "2023" / name
        assert edition.read_bytes() == (ROOT / "data" / "edities" / "2023" / name).read_bytes()


def test_demo_data_cover_all_indicators_and_are_marked_fictitious():
    reg = load_registry(ROOT / "data" / "indicators.yml")
    data = load_clean_data(ROOT / "data" / "clean", reg)
    assert data.demo is True and "Fictieve" in data.description
    obs = data.observations
    assert {o.indicator for o in obs} == {i.id for i in reg.indicators}
    years = [o.year for o in obs]
    assert min(years) <= 2012 and max(years) == 2024


def test_demo_data_carry_the_irregularities_of_the_seed():
    reg = load_registry(ROOT / "data" / "indicators.yml")
    obs = load_clean_data(ROOT / "data" / "clean", reg).observations

    def of(indicator):
        return [o for o in obs if o.indicator == indicator]

    assert sorted({o.year for o in of("beschikbaarheid")}) == [2013, 2016, 2020]
    assert {o.market for o in of("beschikbaarheid")} == {"cocaine"}
    assert len({o.region for o in of("afvalwater")}) >= 4
    assert all(o.provisional for o in obs if o.year == 2024)
    assert not any(o.provisional for o in obs if o.year < 2024)
    assert sum(o.series_break for o in obs) >= 1
    years = {o.year for o in of("opsporingsonderzoeken")}
    assert 2018 not in years and {2017, 2019} <= years
    for orange in ("rechtshulpverzoeken", "ontnemingen", "gesloten_panden"):
        span = {o.year for o in of(orange)}
        assert len(span) < max(span) - min(span) + 1, orange
