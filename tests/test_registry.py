from pathlib import Path

import pytest
import yaml

from report.errors import MonitorError
from report.registry import load_registry

ROOT = Path(__file__).resolve().parents[1]
REGISTRY = ROOT / "data" / "indicators.yml"
THEMES = {
    "import": [1, 2],
    "productie": [3, 4, 5, 6],
    "handel": [7, 8, 9],
    "gebruik": [10, 11, 12],
    "samenleving": [13, 14],
    "strafrecht": [15, 16, 17, 18],
    "financieel": [19],
    "bestuurlijk": [20],
}


def test_registry_has_the_twenty_indicators_of_the_seed_under_eight_themes():
    reg = load_registry(REGISTRY)
    assert [i.number for i in reg.indicators] == list(range(1, 21))
    assert {t.id: [i.number for i in reg.indicators_of(t.id)] for t in reg.themes} == THEMES


def test_quality_ratings_follow_the_seed_and_never_green():
    reg = load_registry(REGISTRY)
    orange = {i.number for i in reg.indicators if i.quality == "oranje"}
    assert orange == {11, 12, 18, 19, 20}
    assert all(i.quality == "geel" for i in reg.indicators if i.number not in orange)


def test_every_indicator_has_caveats_sources_and_both_languages():
    reg = load_registry(REGISTRY)
    for ind in reg.indicators:
        assert ind.caveats, ind.id
        assert ind.data_source and ind.source_line and ind.available_via
        assert ind.title.nl and ind.title.en and ind.definition.nl and ind.definition.en


def test_seed_specific_caveats_are_present():
    reg = load_registry(REGISTRY)
    text = {i.id: " ".join(c.nl for c in i.caveats).lower() for i in reg.indicators}
    assert "2013" in text["beschikbaarheid"] and "2020" in text["beschikbaarheid"]
    assert "vijf" in text["inbeslagnames_nl"] or "5" in text["inbeslagnames_nl"]
    assert "zeven" in text["cocaine_extractie"] or "7" in text["cocaine_extractie"]
    assert "cassatie" in text["ontnemingen"]


def _broken(tmp_path: Path, mutate) -> Path:
    raw = yaml.safe_load(REGISTRY.read_text(encoding="utf-8"))
    mutate(raw)
    path = tmp_path / "indicators.yml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path


def test_an_entry_without_caveats_is_a_clear_error(tmp_path):
    path = _broken(tmp_path, lambda r: r["indicators"][2].update(caveats=[]))
    with pytest.raises(MonitorError) as err:
        load_registry(path)
    msg = str(err.value)
    assert str(path) in msg and "indicator 3 (hennepkwekerijen).caveats" in msg


def test_unknown_key_theme_and_market_are_named(tmp_path):
    def mutate(r):
        r["indicators"][0]["colour"] = "red"
        r["indicators"][1]["theme"] = "smokkel"
        r["indicators"][2]["markets"] = ["wiet", "coke"]

    with pytest.raises(MonitorError) as err:
        load_registry(_broken(tmp_path, mutate))
    msg = str(err.value)
    assert "indicator 1 (inbeslagnames_nl).colour" in msg and "Extra inputs are not permitted" in msg


def test_unknown_theme_and_market_after_schema_passes(tmp_path):
    def mutate(r):
        r["indicators"][1]["theme"] = "smokkel"
        r["indicators"][2]["markets"] = ["wiet", "coke"]

    with pytest.raises(MonitorError) as err:
        load_registry(_broken(tmp_path, mutate))
    msg = str(err.value)
    assert "unknown theme 'smokkel'" in msg
    assert "unknown market 'coke'" in msg


def test_invalid_yaml_names_the_file(tmp_path):
    path = tmp_path / "indicators.yml"
    path.write_text("indicators: [\n", encoding="utf-8")
    with pytest.raises(MonitorError, match="not valid YAML"):
        load_registry(path)
